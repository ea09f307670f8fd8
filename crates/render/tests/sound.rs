//! The soundtrack's cues and limiter end to end: a short template with cues
//! rendered to an MP4 through the real encoders, its Opus track decoded
//! (opus-rs, as in `pins.rs`) and measured: peaks under −1 dBFS, a sensible
//! loudness, and an impact's energy peaking on its beat.
//!
//! `cargo test -p videoagent-render --test sound -- --ignored` also writes a
//! demo mix of every cue kind to `$SOUND_DEMO_DIR` (default
//! `/tmp/sound-look`) as `demo.wav`, with `demo.txt` listing the cues.

use std::sync::atomic::AtomicBool;
use videoagent_codec::audio::{encode_opus, CHANNELS, FRAME, SAMPLE_RATE};
use videoagent_render::engine::render_spec;
use videoagent_render::soundtrack::{soundtrack, Cue, CueKind, Soundtrack};
use videoagent_render::{RenderControl, RenderJob, TemplateSpec, LANES};

/// Opus's pre-skip: the encoder's look-ahead, in samples, which the decoded
/// track starts with (players drop it, as the MP4 tells them).
const PRE_SKIP: usize = 312;
const SR: f64 = SAMPLE_RATE as f64;

const TEMPLATE: &str = r##"{
  "id": "sound-test", "name": "Sound", "width": 64, "height": 36, "fps": 10, "duration": 4,
  "soundtrack": { "bpm": 100, "energy": 0.6, "cues": [
    { "kind": "riser", "at": 1.2, "secs": 1.0 },
    { "kind": "whoosh", "at": 1.2 },
    { "kind": "impact", "at": 1.2 },
    { "kind": "impact", "at": 2.65, "gain": 2 },
    { "kind": "stamp", "at": 2.7, "gain": 2 },
    { "kind": "crowd", "at": 2.9, "secs": 1.0, "gain": 2 }
  ] },
  "layers": [ { "type": "gradient", "top": "#203040", "bottom": "#405060" } ]
}"##;

#[allow(clippy::disallowed_methods)] // log10 for a test's figures, not a render
fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// The decoded audio track of an MP4 (interleaved stereo, pre-skip dropped).
fn decode_audio(bytes: &[u8]) -> Vec<f32> {
    let mut reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), bytes.len() as u64).unwrap();
    let track = reader.tracks().values().find(|t| t.track_type().ok() == Some(mp4::TrackType::Audio)).unwrap();
    let (id, count) = (track.track_id(), track.sample_count());
    let mut decoder = opus_rs::OpusDecoder::new(SAMPLE_RATE as i32, usize::from(CHANNELS)).unwrap();
    let mut sound = Vec::new();
    let mut pcm = vec![0f32; FRAME * usize::from(CHANNELS)];
    for i in 1..=count {
        let packet = reader.read_sample(id, i).unwrap().unwrap().bytes;
        let n = decoder.decode(&packet, FRAME, &mut pcm).unwrap();
        sound.extend_from_slice(&pcm[..n * usize::from(CHANNELS)]);
    }
    sound.split_off(PRE_SKIP * usize::from(CHANNELS))
}

/// The time (secs) of the loudest 20 ms of `s` (interleaved stereo) within `range` seconds.
fn loudest(s: &[f32], range: std::ops::Range<f64>) -> f64 {
    let mono: Vec<f64> = s.chunks(2).map(|c| f64::from(c[0] + c[1]) / 2.0).collect();
    let (win, hop) = (960, 48);
    let from = (range.start * SR) as usize;
    let to = ((range.end * SR) as usize).min(mono.len()) - win;
    let energy = |i: usize| mono[i..i + win].iter().map(|x| x * x).sum::<f64>();
    let best = (from..to).step_by(hop).max_by(|a, b| energy(*a).total_cmp(&energy(*b))).unwrap();
    (best + win / 2) as f64 / SR
}

#[test]
fn cues_survive_the_encoder_on_their_beats_under_minus_1_dbfs() {
    let spec = TemplateSpec::parse(TEMPLATE, "sound.json").unwrap();
    assert_eq!(spec.soundtrack.cues.len(), 6);
    let job = RenderJob {
        template_id: spec.id.clone(),
        template_name: spec.name.clone(),
        texts: vec![],
        images: vec![],
        cutouts: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sound.mp4");
    let cancel = AtomicBool::new(false);
    let ctl = RenderControl { cancel: &cancel, progress: &|_, _| {}, audio: Default::default(), lanes: LANES };
    render_spec(&spec, &job, &out, &ctl).unwrap();
    let sound = decode_audio(&std::fs::read(&out).unwrap());
    assert!(sound.len() >= 2 * (4 * SAMPLE_RATE as usize - PRE_SKIP), "{} samples", sound.len());

    let peak = sound.iter().fold(0.0f64, |m, x| m.max(f64::from(x.abs())));
    let rms = (sound.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / sound.len() as f64).sqrt();
    eprintln!("decoded: peak {:.2} dBFS, rms {:.1} dBFS", db(peak), db(rms));
    assert!(db(peak) <= -1.0, "decoded peak {:.2} dBFS", db(peak));
    assert!(db(rms) > -40.0, "decoded rms {:.1} dBFS", db(rms));
    // The synthesized mix peaks at the limiter's ceiling, −2 dBFS, or up to 1 dB under it where
    // the limiter works hard; it was loud enough to need it.
    let synth = soundtrack(4.0, &spec.soundtrack);
    let synth_peak = synth.iter().fold(0.0f64, |m, x| m.max(f64::from(x.abs())));
    assert!((-3.01..=-2.0).contains(&db(synth_peak)), "synthesized peak {:.2} dBFS", db(synth_peak));

    // Each impact is the loudest moment around its beat (the riser and whoosh lead into the first).
    for (beat, around) in [(1.2, 0.4..2.0), (2.65, 2.2..3.1)] {
        let t = loudest(&sound, around);
        assert!((t - beat).abs() <= 0.1, "impact at {beat}: the decoded energy peaks at {t:.3}");
    }
}

/// Every kind, repeated over the music at gain 1 and at the most gain
/// (2), decodes under −1 dBFS: Opus does not keep a waveform's exact peaks,
/// least of all where loud noise was limited hard, and the cue levels and the
/// limiter leave room for that.
#[test]
fn every_kind_at_full_gain_decodes_under_minus_1_dbfs() {
    let mut worst = (f64::MIN, String::new());
    for kind in CueKind::ALL {
        for gain in [1.0, 2.0] {
            let cues = (0..8).map(|k| Cue { kind, at: 0.5 + 0.6 * k as f32, gain, secs: None }).collect();
            let sound = soundtrack(6.0, &Soundtrack { cues, ..Soundtrack::default() });
            let mut decoder = opus_rs::OpusDecoder::new(SAMPLE_RATE as i32, usize::from(CHANNELS)).unwrap();
            let mut pcm = vec![0f32; FRAME * usize::from(CHANNELS)];
            let mut peak = 0.0f64;
            for packet in encode_opus(&sound).unwrap() {
                let n = decoder.decode(&packet, FRAME, &mut pcm).unwrap();
                peak = pcm[..n * usize::from(CHANNELS)].iter().fold(peak, |m, x| m.max(f64::from(x.abs())));
            }
            if db(peak) > worst.0 {
                worst = (db(peak), format!("{kind:?} at gain {gain}"));
            }
        }
    }
    eprintln!("loudest decoded: {:.2} dBFS ({})", worst.0, worst.1);
    assert!(worst.0 <= -1.0, "{} decodes at {:.2} dBFS", worst.1, worst.0);
}

/// Writes a demo of every cue kind over the music (see the module docs).
#[test]
#[ignore]
fn write_demo_wav() {
    let dir = std::env::var("SOUND_DEMO_DIR").unwrap_or_else(|_| "/tmp/sound-look".into());
    std::fs::create_dir_all(&dir).unwrap();
    let cue = |kind, at| Cue { kind, at, gain: 1.0, secs: None };
    let cues: Vec<Cue> = vec![
        cue(CueKind::Whoosh, 1.0),
        cue(CueKind::Impact, 2.0),
        Cue { secs: Some(1.5), ..cue(CueKind::Riser, 4.0) },
        cue(CueKind::Impact, 4.0),
        cue(CueKind::Crowd, 5.0),
        cue(CueKind::Ambience, 7.5),
        cue(CueKind::Roar, 11.0),
        cue(CueKind::Stamp, 13.0),
        cue(CueKind::Clank, 14.0),
        cue(CueKind::Bell, 15.0),
        cue(CueKind::Sigh, 17.0),
        cue(CueKind::Splash, 19.0),
    ];
    let listing: String = cues.iter().map(|c| format!("{:?} {} {}\n", c.kind, c.at, c.length())).collect();
    let music = Soundtrack { energy: 0.5, cues, ..Soundtrack::default() };
    let samples = soundtrack(21.0, &music);
    let mut wav = Vec::with_capacity(44 + samples.len() * 2);
    let data = (samples.len() * 2) as u32;
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&CHANNELS.to_le_bytes());
    wav.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    wav.extend_from_slice(&(SAMPLE_RATE * 4).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&((s * 32767.0).round() as i16).to_le_bytes());
    }
    std::fs::write(format!("{dir}/demo.wav"), wav).unwrap();
    std::fs::write(format!("{dir}/demo.txt"), listing).unwrap();
}
