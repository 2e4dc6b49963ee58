//! Reference data: kab/kota, hospitals, holidays and the SLA of each desk.

use chrono::NaiveDate;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::CaseState;

/// A kabupaten/kota of NTT.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KabKota {
    pub code: String,
    pub name: String,
}

/// A hospital taking part in the program.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hospital {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub active: bool,
}

/// All kab/kota by code.
pub async fn list_kab_kota(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<KabKota>> {
    sqlx::query_as!(KabKota, "SELECT code, name FROM kab_kota ORDER BY code")
        .fetch_all(db)
        .await
}

/// One kab/kota by code.
pub async fn kab_kota(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<KabKota>> {
    sqlx::query_as!(
        KabKota,
        "SELECT code, name FROM kab_kota WHERE code = $1",
        code
    )
    .fetch_optional(db)
    .await
}

/// All hospitals by name.
pub async fn list_hospitals(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Hospital>> {
    sqlx::query_as!(
        Hospital,
        "SELECT h.id, h.code, h.name, h.kab_kota_code, k.name AS kab_kota_name, h.active \
         FROM hospitals h JOIN kab_kota k ON k.code = h.kab_kota_code \
         ORDER BY h.name"
    )
    .fetch_all(db)
    .await
}

/// One hospital by id.
pub async fn hospital(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as!(
        Hospital,
        "SELECT h.id, h.code, h.name, h.kab_kota_code, k.name AS kab_kota_name, h.active \
         FROM hospitals h JOIN kab_kota k ON k.code = h.kab_kota_code \
         WHERE h.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// One hospital by its code (e.g. `RSUD-WZJ`).
pub async fn hospital_by_code(
    db: impl PgExecutor<'_>,
    code: &str,
) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as!(
        Hospital,
        "SELECT h.id, h.code, h.name, h.kab_kota_code, k.name AS kab_kota_name, h.active \
         FROM hospitals h JOIN kab_kota k ON k.code = h.kab_kota_code \
         WHERE h.code = $1",
        code
    )
    .fetch_optional(db)
    .await
}

/// Fields of a hospital an administrator edits.
#[derive(Debug, Clone)]
pub struct HospitalFields {
    pub code: String,
    pub name: String,
    pub kab_kota_code: String,
    pub active: bool,
}

/// Updates a hospital; false when there is none with this id.
pub async fn update_hospital(
    db: impl PgExecutor<'_>,
    id: Uuid,
    f: &HospitalFields,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE hospitals SET code = $2, name = $3, kab_kota_code = $4, active = $5, \
         updated_at = now() WHERE id = $1",
        id,
        f.code,
        f.name,
        f.kab_kota_code,
        f.active,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds a hospital; a taken code violates `hospitals_code_key`.
pub async fn insert_hospital(db: impl PgExecutor<'_>, f: &HospitalFields) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO hospitals (code, name, kab_kota_code, active) VALUES ($1, $2, $3, $4) \
         RETURNING id",
        f.code,
        f.name,
        f.kab_kota_code,
        f.active,
    )
    .fetch_one(db)
    .await
}

/// A national holiday.
#[derive(Debug, Clone)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
}

/// Holidays from `from` on, by date.
pub async fn list_holidays(db: impl PgExecutor<'_>, from: NaiveDate) -> sqlx::Result<Vec<Holiday>> {
    sqlx::query_as!(
        Holiday,
        r#"SELECT day AS "day: NaiveDate", name FROM holidays WHERE day >= $1 ORDER BY day"#,
        from as NaiveDate
    )
    .fetch_all(db)
    .await
}

/// Adds (or renames) a holiday.
pub async fn upsert_holiday(
    db: impl PgExecutor<'_>,
    day: NaiveDate,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO holidays (day, name) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name",
        day as NaiveDate,
        name,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a holiday; false when there was none that day.
pub async fn delete_holiday(db: impl PgExecutor<'_>, day: NaiveDate) -> sqlx::Result<bool> {
    let r = sqlx::query!("DELETE FROM holidays WHERE day = $1", day as NaiveDate)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets the SLA of a desk, in working days; false when the desk has no SLA.
pub async fn set_sla_days(
    db: impl PgExecutor<'_>,
    state: CaseState,
    days: i32,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE sla_settings SET working_days = $2 WHERE state = $1::text::case_state",
        state.as_str(),
        days,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
