//! The dashboard's figures for a caller, within its scope: cases per state, registrations and
//! closings per week, outcomes, beneficiaries per kab/kota and per hospital. Pages draw them
//! (as SVG charts with the same numbers in tables), the API returns them as JSON.
//!
//! No figure reads every case: open cases come from the open desk stays, everything about
//! registrations and closings from the daily roll-up plus the events since it (see
//! `db::figures` and `desk_figures`). [`CaseService::refresh_figures`] keeps the roll-up
//! current; the figure pages call it when they find the watermark behind, and a periodic job
//! may call it too.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use std::collections::BTreeMap;

use super::Scope;
use super::bottleneck::{DeskTime, per_desk};
use super::desk_figures::{DeskFigures, FlowFigures, desk_order};
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::figures::{self, Count, FlowCount, Week};
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

/// A readable name for an outcome key (`handed_over:pbi_jkn`, `rejected` …).
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
        // A scope of nothing (the administrator) matches no row: no special case needed.
        let (desks, flow) = self.dashboard_figures(&filter, from).await?;
        // No case is listed, but small counts per hospital or kab/kota can single a patient
        // out: the view is in the access log like a list, with no case ids.
        self.log_list(user, "web", "dashboard", &user.scope_label(), false, &[])
            .await?;
        Ok(Dashboard {
            scope: user.scope_label(),
            from,
            to: today,
            per_state: per_state(&desks, &flow.events),
            weekly: weekly(&flow, from, today),
            outcomes: outcomes(&flow.events),
            time_per_desk: per_desk(&desks),
            beneficiaries_per_kab_kota: beneficiaries(&flow.events, |e| {
                (&e.kab_kota_code, &e.kab_kota_name)
            }),
            beneficiaries_per_hospital: beneficiaries(&flow.events, |e| {
                (&e.hospital_code, &e.hospital_name)
            }),
        })
    }
}

/// Counts by key, those above zero, labelled.
fn counted(sums: BTreeMap<String, (String, i64)>) -> Vec<Count> {
    sums.into_iter()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(key, (label, count))| Count { key, label, count })
        .collect()
}

/// Cases per state: open ones from the stays open now (a case has one, at its state's desk),
/// closed ones from their closings; in the workflow's order.
fn per_state(desks: &DeskFigures, events: &[FlowCount]) -> Vec<Count> {
    let mut per_order: BTreeMap<usize, i64> = BTreeMap::new();
    for ((order, _), cell) in &desks.desks {
        *per_order.entry(*order).or_default() += cell.open as i64;
    }
    for (order, n) in &desks.open_after {
        *per_order.entry(*order).or_default() += *n as i64;
    }
    for e in events.iter().filter(|e| e.event != "registered") {
        if let Ok(state) = e.event.parse::<CaseState>() {
            *per_order.entry(desk_order(state)).or_default() += e.n;
        }
    }
    per_order
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(order, count)| {
            let state = CaseState::ALL[order];
            Count {
                key: state.as_str().into(),
                label: state.label().into(),
                count,
            }
        })
        .collect()
}

/// Closed cases by outcome: handed over (by scheme), rejected, withdrawn (by reason).
fn outcomes(events: &[FlowCount]) -> Vec<Count> {
    let mut sums: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.event != "registered") {
        let key = match e.event.as_str() {
            "handed_over" | "withdrawn" => format!("{}:{}", e.event, e.detail),
            _ => e.event.clone(),
        };
        let label = outcome_label(&key);
        sums.entry(key).or_insert((label, 0)).1 += e.n;
    }
    counted(sums)
}

/// Beneficiaries (cases handed over to national insurance) per group (code and name), the most
/// first.
fn beneficiaries<'a>(
    events: &'a [FlowCount],
    group: impl Fn(&'a FlowCount) -> (&'a String, &'a String),
) -> Vec<Count> {
    let mut sums: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.event == "handed_over") {
        let (code, name) = group(e);
        sums.entry(code.clone()).or_insert((name.clone(), 0)).1 += e.n;
    }
    let mut list = counted(sums);
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    list
}

/// Inflow and outflow per week from the Monday `from` to `today`, every week listed: the rolled
/// weeks plus the live days.
fn weekly(flow: &FlowFigures, from: NaiveDate, today: NaiveDate) -> Vec<Week> {
    let mut weeks: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    let mut week = from;
    while week <= today {
        weeks.insert(week, (0, 0));
        week += Duration::weeks(1);
    }
    for w in &flow.rolled_weeks {
        if let Some(sums) = weeks.get_mut(&w.week_start) {
            sums.0 += w.registered;
            sums.1 += w.closed;
        }
    }
    for e in &flow.events {
        let Some(day) = e.day.filter(|d| (from..=today).contains(d)) else {
            continue;
        };
        if let Some(sums) = weeks.get_mut(&monday(day)) {
            if e.event == "registered" {
                sums.0 += e.n;
            } else {
                sums.1 += e.n;
            }
        }
    }
    weeks
        .into_iter()
        .map(|(week_start, (registered, closed))| Week {
            week_start,
            registered,
            closed,
        })
        .collect()
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
