//! H.264 (openh264, Constrained Baseline) into a fast-start MP4 (muxide).

use crate::audio::AudioCodec;
use crate::h264::{H264Encoder, H264Settings};
use crate::yuv::I420;
use crate::RenderError;
use muxide::api::{Muxer, MuxerBuilder, VideoCodec};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Time spent in each stage of a pipelined render (summed over frames).
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

/// Writes a whole MP4: frames from `draw` composed and encoded in a pipeline,
/// the soundtrack synthesized and encoded (with `ctl.audio`) on its own thread
/// meanwhile (it needs no frames), then both muxed with the index up front.
pub fn write_video(
    out: &Path,
    format: VideoFormat,
    soundtrack: &crate::audio::Soundtrack,
    draw: &(dyn Fn(u32, &mut [u8]) + Sync),
    ctl: &crate::RenderControl<'_>,
) -> Result<StageTimes, RenderError> {
    let VideoFormat { width, height, fps, frames } = format;
    let mut encoder = VideoEncoder::create(out, width, height, fps, DEFAULT_BITRATE, ctl.audio)?;
    let secs = f64::from(frames) / f64::from(fps);
    std::thread::scope(|scope| {
        let audio = scope.spawn(|| {
            let started = std::time::Instant::now();
            let packets = ctl.audio.encode(&crate::audio::soundtrack(secs, soundtrack));
            (packets, started.elapsed())
        });
        let mut times = encode_pipelined(&mut encoder, frames, draw, ctl)?;
        let (packets, audio_time) =
            audio.join().map_err(|_| RenderError::Encode("soundtrack thread panicked".into()))?;
        times.audio = audio_time;
        let started = std::time::Instant::now();
        encoder.push_audio(&packets?)?;
        encoder.finish()?;
        times.encode += started.elapsed();
        Ok(times)
    })
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
    let (ready_tx, ready_rx) = sync_channel::<I420>(IN_FLIGHT);
    let (free_tx, free_rx) = sync_channel::<I420>(IN_FLIGHT + 1);
    for _ in 0..IN_FLIGHT + 1 {
        free_tx.send(I420::new(w, h)).expect("room for every buffer");
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
                yuv.read_rgb(&rgb);
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
        // Both ends the composer may be blocked on must close, or it would
        // wait forever for a buffer after an encoder error or a cancel.
        drop(ready_rx);
        drop(free_tx);
        let composed = composer.join().unwrap_or_else(|_| Err(RenderError::Encode("frame composer panicked".into())));
        encoded?;
        let compose = composed?;
        if ctl.cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        if done != frames {
            return Err(RenderError::Encode(format!("only {done} of {frames} frames were encoded")));
        }
        Ok(StageTimes { compose, encode, ..StageTimes::default() })
    })
}

/// Encodes already composed frames to `out` with no soundtrack and returns
/// the time the encoder alone took (the benchmark's reference for hiding
/// composition behind encoding).
pub fn encode_frames(out: &Path, format: VideoFormat, frames: &[I420]) -> Result<std::time::Duration, RenderError> {
    let mut encoder =
        VideoEncoder::create(out, format.width, format.height, format.fps, DEFAULT_BITRATE, AudioCodec::Opus)?;
    let started = std::time::Instant::now();
    for frame in frames {
        encoder.push_yuv(frame)?;
    }
    let took = started.elapsed();
    encoder.finish()?;
    Ok(took)
}

/// Writes frames as an uncompressed YUV4MPEG2 file (I420), the lossless
/// reference a benchmark compares the MP4 against (e.g. ffmpeg's `ssim`).
pub fn write_y4m(out: &Path, format: VideoFormat, frames: &[I420]) -> Result<(), RenderError> {
    use openh264::formats::YUVSource;
    use std::io::Write;
    let mut file = BufWriter::new(File::create(out)?);
    writeln!(file, "YUV4MPEG2 W{} H{} F{}:1 Ip A1:1 C420jpeg", format.width, format.height, format.fps)?;
    let (w, h) = (format.width as usize, format.height as usize);
    for frame in frames {
        file.write_all(b"FRAME\n")?;
        let (ys, us, vs) = frame.strides();
        for (plane, stride, pw, ph) in
            [(frame.y(), ys, w, h), (frame.u(), us, w / 2, h / 2), (frame.v(), vs, w / 2, h / 2)]
        {
            for row in plane.chunks(stride).take(ph) {
                file.write_all(&row[..pw])?;
            }
        }
    }
    file.flush()?;
    Ok(())
}

/// Default video bitrate: enough for clean 720p at 25 fps with Constrained Baseline.
pub const DEFAULT_BITRATE: u32 = 2_000_000;

/// Streams RGB frames into an MP4 file, one frame at a time.
pub struct VideoEncoder {
    encoder: H264Encoder,
    muxer: Muxer<BufWriter<File>>,
    width: u32,
    height: u32,
    fps: u32,
    frames: u64,
    packet: Vec<u8>,
    audio: AudioCodec,
}

impl VideoEncoder {
    pub fn create(
        path: &Path,
        width: u32,
        height: u32,
        fps: u32,
        bitrate: u32,
        audio: AudioCodec,
    ) -> Result<Self, RenderError> {
        let encoder = H264Encoder::new(H264Settings { width, height, fps, bitrate })?;
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mux_codec = match audio {
            AudioCodec::Opus => muxide::api::AudioCodec::Opus,
            #[cfg(feature = "aac")]
            AudioCodec::Aac => muxide::api::AudioCodec::Aac(muxide::api::AacProfile::Lc),
        };
        let muxer = MuxerBuilder::new(file)
            .video(VideoCodec::H264, width, height, f64::from(fps))
            .audio(mux_codec, crate::audio::SAMPLE_RATE, crate::audio::CHANNELS)
            .with_fast_start(true)
            .build()
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        Ok(VideoEncoder { encoder, muxer, width, height, fps, frames: 0, packet: Vec::new(), audio })
    }

    /// Encodes one I420 frame of the configured size.
    pub fn push_yuv(&mut self, yuv: &I420) -> Result<(), RenderError> {
        self.packet.clear();
        let keyframe = self.encoder.encode(yuv, &mut self.packet)?;
        if self.packet.is_empty() {
            return Err(RenderError::Encode(format!("encoder skipped frame {}", self.frames)));
        }
        let pts = self.frames as f64 / f64::from(self.fps);
        self.muxer.write_video(pts, &self.packet, keyframe).map_err(|e| RenderError::Encode(e.to_string()))?;
        self.frames += 1;
        Ok(())
    }

    /// Adds the soundtrack: packets of the codec given to [`Self::create`]
    /// ([`AudioCodec::encode`]), back to back from time 0.
    pub fn push_audio(&mut self, packets: &[Vec<u8>]) -> Result<(), RenderError> {
        let frame = self.audio.frame_len();
        for (i, packet) in packets.iter().enumerate() {
            let pts = (i * frame) as f64 / f64::from(crate::audio::SAMPLE_RATE);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// An encoder error ends the render with that error, within a bound.
    /// (Closing the free-buffer channel is what keeps a composer that already
    /// used every buffer from waiting forever; that interleaving is a race
    /// this test rarely hits, so it mainly checks that the error comes back.)
    #[test]
    fn an_encoder_error_ends_the_render_instead_of_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let out = dir.path().join("x.mp4");
        std::thread::spawn(move || {
            for _ in 0..30 {
                let mut encoder = VideoEncoder::create(&out, 64, 48, 25, DEFAULT_BITRATE, AudioCodec::Opus).unwrap();
                // Frames of another size than the encoder's: its first encode fails.
                encoder.width = 66;
                let cancel = AtomicBool::new(false);
                let progress = |_: u32, _: u32| {};
                let ctl = crate::RenderControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus };
                let draw = |_: u32, frame: &mut [u8]| frame.fill(90);
                let result = encode_pipelined(&mut encoder, 50, &draw, &ctl).map(|_| ()).map_err(|e| e.to_string());
                if tx.send(result).is_err() {
                    return;
                }
            }
        });
        for _ in 0..30 {
            let result = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("the render returned");
            let e = result.expect_err("the encoder's error");
            assert!(e.contains("66x48"), "{e}");
        }
    }
}
