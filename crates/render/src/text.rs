//! Caption text: layout with kerning, greedy word wrap, rasterised once to an
//! alpha mask that frames then blend. Latin font for now (DejaVu Sans Bold,
//! embedded); glyphs the font lacks are drawn as its .notdef box, never a crash.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;

static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("embedded font parses"))
}

/// A coverage mask (0..=255) of rendered text.
pub struct TextMask {
    pub width: u32,
    pub height: u32,
    pub alpha: Vec<u8>,
}

fn line_width(text: &str, px: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Splits `text` into lines no wider than `max_w` (words longer than a line are broken by character).
fn wrap(text: &str, px: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if line_width(&candidate, px) <= max_w {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if line_width(&line, px) > max_w && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
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
    let f = font().as_scaled(PxScale::from(size));
    let line_h = (f.ascent() - f.descent() + f.line_gap()).ceil();
    let width = lines.iter().map(|l| line_width(l, size)).fold(1.0f32, f32::max).ceil() as u32 + 4;
    let height = (line_h * lines.len() as f32).ceil() as u32 + 4;
    let mut alpha = vec![0u8; (width * height) as usize];
    for (i, line) in lines.iter().enumerate() {
        let lw = line_width(line, size);
        let mut x = (width as f32 - lw) / 2.0;
        let baseline = 2.0 + f.ascent() + line_h * i as f32;
        let mut prev = None;
        for c in line.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                x += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(size, ab_glyph::point(x, baseline));
            if let Some(outline) = font().outline_glyph(glyph) {
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
            x += f.h_advance(id);
            prev = Some(id);
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
        assert!(kerning_applies());
    }

    fn kerning_applies() -> bool {
        line_width("AV", 100.0) < line_width("A", 100.0) + line_width("V", 100.0)
    }
}
