//! The agencies' pages per role: queues by scope, the actions a role is shown and allowed,
//! masked NIKs, search, stale versions, intake and upload refusals, the guarantee letter, and
//! the `--demo` data.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// A man born 2 November 1975, registered in Kota Kupang.
const NIK_MARKUS: &str = "5371020211750002";
/// A woman born 21 July 1992 (day 21 + 40), registered in Sikka.
const NIK_MARIA: &str = "5310026107920003";

fn markus() -> Vec<(String, String)> {
    intake_fields("Markus Tefa", "L", "1975-11-02", NIK_MARKUS, "53.71")
}

fn maria() -> Vec<(String, String)> {
    intake_fields("Maria Da Silva", "P", "1992-07-21", NIK_MARIA, "53.10")
}

/// Links to case pages in a list page.
fn case_links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("table.cases a[href^='/kasus/']").expect("selector");
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect()
}

fn case_path(id: Uuid) -> String {
    format!("/kasus/{id}")
}

async fn case_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .expect("counting cases")
}

async fn document_count(app: &TestApp, id: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM documents WHERE case_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("counting documents")
}

#[tokio::test]
async fn queues_show_only_the_cases_in_the_users_scope() {
    // Arrange: one case at a Kupang hospital from Kota Kupang, one at a Maumere hospital from
    // Sikka, both referred to the kab/kota Dukcapil.
    let app = spawn_app().await;
    let (wzj, wzj_pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (tch, tch_pic) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (kupang, _) = app.signed_in("dukcapil_kab", Some("53.71")).await;
    let (sikka, _) = app.signed_in("dukcapil_kab", Some("53.10")).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let a = app.arrange_draft(&wzj_pic, &markus()).await;
    let b = app.arrange_draft(&tch_pic, &maria()).await;

    // Act
    let wzj_queue = app.get_html(&wzj, "/antrean").await;
    let tch_queue = app.get_html(&tch, "/antrean").await;
    let wzj_opens_b = app.get(&wzj, &case_path(b)).await;

    // Assert
    assert_eq!(case_links(&wzj_queue), vec![case_path(a)]);
    assert_eq!(case_links(&tch_queue), vec![case_path(b)]);
    assert_eq!(wzj_opens_b.status(), StatusCode::NOT_FOUND);

    // Arrange: both cases go to the kab/kota Dukcapil.
    for (id, pic) in [(a, &wzj_pic), (b, &tch_pic)] {
        app.arrange_action(pic, id, "submit", &[]).await;
        app.arrange_action(
            &dukcapil,
            id,
            "refer_to_kab",
            &[("reason", "Tidak ditemukan di SIAK")],
        )
        .await;
    }

    // Act
    let kupang_queue = app.get_html(&kupang, "/antrean").await;
    let sikka_queue = app.get_html(&sikka, "/antrean").await;
    let kupang_opens_b = app.get(&kupang, &case_path(b)).await;

    // Assert
    assert_eq!(case_links(&kupang_queue), vec![case_path(a)]);
    assert_eq!(case_links(&sikka_queue), vec![case_path(b)]);
    assert_eq!(kupang_opens_b.status(), StatusCode::NOT_FOUND);
    // Nor can a search widen the scope.
    let search = app
        .post_form(
            &kupang,
            "/antrean",
            &[("q", "Maria"), ("state", ""), ("kab", "")],
        )
        .await;
    assert_eq!(search.status(), StatusCode::SEE_OTHER);
    let to = location(&search).expect("a redirect");
    assert!(case_links(&app.get_html(&kupang, &to).await).is_empty());
}

#[tokio::test]
async fn another_roles_action_is_not_offered_and_is_refused_when_posted() {
    // Arrange: a case waiting for Dukcapil (nik_check), opened by Dinsos.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let (dinsos, _) = app.signed_in("dinsos_prov", None).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let before = app.case_state(id).await;

    // Act
    let page = app.get_html(&dinsos, &case_path(id)).await;
    let response = app
        .post_form_from(
            &dinsos,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/verify_nik"),
            &[
                ("version", &before.1.to_string()),
                ("source_system", "siak"),
                ("registry_data", "Markus Tefa, Kota Kupang"),
            ],
        )
        .await;

    // Assert
    assert!(text(&page, "#action-verify_nik").is_none(), "{page}");
    assert!(text(&page, "form.action-form").is_none(), "{page}");
    assert!(text(&page, "#no-actions").is_some());
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.case_state(id).await, before);
    assert_eq!(before.0, "nik_check");
}

#[tokio::test]
async fn lists_show_the_nik_masked() {
    // Arrange
    let app = spawn_app().await;
    let (pic_client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let draft = app.arrange_draft(&pic, &markus()).await;
    let sent = app
        .arrange_draft(
            &pic,
            &intake_fields(
                "Fransiska Lake",
                "P",
                "1992-07-21",
                "5371026107920003",
                "53.71",
            ),
        )
        .await;
    app.arrange_action(&pic, sent, "submit", &[]).await;

    for (client, path, id, nik) in [
        (&pic_client, "/antrean", draft, NIK_MARKUS),
        (&pic_client, "/kasus-saya", draft, NIK_MARKUS),
        (&dukcapil, "/antrean", sent, "5371026107920003"),
    ] {
        // Act
        let html = app.get_html(client, path).await;

        // Assert
        assert!(case_links(&html).contains(&case_path(id)), "{path}: {html}");
        let shown = texts(&html, "td.nik");
        assert!(!shown.is_empty(), "{path}");
        for n in &shown {
            assert_eq!(n.len(), 16, "{path}: {n}");
            assert!(
                n[..4].chars().all(|c| c.is_ascii_digit())
                    && &n[4..12] == "********"
                    && n[12..].chars().all(|c| c.is_ascii_digit()),
                "{path}: {n} is not masked"
            );
        }
        assert!(shown.contains(&format!("{}********{}", &nik[..4], &nik[12..])));
        assert!(!html.contains(nik), "{path} shows the full NIK");
    }
}

#[tokio::test]
async fn search_by_name_or_nik_is_a_post_redirected_to_an_opaque_id() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let markus_id = app.arrange_draft(&pic, &markus()).await;
    let other = app
        .arrange_draft(
            &pic,
            &intake_fields(
                "Fransiska Lake",
                "P",
                "1992-07-21",
                "5371026107920003",
                "53.71",
            ),
        )
        .await;
    let queue = app.get_html(&client, "/antrean").await;

    // Assert: the search form posts.
    assert_eq!(
        attr(&queue, "form[role=search]", "method").as_deref(),
        Some("post")
    );
    assert_eq!(
        attr(&queue, "form[role=search]", "action").as_deref(),
        Some("/antrean")
    );

    for q in ["Markus", NIK_MARKUS] {
        // Act
        let response = app
            .post_form(&client, "/antrean", &[("q", q), ("state", ""), ("kab", "")])
            .await;

        // Assert: a 303 to an address holding only the opaque search id.
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{q}");
        let to = location(&response).expect("a redirect");
        assert!(to.starts_with("/antrean?cari="), "{to}");
        assert!(
            !to.contains(q) && !to.to_lowercase().contains("markus"),
            "{to}"
        );
        let html = app.get_html(&client, &to).await;
        let links = case_links(&html);
        assert_eq!(links, vec![case_path(markus_id)], "{q}");
        assert!(!links.contains(&case_path(other)));
    }

    // A GET with a query is not a search: the NIK stays out of URLs (and logs).
    let response = app.get(&client, &format!("/antrean?q={NIK_MARKUS}")).await;
    let html = response.text().await.expect("page");
    assert_eq!(case_links(&html).len(), 2, "a GET query must not filter");
}

#[tokio::test]
async fn stale_version_shows_changed_by_someone_else_with_the_fresh_state() {
    // Arrange: two PICs of the same hospital have the draft open; one edits the patient.
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let colleague = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let page = app.get_html(&client, &case_path(id)).await;
    let stale = attr(&page, "#action-submit input[name=version]", "value").expect("version");
    let mut edited: std::collections::HashMap<String, String> = markus().into_iter().collect();
    edited.insert("full_name".into(), "Markus Yohanes Tefa".into());
    let patient = app
        .cases
        .parse_patient(&edited)
        .await
        .expect("valid fields");
    app.cases
        .update_patient(
            &app.current_user(&colleague).await,
            id,
            stale.parse().expect("a number"),
            &patient,
        )
        .await
        .expect("the colleague's edit");
    let fresh = app.case_state(id).await;

    // Act
    let response = app
        .post_form_from(
            &client,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/submit"),
            &[("version", &stale)],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.expect("page");
    let problem = text(&html, "#case-problem").expect("a problem message");
    assert!(problem.contains("diubah oleh orang lain"), "{problem}");
    assert!(problem.contains("data terbaru"), "{problem}");
    assert!(
        text(&html, "h1")
            .expect("h1")
            .contains("Markus Yohanes Tefa")
    );
    assert_eq!(
        attr(&html, "#action-submit input[name=version]", "value"),
        Some(fresh.1.to_string())
    );
    assert_eq!(
        attr(&html, "#case-state", "data-state").as_deref(),
        Some("draft")
    );
    assert_eq!(app.case_state(id).await, fresh, "nothing was applied");
}

#[tokio::test]
async fn intake_with_a_bad_nik_is_refused_with_the_error_under_the_nik_and_keeps_the_form() {
    // Arrange: the birth date says the 3rd; the NIK says the 2nd.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields("Markus Tefa", "L", "1975-11-03", NIK_MARKUS, "53.71");
    let mut form = fields.clone();
    form.push(("intent".into(), "submit".into()));

    // Act
    let response = app
        .post_multipart(&client, "/kasus/baru", "/kasus/baru", &form, &[])
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#intake-nik-wrap #intake-nik-error").as_deref(),
        Some("NIK: Tanggal lahir pada NIK (digit 7-8) adalah 2, tetapi tanggal lahir yang diisi 3")
    );
    assert_eq!(
        attr(&html, "#intake-nik", "aria-describedby").as_deref(),
        Some("intake-nik-error")
    );
    for (name, value) in &fields {
        let css = format!("#intake-{name}");
        let kept = match name.as_str() {
            "sex"
            | "has_identity_document"
            | "domicile_kab_kota_code"
            | "service_type"
            | "ward_class"
            | "jkn_status" => attr(&html, &format!("{css} option[selected]"), "value"),
            "address" | "clinical_reason" => text(&html, &css),
            _ => attr(&html, &css, "value"),
        };
        assert_eq!(kept.as_deref(), Some(value.as_str()), "{name}");
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn oversized_or_non_image_uploads_are_refused_with_a_message() {
    // Arrange: a 1 MB limit; a draft case.
    let app = spawn_app_with(|s| s.max_upload_mb = 1).await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    let documents = document_count(&app, id).await;
    let mut big_png = TEST_PNG.to_vec();
    big_png.resize(1_500_000, 0);
    let mut huge_png = TEST_PNG.to_vec();
    huge_png.resize(3_000_000, 0);

    for (file_name, bytes, message) in [
        (
            "catatan.txt",
            b"bukan foto".to_vec(),
            "Berkas harus berupa foto JPEG/PNG atau PDF.",
        ),
        (
            "besar.png",
            big_png,
            "Berkas terlalu besar (1,4 MB); maksimal 1 MB.",
        ),
        (
            "raksasa.png",
            huge_png,
            "Berkas terlalu besar; maksimal 1 MB.",
        ),
    ] {
        // Act
        let response = app
            .post_multipart(
                &client,
                &case_path(id),
                &format!("/kasus/{id}/dokumen"),
                &[("kind".into(), "ktp".into())],
                &[("file", file_name, bytes)],
            )
            .await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{file_name}"
        );
        let html = response.text().await.expect("page");
        assert_eq!(
            text(&html, "form.upload + .field-error").as_deref(),
            Some(message),
            "{file_name}"
        );
        assert_eq!(document_count(&app, id).await, documents, "{file_name}");
    }

    // The intake form refuses a non-image KTP photo the same way, next to its input.
    let mut form = markus();
    form.push(("intent".into(), "draft".into()));
    let response = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &form,
            &[("ktp_file", "ktp.txt", b"bukan foto".to_vec())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert_eq!(
        text(&html, "#ktp_file + .field-error").as_deref(),
        Some("Berkas harus berupa foto JPEG/PNG atau PDF.")
    );
    assert_eq!(case_count(&app).await, 1, "no second case");
}

#[tokio::test]
async fn guarantee_letter_is_refused_before_approval_and_complete_after() {
    // Arrange: a case at Dinkes (guarantee_review).
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let dinsos = app.create_test_user("dinsos_prov", None).await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
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
    let letter = format!("/kasus/{id}/surat-jaminan");

    // Act
    let before = app.get(&client, &letter).await;

    // Assert
    assert_eq!(before.status(), StatusCode::CONFLICT);
    let html = before.text().await.expect("page");
    assert!(text(&html, "#letter-number").is_none());
    assert!(
        html.contains("hanya tersedia untuk kasus yang jaminannya sudah disetujui"),
        "{html}"
    );

    // Act: the guarantee starts on the day of admission (today).
    let start = app.clock.today();
    app.arrange_action(
        &dinkes,
        id,
        "approve_guarantee",
        &[("start_date", &start.to_string()), ("payer", "pemkab_asal")],
    )
    .await;
    let html = app.get_html(&client, &letter).await;

    // Assert
    assert_eq!(
        text(&html, "#letter-number"),
        Some(merajut_sehat::domain::guarantee::letter_number(1, start))
    );
    assert_eq!(
        text(&html, "#letter-patient").as_deref(),
        Some("Markus Tefa")
    );
    assert_eq!(
        text(&html, "#letter-hospital").as_deref(),
        Some("RSUD Prof. Dr. W.Z. Johannes Kupang")
    );
    assert_eq!(
        text(&html, "#letter-payer").as_deref(),
        Some("Pemerintah Kota Kupang")
    );
    assert_eq!(
        text(&html, "#letter-period"),
        Some(format!(
            "{} s.d. sehari sebelum kepesertaan JKN berlaku",
            start.format("%d-%m-%Y")
        ))
    );
}

#[tokio::test]
async fn administrator_is_refused_the_queue_and_the_case_page() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let id = app.arrange_draft(&pic, &markus()).await;

    for path in [
        "/antrean".to_string(),
        case_path(id),
        format!("/kasus/{id}/surat-jaminan"),
    ] {
        // Act
        let response = app.get(&admin, &path).await;

        // Assert
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let html = response.text().await.expect("page");
        assert_eq!(
            text(&html, "h1").as_deref(),
            Some("Akses ditolak"),
            "{path}"
        );
        assert!(!html.contains("Markus"), "{path}");
    }
}

#[tokio::test]
async fn demo_seed_creates_a_user_per_role_and_fourteen_cases_in_distinct_states() {
    // Arrange
    let app = spawn_app().await;

    // Act
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding the demo data");

    // Assert
    let users: Vec<(String, String)> = sqlx::query_as(
        "SELECT username, role::text FROM users WHERE username LIKE 'demo\\_%' ORDER BY username",
    )
    .fetch_all(&app.pool)
    .await
    .expect("reading users");
    let mut expected: Vec<(String, String)> = merajut_sehat::domain::Role::ALL
        .iter()
        .map(|r| (format!("demo_{}", r.as_str()), r.as_str().to_string()))
        .collect();
    expected.sort();
    assert_eq!(users, expected);
    assert_eq!(users.len(), merajut_sehat::domain::Role::ALL.len());
    let states: Vec<String> = sqlx::query_scalar("SELECT state::text FROM cases ORDER BY 1")
        .fetch_all(&app.pool)
        .await
        .expect("reading cases");
    assert_eq!(states.len(), 14, "{states:?}");
    let mut distinct = states.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 14, "{states:?}");
    // Both entries of the PBPU Pemda route are there to try.
    assert!(states.contains(&"pbpu_review".to_string()), "{states:?}");
    assert!(states.contains(&"pbpu_proposed".to_string()), "{states:?}");

    // Seeding again adds nothing.
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding again");
    assert_eq!(case_count(&app).await, 14);
}
