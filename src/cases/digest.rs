//! The daily digest: what a PIC needs each morning, as of the application's today (WITA).
//!
//! - Roles with a desk: the cases at my desk now (how many, which are overdue, which are due
//!   today), the cases that arrived at my desk since the start of the previous working day, and
//!   for the hospital the cases returned to it to be completed.
//! - Roles that oversee a scope (`tim`, `dinkes_kab`, `dinkes_prov`): the cases registered and
//!   handed over since the start of the previous working day up to the start of today (on a
//!   Monday: Friday, Saturday and Sunday), and the open and overdue cases per desk.
//!
//! Case numbers and states only — never a name or a NIK — so the same [`Digest`] can be
//! rendered as a page and as an e-mail. Everything is counted within the viewer's scope.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::Scope;
use super::service::{CaseService, Result, queue_filter};
use crate::access;
use crate::auth::CurrentUser;
use crate::db::cases::{ListRow, holidays};
use crate::db::digest::{self as db_digest, NumberedCase};
use crate::domain::{CaseState, Role, sla};

/// How many cases a list of the digest names; the count is always complete.
pub const LISTED: usize = 50;
/// The most cases at one desk the digest reads (far above any real desk).
const DESK_CAP: i64 = 10_000;

/// A case the digest names: number and state, no personal data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DigestCase {
    pub id: Uuid,
    pub number: String,
    /// State code.
    pub state: String,
    /// State label (Bahasa Indonesia).
    pub state_label: String,
}

impl From<NumberedCase> for DigestCase {
    fn from(c: NumberedCase) -> Self {
        let state_label = c
            .state
            .parse::<CaseState>()
            .map_or_else(|()| c.state.clone(), |s| s.label().to_string());
        DigestCase {
            id: c.id,
            number: c.number,
            state: c.state,
            state_label,
        }
    }
}

impl From<&ListRow> for DigestCase {
    fn from(c: &ListRow) -> Self {
        DigestCase {
            id: c.id,
            number: c.number.clone(),
            state: c.state.0.as_str().to_string(),
            state_label: c.state.0.label().to_string(),
        }
    }
}

/// A figure and the first [`LISTED`] cases behind it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CaseList {
    /// How many cases there are.
    pub count: usize,
    /// The first of them, in the list's order.
    pub cases: Vec<DigestCase>,
}

impl CaseList {
    fn of(cases: impl IntoIterator<Item = DigestCase>) -> CaseList {
        let all: Vec<DigestCase> = cases.into_iter().collect();
        CaseList {
            count: all.len(),
            cases: all.into_iter().take(LISTED).collect(),
        }
    }

    /// How many are counted but not listed.
    pub fn more(&self) -> usize {
        self.count - self.cases.len()
    }
}

/// The viewer's own desk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeskDigest {
    /// Every case at my desk now (the queue), overdue first.
    pub at_desk: CaseList,
    /// Of those, past their due date.
    pub overdue: CaseList,
    /// Of those, due today.
    pub due_today: CaseList,
    /// Arrived at my desk since the start of the previous working day, newest first; `None`
    /// for a desk that is a parallel task rather than a state (Dinsos kab/kota).
    pub arrived: Option<CaseList>,
    /// `rsud`: cases returned to the hospital to be completed, waiting now.
    pub returned: Option<CaseList>,
}

/// Open cases at one desk of the scope.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeskFigure {
    /// The role whose desk it is (the monitoring list's desk filter).
    pub role: Role,
    /// The agency, as the lists name the desk.
    pub desk: String,
    pub open: i64,
    pub overdue: i64,
}

/// The scope overseen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScopeDigest {
    /// Registered in the period, oldest first.
    pub registered: CaseList,
    /// Handed over to national insurance in the period, oldest first.
    pub handed_over: CaseList,
    /// Open and overdue cases per desk, in the workflow's order (desks with none left out).
    pub desks: Vec<DeskFigure>,
    pub open: i64,
    pub overdue: i64,
}

/// The digest of one user for one day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Digest {
    /// Whose cases: a hospital, a kab/kota or the province.
    pub scope: String,
    /// The day of the digest (WITA).
    pub today: NaiveDate,
    /// The previous working day: the period starts at its beginning.
    pub since: NaiveDate,
    /// The start of the period (00:00 WITA of `since`).
    pub since_at: DateTime<Utc>,
    /// Roles with a desk: their desk.
    pub desk: Option<DeskDigest>,
    /// `tim`, `dinkes_kab`, `dinkes_prov`: their scope.
    pub overview: Option<ScopeDigest>,
}

/// Roles whose digest has the overview of their scope.
pub const OVERSEERS: &[Role] = &[Role::Tim, Role::DinkesKab, Role::DinkesProv];

/// The working day before `day` (weekends and holidays skipped).
pub fn previous_working_day(day: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut d = day;
    // A year without a working day does not exist; the bound only keeps the loop finite.
    for _ in 0..366 {
        match d.pred_opt() {
            Some(p) => d = p,
            None => return d,
        }
        if sla::is_working_day(d, holidays) {
            return d;
        }
    }
    d
}

/// 00:00 WITA of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    sla::wita_instant(day, NaiveTime::MIN)
}

impl CaseService {
    /// The digest of `user` for the clock's today, within the user's scope.
    pub async fn digest(&self, user: &CurrentUser) -> Result<Digest> {
        let today = self.today();
        let holidays = holidays(&self.pool).await?;
        let since = previous_working_day(today, &holidays);
        let since_at = start_of(since);
        let desk = if access::QUEUE_ROLES.contains(&user.role) {
            Some(self.desk_digest(user, today, since_at).await?)
        } else {
            None
        };
        let overview = if OVERSEERS.contains(&user.role) {
            Some(self.scope_digest(user, today, since_at).await?)
        } else {
            None
        };
        Ok(Digest {
            scope: user.scope_label(),
            today,
            since,
            since_at,
            desk,
            overview,
        })
    }

    async fn desk_digest(
        &self,
        user: &CurrentUser,
        today: NaiveDate,
        since_at: DateTime<Utc>,
    ) -> Result<DeskDigest> {
        let mut filter = queue_filter(user.role);
        filter.limit = DESK_CAP;
        let queue: Vec<ListRow> = self.queue(user, filter).await?;
        let pick = |keep: &dyn Fn(&ListRow) -> bool| {
            CaseList::of(queue.iter().filter(|c| keep(c)).map(DigestCase::from))
        };
        let overdue = pick(&|c| c.sla_due_date.is_some_and(|d| d < today));
        let due_today = pick(&|c| c.sla_due_date == Some(today));
        let returned =
            (user.role == Role::Rsud).then(|| pick(&|c| c.state.0 == CaseState::Returned));
        // A draft is the hospital's own work, not something that arrived.
        let states: Vec<String> = CaseState::ALL
            .iter()
            .filter(|s| s.desk() == Some(user.role) && **s != CaseState::Draft)
            .map(|s| s.as_str().to_string())
            .collect();
        let arrived = if states.is_empty() {
            None
        } else {
            let scope = Scope::of(user).filter();
            let rows = db_digest::arrivals(&self.pool, &scope, &states, since_at).await?;
            Some(CaseList::of(rows.into_iter().map(DigestCase::from)))
        };
        Ok(DeskDigest {
            at_desk: CaseList::of(queue.iter().map(DigestCase::from)),
            overdue,
            due_today,
            arrived,
            returned,
        })
    }

    async fn scope_digest(
        &self,
        user: &CurrentUser,
        today: NaiveDate,
        since_at: DateTime<Utc>,
    ) -> Result<ScopeDigest> {
        let scope = Scope::of(user).filter();
        let until = start_of(today);
        let registered = db_digest::registered(&self.pool, &scope, since_at, until).await?;
        let handed_over = db_digest::handed_over(&self.pool, &scope, since_at, until).await?;
        let per_state = db_digest::open_per_state(&self.pool, &scope, today).await?;
        let mut desks: Vec<DeskFigure> = vec![];
        // States in the workflow's order, so desks come as a case meets them.
        for state in CaseState::ALL {
            let Some(role) = state.desk() else { continue };
            let Some(row) = per_state.iter().find(|r| r.state == state.as_str()) else {
                continue;
            };
            match desks.iter_mut().find(|d| d.role == role) {
                Some(d) => {
                    d.open += row.open;
                    d.overdue += row.overdue;
                }
                None => desks.push(DeskFigure {
                    role,
                    desk: role.agency().to_string(),
                    open: row.open,
                    overdue: row.overdue,
                }),
            }
        }
        Ok(ScopeDigest {
            registered: CaseList::of(registered.into_iter().map(DigestCase::from)),
            handed_over: CaseList::of(handed_over.into_iter().map(DigestCase::from)),
            open: desks.iter().map(|d| d.open).sum(),
            overdue: desks.iter().map(|d| d.overdue).sum(),
            desks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_previous_working_day_skips_weekends_and_holidays() {
        let none = BTreeSet::new();
        // Monday 2026-03-02 → Friday 2026-02-27; Wednesday → Tuesday.
        assert_eq!(
            previous_working_day(day("2026-03-02"), &none),
            day("2026-02-27")
        );
        assert_eq!(
            previous_working_day(day("2026-03-04"), &none),
            day("2026-03-03")
        );
        // A Sunday → Friday.
        assert_eq!(
            previous_working_day(day("2026-03-01"), &none),
            day("2026-02-27")
        );
        // The Friday is a holiday → Thursday.
        let holidays = BTreeSet::from([day("2026-02-27")]);
        assert_eq!(
            previous_working_day(day("2026-03-02"), &holidays),
            day("2026-02-26")
        );
    }

    #[test]
    fn a_period_starts_at_midnight_wita() {
        assert_eq!(
            start_of(day("2026-03-02")).to_rfc3339(),
            "2026-03-01T16:00:00+00:00"
        );
    }
}
