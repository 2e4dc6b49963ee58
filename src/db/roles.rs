//! The two database roles (docs/security.md, "Database roles and the audit chain"): the owner
//! runs the migrations and owns every table; the service's role reads and writes data but may
//! not UPDATE, DELETE or TRUNCATE the append-only tables ([`super::APPEND_ONLY_TABLES`]), nor
//! change the migrations' record or the audit chain's heads, nor create anything.

use sqlx::PgPool;

/// Tables the service's role may read but not write at all: the migrations' record and the
/// heads of the audit chains (written only by the audit trigger, with the owner's rights).
pub const OWNER_WRITTEN_TABLES: &[&str] = &["_sqlx_migrations", "audit_chain_head"];

/// `name` as a quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements that give `app_role` exactly the rights of the service. Idempotent: run at
/// every start, after the migrations, so tables added by later migrations are covered.
pub fn grant_statements(app_role: &str) -> Vec<String> {
    let role = quote_ident(app_role);
    let append_only = super::APPEND_ONLY_TABLES.join(", ");
    let owner_written = OWNER_WRITTEN_TABLES.join(", ");
    vec![
        format!("GRANT USAGE ON SCHEMA public, tower_sessions TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tower_sessions TO {role}"
        ),
        format!("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON {append_only} FROM {role}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {owner_written} FROM {role}"),
        format!("REVOKE CREATE ON SCHEMA public, tower_sessions FROM {role}"),
        // The retention sweep's one way to blank the free text of a purged case's history
        // (migration `20261208010000_retention_free_text.sql`).
        format!("GRANT EXECUTE ON FUNCTION purge_case_free_text(uuid, text, text[]) TO {role}"),
    ]
}

/// The advisory lock that makes processes preparing the same database (the service starting,
/// a command such as `token create` run meanwhile) grant one after the other: two concurrent
/// GRANTs on the same table fail with "tuple concurrently updated". (7142001: creating users,
/// 7142002: the figures' fence.)
const GRANT_LOCK: i64 = 7_142_003;

/// Gives `app_role` the service's rights; run as the owner of the tables.
pub async fn grant_app_role(owner: &PgPool, app_role: &str) -> anyhow::Result<()> {
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(GRANT_LOCK)
        .execute(&mut *tx)
        .await?;
    for sql in grant_statements(app_role) {
        sqlx::query(&sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| anyhow::anyhow!("`{sql}`: {e}"))?;
    }
    // Before PostgreSQL 15 every role may create tables in `public`; the owner of the schema
    // takes that away (elsewhere the statement is refused, and the default already holds).
    let _ = sqlx::query("SAVEPOINT public_create")
        .execute(&mut *tx)
        .await;
    if sqlx::query("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .execute(&mut *tx)
        .await
        .is_err()
    {
        sqlx::query("ROLLBACK TO SAVEPOINT public_create")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The role a pool connects as.
pub async fn current_role(pool: &PgPool) -> sqlx::Result<String> {
    sqlx::query_scalar!(r#"SELECT current_user::text AS "role!""#)
        .fetch_one(pool)
        .await
}

/// The append-only tables the pool's role could still UPDATE, DELETE or TRUNCATE (a superuser
/// or the tables' owner can do all three): empty when the role is restricted as it should be
/// (and for tables that do not exist yet).
pub async fn unprotected_tables(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    let tables: Vec<String> = super::APPEND_ONLY_TABLES
        .iter()
        .map(|t| t.to_string())
        .collect();
    sqlx::query_scalar!(
        r#"SELECT t AS "table!" FROM unnest($1::text[]) AS t
           WHERE has_table_privilege(current_user, to_regclass(t), 'UPDATE')
              OR has_table_privilege(current_user, to_regclass(t), 'DELETE')
              OR has_table_privilege(current_user, to_regclass(t), 'TRUNCATE')
           ORDER BY t"#,
        &tables
    )
    .fetch_all(pool)
    .await
}
