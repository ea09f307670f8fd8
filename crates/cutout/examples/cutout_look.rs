//! Writes what a person needs to judge cut-outs by eye: for each photo, its mask and the subject
//! composited over a checkerboard (so halos and holes show), plus the analysis on stdout.
//!
//! `cargo run --release -p videoagent-cutout --example cutout_look -- OUT_DIR PHOTO...`
//! (`--max-side N` before the photos changes the working size, default 1280).

use image::{Rgb, RgbImage};
use std::path::{Path, PathBuf};
use videoagent_cutout::{Cutter, DEFAULT_MAX_SIDE};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = PathBuf::from(args.next().ok_or("usage: cutout_look OUT_DIR [--max-side N] PHOTO...")?);
    let mut max_side = DEFAULT_MAX_SIDE;
    let mut photos = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--max-side" {
            max_side = args.next().ok_or("--max-side needs a value")?.parse()?;
        } else {
            photos.push(PathBuf::from(arg));
        }
    }
    std::fs::create_dir_all(&out_dir)?;
    let cutter = Cutter::load()?;
    for photo in &photos {
        let image = image::open(photo)?.into_rgb8();
        let cut = cutter.cut(&image, max_side)?;
        let stem = photo.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
        std::fs::write(out_dir.join(format!("{stem}_mask.png")), cut.to_png()?)?;
        let (w, h) = cut.alpha.dimensions();
        let working = image::imageops::resize(&image, w, h, image::imageops::FilterType::Triangle);
        composite(&working, &cut.alpha).save(out_dir.join(format!("{stem}_checker.png")))?;
        let a = &cut.analysis;
        println!(
            "{}: {}x{} raw {:?} coverage {:.4} confidence {:.4} blobs {} second {:.3} sides {} bbox {:?} centroid ({:.1}, {:.1}) inference {:.0} ms refine {:.0} ms -> {}",
            file_name(photo),
            w,
            h,
            cut.raw_range,
            a.coverage,
            a.confidence,
            a.blobs,
            a.second_blob_ratio,
            a.sides_touched,
            a.bbox,
            a.centroid.0,
            a.centroid.1,
            cut.timings.inference.as_secs_f64() * 1e3,
            cut.timings.refine.as_secs_f64() * 1e3,
            a.verdict
        );
    }
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The photo over a grey/white checkerboard through the mask: transparent areas show the board,
/// a halo shows as a tinted rim on it.
fn composite(photo: &RgbImage, alpha: &image::GrayImage) -> RgbImage {
    RgbImage::from_fn(photo.width(), photo.height(), |x, y| {
        let board = if ((x / 12) + (y / 12)) % 2 == 0 { 255.0 } else { 190.0 };
        let a = f32::from(alpha.get_pixel(x, y)[0]) / 255.0;
        let p = photo.get_pixel(x, y);
        Rgb([0, 1, 2].map(|c| (f32::from(p[c]) * a + board * (1.0 - a)).round() as u8))
    })
}
