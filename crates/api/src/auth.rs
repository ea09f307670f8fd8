//! Bearer-key authentication (api.md section 2).

use crate::reply;
use crate::state::AppState;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use subtle::ConstantTimeEq;
use videoagent_core::keys::{hash_key, parse_bearer, BearerKey};
use videoagent_core::{ApiError, ErrorCode};

/// The caller's account.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub account_id: i64,
}

/// Resolves the `Authorization` header to an account, or the error response.
///
/// Keys are looked up by their SHA-256 (an indexed query, no scan). Timing
/// reveals nothing about a key: the lookup is on the hash, and the final
/// comparison is constant-time.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let key = match parse_bearer(headers.get(header::AUTHORIZATION).map(|v| v.as_bytes())) {
        BearerKey::Missing => return Err(reply::error(&ApiError::missing_key())),
        BearerKey::Malformed => return Err(reply::error(&ApiError::new(ErrorCode::InvalidApiKey))),
        BearerKey::Key(k) => k,
    };
    let hash = hash_key(key);
    match state.store.find_active_key(&hash).await {
        Ok(Some(record)) if record.hash.as_slice().ct_eq(&hash[..]).into() => {
            tracing::Span::current().record("account", record.account_id);
            Ok(Caller { account_id: record.account_id })
        }
        Ok(_) => Err(reply::error(&ApiError::new(ErrorCode::AuthFailed))),
        Err(e) => Err(reply::internal(ErrorCode::SystemError, e)),
    }
}
