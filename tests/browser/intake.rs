//! The ward desk's intake and documents in Chromium: a keyboard-only registration at desktop
//! width (Tab, typing and Enter; no click), and a wrong KTP photo replaced on a phone.

use crate::common::spawn_app;
use crate::driver::Chromedriver;
use crate::flows::{MARKUS, photo, switch_to};
use crate::phone::assert_fits;

/// The keys that type `yyyy-mm-dd` into a date input: its segments in the browser's locale
/// order (dd/mm/yyyy for id-ID, mm/dd/yyyy for en-US), as a user reads them off the field.
async fn date_keys(browser: &crate::driver::Browser, date: &str) -> String {
    let order = browser
        .js(
            "return new Intl.DateTimeFormat().formatToParts(new Date(2000, 10, 22)) \
             .map(p => p.type).filter(t => ['day', 'month', 'year'].includes(t));",
        )
        .await;
    let (y, rest) = date.split_at(4);
    let (m, d) = (&rest[1..3], &rest[4..6]);
    order
        .as_array()
        .expect("the date parts")
        .iter()
        .map(|part| match part.as_str() {
            Some("day") => d,
            Some("month") => m,
            _ => y,
        })
        .collect()
}

#[tokio::test]
async fn a_keyboard_only_intake_is_refused_keeps_the_photo_then_registers_the_case() {
    // Arrange: signed in (the sign-in has its own tests); from here on only keys.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;
    switch_to(&browser, &app, &pic).await;

    // Act: the menu link by Tab, then every field in turn; the birth date typed in the
    // field's own order, deliberately one day off first.
    browser.tab_to("nav.menu a[href='/kasus/baru']").await;
    browser.enter_and_wait().await;
    assert_eq!(browser.path().await, "/kasus/baru");
    browser.tab_to("#intake-full_name").await;
    browser.type_keys(MARKUS.name).await;
    browser.press(fantoccini::key::Key::Tab).await;
    assert!(browser.focused_is("#intake-sex").await);
    browser.type_keys("L").await;
    browser.tab_to("#intake-birth_date").await;
    let typed = date_keys(&browser, "1975-11-03").await;
    browser.type_keys(&typed).await;
    browser.tab_to("#intake-nik").await;
    browser.type_keys(MARKUS.nik).await;
    browser.tab_to("#intake-domicile_kab_kota_code").await;
    browser.type_keys("Kota").await;
    browser.tab_to("#intake-family_phone").await;
    browser.type_keys("081234567890").await;
    browser.tab_to("#intake-service_type").await;
    browser.type_keys("R").await;
    browser.tab_to("#intake-jkn_status").await;
    browser.type_keys("T").await;
    browser.tab_to("#ktp_file").await;
    // A file input takes the file's path as keys (WebDriver's way of choosing a file).
    let ktp = photo("ktp.png");
    browser.type_keys(ktp.to_str().expect("a UTF-8 path")).await;
    for (css, value) in [
        ("#intake-sex", "L"),
        ("#intake-birth_date", "1975-11-03"),
        ("#intake-domicile_kab_kota_code", "53.71"),
        ("#intake-service_type", "rawat_inap"),
        ("#intake-jkn_status", "tidak_ada"),
    ] {
        assert_eq!(browser.value(css).await, value, "{css} after typing");
    }
    browser.tab_to("#submit-case").await;
    browser.enter_and_wait().await;

    // Assert: refused; the summary has the focus and leads to the NIK; the photo is kept.
    assert_eq!(browser.path().await, "/kasus/baru");
    assert!(browser.focused_is("#error-summary").await);
    assert!(browser.has("#error-summary a[href='#intake-nik']").await);
    assert!(
        browser
            .text("#ktp_file-kept")
            .await
            .starts_with("Foto KTP sudah tersimpan: ktp.png")
    );

    // Act: from the summary, Tab to its link, Enter, then on to the birth date; fix it and
    // send with Enter on "Simpan & kirim".
    browser.press(fantoccini::key::Key::Tab).await;
    assert!(
        browser
            .focused_is("#error-summary a[href='#intake-nik']")
            .await
    );
    browser.tab_to("#intake-birth_date").await;
    let typed = date_keys(&browser, MARKUS.birth_date).await;
    browser.type_keys(&typed).await;
    assert_eq!(browser.value("#intake-birth_date").await, MARKUS.birth_date);
    browser.tab_to("#submit-case").await;
    browser.enter_and_wait().await;

    // Assert: registered and sent to Disdukcapil, with the kept KTP photo.
    assert!(browser.path().await.starts_with("/kasus/"));
    assert_eq!(browser.case_state().await, "nik_check");
    assert_eq!(browser.text("#current-documents li a").await, "Foto KTP");
    browser.close().await;
}

#[tokio::test]
async fn a_wrong_ktp_photo_is_replaced_on_a_phone_and_stays_in_the_history() {
    // Arrange: a draft with its KTP photo, opened on a phone.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let fields =
        crate::common::intake_fields("Markus Tefa", "L", "1975-11-02", MARKUS.nik, "53.71");
    let id = app.arrange_draft(&pic, &fields).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &pic).await;
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    assert_fits(&browser, "the draft's page").await;
    assert_eq!(browser.value("#doc-kind").await, "kk");

    // Act
    browser
        .find("details.document-change summary")
        .await
        .click()
        .await
        .expect("opening the change form");
    browser
        .attach(
            "details.document-change input[type=file]",
            &photo("ktp-jelas.png"),
        )
        .await;
    browser
        .click_and_wait("details.document-change form.replace-document button")
        .await;

    // Assert
    assert_eq!(browser.path().await, format!("/kasus/{id}"));
    assert!(browser.text("p.flash").await.starts_with("Dokumen diganti"));
    assert_eq!(browser.text("#current-documents li a").await, "Foto KTP");
    let history = browser.text("#document-history li").await;
    assert!(
        history.contains("Diganti") && history.contains(&format!("oleh Pengguna {}", pic.username)),
        "{history}"
    );
    assert_fits(&browser, "the page with its document history").await;
    browser.close().await;
}
