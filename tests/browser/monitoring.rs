//! The program team's monitoring list on a phone-sized screen: filter, search, reload.

use crate::common::{intake_fields, spawn_app};
use crate::driver::Chromedriver;
use crate::flows::switch_to;
use crate::phone::assert_fits;

#[tokio::test]
async fn tim_filters_and_searches_the_monitoring_list_on_a_phone() {
    // Arrange: two submitted cases of Kota Kupang, one still a draft.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let tim = app.create_test_user("tim", None).await;
    let markus = app
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
    let fransiska = app
        .arrange_draft(
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
    app.arrange_action(&pic, markus, "submit", &[]).await;
    app.arrange_action(&pic, fransiska, "submit", &[]).await;
    app.arrange_draft(
        &pic,
        &intake_fields("Yosef Draf", "L", "1975-11-02", "5371020211750010", "53.71"),
    )
    .await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &tim).await;

    // Act: the menu leads to the monitoring list.
    browser
        .click_and_wait("nav.menu a[href='/pemantauan']")
        .await;

    // Assert
    assert_eq!(browser.text("h1").await, "Pemantauan kasus");
    assert_fits(&browser, "the monitoring list").await;
    let rows = browser
        .js("return document.querySelectorAll('table.cases tbody a').length")
        .await;
    assert_eq!(rows.as_u64(), Some(3));

    // Act: filter by state.
    browser.choose("#state", "nik_check").await;
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;

    // Assert
    assert_eq!(browser.path().await, "/pemantauan");
    let rows = browser
        .js("return document.querySelectorAll('table.cases tbody a').length")
        .await;
    assert_eq!(rows.as_u64(), Some(2));
    assert_fits(&browser, "the filtered list").await;

    // Act: search by the end of Markus's NIK, typed with a space.
    browser.type_into("#q", "175 0002").await;
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;

    // Assert: only Markus, and the address holds the search id only.
    let url = browser.url().await;
    assert!(url.contains("/pemantauan?cari="), "{url}");
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let id = query.strip_prefix("cari=").unwrap_or_default();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "the address holds more than a search id: {url}"
    );
    let names = browser.text("table.cases tbody").await;
    assert!(names.contains("Markus Tefa"), "{names}");
    assert!(!names.contains("Fransiska"), "{names}");
    assert_eq!(browser.value("#q").await, "175 0002");

    // Act: reload the address (no form is sent again).
    browser.goto(&url).await;

    // Assert
    let names = browser.text("table.cases tbody").await;
    assert!(
        names.contains("Markus Tefa") && !names.contains("Fransiska"),
        "{names}"
    );
    assert_fits(&browser, "the searched list").await;
    browser.close().await;
}
