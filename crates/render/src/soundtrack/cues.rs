//! Sound cues: short synthesized effects (a whoosh, an impact, a riser, a
//! crowd…) placed on the video's beats and mixed over the music.
//!
//! Each cue is rendered on its own, scaled so its peak is its kind's
//! [`level`] times the cue's `gain`, then added to the mix. Noise comes from
//! a xorshift generator seeded by the cue's index, so a template sounds the
//! same on every render and every machine.

use super::dsp::{glide, samples, smoothstep, soft_clip, Noise, Osc, Svf, Sweep, SR};
use crate::math::exp;
use std::f64::consts::{FRAC_PI_2, TAU};

/// One sound effect on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cue {
    /// What it sounds like.
    pub kind: CueKind,
    /// The beat, in seconds from the start of the video: where the effect
    /// lands (its peak, hit or end; see each kind).
    pub at: f32,
    /// Loudness: 1 is the kind's natural level over the music, 0 silent, 2
    /// the most (a limiter keeps the whole mix under −2 dBFS).
    #[serde(default = "unity")]
    pub gain: f32,
    /// Length in seconds, for the kinds that have one (each kind's default
    /// is in its description).
    #[serde(default)]
    pub secs: Option<f32>,
}

fn unity() -> f32 {
    1.0
}

/// The kinds of sound cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CueKind {
    /// Air rushing past: band-passed noise sweeping up then down in pitch and
    /// drifting from left to right, swelling to its loudest at `at` (it leads
    /// into the beat: 60% of `secs` before it, 40% after; `secs` defaults to
    /// 0.6).
    Whoosh,
    /// A thump or boom: a sine dropping from 120 to 40 Hz plus a short noise
    /// click, hitting at `at` and decaying over `secs` (default 0.6).
    Impact,
    /// Tension before a reveal: rising filtered noise and a rising tone with a
    /// quickening tremolo, growing over `secs` (default 1.5) and ending at `at`.
    Riser,
    /// A crowd cheering: many detuned band-passed noise voices swelling and
    /// fading at their own slow rates, from `at` for `secs` (default 2), with
    /// a fade in and out.
    Crowd,
    /// Wind or room tone: low-passed brown noise with slow swells, from `at`
    /// for `secs` (default 3), fading in and out.
    Ambience,
    /// A beast's roar: a low growling sawtooth and noise through an opening
    /// then closing low-pass, with vibrato and a falling pitch, from `at` for
    /// `secs` (default 1.4).
    Roar,
    /// A stamp landing: a short high-mid thud and a paper slap at `at`
    /// (`secs`, default 0.35, is the length of the tail).
    Stamp,
    /// A mechanical lock: two quick metallic hits (inharmonic partials,
    /// quick decay), the first at `at`, over `secs` (default 0.6).
    Clank,
    /// A door or notification ding: two sine partials decaying exponentially,
    /// struck at `at`, ringing for `secs` (default 1.5).
    Bell,
    /// A deadpan sigh: breathy band-passed noise whose centre falls, from `at`
    /// for `secs` (default 1.2).
    Sigh,
    /// Something hitting water: a bright noise transient at `at`, a falling
    /// spray and a tail of bubbles over `secs` (default 1.2).
    Splash,
}

impl CueKind {
    /// Every kind, in declaration order.
    pub const ALL: [CueKind; 11] = [
        CueKind::Whoosh,
        CueKind::Impact,
        CueKind::Riser,
        CueKind::Crowd,
        CueKind::Ambience,
        CueKind::Roar,
        CueKind::Stamp,
        CueKind::Clank,
        CueKind::Bell,
        CueKind::Sigh,
        CueKind::Splash,
    ];

    /// Length in seconds when the cue gives none.
    pub fn default_secs(self) -> f32 {
        match self {
            CueKind::Whoosh | CueKind::Impact | CueKind::Clank => 0.6,
            CueKind::Riser | CueKind::Bell => 1.5,
            CueKind::Crowd => 2.0,
            CueKind::Ambience => 3.0,
            CueKind::Roar => 1.4,
            CueKind::Stamp => 0.35,
            CueKind::Sigh | CueKind::Splash => 1.2,
        }
    }

    /// Where the sound starts relative to `at`, as a fraction of its length
    /// (negative: it leads into its beat).
    fn lead(self) -> f64 {
        match self {
            CueKind::Whoosh => -0.6,
            CueKind::Riser => -1.0,
            _ => 0.0,
        }
    }
}

/// Peak amplitude of each kind at `gain` 1 (the music's own peaks are about
/// 0.45): hits stand well over the music, beds of sound sit under it.
fn level(kind: CueKind) -> f64 {
    match kind {
        CueKind::Impact => 0.95,
        CueKind::Stamp | CueKind::Splash => 0.7,
        CueKind::Clank => 0.65,
        CueKind::Riser => 0.6,
        CueKind::Roar => 0.5,
        CueKind::Whoosh | CueKind::Bell | CueKind::Sigh => 0.45,
        CueKind::Crowd => 0.4,
        CueKind::Ambience => 0.3,
    }
}

impl Cue {
    /// Seconds it sounds for (clamped to a sane range).
    pub fn length(&self) -> f32 {
        self.secs.unwrap_or_else(|| self.kind.default_secs()).clamp(0.1, 30.0)
    }

    /// Seconds (from the start of the video) of its first sample.
    pub fn start(&self) -> f32 {
        self.at + (self.kind.lead() * f64::from(self.length())) as f32
    }
}

/// Adds every cue to interleaved stereo `mix` (the cue with index `i` gets noise seed `i`).
pub(super) fn add_cues(mix: &mut [f64], cues: &[Cue]) {
    let total = (mix.len() / 2) as i64;
    for (i, cue) in cues.iter().enumerate() {
        let gain = f64::from(cue.gain.clamp(0.0, 2.0));
        if gain == 0.0 || !cue.at.is_finite() {
            continue;
        }
        let len = f64::from(cue.length());
        let n = samples(len).max(1);
        let first = (f64::from(cue.at) * SR).round() as i64 + lead_samples(cue.kind, n);
        if first >= total || first + n as i64 <= 0 {
            continue; // wholly outside the video
        }
        let sound = render(cue.kind, n, i as u32);
        let peak = sound.iter().fold(0.0f64, |m, f| m.max(f[0].abs()).max(f[1].abs()));
        if peak == 0.0 {
            continue;
        }
        let scale = gain * level(cue.kind) / peak;
        for (k, f) in sound.iter().enumerate() {
            let at = first + k as i64;
            if (0..total).contains(&at) {
                let at = at as usize;
                mix[2 * at] += scale * f[0];
                mix[2 * at + 1] += scale * f[1];
            }
        }
    }
}

/// Where a cue of `n` samples starts relative to its beat, in samples.
fn lead_samples(kind: CueKind, n: usize) -> i64 {
    (kind.lead() * n as f64).round() as i64
}

/// `n` stereo samples of a cue of `kind`, its noise seeded by `seed`.
fn render(kind: CueKind, n: usize, seed: u32) -> Vec<[f64; 2]> {
    let mut noise = Noise::new(seed.wrapping_mul(31).wrapping_add(kind as u32 + 1));
    let mut frames = match kind {
        CueKind::Whoosh => whoosh(n, &mut noise),
        CueKind::Impact => impact(n, &mut noise),
        CueKind::Riser => riser(n, &mut noise),
        CueKind::Crowd => crowd(n, &mut noise),
        CueKind::Ambience => ambience(n, &mut noise),
        CueKind::Roar => roar(n, &mut noise),
        CueKind::Stamp => stamp(n, &mut noise),
        CueKind::Clank => clank(n, &mut noise),
        CueKind::Bell => bell(n),
        CueKind::Sigh => sigh(n, &mut noise),
        CueKind::Splash => splash(n, &mut noise),
    };
    // Every cue ends in silence (no click where its buffer stops).
    let tail = samples(0.01).min(n);
    for (k, f) in frames[n - tail..].iter_mut().enumerate() {
        let w = 1.0 - (k + 1) as f64 / tail as f64;
        f[0] *= w;
        f[1] *= w;
    }
    frames
}

/// Seconds since the first sample.
#[inline]
fn secs(i: usize) -> f64 {
    i as f64 / SR
}

/// Left/right gains of a constant-power pan, `p` from 0 (left) to 1 (right).
#[inline]
fn pan(p: f64) -> (f64, f64) {
    let (right, left) = crate::math::sin_cos(FRAC_PI_2 * p.clamp(0.0, 1.0));
    (left, right)
}

fn whoosh(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    // Peak at 60% of the way; pitch 250 Hz → 3 kHz → 400 Hz; pan 0.3 → 0.7.
    let peak = (0.6 * n as f64).max(1.0);
    let (mut low, mut high) = (Svf::default(), Svf::default());
    (0..n)
        .map(|i| {
            let i = i as f64;
            let (env, hz) = if i < peak {
                let u = i / peak;
                (u * u * u, glide(250.0, 3000.0, u))
            } else {
                let u = 1.0 - (i - peak) / (n as f64 - peak).max(1.0);
                (u * u, glide(400.0, 3000.0, u))
            };
            low.tune(hz, 2.5);
            high.tune(hz * 2.1, 3.0);
            let w = noise.white();
            let s = env * (low.step(w).band + 0.25 * high.step(w).band);
            let (l, r) = pan(0.3 + 0.4 * i / n as f64);
            [s * l, s * r]
        })
        .collect()
}

fn impact(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let decay = secs(n) / 5.0;
    let mut body = Sweep::default();
    let mut thwack = Sweep::default();
    let mut click = Svf::new(3500.0, 0.7);
    (0..n)
        .map(|i| {
            let t = secs(i);
            let attack = (t / 0.002).min(1.0);
            let hz = 40.0 + 80.0 * exp(-t / 0.05);
            let boom = attack * exp(-t / decay) * soft_clip(1.8 * body.sine(hz));
            let mid = attack * exp(-t / 0.03) * thwack.sine(2.0 * hz + 60.0);
            let c = exp(-t / 0.005) * click.step(noise.white()).low;
            let s = 0.85 * boom + 0.3 * mid + 0.6 * c;
            [s, s]
        })
        .collect()
}

fn riser(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let mut band = Svf::default();
    let (mut tone, mut fifth, mut trem) = (Sweep::default(), Sweep::default(), Sweep::default());
    (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            band.tune(glide(200.0, 4500.0, u), 1.0 + 4.0 * u);
            let hz = glide(150.0, 1200.0, u);
            let air = band.step(noise.white()).band;
            let pitch = tone.sine(hz) + 0.4 * fifth.sine(hz * 1.5);
            let tremolo = 0.8 + 0.2 * trem.sine(glide(3.0, 16.0, u));
            let s = u * u * (0.9 * air + 0.35 * pitch) * tremolo;
            [s, s]
        })
        .collect()
}

/// Fade in over `fade_in` seconds and out over the last `fade_out`.
fn fades(i: usize, n: usize, fade_in: f64, fade_out: f64) -> f64 {
    let (t, len) = (secs(i), secs(n));
    let fade_in = fade_in.min(len / 3.0);
    let fade_out = fade_out.min(len / 3.0);
    smoothstep(t / fade_in) * smoothstep((len - t) / fade_out)
}

fn crowd(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    struct Voice {
        filter: Svf,
        swell: Osc,
        pan: (f64, f64),
        onset: f64,
    }
    let mut voices: Vec<Voice> = (0..16)
        .map(|_| {
            let hz = 350.0 + 1400.0 * noise.unit();
            let q = 3.0 + 5.0 * noise.unit();
            let rate = 0.4 + 2.2 * noise.unit();
            let phase = TAU * noise.unit();
            let p = pan(0.3 + 0.4 * noise.unit());
            Voice { filter: Svf::new(hz, q), swell: Osc::with_phase(rate, phase), pan: p, onset: 0.3 * noise.unit() }
        })
        .collect();
    let mut hiss = [Svf::new(2500.0, 0.6), Svf::new(2500.0, 0.6)];
    (0..n)
        .map(|i| {
            if i % 4096 == 0 {
                voices.iter_mut().for_each(|v| v.swell.renormalise());
            }
            let t = secs(i);
            let (mut l, mut r) = (0.0, 0.0);
            for v in &mut voices {
                let swell = 0.55 + 0.45 * v.swell.next();
                let s = smoothstep((t - v.onset) / 0.25) * swell * v.filter.step(noise.white()).band;
                l += v.pan.0 * s;
                r += v.pan.1 * s;
            }
            let w = noise.white();
            l += 0.3 * hiss[0].step(w + 0.3 * noise.white()).low;
            r += 0.3 * hiss[1].step(w + 0.3 * noise.white()).low;
            let env = fades(i, n, 0.3, 0.6);
            [env * l, env * r]
        })
        .collect()
}

fn ambience(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let mut brown = [0.0f64; 2];
    let mut filter = [Svf::default(), Svf::default()];
    let (mut slow, mut slower) = (Osc::with_phase(0.31, TAU * noise.unit()), Osc::new(0.13));
    (0..n)
        .map(|i| {
            if i % 4096 == 0 {
                slow.renormalise();
                slower.renormalise();
            }
            let swell = 0.5 + 0.3 * slower.next() + 0.2 * slow.next();
            let mut out = [0.0; 2];
            let common = noise.white();
            for c in 0..2 {
                brown[c] = 0.995 * brown[c] + 0.05 * (0.8 * common + 0.3 * noise.white());
                if i % 32 == 0 {
                    filter[c].tune(300.0 + 500.0 * swell, 0.9);
                }
                out[c] = (0.5 + 0.5 * swell) * filter[c].step(brown[c]).low;
            }
            let env = fades(i, n, 0.6, 0.8);
            [env * out[0], env * out[1]]
        })
        .collect()
}

fn roar(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let mut saws = [Sweep::default(), Sweep::default()];
    let (mut vibrato, mut growl) = (Sweep::default(), Sweep::default());
    let mut filter = Svf::default();
    (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            let t = secs(i);
            let hz = glide(95.0, 52.0, u) * (1.0 + 0.04 * vibrato.sine(6.5));
            let growl = 1.0 + 0.35 * growl.sine(28.0);
            // The mouth opens (filter up) in the first quarter, closes over the rest.
            let open = if u < 0.25 { smoothstep(u / 0.25) } else { 1.0 - 0.8 * smoothstep((u - 0.25) / 0.75) };
            let env = smoothstep(t / 0.12) * (1.0 - smoothstep((u - 0.6) / 0.4));
            // Two saws a little apart beat against each other: the growl's grit.
            let x = 0.6 * (saws[0].saw(hz) + saws[1].saw(hz * 1.013)) + 0.35 * noise.white();
            if i % 16 == 0 {
                filter.tune(250.0 + 1500.0 * open, 1.8);
            }
            let s = env * soft_clip(1.5 * growl * filter.step(x).low);
            [s, s]
        })
        .collect()
}

fn stamp(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let mut thud = Sweep::default();
    let mut body = Svf::new(900.0, 1.5);
    let mut paper = Svf::new(4000.0, 0.8);
    (0..n)
        .map(|i| {
            let t = secs(i);
            let attack = (t / 0.001).min(1.0);
            let low = exp(-t / 0.045) * thud.sine(90.0 + 110.0 * exp(-t / 0.02));
            let w = noise.white();
            let mid = exp(-t / 0.03) * body.step(w).band;
            let slap = exp(-t / 0.018) * paper.step(w).band;
            let s = attack * (0.8 * low + 0.6 * mid + 0.6 * slap);
            [s, s]
        })
        .collect()
}

fn clank(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    // Partials of a struck metal bar (inharmonic), the higher ones dying faster.
    const RATIOS: [f64; 6] = [1.0, 2.32, 3.87, 5.41, 7.13, 9.6];
    const AMPS: [f64; 6] = [1.0, 0.7, 0.55, 0.4, 0.3, 0.2];
    let mut out = vec![[0.0; 2]; n];
    // Two hits: the bolt, then the latch (quieter, a little lower).
    for (delay, base, gain) in [(0.0, 520.0, 1.0), (0.07, 489.0, 0.6)] {
        let first = samples(delay);
        let mut partials: Vec<[Osc; 2]> = RATIOS
            .iter()
            .map(|r| [Osc::with_phase(base * r, TAU * noise.unit()), Osc::new(base * r * 1.002)])
            .collect();
        let mut click = Svf::new(4000.0, 0.7);
        for (i, f) in out.iter_mut().enumerate().skip(first) {
            let t = secs(i - first);
            let attack = (t / 0.0005).min(1.0);
            let c = exp(-t / 0.002) * click.step(noise.white()).high;
            for (k, p) in partials.iter_mut().enumerate() {
                let d = attack * AMPS[k] * exp(-t * (1.0 + 0.6 * k as f64) / 0.18);
                f[0] += gain * d * p[0].next();
                f[1] += gain * d * p[1].next();
            }
            f[0] += gain * 0.5 * c;
            f[1] += gain * 0.5 * c;
            if (i - first) % 4096 == 4095 {
                partials.iter_mut().flatten().for_each(Osc::renormalise);
            }
        }
    }
    out
}

fn bell(n: usize) -> Vec<[f64; 2]> {
    let len = secs(n);
    let (mut a, mut b) = (Osc::new(1318.5), Osc::new(1318.5 * 2.76));
    (0..n)
        .map(|i| {
            if i % 4096 == 0 {
                a.renormalise();
                b.renormalise();
            }
            let t = secs(i);
            let attack = (t / 0.003).min(1.0);
            let s = attack * (exp(-t / (len / 4.0)) * a.next() + 0.45 * exp(-t / (len / 10.0)) * b.next());
            [s, s]
        })
        .collect()
}

fn sigh(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let mut band = Svf::default();
    let mut breath = Svf::new(600.0, 0.7);
    (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            band.tune(glide(1800.0, 450.0, u), 2.5);
            let w = noise.white();
            let env = smoothstep(secs(i) / 0.12) * (1.0 - u) * (1.0 - u).sqrt();
            let s = env * (band.step(w).band + 0.3 * breath.step(w).low);
            [s, s]
        })
        .collect()
}

fn splash(n: usize, noise: &mut Noise) -> Vec<[f64; 2]> {
    let len = secs(n);
    let mut bright = [Svf::new(3000.0, 0.7), Svf::new(3000.0, 0.7)];
    let mut spray = [Svf::default(), Svf::default()];
    let mut out: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let t = secs(i);
            let hz = glide(2500.0, 750.0, (t / 0.4).min(1.0));
            let mut f = [0.0; 2];
            let common = noise.white();
            for c in 0..2 {
                if i % 16 == 0 {
                    spray[c].tune(hz, 0.9);
                }
                let w = 0.8 * common + 0.3 * noise.white();
                let transient = exp(-t / 0.008) * bright[c].step(w).high;
                let body = (t / 0.003).min(1.0) * exp(-t / 0.18) * spray[c].step(w).band;
                f[c] = transient + 0.8 * body;
            }
            f
        })
        .collect();
    // Bubbles: short sine chirps rising in pitch, denser early, fading over the tail.
    for _ in 0..24 {
        let u = noise.unit();
        let start = 0.08 + u * u * (len - 0.25).max(0.05);
        let f0 = 400.0 + 900.0 * noise.unit();
        let tau = 0.015 + 0.025 * noise.unit();
        let amp = 0.35 * (1.0 - start / len).max(0.0) * (0.5 + 0.5 * noise.unit());
        let (l, r) = pan(0.25 + 0.5 * noise.unit());
        let mut osc = Sweep::default();
        let first = samples(start);
        for (k, f) in out.iter_mut().skip(first).take(samples(5.0 * tau)).enumerate() {
            let dt = secs(k);
            let s = amp * (dt / 0.002).min(1.0) * exp(-dt / tau) * osc.sine(f0 * (1.0 + 8.0 * dt));
            f[0] += l * s;
            f[1] += r * s;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_parse_with_defaults_and_reject_typos() {
        let cue: Cue = serde_json::from_str(r#"{"kind": "impact", "at": 1.5}"#).unwrap();
        assert_eq!(cue, Cue { kind: CueKind::Impact, at: 1.5, gain: 1.0, secs: None });
        let riser: Cue = serde_json::from_str(r#"{"kind": "riser", "at": 3, "gain": 0.5, "secs": 2}"#).unwrap();
        assert_eq!((riser.start(), riser.length()), (1.0, 2.0));
        assert!(serde_json::from_str::<Cue>(r#"{"kind": "impact", "at": 1, "volume": 2}"#).is_err());
        assert!(serde_json::from_str::<Cue>(r#"{"kind": "kaboom", "at": 1}"#).is_err());
        for kind in CueKind::ALL {
            let json = serde_json::to_string(&format!("{kind:?}").to_lowercase()).unwrap();
            assert_eq!(serde_json::from_str::<CueKind>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn every_kind_sounds_for_its_length_and_ends_silent() {
        for kind in CueKind::ALL {
            let n = samples(f64::from(kind.default_secs()));
            let sound = render(kind, n, 0);
            assert_eq!(sound.len(), n, "{kind:?}");
            assert!(sound.iter().flatten().all(|x| x.is_finite()), "{kind:?}");
            let peak = sound.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(peak > 0.01, "{kind:?} is silent");
            assert_eq!(sound.last().unwrap(), &[0.0, 0.0], "{kind:?}");
        }
    }
}
