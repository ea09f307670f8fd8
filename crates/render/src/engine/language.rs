//! Which language a template's own words are in (storyboards, "Words on
//! screen"): the script of the user's text decides (狮子 → Chinese, Lion →
//! English); without text, the template's own list does, and a template on
//! both lists shows both (Chinese title, English subtitle).

use super::spec::{Lang, Layer};

/// The words a render shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    Zh,
    En,
    Both,
}

impl Words {
    /// From the user's texts and the template's languages.
    pub fn choose(texts: &[String], languages: &[Lang]) -> Words {
        if texts.iter().any(|t| t.chars().any(is_cjk)) {
            return Words::Zh;
        }
        if texts.iter().any(|t| t.chars().any(char::is_alphabetic)) {
            return Words::En;
        }
        match (languages.contains(&Lang::Zh), languages.contains(&Lang::En)) {
            (true, false) => Words::Zh,
            (false, true) => Words::En,
            _ => Words::Both,
        }
    }

    /// Whether words in `lang` are shown.
    pub fn shows(self, lang: Lang) -> bool {
        matches!((self, lang), (Words::Both, _) | (Words::Zh, Lang::Zh) | (Words::En, Lang::En))
    }
}

/// Han ideographs, kana and hangul: text in these scripts gets Chinese words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The stack with each `language` layer replaced by the branch (or both
/// branches, Chinese first) the render shows.
pub fn expand(stack: &[Layer], words: Words) -> Vec<Layer> {
    let mut out = Vec::with_capacity(stack.len());
    for layer in stack {
        match layer {
            Layer::Language(l) => {
                if words.shows(Lang::Zh) {
                    out.extend(expand(&l.zh, words));
                }
                if words.shows(Lang::En) {
                    out.extend(expand(&l.en, words));
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_of_the_text_decides_then_the_template() {
        let both = [Lang::Zh, Lang::En];
        assert_eq!(Words::choose(&["狮子".into()], &both), Words::Zh);
        assert_eq!(Words::choose(&["Lion".into()], &both), Words::En);
        assert_eq!(Words::choose(&["Lion 狮子".into()], &both), Words::Zh);
        assert_eq!(Words::choose(&[], &both), Words::Both);
        assert_eq!(Words::choose(&["2024".into()], &[Lang::Zh]), Words::Zh);
        assert_eq!(Words::choose(&[], &[Lang::En]), Words::En);
    }
}
