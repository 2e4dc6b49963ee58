//! Administration: the first administrator, creating, deactivating and resetting users.

use merajut_sehat::startup::bootstrap_admin;
use reqwest::StatusCode;

use crate::helpers::*;

/// Changes a one-time password on the forced page; returns the answer to the POST.
async fn choose_password(
    app: &TestApp,
    client: &TestClient,
    one_time: &str,
    new: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "/akun/kata-sandi",
        &[
            ("current_password", one_time),
            ("new_password", new),
            ("confirm_password", new),
        ],
    )
    .await
}

#[tokio::test]
async fn bootstrap_admin_only_acts_on_an_empty_database() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let first = bootstrap_admin(&app.pool).await.expect("bootstrap");
    let second = bootstrap_admin(&app.pool).await.expect("bootstrap again");

    // Assert
    let (username, password) = first.expect("an administrator on first start");
    assert_eq!(username, "admin");
    assert!(password.len() >= 10, "{password}");
    assert!(second.is_none());
}

#[tokio::test]
async fn first_administrator_creates_a_user_who_signs_in_and_sees_role_and_scope() {
    // Arrange: the first start created `admin` with a one-time password.
    let app = spawn_app().await;
    let (admin_name, one_time) = bootstrap_admin(&app.pool)
        .await
        .expect("bootstrap")
        .expect("first start");
    let admin = app.client();

    // Act + Assert: the administrator must choose a password before anything else.
    assert_redirect(
        &app.login(&admin, &admin_name, &one_time).await,
        "/akun/kata-sandi",
    );
    assert_redirect(&app.get(&admin, "/").await, "/akun/kata-sandi");
    assert_redirect(
        &app.get(&admin, "/admin/pengguna").await,
        "/akun/kata-sandi",
    );
    let forced = app.get_html(&admin, "/akun/kata-sandi").await;
    assert!(text(&forced, ".notice").is_some_and(|n| n.contains("sekali pakai")));
    assert!(
        texts(&forced, "nav.menu a").is_empty(),
        "no menu before the change"
    );
    assert_redirect(
        &choose_password(&app, &admin, &one_time, "sandi-pengelola-baru-1").await,
        "/",
    );
    // An administrator must enrol a second factor next, before anything else.
    assert_redirect(&app.get(&admin, "/").await, "/akun/dua-langkah");
    assert_redirect(
        &app.get(&admin, "/admin/pengguna").await,
        "/akun/dua-langkah",
    );
    let codes = app.enrol_second_factor(&admin).await;
    assert_eq!(texts(&codes, "#recovery-codes li").len(), 10);
    assert_eq!(
        app.get(&admin, "/admin/pengguna").await.status(),
        StatusCode::OK
    );

    // Act: the administrator creates a hospital PIC, choosing the hospital by its name.
    let form = app.get_html(&admin, "/admin/pengguna/baru").await;
    let hospital = option_value(&form, "select#hospital_id", "W.Z. Johannes").expect("hospital");
    let created = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "maria.pic"),
                ("display_name", "Maria Bria"),
                ("role", "rsud"),
                ("hospital_id", &hospital),
                ("kab_kota_code", ""),
            ],
        )
        .await;

    // Assert: no password and no code for the administrator, but the way the user gets one
    // (no e-mail here: the operator's command line).
    assert_eq!(created.status(), StatusCode::OK);
    let issued = created.text().await.expect("page");
    assert_eq!(
        text(&issued, "#issued-username").as_deref(),
        Some("maria.pic")
    );
    assert!(text(&issued, "#issued-password").is_none());
    let delivery = text(&issued, "#activation-delivery").expect("delivery");
    assert!(
        delivery.contains("merajut-sehat user activation-code maria.pic"),
        "{delivery}"
    );
    let list = app.get_html(&admin, "/admin/pengguna").await;
    assert!(texts(&list, "tbody td").contains(&"maria.pic".to_string()));

    // Act: the operator issues the code; the new user chooses a password with it and signs in.
    let code = app.activation_code_cli("maria.pic").await;
    let maria = app.client();
    assert_redirect(
        &app.activate(&maria, "maria.pic", &code, "sandi-maria-baru-1")
            .await,
        "/masuk",
    );
    assert_redirect(
        &app.login(&maria, "maria.pic", "sandi-maria-baru-1").await,
        "/",
    );
    let home = app.get_html(&maria, "/").await;

    // Assert: home shows who she is, her role and her hospital.
    assert_eq!(text(&home, "#who-username").as_deref(), Some("maria.pic"));
    let role = text(&home, "#who-role").expect("role");
    assert!(
        role.contains("PIC RSUD") && role.contains("(rsud)"),
        "{role}"
    );
    assert_eq!(
        text(&home, "#who-scope").as_deref(),
        Some("RSUD Prof. Dr. W.Z. Johannes Kupang")
    );
    // The activation code works once.
    let again = app.client();
    assert_eq!(
        app.activate(&again, "maria.pic", &code, "sandi-lain-sekali-2")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn kab_kota_user_sees_the_kab_kota_as_scope() {
    // Arrange
    let app = spawn_app().await;
    let (client, _) = app.signed_in("dukcapil_kab", Some("53.71")).await;

    // Act
    let home = app.get_html(&client, "/").await;

    // Assert
    assert!(text(&home, "#who-role").is_some_and(|r| r.contains("Disdukcapil Kab/Kota")));
    assert_eq!(
        text(&home, "#who-scope").as_deref(),
        Some("Kota Kupang (53.71)")
    );
}

#[tokio::test]
async fn new_user_form_names_the_missing_scope() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let response = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "pic.tanpa.rs"),
                ("display_name", "PIC tanpa rumah sakit"),
                ("role", "rsud"),
                ("hospital_id", ""),
                ("kab_kota_code", ""),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    let error = text(&page, "#hospital_id + .field-error").expect("hospital error");
    assert!(error.contains("Rumah sakit wajib dipilih"), "{error}");
    assert_eq!(
        attr(&page, "input#username", "value").as_deref(),
        Some("pic.tanpa.rs"),
        "what was typed is kept"
    );
}

#[tokio::test]
async fn deactivated_user_cannot_sign_in_and_loses_the_open_session() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (pic, user) = app.signed_in("rsud", Some("RSUD-SKL")).await;
    assert_eq!(app.get(&pic, "/").await.status(), StatusCode::OK);

    // Act
    let response = app
        .post_form_from(
            &admin,
            "/admin/pengguna",
            &format!("/admin/pengguna/{}/nonaktifkan", user.id),
            &[],
        )
        .await;

    // Assert
    assert_redirect(&response, "/admin/pengguna");
    let list = app.get_html(&admin, "/admin/pengguna").await;
    assert_eq!(
        text(&list, ".flash"),
        Some(format!("Pengguna {} dinonaktifkan.", user.username))
    );
    assert_redirect(&app.get(&pic, "/").await, "/masuk");
    let fresh = app.client();
    let refused = app.login(&fresh, &user.username, &user.password).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    assert_eq!(text(&page, "#login-error").as_deref(), Some(LOGIN_FAILED));
}

#[tokio::test]
async fn administrator_cannot_deactivate_themself() {
    // Arrange
    let app = spawn_app().await;
    let (admin, me) = app.signed_in("admin", None).await;

    // Act
    let response = app
        .post_form_from(
            &admin,
            "/admin/pengguna",
            &format!("/admin/pengguna/{}/nonaktifkan", me.id),
            &[],
        )
        .await;

    // Assert
    assert_redirect(&response, "/admin/pengguna");
    let list = app.get_html(&admin, "/admin/pengguna").await;
    assert!(text(&list, ".flash").is_some_and(|f| f.contains("akun Anda sendiri")));
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reset_ends_password_and_second_factor_and_the_user_is_told_who_reset_it() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let user = app.create_test_user("dinkes_prov", None).await;

    // Act
    let response = app
        .post_form_from(
            &admin,
            "/admin/pengguna",
            &format!("/admin/pengguna/{}/reset-sandi", user.id),
            &[],
        )
        .await;

    // Assert: the administrator sees no secret, only how the user gets the code.
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert_eq!(text(&page, "h1").as_deref(), Some("Akun direset"));
    assert!(text(&page, "#issued-password").is_none());
    let client = app.client();
    assert_eq!(
        app.login(&client, &user.username, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old password stopped working"
    );

    // Act: the user activates the account with the operator's code and signs in.
    let code = app.activation_code_cli(&user.username).await;
    assert!(!page.contains(&code));
    let new_password = "sandi-dinkes-baru-7";
    assert_redirect(
        &app.activate(&client, &user.username, &code, new_password)
            .await,
        "/masuk",
    );
    let signed_in = app
        .login_password(&client, &user.username, new_password)
        .await;

    // Assert: no code step (the second factor went with the reset); enrolment is forced, and
    // the notice says an administrator reset the account.
    assert_redirect(&signed_in, "/akun/dua-langkah");
    let enrol = app.get_html(&client, "/akun/dua-langkah").await;
    let notice = text(&enrol, ".flash").expect("the reset notice");
    assert!(
        notice.contains("direset oleh seorang administrator"),
        "{notice}"
    );
    assert!(text(&enrol, "#two-factor-required").is_some());
    assert_redirect(&app.get(&client, "/").await, "/akun/dua-langkah");
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log WHERE target = $1 ORDER BY id")
            .bind(user.id.to_string())
            .fetch_all(&app.pool)
            .await
            .expect("audit");
    assert!(
        audit.contains(&"user.reset_password".to_string()),
        "{audit:?}"
    );
    assert!(
        audit.contains(&"user.activation_code.cli".to_string()),
        "{audit:?}"
    );
    assert!(
        audit.contains(&"user.activation_code_used".to_string()),
        "{audit:?}"
    );
    let details: Vec<String> =
        sqlx::query_scalar("SELECT detail::text FROM audit_log WHERE target = $1")
            .bind(user.id.to_string())
            .fetch_all(&app.pool)
            .await
            .expect("audit details");
    assert!(details.iter().all(|d| !d.contains(&code)), "{details:?}");
}

/// A name of 100 KB, far past any field's limit.
fn huge_name() -> String {
    "Rumah Sakit ".repeat(100 * 1024 / 12)
}

/// The fields of the new-user form for a provincial user.
fn new_user_fields<'a>(username: &'a str, display_name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("display_name", display_name),
        ("role", "tim"),
        ("hospital_id", ""),
        ("kab_kota_code", ""),
    ]
}

#[tokio::test]
async fn new_user_form_refuses_a_nul_byte_or_a_100_kb_name_with_a_field_message() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let huge = huge_name();

    for (display_name, expected) in [
        ("Maria\0Bria", "Nama lengkap berisi karakter kendali"),
        (
            "Maria\u{1b}[31mBria",
            "Nama lengkap berisi karakter kendali",
        ),
        (huge.as_str(), "Nama lengkap maksimal 100 karakter"),
    ] {
        // Act
        let response = app
            .post_form(
                &admin,
                "/admin/pengguna/baru",
                &new_user_fields("maria.tim", display_name),
            )
            .await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        let error = text(&page, "#display_name + .field-error").expect("display name error");
        assert!(error.starts_with(expected), "{error}");
        assert_eq!(
            attr(&page, "input#username", "value").as_deref(),
            Some("maria.tim"),
            "what was typed is kept"
        );
    }
    let list = app.get_html(&admin, "/admin/pengguna").await;
    assert!(!texts(&list, "tbody td").contains(&"maria.tim".to_string()));
}

#[tokio::test]
async fn new_user_form_refuses_a_nul_byte_in_the_kab_kota_code() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let response = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "dinsos.kupang"),
                ("display_name", "Dinsos Kupang"),
                ("role", "dinsos_kab"),
                ("hospital_id", ""),
                ("kab_kota_code", "53.71\0"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    let error = text(&page, "#kab_kota_code + .field-error").expect("kab/kota error");
    assert!(error.contains("Kabupaten/kota wajib dipilih"), "{error}");
}

#[tokio::test]
async fn emoji_and_accents_in_names_are_accepted() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let kupang = "53.71";

    // Act
    let user = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &new_user_fields("ana.tim", "Ana Lérik 🌺"),
        )
        .await;
    let hospital = app
        .post_form(
            &admin,
            "/admin/rumah-sakit/baru",
            &[
                ("code", "RSUD-EMO"),
                ("name", "RSUD Kelimutu 🌋 Ende"),
                ("kab_kota_code", kupang),
                ("active", "on"),
            ],
        )
        .await;

    // Assert
    assert_eq!(user.status(), StatusCode::OK);
    let users = app.get_html(&admin, "/admin/pengguna").await;
    assert!(texts(&users, "tbody td").contains(&"Ana Lérik 🌺".to_string()));
    assert_redirect(&hospital, "/admin/rumah-sakit");
    let hospitals = app.get_html(&admin, "/admin/rumah-sakit").await;
    assert!(texts(&hospitals, "tbody td").contains(&"RSUD Kelimutu 🌋 Ende".to_string()));
}

#[tokio::test]
async fn hospital_form_refuses_a_nul_byte_or_a_100_kb_name_and_keeps_what_was_typed() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let huge = huge_name();

    for (name, expected) in [
        ("RSUD\0Baru", "Nama rumah sakit berisi karakter kendali"),
        (huge.as_str(), "Nama rumah sakit maksimal 150 karakter"),
    ] {
        // Act
        let response = app
            .post_form(
                &admin,
                "/admin/rumah-sakit/baru",
                &[
                    ("code", "RSUD-BARU"),
                    ("name", name),
                    ("kab_kota_code", "53.71"),
                    ("active", "on"),
                ],
            )
            .await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        let error = text(&page, "#name + .field-error").expect("name error");
        assert!(error.starts_with(expected), "{error}");
        assert_eq!(
            attr(&page, "input#code", "value").as_deref(),
            Some("RSUD-BARU")
        );
        assert_eq!(
            attr(&page, "#kab_kota_code option[selected]", "value").as_deref(),
            Some("53.71")
        );
    }
    let list = app.get_html(&admin, "/admin/rumah-sakit").await;
    assert!(!texts(&list, "tbody td").contains(&"RSUD-BARU".to_string()));
}

#[tokio::test]
async fn changing_a_hospital_to_a_nul_kab_kota_code_is_a_field_error() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let list = app.get_html(&admin, "/admin/rumah-sakit").await;
    let edit = attr(&list, "tbody a", "href").expect("an edit link");

    // Act
    let response = app
        .post_form(
            &admin,
            &edit,
            &[
                ("code", "RSUD-X"),
                ("name", "RSUD X"),
                ("kab_kota_code", "\0"),
            ],
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("page");
    assert!(text(&page, "#kab_kota_code + .field-error").is_some());
}

#[tokio::test]
async fn holidays_outside_the_years_2000_to_2100_are_refused() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    for day in ["-9999-01-01", "1890-08-17", "2101-01-01", "99999-12-25"] {
        // Act
        let response = app
            .post_form(
                &admin,
                "/admin/hari-libur",
                &[("day", day), ("name", "Hari libur aneh")],
            )
            .await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{day}");
        let page = response.text().await.expect("page");
        let error = text(&page, ".field-error").expect("day error");
        assert!(error.contains("2000–2100"), "{day}: {error}");
        assert_eq!(
            attr(&page, "input#name", "value").as_deref(),
            Some("Hari libur aneh")
        );
        let delete = app
            .post_form_from(
                &admin,
                "/admin/hari-libur",
                "/admin/hari-libur/hapus",
                &[("day", day)],
            )
            .await;
        assert_eq!(delete.status(), StatusCode::BAD_REQUEST, "{day}");
    }
    let page = app.get_html(&admin, "/admin/hari-libur").await;
    assert!(!page.contains("Hari libur aneh"));
}

#[tokio::test]
async fn holiday_names_with_a_nul_byte_or_too_long_are_refused_and_emoji_accepted() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let long = "Cuti bersama ".repeat(10);

    for name in ["Nyepi\0", long.as_str()] {
        // Act
        let response = app
            .post_form(
                &admin,
                "/admin/hari-libur",
                &[("day", "2027-03-08"), ("name", name)],
            )
            .await;

        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        let error = text(&page, ".field-error").expect("name error");
        assert!(error.starts_with("Nama hari libur"), "{error}");
    }
    let saved = app
        .post_form(
            &admin,
            "/admin/hari-libur",
            &[("day", "2027-03-08"), ("name", "Nyepi 🕉")],
        )
        .await;
    assert_redirect(&saved, "/admin/hari-libur");
    let page = app.get_html(&admin, "/admin/hari-libur").await;
    assert!(texts(&page, "tbody td").contains(&"Nyepi 🕉".to_string()));
}

#[tokio::test]
async fn sla_form_with_a_stray_nul_field_saves_the_desks_and_nothing_else() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let response = app
        .post_form(&admin, "/admin/sla", &[("nik_check", "2"), ("x\0", "\0")])
        .await;
    let refused = app
        .post_form(&admin, "/admin/sla", &[("nik_check", "2\0")])
        .await;

    // Assert
    assert_redirect(&response, "/admin/sla");
    let page = app.get_html(&admin, "/admin/sla").await;
    assert_eq!(attr(&page, "#sla-nik_check", "value").as_deref(), Some("2"));
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    let error = text(&page, ".field-error").expect("days error");
    assert!(
        error.starts_with("Verifikasi NIK: isi jumlah hari kerja"),
        "{error}"
    );
}
