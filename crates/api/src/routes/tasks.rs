//! MiniMax's two operations: create a task, query a task.

use crate::auth::authenticate;
use crate::reply::{self, BaseResp};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use videoagent_blob::inputs_prefix;
use videoagent_core::ids::is_valid_task_id;
use videoagent_core::validate::{validate_create, MediaValue};
use videoagent_core::{now_ms, ApiError, ErrorCode, MediaRef, TaskInputs, TaskStatus};
use videoagent_fetch::check_url_at_create;
use videoagent_store::NewTask;

/// Request body of create (for the OpenAPI document; parsing is done by hand
/// so every problem gets a precise message).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"template_id": "393769180141805569", "media_inputs": [{"value": "https://cdn.example.com/pet.jpeg"}], "text_inputs": [{"value": "狮子"}]}))]
pub struct VideoTemplateGenerationReq {
    /// Template ID (18 digits).
    pub template_id: String,
    pub text_inputs: Option<Vec<TextInput>>,
    pub media_inputs: Option<Vec<MediaInput>>,
    /// Receives a challenge, then a POST on every status change.
    pub callback_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TextInput {
    pub value: String,
}

/// An image as an http(s) URL or a `data:image/...;base64,` URL: JPG/PNG/WebP,
/// under 20 MB, short side > 300 px, aspect ratio 2:5..5:2.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaInput {
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VideoTemplateGenerationResp {
    /// Present only when `base_resp.status_code` is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub base_resp: BaseResp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueryVideoTemplateGenerationTaskResp {
    pub task_id: String,
    #[schema(value_type = VideoProcessStatus)]
    pub status: String,
    /// MP4 download URL, valid 9 hours; only on `Success`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    #[schema(value_type = QueryBaseResp)]
    pub base_resp: BaseResp,
}

/// Task status: Preparing = accepted, inputs being prepared; Processing =
/// rendering; Success = done; Fail = failed (the cause is in `base_resp`).
#[derive(ToSchema)]
#[allow(dead_code)] // schema only: the wire value comes from `TaskStatus::as_str`
pub enum VideoProcessStatus {
    Preparing,
    Processing,
    Success,
    Fail,
}

/// `base_resp` of the query response (same shape as `BaseResp`; MiniMax names it separately).
#[derive(ToSchema)]
#[allow(dead_code)] // schema only
pub struct QueryBaseResp {
    pub status_code: i32,
    pub status_msg: String,
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mt| mt.trim().eq_ignore_ascii_case("application/json"))
}

#[utoipa::path(
    post, path = "/v1/video_template_generation", operation_id = "videoTemplateGeneration", tag = "Video",
    request_body = VideoTemplateGenerationReq,
    responses((status = 200, description = "Task created (status_code 0) or rejected (non-zero status_code)", body = VideoTemplateGenerationResp)),
    security(("bearerAuth" = []))
)]
pub async fn create_task(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let caller = match authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if !is_json(&headers) {
        return reply::error(&ApiError::invalid("Content-Type must be application/json"));
    }
    let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => {
            let msg = if is_length_limit(&e) { "request body too large" } else { "could not read request body" };
            return reply::error(&ApiError::invalid(msg));
        }
    };
    // On a blocking thread: a few KB of Base64 can hold a many-megapixel image,
    // and decoding (or waiting for a large-decode slot) must never stall the runtime.
    let st = state.clone();
    let prepared = match tokio::task::spawn_blocking(move || prepare(&st, &bytes)).await {
        Ok(r) => r,
        Err(e) => return reply::internal(ErrorCode::Internal, e),
    };
    let (template_id, texts, media, callback_url) = match prepared {
        Ok(p) => p,
        Err(e) => return reply::error(&e),
    };

    let id = state.ids.next_id();
    let mut refs = Vec::with_capacity(media.len());
    for (i, m) in media.into_iter().enumerate() {
        match m {
            Prepared::Url(u) => refs.push(MediaRef::Url(u)),
            Prepared::Bytes(b) => {
                // Input bytes are durable before the task row that points at them.
                let key = format!("{}/{i}", inputs_prefix(&id));
                if let Err(e) = state.blobs.put_bytes(&key, &b).await {
                    let _ = state.blobs.delete_prefix(&inputs_prefix(&id)).await;
                    return reply::internal(ErrorCode::ServiceUnavailable, e);
                }
                refs.push(MediaRef::Blob(key));
            }
        }
    }
    let now = now_ms();
    let task = NewTask {
        id: id.clone(),
        account_id: caller.account_id,
        template_id,
        inputs: TaskInputs { texts, media: refs },
        callback_url,
        created_at: now,
    };
    if let Err(e) = state.store.insert_task(&task).await {
        let _ = state.blobs.delete_prefix(&inputs_prefix(&id)).await;
        return reply::internal(ErrorCode::SystemError, e);
    }
    tracing::info!(task_id = %id, template_id = %task.template_id, "task created");
    metrics::counter!("videoagent_tasks_created_total").increment(1);
    state.wake.notify_waiters();
    reply::json(StatusCode::OK, 0, VideoTemplateGenerationResp { task_id: Some(id), base_resp: BaseResp::success() })
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

enum Prepared {
    Url(String),
    Bytes(Vec<u8>),
}

type PreparedTask = (String, Vec<String>, Vec<Prepared>, Option<String>);

/// Validation that needs no network: the body, then each URL's host and each data-URL image.
fn prepare(state: &AppState, body: &[u8]) -> Result<PreparedTask, ApiError> {
    let req = validate_create(body, &state.catalogue)?;
    let allow_private = state.config.allow_private_hosts;
    let mut media = Vec::with_capacity(req.media.len());
    for (i, m) in req.media.into_iter().enumerate() {
        match m {
            MediaValue::Url(u) => {
                check_url_at_create(&u, allow_private)
                    .map_err(|e| ApiError::invalid(format!("media_inputs[{i}]: {e}")))?;
                media.push(Prepared::Url(u.to_string()));
            }
            MediaValue::Data { bytes, .. } => {
                videoagent_media::decode(&bytes, &state.config.image_rules)
                    .map_err(|e| ApiError::invalid(format!("media_inputs[{i}]: {e}")))?;
                media.push(Prepared::Bytes(bytes));
            }
        }
    }
    if let Some(cb) = &req.callback_url {
        check_url_at_create(cb, allow_private).map_err(|e| ApiError::invalid(format!("callback_url: {e}")))?;
    }
    Ok((req.template.id.clone(), req.texts, media, req.callback_url.map(|u| u.to_string())))
}

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    task_id: Option<String>,
}

#[utoipa::path(
    get, path = "/v1/query/video_template_generation", operation_id = "queryVideoTemplateGenerationTask", tag = "Video",
    params(("task_id" = String, Query, description = "ID of a task created under the caller's account", example = "401047179385389059")),
    responses((status = 200, description = "Task state (status_code 0) or an error in base_resp", body = QueryVideoTemplateGenerationTaskResp)),
    security(("bearerAuth" = []))
)]
pub async fn query_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<TaskQuery>, QueryRejection>,
) -> Response {
    let caller = match authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let task_id = query.ok().and_then(|Query(q)| q.task_id).unwrap_or_default();
    let task_id = task_id.trim();
    if task_id.is_empty() {
        return reply::error(&ApiError::invalid("task_id is required"));
    }
    if !is_valid_task_id(task_id) {
        return reply::error(&ApiError::task_not_found());
    }
    let now = now_ms();
    let created_after = now - state.config.retention.as_millis() as i64;
    let task = match state.store.get_task(caller.account_id, task_id, created_after).await {
        Ok(Some(t)) => t,
        Ok(None) => return reply::error(&ApiError::task_not_found()),
        Err(e) => return reply::internal(ErrorCode::SystemError, e),
    };
    let (video_url, base_resp) = match task.status {
        TaskStatus::Success => {
            let expires = now / 1000 + state.config.video_url_ttl.as_secs() as i64;
            (Some(state.signer.video_url(&task.id, expires)), BaseResp::success())
        }
        TaskStatus::Fail => {
            let code = task.error_code.filter(|c| *c != 0).unwrap_or(ErrorCode::Unknown.code());
            let msg = task.error_msg.clone().unwrap_or_else(|| ErrorCode::Unknown.message().into());
            (None, BaseResp { status_code: code, status_msg: msg })
        }
        _ => (None, BaseResp::success()),
    };
    let code = base_resp.status_code;
    reply::json(
        StatusCode::OK,
        code,
        QueryVideoTemplateGenerationTaskResp {
            task_id: task.id,
            status: task.status.as_str().into(),
            video_url,
            base_resp,
        },
    )
}
