//! The MP4 file (muxide): H.264 packets at the frame rate, the soundtrack's
//! packets, and on [`Mp4Writer::finish`] the index up front (fast start).

use crate::audio::{AudioCodec, CHANNELS, SAMPLE_RATE};
use crate::h264::Packet;
use crate::{CodecError, VideoFormat};
use muxide::api::{Muxer, MuxerBuilder, VideoCodec};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// The video's bitrate ceiling (bits per second, on average). Below it the
/// encoder holds a constant quality ([`crate::FINEST_QP`]), so simple
/// videos come out small; only noise-like content (heavy grain) reaches it.
pub const MAX_BITRATE: u32 = 4_000_000;

/// An MP4 file being written: encoded video packets at the frame rate, an
/// optional soundtrack, and on [`Mp4Writer::finish`] the index up front.
pub struct Mp4Writer {
    muxer: Muxer<BufWriter<File>>,
    fps: u32,
    frames: u64,
    audio: AudioCodec,
}

impl Mp4Writer {
    pub fn create(path: &Path, format: VideoFormat, audio: AudioCodec) -> Result<Self, CodecError> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mux_codec = match audio {
            AudioCodec::Opus => muxide::api::AudioCodec::Opus,
            #[cfg(feature = "aac")]
            AudioCodec::Aac => muxide::api::AudioCodec::Aac(muxide::api::AacProfile::Lc),
        };
        let muxer = MuxerBuilder::new(file)
            .video(VideoCodec::H264, format.width, format.height, f64::from(format.fps))
            .audio(mux_codec, SAMPLE_RATE, CHANNELS)
            .with_fast_start(true)
            .build()
            .map_err(|e| CodecError::Encode(e.to_string()))?;
        Ok(Mp4Writer { muxer, fps: format.fps, frames: 0, audio })
    }

    /// Adds the next frame's packet.
    pub fn push_video(&mut self, packet: &Packet) -> Result<(), CodecError> {
        let pts = self.frames as f64 / f64::from(self.fps);
        self.muxer.write_video(pts, &packet.data, packet.keyframe).map_err(|e| CodecError::Encode(e.to_string()))?;
        self.frames += 1;
        Ok(())
    }

    /// Adds the soundtrack: packets of the codec given to [`Self::create`]
    /// ([`AudioCodec::encode`]), back to back from time 0.
    pub fn push_audio(&mut self, packets: &[Vec<u8>]) -> Result<(), CodecError> {
        let frame = self.audio.frame_len();
        for (i, packet) in packets.iter().enumerate() {
            let pts = (i * frame) as f64 / f64::from(SAMPLE_RATE);
            self.muxer.write_audio(pts, packet).map_err(|e| CodecError::Encode(e.to_string()))?;
        }
        Ok(())
    }

    /// Writes the index (`moov` before `mdat`) and flushes the file to the
    /// OS. Not to disk: making it durable is the job of whoever keeps it
    /// (the server's blob store syncs it before the task is marked done; a
    /// file from `videoagent render` needs no more than any other program's
    /// output).
    pub fn finish(self) -> Result<u64, CodecError> {
        let frames = self.frames;
        let mut muxer = self.muxer;
        muxer.finish_in_place().map_err(|e| CodecError::Encode(e.to_string()))?;
        let mut writer = muxer.into_writer();
        std::io::Write::flush(&mut writer)?;
        Ok(frames)
    }
}
