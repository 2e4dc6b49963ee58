//! `merajut-sehat generate`: generated cases keep the service's invariants, every role's pages
//! answer on them, the workflow goes on from a generated open case, the service registers its
//! next case after them, and the generator refuses a database holding real cases.

use std::collections::HashMap;

use merajut_sehat::config::GenerateArgs;
use merajut_sehat::generate;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// Cases of the test run: enough for open cases at most desks.
const CASES: u64 = 2000;

fn args(cases: u64, seed: u64) -> GenerateArgs {
    GenerateArgs {
        cases,
        seed,
        years: 1,
        password: Some(PASSWORD.to_string()),
        force: false,
        batch: 700,
    }
}

/// Cases per state.
async fn states(app: &TestApp) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT state::text, count(*) FROM cases GROUP BY 1")
        .fetch_all(&app.pool)
        .await
        .expect("counting cases")
        .into_iter()
        .collect()
}

#[tokio::test]
async fn generated_cases_keep_the_invariants_and_every_role_reads_them() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let several_batches = GenerateArgs {
        batch: 90,
        ..args(CASES, 7)
    };
    let summary = generate::run(&app.app_pool, &several_batches, app.clock.now())
        .await
        .expect("generating");

    // Assert: how many, and spread over the workflow.
    assert_eq!(summary.cases, CASES);
    let per_state = states(&app).await;
    assert_eq!(per_state.values().sum::<i64>(), CASES as i64);
    let closed: i64 = ["handed_over", "withdrawn", "rejected"]
        .iter()
        .map(|s| per_state.get(*s).copied().unwrap_or(0))
        .sum();
    assert!(
        closed > CASES as i64 * 3 / 4,
        "most cases are closed: {per_state:?}"
    );
    assert_eq!(summary.open_cases as i64, CASES as i64 - closed);
    for open in [
        "nik_check",
        "desil_check",
        "guarantee_review",
        "pbi_proposed",
    ] {
        assert!(
            per_state.get(open).copied().unwrap_or(0) > 0,
            "some cases wait at {open}: {per_state:?}"
        );
    }
    // Every open case has exactly one open desk stay, at its state; closed ones none.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases c \
         WHERE (SELECT count(*) FROM desk_stays s WHERE s.case_id = c.id AND s.left_at IS NULL) \
               <> CASE WHEN c.closed_at IS NULL THEN 1 ELSE 0 END \
            OR EXISTS (SELECT 1 FROM desk_stays s WHERE s.case_id = c.id AND s.left_at IS NULL \
                       AND s.state <> c.state)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("checking stays");
    assert_eq!(mismatched, 0, "cases whose open stay does not match");
    // The history of each case starts with its registration and its last row is the state.
    let broken_history: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases c \
         WHERE (SELECT h.to_state FROM case_history h WHERE h.case_id = c.id \
                ORDER BY h.at DESC, h.id DESC LIMIT 1) <> c.state \
            OR (SELECT h.action FROM case_history h WHERE h.case_id = c.id \
                ORDER BY h.id LIMIT 1) <> 'create' \
            OR c.version <> (SELECT count(*) FROM case_history h WHERE h.case_id = c.id)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("checking history");
    assert_eq!(
        broken_history, 0,
        "cases whose history does not lead to them"
    );
    let handed_over_with_claims: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT c.id) FROM cases c JOIN claims k ON k.case_id = c.id \
         WHERE c.state = 'handed_over' AND k.number ~ '^KLM-[0-9]{4}-[0-9]{6,}$'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("counting claims");
    assert!(handed_over_with_claims > 0, "handed-over cases have claims");
    // Batches are written two at a time; the claims are still numbered in the cases' order.
    let out_of_order: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT split_part(c.number, '-', 3)::bigint AS case_seq, \
                lag(split_part(c.number, '-', 3)::bigint) \
                    OVER (ORDER BY split_part(k.number, '-', 3)::bigint) AS before \
                FROM claims k JOIN cases c ON c.id = k.case_id) x \
         WHERE x.case_seq < x.before",
    )
    .fetch_one(&app.pool)
    .await
    .expect("checking claim numbers");
    assert_eq!(out_of_order, 0, "claims numbered out of the cases' order");

    // Pages of several roles answer on the generated data.
    let pages: &[(&str, &[&str])] = &[
        ("gen_rsud_wzj", &["/antrean", "/kasus-saya"]),
        ("gen_dukcapil_prov", &["/antrean"]),
        ("gen_dinsos_prov", &["/antrean"]),
        ("gen_dinkes_prov", &["/antrean", "/dasbor", "/hambatan"]),
        ("gen_bpjs", &["/antrean"]),
        ("gen_dukcapil_kab_5371", &["/antrean"]),
        (
            "gen_tim",
            &["/pemantauan", "/dasbor", "/hambatan", "/laporan"],
        ),
    ];
    let open_case: Uuid = sqlx::query_scalar(
        "SELECT id FROM cases WHERE state = 'nik_check' AND has_identity_document \
         ORDER BY number LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("an open case at the NIK desk");
    for (username, paths) in pages {
        let client = app.client();
        assert_redirect(&app.login(&client, username, PASSWORD).await, "/");
        for path in *paths {
            let response = app.get(&client, path).await;
            assert_eq!(response.status(), StatusCode::OK, "{username} GET {path}");
        }
        if *username != "gen_rsud_wzj" && *username != "gen_dukcapil_kab_5371" {
            let path = format!("/kasus/{open_case}");
            let response = app.get(&client, &path).await;
            assert_eq!(response.status(), StatusCode::OK, "{username} GET {path}");
        }
    }
}

#[tokio::test]
async fn the_workflow_goes_on_after_generation_and_new_cases_are_numbered_after_it() {
    // Arrange: at a fixed moment. The seed and the moment together decide which cases are
    // open where (the spread is drawn over the time up to now); at this one, seed 11 leaves a
    // case at the NIK desk with its identity document. On the system clock it did so only at
    // some moments, and the test failed now and then.
    let app = spawn_app_at(
        chrono::DateTime::parse_from_rfc3339("2027-03-03T01:00:00Z")
            .expect("a fixed moment")
            .with_timezone(&chrono::Utc),
    )
    .await;
    let summary = generate::run(&app.app_pool, &args(300, 11), app.clock.now())
        .await
        .expect("generating");
    let open_case: Uuid = sqlx::query_scalar(
        "SELECT id FROM cases WHERE state = 'nik_check' AND has_identity_document \
         ORDER BY number LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("an open case at the NIK desk");
    let dukcapil: merajut_sehat::auth::CurrentUser =
        merajut_sehat::db::users::by_username(&app.pool, "gen_dukcapil_prov")
            .await
            .expect("reading the user")
            .expect("the generated Dukcapil user")
            .into();
    let (_, version) = app.case_state(open_case).await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;

    // Act: a generated case moves on; the hospital registers a new one.
    let input: HashMap<String, String> = [
        ("source_system", "siak"),
        ("registry_data", "Terdaftar di SIAK"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let moved = app
        .cases
        .perform(
            &dukcapil,
            open_case,
            version,
            merajut_sehat::domain::Action::VerifyNik,
            &input,
        )
        .await
        .expect("verifying the NIK of a generated case");
    // Admitted today by the application's clock (the helper takes the system's).
    let mut fields = intake_fields("Yohana Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    for (name, value) in &mut fields {
        if name == "admission_date" {
            *value = app.clock.today().to_string();
        }
    }
    let new_case = app.arrange_draft(&pic, &fields).await;

    // Assert
    assert_eq!(moved.state.0.as_str(), "desil_check");
    let number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(new_case)
        .fetch_one(&app.pool)
        .await
        .expect("the new case");
    let serial = |n: &str| -> i64 {
        n.rsplit('-')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a case number: {n}"))
    };
    assert_eq!(serial(&number), serial(&summary.last_number) + 1);
    let audit = app.run_cli(&["audit", "verify"], "").await;
    assert!(
        audit.status.success(),
        "audit verify: {}",
        String::from_utf8_lossy(&audit.stderr)
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_cases() {
    // Arrange
    let first = spawn_app().await;
    let second = spawn_app().await;
    let read = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, String, Option<String>, String)>(
                "SELECT number, state::text, full_name, nik, created_at::text FROM cases \
                 ORDER BY number",
            )
            .fetch_all(&pool)
            .await
            .expect("reading cases")
        }
    };

    // Act
    let at = first.clock.now();
    generate::run(&first.app_pool, &args(150, 3), at)
        .await
        .expect("generating");
    generate::run(&second.app_pool, &args(150, 3), at)
        .await
        .expect("generating");

    // Assert
    let (a, b) = (read(&first).await, read(&second).await);
    assert_eq!(a.len(), 150);
    assert_eq!(a, b);
}

#[tokio::test]
async fn the_generator_refuses_a_database_with_real_cases_unless_forced() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    app.arrange_draft(
        &pic,
        &intake_fields("Yohana Bria", "P", "1990-05-12", NIK_WOMAN, "53.71"),
    )
    .await;

    // Act
    let refused = app
        .run_cli(&["generate", "--cases", "20", "--password", PASSWORD], "")
        .await;
    let forced = app
        .run_cli(
            &[
                "generate",
                "--cases",
                "20",
                "--password",
                PASSWORD,
                "--force",
            ],
            "",
        )
        .await;

    // Assert
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("not made by the generator"),
        "the refusal says why: {message}"
    );
    assert!(
        forced.status.success(),
        "generate --force: {}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let out = String::from_utf8_lossy(&forced.stdout);
    assert!(out.contains("generated 20 cases"), "{out}");
    assert_eq!(states(&app).await.values().sum::<i64>(), 21);
    // The statistics are refreshed for the application's tables, without a warning for each
    // system catalog the owner may not analyze.
    let warnings = String::from_utf8_lossy(&forced.stderr);
    assert!(
        !warnings.contains("only superuser can analyze"),
        "ANALYZE warned: {warnings}"
    );
    let analyzed: bool = sqlx::query_scalar(
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'cases'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("the statistics of cases");
    assert!(analyzed, "cases analyzed after generate");
}
