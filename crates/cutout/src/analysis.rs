//! Figures of a mask and the verdict drawn from them: is this a cut-out worth using?
//!
//! Everything here is a pure function of the final alpha (no model internals), so a mask stored
//! as PNG and reloaded later gets exactly the same figures and verdict; the stored mask is the
//! whole truth about a cut.

use image::GrayImage;
use std::fmt;

/// Alpha at or above this (0.5) counts as subject for coverage, bounding box and blobs.
const OPAQUE: u8 = 128;
/// Pixels below this alpha (0.05) are not claimed by the mask at all and are left out of the
/// confidence figure, so a small subject on a large clean background is not judged by how much
/// background there is.
const CLAIMED: u8 = 13;

/// The limits behind the verdict. [`Analysis::of`] uses [`Thresholds::default`], set from these
/// figures (working size = photo size; the flat, noise, stripe and disc images are generated in
/// the tests; the last three rows were measured with plain min-max normalisation of the model's
/// output, which this crate avoids for flat outputs, to show what the other limits catch):
///
/// | image                              | coverage | confidence | blobs | sides | verdict        |
/// |------------------------------------|---------:|-----------:|------:|------:|----------------|
/// | photo_coffee.png (cup, saucer)     | 0.475    | 0.986      | 1     | 0     | subject        |
/// | photo_astronaut.jpg                | 0.559    | 0.966      | 1     | 3     | subject        |
/// | photo_cat.png (close-up)           | 0.623    | 0.929      | 1     | 2     | subject        |
/// | synthetic_subject.png (star)       | 0.246    | 0.996      | 1     | 0     | subject        |
/// | photo_rocket.webp (launch)         | 0.022    | 0.800      | 1     | 0     | subject        |
/// | ratio_2x5.jpg (text on a gradient) | 0.011    | 0.590      | 1     | 0     | low confidence |
/// | ratio_5x2.jpg (text on a gradient) | 0.008    | 0.610      | 0     | 0     | no subject     |
/// | flat beige texture, uniform noise  | 0        | –          | 0     | 0     | no subject     |
/// | bold stripes over the whole frame  | 0.995    | 0.992      | 1     | 4     | fills frame    |
/// | two equal discs                    | 0.204    | 1.000      | 2     | 0     | several blobs  |
/// | flat texture, min-max stretched    | 0.018    | 0.587      | 1     | 0     | low confidence |
/// | noise, min-max stretched           | 0.000    | 0.877      | 0     | 0     | no subject     |
/// | blurred noise, min-max stretched   | 0.001    | 0.630      | 0     | 0     | no subject     |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Below this coverage there is no subject to speak of.
    pub min_coverage: f32,
    /// Below this confidence the mask is too undecided (too much of it half-transparent).
    pub min_confidence: f32,
    /// Above this coverage the "subject" is the whole photo: cutting it out changes nothing.
    pub max_coverage: f32,
    /// Above this coverage, a subject that also touches [`Self::max_sides_touched`] sides of the
    /// frame is taken to fill it (a close-up of a texture, a wall, a crowd).
    pub max_coverage_touching: f32,
    /// See [`Self::max_coverage_touching`].
    pub max_sides_touched: u8,
    /// A second blob at least this fraction of the largest's area makes the subject ambiguous.
    pub blob_ratio: f32,
    /// Blobs smaller than this fraction of the frame are specks and not counted at all.
    pub min_blob_fraction: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_coverage: 0.01,
            min_confidence: 0.70,
            max_coverage: 0.90,
            max_coverage_touching: 0.75,
            max_sides_touched: 4,
            blob_ratio: 0.40,
            min_blob_fraction: 0.002,
        }
    }
}

/// Whether to use the cut-out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// One clear subject: use the cut-out.
    Subject,
    /// Use the whole photo instead; the reason says why, with its figures.
    Weak(WeakReason),
}

impl Verdict {
    /// Whether the cut-out should be used.
    pub fn is_subject(&self) -> bool {
        matches!(self, Verdict::Subject)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Subject => f.write_str("subject"),
            Verdict::Weak(reason) => write!(f, "weak: {reason}"),
        }
    }
}

/// Why a cut-out should not be used. Each carries the figures that decided it, for the log and
/// for a person reading it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeakReason {
    /// Too much of the mask is neither clearly subject nor clearly background.
    LowConfidence { confidence: f32, min: f32 },
    /// The mask covers (nearly) the whole frame.
    FillsFrame { coverage: f32, sides_touched: u8 },
    /// Two or more separate regions of comparable size: which one is "the" subject?
    SeveralBlobs { blobs: u32, second_ratio: f32 },
    /// (Almost) nothing is opaque.
    NoSubject { coverage: f32 },
    /// This build has no model (the `model` cargo feature is off).
    ModelMissing,
}

impl fmt::Display for WeakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WeakReason::LowConfidence { confidence, min } => {
                write!(f, "low confidence {confidence:.2} (needs at least {min:.2})")
            }
            WeakReason::FillsFrame { coverage, sides_touched } => write!(
                f,
                "subject fills the frame ({:.1}% of the pixels, touching {sides_touched} sides)",
                coverage * 100.0
            ),
            WeakReason::SeveralBlobs { blobs, second_ratio } => {
                write!(f, "{blobs} separate regions, the second {:.0}% the size of the largest", second_ratio * 100.0)
            }
            WeakReason::NoSubject { coverage } => {
                write!(f, "no subject ({:.2}% of the pixels opaque)", coverage * 100.0)
            }
            WeakReason::ModelMissing => f.write_str("built without the cut-out model"),
        }
    }
}

/// The figures of a mask and its verdict. All positions are in the mask's (working) pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    /// Bounding box `(x, y, width, height)` of the opaque pixels (alpha ≥ 0.5); all zero when
    /// there are none. Lets a renderer frame or scale the subject.
    pub bbox: (u32, u32, u32, u32),
    /// Alpha-weighted centre of mass `(x, y)`, in pixel-centre coordinates; the mask's centre
    /// when it is empty. Where to anchor motion or a zoom.
    pub centroid: (f32, f32),
    /// Fraction of the pixels that are opaque (alpha ≥ 0.5).
    pub coverage: f32,
    /// How decided the mask is, 0..1: one minus twice the mean of `min(a, 1 − a)` over the
    /// pixels the mask claims at all (alpha ≥ 0.05). A clean cut-out, opaque inside and
    /// transparent outside with a thin soft edge, is near 1; a mask of half-tones is near 0.
    pub confidence: f32,
    /// Number of separate opaque regions (8-connected) at least [`Thresholds::blob_ratio`] the
    /// size of the largest; specks below [`Thresholds::min_blob_fraction`] of the frame are
    /// ignored. 1 for a single subject, 0 for an empty mask.
    pub blobs: u32,
    /// Area of the second largest region (specks ignored) over the largest's, 0 when there is
    /// at most one.
    pub second_blob_ratio: f32,
    /// How many of the frame's four sides the opaque region touches.
    pub sides_touched: u8,
    /// The decision drawn from the figures above.
    pub verdict: Verdict,
}

impl Analysis {
    /// The figures and verdict of `alpha`, with the default [`Thresholds`]. A pure function of the
    /// pixels: the same mask always gives the same analysis.
    pub fn of(alpha: &GrayImage) -> Analysis {
        Analysis::with_thresholds(alpha, &Thresholds::default())
    }

    /// As [`Analysis::of`], with other limits.
    pub fn with_thresholds(alpha: &GrayImage, t: &Thresholds) -> Analysis {
        let (w, h) = alpha.dimensions();
        let total = (u64::from(w) * u64::from(h)).max(1) as f64;

        let (mut opaque, mut claimed, mut ambiguity) = (0u64, 0u64, 0u64);
        let (mut sum_a, mut sum_x, mut sum_y) = (0f64, 0f64, 0f64);
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
        for (y, row) in alpha.rows().enumerate() {
            let y = y as u32;
            let (mut row_a, mut row_x) = (0u64, 0u64);
            for (x, px) in row.enumerate() {
                let a = px[0];
                let x = x as u32;
                row_a += u64::from(a);
                row_x += u64::from(a) * u64::from(x);
                if a >= CLAIMED {
                    claimed += 1;
                    ambiguity += u64::from(a.min(255 - a));
                }
                if a >= OPAQUE {
                    opaque += 1;
                    x0 = x0.min(x);
                    x1 = x1.max(x);
                    y0 = y0.min(y);
                    y1 = y1.max(y);
                }
            }
            sum_a += row_a as f64;
            sum_x += row_x as f64;
            sum_y += row_a as f64 * f64::from(y);
        }

        let coverage = (opaque as f64 / total) as f32;
        let confidence =
            if claimed == 0 { 1.0 } else { (1.0 - 2.0 * ambiguity as f64 / (255.0 * claimed as f64)) as f32 };
        let centroid = if sum_a > 0.0 {
            ((sum_x / sum_a) as f32, (sum_y / sum_a) as f32)
        } else {
            ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0)
        };
        let (bbox, sides_touched) = if opaque == 0 {
            ((0, 0, 0, 0), 0)
        } else {
            let sides = u8::from(x0 == 0) + u8::from(y0 == 0) + u8::from(x1 == w - 1) + u8::from(y1 == h - 1);
            ((x0, y0, x1 - x0 + 1, y1 - y0 + 1), sides)
        };

        let min_area = (t.min_blob_fraction as f64 * total).ceil() as u64;
        let mut areas: Vec<u64> = blob_areas(alpha).into_iter().filter(|&a| a >= min_area.max(1)).collect();
        areas.sort_unstable_by(|a, b| b.cmp(a));
        let (blobs, second_blob_ratio) = match areas.as_slice() {
            [] => (0, 0.0),
            [_] => (1, 0.0),
            [largest, second, ..] => {
                let limit = t.blob_ratio as f64 * *largest as f64;
                let comparable = areas.iter().filter(|&&a| a as f64 >= limit).count() as u32;
                (comparable, (*second as f64 / *largest as f64) as f32)
            }
        };

        let verdict = if coverage < t.min_coverage {
            Verdict::Weak(WeakReason::NoSubject { coverage })
        } else if confidence < t.min_confidence {
            Verdict::Weak(WeakReason::LowConfidence { confidence, min: t.min_confidence })
        } else if coverage > t.max_coverage
            || (coverage > t.max_coverage_touching && sides_touched >= t.max_sides_touched)
        {
            Verdict::Weak(WeakReason::FillsFrame { coverage, sides_touched })
        } else if blobs >= 2 {
            Verdict::Weak(WeakReason::SeveralBlobs { blobs, second_ratio: second_blob_ratio })
        } else {
            Verdict::Subject
        };

        Analysis { bbox, centroid, coverage, confidence, blobs, second_blob_ratio, sides_touched, verdict }
    }
}

/// Areas of the 8-connected regions of opaque pixels, in no particular order. A flood fill with
/// an explicit stack: linear in the pixels, no recursion depth to overflow.
fn blob_areas(alpha: &GrayImage) -> Vec<u64> {
    let (w, h) = (alpha.width() as usize, alpha.height() as usize);
    let pixels = alpha.as_raw();
    let mut seen = vec![false; w * h];
    let mut areas = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || pixels[start] < OPAQUE {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut area = 0u64;
        while let Some(i) = stack.pop() {
            area += 1;
            let (x, y) = (i % w, i / w);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let j = ny * w + nx;
                    if !seen[j] && pixels[j] >= OPAQUE {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        areas.push(area);
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn disc(w: u32, h: u32, discs: &[(f32, f32, f32)]) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let inside = discs.iter().any(|&(cx, cy, r)| (x as f32 - cx).hypot(y as f32 - cy) <= r);
            Luma([if inside { 255 } else { 0 }])
        })
    }

    #[test]
    fn one_disc_is_a_subject() {
        let a = Analysis::of(&disc(200, 100, &[(100.0, 50.0, 30.0)]));
        assert_eq!(a.verdict, Verdict::Subject);
        assert_eq!(a.blobs, 1);
        assert_eq!(a.bbox, (70, 20, 61, 61));
        assert!((a.centroid.0 - 100.0).abs() < 0.01 && (a.centroid.1 - 50.0).abs() < 0.01);
        assert!((a.coverage - 2821.0 / 20000.0).abs() < 0.01, "{}", a.coverage);
        assert_eq!(a.confidence, 1.0);
        assert_eq!(a.sides_touched, 0);
    }

    #[test]
    fn two_discs_of_comparable_size_are_several_blobs() {
        let a = Analysis::of(&disc(300, 100, &[(60.0, 50.0, 30.0), (220.0, 50.0, 25.0)]));
        assert_eq!(a.blobs, 2);
        assert!(matches!(a.verdict, Verdict::Weak(WeakReason::SeveralBlobs { blobs: 2, .. })), "{:?}", a.verdict);
        // A small second region is a detail of the subject, not a rival.
        let a = Analysis::of(&disc(300, 100, &[(60.0, 50.0, 30.0), (220.0, 50.0, 10.0)]));
        assert_eq!(a.blobs, 1);
        assert_eq!(a.verdict, Verdict::Subject);
    }

    #[test]
    fn empty_full_and_grey_masks_are_weak() {
        let empty = Analysis::of(&GrayImage::new(50, 40));
        assert!(matches!(empty.verdict, Verdict::Weak(WeakReason::NoSubject { .. })));
        assert_eq!(empty.bbox, (0, 0, 0, 0));
        assert_eq!(empty.blobs, 0);
        let full = Analysis::of(&GrayImage::from_pixel(50, 40, Luma([255])));
        assert!(matches!(full.verdict, Verdict::Weak(WeakReason::FillsFrame { sides_touched: 4, .. })));
        let grey = Analysis::of(&GrayImage::from_pixel(50, 40, Luma([140])));
        assert!(matches!(grey.verdict, Verdict::Weak(WeakReason::LowConfidence { .. })), "{:?}", grey.verdict);
    }

    #[test]
    fn reasons_display_their_figures() {
        let r = WeakReason::FillsFrame { coverage: 0.934, sides_touched: 4 };
        assert_eq!(r.to_string(), "subject fills the frame (93.4% of the pixels, touching 4 sides)");
        assert_eq!(Verdict::Weak(WeakReason::ModelMissing).to_string(), "weak: built without the cut-out model");
        let r = WeakReason::LowConfidence { confidence: 0.5, min: 0.7 };
        assert_eq!(r.to_string(), "low confidence 0.50 (needs at least 0.70)");
    }
}
