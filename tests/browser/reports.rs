//! Reports in Chromium: a hospital PIC opens and writes its monthly recap on a phone (360 px),
//! and the program team prints the quarterly report on A4 through WebDriver's print command,
//! with the print button hidden on paper.

use chrono::Datelike;
use merajut_sehat::domain::report::{Narrative, Period, ReportKind};
use serde_json::json;

use crate::common::{intake_fields, spawn_app};
use crate::driver::{Chromedriver, pdf_page_count};
use crate::flows::switch_to;
use crate::phone::assert_fits;

#[tokio::test]
async fn hospital_pic_opens_and_writes_its_monthly_recap_on_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &pic).await;
    let last = Period::containing(ReportKind::Monthly, app.clock.today())
        .and_then(|p| p.previous())
        .expect("last month");

    // Act: from the menu to the list, the form proposes last month.
    browser.click_and_wait("nav.menu a[href='/laporan']").await;
    assert_fits(&browser, "the list of reports").await;
    assert_eq!(
        browser.value("#report-part").await,
        last.start.month().to_string()
    );
    assert_eq!(
        browser.value("#report-year").await,
        last.start.year().to_string()
    );
    browser
        .click_and_wait("#report-new button[type=submit]")
        .await;

    // Assert: the draft report, every figure table, and nothing wider than the phone.
    assert!(browser.path().await.starts_with("/laporan/"));
    assert_eq!(
        browser.text("#report-period").await.split(" (").next(),
        Some(last.label().as_str())
    );
    assert!(browser.has("#table-layanan").await && browser.has("#table-meja").await);
    assert_fits(&browser, "the report page").await;

    // Act: write the narrative and save; the period is over, so it can be finalised.
    browser
        .type_into(
            "#narrative-problems",
            "Dua SKTM terlambat 🙏\nSatu foto KTP buram",
        )
        .await;
    browser
        .type_into("#narrative-recommendations", "Formulir SKTM di RSUD")
        .await;
    browser
        .click_and_wait("#narrative-form button[type=submit]")
        .await;

    // Assert
    assert_eq!(browser.text("p.flash").await, "Laporan tersimpan.");
    assert_eq!(
        browser.value("#narrative-problems").await,
        "Dua SKTM terlambat 🙏\nSatu foto KTP buram"
    );
    assert!(browser.has("#finalise-form").await);
    assert_fits(&browser, "the saved report").await;
    browser.close().await;
}

#[tokio::test]
async fn quarterly_report_prints_on_a_few_a4_pages_without_its_print_button() {
    // Arrange: this quarter's provincial report with a case and a long narrative.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let tim = app.create_test_user("tim", None).await;
    let case = app
        .arrange_draft(
            &pic,
            &intake_fields(
                "Markus Tefa",
                "L",
                "1975-11-02",
                "5371020211750002",
                "53.71",
            ),
        )
        .await;
    app.arrange_action(&pic, case, "submit", &[]).await;
    let team = app.current_user(&tim).await;
    let quarter = Period::containing(ReportKind::Quarterly, app.clock.today()).expect("a quarter");
    let part = ((quarter.start.month() - 1) / 3 + 1).to_string();
    let id = app
        .cases
        .create_report(&team, &quarter.start.year().to_string(), &part)
        .await
        .expect("a report");
    let paragraph = "Verifikasi desil menunggu pemutakhiran DTSEN di beberapa kabupaten; \
                     koordinasi dengan Dinsos kabupaten/kota dilakukan setiap minggu. ";
    let narrative = Narrative {
        problems: paragraph.repeat(8),
        follow_up: paragraph.repeat(4),
        recommendations: paragraph.repeat(4),
    };
    app.cases
        .save_report_narrative(&team, id, 1, &narrative)
        .await
        .expect("the narrative");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;
    switch_to(&browser, &app, &tim).await;

    // Act: open the print view from the report page.
    browser.goto(&app.url(&format!("/laporan/{id}"))).await;
    browser.click_and_wait("#report-print-link").await;
    let on_screen = browser
        .js("return getComputedStyle(document.getElementById('print-button')).display")
        .await;
    let pdf = browser
        .print_pdf(
            json!({"orientation": "portrait", "page": {"width": 21.0, "height": 29.7}, "background": true}),
        )
        .await;
    browser.emulate_print_media().await;
    let in_print = browser
        .js("return [getComputedStyle(document.getElementById('print-button')).display, \
                     getComputedStyle(document.querySelector('nav.menu') || document.body).display, \
                     document.getElementById('report-title').textContent]")
        .await;

    // Assert: the button shows on screen (app.js reveals it) and not on paper; the PDF is A4
    // (595 × 842 points) with a sane number of pages.
    assert_ne!(on_screen, "none");
    assert_eq!(in_print[0], "none", "{in_print}");
    assert!(
        in_print[2]
            .as_str()
            .is_some_and(|t| t.contains("Laporan triwulan provinsi"))
    );
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/MediaBox [0 0 595") || text.contains("/MediaBox [0 0 594"),
        "not A4 portrait"
    );
    let pages = pdf_page_count(&pdf);
    assert!((1..=4).contains(&pages), "{pages} pages");
    browser.close().await;
}
