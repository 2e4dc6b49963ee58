//! `merajut-sehat backup` / `merajut-sehat restore` (the real binary): a round trip into a new,
//! empty database and data directory brings back the cases and their documents byte for byte
//! with an intact audit chain; hostile archives (missing, empty, truncated) and a target that
//! is not empty are refused with a clear message, a non-zero exit, and nothing restored.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// A fresh path for an archive, outside every data directory.
fn archive_path() -> PathBuf {
    let dir = test_root().join("backups");
    std::fs::create_dir_all(&dir).expect("the backups directory");
    dir.join(format!("{}.tar", Uuid::new_v4().simple()))
}

/// Runs `merajut-sehat restore --input <archive>` into `database` and `data_dir`.
async fn restore(database: &TestDatabase, data_dir: &Path, archive: &Path) -> std::process::Output {
    let input = archive.to_string_lossy();
    run_cli_on(
        &database.app_url,
        &database.url,
        data_dir,
        &["restore", "--input", &input],
        "",
    )
    .await
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The tables (and other relations) in `database`'s own schemas: 0 for an empty one.
async fn relations(database: &TestDatabase) -> i64 {
    let pool = database.pool().await;
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg_toast%'",
    )
    .fetch_one(&pool)
    .await
    .expect("counting relations");
    pool.close().await;
    n
}

/// Files anywhere under `dir`.
fn files_under(dir: &Path) -> usize {
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                count += 1;
            }
        }
    }
    count
}

/// An app with two cases and three documents (a photo and PDFs), and the archive of it.
async fn backed_up_app() -> (TestApp, Actor, Vec<(Uuid, Uuid)>, PathBuf) {
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let first = rsud.create_case(&intake_woman()).await.case_id();
    let second = rsud.create_case(&intake_man()).await.case_id();
    let mut documents = vec![];
    for (case, kind, bytes, name) in [
        (first, "ktp", PNG, "ktp.png"),
        (first, "sktm", TEST_PDF, "sktm.pdf"),
        (second, "kk", TEST_PDF, "kk.pdf"),
    ] {
        let uploaded = rsud.upload(case, kind, bytes, name).await;
        uploaded.expect(StatusCode::CREATED);
        let doc = uploaded.body["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("the document's id");
        documents.push((case, doc));
    }
    let archive = archive_path();
    let output = app
        .run_cli(&["backup", "--output", &archive.to_string_lossy()], "")
        .await;
    assert!(output.status.success(), "backup: {}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 cases, 3 documents, 3 files"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    (app, rsud, documents, archive)
}

#[tokio::test]
async fn a_backup_restored_into_an_empty_installation_has_every_case_and_document() {
    // Arrange
    let (app, rsud, documents, archive) = backed_up_app().await;
    let target = TestDatabase::create_empty().await;
    let data_dir = test_root().join("restored").join(&target.name);

    // Act
    let output = restore(&target, &data_dir, &archive).await;

    // Assert
    assert!(output.status.success(), "restore: {}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 cases, 3 documents, 3 files"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let restored = spawn_app_on(target, data_dir, |_| {}).await;
    // The same API token works: the users and their tokens came back with the database.
    for (case, doc) in &documents {
        let path = format!("/api/v1/cases/{case}/documents/{doc}");
        let before = rsud.get_raw(&path).await;
        let after = rsud
            .http
            .get(restored.url(&path))
            .send()
            .await
            .expect("download from the restored app");
        assert_eq!(after.status(), StatusCode::OK, "{path}");
        assert_eq!(
            after.bytes().await.expect("restored bytes"),
            before.bytes().await.expect("original bytes"),
            "{path}"
        );
        let case_path = format!("/api/v1/cases/{case}");
        let original = rsud.get(&case_path).await;
        let back: serde_json::Value = rsud
            .http
            .get(restored.url(&case_path))
            .send()
            .await
            .expect("the restored case")
            .json()
            .await
            .expect("JSON");
        assert_eq!(back["number"], original.body["number"]);
        assert_eq!(back["state"], original.body["state"]);
        assert_eq!(back["version"], original.body["version"]);
    }
    let verified = restored.run_cli(&["audit", "verify"], "").await;
    assert!(
        verified.status.success(),
        "audit verify: {}",
        stderr(&verified)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("audit_log: OK"));
    drop(app);
}

#[tokio::test]
async fn restore_refuses_bad_archives_and_a_full_target_leaving_nothing_behind() {
    // Arrange
    let (app, _, _, archive) = backed_up_app().await;
    let empty = archive_path();
    std::fs::write(&empty, b"").expect("an empty file");
    let truncated = archive_path();
    let whole = std::fs::read(&archive).expect("the archive");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).expect("a truncated archive");
    let missing = archive_path();
    let target = TestDatabase::create_empty().await;
    let data_dir = test_root().join("restored").join(&target.name);

    for (archive, expected) in [
        (&missing, "cannot open the archive"),
        (&empty, "is empty"),
        (&truncated, "truncated"),
    ] {
        // Act
        let output = restore(&target, &data_dir, archive).await;

        // Assert
        assert!(!output.status.success(), "{expected}: restore succeeded");
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert_eq!(relations(&target).await, 0, "{expected}: tables restored");
        assert_eq!(files_under(&data_dir), 0, "{expected}: files restored");
    }

    // A target that holds an installation already is refused, and left as it was.
    let documents_before = files_under(&app.settings.files_dir());
    let output = app
        .run_cli(&["restore", "--input", &archive.to_string_lossy()], "")
        .await;
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
    assert_eq!(files_under(&app.settings.files_dir()), documents_before);
    target.remove();
}
