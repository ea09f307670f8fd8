//! What the tests share: the app under test ([`TestApp`]), a loopback HTTP
//! [`Receiver`] for callbacks and image URLs, waiting on conditions
//! ([`wait_for`]), and decoding the MP4s the server makes.

mod app;
mod receiver;
mod video;
mod wait;

pub use app::{Status, TestApp};
pub use receiver::{Receiver, Reply, Request};
pub use video::{best_photo_ncc, decode_mp4, find_box, mean_abs_diff};
pub use wait::{wait_for, wait_for_blocking};

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Seeded as the bootstrap key of every [`TestApp`] (unless its env says otherwise).
pub const KEY: &str = "sk-api-test-bootstrap-key";
pub const RUN_FOR_LIFE: &str = "393769180141805569";
pub const STILL_RINGS: &str = "393881433990066176";
pub const HELPLESS: &str = "394125185182695432";
/// A text-only template still drawn by the simple title card: the quickest render.
pub const ANIME_LIFE_SIM: &str = "394514820878671878";

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// The fixture as a `data:` URL, its MIME type guessed from the name (not the bytes).
pub fn data_url(name: &str) -> String {
    use base64::Engine;
    let bytes = std::fs::read(fixture(name)).unwrap();
    let mime = if name.ends_with(".png") {
        "image/png"
    } else if name.ends_with(".webp") {
        "image/webp"
    } else {
        "image/jpeg"
    };
    format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

pub fn run_for_life_body(image: &str, text: &str) -> Value {
    json!({"template_id": RUN_FOR_LIFE, "media_inputs": [{"value": image}], "text_inputs": [{"value": text}]})
}

/// A text-only task (a title-card template): quick to render, no image.
pub fn text_task(text: &str) -> Value {
    json!({"template_id": ANIME_LIFE_SIM, "text_inputs": [{"value": text}]})
}

/// A body that is exactly `base_resp` with this code and message.
pub fn base(code: i64, msg: &str) -> Value {
    json!({"base_resp": {"status_code": code, "status_msg": msg}})
}
