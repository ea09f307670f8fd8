//! The template format's actors: sprites (the photo's cut-out subject, the
//! whole photo in a frame, vector art, inline SVG) moved by keyframes and
//! procedural motions under a camera, and the scenery that scrolls behind
//! them.

use super::{Anim, Color, Ease, Span};
use schemars::JsonSchema;
use serde::Deserialize;

/// A sprite on stage. Its position is where its `anchor` point stands (by
/// default the middle of its bottom edge: its feet), in canvas fractions
/// of the scene (the camera moves the scene; text and particles stay on
/// the screen).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    /// A name for `--trace` and tests.
    #[serde(default)]
    pub name: Option<String>,
    /// What it shows.
    pub source: SourceSpec,
    pub x: Anim,
    pub y: Anim,
    /// Height as a fraction of the canvas height.
    pub size: Anim,
    /// The point of the sprite's box placed at `(x, y)`, as fractions of
    /// the box: `[0.5, 1.0]` is the bottom middle.
    #[serde(default = "bottom_middle")]
    pub anchor: [f32; 2],
    /// Degrees, clockwise, about `pivot`.
    #[serde(default)]
    pub rotate: Anim,
    /// The point of the box it turns about (default its centre).
    #[serde(default = "middle")]
    pub pivot: [f32; 2],
    /// Stretch across and along, about the anchor (1 = as is).
    #[serde(default = "anim_one")]
    pub scale_x: Anim,
    #[serde(default = "anim_one")]
    pub scale_y: Anim,
    /// Horizontal shear in degrees (a lean of the top against the feet).
    #[serde(default)]
    pub skew: Anim,
    #[serde(default = "anim_one")]
    pub opacity: Anim,
    /// Mirrored left to right (to face the other way).
    #[serde(default)]
    pub flip: bool,
    /// Procedural moves added to the keyframes, in order.
    #[serde(default)]
    pub motion: Vec<Motion>,
    /// How much the camera moves it: 1 = the stage, smaller = farther away
    /// (parallax), 0 = fixed to the screen.
    #[serde(default = "one")]
    pub depth: f32,
    /// A soft ellipse on the ground under it, fading as it leaves the ground.
    #[serde(default)]
    pub shadow: Option<ShadowSpec>,
    /// A line around its silhouette (a sticker edge).
    #[serde(default)]
    pub outline: Option<super::Outline>,
    /// A soft halo of light around its silhouette.
    #[serde(default)]
    pub glow: Option<GlowSpec>,
    /// Sub-frame samples blended for motion blur on fast moves (0 or 1 =
    /// off, at most 8); only frames where it moves fast pay for them.
    #[serde(default)]
    pub motion_blur: u32,
    /// Draw copies side by side, scrolling: scenery (trees, clouds, posts).
    #[serde(default)]
    pub repeat: Option<RepeatSpec>,
    /// Shown only when image slot N was given (an optional photo).
    #[serde(default)]
    pub if_image: Option<usize>,
    /// Shown only when image slot N was not given (art standing in for it).
    #[serde(default)]
    pub unless_image: Option<usize>,
    #[serde(flatten, default)]
    pub span: Span,
}

/// What a sprite shows: exactly one of `subject`, `photo`, `art`, `pick`
/// or `svg`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The subject cut out of image slot N. When the cut-out is weak (no
    /// clear subject) the whole photo in `frame` stands in.
    pub subject: Option<usize>,
    /// The whole photo of image slot N, in `frame`.
    pub photo: Option<usize>,
    /// Vector art, `set:name` (e.g. `fluent-emoji-flat:lion`).
    pub art: Option<String>,
    /// Art picked from what text slot `slot` names.
    pub pick: Option<PickSpec>,
    /// Inline SVG markup drawn by the template (a prop no icon set has).
    pub svg: Option<String>,
    /// The frame of a `photo`, or of a weak `subject`'s stand-in.
    #[serde(default)]
    pub frame: FrameShape,
    /// The stand-in's size as a share of the subject's (a whole photo in a
    /// frame needs less room than a cut-out to read as the actor).
    #[serde(default = "stand_in_scale")]
    pub stand_in_scale: f32,
    /// Colour of one-colour art (silhouettes drawn in `currentColor`).
    pub tint: Option<Color>,
    /// Recolour the art with the colour text slot N names ("forest green",
    /// "红色"), keeping its shading; as drawn when it names none.
    pub colorize: Option<usize>,
}

/// Art chosen by the words of a text slot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickSpec {
    pub slot: usize,
    /// What kind of thing to look for.
    #[serde(default)]
    pub kind: PickKind,
    /// Which match when the text names several (0 = the first).
    #[serde(default)]
    pub index: usize,
    /// Art (`set:name`) when nothing matches or the slot is empty.
    pub fallback: String,
    /// Tint for the fallback art.
    pub fallback_tint: Option<Color>,
    /// Draw the picked art from this set when it has it (e.g.
    /// `fluent-emoji`, the pseudo-3D style, for a hero); default the main
    /// flat style.
    pub set: Option<String>,
}

/// Kinds of things text can name (the art index's categories).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PickKind {
    /// Animals that chase: lion, tiger, bear, wolf, shark, dinosaur.
    Beast,
    Animal,
    Person,
    Object,
    Food,
    Scene,
    Weather,
    #[default]
    Any,
}

/// How a photo is framed when it is the actor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrameShape {
    /// A white instant-photo card with a wider bottom margin.
    #[default]
    Polaroid,
    Circle,
    /// A rounded card with a thin white edge.
    Card,
}

/// A procedural move, added to the sprite's keyframes while `start..end`
/// (seconds of its scene; default: all the time).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Motion {
    /// A run cycle: each stride bobs it up, leans it forward and squashes
    /// it on the ground contact.
    Run {
        /// Seconds per stride.
        #[serde(default = "stride")]
        stride: f32,
        /// Bob height as a fraction of its size.
        #[serde(default = "bob")]
        bob: f32,
        /// Forward lean in degrees (swaying ±30 % per stride).
        #[serde(default = "lean")]
        lean: f32,
        /// Squash on contact (0.1 = 10 % shorter and wider).
        #[serde(default = "squash")]
        squash: f32,
        #[serde(default)]
        start: f32,
        end: Option<f32>,
    },
    /// A leap: up and down on a parabola `height` (canvas fractions) high
    /// between `start` and `end`, stretched on the way up.
    Jump { start: f32, end: f32, height: f32 },
    /// Whole turns about the pivot between `start` and `end`.
    Spin {
        start: f32,
        end: f32,
        turns: f32,
        #[serde(default)]
        ease: Ease,
    },
    /// A pendulum about a point `pivot` (canvas fractions of the scene):
    /// the whole sprite swings on it, `angle` degrees either side, one
    /// swing there and back every `period` seconds.
    Swing {
        pivot: [f32; 2],
        angle: f32,
        period: f32,
        #[serde(default)]
        start: f32,
        end: Option<f32>,
    },
    /// A slow up-and-down drift `amount` (canvas fractions) high.
    Float {
        #[serde(default = "float_amount")]
        amount: f32,
        #[serde(default = "float_period")]
        period: f32,
        #[serde(default)]
        start: f32,
        end: Option<f32>,
    },
    /// A tremble of `amount` (canvas fractions) at `rate` Hz (strain, a roar).
    Shake {
        amount: f32,
        #[serde(default = "shake_rate")]
        rate: f32,
        #[serde(default)]
        start: f32,
        end: Option<f32>,
    },
    /// A landing squash at `at`, springing back over `secs`.
    Squash {
        at: f32,
        #[serde(default = "squash")]
        amount: f32,
        #[serde(default = "squash_secs")]
        secs: f32,
    },
}

/// A contact shadow.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShadowSpec {
    #[serde(default = "shadow_color")]
    pub color: Color,
    /// Width as a fraction of the sprite's width.
    #[serde(default = "shadow_width")]
    pub width: f32,
    /// Where the ground is, canvas fraction; default: the sprite's `y`
    /// keyframes (without bobs and jumps), i.e. where its feet would be.
    pub ground: Option<f32>,
}

/// A halo around the silhouette.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlowSpec {
    pub color: Color,
    /// Radius as a fraction of the canvas height.
    pub radius: f32,
}

/// Copies of a sprite every `every` (canvas widths) along x, scrolling left
/// at `speed` canvas widths per second (negative: right). Each copy may
/// vary in size and height (seeded).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatSpec {
    pub every: f32,
    #[serde(default)]
    pub speed: f32,
    /// Size varies by up to this fraction per copy.
    #[serde(default)]
    pub vary: f32,
    #[serde(default)]
    pub seed: u64,
}

/// The camera of a scene: what it does to actors and scenery by their
/// depth. Text, particles, tints and grades stay on the screen.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraSpec {
    /// Pan, in canvas fractions (positive: the view moves right/down, so
    /// the scene moves left/up).
    #[serde(default)]
    pub x: Anim,
    #[serde(default)]
    pub y: Anim,
    /// 1 = as is; 1.2 = 20 % closer.
    #[serde(default = "anim_one")]
    pub zoom: Anim,
    /// Degrees, clockwise (a banked turn).
    #[serde(default)]
    pub rotate: Anim,
    /// Handheld or impact shake, canvas fractions.
    #[serde(default)]
    pub shake: Anim,
}

/// Scenery: a band of ground or hills filling the canvas below a wavy
/// ridge, scrolling sideways; stack several with different depths and
/// speeds for parallax.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerrainSpec {
    pub color: Color,
    /// A second colour at the bottom of the canvas (a gradient), or none.
    pub bottom: Option<Color>,
    /// The ridge's mean height, canvas fraction from the top.
    pub y: Anim,
    /// Height of its hills, canvas fraction.
    #[serde(default)]
    pub amplitude: f32,
    /// Width of a typical hill, canvas fraction.
    #[serde(default = "wavelength")]
    pub wavelength: f32,
    /// Canvas widths per second it scrolls left.
    #[serde(default)]
    pub speed: f32,
    #[serde(default)]
    pub style: TerrainStyle,
    #[serde(default)]
    pub seed: u64,
    /// How much the camera moves it (see [`ActorSpec::depth`]).
    #[serde(default = "one")]
    pub depth: f32,
    #[serde(flatten, default)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerrainStyle {
    /// Smooth rolling hills.
    #[default]
    Hills,
    /// Hills with a fringe of grass blades on the ridge.
    Grass,
    /// Jagged peaks.
    Mountains,
    /// Blocks of buildings of varied widths and heights.
    City,
}

fn stand_in_scale() -> f32 {
    0.8
}
fn bottom_middle() -> [f32; 2] {
    [0.5, 1.0]
}
fn middle() -> [f32; 2] {
    [0.5, 0.5]
}
fn anim_one() -> Anim {
    Anim::Const(1.0)
}
fn one() -> f32 {
    1.0
}
fn stride() -> f32 {
    0.32
}
fn bob() -> f32 {
    0.06
}
fn lean() -> f32 {
    8.0
}
fn squash() -> f32 {
    0.08
}
fn squash_secs() -> f32 {
    0.3
}
fn float_amount() -> f32 {
    // (A binary fraction: its default in the JSON Schema reads back exactly.)
    0.015625
}
fn float_period() -> f32 {
    2.4
}
fn shake_rate() -> f32 {
    18.0
}
fn shadow_color() -> Color {
    Color([0, 0, 0, 110])
}
fn shadow_width() -> f32 {
    0.8
}
fn wavelength() -> f32 {
    0.35
}

impl ActorSpec {
    /// Whether it is shown with the job's images (`if_image`, `unless_image`).
    pub(crate) fn shown_with(&self, job: &crate::RenderJob) -> bool {
        let given = |slot: usize| job.images.len() > slot;
        self.if_image.is_none_or(given) && !self.unless_image.is_some_and(given)
    }
}

impl SourceSpec {
    /// How many of its choices are given (exactly one is valid).
    pub(super) fn choices(&self) -> usize {
        [self.subject.is_some(), self.photo.is_some(), self.art.is_some(), self.pick.is_some(), self.svg.is_some()]
            .iter()
            .filter(|&&b| b)
            .count()
    }
}
