//! Callbacks against a real receiver on loopback: challenge, signed pushes in
//! order, failed verification, retries, and a crash between change and push.
//! "Exactly once" is checked after the server says it has nothing left to
//! send ([`TestApp::wait_callbacks_idle`]), not after a pause.

use crate::support::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const SECRET: &str = "test-callback-secret";
const RENDER: Duration = Duration::from_secs(120);
const DELIVERY: Duration = Duration::from_secs(30);
const DELIVERED: &str = r#"videoagent_callback_deliveries_total{outcome="delivered"}"#;

#[derive(Clone, Copy)]
enum Challenge {
    Echo,
    Wrong,
    /// Echoes after 3 s (the server waits 1 s).
    Slow,
}

/// A callback receiver's handler: the verification answered as `challenge`
/// says, pushes by `push`.
fn hook(
    challenge: Challenge,
    push: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |r| match (r.challenge(), challenge) {
        (Some(c), Challenge::Echo) => Reply::echo(&c),
        (Some(_), Challenge::Wrong) => Reply::echo("not-it"),
        (Some(c), Challenge::Slow) => Reply::echo(&c).after(Duration::from_secs(3)),
        (None, _) => push(r),
    }
}

/// A push answered as a receiver that took it does.
fn accept(_: &Request) -> Reply {
    Reply::json(&json!({"status": "success"}))
}

/// Push attempts (everything but the challenge), in arrival order.
fn pushes(log: &[Request]) -> Vec<Request> {
    log.iter().filter(|r| r.challenge().is_none()).cloned().collect()
}

/// Pushes answered with 2xx, in arrival order.
fn delivered(log: &[Request]) -> Vec<Request> {
    pushes(log).into_iter().filter(Request::answered_2xx).collect()
}

fn signature_ok(r: &Request) -> bool {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(r.header("x-videoagent-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&r.body);
    r.header("x-videoagent-signature") == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn app_with(extra: &[&str]) -> TestApp {
    TestApp::builder().args(&callback_args()).args(extra).spawn()
}

fn callback_args() -> Vec<&'static str> {
    vec![
        "--allow-private-media-hosts",
        "--callback-secret",
        SECRET,
        "--callback-backoff",
        "200ms",
        "--callback-challenge-timeout",
        "1s",
        "--callback-push-timeout",
        "1s",
    ]
}

fn task_body(rx: &Receiver) -> Value {
    json!({"template_id": ANIME_LIFE_SIM, "text_inputs": [{"value": "callbacks"}], "callback_url": rx.url("/hook")})
}

#[tokio::test]
async fn verified_receiver_gets_signed_pushes_in_order() {
    let rx = Receiver::start(hook(Challenge::Echo, accept));
    let app = app_with(&[]);
    let task = app.create(&task_body(&rx)).await.id();
    app.wait_until_terminal(&task, RENDER).await;
    rx.wait_for_log("two pushes delivered", DELIVERY, |log| (delivered(log).len() >= 2).then_some(())).await;
    // The server recorded both and has nothing left to send: what arrived is all there is.
    app.wait_for_metric(DELIVERED, 2.0, DELIVERY).await;
    app.wait_callbacks_idle(DELIVERY).await;

    let all = rx.requests();
    let pushes = delivered(&all);
    assert_eq!(all.len(), 3, "one challenge and two pushes: {all:?}");
    assert_eq!(pushes.len(), 2, "{all:?}");
    let challenge = all[0].challenge().expect("the challenge comes first");
    assert_eq!(challenge.len(), 32);
    let (first, second) = (pushes[0].json(), pushes[1].json());
    assert_eq!(first["status"], "Processing");
    assert_eq!(second["status"], "Success");
    assert_eq!(first["task_id"], task.as_str());
    assert_eq!(second["base_resp"], json!({"status_code": 0, "status_msg": "success"}));
    assert!(second.get("file_id").is_none());
    for r in &all {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hook");
        assert!(signature_ok(r), "bad signature on {r:?}");
        assert!(!r.header("x-videoagent-delivery-id").is_empty());
        assert_eq!(r.header("content-type"), "application/json");
    }
    assert_ne!(pushes[0].header("x-videoagent-delivery-id"), pushes[1].header("x-videoagent-delivery-id"));
    // The pushed URL downloads the video (200, video/mp4).
    let video = app.download(second["video_url"].as_str().unwrap()).await;
    assert!(!video.is_empty());

    let m = app.metrics().await;
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="passed",reason="ok"} 1"#), "{m}");
    assert!(m.contains(r#"videoagent_callback_deliveries_total{outcome="delivered"} 2"#), "{m}");
}

#[tokio::test]
async fn failed_verification_means_no_pushes_but_the_task_runs() {
    let wrong = Receiver::start(hook(Challenge::Wrong, accept));
    let slow = Receiver::start(hook(Challenge::Slow, accept));
    let app = app_with(&[]);
    let a = app.create(&task_body(&wrong)).await.id();
    let b = app.create(&task_body(&slow)).await.id();
    assert_eq!(app.wait_until_terminal(&a, RENDER).await.status, Some(Status::Success));
    assert_eq!(app.wait_until_terminal(&b, RENDER).await.status, Some(Status::Success));
    // Both verdicts are in, both tasks finished, and nothing due is left to send.
    app.wait_for_metric("videoagent_callback_verifications_total", 2.0, DELIVERY).await;
    app.wait_callbacks_idle(DELIVERY).await;

    assert_eq!(wrong.requests().len(), 1, "only the challenge: {:?}", wrong.requests());
    assert_eq!(slow.requests().len(), 1, "only the challenge: {:?}", slow.requests());
    assert!(wrong.requests()[0].challenge().is_some() && slow.requests()[0].challenge().is_some());
    assert!(delivered(&wrong.requests()).is_empty() && delivered(&slow.requests()).is_empty());
    let m = app.metrics().await;
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="failed",reason="wrong_echo"} 1"#), "{m}");
    assert!(m.contains(r#"videoagent_callback_verifications_total{outcome="failed",reason="timeout"} 1"#), "{m}");
    assert!(app.logs().contains("callback verification failed"));
}

#[tokio::test]
async fn pushes_are_retried_until_the_receiver_answers() {
    // Down (connection dropped) for the first three push attempts.
    let dropped = AtomicU32::new(3);
    let down = Receiver::start(hook(Challenge::Echo, move |r| {
        match dropped.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
            Ok(_) => Reply::drop_connection(),
            Err(_) => accept(r),
        }
    }));
    let erroring = Receiver::start(hook(Challenge::Echo, |r| accept(r).with_status(500)));
    let app = app_with(&["--callback-status-case", "lower"]);
    let a = app.create(&task_body(&down)).await.id();
    let b = app.create(&task_body(&erroring)).await.id();
    app.wait_until_terminal(&a, RENDER).await;
    app.wait_until_terminal(&b, RENDER).await;

    // Delivered once it answers again; the newest state always arrives last, in lower case as configured.
    let statuses = down
        .wait_for_log("the success push delivered", DELIVERY, |log| {
            let got: Vec<String> =
                delivered(log).iter().map(|r| r.json()["status"].as_str().unwrap_or("").to_string()).collect();
            (got.last().map(String::as_str) == Some("success")).then_some(got)
        })
        .await;
    assert!(statuses == ["success"] || statuses == ["processing", "success"], "{statuses:?}");
    assert!(down.requests().iter().filter(|r| r.answered.is_none()).count() >= 3, "the dropped attempts happened");

    // A receiver answering 500 is retried with the same delivery id; it then recovers.
    let (tries, success_ids) = erroring
        .wait_for_log("the success push retried", DELIVERY, |log| {
            let tries = pushes(log);
            let ids: Vec<String> = tries
                .iter()
                .filter(|r| r.json()["status"] == "success")
                .map(|r| r.header("x-videoagent-delivery-id").to_string())
                .collect();
            (ids.len() >= 2).then_some((tries, ids))
        })
        .await;
    assert!(tries.len() >= 2, "retried: {}", tries.len());
    assert!(tries.iter().all(|r| r.answered == Some(500)), "{tries:?}");
    assert!(success_ids.windows(2).all(|w| w[0] == w[1]), "same id on every retry: {success_ids:?}");
    erroring.set_handler(hook(Challenge::Echo, accept));
    let done = erroring
        .wait_for_log("the success push delivered after recovery", DELIVERY, |log| {
            let d = delivered(log);
            (!d.is_empty()).then_some(d)
        })
        .await;
    assert_eq!(done.last().unwrap().json()["status"], "success");
    assert_eq!(done.last().unwrap().header("x-videoagent-delivery-id"), success_ids[0]);
    let m = app.metrics().await;
    assert!(m.contains(r#"videoagent_callback_deliveries_total{outcome="retry"}"#), "{m}");
}

/// A crash between a status change and its push: after restart the push is
/// delivered, once, with the delivery id it had before the crash.
#[tokio::test]
async fn a_push_survives_a_crash() {
    let rx = Receiver::start(hook(Challenge::Echo, |r| accept(r).with_status(503)));
    let mut app = app_with(&[]);
    let task = app.create(&task_body(&rx)).await.id();
    app.wait_until_terminal(&task, RENDER).await;
    // Wait until the Success push has been tried (and refused) at least once.
    let id_before = rx
        .wait_for_log("the Success push tried", DELIVERY, |log| {
            let r = log.iter().find(|r| r.json()["status"] == "Success")?;
            Some(r.header("x-videoagent-delivery-id").to_string())
        })
        .await;
    app.kill9();
    rx.set_handler(hook(Challenge::Echo, accept));
    let app = app.restart(TestApp::builder().args(&callback_args()));
    let delivered_now = rx
        .wait_for_log("the Success push delivered after restart", DELIVERY, |log| {
            let d = delivered(log);
            (!d.is_empty()).then_some(d)
        })
        .await;
    // The new process recorded the delivery and has nothing left to send.
    app.wait_for_metric(DELIVERED, 1.0, DELIVERY).await;
    app.wait_callbacks_idle(DELIVERY).await;

    let successes: Vec<Request> =
        delivered(&rx.requests()).into_iter().filter(|r| r.json()["status"] == "Success").collect();
    assert_eq!(successes.len(), 1, "delivered exactly once: {delivered_now:?}");
    assert_eq!(successes[0].header("x-videoagent-delivery-id"), id_before);
    assert_eq!(rx.requests().iter().filter(|r| r.challenge().is_some()).count(), 1, "challenged once");
    let m = app.metrics().await;
    assert!(m.contains(&format!("{DELIVERED} 1")), "{m}");
}
