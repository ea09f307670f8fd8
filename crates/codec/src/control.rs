//! What an encode is asked to make and how it is steered, and how it ends.

use crate::audio::AudioCodec;
use std::sync::atomic::AtomicBool;

/// Why encoding, or a whole render, stopped (the compositor uses it as its
/// `RenderError`).
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("render cancelled")]
    Cancelled,
    #[error("invalid render input: {0}")]
    Input(String),
    #[error("encoder: {0}")]
    Encode(String),
    #[error("writing video: {0}")]
    Io(#[from] std::io::Error),
}

/// How one encode runs: the hooks it calls every frame and its output options.
pub struct EncodeControl<'a> {
    /// Set to stop; the encode returns [`CodecError::Cancelled`] within one frame.
    pub cancel: &'a AtomicBool,
    /// Called with (frames done, total frames).
    pub progress: &'a (dyn Fn(u32, u32) + Sync),
    /// Codec of the soundtrack in the MP4.
    pub audio: AudioCodec,
    /// Encoders side by side, 1 or 2 ([`LANES`] by default, the fastest on
    /// two cores or more; 1 leaves the other cores to compose ahead for
    /// it). Part of what makes the bytes, like the codec.
    pub lanes: usize,
}

/// Time spent in each stage of a render (summed over frames and lanes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// Preparing the scene before the first frame (resampling photos, text, backdrops).
    pub prepare: std::time::Duration,
    /// Drawing frames and converting them to I420.
    pub compose: std::time::Duration,
    /// H.264 encoding and muxing.
    pub encode: std::time::Duration,
    /// Synthesizing and encoding the soundtrack (on its own thread, overlapped).
    pub audio: std::time::Duration,
}

/// What [`write_video`] makes.
#[derive(Debug, Clone, Copy)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u32,
}

impl VideoFormat {
    /// How long the video lasts.
    pub fn secs(&self) -> f64 {
        f64::from(self.frames) / f64::from(self.fps)
    }
}
