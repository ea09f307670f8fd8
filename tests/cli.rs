//! `videoagent render` checks its inputs exactly as the API checks a create
//! request: the same rules (`videoagent_core::validate`, `videoagent_media`),
//! the same code and message, and nothing is rendered when they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Still rings routine: one image, no text.
const STILL_RINGS: &str = "393881433990066176";
/// Run for Life: one image, one text.
const RUN_FOR_LIFE: &str = "393769180141805569";
/// Art Fonts: no image, one or two texts.
const ART_FONTS: &str = "394875727173492739";

/// The path of an image under tests/fixtures/images.
fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `videoagent render --template <template> -o <out> <args>`.
fn render(template: &str, out: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_videoagent"))
        .args(["render", "--template", template, "-o"])
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The render failed with `error: <code> <message>` (the API's) on stderr and wrote nothing.
#[track_caller]
fn assert_refused(output: &Output, out: &Path, code: i32, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "expected a refusal, got success: {stderr}");
    let expected = format!("error: {code} {message}");
    assert!(stderr.starts_with(&expected), "expected `{expected}` first in: {stderr}");
    assert!(!out.exists(), "nothing is rendered when the inputs are refused");
}

#[track_caller]
fn assert_rendered(output: &Output, out: &Path) {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let png = image::open(out).unwrap();
    assert_eq!((png.width(), png.height()), (1280, 720));
}

/// A minimal template file (one gradient, one second) with the given `id`.
fn spec_file(dir: &Path, id: &str) -> PathBuf {
    let path = dir.join(format!("{id}.json"));
    let spec = serde_json::json!({
        "id": id,
        "name": "Gradient",
        "duration": 1,
        "layers": [{"type": "gradient", "top": "#102030", "bottom": "#405060"}],
    });
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

#[test]
fn counts_and_texts_are_refused_with_the_api_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let path = fixture("photo_astronaut.jpg");
    let photo = ["--image", &path];
    let with_photo = |extra: &[&'static str]| [&photo[..], extra].concat();
    let cases: Vec<(&str, Vec<&str>, i32, &str)> = vec![
        // The cases the API answers 2013 and the CLI used to render anyway.
        (STILL_RINGS, vec![], 2013, "invalid params, media_inputs: template needs 1 item, got 0"),
        (STILL_RINGS, with_photo(&["--text", "extra"]), 2013, "invalid params, text_inputs: too many items (max 0)"),
        (STILL_RINGS, [&photo[..], &photo[..]].concat(), 2013, "invalid params, media_inputs: too many items (max 1)"),
        (RUN_FOR_LIFE, photo.to_vec(), 2013, "invalid params, text_inputs: template needs 1 item, got 0"),
        (RUN_FOR_LIFE, with_photo(&["--text", "  "]), 2013, "invalid params, text_inputs[0].value is empty"),
        (RUN_FOR_LIFE, with_photo(&["--text", "ab\u{200b}\u{200b}"]), 1042, "invisible character ratio limit"),
        (
            ART_FONTS,
            vec!["--text", "a", "--text", "b", "--text", "c"],
            2013,
            "invalid params, text_inputs: too many items (max 2)",
        ),
        (ART_FONTS, with_photo(&["--text", "OCEAN"]), 2013, "invalid params, media_inputs: too many items (max 0)"),
        // Texts are checked before images, as in the API.
        (RUN_FOR_LIFE, vec![], 2013, "invalid params, text_inputs: template needs 1 item, got 0"),
    ];
    for (template, args, code, message) in cases {
        let output = render(template, &out, &[&args[..], &["--frame", "1s"]].concat());
        assert_refused(&output, &out, code, message);
    }
    let long = "字".repeat(501);
    let output = render(RUN_FOR_LIFE, &out, &[&photo[..], &["--text", &long, "--frame", "1s"]].concat());
    assert_refused(&output, &out, 2013, "invalid params, text_inputs[0].value is too long (501 characters, max 500)");
}

#[test]
fn unknown_templates_are_refused_with_the_api_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let output = render("123", &out, &["--frame", "1s"]);
    assert_refused(&output, &out, 2013, "invalid params, unknown template_id 123");
    assert!(String::from_utf8_lossy(&output.stderr).contains("videoagent templates"), "names the list");
}

/// Images go through the API's decoder and rules, with its `media_inputs[i]` message.
#[test]
fn images_are_refused_with_the_api_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    for (file, detail) in [
        ("short_side_300.jpg", "short side 300 px, must be greater than 300 px"),
        ("format_gif.gif", "unsupported image format gif"),
        ("ratio_wider_than_5x2.jpg", "aspect ratio 1000x399 outside 2:5..5:2"),
    ] {
        let output = render(STILL_RINGS, &out, &["--image", &fixture(file), "--frame", "1s"]);
        assert_refused(&output, &out, 2013, &format!("invalid params, media_inputs[0]: {detail}"));
    }
}

#[test]
fn valid_inputs_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let photo = fixture("photo_astronaut.jpg");
    let cases: [(&str, Vec<&str>); 3] = [
        (STILL_RINGS, vec!["--image", &photo]),
        (RUN_FOR_LIFE, vec!["--image", &photo, "--text", " 狮子 "]),
        (ART_FONTS, vec!["--text", "OCEAN waves"]),
    ];
    for (i, (template, args)) in cases.into_iter().enumerate() {
        let out = dir.path().join(format!("{i}.png"));
        assert_rendered(&render(template, &out, &[&args[..], &["--frame", "1s"]].concat()), &out);
    }
}

/// A template file with an official ID takes that template's inputs; one
/// with an ID of its own takes any texts and images, each image still checked.
#[test]
fn template_files_are_checked_by_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let (photo, small) = (fixture("photo_astronaut.jpg"), fixture("short_side_300.jpg"));

    let official = spec_file(dir.path(), STILL_RINGS);
    let official = official.to_str().unwrap();
    let output = render(official, &out, &["--frame", "0.5s"]);
    assert_refused(&output, &out, 2013, "invalid params, media_inputs: template needs 1 item, got 0");
    assert_rendered(&render(official, &out, &["--image", &photo, "--frame", "0.5s"]), &out);
    std::fs::remove_file(&out).unwrap();

    let own = spec_file(dir.path(), "my-gradient");
    let own = own.to_str().unwrap();
    assert_rendered(&render(own, &out, &["--text", "a", "--text", "b", "--frame", "0.5s"]), &out);
    std::fs::remove_file(&out).unwrap();
    let output = render(own, &out, &["--image", &small, "--frame", "0.5s"]);
    assert_refused(
        &output,
        &out,
        2013,
        "invalid params, media_inputs[0]: short side 300 px, must be greater than 300 px",
    );
}
