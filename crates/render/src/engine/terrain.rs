//! Scenery: ground, hills, mountains or a city skyline filling the canvas
//! below a ridge line that scrolls sideways (parallax when layers of
//! different speeds and depths are stacked).

use super::camera::Camera;
use super::spec::{TerrainSpec, TerrainStyle};
use crate::math::sin;
use crate::raster::{Canvas, Opacity};
use std::f32::consts::PI;

pub(super) struct Terrain {
    spec: TerrainSpec,
    /// Seeded phases of the ridge's waves.
    phases: [f32; 4],
}

impl Terrain {
    pub fn new(spec: &TerrainSpec) -> Terrain {
        let mut rng = super::rng::Rng(super::rng::mix(spec.seed ^ 0x7e44a1) | 1);
        let phases = std::array::from_fn(|_| rng.next() * 2.0 * PI);
        Terrain { spec: spec.clone(), phases }
    }

    pub fn span(&self) -> &super::spec::Span {
        &self.spec.span
    }

    /// The ridge's height above its mean at world x `wx` (pixels), in pixels
    /// (positive = higher on screen).
    fn ridge(&self, wx: f32, (w, h): (f32, f32)) -> f32 {
        let s = &self.spec;
        let (amp, lambda) = (s.amplitude * h, (s.wavelength * w).max(1.0));
        let p = &self.phases;
        let wave = |k: f32, i: usize| sin(2.0 * PI * wx / (lambda * k) + p[i]);
        match s.style {
            TerrainStyle::Hills => amp * (0.55 * wave(1.0, 0) + 0.3 * wave(0.53, 1) + 0.15 * wave(0.27, 2)),
            TerrainStyle::Grass => {
                let hills = amp * (0.6 * wave(1.0, 0) + 0.4 * wave(0.47, 1));
                // Blades: a sawtooth of seeded heights every 0.5 % of the width.
                let blade = (w * 0.005).max(2.0);
                let i = (wx / blade).floor();
                let f = wx / blade - i;
                let tall = 0.5 + 0.5 * hash(i as i64, s.seed);
                hills + h * 0.018 * tall * (1.0 - (2.0 * f - 1.0).abs())
            }
            TerrainStyle::Mountains => {
                let tri = |k: f32, i: usize| {
                    let u = wx / (lambda * k) + p[i] / (2.0 * PI);
                    1.0 - 2.0 * (u - u.floor() - 0.5).abs() * 2.0
                };
                amp * (0.6 * tri(1.0, 0) + 0.3 * tri(0.43, 1) + 0.1 * tri(0.17, 2))
            }
            TerrainStyle::City => {
                let cell = (lambda / 4.0).max(2.0);
                let i = (wx / cell).floor() as i64;
                let r = hash(i, s.seed);
                if r < 0.12 {
                    0.0
                } else {
                    amp * (0.25 + 0.75 * hash(i.wrapping_mul(31).wrapping_add(7), s.seed))
                }
            }
        }
    }

    pub fn draw(&self, canvas: &mut Canvas<'_>, t: f32, weight: f32, camera: &Camera) {
        let (w, h) = canvas.size();
        let (fw, fh) = (w as f32, h as f32);
        let s = &self.spec;
        // Terrain follows the camera's pan, zoom and shake (not its roll).
        let view = camera.view(t, s.depth, (w, h));
        let (ax, cx, ey, fy) = (view.a, view.c, view.e, view.f);
        if ax.abs() < 1e-6 {
            return;
        }
        let scroll = s.speed * fw * t;
        let base = s.y.at(t) * fh;
        // The ridge's screen row at each column.
        let ridge: Vec<f32> = (0..w)
            .map(|x| {
                let sx = (x as f32 + 0.5 - cx) / ax;
                ey * (base - self.ridge(sx + scroll, (fw, fh))) + fy
            })
            .collect();
        let top = ridge.iter().copied().fold(f32::MAX, f32::min).floor().max(0.0) as u32;
        let rows = top.max(canvas.rows.start)..canvas.rows.end;
        let alpha = Opacity::from_unit(weight * f32::from(s.color.0[3]) / 255.0);
        let row_bytes = canvas.row_bytes();
        for y in rows {
            // Colour down the canvas: the ridge colour to the bottom colour.
            let g = y as f32 / fh;
            let col: [u8; 3] = match s.bottom {
                Some(b) => {
                    std::array::from_fn(|i| (f32::from(s.color.0[i]) * (1.0 - g) + f32::from(b.0[i]) * g).round() as u8)
                }
                None => s.color.rgb(),
            };
            let start = canvas.at(0, y);
            let row = &mut canvas.bytes_mut()[start..start + row_bytes];
            let py = y as f32 + 0.5;
            for (x, &r) in ridge.iter().enumerate() {
                let cover = (py - r).clamp(0.0, 1.0);
                if cover <= 0.0 {
                    continue;
                }
                let a = if cover >= 1.0 { alpha } else { alpha.times(cover) };
                let px = &mut row[x * 3..x * 3 + 3];
                for c in 0..3 {
                    px[c] = a.blend(px[c], col[c]);
                }
            }
        }
    }
}

/// A seeded hash of an integer to 0..1 (the same on every machine).
fn hash(i: i64, seed: u64) -> f32 {
    let z = super::rng::mix((i as u64) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    (z >> 40) as f32 / (1u64 << 24) as f32
}
