//! What text and water share: a [`Sprite`] (alpha masks in a box of text
//! space), the distance transform that grows outlines and finds the inside
//! of glyphs, and [`Paint`], what a fill paints at each pixel.

use crate::geom::IRect;
use crate::raster::Opacity;

/// Coverage masks (0..=255) of a glyph or a whole text, in a box of text space.
pub(crate) struct Sprite {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
    pub fill: Vec<u8>,
    /// Fill and outline together (what casts the shadow); `None` without an outline.
    pub solid: Option<Vec<u8>>,
    /// The outline alone: `solid` where `fill` is not.
    pub ring: Option<Vec<u8>>,
}

impl Sprite {
    /// `fill` covers the box `rect`; with an outline of `radius` pixels the
    /// box grows to hold it.
    pub(crate) fn new(rect: IRect, fill: Vec<u8>, radius: f32) -> Sprite {
        let IRect { x, y, w, h } = rect;
        if radius <= 0.0 {
            return Sprite { x, y, w, h, fill, solid: None, ring: None };
        }
        let pad = radius.ceil() as u32 + 1;
        let (pw, ph) = (w + 2 * pad, h + 2 * pad);
        let mut padded = vec![0u8; (pw * ph) as usize];
        for (r, row) in fill.chunks_exact(w as usize).enumerate() {
            let at = ((r as u32 + pad) * pw + pad) as usize;
            padded[at..at + w as usize].copy_from_slice(row);
        }
        // Distance from each pixel to the nearest inked pixel: the outline
        // covers what is within `radius` of the glyph's edge, anti-aliased.
        let dist = distance_to(&padded, pw, ph, |a| a >= 128);
        let solid: Vec<u8> = padded
            .iter()
            .zip(&dist)
            .map(|(&a, &d2)| a.max(((radius + 1.0 - d2.sqrt()).clamp(0.0, 1.0) * 255.0).round() as u8))
            .collect();
        let ring =
            solid.iter().zip(&padded).map(|(&s, &f)| (u32::from(s) * (255 - u32::from(f)) / 255) as u8).collect();
        let (x, y) = (x - pad as i32, y - pad as i32);
        Sprite { x, y, w: pw, h: ph, fill: padded, solid: Some(solid), ring: Some(ring) }
    }

    pub(crate) fn rect(&self) -> IRect {
        IRect::new(self.x, self.y, self.w, self.h)
    }

    pub(crate) fn centre(&self) -> (f32, f32) {
        (self.x as f32 + self.w as f32 / 2.0, self.y as f32 + self.h as f32 / 2.0)
    }
}

/// Squared Euclidean distance from every pixel of a `w`×`h` mask to the
/// nearest pixel where `seed` holds (Felzenszwalb and Huttenlocher: two
/// passes of the 1-D lower envelope, linear time).
pub(crate) fn distance_to(mask: &[u8], w: u32, h: u32, seed: impl Fn(u8) -> bool) -> Vec<f32> {
    const FAR: f64 = 1e20;
    let (w, h) = (w as usize, h as usize);
    let mut grid: Vec<f64> = mask.iter().map(|&a| if seed(a) { 0.0 } else { FAR }).collect();
    let n = w.max(h);
    let (mut f, mut d, mut v, mut z) = (vec![0.0; n], vec![0.0; n], vec![0usize; n], vec![0.0; n + 1]);
    for x in 0..w {
        (0..h).for_each(|y| f[y] = grid[y * w + x]);
        envelope(&f[..h], &mut d[..h], &mut v, &mut z);
        (0..h).for_each(|y| grid[y * w + x] = d[y]);
    }
    for row in grid.chunks_exact_mut(w) {
        f[..w].copy_from_slice(row);
        envelope(&f[..w], &mut d[..w], &mut v, &mut z);
        row.copy_from_slice(&d[..w]);
    }
    grid.into_iter().map(|d| d.min(1e9) as f32).collect()
}

/// One line of [`distance_to`]: `d[q] = min over p of (q − p)² + f[p]`.
fn envelope(f: &[f64], d: &mut [f64], v: &mut [usize], z: &mut [f64]) {
    if f.is_empty() {
        return;
    }
    let mut k = 0;
    v[0] = 0;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    let sq = |q: usize| (q * q) as f64;
    for q in 1..f.len() {
        let mut s = ((f[q] + sq(q)) - (f[v[k]] + sq(v[k]))) / (2.0 * (q - v[k]) as f64);
        while s <= z[k] {
            k -= 1;
            s = ((f[q] + sq(q)) - (f[v[k]] + sq(v[k]))) / (2.0 * (q - v[k]) as f64);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f64::INFINITY;
    }
    k = 0;
    for (q, out) in d.iter_mut().enumerate() {
        while z[k + 1] < q as f64 {
            k += 1;
        }
        *out = (q as f64 - v[k] as f64).powi(2) + f[v[k]];
    }
}

/// What a fill paints: a colour and an opacity per text-space pixel.
pub(crate) trait Paint: Sync {
    fn at(&self, x: i32, y: i32) -> ([u8; 3], Opacity);

    /// The colour, when it is one colour everywhere at full opacity (lets a
    /// blit run as straight loops).
    fn solid(&self) -> Option<[u8; 3]> {
        None
    }
}
