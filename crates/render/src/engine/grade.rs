//! Colour operations over the whole frame: tints, the vignette, tone
//! curves with contrast and saturation, and film grain. Each is prepared
//! once (tables, masks) so a frame costs one pass of integer arithmetic.

use super::rng::mix;
use super::spec::GradeSpec;
use crate::raster::{blend_toward, smoothstep, weighted_colour, Canvas, Opacity};
use rayon::prelude::*;
use videoagent_codec::GAIN_UNITY as UNITY;

crate::simd::avx2_dispatch! {
/// Blends the whole frame towards `color` by `a`: one 16-bit multiply-add
/// per byte against a row of the colour pattern, so the loop vectorises.
pub(super) fn tint(canvas: &mut Canvas<'_>, color: [u8; 3], a: Opacity) {
    let add = weighted_colour(color, a, canvas.w as usize);
    let row_bytes = canvas.row_bytes();
    for row in canvas.bytes_mut().chunks_exact_mut(row_bytes) {
        blend_toward(row, &add, a);
    }
}
}

/// Darkened corners: a gain per pixel (stored as gain − 1, so 1..=256 fits
/// a byte; see [`videoagent_codec::yuv`]), and per row the span of pixels it
/// touches (the centre keeps gain 256 and is skipped).
pub(super) struct Vignette {
    gain: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Vignette {
    pub(super) fn new(w: u32, h: u32, strength: f32) -> Vignette {
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let max = (cx * cx + cy * cy).sqrt();
        let mut gain = vec![0u8; (w * h) as usize];
        gain.par_chunks_mut(w as usize).enumerate().for_each(|(y, row)| {
            let dy2 = (y as f32 - cy).powi(2);
            for (x, px) in row.iter_mut().enumerate() {
                let d = ((x as f32 - cx).powi(2) + dy2).sqrt() / max;
                let g = 1.0 - strength.clamp(0.0, 1.0) * smoothstep((d - 0.45) / 0.55);
                *px = (((g * 256.0) as u32).clamp(1, 256) - 1) as u8;
            }
        });
        // Rows are symmetric about the centre, so the untouched pixels form one middle run.
        let spans = gain
            .chunks(w as usize)
            .map(|row| {
                let left = row.iter().take_while(|&&g| g < UNITY).count();
                let right = row.len() - row.iter().rev().take_while(|&&g| g < UNITY).count();
                (left, right.max(left))
            })
            .collect();
        Vignette { gain, spans }
    }

    /// The gains of the whole frame, one per pixel, row by row.
    pub(super) fn gains(&self) -> &[u8] {
        &self.gain
    }

    /// Darkens the canvas's rows.
    pub(super) fn apply(&self, canvas: &mut Canvas<'_>) {
        let w = canvas.w;
        let darken = |pixels: &mut [u8], gains: &[u8]| {
            for (px, &g) in pixels.chunks_exact_mut(3).zip(gains) {
                let g = u16::from(g) + 1;
                for c in px {
                    *c = ((u16::from(*c) * g) >> 8) as u8; // ≤ 255 × 256 fits u16
                }
            }
        };
        let skip = canvas.rows.start as usize;
        canvas
            .bytes_mut()
            .chunks_exact_mut(w as usize * 3)
            .zip(self.gain.chunks_exact(w as usize).skip(skip))
            .zip(self.spans.iter().skip(skip))
            .for_each(|((row, gains), &(left, right))| {
                darken(&mut row[..left * 3], &gains[..left]);
                darken(&mut row[right * 3..], &gains[right..]);
            });
    }
}

/// Tone curves, contrast and brightness folded into one table per channel;
/// saturation (which mixes channels) applied before it when not 1.
pub(super) struct Grade {
    lut: [[u8; 256]; 3],
    /// Saturation in 8.8 fixed point (256 = unchanged).
    saturation: i32,
}

/// A piecewise-linear curve through `points` (sorted by input, clamped); identity when empty.
fn curve(points: &[[f32; 2]], v: f32) -> f32 {
    let mut pts: Vec<[f32; 2]> = points.to_vec();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]));
    match (pts.first(), pts.last()) {
        (None, _) | (_, None) => v,
        (Some(first), _) if v <= first[0] => first[1],
        (_, Some(last)) if v >= last[0] => last[1],
        _ => pts
            .windows(2)
            .find(|w| v <= w[1][0])
            .map(|w| {
                let span = (w[1][0] - w[0][0]).max(1e-6);
                w[0][1] + (w[1][1] - w[0][1]) * (v - w[0][0]) / span
            })
            .unwrap_or(v),
    }
}

impl Grade {
    pub(super) fn new(spec: &GradeSpec) -> Grade {
        let channels = [&spec.red, &spec.green, &spec.blue];
        let lut = std::array::from_fn(|c| {
            std::array::from_fn(|i| {
                let v = curve(&spec.curve, i as f32);
                let v = curve(channels[c], v);
                let v = (v - 127.5) * spec.contrast.max(0.0) + 127.5 + spec.brightness.clamp(-1.0, 1.0) * 255.0;
                v.round().clamp(0.0, 255.0) as u8
            })
        });
        Grade { lut, saturation: (spec.saturation.clamp(0.0, 4.0) * 256.0).round() as i32 }
    }

    /// Grades the frame, laid over the ungraded pixels at opacity `a`.
    pub(super) fn apply(&self, canvas: &mut Canvas<'_>, a: Opacity) {
        let sat = self.saturation;
        let row_bytes = canvas.row_bytes();
        canvas.bytes_mut().chunks_exact_mut(row_bytes).for_each(|row| {
            for px in row.chunks_exact_mut(3) {
                let mut rgb = [px[0], px[1], px[2]];
                if sat != 256 {
                    let luma = (77 * i32::from(rgb[0]) + 150 * i32::from(rgb[1]) + 29 * i32::from(rgb[2])) >> 8;
                    for c in &mut rgb {
                        *c = (luma + (((i32::from(*c) - luma) * sat) >> 8)).clamp(0, 255) as u8;
                    }
                }
                for c in 0..3 {
                    px[c] = a.blend(px[c], self.lut[c][usize::from(rgb[c])]);
                }
            }
        });
    }
}

/// Film grain from a 256×256 tile of seeded noise, shifted by a different
/// seeded offset every frame: per-pixel cost is one add, and any frame can
/// be drawn alone.
pub(super) struct Grain {
    tile: Vec<i8>,
    seed: u64,
}

const TILE: usize = 256;

impl Grain {
    pub(super) fn new(seed: u64) -> Grain {
        // Sum of two uniforms: a triangular distribution, softer than uniform noise.
        let tile = (0..TILE * TILE)
            .map(|i| {
                let r = mix(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                (((r & 0xFF) as i32 + ((r >> 8) & 0xFF) as i32 - 255) / 2) as i8
            })
            .collect();
        Grain { tile, seed }
    }

    /// Adds grain of strength `amount` (0..1) for the frame at `t` seconds.
    pub(super) fn apply(&self, canvas: &mut Canvas<'_>, t: f32, amount: f32) {
        let frame_no = (t * 1000.0).round() as u64;
        let r = mix(self.seed.wrapping_add(frame_no.wrapping_mul(0xD1B5_4A32_D192_ED03)));
        let (ox, oy) = ((r & 0xFF) as usize, ((r >> 8) & 0xFF) as usize);
        let gain = (amount.clamp(0.0, 1.0) * 512.0) as i32; // ±127 noise × gain / 256 → up to ±254
        let rows = canvas.rows.clone();
        crate::raster::for_rows(canvas, rows, |y, row| {
            let y = y as usize;
            let tile_row = &self.tile[((y + oy) % TILE) * TILE..][..TILE];
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let n = (i32::from(tile_row[(x + ox) % TILE]) * gain) >> 8;
                for c in px.iter_mut() {
                    *c = (i32::from(*c) + n).clamp(0, 255) as u8;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_contrast_and_saturation() {
        let identity = Grade::new(&GradeSpec { contrast: 1.0, saturation: 1.0, ..GradeSpec::default() });
        let mut frame = vec![10u8, 128, 250, 60, 60, 60];
        let before = frame.clone();
        identity.apply(&mut Canvas::whole(&mut frame, (2, 1)), Opacity::OPAQUE);
        assert_eq!(frame, before, "the identity grade changes nothing");

        let lift = Grade::new(&GradeSpec {
            curve: vec![[0.0, 40.0], [255.0, 255.0]],
            contrast: 1.0,
            saturation: 1.0,
            ..GradeSpec::default()
        });
        let mut black = vec![0u8; 3];
        lift.apply(&mut Canvas::whole(&mut black, (1, 1)), Opacity::OPAQUE);
        assert_eq!(black, [40, 40, 40], "shadows lifted");

        let grey = Grade::new(&GradeSpec { contrast: 1.0, saturation: 0.0, ..GradeSpec::default() });
        let mut red = vec![200u8, 20, 20];
        grey.apply(&mut Canvas::whole(&mut red, (1, 1)), Opacity::OPAQUE);
        assert!(red[0].abs_diff(red[1]) <= 1 && red[1].abs_diff(red[2]) <= 1, "greyscale: {red:?}");

        let punchy = Grade::new(&GradeSpec { contrast: 1.5, saturation: 1.0, ..GradeSpec::default() });
        let mut px = vec![100u8, 160, 128];
        punchy.apply(&mut Canvas::whole(&mut px, (1, 1)), Opacity::ZERO);
        assert_eq!(px, [100, 160, 128], "weight 0 leaves the frame alone");
        punchy.apply(&mut Canvas::whole(&mut px, (1, 1)), Opacity::OPAQUE);
        assert!(px[0] < 100 && px[1] > 160, "contrast spreads values: {px:?}");
    }

    #[test]
    fn grain_changes_every_frame_and_is_repeatable() {
        let grain = Grain::new(5);
        let draw = |t: f32| {
            let mut frame = vec![128u8; 64 * 48 * 3];
            grain.apply(&mut Canvas::whole(&mut frame, (64, 48)), t, 0.1);
            frame
        };
        let (a, b) = (draw(0.0), draw(0.04));
        assert_ne!(a, b, "new grain each frame");
        assert_eq!(a, draw(0.0), "deterministic");
        let mean = a.iter().map(|&v| f64::from(v)).sum::<f64>() / a.len() as f64;
        assert!((mean - 128.0).abs() < 3.0, "grain does not shift brightness: {mean}");
        assert!(a.iter().any(|&v| v < 118) && a.iter().any(|&v| v > 138), "visible at 0.1");
    }
}
