//! How long a cut takes: the model's load time, then per photo the median of 5 cuts, split into
//! preparation (scaling), inference and refinement.
//!
//! `cargo run --release -p videoagent-cutout --example bench_cutout [-- --max-side N] [PHOTO...]`
//! With no photos it uses the fixture photos, plus a 16 MP synthetic upscale of one of them to
//! show that the working size, not the photo's size, sets the cost.

use image::RgbImage;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use videoagent_cutout::{Cutter, DEFAULT_MAX_SIDE};

const RUNS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut max_side = DEFAULT_MAX_SIDE;
    let mut photos: Vec<(String, RgbImage)> = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--max-side" {
            max_side = args.next().ok_or("--max-side needs a value")?.parse()?;
        } else {
            photos.push((arg.clone(), image::open(&arg)?.into_rgb8()));
        }
    }
    if photos.is_empty() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images");
        for name in ["photo_coffee.png", "photo_astronaut.jpg", "photo_cat.png", "synthetic_subject.png"] {
            photos.push((name.to_string(), image::open(dir.join(name))?.into_rgb8()));
        }
        let big = image::imageops::resize(&photos[0].1, 4896, 3264, image::imageops::FilterType::Triangle);
        photos.push(("photo_coffee.png upscaled to 4896x3264 (16 MP)".to_string(), big));
    }

    let started = Instant::now();
    let cutter = Cutter::load()?;
    println!("load: {:.0} ms (model built in: {})", ms(started.elapsed()), cutter.has_model());

    for (name, photo) in &photos {
        let mut prepare = Vec::new();
        let mut inference = Vec::new();
        let mut refine = Vec::new();
        let mut total = Vec::new();
        let mut last = None;
        for _ in 0..RUNS {
            let t = Instant::now();
            let cut = cutter.cut(photo, max_side)?;
            total.push(t.elapsed());
            prepare.push(cut.timings.prepare);
            inference.push(cut.timings.inference);
            refine.push(cut.timings.refine);
            last = Some(cut);
        }
        let cut = last.expect("RUNS > 0");
        let (w, h) = cut.alpha.dimensions();
        println!(
            "{name} ({}x{} -> {w}x{h}): median of {RUNS}: total {:.0} ms = prepare {:.1} + inference {:.0} + refine {:.1} (+ analysis) ms; {}",
            photo.width(),
            photo.height(),
            ms(median(&mut total)),
            ms(median(&mut prepare)),
            ms(median(&mut inference)),
            ms(median(&mut refine)),
            cut.analysis.verdict
        );
    }
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
