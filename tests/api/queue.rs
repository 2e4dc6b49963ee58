//! `GET /api/v1/queue`: each role sees the cases awaiting its action in its scope, overdue
//! first, in keyset pages.

use std::collections::HashSet;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

async fn set_due(app: &TestApp, id: Uuid, due: Option<chrono::NaiveDate>) {
    sqlx::query("UPDATE cases SET sla_due_date = $2 WHERE id = $1")
        .bind(id)
        .bind(due)
        .execute(&app.pool)
        .await
        .expect("setting the due date");
}

fn today() -> chrono::NaiveDate {
    merajut_sehat::clock::Clock::system().today()
}

#[tokio::test]
async fn each_role_sees_only_what_awaits_it_in_its_scope() {
    // Arrange: cases at every desk, at two hospitals in two kab/kota.
    let app = spawn_app().await;
    let wzj = Team::new(&app).await;
    let tch = Team::at(&app, "RSUD-TCH", "53.10").await;
    let sikka_dinsos = &tch.dinsos_kab;
    let tim = actor(&app, "tim", None).await;
    let desil_8 = json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"});

    let draft = wzj.case_in(&intake_serial(1, "53.71"), "draft").await;
    let nik_check = wzj.case_in(&intake_serial(2, "53.71"), "nik_check").await;
    let tch_draft = tch.case_in(&intake_serial(3, "53.10"), "draft").await;
    let tch_nik_check = tch.case_in(&intake_serial(4, "53.10"), "nik_check").await;
    let desil_check = wzj.case_in(&intake_serial(5, "53.71"), "desil_check").await;
    let correction = wzj.case_in(&intake_serial(6, "53.71"), "desil_check").await;
    wzj.dinsos_prov
        .step_with(correction, "record_desil", desil_8.clone())
        .await;
    wzj.rsud
        .upload(correction, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    wzj.rsud.step(correction, "submit_sktm").await;
    let sktm = wzj.case_in(&intake_serial(7, "53.71"), "desil_check").await;
    wzj.dinsos_prov
        .step_with(sktm, "record_desil", desil_8.clone())
        .await;
    let referral = wzj.case_in(&intake_serial(8, "53.71"), "nik_check").await;
    wzj.dukcapil_prov.step(referral, "refer_to_kab").await;
    let tch_referral = tch.case_in(&intake_serial(9, "53.10"), "nik_check").await;
    tch.dukcapil_prov.step(tch_referral, "refer_to_kab").await;
    let proposed = wzj
        .case_in(&intake_serial(10, "53.71"), "pbi_proposed")
        .await;
    let guaranteed = wzj.case_in(&intake_serial(11, "53.71"), "guaranteed").await;
    let withdrawn = wzj.case_in(&intake_serial(12, "53.71"), "nik_check").await;
    wzj.rsud.step(withdrawn, "withdraw").await;
    let returned = wzj.case_in(&intake_serial(13, "53.71"), "nik_check").await;
    wzj.dukcapil_prov.step(returned, "return_to_rsud").await;
    let handed_over = wzj
        .case_in(&intake_serial(14, "53.71"), "pbi_proposed")
        .await;
    wzj.bpjs.step(handed_over, "record_pbi_active").await;

    let dinkes_kab = actor(&app, "dinkes_kab", Some("53.71")).await;

    for (who, expected) in [
        (&wzj.rsud, vec![draft, sktm, returned]),
        (&tch.rsud, vec![tch_draft]),
        (&wzj.dukcapil_prov, vec![nik_check, tch_nik_check]),
        (&wzj.dukcapil_kab, vec![referral]),
        (&tch.dukcapil_kab, vec![tch_referral]),
        (&wzj.dinsos_prov, vec![desil_check, guaranteed]),
        (&wzj.dinsos_kab, vec![correction]),
        (sikka_dinsos, vec![]),
        (&wzj.dinkes_prov, vec![correction]),
        (&wzj.bpjs, vec![proposed]),
        // The roles that watch hold no desk: nothing waits for them (see
        // `monitoring_roles_get_an_empty_queue_that_says_where_to_look`).
        (&tim, vec![]),
        (&dinkes_kab, vec![]),
    ] {
        // Act
        let ids = who.queue_ids().await;

        // Assert
        assert_eq!(
            sorted(ids),
            sorted(expected),
            "queue of {} {:?}",
            who.user.role.as_str(),
            who.user.username
        );
    }
}

#[tokio::test]
async fn queue_items_mask_the_nik_and_offer_the_desk_actions() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    let page = team.dukcapil_prov.queue(None, None).await;

    // Assert
    page.expect(StatusCode::OK);
    let item = &page.body["items"][0];
    assert_eq!(item["id"], id.to_string());
    assert_eq!(item["patient"]["nik"], "5371********0001");
    let actions: Vec<&str> = item["available_actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(actions.contains(&"verify_nik"), "{actions:?}");
    assert!(actions.contains(&"refer_to_kab"), "{actions:?}");
    assert!(page.body["next_cursor"].is_null());
}

#[tokio::test]
async fn overdue_case_comes_first() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    for serial in 1..=3 {
        team.case_in(&intake_serial(serial, "53.71"), "nik_check")
            .await;
    }
    let before = item_ids(&team.dukcapil_prov.queue(None, None).await.body);
    let late = *before.last().expect("three cases");
    set_due(&app, late, Some(today() - Duration::days(5))).await;

    // Act
    let page = team.dukcapil_prov.queue(None, None).await;

    // Assert
    page.expect(StatusCode::OK);
    let ids = item_ids(&page.body);
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], late, "the overdue case should come first");
    assert_eq!(page.body["items"][0]["desk"]["overdue"], true);
    assert_eq!(page.body["items"][1]["desk"]["overdue"], false);
    let read = team.dukcapil_prov.case(late).await;
    assert_eq!(read.body["case"]["desk"]["overdue"], true);
}

#[tokio::test]
async fn keyset_pages_walk_every_item_exactly_once() {
    // Arrange: seven cases at one desk, with equal, earlier and missing due dates.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut created = vec![];
    for serial in 1..=7 {
        created.push(
            team.case_in(&intake_serial(serial, "53.71"), "nik_check")
                .await,
        );
    }
    set_due(&app, created[1], Some(today() - Duration::days(3))).await;
    set_due(&app, created[4], Some(today() - Duration::days(3))).await;
    set_due(&app, created[5], None).await;
    set_due(&app, created[6], Some(today() - Duration::days(10))).await;
    let full = item_ids(&team.dukcapil_prov.queue(None, Some(200)).await.body);

    // Act
    let mut walked = vec![];
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = team.dukcapil_prov.queue(cursor.as_deref(), Some(2)).await;
        page.expect(StatusCode::OK);
        pages += 1;
        let ids = item_ids(&page.body);
        assert!(ids.len() <= 2);
        walked.extend(ids);
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }

    // Assert
    assert_eq!(pages, 4);
    assert_eq!(walked, full, "pages differ from the whole queue");
    let unique: HashSet<Uuid> = walked.iter().copied().collect();
    assert_eq!(unique.len(), walked.len(), "an item appeared twice");
    assert_eq!(unique, created.iter().copied().collect::<HashSet<_>>());
    assert_eq!(walked[0], created[6]);
    assert_eq!(*walked.last().expect("items"), created[5]);
}

#[tokio::test]
async fn invalid_cursor_is_a_bad_request() {
    // Arrange
    let app = spawn_app().await;
    let dukcapil = actor(&app, "dukcapil_prov", None).await;

    // Act
    let r = dukcapil.queue(Some("bukan-kursor"), Some(2)).await;

    // Assert
    r.expect(StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "bad_request");
}

/// Creates a case (serial `serial`) waiting in `state`, each step taken by its desk.
#[tokio::test]
async fn a_limit_that_is_no_number_is_a_field_error_naming_it() {
    // Arrange: found by the API fuzzer (`tests/api/fuzz.rs`), which got the framework's 400.
    let app = spawn_app().await;
    let dukcapil = actor(&app, "dukcapil_prov", None).await;

    for limit in ["abc", "%2B%C3%88", "1.5", "99999999999999999999"] {
        // Act
        let r = dukcapil.get(&format!("/api/v1/queue?limit={limit}")).await;

        // Assert
        r.expect_field_error("limit", "bilangan bulat");
    }
    dukcapil
        .get("/api/v1/queue?limit=500")
        .await
        .expect(StatusCode::OK);
}

async fn case_waiting_in(team: &Team, serial: u32, state: &str) -> Uuid {
    let intake = intake_serial(serial, "53.71");
    match state {
        "draft" | "nik_check" | "desil_check" | "guarantee_review" | "guaranteed"
        | "pbi_proposed" | "pbpu_review" | "pbpu_proposed" => team.case_in(&intake, state).await,
        "nik_referral" => {
            let id = team.case_in(&intake, "nik_check").await;
            team.dukcapil_prov.step(id, "refer_to_kab").await;
            id
        }
        "identity_recording" => {
            let mut v = intake_without_identity();
            v["full_name"] = json!(format!("Tanpa identitas {serial}"));
            let id = team.create(&v).await;
            team.rsud.step(id, "submit").await;
            team.dukcapil_prov.step(id, "refer_to_kab").await;
            team.dukcapil_kab.step(id, "require_recording").await;
            id
        }
        "sktm_required" => {
            let id = team.case_in(&intake, "desil_check").await;
            team.dinsos_prov
                .step_with(
                    id,
                    "record_desil",
                    json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
                )
                .await;
            id
        }
        "returned" => {
            let id = team.case_in(&intake, "nik_check").await;
            team.dukcapil_prov.step(id, "return_to_rsud").await;
            id
        }
        other => panic!("no arrangement for a case waiting in {other}: add one"),
    }
}

#[tokio::test]
async fn every_open_state_is_in_the_queue_of_its_desk_owner_and_no_other() {
    use merajut_sehat::domain::CaseState;

    // Arrange: one case in every open state.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let open: Vec<CaseState> = CaseState::ALL
        .iter()
        .copied()
        .filter(|s| !s.is_terminal())
        .collect();
    let mut cases = vec![];
    for (serial, state) in (1u32..).zip(&open) {
        let id = case_waiting_in(&team, serial, state.as_str()).await;
        assert_eq!(snapshot(&app, id).await.state, state.as_str());
        cases.push((*state, id));
    }
    let desks = [
        &team.rsud,
        &team.dukcapil_prov,
        &team.dukcapil_kab,
        &team.dinsos_prov,
        &team.dinsos_kab,
        &team.dinkes_prov,
        &team.bpjs,
    ];

    // Act
    let mut queues = vec![];
    for desk in desks {
        queues.push((desk.user.role, desk.queue_ids().await));
    }

    // Assert: each case is in exactly one working queue, its desk owner's, and that owner is
    // offered something to do with it.
    for (state, id) in &cases {
        let owner = state.desk().expect("open states have a desk");
        let holders: Vec<_> = queues
            .iter()
            .filter(|(_, ids)| ids.contains(id))
            .map(|(role, _)| *role)
            .collect();
        assert_eq!(
            holders,
            [owner],
            "{state:?} is in the queues of {holders:?}"
        );
        let owner_actor = desks
            .iter()
            .find(|d| d.user.role == owner)
            .expect("a desk per owner");
        let offered = owner_actor.case(*id).await.body["case"]["available_actions"].clone();
        let offered: Vec<&str> = offered
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(Value::as_str)
            .filter(|a| *a != "withdraw")
            .collect();
        assert!(
            !offered.is_empty(),
            "{state:?}: {owner:?} is offered nothing"
        );
    }
}

#[tokio::test]
async fn a_guaranteed_case_waiting_for_its_desil_correction_is_dinsos_kabs_alone() {
    // Arrange: desil 8, SKTM, guarantee approved before the correction.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
        )
        .await;
    team.rsud
        .upload(id, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(id, "submit_sktm").await;

    // Assert: during guarantee review both work in parallel.
    assert!(team.dinkes_prov.queue_ids().await.contains(&id));
    assert!(team.dinsos_kab.queue_ids().await.contains(&id));

    // Act
    team.dinkes_prov.step(id, "approve_guarantee").await;

    // Assert: then only the correction is left to do, by Dinsos kab/kota.
    assert!(team.dinsos_kab.queue_ids().await.contains(&id));
    assert!(!team.dinsos_prov.queue_ids().await.contains(&id));
    assert!(!team.dinkes_prov.queue_ids().await.contains(&id));
    // Once recorded (corrected to 4), it is Dinsos prov's to propose PBI.
    team.dinsos_kab.step(id, "record_desil_correction").await;
    assert!(team.dinsos_prov.queue_ids().await.contains(&id));
    assert!(!team.dinsos_kab.queue_ids().await.contains(&id));
}

#[tokio::test]
async fn monitoring_roles_get_an_empty_queue_that_says_where_to_look() {
    // Arrange: open cases at several desks of Kota Kupang, one of them overdue.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let waiting = team.case_in(&intake_serial(1, "53.71"), "nik_check").await;
    team.case_in(&intake_serial(2, "53.71"), "guaranteed").await;
    set_due(&app, waiting, Some(today() - Duration::days(3))).await;
    let tim = actor(&app, "tim", None).await;
    let dinkes_kab = actor(&app, "dinkes_kab", Some("53.71")).await;

    for who in [&tim, &dinkes_kab] {
        // Act
        let page = who.queue(None, None).await;

        // Assert: no case, no next page, and a statement that points to the monitoring list,
        // as the "Antrean saya" page of these roles leads to /pemantauan.
        page.expect(StatusCode::OK);
        assert_eq!(page.body["items"], json!([]), "{}", page.body);
        assert_eq!(page.body["next_cursor"], Value::Null);
        let note = page.body["note"].as_str().expect("a note");
        assert!(
            note.contains("/pemantauan") && note.contains("tidak memegang meja"),
            "{note}"
        );
    }

    // Assert: a role with a desk still gets its cases, and no note.
    let dukcapil = team.dukcapil_prov.queue(None, None).await;
    assert_eq!(item_ids(&dukcapil.body), vec![waiting]);
    assert_eq!(dukcapil.body["note"], Value::Null);
}
