//! The official MiniMax flow end to end against the real server.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

/// Create with a data-URL photo → poll → Success → download without auth →
/// decode every frame and check it.
#[tokio::test]
async fn official_flow_renders_a_video_that_shows_the_photo() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &[], &[]);

    let created = app.create(&run_for_life_body(&data_url("photo_astronaut.jpg"), "Lion")).await;
    assert_eq!(created["base_resp"], json!({"status_code": 0, "status_msg": "success"}));
    let task_id = created["task_id"].as_str().unwrap().to_string();
    assert_eq!(task_id.len(), 18);
    assert!(task_id.bytes().all(|b| b.is_ascii_digit()));

    let done = app.wait_for(&task_id, "Success", Duration::from_secs(120)).await;
    assert_eq!(done["status"], "Success", "{done}");
    assert_eq!(done["task_id"], task_id.as_str());
    let video_url = done["video_url"].as_str().unwrap();

    // A plain GET, no Authorization header.
    let resp = reqwest::get(video_url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    assert!(resp.headers().contains_key("trace-id"));
    let mp4 = resp.bytes().await.unwrap().to_vec();
    // Fast start: the index comes before the media data.
    let moov = find_box(&mp4, b"moov").expect("moov");
    let mdat = find_box(&mp4, b"mdat").expect("mdat");
    assert!(moov < mdat, "moov must precede mdat");

    // Range requests work so players can seek.
    let part = reqwest::Client::new().get(video_url).header("Range", "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &mp4[100..200]);

    let video = decode_mp4(&mp4);
    assert_eq!((video.width, video.height), (1280, 720));
    assert!((video.fps - 25.0).abs() < 0.01, "fps {}", video.fps);
    assert!(video.duration_secs >= 5.0, "duration {}", video.duration_secs);
    let expected_frames = (video.fps * video.duration_secs).round() as usize;
    assert_eq!(video.frames.len(), expected_frames);
    assert!(video.frames.len() >= 125);
    let audio = video.audio_secs.expect("an audio track");
    assert!((audio - video.duration_secs).abs() < 0.1, "audio {audio} s vs video {} s", video.duration_secs);
    assert!(mp4.windows(4).any(|w| w == b"Opus"), "Opus sample entry");
    for (i, pair) in video.frames.windows(2).enumerate() {
        assert!(mean_abs_diff(&pair[0], &pair[1]) > 0.0, "frames {i} and {} are identical", i + 1);
    }

    // The photo is visible: correlate the region where the template puts it
    // (zoom, pan and shake included) with the source image.
    let best = best_photo_ncc(&video, RUN_FOR_LIFE, "photo_astronaut.jpg", 10);
    assert!(best >= 0.6, "photo not visible: best NCC {best:.3}");
}

/// The official example sends a URL image; it is downloaded while `Preparing`.
#[tokio::test]
async fn url_images_are_downloaded_and_text_only_templates_render() {
    let files = serve_fixtures();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(&dir.path().join("data"), &["--allow-private-media-hosts"], &[]);

    let ok = app.create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": format!("{}/photo_rocket.webp", files.base)}]})).await;
    let missing = app
        .create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": format!("{}/nope.jpg", files.base)}]}))
        .await;
    let bad = app.create(&json!({"template_id": STILL_RINGS, "media_inputs": [{"value": format!("{}/short_side_300.jpg", files.base)}]})).await;
    let text_only = app
        .create(&json!({"template_id": HELPLESS, "text_inputs": [{"value": "a cat writing its weekly report"}]}))
        .await;

    let id = |v: &serde_json::Value| v["task_id"].as_str().unwrap().to_string();
    let done = app.wait_for(&id(&ok), "Success", Duration::from_secs(120)).await;
    assert_eq!(done["status"], "Success", "{done}");
    let mp4 = reqwest::get(done["video_url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
    let video = decode_mp4(&mp4);
    assert_eq!((video.width, video.height), (1280, 720));

    let failed = app.wait_for(&id(&missing), "Fail", Duration::from_secs(60)).await;
    assert_eq!(failed["status"], "Fail");
    assert_eq!(failed["base_resp"]["status_code"], 2013);
    assert_eq!(
        failed["base_resp"]["status_msg"],
        "invalid params, media_inputs[0]: could not download image (HTTP 404)"
    );
    assert!(failed.get("video_url").is_none());

    let failed = app.wait_for(&id(&bad), "Fail", Duration::from_secs(60)).await;
    assert_eq!(
        failed["base_resp"]["status_msg"],
        "invalid params, media_inputs[0]: short side 300 px, must be greater than 300 px"
    );

    let card = app.wait_for(&id(&text_only), "Success", Duration::from_secs(120)).await;
    let video = decode_mp4(&reqwest::get(card["video_url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap());
    assert!(video.frames.len() >= 125);
    assert!(mean_abs_diff(&video.frames[0], &video.frames[60]) > 1.0, "title card animates");
}

fn find_box(mp4: &[u8], name: &[u8; 4]) -> Option<usize> {
    let mut pos = 0;
    while pos + 8 <= mp4.len() {
        let size = u32::from_be_bytes(mp4[pos..pos + 4].try_into().unwrap()) as usize;
        if &mp4[pos + 4..pos + 8] == name {
            return Some(pos);
        }
        if size < 8 {
            return None;
        }
        pos += size;
    }
    None
}
