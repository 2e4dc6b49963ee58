//! The data protection officer's per-patient access history on a phone (360 px) and printed
//! on A4: the patient is found by NIK through the form (never in the address), the accesses
//! of other roles are listed, and the page prints on portrait A4.

use crate::common::{intake_fields, spawn_app};
use crate::driver::{Chromedriver, pdf_page_count, pdf_page_size};
use crate::flows::switch_to;
use crate::phone::assert_fits;

const NIK: &str = "5371020211750002";

#[tokio::test]
async fn the_auditor_reads_and_prints_a_patients_access_history_on_a_phone() {
    // Arrange: a case read by Disdukcapil, who also revealed its NIK.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let auditor = app.create_test_user("auditor", None).await;
    let id = app
        .arrange_draft(
            &pic,
            &intake_fields("Markus Tefa", "L", "1975-11-02", NIK, "53.71"),
        )
        .await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &dukcapil).await;
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    browser
        .find("details.reveal summary")
        .await
        .click()
        .await
        .expect("opening the reveal form");
    browser
        .type_into("#reveal-reason", "Verifikasi NIK di SIAK")
        .await;
    browser
        .click_and_wait("#reveal-form button[type=submit]")
        .await;
    assert_eq!(browser.text("#patient-nik").await.trim(), NIK);

    // Act: the auditor opens the history from the menu and finds the patient by NIK.
    switch_to(&browser, &app, &auditor).await;
    browser
        .click_and_wait("nav.menu a[href='/audit/pasien']")
        .await;
    browser.type_into("#pasien", NIK).await;
    browser
        .click_and_wait("#patient-form button[type=submit]")
        .await;

    // Assert
    let url = browser.url().await;
    assert!(
        url.contains("/audit/pasien?cari=") && !url.contains(NIK),
        "{url}"
    );
    assert_eq!(browser.text("#history-nik").await, "5371********0002");
    let reveals = browser
        .js("return document.querySelectorAll('#patient-access tr[data-kind=reveal]').length")
        .await;
    assert_eq!(reveals.as_u64(), Some(1));
    let body = browser.text("#patient-access").await;
    assert!(body.contains(&dukcapil.username), "{body}");
    assert!(body.contains("Verifikasi NIK di SIAK"));
    assert!(!body.contains(NIK));
    assert_fits(&browser, "the per-patient access history").await;

    // Act: printed on A4 portrait.
    let pdf = browser
        .print_pdf(
            serde_json::json!({"page": {"width": 21.0, "height": 29.7}, "background": false}),
        )
        .await;

    // Assert: the print button is offered with JavaScript, the form is not printed, one page.
    assert!(
        browser
            .js("return !document.querySelector('button[data-print]').hidden")
            .await
            .as_bool()
            .unwrap_or(false)
    );
    browser.emulate_print_media().await;
    let form_shown = browser
        .js("return getComputedStyle(document.querySelector('#patient-form')).display")
        .await;
    assert_eq!(form_shown.as_str(), Some("none"));
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(pdf_page_count(&pdf), 1);
    let (width, height) = pdf_page_size(&pdf);
    assert!(
        (width - 595.3).abs() < 2.0 && (height - 841.9).abs() < 2.0,
        "A4 portrait, got {width} × {height} pt"
    );
    browser.close().await;
}
