//! Reference data: kab/kota and hospitals.

use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

/// A kabupaten/kota of NTT.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct KabKota {
    pub code: String,
    pub name: String,
}

/// A hospital taking part in the program.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
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
    sqlx::query_as("SELECT code, name FROM kab_kota ORDER BY code")
        .fetch_all(db)
        .await
}

/// One kab/kota by code.
pub async fn kab_kota(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<KabKota>> {
    sqlx::query_as("SELECT code, name FROM kab_kota WHERE code = $1")
        .bind(code)
        .fetch_optional(db)
        .await
}

const HOSPITAL_SELECT: &str = "SELECT h.id, h.code, h.name, h.kab_kota_code, k.name AS kab_kota_name, h.active \
     FROM hospitals h JOIN kab_kota k ON k.code = h.kab_kota_code";

/// All hospitals by name.
pub async fn list_hospitals(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Hospital>> {
    sqlx::query_as(&format!("{HOSPITAL_SELECT} ORDER BY h.name"))
        .fetch_all(db)
        .await
}

/// One hospital by id.
pub async fn hospital(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as(&format!("{HOSPITAL_SELECT} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One hospital by its code (e.g. `RSUD-WZJ`).
pub async fn hospital_by_code(
    db: impl PgExecutor<'_>,
    code: &str,
) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as(&format!("{HOSPITAL_SELECT} WHERE h.code = $1"))
        .bind(code)
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

/// Updates a hospital.
pub async fn update_hospital(
    db: impl PgExecutor<'_>,
    id: Uuid,
    f: &HospitalFields,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE hospitals SET code = $2, name = $3, kab_kota_code = $4, active = $5, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&f.code)
    .bind(&f.name)
    .bind(&f.kab_kota_code)
    .bind(f.active)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds a hospital.
pub async fn insert_hospital(db: impl PgExecutor<'_>, f: &HospitalFields) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO hospitals (code, name, kab_kota_code, active) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&f.code)
    .bind(&f.name)
    .bind(&f.kab_kota_code)
    .bind(f.active)
    .fetch_one(db)
    .await
}
