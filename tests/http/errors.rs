//! Every error path of the two operations, over real HTTP. Most are tables
//! of cases — (name, request, expected HTTP status, status_code,
//! status_msg) — run by one loop ([`check_cases`]) that names every case
//! that failed.

use crate::support::*;
use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::{json, Value};

const CARRY: &str = "login fail: Please carry the API secret key in the 'Authorization' field of the request header";
const CREATE: &str = "/v1/video_template_generation";

/// One request to send.
struct Req {
    method: Method,
    path: String,
    auth: Option<HeaderValue>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Req {
    /// A create with the test key and this JSON body.
    fn create(body: Value) -> Req {
        Req::to(Method::POST, CREATE).body(serde_json::to_vec(&body).unwrap())
    }

    /// A GET with the test key.
    fn get(path: &str) -> Req {
        Req { content_type: None, ..Req::to(Method::GET, path) }
    }

    fn to(method: Method, path: &str) -> Req {
        Req {
            method,
            path: path.into(),
            auth: Some(HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap()),
            content_type: Some("application/json"),
            body: Vec::new(),
        }
    }

    /// This `Authorization` header (any bytes), or none.
    fn auth(self, value: Option<&str>) -> Req {
        Req { auth: value.map(|v| HeaderValue::from_bytes(v.as_bytes()).unwrap()), ..self }
    }

    fn content_type(self, content_type: Option<&'static str>) -> Req {
        Req { content_type, ..self }
    }

    fn body(self, body: Vec<u8>) -> Req {
        Req { body, ..self }
    }
}

/// A case: `code` 0 means a task is created (`status_msg` "success" and a
/// `task_id`); any other code must be the whole body, `{"base_resp": …}`.
struct Case {
    name: &'static str,
    req: Req,
    http: u16,
    code: i64,
    msg: &'static str,
}

fn case(name: &'static str, req: Req, code: i64, msg: &'static str) -> Case {
    Case { name, req, http: 200, code, msg }
}

/// Sends every case and checks its answer, including a `Trace-Id` (32
/// lower-case hex digits) on every response; fails naming each case that did not pass.
async fn check_cases(app: &TestApp, cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(why) = check_case(app, case).await {
            failures.push(format!("  {}: {why}", case.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

async fn check_case(app: &TestApp, case: &Case) -> Result<(), String> {
    let Req { method, path, auth, content_type, body } = &case.req;
    let mut req = app.client.request(method.clone(), app.url(path)).body(body.clone());
    if let Some(a) = auth {
        req = req.header("Authorization", a.clone());
    }
    if let Some(ct) = content_type {
        req = req.header("Content-Type", *ct);
    }
    let resp = req.send().await.map_err(|e| format!("request failed: {e}"))?;
    let trace = resp.headers().get("trace-id").ok_or("no Trace-Id header")?.to_str().unwrap_or("").to_string();
    if trace.len() != 32 || !trace.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return Err(format!("Trace-Id {trace:?} is not 32 lower-case hex digits"));
    }
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.map_err(|e| format!("HTTP {status}, body not JSON: {e}"))?;
    if status != case.http {
        return Err(format!("HTTP {status}, expected {}: {v}", case.http));
    }
    if case.code == 0 {
        let created = v["base_resp"] == json!({"status_code": 0, "status_msg": "success"}) && v["task_id"].is_string();
        return if created { Ok(()) } else { Err(format!("expected a created task, got {v}")) };
    }
    let want = base(case.code, case.msg);
    if v != want {
        return Err(format!("got {v}, expected {want}"));
    }
    Ok(())
}

fn create_body() -> Value {
    text_task("x")
}

fn with_image(value: &str) -> Value {
    json!({"template_id": STILL_RINGS, "media_inputs": [{"value": value}]})
}

fn with_callback(url: &str) -> Value {
    json!({"template_id": HELPLESS, "text_inputs": [{"value": "x"}], "callback_url": url})
}

#[tokio::test]
async fn authentication_errors() {
    let app = TestApp::spawn();
    let create = || Req::create(create_body());
    let long_key = format!("Bearer {}", "k".repeat(1025));
    let lower_case_scheme = format!("bearer {KEY}");
    let cases = vec![
        case("no Authorization header", create().auth(None), 1004, CARRY),
        case("empty Authorization header", create().auth(Some("")), 1004, CARRY),
        case("Basic scheme", create().auth(Some("Basic abc")), 1004, CARRY),
        case("Token scheme", create().auth(Some("Token sk-api-x")), 1004, CARRY),
        // Non-ASCII bytes in the header: still a clean 1004 / 2049, never a crash.
        case("non-ASCII bytes, no scheme", create().auth(Some("abcdeé x")), 1004, CARRY),
        case("non-ASCII bytes in the key", create().auth(Some("Bearer sk-é")), 2049, "invalid api key"),
        case("unknown key", create().auth(Some("Bearer sk-api-unknown")), 1004, "login fail: invalid API secret key"),
        case("Bearer without a key", create().auth(Some("Bearer")), 2049, "invalid api key"),
        case("Bearer and spaces", create().auth(Some("Bearer    ")), 2049, "invalid api key"),
        case("key of 1025 bytes", create().auth(Some(&long_key)), 2049, "invalid api key"),
        // The scheme is case-insensitive.
        case("lower-case scheme", create().auth(Some(&lower_case_scheme)), 0, "success"),
        // Query needs the key too.
        case("query without a key", Req::get("/v1/query/video_template_generation?task_id=1").auth(None), 1004, CARRY),
    ];
    check_cases(&app, cases).await;
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let app = TestApp::spawn();
    let json_type = "invalid params, Content-Type must be application/json";
    let cases = vec![
        case("no Content-Type", Req::create(json!({"template_id": HELPLESS})).content_type(None), 2013, json_type),
        case("text/plain", Req::create(json!({})).content_type(Some("text/plain")), 2013, json_type),
        case(
            "Content-Type in other case, with charset",
            Req::create(json!({"template_id": HELPLESS})).content_type(Some("Application/JSON; charset=utf-8")),
            2013,
            "invalid params, text_inputs: template needs 1 item, got 0",
        ),
        case(
            "body not JSON",
            Req::create(json!({})).body(b"{not json".to_vec()),
            2013,
            "invalid params, request body is not valid JSON",
        ),
        case("no template_id", Req::create(json!({})), 2013, "invalid params, template_id is required"),
        case(
            "template_id a number",
            Req::create(json!({"template_id": 5})),
            2013,
            "invalid params, template_id must be a string",
        ),
        case(
            "unknown template_id",
            Req::create(json!({"template_id": "123"})),
            2013,
            "invalid params, unknown template_id 123",
        ),
        case(
            "blank text",
            Req::create(json!({"template_id": HELPLESS, "text_inputs": [{"value": " "}]})),
            2013,
            "invalid params, text_inputs[0].value is empty",
        ),
        case(
            "too many texts",
            Req::create(json!({"template_id": HELPLESS, "text_inputs": [{"value": "a"}, {"value": "b"}]})),
            2013,
            "invalid params, text_inputs: too many items (max 1)",
        ),
        case(
            "file: URL",
            Req::create(with_image("file:///etc/passwd")),
            2013,
            "invalid params, media_inputs[0].value must be an http(s) URL or a data:image/...;base64 URL",
        ),
        case(
            "data URL of text",
            Req::create(with_image("data:text/plain;base64,aGk=")),
            2013,
            "invalid params, media_inputs[0]: data URL must have an image MIME type (data:image/...;base64,...)",
        ),
        case(
            "short side 300 px",
            Req::create(with_image(&data_url("short_side_300.jpg"))),
            2013,
            "invalid params, media_inputs[0]: short side 300 px, must be greater than 300 px",
        ),
        case(
            "truncated JPEG",
            Req::create(with_image(&data_url("truncated.jpg"))),
            2013,
            "invalid params, media_inputs[0]: image data is truncated or corrupt",
        ),
        case(
            "GIF",
            Req::create(with_image(&data_url("format_gif.gif"))),
            2013,
            "invalid params, media_inputs[0]: unsupported image format gif",
        ),
        // Refused hosts are caught at create without any DNS lookup or connection.
        case(
            "image on localhost",
            Req::create(with_image("http://localhost/a.jpg")),
            2013,
            "invalid params, media_inputs[0]: host localhost is not allowed (loopback address)",
        ),
        case(
            "image on the cloud metadata address",
            Req::create(with_image("http://169.254.169.254/latest")),
            2013,
            "invalid params, media_inputs[0]: host 169.254.169.254 is not allowed (cloud metadata address)",
        ),
        case(
            "ftp callback",
            Req::create(with_callback("ftp://x.example/")),
            2013,
            "invalid params, callback_url must be an http or https URL",
        ),
        case(
            "loopback callback",
            Req::create(with_callback("http://127.0.0.1:9/cb")),
            2013,
            "invalid params, callback_url: host 127.0.0.1 is not allowed (loopback address)",
        ),
        // Over 64 MiB: refused without a panic, before the body is kept.
        case(
            "body over 64 MiB",
            Req::create(json!({})).body(vec![b' '; 64 * 1024 * 1024 + 1]),
            2013,
            "invalid params, request body too large",
        ),
    ];
    check_cases(&app, cases).await;
    // Nothing above created a task.
    let metrics = app.metrics().await;
    assert!(!metrics.contains("videoagent_tasks_created_total"), "{metrics}");
}

#[tokio::test]
async fn query_errors_and_unknown_endpoints() {
    let app = TestApp::spawn();
    let query = "/v1/query/video_template_generation";
    let not_found = "invalid params, task not found";
    let unknown = "invalid params, unknown endpoint";
    let cases = vec![
        case("no task_id", Req::get(query), 2013, "invalid params, task_id is required"),
        case("empty task_id", Req::get(&format!("{query}?task_id=")), 2013, "invalid params, task_id is required"),
        case("unknown task", Req::get(&format!("{query}?task_id=401047179385389059")), 2013, not_found),
        case("task_id not digits", Req::get(&format!("{query}?task_id=abc")), 2013, not_found),
        case("task_id 1", Req::get(&format!("{query}?task_id=1")), 2013, not_found),
        Case { name: "unknown endpoint", req: Req::get("/v1/nope"), http: 404, code: 2013, msg: unknown },
        Case {
            name: "DELETE on create",
            req: Req::to(Method::DELETE, CREATE).auth(None).content_type(None),
            http: 405,
            code: 2013,
            msg: unknown,
        },
    ];
    check_cases(&app, cases).await;
    // Downloads use real HTTP codes.
    for path in [
        "/files/videos/401047179385389059.mp4?expires=99999999999&sig=00",
        "/files/videos/401047179385389059.mp4",
        "/files/videos/401047179385389059.mp4?expires=abc&sig=x",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }
}

/// Failing dependencies give the documented codes and never leak internals.
#[tokio::test]
async fn storage_failures_are_reported_without_internals() {
    let app = TestApp::spawn();
    let data = app.data_dir();
    // The blob store cannot write input images: `inputs` is a file, not a directory.
    std::fs::write(data.join("inputs"), b"in the way").unwrap();
    let v = app.create(&with_image(&data_url("photo_astronaut.jpg"))).await;
    assert_eq!(v.json, base(1013, "internal service error"));
    // The database loses its tasks table.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("videoagent.db").display())).await.unwrap();
    sqlx::query("DROP TABLE tasks").execute(&pool).await.unwrap();
    pool.close().await;
    let v = app.create(&text_task("x")).await;
    assert_eq!(v.json, base(1033, "system error"));
    let v = app.query("401047179385389059").await;
    assert_eq!(v.json, base(1033, "system error"));
    // The details are in the log, with the request's trace id.
    let logs = app.logs();
    assert!(logs.contains("no such table: tasks"), "{logs}");
    assert!(logs.contains("trace_id="), "{logs}");
}

/// Keys from the CLI, accounts, isolation and revocation.
#[tokio::test]
async fn accounts_are_isolated_and_keys_managed_by_cli() {
    let app = TestApp::spawn();
    let data = app.data_dir();
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

    let my_task = app.create(&text_task("x")).await.id();
    assert_eq!(app.query_with_key(&other_key, &my_task).await.json, base(2013, "invalid params, task not found"));
    assert_eq!(app.query(&my_task).await.task_id.as_deref(), Some(my_task.as_str()));

    // A second key of the bootstrap account (account 1) sees the same tasks.
    let (ok, same_account_key, _) = cli(&["create", "--name", "second", "--account", "1"]);
    assert!(ok);
    assert_eq!(app.query_with_key(same_account_key.trim(), &my_task).await.task_id.as_deref(), Some(my_task.as_str()));
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
    assert_eq!(app.query_with_key(&other_key, &my_task).await.json, base(1004, "login fail: invalid API secret key"));
    let (ok, _, err) = cli(&["revoke", &acme_id]);
    assert!(!ok && err.contains("no active key"), "{err}");
}
