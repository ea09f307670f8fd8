//! Laid-out lines → a [`TextMask`]: ab_glyph rasterises the shaped glyph IDs
//! at the shaped positions, emoji art is drawn into its square boxes.

use super::emoji;
use super::fonts::{line_metrics, Face};
use super::shape::{shape_line, Ink, EMOJI_DROP};
use super::{GlyphBox, TextMask};
use ab_glyph::Font as _;

/// The text mask's margin around the lines, each side, in pixels.
pub(crate) const MARGIN: u32 = 2;

/// The size of the mask `lines` take at size `px` (width, height), without drawing them.
pub(crate) fn mask_size(widths: impl Iterator<Item = f32>, n_lines: usize, chain: &[Face], px: f32) -> (u32, u32) {
    let line_h = super::fonts::line_height(chain, px);
    let width = widths.fold(1.0f32, f32::max).ceil() as u32 + 2 * MARGIN;
    let height = (line_h * n_lines as f32).ceil() as u32 + 2 * MARGIN;
    (width, height)
}

/// Rasterises `lines` (already broken), each centred, at size `px`.
pub(crate) fn rasterise(lines: &[String], chain: &[Face], px: f32) -> TextMask {
    let (ascent, descent, gap) = line_metrics(chain, px);
    let line_h = (ascent - descent + gap).ceil();
    let shaped: Vec<_> = lines.iter().map(|l| shape_line(l, chain, px)).collect();
    let (width, height) = mask_size(shaped.iter().map(|s| s.1), lines.len(), chain, px);
    let mut coverage = vec![0u8; (width * height) as usize];
    let mut glyphs = Vec::new();
    let margin = MARGIN as f32;
    for (i, (placed, lw)) in shaped.into_iter().enumerate() {
        let left = (width as f32 - lw) / 2.0;
        let baseline = margin + ascent + line_h * i as f32;
        let mut boxes = Vec::with_capacity(placed.len());
        for g in placed {
            let drawn = match &g.ink {
                Ink::Glyph { face, id } => glyph_box(*face, *id, px, (left + g.x, baseline - g.rise), (width, height)),
                Ink::Emoji { art, side } => emoji_box(art, *side, (left + g.x, baseline), (width, height)),
            };
            let Some(b) = drawn else { continue };
            for (r, row) in b.coverage.chunks_exact(b.w as usize).enumerate() {
                let at = ((b.y + r as u32) * width + b.x) as usize;
                for (d, &s) in coverage[at..at + b.w as usize].iter_mut().zip(row) {
                    *d = (*d).max(s);
                }
            }
            boxes.push((g.cluster, b));
        }
        // Reading order: the order of the text, even where a run was set right to left.
        boxes.sort_by_key(|(cluster, _)| *cluster);
        glyphs.extend(boxes.into_iter().map(|(_, b)| b));
    }
    let lines = (0..lines.len() as u32).map(|i| (MARGIN + line_h as u32 * i, line_h as u32)).collect();
    TextMask { width, height, coverage, glyphs, lines }
}

/// One glyph drawn with its origin at `(x, y)`, clipped to the mask; `None`
/// when it has no ink there.
fn glyph_box(
    face: Face,
    id: ab_glyph::GlyphId,
    px: f32,
    (x, y): (f32, f32),
    (width, height): (u32, u32),
) -> Option<GlyphBox> {
    let glyph = id.with_scale_and_position(face.scale(px), ab_glyph::point(x, y));
    let outline = face.raster().outline_glyph(glyph)?;
    let b = outline.px_bounds();
    let (gx0, gy0) = (b.min.x as i32, b.min.y as i32);
    // The glyph's box, clipped to the mask.
    let (x0, y0) = (gx0.max(0), gy0.max(0));
    let x1 = (b.max.x.ceil() as i32).min(width as i32);
    let y1 = (b.max.y.ceil() as i32).min(height as i32);
    if x0 >= x1 || y0 >= y1 {
        return None;
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
        return None;
    }
    Some(GlyphBox { x: x0 as u32, y: y0 as u32, w: bw, h: bh, coverage: own, color: None })
}

/// An emoji's art in its square box at pen `x` on `baseline`, clipped to the
/// mask: its alpha is the coverage, its colours go along.
fn emoji_box(
    art: &videoagent_art::ArtRef,
    side: f32,
    (x, baseline): (f32, f32),
    (width, height): (u32, u32),
) -> Option<GlyphBox> {
    let n = side.round().max(1.0) as u32;
    let img = emoji::pixels(art, n)?;
    let (iw, ih) = img.dimensions();
    // Centred in the em box (art that is not square keeps its aspect).
    let gx0 = (x + (side - iw as f32) / 2.0).round() as i32;
    let gy0 = (baseline + side * EMOJI_DROP - side + (side - ih as f32) / 2.0).round() as i32;
    let (x0, y0) = (gx0.max(0), gy0.max(0));
    let x1 = (gx0 + iw as i32).min(width as i32);
    let y1 = (gy0 + ih as i32).min(height as i32);
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    let (bw, bh) = ((x1 - x0) as u32, (y1 - y0) as u32);
    let mut coverage = Vec::with_capacity((bw * bh) as usize);
    let mut color = Vec::with_capacity((bw * bh * 3) as usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel((x - gx0) as u32, (y - gy0) as u32).0;
            coverage.push(p[3]);
            color.extend_from_slice(&p[..3]);
        }
    }
    if coverage.iter().all(|&a| a == 0) {
        return None;
    }
    Some(GlyphBox { x: x0 as u32, y: y0 as u32, w: bw, h: bh, coverage, color: Some(color) })
}
