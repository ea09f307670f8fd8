//! Text layers drawn: drop shadow, outline, solid or water fill, emoji in
//! colour, and the reveals (fade, slide, wipe, typewriter, pop, stamp,
//! count-up, kinetic). Everything that depends only on the text (the whole
//! mask and each glyph's, their outlines, the water's maps) is prepared once
//! in [`TextLayer::new`]; a frame only blends. (A count-up prepares each value
//! it shows the first time it shows it, and keeps the last few.)
//!
//! The text is fitted and placed by [`crate::text::layout`]: inside the safe
//! area at rest, and every pixel a layer draws, whatever its reveal does,
//! is clipped to the safe area.
//!
//! Coordinates: "text space" is the pixel grid of the laid-out
//! [`crate::text::TextMask`] (its top-left is 0, 0); sprites padded for an
//! outline reach a little outside it.

use super::spec::{Ease, Reveal, Span, TextFill, TextSpec};
use super::sprite::{Paint, Sprite};
use super::water::Water;
use crate::geom::IRect;
use crate::math::{exp, sin};
use crate::raster::{blend_coverage, clip_rows, colour_run, fill_rect, for_rows, smoothstep, Canvas, Opacity};
use crate::text::layout::{outline_radius, place, plate_pad, shadow_offset, Plan};
use crate::text::{lay_out, set_in, TextMask};
use std::f32::consts::PI;
use std::sync::{Arc, Mutex};

/// A text layer ready to draw.
pub(crate) struct TextLayer {
    spec: TextSpec,
    /// The text as laid out.
    look: Look,
    /// How far the box was moved from where (x, y) alone put it, to stay
    /// in the safe area.
    shift: (i32, i32),
    /// The safe area: nothing is drawn outside it.
    safe: IRect,
    /// Room in the safe area below the layer at rest, pixels: a slide
    /// rises from no lower than this.
    below: f32,
    /// The largest scale about its centre at which the layer still fits the
    /// safe area: a stamp falls from no larger than this (nor 2.5×).
    fit: f32,
    /// Drop shadow offset in pixels.
    shadow: i32,
    /// A count-up reveal's numbers and the values it has set.
    count: Option<Counter>,
}

/// Text set at one size: its masks, emoji colours and water.
struct Look {
    /// Size of the laid-out text (before outline padding).
    width: u32,
    height: u32,
    /// All the text at once.
    whole: Sprite,
    /// Each glyph with ink, in reading order.
    glyphs: Vec<Sprite>,
    /// The emoji among them, in colour.
    emoji: Vec<Emoji>,
    water: Option<Water>,
    /// Height of a line, pixels.
    line_h: f32,
}

/// An emoji's colours over its box of text space (straight RGB; the alpha
/// is the glyph's coverage).
struct Emoji {
    rect: IRect,
    rgb: Vec<u8>,
    alpha: Vec<u8>,
}

impl Look {
    fn new(mask: TextMask, spec: &TextSpec, px: f32, radius: f32) -> Look {
        let whole = Sprite::new(IRect::new(0, 0, mask.width, mask.height), mask.coverage, radius);
        let mut emoji = Vec::new();
        let glyphs = mask
            .glyphs
            .into_iter()
            .map(|g| {
                let rect = IRect::new(g.x as i32, g.y as i32, g.w, g.h);
                if let Some(rgb) = g.color {
                    emoji.push(Emoji { rect, rgb, alpha: g.coverage.clone() });
                }
                Sprite::new(rect, g.coverage, radius)
            })
            .collect();
        let water = (spec.fill == TextFill::Water).then(|| Water::new(&whole, &mask.lines, px, spec.reveal_secs));
        let line_h = mask.lines.first().map_or(px, |l| l.1 as f32);
        Look { width: mask.width, height: mask.height, whole, glyphs, emoji, water, line_h }
    }
}

/// One colour everywhere.
struct Solid([u8; 3]);

impl Paint for Solid {
    #[inline]
    fn at(&self, _: i32, _: i32) -> ([u8; 3], Opacity) {
        (self.0, Opacity::OPAQUE)
    }

    fn solid(&self) -> Option<[u8; 3]> {
        Some(self.0)
    }
}

/// `base`, except on an emoji's ink, which keeps its own colours.
struct WithEmoji<'a, P> {
    base: &'a P,
    emoji: &'a [Emoji],
}

impl<P: Paint> Paint for WithEmoji<'_, P> {
    fn at(&self, x: i32, y: i32) -> ([u8; 3], Opacity) {
        for e in self.emoji {
            let r = e.rect;
            if x >= r.x && y >= r.y && x < r.right() && y < r.bottom() {
                let i = ((y - r.y) as u32 * r.w + (x - r.x) as u32) as usize;
                if e.alpha[i] > 0 {
                    return ([e.rgb[i * 3], e.rgb[i * 3 + 1], e.rgb[i * 3 + 2]], Opacity::OPAQUE);
                }
            }
        }
        self.base.at(x, y)
    }
}

/// Black, except where `sprite` (the text, `shift` pixels up and left) has ink.
struct Cutout<'a> {
    sprite: &'a Sprite,
    shift: i32,
}

impl Paint for Cutout<'_> {
    fn at(&self, x: i32, y: i32) -> ([u8; 3], Opacity) {
        let s = self.sprite;
        let (c, r) = (x + self.shift - s.x, y + self.shift - s.y);
        let ink = if c >= 0 && r >= 0 && c < s.w as i32 && r < s.h as i32 {
            s.solid.as_ref().unwrap_or(&s.fill)[(r as u32 * s.w + c as u32) as usize]
        } else {
            0
        };
        ([0, 0, 0], Opacity::from_coverage(255 - ink))
    }
}

/// easeOutBack: 0 → 1 passing about 10 % beyond 1 on the way.
fn overshoot(p: f32) -> f32 {
    const C1: f32 = 1.70158;
    let q = p.clamp(0.0, 1.0) - 1.0;
    1.0 + (C1 + 1.0) * q * q * q + C1 * q * q
}

/// How a sprite is drawn this frame: scaled about its centre, moved, faded.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pose {
    scale: f32,
    dx: i32,
    dy: i32,
    /// Opacity, times the layer's.
    alpha: f32,
}

impl Pose {
    const REST: Pose = Pose { scale: 1.0, dx: 0, dy: 0, alpha: 1.0 };
}

/// The stamp reveal at progress `p` (0..1) on a canvas `h` high: the text
/// falls from 2.5× its size (or `fit`, the largest that stays in the safe
/// area, if smaller; but at least 1.15×), speeding up, fading in quickly; on
/// impact it squashes (about 8 % smaller), springs back past its size and
/// settles, while a shake of about 1.5 % of the canvas height dies away.
fn stamp(p: f32, h: u32, fit: f32) -> Pose {
    const HIT: f32 = 0.35;
    if p >= 1.0 {
        return Pose::REST;
    }
    if p < HIT {
        let q = (p / HIT).max(0.0);
        let from = fit.clamp(1.15, 2.5);
        return Pose { scale: from - (from - 1.0) * q * q, dx: 0, dy: 0, alpha: (q * 4.0).min(1.0) };
    }
    let q = (p - HIT) / (1.0 - HIT);
    let scale = 1.0 - 0.15 * sin(3.0 * PI * q) * exp(-4.0 * q);
    let amp = h as f32 * 0.015 * exp(-6.0 * q);
    let dx = (amp * sin(2.0 * PI * 7.0 * q)).round() as i32;
    let dy = (0.7 * amp * sin(2.0 * PI * 5.0 * q + 1.0)).round() as i32;
    Pose { scale, dx, dy, alpha: 1.0 }
}

/// The kinetic reveal of one glyph, `q` (0..1) through its own drop from
/// `drop` pixels above: it bounces to rest (Penner's bounce), fading in
/// over the first fifth. `None` before it starts.
fn kinetic(q: f32, drop: f32) -> Option<Pose> {
    if q <= 0.0 {
        return None;
    }
    let dy = -((1.0 - Ease::Bounce.apply(q)) * drop).round() as i32;
    Some(Pose { scale: 1.0, dx: 0, dy, alpha: (q * 5.0).min(1.0) })
}

impl TextLayer {
    /// `content` (the text the spec's slot or literal resolved to) laid
    /// out on a `w`×`h` canvas as `spec` says.
    pub(crate) fn new(content: &str, spec: &TextSpec, (w, h): (u32, u32)) -> TextLayer {
        let (plan, mask) = lay_out(spec, content, (w, h));
        let radius = outline_radius(spec, h);
        let look = Look::new(mask, spec, plan.laid.size_px, radius);
        let (shift, safe, bounds, rect) = (plan.shift, plan.laid.safe, plan.laid.bounds, plan.laid.rect);
        let below = (safe.bottom() - bounds.bottom()).max(0) as f32;
        let (cx, cy) = (rect.x as f32 + rect.w as f32 / 2.0, rect.y as f32 + rect.h as f32 / 2.0);
        let room = |to_edge: f32, extent: f32| if extent > 0.0 { to_edge / extent } else { f32::MAX };
        let fit = [
            room(cx - safe.x as f32, cx - bounds.x as f32),
            room(safe.right() as f32 - cx, bounds.right() as f32 - cx),
            room(cy - safe.y as f32, cy - bounds.y as f32),
            room(safe.bottom() as f32 - cy, bounds.bottom() as f32 - cy),
        ]
        .into_iter()
        .fold(f32::MAX, f32::min);
        let count = (spec.reveal == Reveal::CountUp).then(|| Counter::new(content, plan)).flatten();
        TextLayer { spec: spec.clone(), look, shift, safe, below, fit, shadow: shadow_offset(h), count }
    }

    /// When it is shown.
    pub(crate) fn span(&self) -> &Span {
        &self.spec.span
    }

    /// Draws the layer `local` seconds after its start, at opacity `k`.
    pub(crate) fn draw(&self, canvas: &mut Canvas<'_>, local: f32, k: f32) {
        let secs = self.spec.reveal_secs.max(0.01);
        if let (Some(count), true) = (&self.count, local < secs) {
            let set = count.set_at(local / secs, &self.spec, canvas.size());
            self.draw_look(canvas, &set.look, Some(set.corner), local, k);
            return;
        }
        self.draw_look(canvas, &self.look, None, local, k);
    }

    /// Draws `look` with its text space at `corner` (the layer's own
    /// place, slid, when `None`).
    fn draw_look(&self, canvas: &mut Canvas<'_>, look: &Look, corner: Option<(i32, i32)>, local: f32, k: f32) {
        let (w, h) = canvas.size();
        let s = &self.spec;
        let secs = s.reveal_secs.max(0.01);
        let p = smoothstep(local / secs);
        // A count-up shows its values at full opacity.
        let reveal = if corner.is_some() { Reveal::CountUp } else { s.reveal };
        let (fade, rise) = match reveal {
            Reveal::Fade => (p, 0.0),
            Reveal::Slide => (p, ((1.0 - p) * h as f32 * 0.04).min(self.below)),
            Reveal::CountUp if self.count.is_none() => (p, 0.0),
            Reveal::Wipe | Reveal::Typewriter | Reveal::Pop | Reveal::Stamp | Reveal::CountUp | Reveal::Kinetic => {
                (1.0, 0.0)
            }
        };
        // The whole text's pose (a stamp moves and scales it all).
        let body = if reveal == Reveal::Stamp && local < secs { stamp(local / secs, h, self.fit) } else { Pose::REST };
        let fade = fade * body.alpha;
        // (A water fill ignores `color`, its alpha too.)
        let paint_alpha = if look.water.is_some() { 1.0 } else { f32::from(s.color.0[3]) / 255.0 };
        let alpha = fade * k * paint_alpha;
        // Where text space's origin lands on the canvas.
        let (left, top) = match corner {
            Some(c) => c,
            None => (
                (s.x * w as f32) as i32 - look.width as i32 / 2 + self.shift.0,
                (s.y * h as f32 + rise) as i32 - look.height as i32 / 2 + self.shift.1,
            ),
        };
        let visible_w = match reveal {
            Reveal::Wipe => (look.width as f32 * p).ceil() as u32,
            _ => look.width,
        };
        // Per-glyph reveals: which glyphs, how (None once all are in place).
        let n = look.glyphs.len();
        let (each, step) = if n <= 1 { (secs, 0.0) } else { (secs * 0.5, secs * 0.5 / (n - 1) as f32) };
        let per_glyph: Option<Vec<(&Sprite, Pose)>> = match reveal {
            _ if local >= secs => None,
            Reveal::Typewriter => {
                let shown = ((local / secs).clamp(0.0, 1.0) * n as f32).ceil() as usize;
                Some(look.glyphs[..shown.min(n)].iter().map(|g| (g, Pose::REST)).collect())
            }
            Reveal::Pop => Some(
                look.glyphs
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (g, Pose { scale: overshoot((local - i as f32 * step) / each), ..Pose::REST }))
                    .filter(|&(_, pose)| pose.scale > 0.01)
                    .collect(),
            ),
            Reveal::Kinetic => Some(
                look.glyphs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, g)| Some((g, kinetic((local - i as f32 * step) / each, 1.5 * look.line_h)?)))
                    .collect(),
            ),
            _ => None,
        };
        let mut canvas = Painter { canvas, bounds: self.safe };
        if let Some(plate) = s.plate {
            let grow = match reveal {
                Reveal::Pop | Reveal::Kinetic => smoothstep(local / each),
                _ => 1.0,
            };
            let pad = plate_pad(h);
            let a = alpha * grow * f32::from(plate.0[3]) / 255.0;
            let (x, y) = (left + body.dx, top + body.dy);
            let rect = IRect::new(x - 2 * pad, y - pad, visible_w + 4 * pad as u32, look.height + 2 * pad as u32);
            canvas.rect(rect, plate.rgb(), Opacity::from_unit(a));
        }
        // Wipes clip at a column of text space, growing over the padded width.
        let pad = -look.whole.x;
        let clip = match reveal {
            Reveal::Wipe if pad == 0 => visible_w as i32,
            Reveal::Wipe => ((look.whole.w as f32 * p).ceil() as i32 - pad).min(look.whole.w as i32 - pad),
            _ => i32::MAX,
        };
        // (The body's opacity is in `fade` already.)
        let sprites = per_glyph.unwrap_or_else(|| vec![(&look.whole, Pose { alpha: 1.0, ..body })]);
        let shadow_at = (left + self.shadow, top + self.shadow);
        if look.water.is_some() {
            // Through glass letters their own shadow would show: only around them.
            let cut = Cutout { sprite: &look.whole, shift: self.shadow };
            canvas.sprites(&sprites, Mask::Solid, shadow_at, clip, 0.55 * alpha, &cut);
        } else {
            canvas.sprites(&sprites, Mask::Solid, shadow_at, clip, 0.55 * alpha, &Solid([0, 0, 0]));
        }
        if let Some(outline) = s.outline {
            let a = fade * k * f32::from(outline.color.0[3]) / 255.0;
            canvas.sprites(&sprites, Mask::Ring, (left, top), clip, a, &Solid(outline.color.rgb()));
        }
        match &look.water {
            Some(water) => {
                let paint = water.at_time(local);
                canvas.fill(&sprites, &look.emoji, (left, top), clip, alpha, &paint);
            }
            None => canvas.fill(&sprites, &look.emoji, (left, top), clip, alpha, &Solid(s.color.rgb())),
        }
    }
}

/// A count-up reveal: the text in pieces, its numbers counting from 0.
struct Counter {
    pieces: Vec<Piece>,
    /// The box fitted for the final text: each value is set in it.
    plan: Plan,
    /// The values set lately, newest last.
    recent: Mutex<Vec<(String, Arc<Set>)>>,
}

/// A piece of a count-up's text.
enum Piece {
    Text(String),
    Number(Number),
}

/// A number in the text: its value in units of its last decimal.
struct Number {
    units: u128,
    decimals: usize,
    /// Digits before the point when written with leading zeros ("007"), else 0.
    zero_pad: usize,
    /// Written with thousands separators ("1,000").
    grouped: bool,
}

/// One value of a count-up, laid out and placed.
struct Set {
    look: Look,
    corner: (i32, i32),
}

/// How many values a count-up keeps ready (frames are drawn in parallel,
/// each band of a frame draws the same value).
const RECENT: usize = 4;

impl Counter {
    /// `None` when the text has no number.
    fn new(text: &str, plan: Plan) -> Option<Counter> {
        let pieces = pieces(text);
        pieces.iter().any(|p| matches!(p, Piece::Number(_))).then(|| Counter { pieces, plan, recent: Mutex::default() })
    }

    /// The text with each number at `e` of its value (rounded down), `e` eased from progress `p`.
    fn text_at(&self, p: f32) -> String {
        let q = 1.0 - f64::from(p.clamp(0.0, 1.0));
        let e = 1.0 - q * q * q;
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Number(n) => out.push_str(&n.show((n.units as f64 * e).floor() as u128)),
            }
        }
        out
    }

    /// The value shown at progress `p`, set in the fitted box (centred where
    /// the final text is, inside the safe area).
    fn set_at(&self, p: f32, spec: &TextSpec, (_, h): (u32, u32)) -> Arc<Set> {
        let text = self.text_at(p);
        {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, set)) = recent.iter().find(|(t, _)| *t == text) {
                return set.clone();
            }
        }
        let mask = set_in(&self.plan, &text);
        let look = Look::new(mask, spec, self.plan.laid.size_px, outline_radius(spec, h));
        let r = self.plan.laid.rect;
        let centre = (r.x as f32 + r.w as f32 / 2.0, r.y as f32 + r.h as f32 / 2.0);
        let (_, corner) = place((look.width, look.height), centre, self.plan.laid.safe, self.plan.reach);
        let set = Arc::new(Set { look, corner });
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= RECENT {
            recent.remove(0);
        }
        recent.push((text, set.clone()));
        set
    }
}

impl Number {
    /// `units` written as the number was.
    fn show(&self, units: u128) -> String {
        let scale = 10u128.pow(self.decimals as u32);
        let mut int = (units / scale).to_string();
        if int.len() < self.zero_pad {
            int = "0".repeat(self.zero_pad - int.len()) + &int;
        }
        if self.grouped {
            let digits: Vec<char> = int.chars().collect();
            int = digits
                .iter()
                .enumerate()
                .flat_map(|(i, &c)| {
                    let sep = i > 0 && (digits.len() - i) % 3 == 0;
                    sep.then_some(',').into_iter().chain(std::iter::once(c))
                })
                .collect();
        }
        match self.decimals {
            0 => int,
            d => format!("{int}.{:0>d$}", units % scale),
        }
    }
}

/// `text` split into literal pieces and numbers: ASCII digits, optionally
/// in thousands groups ("1,000"), optionally with a decimal part ("9.5").
fn pieces(text: &str) -> Vec<Piece> {
    let b = text.as_bytes();
    let digits = |from: usize| b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = Vec::new();
    let (mut i, mut literal) = (0, 0);
    while i < b.len() {
        let lead = digits(i);
        if lead == 0 {
            i += 1;
            continue;
        }
        let mut end = i + lead;
        let mut int: Vec<u8> = b[i..end].to_vec();
        let mut grouped = false;
        while lead <= 3 && b.get(end) == Some(&b',') && digits(end + 1) == 3 {
            int.extend_from_slice(&b[end + 1..end + 4]);
            end += 4;
            grouped = true;
        }
        let mut frac: &[u8] = &[];
        if b.get(end) == Some(&b'.') && digits(end + 1) > 0 {
            let n = digits(end + 1);
            frac = &b[end + 1..end + 1 + n];
            end += 1 + n;
        }
        let all: String = int.iter().chain(frac).map(|&c| c as char).collect();
        // Too long to count (a phone number, an ID): left as text.
        let Ok(units) = all.parse::<u128>() else {
            i = end;
            continue;
        };
        if all.len() > 30 {
            i = end;
            continue;
        }
        if literal < i {
            out.push(Piece::Text(text[literal..i].to_string()));
        }
        let zero_pad = if int.len() > 1 && int[0] == b'0' { int.len() } else { 0 };
        out.push(Piece::Number(Number { units, decimals: frac.len(), zero_pad, grouped }));
        i = end;
        literal = end;
    }
    if literal < b.len() {
        out.push(Piece::Text(text[literal..].to_string()));
    }
    out
}

/// Which of a sprite's masks to draw.
#[derive(Clone, Copy)]
enum Mask {
    /// Fill and outline together (the fill alone without an outline).
    Solid,
    /// The outline alone (nothing without one).
    Ring,
}

/// Draws sprites on a canvas, nowhere outside `bounds`.
struct Painter<'c, 'a> {
    canvas: &'c mut Canvas<'a>,
    bounds: IRect,
}

impl Painter<'_, '_> {
    /// Blends `color` over `rect` (within the bounds).
    fn rect(&mut self, rect: IRect, color: [u8; 3], a: Opacity) {
        let b = self.bounds;
        let (x0, y0) = (rect.x.max(b.x), rect.y.max(b.y));
        let (x1, y1) = (rect.right().min(b.right()), rect.bottom().min(b.bottom()));
        if x0 < x1 && y0 < y1 {
            fill_rect(self.canvas, IRect::new(x0, y0, (x1 - x0) as u32, (y1 - y0) as u32), color, a);
        }
    }

    /// `which` mask of each sprite in its pose, text space at `origin`, at opacity `k`.
    fn sprites<P: Paint>(
        &mut self,
        sprites: &[(&Sprite, Pose)],
        which: Mask,
        (x, y): (i32, i32),
        clip: i32,
        k: f32,
        paint: &P,
    ) {
        for (g, pose) in sprites {
            let mask = match which {
                Mask::Solid => g.solid.as_ref().unwrap_or(&g.fill),
                Mask::Ring => match &g.ring {
                    Some(ring) => ring,
                    None => continue,
                },
            };
            self.sprite(g, mask, pose.scale, (x + pose.dx, y + pose.dy), clip, k * pose.alpha, paint);
        }
    }

    /// The letters of each sprite filled with `paint`, emoji with their own colours.
    fn fill<P: Paint>(
        &mut self,
        sprites: &[(&Sprite, Pose)],
        emoji: &[Emoji],
        (x, y): (i32, i32),
        clip: i32,
        k: f32,
        paint: &P,
    ) {
        let with = WithEmoji { base: paint, emoji };
        for (g, pose) in sprites {
            let (origin, k) = ((x + pose.dx, y + pose.dy), k * pose.alpha);
            if emoji.is_empty() {
                self.sprite(g, &g.fill, pose.scale, origin, clip, k, paint);
            } else {
                self.sprite(g, &g.fill, pose.scale, origin, clip, k, &with);
            }
        }
    }

    /// Blends `paint` through `mask` (one of `g`'s masks) at opacity `k`,
    /// text space placed at `origin`, scaled by `scale` about `g`'s centre;
    /// text-space columns from `clip` on are left out.
    #[allow(clippy::too_many_arguments)]
    fn sprite<P: Paint>(
        &mut self,
        g: &Sprite,
        mask: &[u8],
        scale: f32,
        origin: (i32, i32),
        clip: i32,
        k: f32,
        paint: &P,
    ) {
        if (scale - 1.0).abs() < 1e-4 {
            self.blit(g.rect(), mask, origin, clip, Opacity::from_unit(k), paint);
        } else {
            self.blit_scaled(g, mask, scale, origin, k, paint);
        }
    }

    /// Unscaled, at opacity `kk`: the same arithmetic as
    /// [`crate::raster::blend_mask`], so a sprite drawn at its own size
    /// matches a mask blended directly.
    fn blit<P: Paint>(&mut self, sprite: IRect, mask: &[u8], (ox, oy): (i32, i32), clip: i32, kk: Opacity, paint: &P) {
        let IRect { x: sx, y: sy, w: sw, h: sh } = sprite;
        let b = self.bounds;
        let (fx0, fy0) = ((ox + sx).max(0).max(b.x), (oy + sy).max(0).max(b.y));
        let canvas = &mut *self.canvas;
        let fx1 = (ox + sx + (sw as i32).min(clip.saturating_sub(sx))).min(canvas.w as i32).min(b.right());
        let Some(ys) = clip_rows(fy0, (oy + sy + sh as i32).min(b.bottom()), &canvas.rows, canvas.h) else { return };
        if kk == Opacity::ZERO || fx0 >= fx1 {
            return;
        }
        if let Some(color) = paint.solid() {
            // One colour: the same arithmetic as below as straight loops
            // over the run (coverage per pixel, spread to its bytes, then one
            // blend per byte; where it is 0 the blend leaves the byte as
            // it is, so nothing needs skipping). The sum fits u16: ≤ 255 × 255.
            let n = (fx1 - fx0) as usize;
            let pattern = colour_run(color.map(u16::from), n);
            let mut alpha = vec![0u16; n * 3];
            let from = (fx0 - ox - sx) as usize;
            for_rows(canvas, ys, |y, row| {
                let src = &mask[(y as i32 - oy - sy) as usize * sw as usize..][from..from + n];
                for (a3, &m) in alpha.chunks_exact_mut(3).zip(src) {
                    a3.fill(u16::from(kk.of_coverage(m)));
                }
                let bytes = &mut row[fx0 as usize * 3..fx1 as usize * 3];
                for ((d, &a), &c) in bytes.iter_mut().zip(&alpha).zip(&pattern) {
                    *d = ((u16::from(*d) * (255 - a) + c * a) / 255) as u8;
                }
            });
            return;
        }
        for_rows(canvas, ys, |y, row| {
            let ty = y as i32 - oy;
            let src = &mask[(ty - sy) as usize * sw as usize..][..sw as usize];
            for fx in fx0..fx1 {
                let tx = fx - ox;
                let a = kk.of_coverage(src[(tx - sx) as usize]);
                if a == 0 {
                    continue;
                }
                let (c, opacity) = paint.at(tx, ty);
                let a = opacity.of_coverage(a);
                let px = &mut row[fx as usize * 3..fx as usize * 3 + 3];
                for i in 0..3 {
                    px[i] = blend_coverage(px[i], c[i], a);
                }
            }
        });
    }

    /// Scaled about the sprite's centre, bilinear (pop reveals; sprites are
    /// one glyph), at opacity `k` (0..1): kept a float, as each pixel's
    /// interpolated coverage is multiplied by it before rounding.
    fn blit_scaled<P: Paint>(&mut self, g: &Sprite, mask: &[u8], scale: f32, (ox, oy): (i32, i32), k: f32, paint: &P) {
        let kk = k.clamp(0.0, 1.0) * 256.0;
        let (cx, cy) = g.centre();
        let (fcx, fcy) = (ox as f32 + cx, oy as f32 + cy);
        let (hw, hh) = (g.w as f32 * scale / 2.0, g.h as f32 * scale / 2.0);
        let b = self.bounds;
        let fx0 = ((fcx - hw).floor() as i32).max(0).max(b.x);
        let canvas = &mut *self.canvas;
        let fx1 = ((fcx + hw).ceil() as i32).min(canvas.w as i32).min(b.right());
        let (y0, y1) = (((fcy - hh).floor() as i32).max(b.y), ((fcy + hh).ceil() as i32).min(b.bottom()));
        let Some(ys) = clip_rows(y0, y1, &canvas.rows, canvas.h) else {
            return;
        };
        let (sw, sh) = (g.w as i32, g.h as i32);
        let tap = |x: i32, y: i32| -> f32 {
            if x < 0 || y < 0 || x >= sw || y >= sh {
                0.0
            } else {
                f32::from(mask[(y * sw + x) as usize])
            }
        };
        for fy in ys {
            let v = (fy as f32 + 0.5 - fcy) / scale + g.h as f32 / 2.0 - 0.5;
            let (y0, wy) = (v.floor() as i32, v - v.floor());
            for fx in fx0..fx1 {
                let u = (fx as f32 + 0.5 - fcx) / scale + g.w as f32 / 2.0 - 0.5;
                let (x0, wx) = (u.floor() as i32, u - u.floor());
                let m = (tap(x0, y0) * (1.0 - wx) + tap(x0 + 1, y0) * wx) * (1.0 - wy)
                    + (tap(x0, y0 + 1) * (1.0 - wx) + tap(x0 + 1, y0 + 1) * wx) * wy;
                // Coverage (m ≤ 255 and kk ≤ 256: at most 255).
                let a = ((m * kk) as u32 >> 8).min(255) as u8;
                if a == 0 {
                    continue;
                }
                let (c, opacity) = paint.at(g.x + u.round() as i32, g.y + v.round() as i32);
                let a = opacity.of_coverage(a);
                let i = canvas.at(fx as u32, fy);
                let px = &mut canvas.bytes_mut()[i..i + 3];
                for j in 0..3 {
                    px[j] = blend_coverage(px[j], c[j], a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spec::{Color, Font, Outline};

    const W: u32 = 640;
    const H: u32 = 360;

    fn style(reveal: Reveal) -> TextSpec {
        TextSpec {
            slot: None,
            text: None,
            format: None,
            size: 0.2,
            x: 0.5,
            y: 0.5,
            color: Color([255, 255, 255, 255]),
            plate: None,
            outline: None,
            fill: TextFill::Solid,
            reveal,
            reveal_secs: 1.0,
            font: Default::default(),
            width: 0.9,
            lines: 3,
            min_size: None,
            span: Default::default(),
        }
    }

    fn frame(layer: &TextLayer, local: f32) -> Vec<u8> {
        let mut f = vec![0u8; (W * H * 3) as usize];
        layer.draw(&mut Canvas::whole(&mut f, (W, H)), local, 1.0);
        f
    }

    /// Where text space's origin is on the canvas (no slide).
    fn origin(layer: &TextLayer) -> (i32, i32) {
        let look = &layer.look;
        (
            (W / 2) as i32 - look.width as i32 / 2 + layer.shift.0,
            (H / 2) as i32 - look.height as i32 / 2 + layer.shift.1,
        )
    }

    /// The share of glyph `g`'s solid ink that is lit in `f` (red channel).
    fn lit(layer: &TextLayer, f: &[u8], g: &Sprite) -> f32 {
        let (ox, oy) = origin(layer);
        let (mut on, mut all) = (0, 0);
        for (i, &a) in g.fill.iter().enumerate() {
            if a < 250 {
                continue;
            }
            let (x, y) = (ox + g.x + (i as u32 % g.w) as i32, oy + g.y + (i as u32 / g.w) as i32);
            all += 1;
            on += usize::from(f[((y as u32 * W + x as u32) * 3) as usize] > 128);
        }
        on as f32 / all.max(1) as f32
    }

    /// A one-colour blit (straight loops) draws exactly what the general
    /// per-pixel blit draws with the same colour, clipped or not.
    #[test]
    fn solid_blits_match_the_general_path() {
        struct Same([u8; 3]); // the same colour, without the `solid` shortcut
        impl Paint for Same {
            fn at(&self, _: i32, _: i32) -> ([u8; 3], Opacity) {
                (self.0, Opacity::OPAQUE)
            }
        }
        let (w, h) = (64u32, 40u32);
        let base: Vec<u8> = (0..w * h * 3).map(|i| (i * 31 % 253) as u8).collect();
        let (sw, sh) = (30u32, 20u32);
        let mask: Vec<u8> = (0..sw * sh).map(|i| [0, 0, 17, 128, 255, 255, 3][(i % 7) as usize]).collect();
        for (origin, clip, k, rows) in
            [((5, 4), 99, 1.0, 0..h), ((-7, 30), 12, 0.6, 0..h), ((50, -3), 99, 0.3, 8..24), ((10, 10), 0, 1.0, 0..h)]
        {
            let draw = |paint: &dyn Fn(&mut Painter<'_, '_>)| {
                let mut frame = base.clone();
                let canvas = &mut Canvas::band_of(&mut frame, (w, h), rows.clone());
                paint(&mut Painter { canvas, bounds: IRect::new(0, 0, w, h) });
                frame
            };
            let solid = draw(&|c| {
                c.blit(IRect::new(2, 1, sw, sh), &mask, origin, clip, Opacity::from_unit(k), &Solid([250, 40, 7]))
            });
            let general = draw(&|c| {
                c.blit(IRect::new(2, 1, sw, sh), &mask, origin, clip, Opacity::from_unit(k), &Same([250, 40, 7]))
            });
            assert!(solid == general, "origin {origin:?}, clip {clip}, k {k}");
            assert!(clip == 0 || solid != base, "origin {origin:?}: something was drawn");
        }
    }

    #[test]
    fn typewriter_shows_k_of_n_glyphs() {
        let layer = TextLayer::new("HELLO 世界", &style(Reveal::Typewriter), (W, H));
        assert_eq!(layer.look.glyphs.len(), 7);
        let shown = |t: f32| {
            let f = frame(&layer, t);
            let lit: Vec<f32> = layer.look.glyphs.iter().map(|g| lit(&layer, &f, g)).collect();
            assert!(lit.iter().all(|&l| !(0.05..=0.95).contains(&l)), "glyphs are all or nothing: {lit:?}");
            let k = lit.iter().take_while(|&&l| l > 0.95).count();
            assert!(lit[k..].iter().all(|&l| l < 0.05), "in reading order: {lit:?}");
            k
        };
        assert_eq!(shown(0.0), 0);
        assert_eq!(shown(0.05), 1);
        assert_eq!(shown(0.5), 4, "ceil(7 × 0.5)");
        assert_eq!(shown(0.7), 5);
        assert_eq!(shown(0.99), 7);
        assert_eq!(shown(3.0), 7);
    }

    #[test]
    fn pop_grows_each_glyph_about_its_centre_with_overshoot() {
        let layer = TextLayer::new("O", &style(Reveal::Pop), (W, H));
        let ink = |t: f32| {
            let f = frame(&layer, t);
            let lit: Vec<(u32, u32)> =
                (0..W * H).filter(|&i| f[i as usize * 3] > 128).map(|i| (i % W, i / W)).collect();
            let (x0, x1) = (lit.iter().map(|p| p.0).min().unwrap_or(0), lit.iter().map(|p| p.0).max().unwrap_or(0));
            let cx = lit.iter().map(|p| p.0 as f32).sum::<f32>() / lit.len().max(1) as f32;
            (lit.len(), x1.saturating_sub(x0), cx)
        };
        let at: Vec<(usize, u32, f32)> = [0.0, 0.1, 0.25, 0.4, 0.6, 1.0, 2.0].iter().map(|&t| ink(t)).collect();
        assert_eq!(at[0].0, 0, "nothing at the start");
        assert!(at[1].0 > 0 && at[1].0 < at[2].0 && at[2].0 < at[3].0, "grows: {at:?}");
        let biggest = at.iter().map(|a| a.1).max().unwrap();
        assert!(biggest > at[6].1 + 3, "overshoots its final size: {at:?}");
        assert_eq!(at[5], at[6], "settled once the reveal is over");
        for a in &at[1..] {
            assert!((a.2 - at[6].2).abs() < 1.5, "scaled about its centre: {at:?}");
        }
        // Several glyphs: staggered, the first ahead of the last.
        let word = TextLayer::new("HELLO", &style(Reveal::Pop), (W, H));
        let f = frame(&word, 0.45);
        let sizes: Vec<usize> = word
            .look
            .glyphs
            .iter()
            .map(|g| {
                let (ox, oy) = origin(&word);
                let mut n = 0;
                for y in oy + g.y..oy + g.y + g.h as i32 {
                    for x in ox + g.x..ox + g.x + g.w as i32 {
                        n += usize::from(f[((y as u32 * W + x as u32) * 3) as usize] > 128);
                    }
                }
                n
            })
            .collect();
        assert!(sizes[0] > sizes[2] && sizes[2] > sizes[4], "{sizes:?}");
    }

    #[test]
    fn outline_adds_ink_around_the_glyphs_only() {
        let plain = TextLayer::new("HI", &style(Reveal::Fade), (W, H));
        let mut s = style(Reveal::Fade);
        s.outline = Some(Outline { color: Color([255, 0, 0, 255]), width: 0.012 });
        let outlined = TextLayer::new("HI", &s, (W, H));
        let (a, b) = (frame(&plain, 2.0), frame(&outlined, 2.0));
        let red = |f: &[u8], i: usize| f[i * 3] > 200 && f[i * 3 + 1] < 60;
        let white = |f: &[u8], i: usize| f[i * 3] > 200 && f[i * 3 + 1] > 200;
        let n = (W * H) as usize;
        assert_eq!((0..n).filter(|&i| red(&a, i)).count(), 0);
        let rim = (0..n).filter(|&i| red(&b, i)).count();
        let ink = (0..n).filter(|&i| white(&a, i)).count();
        assert!(rim * 4 > ink, "{rim} outline pixels around {ink} of ink");
        // The outline is outside the letters: where the plain text is white, so is the outlined.
        let kept = (0..n).filter(|&i| white(&a, i) && white(&b, i)).count();
        assert!(kept * 100 > ink * 97, "{kept} of {ink}");
        // And within its width of them (4.3 px plus anti-aliasing).
        let near = |i: usize| {
            let (x, y) = ((i as u32 % W) as i32, (i as u32 / W) as i32);
            (-6..=6).any(|dy| (-6..=6).any(|dx| white(&a, ((y + dy) as u32 * W + (x + dx) as u32) as usize)))
        };
        assert!((0..n).filter(|&i| red(&b, i)).all(near));
        // Per-glyph reveals draw it too.
        let mut s = style(Reveal::Typewriter);
        s.outline = Some(Outline { color: Color([255, 0, 0, 255]), width: 0.012 });
        let f = frame(&TextLayer::new("HI", &s, (W, H)), 0.3);
        assert!((0..n).filter(|&i| red(&f, i)).count() * 3 > rim, "outline of the first glyph");
    }

    #[test]
    fn water_fills_the_letters_and_its_surface_moves() {
        let mut s = style(Reveal::Fade);
        s.fill = TextFill::Water;
        s.size = 0.4;
        s.reveal_secs = 0.5;
        let layer = TextLayer::new("HI", &s, (W, H));
        let water = layer.look.water.as_ref().unwrap();
        let (ox, oy) = origin(&layer);
        // The stem of the I: its middle column, from the top of the ink to the bottom.
        let g = &layer.look.glyphs[1];
        let col = g.x + g.w as i32 / 2;
        let rows: Vec<i32> =
            (0..g.h as i32).filter(|&r| g.fill[(r as u32 * g.w + g.w / 2) as usize] == 255).map(|r| g.y + r).collect();
        let (top, bottom) = (rows[0], *rows.last().unwrap());
        let px = |f: &[u8], y: i32| {
            let i = (((oy + y) as u32 * W + (ox + col) as u32) * 3) as usize;
            [f[i], f[i + 1], f[i + 2]]
        };
        let bluish = |p: [u8; 3]| p[2] > 80 && i32::from(p[2]) > i32::from(p[0]) + 40;
        let water_top = |t: f32| {
            let f = frame(&layer, t);
            let lowest = px(&f, bottom - 2);
            assert!(bluish(lowest), "water at the bottom at {t} s: {lowest:?}");
            assert!(!bluish(px(&f, top + 2)), "glass at the top at {t} s: {:?}", px(&f, top + 2));
            // The first row from the top that is deep water.
            (top..=bottom).find(|&y| (y..bottom - 1).all(|y| bluish(px(&f, y)) || px(&f, y)[0] > 200)).unwrap()
        };
        let (a, b, c) = (water_top(0.3), water_top(2.0), water_top(2.6));
        assert!(a > b + 20, "the level rises: {a} then {b}");
        let full = bottom as f32 - 0.8 * (bottom - top) as f32;
        assert!((b as f32 - full).abs() < 0.08 * (bottom - top) as f32, "about 80 % full: {b} vs {full}");
        assert_ne!(b, c, "the surface moves");
        // The surface itself is a function of x and t: waves travel.
        let xs = [10.0, 60.0, 110.0];
        assert!(xs.iter().any(|&x| (water.surface(0, x, 2.0) - water.surface(0, x, 2.3)).abs() > 1.0));
        assert!(xs.windows(2).any(|p| (water.surface(0, p[0], 2.0) - water.surface(0, p[1], 2.0)).abs() > 1.0));
        // Deterministic.
        assert_eq!(frame(&layer, 1.7), frame(&layer, 1.7));
    }

    #[test]
    fn odd_text_never_panics_in_any_style() {
        let texts = [
            "🦁 狮子 \u{0} A\u{0301}V",
            "",
            " ",
            "\n\n",
            "👨‍👩‍👧‍👦🏳️‍🌈",
            "\u{202E}abc\u{202C} שלום مرحبا",
            "ﷺ﷽",
            "1,2.3 ９ 0x",
        ];
        let reveals = [
            Reveal::Fade,
            Reveal::Slide,
            Reveal::Wipe,
            Reveal::Typewriter,
            Reveal::Pop,
            Reveal::Stamp,
            Reveal::CountUp,
            Reveal::Kinetic,
        ];
        let fonts = [Font::Sans, Font::Condensed, Font::Script, Font::Rounded, Font::Serif, Font::Brush];
        for (i, text) in texts.into_iter().enumerate() {
            for (j, reveal) in reveals.into_iter().enumerate() {
                for fill in [TextFill::Solid, TextFill::Water] {
                    for outline in [None, Some(Outline { color: Color([0, 0, 0, 200]), width: 0.01 })] {
                        let mut s = style(reveal);
                        (s.fill, s.outline, s.plate, s.x) = (fill, outline, Some(Color([9, 9, 9, 128])), 0.97);
                        s.font = fonts[(i + j) % fonts.len()];
                        let layer = TextLayer::new(text, &s, (W, H));
                        for t in [0.0, 0.2, 0.5, 0.99, 5.0] {
                            frame(&layer, t);
                        }
                        // Tiny canvases and absurd outlines too.
                        let mut s = style(reveal);
                        s.outline = Some(Outline { color: Color([0, 0, 0, 255]), width: 9.0 });
                        s.fill = fill;
                        let mut f = vec![0u8; 16 * 16 * 3];
                        TextLayer::new(text, &s, (16, 16)).draw(&mut Canvas::whole(&mut f, (16, 16)), 0.3, 1.0);
                    }
                }
            }
        }
    }

    #[test]
    fn count_up_counts_each_number_as_it_was_written() {
        let texts = |text: &str| {
            let plan = crate::text::layout::plan(&style(Reveal::CountUp), text, (W, H));
            let count = Counter::new(text, plan).unwrap();
            [0.0, 0.5, 0.999, 1.0].map(|p| count.text_at(p))
        };
        assert_eq!(texts("250 KG"), ["0 KG", "218 KG", "249 KG", "250 KG"]);
        assert_eq!(texts("9.5"), ["0.0", "8.3", "9.4", "9.5"]);
        assert_eq!(
            texts("1,250,000 fans, 007"),
            ["0 fans, 000", "1,093,750 fans, 006", "1,249,999 fans, 006", "1,250,000 fans, 007"]
        );
        assert_eq!(texts("00:06.84")[3], "00:06.84");
        assert_eq!(texts("00:06.84")[0], "00:00.00");
        let plan = crate::text::layout::plan(&style(Reveal::CountUp), "GOAL", (W, H));
        assert!(Counter::new("GOAL", plan).is_none(), "no number: a plain fade");
    }

    #[test]
    fn stamp_and_kinetic_poses_settle_exactly() {
        assert_eq!(stamp(1.0, H, 9.0), Pose::REST);
        assert!(stamp(0.0, H, 9.0).scale > 2.4 && stamp(0.0, H, 9.0).alpha == 0.0);
        let squash = (1..20).map(|i| stamp(0.35 + i as f32 * 0.01, H, 9.0).scale).fold(f32::MAX, f32::min);
        assert!(squash < 0.95, "squashes on impact: {squash}");
        assert!((36..100).any(|i| stamp(i as f32 / 100.0, H, 9.0).dx != 0), "shakes");
        let late = stamp(0.99, H, 9.0);
        assert!((late.scale - 1.0).abs() < 0.01 && late.dx == 0 && late.dy == 0, "{late:?}");
        assert!((stamp(0.0, H, 1.6).scale - 1.6).abs() < 1e-6, "no larger than fits");
        assert!((stamp(0.0, H, 0.8).scale - 1.15).abs() < 1e-6, "but a stamp all the same");
        assert_eq!(kinetic(0.0, 100.0), None);
        assert!(kinetic(0.1, 100.0).unwrap().dy < -50);
        assert_eq!(kinetic(1.0, 100.0), Some(Pose::REST));
    }
}
