//! Document storage behind one small interface: files on disk under the data directory, named
//! by a generated id (never by a user-supplied name). An S3-compatible store can replace it.

use std::path::PathBuf;

use anyhow::Context;
use uuid::Uuid;

/// Where document files live.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// A store rooted at `root` (`<data-dir>/files`).
    pub fn new(root: PathBuf) -> Self {
        FileStore { root }
    }

    fn path(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root.join(&name[..2]).join(name)
    }

    /// Stores bytes under `id` (written to a temporary file, then renamed). Directories and
    /// files are readable by the service's own user only: they hold ID-card photos.
    pub async fn put(&self, id: Uuid, bytes: &[u8]) -> anyhow::Result<()> {
        use tokio::io::AsyncWriteExt;

        let path = self.path(id);
        let dir = path.parent().context("file path has no parent")?;
        let mut dirs = tokio::fs::DirBuilder::new();
        dirs.recursive(true).mode(0o700);
        dirs.create(dir).await?;
        let tmp = path.with_extension("part");
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// Reads the bytes stored under `id`.
    pub async fn get(&self, id: Uuid) -> anyhow::Result<Vec<u8>> {
        tokio::fs::read(self.path(id))
            .await
            .with_context(|| format!("reading document {id}"))
    }

    /// Removes a file (after a failed transaction).
    pub async fn delete(&self, id: Uuid) {
        let _ = tokio::fs::remove_file(self.path(id)).await;
    }
}

/// The content type of an accepted upload, judged by its first bytes (not by its name or the
/// browser's claim): JPEG, PNG or PDF.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
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
        let path = store.path(id);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("a directory")), 0o700);
        assert_eq!(store.get(id).await.expect("read back"), b"%PDF-1.4");
        let _ = std::fs::remove_dir_all(root);
    }
}
