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

/// An affine map of the plane: `(x, y) ↦ (a·x + b·y + c, d·x + e·y + f)`.
/// Sprites are placed by one (their pixels → the canvas) and drawn by its
/// inverse (each canvas pixel → where to sample the sprite).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
    pub e: f32,
    pub f: f32,
}

impl Affine {
    pub const IDENTITY: Affine = Affine { a: 1.0, b: 0.0, c: 0.0, d: 0.0, e: 1.0, f: 0.0 };

    pub fn translate(x: f32, y: f32) -> Affine {
        Affine { c: x, f: y, ..Affine::IDENTITY }
    }

    pub fn scale(sx: f32, sy: f32) -> Affine {
        Affine { a: sx, e: sy, ..Affine::IDENTITY }
    }

    /// Turns by `(sin, cos)` of an angle, clockwise on screen (y points down).
    pub fn rotate(sin: f32, cos: f32) -> Affine {
        Affine { a: cos, b: -sin, d: sin, e: cos, ..Affine::IDENTITY }
    }

    /// Shears x by `k`·(−y): with y down, a positive `k` leans the top right.
    pub fn shear_x(k: f32) -> Affine {
        Affine { b: -k, ..Affine::IDENTITY }
    }

    /// This map, then `next`.
    pub fn then(self, next: Affine) -> Affine {
        let Affine { a, b, c, d, e, f } = self;
        Affine {
            a: next.a * a + next.b * d,
            b: next.a * b + next.b * e,
            c: next.a * c + next.b * f + next.c,
            d: next.d * a + next.e * d,
            e: next.d * b + next.e * e,
            f: next.d * c + next.e * f + next.f,
        }
    }

    pub fn apply(self, (x, y): (f32, f32)) -> (f32, f32) {
        (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)
    }

    /// The inverse map; `None` when it flattens the plane (a zero scale).
    pub fn invert(self) -> Option<Affine> {
        let Affine { a, b, c, d, e, f } = self;
        let det = a * e - b * d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, id, ie) = (e / det, -b / det, -d / det, a / det);
        Some(Affine { a: ia, b: ib, c: -(ia * c + ib * f), d: id, e: ie, f: -(id * c + ie * f) })
    }

    /// How much it enlarges lengths, at most (the larger singular value's
    /// bound: the longer of its column vectors' lengths).
    pub fn max_scale(self) -> f32 {
        (self.a * self.a + self.d * self.d).max(self.b * self.b + self.e * self.e).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_composes_and_inverts() {
        let m = Affine::scale(2.0, 3.0).then(Affine::rotate(1.0, 0.0)).then(Affine::translate(10.0, 20.0));
        // (1, 0) → (2, 0) → turned a quarter clockwise (y down) → (0, 2) → (10, 22).
        let p = m.apply((1.0, 0.0));
        assert!((p.0 - 10.0).abs() < 1e-5 && (p.1 - 22.0).abs() < 1e-5, "{p:?}");
        let back = m.invert().unwrap().apply(p);
        assert!((back.0 - 1.0).abs() < 1e-5 && back.1.abs() < 1e-5, "{back:?}");
        assert!(Affine::scale(0.0, 1.0).invert().is_none());
        assert!((m.max_scale() - 3.0).abs() < 1e-5);
    }
}
