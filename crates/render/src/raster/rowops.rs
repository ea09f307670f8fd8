//! Row kernels of the photo blit: the hottest loops of composition.
//!
//! Each kernel has a portable scalar version and, on x86-64, a SIMD one
//! chosen at run time. Both do the same integer arithmetic, so a video's
//! bytes never depend on the CPU it was rendered on (tested below).

use super::opacity::Opacity;

/// One output pixel of a horizontal resampling pass: where its left tap
/// starts in the blended source row (in `u16` elements; the right tap is
/// the next pixel, three elements on) and the two taps' weights, packed as
/// `(256 − w) | w << 16` so the SIMD kernel loads them with one move.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HTap {
    pub(crate) at: u32,
    pub(crate) weights: u32,
}

impl HTap {
    pub(crate) fn new(at: usize, w: u32) -> HTap {
        let w = w.min(256);
        HTap { at: at as u32, weights: (256 - w) | (w << 16) }
    }
}

/// The taps of a horizontal pass, made once per placement of a photo and
/// used for each of its rows: the taps, and for the AVX2 kernel their
/// weights already laid out as it loads them.
pub(crate) struct RowTaps {
    taps: Vec<HTap>,
    /// Per step of eight pixels `i..i + 8`, per pair `(i + p, i + p + 4)`
    /// (`p` < 4): the first pixel's weights four times, then the second's.
    spread: Vec<[u32; 8]>,
    /// One past the last element a 16-byte load at a left tap reads.
    reach: usize,
}

impl RowTaps {
    pub(crate) fn new(taps: Vec<HTap>) -> RowTaps {
        let spread = taps
            .chunks_exact(8)
            .flat_map(|step| {
                (0..4).map(|p| {
                    let (a, b) = (step[p].weights, step[p + 4].weights);
                    [a, a, a, a, b, b, b, b]
                })
            })
            .collect();
        let reach = taps.iter().map(|t| t.at as usize + 8).max().unwrap_or(0);
        RowTaps { taps, spread, reach }
    }

    pub(crate) fn taps(&self) -> &[HTap] {
        &self.taps
    }
}

/// Elements of padding a blended row needs after its last pixel: the SIMD
/// kernel reads eight `u16` from the left tap of the last pixel.
pub(crate) const ROW_PAD: usize = 8;

crate::simd::avx2_dispatch! {
/// The vertical pass: `top` and `bottom` (source rows, RGB8) blended with
/// 8-bit weights (`wb` ≤ 256 for `bottom`) into 15-bit values, so that the
/// horizontal pass can multiply them as signed 16-bit lanes. `mix` gets
/// `ROW_PAD` zeros of padding.
pub(crate) fn blend_rows(top: &[u8], bottom: &[u8], wb: u32, mix: &mut Vec<u16>) {
    let (wt, wb) = ((256 - wb.min(256)) as u16, wb.min(256) as u16);
    if mix.len() != top.len() + ROW_PAD {
        mix.clear();
        mix.resize(top.len() + ROW_PAD, 0);
    }
    // (Reused at the same length, every value but the zero padding is overwritten below.)
    // ≤ 255 × 256 fits u16; halved it fits i16. (A straight loop: vectorised.)
    for ((m, &a), &b) in mix.iter_mut().zip(top).zip(bottom) {
        *m = (u16::from(a) * wt + u16::from(b) * wb) >> 1;
    }
}
}

/// One channel of one pixel from its two 15-bit taps.
#[inline]
fn sample(left: u16, right: u16, weights: u32) -> u8 {
    let (wl, wr) = (weights & 0xffff, weights >> 16);
    ((u32::from(left) * wl + u32::from(right) * wr + (1 << 14)) >> 15) as u8
}

/// The horizontal pass: `out` (RGB8, three bytes per tap) from the blended
/// row `mix`, opaque.
pub(crate) fn resample_row(mix: &[u16], row_taps: &RowTaps, out: &mut [u8]) {
    let taps = row_taps.taps();
    assert_eq!(out.len(), taps.len() * 3, "one RGB pixel per tap");
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx2() {
            // SAFETY: the CPU has AVX2 (the kernel keeps its reads in bounds itself).
            done = unsafe { x86::resample_row_avx2(mix, row_taps, out) };
        }
        if crate::simd::has_ssse3() {
            // SAFETY: the CPU has SSSE3 (the kernel checks its own bounds).
            done += unsafe { x86::resample_row_ssse3(mix, &taps[done..], &mut out[done * 3..]) };
        }
    }
    resample_row_scalar(mix, &taps[done..], &mut out[done * 3..])
}

fn resample_row_scalar(mix: &[u16], taps: &[HTap], out: &mut [u8]) {
    for (px, t) in out.chunks_exact_mut(3).zip(taps) {
        let s = &mix[t.at as usize..t.at as usize + 6];
        px[0] = sample(s[0], s[3], t.weights);
        px[1] = sample(s[1], s[4], t.weights);
        px[2] = sample(s[2], s[5], t.weights);
    }
}

/// The horizontal pass blended over `out` at opacity `alpha`.
pub(crate) fn resample_row_over(mix: &[u16], taps: &[HTap], out: &mut [u8], alpha: Opacity) {
    for (px, t) in out.chunks_exact_mut(3).zip(taps) {
        let s = &mix[t.at as usize..t.at as usize + 6];
        for c in 0..3 {
            px[c] = alpha.blend(px[c], sample(s[c], s[c + 3], t.weights));
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{HTap, RowTaps};
    use std::arch::x86_64::*;

    /// Four pixels per step: for each, one load of both taps, a shuffle that
    /// pairs left and right per channel, one multiply-add of the pairs by the
    /// weights; then the four pixels packed to 12 bytes. Returns how many
    /// pixels it did: the rest are left to the scalar loop (fewer than six,
    /// because every step stores 16 bytes; or all from a tap too close to
    /// the end of `mix` for a 16-byte load, which padding should prevent).
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn resample_row_ssse3(mix: &[u16], taps: &[HTap], out: &mut [u8]) -> usize {
        // (L.r, R.r, L.g, R.g, L.b, R.b, 0, 0) from (L.r, L.g, L.b, R.r, R.g, R.b, ·, ·).
        let pair = _mm_setr_epi8(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1);
        // Drops every fourth byte: (r, g, b, 0) × 4 → 12 bytes.
        let squeeze = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
        let round = _mm_set1_epi32(1 << 14);
        // The stores below rely on it.
        assert_eq!(out.len(), taps.len() * 3, "one RGB pixel per tap");
        let pixel = |t: &HTap| {
            // SAFETY: `at + 8 ≤ mix.len()`, checked before each step.
            let v = unsafe { _mm_loadu_si128(mix.as_ptr().add(t.at as usize) as *const __m128i) };
            let v = _mm_shuffle_epi8(v, pair);
            let p = _mm_madd_epi16(v, _mm_set1_epi32(t.weights as i32));
            _mm_srai_epi32(_mm_add_epi32(p, round), 15)
        };
        let mut i = 0;
        while i + 6 <= taps.len() {
            if taps[i..i + 4].iter().any(|t| t.at as usize + 8 > mix.len()) {
                break;
            }
            let a = _mm_packs_epi32(pixel(&taps[i]), pixel(&taps[i + 1]));
            let b = _mm_packs_epi32(pixel(&taps[i + 2]), pixel(&taps[i + 3]));
            let bytes = _mm_shuffle_epi8(_mm_packus_epi16(a, b), squeeze);
            // SAFETY: 3i + 16 ≤ 3(i + 6) ≤ 3·taps.len() = out.len(); the four bytes past
            // the twelve written are the next step's (or the scalar tail's).
            unsafe { _mm_storeu_si128(out.as_mut_ptr().add(i * 3) as *mut __m128i, bytes) };
            i += 4;
        }
        i
    }

    /// Eight pixels per step, the SSSE3 kernel's arithmetic twice as wide:
    /// each 256-bit register holds pixel `j` in its low half and pixel
    /// `j + 4` in its high half, so that after packing each half holds four
    /// consecutive pixels; the weights come laid out that way
    /// ([`RowTaps`]). Taps whose loads would pass the end of `mix` (valid
    /// taps never do) leave the whole row to the other loops, so no input can
    /// make it read out of bounds. Returns how many pixels it did; the rest
    /// go to the SSSE3 and scalar loops.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn resample_row_avx2(mix: &[u16], row_taps: &RowTaps, out: &mut [u8]) -> usize {
        let RowTaps { taps, spread, reach } = row_taps;
        assert_eq!(out.len(), taps.len() * 3, "one RGB pixel per tap");
        if *reach > mix.len() {
            return 0;
        }
        let pair = _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1));
        let squeeze =
            _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1));
        let round = _mm256_set1_epi32(1 << 14);
        let two = |lo: &HTap, hi: &HTap, weights: &[u32; 8]| {
            // SAFETY: every tap's `at + 8 ≤ reach ≤ mix.len()` (checked above).
            let v = unsafe {
                let (a, b) = (mix.as_ptr().add(lo.at as usize), mix.as_ptr().add(hi.at as usize));
                _mm256_loadu2_m128i(b as *const __m128i, a as *const __m128i)
            };
            let v = _mm256_shuffle_epi8(v, pair);
            // SAFETY: 32 bytes.
            let w = unsafe { _mm256_loadu_si256(weights.as_ptr() as *const __m256i) };
            _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(v, w), round), 15)
        };
        let mut i = 0;
        // Each step stores 16 bytes at 3i + 12, so it needs 3i + 28 ≤ out.len().
        while i + 10 <= taps.len() {
            let (t, w) = (&taps[i..i + 8], &spread[i / 2..i / 2 + 4]);
            let a = _mm256_packs_epi32(two(&t[0], &t[4], &w[0]), two(&t[1], &t[5], &w[1]));
            let b = _mm256_packs_epi32(two(&t[2], &t[6], &w[2]), two(&t[3], &t[7], &w[3]));
            let bytes = _mm256_shuffle_epi8(_mm256_packus_epi16(a, b), squeeze);
            // SAFETY: 3i + 28 ≤ 3(i + 10) ≤ out.len(); the bytes past each
            // half's twelve are written again by the next store or step.
            unsafe {
                let at = out.as_mut_ptr().add(i * 3);
                _mm_storeu_si128(at as *mut __m128i, _mm256_castsi256_si128(bytes));
                _mm_storeu_si128(at.add(12) as *mut __m128i, _mm256_extracti128_si256(bytes, 1));
            }
            i += 8;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SIMD kernels (AVX2, then SSSE3 for what is left) and the scalar
    /// one give the same bytes, for every weight and row length, so output
    /// never depends on the CPU.
    #[test]
    fn simd_and_scalar_resampling_agree() {
        let mut seed = 12345u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            seed >> 8
        };
        for len in [1usize, 5, 6, 7, 8, 9, 10, 11, 13, 17, 18, 26, 64, 301] {
            let top: Vec<u8> = (0..(len + 1) * 3).map(|_| next() as u8).collect();
            let bottom: Vec<u8> = (0..(len + 1) * 3).map(|_| next() as u8).collect();
            for wb in [0, 1, 128, 255, 256] {
                let mut mix = Vec::new();
                blend_rows(&top, &bottom, wb, &mut mix);
                // One tap per source pixel, then taps anywhere in the row
                // (zooms, and a check that each weight goes with its tap).
                let along: Vec<HTap> = (0..len).map(|i| HTap::new(i * 3, (next() % 257).min(256))).collect();
                let anywhere: Vec<HTap> =
                    (0..len).map(|_| HTap::new(next() as usize % len * 3, (next() % 257).min(256))).collect();
                for taps in [along, anywhere] {
                    let mut fast = vec![0u8; len * 3];
                    resample_row(&mix, &RowTaps::new(taps.clone()), &mut fast);
                    let mut slow = vec![0u8; len * 3];
                    resample_row_scalar(&mix, &taps, &mut slow);
                    assert_eq!(fast, slow, "len {len}, wb {wb}");
                    // Without the padding, the SIMD kernels leave what they
                    // can't load to the scalar loop and still agree.
                    let short = &mix[..(taps.iter().map(|t| t.at).max().unwrap_or(0) as usize + 6)];
                    let mut fast = vec![0u8; len * 3];
                    resample_row(short, &RowTaps::new(taps.clone()), &mut fast);
                    assert_eq!(fast, slow, "len {len}, wb {wb}, unpadded");
                }
            }
        }
    }

    /// Extremes: white stays white, black stays black, and a half-way tap
    /// between them lands in the middle.
    #[test]
    fn resampling_keeps_the_range() {
        let top = [255u8, 255, 255, 0, 0, 0, 0, 0, 0];
        let mut mix = Vec::new();
        blend_rows(&top, &top, 0, &mut mix);
        let taps = RowTaps::new(vec![HTap::new(0, 0), HTap::new(0, 128), HTap::new(3, 0)]);
        let mut out = [0u8; 9];
        resample_row(&mix, &taps, &mut out);
        assert_eq!(&out[..3], &[255; 3]);
        assert!(out[3..6].iter().all(|&v| v.abs_diff(128) <= 1), "{out:?}");
        assert_eq!(&out[6..], &[0; 3]);
    }
}
