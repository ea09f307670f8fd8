//! Emoji in user text: which graphemes are drawn as colour art (from
//! `videoagent-art`, by code point) instead of font glyphs, and their pixels.
//!
//! A grapheme is an emoji when the art has an icon for it and it asks for
//! emoji presentation: it contains U+FE0F (or is a keycap), or its first
//! character is emoji by default (everything from U+1F000 on, and the BMP
//! characters whose Emoji_Presentation is Yes: ⌚, ⭐, ✅, …). Characters
//! that are text by default (©, ★, ☀ without U+FE0F) stay text.

use image::RgbaImage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use videoagent_art::ArtRef;

/// BMP code points whose default presentation is emoji (Unicode 15
/// emoji-data.txt, Emoji_Presentation=Yes), as inclusive ranges.
const BMP_PRESENTATION: &[(u32, u32)] = &[
    (0x231A, 0x231B),
    (0x23E9, 0x23EC),
    (0x23F0, 0x23F0),
    (0x23F3, 0x23F3),
    (0x25FD, 0x25FE),
    (0x2614, 0x2615),
    (0x2648, 0x2653),
    (0x267F, 0x267F),
    (0x2693, 0x2693),
    (0x26A1, 0x26A1),
    (0x26AA, 0x26AB),
    (0x26BD, 0x26BE),
    (0x26C4, 0x26C5),
    (0x26CE, 0x26CE),
    (0x26D4, 0x26D4),
    (0x26EA, 0x26EA),
    (0x26F2, 0x26F3),
    (0x26F5, 0x26F5),
    (0x26FA, 0x26FA),
    (0x26FD, 0x26FD),
    (0x2705, 0x2705),
    (0x270A, 0x270B),
    (0x2728, 0x2728),
    (0x274C, 0x274C),
    (0x274E, 0x274E),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2795, 0x2797),
    (0x27B0, 0x27B0),
    (0x27BF, 0x27BF),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
];

/// Whether grapheme `g` asks to be shown as an emoji (before asking the art).
fn wants_emoji(g: &str) -> bool {
    let Some(first) = g.chars().next() else { return false };
    let c = first as u32;
    g.contains('\u{FE0F}')
        || g.contains('\u{20E3}')
        || c >= 0x1F000
        || BMP_PRESENTATION.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// The art that draws grapheme `g`, when it is an emoji the art has.
pub(crate) fn art_of(g: &str) -> Option<ArtRef> {
    if !wants_emoji(g) {
        return None;
    }
    videoagent_art::emoji_art(g)
}

/// `art` drawn `side` pixels square (straight RGBA), cached: texts repeat
/// emoji, and count-up reveals lay the same text out again and again.
/// `None` if the art cannot be drawn.
pub(crate) fn pixels(art: &ArtRef, side: u32) -> Option<Arc<RgbaImage>> {
    type Cache = HashMap<(ArtRef, u32), Option<Arc<RgbaImage>>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let side = side.clamp(1, videoagent_art::MAX_SIZE_PX);
    let cache = CACHE.get_or_init(Default::default);
    let key = (art.clone(), side);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hit.clone();
    }
    let drawn = videoagent_art::rasterize(art, side, None).ok().map(Arc::new);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    // A bound on memory: a render uses a handful; start over past it.
    if cache.len() >= 256 {
        cache.clear();
    }
    cache.insert(key, drawn.clone());
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_are_told_from_text() {
        for e in ["🐱", "🦁", "❤️", "👍🏽", "⭐", "✅"] {
            assert!(art_of(e).is_some(), "{e}");
        }
        for t in ["a", "狮", "©", "★", "1", " ", "\u{200B}\u{FE0F}"] {
            assert!(art_of(t).is_none(), "{t}");
        }
        let cat = art_of("🐱").unwrap();
        let img = pixels(&cat, 40).unwrap();
        assert_eq!(img.dimensions(), (40, 40));
        assert!(img.pixels().any(|p| p[3] > 200));
    }
}
