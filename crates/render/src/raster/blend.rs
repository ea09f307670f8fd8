//! Blends of a colour, another frame or a mask over a canvas's bytes, in
//! 8-bit fixed point, written as straight loops that vectorise.

use super::canvas::Canvas;
use super::opacity::Opacity;
use crate::text::TextMask;

/// `color` weighted by `a` and repeated for `pixels` pixels: what
/// [`blend_toward`] adds to each byte.
pub(crate) fn weighted_colour(color: [u8; 3], a: Opacity, pixels: usize) -> Vec<u16> {
    colour_run(color.map(|c| u16::from(c) * a.get()), pixels)
}

/// `color`'s channels repeated for `pixels` pixels, so that a blend over a
/// run of RGB bytes is one straight loop zipping the two.
pub(crate) fn colour_run(color: [u16; 3], pixels: usize) -> Vec<u16> {
    color.iter().copied().cycle().take(pixels * 3).collect()
}

/// Blends `bytes` towards a colour by `a`, given the colour's
/// [`weighted_colour`]: one 16-bit multiply-add per byte in a straight loop
/// that vectorises (≤ 255 × 256 in total, so it fits u16).
#[inline(always)]
pub(crate) fn blend_toward(bytes: &mut [u8], add: &[u16], a: Opacity) {
    let a = a.get();
    for (d, &add) in bytes.iter_mut().zip(add) {
        *d = ((u16::from(*d) * (256 - a)).wrapping_add(add) >> 8) as u8;
    }
}

/// Blends `src` (the same rows as the canvas) over the canvas at opacity
/// `a`: one 16-bit multiply-add per byte.
pub(crate) fn blend_frames(canvas: &mut Canvas<'_>, src: &[u8], a: Opacity) {
    let a = a.get();
    for (d, &s) in canvas.bytes_mut().iter_mut().zip(src) {
        // ≤ 255 × 256 in total, so the sum fits u16.
        *d = ((u16::from(*d) * (256 - a)).wrapping_add(u16::from(s) * a) >> 8) as u8;
    }
}

/// `over` laid on `under` by a coverage `a` in 255ths (0..=255): how masks
/// blend, rounded down.
#[inline(always)]
pub(crate) fn blend_coverage(under: u8, over: u8, a: u8) -> u8 {
    let a = u32::from(a);
    ((u32::from(under) * (255 - a) + u32::from(over) * a) / 255) as u8
}

/// Blends `color` through `mask` at opacity `alpha`, with its top-left at `(left, top)`.
pub(crate) fn blend_mask(
    canvas: &mut Canvas<'_>,
    mask: &TextMask,
    (left, top): (i32, i32),
    (color, alpha): ([u8; 3], Opacity),
) {
    let (w, h, rows) = (canvas.w, canvas.h, canvas.rows.clone());
    for my in 0..mask.height as i32 {
        let y = top + my;
        if y < 0 || y >= h as i32 || !rows.contains(&(y as u32)) {
            continue;
        }
        for mx in 0..mask.width as i32 {
            let x = left + mx;
            if x < 0 || x >= w as i32 {
                continue;
            }
            let a = alpha.of_coverage(mask.coverage[(my as u32 * mask.width + mx as u32) as usize]);
            if a == 0 {
                continue;
            }
            let i = canvas.at(x as u32, y as u32);
            let frame = canvas.bytes_mut();
            for c in 0..3 {
                frame[i + c] = blend_coverage(frame[i + c], color[c], a);
            }
        }
    }
}

/// Maps every byte through `f`, computed once per value: cheaper than a
/// per-byte float pass over a whole canvas.
pub(crate) fn apply_lut(bytes: &mut [u8], f: impl Fn(u8) -> u8) {
    let lut: [u8; 256] = std::array::from_fn(|v| f(v as u8));
    for b in bytes {
        *b = lut[usize::from(*b)];
    }
}
