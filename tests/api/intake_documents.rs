//! Intake and documents at the ward desk (issue 12): the photos of a refused intake kept for
//! its next submit, the SKTM sent with its action in one form, a wrong document replaced or
//! removed while the case is at the hospital (the old one kept in the document history), the
//! error summary and the number keypad.

use std::os::unix::fs::PermissionsExt;

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// The intake form as the page sends it: `fields`, the form's key and the button pressed.
fn intake_form(fields: Vec<(String, String)>, key: Uuid, intent: &str) -> Vec<(String, String)> {
    let mut form = fields;
    form.push(("intake_key".into(), key.to_string()));
    form.push(("intent".into(), intent.into()));
    form
}

/// Markus Tefa's intake with a birth date the NIK does not agree with (the 3rd, not the 2nd).
fn refused_fields() -> Vec<(String, String)> {
    intake_fields("Markus Tefa", "L", "1975-11-03", NIK_MAN, "53.71")
}

fn good_fields() -> Vec<(String, String)> {
    intake_fields("Markus Tefa", "L", "1975-11-02", NIK_MAN, "53.71")
}

/// The kept files of an intake key: (id, kind, original name).
async fn kept_rows(app: &TestApp, key: Uuid) -> Vec<(Uuid, String, Option<String>)> {
    sqlx::query_as(
        "SELECT id, kind, original_name FROM pending_uploads WHERE intake_key = $1 ORDER BY kind",
    )
    .bind(key)
    .fetch_all(&app.pool)
    .await
    .expect("reading the kept files")
}

/// Where the store keeps file `id`.
fn stored_path(app: &TestApp, id: Uuid) -> std::path::PathBuf {
    let name = id.simple().to_string();
    app.settings.files_dir().join(&name[..2]).join(name)
}

/// The id of the case a 303 after registering leads to.
fn case_of(response: &reqwest::Response) -> Uuid {
    let to = location(response).unwrap_or_else(|| panic!("no redirect: {}", response.status()));
    to.strip_prefix("/kasus/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a case page: {to}"))
}

/// (id, kind, superseded?) of every document of a case, oldest first.
async fn documents(app: &TestApp, case: Uuid) -> Vec<(Uuid, String, bool)> {
    sqlx::query_as(
        "SELECT id, kind, superseded_at IS NOT NULL FROM documents WHERE case_id = $1 \
         ORDER BY uploaded_at, id",
    )
    .bind(case)
    .fetch_all(&app.pool)
    .await
    .expect("reading the documents")
}

#[tokio::test]
async fn a_refused_intake_keeps_its_photos_and_the_next_submit_registers_the_case() {
    // Arrange
    let app = spawn_app().await;
    let (client, _pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let key = Uuid::new_v4();

    // Act: the birth date disagrees with the NIK; KTP and KK photos chosen.
    let refused = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(refused_fields(), key, "submit"),
            &[
                ("ktp_file", "ktp.jpg", test_jpeg()),
                ("kk_file", "kk.png", PNG.to_vec()),
            ],
        )
        .await;

    // Assert: the form again, saying the photos are kept; stored like documents.
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    let ktp = text(&html, "#ktp_file-kept").expect("the KTP is kept");
    assert!(
        ktp.starts_with("Foto KTP sudah tersimpan: ktp.jpg (")
            && ktp.ends_with(") — pilih berkas lain untuk mengganti"),
        "{ktp}"
    );
    let kk = text(&html, "#kk_file-kept").expect("the KK is kept");
    assert!(kk.starts_with("Foto KK sudah tersimpan: kk.png ("), "{kk}");
    assert_eq!(text(&html, "#other_file-kept"), None);
    assert_eq!(
        attr(&html, "#ktp_file", "aria-describedby").as_deref(),
        Some("ktp_file-kept")
    );
    let kept = kept_rows(&app, key).await;
    assert_eq!(kept.len(), 2, "{kept:?}");
    for (id, _, _) in &kept {
        // Never on the page: the form names them by its own key, never by the file's id.
        assert!(!html.contains(&id.to_string()) && !html.contains(&id.simple().to_string()));
        let path = stored_path(&app, *id);
        let mode = std::fs::metadata(&path)
            .expect("the kept file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(case_count(&app).await, 0);

    // Act: the PIC corrects the birth date and sends again without choosing the photos.
    let sent = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(good_fields(), key, "submit"),
            &[],
        )
        .await;

    // Assert: registered and sent on, with the kept photos as its documents.
    let id = case_of(&sent);
    assert_eq!(app.case_state(id).await.0, "nik_check");
    let docs = documents(&app, id).await;
    let mut kinds: Vec<&str> = docs.iter().map(|(_, k, _)| k.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["kk", "ktp"]);
    let mut kept_ids: Vec<Uuid> = kept.iter().map(|(id, _, _)| *id).collect();
    let mut doc_ids: Vec<Uuid> = docs.iter().map(|(id, _, _)| *id).collect();
    kept_ids.sort_unstable();
    doc_ids.sort_unstable();
    assert_eq!(doc_ids, kept_ids, "the kept files became the documents");
    assert!(kept_rows(&app, key).await.is_empty());
    let page = app.get_html(&client, &format!("/kasus/{id}")).await;
    let listed = texts(&page, "#current-documents li");
    assert_eq!(listed.len(), 2, "{listed:?}");
}

#[tokio::test]
async fn the_summary_lists_every_error_with_a_link_to_its_field_and_numbers_open_the_keypad() {
    // Arrange
    let app = spawn_app().await;
    let (client, _pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let mut fields = refused_fields();
    for (k, v) in &mut fields {
        match k.as_str() {
            "full_name" => v.clear(),
            "kk_number" => *v = "12ab".into(),
            "family_phone" => *v = "12".into(),
            _ => {}
        }
    }

    // Act
    let refused = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(fields, Uuid::new_v4(), "draft"),
            &[("ktp_file", "ktp.jpg", b"\xFF\xD8\xFF\xE0 rusak".to_vec())],
        )
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    let targets: Vec<String> = {
        let doc = scraper::Html::parse_document(&html);
        let links = scraper::Selector::parse("#error-summary li a").expect("css");
        doc.select(&links)
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect()
    };
    assert_eq!(
        targets,
        [
            "#intake-full_name",
            "#intake-nik",
            "#intake-kk_number",
            "#intake-family_phone",
            "#ktp_file"
        ]
    );
    for target in &targets {
        let id = target.trim_start_matches('#');
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "no field {id} for the link"
        );
    }
    let nik_line = text(&html, "#error-summary a[href='#intake-nik']").expect("the NIK line");
    assert_eq!(
        Some(nik_line),
        text(&html, "#intake-nik-error"),
        "the summary says what the field says"
    );
    assert_eq!(
        attr(&html, "#error-summary", "tabindex").as_deref(),
        Some("-1")
    );
    assert!(attr(&html, "#error-summary", "autofocus").is_some());
    for id in ["#intake-nik", "#intake-kk_number", "#intake-family_phone"] {
        assert_eq!(
            attr(&html, id, "inputmode").as_deref(),
            Some("numeric"),
            "{id}"
        );
        assert!(attr(&html, id, "pattern").is_some(), "{id} has no pattern");
    }
    assert_eq!(
        attr(&html, "#intake-full_name", "inputmode").as_deref(),
        Some("text")
    );
}

#[tokio::test]
async fn kept_photos_belong_to_their_user_only() {
    // Arrange: PIC A's refused form kept a KTP photo under key K.
    let app = spawn_app().await;
    let (a, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (b, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let key = Uuid::new_v4();
    let refused = app
        .post_multipart(
            &a,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(refused_fields(), key, "draft"),
            &[("ktp_file", "ktp.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Act: PIC B sends a form with the same key (refused, then accepted).
    let b_refused = app
        .post_multipart(
            &b,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(refused_fields(), key, "draft"),
            &[],
        )
        .await;
    let b_html = b_refused.text().await.expect("page");
    let b_sent = app
        .post_multipart(
            &b,
            "/kasus/baru",
            "/kasus/baru",
            &intake_form(good_fields(), key, "draft"),
            &[],
        )
        .await;

    // Assert: B neither sees nor gets A's photo; it stays A's.
    assert_eq!(text(&b_html, "#ktp_file-kept"), None);
    let id = case_of(&b_sent);
    assert!(documents(&app, id).await.is_empty());
    assert_eq!(kept_rows(&app, key).await.len(), 1);
}

#[tokio::test]
async fn a_photo_chosen_again_replaces_the_kept_one() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let key = Uuid::new_v4();
    let send = |name: &'static str, bytes: Vec<u8>| {
        let files = vec![("ktp_file", name, bytes)];
        let form = intake_form(refused_fields(), key, "submit");
        let (app, client) = (&app, &client);
        async move {
            app.post_multipart(client, "/kasus/baru", "/kasus/baru", &form, &files)
                .await
        }
    };
    send("ktp-buram.png", PNG.to_vec()).await;
    let first = kept_rows(&app, key).await;

    // Act
    let again = send("ktp-jelas.jpg", test_jpeg()).await;

    // Assert
    let html = again.text().await.expect("page");
    let kept = text(&html, "#ktp_file-kept").expect("kept");
    assert!(kept.contains("ktp-jelas.jpg"), "{kept}");
    let now = kept_rows(&app, key).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].2.as_deref(), Some("ktp-jelas.jpg"));
    assert!(
        !stored_path(&app, first[0].0).exists(),
        "the replaced kept file is still on disk"
    );
}

#[tokio::test]
async fn stale_kept_photos_are_purged_and_never_used() {
    // Arrange
    let start = merajut_sehat::clock::Clock::system().now();
    let app = spawn_app_at(start).await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let key = Uuid::new_v4();
    app.post_multipart(
        &client,
        "/kasus/baru",
        "/kasus/baru",
        &intake_form(refused_fields(), key, "draft"),
        &[("ktp_file", "ktp.png", PNG.to_vec())],
    )
    .await;
    let kept = kept_rows(&app, key).await;
    assert_eq!(kept.len(), 1);

    // Act: a day and more later, the daily sweep runs.
    app.clock.advance(chrono::Duration::hours(25));
    app.cases.sweep_retention().await.expect("the sweep");

    // Assert
    assert!(kept_rows(&app, key).await.is_empty());
    assert!(!stored_path(&app, kept[0].0).exists());
}

/// A case of the team's hospital waiting for its SKTM (desil 8).
async fn sktm_case(app: &TestApp, team: &Team) -> Uuid {
    let id = team.case_in(&intake_woman(), "desil_check").await;
    team.dinsos_prov
        .step_with(
            id,
            "record_desil",
            json!({"source_system": "siks_ng", "desil": "8", "registry_data": "Desil 8"}),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.case_state(id).await.0, "sktm_required");
    id
}

/// The SKTM form's fields at `version`.
fn sktm_fields(version: i32) -> Vec<(String, String)> {
    [
        ("version", version.to_string()),
        ("sktm_number", "470/123/KEL-OESAPA/2026".to_string()),
        ("sktm_date", PAST.to_string()),
        ("issued_by", "Kelurahan Oesapa".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[tokio::test]
async fn the_sktm_goes_with_its_action_in_one_submit() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = sktm_case(&app, &team).await;
    let page = format!("/kasus/{id}");
    let html = app.get_html(&client, &page).await;
    let action = format!("/kasus/{id}/tindakan/submit_sktm");

    // Assert: one form, multipart, with the scan; the upload form offers the SKTM first.
    assert_eq!(
        attr(&html, "#action-submit_sktm", "enctype").as_deref(),
        Some("multipart/form-data")
    );
    assert!(html.contains("id=\"submit_sktm-document_file\""));
    assert_eq!(
        attr(&html, "#doc-kind option[selected]", "value").as_deref(),
        Some("sktm")
    );

    // Act: without the scan, then with a broken one.
    let version = app.case_state(id).await.1;
    let without = app
        .post_multipart(&client, &page, &action, &sktm_fields(version), &[])
        .await;
    let broken = app
        .post_multipart(
            &client,
            &page,
            &action,
            &sktm_fields(version),
            &[("document_file", "sktm.pdf", b"%PDF-1.7\nrusak".to_vec())],
        )
        .await;

    // Assert: refused under the file input, nothing stored, typed values kept.
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = without.text().await.expect("page");
    let error = text(&html, "#submit_sktm-document_file-error").expect("an error");
    assert!(error.contains("Scan SKTM wajib"), "{error}");
    assert_eq!(
        text(
            &html,
            "#action-submit_sktm #error-summary a[href='#submit_sktm-document_file']"
        ),
        Some(error)
    );
    assert_eq!(
        attr(&html, "#submit_sktm-sktm_number", "value").as_deref(),
        Some("470/123/KEL-OESAPA/2026")
    );
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = broken.text().await.expect("page");
    let error = text(&html, "#submit_sktm-document_file-error").expect("an error");
    assert!(error.starts_with("PDF tidak dapat dibaca"), "{error}");
    assert!(
        documents(&app, id)
            .await
            .iter()
            .all(|(_, k, _)| k != "sktm")
    );
    assert_eq!(app.case_state(id).await, ("sktm_required".into(), version));

    // Act: with the scan.
    let sent = app
        .post_multipart(
            &client,
            &page,
            &action,
            &sktm_fields(version),
            &[("document_file", "sktm.pdf", TEST_PDF.to_vec())],
        )
        .await;

    // Assert
    assert_redirect(&sent, &page);
    assert_eq!(app.case_state(id).await.0, "guarantee_review");
    let sktm: Vec<_> = documents(&app, id)
        .await
        .into_iter()
        .filter(|(_, k, _)| k == "sktm")
        .collect();
    assert_eq!(sktm.len(), 1);
}

#[tokio::test]
async fn a_wrong_document_is_replaced_or_removed_at_the_hospital_and_kept_in_the_history() {
    // Arrange: a draft with its KTP photo.
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &good_fields()).await;
    let page = format!("/kasus/{id}");
    let old = documents(&app, id).await[0].0;
    let html = app.get_html(&client, &page).await;
    assert_eq!(
        attr(&html, "#doc-kind option[selected]", "value").as_deref(),
        Some("kk"),
        "the KTP is there: the KK comes next"
    );
    let replace = format!("/kasus/{id}/dokumen/{old}/ganti");
    assert!(html.contains(&format!("action=\"{replace}\"")));

    // Act: a refused file, then a good one.
    let refused = app
        .post_multipart(
            &client,
            &page,
            &replace,
            &[],
            &[("file", "kosong.jpg", vec![])],
        )
        .await;
    let replaced = app
        .post_multipart(
            &client,
            &page,
            &replace,
            &[],
            &[("file", "ktp2.jpg", test_jpeg())],
        )
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    let error = text(&html, &format!("#replace-{old}-error")).expect("the reason");
    assert!(error.contains("kosong"), "{error}");
    assert!(attr(&html, &format!("#change-{old}"), "open").is_some());
    assert_redirect(&replaced, &page);
    let docs = documents(&app, id).await;
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0], (old, "ktp".into(), true));
    let new = docs[1].0;
    assert_eq!(docs[1], (new, "ktp".into(), false));
    let html = app.get_html(&client, &page).await;
    assert_eq!(texts(&html, "#current-documents li").len(), 1);
    let history = text(&html, &format!("#document-history #document-{old}")).expect("history");
    assert!(
        history.starts_with("Foto KTP Diganti diunggah") && history.contains("; diganti "),
        "{history}"
    );
    assert!(
        history.ends_with(&format!("oleh Pengguna {}", pic.username)),
        "{history}"
    );
    // The old file is still there and readable by those who see documents.
    let old_file = app
        .get(&client, &format!("/kasus/{id}/dokumen/{old}"))
        .await;
    assert_eq!(old_file.status(), StatusCode::OK);
    let api = team_reader(&app).await;
    let json = api.case(id).await;
    let listed = json.body["documents"]
        .as_array()
        .expect("documents")
        .clone();
    let statuses: Vec<&str> = listed.iter().filter_map(|d| d["status"].as_str()).collect();
    assert_eq!(statuses, ["replaced", "current"]);
    assert_eq!(listed[0]["replaced_by"], json!(new.to_string()));

    // Act: the new one removed too; then the case cannot be sent without a KTP.
    let remove = format!("/kasus/{id}/dokumen/{new}/hapus");
    let removed = app.post_form_from(&client, &page, &remove, &[]).await;
    let again = app.post_form_from(&client, &page, &remove, &[]).await;

    // Assert
    assert_redirect(&removed, &page);
    assert_eq!(again.status(), StatusCode::CONFLICT, "removed twice");
    assert!(documents(&app, id).await.iter().all(|(_, _, gone)| *gone));
    let version = app.case_state(id).await.1;
    let submit = app
        .post_form_from(
            &client,
            &page,
            &format!("/kasus/{id}/tindakan/submit"),
            &[("version", version.to_string().as_str())],
        )
        .await;
    assert_eq!(submit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event IN ('case.document_replace', \
         'case.document_remove') AND target = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("audit rows");
    assert_eq!(audit, 2);
}

/// A provincial reader who sees documents (Dinkes prov), through the API.
async fn team_reader(app: &TestApp) -> Actor {
    actor(app, "dinkes_prov", None).await
}

#[tokio::test]
async fn documents_are_fixed_once_the_case_left_the_hospital_and_only_the_hospital_changes_them() {
    // Arrange: a case sent to Disdukcapil.
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &good_fields()).await;
    let doc = documents(&app, id).await[0].0;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let page = format!("/kasus/{id}");

    // Act
    let replace = app
        .post_multipart(
            &client,
            &page,
            &format!("/kasus/{id}/dokumen/{doc}/ganti"),
            &[],
            &[("file", "ktp2.png", PNG.to_vec())],
        )
        .await;
    let remove_path = format!("/kasus/{id}/dokumen/{doc}/hapus");
    let remove = app.post_form_from(&client, &page, &remove_path, &[]).await;
    let by_agency = app
        .post_form_from(&dukcapil, &page, &remove_path, &[])
        .await;
    let html = app.get_html(&client, &page).await;

    // Assert
    assert_eq!(replace.status(), StatusCode::CONFLICT);
    assert_eq!(remove.status(), StatusCode::CONFLICT);
    assert_eq!(by_agency.status(), StatusCode::FORBIDDEN);
    assert_eq!(documents(&app, id).await, [(doc, "ktp".into(), false)]);
    assert!(!html.contains("/ganti\""), "the page offers no replacement");

    // Act: Disdukcapil returns it; the hospital may replace it again.
    app.arrange_action(
        &app.create_test_user("dukcapil_prov", None).await,
        id,
        "return_to_rsud",
        &[
            ("reason_code", "foto_tidak_terbaca"),
            ("reason_text", "Foto KTP buram"),
        ],
    )
    .await;
    let replace = app
        .post_multipart(
            &client,
            &page,
            &format!("/kasus/{id}/dokumen/{doc}/ganti"),
            &[],
            &[("file", "ktp2.png", PNG.to_vec())],
        )
        .await;

    // Assert
    assert_redirect(&replace, &page);
    assert_eq!(documents(&app, id).await.len(), 2);
}
