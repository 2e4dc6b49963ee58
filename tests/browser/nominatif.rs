//! The daftar nominatif in Chromium: Dinkes prov builds a batch with the form, drops a case,
//! records the Governor's decree; the batch page and the case page on a phone (360 px); the
//! decree annex printed on A4 landscape through WebDriver's print, one page for a small batch.

use uuid::Uuid;

use crate::common::{TestApp, TestUser, intake_fields, spawn_app};
use crate::driver::{Chromedriver, pdf_page_count, pdf_page_size};
use crate::flows::switch_to;
use crate::phone::assert_fits;
use crate::{HEIGHT, WIDTH};

/// A case of `name` (NIK `nik`, a woman born 1990-05-12 in Kota Kupang) taken to a guarantee
/// that starts today, through the case service as each desk would.
async fn guaranteed(app: &TestApp, desks: &[TestUser; 4], name: &str, nik: &str) -> Uuid {
    let [pic, dukcapil, dinsos, dinkes] = desks;
    let today = app.clock.today().to_string();
    let id = app
        .arrange_draft(pic, &intake_fields(name, "P", "1990-05-12", nik, "53.71"))
        .await;
    app.arrange_action(pic, id, "submit", &[]).await;
    app.arrange_action(
        dukcapil,
        id,
        "verify_nik",
        &[("source_system", "siak"), ("registry_data", "Sesuai SIAK")],
    )
    .await;
    app.arrange_action(
        dinsos,
        id,
        "record_desil",
        &[
            ("source_system", "siks_ng"),
            ("desil", "2"),
            ("registry_data", "Desil 2"),
        ],
    )
    .await;
    app.arrange_action(
        dinkes,
        id,
        "approve_guarantee",
        &[
            ("letter_number", &format!("440/{}/DINKES/2026", &nik[12..])),
            ("start_date", &today),
            ("payer", "pemprov"),
        ],
    )
    .await;
    id
}

/// The desks that take a case to its guarantee: the hospital, Dukcapil, Dinsos, Dinkes prov.
async fn desks(app: &TestApp) -> [TestUser; 4] {
    [
        app.create_test_user("rsud", Some("RSUD-WZJ")).await,
        app.create_test_user("dukcapil_prov", None).await,
        app.create_test_user("dinsos_prov", None).await,
        app.create_test_user("dinkes_prov", None).await,
    ]
}

#[tokio::test]
async fn dinkes_builds_a_batch_records_the_decree_and_prints_the_annex_on_a4_landscape() {
    // Arrange: three guaranteed patients with long names.
    let app = spawn_app().await;
    let desks = desks(&app).await;
    let patients = [
        (
            "Maria Magdalena Goreti Bria Seran Nahak",
            "5371025205900001",
        ),
        ("Yohana Fransiska Kristina Ndun Manafe", "5371025205900002"),
        ("Theresia Avila Benedikta Lamak Tukan", "5371025205900003"),
    ];
    let mut ids = vec![];
    for (name, nik) in patients {
        ids.push(guaranteed(&app, &desks, name, nik).await);
    }
    let today = app.clock.today();
    let start = (today - chrono::Duration::days(10)).to_string();
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &desks[3]).await;

    // Act: the menu leads to the list; the build form makes a draft.
    browser
        .click_and_wait("nav.menu a[href='/nominatif']")
        .await;
    browser.choose("#basis", "jaminan_sementara").await;
    browser.set_date("#period_start", &start).await;
    browser.set_date("#period_end", &today.to_string()).await;
    browser
        .click_and_wait("#build-form button[type=submit]")
        .await;

    // Assert
    assert_eq!(browser.text("#batch-status").await, "Draf");
    assert_eq!(browser.text("#batch-rows").await, "3");
    let batch_path = browser.path().await;

    // Act: drop the third patient, then record the decree (the confirmation accepted).
    browser
        .click_and_wait(&format!(
            "tr[data-case] form[action$='/keluarkan'] input[value='{}'] + button",
            ids[2]
        ))
        .await;
    assert_eq!(browser.text("#batch-rows").await, "2");
    browser
        .type_into("#decree_number", "188.4/KEP/HK/2026")
        .await;
    browser.set_date("#decree_date", &today.to_string()).await;
    browser.js("window.confirm = () => true; return true").await;
    browser
        .click_and_wait("#decree-form button[type=submit]")
        .await;

    // Assert: closed, read-only, the decree shown.
    assert_eq!(browser.path().await, batch_path);
    assert_eq!(browser.text("#batch-status").await, "Ditetapkan");
    assert!(
        browser
            .text("#batch-decree")
            .await
            .starts_with("Nomor 188.4/KEP/HK/2026"),
    );
    assert!(!browser.has("#decree-form").await);

    // Act: the print page, printed on A4 landscape.
    browser.click_and_wait("#print-link").await;
    let pdf = browser.print_pdf_a4_landscape().await;

    // Assert: the print button is offered (JavaScript on), the annex has its two rows, and a
    // batch this small is one landscape A4 page (842 × 595 pt).
    assert!(
        browser
            .js("return !document.querySelector('button[data-print]').hidden")
            .await
            .as_bool()
            .unwrap_or(false),
        "print button shown"
    );
    let rows = browser
        .js("return document.querySelectorAll('#annex tbody tr').length")
        .await;
    assert_eq!(rows.as_u64(), Some(2));
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert_eq!(pdf_page_count(&pdf), 1);
    let (width, height) = pdf_page_size(&pdf);
    assert!(
        (width - 841.9).abs() < 2.0 && (height - 595.3).abs() < 2.0,
        "A4 landscape, got {width} × {height} pt"
    );
    browser.close().await;

    // Act: on a phone, the batch page and a case page that names the batch.
    let phone = chromedriver.phone(360, 740).await;
    switch_to(&phone, &app, &desks[3]).await;
    phone.goto(&app.url(&batch_path)).await;

    // Assert
    assert_eq!(phone.text("#batch-status").await, "Ditetapkan");
    assert_fits(&phone, "the batch page").await;
    phone.goto(&app.url(&format!("/kasus/{}", ids[0]))).await;
    assert!(
        phone
            .text("#case-nominatif")
            .await
            .contains("Keputusan Gubernur Nomor 188.4/KEP/HK/2026")
    );
    assert_fits(&phone, "the case page").await;
    phone.goto(&app.url("/nominatif")).await;
    assert_fits(&phone, "the list of batches").await;
    phone.close().await;
}

#[tokio::test]
async fn a_long_annex_prints_on_several_a4_pages() {
    // Arrange: 40 guaranteed patients in one draft batch.
    let app = spawn_app().await;
    let desks = desks(&app).await;
    for n in 1..=40u32 {
        let nik = format!("537102520590{n:04}");
        guaranteed(&app, &desks, &format!("Pasien Nominatif {n}"), &nik).await;
    }
    let dinkes = app.current_user(&desks[3]).await;
    let today = app.clock.today();
    let id = app
        .cases
        .build_batch(
            &dinkes,
            &merajut_sehat::domain::nominatif::BatchRequest {
                basis: merajut_sehat::domain::nominatif::Basis::JaminanSementara,
                payer: None,
                period_start: today - chrono::Duration::days(1),
                period_end: today,
            },
        )
        .await
        .expect("a batch");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &desks[3]).await;

    // Act
    browser
        .goto(&app.url(&format!("/nominatif/{id}/cetak")))
        .await;
    let pdf = browser.print_pdf_a4_landscape().await;

    // Assert: forty rows of about 6 mm do not fit one page, and need no more than four.
    let pages = pdf_page_count(&pdf);
    assert!((2..=4).contains(&pages), "{pages} pages");
    browser.close().await;
}
