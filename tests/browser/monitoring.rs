//! The monitoring pages on a phone-sized screen (360 px): the monitoring list (filters, search,
//! reload), the bottlenecks in both groupings with their drill-downs, and every page of the
//! monitoring issue checked for anything reaching past the right edge.

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

    // Act: filter by state (the filters are folded until one is set).
    crate::flows::open_filters(&browser).await;
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
    search_for(&browser, "175 0002").await;

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

    // Act: search by the beginnings of Markus's names, the other way round.
    search_for(&browser, "tef mar").await;

    // Assert
    let names = browser.text("table.cases tbody").await;
    assert!(
        names.contains("Markus Tefa") && !names.contains("Fransiska"),
        "{names}"
    );

    // Act: a search of signs alone.
    search_for(&browser, "%").await;

    // Assert: the message under the box, what was typed kept.
    let message = browser.text("#q-error").await;
    assert!(message.contains("huruf atau angka"), "{message}");
    assert_eq!(browser.value("#q").await, "%");
    assert_fits(&browser, "the refused search").await;
    browser.close().await;
}

/// Types `q` into the search box of the list's filters and sends them.
async fn search_for(browser: &crate::driver::Browser, q: &str) {
    browser.type_into("#q", q).await;
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;
}

/// Registers and submits a patient of Kota Kupang at the hospital of `pic`.
async fn submitted(
    app: &crate::common::TestApp,
    pic: &crate::common::TestUser,
    name: &str,
    nik: &str,
) -> uuid::Uuid {
    let id = app
        .arrange_draft(pic, &intake_fields(name, "L", "1975-11-02", nik, "53.71"))
        .await;
    app.arrange_action(pic, id, "submit", &[]).await;
    id
}

#[tokio::test]
async fn bottlenecks_per_hospital_and_their_cases_on_a_phone() {
    // Arrange: cases waiting at Disdukcapil from two hospitals, one with a long name.
    let app = spawn_app().await;
    let wzj = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let gma = app.create_test_user("rsud", Some("RSUD-GMA")).await;
    let tim = app.create_test_user("tim", None).await;
    let markus = submitted(&app, &wzj, "Markus Tefa", "5371020211750002").await;
    submitted(&app, &gma, "Yosef Atambua", "5371020211750010").await;
    submitted(&app, &gma, "Agus Atambua", "5371020211750011").await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &tim).await;

    // Act: the menu leads to the page; group by hospital with the form.
    browser.click_and_wait("nav.menu a[href='/hambatan']").await;
    assert_fits(&browser, "the bottleneck page").await;
    browser.choose("#kelompok", "rs").await;
    browser
        .click_and_wait("#period-form button[type=submit]")
        .await;

    // Assert: one row per hospital at the NIK desk; the address holds no personal data.
    let url = browser.url().await;
    assert!(url.contains("kelompok=rs"), "{url}");
    // The path and query only: the test server's port may hold the digits too (35371).
    let address = &url[url.find("/hambatan").unwrap_or(0)..];
    assert!(
        !address.contains("5371") && !address.contains("Markus"),
        "{url}"
    );
    assert_fits(&browser, "the page per hospital").await;
    let row = "#bottlenecks tr[data-state='nik_check'][data-group='RSUD-GMA']";
    let text = browser.text(row).await;
    assert!(
        text.contains("RSUD Mgr. Gabriel Manek, SVD Atambua"),
        "{text}"
    );
    assert_eq!(browser.text(&format!("{row} td:nth-child(3)")).await, "2");
    assert_eq!(browser.value("#kelompok").await, "rs");

    // Act: open the cases at the NIK desk of RSUD-GMA now.
    browser
        .click_and_wait(&format!("{row} td:nth-child(3) a"))
        .await;

    // Assert: the two of Atambua, not Markus; the page still fits and keeps the grouping.
    let listed = browser.text("#kasus").await;
    assert!(
        listed.contains("RSUD Mgr. Gabriel Manek") && listed.contains("masih di meja"),
        "{listed}"
    );
    let lines = browser
        .js("return document.querySelectorAll('#kasus li a').length")
        .await;
    assert_eq!(lines.as_u64(), Some(2));
    assert!(
        !browser
            .has(&format!("#kasus a[href='/kasus/{markus}']"))
            .await
    );
    assert_fits(&browser, "the cases of one hospital").await;
    assert_eq!(browser.value("#kelompok").await, "rs");

    // Act: back to kab/kota, narrowed to the NIK desk, and open its cases.
    browser.choose("#kelompok", "kab").await;
    browser.choose("#meja", "nik_check").await;
    browser
        .click_and_wait("#period-form button[type=submit]")
        .await;
    let rows = browser
        .js("return document.querySelectorAll('#bottlenecks tbody tr').length")
        .await;
    assert_eq!(rows.as_u64(), Some(1), "only the NIK desk of Kota Kupang");
    browser
        .click_and_wait(
            "#bottlenecks tr[data-state='nik_check'][data-group='53.71'] td:nth-child(7) a",
        )
        .await;

    // Assert: all three, and the case opens from the list.
    let lines = browser
        .js("return document.querySelectorAll('#kasus li a').length")
        .await;
    assert_eq!(lines.as_u64(), Some(3));
    assert_fits(&browser, "the cases of one kab/kota").await;
    browser
        .click_and_wait(&format!("#kasus a[href='/kasus/{markus}']"))
        .await;
    assert_eq!(browser.path().await, format!("/kasus/{markus}"));
    browser.close().await;
}

#[tokio::test]
async fn dinkes_kab_filters_its_monitoring_list_by_hospital_and_overdue_on_a_phone() {
    // Arrange: three cases of Kota Kupang at two hospitals, one overdue.
    let app = spawn_app().await;
    let wzj = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let skl = app.create_test_user("rsud", Some("RSUD-SKL")).await;
    let dinkes = app.create_test_user("dinkes_kab", Some("53.71")).await;
    let late = submitted(&app, &wzj, "Markus Tefa", "5371020211750002").await;
    submitted(&app, &wzj, "Yosef Tepat", "5371020211750010").await;
    submitted(&app, &skl, "Agus Lerik", "5371020211750011").await;
    sqlx::query("UPDATE cases SET sla_due_date = current_date - 5 WHERE id = $1")
        .bind(late)
        .execute(&app.pool)
        .await
        .expect("an overdue case");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &dinkes).await;

    // Act: "Antrean saya" is not in the menu; the monitoring list is.
    assert!(!browser.has("nav.menu a[href='/antrean']").await);
    browser
        .click_and_wait("nav.menu a[href='/pemantauan']")
        .await;
    assert_fits(&browser, "the monitoring list of the kab/kota").await;
    crate::flows::open_filters(&browser).await;
    browser
        .choose("#hospital", &hospital_id(&app, "RSUD-WZJ").await)
        .await;
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;

    // Assert
    let names = browser.text("table.cases tbody").await;
    assert!(
        names.contains("Markus") && names.contains("Yosef") && !names.contains("Agus"),
        "{names}"
    );
    assert_fits(&browser, "the list of one hospital").await;

    // Act: overdue only.
    browser
        .find("#overdue")
        .await
        .click()
        .await
        .expect("ticking the box");
    browser
        .click_and_wait("form[role=search] button[type=submit]")
        .await;

    // Assert: Markus alone, marked overdue, and the address holds the search id only.
    let names = browser.text("table.cases tbody").await;
    assert!(
        names.contains("Markus") && !names.contains("Yosef"),
        "{names}"
    );
    assert!(browser.url().await.contains("/pemantauan?cari="));
    assert_fits(&browser, "the overdue list").await;
    browser.close().await;
}

/// The id of the hospital with `code`.
async fn hospital_id(app: &crate::common::TestApp, code: &str) -> String {
    let (id,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM hospitals WHERE code = $1")
        .bind(code)
        .fetch_one(&app.pool)
        .await
        .expect("the hospital");
    id.to_string()
}

/// The elements that reach past the right edge of the window, outside a frame that scrolls
/// on its own (`.table-wrap`): what a phone user would have to scroll the page sideways for,
/// or would not see at all.
async fn sticking_out(browser: &crate::driver::Browser) -> Vec<String> {
    let found = browser
        .js("const w = document.documentElement.clientWidth; \
             return [...document.querySelectorAll('body *')] \
               .filter(e => !e.closest('.table-wrap') && !e.closest('.skip')) \
               .filter(e => { const r = e.getBoundingClientRect(); \
                              return r.width > 0 && r.right > w + 0.5; }) \
               .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + \
                         Math.round(e.getBoundingClientRect().right));")
        .await;
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn every_monitoring_page_fits_a_phone_with_long_names_and_closed_cases() {
    // Arrange: cases at hospitals with long names, one withdrawn, one notification.
    let app = spawn_app().await;
    let gma = app.create_test_user("rsud", Some("RSUD-GMA")).await;
    let wzj = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let tim = app.create_test_user("tim", None).await;
    let first = submitted(
        &app,
        &gma,
        "Maria Goreti Bere Tallo Nahak Seran",
        "5371020211750002",
    )
    .await;
    submitted(&app, &wzj, "Yohanes Don Bosco Tefa", "5371020211750010").await;
    let gone = app
        .arrange_draft(
            &gma,
            &intake_fields(
                "Agus Atambua",
                "L",
                "1975-11-02",
                "5371020211750011",
                "53.71",
            ),
        )
        .await;
    app.arrange_action(
        &gma,
        gone,
        "withdraw",
        &[
            ("reason_code", "meninggal"),
            ("reason_text", "Meninggal di IGD"),
        ],
    )
    .await;
    sqlx::query(
        "INSERT INTO notifications (user_id, case_id, kind, state, created_at) \
         VALUES ($1, $2, 'arrived', 'nik_check', now())",
    )
    .bind(tim.id)
    .bind(first)
    .execute(&app.pool)
    .await
    .expect("notification");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &tim).await;

    for path in [
        "/hambatan".to_string(),
        "/hambatan?kelompok=rs".to_string(),
        "/hambatan?kelompok=rs&meja=nik_check&rs=RSUD-GMA".to_string(),
        "/hambatan?kelompok=kab&tahap=jaminan".to_string(),
        "/hambatan?kelompok=lain".to_string(),
        "/dasbor".to_string(),
        "/pemantauan".to_string(),
        "/notifikasi".to_string(),
        format!("/kasus/{first}"),
    ] {
        // Act
        browser.goto(&app.url(&path)).await;

        // Assert: nothing sticks out, and the page does not scroll sideways.
        assert_fits(&browser, &path).await;
        let out = sticking_out(&browser).await;
        assert!(
            out.is_empty(),
            "{path}: past the right edge at 360 px: {out:?}"
        );
    }

    // Assert: the check does see an element wider than the phone.
    browser
        .js(
            "const d = document.createElement('div'); d.id = 'wide'; d.style.width = '500px'; \
             d.textContent = 'x'; document.querySelector('main').appendChild(d); return 1;",
        )
        .await;
    let out = sticking_out(&browser).await;
    assert!(out.iter().any(|e| e.starts_with("DIV#wide")), "{out:?}");
    browser.close().await;
}
