//! How opaque something drawn is, in the fixed point every blend uses.

/// An opacity in 256ths: 0 leaves what is under it, 256 replaces it (257
/// levels, so that opaque is exact and a blend is a multiply and a shift).
///
/// Not for mask coverage: glyph and sprite masks are plain `u8` coverage
/// (0..=255, 255 = fully inked), blended in 255ths (see
/// [`Opacity::of_coverage`] and [`blend_coverage`](super::blend_coverage)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Opacity(u16);

impl Opacity {
    pub(crate) const ZERO: Opacity = Opacity(0);
    pub(crate) const OPAQUE: Opacity = Opacity(256);

    /// `v` 256ths (at most 256).
    pub(crate) const fn new(v: u16) -> Opacity {
        Opacity(if v > 256 { 256 } else { v })
    }

    /// A weight in 0..=1 (clamped; NaN is 0), rounded down to 256ths.
    #[inline]
    pub(crate) fn from_unit(x: f32) -> Opacity {
        Opacity((x.clamp(0.0, 1.0) * 256.0) as u16)
    }

    /// A coverage in 255ths (a mask's 255 is opaque), rounded down to 256ths.
    #[inline]
    pub(crate) fn from_coverage(c: u8) -> Opacity {
        Opacity((u32::from(c) * 256 / 255) as u16)
    }

    /// The share `part` (0..=1, clamped) of this opacity, rounded down.
    pub(crate) fn times(self, part: f32) -> Opacity {
        Opacity((part.clamp(0.0, 1.0) * f32::from(self.0)) as u16)
    }

    /// In 256ths, 0..=256.
    #[inline(always)]
    pub(crate) const fn get(self) -> u16 {
        self.0
    }

    /// `over` laid on `under` at this opacity, rounded down.
    #[inline(always)]
    pub(crate) fn blend(self, under: u8, over: u8) -> u8 {
        let a = u32::from(self.0);
        ((u32::from(under) * (256 - a) + u32::from(over) * a) >> 8) as u8
    }

    /// A mask's coverage (0..=255) drawn at this opacity: coverage again,
    /// rounded down.
    #[inline(always)]
    pub(crate) fn of_coverage(self, c: u8) -> u8 {
        ((u32::from(c) * u32::from(self.0)) >> 8) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversions round as the blends have always rounded, and stay in range.
    #[test]
    fn conversions_round_down_and_stay_in_range() {
        assert_eq!(Opacity::from_unit(1.0), Opacity::OPAQUE);
        assert_eq!(Opacity::from_unit(1.0 - f32::EPSILON / 2.0).get(), 255);
        assert_eq!(Opacity::from_unit(-3.0), Opacity::ZERO);
        assert_eq!(Opacity::from_unit(f32::NAN), Opacity::ZERO);
        assert_eq!(Opacity::from_unit(0.4).get(), (0.4f32 * 256.0) as u16);
        assert_eq!(Opacity::from_coverage(255), Opacity::OPAQUE);
        assert_eq!(Opacity::from_coverage(0), Opacity::ZERO);
        assert_eq!(Opacity::new(999), Opacity::OPAQUE);
        assert_eq!(Opacity::OPAQUE.times(0.5).get(), 128);
        for c in 0..=255u8 {
            assert_eq!(Opacity::OPAQUE.of_coverage(c), c);
            assert_eq!(Opacity::OPAQUE.blend(c, 255 - c), 255 - c);
            assert_eq!(Opacity::ZERO.blend(c, 255 - c), c);
        }
    }
}
