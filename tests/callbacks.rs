//! Callbacks against a real receiver on loopback: challenge, signed pushes in
//! order, failed verification, retries, and a crash between change and push.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "test-callback-secret";

#[derive(Clone, Copy, PartialEq)]
enum Challenge {
    Echo,
    Wrong,
    Slow,
}

#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    raw_body: Vec<u8>,
    body: Value,
    /// The HTTP status we answered (0 = dropped the connection).
    answered: u16,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
    /// Pushes to refuse (drop the connection) before answering 200.
    drop_pushes: Arc<Mutex<u32>>,
    /// Answer pushes with this status while non-zero.
    push_status: Arc<Mutex<u16>>,
}

impl Receiver {
    async fn start(mode: Challenge) -> Receiver {
        Self::start_on("127.0.0.1:0", mode).await
    }

    async fn start_on(addr: &str, mode: Challenge) -> Receiver {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let r = Receiver {
            url,
            log: Default::default(),
            drop_pushes: Default::default(),
            push_status: Arc::new(Mutex::new(200)),
        };
        let me = r.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move { me.handle(sock, mode).await });
            }
        });
        r
    }

    async fn handle(&self, mut sock: tokio::net::TcpStream, mode: Challenge) {
        let mut buf = Vec::new();
        let mut tmp = [0u8; 8192];
        let (head_end, content_len) = loop {
            let n = sock.read(&mut tmp).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&tmp[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                    .unwrap_or(0);
                break (i + 4, len);
            }
        };
        while buf.len() < head_end + content_len {
            let n = sock.read(&mut tmp).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&tmp[..n]);
        }
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let headers: HashMap<String, String> = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())))
            .collect();
        let raw_body = buf[head_end..head_end + content_len].to_vec();
        let body: Value = serde_json::from_slice(&raw_body).unwrap_or(Value::Null);
        let (status, answer) = if let Some(ch) = body.get("challenge").and_then(|c| c.as_str()) {
            match mode {
                Challenge::Echo => (200, json!({ "challenge": ch }).to_string()),
                Challenge::Wrong => (200, json!({"challenge": "not-it"}).to_string()),
                Challenge::Slow => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    (200, json!({ "challenge": ch }).to_string())
                }
            }
        } else {
            let drop_it = {
                let mut d = self.drop_pushes.lock().unwrap();
                let yes = *d > 0;
                if yes {
                    *d -= 1;
                }
                yes
            };
            if drop_it {
                self.log.lock().unwrap().push(Received { headers, raw_body, body, answered: 0 });
                return; // connection closed without an answer
            }
            (*self.push_status.lock().unwrap(), json!({"status": "success"}).to_string())
        };
        self.log.lock().unwrap().push(Received { headers, raw_body, body, answered: status });
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Push bodies we answered with 2xx, in arrival order.
    fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.body.get("challenge").is_none() && (200..300).contains(&r.answered))
            .collect()
    }

    async fn wait_delivered(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let d = self.delivered();
            if d.len() >= n {
                return d;
            }
            assert!(started.elapsed() < timeout, "only {} of {n} pushes delivered: {:?}", d.len(), self.received());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn signature_ok(r: &Received) -> bool {
    use hmac::{Hmac, Mac};
    let ts = &r.headers["x-videoagent-timestamp"];
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&r.raw_body);
    let want = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    r.headers["x-videoagent-signature"] == want
}

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--allow-private-media-hosts",
        "--callback-secret",
        SECRET,
        "--callback-backoff",
        "200ms",
        "--callback-challenge-timeout",
        "1s",
        "--callback-push-timeout",
        "1s",
    ];
    v.extend_from_slice(extra);
    v
}

fn task_body(url: &str) -> Value {
    json!({"template_id": HELPLESS, "text_inputs": [{"value": "callbacks"}], "callback_url": url})
}

#[tokio::test]
async fn verified_receiver_gets_signed_pushes_in_order() {
    let rx = Receiver::start(Challenge::Echo).await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &args(&[]), &[]);
    let created = app.create(&task_body(&rx.url)).await;
    let task = created["task_id"].as_str().unwrap().to_string();
    app.wait_for(&task, "Success", Duration::from_secs(120)).await;
    let pushes = rx.wait_delivered(2, Duration::from_secs(30)).await;

    let all = rx.received();
    assert!(all[0].body.get("challenge").is_some(), "the challenge comes first");
    assert_eq!(all[0].body["challenge"].as_str().unwrap().len(), 32);
    assert_eq!(pushes[0].body["status"], "Processing");
    assert_eq!(pushes[1].body["status"], "Success");
    assert_eq!(pushes[0].body["task_id"], task.as_str());
    assert_eq!(pushes[1].body["base_resp"], json!({"status_code": 0, "status_msg": "success"}));
    assert!(pushes[1].body.get("file_id").is_none());
    for r in &all {
        assert!(signature_ok(r), "bad signature on {:?}", r.body);
        assert!(!r.headers["x-videoagent-delivery-id"].is_empty());
        assert_eq!(r.headers["content-type"], "application/json");
    }
    assert_ne!(pushes[0].headers["x-videoagent-delivery-id"], pushes[1].headers["x-videoagent-delivery-id"]);
    // The pushed URL downloads the video.
    let video = reqwest::get(pushes[1].body["video_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(video.status(), 200);
    assert_eq!(video.headers()["content-type"], "video/mp4");

    let m = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="passed",reason="ok"} 1"#), "{m}");
    assert!(m.contains(r#"videoagent_callback_deliveries_total{outcome="delivered"} 2"#), "{m}");
}

#[tokio::test]
async fn failed_verification_means_no_pushes_but_the_task_runs() {
    let wrong = Receiver::start(Challenge::Wrong).await;
    let slow = Receiver::start(Challenge::Slow).await;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &args(&[]), &[]);
    let a = app.create(&task_body(&wrong.url)).await["task_id"].as_str().unwrap().to_string();
    let b = app.create(&task_body(&slow.url)).await["task_id"].as_str().unwrap().to_string();
    assert_eq!(app.wait_for(&a, "Success", Duration::from_secs(120)).await["status"], "Success");
    assert_eq!(app.wait_for(&b, "Success", Duration::from_secs(120)).await["status"], "Success");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(wrong.received().len(), 1, "only the challenge");
    assert_eq!(slow.received().len(), 1, "only the challenge");
    assert!(wrong.delivered().is_empty() && slow.delivered().is_empty());
    let m = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="failed",reason="wrong_echo"} 1"#), "{m}");
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="failed",reason="timeout"} 1"#), "{m}");
    assert!(app.logs().contains("callback verification failed"));
}

#[tokio::test]
async fn pushes_are_retried_until_the_receiver_answers() {
    let down = Receiver::start(Challenge::Echo).await;
    *down.drop_pushes.lock().unwrap() = 3; // down for the first push attempts
    let erroring = Receiver::start(Challenge::Echo).await;
    *erroring.push_status.lock().unwrap() = 500;
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &args(&["--callback-status-case", "lower"]), &[]);
    let a = app.create(&task_body(&down.url)).await["task_id"].as_str().unwrap().to_string();
    let b = app.create(&task_body(&erroring.url)).await["task_id"].as_str().unwrap().to_string();
    app.wait_for(&a, "Success", Duration::from_secs(120)).await;
    app.wait_for(&b, "Success", Duration::from_secs(120)).await;

    // Delivered once it answers again; the newest state always arrives last, in lower case as configured.
    let started = Instant::now();
    let statuses = loop {
        let got: Vec<String> =
            down.delivered().iter().map(|r| r.body["status"].as_str().unwrap_or("").to_string()).collect();
        if got.last().map(String::as_str) == Some("success") {
            break got;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no success push: {:?}", down.received());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(statuses == ["success"] || statuses == ["processing", "success"], "{statuses:?}");
    assert!(down.received().iter().filter(|r| r.answered == 0).count() >= 3, "the dropped attempts happened");
    // A receiver answering 500 is retried with the same delivery id; it then recovers.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tries: Vec<Received> = erroring.received().into_iter().filter(|r| r.body.get("challenge").is_none()).collect();
    assert!(tries.len() >= 2, "retried: {}", tries.len());
    let success_ids: Vec<&String> = tries
        .iter()
        .filter(|r| r.body["status"] == "success")
        .map(|r| &r.headers["x-videoagent-delivery-id"])
        .collect();
    assert!(success_ids.len() >= 2 && success_ids.windows(2).all(|w| w[0] == w[1]), "same id on every retry");
    *erroring.push_status.lock().unwrap() = 200;
    let done = erroring.wait_delivered(1, Duration::from_secs(30)).await;
    assert_eq!(done.last().unwrap().body["status"], "success");
    let m = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains(r#"videoagent_callback_deliveries_total{outcome="retry"}"#), "{m}");
}

/// A crash between a status change and its push: after restart the push is
/// delivered, once, with the delivery id it had before the crash.
#[tokio::test]
async fn a_push_survives_a_crash() {
    let rx = Receiver::start(Challenge::Echo).await;
    *rx.push_status.lock().unwrap() = 503;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut app = spawn_app_in(&data, &args(&[]), &[]);
    let task = app.create(&task_body(&rx.url)).await["task_id"].as_str().unwrap().to_string();
    app.wait_for(&task, "Success", Duration::from_secs(120)).await;
    // Wait until the Success push has been tried (and refused) at least once.
    let started = Instant::now();
    let id_before = loop {
        if let Some(r) = rx.received().iter().find(|r| r.body["status"] == "Success") {
            break r.headers["x-videoagent-delivery-id"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    app.kill9();
    *rx.push_status.lock().unwrap() = 200;
    let _app = spawn_app_in(&data, &args(&[]), &[]);
    let delivered = rx.wait_delivered(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let successes: Vec<Received> = rx.delivered().into_iter().filter(|r| r.body["status"] == "Success").collect();
    assert_eq!(successes.len(), 1, "delivered exactly once: {delivered:?}");
    assert_eq!(successes[0].headers["x-videoagent-delivery-id"], id_before);
    assert_eq!(rx.received().iter().filter(|r| r.body.get("challenge").is_some()).count(), 1, "challenged once");
}
