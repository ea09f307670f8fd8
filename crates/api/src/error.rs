//! A failed request, as a value: [`Error`] is what handlers and extractors
//! return with `?`, and it *is* the MiniMax answer (HTTP 200 with a
//! `base_resp`, built by [`reply::error`]).
//!
//! This module is the one place where an internal failure is given its
//! MiniMax code (the `From` impls below):
//!
//! | internal error | code |
//! |---|---|
//! | [`ApiError`] (a refusal: validation, auth, not found) | its own code and message |
//! | [`StoreError`] (the database) | 1033 system error |
//! | [`BlobError`] (input or video files) | 1013 internal service error |
//! | [`JoinError`] (a blocking task panicked or was cancelled) | 1024 internal error |
//!
//! Anything else is given its code explicitly with [`Error::internal`]. An
//! internal error's detail is logged (with the request's trace id) when the
//! response is made, and never sent.

use crate::reply;
use axum::response::{IntoResponse, Response};
use std::fmt;
use tokio::task::JoinError;
use videoagent_blob::BlobError;
use videoagent_core::{ApiError, ErrorCode};
use videoagent_store::StoreError;

/// Why a request failed: what the client is told, and what only the log sees.
#[derive(Debug)]
pub struct Error {
    api: ApiError,
    /// The internal cause (logged, never returned); `None` for a plain refusal.
    internal: Option<String>,
}

impl Error {
    /// An unexpected failure answered with a bare `code` (its standard message).
    pub fn internal(code: ErrorCode, detail: impl fmt::Display) -> Self {
        Error { api: ApiError::new(code), internal: Some(detail.to_string()) }
    }

    /// What the client is told.
    pub fn api(&self) -> &ApiError {
        &self.api
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.internal {
            Some(detail) => write!(f, "{} ({detail})", self.api),
            None => self.api.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Error { api, internal: None }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::internal(ErrorCode::SystemError, e)
    }
}

impl From<BlobError> for Error {
    fn from(e: BlobError) -> Self {
        Error::internal(ErrorCode::ServiceUnavailable, e)
    }
}

impl From<JoinError> for Error {
    fn from(e: JoinError) -> Self {
        Error::internal(ErrorCode::Internal, e)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Some(detail) = &self.internal {
            tracing::error!(error = %detail, code = self.api.code.code(), "request failed");
        }
        reply::error(&self.api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::ApiCode;
    use axum::body::to_bytes;
    use axum::http::StatusCode;

    /// Status, `ApiCode` extension and body bytes of a response.
    async fn parts(resp: Response) -> (StatusCode, Option<i32>, String) {
        let code = resp.extensions().get::<ApiCode>().map(|c| c.0);
        let status = resp.status();
        let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, code, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn base(code: i32, msg: &str) -> String {
        format!(r#"{{"base_resp":{{"status_code":{code},"status_msg":"{msg}"}}}}"#)
    }

    #[tokio::test]
    async fn a_refusal_is_the_same_response_as_reply_error() {
        for api in [
            ApiError::invalid("task_id is required"),
            ApiError::missing_key(),
            ApiError::new(ErrorCode::InvalidApiKey),
            ApiError::new(ErrorCode::InvisibleChars),
        ] {
            let via_reply = parts(reply::error(&api)).await;
            let via_error = parts(Error::from(api.clone()).into_response()).await;
            assert_eq!(via_error, via_reply);
            assert_eq!(via_error, (StatusCode::OK, Some(api.code.code()), base(api.code.code(), &api.message)));
        }
    }

    #[tokio::test]
    async fn internal_errors_get_their_code_and_never_leak_details() {
        let join = tokio::spawn(async { panic!("secret panic in /src/x.rs") }).await.unwrap_err();
        let cases = [
            (Error::from(StoreError::Corrupt("secret row 7".into())), 1033, "system error"),
            (
                Error::from(BlobError::Io { key: "inputs/secret/0".into(), source: std::io::Error::other("disk") }),
                1013,
                "internal service error",
            ),
            (Error::from(join), 1024, "internal error"),
            (Error::internal(ErrorCode::Internal, "secret detail"), 1024, "internal error"),
        ];
        for (err, code, msg) in cases {
            assert!(err.to_string().contains("secret"), "the detail is kept for the log: {err}");
            assert_eq!(err.api().code.code(), code);
            let (status, api_code, body) = parts(err.into_response()).await;
            assert_eq!((status, api_code), (StatusCode::OK, Some(code)));
            assert_eq!(body, base(code, msg));
            assert!(!body.contains("secret"));
        }
    }

    #[tokio::test]
    async fn handlers_return_errors_with_question_marks() {
        use tower::ServiceExt;
        async fn handler() -> Result<&'static str, Error> {
            Err(StoreError::Corrupt("secret".into()))?
        }
        let app = axum::Router::new().route("/", axum::routing::get(handler));
        let resp = app.oneshot(axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(parts(resp).await, (StatusCode::OK, Some(1033), base(1033, "system error")));
    }
}
