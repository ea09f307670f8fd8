//! Warns loudly when `nasm` is missing: openh264 then builds without its SIMD
//! assembly and encodes about 3x slower. The build still succeeds.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let has_nasm = std::process::Command::new("nasm").arg("-v").output().is_ok_and(|o| o.status.success());
    if !has_nasm {
        println!(
            "cargo:warning=nasm not found: openh264 is built without SIMD assembly and H.264 encoding is ~3x slower. \
             Install it (Debian: apt-get install nasm) and rebuild with `cargo clean -p openh264-sys2`."
        );
    }
}
