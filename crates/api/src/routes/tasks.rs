//! MiniMax's two operations: create a task, query a task.

use crate::auth::Caller;
use crate::error::Error;
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
use videoagent_core::validate::{media_error, validate_create, MediaValue};
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
pub async fn create_task(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    if !is_json(&headers) {
        return Err(ApiError::invalid("Content-Type must be application/json").into());
    }
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes).await.map_err(|e| {
        ApiError::invalid(if is_length_limit(&e) { "request body too large" } else { "could not read request body" })
    })?;
    // On a blocking thread: a few KB of Base64 can hold a many-megapixel image,
    // and decoding (or waiting for a large-decode slot) must never stall the runtime.
    let st = state.clone();
    let (template_id, texts, media, callback_url) = tokio::task::spawn_blocking(move || prepare(&st, &bytes)).await??;

    let id = state.ids.next_id();
    let task = NewTask {
        id: id.clone(),
        account_id: caller.account_id,
        template_id,
        inputs: TaskInputs { texts, media: Vec::with_capacity(media.len()) },
        callback_url,
        created_at: now_ms(),
    };
    if let Err(e) = store_task(&state, task, media).await {
        // Nothing of a task that was not created is kept.
        let _ = state.blobs.delete_prefix(&inputs_prefix(&id)).await;
        return Err(e);
    }
    metrics::counter!("videoagent_tasks_created_total").increment(1);
    state.wake.notify_waiters();
    Ok(reply::json(
        StatusCode::OK,
        0,
        VideoTemplateGenerationResp { task_id: Some(id), base_resp: BaseResp::success() },
    ))
}

/// Stores the input bytes, then the task row that points at them (input
/// bytes are durable before the row).
async fn store_task(state: &AppState, mut task: NewTask, media: Vec<Prepared>) -> Result<(), Error> {
    for (i, m) in media.into_iter().enumerate() {
        let media_ref = match m {
            Prepared::Url(u) => MediaRef::Url(u),
            Prepared::Bytes(b) => {
                let key = format!("{}/{i}", inputs_prefix(&task.id));
                state.blobs.put_bytes(&key, &b).await?;
                MediaRef::Blob(key)
            }
        };
        task.inputs.media.push(media_ref);
    }
    state.store.insert_task(&task).await?;
    tracing::info!(task_id = %task.id, template_id = %task.template_id, "task created");
    Ok(())
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
                check_url_at_create(&u, allow_private).map_err(|e| media_error(i, e))?;
                media.push(Prepared::Url(u.to_string()));
            }
            MediaValue::Data { bytes, .. } => {
                videoagent_media::decode(&bytes, &state.config.image_rules).map_err(|e| media_error(i, e))?;
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
    caller: Caller,
    query: Result<Query<TaskQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let task_id = query.ok().and_then(|Query(q)| q.task_id).unwrap_or_default();
    let task_id = task_id.trim();
    if task_id.is_empty() {
        return Err(ApiError::invalid("task_id is required").into());
    }
    if !is_valid_task_id(task_id) {
        return Err(ApiError::task_not_found().into());
    }
    let now = now_ms();
    let created_after = now - state.config.retention.as_millis() as i64;
    let task =
        state.store.get_task(caller.account_id, task_id, created_after).await?.ok_or_else(ApiError::task_not_found)?;
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
    Ok(reply::json(
        StatusCode::OK,
        code,
        QueryVideoTemplateGenerationTaskResp {
            task_id: task.id,
            status: task.status.as_str().into(),
            video_url,
            base_resp,
        },
    ))
}
