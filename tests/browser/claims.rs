//! A claim from the case page to its payment, on a phone-sized screen (360×740): the hospital
//! submits it (a refused amount keeps what was typed), Dinkes prov sends it back, the
//! hospital resubmits it, Dinkes accepts it and records the payment.

use crate::common::{TestApp, intake_fields, spawn_app};
use crate::driver::{Browser, Chromedriver};
use crate::flows::{date, photo, submit_action, switch_to, text, today};
use crate::phone::assert_fits;

const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;

/// A case of RSUD-WZJ guaranteed from today (admitted today), arranged through the service.
async fn guaranteed_case(app: &TestApp) -> (uuid::Uuid, crate::common::TestUser) {
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    let fields = intake_fields(
        "Maria Goreti Bria",
        "P",
        "1990-05-12",
        "5371025205900001",
        "53.71",
    );
    let id = app.arrange_guarantee_review(&pic, &fields).await;
    let start = today();
    app.arrange_action(
        &dinkes,
        id,
        "approve_guarantee",
        &[
            ("letter_number", "440/12/DINKES/2026"),
            ("start_date", start.as_str()),
            ("payer", "pemprov"),
            ("ceiling", "25.000.000"),
        ],
    )
    .await;
    (id, pic)
}

async fn status(browser: &Browser) -> String {
    browser
        .find("#claim-status")
        .await
        .attr("data-status")
        .await
        .expect("data-status")
        .unwrap_or_default()
}

#[tokio::test]
async fn a_claim_goes_from_the_case_page_to_payment_on_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let (case_id, pic) = guaranteed_case(&app).await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    let day = today();
    let document = photo("klaim.png");

    // Act: the hospital opens the claim form from the case page and types an amount with sen.
    switch_to(&browser, &app, &pic).await;
    browser.goto(&app.url(&format!("/kasus/{case_id}"))).await;
    browser.click_and_wait("#claim-link").await;
    assert_eq!(browser.path().await, "/klaim/baru");
    assert!(
        !browser.url().await.contains("Maria"),
        "no name in the address"
    );
    assert_fits(&browser, "the claim form").await;
    browser.set_date("#claim-care_start", &day).await;
    browser.set_date("#claim-care_end", &day).await;
    browser
        .type_into("#claim-amount_claimed", "Rp 2.500.000,50")
        .await;
    browser.type_into("#claim-ina_cbg_code", "j-1-20-ii").await;
    browser.attach("#claim-file", &document).await;
    browser
        .click_and_wait("#claim-form button[type=submit]")
        .await;

    // Assert: refused next to the field, with what was typed kept.
    assert_fits(&browser, "the refused claim form").await;
    let error = browser.text("#claim-amount_claimed-error").await;
    assert!(
        error.starts_with("Nilai klaim harus berupa jumlah rupiah bulat"),
        "{error}"
    );
    assert_eq!(
        browser.value("#claim-amount_claimed").await,
        "Rp 2.500.000,50"
    );
    assert_eq!(browser.value("#claim-ina_cbg_code").await, "j-1-20-ii");

    // Act: a whole amount, the file picked again.
    browser
        .type_into("#claim-amount_claimed", "Rp2.500.000")
        .await;
    browser.attach("#claim-file", &document).await;
    browser
        .click_and_wait("#claim-form button[type=submit]")
        .await;

    // Assert
    let claim_path = browser.path().await;
    assert!(claim_path.starts_with("/klaim/"), "{claim_path}");
    assert_eq!(status(&browser).await, "submitted");
    assert_eq!(browser.text("#claim-amount").await, "Rp2.500.000");
    assert_fits(&browser, "the claim page").await;

    // Dinkes prov finds it from the menu and sends it back.
    switch_to(&browser, &app, &dinkes).await;
    browser.click_and_wait("nav.menu a[href='/klaim']").await;
    assert_fits(&browser, "the claim list").await;
    assert_eq!(browser.text("#claims td.nik").await, "5371********0001");
    browser
        .click_and_wait(&format!("#claims a[href='{claim_path}']"))
        .await;
    submit_action(
        &browser,
        "return",
        &[text("reason", "Lampirkan rincian biaya")],
    )
    .await;
    assert_eq!(status(&browser).await, "returned");

    // The hospital reads why and resubmits a corrected amount.
    switch_to(&browser, &app, &pic).await;
    browser.goto(&app.url(&claim_path)).await;
    assert!(
        browser
            .text("#return-reason")
            .await
            .contains("Lampirkan rincian biaya")
    );
    submit_action(&browser, "resubmit", &[text("amount_claimed", "2.400.000")]).await;
    assert_eq!(status(&browser).await, "submitted");
    assert_eq!(browser.text("#claim-amount").await, "Rp2.400.000");

    // Dinkes accepts it and records the payment.
    switch_to(&browser, &app, &dinkes).await;
    browser.goto(&app.url(&claim_path)).await;
    submit_action(&browser, "accept", &[]).await;
    assert_eq!(status(&browser).await, "accepted");
    submit_action(
        &browser,
        "pay",
        &[
            date("paid_on", day.clone()),
            text("amount_paid", "2.400.000"),
        ],
    )
    .await;

    // Assert: paid, every step in the history, and the page still fits the phone.
    assert_eq!(status(&browser).await, "paid");
    assert_eq!(browser.text("#claim-paid").await, "Rp2.400.000");
    let steps = browser
        .js("return document.querySelectorAll('#claim-history > li').length")
        .await;
    assert_eq!(steps.as_u64(), Some(5));
    assert_fits(&browser, "the paid claim").await;
    browser.goto(&app.url("/klaim/realisasi")).await;
    assert!(
        browser
            .text("#realised-total")
            .await
            .ends_with("Rp2.400.000"),
        "{}",
        browser.text("#realised-total").await
    );
    assert_fits(&browser, "the realised financing").await;
    browser.close().await;
}
