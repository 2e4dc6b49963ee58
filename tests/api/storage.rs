//! The document storage interface (`src/storage.rs`) with both backends through the same test
//! functions: local files, and S3 against a real `moto_server` this test starts on 127.0.0.1
//! (from the pinned environment of `.ci/pytools.sh`; if it cannot be had, the test fails).
//! Then end to end: a document uploaded and downloaded through the API with the S3 backend, and
//! a damaged file refused with a message in Indonesian instead of served.

use std::path::PathBuf;
use std::process::Stdio;

use merajut_sehat::config::{StorageKind, StorageSettings};
use merajut_sehat::storage::{FileStore, ReadError};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;

/// A `moto_server` of this test, stopped when dropped.
pub struct Moto {
    endpoint: String,
    _server: tokio::process::Child,
}

impl Moto {
    /// Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers. Panics
    /// (the test fails) when `.ci/pytools.sh` cannot provide it.
    pub async fn start() -> Moto {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pytools.sh");
        let tools = tokio::process::Command::new("bash")
            .arg(script)
            .stderr(Stdio::inherit())
            .output()
            .await
            .expect("running bash .ci/pytools.sh");
        assert!(
            tools.status.success(),
            "bash .ci/pytools.sh failed: no moto_server for the S3 tests"
        );
        let bin = PathBuf::from(
            String::from_utf8_lossy(&tools.stdout)
                .lines()
                .last()
                .expect("pytools.sh prints its bin directory")
                .trim(),
        );
        let moto_server = bin.join("moto_server");
        assert!(
            moto_server.is_file(),
            "{} is missing",
            moto_server.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let server = tokio::process::Command::new(&moto_server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for attempt in 0.. {
            if client.get(&endpoint).send().await.is_ok() {
                break;
            }
            assert!(attempt < 600, "moto_server did not answer within 60 s");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Moto {
            endpoint,
            _server: server,
        }
    }

    /// Creates a new bucket and returns the storage settings that use it.
    pub async fn bucket(&self) -> StorageSettings {
        let name = format!("merajut-{}", Uuid::new_v4().simple());
        let created = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("creating the bucket");
        assert!(
            created.status().is_success(),
            "bucket: {}",
            created.status()
        );
        StorageSettings {
            kind: StorageKind::S3,
            s3_bucket: Some(name),
            s3_endpoint: Some(self.endpoint.clone()),
            s3_region: "us-east-1".into(),
            // moto takes any credentials.
            s3_access_key_id: Some("uji".into()),
            s3_secret_access_key: Some("rahasia-uji".into()),
        }
    }
}

/// The command-line flags of `settings` (an S3 bucket of [`Moto::bucket`]).
pub fn s3_flags(settings: &StorageSettings) -> Vec<String> {
    let mut flags = vec!["--storage".to_string(), "s3".to_string()];
    for (flag, value) in [
        ("--s3-bucket", settings.s3_bucket.clone()),
        ("--s3-endpoint", settings.s3_endpoint.clone()),
        ("--s3-region", Some(settings.s3_region.clone())),
        (
            "--s3-access-key-id",
            settings
                .s3_access_key_id
                .as_ref()
                .map(|k| k.expose().to_string()),
        ),
        (
            "--s3-secret-access-key",
            settings
                .s3_secret_access_key
                .as_ref()
                .map(|k| k.expose().to_string()),
        ),
    ] {
        if let Some(value) = value {
            flags.push(flag.to_string());
            flags.push(value);
        }
    }
    flags
}

/// Uploads `bytes` as document `kind` of `case` (201 expected); its id.
pub async fn upload_document(rsud: &Actor, case: Uuid, kind: &str, bytes: &[u8]) -> Uuid {
    let uploaded = rsud.upload(case, kind, bytes, "dokumen").await;
    uploaded.expect(StatusCode::CREATED);
    uploaded.body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the document's id")
}

fn s3_store(settings: &StorageSettings) -> FileStore {
    FileStore::from_settings(settings, PathBuf::from("/nonexistent")).expect("an S3 store")
}

fn local_store() -> (FileStore, PathBuf) {
    let root = test_root()
        .join("stores")
        .join(Uuid::new_v4().simple().to_string());
    (FileStore::new(root.clone()), root)
}

/// Store, read back, delete, missing: the same on every backend.
async fn stores_reads_deletes(store: &FileStore) {
    // Arrange
    let id = Uuid::new_v4();
    let bytes = b"%PDF-1.4 isi dokumen".to_vec();
    let sha = Sha256::digest(&bytes);
    assert!(
        store.is_empty().await.expect("listed"),
        "a new store is empty"
    );

    // Act
    store.put(id, &bytes).await.expect("stored");

    // Assert
    assert_eq!(store.get(id, &sha).await.expect("read back"), bytes);
    assert!(!store.is_empty().await.expect("listed"));
    store.delete(id).await;
    assert!(matches!(store.get(id, &sha).await, Err(ReadError::Missing)));
    assert!(store.is_empty().await.expect("listed"));
    // Deleting what is gone, reading what never was: no panic, "missing".
    store.delete(id).await;
    assert!(matches!(
        store.get(Uuid::new_v4(), &sha).await,
        Err(ReadError::Missing)
    ));
}

/// A file changed behind the service's back (its row's checksum unchanged) is refused.
async fn refuses_a_changed_file(store: &FileStore) {
    // Arrange
    let id = Uuid::new_v4();
    let bytes = b"%PDF-1.4 asli".to_vec();
    store.put(id, &bytes).await.expect("stored");

    // Act
    store.put(id, b"%PDF-1.4 palsu").await.expect("overwritten");

    // Assert
    assert!(matches!(
        store.get(id, &Sha256::digest(&bytes)).await,
        Err(ReadError::Corrupt)
    ));
}

#[tokio::test]
async fn local_store_stores_reads_deletes_and_reports_missing() {
    let (store, _) = local_store();
    stores_reads_deletes(&store).await;
}

#[tokio::test]
async fn s3_store_stores_reads_deletes_and_reports_missing() {
    let moto = Moto::start().await;
    stores_reads_deletes(&s3_store(&moto.bucket().await)).await;
}

#[tokio::test]
async fn local_store_refuses_a_changed_file() {
    let (store, root) = local_store();
    refuses_a_changed_file(&store).await;

    // One byte flipped on disk is caught as well.
    let id = Uuid::new_v4();
    let bytes = b"%PDF-1.4 satu bita".to_vec();
    store.put(id, &bytes).await.expect("stored");
    let name = id.simple().to_string();
    let path = root.join(&name[..2]).join(&name);
    let mut on_disk = std::fs::read(&path).expect("the file");
    on_disk[3] ^= 0x01;
    std::fs::write(&path, on_disk).expect("damaged");
    assert!(matches!(
        store.get(id, &Sha256::digest(&bytes)).await,
        Err(ReadError::Corrupt)
    ));
}

#[tokio::test]
async fn s3_store_refuses_a_changed_file() {
    let moto = Moto::start().await;
    refuses_a_changed_file(&s3_store(&moto.bucket().await)).await;
}

#[tokio::test]
async fn a_document_goes_through_the_api_into_s3_and_back() {
    // Arrange
    let moto = Moto::start().await;
    let storage = moto.bucket().await;
    let app = spawn_app_with(|s| s.storage = storage.clone()).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let case = rsud.create_case(&intake_woman()).await.case_id();

    // Act
    let doc = upload_document(&rsud, case, "ktp", PNG).await;
    let path = format!("/api/v1/cases/{case}/documents/{doc}");
    let downloaded = rsud.get_raw(&path).await;

    // Assert
    assert_eq!(downloaded.status(), StatusCode::OK);
    let served = downloaded.bytes().await.expect("the body").to_vec();
    let sha: Vec<u8> = sqlx::query_scalar("SELECT sha256 FROM documents WHERE id = $1")
        .bind(doc)
        .fetch_one(&app.pool)
        .await
        .expect("the document's row");
    let bucket = s3_store(&storage);
    assert_eq!(bucket.get(doc, &sha).await.expect("in the bucket"), served);
    assert!(
        !app.settings
            .files_dir()
            .join(&doc.simple().to_string()[..2])
            .exists(),
        "nothing written to the local files directory"
    );

    // The object replaced behind the service's back: refused, never served.
    bucket
        .put(doc, b"BUKAN-DOKUMEN-ASLI")
        .await
        .expect("overwritten");
    let refused = rsud.get_raw(&path).await;
    assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = refused.text().await.expect("the body");
    assert!(!body.contains("BUKAN-DOKUMEN-ASLI"), "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["error"], "stored_file");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("Berkas dokumen rusak")),
        "{body}"
    );
}

#[tokio::test]
async fn a_damaged_local_file_is_refused_on_the_case_page_and_in_the_api() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let case = rsud.create_case(&intake_woman()).await.case_id();
    let doc = upload_document(&rsud, case, "ktp", PNG).await;
    let name = doc.simple().to_string();
    let path = app.settings.files_dir().join(&name[..2]).join(&name);
    let mut on_disk = std::fs::read(&path).expect("the stored file");
    let last = on_disk.len() - 1;
    on_disk[last] ^= 0xFF;
    std::fs::write(&path, &on_disk).expect("damaged");

    // Act
    let api = rsud
        .get_raw(&format!("/api/v1/cases/{case}/documents/{doc}"))
        .await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let page = app
        .get(&client, &format!("/kasus/{case}/dokumen/{doc}"))
        .await;

    // Assert
    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = api.json().await.expect("JSON");
    assert_eq!(body["error"], "stored_file");
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = page.text().await.expect("the page");
    assert!(html.contains("Berkas dokumen rusak"), "{html}");
    assert!(html.contains("checksum SHA-256 tidak cocok"), "{html}");
}
