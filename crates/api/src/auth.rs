//! Bearer-key authentication (api.md section 2).

use crate::error::Error;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;
use videoagent_core::keys::{hash_key, parse_bearer, BearerKey};
use videoagent_core::{ApiError, ErrorCode};

/// The caller's account. As a handler argument it authenticates the request
/// before anything else is looked at (extractors run before the body is read),
/// and a request without a valid key is answered with the error.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub account_id: i64,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        authenticate(state, &parts.headers).await
    }
}

/// Resolves the `Authorization` header to an account.
///
/// Keys are looked up by their SHA-256 (an indexed query, no scan). Timing
/// reveals nothing about a key: the lookup is on the hash, and the final
/// comparison is constant-time.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Error> {
    let key = match parse_bearer(headers.get(header::AUTHORIZATION).map(|v| v.as_bytes())) {
        BearerKey::Missing => return Err(ApiError::missing_key().into()),
        BearerKey::Malformed => return Err(ApiError::new(ErrorCode::InvalidApiKey).into()),
        BearerKey::Key(k) => k,
    };
    let hash = hash_key(key);
    match state.store.find_active_key(&hash).await? {
        Some(record) if record.hash.as_slice().ct_eq(&hash[..]).into() => {
            tracing::Span::current().record("account", record.account_id);
            Ok(Caller { account_id: record.account_id })
        }
        _ => Err(ApiError::new(ErrorCode::AuthFailed).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::ApiCode;
    use crate::state::ApiConfig;
    use axum::body::{to_bytes, Body};
    use axum::http::{Request, StatusCode};
    use std::sync::Arc;
    use tower::ServiceExt;
    use videoagent_core::keys::{generate_key, key_hint, key_id};
    use videoagent_store::{KeyStore, NewKey, SqliteStore};

    /// An app whose one route answers the caller's account, and a valid key.
    async fn app(dir: &std::path::Path) -> (axum::Router, String, i64) {
        let store = SqliteStore::open(&dir.join("db.sqlite")).await.unwrap();
        let account_id = store.create_account("test", 0).await.unwrap();
        let key = generate_key();
        let hash = hash_key(&key);
        let record =
            NewKey { id: key_id(&hash), account_id, name: "k".into(), hash, hint: key_hint(&key), created_at: 0 };
        assert!(store.insert_key(&record).await.unwrap());
        let state = AppState {
            store: Arc::new(store),
            blobs: Arc::new(videoagent_blob::LocalBlobStore::new(dir.join("blobs")).unwrap()),
            signer: Arc::new(videoagent_blob::UrlSigner::new(b"secret".to_vec(), "http://localhost")),
            catalogue: Arc::new(videoagent_core::Catalogue::official()),
            ids: Arc::new(videoagent_core::ids::IdGenerator::new(1)),
            wake: Arc::new(tokio::sync::Notify::new()),
            metrics: None,
            config: Arc::new(ApiConfig::default()),
        };
        let router = axum::Router::new()
            .route("/", axum::routing::get(|caller: Caller| async move { caller.account_id.to_string() }))
            .with_state(state);
        (router, key, account_id)
    }

    /// The `ApiCode` extension and the body of the answer to `authorization`.
    async fn call(app: &axum::Router, authorization: Option<&[u8]>) -> (Option<i32>, String) {
        let mut req = Request::get("/");
        if let Some(value) = authorization {
            req = req.header(header::AUTHORIZATION, axum::http::HeaderValue::from_bytes(value).unwrap());
        }
        let resp = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let code = resp.extensions().get::<ApiCode>().map(|c| c.0);
        (code, String::from_utf8(to_bytes(resp.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap())
    }

    fn base(code: i32, msg: &str) -> (Option<i32>, String) {
        (Some(code), format!(r#"{{"base_resp":{{"status_code":{code},"status_msg":"{msg}"}}}}"#))
    }

    #[tokio::test]
    async fn the_caller_extractor_answers_as_the_contract_says() {
        let dir = tempfile::tempdir().unwrap();
        let (app, key, account_id) = app(dir.path()).await;
        let carry = "login fail: Please carry the API secret key in the 'Authorization' field of the request header";
        // Missing, or another scheme: 1004 with the "carry the key" message.
        for auth in [None, Some(&b"Basic abc"[..]), Some(b"Bearerx abc"), Some("abcdeé x".as_bytes())] {
            assert_eq!(call(&app, auth).await, base(1004, carry), "{auth:?}");
        }
        // A Bearer header without a usable key: 2049.
        for auth in [&b"Bearer "[..], b"Bearer a b", "Bearer sk-é".as_bytes()] {
            assert_eq!(call(&app, Some(auth)).await, base(2049, "invalid api key"), "{auth:?}");
        }
        // A well-formed key nobody has: 1004.
        let unknown = format!("Bearer {}", generate_key());
        assert_eq!(call(&app, Some(unknown.as_bytes())).await, base(1004, "login fail: invalid API secret key"));
        // The key: the handler runs and sees the account.
        let good = format!("bearer  {key} ");
        assert_eq!(call(&app, Some(good.as_bytes())).await, (None, account_id.to_string()));
    }
}
