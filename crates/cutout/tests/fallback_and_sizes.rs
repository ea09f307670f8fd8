//! The fallback on photos with no subject, and the working size's rules.

mod common;

use common::{fixture, XorShift};
use image::{Rgb, RgbImage};
use videoagent_cutout::{working_size, Cutter, Verdict, WeakReason};

/// A flat texture: a warm beige wall with faint fine grain and a gentle light falloff, nothing in
/// front of it.
fn flat_texture(w: u32, h: u32) -> RgbImage {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    RgbImage::from_fn(w, h, |x, y| {
        let light = 1.0 - 0.08 * ((x as f32 / w as f32) - 0.5).abs() - 0.06 * (y as f32 / h as f32);
        let grain = f32::from(rng.next_u8() % 7) - 3.0;
        let c = |base: f32| (base * light + grain).clamp(0.0, 255.0) as u8;
        Rgb([c(214.0), c(196.0), c(170.0)])
    })
}

/// Uniform RGB noise.
fn noise(w: u32, h: u32) -> RgbImage {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    RgbImage::from_fn(w, h, |_, _| Rgb([rng.next_u8(), rng.next_u8(), rng.next_u8()]))
}

#[test]
fn working_size_obeys_max_side_and_never_upscales() {
    let cutter = Cutter::load().unwrap();
    let photo = fixture("photo_coffee.png"); // 600×400
    for (max_side, want) in [(300, (300, 200)), (599, (599, 399)), (600, (600, 400)), (2000, (600, 400))] {
        let cut = cutter.cut(&photo, max_side).unwrap();
        assert_eq!(cut.alpha.dimensions(), want, "max_side {max_side}");
        assert_eq!(working_size(600, 400, max_side), Some(want));
    }
    assert!(cutter.cut(&photo, 0).is_err());
    assert!(cutter.cut(&RgbImage::new(0, 0), 1280).is_err());
}

/// The extreme aspect ratios the API accepts, 2:5 and 5:2, at a working size smaller than the
/// photo (1000 px long side scaled to 640).
#[test]
fn extreme_aspect_ratios_work() {
    let cutter = Cutter::load().unwrap();
    for (name, want) in [("ratio_2x5.jpg", (256, 640)), ("ratio_5x2.jpg", (640, 256))] {
        let cut = cutter.cut(&fixture(name), 640).unwrap();
        assert_eq!(cut.alpha.dimensions(), want, "{name}");
        println!("{name}: {:?} -> {}", cut.analysis, cut.analysis.verdict);
    }
    // A synthetic subject squeezed into 2:5 and 5:2 is still found.
    let star = fixture("synthetic_subject.png");
    for (w, h) in [(320, 800), (800, 320)] {
        let squeezed = image::imageops::resize(&star, w, h, image::imageops::FilterType::Triangle);
        let cut = cutter.cut(&squeezed, 1280).unwrap();
        assert_eq!(cut.alpha.dimensions(), (w, h));
        if cutter.has_model() {
            assert_eq!(cut.analysis.verdict, Verdict::Subject, "{w}x{h}: {}", cut.analysis.verdict);
        }
    }
}

#[cfg(feature = "model")]
#[test]
fn a_flat_texture_falls_back() {
    let cut = common::cutter().cut(&flat_texture(640, 480), 1280).unwrap();
    println!("flat: {:?} raw {:?} -> {}", cut.analysis, cut.raw_range, cut.analysis.verdict);
    assert!(matches!(cut.analysis.verdict, Verdict::Weak(_)), "{}", cut.analysis.verdict);
}

#[cfg(feature = "model")]
#[test]
fn noise_falls_back() {
    for (w, h) in [(640, 480), (500, 500)] {
        let cut = common::cutter().cut(&noise(w, h), 1280).unwrap();
        println!("noise {w}x{h}: {:?} raw {:?} -> {}", cut.analysis, cut.raw_range, cut.analysis.verdict);
        assert!(matches!(cut.analysis.verdict, Verdict::Weak(_)), "{}", cut.analysis.verdict);
    }
}

/// Two equal orange discs on a blue background: two subjects, so no single cut-out.
#[cfg(feature = "model")]
#[test]
fn two_equal_subjects_are_ambiguous() {
    let photo = RgbImage::from_fn(640, 480, |x, y| {
        let disc = |cx: f32| (x as f32 + 0.5 - cx).hypot(y as f32 + 0.5 - 240.0) < 100.0;
        if disc(160.0) || disc(480.0) {
            Rgb([255, 128, 16])
        } else {
            Rgb([176, 214, 240])
        }
    });
    let cut = common::cutter().cut(&photo, 1280).unwrap();
    println!("two discs: {:?} -> {}", cut.analysis, cut.analysis.verdict);
    assert!(
        matches!(cut.analysis.verdict, Verdict::Weak(WeakReason::SeveralBlobs { blobs: 2, .. })),
        "{}",
        cut.analysis.verdict
    );
    assert!(cut.analysis.verdict.to_string().starts_with("weak: 2 separate regions, the second "));
}

/// Bold wavy stripes over the whole frame: the model calls it all foreground, which is no
/// cut-out at all.
#[cfg(feature = "model")]
#[test]
fn a_pattern_filling_the_frame_falls_back() {
    let photo = RgbImage::from_fn(640, 480, |x, y| {
        let on = (x as f32 / 6.0 + (y as f32 / 40.0).sin() * 3.0).sin() > 0.0;
        let s = if on { 180 } else { 60 };
        Rgb([s, 100, 255 - s])
    });
    let cut = common::cutter().cut(&photo, 1280).unwrap();
    println!("stripes: {:?} -> {}", cut.analysis, cut.analysis.verdict);
    assert!(matches!(cut.analysis.verdict, Verdict::Weak(_)), "{}", cut.analysis.verdict);
}

/// Built without the model, every cut is the whole photo with the `ModelMissing` verdict.
#[cfg(not(feature = "model"))]
#[test]
fn without_the_model_every_cut_falls_back() {
    let cutter = Cutter::load().unwrap();
    assert!(!cutter.has_model());
    for photo in [fixture("photo_cat.png"), noise(100, 80), flat_texture(90, 60)] {
        let cut = cutter.cut(&photo, 1280).unwrap();
        assert_eq!(cut.analysis.verdict, Verdict::Weak(WeakReason::ModelMissing));
        assert_eq!(cut.analysis.verdict.to_string(), "weak: built without the cut-out model");
        assert_eq!(cut.alpha.dimensions(), photo.dimensions());
    }
}

#[cfg(feature = "model")]
#[test]
fn the_model_is_built_in() {
    let cutter = Cutter::load().unwrap();
    assert!(cutter.has_model());
    let cut = cutter.cut(&fixture("photo_cat.png"), 1280).unwrap();
    assert_ne!(cut.analysis.verdict, Verdict::Weak(WeakReason::ModelMissing));
    assert!(cut.raw_range.is_some());
}
