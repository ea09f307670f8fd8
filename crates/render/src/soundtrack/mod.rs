//! The soundtrack: synthesized deterministically. A bed of music (a soft pad
//! chord, a gentle beat and a shimmer that follow the video's length), the
//! template's sound [`cues`](Cue) on their beats over it, and a look-ahead
//! limiter over the whole mix (peaks at most −2 dBFS, so the decoded Opus
//! stays under −1 dBFS); as interleaved stereo PCM for the codec's audio
//! encoder.

mod cues;
mod dsp;
mod limiter;

pub use cues::{Cue, CueKind};

use crate::math::{exp, pow};
use dsp::{approx_sin, Osc};
use videoagent_codec::audio::SAMPLE_RATE;

/// The limiter's ceiling: −2 dBFS (10^(−2/20)), a hair under it so the
/// samples rounded to `f32` cannot land above.
pub const CEILING: f32 = 0.794_2;

/// What a template's soundtrack sounds like.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
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
    /// Sound effects on the video's beats, mixed over the music (in any
    /// order; they may overlap).
    #[serde(default)]
    pub cues: Vec<Cue>,
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
        Soundtrack { bpm: default_bpm(), root: default_root(), minor: true, energy: default_energy(), cues: Vec::new() }
    }
}

/// Interleaved stereo samples of a soundtrack, `secs` long: the music, its
/// cues, limited to [`CEILING`]. A pure function of its arguments: the same
/// samples, bit for bit, on every call and every machine.
pub fn soundtrack(secs: f64, params: &Soundtrack) -> Vec<f32> {
    let mut mix = bed(secs, params);
    if !params.cues.is_empty() && !mix.is_empty() {
        let mut fx = vec![0.0; mix.len()];
        cues::add_cues(&mut fx, &params.cues);
        // Cues cut by the video's ends fade over 10 ms there instead of clicking.
        let frames = fx.len() / 2;
        let edge = dsp::samples(0.01).min(frames / 2).max(1);
        for i in 0..edge {
            let w = i as f64 / edge as f64;
            for k in [2 * i, 2 * i + 1, 2 * (frames - 1 - i), 2 * (frames - 1 - i) + 1] {
                fx[k] *= w;
            }
        }
        mix.iter_mut().zip(&fx).for_each(|(m, f)| *m += f);
    }
    limiter::limit(&mut mix, f64::from(CEILING));
    mix.into_iter().map(|x| x as f32).collect()
}

/// The music under the cues: interleaved stereo, each sample in [−1, 1].
fn bed(secs: f64, params: &Soundtrack) -> Vec<f64> {
    let n = (secs * f64::from(SAMPLE_RATE)).round() as usize;
    let sr = f64::from(SAMPLE_RATE);
    // Pad: root, fifth, octave and the third (minor or major), slightly detuned between channels.
    let root = f64::from(params.root.clamp(40.0, 880.0));
    let third = if params.minor { pow(2.0, 15.0 / 12.0) } else { pow(2.0, 16.0 / 12.0) };
    let chord = [root, root * 1.4983, root * 2.0, root * third];
    let amps: [f64; 4] = std::array::from_fn(|k| 0.06 / (1.0 + k as f64 * 0.3));
    let mut left: [Osc; 4] = std::array::from_fn(|k| Osc::new(chord[k]));
    let mut right: [Osc; 4] = std::array::from_fn(|k| Osc::new(chord[k] * 1.003));
    let mut swell = Osc::new(0.25);
    let beat = 60.0 / f64::from(params.bpm.clamp(30.0, 240.0));
    let energy = f64::from(params.energy.clamp(0.0, 1.0));
    // Per-sample decay factors of the kick's envelope, its pitch glide and the hi-hat.
    let (kick_decay, glide_decay, hat_decay) = (exp(-18.0 / sr), exp(-30.0 / sr), exp(-60.0 / sr));
    let (mut kick_env, mut glide, mut kick_phase, mut hat_env) = (0.0, 0.0, 0.0, 0.0);
    let (mut next_kick, mut next_hat) = (0.0, beat / 2.0);
    let mut out = Vec::with_capacity(n * 2);
    let mut noise: u32 = 0x1234_5678;
    for i in 0..n {
        let t = i as f64 / sr;
        if i % 4096 == 0 {
            left.iter_mut().chain(right.iter_mut()).chain([&mut swell]).for_each(Osc::renormalise);
        }
        // Fade in 0.5 s, out over the last 0.8 s.
        let env = (t / 0.5).min(1.0) * ((secs - t) / 0.8).clamp(0.0, 1.0);
        let swell = 0.75 + 0.25 * swell.next();
        let (mut l, mut r) = (0.0, 0.0);
        for k in 0..4 {
            l += amps[k] * left[k].next();
            r += amps[k] * right[k].next();
        }
        // Kick: a short decaying low sine at each beat, its pitch gliding down.
        if t >= next_kick {
            next_kick += beat;
            (kick_env, glide, kick_phase) = (1.0, 1.0, 0.0);
        }
        kick_phase += std::f64::consts::TAU * (55.0 + 60.0 * glide) / sr;
        if kick_phase >= std::f64::consts::PI {
            kick_phase -= std::f64::consts::TAU; // kept in [−π, π): no `fmod` per sample
        }
        let kick = energy * 0.25 * kick_env * approx_sin(kick_phase);
        kick_env *= kick_decay;
        glide *= glide_decay;
        // Hi-hat shimmer on the off-beat: a noise burst.
        if t >= next_hat {
            next_hat += beat;
            hat_env = 1.0;
        }
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let hat = energy * 0.03 * hat_env * ((f64::from(noise) / f64::from(u32::MAX)) * 2.0 - 1.0);
        hat_env *= hat_decay;
        out.push((env * (l * swell + kick + hat)).clamp(-1.0, 1.0));
        out.push((env * (r * swell + kick + hat)).clamp(-1.0, 1.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use videoagent_codec::audio::encode_opus;

    const SR: f64 = SAMPLE_RATE as f64;

    fn db(x: f64) -> f64 {
        20.0 * crate::math::log2(x) * std::f64::consts::LOG10_2
    }

    fn peak(s: &[f32]) -> f64 {
        s.iter().fold(0.0f64, |m, x| m.max(f64::from(x.abs())))
    }

    fn rms(s: &[f32]) -> f64 {
        (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len().max(1) as f64).sqrt()
    }

    fn cue(kind: CueKind, at: f32) -> Cue {
        Cue { kind, at, gain: 1.0, secs: None }
    }

    fn with_cues(cues: Vec<Cue>) -> Soundtrack {
        Soundtrack { cues, ..Soundtrack::default() }
    }

    /// Mono energy of `s` (interleaved stereo) in 20 ms windows hopping by 5 ms: (centre secs, energy).
    fn energy(s: &[f32]) -> Vec<(f64, f64)> {
        let mono: Vec<f64> = s.chunks(2).map(|c| f64::from(c[0] + c[1]) / 2.0).collect();
        let (win, hop) = (960, 240);
        (0..mono.len().saturating_sub(win))
            .step_by(hop)
            .map(|i| ((i + win / 2) as f64 / SR, mono[i..i + win].iter().map(|x| x * x).sum()))
            .collect()
    }

    #[test]
    fn soundtrack_is_audible_bounded_and_encodes() {
        let s = soundtrack(2.0, &Soundtrack::default());
        assert_eq!(s.len(), 2 * 96_000);
        assert!(rms(&s) > 0.02, "audible: rms {}", rms(&s));
        assert!(s.iter().all(|x| x.abs() <= 1.0));
        let packets = encode_opus(&s).unwrap();
        assert_eq!(packets.len(), 100);
        assert!(packets.iter().all(|p| !p.is_empty()));
        assert_eq!(soundtrack(2.0, &Soundtrack::default()), s, "deterministic");
        let calm = soundtrack(2.0, &Soundtrack { bpm: 70.0, root: 130.0, minor: false, energy: 0.2, cues: vec![] });
        assert_ne!(calm, s, "parameters change the music");
    }

    #[test]
    fn a_dense_mix_stays_under_the_ceiling_and_loud_enough() {
        // Impacts and whooshes every 100 ms at the most gain, over the full beat, plus a roar and a crowd.
        let mut cues: Vec<Cue> = (0..40)
            .flat_map(|k| {
                let at = 0.2 + k as f32 * 0.1;
                [Cue { gain: 2.0, ..cue(CueKind::Impact, at) }, Cue { gain: 2.0, ..cue(CueKind::Whoosh, at + 0.05) }]
            })
            .collect();
        cues.extend(
            [CueKind::Roar, CueKind::Crowd, CueKind::Splash, CueKind::Riser].map(|k| Cue { gain: 2.0, ..cue(k, 2.5) }),
        );
        let s = soundtrack(5.0, &with_cues(cues));
        let ceiling = pow(10.0f64, -2.0 / 20.0);
        assert!(peak(&s) <= ceiling + 1e-6, "peak {:.3} dBFS", db(peak(&s)));
        // Near it, not far under (heavy limiting goes up to 1 dB deeper, for the codec).
        assert!(db(peak(&s)) > -3.05, "the limiter works near its ceiling: {:.2} dBFS", db(peak(&s)));
        assert!(db(rms(&s)) > -20.0, "rms {:.1} dBFS", db(rms(&s)));
        // A typical mix: the music and a few cues.
        let typical = with_cues(vec![cue(CueKind::Whoosh, 1.0), cue(CueKind::Impact, 1.0), cue(CueKind::Bell, 3.0)]);
        let s = soundtrack(5.0, &typical);
        assert!(db(rms(&s)) > -35.0, "rms {:.1} dBFS", db(rms(&s)));
        assert!(peak(&s) <= ceiling + 1e-6);
        // The music alone is never limited: the same samples as before the limiter existed.
        let bed: Vec<f32> = bed(5.0, &Soundtrack::default()).into_iter().map(|x| x as f32).collect();
        assert!(soundtrack(5.0, &Soundtrack::default()) == bed);
    }

    #[test]
    fn every_kind_sounds_around_its_beat_and_leaves_the_music_alone_elsewhere() {
        let secs = 8.0;
        let music = soundtrack(secs, &Soundtrack::default());
        let at = 3.0f32;
        for kind in CueKind::ALL {
            let c = cue(kind, at);
            let s = soundtrack(secs, &with_cues(vec![c]));
            let diff: Vec<f32> = s.iter().zip(&music).map(|(a, b)| a - b).collect();
            let frame = |t: f64| 2 * (t * SR).round() as usize;
            let (start, end) = (f64::from(c.start()), f64::from(c.start() + c.length()));
            // Loud where it plays (compared with the music).
            let during = &diff[frame(start)..frame(end)];
            assert!(db(rms(during)) > -30.0, "{kind:?}: {:.1} dBFS", db(rms(during)));
            let near = &diff[frame((f64::from(at) - 0.3).max(start))..frame((f64::from(at) + 0.3).min(end))];
            assert!(peak(near) > 0.05, "{kind:?} is quiet at its beat");
            // Nothing at all before it (beyond the limiter's 5 ms look-ahead) or a second after it.
            assert!(diff[..frame(start - 0.01)].iter().all(|x| *x == 0.0), "{kind:?} before");
            assert!(diff[frame(end + 1.0)..].iter().all(|x| *x == 0.0), "{kind:?} after");
        }
    }

    #[test]
    fn an_impact_is_the_loudest_moment_within_100_ms_of_its_beat() {
        for at in [0.7f32, 1.93, 3.1, 4.45, 5.52] {
            let s = soundtrack(6.0, &with_cues(vec![cue(CueKind::Impact, at)]));
            let e = energy(&s);
            let (t, _) = e.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
            assert!((t - f64::from(at)).abs() <= 0.1, "impact at {at}: energy peaks at {t:.3}");
        }
        // Also among a whoosh leading into it and a riser ending on it.
        let at = 2.5;
        let s = soundtrack(
            4.0,
            &with_cues(vec![cue(CueKind::Riser, at), cue(CueKind::Whoosh, at), cue(CueKind::Impact, at)]),
        );
        let (t, _) = energy(&s).into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        assert!((t - f64::from(at)).abs() <= 0.1, "energy peaks at {t:.3}");
    }

    #[test]
    fn a_riser_grows_towards_its_beat() {
        let at = 3.0;
        let music = soundtrack(4.0, &Soundtrack::default());
        let c = Cue { secs: Some(2.0), ..cue(CueKind::Riser, at) };
        let s = soundtrack(4.0, &with_cues(vec![c]));
        let diff: Vec<f32> = s.iter().zip(&music).map(|(a, b)| a - b).collect();
        // RMS of each quarter of its 2 s.
        let quarter = |q: usize| {
            let from = 2 * ((1.0 + 0.5 * q as f64) * SR) as usize;
            rms(&diff[from..from + SR as usize])
        };
        let q: Vec<f64> = (0..4).map(quarter).collect();
        assert!(q.windows(2).all(|w| w[1] > w[0]) && q[3] > 4.0 * q[0], "{q:?}");
    }

    #[test]
    fn mixes_are_deterministic() {
        let cues: Vec<Cue> = CueKind::ALL.iter().enumerate().map(|(i, k)| cue(*k, 0.5 + 0.4 * i as f32)).collect();
        let params = with_cues(cues);
        let bits = |s: Vec<f32>| s.into_iter().map(f32::to_bits).collect::<Vec<u32>>();
        let a = bits(soundtrack(6.0, &params));
        assert_eq!(a, bits(soundtrack(6.0, &params)));
        // The same kind at another index has other noise, but the same loudness shape.
        let mut shifted = params.clone();
        shifted.cues.insert(0, Cue { gain: 0.0, ..cue(CueKind::Bell, 0.0) });
        assert_ne!(a, bits(soundtrack(6.0, &shifted)));
    }
}
