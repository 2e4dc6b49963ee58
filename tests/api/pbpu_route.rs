//! The PBPU Pemda route (Kepgub NTT 99/2025) through the JSON API: from a refused PBI proposal,
//! and from `guaranteed` when PBI is not possible. Each desk finds the case in its queue before
//! acting, and nobody else's queue holds it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The action names of a case's history, oldest first.
fn actions(case: &Reply) -> Vec<String> {
    case.body["history"]
        .as_array()
        .expect("history is an array")
        .iter()
        .map(|h| h["action"].as_str().expect("action").to_string())
        .collect()
}

/// Asserts that the case is in the queue of `owner` and of no other working desk of `team`.
async fn assert_only_in_queue_of(team: &Team, owner: &Actor, id: Uuid) {
    for desk in [
        &team.rsud,
        &team.dukcapil_prov,
        &team.dukcapil_kab,
        &team.dinsos_prov,
        &team.dinsos_kab,
        &team.dinkes_prov,
        &team.bpjs,
    ] {
        let queued = desk.queue_ids().await.contains(&id);
        assert_eq!(
            queued,
            desk.user.id == owner.user.id,
            "case in the queue of {}: {queued}",
            desk.user.role.as_str()
        );
    }
}

fn available(reply: &Reply) -> Vec<String> {
    reply.body["case"]["available_actions"]
        .as_array()
        .expect("available_actions")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn refused_pbi_goes_to_dinkes_then_bpjs_and_is_handed_over_as_pbpu_pemda() {
    // Arrange: a guaranteed case proposed for PBI JKN.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "pbi_proposed").await;
    assert_only_in_queue_of(&team, &team.bpjs, id).await;

    // Act: BPJS records that Kemensos refused the PBI proposal.
    let refused = team.bpjs.step(id, "record_pbi_refused").await;

    // Assert: the case waits at Dinkes prov, not back at Dinsos.
    assert_eq!(refused.state(), "pbpu_review");
    let c = &refused.body["case"];
    assert_eq!(c["desk"]["role"], "dinkes_prov");
    assert_eq!(c["desk"]["sla_days"], 5);
    assert_eq!(
        c["scheme"],
        json!({"code": "pbpu_pemda", "label": "PBPU Pemda", "active": false})
    );
    assert_only_in_queue_of(&team, &team.dinkes_prov, id).await;
    let seen = team.dinkes_prov.case(id).await;
    assert_eq!(available(&seen), ["enrol_pbpu_pemda", "withdraw"]);
    assert!(available(&team.dinsos_prov.case(id).await).is_empty());

    // Act: Dinkes decides the enrolment.
    let enrolled = team
        .dinkes_prov
        .step_with(
            id,
            "enrol_pbpu_pemda",
            json!({"payer": "pemkab_asal", "decided_on": PAST, "decision_reference": "ND/440/2026/9"}),
        )
        .await;

    // Assert: BPJS registers it next; the decision is on the case.
    assert_eq!(enrolled.state(), "pbpu_proposed");
    let c = &enrolled.body["case"];
    assert_eq!(c["desk"]["role"], "bpjs");
    assert_eq!(c["desk"]["sla_days"], 30);
    assert_eq!(c["pbpu"]["payer"], "pemkab_asal");
    assert_eq!(c["pbpu"]["decided_on"], PAST);
    assert_eq!(c["pbpu"]["reference"], "ND/440/2026/9");
    assert_eq!(c["coverage"], Value::Null, "not active before BPJS says so");
    assert_only_in_queue_of(&team, &team.bpjs, id).await;
    assert_eq!(available(&team.bpjs.case(id).await), ["record_pbpu_active"]);

    // Act: BPJS records the membership active.
    let active = team
        .bpjs
        .step_with(
            id,
            "record_pbpu_active",
            json!({"bpjs_card_number": "0009 8765 4321 0", "effective_date": "2026-12-15"}),
        )
        .await;

    // Assert
    assert_eq!(active.state(), "handed_over");
    let c = &active.body["case"];
    assert_eq!(c["coverage"]["scheme"], "pbpu_pemda");
    assert_eq!(c["coverage"]["bpjs_card_number"], "0009876543210");
    assert_eq!(c["coverage"]["effective_date"], "2026-12-15");
    assert_eq!(c["scheme"]["active"], true);
    // The temporary guarantee ends the day before the membership starts.
    assert_eq!(c["guarantee"]["end_date"], "2026-12-14");
    assert!(c["closed_at"].is_string());
    let case = team.dinkes_prov.case(id).await;
    assert_eq!(
        actions(&case)[5..],
        [
            "propose_pbi",
            "record_pbi_refused",
            "enrol_pbpu_pemda",
            "record_pbpu_active"
        ]
    );
    let history = case.body["history"].as_array().expect("history");
    assert_eq!(history[6]["from_state"], "pbi_proposed");
    assert_eq!(history[6]["to_state"], "pbpu_review");
    assert_eq!(history[7]["actor_role"], "dinkes_prov");
    assert_eq!(history[7]["evidence"]["payer"], "pemkab_asal");
    assert_eq!(history[8]["actor_role"], "bpjs");
    let stored: (Option<String>, Option<chrono::NaiveDate>) =
        sqlx::query_as("SELECT pbpu_payer, pbpu_decided_on FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("reading the decision");
    assert_eq!(stored.0.as_deref(), Some("pemkab_asal"));
    assert_eq!(stored.1.map(|d| d.to_string()).as_deref(), Some(PAST));
}

#[tokio::test]
async fn desil_above_5_not_corrected_goes_from_guaranteed_to_pbpu_pemda() {
    // Arrange: desil 9, SKTM submitted, the guarantee approved while Dinsos kab/kota has not
    // yet recorded the correction.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "9", "registry_data": "Desil 9"}),
        )
        .await;
    team.rsud
        .upload(id, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(id, "submit_sktm").await;
    let guaranteed = team.dinkes_prov.step(id, "approve_guarantee").await;
    assert_eq!(guaranteed.state(), "guaranteed");

    // Assert: while the correction is pending, the case is Dinsos kab/kota's alone, and
    // Dinsos prov may propose neither scheme.
    assert_only_in_queue_of(&team, &team.dinsos_kab, id).await;
    assert!(available(&team.dinsos_prov.case(id).await).is_empty());
    let before = snapshot(&app, id).await;
    let early = team
        .dinsos_prov
        .act(
            id,
            "propose_pbpu",
            i64::from(before.version),
            valid_fields("propose_pbpu"),
        )
        .await;
    early.expect(StatusCode::CONFLICT);
    assert!(
        early.message().contains("Koreksi desil"),
        "{}",
        early.message()
    );
    assert_unchanged(&app, &team.dinsos_prov, id, &before).await;

    // Act: the desil is not corrected.
    team.dinsos_kab
        .step_with(
            id,
            "record_desil_correction",
            json!({"corrected": "tidak", "note": "Tidak memenuhi kriteria penurunan"}),
        )
        .await;

    // Assert: now it is Dinsos prov's, which is offered PBPU Pemda and refused PBI.
    assert_only_in_queue_of(&team, &team.dinsos_prov, id).await;
    assert_eq!(
        available(&team.dinsos_prov.case(id).await),
        ["propose_pbpu"]
    );
    let before = snapshot(&app, id).await;
    let pbi = team
        .dinsos_prov
        .act(
            id,
            "propose_pbi",
            i64::from(before.version),
            valid_fields("propose_pbi"),
        )
        .await;
    pbi.expect(StatusCode::CONFLICT);
    assert!(pbi.message().contains("desil 1–5"), "{}", pbi.message());

    // Act: the PBPU Pemda route, desk by desk.
    let proposed = team.dinsos_prov.step(id, "propose_pbpu").await;
    assert_eq!(proposed.state(), "pbpu_review");
    assert_only_in_queue_of(&team, &team.dinkes_prov, id).await;
    let enrolled = team.dinkes_prov.step(id, "enrol_pbpu_pemda").await;
    assert_eq!(enrolled.state(), "pbpu_proposed");
    assert_only_in_queue_of(&team, &team.bpjs, id).await;
    let active = team.bpjs.step(id, "record_pbpu_active").await;

    // Assert
    assert_eq!(active.state(), "handed_over");
    assert_eq!(active.body["case"]["coverage"]["scheme"], "pbpu_pemda");
    assert_eq!(active.body["case"]["guarantee"]["end_date"], "2026-12-14");
    let case = team.rsud.case(id).await;
    assert_eq!(
        actions(&case)[4..],
        [
            "submit_sktm",
            "approve_guarantee",
            "record_desil_correction",
            "propose_pbpu",
            "enrol_pbpu_pemda",
            "record_pbpu_active"
        ]
    );
    assert_eq!(
        case.body["history"][7]["evidence"]["proposal_reference"],
        "USUL-PBPU/2026/3"
    );
}

#[tokio::test]
async fn propose_pbpu_is_refused_for_desil_1_to_5() {
    // Arrange: desil 3, guaranteed: PBI is possible.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dinsos_prov
        .act(
            id,
            "propose_pbpu",
            i64::from(before.version),
            valid_fields("propose_pbpu"),
        )
        .await;

    // Assert
    r.expect(StatusCode::CONFLICT);
    assert!(r.message().contains("usulkan PBI JKN"), "{}", r.message());
    assert_unchanged(&app, &team.dinsos_prov, id, &before).await;
    assert_eq!(available(&team.dinsos_prov.case(id).await), ["propose_pbi"]);
}

#[tokio::test]
async fn old_shortcut_from_guaranteed_to_handed_over_is_gone() {
    // Arrange: a guaranteed case with desil 9 and no correction pending.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    sqlx::query("UPDATE cases SET desil = 9 WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("setting desil 9");
    let before = snapshot(&app, id).await;

    // Act: Dinkes tries to enrol straight from `guaranteed`, as it could before.
    let r = team
        .dinkes_prov
        .act(
            id,
            "enrol_pbpu_pemda",
            i64::from(before.version),
            valid_fields("enrol_pbpu_pemda"),
        )
        .await;

    // Assert
    r.expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dinkes_prov, id, &before).await;
}

#[tokio::test]
async fn pbpu_enrolment_needs_payer_and_decision_date() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "pbpu_review").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dinkes_prov
        .act(
            id,
            "enrol_pbpu_pemda",
            i64::from(before.version),
            json!({"payer": "bpjs", "decided_on": FUTURE}),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_message("payer")
            .starts_with("Penanggung iuran tidak valid")
    );
    assert_eq!(
        r.field_message("decided_on"),
        "Tanggal keputusan tidak boleh di masa depan."
    );
    assert_unchanged(&app, &team.dinkes_prov, id, &before).await;
}
