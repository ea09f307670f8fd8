use crate::{BlobError, BlobStore};
use async_trait::async_trait;
use std::path::{Component, Path, PathBuf};

/// Blobs as files under one directory.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join(".tmp"))?;
        Ok(LocalBlobStore { root })
    }

    /// Maps a key to a path, refusing anything that could leave the root.
    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let rel = Path::new(key);
        let ok = !key.is_empty()
            && rel
                .components()
                .all(|c| matches!(c, Component::Normal(s) if s.to_str().is_some_and(|s| !s.starts_with('.'))));
        if !ok {
            return Err(BlobError::InvalidKey(key.to_string()));
        }
        Ok(self.root.join(rel))
    }

    fn io(key: &str) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
        move |source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                BlobError::NotFound(key.to_string())
            } else {
                BlobError::Io { key: key.to_string(), source }
            }
        }
    }

    /// Runs blocking file work (writes, fsync) off the async runtime.
    async fn blocking(key: &str, work: impl FnOnce() -> std::io::Result<()> + Send + 'static) -> Result<(), BlobError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| BlobError::Io { key: key.to_string(), source: std::io::Error::other(e) })?
            .map_err(Self::io(key))
    }

    async fn ensure_parent(path: &Path, key: &str) -> Result<(), BlobError> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(Self::io(key))?;
        }
        Ok(())
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path(key)?;
        Self::ensure_parent(&path, key).await?;
        let tmp = self.scratch_dir().join(format!("put-{}", unique_suffix()));
        let bytes = bytes.to_vec();
        let tmp2 = tmp.clone();
        // The data must be on disk before the task row is.
        Self::blocking(key, move || {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp2)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .await?;
        tokio::fs::rename(&tmp, &path).await.map_err(Self::io(key))
    }

    async fn put_file(&self, key: &str, file: &Path) -> Result<(), BlobError> {
        let path = self.path(key)?;
        Self::ensure_parent(&path, key).await?;
        // On disk before it is renamed in (and before the task row says Success).
        let synced = file.to_path_buf();
        Self::blocking(key, move || std::fs::File::open(&synced)?.sync_all()).await?;
        tokio::fs::rename(file, &path).await.map_err(Self::io(key))
    }

    async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        tokio::fs::read(self.path(key)?).await.map_err(Self::io(key))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(BlobError::Io { key: key.to_string(), source: e })
            }
            _ => Ok(()),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(BlobError::Io { key: prefix.to_string(), source: e })
            }
            _ => Ok(()),
        }
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path(key).ok()
    }

    fn scratch_dir(&self) -> PathBuf {
        self.root.join(".tmp")
    }
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_and_key_safety() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalBlobStore::new(dir.path()).unwrap();
        s.put_bytes("inputs/1/0", b"abc").await.unwrap();
        assert_eq!(s.get_bytes("inputs/1/0").await.unwrap(), b"abc");
        let f = s.scratch_dir().join("v");
        std::fs::write(&f, b"mp4").unwrap();
        s.put_file("videos/1.mp4", &f).await.unwrap();
        assert!(s.local_path("videos/1.mp4").unwrap().exists());
        s.delete("videos/1.mp4").await.unwrap();
        s.delete("videos/1.mp4").await.unwrap();
        assert!(matches!(s.get_bytes("videos/1.mp4").await, Err(BlobError::NotFound(_))));
        s.delete_prefix("inputs/1").await.unwrap();
        assert!(!dir.path().join("inputs/1").exists());
        for bad in ["../x", "/etc/passwd", "a/../../b", "", ".tmp/x"] {
            assert!(matches!(s.put_bytes(bad, b"x").await, Err(BlobError::InvalidKey(_))), "{bad}");
        }
    }
}
