//! The database's own protection of the record (docs/security.md, "Database roles and the audit
//! chain"): the service's role cannot rewrite the append-only tables, the audit log is a set of
//! hash chains that `audit verify` checks, and PostgreSQL's own log carries no NIK.

use std::collections::BTreeMap;

use merajut_sehat::db;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// The SQLSTATE of the error, if it is a database error.
fn sqlstate(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(e) => e.code().map(|c| c.to_string()),
        _ => None,
    }
}

/// Runs `sql` on `pool` and returns its SQLSTATE ("ok" when it succeeded).
async fn outcome(pool: &sqlx::PgPool, sql: &str) -> String {
    match sqlx::query(sql).execute(pool).await {
        Ok(_) => "ok".into(),
        Err(e) => sqlstate(&e).unwrap_or_else(|| format!("not a database error: {e}")),
    }
}

#[tokio::test]
async fn service_role_cannot_rewrite_the_audit_history_and_access_tables() {
    // Arrange: rows in every append-only table, written by the application's own flows.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let case = team.case_in(&intake_woman(), "nik_check").await;
    team.rsud.case(case).await.expect(StatusCode::OK);
    // The export's log row is written when the stream ends: read it to the end.
    team.rsud
        .get_raw("/api/v1/queue/export?format=csv")
        .await
        .error_for_status()
        .expect("an export")
        .text()
        .await
        .expect("the whole export");
    db::audit::record(&app.app_pool, None, "test.event", None, json!({}))
        .await
        .expect("the service records an audit event");
    assert!(
        !db::APPEND_ONLY_TABLES.is_empty() && db::APPEND_ONLY_TABLES.contains(&"audit_log"),
        "the list names the audit log"
    );

    for table in db::APPEND_ONLY_TABLES {
        // Act + Assert: changing or removing rows is refused for lack of privilege (42501),
        // whether or not a row matches.
        for sql in [
            format!("UPDATE {table} SET id = id"),
            format!("DELETE FROM {table}"),
            format!("DELETE FROM {table} WHERE false"),
            format!("TRUNCATE {table}"),
            format!("ALTER TABLE {table} DISABLE TRIGGER ALL"),
            format!("DROP TABLE {table}"),
        ] {
            assert_eq!(outcome(&app.app_pool, &sql).await, "42501", "{sql}");
        }
        // Reading and appending are allowed (INSERT … SELECT … LIMIT 0 is checked for both
        // privileges without writing a row).
        assert_eq!(
            outcome(&app.app_pool, &format!("SELECT count(*) FROM {table}")).await,
            "ok",
            "{table}"
        );
        assert_eq!(
            outcome(
                &app.app_pool,
                &format!("INSERT INTO {table} SELECT * FROM {table} LIMIT 0")
            )
            .await,
            "ok",
            "{table}"
        );
    }
    // The rows written above are all still there, for the owner to read.
    for table in ["audit_log", "case_history", "case_access_log", "export_log"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&app.app_pool)
            .await
            .expect("counting");
        assert!(
            rows > 0,
            "{table} has no row: the flow above should have written one"
        );
    }

    // Nor may it touch the migrations' record, the chain heads or the schema, nor become
    // anyone else; ordinary tables it may change.
    for (sql, expected) in [
        ("DELETE FROM _sqlx_migrations", "42501"),
        (
            "INSERT INTO _sqlx_migrations SELECT * FROM _sqlx_migrations LIMIT 0",
            "42501",
        ),
        ("UPDATE audit_chain_head SET seq = 0", "42501"),
        ("CREATE TABLE mine (x int)", "42501"),
        ("ALTER TABLE cases ADD COLUMN x int", "42501"),
        ("SET ROLE merajut_owner", "42501"),
        ("UPDATE users SET display_name = display_name", "ok"),
        ("DELETE FROM users WHERE false", "ok"),
    ] {
        if sql.starts_with("SET ROLE") && embedded_cluster().is_none() {
            continue;
        }
        assert_eq!(outcome(&app.app_pool, sql).await, expected, "{sql}");
    }
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&app.app_pool)
            .await
            .expect("reading the role");
    assert!(!superuser);
    assert!(
        db::roles::unprotected_tables(&app.app_pool)
            .await
            .expect("checking the role")
            .is_empty()
    );
    // The owner (the test's arranging pool) is not protected, and the check says so.
    assert_eq!(
        db::roles::unprotected_tables(&app.pool)
            .await
            .expect("checking the owner"),
        {
            let mut all: Vec<String> = db::APPEND_ONLY_TABLES
                .iter()
                .map(|t| t.to_string())
                .collect();
            all.sort();
            all
        }
    );
}

/// Records `n` events on the service's pool, each by one of the given actors in turn.
async fn record_events(app: &TestApp, n: usize, actors: &[Option<uuid::Uuid>]) {
    for i in 0..n {
        db::audit::record(
            &app.app_pool,
            actors[i % actors.len()],
            "test.event",
            Some(&format!("t{i}")),
            json!({"i": i}),
        )
        .await
        .expect("recording");
    }
}

/// The audit rows as (chain, seq, id), in chain order.
async fn chain_rows(app: &TestApp) -> Vec<(i16, i64, i64)> {
    sqlx::query_as("SELECT chain, seq, id FROM audit_log ORDER BY chain, seq")
        .fetch_all(&app.pool)
        .await
        .expect("reading the chain")
}

#[tokio::test]
async fn audit_rows_are_chained_and_a_clean_log_verifies() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.create_test_user("admin", None).await;
    record_events(&app, 12, &[None, Some(admin.id)]).await;

    // Act
    let report = db::audit::verify(&app.app_pool).await.expect("verifying");
    let cli = app.run_cli(&["audit", "verify"], "").await;

    // Assert
    let rows = chain_rows(&app).await;
    assert_eq!(report.broken, None);
    assert_eq!(report.rows, rows.len() as i64);
    assert!(rows.len() >= 12);
    assert_eq!(report.chains.len(), 16);
    // Each chain runs 1, 2, 3, … and its head holds its length.
    let mut lengths: BTreeMap<i16, i64> = BTreeMap::new();
    for (chain, seq, _) in &rows {
        let len = lengths.entry(*chain).or_default();
        *len += 1;
        assert_eq!(*seq, *len, "chain {chain}");
    }
    for (chain, seq, _) in &report.chains {
        assert_eq!(
            *seq,
            lengths.get(chain).copied().unwrap_or(0),
            "chain {chain}"
        );
    }
    let stdout = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(
        stdout.contains(&format!("audit_log: OK, {} rows in 16 chains", rows.len())),
        "{stdout}"
    );
    // The hash covers the content: the stored hash is SHA-256 of the previous hash and the row.
    let first: (Vec<u8>, Vec<u8>, String) = sqlx::query_as(
        "SELECT prev_hash, hash, convert_from(audit_row_bytes(a), 'UTF8') FROM audit_log a \
         WHERE target = 't3'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("one row");
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(&first.0);
    hasher.update(first.2.as_bytes());
    assert_eq!(hasher.finalize().to_vec(), first.1);
    assert!(first.2.contains(r#""target": "t3""#), "{}", first.2);
    assert!(first.2.contains(r#""detail": {"i": 3}"#), "{}", first.2);
}

#[tokio::test]
async fn verify_names_an_edited_row() {
    // Arrange: a chain, then the owner (bypassing the service's role) edits one row's detail.
    let app = spawn_app().await;
    record_events(&app, 10, &[None]).await;
    let (chain, seq, id): (i16, i64, i64) =
        sqlx::query_as("SELECT chain, seq, id FROM audit_log WHERE target = 't5'")
            .fetch_one(&app.pool)
            .await
            .expect("the row");
    sqlx::query("UPDATE audit_log SET detail = '{\"i\": 55}' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("tampering as the owner");

    // Act
    let report = db::audit::verify(&app.app_pool).await.expect("verifying");
    let cli = app.run_cli(&["audit", "verify"], "").await;

    // Assert
    let broken = report.broken.expect("the edit is found");
    assert_eq!(
        (broken.chain, broken.seq, broken.id),
        (chain, seq, Some(id))
    );
    assert!(broken.problem.contains("changed"), "{}", broken.problem);
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(
        stderr.contains(&format!("audit_log chain {chain} seq {seq} (id {id})")),
        "{stderr}"
    );
}

#[tokio::test]
async fn verify_names_a_deleted_row_in_the_middle_and_at_the_end() {
    // Arrange: all rows in one transaction land on one chain.
    let app = spawn_app().await;
    let mut tx = app.app_pool.begin().await.expect("a transaction");
    for i in 0..6 {
        db::audit::record(
            &mut *tx,
            None,
            "test.event",
            Some(&format!("t{i}")),
            json!({}),
        )
        .await
        .expect("recording");
    }
    tx.commit().await.expect("committing");
    let rows = chain_rows(&app).await;
    assert_eq!(rows.len(), 6);
    let chain = rows[0].0;
    assert!(rows.iter().all(|r| r.0 == chain), "{rows:?}");
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );

    // Act 1: the owner deletes seq 3.
    sqlx::query("DELETE FROM audit_log WHERE chain = $1 AND seq = 3")
        .bind(chain)
        .execute(&app.pool)
        .await
        .expect("deleting as the owner");
    let broken = db::audit::verify(&app.app_pool)
        .await
        .expect("verifying")
        .broken
        .expect("the deletion is found");

    // Assert 1
    assert_eq!((broken.chain, broken.seq, broken.id), (chain, 3, None));
    assert!(broken.problem.contains("missing"), "{}", broken.problem);

    // Act 2: only the last row gone (a fresh chain: seq 3 back is impossible, so renumber
    // nothing and look at a chain whose end was cut).
    let app = spawn_app().await;
    let mut tx = app.app_pool.begin().await.expect("a transaction");
    for i in 0..4 {
        db::audit::record(
            &mut *tx,
            None,
            "test.event",
            Some(&format!("t{i}")),
            json!({}),
        )
        .await
        .expect("recording");
    }
    tx.commit().await.expect("committing");
    let chain = chain_rows(&app).await[0].0;
    sqlx::query("DELETE FROM audit_log WHERE chain = $1 AND seq = 4")
        .bind(chain)
        .execute(&app.pool)
        .await
        .expect("deleting as the owner");
    let broken = db::audit::verify(&app.app_pool)
        .await
        .expect("verifying")
        .broken
        .expect("the cut end is found");

    // Assert 2
    assert_eq!((broken.chain, broken.seq), (chain, 4));
    assert!(broken.problem.contains("4 to 4"), "{}", broken.problem);
}

#[tokio::test]
async fn fifty_parallel_writers_make_valid_chains() {
    // Arrange: a pool of the service's role with room for real parallelism.
    let app = spawn_app().await;
    let before = chain_rows(&app).await.len();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect_with(
            app.app_database_url
                .parse::<sqlx::postgres::PgConnectOptions>()
                .expect("a PostgreSQL URL"),
        )
        .await
        .expect("a pool");

    // Act: 50 writers at once, each in a transaction of two rows.
    let writers: Vec<_> = (0..50)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                for part in ["a", "b"] {
                    db::audit::record(
                        &mut *tx,
                        None,
                        "test.parallel",
                        Some(&format!("w{i}{part}")),
                        json!({"writer": i}),
                    )
                    .await?;
                }
                tx.commit().await
            })
        })
        .collect();
    for w in writers {
        w.await
            .expect("the writer ran")
            .expect("the writer committed");
    }

    // Assert: every row is there, the chains verify, and each writer's two rows are
    // consecutive in one chain; more than one chain was used.
    let report = db::audit::verify(&pool).await.expect("verifying");
    assert_eq!(report.broken, None);
    assert_eq!(report.rows as usize, before + 100);
    let pairs: Vec<(i16, i64, i16, i64)> = sqlx::query_as(
        "SELECT a.chain, a.seq, b.chain, b.seq FROM audit_log a JOIN audit_log b \
         ON b.target = left(a.target, -1) || 'b' WHERE a.target LIKE 'w%a'",
    )
    .fetch_all(&app.pool)
    .await
    .expect("pairs");
    assert_eq!(pairs.len(), 50);
    for (ca, sa, cb, sb) in &pairs {
        assert_eq!((ca, sa + 1), (cb, *sb));
    }
    let used = report.chains.iter().filter(|(_, seq, _)| *seq > 0).count();
    assert!(used > 1, "all writers went to one chain");
    pool.close().await;
}

#[tokio::test]
async fn postgres_server_log_holds_no_nik_after_a_duplicate_nik_conflict() {
    let Some(cluster) = embedded_cluster() else {
        eprintln!("skipped: the server's log is read on the embedded cluster only");
        return;
    };
    // Arrange: an open case with the woman's NIK.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let open = team.case_in(&intake_woman(), "nik_check").await;
    let tch = actor(&app, "rsud", Some("RSUD-TCH")).await;

    // Act: a second open case with the same NIK through the API (refused), several at once
    // (a race the pre-check may miss reaches the unique index), and the index itself hit by
    // the service's role the way the application's INSERT would.
    tch.create_case(&intake_woman())
        .await
        .expect(StatusCode::CONFLICT);
    let racing: Vec<_> = (0..6)
        .map(|_| {
            let http = tch.http.clone();
            let url = app.url("/api/v1/cases");
            tokio::spawn(async move { http.post(url).json(&intake_man()).send().await })
        })
        .collect();
    for r in racing {
        let _ = r.await;
    }
    let violation = sqlx::query(
        "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date, \
         has_identity_document, nik, kk_number, domicile_kab_kota_code, admission_date, \
         service_type, ward_class, jkn_status) \
         SELECT number || '-DUP', state, hospital_id, created_by, full_name, sex, birth_date, \
         has_identity_document, nik, kk_number, domicile_kab_kota_code, admission_date, \
         service_type, ward_class, jkn_status FROM cases WHERE id = $1",
    )
    .bind(open)
    .execute(&app.app_pool)
    .await
    .expect_err("a second open case with the same NIK");
    assert!(
        db::is_constraint(&violation, "cases_open_nik_key"),
        "{violation}"
    );

    // Assert: the server logged the violation, without the key's value (nor any statement).
    let log_path = cluster.pg_data.join("server.log");
    let mut log = String::new();
    for _ in 0..50 {
        log = String::from_utf8_lossy(&std::fs::read(&log_path).expect("reading server.log"))
            .into_owned();
        if log.contains("cases_open_nik_key") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        log.contains("cases_open_nik_key"),
        "the violation is not in {}",
        log_path.display()
    );
    for nik in [NIK_WOMAN, NIK_MAN, &NIK_WOMAN[6..], &NIK_MAN[6..]] {
        assert!(!log.contains(nik), "server.log holds {nik}");
    }
    assert!(!log.contains("DETAIL:"), "server.log holds a DETAIL line");
    assert!(!log.contains("STATEMENT:"), "server.log holds a statement");
}

#[tokio::test]
async fn an_installation_from_before_the_two_roles_is_handed_over_and_its_log_chained() {
    use std::borrow::Cow;

    use merajut_sehat::pg;
    use sqlx::migrate::Migrator;
    use sqlx::{ConnectOptions, Connection};

    let Some(cluster) = embedded_cluster() else {
        eprintln!("skipped: the upgrade of the embedded cluster needs the embedded cluster");
        return;
    };
    // Arrange: a database as the earlier versions left it: created, migrated up to the audit
    // chain and with its session table made by the superuser, with three audit events.
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = cluster
        .connect_options("postgres")
        .connect()
        .await
        .expect("connecting as the superuser");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("creating the old database");
    let old = sqlx::PgPool::connect_with(cluster.connect_options(&name))
        .await
        .expect("connecting as the superuser");
    let before_chain = merajut_sehat::MIGRATOR
        .migrations
        .iter()
        .position(|m| m.version == 20261207120000)
        .expect("the audit chain migration");
    Migrator {
        migrations: Cow::Owned(merajut_sehat::MIGRATOR.migrations[..before_chain].to_vec()),
        ..Migrator::DEFAULT
    }
    .run(&old)
    .await
    .expect("the earlier migrations");
    tower_sessions_sqlx_store::PostgresStore::new(old.clone())
        .migrate()
        .await
        .expect("the session table");
    for event in ["user.bootstrap_admin", "user.create", "user.reset_password"] {
        sqlx::query("INSERT INTO audit_log (event, detail) VALUES ($1, '{\"old\": true}')")
            .bind(event)
            .execute(&old)
            .await
            .expect("an old audit row");
    }
    old.close().await;

    // Act: what a start of this version does.
    pg::prepare_database(cluster, &name)
        .await
        .expect("handing over");
    let owner = sqlx::PgPool::connect_with(cluster.connect_options_as(pg::OWNER_ROLE, &name))
        .await
        .expect("connecting as the owner");
    db::prepare(&owner, Some(pg::APP_ROLE))
        .await
        .expect("migrating as the owner");
    let app_pool = sqlx::PgPool::connect_with(cluster.connect_options_as(pg::APP_ROLE, &name))
        .await
        .expect("connecting as the service");

    // Assert: the owner role owns the database and everything the application made.
    let foreign: Vec<String> = sqlx::query_scalar(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname IN ('public', 'tower_sessions') AND c.relkind IN ('r', 'S', 'v') \
         AND pg_get_userbyid(c.relowner) <> 'merajut_owner' \
         UNION ALL SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = 'public' AND t.typtype = 'e' AND pg_get_userbyid(t.typowner) <> 'merajut_owner' \
         UNION ALL SELECT datname::text FROM pg_database WHERE datname = current_database() \
         AND pg_get_userbyid(datdba) <> 'merajut_owner'",
    )
    .fetch_all(&owner)
    .await
    .expect("reading the owners");
    assert_eq!(foreign, Vec::<String>::new());
    // The old rows are chain 0, seq 1..3, and verify.
    let old_rows: Vec<(i16, i64, String)> =
        sqlx::query_as("SELECT chain, seq, event FROM audit_log ORDER BY id")
            .fetch_all(&owner)
            .await
            .expect("the old rows");
    assert_eq!(
        old_rows,
        [
            (0, 1, "user.bootstrap_admin".to_string()),
            (0, 2, "user.create".to_string()),
            (0, 3, "user.reset_password".to_string())
        ]
    );
    db::audit::record(&app_pool, None, "after.upgrade", None, json!({}))
        .await
        .expect("the service records");
    let report = db::audit::verify(&app_pool).await.expect("verifying");
    assert_eq!((report.broken, report.rows), (None, 4));
    // The service's role is restricted, may use the session table, and the app starts on it.
    assert_eq!(
        outcome(&app_pool, "UPDATE audit_log SET event = event").await,
        "42501"
    );
    assert_eq!(
        outcome(&app_pool, "DELETE FROM tower_sessions.session WHERE false").await,
        "ok"
    );
    db::readiness(&app_pool)
        .await
        .expect("ready on the service's role");
    // A second start changes nothing and still succeeds.
    pg::prepare_database(cluster, &name)
        .await
        .expect("handing over again");
    db::prepare(&owner, Some(pg::APP_ROLE))
        .await
        .expect("preparing again");

    app_pool.close().await;
    owner.close().await;
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("dropping");
    let _ = admin.close().await;
}

/// Processes preparing the same database at once (the service starting while an operator runs
/// `token create`, two instances started together) all succeed: they grant the service's role
/// its rights one after the other, where two GRANTs on the same table at once fail with "tuple
/// concurrently updated".
#[tokio::test]
async fn concurrent_preparations_of_one_database_all_succeed() {
    // Arrange
    let database = TestDatabase::create().await;
    let owner = database.pool().await;
    let app_pool = database.app_pool().await;
    let role = db::roles::current_role(&app_pool)
        .await
        .expect("the service's role");

    // Act
    let preparations = (0..6).map(|_| db::prepare(&owner, Some(&role)));
    let outcomes = futures_util::future::join_all(preparations).await;

    // Assert
    for outcome in outcomes {
        outcome.expect("a preparation beside others");
    }
    db::readiness(&app_pool)
        .await
        .expect("ready on the service's role");
    app_pool.close().await;
    owner.close().await;
    database.remove();
}
