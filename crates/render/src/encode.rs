//! H.264 (openh264, Constrained Baseline) into a fast-start MP4 (muxide).

use crate::audio::AudioCodec;
use crate::h264::{H264Encoder, H264Settings};
use crate::yuv::I420;
use crate::RenderError;
use muxide::api::{Muxer, MuxerBuilder, VideoCodec};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

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

/// Writes a whole MP4: `prepare` makes the scene's frame-drawing function,
/// whose frames are composed and encoded by [`LANES`] encoders side by side
/// ([`encode_lanes`]); the soundtrack is synthesized and encoded (with
/// `ctl.audio`) on its own thread meanwhile, from the start (it needs no
/// frames, and preparing leaves a core idle); then both are muxed with the
/// index up front.
pub fn write_video<D: Fn(u32, &mut [u8], &mut BandSink<'_>) + Sync>(
    out: &Path,
    format: VideoFormat,
    soundtrack: &crate::audio::Soundtrack,
    prepare: impl FnOnce() -> Result<D, RenderError>,
    ctl: &crate::RenderControl<'_>,
) -> Result<StageTimes, RenderError> {
    let secs = f64::from(format.frames) / f64::from(format.fps);
    let mut mp4 = Mp4Writer::create(out, format, ctl.audio)?;
    std::thread::scope(|scope| {
        let audio = scope.spawn(|| {
            let started = std::time::Instant::now();
            let packets = ctl.audio.encode(&crate::audio::soundtrack(secs, soundtrack));
            (packets, started.elapsed())
        });
        let started = std::time::Instant::now();
        let draw = prepare()?;
        let prepared = started.elapsed();
        let (video, mut times) = encode_lanes(format, MAX_BITRATE, &draw, ctl)?;
        times.prepare = prepared;
        let (packets, audio_time) =
            audio.join().map_err(|_| RenderError::Encode("soundtrack thread panicked".into()))?;
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

/// A finished band of a frame, as a [`DrawFn`] hands it over.
pub struct Band<'a> {
    /// The rows' packed RGB8 bytes.
    pub rgb: &'a [u8],
    /// Which rows of the frame they are.
    pub rows: std::ops::Range<u32>,
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

/// How many encoders run side by side, each single-threaded on its own core
/// with no synchronisation per frame (two slices per frame, whose threads
/// meet at every frame, left cores idle: on 2 cores Run for Life went from
/// 1.82 s to 1.53 s). A constant, not the machine's core count: the same
/// inputs must give the same bytes everywhere.
pub const LANES: usize = 2;

/// The video's groups of pictures: an even number of them (so that the
/// lanes get equal shares), each at most 2 s long (rounded to whole frames),
/// opening with a keyframe and decodable on its own. Not shorter: a keyframe
/// costs about three P-frames' bits, and on noise-like pictures it is what
/// strains the bitrate ceiling. 6 s at 25 fps gets 4 GOPs.
pub fn gops(frames: u32, fps: u32) -> Vec<std::ops::Range<u32>> {
    let pair = 4 * fps.max(1); // frames in two of the longest GOPs
    let n = (2 * frames.div_ceil(pair).max(1)).min(frames).max(1);
    (0..n).map(|k| frames * k / n..frames * (k + 1) / n).collect()
}

/// One lane's share of a video: the GOPs its encoder encodes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct LanePlan {
    pub gops: Vec<std::ops::Range<u32>>,
}

impl LanePlan {
    /// Its frames in encoding order, each with whether the encoder must be
    /// told to make it a keyframe: it opens a GOP, other than the lane's
    /// first (an encoder's first frame is one anyway).
    pub fn frames(&self) -> impl Iterator<Item = (u32, bool)> + '_ {
        self.gops.iter().enumerate().flat_map(|(k, g)| g.clone().map(move |i| (i, k > 0 && i == g.start)))
    }
}

/// Which GOPs each lane encodes. GOPs are dealt out along the Thue–Morse
/// sequence (A B B A B A A B …), not in halves: later frames often cost more
/// (titles appear, a silhouette grows), and halves then left one core idle
/// at the end (Run for Life: the first half was done 0.12 s before the
/// second); interleaved shares cancel a steady trend in cost.
pub fn plan(frames: u32, fps: u32) -> Vec<LanePlan> {
    let mut lanes = vec![LanePlan { gops: Vec::new() }; LANES];
    for (g, range) in gops(frames, fps).into_iter().enumerate() {
        lanes[g.count_ones() as usize % LANES].gops.push(range);
    }
    lanes.retain(|lane| !lane.gops.is_empty());
    lanes
}

/// One encoded frame (Annex B NAL units).
#[derive(Debug, Clone)]
pub struct Packet {
    pub data: Vec<u8>,
    pub keyframe: bool,
}

/// Composes and encodes every frame: each lane (see [`plan`]) on its own
/// (rayon) thread with its own encoder, composing a frame then encoding it,
/// so memory holds one frame per lane plus the compressed packets. A thread
/// whose lane is done helps the others by composing their next frames ahead
/// (see [`Lane`]), so a lane with costlier frames doesn't leave a core idle
/// at the end. Checks `ctl.cancel` (and the other lanes' failure) every
/// frame; reports progress across lanes. Returns the packets in frame order.
pub fn encode_lanes(
    format: VideoFormat,
    max_bitrate: u32,
    draw: &DrawFn<'_>,
    ctl: &crate::RenderControl<'_>,
) -> Result<(Vec<Packet>, StageTimes), RenderError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    let VideoFormat { width, height, fps, frames } = format;
    let settings = H264Settings { width, height, fps, max_bitrate };
    let done = AtomicU32::new(0);
    let failed = AtomicBool::new(false);
    let stop = || ctl.cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed);
    let lanes: Vec<Lane> = plan(frames, fps).iter().map(Lane::new).collect();
    // A bug in a layer must fail this render, not the process.
    let compose = |i: u32, rgb: &mut Vec<u8>, yuv: &mut I420| {
        let mut convert = |band: Band<'_>| yuv.read_band(&band);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(i, rgb, &mut convert)))
            .map_err(|_| RenderError::Encode(format!("composing frame {i} panicked")))?;
        Ok::<(), RenderError>(())
    };
    let run_lane = |k: usize| -> Result<LaneOutput, RenderError> {
        let lane = &lanes[k];
        let mut rgb = vec![0u8; (width * height * 3) as usize];
        let mut times = StageTimes::default();
        let result = (|| {
            let mut encoder = H264Encoder::new(settings)?;
            let mut yuv = I420::new(width, height);
            let mut packets = Vec::with_capacity(lane.frames.len());
            lane.running.store(true, Ordering::Release);
            for (at, &(i, force_keyframe)) in lane.frames.iter().enumerate() {
                if stop() {
                    return Err(RenderError::Cancelled);
                }
                let started = std::time::Instant::now();
                let frame = if lane.claim(at) {
                    compose(i, &mut rgb, &mut yuv)?;
                    None
                } else {
                    Some(lane.take(i, &stop).ok_or(RenderError::Cancelled)?)
                };
                let composed = std::time::Instant::now();
                let yuv = frame.as_ref().unwrap_or(&yuv);
                packets.push((i, encode_one(&mut encoder, yuv, i, force_keyframe)?));
                if let Some(frame) = frame {
                    lane.recycle(frame);
                }
                times.compose += composed - started;
                times.encode += composed.elapsed();
                (ctl.progress)(done.fetch_add(1, Ordering::Relaxed) + 1, frames);
            }
            Ok(packets)
        })();
        lane.running.store(false, Ordering::Release);
        let result = result.and_then(|packets| {
            // Done: compose ahead for the lanes still running.
            for other in lanes.iter().filter(|l| !std::ptr::eq(*l, lane)) {
                times.compose += other.help(&mut rgb, (width, height), &compose, &stop)?;
            }
            Ok((packets, times))
        });
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
            lanes.iter().for_each(Lane::wake);
        }
        result
    };
    let results: Vec<_> = (0..lanes.len()).into_par_iter().map(run_lane).collect();
    let (packets, times) = join_lanes(results, ctl.cancel.load(Ordering::Relaxed))?;
    if packets.len() != frames as usize {
        return Err(RenderError::Encode(format!("only {} of {frames} frames were encoded", packets.len())));
    }
    Ok((packets, times))
}

/// One lane's frames as they are claimed for composing: by the lane's own
/// thread, one at a time just before it encodes each, or by a thread whose
/// lane is done, a few frames ahead. Every frame is claimed exactly once
/// (the frames before position `next` are taken). A helper never waits for
/// a lane that has not started (on a pool of one thread that would be a
/// deadlock): with its queue full it only waits while the lane's thread is
/// running and so consuming.
struct Lane {
    /// The lane's frames in encoding order, each with whether to force a keyframe.
    frames: Vec<(u32, bool)>,
    /// The position in `frames` of the first frame nobody has claimed.
    next: std::sync::atomic::AtomicUsize,
    /// Whether the lane's own thread is in its frame loop.
    running: std::sync::atomic::AtomicBool,
    /// Frames composed ahead by helpers, by index, and spare buffers.
    ahead: std::sync::Mutex<(std::collections::BTreeMap<u32, I420>, Vec<I420>)>,
    changed: std::sync::Condvar,
}

/// A locked [`Lane`] queue: frames composed ahead, and spare buffers.
type LaneQueue<'a> = std::sync::MutexGuard<'a, (std::collections::BTreeMap<u32, I420>, Vec<I420>)>;

/// Composes frame `i` into the I420 buffer, through the RGB buffer.
type ComposeFn<'a> = dyn Fn(u32, &mut Vec<u8>, &mut I420) -> Result<(), RenderError> + 'a;

/// How many frames a helper composes ahead of a lane at most.
const AHEAD: usize = 3;

impl Lane {
    fn new(plan: &LanePlan) -> Lane {
        Lane {
            frames: plan.frames().collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            running: std::sync::atomic::AtomicBool::new(false),
            ahead: std::sync::Mutex::new(Default::default()),
            changed: std::sync::Condvar::new(),
        }
    }

    fn queue(&self) -> LaneQueue<'_> {
        self.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lane's own thread claims the frame at position `at` (its next) to
    /// compose it itself; false when a helper already has.
    fn claim(&self, at: usize) -> bool {
        use std::sync::atomic::Ordering;
        self.next.compare_exchange(at, at + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Frame `i`, composed by a helper (which is at it now); `None` if the
    /// render stops first.
    fn take(&self, i: u32, stop: &dyn Fn() -> bool) -> Option<I420> {
        let mut queue = self.queue();
        loop {
            if let Some(frame) = queue.0.remove(&i) {
                self.changed.notify_all();
                return Some(frame);
            }
            if stop() {
                return None;
            }
            queue = self.wait(queue);
        }
    }

    /// Waits (briefly, so callers can re-check `stop`) for the queue to change.
    fn wait<'a>(&self, queue: LaneQueue<'a>) -> LaneQueue<'a> {
        let timeout = std::time::Duration::from_millis(20);
        self.changed.wait_timeout(queue, timeout).unwrap_or_else(std::sync::PoisonError::into_inner).0
    }

    /// Gives back a helper's buffer once its frame is encoded.
    fn recycle(&self, frame: I420) {
        self.queue().1.push(frame);
    }

    fn wake(&self) {
        self.changed.notify_all();
    }

    /// Composes this lane's unclaimed frames ahead of it until none is left,
    /// the queue is full while the lane is not running, or the render stops.
    /// Returns the time spent composing.
    fn help(
        &self,
        rgb: &mut Vec<u8>,
        (width, height): (u32, u32),
        compose: &ComposeFn<'_>,
        stop: &dyn Fn() -> bool,
    ) -> Result<std::time::Duration, RenderError> {
        use std::sync::atomic::Ordering;
        let mut busy = std::time::Duration::ZERO;
        loop {
            {
                let mut queue = self.queue();
                while queue.0.len() >= AHEAD {
                    if stop() || !self.running.load(Ordering::Acquire) {
                        return Ok(busy);
                    }
                    queue = self.wait(queue);
                }
            }
            if stop() {
                return Ok(busy);
            }
            let Some(&(i, _)) = self.frames.get(self.next.fetch_add(1, Ordering::AcqRel)) else {
                return Ok(busy);
            };
            let mut frame = self.queue().1.pop().unwrap_or_else(|| I420::new(width, height));
            let started = std::time::Instant::now();
            compose(i, rgb, &mut frame)?;
            busy += started.elapsed();
            self.queue().0.insert(i, frame);
            self.changed.notify_all();
        }
    }
}

/// What a lane hands back: its packets with their frame indices, and its times.
type LaneOutput = (Vec<(u32, Packet)>, StageTimes);

/// The lanes' packets in frame order with their times summed, or the error
/// that stopped them (an encoder's own error rather than the `Cancelled`
/// the other lane saw because of it, unless the render was cancelled).
fn join_lanes(
    results: Vec<Result<LaneOutput, RenderError>>,
    cancelled: bool,
) -> Result<(Vec<Packet>, StageTimes), RenderError> {
    if cancelled {
        return Err(RenderError::Cancelled);
    }
    let mut packets = Vec::new();
    let mut times = StageTimes::default();
    let mut error = None;
    for result in results {
        match result {
            Ok((p, t)) => {
                packets.extend(p);
                times.compose += t.compose;
                times.encode += t.encode;
            }
            Err(RenderError::Cancelled) => error = error.or(Some(RenderError::Cancelled)),
            Err(e) => {
                error = Some(match error {
                    Some(RenderError::Cancelled) | None => e,
                    Some(first) => first,
                })
            }
        }
    }
    match error {
        Some(e) => Err(e),
        None => {
            packets.sort_unstable_by_key(|(i, _)| *i);
            Ok((packets.into_iter().map(|(_, p)| p).collect(), times))
        }
    }
}

/// Encodes frame `index`; `keyframe` forces an IDR (see [`LanePlan::frames`]).
fn encode_one(encoder: &mut H264Encoder, yuv: &I420, index: u32, keyframe: bool) -> Result<Packet, RenderError> {
    if keyframe {
        encoder.force_keyframe()?;
    }
    let mut data = Vec::new();
    let keyframe = encoder.encode(yuv, &mut data)?;
    if data.is_empty() {
        return Err(RenderError::Encode(format!("encoder skipped frame {index}")));
    }
    Ok(Packet { data, keyframe })
}

/// Encodes already composed frames to `out` with no soundtrack, shared out
/// to the same lanes as a render, and returns the time the encoders alone
/// took (the benchmark's reference for hiding composition behind encoding).
pub fn encode_frames(out: &Path, format: VideoFormat, frames: &[I420]) -> Result<std::time::Duration, RenderError> {
    use rayon::prelude::*;
    let VideoFormat { width, height, fps, .. } = format;
    let settings = H264Settings { width, height, fps, max_bitrate: MAX_BITRATE };
    let started = std::time::Instant::now();
    let results: Vec<_> = plan(frames.len() as u32, fps)
        .par_iter()
        .map(|lane| -> Result<LaneOutput, RenderError> {
            let mut encoder = H264Encoder::new(settings)?;
            let mut packets = Vec::new();
            for (i, force_keyframe) in lane.frames() {
                packets.push((i, encode_one(&mut encoder, &frames[i as usize], i, force_keyframe)?));
            }
            Ok((packets, StageTimes::default()))
        })
        .collect();
    let took = started.elapsed();
    let (packets, _) = join_lanes(results, false)?;
    let mut mp4 = Mp4Writer::create(out, format, AudioCodec::Opus)?;
    for packet in &packets {
        mp4.push_video(packet)?;
    }
    mp4.finish()?;
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

/// The video's bitrate ceiling (bits per second, on average). Below it the
/// encoder holds a constant quality ([`crate::h264::FINEST_QP`]), so simple
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
    pub fn create(path: &Path, format: VideoFormat, audio: AudioCodec) -> Result<Self, RenderError> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mux_codec = match audio {
            AudioCodec::Opus => muxide::api::AudioCodec::Opus,
            #[cfg(feature = "aac")]
            AudioCodec::Aac => muxide::api::AudioCodec::Aac(muxide::api::AacProfile::Lc),
        };
        let muxer = MuxerBuilder::new(file)
            .video(VideoCodec::H264, format.width, format.height, f64::from(format.fps))
            .audio(mux_codec, crate::audio::SAMPLE_RATE, crate::audio::CHANNELS)
            .with_fast_start(true)
            .build()
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        Ok(Mp4Writer { muxer, fps: format.fps, frames: 0, audio })
    }

    /// Adds the next frame's packet.
    pub fn push_video(&mut self, packet: &Packet) -> Result<(), RenderError> {
        let pts = self.frames as f64 / f64::from(self.fps);
        self.muxer.write_video(pts, &packet.data, packet.keyframe).map_err(|e| RenderError::Encode(e.to_string()))?;
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

    /// Writes the index (`moov` before `mdat`) and flushes the file to the
    /// OS. Not to disk: making it durable is the job of whoever keeps it
    /// (the server's blob store syncs it before the task is marked done; a
    /// file from `videoagent render` needs no more than any other program's
    /// output).
    pub fn finish(self) -> Result<u64, RenderError> {
        let frames = self.frames;
        let mut muxer = self.muxer;
        muxer.finish_in_place().map_err(|e| RenderError::Encode(e.to_string()))?;
        let mut writer = muxer.into_writer();
        std::io::Write::flush(&mut writer)?;
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    fn run(frames: u32, draw: impl Fn(u32, &mut [u8]) + Sync, cancel: &AtomicBool) -> (Result<usize, String>, u32) {
        let done = AtomicU32::new(0);
        let progress = |n: u32, _: u32| {
            done.fetch_max(n, Ordering::Relaxed);
        };
        let ctl = crate::RenderControl { cancel, progress: &progress, audio: AudioCodec::Opus };
        let format = VideoFormat { width: 64, height: 48, fps: 25, frames };
        let draw = whole_frames(draw, format.width);
        let result = encode_lanes(format, MAX_BITRATE, &draw, &ctl).map(|(p, _)| p.len()).map_err(|e| e.to_string());
        (result, done.load(Ordering::Relaxed))
    }

    #[test]
    fn gops_cover_every_frame_once_and_lanes_share_them_evenly() {
        for (frames, fps) in
            [(0, 25), (1, 25), (2, 25), (3, 25), (40, 25), (110, 25), (125, 25), (150, 25), (151, 30), (250, 25)]
        {
            let gops = gops(frames, fps);
            assert_eq!(gops.first().unwrap().start, 0);
            assert_eq!(gops.last().unwrap().end, frames);
            assert!(gops.windows(2).all(|p| p[0].end == p[1].start));
            if frames >= 2 {
                assert!(gops.len() % 2 == 0 && gops.iter().all(|g| !g.is_empty()), "{frames}: {gops:?}");
                assert!(gops.iter().all(|g| g.len() as u32 <= 2 * fps), "{frames}: GOPs of 2 s at most");
            }
            let lanes = plan(frames, fps);
            assert!(!lanes.is_empty() && lanes.len() <= LANES);
            let mut all: Vec<u32> = lanes.iter().flat_map(|l| l.frames().map(|(i, _)| i)).collect();
            all.sort_unstable();
            assert_eq!(all, (0..frames).collect::<Vec<_>>(), "every frame in exactly one lane");
            let shares: Vec<usize> = lanes.iter().map(|l| l.frames().count()).collect();
            assert!(shares.iter().max().unwrap() - shares.iter().min().unwrap() <= 2, "{frames}: {shares:?}");
        }
        assert_eq!(gops(150, 25), [0..37, 37..75, 75..112, 112..150]);
        // Interleaved (Thue–Morse: A B B A), not halves: a steady rise in cost is shared out.
        let lanes = plan(150, 25);
        assert_eq!(lanes[0].gops, [0..37, 112..150]);
        assert_eq!(lanes[1].gops, [37..75, 75..112]);
        assert_eq!(plan(250, 25)[0].gops, [0..41, 125..166, 208..250]);
    }

    /// Every frame is encoded, exactly the frames that open a GOP are
    /// keyframes, and progress counts up to the total across lanes.
    #[test]
    fn gops_open_with_keyframes_and_progress_is_reported() {
        let done = AtomicU32::new(0);
        let progress = |n: u32, _: u32| {
            done.fetch_max(n, Ordering::Relaxed);
        };
        let cancel = AtomicBool::new(false);
        let ctl = crate::RenderControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus };
        let format = VideoFormat { width: 64, height: 48, fps: 10, frames: 60 };
        let draw = |i: u32, frame: &mut [u8]| {
            frame.iter_mut().enumerate().for_each(|(j, b)| *b = (i as usize * 3 + j) as u8);
        };
        let (packets, _) = encode_lanes(format, MAX_BITRATE, &whole_frames(draw, format.width), &ctl).unwrap();
        assert_eq!(packets.len(), 60);
        let keyframes: Vec<usize> = packets.iter().enumerate().filter(|(_, p)| p.keyframe).map(|(i, _)| i).collect();
        let opens: Vec<usize> = gops(60, 10).iter().map(|g| g.start as usize).collect();
        assert_eq!(keyframes, opens);
        assert_eq!(done.load(Ordering::Relaxed), 60);
        // Each GOP decodes on its own: its first packet is an IDR picture with its parameter sets.
        for &k in &opens {
            let nal_types: Vec<u8> =
                packets[k].data.windows(4).filter(|w| w[..3] == [0, 0, 1]).map(|w| w[3] & 0x1f).collect();
            assert!(
                nal_types.contains(&7) && nal_types.contains(&8) && nal_types.contains(&5),
                "GOP at {k}: {nal_types:?}"
            );
        }
    }

    /// A failing lane ends the whole render with its error (not a hang,
    /// not a bare "cancelled"), and the other lane stops early.
    #[test]
    fn a_failing_lane_ends_the_render_with_its_error() {
        let cancel = AtomicBool::new(false);
        let slow = |i: u32, frame: &mut [u8]| {
            assert!(i != 400, "layer bug at frame {i}");
            if i < 400 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            frame.fill(90);
        };
        let (result, done) = run(800, slow, &cancel);
        let e = result.expect_err("the composer's error");
        assert!(e.contains("frame 400 panicked"), "{e}");
        assert!(done < 800, "the healthy lane stopped early ({done} frames done)");
    }

    fn packets(draw: &(dyn Fn(u32, &mut [u8]) + Sync), threads: usize) -> Vec<Vec<u8>> {
        let cancel = AtomicBool::new(false);
        let progress = |_: u32, _: u32| {};
        let ctl = crate::RenderControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus };
        let format = VideoFormat { width: 64, height: 48, fps: 25, frames: 40 };
        let draw = whole_frames(draw, format.width);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let (packets, _) = pool.install(|| encode_lanes(format, MAX_BITRATE, &draw, &ctl)).unwrap();
        packets.into_iter().map(|p| p.data).collect()
    }

    /// A thread whose lane is done composes frames for the slower one,
    /// and the bytes are the same however the frames were shared out; on a
    /// pool of one thread (no one to help, nothing to wait for) it finishes.
    #[test]
    fn idle_threads_compose_ahead_without_changing_the_bytes() {
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let draw = |i: u32, frame: &mut [u8]| {
            if i >= 20 {
                // The second lane (the second GOP) is the slow one.
                threads.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(std::time::Duration::from_millis(15));
            }
            frame.iter_mut().enumerate().for_each(|(j, b)| *b = (i as usize * 7 + j / 5) as u8);
        };
        let two = packets(&draw, 2);
        assert_eq!(threads.lock().unwrap().len(), 2, "both threads composed frames of the slow lane");
        assert_eq!(packets(&draw, 1), two, "same bytes on one thread");
        assert_eq!(packets(&draw, 2), two, "same bytes again");
    }

    /// Constant quality under a ceiling: noise (new every frame) is held to
    /// about the bitrate ceiling, while a slowly moving gradient stays far
    /// below it, at the finest quantiser.
    #[test]
    fn the_bitrate_has_a_ceiling_and_clean_pictures_stay_below_it() {
        let cancel = AtomicBool::new(false);
        let progress = |_: u32, _: u32| {};
        let ctl = crate::RenderControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus };
        let format = VideoFormat { width: 320, height: 240, fps: 25, frames: 100 };
        let bits = |draw: &(dyn Fn(u32, &mut [u8]) + Sync), ceiling: u32| {
            let draw = whole_frames(draw, format.width);
            let (packets, _) = encode_lanes(format, ceiling, &draw, &ctl).unwrap();
            let bytes: usize = packets.iter().map(|p| p.data.len()).sum();
            bytes as f64 * 8.0 / (f64::from(format.frames) / f64::from(format.fps))
        };
        let noise = |i: u32, frame: &mut [u8]| {
            let mut s = 0x9E37_79B9u32 ^ i.wrapping_mul(0x85EB_CA6B);
            frame.iter_mut().for_each(|b| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                *b = (s >> 24) as u8;
            });
        };
        let ceiling = 1_000_000;
        let noisy = bits(&noise, ceiling);
        assert!(noisy < 1.3 * f64::from(ceiling), "noise held near the ceiling: {noisy:.0} bit/s");
        assert!(noisy > 0.5 * f64::from(ceiling), "noise uses the bits it may: {noisy:.0} bit/s");
        let gradient = |i: u32, frame: &mut [u8]| {
            for (j, px) in frame.chunks_exact_mut(3).enumerate() {
                let (x, y) = ((j % 320) as u32, (j / 320) as u32);
                px.copy_from_slice(&[(x / 2 + i) as u8, (y / 2) as u8, 128]);
            }
        };
        let clean = bits(&gradient, ceiling);
        assert!(clean < 0.2 * f64::from(ceiling), "a clean picture stays far below: {clean:.0} bit/s");
    }

    #[test]
    fn a_cancelled_render_says_so() {
        let cancel = AtomicBool::new(false);
        let draw = |i: u32, frame: &mut [u8]| {
            if i == 10 {
                cancel.store(true, Ordering::Relaxed);
            }
            frame.fill(40);
        };
        let (result, done) = run(400, draw, &cancel);
        assert_eq!(result.expect_err("cancelled"), "render cancelled");
        assert!(done < 400);
    }
}
