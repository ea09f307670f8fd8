//! CPU-feature dispatch for the compositor's kernels: which instruction set
//! they may use comes from one place, [`videoagent_codec::simd`] (which also
//! lets a process or a test cap it); this module adds the ways kernels here
//! are compiled for it.
//!
//! Hand-written kernels (in [`crate::raster::rowops`]) ask [`has_avx2`] or
//! [`has_ssse3`]; loops the compiler vectorises are compiled twice by
//! [`avx2_dispatch!`]; the photo resampler (`fast_image_resize`) is told
//! [`resize_cpu`]. Each has a scalar twin with the same arithmetic, so the
//! level never changes the bytes.

#[cfg(test)]
pub(crate) use videoagent_codec::simd::with_ceiling;
pub(crate) use videoagent_codec::simd::{has_avx2, has_ssse3, level, Level};

/// Defines a function whose body is compiled twice, for the baseline CPU
/// and for AVX2, and picks one at run time: loops the compiler vectorises
/// then run 8 or 16 lanes wide instead of 4 or 8. The arithmetic is the
/// same (Rust never fuses a multiply and an add on its own), so the bytes
/// are too. Only code inlined into the body gets AVX2: a closure handed to a
/// helper such as [`crate::raster::for_rows`] is compiled apart, so write the hot loops in
/// the body itself.
macro_rules! avx2_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            if $crate::simd::has_avx2() {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) {
                    body($($arg),*)
                }
                // SAFETY: the CPU has AVX2.
                return unsafe { avx2($($arg),*) };
            }
            body($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;

/// The instructions `fast_image_resize` may use, at most [`level`].
pub(crate) fn resize_cpu() -> fast_image_resize::CpuExtensions {
    use fast_image_resize::CpuExtensions;
    #[cfg(target_arch = "x86_64")]
    {
        let wanted = match level() {
            Level::Avx2 => CpuExtensions::Avx2,
            Level::Ssse3 => CpuExtensions::Sse4_1,
            Level::Scalar => CpuExtensions::None,
        };
        if wanted.is_supported() {
            return wanted;
        }
        if wanted == CpuExtensions::Avx2 && CpuExtensions::Sse4_1.is_supported() {
            return CpuExtensions::Sse4_1;
        }
        CpuExtensions::None
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = level();
        CpuExtensions::default()
    }
}
