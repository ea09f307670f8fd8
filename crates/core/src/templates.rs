//! The catalogue of official template IDs and the inputs each one takes
//! (`templates.json`, the same data as the project's shared spec).

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
pub struct TextSlot {
    pub name: String,
    pub description: String,
    pub required: bool,
    #[serde(default)]
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub id: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    /// Required images.
    #[serde(rename = "media_inputs")]
    pub media_min: usize,
    /// Most images accepted.
    #[serde(rename = "media_inputs_max")]
    pub media_max: usize,
    pub media_hint: Option<String>,
    #[serde(rename = "text_inputs")]
    pub text_slots: Vec<TextSlot>,
    pub description: String,
}

impl Template {
    /// Required text items (required slots come first in the official lists).
    pub fn text_min(&self) -> usize {
        self.text_slots.iter().filter(|s| s.required).count()
    }

    pub fn text_max(&self) -> usize {
        self.text_slots.len()
    }

    /// The value of each text slot, in order. Art Fonts takes `word` and an
    /// optional `element`; when one item is sent, its first whitespace-separated
    /// token is the word and the rest the element (api.md section 9, item 6).
    pub fn slot_values(&self, texts: &[String]) -> Vec<String> {
        if self.id == ART_FONTS && texts.len() == 1 {
            let text = texts[0].trim();
            if let Some((word, element)) = text.split_once(char::is_whitespace) {
                return vec![word.to_string(), element.trim().to_string()];
            }
        }
        texts.to_vec()
    }
}

/// Art Fonts, whose single text item may carry both slots.
pub const ART_FONTS: &str = "394875727173492739";

#[derive(Deserialize)]
struct CatalogueFile {
    templates: Vec<Template>,
}

/// All templates the server accepts, by ID.
#[derive(Debug, Clone)]
pub struct Catalogue {
    by_id: BTreeMap<String, Template>,
}

const OFFICIAL_JSON: &str = include_str!("../templates.json");

impl Catalogue {
    /// The 22 official templates.
    pub fn official() -> Self {
        let file: CatalogueFile =
            serde_json::from_str(OFFICIAL_JSON).expect("embedded templates.json is valid (checked by tests)");
        Catalogue { by_id: file.templates.into_iter().map(|t| (t.id.clone(), t)).collect() }
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.by_id.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Template> {
        self.by_id.values()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_catalogue_has_22_templates_with_sane_slots() {
        let c = Catalogue::official();
        assert_eq!(c.len(), 22);
        for t in c.iter() {
            assert_eq!(t.id.len(), 18, "{}", t.id);
            assert!(t.media_min <= t.media_max);
            // Required text slots come first, so slot i is filled by text_inputs[i].
            let first_optional = t.text_slots.iter().position(|s| !s.required).unwrap_or(t.text_slots.len());
            assert!(t.text_slots[first_optional..].iter().all(|s| !s.required), "{}", t.id);
        }
        let run = c.get("393769180141805569").unwrap();
        assert_eq!((run.media_min, run.text_min(), run.text_max()), (1, 1, 1));
        let art = c.get("394875727173492739").unwrap();
        assert_eq!((art.media_max, art.text_min(), art.text_max()), (0, 1, 2));
        let split = |t: &[&str]| art.slot_values(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(split(&["OCEAN waves"]), vec!["OCEAN", "waves"]);
        assert_eq!(split(&["BLOOM  pink petals "]), vec!["BLOOM", "pink petals"]);
        assert_eq!(split(&["OCEAN"]), vec!["OCEAN"]);
        assert_eq!(split(&["OCEAN", "waves"]), vec!["OCEAN", "waves"]);
        assert_eq!(run.slot_values(&["a b".into()]), vec!["a b"], "only Art Fonts splits");
        let ad = c.get("393853165953970178").unwrap();
        assert_eq!((ad.media_min, ad.media_max), (0, 1));
    }
}
