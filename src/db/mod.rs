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
pub mod idempotency;
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
pub mod stored_files;
pub mod tokens;
pub mod two_factor;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use tracing::log::LevelFilter;

use crate::config::Settings;

/// How the pool behaves and what every connection of it is limited to (from [`Settings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections kept at most.
    pub max_connections: u32,
    /// How long a caller waits for a connection before [`sqlx::Error::PoolTimedOut`] (then
    /// answered 503): while the database is unreachable a request fails after this, not later.
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` of every connection (`None`: none).
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL's `idle_in_transaction_session_timeout` (`None`: none).
    pub idle_in_transaction_timeout: Option<Duration>,
    /// The level at which a statement slower than [`SLOW_STATEMENT`] is logged: a warning for
    /// the service, a debug line for operator commands, whose statements read or write whole
    /// tables by design (`generate`'s roll-ups of every past day, `ANALYZE`, `audit verify`).
    pub slow_statements: LevelFilter,
}

/// A statement that takes longer is logged at [`PoolSettings::slow_statements`] (sqlx's own
/// default, written out).
pub const SLOW_STATEMENT: Duration = Duration::from_secs(1);

impl PoolSettings {
    /// The service's pool as configured (`MERAJUT_DB_*`).
    pub fn service(settings: &Settings) -> PoolSettings {
        let off_if_zero = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
        PoolSettings {
            max_connections: settings.db_max_connections,
            acquire_timeout: Duration::from_millis(settings.db_acquire_timeout_ms),
            statement_timeout: off_if_zero(settings.db_statement_timeout_ms),
            idle_in_transaction_timeout: off_if_zero(settings.db_idle_in_transaction_timeout_ms),
            slow_statements: LevelFilter::Warn,
        }
    }

    /// The same without a statement timeout: for the owner's migrations (one may rewrite a large
    /// table) and for operator commands (`audit verify` reads the whole audit log in one
    /// statement).
    pub fn without_statement_timeout(self) -> PoolSettings {
        PoolSettings {
            statement_timeout: None,
            ..self
        }
    }

    /// Without either limit: for operator commands, which may hold a transaction open while
    /// another program works (`backup` keeps its snapshot while `pg_dump` reads it; `generate`
    /// writes its next batch while the previous is produced) and read whole tables. Their slow
    /// statements are expected, and logged only at debug level.
    pub fn unlimited(self) -> PoolSettings {
        PoolSettings {
            statement_timeout: None,
            idle_in_transaction_timeout: None,
            slow_statements: LevelFilter::Debug,
            ..self
        }
    }

    /// `options` with the session limits as startup parameters: set by the server before the
    /// first statement, with no extra round trip, on every connection the pool opens (again
    /// after a reconnect).
    ///
    /// With them, `jit = off`. PostgreSQL compiles a statement whose estimated cost passes
    /// `jit_above_cost` to machine code first, which took 100–130 ms; the service's statements
    /// run in milliseconds and read indexes, but a plan priced high on a poor estimate (the
    /// walk of a common name's search: 2.7 million cost units for 5 ms of work) paid the
    /// compilation on every execution.
    pub fn connect_options(&self, options: PgConnectOptions) -> PgConnectOptions {
        let millis = |d: Option<Duration>| format!("{}ms", d.map_or(0, |d| d.as_millis()));
        options
            .options([
                ("statement_timeout", millis(self.statement_timeout)),
                (
                    "idle_in_transaction_session_timeout",
                    millis(self.idle_in_transaction_timeout),
                ),
                ("jit", "off".to_string()),
            ])
            .log_slow_statements(self.slow_statements, SLOW_STATEMENT)
    }
}

/// Opens the connection pool (connecting once, so that a wrong URL or an unreachable server is
/// said at start). Afterwards the pool reconnects by itself: while the database is unreachable
/// every acquire fails within [`PoolSettings::acquire_timeout`] ([`is_unavailable`]), and once
/// it is back the next acquire opens a new connection.
pub async fn connect(options: PgConnectOptions, settings: &PoolSettings) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // sqlx pings every connection it hands out (a round trip to the server) unless told
        // otherwise; a connection back from a caller within the last second has just been
        // pinged on its release (sqlx always does that), so only one idle for longer is
        // checked again (a server restarted meanwhile; a failed ping discards the connection
        // and the acquire takes or opens another).
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(settings.connect_options(options))
        .await?)
}

/// How long a pooled connection may have been idle before it is pinged again when handed out
/// ([`connect`]).
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The `statement_timeout` of a download's one long statement (CSV/XLSX exports stream their
/// rows as the client reads them, which on a slow link takes far longer than the service's
/// statement limit). Set with `SET LOCAL` in the stream's own read-only transaction.
pub const EXPORT_STATEMENT_TIMEOUT: &str = "30min";

/// Whether `err` means the database cannot serve now, and a retry later may work: no
/// connection within the acquire timeout (server down, or every connection busy), the
/// connection lost or refused, TLS failing, the server shutting down or starting up, too many
/// connections, a statement cancelled by the statement timeout. The one place that decides
/// which database errors are answered 503 instead of 500 (`web::error`, `api::error`).
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception; 57P01 admin shutdown, 57P02 crash shutdown,
            // 57P03 cannot connect now (starting up, shutting down), 57014 query cancelled
            // (the statement timeout); 53300 too many connections.
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "57014" | "53300")
        }),
        _ => false,
    }
}

/// Whether a [`sqlx::Error`] somewhere in the cause chain of `err` [`is_unavailable`].
pub fn chain_is_unavailable(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<sqlx::Error>())
        .any(is_unavailable)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_database_errors_are_told_apart_from_bugs() {
        let refused =
            || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        for unavailable in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            refused(),
            sqlx::Error::Tls("invalid peer certificate: UnknownIssuer".into()),
        ] {
            assert!(is_unavailable(&unavailable), "{unavailable}");
        }
        for bug in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
            sqlx::Error::Protocol("unexpected message".into()),
        ] {
            assert!(!is_unavailable(&bug), "{bug}");
        }
    }

    #[test]
    fn the_cause_is_found_under_context() {
        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut)
            .context("reading the case")
            .context("the case page");
        let bug = anyhow::Error::from(sqlx::Error::RowNotFound).context("reading the case");

        assert!(chain_is_unavailable(&wrapped));
        assert!(!chain_is_unavailable(&bug));
        assert!(!chain_is_unavailable(&anyhow::anyhow!("no database here")));
    }

    /// Settings as the service's pool has them.
    fn service() -> PoolSettings {
        PoolSettings {
            max_connections: 20,
            acquire_timeout: Duration::from_millis(2500),
            statement_timeout: Some(Duration::from_secs(30)),
            idle_in_transaction_timeout: Some(Duration::from_secs(60)),
            slow_statements: LevelFilter::Warn,
        }
    }

    #[test]
    fn the_service_limits_every_statement_and_the_owner_does_not() {
        let service = service();

        let owner = service.without_statement_timeout();

        assert_eq!(owner.statement_timeout, None);
        assert_eq!(
            owner.idle_in_transaction_timeout,
            service.idle_in_transaction_timeout
        );
        assert_eq!(owner.acquire_timeout, service.acquire_timeout);
    }

    #[test]
    fn only_the_service_warns_of_slow_statements() {
        let service = service();

        let operator = service.unlimited();

        assert_eq!(
            service.without_statement_timeout().slow_statements,
            LevelFilter::Warn
        );
        assert_eq!(operator.slow_statements, LevelFilter::Debug);
    }
}
