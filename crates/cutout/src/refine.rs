//! From the model's coarse 320×320 map to a working-size alpha whose edges follow the photo.
//!
//! The model sees a 320×320 copy, so its map is blurry once scaled up (a 1280-pixel working size
//! is 4× larger) and knows nothing about the photo's fine edges. A colour guided filter
//! (He, Sun, Tang: "Guided Image Filtering", 2010/2013) fits, in every window, alpha as a linear
//! function of the photo's colour: where the photo has an edge, alpha snaps to it; where the photo
//! is fine-textured (fur, hair), alpha keeps that texture's softness; where the photo is flat,
//! alpha is smoothed. Everything is box filters over running sums, so it is O(pixels) whatever
//! the radius.
//!
//! Large working sizes use the "fast guided filter" (He, Sun 2015): the linear coefficients are
//! computed on a grid subsampled by `s` (long side ≤ [`FAST_GRID_SIDE`]) and upsampled
//! bilinearly, and only the final `a·I + b` is evaluated at full resolution. The coefficients are
//! box-smoothed anyway, so the result is almost identical for a quarter of the time and memory.

use image::{GrayImage, Luma, RgbImage};

/// The guided filter's window radius as a fraction of the working long side: wide enough to
/// reach across the model map's blur (about 1 % of the side once upscaled), small enough not to
/// pull in unrelated edges.
const RADIUS_FRACTION: f32 = 0.015;

/// Regularisation of the guided filter on 0..1 colours: windows whose colour variance is well
/// below this are just smoothed; above it, alpha follows the colours. 1e-3 is a colour standard
/// deviation of about 8/255, so JPEG noise is ignored and real edges are followed.
const EPS: f32 = 1e-3;

/// The coefficient grid's long side in the fast guided filter (see the module docs).
const FAST_GRID_SIDE: u32 = 640;

/// The contrast curve: a smoothstep from `CURVE_LO` to `CURVE_HI`. Below `CURVE_LO` is the faint
/// veil a probability map leaves around a subject (it would show as a halo): it becomes 0. Above
/// `CURVE_HI` is subject: 1. In between the curve is gentle (slope 1.9 at the middle), so the
/// soft fringe of fur and hair stays soft.
const CURVE_LO: f32 = 0.10;
const CURVE_HI: f32 = 0.90;

/// `image` at `width`×`height` with a triangle filter (bilinear when enlarging, area-aware when
/// shrinking); a copy when the size is already right.
///
/// A large shrink (a 16 MP photo to 1280 px) first averages k×k blocks, k being the whole part
/// of the ratio: that is a box filter, which the triangle filter's wide kernel would approximate
/// anyway, at a fraction of the cost.
pub(crate) fn resize_rgb(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    if image.dimensions() == (width, height) {
        return image.clone();
    }
    let k = (image.width() / width.max(1)).min(image.height() / height.max(1));
    if k >= 2 {
        let shrunk = shrink_by_blocks(image, k);
        if shrunk.dimensions() == (width, height) {
            return shrunk;
        }
        return resample_triangle(&shrunk, width, height);
    }
    resample_triangle(image, width, height)
}

/// Per output coordinate, the source taps of a triangle filter and their weights (summing to 1).
/// The triangle's radius is one source pixel when enlarging and the scale when shrinking, so
/// every source pixel contributes (no aliasing); taps beyond the edge are dropped.
fn triangle_taps(src: usize, dst: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = src as f32 / dst as f32;
    let radius = scale.max(1.0);
    (0..dst)
        .map(|i| {
            let centre = (i as f32 + 0.5) * scale;
            let first = ((centre - radius).floor().max(0.0)) as usize;
            let last = ((centre + radius).ceil() as usize).min(src);
            let mut weights: Vec<f32> =
                (first..last).map(|j| (1.0 - ((j as f32 + 0.5 - centre) / radius).abs()).max(0.0)).collect();
            let total: f32 = weights.iter().sum();
            if total > 0.0 {
                weights.iter_mut().for_each(|w| *w /= total);
            } else {
                // Only possible at a degenerate edge: take the nearest pixel.
                weights.iter_mut().for_each(|w| *w = 0.0);
                weights[0] = 1.0;
            }
            (first, weights)
        })
        .collect()
}

/// Separable triangle resampling (rows, then columns), with the taps computed once per axis.
/// What `image::imageops::resize` does with `FilterType::Triangle`, several times faster.
fn resample_triangle(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = (image.width() as usize, image.height() as usize);
    let (dw, dh) = (width as usize, height as usize);
    let src = image.as_raw();
    // Rows first: sh rows of dw pixels, as f32.
    let xs = triangle_taps(sw, dw);
    let mut rows = vec![0f32; dw * sh * 3];
    for (srow, drow) in src.chunks_exact(sw * 3).zip(rows.chunks_exact_mut(dw * 3)) {
        for ((first, weights), out) in xs.iter().zip(drow.chunks_exact_mut(3)) {
            let mut acc = [0f32; 3];
            for (px, &wt) in srow[first * 3..].chunks_exact(3).zip(weights) {
                acc[0] += f32::from(px[0]) * wt;
                acc[1] += f32::from(px[1]) * wt;
                acc[2] += f32::from(px[2]) * wt;
            }
            out.copy_from_slice(&acc);
        }
    }
    // Then columns, a whole output row at a time.
    let ys = triangle_taps(sh, dh);
    let mut out = vec![0u8; dw * dh * 3];
    let mut acc = vec![0f32; dw * 3];
    for ((first, weights), orow) in ys.iter().zip(out.chunks_exact_mut(dw * 3)) {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for (row, &wt) in rows[first * dw * 3..].chunks_exact(dw * 3).zip(weights) {
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v * wt;
            }
        }
        for (o, &a) in orow.iter_mut().zip(&acc) {
            *o = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    RgbImage::from_raw(width, height, out).expect("size matches")
}

/// The mean of each k×k block (the blocks on the right and bottom edges may be partial: they
/// average the pixels they have), so the output is ⌈w/k⌉×⌈h/k⌉ and keeps the photo's geometry.
/// Above a few megapixels the two halves of the rows are done on two threads (the machines this
/// runs on have two cores, and the model is idle while this runs).
fn shrink_by_blocks(image: &RgbImage, k: u32) -> RgbImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let k = k as usize;
    let (ow, oh) = (w.div_ceil(k), h.div_ceil(k));
    let mut out = vec![0u8; ow * oh * 3];
    let src = image.as_raw();
    let shrink_rows = |first_row: usize, out: &mut [u8]| {
        let mut sums = vec![0u32; ow * 3];
        for (i, out_row) in out.chunks_exact_mut(ow * 3).enumerate() {
            let oy = first_row + i;
            sums.iter_mut().for_each(|s| *s = 0);
            let rows = oy * k..((oy + 1) * k).min(h);
            let n_rows = rows.len() as u32;
            for y in rows {
                let row = &src[y * w * 3..(y + 1) * w * 3];
                for (block, s) in row.chunks(k * 3).zip(sums.chunks_exact_mut(3)) {
                    for px in block.chunks_exact(3) {
                        s[0] += u32::from(px[0]);
                        s[1] += u32::from(px[1]);
                        s[2] += u32::from(px[2]);
                    }
                }
            }
            for (ox, (o, s)) in out_row.chunks_exact_mut(3).zip(sums.chunks_exact(3)).enumerate() {
                let n = n_rows * (((ox + 1) * k).min(w) - ox * k) as u32;
                for c in 0..3 {
                    o[c] = ((s[c] + n / 2) / n) as u8;
                }
            }
        }
    };
    if w * h >= 4_000_000 && oh >= 2 {
        let half = oh / 2;
        let (top, bottom) = out.split_at_mut(half * ow * 3);
        std::thread::scope(|scope| {
            scope.spawn(|| shrink_rows(0, top));
            shrink_rows(half, bottom);
        });
    } else {
        shrink_rows(0, &mut out);
    }
    RgbImage::from_raw(ow as u32, oh as u32, out).expect("size matches")
}

/// The final alpha: `map` (`mw`×`mh`, 0..1) brought to the size of `working` and refined by it.
pub(crate) fn refine(map: &[f32], mw: u32, mh: u32, working: &RgbImage) -> GrayImage {
    let (w, h) = working.dimensions();
    let long = w.max(h);
    let s = long.div_ceil(FAST_GRID_SIDE).max(1);
    let (lw, lh) = (w.div_ceil(s), h.div_ceil(s));
    let radius_full = (RADIUS_FRACTION * long as f32).round().max(2.0);
    let radius = ((radius_full / s as f32).round() as usize).max(1);

    let guide_low = if s == 1 { working.clone() } else { resize_rgb(working, lw, lh) };
    let p = resize_bilinear(map, mw as usize, mh as usize, lw as usize, lh as usize);
    let planes = split_planes(&guide_low);
    let coeffs = guided_coefficients(&planes, &p, lw as usize, lh as usize, radius, EPS);

    let mut alpha = GrayImage::new(w, h);
    let xs = Taps::new(lw as usize, w as usize);
    let ys = Taps::new(lh as usize, h as usize);
    let lw = lw as usize;
    for (y, row) in alpha.rows_mut().enumerate() {
        let (y0, y1, fy) = ys.get(y);
        for (x, out) in row.enumerate() {
            let (x0, x1, fx) = xs.get(x);
            let sample = |plane: &[f32]| {
                let top = plane[y0 * lw + x0] * (1.0 - fx) + plane[y0 * lw + x1] * fx;
                let bottom = plane[y1 * lw + x0] * (1.0 - fx) + plane[y1 * lw + x1] * fx;
                top * (1.0 - fy) + bottom * fy
            };
            let px = working.get_pixel(x as u32, y as u32);
            let q = sample(&coeffs[0]) * f32::from(px[0]) / 255.0
                + sample(&coeffs[1]) * f32::from(px[1]) / 255.0
                + sample(&coeffs[2]) * f32::from(px[2]) / 255.0
                + sample(&coeffs[3]);
            *out = Luma([to_u8(curve(q))]);
        }
    }
    alpha
}

/// The contrast curve (see [`CURVE_LO`]).
pub(crate) fn curve(q: f32) -> f32 {
    let t = ((q - CURVE_LO) / (CURVE_HI - CURVE_LO)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn to_u8(v: f32) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Per-output-coordinate bilinear taps (pixel centres aligned, edges clamped), computed once per
/// axis so the per-pixel work is two lookups.
struct Taps {
    taps: Vec<(usize, usize, f32)>,
}

impl Taps {
    fn new(src: usize, dst: usize) -> Taps {
        let scale = src as f32 / dst as f32;
        let taps = (0..dst)
            .map(|i| {
                let f = ((i as f32 + 0.5) * scale - 0.5).max(0.0);
                let i0 = (f.floor() as usize).min(src - 1);
                let i1 = (i0 + 1).min(src - 1);
                (i0, i1, f - i0 as f32)
            })
            .collect();
        Taps { taps }
    }

    fn get(&self, i: usize) -> (usize, usize, f32) {
        self.taps[i]
    }
}

/// Bilinear resize of a single-channel float plane (pixel centres aligned, edges clamped).
pub(crate) fn resize_bilinear(src: &[f32], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<f32> {
    let xs = Taps::new(sw, dw);
    let ys = Taps::new(sh, dh);
    let mut out = Vec::with_capacity(dw * dh);
    for y in 0..dh {
        let (y0, y1, fy) = ys.get(y);
        let (r0, r1) = (&src[y0 * sw..(y0 + 1) * sw], &src[y1 * sw..(y1 + 1) * sw]);
        for x in 0..dw {
            let (x0, x1, fx) = xs.get(x);
            let top = r0[x0] * (1.0 - fx) + r0[x1] * fx;
            let bottom = r1[x0] * (1.0 - fx) + r1[x1] * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
        }
    }
    out
}

/// The photo's three channels as 0..1 planes.
fn split_planes(image: &RgbImage) -> [Vec<f32>; 3] {
    let n = (image.width() * image.height()) as usize;
    let mut planes = [Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
    for px in image.pixels() {
        for (c, plane) in planes.iter_mut().enumerate() {
            plane.push(f32::from(px[c]) / 255.0);
        }
    }
    planes
}

/// The colour guided filter's smoothed linear coefficients `[mean a_r, mean a_g, mean a_b,
/// mean b]` of `p` guided by `guide`: the filtered value at a pixel of colour I is
/// `a·I + b`.
pub(crate) fn guided_coefficients(
    guide: &[Vec<f32>; 3],
    p: &[f32],
    w: usize,
    h: usize,
    r: usize,
    eps: f32,
) -> [Vec<f32>; 4] {
    let n = w * h;
    let mut boxer = BoxFilter::new(w, h, r);
    let mean = |b: &mut BoxFilter, src: &[f32]| b.filter(src);
    let mean_i: Vec<Vec<f32>> = guide.iter().map(|c| mean(&mut boxer, c)).collect();
    let mean_p = mean(&mut boxer, p);

    let mut product = vec![0f32; n];
    let mut mean_of_product = |b: &mut BoxFilter, x: &[f32], y: &[f32]| {
        for ((o, a), c) in product.iter_mut().zip(x).zip(y) {
            *o = a * c;
        }
        b.filter(&product)
    };
    // Colour covariance (upper triangle) and colour-alpha covariance, per window.
    let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];
    let corr_ii: Vec<Vec<f32>> =
        pairs.iter().map(|&(i, j)| mean_of_product(&mut boxer, &guide[i], &guide[j])).collect();
    let corr_ip: Vec<Vec<f32>> = guide.iter().map(|c| mean_of_product(&mut boxer, c, p)).collect();

    let mut a = [vec![0f32; n], vec![0f32; n], vec![0f32; n]];
    let mut b = vec![0f32; n];
    for k in 0..n {
        let m = [mean_i[0][k], mean_i[1][k], mean_i[2][k]];
        let mp = mean_p[k];
        let var = |pair: usize, i: usize, j: usize| corr_ii[pair][k] - m[i] * m[j];
        let (rr, rg, rb) = (var(0, 0, 0) + eps, var(1, 0, 1), var(2, 0, 2));
        let (gg, gb, bb) = (var(3, 1, 1) + eps, var(4, 1, 2), var(5, 2, 2) + eps);
        let cov = [corr_ip[0][k] - m[0] * mp, corr_ip[1][k] - m[1] * mp, corr_ip[2][k] - m[2] * mp];
        // Inverse of the symmetric 3×3 (Σ + eps·U) by cofactors; eps keeps it positive definite.
        let c00 = gg * bb - gb * gb;
        let c01 = rb * gb - rg * bb;
        let c02 = rg * gb - rb * gg;
        let c11 = rr * bb - rb * rb;
        let c12 = rb * rg - rr * gb;
        let c22 = rr * gg - rg * rg;
        let det = rr * c00 + rg * c01 + rb * c02;
        let inv_det = if det.abs() > 1e-30 { 1.0 / det } else { 0.0 };
        let ar = (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) * inv_det;
        let ag = (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) * inv_det;
        let ab = (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) * inv_det;
        a[0][k] = ar;
        a[1][k] = ag;
        a[2][k] = ab;
        b[k] = mp - ar * m[0] - ag * m[1] - ab * m[2];
    }
    [boxer.filter(&a[0]), boxer.filter(&a[1]), boxer.filter(&a[2]), boxer.filter(&b)]
}

/// Mean over the (2r+1)² window around each pixel, the window clipped at the image's edges (and
/// the mean taken over the pixels actually inside). Running sums: O(pixels) for any radius.
struct BoxFilter {
    w: usize,
    h: usize,
    r: usize,
    /// The horizontally averaged plane.
    rows: Vec<f32>,
    /// Running column sums, in f64 so adding and removing rows over a tall image does not drift
    /// (variances are small differences of such sums).
    acc: Vec<f64>,
}

impl BoxFilter {
    fn new(w: usize, h: usize, r: usize) -> BoxFilter {
        BoxFilter { w, h, r, rows: vec![0.0; w * h], acc: vec![0.0; w] }
    }

    fn filter(&mut self, src: &[f32]) -> Vec<f32> {
        let (w, h, r) = (self.w, self.h, self.r);
        debug_assert_eq!(src.len(), w * h);
        // Horizontal pass: running sum along each row, divided by the clipped window's width.
        for (srow, drow) in src.chunks_exact(w).zip(self.rows.chunks_exact_mut(w)) {
            let mut sum: f64 = srow[..(r + 1).min(w)].iter().map(|&v| f64::from(v)).sum();
            for x in 0..w {
                let count = (x + r).min(w - 1) + 1 - x.saturating_sub(r);
                drow[x] = (sum / count as f64) as f32;
                if x + r + 1 < w {
                    sum += f64::from(srow[x + r + 1]);
                }
                if x >= r {
                    sum -= f64::from(srow[x - r]);
                }
            }
        }
        // Vertical pass: a running sum of rows.
        let mut out = vec![0f32; w * h];
        self.acc.iter_mut().for_each(|a| *a = 0.0);
        for row in self.rows.chunks_exact(w).take(r + 1) {
            for (a, &v) in self.acc.iter_mut().zip(row) {
                *a += f64::from(v);
            }
        }
        for y in 0..h {
            let count = ((y + r).min(h - 1) + 1 - y.saturating_sub(r)) as f64;
            let inv = 1.0 / count;
            for (o, &a) in out[y * w..(y + 1) * w].iter_mut().zip(&self.acc) {
                *o = (a * inv) as f32;
            }
            if y + r + 1 < h {
                let add = &self.rows[(y + r + 1) * w..(y + r + 2) * w];
                for (a, &v) in self.acc.iter_mut().zip(add) {
                    *a += f64::from(v);
                }
            }
            if y >= r {
                let sub = &self.rows[(y - r) * w..(y - r + 1) * w];
                for (a, &v) in self.acc.iter_mut().zip(sub) {
                    *a -= f64::from(v);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_box(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let (mut sum, mut n) = (0f64, 0usize);
                for yy in y.saturating_sub(r)..=(y + r).min(h - 1) {
                    for xx in x.saturating_sub(r)..=(x + r).min(w - 1) {
                        sum += f64::from(src[yy * w + xx]);
                        n += 1;
                    }
                }
                out[y * w + x] = (sum / n as f64) as f32;
            }
        }
        out
    }

    #[test]
    fn box_filter_matches_the_naive_mean() {
        let (w, h) = (13, 7);
        let src: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 11) as f32 / 10.0).collect();
        for r in [1, 2, 3, 6, 20] {
            let got = BoxFilter::new(w, h, r).filter(&src);
            let want = naive_box(&src, w, h, r);
            for (g, e) in got.iter().zip(&want) {
                assert!((g - e).abs() < 1e-5, "r={r}: {g} vs {e}");
            }
        }
    }

    #[test]
    fn bilinear_resize_keeps_constants_and_ramps() {
        let src = vec![0.25f32; 4 * 3];
        assert!(resize_bilinear(&src, 4, 3, 9, 5).iter().all(|&v| (v - 0.25).abs() < 1e-6));
        // A horizontal ramp stays monotonic.
        let ramp: Vec<f32> = (0..4).map(|x| x as f32).collect();
        let up = resize_bilinear(&ramp, 4, 1, 16, 1);
        assert!(up.windows(2).all(|p| p[1] >= p[0]));
        assert_eq!(up[0], 0.0);
        assert_eq!(up[15], 3.0);
    }

    /// A blurry map over a sharp colour edge comes out sharp: the point of the guided filter.
    /// The map ramps from 1 to 0 over 16 px centred on the edge (a 4-px soft edge upscaled 4×);
    /// after the curve alone that ramp would still be about 8 px wide.
    #[test]
    fn guided_filter_snaps_a_blurry_mask_to_the_photo_edge() {
        let (w, h) = (400u32, 40u32);
        let photo =
            RgbImage::from_fn(
                w,
                h,
                |x, _| {
                    if x < 200 {
                        image::Rgb([240, 120, 20])
                    } else {
                        image::Rgb([170, 210, 240])
                    }
                },
            );
        let map: Vec<f32> =
            (0..h).flat_map(|_| (0..w).map(|x| (1.0 - (x as f32 - 192.0) / 16.0).clamp(0.0, 1.0))).collect();
        let alpha = refine(&map, w, h, &photo);
        let row: Vec<u8> = (190..210).map(|x| alpha.get_pixel(x, 20)[0]).collect();
        let plain: Vec<u8> = (190..210).map(|x| to_u8(curve(map[20 * w as usize + x]))).collect();
        // The ramp becomes a step at the photo's edge (x = 199 | 200): one jump of most of the
        // range where the plain map changes by at most 30 levels per pixel, with only a faint
        // residue of the map's blur on either side.
        let max_step = |v: &[u8]| v.windows(2).map(|p| p[0].abs_diff(p[1])).max().unwrap();
        assert!(max_step(&plain) <= 30, "the test's map is not blurry enough: {plain:?}");
        assert!(row[9] >= 200 && row[10] <= 64, "guided {row:?}, plain {plain:?}");
        assert!(row[..10].iter().all(|&v| v >= 200), "guided {row:?}");
        assert!(row[10..].iter().all(|&v| v <= 64), "guided {row:?}");
    }

    #[test]
    fn block_shrink_averages_whole_and_partial_blocks() {
        // 5×3 with k = 2: blocks of 2×2, 1×2 (right edge), 2×1 (bottom), 1×1 (corner).
        let img = RgbImage::from_fn(5, 3, |x, y| image::Rgb([(10 * x + 100 * y) as u8, 7, (x * y) as u8]));
        let s = shrink_by_blocks(&img, 2);
        assert_eq!(s.dimensions(), (3, 2));
        assert_eq!(s.get_pixel(0, 0)[0], 55); // (0 + 10 + 100 + 110) / 4
        assert_eq!(s.get_pixel(2, 0)[0], 90); // (40 + 140) / 2
        assert_eq!(s.get_pixel(1, 1)[0], 225); // (220 + 230) / 2
        assert_eq!(s.get_pixel(2, 1)[0], 240);
        assert!(s.pixels().all(|p| p[1] == 7));
        // A large shrink lands on the asked size and keeps a uniform colour exact.
        let flat = RgbImage::from_pixel(2000, 1500, image::Rgb([12, 200, 99]));
        let small = resize_rgb(&flat, 640, 480);
        assert_eq!(small.dimensions(), (640, 480));
        assert!(small.pixels().all(|p| p.0 == [12, 200, 99]));
    }

    /// The triangle resampler agrees with the image crate's (which it replaces for speed) to a
    /// level or two, shrinking and enlarging.
    #[test]
    fn triangle_resampling_matches_the_image_crate() {
        let img = RgbImage::from_fn(97, 61, |x, y| {
            image::Rgb([((x * 37 + y * 11) % 256) as u8, ((x * x + y) % 256) as u8, ((x ^ y) * 4 % 256) as u8])
        });
        for (w, h) in [(64, 40), (50, 33), (130, 90), (97, 20), (11, 61)] {
            let ours = resample_triangle(&img, w, h);
            let theirs = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
            let worst = ours.as_raw().iter().zip(theirs.as_raw()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
            assert!(worst <= 2, "{w}x{h}: differs by up to {worst}");
        }
    }

    /// Degenerate working sizes (one pixel wide or tall, or smaller than the window) work.
    #[test]
    fn thin_and_tiny_working_sizes_work() {
        let map = vec![1.0f32; 320 * 320];
        for (w, h) in [(1, 1), (1, 700), (700, 1), (3, 2), (1500, 7)] {
            let photo = RgbImage::from_pixel(w, h, image::Rgb([200, 100, 50]));
            let alpha = refine(&map, 320, 320, &photo);
            assert_eq!(alpha.dimensions(), (w, h));
            assert!(alpha.pixels().all(|p| p[0] == 255), "{w}x{h}");
        }
    }

    #[test]
    fn curve_is_monotonic_and_fixed_at_the_ends() {
        assert_eq!(curve(0.0), 0.0);
        assert_eq!(curve(CURVE_LO), 0.0);
        assert_eq!(curve(1.0), 1.0);
        assert!((curve(0.5) - 0.5).abs() < 1e-6);
        let mut last = 0.0;
        for i in 0..=100 {
            let v = curve(i as f32 / 100.0);
            assert!(v >= last);
            last = v;
        }
    }
}
