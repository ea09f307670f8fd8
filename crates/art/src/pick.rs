//! Choosing art from the user's text, English and Chinese.
//!
//! One dictionary, built on first use from three sources, best first: the
//! curated table ([`crate::words`]), the emoji's labels and icon names, then
//! the emoji's tags (English and Chinese, from emojibase). The text is read
//! left to right: at a Chinese character, the longest dictionary word that
//! starts there (Chinese has no spaces, so greedy longest match is the
//! segmentation: `熊猫` is a panda, not a bear and a cat); at a Latin letter,
//! the longest run of up to a few words (`polar bear` before `bear`), each
//! lowercased, the last with a plural -s/-es/-ies taken off; at an emoji, its
//! icon. Everything is kept in sorted maps, so the same text always gives the
//! same picks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::words::{self, BEASTS, EN_STOP, ZH_TAG_STOP};
use crate::{sets, ArtRef, Set};

/// What a template asks for: the role the art plays in it.
///
/// Each art has one kind of its own (reported in [`Pick::kind`]) and may answer
/// others (a book is an [`Object`](Kind::Object) and a
/// [`Scene`](Kind::Scene)). [`Beast`](Kind::Beast) is the fierce subset of
/// [`Animal`](Kind::Animal): asking for animals gets beasts too, asking for
/// beasts gets no cat or dog. [`Any`](Kind::Any) takes everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Animals and pets (includes beasts).
    Animal,
    /// Fierce animals for a rival or a mascot: lion, tiger, bear, wolf, shark,
    /// dinosaurs, crocodile, gorilla, dragon, eagle, snake, ...
    Beast,
    /// Props and products: phone, bag, shoe, laptop, trophy, vehicles.
    Object,
    /// Food and drink.
    Food,
    /// Backdrops: places, landscapes, plants, night, seasons.
    Scene,
    /// Sky and weather: sun, rain, snow, cloud, moon, fire.
    Weather,
    /// People, characters and faces.
    Person,
    /// Hearts, sparkles and other signs.
    Symbol,
    /// Anything.
    Any,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Animal,
        Kind::Beast,
        Kind::Object,
        Kind::Food,
        Kind::Scene,
        Kind::Weather,
        Kind::Person,
        Kind::Symbol,
        Kind::Any,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Animal => "animal",
            Kind::Beast => "beast",
            Kind::Object => "object",
            Kind::Food => "food",
            Kind::Scene => "scene",
            Kind::Weather => "weather",
            Kind::Person => "person",
            Kind::Symbol => "symbol",
            Kind::Any => "any",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }

    /// Whether art that answers `kinds` (a mask of [`Kind::bit`]) fits a
    /// request for `self`.
    fn accepts(self, kinds: u16) -> bool {
        match self {
            Kind::Any => true,
            Kind::Animal => kinds & (Kind::Animal.bit() | Kind::Beast.bit()) != 0,
            k => kinds & k.bit() != 0,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| format!("unknown art kind {s:?}"))
    }
}

/// One art found in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    pub art: ArtRef,
    /// The art's own kind (a lion is a [`Kind::Beast`] even when animals were asked for).
    pub kind: Kind,
    /// The words of the text that chose it, as written (`"Lions"`, `"写周报"`, `"🐱"`).
    pub word: String,
    /// Where those words are: a byte range of the text.
    pub span: Range<usize>,
}

/// Every art the text names that answers `kind`, in the order the text names
/// them; each art once, at its first mention. A word with several arts (`写周报`
/// → laptop, memo) gives them all, in the table's order. Empty when nothing
/// matches, so the template uses its own fallback.
pub fn pick(text: &str, kind: Kind) -> Vec<Pick> {
    let Ok(index) = index() else { return Vec::new() };
    let mut picks = Vec::new();
    let mut seen = BTreeSet::new();
    let mut emit = |group: &Group, art: &ArtRef, span: Range<usize>| {
        if seen.insert(art.clone()) {
            picks.push(Pick { art: art.clone(), kind: group.primary, word: text[span.clone()].to_string(), span });
        }
    };
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let step = if is_cjk(c) {
            match index.longest_cjk(text, i) {
                Some((end, groups)) => {
                    if let Some(group) = choose(groups, kind) {
                        group.arts.iter().for_each(|art| emit(group, art, i..end));
                    }
                    end
                }
                None => i + c.len_utf8(),
            }
        } else if c.is_alphanumeric() {
            let words = words_at(text, i, index.max_words);
            match index.longest_en(text, &words) {
                Some((n, groups)) => {
                    let end = words[n - 1].end;
                    if let Some(group) = choose(groups, kind) {
                        group.arts.iter().for_each(|art| emit(group, art, i..end));
                    }
                    end
                }
                None => words[0].end,
            }
        } else {
            match index.emoji_at(text, i) {
                Some((end, name)) => {
                    let group = index.emoji_group(&text[i..end], name);
                    if kind.accepts(group.kinds) {
                        emit(&group, &group.arts[0], i..end);
                    }
                    end
                }
                None => i + c.len_utf8(),
            }
        };
        i = step;
    }
    picks
}

/// The first art [`pick`] finds, if any.
pub fn pick_first(text: &str, kind: Kind) -> Option<Pick> {
    pick(text, kind).into_iter().next()
}

/// The Fluent Flat icon of an emoji the user typed (one grapheme: `"🐱"`,
/// `"❤️"`, `"👍🏽"`, `"👩‍💻"`), matched by code points with the FE0F
/// presentation selector ignored; a skin tone the set lacks falls back to the
/// plain emoji. `None` when it is not an emoji the set draws.
pub fn emoji_art(grapheme: &str) -> Option<ArtRef> {
    let index = index().ok()?;
    let name = index.chars.get(&hex_key(grapheme, false)).or_else(|| index.chars.get(&hex_key(grapheme, true)))?;
    Some(ArtRef::new(Set::FluentFlat, name.clone()))
}

// ---- the dictionary ---------------------------------------------------------

/// Art for one dictionary word from one source.
#[derive(Debug)]
struct Group {
    /// Empty for a stop word.
    arts: Vec<ArtRef>,
    kinds: u16,
    primary: Kind,
    /// 0 curated, 1 emoji label, 2 icon name, 3 emoji tag.
    rank: u8,
    order: u32,
}

/// The best group for a request: the first (by source, then emoji order) that
/// answers `kind`. A stop word answers nothing, whatever the kind.
fn choose(groups: &[Group], kind: Kind) -> Option<&Group> {
    for group in groups {
        if group.arts.is_empty() {
            return None;
        }
        if kind.accepts(group.kinds) {
            return Some(group);
        }
    }
    None
}

struct Index {
    /// Dictionary: English keys are lowercase words joined by one space,
    /// Chinese keys are runs of Han characters.
    keys: BTreeMap<String, Vec<Group>>,
    max_cjk: usize,
    max_words: usize,
    /// Emoji code points (hex, `-`-joined, no FE0F) → Fluent Flat icon name.
    chars: BTreeMap<String, String>,
    /// Base emoji (no FE0F, no skin tone) → (kinds, own kind).
    emoji_kinds: BTreeMap<String, (u16, Kind)>,
}

#[derive(Deserialize)]
struct WordsFile {
    chars: BTreeMap<String, String>,
    emoji: Vec<EmojiWords>,
}

#[derive(Deserialize)]
struct EmojiWords {
    name: String,
    hex: String,
    sub: String,
    order: u32,
    en: Vec<String>,
    zh: Vec<String>,
}

static INDEX: OnceLock<Result<Index, String>> = OnceLock::new();

fn index() -> Result<&'static Index, &'static str> {
    INDEX.get_or_init(build).as_ref().map_err(|e| e.as_str())
}

/// A tag shared by more emoji than this says too little to choose one (`face`,
/// `animal`, `食物`). English tags are looser (verbs, moods: "jump" is a
/// kangaroo's), so only a tag unique to one emoji counts.
const GENERIC_TAG_ZH: usize = 4;
const GENERIC_TAG_EN: usize = 1;

fn build() -> Result<Index, String> {
    let text = sets::inflate(include_bytes!("../../../assets/art/emoji-words.json.gz"))?;
    let file: WordsFile = serde_json::from_str(&text).map_err(|e| format!("emoji-words: {e}"))?;
    let mut keys: BTreeMap<String, Vec<Group>> = BTreeMap::new();
    let mut add = |key: String, group: Group| keys.entry(key).or_default().push(group);

    // Curated words.
    for (order, entry) in words::ENTRIES.iter().enumerate() {
        let arts: Vec<ArtRef> =
            entry.art.iter().map(|a| a.parse().map_err(|e| format!("words table: {e}"))).collect::<Result<_, _>>()?;
        let kinds = entry.kinds.iter().fold(0, |m, k| m | k.bit());
        let primary = entry.kinds.first().copied().unwrap_or(Kind::Any);
        for word in entry.words.split('|') {
            let key = normalize(word).ok_or_else(|| format!("words table: bad word {word:?}"))?;
            add(key, Group { arts: arts.clone(), kinds, primary, rank: 0, order: order as u32 });
        }
    }

    // Emoji annotations. Dropped: tags shared by many emoji; single Chinese
    // characters (too often part of another word: 线 in 线上); English words
    // under 3 letters or on the stop list; English tags of several words or
    // that read as verbs (-ing, -ed, -ly).
    let en_stop: BTreeSet<&str> = EN_STOP.iter().copied().collect();
    let zh_stop: BTreeSet<&str> = ZH_TAG_STOP.iter().copied().collect();
    let mut emoji_kinds = BTreeMap::new();
    let mut tag_count: BTreeMap<String, usize> = BTreeMap::new();
    let mut annotated = Vec::new();
    for e in &file.emoji {
        let (primary, indexed) = subgroup_kind(&e.sub, &e.name);
        let kinds = primary.bit();
        emoji_kinds.insert(e.hex.clone(), (kinds, primary));
        if !indexed {
            continue;
        }
        let mut own: BTreeMap<String, u8> = BTreeMap::new();
        let mut put = |words: &str, rank: u8| {
            if let Some(key) = normalize(words) {
                let slot = own.entry(key).or_insert(rank);
                *slot = (*slot).min(rank);
            }
        };
        for (i, w) in e.en.iter().enumerate() {
            put(w, if i == 0 { 1 } else { 3 });
        }
        put(&e.name, 2);
        for (i, w) in e.zh.iter().enumerate() {
            put(w, if i == 0 { 1 } else { 3 });
        }
        for (key, rank) in &own {
            if *rank == 3 {
                *tag_count.entry(key.clone()).or_default() += 1;
            }
        }
        annotated.push((e, primary, kinds, own));
    }
    for (e, primary, kinds, own) in annotated {
        for (key, rank) in own {
            let cjk = key.chars().all(is_cjk);
            let tag_uses = tag_count.get(&key).copied().unwrap_or(0);
            if rank == 3 && tag_uses > if cjk { GENERIC_TAG_ZH } else { GENERIC_TAG_EN } {
                continue;
            }
            let keep = if cjk {
                key.chars().count() >= 2 && !(rank == 3 && zh_stop.contains(key.as_str()))
            } else {
                let one_word = !key.contains(' ');
                let verbish = ["ing", "ed", "ly"].iter().any(|end| key.ends_with(end));
                key.chars().count() >= 3
                    && !(one_word && en_stop.contains(key.as_str()))
                    && !(rank == 3 && (!one_word || verbish))
            };
            if !keep {
                continue;
            }
            let art = ArtRef::new(Set::FluentFlat, e.name.clone());
            add(key, Group { arts: vec![art], kinds, primary, rank, order: e.order });
        }
    }

    for groups in keys.values_mut() {
        groups.sort_by_key(|g| (g.rank, g.order));
    }
    let max_cjk = keys.keys().filter(|k| k.chars().all(is_cjk)).map(|k| k.chars().count()).max().unwrap_or(1);
    let max_words = keys.keys().filter(|k| !k.chars().all(is_cjk)).map(|k| k.split(' ').count()).max().unwrap_or(1);
    Ok(Index { keys, max_cjk, max_words, chars: file.chars, emoji_kinds })
}

/// An emoji's own kind from its emojibase subgroup, and whether its words go
/// in the dictionary (symbols, flags, keycaps and the like do not: their
/// labels are letters and abbreviations like "a", "ok", "new", "top").
fn subgroup_kind(sub: &str, name: &str) -> (Kind, bool) {
    let kind = match sub {
        _ if BEASTS.contains(&name) => Kind::Beast,
        s if s.starts_with("animal-") => Kind::Animal,
        s if s.starts_with("plant-") || s.starts_with("place-") || s == "hotel" => Kind::Scene,
        s if s.starts_with("food-") || s == "drink" || s == "dishware" => Kind::Food,
        "sky-weather" => Kind::Weather,
        s if s.starts_with("face-") || s.starts_with("hand") || s.starts_with("person") => Kind::Person,
        "cat-face" | "monkey-face" | "body-parts" | "family" => Kind::Person,
        "heart" | "emotion" => Kind::Symbol,
        "transport-ground" | "transport-water" | "transport-air" | "time" | "event" | "award-medal" | "sport"
        | "game" | "arts-crafts" | "clothing" | "sound" | "music" | "musical-instrument" | "phone" | "computer"
        | "light-video" | "book-paper" | "money" | "mail" | "writing" | "office" | "lock" | "tool" | "science"
        | "medical" | "household" | "other-object" => Kind::Object,
        // Symbols, flags, components.
        _ => return (Kind::Symbol, false),
    };
    (kind, true)
}

impl Index {
    /// The longest Chinese key starting at byte `at`: (its end, its groups).
    fn longest_cjk(&self, text: &str, at: usize) -> Option<(usize, &[Group])> {
        let ends: Vec<usize> = text[at..]
            .char_indices()
            .take_while(|(_, c)| is_cjk(*c))
            .take(self.max_cjk)
            .map(|(o, c)| at + o + c.len_utf8())
            .collect();
        ends.iter().rev().find_map(|&end| self.keys.get(&text[at..end]).map(|g| (end, g.as_slice())))
    }

    /// The longest English key made of the first n `words`: (n, its groups).
    fn longest_en(&self, text: &str, words: &[Range<usize>]) -> Option<(usize, &[Group])> {
        for n in (1..=words.len()).rev() {
            let lower: Vec<String> = words[..n].iter().map(|w| text[w.clone()].to_lowercase()).collect();
            let head = lower[..n - 1].join(" ");
            // Of the word as written and its singulars, the best-ranked source
            // wins ("cats": the table's cat beats an annotation of "cats").
            let best = singulars(&lower[n - 1])
                .into_iter()
                .filter_map(|last| {
                    self.keys.get(&if head.is_empty() { last.clone() } else { format!("{head} {last}") })
                })
                .min_by_key(|groups| groups.first().map_or(u8::MAX, |g| g.rank));
            if let Some(groups) = best {
                return Some((n, groups));
            }
        }
        None
    }

    /// The longest emoji (code point sequence the set draws) at byte `at`.
    fn emoji_at(&self, text: &str, at: usize) -> Option<(usize, &String)> {
        let first = text[at..].chars().next()?;
        if (first as u32) < 0xA9 {
            return None;
        }
        let mut best = None;
        let mut key = String::new();
        for (offset, c) in text[at..].char_indices().take(12) {
            if offset > 0 && (c.is_whitespace() || c.is_ascii() || is_cjk(c)) {
                break;
            }
            if c == '\u{FE0F}' {
                continue;
            }
            if !key.is_empty() {
                key.push('-');
            }
            key.push_str(&format!("{:04x}", c as u32));
            if let Some(name) = self.chars.get(&key) {
                best = Some((at + offset + c.len_utf8(), name));
            }
        }
        // A trailing FE0F belongs to the emoji.
        best.map(|(end, name)| (if text[end..].starts_with('\u{FE0F}') { end + 3 } else { end }, name))
    }

    /// The pick group for an emoji found in the text.
    fn emoji_group(&self, emoji: &str, name: &str) -> Group {
        let (kinds, primary) =
            self.emoji_kinds.get(&hex_key(emoji, true)).copied().unwrap_or((Kind::Symbol.bit(), Kind::Symbol));
        Group { arts: vec![ArtRef::new(Set::FluentFlat, name)], kinds, primary, rank: 0, order: 0 }
    }
}

// ---- text -------------------------------------------------------------------

/// Han ideographs (the CJK blocks Chinese text uses).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// A dictionary key: Han only, or lowercase Latin words joined by one space
/// (any other character separates words, so `T-Rex` and `t rex` are one key).
/// `None` for text that mixes the two or has neither.
fn normalize(s: &str) -> Option<String> {
    let s = s.trim();
    if !s.is_empty() && s.chars().all(is_cjk) {
        return Some(s.to_string());
    }
    if s.chars().any(is_cjk) {
        return None;
    }
    let words: Vec<String> =
        s.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Up to `max` words starting at byte `at`, where each next word follows the
/// previous one across spaces and hyphens only (punctuation ends a phrase).
fn words_at(text: &str, at: usize, max: usize) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut pos = at;
    while words.len() < max.max(1) {
        let rest = &text[pos..];
        let len = rest.char_indices().find(|(_, c)| !is_word_char(*c)).map_or(rest.len(), |(o, _)| o);
        if len == 0 {
            break;
        }
        words.push(pos..pos + len);
        let gap = text[pos + len..].char_indices().find(|(_, c)| !(c.is_whitespace() || *c == '-' || *c == '_'));
        match gap {
            Some((g, c)) if g > 0 && is_word_char(c) => pos = pos + len + g,
            _ => break,
        }
    }
    words
}

/// The word, then the word without a plural ending: -s, -es, -ies → -y.
fn singulars(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let n = word.chars().count();
    if n > 3 {
        if let Some(stem) = word.strip_suffix("ies") {
            out.push(format!("{stem}y"));
        } else if let Some(stem) = word.strip_suffix("es") {
            out.push(stem.to_string());
        }
        if let Some(stem) = word.strip_suffix('s').filter(|s| !s.ends_with('s')) {
            out.push(stem.to_string());
        }
    }
    out
}

/// The chars-map key of an emoji: hex code points joined by `-`, without FE0F
/// (and, with `no_tone`, without skin-tone modifiers).
fn hex_key(emoji: &str, no_tone: bool) -> String {
    emoji
        .chars()
        .filter(|&c| c != '\u{FE0F}' && !(no_tone && ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)))
        .map(|c| format!("{:04x}", c as u32))
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_across_spaces_and_hyphens_only() {
        let text = "a polar  bear, T-Rex";
        let w = |at| words_at(text, at, 4).into_iter().map(|r| &text[r]).collect::<Vec<_>>();
        assert_eq!(w(0), ["a", "polar", "bear"]);
        assert_eq!(w(15), ["T", "Rex"]);
    }

    #[test]
    fn plurals_are_stripped() {
        assert_eq!(singulars("lions"), ["lions", "lion"]);
        assert_eq!(singulars("boxes"), ["boxes", "box", "boxe"]);
        assert_eq!(singulars("puppies"), ["puppies", "puppy", "puppie"]);
        assert_eq!(singulars("glass"), ["glass"]);
        assert_eq!(singulars("bus"), ["bus"]);
    }

    #[test]
    fn keys_normalize() {
        assert_eq!(normalize("T-Rex").as_deref(), Some("t rex"));
        assert_eq!(normalize(" Cat  face ").as_deref(), Some("cat face"));
        assert_eq!(normalize("写周报").as_deref(), Some("写周报"));
        assert_eq!(normalize("T恤"), None);
        assert_eq!(normalize("--"), None);
    }

    #[test]
    fn hex_keys_drop_fe0f() {
        assert_eq!(hex_key("❤️", false), "2764");
        assert_eq!(hex_key("👍🏽", false), "1f44d-1f3fd");
        assert_eq!(hex_key("👍🏽", true), "1f44d");
    }

    #[test]
    fn kinds_accept() {
        assert!(Kind::Animal.accepts(Kind::Beast.bit()));
        assert!(!Kind::Beast.accepts(Kind::Animal.bit()));
        assert!(Kind::Any.accepts(Kind::Symbol.bit()));
        assert!(Kind::Scene.accepts(Kind::Object.bit() | Kind::Scene.bit()));
        assert_eq!("beast".parse::<Kind>(), Ok(Kind::Beast));
    }
}
