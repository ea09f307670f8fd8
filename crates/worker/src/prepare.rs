//! Inputs of a task: download URL images once, check them, keep their bytes
//! with the task (so a retry never depends on the remote host again), decode.

use image::RgbImage;
use std::collections::HashMap;
use videoagent_blob::{inputs_prefix, BlobStore};
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
        let invalid = |detail: String| PrepareError::Input(ApiError::invalid(format!("media_inputs[{i}]: {detail}")));
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
            .map_err(|e| PrepareError::Input(ApiError::invalid(format!("media_inputs[{i}]: {e}"))))?;
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
