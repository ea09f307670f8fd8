//! The `water` text fill: the letters are glass containers filling up with
//! water. In each line, the water's level rises from the bottom of the ink
//! to 80 % over the reveal; its surface is two travelling sines (and a slow slosh); below
//! it a deep-to-light blue gradient with moving caustic light and rising
//! bubbles, above it faint glass. Everything is a deterministic function of
//! (x, y, t), evaluated only where a glyph has ink: the maps (the glass rim,
//! bubble paths, the caustic tile) are made once, a frame computes one row of
//! surface heights and stamps the bubbles, and the rest is per-pixel arithmetic.

use super::rng::Rng;
use super::sprite::{distance_to, Paint, Sprite};
use crate::math::{pow, sin};
use crate::raster::Opacity;
use std::f32::consts::TAU;
use std::sync::OnceLock;

pub(crate) struct Water {
    /// The box of the maps in text space (the whole text's sprite).
    x: i32,
    y: i32,
    w: u32,
    h: u32,
    /// Each line's ink, and for each row of the box the line it belongs to.
    lines: Vec<Ink>,
    row_line: Vec<u16>,
    /// Per row of the box: the water's colour at that depth, and how much
    /// caustic light reaches that deep.
    row_water: Vec<([f32; 3], f32)>,
    /// Font size in pixels: sets the scale of waves, caustics and bubbles.
    px: f32,
    rise_secs: f32,
    /// Inside the glyphs, nearness to their edge (255 at the edge): the glass wall.
    rim: Vec<u8>,
    bubbles: Vec<Bubble>,
}

/// Where a line of text has ink (text space).
struct Ink {
    top: f32,
    bottom: f32,
    left: f32,
    right: f32,
}

struct Bubble {
    line: usize,
    x: f32,
    r: f32,
    /// Pixels per second.
    speed: f32,
    /// Where in its climb it is at t = 0, 0..1.
    phase: f32,
    wobble: f32,
    freq: f32,
}

/// Caustic light: a 256×256 tile of soft bright lines along the edges of
/// jittered cells (distance to the second-nearest cell point minus the
/// nearest), bent by a few sines so they curve, tiling seamlessly (whole
/// periods only). Made once per process.
fn caustic_tile() -> &'static [u8] {
    const N: usize = 256;
    const CELLS: usize = 8;
    static TILE: OnceLock<Vec<u8>> = OnceLock::new();
    TILE.get_or_init(|| {
        let cell = (N / CELLS) as f32;
        let mut rng = Rng(0x5EED_CA05_71C5_u64);
        let points: Vec<(f32, f32)> =
            (0..CELLS * CELLS).map(|_| (0.15 + 0.7 * rng.next(), 0.15 + 0.7 * rng.next())).collect();
        let mut tile = vec![0u8; N * N];
        let k = TAU / N as f32;
        for (i, v) in tile.iter_mut().enumerate() {
            let (x, y) = ((i % N) as f32 + 0.5, (i / N) as f32 + 0.5);
            let (x, y) = (
                x + 7.0 * sin(2.0 * k * y) + 4.0 * sin(3.0 * k * (x + y) + 1.0),
                y + 7.0 * sin(2.0 * k * x + 2.0) + 4.0 * sin(3.0 * k * (x - y)),
            );
            let (cx, cy) = ((x / cell) as i32, (y / cell) as i32);
            let (mut d1, mut d2) = (f32::MAX, f32::MAX);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (gx, gy) = (cx + dx, cy + dy);
                    let p = points[gy.rem_euclid(CELLS as i32) as usize * CELLS + gx.rem_euclid(CELLS as i32) as usize];
                    let (px, py) = ((gx as f32 + p.0) * cell, (gy as f32 + p.1) * cell);
                    let d = ((px - x).powi(2) + (py - y).powi(2)).sqrt();
                    if d < d1 {
                        d2 = d1;
                        d1 = d;
                    } else if d < d2 {
                        d2 = d;
                    }
                }
            }
            let edge = (1.0 - (d2 - d1) / 9.0).clamp(0.0, 1.0);
            *v = (edge * edge * edge * 255.0) as u8;
        }
        tile
    })
}

fn lerp(a: [f32; 3], b: [f32; 3], k: f32) -> [f32; 3] {
    std::array::from_fn(|i| a[i] + (b[i] - a[i]) * k)
}

const LIGHT: [f32; 3] = [110.0, 214.0, 255.0];
const DEEP: [f32; 3] = [6.0, 52.0, 138.0];
const FOAM: [f32; 3] = [228.0, 248.0, 255.0];
const GLASS: [f32; 3] = [214.0, 236.0, 255.0];

impl Water {
    /// For the text whose whole mask is `whole`, laid out in `lines` (row
    /// ranges of text space), at font size `px`, 80 % full at `rise_secs`
    /// after the layer starts.
    pub(crate) fn new(whole: &Sprite, lines: &[(u32, u32)], px: f32, rise_secs: f32) -> Water {
        let (w, h) = (whole.w, whole.h);
        // Rows of the box → line: the band that holds the row, or the nearest.
        let bands: Vec<(i32, i32)> = if lines.is_empty() {
            vec![(whole.y, whole.y + h as i32)]
        } else {
            lines.iter().map(|&(top, height)| (top as i32, (top + height) as i32)).collect()
        };
        let row_line: Vec<u16> = (0..h as i32)
            .map(|r| {
                let y = whole.y + r;
                let i = bands.iter().position(|&(_, bottom)| y < bottom).unwrap_or(bands.len() - 1);
                i.min(u16::MAX as usize) as u16
            })
            .collect();
        let inked = |r: usize, c: usize| whole.fill[r * w as usize + c] >= 64;
        let lines: Vec<Ink> = (0..bands.len())
            .map(|i| {
                let rows: Vec<usize> = (0..h as usize).filter(|&r| usize::from(row_line[r]) == i).collect();
                let ink_rows: Vec<usize> =
                    rows.iter().copied().filter(|&r| (0..w as usize).any(|c| inked(r, c))).collect();
                let ink_cols: Vec<usize> = (0..w as usize).filter(|&c| ink_rows.iter().any(|&r| inked(r, c))).collect();
                let (top, bottom) = match (ink_rows.first(), ink_rows.last()) {
                    (Some(&a), Some(&b)) => (a as f32, b as f32 + 1.0),
                    _ => (rows.first().map_or(0.0, |&r| r as f32), rows.last().map_or(1.0, |&r| r as f32 + 1.0)),
                };
                let (left, right) = match (ink_cols.first(), ink_cols.last()) {
                    (Some(&a), Some(&b)) => (a as f32, b as f32 + 1.0),
                    _ => (0.0, w as f32),
                };
                let (ox, oy) = (whole.x as f32, whole.y as f32);
                Ink { top: top + oy, bottom: bottom + oy, left: left + ox, right: right + ox }
            })
            .collect();
        // The glass wall: bright at the glyph's edge, fading over 5 % of the size.
        let inside = distance_to(&whole.fill, w, h, |a| a < 128);
        let wall = (0.05 * px).max(1.5);
        let rim = inside
            .iter()
            .map(|&d2| {
                let k = (1.0 - (d2.sqrt() - 1.0) / wall).clamp(0.0, 1.0);
                (k * k * 255.0) as u8
            })
            .collect();
        let mut rng = Rng(0x0B0B_B1E5_u64);
        let mut bubbles = Vec::new();
        for (line, ink) in lines.iter().enumerate() {
            let count = ((ink.right - ink.left) / px * 7.0).clamp(3.0, 80.0) as usize;
            bubbles.extend((0..count).map(|_| Bubble {
                line,
                x: ink.left + (ink.right - ink.left) * rng.next(),
                r: px * (0.012 + 0.022 * rng.next()),
                speed: (ink.bottom - ink.top) * (0.25 + 0.35 * rng.next()),
                phase: rng.next(),
                wobble: px * (0.01 + 0.02 * rng.next()),
                freq: 2.0 + 3.0 * rng.next(),
            }));
        }
        let row_water = (0..h as usize)
            .map(|r| {
                let ink = &lines[usize::from(row_line[r])];
                let y = (whole.y + r as i32) as f32 + 0.5;
                let depth = ((y - ink.top) / (ink.bottom - ink.top).max(1.0)).clamp(0.0, 1.0);
                (lerp(LIGHT, DEEP, pow(depth, 0.8)), 0.6 - 0.3 * depth)
            })
            .collect();
        Water {
            x: whole.x,
            y: whole.y,
            w,
            h,
            lines,
            row_line,
            row_water,
            px,
            rise_secs: rise_secs.max(0.01),
            rim,
            bubbles,
        }
    }

    /// The water's level at `t` seconds: 0 (empty) to 1 (full to the top of the ink).
    pub(crate) fn level(&self, t: f32) -> f32 {
        0.8 * crate::raster::smoothstep(t / self.rise_secs)
    }

    /// The surface's height (text space y) in line `line` at column `x`, time `t`.
    pub(crate) fn surface(&self, line: usize, x: f32, t: f32) -> f32 {
        let ink = &self.lines[line.min(self.lines.len() - 1)];
        let level = self.level(t);
        let base = ink.bottom - level * (ink.bottom - ink.top);
        let calm = (level / 0.15).min(1.0);
        let (k1, k2) = (TAU / (0.9 * self.px), TAU / (0.37 * self.px));
        let phase = line as f32 * 2.1;
        let wave = sin(x * k1 + t * 2.3 + phase) + 0.55 * sin(x * k2 - t * 3.4 + 1.3);
        // A slow slosh tilts the whole surface about the middle of the line.
        let mid = (ink.left + ink.right) / 2.0;
        let slosh = 0.02 * sin(t * 1.4 + phase) * (x - mid);
        (base + calm * (0.03 * self.px * wave + slosh)).min(ink.bottom + 2.0)
    }

    /// The fill at `t` seconds after the layer starts.
    pub(crate) fn at_time(&self, t: f32) -> WaterFrame<'_> {
        let surface: Vec<f32> = (0..self.lines.len())
            .flat_map(|line| (0..self.w).map(move |c| self.surface(line, (self.x + c as i32) as f32 + 0.5, t)))
            .collect();
        // Caustics: the tile at about a quarter of the font size per cell, two
        // layers drifting different ways, rows wavering.
        let scale = 32.0 / (0.26 * self.px);
        let tile = caustic_tile();
        let mut caustic_rows = vec![0.0f32; self.h as usize * 512];
        let mut caustic_at = Vec::with_capacity(self.h as usize);
        for (r, rows) in caustic_rows.chunks_exact_mut(512).enumerate() {
            let fy = (self.y + r as i32) as f32 * scale;
            let warp = 5.0 * sin(fy * TAU / 90.0 + t * 1.9);
            let (va, vb) = (fy - t * 9.0 + 1024.0, fy * 0.79 + t * 7.0 - warp * 0.7 + 1061.0);
            for (v, out) in [va, vb].into_iter().zip(rows.chunks_exact_mut(256)) {
                let v0 = v.floor();
                let (top, bottom) = ((v0 as i32 & 255) as usize * 256, ((v0 as i32 + 1) & 255) as usize * 256);
                let k = (v - v0) / 255.0;
                for (i, o) in out.iter_mut().enumerate() {
                    let (a, b) = (f32::from(tile[top + i]), f32::from(tile[bottom + i]));
                    *o = a / 255.0 + (b - a) * k;
                }
            }
            caustic_at.push((t * 15.0 + warp + 1024.0, -t * 12.0 + 1115.0));
        }
        let mut bubbles = vec![0u8; (self.w * self.h) as usize];
        for b in &self.bubbles {
            let ink = &self.lines[b.line];
            let climb = ink.bottom - ink.top + 4.0 * b.r;
            let travelled = (b.phase * climb + t * b.speed) % climb;
            let by = ink.bottom + 2.0 * b.r - travelled;
            let bx = b.x + b.wobble * sin(t * b.freq + b.phase * TAU);
            let col = ((bx as i32 - self.x).clamp(0, self.w as i32 - 1)) as usize;
            let below = by - b.r - surface[b.line * self.w as usize + col];
            if below <= 1.0 {
                continue; // not under water (yet)
            }
            let fade = (below / (3.0 * b.r)).min(1.0);
            self.stamp_bubble(&mut bubbles, (bx, by, b.r), fade);
        }
        WaterFrame { water: self, surface, bubbles, caustic_rows, caustic_at, scale }
    }

    /// A bubble: a bright rim, a faint body and a highlight, into `cover`.
    fn stamp_bubble(&self, cover: &mut [u8], (bx, by, r): (f32, f32, f32), fade: f32) {
        let (x0, x1) =
            (((bx - r - 1.0).floor() as i32 - self.x).max(0), ((bx + r + 2.0) as i32 - self.x).min(self.w as i32));
        let (y0, y1) =
            (((by - r - 1.0).floor() as i32 - self.y).max(0), ((by + r + 2.0) as i32 - self.y).min(self.h as i32));
        let (hx, hy, hr) = (bx - 0.35 * r, by - 0.35 * r, (0.3 * r).max(0.8));
        for y in y0..y1 {
            for x in x0..x1 {
                let (fx, fy) = ((self.x + x) as f32 + 0.5, (self.y + y) as f32 + 0.5);
                let d = ((fx - bx).powi(2) + (fy - by).powi(2)).sqrt();
                if d > r + 1.0 {
                    continue;
                }
                let ring = (1.0 - (d - (r - 0.7)).abs() / 1.1).clamp(0.0, 1.0);
                let body = if d < r { 0.22 } else { 0.0 };
                let glint = (1.0 - ((fx - hx).powi(2) + (fy - hy).powi(2)).sqrt() / hr).clamp(0.0, 1.0);
                let v = ring.max(body).max(glint) * fade;
                let c = &mut cover[(y as u32 * self.w + x as u32) as usize];
                *c = (*c).max((v * 255.0) as u8);
            }
        }
    }
}

/// The water fill at one moment.
pub(crate) struct WaterFrame<'a> {
    water: &'a Water,
    /// Surface height per line and column of the box.
    surface: Vec<f32>,
    /// Bubble coverage over the box.
    bubbles: Vec<u8>,
    /// Per row of the box, the two caustic layers' rows of the tile (each
    /// blended between two texel rows; 2 × 256 values), and where column 0
    /// of each falls in it.
    caustic_rows: Vec<f32>,
    caustic_at: Vec<(f32, f32)>,
    /// Caustic tile texels per pixel.
    scale: f32,
}

impl WaterFrame<'_> {
    /// Caustic light, 0..≈1.5, at text-space column `x` in row `r` of the box.
    #[inline]
    fn caustic(&self, x: i32, r: usize) -> f32 {
        let rows = &self.caustic_rows[r * 512..r * 512 + 512];
        let (oa, ob) = self.caustic_at[r];
        let fx = x as f32 * self.scale;
        let lerp_row = |row: &[f32], u: f32| {
            let u0 = u.floor();
            let i = u0 as i32;
            let (a, b) = (row[(i & 255) as usize], row[((i + 1) & 255) as usize]);
            a + (b - a) * (u - u0)
        };
        let a = lerp_row(&rows[..256], fx + oa);
        let b = lerp_row(&rows[256..], fx * 0.79 + ob);
        0.7 * a.max(b) + 0.8 * a * b
    }
}

impl Paint for WaterFrame<'_> {
    fn at(&self, x: i32, y: i32) -> ([u8; 3], Opacity) {
        let w = self.water;
        let (c, r) = (x - w.x, y - w.y);
        if c < 0 || r < 0 || c >= w.w as i32 || r >= w.h as i32 {
            return ([GLASS[0] as u8, GLASS[1] as u8, GLASS[2] as u8], Opacity::new(64));
        }
        let (c, r) = (c as usize, r as usize);
        let i = r * w.w as usize + c;
        let rim = f32::from(w.rim[i]) / 255.0;
        let line = usize::from(w.row_line[r]);
        let surface = self.surface[line * w.w as usize + c];
        let yf = y as f32 + 0.5;
        let (color, opacity) = if yf < surface - 0.8 {
            // Glass: faint, brighter along the walls and in a diagonal sheen.
            let band = ((x as f32 + 0.55 * y as f32) / (0.9 * w.px)).fract();
            let sheen = (1.0 - (band - 0.3).abs() / 0.07).clamp(0.0, 1.0) * 0.12;
            (lerp(GLASS, [255.0; 3], rim * 0.6), 0.22 + 0.5 * rim + sheen)
        } else if yf < surface + 1.6 {
            (FOAM, 0.97)
        } else {
            let (mut col, reach) = w.row_water[r];
            let near = (1.0 - (yf - surface) / (0.14 * w.px)).clamp(0.0, 1.0);
            col = lerp(col, [170.0, 236.0, 255.0], near * near * 0.6);
            let light = self.caustic(x, r) * reach;
            col = lerp(col, [235.0, 252.0, 255.0], light.min(1.0));
            col = lerp(col, [200.0, 240.0, 255.0], rim * 0.35);
            col = lerp(col, FOAM, f32::from(self.bubbles[i]) / 255.0 * 0.9);
            (col, 0.96)
        };
        (color.map(|v| v.clamp(0.0, 255.0) as u8), Opacity::from_unit(opacity))
    }
}
