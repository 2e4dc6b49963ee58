//! Time at each desk: the holiday calendar of the SKB Tiga Menteri, and the desk stays written
//! with every transition (one open stay at the case's desk, the previous one closed at the
//! transition's time, none once the case is closed), read back as working days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use merajut_sehat::db::{cases as db_cases, stays};
use merajut_sehat::domain::sla;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// Checks the stays of case `id` against its history: one stay per state change, each entered
/// when its history row says, closed when the next one was entered; open only at the desk the
/// case is at now (none when it is closed).
async fn assert_stays_follow_history(app: &TestApp, id: Uuid, state_now: &str) {
    let history = db_cases::history(&app.pool, id).await.expect("history");
    let stays = stays::for_case(&app.pool, id).await.expect("stays");
    let open: Vec<_> = stays.iter().filter(|s| s.left_at.is_none()).collect();
    let terminal = ["handed_over", "rejected", "withdrawn"].contains(&state_now);
    if terminal {
        assert!(open.is_empty(), "closed case with an open stay: {stays:?}");
    } else {
        assert_eq!(open.len(), 1, "{stays:?}");
        assert_eq!(open[0].state.0.as_str(), state_now);
    }
    let desks: Vec<_> = history
        .iter()
        .filter(|h| !h.to_state.0.is_terminal())
        .collect();
    assert_eq!(stays.len(), desks.len(), "{stays:?}");
    for (i, (stay, h)) in stays.iter().zip(&desks).enumerate() {
        assert_eq!(stay.state, h.to_state, "stay {i}");
        assert_eq!(stay.entered_at, h.at, "stay {i}");
        assert_eq!(stay.left_at, history.get(i + 1).map(|n| n.at), "stay {i}");
        assert_eq!(stay.domicile_kab_kota_code, "53.71");
    }
}

#[tokio::test]
async fn the_calendar_holds_the_holidays_and_collective_leave_of_2025_and_2026() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let holidays = db_cases::holidays(&app.pool).await.expect("holidays");

    // Assert: holidays and cuti bersama of both SKBs, including the 2025 amendment.
    for d in [
        "2025-03-31", // Idulfitri 1446 H
        "2025-04-07", // cuti bersama Idulfitri
        "2025-08-18", // cuti bersama HUT ke-80 RI (SKB 933/2025)
        "2026-03-19", // Nyepi
        "2026-03-24", // cuti bersama Idulfitri 1447 H
        "2026-12-24", // cuti bersama Natal
    ] {
        assert!(holidays.contains(&day(d)), "{d} is not a holiday");
    }
    assert!(!holidays.contains(&day("2026-03-25")));
    // After Tue 17 March 2026 up to Wed 25 March: only the 25th is a working day (18, 20, 23, 24
    // cuti bersama, 19 Nyepi, 21–22 weekend and Idulfitri).
    assert_eq!(
        sla::working_days_between(day("2026-03-17"), day("2026-03-25"), &holidays),
        1
    );
    // After Fri 28 March 2025 up to Tue 8 April: only the 8th.
    assert_eq!(
        sla::working_days_between(day("2025-03-28"), day("2025-04-08"), &holidays),
        1
    );
}

#[tokio::test]
async fn every_transition_closes_one_stay_and_opens_the_next() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    assert_stays_follow_history(&app, id, "draft").await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);

    // Act / Assert: after each desk's step.
    let path = [
        (&team.rsud, "submit", json!({}), "nik_check"),
        (&team.dukcapil_prov, "verify_nik", json!({}), "desil_check"),
        (
            &team.dinsos_prov,
            "record_desil",
            json!({"source_system": "dtsen", "desil": "5", "registry_data": "Desil 5"}),
            "guarantee_review",
        ),
        (
            &team.dinkes_prov,
            "approve_guarantee",
            json!({}),
            "guaranteed",
        ),
        (&team.dinsos_prov, "propose_pbi", json!({}), "pbi_proposed"),
        (
            &team.bpjs,
            "record_pbi_active",
            json!({"bpjs_card_number": "0001 2345 6789 0", "effective_date": "2026-12-01"}),
            "handed_over",
        ),
    ];
    for (actor, action, fields, state) in path {
        let answer = if fields == json!({}) {
            actor.step(id, action).await
        } else {
            actor.step_with(id, action, fields).await
        };
        assert_eq!(answer.state(), state, "{action}");
        assert_stays_follow_history(&app, id, state).await;
    }
    let stays = stays::for_case(&app.pool, id).await.expect("stays");
    assert_eq!(stays.len(), 6, "draft to pbi_proposed: {stays:?}");
}

#[tokio::test]
async fn a_returned_or_withdrawn_case_moves_its_stay() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    let returned = team.dukcapil_prov.step(id, "return_to_rsud").await;

    // Assert
    assert_eq!(returned.state(), "returned");
    assert_stays_follow_history(&app, id, "returned").await;

    // Act
    let withdrawn = team.rsud.step(id, "withdraw").await;

    // Assert
    assert_eq!(withdrawn.state(), "withdrawn");
    assert_stays_follow_history(&app, id, "withdrawn").await;
}

#[tokio::test]
async fn time_at_a_desk_skips_the_weekend_and_holidays_even_those_entered_later() {
    // Arrange: Wednesday 23 December 2026, 09:00 WITA; the case reaches Disdukcapil's desk.
    let wednesday: DateTime<Utc> = "2026-12-23T01:00:00Z".parse().expect("an instant");
    let app = spawn_app_at(wednesday).await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(id, "submit").await.expect(StatusCode::OK);

    // Act: a week later (Wednesday 30 December) Disdukcapil verifies the NIK.
    app.clock.advance(Duration::days(7));
    let waiting = team.dukcapil_prov.case(id).await;
    team.dukcapil_prov
        .step(id, "verify_nik")
        .await
        .expect(StatusCode::OK);
    app.clock.advance(Duration::days(1));
    let case = team.rsud.case(id).await;

    // Assert: 24 Dec (cuti bersama), 25 Dec (Natal), 26–27 (weekend) do not count: 28, 29, 30
    // are the three working days at the desk.
    assert_eq!(waiting.body["case"]["desk"]["working_days"], 3);
    let days = |case: &Reply| -> Vec<(String, i64)> {
        case.body["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|h| {
                (
                    h["to_state"].as_str().expect("to_state").to_string(),
                    h["working_days_in_state"].as_i64().expect("days"),
                )
            })
            .collect()
    };
    assert_eq!(
        days(&case),
        vec![
            ("draft".to_string(), 0),
            ("nik_check".to_string(), 3),
            ("desil_check".to_string(), 1),
        ]
    );
    assert_stays_follow_history(&app, id, "desil_check").await;

    // Act: the administrator enters a holiday on 29 December afterwards.
    sqlx::query("INSERT INTO holidays (day, name) VALUES ('2026-12-29', 'Libur daerah')")
        .execute(&app.pool)
        .await
        .expect("insert holiday");
    let case = team.rsud.case(id).await;

    // Assert: the stay, read again, counts two working days.
    assert_eq!(days(&case)[1], ("nik_check".to_string(), 2));
}

#[tokio::test]
async fn the_migration_rebuilds_the_stays_of_existing_cases_from_their_history() {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;

    // Arrange: a database before the desk stays, with an open case and a withdrawn one.
    let database = TestDatabase::create_empty().await;
    let pool = database.pool().await;
    let before = merajut_sehat::MIGRATOR
        .migrations
        .iter()
        .position(|m| m.description.contains("desk stays"))
        .expect("the desk stays migration");
    let earlier = Migrator {
        migrations: Cow::Owned(merajut_sehat::MIGRATOR.migrations[..before].to_vec()),
        ..Migrator::DEFAULT
    };
    earlier.run(&pool).await.expect("the earlier migrations");
    let actor: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash, hospital_id) \
         SELECT 'rsud', 'RSUD', 'rsud', 'x', id FROM hospitals WHERE code = 'RSUD-WZJ' \
         RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("a user");
    let t = |h: u32| format!("2026-11-0{h}T01:00:00Z");
    let mut ids = vec![];
    for (number, nik, state, due, closed) in [
        (
            "MS-1",
            "5371025205900001",
            "desil_check",
            Some("2026-11-06"),
            None,
        ),
        ("MS-2", "5371025205900002", "withdrawn", None, Some(t(3))),
    ] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date, \
             has_identity_document, nik, domicile_kab_kota_code, admission_date, \
             service_type, ward_class, jkn_status, sla_due_date, closed_at) \
             SELECT $1, $3::case_state, h.id, $4, 'Maria', 'P', '1990-05-12', true, $2, \
             '53.71', '2026-10-01', 'igd', 'kelas_3', 'tidak_ada', $5::date, $6::timestamptz \
             FROM hospitals h WHERE h.code = 'RSUD-WZJ' RETURNING id",
        )
        .bind(number)
        .bind(nik)
        .bind(state)
        .bind(actor)
        .bind(due)
        .bind(closed)
        .fetch_one(&pool)
        .await
        .expect("a case");
        ids.push(id);
    }
    let rows = [
        (ids[0], "create", None, "draft", t(2)),
        (ids[0], "submit", Some("draft"), "nik_check", t(3)),
        (ids[0], "verify_nik", Some("nik_check"), "desil_check", t(4)),
        // An action that leaves the case at its desk starts no new stay.
        (
            ids[0],
            "request_desil_correction",
            Some("desil_check"),
            "desil_check",
            t(5),
        ),
        (ids[1], "create", None, "draft", t(2)),
        (ids[1], "withdraw", Some("draft"), "withdrawn", t(3)),
    ];
    for (case_id, action, from, to, at) in rows {
        sqlx::query(
            "INSERT INTO case_history (case_id, action, from_state, to_state, actor_id, \
             actor_role, at) \
             VALUES ($1, $2, $3::case_state, $4::case_state, $5, 'rsud', $6::timestamptz)",
        )
        .bind(case_id)
        .bind(action)
        .bind(from)
        .bind(to)
        .bind(actor)
        .bind(at)
        .execute(&pool)
        .await
        .expect("a history row");
    }

    // Act
    merajut_sehat::MIGRATOR
        .run(&pool)
        .await
        .expect("the remaining migrations");

    // Assert
    let at = |h: u32| Some(t(h).parse::<DateTime<Utc>>().expect("an instant"));
    let open = stays::for_case(&pool, ids[0]).await.expect("stays");
    let summary: Vec<_> = open
        .iter()
        .map(|s| {
            (
                s.state.0.as_str(),
                Some(s.entered_at),
                s.left_at,
                s.sla_due_date,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("draft", at(2), at(3), None),
            ("nik_check", at(3), at(4), None),
            ("desil_check", at(4), None, Some(day("2026-11-06"))),
        ]
    );
    let closed = stays::for_case(&pool, ids[1]).await.expect("stays");
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0].left_at, at(3));
    pool.close().await;
    database.remove();
}

#[tokio::test]
async fn a_corrected_domicile_moves_the_open_stay_to_its_kab_kota() {
    // Arrange: a draft entered as living in Kota Kupang.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let (_, version) = app.case_state(id).await;
    let mut edit = intake_woman();
    edit["version"] = json!(version);
    edit["domicile_kab_kota_code"] = json!("53.03");

    // Act
    team.rsud
        .put(&format!("/api/v1/cases/{id}"), &edit)
        .await
        .expect(StatusCode::OK);

    // Assert: the draft's stay counts for Kabupaten Kupang now.
    let stays = stays::for_case(&app.pool, id).await.expect("stays");
    assert_eq!(stays.len(), 1, "{stays:?}");
    assert_eq!(stays[0].domicile_kab_kota_code, "53.03");
}
