//! Text layers drawn: drop shadow, outline, solid or water fill, and the
//! reveals (fade, slide, wipe, typewriter, pop). Everything that depends only
//! on the text (the whole mask and each glyph's, their outlines, the water's
//! maps) is prepared once in [`TextLayer::new`]; a frame only blends.
//!
//! Coordinates: "text space" is the pixel grid of the laid-out
//! [`crate::text::TextMask`] (its top-left is 0, 0); sprites padded for an
//! outline reach a little outside it.

use super::spec::{Reveal, Span, TextFill, TextSpec};
use super::sprite::{Paint, Sprite};
use super::water::Water;
use crate::geom::IRect;
use crate::raster::{blend_coverage, clip_rows, colour_run, fill_rect, for_rows, smoothstep, Canvas, Opacity};
use crate::text::render_text;

/// A text layer ready to draw.
pub(crate) struct TextLayer {
    spec: TextSpec,
    /// Size of the laid-out text (before outline padding).
    width: u32,
    height: u32,
    /// All the text at once.
    whole: Sprite,
    /// Each glyph with ink, in reading order.
    glyphs: Vec<Sprite>,
    water: Option<Water>,
    /// Drop shadow offset in pixels.
    shadow: i32,
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

impl TextLayer {
    /// `content` (the text the spec's slot or literal resolved to) laid
    /// out on a `w`×`h` canvas as `spec` says.
    pub(crate) fn new(content: &str, spec: &TextSpec, (w, h): (u32, u32)) -> TextLayer {
        let px = spec.size * h as f32;
        let mask = render_text(content, px, w as f32 * 0.9, 3);
        // Zero or negative widths mean no outline; at most 5 % of the canvas.
        let radius = spec.outline.map_or(0.0, |o| (o.width * h as f32).clamp(0.0, h as f32 * 0.05));
        let whole = Sprite::new(IRect::new(0, 0, mask.width, mask.height), mask.coverage, radius);
        let glyphs = mask
            .glyphs
            .into_iter()
            .map(|g| Sprite::new(IRect::new(g.x as i32, g.y as i32, g.w, g.h), g.coverage, radius))
            .collect();
        let water = (spec.fill == TextFill::Water).then(|| Water::new(&whole, &mask.lines, px, spec.reveal_secs));
        TextLayer {
            spec: spec.clone(),
            width: mask.width,
            height: mask.height,
            whole,
            glyphs,
            water,
            shadow: (h / 240).max(2) as i32,
        }
    }

    /// When it is shown.
    pub(crate) fn span(&self) -> &Span {
        &self.spec.span
    }

    /// Draws the layer `local` seconds after its start, at opacity `k`.
    pub(crate) fn draw(&self, canvas: &mut Canvas<'_>, local: f32, k: f32) {
        let (w, h) = canvas.size();
        let s = &self.spec;
        let secs = s.reveal_secs.max(0.01);
        let p = smoothstep(local / secs);
        let (fade, rise) = match s.reveal {
            Reveal::Fade => (p, 0.0),
            Reveal::Slide => (p, (1.0 - p) * h as f32 * 0.04),
            Reveal::Wipe | Reveal::Typewriter | Reveal::Pop => (1.0, 0.0),
        };
        // (A water fill ignores `color`, its alpha too.)
        let paint_alpha = if self.water.is_some() { 1.0 } else { f32::from(s.color.0[3]) / 255.0 };
        let alpha = fade * k * paint_alpha;
        // Where text space's origin lands on the canvas.
        let left = (s.x * w as f32) as i32 - self.width as i32 / 2;
        let top = (s.y * h as f32 + rise) as i32 - self.height as i32 / 2;
        let visible_w = match s.reveal {
            Reveal::Wipe => (self.width as f32 * p).ceil() as u32,
            _ => self.width,
        };
        // Per-glyph reveals: which glyphs, at what scale (None once all are in place).
        let n = self.glyphs.len();
        let (each, step) = if n <= 1 { (secs, 0.0) } else { (secs * 0.5, secs * 0.5 / (n - 1) as f32) };
        let per_glyph: Option<Vec<(&Sprite, f32)>> = match s.reveal {
            _ if local >= secs => None,
            Reveal::Typewriter => {
                let shown = ((local / secs).clamp(0.0, 1.0) * n as f32).ceil() as usize;
                Some(self.glyphs[..shown.min(n)].iter().map(|g| (g, 1.0)).collect())
            }
            Reveal::Pop => Some(
                self.glyphs
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (g, overshoot((local - i as f32 * step) / each)))
                    .filter(|&(_, scale)| scale > 0.01)
                    .collect(),
            ),
            _ => None,
        };
        if let Some(plate) = s.plate {
            let grow = if s.reveal == Reveal::Pop { smoothstep(local / each) } else { 1.0 };
            let pad = (h as f32 * 0.02) as i32;
            let a = alpha * grow * f32::from(plate.0[3]) / 255.0;
            let rect = IRect::new(left - 2 * pad, top - pad, visible_w + 4 * pad as u32, self.height + 2 * pad as u32);
            fill_rect(canvas, rect, plate.rgb(), Opacity::from_unit(a));
        }
        // Wipes clip at a column of text space, growing over the padded width.
        let pad = -self.whole.x;
        let clip = match s.reveal {
            Reveal::Wipe if pad == 0 => visible_w as i32,
            Reveal::Wipe => ((self.whole.w as f32 * p).ceil() as i32 - pad).min(self.whole.w as i32 - pad),
            _ => i32::MAX,
        };
        let sprites = per_glyph.unwrap_or_else(|| vec![(&self.whole, 1.0)]);
        let mut canvas = Painter(canvas);
        let shadow_at = (left + self.shadow, top + self.shadow);
        for &(g, scale) in &sprites {
            let mask = g.solid.as_ref().unwrap_or(&g.fill);
            if self.water.is_some() {
                // Through glass letters their own shadow would show: only around them.
                let cut = Cutout { sprite: &self.whole, shift: self.shadow };
                canvas.sprite(g, mask, scale, shadow_at, clip, 0.55 * alpha, &cut);
            } else {
                canvas.sprite(g, mask, scale, shadow_at, clip, 0.55 * alpha, &Solid([0, 0, 0]));
            }
        }
        if let Some(outline) = s.outline {
            let a = fade * k * f32::from(outline.color.0[3]) / 255.0;
            for &(g, scale) in &sprites {
                if let Some(ring) = &g.ring {
                    canvas.sprite(g, ring, scale, (left, top), clip, a, &Solid(outline.color.rgb()));
                }
            }
        }
        match &self.water {
            Some(water) => {
                let paint = water.at_time(local);
                for &(g, scale) in &sprites {
                    canvas.sprite(g, &g.fill, scale, (left, top), clip, alpha, &paint);
                }
            }
            None => {
                for &(g, scale) in &sprites {
                    canvas.sprite(g, &g.fill, scale, (left, top), clip, alpha, &Solid(s.color.rgb()));
                }
            }
        }
    }
}

/// Draws sprites on a canvas.
struct Painter<'c, 'a>(&'c mut Canvas<'a>);

impl Painter<'_, '_> {
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
        let (fx0, fy0) = ((ox + sx).max(0), (oy + sy).max(0));
        let canvas = &mut *self.0;
        let fx1 = (ox + sx + (sw as i32).min(clip.saturating_sub(sx))).min(canvas.w as i32);
        let Some(ys) = clip_rows(fy0, oy + sy + sh as i32, &canvas.rows, canvas.h) else { return };
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
        let fx0 = ((fcx - hw).floor() as i32).max(0);
        let canvas = &mut *self.0;
        let fx1 = ((fcx + hw).ceil() as i32).min(canvas.w as i32);
        let Some(ys) = clip_rows((fcy - hh).floor() as i32, (fcy + hh).ceil() as i32, &canvas.rows, canvas.h) else {
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
    use crate::engine::spec::{Color, Outline};

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
        ((W / 2) as i32 - layer.width as i32 / 2, (H / 2) as i32 - layer.height as i32 / 2)
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
                paint(&mut Painter(&mut Canvas::band_of(&mut frame, (w, h), rows.clone())));
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
        assert_eq!(layer.glyphs.len(), 7);
        let shown = |t: f32| {
            let f = frame(&layer, t);
            let lit: Vec<f32> = layer.glyphs.iter().map(|g| lit(&layer, &f, g)).collect();
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
        let water = layer.water.as_ref().unwrap();
        let (ox, oy) = origin(&layer);
        // The stem of the I: its middle column, from the top of the ink to the bottom.
        let g = &layer.glyphs[1];
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
        let texts = ["🦁 狮子 \u{0} A\u{0301}V", "", " ", "\n\n", "👨‍👩‍👧‍👦🏳️‍🌈", "\u{202E}abc\u{202C} שלום مرحبا", "ﷺ﷽"];
        for text in texts {
            for reveal in [Reveal::Fade, Reveal::Slide, Reveal::Wipe, Reveal::Typewriter, Reveal::Pop] {
                for fill in [TextFill::Solid, TextFill::Water] {
                    for outline in [None, Some(Outline { color: Color([0, 0, 0, 200]), width: 0.01 })] {
                        let mut s = style(reveal);
                        (s.fill, s.outline, s.plate, s.x) = (fill, outline, Some(Color([9, 9, 9, 128])), 0.97);
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
}
