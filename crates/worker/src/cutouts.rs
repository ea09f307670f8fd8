//! The subjects cut out of a task's images: made once while the task is
//! `Preparing`, stored beside its inputs (`<inputs prefix>/<slot>.cutout.png`),
//! and read back on every later attempt, so a retry or a restart never
//! recomputes one (nor gets a different one).

use crate::prepare::PrepareError;
use image::{GrayImage, RgbImage};
use std::sync::{Arc, OnceLock};
use videoagent_blob::{inputs_prefix, BlobError, BlobStore};
use videoagent_cutout::{Cutout, Cutter, DEFAULT_MAX_SIDE};

/// The cut-out model, loaded on first use (about 0.1 s) and shared by the
/// process's workers.
#[derive(Default)]
pub struct SubjectCutter {
    cutter: OnceLock<Option<Cutter>>,
}

impl SubjectCutter {
    pub fn new() -> SubjectCutter {
        SubjectCutter::default()
    }

    /// The loaded model; `None` (logged once) when it failed to load, so
    /// templates fall back to their framed photo.
    fn get(&self) -> Option<&Cutter> {
        self.cutter
            .get_or_init(|| match Cutter::load() {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::error!(error = %e, "cut-out model failed to load; templates show framed photos");
                    None
                }
            })
            .as_ref()
    }
}

/// Where slot `slot`'s cut-out of task `task_id` is stored.
pub fn cutout_key(task_id: &str, slot: usize) -> String {
    format!("{}/{slot}.cutout.png", inputs_prefix(task_id))
}

/// The cut-outs of `slots` (the others `None`): each read from storage, or
/// made and stored when `make` is set (the task is `Preparing`, or it was
/// never stored). Only confident cut-outs are given to the renderer; a
/// weak one is `None` (the template's framed photo), logged with its figures.
pub async fn cutouts(
    task_id: &str,
    images: &[RgbImage],
    slots: &[usize],
    cutter: &Arc<SubjectCutter>,
    blobs: &dyn BlobStore,
) -> Result<Vec<Option<GrayImage>>, PrepareError> {
    let mut out = vec![None; images.len()];
    for &slot in slots {
        let Some(image) = images.get(slot) else { continue };
        let key = cutout_key(task_id, slot);
        let cut = match blobs.get_bytes(&key).await {
            Ok(png) => match Cutout::from_png(&png) {
                Ok(cut) => cut,
                Err(e) => return Err(PrepareError::Internal(format!("stored cut-out {key}: {e}"))),
            },
            Err(BlobError::NotFound(_)) => {
                let (cutter, image) = (cutter.clone(), image.clone());
                let made = tokio::task::spawn_blocking(move || {
                    // A build without the model has nothing to cut with: every template frames its photo.
                    cutter.get().filter(|c| c.has_model()).map(|c| c.cut(&image, DEFAULT_MAX_SIDE))
                })
                .await
                .map_err(|e| PrepareError::Internal(e.to_string()))?;
                let cut = match made {
                    Some(Ok(cut)) => cut,
                    Some(Err(e)) => {
                        tracing::warn!(slot, error = %e, "no cut-out; the template shows the framed photo");
                        continue;
                    }
                    None => continue,
                };
                let png = cut.to_png().map_err(|e| PrepareError::Internal(e.to_string()))?;
                blobs.put_bytes(&key, &png).await.map_err(|e| PrepareError::Internal(e.to_string()))?;
                cut
            }
            Err(e) => return Err(PrepareError::Internal(e.to_string())),
        };
        let a = &cut.analysis;
        if a.verdict.is_subject() {
            out[slot] = Some(cut.alpha);
        } else {
            tracing::info!(slot, verdict = %a.verdict, coverage = a.coverage, confidence = a.confidence, blobs = a.blobs,
                "weak cut-out; the template shows the framed photo");
        }
    }
    Ok(out)
}
