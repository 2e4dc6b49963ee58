//! The families' status code in Chromium, on a desktop and on a 360 px phone: the hospital's
//! PIC makes a slip from the case page (printable on one A6 sheet), and a family, not signed
//! in, types the code on `/status` and reads where the case is.

use merajut_sehat::domain::CaseState;
use merajut_sehat::domain::family_status::family_step;
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestApp, intake_fields, spawn_app_with};
use crate::driver::{Browser, Chromedriver, pdf_page_count};
use crate::flows::{Agencies, MARKUS, switch_to};
use crate::phone::assert_fits;

const PUBLIC: &str = "https://merajut-sehat.dinkes.nttprov.go.id";

/// A case of the PIC's hospital waiting at Dukcapil (nik_check).
async fn submitted_case(app: &TestApp, a: &Agencies) -> Uuid {
    let id = app
        .arrange_draft(
            &a.rsud,
            &intake_fields(
                MARKUS.name,
                MARKUS.sex,
                MARKUS.birth_date,
                MARKUS.nik,
                "53.71",
            ),
        )
        .await;
    app.arrange_action(&a.rsud, id, "submit", &[]).await;
    id
}

/// The PIC opens the case and makes a slip; returns the code on it.
async fn make_slip(browser: &Browser, app: &TestApp, a: &Agencies, id: Uuid) -> String {
    switch_to(browser, app, &a.rsud).await;
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    assert!(browser.has("#status-code-none").await);
    browser
        .click_and_wait("#status-code-issue button[type=submit]")
        .await;
    browser.text("#slip-code").await
}

/// The family, not signed in, looks `typed` up on the status page.
async fn look_up(browser: &Browser, app: &TestApp, typed: &str) {
    if browser.has("form[action='/keluar'] button").await {
        browser.sign_out().await;
    }
    browser.goto(&app.url("/status")).await;
    browser.type_into("#status-code", typed).await;
    browser
        .click_and_wait("#status-form button[type=submit]")
        .await;
}

#[tokio::test]
async fn a_pic_prints_a_slip_and_a_family_looks_the_code_up_on_a_desktop() {
    // Arrange
    let app = spawn_app_with(|s| s.public_url = Some(PUBLIC.into())).await;
    let agencies = Agencies::create(&app).await;
    let id = submitted_case(&app, &agencies).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;

    // Act
    let code = make_slip(&browser, &app, &agencies, id).await;

    // Assert: the slip — code, address, share link, a print button that prints, one A6 page.
    assert_eq!(code.len(), 14, "{code:?}");
    assert_eq!(
        browser.text("#slip-address").await,
        format!("{PUBLIC}/status")
    );
    let share = browser
        .find("#share-whatsapp")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a share link");
    assert!(share.starts_with("https://wa.me/?text=") && share.contains(&code));
    assert!(!browser.text("body").await.contains(MARKUS.name));
    let button = browser.find("#print-slip").await;
    assert!(button.is_displayed().await.expect("displayed?"));
    browser
        .js("window.__printed = 0; window.print = function () { window.__printed += 1; };")
        .await;
    button.click().await.expect("clicking the print button");
    assert_eq!(browser.js("return window.__printed").await, json!(1));
    let pdf = browser
        .print_pdf(json!({
            "page": {"width": 10.5, "height": 14.8},
            "margin": {"top": 0.8, "bottom": 0.8, "left": 0.8, "right": 0.8},
            "shrinkToFit": false,
        }))
        .await;
    assert_eq!(pdf_page_count(&pdf), 1, "the slip does not fit one A6 page");
    browser.emulate_print_media().await;
    let shown = browser
        .js(
            "const d = s => getComputedStyle(document.querySelector(s)).display; \
             return [d('nav.slip-tools'), d('div.slip-note'), d('#slip-code')];",
        )
        .await;
    assert_eq!(shown, json!(["none", "none", "block"]), "{shown}");

    // Act: the family types the code as read over the phone.
    look_up(&browser, &app, &code.to_lowercase().replace('-', " ")).await;

    // Assert
    assert_eq!(browser.path().await, "/status");
    assert_eq!(
        browser.text("#status-now").await,
        family_step(CaseState::NikCheck).now
    );
    let page = browser.text("body").await;
    assert!(!page.contains(MARKUS.name) && !page.contains(MARKUS.nik));
    browser.close().await;
}

#[tokio::test]
async fn the_slip_and_the_status_page_work_on_a_phone() {
    // Arrange
    let app = spawn_app_with(|s| s.public_url = Some(PUBLIC.into())).await;
    let agencies = Agencies::create(&app).await;
    let id = submitted_case(&app, &agencies).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;

    // Act / Assert: the slip fits the phone.
    let code = make_slip(&browser, &app, &agencies, id).await;
    assert_fits(&browser, "the slip").await;

    // A wrong code: the neutral message, the form with what was typed.
    look_up(&browser, &app, "K7QX-M4PA-93TR").await;
    assert_fits(&browser, "the status page, unknown code").await;
    assert!(
        browser
            .text("#status-not-valid")
            .await
            .contains("tidak berlaku")
    );
    assert_eq!(browser.value("#status-code").await, "K7QX-M4PA-93TR");

    // Something that cannot be a code: the error summary leads to the field.
    look_up(&browser, &app, "12345").await;
    assert_fits(&browser, "the status page, refused code").await;
    browser
        .find("#error-summary a")
        .await
        .click()
        .await
        .expect("the summary link");
    let focused = browser.js("return location.hash").await;
    assert_eq!(focused, json!("#status-code"));

    // The real code.
    look_up(&browser, &app, &code).await;
    assert_fits(&browser, "the status page, found").await;
    assert_eq!(
        browser.text("#status-now").await,
        family_step(CaseState::NikCheck).now
    );
    assert_eq!(
        browser.text("#status-next").await,
        family_step(CaseState::NikCheck).next
    );
    browser.close().await;
}
