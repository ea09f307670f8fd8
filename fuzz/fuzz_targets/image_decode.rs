//! Image bytes: format sniffing, header checks, structural checks, strict decode.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    videoagent_media::fuzz::image_decode(data);
});
