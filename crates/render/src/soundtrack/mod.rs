//! The soundtrack: synthesized deterministically (a soft pad chord, a gentle
//! beat and a shimmer that follow the video's length), as interleaved stereo
//! PCM for the codec's audio encoder.

use crate::math::{exp, pow, sin_cos};
use videoagent_codec::audio::SAMPLE_RATE;

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

/// A sine oscillator advanced by rotation (two multiply-adds per sample
/// instead of a libm `sin`): the soundtrack of a 6 s video takes a few
/// milliseconds instead of tens. Deterministic like everything else.
struct Osc {
    re: f64,
    im: f64,
    step_re: f64,
    step_im: f64,
}

impl Osc {
    fn new(hz: f64) -> Osc {
        let (s, c) = sin_cos(std::f64::consts::TAU * hz / f64::from(SAMPLE_RATE));
        Osc { re: 1.0, im: 0.0, step_re: c, step_im: s }
    }

    /// The current value, then advance one sample.
    #[inline]
    fn next(&mut self) -> f64 {
        let v = self.im;
        let re = self.re * self.step_re - self.im * self.step_im;
        self.im = self.re * self.step_im + self.im * self.step_re;
        self.re = re;
        v
    }

    /// Pulls the amplitude back to 1 (rounding drift), once per block.
    fn renormalise(&mut self) {
        let k = 1.0 / (self.re * self.re + self.im * self.im).sqrt();
        self.re *= k;
        self.im *= k;
    }
}

/// Interleaved stereo samples of a soundtrack, `secs` long.
pub fn soundtrack(secs: f64, params: &Soundtrack) -> Vec<f32> {
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
        out.push((env * (l * swell + kick + hat)).clamp(-1.0, 1.0) as f32);
        out.push((env * (r * swell + kick + hat)).clamp(-1.0, 1.0) as f32);
    }
    out
}

/// `sin(x)` for a kick drum, `x` in [−π, π]: a 7th-order odd polynomial
/// after folding, accurate to ~1e-4 (inaudible), with no libm call.
#[inline]
fn approx_sin(x: f64) -> f64 {
    use std::f64::consts::PI;
    let mut x = x;
    // Fold into [-π/2, π/2].
    if x > PI / 2.0 {
        x = PI - x;
    } else if x < -PI / 2.0 {
        x = -PI - x;
    }
    let x2 = x * x;
    x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::sin;
    use videoagent_codec::audio::encode_opus;

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

    #[test]
    fn oscillators_and_the_fast_sine_stay_accurate() {
        let mut osc = Osc::new(440.0);
        for i in 0..SAMPLE_RATE as usize * 6 {
            if i % 4096 == 0 {
                osc.renormalise();
            }
            let want = sin(std::f64::consts::TAU * 440.0 * i as f64 / f64::from(SAMPLE_RATE));
            assert!((osc.next() - want).abs() < 1e-6, "sample {i}");
        }
        for i in -314..=314 {
            let x = f64::from(i) * 0.01;
            assert!((approx_sin(x) - sin(x)).abs() < 2e-4, "sin({x})");
        }
    }
}
