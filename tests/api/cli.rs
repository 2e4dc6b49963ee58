//! The operator command line (`merajut-sehat user …`, `merajut-sehat token …`), run as a
//! separate process against the test database through `DATABASE_URL`.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn user_created_on_the_command_line_signs_in_without_a_forced_change() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let output = app
        .run_cli(
            &[
                "user",
                "create",
                "--username",
                "pic.tch",
                "--role",
                "rsud",
                "--scope",
                "RSUD-TCH",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .await;

    // Assert
    assert!(
        output.status.success(),
        "user create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created user pic.tch (rsud)"));
    let client = app.client();
    assert_redirect(&app.login(&client, "pic.tch", PASSWORD).await, "/");
    let home = app.get_html(&client, "/").await;
    assert_eq!(
        text(&home, "#who-scope").as_deref(),
        Some("RSUD dr. T.C. Hillers Maumere")
    );
}

#[tokio::test]
async fn command_line_refuses_a_role_without_its_scope() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let output = app
        .run_cli(
            &[
                "user",
                "create",
                "--username",
                "dinkes.kab",
                "--role",
                "dinkes_kab",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;

    // Assert
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs --scope"), "{stderr}");
}

#[tokio::test]
async fn command_line_refuses_a_short_password() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let output = app
        .run_cli(
            &[
                "user",
                "create",
                "--username",
                "tim.satu",
                "--role",
                "tim",
                "--password-stdin",
            ],
            "pendek\n",
        )
        .await;

    // Assert
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("minimal 8 karakter"), "{stderr}");
    let client = app.client();
    assert_eq!(
        app.login(&client, "tim.satu", "pendek").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn password_reset_on_the_command_line_replaces_the_password() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("tim.dua", "tim", None, PASSWORD).await;

    // Act
    let output = app
        .run_cli(
            &[
                "user",
                "reset-password",
                "--username",
                "tim.dua",
                "--password-stdin",
            ],
            "sandi-baru-dari-cli\n",
        )
        .await;

    // Assert
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let client = app.client();
    assert_eq!(
        app.login(&client, "tim.dua", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A full reset: the second factor went too, so a tim user enrols again first, and is
    // told that the operator reset the account.
    assert_redirect(
        &app.login(&client, "tim.dua", "sandi-baru-dari-cli").await,
        "/akun/dua-langkah",
    );
    let page = app.get_html(&client, "/akun/dua-langkah").await;
    assert!(
        text(&page, ".flash").is_some_and(|f| f.contains("direset oleh operator server")),
        "{page}"
    );
}

#[tokio::test]
async fn token_create_prints_only_the_token() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("simrs.wzj", "rsud", Some("RSUD-WZJ"), PASSWORD)
        .await;

    // Act
    let output = app
        .run_cli(&["token", "create", "--username", "simrs.wzj"], "")
        .await;

    // Assert
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout:?}");
    let token = lines[0];
    assert!(token.starts_with("ms_"), "{token}");
    assert_eq!(token.len(), 3 + 43, "{token}");
    // The owner sees it listed (by name, never the token itself) on the token page.
    let client = app.client();
    assert_redirect(&app.login(&client, "simrs.wzj", PASSWORD).await, "/");
    let page = app.get_html(&client, "/token-api").await;
    assert!(
        texts(&page, "tbody td").contains(&"cli".to_string()),
        "{page}"
    );
    assert!(!page.contains(token));
}

#[tokio::test]
async fn token_create_refuses_an_unknown_user() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let output = app
        .run_cli(&["token", "create", "--username", "tidak.ada"], "")
        .await;

    // Assert
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no user"), "{stderr}");
}

#[tokio::test]
async fn token_create_refuses_a_name_past_100_characters() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("simrs.skl", "rsud", Some("RSUD-SKL"), PASSWORD)
        .await;
    let name = "SIMRS ".repeat(30);

    // Act
    let output = app
        .run_cli(
            &[
                "token",
                "create",
                "--username",
                "simrs.skl",
                "--name",
                &name,
            ],
            "",
        )
        .await;

    // Assert
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Nama token maksimal 100 karakter"),
        "{stderr}"
    );
}

/// Runs the binary in `cwd` on the embedded cluster (no `DATABASE_URL`), with info logs.
async fn run_embedded(cwd: &std::path::Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("MERAJUT_DATA_DIR")
        .env("RUST_LOG", "info,sqlx=warn")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .expect("running merajut-sehat")
}

#[tokio::test]
async fn operator_command_outside_the_installation_refuses_and_names_the_directory() {
    // Arrange: a relative --data-dir, run from a directory of its own, where no cluster is.
    let cwd = test_root().join(format!("cli-cwd-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&cwd).expect("creating the working directory");
    let args = [
        "--data-dir",
        "relative-data",
        "token",
        "create",
        "--username",
        "belum_ada",
    ];
    let cluster = cwd.join("relative-data").join("pg");

    // Act
    let run = run_embedded(&cwd, &args).await;

    // Assert: it fails, names the absolute cluster directory and creates nothing.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(stderr.contains(&cluster.display().to_string()), "{stderr}");
    assert!(stderr.contains("no PostgreSQL cluster"), "{stderr}");
    assert!(!cluster.join("PG_VERSION").exists());
    let _ = std::fs::remove_dir_all(&cwd);
}
