//! How composed frames reach the encoder: in bands of rows, each converted
//! to I420 as soon as it is final, while its pixels are still in the CPU cache.

use std::ops::Range;

/// Rows per band when a frame is composed band by band: 32 rows of 1280
/// RGB pixels (120 KB), with the matching rows of a static base and a
/// vignette's gains, stay in a 512 KB L2 cache through every layer. (Smaller
/// bands pay each layer's per-call setup more often.) Even, so that I420
/// chroma rows split cleanly between bands ([`crate::I420::read_band`]).
pub const BAND_ROWS: u32 = 32;

/// The bands a frame `height` rows tall is composed in, top to bottom.
pub fn bands(height: u32) -> impl Iterator<Item = Range<u32>> {
    (0..height).step_by(BAND_ROWS as usize).map(move |y| y..(y + BAND_ROWS).min(height))
}

/// The byte range of the rows `rows` in a frame of `len` bytes with rows of
/// `row_bytes` (clamped to the frame).
pub fn band_bytes(rows: &Range<u32>, row_bytes: usize, len: usize) -> Range<usize> {
    let end = (rows.end as usize * row_bytes).min(len);
    (rows.start as usize * row_bytes).min(end)..end
}

/// A finished band of a frame, as a [`DrawFn`] hands it over.
pub struct Band<'a> {
    /// The rows' packed RGB8 bytes.
    pub rgb: &'a [u8],
    /// Which rows of the frame they are.
    pub rows: Range<u32>,
    /// Gains the pixels still need, one per pixel of these rows (`g` means
    /// × (g + 1) / 256): a frame's final vignette, applied while the band is
    /// converted to I420 instead of as a pass of its own.
    pub gains: Option<&'a [u8]>,
}

/// Takes each finished band of a frame.
pub type BandSink<'a> = dyn FnMut(Band<'_>) + 'a;

/// Draws frame `i` into an RGB8 buffer, handing each band of rows to the
/// sink as soon as it is final, so that it is converted to I420 while its
/// pixels are still in the CPU cache. Bands are in order, cover the frame,
/// and have an even number of rows (or end the frame).
pub type DrawFn<'a> = dyn Fn(u32, &mut [u8], &mut BandSink<'_>) + Sync + 'a;

/// A [`DrawFn`] from a function that draws whole frames (handed over as one band).
pub fn whole_frames(
    draw: impl Fn(u32, &mut [u8]) + Sync,
    width: u32,
) -> impl Fn(u32, &mut [u8], &mut BandSink<'_>) + Sync {
    move |i, frame, sink| {
        draw(i, frame);
        let rows = (frame.len() / (width as usize * 3).max(1)) as u32;
        sink(Band { rgb: frame, rows: 0..rows, gains: None });
    }
}
