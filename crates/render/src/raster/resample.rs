//! Whole images resized before the first frame: photos (Lanczos3) and the
//! blurred backdrop.

use super::blend::apply_lut;
use super::blit::blit_photo;
use super::canvas::Canvas;
use super::opacity::Opacity;
use crate::geom::Rect;
use crate::math;
use image::RgbImage;

/// A darkened, blurred cover-fit copy of the photo as the static backdrop:
/// shrunk to 1/16 by area averaging (fast at any input size), blurred, then
/// enlarged bilinearly in fixed point (a float resize of the whole canvas
/// would dominate a render's start-up).
pub(crate) fn blurred_backdrop(img: &RgbImage, w: u32, h: u32) -> Vec<u8> {
    let s = (w as f32 / img.width() as f32).max(h as f32 / img.height() as f32);
    let (cw, ch) = ((w as f32 / s) as u32, (h as f32 / s) as u32);
    let crop = image::imageops::crop_imm(img, (img.width() - cw) / 2, (img.height() - ch) / 2, cw.max(1), ch.max(1))
        .to_image();
    let small = image::imageops::thumbnail(&crop, (w / 16).max(1), (h / 16).max(1));
    let small = gaussian_blur(&small, 2.0);
    let mut big = vec![0u8; (w * h * 3) as usize];
    blit_photo(
        &mut Canvas::whole(&mut big, (w, h)),
        &small,
        Rect::new(0.0, 0.0, w as f32, h as f32),
        0,
        Opacity::OPAQUE,
    );
    apply_lut(&mut big, |c| (f32::from(c) * 0.45) as u8);
    big
}

/// `img` resized to `w`×`h` with Lanczos3; a photo more than twice as big
/// is first shrunk to twice the size by area averaging, so a 12-megapixel
/// upload costs about as much as a small one.
pub(crate) fn resize_photo(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    let (w, h) = (w.max(1), h.max(1));
    if img.width() > 2 * w && img.height() > 2 * h {
        return lanczos3(&image::imageops::thumbnail(img, 2 * w, 2 * h), w, h);
    }
    lanczos3(img, w, h)
}

/// Lanczos3 with `fast_image_resize`: fixed-point SIMD, about ten times
/// faster than `image`'s float filter, and on a render's critical path
/// (every photo is resampled before the first frame). Its SIMD and scalar
/// paths give the same bytes (tested), so output doesn't depend on the CPU.
fn lanczos3(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    lanczos3_with(img, w, h, Some(crate::simd::resize_cpu()))
}

fn lanczos3_with(img: &RgbImage, w: u32, h: u32, cpu: Option<fast_image_resize::CpuExtensions>) -> RgbImage {
    use fast_image_resize::images::{TypedImage, TypedImageRef};
    use fast_image_resize::{pixels::U8x3, Filter, FilterType, ResizeAlg, ResizeOptions};
    // Typed views: the untyped API would compile the resizer for every pixel type.
    let src = TypedImageRef::<U8x3>::from_buffer(img.width(), img.height(), img.as_raw())
        .expect("an RgbImage's buffer matches its size");
    let mut out = vec![0u8; (w * h * 3) as usize];
    let mut dst = TypedImage::<U8x3>::from_buffer(w, h, &mut out).expect("the buffer matches the size");
    let mut resizer = fast_image_resize::Resizer::new();
    if let Some(cpu) = cpu {
        // SAFETY: callers only ask for extensions the CPU has (tests check `is_supported`).
        unsafe { resizer.set_cpu_extensions(cpu) };
    }
    let lanczos3 = Filter::new("lanczos3", lanczos3_kernel, 3.0).expect("a finite, positive support");
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Custom(lanczos3)));
    resizer.resize_typed(&src, &mut dst, &options).expect("non-zero sizes");
    RgbImage::from_raw(w, h, out).expect("the resized buffer matches its size")
}

/// A Gaussian blur of `sigma` with the kernel `image::imageops::blur` uses
/// (an odd number of taps from `sigma`, normalised), edges clamped, in
/// `f32`, rounded to the nearest level. Not `image`'s own: it takes its
/// weights' `exp` from the platform's libm (see [`crate::math`]).
fn gaussian_blur(img: &RgbImage, sigma: f32) -> RgbImage {
    let taps = {
        let n = ((((sigma - 0.8) / 0.3) + 1.0) * 2.0 + 1.0).max(3.0) as usize;
        n | 1
    };
    let half = taps / 2;
    let scale = 1.0 / ((2.0 * std::f32::consts::PI).sqrt() * sigma);
    let mut kernel: Vec<f32> =
        (0..taps).map(|x| math::exp(-0.5 * math::pow((x as f32 - half as f32) / sigma, 2.0)) * scale).collect();
    let norm = 1.0 / kernel.iter().sum::<f32>();
    kernel.iter_mut().for_each(|k| *k *= norm);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let clamp = |i: usize, k: usize, len: usize| (i + k).saturating_sub(half).min(len - 1);
    let src: Vec<f32> = img.as_raw().iter().map(|&v| f32::from(v)).collect();
    let mut across = vec![0f32; src.len()];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let at = |k: usize| src[(y * w + clamp(x, k, w)) * 3 + c];
                across[(y * w + x) * 3 + c] = kernel.iter().enumerate().map(|(k, wk)| wk * at(k)).sum();
            }
        }
    }
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let at = |k: usize| across[(clamp(y, k, h) * w + x) * 3 + c];
                let v: f32 = kernel.iter().enumerate().map(|(k, wk)| wk * at(k)).sum();
                out[(y * w + x) * 3 + c] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    RgbImage::from_raw(w as u32, h as u32, out).expect("the blurred buffer matches its size")
}

/// Lanczos3's kernel, as `fast_image_resize` defines it, with the sine from
/// [`crate::math`] (its own takes the platform's).
fn lanczos3_kernel(x: f64) -> f64 {
    let sinc = |x: f64| {
        if x == 0.0 {
            1.0
        } else {
            let x = x * std::f64::consts::PI;
            math::sin(x) / x
        }
    };
    if (-3.0..3.0).contains(&x) {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Backdrops and resized photos come out at the asked size from any
    /// input shape, tiny and extreme ones included, and keep the colour.
    #[test]
    fn backdrops_and_photo_resizes_handle_any_input_size() {
        for (iw, ih) in [(1, 1), (3, 2), (2000, 10), (10, 2000), (5000, 3000)] {
            let img = RgbImage::from_pixel(iw, ih, image::Rgb([200, 100, 40]));
            let back = blurred_backdrop(&img, 128, 72);
            assert_eq!(back.len(), 128 * 72 * 3);
            // 45 % of the colour, everywhere.
            assert!(back.chunks(3).all(|p| p[0].abs_diff(90) <= 2 && p[1].abs_diff(45) <= 2), "{iw}x{ih}");
            let photo = resize_photo(&img, 50, 30);
            assert_eq!(photo.dimensions(), (50, 30));
            assert!(photo.pixels().all(|p| p.0[0].abs_diff(200) <= 2), "{iw}x{ih}");
        }
    }

    /// The resampler's SIMD paths (whichever this CPU has) give the bytes
    /// of its portable one, up and down, so renders match across machines.
    #[test]
    fn photo_resampling_is_the_same_on_every_cpu() {
        use fast_image_resize::CpuExtensions;
        let img = RgbImage::from_fn(301, 207, |x, y| image::Rgb([(x * 7 + y) as u8, (x * y) as u8, (y * 3) as u8]));
        for (w, h) in [(578, 410), (150, 97), (301, 207), (33, 500)] {
            let portable = lanczos3_with(&img, w, h, Some(CpuExtensions::None));
            for cpu in [CpuExtensions::Sse4_1, CpuExtensions::Avx2] {
                if cpu.is_supported() {
                    assert!(lanczos3_with(&img, w, h, Some(cpu)) == portable, "{cpu:?} differs at {w}x{h}");
                }
            }
            assert!(lanczos3(&img, w, h) == portable);
        }
    }
}
