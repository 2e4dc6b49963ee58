//! The security headers on every kind of response, errors included: a page, a 404, a 500, a
//! document download, an export, the API; `Cache-Control: no-store` on all of them, the static
//! assets alone kept cacheable.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn assert_protected(response: &reqwest::Response, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(
            header(response, name).as_deref(),
            Some(value),
            "{what}: {name}"
        );
    }
    let csp = header(response, "content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    let cache = header(response, "cache-control").unwrap_or_default();
    assert!(
        cache.split(',').any(|d| d.trim() == "no-store"),
        "{what}: cache-control {cache:?}"
    );
    assert_eq!(
        header(response, "strict-transport-security").as_deref(),
        Some("max-age=31536000; includeSubDomains"),
        "{what}"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_the_headers_and_no_store() {
    // Arrange: served over HTTPS (the public address), so HSTS is on; a case with a document.
    let app = spawn_app_with(|s| s.public_url = Some("https://merajut.example.go.id".into())).await;
    let (pic, pic_user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields("Maria Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    let case = app.arrange_draft(&pic_user, &fields).await;
    let document: Uuid = sqlx::query_scalar("SELECT id FROM documents WHERE case_id = $1")
        .bind(case)
        .fetch_one(&app.pool)
        .await
        .expect("the KTP photo");
    let token = app.api_token(pic_user.id).await;

    // Act / Assert
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/masuk", StatusCode::SEE_OTHER),
        ("/halaman-yang-tidak-ada", StatusCode::NOT_FOUND),
        (&format!("/kasus/{case}") as &str, StatusCode::OK),
        (&format!("/kasus/{case}/dokumen/{document}"), StatusCode::OK),
        ("/kasus-saya/unduh?format=csv", StatusCode::OK),
        ("/kasus-saya/unduh?format=xlsx", StatusCode::OK),
    ] {
        let response = app.get(&pic, path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_protected(&response, path);
    }
    let api = app.bearer_client(&token);
    for (path, status) in [
        ("/api/v1/me", StatusCode::OK),
        ("/api/v1/tidak-ada", StatusCode::NOT_FOUND),
    ] {
        let response = api.get(app.url(path)).send().await.expect("GET");
        assert_eq!(response.status(), status, "{path}");
        assert_protected(&response, path);
    }
    let anonymous = app
        .client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_protected(&anonymous, "API 401");

    // The static files keep their public caching: a year under the hashed name, five minutes
    // under the plain one.
    for (path, cache) in [
        (
            merajut_sehat::web::assets::url("app.css"),
            "public, max-age=31536000, immutable",
        ),
        ("/static/app.css", "public, max-age=300"),
    ] {
        let css = app.get(&app.client(), path).await;
        assert_eq!(
            header(&css, "cache-control").as_deref(),
            Some(cache),
            "{path}"
        );
        assert_eq!(
            header(&css, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
    }
}

#[tokio::test]
async fn a_server_error_carries_the_headers_too() {
    // Arrange: the audit log refuses every row, so signing out everywhere fails inside.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("tim", None).await;
    sqlx::query(
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
         $$BEGIN RAISE EXCEPTION 'refused for the test'; END$$",
    )
    .execute(&app.pool)
    .await
    .expect("creating the function");
    sqlx::query(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    )
    .execute(&app.pool)
    .await
    .expect("creating the trigger");

    // Act
    let response = app
        .post_form_from(&client, "/akun", "/akun/keluar-semua", &[])
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(header(&response, name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(header(&response, "strict-transport-security"), None);
    // Nothing was done: the session lives on.
    assert_eq!(app.get(&client, "/").await.status(), StatusCode::OK);
}
