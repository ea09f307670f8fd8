//! Shaping one line: split into runs (one face each, and each emoji alone),
//! every run shaped by rustybuzz (a port of HarfBuzz: GPOS kerning,
//! ligatures, mark positioning), emoji set as square boxes one em wide.

use super::emoji;
use super::fonts::{em, face_of, plan, Face};
use ab_glyph::{Font as _, GlyphId, ScaleFont};
use rustybuzz::UnicodeBuffer;
use unicode_segmentation::UnicodeSegmentation;
use videoagent_art::ArtRef;

/// What a placed glyph draws.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ink {
    /// A glyph of a face.
    Glyph { face: Face, id: GlyphId },
    /// Colour art, `side` pixels square, from the pen position up to the
    /// emoji's top (see [`EMOJI_DROP`]).
    Emoji { art: ArtRef, side: f32 },
}

/// How far below the baseline an emoji's box reaches, as a share of its side
/// (the rest is above: it stands like an ideograph on its em box).
pub(crate) const EMOJI_DROP: f32 = 0.13;

/// A shaped glyph of a line: what it draws, pen position and vertical
/// offset (up) in pixels, and the byte offset in the line of its character.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub ink: Ink,
    pub x: f32,
    pub rise: f32,
    pub cluster: usize,
}

impl Placed {
    /// The face, for glyphs of one.
    #[cfg(test)]
    pub(crate) fn face(&self) -> Option<Face> {
        match self.ink {
            Ink::Glyph { face, .. } => Some(face),
            Ink::Emoji { .. } => None,
        }
    }
}

/// A piece of a line: bytes `start..end` drawn with one face, or one emoji.
enum Item {
    Run { start: usize, end: usize, face: Face },
    Emoji { start: usize, art: ArtRef },
}

/// The line's items, in logical order.
fn items(line: &str, chain: &[Face]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for (at, g) in line.grapheme_indices(true) {
        if let Some(art) = emoji::art_of(g) {
            items.push(Item::Emoji { start: at, art });
            continue;
        }
        for (i, c) in g.char_indices() {
            let (i, face) = (at + i, face_of(chain, c));
            match items.last_mut() {
                Some(Item::Run { end, face: f, .. }) if *f == face => *end = i + c.len_utf8(),
                _ => items.push(Item::Run { start: i, end: i + c.len_utf8(), face }),
            }
        }
    }
    items
}

/// Shapes one line in the faces of `chain` at size `px`: its glyphs in
/// visual order and its advance width, in pixels.
pub(crate) fn shape_line(line: &str, chain: &[Face], px: f32) -> (Vec<Placed>, f32) {
    let mut out = Vec::with_capacity(line.len());
    let mut pen = 0.0;
    for item in items(line, chain) {
        let (start, end, face) = match item {
            Item::Emoji { start, art } => {
                let side = em(chain, px);
                out.push(Placed { ink: Ink::Emoji { art, side }, x: pen, rise: 0.0, cluster: start });
                pen += side;
                continue;
            }
            Item::Run { start, end, face } => (start, end, face),
        };
        let scaled = face.raster().as_scaled(face.scale(px));
        let (sx, sy) = (scaled.h_scale_factor(), scaled.v_scale_factor());
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&line[start..end]);
        buffer.set_pre_context(&line[..start]);
        buffer.set_post_context(&line[end..]);
        buffer.guess_segment_properties();
        let plan = plan(face, buffer.direction(), buffer.script());
        let shaped = rustybuzz::shape_with_plan(face.shaper(), &plan, buffer);
        for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            out.push(Placed {
                ink: Ink::Glyph { face, id: GlyphId(u16::try_from(info.glyph_id).unwrap_or(0)) },
                x: pen + pos.x_offset as f32 * sx,
                rise: pos.y_offset as f32 * sy,
                cluster: start + info.cluster as usize,
            });
            pen += pos.x_advance as f32 * sx;
        }
    }
    (out, pen)
}

/// The advance width of `text` in pixels.
pub(crate) fn line_width(text: &str, chain: &[Face], px: f32) -> f32 {
    shape_line(text, chain, px).1
}
