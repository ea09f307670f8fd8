//! Photos drawn into a canvas: scaled (bilinear, fixed point, separable;
//! the row kernels in [`super::rowops`]), with a print border, at an
//! opacity, straight or rotated.

use super::canvas::{clip_rows, for_rows, Canvas};
use super::opacity::Opacity;
use super::rowops::{blend_rows, resample_row, resample_row_over, HTap, RowTaps};
use crate::geom::Rect;
use image::RgbImage;
use std::ops::Range;

/// The pixels a [`blit_photo`] of `rect` writes, border included: its
/// columns, clipped to a frame `fw` wide, and its rows (unclipped). At full
/// opacity it writes every one of them, whatever was there.
pub(crate) fn photo_bounds(rect: Rect, border: i32, fw: u32) -> (Range<i32>, Range<i32>) {
    let (bx0, by0) = (rect.x.floor() as i32 - border, rect.y.floor() as i32 - border);
    let (bx1, by1) = (rect.right().ceil() as i32 + border, rect.bottom().ceil() as i32 + border);
    (bx0.max(0)..bx1.min(fw as i32), by0..by1)
}

/// Draws `photo` scaled into `rect` (sub-pixel position and size), with a
/// `border`-pixel print border around it, at opacity `alpha`.
/// Bilinear in fixed point, separable: each output row first blends its
/// two source rows into a 15-bit row, then takes two horizontal taps per
/// pixel (both passes in [`super::rowops`], SIMD where the CPU has it, with
/// the same bytes either way).
pub(crate) fn blit_photo(canvas: &mut Canvas<'_>, photo: &RgbImage, rect: Rect, border: i32, alpha: Opacity) {
    if alpha == Opacity::ZERO {
        return;
    }
    // Opaque writes straight; otherwise blends over what is there.
    let put = move |dst: &mut u8, v: u8| *dst = if alpha == Opacity::OPAQUE { v } else { alpha.blend(*dst, v) };
    let border_px = move |px: &mut [u8]| px.iter_mut().zip(BORDER_COLOR).for_each(|(d, c)| put(d, c));
    let Rect { x: x0, y: y0, w: dw, h: dh } = rect;
    let fw = canvas.w;
    let sy = photo.height() as f32 / dh;
    let ph = photo.height() as f32;
    let (xs, rows) = photo_bounds(rect, border, fw);
    let Some(ys) = clip_rows(rows.start, rows.end, &canvas.rows, canvas.h).filter(|_| !xs.is_empty()) else {
        return; // off-screen or outside the band, or degenerate (e.g. a tiny photo with a negative border)
    };
    let key = ColumnsKey { x0: x0.to_bits(), dw: dw.to_bits(), pw: photo.width(), fw, border };
    with_columns(key, |c| {
        let Columns { inner, src_lo, src_hi, hs } = c;
        let src = photo.as_raw();
        let stride = photo.width() as usize * 3;
        let mut mix = Vec::<u16>::new();
        for_rows(canvas, ys, |y, row| {
            let y = y as i32;
            let out = &mut row[xs.start as usize * 3..xs.end as usize * 3];
            let Some(ty) = Tap::new((y as f32 + 0.5 - y0) * sy - 0.5, ph) else {
                out.chunks_exact_mut(3).for_each(border_px);
                return;
            };
            let (left, rest) = out.split_at_mut(inner.start * 3);
            let (middle, right) = rest.split_at_mut(inner.len() * 3);
            left.chunks_exact_mut(3).chain(right.chunks_exact_mut(3)).for_each(border_px);
            let top = &src[ty.i0 * stride + src_lo * 3..ty.i0 * stride + src_hi * 3];
            let bottom = &src[ty.i1 * stride + src_lo * 3..ty.i1 * stride + src_hi * 3];
            blend_rows(top, bottom, ty.w, &mut mix);
            if alpha == Opacity::OPAQUE {
                resample_row(&mix, hs, middle);
            } else {
                resample_row_over(&mix, hs.taps(), middle, alpha);
            }
        });
    });
}

/// What a photo blit's columns depend on: the placement along x, the
/// photo's width, the frame's width and the border.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ColumnsKey {
    x0: u32,
    dw: u32,
    pw: u32,
    fw: u32,
    border: i32,
}

/// A photo blit's columns: which are photo rather than border (`inner`,
/// relative to the first visible column), the source columns they read
/// (`src_lo..src_hi`) and each one's taps.
struct Columns {
    inner: Range<usize>,
    src_lo: usize,
    src_hi: usize,
    hs: RowTaps,
}

impl Columns {
    fn new(ColumnsKey { x0, dw, pw, fw, border }: ColumnsKey) -> Columns {
        let (x0, dw) = (f32::from_bits(x0), f32::from_bits(dw));
        let sx = pw as f32 / dw;
        let (xs, _) = photo_bounds(Rect::new(x0, 0.0, dw, 0.0), border, fw);
        // Source taps per column (None = border). Inside columns are contiguous.
        let taps: Vec<Option<Tap>> = xs.map(|x| Tap::new((x as f32 + 0.5 - x0) * sx - 0.5, pw as f32)).collect();
        let first = taps.iter().position(Option::is_some);
        let inner = match first {
            Some(f) => f..f + taps[f..].iter().take_while(|t| t.is_some()).count(),
            None => 0..0,
        };
        let taps: Vec<Tap> = taps[inner.clone()].iter().flatten().copied().collect();
        let (src_lo, src_hi) = match (taps.first(), taps.last()) {
            (Some(a), Some(b)) => (a.i0, b.i1 + 1),
            _ => (0, 0),
        };
        // Each pixel's left tap in the blended row (relative to the first
        // source column used) and weights. The right tap is always the next
        // pixel: at the last column (where a tap clamps to the same pixel)
        // its weight is 0.
        debug_assert!(taps.iter().all(|t| t.i1 == t.i0 + 1 || t.w == 0));
        let hs = RowTaps::new(taps.iter().map(|t| HTap::new((t.i0 - src_lo) * 3, t.w)).collect());
        Columns { inner, src_lo, src_hi, hs }
    }
}

/// Runs `f` with the columns for `key`, made once and kept (per thread, the
/// last two placements): a frame is drawn in ~23 bands that all share them,
/// and a defocus blend draws two photo levels.
fn with_columns<R>(key: ColumnsKey, f: impl FnOnce(&Columns) -> R) -> R {
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<(ColumnsKey, std::rc::Rc<Columns>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let columns = RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some(at) = recent.iter().position(|(k, _)| *k == key) {
            let hit = recent.remove(at);
            recent.push(hit);
        } else {
            if recent.len() == 2 {
                recent.remove(0);
            }
            recent.push((key, std::rc::Rc::new(Columns::new(key))));
        }
        recent.last().expect("just pushed").1.clone()
    });
    f(&columns)
}

/// Like [`blit_photo`], rotated by `angle` radians about the rectangle's
/// centre (inverse mapping per pixel; used only while a photo is turning).
pub(crate) fn blit_photo_rotated(canvas: &mut Canvas<'_>, photo: &RgbImage, rect: Rect, border: i32, angle: f32) {
    let (fw, fh) = canvas.size();
    let (cx, cy) = rect.centre();
    let (dw, dh) = (rect.w, rect.h);
    let (sin, cos) = crate::math::sin_cos(angle);
    let (hw, hh) = (dw / 2.0 + border as f32, dh / 2.0 + border as f32);
    // Bounding box of the rotated rectangle (border included).
    let ex = hw * cos.abs() + hh * sin.abs();
    let ey = hw * sin.abs() + hh * cos.abs();
    let (bx0, bx1) = ((cx - ex).floor().max(0.0) as u32, ((cx + ex).ceil().max(0.0) as u32).min(fw));
    let Some(ys) = clip_rows((cy - ey).floor() as i32, (cy + ey).ceil() as i32, &canvas.rows, fh) else { return };
    if bx0 >= bx1 {
        return;
    }
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let (sx, sy) = (pw / dw, ph / dh);
    let src = photo.as_raw();
    let stride = photo.width() as usize * 3;
    for_rows(canvas, ys, |y, row| {
        let py = y as f32 + 0.5 - cy;
        for x in bx0..bx1 {
            let px = x as f32 + 0.5 - cx;
            // Into the unrotated rectangle's frame.
            let (lx, ly) = (px * cos + py * sin, -px * sin + py * cos);
            if lx.abs() > hw || ly.abs() > hh {
                continue;
            }
            let out = &mut row[(x * 3) as usize..(x * 3 + 3) as usize];
            let (u, v) = ((lx + dw / 2.0) * sx - 0.5, (ly + dh / 2.0) * sy - 0.5);
            let (Some(tx), Some(ty)) = (Tap::new(u, pw), Tap::new(v, ph)) else {
                out.copy_from_slice(&BORDER_COLOR);
                continue;
            };
            let (top, bottom) = (&src[ty.i0 * stride..], &src[ty.i1 * stride..]);
            bilerp(top, bottom, &tx, &ty, out);
        }
    });
}

/// One RGB pixel, bilinear between two source rows (`top`, `bottom` start at
/// rows `ty.i0` and `ty.i1`), in 8-bit fixed point.
#[inline]
pub(crate) fn bilerp(top: &[u8], bottom: &[u8], tx: &Tap, ty: &Tap, out: &mut [u8]) {
    let (a, b) = (tx.i0 * 3, tx.i1 * 3);
    for c in 0..3 {
        let t = u32::from(top[a + c]) * (256 - tx.w) + u32::from(top[b + c]) * tx.w;
        let m = u32::from(bottom[a + c]) * (256 - tx.w) + u32::from(bottom[b + c]) * tx.w;
        out[c] = ((t * (256 - ty.w) + m * ty.w + 32768) >> 16) as u8;
    }
}

/// The white print border around the photo.
pub(crate) const BORDER_COLOR: [u8; 3] = [250, 248, 240];

/// One axis of a bilinear sample: the two source indices and the weight
/// (0..=256) of the second, in fixed point so every frame is exact and fast.
#[derive(Clone, Copy)]
pub(crate) struct Tap {
    pub(crate) i0: usize,
    pub(crate) i1: usize,
    pub(crate) w: u32,
}

impl Tap {
    /// `None` when `u` falls outside the image (that pixel is border).
    pub(crate) fn new(u: f32, len: f32) -> Option<Tap> {
        if u < -0.5 || u > len - 0.5 {
            return None;
        }
        let u = u.clamp(0.0, len - 1.0);
        let i0 = u.floor() as usize;
        let i1 = (i0 + 1).min(len as usize - 1);
        Some(Tap { i0, i1, w: ((u - i0 as f32) * 256.0).round() as u32 })
    }
}

#[cfg(test)]
pub(crate) fn bilinear(img: &RgbImage, u: f32, v: f32) -> [u8; 3] {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let u = u.clamp(0.0, (w - 1) as f32);
    let v = v.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (u.floor() as i32, v.floor() as i32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let raw = img.as_raw();
    let at = |x: i32, y: i32, c: usize| raw[((y * w + x) * 3) as usize + c] as f32;
    [0, 1, 2].map(|c| {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
        let bot = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
        (top * (1.0 - fy) + bot * fy + 0.5) as u8
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A quarter turn of a photo with a bright left half puts the bright half on top.
    #[test]
    fn rotation_turns_the_photo_clockwise() {
        let photo = RgbImage::from_fn(40, 40, |x, _| if x < 20 { image::Rgb([250; 3]) } else { image::Rgb([10; 3]) });
        let (w, h) = (100u32, 100u32);
        let mut frame = vec![128u8; (w * h * 3) as usize];
        let quarter = std::f32::consts::FRAC_PI_2;
        blit_photo_rotated(
            &mut Canvas::whole(&mut frame, (w, h)),
            &photo,
            Rect::new(30.0, 30.0, 40.0, 40.0),
            0,
            quarter,
        );
        let at = |x: u32, y: u32| frame[((y * w + x) * 3) as usize];
        assert!(at(50, 40) > 200, "top is bright: {}", at(50, 40));
        assert!(at(50, 60) < 50, "bottom is dark: {}", at(50, 60));
        assert_eq!(at(5, 5), 128, "outside untouched");
        // Zero rotation matches the straight blit.
        let mut a = vec![0u8; (w * h * 3) as usize];
        let mut b = a.clone();
        blit_photo(&mut Canvas::whole(&mut a, (w, h)), &photo, Rect::new(30.0, 30.0, 40.0, 40.0), 2, Opacity::OPAQUE);
        blit_photo_rotated(&mut Canvas::whole(&mut b, (w, h)), &photo, Rect::new(30.0, 30.0, 40.0, 40.0), 2, 1e-6);
        let differ = a.iter().zip(&b).filter(|(x, y)| x.abs_diff(**y) > 2).count();
        assert!(differ < 40, "{differ} bytes differ");
    }
}
