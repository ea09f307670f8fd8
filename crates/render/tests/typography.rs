//! Typography of template text layers, through the public API: every font
//! draws, Chinese falls back to a CJK face, long and short texts fit their
//! box inside the safe area (and frames have no ink outside it), emoji are
//! drawn in colour, and the stamp, count-up and kinetic reveals move and
//! end on the static text.
//!
//! `TYPE_LOOK=1 cargo test -p videoagent-render --test typography specimen`
//! also writes a specimen of every face to the temporary directory (`type-look/`).

use image::RgbImage;
use serde_json::{json, Value};
use videoagent_render::engine::frame_of_spec;
use videoagent_render::engine::spec::{Layer, TextSpec};
use videoagent_render::{text_layout, IRect, LaidOut, RenderJob, TemplateSpec};

const W: u32 = 640;
const H: u32 = 360;

/// A 3-second template: black, and one text layer with `text` and `extra` fields.
fn template(text: &str, extra: Value) -> TemplateSpec {
    template_sized(text, extra, (W, H))
}

fn template_sized(text: &str, extra: Value, (w, h): (u32, u32)) -> TemplateSpec {
    let mut layer = json!({ "type": "text", "text": text, "size": 0.1, "x": 0.5, "y": 0.5, "reveal_secs": 1.0 });
    for (k, v) in extra.as_object().unwrap() {
        layer[k] = v.clone();
    }
    let spec = json!({
        "id": "typography", "name": "typography", "duration": 3, "width": w, "height": h, "fps": 25,
        "layers": [ { "type": "gradient", "top": "#000000", "bottom": "#000000" }, layer ]
    });
    TemplateSpec::parse(&spec.to_string(), "typography.json").unwrap()
}

fn text_spec(t: &TemplateSpec) -> &TextSpec {
    match &t.layers[1] {
        Layer::Text(spec) => spec,
        _ => unreachable!("the second layer is the text"),
    }
}

fn job() -> RenderJob {
    RenderJob {
        template_id: "typography".into(),
        template_name: "typography".into(),
        texts: Vec::new(),
        images: Vec::new(),
        cutouts: Vec::new(),
    }
}

fn frame(t: &TemplateSpec, secs: f64) -> RgbImage {
    frame_of_spec(t, &job(), secs).unwrap()
}

fn layout(t: &TemplateSpec, text: &str) -> LaidOut {
    text_layout(text_spec(t), text, (t.width, t.height))
}

fn inside(r: IRect, outer: IRect) -> bool {
    r.x >= outer.x && r.y >= outer.y && r.right() <= outer.right() && r.bottom() <= outer.bottom()
}

/// Pixels that are not black (the background), outside `rect`.
fn ink_outside(f: &RgbImage, rect: IRect) -> usize {
    f.enumerate_pixels()
        .filter(|(x, y, p)| {
            let (x, y) = (*x as i32, *y as i32);
            let out = x < rect.x || y < rect.y || x >= rect.right() || y >= rect.bottom();
            out && p.0 != [0, 0, 0]
        })
        .count()
}

/// Bright pixels (text ink) inside `rect`.
fn ink_in(f: &RgbImage, rect: IRect) -> usize {
    f.enumerate_pixels()
        .filter(|(x, y, p)| {
            let (x, y) = (*x as i32, *y as i32);
            x >= rect.x && y >= rect.y && x < rect.right() && y < rect.bottom() && p.0.iter().any(|&c| c > 160)
        })
        .count()
}

const FONTS: [&str; 6] = ["sans", "condensed", "script", "rounded", "serif", "brush"];

#[test]
fn every_font_draws_and_chinese_falls_back_to_a_cjk_face() {
    let mut looks = Vec::new();
    for font in FONTS {
        let t = template("Game On 42", json!({ "font": font }));
        let f = frame(&t, 2.0);
        let laid = layout(&t, "Game On 42");
        let ink = ink_in(&f, laid.rect);
        assert!(ink > 800, "{font}: {ink} pixels of ink");
        assert_eq!(ink_outside(&f, laid.bounds), 0, "{font}");
        looks.push(f);
    }
    for (i, a) in looks.iter().enumerate() {
        for (j, b) in looks.iter().enumerate().skip(i + 1) {
            assert!(a != b, "{} and {} look the same", FONTS[i], FONTS[j]);
        }
    }
    // Chinese in every face, Latin ones included (the CJK face fills in):
    // ink, and not the .notdef boxes (which all look alike).
    for font in FONTS {
        let lion = template("狮子来了", json!({ "font": font }));
        let tiger = template("老虎来了", json!({ "font": font }));
        let (a, b) = (frame(&lion, 2.0), frame(&tiger, 2.0));
        let ink = ink_in(&a, layout(&lion, "狮子来了").rect);
        assert!(ink > 500, "{font}: {ink} pixels of ink for 狮子来了");
        let differ = a.pixels().zip(b.pixels()).filter(|(p, q)| p.0[0].abs_diff(q.0[0]) > 100).count();
        assert!(differ > 400, "{font}: 狮子 and 老虎 differ in only {differ} pixels");
    }
}

/// Mixed Chinese, Latin and emoji, 500 code points.
fn long_mixed() -> String {
    let piece = "狮子来了！The lion is coming 🦁 快跑 run for your life, 🐱猫也跑了。";
    let text: String = piece.chars().cycle().take(500).collect();
    assert_eq!(text.chars().count(), 500);
    text
}

#[test]
fn text_fits_its_box_inside_the_safe_area() {
    let long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2);
    let huge_word = "Supercalifragilisticexpialidocious".repeat(8);
    // (text, must elide)
    let texts: [(&str, bool); 5] =
        [(&long_mixed(), true), ("猫", false), ("W", false), (&long_word, false), (&huge_word, true)];
    let placements = [
        json!({}),
        json!({ "x": 0.98, "y": 0.02, "outline": { "color": "#ff0000", "width": 0.01 } }),
        json!({ "x": 0.0, "y": 1.0, "plate": "#203040", "size": 0.2 }),
        json!({ "x": 0.3, "y": 0.9, "width": 0.5, "lines": 2, "min_size": 0.06, "font": "condensed" }),
        json!({ "size": 0.5, "font": "script", "outline": { "color": "#ff0000", "width": 0.02 }, "plate": "#102030" }),
        json!({ "x": 1.5, "y": -0.5, "font": "brush", "lines": 1 }),
    ];
    for (text, _) in texts {
        for extra in &placements {
            let t = template(text, extra.clone());
            let spec = text_spec(&t);
            let laid = layout(&t, text);
            let what = format!("{:?}… with {extra}", text.chars().take(12).collect::<String>());
            assert!(inside(laid.rect, laid.bounds), "{what}: {laid:?}");
            assert!(inside(laid.bounds, laid.safe), "{what}: {laid:?}");
            let min = spec.min_size.unwrap_or(spec.size / 2.0) * H as f32;
            assert!(laid.size_px >= min - 0.01, "{what}: {} px < {min}", laid.size_px);
            assert!(laid.size_px <= spec.size * H as f32 + 0.01, "{what}");
            assert!(laid.lines.len() <= spec.lines as usize, "{what}: {:?}", laid.lines);
            let ends_in_ellipsis = laid.lines.last().is_some_and(|l| l.ends_with('…'));
            assert_eq!(laid.elided, ends_in_ellipsis, "{what}: {:?}", laid.lines);
            if !laid.elided {
                let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                assert_eq!(squeeze(&laid.lines.concat()), squeeze(text), "{what}: nothing lost");
            } else {
                // Only what did not fit at the smallest size is elided.
                assert!((laid.size_px - min).abs() < 0.01, "{what}: elided at {} px, above {min}", laid.size_px);
            }
            // Centred on (x, y) when that fits.
            if *extra == json!({}) {
                let centre = laid.rect.x + laid.rect.w as i32 / 2;
                assert!((centre - W as i32 / 2).abs() <= 1, "{what}: {laid:?}");
            }
            // Frames: no ink outside the layer's bounds, at rest and mid-reveal.
            for (reveal, secs) in [("fade", 2.0), ("stamp", 0.2), ("kinetic", 0.4), ("slide", 0.3), ("pop", 0.5)] {
                let mut extra = extra.clone();
                extra["reveal"] = json!(reveal);
                let t = template(text, extra);
                let f = frame(&t, secs);
                let bounds = if reveal == "fade" { laid.bounds } else { laid.safe };
                assert_eq!(ink_outside(&f, bounds), 0, "{what}, {reveal} at {secs} s");
                if reveal == "fade" {
                    assert!(ink_in(&f, laid.rect) > 0, "{what}: no ink");
                }
            }
        }
    }
    // The two that must (and must not) elide, at the default placement.
    for (text, must_elide) in texts {
        let t = template(text, json!({}));
        assert_eq!(layout(&t, text).elided, must_elide, "{text:?}");
    }
}

#[test]
fn short_text_keeps_its_size_and_long_text_shrinks_before_eliding() {
    let t = template("Hello", json!({}));
    let laid = layout(&t, "Hello");
    assert_eq!(laid.size_px, 0.1 * H as f32);
    assert_eq!(laid.lines, ["Hello"]);
    // Four lines' worth at full size: shrinks to fit three, no ellipsis.
    let text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
    let t = template(text, json!({ "size": 0.12 }));
    let laid = layout(&t, text);
    assert!(!laid.elided && laid.size_px < 0.12 * H as f32 && laid.size_px >= 0.06 * H as f32, "{laid:?}");
    assert!(laid.lines.len() <= 3);
    // A hard limit of one line: elided at the smallest size.
    let t = template(text, json!({ "size": 0.12, "lines": 1 }));
    let laid = layout(&t, text);
    assert!(laid.elided && laid.lines.len() == 1 && laid.lines[0].ends_with('…'), "{laid:?}");
    assert_eq!(laid.size_px, 0.06 * H as f32);
    assert!(laid.rect.w as f32 <= 0.9 * W as f32);
}

/// Saturated pixels: colour, not the white text or its grey edges.
fn saturated(p: &image::Rgb<u8>) -> bool {
    let (max, min) = (p.0.iter().max().unwrap(), p.0.iter().min().unwrap());
    max - min > 90
}

#[test]
fn emoji_are_drawn_in_colour_where_they_stand() {
    let t = template("猫🐱", json!({ "size": 0.25 }));
    let laid = layout(&t, "猫🐱");
    let f = frame(&t, 2.0);
    assert_eq!(ink_outside(&f, laid.bounds), 0);
    let r = laid.rect;
    // 猫 is about 0.45 of the line, the emoji the rest.
    let half = r.x + r.w as i32 * 2 / 5;
    let count = |x0: i32, x1: i32| {
        f.enumerate_pixels()
            .filter(|(x, y, p)| {
                let (x, y) = (*x as i32, *y as i32);
                x >= x0 && x < x1 && y >= r.y && y < r.bottom() && saturated(p)
            })
            .count()
    };
    let (left, right) = (count(r.x, half), count(half, r.right()));
    assert!(right > 1500, "the cat emoji is in colour: {right} saturated pixels");
    assert_eq!(left, 0, "猫 is white");
    // The text's opacity applies to it too.
    let dim = template("猫🐱", json!({ "size": 0.25, "color": "#ffffff40" }));
    let g = frame(&dim, 2.0);
    let bright = |f: &RgbImage| f.pixels().map(|p| u64::from(p.0[0]) + u64::from(p.0[1])).sum::<u64>();
    assert!(bright(&g) * 2 < bright(&f));
    // And the reveals: half way through a wipe, the emoji (on the right) is not in yet.
    let wipe = template("猫🐱", json!({ "size": 0.25, "reveal": "wipe" }));
    let early = frame(&wipe, 0.3);
    assert!(early.pixels().filter(|p| saturated(p)).count() < right / 10);
}

/// Frames of a reveal at its start, middle and end, and of the same text
/// shown without one.
fn reveal_frames(text: &str, reveal: &str) -> [RgbImage; 4] {
    let moving = template(text, json!({ "reveal": reveal, "reveal_secs": 1.0, "size": 0.15 }));
    let still = template(text, json!({ "reveal": "fade", "reveal_secs": 1.0, "size": 0.15 }));
    [frame(&moving, 0.1), frame(&moving, 0.5), frame(&moving, 1.5), frame(&still, 1.5)]
}

#[test]
fn stamp_count_up_and_kinetic_move_and_end_on_the_static_text() {
    for (text, reveal) in [("GOAL!", "stamp"), ("250 KG", "count_up"), ("9.5", "count_up"), ("跳水 Dive!", "kinetic")]
    {
        let [start, middle, end, still] = reveal_frames(text, reveal);
        assert!(start != middle && middle != end && start != end, "{reveal} {text}: frames differ");
        assert!(end == still, "{reveal} {text}: ends on the static text");
        let laid = layout(&template(text, json!({ "size": 0.15 })), text);
        for f in [&start, &middle] {
            assert_eq!(ink_outside(f, laid.safe), 0, "{reveal}: drawn outside the safe area");
        }
    }
    // The stamp starts big: early ink reaches beyond the text's box.
    let t = template("GOAL!", json!({ "reveal": "stamp", "size": 0.15 }));
    let laid = layout(&t, "GOAL!");
    let early = frame(&t, 0.15);
    assert!(ink_outside(&early, laid.bounds) > 100, "scaled up at first");
    // A count-up starts at zero: its first frame is "0 KG", narrower than "250 KG".
    let count = template("250 KG", json!({ "reveal": "count_up", "size": 0.15 }));
    let zero = template("0 KG", json!({ "size": 0.15 }));
    assert!(frame(&count, 0.0) == frame(&zero, 2.0), "starts at 0 KG");
    // Kinetic glyphs come from above: early on, ink is higher than at rest.
    let t = template("HELLO", json!({ "reveal": "kinetic", "size": 0.15 }));
    let top_of_ink = |f: &RgbImage| f.enumerate_pixels().find(|(_, _, p)| p.0[0] > 128).map(|(_, y, _)| y);
    assert!(top_of_ink(&frame(&t, 0.1)) < top_of_ink(&frame(&t, 2.0)));
}

/// The specimen: each face, mixed scripts, emoji, a fitted long text, on a
/// 1280×720 canvas each, stacked into type-look/specimen.png in the temporary directory.
#[test]
fn specimen() {
    if std::env::var_os("TYPE_LOOK").is_none() {
        return;
    }
    let dir = std::env::temp_dir().join("type-look");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows: Vec<RgbImage> = Vec::new();
    for font in FONTS {
        let text = format!("{font}: Game On 42 狮子来了！🦁");
        let style = json!({ "font": font, "size": 0.36, "outline": { "color": "#203060", "width": 0.02 } });
        let t = template_sized(&text, style, (1280, 160));
        rows.push(frame(&t, 2.0));
    }
    let long = long_mixed();
    let t = template_sized(&long, json!({ "size": 0.12, "plate": "#203050c0" }), (1280, 720));
    rows.push(frame(&t, 2.0));
    let t = template_sized(
        &long,
        json!({ "size": 0.12, "x": 0.9, "y": 0.9, "width": 0.4, "lines": 2, "font": "rounded" }),
        (1280, 720),
    );
    rows.push(frame(&t, 2.0));
    let height = rows.iter().map(|r| r.height()).sum();
    let mut sheet = RgbImage::new(1280, height);
    let mut y = 0;
    for r in &rows {
        image::imageops::replace(&mut sheet, r, 0, i64::from(y));
        y += r.height();
    }
    sheet.save(dir.join("specimen.png")).unwrap();
    for (reveal, text) in [("stamp", "GOAL!"), ("count_up", "250 KG"), ("kinetic", "跳水 Dive!")] {
        let t = template_sized(text, json!({ "reveal": reveal, "size": 0.2, "font": "condensed" }), (640, 360));
        let strip: Vec<RgbImage> = [0.1, 0.3, 0.5, 0.7, 1.5].iter().map(|&s| frame(&t, s)).collect();
        let mut sheet = RgbImage::new(640 * strip.len() as u32, 360);
        for (i, f) in strip.iter().enumerate() {
            image::imageops::replace(&mut sheet, f, 640 * i as i64, 0);
        }
        sheet.save(dir.join(format!("{reveal}.png"))).unwrap();
    }
}
