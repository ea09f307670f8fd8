//! Scene sequences: each scene is a full frame with its own prepared layers
//! and its own clock; transitions combine the outgoing and incoming frames.

use super::spec::{SceneSpec, TransitionKind};
use super::Scene;
use crate::geom::Rect;
use crate::raster::{blend_frames, blit_photo, smoothstep, Canvas, Opacity};
use image::RgbImage;

/// When one scene is on screen, in the sequence's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SceneTiming {
    /// First moment it is visible (its clock's zero): its entrance begins.
    pub appear: f32,
    /// Its cut point (entrance midpoint).
    pub cut: f32,
    /// Last moment it is visible: the next scene's entrance ends.
    pub vanish: f32,
    pub entrance: TransitionKind,
    pub entrance_secs: f32,
}

impl SceneTiming {
    /// How long the scene is on screen (the default end of its layers).
    pub fn shown(&self) -> f32 {
        self.vanish - self.appear
    }
}

/// Scene `i` is cut in at the sum of the durations before it; its entrance
/// (and the previous scene's exit) spans half its transition on each side.
/// The last scene stays up to the end of the video.
pub(super) fn timing(scenes: &[SceneSpec]) -> Vec<SceneTiming> {
    let mut cut = 0.0;
    let mut out: Vec<SceneTiming> = Vec::with_capacity(scenes.len());
    for (i, scene) in scenes.iter().enumerate() {
        let secs = if i == 0 || scene.transition.kind == TransitionKind::Cut { 0.0 } else { scene.transition.secs };
        out.push(SceneTiming {
            appear: cut - secs / 2.0,
            cut,
            vanish: f32::INFINITY,
            entrance: scene.transition.kind,
            entrance_secs: secs,
        });
        cut += scene.duration;
    }
    for i in 1..out.len() {
        out[i - 1].vanish = out[i].cut + out[i].entrance_secs / 2.0;
    }
    out
}

/// The newest scene that has appeared by `t` (during its entrance the
/// previous one is still up too); `None` only for an empty sequence.
pub(super) fn visible(timing: &[SceneTiming], t: f32) -> Option<usize> {
    if timing.is_empty() {
        return None;
    }
    Some(timing.iter().rposition(|at| t >= at.appear).unwrap_or(0))
}

pub(super) struct Sequence {
    scenes: Vec<Scene>,
    timing: Vec<SceneTiming>,
}

impl Sequence {
    pub fn new(scenes: Vec<Scene>, timing: Vec<SceneTiming>) -> Sequence {
        Sequence { scenes, timing }
    }

    /// The scene shown at `t` and, during its entrance, the one it replaces.
    fn at(&self, t: f32) -> Option<(usize, bool)> {
        let i = visible(&self.timing, t)?;
        let at = self.timing[i];
        Some((i, i > 0 && t < at.appear + at.entrance_secs))
    }

    /// The scenes on screen at `t` with their own clocks: one, or two
    /// during a transition (the outgoing first).
    pub fn showing(&self, t: f32) -> Vec<(&Scene, f32)> {
        let Some((i, entering)) = self.at(t) else { return Vec::new() };
        let local = |j: usize| (&self.scenes[j], t - self.timing[j].appear);
        if entering {
            vec![local(i - 1), local(i)]
        } else {
            vec![local(i)]
        }
    }

    /// Whether the frame at `t` must be drawn whole (a zoom transition
    /// samples the outgoing frame far from the rows it draws).
    pub fn needs_whole_frame(&self, t: f32) -> bool {
        let Some((i, entering)) = self.at(t) else { return false };
        let local = |j: usize| t - self.timing[j].appear;
        (entering
            && (self.timing[i].entrance == TransitionKind::Zoom || self.scenes[i - 1].needs_whole_frame(local(i - 1))))
            || self.scenes[i].needs_whole_frame(local(i))
    }

    /// Draws the canvas's rows of the sequence at time `t`, replacing them.
    pub fn draw(&self, t: f32, canvas: &mut Canvas<'_>) {
        let Some((i, entering)) = self.at(t) else { return };
        let (scene, at) = (&self.scenes[i], self.timing[i]);
        if !entering {
            scene.draw_rows(t - at.appear, canvas);
            return;
        }
        let p = smoothstep((t - at.appear) / at.entrance_secs.max(1e-3));
        let (before, before_at) = (&self.scenes[i - 1], self.timing[i - 1]);
        before.draw_rows(t - before_at.appear, canvas);
        with_scratch(canvas.bytes().len(), |incoming| {
            let mut incoming = Canvas::new(incoming, canvas.size(), canvas.rows.clone());
            scene.draw_rows(t - at.appear, &mut incoming);
            combine(at.entrance, p, canvas, incoming.bytes());
        });
    }
}

/// Runs `f` with a scratch buffer of `len` bytes (a band's or a frame's),
/// reused by later frames on this thread (one per nesting level; the
/// contents are stale).
fn with_scratch(len: usize, f: impl FnOnce(&mut [u8])) {
    thread_local! {
        static POOL: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut buffer = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default();
    buffer.resize(len, 0);
    f(&mut buffer);
    // Keep buffers of up to 1080p for the next frame; larger ones go.
    if len <= 1920 * 1080 * 3 {
        POOL.with(|p| p.borrow_mut().push(buffer));
    }
}

/// Puts the transition at progress `p` (0 = all the canvas, 1 = all
/// `incoming`, the same rows of the next scene) into the canvas (a zoom
/// needs a whole frame: it samples the outgoing frame anywhere).
fn combine(kind: TransitionKind, p: f32, canvas: &mut Canvas<'_>, incoming: &[u8]) {
    let (w, h) = canvas.size();
    let row = canvas.row_bytes();
    match kind {
        TransitionKind::Cut => canvas.bytes_mut().copy_from_slice(incoming),
        TransitionKind::Crossfade => blend_frames(canvas, incoming, Opacity::from_unit(p)),
        TransitionKind::Wipe => {
            // A soft edge 6 % of the width wide sweeps from off the left to off the right.
            let edge = w as f32 * 0.06;
            let front = p * (w as f32 + edge);
            canvas.bytes_mut().chunks_exact_mut(row).zip(incoming.chunks_exact(row)).for_each(|(dst, src)| {
                for (x, (d, s)) in dst.chunks_exact_mut(3).zip(src.chunks_exact(3)).enumerate() {
                    let a = Opacity::from_unit(smoothstep((front - x as f32) / edge));
                    for c in 0..3 {
                        d[c] = a.blend(d[c], s[c]);
                    }
                }
            });
        }
        TransitionKind::Slide => {
            let shift = ((p * w as f32).round() as usize).min(w as usize) * 3;
            canvas.bytes_mut().chunks_exact_mut(row).zip(incoming.chunks_exact(row)).for_each(|(dst, src)| {
                dst.copy_within(shift.., 0);
                dst[row - shift..].copy_from_slice(&src[..shift]);
            });
        }
        TransitionKind::Zoom => {
            // The outgoing frame scales up about the centre (×1 → ×1.8) while fading out.
            // (`Sequence::needs_whole_frame`: the canvas is the whole frame.)
            let outgoing = RgbImage::from_raw(w, h, canvas.bytes().to_vec()).expect("a zoom draws whole frames");
            canvas.bytes_mut().copy_from_slice(incoming);
            let z = 1.0 + 0.8 * p;
            let (dw, dh) = (w as f32 * z, h as f32 * z);
            let rect = Rect::new((w as f32 - dw) / 2.0, (h as f32 - dh) / 2.0, dw, dh);
            blit_photo(canvas, &outgoing, rect, 0, Opacity::from_unit(1.0 - p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spec::Transition;

    fn scene(duration: f32, kind: TransitionKind, secs: f32) -> SceneSpec {
        SceneSpec { duration, transition: Transition { kind, secs }, camera: None, retime: None, layers: Vec::new() }
    }

    #[test]
    fn timing_centres_transitions_on_cut_points() {
        let t = timing(&[
            scene(2.0, TransitionKind::Slide, 1.0),
            scene(2.0, TransitionKind::Wipe, 0.5),
            scene(3.0, TransitionKind::Cut, 0.8),
        ]);
        assert_eq!((t[0].appear, t[0].cut, t[0].vanish), (0.0, 0.0, 2.25), "the first has no entrance");
        assert_eq!((t[1].appear, t[1].cut, t[1].vanish), (1.75, 2.0, 4.0));
        assert_eq!((t[2].appear, t[2].cut, t[2].vanish), (4.0, 4.0, f32::INFINITY), "a cut takes no time");
        assert_eq!(t[1].shown(), 2.25);
    }

    #[test]
    fn each_transition_goes_from_the_old_frame_to_the_new() {
        let (w, h) = (64u32, 32u32);
        let old = vec![20u8; (w * h * 3) as usize];
        let new = vec![220u8; (w * h * 3) as usize];
        let mean = |f: &[u8]| f.iter().map(|&v| f64::from(v)).sum::<f64>() / f.len() as f64;
        for kind in [TransitionKind::Crossfade, TransitionKind::Wipe, TransitionKind::Slide, TransitionKind::Zoom] {
            let at = |p: f32| {
                let mut frame = old.clone();
                combine(kind, p, &mut Canvas::whole(&mut frame, (w, h)), &new);
                mean(&frame)
            };
            let (start, mid, end) = (at(0.0), at(0.5), at(1.0));
            assert!((start - 20.0).abs() < 2.0, "{kind:?} starts on the old frame: {start}");
            assert!((end - 220.0).abs() < 2.0, "{kind:?} ends on the new frame: {end}");
            assert!(mid > 40.0 && mid < 200.0, "{kind:?} is halfway at 0.5: {mid}");
        }
        // Slide moves content: a marker column of the old frame shifts left.
        let mut marked = old.clone();
        for y in 0..h as usize {
            marked[(y * w as usize + 40) * 3] = 255;
        }
        combine(TransitionKind::Slide, 0.25, &mut Canvas::whole(&mut marked, (w, h)), &new);
        assert_eq!(marked[(40 - 16) * 3], 255, "the old frame moved a quarter width left");
        assert_eq!(marked[(63) * 3], 220, "the new frame enters on the right");
    }
}
