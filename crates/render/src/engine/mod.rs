//! The template engine: a [`TemplateSpec`] plus a job's images and texts →
//! frames. Everything expensive (resampled photos, text masks, backdrops,
//! the vignette) is prepared once; each frame only samples and blends.

mod actor;
mod art;
mod camera;
mod grade;
mod language;
mod particles;
mod photo;
mod rng;
mod scenes;
pub mod spec;
mod sprite;
mod terrain;
mod text_fx;
mod water;
mod words;

pub use actor::{Pose, Traced};
pub use spec::{json_schema, SpecError, TemplateSpec};

use crate::geom::Rect;
use crate::raster::{bands, clip_rows, colour_run, columns_within, draw_in_bands, for_rows, Canvas, Opacity};
use crate::soundtrack::soundtrack;
use crate::{RenderControl, RenderError, RenderJob, RenderSummary, Renderer, SimpleRenderer};
use grade::{tint, Grade, Grain, Vignette};
use image::RgbImage;
use rayon::prelude::*;
use spec::{Anim, Color, GradientSpec, GrainSpec, Layer, ShapeKind, ShapeSpec, Span, TextSpec, TintSpec};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use videoagent_codec::{write_video, Band, BandSink, VideoFormat, I420};

/// Built-in template files, embedded so a plain build renders them.
const BUILTIN: &[(&str, &str)] = &[
    ("run_for_life.json", include_str!("../../templates/run_for_life.json")),
    ("four_seasons.json", include_str!("../../templates/four_seasons.json")),
    ("diving.json", include_str!("../../templates/diving.json")),
    ("art_fonts.json", include_str!("../../templates/art_fonts.json")),
    ("helpless_moments.json", include_str!("../../templates/helpless_moments.json")),
    ("ecommerce_ad.json", include_str!("../../templates/ecommerce_ad.json")),
];

/// Renders templates that have a spec; any other template ID falls back to
/// the [`SimpleRenderer`].
#[derive(Debug, Clone)]
pub struct TemplateRenderer {
    specs: HashMap<String, TemplateSpec>,
}

impl TemplateRenderer {
    /// The built-in templates.
    pub fn builtin() -> TemplateRenderer {
        let renderer = TemplateRenderer { specs: HashMap::new() };
        BUILTIN.iter().fold(renderer, |r, (file, json)| {
            r.with_spec(TemplateSpec::parse(json, file).expect("built-in templates are valid (tested)"))
        })
    }

    /// Adds every `*.json` in `dir`, replacing built-ins with the same ID.
    pub fn with_dir(mut self, dir: &Path) -> Result<TemplateRenderer, SpecError> {
        let io = |e: std::io::Error| SpecError { file: dir.display().to_string(), message: e.to_string() };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            self = self.with_spec(TemplateSpec::load(&path)?);
        }
        Ok(self)
    }

    /// Adds (or replaces) one template.
    pub fn with_spec(mut self, spec: TemplateSpec) -> TemplateRenderer {
        for alias in &spec.aliases {
            let mut same = spec.clone();
            same.id = alias.id().to_string();
            if let spec::Alias::WithLanguages { languages, .. } = alias {
                same.languages = languages.clone();
            }
            self.specs.insert(alias.id().to_string(), same);
        }
        self.specs.insert(spec.id.clone(), spec);
        self
    }

    pub fn spec(&self, id: &str) -> Option<&TemplateSpec> {
        self.specs.get(id)
    }

    pub fn specs(&self) -> impl Iterator<Item = &TemplateSpec> {
        self.specs.values()
    }
}

impl Renderer for TemplateRenderer {
    fn render(&self, job: &RenderJob, out: &Path, ctl: &RenderControl<'_>) -> Result<RenderSummary, RenderError> {
        match self.specs.get(&job.template_id) {
            Some(spec) => render_spec(spec, job, out, ctl),
            None => SimpleRenderer.render(job, out, ctl),
        }
    }

    fn render_frame(&self, job: &RenderJob, secs: f64) -> Result<RgbImage, RenderError> {
        match self.specs.get(&job.template_id) {
            Some(spec) => frame_of_spec(spec, job, secs),
            None => SimpleRenderer.render_frame(job, secs),
        }
    }

    fn cutout_slots(&self, template_id: &str) -> Vec<usize> {
        self.specs.get(template_id).map(TemplateSpec::cutout_slots).unwrap_or_default()
    }
}

/// Renders a spec directly (e.g. a template file given on the command line).
pub fn render_spec(
    spec: &TemplateSpec,
    job: &RenderJob,
    out: &Path,
    ctl: &RenderControl<'_>,
) -> Result<RenderSummary, RenderError> {
    let frames = spec.frames();
    let format = VideoFormat { width: spec.width, height: spec.height, fps: spec.fps, frames };
    let prepare = || {
        let scene = Scene::prepare(spec, job)?;
        Ok::<_, RenderError>(move |i: u32, frame: &mut [u8], sink: &mut BandSink<'_>| {
            scene.draw_banded(i as f32 / spec.fps as f32, frame, sink)
        })
    };
    let music = spec.soundtrack.clone();
    let times = write_video(out, format, move || soundtrack(format.secs(), &music), prepare, ctl)?;
    Ok(RenderSummary { width: spec.width, height: spec.height, fps: spec.fps, frames, times })
}

/// Every frame of a spec composed and converted to I420, kept in memory, and
/// the time that took (all cores). For benchmarks: 150 frames of 720p take
/// about 200 MB.
pub fn compose_all(
    spec: &TemplateSpec,
    job: &RenderJob,
) -> Result<(Vec<I420>, VideoFormat, std::time::Duration), RenderError> {
    let scene = Scene::prepare(spec, job)?;
    let format = VideoFormat { width: spec.width, height: spec.height, fps: spec.fps, frames: spec.frames() };
    // Allocated (and paged in) before the clock starts: the real pipeline reuses a few buffers.
    let mut frames = vec![I420::new(spec.width, spec.height); format.frames as usize];
    let started = std::time::Instant::now();
    // Frames side by side, as the lanes of a render compose them.
    let rgb = || vec![0u8; (spec.width * spec.height * 3) as usize];
    frames.par_iter_mut().enumerate().for_each_init(rgb, |rgb, (i, yuv)| {
        scene.draw_banded(i as f32 / spec.fps as f32, rgb, &mut |band| yuv.read_band(&band));
    });
    Ok((frames, format, started.elapsed()))
}

/// The actors' states at each of `times` (seconds), the template prepared
/// once: where each stands and how it is turned in scene coordinates
/// (before the camera), for `videoagent render --trace` and for tests that
/// check that an actor acts.
pub fn trace(spec: &TemplateSpec, job: &RenderJob, times: &[f32]) -> Result<Vec<Vec<Traced>>, RenderError> {
    let scene = Scene::prepare(spec, job)?;
    Ok(times
        .iter()
        .map(|&t| {
            let mut out = Vec::new();
            scene.trace(t, &mut out);
            out
        })
        .collect())
}

/// One frame of a spec, at `secs`.
pub fn frame_of_spec(spec: &TemplateSpec, job: &RenderJob, secs: f64) -> Result<RgbImage, RenderError> {
    if secs < 0.0 || secs >= f64::from(spec.duration) {
        return Err(RenderError::Input(format!("time {secs} s is outside the {} s video", spec.duration)));
    }
    let scene = Scene::prepare(spec, job)?;
    let mut frame = vec![0u8; (spec.width * spec.height * 3) as usize];
    scene.draw(secs as f32, &mut frame);
    Ok(RgbImage::from_raw(spec.width, spec.height, frame).expect("frame has the canvas size"))
}

/// What a scene's stack is drawn under: its camera, its time ramp, the
/// video's frame rate.
#[derive(Clone, Copy)]
struct Stage<'a> {
    camera: Option<&'a spec::CameraSpec>,
    retime: Option<&'a Anim>,
    fps: f32,
    /// The language(s) of the template's own words.
    words: language::Words,
}

/// A layer with everything precomputed.
enum Prepared {
    Gradient(GradientSpec),
    Backdrop(photo::Backdrop, Span),
    Photo(Box<photo::PhotoLayer>),
    Text(Box<text_fx::TextLayer>),
    Shape(ShapeSpec),
    Particles(particles::Particles, Span),
    Tint(TintSpec),
    Vignette(Vignette),
    Scenes(scenes::Sequence),
    Grade(Box<Grade>, Span),
    Grain(Grain, GrainSpec),
    Actor(Box<actor::Actor>),
    Terrain(terrain::Terrain),
}

/// Pixels an opaque layer above overwrites: (columns, rows).
type Hidden = (Range<u32>, Range<u32>);

struct Scene {
    w: u32,
    h: u32,
    duration: f32,
    fps: f32,
    /// What moves its actors and scenery.
    camera: camera::Camera,
    /// Its animation time for each second on screen (slow motion, freezes).
    retime: Option<Anim>,
    /// The bottom layers that never change, composed once.
    base: Vec<u8>,
    /// The rest, drawn every frame over `base`.
    layers: Vec<Prepared>,
    /// A vignette ending the stack, drawn apart: a render applies its gains
    /// while converting each band to I420 (no pass of its own), a still
    /// frame at the end of [`Scene::draw`].
    finish: Option<Vignette>,
}

impl Prepared {
    /// Whether the layer looks the same at every moment of the video.
    fn is_static(&self) -> bool {
        let whole = |s: &Span| s.start <= 0.0 && s.end.is_none() && s.fade <= 0.0;
        match self {
            Prepared::Gradient(GradientSpec { span, .. }) => whole(span),
            Prepared::Backdrop(b, span) => b.is_still() && whole(span),
            Prepared::Tint(TintSpec { span, amount: Anim::Const(_), .. }) | Prepared::Grade(_, span) => whole(span),
            _ => false,
        }
    }
}

/// The text a layer shows; `None` when its (optional) slot was not filled.
fn text_for(spec: &TextSpec, job: &RenderJob) -> Option<String> {
    let base = match (spec.slot, &spec.text) {
        (Some(i), _) => job.texts.get(i).filter(|t| !t.trim().is_empty())?.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => return None,
    };
    // `{}` is the text as written, `{upper}` in capitals (an English banner),
    // `{title}`, `{callout0}`, `{colour}`, `{price|NEW}` parts of a description.
    match &spec.format {
        Some(f) => words::fill(f, &base),
        None => Some(base),
    }
}

impl Scene {
    fn prepare(spec: &TemplateSpec, job: &RenderJob) -> Result<Scene, RenderError> {
        let words = language::Words::choose(&job.texts, &spec.languages);
        let stage = Stage { camera: spec.camera.as_ref(), retime: None, fps: spec.fps as f32, words };
        let mut scene = Scene::build(&spec.layers, (spec.width, spec.height), spec.duration, job, &spec.id, stage)?;
        // Only the video's own stack: a scene of a sequence draws into its parent's bands.
        if let Some(Prepared::Vignette(_)) = scene.layers.last() {
            let Some(Prepared::Vignette(v)) = scene.layers.pop() else { unreachable!("checked above") };
            scene.finish = Some(v);
        }
        Ok(scene)
    }

    /// Prepares a stack of layers shown for `duration` seconds (a whole video or one scene).
    fn build(
        stack: &[Layer],
        (w, h): (u32, u32),
        duration: f32,
        job: &RenderJob,
        template: &str,
        stage: Stage<'_>,
    ) -> Result<Scene, RenderError> {
        let camera = camera::Camera::new(stage.camera);
        let image = |slot: usize| {
            job.images.get(slot).ok_or_else(|| RenderError::Input(format!("template {template} needs image {slot}")))
        };
        // Layers are prepared side by side (resampling, blurring and text
        // shaping are the slow part of a render's start), kept in order.
        let prepare = |layer: &Layer| -> Result<Option<Prepared>, RenderError> {
            Ok(Some(match layer {
                Layer::Scenes(sequence) => {
                    let timing = scenes::timing(&sequence.scenes);
                    let built = sequence
                        .scenes
                        .par_iter()
                        .zip(&timing)
                        .map(|(scene, at)| {
                            let stage = Stage { camera: scene.camera.as_ref(), retime: scene.retime.as_ref(), ..stage };
                            Scene::build(&scene.layers, (w, h), at.shown(), job, template, stage)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Prepared::Scenes(scenes::Sequence::new(built, timing))
                }
                Layer::Gradient(spec) => Prepared::Gradient(*spec),
                Layer::Backdrop(spec) => {
                    Prepared::Backdrop(photo::Backdrop::new(image(spec.slot)?, (w, h), spec), spec.span)
                }
                Layer::Photo(spec) => {
                    Prepared::Photo(Box::new(photo::PhotoLayer::new(image(spec.slot)?, spec, (w, h))))
                }
                Layer::Text(spec) => {
                    let Some(content) = text_for(spec, job) else { return Ok(None) };
                    Prepared::Text(Box::new(text_fx::TextLayer::new(&content, spec, (w, h))))
                }
                Layer::Shape(spec) => Prepared::Shape(spec.clone()),
                Layer::Particles(spec) => Prepared::Particles(particles::Particles::new(spec), spec.span),
                Layer::Tint(spec) => Prepared::Tint(spec.clone()),
                Layer::Vignette(spec) => Prepared::Vignette(Vignette::new(w, h, spec.strength)),
                Layer::Grade(spec) => Prepared::Grade(Box::new(Grade::new(spec)), spec.span),
                Layer::Grain(spec) => Prepared::Grain(Grain::new(spec.seed), *spec),
                Layer::Actor(spec) if !spec.shown_with(job) => return Ok(None),
                Layer::Actor(spec) => {
                    let actor = actor::Actor::new(spec, job, (w, h), camera.zoom_max())
                        .map_err(|e| RenderError::Input(format!("template {template}: {e}")))?;
                    Prepared::Actor(Box::new(actor))
                }
                Layer::Terrain(spec) => Prepared::Terrain(terrain::Terrain::new(spec)),
                Layer::Language(_) => unreachable!("expanded above"),
            }))
        };
        let stack = language::expand(stack, stage.words);
        let layers: Vec<Prepared> =
            stack.par_iter().map(prepare).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
        // Compose the static bottom of the stack once instead of every frame;
        // the pixels are exactly those the per-frame path would make.
        let dynamic = layers.iter().position(|l| !l.is_static()).unwrap_or(layers.len());
        let retime = stage.retime.cloned();
        let mut scene =
            Scene { w, h, duration, fps: stage.fps, camera, retime, base: Vec::new(), layers, finish: None };
        if dynamic > 0 {
            // (With no static layer the base is black: `draw` clears instead, saving a frame of memory.)
            let rest = scene.layers.split_off(dynamic);
            let mut base = vec![0; (w * h * 3) as usize];
            scene.draw(0.0, &mut base);
            scene.base = base;
            scene.layers = rest;
        }
        Ok(scene)
    }

    /// Draws the frame at `t`: band by band, so that each band stays in the
    /// CPU cache through all the layers, unless a layer needs the whole frame
    /// at once (a zoom transition samples rows from anywhere).
    fn draw(&self, t: f32, frame: &mut [u8]) {
        let size = (self.w, self.h);
        let hidden = self.hidden(t);
        if self.needs_whole_frame(t) {
            self.draw_rows_hiding(t, &mut Canvas::whole(frame, size), hidden);
        } else {
            for rows in bands(self.h) {
                self.draw_rows_hiding(t, &mut Canvas::band_of(frame, size, rows), hidden.clone());
            }
        }
        if let Some(vignette) = &self.finish {
            vignette.apply(&mut Canvas::whole(frame, size));
        }
    }

    /// Like [`Scene::draw`], but each band in turn in the first bytes of
    /// `buffer` (a frame's size), handed to `sink` as soon as it is drawn,
    /// with the final vignette's gains still to apply.
    fn draw_banded(&self, t: f32, buffer: &mut [u8], sink: &mut BandSink<'_>) {
        let gains = self.finish.as_ref().map(Vignette::gains);
        // Once per frame, not per band.
        let hidden = self.hidden(t);
        if self.needs_whole_frame(t) {
            let mut canvas = Canvas::whole(buffer, (self.w, self.h));
            self.draw_rows_hiding(t, &mut canvas, hidden);
            return sink(Band { rgb: canvas.bytes(), rows: 0..self.h, gains });
        }
        let draw = |canvas: &mut Canvas<'_>| self.draw_rows_hiding(t, canvas, hidden.clone());
        draw_in_bands(buffer, (self.w, self.h), draw, gains, sink);
    }

    /// Whether the frame at `t` can't be drawn band by band.
    fn needs_whole_frame(&self, t: f32) -> bool {
        self.layers.iter().any(|l| matches!(l, Prepared::Scenes(s) if s.needs_whole_frame(t)))
    }

    /// The pixels an opaque photo overwrites at `t` (see
    /// [`photo::PhotoLayer::covers`]), provided every layer under it works
    /// pixel by pixel: none may carry what is under the photo elsewhere (a
    /// scene sequence's zoom transition samples from anywhere).
    fn hidden(&self, t: f32) -> Option<Hidden> {
        let t = self.local(t);
        let photo = self.layers.iter().take_while(|l| !matches!(l, Prepared::Scenes(_))).find_map(|l| match l {
            Prepared::Photo(p) => Some(p),
            _ => None,
        })?;
        photo.covers(t, Opacity::from_unit(photo.span().weight(t, self.duration)), (self.w, self.h))
    }

    /// The scene's animation time at `t` seconds on screen (its time ramp).
    fn local(&self, t: f32) -> f32 {
        self.retime.as_ref().map_or(t, |r| r.at(t))
    }

    /// Every actor's state at `t`, this scene's and those of its visible scenes.
    fn trace(&self, t: f32, out: &mut Vec<Traced>) {
        let t = self.local(t);
        for layer in &self.layers {
            match layer {
                Prepared::Actor(actor) => {
                    let pose = actor.pose(t, (self.w, self.h));
                    let visible = actor.span().weight(t, self.duration) * pose.opacity > 0.0;
                    out.push(Traced { name: actor.name().to_string(), pose, visible });
                }
                Prepared::Scenes(sequence) => {
                    for (scene, local) in sequence.showing(t) {
                        scene.trace(local, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Draws the canvas's rows of the frame at `t`.
    fn draw_rows(&self, t: f32, canvas: &mut Canvas<'_>) {
        self.draw_rows_hiding(t, canvas, self.hidden(t));
    }

    /// [`Scene::draw_rows`], leaving out what is `hidden` under the photo
    /// (`None`: drawing everything, which gives the same pixels).
    fn draw_rows_hiding(&self, t: f32, canvas: &mut Canvas<'_>, hidden: Option<Hidden>) {
        let (w, h) = (self.w, self.h);
        let t = self.local(t);
        let row_bytes = w as usize * 3;
        let rows = canvas.rows.clone();
        if self.base.is_empty() {
            canvas.bytes_mut().fill(0); // composing the base itself, or no static layer (a black base)
        } else if let Some((xs, ys)) = &hidden {
            // Only the base around an opaque photo: the layers under it
            // draw there too, but every pixel of it is overwritten.
            let (x0, x1) = (xs.start as usize * 3, xs.end as usize * 3);
            let src = canvas.same_rows(&self.base);
            let dst = canvas.bytes_mut();
            for (y, (d, s)) in rows.clone().zip(dst.chunks_exact_mut(row_bytes).zip(src.chunks_exact(row_bytes))) {
                if ys.contains(&y) {
                    d[..x0].copy_from_slice(&s[..x0]);
                    d[x1..].copy_from_slice(&s[x1..]);
                } else {
                    d.copy_from_slice(s);
                }
            }
        } else {
            let src = canvas.same_rows(&self.base);
            canvas.bytes_mut().copy_from_slice(src);
        }
        // Layers under the photo may leave out what it hides.
        let mut under_photo = hidden.is_some();
        for layer in &self.layers {
            match layer {
                Prepared::Gradient(GradientSpec { top, bottom, span }) => {
                    let k = span.weight(t, self.duration);
                    if k > 0.0 {
                        gradient(canvas, *top, *bottom, Opacity::from_unit(k));
                    }
                }
                Prepared::Backdrop(backdrop, span) => {
                    let k = span.weight(t, self.duration);
                    if k > 0.0 {
                        backdrop.draw(canvas, t, Opacity::from_unit(k));
                    }
                }
                Prepared::Photo(photo) => {
                    under_photo = false;
                    let k = photo.span().weight(t, self.duration);
                    if k > 0.0 {
                        photo.draw(canvas, t, Opacity::from_unit(k));
                    }
                }
                Prepared::Text(text) => {
                    let span = text.span();
                    let k = span.weight(t, self.duration);
                    if k > 0.0 {
                        text.draw(canvas, t - span.start, k);
                    }
                }
                Prepared::Shape(s) => {
                    let k = s.span.weight(t, self.duration) * f32::from(s.color.0[3]) / 255.0;
                    if k > 0.0 {
                        let centre = (s.x.at(t) * w as f32, s.y.at(t) * h as f32);
                        let size = (s.w.at(t) * w as f32, s.h.at(t) * h as f32);
                        let hidden = hidden.as_ref().filter(|_| under_photo);
                        draw_shape(canvas, s.shape, centre, size, s.color.rgb(), (k, s.softness), hidden);
                    }
                }
                Prepared::Particles(p, span) => {
                    let k = span.weight(t, self.duration);
                    if k > 0.0 {
                        p.draw(canvas, t, t - span.start, k);
                    }
                }
                Prepared::Tint(TintSpec { color, amount, span }) => {
                    let k =
                        span.weight(t, self.duration) * amount.at(t).clamp(0.0, 1.0) * f32::from(color.0[3]) / 255.0;
                    if k > 0.0 {
                        tint(canvas, color.rgb(), Opacity::from_unit(k));
                    }
                }
                Prepared::Vignette(v) => v.apply(canvas),
                Prepared::Scenes(sequence) => sequence.draw(t, canvas),
                Prepared::Grade(grade, span) => {
                    let k = span.weight(t, self.duration);
                    if k > 0.0 {
                        grade.apply(canvas, Opacity::from_unit(k));
                    }
                }
                Prepared::Grain(grain, spec) => {
                    let k = spec.span.weight(t, self.duration);
                    if k > 0.0 {
                        grain.apply(canvas, t, spec.amount * k);
                    }
                }
                Prepared::Actor(actor) => {
                    let k = actor.span().weight(t, self.duration);
                    if k > 0.0 {
                        actor.draw(canvas, t, k, &self.camera, self.fps);
                    }
                }
                Prepared::Terrain(terrain) => {
                    let k = terrain.span().weight(t, self.duration);
                    if k > 0.0 {
                        terrain.draw(canvas, t, k, &self.camera);
                    }
                }
            }
        }
    }
}

impl TemplateSpec {
    /// Where the first photo layer (or upright framed-photo actor) draws an
    /// `iw`×`ih` image at time `t`, in pixels (for previews, and for tests
    /// that look for the photo).
    pub fn photo_rect_at(&self, (iw, ih): (u32, u32), t: f32) -> Option<Rect> {
        fn find(layers: &[Layer], canvas: (u32, u32), img: (u32, u32), t: f32) -> Option<Rect> {
            layers.iter().find_map(|l| match l {
                Layer::Photo(spec) => {
                    let rect = photo::contain(Rect::from(spec.area), canvas, img);
                    Some(photo::place(rect, spec, t, canvas))
                }
                Layer::Actor(spec) if spec.span.weight(t, f32::MAX) > 0.0 => {
                    actor::framed_photo_rect(spec, img, t, canvas)
                }
                Layer::Language(l) => find(&l.zh, canvas, img, t).or_else(|| find(&l.en, canvas, img, t)),
                Layer::Scenes(sequence) => {
                    let timing = scenes::timing(&sequence.scenes);
                    let i = scenes::visible(&timing, t)?;
                    find(&sequence.scenes[i].layers, canvas, img, t - timing[i].appear)
                }
                _ => None,
            })
        }
        find(&self.layers, (self.width, self.height), (iw, ih), t)
    }
}

/// A vertical gradient from `top` to `bottom` laid over the canvas at opacity `a`.
fn gradient(canvas: &mut Canvas<'_>, top: Color, bottom: Color, a: Opacity) {
    let height = canvas.h;
    let rows = canvas.rows.clone();
    for_rows(canvas, rows, |y, row| {
        let g = y as f32 / height.max(1) as f32;
        let c: [u8; 3] = std::array::from_fn(|i| (f32::from(top.0[i]) * (1.0 - g) + f32::from(bottom.0[i]) * g) as u8);
        for px in row.chunks_exact_mut(3) {
            for i in 0..3 {
                px[i] = a.blend(px[i], c[i]);
            }
        }
    });
}

crate::simd::avx2_dispatch! {
/// A filled ellipse or rectangle of `size` with a soft edge, centred at
/// `centre` (by its centre, not a [`Rect`]: the edges are the centre ± half
/// the size, which a corner and a size would round differently).
/// Per row, the fully covered middle run is one constant-alpha blend; only
/// the soft edges compute a distance per pixel.
fn draw_shape(
    canvas: &mut Canvas<'_>,
    shape: ShapeKind,
    centre: (f32, f32),
    size: (f32, f32),
    color: [u8; 3],
    paint: (f32, f32),
    hidden: Option<&Hidden>,
) {
    let ((fw, fh), (x, y), (sw, sh), (k, softness)) = (canvas.size(), centre, size, paint);
    if sw <= 0.0 || sh <= 0.0 {
        return;
    }
    let (x0, x1) = ((x - sw / 2.0).floor().max(0.0) as u32, ((x + sw / 2.0).ceil().max(0.0) as u32).min(fw));
    let ys = clip_rows((y - sh / 2.0).floor() as i32, (y + sh / 2.0).ceil() as i32, &canvas.rows, fh);
    let Some(ys) = ys.filter(|_| x0 < x1) else {
        return; // off-screen, or outside the band
    };
    let soft = softness.max(0.001);
    let (inv_hw, inv_hh) = (2.0 / sw, 2.0 / sh);
    let solid = Opacity::from_unit(k).get();
    // The colour repeated along the shape's width, so blends run byte by byte.
    let pattern = colour_run(color.map(u16::from), (x1 - x0) as usize);
    // Per pixel of a soft edge, then per byte: its opacity in 256ths (what an
    // `Opacity` holds, as plain u16 so that the loops below vectorise).
    let (mut cover, mut cover3) = (Vec::<u16>::new(), Vec::<u16>::new());
    // A plain loop, not `for_rows` and a closure: the closure would be
    // compiled apart from this function, without its AVX2.
    let row_bytes = fw as usize * 3;
    for (py, row) in ys.clone().zip(canvas.rows_mut(ys).chunks_exact_mut(row_bytes)) {
        let dy = (py as f32 + 0.5 - y) * inv_hh;
        // Columns whose distance is ≤ 1 − soft are fully covered.
        let inner = match shape {
            ShapeKind::Ellipse => ((1.0 - soft).max(0.0).powi(2) - dy * dy).max(0.0).sqrt(),
            ShapeKind::Rect if dy.abs() <= 1.0 - soft => 1.0 - soft,
            ShapeKind::Rect => 0.0,
        };
        let (s0, s1) = if inner > 0.0 {
            let a = ((x - inner / inv_hw - 0.5).ceil().max(x0 as f32) as u32).min(x1);
            let b = ((x + inner / inv_hw - 0.5).floor().max(0.0) as u32 + 1).clamp(a, x1);
            (a, b)
        } else {
            (x1, x1)
        };
        // Columns outside an ellipse (distance ≥ 1) are left as they are:
        // skip them (with a pixel to spare, whose coverage is 0 anyway).
        let (o0, o1) = match shape {
            ShapeKind::Ellipse if dy.abs() >= 1.0 => continue,
            ShapeKind::Ellipse => {
                let near = columns_within(x, (1.0 - dy * dy).max(0.0).sqrt() / inv_hw, x0..x1);
                (near.start.min(s0), near.end.max(s1))
            }
            ShapeKind::Rect => (x0, x1),
        };
        // Columns an opaque photo above will overwrite are left out.
        let skip = hidden.filter(|(_, ys)| ys.contains(&py)).map_or(0..0, |(xs, _)| xs.clone());
        let visible = |run: Range<u32>| [run.start..run.end.min(skip.start), run.start.max(skip.end)..run.end];
        // Soft edges: coverage for the whole run first (a straight float
        // loop that vectorises), spread to the run's bytes, then one 16-bit
        // blend per byte (another straight loop).
        for run in visible(o0..s0).into_iter().chain(visible(s1..o1)) {
            if run.is_empty() {
                continue;
            }
            cover.resize(run.len(), 0);
            for (i, a) in cover.iter_mut().enumerate() {
                let dx = ((run.start + i as u32) as f32 + 0.5 - x) * inv_hw;
                let d = match shape {
                    ShapeKind::Ellipse => (dx * dx + dy * dy).sqrt(),
                    ShapeKind::Rect => dx.abs().max(dy.abs()),
                };
                *a = (((1.0 - d) / soft).clamp(0.0, 1.0) * k * 256.0) as u16;
            }
            cover3.resize(cover.len() * 3, 0);
            for (d, &a) in cover3.chunks_exact_mut(3).zip(&cover) {
                d.fill(a);
            }
            let bytes = &mut row[(run.start * 3) as usize..(run.end * 3) as usize];
            for ((d, &a), &c) in bytes.iter_mut().zip(&cover3).zip(&pattern) {
                *d = ((u16::from(*d) * (256 - a)).wrapping_add(c * a) >> 8) as u8;
            }
        }
        for run in visible(s0..s1).into_iter().filter(|r| !r.is_empty()) {
            let bytes = &mut row[(run.start * 3) as usize..(run.end * 3) as usize];
            for (d, &c) in bytes.iter_mut().zip(pattern.iter()) {
                *d = ((u16::from(*d) * (256 - solid)).wrapping_add(c * solid) >> 8) as u8;
            }
        }
    }
}
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn shapes_off_screen_or_degenerate_draw_nothing() {
        let (w, h) = (64u32, 48u32);
        let mut frame = vec![7u8; (w * h * 3) as usize];
        let white = [255, 255, 255];
        for area in [
            ((500.0, 20.0), (30.0, 30.0)),
            ((20.0, 500.0), (30.0, 30.0)),
            ((-90.0, -90.0), (30.0, 30.0)),
            ((10.0, 10.0), (0.0, 5.0)),
        ] {
            let canvas = &mut Canvas::whole(&mut frame, (w, h));
            draw_shape(canvas, ShapeKind::Ellipse, area.0, area.1, white, (1.0, 0.1), None);
        }
        assert!(frame.iter().all(|&b| b == 7));
        let canvas = &mut Canvas::whole(&mut frame, (w, h));
        draw_shape(canvas, ShapeKind::Rect, (32.0, 24.0), (10.0, 10.0), white, (1.0, 0.01), None);
        assert_eq!(&frame[((24 * w + 32) * 3) as usize..][..3], &white);
    }
}
