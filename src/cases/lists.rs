//! What a case list shows and what its filters mean, for the pages, the API and the exports
//! alike: the three lists ([`ListKind`]), the filter form as typed ([`ListForm`]), the checked
//! filter ([`Criteria`]) and the row every list shows of a case ([`ListEntry`], NIK masked).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::reference::Reference;
use super::service::{Result, narrow_to_queue, queue_filter};
use super::view::{AtDesk, DeskClock};
use super::{CaseError, CaseService, Scope, mask};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::cases::{self as db_cases, ListFilter, ListRow};
use crate::db::reference::{Hospital, KabKota};
use crate::domain::action::FieldError;
use crate::domain::search::SearchTerm;
use crate::domain::sla::wita;
use crate::domain::text::{self, Lines};
use crate::domain::{CaseState, Role, date};

/// Which list of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// The role's queue: cases waiting at its desks, overdue first.
    Queue,
    /// The hospital's own cases, closed ones too, newest first.
    Mine,
    /// Every case in the monitoring role's scope, closed ones too, newest first.
    Monitoring,
}

impl ListKind {
    /// The list's name in the export log (`export_log.what`).
    pub fn code(self) -> &'static str {
        match self {
            ListKind::Queue => "queue",
            ListKind::Mine => "hospital_cases",
            ListKind::Monitoring => "monitoring",
        }
    }

    /// The states the state filter offers.
    pub fn states(self, role: Role) -> Vec<CaseState> {
        match self {
            ListKind::Queue => queue_filter(role).states,
            ListKind::Mine | ListKind::Monitoring => CaseState::ALL.to_vec(),
        }
    }

    /// Ordered by SLA due date (the queue) rather than newest first.
    pub fn by_due_date(self) -> bool {
        self == ListKind::Queue
    }
}

/// The roles that own a desk in some state (what the desk filter offers).
pub fn desk_roles() -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| CaseState::ALL.iter().any(|s| s.desk() == Some(*r)))
        .collect()
}

/// The filter form of every list, as typed (kept as typed to re-render it after a refusal).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ListForm {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub state: String,
    /// Monitoring list: the role whose desk the case is at.
    #[serde(default)]
    pub desk: String,
    #[serde(default)]
    pub kab: String,
    #[serde(default)]
    pub hospital: String,
    /// Monitoring list: `1` for overdue cases only.
    #[serde(default)]
    pub overdue: String,
    /// Monitoring list: registered on or after this day (WITA).
    #[serde(default)]
    pub from: String,
    /// Monitoring list: registered on or before this day (WITA).
    #[serde(default)]
    pub to: String,
}

/// A filter form that passed every check.
#[derive(Debug, Default, Clone)]
pub struct Criteria {
    pub search: Option<SearchTerm>,
    pub state: Option<CaseState>,
    pub desk: Option<Role>,
    pub kab: Option<String>,
    pub hospital: Option<Uuid>,
    pub overdue: bool,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl ListForm {
    /// Parses the form; every value that is not one the page offers is a field message (a
    /// filter silently ignored would show more than the user asked for).
    pub fn parse(
        &self,
        kind: ListKind,
        role: Role,
        kab_kota: &[KabKota],
        hospitals: &[Hospital],
    ) -> Result<Criteria, Vec<FieldError>> {
        let mut errors = vec![];
        let mut out = Criteria::default();
        let fields = [
            ("q", "Pencarian", &self.q, text::SEARCH_MAX),
            ("state", "Status", &self.state, text::CODE_MAX),
            ("desk", "Meja", &self.desk, text::CODE_MAX),
            ("kab", "Kab/Kota", &self.kab, text::CODE_MAX),
            ("hospital", "Rumah sakit", &self.hospital, text::CODE_MAX),
            ("overdue", "Terlambat", &self.overdue, text::CODE_MAX),
            ("from", "Terdaftar sejak", &self.from, text::CODE_MAX),
            ("to", "Terdaftar sampai", &self.to, text::CODE_MAX),
        ];
        for (field, label, value, max) in fields {
            if let Err(e) = text::check(field, label, value.trim(), max, Lines::One) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut refuse = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.into(),
            })
        };
        match SearchTerm::parse("q", &self.q) {
            Ok(term) => out.search = term,
            Err(e) => refuse(e.field, &e.message),
        }
        let state = self.state.trim();
        if !state.is_empty() {
            match state.parse::<CaseState>() {
                Ok(s) if kind.states(role).contains(&s) => out.state = Some(s),
                _ => refuse("state", "Status tidak dikenal; pilih dari daftar."),
            }
        }
        let kab = self.kab.trim();
        if !kab.is_empty() {
            if kab_kota.iter().any(|k| k.code == kab) {
                out.kab = Some(kab.to_string());
            } else {
                refuse("kab", "Kab/Kota tidak dikenal; pilih dari daftar.");
            }
        }
        let hospital = self.hospital.trim();
        if !hospital.is_empty() {
            match hospital.parse::<Uuid>() {
                Ok(id) if hospitals.iter().any(|h| h.id == id) => out.hospital = Some(id),
                _ => refuse("hospital", "Rumah sakit tidak dikenal; pilih dari daftar."),
            }
        }
        if kind == ListKind::Monitoring {
            let desk = self.desk.trim();
            if !desk.is_empty() {
                match desk.parse::<Role>() {
                    Ok(r) if desk_roles().contains(&r) => out.desk = Some(r),
                    _ => refuse("desk", "Meja tidak dikenal; pilih dari daftar."),
                }
            }
            match self.overdue.trim() {
                "" => {}
                "1" => out.overdue = true,
                _ => refuse("overdue", "Terlambat: centang atau kosongkan."),
            }
            for (field, label, value, slot) in [
                ("from", "Terdaftar sejak", &self.from, &mut out.from),
                ("to", "Terdaftar sampai", &self.to, &mut out.to),
            ] {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                match date::parse(value) {
                    Some(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => {
                        *slot = Some(d)
                    }
                    Some(_) => refuse(
                        field,
                        &format!("{label}: tahun harus antara 2000 dan 2100."),
                    ),
                    None => refuse(
                        field,
                        &format!("{label} harus berupa tanggal yang valid (TTTT-BB-HH)."),
                    ),
                }
            }
            if let (Some(from), Some(to)) = (out.from, out.to)
                && from > to
            {
                refuse(
                    "to",
                    "Terdaftar sampai tidak boleh sebelum tanggal Terdaftar sejak.",
                );
            }
        } else {
            // These filters exist on the monitoring list only; sent elsewhere they are refused
            // rather than dropped.
            for (field, label, value) in [
                ("desk", "Meja", &self.desk),
                ("overdue", "Terlambat", &self.overdue),
                ("from", "Terdaftar sejak", &self.from),
                ("to", "Terdaftar sampai", &self.to),
            ] {
                if !value.trim().is_empty() {
                    refuse(
                        field,
                        &format!("{label}: saringan ini hanya ada di halaman Pemantauan kasus."),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// The start of a WITA day, as an instant.
fn wita_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    wita()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

impl Criteria {
    /// The criteria as the access log keeps them: codes and dates, a search only by its kind
    /// and length (a NIK or a name is never kept).
    pub fn summary(&self) -> String {
        let mut parts = vec![];
        if let Some(term) = &self.search {
            parts.push(match term {
                SearchTerm::CaseNumber(_) => "cari: nomor kasus".to_string(),
                SearchTerm::Nik(_) => "cari: NIK (16 digit)".to_string(),
                SearchTerm::Digits(d) => format!("cari: angka ({} digit)", d.len()),
                SearchTerm::Name(n) => format!("cari: nama ({} karakter)", n.chars().count()),
            });
        }
        if let Some(s) = self.state {
            parts.push(format!("status: {}", s.as_str()));
        }
        if let Some(d) = self.desk {
            parts.push(format!("meja: {}", d.as_str()));
        }
        if let Some(k) = &self.kab {
            parts.push(format!("kab/kota: {k}"));
        }
        if let Some(h) = self.hospital {
            parts.push(format!("rumah sakit: {h}"));
        }
        if self.overdue {
            parts.push("terlambat".into());
        }
        if let Some(f) = self.from {
            parts.push(format!("dari: {f}"));
        }
        if let Some(t) = self.to {
            parts.push(format!("sampai: {t}"));
        }
        parts.join("; ")
    }

    /// The list query of these criteria on `kind`, `today` being the day "overdue" is judged
    /// on; no limit and no cursor (the caller sets those for a page).
    pub fn filter(&self, kind: ListKind, today: NaiveDate) -> ListFilter {
        let states = match kind {
            ListKind::Queue => self.state.into_iter().collect(),
            ListKind::Mine | ListKind::Monitoring => CaseState::ALL
                .iter()
                .copied()
                .filter(|s| self.state.is_none_or(|c| c == *s))
                .filter(|s| self.desk.is_none_or(|r| s.desk() == Some(r)))
                .collect(),
        };
        ListFilter {
            states,
            search: self.search.clone(),
            kab_kota_code: self.kab.clone(),
            hospital_id: self.hospital,
            overdue_on: self.overdue.then_some(today),
            created_from: self.from.and_then(wita_midnight),
            created_before: self.to.and_then(|d| d.succ_opt()).and_then(wita_midnight),
            by_due_date: kind.by_due_date(),
            ..Default::default()
        }
    }

    /// The criteria as the export log keeps them: codes and dates only. Whether a search was
    /// given is kept, never what was searched (a name or a NIK).
    pub fn log_detail(&self) -> Value {
        json!({
            "search": self.search.is_some(),
            "state": self.state.map(|s| s.as_str()),
            "desk": self.desk.map(|r| r.as_str()),
            "kab": self.kab,
            "hospital": self.hospital,
            "overdue": self.overdue,
            "from": self.from,
            "to": self.to,
        })
    }
}

/// A case as every list shows it (pages and exports): the NIK masked for every role
/// (docs/domain.md §7), the desk it waits at and for how long.
#[derive(Debug, Clone)]
pub struct ListEntry {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    /// Masked (`5371********0001`), or "tanpa NIK".
    pub nik: String,
    /// Domicile kab/kota.
    pub kab: String,
    pub hospital: String,
    /// The state's label.
    pub state: &'static str,
    /// The agency whose desk the case is at, "—" when closed.
    pub desk: &'static str,
    /// Working days at the current desk (0 when closed).
    pub days: i64,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub admission_date: NaiveDate,
    pub registered_at: DateTime<Utc>,
    pub guarantee_ceiling: Option<i64>,
}

/// What [`ListEntry::of`] needs besides the case: today and the calendar, read once per list.
#[derive(Debug, Clone)]
pub struct ListCalendar {
    pub today: NaiveDate,
    pub holidays: BTreeSet<NaiveDate>,
    pub sla_days: HashMap<CaseState, u32>,
}

impl ListEntry {
    /// The list row of `case`.
    pub fn of(case: ListRow, calendar: &ListCalendar) -> ListEntry {
        let at_desk = AtDesk {
            state: case.state.0,
            since: case.state_entered_at,
            due: case.sla_due_date,
        };
        let clock = DeskClock::at(
            at_desk,
            calendar.today,
            &calendar.holidays,
            &calendar.sla_days,
        );
        ListEntry {
            id: case.id,
            number: case.number,
            name: case.full_name,
            nik: case.nik.as_deref().map_or_else(|| "tanpa NIK".into(), mask),
            kab: case.domicile_kab_kota_name,
            hospital: case.hospital_name,
            state: case.state.0.label(),
            desk: case.state.0.desk().map_or("—", |r| r.agency()),
            days: clock.working_days,
            due_date: case.sla_due_date,
            overdue: clock.overdue,
            admission_date: case.admission_date,
            registered_at: case.created_at,
            guarantee_ceiling: case.guarantee_ceiling,
        }
    }
}

impl CaseService {
    /// Every case of the list `kind` matching `filter` (limit and cursor ignored), as a stream
    /// read from one query, for exports: nothing is held beyond a small buffer. The same scope
    /// and queue rules as [`CaseService::queue`] and [`CaseService::list`].
    pub async fn stream_list(
        &self,
        user: &CurrentUser,
        kind: ListKind,
        filter: ListFilter,
    ) -> Result<BoxStream<'static, Result<ListEntry>>> {
        let scope = Scope::of(user);
        let filter = match kind {
            ListKind::Queue => narrow_to_queue(user.role, filter),
            ListKind::Mine | ListKind::Monitoring => Some(filter),
        };
        let (Some(filter), false) = (filter, scope == Scope::Nothing) else {
            return Ok(futures_util::stream::empty().boxed());
        };
        let calendar = self.list_calendar().await?;
        Ok(
            db_cases::stream(self.pool.clone(), &scope.filter(), &filter)
                .map(move |row| Ok(ListEntry::of(row?, &calendar)))
                .boxed(),
        )
    }

    /// The criteria of `form` on the list `kind` for `user`, checked against the kab/kota and
    /// hospitals on file ([`CaseError::Invalid`] naming each field otherwise).
    pub async fn list_criteria(
        &self,
        user: &CurrentUser,
        kind: ListKind,
        form: &ListForm,
    ) -> Result<Criteria> {
        let kab_kota = db::reference::list_kab_kota(&self.pool).await?;
        let hospitals = db::reference::list_hospitals(&self.pool).await?;
        form.parse(kind, user.role, &kab_kota, &hospitals)
            .map_err(CaseError::Invalid)
    }

    /// Today and the calendar, as the rows of a list need them.
    pub async fn list_calendar(&self) -> Result<ListCalendar> {
        let reference = self.reference().await?;
        Ok(self.calendar_of(&reference))
    }

    /// [`Self::list_calendar`] from reference data already read.
    pub fn calendar_of(&self, reference: &Reference) -> ListCalendar {
        ListCalendar {
            today: self.today(),
            holidays: reference.holidays.clone(),
            sla_days: reference.sla_days.clone(),
        }
    }

    /// The list rows of `cases` (NIK masked), with the holidays and SLA days of `reference`.
    pub fn entries(&self, cases: Vec<ListRow>, reference: &Reference) -> Vec<ListEntry> {
        let calendar = self.calendar_of(reference);
        cases
            .into_iter()
            .map(|c| ListEntry::of(c, &calendar))
            .collect()
    }
}
