//! Sessions: no stored session for a visitor, idle and absolute limits by the app clock, every
//! session of a user ended by a password change or reset, deactivation and "Keluar dari semua
//! perangkat" (and nothing else ended with them), the cookies' attributes.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid time")
}

async fn session_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.pool)
        .await
        .expect("counting sessions")
}

async fn audit_count(app: &TestApp, event: &str, actor: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = $1 AND actor_id = $2")
        .bind(event)
        .bind(actor)
        .fetch_one(&app.pool)
        .await
        .expect("counting audit rows")
}

/// Whether the client's session still opens the home page (200) or is sent to sign in.
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let response = app.get(client, "/").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(location(&response).as_deref(), Some("/masuk"));
            false
        }
        other => panic!("GET / answered {other}"),
    }
}

/// Whether `token` still opens `/api/v1/me`.
async fn token_works(app: &TestApp, token: &str) -> bool {
    let response = app
        .bearer_client(token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET /api/v1/me");
    response.status() == StatusCode::OK
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_sign_in_page_stores_no_session_for_a_visitor() {
    // Arrange
    let app = spawn_app().await;
    let before = session_rows(&app).await;

    // Act: three visitors without cookies, and one failed sign-in.
    for _ in 0..3 {
        let response = app.get(&app.client(), "/masuk").await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookies = set_cookies(&response);
        assert!(
            !cookies.iter().any(|c| c.starts_with(SESSION_COOKIE)),
            "{cookies:?}"
        );
        assert!(
            cookies.iter().any(|c| c.starts_with(CSRF_COOKIE)),
            "{cookies:?}"
        );
    }
    let client = app.client();
    let failed = app.login(&client, "tidak.ada", PASSWORD).await;

    // Assert
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(session_rows(&app).await, before);
    assert_eq!(client.cookie(SESSION_COOKIE), None);
}

#[tokio::test]
async fn an_idle_session_ends_after_the_idle_limit_by_the_app_clock() {
    // Arrange: the default limit, 120 minutes.
    let app = spawn_app_with_at(start(), |s| s.session_idle_minutes = 120).await;
    let (client, user) = app.signed_in("tim", None).await;
    let cookie = client.cookie(SESSION_COOKIE).expect("session cookie");

    // Act / Assert: used again after 119 minutes, the session lives on ...
    app.clock.advance(Duration::minutes(119));
    assert!(signed_in(&app, &client).await);
    // ... and counts from that use: 119 minutes more are fine, 120 idle minutes are not.
    app.clock.advance(Duration::minutes(119));
    assert!(signed_in(&app, &client).await);
    app.clock.advance(Duration::minutes(120));
    assert!(!signed_in(&app, &client).await);
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={cookie}"));
    assert!(!signed_in(&app, &replayed).await);
    assert_eq!(audit_count(&app, "session.timeout", user.id).await, 1);
}

#[tokio::test]
async fn a_busy_session_ends_at_the_absolute_limit() {
    // Arrange: a 12-hour limit (the default), used every 100 minutes.
    let app = spawn_app_with_at(start(), |s| {
        s.session_max_hours = 12;
        s.session_idle_minutes = 120;
    })
    .await;
    let (client, _) = app.signed_in("tim", None).await;

    // Act / Assert: 7 × 100 minutes = 11 h 40 min after sign-in the session still opens pages;
    // 13 h 20 min after it, it does not, although it was never idle for long.
    for _ in 0..7 {
        app.clock.advance(Duration::minutes(100));
        assert!(signed_in(&app, &client).await);
    }
    app.clock.advance(Duration::minutes(100));
    assert!(!signed_in(&app, &client).await);
    // Signing in again starts a new 12 hours.
    let (again, _) = app.signed_in("tim", None).await;
    assert!(signed_in(&app, &again).await);
}

#[tokio::test]
async fn signing_out_ends_every_session_of_the_user() {
    // Arrange: the same user in two browsers.
    let app = spawn_app().await;
    let (laptop, user) = app.signed_in("dinkes_prov", None).await;
    let phone = app.client();
    app.login(&phone, &user.username, &user.password).await;
    let old = laptop.cookie(SESSION_COOKIE).expect("session cookie");

    // Act
    assert_redirect(&app.logout(&laptop).await, "/masuk");

    // Assert
    assert!(!signed_in(&app, &laptop).await);
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={old}"));
    assert!(!signed_in(&app, &replayed).await);
    assert!(!signed_in(&app, &phone).await);
    assert_eq!(audit_count(&app, "session.sign_out", user.id).await, 1);
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions_and_tokens_but_keeps_this_one() {
    // Arrange
    let app = spawn_app().await;
    let (laptop, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let phone = app.client();
    app.login(&phone, &user.username, &user.password).await;
    let token = app.api_token(user.id).await;
    let (bystander, other) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let other_token = app.api_token(other.id).await;
    let before = laptop.cookie(SESSION_COOKIE).expect("session cookie");

    // Act
    let response = app
        .post_form(
            &laptop,
            "/akun/kata-sandi",
            &[
                ("current_password", &user.password),
                ("new_password", "gelombang laut sawu 2026"),
                ("confirm_password", "gelombang laut sawu 2026"),
            ],
        )
        .await;

    // Assert
    assert_redirect(&response, "/");
    assert!(signed_in(&app, &laptop).await, "this session lives on");
    let after = laptop.cookie(SESSION_COOKIE).expect("session cookie");
    assert_ne!(before, after, "the session id changes");
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={before}"));
    assert!(!signed_in(&app, &replayed).await);
    assert!(!signed_in(&app, &phone).await, "the other session ended");
    assert!(!token_works(&app, &token).await, "the token was revoked");
    // Nobody else's session or token is touched.
    assert!(signed_in(&app, &bystander).await);
    assert!(token_works(&app, &other_token).await);
}

#[tokio::test]
async fn an_administrators_reset_ends_every_session_and_token_of_the_user() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (client, user) = app.signed_in("bpjs", None).await;
    let token = app.api_token(user.id).await;
    let (bystander, other) = app.signed_in("bpjs", None).await;
    let other_token = app.api_token(other.id).await;

    // Act
    let response = app
        .post_form_from(
            &admin,
            "/admin/pengguna",
            &format!("/admin/pengguna/{}/reset-sandi", user.id),
            &[],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!signed_in(&app, &client).await);
    assert!(!token_works(&app, &token).await);
    assert!(signed_in(&app, &bystander).await);
    assert!(token_works(&app, &other_token).await);
    assert!(signed_in(&app, &admin).await);
}

#[tokio::test]
async fn deactivation_ends_every_session_and_token_and_reactivation_revives_neither() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (client, user) = app.signed_in("tim", None).await;
    let token = app.api_token(user.id).await;
    let cookie = client.cookie(SESSION_COOKIE).expect("session cookie");
    let (bystander, _) = app.signed_in("tim", None).await;

    // Act
    let deactivate = format!("/admin/pengguna/{}/nonaktifkan", user.id);
    let response = app
        .post_form_from(&admin, "/admin/pengguna", &deactivate, &[])
        .await;
    assert_redirect(&response, "/admin/pengguna");
    let activate = format!("/admin/pengguna/{}/aktifkan", user.id);
    let response = app
        .post_form_from(&admin, "/admin/pengguna", &activate, &[])
        .await;
    assert_redirect(&response, "/admin/pengguna");

    // Assert
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={cookie}"));
    assert!(!signed_in(&app, &replayed).await);
    assert!(!token_works(&app, &token).await);
    assert!(signed_in(&app, &bystander).await);
    // The user signs in again as usual.
    let again = app.client();
    assert_redirect(
        &app.login(&again, &user.username, &user.password).await,
        "/",
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_user_and_keeps_the_tokens() {
    // Arrange
    let app = spawn_app().await;
    let (laptop, user) = app.signed_in("dinsos_prov", None).await;
    let phone = app.client();
    app.login(&phone, &user.username, &user.password).await;
    let token = app.api_token(user.id).await;
    let (bystander, _) = app.signed_in("dinsos_prov", None).await;
    let profile = app.get_html(&laptop, "/akun").await;
    assert_eq!(
        attr(&profile, "form#sign-out-everywhere", "action").as_deref(),
        Some("/akun/keluar-semua")
    );

    // Act
    let response = app
        .post_form_from(&laptop, "/akun", "/akun/keluar-semua", &[])
        .await;

    // Assert
    assert_redirect(&response, "/masuk");
    assert!(!signed_in(&app, &laptop).await);
    assert!(!signed_in(&app, &phone).await);
    assert!(signed_in(&app, &bystander).await);
    assert!(token_works(&app, &token).await);
    assert_eq!(
        audit_count(&app, "session.sign_out_everywhere", user.id).await,
        1
    );
}

#[tokio::test]
async fn an_administrator_signs_a_user_out_everywhere() {
    // Arrange
    let app = spawn_app().await;
    let (admin, admin_user) = app.signed_in("admin", None).await;
    let (client, user) = app.signed_in("dukcapil_prov", None).await;
    let (bystander, _) = app.signed_in("dukcapil_prov", None).await;
    let page = format!("/admin/pengguna/{}", user.id);
    let action = format!("/admin/pengguna/{}/keluar-semua", user.id);
    let html = app.get_html(&admin, &page).await;
    assert_eq!(
        attr(&html, "form#sign-out-everywhere", "action").as_deref(),
        Some(action.as_str())
    );

    // Act
    let response = app.post_form_from(&admin, &page, &action, &[]).await;

    // Assert
    assert_redirect(&response, &page);
    assert!(!signed_in(&app, &client).await);
    assert!(signed_in(&app, &bystander).await);
    let html = app.get_html(&admin, &page).await;
    assert!(
        text(&html, ".flash").is_some_and(|m| m.contains("Semua sesi")),
        "{:?}",
        text(&html, "main")
    );
    assert!(signed_in(&app, &admin).await);
    assert_eq!(
        audit_count(&app, "user.sign_out_everywhere", admin_user.id).await,
        1
    );
}

#[tokio::test]
async fn cookies_are_http_only_lax_and_host_prefixed_behind_https() {
    // Arrange: the service behind HTTPS. The test client speaks plain HTTP, so it sends the
    // cookies itself (a browser would keep Secure cookies to HTTPS).
    let app = spawn_app_with(|s| s.secure_cookie = true).await;
    let user = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let client = app.client_with_cookie("x=y");
    let page = app.get(&client, "/masuk").await;
    assert_eq!(
        page.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    let csrf_cookie = set_cookies(&page)
        .into_iter()
        .find(|c| c.starts_with("__Host-merajut_csrf="))
        .expect("a __Host- CSRF cookie");
    for part in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(csrf_cookie.contains(part), "{csrf_cookie}");
    }
    assert!(!csrf_cookie.contains("Domain"), "{csrf_cookie}");
    let value = csrf_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("a value");
    let html = page.text().await.expect("page");
    let token = attr(&html, "input[name=csrf_token]", "value").expect("token");

    // Act
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(app.url("/masuk"))
        .header("Cookie", format!("__Host-merajut_csrf={value}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", &user.username),
            ("password", &user.password),
        ])
        .send()
        .await
        .expect("POST /masuk");

    // Assert
    assert_redirect(&response, "/");
    let session = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("__Host-merajut_sid="))
        .expect("a __Host- session cookie");
    for part in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(session.contains(part), "{session}");
    }
    assert!(!session.contains("Domain"), "{session}");
}

#[tokio::test]
async fn plain_http_development_uses_the_bare_cookie_names_without_hsts() {
    // Arrange
    let app = spawn_app().await;
    let user = app.create_test_user("tim", None).await;
    let client = app.client();

    // Act
    let page = app.get(&client, "/masuk").await;
    let cookies = set_cookies(&page);
    let response = app.login(&client, &user.username, &user.password).await;

    // Assert
    assert!(page.headers().get("strict-transport-security").is_none());
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{CSRF_COOKIE}=")))
        .expect("CSRF cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"),
        "{csrf}"
    );
    assert!(!csrf.contains("Secure"), "{csrf}");
    let session = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
}
