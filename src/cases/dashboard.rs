//! The dashboard's figures for a caller, within its scope: cases per state, registrations and
//! closings per week, outcomes, beneficiaries per kab/kota and per hospital. Pages draw them
//! (as SVG charts with the same numbers in tables), the API returns them as JSON.
//!
//! No figure reads every case: open cases come from their partial index, everything about
//! registrations and closings from the daily roll-up plus the events since it (see
//! `db::figures`). [`CaseService::refresh_figures`] keeps the roll-up current; the dashboard
//! calls it before reading, and a periodic job may call it too.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::Scope;
use super::bottleneck::DeskTime;
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::figures::{self, Count, Week};
use crate::domain::{CaseState, Scheme, WithdrawReason};

/// How many weeks the weekly flow covers, this week included.
pub const WEEKS: i64 = 12;

/// Every figure of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Whose cases: "Seluruh NTT", a hospital or a kab/kota.
    pub scope: String,
    /// First day (a Monday, WITA) of the weekly flow.
    pub from: NaiveDate,
    /// Today (WITA), the last day counted.
    pub to: NaiveDate,
    pub per_state: Vec<Count>,
    pub weekly: Vec<Week>,
    pub outcomes: Vec<Count>,
    /// Working days at each desk over the same weeks (stays that ended then, or still open).
    pub time_per_desk: Vec<DeskTime>,
    pub beneficiaries_per_kab_kota: Vec<Count>,
    pub beneficiaries_per_hospital: Vec<Count>,
}

/// The Monday starting the week of `day`.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// A readable name for an outcome key of [`figures::outcomes`].
fn outcome_label(key: &str) -> String {
    let (state, detail) = key.split_once(':').unwrap_or((key, ""));
    let state_label = state.parse::<CaseState>().map_or(state, |s| s.label());
    let detail_label = match state {
        "handed_over" => detail.parse::<Scheme>().ok().map(|s| s.label()),
        "withdrawn" => detail.parse::<WithdrawReason>().ok().map(|r| r.label()),
        _ => None,
    };
    match detail_label {
        Some(d) => format!("{state_label} — {d}"),
        None => state_label.to_string(),
    }
}

impl CaseService {
    /// Rolls the WITA days that are over into the dashboard's daily roll-up (see
    /// [`figures::refresh`]): idempotent, cheap when there is nothing new, safe from several
    /// instances at once. The one step a periodic job needs to call to keep views fast.
    pub async fn refresh_figures(&self) -> Result<figures::Refresh> {
        Ok(figures::refresh(&self.pool, self.clock.now()).await?)
    }

    /// The dashboard of `user`'s scope, as of the clock's today.
    pub async fn dashboard(&self, user: &CurrentUser) -> Result<Dashboard> {
        let filter = Scope::of(user).filter();
        let today = self.today();
        let from = monday(today) - Duration::weeks(WEEKS - 1);
        // Whatever the roll-up's state, the figures are right (days not rolled are counted
        // live); rolling first only keeps the live part small. A failure is not the viewer's.
        if let Err(e) = self.refresh_figures().await {
            tracing::warn!(error = %e, "rolling up the dashboard's figures failed");
        }
        // A scope of nothing (the administrator) matches no row: no special case needed.
        let mut per_state = figures::per_state(&self.pool, &filter).await?;
        for c in &mut per_state {
            c.label = c
                .key
                .parse::<CaseState>()
                .map_or(c.key.clone(), |s| s.label().into());
        }
        let mut outcomes = figures::outcomes(&self.pool, &filter).await?;
        for c in &mut outcomes {
            c.label = outcome_label(&c.key);
        }
        let tomorrow = today + Duration::days(1);
        // No case is listed, but small counts per hospital or kab/kota can single a patient
        // out: the view is in the access log like a list, with no case ids.
        self.log_list(user, "web", "dashboard", &user.scope_label(), false, &[])
            .await?;
        Ok(Dashboard {
            scope: user.scope_label(),
            from,
            to: today,
            per_state,
            weekly: figures::weekly_flow(&self.pool, &filter, from, tomorrow).await?,
            outcomes,
            time_per_desk: self.time_per_desk(user, from, today).await?,
            beneficiaries_per_kab_kota: figures::beneficiaries_per_kab_kota(&self.pool, &filter)
                .await?,
            beneficiaries_per_hospital: figures::beneficiaries_per_hospital(&self.pool, &filter)
                .await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(monday(d("2026-12-04")), d("2026-11-30"));
        assert_eq!(monday(d("2026-11-30")), d("2026-11-30"));
        assert_eq!(monday(d("2026-12-06")), d("2026-11-30"));
    }

    #[test]
    fn outcomes_are_named() {
        assert_eq!(outcome_label("rejected"), "Jaminan ditolak");
        assert_eq!(
            outcome_label("handed_over:pbi_jkn"),
            "Diserahkan ke BPJS — PBI JKN"
        );
        assert_eq!(
            outcome_label("withdrawn:meninggal"),
            "Dibatalkan — Pasien meninggal dunia"
        );
        assert_eq!(outcome_label("withdrawn:-"), "Dibatalkan");
    }
}
