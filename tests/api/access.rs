//! Who may open what, and requests from other sites.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn anonymous_visitor_is_sent_to_sign_in() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();

    for path in [
        "/",
        "/akun/kata-sandi",
        "/admin/pengguna",
        "/admin/pengguna/baru",
        "/admin/rumah-sakit",
        "/admin/kabkota",
        "/token-api",
        "/notifikasi",
        "/dasbor",
        "/hambatan",
    ] {
        // Act
        let response = app.get(&client, path).await;

        // Assert
        assert_redirect(&response, "/masuk");
    }
}

#[tokio::test]
async fn anonymous_post_is_sent_to_sign_in_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();
    let users_before = user_count(&app).await;

    // Act
    let response = app
        .post_form_from(
            &client,
            "/masuk",
            "/admin/pengguna/baru",
            &[
                ("username", "penyusup"),
                ("display_name", "Penyusup"),
                ("role", "admin"),
            ],
        )
        .await;

    // Assert
    assert_redirect(&response, "/masuk");
    assert_eq!(user_count(&app).await, users_before);
}

#[tokio::test]
async fn hospital_pic_is_refused_the_administration_pages() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    for path in [
        "/admin/pengguna",
        "/admin/pengguna/baru",
        "/admin/rumah-sakit",
        "/admin/kabkota",
    ] {
        // Act
        let response = app.get(&client, path).await;

        // Assert
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let page = response.text().await.expect("page");
        assert_eq!(
            text(&page, "h1").as_deref(),
            Some("Akses ditolak"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn administrator_is_refused_the_api_token_page() {
    // Arrange: the administrator sees no patient data, so has no API token either.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;

    // Act
    let response = app.get(&client, "/token-api").await;

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "h1").as_deref(), Some("Akses ditolak"));
}

#[tokio::test]
async fn menu_shows_only_what_the_role_may_open() {
    // Arrange
    let app = spawn_app().await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let pic_menu = texts(&app.get_html(&pic, "/").await, "nav.menu a");
    let admin_menu = texts(&app.get_html(&admin, "/").await, "nav.menu a");
    let pic_account = app.get_html(&pic, "/akun").await;
    let admin_account = app.get_html(&admin, "/akun").await;

    // Assert: the API tokens are on the account page, not in the menu.
    assert!(!pic_menu.contains(&"Token API".to_string()), "{pic_menu:?}");
    assert!(pic_menu.contains(&"Akun saya".to_string()), "{pic_menu:?}");
    assert_eq!(
        attr(&pic_account, "#token-api-link", "href").as_deref(),
        Some("/token-api")
    );
    assert!(text(&admin_account, "#token-api-link").is_none());
    assert!(!pic_menu.contains(&"Pengguna".to_string()), "{pic_menu:?}");
    assert!(
        admin_menu.contains(&"Pengguna".to_string()),
        "{admin_menu:?}"
    );
    assert!(
        !admin_menu.contains(&"Token API".to_string()),
        "{admin_menu:?}"
    );
}

#[tokio::test]
async fn cross_site_post_is_refused_and_changes_nothing() {
    // Arrange: a signed-in administrator, whose browser a page on another site makes post the
    // "new user" form, valid CSRF token and all.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;
    let token = app.csrf(&client, "/admin/pengguna/baru").await;
    let users_before = user_count(&app).await;

    // Act
    let response = client
        .post(app.url("/admin/pengguna/baru"))
        .header("Origin", "http://evil.example")
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "penyusup"),
            ("display_name", "Penyusup"),
            ("role", "admin"),
        ])
        .send()
        .await
        .expect("POST");

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "h1").as_deref(), Some("Akses ditolak"));
    assert_eq!(user_count(&app).await, users_before);
}

#[tokio::test]
async fn cross_site_fetch_metadata_and_foreign_referer_are_refused() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;
    let token = app.csrf(&client, "/admin/pengguna/baru").await;
    let users_before = user_count(&app).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("username", "penyusup"),
        ("display_name", "Penyusup"),
        ("role", "admin"),
    ];

    for (header, value) in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
        ("Referer", "http://evil.example/halaman"),
    ] {
        // Act
        let response = client
            .post(app.url("/admin/pengguna/baru"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .expect("POST");

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{header}: {value}"
        );
    }
    assert_eq!(user_count(&app).await, users_before);
}

#[tokio::test]
async fn same_origin_post_is_accepted() {
    // Arrange: what a browser sends when the form is posted from the application's own page.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;
    let token = app.csrf(&client, "/admin/pengguna/baru").await;

    // Act
    let response = client
        .post(app.url("/admin/pengguna/baru"))
        .header("Origin", app.address.as_str())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "dinkes.prov"),
            ("display_name", "Dinkes Provinsi"),
            ("role", "dinkes_prov"),
        ])
        .send()
        .await
        .expect("POST");

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert_eq!(
        text(&page, "#issued-username").as_deref(),
        Some("dinkes.prov")
    );
}

#[tokio::test]
async fn post_that_is_not_a_form_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;
    let users_before = user_count(&app).await;

    // Act
    let response = client
        .post(app.url("/admin/pengguna/baru"))
        .json(&serde_json::json!({"username": "penyusup", "role": "admin"}))
        .send()
        .await
        .expect("POST");

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(user_count(&app).await, users_before);
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .expect("counting users")
}

#[tokio::test]
async fn administrator_sees_no_case_figures() {
    // Arrange: the administrator sees no patient data, aggregated or not.
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    for path in ["/dasbor", "/hambatan"] {
        // Act
        let response = app.get(&admin, path).await;

        // Assert
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

/// The route × role table: every menu area of `access::AREAS`, opened by a user of every role,
/// answers the page to the roles the table lists and "Akses ditolak" (403) to all others. A new
/// area is covered as soon as it is in the table.
#[tokio::test]
async fn every_area_opens_for_its_roles_and_refuses_the_others() {
    use merajut_sehat::access::AREAS;
    use merajut_sehat::domain::Role;

    // Arrange
    let app = spawn_app().await;
    let mut failures = Vec::new();
    for role in Role::ALL {
        let code = role.as_str();
        let scope = match code {
            "rsud" => Some("RSUD-WZJ"),
            c if c.ends_with("_kab") => Some("53.71"),
            _ => None,
        };
        let (client, _) = app.signed_in(code, scope).await;
        for area in AREAS {
            // Act
            let response = app.get(&client, area.path).await;
            let status = response.status();

            // Assert (collected, so one run names every wrong cell of the table). A refused
            // role may instead be sent on to an area of its own (tim's queue is the
            // monitoring list).
            let allowed = area.roles.contains(role);
            let sent_to_own_area = status == StatusCode::SEE_OTHER
                && response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|to| AREAS.iter().any(|a| a.path == to && a.roles.contains(role)));
            let expected = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            if status != expected && (allowed || !sent_to_own_area) {
                failures.push(format!(
                    "{code} {}: {status}, expected {expected}",
                    area.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
