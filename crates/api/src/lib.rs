//! The HTTP layer: MiniMax's wire format (create, query), signed video
//! downloads, health, metrics and the OpenAPI document. It validates and
//! stores; it never renders.

mod auth;
pub mod error;
mod openapi;
mod reply;
mod routes;
mod state;
mod trace;

pub use openapi::ApiDoc;
pub use state::{ApiConfig, AppState};

use axum::routing::{get, post};
use axum::Router;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/video_template_generation", post(routes::tasks::create_task))
        .route("/v1/query/video_template_generation", get(routes::tasks::query_task))
        .route("/files/videos/{file}", get(routes::files::download_video))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(reply::unknown_endpoint_404)
        .method_not_allowed_fallback(reply::unknown_endpoint_405)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(reply::panic_to_internal_error))
        .layer(axum::middleware::from_fn(trace::trace_and_measure))
        .with_state(state)
}
