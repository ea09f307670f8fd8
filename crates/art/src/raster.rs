//! SVG → RGBA through resvg.

use std::sync::{Arc, OnceLock};

use image::RgbaImage;
use resvg::{tiny_skia, usvg};

use crate::ArtError;

/// The largest side a raster may have: a 4K frame's long side, which bounds the
/// memory one call can take (4096² × 4 bytes = 64 MiB).
pub const MAX_SIZE_PX: u32 = 4096;

/// Parse options that never touch the outside world: `<image href="file">`
/// resolves to nothing (usvg's default would read the file), and data-URL
/// rasters are dropped (this build of resvg has no image decoders). Without the
/// `text` feature, `<text>` is dropped too.
fn options() -> usvg::Options<'static> {
    usvg::Options {
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|mime, data: Arc<Vec<u8>>, opts| match mime {
                // Nested SVG is vector art like the rest; usvg parses it with
                // these same options, so it cannot read files either.
                "image/svg+xml" => (usvg::ImageHrefResolver::default_data_resolver())(mime, data, opts),
                _ => None,
            }),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Draws an SVG document so that its long side is `size_px`, keeping its
/// aspect; straight (non-premultiplied) RGBA.
pub fn rasterize_svg(svg: &str, size_px: u32) -> Result<RgbaImage, ArtError> {
    if size_px == 0 || size_px > MAX_SIZE_PX {
        return Err(ArtError::Size(size_px));
    }
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|e| ArtError::Svg(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    let scale = size_px as f32 / w.max(h);
    let out_w = ((w * scale).round() as u32).clamp(1, MAX_SIZE_PX);
    let out_h = ((h * scale).round() as u32).clamp(1, MAX_SIZE_PX);
    let mut pixmap = tiny_skia::Pixmap::new(out_w, out_h).ok_or(ArtError::Size(size_px))?;
    // Scale each axis to the rounded pixel size, so the art fills the image
    // exactly (the two scales differ by under half a pixel over the side).
    let transform = tiny_skia::Transform::from_scale(out_w as f32 / w, out_h as f32 / h);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    // tiny-skia works premultiplied; images everywhere else here are straight.
    let mut rgba = pixmap.take();
    demultiply(&mut rgba);
    RgbaImage::from_raw(out_w, out_h, rgba).ok_or_else(|| ArtError::Svg("pixmap size mismatch".into()))
}

/// Premultiplied → straight RGBA in place, with the same rounding as
/// tiny-skia's `take_demultiplied` but from a table: that one divides in f64
/// for every channel of every pixel, transparent ones included, and was 40%
/// of the time of a 512 px raster. Opaque and transparent pixels (most of an
/// icon) are left as they are.
fn demultiply(rgba: &mut [u8]) {
    let table = demultiply_table();
    for px in rgba.chunks_exact_mut(4) {
        let a = px[3];
        if a != 255 && a != 0 {
            let row = &table[a as usize];
            px[0] = row[px[0] as usize];
            px[1] = row[px[1] as usize];
            px[2] = row[px[2] as usize];
        }
    }
}

/// `table[a][c]` = `c` demultiplied by alpha `a`, rounded as tiny-skia does.
fn demultiply_table() -> &'static [[u8; 256]; 256] {
    static TABLE: OnceLock<Box<[[u8; 256]; 256]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Box::new([[0u8; 256]; 256]);
        for (a, row) in table.iter_mut().enumerate().skip(1) {
            let alpha = a as f64 / 255.0;
            for (c, out) in row.iter_mut().enumerate() {
                // Saturating, like tiny-skia's `as u8` (c > a is not valid premultiplied data).
                *out = (c as f64 / alpha + 0.5) as u8;
            }
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every valid premultiplied value demultiplies exactly as tiny-skia does.
    #[test]
    fn demultiply_matches_tiny_skia() {
        for a in 0..=255u8 {
            for c in 0..=a {
                let premul = tiny_skia::PremultipliedColorU8::from_rgba(c, c / 2, 0, a).unwrap();
                let want = premul.demultiply();
                let mut px = [c, c / 2, 0, a];
                demultiply(&mut px);
                assert_eq!(px, [want.red(), want.green(), want.blue(), want.alpha()], "c {c} a {a}");
            }
        }
    }
}
