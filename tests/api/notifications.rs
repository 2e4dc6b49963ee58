//! In-app notifications: who is told when a case arrives at a desk or returns to the
//! hospital, the header's unread count, the list, marking read, and privacy between users.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// The notifications of a user as (kind, state), oldest first.
async fn notes(app: &TestApp, user: Uuid) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT kind, state::text FROM notifications WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(&app.pool)
    .await
    .expect("reading notifications")
}

fn arrived(state: &str) -> Vec<(String, String)> {
    vec![("arrived".to_string(), state.to_string())]
}

#[tokio::test]
async fn transition_notifies_the_desk_users_in_scope_only() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let second_dukcapil_prov = app.create_test_user("dukcapil_prov", None).await;
    let inactive_dukcapil_prov = app.create_test_user("dukcapil_prov", None).await;
    sqlx::query("UPDATE users SET active = false WHERE id = $1")
        .bind(inactive_dukcapil_prov.id)
        .execute(&app.pool)
        .await
        .expect("deactivating");
    let second_kab = app.create_test_user("dukcapil_kab", Some("53.71")).await;
    let other_kab = app.create_test_user("dukcapil_kab", Some("53.10")).await;
    let other_hospital = app.create_test_user("rsud", Some("RSUD-TCH")).await;
    let id = team.case_in(&intake_woman(), "draft").await;

    // Act: the hospital submits (desk: Dukcapil provinsi)
    team.drive(id, "draft", "nik_check").await;

    // Assert
    assert_eq!(
        notes(&app, team.dukcapil_prov.user.id).await,
        arrived("nik_check")
    );
    assert_eq!(
        notes(&app, second_dukcapil_prov.id).await,
        arrived("nik_check")
    );
    assert!(notes(&app, inactive_dukcapil_prov.id).await.is_empty());
    assert!(
        notes(&app, team.rsud.user.id).await.is_empty(),
        "not the actor"
    );
    assert!(notes(&app, team.dinsos_prov.user.id).await.is_empty());
    assert!(notes(&app, other_hospital.id).await.is_empty());

    // Act: referred to the kab/kota (desk: Dukcapil of the patient's kab/kota)
    team.dukcapil_prov.step(id, "refer_to_kab").await;

    // Assert: the patient's kab/kota only
    assert_eq!(
        notes(&app, team.dukcapil_kab.user.id).await,
        arrived("nik_referral")
    );
    assert_eq!(notes(&app, second_kab.id).await, arrived("nik_referral"));
    assert!(notes(&app, other_kab.id).await.is_empty(), "other kab/kota");

    // Act: the kab/kota desk keeps the case at its own desk (identity recording)
    team.dukcapil_kab.step(id, "require_recording").await;

    // Assert: its colleague is told, the actor is not told of their own move
    assert_eq!(
        notes(&app, team.dukcapil_kab.user.id).await,
        arrived("nik_referral")
    );
    assert_eq!(
        notes(&app, second_kab.id).await,
        [arrived("nik_referral"), arrived("identity_recording")].concat()
    );
}

#[tokio::test]
async fn a_return_notifies_the_hospitals_rsud_users_with_kind_returned() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let colleague = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let other_hospital = app.create_test_user("rsud", Some("RSUD-TCH")).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    team.dukcapil_prov.step(id, "return_to_rsud").await;

    // Assert
    let returned = vec![("returned".to_string(), "returned".to_string())];
    assert_eq!(notes(&app, team.rsud.user.id).await, returned);
    assert_eq!(notes(&app, colleague.id).await, returned);
    assert!(notes(&app, other_hospital.id).await.is_empty());
    let row: (Uuid,) = sqlx::query_as("SELECT case_id FROM notifications WHERE user_id = $1")
        .bind(colleague.id)
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(row.0, id);
}

#[tokio::test]
async fn header_counts_unread_and_the_list_marks_them_read() {
    // Arrange: a Dukcapil PIC with one case arrived at their desk
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (client, _) = app.signed_in("dukcapil_prov", None).await;
    let before = app.get_html(&client, "/").await;
    assert_eq!(text(&before, "a.notif").as_deref(), Some("Notifikasi (0)"));
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let number: (String,) = sqlx::query_as("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("number");

    // Act
    let home = app.get_html(&client, "/").await;
    let list = app.get_html(&client, "/notifikasi").await;

    // Assert
    assert_eq!(text(&home, "a.notif").as_deref(), Some("Notifikasi (1)"));
    assert_eq!(
        attr(&home, "a.notif", "href").as_deref(),
        Some("/notifikasi")
    );
    assert_eq!(texts(&list, "li.unread").len(), 1);
    assert!(list.contains(&format!("Kasus {}", number.0)), "{list}");
    assert!(list.contains("Kasus masuk ke meja Anda"), "{list}");
    assert!(list.contains("WITA"), "{list}");
    assert!(!list.contains("Maria"), "no patient name in the list");

    // Act: mark all read
    let response = app
        .post_form_from(&client, "/notifikasi", "/notifikasi/baca-semua", &[])
        .await;

    // Assert
    assert_redirect(&response, "/notifikasi");
    let list = app.get_html(&client, "/notifikasi").await;
    assert!(texts(&list, "li.unread").is_empty(), "{list}");
    assert_eq!(texts(&list, "li.read").len(), 1);
    assert_eq!(text(&list, "a.notif").as_deref(), Some("Notifikasi (0)"));
}

#[tokio::test]
async fn the_header_counts_up_to_99_unread_then_says_99_plus() {
    // Arrange: a Dukcapil PIC with one case at their desk, notified 99 then 150 times
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (client, me) = app.signed_in("dukcapil_prov", None).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let notify = |n: i32| {
        sqlx::query(
            "INSERT INTO notifications (user_id, case_id, kind, state, created_at) \
             SELECT $1, $2, 'arrived', 'nik_check', now() FROM generate_series(1, $3)",
        )
        .bind(me.id)
        .bind(id)
        .bind(n)
        .execute(&app.pool)
    };
    sqlx::query("DELETE FROM notifications WHERE user_id = $1")
        .bind(me.id)
        .execute(&app.pool)
        .await
        .expect("cleared");
    notify(99).await.expect("99 notifications");

    // Act & assert: 99 are counted, more are "99+"
    let home = app.get_html(&client, "/").await;
    assert_eq!(text(&home, "a.notif").as_deref(), Some("Notifikasi (99)"));
    notify(51).await.expect("51 more");
    let home = app.get_html(&client, "/").await;
    assert_eq!(text(&home, "a.notif").as_deref(), Some("Notifikasi (99+)"));
}

#[tokio::test]
async fn opening_a_notification_marks_it_read_and_goes_to_the_case() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (client, me) = app.signed_in("dukcapil_prov", None).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let note: (Uuid,) = sqlx::query_as("SELECT id FROM notifications WHERE user_id = $1")
        .bind(me.id)
        .fetch_one(&app.pool)
        .await
        .expect("notification");
    let path = format!("/notifikasi/{}/buka", note.0);

    // Act
    let response = app.post_form_from(&client, "/notifikasi", &path, &[]).await;

    // Assert
    assert_redirect(&response, &format!("/kasus/{id}"));
    let home = app.get_html(&client, "/").await;
    assert_eq!(text(&home, "a.notif").as_deref(), Some("Notifikasi (0)"));
}

#[tokio::test]
async fn one_user_can_neither_see_nor_mark_anothers_notifications() {
    // Arrange: two Dukcapil PICs, both notified
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (mine, _) = app.signed_in("dukcapil_prov", None).await;
    let (_, other) = app.signed_in("dukcapil_prov", None).await;
    team.case_in(&intake_woman(), "nik_check").await;
    let theirs: (Uuid,) = sqlx::query_as("SELECT id FROM notifications WHERE user_id = $1")
        .bind(other.id)
        .fetch_one(&app.pool)
        .await
        .expect("notification");

    // Act
    let open = app
        .post_form_from(
            &mine,
            "/notifikasi",
            &format!("/notifikasi/{}/buka", theirs.0),
            &[],
        )
        .await;
    let all = app
        .post_form_from(&mine, "/notifikasi", "/notifikasi/baca-semua", &[])
        .await;

    // Assert: 404 for theirs; my "mark all" leaves theirs unread; my list shows mine only
    assert_eq!(open.status(), StatusCode::NOT_FOUND);
    assert_redirect(&all, "/notifikasi");
    let unread: (i64,) =
        sqlx::query_as("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(other.id)
            .fetch_one(&app.pool)
            .await
            .expect("count");
    assert_eq!(unread.0, 1);
    let list = app.get_html(&mine, "/notifikasi").await;
    assert!(!list.contains(&theirs.0.to_string()), "{list}");
    assert_eq!(texts(&list, "ul.notifications li").len(), 1);
}

#[tokio::test]
async fn administrator_has_no_notifications_page_or_count() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("admin", None).await;

    // Act
    let response = app.get(&client, "/notifikasi").await;
    let home = app.get_html(&client, "/").await;

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(text(&home, "a.notif"), None);
}
