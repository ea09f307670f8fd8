//! Signed video downloads: no key, real HTTP codes, Range support.

use crate::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use videoagent_blob::video_key;
use videoagent_core::ids::is_valid_task_id;

#[derive(Deserialize)]
pub struct Signature {
    expires: Option<i64>,
    sig: Option<String>,
}

pub async fn download_video(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<Signature>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Response {
    let Some(task_id) = file.strip_suffix(".mp4").filter(|id| is_valid_task_id(id)) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // A malformed query string is a bad signature too (403), not a 400.
    let Ok(Query(q)) = query else {
        return (StatusCode::FORBIDDEN, "bad signature").into_response();
    };
    let (Some(expires), Some(sig)) = (q.expires, q.sig) else {
        return (StatusCode::FORBIDDEN, "missing signature").into_response();
    };
    let now = videoagent_core::now_ms() / 1000;
    if let Err(e) = state.signer.verify(task_id, expires, &sig, now) {
        return (StatusCode::FORBIDDEN, e.to_string()).into_response();
    }
    let Some(path) = state.blobs.local_path(&video_key(task_id)) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return (StatusCode::NOT_FOUND, "video deleted").into_response();
    }
    // ServeFile answers Range requests (206) and sets Content-Type from the extension.
    match tower_http::services::ServeFile::new_with_mime(&path, &"video/mp4".parse().expect("valid mime"))
        .oneshot(req)
        .await
    {
        Ok(resp) => resp.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
