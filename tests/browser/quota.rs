//! The quota in the browser: Dinkes sets Pemprov's budget on `/kuota`, sees what remains on the
//! case's approval form, is asked to confirm an approval beyond it and confirms with a reason;
//! the program team reads `/kuota` on a phone (360 px).

use uuid::Uuid;

use crate::common::{TestApp, TestUser, intake_fields, spawn_app};
use crate::driver::{Browser, Chromedriver};
use crate::flows::{switch_to, today};
use crate::phone::assert_fits;

/// A case of `name` (NIK `nik`, Kota Kupang) waiting for Dinkes's guarantee decision.
async fn waiting_for_guarantee(app: &TestApp, name: &str, nik: &str) -> Uuid {
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields(name, "L", "1975-11-02", nik, "53.71");
    app.arrange_guarantee_review(&pic, &fields).await
}

/// Dinkes approves case `id` through the case service with a ceiling typed as `ceiling`.
async fn approved(app: &TestApp, dinkes: &TestUser, id: Uuid, ceiling: &str) {
    let today = today();
    app.arrange_action(
        dinkes,
        id,
        "approve_guarantee",
        &[
            ("letter_number", "440/1/DINKES/2026"),
            ("start_date", today.as_str()),
            ("payer", "pemprov"),
            ("ceiling", ceiling),
        ],
    )
    .await;
}

/// Fills the approval form on the case page (Pemprov, from today, `ceiling`) and sends it.
async fn submit_approval(browser: &Browser, ceiling: &str) {
    crate::flows::open_action(browser, "approve_guarantee").await;
    // The letter number is typed where the form still asks for it.
    if browser.has("#approve_guarantee-letter_number").await {
        browser
            .type_into("#approve_guarantee-letter_number", "440/2/DINKES/2026")
            .await;
    }
    browser
        .set_date("#approve_guarantee-start_date", &today())
        .await;
    browser.choose("#approve_guarantee-payer", "pemprov").await;
    browser
        .type_into("#approve_guarantee-ceiling", ceiling)
        .await;
    crate::flows::tick_confirmation(browser, "approve_guarantee").await;
    browser
        .click_and_wait("form#action-approve_guarantee button[type=submit]")
        .await;
}

#[tokio::test]
async fn dinkes_sets_the_budget_and_confirms_an_approval_beyond_it_in_the_browser() {
    // Arrange: 90 juta already approved for Pemprov this year; a second case waits.
    let app = spawn_app().await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    let first = waiting_for_guarantee(&app, "Markus Tefa", "5371020211750002").await;
    approved(&app, &dinkes, first, "90.000.000").await;
    let id = waiting_for_guarantee(&app, "Yosef Nenobais", "5371020211750010").await;
    let year = today()[..4].to_string();
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 900).await;
    switch_to(&browser, &app, &dinkes).await;

    // Act: Kuota in the menu, Pemprov's line, the budget typed as people write it.
    browser.click_and_wait("nav.menu a[href='/kuota']").await;
    assert_eq!(browser.text("#quota-year").await, year);
    browser.click_and_wait("#quota-pemprov a.detail").await;
    assert_eq!(browser.path().await, format!("/kuota/{year}/pemprov"));
    browser
        .type_into("#quota-guarantee", "Rp 100.000.000")
        .await;
    browser
        .click_and_wait("#quota-form-guarantee button[type=submit]")
        .await;

    // Assert: back on the year's table: 90 used, 10 left; the change in the history.
    assert_eq!(browser.path().await, "/kuota");
    assert!(browser.text("p.flash").await.contains("Rp100.000.000"));
    assert_eq!(
        browser.text("#quota-pemprov td.budget").await,
        "Rp100.000.000"
    );
    assert_eq!(browser.text("#quota-pemprov td.used").await, "Rp90.000.000");
    assert_eq!(
        browser.text("#quota-pemprov td.remaining").await,
        "Rp10.000.000"
    );
    assert!(
        browser
            .text("#quota-changes")
            .await
            .contains("Pagu jaminan sementara: belum ditetapkan → Rp100.000.000")
    );

    // Act: the case; its approval form says what remains.
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    crate::flows::open_action(&browser, "approve_guarantee").await;
    let note = browser
        .text("#quota-note-approve_guarantee li[data-payer=pemprov]")
        .await;
    assert_eq!(
        note,
        "Pemerintah Provinsi NTT: sisa Rp10.000.000 dari Rp100.000.000 (terpakai Rp90.000.000)"
    );
    assert!(!browser.has("#approve_guarantee-over_quota_confirmed").await);
    submit_approval(&browser, "20.000.000").await;

    // Assert: the form is back with the message, the checkbox and the reason field.
    assert_eq!(browser.case_state().await, "guarantee_review");
    let error = browser
        .text("#approve_guarantee-over_quota_confirmed-wrap .field-error")
        .await;
    assert!(
        error.starts_with(&format!(
            "Plafon Rp20.000.000 melebihi sisa pagu jaminan Pemerintah Provinsi NTT tahun {year}: sisa Rp10.000.000"
        )),
        "{error}"
    );
    assert_eq!(
        browser.value("#approve_guarantee-ceiling").await,
        "20.000.000"
    );

    // Act: confirm, with the reason.
    browser
        .find("#approve_guarantee-over_quota_confirmed")
        .await
        .click()
        .await
        .expect("ticking the confirmation");
    browser
        .type_into(
            "#approve_guarantee-over_quota_reason",
            "Pasien kritis; pagu ditambah pada APBD perubahan",
        )
        .await;
    crate::flows::tick_confirmation(&browser, "approve_guarantee").await;
    browser
        .click_and_wait("form#action-approve_guarantee button[type=submit]")
        .await;

    // Assert: approved; the case shows the decision; the table counts it.
    assert!(browser.text("p.flash").await.contains("berhasil"));
    if browser.path().await != format!("/kasus/{id}") {
        browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    }
    assert_eq!(browser.case_state().await, "guaranteed");
    let decision = browser.text("#case-quota-guarantee").await;
    assert!(
        decision.contains("Melebihi kuota") && decision.contains("alasannya di riwayat"),
        "{decision}"
    );
    // The reason once, in the timeline.
    let timeline = browser.text("#timeline").await;
    assert!(
        timeline.contains("Pasien kritis; pagu ditambah pada APBD perubahan"),
        "{timeline}"
    );
    browser.click_and_wait("nav.menu a[href='/kuota']").await;
    assert_eq!(
        browser.text("#quota-pemprov td.remaining").await,
        "-Rp10.000.000"
    );
    assert_eq!(browser.text("#quota-pemprov td.over").await, "1");
    browser.close().await;
}

#[tokio::test]
async fn the_quota_pages_fit_a_phone() {
    // Arrange: a budget with some of it used.
    let app = spawn_app().await;
    let dinkes = app.create_test_user("dinkes_prov", None).await;
    let tim = app.create_test_user("tim", None).await;
    let id = waiting_for_guarantee(&app, "Markus Tefa", "5371020211750002").await;
    approved(&app, &dinkes, id, "15.000.000").await;
    let year: i32 = today()[..4].parse().expect("a year");
    let current = app.current_user(&dinkes).await;
    app.cases
        .set_quota(
            &current,
            year,
            "pemprov",
            &[(
                merajut_sehat::domain::quota::QuotaKind::Guarantee,
                500_000_000,
            )],
        )
        .await
        .expect("setting the budget");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;

    // Act: the team reads the year's table.
    switch_to(&browser, &app, &tim).await;
    browser.click_and_wait("nav.menu a[href='/kuota']").await;

    // Assert: every line is a card within the screen, with its labels.
    assert_fits(&browser, "the quota table").await;
    assert_eq!(
        browser.text("#quota-pemprov td.remaining").await,
        "Rp485.000.000"
    );
    let label = browser
        .js("return getComputedStyle(document.querySelector('#quota-pemprov td.remaining'), '::before').content")
        .await;
    assert_eq!(label, "\"Sisa pagu\"");
    assert!(!browser.has("#quota-form-guarantee").await);

    // Act: Dinkes types a budget that is not one on its phone.
    switch_to(&browser, &app, &dinkes).await;
    browser
        .goto(&app.url(&format!("/kuota/{year}/pemprov")))
        .await;
    assert_fits(&browser, "the payer's page").await;
    browser.type_into("#quota-guarantee", "-5.000.000").await;
    browser
        .click_and_wait("#quota-form-guarantee button[type=submit]")
        .await;

    // Assert
    assert_fits(&browser, "the refused form").await;
    assert_eq!(
        browser.text("#quota-guarantee-error").await,
        "Pagu jaminan sementara tidak boleh negatif"
    );
    assert_eq!(browser.value("#quota-guarantee").await, "-5.000.000");
    browser.close().await;
}
