//! The access log (`case_access_log`): every read of a case's personal data, edit page,
//! document download, list view, search, export, NIK/KK reveal and refused case id, with who,
//! role, when, from where. Append only; read by the data protection officer (`auditor`).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::domain::Role;

/// What kind of access a row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    /// A case's personal data read (page, API, letter, claim).
    Read,
    /// The edit page of a case (the form holds the full data).
    Edit,
    /// A document downloaded.
    Download,
    /// A list page (queue, monitoring, hospital cases): the case ids shown.
    List,
    /// A list narrowed by a search text or filters.
    Search,
    /// An export or report download.
    Export,
    /// A full NIK/KK shown after a reason (break the glass).
    Reveal,
    /// A case id outside the user's scope (answered "not found").
    Refused,
}

impl AccessKind {
    /// Every kind, in the order the filter offers them.
    pub const ALL: [AccessKind; 8] = [
        AccessKind::Read,
        AccessKind::Edit,
        AccessKind::Download,
        AccessKind::List,
        AccessKind::Search,
        AccessKind::Export,
        AccessKind::Reveal,
        AccessKind::Refused,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::Read => "read",
            AccessKind::Edit => "edit",
            AccessKind::Download => "download",
            AccessKind::List => "list",
            AccessKind::Search => "search",
            AccessKind::Export => "export",
            AccessKind::Reveal => "reveal",
            AccessKind::Refused => "refused",
        }
    }

    /// The label shown to the auditor.
    pub fn label(self) -> &'static str {
        match self {
            AccessKind::Read => "Membaca kasus",
            AccessKind::Edit => "Membuka formulir ubah",
            AccessKind::Download => "Mengunduh dokumen",
            AccessKind::List => "Melihat daftar",
            AccessKind::Search => "Mencari",
            AccessKind::Export => "Mengekspor",
            AccessKind::Reveal => "Membuka NIK/KK lengkap",
            AccessKind::Refused => "Ditolak (di luar cakupan)",
        }
    }

    /// The kind with this code.
    pub fn parse(code: &str) -> Option<AccessKind> {
        AccessKind::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

/// One access to write.
#[derive(Debug, Clone)]
pub struct AccessEntry<'a> {
    pub user_id: Uuid,
    pub role: Role,
    pub client_ip: Option<IpAddr>,
    /// `web` or `api`.
    pub via: &'a str,
    pub at: DateTime<Utc>,
    pub kind: AccessKind,
    /// The surface: `case`, `document`, `queue`, `monitoring`, `claim`, `nominatif`, …
    pub what: &'a str,
    /// The case read (none for lists, searches, exports and unknown ids).
    pub case_id: Option<Uuid>,
    /// The cases a list showed, or a refused id.
    pub case_ids: &'a [Uuid],
    /// Why a number was revealed.
    pub reason: Option<&'a str>,
    /// The filters of a list, search or export, without personal data.
    pub summary: Option<&'a str>,
}

/// Appends one row.
pub async fn record(db: impl PgExecutor<'_>, e: &AccessEntry<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO case_access_log
             (case_id, user_id, what, via, at, role, client_ip, kind, reason, case_ids, summary)
         VALUES ($1, $2, $3, $4, $5, $6::text::user_role, $7::text::inet, $8, $9, $10, $11)",
        e.case_id,
        e.user_id,
        e.what,
        e.via,
        e.at as _,
        e.role.as_str(),
        e.client_ip.map(|ip| ip.to_string()),
        e.kind.as_str(),
        e.reason,
        e.case_ids,
        e.summary,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What the auditor filters the log by; `None` is "any".
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    pub user_id: Option<Uuid>,
    pub role: Option<Role>,
    pub kind: Option<AccessKind>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub until: Option<DateTime<Utc>>,
    /// Only rows about these cases (read, refused, or among a list's cases).
    pub cases: Option<Vec<Uuid>>,
    pub limit: i64,
}

/// One row of the log as the auditor reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccessRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub kind: String,
    pub what: String,
    pub via: String,
    pub client_ip: Option<String>,
    /// The case read; for a list or refused id among a patient's cases (filter `cases`), those
    /// of the patient's cases it named.
    pub case_number: Option<String>,
    /// How many cases a list, search or export showed.
    pub case_count: i32,
    pub reason: Option<String>,
    pub summary: Option<String>,
}

/// The rows matching `f`, newest first.
pub async fn search(db: &PgPool, f: &AccessFilter) -> sqlx::Result<Vec<AccessRow>> {
    sqlx::query_as!(
        AccessRow,
        r#"SELECT l.id, l.at AS "at: DateTime<Utc>", l.user_id, u.username, u.display_name,
                  l.role::text AS "role!", l.kind, l.what, l.via,
                  host(l.client_ip) AS client_ip,
                  coalesce(c.number, (SELECT string_agg(x.number, ', ' ORDER BY x.number)
                                      FROM cases x
                                      WHERE x.id = ANY(l.case_ids) AND x.id = ANY($6)))
                      AS "case_number?",
                  coalesce(cardinality(l.case_ids), 0)::int AS "case_count!",
                  l.reason, l.summary
           FROM case_access_log l
           JOIN users u ON u.id = l.user_id
           LEFT JOIN cases c ON c.id = l.case_id
           WHERE ($1::uuid IS NULL OR l.user_id = $1)
             AND ($2::text IS NULL OR l.role::text = $2)
             AND ($3::text IS NULL OR l.kind = $3)
             AND ($4::timestamptz IS NULL OR l.at >= $4)
             AND ($5::timestamptz IS NULL OR l.at < $5)
             AND ($6::uuid[] IS NULL OR l.case_id = ANY($6) OR l.case_ids && $6)
           ORDER BY l.at DESC, l.id DESC
           LIMIT $7"#,
        f.user_id,
        f.role.map(|r| r.as_str()),
        f.kind.map(|k| k.as_str()),
        f.from as _,
        f.until as _,
        f.cases.as_deref(),
        f.limit,
    )
    .fetch_all(db)
    .await
}

/// One audit event (sign-in, sign-out, user changes …) as the auditor reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub event: String,
    pub target: Option<String>,
}

/// The audit events of the period (and of one user when given), newest first.
pub async fn audit_events(
    db: &PgPool,
    user_id: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: i64,
) -> sqlx::Result<Vec<AuditEventRow>> {
    sqlx::query_as!(
        AuditEventRow,
        r#"SELECT a.id, a.at AS "at: DateTime<Utc>", u.username AS "actor?", u.role::text AS "actor_role?",
                  a.event, a.target
           FROM audit_log a
           LEFT JOIN users u ON u.id = a.actor_id
           WHERE ($1::uuid IS NULL OR a.actor_id = $1)
             AND ($2::timestamptz IS NULL OR a.at >= $2)
             AND ($3::timestamptz IS NULL OR a.at < $3)
           ORDER BY a.at DESC, a.id DESC
           LIMIT $4"#,
        user_id,
        from as _,
        until as _,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The cases of one patient: those with this NIK (every hospital), for the per-patient access
/// history.
pub async fn cases_with_nik(db: &PgPool, nik: &str) -> sqlx::Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query!(
        "SELECT id, number FROM cases WHERE nik = $1 ORDER BY created_at",
        nik
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.number))
    .collect())
}

/// The patient's cases given one case number: the case and, when it has an NIK, every case with
/// the same NIK. Also the NIK (for the caller to mask), if any.
pub async fn cases_of_number(
    db: &PgPool,
    number: &str,
) -> sqlx::Result<Option<(Option<String>, Vec<(Uuid, String)>)>> {
    let Some(case) = sqlx::query!(
        "SELECT id, number, nik FROM cases WHERE number = $1",
        number
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    match case.nik {
        Some(nik) => {
            let cases = cases_with_nik(db, &nik).await?;
            Ok(Some((Some(nik), cases)))
        }
        None => Ok(Some((None, vec![(case.id, case.number)]))),
    }
}
