//! The official MiniMax flow end to end against the real server.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

/// Create with a data-URL photo → poll → Success → download without auth →
/// decode every frame and check it.
#[tokio::test]
async fn official_flow_renders_a_video_that_shows_the_photo() {
    let app = TestApp::spawn();

    let created = app.create(&run_for_life_body(&data_url("photo_astronaut.jpg"), "Lion")).await;
    assert_eq!(created.json["base_resp"], json!({"status_code": 0, "status_msg": "success"}));
    let task_id = created.id();
    assert_eq!(task_id.len(), 18);
    assert!(task_id.bytes().all(|b| b.is_ascii_digit()));

    let done = app.wait_until_terminal(&task_id, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success), "{}", done.json);
    assert_eq!(done.task_id.as_deref(), Some(task_id.as_str()));
    let video_url = done.video_url();

    // A plain GET, no Authorization header.
    let resp = reqwest::get(video_url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    assert!(resp.headers().contains_key("trace-id"));
    let mp4 = resp.bytes().await.unwrap().to_vec();
    assert_eq!(app.download(video_url).await, mp4, "the same bytes again");
    // Fast start: the index comes before the media data.
    let moov = find_box(&mp4, b"moov").expect("moov");
    let mdat = find_box(&mp4, b"mdat").expect("mdat");
    assert!(moov < mdat, "moov must precede mdat");

    // Range requests work so players can seek.
    let part = app.client.get(video_url).header("Range", "bytes=100-199").send().await.unwrap();
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
    let files = Receiver::files(vec![fixtures_dir()]);
    let app = TestApp::builder().args(&["--allow-private-media-hosts"]).spawn();
    let image =
        |name: &str| json!({"template_id": STILL_RINGS, "media_inputs": [{"value": files.url(&format!("/{name}"))}]});

    let ok = app.create(&image("photo_rocket.webp")).await.id();
    let missing = app.create(&image("nope.jpg")).await.id();
    let bad = app.create(&image("short_side_300.jpg")).await.id();
    let text_only = app.create(&text_task("a cat writing its weekly report")).await.id();

    let done = app.wait_until_terminal(&ok, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success), "{}", done.json);
    let video = decode_mp4(&app.download(done.video_url()).await);
    assert_eq!((video.width, video.height), (1280, 720));
    assert_eq!(files.hits("/photo_rocket.webp"), 1);

    let failed = app.wait_until_terminal(&missing, Duration::from_secs(60)).await;
    assert_eq!(failed.status, Some(Status::Fail));
    assert_eq!(failed.base_resp.status_code, 2013);
    assert_eq!(failed.base_resp.status_msg, "invalid params, media_inputs[0]: could not download image (HTTP 404)");
    assert!(failed.json.get("video_url").is_none());

    let failed = app.wait_until_terminal(&bad, Duration::from_secs(60)).await;
    assert_eq!(failed.status, Some(Status::Fail));
    assert_eq!(
        failed.base_resp.status_msg,
        "invalid params, media_inputs[0]: short side 300 px, must be greater than 300 px"
    );

    let card = app.wait_until_terminal(&text_only, Duration::from_secs(120)).await;
    let video = decode_mp4(&app.download(card.video_url()).await);
    assert!(video.frames.len() >= 125);
    assert!(mean_abs_diff(&video.frames[0], &video.frames[60]) > 1.0, "title card animates");
}
