//! Each reference template rendered by the real binary (`videoagent render`),
//! its MP4 parsed and every frame decoded.

use crate::support::*;
use std::process::Command;

struct Case {
    id: &'static str,
    image: Option<&'static str>,
    texts: [&'static str; 2],
    size: (u32, u32),
    seconds: f64,
}

const CASES: &[Case] = &[
    Case {
        id: RUN_FOR_LIFE,
        image: Some("photo_coffee.png"),
        texts: ["狮子", "老虎"],
        size: (1280, 720),
        seconds: 8.0,
    },
    Case {
        id: "392747428568649728",
        image: Some("photo_astronaut.jpg"),
        texts: ["", ""],
        size: (1280, 720),
        seconds: 7.0,
    },
    Case {
        id: HELPLESS,
        image: None,
        texts: ["一只猫在写周报", "a dog stuck in traffic"],
        size: (1280, 720),
        seconds: 7.0,
    },
    Case {
        id: "393853165953970178",
        image: Some("photo_coffee.png"),
        texts: ["espresso cup, 80 ml, ceramic, red", "water bottle, 750 ml, forest green"],
        size: (1280, 720),
        seconds: 6.0,
    },
    Case {
        id: "394875727173492739",
        image: None,
        texts: ["OCEAN waves", "BLOOM petals"],
        size: (1280, 720),
        seconds: 6.0,
    },
    Case {
        id: "398574688191234048",
        image: Some("photo_astronaut.jpg"),
        texts: ["", ""],
        size: (720, 1280),
        seconds: 8.0,
    },
];

fn render(case: &Case, text: &str, out: &std::path::Path) {
    render_with(case, text, out, &[]);
}

fn render_with(case: &Case, text: &str, out: &std::path::Path, extra: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_videoagent"));
    cmd.args(["render", "--template", case.id, "-o"]).arg(out).args(extra);
    // Cut-outs are cached beside the output, not in the user's cache.
    cmd.env("VIDEOAGENT_CUTOUT_CACHE", out.parent().unwrap().join("cutouts"));
    if let Some(img) = case.image {
        cmd.arg("--image").arg(fixture(img));
    }
    if !text.is_empty() {
        cmd.args(["--text", text]);
    }
    let status = cmd.output().unwrap();
    assert!(status.status.success(), "{}: {}", case.id, String::from_utf8_lossy(&status.stderr));
}

#[test]
fn reference_templates_make_valid_videos() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let out = dir.path().join(format!("{}.mp4", case.id));
        render(case, case.texts[0], &out);
        let bytes = std::fs::read(&out).unwrap();
        let video = decode_mp4(&bytes);
        assert_eq!((video.width, video.height), case.size, "{}", case.id);
        assert_eq!(video.frames.len(), (case.seconds * 25.0) as usize, "{}", case.id);
        assert!(video.audio_secs.is_some_and(|a| (a - case.seconds).abs() < 0.1), "{}: audio", case.id);
        // Not blank, and changing over time.
        let first = &video.frames[0];
        let mid = &video.frames[video.frames.len() / 2];
        let spread = mid.pixels().map(|p| p[1]).max().unwrap() - mid.pixels().map(|p| p[1]).min().unwrap();
        assert!(spread > 60, "{}: frame is flat", case.id);
        assert!(mean_abs_diff(first, mid) > 2.0, "{}: nothing moves", case.id);
        // The video shows what a still of the same moment shows (a render
        // draws the final vignette during the I420 conversion, a still on RGB).
        let still_path = dir.path().join(format!("{}.png", case.id));
        let at = format!("{}s", (video.frames.len() / 2) as f64 / 25.0);
        render_with(case, case.texts[0], &still_path, &["--frame", &at]);
        let still = image::open(&still_path).unwrap().to_rgb8();
        let off = mean_abs_diff(mid, &still);
        assert!(off < 2.5, "{}: the video's frame differs from the still by {off:.2} levels", case.id);
        // The input photo is visible in some frame.
        if let Some(img) = case.image {
            let best = best_photo_ncc(&video, case.id, img, 5);
            assert!(best >= 0.6, "{}: photo not visible (best NCC {best:.3})", case.id);
        }
        // The text is drawn: another text changes the frames.
        if !case.texts[1].is_empty() {
            let other = dir.path().join(format!("{}-b.mp4", case.id));
            render(case, case.texts[1], &other);
            let v2 = decode_mp4(&std::fs::read(&other).unwrap());
            let last = video.frames.len() - 1;
            assert!(mean_abs_diff(&video.frames[last], &v2.frames[last]) > 0.3, "{}: text not drawn", case.id);
        }
    }
}

/// Same inputs, same binary: byte-identical MP4s. `--lanes 1` (one encoder,
/// the other cores composing ahead for it) makes other bytes but the same
/// pictures, within encoding noise; a lane count outside 1..=2 is refused
/// with a message naming the option.
#[test]
fn renders_are_byte_identical_and_lanes_change_only_the_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let case = &CASES[0];
    let [a, b, one] = ["a", "b", "one"].map(|n| dir.path().join(format!("{n}.mp4")));
    render(case, "狮子", &a);
    render(case, "狮子", &b);
    let bytes = std::fs::read(&a).unwrap();
    assert!(bytes == std::fs::read(&b).unwrap(), "two renders differ");
    render_with(case, "狮子", &one, &["--lanes", "1"]);
    let single = std::fs::read(&one).unwrap();
    assert!(single != bytes, "one lane encodes differently");
    let (v2, v1) = (decode_mp4(&bytes), decode_mp4(&single));
    assert_eq!(v1.frames.len(), v2.frames.len());
    assert!(v1.audio_secs.is_some());
    for i in [0, 40, 75, 149] {
        let off = mean_abs_diff(&v1.frames[i], &v2.frames[i]);
        assert!(off < 1.5, "frame {i}: one lane's picture differs by {off:.2} levels");
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_videoagent"))
        .args(["render", "--template", case.id, "--lanes", "3", "-o"])
        .arg(dir.path().join("x.mp4"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--lanes"), "{stderr}");
}
