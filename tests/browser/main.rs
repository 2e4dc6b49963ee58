//! Real-browser tests: Chromium (headless) driven through chromedriver against the real server
//! on a real database. Every agency signs in and works its desk by typing and clicking, as
//! the issue "Every agency works in the browser" asks.
//!
//! Each test starts its own chromedriver (see `driver`); the tests FAIL, never skip, when
//! Chromium or chromedriver is missing.

#[path = "../common/mod.rs"]
mod common;

mod account;
mod audit;
mod background_work;
mod claims;
mod driver;
mod exports;
mod family_status;
mod flows;
mod intake;
mod letter;
mod monitoring;
mod nominatif;
mod offline;
mod pages;
mod phone;
mod quota;
mod reports;
mod retention;
mod serving;

use common::{TestApp, spawn_app};
use driver::{Browser, Chromedriver};
use flows::*;

/// Desktop window.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;

/// Dukcapil prov confirms the NIK in SIAK: nik_check → desil_check.
async fn verify_nik(browser: &Browser, app: &TestApp, a: &Agencies, case: &Case) {
    agency_acts(
        browser,
        app,
        &a.dukcapil_prov,
        case,
        "verify_nik",
        &[
            choose("source_system", "siak"),
            text(
                "registry_data",
                format!("{}, terdaftar di SIAK, Kota Kupang", case.patient),
            ),
        ],
        "desil_check",
    )
    .await;
}

/// Dinsos prov records the desil found in SIKS-NG.
async fn record_desil(
    browser: &Browser,
    app: &TestApp,
    a: &Agencies,
    case: &Case,
    desil: &'static str,
    expected: &str,
) {
    agency_acts(
        browser,
        app,
        &a.dinsos_prov,
        case,
        "record_desil",
        &[
            choose("source_system", "siks_ng"),
            choose("desil", desil),
            text("registry_data", format!("Terdaftar DTSEN desil {desil}")),
        ],
        expected,
    )
    .await;
}

/// From guarantee_review to pbi_proposed: Dinkes approves (the letter is numbered then),
/// Dinsos proposes PBI.
async fn guarantee_to_pbi_proposed(browser: &Browser, app: &TestApp, a: &Agencies, case: &Case) {
    agency_acts(
        browser,
        app,
        &a.dinkes_prov,
        case,
        "approve_guarantee",
        &[date("start_date", days_ago(3)), choose("payer", "pemprov")],
        "guaranteed",
    )
    .await;
    // The letter is there for the hospital to print as soon as the guarantee is approved.
    assert!(browser.has("#letter-link").await, "no link to the letter");
    agency_acts(
        browser,
        app,
        &a.dinsos_prov,
        case,
        "propose_pbi",
        &[
            date("proposed_on", today()),
            text("proposal_reference", "USUL-PBI/2026/001"),
        ],
        "pbi_proposed",
    )
    .await;
}

/// From guarantee_review to handed_over: Dinkes approves, Dinsos proposes PBI, BPJS records
/// the activation.
async fn guarantee_to_handover(browser: &Browser, app: &TestApp, a: &Agencies, case: &Case) {
    guarantee_to_pbi_proposed(browser, app, a, case).await;
    agency_acts(
        browser,
        app,
        &a.bpjs,
        case,
        "record_pbi_active",
        &[
            text("bpjs_card_number", "0001234567890"),
            date("effective_date", today()),
        ],
        "handed_over",
    )
    .await;
}

/// Asserts that the timeline on the case page lists `steps` (action labels), in this order.
async fn assert_timeline(browser: &Browser, steps: &[&str]) {
    let timeline = browser.timeline().await;
    let firsts: Vec<String> = timeline
        .iter()
        .map(|t| t.lines().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(firsts.len(), steps.len(), "timeline:\n{timeline:#?}");
    for (line, step) in firsts.iter().zip(steps) {
        assert!(
            line.starts_with(step),
            "expected step {step:?}, got {line:?}\n{timeline:#?}"
        );
    }
}

/// The RSUD PIC opens the guarantee letter from the case page: the application's first letter
/// of the year, numbered at approval.
async fn assert_letter(browser: &Browser, app: &TestApp, a: &Agencies, case: &Case) {
    let letter = merajut_sehat::domain::guarantee::letter_number(1, app.clock.today());
    switch_to(browser, app, &a.rsud).await;
    browser.goto(&app.url(&format!("/kasus/{}", case.id))).await;
    browser.click_and_wait("#letter-link").await;
    assert_eq!(
        browser.path().await,
        format!("/kasus/{}/surat-jaminan", case.id)
    );
    assert_eq!(browser.text("#letter-number").await, letter);
    assert_eq!(browser.text("#letter-patient").await, case.patient);
    assert_eq!(
        browser.text("#letter-hospital").await,
        "RSUD Prof. Dr. W.Z. Johannes Kupang"
    );
}

#[tokio::test]
async fn desil_1_to_5_case_goes_from_intake_to_bpjs_in_the_browser() {
    // Arrange
    let app = spawn_app().await;
    let agencies = Agencies::create(&app).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;

    // Act: the hospital registers the patient and sends the case.
    switch_to(&browser, &app, &agencies.rsud).await;
    let case = Case {
        id: register(&browser, &MARKUS).await,
        patient: MARKUS.name,
    };

    // Assert
    assert_eq!(browser.case_state().await, "nik_check");
    assert!(browser.text("p.flash").await.contains("terkirim"));
    // Masked on the page, as for every role (the full number only through a reveal).
    assert_eq!(
        browser.text("#patient-nik").await,
        format!("{}********{}", &MARKUS.nik[..4], &MARKUS.nik[12..])
    );

    // Act: every agency takes its step.
    verify_nik(&browser, &app, &agencies, &case).await;
    record_desil(&browser, &app, &agencies, &case, "3", "guarantee_review").await;
    guarantee_to_handover(&browser, &app, &agencies, &case).await;

    // Assert
    assert_timeline(
        &browser,
        &[
            "Kasus dibuat",
            "Kirim",
            "NIK terverifikasi",
            "Catat desil",
            "Setujui jaminan",
            "Usulkan PBI JKN",
            "PBI JKN aktif",
        ],
    )
    .await;
    assert!(browser.text("#case-desil").await.contains("Desil 3"));
    assert_letter(&browser, &app, &agencies, &case).await;
    browser.close().await;
}

#[tokio::test]
async fn refused_pbi_case_goes_the_pbpu_pemda_route_in_the_browser() {
    // Arrange: a registered, verified case with desil 3, guaranteed and proposed for PBI.
    let app = spawn_app().await;
    let agencies = Agencies::create(&app).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &agencies.rsud).await;
    let case = Case {
        id: register(&browser, &MARKUS).await,
        patient: MARKUS.name,
    };
    verify_nik(&browser, &app, &agencies, &case).await;
    record_desil(&browser, &app, &agencies, &case, "3", "guarantee_review").await;
    guarantee_to_pbi_proposed(&browser, &app, &agencies, &case).await;

    // Act: BPJS records the refusal; Dinkes decides PBPU Pemda; BPJS registers it. Each desk
    // opens the case from its own queue.
    agency_acts(
        &browser,
        &app,
        &agencies.bpjs,
        &case,
        "record_pbi_refused",
        &[text("reason", "Tidak masuk kuota PBI JKN Kemensos")],
        "pbpu_review",
    )
    .await;
    agency_acts(
        &browser,
        &app,
        &agencies.dinkes_prov,
        &case,
        "enrol_pbpu_pemda",
        &[
            choose("payer", "pemprov"),
            date("decided_on", today()),
            text("decision_reference", "ND/440/PBPU/2026/001"),
        ],
        "pbpu_proposed",
    )
    .await;
    assert!(
        browser
            .text("#case-pbpu")
            .await
            .contains("ND/440/PBPU/2026/001"),
        "{}",
        browser.text("#case-pbpu").await
    );
    agency_acts(
        &browser,
        &app,
        &agencies.bpjs,
        &case,
        "record_pbpu_active",
        &[
            text("bpjs_card_number", "0009876543210"),
            date("effective_date", today()),
        ],
        "handed_over",
    )
    .await;

    // Assert
    assert_timeline(
        &browser,
        &[
            "Kasus dibuat",
            "Kirim",
            "NIK terverifikasi",
            "Catat desil",
            "Setujui jaminan",
            "Usulkan PBI JKN",
            "Usulan PBI ditolak",
            "Daftarkan PBPU Pemda",
            "PBPU Pemda aktif",
        ],
    )
    .await;
    assert_eq!(browser.text("#case-scheme").await, "PBPU Pemda");
    assert_letter(&browser, &app, &agencies, &case).await;
    assert!(
        browser
            .text("#letter-scheme")
            .await
            .starts_with("PBPU Pemda, berlaku"),
        "{}",
        browser.text("#letter-scheme").await
    );
    browser.close().await;
}

#[tokio::test]
async fn sktm_case_gets_its_desil_corrected_and_goes_to_bpjs_in_the_browser() {
    // Arrange: a registered, verified case.
    let app = spawn_app().await;
    let agencies = Agencies::create(&app).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &agencies.rsud).await;
    let case = Case {
        id: register(&browser, &FRANSISKA).await,
        patient: FRANSISKA.name,
    };
    verify_nik(&browser, &app, &agencies, &case).await;

    // Act: desil 8 → the hospital must bring an SKTM.
    record_desil(&browser, &app, &agencies, &case, "8", "sktm_required").await;
    switch_to(&browser, &app, &agencies.rsud).await;
    open_from_queue(&browser, case.patient, &case.id).await;
    // The SKTM is the document the case waits for: offered first, and sent with its action.
    assert_eq!(browser.value("#doc-kind").await, "sktm");
    browser
        .attach("#submit_sktm-document_file", &photo("sktm.png"))
        .await;
    submit_action(
        &browser,
        "submit_sktm",
        &[
            text("sktm_number", "470/123/KEL-OESAPA/2026"),
            date("sktm_date", today()),
            text("issued_by", "Kelurahan Oesapa"),
        ],
    )
    .await;
    assert_eq!(browser.case_state().await, "guarantee_review");
    assert!(
        browser.text("ul.documents").await.contains("Scan SKTM"),
        "{}",
        browser.text("ul.documents").await
    );
    assert!(
        browser
            .text("#case-desil")
            .await
            .contains("koreksi desil menunggu"),
        "{}",
        browser.text("#case-desil").await
    );

    // Act: Dinsos Kota Kupang corrects the desil to 4, then the guarantee and PBI follow.
    agency_acts(
        &browser,
        &app,
        &agencies.dinsos_kab,
        &case,
        "record_desil_correction",
        &[
            choose("corrected", "ya"),
            choose("new_desil", "4"),
            date("corrected_on", today()),
        ],
        "guarantee_review",
    )
    .await;
    assert!(
        browser
            .text("#case-desil")
            .await
            .contains("dikoreksi: Desil 4"),
        "{}",
        browser.text("#case-desil").await
    );
    guarantee_to_handover(&browser, &app, &agencies, &case).await;

    // Assert
    assert_timeline(
        &browser,
        &[
            "Kasus dibuat",
            "Kirim",
            "NIK terverifikasi",
            "Catat desil",
            "Kirim SKTM",
            "Catat koreksi desil",
            "Setujui jaminan",
            "Usulkan PBI JKN",
            "PBI JKN aktif",
        ],
    )
    .await;
    assert_letter(&browser, &app, &agencies, &case).await;
    browser.close().await;
}

#[tokio::test]
async fn returned_case_is_fixed_and_resubmitted_in_the_browser() {
    // Arrange: a case waiting at Dinsos prov (desil_check).
    let app = spawn_app().await;
    let agencies = Agencies::create(&app).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &agencies.rsud).await;
    let case = Case {
        id: register(&browser, &PETRUS).await,
        patient: PETRUS.name,
    };
    verify_nik(&browser, &app, &agencies, &case).await;

    // Act: Dinsos sends it back with a reason.
    agency_acts(
        &browser,
        &app,
        &agencies.dinsos_prov,
        &case,
        "return_to_rsud",
        &[
            choose("reason_code", "foto_tidak_terbaca"),
            text("reason_text", "Foto KTP buram, mohon unggah ulang"),
        ],
        "returned",
    )
    .await;

    // Assert: the hospital finds it in its queue, with the reason on the case page.
    switch_to(&browser, &app, &agencies.rsud).await;
    open_from_queue(&browser, case.patient, &case.id).await;
    assert_eq!(browser.case_state().await, "returned");
    // The note says who returned it and leads to the reason, which stands once, in the
    // timeline.
    let note = browser.text("#return-note").await;
    assert!(
        note.contains("Dikembalikan oleh") && !note.contains("Foto KTP buram"),
        "{note}"
    );
    browser.find("#return-reason-link").await;
    let timeline = browser.text("#timeline").await;
    assert!(
        timeline.contains("Foto KTP buram, mohon unggah ulang"),
        "{timeline}"
    );
    assert!(timeline.contains("Foto tidak terbaca"), "{timeline}");

    // Act: the PIC uploads a sharper photo and sends the case again.
    browser.choose("#doc-kind", "ktp").await;
    browser.attach("#doc-file", &photo("ktp-baru.png")).await;
    browser
        .click_and_wait("form.upload button[type=submit]")
        .await;
    submit_action(
        &browser,
        "resubmit",
        &[text("note", "Foto KTP sudah diunggah ulang")],
    )
    .await;

    // Assert: back at the desk it came from.
    assert_eq!(browser.case_state().await, "desil_check");
    assert!(browser.text("p.flash").await.contains("berhasil"));
    assert!(
        !browser.has("form#action-resubmit").await,
        "the case can be resubmitted twice"
    );
    switch_to(&browser, &app, &agencies.dinsos_prov).await;
    open_from_queue(&browser, case.patient, &case.id).await;
    assert!(browser.has("form#action-record_desil").await);
    browser.close().await;
}
