//! API keys: generation, hashing and the syntax rules of api.md section 2.
//!
//! Keys are high-entropy random strings, so a single SHA-256 is a safe storage
//! hash (no password stretching needed) and lets the store find a key by an
//! indexed hash lookup instead of scanning.

use rand::RngCore;
use sha2::{Digest, Sha256};

pub const KEY_PREFIX: &str = "sk-api-";
pub const MAX_KEY_LEN: usize = 1024;

/// A new key: `sk-api-` + 43 URL-safe characters (256 random bits).
pub fn generate_key() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    use base64::Engine;
    format!("{KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Public, non-secret handle of a key: the first 16 hex digits of its hash.
pub fn key_id(hash: &[u8; 32]) -> String {
    hex::encode(&hash[..8])
}

/// What a person sees in `keys list`: the prefix and last 4 characters.
pub fn key_hint(key: &str) -> String {
    let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let head: String = key.chars().take(KEY_PREFIX.len()).collect();
    format!("{head}…{tail}")
}

/// Result of reading an `Authorization` header value.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerKey<'a> {
    /// No header, or a scheme other than Bearer → 1004 (carry the key).
    Missing,
    /// `Bearer` followed by nothing usable → 2049.
    Malformed,
    Key(&'a str),
}

/// Parses an `Authorization` header (scheme compared case-insensitively).
pub fn parse_bearer(header: Option<&[u8]>) -> BearerKey<'_> {
    let Some(raw) = header else {
        return BearerKey::Missing;
    };
    let Ok(value) = std::str::from_utf8(raw) else {
        // Non-ASCII bytes after a Bearer scheme are a malformed key.
        return if raw.len() >= 6 && raw[..6].eq_ignore_ascii_case(b"bearer") {
            BearerKey::Malformed
        } else {
            BearerKey::Missing
        };
    };
    let value = value.trim_start();
    if !value.get(..6).is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer")) {
        return BearerKey::Missing;
    }
    let rest = &value[6..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return BearerKey::Missing; // e.g. "Bearerx": another scheme
    }
    let key = rest.trim_matches([' ', '\t']);
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return BearerKey::Malformed;
    }
    BearerKey::Key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_unique_and_well_formed() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + 43);
        assert!(a[KEY_PREFIX.len()..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(parse_bearer(Some(format!("Bearer {a}").as_bytes())), BearerKey::Key(&a));
    }

    #[test]
    fn bearer_parsing_follows_the_contract() {
        assert_eq!(parse_bearer(None), BearerKey::Missing);
        assert_eq!(parse_bearer(Some(b"")), BearerKey::Missing);
        assert_eq!(parse_bearer(Some(b"Basic abc")), BearerKey::Missing);
        assert_eq!(parse_bearer(Some(b"bEaReR sk-x")), BearerKey::Key("sk-x"));
        assert_eq!(parse_bearer(Some(b"Bearer")), BearerKey::Malformed);
        assert_eq!(parse_bearer(Some(b"Bearer    ")), BearerKey::Malformed);
        assert_eq!(parse_bearer(Some("Bearer sk-\u{e9}".as_bytes())), BearerKey::Malformed);
        assert_eq!(parse_bearer(Some(b"Bearer a b")), BearerKey::Malformed);
        // A multi-byte character across byte 6 is another scheme, not a panic.
        assert_eq!(parse_bearer(Some("abcdeé x".as_bytes())), BearerKey::Missing);
        assert_eq!(parse_bearer(Some("é".as_bytes())), BearerKey::Missing);
        let long = format!("Bearer {}", "a".repeat(1025));
        assert_eq!(parse_bearer(Some(long.as_bytes())), BearerKey::Malformed);
        let max = format!("Bearer {}", "a".repeat(1024));
        assert!(matches!(parse_bearer(Some(max.as_bytes())), BearerKey::Key(_)));
    }

    #[test]
    fn hint_hides_the_secret() {
        let k = "sk-api-abcdefghijklmnop";
        assert_eq!(key_hint(k), "sk-api-…mnop");
        assert_eq!(key_id(&hash_key(k)).len(), 16);
    }
}
