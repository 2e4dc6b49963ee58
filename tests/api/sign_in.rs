//! Signing in and out (`/masuk`, `/keluar`).

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn sign_in_with_the_right_password_opens_home() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();

    // Act
    let response = app.login(&client, "pic.wzj", PASSWORD).await;

    // Assert
    assert_redirect(&response, "/");
    assert!(
        client.cookie(SESSION_COOKIE).is_some(),
        "no session cookie after sign-in"
    );
    let home = app.get_html(&client, "/").await;
    assert_eq!(text(&home, "#who-username").as_deref(), Some("pic.wzj"));
}

#[tokio::test]
async fn username_is_matched_without_regard_to_case() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();

    // Act
    let response = app.login(&client, "  PIC.WZJ ", PASSWORD).await;

    // Assert
    assert_redirect(&response, "/");
}

#[tokio::test]
async fn failed_sign_in_reads_the_same_for_an_unknown_user_and_a_wrong_password() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();

    // Act
    let unknown = app.login(&client, "tidak.ada", PASSWORD).await;
    let unknown_status = unknown.status();
    let unknown_page = unknown.text().await.expect("page");
    let wrong = app.login(&client, "pic.wzj", "kata-sandi-yang-salah").await;
    let wrong_status = wrong.status();
    let wrong_page = wrong.text().await.expect("page");

    // Assert
    assert_eq!(unknown_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text(&unknown_page, "#login-error").as_deref(),
        Some(LOGIN_FAILED)
    );
    assert_eq!(
        text(&wrong_page, "#login-error").as_deref(),
        Some(LOGIN_FAILED)
    );
    // The form keeps what was typed as the username, never the password.
    assert_eq!(
        attr(&wrong_page, "input#username", "value").as_deref(),
        Some("pic.wzj")
    );
    assert_eq!(attr(&wrong_page, "input#password", "value"), None);
    // Still signed out.
    assert_redirect(&app.get(&client, "/").await, "/masuk");
}

#[tokio::test]
async fn empty_sign_in_form_gets_the_same_message() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();

    // Act
    let response = app.login(&client, "", "").await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "#login-error").as_deref(), Some(LOGIN_FAILED));
}

#[tokio::test]
async fn a_username_with_a_nul_byte_or_of_100_kb_gets_the_same_message() {
    // Arrange
    let app = spawn_app().await;
    let (_, user) = app.signed_in("tim", None).await;
    let client = app.client();
    let huge = "a".repeat(100 * 1024);

    for username in [format!("{}\0", user.username), huge] {
        // Act
        let response = app.login(&client, &username, &user.password).await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        assert_eq!(text(&page, "#login-error").as_deref(), Some(LOGIN_FAILED));
    }
}

#[tokio::test]
async fn sign_in_page_sends_a_signed_in_user_home() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("tim", None).await;

    // Act
    let response = app.get(&client, "/masuk").await;

    // Assert
    assert_redirect(&response, "/");
}

#[tokio::test]
async fn sign_in_with_a_wrong_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();
    let _ = app.csrf(&client, "/masuk").await;

    // Act
    let response = app
        .post_raw(
            &client,
            "/masuk",
            &[
                ("csrf_token", "bukan-token-sesi-ini"),
                ("username", "pic.wzj"),
                ("password", PASSWORD),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(location(&response), None);
    let page = response.text().await.expect("page");
    assert!(
        text(&page, ".error-message").is_some_and(|m| m.contains("Formulir ini sudah kedaluwarsa")),
        "{page}"
    );
    assert_redirect(&app.get(&client, "/").await, "/masuk");
}

#[tokio::test]
async fn sign_in_without_a_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();
    let _ = app.csrf(&client, "/masuk").await;

    // Act
    let response = app
        .post_raw(
            &client,
            "/masuk",
            &[("username", "pic.wzj"), ("password", PASSWORD)],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_redirect(&app.get(&client, "/").await, "/masuk");
}

#[tokio::test]
async fn sign_in_gives_a_new_session_id() {
    // Arrange: a browser already signed in as one user signs in as another.
    let app = spawn_app().await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let (client, _) = app.signed_in("tim", None).await;
    let before = client.cookie(SESSION_COOKIE).expect("session cookie");

    // Act: the sign-in page sends a signed-in user home, so the form is posted directly.
    let response = app
        .post_form_from(
            &client,
            "/",
            "/masuk",
            &[("username", "pic.wzj"), ("password", PASSWORD)],
        )
        .await;

    // Assert
    assert_redirect(&response, "/");
    let after = client.cookie(SESSION_COOKIE).expect("session cookie");
    assert_ne!(
        before, after,
        "session fixation: the id did not change at sign-in"
    );
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={before}"));
    assert_redirect(&app.get(&replayed, "/").await, "/masuk");
    let home = app.get_html(&client, "/").await;
    assert_eq!(text(&home, "#who-username").as_deref(), Some("pic.wzj"));
}

#[tokio::test]
async fn signed_out_session_cookie_no_longer_opens_pages() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("dinkes_prov", None).await;
    let old = client.cookie(SESSION_COOKIE).expect("session cookie");
    assert_eq!(app.get(&client, "/").await.status(), StatusCode::OK);

    // Act
    let response = app.logout(&client).await;

    // Assert
    assert_redirect(&response, "/masuk");
    assert_redirect(&app.get(&client, "/").await, "/masuk");
    let replayed = app.client_with_cookie(&format!("{SESSION_COOKIE}={old}"));
    assert_redirect(&app.get(&replayed, "/").await, "/masuk");
}
