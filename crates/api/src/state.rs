use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use videoagent_blob::{BlobStore, UrlSigner};
use videoagent_core::ids::IdGenerator;
use videoagent_core::Catalogue;
use videoagent_media::ImageRules;
use videoagent_store::Store;

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Development switch: accept loopback/private hosts in media and callback URLs.
    pub allow_private_hosts: bool,
    /// How long tasks and videos are kept after creation.
    pub retention: Duration,
    /// Lifetime of each issued `video_url`.
    pub video_url_ttl: Duration,
    pub image_rules: ImageRules,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            allow_private_hosts: false,
            retention: Duration::from_secs(7 * 24 * 3600),
            video_url_ttl: Duration::from_secs(9 * 3600),
            image_rules: ImageRules::default(),
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub signer: Arc<UrlSigner>,
    pub catalogue: Arc<Catalogue>,
    pub ids: Arc<IdGenerator>,
    /// Wakes idle workers in this process when a task is created.
    pub wake: Arc<Notify>,
    pub metrics: Option<PrometheusHandle>,
    pub config: Arc<ApiConfig>,
}
