//! Where patients wait: for each desk × kab/kota of the caller's scope, the cases at the desk
//! now, how many are past their due date, and the median and 90th-percentile working days the
//! case spent at the desk over a period. Read from the desk stays; working days are computed
//! here from the holiday table, so a holiday entered later counts at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::service::{CaseService, Result};
use super::{CaseError, Scope};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::stays::PeriodStay;
use crate::domain::{CaseState, sla};

/// Longest period the page computes at once.
pub const MAX_DAYS: i64 = 366;

/// One desk × kab/kota.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeskRow {
    /// The state (desk) code.
    pub state: &'static str,
    pub desk: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    /// Cases at the desk now.
    pub open: usize,
    /// Of those, past their due date.
    pub overdue: usize,
    /// Stays counted for the times: closed in the period, or still open.
    pub stays: usize,
    /// Median working days at the desk (linear interpolation, as `percentile_cont`).
    pub median_days: f64,
    /// 90th percentile of working days at the desk.
    pub p90_days: f64,
}

/// A case behind a figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseLine {
    pub id: Uuid,
    pub number: String,
    pub hospital: String,
    pub working_days: i64,
    pub open: bool,
    pub overdue: bool,
}

/// Working days from registration to a milestone, over the cases reaching it in the period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeadTime {
    pub cases: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

impl LeadTime {
    fn of(mut days: Vec<i64>) -> LeadTime {
        days.sort_unstable();
        LeadTime {
            cases: days.len(),
            median_days: percentile(&days, 0.5),
            p90_days: percentile(&days, 0.9),
        }
    }
}

/// The bottleneck figures of a scope and period.
#[derive(Debug, Clone, Serialize)]
pub struct Bottlenecks {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<DeskRow>,
    /// Registration → temporary guarantee.
    pub to_guarantee: LeadTime,
    /// Registration → handover to national insurance.
    pub to_handover: LeadTime,
}

/// The `p` percentile (0–1) of sorted values, interpolated like PostgreSQL's `percentile_cont`.
pub fn percentile(sorted: &[i64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0] as f64,
        n => {
            let rank = p * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
            let frac = rank - lo as f64;
            sorted[lo] as f64 + (sorted[hi] - sorted[lo]) as f64 * frac
        }
    }
}

/// Working days a stay lasted (up to `today` while open), and whether it is overdue.
fn measure(s: &PeriodStay, today: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> (i64, bool) {
    let end = s.left_at.map_or(today, sla::local_date);
    let days = sla::working_days_between(sla::local_date(s.entered_at), end, holidays);
    let overdue = s.left_at.is_none() && s.sla_due_date.is_some_and(|d| today > d);
    (days, overdue)
}

/// A group's kab/kota name, working days of each stay, open and overdue counts.
type Group = (String, Vec<i64>, usize, usize);

/// Groups stays into desk × kab/kota rows.
pub fn rows(
    stays: &[PeriodStay],
    today: NaiveDate,
    holidays: &BTreeSet<NaiveDate>,
) -> Vec<DeskRow> {
    // Keyed by the state's place in the workflow, so rows follow the desks' order.
    let order = |state: CaseState| CaseState::ALL.iter().position(|s| *s == state).unwrap_or(0);
    let mut groups: BTreeMap<(usize, String), Group> = BTreeMap::new();
    for s in stays {
        let (days, overdue) = measure(s, today, holidays);
        let key = (order(s.state.0), s.kab_kota_code.clone());
        let g = groups
            .entry(key)
            .or_insert_with(|| (s.kab_kota_name.clone(), vec![], 0, 0));
        g.1.push(days);
        g.2 += usize::from(s.left_at.is_none());
        g.3 += usize::from(overdue);
    }
    groups
        .into_iter()
        .map(|((place, kab), (kab_name, mut days, open, overdue))| {
            days.sort_unstable();
            let state = CaseState::ALL[place];
            let agency = state.desk().map_or("—", |r| r.agency());
            DeskRow {
                state: state.as_str(),
                desk: format!("{} ({agency})", state.label()),
                kab_kota_code: kab,
                kab_kota_name: kab_name,
                open,
                overdue,
                stays: days.len(),
                median_days: percentile(&days, 0.5),
                p90_days: percentile(&days, 0.9),
            }
        })
        .collect()
}

/// Time at one desk over all kab/kota: the dashboard's "time per desk".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeskTime {
    /// The state (desk) code.
    pub state: &'static str,
    pub desk: String,
    pub stays: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

/// Working days at each desk, all kab/kota together, in workflow order.
pub fn per_desk(
    stays: &[PeriodStay],
    today: NaiveDate,
    holidays: &BTreeSet<NaiveDate>,
) -> Vec<DeskTime> {
    CaseState::ALL
        .iter()
        .filter_map(|state| {
            let mut days: Vec<i64> = stays
                .iter()
                .filter(|s| s.state.0 == *state)
                .map(|s| measure(s, today, holidays).0)
                .collect();
            if days.is_empty() {
                return None;
            }
            days.sort_unstable();
            let agency = state.desk().map_or("—", |r| r.agency());
            Some(DeskTime {
                state: state.as_str(),
                desk: format!("{} ({agency})", state.label()),
                stays: days.len(),
                median_days: percentile(&days, 0.5),
                p90_days: percentile(&days, 0.9),
            })
        })
        .collect()
}

impl CaseService {
    /// Time at each desk over `from..=to` in the caller's scope.
    pub async fn time_per_desk(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DeskTime>> {
        let stays = self.period_stays(user, from, to).await?;
        let holidays = db::cases::holidays(&self.pool).await?;
        Ok(per_desk(&stays, self.today(), &holidays))
    }

    /// The stays of the caller's scope overlapping the period `from..=to` (WITA dates).
    async fn period_stays(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PeriodStay>> {
        let (scope, from_at, to_at) = Self::period_bounds(user, from, to)?;
        Ok(db::stays::in_period(&self.pool, &scope, from_at, to_at).await?)
    }

    /// The caller's scope and the period `from..=to` (WITA dates) as instants.
    fn period_bounds(
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(db::cases::ScopeFilter, DateTime<Utc>, DateTime<Utc>)> {
        if to < from || (to - from).num_days() > MAX_DAYS {
            return Err(CaseError::field(
                "dari",
                format!(
                    "Periode harus dari tanggal awal s.d. tanggal akhir, paling lama {MAX_DAYS} hari."
                ),
            ));
        }
        let wita = sla::wita();
        let start = |d: NaiveDate| {
            wita.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .single()
        };
        let (Some(from_at), Some(to_at)) = (start(from), start(to + Duration::days(1))) else {
            return Err(anyhow::anyhow!("WITA has no gaps").into());
        };
        Ok((Scope::of(user).filter(), from_at.to_utc(), to_at.to_utc()))
    }

    /// Registration → guarantee and registration → handover over the period.
    async fn lead_times(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        holidays: &BTreeSet<NaiveDate>,
    ) -> Result<(LeadTime, LeadTime)> {
        let (scope, from_at, to_at) = Self::period_bounds(user, from, to)?;
        let times = db::figures::lead_times(&self.pool, &scope, from_at, to_at).await?;
        let days = |end: Option<DateTime<Utc>>, start: DateTime<Utc>| {
            end.map(|e| {
                sla::working_days_between(sla::local_date(start), sla::local_date(e), holidays)
            })
        };
        let guarantee = times
            .iter()
            .filter_map(|t| days(t.guaranteed_at, t.registered_at));
        let handover = times
            .iter()
            .filter_map(|t| days(t.handed_over_at, t.registered_at));
        Ok((
            LeadTime::of(guarantee.collect()),
            LeadTime::of(handover.collect()),
        ))
    }

    /// The bottleneck figures of the caller's scope over `from..=to`.
    pub async fn bottlenecks(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Bottlenecks> {
        let stays = self.period_stays(user, from, to).await?;
        let holidays = db::cases::holidays(&self.pool).await?;
        let (to_guarantee, to_handover) = self.lead_times(user, from, to, &holidays).await?;
        Ok(Bottlenecks {
            scope: user.scope_label(),
            from,
            to,
            rows: rows(&stays, self.today(), &holidays),
            to_guarantee,
            to_handover,
        })
    }

    /// The cases behind one desk × kab/kota figure.
    pub async fn bottleneck_cases(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        state: CaseState,
        kab_kota_code: &str,
    ) -> Result<Vec<CaseLine>> {
        let stays = self.period_stays(user, from, to).await?;
        let holidays = db::cases::holidays(&self.pool).await?;
        let today = self.today();
        Ok(stays
            .iter()
            .filter(|s| s.state.0 == state && s.kab_kota_code == kab_kota_code)
            .map(|s| {
                let (working_days, overdue) = measure(s, today, &holidays);
                CaseLine {
                    id: s.case_id,
                    number: s.case_number.clone(),
                    hospital: s.hospital_name.clone(),
                    working_days,
                    open: s.left_at.is_none(),
                    overdue,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_postgresql() {
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[4], 0.9), 4.0);
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), 2.5);
        assert_eq!(percentile(&[1, 2, 3, 4, 10], 0.5), 3.0);
        // 0.9 × 4 = 3.6: 4 + 0.6 × (10 − 4)
        assert!((percentile(&[1, 2, 3, 4, 10], 0.9) - 7.6).abs() < 1e-9);
    }
}
