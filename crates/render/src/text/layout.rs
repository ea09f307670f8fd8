//! Fitting a text layer's words into its box and placing the box on the
//! canvas, inside the safe area.
//!
//! **Fit.** The box is at most `width` of the canvas wide and `lines` lines
//! tall, and never more than the safe area holds once the layer's outline,
//! shadow and plate are added around it. The text is wrapped (UAX #14, see
//! [`wrap`]) at `size`; while the lines are too many or too tall it is
//! shrunk, 10 % a step, down to `min_size` (default: half of `size`); only
//! what still does not fit at `min_size` is elided: the lines that fit are
//! kept and the last one ends with "…", cut so that it fits its width. (A
//! size so large that not even one line at `min_size` fits the safe area's
//! height goes below `min_size`: the one case where it gives.)
//!
//! **Place.** The box is centred at (`x`, `y`) and then moved, as little as
//! needed, into the **safe area**: the canvas less a margin of 5 % of its
//! width on the left and right and 5 % of its height at the top and bottom
//! ([`SAFE_MARGIN`]). The outline, the drop shadow and the plate count as
//! part of the box, so at rest nothing of the layer lies outside the safe
//! area; reveals that move or scale the text (slide, pop, stamp, kinetic)
//! are clipped to it.

use super::fonts::{chain, line_height, Face};
use super::raster::{mask_size, MARGIN};
use super::shape::line_width;
use super::wrap::{elide, wrap};
use crate::engine::spec::TextSpec;
use crate::geom::IRect;

/// The safe area's margin on each side, as a fraction of the canvas's width
/// (left and right) or height (top and bottom).
pub const SAFE_MARGIN: f32 = 0.05;

/// The safe area of a `w`×`h` canvas (see [`SAFE_MARGIN`]), in pixels.
pub fn safe_area((w, h): (u32, u32)) -> IRect {
    let mx = (w as f32 * SAFE_MARGIN).ceil() as u32;
    let my = (h as f32 * SAFE_MARGIN).ceil() as u32;
    IRect::new(mx as i32, my as i32, w.saturating_sub(2 * mx), h.saturating_sub(2 * my))
}

/// A text layer laid out on a canvas: where its box is, what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct LaidOut {
    /// The text's box (its lines, centred in it, with a 2-pixel margin):
    /// glyphs are drawn inside it, nowhere else. Canvas pixels.
    pub rect: IRect,
    /// Everything the layer draws at rest: the box with the outline, drop
    /// shadow and plate around it. Inside [`LaidOut::safe`] (unless the safe
    /// area is smaller than one line of text).
    pub bounds: IRect,
    /// The canvas's safe area, which the layer is placed in and clipped to.
    pub safe: IRect,
    /// The size the text was set at, pixels (`size`, or smaller to fit).
    pub size_px: f32,
    /// The lines, as drawn.
    pub lines: Vec<String>,
    /// Whether text was left out (the last line then ends with "…").
    pub elided: bool,
}

/// How far a layer draws beyond its text box on each side, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Reach {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

/// The outline's thickness in pixels on a canvas `h` high (zero or negative
/// widths mean no outline; at most 5 % of the canvas).
pub(crate) fn outline_radius(spec: &TextSpec, h: u32) -> f32 {
    spec.outline.map_or(0.0, |o| (o.width * h as f32).clamp(0.0, h as f32 * 0.05))
}

/// The drop shadow's offset (right and down), pixels.
pub(crate) fn shadow_offset(h: u32) -> i32 {
    (h / 240).max(2) as i32
}

/// The plate's padding: twice this left and right, once above and below.
pub(crate) fn plate_pad(h: u32) -> i32 {
    (h as f32 * 0.02) as i32
}

impl Reach {
    pub(crate) fn of(spec: &TextSpec, h: u32) -> Reach {
        let radius = outline_radius(spec, h);
        // A sprite with an outline is padded by this much (see Sprite::new).
        let outline = if radius > 0.0 { radius.ceil() as i32 + 1 } else { 0 };
        let shadow = shadow_offset(h);
        let (px, py) = if spec.plate.is_some() { (2 * plate_pad(h), plate_pad(h)) } else { (0, 0) };
        Reach {
            left: outline.max(px),
            top: outline.max(py),
            right: (outline + shadow).max(px),
            bottom: (outline + shadow).max(py),
        }
    }
}

/// A laid-out layer and what drawing it needs.
pub(crate) struct Plan {
    pub laid: LaidOut,
    pub chain: &'static [Face],
    pub reach: Reach,
    /// The widest a line may be, pixels.
    pub line_w: f32,
    /// The most lines there is room for.
    pub max_lines: usize,
    /// Where the box is moved to from (x, y): its top-left corner minus
    /// the one `x`, `y` alone give (slides add their rise to the latter).
    pub shift: (i32, i32),
}

/// The top-left corner of a `mw`×`mh` box centred at `(cx, cy)` (truncated
/// as the engine always has), and that corner moved into `safe` with `reach`
/// around the box. A box larger than the safe area is centred in it.
pub(crate) fn place((mw, mh): (u32, u32), (cx, cy): (f32, f32), safe: IRect, reach: Reach) -> ((i32, i32), (i32, i32)) {
    let at = (cx as i32 - mw as i32 / 2, cy as i32 - mh as i32 / 2);
    let axis = |v: i32, size: u32, before: i32, after: i32, start: i32, len: u32| {
        let lo = start + before;
        let hi = start + len as i32 - after - size as i32;
        if lo <= hi {
            v.clamp(lo, hi)
        } else {
            lo + (hi - lo) / 2
        }
    };
    let moved = (
        axis(at.0, mw, reach.left, reach.right, safe.x, safe.w),
        axis(at.1, mh, reach.top, reach.bottom, safe.y, safe.h),
    );
    (at, moved)
}

/// Lays out `content` as `spec` says on a `w`×`h` canvas (see the module docs).
pub(crate) fn plan(spec: &TextSpec, content: &str, (w, h): (u32, u32)) -> Plan {
    let chain = chain(spec.font);
    let safe = safe_area((w, h));
    let reach = Reach::of(spec, h);
    let px = (spec.size * h as f32).max(0.5);
    let min_px = spec.min_size.map_or(px / 2.0, |m| m * h as f32).clamp(0.5, px);
    let box_w = (spec.width * w as f32).min((safe.w as i32 - reach.left - reach.right) as f32);
    let line_w = (box_w - 2.0 * MARGIN as f32).max(1.0);
    let box_h = safe.h as i32 - reach.top - reach.bottom;
    let max_lines = spec.lines.max(1) as usize;
    let tall = |n: usize, size: f32| mask_size(std::iter::empty(), n, chain, size).1 as i32;
    let fits = |lines: &[String], size: f32| lines.len() <= max_lines && tall(lines.len(), size) <= box_h;

    let mut size = px;
    let mut lines = wrap(content, chain, size, line_w);
    let mut elided = false;
    while !fits(&lines, size) {
        if size <= min_px {
            // At the smallest size: keep what fits, elide the rest.
            while tall(1, size) > box_h && size > 1.0 {
                size *= 0.9;
            }
            lines = wrap(content, chain, size, line_w);
            let room = (1..=max_lines).take_while(|&n| tall(n, size) <= box_h).last().unwrap_or(1);
            if lines.len() > room {
                lines.truncate(room);
                let last = lines.pop().unwrap_or_default();
                lines.push(elide(&last, chain, size, line_w));
                elided = true;
            }
            break;
        }
        let next = size * 0.9;
        size = if next > min_px { next } else { min_px };
        lines = wrap(content, chain, size, line_w);
    }

    let (mw, mh) = mask_size(lines.iter().map(|l| line_width(l, chain, size)), lines.len(), chain, size);
    let (at, (left, top)) = place((mw, mh), (spec.x * w as f32, spec.y * h as f32), safe, reach);
    let rect = IRect::new(left, top, mw, mh);
    let laid = LaidOut { rect, bounds: outset(rect, reach), safe, size_px: size, lines, elided };
    Plan {
        laid,
        chain,
        reach,
        line_w,
        max_lines: max_lines.min(room_at(size, box_h, chain)),
        shift: (left - at.0, top - at.1),
    }
}

/// How many lines of size `px` fit in `box_h` pixels (at least one).
fn room_at(px: f32, box_h: i32, chain: &[Face]) -> usize {
    let line_h = line_height(chain, px).max(1.0);
    (((box_h - 2 * MARGIN as i32) as f32 / line_h).floor() as usize).max(1)
}

/// `rect` with `reach` around it.
pub(crate) fn outset(rect: IRect, reach: Reach) -> IRect {
    IRect::new(
        rect.x - reach.left,
        rect.y - reach.top,
        (rect.w as i32 + reach.left + reach.right).max(0) as u32,
        (rect.h as i32 + reach.top + reach.bottom).max(0) as u32,
    )
}

/// Where and how `content` is drawn as `spec` says on a canvas of `canvas`
/// pixels: the box of the text layer, the size it was set at, its lines
/// and whether anything was elided (see the module docs for the rules).
pub fn text_layout(spec: &TextSpec, content: &str, canvas: (u32, u32)) -> LaidOut {
    plan(spec, content, canvas).laid
}

/// Lines of `text` set at `px` in `chain`, broken to `line_w` and at most
/// `max_lines` (the last one elided if more were needed): how a count-up
/// reveal sets each value in the box fitted for the final one.
pub(crate) fn set_lines(text: &str, chain: &[Face], px: f32, line_w: f32, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, chain, px, line_w);
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        let last = lines.pop().unwrap_or_default();
        lines.push(elide(&last, chain, px, line_w));
    }
    lines
}
