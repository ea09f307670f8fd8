//! Helpers shared by the cut-out tests: fixtures, one model per test process, polygon geometry
//! for reference regions traced by hand.

#![allow(dead_code)]

use image::{GrayImage, RgbImage};
use std::path::PathBuf;

/// A photo from tests/fixtures/images.
pub fn fixture(name: &str) -> RgbImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images").join(name);
    image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).into_rgb8()
}

/// The model, loaded once for all the tests in a binary (loading is the slow part).
#[cfg(feature = "model")]
pub fn cutter() -> &'static videoagent_cutout::Cutter {
    static CUTTER: std::sync::OnceLock<videoagent_cutout::Cutter> = std::sync::OnceLock::new();
    CUTTER.get_or_init(|| videoagent_cutout::Cutter::load().expect("the embedded model loads"))
}

/// A polygon in image pixel coordinates (x right, y down), vertices in order.
pub type Polygon = &'static [(f32, f32)];

/// Whether the point is inside the polygon (even-odd rule).
pub fn inside(poly: Polygon, x: f32, y: f32) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (x1, y1) = poly[i];
        let (x2, y2) = poly[(i + 1) % n];
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

/// Distance from the point to the polygon's outline.
pub fn distance_to_outline(poly: Polygon, x: f32, y: f32) -> f32 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (ax, ay) = poly[i];
            let (bx, by) = poly[(i + 1) % n];
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (((x - ax) * dx + (y - ay) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            (x - ax - t * dx).hypot(y - ay - t * dy)
        })
        .fold(f32::INFINITY, f32::min)
}

/// Alpha of the pixels (taken at their centres) selected by `keep`, as 0..1 values.
pub fn alphas_where(alpha: &GrayImage, keep: impl Fn(f32, f32) -> bool) -> Vec<f32> {
    alpha
        .enumerate_pixels()
        .filter(|(x, y, _)| keep(*x as f32 + 0.5, *y as f32 + 0.5))
        .map(|(_, _, p)| f32::from(p[0]) / 255.0)
        .collect()
}

pub fn mean(v: &[f32]) -> f32 {
    assert!(!v.is_empty(), "no pixels selected");
    v.iter().sum::<f32>() / v.len() as f32
}

/// Fraction of the values at or above `limit`.
pub fn fraction_at_least(v: &[f32], limit: f32) -> f32 {
    assert!(!v.is_empty(), "no pixels selected");
    v.iter().filter(|&&a| a >= limit).count() as f32 / v.len() as f32
}

/// A deterministic xorshift generator, so noise images are the same on every run.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u8(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u8
    }
}
