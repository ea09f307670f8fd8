//! Crash recovery, graceful shutdown, retention and first start.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

/// `kill -9` mid-render; started again on the same data dir, the task finishes.
#[tokio::test]
async fn kill9_mid_render_then_restart_finishes_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut app = spawn_app_in(&data, &[], &[("VIDEOAGENT_DEBUG_FRAME_DELAY", "60ms")]);
    let created = app.create(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "crash test"}]})).await;
    let task = created["task_id"].as_str().unwrap().to_string();
    let q = app.wait_for(&task, "Processing", Duration::from_secs(30)).await;
    assert_eq!(q["status"], "Processing");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.kill9();

    let app = spawn_app_in(&data, &[], &[]);
    assert_eq!(app.query(&task).await["status"], "Processing", "status never moves backwards");
    let done = app.wait_for(&task, "Success", Duration::from_secs(120)).await;
    assert_eq!(done["status"], "Success", "{done}");
    let video = decode_mp4(&reqwest::get(done["video_url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap());
    assert!(video.frames.len() >= 125);
    assert!(app.logs().contains("returned unfinished tasks of a previous run to the queue"));
}

/// SIGTERM mid-render: exits within 10 s, and the task finishes after restart.
#[tokio::test]
async fn sigterm_mid_render_exits_promptly_and_task_finishes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut app = spawn_app_in(&data, &["--shutdown-grace", "1s"], &[("VIDEOAGENT_DEBUG_FRAME_DELAY", "100ms")]);
    let created = app.create(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "shutdown test"}]})).await;
    let task = created["task_id"].as_str().unwrap().to_string();
    app.wait_for(&task, "Processing", Duration::from_secs(30)).await;
    let (status, took) = app.sigterm(Duration::from_secs(10));
    assert!(status.success(), "clean exit, got {status:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let app = spawn_app_in(&data, &[], &[]);
    let done = app.wait_for(&task, "Success", Duration::from_secs(120)).await;
    assert_eq!(done["status"], "Success", "{done}");
}

/// With retention 2 s the task, its download and its file are gone.
#[tokio::test]
async fn retention_deletes_task_video_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut app = spawn_app_in(&data, &[], &[]);
    let created = app
        .create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("photo_coffee.png")}]}))
        .await;
    let task = created["task_id"].as_str().unwrap().to_string();
    let done = app.wait_for(&task, "Success", Duration::from_secs(120)).await;
    let url = done["video_url"].as_str().unwrap().to_string();
    let file = data.join("videos").join(format!("{task}.mp4"));
    assert!(file.exists());
    assert!(data.join("inputs").join(&task).exists(), "input bytes are kept with the task");
    app.sigterm(Duration::from_secs(10));

    let app = spawn_app_in(&data, &["--retention", "2s", "--sweep-interval", "200ms"], &[]);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        app.query(&task).await,
        json!({"base_resp": {"status_code": 2013, "status_msg": "invalid params, task not found"}})
    );
    // The URL of the old server is still signed with the same secret: only the file is gone.
    let path_and_query = &url[url.find("/files/").unwrap()..];
    let resp = reqwest::get(app.url(path_and_query)).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!file.exists(), "video file deleted");
    assert!(!data.join("inputs").join(&task).exists(), "input files deleted");
}

/// First start without a bootstrap key creates one key, prints it once, stores only its hash.
#[tokio::test]
async fn first_start_creates_and_prints_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = spawn_app_in(&data, &[], &[("VIDEOAGENT_BOOTSTRAP_KEY", "")]);
    let logs = app.logs();
    let key = logs.split_whitespace().find(|w| w.starts_with("sk-api-")).expect("key printed on stderr").to_string();
    let v = app.create_with_key(&key, &json!({"template_id": HELPLESS, "text_inputs": [{"value": "hi"}]})).await;
    assert_eq!(v["base_resp"]["status_code"], 0);
    let db = std::fs::read(data.join("videoagent.db")).unwrap();
    let wal = std::fs::read(data.join("videoagent.db-wal")).unwrap_or_default();
    let needle = key.as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle) && !wal.windows(needle.len()).any(|w| w == needle),
        "key stored in clear"
    );
    drop(app);
    // A second start does not print a new key, and a second process can't share the data dir.
    let again = spawn_app_in(&data, &[], &[("VIDEOAGENT_BOOTSTRAP_KEY", "")]);
    assert!(!again.logs().contains("sk-api-"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_videoagent"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already using the data directory"));
}
