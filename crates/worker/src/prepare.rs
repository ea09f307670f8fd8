//! Inputs of a task: download URL images once, check them, keep their bytes
//! with the task (so a retry never depends on the remote host again), decode.

use image::RgbImage;
use std::collections::HashMap;
use videoagent_blob::{inputs_prefix, BlobStore};
use videoagent_core::validate::media_error;
use videoagent_core::{ApiError, MediaRef, TaskInputs};
use videoagent_fetch::Fetcher;
use videoagent_media::ImageRules;

/// Turns every `MediaRef::Url` into a stored `MediaRef::Blob`.
pub async fn store_remote_inputs(
    task_id: &str,
    inputs: &TaskInputs,
    fetcher: &Fetcher,
    blobs: &dyn BlobStore,
    rules: &ImageRules,
) -> Result<TaskInputs, PrepareError> {
    let mut out = inputs.clone();
    let mut fetched: HashMap<&str, String> = HashMap::new();
    for (i, media) in inputs.media.iter().enumerate() {
        let MediaRef::Url(raw) = media else { continue };
        if let Some(key) = fetched.get(raw.as_str()) {
            out.media[i] = MediaRef::Blob(key.clone());
            continue;
        }
        let invalid = |detail: String| PrepareError::Input(media_error(i, detail));
        let url = url::Url::parse(raw).map_err(|_| invalid("invalid URL".into()))?;
        let bytes = fetcher.get_bytes(&url).await.map_err(|e| invalid(e.to_string()))?;
        videoagent_media::check(&bytes, rules).map_err(|e| invalid(e.to_string()))?;
        let key = format!("{}/{i}", inputs_prefix(task_id));
        blobs.put_bytes(&key, &bytes).await.map_err(|e| PrepareError::Internal(e.to_string()))?;
        fetched.insert(raw, key.clone());
        out.media[i] = MediaRef::Blob(key);
    }
    Ok(out)
}

/// Loads and strictly decodes every (stored) input image.
pub async fn load_images(
    inputs: &TaskInputs,
    blobs: &dyn BlobStore,
    rules: ImageRules,
) -> Result<Vec<RgbImage>, PrepareError> {
    let mut images = Vec::with_capacity(inputs.media.len());
    for (i, media) in inputs.media.iter().enumerate() {
        let MediaRef::Blob(key) = media else {
            return Err(PrepareError::Internal(format!("media_inputs[{i}] was not prepared")));
        };
        let bytes = blobs.get_bytes(key).await.map_err(|e| PrepareError::Internal(e.to_string()))?;
        let img = tokio::task::spawn_blocking(move || videoagent_media::decode(&bytes, &rules))
            .await
            .map_err(|e| PrepareError::Internal(e.to_string()))?
            .map_err(|e| PrepareError::Input(media_error(i, e)))?;
        images.push(img);
    }
    Ok(images)
}

#[derive(Debug)]
pub enum PrepareError {
    /// The user's input is at fault: the task fails with this error.
    Input(ApiError),
    /// Our side failed (storage): the task is retried.
    Internal(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use videoagent_blob::LocalBlobStore;
    use videoagent_fetch::FetchConfig;

    /// Serves one image on loopback and counts requests.
    async fn image_server(bytes: Vec<u8>) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/photo.jpg", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = bytes.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = sock.read(&mut buf).await;
                    let head =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&body).await;
                });
            }
        });
        (url, hits)
    }

    #[tokio::test]
    async fn identical_urls_are_fetched_once_and_stored() {
        let photo =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/images/short_side_301.jpg"))
                .unwrap();
        let (url, hits) = image_server(photo.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobStore::new(dir.path()).unwrap();
        let fetcher = Fetcher::new(FetchConfig { allow_private: true, ..FetchConfig::default() }).unwrap();
        let inputs = TaskInputs { texts: vec![], media: vec![MediaRef::Url(url.clone()), MediaRef::Url(url)] };
        let stored =
            store_remote_inputs("100000000000000001", &inputs, &fetcher, &blobs, &ImageRules::default()).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(stored.media[0], stored.media[1]);
        let MediaRef::Blob(key) = &stored.media[0] else { panic!("not stored: {stored:?}") };
        assert_eq!(blobs.get_bytes(key).await.unwrap(), photo);
        let images = load_images(&stored, &blobs, ImageRules::default()).await.unwrap();
        assert_eq!(images.len(), 2);
    }
}
