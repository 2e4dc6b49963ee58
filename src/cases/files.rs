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

    /// Stores bytes under `id` (written to a temporary file, then renamed).
    pub async fn put(&self, id: Uuid, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(id);
        let dir = path.parent().context("file path has no parent")?;
        tokio::fs::create_dir_all(dir).await?;
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, bytes).await?;
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
