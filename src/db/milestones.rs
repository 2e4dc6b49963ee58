//! The milestones of a case from registration: when it was registered, when it got its
//! temporary guarantee (the first `approve_guarantee`) and when it was handed over to national
//! insurance, with what the bottleneck page groups a case by (the patient's kab/kota and the
//! hospital). Working days between them are computed by the reader from the holiday table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::cases::ScopeFilter;

/// A case whose guarantee or handover falls in a period, with both instants kept only when
/// they fall in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestones {
    pub case_id: Uuid,
    pub case_number: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_code: String,
    pub hospital_name: String,
    /// The service type recorded at intake (`igd`, `rawat_inap`, `rawat_jalan`).
    pub service_type: String,
    pub registered_at: DateTime<Utc>,
    pub guaranteed_at: Option<DateTime<Utc>>,
    pub handed_over_at: Option<DateTime<Utc>>,
}

/// The cases of the scope whose guarantee or handover falls in `[from, to)`.
pub async fn in_period(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Milestones>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.number, c.domicile_kab_kota_code, k.name AS kab_kota_name,
                  h.code AS hospital_code, h.name AS hospital_name, c.service_type,
                  c.created_at AS "registered_at: DateTime<Utc>",
                  g.at AS "guaranteed_at?: DateTime<Utc>",
                  CASE WHEN c.state = 'handed_over' THEN c.closed_at END
                      AS "handed_over_at?: DateTime<Utc>"
           FROM cases c
           JOIN kab_kota k ON k.code = c.domicile_kab_kota_code
           JOIN hospitals h ON h.id = c.hospital_id
           LEFT JOIN LATERAL (
               SELECT ch.at FROM case_history ch
               WHERE ch.case_id = c.id AND ch.action = 'approve_guarantee'
               ORDER BY ch.id LIMIT 1
           ) g ON true
           WHERE ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
             AND ((g.at >= $4 AND g.at < $5)
                  OR (c.state = 'handed_over' AND c.closed_at >= $4 AND c.closed_at < $5))
           ORDER BY c.created_at, c.id"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await?;
    let within = |t: Option<DateTime<Utc>>| t.filter(|t| *t >= from && *t < to);
    Ok(rows
        .into_iter()
        .map(|r| Milestones {
            case_id: r.id,
            case_number: r.number,
            kab_kota_code: r.domicile_kab_kota_code,
            kab_kota_name: r.kab_kota_name,
            hospital_code: r.hospital_code,
            hospital_name: r.hospital_name,
            service_type: r.service_type,
            registered_at: r.registered_at,
            guaranteed_at: within(r.guaranteed_at),
            handed_over_at: within(r.handed_over_at),
        })
        .collect())
}
