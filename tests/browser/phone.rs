//! The intake form on a phone-sized screen (360×740 CSS pixels).

use crate::common::spawn_app;
use crate::driver::{Browser, Chromedriver};
use crate::flows::{MARKUS, fill_intake, photo, switch_to};

const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;

/// Asserts the page has no horizontal scroll at phone width.
pub async fn assert_fits(browser: &Browser, what: &str) {
    let inner = browser.js("return window.innerWidth").await;
    assert!(
        inner.as_u64().is_some_and(|w| w <= u64::from(WIDTH)),
        "the window is {inner} px wide, not a phone"
    );
    let scroll = browser
        .js("return document.documentElement.scrollWidth")
        .await;
    assert!(
        scroll.as_u64().is_some_and(|w| w <= u64::from(WIDTH)),
        "{what}: the page is {scroll} px wide at {WIDTH} px (horizontal scroll)"
    );
}

#[tokio::test]
async fn intake_form_works_on_a_phone_and_keeps_what_was_typed_when_refused() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &pic).await;
    browser.goto(&app.url("/kasus/baru")).await;
    assert_fits(&browser, "the empty intake form").await;

    // Act: the birth date says the 3rd, the NIK says the 2nd.
    fill_intake(&browser, &MARKUS).await;
    browser.set_date("#intake-birth_date", "1975-11-03").await;
    // The page already says so as the date changes (app.js), in the server's own words, before
    // anything is sent.
    let live = browser.text("#intake-nik-live").await;
    assert_eq!(
        live,
        "NIK: Tanggal lahir pada NIK (digit 7-8) adalah 2, tetapi tanggal lahir yang diisi 3"
    );
    browser.attach("#ktp_file", &photo("ktp.png")).await;
    browser.click_and_wait("#submit-case").await;

    // Assert: still the form, with the error right under the NIK field.
    assert_eq!(browser.path().await, "/kasus/baru");
    assert_fits(&browser, "the refused intake form").await;
    let error = browser.text("#intake-nik-wrap .field-error").await;
    assert_eq!(
        error,
        "NIK: Tanggal lahir pada NIK (digit 7-8) adalah 2, tetapi tanggal lahir yang diisi 3"
    );
    assert_eq!(
        browser
            .find("#intake-nik")
            .await
            .attr("aria-invalid")
            .await
            .expect("aria-invalid"),
        Some("true".into())
    );
    // Under the NIK field (and its help text), before the next field begins.
    let place = browser
        .js(
            "const f = document.getElementById('intake-nik').getBoundingClientRect(); \
             const e = document.getElementById('intake-nik-error').getBoundingClientRect(); \
             const n = document.getElementById('intake-kk_number-wrap').getBoundingClientRect(); \
             return [e.top - f.bottom, n.top - e.bottom, Math.abs(e.left - f.left)];",
        )
        .await;
    let [below, before_next, left]: [f64; 3] =
        std::array::from_fn(|i| place[i].as_f64().expect("a distance"));
    assert!(
        below >= 0.0 && before_next >= 0.0 && left <= 8.0,
        "the NIK error is not next to the NIK field: {place}"
    );
    assert!(browser.has("#error-summary").await);

    // Everything typed is still there.
    for (css, expected) in [
        ("#intake-full_name", MARKUS.name),
        ("#intake-sex", MARKUS.sex),
        ("#intake-birth_place", "Kupang"),
        ("#intake-birth_date", "1975-11-03"),
        ("#intake-has_identity_document", "ya"),
        ("#intake-nik", MARKUS.nik),
        ("#intake-address", "Jl. Timor Raya No. 12"),
        ("#intake-desa", "Oesapa"),
        ("#intake-kecamatan", "Kelapa Lima"),
        ("#intake-domicile_kab_kota_code", "53.71"),
        ("#intake-family_phone", "0812-3456-7890"),
        ("#intake-admission_date", crate::flows::days_ago(3).as_str()),
        ("#intake-service_type", "rawat_inap"),
        ("#intake-ward_class", "kelas_3"),
        ("#intake-clinical_reason", "Pneumonia, perlu rawat inap"),
        ("#intake-jkn_status", "tidak_ada"),
    ] {
        assert_eq!(browser.value(css).await, expected, "{css}");
    }
    // The photo is kept on the server for the next submit, and the form says so.
    let kept = browser.text("#ktp_file-kept").await;
    assert!(
        kept.starts_with("Foto KTP sudah tersimpan: ktp.png (")
            && kept.ends_with(") — pilih berkas lain untuk mengganti"),
        "{kept}"
    );
    // The summary at the top has the focus and leads to the NIK field.
    assert!(browser.focused_is("#error-summary").await);
    assert!(browser.has("#error-summary a[href='#intake-nik']").await);

    // Act: the PIC corrects the birth date and sends, without taking the photo again.
    browser
        .set_date("#intake-birth_date", MARKUS.birth_date)
        .await;
    browser.click_and_wait("#submit-case").await;

    // Assert
    assert!(browser.path().await.starts_with("/kasus/"));
    assert_eq!(browser.case_state().await, "nik_check");
    assert_eq!(browser.text("#current-documents li a").await, "Foto KTP");
    assert_fits(&browser, "the case page").await;
    browser.close().await;
}

#[tokio::test]
async fn dashboard_reads_on_a_phone() {
    // Arrange: the program team, one case registered.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let fields =
        crate::common::intake_fields("Markus Tefa", "L", "1975-11-02", MARKUS.nik, "53.71");
    app.arrange_draft(&pic, &fields).await;
    let tim = app.create_test_user("tim", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &tim).await;

    // Act
    browser.goto(&app.url("/dasbor")).await;

    // Assert: every chart fits, and the table says what the chart draws.
    assert_fits(&browser, "the dashboard").await;
    assert_eq!(
        browser.text("#dashboard-scope").await,
        "Provinsi Nusa Tenggara Timur"
    );
    let table = browser.text("#table-per-state").await;
    assert!(table.contains("Draf") && table.contains('1'), "{table}");
    let charts = browser
        .js("return document.querySelectorAll('svg.chart > title').length")
        .await;
    assert_eq!(charts.as_u64(), Some(6));
}

#[tokio::test]
async fn bottleneck_page_reads_on_a_phone() {
    // Arrange: one case waiting at Disdukcapil.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let fields =
        crate::common::intake_fields("Markus Tefa", "L", "1975-11-02", MARKUS.nik, "53.71");
    let id = app.arrange_draft(&pic, &fields).await;
    app.arrange_action(&pic, id, "submit", &[]).await;
    let tim = app.create_test_user("tim", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &tim).await;

    // Act
    browser.goto(&app.url("/hambatan")).await;

    // Assert: the table scrolls inside its frame, the page itself fits.
    assert_fits(&browser, "the bottleneck page").await;
    let table = browser.text("#bottlenecks").await;
    assert!(
        table.contains("Verifikasi NIK") && table.contains("Kota Kupang"),
        "{table}"
    );
}

#[tokio::test]
async fn notifications_read_on_a_phone_and_opening_one_marks_it_read() {
    // Arrange: a program-team member with one unread notification (the row written directly:
    // which transitions write them is tested in tests/api/notifications.rs).
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let fields =
        crate::common::intake_fields("Markus Tefa", "L", "1975-11-02", MARKUS.nik, "53.71");
    let case_id = app.arrange_draft(&pic, &fields).await;
    let tim = app.create_test_user("tim", None).await;
    sqlx::query(
        "INSERT INTO notifications (user_id, case_id, kind, state, created_at) \
         VALUES ($1, $2, 'arrived', 'nik_check', now())",
    )
    .bind(tim.id)
    .bind(case_id)
    .execute(&app.pool)
    .await
    .expect("notification");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    switch_to(&browser, &app, &tim).await;
    assert_eq!(browser.text("a.notif").await, "Notifikasi (1)");

    // Act
    browser.goto(&app.url("/notifikasi")).await;
    assert_fits(&browser, "the notification list").await;
    browser.click_and_wait("li.unread form button").await;

    // Assert
    assert_eq!(browser.path().await, format!("/kasus/{case_id}"));
    assert_eq!(browser.text("a.notif").await, "Notifikasi (0)");
}
