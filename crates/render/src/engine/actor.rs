//! Actors: sprites (the cut-out subject, a framed photo, vector art) posed
//! every frame by keyframes, procedural motions and the camera, drawn with
//! a contact shadow and motion blur. Everything about the look of a sprite
//! (its pixels, outline, glow) is prepared once at the largest size it is
//! shown; a frame only computes a pose and resamples.

use super::camera::Camera;
use super::spec::{ActorSpec, FrameShape, Motion, RepeatSpec, ShapeKind, SourceSpec};
use super::{art, draw_shape};
use crate::geom::{Affine, Rect};
use crate::math::{cos, sin, sin_cos};
use crate::raster::{draw_sprite, Canvas, Opacity, Rgba};
use crate::RenderJob;
use image::{imageops::FilterType, GrayImage, RgbImage, Rgba as Px, RgbaImage};
use std::f32::consts::PI;

/// Where an actor is and how it is turned at one moment, in scene pixels
/// (before the camera): what `--trace` prints and tests measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// The anchor point (its feet, by default).
    pub x: f32,
    pub y: f32,
    /// Total turn in degrees, clockwise (keyframes, spins, leans, swings).
    pub rotate: f32,
    pub scale_x: f32,
    pub scale_y: f32,
    /// Size of its box at scale 1, in pixels.
    pub w: f32,
    pub h: f32,
    pub opacity: f32,
    /// Where its feet would be without bobs and jumps (for the shadow).
    pub ground: f32,
    /// The shear, degrees.
    pub skew: f32,
    /// A swing's pivot and angle (already in `x`, `y` and `rotate`).
    swing: Option<((f32, f32), f32)>,
    /// The angle of `rotate` that turns about the box's pivot (the rest is the swing's).
    own_rotate: f32,
}

/// One actor's state for `--trace` and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Traced {
    pub name: String,
    pub pose: Pose,
    /// Whether it is on screen (inside its span, not fully transparent).
    pub visible: bool,
}

pub(super) struct Actor {
    spec: ActorSpec,
    /// The sprite at the largest size it is shown, then halved copies.
    mips: Vec<Rgba>,
    /// The sprite's aspect (width / height), to size its box.
    aspect: f32,
    /// Its height as a share of `size` (below 1 for a weak subject's stand-in).
    scale: f32,
}

/// Most pixels the long side of a prepared sprite may have.
const MAX_SPRITE_SIDE: u32 = 2048;

impl Actor {
    pub fn new(spec: &ActorSpec, job: &RenderJob, (w, h): (u32, u32), zoom_max: f32) -> Result<Actor, String> {
        // The largest height it is drawn at: keyframes, stretches and squashes, the camera's zoom.
        let stretch = spec.scale_y.max().abs().max(spec.scale_x.max().abs()).max(1.0) * 1.2;
        let depth_zoom = 1.0 + (zoom_max - 1.0).max(0.0) * spec.depth;
        let tall = (spec.size.max() * h as f32 * stretch * depth_zoom).ceil().clamp(4.0, MAX_SPRITE_SIDE as f32) as u32;
        let mut straight = source_image(&spec.source, job, tall, (w, h))?;
        if let Some(slot) = spec.source.colorize {
            let text = job.texts.get(slot).map(String::as_str).unwrap_or("");
            if let Some((_, rgb)) = super::words::colour(text) {
                colorize(&mut straight, rgb);
            }
        }
        let mut straight = fit_height(straight, tall);
        if let Some(o) = spec.outline {
            straight = outlined(&straight, (o.width * h as f32).max(0.5), o.color.rgb());
        }
        if let Some(g) = spec.glow {
            straight = glowing(&straight, (g.radius * h as f32).max(1.0), g.color.0);
        }
        let aspect = straight.width() as f32 / straight.height().max(1) as f32;
        let stand_in = spec.source.subject.is_some_and(|slot| job.cutouts.get(slot).is_none_or(Option::is_none));
        let scale = if stand_in { spec.source.stand_in_scale.clamp(0.1, 2.0) } else { 1.0 };
        Ok(Actor { spec: spec.clone(), mips: Rgba::from_straight(&straight).mips(), aspect, scale })
    }

    pub fn name(&self) -> &str {
        self.spec.name.as_deref().unwrap_or("")
    }

    pub fn span(&self) -> &super::spec::Span {
        &self.spec.span
    }

    /// The pose at `t` (seconds of its scene), in scene pixels.
    pub fn pose(&self, t: f32, (w, h): (u32, u32)) -> Pose {
        let s = &self.spec;
        let (fw, fh) = (w as f32, h as f32);
        let bh = s.size.at(t) * fh * self.scale;
        let mut pose = Pose {
            x: s.x.at(t) * fw,
            y: s.y.at(t) * fh,
            rotate: s.rotate.at(t),
            scale_x: s.scale_x.at(t),
            scale_y: s.scale_y.at(t),
            w: bh * self.aspect,
            h: bh,
            opacity: s.opacity.at(t).clamp(0.0, 1.0),
            ground: s.y.at(t) * fh,
            skew: s.skew.at(t),
            swing: None,
            own_rotate: 0.0,
        };
        for m in &s.motion {
            apply_motion(m, t, &mut pose, (fw, fh));
        }
        pose.own_rotate = pose.rotate;
        if let Some(((px, py), angle)) = pose.swing {
            // The whole sprite turns about the pivot: its anchor moves on the arc.
            let (sn, cs) = sin_cos(angle.to_radians());
            let (dx, dy) = (pose.x - px, pose.y - py);
            pose.x = px + dx * cs - dy * sn;
            pose.y = py + dx * sn + dy * cs;
            pose.rotate += angle;
        }
        pose
    }

    /// The map from the top level's pixels to the scene at a pose (before the camera).
    fn placement(&self, pose: &Pose) -> Affine {
        let top = &self.mips[0];
        let s = &self.spec;
        let [ax, ay] = s.anchor;
        let [px, py] = s.pivot;
        // Image pixels → the box, relative to the anchor (mirrored if flipped).
        let k = pose.h / top.h.max(1) as f32;
        let mirror = if s.flip { -1.0 } else { 1.0 };
        let mut m = Affine::translate(-ax * top.w as f32, -ay * top.h as f32).then(Affine::scale(k * mirror, k));
        // Shear and stretch about the anchor.
        let (ss, sc) = sin_cos(pose.skew.to_radians());
        m = m.then(Affine::shear_x(ss / sc.max(0.05))).then(Affine::scale(pose.scale_x, pose.scale_y));
        // Turn about the pivot (where it ended up after the stretch).
        let pivot = (mirror * (px - ax) * pose.w * pose.scale_x, (py - ay) * pose.h * pose.scale_y);
        let (sn, cs) = sin_cos(pose.own_rotate.to_radians());
        m = m
            .then(Affine::translate(-pivot.0, -pivot.1))
            .then(Affine::rotate(sn, cs))
            .then(Affine::translate(pivot.0, pivot.1));
        if let Some((_, angle)) = pose.swing {
            // The anchor already sits on the swing's arc; the sprite turns with it.
            let (sn, cs) = sin_cos(angle.to_radians());
            m = m.then(Affine::rotate(sn, cs));
        }
        m.then(Affine::translate(pose.x, pose.y))
    }

    /// Draws it at `t` (seconds of its scene), at `weight` (its span's fade).
    pub fn draw(&self, canvas: &mut Canvas<'_>, t: f32, weight: f32, camera: &Camera, fps: f32) {
        let size = canvas.size();
        let pose = self.pose(t, size);
        let alpha = pose.opacity * weight;
        if alpha <= 0.0 || pose.h <= 0.0 {
            return;
        }
        let view = camera.view(t, self.spec.depth, size);
        for offset in self.copies(t, size) {
            let shift = Affine::translate(offset, 0.0);
            if let Some(shadow) = &self.spec.shadow {
                self.draw_shadow(canvas, &pose, shadow, shift.then(view));
            }
            let maps = self.blur_maps(t, &pose, shift, camera, fps, size);
            // The mip level whose pixels are closest to (not smaller than) the screen's.
            let scale = maps[0].max_scale();
            let level = (crate::math::log2((1.0 / scale.max(1e-6)).max(1.0)).floor() as usize).min(self.mips.len() - 1);
            let img = &self.mips[level];
            let up = Affine::scale(self.mips[0].w as f32 / img.w as f32, self.mips[0].h as f32 / img.h as f32);
            let maps: Vec<Affine> = maps.iter().map(|m| up.then(*m)).collect();
            draw_sprite(canvas, img, &maps, Opacity::from_unit(alpha));
        }
    }

    /// Where the copies of a repeating sprite are (x offsets in scene
    /// pixels); `[0]` for a single one.
    fn copies(&self, t: f32, (w, _): (u32, u32)) -> Vec<f32> {
        let Some(RepeatSpec { every, speed, .. }) = self.spec.repeat else { return vec![0.0] };
        let (fw, step) = (w as f32, every * w as f32);
        let scroll = (speed * fw * t).rem_euclid(step);
        // Enough copies to cover the canvas and a margin either side (for sprites wider than `every`).
        let n = ((3.0 * fw) / step).ceil() as i32 + 2;
        (-n / 2..=n).map(|i| i as f32 * step - scroll).collect()
    }

    /// The placements averaged for this frame: one, or (when it moves more
    /// than a few pixels within a frame) samples across half a frame's time.
    fn blur_maps(
        &self,
        t: f32,
        pose: &Pose,
        shift: Affine,
        camera: &Camera,
        fps: f32,
        size: (u32, u32),
    ) -> Vec<Affine> {
        let at = |t: f32, pose: &Pose| self.placement(pose).then(shift).then(camera.view(t, self.spec.depth, size));
        let now = at(t, pose);
        let n = self.spec.motion_blur;
        if n <= 1 {
            return vec![now];
        }
        let shutter = 0.5 / fps;
        let before_pose = self.pose(t - shutter, size);
        let before = at(t - shutter, &before_pose);
        // How far its corners move within the shutter.
        let top = &self.mips[0];
        let travel = [(0.0, 0.0), (top.w as f32, top.h as f32), (top.w as f32, 0.0)]
            .iter()
            .map(|&p| {
                let (a, b) = (now.apply(p), before.apply(p));
                ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
            })
            .fold(0.0, f32::max);
        if travel < 3.0 {
            return vec![now];
        }
        let samples = n.min((travel / 2.0).ceil() as u32).max(2);
        (0..samples)
            .map(|i| {
                let ti = t - shutter * i as f32 / (samples - 1) as f32;
                at(ti, &self.pose(ti, size))
            })
            .collect()
    }

    fn draw_shadow(&self, canvas: &mut Canvas<'_>, pose: &Pose, shadow: &super::spec::ShadowSpec, view: Affine) {
        let ground = shadow.ground.map_or(pose.ground, |g| g * canvas.h as f32);
        // Fainter and smaller as it leaves the ground.
        let lift = ((ground - pose.y) / pose.h.max(1.0)).clamp(0.0, 2.0);
        let k = (1.0 - lift * 0.6).clamp(0.15, 1.0);
        let width = pose.w * pose.scale_x.abs() * shadow.width * (1.0 - 0.3 * lift.min(1.0));
        let centre = view.apply((pose.x, ground));
        let scale = view.max_scale();
        let size = (width * scale, width * scale * 0.16);
        let paint = (f32::from(shadow.color.0[3]) / 255.0 * k, 0.9);
        draw_shape(canvas, ShapeKind::Ellipse, centre, size, shadow.color.rgb(), paint, None);
    }
}

/// Where a `photo` actor shows the whole photo (its framed picture, without
/// the frame) at `t`, in canvas pixels, when it stands upright and its
/// scene has no camera move: for tests that look for the user's photo.
pub(super) fn framed_photo_rect(spec: &ActorSpec, (pw, ph): (u32, u32), t: f32, (w, h): (u32, u32)) -> Option<Rect> {
    if spec.source.photo.is_none() || spec.rotate.at(t).abs() > 0.5 || !spec.motion.is_empty() || spec.flip {
        return None;
    }
    let (margin, bottom) = frame_margins(spec.source.frame);
    let tall = spec.size.at(t) * h as f32 * spec.scale_y.at(t);
    let inner_h = tall / (1.0 + margin + bottom);
    let inner_w = match spec.source.frame {
        FrameShape::Circle => return None,
        _ => inner_h * pw as f32 / ph.max(1) as f32,
    } * spec.scale_x.at(t);
    let pad = margin * inner_h;
    let card_w = inner_w + 2.0 * pad * spec.scale_x.at(t);
    let [ax, ay] = spec.anchor;
    let (left, top) = (spec.x.at(t) * w as f32 - ax * card_w, spec.y.at(t) * h as f32 - ay * tall);
    Some(Rect::new(left + pad * spec.scale_x.at(t), top + pad, inner_w, inner_h))
}

/// A frame's side margin and extra bottom margin, as shares of the picture's height.
fn frame_margins(shape: FrameShape) -> (f32, f32) {
    match shape {
        FrameShape::Polaroid => (0.05, 0.17),
        FrameShape::Card => (0.02, 0.02),
        FrameShape::Circle => (0.025, 0.025),
    }
}

/// Adds one procedural motion at `t` to the pose.
fn apply_motion(m: &Motion, t: f32, pose: &mut Pose, (fw, fh): (f32, f32)) {
    let within = |start: f32, end: Option<f32>| t >= start && end.is_none_or(|e| t < e);
    // Eases a cyclic motion in and out over a fifth of a second at its ends.
    let ramp = |start: f32, end: Option<f32>| {
        let a = ((t - start) / 0.2).clamp(0.0, 1.0);
        let b = end.map_or(1.0, |e| ((e - t) / 0.2).clamp(0.0, 1.0));
        a.min(b)
    };
    match *m {
        Motion::Run { stride, bob, lean, squash, start, end } if within(start, end) => {
            let k = ramp(start, end);
            let phase = (t - start) / stride;
            let up = sin(PI * phase).abs();
            pose.y -= k * bob * pose.h * up;
            pose.rotate += k * lean * (1.0 + 0.3 * sin(2.0 * PI * phase));
            let contact = (1.0 - up).powi(3);
            pose.scale_y *= 1.0 - k * squash * contact;
            pose.scale_x *= 1.0 + k * squash * contact;
        }
        Motion::Jump { start, end, height } if t >= start && t < end && end > start => {
            let p = (t - start) / (end - start);
            pose.y -= height * fh * 4.0 * p * (1.0 - p);
            // Stretched on the way up, easing back by the top.
            let stretch = 0.1 * (1.0 - 2.0 * p).max(0.0);
            pose.scale_y *= 1.0 + stretch;
            pose.scale_x *= 1.0 - stretch * 0.5;
        }
        Motion::Spin { start, end, turns, ease } if t >= start => {
            let p = if end > start { ((t - start) / (end - start)).min(1.0) } else { 1.0 };
            pose.rotate += 360.0 * turns * ease.apply(p);
        }
        Motion::Swing { pivot, angle, period, start, end } if within(start, end) => {
            let k = ramp(start, end);
            let phi = k * angle * sin(2.0 * PI * (t - start) / period);
            pose.swing = Some(((pivot[0] * fw, pivot[1] * fh), phi));
        }
        Motion::Float { amount, period, start, end } if within(start, end) => {
            pose.y += ramp(start, end) * amount * fh * sin(2.0 * PI * (t - start) / period);
        }
        Motion::Shake { amount, rate, start, end } if within(start, end) => {
            let (k, u) = (ramp(start, end) * amount * fw, 2.0 * PI * rate * (t - start));
            pose.x += k * (sin(u) + 0.5 * sin(2.3 * u + 1.0)) / 1.5;
            pose.y += k * (cos(1.3 * u) + 0.5 * sin(3.1 * u + 2.0)) / 1.5;
        }
        Motion::Squash { at, amount, secs } if t >= at && t < at + secs && secs > 0.0 => {
            let p = (t - at) / secs;
            let s = amount * (1.0 - p) * (1.0 - p) * cos(3.0 * PI * p);
            pose.scale_y *= 1.0 - s;
            pose.scale_x *= 1.0 + s;
        }
        _ => {}
    }
}

/// The straight RGBA image a source shows, about `tall` pixels high.
fn source_image(source: &SourceSpec, job: &RenderJob, tall: u32, canvas: (u32, u32)) -> Result<RgbaImage, String> {
    let image = |slot: usize| job.images.get(slot).ok_or_else(|| format!("the template needs image {slot}"));
    if let Some(slot) = source.subject {
        let photo = image(slot)?;
        return Ok(match job.cutouts.get(slot).and_then(Option::as_ref) {
            Some(alpha) => cut_out(photo, alpha),
            None => framed(photo, source.frame, tall),
        });
    }
    if let Some(slot) = source.photo {
        return Ok(framed(image(slot)?, source.frame, tall));
    }
    let tint = source.tint.map(|c| c.rgb());
    let raster_px = tall.clamp(16, MAX_SPRITE_SIDE);
    if let Some(name) = &source.art {
        return art::raster(name, raster_px, tint);
    }
    if let Some(pick) = &source.pick {
        let text = job.texts.get(pick.slot).map(String::as_str).unwrap_or("");
        return match art::pick(text, pick.kind, pick.index, pick.set.as_deref()) {
            Some(name) => art::raster(&name, raster_px, tint),
            None => art::raster(&pick.fallback, raster_px, pick.fallback_tint.map(|c| c.rgb()).or(tint)),
        };
    }
    if let Some(svg) = &source.svg {
        return art::raster_svg(svg, raster_px);
    }
    let _ = canvas;
    Err("an actor needs a source".into())
}

/// The photo's subject: its pixels under the cut-out's alpha (resampled to
/// the mask's size), cropped to the subject's box.
pub(super) fn cut_out(photo: &RgbImage, alpha: &GrayImage) -> RgbaImage {
    let (w, h) = alpha.dimensions();
    let photo = if photo.dimensions() == (w, h) { photo.clone() } else { crate::raster::resize_photo(photo, w, h) };
    // The box of what is at least faintly opaque, with a pixel to spare.
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, a) in alpha.enumerate_pixels() {
        if a.0[0] > 8 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    if x0 >= x1 || y0 >= y1 {
        (x0, y0, x1, y1) = (0, 0, w, h);
    }
    let (x0, y0) = (x0.saturating_sub(1), y0.saturating_sub(1));
    let (x1, y1) = ((x1 + 1).min(w), (y1 + 1).min(h));
    RgbaImage::from_fn(x1 - x0, y1 - y0, |x, y| {
        let [r, g, b] = photo.get_pixel(x0 + x, y0 + y).0;
        Px([r, g, b, alpha.get_pixel(x0 + x, y0 + y).0[0]])
    })
}

/// The whole photo as a framed card about `tall` pixels high.
pub(super) fn framed(photo: &RgbImage, shape: FrameShape, tall: u32) -> RgbaImage {
    let tall = tall.clamp(16, MAX_SPRITE_SIDE) as f32;
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let (margin, bottom) = frame_margins(shape);
    // The photo area (a square for a circle), then the card around it.
    let inner_h = tall / (1.0 + margin + bottom);
    let inner_w = match shape {
        FrameShape::Circle => inner_h,
        _ => inner_h * pw / ph,
    };
    let pad = margin * inner_h;
    let (cw, ch) = ((inner_w + 2.0 * pad).round() as u32, tall.round() as u32);
    // Cover-fit the photo into the inner area.
    let scale = (inner_w / pw).max(inner_h / ph);
    let (sw, sh) = ((pw * scale).ceil().max(1.0) as u32, (ph * scale).ceil().max(1.0) as u32);
    let scaled = crate::raster::resize_photo(photo, sw, sh);
    let (ox, oy) = ((sw as f32 - inner_w) / 2.0, (sh as f32 - inner_h) / 2.0);
    let paper = [250u8, 248, 240];
    let (cx, cy, r_in) = (cw as f32 / 2.0, pad + inner_h / 2.0, inner_h / 2.0);
    let corner = match shape {
        FrameShape::Card => 0.06 * cw.min(ch) as f32,
        _ => 0.012 * cw.min(ch) as f32,
    };
    RgbaImage::from_fn(cw, ch, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        match shape {
            FrameShape::Circle => {
                let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
                let outer = (r_in + pad - d + 0.5).clamp(0.0, 1.0);
                if outer <= 0.0 {
                    return Px([0, 0, 0, 0]);
                }
                let inside = (r_in - d + 0.5).clamp(0.0, 1.0);
                let p = sample(&scaled, fx - pad + ox, fy - pad + oy);
                let c: [u8; 3] = std::array::from_fn(|i| lerp(paper[i], p[i], inside));
                Px([c[0], c[1], c[2], (outer * 255.0) as u8])
            }
            _ => {
                let edge = rounded(fx, fy, cw as f32, ch as f32, corner);
                if edge <= 0.0 {
                    return Px([0, 0, 0, 0]);
                }
                let (ix, iy) = (fx - pad, fy - pad);
                let inside =
                    (ix.min(inner_w - ix) + 0.5).clamp(0.0, 1.0) * (iy.min(inner_h - iy) + 0.5).clamp(0.0, 1.0);
                let p = if inside > 0.0 { sample(&scaled, ix + ox, iy + oy) } else { paper };
                let c: [u8; 3] = std::array::from_fn(|i| lerp(paper[i], p[i], inside));
                Px([c[0], c[1], c[2], (edge * 255.0) as u8])
            }
        }
    })
}

fn lerp(a: u8, b: u8, k: f32) -> u8 {
    (f32::from(a) + (f32::from(b) - f32::from(a)) * k.clamp(0.0, 1.0)).round() as u8
}

fn sample(img: &RgbImage, x: f32, y: f32) -> [u8; 3] {
    let (xi, yi) = ((x.max(0.0) as u32).min(img.width() - 1), (y.max(0.0) as u32).min(img.height() - 1));
    img.get_pixel(xi, yi).0
}

/// Coverage of a rounded rectangle `w`×`h` (corner radius `r`) at a pixel centre.
fn rounded(x: f32, y: f32, w: f32, h: f32, r: f32) -> f32 {
    let dx = (r - x).max(x - (w - r)).max(0.0);
    let dy = (r - y).max(y - (h - r)).max(0.0);
    let outside = (dx * dx + dy * dy).sqrt() - r;
    let edge = x.min(w - x).min(y).min(h - y);
    (0.5 - outside).clamp(0.0, 1.0).min((edge + 0.5).clamp(0.0, 1.0))
}

/// Scaled to `tall` pixels high (down with a box-like filter, or up), aspect kept.
fn fit_height(img: RgbaImage, tall: u32) -> RgbaImage {
    if img.height() == tall || img.height() == 0 {
        return img;
    }
    let w = ((img.width() as f32 * tall as f32 / img.height() as f32).round() as u32).clamp(1, MAX_SPRITE_SIDE * 3);
    // Resampled premultiplied (so transparent pixels' colours don't bleed in), then back to straight.
    let mut pre = img;
    for p in pre.pixels_mut() {
        let a = u32::from(p.0[3]);
        for c in 0..3 {
            p.0[c] = ((u32::from(p.0[c]) * a + 127) / 255) as u8;
        }
    }
    let mut out = image::imageops::resize(&pre, w, tall, FilterType::Triangle);
    for p in out.pixels_mut() {
        let a = u32::from(p.0[3]);
        for c in 0..3 {
            if let Some(v) = (u32::from(p.0[c]) * 255 + a / 2).checked_div(a) {
                p.0[c] = v.min(255) as u8;
            }
        }
    }
    out
}

/// The sprite with a solid line `radius` pixels wide around its silhouette.
fn outlined(img: &RgbaImage, radius: f32, color: [u8; 3]) -> RgbaImage {
    let ring = |d: f32| ((radius + 1.0 - d).clamp(0.0, 1.0) * 255.0) as u8;
    under_silhouette(img, radius.ceil() as u32 + 1, color, ring)
}

/// The sprite over a soft halo of `color` spreading `radius` pixels.
fn glowing(img: &RgbaImage, radius: f32, color: [u8; 4]) -> RgbaImage {
    let halo = |d: f32| (crate::math::exp(-(d / radius) * (d / radius) * 2.0) * f32::from(color[3])) as u8;
    under_silhouette(img, (radius * 2.0).ceil() as u32, [color[0], color[1], color[2]], halo)
}

/// The sprite, grown by `pad` pixels on every side, over `color` whose
/// opacity at each pixel is `alpha_at` of its distance to the silhouette
/// (what an outline and a glow have in common).
fn under_silhouette(img: &RgbaImage, pad: u32, color: [u8; 3], alpha_at: impl Fn(f32) -> u8) -> RgbaImage {
    let (w, h) = (img.width() + 2 * pad, img.height() + 2 * pad);
    let mut alpha = vec![0u8; (w * h) as usize];
    for (x, y, p) in img.enumerate_pixels() {
        alpha[((y + pad) * w + x + pad) as usize] = p.0[3];
    }
    let dist = super::sprite::distance_to(&alpha, w, h, |a| a >= 128);
    RgbaImage::from_fn(w, h, |x, y| {
        let under = [color[0], color[1], color[2], alpha_at(dist[(y * w + x) as usize].sqrt())];
        let over = if x >= pad && y >= pad && x < img.width() + pad && y < img.height() + pad {
            img.get_pixel(x - pad, y - pad).0
        } else {
            [0, 0, 0, 0]
        };
        over_straight(over, under)
    })
}

/// Recolours art to `rgb`, keeping its shading: each pixel takes the
/// colour scaled by its own lightness (dark lines stay dark, highlights
/// stay light), with a fifth of the original kept.
fn colorize(img: &mut RgbaImage, rgb: [u8; 3]) {
    for p in img.pixels_mut() {
        let [r, g, b, _] = p.0;
        let l = (0.3 * f32::from(r) + 0.59 * f32::from(g) + 0.11 * f32::from(b)) / 255.0;
        // Lightness 0.6 maps to the colour itself; above it, towards white.
        let k = l / 0.6;
        for (c, (&orig, &want)) in [r, g, b].iter().zip(&rgb).enumerate() {
            let base = f32::from(want);
            let shaded = if k <= 1.0 { base * k } else { base + (255.0 - base) * (k - 1.0) / 0.667 };
            p.0[c] = (0.8 * shaded.clamp(0.0, 255.0) + 0.2 * f32::from(orig)).round() as u8;
        }
    }
}

/// Straight-alpha `over` laid on `under`.
fn over_straight(over: [u8; 4], under: [u8; 4]) -> Px<u8> {
    let (ao, au) = (f32::from(over[3]) / 255.0, f32::from(under[3]) / 255.0);
    let a = ao + au * (1.0 - ao);
    if a <= 0.0 {
        return Px([0, 0, 0, 0]);
    }
    let c: [u8; 3] = std::array::from_fn(|i| {
        ((f32::from(over[i]) * ao + f32::from(under[i]) * au * (1.0 - ao)) / a).round().min(255.0) as u8
    });
    Px([c[0], c[1], c[2], (a * 255.0).round() as u8])
}
