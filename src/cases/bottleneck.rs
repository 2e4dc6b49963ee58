//! Where patients wait: for each desk × group of the caller's scope (the patient's kab/kota, or
//! the hospital), the cases at the desk now, how many are past their due date, and the median and
//! 90th-percentile working days the case spent at the desk over a period; and the working days
//! from registration to the temporary guarantee and to the handover, for the scope and per group.
//! Counted by `desk_figures` (daily roll-ups, a frozen part kept in memory, the day's stays
//! live); working days are computed from the holiday table, so a holiday entered later counts
//! at once. Every figure can be opened into the
//! cases behind it ([`Drill`]), from the same scoped rows, so a drill-down never leaves the scope.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::desk_figures::{DeskFigures, Histogram};
use super::service::{CaseService, Result};
use super::{CaseError, Scope};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::figures::GroupBy;
use crate::db::milestones::Milestones;
use crate::db::stays::PeriodStay;
use crate::domain::{CaseState, sla};

/// Longest period the page computes at once.
pub const MAX_DAYS: i64 = 366;

/// What the rows are grouped by, besides the desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Grouping {
    /// The patient's kab/kota of domicile.
    #[default]
    #[serde(rename = "kab")]
    KabKota,
    /// The hospital of the case.
    #[serde(rename = "rs")]
    Hospital,
}

impl Grouping {
    /// Both groupings, the default first.
    pub const ALL: [Grouping; 2] = [Grouping::KabKota, Grouping::Hospital];

    /// The code in an address (`kelompok=`), which is also the name of the drill-down's
    /// parameter holding the group's code (`kab=53.71`, `rs=RSUD-WZJ`).
    pub fn code(self) -> &'static str {
        match self {
            Grouping::KabKota => "kab",
            Grouping::Hospital => "rs",
        }
    }

    /// The grouping from its code.
    pub fn parse(code: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The name of a group's column.
    pub fn label(self) -> &'static str {
        match self {
            Grouping::KabKota => "Kab/Kota",
            Grouping::Hospital => "Rumah sakit",
        }
    }
}

/// The group of a row: a kab/kota (hospital fields null) or a hospital (kab/kota fields null).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Place {
    /// The patient's kab/kota of domicile, when grouped by kab/kota.
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    /// The hospital of the case, when grouped by hospital.
    pub hospital_code: Option<String>,
    pub hospital_name: Option<String>,
}

impl Place {
    fn of(grouping: Grouping, kab: (&str, &str), hospital: (&str, &str)) -> Place {
        let (kab, hospital) = match grouping {
            Grouping::KabKota => (Some(kab), None),
            Grouping::Hospital => (None, Some(hospital)),
        };
        Place {
            kab_kota_code: kab.map(|k| k.0.to_string()),
            kab_kota_name: kab.map(|k| k.1.to_string()),
            hospital_code: hospital.map(|h| h.0.to_string()),
            hospital_name: hospital.map(|h| h.1.to_string()),
        }
    }

    /// The group's code (kab/kota code or hospital code).
    pub fn code(&self) -> &str {
        self.kab_kota_code
            .as_deref()
            .or(self.hospital_code.as_deref())
            .unwrap_or_default()
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        self.kab_kota_name
            .as_deref()
            .or(self.hospital_name.as_deref())
            .unwrap_or_default()
    }
}

/// One desk × group (kab/kota or hospital).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeskRow {
    /// The state (desk) code.
    pub state: &'static str,
    /// The desk's name and agency.
    pub desk: String,
    /// The kab/kota or hospital of the row.
    #[serde(flatten)]
    pub place: Place,
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
    pub kab_kota: String,
    pub hospital: String,
    /// Working days at the desk, or from registration to the milestone.
    pub working_days: i64,
    /// Still at the desk (never for a milestone).
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
    fn counted(days: &Histogram) -> LeadTime {
        LeadTime {
            cases: days.values().sum::<u64>() as usize,
            median_days: percentile_of(days, 0.5),
            p90_days: percentile_of(days, 0.9),
        }
    }
}

/// Registration → guarantee and → handover of one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeadRow {
    #[serde(flatten)]
    pub place: Place,
    pub to_guarantee: LeadTime,
    pub to_handover: LeadTime,
}

/// The bottleneck figures of a scope and period.
#[derive(Debug, Clone, Serialize)]
pub struct Bottlenecks {
    pub scope: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grouping: Grouping,
    /// Desk × group, in workflow order, then by group code.
    pub rows: Vec<DeskRow>,
    /// Registration → temporary guarantee, the whole scope.
    pub to_guarantee: LeadTime,
    /// Registration → handover to national insurance, the whole scope.
    pub to_handover: LeadTime,
    /// The same two per group, by group code.
    pub lead_times: Vec<LeadRow>,
}

/// A milestone counted from registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The temporary guarantee (`tahap=jaminan`).
    Guarantee,
    /// The handover to national insurance (`tahap=serah`).
    Handover,
}

impl Milestone {
    /// The code in an address.
    pub fn code(self) -> &'static str {
        match self {
            Milestone::Guarantee => "jaminan",
            Milestone::Handover => "serah",
        }
    }

    /// The milestone from its code.
    pub fn parse(code: &str) -> Option<Milestone> {
        [Milestone::Guarantee, Milestone::Handover]
            .into_iter()
            .find(|m| m.code() == code)
    }

    /// What it is, in words.
    pub fn label(self) -> &'static str {
        match self {
            Milestone::Guarantee => "Jaminan sementara disetujui",
            Milestone::Handover => "Diserahkan ke BPJS",
        }
    }
}

/// Which stays of a desk a drill-down lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Only {
    /// Every stay counted for the times.
    #[default]
    All,
    /// The cases at the desk now (`hanya=meja`).
    Open,
    /// Those past their due date (`hanya=terlambat`).
    Overdue,
}

impl Only {
    /// The code in an address; none for [`Only::All`].
    pub fn code(self) -> &'static str {
        match self {
            Only::All => "",
            Only::Open => "meja",
            Only::Overdue => "terlambat",
        }
    }

    /// The choice from its code.
    pub fn parse(code: &str) -> Option<Only> {
        [Only::All, Only::Open, Only::Overdue]
            .into_iter()
            .find(|o| o.code() == code)
    }
}

/// What a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Stays at a desk.
    Desk(CaseState, Only),
    /// Cases reaching a milestone.
    Milestone(Milestone),
}

/// The cases behind one figure: a subject, in one group or (no code) the whole scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub subject: Subject,
    /// What `code` is the code of.
    pub grouping: Grouping,
    /// A kab/kota or hospital code; `None` for the whole scope.
    pub code: Option<String>,
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

/// The stay's group.
fn stay_place(s: &PeriodStay, grouping: Grouping) -> Place {
    Place::of(
        grouping,
        (&s.kab_kota_code, &s.kab_kota_name),
        (&s.hospital_code, &s.hospital_name),
    )
}

/// The milestones' group.
fn case_place(m: &Milestones, grouping: Grouping) -> Place {
    Place::of(
        grouping,
        (&m.kab_kota_code, &m.kab_kota_name),
        (&m.hospital_code, &m.hospital_name),
    )
}

/// The value at `rank` (from 0) of the sorted values a histogram counts.
fn nth(hist: &Histogram, rank: u64) -> i64 {
    let mut seen = 0;
    let mut last = 0;
    for (value, n) in hist {
        seen += n;
        last = *value;
        if rank < seen {
            break;
        }
    }
    last
}

/// [`percentile`] of the values a histogram counts, without listing them one by one.
pub fn percentile_of(hist: &Histogram, p: f64) -> f64 {
    let n: u64 = hist.values().sum();
    match n {
        0 => 0.0,
        1 => nth(hist, 0) as f64,
        n => {
            let rank = p * (n - 1) as f64;
            let (lo, hi) = (rank.floor() as u64, rank.ceil() as u64);
            let frac = rank - lo as f64;
            let (lo, hi) = (nth(hist, lo), nth(hist, hi));
            lo as f64 + (hi - lo) as f64 * frac
        }
    }
}

/// A desk's name and agency.
fn desk_name(state: CaseState) -> String {
    let agency = state.desk().map_or("—", |r| r.agency());
    format!("{} ({agency})", state.label())
}

/// Desk × group rows of figures grouped by `grouping`, in workflow order, then by group code.
pub fn rows(figures: &DeskFigures, grouping: Grouping) -> Vec<DeskRow> {
    figures
        .desks
        .iter()
        .filter(|(_, cell)| cell.days.values().any(|n| *n > 0))
        .map(|((order, code), cell)| {
            let state = CaseState::ALL[*order];
            let named = (code.as_str(), cell.name.as_str());
            DeskRow {
                state: state.as_str(),
                desk: desk_name(state),
                place: Place::of(grouping, named, named),
                open: cell.open as usize,
                overdue: cell.overdue as usize,
                stays: cell.days.values().sum::<u64>() as usize,
                median_days: percentile_of(&cell.days, 0.5),
                p90_days: percentile_of(&cell.days, 0.9),
            }
        })
        .collect()
}

/// Working days from registration to the milestone, when the case reached it in the period.
fn lead_days(m: &Milestones, milestone: Milestone, holidays: &BTreeSet<NaiveDate>) -> Option<i64> {
    let end = match milestone {
        Milestone::Guarantee => m.guaranteed_at,
        Milestone::Handover => m.handed_over_at,
    }?;
    Some(sla::working_days_between(
        sla::local_date(m.registered_at),
        sla::local_date(end),
        holidays,
    ))
}

/// The lead times of the whole scope and of each group (by group code).
pub fn lead_times(figures: &DeskFigures, grouping: Grouping) -> (LeadTime, LeadTime, Vec<LeadRow>) {
    let (mut guarantee, mut handover) = (Histogram::new(), Histogram::new());
    let per_group = figures
        .milestones
        .iter()
        .map(|(code, cell)| {
            for (all, one) in [
                (&mut guarantee, &cell.to_guarantee),
                (&mut handover, &cell.to_handover),
            ] {
                for (days, n) in one {
                    *all.entry(*days).or_default() += n;
                }
            }
            let named = (code.as_str(), cell.name.as_str());
            LeadRow {
                place: Place::of(grouping, named, named),
                to_guarantee: LeadTime::counted(&cell.to_guarantee),
                to_handover: LeadTime::counted(&cell.to_handover),
            }
        })
        .collect();
    (
        LeadTime::counted(&guarantee),
        LeadTime::counted(&handover),
        per_group,
    )
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

/// Working days at each desk, in workflow order, from figures not grouped.
pub fn per_desk(figures: &DeskFigures) -> Vec<DeskTime> {
    rows(figures, Grouping::KabKota)
        .into_iter()
        .map(|r| DeskTime {
            state: r.state,
            desk: r.desk,
            stays: r.stays,
            median_days: r.median_days,
            p90_days: r.p90_days,
        })
        .collect()
}

/// The period `from..=to` (WITA dates) as the instants `[from 00:00, to + 1 day 00:00)`; at
/// most [`MAX_DAYS`] long.
pub fn period_instants(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
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
    Ok((from_at.to_utc(), to_at.to_utc()))
}

/// What a drill-down asked, for the access log: codes and dates only
/// ("meja=nik_check; hanya=terlambat; kab=53.71; 2026-11-01..2026-11-30").
fn drill_summary(from: NaiveDate, to: NaiveDate, drill: &Drill) -> String {
    let mut parts = match drill.subject {
        Subject::Desk(state, only) => {
            let mut p = vec![format!("meja={}", state.as_str())];
            if only != Only::All {
                p.push(format!("hanya={}", only.code()));
            }
            p
        }
        Subject::Milestone(m) => vec![format!("tahap={}", m.code())],
    };
    if let Some(code) = &drill.code {
        // A code no group can have (100 KB, a NUL byte typed into the address) lists nothing;
        // the log says so rather than keeping what was typed.
        let plausible = (1..=20).contains(&code.len())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let code = if plausible { code.as_str() } else { "?" };
        parts.push(format!("{}={code}", drill.grouping.code()));
    }
    parts.push(format!("{from}..{to}"));
    parts.join("; ")
}

impl CaseService {
    /// The caller's scope and the period `from..=to` (WITA dates) as instants.
    fn period_bounds(
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(db::cases::ScopeFilter, DateTime<Utc>, DateTime<Utc>)> {
        let (from_at, to_at) = period_instants(from, to)?;
        Ok((Scope::of(user).filter(), from_at, to_at))
    }

    /// The bottleneck figures of the caller's scope over `from..=to`, grouped by `grouping`.
    pub async fn bottlenecks(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        grouping: Grouping,
    ) -> Result<Bottlenecks> {
        let (scope, _, _) = Self::period_bounds(user, from, to)?;
        let group = match grouping {
            Grouping::KabKota => GroupBy::KabKota,
            Grouping::Hospital => GroupBy::Hospital,
        };
        let figures = self.desk_figures(&scope, (from, to), group).await?;
        let (to_guarantee, to_handover, lead_times) = lead_times(&figures, grouping);
        Ok(Bottlenecks {
            scope: user.scope_label(),
            from,
            to,
            grouping,
            rows: rows(&figures, grouping),
            to_guarantee,
            to_handover,
            lead_times,
        })
    }

    /// The cases behind one figure of [`CaseService::bottlenecks`], within the caller's scope,
    /// the longest wait first. The list is written to the access log like the queue's: one
    /// `list` row with the ids shown and the drill-down's codes and dates.
    pub async fn bottleneck_cases(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        drill: &Drill,
    ) -> Result<Vec<CaseLine>> {
        let mut lines = self.drill_lines(user, from, to, drill).await?;
        // The longest waits first: those are the ones to chase.
        lines.sort_by(|a, b| (b.working_days, &a.number).cmp(&(a.working_days, &b.number)));
        let ids: Vec<Uuid> = lines.iter().map(|l| l.id).collect();
        let summary = drill_summary(from, to, drill);
        self.log_list(user, "web", "bottleneck", &summary, false, &ids)
            .await?;
        Ok(lines)
    }

    /// The lines of [`CaseService::bottleneck_cases`], unordered.
    async fn drill_lines(
        &self,
        user: &CurrentUser,
        from: NaiveDate,
        to: NaiveDate,
        drill: &Drill,
    ) -> Result<Vec<CaseLine>> {
        let (scope, from_at, to_at) = Self::period_bounds(user, from, to)?;
        let holidays = db::cases::holidays(&self.pool).await?;
        let in_group = |place: Place| drill.code.as_deref().is_none_or(|c| place.code() == c);
        match drill.subject {
            Subject::Desk(state, only) => {
                let today = self.today();
                let stays = db::stays::in_period(&self.pool, &scope, state, from_at, to_at).await?;
                Ok(stays
                    .iter()
                    .filter(|s| in_group(stay_place(s, drill.grouping)))
                    .map(|s| {
                        let (working_days, overdue) = measure(s, today, &holidays);
                        CaseLine {
                            id: s.case_id,
                            number: s.case_number.clone(),
                            kab_kota: s.kab_kota_name.clone(),
                            hospital: s.hospital_name.clone(),
                            working_days,
                            open: s.left_at.is_none(),
                            overdue,
                        }
                    })
                    .filter(|c| match only {
                        Only::All => true,
                        Only::Open => c.open,
                        Only::Overdue => c.overdue,
                    })
                    .collect())
            }
            Subject::Milestone(milestone) => {
                let cases = db::milestones::in_period(&self.pool, &scope, from_at, to_at).await?;
                Ok(cases
                    .iter()
                    .filter(|c| in_group(case_place(c, drill.grouping)))
                    .filter_map(|c| {
                        Some(CaseLine {
                            id: c.case_id,
                            number: c.case_number.clone(),
                            kab_kota: c.kab_kota_name.clone(),
                            hospital: c.hospital_name.clone(),
                            working_days: lead_days(c, milestone, &holidays)?,
                            open: false,
                            overdue: false,
                        })
                    })
                    .collect())
            }
        }
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

    #[test]
    fn counted_percentiles_equal_listed_ones() {
        let lists: [&[i64]; 6] = [
            &[],
            &[7],
            &[0, 0, 0, 1],
            &[1, 2, 3, 4, 10],
            &[2, 2, 2, 5, 5, 9, 9, 9, 9, 30],
            &[0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 60, 61],
        ];
        for list in lists {
            let mut hist = Histogram::new();
            for v in list {
                *hist.entry(*v).or_default() += 1;
            }
            for p in [0.0, 0.1, 0.5, 0.9, 1.0] {
                assert_eq!(
                    percentile_of(&hist, p),
                    percentile(list, p),
                    "{list:?} at {p}"
                );
            }
        }
    }
}
