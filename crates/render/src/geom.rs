//! Rectangles: [`Rect`] in sub-pixel `f32` units (pixels, or canvas
//! fractions where a template gives them), [`IRect`] on the pixel grid.

/// A rectangle by its top-left corner and size, in `f32` (pixels unless
/// said otherwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }

    pub fn right(self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(self) -> f32 {
        self.y + self.h
    }

    pub fn centre(self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Grown by `by` on every side (a border around it).
    pub fn outset(self, by: f32) -> Rect {
        Rect { x: self.x - by, y: self.y - by, w: self.w + 2.0 * by, h: self.h + 2.0 * by }
    }
}

/// `[x, y, w, h]`, as template files write boxes.
impl From<[f32; 4]> for Rect {
    fn from([x, y, w, h]: [f32; 4]) -> Rect {
        Rect { x, y, w, h }
    }
}

/// A box of whole pixels: its top-left corner may lie off the canvas (or
/// anywhere in a text's own pixel space), its size is never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IRect {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
}

impl IRect {
    pub const fn new(x: i32, y: i32, w: u32, h: u32) -> IRect {
        IRect { x, y, w, h }
    }

    /// One past the last column (saturating: a box can't wrap around).
    pub fn right(self) -> i32 {
        self.x.saturating_add_unsigned(self.w)
    }

    /// One past the last row (saturating).
    pub fn bottom(self) -> i32 {
        self.y.saturating_add_unsigned(self.h)
    }
}
