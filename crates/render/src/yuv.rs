//! I420 frames and the RGB → YUV conversion, done in parallel (row pairs on
//! the rayon pool) in fixed point: BT.601 limited range, what H.264 decoders
//! assume when the stream carries no colour description.

use openh264::formats::YUVSource;
use rayon::prelude::*;

/// A planar 4:2:0 frame: the Y plane, then U, then V, without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I420 {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl I420 {
    /// A black frame. Sizes must be even (checked by the encoder and templates).
    pub fn new(width: u32, height: u32) -> I420 {
        let (w, h) = (width as usize, height as usize);
        let mut data = vec![16u8; w * h + 2 * (w / 2) * (h / 2)];
        data[w * h..].fill(128);
        I420 { width: w, height: h, data }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let luma = self.width * self.height;
        let chroma = (self.width / 2) * (self.height / 2);
        let (y, rest) = self.data.split_at_mut(luma);
        let (u, v) = rest.split_at_mut(chroma);
        (y, u, v)
    }

    /// Converts a packed RGB8 frame of the same size into this one.
    pub fn read_rgb(&mut self, rgb: &[u8]) {
        let (w, h) = (self.width, self.height);
        assert_eq!(rgb.len(), w * h * 3, "RGB frame of the frame's size");
        let cw = w / 2;
        let (y, u, v) = self.planes_mut();
        y.par_chunks_mut(2 * w)
            .zip(u.par_chunks_mut(cw))
            .zip(v.par_chunks_mut(cw))
            .zip(rgb.par_chunks(6 * w))
            .for_each(|(((y2, u), v), rgb2)| {
                let (top, bottom) = rgb2.split_at(3 * w);
                let (ytop, ybottom) = y2.split_at_mut(w);
                for (src, dst) in [(top, ytop), (bottom, ybottom)] {
                    for (px, out) in src.chunks_exact(3).zip(dst.iter_mut()) {
                        let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
                        *out = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
                    }
                }
                for (i, (u, v)) in u.iter_mut().zip(v.iter_mut()).enumerate() {
                    let at = i * 6;
                    let sum = |c: usize| {
                        i32::from(top[at + c])
                            + i32::from(top[at + 3 + c])
                            + i32::from(bottom[at + c])
                            + i32::from(bottom[at + 3 + c])
                    };
                    // Averages of the 2×2 block (sums are 4× the mean).
                    let (r, g, b) = (sum(0), sum(1), sum(2));
                    *u = (((-38 * r - 74 * g + 112 * b + 512) >> 10) + 128).clamp(0, 255) as u8;
                    *v = (((112 * r - 94 * g - 18 * b + 512) >> 10) + 128).clamp(0, 255) as u8;
                }
            });
    }
}

impl YUVSource for I420 {
    fn dimensions(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn strides(&self) -> (usize, usize, usize) {
        (self.width, self.width / 2, self.width / 2)
    }

    fn y(&self) -> &[u8] {
        &self.data[..self.width * self.height]
    }

    fn u(&self) -> &[u8] {
        let luma = self.width * self.height;
        &self.data[luma..luma + (self.width / 2) * (self.height / 2)]
    }

    fn v(&self) -> &[u8] {
        let luma = self.width * self.height;
        &self.data[luma + (self.width / 2) * (self.height / 2)..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion matches openh264's own (BT.601 limited range) to within
    /// rounding, on a frame with every kind of colour.
    #[test]
    fn matches_openh264s_conversion() {
        let (w, h) = (64usize, 48usize);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x * 4) as u8, (y * 5) as u8, ((x * y) % 256) as u8]
            })
            .collect();
        let mut ours = I420::new(w as u32, h as u32);
        ours.read_rgb(&rgb);
        let mut theirs = openh264::formats::YUVBuffer::new(w, h);
        theirs.read_rgb8(openh264::formats::RgbSliceU8::new(&rgb, (w, h)));
        for (name, a, b) in [("Y", ours.y(), theirs.y()), ("U", ours.u(), theirs.u()), ("V", ours.v(), theirs.v())] {
            let worst = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
            assert!(worst <= 2, "{name} differs by up to {worst}");
        }
        // Black and white land on the limited-range ends.
        let mut bw = I420::new(2, 2);
        bw.read_rgb(&[0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
        assert_eq!((bw.y(), bw.u()[0], bw.v()[0]), (&[16, 16, 235, 235][..], 128, 128));
    }
}
