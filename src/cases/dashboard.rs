//! The dashboard's figures for a caller, within its scope: cases per state, registrations and
//! closings per week, outcomes, beneficiaries per kab/kota and per hospital. Pages draw them
//! (as SVG charts with the same numbers in tables), the API returns them as JSON.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use serde::Serialize;

use super::Scope;
use super::bottleneck::DeskTime;
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::figures::{self, Count, Week};
use crate::domain::{CaseState, Scheme, WithdrawReason, sla};

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
    /// The dashboard of `user`'s scope, as of the clock's today.
    pub async fn dashboard(&self, user: &CurrentUser) -> Result<Dashboard> {
        let filter = Scope::of(user).filter();
        let today = self.today();
        let from = monday(today) - Duration::weeks(WEEKS - 1);
        let wita = sla::wita();
        let start = |d: NaiveDate| {
            wita.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .single()
                .map(|t| t.to_utc())
        };
        let (Some(from_at), Some(to_at)) = (start(from), start(today + Duration::days(1))) else {
            return Err(anyhow::anyhow!("WITA has no gaps; {from} and {today} exist").into());
        };
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
        Ok(Dashboard {
            scope: user.scope_label(),
            from,
            to: today,
            per_state,
            weekly: figures::weekly_flow(&self.pool, &filter, from_at, to_at).await?,
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
