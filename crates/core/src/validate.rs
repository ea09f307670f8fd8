//! Create-request validation: everything that can be checked without a download
//! (api.md section 9, item 2). Each problem is a `2013 invalid params, ...` naming the field.

use crate::{ApiError, Catalogue, ErrorCode, Template};
use base64::Engine;
use serde_json::Value;

/// Longest text value, in Unicode code points after trimming.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest media or callback URL we accept.
pub const MAX_URL_LEN: usize = 4096;

/// One `media_inputs[i].value`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaValue {
    /// An absolute http(s) URL, to be downloaded by the worker.
    Url(url::Url),
    /// A decoded `data:image/...;base64,` URL. `mime` is what the client declared;
    /// the real format is decided from the bytes.
    Data { mime: String, bytes: Vec<u8> },
}

/// A create request that passed every create-time check.
#[derive(Debug, Clone)]
pub struct CreateRequest<'a> {
    pub template: &'a Template,
    pub texts: Vec<String>,
    pub media: Vec<MediaValue>,
    pub callback_url: Option<url::Url>,
}

/// Parses and validates a create body against the catalogue.
pub fn validate_create<'a>(body: &[u8], catalogue: &'a Catalogue) -> Result<CreateRequest<'a>, ApiError> {
    let root: Value = serde_json::from_slice(body).map_err(|_| ApiError::invalid("request body is not valid JSON"))?;
    let obj = root.as_object().ok_or_else(|| ApiError::invalid("request body must be a JSON object"))?;

    let template_id = match obj.get("template_id") {
        None | Some(Value::Null) => return Err(ApiError::invalid("template_id is required")),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(ApiError::invalid("template_id is required")),
        Some(Value::String(s)) => s.trim(),
        Some(_) => return Err(ApiError::invalid("template_id must be a string")),
    };
    let template = find_template(catalogue, template_id)?;

    // The same rules, in the same order, as `check_inputs` (which `videoagent
    // render` uses); the array checks sit between them so the first problem
    // of a body is reported as it always was.
    let text_items = items(obj.get("text_inputs"), "text_inputs")?;
    let texts = check_texts(template, text_items.len(), |i| item_value(&text_items[i], "text_inputs", i))?;

    let media_items = items(obj.get("media_inputs"), "media_inputs")?;
    check_media_count(template, media_items.len())?;
    let media = media_items.iter().enumerate().map(|(i, item)| media_value(item, i)).collect::<Result<Vec<_>, _>>()?;

    let callback_url = match obj.get("callback_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(http_url(s.trim()).ok_or_else(|| ApiError::invalid("callback_url must be an http or https URL"))?)
        }
        Some(_) => return Err(ApiError::invalid("callback_url must be a string")),
    };

    Ok(CreateRequest { template, texts, media, callback_url })
}

/// The catalogue's template `id` (already trimmed), or
/// `2013 invalid params, unknown template_id <id>`.
pub fn find_template<'a>(catalogue: &'a Catalogue, id: &str) -> Result<&'a Template, ApiError> {
    catalogue.get(id).ok_or_else(|| ApiError::invalid(format!("unknown template_id {}", clip(id, 40))))
}

/// The create-time rules on a template's inputs, however they are given (a
/// create body, or `videoagent render`'s `--text` and `--image` flags): the
/// number of texts, each text, then the number of images, so the first
/// problem reported is the one the API reports. Returns the texts trimmed,
/// as a task stores them.
pub fn check_inputs<S: AsRef<str>>(template: &Template, texts: &[S], media: usize) -> Result<Vec<String>, ApiError> {
    let texts = check_texts(template, texts.len(), |i| Ok(texts[i].as_ref()))?;
    check_media_count(template, media)?;
    Ok(texts)
}

/// `2013 invalid params, media_inputs[i]: <detail>`: an image refused by its
/// value, its host or its bytes (`videoagent_media`'s messages are the detail).
pub fn media_error(i: usize, detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("media_inputs[{i}]: {detail}"))
}

/// The number of texts, then each text (`text_at(i)` is the `i`th value, or
/// why there is none), in order.
fn check_texts<'v>(
    template: &Template,
    count: usize,
    mut text_at: impl FnMut(usize) -> Result<&'v str, ApiError>,
) -> Result<Vec<String>, ApiError> {
    check_count("text_inputs", count, template.text_min(), template.text_max())?;
    (0..count).map(|i| text_at(i).and_then(|text| text_value(text, i))).collect()
}

fn check_media_count(template: &Template, count: usize) -> Result<(), ApiError> {
    check_count("media_inputs", count, template.media_min, template.media_max)
}

fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// `null` or absent → no items; otherwise an array.
fn items<'v>(v: Option<&'v Value>, field: &str) -> Result<&'v [Value], ApiError> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ApiError::invalid(format!("{field} must be an array"))),
    }
}

fn check_count(field: &str, got: usize, min: usize, max: usize) -> Result<(), ApiError> {
    if got < min {
        let noun = if min == 1 { "item" } else { "items" };
        return Err(ApiError::invalid(format!("{field}: template needs {min} {noun}, got {got}")));
    }
    if got > max {
        return Err(ApiError::invalid(format!("{field}: too many items (max {max})")));
    }
    Ok(())
}

/// The `value` string of `field[i]`.
fn item_value<'v>(item: &'v Value, field: &str, i: usize) -> Result<&'v str, ApiError> {
    let obj = item.as_object().ok_or_else(|| ApiError::invalid(format!("{field}[{i}] must be an object")))?;
    match obj.get("value") {
        None | Some(Value::Null) => Err(ApiError::invalid(format!("{field}[{i}].value is required"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::invalid(format!("{field}[{i}].value must be a string"))),
    }
}

fn text_value(text: &str, i: usize) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(format!("text_inputs[{i}].value is empty")));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::invalid(format!(
            "text_inputs[{i}].value is too long ({chars} characters, max {MAX_TEXT_CHARS})"
        )));
    }
    let invisible = text.chars().filter(|&c| is_invisible(c)).count();
    if invisible * 10 > chars {
        return Err(ApiError::new(ErrorCode::InvisibleChars));
    }
    Ok(text.to_string())
}

/// Control, format and zero-width characters (a 1042 when they exceed 10 % of a text).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

fn media_value(item: &Value, i: usize) -> Result<MediaValue, ApiError> {
    let raw = item_value(item, "media_inputs", i)?.trim();
    if raw.is_empty() {
        return Err(ApiError::invalid(format!("media_inputs[{i}].value is empty")));
    }
    if raw.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:")) {
        return parse_data_url(raw).map_err(|why| media_error(i, why));
    }
    let url = http_url(raw).ok_or_else(|| {
        ApiError::invalid(format!("media_inputs[{i}].value must be an http(s) URL or a data:image/...;base64 URL"))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(media_error(i, "URLs with credentials are not allowed"));
    }
    Ok(MediaValue::Url(url))
}

/// An absolute http/https URL with a host, or `None`.
pub fn http_url(s: &str) -> Option<url::Url> {
    if s.len() > MAX_URL_LEN {
        return None;
    }
    let url = url::Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// Parses `data:image/<type>[;param]*;base64,<payload>`.
pub fn parse_data_url(s: &str) -> Result<MediaValue, &'static str> {
    let Some(rest) = s.get(..5).filter(|p| p.eq_ignore_ascii_case("data:")).and_then(|_| s.get(5..)) else {
        return Err("not a data URL");
    };
    let (meta, payload) = rest.split_once(',').ok_or("data URL has no ',' before its data")?;
    let mut parts = meta.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !mime.starts_with("image/") || mime.len() == "image/".len() {
        return Err("data URL must have an image MIME type (data:image/...;base64,...)");
    }
    if !parts.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
        return Err("data URL must be base64-encoded (data:image/...;base64,...)");
    }
    let mut cleaned = Vec::with_capacity(payload.len());
    cleaned.extend(payload.bytes().filter(|b| !b.is_ascii_whitespace()));
    // Accept both padded and unpadded Base64, as browsers and scripts produce either.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(&cleaned).map_err(|_| "data URL has invalid base64")?;
    if bytes.is_empty() {
        return Err("data URL is empty");
    }
    Ok(MediaValue::Data { mime, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str) -> Result<CreateRequest<'static>, ApiError> {
        static CAT: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        validate_create(body.as_bytes(), CAT.get_or_init(Catalogue::official))
    }

    fn msg(body: &str) -> String {
        check(body).unwrap_err().message
    }

    const RUN: &str = "393769180141805569";

    #[test]
    fn official_example_is_valid() {
        let body = format!(
            r#"{{"template_id":"{RUN}","media_inputs":[{{"value":"https://cdn.example.com/a.jpeg"}}],"text_inputs":[{{"value":" 狮子 "}}]}}"#
        );
        let req = check(&body).unwrap();
        assert_eq!(req.template.id, RUN);
        assert_eq!(req.texts, vec!["狮子"]);
        assert!(matches!(&req.media[0], MediaValue::Url(u) if u.host_str() == Some("cdn.example.com")));
        assert!(req.callback_url.is_none());
    }

    #[test]
    fn body_and_template_errors() {
        assert_eq!(msg("{"), "invalid params, request body is not valid JSON");
        assert_eq!(msg("[]"), "invalid params, request body must be a JSON object");
        assert_eq!(msg("{}"), "invalid params, template_id is required");
        assert_eq!(msg(r#"{"template_id":null}"#), "invalid params, template_id is required");
        assert_eq!(msg(r#"{"template_id":123}"#), "invalid params, template_id must be a string");
        assert_eq!(msg(r#"{"template_id":"123"}"#), "invalid params, unknown template_id 123");
    }

    #[test]
    fn count_and_value_errors() {
        let m = |extra: &str| msg(&format!(r#"{{"template_id":"{RUN}",{extra}}}"#));
        assert_eq!(
            m(r#""media_inputs":[{"value":"https://a.b/c.jpg"}]"#),
            "invalid params, text_inputs: template needs 1 item, got 0"
        );
        assert_eq!(
            m(r#""text_inputs":[{"value":"a"},{"value":"b"}]"#),
            "invalid params, text_inputs: too many items (max 1)"
        );
        assert_eq!(
            m(r#""text_inputs":[{"value":"  "}],"media_inputs":[{"value":"https://a.b/c.jpg"}]"#),
            "invalid params, text_inputs[0].value is empty"
        );
        assert_eq!(m(r#""text_inputs":"x""#), "invalid params, text_inputs must be an array");
        assert_eq!(
            m(r#""text_inputs":[{"value":"x"}],"media_inputs":[{"value":"图片.jpg"}]"#),
            "invalid params, media_inputs[0].value must be an http(s) URL or a data:image/...;base64 URL"
        );
        assert_eq!(m(r#""text_inputs":[{"value":1}]"#), "invalid params, text_inputs[0].value must be a string");
        assert_eq!(m(r#""text_inputs":[{"value":"x"}]"#), "invalid params, media_inputs: template needs 1 item, got 0");
        assert_eq!(
            m(r#""text_inputs":[{"value":"x"}],"media_inputs":[{"value":"ftp://a.b/c.jpg"}]"#),
            "invalid params, media_inputs[0].value must be an http(s) URL or a data:image/...;base64 URL"
        );
        assert_eq!(
            m(r#""text_inputs":[{"value":"x"}],"media_inputs":[{"value":"https://u:p@a.b/c.jpg"}]"#),
            "invalid params, media_inputs[0]: URLs with credentials are not allowed"
        );
        assert_eq!(
            m(
                r#""text_inputs":[{"value":"x"}],"media_inputs":[{"value":"https://a.b/c.jpg"}],"callback_url":"mailto:x@y""#
            ),
            "invalid params, callback_url must be an http or https URL"
        );
        let long = "字".repeat(501);
        assert_eq!(
            m(&format!(r#""text_inputs":[{{"value":"{long}"}}],"media_inputs":[{{"value":"https://a.b/c.jpg"}}]"#)),
            "invalid params, text_inputs[0].value is too long (501 characters, max 500)"
        );
    }

    #[test]
    fn invisible_characters_are_1042() {
        let body = format!(
            r#"{{"template_id":"{RUN}","text_inputs":[{{"value":"ab\u200b\u200b"}}],"media_inputs":[{{"value":"https://a.b/c.jpg"}}]}}"#
        );
        assert_eq!(check(&body).unwrap_err().code, ErrorCode::InvisibleChars);
    }

    #[test]
    fn nulls_are_absent_and_art_fonts_takes_one_or_two() {
        assert!(check(r#"{"template_id":"393881433990066176","media_inputs":[{"value":"http://x.y/z"}],"text_inputs":null,"callback_url":null}"#).is_ok());
        assert!(check(r#"{"template_id":"394875727173492739","text_inputs":[{"value":"OCEAN waves"}]}"#).is_ok());
        assert!(check(r#"{"template_id":"394875727173492739","text_inputs":[{"value":"OCEAN"},{"value":"waves"}]}"#)
            .is_ok());
        assert!(check(
            r#"{"template_id":"394875727173492739","text_inputs":[{"value":"a"},{"value":"b"},{"value":"c"}]}"#
        )
        .is_err());
    }

    /// `check_inputs` (the CLI's check) and a create body with the same
    /// inputs fail with the same error, and agree on the trimmed texts.
    #[test]
    fn check_inputs_matches_create() {
        let cat = Catalogue::official();
        let url = r#"{"value":"https://a.b/c.jpg"}"#;
        let cases: &[(&str, &[&str], usize)] = &[
            ("393881433990066176", &[], 0),
            ("393881433990066176", &["extra"], 1),
            ("393881433990066176", &[], 2),
            (RUN, &[], 1),
            (RUN, &["  "], 1),
            (RUN, &["ab\u{200b}\u{200b}"], 1),
            (RUN, &["a", "b"], 0),
            ("394875727173492739", &["a", "b", "c"], 0),
            (RUN, &[" 狮子 "], 1),
            ("394875727173492739", &["OCEAN", "waves"], 0),
        ];
        for &(id, texts, media) in cases {
            let texts_json: Vec<String> = texts.iter().map(|t| serde_json::json!({ "value": t }).to_string()).collect();
            let media_json = vec![url; media].join(",");
            let body = format!(
                r#"{{"template_id":"{id}","text_inputs":[{}],"media_inputs":[{media_json}]}}"#,
                texts_json.join(",")
            );
            let template = find_template(&cat, id).unwrap();
            let direct = check_inputs(template, texts, media);
            match check(&body) {
                Ok(req) => assert_eq!(direct.as_deref(), Ok(&req.texts[..]), "{id} {texts:?} {media}"),
                Err(e) => assert_eq!(direct, Err(e), "{id} {texts:?} {media}"),
            }
        }
        let long = "字".repeat(501);
        assert_eq!(
            check_inputs(find_template(&cat, RUN).unwrap(), &[long], 1).unwrap_err().message,
            "invalid params, text_inputs[0].value is too long (501 characters, max 500)"
        );
        assert_eq!(find_template(&cat, "123").unwrap_err().message, "invalid params, unknown template_id 123");
        assert_eq!(media_error(2, "short side 10 px").message, "invalid params, media_inputs[2]: short side 10 px");
    }

    #[test]
    fn data_urls() {
        assert_eq!(
            parse_data_url("data:image/png;base64,iVBORw0KGgo=").unwrap(),
            MediaValue::Data { mime: "image/png".into(), bytes: vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10] }
        );
        assert!(parse_data_url("data:image/png;base64,iVBORw0KGgo").is_ok(), "unpadded base64 is fine");
        assert_eq!(
            parse_data_url("data:text/plain;base64,aGk=").unwrap_err(),
            "data URL must have an image MIME type (data:image/...;base64,...)"
        );
        assert_eq!(
            parse_data_url("data:image/png,abc").unwrap_err(),
            "data URL must be base64-encoded (data:image/...;base64,...)"
        );
        assert_eq!(parse_data_url("data:image/png;base64,@@@").unwrap_err(), "data URL has invalid base64");
        assert_eq!(parse_data_url("data:image/png;base64").unwrap_err(), "data URL has no ',' before its data");
    }
}
