//! `merajut-sehat backup` / `merajut-sehat restore` (the real binary): a round trip into a new,
//! empty database and data directory brings back the cases and their documents byte for byte
//! with an intact audit chain; hostile archives (missing, empty, truncated) and a target that
//! is not empty are refused with a clear message, a non-zero exit, and nothing restored.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;
use crate::storage::upload_document;

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
        Some((&database.app_url, &database.url)),
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
    for (case, kind, bytes) in [
        (first, "ktp", PNG),
        (first, "sktm", TEST_PDF),
        (second, "kk", TEST_PDF),
    ] {
        documents.push((case, upload_document(&rsud, case, kind, bytes).await));
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
    // It holds every document: private to the service's user.
    let mode = std::fs::metadata(&archive)
        .expect("the archive")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    (app, rsud, documents, archive)
}

/// Every case of `documents` reads the same on `restored` as on the original app, and each
/// document downloads with the same bytes. `rsud`'s API token works on both: the users and
/// their tokens came back with the database.
async fn assert_restored(rsud: &Actor, restored: &TestApp, documents: &[(Uuid, Uuid)]) {
    for (case, doc) in documents {
        for path in [
            format!("/api/v1/cases/{case}"),
            format!("/api/v1/cases/{case}/documents/{doc}"),
        ] {
            let before = rsud.get_raw(&path).await;
            let after = rsud
                .http
                .get(restored.url(&path))
                .send()
                .await
                .expect("a request to the restored app");
            assert_eq!(before.status(), StatusCode::OK, "{path}");
            assert_eq!(after.status(), StatusCode::OK, "{path}");
            assert_eq!(
                after.bytes().await.expect("restored body"),
                before.bytes().await.expect("original body"),
                "{path}"
            );
        }
    }
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
    assert_restored(&rsud, &restored, &documents).await;
    let verified = restored.run_cli(&["audit", "verify"], "").await;
    assert!(
        verified.status.success(),
        "audit verify: {}",
        stderr(&verified)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("audit_log: OK"));
    drop(app);
}

/// A copy of `archive` whose dump is not one, with a manifest that agrees (so that only
/// `pg_restore` can tell).
fn with_bad_dump(archive: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    use std::io::Read;

    let garbage = b"PGDMP this is not a dump".to_vec();
    let mut members = vec![];
    let mut reader = tar::Archive::new(std::fs::File::open(archive).expect("the archive"));
    for entry in reader.entries().expect("entries") {
        let mut entry = entry.expect("an entry");
        let name = entry.path().expect("a name").to_string_lossy().into_owned();
        let mut bytes = vec![];
        entry.read_to_end(&mut bytes).expect("its bytes");
        members.push((name, bytes));
    }
    let out = archive_path();
    let mut writer = tar::Builder::new(std::fs::File::create(&out).expect("a new archive"));
    for (name, bytes) in members {
        let bytes = match name.as_str() {
            "database.dump" => garbage.clone(),
            "manifest.json" => {
                let mut manifest: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("the manifest");
                manifest["database"] = serde_json::json!({
                    "sha256": hex::encode(Sha256::digest(&garbage)),
                    "bytes": garbage.len(),
                });
                serde_json::to_vec(&manifest).expect("JSON")
            }
            _ => bytes,
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        writer
            .append_data(&mut header, &name, bytes.as_slice())
            .expect("a member");
    }
    writer.finish().expect("the archive written");
    out
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
    let tampered = archive_path();
    let at = whole
        .windows(5)
        .position(|w| w == b"%%EOF")
        .expect("a PDF in the archive");
    let mut bytes = whole.clone();
    bytes[at + 4] = b'X';
    std::fs::write(&tampered, bytes).expect("a tampered archive");
    let bad_dump = with_bad_dump(&archive);
    let target = TestDatabase::create_empty().await;
    let data_dir = test_root().join("restored").join(&target.name);

    for (archive, expected) in [
        (&missing, "cannot open the archive"),
        (&empty, "is empty"),
        (&truncated, "truncated"),
        (&tampered, "fails its SHA-256 check"),
        // The files are stored before pg_restore refuses the dump: they go again.
        (&bad_dump, "pg_restore failed"),
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

#[tokio::test]
async fn a_backup_restores_into_a_new_embedded_cluster() {
    // Arrange
    let (app, _, documents, archive) = backed_up_app().await;
    let data_dir = test_root()
        .join("restored")
        .join(Uuid::new_v4().simple().to_string());
    let input = archive.to_string_lossy();

    // Act
    let output = run_cli_on(None, &data_dir, &["restore", "--input", &input], "").await;

    // Assert
    assert!(output.status.success(), "restore: {}", stderr(&output));
    for (_, doc) in &documents {
        let name = doc.simple().to_string();
        let relative = Path::new(&name[..2]).join(&name);
        assert_eq!(
            std::fs::read(data_dir.join("files").join(&relative)).expect("restored file"),
            std::fs::read(app.settings.files_dir().join(&relative)).expect("original file"),
        );
    }
    let verified = run_cli_on(None, &data_dir, &["audit", "verify"], "").await;
    assert!(
        verified.status.success(),
        "audit verify: {}",
        stderr(&verified)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("audit_log: OK"));
    // Once restored, the data directory is no longer empty: a second restore is refused.
    let again = run_cli_on(None, &data_dir, &["restore", "--input", &input], "").await;
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("not empty") || stderr(&again).contains("already holds"),
        "{}",
        stderr(&again)
    );
}

#[tokio::test]
async fn a_backup_of_local_files_restores_into_s3_and_backs_up_from_there() {
    // Arrange
    let (_app, rsud, documents, archive) = backed_up_app().await;
    let moto = crate::storage::Moto::start().await;
    let storage = moto.bucket().await;
    let flags = crate::storage::s3_flags(&storage);
    let target = TestDatabase::create_empty().await;
    let data_dir = test_root().join("restored").join(&target.name);
    let input = archive.to_string_lossy();
    let mut args = vec!["restore", "--input", &input];
    args.extend(flags.iter().map(String::as_str));

    // Act
    let output = run_cli_on(Some((&target.app_url, &target.url)), &data_dir, &args, "").await;

    // Assert
    assert!(output.status.success(), "restore: {}", stderr(&output));
    assert_eq!(files_under(&data_dir), 0, "nothing stored locally");
    let restored = spawn_app_on(target, data_dir, |s| s.storage = storage.clone()).await;
    assert_restored(&rsud, &restored, &documents).await;
    // A backup reads the files from the bucket.
    let again = archive_path();
    let again = again.to_string_lossy();
    let mut args = vec!["backup", "--output", &again];
    args.extend(flags.iter().map(String::as_str));
    let output = restored.run_cli(&args, "").await;
    assert!(output.status.success(), "backup: {}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 cases, 3 documents, 3 files"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
