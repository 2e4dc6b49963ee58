//! Every path of the case workflow (docs/domain.md §4) end to end through the JSON API, each action
//! taken by a user of the owning role with a bearer token.

use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// `(action, actor_role, from_state, to_state)` of every history row.
fn steps(case: &Reply) -> Vec<(String, String, Option<String>, String)> {
    case.body["history"]
        .as_array()
        .expect("history is an array")
        .iter()
        .map(|h| {
            (
                h["action"].as_str().expect("action").to_string(),
                h["actor_role"].as_str().expect("actor_role").to_string(),
                h["from_state"].as_str().map(str::to_string),
                h["to_state"].as_str().expect("to_state").to_string(),
            )
        })
        .collect()
}

fn step(
    action: &str,
    role: &str,
    from: Option<&str>,
    to: &str,
) -> (String, String, Option<String>, String) {
    (
        action.to_string(),
        role.to_string(),
        from.map(str::to_string),
        to.to_string(),
    )
}

fn date(v: &Value) -> NaiveDate {
    v.as_str()
        .unwrap_or_else(|| panic!("not a date: {v}"))
        .parse()
        .expect("a date")
}

#[tokio::test]
async fn eligible_desil_goes_from_intake_to_handed_over() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);

    // Act: each desk in turn.
    let submitted = team.rsud.step(id, "submit").await;
    let verified = team.dukcapil_prov.step(id, "verify_nik").await;
    let desil = team
        .dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "dtsen", "desil": "5", "registry_data": "Desil 5"}),
        )
        .await;
    let approved = team.dinkes_prov.step(id, "approve_guarantee").await;
    let proposed = team.dinsos_prov.step(id, "propose_pbi").await;
    let active = team
        .bpjs
        .step_with(
            id,
            "record_pbi_active",
            json!({"bpjs_card_number": "0001 2345 6789 0", "effective_date": "2026-12-01"}),
        )
        .await;

    // Assert: each answer is the new case.
    assert_eq!(submitted.state(), "nik_check");
    assert_eq!(verified.state(), "desil_check");
    assert_eq!(desil.state(), "guarantee_review");
    assert_eq!(desil.body["case"]["desil"], "5");
    assert_eq!(approved.state(), "guaranteed");
    assert_eq!(proposed.state(), "pbi_proposed");
    assert_eq!(active.state(), "handed_over");
    assert_eq!(active.version(), 7);

    let case = team.rsud.case(id).await;
    case.expect(StatusCode::OK);
    let c = &case.body["case"];
    assert_eq!(c["state"], "handed_over");
    assert!(c["closed_at"].is_string(), "closed_at not set: {c}");
    assert!(c["submitted_at"].is_string(), "submitted_at not set: {c}");
    assert_eq!(c["coverage"]["scheme"], "pbi_jkn");
    assert_eq!(c["coverage"]["bpjs_card_number"], "0001234567890");
    assert_eq!(c["coverage"]["effective_date"], "2026-12-01");
    // The first letter of this database's year: numbered at approval, not typed.
    assert_eq!(
        c["guarantee"]["letter_number"],
        merajut_sehat::domain::guarantee::letter_number(1, app.clock.today())
    );
    assert_eq!(c["guarantee"]["start_date"], PAST);
    assert_eq!(c["guarantee"]["payer"], "pemprov");
    assert_eq!(c["guarantee"]["ceiling"], 15_000_000);
    // The guarantee ends the day before the PBI effective date.
    assert_eq!(
        date(&c["guarantee"]["end_date"]),
        date(&c["coverage"]["effective_date"]) - Duration::days(1)
    );
    assert_eq!(c["available_actions"], json!([]));
    assert!(c["desk"]["role"].is_null());

    assert_eq!(
        steps(&case),
        vec![
            step("create", "rsud", None, "draft"),
            step("submit", "rsud", Some("draft"), "nik_check"),
            step(
                "verify_nik",
                "dukcapil_prov",
                Some("nik_check"),
                "desil_check"
            ),
            step(
                "record_desil",
                "dinsos_prov",
                Some("desil_check"),
                "guarantee_review"
            ),
            step(
                "approve_guarantee",
                "dinkes_prov",
                Some("guarantee_review"),
                "guaranteed"
            ),
            step(
                "propose_pbi",
                "dinsos_prov",
                Some("guaranteed"),
                "pbi_proposed"
            ),
            step(
                "record_pbi_active",
                "bpjs",
                Some("pbi_proposed"),
                "handed_over"
            ),
        ]
    );
    // Each history row names its actor and the evidence recorded.
    let history = case.body["history"].as_array().expect("history");
    assert!(history.iter().all(|h| h["actor_name"].is_string()));
    assert_eq!(history[2]["evidence"]["source_system"], "siak");
    assert_eq!(history[3]["evidence"]["desil"], "5");
    // The database agrees, including the version each step acted on.
    let versions: Vec<Option<i32>> =
        sqlx::query_scalar("SELECT from_version FROM case_history WHERE case_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .expect("history versions");
    assert_eq!(
        versions,
        vec![None, Some(1), Some(2), Some(3), Some(4), Some(5), Some(6)]
    );
}

#[tokio::test]
async fn desil_decides_between_guarantee_review_and_sktm() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let desils = [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "tidak_terdaftar",
    ];

    for (serial, desil) in (1u32..).zip(desils) {
        let id = team
            .case_in(&intake_serial(serial, "53.71"), "desil_check")
            .await;

        // Act
        let r = team
            .dinsos_prov
            .step_with(
                id,
                "record_desil",
                json!({"source_system": "siks_ng", "desil": desil, "registry_data": "x"}),
            )
            .await;

        // Assert
        let expected = if serial <= 5 {
            "guarantee_review"
        } else {
            "sktm_required"
        };
        assert_eq!(r.state(), expected, "desil {desil}");
        assert_eq!(r.body["case"]["desil"], desil);
    }
}

#[tokio::test]
async fn desil_8_goes_through_sktm_and_desil_correction_to_handed_over() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;

    // Act / Assert: desil 8 sends the case back to the hospital for an SKTM.
    let r = team
        .dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
        )
        .await;
    assert_eq!(r.state(), "sktm_required");
    assert_eq!(r.body["case"]["desk"]["role"], "rsud");

    team.rsud
        .upload(id, "sktm", TEST_PDF, "sktm.pdf")
        .await
        .expect(StatusCode::CREATED);
    let r = team.rsud.step(id, "submit_sktm").await;
    assert_eq!(r.state(), "guarantee_review");
    assert_eq!(r.body["case"]["desil_correction_pending"], true);

    // The correction task is Dinsos kab/kota's (the patient's domicile).
    let r = team
        .dinsos_kab
        .step_with(
            id,
            "record_desil_correction",
            json!({"corrected": "ya", "new_desil": "4", "corrected_on": PAST}),
        )
        .await;
    assert_eq!(r.state(), "guarantee_review");
    assert_eq!(r.body["case"]["desil_correction_pending"], false);
    assert_eq!(r.body["case"]["desil"], "8");
    assert_eq!(r.body["case"]["desil_corrected"], "4");

    assert_eq!(
        team.dinkes_prov.step(id, "approve_guarantee").await.state(),
        "guaranteed"
    );
    assert_eq!(
        team.dinsos_prov.step(id, "propose_pbi").await.state(),
        "pbi_proposed"
    );
    let r = team.bpjs.step(id, "record_pbi_active").await;
    assert_eq!(r.state(), "handed_over");

    let case = team.dinkes_prov.case(id).await;
    let roles: Vec<String> = steps(&case).into_iter().map(|s| s.1).collect();
    let actions: Vec<String> = steps(&case).into_iter().map(|s| s.0).collect();
    assert_eq!(
        actions,
        [
            "create",
            "submit",
            "verify_nik",
            "record_desil",
            "submit_sktm",
            "record_desil_correction",
            "approve_guarantee",
            "propose_pbi",
            "record_pbi_active"
        ]
    );
    assert_eq!(roles[4], "rsud");
    assert_eq!(roles[5], "dinsos_kab");
    assert_eq!(
        case.body["history"][4]["evidence"]["sktm_number"],
        "470/12/X/2026"
    );
}

#[tokio::test]
async fn propose_pbi_is_refused_while_desil_8_is_uncorrected() {
    // Arrange: desil 8, SKTM submitted, guarantee approved before Dinsos kab corrected the desil.
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
    team.dinkes_prov.step(id, "approve_guarantee").await;
    let before = snapshot(&app, id).await;
    assert_eq!(before.state, "guaranteed");

    // Act
    let refused = team
        .dinsos_prov
        .act(
            id,
            "propose_pbi",
            i64::from(before.version),
            valid_fields("propose_pbi"),
        )
        .await;

    // Assert
    refused.expect(StatusCode::CONFLICT);
    assert!(
        refused.message().contains("desil 1–5"),
        "{}",
        refused.message()
    );
    assert_unchanged(&app, &team.dinsos_prov, id, &before).await;

    // The correction recorded in `guaranteed` opens the way.
    let r = team
        .dinsos_kab
        .step_with(
            id,
            "record_desil_correction",
            json!({"corrected": "ya", "new_desil": "4", "corrected_on": PAST}),
        )
        .await;
    assert_eq!(r.state(), "guaranteed");
    assert_eq!(
        team.dinsos_prov.step(id, "propose_pbi").await.state(),
        "pbi_proposed"
    );
}

#[tokio::test]
async fn patient_without_identity_is_recorded_and_gets_the_new_nik() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_without_identity()).await;

    // Act: no NIK, no KTP — the hospital may still submit.
    let submitted = team.rsud.step(id, "submit").await;
    let referred = team.dukcapil_prov.step(id, "refer_to_kab").await;
    let recording = team.dukcapil_kab.step(id, "require_recording").await;
    let recorded = team
        .dukcapil_kab
        .step_with(
            id,
            "record_identity",
            json!({"new_nik": NIK_WOMAN, "ktp_el_issued": true, "recorded_on": PAST, "note": "Perekaman di bangsal"}),
        )
        .await;
    let onward = team.dinsos_prov.step(id, "record_desil").await;

    // Assert
    assert_eq!(submitted.state(), "nik_check");
    assert_eq!(referred.state(), "nik_referral");
    assert_eq!(referred.body["case"]["desk"]["role"], "dukcapil_kab");
    assert_eq!(recording.state(), "identity_recording");
    assert_eq!(recorded.state(), "desil_check");
    // Answered masked (the full number only through a reveal); stored in full.
    assert_eq!(recorded.body["case"]["patient"]["nik"], "5371********0001");
    assert_eq!(
        recorded.body["case"]["patient"]["has_identity_document"],
        true
    );
    assert_eq!(onward.state(), "guarantee_review");

    let case = team.rsud.case(id).await;
    assert_eq!(case.body["case"]["patient"]["nik"], "5371********0001");
    assert_eq!(snapshot(&app, id).await.nik.as_deref(), Some(NIK_WOMAN));
    let s = steps(&case);
    assert_eq!(
        s[2],
        step(
            "refer_to_kab",
            "dukcapil_prov",
            Some("nik_check"),
            "nik_referral"
        )
    );
    assert_eq!(
        s[3],
        step(
            "require_recording",
            "dukcapil_kab",
            Some("nik_referral"),
            "identity_recording"
        )
    );
    assert_eq!(
        s[4],
        step(
            "record_identity",
            "dukcapil_kab",
            Some("identity_recording"),
            "desil_check"
        )
    );
    // The recorded NIK is kept masked in the history, at rest too.
    assert_eq!(
        case.body["history"][4]["evidence"]["new_nik"],
        "5371********0001"
    );
    assert_eq!(
        case.body["history"][2]["reason"],
        "Tidak ditemukan di SIAK provinsi"
    );
}

#[tokio::test]
async fn kab_dukcapil_may_verify_a_referred_nik() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov.step(id, "refer_to_kab").await;

    // Act
    let r = team.dukcapil_kab.step(id, "verify_nik").await;

    // Assert
    assert_eq!(r.state(), "desil_check");
}

#[tokio::test]
async fn case_returned_from_desil_check_goes_back_to_the_same_desk() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;

    // Act
    let returned = team
        .dinsos_prov
        .step_with(
            id,
            "return_to_rsud",
            json!({"reason_code": "data_tidak_sesuai", "reason_text": "Nama di KK berbeda"}),
        )
        .await;
    let queue_while_returned = team.rsud.queue_ids().await;
    let resubmitted = team
        .rsud
        .step_with(id, "resubmit", json!({"note": "KK terbaru diunggah"}))
        .await;

    // Assert
    assert_eq!(returned.state(), "returned");
    assert_eq!(returned.body["case"]["returned_from"], "desil_check");
    assert_eq!(returned.body["case"]["desk"]["role"], "rsud");
    assert!(queue_while_returned.contains(&id));
    assert_eq!(resubmitted.state(), "desil_check");
    assert_eq!(resubmitted.body["case"]["returned_from"], Value::Null);
    assert_eq!(resubmitted.body["case"]["desk"]["role"], "dinsos_prov");

    let case = team.dinsos_prov.case(id).await;
    let s = steps(&case);
    assert_eq!(
        s[3],
        step(
            "return_to_rsud",
            "dinsos_prov",
            Some("desil_check"),
            "returned"
        )
    );
    assert_eq!(
        s[4],
        step("resubmit", "rsud", Some("returned"), "desil_check")
    );
    assert_eq!(
        case.body["history"][3]["reason"],
        "Data tidak sesuai: Nama di KK berbeda"
    );
    assert_eq!(
        case.body["history"][3]["evidence"]["reason_code"],
        "data_tidak_sesuai"
    );
    // And the desk works on.
    assert_eq!(
        team.dinsos_prov.step(id, "record_desil").await.state(),
        "guarantee_review"
    );
}

#[tokio::test]
async fn case_returned_from_nik_check_goes_back_to_nik_check() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    let returned = team.dukcapil_prov.step(id, "return_to_rsud").await;
    // While returned the hospital may fix the patient data.
    let mut fixed = intake_woman();
    fixed["full_name"] = json!("Maria Goreti Bria Seran");
    fixed["version"] = json!(returned.version());
    let edited = team.rsud.put(&format!("/api/v1/cases/{id}"), &fixed).await;
    let resubmitted = team.rsud.step(id, "resubmit").await;

    // Assert
    assert_eq!(returned.body["case"]["returned_from"], "nik_check");
    edited.expect(StatusCode::OK);
    assert_eq!(
        edited.body["case"]["patient"]["full_name"],
        "Maria Goreti Bria Seran"
    );
    assert_eq!(resubmitted.state(), "nik_check");
    assert_eq!(
        team.dukcapil_prov.step(id, "verify_nik").await.state(),
        "desil_check"
    );
}

#[tokio::test]
async fn withdrawal_from_open_states_is_terminal() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let cases = [
        ("draft", "rsud"),
        ("nik_check", "dinkes_prov"),
        ("guarantee_review", "rsud"),
        ("guaranteed", "dinkes_prov"),
        ("desil_check", "rsud"),
        ("pbi_proposed", "dinkes_prov"),
        ("pbpu_review", "rsud"),
        ("pbpu_proposed", "dinkes_prov"),
    ];

    for (serial, (state, by)) in (1u32..).zip(cases) {
        let id = team.case_in(&intake_serial(serial, "53.71"), state).await;
        let who = if by == "rsud" {
            &team.rsud
        } else {
            &team.dinkes_prov
        };

        // Act
        let r = who
            .step_with(
                id,
                "withdraw",
                json!({"reason_code": "pulang_sebelum_jaminan"}),
            )
            .await;

        // Assert
        assert_eq!(r.state(), "withdrawn", "from {state}");
        assert!(r.body["case"]["closed_at"].is_string());
        assert_eq!(r.body["case"]["available_actions"], json!([]));
        let last = steps(&r).pop().expect("a history row");
        assert_eq!(last, step("withdraw", by, Some(state), "withdrawn"));
        // Terminal: every further action is refused and nothing changes.
        let before = snapshot(&app, id).await;
        for (actor, action) in [
            (&team.rsud, "withdraw"),
            (&team.dinkes_prov, "withdraw"),
            (&team.rsud, "submit"),
            (&team.rsud, "resubmit"),
            (&team.dukcapil_prov, "verify_nik"),
            (&team.dinsos_prov, "record_desil"),
            (&team.dinkes_prov, "approve_guarantee"),
            (&team.bpjs, "record_pbi_active"),
            (&team.dinkes_prov, "enrol_pbpu_pemda"),
            (&team.bpjs, "record_pbpu_active"),
        ] {
            let refused = actor
                .act(id, action, i64::from(before.version), valid_fields(action))
                .await;
            assert_eq!(
                refused.status,
                StatusCode::CONFLICT,
                "{action} after withdrawal from {state}: {}",
                refused.body
            );
        }
        assert_unchanged(&app, &team.rsud, id, &before).await;
    }
}

#[tokio::test]
async fn rejected_guarantee_is_terminal() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;

    // Act
    let rejected = team.dinkes_prov.step(id, "reject_guarantee").await;

    // Assert
    assert_eq!(rejected.state(), "rejected");
    assert!(rejected.body["case"]["closed_at"].is_string());
    assert_eq!(
        steps(&rejected).pop().expect("history"),
        step(
            "reject_guarantee",
            "dinkes_prov",
            Some("guarantee_review"),
            "rejected"
        )
    );
    let before = snapshot(&app, id).await;
    for (actor, action) in [
        (&team.dinkes_prov, "approve_guarantee"),
        (&team.dinkes_prov, "withdraw"),
        (&team.rsud, "withdraw"),
        (&team.dinsos_prov, "propose_pbi"),
    ] {
        let r = actor
            .act(id, action, i64::from(before.version), valid_fields(action))
            .await;
        r.expect(StatusCode::CONFLICT);
    }
    assert_unchanged(&app, &team.dinkes_prov, id, &before).await;
    // The NIK is free again for a new episode.
    team.create(&intake_woman()).await;
}

#[tokio::test]
async fn every_desk_may_return_the_case_and_gets_it_back() {
    // Arrange: the returnable desks and who owns them.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let referral = team.case_in(&intake_serial(1, "53.71"), "nik_check").await;
    team.dukcapil_prov.step(referral, "refer_to_kab").await;
    let recording = team.create(&intake_without_identity()).await;
    team.rsud.step(recording, "submit").await;
    team.dukcapil_prov.step(recording, "refer_to_kab").await;
    team.dukcapil_kab.step(recording, "require_recording").await;
    let review = team
        .case_in(&intake_serial(2, "53.71"), "guarantee_review")
        .await;

    for (id, desk, owner) in [
        (referral, "nik_referral", &team.dukcapil_kab),
        (recording, "identity_recording", &team.dukcapil_kab),
        (review, "guarantee_review", &team.dinkes_prov),
    ] {
        // Act
        let returned = owner.step(id, "return_to_rsud").await;
        let back = team.rsud.step(id, "resubmit").await;

        // Assert
        assert_eq!(returned.state(), "returned", "from {desk}");
        assert_eq!(returned.body["case"]["returned_from"], desk);
        assert_eq!(back.state(), desk);
        let s = steps(&back);
        assert_eq!(
            s[s.len() - 2],
            step(
                "return_to_rsud",
                owner.user.role.as_str(),
                Some(desk),
                "returned"
            )
        );
    }
}

#[tokio::test]
async fn only_the_desk_owner_returns_the_case() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;
    let before = snapshot(&app, id).await;

    for who in [&team.dukcapil_prov, &team.dinkes_prov, &team.dinsos_kab] {
        // Act
        let r = who
            .act(
                id,
                "return_to_rsud",
                i64::from(before.version),
                valid_fields("return_to_rsud"),
            )
            .await;

        // Assert
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{}",
            who.user.role.as_str()
        );
    }
    // Not from `guaranteed` either: the guarantee is granted.
    let guaranteed = team.case_in(&intake_serial(3, "53.71"), "guaranteed").await;
    let g = snapshot(&app, guaranteed).await;
    let r = team
        .dinsos_prov
        .act(
            guaranteed,
            "return_to_rsud",
            i64::from(g.version),
            valid_fields("return_to_rsud"),
        )
        .await;
    r.expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dinsos_prov, id, &before).await;
    assert_unchanged(&app, &team.dinsos_prov, guaranteed, &g).await;
}

#[tokio::test]
async fn return_requires_a_reason() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "desil_check").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dinsos_prov
        .act(
            id,
            "return_to_rsud",
            i64::from(before.version),
            json!({"reason_code": "tidak_ada_kode"}),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["reason_code", "reason_text"]);
    assert_unchanged(&app, &team.dinsos_prov, id, &before).await;
}

#[tokio::test]
async fn every_transition_writes_one_history_row_and_one_audit_row() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;

    // Act
    let id = team.case_in(&intake_woman(), "pbi_proposed").await;
    team.bpjs.step(id, "record_pbi_active").await;

    // Assert
    let audit: Vec<(String, Option<uuid::Uuid>)> = sqlx::query_as(
        "SELECT detail->>'action', actor_id FROM audit_log \
         WHERE target = $1 AND event = 'case.transition' ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .expect("reading the audit log");
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "submit",
            "verify_nik",
            "record_desil",
            "approve_guarantee",
            "propose_pbi",
            "record_pbi_active"
        ]
    );
    assert_eq!(audit[0].1, Some(team.rsud.user.id));
    assert_eq!(audit[5].1, Some(team.bpjs.user.id));
    assert_eq!(snapshot(&app, id).await.history_rows, 7);
}

#[tokio::test]
async fn each_desk_starts_its_sla_clock() {
    // Arrange: the application's clock stands on Friday 16 October 2026, 09:00 WITA.
    let friday = chrono::DateTime::parse_from_rfc3339("2026-10-16T09:00:00+08:00")
        .expect("valid")
        .with_timezone(&chrono::Utc);
    let app = spawn_app_at(friday).await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);

    // Act
    let submitted = team.rsud.step(id, "submit").await;
    let referred = team.dukcapil_prov.step(id, "refer_to_kab").await;

    // Assert: nik_check 1 working day, nik_referral 3 (docs/domain.md §5), weekends skipped.
    let desk = &submitted.body["case"]["desk"];
    assert_eq!(desk["role"], "dukcapil_prov");
    assert_eq!(desk["sla_days"], 1);
    assert_eq!(desk["overdue"], false);
    assert_eq!(desk["due_date"], "2026-10-19", "{desk}");
    let desk = &referred.body["case"]["desk"];
    assert_eq!(desk["role"], "dukcapil_kab");
    assert_eq!(desk["sla_days"], 3);
    assert_eq!(desk["due_date"], "2026-10-21", "{desk}");
    assert_eq!(desk["working_days"], 0, "{desk}");

    // Act: a week later the desk has not moved.
    app.clock.advance(Duration::days(7));
    let later = team.dukcapil_kab.case(id).await;

    // Assert: five working days at the desk, past its due date.
    let desk = &later.body["case"]["desk"];
    assert_eq!(desk["working_days"], 5, "{desk}");
    assert_eq!(desk["overdue"], true, "{desk}");
}

/// How many times the row of case `id` was written since the counter was installed
/// ([`count_case_row_writes`]).
async fn case_row_writes(app: &TestApp, id: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM test_case_row_writes WHERE case_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("counting the writes")
}

/// Counts every `UPDATE` of a case row, whoever makes it (the service's role writes through a
/// function that runs with the owner's rights).
async fn count_case_row_writes(app: &TestApp) {
    for statement in [
        "CREATE TABLE test_case_row_writes (case_id uuid NOT NULL)",
        "CREATE FUNCTION test_count_case_row_write() RETURNS trigger LANGUAGE plpgsql \
         SECURITY DEFINER AS $$ BEGIN INSERT INTO test_case_row_writes VALUES (NEW.id); \
         RETURN NULL; END $$",
        "CREATE TRIGGER test_count_case_row_write AFTER UPDATE ON cases \
         FOR EACH ROW EXECUTE FUNCTION test_count_case_row_write()",
    ] {
        sqlx::query(statement)
            .execute(&app.pool)
            .await
            .expect("installing the write counter");
    }
}

#[tokio::test]
async fn every_step_writes_the_case_row_once_with_what_it_records() {
    // Arrange: the clock stands on Thursday 3 December 2026, 10:00 WITA; every row write counted
    let at: chrono::DateTime<chrono::Utc> = "2026-12-03T02:00:00Z".parse().expect("a time");
    let app = spawn_app_at(at).await;
    count_case_row_writes(&app).await;
    let team = Team::new(&app).await;
    let main = team.create(&intake_woman()).await;
    let sktm = team.create(&intake_man()).await;
    let unknown = team.create(&intake_without_identity()).await;
    for (id, kind, bytes, name) in [(main, "ktp", PNG, "ktp.png"), (sktm, "ktp", PNG, "ktp.png")] {
        team.rsud
            .upload(id, kind, bytes, name)
            .await
            .expect(StatusCode::CREATED);
    }
    let step = |actor: &'static str, id: uuid::Uuid, action: &'static str, fields: Value| {
        let team = &team;
        let app = &app;
        async move {
            let actor = match actor {
                "rsud" => &team.rsud,
                "dukcapil_prov" => &team.dukcapil_prov,
                "dukcapil_kab" => &team.dukcapil_kab,
                "dinsos_prov" => &team.dinsos_prov,
                "dinsos_kab" => &team.dinsos_kab,
                "dinkes_prov" => &team.dinkes_prov,
                _ => &team.bpjs,
            };
            let before = case_row_writes(app, id).await;
            let r = actor.step_with(id, action, fields).await;
            assert_eq!(
                case_row_writes(app, id).await - before,
                1,
                "{action} wrote the case row more than once"
            );
            r
        }
    };

    // Act / Assert: the PBPU Pemda route, each step one write carrying its facts
    step("rsud", main, "submit", json!({})).await;
    let verified = step(
        "dukcapil_prov",
        main,
        "verify_nik",
        valid_fields("verify_nik"),
    )
    .await;
    assert_eq!(verified.state(), "desil_check");
    let (verified_at, verified_nik): (chrono::DateTime<chrono::Utc>, Option<String>) =
        sqlx::query_as("SELECT identity_verified_at, verified_nik FROM cases WHERE id = $1")
            .bind(main)
            .fetch_one(&app.pool)
            .await
            .expect("reading the verification");
    assert_eq!(verified_at, at, "verified at the application's time");
    assert_eq!(verified_nik.as_deref(), Some(NIK_WOMAN));
    let desil = step(
        "dinsos_prov",
        main,
        "record_desil",
        valid_fields("record_desil"),
    )
    .await;
    assert_eq!(desil.body["case"]["desil"], "3");
    let approved = step(
        "dinkes_prov",
        main,
        "approve_guarantee",
        valid_fields("approve_guarantee"),
    )
    .await;
    assert_eq!(
        approved.body["case"]["guarantee"],
        json!({"letter_number": "001/SJS-MS/XII/2026", "start_date": PAST, "end_date": null,
               "payer": "pemprov", "ceiling": 15_000_000})
    );
    step(
        "dinsos_prov",
        main,
        "propose_pbi",
        valid_fields("propose_pbi"),
    )
    .await;
    step(
        "bpjs",
        main,
        "record_pbi_refused",
        valid_fields("record_pbi_refused"),
    )
    .await;
    let enrolled = step(
        "dinkes_prov",
        main,
        "enrol_pbpu_pemda",
        valid_fields("enrol_pbpu_pemda"),
    )
    .await;
    assert_eq!(enrolled.state(), "pbpu_proposed");
    let decision: (Option<String>, Option<NaiveDate>, Option<String>) = sqlx::query_as(
        "SELECT pbpu_payer, pbpu_decided_on, pbpu_decision_reference FROM cases WHERE id = $1",
    )
    .bind(main)
    .fetch_one(&app.pool)
    .await
    .expect("reading the decision");
    assert_eq!(
        decision,
        (
            Some("pemprov".to_string()),
            Some(date(&json!(PAST))),
            Some("ND/440/PBPU/2026/7".to_string())
        )
    );
    let active = step(
        "bpjs",
        main,
        "record_pbpu_active",
        valid_fields("record_pbpu_active"),
    )
    .await;
    assert_eq!(active.state(), "handed_over");
    assert_eq!(
        active.body["case"]["coverage"],
        json!({"scheme": "pbpu_pemda", "bpjs_card_number": "0009876543210",
               "effective_date": "2026-12-15"})
    );
    assert_eq!(active.body["case"]["guarantee"]["end_date"], "2026-12-14");

    // The SKTM route: the request for a correction and its outcome
    step("rsud", sktm, "submit", json!({})).await;
    step(
        "dukcapil_prov",
        sktm,
        "verify_nik",
        valid_fields("verify_nik"),
    )
    .await;
    let high = json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"});
    step("dinsos_prov", sktm, "record_desil", high).await;
    team.rsud
        .upload(sktm, "sktm", TEST_PDF, "sktm.pdf")
        .await
        .expect(StatusCode::CREATED);
    let submitted = step("rsud", sktm, "submit_sktm", valid_fields("submit_sktm")).await;
    assert_eq!(submitted.body["case"]["desil_correction_pending"], true);
    let corrected = step(
        "dinsos_kab",
        sktm,
        "record_desil_correction",
        valid_fields("record_desil_correction"),
    )
    .await;
    assert_eq!(corrected.body["case"]["desil_correction_pending"], false);
    assert_eq!(corrected.body["case"]["desil_corrected"], "4");
    assert_eq!(corrected.body["case"]["desil"], "8");

    // The patient without documents: the identity recorded on the spot
    step("rsud", unknown, "submit", json!({})).await;
    step(
        "dukcapil_prov",
        unknown,
        "refer_to_kab",
        valid_fields("refer_to_kab"),
    )
    .await;
    step(
        "dukcapil_kab",
        unknown,
        "require_recording",
        valid_fields("require_recording"),
    )
    .await;
    let recorded = step(
        "dukcapil_kab",
        unknown,
        "record_identity",
        valid_fields("record_identity"),
    )
    .await;
    assert_eq!(recorded.state(), "desil_check");
    let identity: (
        Option<String>,
        String,
        bool,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
    ) = sqlx::query_as(
        "SELECT nik, sex, has_identity_document, verified_nik, identity_verified_at \
             FROM cases WHERE id = $1",
    )
    .bind(unknown)
    .fetch_one(&app.pool)
    .await
    .expect("reading the identity");
    assert_eq!(
        identity,
        (
            Some(NIK_WOMAN.to_string()),
            "P".to_string(),
            true,
            Some(NIK_WOMAN.to_string()),
            at
        )
    );
}
