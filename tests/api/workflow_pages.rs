//! The workflow through the pages, as each desk's signed-in user works it: find the case in the
//! queue page, open it, fill the action's form (generated from the action's field specs) and
//! post it. The PBPU Pemda route from both its entries, verification without a NIK, and a NIK
//! changed after verification.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// A man born 2 November 1975, registered in Kota Kupang.
const NIK_MARKUS: &str = "5371020211750002";
/// Another valid NIK of the same man (serial 0007).
const NIK_MARKUS_OTHER: &str = "5371020211750007";

fn markus() -> Vec<(String, String)> {
    intake_fields("Markus Tefa", "L", "1975-11-02", NIK_MARKUS, "53.71")
}

fn case_path(id: Uuid) -> String {
    format!("/kasus/{id}")
}

fn app_today() -> chrono::NaiveDate {
    merajut_sehat::clock::Clock::system().today()
}

fn today() -> String {
    app_today().to_string()
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

/// Whether case `id` is in the queue page of `client`.
async fn in_queue(app: &TestApp, client: &TestClient, id: Uuid) -> bool {
    case_links(&app.get_html(client, "/antrean").await).contains(&case_path(id))
}

/// A form value: typed text, or the option of a select whose label contains the text.
enum Value<'a> {
    Typed(&'a str, &'a str),
    Chosen(&'a str, &'a str),
}

/// The signed-in `client` finds case `id` in its queue page, opens it, fills the form of
/// `action` with `values` and posts it, as the browser would; asserts the 303 and returns
/// where it leads.
async fn act_from_queue(
    app: &TestApp,
    client: &TestClient,
    id: Uuid,
    action: &str,
    values: &[Value<'_>],
) -> String {
    assert!(
        in_queue(app, client, id).await,
        "case not in the queue page before {action}"
    );
    let page = app.get_html(client, &case_path(id)).await;
    let form = format!("form#action-{action}");
    assert!(text(&page, &form).is_some(), "no form {form}:\n{page}");
    let version = attr(&page, &format!("{form} input[name=version]"), "value").expect("version");
    let mut fields: Vec<(String, String)> = vec![("version".into(), version)];
    // An irreversible action asks for the "Saya mengerti" tick; the user gives it.
    if attr(&page, &format!("#{action}-konfirmasi"), "name").is_some() {
        fields.push(("konfirmasi".into(), "ya".into()));
    }
    for v in values {
        match v {
            Value::Typed(name, value) => {
                let css = format!("#{action}-{name}");
                assert!(
                    attr(&page, &css, "name").as_deref() == Some(*name),
                    "no input {css}"
                );
                fields.push((name.to_string(), value.to_string()));
            }
            Value::Chosen(name, label) => {
                let css = format!("#{action}-{name}");
                let code = option_value(&page, &css, label)
                    .unwrap_or_else(|| panic!("no option {label:?} in {css}"));
                fields.push((name.to_string(), code));
            }
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app
        .post_form_from(
            client,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/{action}"),
            &pairs,
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{action}: {}",
        response.text().await.unwrap_or_default()
    );
    location(&response).expect("a redirect")
}

/// The case page's `#case-state` code.
async fn page_state(app: &TestApp, client: &TestClient, id: Uuid) -> String {
    let page = app.get_html(client, &case_path(id)).await;
    attr(&page, "#case-state", "data-state").expect("a state badge")
}

/// The users of one chain of desks, created directly.
struct Desks {
    pic: TestUser,
    dukcapil: TestUser,
    dinsos: TestUser,
    dinsos_kab: TestUser,
    dinkes: TestUser,
}

impl Desks {
    async fn create(app: &TestApp) -> Desks {
        Desks {
            pic: app.create_test_user("rsud", Some("RSUD-WZJ")).await,
            dukcapil: app.create_test_user("dukcapil_prov", None).await,
            dinsos: app.create_test_user("dinsos_prov", None).await,
            dinsos_kab: app.create_test_user("dinsos_kab", Some("53.71")).await,
            dinkes: app.create_test_user("dinkes_prov", None).await,
        }
    }

    /// Markus's case, submitted and verified, with `desil` recorded.
    async fn case_with_desil(&self, app: &TestApp, desil: &str) -> Uuid {
        let id = app.arrange_draft(&self.pic, &markus()).await;
        app.arrange_action(&self.pic, id, "submit", &[]).await;
        app.arrange_action(
            &self.dukcapil,
            id,
            "verify_nik",
            &[("source_system", "siak"), ("registry_data", "Markus Tefa")],
        )
        .await;
        app.arrange_action(
            &self.dinsos,
            id,
            "record_desil",
            &[
                ("source_system", "siks_ng"),
                ("desil", desil),
                ("registry_data", "DTSEN"),
            ],
        )
        .await;
        id
    }

    async fn approve(&self, app: &TestApp, id: Uuid) {
        app.arrange_action(
            &self.dinkes,
            id,
            "approve_guarantee",
            &[("start_date", &today()), ("payer", "pemprov")],
        )
        .await;
    }
}

/// From `pbpu_review` to `handed_over` through the pages of Dinkes prov and BPJS.
async fn enrol_and_activate_on_the_pages(app: &TestApp, id: Uuid) {
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (bpjs, _) = app.signed_in("bpjs", None).await;
    let (dinsos, _) = app.signed_in("dinsos_prov", None).await;
    assert!(!in_queue(app, &dinsos, id).await, "still at Dinsos prov");
    assert!(!in_queue(app, &bpjs, id).await, "at BPJS too early");

    // Dinkes sees the route being pursued, and decides.
    let page = app.get_html(&dinkes, &case_path(id)).await;
    assert_eq!(
        text(&page, "#case-scheme").as_deref(),
        Some("PBPU Pemda dalam proses")
    );
    // A form sent without a payer comes back with the message and what was typed.
    let version = attr(
        &page,
        "#action-enrol_pbpu_pemda input[name=version]",
        "value",
    )
    .expect("version");
    let refused = app
        .post_form_from(
            &dinkes,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/enrol_pbpu_pemda"),
            &[
                ("version", &version),
                ("decided_on", &today()),
                ("decision_reference", "ND/440/PBPU/2026/5"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    assert_eq!(
        text(&html, "#enrol_pbpu_pemda-payer-error").as_deref(),
        Some("Penanggung iuran wajib diisi")
    );
    assert_eq!(
        attr(&html, "#enrol_pbpu_pemda-decision_reference", "value").as_deref(),
        Some("ND/440/PBPU/2026/5")
    );
    act_from_queue(
        app,
        &dinkes,
        id,
        "enrol_pbpu_pemda",
        &[
            Value::Chosen("payer", "Pemerintah Provinsi"),
            Value::Typed("decided_on", &today()),
            Value::Typed("decision_reference", "ND/440/PBPU/2026/5"),
        ],
    )
    .await;
    assert_eq!(page_state(app, &dinkes, id).await, "pbpu_proposed");
    assert!(!in_queue(app, &dinkes, id).await);
    let page = app.get_html(&dinkes, &case_path(id)).await;
    let decision = text(&page, "#case-pbpu").expect("the decision on the case page");
    assert!(
        decision.contains("Pemerintah Provinsi") && decision.contains("ND/440/PBPU/2026/5"),
        "{decision}"
    );

    // BPJS registers the membership.
    act_from_queue(
        app,
        &bpjs,
        id,
        "record_pbpu_active",
        &[
            Value::Typed("bpjs_card_number", "0009876543210"),
            Value::Typed("effective_date", "2026-12-15"),
        ],
    )
    .await;
    assert_eq!(page_state(app, &bpjs, id).await, "handed_over");
    assert!(!in_queue(app, &bpjs, id).await);
}

#[tokio::test]
async fn refused_pbi_goes_the_pbpu_pemda_route_through_the_pages() {
    // Arrange: desil 3, guaranteed, proposed for PBI.
    let app = spawn_app().await;
    let desks = Desks::create(&app).await;
    let id = desks.case_with_desil(&app, "3").await;
    desks.approve(&app, id).await;
    app.arrange_action(
        &desks.dinsos,
        id,
        "propose_pbi",
        &[("proposed_on", &today())],
    )
    .await;
    let (bpjs, _) = app.signed_in("bpjs", None).await;

    // Act: BPJS records the refusal from its queue.
    let to = act_from_queue(
        &app,
        &bpjs,
        id,
        "record_pbi_refused",
        &[Value::Typed("reason", "Tidak masuk kuota PBI Kemensos")],
    )
    .await;

    // Assert: nothing more for BPJS now; the case is at Dinkes prov.
    assert_eq!(to, "/antrean");
    assert_eq!(page_state(&app, &bpjs, id).await, "pbpu_review");
    enrol_and_activate_on_the_pages(&app, id).await;

    // The hospital sees the scheme on the case page and on the guarantee letter.
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let page = app.get_html(&pic, &case_path(id)).await;
    assert_eq!(text(&page, "#case-scheme").as_deref(), Some("PBPU Pemda"));
    let letter = app
        .get_html(&pic, &format!("/kasus/{id}/surat-jaminan"))
        .await;
    assert_eq!(
        text(&letter, "#letter-scheme").as_deref(),
        Some("PBPU Pemda, berlaku 15-12-2026")
    );
    // Approved today, so the guarantee runs from today to the day before PBPU Pemda.
    assert_eq!(
        text(&letter, "#letter-period"),
        Some(format!(
            "{} s.d. 14-12-2026",
            app_today().format("%d-%m-%Y")
        ))
    );
}

#[tokio::test]
async fn uncorrected_desil_goes_the_pbpu_pemda_route_through_the_pages() {
    // Arrange: desil 9, SKTM, guarantee approved, the desil not corrected.
    let app = spawn_app().await;
    let desks = Desks::create(&app).await;
    let id = desks.case_with_desil(&app, "9").await;
    app.cases
        .add_document(
            &app.current_user(&desks.pic).await,
            id,
            &merajut_sehat::cases::Upload {
                kind: "sktm",
                bytes: TEST_PNG,
                original_name: Some("sktm.png"),
            },
        )
        .await
        .expect("uploading the SKTM");
    app.arrange_action(
        &desks.pic,
        id,
        "submit_sktm",
        &[
            ("sktm_number", "470/9/2026"),
            ("sktm_date", &today()),
            ("issued_by", "Kelurahan Oesapa"),
        ],
    )
    .await;
    desks.approve(&app, id).await;
    app.arrange_action(
        &desks.dinsos_kab,
        id,
        "record_desil_correction",
        &[("corrected", "tidak")],
    )
    .await;
    let (dinsos, _) = app.signed_in("dinsos_prov", None).await;

    // Act: Dinsos prov finds it in its queue; only PBPU Pemda is offered.
    let page = app.get_html(&dinsos, &case_path(id)).await;
    assert!(text(&page, "form#action-propose_pbi").is_none(), "{page}");
    act_from_queue(
        &app,
        &dinsos,
        id,
        "propose_pbpu",
        &[
            Value::Typed("proposed_on", &today()),
            Value::Typed("proposal_reference", "USUL-PBPU/2026/8"),
        ],
    )
    .await;

    // Assert
    assert_eq!(page_state(&app, &dinsos, id).await, "pbpu_review");
    enrol_and_activate_on_the_pages(&app, id).await;
}

#[tokio::test]
async fn verify_nik_is_not_offered_for_a_patient_without_a_nik() {
    // Arrange: a patient without any identity document, submitted.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let mut fields = markus();
    for (k, v) in fields.iter_mut() {
        match k.as_str() {
            "has_identity_document" => *v = "tidak".into(),
            "nik" => v.clear(),
            _ => {}
        }
    }
    let id = app.arrange_draft(&pic, &fields).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let before = app.case_state(id).await;

    // Act
    let page = app.get_html(&dukcapil, &case_path(id)).await;
    let response = app
        .post_form_from(
            &dukcapil,
            &case_path(id),
            &format!("/kasus/{id}/tindakan/verify_nik"),
            &[
                ("version", &before.1.to_string()),
                ("source_system", "siak"),
                ("registry_data", "Tidak ada"),
            ],
        )
        .await;

    // Assert
    assert!(text(&page, "form#action-verify_nik").is_none(), "{page}");
    assert!(text(&page, "form#action-refer_to_kab").is_some());
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.expect("page");
    let problem = text(&html, "#case-problem").expect("a problem message");
    assert!(
        problem.contains("Verifikasi NIK memerlukan NIK"),
        "{problem}"
    );
    assert_eq!(app.case_state(id).await, before);
}

#[tokio::test]
async fn a_nik_changed_after_verification_goes_back_to_dukcapil_and_the_page_shows_it_masked() {
    // Arrange: verified, returned by Dinsos prov; the PIC corrects the NIK.
    let app = spawn_app().await;
    let desks = Desks::create(&app).await;
    let id = app.arrange_draft(&desks.pic, &markus()).await;
    app.arrange_action(&desks.pic, id, "submit", &[]).await;
    app.arrange_action(
        &desks.dukcapil,
        id,
        "verify_nik",
        &[("source_system", "siak"), ("registry_data", "Markus Tefa")],
    )
    .await;
    app.arrange_action(
        &desks.dinsos,
        id,
        "return_to_rsud",
        &[
            ("reason_code", "data_tidak_sesuai"),
            ("reason_text", "NIK tidak sesuai DTSEN"),
        ],
    )
    .await;
    let mut edited: std::collections::HashMap<String, String> = markus().into_iter().collect();
    edited.insert("nik".into(), NIK_MARKUS_OTHER.into());
    let (_, version) = app.case_state(id).await;
    let patient = app
        .cases
        .parse_patient(&edited)
        .await
        .expect("valid fields");
    app.cases
        .update_patient(&app.current_user(&desks.pic).await, id, version, &patient)
        .await
        .expect("editing the NIK");
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;

    // Act
    act_from_queue(
        &app,
        &pic,
        id,
        "resubmit",
        &[Value::Typed("note", "NIK diperbaiki sesuai KK")],
    )
    .await;

    // Assert: at Dukcapil prov, with the change in the timeline, masked.
    assert!(in_queue(&app, &dukcapil, id).await);
    let page = app.get_html(&dukcapil, &case_path(id)).await;
    assert_eq!(
        attr(&page, "#case-state", "data-state").as_deref(),
        Some("nik_check")
    );
    let change = text(&page, "#timeline .identity-change").expect("the change in the timeline");
    assert_eq!(
        change,
        "Diubah setelah diverifikasi Disdukcapil: NIK 5371********0002 → 5371********0007; \
         diverifikasi ulang."
    );
    assert!(!page.contains(NIK_MARKUS), "the old NIK is shown in full");
    assert!(text(&page, "form#action-verify_nik").is_some());
}

/// Without JavaScript the tick is the confirmation: a return sent without "Saya mengerti"
/// comes back (422) with the message at the tick, its form open and what was typed, and
/// nothing changes; with it the case goes back to the hospital. A routine step asks nothing.
#[tokio::test]
async fn an_irreversible_action_without_the_tick_is_refused_and_keeps_what_was_typed() {
    // Arrange: a case at Disdukcapil prov.
    let app = spawn_app().await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let id = app.arrange_draft(&pic, &markus()).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let page = app.get_html(&dukcapil, &case_path(id)).await;
    assert!(attr(&page, "#verify_nik-konfirmasi", "name").is_none());
    assert!(
        text(&page, "#return_to_rsud-konfirmasi-wrap").is_some_and(|t| t.contains(
            "Saya mengerti: Kasus akan dikembalikan ke RSUD Prof. Dr. W.Z. Johannes Kupang"
        )),
        "{page}"
    );
    assert!(attr(&page, "details#tindakan-return_to_rsud", "open").is_none());
    let version = app.case_state(id).await.1.to_string();
    let action = format!("/kasus/{id}/tindakan/return_to_rsud");
    let typed = [
        ("version", version.as_str()),
        ("reason_code", "data_tidak_sesuai"),
        ("reason_text", "NIK tidak ditemukan di SIAK"),
    ];

    // Act: without the tick.
    let refused = app
        .post_form_from(&dukcapil, &case_path(id), &action, &typed)
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    assert_eq!(
        text(&html, "#return_to_rsud-konfirmasi-error").as_deref(),
        Some(
            "Konfirmasi: centang \"Saya mengerti\" bila Anda yakin; tanpa itu \"Kembalikan ke \
             RSUD\" tidak dijalankan."
        )
    );
    assert!(attr(&html, "details#tindakan-return_to_rsud", "open").is_some());
    assert_eq!(
        attr(&html, "#return_to_rsud-konfirmasi", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        text(&html, "#return_to_rsud-reason_text").as_deref(),
        Some("NIK tidak ditemukan di SIAK")
    );
    assert_eq!(
        attr(
            &html,
            "#return_to_rsud-reason_code option[selected]",
            "value"
        )
        .as_deref(),
        Some("data_tidak_sesuai")
    );
    assert_eq!(app.case_state(id).await.0, "nik_check");

    // Act: with it.
    let mut confirmed = typed.to_vec();
    confirmed.push(("konfirmasi", "ya"));
    let done = app
        .post_form_from(&dukcapil, &case_path(id), &action, &confirmed)
        .await;

    // Assert
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(id).await.0, "returned");
}
