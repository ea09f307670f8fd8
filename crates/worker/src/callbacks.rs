//! The callback dispatcher: challenges each task's `callback_url` once, then
//! delivers the outbox's status pushes with retries (api.md section 6).
//! Pushes are written to the outbox by the store in the same transaction as
//! the status change, so none is lost or invented by a crash.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use videoagent_blob::UrlSigner;
use videoagent_core::{now_ms, ErrorCode, TaskStatus};
use videoagent_fetch::{FetchError, Fetcher};
use videoagent_store::{DuePush, Store};

#[derive(Clone)]
pub struct CallbackConfig {
    /// HMAC key of the `X-VideoAgent-Signature` header.
    pub secret: Vec<u8>,
    /// Push MiniMax's documented lower-case statuses (`processing`, `success`, `failed`).
    pub lowercase_status: bool,
    /// First retry delay; doubles per attempt.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A push not delivered this long after its first attempt is dropped.
    pub give_up_after: Duration,
    pub challenge_timeout: Duration,
    pub push_timeout: Duration,
    /// How often the outbox is polled.
    pub poll_interval: Duration,
    /// Requests in flight to one host at most, so a slow receiver can't hold up others.
    pub per_host: usize,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            secret: Vec::new(),
            lowercase_status: false,
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            challenge_timeout: Duration::from_secs(3),
            push_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(200),
            per_host: 4,
        }
    }
}

/// Longest receiver answer we read (the challenge echo is tiny).
const MAX_ANSWER: usize = 64 * 1024;

#[derive(Clone)]
struct Dispatcher {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    signer: Arc<UrlSigner>,
    config: Arc<CallbackConfig>,
    in_flight: Arc<Mutex<HashSet<String>>>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

pub async fn run_callbacks(
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    signer: Arc<UrlSigner>,
    config: CallbackConfig,
    shutdown: CancellationToken,
) {
    let poll = config.poll_interval;
    let d = Dispatcher {
        store,
        fetcher,
        signer,
        config: Arc::new(config),
        in_flight: Default::default(),
        hosts: Default::default(),
    };
    while !shutdown.is_cancelled() {
        if let Err(e) = d.dispatch_once().await {
            tracing::warn!(error = %e, "callback dispatch failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

impl Dispatcher {
    async fn dispatch_once(&self) -> Result<(), videoagent_store::StoreError> {
        let now = now_ms();
        let hold = |d: Duration| now + d.as_millis() as i64 + 5_000;
        let verify_until = hold(self.config.challenge_timeout);
        for (task_id, url) in self.store.claim_verifications(now, verify_until, 100).await? {
            if let Some(guard) = self.start(format!("v:{task_id}"), "challenge") {
                let d = self.clone();
                tokio::spawn(async move {
                    d.verify(&task_id, &url).await;
                    drop(guard);
                });
            }
        }
        for push in self.store.claim_pushes(now, hold(self.config.push_timeout), 200).await? {
            if let Some(guard) = self.start(format!("p:{}", push.task_id), "push") {
                let d = self.clone();
                tokio::spawn(async move {
                    d.deliver(push).await;
                    drop(guard);
                });
            }
        }
        // Everything this poll found due is in flight by now (or already sent):
        // a poll counted after a moment, with nothing in flight, means nothing
        // due at that moment is left to send.
        metrics::counter!("videoagent_callback_polls_total").increment(1);
        Ok(())
    }

    /// Marks a job in flight, or `None` if it already is.
    fn start(&self, key: String, kind: &'static str) -> Option<InFlight> {
        let mut set = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        set.insert(key.clone()).then(|| {
            let gauge = metrics::gauge!("videoagent_callback_in_flight", "kind" => kind);
            gauge.increment(1.0);
            InFlight { set: self.in_flight.clone(), key, gauge }
        })
    }

    fn host_slot(&self, url: &url::Url) -> Arc<Semaphore> {
        let host = format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0));
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.entry(host).or_insert_with(|| Arc::new(Semaphore::new(self.config.per_host.max(1)))).clone()
    }

    /// One signed POST; `Ok((status, answer))` or why it did not complete.
    async fn post(
        &self,
        url: &str,
        delivery_id: &str,
        body: Vec<u8>,
        timeout: Duration,
        max_answer: usize,
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let url = url::Url::parse(url).map_err(|_| FetchError::BadScheme)?;
        let slot = self.host_slot(&url);
        let _permit = slot.acquire_owned().await.expect("semaphores are never closed");
        let timestamp = (now_ms() / 1000).to_string();
        let headers = [
            ("X-VideoAgent-Delivery-Id", delivery_id.to_string()),
            ("X-VideoAgent-Timestamp", timestamp.clone()),
            ("X-VideoAgent-Signature", sign(&self.config.secret, &timestamp, &body)),
        ];
        self.fetcher.post_json(&url, &headers, body, timeout, max_answer).await
    }

    async fn verify(&self, task_id: &str, url: &str) {
        let challenge: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(32).map(char::from).collect();
        let body = serde_json::to_vec(&serde_json::json!({ "challenge": challenge })).expect("JSON");
        let result =
            self.post(url, &format!("challenge-{task_id}"), body, self.config.challenge_timeout, MAX_ANSWER).await;
        let failure = match result {
            Ok((status, _)) if !(200..300).contains(&status) => Some("http_status"),
            Ok((_, answer)) if echoed(&answer, &challenge) => None,
            Ok(_) => Some("wrong_echo"),
            Err(e) => Some(error_reason(&e)),
        };
        let outcome = if failure.is_some() { "failed" } else { "passed" };
        metrics::counter!("videoagent_callback_verifications_total", "outcome" => outcome, "reason" => failure.unwrap_or("ok"))
            .increment(1);
        match failure {
            None => tracing::info!(task_id, url, "callback URL verified"),
            Some(reason) => {
                tracing::warn!(task_id, url, reason, "callback verification failed; no pushes for this task")
            }
        }
        if let Err(e) = self.store.set_verification(task_id, failure.is_none(), failure, now_ms()).await {
            tracing::warn!(task_id, error = %e, "could not store the verification result; it will be retried");
        }
    }

    async fn deliver(&self, push: DuePush) {
        let body = serde_json::to_vec(&self.push_body(&push)).expect("JSON");
        // Any 2xx status counts; the answer's body is ignored (not even read).
        let result = self.post(&push.url, &push.delivery_id, body, self.config.push_timeout, 0).await;
        let now = now_ms();
        let (task_id, delivery_id) = (push.task_id.as_str(), push.delivery_id.as_str());
        let stored = match result {
            Ok((status, _)) if (200..300).contains(&status) => {
                metrics::counter!("videoagent_callback_deliveries_total", "outcome" => "delivered").increment(1);
                tracing::info!(task_id, delivery_id, status = %push.status, "callback push delivered");
                self.store.push_delivered(task_id, delivery_id).await.map(|_| ())
            }
            failed => {
                let why = match &failed {
                    Ok((status, _)) => format!("HTTP {status}"),
                    Err(e) => e.to_string(),
                };
                let first = push.first_attempt_at.unwrap_or(now);
                let next = now + self.backoff(push.attempts).as_millis() as i64;
                let give_up = next - first > self.config.give_up_after.as_millis() as i64;
                let outcome = if give_up { "dropped" } else { "retry" };
                metrics::counter!("videoagent_callback_deliveries_total", "outcome" => outcome).increment(1);
                tracing::warn!(task_id, delivery_id, reason = %why, outcome, "callback push failed");
                self.store.push_retry(task_id, delivery_id, first, (!give_up).then_some(next)).await
            }
        };
        if let Err(e) = stored {
            tracing::warn!(task_id, error = %e, "could not record the push result; it will be sent again");
        }
    }

    /// `base * 2^attempts`, capped, with ±10 % jitter.
    fn backoff(&self, attempts: i64) -> Duration {
        let base = self.config.backoff_base.as_secs_f64();
        let raw = (base * 2f64.powi(attempts.clamp(0, 30) as i32)).min(self.config.backoff_cap.as_secs_f64());
        Duration::from_secs_f64(raw * rand::rng().random_range(0.9..=1.1))
    }

    /// The query response at the moment of the change (video_url freshly signed).
    fn push_body(&self, push: &DuePush) -> serde_json::Value {
        let status = if self.config.lowercase_status {
            match push.status {
                TaskStatus::Preparing => "preparing",
                TaskStatus::Processing => "processing",
                TaskStatus::Success => "success",
                TaskStatus::Fail => "failed",
            }
        } else {
            push.status.as_str()
        };
        let mut body = serde_json::json!({
            "task_id": push.task_id,
            "status": status,
            "base_resp": {"status_code": 0, "status_msg": "success"},
        });
        match push.status {
            TaskStatus::Success => {
                let expires = now_ms() / 1000 + 9 * 3600;
                body["video_url"] = self.signer.video_url(&push.task_id, expires).into();
            }
            TaskStatus::Fail => {
                let code = push.error_code.filter(|c| *c != 0).unwrap_or(ErrorCode::Unknown.code());
                let msg = push.error_msg.clone().unwrap_or_else(|| ErrorCode::Unknown.message().into());
                body["base_resp"] = serde_json::json!({"status_code": code, "status_msg": msg});
            }
            _ => {}
        }
        body
    }
}

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The receiver echoed the challenge: `{"challenge": "<it>"}` or the bare string.
fn echoed(answer: &[u8], challenge: &str) -> bool {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(answer) {
        if v.get("challenge").and_then(|c| c.as_str()) == Some(challenge) {
            return true;
        }
    }
    std::str::from_utf8(answer).is_ok_and(|s| s.trim() == challenge)
}

fn error_reason(e: &FetchError) -> &'static str {
    match e {
        FetchError::Timeout(_) => "timeout",
        FetchError::RefusedAddress { .. } => "refused_address",
        FetchError::Resolve(_) => "dns",
        FetchError::Connect(_) => "connect",
        _ => "other",
    }
}

/// A challenge or push being sent: in the in-flight set and counted in
/// `videoagent_callback_in_flight{kind}` until dropped.
struct InFlight {
    set: Arc<Mutex<HashSet<String>>>,
    key: String,
    gauge: metrics::Gauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.key);
        self.gauge.decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'key',b'1700000000.{}',hashlib.sha256).hexdigest())"
        assert_eq!(
            sign(b"key", "1700000000", b"{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }

    #[test]
    fn challenge_echo_forms() {
        assert!(echoed(br#"{"challenge":"abc"}"#, "abc"));
        assert!(echoed(b"abc\n", "abc"));
        assert!(!echoed(br#"{"challenge":"abd"}"#, "abc"));
        assert!(!echoed(b"", "abc"));
    }
}
