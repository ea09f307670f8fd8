//! Every API answer is HTTP 200 with a `base_resp`; this is where they are
//! made. Failures reach here as [`crate::error::Error`], which says which code
//! an internal error gets.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use videoagent_core::{ApiError, ErrorCode};

/// `base_resp` of every response.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaseResp {
    pub status_code: i32,
    pub status_msg: String,
}

impl BaseResp {
    pub fn success() -> Self {
        BaseResp { status_code: 0, status_msg: ErrorCode::Success.message().into() }
    }
}

impl From<&ApiError> for BaseResp {
    fn from(e: &ApiError) -> Self {
        BaseResp { status_code: e.code.code(), status_msg: e.message.clone() }
    }
}

/// The `base_resp` code of a response, read by the metrics middleware.
#[derive(Debug, Clone, Copy)]
pub struct ApiCode(pub i32);

#[derive(Serialize)]
struct ErrorBody {
    base_resp: BaseResp,
}

/// A JSON body with its `base_resp` code attached for metrics.
pub fn json<T: Serialize>(status: StatusCode, code: i32, body: T) -> Response {
    let mut resp = (status, Json(body)).into_response();
    resp.extensions_mut().insert(ApiCode(code));
    resp
}

/// The error form: `{"base_resp": {...}}` only.
pub fn error(e: &ApiError) -> Response {
    error_with_status(StatusCode::OK, e)
}

fn error_with_status(status: StatusCode, e: &ApiError) -> Response {
    json(status, e.code.code(), ErrorBody { base_resp: e.into() })
}

/// A handler bug (panic) becomes `1024 internal error`, logged with the request's trace id.
pub fn panic_to_internal_error(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    crate::error::Error::internal(ErrorCode::Internal, format!("handler panicked: {detail}")).into_response()
}

pub async fn unknown_endpoint_404() -> Response {
    error_with_status(StatusCode::NOT_FOUND, &ApiError::invalid("unknown endpoint"))
}

pub async fn unknown_endpoint_405() -> Response {
    error_with_status(StatusCode::METHOD_NOT_ALLOWED, &ApiError::invalid("unknown endpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body(resp: Response) -> serde_json::Value {
        serde_json::from_slice(&to_bytes(resp.into_body(), 1 << 20).await.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn internal_errors_never_leak_details() {
        let resp = crate::error::Error::internal(ErrorCode::Internal, "secret path /etc/x failed").into_response();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            body(resp).await,
            serde_json::json!({"base_resp": {"status_code": 1024, "status_msg": "internal error"}})
        );
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_1024() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async { panic!("index out of bounds at /src/secret.rs") as &'static str }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_to_internal_error));
        let resp =
            app.oneshot(axum::http::Request::get("/boom").body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let v = body(resp).await;
        assert_eq!(v["base_resp"]["status_code"], 1024);
        assert!(!v.to_string().contains("secret"));
    }
}
