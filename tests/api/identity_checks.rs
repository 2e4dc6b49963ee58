//! NIK verification needs a NIK, and a NIK or KK number changed after Disdukcapil verified it
//! goes back through NIK verification, with the change in the history (masked).

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// Another valid NIK of the woman of [`intake_woman`] (same birth date and sex, serial 0009).
const NIK_WOMAN_OTHER: &str = "5371025205900009";

fn available(reply: &Reply) -> Vec<String> {
    reply.body["case"]["available_actions"]
        .as_array()
        .expect("available_actions")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

/// The last history row of a case answer.
fn last_step(reply: &Reply) -> Value {
    reply.body["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("a history row")
}

/// The hospital edits the patient of case `id` (returned or waiting for its SKTM) with `edit`
/// applied to the intake of [`intake_woman`].
async fn edit_patient(team: &Team, id: Uuid, edit: impl FnOnce(&mut Value)) {
    let current = team.rsud.case(id).await;
    let mut body = intake_woman();
    edit(&mut body);
    body["version"] = json!(current.version());
    team.rsud
        .put(&format!("/api/v1/cases/{id}"), &body)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_patient_without_a_nik_cannot_be_marked_verified() {
    // Arrange: no identity document, no NIK; submitted to Dukcapil prov.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_without_identity()).await;
    team.rsud.step(id, "submit").await;
    let before = snapshot(&app, id).await;

    // Act
    let offered = team.dukcapil_prov.case(id).await;
    let refused = team
        .dukcapil_prov
        .act(
            id,
            "verify_nik",
            i64::from(before.version),
            valid_fields("verify_nik"),
        )
        .await;

    // Assert: not offered, refused with the reason, nothing changed.
    assert_eq!(available(&offered), ["refer_to_kab", "return_to_rsud"]);
    refused.expect(StatusCode::CONFLICT);
    assert!(
        refused.message().contains("Verifikasi NIK memerlukan NIK"),
        "{}",
        refused.message()
    );
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;

    // The kab/kota Dukcapil may not verify it either; it records the identity instead.
    team.dukcapil_prov.step(id, "refer_to_kab").await;
    let before = snapshot(&app, id).await;
    assert_eq!(
        available(&team.dukcapil_kab.case(id).await),
        ["require_recording", "return_to_rsud"]
    );
    team.dukcapil_kab
        .act(
            id,
            "verify_nik",
            i64::from(before.version),
            valid_fields("verify_nik"),
        )
        .await
        .expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dukcapil_kab, id, &before).await;
    team.dukcapil_kab.step(id, "require_recording").await;
    let recorded = team.dukcapil_kab.step(id, "record_identity").await;
    assert_eq!(recorded.state(), "desil_check");
    assert_eq!(recorded.body["case"]["patient"]["nik"], "5371********0001");
    assert_eq!(snapshot(&app, id).await.nik.as_deref(), Some(NIK_WOMAN));
}

#[tokio::test]
async fn nik_changed_after_verification_is_verified_again_on_resubmit() {
    // Arrange: verified, then returned by Dinsos prov from desil_check.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;
    team.dinsos_prov.step(id, "return_to_rsud").await;
    // An edit that leaves the NIK and KK alone goes back to the desk that returned it.
    edit_patient(&team, id, |b| {
        b["full_name"] = json!("Maria Goreti Bria Seran")
    })
    .await;
    assert_eq!(team.rsud.step(id, "resubmit").await.state(), "desil_check");
    team.dinsos_prov.step(id, "return_to_rsud").await;

    // Act: the hospital corrects the NIK, then sends the case again.
    edit_patient(&team, id, |b| b["nik"] = json!(NIK_WOMAN_OTHER)).await;
    let resubmitted = team.rsud.step(id, "resubmit").await;

    // Assert: Disdukcapil checks the new NIK before Dinsos sees the case again.
    assert_eq!(resubmitted.state(), "nik_check");
    assert_eq!(resubmitted.body["case"]["desk"]["role"], "dukcapil_prov");
    assert!(team.dukcapil_prov.queue_ids().await.contains(&id));
    assert!(!team.dinsos_prov.queue_ids().await.contains(&id));
    let case = team.dukcapil_prov.case(id).await;
    let step = last_step(&case);
    assert_eq!(step["action"], "resubmit");
    assert_eq!(step["from_state"], "returned");
    assert_eq!(step["to_state"], "nik_check");
    assert_eq!(
        step["evidence"]["identity_change"],
        json!({"nik": {"verified": "5371********0001", "now": "5371********0009"}})
    );
    // Numbers are masked in the history: neither NIK appears in full.
    let history = case.body["history"].to_string();
    assert!(!history.contains(NIK_WOMAN), "{history}");
    assert!(!history.contains(NIK_WOMAN_OTHER), "{history}");

    // And the case goes on once the new NIK is verified; a later resubmit without a change
    // goes back to its desk again.
    assert_eq!(
        team.dukcapil_prov.step(id, "verify_nik").await.state(),
        "desil_check"
    );
    team.dinsos_prov.step(id, "return_to_rsud").await;
    let again = team.rsud.step(id, "resubmit").await;
    assert_eq!(again.state(), "desil_check");
    assert_eq!(
        last_step(&team.rsud.case(id).await)["evidence"]["identity_change"],
        Value::Null
    );
}

#[tokio::test]
async fn kk_changed_at_guarantee_review_goes_back_to_nik_check_and_desil_is_looked_up_again() {
    // Arrange: Dinkes returns a case from guarantee_review (desil 3 recorded).
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;
    team.dinkes_prov.step(id, "return_to_rsud").await;

    // Act: a new KK (the family split), and the case sent again.
    edit_patient(&team, id, |b| b["kk_number"] = json!("5371021203150099")).await;
    let resubmitted = team.rsud.step(id, "resubmit").await;

    // Assert
    assert_eq!(resubmitted.state(), "nik_check");
    assert_eq!(resubmitted.body["case"]["desil"], Value::Null);
    let case = team.rsud.case(id).await;
    assert_eq!(
        last_step(&case)["evidence"]["identity_change"],
        json!({"kk_number": {"verified": "5371********0004", "now": "5371********0099"}})
    );
    team.dukcapil_prov.step(id, "verify_nik").await;
    let desil = team.dinsos_prov.step(id, "record_desil").await;
    assert_eq!(desil.state(), "guarantee_review");
}

#[tokio::test]
async fn nik_changed_while_waiting_for_the_sktm_is_verified_before_the_guarantee() {
    // Arrange: desil 8, the hospital must bring an SKTM; it also corrects the NIK.
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
    edit_patient(&team, id, |b| b["nik"] = json!(NIK_WOMAN_OTHER)).await;
    team.rsud
        .upload(id, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);

    // Act
    let sent = team.rsud.step(id, "submit_sktm").await;

    // Assert: to NIK verification, not to Dinkes; no correction task for the old identity.
    assert_eq!(sent.state(), "nik_check");
    assert_eq!(sent.body["case"]["desil_correction_pending"], false);
    assert!(!team.dinsos_kab.queue_ids().await.contains(&id));
    assert!(!team.dinkes_prov.queue_ids().await.contains(&id));
    let step = last_step(&team.rsud.case(id).await);
    assert_eq!(step["action"], "submit_sktm");
    assert_eq!(
        step["evidence"]["identity_change"]["nik"],
        json!({"verified": "5371********0001", "now": "5371********0009"})
    );
    assert_eq!(step["evidence"]["sktm_number"], "470/12/X/2026");
}

#[tokio::test]
async fn a_nik_changed_while_returned_from_nik_check_goes_back_to_nik_check() {
    // Arrange: returned by Dukcapil prov before any verification.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov.step(id, "return_to_rsud").await;
    edit_patient(&team, id, |b| b["nik"] = json!(NIK_WOMAN_OTHER)).await;

    // Act
    let r = team.rsud.step(id, "resubmit").await;

    // Assert: the same desk; nothing was verified, so there is no change to report.
    assert_eq!(r.state(), "nik_check");
    assert_eq!(
        last_step(&team.rsud.case(id).await)["evidence"]["identity_change"],
        Value::Null
    );
}

#[tokio::test]
async fn a_nik_typed_for_a_patient_without_documents_is_recorded_not_verified() {
    // Arrange: registered without an identity document, though the family gave a NIK.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut intake = intake_without_identity();
    intake["nik"] = json!(NIK_WOMAN);
    let id = team.create(&intake).await;
    team.rsud.step(id, "submit").await;
    let before = snapshot(&app, id).await;

    // Act
    let offered = team.dukcapil_prov.case(id).await;
    let refused = team
        .dukcapil_prov
        .act(
            id,
            "verify_nik",
            i64::from(before.version),
            valid_fields("verify_nik"),
        )
        .await;

    // Assert: the provincial desk refers it; the kab/kota desk records the identity, and only
    // the NIK issued there counts.
    assert_eq!(available(&offered), ["refer_to_kab", "return_to_rsud"]);
    refused.expect(StatusCode::CONFLICT);
    assert!(
        refused.message().contains("tanpa dokumen identitas"),
        "{}",
        refused.message()
    );
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
    team.dukcapil_prov.step(id, "refer_to_kab").await;
    assert_eq!(
        available(&team.dukcapil_kab.case(id).await),
        ["require_recording", "return_to_rsud"]
    );
    team.dukcapil_kab.step(id, "require_recording").await;
    let recorded = team.dukcapil_kab.step(id, "record_identity").await;
    assert_eq!(recorded.state(), "desil_check");
}
