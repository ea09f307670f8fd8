//! Where videos and input images live ([`BlobStore`]: a local directory now,
//! S3-compatible stores later) and how download URLs are signed ([`UrlSigner`]).

mod local;
mod signing;

pub use local::LocalBlobStore;
pub use signing::{SignatureError, UrlSigner};

use async_trait::async_trait;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("invalid blob key {0:?}")]
    InvalidKey(String),
    #[error("blob I/O on {key}: {source}")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
}

/// Keys are relative paths such as `videos/<task_id>.mp4` or `inputs/<task_id>/0`.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, atomically replacing any previous value.
    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    /// Moves a finished local file in under `key` (renders write to a temp
    /// file first). Like `put_bytes`, the blob is durable when this returns.
    async fn put_file(&self, key: &str, file: &Path) -> Result<(), BlobError>;
    async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    /// Deletes one blob; deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Deletes every blob under `prefix/`.
    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError>;
    /// A local file path for `key`, when the store is a local directory (served with Range support).
    fn local_path(&self, key: &str) -> Option<PathBuf>;
    /// A scratch directory on the same filesystem, for files later given to `put_file`.
    fn scratch_dir(&self) -> PathBuf;
}

/// Blob key of a task's video.
pub fn video_key(task_id: &str) -> String {
    format!("videos/{task_id}.mp4")
}

/// Blob key prefix of a task's stored input images.
pub fn inputs_prefix(task_id: &str) -> String {
    format!("inputs/{task_id}")
}
