//! The declarative template format: a canvas, a duration and a stack of timed
//! layers whose properties can be keyframed. Built-in templates are plain JSON
//! files (`crates/render/templates/*.json`) so users can copy and change them.

mod actor;

pub use actor::*;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::Path;

/// A whole template.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// The template ID it renders (an official 18-digit ID or your own).
    pub id: String,
    /// Other template IDs with the same look: an ID, or `{"id": …,
    /// "languages": ["zh"]}` for one whose words are in other languages
    /// (the two Diving IDs).
    #[serde(default)]
    pub aliases: Vec<Alias>,
    pub name: String,
    /// Bumped when the look changes (part of render cache keys).
    #[serde(default = "one")]
    pub version: u32,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    #[serde(default = "default_fps")]
    pub fps: u32,
    /// Seconds, 1 to 30.
    pub duration: f32,
    /// The synthesized music under the video.
    #[serde(default)]
    pub soundtrack: crate::soundtrack::Soundtrack,
    /// The languages of its own words when the user's text doesn't decide
    /// (see the `language` layer); default both.
    #[serde(default = "both_languages")]
    pub languages: Vec<Lang>,
    /// The camera over the actors and scenery of `layers` (scenes of a
    /// sequence have their own).
    #[serde(default)]
    pub camera: Option<CameraSpec>,
    /// Bottom first.
    pub layers: Vec<Layer>,
}

fn one() -> u32 {
    1
}
fn default_width() -> u32 {
    1280
}
fn default_height() -> u32 {
    720
}
fn default_fps() -> u32 {
    25
}

/// Another ID of a template, optionally with its own word languages.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Alias {
    Id(String),
    WithLanguages { id: String, languages: Vec<Lang> },
}

impl Alias {
    pub fn id(&self) -> &str {
        match self {
            Alias::Id(id) | Alias::WithLanguages { id, .. } => id,
        }
    }
}

/// When a layer is visible, in seconds from the start.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
pub struct Span {
    #[serde(default)]
    pub start: f32,
    /// Default: the end of the video.
    pub end: Option<f32>,
    /// Fade in and out over this many seconds.
    #[serde(default)]
    pub fade: f32,
}

impl Span {
    /// Opacity 0..1 at time `t` (0 outside the span).
    pub fn weight(&self, t: f32, duration: f32) -> f32 {
        let end = self.end.unwrap_or(duration);
        if t < self.start || t >= end {
            return 0.0;
        }
        if self.fade <= 0.0 {
            return 1.0;
        }
        ((t - self.start) / self.fade).min((end - t) / self.fade).clamp(0.0, 1.0)
    }
}

/// A number that is constant or keyframed: `1.0` or `[[0, 1.0], [6, 1.2]]`
/// (time in seconds, value; held before the first key and after the last).
/// A key may name the curve of the move that arrives at it:
/// `[2, 0.5, "ease_out"]` (default `smooth`; see [`Ease`]).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Anim {
    Const(f32),
    Keys(Vec<Key>),
}

/// One keyframe: `[time, value]` or `[time, value, ease]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(from = "KeyForm")]
pub struct Key(pub f32, pub f32, pub Ease);

#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
enum KeyForm {
    Plain(f32, f32),
    Eased(f32, f32, Ease),
}

impl From<KeyForm> for Key {
    fn from(form: KeyForm) -> Key {
        match form {
            KeyForm::Plain(t, v) => Key(t, v, Ease::Smooth),
            KeyForm::Eased(t, v, e) => Key(t, v, e),
        }
    }
}

/// The curve of a keyframed move, as a function of its progress 0..1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ease {
    /// Constant speed.
    Linear,
    /// Starts and ends gently (smoothstep).
    #[default]
    Smooth,
    /// Starts slowly, ends at full speed (a fall, a take-off).
    EaseIn,
    /// Starts at full speed, settles (an arrival).
    EaseOut,
    /// Slow, fast, slow, more marked than `smooth`.
    EaseInOut,
    /// Overshoots the value a little and settles back (a pop, a stamp).
    Back,
    /// Lands and bounces twice (a drop onto the floor).
    Bounce,
    /// Holds the previous value until this key, then jumps (a cut).
    Hold,
}

impl Ease {
    /// The eased progress for linear progress `p` in 0..=1.
    pub fn apply(self, p: f32) -> f32 {
        let p = p.clamp(0.0, 1.0);
        match self {
            Ease::Linear => p,
            Ease::Smooth => crate::raster::smoothstep(p),
            Ease::EaseIn => p * p,
            Ease::EaseOut => 1.0 - (1.0 - p) * (1.0 - p),
            Ease::EaseInOut => {
                if p < 0.5 {
                    4.0 * p * p * p
                } else {
                    let q = 2.0 - 2.0 * p;
                    1.0 - q * q * q / 2.0
                }
            }
            Ease::Back => {
                let (c1, q) = (1.70158, p - 1.0);
                1.0 + (c1 + 1.0) * q * q * q + c1 * q * q
            }
            Ease::Bounce => bounce_out(p),
            Ease::Hold => {
                if p >= 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// Penner's bounce-out: a fall that bounces twice before it rests.
fn bounce_out(p: f32) -> f32 {
    let (n, d) = (7.5625, 2.75);
    if p < 1.0 / d {
        n * p * p
    } else if p < 2.0 / d {
        let q = p - 1.5 / d;
        n * q * q + 0.75
    } else if p < 2.5 / d {
        let q = p - 2.25 / d;
        n * q * q + 0.9375
    } else {
        let q = p - 2.625 / d;
        n * q * q + 0.984375
    }
}

impl Default for Anim {
    fn default() -> Self {
        Anim::Const(0.0)
    }
}

impl Anim {
    /// Keys with the default (`smooth`) curve.
    pub fn keys(keys: &[(f32, f32)]) -> Anim {
        Anim::Keys(keys.iter().map(|&(t, v)| Key(t, v, Ease::Smooth)).collect())
    }

    pub fn at(&self, t: f32) -> f32 {
        match self {
            Anim::Const(v) => *v,
            Anim::Keys(keys) => {
                let Some(first) = keys.first() else { return 0.0 };
                if t <= first.0 {
                    return first.1;
                }
                for w in keys.windows(2) {
                    let (Key(t0, v0, _), Key(t1, v1, ease)) = (w[0], w[1]);
                    if t < t1 {
                        let p = if t1 > t0 { (t - t0) / (t1 - t0) } else { 1.0 };
                        return v0 + (v1 - v0) * ease.apply(p);
                    }
                }
                keys.last().map(|k| k.1).unwrap_or(0.0)
            }
        }
    }

    /// Whether it never changes.
    pub fn is_const(&self) -> bool {
        match self {
            Anim::Const(_) => true,
            Anim::Keys(keys) => keys.windows(2).all(|w| w[0].1 == w[1].1),
        }
    }

    /// Largest value it takes (for sizing precomputed images; an
    /// overshooting curve goes up to 10 % of the move beyond its keys).
    pub fn max(&self) -> f32 {
        match self {
            Anim::Const(v) => *v,
            Anim::Keys(keys) => keys.iter().map(|k| k.1 + overshoot(keys, k)).fold(f32::MIN, f32::max),
        }
    }

    /// Smallest value it takes.
    pub fn min(&self) -> f32 {
        match self {
            Anim::Const(v) => *v,
            Anim::Keys(keys) => keys.iter().map(|k| k.1 - overshoot(keys, k)).fold(f32::MAX, f32::min),
        }
    }
}

/// How far a `back` move may overshoot past key `k` (0 for other curves).
fn overshoot(keys: &[Key], k: &Key) -> f32 {
    if k.2 != Ease::Back {
        return 0.0;
    }
    let before = keys.iter().take_while(|o| o.0 < k.0).last().map_or(k.1, |o| o.1);
    0.1 * (k.1 - before).abs()
}

/// `"#rrggbb"` or `"#rrggbbaa"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub [u8; 4]);

impl Color {
    /// Its red, green and blue (without the alpha).
    pub fn rgb(self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_color(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a #rrggbb or #rrggbbaa colour")))
    }
}

impl JsonSchema for Color {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Color".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$",
            "description": "#rrggbb or #rrggbbaa"
        })
    }
}

/// The JSON Schema of template files (`docs/template.schema.json`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(TemplateSpec)).expect("a schema is JSON")
}

fn parse_color(s: &str) -> Option<Color> {
    let hex = s.strip_prefix('#')?;
    if !(hex.len() == 6 || hex.len() == 8) || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Color([byte(0)?, byte(2)?, byte(4)?, if hex.len() == 8 { byte(6)? } else { 255 }]))
}

/// One layer of the stack, tagged by `type`: each kind's fields are its
/// spec's. (serde cannot deny unknown fields together with the flattened
/// span, so layer-level typos are not caught yet.)
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Layer {
    Gradient(GradientSpec),
    Backdrop(BackdropSpec),
    Photo(PhotoSpec),
    Text(TextSpec),
    Shape(ShapeSpec),
    Particles(ParticlesSpec),
    Tint(TintSpec),
    Vignette(VignetteSpec),
    Grade(GradeSpec),
    Scenes(SequenceSpec),
    Grain(GrainSpec),
    Actor(Box<ActorSpec>),
    Terrain(TerrainSpec),
    Language(LanguageSpec),
}

/// Words in two languages: the layers of `zh` or `en` (or both, Chinese
/// first) take this layer's place, by the script of the user's text, or
/// the template's `languages` when there is none.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSpec {
    #[serde(default)]
    pub zh: Vec<Layer>,
    #[serde(default)]
    pub en: Vec<Layer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Zh,
    En,
}

fn both_languages() -> Vec<Lang> {
    vec![Lang::Zh, Lang::En]
}

/// A vertical two-colour gradient.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub struct GradientSpec {
    pub top: Color,
    pub bottom: Color,
    #[serde(flatten, default)]
    pub span: Span,
}

/// A blurred, darkened cover-fit copy of an input image. Give it a slow
/// `zoom` or `drift` smaller than the photo's pan for parallax depth.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct BackdropSpec {
    pub slot: usize,
    /// 0 = as is, 1 = black.
    #[serde(default = "half")]
    pub darken: f32,
    /// Scale about the centre (1 = cover the canvas).
    #[serde(default = "anim_one")]
    pub zoom: Anim,
    /// Offsets as fractions of the canvas (at most ±0.08 before edges show).
    #[serde(default)]
    pub drift_x: Anim,
    #[serde(default)]
    pub drift_y: Anim,
    #[serde(flatten, default)]
    pub span: Span,
}

/// An input image in a box, with camera moves.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PhotoSpec {
    pub slot: usize,
    /// `[x, y, w, h]` as fractions of the canvas; the photo is contained in it.
    #[serde(rename = "box")]
    pub area: [f32; 4],
    /// Scale about the box centre (1 = fits the box).
    #[serde(default = "anim_one")]
    pub zoom: Anim,
    /// Offsets as fractions of the canvas.
    #[serde(default)]
    pub pan_x: Anim,
    #[serde(default)]
    pub pan_y: Anim,
    /// Handheld shake amplitude in pixels.
    #[serde(default)]
    pub shake: f32,
    /// Rotation in degrees, clockwise.
    #[serde(default)]
    pub rotate: Anim,
    /// Print border in pixels.
    #[serde(default)]
    pub border: i32,
    /// Defocus radius in pixels (keyframe it for a focus pull).
    #[serde(default)]
    pub blur: Anim,
    /// Rounded corners: radius as a fraction of the shorter side (0.5 = a circle or pill).
    #[serde(default)]
    pub corner: f32,
    #[serde(flatten, default)]
    pub span: Span,
}

/// Text from a slot (optionally formatted: `"{}来了！"`) or literal.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TextSpec {
    pub slot: Option<usize>,
    pub text: Option<String>,
    pub format: Option<String>,
    /// Font size as a fraction of the canvas height.
    pub size: f32,
    /// Centre of the text, fractions of the canvas.
    pub x: f32,
    pub y: f32,
    #[serde(default = "white")]
    pub color: Color,
    /// A plate behind the text.
    pub plate: Option<Color>,
    /// An outline around the letters, e.g. `{"color": "#e8f8ff", "width": 0.006}`.
    pub outline: Option<Outline>,
    /// What the letters are filled with: `solid` (`color`, the default) or
    /// `water` (glass letters filling up with animated water).
    #[serde(default)]
    pub fill: TextFill,
    /// How the text appears (see the values).
    #[serde(default)]
    pub reveal: Reveal,
    /// Seconds the reveal takes (for `typewriter`, `pop` and `kinetic`:
    /// until the last glyph is in place; for `count_up`: until the numbers
    /// reach their value; for `fill: water`: until it is 80 % full).
    #[serde(default = "reveal_secs")]
    pub reveal_secs: f32,
    /// The typeface (see the values). Characters it lacks come from the CJK
    /// face, then DejaVu Sans, so Chinese in a Latin face still renders.
    #[serde(default)]
    pub font: Font,
    /// The widest the text may be, a fraction of the canvas width (default
    /// 0.9). The box also stays inside the safe area: the canvas less 5 %
    /// on each side, outline, shadow and plate included.
    #[serde(default = "text_width")]
    pub width: f32,
    /// The most lines the text may take (default 3).
    #[serde(default = "text_lines")]
    pub lines: u32,
    /// The smallest size the text may shrink to in order to fit, a fraction
    /// of the canvas height (default: half of `size`). What still does not
    /// fit at this size is elided with "…".
    #[serde(default)]
    pub min_size: Option<f32>,
    #[serde(flatten, default)]
    pub span: Span,
}

fn text_width() -> f32 {
    0.9
}
fn text_lines() -> u32 {
    3
}

/// A text layer's typeface. Each is embedded (SIL Open Font License); a
/// character the face lacks falls back to Noto Sans SC (CJK), then DejaVu
/// Sans, and emoji are drawn as colour art whatever the face.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Font {
    /// DejaVu Sans Bold with Noto Sans SC Bold for CJK: plain and legible.
    #[default]
    Sans,
    /// Anton: tall condensed capitals, for sport and headlines.
    Condensed,
    /// Pacifico: a brush script for Latin (hanzi in LXGW WenKai).
    Script,
    /// Fredoka Bold: soft rounded letters, for kids and pets.
    Rounded,
    /// Playfair Display Bold: a high-contrast fashion serif.
    Serif,
    /// LXGW WenKai Bold (a subset: the 3755 common hanzi): Chinese
    /// handwriting with brush strokes, for everything it has (Latin too).
    Brush,
}

/// Deterministic particles.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub struct ParticlesSpec {
    pub kind: ParticleKind,
    pub count: u32,
    #[serde(default)]
    pub seed: u64,
    pub color: Color,
    /// Radius as a fraction of the canvas height.
    #[serde(default = "particle_size")]
    pub size: f32,
    /// Where particles live, `[x, y, w, h]` in canvas fractions (default: everywhere).
    #[serde(default = "whole")]
    pub area: [f32; 4],
    #[serde(flatten, default)]
    pub span: Span,
}

/// Colour grade: blend the frame towards a colour.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TintSpec {
    pub color: Color,
    pub amount: Anim,
    #[serde(flatten, default)]
    pub span: Span,
}

/// Darkened corners.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub struct VignetteSpec {
    pub strength: f32,
}

/// Scenes shown one after another, each a full frame with its own layers
/// (timed from the moment the scene appears), joined by transitions.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SequenceSpec {
    pub scenes: Vec<SceneSpec>,
}

/// Film grain: fine monochrome noise that changes every frame.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub struct GrainSpec {
    /// Strength, 0..1 (0.04 is subtle, 0.1 is heavy; grain costs bitrate).
    pub amount: f32,
    #[serde(default)]
    pub seed: u64,
    #[serde(flatten, default)]
    pub span: Span,
}

/// One scene of a [`Layer::Scenes`] sequence.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SceneSpec {
    /// Seconds from this scene's cut point to the next one's.
    pub duration: f32,
    /// How this scene replaces the one before it (ignored for the first).
    #[serde(default)]
    pub transition: Transition,
    /// The camera over this scene's actors and scenery.
    #[serde(default)]
    pub camera: Option<CameraSpec>,
    /// A time ramp: the scene's animation time for each second it is on
    /// screen, e.g. `[[0, 0], [1, 1], [3, 1.5], [4, 2.5]]` plays seconds
    /// 1–3 at quarter speed (slow motion); a flat stretch is a freeze
    /// frame. Default: real time.
    #[serde(default)]
    pub retime: Option<Anim>,
    /// Bottom first; times are seconds since the scene appeared.
    pub layers: Vec<Layer>,
}

/// A change of scene, centred on the cut point.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    #[serde(default)]
    pub kind: TransitionKind,
    /// Seconds it takes (half before the cut point, half after).
    #[serde(default = "transition_secs")]
    pub secs: f32,
}

impl Default for Transition {
    fn default() -> Self {
        Transition { kind: TransitionKind::default(), secs: transition_secs() }
    }
}

fn transition_secs() -> f32 {
    0.6
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Instant.
    Cut,
    /// The new scene fades in over the old one.
    #[default]
    Crossfade,
    /// The new scene is revealed left to right behind a soft edge.
    Wipe,
    /// The new scene slides in from the right, pushing the old one out.
    Slide,
    /// The old scene rushes towards the viewer and fades, uncovering the new one.
    Zoom,
}

/// Colour grade of everything below: tone curves, contrast, saturation.
/// Tone curves are lists of `[input, output]` points in 0..255 joined by
/// straight segments (`[[0, 10], [128, 140], [255, 245]]` lifts shadows and
/// mids); `curve` applies to all channels, then `red`/`green`/`blue`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GradeSpec {
    #[serde(default)]
    pub curve: Vec<[f32; 2]>,
    #[serde(default)]
    pub red: Vec<[f32; 2]>,
    #[serde(default)]
    pub green: Vec<[f32; 2]>,
    #[serde(default)]
    pub blue: Vec<[f32; 2]>,
    /// 1 = unchanged; > 1 more contrast about mid-grey.
    #[serde(default = "one_f32")]
    pub contrast: f32,
    /// 1 = unchanged, 0 = greyscale, > 1 more vivid.
    #[serde(default = "one_f32")]
    pub saturation: f32,
    /// Added to every channel, -1..1 (fractions of full scale).
    #[serde(default)]
    pub brightness: f32,
    #[serde(flatten, default)]
    pub span: Span,
}

/// A filled ellipse or rectangle (silhouettes, light leaks, bars), centred
/// at `(x, y)`; all in canvas fractions.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ShapeSpec {
    #[serde(default)]
    pub shape: ShapeKind,
    pub x: Anim,
    pub y: Anim,
    pub w: Anim,
    pub h: Anim,
    pub color: Color,
    /// Soft edge, as a fraction of the size.
    #[serde(default)]
    pub softness: f32,
    #[serde(flatten, default)]
    pub span: Span,
}

fn one_f32() -> f32 {
    1.0
}
fn half() -> f32 {
    0.5
}
fn anim_one() -> Anim {
    Anim::Const(1.0)
}
fn white() -> Color {
    Color([255, 255, 255, 255])
}
fn reveal_secs() -> f32 {
    0.6
}
fn particle_size() -> f32 {
    0.006
}
fn whole() -> [f32; 4] {
    [0.0, 0.0, 1.0, 1.0]
}

/// How a text layer appears over its `reveal_secs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reveal {
    /// Fades in.
    #[default]
    Fade,
    /// Rises while fading in.
    Slide,
    /// Revealed left to right.
    Wipe,
    /// Glyphs appear one at a time, in reading order.
    Typewriter,
    /// Each glyph grows from nothing about its centre, with a slight
    /// overshoot, one after another in reading order.
    Pop,
    /// The whole text slams down from 2.5× its size, squashes a little on
    /// impact and shakes briefly.
    Stamp,
    /// The numbers in the text count up from 0 to their value ("250 KG"
    /// shows 0 KG … 250 KG; "9.5" keeps its one decimal), fast then slowing.
    CountUp,
    /// Each glyph drops in from above and bounces to rest, one after another
    /// in reading order.
    Kinetic,
}

/// A text outline: drawn under the letters, around them.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub color: Color,
    /// Thickness as a fraction of the canvas height (0.005 is 3.6 px at 720p).
    pub width: f32,
}

/// What text letters are filled with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextFill {
    /// The layer's `color`.
    #[default]
    Solid,
    /// Glass letters filling with water: the level rises from the bottom to
    /// 80 % over `reveal_secs`, its surface waves, caustic light plays under
    /// it and bubbles rise; above it the letters are faint glass. `color`
    /// is not used.
    Water,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShapeKind {
    #[default]
    Ellipse,
    Rect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticleKind {
    /// Drifting sideways and low, like dust kicked up by a chase.
    Dust,
    Snow,
    /// Rising and flickering.
    Sparks,
    Bubbles,
    /// Falling and swaying (petals, leaves).
    Petals,
    /// Tumbling paper bits in a festive palette (`color` is one of them).
    Confetti,
    /// A burst of droplets thrown up from the bottom centre of `area` when
    /// the layer starts, falling back under gravity.
    Splash,
}

/// A template file that could not be used: names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("template {file}: {message}")]
pub struct SpecError {
    pub file: String,
    pub message: String,
}

impl TemplateSpec {
    /// Parses and checks a template; `file` names it in errors.
    pub fn parse(json: &str, file: &str) -> Result<TemplateSpec, SpecError> {
        let err = |message: String| SpecError { file: file.to_string(), message };
        let de = &mut serde_json::Deserializer::from_str(json);
        let spec: TemplateSpec = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            err(format!("field `{path}`: {}", e.into_inner()))
        })?;
        spec.check().map_err(err)?;
        Ok(spec)
    }

    pub fn load(path: &Path) -> Result<TemplateSpec, SpecError> {
        let file = path.display().to_string();
        let json =
            std::fs::read_to_string(path).map_err(|e| SpecError { file: file.clone(), message: e.to_string() })?;
        TemplateSpec::parse(&json, &file)
    }

    fn check(&self) -> Result<(), String> {
        if !(16..=3840).contains(&self.width) || !(16..=3840).contains(&self.height) {
            return Err(format!("field `width`/`height`: {}x{} is outside 16..3840", self.width, self.height));
        }
        if self.width % 2 != 0 || self.height % 2 != 0 {
            return Err("field `width`/`height`: must be even (yuv420p)".into());
        }
        if !(1..=60).contains(&self.fps) {
            return Err(format!("field `fps`: {} is outside 1..60", self.fps));
        }
        if !(self.duration >= 1.0 && self.duration <= 30.0) {
            return Err(format!("field `duration`: {} is outside 1..30 seconds", self.duration));
        }
        check_layers(&self.layers, "layers", 0)
    }

    pub fn frames(&self) -> u32 {
        (self.duration * self.fps as f32).round() as u32
    }

    /// The image slots whose cut-out subject an actor shows, ascending.
    pub fn cutout_slots(&self) -> Vec<usize> {
        fn walk(layers: &[Layer], out: &mut Vec<usize>) {
            for l in layers {
                match l {
                    Layer::Actor(a) => out.extend(a.source.subject),
                    Layer::Scenes(seq) => seq.scenes.iter().for_each(|s| walk(&s.layers, out)),
                    Layer::Language(l) => {
                        walk(&l.zh, out);
                        walk(&l.en, out);
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.layers, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The highest image slot a layer uses, plus one.
    pub fn image_slots(&self) -> usize {
        fn slots(layers: &[Layer]) -> usize {
            layers
                .iter()
                .map(|l| match l {
                    Layer::Backdrop(BackdropSpec { slot, .. }) | Layer::Photo(PhotoSpec { slot, .. }) => slot + 1,
                    Layer::Actor(a) => a.source.subject.or(a.source.photo).map_or(0, |s| s + 1),
                    Layer::Scenes(seq) => seq.scenes.iter().map(|s| slots(&s.layers)).max().unwrap_or(0),
                    Layer::Language(l) => slots(&l.zh).max(slots(&l.en)),
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        slots(&self.layers)
    }
}

/// Most scenes in one sequence, and deepest nesting of sequences: each
/// scene prepares its own images, so these bound a template's memory.
const MAX_SCENES: usize = 64;
const MAX_SCENE_DEPTH: usize = 3;

/// `value` (every key of an animation) must lie in `lo..=hi`.
fn within(field: &str, anim: &Anim, (lo, hi): (f32, f32)) -> Result<(), String> {
    let (min, max) = (anim.min(), anim.max());
    if min >= lo && max <= hi {
        Ok(())
    } else {
        Err(format!("field `{field}`: values {min}..{max} are outside {lo}..{hi}"))
    }
}

/// Checks what the types cannot say, naming the field (`layers[2].scenes[1].duration`):
/// required pairs, and ranges that keep sizes, memory and arithmetic sane.
fn check_layers(layers: &[Layer], path: &str, depth: usize) -> Result<(), String> {
    for (i, layer) in layers.iter().enumerate() {
        let here = format!("{path}[{i}]");
        let at = |field: &str| format!("{here}.{field}");
        match layer {
            Layer::Text(TextSpec { slot: None, text: None, .. }) => {
                return Err(format!("field `{here}`: a text layer needs `slot` or `text`"));
            }
            Layer::Text(TextSpec { size, x, y, width, lines, min_size, .. }) => {
                within(&at("size"), &Anim::Const(*size), (0.005, 1.0))?;
                within(&at("x"), &Anim::Const(*x), (-1.0, 2.0))?;
                within(&at("y"), &Anim::Const(*y), (-1.0, 2.0))?;
                within(&at("width"), &Anim::Const(*width), (0.05, 1.0))?;
                within(&at("lines"), &Anim::Const(*lines as f32), (1.0, 20.0))?;
                if let Some(min) = min_size {
                    within(&at("min_size"), &Anim::Const(*min), (0.005, *size))?;
                }
            }
            Layer::Particles(ParticlesSpec { count, .. }) if *count > 5000 => {
                return Err(format!("field `{here}.count`: {count} is more than 5000"));
            }
            Layer::Particles(ParticlesSpec { size, area, .. }) => {
                within(&at("size"), &Anim::Const(*size), (0.0, 0.2))?;
                area.iter().try_for_each(|v| within(&at("area"), &Anim::Const(*v), (-2.0, 3.0)))?;
            }
            Layer::Photo(PhotoSpec { area, zoom, pan_x, pan_y, border, blur, corner, .. }) => {
                area.iter().try_for_each(|v| within(&at("box"), &Anim::Const(*v), (-2.0, 3.0)))?;
                if area[2] <= 0.0 || area[3] <= 0.0 {
                    return Err(format!("field `{here}.box`: width and height must be above 0"));
                }
                // The photo is prefiltered at its largest zoom: 4× a full canvas is the memory bound.
                within(&at("zoom"), zoom, (0.01, 4.0))?;
                within(&at("pan_x"), pan_x, (-2.0, 2.0))?;
                within(&at("pan_y"), pan_y, (-2.0, 2.0))?;
                within(&at("border"), &Anim::Const(*border as f32), (0.0, 200.0))?;
                within(&at("blur"), blur, (0.0, 200.0))?;
                within(&at("corner"), &Anim::Const(*corner), (0.0, 0.5))?;
            }
            Layer::Backdrop(BackdropSpec { zoom, drift_x, drift_y, .. }) => {
                within(&at("zoom"), zoom, (0.5, 4.0))?;
                within(&at("drift_x"), drift_x, (-1.0, 1.0))?;
                within(&at("drift_y"), drift_y, (-1.0, 1.0))?;
            }
            Layer::Shape(spec) => {
                within(&at("x"), &spec.x, (-5.0, 5.0))?;
                within(&at("y"), &spec.y, (-5.0, 5.0))?;
                within(&at("w"), &spec.w, (0.0, 10.0))?;
                within(&at("h"), &spec.h, (0.0, 10.0))?;
            }
            Layer::Actor(spec) => {
                let n = spec.source.choices();
                if n != 1 {
                    return Err(format!(
                        "field `{here}.source`: give exactly one of `subject`, `photo`, `art`, `pick` or `svg` ({n} given)"
                    ));
                }
                if let Some(art) = spec.source.art.as_deref().or(spec.source.pick.as_ref().map(|p| p.fallback.as_str()))
                {
                    if !crate::engine::art::exists(art) {
                        return Err(format!("field `{here}.source`: no art named {art:?}"));
                    }
                }
                within(&at("x"), &spec.x, (-5.0, 5.0))?;
                within(&at("y"), &spec.y, (-5.0, 5.0))?;
                within(&at("size"), &spec.size, (0.0, 4.0))?;
                within(&at("depth"), &Anim::Const(spec.depth), (0.0, 4.0))?;
                if spec.motion_blur > 8 {
                    return Err(format!("field `{here}.motion_blur`: {} is more than 8 samples", spec.motion_blur));
                }
                if let Some(r) = &spec.repeat {
                    within(&at("repeat.every"), &Anim::Const(r.every), (0.02, 10.0))?;
                }
                for (j, m) in spec.motion.iter().enumerate() {
                    if let Motion::Run { stride, .. } = m {
                        within(&at(&format!("motion[{j}].stride")), &Anim::Const(*stride), (0.05, 5.0))?;
                    }
                    if let Motion::Swing { period, .. } | Motion::Float { period, .. } = m {
                        within(&at(&format!("motion[{j}].period")), &Anim::Const(*period), (0.05, 60.0))?;
                    }
                }
            }
            Layer::Language(l) => {
                check_layers(&l.zh, &format!("{here}.zh"), depth)?;
                check_layers(&l.en, &format!("{here}.en"), depth)?;
            }
            Layer::Terrain(spec) => {
                within(&at("y"), &spec.y, (-1.0, 2.0))?;
                within(&at("amplitude"), &Anim::Const(spec.amplitude), (0.0, 1.0))?;
                within(&at("wavelength"), &Anim::Const(spec.wavelength), (0.01, 10.0))?;
            }
            Layer::Scenes(SequenceSpec { scenes }) => {
                if scenes.is_empty() || scenes.len() > MAX_SCENES {
                    return Err(format!("field `{here}.scenes`: needs 1 to {MAX_SCENES} scenes, not {}", scenes.len()));
                }
                if depth >= MAX_SCENE_DEPTH {
                    return Err(format!("field `{here}`: scenes nest at most {MAX_SCENE_DEPTH} deep"));
                }
                for (j, scene) in scenes.iter().enumerate() {
                    let at = format!("{here}.scenes[{j}]");
                    if !(scene.duration > 0.0 && scene.duration <= 30.0) {
                        return Err(format!("field `{at}.duration`: {} is outside 0..30 seconds", scene.duration));
                    }
                    // The first scene has no entrance, and a cut takes no time.
                    let secs = scene.transition.secs;
                    let room = scenes[j.saturating_sub(1)].duration.min(scene.duration);
                    if j > 0 && scene.transition.kind != TransitionKind::Cut && !(0.0..=room).contains(&secs) {
                        return Err(format!(
                            "field `{at}.transition.secs`: {secs} must be between 0 and the shorter neighbouring \
                             scene ({room} s)"
                        ));
                    }
                    check_layers(&scene.layers, &format!("{at}.layers"), depth + 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anims_and_spans() {
        let a = Anim::keys(&[(0.0, 1.0), (2.0, 3.0)]);
        assert_eq!(a.at(-1.0), 1.0);
        assert_eq!(a.at(1.0), 2.0);
        assert_eq!(a.at(5.0), 3.0);
        assert_eq!(a.max(), 3.0);
        let s = Span { start: 1.0, end: Some(3.0), fade: 0.5 };
        assert_eq!(s.weight(0.5, 6.0), 0.0);
        assert_eq!(s.weight(1.25, 6.0), 0.5);
        assert_eq!(s.weight(2.0, 6.0), 1.0);
        assert_eq!(s.weight(3.0, 6.0), 0.0);
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = TemplateSpec::parse(
            r##"{"id":"x","name":"n","duration":5,"layers":[{"type":"tint","color":"#zz0000","amount":1}]}"##,
            "mine.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("template mine.json: field `layers[0]"), "{e}");
        assert!(e.contains("#zz0000"), "{e}");
        let e = TemplateSpec::parse(r#"{"id":"x","name":"n","duration":99,"layers":[]}"#, "t.json")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "template t.json: field `duration`: 99 is outside 1..30 seconds");
        let e = TemplateSpec::parse(r#"{"id":"x","name":"n","duration":5,"layers":[],"colour":1}"#, "t.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }
}
