//! Pixel helpers shared by the renderers: fixed-point photo sampling, masks,
//! rectangles, backdrops. Frames are packed RGB8 rows.
//!
//! How opaque a drawing is, is an [`Opacity`] (in 256ths); glyph and sprite
//! masks are plain `u8` coverage (in 255ths), blended by
//! [`blend_coverage`].
//!
//! Every drawing function draws on a [`Canvas`]: the band of frame rows it
//! may touch. A frame is composed band by band (all layers over a few rows,
//! then the next few) in a buffer of one band, so the pixels stay in the CPU
//! cache instead of every layer streaming the whole frame through memory.
//! Drawing a frame band by band gives exactly the pixels of drawing it whole
//! (a canvas of rows `0..height`).

mod blend;
mod blit;
mod canvas;
mod opacity;
mod resample;
mod rgba;
pub(crate) mod rowops;
mod shapes;

pub(crate) use blend::{
    apply_lut, blend_coverage, blend_frames, blend_mask, blend_toward, colour_run, weighted_colour,
};
#[cfg(test)]
pub(crate) use blit::{bilerp, bilinear, Tap};
pub(crate) use blit::{blit_photo, blit_photo_rotated, photo_bounds};
pub(crate) use canvas::{clip_rows, columns_within, draw_in_bands, for_rows, smoothstep, Canvas};
pub(crate) use opacity::Opacity;
pub(crate) use resample::{blurred_backdrop, resize_photo};
pub(crate) use rgba::{draw_sprite, Rgba};
pub(crate) use shapes::fill_rect;
pub(crate) use videoagent_codec::band::bands;
