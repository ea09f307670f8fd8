//! The bytes of one short render of each built-in look, pinned: the MD5 of
//! the video track's H.264 samples, which must be the same on every machine
//! (so a render cache and exact tests hold when workers spread over
//! machines). Checked again in a child process with every SIMD kernel capped
//! to its scalar twin (`VIDEOAGENT_SIMD=scalar`), which must give the same
//! bytes. The soundtrack is checked as sound, not bytes (its encoder may
//! pick its own SIMD kernels): the decoded Opus track must match the
//! synthesized samples, sample-aligned, within 15 dB SNR.
//!
//! After an intended change of look, refresh the pins with
//!
//!     UPDATE_PINS=1 cargo test -p videoagent-render --test pins
//!
//! and look at the renders (e.g. `videoagent render --frame`) before
//! committing `tests/pins.txt`.

use image::RgbImage;
use md5::{Digest, Md5};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use videoagent_codec::audio::{CHANNELS, FRAME, SAMPLE_RATE};
use videoagent_codec::simd::{self, Level};
use videoagent_render::soundtrack::{soundtrack, Soundtrack};
use videoagent_render::{RenderControl, RenderJob, Renderer, TemplateRenderer, LANES};

/// (name, template id, image, texts)
type Case = (&'static str, &'static str, Option<&'static str>, &'static [&'static str]);

/// One of each look: the four template files, the simple photo look and its title card.
const CASES: &[Case] = &[
    ("run_for_life", "393769180141805569", Some("photo_coffee.png"), &["狮子"]),
    ("diving", "392747428568649728", Some("photo_astronaut.jpg"), &[]),
    ("four_seasons", "398574688191234048", Some("photo_astronaut.jpg"), &[]),
    ("art_fonts", "394875727173492739", None, &["OCEAN", "waves"]),
    ("simple_photo", "393881433990066176", Some("photo_rocket.webp"), &[]),
    ("simple_title", "394125185182695432", None, &["Monday again"]),
];

/// Seconds of each template-file render: enough for the first scenes, short for tests.
const SHORT_SECS: f32 = 2.0;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> RgbImage {
    image::open(manifest().join("../../tests/fixtures/images").join(name)).unwrap().to_rgb8()
}

/// The built-in templates, each cut to [`SHORT_SECS`].
fn short_renderer() -> TemplateRenderer {
    let builtin = TemplateRenderer::builtin();
    builtin.specs().cloned().fold(TemplateRenderer::builtin(), |r, mut spec| {
        spec.duration = spec.duration.min(SHORT_SECS);
        r.with_spec(spec)
    })
}

struct Rendered {
    video_md5: String,
    /// Decoded soundtrack, interleaved stereo.
    sound: Vec<f32>,
    /// What the soundtrack was made from.
    music: Soundtrack,
    secs: f64,
}

fn render(renderer: &TemplateRenderer, (name, id, image, texts): &Case) -> Rendered {
    let job = RenderJob {
        cutouts: Vec::new(),
        template_id: id.to_string(),
        template_name: name.to_string(),
        texts: texts.iter().map(|t| t.to_string()).collect(),
        images: image.iter().map(|i| fixture(i)).collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pin.mp4");
    let cancel = AtomicBool::new(false);
    let ctl = RenderControl { cancel: &cancel, progress: &|_, _| {}, audio: Default::default(), lanes: LANES };
    let summary = renderer.render(&job, &out, &ctl).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let mut reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(&bytes), bytes.len() as u64).unwrap();
    let track_of = |kind: mp4::TrackType| {
        let t = reader.tracks().values().find(|t| t.track_type().ok() == Some(kind)).expect("a track");
        (t.track_id(), t.sample_count())
    };
    let (video, video_samples) = track_of(mp4::TrackType::Video);
    let (audio, audio_samples) = track_of(mp4::TrackType::Audio);
    let mut md5 = Md5::new();
    for i in 1..=video_samples {
        md5.update(&reader.read_sample(video, i).unwrap().unwrap().bytes);
    }
    let mut decoder = opus_rs::OpusDecoder::new(SAMPLE_RATE as i32, usize::from(CHANNELS)).unwrap();
    let mut sound = Vec::new();
    let mut pcm = vec![0f32; FRAME * usize::from(CHANNELS)];
    for i in 1..=audio_samples {
        let packet = reader.read_sample(audio, i).unwrap().unwrap().bytes;
        let n = decoder.decode(&packet, FRAME, &mut pcm).unwrap();
        sound.extend_from_slice(&pcm[..n * usize::from(CHANNELS)]);
    }
    let music = renderer.spec(id).map(|s| s.soundtrack.clone()).unwrap_or_default();
    let secs = f64::from(summary.frames) / f64::from(summary.fps);
    Rendered { video_md5: hex::encode(md5.finalize()), sound, music, secs }
}

/// Opus's pre-skip: the encoder's look-ahead, in samples, which the decoded
/// track starts with (players drop it, as the MP4 tells them).
const PRE_SKIP: usize = 312;

/// The decoded sound matches the synthesized soundtrack: best aligned after
/// the pre-skip (within two samples), at 15 dB SNR or better (a perceptual
/// codec at 96 kb/s keeps about 20 dB of a waveform; a wrong or misplaced
/// soundtrack scores near 0).
#[allow(clippy::disallowed_methods)] // log10 for a figure in a test's report, not a render
fn check_sound(name: &str, r: &Rendered) -> Result<(), String> {
    let mono = |s: &[f32]| s.chunks(2).map(|c| f64::from(c[0] + c[1]) / 2.0).collect::<Vec<f64>>();
    let want = mono(&soundtrack(r.secs, &r.music));
    let got = mono(&r.sound);
    // Skip the fades; compare one second from 0.5 s on.
    let range = 24_000..72_000.min(want.len().saturating_sub(2_000));
    let score = |lag: usize| -> f64 { range.clone().map(|i| want[i] * got.get(i + lag).copied().unwrap_or(0.0)).sum() };
    let lag = (0..1_000).max_by(|a, b| score(*a).total_cmp(&score(*b))).unwrap();
    let err: f64 = range.clone().map(|i| (want[i] - got.get(i + lag).copied().unwrap_or(0.0)).powi(2)).sum();
    let energy: f64 = range.clone().map(|i| want[i].powi(2)).sum();
    let snr = 10.0 * (energy / err.max(1e-12)).log10();
    if energy > 0.0 && snr >= 15.0 && lag.abs_diff(PRE_SKIP) <= 2 {
        Ok(())
    } else {
        Err(format!("{name}: the soundtrack decodes at {snr:.1} dB SNR (lag {lag})"))
    }
}

fn pins_path() -> PathBuf {
    manifest().join("tests/pins.txt")
}

fn read_pins() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(pins_path()).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' ').map(|(name, md5)| (name.to_string(), md5.trim().to_string())))
        .collect()
}

#[test]
fn renders_match_their_pins() {
    if let Ok(cap) = std::env::var(simd::ENV_CEILING) {
        let cap: Level = cap.parse().unwrap();
        assert!(simd::level() <= cap, "the cap took effect: {:?} under {cap:?}", simd::level());
    }
    let renderer = short_renderer();
    let update = std::env::var_os("UPDATE_PINS").is_some();
    let pins = read_pins();
    let mut fresh = String::from("# MD5 of the H.264 samples of crates/render/tests/pins.rs's renders.\n");
    let mut failures = Vec::new();
    for case in CASES {
        let rendered = render(&renderer, case);
        fresh.push_str(&format!("{} {}\n", case.0, rendered.video_md5));
        match pins.get(case.0) {
            _ if update => {}
            Some(want) if *want == rendered.video_md5 => {}
            Some(want) => failures.push(format!("{}: video {} is pinned as {want}", case.0, rendered.video_md5)),
            None => failures.push(format!("{}: no pin (run with UPDATE_PINS=1)", case.0)),
        }
        if let Err(e) = check_sound(case.0, &rendered) {
            failures.push(e);
        }
    }
    if update {
        std::fs::write(pins_path(), fresh).unwrap();
    }
    assert!(failures.is_empty(), "renders differ from their pins:\n{}", failures.join("\n"));
}

/// The same pins with every SIMD kernel of ours capped to its scalar twin,
/// as on a CPU without SSSE3 or AVX2 (OpenH264's own kernels are its
/// business: its assembly matches its C).
#[test]
fn scalar_kernels_give_the_same_bytes() {
    if std::env::var_os(simd::ENV_CEILING).is_some() || std::env::var_os("UPDATE_PINS").is_some() {
        return; // the child itself, or pins being rewritten
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["renders_match_their_pins", "--exact", "--test-threads", "1"])
        .env(simd::ENV_CEILING, "scalar")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "with scalar kernels only:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"), "the child ran the pinned renders");
}
