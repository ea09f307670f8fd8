//! Crash recovery, graceful shutdown, retention and first start.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

/// `kill -9` mid-render; started again on the same data dir, the task finishes.
#[tokio::test]
async fn kill9_mid_render_then_restart_finishes_the_task() {
    let mut app = TestApp::builder().env("VIDEOAGENT_DEBUG_FRAME_DELAY", "60ms").spawn();
    let task = app.create(&text_task("crash test")).await.id();
    let q = app.wait_for_status(&task, Status::Processing, Duration::from_secs(30)).await;
    assert_eq!(q.status, Some(Status::Processing));
    // Mid-render: frames have been made (at 60 ms each, far from all of them).
    app.wait_for_metric("videoagent_render_frames_total", 5.0, Duration::from_secs(30)).await;
    assert_eq!(app.query(&task).await.status, Some(Status::Processing));
    app.kill9();

    let app = app.restart(TestApp::builder());
    assert_eq!(app.query(&task).await.status, Some(Status::Processing), "status never moves backwards");
    let done = app.wait_until_terminal(&task, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success), "{}", done.json);
    let video = decode_mp4(&app.download(done.video_url()).await);
    assert!(video.frames.len() >= 125);
    assert!(app.logs().contains("returned unfinished tasks of a previous run to the queue"));
}

/// SIGTERM mid-render: exits within 10 s, and the task finishes after restart.
#[tokio::test]
async fn sigterm_mid_render_exits_promptly_and_task_finishes_after_restart() {
    let mut app =
        TestApp::builder().args(&["--shutdown-grace", "1s"]).env("VIDEOAGENT_DEBUG_FRAME_DELAY", "100ms").spawn();
    let task = app.create(&text_task("shutdown test")).await.id();
    app.wait_for_status(&task, Status::Processing, Duration::from_secs(30)).await;
    let (status, took) = app.sigterm(Duration::from_secs(10));
    assert!(status.success(), "clean exit, got {status:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let app = app.restart(TestApp::builder());
    let done = app.wait_until_terminal(&task, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success), "{}", done.json);
}

/// With retention 2 s the task, its download and its file are gone once the
/// sweeper has deleted it.
#[tokio::test]
async fn retention_deletes_task_video_and_file() {
    let mut app = TestApp::spawn();
    let data = app.data_dir();
    let task = app
        .create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": data_url("photo_coffee.png")}]}))
        .await
        .id();
    let done = app.wait_until_terminal(&task, Duration::from_secs(120)).await;
    let url = done.video_url().to_string();
    let file = data.join("videos").join(format!("{task}.mp4"));
    assert!(file.exists());
    assert!(data.join("inputs").join(&task).exists(), "input bytes are kept with the task");
    app.sigterm(Duration::from_secs(10));

    let app = app.restart(TestApp::builder().args(&["--retention", "2s", "--sweep-interval", "200ms"]));
    // The sweeper counts a task once its row and its files are deleted.
    app.wait_for_metric("videoagent_tasks_expired_total", 1.0, Duration::from_secs(30)).await;
    assert_eq!(app.query(&task).await.json, base(2013, "invalid params, task not found"));
    // The URL of the old server is still signed with the same secret: only the file is gone.
    let path_and_query = &url[url.find("/files/").unwrap()..];
    let resp = app.client.get(app.url(path_and_query)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!file.exists(), "video file deleted");
    assert!(!data.join("inputs").join(&task).exists(), "input files deleted");
    let m = app.metrics().await;
    assert!(m.contains("videoagent_tasks_expired_total 1"), "{m}");
}

/// First start without a bootstrap key creates one key, prints it once, stores only its hash.
#[tokio::test]
async fn first_start_creates_and_prints_one_key() {
    let no_key = || TestApp::builder().env("VIDEOAGENT_BOOTSTRAP_KEY", "");
    let app = no_key().spawn();
    let data = app.data_dir();
    let logs = app.logs();
    let key = logs.split_whitespace().find(|w| w.starts_with("sk-api-")).expect("key printed on stderr").to_string();
    let v = app.create_with_key(&key, &text_task("hi")).await;
    assert_eq!(v.base_resp.status_code, 0);
    let db = std::fs::read(data.join("videoagent.db")).unwrap();
    let wal = std::fs::read(data.join("videoagent.db-wal")).unwrap_or_default();
    let needle = key.as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle) && !wal.windows(needle.len()).any(|w| w == needle),
        "key stored in clear"
    );
    // A second start does not print a new key, and a second process can't share the data dir.
    let again = app.restart(no_key());
    assert!(!again.logs().contains("sk-api-"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_videoagent"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already using the data directory"));
}
