//! Deterministic particle systems: every particle's path is a closed-form
//! function of time and a seeded random start, so any frame can be drawn
//! alone (stills, parallel rendering) and renders are repeatable.

use super::spec::{Color, ParticleKind};

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
    area: [f32; 4],
    color: Color,
    items: Vec<Particle>,
}

/// xorshift64*: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
}

impl Particles {
    pub fn new(kind: ParticleKind, count: u32, seed: u64, color: Color, size: f32, area: [f32; 4]) -> Particles {
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
                };
                Particle { x, y, vx, vy, phase, size: size * s }
            })
            .collect();
        Particles { kind, area, color, items }
    }

    /// Draws every particle at time `t` with overall opacity `k`.
    pub fn draw(&self, frame: &mut [u8], (w, h): (u32, u32), t: f32, k: f32) {
        let base_alpha = f32::from(self.color.0[3]) / 255.0 * k;
        for p in &self.items {
            let sway = match self.kind {
                ParticleKind::Snow | ParticleKind::Petals => 0.02 * (t * 1.7 + p.phase).sin(),
                ParticleKind::Bubbles => 0.008 * (t * 3.1 + p.phase).sin(),
                _ => 0.0,
            };
            // Paths wrap inside the area; velocities are in canvas fractions.
            let [ax, ay, aw, ah] = self.area;
            let x = (ax + ((p.x * aw + p.vx * t + sway).rem_euclid(aw.max(1e-3)))) * w as f32;
            let y = (ay + ((p.y * ah + p.vy * t).rem_euclid(ah.max(1e-3)))) * h as f32;
            let flicker = match self.kind {
                ParticleKind::Sparks => 0.55 + 0.45 * (t * 14.0 + p.phase).sin(),
                ParticleKind::Dust => 0.6,
                _ => 1.0,
            };
            let r = (p.size * h as f32).max(0.75);
            soft_dot(frame, (w, h), (x, y), r, self.color, base_alpha * flicker, self.kind == ParticleKind::Bubbles);
        }
    }
}

/// A disc with a soft edge; bubbles are rings.
fn soft_dot(frame: &mut [u8], (w, h): (u32, u32), (x, y): (f32, f32), r: f32, color: Color, alpha: f32, ring: bool) {
    let (x0, x1) = ((x - r - 1.0).max(0.0) as u32, ((x + r + 1.0).max(0.0) as u32).min(w));
    let (y0, y1) = ((y - r - 1.0).max(0.0) as u32, ((y + r + 1.0).max(0.0) as u32).min(h));
    for py in y0..y1 {
        for px in x0..x1 {
            let d = ((px as f32 + 0.5 - x).powi(2) + (py as f32 + 0.5 - y).powi(2)).sqrt() / r;
            let cover =
                if ring { (1.0 - (d - 0.8).abs() / 0.2).clamp(0.0, 1.0) } else { (1.0 - d).clamp(0.0, 1.0).powf(0.7) };
            let a = (cover * alpha * 256.0) as u32;
            if a == 0 {
                continue;
            }
            let i = ((py * w + px) * 3) as usize;
            for c in 0..3 {
                frame[i + c] =
                    ((u32::from(frame[i + c]) * (256 - a.min(256)) + u32::from(color.0[c]) * a.min(256)) >> 8) as u8;
            }
        }
    }
}
