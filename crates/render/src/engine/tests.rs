use super::*;
use std::sync::atomic::AtomicBool;

fn photo() -> RgbImage {
    RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, ((x + y) / 5) as u8]))
}

fn job(id: &str, texts: &[&str]) -> RenderJob {
    RenderJob {
        template_id: id.into(),
        template_name: "t".into(),
        texts: texts.iter().map(|s| s.to_string()).collect(),
        images: vec![photo()],
    }
}

const RUN: &str = "393769180141805569";
const SEASONS: &str = "398574688191234048";

#[test]
fn builtin_templates_parse_and_fall_back_otherwise() {
    let r = TemplateRenderer::builtin();
    assert!(r.spec(RUN).is_some() && r.spec(SEASONS).is_some());
    // Both Diving IDs share one file; Art Fonts needs no image.
    assert_eq!(r.spec("392753057216684038").unwrap().id, "392747428568649728");
    assert_eq!(r.spec("394875727173492739").unwrap().image_slots(), 0);
    let word = RenderJob {
        template_id: "394875727173492739".into(),
        template_name: "Art Fonts".into(),
        texts: vec!["OCEAN".into()],
        images: vec![],
    };
    let still = r.render_frame(&word, 4.0).unwrap();
    assert_eq!(still.dimensions(), (1280, 720));
    assert_eq!(r.spec(SEASONS).unwrap().image_slots(), 1);
    // A template without a spec renders with the simple renderer.
    let still = r.render_frame(&job("393881433990066176", &[]), 1.0).unwrap();
    assert_eq!(still.dimensions(), (1280, 720));
}

#[test]
fn frames_change_and_texts_are_drawn() {
    let r = TemplateRenderer::builtin();
    let a = r.render_frame(&job(RUN, &["狮子"]), 3.0).unwrap();
    let b = r.render_frame(&job(RUN, &["老虎"]), 3.0).unwrap();
    let later = r.render_frame(&job(RUN, &["狮子"]), 3.2).unwrap();
    let differ = |x: &RgbImage, y: &RgbImage| x.pixels().zip(y.pixels()).filter(|(p, q)| p.0 != q.0).count();
    assert!(differ(&a, &later) > 10_000, "frames change over time");
    // Title area: the bottom band.
    let band = |img: &RgbImage| image::imageops::crop_imm(img, 320, 580, 640, 120).to_image();
    let changed = differ(&band(&a), &band(&b));
    assert!(changed * 100 > 640 * 120 * 2, "title differs in {changed} pixels");
    assert_eq!(r.render_frame(&job(RUN, &["狮子"]), 3.0).unwrap(), a, "deterministic");
}

#[test]
fn four_seasons_grades_differ_per_season() {
    let r = TemplateRenderer::builtin();
    let j = job(SEASONS, &[]);
    let mean = |img: &RgbImage| {
        let n = (img.width() * img.height()) as f64;
        [0, 1, 2].map(|c| img.pixels().map(|p| f64::from(p[c])).sum::<f64>() / n)
    };
    let spring = mean(&r.render_frame(&j, 1.0).unwrap());
    let winter = mean(&r.render_frame(&j, 7.0).unwrap());
    assert!(winter[2] - winter[0] > spring[2] - spring[0] + 5.0, "winter is bluer: {spring:?} vs {winter:?}");
}

#[test]
fn a_template_renders_to_mp4_with_the_declared_frames() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.mp4");
    let cancel = AtomicBool::new(false);
    let ctl = RenderControl { cancel: &cancel, progress: &|_, _| {}, audio: Default::default() };
    let s = TemplateRenderer::builtin().render(&job(RUN, &["Lion"]), &out, &ctl).unwrap();
    assert_eq!((s.width, s.height, s.fps, s.frames), (1280, 720, 25, 150));
    assert!(std::fs::metadata(&out).unwrap().len() > 100_000);
}

#[test]
fn templates_dir_overrides_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.json"),
        r##"{"id":"393769180141805569","name":"Mine","duration":2,"layers":[{"type":"gradient","top":"#000000","bottom":"#ffffff"}]}"##,
    )
    .unwrap();
    let r = TemplateRenderer::builtin().with_dir(dir.path()).unwrap();
    assert_eq!(r.spec(RUN).unwrap().name, "Mine");
    std::fs::write(dir.path().join("bad.json"), r#"{"id":"x","name":"n","duration":2,"layers":[{"type":"sparkle"}]}"#)
        .unwrap();
    let e = TemplateRenderer::builtin().with_dir(dir.path()).unwrap_err().to_string();
    assert!(e.contains("bad.json") && e.contains("layers[0]"), "{e}");
}

/// The committed schema is the one the code generates. Refresh it with
/// `videoagent templates --schema > docs/template.schema.json`.
#[test]
fn committed_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/template.schema.json");
    let committed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(committed, spec::json_schema(), "docs/template.schema.json is out of date");
    let layer = serde_json::to_string(&committed).unwrap();
    for kind in ["gradient", "backdrop", "photo", "text", "shape", "particles", "tint", "vignette"] {
        assert!(layer.contains(&format!("\"{kind}\"")), "{kind} missing from the schema");
    }
}
