//! A whole MP4 from a frame-drawing function and the soundtrack's samples.

use crate::band::BandSink;
use crate::lanes::encode_lanes;
use crate::mp4::{Mp4Writer, MAX_BITRATE};
use crate::{CodecError, EncodeControl, StageTimes, VideoFormat};
use std::path::Path;

/// Writes a whole MP4: `prepare` makes the scene's frame-drawing function,
/// whose frames are composed and encoded by [`LANES`] encoders side by side
/// ([`encode_lanes`]); the soundtrack is synthesized and encoded (with
/// `ctl.audio`; `pcm` makes its interleaved stereo samples at
/// [`audio::SAMPLE_RATE`]) on its own thread meanwhile, from the start (it needs no
/// frames, and preparing leaves a core idle); then both are muxed with the
/// index up front.
pub fn write_video<D, E>(
    out: &Path,
    format: VideoFormat,
    pcm: impl FnOnce() -> Vec<f32> + Send,
    prepare: impl FnOnce() -> Result<D, E>,
    ctl: &EncodeControl<'_>,
) -> Result<StageTimes, E>
where
    D: Fn(u32, &mut [u8], &mut BandSink<'_>) + Sync,
    E: From<CodecError>,
{
    let mut mp4 = Mp4Writer::create(out, format, ctl.audio)?;
    std::thread::scope(|scope| {
        let audio = scope.spawn(|| {
            let started = std::time::Instant::now();
            let packets = ctl.audio.encode(&pcm());
            (packets, started.elapsed())
        });
        let started = std::time::Instant::now();
        let draw = prepare()?;
        let prepared = started.elapsed();
        let (video, mut times) = encode_lanes(format, MAX_BITRATE, &draw, ctl)?;
        times.prepare = prepared;
        let (packets, audio_time) =
            audio.join().map_err(|_| CodecError::Encode("soundtrack thread panicked".into()))?;
        times.audio = audio_time;
        let started = std::time::Instant::now();
        for packet in &video {
            mp4.push_video(packet)?;
        }
        mp4.push_audio(&packets?)?;
        mp4.finish()?;
        times.encode += started.elapsed();
        Ok(times)
    })
}
