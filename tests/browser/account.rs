//! One's account, notification preferences and the daily digest on a phone-sized screen
//! (360×740 CSS pixels), in real Chromium.

use crate::common::{intake_fields, spawn_app};
use crate::driver::Chromedriver;
use crate::flows::switch_to;
use crate::phone::assert_fits;

#[tokio::test]
async fn a_pic_sets_an_email_address_and_chooses_notifications_on_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &pic).await;

    // Act: the menu leads to the account page
    browser.click_and_wait("nav.menu a[href='/akun']").await;

    // Assert
    assert_eq!(browser.text("h1").await, "Akun saya");
    assert_fits(&browser, "the account page").await;

    // Act: an address the browser accepts but the server does not (no dot in the domain)
    browser.type_into("#email", "ana@localhost").await;
    browser
        .click_and_wait("#email-form button[type=submit]")
        .await;

    // Assert: the message under the field, what was typed kept
    assert!(
        browser
            .text("#email-error")
            .await
            .starts_with("Alamat email"),
        "a message naming the field"
    );
    assert_eq!(browser.value("#email").await, "ana@localhost");
    assert_fits(&browser, "the refused account form").await;

    // Act
    browser.type_into("#email", "ana.bria@rsud-wzj.go.id").await;
    browser
        .click_and_wait("#email-form button[type=submit]")
        .await;

    // Assert
    assert_eq!(browser.path().await, "/akun");
    assert_eq!(browser.text("p.flash").await, "Alamat email disimpan.");
    assert_eq!(browser.value("#email").await, "ana.bria@rsud-wzj.go.id");

    // Act: on to the preferences; arrivals by e-mail, returned cases not in the app
    browser
        .click_and_wait("main a[href='/akun/notifikasi']")
        .await;
    assert_fits(&browser, "the preferences page").await;
    browser
        .js("document.getElementById('arrived_email').click(); \
             document.getElementById('returned_in_app').click();")
        .await;
    browser
        .click_and_wait("#preferences-form button[type=submit]")
        .await;

    // Assert
    assert_eq!(browser.path().await, "/akun/notifikasi");
    assert_eq!(
        browser.text("p.flash").await,
        "Pengaturan notifikasi disimpan"
    );
    let checked = browser
        .js(
            "return ['arrived_in_app', 'arrived_email', 'returned_in_app', 'returned_email'] \
             .map(id => document.getElementById(id).checked)",
        )
        .await;
    assert_eq!(checked, serde_json::json!([true, true, false, true]));
    assert_fits(&browser, "the saved preferences").await;
    browser.close().await;
}

#[tokio::test]
async fn the_daily_digest_fits_a_phone_and_leads_to_the_cases() {
    // Arrange: a case waiting at Disdukcapil provinsi
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let tim = app.create_test_user("tim", None).await;
    let id = app
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
    app.arrange_action(&pic, id, "submit", &[]).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &dukcapil).await;

    // Act
    browser
        .click_and_wait("nav.menu a[href='/notifikasi/ringkasan']")
        .await;

    // Assert
    assert_eq!(browser.text("h1").await, "Ringkasan harian");
    assert_eq!(browser.text("#at-desk").await, "1");
    assert_fits(&browser, "the desk digest").await;
    assert!(
        !browser.text("main").await.contains("Markus"),
        "no patient name in the digest"
    );

    // Act: the case number opens the case
    browser.click_and_wait("#arrived-list a").await;

    // Assert
    assert_eq!(browser.path().await, format!("/kasus/{id}"));

    // Act: the program team's digest, and its per-desk figure
    switch_to(&browser, &app, &tim).await;
    browser.goto(&app.url("/notifikasi/ringkasan")).await;

    // Assert
    assert_eq!(browser.text("#open-dukcapil_prov").await, "1");
    assert_fits(&browser, "the overview digest").await;

    // Act
    browser.click_and_wait("#open-dukcapil_prov").await;

    // Assert: the monitoring list, filtered to that desk, by a search id only
    assert!(browser.url().await.contains("/pemantauan?cari="));
    assert_eq!(browser.value("#desk").await, "dukcapil_prov");
    browser.close().await;
}

#[tokio::test]
async fn a_tim_member_enrols_the_second_factor_on_a_phone_and_signs_in_with_a_code() {
    // Arrange: a tim user without a second factor yet.
    let app = crate::common::spawn_app().await;
    let user = app.create_test_user("tim", None).await;
    sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user.id)
        .execute(&app.pool)
        .await
        .expect("removing the second factor");
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;

    // Act: the password leads straight to the enrolment.
    browser.goto(&app.url("/masuk")).await;
    browser.type_into("#username", &user.username).await;
    browser
        .type_into("#password", crate::common::PASSWORD)
        .await;
    browser
        .click_and_wait("form[action='/masuk'] button[type=submit]")
        .await;

    // Assert: the QR code is drawn at a scannable size and the secret is readable.
    assert_eq!(browser.path().await, "/akun/dua-langkah");
    assert_fits(&browser, "the enrolment page").await;
    let size = browser
        .js(
            "const r = document.querySelector('svg.enrol-qr').getBoundingClientRect(); \
             return [r.width, r.height]",
        )
        .await;
    let side = size[0].as_f64().expect("a width");
    assert!((150.0..=360.0).contains(&side), "QR code {side} px wide");
    assert_eq!(size[0], size[1], "square");
    let shown = browser.text("#totp-secret").await;
    let secret = crate::common::base32_decode(&shown);

    // Act: the code of the app, typed.
    let code = merajut_sehat::auth::totp::code_at(&secret, app.clock.now());
    browser.type_into("#enrol-form #code", &code).await;
    browser
        .click_and_wait("#enrol-form button[type=submit]")
        .await;

    // Assert: ten recovery codes, then home.
    assert_eq!(browser.text("h1").await, "Kode pemulihan");
    assert_fits(&browser, "the recovery codes").await;
    let codes = browser
        .js("return document.querySelectorAll('#recovery-codes li').length")
        .await;
    assert_eq!(codes.as_u64(), Some(10));
    browser.click_and_wait("a.button.primary").await;
    assert_eq!(browser.path().await, "/");

    // Act + Assert: signing in again asks for the code (the driver answers it) and lands home.
    browser.sign_out().await;
    browser.sign_in(&app, &user).await;
    assert_eq!(browser.path().await, "/");
    browser.close().await;
}

#[tokio::test]
async fn a_pic_makes_an_api_token_with_an_expiry_and_signs_out_everywhere_on_a_phone() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    switch_to(&browser, &app, &pic).await;
    browser.goto(&app.url("/token-api")).await;
    assert_fits(&browser, "the token page").await;
    let today = app.clock.today();
    let until = today + chrono::Days::new(30);

    // Act
    browser.type_into("#name", "SIMRS").await;
    browser.set_date("#expires_on", &until.to_string()).await;
    browser
        .click_and_wait("#token-form button[type=submit]")
        .await;

    // Assert: the token shown once, its expiry (the day after, 00:00 WITA) in the list
    assert!(browser.text("#new-token").await.len() >= 40);
    let expires = until + chrono::Days::new(1);
    assert_eq!(
        browser.text("td.token-expires").await,
        format!("{} 00:00 WITA", expires.format("%d-%m-%Y"))
    );
    assert_eq!(browser.text("td.token-last-used").await, "belum pernah");
    assert_fits(&browser, "the token list").await;

    // Act: sign out of every device from the account page
    browser.goto(&app.url("/akun")).await;
    browser
        .click_and_wait("#sign-out-everywhere button[type=submit]")
        .await;

    // Assert: at the sign-in page, and the account page asks to sign in again
    assert_eq!(browser.path().await, "/masuk");
    browser.goto(&app.url("/akun")).await;
    assert_eq!(browser.path().await, "/masuk");
    browser.close().await;
}
