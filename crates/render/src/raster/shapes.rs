//! Flat shapes: rectangles blended over the canvas.

use super::blend::{blend_toward, weighted_colour};
use super::canvas::{clip_rows, for_rows, Canvas};
use super::opacity::Opacity;
use crate::geom::IRect;

/// Blends `color` over the pixels of `rect` within the canvas.
pub(crate) fn fill_rect(canvas: &mut Canvas<'_>, rect: IRect, color: [u8; 3], a: Opacity) {
    let w = canvas.w;
    let Some(ys) = clip_rows(rect.y, rect.bottom(), &canvas.rows, canvas.h) else { return };
    let (x0, x1) = (rect.x.clamp(0, w as i32) as usize, rect.right().clamp(0, w as i32) as usize);
    if x0 >= x1 {
        return;
    }
    let add = weighted_colour(color, a, x1 - x0);
    for_rows(canvas, ys, |_, row| blend_toward(&mut row[x0 * 3..x1 * 3], &add, a));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A translucent rectangle blends exactly its clipped pixels, within the
    /// band only, wherever it lies (partly or wholly off the frame).
    #[test]
    fn rectangles_blend_their_clipped_pixels_in_the_band() {
        let (w, h) = (20u32, 12u32);
        let base: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
        for (x, y, rw, rh) in
            [(3, 2, 7, 5), (-4, -3, 9, 8), (15, 9, 30, 30), (-50, 0, 10, 4), (5, 5, 0, 3), (2, 1, 4, 0)]
        {
            let rect = IRect::new(x, y, rw, rh);
            let rows = 3..9;
            let mut frame = base.clone();
            fill_rect(
                &mut Canvas::band_of(&mut frame, (w, h), rows.clone()),
                rect,
                [200, 10, 90],
                Opacity::from_unit(0.4),
            );
            let a = (0.4f32 * 256.0) as u32;
            for (i, (&got, &was)) in frame.iter().zip(&base).enumerate() {
                let (x, y, c) = ((i as u32 / 3 % w) as i32, i as u32 / 3 / w, i % 3);
                let inside = rows.contains(&y)
                    && (rect.x..rect.right()).contains(&x)
                    && (rect.y..rect.bottom()).contains(&(y as i32));
                let want = if inside {
                    ((u32::from(was) * (256 - a) + u32::from([200u8, 10, 90][c]) * a) >> 8) as u8
                } else {
                    was
                };
                assert_eq!(got, want, "rect {rect:?} at ({x}, {y}) channel {c}");
            }
        }
    }
}
