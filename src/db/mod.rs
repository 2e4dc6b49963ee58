//! Database access: one file per aggregate, free functions over `impl PgExecutor<'_>`.
//! Queries are checked against the schema (`migrations/`) at compile time with `sqlx::query!`
//! and friends; the offline data in `.sqlx/` lets the build run without a database
//! (`cargo sqlx prepare -- --all-targets` refreshes it). The `tower-sessions` store enables
//! sqlx's `time` feature, which the macros then prefer over `chrono`: date and timestamp
//! columns say `AS "col: DateTime<Utc>"` / `"col: NaiveDate"`, and such parameters are cast.

pub mod access_log;
pub mod audit;
pub mod cases;
pub mod claims;
pub mod digest;
pub mod exports;
pub mod figures;
pub mod jobs;
pub mod letters;
pub mod milestones;
pub mod nominatif;
pub mod notifications;
pub mod pending_uploads;
pub mod preferences;
pub mod quota;
pub mod reference;
pub mod reports;
pub mod retention;
pub mod roles;
pub mod sign_in_throttle;
pub mod status_codes;
pub mod stays;
pub mod steps;
pub mod stored_files;
pub mod tokens;
pub mod two_factor;
pub mod users;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Opens the connection pool.
pub async fn connect(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await?)
}

/// The audit, history and access tables: the service's database role may INSERT and SELECT
/// but never UPDATE, DELETE or TRUNCATE them ([`roles`]). A new such table is one more line.
pub const APPEND_ONLY_TABLES: &[&str] = &[
    "audit_log",
    "case_history",
    "claim_history",
    "case_access_log",
    "export_log",
];

/// Applies pending migrations (the reference data of docs/domain.md §2 is seeded by them).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    crate::MIGRATOR.run(pool).await?;
    Ok(())
}

/// The owner's work at every start, on a pool connected as the owner of the tables: the
/// migrations, the session store's table, and the service role's rights (`app_role`; `None`
/// when the service runs as the owner itself). Idempotent.
pub async fn prepare(owner: &PgPool, app_role: Option<&str>) -> anyhow::Result<()> {
    migrate(owner).await.context("applying migrations")?;
    tower_sessions_sqlx_store::PostgresStore::new(owner.clone())
        .migrate()
        .await
        .context("preparing the session store")?;
    if let Some(role) = app_role {
        roles::grant_app_role(owner, role)
            .await
            .with_context(|| format!("granting the service role {role} its rights"))?;
    }
    Ok(())
}

/// True when the error is a violation of the named constraint.
pub fn is_constraint(err: &sqlx::Error, name: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(name))
}

/// Ready when the database answers and every migration is applied.
pub async fn readiness(pool: &PgPool) -> anyhow::Result<()> {
    let applied =
        sqlx::query_scalar!(r#"SELECT count(*) AS "applied!" FROM _sqlx_migrations WHERE success"#)
            .fetch_one(pool)
            .await?;
    let expected = crate::MIGRATOR.iter().count() as i64;
    anyhow::ensure!(
        applied >= expected,
        "{applied} of {expected} migrations applied"
    );
    Ok(())
}
