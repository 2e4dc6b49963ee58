//! The administrator's page of background work (`/admin/tugas-latar`) in real Chromium, on a
//! phone-sized screen (360×740): a failed delivery is listed with its error and tried again.

use crate::common::spawn_app;
use crate::driver::Chromedriver;
use crate::flows::switch_to;
use crate::phone::assert_fits;

#[tokio::test]
async fn the_administrator_tries_a_failed_delivery_again_on_a_phone() {
    // Arrange: a webhook delivery that failed its last attempt
    let app = spawn_app().await;
    let admin = app.create_test_user("admin", None).await;
    let job_id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, dedupe_key, payload, created_at, run_after, attempts, \
                           max_attempts, failed_at, last_error) \
         VALUES ('webhook', 'webhook:uji:v2', '{}', now(), now(), 8, 8, now(), \
                 'webhook: penerima menjawab HTTP 500') RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .expect("arranging a failed job");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &admin).await;

    // Act: the menu leads to the page
    browser
        .click_and_wait("nav.menu a[href='/admin/tugas-latar']")
        .await;

    // Assert
    assert_eq!(browser.text("h1").await, "Tugas latar");
    assert_eq!(browser.text("#failed").await, "1");
    let row = browser.text(&format!("#job-{job_id}")).await;
    assert!(row.contains("Webhook"), "{row}");
    assert!(row.contains("8 dari 8"), "{row}");
    assert!(row.contains("penerima menjawab HTTP 500"), "{row}");
    assert_fits(&browser, "the background work page").await;

    // Act
    browser
        .click_and_wait(&format!("#job-{job_id} button[type=submit]"))
        .await;

    // Assert
    assert_eq!(browser.path().await, "/admin/tugas-latar");
    assert_eq!(
        browser.text("p.flash").await,
        format!("Tugas #{job_id} dijadwalkan ulang dan akan segera dicoba lagi.")
    );
    assert_eq!(browser.text("#failed").await, "0");
    assert_eq!(browser.text("#pending").await, "1");
    assert!(
        browser
            .text(&format!("#retrying-jobs #job-{job_id}"))
            .await
            .contains("0 dari 8")
    );
    assert_fits(&browser, "the page after a retry").await;
    browser.close().await;
}
