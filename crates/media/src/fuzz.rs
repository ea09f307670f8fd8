//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the stable
//! corpus replay test, so both exercise exactly the same code.

use crate::{decode, ImageRules};
use std::sync::OnceLock;
use videoagent_core::validate::{validate_create, MediaValue};
use videoagent_core::Catalogue;

/// Small limits keep each run cheap without changing the code paths.
fn rules() -> ImageRules {
    ImageRules { max_bytes: 4 * 1024 * 1024, min_short_side: 300, max_side: 4096, max_pixels: 4_000_000 }
}

/// A create request body through validation and data-URL image checks.
pub fn create_body(data: &[u8]) {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    if let Ok(req) = validate_create(data, CATALOGUE.get_or_init(Catalogue::official)) {
        for m in req.media {
            if let MediaValue::Data { bytes, .. } = m {
                let _ = decode(&bytes, &rules());
            }
        }
    }
}

/// Raw image bytes through sniffing, header checks and strict decoding.
pub fn image_decode(data: &[u8]) {
    if let Ok(img) = decode(data, &rules()) {
        assert!(img.width() > 0 && img.height() > 0);
    }
}
