use super::*;
use std::sync::atomic::AtomicBool;

fn photo() -> RgbImage {
    RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, ((x + y) / 5) as u8]))
}

fn job(id: &str, texts: &[&str]) -> RenderJob {
    RenderJob {
        cutouts: Vec::new(),
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
    // Both Diving IDs share one file, each with its own words; Art Fonts needs no image.
    let (zh, en) = (r.spec("392753057216684038").unwrap(), r.spec("392747428568649728").unwrap());
    assert_eq!((zh.name.as_str(), zh.languages.as_slice()), ("Diving", &[spec::Lang::Zh][..]));
    assert_eq!(en.languages, vec![spec::Lang::En]);
    assert_eq!(r.spec("394875727173492739").unwrap().image_slots(), 0);
    let word = RenderJob {
        cutouts: Vec::new(),
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
    // The warning banner at the top (狮子来了！ / 老虎来了！).
    let band = |img: &RgbImage| image::imageops::crop_imm(img, 440, 60, 400, 110).to_image();
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
    let ctl = RenderControl { cancel: &cancel, progress: &|_, _| {}, audio: Default::default(), lanes: crate::LANES };
    let s = TemplateRenderer::builtin().render(&job(RUN, &["Lion"]), &out, &ctl).unwrap();
    assert_eq!((s.width, s.height, s.fps, s.frames), (1280, 720, 25, 200));
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
    // Not assert_eq: printing two whole schemas buries the message.
    assert!(
        committed == spec::json_schema(),
        "docs/template.schema.json is out of date: run `videoagent templates --schema > docs/template.schema.json`"
    );
    let layer = serde_json::to_string(&committed).unwrap();
    for kind in ["gradient", "backdrop", "photo", "text", "shape", "particles", "tint", "vignette", "grade", "grain"] {
        assert!(layer.contains(&format!("\"{kind}\"")), "{kind} missing from the schema");
    }
}

/// Two plain scenes (dark then light) joined by each kind of transition: the
/// frames before and after the cut show one scene each, and the middle of
/// the transition shows something in between.
#[test]
fn scene_transitions_go_from_one_scene_to_the_next() {
    for kind in ["crossfade", "wipe", "slide", "zoom"] {
        let json = format!(
            r##"{{"id":"s","name":"s","width":64,"height":36,"fps":10,"duration":4,"layers":[
                {{"type":"scenes","scenes":[
                  {{"duration":2,"layers":[{{"type":"gradient","top":"#101010","bottom":"#101010"}}]}},
                  {{"duration":2,"transition":{{"kind":"{kind}","secs":1}},
                    "layers":[{{"type":"gradient","top":"#f0f0f0","bottom":"#f0f0f0"}}]}}]}}]}}"##
        );
        let spec = TemplateSpec::parse(&json, "s.json").unwrap();
        let mean = |t: f64| {
            let f = frame_of_spec(&spec, &job("s", &[]), t).unwrap();
            f.as_raw().iter().map(|&v| f64::from(v)).sum::<f64>() / f.as_raw().len() as f64
        };
        let (before, middle, after) = (mean(1.4), mean(2.0), mean(2.6));
        assert!((before - 16.0).abs() < 2.0, "{kind}: first scene before the transition: {before}");
        assert!((after - 240.0).abs() < 2.0, "{kind}: second scene after it: {after}");
        assert!(middle > 40.0 && middle < 220.0, "{kind}: in between at the cut point: {middle}");
    }
    let bad = r#"{"id":"s","name":"s","duration":4,"layers":[{"type":"scenes","scenes":[
        {"duration":2,"layers":[]},{"duration":2,"transition":{"kind":"slide","secs":3},"layers":[]}]}]}"#;
    let e = TemplateSpec::parse(bad, "s.json").unwrap_err().to_string();
    assert!(e.contains("layers[0].scenes[1].transition.secs"), "{e}");
    let e =
        TemplateSpec::parse(r#"{"id":"s","name":"s","duration":4,"layers":[{"type":"scenes","scenes":[]}]}"#, "s.json")
            .unwrap_err()
            .to_string();
    assert!(e.contains("needs 1 to 64 scenes, not 0"), "{e}");
    // Numbers that would need absurd memory or overflow arithmetic are refused, naming the field.
    for (layer, field) in [
        (r#"{"type":"photo","slot":0,"box":[0,0,1,1],"zoom":40}"#, "layers[0].zoom"),
        (r#"{"type":"photo","slot":0,"box":[0,0,1,1],"border":-10}"#, "layers[0].border"),
        (r#"{"type":"text","text":"x","size":50,"x":0.5,"y":0.5}"#, "layers[0].size"),
        (r#"{"type":"text","text":"x","size":0.1,"x":-1e7,"y":0.5}"#, "layers[0].x"),
        (r##"{"type":"shape","x":0.5,"y":0.5,"w":1e7,"h":1,"color":"#000000"}"##, "layers[0].w"),
    ] {
        let json = format!(r#"{{"id":"s","name":"s","duration":4,"layers":[{layer}]}}"#);
        let e = TemplateSpec::parse(&json, "s.json").unwrap_err().to_string();
        assert!(e.contains(&format!("field `{field}`")), "{e}");
    }
    // A first scene's transition is never played, so it is not checked against its length.
    let first =
        r#"{"id":"s","name":"s","duration":4,"layers":[{"type":"scenes","scenes":[{"duration":0.5,"layers":[]}]}]}"#;
    TemplateSpec::parse(first, "s.json").unwrap();
}

/// Sensible framing: a portrait photo (3:4, and the tallest accepted 2:5)
/// in a photo layer keeps its whole top third on the canvas at every frame
/// while it is shown.
#[test]
fn portrait_photos_never_lose_their_top_third() {
    // The built-in templates' photos are actors now: the frozen benchmark
    // copy of Run for Life (scripts/bench) keeps the photo layer's framing.
    let frozen = frozen_run_for_life();
    for (id, spec, until) in [(RUN, &frozen, 6.0)] {
        for (iw, ih) in [(600u32, 800u32), (400, 1000)] {
            let mut t = 0.0;
            while t < until {
                let Rect { x, y, w, h } = spec.photo_rect_at((iw, ih), t).unwrap();
                let (cw, ch) = (spec.width as f32, spec.height as f32);
                assert!(y >= -0.5 && y + h / 3.0 <= ch + 0.5, "{id} {iw}x{ih} at {t}s: top third cut ({y}, {h})");
                assert!(x >= -0.5 && x + w <= cw + 0.5, "{id} {iw}x{ih} at {t}s: sides cut ({x}, {w})");
                t += 0.04;
            }
        }
    }
}

/// Every built-in template (both Diving IDs share one), prepared with the fixture photo.
fn builtin_scenes() -> Vec<(&'static str, TemplateSpec, Scene)> {
    let r = TemplateRenderer::builtin();
    [RUN, SEASONS, "392747428568649728", "394875727173492739", "394125185182695432", "393853165953970178"]
        .into_iter()
        .map(|id| (id, r.spec(id).unwrap().clone()))
        // The frozen pre-toolkit Run for Life: a photo layer that hides what is under it.
        .chain([("run_for_life_v2", frozen_run_for_life())])
        .map(|(id, spec)| {
            let scene = Scene::prepare(&spec, &job(&spec.id, &["OCEAN", "waves"])).unwrap();
            (id, spec, scene)
        })
        .collect()
}

/// Run for Life as it was before the scene toolkit, kept for benchmarks.
fn frozen_run_for_life() -> TemplateSpec {
    let json = include_str!("../../../../scripts/bench/run_for_life_v2.json");
    TemplateSpec::parse(json, "run_for_life_v2.json").unwrap()
}

/// Composing band by band gives exactly the pixels of composing the whole
/// frame in one pass (and their I420 conversion, band by band as they are
/// drawn with the final vignette's gains, what converting the whole frame
/// with them gives), for every layer kind the built-in templates use
/// (transitions included, and text mid-reveal), at many moments. The two
/// buffers start with different garbage (a render reuses them): no pixel
/// may depend on it. The whole frame is drawn without leaving out what an
/// opaque photo hides, the bands as a render draws them.
#[test]
fn bands_compose_exactly_like_whole_frames() {
    for (id, spec, scene) in builtin_scenes() {
        if matches!(spec.layers.last(), Some(Layer::Vignette(_))) {
            assert!(scene.finish.is_some(), "{id}: its final vignette is drawn in the conversion");
        }
        let len = (spec.width * spec.height * 3) as usize;
        let (mut banded, mut hidden) = (0, 0);
        for step in 0..(spec.duration * 4.0) as u32 {
            let t = step as f32 * 0.25 + 0.13;
            let garbage: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4099) as u8).collect();
            let (mut whole, mut buffer) = (vec![1u8; len], garbage);
            hidden += usize::from(scene.hidden(t).is_some());
            let size = (spec.width, spec.height);
            scene.draw_rows_hiding(t, &mut Canvas::whole(&mut whole, size), None);
            // Each band converted to I420 as it is drawn, as a render does,
            // and put together from the bands handed over.
            let mut yuv = videoagent_codec::I420::new(spec.width, spec.height);
            let mut bands = vec![0u8; len];
            scene.draw_banded(t, &mut buffer, &mut |band| {
                Canvas::band_of(&mut bands, size, band.rows.clone()).bytes_mut().copy_from_slice(band.rgb);
                yuv.read_band(&band);
            });
            banded += usize::from(!scene.needs_whole_frame(t));
            assert!(whole == bands, "template {id} at {t} s: bands differ from the whole frame");
            let mut converted = videoagent_codec::I420::new(spec.width, spec.height);
            let gains = scene.finish.as_ref().map(|v| v.gains());
            converted.read_band(&videoagent_codec::Band { rgb: &whole, rows: 0..spec.height, gains });
            assert!(yuv == converted, "template {id} at {t} s: banded I420 differs");
        }
        assert!(banded > 0, "template {id} was drawn in bands at some moment");
        // The frozen Run for Life's photo is square: the rows under it are left out.
        if id == "run_for_life_v2" {
            assert!(hidden > 0, "{id}: the opaque photo hides what is under it");
        }
    }
}

/// The functions compiled twice (baseline and AVX2, chosen at run time)
/// draw the same bytes either way, so a video never depends on the CPU:
/// every built-in template at a few moments, drawn both ways on this thread.
#[test]
fn frames_are_the_same_with_and_without_avx2() {
    for (id, spec, scene) in builtin_scenes() {
        for t in [0.5, 2.1, 4.7] {
            let draw = || {
                let mut frame = vec![0u8; (spec.width * spec.height * 3) as usize];
                scene.draw_rows(t, &mut Canvas::whole(&mut frame, (spec.width, spec.height)));
                frame
            };
            let scalar = crate::simd::with_ceiling(crate::simd::Level::Scalar, draw);
            assert!(draw() == scalar, "template {id} at {t} s differs with scalar kernels only");
        }
    }
}
