//! Materials letters can be made of (Art Fonts): a preset per element word,
//! in English and Chinese, each a three-stop gradient, a moving highlight
//! and the particles that build the letters. An unknown element gets a
//! sparkle material; "BLOOM petals" is petals, never water.

use super::spec::ParticleKind;

/// How letters made of one material look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Material {
    pub name: &'static str,
    /// Gradient stops, top to bottom.
    pub stops: [[u8; 3]; 3],
    /// The colour of the band of light that sweeps across.
    pub shine: [u8; 3],
    /// What the letters assemble from, and in which colour.
    pub particles: ParticleKind,
    pub particle: [u8; 3],
}

const fn m(
    name: &'static str,
    stops: [[u8; 3]; 3],
    shine: [u8; 3],
    particles: ParticleKind,
    particle: [u8; 3],
) -> Material {
    Material { name, stops, shine, particles, particle }
}

/// The presets and the words that choose them (lowercase English words,
/// Chinese words matched anywhere).
const PRESETS: &[(Material, &[&str])] = &[
    (
        m("water", [[120, 210, 255], [30, 130, 230], [10, 60, 160]], [220, 245, 255], ParticleKind::Bubbles, [200, 235, 255]),
        &["water", "ocean", "wave", "waves", "sea", "river", "rain", "aqua", "水", "海", "浪", "雨", "河"],
    ),
    (
        m("fire", [[255, 230, 90], [255, 120, 20], [200, 30, 10]], [255, 250, 200], ParticleKind::Sparks, [255, 170, 60]),
        &["fire", "flame", "flames", "lava", "burn", "blaze", "inferno", "火", "焰", "熔岩", "燃"],
    ),
    (
        m("ice", [[245, 252, 255], [170, 220, 245], [90, 160, 210]], [255, 255, 255], ParticleKind::Snow, [235, 248, 255]),
        &["ice", "snow", "frost", "frozen", "winter", "glacier", "冰", "雪", "霜", "冬"],
    ),
    (
        m("gold", [[255, 240, 150], [230, 180, 40], [150, 100, 10]], [255, 252, 220], ParticleKind::Sparks, [255, 215, 90]),
        &["gold", "golden", "metal", "chrome", "brass", "treasure", "金", "黄金", "金属"],
    ),
    (
        m("grass", [[170, 230, 90], [70, 170, 50], [30, 100, 30]], [230, 255, 190], ParticleKind::Petals, [110, 190, 60]),
        &["grass", "leaf", "leaves", "forest", "jungle", "nature", "green", "草", "叶", "森林", "树"],
    ),
    (
        m("petals", [[255, 215, 235], [245, 130, 180], [200, 60, 120]], [255, 240, 248], ParticleKind::Petals, [255, 160, 200]),
        &["flower", "flowers", "petal", "petals", "bloom", "blossom", "rose", "sakura", "花", "花瓣", "樱", "玫瑰"],
    ),
    (
        m("cloud", [[255, 255, 255], [215, 232, 250], [150, 190, 235]], [255, 255, 255], ParticleKind::Snow, [245, 250, 255]),
        &["cloud", "clouds", "sky", "air", "fluffy", "云", "天空"],
    ),
    (
        m("neon", [[255, 120, 250], [140, 60, 255], [40, 220, 255]], [255, 255, 255], ParticleKind::Sparks, [200, 120, 255]),
        &["neon", "light", "electric", "laser", "glow", "cyber", "霓虹", "光", "电"],
    ),
    (
        m("sand", [[250, 225, 170], [225, 185, 120], [180, 135, 80]], [255, 245, 220], ParticleKind::Dust, [230, 200, 150]),
        &["sand", "desert", "dune", "beach", "沙", "沙漠"],
    ),
    (
        m("stone", [[190, 190, 185], [130, 128, 122], [80, 78, 74]], [235, 235, 230], ParticleKind::Dust, [160, 158, 150]),
        &["stone", "rock", "granite", "marble", "石", "岩"],
    ),
    (
        m("candy", [[255, 200, 230], [240, 110, 170], [120, 60, 40]], [255, 245, 250], ParticleKind::Confetti, [255, 150, 200]),
        &["candy", "chocolate", "sweet", "sugar", "caramel", "糖", "巧克力"],
    ),
    (
        m("galaxy", [[170, 120, 255], [70, 40, 160], [15, 10, 50]], [230, 220, 255], ParticleKind::Sparks, [220, 210, 255]),
        &["galaxy", "star", "stars", "space", "cosmic", "universe", "nebula", "星", "宇宙", "银河"],
    ),
];

/// The sparkle material for elements no preset names.
pub const SPARKLE: Material =
    m("sparkle", [[255, 250, 230], [250, 205, 120], [225, 140, 90]], [255, 255, 255], ParticleKind::Sparks, [255, 230, 160]);

/// The material `element` names: the first word (in the text's order)
/// that a preset lists; [`SPARKLE`] when none does.
pub fn for_element(element: &str) -> Material {
    let lower = element.to_lowercase();
    let mut best: Option<(usize, Material)> = None;
    for (material, words) in PRESETS {
        for word in *words {
            let at = if word.is_ascii() {
                lower
                    .split(|c: char| !c.is_alphanumeric())
                    .scan(0usize, |pos, w| {
                        let here = *pos;
                        *pos += w.len() + 1;
                        Some((here, w))
                    })
                    .find(|(_, w)| w == word)
                    .map(|(at, _)| at)
            } else {
                lower.find(word)
            };
            if let Some(at) = at {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, *material));
                }
            }
        }
    }
    best.map_or(SPARKLE, |(_, material)| material)
}

/// The element of Art Fonts' texts: the element slot when given, else the
/// word slot's text after its first word ("BLOOM petals" → "petals"), else
/// the word itself ("FIRE" is fire).
pub fn element_of(texts: &[String]) -> String {
    if let Some(element) = texts.get(1).filter(|t| !t.trim().is_empty()) {
        return element.clone();
    }
    let word = texts.first().map(String::as_str).unwrap_or("");
    match word.trim().split_once(char::is_whitespace) {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim().to_string(),
        _ => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_pick_their_presets_in_both_languages() {
        assert_eq!(for_element("waves").name, "water");
        assert_eq!(for_element("petals").name, "petals");
        assert_eq!(for_element("FIRE").name, "fire");
        assert_eq!(for_element("火").name, "fire");
        assert_eq!(for_element("冰雪").name, "ice");
        assert_eq!(for_element("GOLD").name, "gold");
        assert_eq!(for_element("星空").name, "galaxy");
        assert_eq!(for_element("Zorblax").name, "sparkle");
        // The first element named wins.
        assert_eq!(for_element("petals on water").name, "petals");
        assert_eq!(element_of(&["BLOOM petals".into()]), "petals");
        assert_eq!(element_of(&["OCEAN".into()]), "OCEAN");
        assert_eq!(element_of(&["HELLO".into(), "lava".into()]), "lava");
    }
}
