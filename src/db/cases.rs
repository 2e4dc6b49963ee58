//! Cases, their history, documents and the access log. Every statement is checked against the
//! schema at compile time (`sqlx::query!`, offline data in `.sqlx/`), except [`list`] and
//! [`stream`], whose filters are assembled with `QueryBuilder` and every value bound.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, PgPool, Postgres, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use crate::domain::nik::{mask_json, mask_numbers};
use crate::domain::search::{SearchTerm, name_words, word_pairs};
use crate::domain::{CaseState, Desil, Role};

/// A code column (enum cast to text, or a text code) parsed into a domain enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<T>(pub T);

impl<T: std::str::FromStr> TryFrom<String> for Code<T> {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse::<T>()
            .map(Code)
            .map_err(|_| format!("unknown code {s}"))
    }
}

/// A case as stored, with the names of its hospital and domicile.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: Uuid,
    pub number: String,
    pub state: Code<CaseState>,
    pub version: i32,
    pub returned_from: OptCode<CaseState>,
    pub hospital_id: Uuid,
    pub hospital_name: String,
    pub created_by: Uuid,
    /// Patient identity and episode, as entered at intake (and corrected since).
    pub patient: PatientFields,
    pub domicile_kab_kota_name: String,
    pub desil: Option<i16>,
    pub desil_corrected: Option<i16>,
    pub desil_correction_pending: bool,
    pub guarantee_letter_number: Option<String>,
    pub guarantee_start: Option<NaiveDate>,
    pub guarantee_end: Option<NaiveDate>,
    pub payer: Option<String>,
    pub guarantee_ceiling: Option<i64>,
    pub scheme: Option<String>,
    pub bpjs_card_number: Option<String>,
    pub coverage_effective_date: Option<NaiveDate>,
    /// PBPU Pemda: who pays the premium, as Dinkes decided it.
    pub pbpu_payer: Option<String>,
    /// PBPU Pemda: when Dinkes decided the enrolment (its year is the quota year).
    pub pbpu_decided_on: Option<NaiveDate>,
    pub pbpu_decision_reference: Option<String>,
    /// When Disdukcapil last verified the identity (verify_nik or record_identity).
    pub identity_verified_at: Option<DateTime<Utc>>,
    /// The NIK and KK number as they were verified then.
    pub verified_nik: Option<String>,
    pub verified_kk: Option<String>,
    pub state_entered_at: DateTime<Utc>,
    pub sla_due_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When the retention purge removed its personal data (`cases::retention`), if it did.
    pub purged_at: Option<DateTime<Utc>>,
}

/// An optional code column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptCode<T>(pub Option<T>);

impl<T: std::str::FromStr> TryFrom<Option<String>> for OptCode<T> {
    type Error = String;
    fn try_from(s: Option<String>) -> Result<Self, Self::Error> {
        match s {
            None => Ok(OptCode(None)),
            Some(s) => s
                .parse::<T>()
                .map(|v| OptCode(Some(v)))
                .map_err(|_| format!("unknown code {s}")),
        }
    }
}

impl CaseRow {
    /// The desil that counts: the corrected one if recorded, else the original.
    pub fn effective_desil(&self) -> Option<Desil> {
        self.desil_corrected.or(self.desil).and_then(Desil::from_db)
    }
}

/// A case as the list pages, their exports and the digest show it ([`list`], [`stream`]): a
/// dozen of [`CaseRow`]'s fifty columns. A list reads and builds up to fifty rows per view, and
/// the columns it does not show were most of what it cost a row (docs/performance.md).
#[derive(Debug, Clone)]
pub struct ListRow {
    pub id: Uuid,
    pub number: String,
    pub state: Code<CaseState>,
    pub full_name: String,
    pub nik: Option<String>,
    pub domicile_kab_kota_name: String,
    pub hospital_name: String,
    pub admission_date: NaiveDate,
    pub guarantee_ceiling: Option<i64>,
    pub state_entered_at: DateTime<Utc>,
    pub sla_due_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// The select list of [`ListRow`], the cases being `c` joined as [`CASE_JOINS`].
const LIST_COLUMNS: &str = "SELECT c.id, c.number, c.state::text AS state, c.full_name, c.nik, \
     k.name AS domicile_kab_kota_name, h.name AS hospital_name, c.admission_date, \
     c.guarantee_ceiling, c.state_entered_at, c.sla_due_date, c.created_at";

/// What a page of [`list`] or a [`stream`] reads of each case: every column ([`CaseRow`], for
/// the API's queue, whose items are whole cases) or those a list shows ([`ListRow`]).
pub trait ListColumns: Sized + Send + Unpin + 'static {
    /// `SELECT` and the columns, the cases being `c` joined as [`CASE_JOINS`].
    const SELECT: &'static str;
    /// The columns of `cases` (`c`) that a name search's first step keeps of each match
    /// ([`name_page_query`]): those [`ListColumns::SELECT`] and the list's filters
    /// ([`push_list_from`]) read. Each match is copied into a materialized CTE; a whole row of
    /// `cases` (its name keys among its columns) took that step about twice as long as a list
    /// row's dozen columns.
    const MATCHED: &'static str;
    /// The row's typed form.
    fn read(row: &PgRow) -> sqlx::Result<Self>;
}

impl ListColumns for CaseRow {
    const SELECT: &'static str = CASE_COLUMNS;
    const MATCHED: &'static str = "c.*";
    fn read(row: &PgRow) -> sqlx::Result<Self> {
        CaseRecord::from_row(row).and_then(CaseRow::try_from)
    }
}

impl ListColumns for ListRow {
    const SELECT: &'static str = LIST_COLUMNS;
    const MATCHED: &'static str = "c.id, c.number, c.state, c.full_name, c.nik, c.hospital_id, \
         c.domicile_kab_kota_code, c.admission_date, c.guarantee_ceiling, c.state_entered_at, \
         c.sla_due_date, c.created_at, c.desil_correction_pending";
    fn read(row: &PgRow) -> sqlx::Result<Self> {
        let state: String = row.try_get("state")?;
        Ok(ListRow {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            state: Code::try_from(state).map_err(|e| sqlx::Error::Decode(e.into()))?,
            full_name: row.try_get("full_name")?,
            nik: row.try_get("nik")?,
            domicile_kab_kota_name: row.try_get("domicile_kab_kota_name")?,
            hospital_name: row.try_get("hospital_name")?,
            admission_date: row.try_get("admission_date")?,
            guarantee_ceiling: row.try_get("guarantee_ceiling")?,
            state_entered_at: row.try_get("state_entered_at")?,
            sla_due_date: row.try_get("sla_due_date")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The columns of a case as one flat row, as both the compile-checked queries and the dynamic
/// list query return it; [`CaseRow`] is its typed form.
#[derive(Debug, FromRow)]
struct CaseRecord {
    id: Uuid,
    number: String,
    state: String,
    version: i32,
    returned_from: Option<String>,
    hospital_id: Uuid,
    hospital_name: String,
    created_by: Uuid,
    full_name: String,
    sex: String,
    birth_place: Option<String>,
    birth_date: NaiveDate,
    has_identity_document: bool,
    nik: Option<String>,
    kk_number: Option<String>,
    address: Option<String>,
    desa: Option<String>,
    kecamatan: Option<String>,
    domicile_kab_kota_code: String,
    domicile_kab_kota_name: String,
    family_phone: Option<String>,
    admission_date: NaiveDate,
    service_type: String,
    ward_class: String,
    clinical_reason: Option<String>,
    jkn_status: String,
    desil: Option<i16>,
    desil_corrected: Option<i16>,
    desil_correction_pending: bool,
    guarantee_letter_number: Option<String>,
    guarantee_start: Option<NaiveDate>,
    guarantee_end: Option<NaiveDate>,
    payer: Option<String>,
    guarantee_ceiling: Option<i64>,
    scheme: Option<String>,
    bpjs_card_number: Option<String>,
    coverage_effective_date: Option<NaiveDate>,
    pbpu_payer: Option<String>,
    pbpu_decided_on: Option<NaiveDate>,
    pbpu_decision_reference: Option<String>,
    identity_verified_at: Option<DateTime<Utc>>,
    verified_nik: Option<String>,
    verified_kk: Option<String>,
    state_entered_at: DateTime<Utc>,
    sla_due_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    purged_at: Option<DateTime<Utc>>,
}

impl TryFrom<CaseRecord> for CaseRow {
    type Error = sqlx::Error;
    fn try_from(r: CaseRecord) -> Result<Self, Self::Error> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        Ok(CaseRow {
            id: r.id,
            number: r.number,
            state: Code::try_from(r.state).map_err(decode)?,
            version: r.version,
            returned_from: OptCode::try_from(r.returned_from).map_err(decode)?,
            hospital_id: r.hospital_id,
            hospital_name: r.hospital_name,
            created_by: r.created_by,
            patient: PatientFields {
                full_name: r.full_name,
                sex: r.sex,
                birth_place: r.birth_place,
                birth_date: r.birth_date,
                has_identity_document: r.has_identity_document,
                nik: r.nik,
                kk_number: r.kk_number,
                address: r.address,
                desa: r.desa,
                kecamatan: r.kecamatan,
                domicile_kab_kota_code: r.domicile_kab_kota_code,
                family_phone: r.family_phone,
                admission_date: r.admission_date,
                service_type: r.service_type,
                ward_class: r.ward_class,
                clinical_reason: r.clinical_reason,
                jkn_status: r.jkn_status,
            },
            domicile_kab_kota_name: r.domicile_kab_kota_name,
            desil: r.desil,
            desil_corrected: r.desil_corrected,
            desil_correction_pending: r.desil_correction_pending,
            guarantee_letter_number: r.guarantee_letter_number,
            guarantee_start: r.guarantee_start,
            guarantee_end: r.guarantee_end,
            payer: r.payer,
            guarantee_ceiling: r.guarantee_ceiling,
            scheme: r.scheme,
            bpjs_card_number: r.bpjs_card_number,
            coverage_effective_date: r.coverage_effective_date,
            pbpu_payer: r.pbpu_payer,
            pbpu_decided_on: r.pbpu_decided_on,
            pbpu_decision_reference: r.pbpu_decision_reference,
            identity_verified_at: r.identity_verified_at,
            verified_nik: r.verified_nik,
            verified_kk: r.verified_kk,
            state_entered_at: r.state_entered_at,
            sla_due_date: r.sla_due_date,
            created_at: r.created_at,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
            closed_at: r.closed_at,
            purged_at: r.purged_at,
        })
    }
}

/// The select list of [`list`] (the dynamic query); the same columns as [`by_id`].
const CASE_COLUMNS: &str = "SELECT c.id, c.number, c.state::text AS state, c.version, \
     c.returned_from::text AS returned_from, c.hospital_id, h.name AS hospital_name, c.created_by, \
     c.full_name, c.sex, c.birth_place, c.birth_date, c.has_identity_document, c.nik, c.kk_number, \
     c.address, c.desa, c.kecamatan, c.domicile_kab_kota_code, k.name AS domicile_kab_kota_name, \
     c.family_phone, c.admission_date, c.service_type, c.ward_class, c.clinical_reason, c.jkn_status, \
     c.desil, c.desil_corrected, c.desil_correction_pending, c.guarantee_letter_number, \
     c.guarantee_start, c.guarantee_end, c.payer, c.guarantee_ceiling, c.scheme, c.bpjs_card_number, \
     c.coverage_effective_date, c.pbpu_payer, c.pbpu_decided_on, c.pbpu_decision_reference, \
     c.identity_verified_at, c.verified_nik, c.verified_kk, c.state_entered_at, c.sla_due_date, c.created_at, c.updated_at, \
     c.submitted_at, c.closed_at, c.purged_at";

/// What [`CASE_COLUMNS`] reads from, the cases being `c`.
const CASE_JOINS: &str = " JOIN hospitals h ON h.id = c.hospital_id \
     JOIN kab_kota k ON k.code = c.domicile_kab_kota_code";

/// One case by id, as [`CaseRow`]: `$rest` (the `WHERE` clause and what follows) completes the
/// statement, `$args` are its parameters.
macro_rules! case_by_id {
    ($rest:tt, $($args:tt)*) => {
        sqlx::query_as!(
            CaseRecord,
            r#"SELECT c.id, c.number, c.state::text AS "state!", c.version,
             c.returned_from::text AS returned_from, c.hospital_id, h.name AS hospital_name,
             c.created_by, c.full_name, c.sex, c.birth_place, c.birth_date AS "birth_date: _",
             c.has_identity_document, c.nik, c.kk_number, c.address, c.desa, c.kecamatan,
             c.domicile_kab_kota_code, k.name AS domicile_kab_kota_name, c.family_phone,
             c.admission_date AS "admission_date: _", c.service_type, c.ward_class, c.clinical_reason, c.jkn_status,
             c.desil, c.desil_corrected, c.desil_correction_pending, c.guarantee_letter_number,
             c.guarantee_start AS "guarantee_start: _", c.guarantee_end AS "guarantee_end: _", c.payer, c.guarantee_ceiling, c.scheme,
             c.bpjs_card_number, c.coverage_effective_date AS "coverage_effective_date: _",
             c.pbpu_payer, c.pbpu_decided_on AS "pbpu_decided_on: _", c.pbpu_decision_reference,
             c.identity_verified_at AS "identity_verified_at: _", c.verified_nik, c.verified_kk,
             c.state_entered_at AS "state_entered_at: _", c.sla_due_date AS "sla_due_date: _",
             c.created_at AS "created_at: _", c.updated_at AS "updated_at: _", c.submitted_at AS "submitted_at: _", c.closed_at AS "closed_at: _",
             c.purged_at AS "purged_at: _"
           FROM cases c JOIN hospitals h ON h.id = c.hospital_id
           JOIN kab_kota k ON k.code = c.domicile_kab_kota_code "# + $rest,
            $($args)*
        )
    };
}

/// One case by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<CaseRow>> {
    case_by_id!("WHERE c.id = $1", id)
        .fetch_optional(db)
        .await?
        .map(CaseRow::try_from)
        .transpose()
}

/// One case by id, its row locked for the transaction in `db` (`FOR UPDATE`): the case as the
/// last committed change left it, which no other transaction changes until this one ends.
pub async fn by_id_locked(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<CaseRow>> {
    case_by_id!("WHERE c.id = $1 FOR UPDATE OF c", id)
        .fetch_optional(db)
        .await?
        .map(CaseRow::try_from)
        .transpose()
}

/// Locks a case row for the rest of the transaction; false when there is no such case.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<bool> {
    Ok(
        sqlx::query_scalar!("SELECT id FROM cases WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(db)
            .await?
            .is_some(),
    )
}

/// The case created with this intake key (a repeated submission of the same form), with its
/// hospital.
pub async fn by_intake_key(
    db: impl PgExecutor<'_>,
    key: Uuid,
) -> sqlx::Result<Option<(Uuid, Uuid)>> {
    Ok(sqlx::query!(
        "SELECT id, hospital_id FROM cases WHERE intake_key = $1",
        key
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.id, r.hospital_id)))
}

/// The hospital holding the open case of this NIK, other than `except`: (hospital, case number).
pub async fn open_case_hospital_for_nik(
    db: impl PgExecutor<'_>,
    nik: &str,
    except: Option<Uuid>,
) -> sqlx::Result<Option<(String, String)>> {
    Ok(sqlx::query!(
        "SELECT h.name, c.number FROM cases c JOIN hospitals h ON h.id = c.hospital_id \
         WHERE c.nik = $1 AND c.state NOT IN ('handed_over', 'rejected', 'withdrawn') \
         AND ($2::uuid IS NULL OR c.id <> $2)",
        nik,
        except
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.name, r.number)))
}

/// Patient and episode fields as entered at intake.
#[derive(Debug, Clone, Default)]
pub struct PatientFields {
    pub full_name: String,
    pub sex: String,
    pub birth_place: Option<String>,
    pub birth_date: NaiveDate,
    pub has_identity_document: bool,
    pub nik: Option<String>,
    pub kk_number: Option<String>,
    pub address: Option<String>,
    pub desa: Option<String>,
    pub kecamatan: Option<String>,
    pub domicile_kab_kota_code: String,
    pub family_phone: Option<String>,
    pub admission_date: NaiveDate,
    pub service_type: String,
    pub ward_class: String,
    pub clinical_reason: Option<String>,
    pub jkn_status: String,
}

/// Inserts a draft case created at `at`, numbered `MS-<year>-<running number>`: the running
/// number zero-padded to six digits, and longer past 999,999 (never cut, which would repeat
/// numbers).
pub async fn insert_draft(
    db: impl PgExecutor<'_>,
    hospital_id: Uuid,
    created_by: Uuid,
    intake_key: Option<Uuid>,
    f: &PatientFields,
    at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO cases (number, hospital_id, created_by, intake_key, full_name, sex, \
         birth_place, birth_date, has_identity_document, nik, kk_number, address, desa, kecamatan, \
         domicile_kab_kota_code, family_phone, admission_date, service_type, ward_class, \
         clinical_reason, jkn_status, state_entered_at, created_at, updated_at) \
         VALUES ('MS-' || to_char($21::timestamptz AT TIME ZONE 'Asia/Makassar', 'YYYY') || '-' || \
                 (SELECT lpad(n::text, greatest(6, length(n::text)), '0') \
                  FROM nextval('case_number_seq') AS n), \
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                 $19, $20, $21, $21, $21) \
         RETURNING id",
        hospital_id,
        created_by,
        intake_key,
        f.full_name,
        f.sex,
        f.birth_place,
        f.birth_date as _,
        f.has_identity_document,
        f.nik,
        f.kk_number,
        f.address,
        f.desa,
        f.kecamatan,
        f.domicile_kab_kota_code,
        f.family_phone,
        f.admission_date as _,
        f.service_type,
        f.ward_class,
        f.clinical_reason,
        f.jkn_status,
        at as _,
    )
    .fetch_one(db)
    .await
}

/// Replaces the patient and episode fields, bumping the version if it still is `version`.
/// Returns false when the version is stale.
pub async fn update_patient(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    f: &PatientFields,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE cases SET full_name = $3, sex = $4, birth_place = $5, birth_date = $6, \
         has_identity_document = $7, nik = $8, kk_number = $9, address = $10, desa = $11, \
         kecamatan = $12, domicile_kab_kota_code = $13, family_phone = $14, admission_date = $15, \
         service_type = $16, ward_class = $17, clinical_reason = $18, jkn_status = $19, \
         version = version + 1, updated_at = $20 \
         WHERE id = $1 AND version = $2",
        id,
        version,
        f.full_name,
        f.sex,
        f.birth_place,
        f.birth_date as _,
        f.has_identity_document,
        f.nik,
        f.kk_number,
        f.address,
        f.desa,
        f.kecamatan,
        f.domicile_kab_kota_code,
        f.family_phone,
        f.admission_date as _,
        f.service_type,
        f.ward_class,
        f.clinical_reason,
        f.jkn_status,
        at as _,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The workflow columns a transition sets, and what the action records on the row besides
/// ([`RowFacts`]), all written by one statement ([`transition`]).
#[derive(Debug, Clone)]
pub struct Transition {
    pub id: Uuid,
    /// The version the actor saw; the update applies only if it still is the current one.
    pub version: i32,
    pub state: CaseState,
    pub returned_from: Option<CaseState>,
    pub state_entered_at: DateTime<Utc>,
    pub sla_due_date: Option<NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    pub facts: RowFacts,
}

/// What an action records on the case row itself, beyond the state change
/// (`crate::cases::evidence` decides it). It is written by the transition's own `UPDATE`: a
/// second statement on the same row would write a second version of it, with an entry in
/// every index of the table, on most steps.
#[derive(Debug, Clone, PartialEq)]
pub enum RowFacts {
    /// Nothing beyond the state.
    None,
    /// Disdukcapil verified the identity (at the transition's time) with this NIK and KK
    /// number; a later edit of either sends the case back through NIK verification.
    IdentityVerified {
        nik: Option<String>,
        kk_number: Option<String>,
    },
    /// Identity recording by the kab/kota Dukcapil: the NIK issued, the sex and birth date the
    /// civil registry holds, verified at once.
    IdentityRecorded {
        nik: String,
        sex: String,
        birth_date: NaiveDate,
        kk_number: Option<String>,
    },
    /// The desil found (and any correction of it or pending request for one) is forgotten: it
    /// belonged to an identity that has since changed, and Dinsos looks it up again.
    DesilForgotten,
    /// An SKTM was submitted: a desil correction now waits at the kab/kota Dinsos.
    DesilCorrectionRequested,
    /// The desil Dinsos found in the welfare registry (0 = not listed).
    Desil(i16),
    /// The outcome of a desil correction: `Some(desil)` when corrected, `None` when not.
    DesilCorrection(Option<i16>),
    /// The temporary guarantee granted by Dinkes.
    Guarantee {
        letter_number: String,
        start: NaiveDate,
        payer: String,
        ceiling: Option<i64>,
    },
    /// Dinkes's PBPU Pemda enrolment decision: who pays the premium (`pemprov` or
    /// `pemkab_asal`), when it was decided, and its reference.
    PbpuDecision {
        payer: String,
        decided_on: NaiveDate,
        reference: Option<String>,
    },
    /// National insurance coverage (PBI JKN or PBPU Pemda) from `effective`; the temporary
    /// guarantee ends the day before (`guarantee_end`).
    Coverage {
        scheme: String,
        bpjs_card_number: Option<String>,
        effective: NaiveDate,
        guarantee_end: NaiveDate,
    },
}

/// Moves a case to its next state, writes its [`RowFacts`] and bumps its version, in one
/// statement that also reads the case as it leaves it; `None` when the version is stale.
pub async fn transition(db: impl PgExecutor<'_>, t: &Transition) -> sqlx::Result<Option<CaseRow>> {
    let mut qb = QueryBuilder::<Postgres>::new("WITH c AS (UPDATE cases SET state = ");
    qb.push_bind(t.state.as_str())
        .push("::text::case_state, returned_from = ")
        .push_bind(t.returned_from.map(|s| s.as_str()))
        .push("::text::case_state, state_entered_at = ")
        .push_bind(t.state_entered_at)
        .push(", sla_due_date = ")
        .push_bind(t.sla_due_date)
        .push(", submitted_at = ")
        .push_bind(t.submitted_at)
        .push(", closed_at = ")
        .push_bind(t.closed_at)
        .push(", version = version + 1, updated_at = ")
        .push_bind(t.at);
    push_facts(&mut qb, &t.facts, t.at);
    qb.push(" WHERE id = ")
        .push_bind(t.id)
        .push(" AND version = ")
        .push_bind(t.version)
        .push(" RETURNING *) ")
        .push(CASE_COLUMNS)
        .push(" FROM c")
        .push(CASE_JOINS);
    qb.build_query_as::<CaseRecord>()
        .fetch_optional(db)
        .await?
        .map(CaseRow::try_from)
        .transpose()
}

/// The assignments of `facts` (each beginning with `, `), `at` being the transition's time.
fn push_facts(qb: &mut QueryBuilder<'_, Postgres>, facts: &RowFacts, at: DateTime<Utc>) {
    match facts {
        RowFacts::None => {}
        RowFacts::IdentityVerified { nik, kk_number } => {
            push_verified(qb, nik.clone(), kk_number.clone(), at);
        }
        RowFacts::IdentityRecorded {
            nik,
            sex,
            birth_date,
            kk_number,
        } => {
            qb.push(", nik = ")
                .push_bind(nik.clone())
                .push(", sex = ")
                .push_bind(sex.clone())
                .push(", birth_date = ")
                .push_bind(*birth_date)
                .push(", has_identity_document = true");
            push_verified(qb, Some(nik.clone()), kk_number.clone(), at);
        }
        RowFacts::DesilForgotten => {
            qb.push(", desil = NULL, desil_corrected = NULL, desil_correction_pending = false");
        }
        RowFacts::DesilCorrectionRequested => {
            qb.push(", desil_correction_pending = true");
        }
        RowFacts::Desil(desil) => {
            qb.push(", desil = ").push_bind(*desil);
        }
        RowFacts::DesilCorrection(corrected) => {
            qb.push(", desil_correction_pending = false, desil_corrected = coalesce(")
                .push_bind(*corrected)
                .push("::smallint, desil_corrected)");
        }
        RowFacts::Guarantee {
            letter_number,
            start,
            payer,
            ceiling,
        } => {
            qb.push(", guarantee_letter_number = ")
                .push_bind(letter_number.clone())
                .push(", guarantee_start = ")
                .push_bind(*start)
                .push(", payer = ")
                .push_bind(payer.clone())
                .push(", guarantee_ceiling = ")
                .push_bind(*ceiling);
        }
        RowFacts::PbpuDecision {
            payer,
            decided_on,
            reference,
        } => {
            qb.push(", pbpu_payer = ")
                .push_bind(payer.clone())
                .push(", pbpu_decided_on = ")
                .push_bind(*decided_on)
                .push(", pbpu_decision_reference = ")
                .push_bind(reference.clone());
        }
        RowFacts::Coverage {
            scheme,
            bpjs_card_number,
            effective,
            guarantee_end,
        } => {
            qb.push(", scheme = ")
                .push_bind(scheme.clone())
                .push(", bpjs_card_number = ")
                .push_bind(bpjs_card_number.clone())
                .push(", coverage_effective_date = ")
                .push_bind(*effective)
                .push(", guarantee_end = ")
                .push_bind(*guarantee_end);
        }
    }
}

/// `identity_verified_at`, `verified_nik` and `verified_kk` of a verified identity.
fn push_verified(
    qb: &mut QueryBuilder<'_, Postgres>,
    nik: Option<String>,
    kk_number: Option<String>,
    at: DateTime<Utc>,
) {
    qb.push(", identity_verified_at = ")
        .push_bind(at)
        .push(", verified_nik = ")
        .push_bind(nik)
        .push(", verified_kk = ")
        .push_bind(kk_number);
}

/// A history row.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub action: String,
    pub from_state: OptCode<CaseState>,
    pub to_state: Code<CaseState>,
    pub from_version: Option<i32>,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub actor_role: Code<Role>,
    pub at: DateTime<Utc>,
    pub evidence: Value,
    pub reason: Option<String>,
}

/// A case's history, oldest first.
pub async fn history(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<HistoryRow>> {
    let decode = |e: String| sqlx::Error::Decode(e.into());
    sqlx::query!(
        r#"SELECT hi.id, hi.action, hi.from_state::text AS from_state,
             hi.to_state::text AS "to_state!", hi.from_version, hi.actor_id,
             u.display_name AS actor_name, hi.actor_role::text AS "actor_role!",
             hi.at AS "at: DateTime<Utc>",
             hi.evidence, hi.reason
           FROM case_history hi JOIN users u ON u.id = hi.actor_id
           WHERE hi.case_id = $1 ORDER BY hi.id"#,
        case_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(HistoryRow {
            id: r.id,
            action: r.action,
            from_state: OptCode::try_from(r.from_state).map_err(decode)?,
            to_state: Code::try_from(r.to_state).map_err(decode)?,
            from_version: r.from_version,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_role: Code::try_from(r.actor_role).map_err(decode)?,
            at: r.at,
            evidence: r.evidence,
            reason: r.reason,
        })
    })
    .collect()
}

/// A new history row.
pub struct NewHistory<'a> {
    pub case_id: Uuid,
    pub action: &'a str,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub from_version: Option<i32>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub at: DateTime<Utc>,
    pub evidence: Value,
    pub reason: Option<String>,
}

/// Appends a history row; any NIK or KK number in its evidence or reason is stored masked
/// (the history holds no full number at rest).
pub async fn insert_history(db: impl PgExecutor<'_>, h: &NewHistory<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO case_history (case_id, action, from_state, to_state, from_version, actor_id, \
         actor_role, at, evidence, reason) \
         VALUES ($1, $2, $3::text::case_state, $4::text::case_state, $5, $6, $7::text::user_role, \
                 $8, $9, $10)",
        h.case_id,
        h.action,
        h.from_state.map(|s| s.as_str()),
        h.to_state.as_str(),
        h.from_version,
        h.actor_id,
        h.actor_role.as_str(),
        h.at as _,
        mask_json(&h.evidence),
        h.reason.as_deref().map(mask_numbers),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A document's metadata, with its place in the case's document history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub original_name: Option<String>,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
    /// When the hospital replaced or removed it (`None` while it is current).
    pub superseded_at: Option<DateTime<Utc>>,
    /// Who replaced or removed it (display name).
    pub superseded_by_name: Option<String>,
    /// The document that replaced it; `None` for a removal (or a current document).
    pub replaced_by: Option<Uuid>,
}

/// The documents of a case, oldest first — current ones and those replaced or removed (the
/// history) — but those removed by the retention purge. A claim's document (kind `klaim`)
/// belongs to the claim and is read through it (`db::claims`), by the roles that see claims.
pub async fn documents(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<DocumentRow>> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.case_id, d.kind, d.content_type, d.size_bytes, d.original_name,
             d.uploaded_by, d.uploaded_at AS "uploaded_at: _",
             d.superseded_at AS "superseded_at: _", u.display_name AS "superseded_by_name?",
             d.replaced_by
           FROM documents d LEFT JOIN users u ON u.id = d.superseded_by
           WHERE d.case_id = $1 AND d.kind <> 'klaim' AND d.purged_at IS NULL
           ORDER BY d.uploaded_at, d.id"#,
        case_id
    )
    .fetch_all(db)
    .await
}

/// One document of a case, current or superseded (not a claim's document, not one removed
/// by the purge; see [`documents`]).
pub async fn document(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<DocumentRow>> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.case_id, d.kind, d.content_type, d.size_bytes, d.original_name,
             d.uploaded_by, d.uploaded_at AS "uploaded_at: _",
             d.superseded_at AS "superseded_at: _", u.display_name AS "superseded_by_name?",
             d.replaced_by
           FROM documents d LEFT JOIN users u ON u.id = d.superseded_by
           WHERE d.id = $1 AND d.kind <> 'klaim' AND d.purged_at IS NULL"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Marks the current document `id` of case `case_id` as replaced by `replaced_by` (or removed,
/// `None`) by `user` at `at`; its row and file stay. False when it is not a current document
/// of the case (already replaced or removed, a claim's, purged, or another case's).
pub async fn supersede(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    id: Uuid,
    user: Uuid,
    at: DateTime<Utc>,
    replaced_by: Option<Uuid>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE documents SET superseded_at = $3, superseded_by = $4, replaced_by = $5 \
         WHERE id = $1 AND case_id = $2 AND superseded_at IS NULL AND kind <> 'klaim' \
         AND purged_at IS NULL",
        id,
        case_id,
        at as _,
        user,
        replaced_by,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A new document's metadata (the file is already stored under `id`).
pub struct NewDocument<'a> {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i32,
    pub sha256: &'a [u8],
    pub original_name: Option<&'a str>,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

/// Records a document.
pub async fn insert_document(db: impl PgExecutor<'_>, d: &NewDocument<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO documents (id, case_id, kind, content_type, size_bytes, sha256, \
         original_name, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        d.id,
        d.case_id,
        d.kind,
        d.content_type,
        d.size_bytes,
        d.sha256,
        d.original_name,
        d.uploaded_by,
        d.uploaded_at as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Which document kinds a case has now (not counting documents replaced or removed).
pub async fn document_kinds(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT DISTINCT kind FROM documents WHERE case_id = $1 AND superseded_at IS NULL",
        case_id
    )
    .fetch_all(db)
    .await
}

/// Every holiday of the calendar.
pub async fn holidays(db: impl PgExecutor<'_>) -> sqlx::Result<BTreeSet<NaiveDate>> {
    let days = sqlx::query_scalar!(r#"SELECT day AS "day: NaiveDate" FROM holidays"#)
        .fetch_all(db)
        .await?;
    Ok(days.into_iter().collect())
}

/// SLA working days per state.
pub async fn sla_days(db: impl PgExecutor<'_>) -> sqlx::Result<HashMap<CaseState, u32>> {
    let rows = sqlx::query!(r#"SELECT state::text AS "state!", working_days FROM sla_settings"#)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.state.parse().ok()?, u32::try_from(r.working_days).ok()?)))
        .collect())
}

/// The scope a query is limited to (see `crate::cases::Scope`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeFilter {
    /// Every case.
    pub all: bool,
    /// Cases of this hospital.
    pub hospital_id: Option<Uuid>,
    /// Cases whose patient lives in this kab/kota.
    pub kab_kota_code: Option<String>,
}

/// Appends `AND (<case is in scope>)` for alias `c`: only the condition of the scope at hand
/// (none for every case), so that the planner sees which index serves it — a condition such as
/// `$1 OR c.hospital_id = $2` would hide it behind a parameter.
pub fn push_scope(qb: &mut QueryBuilder<'_, Postgres>, scope: &ScopeFilter) {
    if scope.all {
        return;
    }
    match (scope.hospital_id, &scope.kab_kota_code) {
        (None, None) => {
            qb.push(" AND false");
        }
        (Some(h), None) => {
            qb.push(" AND c.hospital_id = ").push_bind(h);
        }
        (None, Some(k)) => {
            qb.push(" AND c.domicile_kab_kota_code = ")
                .push_bind(k.clone());
        }
        (Some(h), Some(k)) => {
            qb.push(" AND (c.hospital_id = ")
                .push_bind(h)
                .push(" OR c.domicile_kab_kota_code = ")
                .push_bind(k.clone())
                .push(")");
        }
    }
}

/// `c.state IN ('…', …)` with the states written as constants (their codes are fixed
/// identifiers of [`CaseState`], never input): the planner then proves the open-state
/// condition of the partial queue indexes, in a generic plan too.
fn push_states(qb: &mut QueryBuilder<'_, Postgres>, states: &[CaseState]) {
    let codes: Vec<String> = states
        .iter()
        .map(|s| {
            let code = s.as_str();
            debug_assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            format!("'{code}'")
        })
        .collect();
    qb.push("c.state IN (").push(codes.join(", ")).push(")");
}

/// The bounds of the strings starting with `prefix` (ASCII digits) in byte order, as the
/// `text_pattern_ops` operators compare: `[prefix, prefix with its last digit raised by one)`
/// (`'9'` is followed by `':'`). A range, not `LIKE 'prefix%'`, so that a prepared statement's
/// generic plan still uses the index.
fn digit_prefix_range(prefix: &str) -> (String, String) {
    let mut upper = prefix.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    (
        prefix.to_string(),
        String::from_utf8_lossy(&upper).into_owned(),
    )
}

/// Filters of a case list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these states (empty: any).
    pub states: Vec<CaseState>,
    /// Extra condition for parallel tasks: include cases with a pending desil correction.
    pub correction_pending: bool,
    /// Leave out `guaranteed` cases still waiting for a desil correction (they are Dinsos
    /// kab/kota's, see `correction_pending`).
    pub guaranteed_without_pending_correction: bool,
    pub kab_kota_code: Option<String>,
    pub hospital_id: Option<Uuid>,
    /// What the search box asked for (see [`SearchTerm`]).
    pub search: Option<SearchTerm>,
    /// Only cases whose SLA due date is before this day (overdue on it) and that are open.
    pub overdue_on: Option<NaiveDate>,
    /// Only cases registered at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only cases registered before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Keyset cursor: (due date or 9999-12-31, id).
    pub after: Option<(NaiveDate, Uuid)>,
    /// Order by SLA due date (queues) rather than by newest first.
    pub by_due_date: bool,
    pub limit: i64,
}

/// The sort date for cases without an SLA (they come last).
pub const NO_DUE_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// How many matches of a name, among all cases, a name search reads through the name index
/// before it takes the name for a common one ([`list`]).
pub const NAME_PROBE: i64 = 5_000;

/// A page of cases in scope matching the filter.
///
/// A name search is the one filter whose share of the cases PostgreSQL cannot be trusted to
/// guess, and both plans it may pick go wrong on a wrong guess: walking the list's order index
/// filtering names reads the whole table for a rare name, reading every match through the name
/// index and sorting them reads a large share of it for a common one. So a name search first
/// reads up to [`NAME_PROBE`] + 1 matches through the name index, whatever the scope, and in
/// the same statement the page among them ([`name_page_query`]). Up to [`NAME_PROBE`] (a rare
/// name: most searches, for a whole name), that is the page. Otherwise the name is common (one
/// case in two hundred or more) and the page is found walking the list's order index,
/// filtering names ([`walking_the_order`]), which then meets a match every few hundred cases
/// at most.
pub async fn list<R: ListColumns>(
    pool: &PgPool,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> sqlx::Result<Vec<R>> {
    match &f.search {
        Some(SearchTerm::Name(name)) => {
            let rows = name_page_query::<R>("", scope, f, name)
                .build()
                .fetch_all(pool)
                .await?;
            // One row at least: the count, with the page's columns empty when no case matched.
            let matches = match rows.first() {
                Some(row) => row.try_get::<i64, _>("name_matches")?,
                None => 0,
            };
            if matches <= NAME_PROBE {
                let mut page = Vec::with_capacity(rows.len());
                for row in &rows {
                    if row.try_get::<Option<Uuid>, _>("id")?.is_some() {
                        page.push(R::read(row)?);
                    }
                }
                Ok(page)
            } else {
                let mut db = walking_the_order(pool).await?;
                let page = read_page::<R>(scope, f, &mut *db).await?;
                db.commit().await?;
                Ok(page)
            }
        }
        _ => read_page(scope, f, pool).await,
    }
}

/// The page of [`list_query`] (up to the filter's limit), read on `db`.
async fn read_page<R: ListColumns>(
    scope: &ScopeFilter,
    f: &ListFilter,
    db: impl PgExecutor<'_>,
) -> sqlx::Result<Vec<R>> {
    let mut qb = list_query::<R>(scope, f);
    push_limit(&mut qb, f.limit);
    let rows = qb.build().fetch_all(db).await?;
    rows.iter().map(R::read).collect()
}

/// The first step of a name search ([`list`]), one statement: up to [`NAME_PROBE`] + 1 cases
/// whose name matches, in no order, read through the index of the stored beginnings of their
/// names' words and of their pairs (`name_keys @> keys`, `name_matches`); how many (the column
/// `name_matches` of every row); and the page among them, in scope, after the
/// cursor and sorted, joined to the hospital and the kab/kota last (a row of empty columns when
/// none is left). The matches are read once, with the columns the page needs
/// ([`ListColumns::MATCHED`]): the page needs no second look-up by id.
fn name_page_query<R: ListColumns>(
    prefix: &str,
    scope: &ScopeFilter,
    f: &ListFilter,
    name: &str,
) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new(format!(
        "{prefix}WITH name_matches AS MATERIALIZED (SELECT {} FROM cases c WHERE true",
        R::MATCHED
    ));
    push_name_keys(&mut qb, &typed_words(name), Planned::Alike);
    push_limit(&mut qb, NAME_PROBE + 1);
    qb.push(
        ") SELECT p.*, n.name_matches \
         FROM (SELECT count(*) AS name_matches FROM name_matches) n \
         LEFT JOIN LATERAL (",
    );
    push_list_from(
        &mut qb,
        format!("{} FROM (SELECT c.* FROM name_matches c", R::SELECT),
        scope,
        &ListFilter {
            search: None,
            ..f.clone()
        },
    );
    push_limit(&mut qb, f.limit);
    qb.push(") c")
        .push(CASE_JOINS)
        .push(order_by("c", f.by_due_date));
    qb.push(") p ON true").push(order_by("p", f.by_due_date));
    qb
}

/// ` LIMIT n`, written into the statement rather than bound. A bound limit is unknown to a
/// generic plan, which PostgreSQL then prices as a tenth of the table; it never takes that plan
/// and plans the list statement again on every execution (0.4–0.8 ms at a million cases, more
/// than running it). With the limit in the text, the prepared statement's plan is kept.
fn push_limit(qb: &mut QueryBuilder<'static, Postgres>, limit: i64) {
    qb.push(format_args!(" LIMIT {limit}"));
}

/// The beginning of a regular expression matching where a word of a lower-cased name begins:
/// its start, or after an ASCII character that is neither a letter nor a digit or a space (the
/// split of [`crate::domain::search::name_words`] and of the database's `name_search_keys`;
/// `[:space:]` is Unicode's under the ICU collation of [`NAME_LOWER`]).
const WORD_START: &str = r"(^|[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f[:space:]])";

/// A case's name lower-cased by Unicode's rules, as the service lower-cases a search and the
/// database its stored keys (`name_search_keys`): through ICU's root collation, whatever the
/// database's locale (the embedded cluster has none, and its `lower()` leaves `É` alone).
const NAME_LOWER: &str = r#"lower(c.full_name COLLATE "und-x-icu")"#;

/// The conditions of a name search: every typed word begins a word of the name. Twice: as
/// the name's stored keys, the beginnings of its words and their pairs (`name_keys @> keys`),
/// which the name index answers, and as one regular expression per word, a fraction of a
/// microsecond a row, which rejects most names cheaply when the search walks an order index (a
/// common name's page, the export). A word begins at the name's start or after an ASCII sign or
/// a space, as the database's `name_search_keys` splits. The words hold no ASCII sign, so no
/// character of theirs means anything to a regular expression.
fn push_name(qb: &mut QueryBuilder<'static, Postgres>, name: &str) {
    let words = typed_words(name);
    for word in &words {
        qb.push(format_args!(" AND {NAME_LOWER} ~ "))
            .push_bind(format!("{WORD_START}{word}"));
    }
    push_name_keys(qb, &words, Planned::PerWords);
}

/// The words of a name search ([`name_words`]), to bind.
fn typed_words(name: &str) -> Vec<String> {
    name_words(name).map(str::to_string).collect()
}

/// How the planner may see the keys of a name condition ([`push_name_keys`]).
#[derive(Clone, Copy)]
enum Planned {
    /// The words in sight: the planner guesses their matches from the column's statistics and
    /// chooses between the name index and an order index by that guess (a statement that
    /// walks or reads the matches, whichever is cheaper for these words).
    PerWords,
    /// The words behind an init plan, hidden: every search is planned alike and the prepared
    /// statement's generic plan is kept, for a statement whose plan is the same for every
    /// name (the matches through the name index, [`name_page_query`]). With the words in sight
    /// PostgreSQL found each search's guess cheaper than the generic plan's (5,000 matches)
    /// and planned every search again, 0.3–0.7 ms at a million cases, for the same plan.
    Alike,
}

/// ` AND c.name_keys @> keys`, which the name index answers: the keys are the typed words
/// (each the beginning of a word of the name) and their pair keys ([`word_pairs`], which the
/// stored keys hold for the name's own words). ` AND false` for no word: such a search is
/// refused when it is read ([`SearchTerm::parse`]), and `@> '{}'` would hold for every name.
fn push_name_keys(qb: &mut QueryBuilder<'static, Postgres>, words: &[String], planned: Planned) {
    if words.is_empty() {
        qb.push(" AND false");
        return;
    }
    let mut keys = words.to_vec();
    keys.extend(word_pairs(words.iter().map(String::as_str)));
    match planned {
        Planned::PerWords => qb.push(" AND c.name_keys @> ").push_bind(keys),
        Planned::Alike => qb
            .push(" AND c.name_keys @> (SELECT ")
            .push_bind(keys)
            .push("::text[])"),
    };
}

/// The condition of a search (` AND …`) on the cases named `c`.
fn push_search(qb: &mut QueryBuilder<'static, Postgres>, term: &SearchTerm) {
    match term {
        SearchTerm::CaseNumber(n) => {
            qb.push(" AND c.number = ").push_bind(n.clone());
        }
        SearchTerm::Nik(nik) => {
            qb.push(" AND c.nik = ").push_bind(nik.clone());
        }
        SearchTerm::Digits(digits) => {
            // Digits only (parsed so), so they need no LIKE escaping. Each value is behind an
            // init plan (`(SELECT $n::text)`), out of the planner's sight, as a name's words
            // are in its first step ([`Planned::Alike`]): the matches are read through their
            // indexes whatever the guess (`list_query_after`), so the guess only made
            // PostgreSQL plan every search again (0.3 ms at a million cases, about as long as
            // running it).
            qb.push(" AND (false");
            if term.matches_nik_end() {
                // The end of the NIK is the start of the reversed NIK (cases_nik_reversed_idx).
                let (from, to) = digit_prefix_range(&digits.chars().rev().collect::<String>());
                qb.push(" OR (reverse(c.nik) ~>=~ (SELECT ")
                    .push_bind(from)
                    .push("::text) AND reverse(c.nik) ~<~ (SELECT ")
                    .push_bind(to)
                    .push("::text))");
            }
            if let Some(seq) = term.case_sequence() {
                // `MS-YYYY-<seq>` (cases_number_sequence_idx).
                qb.push(" OR split_part(c.number, '-', 3) = (SELECT ")
                    .push_bind(seq)
                    .push("::text)");
            }
            qb.push(")");
        }
        SearchTerm::Name(name) => push_name(qb, name),
    }
}

/// A read-only transaction whose planner walks an order index, for the second step of a
/// search of a common name ([`list`]): reading the matches through the name index (a bitmap
/// scan) and sorting them would read thousands of cases for one page; a sequential scan, all of
/// them.
async fn walking_the_order(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut db = pool.begin().await?;
    sqlx::query!("SET TRANSACTION READ ONLY")
        .execute(&mut *db)
        .await?;
    // For this transaction only (`SET LOCAL`).
    sqlx::query!(
        "SELECT set_config('enable_bitmapscan', 'off', true) AS bitmaps, \
                set_config('enable_seqscan', 'off', true) AS seqscans"
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(db)
}

/// The plan PostgreSQL chooses for a page of [`list`] (`EXPLAIN (FORMAT JSON)`, not run), with
/// the same statement and values the service sends: what the plan tests check
/// (`tests/api/query_plans.rs`) and what an operator may look at on real data. For a name
/// search, the plain statement (the export's, [`stream`]); the page's two are
/// [`explain_name_search`]'s.
pub async fn explain_list(
    pool: &PgPool,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> sqlx::Result<Value> {
    let mut qb = list_query_after::<ListRow>("EXPLAIN (FORMAT JSON) ", scope, f);
    push_limit(&mut qb, f.limit);
    qb.build_query_scalar::<Value>().fetch_one(pool).await
}

/// The plans of a name search's statements ([`list`]).
#[derive(Debug)]
pub struct NameSearchPlans {
    /// The first step: the matches through the name index, and their page.
    pub matches: Value,
    /// The page of a common name: the list's order index walked, names filtered.
    pub walking: Value,
}

/// The plans of a name search's statements (`None` for any other filter).
pub async fn explain_name_search(
    pool: &PgPool,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> sqlx::Result<Option<NameSearchPlans>> {
    let Some(SearchTerm::Name(name)) = &f.search else {
        return Ok(None);
    };
    let matches = name_page_query::<ListRow>("EXPLAIN (FORMAT JSON) ", scope, f, name)
        .build_query_scalar::<Value>()
        .fetch_one(pool)
        .await?;
    let mut db = walking_the_order(pool).await?;
    let mut qb = list_query_after::<ListRow>("EXPLAIN (FORMAT JSON) ", scope, f);
    push_limit(&mut qb, f.limit);
    let walking = qb.build_query_scalar::<Value>().fetch_one(&mut *db).await?;
    db.commit().await?;
    Ok(Some(NameSearchPlans { matches, walking }))
}

/// Rows a stream of [`stream`] (or any [`fed_stream`]) reads ahead of its consumer.
const STREAM_AHEAD: usize = 256;

/// Where a task owning a query hands its rows to a [`fed_stream`].
pub struct RowFeed<T>(tokio::sync::mpsc::Sender<sqlx::Result<T>>);

impl<T> RowFeed<T> {
    /// Hands on every row of `rows` as the consumer takes them; stops after a failed row or
    /// when the consumer has gone.
    pub async fn send_all(&self, rows: impl futures_util::Stream<Item = sqlx::Result<T>>) {
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            let failed = row.is_err();
            if self.0.send(row).await.is_err() || failed {
                break;
            }
        }
    }
}

/// A stream of the rows a task of its own reads with `fetch` (`feed` owns the query, which
/// must outlive the caller) and hands through a channel of [`STREAM_AHEAD`]: an export of any
/// size holds a few hundred rows at a time. `feed` reads inside a read-only transaction of its
/// own whose statement may run for [`super::EXPORT_STATEMENT_TIMEOUT`] (a download streams for
/// as long as the client takes to read it); a failure to open it is the stream's one item.
/// The task stops when the stream is dropped; it holds one pool connection until then.
pub fn fed_stream<T, F, Fut>(pool: PgPool, feed: F) -> BoxStream<'static, sqlx::Result<T>>
where
    T: Send + 'static,
    F: FnOnce(RowFeed<T>, Transaction<'static, Postgres>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(STREAM_AHEAD);
    tokio::spawn(async move {
        match export_transaction(&pool).await {
            Ok(db) => feed(RowFeed(tx), db).await,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|r| (r, rx)) })
        .boxed()
}

/// A read-only transaction whose statements may run for [`super::EXPORT_STATEMENT_TIMEOUT`]
/// instead of the service's statement limit.
async fn export_transaction(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut db = pool.begin().await?;
    sqlx::query!("SET TRANSACTION READ ONLY")
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "SELECT set_config('statement_timeout', $1, true)",
        super::EXPORT_STATEMENT_TIMEOUT
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(db)
}

/// Every case in scope matching the filter (its limit and cursor ignored), in the list's order,
/// read from one query with `fetch` as the consumer takes them ([`fed_stream`]).
pub fn stream<R: ListColumns>(
    pool: PgPool,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> BoxStream<'static, sqlx::Result<R>> {
    let mut qb = list_query::<R>(
        scope,
        &ListFilter {
            after: None,
            ..f.clone()
        },
    );
    fed_stream(pool, move |feed, mut db| async move {
        let rows = qb.build().fetch(&mut *db);
        feed.send_all(rows.map(|row| row.and_then(|row| R::read(&row))))
            .await;
    })
}

/// The query of [`list`] and [`stream`], without a limit.
fn list_query<R: ListColumns>(
    scope: &ScopeFilter,
    f: &ListFilter,
) -> QueryBuilder<'static, Postgres> {
    list_query_after::<R>("", scope, f)
}

/// [`list_query`] after `prefix` (`EXPLAIN …` for [`explain_list`]).
fn list_query_after<R: ListColumns>(
    prefix: &str,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new(prefix.to_string());
    match &f.search {
        // Digits match few cases: an end of a NIK of four digits or more one case in ten
        // thousand at most, a case sequence one per year. PostgreSQL's estimate for the end of
        // the NIK can be far off (for "9999", a hundredth of the table: the last bucket of the
        // reversed NIK's histogram), and it then walks the list's order index filtering every
        // case. The subquery (kept apart by `OFFSET 0`) reads the matches through their indexes
        // whatever the estimate; the page is sorted from them.
        Some(term @ SearchTerm::Digits(_)) => {
            qb.push(format!(
                "{} FROM (SELECT c.* FROM cases c WHERE true",
                R::SELECT
            ));
            push_search(&mut qb, term);
            qb.push(" OFFSET 0) c");
            push_list_from(
                &mut qb,
                CASE_JOINS.to_string(),
                scope,
                &ListFilter {
                    search: None,
                    ..f.clone()
                },
            );
        }
        _ => push_list_from(
            &mut qb,
            format!("{} FROM cases c{CASE_JOINS}", R::SELECT),
            scope,
            f,
        ),
    }
    qb
}

/// Pushes `head` (a statement's beginning up to its `FROM`, the cases named `c`), then the
/// list's conditions and order.
fn push_list_from(
    qb: &mut QueryBuilder<'static, Postgres>,
    head: String,
    scope: &ScopeFilter,
    f: &ListFilter,
) {
    qb.push(head);
    qb.push(" WHERE true");
    push_scope(qb, scope);
    // Which cases: listed states, plus the parallel tasks. No condition when every state is
    // listed (the monitoring list unfiltered).
    let every_state = CaseState::ALL.iter().all(|s| f.states.contains(s));
    if !every_state || f.guaranteed_without_pending_correction {
        qb.push(" AND (");
        let mut any = false;
        if !f.states.is_empty() {
            qb.push("(");
            push_states(qb, &f.states);
            if f.guaranteed_without_pending_correction {
                qb.push(" AND (c.state <> 'guaranteed' OR NOT c.desil_correction_pending)");
            }
            qb.push(")");
            any = true;
        }
        if f.correction_pending {
            qb.push(if any { " OR " } else { "" })
                .push("c.desil_correction_pending");
            any = true;
        }
        if !any {
            qb.push("false");
        }
        qb.push(")");
    }
    if let Some(k) = &f.kab_kota_code {
        qb.push(" AND c.domicile_kab_kota_code = ")
            .push_bind(k.clone());
    }
    if let Some(h) = f.hospital_id {
        qb.push(" AND c.hospital_id = ").push_bind(h);
    }
    if let Some(term) = &f.search {
        push_search(qb, term);
    }
    if let Some(day) = f.overdue_on {
        qb.push(
            " AND c.state NOT IN ('handed_over', 'rejected', 'withdrawn') AND c.sla_due_date < ",
        )
        .push_bind(day);
    }
    if let Some(from) = f.created_from {
        qb.push(" AND c.created_at >= ").push_bind(from);
    }
    if let Some(before) = f.created_before {
        qb.push(" AND c.created_at < ").push_bind(before);
    }
    match f.after {
        Some((d, id)) if f.by_due_date => {
            qb.push(" AND (coalesce(c.sla_due_date, '9999-12-31'::date), c.id) > (")
                .push_bind(d)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        Some((_, id)) => {
            qb.push(" AND (c.created_at, c.id) < (SELECT created_at, id FROM cases WHERE id = ")
                .push_bind(id)
                .push(")");
        }
        None => {}
    }
    qb.push(order_by("c", f.by_due_date));
}

/// The list's order, of the cases named `alias`.
fn order_by(alias: &str, by_due_date: bool) -> String {
    if by_due_date {
        format!(" ORDER BY coalesce({alias}.sla_due_date, '9999-12-31'::date), {alias}.id")
    } else {
        format!(" ORDER BY {alias}.created_at DESC, {alias}.id DESC")
    }
}
