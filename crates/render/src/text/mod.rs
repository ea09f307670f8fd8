//! Caption text: shaping, line breaking, fitting and rasterising, once, to
//! a coverage mask that frames then blend, plus one small mask per glyph so
//! reveals can act glyph by glyph.
//!
//! Seven embedded faces, so output never depends on the host (see [`fonts`]
//! for each `font`'s faces and fallback order): DejaVu Sans Bold and a
//! subset of Noto Sans CJK SC Bold (GB2312 hanzi, kana, CJK punctuation)
//! for the default `sans`, and the display faces Anton, Pacifico, Fredoka,
//! Playfair Display and LXGW WenKai (a GB2312 level-1 subset). Each line is
//! split into runs by face (the first face of the chain that has the
//! character) and every run is shaped by rustybuzz (a port of HarfBuzz:
//! GPOS kerning, ligatures, mark positioning); ab_glyph then rasterises the
//! shaped glyph IDs at the shaped positions. Emoji the user typed are drawn
//! as colour art from `videoagent-art` in square boxes one em wide
//! ([`emoji`]); a character no face has is drawn as the first face's
//! .notdef box, never a crash.
//!
//! How a template's text layer is fitted into its box and placed inside the
//! canvas's safe area: [`layout`].

mod emoji;
pub(crate) mod fonts;
pub(crate) mod layout;
mod raster;
mod shape;
mod wrap;

pub use layout::{safe_area, text_layout, LaidOut, SAFE_MARGIN};

use crate::engine::spec::TextSpec;
use fonts::{chain, Face};
use layout::Plan;

/// A coverage mask (0..=255) of rendered text.
#[derive(Debug, Clone)]
pub struct TextMask {
    pub width: u32,
    pub height: u32,
    pub coverage: Vec<u8>,
    /// Every glyph with ink, in reading order (line by line, and within a
    /// line in the order of the text): glyph `i` is the `i`-th to appear.
    pub glyphs: Vec<GlyphBox>,
    /// Each line's band of rows: (top, height).
    pub lines: Vec<(u32, u32)>,
}

/// One glyph's own coverage, in a box of the [`TextMask`] (top-left `x`,
/// `y`; inside the mask). The mask is the maximum of its glyphs.
#[derive(Debug, Clone)]
pub struct GlyphBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub coverage: Vec<u8>,
    /// An emoji's colours (RGB, straight, row by row over the box; its
    /// alpha is `coverage`); `None` for a glyph of a face.
    pub color: Option<Vec<u8>>,
}

/// The faces of the default `sans` font.
fn sans() -> &'static [Face] {
    chain(crate::engine::spec::Font::Sans)
}

/// Lays out `text` centred in a box at most `max_w` wide, shrinking the size
/// (down to half) until it fits in `max_lines`, and rasterises it in the
/// `sans` faces. (Lines past `max_lines` are dropped: the simple look's
/// captions. Template text layers are fitted by [`layout`].)
pub fn render_text(text: &str, px: f32, max_w: f32, max_lines: usize) -> TextMask {
    let faces = sans();
    let mut size = px;
    let mut lines = wrap::wrap(text, faces, size, max_w);
    while lines.len() > max_lines && size > px / 2.0 {
        size *= 0.9;
        lines = wrap::wrap(text, faces, size, max_w);
    }
    lines.truncate(max_lines.max(1));
    raster::rasterise(&lines, faces, size)
}

/// A template text layer: `content` fitted and placed as `spec` says on a
/// `canvas`-sized frame (see [`layout`]), and rasterised.
pub(crate) fn lay_out(spec: &TextSpec, content: &str, canvas: (u32, u32)) -> (Plan, TextMask) {
    let plan = layout::plan(spec, content, canvas);
    let mask = raster::rasterise(&plan.laid.lines, plan.chain, plan.laid.size_px);
    debug_assert_eq!((mask.width, mask.height), (plan.laid.rect.w, plan.laid.rect.h));
    (plan, mask)
}

/// `text` set in the box `plan` fitted (same faces, size and line width):
/// how a count-up reveal draws each value on the way.
pub(crate) fn set_in(plan: &Plan, text: &str) -> TextMask {
    let lines = layout::set_lines(text, plan.chain, plan.laid.size_px, plan.line_w, plan.max_lines);
    raster::rasterise(&lines, plan.chain, plan.laid.size_px)
}

#[cfg(test)]
mod tests {
    use super::shape::{shape_line, Ink};
    use super::*;
    use crate::engine::spec::Font;
    use ab_glyph::{Font as _, GlyphId, PxScale, ScaleFont};
    use rustybuzz::UnicodeBuffer;

    fn line_width(text: &str, px: f32) -> f32 {
        shape::line_width(text, sans(), px)
    }

    fn wrap(text: &str, px: f32, max_w: f32) -> Vec<String> {
        wrap::wrap(text, sans(), px, max_w)
    }

    #[test]
    fn text_has_ink_and_wraps() {
        let m = render_text("Lion", 64.0, 1000.0, 2);
        assert!(m.coverage.iter().filter(|&&a| a > 128).count() > 500);
        let one = render_text("a fairly long caption that must wrap", 64.0, 400.0, 4);
        assert!(one.height > m.height * 2, "wrapped onto several lines");
        assert!(one.width <= 404);
        // Missing glyphs and emoji don't crash.
        let _ = render_text("狮子 🦁 \u{0}", 64.0, 800.0, 2);
        // CJK is drawn with real glyphs, and different words give different ink.
        let lion = render_text("狮子来了！", 64.0, 1000.0, 2);
        let tiger = render_text("老虎来了！", 64.0, 1000.0, 2);
        assert!(lion.coverage.iter().filter(|&&a| a > 128).count() > 1500);
        assert_eq!((lion.width, lion.height), (tiger.width, tiger.height));
        let differ = lion.coverage.iter().zip(&tiger.coverage).filter(|(a, b)| a.abs_diff(**b) > 64).count();
        assert!(differ * 100 > lion.coverage.len() * 2, "{differ} of {} pixels differ", lion.coverage.len());
        // Mixed scripts share one line.
        let mixed = render_text("Lion 狮子", 64.0, 2000.0, 2);
        assert!(mixed.height < lion.height * 3 / 2);
        assert!(kerning_applies());
    }

    #[test]
    fn line_breaking_follows_uax14() {
        let w = line_width("狮子来", 64.0) + 1.0;
        let lines = wrap("狮子来了！老虎来了！", 64.0, w);
        assert!(lines.len() >= 3, "{lines:?}");
        for l in &lines {
            assert!(!l.starts_with('！'), "closing punctuation starts a line: {lines:?}");
            assert!(line_width(l, 64.0) <= w || l.chars().count() <= 2, "{lines:?}");
        }
        assert_eq!(lines.concat(), "狮子来了！老虎来了！");
        let latin = wrap("a fairly long caption that must wrap", 64.0, 400.0);
        assert!(latin.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')), "{latin:?}");
        assert_eq!(latin.join(" "), "a fairly long caption that must wrap");
        assert_eq!(wrap("one\ntwo", 64.0, 2000.0), vec!["one", "two"], "hard breaks are kept");
        // An unbreakable word is cut between graphemes, never inside one.
        let word = "e\u{301}".repeat(40) + "👍🏽👍🏽👍🏽";
        let cut = wrap(&word, 64.0, 300.0);
        assert!(cut.len() > 2, "{cut:?}");
        assert_eq!(cut.concat(), word);
        assert!(cut.iter().all(|l| !l.starts_with('\u{301}') && !l.starts_with('\u{1F3FD}')), "{cut:?}");
    }

    fn kerning_applies() -> bool {
        line_width("AV", 100.0) < line_width("A", 100.0) + line_width("V", 100.0)
    }

    /// The advance of `text` shaped by rustybuzz, and the plain sum of its
    /// glyphs' advances (no shaping), in font units of the Latin font.
    fn shaped_and_unshaped(text: &str) -> (i32, i32) {
        let face = Face::DejaVu.shaper();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buffer);
        let sum = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        let plain =
            text.chars().map(|c| i32::from(face.glyph_hor_advance(face.glyph_index(c).unwrap()).unwrap())).sum();
        (sum, plain)
    }

    #[test]
    fn the_shaper_kerns_pairs_and_lines_use_it() {
        assert!(Face::DejaVu.shaper().tables().gpos.is_some(), "DejaVu Sans Bold has a GPOS table");
        // GPOS pair kerning: "AV", "To" and "Ye" close up; "HH" does not.
        for pair in ["AV", "To", "Ye"] {
            let (shaped, plain) = shaped_and_unshaped(pair);
            assert!(shaped < plain - 40, "{pair}: shaped {shaped} vs unshaped {plain} units");
        }
        let (shaped, plain) = shaped_and_unshaped("HH");
        assert_eq!(shaped, plain);
        // Line widths are the shaped widths, in ab_glyph's pixel scale.
        let s = Face::DejaVu.raster().as_scaled(PxScale::from(100.0)).h_scale_factor();
        let (shaped, _) = shaped_and_unshaped("WAVE Tokyo");
        assert!((line_width("WAVE Tokyo", 100.0) - shaped as f32 * s).abs() < 0.01);
        // One line with both scripts: Latin runs in DejaVu, hanzi in Noto.
        let (glyphs, _) = shape_line("Lion 狮子 roars", sans(), 64.0);
        let faces: Vec<Face> = glyphs.iter().filter_map(|g| g.face()).collect();
        let (d, n) = (Face::DejaVu, Face::Noto);
        assert_eq!(faces, [d, d, d, d, d, n, n, d, d, d, d, d, d]);
        assert!(glyphs.windows(2).all(|w| w[0].x < w[1].x), "pen moves right");
        // Characters no face has use the first face's .notdef glyph, never a panic.
        let (glyphs, w) = shape_line("\u{E000}\u{0}\u{10FFFF}", sans(), 64.0);
        assert!(glyphs.iter().all(|g| g.face() == Some(Face::DejaVu)) && w >= 0.0);
        assert_eq!(glyphs[0].ink, Ink::Glyph { face: Face::DejaVu, id: GlyphId(0) });
    }

    #[test]
    fn glyph_boxes_cover_the_mask_in_reading_order() {
        let m = render_text("AV 狮子\nTo", 64.0, 1000.0, 3);
        assert_eq!(m.glyphs.len(), 6, "spaces have no box");
        let mut union = vec![0u8; m.coverage.len()];
        for g in &m.glyphs {
            assert!(g.x + g.w <= m.width && g.y + g.h <= m.height);
            for (r, row) in g.coverage.chunks_exact(g.w as usize).enumerate() {
                for (c, &a) in row.iter().enumerate() {
                    let i = ((g.y + r as u32) * m.width + g.x + c as u32) as usize;
                    union[i] = union[i].max(a);
                }
            }
        }
        assert_eq!(union, m.coverage, "the mask is the union of the glyphs");
        // First line left to right, then the second line below it.
        let centre = |i: usize| m.glyphs[i].x + m.glyphs[i].w / 2;
        assert!((0..3).all(|i| centre(i) < centre(i + 1)));
        assert!(m.glyphs[4].y > m.glyphs[3].y + m.glyphs[3].h / 2);
        // Emoji are glyphs with colour; missing glyphs get a box (the .notdef), no crash.
        let e = render_text("🦁🦁\u{E000}", 64.0, 1000.0, 1);
        assert_eq!(e.glyphs.len(), 3);
        assert!(e.glyphs[0].color.is_some() && e.glyphs[1].color.is_some() && e.glyphs[2].color.is_none());
        assert!(render_text("", 64.0, 1000.0, 1).glyphs.is_empty());
        assert!(render_text(" \u{200B}\u{FE0F}\n\n", 64.0, 1000.0, 2).coverage.iter().all(|&a| a == 0));
    }

    /// Every font draws Latin with its own first face, and Chinese with a
    /// CJK face (its own for `brush` and `script`, else Noto Sans SC).
    #[test]
    fn every_font_has_its_faces_and_falls_back_for_chinese() {
        let fonts = [Font::Sans, Font::Condensed, Font::Script, Font::Rounded, Font::Serif, Font::Brush];
        let firsts: Vec<Face> = fonts.iter().map(|&f| fonts::chain(f)[0]).collect();
        for (i, (&font, &first)) in fonts.iter().zip(&firsts).enumerate() {
            let chain = fonts::chain(font);
            assert!(firsts[..i].iter().all(|&f| f != first), "{font:?} has a face of its own");
            let (latin, _) = shape_line("Game", chain, 64.0);
            assert!(latin.iter().all(|g| g.face() == Some(first)), "{font:?}: {latin:?}");
            let (han, _) = shape_line("狮子", chain, 64.0);
            let cjk = if matches!(font, Font::Brush | Font::Script) { Face::WenKai } else { Face::Noto };
            assert!(han.iter().all(|g| g.face() == Some(cjk)), "{font:?}: {han:?}");
            assert!(han.iter().all(|g| !matches!(g.ink, Ink::Glyph { id: GlyphId(0), .. })), "{font:?}");
        }
        // Capitals stand as tall in every face (ascent − descent differs a lot).
        let cap = |face: Face| {
            let font = face.raster();
            let g = font.glyph_id('H').with_scale(face.scale(100.0));
            font.outline_glyph(g).unwrap().px_bounds().height()
        };
        let reference = cap(Face::DejaVu);
        for face in [Face::Anton, Face::Pacifico, Face::Fredoka, Face::Playfair, Face::WenKai] {
            assert!((cap(face) - reference).abs() < 2.5, "{face:?}: H is {} px, DejaVu's {reference}", cap(face));
        }
    }
}
