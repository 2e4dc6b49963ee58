//! One's own account: changing the password (`/akun/kata-sandi`) and personal API tokens
//! (`/token-api`).

use reqwest::StatusCode;

use crate::helpers::*;

const NEW_PASSWORD: &str = "sandi-baru-yang-panjang";

#[tokio::test]
async fn password_change_errors_name_each_field_and_keep_the_user_on_the_page() {
    // Arrange
    let app = spawn_app().await;
    let (client, user) = app.signed_in("dinsos_kab", Some("53.71")).await;

    // Act
    let response = app
        .post_form(
            &client,
            "/akun/kata-sandi",
            &[
                ("current_password", "bukan-sandi-saya"),
                ("new_password", "pendek"),
                ("confirm_password", "lain-lagi"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "h1").as_deref(), Some("Ganti kata sandi"));
    let current = text(&page, "#current_password + .field-error").expect("current error");
    assert!(current.contains("Kata sandi saat ini salah"), "{current}");
    let new = text(&page, "#new_password + .field-error").expect("new error");
    assert!(new.starts_with("Kata sandi baru"), "{new}");
    assert!(new.contains("minimal 8 karakter"), "{new}");
    let confirm = text(&page, "#confirm_password + .field-error").expect("confirm error");
    assert!(confirm.starts_with("Ulangi kata sandi baru"), "{confirm}");
    // Passwords are never written back into the form.
    for field in ["current_password", "new_password", "confirm_password"] {
        assert_eq!(attr(&page, &format!("#{field}"), "value"), None, "{field}");
    }
    // Nothing changed: the old password still signs in.
    let again = app.client();
    assert_redirect(&app.login(&again, &user.username, PASSWORD).await, "/");
}

#[tokio::test]
async fn a_single_wrong_field_gets_a_single_message() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("bpjs", None).await;

    // Act
    let response = app
        .post_form(
            &client,
            "/akun/kata-sandi",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", "sandi-baru-yang-lain"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    assert_eq!(texts(&page, ".field-error").len(), 1, "{page}");
    assert!(text(&page, "#confirm_password + .field-error").is_some());
}

#[tokio::test]
async fn new_password_must_differ_from_the_current_one() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("bpjs", None).await;

    // Act
    let response = app
        .post_form(
            &client,
            "/akun/kata-sandi",
            &[
                ("current_password", PASSWORD),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    let new = text(&page, "#new_password + .field-error").expect("new error");
    assert!(new.contains("harus berbeda"), "{new}");
}

#[tokio::test]
async fn changed_password_replaces_the_old_one() {
    // Arrange
    let app = spawn_app().await;
    let (client, user) = app.signed_in("tim", None).await;

    // Act
    let response = app
        .post_form(
            &client,
            "/akun/kata-sandi",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;

    // Assert
    assert_redirect(&response, "/");
    let home = app.get_html(&client, "/").await;
    assert_eq!(
        text(&home, ".flash").as_deref(),
        Some("Kata sandi berhasil diganti.")
    );
    let old = app.client();
    assert_eq!(
        app.login(&old, &user.username, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let new = app.client();
    assert_redirect(&app.login(&new, &user.username, NEW_PASSWORD).await, "/");
}

#[tokio::test]
async fn a_new_password_with_a_control_character_is_refused_with_a_field_message() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("tim", None).await;
    let new = "sandi-baru\0-panjang";

    // Act
    let response = app
        .post_form(
            &client,
            "/akun/kata-sandi",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    let error = text(&page, "#new_password + .field-error").expect("new password error");
    assert!(error.contains("karakter kendali"), "{error}");
}

#[tokio::test]
async fn api_token_names_are_bounded_and_free_of_control_characters() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let long = "SIMRS ".repeat(20 * 1024);
    let until = (app.clock.today() + chrono::Days::new(30)).to_string();

    for (name, expected) in [
        ("SIMRS\0", "Nama token berisi karakter kendali"),
        (long.as_str(), "Nama token maksimal 100 karakter"),
    ] {
        // Act
        let response = app
            .post_form(
                &client,
                "/token-api",
                &[("name", name), ("expires_on", &until)],
            )
            .await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        let error = text(&page, ".field-error").expect("name error");
        assert!(error.starts_with(expected), "{error}");
        assert_eq!(text(&page, "#new-token"), None);
    }
    let created = app
        .post_form(
            &client,
            "/token-api",
            &[("name", "SIMRS 🏥"), ("expires_on", &until)],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page = created.text().await.expect("page");
    assert!(text(&page, "#new-token").is_some_and(|t| t.starts_with("ms_")));
    assert!(texts(&page, "tbody td").contains(&"SIMRS 🏥".to_string()));
}
