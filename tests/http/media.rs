//! Every fixture image through the real API, as a data URL and as a URL.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

/// (file, None = accepted, Some(message after "media_inputs[0]: ")).
const EXPECTED: &[(&str, Option<&str>)] = &[
    ("photo_astronaut.jpg", None),
    ("photo_coffee.png", None),
    ("photo_rocket.webp", None),
    ("short_side_300.jpg", Some("short side 300 px, must be greater than 300 px")),
    ("short_side_301.jpg", None),
    ("ratio_2x5.jpg", None),
    ("ratio_5x2.jpg", None),
    ("ratio_narrower_than_2x5.jpg", Some("aspect ratio 399x1000 outside 2:5..5:2")),
    ("ratio_wider_than_5x2.jpg", Some("aspect ratio 1000x399 outside 2:5..5:2")),
    ("alpha.png", None),
    ("grayscale.jpg", None),
    ("exif_orientation_6.jpg", None),
    ("cmyk.jpg", None),
    ("format_gif.gif", Some("unsupported image format gif")),
    ("truncated.jpg", Some("image data is truncated or corrupt")),
    ("png_content_named.jpg", None),
    (
        "bomb_40000x40000_header.png",
        Some("image is 40000x40000 px, larger than the limit of 16384 px per side and 100000000 pixels"),
    ),
    (
        "bomb_40000x40000_full.png",
        Some("image is 40000x40000 px, larger than the limit of 16384 px per side and 100000000 pixels"),
    ),
];

fn body(value: &str) -> serde_json::Value {
    json!({"template_id": STILL_RINGS, "media_inputs": [{"value": value}]})
}

#[tokio::test]
async fn fixtures_as_data_urls_are_checked_at_create() {
    let app = TestApp::spawn();
    for (file, expected) in EXPECTED {
        let v = app.create(&body(&data_url(file))).await.json;
        match expected {
            None => assert_eq!(v["base_resp"]["status_code"], 0, "{file}: {v}"),
            Some(msg) => {
                assert_eq!(
                    v,
                    json!({"base_resp": {"status_code": 2013, "status_msg": format!("invalid params, media_inputs[0]: {msg}")}}),
                    "{file}"
                );
            }
        }
    }
    // PNG bytes declared as JPEG (above, by file name) were accepted: the content decides.
    assert!(data_url("png_content_named.jpg").starts_with("data:image/jpeg;base64,iVBOR"));
}

#[tokio::test]
async fn fixtures_as_urls_fail_the_task_with_the_same_message() {
    let files = Receiver::files(vec![fixtures_dir()]);
    let app = TestApp::builder().args(&["--allow-private-media-hosts", "--workers", "2"]).spawn();
    let mut tasks = Vec::new();
    for (file, expected) in EXPECTED {
        let v = app.create(&body(&files.url(&format!("/{file}")))).await;
        assert_eq!(v.base_resp.status_code, 0, "URL inputs are accepted at create: {file}");
        tasks.push((file, expected, v.id()));
    }
    let readme = app.create(&body(&files.url("/README.md"))).await.id();
    for (file, expected, task) in &tasks {
        // Passing `Preparing` means the image was accepted.
        let q = app.wait_for_status(task, Status::Processing, Duration::from_secs(120)).await;
        match expected {
            None => assert_ne!(q.status, Some(Status::Fail), "{file}: {}", q.json),
            Some(msg) => {
                assert_eq!(q.status, Some(Status::Fail), "{file}");
                assert_eq!(q.base_resp.status_code, 2013);
                assert_eq!(q.base_resp.status_msg, format!("invalid params, media_inputs[0]: {msg}"), "{file}");
            }
        }
    }
    let q = app.wait_until_terminal(&readme, Duration::from_secs(60)).await;
    assert_eq!(q.base_resp.status_msg, "invalid params, media_inputs[0]: unsupported image format unknown");
    // Each image was downloaded once.
    for (file, _) in EXPECTED {
        assert_eq!(files.hits(&format!("/{file}")), 1, "{file}");
    }
}

/// Over 20 MiB: refused at create as a data URL, and by the capped download as a URL.
#[tokio::test]
async fn oversize_images_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big_dir = dir.path().join("big");
    std::fs::create_dir_all(&big_dir).unwrap();
    // Random noise does not compress: a 2900x2900 PNG is about 25 MB.
    let mut x: u32 = 12345;
    let noise = image::RgbImage::from_fn(2900, 2900, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    let path = big_dir.join("oversize.png");
    noise.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 20 * 1024 * 1024);

    let files = Receiver::files(vec![big_dir]);
    let app = TestApp::builder().args(&["--allow-private-media-hosts"]).spawn();
    use base64::Engine;
    let data = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes));
    let v = app.create(&body(&data)).await;
    assert_eq!(
        v.base_resp.status_msg,
        format!("invalid params, media_inputs[0]: image is {} bytes, must be under 20 MB", bytes.len())
    );
    let task = app.create(&body(&files.url("/oversize.png"))).await.id();
    let q = app.wait_until_terminal(&task, Duration::from_secs(60)).await;
    assert_eq!(q.status, Some(Status::Fail));
    assert_eq!(
        q.base_resp.status_msg,
        "invalid params, media_inputs[0]: image is 20971520 bytes or more, must be under 20 MB"
    );
}

/// A downloaded image is stored with the task: after a crash the retry does
/// not download it again.
#[tokio::test]
async fn downloaded_inputs_survive_a_crash_without_refetching() {
    let files = Receiver::files(vec![fixtures_dir()]);
    let mut app =
        TestApp::builder().args(&["--allow-private-media-hosts"]).env("VIDEOAGENT_DEBUG_FRAME_DELAY", "60ms").spawn();
    let task = app.create(&body(&files.url("/photo_rocket.webp"))).await.id();
    let q = app.wait_for_status(&task, Status::Processing, Duration::from_secs(30)).await;
    assert_eq!(q.status, Some(Status::Processing));
    app.kill9();
    let app = app.restart(TestApp::builder().args(&["--allow-private-media-hosts"]));
    let done = app.wait_until_terminal(&task, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success));
    assert_eq!(files.hits("/photo_rocket.webp"), 1, "fetched once");
}
