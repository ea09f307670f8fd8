//! A scene's camera: pan, zoom, roll and shake, applied to actors and
//! scenery by their depth (1 = the stage, less = farther, 0 = the screen).

use super::spec::CameraSpec;
use crate::geom::Affine;
use crate::math::{sin, sin_cos};

#[derive(Debug, Clone, Default)]
pub(super) struct Camera {
    spec: Option<CameraSpec>,
}

impl Camera {
    pub fn new(spec: Option<&CameraSpec>) -> Camera {
        Camera { spec: spec.cloned() }
    }

    /// The map from scene pixels to the screen at `t` for something at `depth`.
    pub fn view(&self, t: f32, depth: f32, (w, h): (u32, u32)) -> Affine {
        let Some(c) = &self.spec else { return Affine::IDENTITY };
        if depth == 0.0 {
            return Affine::IDENTITY;
        }
        let (fw, fh) = (w as f32, h as f32);
        let (cx, cy) = (fw / 2.0, fh / 2.0);
        let (px, py) = (c.x.at(t) * fw * depth, c.y.at(t) * fh * depth);
        let zoom = 1.0 + (c.zoom.at(t) - 1.0) * depth;
        let (sn, cs) = sin_cos(c.rotate.at(t).to_radians() * depth.min(1.0));
        let shake = c.shake.at(t) * fw * depth;
        // Two incommensurate wobbles: a shake that never visibly repeats.
        let u = t * 2.0 * std::f32::consts::PI;
        let (sx, sy) =
            (shake * (sin(u * 13.0) + 0.6 * sin(u * 29.0 + 1.3)), shake * (sin(u * 17.0 + 0.7) + 0.6 * sin(u * 23.0)));
        Affine::translate(-cx - px, -cy - py)
            .then(Affine::scale(zoom, zoom))
            .then(Affine::rotate(sn, cs))
            .then(Affine::translate(cx + sx, cy + sy))
    }

    /// The largest zoom it reaches (sprites are prepared that much bigger).
    pub fn zoom_max(&self) -> f32 {
        self.spec.as_ref().map_or(1.0, |c| c.zoom.max().max(1.0))
    }
}
