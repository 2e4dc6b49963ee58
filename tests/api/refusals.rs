//! Refused requests change nothing: wrong role, wrong scope, stale version, duplicate open NIK,
//! invalid NIK, missing evidence, dates in the future, active JKN.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn wrong_role_is_refused_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;
    let version = i64::from(before.version);

    for (who, action) in [
        (&team.dinsos_prov, "verify_nik"),
        (&team.dukcapil_kab, "verify_nik"),
        (&team.rsud, "verify_nik"),
        (&team.dinkes_prov, "return_to_rsud"),
        (&team.dinsos_prov, "refer_to_kab"),
        (&tim, "verify_nik"),
        (&team.bpjs, "withdraw"),
        (&tim, "withdraw"),
    ] {
        // Act
        let r = who.act(id, action, version, valid_fields(action)).await;

        // Assert
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{action} by {}: {}",
            who.user.role.as_str(),
            r.body
        );
        assert_eq!(r.body["error"], "forbidden");
    }
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
}

#[tokio::test]
async fn wrong_role_is_refused_even_with_a_stale_version() {
    // Arrange: 403 says why, whatever version was sent.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dinsos_prov
        .act(id, "verify_nik", 1, valid_fields("verify_nik"))
        .await;

    // Assert
    r.expect(StatusCode::FORBIDDEN);
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
}

#[tokio::test]
async fn action_not_legal_in_the_state_is_a_conflict() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;
    let version = i64::from(before.version);

    for (who, action) in [
        (&team.dinsos_prov, "record_desil"),
        (&team.dinkes_prov, "approve_guarantee"),
        (&team.rsud, "submit"),
        (&team.bpjs, "record_pbi_active"),
        (&team.dinsos_kab, "record_desil_correction"),
    ] {
        // Act
        let r = who.act(id, action, version, valid_fields(action)).await;

        // Assert
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "{action} in nik_check: {}",
            r.body
        );
    }
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
}

#[tokio::test]
async fn unknown_action_is_not_found() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dukcapil_prov
        .act(id, "approve_everything", 2, json!({}))
        .await;

    // Assert
    r.expect(StatusCode::NOT_FOUND);
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
}

#[tokio::test]
async fn another_hospital_neither_sees_nor_acts_on_a_case() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let tch = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let draft = team.create(&intake_woman()).await;
    let returned = team.case_in(&intake_man(), "nik_check").await;
    team.dukcapil_prov.step(returned, "return_to_rsud").await;
    let before_draft = snapshot(&app, draft).await;
    let before_returned = snapshot(&app, returned).await;

    // Act
    let read = tch.case(draft).await;
    let submit = tch.act(draft, "submit", 1, json!({})).await;
    let withdraw = tch
        .act(draft, "withdraw", 1, valid_fields("withdraw"))
        .await;
    let resubmit = tch
        .act(
            returned,
            "resubmit",
            i64::from(before_returned.version),
            json!({}),
        )
        .await;
    let mut edit = intake_woman();
    edit["version"] = json!(1);
    let put = tch.put(&format!("/api/v1/cases/{draft}"), &edit).await;
    let upload = tch.upload(draft, "ktp", PNG, "ktp.png").await;

    // Assert: 404, as if the case did not exist.
    for (what, r) in [
        ("GET", &read),
        ("submit", &submit),
        ("withdraw", &withdraw),
        ("resubmit", &resubmit),
        ("PUT", &put),
        ("upload", &upload),
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {}", r.body);
        assert_eq!(r.body["error"], "not_found", "{what}");
    }
    assert!(!tch.queue_ids().await.contains(&returned));
    assert_unchanged(&app, &team.rsud, draft, &before_draft).await;
    assert_unchanged(&app, &team.rsud, returned, &before_returned).await;
}

#[tokio::test]
async fn kab_users_of_another_kab_kota_neither_see_nor_act() {
    // Arrange: a patient of Kota Kupang (53.71) with a pending desil correction, and a case
    // referred to the kab/kota Dukcapil.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let sikka_dinsos = actor(&app, "dinsos_kab", Some("53.10")).await;
    let sikka_dukcapil = actor(&app, "dukcapil_kab", Some("53.10")).await;
    let pending = team.case_in(&intake_woman(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            pending,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
        )
        .await;
    team.rsud
        .upload(pending, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(pending, "submit_sktm").await;
    let referred = team.case_in(&intake_man(), "nik_check").await;
    team.dukcapil_prov.step(referred, "refer_to_kab").await;
    let before_pending = snapshot(&app, pending).await;
    let before_referred = snapshot(&app, referred).await;

    // Act
    let read = sikka_dinsos.case(pending).await;
    let correct = sikka_dinsos
        .act(
            pending,
            "record_desil_correction",
            i64::from(before_pending.version),
            valid_fields("record_desil_correction"),
        )
        .await;
    let verify = sikka_dukcapil
        .act(
            referred,
            "verify_nik",
            i64::from(before_referred.version),
            valid_fields("verify_nik"),
        )
        .await;

    // Assert
    read.expect(StatusCode::NOT_FOUND);
    correct.expect(StatusCode::NOT_FOUND);
    verify.expect(StatusCode::NOT_FOUND);
    assert!(sikka_dinsos.queue_ids().await.is_empty());
    assert!(sikka_dukcapil.queue_ids().await.is_empty());
    assert_unchanged(&app, &team.dinsos_kab, pending, &before_pending).await;
    assert_unchanged(&app, &team.dukcapil_kab, referred, &before_referred).await;
}

// SRC BUG (reported): the second user gets 409 "Tindakan ini tidak berlaku pada status kasus
// saat ini" instead of the stale-version message, because `service::perform`
// (src/cases/service.rs, the `decide(...)` before `if case.version != version`) checks the
// transition against the *current* state before it looks at the version. docs/domain.md §4: "a stale
// version is refused (someone else acted first) with a clear message".
#[tokio::test]
async fn second_of_two_users_acting_on_the_same_version_is_told_someone_else_acted() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let other_dukcapil = actor(&app, "dukcapil_prov", None).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let seen = team.dukcapil_prov.case(id).await.version();

    // Act
    let first = team
        .dukcapil_prov
        .act(id, "verify_nik", seen, valid_fields("verify_nik"))
        .await;
    let after_first = snapshot(&app, id).await;
    let second = other_dukcapil
        .act(id, "verify_nik", seen, valid_fields("verify_nik"))
        .await;

    // Assert
    first.expect(StatusCode::OK);
    assert_eq!(first.state(), "desil_check");
    second.expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dukcapil_prov, id, &after_first).await;
    assert!(
        second.message().contains(STALE_PART),
        "second user should be told someone else acted first, got: {}",
        second.message()
    );
}

#[tokio::test]
async fn stale_version_is_refused_with_the_someone_else_message() {
    // Arrange: the hospital edits the draft (version 1 → 2); a submit of version 1 is stale.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    let mut edit = intake_woman();
    edit["version"] = json!(1);
    edit["address"] = json!("Jl. Timor Raya 14");
    team.rsud
        .put(&format!("/api/v1/cases/{id}"), &edit)
        .await
        .expect(StatusCode::OK);
    let before = snapshot(&app, id).await;
    assert_eq!(before.version, 2);

    // Act
    let stale = team.rsud.act(id, "submit", 1, json!({})).await;
    let stale_edit = team.rsud.put(&format!("/api/v1/cases/{id}"), &edit).await;

    // Assert
    stale.expect(StatusCode::CONFLICT);
    assert!(stale.message().contains(STALE_PART), "{}", stale.message());
    stale_edit.expect(StatusCode::CONFLICT);
    assert!(
        stale_edit.message().contains(STALE_PART),
        "{}",
        stale_edit.message()
    );
    assert_unchanged(&app, &team.rsud, id, &before).await;
}

#[tokio::test]
async fn same_request_sent_twice_applies_once() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;
    let version = team.dinkes_prov.case(id).await.version();

    // Act
    let first = team
        .dinkes_prov
        .act(
            id,
            "approve_guarantee",
            version,
            valid_fields("approve_guarantee"),
        )
        .await;
    let after_first = snapshot(&app, id).await;
    let again = team
        .dinkes_prov
        .act(
            id,
            "approve_guarantee",
            version,
            valid_fields("approve_guarantee"),
        )
        .await;

    // Assert
    first.expect(StatusCode::OK);
    again.expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dinkes_prov, id, &after_first).await;
    let approvals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM case_history WHERE case_id = $1 AND action = 'approve_guarantee'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("counting");
    assert_eq!(approvals, 1);
}

#[tokio::test]
async fn a_repeated_non_moving_action_with_the_same_version_is_stale() {
    // Arrange: the desil correction keeps the state, so only the version tells the second
    // request that it is late.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_man(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "7", "registry_data": "Desil 7"}),
        )
        .await;
    team.rsud
        .upload(id, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(id, "submit_sktm").await;
    let version = team.dinsos_kab.case(id).await.version();
    // After the first correction nothing is pending any more; the replay must change nothing.
    let first = team
        .dinsos_kab
        .act(
            id,
            "record_desil_correction",
            version,
            valid_fields("record_desil_correction"),
        )
        .await;
    let after_first = snapshot(&app, id).await;

    // Act
    let second = team
        .dinsos_kab
        .act(
            id,
            "record_desil_correction",
            version,
            valid_fields("record_desil_correction"),
        )
        .await;

    // Assert
    first.expect(StatusCode::OK);
    second.expect(StatusCode::CONFLICT);
    assert_unchanged(&app, &team.dinsos_kab, id, &after_first).await;
}

#[tokio::test]
async fn concurrent_requests_on_the_same_version_apply_once() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let other = actor(&app, "dukcapil_prov", None).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let version = team.dukcapil_prov.case(id).await.version();

    // Act
    let fields = valid_fields("verify_nik");
    let refer = valid_fields("refer_to_kab");
    let (a, b) = tokio::join!(
        team.dukcapil_prov.act(id, "verify_nik", version, fields),
        other.act(id, "refer_to_kab", version, refer),
    );

    // Assert: one of them wins, the other is a conflict; one history row was added.
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    let s = snapshot(&app, id).await;
    assert_eq!(s.version, i32::try_from(version).expect("small") + 1);
    assert_eq!(s.history_rows, 3);
}

#[tokio::test]
async fn duplicate_open_nik_names_the_hospital_and_is_free_after_withdrawal() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let tch = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let open = team.case_in(&intake_woman(), "nik_check").await;
    let cases_before = case_count(&app).await;

    // Act
    let duplicate = tch.create_case(&intake_woman()).await;

    // Assert
    duplicate.expect(StatusCode::CONFLICT);
    assert!(
        duplicate.message().contains(WZJ_NAME),
        "message should name the hospital: {}",
        duplicate.message()
    );
    assert_eq!(case_count(&app).await, cases_before);

    // Also at the same hospital, and by changing another draft's NIK to it.
    team.rsud
        .create_case(&intake_woman())
        .await
        .expect(StatusCode::CONFLICT);
    let other = tch.create_case(&intake_man()).await;
    other.expect(StatusCode::CREATED);
    let other_id = other.case_id();
    let mut edit = intake_woman();
    edit["version"] = json!(1);
    let clash = tch.put(&format!("/api/v1/cases/{other_id}"), &edit).await;
    clash.expect(StatusCode::CONFLICT);
    assert!(clash.message().contains(WZJ_NAME), "{}", clash.message());
    assert_eq!(snapshot(&app, other_id).await.nik.as_deref(), Some(NIK_MAN));

    // Once the open case is withdrawn, the NIK may be used again.
    team.rsud.step(open, "withdraw").await;
    let again = tch.create_case(&intake_woman()).await;
    again.expect(StatusCode::CREATED);
    assert_eq!(again.body["case"]["patient"]["nik"], "5371********0001");
    assert_eq!(
        snapshot(&app, again.case_id()).await.nik.as_deref(),
        Some(NIK_WOMAN)
    );
}

#[tokio::test]
async fn recording_an_nik_that_has_an_open_case_is_refused() {
    // Arrange: a patient without identity whose recorded NIK already has an open case.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    team.case_in(&intake_woman(), "nik_check").await;
    let id = team.create(&intake_without_identity()).await;
    team.rsud.step(id, "submit").await;
    team.dukcapil_prov.step(id, "refer_to_kab").await;
    team.dukcapil_kab.step(id, "require_recording").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dukcapil_kab
        .act(
            id,
            "record_identity",
            i64::from(before.version),
            valid_fields("record_identity"),
        )
        .await;

    // Assert
    r.expect(StatusCode::CONFLICT);
    assert!(r.message().contains(WZJ_NAME), "{}", r.message());
    assert_unchanged(&app, &team.dukcapil_kab, id, &before).await;
}

/// Creates a case with `nik`, `sex` and `birth_date` replaced; asserts 422 with exactly one
/// field error, on `nik`, whose message is `"NIK: " + expected`; and that no case was made.
async fn assert_nik_refused(nik: &str, sex: &str, birth_date: &str, expected: &str) {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let mut intake = intake_woman();
    intake["nik"] = json!(nik);
    intake["sex"] = json!(sex);
    intake["birth_date"] = json!(birth_date);

    // Act
    let r = rsud.create_case(&intake).await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"], "validation");
    assert_eq!(r.error_fields(), vec!["nik".to_string()], "{}", r.body);
    assert_eq!(r.field_message("nik"), format!("NIK: {expected}"));
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn nik_of_wrong_length_is_refused() {
    assert_nik_refused(
        "537102520590001",
        "P",
        "1990-05-12",
        "NIK harus 16 digit angka; yang diisi 15 digit",
    )
    .await;
}

#[tokio::test]
async fn nik_with_a_letter_is_refused() {
    assert_nik_refused(
        "53710252059O0001",
        "P",
        "1990-05-12",
        "NIK hanya boleh berisi angka; ditemukan 'O' pada digit ke-12",
    )
    .await;
}

#[tokio::test]
async fn nik_with_unknown_province_is_refused() {
    assert_nik_refused(
        "9971025205900001",
        "P",
        "1990-05-12",
        "Kode provinsi pada NIK (digit 1-2) tidak dikenal: 99",
    )
    .await;
}

#[tokio::test]
async fn nik_with_kab_kota_00_is_refused() {
    assert_nik_refused(
        "5300025205900001",
        "P",
        "1990-05-12",
        "Kode kabupaten/kota pada NIK (digit 3-4) tidak boleh 00",
    )
    .await;
}

#[tokio::test]
async fn nik_with_kecamatan_00_is_refused() {
    assert_nik_refused(
        "5371005205900001",
        "P",
        "1990-05-12",
        "Kode kecamatan pada NIK (digit 5-6) tidak boleh 00",
    )
    .await;
}

#[tokio::test]
async fn nik_with_impossible_day_is_refused() {
    assert_nik_refused(
        "5371023505900001",
        "P",
        "1990-05-12",
        "Tanggal lahir pada NIK (digit 7-8) tidak valid: 35 (harus 01–31, atau 41–71 untuk perempuan)",
    )
    .await;
}

#[tokio::test]
async fn nik_with_a_day_not_in_its_month_is_refused() {
    assert_nik_refused(
        "5371027102900001",
        "P",
        "1990-05-12",
        "Tanggal lahir pada NIK (digit 7-8) tidak ada pada bulan 02: tanggal 31",
    )
    .await;
}

#[tokio::test]
async fn nik_with_impossible_month_is_refused() {
    assert_nik_refused(
        "5371025213900001",
        "P",
        "1990-05-12",
        "Bulan lahir pada NIK (digit 9-10) tidak valid: 13 (harus 01–12)",
    )
    .await;
}

#[tokio::test]
async fn nik_with_serial_0000_is_refused() {
    assert_nik_refused(
        "5371025205900000",
        "P",
        "1990-05-12",
        "Nomor urut pada NIK (digit 13-16) tidak boleh 0000",
    )
    .await;
}

#[tokio::test]
async fn nik_whose_birth_day_differs_from_the_birth_date_is_refused() {
    assert_nik_refused(
        NIK_WOMAN,
        "P",
        "1990-05-13",
        "Tanggal lahir pada NIK (digit 7-8) adalah 12, tetapi tanggal lahir yang diisi 13",
    )
    .await;
}

#[tokio::test]
async fn woman_nik_for_a_man_is_refused() {
    assert_nik_refused(
        NIK_WOMAN,
        "L",
        "1990-05-12",
        "NIK ini milik perempuan (tanggal +40) tetapi jenis kelamin diisi laki-laki",
    )
    .await;
}

#[tokio::test]
async fn man_nik_for_a_woman_is_refused() {
    assert_nik_refused(
        NIK_MAN,
        "P",
        "1975-11-02",
        "NIK ini milik laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan",
    )
    .await;
}

#[tokio::test]
async fn nik_whose_birth_month_differs_is_refused() {
    assert_nik_refused(
        NIK_WOMAN,
        "P",
        "1990-06-12",
        "Bulan lahir pada NIK (digit 9-10) adalah 05, tetapi bulan lahir yang diisi 06",
    )
    .await;
}

#[tokio::test]
async fn nik_whose_birth_year_differs_is_refused() {
    assert_nik_refused(
        NIK_WOMAN,
        "P",
        "1991-05-12",
        "Tahun lahir pada NIK (digit 11-12) adalah 90, tetapi tahun lahir yang diisi 1991",
    )
    .await;
}

#[tokio::test]
async fn invalid_new_nik_at_recording_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_without_identity()).await;
    team.rsud.step(id, "submit").await;
    team.dukcapil_prov.step(id, "refer_to_kab").await;
    team.dukcapil_kab.step(id, "require_recording").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dukcapil_kab
        .act(
            id,
            "record_identity",
            i64::from(before.version),
            json!({"new_nik": "5371005205900001", "recorded_on": PAST}),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.field_message("new_nik"),
        "NIK baru: Kode kecamatan pada NIK (digit 5-6) tidak boleh 00"
    );
    assert_unchanged(&app, &team.dukcapil_kab, id, &before).await;
}

/// Sends `action` with `fields` by `who`; asserts 422 naming `field` with a message
/// containing `part`, and that nothing changed.
async fn assert_field_refused(
    app: &TestApp,
    who: &Actor,
    id: uuid::Uuid,
    action: &str,
    fields: Value,
    field: &str,
    part: &str,
) {
    let before = snapshot(app, id).await;
    let r = who.act(id, action, i64::from(before.version), fields).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{action}: {}",
        r.body
    );
    assert_eq!(r.body["error"], "validation");
    assert!(
        r.error_fields().contains(&field.to_string()),
        "{action}: expected an error on {field}: {}",
        r.body
    );
    let message = r.field_message(field);
    assert!(message.contains(part), "{action}/{field}: {message}");
    assert_unchanged(app, who, id, &before).await;
}

#[tokio::test]
async fn verify_nik_without_registry_data_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act / Assert
    assert_field_refused(
        &app,
        &team.dukcapil_prov,
        id,
        "verify_nik",
        json!({"source_system": "siak"}),
        "registry_data",
        "Data di registri wajib diisi",
    )
    .await;
}

#[tokio::test]
async fn approve_guarantee_without_start_date_is_refused() {
    // Arrange: an older client still sends the letter number it used to type; that is ignored
    // (the number is issued at approval), the missing start date is not.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;

    // Act / Assert
    assert_field_refused(
        &app,
        &team.dinkes_prov,
        id,
        "approve_guarantee",
        json!({"letter_number": "440/1/DINKES/2026", "payer": "pemprov"}),
        "start_date",
        "Tanggal mulai jaminan wajib diisi",
    )
    .await;
}

#[tokio::test]
async fn every_missing_required_field_is_named() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dinkes_prov
        .act(
            id,
            "approve_guarantee",
            i64::from(before.version),
            json!({}),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["payer", "start_date"]);
    assert_unchanged(&app, &team.dinkes_prov, id, &before).await;
}

#[tokio::test]
async fn missing_version_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;

    // Act
    let r = team
        .dukcapil_prov
        .post(
            &format!("/api/v1/cases/{id}/actions/verify_nik"),
            &valid_fields("verify_nik"),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["version"]);
    assert_unchanged(&app, &team.dukcapil_prov, id, &before).await;
}

#[tokio::test]
async fn submit_without_ktp_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud
        .upload(id, "kk", PNG, "kk.png")
        .await
        .expect(StatusCode::CREATED);

    // Act / Assert
    assert_field_refused(
        &app,
        &team.rsud,
        id,
        "submit",
        json!({}),
        "documents",
        "KTP",
    )
    .await;
}

#[tokio::test]
async fn submit_of_an_identified_patient_without_nik_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut intake = intake_woman();
    intake["nik"] = Value::Null;
    let id = team.create(&intake).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);

    // Act / Assert
    assert_field_refused(
        &app,
        &team.rsud,
        id,
        "submit",
        json!({}),
        "nik",
        "NIK wajib diisi",
    )
    .await;
}

#[tokio::test]
async fn submit_sktm_without_an_sktm_document_is_refused() {
    // Arrange
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
        .upload(id, "lainnya", PNG, "foto.png")
        .await
        .expect(StatusCode::CREATED);

    // Act / Assert
    assert_field_refused(
        &app,
        &team.rsud,
        id,
        "submit_sktm",
        valid_fields("submit_sktm"),
        "documents",
        "SKTM",
    )
    .await;
}

#[tokio::test]
async fn future_dates_are_refused_in_actions() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let recording = team.create(&intake_without_identity()).await;
    team.rsud.step(recording, "submit").await;
    team.dukcapil_prov.step(recording, "refer_to_kab").await;
    team.dukcapil_kab.step(recording, "require_recording").await;
    let sktm = team.case_in(&intake_man(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            sktm,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
        )
        .await;
    team.rsud
        .upload(sktm, "sktm", PNG, "sktm.png")
        .await
        .expect(StatusCode::CREATED);
    let guaranteed = team.case_in(&intake_serial(7, "53.71"), "guaranteed").await;
    let checking = team.case_in(&intake_serial(8, "53.71"), "nik_check").await;

    // Act / Assert
    assert_field_refused(
        &app,
        &team.dukcapil_kab,
        recording,
        "record_identity",
        json!({"new_nik": NIK_WOMAN, "recorded_on": FUTURE}),
        "recorded_on",
        "tidak boleh di masa depan",
    )
    .await;
    assert_field_refused(
        &app,
        &team.rsud,
        sktm,
        "submit_sktm",
        json!({"sktm_number": "1", "sktm_date": FUTURE, "issued_by": "Desa Oelnasi"}),
        "sktm_date",
        "tidak boleh di masa depan",
    )
    .await;
    assert_field_refused(
        &app,
        &team.dinsos_prov,
        guaranteed,
        "propose_pbi",
        json!({"proposed_on": FUTURE}),
        "proposed_on",
        "tidak boleh di masa depan",
    )
    .await;
    assert_field_refused(
        &app,
        &team.dukcapil_prov,
        checking,
        "verify_nik",
        json!({"source_system": "siak", "registry_data": "x", "data_vintage": FUTURE}),
        "data_vintage",
        "tidak boleh di masa depan",
    )
    .await;
}

#[tokio::test]
async fn future_dates_are_refused_at_intake() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    for field in ["birth_date", "admission_date"] {
        let mut intake = intake_without_identity();
        intake[field] = json!(FUTURE);

        // Act
        let r = rsud.create_case(&intake).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.field_message(field).contains("tidak boleh di masa depan"),
            "{}",
            r.body
        );
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn active_jkn_is_refused_at_intake() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let mut intake = intake_woman();
    intake["jkn_status"] = json!("aktif");

    // Act
    let r = rsud.create_case(&intake).await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["jkn_status"]);
    assert!(r.field_message("jkn_status").contains("JKN aktif"));
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn intake_names_every_missing_field() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    // Act
    let r = rsud.create_case(&json!({})).await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.error_fields();
    for spec in merajut_sehat::cases::intake::FIELDS
        .iter()
        .filter(|f| f.required)
    {
        assert!(
            fields.contains(&spec.name.to_string()),
            "{} not named: {fields:?}",
            spec.name
        );
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn only_the_hospital_creates_cases() {
    // Arrange
    let app = spawn_app().await;
    let dinkes = actor(&app, "dinkes_prov", None).await;

    // Act
    let r = dinkes.create_case(&intake_woman()).await;

    // Assert
    r.expect(StatusCode::FORBIDDEN);
    assert_eq!(case_count(&app).await, 0);
}
