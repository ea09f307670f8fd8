//! RGB8 → I420, a pair of rows at a time, with optional per-pixel gains
//! applied on the way.
//!
//! BT.601 limited range with OpenH264's integer formulas, so that without
//! gains the bytes equal its converter's (tested). The gains are how a
//! frame's final vignette is drawn in a render: one multiply per pixel
//! inside the conversion instead of a pass over every byte of the frame.
//!
//! An AVX2 kernel (32 pixels of both rows per step: byte shuffles and
//! `pmaddubsw` multiply-adds), chosen at run time,
//! and a scalar twin with the same integer arithmetic (tested equal), so a
//! video's bytes never depend on the CPU.

/// A gain of `g` multiplies a pixel by `(g + 1) / 256` (1..=256 fits a byte).
pub const GAIN_UNITY: u8 = 255;

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
    if crate::simd::has_avx2() {
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

    // A 32-pixel group of a row is read as four registers of eight pixels,
    // each 128-bit lane holding four pixels (12 bytes) from these byte
    // offsets: register `k` has pixels `4k..4k + 4` in its low lane and
    // `16 + 4k..20 + 4k` in its high one, so that the horizontal adds below
    // keep pixels 0..16 in low lanes and 16..32 in high ones. The last lane
    // (pixels 28..32, bytes 84..96) is read from byte 80, so that no read
    // passes the group's end; its shuffles skip the 4 extra bytes.
    const LOW: [usize; 4] = [0, 12, 24, 36];
    const HIGH: [usize; 4] = [48, 60, 72, 84];
    /// Bytes before a lane's first pixel: 4 for the last lane only.
    const SKIP: [[usize; 2]; 4] = [[0, 0], [0, 0], [0, 0], [0, 4]];

    /// Per lane, `pshufb` picks for each pixel `p` of four the bytes
    /// `R G G B`, weighted by `pmaddubsw` as `(66, 60)` and `(69, 25)`: two
    /// signed 16-bit halves (≤ 32 130) of `66 R + 129 G + 25 B`.
    const fn luma_mask(skip: usize) -> [i8; 16] {
        let mut m = [0i8; 16];
        let mut p = 0;
        while p < 4 {
            let at = skip + 3 * p;
            m[4 * p] = at as i8;
            m[4 * p + 1] = (at + 1) as i8;
            m[4 * p + 2] = (at + 1) as i8;
            m[4 * p + 3] = (at + 2) as i8;
            p += 1;
        }
        m
    }

    /// Per lane, for the 2×2 blocks of pixels (0, 1) and (2, 3): the bytes
    /// `R R G G B B 0 0` of each pair, which `pmaddubsw` by ones sums into
    /// `u16` lanes `r g b 0`.
    const fn pair_mask(skip: usize) -> [i8; 16] {
        let mut m = [-1i8; 16];
        let mut block = 0;
        while block < 2 {
            let mut c = 0;
            while c < 3 {
                let at = skip + 6 * block + c;
                m[8 * block + 2 * c] = at as i8;
                m[8 * block + 2 * c + 1] = (at + 3) as i8;
                c += 1;
            }
            block += 1;
        }
        m
    }

    /// Both lanes' masks of each register, for the luma or the pairs.
    const fn masks(luma: bool) -> [[i8; 32]; 4] {
        let mut all = [[0i8; 32]; 4];
        let mut k = 0;
        while k < 4 {
            let mut lane = 0;
            while lane < 2 {
                let skip = SKIP[k][lane];
                let m = if luma { luma_mask(skip) } else { pair_mask(skip) };
                let mut i = 0;
                while i < 16 {
                    all[k][16 * lane + i] = m[i];
                    i += 1;
                }
                lane += 1;
            }
            k += 1;
        }
        all
    }

    const LUMA_MASKS: [[i8; 32]; 4] = masks(true);
    const PAIR_MASKS: [[i8; 32]; 4] = masks(false);

    /// `v`, hidden from the optimiser: knowing that a gain fits 9 bits, LLVM
    /// rewrites `pmulhuw` as 32-bit multiplies, several times the work.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn opaque(mut v: __m256i) -> __m256i {
        // SAFETY: an empty template; it only claims to change the register.
        unsafe { std::arch::asm!("/* {0} */", inout(ymm_reg) v, options(pure, nomem, nostack, preserves_flags)) };
        v
    }

    /// The four registers of a 32-pixel group starting at `src`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load(src: *const u8) -> [__m256i; 4] {
        let reg =
            |k: usize| _mm256_loadu2_m128i(src.add(HIGH[k] - SKIP[k][1]).cast(), src.add(LOW[k] - SKIP[k][0]).cast());
        [reg(0), reg(1), reg(2), reg(3)]
    }

    /// Gains `g + 1` of 32 pixels as `u16`, pixels 0..8 | 16..24 and 8..16
    /// | 24..32, or 256 without gains.
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

    /// Luma of the 32 pixels in `regs` into `out`: `(s × gain) >> 16 + 16`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn luma32(regs: &[__m256i; 4], gains: Option<&[u8]>, x: usize, out: *mut u8) {
        let weights = _mm256_setr_epi8(
            66, 60, 69, 25, 66, 60, 69, 25, 66, 60, 69, 25, 66, 60, 69, 25, 66, 60, 69, 25, 66, 60, 69, 25, 66, 60, 69,
            25, 66, 60, 69, 25,
        );
        let halves: [__m256i; 4] = std::array::from_fn(|k| {
            let mask = _mm256_loadu_si256(LUMA_MASKS[k].as_ptr().cast());
            _mm256_maddubs_epi16(_mm256_shuffle_epi8(regs[k], mask), weights)
        });
        // The halves' sum (≤ 56 100) wraps in i16 but is right as u16:
        // pixels 0..8 | 16..24, then 8..16 | 24..32.
        let s = [_mm256_hadd_epi16(halves[0], halves[1]), _mm256_hadd_epi16(halves[2], halves[3])];
        let gain = gains32(gains, x).map(|g| opaque(g));
        let y: [__m256i; 2] =
            std::array::from_fn(|i| _mm256_add_epi16(_mm256_mulhi_epu16(s[i], gain[i]), _mm256_set1_epi16(16)));
        // Packing by lane puts the pixels back in order.
        _mm256_storeu_si256(out.cast(), _mm256_packus_epi16(y[0], y[1]));
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
        let ones = _mm256_set1_epi8(1);
        let u_weights = _mm256_setr_epi16(-38, -74, 112, 0, -38, -74, 112, 0, -38, -74, 112, 0, -38, -74, 112, 0);
        let v_weights = _mm256_setr_epi16(112, -94, -18, 0, 112, -94, -18, 0, 112, -94, -18, 0, 112, -94, -18, 0);
        for group in 0..groups {
            let x = 32 * group;
            let p0 = load(rows.rgb0.as_ptr().add(3 * x));
            let p1 = load(rows.rgb1.as_ptr().add(3 * x));
            luma32(&p0, rows.g0, x, y0.as_mut_ptr().add(x));
            luma32(&p1, rows.g1, x, y1.as_mut_ptr().add(x));
            // 2×2 averages, rounded as OpenH264 does: `r g b 0` per block,
            // blocks 2k, 2k + 1 | 8 + 2k, 8 + 2k + 1 in register k.
            let averages: [__m256i; 4] = std::array::from_fn(|k| {
                let mask = _mm256_loadu_si256(PAIR_MASKS[k].as_ptr().cast());
                let sum = _mm256_add_epi16(
                    _mm256_maddubs_epi16(_mm256_shuffle_epi8(p0[k], mask), ones),
                    _mm256_maddubs_epi16(_mm256_shuffle_epi8(p1[k], mask), ones),
                );
                _mm256_srli_epi16(_mm256_add_epi16(sum, _mm256_set1_epi16(2)), 2)
            });
            // `cr r + cg g + cb b` (|·| ≤ 28 560) per block as i16, in order.
            let dot = |weights: __m256i| {
                let m: [__m256i; 4] = std::array::from_fn(|k| _mm256_madd_epi16(averages[k], weights));
                _mm256_packs_epi32(_mm256_hadd_epi32(m[0], m[1]), _mm256_hadd_epi32(m[2], m[3]))
            };
            let (du, dv) = (dot(u_weights), dot(v_weights));
            // The gains of the blocks' top-left pixels.
            let k = match rows.g0 {
                Some(gains) => _mm256_add_epi16(
                    _mm256_shuffle_epi8(_mm256_loadu_si256(gains.as_ptr().add(x).cast()), even),
                    _mm256_set1_epi16(1),
                ),
                None => _mm256_set1_epi16(256),
            };
            let k = opaque(k);
            let chroma = |d: __m256i| _mm256_add_epi16(_mm256_mulhi_epi16(d, k), _mm256_set1_epi16(128));
            // Per lane: 8 U bytes then 8 V bytes; reordered to all U, then all V.
            let uv = _mm256_packus_epi16(chroma(du), chroma(dv));
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
            for g in [None, Some(&gains[..]), Some(&vec![0u8; 2 * w][..]), Some(&vec![GAIN_UNITY; 2 * w][..])] {
                assert!(convert(&rgb, g, w, true) == convert(&rgb, g, w, false), "width {w}, gains {}", g.is_some());
            }
        }
    }

    /// Unity gains are the same as none; extremes land on the limited-range ends.
    #[test]
    fn unity_gains_and_range_ends() {
        let w = 40;
        let rgb = noise(6 * w, 3);
        assert_eq!(convert(&rgb, None, w, true), convert(&rgb, Some(&[GAIN_UNITY; 80]), w, true));
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
