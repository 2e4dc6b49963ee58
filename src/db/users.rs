//! User accounts.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

use crate::domain::Role;

/// A user as stored, with the names of its scope.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleCol,
    pub hospital_id: Option<Uuid>,
    pub hospital_name: Option<String>,
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A role column read from the database (`user_role` cast to text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleCol(pub Role);

impl TryFrom<String> for RoleCol {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse::<Role>()
            .map(RoleCol)
            .map_err(|_| format!("unknown role {s}"))
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role::text AS role, \
     u.hospital_id, h.name AS hospital_name, u.kab_kota_code, k.name AS kab_kota_name, \
     u.password_hash, u.must_change_password, u.active, u.created_at, u.last_login_at \
     FROM users u LEFT JOIN hospitals h ON h.id = u.hospital_id \
     LEFT JOIN kab_kota k ON k.code = u.kab_kota_code";

/// One user by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One user by username (case-insensitive).
pub async fn by_username(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "{USER_SELECT} WHERE lower(u.username) = lower($1)"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

/// All users, by username.
pub async fn list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!("{USER_SELECT} ORDER BY u.username"))
        .fetch_all(db)
        .await
}

/// True when no user exists yet.
pub async fn none_exist(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)")
        .fetch_one(db)
        .await
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub hospital_id: Option<Uuid>,
    pub kab_kota_code: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Inserts a user; the database refuses a role without its scope (`users_scope_fits_role`)
/// and a taken username (`users_username_key`).
pub async fn insert(db: impl PgExecutor<'_>, u: &NewUser<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, hospital_id, kab_kota_code, \
         password_hash, must_change_password) \
         VALUES ($1, $2, $3::user_role, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.role.as_str())
    .bind(u.hospital_id)
    .bind(u.kab_kota_code)
    .bind(u.password_hash)
    .bind(u.must_change_password)
    .fetch_one(db)
    .await
}

/// Replaces a user's password hash.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: Uuid,
    password_hash: &str,
    must_change: bool,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(must_change)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Activates or deactivates a user. A deactivated user cannot sign in and its sessions and
/// tokens stop working at their next request.
pub async fn set_active(db: impl PgExecutor<'_>, id: Uuid, active: bool) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE users SET active = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Notes a successful sign-in.
pub async fn touch_login(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
