//! Rules the database enforces by itself, whatever the code above it does.

use merajut_sehat::db;
use merajut_sehat::db::users::{CreateUserError, NewUser};
use merajut_sehat::domain::Role;

use crate::helpers::*;

fn user<'a>(username: &'a str, role: Role) -> NewUser<'a> {
    NewUser {
        username,
        display_name: "Uji",
        role,
        hospital_id: None,
        kab_kota_code: None,
        password_hash: "tidak-dipakai",
        must_change_password: false,
    }
}

#[tokio::test]
async fn database_refuses_a_role_without_its_scope() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let pic = db::users::create(&app.pool, &user("pic.tanpa.rs", Role::Rsud)).await;
    let kab = db::users::create(&app.pool, &user("dinsos.tanpa.kab", Role::DinsosKab)).await;

    // Assert
    for result in [pic, kab] {
        let err = result.expect_err("a user without the scope of its role was stored");
        assert!(
            matches!(&err, CreateUserError::Database(e) if db::is_constraint(e, "users_scope_fits_role")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn database_refuses_a_scope_the_role_does_not_take() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let result = db::users::create(
        &app.pool,
        &NewUser {
            kab_kota_code: Some("53.71"),
            ..user("admin.kab", Role::Admin)
        },
    )
    .await;

    // Assert
    let err = result.expect_err("an administrator with a kab/kota was stored");
    assert!(
        matches!(&err, CreateUserError::Database(e) if db::is_constraint(e, "users_scope_fits_role")),
        "{err}"
    );
}

#[tokio::test]
async fn database_refuses_a_taken_username() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("maria", "tim", None, PASSWORD).await;

    // Act
    let result = db::users::create(&app.pool, &user("maria", Role::Bpjs)).await;

    // Assert
    let err = result.expect_err("a second maria was stored");
    assert!(
        matches!(&err, CreateUserError::UsernameTaken(name) if name == "maria"),
        "{err}"
    );
}

#[tokio::test]
async fn database_case_states_and_service_levels_match_the_domain() {
    use merajut_sehat::domain::{CaseState, sla};

    // Arrange
    let app = spawn_app().await;

    // Act
    let states: Vec<String> =
        sqlx::query_scalar("SELECT unnest(enum_range(NULL::case_state))::text")
            .fetch_all(&app.pool)
            .await
            .expect("reading the enum");
    let mut slas: Vec<(String, i32)> =
        sqlx::query_as("SELECT state::text, working_days FROM sla_settings ORDER BY state")
            .fetch_all(&app.pool)
            .await
            .expect("reading the service levels");

    // Assert: the same states in the same order, and a service level for every desk that has
    // one by default (pbpu_review 5, pbpu_proposed 30 working days).
    let domain: Vec<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(states, domain);
    let mut expected: Vec<(String, i32)> = CaseState::ALL
        .iter()
        .filter_map(|s| {
            Some((
                s.as_str().to_string(),
                i32::try_from(sla::default_sla_days(*s)?).ok()?,
            ))
        })
        .collect();
    slas.sort();
    expected.sort();
    assert_eq!(slas, expected);
}

#[tokio::test]
async fn cases_verified_before_the_identity_migration_keep_what_was_verified() {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;

    // Arrange: a database at the first two migrations, with a verified case and a draft.
    let database = TestDatabase::create_empty().await;
    let pool = database.pool().await;
    let first_two = Migrator {
        migrations: Cow::Owned(merajut_sehat::MIGRATOR.migrations[..2].to_vec()),
        ..Migrator::DEFAULT
    };
    first_two
        .run(&pool)
        .await
        .expect("the first two migrations");
    let actor: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash) \
         VALUES ('dukcapil', 'Dukcapil', 'dukcapil_prov', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("a user");
    let mut ids = vec![];
    for (number, nik, state) in [
        ("MS-1", "5371025205900001", "desil_check"),
        ("MS-2", "5371025205900002", "draft"),
    ] {
        let id: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date, \
             has_identity_document, nik, kk_number, domicile_kab_kota_code, admission_date, \
             service_type, ward_class, jkn_status) \
             SELECT $1, $3::case_state, h.id, $4, 'Maria', 'P', '1990-05-12', true, $2, \
             '5371021203150004', '53.71', '2026-10-01', 'igd', 'kelas_3', 'tidak_ada' \
             FROM hospitals h WHERE h.code = 'RSUD-WZJ' RETURNING id",
        )
        .bind(number)
        .bind(nik)
        .bind(state)
        .bind(actor)
        .fetch_one(&pool)
        .await
        .expect("a case");
        ids.push(id);
    }
    sqlx::query(
        "INSERT INTO case_history (case_id, action, from_state, to_state, actor_id, actor_role) \
         VALUES ($1, 'verify_nik', 'nik_check', 'desil_check', $2, 'dukcapil_prov')",
    )
    .bind(ids[0])
    .bind(actor)
    .execute(&pool)
    .await
    .expect("a history row");

    // Act
    merajut_sehat::MIGRATOR
        .run(&pool)
        .await
        .expect("the remaining migrations");

    // Assert
    let verified: Vec<(Option<String>, Option<String>, bool)> = sqlx::query_as(
        "SELECT verified_nik, verified_kk, identity_verified_at IS NOT NULL FROM cases \
         ORDER BY number",
    )
    .fetch_all(&pool)
    .await
    .expect("reading the cases");
    assert_eq!(
        verified,
        [
            (
                Some("5371025205900001".to_string()),
                Some("5371021203150004".to_string()),
                true
            ),
            (None, None, false),
        ]
    );
    pool.close().await;
    database.remove();
}

#[tokio::test]
async fn the_database_server_logs_no_key_values() {
    // Arrange: a unique violation's DETAIL line would name the key (an NIK, a username), a
    // failing or slow statement's text or parameters the values it carries.
    let app = spawn_app().await;

    for (name, expected) in merajut_sehat::pg::LOG_SETTINGS {
        // Act
        let value: String = sqlx::query_scalar(&format!("SHOW {name}"))
            .fetch_one(&app.pool)
            .await
            .expect("a setting");

        // Assert
        assert_eq!(
            &value, expected,
            "set {name} = {expected} on this PostgreSQL server (docs/operations.md, \"Logs\")"
        );
    }
}
