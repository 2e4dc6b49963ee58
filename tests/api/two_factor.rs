//! Two-factor sign-in (RFC 6238 codes from the app clock, recovery codes) and the enrolment
//! that the roles admin, dinkes_prov, tim and auditor cannot skip.

use chrono::{DateTime, Duration, Utc};
use merajut_sehat::auth::totp;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;

/// Monday 7 December 2026, 10 s into a 30-second step.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T02:00:10Z")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// Removes the second factor the harness gave a user, to test the enrolment.
async fn without_second_factor(app: &TestApp, user: Uuid) {
    sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user)
        .execute(&app.pool)
        .await
        .expect("removing the second factor");
}

/// Posts a code on `/masuk/kode` (the CSRF token from `/masuk`, which has it whether or not a
/// sign-in is pending).
async fn give_code(app: &TestApp, client: &TestClient, code: &str) -> reqwest::Response {
    app.post_form_from(client, "/masuk", "/masuk/kode", &[("code", code)])
        .await
}

/// A six-digit code that is none of the codes of `secret` from one step before `at` to one
/// after: a wrong code, computed rather than hoped for.
fn wrong_code(secret: &[u8], at: DateTime<Utc>) -> String {
    let near: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|s| totp::code_at(secret, at + Duration::seconds(*s)))
        .collect();
    (0..1000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .expect("a code outside the window")
}

async fn audit_events(app: &TestApp, target: Uuid) -> Vec<String> {
    sqlx::query_scalar("SELECT event FROM audit_log WHERE target = $1 ORDER BY id")
        .bind(target.to_string())
        .fetch_all(&app.pool)
        .await
        .expect("reading the audit log")
}

#[tokio::test]
async fn a_role_that_needs_a_second_factor_must_enrol_before_anything_else() {
    // Arrange: a tim user without a second factor yet.
    let app = spawn_app_at(t0()).await;
    let user = app.create_test_user("tim", None).await;
    without_second_factor(&app, user.id).await;
    let client = app.client();

    // Act
    let signed_in = app.login(&client, &user.username, PASSWORD).await;

    // Assert: every page leads to the enrolment, which shows the QR code and the secret.
    assert_redirect(&signed_in, "/akun/dua-langkah");
    for path in ["/", "/akun", "/admin/pengguna", "/akun/kata-sandi"] {
        assert_redirect(&app.get(&client, path).await, "/akun/dua-langkah");
    }
    let page = app.get_html(&client, "/akun/dua-langkah").await;
    assert!(texts(&page, "nav.menu a").is_empty(), "no menu before");
    assert!(text(&page, "#two-factor-required").is_some());
    let svg = attr(&page, "svg.enrol-qr", "viewBox").expect("an inline QR code");
    assert!(svg.starts_with("0 0 "), "{svg}");
    let shown = text(&page, "#totp-secret").expect("the secret in text");
    let secret = base32_decode(&shown);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM user_totp WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.pool)
        .await
        .expect("the stored secret");
    assert_eq!(secret, stored);
    assert_eq!(secret.len(), 20, "160 bits");
    let again = app.get_html(&client, "/akun/dua-langkah").await;
    assert_eq!(
        text(&again, "#totp-secret"),
        Some(shown),
        "the same until confirmed"
    );

    // Act + Assert: a wrong code is refused with a message naming the field.
    let refused = app
        .post_form(
            &client,
            "/akun/dua-langkah",
            &[("code", &wrong_code(&secret, t0()))],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    assert!(text(&page, "#two-factor-error").is_some_and(|e| e.starts_with("Kode")));
    assert_redirect(&app.get(&client, "/").await, "/akun/dua-langkah");

    // Act: the right code.
    let confirmed = app
        .post_form(
            &client,
            "/akun/dua-langkah",
            &[("code", &totp::code_at(&secret, t0()))],
        )
        .await;

    // Assert: ten distinct recovery codes shown once, stored as SHA-256 only; home opens.
    assert_eq!(confirmed.status(), StatusCode::OK);
    let page = confirmed.text().await.expect("page");
    let mut codes = texts(&page, "#recovery-codes li");
    assert_eq!(codes.len(), 10);
    let hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE user_id = $1")
            .bind(user.id)
            .fetch_all(&app.pool)
            .await
            .expect("stored hashes");
    for code in &codes {
        assert!(totp::looks_like_one_time_code(code), "{code}");
        assert!(hashes.contains(&Sha256::digest(code.as_bytes()).to_vec()));
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 10);
    assert_eq!(app.get(&client, "/").await.status(), StatusCode::OK);
    assert!(
        audit_events(&app, user.id)
            .await
            .contains(&"user.totp_enable".to_string())
    );
}

#[tokio::test]
async fn a_code_is_accepted_one_step_either_way_and_refused_when_wrong_old_or_used() {
    // Arrange
    let app = spawn_app_at(t0()).await;
    let user = app.create_test_user("dinkes_prov", None).await;
    let secret = TOTP_SECRET;
    let first = app.client();

    // Act + Assert: the password alone leads to the code page and signs nobody in.
    let step_one = app.login_password(&first, &user.username, PASSWORD).await;
    assert_redirect(&step_one, "/masuk/kode");
    assert_redirect(&app.get(&first, "/").await, "/masuk");
    assert_eq!(
        app.get(&first, "/masuk/kode").await.status(),
        StatusCode::OK
    );

    // A wrong code: 422 with the message.
    let refused = give_code(&app, &first, &wrong_code(secret, t0())).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    assert!(text(&page, "#code-error").is_some_and(|e| e.starts_with("Kode salah")));

    // The code of the next step (a phone clock a little ahead) is accepted.
    let next_step = totp::code_at(secret, t0() + Duration::seconds(30));
    assert_redirect(&give_code(&app, &first, &next_step).await, "/");
    assert_eq!(app.get(&first, "/").await.status(), StatusCode::OK);

    // The same code again, or the code of an earlier step, is refused.
    let second = app.client();
    app.login_password(&second, &user.username, PASSWORD).await;
    let reused = give_code(&app, &second, &next_step).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let earlier = give_code(&app, &second, &totp::code_at(secret, t0())).await;
    assert_eq!(earlier.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A minute later: a code two steps old is refused, the current one accepted.
    app.clock.advance(Duration::seconds(60));
    let two_steps_old = totp::code_at(secret, t0());
    let stale = give_code(&app, &second, &two_steps_old).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let now = totp::code_at(secret, app.clock.now());
    assert_redirect(&give_code(&app, &second, &now).await, "/");
}

#[tokio::test]
async fn five_wrong_codes_end_the_pending_sign_in_and_it_lasts_five_minutes() {
    // Arrange
    let app = spawn_app_at(t0()).await;
    let user = app.create_test_user("auditor", None).await;
    let client = app.client();
    app.login_password(&client, &user.username, PASSWORD).await;
    let wrong = wrong_code(TOTP_SECRET, t0());

    // Act: four wrong codes are answered on the page, the fifth ends the attempt.
    for _ in 0..4 {
        let refused = give_code(&app, &client, &wrong).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let ended = give_code(&app, &client, &wrong).await;

    // Assert: back to the password; the right code no longer helps.
    assert_redirect(&ended, "/masuk");
    let login = app.get_html(&client, "/masuk").await;
    assert!(text(&login, ".flash").is_some_and(|f| f.contains("Terlalu banyak kode salah")));
    let right = totp::code_at(TOTP_SECRET, t0());
    assert_redirect(&give_code(&app, &client, &right).await, "/masuk");
    assert_redirect(&app.get(&client, "/").await, "/masuk");
    assert!(
        audit_events(&app, user.id)
            .await
            .contains(&"session.second_factor_refused".to_string())
    );

    // Act: a new attempt whose code comes six minutes later.
    let late = app.client();
    app.login_password(&late, &user.username, PASSWORD).await;
    app.clock.advance(Duration::minutes(6));
    let code = totp::code_at(TOTP_SECRET, app.clock.now());
    let expired = give_code(&app, &late, &code).await;

    // Assert
    assert_redirect(&expired, "/masuk");
    let login = app.get_html(&late, "/masuk").await;
    assert!(text(&login, ".flash").is_some_and(|f| f.contains("Waktu memasukkan kode habis")));
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_new_codes_replace_the_old() {
    // Arrange: a tim user makes new recovery codes with a current code.
    let app = spawn_app_at(t0()).await;
    let (client, user) = app.signed_in("tim", None).await;
    let code = app.totp_code(&user.username).await;
    let made = app
        .post_form_from(
            &client,
            "/akun/dua-langkah",
            "/akun/dua-langkah/kode-pemulihan",
            &[("code", &code)],
        )
        .await;
    assert_eq!(made.status(), StatusCode::OK);
    let codes = texts(&made.text().await.expect("page"), "#recovery-codes li");
    assert_eq!(codes.len(), 10);

    // Act: a phone-less sign-in with the first code, typed in capitals with spaces around.
    let phoneless = app.client();
    app.login_password(&phoneless, &user.username, PASSWORD)
        .await;
    let typed = format!("  {}  ", codes[0].to_uppercase());
    let signed_in = give_code(&app, &phoneless, &typed).await;

    // Assert
    assert_redirect(&signed_in, "/");
    let page = app.get_html(&phoneless, "/akun/dua-langkah").await;
    assert_eq!(text(&page, "#codes-left").as_deref(), Some("9"));
    let again = app.client();
    app.login_password(&again, &user.username, PASSWORD).await;
    let reused = give_code(&app, &again, &codes[0]).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        audit_events(&app, user.id)
            .await
            .contains(&"user.recovery_code_used".to_string())
    );

    // Act: new codes; the old unused ones stop working.
    let code = app.totp_code(&user.username).await;
    let remade = app
        .post_form_from(
            &client,
            "/akun/dua-langkah",
            "/akun/dua-langkah/kode-pemulihan",
            &[("code", &code)],
        )
        .await;
    assert_eq!(remade.status(), StatusCode::OK);
    let old = give_code(&app, &again, &codes[1]).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_optional_role_switches_the_second_factor_on_and_off_and_a_mandatory_one_cannot() {
    // Arrange
    let app = spawn_app_at(t0()).await;
    let (pic, user) = app.signed_in("rsud", Some("RSUD-SKL")).await;
    let profile = app.get_html(&pic, "/akun").await;
    assert!(attr(&profile, "a[href='/akun/dua-langkah']", "href").is_some());

    // Act: on, then a sign-in asks for a code.
    let codes = app.enrol_second_factor(&pic).await;
    assert_eq!(texts(&codes, "#recovery-codes li").len(), 10);
    let other = app.client();
    let step = app.login_password(&other, &user.username, PASSWORD).await;
    assert_redirect(&step, "/masuk/kode");

    // Act: off needs a current code.
    let secret: Vec<u8> = sqlx::query_scalar("SELECT secret FROM user_totp WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.pool)
        .await
        .expect("the stored secret");
    let wrong = wrong_code(&secret, t0());
    let refused = app
        .post_form_from(
            &pic,
            "/akun/dua-langkah",
            "/akun/dua-langkah/nonaktifkan",
            &[("code", &wrong)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = app.totp_code(&user.username).await;
    let off = app
        .post_form_from(
            &pic,
            "/akun/dua-langkah",
            "/akun/dua-langkah/nonaktifkan",
            &[("code", &code)],
        )
        .await;

    // Assert: signing in needs the password only again.
    assert_redirect(&off, "/akun");
    let third = app.client();
    assert_redirect(
        &app.login_password(&third, &user.username, PASSWORD).await,
        "/",
    );

    // A tim user cannot switch it off, even with a right code.
    let (tim, tim_user) = app.signed_in("tim", None).await;
    let page = app.get_html(&tim, "/akun/dua-langkah").await;
    assert!(text(&page, "#disable-form").is_none());
    let code = app.totp_code(&tim_user.username).await;
    let refused = app
        .post_form_from(
            &tim,
            "/akun/dua-langkah",
            "/akun/dua-langkah/nonaktifkan",
            &[("code", &code)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    assert!(text(&page, "#two-factor-error").is_some_and(|e| e.contains("wajib")));
    let other = app.client();
    assert_redirect(
        &app.login_password(&other, &tim_user.username, PASSWORD)
            .await,
        "/masuk/kode",
    );
}

#[tokio::test]
async fn hostile_codes_and_activation_input_are_refused_with_a_message_never_a_500() {
    // Arrange
    let app = spawn_app_at(t0()).await;
    let user = app.create_test_user("tim", None).await;
    let huge = "9".repeat(100 * 1024);
    let hostile = ["12\u{0}456", huge.as_str(), "😀😀😀😀😀😀", "-9999", ""];

    for input in hostile {
        // Act + Assert: the code step (a fresh attempt each time: five wrong codes end one).
        let client = app.client();
        app.login_password(&client, &user.username, PASSWORD).await;
        let response = give_code(&app, &client, input).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{input:.20}"
        );

        // Act + Assert: the activation page keeps the username as typed (bounded).
        let response = app
            .activate(&client, &format!("{}{input}", user.username), input, input)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{input:.20}"
        );
        let page = response.text().await.expect("page");
        assert!(
            text(&page, "#code + .field-error").is_some_and(|e| e.starts_with("Kode aktivasi"))
        );
    }
    // Nothing changed: the password still works.
    let client = app.client();
    assert_redirect(&app.login(&client, &user.username, PASSWORD).await, "/");
}
