//! The embedded faces, the fallback chain of each [`Font`], and the scale
//! each face is drawn at.
//!
//! | `font`      | faces, in fallback order                                        |
//! |-------------|-----------------------------------------------------------------|
//! | `sans`      | DejaVu Sans Bold, Noto Sans SC Bold (today's look)              |
//! | `condensed` | Anton, Noto Sans SC Bold, DejaVu Sans Bold                      |
//! | `script`    | Pacifico, WenKai (handwritten hanzi), Noto Sans SC, DejaVu Sans |
//! | `rounded`   | Fredoka Bold, Noto Sans SC Bold, DejaVu Sans Bold               |
//! | `serif`     | Playfair Display Bold, Noto Sans SC Bold, DejaVu Sans Bold      |
//! | `brush`     | WenKai (LXGW WenKai Bold subset: hanzi *and* its own Latin), Noto Sans SC, DejaVu Sans |
//!
//! Each character is drawn by the first face of the chain that has it (so
//! Chinese in a Latin face still renders, in the CJK face); one no face has
//! is the first face's .notdef box.
//!
//! Sizes: ab_glyph scales a face so that its ascent − descent is the size
//! in pixels. DejaVu and Noto keep exactly that (their capitals and
//! ideographs then stand about equally tall); every other face is scaled
//! so that its capital H is as tall as DejaVu Sans Bold's at the same size,
//! so `size` means the same letter height whatever the `font`.

use crate::engine::spec::Font;
use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont};
use rustybuzz::{Direction, Script, ShapePlan};
use std::sync::{Arc, Mutex, OnceLock};

static DEJAVU: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");
static NOTO: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansSC-Bold-subset.otf");
static ANTON: &[u8] = include_bytes!("../../../../assets/fonts/Anton-Regular.ttf");
static PACIFICO: &[u8] = include_bytes!("../../../../assets/fonts/Pacifico-Regular-latin.ttf");
static FREDOKA: &[u8] = include_bytes!("../../../../assets/fonts/Fredoka-Bold.ttf");
static PLAYFAIR: &[u8] = include_bytes!("../../../../assets/fonts/PlayfairDisplay-Bold.ttf");
static WENKAI: &[u8] = include_bytes!("../../../../assets/fonts/WenKaiSubset-Bold.ttf");

/// One embedded face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    DejaVu,
    Noto,
    Anton,
    Pacifico,
    Fredoka,
    Playfair,
    WenKai,
}

const ALL: [Face; 7] =
    [Face::DejaVu, Face::Noto, Face::Anton, Face::Pacifico, Face::Fredoka, Face::Playfair, Face::WenKai];

impl Face {
    fn bytes(self) -> &'static [u8] {
        match self {
            Face::DejaVu => DEJAVU,
            Face::Noto => NOTO,
            Face::Anton => ANTON,
            Face::Pacifico => PACIFICO,
            Face::Fredoka => FREDOKA,
            Face::Playfair => PLAYFAIR,
            Face::WenKai => WENKAI,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// For rasterising.
    pub(crate) fn raster(self) -> &'static FontRef<'static> {
        &faces().raster[self.index()]
    }

    /// For shaping.
    pub(crate) fn shaper(self) -> &'static rustybuzz::Face<'static> {
        &faces().shape[self.index()]
    }

    /// The ab_glyph scale of this face at text size `px` (see the module docs).
    pub(crate) fn scale(self, px: f32) -> PxScale {
        PxScale::from(px * faces().factor[self.index()])
    }

    /// Whether the face draws `c` (not as .notdef).
    pub(crate) fn has(self, c: char) -> bool {
        self.raster().glyph_id(c).0 != 0
    }
}

/// Every face parsed once, for rasterising and for shaping, and its size factor.
struct Faces {
    raster: Vec<FontRef<'static>>,
    shape: Vec<rustybuzz::Face<'static>>,
    factor: Vec<f32>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| {
        let raster: Vec<FontRef<'static>> =
            ALL.iter().map(|f| FontRef::try_from_slice(f.bytes()).expect("embedded font parses")).collect();
        let shape =
            ALL.iter().map(|f| rustybuzz::Face::from_slice(f.bytes(), 0).expect("embedded font parses")).collect();
        // Capital H's height over the face's ascent − descent.
        let cap = |font: &FontRef<'_>| {
            // (Unscaled outline bounds are y-up: min.y is the top.)
            let h = font.outline(font.glyph_id('H')).map_or(0.0, |o| (o.bounds.max.y - o.bounds.min.y).abs());
            h / font.height_unscaled()
        };
        let reference = cap(&raster[Face::DejaVu.index()]);
        let factor = ALL
            .iter()
            .zip(&raster)
            .map(|(face, font)| match face {
                Face::DejaVu | Face::Noto => 1.0,
                _ => {
                    let c = cap(font);
                    if c > 0.0 {
                        reference / c
                    } else {
                        1.0
                    }
                }
            })
            .collect();
        Faces { raster, shape, factor }
    })
}

/// The faces of `font`, in fallback order (see the module docs).
pub(crate) fn chain(font: Font) -> &'static [Face] {
    use Face::*;
    match font {
        Font::Sans => &[DejaVu, Noto],
        Font::Condensed => &[Anton, Noto, DejaVu],
        Font::Script => &[Pacifico, WenKai, Noto, DejaVu],
        Font::Rounded => &[Fredoka, Noto, DejaVu],
        Font::Serif => &[Playfair, Noto, DejaVu],
        Font::Brush => &[WenKai, Noto, DejaVu],
    }
}

/// The first face of `chain` that has `c` (the first face, whose .notdef box
/// is then drawn, when none has it).
pub(crate) fn face_of(chain: &[Face], c: char) -> Face {
    chain.iter().copied().find(|f| f.has(c)).unwrap_or(chain[0])
}

/// Shape plans are slow to build, so one per (face, direction, script) is kept.
pub(crate) fn plan(face: Face, direction: Direction, script: Script) -> Arc<ShapePlan> {
    type Plans = Vec<((Face, Direction, Script), Arc<ShapePlan>)>;
    static PLANS: OnceLock<Mutex<Plans>> = OnceLock::new();
    let mut plans = PLANS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let key = (face, direction, script);
    if let Some((_, p)) = plans.iter().find(|(k, _)| *k == key) {
        return p.clone();
    }
    let p = Arc::new(ShapePlan::new(face.shaper(), direction, Some(script), None, &[]));
    plans.push((key, p.clone()));
    p
}

/// Largest ascent and descent (negative) and line gap over the faces of a
/// chain at size `px`, so mixed lines share a baseline.
pub(crate) fn line_metrics(chain: &[Face], px: f32) -> (f32, f32, f32) {
    chain.iter().fold((0.0f32, 0.0f32, 0.0f32), |(a, d, g), f| {
        let s = f.raster().as_scaled(f.scale(px));
        (a.max(s.ascent()), d.min(s.descent()), g.max(s.line_gap()))
    })
}

/// The height of one line of `chain` at size `px`, whole pixels.
pub(crate) fn line_height(chain: &[Face], px: f32) -> f32 {
    let (ascent, descent, gap) = line_metrics(chain, px);
    (ascent - descent + gap).ceil()
}

/// One em of the chain's first face at size `px`: the side of an emoji.
pub(crate) fn em(chain: &[Face], px: f32) -> f32 {
    let f = chain[0];
    let scaled = f.raster().as_scaled(f.scale(px));
    scaled.h_scale_factor() * f.raster().units_per_em().unwrap_or(1000.0)
}
