//! Image layers: the photo (camera moves, rotation, defocus, rounded
//! corners) and the blurred backdrop (static, or moving for parallax).

use super::spec::{Anim, BackdropSpec, PhotoSpec, Span};
use crate::geom::Rect;
use crate::math::{log2, sin};
use crate::raster::{
    apply_lut, blend_frames, blit_photo, blit_photo_rotated, blurred_backdrop, photo_bounds, resize_photo, Canvas,
    Opacity,
};
use image::imageops::FilterType;
use image::RgbImage;
use std::ops::Range;

pub(super) struct PhotoLayer {
    /// The photo prefiltered to the largest size it is shown at, then
    /// successively halved: defocus samples a smaller level, upscaled.
    levels: Vec<RgbImage>,
    /// Where it is at zoom 1, without pan or shake.
    rect: Rect,
    /// The layer's spec, its `corner` clamped to 0..=0.5.
    spec: PhotoSpec,
}

/// Blur radius (px) → fractional pyramid level: each level halves the size,
/// and an image upscaled by 2^level looks blurred by about that many pixels.
fn level_for(radius: f32) -> f32 {
    log2(1.0 + radius.max(0.0) / 2.0)
}

impl PhotoLayer {
    pub fn new(img: &RgbImage, spec: &PhotoSpec, canvas: (u32, u32)) -> PhotoLayer {
        let rect = contain(Rect::from(spec.area), canvas, (img.width(), img.height()));
        // Prefiltered once to the largest size it is shown at: no shimmer when zooming.
        let big = spec.zoom.max().max(1.0);
        let top = resize_photo(img, (rect.w * big).ceil().max(1.0) as u32, (rect.h * big).ceil().max(1.0) as u32);
        let deepest = level_for(spec.blur.max()).ceil().clamp(0.0, 6.0) as usize;
        let mut levels = vec![top];
        for _ in 0..deepest {
            let last = levels.last().expect("the top level");
            let (w, h) = ((last.width() / 2).max(1), (last.height() / 2).max(1));
            levels.push(image::imageops::resize(last, w, h, FilterType::Triangle));
        }
        let spec = PhotoSpec { corner: spec.corner.clamp(0.0, 0.5), ..spec.clone() };
        PhotoLayer { levels, rect, spec }
    }

    /// When it is shown.
    pub fn span(&self) -> &Span {
        &self.spec.span
    }

    /// Where the photo is at `t` (without its border).
    pub fn placed(&self, t: f32, canvas: (u32, u32)) -> Rect {
        place(self.rect, &self.spec, t, canvas)
    }

    /// The pixels that drawing the photo at `t` at opacity `alpha` overwrites
    /// whatever is under them, as (columns, rows): its bordered rectangle
    /// when it is opaque and square to the frame, less the rows of its
    /// rounded corners (which blend with what is under them). What lies
    /// there needs no drawing.
    pub fn covers(&self, t: f32, alpha: Opacity, (w, h): (u32, u32)) -> Option<(Range<u32>, Range<u32>)> {
        if alpha != Opacity::OPAQUE || self.spec.rotate.at(t).to_radians().abs() >= 1e-4 {
            return None;
        }
        let placed = self.placed(t, (w, h));
        let (xs, rows) = photo_bounds(placed, self.spec.border, w);
        let outer = placed.outset(self.spec.border as f32);
        let radius = self.spec.corner * outer.w.min(outer.h);
        let corner_rows = if radius >= 1.0 { radius.ceil() as i32 + 1 } else { 0 };
        let ys =
            (rows.start + corner_rows).clamp(0, h as i32) as u32..(rows.end - corner_rows).clamp(0, h as i32) as u32;
        let xs = xs.start.max(0) as u32..xs.end.max(0) as u32;
        (!xs.is_empty() && !ys.is_empty()).then_some((xs, ys))
    }

    /// Draws the photo at `t` at opacity `alpha`.
    pub fn draw(&self, canvas: &mut Canvas<'_>, t: f32, alpha: Opacity) {
        let (placed, border) = (self.placed(t, canvas.size()), self.spec.border);
        let level = level_for(self.spec.blur.at(t)).min((self.levels.len() - 1) as f32);
        let (lo, frac) = (level.floor() as usize, level.fract());
        let angle = self.spec.rotate.at(t).to_radians();
        if angle.abs() >= 1e-4 {
            // Turning: no corners, the nearest defocus level.
            let level = &self.levels[(level.round() as usize).min(self.levels.len() - 1)];
            blit_photo_rotated(canvas, level, placed, border, angle);
            return;
        }
        let outer = placed.outset(border as f32);
        let radius = self.spec.corner * outer.w.min(outer.h);
        let saved = Corners::save(canvas, outer, radius);
        blit_photo(canvas, &self.levels[lo], placed, border, alpha);
        if frac > 0.01 && lo + 1 < self.levels.len() {
            blit_photo(canvas, &self.levels[lo + 1], placed, border, alpha.times(frac));
        }
        saved.restore_outside(canvas);
    }
}

/// The pixels under a rounded rectangle's four corner squares, kept from
/// before the photo was drawn so that what falls outside the rounding can be
/// put back (with a one-pixel antialiased edge). Cheap: only the corners.
struct Corners {
    rect: Rect,
    radius: f32,
    boxes: Vec<CornerBox>,
}

/// One corner square (within the canvas's rows) and its saved pixels.
struct CornerBox {
    cols: Range<u32>,
    rows: Range<u32>,
    saved: Vec<u8>,
}

impl Corners {
    /// Saves the corner squares' pixels within the canvas's rows.
    fn save(canvas: &Canvas<'_>, rect: Rect, radius: f32) -> Corners {
        let ((w, h), rows) = (canvas.size(), &canvas.rows);
        let mut boxes = Vec::new();
        if radius >= 1.0 {
            let (x0, y0, x1, y1) = (rect.x, rect.y, rect.right() - radius, rect.bottom() - radius);
            for (cx, cy) in [(x0, y0), (x1, y0), (x0, y1), (x1, y1)] {
                let bx = (cx.floor().max(0.0) as u32, (cx + radius).ceil().clamp(0.0, w as f32) as u32);
                let by = (cy.floor().max(0.0) as u32, (cy + radius).ceil().clamp(0.0, h as f32) as u32);
                let by = (by.0.max(rows.start), by.1.min(rows.end));
                if bx.0 >= bx.1 || by.0 >= by.1 {
                    continue;
                }
                let mut pixels = Vec::with_capacity(((bx.1 - bx.0) * (by.1 - by.0) * 3) as usize);
                for y in by.0..by.1 {
                    pixels.extend_from_slice(&canvas.bytes()[canvas.at(bx.0, y)..canvas.at(bx.1, y)]);
                }
                boxes.push(CornerBox { cols: bx.0..bx.1, rows: by.0..by.1, saved: pixels });
            }
        }
        Corners { rect, radius, boxes }
    }

    fn restore_outside(&self, canvas: &mut Canvas<'_>) {
        let (rect, r) = (self.rect, self.radius);
        // Centres of the corner circles.
        let (cl, cr, ct, cb) = (rect.x + r, rect.right() - r, rect.y + r, rect.bottom() - r);
        for CornerBox { cols, rows, saved } in &self.boxes {
            let mut i = 0;
            for y in rows.clone() {
                let py = y as f32 + 0.5;
                for x in cols.clone() {
                    let px = x as f32 + 0.5;
                    let dx = (cl - px).max(px - cr).max(0.0);
                    let dy = (ct - py).max(py - cb).max(0.0);
                    // Coverage of the rounded shape: 1 inside, 0 outside, linear across one pixel.
                    let inside = Opacity::from_unit(r - (dx * dx + dy * dy).sqrt() + 0.5);
                    let at = canvas.at(x, y);
                    let frame = canvas.bytes_mut();
                    for c in 0..3 {
                        frame[at + c] = inside.blend(saved[i + c], frame[at + c]);
                    }
                    i += 3;
                }
            }
        }
    }
}

/// The blurred backdrop: composed once when it stands still, or sampled from
/// a slightly larger copy every frame when it zooms or drifts.
pub(super) enum Backdrop {
    Still(Vec<u8>),
    Moving { image: RgbImage, zoom: Anim, drift_x: Anim, drift_y: Anim },
}

/// How much bigger than the canvas a moving backdrop is made, so drifts of
/// up to about ±8 % never show its edge.
const MARGIN: f32 = 1.18;

impl Backdrop {
    pub fn new(img: &RgbImage, (w, h): (u32, u32), spec: &BackdropSpec) -> Backdrop {
        let BackdropSpec { darken, zoom, drift_x, drift_y, .. } = spec;
        let still = matches!(zoom, Anim::Const(z) if (*z - 1.0).abs() < 1e-6)
            && matches!(drift_x, Anim::Const(x) if x.abs() < 1e-6)
            && matches!(drift_y, Anim::Const(y) if y.abs() < 1e-6);
        let (bw, bh) = if still { (w, h) } else { ((w as f32 * MARGIN) as u32, (h as f32 * MARGIN) as u32) };
        let mut pixels = blurred_backdrop(img, bw, bh);
        let keep = ((1.0 - darken.clamp(0.0, 1.0)) / 0.45).min(2.0); // blurred_backdrop already darkens to 45 %
        apply_lut(&mut pixels, |p| (f32::from(p) * keep).min(255.0) as u8);
        if still {
            return Backdrop::Still(pixels);
        }
        let image = RgbImage::from_raw(bw, bh, pixels).expect("backdrop has its size");
        Backdrop::Moving { image, zoom: zoom.clone(), drift_x: drift_x.clone(), drift_y: drift_y.clone() }
    }

    pub fn is_still(&self) -> bool {
        matches!(self, Backdrop::Still(_))
    }

    /// Draws the backdrop at `t` at opacity `alpha`.
    pub fn draw(&self, canvas: &mut Canvas<'_>, t: f32, alpha: Opacity) {
        let (w, h) = canvas.size();
        match self {
            Backdrop::Still(pixels) if alpha == Opacity::OPAQUE => {
                let src = canvas.same_rows(pixels);
                canvas.bytes_mut().copy_from_slice(src);
            }
            Backdrop::Still(pixels) => {
                let src = canvas.same_rows(pixels);
                blend_frames(canvas, src, alpha);
            }
            Backdrop::Moving { image, zoom, drift_x, drift_y } => {
                let z = zoom.at(t).max(0.01) * MARGIN;
                let (dw, dh) = (w as f32 * z, h as f32 * z);
                let cx = w as f32 / 2.0 + drift_x.at(t) * w as f32;
                let cy = h as f32 / 2.0 + drift_y.at(t) * h as f32;
                let rect = Rect::new(cx - dw / 2.0, cy - dh / 2.0, dw, dh);
                blit_photo(canvas, image, rect, 0, alpha);
            }
        }
    }
}

/// The photo's rectangle at zoom 1: contained in `area` (canvas fractions), centred.
pub(super) fn contain(area: Rect, (w, h): (u32, u32), (iw, ih): (u32, u32)) -> Rect {
    let (bw, bh) = (area.w * w as f32, area.h * h as f32);
    let s = (bw / iw as f32).min(bh / ih as f32);
    let (pw, ph) = (iw as f32 * s, ih as f32 * s);
    Rect::new(area.x * w as f32 + (bw - pw) / 2.0, area.y * h as f32 + (bh - ph) / 2.0, pw, ph)
}

/// Where the photo at `rect` (at zoom 1) is drawn at time `t`: the spec's
/// zoom about the centre, pan and shake.
pub(super) fn place(rect: Rect, spec: &PhotoSpec, t: f32, (w, h): (u32, u32)) -> Rect {
    let PhotoSpec { zoom, pan_x, pan_y, shake, .. } = spec;
    let z = zoom.at(t).max(0.01);
    let (dw, dh) = (rect.w * z, rect.h * z);
    // Handheld shake: two incommensurate sines per axis, deterministic.
    let sx = shake * (sin(t * 11.3) * 0.6 + sin(t * 17.9 + 1.3) * 0.4);
    let sy = shake * (sin(t * 13.7 + 0.7) * 0.6 + sin(t * 19.1) * 0.4);
    let (cx, cy) = rect.centre();
    let (cx, cy) = (cx + pan_x.at(t) * w as f32 + sx, cy + pan_y.at(t) * h as f32 + sy);
    Rect::new(cx - dw / 2.0, cy - dh / 2.0, dw, dh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        RgbImage::from_fn(
            200,
            200,
            |x, y| if (x / 10 + y / 10) % 2 == 0 { image::Rgb([255; 3]) } else { image::Rgb([0; 3]) },
        )
    }

    fn layer(blur: Anim, corner: f32) -> PhotoLayer {
        let zero = Anim::Const(0.0);
        let spec = PhotoSpec {
            slot: 0,
            area: [0.0, 0.0, 1.0, 1.0],
            zoom: Anim::Const(1.0),
            pan_x: zero.clone(),
            pan_y: zero.clone(),
            shake: 0.0,
            rotate: zero,
            border: 0,
            blur,
            corner,
            span: Span::default(),
        };
        PhotoLayer::new(&photo(), &spec, (100, 100))
    }

    fn backdrop(drift_x: Anim) -> BackdropSpec {
        let (zoom, drift_y) = (Anim::Const(1.0), Anim::Const(0.0));
        BackdropSpec { slot: 0, darken: 0.0, zoom, drift_x, drift_y, span: Span::default() }
    }

    fn contrast(frame: &[u8]) -> f64 {
        let mean = frame.iter().map(|&v| f64::from(v)).sum::<f64>() / frame.len() as f64;
        frame.iter().map(|&v| (f64::from(v) - mean).abs()).sum::<f64>() / frame.len() as f64
    }

    #[test]
    fn a_focus_pull_goes_from_blurred_to_sharp() {
        let l = layer(Anim::keys(&[(0.0, 12.0), (1.0, 0.0)]), 0.0);
        let draw = |t: f32| {
            let mut frame = vec![128u8; 100 * 100 * 3];
            l.draw(&mut Canvas::whole(&mut frame, (100, 100)), t, Opacity::OPAQUE);
            contrast(&frame)
        };
        let (blurred, half, sharp) = (draw(0.0), draw(0.5), draw(1.0));
        assert!(blurred < half && half < sharp, "contrast rises: {blurred:.1} < {half:.1} < {sharp:.1}");
        assert!(sharp > 100.0 && blurred < 40.0, "{sharp:.1} {blurred:.1}");
    }

    #[test]
    fn corners_round_the_photo_and_keep_what_was_under_them() {
        let l = layer(Anim::Const(0.0), 0.5);
        let mut frame = vec![77u8; 100 * 100 * 3];
        l.draw(&mut Canvas::whole(&mut frame, (100, 100)), 0.0, Opacity::OPAQUE);
        let at = |x: usize, y: usize| frame[(y * 100 + x) * 3];
        assert_eq!(at(1, 1), 77, "outside the circle the background stays");
        assert_eq!(at(98, 98), 77);
        assert_ne!(at(50, 2), 77, "the top middle is photo");
        assert_ne!(at(50, 50), 77);
    }

    #[test]
    fn a_drifting_backdrop_moves_and_a_still_one_is_precomposed() {
        // A left-to-right ramp survives the backdrop's heavy blur.
        let ramp = RgbImage::from_fn(200, 200, |x, _| image::Rgb([x as u8, 60, 255 - x as u8]));
        let still = Backdrop::new(&ramp, (64, 36), &backdrop(Anim::Const(0.0)));
        assert!(still.is_still());
        let drift = Anim::keys(&[(0.0, -0.05), (2.0, 0.05)]);
        let moving = Backdrop::new(&ramp, (64, 36), &backdrop(drift));
        assert!(!moving.is_still());
        let draw = |t: f32| {
            let mut frame = vec![0u8; 64 * 36 * 3];
            moving.draw(&mut Canvas::whole(&mut frame, (64, 36)), t, Opacity::OPAQUE);
            frame
        };
        let (a, b) = (draw(0.0), draw(2.0));
        let moved = a.iter().zip(&b).filter(|(x, y)| x.abs_diff(**y) > 3).count();
        assert!(moved > a.len() / 4, "the drift moves the backdrop: {moved} bytes changed");
        // Green is 60 × 0.55 everywhere in the backdrop; 0 would mean its edge showed.
        assert!(a.chunks(3).chain(b.chunks(3)).all(|p| p[1] > 20), "edges never show");
    }
}
