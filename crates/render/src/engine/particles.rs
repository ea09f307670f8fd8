//! Deterministic particle systems: every particle's path is a closed-form
//! function of time and a seeded random start, so any frame can be drawn
//! alone (stills, parallel rendering) and renders are repeatable.

use super::rng::Rng;
use super::spec::{Color, ParticleKind, ParticlesSpec};
use crate::geom::Rect;
use crate::math::{cos, pow, sin};
use crate::raster::{clip_rows, columns_within, Canvas, Opacity};

struct Particle {
    x: f32,
    y: f32,
    vx: f32,
    vy: f32,
    phase: f32,
    size: f32,
}

pub struct Particles {
    kind: ParticleKind,
    /// Where particles live, in canvas fractions.
    area: Rect,
    color: Color,
    items: Vec<Particle>,
}

impl Particles {
    pub fn new(spec: &ParticlesSpec) -> Particles {
        let ParticlesSpec { kind, count, seed, color, size, area, .. } = *spec;
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let items = (0..count)
            .map(|_| {
                let (x, y, phase, s) = (rng.next(), rng.next(), rng.next() * std::f32::consts::TAU, 0.5 + rng.next());
                // Velocities in canvas fractions per second.
                let (vx, vy) = match kind {
                    ParticleKind::Dust => (-0.25 - 0.3 * rng.next(), -0.02 - 0.05 * rng.next()),
                    ParticleKind::Snow => (0.02 * (rng.next() - 0.5), 0.06 + 0.08 * rng.next()),
                    ParticleKind::Sparks => (0.05 * (rng.next() - 0.5), -0.15 - 0.25 * rng.next()),
                    ParticleKind::Bubbles => (0.01 * (rng.next() - 0.5), -0.08 - 0.1 * rng.next()),
                    ParticleKind::Petals => (0.04 + 0.04 * rng.next(), 0.08 + 0.08 * rng.next()),
                    ParticleKind::Confetti => (0.03 * (rng.next() - 0.5), 0.12 + 0.1 * rng.next()),
                    // A burst: up and out within ±55° of vertical, fast enough to clear the area's height.
                    ParticleKind::Splash => {
                        let angle = (rng.next() - 0.5) * 1.9;
                        let speed = 0.5 + 0.7 * rng.next();
                        (sin(angle) * speed * 0.6, -cos(angle) * speed)
                    }
                };
                Particle { x, y, vx, vy, phase, size: size * s }
            })
            .collect();
        Particles { kind, area: Rect::from(area), color, items }
    }

    /// Draws every particle at time `t` (`since` seconds after the layer
    /// started) with overall opacity `k`. Opacities stay `f32` weights down
    /// to each pixel, where the product with its coverage is rounded to an
    /// [`Opacity`]: rounding first would change the pixels.
    pub fn draw(&self, canvas: &mut Canvas<'_>, t: f32, since: f32, k: f32) {
        let base_alpha = f32::from(self.color.0[3]) / 255.0 * k;
        match self.kind {
            ParticleKind::Splash => return self.draw_splash(canvas, since, base_alpha),
            ParticleKind::Confetti => return self.draw_confetti(canvas, t, base_alpha),
            _ => {}
        }
        let ((w, h), rows) = (canvas.size(), canvas.rows.clone());
        for p in &self.items {
            // Rows first (cheap, no sway): most particles miss a given band.
            let Rect { x: ax, y: ay, w: aw, h: ah } = self.area;
            let y = (ay + ((p.y * ah + p.vy * t).rem_euclid(ah.max(1e-3)))) * h as f32;
            let r = (p.size * h as f32).max(0.75);
            if y + r + 1.0 < rows.start as f32 || y - r - 1.0 >= rows.end as f32 {
                continue;
            }
            let sway = match self.kind {
                ParticleKind::Snow | ParticleKind::Petals => 0.02 * sin(t * 1.7 + p.phase),
                ParticleKind::Bubbles => 0.008 * sin(t * 3.1 + p.phase),
                _ => 0.0,
            };
            // Paths wrap inside the area; velocities are in canvas fractions.
            let x = (ax + ((p.x * aw + p.vx * t + sway).rem_euclid(aw.max(1e-3)))) * w as f32;
            let flicker = match self.kind {
                ParticleKind::Sparks => 0.55 + 0.45 * sin(t * 14.0 + p.phase),
                ParticleKind::Dust => 0.6,
                _ => 1.0,
            };
            let ring = self.kind == ParticleKind::Bubbles;
            soft_dot(canvas, (x, y), r, self.color, base_alpha * flicker, ring);
        }
    }
}

impl Particles {
    /// Droplets thrown up from the bottom centre of the area when the layer
    /// starts, falling back under gravity (1.6 canvas heights/s²); each
    /// vanishes once it drops below where it started.
    fn draw_splash(&self, canvas: &mut Canvas<'_>, since: f32, alpha: f32) {
        const GRAVITY: f32 = 1.6;
        let (w, h) = canvas.size();
        let Rect { x: ax, y: ay, w: aw, h: ah } = self.area;
        let (ox, oy) = (ax + aw / 2.0, ay + ah);
        for p in &self.items {
            // Staggered launches over the first 0.25 s, spread across the area's width.
            let t = since - p.phase / std::f32::consts::TAU * 0.25;
            if t <= 0.0 {
                continue;
            }
            let lift = p.vy * t + 0.5 * GRAVITY * t * t;
            if lift > 0.0 {
                continue; // back in the water
            }
            let x = (ox + (p.x - 0.5) * aw * 0.5 + p.vx * t) * w as f32;
            let y = (oy + lift * ah.max(0.05) / 0.35) * h as f32;
            let r = (p.size * h as f32).max(0.75);
            soft_dot(canvas, (x, y), r, self.color, alpha, false);
        }
    }

    /// Paper bits falling and tumbling: rectangles whose height follows the
    /// cosine of their spin (a flip seen edge-on), in a festive palette.
    fn draw_confetti(&self, canvas: &mut Canvas<'_>, t: f32, alpha: f32) {
        let (w, h) = canvas.size();
        const PALETTE: [[u8; 3]; 5] = [[255, 77, 109], [255, 209, 61], [72, 219, 140], [66, 165, 245], [186, 104, 200]];
        let Rect { x: ax, y: ay, w: aw, h: ah } = self.area;
        for (i, p) in self.items.iter().enumerate() {
            let sway = 0.025 * sin(t * 2.3 + p.phase);
            let x = (ax + (p.x * aw + p.vx * t + sway).rem_euclid(aw.max(1e-3))) * w as f32;
            let y = (ay + (p.y * ah + p.vy * t).rem_euclid(ah.max(1e-3))) * h as f32;
            let size = p.size * h as f32 * 1.6;
            let flip = cos(t * (4.0 + p.phase) + p.phase).abs().max(0.15);
            let color = if i % 6 == 5 { self.color.rgb() } else { PALETTE[i % 5] };
            let rect = Rect::new(x - size / 2.0, y - size * flip / 2.0, size, size * flip * 0.6);
            fill_box(canvas, rect, color, alpha);
        }
    }
}

/// An axis-aligned box with 1-pixel antialiased edges, at opacity `alpha` (0..1).
fn fill_box(canvas: &mut Canvas<'_>, rect: Rect, color: [u8; 3], alpha: f32) {
    let (w, h) = canvas.size();
    let (x, y, right, bottom) = (rect.x, rect.y, rect.right(), rect.bottom());
    let (x0, x1) = (x.floor().max(0.0) as u32, (right.ceil().max(0.0) as u32).min(w));
    let Some(ys) = clip_rows(y.floor() as i32, bottom.ceil() as i32, &canvas.rows, h) else { return };
    for py in ys {
        let cy = ((py as f32 + 1.0).min(bottom) - (py as f32).max(y)).clamp(0.0, 1.0);
        for px in x0..x1 {
            let cx = ((px as f32 + 1.0).min(right) - (px as f32).max(x)).clamp(0.0, 1.0);
            let a = Opacity::from_unit(cx * cy * alpha);
            let i = canvas.at(px, py);
            let frame = canvas.bytes_mut();
            for c in 0..3 {
                frame[i + c] = a.blend(frame[i + c], color[c]);
            }
        }
    }
}

/// The table of `(1 − d)^0.7` for [`dot_falloff`], made once.
fn falloff_table() -> &'static [f32; 257] {
    static TABLE: std::sync::OnceLock<[f32; 257]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| pow(1.0 - i as f32 / 256.0, 0.7)))
}

/// `(1 − d)^0.7` for a dot's soft edge, from a 256-entry table: a `powf` per
/// pixel of every particle was a visible share of Run for Life's frame time.
fn dot_falloff(table: &[f32; 257], d: f32) -> f32 {
    let at = d.clamp(0.0, 1.0) * 256.0;
    // (`at − i`, not `fract()`: the same value without a call to `truncf`.)
    let (i, f) = (at as usize, at - (at as usize) as f32);
    if i >= 256 {
        return 0.0;
    }
    table[i] + (table[i + 1] - table[i]) * f
}

/// A disc with a soft edge, at opacity `alpha` (0..1); bubbles are rings.
fn soft_dot(canvas: &mut Canvas<'_>, (x, y): (f32, f32), r: f32, color: Color, alpha: f32, ring: bool) {
    let (w, h) = canvas.size();
    let (x0, x1) = ((x - r - 1.0).max(0.0) as u32, ((x + r + 1.0).max(0.0) as u32).min(w));
    // (Truncation towards zero, as the row range always was.)
    let (y0, y1) = ((y - r - 1.0).max(0.0) as u32, ((y + r + 1.0).max(0.0) as u32).min(h));
    let Some(ys) = clip_rows(y0 as i32, y1 as i32, &canvas.rows, h) else { return };
    let table = falloff_table();
    for py in ys {
        let dy2 = (py as f32 + 0.5 - y).powi(2);
        // Only the columns within the radius (distance < 1) get any colour:
        // about half of the bounding square. (A pixel to spare each side.)
        if dy2 >= r * r {
            continue;
        }
        let cols = columns_within(x, (r * r - dy2).sqrt(), x0..x1);
        let row = canvas.at(0, py);
        let pixels = canvas.bytes_mut()[row + cols.start as usize * 3..row + cols.end as usize * 3].chunks_exact_mut(3);
        for (px, out) in cols.zip(pixels) {
            let d = ((px as f32 + 0.5 - x).powi(2) + dy2).sqrt() / r;
            let cover = if ring { (1.0 - (d - 0.8).abs() / 0.2).clamp(0.0, 1.0) } else { dot_falloff(table, d) };
            let a = Opacity::from_unit(cover * alpha);
            if a == Opacity::ZERO {
                continue;
            }
            for (o, &c) in out.iter_mut().zip(&color.rgb()) {
                *o = a.blend(*o, c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: ParticleKind, count: u32, seed: u64, area: [f32; 4]) -> ParticlesSpec {
        let (color, span) = (Color([255, 255, 255, 255]), Default::default());
        ParticlesSpec { kind, count, seed, color, size: 0.01, area, span }
    }

    fn ink(kind: ParticleKind, t: f32, since: f32) -> usize {
        let (w, h) = (200u32, 200u32);
        let mut frame = vec![0u8; (w * h * 3) as usize];
        let p = Particles::new(&spec(kind, 60, 3, [0.2, 0.2, 0.6, 0.6]));
        p.draw(&mut Canvas::whole(&mut frame, (w, h)), t, since, 1.0);
        frame.iter().filter(|&&b| b > 40).count()
    }

    #[test]
    fn the_falloff_table_matches_powf() {
        for i in 0..=1000 {
            let d = i as f32 / 1000.0;
            assert!((dot_falloff(falloff_table(), d) - pow(1.0 - d, 0.7)).abs() < 0.02, "d = {d}");
        }
        assert_eq!(dot_falloff(falloff_table(), 1.5), 0.0);
        assert_eq!(dot_falloff(falloff_table(), -1.0), 1.0);
    }

    #[test]
    fn a_splash_rises_then_falls_back() {
        assert_eq!(ink(ParticleKind::Splash, 3.0, 0.0), 0, "nothing before the burst");
        let early = ink(ParticleKind::Splash, 3.3, 0.3);
        assert!(early > 100, "droplets in the air: {early}");
        assert_eq!(ink(ParticleKind::Splash, 5.0, 2.0), 0, "all back in the water");
    }

    #[test]
    fn confetti_is_colourful_and_moves() {
        let (w, h) = (200u32, 200u32);
        let draw = |t: f32| {
            let mut frame = vec![0u8; (w * h * 3) as usize];
            Particles::new(&spec(ParticleKind::Confetti, 80, 9, [0.0, 0.0, 1.0, 1.0])).draw(
                &mut Canvas::whole(&mut frame, (w, h)),
                t,
                t,
                1.0,
            );
            frame
        };
        let (a, b) = (draw(1.0), draw(1.2));
        assert_ne!(a, b);
        let reds = a.chunks(3).filter(|p| p[0] > 200 && p[1] < 120).count();
        let blues = a.chunks(3).filter(|p| p[2] > 200 && p[0] < 120).count();
        assert!(reds > 5 && blues > 5, "several colours: {reds} red, {blues} blue");
    }
}
