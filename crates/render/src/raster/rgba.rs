//! Sprites with their own transparency (cut-outs, vector art), drawn under
//! any affine map: premultiplied RGBA, bilinear sampling, halved copies for
//! drawing small, and sub-frame accumulation for motion blur.

use super::canvas::Canvas;
use super::opacity::Opacity;
use crate::geom::Affine;
use image::RgbaImage;

/// A premultiplied RGBA8 image (each colour already multiplied by its
/// alpha, so sampling between an opaque and a clear pixel never darkens
/// the edge).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rgba {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

impl Rgba {
    /// From straight (not premultiplied) RGBA.
    pub(crate) fn from_straight(img: &RgbaImage) -> Rgba {
        let mut px = img.as_raw().clone();
        for p in px.chunks_exact_mut(4) {
            let a = u32::from(p[3]);
            for c in &mut p[..3] {
                *c = div255(u32::from(*c) * a) as u8;
            }
        }
        Rgba { w: img.width(), h: img.height(), px }
    }

    /// Half the size (rounded up), each pixel the mean of a 2×2 block.
    pub(crate) fn half(&self) -> Rgba {
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut px = vec![0u8; (w * h * 4) as usize];
        let at = |x: u32, y: u32| ((y.min(self.h - 1) * self.w + x.min(self.w - 1)) * 4) as usize;
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = (2 * x, 2 * y);
                let taps = [at(sx, sy), at(sx + 1, sy), at(sx, sy + 1), at(sx + 1, sy + 1)];
                let o = ((y * w + x) * 4) as usize;
                for c in 0..4 {
                    let sum: u32 = taps.iter().map(|&i| u32::from(self.px[i + c])).sum();
                    px[o + c] = ((sum + 2) / 4) as u8;
                }
            }
        }
        Rgba { w, h, px }
    }

    /// The image, then halved copies down to a few pixels (for drawing it
    /// small without shimmer).
    pub(crate) fn mips(self) -> Vec<Rgba> {
        let mut levels = vec![self];
        while let Some(last) = levels.last().filter(|l| l.w.max(l.h) > 8 && levels.len() < 10) {
            let next = last.half();
            levels.push(next);
        }
        levels
    }
}

/// `x / 255`, rounded, for `x` up to 255·255·4.
#[inline(always)]
fn div255(x: u32) -> u32 {
    (x + 128 + ((x + 128) >> 8)) >> 8
}

/// Draws `img` at `opacity`, averaged over the placements `maps` (each maps
/// the image's pixel space to the canvas; several = motion blur: the mean
/// of drawing it at each, computed exactly by accumulating coverage and
/// colour before one blend).
pub(crate) fn draw_sprite(canvas: &mut Canvas<'_>, img: &Rgba, maps: &[Affine], opacity: Opacity) {
    if maps.is_empty() || opacity == Opacity::ZERO || img.w == 0 || img.h == 0 {
        return;
    }
    let inverses: Vec<Affine> = maps.iter().filter_map(|m| m.invert()).collect();
    if inverses.len() != maps.len() {
        return; // flattened to nothing
    }
    // The canvas box all placements touch.
    let (fw, fh) = canvas.size();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for m in maps {
        for corner in [(0.0, 0.0), (img.w as f32, 0.0), (0.0, img.h as f32), (img.w as f32, img.h as f32)] {
            let (x, y) = m.apply(corner);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
        return;
    }
    let cols = (x0.floor().max(0.0) as u32).min(fw)..((x1.ceil() + 1.0).max(0.0) as u32).min(fw);
    let rows = (y0.floor().max(canvas.rows.start as f32) as u32).min(canvas.rows.end)
        ..((y1.ceil() + 1.0).max(0.0) as u32).min(canvas.rows.end).min(fh);
    if cols.is_empty() || rows.is_empty() {
        return;
    }
    let n = inverses.len() as u32;
    let width = cols.len();
    // Per pixel of a row: the sum over placements of premultiplied colour and alpha.
    let mut acc = vec![0u32; width * 4];
    let row_bytes = canvas.row_bytes();
    for y in rows.clone() {
        acc.fill(0);
        let mut touched = cols.end..cols.start;
        for inv in &inverses {
            if let Some(span) = sample_row(img, inv, y, cols.clone(), &mut acc) {
                touched = touched.start.min(span.start)..touched.end.max(span.end);
            }
        }
        if touched.is_empty() {
            continue;
        }
        let start = canvas.at(0, y);
        let row = &mut canvas.bytes_mut()[start..start + row_bytes];
        let k = u32::from(opacity.get()); // 0..=256
        for x in touched {
            let s = &acc[(x - cols.start) as usize * 4..][..4];
            // The mean over placements, at the layer's opacity, in 255ths.
            let a = (s[3] * k / 256 + n / 2) / n;
            if a == 0 {
                continue;
            }
            let d = &mut row[x as usize * 3..x as usize * 3 + 3];
            for c in 0..3 {
                let src = (s[c] * k / 256 + n / 2) / n;
                d[c] = (src + div255(u32::from(d[c]) * (255 - a.min(255)))).min(255) as u8;
            }
        }
    }
}

/// Adds one placement's samples for canvas row `y` into `acc` (four sums
/// per column of `cols`); returns the columns it touched.
fn sample_row(
    img: &Rgba,
    inv: &Affine,
    y: u32,
    cols: std::ops::Range<u32>,
    acc: &mut [u32],
) -> Option<std::ops::Range<u32>> {
    let py = y as f32 + 0.5;
    // Sample position at column x: (u, v) = base + x·step (pixel centres; −0.5 to texel space).
    let (u0, v0) = (inv.b * py + inv.c - 0.5, inv.e * py + inv.f - 0.5);
    let (du, dv) = (inv.a, inv.d);
    // Columns where −1 < u < w and −1 < v < h: the rest samples nothing.
    let (mut lo, mut hi) = (cols.start as f32, cols.end as f32);
    for (base, step, max) in [(u0, du, img.w as f32), (v0, dv, img.h as f32)] {
        // base + (x + 0.5)·step within (−1, max).
        let at = |x: f32| base + (x + 0.5) * step;
        if step.abs() < 1e-9 {
            if !(at(0.0) > -1.0 && at(0.0) < max) {
                return None;
            }
            continue;
        }
        let (xa, xb) = ((-1.0 - base) / step - 0.5, (max - base) / step - 0.5);
        let (a, b) = if xa < xb { (xa, xb) } else { (xb, xa) };
        lo = lo.max(a.floor());
        hi = hi.min(b.ceil() + 1.0);
    }
    if lo >= hi {
        return None;
    }
    let span = (lo.max(0.0) as u32).max(cols.start)..(hi.max(0.0) as u32).min(cols.end);
    let (w, h) = (img.w as i32, img.h as i32);
    let texel = |x: i32, y: i32| -> [u32; 4] {
        if x < 0 || y < 0 || x >= w || y >= h {
            return [0; 4];
        }
        let i = ((y * w + x) * 4) as usize;
        [u32::from(img.px[i]), u32::from(img.px[i + 1]), u32::from(img.px[i + 2]), u32::from(img.px[i + 3])]
    };
    for x in span.clone() {
        let px = x as f32 + 0.5;
        let (u, v) = (inv.a * px + inv.b * py + inv.c - 0.5, inv.d * px + inv.e * py + inv.f - 0.5);
        if !(u > -1.0 && v > -1.0 && u < w as f32 && v < h as f32) {
            continue;
        }
        let (ui, vi) = (u.floor() as i32, v.floor() as i32);
        let (fx, fy) = (((u - ui as f32) * 256.0) as u32, ((v - vi as f32) * 256.0) as u32);
        let (p00, p10, p01, p11) = (texel(ui, vi), texel(ui + 1, vi), texel(ui, vi + 1), texel(ui + 1, vi + 1));
        let o = (x - cols.start) as usize * 4;
        for c in 0..4 {
            let top = p00[c] * (256 - fx) + p10[c] * fx;
            let bottom = p01[c] * (256 - fx) + p11[c] * fx;
            acc[o + c] += (top * (256 - fy) + bottom * fy + (1 << 15)) >> 16;
        }
    }
    Some(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, rgba: [u8; 4]) -> Rgba {
        Rgba::from_straight(&RgbaImage::from_pixel(w, h, image::Rgba(rgba)))
    }

    #[test]
    fn an_opaque_sprite_replaces_and_a_clear_one_leaves() {
        let (w, h) = (40u32, 30u32);
        let mut frame = vec![10u8; (w * h * 3) as usize];
        let red = solid(8, 8, [250, 0, 0, 255]);
        draw_sprite(&mut Canvas::whole(&mut frame, (w, h)), &red, &[Affine::translate(10.0, 10.0)], Opacity::OPAQUE);
        let px = |f: &[u8], x: u32, y: u32| f[((y * w + x) * 3) as usize..][..3].to_vec();
        assert_eq!(px(&frame, 13, 13), vec![250, 0, 0]);
        assert_eq!(px(&frame, 30, 13), vec![10, 10, 10], "outside the sprite");
        let clear = solid(8, 8, [0, 250, 0, 0]);
        draw_sprite(&mut Canvas::whole(&mut frame, (w, h)), &clear, &[Affine::translate(10.0, 10.0)], Opacity::OPAQUE);
        assert_eq!(px(&frame, 13, 13), vec![250, 0, 0]);
    }

    #[test]
    fn motion_blur_averages_placements_and_keeps_the_core_opaque() {
        let (w, h) = (60u32, 10u32);
        let mut frame = vec![0u8; (w * h * 3) as usize];
        let white = solid(20, 10, [255, 255, 255, 255]);
        let maps: Vec<Affine> = (0..4).map(|i| Affine::translate(10.0 + 4.0 * i as f32, 0.0)).collect();
        draw_sprite(&mut Canvas::whole(&mut frame, (w, h)), &white, &maps, Opacity::OPAQUE);
        let at = |x: u32| frame[((5 * w + x) * 3) as usize];
        assert_eq!(at(25), 255, "covered by every placement");
        assert!((at(11) as i32 - 64).abs() <= 2, "covered by one of four: {}", at(11));
        assert_eq!(at(5), 0);
    }

    #[test]
    fn a_turned_sprite_lands_where_its_map_says() {
        let (w, h) = (50u32, 50u32);
        let mut frame = vec![0u8; (w * h * 3) as usize];
        // A 20×4 bar turned a quarter clockwise about its left end at (25, 10): it points down.
        let bar = solid(20, 4, [200, 200, 200, 255]);
        let map = Affine::translate(0.0, -2.0).then(Affine::rotate(1.0, 0.0)).then(Affine::translate(25.0, 10.0));
        draw_sprite(&mut Canvas::whole(&mut frame, (w, h)), &bar, &[map], Opacity::OPAQUE);
        let at = |x: u32, y: u32| frame[((y * w + x) * 3) as usize];
        assert_eq!(at(25, 20), 200, "below the pivot");
        assert_eq!(at(40, 11), 0, "not to the right any more");
        // Drawn band by band, the same pixels.
        let mut banded = vec![0u8; (w * h * 3) as usize];
        for rows in [0..17, 17..33, 33..50] {
            draw_sprite(&mut Canvas::band_of(&mut banded, (w, h), rows), &bar, &[map], Opacity::OPAQUE);
        }
        assert_eq!(banded, frame);
    }

    #[test]
    fn mips_halve_down_to_a_few_pixels() {
        let levels = solid(100, 60, [10, 20, 30, 255]).mips();
        assert_eq!((levels[1].w, levels[1].h), (50, 30));
        assert!(levels.last().unwrap().w <= 8);
        assert_eq!(&levels[3].px[..4], &[10, 20, 30, 255]);
    }
}
