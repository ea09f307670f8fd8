//! The transcendental functions the compositor and the soundtrack use
//! (sine, cosine, exponential, powers, logarithms), from one portable
//! implementation: the `libm` crate, a pure-Rust port of musl's. Never the
//! platform's: glibc, musl, macOS and Windows round some results
//! differently, and a last-bit difference in a position or a weight can move
//! a pixel, so two workers on different machines would make different bytes
//! for the same task. Square roots, `floor`, `round` and the basic
//! operations are exact in IEEE 754 everywhere and need no wrapper.
//!
//! Call these instead of the methods of `f32`/`f64` (clippy's
//! `disallowed-methods`, configured in this crate's `clippy.toml`, refuses
//! those).

/// A float type with the functions below.
pub(crate) trait Real: Copy {
    fn lm_sin(self) -> Self;
    fn lm_cos(self) -> Self;
    fn lm_exp(self) -> Self;
    fn lm_pow(self, e: Self) -> Self;
    fn lm_log2(self) -> Self;
    fn lm_atan2(self, x: Self) -> Self;
}

impl Real for f32 {
    fn lm_sin(self) -> f32 {
        libm::sinf(self)
    }
    fn lm_cos(self) -> f32 {
        libm::cosf(self)
    }
    fn lm_exp(self) -> f32 {
        libm::expf(self)
    }
    fn lm_pow(self, e: f32) -> f32 {
        libm::powf(self, e)
    }
    fn lm_log2(self) -> f32 {
        libm::log2f(self)
    }
    fn lm_atan2(self, x: f32) -> f32 {
        libm::atan2f(self, x)
    }
}

impl Real for f64 {
    fn lm_sin(self) -> f64 {
        libm::sin(self)
    }
    fn lm_cos(self) -> f64 {
        libm::cos(self)
    }
    fn lm_exp(self) -> f64 {
        libm::exp(self)
    }
    fn lm_pow(self, e: f64) -> f64 {
        libm::pow(self, e)
    }
    fn lm_log2(self) -> f64 {
        libm::log2(self)
    }
    fn lm_atan2(self, x: f64) -> f64 {
        libm::atan2(self, x)
    }
}

#[inline]
pub(crate) fn sin<T: Real>(x: T) -> T {
    x.lm_sin()
}

#[inline]
pub(crate) fn cos<T: Real>(x: T) -> T {
    x.lm_cos()
}

/// `(sin x, cos x)`.
#[inline]
pub(crate) fn sin_cos<T: Real>(x: T) -> (T, T) {
    (x.lm_sin(), x.lm_cos())
}

#[inline]
pub(crate) fn exp<T: Real>(x: T) -> T {
    x.lm_exp()
}

/// `base` raised to `e`.
#[inline]
pub(crate) fn pow<T: Real>(base: T, e: T) -> T {
    base.lm_pow(e)
}

#[inline]
pub(crate) fn log2<T: Real>(x: T) -> T {
    x.lm_log2()
}

/// The angle of `(x, y)`, as `f64::atan2(y, x)`.
#[inline]
#[allow(dead_code)] // part of the set templates draw with; not every function is in use at once
pub(crate) fn atan2<T: Real>(y: T, x: T) -> T {
    y.lm_atan2(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The portable functions agree with the platform's to within a few
    /// units in the last place (they are not meant to differ in value, only
    /// to be the same everywhere).
    #[test]
    #[allow(clippy::disallowed_methods)] // comparing against the platform's on purpose
    fn agree_with_the_platform_closely() {
        for i in -1000..=1000 {
            let x = i as f32 * 0.0137;
            let close = |a: f32, b: f32| (a - b).abs() <= 4.0 * f32::EPSILON * b.abs().max(1.0);
            assert!(close(sin(x), x.sin()) && close(cos(x), x.cos()), "{x}");
            assert!(close(exp(x * 0.1), (x * 0.1).exp()), "{x}");
            assert!(close(pow(x.abs() + 0.5, 0.7), (x.abs() + 0.5).powf(0.7)), "{x}");
            assert!(close(log2(x.abs() + 0.5), (x.abs() + 0.5).log2()), "{x}");
            assert!(close(atan2(x, 0.3), x.atan2(0.3)), "{x}");
            let y = f64::from(x);
            assert!((sin(y) - y.sin()).abs() < 1e-15 && (exp(y * 0.1) - (y * 0.1).exp()).abs() < 1e-13, "{y}");
        }
    }
}
