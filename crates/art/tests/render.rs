//! Drawing: every embedded icon, tints, aliases, inline SVG, credits.

use std::collections::BTreeMap;

use image::RgbaImage;
use videoagent_art::{aliases, credits, exists, names, rasterize, rasterize_svg, svg, ArtError, ArtRef, Set};

fn opaque_pixels(img: &RgbaImage) -> usize {
    img.pixels().filter(|p| p[3] > 16).count()
}

/// Every icon of every embedded set parses and draws something at 64 px.
#[test]
fn every_icon_rasterises() {
    let mut total = 0;
    for set in Set::ALL {
        let names = names(set).unwrap();
        assert!(names.len() >= if set == Set::FluentFlat { 3000 } else { 40 }, "{set}: {} icons", names.len());
        for name in names {
            let art = ArtRef::new(set, name);
            assert!(exists(&art), "{art}");
            let img = rasterize(&art, 64, None).unwrap_or_else(|e| panic!("{art}: {e}"));
            assert_eq!(img.width().max(img.height()), 64, "{art}");
            // Even thin glyphs (a dash, a dot) cover a few dozen pixels.
            assert!(opaque_pixels(&img) > 20, "{art} drew {} pixels", opaque_pixels(&img));
            total += 1;
        }
    }
    assert!(total > 3300, "{total}");
}

#[test]
fn the_requested_subsets_are_there() {
    let want: &[(Set, &[&str])] = &[
        (
            Set::Fluent3d,
            &[
                "lion",
                "tiger",
                "bear",
                "wolf",
                "shark",
                "t-rex",
                "dog",
                "cat",
                "trophy",
                "sports-medal",
                "hamburger",
                "french-fries",
                "cup-with-straw",
                "robot",
                "automobile",
                "racing-car",
                "airplane",
                "wrapped-gift",
                "shopping-bags",
                "bottle-with-popping-cork",
                "high-heeled-shoe",
                "running-shoe",
                "mobile-phone",
                "laptop",
                "handbag",
                "watch",
                "sparkles",
                "star",
                "fire",
                "droplet",
                "snowflake",
                "cherry-blossom",
                "maple-leaf",
                "sun",
                "cloud",
                "rainbow",
                "gem-stone",
                "crown",
            ],
        ),
        (Set::Noto, &["lion", "tiger-face", "shark", "laptop", "red-heart"]),
        (
            Set::GameIcons,
            &[
                "podium",
                "weight-lifting-up",
                "weight-lifting-down",
                "pool-dive",
                "steering-wheel",
                "price-tag",
                "splash",
                "lion",
                "wolf-head",
                "direwolf",
                "beast-eye",
                "shark-jaws",
                "dinosaur-rex",
                "bear-head",
                "tiger-head",
                "jet-fighter",
                "speedometer",
                "joystick",
                "scooter",
                "shopping-bag",
                "trophy",
                "laurels",
            ],
        ),
    ];
    for (set, names) in want {
        for name in *names {
            assert!(exists(&ArtRef::new(*set, *name)), "{set}:{name}");
        }
    }
}

/// A silhouette drawn with a tint: its most common opaque colour is the tint.
#[test]
fn tint_colours_a_silhouette() {
    let art: ArtRef = "game-icons:lion".parse().unwrap();
    for tint in [[200, 30, 60], [12, 180, 250], [255, 255, 255]] {
        let img = rasterize(&art, 128, Some(tint)).unwrap();
        let mut counts: BTreeMap<[u8; 3], usize> = BTreeMap::new();
        for p in img.pixels().filter(|p| p[3] == 255) {
            *counts.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
        let (dominant, n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        assert_eq!(*dominant, tint);
        assert!(*n > 128 * 128 / 10, "{n}");
        // Anti-aliased edges keep the colour too (straight alpha, not darkened).
        let edge = img.pixels().find(|p| p[3] > 40 && p[3] < 200).expect("an anti-aliased edge");
        for c in 0..3 {
            assert!((edge[c] as i32 - tint[c] as i32).abs() <= 2, "{edge:?} vs {tint:?}");
        }
    }
    // Without a tint a silhouette is black (SVG's default currentColor).
    let img = rasterize(&art, 64, None).unwrap();
    assert!(img.pixels().filter(|p| p[3] == 255).all(|p| p[0] == 0 && p[1] == 0 && p[2] == 0));
    assert!(!svg(&art, Some([1, 2, 3])).unwrap().contains("currentColor"));
}

/// Aliases resolve through their parent, with the alias's flip applied.
#[test]
fn aliases_resolve() {
    let all = aliases(Set::FluentFlat).unwrap();
    assert!(!all.is_empty());
    for name in &all {
        assert!(svg(&ArtRef::new(Set::FluentFlat, *name), None).is_ok(), "{name}");
    }
    let right = ArtRef::new(Set::FluentFlat, "backhand-index-pointing-right");
    let left = ArtRef::new(Set::FluentFlat, "backhand-index-pointing-left");
    assert!(all.contains(&"backhand-index-pointing-right"));
    let svg_right = svg(&right, None).unwrap();
    assert!(svg_right.contains("scale(-1 1)"), "{svg_right}");
    // Drawn, the alias is its parent mirrored.
    let (r, l) = (rasterize(&right, 64, None).unwrap(), rasterize(&left, 64, None).unwrap());
    let mirrored = image::imageops::flip_horizontal(&l);
    let diff: u64 = r.pixels().zip(mirrored.pixels()).map(|(a, b)| (a[3] as i64 - b[3] as i64).unsigned_abs()).sum();
    let mean = diff as f64 / (64.0 * 64.0);
    assert!(mean < 1.0, "mean alpha difference {mean}");
    assert!(opaque_pixels(&r) > 500);
}

#[test]
fn svg_wraps_the_body_with_its_viewbox() {
    let s = svg(&"fluent-emoji-flat:lion".parse().unwrap(), None).unwrap();
    assert!(
        s.starts_with(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 32 32">"#
        ),
        "{s}"
    );
    let s = svg(&"game-icons:podium".parse().unwrap(), None).unwrap();
    assert!(s.contains(r#"viewBox="0 0 512 512""#) && s.contains("currentColor"));
    let s = svg(&"noto:lion".parse().unwrap(), None).unwrap();
    assert!(s.contains(r#"viewBox="0 0 128 128""#));
}

#[test]
fn refs_parse_and_print() {
    let art: ArtRef = "fluent-emoji-flat:lion".parse().unwrap();
    assert_eq!(art, ArtRef::new(Set::FluentFlat, "lion"));
    assert_eq!(art.to_string(), "fluent-emoji-flat:lion");
    assert_eq!("game-icons:shark-jaws".parse::<ArtRef>().unwrap().set, Set::GameIcons);
    assert_eq!("fluent-emoji:lion".parse::<ArtRef>().unwrap().set, Set::Fluent3d);
    assert_eq!("noto:lion".parse::<ArtRef>().unwrap().to_string(), "noto:lion");
    // A bare name is the main style.
    assert_eq!("lion".parse::<ArtRef>().unwrap(), art);
    assert!(matches!("mdi:lion".parse::<ArtRef>(), Err(ArtError::UnknownSet(_))));
    assert!(matches!("noto:".parse::<ArtRef>(), Err(ArtError::BadRef(_))));
    assert!(matches!("noto:Lion".parse::<ArtRef>(), Err(ArtError::BadRef(_))));
    assert!(matches!("noto:../x".parse::<ArtRef>(), Err(ArtError::BadRef(_))));

    let missing = ArtRef::new(Set::Noto, "zorblax");
    assert!(!exists(&missing));
    assert!(matches!(rasterize(&missing, 64, None), Err(ArtError::NotFound { .. })));
}

#[test]
fn raster_keeps_aspect_and_is_straight_alpha() {
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" fill="#ff0000" fill-opacity="0.5"/></svg>"##;
    let img = rasterize_svg(svg, 100).unwrap();
    assert_eq!(img.dimensions(), (100, 50));
    let p = img.get_pixel(50, 25);
    assert_eq!((p[0], p[1], p[2]), (255, 0, 0), "{p:?}");
    assert!((p[3] as i32 - 128).abs() <= 1, "{p:?}");
    // Corners are covered too: the art fills the raster exactly.
    assert!(img.get_pixel(0, 0)[3] > 120 && img.get_pixel(99, 49)[3] > 120);

    assert!(matches!(rasterize_svg(svg, 0), Err(ArtError::Size(0))));
    assert!(matches!(rasterize_svg(svg, 5000), Err(ArtError::Size(5000))));
    assert!(matches!(rasterize_svg("<svg", 64), Err(ArtError::Svg(_))));
}

/// An inline SVG cannot make the server read a file or draw text with a font
/// found on the machine.
#[test]
fn inline_svg_touches_nothing_outside() {
    let dir = std::env::temp_dir().join(format!("art-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inner = dir.join("inner.svg");
    std::fs::write(
        &inner,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#,
    )
    .unwrap();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><image width="10" height="10" xlink:href="{}"/><text x="1" y="8" font-size="8">Hi</text></svg>"#,
        inner.display()
    );
    let img = rasterize_svg(&svg, 32).unwrap();
    assert_eq!(opaque_pixels(&img), 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn credits_name_every_set_and_licence() {
    let text = credits();
    for needle in [
        "Fluent Emoji Flat",
        "Fluent Emoji (3D)",
        "Microsoft",
        "MIT License",
        "Noto Emoji",
        "Google",
        "Apache License 2.0",
        "Game Icons",
        "game-icons.net",
        "CC BY 3.0",
        "Lorc",
        "Delapouite",
        "emojibase",
    ] {
        assert!(text.contains(needle), "credits lack {needle:?}:\n{text}");
    }
    // Every game-icons icon in the subset is credited by name.
    for name in names(Set::GameIcons).unwrap() {
        assert!(text.contains(&format!(" {name},")) || text.contains(&format!(" {name}\n")), "{name} not credited");
    }
    for set in Set::ALL {
        assert!(!set.licence().is_empty());
    }
}
