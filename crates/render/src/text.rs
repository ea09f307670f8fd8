//! Caption text: shaping, line breaking and rasterising, once, to a coverage
//! mask that frames then blend, plus one small mask per glyph so reveals can
//! act glyph by glyph.
//!
//! Two embedded fonts, so output never depends on the host: DejaVu Sans Bold
//! for Latin, and a subset of Noto Sans CJK SC Bold (GB2312 hanzi, kana, CJK
//! punctuation) for the rest. Each line is split into runs by font (the first
//! font that has the character) and every run is shaped by rustybuzz (a port
//! of HarfBuzz: GPOS kerning, ligatures, mark positioning); ab_glyph then
//! rasterises the shaped glyph IDs at the shaped positions. A character
//! neither font has (emoji, say) is drawn as the Latin font's .notdef box,
//! never a crash.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont};
use rustybuzz::{Direction, Script, ShapePlan, UnicodeBuffer};
use std::sync::{Arc, Mutex, OnceLock};

static LATIN: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
static CJK: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Bold-subset.otf");

/// The fonts in fallback order, parsed once for rasterising and for shaping.
struct Fonts {
    raster: [FontRef<'static>; 2],
    shape: [rustybuzz::Face<'static>; 2],
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        raster: [
            FontRef::try_from_slice(LATIN).expect("embedded Latin font parses"),
            FontRef::try_from_slice(CJK).expect("embedded CJK font parses"),
        ],
        shape: [
            rustybuzz::Face::from_slice(LATIN, 0).expect("embedded Latin font parses"),
            rustybuzz::Face::from_slice(CJK, 0).expect("embedded CJK font parses"),
        ],
    })
}

/// The first font that has `c` (the Latin font, whose .notdef box is then
/// drawn, when none has it).
fn font_of(c: char) -> usize {
    let fonts = &fonts().raster;
    (0..fonts.len()).find(|&i| fonts[i].glyph_id(c).0 != 0).unwrap_or(0)
}

/// Shape plans are slow to build, so one per (font, direction, script) is kept.
fn plan(font: usize, direction: Direction, script: Script) -> Arc<ShapePlan> {
    type Plans = Vec<((usize, Direction, Script), Arc<ShapePlan>)>;
    static PLANS: OnceLock<Mutex<Plans>> = OnceLock::new();
    let mut plans = PLANS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let key = (font, direction, script);
    if let Some((_, p)) = plans.iter().find(|(k, _)| *k == key) {
        return p.clone();
    }
    let p = Arc::new(ShapePlan::new(&fonts().shape[font], direction, Some(script), None, &[]));
    plans.push((key, p.clone()));
    p
}

/// Largest ascent and descent over the fonts, so mixed lines share a baseline.
fn line_metrics(px: f32) -> (f32, f32, f32) {
    fonts().raster.iter().fold((0.0f32, 0.0f32, 0.0f32), |(a, d, g), f| {
        let s = f.as_scaled(PxScale::from(px));
        (a.max(s.ascent()), d.min(s.descent()), g.max(s.line_gap()))
    })
}

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
}

/// A shaped glyph of a line: font, glyph ID, pen position and vertical
/// offset (up) in pixels, and the byte offset in the line of its character.
struct Placed {
    font: usize,
    id: GlyphId,
    x: f32,
    rise: f32,
    cluster: usize,
}

/// The line's runs: byte ranges drawn with one font.
fn runs(line: &str) -> Vec<(usize, usize, usize)> {
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, c) in line.char_indices() {
        let font = font_of(c);
        match runs.last_mut() {
            Some(run) if run.2 == font => run.1 = i + c.len_utf8(),
            _ => runs.push((i, i + c.len_utf8(), font)),
        }
    }
    runs
}

/// Shapes one line: its glyphs in visual order and its advance width, in pixels.
fn shape_line(line: &str, px: f32) -> (Vec<Placed>, f32) {
    let fonts = fonts();
    let mut out = Vec::with_capacity(line.len());
    let mut pen = 0.0;
    for (start, end, font) in runs(line) {
        let scaled = fonts.raster[font].as_scaled(PxScale::from(px));
        let (sx, sy) = (scaled.h_scale_factor(), scaled.v_scale_factor());
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&line[start..end]);
        buffer.set_pre_context(&line[..start]);
        buffer.set_post_context(&line[end..]);
        buffer.guess_segment_properties();
        let plan = plan(font, buffer.direction(), buffer.script());
        let shaped = rustybuzz::shape_with_plan(&fonts.shape[font], &plan, buffer);
        for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            out.push(Placed {
                font,
                id: GlyphId(u16::try_from(info.glyph_id).unwrap_or(0)),
                x: pen + pos.x_offset as f32 * sx,
                rise: pos.y_offset as f32 * sy,
                cluster: start + info.cluster as usize,
            });
            pen += pos.x_advance as f32 * sx;
        }
    }
    (out, pen)
}

fn line_width(text: &str, px: f32) -> f32 {
    shape_line(text, px).1
}

/// Splits `text` into lines no wider than `max_w`, breaking only where
/// Unicode line breaking (UAX #14) allows: between words, between CJK
/// ideographs, never before closing punctuation such as "！" or "，". A
/// segment wider than a whole line is broken between characters.
fn wrap(text: &str, px: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (end, kind) in unicode_linebreak::linebreaks(text) {
        let segment = &text[start..end];
        start = end;
        let candidate = format!("{line}{segment}");
        if line_width(candidate.trim_end(), px) <= max_w {
            line = candidate;
        } else {
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            if line_width(segment.trim_end(), px) <= max_w {
                line.push_str(segment);
            } else {
                for c in segment.chars() {
                    line.push(c);
                    if line_width(line.trim_end(), px) > max_w && line.chars().count() > 1 {
                        line.pop();
                        lines.push(line.trim_end().to_string());
                        line = c.to_string();
                    }
                }
            }
        }
        if kind == unicode_linebreak::BreakOpportunity::Mandatory && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Lays out `text` centred in a box at most `max_w` wide, shrinking the size
/// (down to half) until it fits in `max_lines`, and rasterises it.
pub fn render_text(text: &str, px: f32, max_w: f32, max_lines: usize) -> TextMask {
    let mut size = px;
    let mut lines = wrap(text, size, max_w);
    while lines.len() > max_lines && size > px / 2.0 {
        size *= 0.9;
        lines = wrap(text, size, max_w);
    }
    lines.truncate(max_lines.max(1));
    let (ascent, descent, gap) = line_metrics(size);
    let line_h = (ascent - descent + gap).ceil();
    let width = lines.iter().map(|l| line_width(l, size)).fold(1.0f32, f32::max).ceil() as u32 + 4;
    let height = (line_h * lines.len() as f32).ceil() as u32 + 4;
    let mut coverage = vec![0u8; (width * height) as usize];
    let mut glyphs = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (placed, lw) = shape_line(line, size);
        let left = (width as f32 - lw) / 2.0;
        let baseline = 2.0 + ascent + line_h * i as f32;
        let mut boxes = Vec::with_capacity(placed.len());
        for g in placed {
            let glyph = g.id.with_scale_and_position(size, ab_glyph::point(left + g.x, baseline - g.rise));
            let Some(outline) = fonts().raster[g.font].outline_glyph(glyph) else { continue };
            let b = outline.px_bounds();
            let (gx0, gy0) = (b.min.x as i32, b.min.y as i32);
            // The glyph's box, clipped to the mask.
            let (x0, y0) = (gx0.max(0), gy0.max(0));
            let x1 = (b.max.x.ceil() as i32).min(width as i32);
            let y1 = (b.max.y.ceil() as i32).min(height as i32);
            if x0 >= x1 || y0 >= y1 {
                continue;
            }
            let (bw, bh) = ((x1 - x0) as u32, (y1 - y0) as u32);
            let mut own = vec![0u8; (bw * bh) as usize];
            outline.draw(|gx, gy, cov| {
                let (px, py) = (gx0 + gx as i32, gy0 + gy as i32);
                if px >= x0 && py >= y0 && px < x1 && py < y1 {
                    let a = &mut own[((py - y0) as u32 * bw + (px - x0) as u32) as usize];
                    *a = (*a).max((cov.clamp(0.0, 1.0) * 255.0).round() as u8);
                }
            });
            if own.iter().all(|&a| a == 0) {
                continue;
            }
            for (r, row) in own.chunks_exact(bw as usize).enumerate() {
                let at = ((y0 as u32 + r as u32) * width + x0 as u32) as usize;
                for (d, &s) in coverage[at..at + bw as usize].iter_mut().zip(row) {
                    *d = (*d).max(s);
                }
            }
            boxes.push((g.cluster, GlyphBox { x: x0 as u32, y: y0 as u32, w: bw, h: bh, coverage: own }));
        }
        // Reading order: the order of the text, even where a run was set right to left.
        boxes.sort_by_key(|(cluster, _)| *cluster);
        glyphs.extend(boxes.into_iter().map(|(_, b)| b));
    }
    let lines = (0..lines.len() as u32).map(|i| (2 + line_h as u32 * i, line_h as u32)).collect();
    TextMask { width, height, coverage, glyphs, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    fn kerning_applies() -> bool {
        line_width("AV", 100.0) < line_width("A", 100.0) + line_width("V", 100.0)
    }

    /// The advance of `text` shaped by rustybuzz, and the plain sum of its
    /// glyphs' advances (no shaping), in font units of the Latin font.
    fn shaped_and_unshaped(text: &str) -> (i32, i32) {
        let face = &fonts().shape[0];
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
        assert!(fonts().shape[0].tables().gpos.is_some(), "DejaVu Sans Bold has a GPOS table");
        // GPOS pair kerning: "AV", "To" and "Ye" close up; "HH" does not.
        for pair in ["AV", "To", "Ye"] {
            let (shaped, plain) = shaped_and_unshaped(pair);
            assert!(shaped < plain - 40, "{pair}: shaped {shaped} vs unshaped {plain} units");
        }
        let (shaped, plain) = shaped_and_unshaped("HH");
        assert_eq!(shaped, plain);
        // Line widths are the shaped widths, in ab_glyph's pixel scale.
        let s = fonts().raster[0].as_scaled(PxScale::from(100.0)).h_scale_factor();
        let (shaped, _) = shaped_and_unshaped("WAVE Tokyo");
        assert!((line_width("WAVE Tokyo", 100.0) - shaped as f32 * s).abs() < 0.01);
        // One line with both scripts: Latin runs in DejaVu, hanzi in Noto.
        let (glyphs, _) = shape_line("Lion 狮子 roars", 64.0);
        let fonts_used: Vec<usize> = glyphs.iter().map(|g| g.font).collect();
        assert_eq!(fonts_used, [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
        assert!(glyphs.windows(2).all(|w| w[0].x < w[1].x), "pen moves right");
        // Characters neither font has use the Latin .notdef glyph, never a panic.
        let (glyphs, w) = shape_line("🦁\u{0}\u{10FFFF}", 64.0);
        assert!(glyphs.iter().all(|g| g.font == 0) && w >= 0.0);
        assert_eq!(glyphs[0].id, GlyphId(0));
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
        // Emoji and missing glyphs get a box (the .notdef), no crash.
        let e = render_text("🦁🦁", 64.0, 1000.0, 1);
        assert_eq!(e.glyphs.len(), 2);
        assert!(render_text("", 64.0, 1000.0, 1).glyphs.is_empty());
        assert!(render_text(" \u{200B}\u{FE0F}\n\n", 64.0, 1000.0, 2).coverage.iter().all(|&a| a == 0));
    }
}
