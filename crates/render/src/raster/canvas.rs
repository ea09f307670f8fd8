//! The canvas a layer draws on (a band of a frame's rows, addressed by
//! frame row), drawing a frame band by band, and small helpers every
//! drawing function uses.

use std::ops::Range;
use videoagent_codec::band::{band_bytes, bands, Band, BandSink};

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

/// Packed RGB8 rows of a `w`×`h` frame being drawn: all of them, or the
/// band `rows` only. Drawing code addresses pixels by their frame row (see
/// [`Canvas::at`], [`Canvas::rows_mut`]) and touches only `rows`; a frame
/// drawn band by band thus needs a buffer of one band, which stays in the
/// CPU cache (a frame-sized one, written a band at a time, would stream
/// every frame through memory, which the encoder beside it shares).
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
/// [`Band`]).
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
