//! The download links of the case lists ("Unduh XLSX", "Unduh CSV"): on the lists of the roles
//! that have them, carrying the list's kept search (never its words), and usable on a phone.
//! The files themselves are read back in the API tests (`tests/api/exports.rs`).

use crate::common::{intake_fields, spawn_app};
use crate::driver::{Browser, Chromedriver};
use crate::flows::switch_to;
use crate::phone::assert_fits;
use crate::{HEIGHT, WIDTH};

/// The `href` of the element matching `css`.
async fn href(browser: &Browser, css: &str) -> String {
    browser
        .find(css)
        .await
        .attr("href")
        .await
        .expect("reading href")
        .unwrap_or_else(|| panic!("{css} has no href"))
}

/// "Unduh XLSX" and "Unduh CSV" on the page of `list`, pointing at its unfiltered download.
async fn assert_downloads(browser: &Browser, list: &str) {
    assert_eq!(browser.text("#download-xlsx").await, "Unduh XLSX", "{list}");
    assert_eq!(browser.text("#download-csv").await, "Unduh CSV", "{list}");
    assert_eq!(
        href(browser, "#download-xlsx").await,
        format!("{list}/unduh?format=xlsx")
    );
    assert_eq!(
        href(browser, "#download-csv").await,
        format!("{list}/unduh?format=csv")
    );
}

#[tokio::test]
async fn hospital_and_desk_roles_find_the_downloads_on_their_lists() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    app.arrange_draft(
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
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;

    for (user, list) in [
        (&pic, "/antrean"),
        (&pic, "/kasus-saya"),
        (&dinkes, "/antrean"),
    ] {
        // Act
        switch_to(&browser, &app, user).await;
        browser.goto(&app.url(list)).await;

        // Assert
        assert_downloads(&browser, list).await;
    }
    browser.close().await;
}

#[tokio::test]
async fn tim_downloads_the_filtered_monitoring_list_on_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let tim = app.create_test_user("tim", None).await;
    app.arrange_draft(
        &pic,
        &intake_fields(
            "Fransiska Lake",
            "P",
            "1992-07-21",
            "5371026107920003",
            "53.71",
        ),
    )
    .await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &tim).await;

    // Act: the team opens its queue (it leads to monitoring) and searches a name.
    browser.goto(&app.url("/antrean")).await;
    assert_eq!(browser.path().await, "/pemantauan");
    assert_fits(&browser, "the monitoring list with its downloads").await;
    crate::flows::open_filters(&browser).await;
    browser.type_into("#q", "Fransiska").await;
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;

    // Assert: the links carry the search's id, not the name.
    let url = browser.url().await;
    let id = url
        .split("cari=")
        .nth(1)
        .expect("the kept search in the address")
        .to_string();
    let xlsx = href(&browser, "#download-xlsx").await;
    assert_eq!(xlsx, format!("/pemantauan/unduh?format=xlsx&cari={id}"));
    assert!(!xlsx.to_lowercase().contains("fransiska"));
    assert_eq!(
        href(&browser, "#download-csv").await,
        format!("/pemantauan/unduh?format=csv&cari={id}")
    );
    assert_fits(&browser, "the searched monitoring list").await;

    // Act: the link answers this user with a file (fetched by the page, as a click would).
    let disposition = browser
        .js(&format!(
            "const r = new XMLHttpRequest(); r.open('GET', '{xlsx}', false); r.send(); \
             return r.status + ' ' + r.getResponseHeader('content-disposition');"
        ))
        .await;

    // Assert
    let today = app.clock.today();
    assert_eq!(
        disposition.as_str(),
        Some(format!("200 attachment; filename=\"pemantauan-{today}.xlsx\"").as_str())
    );
    browser.close().await;
}

#[tokio::test]
async fn the_claims_reports_and_batch_lists_offer_their_downloads_to_their_readers() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let kab = app.create_test_user("dinkes_kab", Some("53.71")).await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    let tim = app.create_test_user("tim", None).await;
    let dinsos = app.create_test_user("dinsos_prov", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(WIDTH, HEIGHT).await;

    for (user, list) in [
        (&pic, "/klaim"),
        (&pic, "/laporan"),
        (&kab, "/klaim"),
        (&kab, "/nominatif"),
        (&dinkes, "/klaim"),
        (&dinkes, "/nominatif"),
        (&tim, "/laporan"),
        (&tim, "/nominatif"),
    ] {
        // Act
        switch_to(&browser, &app, user).await;
        browser.goto(&app.url(list)).await;

        // Assert
        assert_eq!(browser.path().await, list);
        assert_downloads(&browser, list).await;
    }

    // Act / Assert: the quota table's downloads are those of the year shown.
    switch_to(&browser, &app, &dinkes).await;
    browser.goto(&app.url("/kuota?tahun=2025")).await;
    assert_eq!(
        href(&browser, "#download-xlsx").await,
        "/kuota/unduh?format=xlsx&tahun=2025"
    );

    // Act / Assert: the claim list's downloads carry its filters (codes and dates only).
    browser
        .goto(&app.url("/klaim?status=paid&dari=2026-10-01"))
        .await;
    assert_eq!(
        href(&browser, "#download-csv").await,
        "/klaim/unduh?format=csv&status=paid&dari=2026-10-01"
    );
    // A role without the claim list sees no way to it.
    switch_to(&browser, &app, &dinsos).await;
    browser.goto(&app.url("/")).await;
    assert!(!browser.has("a[href='/klaim']").await);
    browser.close().await;
}

#[tokio::test]
async fn the_claim_list_with_its_downloads_fits_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &pic).await;

    // Act
    browser.goto(&app.url("/klaim")).await;

    // Assert
    assert!(browser.has("#download-xlsx").await);
    assert_fits(&browser, "the claim list with its downloads").await;
    browser.close().await;
}
