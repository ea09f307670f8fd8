//! What a task carries from create to render.

use serde::{Deserialize, Serialize};

/// Where one media input's bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MediaRef {
    /// A remote image, downloaded by the worker while the task is `Preparing`.
    Url(String),
    /// Bytes already in the blob store (data URLs, or a URL downloaded earlier).
    Blob(String),
}

/// The validated inputs of a task, stored as JSON with the task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInputs {
    pub texts: Vec<String>,
    pub media: Vec<MediaRef>,
}
