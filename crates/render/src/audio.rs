//! The soundtrack: synthesized deterministically (a soft pad chord, a gentle
//! beat and a shimmer that follow the video's length), encoded to Opus
//! (pure Rust, no cmake or nasm needed) for the MP4's audio track.

use crate::RenderError;
use opus_rs::{Application, OpusEncoder};

pub const SAMPLE_RATE: u32 = 48_000;
pub const CHANNELS: u16 = 2;
/// 20 ms Opus frames.
pub const FRAME: usize = 960;
const BITRATE: i32 = 96_000;

/// What a template's soundtrack sounds like.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Soundtrack {
    /// Beats per minute of the kick.
    #[serde(default = "default_bpm")]
    pub bpm: f32,
    /// Root of the pad chord in Hz.
    #[serde(default = "default_root")]
    pub root: f32,
    /// A minor (true) or major (false) pad chord.
    #[serde(default = "yes")]
    pub minor: bool,
    /// 0 = pad only, 1 = full kick and hi-hat.
    #[serde(default = "default_energy")]
    pub energy: f32,
}

fn default_bpm() -> f32 {
    96.0
}
fn default_root() -> f32 {
    110.0
}
fn yes() -> bool {
    true
}
fn default_energy() -> f32 {
    1.0
}

impl Default for Soundtrack {
    fn default() -> Self {
        Soundtrack { bpm: default_bpm(), root: default_root(), minor: true, energy: default_energy() }
    }
}

/// Interleaved stereo samples of a soundtrack, `secs` long.
pub fn soundtrack(secs: f64, params: &Soundtrack) -> Vec<f32> {
    let n = (secs * f64::from(SAMPLE_RATE)).round() as usize;
    let sr = f64::from(SAMPLE_RATE);
    // Pad: root, fifth, octave and the third (minor or major), slightly detuned between channels.
    let root = f64::from(params.root.clamp(40.0, 880.0));
    let third = if params.minor { 2f64.powf(15.0 / 12.0) } else { 2f64.powf(16.0 / 12.0) };
    let chord = [root, root * 1.4983, root * 2.0, root * third];
    let beat = 60.0 / f64::from(params.bpm.clamp(30.0, 240.0));
    let energy = f64::from(params.energy.clamp(0.0, 1.0));
    let mut out = Vec::with_capacity(n * 2);
    let mut noise: u32 = 0x1234_5678;
    for i in 0..n {
        let t = i as f64 / sr;
        // Fade in 0.5 s, out over the last 0.8 s.
        let env = (t / 0.5).min(1.0) * ((secs - t) / 0.8).clamp(0.0, 1.0);
        let swell = 0.75 + 0.25 * (std::f64::consts::TAU * t / 4.0).sin();
        let mut left = 0.0;
        let mut right = 0.0;
        for (k, f) in chord.iter().enumerate() {
            let amp = 0.06 / (1.0 + k as f64 * 0.3);
            left += amp * (std::f64::consts::TAU * f * t).sin();
            right += amp * (std::f64::consts::TAU * f * 1.003 * t).sin();
        }
        // Kick: a short decaying low sine at each beat.
        let since = t % beat;
        let kick = energy
            * 0.25
            * (-since * 18.0).exp()
            * (std::f64::consts::TAU * (55.0 + 60.0 * (-since * 30.0).exp()) * since).sin();
        // Hi-hat shimmer on the off-beat: filtered noise burst.
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let off = (t + beat / 2.0) % beat;
        let hat = energy * 0.03 * (-off * 60.0).exp() * ((noise as f64 / u32::MAX as f64) * 2.0 - 1.0);
        let l = env * (left * swell + kick + hat);
        let r = env * (right * swell + kick + hat);
        out.push(l.clamp(-1.0, 1.0) as f32);
        out.push(r.clamp(-1.0, 1.0) as f32);
    }
    out
}

/// Encodes interleaved stereo samples into 20 ms Opus packets (the last frame zero-padded).
pub fn encode_opus(samples: &[f32]) -> Result<Vec<Vec<u8>>, RenderError> {
    let mut enc = OpusEncoder::new(SAMPLE_RATE as i32, usize::from(CHANNELS), Application::Audio)
        .map_err(|e| RenderError::Encode(format!("opus: {e}")))?;
    enc.bitrate_bps = BITRATE;
    let step = FRAME * usize::from(CHANNELS);
    let mut packets = Vec::with_capacity(samples.len() / step + 1);
    let mut frame = vec![0f32; step];
    let mut out = vec![0u8; 4000];
    for chunk in samples.chunks(step) {
        frame[..chunk.len()].copy_from_slice(chunk);
        frame[chunk.len()..].fill(0.0);
        let n = enc.encode(&frame, FRAME, &mut out).map_err(|e| RenderError::Encode(format!("opus: {e}")))?;
        packets.push(out[..n].to_vec());
    }
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundtrack_is_audible_bounded_and_encodes() {
        let s = soundtrack(2.0, &Soundtrack::default());
        assert_eq!(s.len(), 2 * 96_000);
        let rms = (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
        assert!(rms > 0.02, "audible: rms {rms}");
        assert!(s.iter().all(|x| x.abs() <= 1.0));
        let packets = encode_opus(&s).unwrap();
        assert_eq!(packets.len(), 100);
        assert!(packets.iter().all(|p| !p.is_empty()));
        assert_eq!(soundtrack(2.0, &Soundtrack::default()), s, "deterministic");
        let calm = soundtrack(2.0, &Soundtrack { bpm: 70.0, root: 130.0, minor: false, energy: 0.2 });
        assert_ne!(calm, s, "parameters change the music");
    }
}
