//! H.264 (openh264, Constrained Baseline) into a fast-start MP4 (muxide).

use crate::RenderError;
use muxide::api::{AudioCodec, Muxer, MuxerBuilder, VideoCodec};
use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, RateControlMode};
use openh264::formats::{RgbSliceU8, YUVBuffer};
use openh264::OpenH264API;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Converts a packed RGB8 frame to I420 (BT.601, the decoders' default).
pub fn rgb_to_yuv(rgb: &[u8], width: u32, height: u32, yuv: &mut YUVBuffer) -> Result<(), RenderError> {
    let (w, h) = (width as usize, height as usize);
    if rgb.len() != w * h * 3 {
        return Err(RenderError::Input(format!("frame has {} bytes, expected {}", rgb.len(), w * h * 3)));
    }
    if openh264::formats::YUVSource::dimensions(yuv) != (w, h) {
        *yuv = YUVBuffer::new(w, h);
    }
    yuv.read_rgb8(RgbSliceU8::new(rgb, (w, h)));
    Ok(())
}

/// Time spent in each stage of a pipelined render (summed over frames).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// Drawing frames and converting them to I420.
    pub compose: std::time::Duration,
    /// H.264 encoding and muxing.
    pub encode: std::time::Duration,
}

/// Composes frames on one thread (which may use the rayon pool inside `draw`)
/// while this thread encodes, with a few frames in flight: composition hides
/// behind encoding and memory stays bounded. Checks `cancel` every frame.
pub fn encode_pipelined(
    encoder: &mut VideoEncoder,
    frames: u32,
    draw: &(dyn Fn(u32, &mut [u8]) + Sync),
    ctl: &crate::RenderControl<'_>,
) -> Result<StageTimes, RenderError> {
    use std::sync::atomic::Ordering;
    use std::sync::mpsc::sync_channel;
    use std::time::{Duration, Instant};
    const IN_FLIGHT: usize = 3;
    let (w, h) = (encoder.width, encoder.height);
    let (ready_tx, ready_rx) = sync_channel::<YUVBuffer>(IN_FLIGHT);
    let (free_tx, free_rx) = sync_channel::<YUVBuffer>(IN_FLIGHT + 1);
    for _ in 0..IN_FLIGHT + 1 {
        free_tx.send(YUVBuffer::new(w as usize, h as usize)).expect("room for every buffer");
    }
    std::thread::scope(|scope| {
        let composer = scope.spawn(move || -> Result<Duration, RenderError> {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            let mut busy = Duration::ZERO;
            for i in 0..frames {
                if ctl.cancel.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(mut yuv) = free_rx.recv() else { break };
                let started = Instant::now();
                draw(i, &mut rgb);
                rgb_to_yuv(&rgb, w, h, &mut yuv)?;
                busy += started.elapsed();
                if ready_tx.send(yuv).is_err() {
                    break; // the encoder stopped
                }
            }
            Ok(busy)
        });
        let mut done = 0;
        let mut encode = Duration::ZERO;
        let encoded = (|| {
            for yuv in ready_rx.iter() {
                let started = Instant::now();
                encoder.push_yuv(&yuv)?;
                encode += started.elapsed();
                done += 1;
                (ctl.progress)(done, frames);
                let _ = free_tx.send(yuv);
                if ctl.cancel.load(Ordering::Relaxed) {
                    return Err(RenderError::Cancelled);
                }
            }
            Ok(())
        })();
        drop(ready_rx);
        let composed = composer.join().unwrap_or_else(|_| Err(RenderError::Encode("frame composer panicked".into())));
        encoded?;
        let compose = composed?;
        if ctl.cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        if done != frames {
            return Err(RenderError::Encode(format!("only {done} of {frames} frames were encoded")));
        }
        Ok(StageTimes { compose, encode })
    })
}

/// Default video bitrate: enough for clean 720p at 25 fps with Constrained Baseline.
pub const DEFAULT_BITRATE: u32 = 2_000_000;

/// Streams RGB frames into an MP4 file, one frame at a time.
pub struct VideoEncoder {
    encoder: Encoder,
    muxer: Muxer<BufWriter<File>>,
    yuv: YUVBuffer,
    width: u32,
    height: u32,
    fps: u32,
    frames: u64,
    packet: Vec<u8>,
}

impl VideoEncoder {
    pub fn create(path: &Path, width: u32, height: u32, fps: u32, bitrate: u32) -> Result<Self, RenderError> {
        if width % 2 != 0 || height % 2 != 0 || width == 0 || height == 0 {
            return Err(RenderError::Input(format!("frame size {width}x{height} must be even and non-zero")));
        }
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(bitrate))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            // Every frame must be in the file: constant frame rate, exact frame count.
            .skip_frames(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(fps * 2))
            // One thread keeps output byte-identical across runs; frames are composed in parallel instead.
            .num_threads(1)
            .debug(false);
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let muxer = MuxerBuilder::new(file)
            .video(VideoCodec::H264, width, height, f64::from(fps))
            .audio(AudioCodec::Opus, crate::audio::SAMPLE_RATE, crate::audio::CHANNELS)
            .with_fast_start(true)
            .build()
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        Ok(VideoEncoder {
            encoder,
            muxer,
            yuv: YUVBuffer::new(width as usize, height as usize),
            width,
            height,
            fps,
            frames: 0,
            packet: Vec::new(),
        })
    }

    /// Encodes one packed RGB8 frame of the configured size.
    pub fn push_rgb(&mut self, rgb: &[u8]) -> Result<(), RenderError> {
        let mut yuv = std::mem::replace(&mut self.yuv, YUVBuffer::new(0, 0));
        let result = rgb_to_yuv(rgb, self.width, self.height, &mut yuv).and_then(|()| self.push_yuv(&yuv));
        self.yuv = yuv;
        result
    }

    /// Encodes one I420 frame of the configured size.
    pub fn push_yuv(&mut self, yuv: &YUVBuffer) -> Result<(), RenderError> {
        let bitstream = self.encoder.encode(yuv).map_err(|e| RenderError::Encode(e.to_string()))?;
        let keyframe = matches!(bitstream.frame_type(), FrameType::IDR | FrameType::I);
        self.packet.clear();
        bitstream.write_vec(&mut self.packet);
        if self.packet.is_empty() {
            return Err(RenderError::Encode(format!("encoder skipped frame {}", self.frames)));
        }
        let pts = self.frames as f64 / f64::from(self.fps);
        self.muxer.write_video(pts, &self.packet, keyframe).map_err(|e| RenderError::Encode(e.to_string()))?;
        self.frames += 1;
        Ok(())
    }

    /// Adds the soundtrack: 20 ms Opus packets starting at time 0.
    pub fn push_audio(&mut self, packets: &[Vec<u8>]) -> Result<(), RenderError> {
        for (i, packet) in packets.iter().enumerate() {
            let pts = (i * crate::audio::FRAME) as f64 / f64::from(crate::audio::SAMPLE_RATE);
            self.muxer.write_audio(pts, packet).map_err(|e| RenderError::Encode(e.to_string()))?;
        }
        Ok(())
    }

    /// Writes the index (`moov` before `mdat`) and flushes the file.
    pub fn finish(self) -> Result<u64, RenderError> {
        let frames = self.frames;
        let mut muxer = self.muxer;
        muxer.finish_in_place().map_err(|e| RenderError::Encode(e.to_string()))?;
        let mut writer = muxer.into_writer();
        std::io::Write::flush(&mut writer)?;
        writer.into_inner().map_err(|e| RenderError::Io(e.into_error()))?.sync_all()?;
        Ok(frames)
    }
}
