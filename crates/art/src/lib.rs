//! Open-licence vector art for templates: icon sets embedded in the binary,
//! drawn with resvg, and chosen from the user's own words.
//!
//! Templates need pictures of the things a prompt talks about (a lion, a
//! laptop, rain) without a network or a model: this crate carries four
//! [Iconify](https://iconify.design) icon sets (see [`Set`]), gzipped under
//! `assets/art/` by `scripts/assets/fetch-art`, and
//!
//! - names an icon with an [`ArtRef`] (`"fluent-emoji-flat:lion"`);
//! - draws it: [`svg`] gives the SVG, [`rasterize`] the pixels (straight RGBA,
//!   long side `size_px`); [`rasterize_svg`] draws a template's own inline SVG;
//! - finds art for text: [`pick`] / [`pick_first`] read English and Chinese
//!   (`"一只猫在写周报"` → cat, laptop, memo), filtered by the [`Kind`] a
//!   template wants; [`emoji_art`] maps an emoji the user typed to its icon;
//! - gives the attribution the licences require: [`credits`].
//!
//! Nothing is loaded from outside: the sets are `include_bytes!` data, each
//! inflated and indexed on first use, and resvg is built without text, system
//! fonts or image decoders. Costs (release build, CPU time): Fluent Flat's
//! first use inflates 1.1 MB into 8.7 MB of JSON and indexes it, ~21 ms; the
//! other sets 1–3 ms; the word dictionary behind [`pick`] ~25 ms once, then
//! ~20 µs a sentence. A flat icon draws at 512 px in 0.5–0.9 ms; the
//! pseudo-3D Fluent set blurs (SVG filters) and takes ~35–40 ms, so a
//! template should draw it once per render and reuse the pixels.
//!
//! Deterministic: the same text picks the same art (sorted maps, no hash
//! order), and the same art and size give the same pixels from the same
//! binary on the same C library (resvg's arcs and filters call the platform's
//! `sin`/`cos`/`powf`, so two glibc versions could differ in a last bit).

mod pick;
mod raster;
mod sets;
mod words;

use std::fmt;
use std::str::FromStr;

pub use pick::{emoji_art, pick, pick_first, Kind, Pick};
pub use raster::{rasterize_svg, MAX_SIZE_PX};
pub use sets::Set;

/// Why art could not be found or drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArtError {
    #[error("unknown art set {0:?} (expected fluent-emoji-flat, fluent-emoji, noto or game-icons)")]
    UnknownSet(String),
    #[error("bad art reference {0:?}: expected \"set:name\", e.g. \"fluent-emoji-flat:lion\"")]
    BadRef(String),
    #[error("no icon {name:?} in {set}")]
    NotFound { set: Set, name: String },
    #[error("raster size {0} px is out of range (1..=4096)")]
    Size(u32),
    #[error("invalid SVG: {0}")]
    Svg(String),
    /// The embedded data is broken: a build problem, never the caller's input.
    #[error("embedded art set {set} is corrupt: {msg}")]
    Corrupt { set: Set, msg: String },
}

/// One icon: a set and a name in it. Written `"set:name"`
/// (`"fluent-emoji-flat:lion"`, `"game-icons:podium"`), the form templates and
/// API inputs use; a bare `"lion"` means the main style, [`Set::FluentFlat`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtRef {
    pub set: Set,
    pub name: String,
}

impl ArtRef {
    pub fn new(set: Set, name: impl Into<String>) -> ArtRef {
        ArtRef { set, name: name.into() }
    }

    /// The same subject in another set, if that set has it: emoji sets share
    /// CLDR names (`lion` is `lion` in all three), and a small table maps emoji
    /// to game-icons silhouettes and back (`tiger-face` ↔ `tiger-head`). Lets a
    /// template restyle what [`pick`] chose (which is always Fluent Flat, or a
    /// silhouette where no emoji fits).
    pub fn in_set(&self, set: Set) -> Option<ArtRef> {
        if set == self.set {
            return exists(self).then(|| self.clone());
        }
        let name: &str = match (self.set.is_silhouette(), set.is_silhouette()) {
            (false, false) => &self.name,
            (false, true) => words::SILHOUETTES.iter().find(|(emoji, _)| *emoji == self.name).map(|(_, g)| *g)?,
            (true, false) => words::SILHOUETTES.iter().find(|(_, g)| *g == self.name).map(|(emoji, _)| *emoji)?,
            (true, true) => unreachable!("only one silhouette set"),
        };
        let art = ArtRef::new(set, name);
        exists(&art).then_some(art)
    }
}

impl fmt::Display for ArtRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.set, self.name)
    }
}

impl FromStr for ArtRef {
    type Err = ArtError;
    fn from_str(s: &str) -> Result<ArtRef, ArtError> {
        let (set, name) = match s.split_once(':') {
            Some((set, name)) => (set.parse()?, name),
            None => (Set::FluentFlat, s),
        };
        let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(ArtError::BadRef(s.to_string()));
        }
        Ok(ArtRef::new(set, name))
    }
}

/// Whether the icon is in the embedded set (aliases count).
pub fn exists(art: &ArtRef) -> bool {
    sets::data(art.set).is_ok_and(|data| data.contains(&art.name))
}

/// The icon as a standalone SVG document (viewBox = the icon's box), aliases
/// resolved. `tint` replaces `currentColor`, the one colour of
/// [silhouettes](Set::is_silhouette); the emoji sets are full colour and
/// ignore it.
pub fn svg(art: &ArtRef, tint: Option<[u8; 3]>) -> Result<String, ArtError> {
    Ok(sets::data(art.set)?.icon(art.set, &art.name)?.to_svg(tint))
}

/// Draws the icon with its long side `size_px` (aspect kept; most icons are
/// square), as straight (non-premultiplied) RGBA with a transparent
/// background. `tint` as in [`svg`]; a silhouette without one is black.
pub fn rasterize(art: &ArtRef, size_px: u32, tint: Option<[u8; 3]>) -> Result<image::RgbaImage, ArtError> {
    rasterize_svg(&svg(art, tint)?, size_px)
}

/// Every icon and alias name in a set, sorted (for catalogues and tests).
pub fn names(set: Set) -> Result<Vec<&'static str>, ArtError> {
    let data = sets::data(set)?;
    let mut names: Vec<&'static str> = data.names().collect();
    names.sort_unstable();
    Ok(names)
}

/// The alias names of a set (icons that are another icon, flipped or not).
pub fn aliases(set: Set) -> Result<Vec<&'static str>, ArtError> {
    Ok(sets::data(set)?.alias_names().collect())
}

/// The attribution the sets' licences require: each set, its copyright holder
/// and licence, and every game-icons icon used with its author (CC BY 3.0
/// credits per work). For `videoagent credits` and the README; the licence
/// texts themselves are in `assets/art/LICENSES/`.
pub fn credits() -> &'static str {
    include_str!("../../../assets/art/CREDITS.txt")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Every art the curated table and the silhouette pairs name is embedded,
    /// and no word is in two entries (the second would never be reached).
    #[test]
    fn curated_tables_name_existing_art() {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, entry) in words::ENTRIES.iter().enumerate() {
            for art in entry.art {
                let art: ArtRef = art.parse().unwrap();
                assert!(exists(&art), "words table: {art} does not exist");
            }
            assert_eq!(entry.kinds.is_empty(), entry.art.is_empty(), "{}: only stops have no kind", entry.words);
            for word in entry.words.split('|') {
                assert_eq!(word, word.trim(), "{word:?}");
                assert_eq!(word, word.to_lowercase(), "{word:?}: words are lowercase");
                if let Some(j) = seen.insert(word, i) {
                    panic!("{word:?} is in entries {j} and {i}");
                }
            }
        }
        for (emoji, silhouette) in words::SILHOUETTES {
            assert!(exists(&ArtRef::new(Set::FluentFlat, *emoji)), "{emoji}");
            assert!(exists(&ArtRef::new(Set::GameIcons, *silhouette)), "{silhouette}");
        }
        for beast in words::BEASTS {
            assert!(exists(&ArtRef::new(Set::FluentFlat, *beast)), "{beast}");
        }
    }
}
