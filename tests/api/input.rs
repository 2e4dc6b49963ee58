//! Whatever a client sends is answered in words, never with a 5xx: control characters, absurd
//! dates and overlong text get a field message (pages keep what was typed, the API answers
//! 422); empty files are refused, not dropped; one intake sent three times makes one case with
//! one set of documents; a form in the wrong content type is a 400 with a message; times are
//! shown in WITA and say so.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// A man born 2 November 1975, registered in Kota Kupang.
const NIK_MARKUS: &str = "5371020211750002";

fn markus() -> Vec<(String, String)> {
    intake_fields("Markus Tefa", "L", "1975-11-02", NIK_MARKUS, "53.71")
}

fn with(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    for (k, v) in &mut fields {
        if k == name {
            *v = value.to_string();
        }
    }
    fields
}

fn case_path(id: Uuid) -> String {
    format!("/kasus/{id}")
}

async fn documents(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM documents")
        .fetch_one(&app.pool)
        .await
        .expect("counting documents")
}

/// Asserts the answer is not a server error, showing the body when it is.
async fn assert_no_5xx(response: reqwest::Response, what: &str) -> (StatusCode, String) {
    let status = response.status();
    let body = response.text().await.expect("reading the body");
    assert!(!status.is_server_error(), "{what}: {status}\n{body}");
    (status, body)
}

/// A multipart body written by hand, so that names can hold what no browser would send:
/// `(name, file name, bytes)` per part.
fn raw_multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "uji-batas-7c1f";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file_name {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

// ---------------------------------------------------------------------------------------------
// Control characters
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn nul_bytes_in_api_fields_are_field_errors_not_500() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let version = team.rsud.case(id).await.version();

    for (field, value) in [
        ("full_name", "Maria\u{0}Bria"),
        ("address", "Jl. Timor\u{0}Raya"),
        ("clinical_reason", "Demam\u{1b}[31m"),
        ("kk_number", "5371021203150004\u{0}"),
        ("domicile_kab_kota_code", "53.71\u{0}"),
        ("birth_date", "1990-05-12\u{0}"),
    ] {
        let mut intake = intake_woman();
        intake[field] = json!(value);
        intake["nik"] = json!(null);

        // Act
        let r = team.rsud.create_case(&intake).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_fields(), [field], "{}", r.body);
        assert!(
            r.field_message(field).contains("karakter kendali"),
            "{field}: {}",
            r.body
        );
    }

    // Act: an action's reason and its note.
    let r = team
        .dukcapil_prov
        .act(
            id,
            "return_to_rsud",
            version,
            json!({"reason_code": "foto_tidak_terbaca", "reason_text": "Foto\u{0} buram"}),
        )
        .await;
    let note = team
        .dukcapil_prov
        .act(
            id,
            "verify_nik",
            version,
            json!({"source_system": "siak", "registry_data": "ok", "note": "\u{0}"}),
        )
        .await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["reason_text"]);
    assert!(
        r.field_message("reason_text")
            .starts_with("Keterangan berisi karakter kendali")
    );
    note.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(note.error_fields(), ["note"]);
    assert_eq!(case_count(&app).await, 1);
    assert_eq!(app.case_state(id).await.0, "nik_check");
}

#[tokio::test]
async fn nul_byte_in_an_api_edit_is_a_field_error() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let mut body = intake_woman();
    body["desa"] = json!("Oebobo\u{0}");
    body["version"] = json!(team.rsud.case(id).await.version());

    // Act
    let r = team.rsud.put(&format!("/api/v1/cases/{id}"), &body).await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["desa"]);
}

#[tokio::test]
async fn line_breaks_are_kept_in_text_areas_and_refused_in_one_line_fields() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let mut intake = intake_man();
    intake["full_name"] = json!("Yohanes\nNenobais");

    // Act
    let name = team.rsud.create_case(&intake).await;
    let reason = team
        .dukcapil_prov
        .step_with(
            id,
            "return_to_rsud",
            json!({"reason_code": "data_tidak_sesuai", "reason_text": "Baris satu\r\nBaris dua\tdengan tab"}),
        )
        .await;

    // Assert
    name.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(name.field_message("full_name").contains("satu baris"));
    assert_eq!(reason.state(), "returned");
}

#[tokio::test]
async fn nul_bytes_on_the_pages_are_field_errors_and_keep_the_form() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let version = app.case_state(id).await.1.to_string();
    let fields = with(
        intake_fields("Maria Da Silva", "P", "1992-07-21", "", "53.10"),
        "full_name",
        "Maria\u{0}Da Silva",
    );
    let mut form = fields.clone();
    form.push(("intent".into(), "draft".into()));

    // Act: the intake form.
    let intake = app
        .post_multipart(&client, "/kasus/baru", "/kasus/baru", &form, &[])
        .await;

    // Assert
    assert_eq!(intake.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = intake.text().await.expect("page");
    let error = text(&html, "#intake-full_name-error").expect("an error under the name");
    assert!(
        error.starts_with("Nama lengkap pasien berisi karakter kendali"),
        "{error}"
    );
    assert_eq!(
        attr(&html, "#intake-birth_place", "value").as_deref(),
        Some("Kupang")
    );
    assert_eq!(
        text(&html, "#intake-clinical_reason").as_deref(),
        Some("Pneumonia, perlu rawat inap")
    );
    assert_eq!(case_count(&app).await, 1);

    // Act: an action's reason.
    let act = app
        .post_form_from(
            &dukcapil,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/refer_to_kab"),
            &[("version", &version), ("reason", "Tidak\u{0} ada di SIAK")],
        )
        .await;

    // Assert
    assert_eq!(act.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = act.text().await.expect("page");
    let error = text(&html, "#refer_to_kab-reason-error").expect("an error under the reason");
    assert!(
        error.starts_with("Alasan berisi karakter kendali"),
        "{error}"
    );
    assert_eq!(app.case_state(id).await.0, "nik_check");
}

#[tokio::test]
async fn nul_bytes_in_the_search_box_are_a_message() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    app.arrange_draft(&pic, &markus()).await;

    for (field, value, message) in [
        ("q", "Mar\u{0}kus", "karakter kendali"),
        ("kab", "53.71\u{0}", "karakter kendali"),
    ] {
        for path in ["/antrean", "/kasus-saya"] {
            let mut search = vec![("q", ""), ("state", ""), ("kab", "")];
            for (k, v) in &mut search {
                if *k == field {
                    *v = value;
                }
            }

            // Act
            let response = app.post_form(&client, path, &search).await;

            // Assert
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {field}"
            );
            let html = response.text().await.expect("page");
            let error = text(&html, &format!("#{field}-error")).expect("a message");
            assert!(error.contains(message), "{path} {field}: {error}");
        }
    }
}

#[tokio::test]
async fn nul_in_a_form_key_or_a_multipart_name_is_not_a_server_error() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let version = app.case_state(id).await.1.to_string();
    let token = app.csrf(&client, "/kasus/baru").await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    // Act / Assert: a NUL key in a URL-encoded form.
    let response = app
        .post_form_from(
            &client,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/withdraw"),
            &[
                ("version", &version),
                ("\u{0}", "x"),
                ("reason_code", "meninggal"),
            ],
        )
        .await;
    assert_no_5xx(response, "NUL form key").await;
    let response = app
        .post_form(&client, "/antrean", &[("q\u{0}", "x"), ("state", "")])
        .await;
    assert_no_5xx(response, "NUL search key").await;

    // Act / Assert: NUL in multipart field names and file names.
    let mut parts: Vec<(String, Option<&str>, Vec<u8>)> = markus()
        .into_iter()
        .map(|(k, v)| (k, None, v.into_bytes()))
        .collect();
    parts.push(("csrf_token".into(), None, token.clone().into_bytes()));
    parts.push(("a\u{0}b".into(), None, b"x".to_vec()));
    parts.push(("ktp_file".into(), Some("k\u{0}tp.png"), TEST_PNG.to_vec()));
    parts.push(("k\u{0}k_file".into(), Some("kk.png"), TEST_PNG.to_vec()));
    let parts: Vec<(&str, Option<&str>, &[u8])> = parts
        .iter()
        .map(|(n, f, b)| (n.as_str(), *f, b.as_slice()))
        .collect();
    let (content_type, body) = raw_multipart(&parts);
    let response = client
        .post(app.url("/kasus/baru"))
        .header(CONTENT_TYPE, &content_type)
        .body(body.clone())
        .send()
        .await
        .expect("posting");
    assert_no_5xx(response, "NUL in multipart names (page)").await;
    let response = client
        .post(app.url(&format!("/kasus/{id}/dokumen")))
        .header(CONTENT_TYPE, &content_type)
        .body(body)
        .send()
        .await
        .expect("posting");
    assert_no_5xx(response, "NUL in multipart names (upload page)").await;
    let (content_type, body) = raw_multipart(&[
        ("kind", None, b"ktp"),
        ("fi\u{0}le", Some("a\u{0}.png"), TEST_PNG),
        ("file", Some("b\u{0}.png"), TEST_PNG),
    ]);
    let response = rsud
        .http
        .post(app.url(&format!("/api/v1/cases/{id}/documents")))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("posting");
    assert_no_5xx(response, "NUL in multipart names (API)").await;
}

// ---------------------------------------------------------------------------------------------
// Ranges and lengths
// ---------------------------------------------------------------------------------------------

/// 4 December 2026, 10:00 WITA: the day the date rules below are read from.
fn a_december_morning() -> chrono::DateTime<chrono::Utc> {
    "2026-12-04T02:00:00Z".parse().expect("a valid instant")
}

#[tokio::test]
async fn absurd_intake_dates_are_field_errors() {
    // Arrange: today is 4 December 2026.
    let app = spawn_app_at(a_december_morning()).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    for (field, value, part) in [
        (
            "birth_date",
            "-9999-01-01",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            "birth_date",
            "1890-05-12",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            "admission_date",
            "-9999-01-01",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            "admission_date",
            "0001-01-01",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            "admission_date",
            "2021-12-03",
            "terlalu lama; paling awal 04-12-2021",
        ),
        ("admission_date", "2026-12-05", "tidak boleh di masa depan"),
        (
            "birth_date",
            "99999-01-01",
            "harus berupa tanggal yang valid",
        ),
        (
            "admission_date",
            "2999-01-01",
            "tahun harus antara 1900 dan 2100",
        ),
    ] {
        let mut intake = intake_without_identity();
        intake[field] = json!(value);

        // Act
        let r = rsud.create_case(&intake).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_fields(), [field], "{value}: {}", r.body);
        assert!(r.field_message(field).contains(part), "{value}: {}", r.body);
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn overlong_intake_values_are_refused_with_a_short_message() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let huge = "5".repeat(100_000);

    for field in [
        "full_name",
        "address",
        "clinical_reason",
        "domicile_kab_kota_code",
        "family_phone",
        "kk_number",
        "nik",
    ] {
        let mut intake = intake_woman();
        intake[field] = json!(huge);

        // Act
        let r = rsud.create_case(&intake).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let message = r.field_message(field);
        assert!(message.contains("maksimal"), "{field}: {message}");
        assert!(message.len() < 200, "{field}: the message echoes the value");
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn absurd_action_dates_are_field_errors() {
    // Arrange: today is 4 December 2026; admitted on PAST; one case at Dinkes, one at
    // Dukcapil, one at BPJS.
    let app = spawn_app_at(a_december_morning()).await;
    let team = Team::new(&app).await;
    let review = team
        .case_in(&intake_serial(1, "53.71"), "guarantee_review")
        .await;
    let checking = team.case_in(&intake_serial(2, "53.71"), "nik_check").await;
    let proposed = team
        .case_in(&intake_serial(3, "53.71"), "pbi_proposed")
        .await;
    let guarantee = |start: &str| json!({"start_date": start, "payer": "pemprov"});

    for (who, id, action, fields, field, part) in [
        (
            &team.dinkes_prov,
            review,
            "approve_guarantee",
            guarantee("2026-09-30"),
            "start_date",
            "tidak boleh sebelum tanggal masuk rumah sakit (01-10-2026)",
        ),
        (
            &team.dinkes_prov,
            review,
            "approve_guarantee",
            guarantee("-9999-01-01"),
            "start_date",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            &team.dinkes_prov,
            review,
            "approve_guarantee",
            guarantee("2027-03-05"),
            "start_date",
            "terlalu jauh ke depan; paling lambat 04-03-2027",
        ),
        (
            &team.dukcapil_prov,
            checking,
            "verify_nik",
            json!({"source_system": "siak", "registry_data": "ok", "data_vintage": "1850-01-01"}),
            "data_vintage",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            &team.bpjs,
            proposed,
            "record_pbi_active",
            json!({"bpjs_card_number": "0001234567890", "effective_date": "3000-01-01"}),
            "effective_date",
            "tahun harus antara 1900 dan 2100",
        ),
        (
            &team.bpjs,
            proposed,
            "record_pbi_active",
            json!({"bpjs_card_number": "0001234567890", "effective_date": "2027-12-05"}),
            "effective_date",
            "terlalu jauh ke depan; paling lambat 04-12-2027",
        ),
    ] {
        let before = snapshot(&app, id).await;

        // Act
        let r = who.act(id, action, i64::from(before.version), fields).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_fields(), [field], "{}", r.body);
        assert!(r.field_message(field).contains(part), "{}", r.body);
        assert_unchanged(&app, who, id, &before).await;
    }
}

#[tokio::test]
async fn a_guarantee_before_admission_is_refused_on_the_page_and_keeps_the_form() {
    // Arrange: admitted today; at Dinkes.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let dinsos = app.create_test_user("dinsos_prov", None).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    app.arrange_action(
        &dukcapil,
        id,
        "verify_nik",
        &[("source_system", "siak"), ("registry_data", "Markus Tefa")],
    )
    .await;
    app.arrange_action(
        &dinsos,
        id,
        "record_desil",
        &[
            ("source_system", "siks_ng"),
            ("desil", "3"),
            ("registry_data", "Desil 3"),
        ],
    )
    .await;
    let version = app.case_state(id).await.1.to_string();
    let today = app.clock.today();
    let yesterday = (today - chrono::Duration::days(1)).to_string();

    // Act
    let response = app
        .post_form_from(
            &dinkes,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/approve_guarantee"),
            &[
                ("version", &version),
                ("start_date", &yesterday),
                ("payer", "pemprov"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#approve_guarantee-start_date-error"),
        Some(format!(
            "Tanggal mulai jaminan tidak boleh sebelum tanggal masuk rumah sakit ({}).",
            today.format("%d-%m-%Y")
        ))
    );
    assert_eq!(
        attr(&html, "#approve_guarantee-payer option[selected]", "value").as_deref(),
        Some("pemprov")
    );
    assert_eq!(
        attr(&html, "#approve_guarantee-start_date", "value"),
        Some(yesterday)
    );
    assert_eq!(app.case_state(id).await.0, "guarantee_review");
}

#[tokio::test]
async fn a_birth_year_of_1890_is_refused_on_the_intake_page() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = with(
        intake_fields("Markus Tefa", "L", "1890-11-02", "", "53.71"),
        "has_identity_document",
        "tidak",
    );
    let mut form = fields.clone();
    form.push(("intent".into(), "draft".into()));

    // Act
    let response = app
        .post_multipart(&client, "/kasus/baru", "/kasus/baru", &form, &[])
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#intake-birth_date-error").as_deref(),
        Some("Tanggal lahir: tahun 1890 tidak masuk akal; tahun harus antara 1900 dan 2100.")
    );
    assert_eq!(
        attr(&html, "#intake-birth_date", "value").as_deref(),
        Some("1890-11-02")
    );
    assert_eq!(
        attr(&html, "#intake-full_name", "value").as_deref(),
        Some("Markus Tefa")
    );
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn an_overlong_search_is_a_message() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("dukcapil_prov", None).await;
    let q = "Maria ".repeat(20_000);

    // Act
    let response = app
        .post_form(
            &client,
            "/antrean",
            &[("q", &q), ("state", ""), ("kab", "")],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#q-error").as_deref(),
        Some("Pencarian maksimal 100 karakter; yang diisi 119999 karakter.")
    );
}

// ---------------------------------------------------------------------------------------------
// Empty files and sizes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_empty_ktp_photo_at_intake_is_refused_not_dropped() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let mut form = markus();
    form.push(("intent".into(), "submit".into()));

    // Act
    let response = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &form,
            &[("ktp_file", "ktp.jpg", vec![])],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#ktp_file + .field-error").as_deref(),
        Some("Berkas \"ktp.jpg\" kosong (0 byte); pilih ulang berkasnya.")
    );
    assert_eq!(
        attr(&html, "#intake-full_name", "value").as_deref(),
        Some("Markus Tefa")
    );
    assert_eq!(case_count(&app).await, 0);
    assert_eq!(documents(&app).await, 0);
}

#[tokio::test]
async fn an_empty_upload_is_refused_on_the_page_and_in_the_api() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let before = documents(&app).await;

    // Act
    let page = app
        .post_multipart(
            &client,
            &case_path(id),
            &format!("/kasus/{id}/dokumen"),
            &[("kind".into(), "kk".into())],
            &[("file", "kk.png", vec![])],
        )
        .await;
    let api = rsud.upload(id, "kk", b"", "kk.png").await;

    // Assert
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.expect("page");
    assert_eq!(
        text(&html, "form.upload + .field-error").as_deref(),
        Some("Berkas \"kk.png\" kosong (0 byte); pilih ulang berkasnya.")
    );
    api.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.field_message("file"),
        "Berkas \"kk.png\" kosong (0 byte); pilih ulang berkasnya."
    );
    assert_eq!(documents(&app).await, before);
}

#[tokio::test]
async fn document_sizes_are_shown_in_human_units() {
    // Arrange: the KTP photo of the draft, and a 1.2 MB KK scan (a PDF is stored as sent).
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let kk = test_pdf_of(1_258_291);
    assert_eq!(kk.len(), 1_258_291);
    let response = app
        .post_multipart(
            &client,
            &case_path(id),
            &format!("/kasus/{id}/dokumen"),
            &[("kind".into(), "kk".into())],
            &[("file", "kk.pdf", kk)],
        )
        .await;
    assert_redirect(&response, &case_path(id));

    // Act
    let html = app.get_html(&client, &case_path(id)).await;

    // Assert
    let lines = texts(&html, "ul.documents li");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("image/png, 70 B,"), "{}", lines[0]);
    assert!(
        lines[1].contains("application/pdf, 1,2 MB,"),
        "{}",
        lines[1]
    );
}

// ---------------------------------------------------------------------------------------------
// One submission, one set of documents
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_same_intake_sent_three_times_at_once_makes_one_case_with_one_ktp() {
    // Arrange: the intake form, filled once, with a KTP photo.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let page = app.get_html(&client, "/kasus/baru").await;
    let key = attr(&page, "input[name=intake_key]", "value").expect("an intake key");
    let mut form = markus();
    form.push(("intake_key".into(), key));
    form.push(("intent".into(), "submit".into()));
    let files = [("ktp_file", "ktp.png", TEST_PNG.to_vec())];
    let send = || app.post_multipart(&client, "/kasus/baru", "/kasus/baru", &form, &files);

    // Act
    let (a, b, c) = tokio::join!(send(), send(), send());

    // Assert
    let targets: Vec<Option<String>> = [&a, &b, &c].iter().map(|r| location(r)).collect();
    for r in [&a, &b, &c] {
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert!(targets.iter().all(|t| t == &targets[0]), "{targets:?}");
    assert_eq!(case_count(&app).await, 1);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM documents")
        .fetch_all(&app.pool)
        .await
        .expect("reading documents");
    assert_eq!(kinds, ["ktp"]);
    let history: Vec<String> = sqlx::query_scalar("SELECT action FROM case_history ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .expect("reading history");
    assert_eq!(history, ["create", "submit"]);
}

// ---------------------------------------------------------------------------------------------
// Wrong content type
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_page_form_in_the_wrong_content_type_is_a_400_page_with_a_message() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let token = app.csrf(&client, "/kasus/baru").await;
    let form = format!("csrf_token={token}&kind=ktp&full_name=Markus");
    let json = format!(r#"{{"csrf_token": "{token}", "version": 1}}"#);

    for (path, content_type, body) in [
        (
            "/kasus/baru".to_string(),
            "application/x-www-form-urlencoded",
            form.clone(),
        ),
        (
            format!("/kasus/{id}/dokumen"),
            "application/x-www-form-urlencoded",
            form.clone(),
        ),
        ("/kasus/baru".to_string(), "application/json", json.clone()),
        (
            format!("/kasus/{id}/tindakan/submit"),
            "application/json",
            json.clone(),
        ),
        (
            format!("/kasus/{id}/tindakan/submit"),
            "text/plain",
            form.clone(),
        ),
        ("/antrean".to_string(), "text/plain", form.clone()),
    ] {
        // Act
        let response = client
            .post(app.url(&path))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("posting");

        // Assert
        let status = response.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type} to {path}: {status}"
        );
        let html = response.text().await.expect("page");
        assert_eq!(
            text(&html, "h1").as_deref(),
            Some("Isian belum benar"),
            "{path}"
        );
        let message = text(&html, "main").unwrap_or_default();
        assert!(
            message.contains("Formulir") || message.contains("formulir"),
            "{content_type} to {path}: {message}"
        );
    }

    // A multipart body (with its token) to URL-encoded forms.
    for path in [
        format!("/kasus/{id}/tindakan/submit"),
        "/antrean".to_string(),
    ] {
        // Act
        let response = app
            .post_multipart(
                &client,
                "/kasus/baru",
                &path,
                &[("version".into(), "1".into())],
                &[],
            )
            .await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path}"
        );
        let html = response.text().await.expect("page");
        let message = text(&html, "main").unwrap_or_default();
        assert!(
            message.contains("formulir ini harus dikirim"),
            "{path}: {message}"
        );
    }
    assert_eq!(case_count(&app).await, 1);
}

#[tokio::test]
async fn an_api_request_in_the_wrong_content_type_is_a_json_error_in_indonesian() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let body = serde_json::to_string(&intake_woman()).expect("json");

    for (path, content_type, expected) in [
        (
            "/api/v1/cases".to_string(),
            "text/plain",
            "application/json",
        ),
        (
            "/api/v1/cases".to_string(),
            "application/x-www-form-urlencoded",
            "application/json",
        ),
        (
            format!("/api/v1/cases/{id}/actions/submit"),
            "text/plain",
            "application/json",
        ),
        (
            format!("/api/v1/cases/{id}/documents"),
            "application/json",
            "multipart/form-data",
        ),
        (
            format!("/api/v1/cases/{id}/documents"),
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ),
    ] {
        // Act
        let response = team
            .rsud
            .http
            .post(app.url(&path))
            .header(CONTENT_TYPE, content_type)
            .body(body.clone())
            .send()
            .await
            .expect("posting");

        // Assert
        let status = response.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type} to {path}: {status}"
        );
        let json: serde_json::Value = response.json().await.expect("a JSON error");
        let message = json["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Kirim permintaan ini sebagai") && message.contains(expected),
            "{content_type} to {path}: {json}"
        );
    }
    assert_eq!(case_count(&app).await, 1);
}

// ---------------------------------------------------------------------------------------------
// Times in WITA
// ---------------------------------------------------------------------------------------------

/// 20:30 UTC on 30 November is 04:30 WITA on 1 December.
const LATE_UTC: &str = "2026-11-30T20:30:00Z";
const SHOWN_WITA: &str = "01-12-2026 04:30 WITA";

#[tokio::test]
async fn the_case_page_shows_times_in_wita_and_says_so() {
    // Arrange: everything on the case happened at 20:30 UTC.
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    for sql in [
        "UPDATE documents SET uploaded_at = $2::timestamptz WHERE case_id = $1",
        "UPDATE case_history SET at = $2::timestamptz WHERE case_id = $1",
        "UPDATE cases SET state_entered_at = $2::timestamptz WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(id)
            .bind(LATE_UTC)
            .execute(&app.pool)
            .await
            .expect("dating the case");
    }

    // Act
    let html = app.get_html(&client, &case_path(id)).await;

    // Assert
    let status = text(&html, "p.status-line").expect("a status line");
    assert!(status.contains(&format!("sejak {SHOWN_WITA}")), "{status}");
    let document = text(&html, "ul.documents li").expect("a document");
    assert!(document.ends_with(SHOWN_WITA), "{document}");
    let step = text(&html, "#timeline li").expect("a step");
    assert!(step.contains(&format!("{SHOWN_WITA} ·")), "{step}");
}

#[tokio::test]
async fn the_tokens_page_shows_times_in_wita_and_says_so() {
    // Arrange
    let app = spawn_app().await;
    let (client, user) = app.signed_in("bpjs", None).await;
    app.api_token(user.id).await;
    sqlx::query(
        "UPDATE api_tokens SET created_at = $2::timestamptz, last_used_at = $2::timestamptz \
         WHERE user_id = $1",
    )
    .bind(user.id)
    .bind(LATE_UTC)
    .execute(&app.pool)
    .await
    .expect("dating the token");

    // Act
    let html = app.get_html(&client, "/token-api").await;

    // Assert
    let cells = texts(&html, "table tbody td");
    // Name, made, valid until, last used.
    assert_eq!(cells[1], SHOWN_WITA, "{cells:?}");
    assert_eq!(cells[3], SHOWN_WITA, "{cells:?}");
}

#[tokio::test]
async fn coverage_cannot_start_before_the_guarantee_it_ends() {
    // Arrange: a guaranteed case from PAST, proposed for PBI.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "pbi_proposed").await;
    let version = team.bpjs.case(id).await.body["case"]["version"]
        .as_i64()
        .expect("a version");

    for effective in [PAST, "2026-09-01"] {
        // Act
        let fields = json!({"bpjs_card_number": "0001234567890", "effective_date": effective});
        let reply = team
            .bpjs
            .act(id, "record_pbi_active", version, fields)
            .await;

        // Assert: a field error, and the case is where it was.
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            reply.body["fields"][0]["field"], "effective_date",
            "{}",
            reply.body
        );
        let case = team.bpjs.case(id).await;
        assert_eq!(case.body["case"]["state"], "pbi_proposed");
        assert_eq!(case.body["case"]["guarantee"]["end_date"], json!(null));
    }
}

#[tokio::test]
async fn api_fields_of_the_wrong_json_type_are_field_errors() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut intake = intake_woman();
    intake["full_name"] = json!(["Maria", "Bria"]);
    intake["address"] = json!({"jalan": "Timor Raya"});
    intake["clinical_reason"] = json!(true);

    // Act
    let reply = team.rsud.create_case(&intake).await;

    // Assert: each named, nothing stored.
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = reply.body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["full_name", "address", "clinical_reason"],
        "{}",
        reply.body
    );
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_json() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let client = &team.rsud.http;

    // Act
    let unknown = client
        .get(format!("{}/api/v1/nothing", app.address))
        .send()
        .await
        .expect("an answer");
    let wrong_method = client
        .delete(format!("{}/api/v1/cases/{id}", app.address))
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = unknown.json().await.expect("JSON");
    assert_eq!(body["error"], "not_found");
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = wrong_method.json().await.expect("JSON");
    assert!(
        body["message"].as_str().unwrap_or("").contains("Metode"),
        "{body}"
    );
}
