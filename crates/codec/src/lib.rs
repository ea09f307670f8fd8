//! Frames and PCM in, a fast-start MP4 out: frames handed over in bands of
//! rows ([`band`]), converted to I420 ([`yuv`]) while still in the CPU
//! cache, encoded to H.264 by lanes of independent GOPs side by side
//! ([`lanes`], [`h264`]), the soundtrack encoded to Opus or AAC ([`audio`]),
//! and both muxed with the index up front ([`mp4`]).
//!
//! Depends on nothing else of this workspace: it knows no templates, no
//! tasks, no HTTP. Encoding is deterministic: the same frames, samples and
//! settings give the same bytes on any machine (every SIMD kernel has a
//! scalar twin with the same arithmetic, see [`simd`]).

pub mod audio;
pub mod band;
mod control;
pub mod h264;
pub mod lanes;
pub mod mp4;
mod rgb2yuv;
pub mod simd;
mod video;
pub mod yuv;

pub use audio::{AudioCodec, AudioCodecError};
pub use band::{Band, BandSink, DrawFn};
pub use control::{CodecError, EncodeControl, StageTimes, VideoFormat};
pub use h264::{Packet, FINEST_QP};
pub use lanes::{encode_frames, encode_lanes, LANES, MAX_LANES};
pub use mp4::MAX_BITRATE;
pub use rgb2yuv::GAIN_UNITY;
pub use video::write_video;
pub use yuv::I420;
