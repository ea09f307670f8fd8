//! Input images: format detection from the bytes, the image rules of api.md
//! section 3.1 (checked from the header, before any pixel is decoded), and a
//! strict decode to upright sRGB (EXIF orientation applied, alpha flattened onto white).

pub mod fuzz;
mod integrity;

pub use integrity::{jpeg_is_complete, png_is_complete};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use std::io::Cursor;

/// Limits an image must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct ImageRules {
    /// Images of this many bytes or more are refused (20 MiB).
    pub max_bytes: usize,
    /// The short side must be greater than this.
    pub min_short_side: u32,
    pub max_side: u32,
    pub max_pixels: u64,
}

impl Default for ImageRules {
    fn default() -> Self {
        ImageRules { max_bytes: 20 * 1024 * 1024, min_short_side: 300, max_side: 16384, max_pixels: 100_000_000 }
    }
}

/// Why an image was refused; `Display` is the text after `media_inputs[i]: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("image is {0} bytes, must be under 20 MB")]
    TooLarge(usize),
    #[error("unsupported image format {0}")]
    UnsupportedFormat(&'static str),
    #[error("short side {0} px, must be greater than {1} px")]
    ShortSide(u32, u32),
    #[error("aspect ratio {0}x{1} outside 2:5..5:2")]
    AspectRatio(u32, u32),
    #[error("image is {0}x{1} px, larger than the limit of {2} px per side and {3} pixels")]
    TooManyPixels(u32, u32, u32, u64),
    #[error("image data is truncated or corrupt")]
    Corrupt,
}

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Detects the format from magic bytes; `Err` names a format we don't take.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormat::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormat::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(ImageFormat::WebP);
    }
    let other = if starts(b"GIF87a") || starts(b"GIF89a") {
        "gif"
    } else if starts(b"BM") {
        "bmp"
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        "tiff"
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" => "heic",
            b"avif" | b"avis" => "avif",
            _ => "video (mp4/mov)",
        }
    } else if bytes.len() >= 4 && bytes[..4] == [0x1A, 0x45, 0xDF, 0xA3] {
        "video (webm/mkv)"
    } else if starts(b"<svg") || starts(b"<?xml") {
        "svg"
    } else {
        "unknown"
    };
    Err(MediaError::UnsupportedFormat(other))
}

/// Checks every rule that needs only the header: size, format, dimensions.
pub fn check(bytes: &[u8], rules: &ImageRules) -> Result<ImageInfo, MediaError> {
    if bytes.len() >= rules.max_bytes {
        return Err(MediaError::TooLarge(bytes.len()));
    }
    let format = sniff(bytes)?;
    let (width, height) =
        ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|_| MediaError::Corrupt)?;
    if width > rules.max_side || height > rules.max_side || u64::from(width) * u64::from(height) > rules.max_pixels {
        return Err(MediaError::TooManyPixels(width, height, rules.max_side, rules.max_pixels));
    }
    if width.min(height) <= rules.min_short_side {
        return Err(MediaError::ShortSide(width.min(height), rules.min_short_side));
    }
    // Inclusive 2:5..5:2 in integers: 2h <= 5w and 2w <= 5h.
    let (w, h) = (u64::from(width), u64::from(height));
    if 2 * h > 5 * w || 2 * w > 5 * h {
        return Err(MediaError::AspectRatio(width, height));
    }
    Ok(ImageInfo { format, width, height })
}

/// Checks the rules, then decodes strictly: a file whose data ends early is
/// refused even when a lenient decoder could fill the missing rows.
pub fn decode(bytes: &[u8], rules: &ImageRules) -> Result<RgbImage, MediaError> {
    let info = check(bytes, rules)?;
    if !ends_cleanly(bytes, info.format) {
        return Err(MediaError::Corrupt);
    }
    let _slot = (u64::from(info.width) * u64::from(info.height) > GATED_PIXELS).then(large_decode_slot);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), info.format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(rules.max_side);
    limits.max_image_height = Some(rules.max_side);
    limits.max_alloc = Some(rules.max_pixels * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| MediaError::Corrupt)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let scaled = if info.format == ImageFormat::Jpeg
        && u64::from(info.width) * u64::from(info.height) > FULL_DECODE_MAX_PIXELS
    {
        decode_jpeg_scaled(bytes, &info)?
    } else {
        None
    };
    let mut img = match scaled {
        Some(img) => img,
        None => DynamicImage::from_decoder(decoder).map_err(|_| MediaError::Corrupt)?,
    };
    img.apply_orientation(orientation);
    Ok(flatten_on_white(img))
}

/// Structural completeness, independent of how lenient the pixel decoder is.
fn ends_cleanly(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Jpeg => jpeg_is_complete(bytes),
        ImageFormat::Png => png_is_complete(bytes),
        _ => true,
    }
}

/// JPEGs above this many pixels are decoded at a reduced DCT scale: every
/// entropy-coded bit is still read (so corruption is still found), but the
/// pixels cost a fraction of the memory. No template needs more than 4096 px.
const FULL_DECODE_MAX_PIXELS: u64 = 16_000_000;
const SCALED_LONG_SIDE: u32 = 4096;
/// Decodes of images above this many pixels wait for one of a few slots, so
/// concurrent uploads of huge photos can't add up to gigabytes.
const GATED_PIXELS: u64 = 4_000_000;
const LARGE_DECODE_SLOTS: usize = 2;

/// `Ok(None)` when the scaled path does not apply (CMYK): decode in full instead.
fn decode_jpeg_scaled(bytes: &[u8], info: &ImageInfo) -> Result<Option<DynamicImage>, MediaError> {
    use jpeg_decoder::PixelFormat;
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.read_info().map_err(|_| MediaError::Corrupt)?;
    // The decoder picks the smallest of 1/1, 1/2, 1/4, 1/8 that is at least the
    // requested size, so ask for exactly the size of the scale we want.
    let long = info.width.max(info.height);
    let k = [1u32, 2, 4, 8].into_iter().find(|k| long.div_ceil(*k) <= SCALED_LONG_SIDE).unwrap_or(8);
    let (req_w, req_h) = (info.width.div_ceil(k) as u16, info.height.div_ceil(k) as u16);
    let (w, h) = d.scale(req_w, req_h).map_err(|_| MediaError::Corrupt)?;
    let format = d.info().map(|i| i.pixel_format);
    if format == Some(PixelFormat::CMYK32) {
        return Ok(None);
    }
    let pixels = d.decode().map_err(|_| MediaError::Corrupt)?;
    let (w, h) = (u32::from(w), u32::from(h));
    let img = match format {
        Some(PixelFormat::RGB24) => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        Some(PixelFormat::L8) => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        _ => None,
    };
    img.map(Some).ok_or(MediaError::Corrupt)
}

struct DecodeSlot;

fn large_decode_slot() -> DecodeSlot {
    let (lock, cv) = &LARGE_DECODES;
    let mut busy = lock.lock().unwrap_or_else(|e| e.into_inner());
    while *busy >= LARGE_DECODE_SLOTS {
        busy = cv.wait(busy).unwrap_or_else(|e| e.into_inner());
    }
    *busy += 1;
    DecodeSlot
}

impl Drop for DecodeSlot {
    fn drop(&mut self) {
        let (lock, cv) = &LARGE_DECODES;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        cv.notify_one();
    }
}

static LARGE_DECODES: (std::sync::Mutex<usize>, std::sync::Condvar) =
    (std::sync::Mutex::new(0), std::sync::Condvar::new());

fn flatten_on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/images");
        std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// 16-bit PNGs (RGB, and grey with alpha) come out as 8-bit sRGB with the
    /// right values, alpha flattened on white.
    #[test]
    fn sixteen_bit_pngs_become_8_bit_rgb() {
        let encode = |img: DynamicImage| {
            let mut bytes = Vec::new();
            img.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
            bytes
        };
        let rgb16 = image::ImageBuffer::from_fn(400, 320, |x, _| image::Rgb([(x * 160) as u16, 0x8000, 0xFFFF]));
        let img = decode(&encode(DynamicImage::ImageRgb16(rgb16)), &ImageRules::default()).unwrap();
        assert_eq!(img.dimensions(), (400, 320));
        let px = img.get_pixel(200, 10).0;
        assert!(px[0].abs_diff((200.0 * 160.0 / 257.0f64).round() as u8) <= 1 && px[2] == 255, "{px:?}");
        assert!(px[1].abs_diff(128) <= 1, "{px:?}");
        let la16 = image::ImageBuffer::from_fn(400, 320, |_, _| image::LumaA([0x0000u16, 0x0000]));
        let img = decode(&encode(DynamicImage::ImageLumaA16(la16)), &ImageRules::default()).unwrap();
        assert_eq!(img.get_pixel(5, 5).0, [255, 255, 255], "transparent black flattens to white");
    }

    #[test]
    fn fixtures_accept_or_reject_as_documented() {
        let rules = ImageRules::default();
        for ok in [
            "photo_astronaut.jpg",
            "photo_coffee.png",
            "photo_rocket.webp",
            "short_side_301.jpg",
            "ratio_2x5.jpg",
            "ratio_5x2.jpg",
            "alpha.png",
            "grayscale.jpg",
            "exif_orientation_6.jpg",
            "cmyk.jpg",
            "png_content_named.jpg",
        ] {
            let img = decode(&fixture(ok), &rules).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(img.width() > 300 && img.height() > 300, "{ok}");
        }
        let err = |name: &str| decode(&fixture(name), &rules).unwrap_err().to_string();
        assert_eq!(err("short_side_300.jpg"), "short side 300 px, must be greater than 300 px");
        assert_eq!(err("ratio_narrower_than_2x5.jpg"), "aspect ratio 399x1000 outside 2:5..5:2");
        assert_eq!(err("ratio_wider_than_5x2.jpg"), "aspect ratio 1000x399 outside 2:5..5:2");
        assert_eq!(err("format_gif.gif"), "unsupported image format gif");
        assert_eq!(err("truncated.jpg"), "image data is truncated or corrupt");
        assert!(err("bomb_40000x40000_header.png").starts_with("image is 40000x40000 px"));
        assert!(err("bomb_40000x40000_full.png").starts_with("image is 40000x40000 px"));
    }

    #[test]
    fn exif_rotation_and_alpha_flattening() {
        let rules = ImageRules::default();
        let rotated = decode(&fixture("exif_orientation_6.jpg"), &rules).unwrap();
        assert_eq!(rotated.dimensions(), (480, 640));
        let alpha = decode(&fixture("alpha.png"), &rules).unwrap();
        let corner = alpha.get_pixel(0, 0);
        assert!(corner.0.iter().all(|&c| c > 245), "transparent corner becomes white: {corner:?}");
    }

    /// A 27-megapixel JPEG decodes at a reduced scale, upright, and its
    /// truncated copy is still refused.
    #[test]
    fn large_jpegs_decode_scaled() {
        let (w, h) = (6000u32, 4500u32);
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x / 31) as u8, (y / 23) as u8, ((x ^ y) / 64) as u8]));
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 80).encode_image(&img).unwrap();
        drop(img);
        let out = decode(&jpg, &ImageRules::default()).unwrap();
        assert_eq!(out.dimensions(), (3000, 2250), "scaled by 1/2 to fit 4096");
        let px = out.get_pixel(1500, 1100);
        assert!((i32::from(px[0]) - 3000 / 31).abs() < 12, "content kept: {px:?}");
        assert_eq!(decode(&jpg[..jpg.len() * 2 / 3], &ImageRules::default()), Err(MediaError::Corrupt));
    }

    /// Animated PNG: the first frame is used.
    #[test]
    fn apng_uses_the_first_frame() {
        let (w, h) = (400u32, 320u32);
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_animated(2, 0).unwrap();
            let mut writer = enc.write_header().unwrap();
            writer.write_image_data(&[200u8, 10, 10].repeat((w * h) as usize)).unwrap();
            writer.write_image_data(&[10u8, 10, 200].repeat((w * h) as usize)).unwrap();
            writer.finish().unwrap();
        }
        let img = decode(&bytes, &ImageRules::default()).unwrap();
        assert_eq!(img.dimensions(), (w, h));
        assert_eq!(img.get_pixel(10, 10).0, [200, 10, 10]);
    }

    #[test]
    fn size_limit_is_exclusive() {
        let rules = ImageRules { max_bytes: 100, ..ImageRules::default() };
        assert_eq!(check(&[0u8; 100], &rules), Err(MediaError::TooLarge(100)));
        assert_eq!(check(&[0u8; 99], &rules), Err(MediaError::UnsupportedFormat("unknown")));
    }
}
