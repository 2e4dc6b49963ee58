//! The server's part of offline intake drafts (`web::offline`): the service worker at the
//! root, the answer a draft sent by the page script gets, and the sign-out responses that tell
//! the browser to drop its caches and stored drafts.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// The intake form as the page script sends a kept draft: `X-Merajut-Draft`, the photo, the
/// draft's own intake key, the CSRF token of the page at `page`.
async fn send_draft(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    fields: &[(String, String)],
    intake_key: Uuid,
) -> reqwest::Response {
    let token = app.csrf(client, page).await;
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("intake_key", intake_key.to_string())
        .text("intent", "submit");
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    form = form.part(
        "ktp_file",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("ktp.png"),
    );
    client
        .post(app.url("/kasus/baru"))
        .header("x-merajut-draft", "1")
        .multipart(form)
        .send()
        .await
        .expect("sending the draft")
}

#[tokio::test]
async fn the_service_worker_is_served_at_the_root_and_always_checked_again() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let worker = reqwest::get(app.url("/sw.js")).await.expect("GET /sw.js");
    let script = reqwest::get(app.url("/static/offline.js"))
        .await
        .expect("GET /static/offline.js");

    // Assert
    for (what, response) in [("/sw.js", &worker), ("/static/offline.js", &script)] {
        assert_eq!(response.status(), StatusCode::OK, "{what}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            header("content-type").starts_with("text/javascript"),
            "{what}"
        );
        assert!(
            header("content-security-policy").contains("worker-src 'self'"),
            "{what}"
        );
        if what == "/sw.js" {
            assert_eq!(header("cache-control"), "public, no-cache");
        }
    }
    let body = worker.text().await.expect("the worker's text");
    assert!(body.contains("addEventListener(\"fetch\""), "{body:.200}");
}

#[tokio::test]
async fn a_draft_from_the_script_is_answered_with_its_case_and_counts_once_when_resent() {
    // Arrange: a PIC whose phone kept a draft; the first answer got lost on the way back.
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields("Maria Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    let key = Uuid::new_v4();
    let first = send_draft(&app, &client, "/kasus/baru", &fields, key).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: serde_json::Value = first.json().await.expect("JSON");

    // Act: the phone sends the same draft again.
    let again = send_draft(&app, &client, "/kasus/baru", &fields, key).await;

    // Assert: the same case, stored once, with its photo, submitted.
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get("location").is_none());
    let again: serde_json::Value = again.json().await.expect("JSON");
    assert_eq!(again["case_id"], first["case_id"]);
    let id: Uuid = first["case_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a case id");
    let (cases, documents): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM cases), \
                (SELECT count(*) FROM documents WHERE case_id = $1)",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("counting");
    assert_eq!((cases, documents), (1, 1));
    assert_eq!(app.case_state(id).await.0, "nik_check");
}

#[tokio::test]
async fn a_refused_draft_gets_the_form_with_messages_and_a_signed_out_phone_the_sign_in_page() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let mut fields = intake_fields("Maria Bria", "P", "1990-05-13", NIK_WOMAN, "53.71");
    fields.retain(|(k, _)| k != "full_name");
    fields.push(("full_name".into(), "\u{0}".into()));

    // Act
    let refused = send_draft(&app, &client, "/kasus/baru", &fields, Uuid::new_v4()).await;
    app.logout(&client).await;
    let signed_out = send_draft(&app, &client, "/masuk", &fields, Uuid::new_v4()).await;

    // Assert: the form again (422) with a message under the field; after sign-out the redirect
    // to the sign-in page, which the script sees as such.
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("the page");
    assert!(
        text(&html, "#intake-full_name-wrap .field-error").is_some(),
        "{html}"
    );
    assert_redirect(&signed_out, "/masuk");
}

#[tokio::test]
async fn signing_out_tells_the_browser_to_drop_its_caches_and_storage() {
    // Arrange
    let app = spawn_app().await;
    let (here, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (everywhere, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act
    let signed_out = app.logout(&here).await;
    let everywhere = app
        .post_form_from(&everywhere, "/akun", "/akun/keluar-semua", &[])
        .await;

    // Assert
    for response in [&signed_out, &everywhere] {
        assert_redirect(response, "/masuk");
        assert_eq!(
            response
                .headers()
                .get("clear-site-data")
                .and_then(|v| v.to_str().ok()),
            Some("\"cache\", \"storage\"")
        );
    }
}
