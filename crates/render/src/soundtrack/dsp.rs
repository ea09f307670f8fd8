//! Small deterministic building blocks of the synthesizer: a rotating sine
//! oscillator, a polynomial sine for swept oscillators, seeded noise and a
//! state-variable filter. Only IEEE arithmetic and `crate::math` (portable
//! libm), so every machine makes the same samples.

use crate::math::{exp, sin_cos};
use std::f64::consts::{PI, TAU};
use videoagent_codec::audio::SAMPLE_RATE;

/// Samples per second, as a float.
pub(super) const SR: f64 = SAMPLE_RATE as f64;

/// Samples in `secs` seconds (rounded; 0 for negative).
pub(super) fn samples(secs: f64) -> usize {
    (secs * SR).round().max(0.0) as usize
}

/// A fixed-frequency sine oscillator advanced by rotation (two multiply-adds
/// per sample instead of a libm `sin`): the soundtrack of a 6 s video takes a
/// few milliseconds instead of tens. Deterministic like everything else.
pub(super) struct Osc {
    re: f64,
    im: f64,
    step_re: f64,
    step_im: f64,
}

impl Osc {
    pub(super) fn new(hz: f64) -> Osc {
        Osc::with_phase(hz, 0.0)
    }

    /// Starting at `phase` radians.
    pub(super) fn with_phase(hz: f64, phase: f64) -> Osc {
        let (s, c) = sin_cos(TAU * hz / SR);
        let (im, re) = if phase == 0.0 { (0.0, 1.0) } else { sin_cos(phase) };
        Osc { re, im, step_re: c, step_im: s }
    }

    /// The current value, then advance one sample.
    #[inline]
    pub(super) fn next(&mut self) -> f64 {
        let v = self.im;
        let re = self.re * self.step_re - self.im * self.step_im;
        self.im = self.re * self.step_im + self.im * self.step_re;
        self.re = re;
        v
    }

    /// Pulls the amplitude back to 1 (rounding drift), once per block.
    pub(super) fn renormalise(&mut self) {
        let k = 1.0 / (self.re * self.re + self.im * self.im).sqrt();
        self.re *= k;
        self.im *= k;
    }
}

/// A sine oscillator whose frequency may change every sample (a phase
/// accumulator read through [`approx_sin`]).
#[derive(Default)]
pub(super) struct Sweep {
    phase: f64,
}

impl Sweep {
    /// The current value, then advance by one sample at `hz`.
    #[inline]
    pub(super) fn sine(&mut self, hz: f64) -> f64 {
        let v = approx_sin(self.phase);
        self.advance(hz);
        v
    }

    /// A naive sawtooth in [−1, 1) (aliasing is inaudible under the filters it feeds).
    #[inline]
    pub(super) fn saw(&mut self, hz: f64) -> f64 {
        let v = self.phase / PI;
        self.advance(hz);
        v
    }

    #[inline]
    fn advance(&mut self, hz: f64) {
        self.phase += TAU * hz / SR;
        while self.phase >= PI {
            self.phase -= TAU; // kept in [−π, π): no `fmod` per sample
        }
    }
}

/// `sin(x)` for `x` in [−π, π]: a 7th-order odd polynomial after folding,
/// accurate to ~1e-4 (inaudible), with no libm call.
#[inline]
pub(super) fn approx_sin(x: f64) -> f64 {
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

/// White noise from a xorshift32 generator: the same sequence for the same
/// seed on every machine.
pub(super) struct Noise(u32);

impl Noise {
    pub(super) fn new(seed: u32) -> Noise {
        // Scramble the seed (small seeds would start quiet) and never 0 (xorshift's fixed point).
        let s = seed.wrapping_mul(0x9E37_79B9).rotate_left(13) ^ 0x5BD1_E995;
        let mut n = Noise(if s == 0 { 0x1234_5678 } else { s });
        for _ in 0..8 {
            n.next_u32();
        }
        n
    }

    #[inline]
    pub(super) fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Uniform in [−1, 1].
    #[inline]
    pub(super) fn white(&mut self) -> f64 {
        (f64::from(self.next_u32()) / f64::from(u32::MAX)) * 2.0 - 1.0
    }

    /// Uniform in [0, 1].
    #[inline]
    pub(super) fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) / f64::from(u32::MAX)
    }
}

/// A state-variable filter (the trapezoidal, "zero-delay feedback" form):
/// stable at any cutoff, so it can sweep every sample.
#[derive(Default)]
pub(super) struct Svf {
    ic1: f64,
    ic2: f64,
    a1: f64,
    a2: f64,
    a3: f64,
    k: f64,
}

/// One step's outputs of an [`Svf`].
pub(super) struct SvfOut {
    pub low: f64,
    /// Band-pass with unity gain at the centre.
    pub band: f64,
    pub high: f64,
}

impl Svf {
    pub(super) fn new(hz: f64, q: f64) -> Svf {
        let mut f = Svf::default();
        f.tune(hz, q);
        f
    }

    /// Sets the cutoff (or centre) frequency and the resonance `q` (0.5 = soft, 10 = narrow).
    pub(super) fn tune(&mut self, hz: f64, q: f64) {
        let (s, c) = sin_cos(PI * hz.clamp(20.0, 0.45 * SR) / SR);
        let g = s / c;
        self.k = 1.0 / q.max(0.3);
        self.a1 = 1.0 / (1.0 + g * (g + self.k));
        self.a2 = g * self.a1;
        self.a3 = g * self.a2;
    }

    #[inline]
    pub(super) fn step(&mut self, x: f64) -> SvfOut {
        let v3 = x - self.ic2;
        let v1 = self.a1 * self.ic1 + self.a2 * v3;
        let v2 = self.ic2 + self.a2 * self.ic1 + self.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        SvfOut { low: v2, band: self.k * v1, high: x - self.k * v1 - v2 }
    }
}

/// `lo·(hi/lo)^u`: an exponential (musical) glide from `lo` at u = 0 to `hi` at u = 1.
#[inline]
pub(super) fn glide(lo: f64, hi: f64, u: f64) -> f64 {
    lo * exp(crate::math::log2(hi / lo) * std::f64::consts::LN_2 * u)
}

/// 0 → 1 with zero slope at both ends, for `x` in [0, 1] (clamped).
#[inline]
pub(super) fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// A soft clipper: ~x for small x, → ±1 for large.
#[inline]
pub(super) fn soft_clip(x: f64) -> f64 {
    x / (1.0 + x * x).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::sin;

    #[test]
    fn oscillators_and_the_fast_sine_stay_accurate() {
        let mut osc = Osc::new(440.0);
        for i in 0..SAMPLE_RATE as usize * 6 {
            if i % 4096 == 0 {
                osc.renormalise();
            }
            let want = sin(TAU * 440.0 * i as f64 / SR);
            assert!((osc.next() - want).abs() < 1e-6, "sample {i}");
        }
        for i in -314..=314 {
            let x = f64::from(i) * 0.01;
            assert!((approx_sin(x) - sin(x)).abs() < 2e-4, "sin({x})");
        }
        let mut sweep = Sweep::default();
        for i in 0..48_000 {
            let want = sin(TAU * 1000.0 * f64::from(i) / SR);
            assert!((sweep.sine(1000.0) - want).abs() < 1e-3, "sample {i}");
        }
    }

    #[test]
    fn the_filter_passes_its_band_and_cuts_the_rest() {
        // RMS of a sine through the band-pass centred at 1 kHz.
        let through = |hz: f64| {
            let mut f = Svf::new(1000.0, 4.0);
            let mut osc = Osc::new(hz);
            let out: Vec<f64> = (0..48_000).map(|_| f.step(osc.next()).band).collect();
            (out[24_000..].iter().map(|x| x * x).sum::<f64>() / 24_000.0).sqrt()
        };
        assert!((through(1000.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.01, "unity at the centre");
        assert!(through(100.0) < 0.05 && through(10_000.0) < 0.05, "cuts far from it");
        let mut n = Noise::new(3);
        assert!((0..10_000).map(|_| n.white()).all(|x| (-1.0..=1.0).contains(&x)));
        assert!((glide(100.0, 400.0, 0.5) - 200.0).abs() < 1e-9);
    }
}
