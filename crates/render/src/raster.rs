//! Pixel helpers shared by the renderers: fixed-point photo sampling, masks,
//! rectangles, backdrops. Frames are packed RGB8 rows.
//!
//! Every drawing function draws on a [`Canvas`]: the band of frame rows it
//! may touch. A frame is composed band by band (all layers over a few rows,
//! then the next few) in a buffer of one band, so the pixels stay in the CPU
//! cache instead of every layer streaming the whole frame through memory.
//! Drawing a frame band by band gives exactly the pixels of drawing it whole
//! (a canvas of rows `0..height`).

use std::ops::Range;

use crate::encode::{Band, BandSink};
use crate::rowops::{blend_rows, resample_row, resample_row_over, HTap, RowTaps};
use crate::text::TextMask;
use image::RgbImage;

/// The rows of `y0..y1` (any integers) inside both the band `rows` and the
/// frame's `height`; `None` when that is empty.
pub(crate) fn clip_rows(y0: i32, y1: i32, rows: &Range<u32>, height: u32) -> Option<Range<u32>> {
    let lo = (y0.max(0) as u32).max(rows.start);
    let hi = (y1.max(0) as u32).min(rows.end).min(height);
    (lo < hi).then_some(lo..hi)
}

/// The columns of `span` whose pixel centres may lie within `half` of `x`
/// (a row of a disc or an ellipse), with a pixel to spare each side: the
/// others a round shape leaves untouched.
pub(crate) fn columns_within(x: f32, half: f32, span: Range<u32>) -> Range<u32> {
    let from = ((x - half - 0.5).floor().max(span.start as f32) as u32).min(span.end);
    let to = ((x + half - 0.5).ceil().max(0.0) as u32 + 1).clamp(from, span.end);
    from..to
}

/// Rows per band when a frame is composed band by band: 32 rows of 1280
/// RGB pixels (120 KB), with the matching rows of the static base and the
/// vignette's gains, stay in a 512 KB L2 cache through every layer. (Smaller
/// bands pay each layer's per-call setup more often.) Even, so that I420
/// chroma rows split cleanly between bands (`yuv::I420::read_band`).
const BAND_ROWS: u32 = 32;

/// The bands a frame `height` rows tall is composed in, top to bottom.
pub(crate) fn bands(height: u32) -> impl Iterator<Item = Range<u32>> {
    (0..height).step_by(BAND_ROWS as usize).map(move |y| y..(y + BAND_ROWS).min(height))
}

/// Packed RGB8 rows of a `w`×`h` frame being drawn: all of them, or the
/// band `rows` only. Drawing code addresses pixels by their frame row (see
/// [`Canvas::at`], [`Canvas::rows_mut`]) and touches only `rows`; a frame
/// drawn band by band thus needs a buffer of one band, which stays in the
/// CPU cache (a frame-sized one, written a band at a time, streamed 2.7 MB
/// per 720p frame through memory and slowed the encoder beside it).
pub(crate) struct Canvas<'a> {
    pixels: &'a mut [u8],
    pub w: u32,
    pub h: u32,
    pub rows: Range<u32>,
}

impl<'a> Canvas<'a> {
    /// The rows `rows` (clamped to the frame) of a `w`×`h` frame, held in the
    /// first bytes of `pixels`.
    pub(crate) fn new(pixels: &'a mut [u8], (w, h): (u32, u32), rows: Range<u32>) -> Canvas<'a> {
        let rows = rows.start.min(h)..rows.end.min(h);
        let len = rows.len() * w as usize * 3;
        Canvas { pixels: &mut pixels[..len], w, h, rows }
    }

    /// A whole frame.
    pub(crate) fn whole(pixels: &'a mut [u8], (w, h): (u32, u32)) -> Canvas<'a> {
        Canvas::new(pixels, (w, h), 0..h)
    }

    /// The rows `rows` of a whole frame's pixels, in place.
    pub(crate) fn band_of(frame: &'a mut [u8], (w, h): (u32, u32), rows: Range<u32>) -> Canvas<'a> {
        let start = (rows.start.min(h) as usize * w as usize * 3).min(frame.len());
        Canvas::new(&mut frame[start..], (w, h), rows)
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (self.w, self.h)
    }

    pub(crate) fn row_bytes(&self) -> usize {
        self.w as usize * 3
    }

    /// The bytes of the rows held, top to bottom.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.pixels
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        self.pixels
    }

    /// The bytes of frame rows `ys` (within [`Canvas::rows`]).
    pub(crate) fn rows_mut(&mut self, ys: Range<u32>) -> &mut [u8] {
        debug_assert!(ys.start >= self.rows.start && ys.end <= self.rows.end, "{ys:?} outside {:?}", self.rows);
        let (first, row_bytes) = (self.rows.start, self.row_bytes());
        &mut self.pixels[(ys.start - first) as usize * row_bytes..(ys.end - first) as usize * row_bytes]
    }

    /// Where pixel `(x, y)` (a frame row within [`Canvas::rows`]) starts in [`Canvas::bytes`].
    pub(crate) fn at(&self, x: u32, y: u32) -> usize {
        ((y - self.rows.start) as usize * self.w as usize + x as usize) * 3
    }

    /// The same rows of another frame-sized RGB8 image (a static layer).
    pub(crate) fn same_rows<'b>(&self, frame: &'b [u8]) -> &'b [u8] {
        &frame[band_bytes(&self.rows, self.row_bytes(), frame.len())]
    }
}

/// Draws a frame `w`×`h` band by band with `draw_rows`, each band in the
/// first bytes of `buffer`, handing it to `sink` as soon as it is drawn,
/// with its share of the frame's `gains` (one per pixel; see
/// [`crate::encode::Band`]).
pub(crate) fn draw_in_bands(
    buffer: &mut [u8],
    (w, h): (u32, u32),
    mut draw_rows: impl FnMut(&mut Canvas<'_>),
    gains: Option<&[u8]>,
    sink: &mut BandSink<'_>,
) {
    for rows in bands(h) {
        let mut canvas = Canvas::new(buffer, (w, h), rows.clone());
        draw_rows(&mut canvas);
        let gains = gains.map(|g| &g[band_bytes(&rows, w as usize, g.len())]);
        sink(Band { rgb: canvas.bytes(), rows, gains });
    }
}

/// The byte range of the rows `rows` in a frame of `len` bytes with rows of
/// `row_bytes` (clamped to the frame).
pub(crate) fn band_bytes(rows: &Range<u32>, row_bytes: usize, len: usize) -> Range<usize> {
    let end = (rows.end as usize * row_bytes).min(len);
    (rows.start as usize * row_bytes).min(end)..end
}

/// Defines a function whose body is compiled twice, for the baseline CPU
/// and for AVX2, and picks one at run time: loops the compiler vectorises
/// then run 8 or 16 lanes wide instead of 4 or 8. The arithmetic is the
/// same (Rust never fuses a multiply and an add on its own), so the bytes
/// are too. Only code inlined into the body gets AVX2: a closure handed to a
/// helper such as [`for_rows`] is compiled apart, so write the hot loops in
/// the body itself.
macro_rules! avx2_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") && !$crate::raster::baseline_only() {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) {
                    body($($arg),*)
                }
                // SAFETY: the CPU has AVX2.
                return unsafe { avx2($($arg),*) };
            }
            body($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;

#[cfg(test)]
thread_local! {
    /// Set by tests to run the baseline build of [`avx2_dispatch!`]
    /// functions on this thread, to compare it with the AVX2 one.
    pub(crate) static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether [`avx2_dispatch!`] functions must take their baseline build (only ever in tests).
#[inline(always)]
pub(crate) fn baseline_only() -> bool {
    #[cfg(test)]
    return BASELINE_ONLY.with(std::cell::Cell::get);
    #[cfg(not(test))]
    false
}

/// Calls `f(y, row)` for each frame row `y` in `ys` (within the canvas's rows).
pub(crate) fn for_rows(canvas: &mut Canvas<'_>, ys: Range<u32>, mut f: impl FnMut(u32, &mut [u8])) {
    let row_bytes = canvas.row_bytes();
    for (y, row) in ys.clone().zip(canvas.rows_mut(ys).chunks_exact_mut(row_bytes)) {
        f(y, row);
    }
}

pub(crate) fn smoothstep(p: f32) -> f32 {
    let p = p.clamp(0.0, 1.0);
    p * p * (3.0 - 2.0 * p)
}

/// The pixels a [`blit_photo`] writes, border included: its columns,
/// clipped to a frame `fw` wide, and its rows (unclipped). At full opacity it
/// writes every one of them, whatever was there.
pub(crate) fn photo_bounds((x0, y0, dw, dh): (f32, f32, f32, f32), border: i32, fw: u32) -> (Range<i32>, (i32, i32)) {
    let (bx0, by0) = (x0.floor() as i32 - border, y0.floor() as i32 - border);
    let (bx1, by1) = ((x0 + dw).ceil() as i32 + border, (y0 + dh).ceil() as i32 + border);
    (bx0.max(0)..bx1.min(fw as i32), (by0, by1))
}

/// Draws `photo` scaled into the rectangle `(x0, y0, dw, dh)` (sub-pixel
/// position and size), with a `border`-pixel print border around it, at
/// opacity `alpha` (0..=256, 256 = opaque).
/// Bilinear in fixed point, separable: each output row first blends its
/// two source rows into a 15-bit row, then takes two horizontal taps per
/// pixel (both passes in [`crate::rowops`], SIMD where the CPU has it, with
/// the same bytes either way).
pub(crate) fn blit_photo(
    canvas: &mut Canvas<'_>,
    photo: &RgbImage,
    (x0, y0, dw, dh): (f32, f32, f32, f32),
    border: i32,
    alpha: u32,
) {
    let alpha = alpha.min(256);
    if alpha == 0 {
        return;
    }
    // Opaque writes straight; otherwise blends over what is there.
    let put = move |dst: &mut u8, v: u32| {
        *dst = if alpha == 256 { v as u8 } else { ((u32::from(*dst) * (256 - alpha) + v * alpha) >> 8) as u8 };
    };
    let border_px = move |px: &mut [u8]| px.iter_mut().zip(BORDER_COLOR).for_each(|(d, c)| put(d, u32::from(c)));
    let fw = canvas.w;
    let sy = photo.height() as f32 / dh;
    let ph = photo.height() as f32;
    let (xs, (by0, by1)) = photo_bounds((x0, y0, dw, dh), border, fw);
    let Some(ys) = clip_rows(by0, by1, &canvas.rows, canvas.h).filter(|_| !xs.is_empty()) else {
        return; // off-screen or outside the band, or degenerate (e.g. a tiny photo with a negative border)
    };
    let key = ColumnsKey { x0: x0.to_bits(), dw: dw.to_bits(), pw: photo.width(), fw, border };
    with_columns(key, |c| {
        let Columns { inner, src_lo, src_hi, hs } = c;
        let src = photo.as_raw();
        let stride = photo.width() as usize * 3;
        let mut mix = Vec::<u16>::new();
        for_rows(canvas, ys, |y, row| {
            let y = y as i32;
            let out = &mut row[xs.start as usize * 3..xs.end as usize * 3];
            let Some(ty) = Tap::new((y as f32 + 0.5 - y0) * sy - 0.5, ph) else {
                out.chunks_exact_mut(3).for_each(border_px);
                return;
            };
            let (left, rest) = out.split_at_mut(inner.start * 3);
            let (middle, right) = rest.split_at_mut(inner.len() * 3);
            left.chunks_exact_mut(3).chain(right.chunks_exact_mut(3)).for_each(border_px);
            let top = &src[ty.i0 * stride + src_lo * 3..ty.i0 * stride + src_hi * 3];
            let bottom = &src[ty.i1 * stride + src_lo * 3..ty.i1 * stride + src_hi * 3];
            blend_rows(top, bottom, ty.w, &mut mix);
            if alpha == 256 {
                resample_row(&mix, hs, middle);
            } else {
                resample_row_over(&mix, hs.taps(), middle, alpha);
            }
        });
    });
}

/// What a photo blit's columns depend on: the placement along x, the
/// photo's width, the frame's width and the border.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ColumnsKey {
    x0: u32,
    dw: u32,
    pw: u32,
    fw: u32,
    border: i32,
}

/// A photo blit's columns: which are photo rather than border (`inner`,
/// relative to the first visible column), the source columns they read
/// (`src_lo..src_hi`) and each one's taps.
struct Columns {
    inner: Range<usize>,
    src_lo: usize,
    src_hi: usize,
    hs: RowTaps,
}

impl Columns {
    fn new(ColumnsKey { x0, dw, pw, fw, border }: ColumnsKey) -> Columns {
        let (x0, dw) = (f32::from_bits(x0), f32::from_bits(dw));
        let sx = pw as f32 / dw;
        let (xs, _) = photo_bounds((x0, 0.0, dw, 0.0), border, fw);
        // Source taps per column (None = border). Inside columns are contiguous.
        let taps: Vec<Option<Tap>> = xs.map(|x| Tap::new((x as f32 + 0.5 - x0) * sx - 0.5, pw as f32)).collect();
        let first = taps.iter().position(Option::is_some);
        let inner = match first {
            Some(f) => f..f + taps[f..].iter().take_while(|t| t.is_some()).count(),
            None => 0..0,
        };
        let taps: Vec<Tap> = taps[inner.clone()].iter().flatten().copied().collect();
        let (src_lo, src_hi) = match (taps.first(), taps.last()) {
            (Some(a), Some(b)) => (a.i0, b.i1 + 1),
            _ => (0, 0),
        };
        // Each pixel's left tap in the blended row (relative to the first
        // source column used) and weights. The right tap is always the next
        // pixel: at the last column (where a tap clamps to the same pixel)
        // its weight is 0.
        debug_assert!(taps.iter().all(|t| t.i1 == t.i0 + 1 || t.w == 0));
        let hs = RowTaps::new(taps.iter().map(|t| HTap::new((t.i0 - src_lo) * 3, t.w)).collect());
        Columns { inner, src_lo, src_hi, hs }
    }
}

/// Runs `f` with the columns for `key`, made once and kept (per thread, the
/// last two placements): a frame is drawn in ~23 bands that all share them,
/// and a defocus blend draws two photo levels.
fn with_columns<R>(key: ColumnsKey, f: impl FnOnce(&Columns) -> R) -> R {
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<(ColumnsKey, std::rc::Rc<Columns>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let columns = RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some(at) = recent.iter().position(|(k, _)| *k == key) {
            let hit = recent.remove(at);
            recent.push(hit);
        } else {
            if recent.len() == 2 {
                recent.remove(0);
            }
            recent.push((key, std::rc::Rc::new(Columns::new(key))));
        }
        recent.last().expect("just pushed").1.clone()
    });
    f(&columns)
}

/// Like [`blit_photo`], rotated by `angle` radians about the rectangle's
/// centre (inverse mapping per pixel; used only while a photo is turning).
pub(crate) fn blit_photo_rotated(
    canvas: &mut Canvas<'_>,
    photo: &RgbImage,
    (x0, y0, dw, dh): (f32, f32, f32, f32),
    border: i32,
    angle: f32,
) {
    let (fw, fh) = canvas.size();
    let (cx, cy) = (x0 + dw / 2.0, y0 + dh / 2.0);
    let (sin, cos) = angle.sin_cos();
    let (hw, hh) = (dw / 2.0 + border as f32, dh / 2.0 + border as f32);
    // Bounding box of the rotated rectangle (border included).
    let ex = hw * cos.abs() + hh * sin.abs();
    let ey = hw * sin.abs() + hh * cos.abs();
    let (bx0, bx1) = ((cx - ex).floor().max(0.0) as u32, ((cx + ex).ceil().max(0.0) as u32).min(fw));
    let Some(ys) = clip_rows((cy - ey).floor() as i32, (cy + ey).ceil() as i32, &canvas.rows, fh) else { return };
    if bx0 >= bx1 {
        return;
    }
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let (sx, sy) = (pw / dw, ph / dh);
    let src = photo.as_raw();
    let stride = photo.width() as usize * 3;
    for_rows(canvas, ys, |y, row| {
        let py = y as f32 + 0.5 - cy;
        for x in bx0..bx1 {
            let px = x as f32 + 0.5 - cx;
            // Into the unrotated rectangle's frame.
            let (lx, ly) = (px * cos + py * sin, -px * sin + py * cos);
            if lx.abs() > hw || ly.abs() > hh {
                continue;
            }
            let out = &mut row[(x * 3) as usize..(x * 3 + 3) as usize];
            let (u, v) = ((lx + dw / 2.0) * sx - 0.5, (ly + dh / 2.0) * sy - 0.5);
            let (Some(tx), Some(ty)) = (Tap::new(u, pw), Tap::new(v, ph)) else {
                out.copy_from_slice(&BORDER_COLOR);
                continue;
            };
            let (top, bottom) = (&src[ty.i0 * stride..], &src[ty.i1 * stride..]);
            bilerp(top, bottom, &tx, &ty, out);
        }
    });
}

/// One RGB pixel, bilinear between two source rows (`top`, `bottom` start at
/// rows `ty.i0` and `ty.i1`), in 8-bit fixed point.
#[inline]
pub(crate) fn bilerp(top: &[u8], bottom: &[u8], tx: &Tap, ty: &Tap, out: &mut [u8]) {
    let (a, b) = (tx.i0 * 3, tx.i1 * 3);
    for c in 0..3 {
        let t = u32::from(top[a + c]) * (256 - tx.w) + u32::from(top[b + c]) * tx.w;
        let m = u32::from(bottom[a + c]) * (256 - tx.w) + u32::from(bottom[b + c]) * tx.w;
        out[c] = ((t * (256 - ty.w) + m * ty.w + 32768) >> 16) as u8;
    }
}

/// The white print border around the photo.
pub(crate) const BORDER_COLOR: [u8; 3] = [250, 248, 240];

/// One axis of a bilinear sample: the two source indices and the weight
/// (0..=256) of the second, in fixed point so every frame is exact and fast.
#[derive(Clone, Copy)]
pub(crate) struct Tap {
    pub(crate) i0: usize,
    pub(crate) i1: usize,
    pub(crate) w: u32,
}

impl Tap {
    /// `None` when `u` falls outside the image (that pixel is border).
    pub(crate) fn new(u: f32, len: f32) -> Option<Tap> {
        if u < -0.5 || u > len - 0.5 {
            return None;
        }
        let u = u.clamp(0.0, len - 1.0);
        let i0 = u.floor() as usize;
        let i1 = (i0 + 1).min(len as usize - 1);
        Some(Tap { i0, i1, w: ((u - i0 as f32) * 256.0).round() as u32 })
    }
}

#[cfg(test)]
pub(crate) fn bilinear(img: &RgbImage, u: f32, v: f32) -> [u8; 3] {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let u = u.clamp(0.0, (w - 1) as f32);
    let v = v.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (u.floor() as i32, v.floor() as i32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let raw = img.as_raw();
    let at = |x: i32, y: i32, c: usize| raw[((y * w + x) * 3) as usize + c] as f32;
    [0, 1, 2].map(|c| {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
        let bot = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
        (top * (1.0 - fy) + bot * fy + 0.5) as u8
    })
}

/// A darkened, blurred cover-fit copy of the photo as the static backdrop:
/// shrunk to 1/16 by area averaging (fast at any input size), blurred, then
/// enlarged bilinearly in fixed point (a float resize of the whole canvas
/// was half of a render's start-up).
pub(crate) fn blurred_backdrop(img: &RgbImage, w: u32, h: u32) -> Vec<u8> {
    let s = (w as f32 / img.width() as f32).max(h as f32 / img.height() as f32);
    let (cw, ch) = ((w as f32 / s) as u32, (h as f32 / s) as u32);
    let crop = image::imageops::crop_imm(img, (img.width() - cw) / 2, (img.height() - ch) / 2, cw.max(1), ch.max(1))
        .to_image();
    let small = image::imageops::thumbnail(&crop, (w / 16).max(1), (h / 16).max(1));
    let small = image::imageops::blur(&small, 2.0);
    let mut big = vec![0u8; (w * h * 3) as usize];
    blit_photo(&mut Canvas::whole(&mut big, (w, h)), &small, (0.0, 0.0, w as f32, h as f32), 0, 256);
    apply_lut(&mut big, |c| (f32::from(c) * 0.45) as u8);
    big
}

/// Maps every byte through `f`, computed once per value: a per-byte float
/// pass over a whole canvas was a visible part of a render's start-up.
pub(crate) fn apply_lut(bytes: &mut [u8], f: impl Fn(u8) -> u8) {
    let lut: [u8; 256] = std::array::from_fn(|v| f(v as u8));
    for b in bytes {
        *b = lut[usize::from(*b)];
    }
}

/// `img` resized to `w`×`h` with Lanczos3; a photo more than twice as big
/// is first shrunk to twice the size by area averaging, so a 12-megapixel
/// upload costs about as much as a small one.
pub(crate) fn resize_photo(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    let (w, h) = (w.max(1), h.max(1));
    if img.width() > 2 * w && img.height() > 2 * h {
        return lanczos3(&image::imageops::thumbnail(img, 2 * w, 2 * h), w, h);
    }
    lanczos3(img, w, h)
}

/// Lanczos3 with `fast_image_resize`: fixed-point SIMD, about ten times
/// faster than `image`'s float filter, and on a render's critical path
/// (every photo is resampled before the first frame). Its SIMD and scalar
/// paths give the same bytes (tested), so output doesn't depend on the CPU.
fn lanczos3(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    lanczos3_with(img, w, h, None)
}

fn lanczos3_with(img: &RgbImage, w: u32, h: u32, cpu: Option<fast_image_resize::CpuExtensions>) -> RgbImage {
    use fast_image_resize::images::{TypedImage, TypedImageRef};
    use fast_image_resize::{pixels::U8x3, FilterType, ResizeAlg, ResizeOptions};
    // Typed views: the untyped API would compile the resizer for every pixel type.
    let src = TypedImageRef::<U8x3>::from_buffer(img.width(), img.height(), img.as_raw())
        .expect("an RgbImage's buffer matches its size");
    let mut out = vec![0u8; (w * h * 3) as usize];
    let mut dst = TypedImage::<U8x3>::from_buffer(w, h, &mut out).expect("the buffer matches the size");
    let mut resizer = fast_image_resize::Resizer::new();
    if let Some(cpu) = cpu {
        // SAFETY: callers only ask for extensions the CPU has (tests check `is_supported`).
        unsafe { resizer.set_cpu_extensions(cpu) };
    }
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer.resize_typed(&src, &mut dst, &options).expect("non-zero sizes");
    RgbImage::from_raw(w, h, out).expect("the resized buffer matches its size")
}

pub(crate) fn fill_rect(canvas: &mut Canvas<'_>, (x, y, rw, rh): (i32, i32, i32, i32), color: [u8; 3], alpha: f32) {
    let a = (alpha.clamp(0.0, 1.0) * 256.0) as u16;
    let w = canvas.w;
    let Some(ys) = clip_rows(y, y.saturating_add(rh), &canvas.rows, canvas.h) else { return };
    let (x0, x1) = (x.clamp(0, w as i32) as usize, x.saturating_add(rw).clamp(0, w as i32) as usize);
    if x0 >= x1 {
        return;
    }
    let add = weighted_colour(color, a, x1 - x0);
    for_rows(canvas, ys, |_, row| blend_toward(&mut row[x0 * 3..x1 * 3], &add, a));
}

/// `color` weighted by `a` (0..=256) and repeated for `pixels` pixels: what
/// [`blend_toward`] adds to each byte.
pub(crate) fn weighted_colour(color: [u8; 3], a: u16, pixels: usize) -> Vec<u16> {
    colour_run(color.map(|c| u16::from(c) * a), pixels)
}

/// `color`'s channels repeated for `pixels` pixels, so that a blend over a
/// run of RGB bytes is one straight loop zipping the two.
pub(crate) fn colour_run(color: [u16; 3], pixels: usize) -> Vec<u16> {
    color.iter().copied().cycle().take(pixels * 3).collect()
}

/// Blends `bytes` towards a colour by `a` (0..=256), given the colour's
/// [`weighted_colour`]: one 16-bit multiply-add per byte in a straight loop
/// that vectorises (≤ 255 × 256 in total, so it fits u16).
#[inline(always)]
pub(crate) fn blend_toward(bytes: &mut [u8], add: &[u16], a: u16) {
    for (d, &add) in bytes.iter_mut().zip(add) {
        *d = ((u16::from(*d) * (256 - a)).wrapping_add(add) >> 8) as u8;
    }
}

/// Blends `src` (the same rows as the canvas) over the canvas with weight
/// `a` (0..=256): one 16-bit multiply-add per byte.
pub(crate) fn blend_frames(canvas: &mut Canvas<'_>, src: &[u8], a: u16) {
    let a = a.min(256);
    for (d, &s) in canvas.bytes_mut().iter_mut().zip(src) {
        // ≤ 255 × 256 in total, so the sum fits u16.
        *d = ((u16::from(*d) * (256 - a)).wrapping_add(u16::from(s) * a) >> 8) as u8;
    }
}

/// Blends `color` through `mask` (scaled by `alpha`) with its top-left at `(left, top)`.
pub(crate) fn blend_mask(
    canvas: &mut Canvas<'_>,
    mask: &TextMask,
    (left, top): (i32, i32),
    (color, alpha): ([u8; 3], f32),
) {
    let k = (alpha.clamp(0.0, 1.0) * 256.0) as u32;
    let (w, h, rows) = (canvas.w, canvas.h, canvas.rows.clone());
    for my in 0..mask.height as i32 {
        let y = top + my;
        if y < 0 || y >= h as i32 || !rows.contains(&(y as u32)) {
            continue;
        }
        for mx in 0..mask.width as i32 {
            let x = left + mx;
            if x < 0 || x >= w as i32 {
                continue;
            }
            let a = (mask.alpha[(my as u32 * mask.width + mx as u32) as usize] as u32 * k) >> 8;
            if a == 0 {
                continue;
            }
            let i = canvas.at(x as u32, y as u32);
            let frame = canvas.bytes_mut();
            for c in 0..3 {
                frame[i + c] = ((frame[i + c] as u32 * (255 - a) + color[c] as u32 * a) / 255) as u8;
            }
        }
    }
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
        for rect in [(3, 2, 7, 5), (-4, -3, 9, 8), (15, 9, 30, 30), (-50, 0, 10, 4), (5, 5, 0, 3), (2, 1, 4, -2)] {
            let rows = 3..9;
            let mut frame = base.clone();
            fill_rect(&mut Canvas::band_of(&mut frame, (w, h), rows.clone()), rect, [200, 10, 90], 0.4);
            let a = (0.4f32 * 256.0) as u32;
            for (i, (&got, &was)) in frame.iter().zip(&base).enumerate() {
                let (x, y, c) = ((i as u32 / 3 % w) as i32, i as u32 / 3 / w, i % 3);
                let inside = rows.contains(&y)
                    && (rect.0..rect.0 + rect.2).contains(&x)
                    && (rect.1..rect.1 + rect.3).contains(&(y as i32));
                let want = if inside {
                    ((u32::from(was) * (256 - a) + u32::from([200u8, 10, 90][c]) * a) >> 8) as u8
                } else {
                    was
                };
                assert_eq!(got, want, "rect {rect:?} at ({x}, {y}) channel {c}");
            }
        }
    }

    /// Backdrops and resized photos come out at the asked size from any
    /// input shape, tiny and extreme ones included, and keep the colour.
    #[test]
    fn backdrops_and_photo_resizes_handle_any_input_size() {
        for (iw, ih) in [(1, 1), (3, 2), (2000, 10), (10, 2000), (5000, 3000)] {
            let img = RgbImage::from_pixel(iw, ih, image::Rgb([200, 100, 40]));
            let back = blurred_backdrop(&img, 128, 72);
            assert_eq!(back.len(), 128 * 72 * 3);
            // 45 % of the colour, everywhere.
            assert!(back.chunks(3).all(|p| p[0].abs_diff(90) <= 2 && p[1].abs_diff(45) <= 2), "{iw}x{ih}");
            let photo = resize_photo(&img, 50, 30);
            assert_eq!(photo.dimensions(), (50, 30));
            assert!(photo.pixels().all(|p| p.0[0].abs_diff(200) <= 2), "{iw}x{ih}");
        }
    }

    /// The resampler's SIMD paths (whichever this CPU has) give the bytes
    /// of its portable one, up and down, so renders match across machines.
    #[test]
    fn photo_resampling_is_the_same_on_every_cpu() {
        use fast_image_resize::CpuExtensions;
        let img = RgbImage::from_fn(301, 207, |x, y| image::Rgb([(x * 7 + y) as u8, (x * y) as u8, (y * 3) as u8]));
        for (w, h) in [(578, 410), (150, 97), (301, 207), (33, 500)] {
            let portable = lanczos3_with(&img, w, h, Some(CpuExtensions::None));
            for cpu in [CpuExtensions::Sse4_1, CpuExtensions::Avx2] {
                if cpu.is_supported() {
                    assert!(lanczos3_with(&img, w, h, Some(cpu)) == portable, "{cpu:?} differs at {w}x{h}");
                }
            }
            assert!(lanczos3(&img, w, h) == portable);
        }
    }

    /// A quarter turn of a photo with a bright left half puts the bright half on top.
    #[test]
    fn rotation_turns_the_photo_clockwise() {
        let photo = RgbImage::from_fn(40, 40, |x, _| if x < 20 { image::Rgb([250; 3]) } else { image::Rgb([10; 3]) });
        let (w, h) = (100u32, 100u32);
        let mut frame = vec![128u8; (w * h * 3) as usize];
        let quarter = std::f32::consts::FRAC_PI_2;
        blit_photo_rotated(&mut Canvas::whole(&mut frame, (w, h)), &photo, (30.0, 30.0, 40.0, 40.0), 0, quarter);
        let at = |x: u32, y: u32| frame[((y * w + x) * 3) as usize];
        assert!(at(50, 40) > 200, "top is bright: {}", at(50, 40));
        assert!(at(50, 60) < 50, "bottom is dark: {}", at(50, 60));
        assert_eq!(at(5, 5), 128, "outside untouched");
        // Zero rotation matches the straight blit.
        let mut a = vec![0u8; (w * h * 3) as usize];
        let mut b = a.clone();
        blit_photo(&mut Canvas::whole(&mut a, (w, h)), &photo, (30.0, 30.0, 40.0, 40.0), 2, 256);
        blit_photo_rotated(&mut Canvas::whole(&mut b, (w, h)), &photo, (30.0, 30.0, 40.0, 40.0), 2, 1e-6);
        let differ = a.iter().zip(&b).filter(|(x, y)| x.abs_diff(**y) > 2).count();
        assert!(differ < 40, "{differ} bytes differ");
    }
}
