//! Personal API tokens on `/token-api`: an expiry date chosen at creation (at most a year), the
//! last use shown in WITA, expired tokens refused with their own JSON error, creation,
//! revocation and refusals audited.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::*;

/// Monday 2 March 2026, 09:00 WITA.
fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid time")
}

async fn audit_count(app: &TestApp, event: &str, target: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = $1 AND target = $2")
        .bind(event)
        .bind(target.to_string())
        .fetch_one(&app.pool)
        .await
        .expect("counting audit rows")
}

async fn token_ids(app: &TestApp, user: Uuid) -> Vec<Uuid> {
    sqlx::query_scalar("SELECT id FROM api_tokens WHERE user_id = $1 ORDER BY created_at")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .expect("listing tokens")
}

/// Creates a token on the page; the token shown once.
async fn create(app: &TestApp, client: &reqwest::Client, name: &str, until: &str) -> String {
    let response = app
        .post_form(
            client,
            "/token-api",
            &[("name", name), ("expires_on", until)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("page");
    text(&html, "#new-token").expect("the new token is shown")
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let response = app
        .bearer_client(token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET /api/v1/me");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_token_gets_the_chosen_expiry_and_shows_its_last_use_in_wita() {
    // Arrange
    let app = spawn_app_at(start()).await;
    let (client, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let page = app.get_html(&client, "/token-api").await;
    // 90 days after 2 March 2026 is 31 May; a year less a day is 1 March 2027.
    assert_eq!(
        attr(&page, "input#expires_on", "value").as_deref(),
        Some("2026-05-31")
    );
    assert_eq!(
        attr(&page, "input#expires_on", "max").as_deref(),
        Some("2027-03-01")
    );

    // Act
    let token = create(&app, &client, "SIMRS", "2026-06-30").await;
    app.clock.advance(Duration::hours(1));
    let (status, _) = me(&app, &token).await;

    // Assert: valid through 30 June WITA, so it expires 1 July 00:00 WITA; used at 10:00 WITA.
    assert_eq!(status, StatusCode::OK);
    let html = app.get_html(&client, "/token-api").await;
    assert_eq!(
        text(&html, "td.token-expires").as_deref(),
        Some("01-07-2026 00:00 WITA")
    );
    assert_eq!(
        text(&html, "td.token-last-used").as_deref(),
        Some("02-03-2026 10:00 WITA")
    );
    assert_eq!(text(&html, "td.token-status").as_deref(), Some("Aktif"));
    let ids = token_ids(&app, user.id).await;
    assert_eq!(ids.len(), 1);
    assert_eq!(audit_count(&app, "api_token.create", ids[0]).await, 1);
    let detail: Value = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE event = 'api_token.create' AND target = $1",
    )
    .bind(ids[0].to_string())
    .fetch_one(&app.pool)
    .await
    .expect("the audit row");
    assert_eq!(detail, serde_json::json!({"expires_on": "2026-06-30"}));
}

#[tokio::test]
async fn an_expiry_that_is_missing_past_or_beyond_a_year_is_refused_with_the_form_kept() {
    // Arrange
    let app = spawn_app_at(start()).await;
    let (client, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    for (until, message) in [
        ("", "Berlaku sampai wajib diisi"),
        (
            "bukan tanggal",
            "Berlaku sampai harus berupa tanggal yang valid",
        ),
        (
            "2026-03-01",
            "Berlaku sampai tidak boleh sebelum hari ini (02-03-2026)",
        ),
        (
            "2027-03-02",
            "Berlaku sampai paling lambat 01-03-2027: token berlaku paling lama satu tahun.",
        ),
        ("-9999-01-01", "Berlaku sampai tidak boleh sebelum hari ini"),
        ("2026-03-02\0", "Berlaku sampai"),
    ] {
        // Act
        let response = app
            .post_form(
                &client,
                "/token-api",
                &[("name", "SIMRS 🏥"), ("expires_on", until)],
            )
            .await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{until:?}"
        );
        let html = response.text().await.expect("page");
        let error = text(&html, "#expires_on-error").unwrap_or_default();
        assert!(error.starts_with(message), "{until:?}: {error}");
        assert_eq!(
            attr(&html, "input#name", "value").as_deref(),
            Some("SIMRS 🏥")
        );
        assert_eq!(text(&html, "#new-token"), None);
    }
    assert!(token_ids(&app, user.id).await.is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refused_with_its_own_error_and_the_refusal_audited() {
    // Arrange: valid through today (2 March WITA), so it expires at 16:00 UTC.
    let app = spawn_app_at(start()).await;
    let (client, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let token = create(&app, &client, "SIMRS", "2026-03-02").await;
    let id = token_ids(&app, user.id).await[0];
    app.clock
        .advance(Duration::hours(14) + Duration::minutes(59));
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);

    // Act
    app.clock.advance(Duration::minutes(1));
    let (first, body) = me(&app, &token).await;
    let (second, _) = me(&app, &token).await;

    // Assert
    assert_eq!(first, StatusCode::UNAUTHORIZED);
    assert_eq!(second, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "token_expired");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("kedaluwarsa sejak 03-03-2026 00:00 WITA"),
        "{message}"
    );
    // One audit row however often a client retries within the hour; another an hour later.
    assert_eq!(audit_count(&app, "api_token.expired_refused", id).await, 1);
    app.clock.advance(Duration::hours(1));
    assert_eq!(me(&app, &token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(audit_count(&app, "api_token.expired_refused", id).await, 2);
    // (The browser session ran out meanwhile: sign in again.)
    let client = app.client();
    app.login(&client, &user.username, &user.password).await;
    let html = app.get_html(&client, "/token-api").await;
    assert_eq!(
        text(&html, "td.token-status").as_deref(),
        Some("Kedaluwarsa")
    );
    // The last use stays the last successful one (23:59 WITA).
    assert_eq!(
        text(&html, "td.token-last-used").as_deref(),
        Some("02-03-2026 23:59 WITA")
    );
}

#[tokio::test]
async fn revoking_a_token_is_audited_and_ends_it() {
    // Arrange
    let app = spawn_app_at(start()).await;
    let (client, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let token = create(&app, &client, "SIMRS", "2026-04-01").await;
    let id = token_ids(&app, user.id).await[0];

    // Act
    let response = app
        .post_form_from(
            &client,
            "/token-api",
            &format!("/token-api/{id}/cabut"),
            &[],
        )
        .await;

    // Assert
    assert_redirect(&response, "/token-api");
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(audit_count(&app, "api_token.revoke", id).await, 1);
}

#[tokio::test]
async fn repeated_invalid_tokens_from_one_address_are_throttled_and_valid_ones_are_not_counted() {
    // Arrange: three invalid tokens per address, then one a minute.
    let app = spawn_app_with_at(start(), |settings| {
        settings.api_token_burst = 3;
        settings.api_token_refill_seconds = 60;
    })
    .await;
    let user = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let valid = app.api_token(user.id).await;
    // Valid tokens never count, however many.
    for _ in 0..20 {
        assert_eq!(me(&app, &valid).await.0, StatusCode::OK);
    }
    for n in 0..3 {
        let (status, body) = me(&app, &format!("tebakan-{n}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }

    // Act
    let throttled = app
        .bearer_client("tebakan-lain")
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("GET /api/v1/me");

    // Assert: 429 in JSON with Retry-After, audited once with the address.
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = throttled.json().await.expect("a JSON body");
    assert_eq!(body["error"], "too_many_requests");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Coba lagi dalam")),
        "{body}"
    );
    // While the address is over its limit no token is checked, not even a valid one.
    assert_eq!(me(&app, &valid).await.0, StatusCode::TOO_MANY_REQUESTS);
    let audited: Vec<Value> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE event = 'api_token.throttled' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("the audit log");
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0]["per"], "address");
    // A minute later one failure is forgiven: the valid token works, then one more guess is
    // answered 401, and the next is throttled again.
    app.clock.advance(Duration::seconds(60));
    assert_eq!(me(&app, &valid).await.0, StatusCode::OK);
    assert_eq!(me(&app, "tebakan-lagi").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, "tebakan-akhir").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}
