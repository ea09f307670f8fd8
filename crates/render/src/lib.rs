//! Turning a task's inputs into an MP4: the [`Renderer`] interface, the
//! built-in [`SimpleRenderer`], and the H.264/MP4 [`encode`] stage.
//!
//! Knows nothing of HTTP or databases. Renders are deterministic: the same
//! inputs and the same binary give byte-identical files.

pub mod audio;
pub mod encode;
pub mod engine;
pub mod h264;
mod raster;
mod rgb2yuv;
mod rowops;
mod simple;
mod text;
pub mod yuv;

pub use audio::{AudioCodec, AudioCodecError};
pub use engine::{SpecError, TemplateRenderer, TemplateSpec};
pub use simple::{photo_rect, SimpleRenderer, SIMPLE_DURATION_SECS, SIMPLE_FPS};

use image::RgbImage;
use std::path::Path;
use std::sync::atomic::AtomicBool;

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
}

/// How one render runs: the hooks it calls every frame and its output options.
pub struct RenderControl<'a> {
    /// Set to stop the render; it returns [`RenderError::Cancelled`] within one frame.
    pub cancel: &'a AtomicBool,
    /// Called with (frames done, total frames).
    pub progress: &'a (dyn Fn(u32, u32) + Sync),
    /// Codec of the soundtrack in the MP4.
    pub audio: AudioCodec,
    /// Encoders side by side, 1 or 2 ([`encode::LANES`] by default, the
    /// fastest on two cores or more; 1 leaves the other cores to compose
    /// ahead for it). Part of what makes the bytes, like the codec.
    pub lanes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderSummary {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u32,
    /// Where the time went (not part of the output; varies run to run).
    pub times: encode::StageTimes,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("render cancelled")]
    Cancelled,
    #[error("invalid render input: {0}")]
    Input(String),
    #[error("encoder: {0}")]
    Encode(String),
    #[error("writing video: {0}")]
    Io(#[from] std::io::Error),
}

/// Something that can make the video of a task.
pub trait Renderer: Send + Sync {
    /// Renders the whole video into `out` (an MP4 file).
    fn render(&self, job: &RenderJob, out: &Path, ctl: &RenderControl<'_>) -> Result<RenderSummary, RenderError>;
    /// Renders the single frame shown at `secs` (previews and stills).
    fn render_frame(&self, job: &RenderJob, secs: f64) -> Result<RgbImage, RenderError>;
}
