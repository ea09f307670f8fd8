//! Caption text: layout with kerning, greedy word wrap, rasterised once to an
//! alpha mask that frames then blend. Two embedded fonts, so output never
//! depends on the host: DejaVu Sans Bold for Latin, and a subset of Noto Sans
//! CJK SC Bold (GB2312 hanzi, kana, CJK punctuation) for the rest. A character
//! neither has is drawn as the Latin font's .notdef box, never a crash.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont};
use std::sync::OnceLock;

static LATIN: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
static CJK: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Bold-subset.otf");

/// The fonts in fallback order.
fn fonts() -> &'static [FontRef<'static>; 2] {
    static FONTS: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    FONTS.get_or_init(|| {
        [
            FontRef::try_from_slice(LATIN).expect("embedded Latin font parses"),
            FontRef::try_from_slice(CJK).expect("embedded CJK font parses"),
        ]
    })
}

/// The first font that has `c`, and its glyph.
fn pick(c: char) -> (&'static FontRef<'static>, GlyphId) {
    let fonts = fonts();
    fonts.iter().map(|f| (f, f.glyph_id(c))).find(|(_, id)| id.0 != 0).unwrap_or((&fonts[0], GlyphId(0)))
}

/// Largest ascent and descent over the fonts, so mixed lines share a baseline.
fn line_metrics(px: f32) -> (f32, f32, f32) {
    fonts().iter().fold((0.0f32, 0.0f32, 0.0f32), |(a, d, g), f| {
        let s = f.as_scaled(PxScale::from(px));
        (a.max(s.ascent()), d.min(s.descent()), g.max(s.line_gap()))
    })
}

/// A coverage mask (0..=255) of rendered text.
#[derive(Debug, Clone)]
pub struct TextMask {
    pub width: u32,
    pub height: u32,
    pub alpha: Vec<u8>,
}

/// Pen positions of each character of a line (kerning within one font).
fn layout(text: &str, px: f32) -> (Vec<(&'static FontRef<'static>, GlyphId, f32)>, f32) {
    let mut x = 0.0;
    let mut prev: Option<(*const FontRef<'static>, GlyphId)> = None;
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (font, id) = pick(c);
        let scaled = font.as_scaled(PxScale::from(px));
        if let Some((pf, pid)) = prev {
            if std::ptr::eq(pf, font) {
                x += scaled.kern(pid, id);
            }
        }
        out.push((font, id, x));
        x += scaled.h_advance(id);
        prev = Some((font as *const _, id));
    }
    (out, x)
}

fn line_width(text: &str, px: f32) -> f32 {
    layout(text, px).1
}

/// Splits `text` into lines no wider than `max_w` (words longer than a line are broken by character).
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
    let mut alpha = vec![0u8; (width * height) as usize];
    for (i, line) in lines.iter().enumerate() {
        let (glyphs, lw) = layout(line, size);
        let left = (width as f32 - lw) / 2.0;
        let baseline = 2.0 + ascent + line_h * i as f32;
        for (font, id, x) in glyphs {
            let glyph = id.with_scale_and_position(size, ab_glyph::point(left + x, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cov| {
                    let px = b.min.x as i32 + gx as i32;
                    let py = b.min.y as i32 + gy as i32;
                    if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                        let a = &mut alpha[(py as u32 * width + px as u32) as usize];
                        *a = (*a).max((cov.clamp(0.0, 1.0) * 255.0).round() as u8);
                    }
                });
            }
        }
    }
    TextMask { width, height, alpha }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_ink_and_wraps() {
        let m = render_text("Lion", 64.0, 1000.0, 2);
        assert!(m.alpha.iter().filter(|&&a| a > 128).count() > 500);
        let one = render_text("a fairly long caption that must wrap", 64.0, 400.0, 4);
        assert!(one.height > m.height * 2, "wrapped onto several lines");
        assert!(one.width <= 404);
        // Missing glyphs and emoji don't crash.
        let _ = render_text("狮子 🦁 \u{0}", 64.0, 800.0, 2);
        // CJK is drawn with real glyphs, and different words give different ink.
        let lion = render_text("狮子来了！", 64.0, 1000.0, 2);
        let tiger = render_text("老虎来了！", 64.0, 1000.0, 2);
        assert!(lion.alpha.iter().filter(|&&a| a > 128).count() > 1500);
        assert_eq!((lion.width, lion.height), (tiger.width, tiger.height));
        let differ = lion.alpha.iter().zip(&tiger.alpha).filter(|(a, b)| a.abs_diff(**b) > 64).count();
        assert!(differ * 100 > lion.alpha.len() * 2, "{differ} of {} pixels differ", lion.alpha.len());
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
}
