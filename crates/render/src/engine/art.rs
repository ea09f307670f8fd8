//! The engine's door to vector art ([`videoagent_art`]): icons by name, art
//! picked from text, inline SVG, all as straight RGBA.

use super::spec::PickKind;
use image::RgbaImage;
use videoagent_art::{ArtRef, Kind, Set};

/// Whether `set:name` names embedded art.
pub(crate) fn exists(name: &str) -> bool {
    name.parse::<ArtRef>().is_ok_and(|a| videoagent_art::exists(&a))
}

/// The art `name` rasterised with its long side `px` pixels.
pub(super) fn raster(name: &str, px: u32, tint: Option<[u8; 3]>) -> Result<RgbaImage, String> {
    let art: ArtRef = name.parse().map_err(|e| format!("{e}"))?;
    videoagent_art::rasterize(&art, px, tint).map_err(|e| e.to_string())
}

/// Inline SVG markup rasterised with its long side `px` pixels.
pub(super) fn raster_svg(svg: &str, px: u32) -> Result<RgbaImage, String> {
    videoagent_art::rasterize_svg(svg, px).map_err(|e| e.to_string())
}

/// The `index`th art of `kind` that `text` names (`set:name`), drawn from
/// `set` when that set has it.
pub(super) fn pick(text: &str, kind: PickKind, index: usize, set: Option<&str>) -> Option<String> {
    let kind = match kind {
        PickKind::Beast => Kind::Beast,
        PickKind::Animal => Kind::Animal,
        PickKind::Person => Kind::Person,
        PickKind::Object => Kind::Object,
        PickKind::Food => Kind::Food,
        PickKind::Scene => Kind::Scene,
        PickKind::Weather => Kind::Weather,
        PickKind::Any => Kind::Any,
    };
    let picked = videoagent_art::pick(text, kind).into_iter().nth(index)?.art;
    let styled = set.and_then(|s| s.parse::<Set>().ok()).and_then(|s| picked.in_set(s));
    Some(styled.unwrap_or(picked).to_string())
}
