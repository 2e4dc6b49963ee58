//! Document storage behind one interface, [`FileStore`]: every place that stores, reads or
//! removes a document's file goes through it. Two backends, chosen by settings
//! (`MERAJUT_STORAGE`):
//!
//! - `local` (default): files under `<data-dir>/files/<2 hex>/<id>`, modes 0600/0700, written to
//!   a temporary name in the same directory, fsynced, renamed, and the directory fsynced, so a
//!   crash leaves either the whole file or none.
//! - `s3`: objects `<2 hex>/<id>` in an S3-compatible bucket (`object_store`); an S3 PUT is
//!   atomic by itself.
//!
//! Files are named by a generated id, never by a user-supplied name. The SHA-256 of each file is
//! kept in the database with its row (`documents.sha256`, `pending_uploads.sha256`, both written
//! since the first upload, so there is nothing to backfill) and [`FileStore::get`] checks it on
//! every read: a file that does not match is never served.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use futures_util::StreamExt;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{StorageKind, StorageSettings};

/// Why a stored file could not be read. The messages are for the user (who cannot fix it; an
/// operator restores the file from a backup).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No file under this id.
    #[error(
        "Berkas dokumen tidak ditemukan di penyimpanan. Laporkan kepada admin: berkas perlu \
         dipulihkan dari cadangan."
    )]
    Missing,
    /// The bytes do not match the checksum kept with the file's row.
    #[error(
        "Berkas dokumen rusak (checksum SHA-256 tidak cocok) sehingga tidak ditampilkan. \
         Laporkan kepada admin: berkas perlu dipulihkan dari cadangan."
    )]
    Corrupt,
    /// The storage could not be reached or read (disk, network).
    #[error(transparent)]
    Unavailable(#[from] anyhow::Error),
}

/// Where document files live; cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Local {
        root: PathBuf,
    },
    S3 {
        store: Arc<AmazonS3>,
        bucket: String,
    },
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl From<&PathBuf> for FileStore {
    fn from(root: &PathBuf) -> Self {
        FileStore::new(root.clone())
    }
}

impl FileStore {
    /// A local store rooted at `root` (`<data-dir>/files`).
    pub fn new(root: PathBuf) -> Self {
        FileStore {
            backend: Backend::Local { root },
        }
    }

    /// The store the settings name: local files under `files_dir`, or the S3 bucket. Checks
    /// the S3 settings but does not contact the store.
    pub fn from_settings(settings: &StorageSettings, files_dir: PathBuf) -> anyhow::Result<Self> {
        match settings.kind {
            StorageKind::Local => Ok(FileStore::new(files_dir)),
            StorageKind::S3 => {
                let bucket = settings
                    .s3_bucket
                    .clone()
                    .filter(|b| !b.trim().is_empty())
                    .context("MERAJUT_STORAGE=s3 needs MERAJUT_S3_BUCKET (the bucket's name)")?;
                // The usual AWS_* variables first (keys, session token), the settings over them.
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&bucket)
                    .with_region(&settings.s3_region);
                if let Some(endpoint) = &settings.s3_endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(key) = &settings.s3_access_key_id {
                    builder = builder.with_access_key_id(key.expose());
                }
                if let Some(secret) = &settings.s3_secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                let store = builder
                    .build()
                    .context("the S3 storage settings (MERAJUT_S3_*) are not usable")?;
                Ok(FileStore {
                    backend: Backend::S3 {
                        store: Arc::new(store),
                        bucket,
                    },
                })
            }
        }
    }

    /// Which store this is, for logs and messages (no credentials).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local { root } => format!("local files in {}", root.display()),
            Backend::S3 { bucket, .. } => format!("S3 bucket {bucket}"),
        }
    }

    /// The file's name relative to the store: `<first two hex digits>/<id as 32 hex digits>`.
    fn name(id: Uuid) -> String {
        let name = id.simple().to_string();
        format!("{}/{name}", &name[..2])
    }

    fn local_path(root: &Path, id: Uuid) -> PathBuf {
        root.join(Self::name(id))
    }

    fn object_path(id: Uuid) -> object_store::path::Path {
        object_store::path::Path::from(Self::name(id))
    }

    /// Stores `bytes` under `id`, durably: when this returns, the whole file is stored.
    pub async fn put(&self, id: Uuid, bytes: &[u8]) -> anyhow::Result<()> {
        match &self.backend {
            Backend::Local { root } => put_local(root, &Self::local_path(root, id), bytes)
                .await
                .with_context(|| format!("storing file {id}")),
            Backend::S3 { store, .. } => {
                store
                    .put(&Self::object_path(id), bytes.to_vec().into())
                    .await
                    .with_context(|| format!("storing file {id} in S3"))?;
                Ok(())
            }
        }
    }

    /// The bytes stored under `id`, if their SHA-256 is `sha256` (the checksum kept with the
    /// file's row). A mismatch is logged (the id only) and answered [`ReadError::Corrupt`].
    pub async fn get(&self, id: Uuid, sha256: &[u8]) -> Result<Vec<u8>, ReadError> {
        let bytes = self.read(id).await?.ok_or(ReadError::Missing)?;
        if Sha256::digest(&bytes).as_slice() != sha256 {
            tracing::error!(
                file = %id,
                storage = %self.describe(),
                "stored file fails its SHA-256 check: not served (restore it from a backup)"
            );
            return Err(ReadError::Corrupt);
        }
        Ok(bytes)
    }

    /// The bytes under `id` as stored, unchecked; `None` when there is no such file.
    async fn read(&self, id: Uuid) -> anyhow::Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Local { root } => match tokio::fs::read(Self::local_path(root, id)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(anyhow::Error::new(e).context(format!("reading file {id}"))),
            },
            Backend::S3 { store, .. } => match store.get(&Self::object_path(id)).await {
                Ok(got) => Ok(Some(
                    got.bytes()
                        .await
                        .with_context(|| format!("reading file {id} from S3"))?
                        .to_vec(),
                )),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(anyhow::Error::new(e).context(format!("reading file {id} from S3"))),
            },
        }
    }

    /// Removes the file under `id` (after a failed transaction, a replaced upload, the end of
    /// the retention period). A file already gone is fine; another failure is logged, since
    /// the callers have nothing better to do with it.
    pub async fn delete(&self, id: Uuid) {
        let result = match &self.backend {
            Backend::Local { root } => {
                match tokio::fs::remove_file(Self::local_path(root, id)).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                    _ => Ok(()),
                }
            }
            Backend::S3 { store, .. } => match store.delete(&Self::object_path(id)).await {
                Err(e) if !matches!(e, object_store::Error::NotFound { .. }) => Err(e.into()),
                _ => Ok(()),
            },
        };
        if let Err(e) = result {
            let e: anyhow::Error = e;
            tracing::warn!(file = %id, error = %e, "could not remove a stored file");
        }
    }

    /// Whether the store holds no file at all (a restore goes only into an empty one).
    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        match &self.backend {
            Backend::Local { root } => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || holds_no_file(&root)).await?
            }
            Backend::S3 { store, bucket } => match store.list(None).next().await {
                None => Ok(true),
                Some(Ok(_)) => Ok(false),
                Some(Err(e)) => {
                    Err(anyhow::Error::new(e).context(format!("listing the S3 bucket {bucket}")))
                }
            },
        }
    }
}

/// Writes `bytes` to `path` through a temporary name in the same directory: the file fsynced,
/// renamed over, the directory fsynced (and its parent when the directory is new), so that a
/// crash at any point leaves either the whole file or none under `path`.
async fn put_local(root: &Path, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;

    let dir = path
        .parent()
        .context("file path has no parent")?
        .to_path_buf();
    let new_dir = !tokio::fs::try_exists(&dir).await.unwrap_or(false);
    let mut dirs = tokio::fs::DirBuilder::new();
    dirs.recursive(true).mode(0o700);
    dirs.create(&dir).await?;
    let tmp = dir.join(format!(
        ".{}.{}.part",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        Uuid::new_v4().simple()
    ));
    let written = async {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e.into());
    }
    sync_dir(dir).await?;
    if new_dir {
        sync_dir(root.to_path_buf()).await?;
    }
    Ok(())
}

/// fsync of a directory: makes a rename or a new entry in it durable.
async fn sync_dir(dir: PathBuf) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await?
        .context("syncing the files directory")
}

/// True when `root` is absent or holds directories only (no file at any depth).
fn holds_no_file(root: &Path) -> anyhow::Result<bool> {
    if !root.exists() {
        return Ok(true);
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                pending.push(entry.path());
            } else {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn documents_are_private_to_the_service_user() {
        let root = std::env::temp_dir().join(format!("merajut-files-{}", Uuid::new_v4()));
        let store = FileStore::new(root.clone());
        let id = Uuid::new_v4();
        store.put(id, b"%PDF-1.4").await.expect("stored");
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        let path = FileStore::local_path(&root, id);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("a directory")), 0o700);
        let sha = Sha256::digest(b"%PDF-1.4");
        assert_eq!(store.get(id, &sha).await.expect("read back"), b"%PDF-1.4");
        // Only the file itself in its directory: the temporary name is gone.
        let entries = std::fs::read_dir(path.parent().expect("a directory"))
            .expect("listed")
            .count();
        assert_eq!(entries, 1);
        let _ = std::fs::remove_dir_all(root);
    }
}
