//! Cases, their history, documents and the access log.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

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
#[derive(Debug, Clone, FromRow)]
pub struct CaseRow {
    pub id: Uuid,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub state: Code<CaseState>,
    pub version: i32,
    #[sqlx(try_from = "Option<String>")]
    pub returned_from: OptCode<CaseState>,
    pub hospital_id: Uuid,
    pub hospital_name: String,
    pub created_by: Uuid,
    /// Patient identity and episode, as entered at intake (and corrected since).
    #[sqlx(flatten)]
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

pub(crate) const CASE_SELECT: &str = "SELECT c.id, c.number, c.state::text AS state, c.version, \
     c.returned_from::text AS returned_from, c.hospital_id, h.name AS hospital_name, c.created_by, \
     c.full_name, c.sex, c.birth_place, c.birth_date, c.has_identity_document, c.nik, c.kk_number, \
     c.address, c.desa, c.kecamatan, c.domicile_kab_kota_code, k.name AS domicile_kab_kota_name, \
     c.family_phone, c.admission_date, c.service_type, c.ward_class, c.clinical_reason, c.jkn_status, \
     c.desil, c.desil_corrected, c.desil_correction_pending, c.guarantee_letter_number, \
     c.guarantee_start, c.guarantee_end, c.payer, c.guarantee_ceiling, c.scheme, c.bpjs_card_number, \
     c.coverage_effective_date, c.pbpu_payer, c.pbpu_decided_on, c.pbpu_decision_reference, \
     c.identity_verified_at, c.verified_nik, c.verified_kk, c.state_entered_at, c.sla_due_date, c.created_at, c.updated_at, \
     c.submitted_at, c.closed_at \
     FROM cases c JOIN hospitals h ON h.id = c.hospital_id \
     JOIN kab_kota k ON k.code = c.domicile_kab_kota_code";

/// One case by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<CaseRow>> {
    sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One case by id, locked for the rest of the transaction.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<CaseRow>> {
    sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1 FOR UPDATE OF c"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The case created with this intake key (a repeated submission of the same form), with its
/// hospital.
pub async fn by_intake_key(
    db: impl PgExecutor<'_>,
    key: Uuid,
) -> sqlx::Result<Option<(Uuid, Uuid)>> {
    sqlx::query_as("SELECT id, hospital_id FROM cases WHERE intake_key = $1")
        .bind(key)
        .fetch_optional(db)
        .await
}

/// The hospital holding the open case of this NIK, other than `except`.
pub async fn open_case_hospital_for_nik(
    db: impl PgExecutor<'_>,
    nik: &str,
    except: Option<Uuid>,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT h.name, c.number FROM cases c JOIN hospitals h ON h.id = c.hospital_id \
         WHERE c.nik = $1 AND c.state NOT IN ('handed_over', 'rejected', 'withdrawn') \
         AND ($2::uuid IS NULL OR c.id <> $2)",
    )
    .bind(nik)
    .bind(except)
    .fetch_optional(db)
    .await
}

/// Patient and episode fields as entered at intake.
#[derive(Debug, Clone, Default, FromRow)]
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

/// Binds the patient fields in the order both statements below list them.
fn bind_patient<'q, Q: PatientBind<'q>>(q: Q, f: &'q PatientFields) -> Q {
    q.b(&f.full_name)
        .b(&f.sex)
        .b(&f.birth_place)
        .b(f.birth_date)
        .b(f.has_identity_document)
        .b(&f.nik)
        .b(&f.kk_number)
        .b(&f.address)
        .b(&f.desa)
        .b(&f.kecamatan)
        .b(&f.domicile_kab_kota_code)
        .b(&f.family_phone)
        .b(f.admission_date)
        .b(&f.service_type)
        .b(&f.ward_class)
        .b(&f.clinical_reason)
        .b(&f.jkn_status)
}

/// `bind` for both plain and scalar queries.
trait PatientBind<'q>: Sized {
    fn b<T>(self, v: T) -> Self
    where
        T: 'q + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>;
}

impl<'q> PatientBind<'q> for sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    fn b<T>(self, v: T) -> Self
    where
        T: 'q + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
    {
        self.bind(v)
    }
}

impl<'q, O> PatientBind<'q>
    for sqlx::query::QueryScalar<'q, Postgres, O, sqlx::postgres::PgArguments>
{
    fn b<T>(self, v: T) -> Self
    where
        T: 'q + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
    {
        self.bind(v)
    }
}

/// Inserts a draft case.
pub async fn insert_draft(
    db: impl PgExecutor<'_>,
    hospital_id: Uuid,
    created_by: Uuid,
    intake_key: Option<Uuid>,
    f: &PatientFields,
) -> sqlx::Result<Uuid> {
    let query = sqlx::query_scalar(
        "INSERT INTO cases (number, hospital_id, created_by, intake_key, full_name, sex, birth_place, \
         birth_date, has_identity_document, nik, kk_number, address, desa, kecamatan, \
         domicile_kab_kota_code, family_phone, admission_date, service_type, ward_class, \
         clinical_reason, jkn_status) \
         VALUES ('MS-' || to_char(now() AT TIME ZONE 'Asia/Makassar', 'YYYY') || '-' || \
                 lpad(nextval('case_number_seq')::text, 6, '0'), \
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         RETURNING id",
    )
    .bind(hospital_id)
    .bind(created_by)
    .bind(intake_key);
    bind_patient(query, f).fetch_one(db).await
}

/// Replaces the patient and episode fields, bumping the version if it still is `version`.
/// Returns false when the version is stale.
pub async fn update_patient(
    db: impl PgExecutor<'_>,
    id: Uuid,
    version: i32,
    f: &PatientFields,
) -> sqlx::Result<bool> {
    let query = sqlx::query(
        "UPDATE cases SET full_name = $3, sex = $4, birth_place = $5, birth_date = $6, \
         has_identity_document = $7, nik = $8, kk_number = $9, address = $10, desa = $11, \
         kecamatan = $12, domicile_kab_kota_code = $13, family_phone = $14, admission_date = $15, \
         service_type = $16, ward_class = $17, clinical_reason = $18, jkn_status = $19, \
         version = version + 1, updated_at = now() \
         WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version);
    let r = bind_patient(query, f).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// A history row.
#[derive(Debug, Clone, FromRow)]
pub struct HistoryRow {
    pub id: i64,
    pub action: String,
    #[sqlx(try_from = "Option<String>")]
    pub from_state: OptCode<CaseState>,
    #[sqlx(try_from = "String")]
    pub to_state: Code<CaseState>,
    pub from_version: Option<i32>,
    pub actor_id: Uuid,
    pub actor_name: String,
    #[sqlx(try_from = "String")]
    pub actor_role: Code<Role>,
    pub at: DateTime<Utc>,
    pub evidence: Value,
    pub reason: Option<String>,
}

/// A case's history, oldest first.
pub async fn history(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT hi.id, hi.action, hi.from_state::text AS from_state, hi.to_state::text AS to_state, \
         hi.from_version, hi.actor_id, u.display_name AS actor_name, hi.actor_role::text AS actor_role, \
         hi.at, hi.evidence, hi.reason \
         FROM case_history hi JOIN users u ON u.id = hi.actor_id \
         WHERE hi.case_id = $1 ORDER BY hi.id",
    )
    .bind(case_id)
    .fetch_all(db)
    .await
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
    pub evidence: Value,
    pub reason: Option<String>,
}

/// Appends a history row.
pub async fn insert_history(db: impl PgExecutor<'_>, h: &NewHistory<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO case_history (case_id, action, from_state, to_state, from_version, actor_id, \
         actor_role, evidence, reason) \
         VALUES ($1, $2, $3::case_state, $4::case_state, $5, $6, $7::user_role, $8, $9)",
    )
    .bind(h.case_id)
    .bind(h.action)
    .bind(h.from_state.map(|s| s.as_str()))
    .bind(h.to_state.as_str())
    .bind(h.from_version)
    .bind(h.actor_id)
    .bind(h.actor_role.as_str())
    .bind(&h.evidence)
    .bind(&h.reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes a read of personal data or a file download.
pub async fn log_access(
    db: impl PgExecutor<'_>,
    case_id: Uuid,
    user_id: Uuid,
    what: &str,
    via: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO case_access_log (case_id, user_id, what, via) VALUES ($1, $2, $3, $4)",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(what)
    .bind(via)
    .execute(db)
    .await?;
    Ok(())
}

/// A document's metadata.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct DocumentRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub original_name: Option<String>,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

/// The documents of a case, oldest first.
pub async fn documents(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<DocumentRow>> {
    sqlx::query_as(
        "SELECT id, case_id, kind, content_type, size_bytes, original_name, uploaded_by, uploaded_at \
         FROM documents WHERE case_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(case_id)
    .fetch_all(db)
    .await
}

/// One document.
pub async fn document(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<DocumentRow>> {
    sqlx::query_as(
        "SELECT id, case_id, kind, content_type, size_bytes, original_name, uploaded_by, uploaded_at \
         FROM documents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A new document's metadata (the file is already on disk under `id`).
pub struct NewDocument<'a> {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i32,
    pub sha256: &'a [u8],
    pub original_name: Option<&'a str>,
    pub uploaded_by: Uuid,
}

/// Records a document.
pub async fn insert_document(db: impl PgExecutor<'_>, d: &NewDocument<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO documents (id, case_id, kind, content_type, size_bytes, sha256, original_name, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.id)
    .bind(d.case_id)
    .bind(d.kind)
    .bind(d.content_type)
    .bind(d.size_bytes)
    .bind(d.sha256)
    .bind(d.original_name)
    .bind(d.uploaded_by)
    .execute(db)
    .await?;
    Ok(())
}

/// Which document kinds a case has.
pub async fn document_kinds(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT kind FROM documents WHERE case_id = $1")
        .bind(case_id)
        .fetch_all(db)
        .await
}

/// Holidays between two dates.
pub async fn holidays(
    db: impl PgExecutor<'_>,
) -> sqlx::Result<std::collections::BTreeSet<NaiveDate>> {
    let days: Vec<NaiveDate> = sqlx::query_scalar("SELECT day FROM holidays")
        .fetch_all(db)
        .await?;
    Ok(days.into_iter().collect())
}

/// SLA working days per state.
pub async fn sla_days(
    db: impl PgExecutor<'_>,
) -> sqlx::Result<std::collections::HashMap<CaseState, u32>> {
    let rows: Vec<(String, i32)> =
        sqlx::query_as("SELECT state::text, working_days FROM sla_settings")
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, d)| Some((s.parse().ok()?, u32::try_from(d).ok()?)))
        .collect())
}

/// The scope a query is limited to (see `crate::cases::Scope`).
#[derive(Debug, Clone)]
pub struct ScopeFilter {
    /// Every case.
    pub all: bool,
    /// Cases of this hospital.
    pub hospital_id: Option<Uuid>,
    /// Cases whose patient lives in this kab/kota.
    pub kab_kota_code: Option<String>,
}

/// Appends `AND (<case is in scope>)` for alias `c`.
pub fn push_scope(qb: &mut QueryBuilder<'_, Postgres>, scope: &ScopeFilter) {
    qb.push(" AND (")
        .push_bind(scope.all)
        .push(" OR c.hospital_id = ")
        .push_bind(scope.hospital_id)
        .push(" OR c.domicile_kab_kota_code = ")
        .push_bind(scope.kab_kota_code.clone())
        .push(")");
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
    /// Name prefix/substring or exact NIK.
    pub search: Option<String>,
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

/// A page of cases in scope matching the filter.
pub async fn list(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    f: &ListFilter,
) -> sqlx::Result<Vec<CaseRow>> {
    let mut qb = QueryBuilder::<Postgres>::new(CASE_SELECT);
    qb.push(" WHERE true");
    push_scope(&mut qb, scope);
    // Which cases: listed states, plus the parallel tasks.
    qb.push(" AND (false");
    if !f.states.is_empty() {
        qb.push(" OR (c.state::text = ANY(")
            .push_bind(
                f.states
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect::<Vec<_>>(),
            )
            .push(")");
        if f.guaranteed_without_pending_correction {
            qb.push(" AND (c.state <> 'guaranteed' OR NOT c.desil_correction_pending)");
        }
        qb.push(")");
    }
    if f.correction_pending {
        qb.push(" OR c.desil_correction_pending");
    }
    qb.push(")");
    if let Some(k) = &f.kab_kota_code {
        qb.push(" AND c.domicile_kab_kota_code = ")
            .push_bind(k.clone());
    }
    if let Some(h) = f.hospital_id {
        qb.push(" AND c.hospital_id = ").push_bind(h);
    }
    if let Some(s) = &f.search {
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.len() == 16 && digits.len() == s.trim().len() {
            qb.push(" AND c.nik = ").push_bind(digits);
        } else {
            let pattern = format!(
                "%{}%",
                s.trim()
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            qb.push(" AND lower(c.full_name) LIKE ").push_bind(pattern);
        }
    }
    if f.by_due_date {
        let key = "(coalesce(c.sla_due_date, '9999-12-31'::date), c.id)";
        if let Some((d, id)) = f.after {
            qb.push(format!(" AND {key} > ("))
                .push_bind(d)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        qb.push(format!(" ORDER BY {key}"));
    } else {
        if let Some((_, id)) = f.after {
            qb.push(" AND (c.created_at, c.id) < (SELECT created_at, id FROM cases WHERE id = ")
                .push_bind(id)
                .push(")");
        }
        qb.push(" ORDER BY c.created_at DESC, c.id DESC");
    }
    qb.push(" LIMIT ").push_bind(f.limit);
    qb.build_query_as().fetch_all(db).await
}
