//! The retention period (`/admin/retensi`) in real Chromium: the administrator sets it and
//! sees it saved; an empty, negative, huge or NUL-carrying value is answered with the field's
//! message in Bahasa Indonesia, the typed value kept, and nothing saved.

use crate::common::spawn_app;
use crate::driver::Chromedriver;
use crate::flows::switch_to;

const YEARS: &str = "#retention-years";
const MONTHS: &str = "#retention-month-count";
const SAVE: &str = "#retention-form button[type=submit]";

#[tokio::test]
async fn the_administrator_sets_the_retention_period_and_bad_values_get_the_fields_message() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.create_test_user("admin", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;
    switch_to(&browser, &app, &admin).await;
    browser
        .click_and_wait("nav.menu a[href='/admin/retensi']")
        .await;
    assert_eq!(browser.text("#retention-months").await, "5 tahun 0 bulan");

    // Act: a valid period
    browser.type_into(YEARS, "7").await;
    browser.type_into(MONTHS, "6").await;
    browser.click_and_wait(SAVE).await;

    // Assert: saved, said and shown
    assert_eq!(browser.path().await, "/admin/retensi");
    assert_eq!(
        browser.text("p.flash").await,
        "Masa retensi disimpan: 7 tahun 6 bulan setelah kasus ditutup."
    );
    assert_eq!(browser.text("#retention-months").await, "7 tahun 6 bulan");
    assert_eq!(browser.value(YEARS).await, "7");

    for (typed, kept) in [("", ""), ("-1", "-1"), ("100000", "100000"), ("2\0", "2")] {
        // Act: a bad number of years (the NUL byte set by script: a keyboard cannot type it)
        browser
            .js(&format!(
                "document.querySelector('{YEARS}').value = {};",
                serde_json::to_string(typed).expect("a JSON string")
            ))
            .await;
        browser.type_into(MONTHS, "0").await;
        browser.click_and_wait(SAVE).await;

        // Assert: the server's message under the field, the value kept, nothing saved
        assert_eq!(
            browser.text("#retention-form .field-error").await,
            "Tahun: isi bilangan bulat 0–30.",
            "{typed:?}"
        );
        assert_eq!(
            browser
                .find(YEARS)
                .await
                .attr("aria-invalid")
                .await
                .expect("an attribute")
                .as_deref(),
            Some("true"),
            "{typed:?}"
        );
        let value = browser.value(YEARS).await;
        assert!(value.starts_with(kept), "{typed:?} kept as {value:?}");
        assert_eq!(browser.value(MONTHS).await, "0", "{typed:?}");
        assert_eq!(browser.text("#retention-months").await, "7 tahun 6 bulan");
    }
    let months: i32 = sqlx::query_scalar("SELECT months FROM retention_settings")
        .fetch_one(&app.pool)
        .await
        .expect("the setting");
    assert_eq!(months, 90);
    browser.close().await;
}
