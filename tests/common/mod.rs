//! `spawn_app()`-style helpers: start the real `videoagent` binary on an
//! ephemeral loopback port with a fresh data directory, talk to it over HTTP,
//! and decode the MP4s it makes.
#![allow(dead_code)]

use image::RgbImage;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const KEY: &str = "sk-api-test-bootstrap-key";
pub const RUN_FOR_LIFE: &str = "393769180141805569";
pub const STILL_RINGS: &str = "393881433990066176";
pub const HELPLESS: &str = "394125185182695432";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images").join(name)
}

pub fn data_url(name: &str) -> String {
    use base64::Engine;
    let bytes = std::fs::read(fixture(name)).unwrap();
    let mime = if name.ends_with(".png") {
        "image/png"
    } else if name.ends_with(".webp") {
        "image/webp"
    } else {
        "image/jpeg"
    };
    format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

pub struct App {
    pub base: String,
    pub data_dir: PathBuf,
    child: Option<Child>,
    pub client: reqwest::Client,
    stderr_log: PathBuf,
}

/// Starts the server on `127.0.0.1:0` with `data_dir` and extra args/env.
pub fn spawn_app_in(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
    let exe = env!("CARGO_BIN_EXE_videoagent");
    let stderr_log = data_dir.with_extension(format!("stderr-{}.log", rand_suffix()));
    let log = std::fs::File::create(&stderr_log).unwrap();
    let mut cmd = Command::new(exe);
    cmd.arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("VIDEOAGENT_LISTEN")
        .env("VIDEOAGENT_BOOTSTRAP_KEY", KEY)
        .env("VIDEOAGENT_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start videoagent");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            if let Some(url) = line.strip_prefix("videoagent listening on ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let base = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(b) => b,
        Err(_) => {
            let _ = child.kill();
            panic!("server did not start:\n{}", std::fs::read_to_string(&stderr_log).unwrap_or_default());
        }
    };
    App { base, data_dir: data_dir.to_path_buf(), child: Some(child), client: reqwest::Client::new(), stderr_log }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// POST create with the test key.
    pub async fn create(&self, body: &Value) -> Value {
        self.create_with_key(KEY, body).await
    }

    pub async fn create_with_key(&self, key: &str, body: &Value) -> Value {
        let resp = self
            .client
            .post(self.url("/v1/video_template_generation"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn query_with_key(&self, key: &str, task_id: &str) -> Value {
        let resp = self
            .client
            .get(self.url("/v1/query/video_template_generation"))
            .query(&[("task_id", task_id)])
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn query(&self, task_id: &str) -> Value {
        self.query_with_key(KEY, task_id).await
    }

    /// Polls until the task is `want` (or terminal), checking that status never moves backwards.
    pub async fn wait_for(&self, task_id: &str, want: &str, timeout: Duration) -> Value {
        let order = ["Preparing", "Processing", "Success", "Fail"];
        let started = Instant::now();
        let mut last = 0;
        loop {
            let q = self.query(task_id).await;
            let status = q["status"].as_str().unwrap_or_else(|| panic!("no status in {q}")).to_string();
            let idx = order.iter().position(|s| *s == status).unwrap_or_else(|| panic!("bad status {status}"));
            assert!(idx >= last, "status moved backwards: {} -> {status}", order[last]);
            last = idx;
            if status == want || status == "Success" || status == "Fail" {
                return q;
            }
            assert!(started.elapsed() < timeout, "task {task_id} still {status} after {timeout:?}\n{}", self.logs());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().unwrap().id() as i32
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, then waits up to `limit` for the process to exit.
    pub fn sigterm(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let mut child = self.child.take().unwrap();
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                panic!("server did not exit within {limit:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn run_for_life_body(image: &str, text: &str) -> Value {
    json!({"template_id": RUN_FOR_LIFE, "media_inputs": [{"value": image}], "text_inputs": [{"value": text}]})
}

/// A decoded MP4: video track facts and every frame as RGB.
pub struct DecodedVideo {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub duration_secs: f64,
    pub frames: Vec<RgbImage>,
    /// Duration of the sound track (`hdlr` = `soun`), if there is one.
    pub audio_secs: Option<f64>,
}

/// Parses the MP4 and decodes every H.264 sample with openh264.
pub fn decode_mp4(bytes: &[u8]) -> DecodedVideo {
    let size = bytes.len() as u64;
    let mut reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), size).expect("valid MP4");
    let (track_id, width, height, fps, samples, sps, pps, duration) = {
        let track = reader
            .tracks()
            .values()
            .find(|t| t.media_type().ok() == Some(mp4::MediaType::H264))
            .expect("an H.264 track");
        (
            track.track_id(),
            track.width() as u32,
            track.height() as u32,
            track.frame_rate(),
            track.sample_count(),
            track.sequence_parameter_set().expect("SPS").to_vec(),
            track.picture_parameter_set().expect("PPS").to_vec(),
            track.duration().as_secs_f64(),
        )
    };
    let audio_secs = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Audio))
        .map(|t| t.duration().as_secs_f64());
    let mut decoder = openh264::decoder::Decoder::new().unwrap();
    let mut frames = Vec::new();
    let start_code = [0u8, 0, 0, 1];
    let mut prefix = Vec::new();
    prefix.extend_from_slice(&start_code);
    prefix.extend_from_slice(&sps);
    prefix.extend_from_slice(&start_code);
    prefix.extend_from_slice(&pps);
    for i in 1..=samples {
        let sample = reader.read_sample(track_id, i).unwrap().expect("sample");
        let mut annexb = if i == 1 { prefix.clone() } else { Vec::new() };
        let data = &sample.bytes[..];
        let mut pos = 0;
        while pos + 4 <= data.len() {
            let n = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            annexb.extend_from_slice(&start_code);
            annexb.extend_from_slice(&data[pos + 4..pos + 4 + n]);
            pos += 4 + n;
        }
        if let Some(yuv) = decoder.decode(&annexb).expect("decodable H.264") {
            frames.push(to_rgb(&yuv));
        }
    }
    for yuv in decoder.flush_remaining().unwrap() {
        frames.push(to_rgb(&yuv));
    }
    DecodedVideo { width, height, fps, duration_secs: duration, frames, audio_secs }
}

fn to_rgb(yuv: &openh264::decoder::DecodedYUV<'_>) -> RgbImage {
    use openh264::formats::YUVSource;
    let (w, h) = yuv.dimensions();
    let mut buf = vec![0u8; w * h * 3];
    yuv.write_rgb8(&mut buf);
    RgbImage::from_raw(w as u32, h as u32, buf).unwrap()
}

fn luma(p: &image::Rgb<u8>) -> f64 {
    0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
}

/// Normalised cross-correlation of two same-size images' luma.
pub fn ncc(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let la: Vec<f64> = a.pixels().map(luma).collect();
    let lb: Vec<f64> = b.pixels().map(luma).collect();
    let n = la.len() as f64;
    let (ma, mb) = (la.iter().sum::<f64>() / n, lb.iter().sum::<f64>() / n);
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in la.iter().zip(&lb) {
        num += (x - ma) * (y - mb);
        da += (x - ma) * (x - ma);
        db += (y - mb) * (y - mb);
    }
    num / (da.sqrt() * db.sqrt()).max(1e-9)
}

/// The best correlation, over every `step`-th frame, between the region where
/// `template_id`'s photo layer puts the fixture `photo` and the photo itself.
pub fn best_photo_ncc(video: &DecodedVideo, template_id: &str, photo: &str, step: usize) -> f64 {
    let src = image::open(fixture(photo)).unwrap().to_rgb8();
    let spec = videoagent_render::TemplateRenderer::builtin().spec(template_id).cloned().expect("a template file");
    video
        .frames
        .iter()
        .enumerate()
        .step_by(step)
        .filter_map(|(i, f)| {
            let (x, y, w, h) = spec.photo_rect_at(src.dimensions(), i as f32 / video.fps as f32)?;
            let (x, y, w, h) = (x.round() as i64, y.round() as i64, w.round() as i64, h.round() as i64);
            let fits = x >= 0 && y >= 0 && w > 16 && h > 16 && x + w <= f.width() as i64 && y + h <= f.height() as i64;
            fits.then(|| {
                let expected = image::imageops::resize(&src, w as u32, h as u32, image::imageops::FilterType::Triangle);
                ncc(&image::imageops::crop_imm(f, x as u32, y as u32, w as u32, h as u32).to_image(), &expected)
            })
        })
        .fold(f64::MIN, f64::max)
}

/// Mean absolute luma difference of two frames.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    a.pixels().zip(b.pixels()).map(|(x, y)| (luma(x) - luma(y)).abs()).sum::<f64>() / (a.width() * a.height()) as f64
}

/// A tiny loopback HTTP server for image URLs: `GET /<name>` serves that
/// fixture (or a file from `extra`), and counts requests per path.
pub struct FixtureServer {
    pub base: String,
    hits: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl FixtureServer {
    pub fn hits(&self, name: &str) -> usize {
        self.hits.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

pub fn serve_fixtures() -> FixtureServer {
    serve_files(None)
}

/// Like [`serve_fixtures`], also serving files from `extra_dir`.
pub fn serve_files(extra_dir: Option<PathBuf>) -> FixtureServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            let extra_dir = extra_dir.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
                *counter.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
                let file = match &extra_dir {
                    Some(dir) if dir.join(&path).exists() => dir.join(&path),
                    _ => fixture(&path),
                };
                let reply = match std::fs::read(file) {
                    Ok(body) => {
                        let mut r =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                                .into_bytes();
                        r.extend(body);
                        r
                    }
                    Err(_) => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                };
                let _ = stream.write_all(&reply);
            });
        }
    });
    FixtureServer { base, hits }
}
