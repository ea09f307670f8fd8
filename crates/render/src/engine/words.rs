//! Pieces a template takes from a product description: its name, the spec
//! call-outs (750 ml, stainless steel), the colour it names (forest green →
//! a swatch and a tint) and a price, in English and Chinese. Text layers ask
//! for them with `format` placeholders (`{title}`, `{callout1}`, `{colour}`,
//! `{price|NEW}`), actors with `colorize`.

/// Colour names, longest first within a language so `forest green` wins over
/// `green`; Chinese names are matched anywhere in the text.
const COLOURS: &[(&str, [u8; 3])] = &[
    ("forest green", [34, 110, 52]),
    ("olive green", [107, 122, 46]),
    ("mint green", [152, 221, 190]),
    ("sky blue", [104, 176, 232]),
    ("navy blue", [28, 44, 94]),
    ("baby blue", [160, 200, 240]),
    ("rose gold", [214, 150, 140]),
    ("hot pink", [240, 80, 150]),
    ("dark grey", [70, 72, 78]),
    ("light grey", [200, 202, 208]),
    ("navy", [28, 44, 94]),
    ("teal", [20, 140, 140]),
    ("turquoise", [48, 200, 190]),
    ("red", [214, 40, 40]),
    ("crimson", [180, 20, 50]),
    ("orange", [245, 130, 30]),
    ("yellow", [245, 205, 40]),
    ("gold", [212, 175, 55]),
    ("green", [50, 160, 70]),
    ("blue", [40, 100, 210]),
    ("purple", [130, 70, 180]),
    ("violet", [140, 90, 200]),
    ("lavender", [180, 160, 230]),
    ("pink", [240, 140, 180]),
    ("brown", [130, 80, 45]),
    ("beige", [225, 205, 170]),
    ("cream", [245, 235, 210]),
    ("black", [30, 30, 34]),
    ("white", [245, 245, 245]),
    ("silver", [192, 196, 204]),
    ("grey", [128, 130, 136]),
    ("gray", [128, 130, 136]),
    ("森林绿", [34, 110, 52]),
    ("墨绿", [34, 90, 60]),
    ("天蓝", [104, 176, 232]),
    ("藏青", [28, 44, 94]),
    ("玫瑰金", [214, 150, 140]),
    ("红色", [214, 40, 40]),
    ("橙色", [245, 130, 30]),
    ("黄色", [245, 205, 40]),
    ("金色", [212, 175, 55]),
    ("绿色", [50, 160, 70]),
    ("蓝色", [40, 100, 210]),
    ("紫色", [130, 70, 180]),
    ("粉色", [240, 140, 180]),
    ("棕色", [130, 80, 45]),
    ("米色", [225, 205, 170]),
    ("黑色", [30, 30, 34]),
    ("白色", [245, 245, 245]),
    ("银色", [192, 196, 204]),
    ("灰色", [128, 130, 136]),
];

/// Materials worth a call-out.
const MATERIALS: &[&str] = &[
    "stainless steel",
    "leather",
    "cotton",
    "linen",
    "silk",
    "wool",
    "glass",
    "ceramic",
    "bamboo",
    "wood",
    "aluminium",
    "aluminum",
    "titanium",
    "silicone",
    "recycled",
    "waterproof",
    "wireless",
    "organic",
    "不锈钢",
    "真皮",
    "纯棉",
    "玻璃",
    "陶瓷",
    "竹",
    "实木",
    "防水",
    "无线",
];

/// The colour `text` names (its name as written and its RGB), the first in
/// the text.
pub fn colour(text: &str) -> Option<(String, [u8; 3])> {
    let lower = text.to_lowercase();
    COLOURS
        .iter()
        .filter_map(|&(name, rgb)| find_word(&lower, name).map(|at| (at, name, rgb)))
        // The earliest mention; at the same place the longer name (forest green, not green).
        .min_by_key(|&(at, name, _)| (at, std::cmp::Reverse(name.len())))
        .map(|(at, name, rgb)| (text_at(text, &lower, at, name.len()), rgb))
}

/// The description's parts: split at commas, semicolons and Chinese list
/// marks, trimmed, empty ones dropped.
fn parts(text: &str) -> Vec<&str> {
    text.split([',', ';', '，', '、', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// The product's name: the first part (at most 40 characters).
pub fn title(text: &str) -> Option<String> {
    parts(text).first().map(|p| p.chars().take(40).collect())
}

/// The spec call-outs: parts after the name that hold a measure (a number)
/// or a material, in order, without the colour's part.
pub fn callouts(text: &str) -> Vec<String> {
    parts(text)
        .into_iter()
        .skip(1)
        .filter(|p| colour(p).is_none_or(|(name, _)| name.chars().count() + 2 < p.chars().count()))
        .filter(|p| {
            let lower = p.to_lowercase();
            p.chars().any(|c| c.is_ascii_digit()) || MATERIALS.iter().any(|m| find_word(&lower, m).is_some())
        })
        .map(|p| p.chars().take(28).collect())
        .collect()
}

/// A price written with a currency sign (`$29.99`, `¥199`, `€15`) or
/// `199元`.
pub fn price(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '$' | '¥' | '€' | '£' | '￥') {
            let digits: String = chars[i + 1..].iter().take_while(|d| d.is_ascii_digit() || **d == '.').collect();
            if !digits.is_empty() {
                return Some(format!("{c}{}", digits.trim_end_matches('.')));
            }
        }
        if c == '元' && i > 0 {
            let start = chars[..i].iter().rposition(|d| !(d.is_ascii_digit() || *d == '.')).map_or(0, |p| p + 1);
            if start < i {
                return Some(format!("¥{}", chars[start..i].iter().collect::<String>()));
            }
        }
    }
    None
}

/// Fills `{title}`, `{callout0}`…, `{colour}`, `{price}` and `{upper}` / `{}`
/// (the text itself) in `format`; a placeholder may carry a default after a
/// bar (`{price|NEW}`). `None` when a placeholder has neither a value nor a
/// default (the layer is then not shown).
pub fn fill(format: &str, text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map(|c| open + c)?;
        let inner = &rest[open + 1..close];
        let (name, default) = match inner.split_once('|') {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        let value = match name {
            "" => Some(text.to_string()),
            "upper" => Some(text.to_uppercase()),
            "title" => title(text),
            "colour" => colour(text).map(|(n, _)| n),
            "price" => price(text),
            _ => name
                .strip_prefix("callout")
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| callouts(text).get(i).cloned()),
        };
        out.push_str(&value.or_else(|| default.map(str::to_string))?);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Where `word` starts in `haystack` as a whole word (Latin) or anywhere
/// (CJK); byte offset.
fn find_word(haystack: &str, word: &str) -> Option<usize> {
    let cjk = !word.is_ascii();
    let mut from = 0;
    while let Some(i) = haystack[from..].find(word).map(|i| i + from) {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if cjk || (boundary(before) && boundary(after)) {
            return Some(i);
        }
        from = i + word.len();
    }
    None
}

/// The original text of a match found in its lowercase copy (same byte
/// offsets for the ASCII names and the CJK ones, which have no case).
fn text_at(text: &str, lower: &str, at: usize, len: usize) -> String {
    if text.len() == lower.len() {
        text.get(at..at + len).unwrap_or(&lower[at..at + len]).to_string()
    } else {
        lower[at..at + len].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_gives_its_parts() {
        let d = "stainless steel water bottle, 750 ml, forest green, keeps drinks cold 24 h";
        assert_eq!(title(d).as_deref(), Some("stainless steel water bottle"));
        assert_eq!(colour(d), Some(("forest green".to_string(), [34, 110, 52])));
        assert_eq!(callouts(d), vec!["750 ml".to_string(), "keeps drinks cold 24 h".to_string()]);
        assert_eq!(price(d), None);
        assert_eq!(fill("{price|NEW}", d).as_deref(), Some("NEW"));
        assert_eq!(fill("{callout0} · {callout1}", d).as_deref(), Some("750 ml · keeps drinks cold 24 h"));
        assert_eq!(fill("{callout2}", d), None);
        let zh = "保温杯，500ml，不锈钢，墨绿，199元";
        assert_eq!(title(zh).as_deref(), Some("保温杯"));
        assert_eq!(colour(zh).map(|c| c.1), Some([34, 90, 60]));
        assert_eq!(callouts(zh), vec!["500ml".to_string(), "不锈钢".to_string(), "199元".to_string()]);
        assert_eq!(price(zh).as_deref(), Some("¥199"));
        assert_eq!(price("Sneakers, $89.99").as_deref(), Some("$89.99"));
        // "red" inside "bored" is not a colour.
        assert_eq!(colour("a bored cat"), None);
        assert_eq!(fill("THE {upper}!", "lion").as_deref(), Some("THE LION!"));
    }
}
