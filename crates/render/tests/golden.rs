//! Golden frames: a few frames per reference template, stored small (a
//! quarter of each side) as PNG, compared exactly. Renders are the same
//! bytes on every machine (the compositor's transcendental functions come
//! from the portable `libm`, every SIMD kernel has a scalar twin, and the
//! downscale here is plain float arithmetic), so any difference is a change
//! of look. After an intended one, refresh them with:
//!
//!     UPDATE_GOLDEN=1 cargo test -p videoagent-render --test golden
//!
//! and look at the new PNGs before committing them.

use image::imageops::FilterType;
use image::RgbImage;
use std::path::PathBuf;
use videoagent_render::{RenderJob, Renderer, TemplateRenderer};

fn fixture(name: &str) -> RgbImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images").join(name);
    image::open(path).unwrap().to_rgb8()
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// (name, template, image, text, seconds)
type Golden = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, f64);

const FRAMES: &[Golden] = &[
    ("run_for_life_1s", "393769180141805569", Some("photo_coffee.png"), Some("狮子"), 1.0),
    ("run_for_life_4s", "393769180141805569", Some("photo_coffee.png"), Some("狮子"), 4.0),
    ("diving_2_3s", "392747428568649728", Some("photo_astronaut.jpg"), None, 2.3),
    ("diving_3_5s", "392747428568649728", Some("photo_astronaut.jpg"), None, 3.5),
    ("diving_5_5s", "392747428568649728", Some("photo_astronaut.jpg"), None, 5.5),
    ("art_fonts_3s", "394875727173492739", None, Some("OCEAN"), 3.0),
    // Mid-reveal: glyphs popping in while the water rises; score cards popping.
    ("art_fonts_1_2s", "394875727173492739", None, Some("OCEAN"), 1.2),
    ("diving_4_4s", "392747428568649728", Some("photo_astronaut.jpg"), None, 4.4),
    ("four_seasons_1s", "398574688191234048", Some("photo_astronaut.jpg"), None, 1.0),
    ("four_seasons_7s", "398574688191234048", Some("photo_astronaut.jpg"), None, 7.0),
];

#[test]
fn golden_frames_match() {
    let renderer = TemplateRenderer::builtin();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, id, image, text, secs) in FRAMES {
        let job = RenderJob {
            cutouts: Vec::new(),
            template_id: id.to_string(),
            template_name: name.to_string(),
            texts: text.iter().map(|t| t.to_string()).collect(),
            images: image.iter().map(|i| fixture(i)).collect(),
        };
        let frame = renderer.render_frame(&job, *secs).unwrap();
        let small = image::imageops::resize(&frame, frame.width() / 4, frame.height() / 4, FilterType::Triangle);
        let path = golden_dir().join(format!("{name}.png"));
        if update {
            small.save(&path).unwrap();
            continue;
        }
        let want = image::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (create it with UPDATE_GOLDEN=1)", path.display()))
            .to_rgb8();
        assert_eq!(want.dimensions(), small.dimensions(), "{name}");
        let diffs: Vec<u8> = small.as_raw().iter().zip(want.as_raw()).map(|(a, b)| a.abs_diff(*b)).collect();
        let max = diffs.iter().copied().max().unwrap_or(0);
        let differ = diffs.iter().filter(|&&d| d > 0).count();
        if max > 0 {
            failures.push(format!("{name}: {differ} values differ, by up to {max}"));
        }
    }
    assert!(failures.is_empty(), "golden frames differ:\n{}", failures.join("\n"));
}
