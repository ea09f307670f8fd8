//! A create request body: JSON parsing, validation, data-URL decoding and the
//! image checks of any data-URL image.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    videoagent_media::fuzz::create_body(data);
});
