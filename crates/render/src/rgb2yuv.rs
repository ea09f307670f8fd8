//! RGB8 → I420, a pair of rows at a time, with optional per-pixel gains
//! applied on the way.
//!
//! BT.601 limited range with OpenH264's integer formulas, so that without
//! gains the bytes equal its converter's (tested). The gains are how a
//! frame's final vignette is drawn in a render: one multiply per pixel
//! inside the conversion instead of a pass over every byte of the frame.
//!
//! An AVX2 kernel (32 pixels of both rows per step), chosen at run time,
//! and a scalar twin with the same integer arithmetic (tested equal), so a
//! video's bytes never depend on the CPU.

/// A gain of `g` multiplies a pixel by `(g + 1) / 256` (1..=256 fits a byte).
pub(crate) const UNITY: u8 = 255;

/// Converts two rows of `w` pixels: `rgb` holds their packed RGB8 bytes
/// (`6 w`), `y` their luma (`2 w`), `u` and `v` their chroma (`w / 2`
/// each). `gains`, when given, holds one gain per pixel of both rows (`2 w`);
/// chroma takes the gain of each 2×2 block's top-left pixel.
pub(crate) fn row_pair(rgb: &[u8], gains: Option<&[u8]>, y: &mut [u8], u: &mut [u8], v: &mut [u8]) {
    let w = y.len() / 2;
    assert!(w % 2 == 0 && y.len() == 2 * w, "two rows of an even width");
    assert!(rgb.len() == 6 * w && u.len() == w / 2 && v.len() == w / 2, "RGB and chroma of two {w}-pixel rows");
    assert!(gains.is_none_or(|g| g.len() == 2 * w), "a gain per pixel of both rows");
    let (rgb0, rgb1) = rgb.split_at(3 * w);
    let (y0, y1) = y.split_at_mut(w);
    let (g0, g1) = gains.map(|g| g.split_at(w)).unzip();
    let rows = Rows { rgb0, rgb1, g0, g1 };
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2; the kernel stays within the slices checked above.
        done = unsafe { x86::row_pair_avx2(&rows, y0, y1, u, v) };
    }
    row_pair_scalar(&rows, done, y0, y1, u, v);
}

/// The two source rows of a conversion and their gains.
struct Rows<'a> {
    rgb0: &'a [u8],
    rgb1: &'a [u8],
    g0: Option<&'a [u8]>,
    g1: Option<&'a [u8]>,
}

fn gain(gains: Option<&[u8]>, x: usize) -> i32 {
    gains.map_or(256, |g| i32::from(g[x]) + 1)
}

/// Luma of one pixel: `(66 R + 129 G + 25 B) × gain / 2¹⁶ + 16`.
#[inline]
fn luma(px: &[u8], gain: i32) -> u8 {
    let s = 66 * i32::from(px[0]) + 129 * i32::from(px[1]) + 25 * i32::from(px[2]);
    (((s * gain) >> 16) + 16) as u8
}

/// Converts the pixels from `from` (even) to the rows' end.
fn row_pair_scalar(rows: &Rows<'_>, from: usize, y0: &mut [u8], y1: &mut [u8], u: &mut [u8], v: &mut [u8]) {
    let Rows { rgb0, rgb1, g0, g1 } = *rows;
    for x in from..y0.len() {
        y0[x] = luma(&rgb0[3 * x..], gain(g0, x));
        y1[x] = luma(&rgb1[3 * x..], gain(g1, x));
    }
    for cx in from / 2..u.len() {
        let at = 6 * cx;
        // The 2×2 block's average per channel, rounded as OpenH264 does.
        let avg = |c: usize| {
            let sum = u32::from(rgb0[at + c]) + u32::from(rgb0[at + 3 + c]);
            ((sum + u32::from(rgb1[at + c]) + u32::from(rgb1[at + 3 + c]) + 2) >> 2) as i32
        };
        let (r, g, b) = (avg(0), avg(1), avg(2));
        let k = gain(g0, 2 * cx);
        u[cx] = ((((-38 * r - 74 * g + 112 * b) * k) >> 16) + 128) as u8;
        v[cx] = ((((112 * r - 94 * g - 18 * b) * k) >> 16) + 128) as u8;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Rows;
    use std::arch::x86_64::*;

    /// A `pshufb` mask moving channel `c` of pixels `first..first + 8` (of a
    /// 16-pixel group) from the 16 source bytes starting at byte `base` into
    /// `u16` lanes; lanes whose byte lies elsewhere are zeroed.
    const fn mask(first: usize, c: usize, base: usize) -> [i8; 16] {
        let mut m = [-1i8; 16];
        let mut i = 0;
        while i < 8 {
            let at = 3 * (first + i) + c;
            if at >= base && at < base + 16 {
                m[2 * i] = (at - base) as i8;
            }
            i += 1;
        }
        m
    }

    /// Masks per [lo/hi half][channel][source register], each twice (one
    /// per 128-bit lane: shuffles stay within a lane).
    const MASKS: [[[[i8; 32]; 3]; 3]; 2] = {
        let mut all = [[[[0i8; 32]; 3]; 3]; 2];
        let mut half = 0;
        while half < 2 {
            let mut c = 0;
            while c < 3 {
                let mut reg = 0;
                while reg < 3 {
                    let m = mask(8 * half, c, 16 * reg);
                    let mut i = 0;
                    while i < 32 {
                        all[half][c][reg][i] = m[i % 16];
                        i += 1;
                    }
                    reg += 1;
                }
                c += 1;
            }
            half += 1;
        }
        all
    };

    /// 32 pixels of a row as `u16` lanes, `[channel][lo/hi half]`: the low
    /// 128-bit lane holds pixels 0..16 (`lo` 0..8, `hi` 8..16), the high one
    /// 16..32, so that packing the halves back gives the pixels in order.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn channels(src: *const u8) -> [[__m256i; 2]; 3] {
        // Register k: bytes 16k..16k + 16 of each 16-pixel group (48 bytes).
        let reg = |k: usize| _mm256_loadu2_m128i(src.add(48 + 16 * k).cast(), src.add(16 * k).cast());
        let regs = [reg(0), reg(1), reg(2)];
        let mut out = [[_mm256_setzero_si256(); 2]; 3];
        for (c, channel) in out.iter_mut().enumerate() {
            for (half, lanes) in channel.iter_mut().enumerate() {
                // Pixels 0..8 of a group lie in registers 0 and 1, pixels 8..16 in 1 and 2.
                let (a, b) = (half, half + 1);
                let mask = |r: usize| _mm256_loadu_si256(MASKS[half][c][r].as_ptr().cast());
                *lanes = _mm256_or_si256(_mm256_shuffle_epi8(regs[a], mask(a)), _mm256_shuffle_epi8(regs[b], mask(b)));
            }
        }
        out
    }

    /// Gains `g + 1` of 32 pixels in the lanes of [`channels`], or 256 without gains.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn gains32(gains: Option<&[u8]>, x: usize) -> [__m256i; 2] {
        match gains {
            Some(g) => {
                let bytes = _mm256_loadu_si256(g.as_ptr().add(x).cast());
                let (one, zero) = (_mm256_set1_epi16(1), _mm256_setzero_si256());
                [
                    _mm256_add_epi16(_mm256_unpacklo_epi8(bytes, zero), one),
                    _mm256_add_epi16(_mm256_unpackhi_epi8(bytes, zero), one),
                ]
            }
            None => [_mm256_set1_epi16(256); 2],
        }
    }

    /// Luma of 32 pixels into `out`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn luma32(px: &[[__m256i; 2]; 3], gain: [__m256i; 2], out: *mut u8) {
        let mut y = [_mm256_setzero_si256(); 2];
        for half in 0..2 {
            // ≤ 220 × 255 fits u16.
            let s = _mm256_add_epi16(
                _mm256_add_epi16(
                    _mm256_mullo_epi16(px[0][half], _mm256_set1_epi16(66)),
                    _mm256_mullo_epi16(px[1][half], _mm256_set1_epi16(129)),
                ),
                _mm256_mullo_epi16(px[2][half], _mm256_set1_epi16(25)),
            );
            y[half] = _mm256_add_epi16(_mm256_mulhi_epu16(s, gain[half]), _mm256_set1_epi16(16));
        }
        _mm256_storeu_si256(out.cast(), _mm256_packus_epi16(y[0], y[1]));
    }

    /// 2×2 averages of one channel: sum the rows, then adjacent pixels; (s + 2) >> 2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn average(p0: &[__m256i; 2], p1: &[__m256i; 2]) -> __m256i {
        let (lo, hi) = (_mm256_add_epi16(p0[0], p1[0]), _mm256_add_epi16(p0[1], p1[1]));
        _mm256_srli_epi16(_mm256_add_epi16(_mm256_hadd_epi16(lo, hi), _mm256_set1_epi16(2)), 2)
    }

    /// `(cr r + cg g + cb b) × k / 2¹⁶ + 128`; |cr r + cg g + cb b| ≤ 28 560 fits i16.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn chroma(rgb: [__m256i; 3], [cr, cg, cb]: [i16; 3], k: __m256i) -> __m256i {
        let s = _mm256_add_epi16(
            _mm256_add_epi16(
                _mm256_mullo_epi16(rgb[0], _mm256_set1_epi16(cr)),
                _mm256_mullo_epi16(rgb[1], _mm256_set1_epi16(cg)),
            ),
            _mm256_mullo_epi16(rgb[2], _mm256_set1_epi16(cb)),
        );
        _mm256_add_epi16(_mm256_mulhi_epi16(s, k), _mm256_set1_epi16(128))
    }

    /// Converts whole 32-pixel groups; returns how many pixels of each row
    /// it did (the scalar twin does the rest).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn row_pair_avx2(
        rows: &Rows<'_>,
        y0: &mut [u8],
        y1: &mut [u8],
        u: &mut [u8],
        v: &mut [u8],
    ) -> usize {
        let w = y0.len();
        let groups = w / 32;
        // Bounds for every access below (the caller checked them too).
        assert!(rows.rgb0.len() >= 3 * w && rows.rgb1.len() >= 3 * w && y1.len() >= w);
        assert!(u.len() >= w / 2 && v.len() >= w / 2);
        assert!(rows.g0.is_none_or(|g| g.len() >= w) && rows.g1.is_none_or(|g| g.len() >= w));
        // Even bytes (each 2×2 block's top-left pixel) into u16 lanes.
        let even = _mm256_setr_epi8(
            0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1, 12, -1, 14, -1, 0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1, 12,
            -1, 14, -1,
        );
        for group in 0..groups {
            let x = 32 * group;
            let p0 = channels(rows.rgb0.as_ptr().add(3 * x));
            let p1 = channels(rows.rgb1.as_ptr().add(3 * x));
            luma32(&p0, gains32(rows.g0, x), y0.as_mut_ptr().add(x));
            luma32(&p1, gains32(rows.g1, x), y1.as_mut_ptr().add(x));
            let rgb = [average(&p0[0], &p1[0]), average(&p0[1], &p1[1]), average(&p0[2], &p1[2])];
            let k = match rows.g0 {
                Some(gains) => _mm256_add_epi16(
                    _mm256_shuffle_epi8(_mm256_loadu_si256(gains.as_ptr().add(x).cast()), even),
                    _mm256_set1_epi16(1),
                ),
                None => _mm256_set1_epi16(256),
            };
            // Per lane: 8 U bytes then 8 V bytes; reordered to all U, then all V.
            let uv = _mm256_packus_epi16(chroma(rgb, [-38, -74, 112], k), chroma(rgb, [112, -94, -18], k));
            let uv = _mm256_permute4x64_epi64(uv, 0b11_01_10_00);
            _mm_storeu_si128(u.as_mut_ptr().add(x / 2).cast(), _mm256_castsi256_si128(uv));
            _mm_storeu_si128(v.as_mut_ptr().add(x / 2).cast(), _mm256_extracti128_si256(uv, 1));
        }
        groups * 32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 24) as u8
            })
            .collect()
    }

    fn convert(rgb: &[u8], gains: Option<&[u8]>, w: usize, simd: bool) -> Vec<u8> {
        let mut out = vec![0u8; 3 * w];
        let (y, uv) = out.split_at_mut(2 * w);
        let (u, v) = uv.split_at_mut(w / 2);
        if simd {
            row_pair(rgb, gains, y, u, v);
        } else {
            let (rgb0, rgb1) = rgb.split_at(3 * w);
            let (g0, g1) = gains.map(|g| g.split_at(w)).unzip();
            let (y0, y1) = y.split_at_mut(w);
            row_pair_scalar(&Rows { rgb0, rgb1, g0, g1 }, 0, y0, y1, u, v);
        }
        out
    }

    /// The SIMD kernel gives the scalar twin's bytes, with and without
    /// gains, for widths with and without a tail.
    #[test]
    fn simd_and_scalar_agree() {
        for (i, w) in [2usize, 14, 16, 30, 32, 34, 62, 64, 66, 96, 1280, 1294].into_iter().enumerate() {
            let rgb = noise(6 * w, 7 + i as u32);
            let gains = noise(2 * w, 99 + i as u32);
            for g in [None, Some(&gains[..]), Some(&vec![0u8; 2 * w][..]), Some(&vec![UNITY; 2 * w][..])] {
                assert!(convert(&rgb, g, w, true) == convert(&rgb, g, w, false), "width {w}, gains {}", g.is_some());
            }
        }
    }

    /// Unity gains are the same as none; extremes land on the limited-range ends.
    #[test]
    fn unity_gains_and_range_ends() {
        let w = 40;
        let rgb = noise(6 * w, 3);
        assert_eq!(convert(&rgb, None, w, true), convert(&rgb, Some(&[UNITY; 80]), w, true));
        let white = vec![255u8; 6 * w];
        let out = convert(&white, None, w, true);
        assert!(out[..2 * w].iter().all(|&y| y == 235) && out[2 * w..].iter().all(|&c| c == 128));
        let out = convert(&white, Some(&[0; 80]), w, true); // gain 1/256: black
        assert!(out[..2 * w].iter().all(|&y| y == 16) && out[2 * w..].iter().all(|&c| c == 128));
    }

    /// Gains applied in the conversion match darkening the RGB bytes first
    /// (what a still frame shows) within a level of luma and two of chroma.
    #[test]
    fn gains_match_darkening_first() {
        let w = 64;
        let rgb = noise(6 * w, 11);
        // A smooth ramp of gains, like a vignette's.
        let gains: Vec<u8> = (0..2 * w).map(|i| (60 + (i % w) * 3) as u8).collect();
        let darkened: Vec<u8> =
            rgb.iter().enumerate().map(|(i, &c)| ((u32::from(c) * (u32::from(gains[i / 3]) + 1)) >> 8) as u8).collect();
        let fused = convert(&rgb, Some(&gains), w, true);
        let first = convert(&darkened, None, w, true);
        for (i, (a, b)) in fused.iter().zip(&first).enumerate() {
            let limit = if i < 2 * w { 1 } else { 2 };
            assert!(a.abs_diff(*b) <= limit, "byte {i}: {a} vs {b}");
        }
    }
}
