//! Time at the desks and from registration to the milestones, counted for a scope and period
//! without reading every stay of the period on every view: what the dashboard's time per desk,
//! the bottleneck page and the reports are computed from.
//!
//! A figure is the sum of three parts, read in one snapshot (a repeatable-read transaction):
//!
//! - **Frozen** — the stays that ended on the days already rolled up (`desk_time_daily`), the
//!   milestones of those days (`case_milestone_daily`), and the stays that were open at the
//!   watermark (the first instant not rolled up). None of these can change while the watermark
//!   and the figures' epoch stay where they are: an ended stay never changes, a milestone's group
//!   is final, and "open at an instant an hour past" is history. The one exception, a corrected
//!   domicile moving an open stay, moves the epoch (`db::stays::rescope_open`), as do a
//!   roll-up handing days back (`db::figures::refresh`) and a stay written with a stamp before
//!   the fence below (a slow transition, a clock set back). So this part is computed once per
//!   watermark, epoch, holiday calendar, scope, period and grouping, and kept in memory
//!   ([`FiguresMemo`]); at a million cases it is some 300,000 roll-up rows and 40,000 open
//!   stays, read once a day instead of on every view.
//!   The frozen part then follows the **fence** (`figures_fence`, moved by the views every
//!   [`FENCE_EVERY`] to [`FENCE_LAG`] before the clock): no stay can begin or end before the
//!   fence any more without moving the epoch, so the stays touched between the instant the
//!   memory is frozen at and the fence are folded into it once ([`Frozen::fold`]), and so are
//!   the milestones reached in between (each is written by a step that ends a stay, with the
//!   same stamp, under the same lock).
//! - **Live** — the stays that began or ended since the frozen part's instant (the last seconds
//!   of transitions, a day's at most): an ended one adds to its desk's working days and, if it
//!   began before that instant, leaves the open stays it was counted in; an open one joins
//!   them. The milestones since that instant (guarantees and handovers).
//! - **Today** — open stays are measured up to today and checked against their due date when
//!   the figure is read.
//!
//! Working days are computed here from the holiday table (`domain::sla`), so a holiday entered
//! later counts at once (the calendar is part of what the memory is keyed by).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::service::{CaseService, Result};
use crate::db;
use crate::db::cases::ScopeFilter;
use crate::db::figures::{FlowCount, GroupBy};
use crate::db::milestones::MilestoneCount;
use crate::db::stays::StayCount;
use crate::domain::{CaseState, sla};

/// Stays or cases counted per number of working days.
pub type Histogram = BTreeMap<i64, u64>;

/// One desk × group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskCell {
    /// The group's name (empty when not grouped).
    pub name: String,
    /// Working days of the stays that ended in the period and of those still open.
    pub days: Histogram,
    /// Stays open now.
    pub open: u64,
    /// Of those, past their due date.
    pub overdue: u64,
}

/// Working days from registration to the milestones, of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MilestoneCell {
    pub name: String,
    pub to_guarantee: Histogram,
    pub to_handover: Histogram,
}

/// Time at desks and lead times of a scope over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskFigures {
    /// Per desk (its place in `CaseState::ALL`) × group code (empty when not grouped).
    pub desks: BTreeMap<(usize, String), DeskCell>,
    /// Per group code.
    pub milestones: BTreeMap<String, MilestoneCell>,
    /// Per service type: cases guaranteed and handed over in the period.
    pub service_types: BTreeMap<String, (i64, i64)>,
    /// Per desk: stays open now that began after the period (not part of its figures; with
    /// [`DeskCell::open`], every open stay, i.e. the open cases per state).
    pub open_after: BTreeMap<usize, u64>,
}

impl DeskFigures {
    /// The same figures with the groups of each desk merged (as if not grouped).
    pub fn ungrouped(&self) -> DeskFigures {
        let mut merged = DeskFigures {
            service_types: self.service_types.clone(),
            open_after: self.open_after.clone(),
            ..DeskFigures::default()
        };
        for ((order, _), cell) in &self.desks {
            let into = merged.desks.entry((*order, String::new())).or_default();
            for (days, n) in &cell.days {
                *into.days.entry(*days).or_default() += n;
            }
            into.open += cell.open;
            into.overdue += cell.overdue;
        }
        let into = merged.milestones.entry(String::new()).or_default();
        for cell in self.milestones.values() {
            for (from, to) in [
                (&cell.to_guarantee, &mut into.to_guarantee),
                (&cell.to_handover, &mut into.to_handover),
            ] {
                for (days, n) in from {
                    *to.entry(*days).or_default() += n;
                }
            }
        }
        if self.milestones.is_empty() {
            merged.milestones.clear();
        }
        merged
    }
}

/// A desk's place in the workflow (the key of [`DeskFigures::desks`]).
pub fn desk_order(state: CaseState) -> usize {
    CaseState::ALL.iter().position(|s| *s == state).unwrap_or(0)
}

/// Open stays of one desk × group by (day they began, due date).
type OpenCells = BTreeMap<(NaiveDate, Option<NaiveDate>), i64>;

/// The part of a figure that cannot change for its key (see the module's documentation), as of
/// an instant: the day watermark's, or a later one the fence has passed.
#[derive(Debug, Default, Clone)]
struct Frozen {
    /// Ended stays of the rolled days: group name and working days, per desk × group.
    ended: BTreeMap<(usize, String), (String, Histogram)>,
    /// Stays open at its instant, per desk × group.
    open: BTreeMap<(usize, String), (String, OpenCells)>,
    /// Milestones of the rolled days.
    milestones: BTreeMap<String, MilestoneCell>,
    service_types: BTreeMap<String, (i64, i64)>,
}

/// A frozen part and the instant it is frozen at.
type FrozenAt = (DateTime<Utc>, Arc<Frozen>);

/// The dashboard's counts up to an instant, and that instant.
type FlowAt = (DateTime<Utc>, Arc<FlowFigures>);

/// What a frozen part is valid for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    scope: ScopeFilter,
    from: NaiveDate,
    to: NaiveDate,
    group: GroupBy,
    until: Option<NaiveDate>,
    epoch: i64,
    calendar: u64,
}

/// Entries kept at most per kind; a new watermark or epoch drops the older ones first.
const MEMO_ENTRIES: usize = 64;

/// How far behind the clock the fence is moved: a transition stamps its stays with the clock
/// before it writes them, and one stamped before the fence but written after it moves the
/// epoch (all frozen parts are read anew), so the fence keeps well behind the writes in flight.
pub const FENCE_LAG: chrono::Duration = chrono::Duration::seconds(5);

/// How often a process moves the fence (at most; only when figures are viewed).
pub const FENCE_EVERY: chrono::Duration = chrono::Duration::seconds(5);

/// Frozen parts of one kind read lately, by key, each in a cell that lets one request compute
/// or advance it while requests asking for the same wait.
#[derive(Debug)]
struct Memo<K, V>(Mutex<HashMap<K, Arc<V>>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }
}

impl<K: Eq + Hash + Clone, V: Default> Memo<K, V> {
    /// The cell of `key`, new if there is none; entries for which `current` is false (another
    /// watermark or epoch) are dropped first.
    fn cell(&self, key: &K, current: impl Fn(&K) -> bool) -> Arc<V> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cell) = map.get(key) {
            return cell.clone();
        }
        map.retain(|k, _| current(k));
        if map.len() >= MEMO_ENTRIES {
            map.clear();
        }
        map.entry(key.clone()).or_default().clone()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// What the figures keep between views, shared by every request of the process: the frozen
/// parts of time at desks (per scope, period and grouping) and of the dashboard's counts (per
/// scope).
#[derive(Debug, Clone, Default)]
pub struct FiguresMemo(Arc<Memos>);

#[derive(Debug, Default)]
struct Memos {
    /// The frozen part of time at desks and the instant it is frozen at: the day watermark's,
    /// then moved with the fence (see [`Frozen::fold`]).
    desks: Memo<Key, tokio::sync::Mutex<Option<FrozenAt>>>,
    /// The dashboard's counts up to an instant: the watermark's, then moved with the fence.
    flow: Memo<FlowKey, tokio::sync::Mutex<Option<FlowAt>>>,
    /// When this process last moved the fence (see [`CaseService::snapshot`]).
    fenced: Mutex<Option<DateTime<Utc>>>,
}

impl FiguresMemo {
    /// How many frozen parts are kept (for tests).
    pub fn len(&self) -> usize {
        self.0.desks.len() + self.0.flow.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the rolled part of the dashboard's counts is valid for (`from`: the first day of its
/// weekly flow).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FlowKey {
    scope: ScopeFilter,
    from: NaiveDate,
    until: NaiveDate,
    epoch: i64,
}

/// A fingerprint of the holiday calendar.
fn calendar_of(holidays: &BTreeSet<NaiveDate>) -> u64 {
    let mut h = DefaultHasher::new();
    holidays.hash(&mut h);
    h.finish()
}

/// The first instant of WITA day `day`.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    sla::wita_instant(day, NaiveTime::MIN)
}

/// Before any stay: the watermark when nothing is rolled up yet.
fn beginning() -> DateTime<Utc> {
    day_start(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default())
}

fn add(hist: &mut Histogram, days: i64, n: i64) {
    *hist.entry(days).or_default() += n.max(0) as u64;
}

/// Adds `n` cases that reached `milestone` in `days` working days to their group's cell and
/// their service type's counts.
fn add_milestone(
    cells: &mut BTreeMap<String, MilestoneCell>,
    service_types: &mut BTreeMap<String, (i64, i64)>,
    (milestone, group_code, group_name, service_type): (&str, &str, &str, &str),
    days: i64,
    n: i64,
) {
    let cell = cells
        .entry(group_code.to_string())
        .or_insert_with(|| MilestoneCell {
            name: group_name.to_string(),
            ..MilestoneCell::default()
        });
    let per_type = service_types.entry(service_type.to_string()).or_default();
    if milestone == "guaranteed" {
        add(&mut cell.to_guarantee, days, n);
        per_type.0 += n;
    } else {
        add(&mut cell.to_handover, days, n);
        per_type.1 += n;
    }
}

/// Adds counted milestones to per-group cells and per-service-type counts.
fn add_milestones(
    cells: &mut BTreeMap<String, MilestoneCell>,
    service_types: &mut BTreeMap<String, (i64, i64)>,
    counts: &[MilestoneCount],
    holidays: &BTreeSet<NaiveDate>,
) {
    for c in counts {
        add_milestone(
            cells,
            service_types,
            (&c.milestone, &c.group_code, &c.group_name, &c.service_type),
            sla::working_days_between(c.registered_day, c.day, holidays),
            c.n,
        );
    }
}

impl Frozen {
    /// Reads and counts the frozen part of `key`'s figures.
    async fn read(
        tx: &mut sqlx::PgConnection,
        scope: &ScopeFilter,
        key: &Key,
        since: DateTime<Utc>,
        holidays: &BTreeSet<NaiveDate>,
    ) -> Result<Frozen> {
        let mut frozen = Frozen::default();
        let period = (key.from, key.to);
        // The roll-ups of a long period are grouped in one hash table: at the default 4 MB
        // PostgreSQL, which cannot estimate how few groups the working days make, sorts them
        // instead (a quarter of the province at a million cases: 320 → 100 ms).
        sqlx::query!("SET LOCAL work_mem = '32MB'")
            .execute(&mut *tx)
            .await?;
        if let Some(until) = key.until {
            // Working days counted by PostgreSQL from the same holidays (`working_day_number`):
            // a few thousand rows instead of one per pair of days.
            let weekday_holidays = db::stays::weekday_holidays(holidays);
            let ended = db::stays::ended_rolled(
                &mut *tx,
                scope,
                period,
                until,
                key.group,
                &weekday_holidays,
            )
            .await?;
            for c in ended {
                let (_, hist) = frozen
                    .ended
                    .entry((desk_order(c.state.0), c.group_code))
                    .or_insert_with(|| (c.group_name, Histogram::new()));
                add(hist, c.days, c.n);
            }
            let milestones = db::milestones::rolled(
                &mut *tx,
                scope,
                period,
                until,
                key.group,
                &weekday_holidays,
            )
            .await?;
            for c in &milestones {
                add_milestone(
                    &mut frozen.milestones,
                    &mut frozen.service_types,
                    (&c.milestone, &c.group_code, &c.group_name, &c.service_type),
                    c.days,
                    c.n,
                );
            }
        }
        for c in db::stays::open_at(&mut *tx, scope, since, key.group).await? {
            let (_, cells) = frozen
                .open
                .entry((desk_order(c.state.0), c.group_code))
                .or_insert_with(|| (c.group_name, OpenCells::new()));
            *cells.entry((c.entered_day, c.due)).or_default() += c.n;
        }
        Ok(frozen)
    }
}

/// The snapshot a figure is read in: a repeatable-read transaction, the watermark, the epoch and
/// the holiday calendar it saw.
struct Snapshot<'a> {
    tx: sqlx::Transaction<'a, sqlx::Postgres>,
    until: Option<NaiveDate>,
    epoch: i64,
    holidays: BTreeSet<NaiveDate>,
    /// The first instant not rolled up.
    since: DateTime<Utc>,
    /// The fence of the desk figures (see `figures_fence`).
    fence: Option<DateTime<Utc>>,
}

/// The dashboard's counts of registrations and closings: the rolled days together, then the
/// days since the watermark one by one; and per week over the rolled days of its weeks.
#[derive(Debug, Clone, Default)]
pub struct FlowFigures {
    pub events: Vec<FlowCount>,
    pub rolled_weeks: Vec<crate::db::figures::Week>,
}

impl FlowFigures {
    /// Adds counts of events to these (one row per day, event, detail, kab/kota and hospital).
    fn add(&mut self, counts: Vec<FlowCount>) {
        fn key(e: &FlowCount) -> (Option<NaiveDate>, &str, &str, &str, &str) {
            (
                e.day,
                &e.event,
                &e.detail,
                &e.kab_kota_code,
                &e.hospital_code,
            )
        }
        for c in counts {
            match self.events.iter_mut().find(|e| key(e) == key(&c)) {
                Some(e) => e.n += c.n,
                None => self.events.push(c),
            }
        }
    }
}

impl CaseService {
    /// Opens the snapshot to read figures in. When days are over that are not rolled up yet
    /// (once a day), rolls them first and opens it anew; a failure to roll is not the viewer's
    /// (what is not rolled is counted live), and neither is a roll-up another request is doing.
    async fn snapshot(&self) -> Result<Snapshot<'static>> {
        let now = self.clock.now();
        self.move_fence(now).await;
        let rollable = db::figures::rollable_until(now);
        let mut rolled = false;
        loop {
            let mut tx = self
                .pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
            let db::figures::Watermark {
                until,
                epoch,
                fence,
            } = db::figures::watermark(&mut *tx).await?;
            if until != Some(rollable) && !rolled {
                tx.rollback().await?;
                rolled = true;
                if let Err(e) = self.refresh_figures().await {
                    tracing::warn!(error = %e, "rolling up the figures failed");
                }
                continue;
            }
            let holidays = db::cases::holidays(&mut *tx).await?;
            return Ok(Snapshot {
                tx,
                until,
                epoch,
                holidays,
                since: until.map_or_else(beginning, day_start),
                fence,
            });
        }
    }

    /// Moves the fence of the desk figures to [`FENCE_LAG`] before `now`, when this process has
    /// not tried for [`FENCE_EVERY`] (or the clock went back). Failing, or giving up behind
    /// slow writers, is not the viewer's: the figures are right wherever the fence is, only
    /// more of them is read live.
    async fn move_fence(&self, now: DateTime<Utc>) {
        {
            let mut fenced = self
                .figures_memo
                .0
                .fenced
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if fenced.is_some_and(|at| now >= at && now - at < FENCE_EVERY) {
                return;
            }
            *fenced = Some(now);
        }
        if let Err(e) = db::figures::fence(&self.pool, now - FENCE_LAG).await {
            tracing::warn!(error = %e, "moving the fence of the figures failed");
        }
    }

    /// Time at desks and lead times of `scope` over the WITA days `from..=to`, grouped by
    /// `group`, as of now (see the module's documentation).
    pub async fn desk_figures(
        &self,
        scope: &ScopeFilter,
        period: (NaiveDate, NaiveDate),
        group: GroupBy,
    ) -> Result<DeskFigures> {
        let mut snap = self.snapshot().await?;
        let figures = self
            .desk_figures_in(&mut snap, scope, period, group, true)
            .await?;
        snap.tx.commit().await?;
        Ok(figures)
    }

    /// [`CaseService::desk_figures`] with the time per desk (not grouped) over `from..=today`,
    /// and the counts of registrations and closings, all from one snapshot: the dashboard's.
    pub async fn dashboard_figures(
        &self,
        scope: &ScopeFilter,
        from: NaiveDate,
    ) -> Result<(DeskFigures, FlowFigures)> {
        let today = self.today();
        let mut snap = self.snapshot().await?;
        let desks = self
            .desk_figures_in(&mut snap, scope, (from, today), GroupBy::Nothing, false)
            .await?;
        let flow = self.flow_figures(&mut snap, scope, from).await?;
        snap.tx.commit().await?;
        Ok((desks, flow))
    }

    /// The dashboard's counts of registrations and closings in a snapshot: the rolled days
    /// and the events up to the fence kept per scope (moved with the fence), then the events
    /// since.
    async fn flow_figures(
        &self,
        snap: &mut Snapshot<'_>,
        scope: &ScopeFilter,
        from: NaiveDate,
    ) -> Result<FlowFigures> {
        let Some(until) = snap.until else {
            let events = db::figures::flow_live(&mut *snap.tx, scope, (snap.since, None)).await?;
            return Ok(FlowFigures {
                events,
                ..FlowFigures::default()
            });
        };
        let key = FlowKey {
            scope: scope.clone(),
            from,
            until,
            epoch: snap.epoch,
        };
        let tx = &mut snap.tx;
        let cell = self
            .figures_memo
            .0
            .flow
            .cell(&key, |k| k.until == key.until && k.epoch == key.epoch);
        let mut memo = cell.lock().await;
        let (mut at, mut kept) = match &*memo {
            Some((at, kept)) => (*at, kept.clone()),
            None => {
                let events = db::figures::flow_rolled(&mut **tx, scope, until).await?;
                let rolled_weeks = db::figures::weeks_rolled(&mut **tx, scope, from, until).await?;
                let rolled = FlowFigures {
                    events,
                    rolled_weeks,
                };
                (snap.since, Arc::new(rolled))
            }
        };
        // Each registration and closing is written with a stay stamped alike (the draft's,
        // the one the closing step ends), under the fence's lock: before the fence, the
        // counts can only change by moving the epoch, like the stays.
        if let Some(fence) = snap.fence.filter(|f| *f > at) {
            let between = db::figures::flow_live(&mut **tx, scope, (at, Some(fence))).await?;
            let mut moved = (*kept).clone();
            moved.add(between);
            (at, kept) = (fence, Arc::new(moved));
        }
        *memo = Some((at, kept.clone()));
        let mut flow = (*kept).clone();
        flow.add(db::figures::flow_live(&mut **tx, scope, (at, None)).await?);
        Ok(flow)
    }

    /// The desk figures in a snapshot; the milestones since the watermark only when
    /// `milestones` (the dashboard shows none).
    async fn desk_figures_in(
        &self,
        snap: &mut Snapshot<'_>,
        scope: &ScopeFilter,
        (from, to): (NaiveDate, NaiveDate),
        group: GroupBy,
        milestones: bool,
    ) -> Result<DeskFigures> {
        let today = self.today();
        let key = Key {
            scope: scope.clone(),
            from,
            to,
            group,
            until: snap.until,
            epoch: snap.epoch,
            calendar: calendar_of(&snap.holidays),
        };
        let (tx, since, holidays) = (&mut snap.tx, snap.since, &snap.holidays);
        let cell = self
            .figures_memo
            .0
            .desks
            .cell(&key, |k| k.until == key.until && k.epoch == key.epoch);
        let (at, frozen) = {
            let mut memo = cell.lock().await;
            let (mut at, mut frozen) = match &*memo {
                Some((at, frozen)) => (*at, frozen.clone()),
                None => (
                    since,
                    Arc::new(Frozen::read(tx, scope, &key, since, holidays).await?),
                ),
            };
            // Past the fence no stay can appear or end any more without moving the epoch: the
            // frozen part may follow it. (A memory ahead of this snapshot's fence was moved in a
            // later snapshot, which holds all this one does: it serves as it is.)
            // The milestones too: each is written with the step that ends a stay, stamped
            // alike, under the same lock (so always, whether this view shows them or not).
            if let Some(fence) = snap.fence.filter(|f| *f > at) {
                let between =
                    db::stays::touched(&mut **tx, scope, (at, Some(fence)), group).await?;
                let reached =
                    db::milestones::live(&mut **tx, scope, (from, to), (at, Some(fence)), group)
                        .await?;
                let mut moved = (*frozen).clone();
                moved.fold(&between, (from, to), holidays);
                add_milestones(
                    &mut moved.milestones,
                    &mut moved.service_types,
                    &reached,
                    holidays,
                );
                (at, frozen) = (fence, Arc::new(moved));
            }
            *memo = Some((at, frozen.clone()));
            (at, frozen)
        };
        let touched = db::stays::touched(&mut **tx, scope, (at, None), group).await?;
        let milestones = if milestones {
            db::milestones::live(&mut **tx, scope, (from, to), (at, None), group).await?
        } else {
            vec![]
        };
        Ok(combine(
            &frozen,
            &touched,
            &milestones,
            (from, to),
            today,
            holidays,
        ))
    }
}

impl Frozen {
    /// Moves the frozen part from its instant to a later one: `touched` are the stays that began
    /// or ended between the two, as they were at the later one (`db::stays::touched`). An ended
    /// one adds to its desk's working days when it ended in the period and, if it began before,
    /// leaves the open stays it was counted in; one begun between the two and still open at the
    /// later instant joins them.
    fn fold(
        &mut self,
        touched: &[StayCount],
        (from, to): (NaiveDate, NaiveDate),
        holidays: &BTreeSet<NaiveDate>,
    ) {
        for c in touched {
            let key = (desk_order(c.state.0), c.group_code.clone());
            match c.left_day {
                Some(left) => {
                    if (from..=to).contains(&left) {
                        let (_, hist) = self
                            .ended
                            .entry(key.clone())
                            .or_insert_with(|| (c.group_name.clone(), Histogram::new()));
                        add(
                            hist,
                            sla::working_days_between(c.entered_day, left, holidays),
                            c.n,
                        );
                    }
                    // Counted among the open stays: no longer open.
                    if c.began_before {
                        let (_, cells) = self
                            .open
                            .entry(key)
                            .or_insert_with(|| (c.group_name.clone(), OpenCells::new()));
                        *cells.entry((c.entered_day, c.due)).or_default() -= c.n;
                    }
                }
                None if !c.began_before => {
                    let (_, cells) = self
                        .open
                        .entry(key)
                        .or_insert_with(|| (c.group_name.clone(), OpenCells::new()));
                    *cells.entry((c.entered_day, c.due)).or_default() += c.n;
                }
                // Open and begun before: already among the open stays.
                None => {}
            }
        }
    }
}

/// The figures from their frozen part, the stays touched since its instant, the milestones
/// since the watermark, measured as of `today`.
fn combine(
    frozen: &Frozen,
    touched: &[StayCount],
    milestones: &[MilestoneCount],
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
    holidays: &BTreeSet<NaiveDate>,
) -> DeskFigures {
    let mut now = frozen.clone();
    now.fold(touched, (from, to), holidays);
    let mut figures = DeskFigures {
        milestones: now.milestones,
        service_types: now.service_types,
        ..DeskFigures::default()
    };
    for (key, (name, hist)) in now.ended {
        let cell = figures.desks.entry(key).or_default();
        cell.name = name;
        cell.days = hist;
    }
    for (key, (name, cells)) in now.open {
        for ((entered, due), n) in cells {
            if n <= 0 {
                // Zero: every stay of the cell has left. Below zero would be a stay left twice;
                // never counted as open.
                debug_assert!(n == 0, "open stays below zero at {key:?}");
                continue;
            }
            if entered > to {
                // Begun after the period (a period in the past, or a clock set back).
                *figures.open_after.entry(key.0).or_default() += n as u64;
                continue;
            }
            let cell = figures.desks.entry(key.clone()).or_default();
            if cell.name.is_empty() {
                cell.name.clone_from(&name);
            }
            add(
                &mut cell.days,
                sla::working_days_between(entered, today, holidays),
                n,
            );
            cell.open += n as u64;
            if due.is_some_and(|d| today > d) {
                cell.overdue += n as u64;
            }
        }
    }
    add_milestones(
        &mut figures.milestones,
        &mut figures.service_types,
        milestones,
        holidays,
    );
    figures
}
