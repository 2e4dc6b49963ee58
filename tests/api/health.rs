//! Probes and response headers.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn liveness_and_readiness_answer_200() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();

    // Act
    let live = app.get(&client, "/healthz").await;
    let ready = app.get(&client, "/readyz").await;

    // Assert
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.text().await.expect("body"), "ok");
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.expect("body"), "ready");
}

#[tokio::test]
async fn readiness_fails_when_migrations_are_missing() {
    // Arrange
    let app = spawn_app().await;
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&app.pool)
        .await
        .expect("forgetting the migrations");

    // Act
    let ready = app.get(&app.client(), "/readyz").await;

    // Assert
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("tim", None).await;

    for path in ["/masuk", "/", "/halaman-yang-tidak-ada"] {
        // Act
        let response = app.get(&client, path).await;

        // Assert
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{path}: no {name} header"))
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("'unsafe-inline'"), "{path}: {csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        assert!(response.headers().contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site() {
    // Arrange: no session before sign-in (see `sessions`), so the cookie comes with it.
    let app = spawn_app().await;
    let user = app.create_test_user("tim", None).await;
    let client = app.client();

    // Act
    let response = app.login(&client, &user.username, &user.password).await;

    // Assert
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .expect("a session cookie on signing in")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn unknown_page_is_a_404_page_in_bahasa_indonesia() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get(&app.client(), "/tidak-ada").await;

    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "h1").as_deref(), Some("Tidak ditemukan"));
}
