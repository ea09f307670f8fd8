//! Lanes of GOPs: a video cut into groups of pictures that each open with a
//! keyframe, dealt to encoders that run side by side, each composing a frame
//! (through the caller's [`DrawFn`]) and then encoding it.

use crate::audio::AudioCodec;
use crate::band::{Band, DrawFn};
use crate::h264::{H264Encoder, H264Settings, Packet};
use crate::mp4::{Mp4Writer, MAX_BITRATE};
use crate::yuv::I420;
use crate::{CodecError, EncodeControl, StageTimes, VideoFormat};
use std::path::Path;

/// How many encoders run side by side by default, each single-threaded on
/// its own core with no synchronisation per frame (slices of one frame on
/// several threads would meet at every frame and leave cores idle; see
/// docs/benchmarks.md). A setting of the render
/// ([`EncodeControl::lanes`]), not the machine's core count: the same
/// inputs and lanes must give the same bytes everywhere. Threads of the pool
/// beyond the lanes compose frames ahead for them (see [`encode_lanes`]).
pub const LANES: usize = 2;

/// The most lanes a render may ask for: an even number of GOPs shares
/// evenly between two lanes, not between more.
pub const MAX_LANES: usize = 2;

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
/// (titles appear, a silhouette grows), and halves would leave one core
/// idle at the end; interleaved shares cancel a steady trend in cost.
/// `lanes` is 1 or 2 ([`MAX_LANES`]; values outside are clamped): one lane
/// takes every GOP.
pub fn plan(frames: u32, fps: u32, lanes: usize) -> Vec<LanePlan> {
    let count = lanes.clamp(1, MAX_LANES);
    let mut lanes = vec![LanePlan { gops: Vec::new() }; count];
    for (g, range) in gops(frames, fps).into_iter().enumerate() {
        lanes[g.count_ones() as usize % count].gops.push(range);
    }
    lanes.retain(|lane| !lane.gops.is_empty());
    lanes
}

/// Composes and encodes every frame: each of `ctl.lanes` lanes (see
/// [`plan`]) on its own (rayon) thread with its own encoder, composing a
/// frame then encoding it, so memory holds a frame or two per thread plus
/// the compressed packets. The pool's threads beyond the lanes, and a lane's
/// thread once its lane is done, compose frames ahead for the lanes still
/// encoding (see [`help_lanes`]): with a core to spare, composition hides
/// behind encoding, and a lane with costlier frames doesn't leave a core
/// idle at the end. Checks `ctl.cancel` (and the other lanes' failure) every
/// frame; reports progress across lanes. Returns the packets in frame order.
pub fn encode_lanes(
    format: VideoFormat,
    max_bitrate: u32,
    draw: &DrawFn<'_>,
    ctl: &EncodeControl<'_>,
) -> Result<(Vec<Packet>, StageTimes), CodecError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    let VideoFormat { width, height, fps, frames } = format;
    let settings = H264Settings { width, height, fps, max_bitrate };
    let done = AtomicU32::new(0);
    let failed = AtomicBool::new(false);
    let stop = || ctl.cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed);
    let lanes: Vec<Lane> = plan(frames, fps, ctl.lanes).iter().map(Lane::new).collect();
    let pulse = Pulse::default();
    // A bug in a layer must fail this render, not the process.
    let compose = |i: u32, rgb: &mut Vec<u8>, yuv: &mut I420| {
        let mut convert = |band: Band<'_>| yuv.read_band(&band);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(i, rgb, &mut convert)))
            .map_err(|_| CodecError::Encode(format!("composing frame {i} panicked")))?;
        Ok::<(), CodecError>(())
    };
    let help = |rgb: &mut Vec<u8>| help_lanes(&lanes, &pulse, rgb, (width, height), &compose, &stop);
    let run_lane = |lane: &Lane| -> Result<LaneOutput, CodecError> {
        let mut rgb = vec![0u8; (width * height * 3) as usize];
        let mut times = StageTimes::default();
        let result = (|| {
            let mut encoder = H264Encoder::new(settings)?;
            let mut yuv = I420::new(width, height);
            let mut packets = Vec::with_capacity(lane.frames.len());
            lane.running.store(true, Ordering::Release);
            for (at, &(i, force_keyframe)) in lane.frames.iter().enumerate() {
                if stop() {
                    return Err(CodecError::Cancelled);
                }
                let started = std::time::Instant::now();
                let frame = if lane.claim(at) {
                    compose(i, &mut rgb, &mut yuv)?;
                    times.compose += started.elapsed();
                    None
                } else {
                    // Composed ahead by a helper (its time counts there).
                    Some(lane.take(i, &pulse, &stop).ok_or(CodecError::Cancelled)?)
                };
                let encoding = std::time::Instant::now();
                let yuv = frame.as_ref().unwrap_or(&yuv);
                packets.push((i, encode_one(&mut encoder, yuv, i, force_keyframe)?));
                times.encode += encoding.elapsed();
                if let Some(frame) = frame {
                    lane.recycle(frame);
                }
                (ctl.progress)(done.fetch_add(1, Ordering::Relaxed) + 1, frames);
            }
            Ok(packets)
        })();
        lane.running.store(false, Ordering::Release);
        pulse.bump(); // helpers waiting for this lane to make room: it won't now
        result.and_then(|packets| {
            times.compose += help(&mut rgb)?;
            Ok((packets, times))
        })
    };
    // One task per lane, then one per spare thread of the pool (none on a
    // pool no bigger than the lanes): helpers from the start.
    let spare = rayon::current_num_threads().saturating_sub(lanes.len());
    let results: Vec<_> = (0..lanes.len() + spare)
        .into_par_iter()
        .map(|k| {
            let result = match lanes.get(k) {
                Some(lane) => run_lane(lane),
                None => {
                    let mut rgb = Vec::new();
                    help(&mut rgb).map(|compose| (Vec::new(), StageTimes { compose, ..StageTimes::default() }))
                }
            };
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
                pulse.bump();
            }
            result
        })
        .collect();
    let (packets, times) = join_lanes(results, ctl.cancel.load(Ordering::Relaxed))?;
    if packets.len() != frames as usize {
        return Err(CodecError::Encode(format!("only {} of {frames} frames were encoded", packets.len())));
    }
    Ok((packets, times))
}

/// Wakes the threads of a render that wait on its lanes' queues (a lane for
/// a frame composed ahead for it, a helper for room in some queue) whenever
/// any queue changes or a lane stops. One for all lanes, so that a helper
/// waits for whichever lane makes room first.
#[derive(Default)]
struct Pulse {
    count: std::sync::Mutex<u64>,
    changed: std::sync::Condvar,
}

impl Pulse {
    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The count of changes so far, read before looking at the queues.
    fn now(&self) -> u64 {
        *self.lock()
    }

    fn bump(&self) {
        *self.lock() += 1;
        self.changed.notify_all();
    }

    /// Waits until something changed since `seen` (so nothing is missed
    /// between looking and waiting), or briefly, so callers re-check `stop`.
    fn wait(&self, seen: u64) {
        let timeout = std::time::Duration::from_millis(20);
        let count = self.lock();
        drop(self.changed.wait_timeout_while(count, timeout, |n| *n == seen));
    }
}

/// One lane's frames as they are claimed for composing: by the lane's own
/// thread, one at a time just before it encodes each, or by a helper (see
/// [`help_lanes`]), a few frames ahead. Every frame is claimed exactly once
/// (the frames before position `next` are taken).
struct Lane {
    /// The lane's frames in encoding order, each with whether to force a keyframe.
    frames: Vec<(u32, bool)>,
    /// The position in `frames` of the first frame nobody has claimed.
    next: std::sync::atomic::AtomicUsize,
    /// Whether the lane's own thread is in its frame loop.
    running: std::sync::atomic::AtomicBool,
    /// Frames composed ahead by helpers, by index, and spare buffers.
    ahead: std::sync::Mutex<(std::collections::BTreeMap<u32, I420>, Vec<I420>)>,
}

/// A locked [`Lane`] queue: frames composed ahead, and spare buffers.
type LaneQueue<'a> = std::sync::MutexGuard<'a, (std::collections::BTreeMap<u32, I420>, Vec<I420>)>;

/// Composes frame `i` into the I420 buffer, through the RGB buffer.
type ComposeFn<'a> = dyn Fn(u32, &mut Vec<u8>, &mut I420) -> Result<(), CodecError> + 'a;

/// How many frames helpers compose ahead of a lane at most.
const AHEAD: usize = 3;

impl Lane {
    fn new(plan: &LanePlan) -> Lane {
        Lane {
            frames: plan.frames().collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            running: std::sync::atomic::AtomicBool::new(false),
            ahead: std::sync::Mutex::new(Default::default()),
        }
    }

    fn queue(&self) -> LaneQueue<'_> {
        self.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether frames are left that nobody has claimed.
    fn unclaimed(&self) -> bool {
        self.next.load(std::sync::atomic::Ordering::Acquire) < self.frames.len()
    }

    /// The lane's own thread claims the frame at position `at` (its next) to
    /// compose it itself; false when a helper already has.
    fn claim(&self, at: usize) -> bool {
        use std::sync::atomic::Ordering;
        self.next.compare_exchange(at, at + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Frame `i`, composed by a helper (which is at it now); `None` if the
    /// render stops first.
    fn take(&self, i: u32, pulse: &Pulse, stop: &dyn Fn() -> bool) -> Option<I420> {
        loop {
            let seen = pulse.now();
            if let Some(frame) = self.queue().0.remove(&i) {
                pulse.bump();
                return Some(frame);
            }
            if stop() {
                return None;
            }
            pulse.wait(seen);
        }
    }

    /// Gives back a helper's buffer once its frame is encoded.
    fn recycle(&self, frame: I420) {
        self.queue().1.push(frame);
    }

    /// Claims and composes the lane's next unclaimed frame into its queue;
    /// `None` when none was left. Returns the time spent composing.
    fn compose_next(
        &self,
        pulse: &Pulse,
        rgb: &mut Vec<u8>,
        (width, height): (u32, u32),
        compose: &ComposeFn<'_>,
    ) -> Result<Option<std::time::Duration>, CodecError> {
        let Some(&(i, _)) = self.frames.get(self.next.fetch_add(1, std::sync::atomic::Ordering::AcqRel)) else {
            return Ok(None);
        };
        let mut frame = self.queue().1.pop().unwrap_or_else(|| I420::new(width, height));
        if rgb.is_empty() {
            // Zeroed by the allocator: the pages past the first band are
            // only touched if a frame must be drawn whole.
            *rgb = vec![0u8; (width * height * 3) as usize];
        }
        let started = std::time::Instant::now();
        compose(i, rgb, &mut frame)?;
        let took = started.elapsed();
        self.queue().0.insert(i, frame);
        pulse.bump();
        Ok(Some(took))
    }
}

/// A helper's loop: composes frames ahead for whichever lane has the fewest
/// waiting (and room for more), until no lane has frames left to claim, or
/// the render stops. With every queue full it waits only while a lane
/// whose queue is full is running, and so will make room: a lane that has
/// not started may be waiting for this very thread (on a pool of one).
/// Before waiting it runs a job pending in the pool, if any (another
/// render's lane, with several workers): a helper never holds a thread
/// that other work could use. Returns the time spent composing.
fn help_lanes(
    lanes: &[Lane],
    pulse: &Pulse,
    rgb: &mut Vec<u8>,
    size: (u32, u32),
    compose: &ComposeFn<'_>,
    stop: &dyn Fn() -> bool,
) -> Result<std::time::Duration, CodecError> {
    use std::sync::atomic::Ordering;
    let mut busy = std::time::Duration::ZERO;
    while !stop() {
        let seen = pulse.now();
        let mut pick: Option<(&Lane, usize)> = None;
        let mut will_make_room = false;
        for lane in lanes.iter().filter(|lane| lane.unclaimed()) {
            let waiting = lane.queue().0.len();
            if waiting >= AHEAD {
                will_make_room |= lane.running.load(Ordering::Acquire);
            } else if pick.is_none_or(|(_, fewest)| waiting < fewest) {
                pick = Some((lane, waiting));
            }
        }
        match pick {
            Some((lane, _)) => busy += lane.compose_next(pulse, rgb, size, compose)?.unwrap_or_default(),
            None if will_make_room => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    pulse.wait(seen);
                }
            }
            None => break,
        }
    }
    Ok(busy)
}

/// What a lane hands back: its packets with their frame indices, and its times.
type LaneOutput = (Vec<(u32, Packet)>, StageTimes);

/// The lanes' packets in frame order with their times summed, or the error
/// that stopped them (an encoder's own error rather than the `Cancelled`
/// the other lane saw because of it, unless the render was cancelled).
fn join_lanes(
    results: Vec<Result<LaneOutput, CodecError>>,
    cancelled: bool,
) -> Result<(Vec<Packet>, StageTimes), CodecError> {
    if cancelled {
        return Err(CodecError::Cancelled);
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
            Err(CodecError::Cancelled) => error = error.or(Some(CodecError::Cancelled)),
            Err(e) => {
                error = Some(match error {
                    Some(CodecError::Cancelled) | None => e,
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
fn encode_one(encoder: &mut H264Encoder, yuv: &I420, index: u32, keyframe: bool) -> Result<Packet, CodecError> {
    if keyframe {
        encoder.force_keyframe()?;
    }
    let mut data = Vec::new();
    let keyframe = encoder.encode(yuv, &mut data)?;
    if data.is_empty() {
        return Err(CodecError::Encode(format!("encoder skipped frame {index}")));
    }
    Ok(Packet { data, keyframe })
}

/// Encodes already composed frames to `out` with no soundtrack, shared out
/// to `lanes` lanes as in a render, and returns the time the encoders alone
/// took (the benchmark's reference for hiding composition behind encoding).
pub fn encode_frames(
    out: &Path,
    format: VideoFormat,
    frames: &[I420],
    lanes: usize,
) -> Result<std::time::Duration, CodecError> {
    use rayon::prelude::*;
    let VideoFormat { width, height, fps, .. } = format;
    let settings = H264Settings { width, height, fps, max_bitrate: MAX_BITRATE };
    let started = std::time::Instant::now();
    let results: Vec<_> = plan(frames.len() as u32, fps, lanes)
        .par_iter()
        .map(|lane| -> Result<LaneOutput, CodecError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::band::whole_frames;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    fn run(
        frames: u32,
        lanes: usize,
        draw: impl Fn(u32, &mut [u8]) + Sync,
        cancel: &AtomicBool,
    ) -> (Result<usize, String>, u32) {
        let done = AtomicU32::new(0);
        let progress = |n: u32, _: u32| {
            done.fetch_max(n, Ordering::Relaxed);
        };
        let ctl = EncodeControl { cancel, progress: &progress, audio: AudioCodec::Opus, lanes };
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
            assert_eq!(plan(frames, fps, 1), [LanePlan { gops: gops.clone() }], "one lane takes every GOP");
            let lanes = plan(frames, fps, LANES);
            assert!(!lanes.is_empty() && lanes.len() <= LANES);
            let mut all: Vec<u32> = lanes.iter().flat_map(|l| l.frames().map(|(i, _)| i)).collect();
            all.sort_unstable();
            assert_eq!(all, (0..frames).collect::<Vec<_>>(), "every frame in exactly one lane");
            let shares: Vec<usize> = lanes.iter().map(|l| l.frames().count()).collect();
            assert!(shares.iter().max().unwrap() - shares.iter().min().unwrap() <= 2, "{frames}: {shares:?}");
        }
        assert_eq!(gops(150, 25), [0..37, 37..75, 75..112, 112..150]);
        // Interleaved (Thue–Morse: A B B A), not halves: a steady rise in cost is shared out.
        let lanes = plan(150, 25, 2);
        assert_eq!(lanes[0].gops, [0..37, 112..150]);
        assert_eq!(lanes[1].gops, [37..75, 75..112]);
        assert_eq!(plan(250, 25, 2)[0].gops, [0..41, 125..166, 208..250]);
        assert_eq!(plan(150, 25, 9), plan(150, 25, MAX_LANES), "clamped");
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
        let ctl = EncodeControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus, lanes: LANES };
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
    /// not a bare "cancelled"), and the other lane stops early; so does a
    /// failure in a spare thread composing ahead for a single lane.
    #[test]
    fn a_failing_lane_ends_the_render_with_its_error() {
        for lanes in [2, 1] {
            let cancel = AtomicBool::new(false);
            let slow = |i: u32, frame: &mut [u8]| {
                assert!(i != 400, "layer bug at frame {i}");
                if i < 400 {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                frame.fill(90);
            };
            let (result, done) = run(800, lanes, slow, &cancel);
            let e = result.expect_err("the composer's error");
            assert!(e.contains("frame 400 panicked"), "{lanes} lanes: {e}");
            assert!(done < 800, "{lanes} lanes: the healthy lane stopped early ({done} frames done)");
        }
    }

    /// The packets of a 40-frame 64×48 render with `lanes` lanes, on the current pool.
    fn render_packets(draw: &(dyn Fn(u32, &mut [u8]) + Sync), lanes: usize) -> Vec<Vec<u8>> {
        let cancel = AtomicBool::new(false);
        let progress = |_: u32, _: u32| {};
        let ctl = EncodeControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus, lanes };
        let format = VideoFormat { width: 64, height: 48, fps: 25, frames: 40 };
        let draw = whole_frames(draw, format.width);
        let (packets, _) = encode_lanes(format, MAX_BITRATE, &draw, &ctl).unwrap();
        packets.into_iter().map(|p| p.data).collect()
    }

    /// [`render_packets`] on a pool of `threads` threads.
    fn packets(draw: &(dyn Fn(u32, &mut [u8]) + Sync), threads: usize, lanes: usize) -> Vec<Vec<u8>> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| render_packets(draw, lanes))
    }

    /// Composes frame `i` (slowly from frame `slow_from` on, 15 ms; 1 ms
    /// before), noting which threads composed slow frames.
    fn noted_draw(
        threads: &std::sync::Mutex<std::collections::HashSet<std::thread::ThreadId>>,
        slow_from: u32,
    ) -> impl Fn(u32, &mut [u8]) + Sync + '_ {
        move |i: u32, frame: &mut [u8]| {
            if i >= slow_from {
                threads.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(std::time::Duration::from_millis(15));
            } else {
                // Not instant: a fast lane must not be done before the slow
                // one has started and claimed its first frame.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            frame.iter_mut().enumerate().for_each(|(j, b)| *b = (i as usize * 7 + j / 5) as u8);
        }
    }

    /// A thread whose lane is done composes frames for the slower one,
    /// and the bytes are the same however the frames were shared out; on a
    /// pool of one thread (no one to help, nothing to wait for) it finishes.
    #[test]
    fn idle_threads_compose_ahead_without_changing_the_bytes() {
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        // The second lane (the second GOP) is the slow one.
        let draw = noted_draw(&threads, 20);
        let two = packets(&draw, 2, 2);
        assert_eq!(threads.lock().unwrap().len(), 2, "both threads composed frames of the slow lane");
        assert_eq!(packets(&draw, 1, 2), two, "same bytes on one thread");
        assert_eq!(packets(&draw, 2, 2), two, "same bytes again");
        assert_eq!(packets(&draw, 3, 2), two, "same bytes with a spare thread");
    }

    /// With one lane, the pool's other threads compose ahead for it from the
    /// start (composition hidden behind encoding when a core is spare); the
    /// bytes don't depend on who composed, but do on the number of lanes.
    #[test]
    fn spare_threads_compose_ahead_for_a_single_lane() {
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let draw = noted_draw(&threads, 0);
        // Two spare threads: frames composed on at least two threads, so by
        // a spare one (the lane's own thread may compose none: a helper
        // claims each next frame before the lane gets to it).
        let one = packets(&draw, 3, 1);
        assert!(threads.lock().unwrap().len() >= 2, "spare threads composed frames");
        assert_eq!(packets(&draw, 1, 1), one, "same bytes on one thread");
        assert_eq!(packets(&draw, 2, 1), one, "same bytes with one spare thread");
        assert_eq!(one.len(), 40);
        assert_ne!(packets(&draw, 2, 2), one, "two lanes carry different encoder state");
    }

    /// Two renders on one pool (a server with two workers), each with a
    /// spare thread's helper that may run the other's jobs while it waits:
    /// both finish, with the bytes each makes alone.
    #[test]
    fn renders_sharing_a_pool_finish_with_their_own_bytes() {
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let (slow, fast) = (noted_draw(&threads, 10), noted_draw(&threads, 40));
        let alone = (packets(&slow, 1, 1), packets(&fast, 1, 2));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let both = pool.install(|| rayon::join(|| render_packets(&slow, 1), || render_packets(&fast, 2)));
        assert!(both == alone, "each render's bytes as alone");
    }

    /// Constant quality under a ceiling: noise (new every frame) is held to
    /// about the bitrate ceiling, while a slowly moving gradient stays far
    /// below it, at the finest quantiser.
    #[test]
    fn the_bitrate_has_a_ceiling_and_clean_pictures_stay_below_it() {
        let cancel = AtomicBool::new(false);
        let progress = |_: u32, _: u32| {};
        let ctl = EncodeControl { cancel: &cancel, progress: &progress, audio: AudioCodec::Opus, lanes: LANES };
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
        let (result, done) = run(400, LANES, draw, &cancel);
        assert_eq!(result.expect_err("cancelled"), "render cancelled");
        assert!(done < 400);
    }
}
