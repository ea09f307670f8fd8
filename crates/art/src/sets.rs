//! The embedded icon sets: gzipped Iconify JSON, inflated and indexed on first
//! use, and the SVG each icon makes.
//!
//! Each set is inflated once into a `static` string and indexed by name with
//! borrowed [`RawValue`]s, so the first call costs one inflate and one skim of
//! the JSON; an icon's own fields (its body, with escaped quotes) are parsed
//! only when that icon is drawn.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ArtError;

/// One of the embedded icon sets. Names inside a set are Iconify's
/// (kebab-case; for the emoji sets, the emoji's CLDR name: `lion`, `cat-face`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Set {
    /// `fluent-emoji-flat`: Microsoft's Fluent Emoji, flat style (MIT). The
    /// whole set (3,000+ emoji), and the style [`crate::pick`] returns.
    FluentFlat,
    /// `fluent-emoji`: Fluent Emoji in their pseudo-3D style (MIT); a curated
    /// subset of ~70 hero animals and props, because the whole set is 104 MB.
    Fluent3d,
    /// `noto`: Google's Noto Emoji (Apache-2.0); a ~40-icon subset, an
    /// alternative look for the same hero art.
    Noto,
    /// `game-icons`: game-icons.net silhouettes (CC BY 3.0), drawn in one
    /// colour (`currentColor`, i.e. the tint); a ~70-icon subset.
    GameIcons,
}

impl Set {
    /// Every set, in a fixed order.
    pub const ALL: [Set; 4] = [Set::FluentFlat, Set::Fluent3d, Set::Noto, Set::GameIcons];

    /// The Iconify prefix, which is also how an [`crate::ArtRef`] names the set.
    pub fn prefix(self) -> &'static str {
        match self {
            Set::FluentFlat => "fluent-emoji-flat",
            Set::Fluent3d => "fluent-emoji",
            Set::Noto => "noto",
            Set::GameIcons => "game-icons",
        }
    }

    /// SPDX id of the set's licence.
    pub fn licence(self) -> &'static str {
        match self {
            Set::FluentFlat | Set::Fluent3d => "MIT",
            Set::Noto => "Apache-2.0",
            Set::GameIcons => "CC-BY-3.0",
        }
    }

    /// One-colour art: drawn in `currentColor`, so the caller's tint is its
    /// colour (black when no tint is given).
    pub fn is_silhouette(self) -> bool {
        self == Set::GameIcons
    }

    fn index(self) -> usize {
        self as usize
    }

    fn gz(self) -> &'static [u8] {
        match self {
            Set::FluentFlat => include_bytes!("../../../assets/art/fluent-emoji-flat.json.gz"),
            Set::Fluent3d => include_bytes!("../../../assets/art/fluent-emoji.json.gz"),
            Set::Noto => include_bytes!("../../../assets/art/noto.json.gz"),
            Set::GameIcons => include_bytes!("../../../assets/art/game-icons.json.gz"),
        }
    }
}

impl fmt::Display for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

impl FromStr for Set {
    type Err = ArtError;
    fn from_str(s: &str) -> Result<Set, ArtError> {
        Set::ALL.into_iter().find(|set| set.prefix() == s).ok_or_else(|| ArtError::UnknownSet(s.to_string()))
    }
}

/// Inflates one embedded gzip file into a string (sized from the gzip trailer,
/// so the buffer is allocated once).
pub(crate) fn inflate(gz: &[u8]) -> Result<String, String> {
    let size = gz.len().checked_sub(4).map(|at| u32::from_le_bytes(gz[at..].try_into().unwrap_or([0; 4])));
    let mut text = String::with_capacity(size.unwrap_or(0) as usize);
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).map_err(|e| format!("inflate: {e}"))?;
    Ok(text)
}

/// An icon set's file as stored: the icons and aliases stay raw JSON until used.
#[derive(Deserialize)]
struct SetFile<'a> {
    #[serde(borrow)]
    icons: BTreeMap<&'a str, &'a RawValue>,
    #[serde(borrow, default)]
    aliases: BTreeMap<&'a str, &'a RawValue>,
    left: Option<f64>,
    top: Option<f64>,
    width: Option<f64>,
    height: Option<f64>,
}

/// One indexed set.
pub(crate) struct SetData {
    icons: BTreeMap<&'static str, &'static RawValue>,
    aliases: BTreeMap<&'static str, &'static RawValue>,
    /// The set's default box: `[left, top, width, height]`.
    default_box: [f64; 4],
}

static TEXT: [OnceLock<Result<String, String>>; 4] = [const { OnceLock::new() }; 4];
static DATA: [OnceLock<Result<SetData, String>>; 4] = [const { OnceLock::new() }; 4];

/// The set's index, built on first use. An error here means the embedded file
/// is corrupt, which the crate's tests rule out for every set.
pub(crate) fn data(set: Set) -> Result<&'static SetData, ArtError> {
    let built = DATA[set.index()].get_or_init(|| {
        let text: &'static str = match TEXT[set.index()].get_or_init(|| inflate(set.gz())) {
            Ok(text) => text,
            Err(e) => return Err(e.clone()),
        };
        let file: SetFile<'static> = serde_json::from_str(text).map_err(|e| format!("json: {e}"))?;
        // Iconify's default box is 16×16 at the origin.
        let default_box = [
            file.left.unwrap_or(0.0),
            file.top.unwrap_or(0.0),
            file.width.unwrap_or(16.0),
            file.height.unwrap_or(16.0),
        ];
        Ok(SetData { icons: file.icons, aliases: file.aliases, default_box })
    });
    built.as_ref().map_err(|msg| ArtError::Corrupt { set, msg: msg.clone() })
}

/// An icon's or alias's fields (Iconify's `IconifyIcon` / `IconifyAlias`).
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Props {
    body: Option<String>,
    parent: Option<String>,
    left: Option<f64>,
    top: Option<f64>,
    width: Option<f64>,
    height: Option<f64>,
    rotate: Option<i32>,
    h_flip: Option<bool>,
    v_flip: Option<bool>,
}

/// A resolved icon: its body and box, and the transformations its aliases add.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Icon {
    pub body: String,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    /// Quarter turns clockwise, 0..=3.
    pub rotate: i32,
    pub h_flip: bool,
    pub v_flip: bool,
}

impl SetData {
    pub fn contains(&self, name: &str) -> bool {
        self.icons.contains_key(name) || self.aliases.contains_key(name)
    }

    /// Every icon and alias name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.icons.keys().chain(self.aliases.keys()).copied()
    }

    pub fn alias_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.aliases.keys().copied()
    }

    /// Resolves `name` (following aliases to their icon) into a full icon, the
    /// way Iconify's `getIconData` does: an alias overrides its parent's box
    /// fields and adds its flips (xor) and rotation (sum).
    pub fn icon(&self, set: Set, name: &str) -> Result<Icon, ArtError> {
        let corrupt = |msg: String| ArtError::Corrupt { set, msg };
        let parse =
            |raw: &RawValue| serde_json::from_str::<Props>(raw.get()).map_err(|e| corrupt(format!("{name}: {e}")));
        // Walk up the alias chain, nearest alias first.
        let mut chain: Vec<Props> = Vec::new();
        let mut current = name.to_string();
        let base = loop {
            if let Some(raw) = self.icons.get(current.as_str()) {
                break parse(raw)?;
            }
            let Some(raw) = self.aliases.get(current.as_str()) else {
                return Err(if chain.is_empty() {
                    ArtError::NotFound { set, name: name.to_string() }
                } else {
                    corrupt(format!("alias {name}: no parent {current}"))
                });
            };
            let alias = parse(raw)?;
            let Some(parent) = alias.parent.clone() else {
                return Err(corrupt(format!("alias {current} has no parent")));
            };
            chain.push(alias);
            if chain.len() > 8 {
                return Err(corrupt(format!("alias loop at {name}")));
            }
            current = parent;
        };
        let [dl, dt, dw, dh] = self.default_box;
        let mut icon = Icon {
            body: base.body.ok_or_else(|| corrupt(format!("{current} has no body")))?,
            left: base.left.unwrap_or(dl),
            top: base.top.unwrap_or(dt),
            width: base.width.unwrap_or(dw),
            height: base.height.unwrap_or(dh),
            rotate: base.rotate.unwrap_or(0).rem_euclid(4),
            h_flip: base.h_flip.unwrap_or(false),
            v_flip: base.v_flip.unwrap_or(false),
        };
        for alias in chain.iter().rev() {
            icon.left = alias.left.unwrap_or(icon.left);
            icon.top = alias.top.unwrap_or(icon.top);
            icon.width = alias.width.unwrap_or(icon.width);
            icon.height = alias.height.unwrap_or(icon.height);
            icon.rotate = (icon.rotate + alias.rotate.unwrap_or(0)).rem_euclid(4);
            icon.h_flip ^= alias.h_flip.unwrap_or(false);
            icon.v_flip ^= alias.v_flip.unwrap_or(false);
        }
        Ok(icon)
    }
}

impl Icon {
    /// The standalone SVG document, as Iconify's `iconToSVG` builds it: flips
    /// and rotation become a `<g transform>` around the body, and the viewBox
    /// is the (possibly rotated) icon box.
    pub fn to_svg(&self, tint: Option<[u8; 3]>) -> String {
        let (mut left, mut top, mut width, mut height) = (self.left, self.top, self.width, self.height);
        let mut transforms: Vec<String> = Vec::new();
        let mut rotation = self.rotate;
        if self.h_flip {
            if self.v_flip {
                rotation += 2;
            } else {
                transforms.push(format!("translate({} {})", num(width + left), num(-top)));
                transforms.push("scale(-1 1)".to_string());
                left = 0.0;
                top = 0.0;
            }
        } else if self.v_flip {
            transforms.push(format!("translate({} {})", num(-left), num(height + top)));
            transforms.push("scale(1 -1)".to_string());
            left = 0.0;
            top = 0.0;
        }
        rotation = rotation.rem_euclid(4);
        match rotation {
            1 => {
                let c = height / 2.0 + top;
                transforms.insert(0, format!("rotate(90 {} {})", num(c), num(c)));
            }
            2 => transforms.insert(0, format!("rotate(180 {} {})", num(width / 2.0 + left), num(height / 2.0 + top))),
            3 => {
                let c = width / 2.0 + left;
                transforms.insert(0, format!("rotate(-90 {} {})", num(c), num(c)));
            }
            _ => {}
        }
        if rotation % 2 == 1 {
            std::mem::swap(&mut left, &mut top);
            std::mem::swap(&mut width, &mut height);
        }
        let body = match tint {
            // Silhouettes paint with currentColor; the tint is that colour.
            Some([r, g, b]) => self.body.replace("currentColor", &format!("#{r:02x}{g:02x}{b:02x}")),
            None => self.body.clone(),
        };
        let mut svg = String::with_capacity(body.len() + 200);
        svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox=""#);
        svg.push_str(&format!("{} {} {} {}\">", num(left), num(top), num(width), num(height)));
        if transforms.is_empty() {
            svg.push_str(&body);
        } else {
            svg.push_str(&format!("<g transform=\"{}\">{body}</g>", transforms.join(" ")));
        }
        svg.push_str("</svg>");
        svg
    }
}

/// A number as SVG wants it: `32`, not `32.0`.
fn num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icon() -> Icon {
        Icon {
            body: "<path fill=\"currentColor\" d=\"M0 0h4v2z\"/>".into(),
            left: 0.0,
            top: 0.0,
            width: 32.0,
            height: 16.0,
            rotate: 0,
            h_flip: false,
            v_flip: false,
        }
    }

    #[test]
    fn plain_icon_is_wrapped_with_its_viewbox() {
        let svg = icon().to_svg(None);
        assert!(svg.contains(r#"viewBox="0 0 32 16">"#), "{svg}");
        assert!(svg.ends_with("z\"/></svg>"), "{svg}");
    }

    #[test]
    fn flips_and_rotation_follow_iconify() {
        let svg = Icon { h_flip: true, ..icon() }.to_svg(None);
        assert!(svg.contains(r#"<g transform="translate(32 0) scale(-1 1)">"#), "{svg}");
        let svg = Icon { rotate: 1, ..icon() }.to_svg(None);
        assert!(svg.contains(r#"viewBox="0 0 16 32""#) && svg.contains("rotate(90 8 8)"), "{svg}");
        // Both flips are a half turn.
        let svg = Icon { h_flip: true, v_flip: true, ..icon() }.to_svg(None);
        assert!(svg.contains("rotate(180 16 8)") && !svg.contains("scale"), "{svg}");
    }

    #[test]
    fn tint_replaces_current_color() {
        let svg = icon().to_svg(Some([255, 8, 0]));
        assert!(svg.contains("fill=\"#ff0800\"") && !svg.contains("currentColor"), "{svg}");
    }

    #[test]
    fn numbers_print_like_svg() {
        assert_eq!(num(32.0), "32");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(num(0.0), "0");
    }
}
