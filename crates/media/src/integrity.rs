//! Structural completeness checks that don't trust a lenient decoder: a JPEG
//! must reach its EOI marker through well-formed segments and scan data, a PNG
//! must be whole chunks ending in IEND with image data before it. Bytes after
//! the end marker (some cameras append data) are fine.

/// Walks JPEG segments and entropy-coded data up to EOI.
pub fn jpeg_is_complete(b: &[u8]) -> bool {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return false;
    }
    let mut pos = 2;
    let mut seen_scan = false;
    loop {
        // Expect a marker, allowing 0xFF fill bytes.
        if pos >= b.len() || b[pos] != 0xFF {
            return false;
        }
        while pos < b.len() && b[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = b.get(pos) else { return false };
        pos += 1;
        match marker {
            0xD9 => return seen_scan,
            0xD0..=0xD7 | 0x01 => continue, // standalone markers
            _ => {}
        }
        let Some(len) = b.get(pos..pos + 2).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else { return false };
        if len < 2 || pos + len > b.len() {
            return false;
        }
        pos += len;
        if marker == 0xDA {
            seen_scan = true;
            // Entropy-coded data runs to the next marker that is not a stuffed
            // zero (FF00) or a restart marker (FFD0-FFD7).
            loop {
                let Some(off) = b[pos..].iter().position(|&x| x == 0xFF) else { return false };
                pos += off;
                match b.get(pos + 1) {
                    None => return false,
                    Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => pos += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

/// Walks PNG chunks: every chunk whole, at least one IDAT, ending in IEND.
pub fn png_is_complete(b: &[u8]) -> bool {
    let mut pos = 8;
    let mut seen_idat = false;
    while pos + 12 <= b.len() {
        let len = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as usize;
        let kind = &b[pos + 4..pos + 8];
        let Some(end) = pos.checked_add(12).and_then(|p| p.checked_add(len)) else { return false };
        if end > b.len() {
            return false;
        }
        match kind {
            b"IDAT" => seen_idat = true,
            b"IEND" => return seen_idat,
            _ => {}
        }
        pos = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn complete_files_pass_and_cut_files_fail() {
        for jpg in ["photo_astronaut.jpg", "cmyk.jpg", "grayscale.jpg", "exif_orientation_6.jpg", "ratio_2x5.jpg"] {
            let b = fixture(jpg);
            assert!(jpeg_is_complete(&b), "{jpg}");
            let mut padded = b.clone();
            padded.extend_from_slice(&[0u8; 1000]);
            assert!(jpeg_is_complete(&padded), "{jpg} with trailing bytes");
            for cut in [b.len() - 2, b.len() / 2, b.len() / 3, 200] {
                assert!(!jpeg_is_complete(&b[..cut]), "{jpg} cut at {cut}");
            }
        }
        assert!(!jpeg_is_complete(&fixture("truncated.jpg")));
        for png in ["photo_coffee.png", "alpha.png", "png_content_named.jpg"] {
            let b = fixture(png);
            assert!(png_is_complete(&b), "{png}");
            for cut in [b.len() - 1, b.len() - 12, b.len() / 2, 40] {
                assert!(!png_is_complete(&b[..cut]), "{png} cut at {cut}");
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u32 = 99;
        for n in 0..2000usize {
            let data: Vec<u8> = (0..(n % 300))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    if x % 5 == 0 {
                        0xFF
                    } else {
                        x as u8
                    }
                })
                .collect();
            let mut jpg = vec![0xFF, 0xD8];
            jpg.extend(&data);
            let _ = jpeg_is_complete(&jpg);
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.extend(&data);
            let _ = png_is_complete(&png);
        }
    }
}
