//! Password policy on the password form, throttling of password checks (per account name in
//! PostgreSQL on the app clock, per client address in memory), the audit of sign-ins and the
//! upgrade of old password hashes at sign-in.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

const WRONG: &str = "bukan-sandi-yang-benar";
const THROTTLED: &str = "Terlalu banyak percobaan masuk. Coba lagi dalam 1 menit.";

/// Event, actor, target and client address of an audit row.
type AuditRow = (String, Option<Uuid>, Option<String>, Option<String>);

fn monday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap()
}

/// Status, `Retry-After` and body of a response.
async fn answer(response: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry_after, response.text().await.expect("body"))
}

async fn change_password(
    app: &TestApp,
    client: &TestClient,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "/akun/kata-sandi",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", new),
        ],
    )
    .await
}

#[tokio::test]
async fn weak_new_passwords_are_refused_on_the_password_form_with_the_reason() {
    // Arrange
    let app = spawn_app().await;
    let (client, user) = app.signed_in("tim", None).await;
    let with_username = format!("{}-2026", user.username);
    let cases = [
        ("1234567890", "paling sering dipakai"),
        ("QwertyUiop", "paling sering dipakai"),
        ("passwordpassword", "nama program, instansi atau daerah"),
        (with_username.as_str(), "memuat nama pengguna"),
        ("Kupang2026!", "nama program, instansi atau daerah"),
        ("RSUD-Dinkes-NTT", "nama program, instansi atau daerah"),
        ("qzqzqzqzqzqz", "berulang atau berurutan"),
    ];

    for (password, reason) in cases {
        // Act
        let response = change_password(&app, &client, PASSWORD, password).await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}"
        );
        let page = response.text().await.expect("page");
        let message = text(&page, "#new_password + .field-error").expect("new password error");
        assert!(message.starts_with("Kata sandi baru"), "{message}");
        assert!(message.contains(reason), "{password}: {message}");
        // The only message is the new password's; the form keeps no password.
        assert_eq!(texts(&page, ".field-error").len(), 1, "{password}");
        assert_eq!(attr(&page, "#new_password", "value"), None);
    }

    // Nothing was lost: still signed in, and the old password still works.
    assert_eq!(app.get(&client, "/akun").await.status(), StatusCode::OK);
    assert_redirect(
        &app.login(&app.client(), &user.username, PASSWORD).await,
        "/",
    );
    // The page suggests a passphrase.
    let form = app.get_html(&client, "/akun/kata-sandi").await;
    let hint = text(&form, "#new_password-hint").expect("hint");
    assert!(hint.contains("beberapa kata"), "{hint}");
}

#[tokio::test]
async fn a_passphrase_is_accepted_as_new_password() {
    // Arrange
    let app = spawn_app().await;
    let (client, user) = app.signed_in("tim", None).await;

    // Act
    let response = change_password(&app, &client, PASSWORD, "lontar-sasando-pagi-hari").await;

    // Assert
    assert_redirect(&response, "/");
    assert_redirect(
        &app.login(&app.client(), &user.username, "lontar-sasando-pagi-hari")
            .await,
        "/",
    );
}

#[tokio::test]
async fn five_failures_throttle_a_known_and_an_unknown_name_alike() {
    // Arrange
    let app = spawn_app_at(monday_morning()).await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();
    for name in ["pic.wzj", "tidak.ada"] {
        for n in 1..=5 {
            let response = app.login(&client, name, WRONG).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: failure {n}"
            );
        }
    }

    // Act: the sixth attempt on each name, the known one with its right password.
    let known = answer(app.login(&client, "pic.wzj", PASSWORD).await).await;
    let unknown = answer(app.login(&client, "tidak.ada", PASSWORD).await).await;

    // Assert
    assert_eq!(known.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(known.1.as_deref(), Some("60"));
    assert_eq!(text(&known.2, ".error-message").as_deref(), Some(THROTTLED));
    assert_eq!(known, unknown, "a known and an unknown name answer alike");
    // Still signed out.
    assert_redirect(&app.get(&client, "/").await, "/masuk");
}

#[tokio::test]
async fn the_block_grows_with_each_failure_after_it_and_ends_with_the_clock() {
    // Arrange: five failures, a blocked minute.
    let app = spawn_app_at(monday_morning()).await;
    app.create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();
    for _ in 0..5 {
        app.login(&client, "PIC.WZJ", WRONG).await;
    }
    let blocked = answer(app.login(&client, "pic.wzj", PASSWORD).await).await;
    assert_eq!(blocked.1.as_deref(), Some("60"));

    // Act + Assert: after the minute, another failure blocks two minutes.
    app.clock.advance(Duration::seconds(60));
    assert_eq!(
        app.login(&client, "pic.wzj", WRONG).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let longer = answer(app.login(&client, "pic.wzj", PASSWORD).await).await;
    assert_eq!(longer.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(longer.1.as_deref(), Some("120"));
    assert!(
        longer.2.contains("Coba lagi dalam 2 menit."),
        "{}",
        longer.2
    );

    // Act + Assert: once the block is over, the right password signs in …
    app.clock.advance(Duration::seconds(120));
    assert_redirect(&app.login(&client, "pic.wzj", PASSWORD).await, "/");
    // … and the count starts again: four failures cost nothing.
    let other = app.client();
    for _ in 0..4 {
        app.login(&other, "pic.wzj", WRONG).await;
    }
    assert_redirect(&app.login(&other, "pic.wzj", PASSWORD).await, "/");
}

#[tokio::test]
async fn the_current_password_on_the_password_form_is_throttled_too() {
    // Arrange
    let app = spawn_app_at(monday_morning()).await;
    let (client, user) = app.signed_in("tim", None).await;
    for _ in 0..5 {
        let response = change_password(&app, &client, WRONG, "lontar-sasando-pagi-hari").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Act
    let (status, retry_after, page) =
        answer(change_password(&app, &client, PASSWORD, "lontar-sasando-pagi-hari").await).await;

    // Assert: refused without a check; the password is unchanged, and sign-in is blocked too.
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after.as_deref(), Some("60"));
    assert_eq!(text(&page, ".error-message").as_deref(), Some(THROTTLED));
    assert_eq!(
        app.login(&app.client(), &user.username, PASSWORD)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(Duration::minutes(1));
    assert_redirect(
        &app.login(&app.client(), &user.username, PASSWORD).await,
        "/",
    );
}

#[tokio::test]
async fn a_burst_from_one_address_is_answered_429_with_the_applications_page() {
    // Arrange: three attempts per address, then one an hour.
    let app = spawn_app_with(|settings| {
        settings.sign_in_burst = 3;
        settings.sign_in_refill_seconds = 3600;
    })
    .await;
    let client = app.client();
    for n in 0..3 {
        // Different names, so the per-account throttle plays no part.
        let response = app.login(&client, &format!("nama.{n}"), WRONG).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Act
    let (status, retry_after, page) = answer(app.login(&client, "nama.lain", WRONG).await).await;

    // Assert
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((3000..=3600).contains(&seconds), "{seconds}");
    assert_eq!(
        text(&page, "h1").as_deref(),
        Some("Terlalu banyak percobaan")
    );
    let message = text(&page, ".error-message").expect("message");
    assert!(
        message.starts_with("Terlalu banyak percobaan masuk. Coba lagi dalam"),
        "{message}"
    );
    // The page itself stays open, and the refusal is audited with the address.
    assert_eq!(app.get(&client, "/masuk").await.status(), StatusCode::OK);
    let audited: Vec<(String,)> = sqlx::query_as(
        "SELECT detail->>'client' FROM audit_log \
         WHERE event = 'session.sign_in_throttled' AND detail->>'per' = 'address'",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit");
    assert_eq!(audited, vec![("127.0.0.1".to_string(),)]);
}

#[tokio::test]
async fn sign_ins_are_audited_with_the_client_address_and_never_the_password() {
    // Arrange
    let app = spawn_app_at(monday_morning()).await;
    let id = app
        .create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let client = app.client();

    // Act
    app.login(&client, "pic.wzj", WRONG).await;
    app.login(&client, "tidak.ada", WRONG).await;
    for _ in 0..5 {
        app.login(&client, "tidak.ada", WRONG).await;
    }
    assert_redirect(&app.login(&client, "pic.wzj", PASSWORD).await, "/");

    // Assert
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT event, actor_id, target, detail->>'client' FROM audit_log \
         WHERE event LIKE 'session.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit");
    let id = id.to_string();
    let ip = Some("127.0.0.1".to_string());
    let failed = |target: Option<&str>| {
        (
            "session.sign_in_failed".to_string(),
            None,
            target.map(str::to_string),
            ip.clone(),
        )
    };
    let mut expected = vec![failed(Some(&id))];
    expected.extend(std::iter::repeat_n(failed(None), 5));
    expected.push((
        "session.sign_in_throttled".to_string(),
        None,
        None,
        ip.clone(),
    ));
    expected.push((
        "session.sign_in".to_string(),
        Uuid::parse_str(&id).ok(),
        None,
        ip.clone(),
    ));
    assert_eq!(rows, expected);
    let details: Vec<(String,)> = sqlx::query_as("SELECT detail::text FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .expect("details");
    for (detail,) in details {
        assert!(
            !detail.contains(WRONG) && !detail.contains(PASSWORD),
            "{detail}"
        );
        assert!(!detail.contains("tidak.ada"), "{detail}");
    }
}

#[tokio::test]
async fn a_hash_with_old_parameters_is_replaced_at_the_next_sign_in_only() {
    // Arrange: the stored hash was made with weaker Argon2 parameters (8 MiB, 1 pass).
    use argon2::password_hash::{PasswordHasher, SaltString};
    let app = spawn_app().await;
    let id = app
        .create_user("pic.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;
    let params = argon2::Params::new(8 * 1024, 1, 1, None).expect("params");
    let weak = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(
            PASSWORD.as_bytes(),
            &SaltString::encode_b64(b"garam-uji-16byte").expect("salt"),
        )
        .expect("hash")
        .to_string();
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(&weak)
        .execute(&app.pool)
        .await
        .expect("old hash");
    let stored = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("hash")
    };

    // Act + Assert: a failed sign-in leaves it.
    let client = app.client();
    app.login(&client, "pic.wzj", WRONG).await;
    assert_eq!(stored().await, weak);

    // Act + Assert: a successful one replaces it with one of today's parameters …
    assert_redirect(&app.login(&client, "pic.wzj", PASSWORD).await, "/");
    let upgraded = stored().await;
    assert_ne!(upgraded, weak);
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );
    assert!(!merajut_sehat::auth::needs_rehash(&upgraded));
    // … that the same password still opens, and that is not replaced again.
    assert_redirect(&app.login(&app.client(), "pic.wzj", PASSWORD).await, "/");
    assert_eq!(stored().await, upgraded);
}
