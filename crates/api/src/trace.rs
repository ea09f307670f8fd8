//! Per-request `Trace-Id` (header + log span) and HTTP metrics.

use crate::reply::ApiCode;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub const TRACE_HEADER: &str = "trace-id";

fn new_trace_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

pub async fn trace_and_measure(req: Request, next: Next) -> Response {
    let trace_id = new_trace_id();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let span =
        tracing::info_span!("request", trace_id = %trace_id, %method, route = %route, account = tracing::field::Empty);
    let started = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = resp.status().as_u16();
    let code = resp.extensions().get::<ApiCode>().map(|c| c.0);
    span.in_scope(|| {
        tracing::info!(status, code, ms = elapsed.as_secs_f64() * 1000.0, "request done");
    });
    let code_label = code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    metrics::counter!("videoagent_http_requests_total", "route" => route.clone(), "status" => status.to_string(), "code" => code_label).increment(1);
    metrics::histogram!("videoagent_http_request_duration_seconds", "route" => route).record(elapsed.as_secs_f64());
    resp.headers_mut().insert(TRACE_HEADER, HeaderValue::from_str(&trace_id).expect("hex is a valid header value"));
    resp
}
