//! The guarantee letter in Chromium: printed through WebDriver's print endpoint it is exactly
//! one page on A4 and on US Letter; the print button works on screen and is hidden in print;
//! the QR code is on the letter. The public verification page fits a 360 px phone.

use serde_json::json;
use uuid::Uuid;

use crate::common::{TestApp, intake_fields, spawn_app_with};
use crate::driver::{Browser, Chromedriver, pdf_page_count};
use crate::flows::{Agencies, MARKUS, switch_to, today};
use crate::phone::assert_fits;

const PUBLIC: &str = "https://merajut-sehat.dinkes.nttprov.go.id";

/// A case carried to the end of the PBPU Pemda route, so that every row of the letter is
/// filled and long: a long name, a ceiling, the payer of origin, the scheme with its date.
async fn handed_over_case(app: &TestApp, a: &Agencies) -> Uuid {
    let name = "Markus Yohanes Fransiskus Tefa Nenobais Fanggidae Lakapu Amalo";
    let id = app
        .arrange_draft(
            &a.rsud,
            &intake_fields(name, MARKUS.sex, MARKUS.birth_date, MARKUS.nik, "53.71"),
        )
        .await;
    let today = today();
    let tomorrow =
        (merajut_sehat::clock::Clock::system().today() + chrono::Duration::days(1)).to_string();
    app.arrange_action(&a.rsud, id, "submit", &[]).await;
    app.arrange_action(
        &a.dukcapil_prov,
        id,
        "verify_nik",
        &[("source_system", "siak"), ("registry_data", name)],
    )
    .await;
    app.arrange_action(
        &a.dinsos_prov,
        id,
        "record_desil",
        &[
            ("source_system", "siks_ng"),
            ("desil", "3"),
            ("registry_data", "Desil 3"),
        ],
    )
    .await;
    app.arrange_action(
        &a.dinkes_prov,
        id,
        "approve_guarantee",
        &[
            ("start_date", &today),
            ("payer", "pemkab_asal"),
            ("ceiling", "125.000.000"),
        ],
    )
    .await;
    app.arrange_action(
        &a.dinsos_prov,
        id,
        "propose_pbi",
        &[("proposed_on", &today)],
    )
    .await;
    app.arrange_action(
        &a.bpjs,
        id,
        "record_pbi_refused",
        &[("reason", "Tidak masuk kuota PBI JKN")],
    )
    .await;
    app.arrange_action(
        &a.dinkes_prov,
        id,
        "enrol_pbpu_pemda",
        &[("payer", "pemprov"), ("decided_on", &today)],
    )
    .await;
    app.arrange_action(
        &a.bpjs,
        id,
        "record_pbpu_active",
        &[
            ("bpjs_card_number", "0009876543210"),
            ("effective_date", &tomorrow),
        ],
    )
    .await;
    id
}

/// The letter printed to PDF by Chromium on a sheet of `width_cm` × `height_cm`, with the
/// letter's own margins (15 mm top and bottom, 18 mm at the sides) whichever of the two
/// Chromium honours.
async fn print_pdf(browser: &Browser, width_cm: f64, height_cm: f64) -> Vec<u8> {
    browser
        .print_pdf(json!({
            "page": {"width": width_cm, "height": height_cm},
            "margin": {"top": 1.5, "bottom": 1.5, "left": 1.8, "right": 1.8},
            "background": true,
            "shrinkToFit": false,
        }))
        .await
}

#[tokio::test]
async fn the_letter_prints_on_one_page_of_a4_and_of_letter_with_its_qr_code() {
    // Arrange
    let app = spawn_app_with(|s| s.public_url = Some(PUBLIC.into())).await;
    let agencies = Agencies::create(&app).await;
    let id = handed_over_case(&app, &agencies).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;
    switch_to(&browser, &app, &agencies.rsud).await;

    // Act
    browser
        .goto(&app.url(&format!("/kasus/{id}/surat-jaminan")))
        .await;

    // Assert: the letter as the hospital sees it, QR code and all.
    assert!(
        browser
            .text("#letter-scheme")
            .await
            .starts_with("PBPU Pemda, berlaku")
    );
    assert_eq!(browser.text("#letter-ceiling").await, "Rp125.000.000");
    let qr = browser
        .js(
            "const r = document.querySelector('svg.letter-qr').getBoundingClientRect(); \
             return [r.width, r.height];",
        )
        .await;
    assert!(
        qr[0].as_f64().is_some_and(|w| w >= 100.0) && qr[0] == qr[1],
        "QR code size {qr}"
    );
    assert!(
        browser
            .text("#letter-verify-link")
            .await
            .starts_with(&format!("{PUBLIC}/verifikasi/surat/"))
    );
    // The print button is there once the script runs, and it prints.
    let button = browser.find("#print-letter").await;
    assert!(
        button.is_displayed().await.expect("displayed?"),
        "no print button"
    );
    browser
        .js("window.__printed = 0; window.print = function () { window.__printed += 1; };")
        .await;
    button.click().await.expect("clicking the print button");
    assert_eq!(browser.js("return window.__printed").await, json!(1));

    // Act / Assert: one page on A4 (21.0 × 29.7 cm) and on US Letter (21.59 × 27.94 cm).
    for (sheet, width, height) in [("A4", 21.0, 29.7), ("Letter", 21.59, 27.94)] {
        let pdf = print_pdf(&browser, width, height).await;
        assert!(pdf.starts_with(b"%PDF"), "{sheet}: not a PDF");
        assert_eq!(
            pdf_page_count(&pdf),
            1,
            "{sheet}: the letter does not fit one page"
        );
    }

    // The count is real: the case page, with its timeline and forms, takes several pages.
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    let case_page = print_pdf(&browser, 21.59, 27.94).await;
    assert!(
        pdf_page_count(&case_page) > 1,
        "{} page(s)",
        pdf_page_count(&case_page)
    );
    browser
        .goto(&app.url(&format!("/kasus/{id}/surat-jaminan")))
        .await;

    // Act / Assert: in print, the tools are gone and the letter with its QR code stays.
    browser.emulate_print_media().await;
    let shown = browser
        .js(
            "const d = s => getComputedStyle(document.querySelector(s)).display; \
             return [d('#print-letter'), d('nav.letter-tools'), d('svg.letter-qr'), \
                     d('.signature')];",
        )
        .await;
    assert_eq!(shown, json!(["none", "none", "block", "block"]), "{shown}");
    browser.close().await;
}

#[tokio::test]
async fn the_verification_page_fits_a_phone() {
    // Arrange: a guaranteed case; the cashier scans its letter with a phone.
    let app = spawn_app_with(|s| s.public_url = Some(PUBLIC.into())).await;
    let agencies = Agencies::create(&app).await;
    let id = handed_over_case(&app, &agencies).await;
    let token: String =
        sqlx::query_scalar("SELECT token FROM guarantee_letters WHERE case_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("the letter's token");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;

    // Act: no sign-in.
    browser
        .goto(&app.url(&format!("/verifikasi/surat/{token}")))
        .await;

    // Assert
    assert_fits(&browser, "the verification page").await;
    assert_eq!(
        browser.text("#verify-number").await,
        merajut_sehat::domain::guarantee::letter_number(
            1,
            merajut_sehat::clock::Clock::system().today()
        )
    );
    let verdict = browser.find("#verdict").await;
    assert!(verdict.is_displayed().await.expect("displayed?"));
    assert_eq!(
        verdict
            .attr("data-status")
            .await
            .expect("data-status")
            .as_deref(),
        Some("active")
    );
    assert!(!browser.has("form").await, "nothing to sign in to");
    browser.close().await;
}
