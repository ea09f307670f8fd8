//! Retention: deletes finished tasks past their retention time, then their files.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use videoagent_blob::{inputs_prefix, BlobStore};
use videoagent_store::Store;

pub async fn run_sweeper(
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    retention: Duration,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        loop {
            // The row goes first: a file never outlives its task's visibility.
            let cutoff = videoagent_core::now_ms() - retention.as_millis() as i64;
            match store.delete_expired(cutoff, 200).await {
                Ok(gone) => {
                    for task in &gone {
                        if let Some(key) = &task.video_key {
                            if let Err(e) = blobs.delete(key).await {
                                tracing::warn!(task_id = %task.id, error = %e, "could not delete expired video");
                            }
                        }
                        if let Err(e) = blobs.delete_prefix(&inputs_prefix(&task.id)).await {
                            tracing::warn!(task_id = %task.id, error = %e, "could not delete expired inputs");
                        }
                    }
                    if !gone.is_empty() {
                        tracing::info!(count = gone.len(), "deleted expired tasks");
                        metrics::counter!("videoagent_tasks_expired_total").increment(gone.len() as u64);
                    }
                    if gone.len() < 200 {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "retention sweep failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
