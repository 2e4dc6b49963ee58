//! One's own account page with the e-mail address (`/akun`), the administrator setting it,
//! the notification preferences (`/akun/notifikasi` and
//! `/api/v1/me/notification-preferences`): defaults, saving, kinds per role, privacy between
//! users, hostile input and CSRF.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// The stored e-mail address of a user.
async fn stored_email(app: &TestApp, user: Uuid) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>("SELECT email FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .expect("reading the address")
}

/// The saved preference rows of a user as (kind, in_app, email), by kind.
async fn saved(app: &TestApp, user: Uuid) -> Vec<(String, bool, bool)> {
    sqlx::query_as::<_, (String, bool, bool)>(
        "SELECT kind, in_app, email FROM notification_preferences WHERE user_id = $1 ORDER BY kind",
    )
    .bind(user)
    .fetch_all(&app.pool)
    .await
    .expect("reading preferences")
}

/// Whether the checkbox with this id is ticked on the page.
fn ticked(html: &str, id: &str) -> bool {
    attr(html, &format!("input#{id}"), "checked").is_some()
}

#[tokio::test]
async fn the_account_page_shows_the_profile_and_saves_an_email_address() {
    // Arrange
    let app = spawn_app().await;
    let (client, me) = app.signed_in("dinsos_kab", Some("53.71")).await;

    // Act
    let page = app.get_html(&client, "/akun").await;

    // Assert
    assert_eq!(text(&page, "h1").as_deref(), Some("Akun saya"));
    assert_eq!(text(&page, "#account-username"), Some(me.username.clone()));
    assert_eq!(
        text(&page, "#account-role").as_deref(),
        Some("Dinsos Kab/Kota")
    );
    assert!(text(&page, "#account-scope").is_some_and(|s| s.contains("53.71")));
    assert_eq!(attr(&page, "input#email", "value").as_deref(), Some(""));
    assert!(page.contains("href=\"/akun/kata-sandi\""));
    assert!(page.contains("href=\"/akun/notifikasi\""));
    assert!(
        page.contains("href=\"/akun\""),
        "menu links the account page"
    );

    // Act: save an address (trimmed)
    let response = app
        .post_form(
            &client,
            "/akun",
            &[("email", "  ana.bria@dinsos.kupang.go.id ")],
        )
        .await;

    // Assert
    assert_redirect(&response, "/akun");
    let page = app.get_html(&client, "/akun").await;
    assert!(page.contains("Alamat email disimpan."), "flash");
    assert_eq!(
        attr(&page, "input#email", "value").as_deref(),
        Some("ana.bria@dinsos.kupang.go.id")
    );
    assert_eq!(
        stored_email(&app, me.id).await.as_deref(),
        Some("ana.bria@dinsos.kupang.go.id")
    );

    // Act: empty removes it
    let response = app.post_form(&client, "/akun", &[("email", "")]).await;

    // Assert
    assert_redirect(&response, "/akun");
    assert_eq!(stored_email(&app, me.id).await, None);
}

#[tokio::test]
async fn hostile_email_input_gets_a_message_naming_the_field_and_keeps_what_was_typed() {
    // Arrange
    let app = spawn_app().await;
    let (client, me) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    app.post_form(&client, "/akun", &[("email", "lama@rsud.go.id")])
        .await;
    let huge = format!("{}@rsud.go.id", "a".repeat(100 * 1024));
    let cases = [
        ("ana\0@rsud.go.id", "karakter kendali"),
        (huge.as_str(), "maksimal 254"),
        ("ana😀@rsud.go.id", "tanpa emoji"),
        ("ana bria@rsud.go.id", "spasi"),
        ("ana.rsud.go.id", "tanda @"),
        ("ana@localhost", "tidak valid"),
    ];
    for (typed, expected) in cases {
        // Act
        let response = app.post_form(&client, "/akun", &[("email", typed)]).await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:.40}"
        );
        let page = response.text().await.expect("page");
        let message = text(&page, "#email-error").unwrap_or_default();
        assert!(
            message.starts_with("Alamat email"),
            "{typed:.40}: {message}"
        );
        assert!(message.contains(expected), "{typed:.40}: {message}");
        if typed.len() < 1000 && !typed.contains('\0') {
            assert_eq!(
                attr(&page, "input#email", "value").as_deref(),
                Some(typed),
                "what was typed is kept"
            );
        }
        assert_eq!(
            stored_email(&app, me.id).await.as_deref(),
            Some("lama@rsud.go.id"),
            "nothing stored"
        );
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    // Arrange
    let app = spawn_app().await;
    let (client, me) = app.signed_in("bpjs", None).await;

    // Act
    let email = app
        .post_raw(&client, "/akun", &[("email", "x@bpjs.go.id")])
        .await;
    let prefs = app
        .post_raw(&client, "/akun/notifikasi", &[("arrived_email", "1")])
        .await;

    // Assert: the "page expired, send again" answer of every form without its token
    assert_eq!(email.status(), StatusCode::CONFLICT);
    assert_eq!(prefs.status(), StatusCode::CONFLICT);
    assert_eq!(stored_email(&app, me.id).await, None);
    assert!(saved(&app, me.id).await.is_empty());
}

#[tokio::test]
async fn the_administrator_sets_an_address_on_create_and_on_edit() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act: create with an address
    let response = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "yanti"),
                ("display_name", "Yanti Lay"),
                ("role", "tim"),
                ("email", "yanti@merajutsehat.ntt.go.id"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE username = 'yanti'")
        .fetch_one(&app.pool)
        .await
        .expect("created");
    assert_eq!(
        stored_email(&app, id).await.as_deref(),
        Some("yanti@merajutsehat.ntt.go.id")
    );

    // Act: a bad address on create is a field message, nothing created
    let response = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "budi"),
                ("display_name", "Budi"),
                ("role", "tim"),
                ("email", "budi@"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    assert!(page.contains("Alamat email"), "{page}");
    assert_eq!(
        attr(&page, "input#email", "value").as_deref(),
        Some("budi@")
    );
    assert_eq!(
        attr(&page, "input#username", "value").as_deref(),
        Some("budi")
    );

    // Act: edit — refused, then changed, then cleared
    let path = format!("/admin/pengguna/{id}");
    let refused = app.post_form(&admin, &path, &[("email", "a\0@b.id")]).await;
    let changed = app
        .post_form(&admin, &path, &[("email", "yanti.lay@ntt.go.id")])
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_redirect(&changed, "/admin/pengguna");
    assert_eq!(
        stored_email(&app, id).await.as_deref(),
        Some("yanti.lay@ntt.go.id")
    );
    let list = app.get_html(&admin, "/admin/pengguna").await;
    assert!(list.contains("yanti.lay@ntt.go.id"));
    let cleared = app.post_form(&admin, &path, &[("email", " ")]).await;
    assert_redirect(&cleared, "/admin/pengguna");
    assert_eq!(stored_email(&app, id).await, None);

    // Assert: nobody else edits users
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    assert_eq!(app.get(&pic, &path).await.status(), StatusCode::FORBIDDEN);
    let unknown = format!("/admin/pengguna/{}", Uuid::new_v4());
    assert_eq!(
        app.get(&admin, &unknown).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_preferences_page_shows_the_defaults_and_saves_every_kind_at_once() {
    // Arrange: a hospital PIC without an address
    let app = spawn_app().await;
    let (client, me) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act
    let page = app.get_html(&client, "/akun/notifikasi").await;

    // Assert: the view's defaults: everything in the app; e-mail for all but arrivals
    assert_eq!(
        texts(&page, "fieldset legend"),
        [
            "Kasus masuk ke meja saya",
            "Kasus terlambat",
            "Kasus dikembalikan ke RS saya",
            "Ringkasan harian"
        ]
    );
    assert!(ticked(&page, "arrived_in_app") && !ticked(&page, "arrived_email"));
    assert!(ticked(&page, "overdue_in_app") && ticked(&page, "overdue_email"));
    assert!(ticked(&page, "returned_in_app") && ticked(&page, "returned_email"));
    assert!(
        attr(&page, "input#digest_in_app", "type").is_none(),
        "no in-app box"
    );
    assert!(ticked(&page, "digest_email"));
    let status = text(&page, "#email-status").unwrap_or_default();
    assert!(status.contains("belum mengisi alamat email"), "{status}");
    assert!(page.contains("href=\"/akun\""));

    // Act: arrivals by e-mail too, overdue only by e-mail, no digest
    let response = app
        .post_form(
            &client,
            "/akun/notifikasi",
            &[
                ("arrived_in_app", "1"),
                ("arrived_email", "1"),
                ("overdue_email", "1"),
                ("returned_in_app", "1"),
                ("returned_email", "1"),
                // Not a channel of the digest: ignored
                ("digest_in_app", "1"),
            ],
        )
        .await;

    // Assert
    assert_redirect(&response, "/akun/notifikasi");
    let page = app.get_html(&client, "/akun/notifikasi").await;
    assert!(page.contains("Pengaturan notifikasi disimpan"));
    assert!(ticked(&page, "arrived_in_app") && ticked(&page, "arrived_email"));
    assert!(!ticked(&page, "overdue_in_app") && ticked(&page, "overdue_email"));
    assert!(!ticked(&page, "digest_email"));
    assert_eq!(
        saved(&app, me.id).await,
        [
            ("arrived".to_string(), true, true),
            ("digest".to_string(), false, false),
            ("overdue".to_string(), false, true),
            ("returned".to_string(), true, true),
        ]
    );
}

#[tokio::test]
async fn each_role_is_offered_only_what_it_can_receive() {
    // Arrange
    let app = spawn_app().await;
    let (tim, tim_user) = app.signed_in("tim", None).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let tim_page = app.get_html(&tim, "/akun/notifikasi").await;
    let dukcapil_page = app.get_html(&dukcapil, "/akun/notifikasi").await;
    let admin_page = app.get(&admin, "/akun/notifikasi").await;
    let admin_account = app.get_html(&admin, "/akun").await;

    // Assert
    assert_eq!(texts(&tim_page, "fieldset legend"), ["Ringkasan harian"]);
    assert_eq!(
        texts(&dukcapil_page, "fieldset legend"),
        [
            "Kasus masuk ke meja saya",
            "Kasus terlambat",
            "Ringkasan harian"
        ]
    );
    assert_eq!(admin_page.status(), StatusCode::FORBIDDEN);
    assert!(!admin_account.contains("href=\"/akun/notifikasi\""));

    // Act: the program team sends kinds it cannot receive
    let response = app
        .post_form(
            &tim,
            "/akun/notifikasi",
            &[("arrived_in_app", "1"), ("returned_email", "1")],
        )
        .await;

    // Assert: only its own kind is stored (digest off: its box was not ticked)
    assert_redirect(&response, "/akun/notifikasi");
    assert_eq!(
        saved(&app, tim_user.id).await,
        [("digest".to_string(), false, false)]
    );
}

#[tokio::test]
async fn the_api_reads_and_changes_only_the_callers_preferences() {
    // Arrange
    let app = spawn_app().await;
    let me = actor(&app, "dinkes_prov", None).await;
    let other = actor(&app, "dinkes_prov", None).await;
    sqlx::query("UPDATE users SET email = 'dinkes@ntt.go.id' WHERE id = $1")
        .bind(me.user.id)
        .execute(&app.pool)
        .await
        .expect("address");

    // Act
    let who = me.get("/api/v1/me").await;
    let before = me.get("/api/v1/me/notification-preferences").await;

    // Assert
    who.expect(StatusCode::OK);
    assert_eq!(who.body["email"], "dinkes@ntt.go.id");
    assert_eq!(other.get("/api/v1/me").await.body["email"], json!(null));
    before.expect(StatusCode::OK);
    assert_eq!(
        before.body["preferences"],
        json!([
            {"kind": "arrived", "label": "Kasus masuk ke meja saya", "has_in_app": true, "in_app": true, "email": false},
            {"kind": "overdue", "label": "Kasus terlambat", "has_in_app": true, "in_app": true, "email": true},
            {"kind": "digest", "label": "Ringkasan harian", "has_in_app": false, "in_app": false, "email": true}
        ])
    );

    // Act
    let after = me
        .put(
            "/api/v1/me/notification-preferences",
            &json!({"preferences": [{"kind": "arrived", "in_app": false, "email": true}]}),
        )
        .await;

    // Assert: the kind sent changed, the others kept; the other user untouched
    after.expect(StatusCode::OK);
    assert_eq!(after.body["preferences"][0]["in_app"], false);
    assert_eq!(after.body["preferences"][0]["email"], true);
    assert_eq!(after.body["preferences"][1]["email"], true);
    assert_eq!(saved(&app, me.user.id).await.len(), 1);
    assert!(saved(&app, other.user.id).await.is_empty());
    let theirs = other.get("/api/v1/me/notification-preferences").await;
    assert_eq!(theirs.body["preferences"][0]["email"], false);
}

#[tokio::test]
async fn the_api_refuses_bad_preference_bodies_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let me = actor(&app, "tim", None).await;
    let bodies = [
        json!({}),
        json!({"preferences": "all"}),
        json!({"preferences": [{"kind": "arrived", "in_app": true, "email": true}]}),
        json!({"preferences": [{"kind": "digest\u{0}", "in_app": false, "email": true}]}),
        json!({"preferences": [{"kind": "digest", "in_app": true, "email": true}]}),
        json!({"preferences": [{"kind": "digest", "in_app": false, "email": "ya"}]}),
        json!({"preferences": [
            {"kind": "digest", "in_app": false, "email": true},
            {"kind": "digest", "in_app": false, "email": false}
        ]}),
    ];
    for body in bodies {
        // Act
        let reply = me.put("/api/v1/me/notification-preferences", &body).await;

        // Assert
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.error_fields(), ["preferences"], "{body}");
    }
    assert!(saved(&app, me.user.id).await.is_empty());
    let not_json = me
        .http
        .put(app.url("/api/v1/me/notification-preferences"))
        .body("x".repeat(100 * 1024))
        .send()
        .await
        .expect("sent");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let anonymous = reqwest::Client::new()
        .get(app.url("/api/v1/me/notification-preferences"))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
