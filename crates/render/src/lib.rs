//! The compositor: turning a task's inputs into frames and a soundtrack,
//! handed to [`videoagent_codec`] for the MP4. The [`Renderer`] interface,
//! the template [`engine`] (JSON templates → layers → frames), the built-in
//! [`SimpleRenderer`], and what they draw with: [`raster`] (canvas, blends,
//! photo blits, shapes, opacity), [`geom`] rectangles, text, particles and
//! the synthesized [`soundtrack`].
//!
//! Knows nothing of HTTP or databases. Renders are deterministic: the same
//! inputs and the same binary give byte-identical files on any machine.

pub mod engine;
pub mod geom;
mod math;
mod raster;
mod simd;
mod simple;
pub mod soundtrack;
mod text;

pub use engine::{SpecError, TemplateRenderer, TemplateSpec};
pub use geom::{IRect, Rect};
pub use simple::{photo_rect, SimpleRenderer, SIMPLE_DURATION_SECS, SIMPLE_FPS};
pub use text::{safe_area, text_layout, LaidOut, SAFE_MARGIN};
/// How one render runs: its cancel flag, progress hook, audio codec and
/// lanes (the codec's [`EncodeControl`](videoagent_codec::EncodeControl)).
pub use videoagent_codec::EncodeControl as RenderControl;
pub use videoagent_codec::{AudioCodec, AudioCodecError, StageTimes, LANES};

use image::{GrayImage, RgbImage};
use std::path::Path;

/// What to render.
#[derive(Debug, Clone)]
pub struct RenderJob {
    pub template_id: String,
    /// Template name, for title cards.
    pub template_name: String,
    /// Text slot values in slot order.
    pub texts: Vec<String>,
    /// Decoded, upright sRGB images in slot order.
    pub images: Vec<RgbImage>,
    /// The subject cut out of each image, as its alpha (at any size: the
    /// image is resampled to it), or `None` where the cut-out was weak or
    /// not made: templates then show the whole photo in a frame instead.
    /// Missing entries count as `None`.
    pub cutouts: Vec<Option<GrayImage>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderSummary {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u32,
    /// Where the time went (not part of the output; varies run to run).
    pub times: StageTimes,
}

/// Why a render stopped: the codec's error, whose variants (cancelled, bad
/// input, encoder, I/O) are every way a render can end, so composing and
/// encoding share one type.
pub use videoagent_codec::CodecError as RenderError;

/// Something that can make the video of a task.
pub trait Renderer: Send + Sync {
    /// Renders the whole video into `out` (an MP4 file).
    fn render(&self, job: &RenderJob, out: &Path, ctl: &RenderControl<'_>) -> Result<RenderSummary, RenderError>;
    /// Renders the single frame shown at `secs` (previews and stills).
    fn render_frame(&self, job: &RenderJob, secs: f64) -> Result<RgbImage, RenderError>;
    /// The image slots whose subject a template cuts out (its actors'
    /// `subject` sources): a task's cut-outs are made for these only.
    fn cutout_slots(&self, template_id: &str) -> Vec<usize> {
        let _ = template_id;
        Vec::new()
    }
}
