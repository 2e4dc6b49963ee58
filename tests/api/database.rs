//! Rules the database enforces by itself, whatever the code above it does.

use merajut_sehat::db;
use merajut_sehat::db::users::{CreateUserError, NewUser};
use merajut_sehat::domain::Role;

use crate::helpers::*;

fn user<'a>(username: &'a str, role: Role) -> NewUser<'a> {
    NewUser {
        username,
        display_name: "Uji",
        role,
        hospital_id: None,
        kab_kota_code: None,
        password_hash: "tidak-dipakai",
        must_change_password: false,
    }
}

#[tokio::test]
async fn database_refuses_a_role_without_its_scope() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let pic = db::users::create(&app.pool, &user("pic.tanpa.rs", Role::Rsud)).await;
    let kab = db::users::create(&app.pool, &user("dinsos.tanpa.kab", Role::DinsosKab)).await;

    // Assert
    for result in [pic, kab] {
        let err = result.expect_err("a user without the scope of its role was stored");
        assert!(
            matches!(&err, CreateUserError::Database(e) if db::is_constraint(e, "users_scope_fits_role")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn database_refuses_a_scope_the_role_does_not_take() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let result = db::users::create(
        &app.pool,
        &NewUser {
            kab_kota_code: Some("53.71"),
            ..user("admin.kab", Role::Admin)
        },
    )
    .await;

    // Assert
    let err = result.expect_err("an administrator with a kab/kota was stored");
    assert!(
        matches!(&err, CreateUserError::Database(e) if db::is_constraint(e, "users_scope_fits_role")),
        "{err}"
    );
}

#[tokio::test]
async fn database_refuses_a_taken_username() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("maria", "tim", None, PASSWORD).await;

    // Act
    let result = db::users::create(&app.pool, &user("maria", Role::Bpjs)).await;

    // Assert
    let err = result.expect_err("a second maria was stored");
    assert!(
        matches!(&err, CreateUserError::UsernameTaken(name) if name == "maria"),
        "{err}"
    );
}
