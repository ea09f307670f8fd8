//! Warns loudly when `nasm` is missing: openh264 then builds without its SIMD
//! assembly and encodes about 3x slower. The build still succeeds.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join("nasm")).find(|p| p.is_file()))
        .unwrap_or_default();
    match found {
        // Rebuild when nasm changes.
        Some(path) => println!("cargo:rerun-if-changed={}", path.display()),
        None => {
            // A path that doesn't exist makes cargo re-run this check on every build,
            // so installing nasm later clears the warning.
            println!("cargo:rerun-if-changed=/usr/bin/nasm");
            println!(
                "cargo:warning=nasm not found: openh264 is built without SIMD assembly and H.264 encoding is ~3x \
                 slower. Install it (Debian: apt-get install nasm) and rebuild with `cargo clean -p openh264-sys2`."
            );
        }
    }
}
