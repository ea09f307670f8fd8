//! Every error path of the two operations, over real HTTP.

mod common;

use common::*;
use serde_json::{json, Value};

async fn raw_create(
    app: &App,
    auth: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (reqwest::StatusCode, Value) {
    let mut req = app.client.post(app.url("/v1/video_template_generation")).body(body);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    let resp = req.send().await.unwrap();
    let trace = resp.headers().get("trace-id").expect("Trace-Id on every response").to_str().unwrap().to_string();
    assert_eq!(trace.len(), 32);
    assert!(trace.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

fn base(code: i64, msg: &str) -> Value {
    json!({"base_resp": {"status_code": code, "status_msg": msg}})
}

#[tokio::test]
async fn authentication_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &[], &[]);
    let body = serde_json::to_vec(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}]})).unwrap();
    let carry = "login fail: Please carry the API secret key in the 'Authorization' field of the request header";
    for auth in [None, Some(""), Some("Basic abc"), Some("Token sk-api-x")] {
        let (status, v) = raw_create(&app, auth, Some("application/json"), body.clone()).await;
        assert_eq!(status, 200);
        assert_eq!(v, base(1004, carry), "{auth:?}");
    }
    // Non-ASCII bytes in the header: still a clean 1004 / 2049, never a crash.
    let mut req = app.client.post(app.url("/v1/video_template_generation")).body(body.clone());
    req = req.header("Authorization", reqwest::header::HeaderValue::from_bytes("abcdeé x".as_bytes()).unwrap());
    let v: Value = req.header("Content-Type", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!(v, base(1004, carry));
    let mut req = app.client.post(app.url("/v1/video_template_generation")).body(body.clone());
    req = req.header("Authorization", reqwest::header::HeaderValue::from_bytes("Bearer sk-é".as_bytes()).unwrap());
    let v: Value = req.header("Content-Type", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!(v, base(2049, "invalid api key"));
    let (_, v) = raw_create(&app, Some("Bearer sk-api-unknown"), Some("application/json"), body.clone()).await;
    assert_eq!(v, base(1004, "login fail: invalid API secret key"));
    for auth in ["Bearer", "Bearer    ", &format!("Bearer {}", "k".repeat(1025))] {
        let (_, v) = raw_create(&app, Some(auth), Some("application/json"), body.clone()).await;
        assert_eq!(v, base(2049, "invalid api key"), "{auth}");
    }
    // Scheme is case-insensitive.
    let (_, v) = raw_create(&app, Some(&format!("bearer {KEY}")), Some("application/json"), body.clone()).await;
    assert_eq!(v["base_resp"]["status_code"], 0);
    // Query needs the key too.
    let q: Value = app
        .client
        .get(app.url("/v1/query/video_template_generation?task_id=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(q, base(1004, carry));
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &[], &[]);
    let auth = format!("Bearer {KEY}");
    let send = |ct: Option<&'static str>, body: Vec<u8>| {
        let auth = auth.clone();
        let app = &app;
        async move { raw_create(app, Some(&auth), ct, body).await.1 }
    };
    let j = |v: Value| serde_json::to_vec(&v).unwrap();

    assert_eq!(
        send(None, j(json!({"template_id": HELPLESS}))).await,
        base(2013, "invalid params, Content-Type must be application/json")
    );
    assert_eq!(
        send(Some("text/plain"), j(json!({}))).await,
        base(2013, "invalid params, Content-Type must be application/json")
    );
    assert_eq!(
        send(Some("Application/JSON; charset=utf-8"), j(json!({"template_id": HELPLESS}))).await,
        base(2013, "invalid params, text_inputs: template needs 1 item, got 0")
    );
    assert_eq!(
        send(Some("application/json"), b"{not json".to_vec()).await,
        base(2013, "invalid params, request body is not valid JSON")
    );
    assert_eq!(
        send(Some("application/json"), j(json!({}))).await,
        base(2013, "invalid params, template_id is required")
    );
    assert_eq!(
        send(Some("application/json"), j(json!({"template_id": 5}))).await,
        base(2013, "invalid params, template_id must be a string")
    );
    assert_eq!(
        send(Some("application/json"), j(json!({"template_id": "123"}))).await,
        base(2013, "invalid params, unknown template_id 123")
    );
    assert_eq!(
        send(Some("application/json"), j(json!({"template_id": HELPLESS, "text_inputs": [{"value": " "}]}))).await,
        base(2013, "invalid params, text_inputs[0].value is empty")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": HELPLESS, "text_inputs": [{"value": "a"}, {"value": "b"}]}))
        )
        .await,
        base(2013, "invalid params, text_inputs: too many items (max 1)")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": "file:///etc/passwd"}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0].value must be an http(s) URL or a data:image/...;base64 URL")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": "data:text/plain;base64,aGk="}]}))
        )
        .await,
        base(
            2013,
            "invalid params, media_inputs[0]: data URL must have an image MIME type (data:image/...;base64,...)"
        )
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("short_side_300.jpg")}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0]: short side 300 px, must be greater than 300 px")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("truncated.jpg")}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0]: image data is truncated or corrupt")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("format_gif.gif")}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0]: unsupported image format gif")
    );
    // Refused hosts are caught at create without any DNS lookup or connection.
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": "http://localhost/a.jpg"}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0]: host localhost is not allowed (loopback address)")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": STILL_RINGS, "media_inputs": [{"value": "http://169.254.169.254/latest"}]}))
        )
        .await,
        base(2013, "invalid params, media_inputs[0]: host 169.254.169.254 is not allowed (cloud metadata address)")
    );
    assert_eq!(
        send(
            Some("application/json"),
            j(json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}], "callback_url": "ftp://x.example/"}))
        )
        .await,
        base(2013, "invalid params, callback_url must be an http or https URL")
    );
    assert_eq!(
        send(Some("application/json"), j(json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}], "callback_url": "http://127.0.0.1:9/cb"}))).await,
        base(2013, "invalid params, callback_url: host 127.0.0.1 is not allowed (loopback address)")
    );
    // Over 64 MiB: refused without a panic, before the body is kept.
    let huge = vec![b' '; 64 * 1024 * 1024 + 1];
    assert_eq!(send(Some("application/json"), huge).await, base(2013, "invalid params, request body too large"));
    // Nothing above created a task.
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains("videoagent_tasks_created_total"), "{metrics}");
}

#[tokio::test]
async fn query_errors_and_unknown_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &[], &[]);
    let get = |path: &str| app.client.get(app.url(path)).bearer_auth(KEY).send();
    let v: Value = get("/v1/query/video_template_generation").await.unwrap().json().await.unwrap();
    assert_eq!(v, base(2013, "invalid params, task_id is required"));
    let v: Value = get("/v1/query/video_template_generation?task_id=").await.unwrap().json().await.unwrap();
    assert_eq!(v, base(2013, "invalid params, task_id is required"));
    for id in ["401047179385389059", "abc", "1"] {
        let v: Value =
            get(&format!("/v1/query/video_template_generation?task_id={id}")).await.unwrap().json().await.unwrap();
        assert_eq!(v, base(2013, "invalid params, task not found"), "{id}");
    }
    let resp = get("/v1/nope").await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers().contains_key("trace-id"));
    assert_eq!(resp.json::<Value>().await.unwrap(), base(2013, "invalid params, unknown endpoint"));
    let resp = app.client.delete(app.url("/v1/video_template_generation")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.json::<Value>().await.unwrap(), base(2013, "invalid params, unknown endpoint"));
    // Downloads use real HTTP codes.
    let resp = app
        .client
        .get(app.url("/files/videos/401047179385389059.mp4?expires=99999999999&sig=00"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app.client.get(app.url("/files/videos/401047179385389059.mp4")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app.client.get(app.url("/files/videos/401047179385389059.mp4?expires=abc&sig=x")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
}

/// Failing dependencies give the documented codes and never leak internals.
#[tokio::test]
async fn storage_failures_are_reported_without_internals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = spawn_app_in(&data, &[], &[]);
    // The blob store cannot write input images: `inputs` is a file, not a directory.
    std::fs::write(data.join("inputs"), b"in the way").unwrap();
    let v = app
        .create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("photo_astronaut.jpg")}]}))
        .await;
    assert_eq!(v, base(1013, "internal service error"));
    // The database loses its tasks table.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("videoagent.db").display())).await.unwrap();
    sqlx::query("DROP TABLE tasks").execute(&pool).await.unwrap();
    pool.close().await;
    let v = app.create(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}]})).await;
    assert_eq!(v, base(1033, "system error"));
    let v = app.query("401047179385389059").await;
    assert_eq!(v, base(1033, "system error"));
    // The details are in the log, with the request's trace id.
    let logs = app.logs();
    assert!(logs.contains("no such table: tasks"), "{logs}");
    assert!(logs.contains("trace_id="), "{logs}");
}

/// Keys from the CLI, accounts, isolation and revocation.
#[tokio::test]
async fn accounts_are_isolated_and_keys_managed_by_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = spawn_app_in(&data, &[], &[]);
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_videoagent"))
            .arg("keys")
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (ok, other_key, _) = cli(&["create", "--name", "acme"]);
    assert!(ok);
    let other_key = other_key.trim().to_string();
    assert!(other_key.starts_with("sk-api-") && other_key.len() >= 7 + 22, "{other_key}");

    let mine = app.create(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}]})).await;
    let my_task = mine["task_id"].as_str().unwrap();
    assert_eq!(app.query_with_key(&other_key, my_task).await, base(2013, "invalid params, task not found"));
    assert_eq!(app.query(my_task).await["task_id"], my_task);

    // A second key of the bootstrap account (account 1) sees the same tasks.
    let (ok, same_account_key, _) = cli(&["create", "--name", "second", "--account", "1"]);
    assert!(ok);
    assert_eq!(app.query_with_key(same_account_key.trim(), my_task).await["task_id"], my_task);
    let (ok, _, err) = cli(&["create", "--name", "x", "--account", "999"]);
    assert!(!ok);
    assert!(err.contains("account 999 does not exist"), "{err}");

    let (ok, list, _) = cli(&["list"]);
    assert!(ok);
    assert!(list.contains("acme") && list.contains("bootstrap") && list.contains("second"), "{list}");
    assert!(!list.contains(&other_key), "secrets are never listed");
    let acme_id = list.lines().find(|l| l.contains("acme")).unwrap().split_whitespace().next().unwrap().to_string();
    let (ok, _, _) = cli(&["revoke", &acme_id]);
    assert!(ok);
    assert_eq!(app.query_with_key(&other_key, my_task).await, base(1004, "login fail: invalid API secret key"));
    let (ok, _, err) = cli(&["revoke", &acme_id]);
    assert!(!ok && err.contains("no active key"), "{err}");
}
