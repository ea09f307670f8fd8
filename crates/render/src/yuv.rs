//! I420 frames and the RGB → YUV conversion (BT.601 limited range, what
//! H.264 decoders assume when the stream carries no colour description).

use openh264::formats::{RgbSliceU8, YUVBuffer, YUVSource};

/// A planar 4:2:0 frame: the Y plane, then U, then V, without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I420 {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl I420 {
    /// A black frame. 4:2:0 needs even sizes (templates and the encoder
    /// check them before any frame is made).
    pub fn new(width: u32, height: u32) -> I420 {
        assert!(width % 2 == 0 && height % 2 == 0, "I420 needs even sizes, not {width}x{height}");
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

    /// Converts a packed RGB8 frame of the same size into this one: the two
    /// halves of the frame on two threads, each with openh264's SIMD
    /// converter (AVX2 where the CPU has it), then copied into place.
    pub fn read_rgb(&mut self, rgb: &[u8]) {
        let (w, h) = (self.width, self.height);
        assert_eq!(rgb.len(), w * h * 3, "RGB frame of the frame's size");
        let split = (h / 4) * 2; // an even row, so chroma rows split cleanly
        let convert = |rows: &[u8], lines: usize| {
            let mut half = YUVBuffer::new(w, lines);
            if lines > 0 {
                half.read_rgb8(RgbSliceU8::new(rows, (w, lines)));
            }
            half
        };
        let (top, bottom) = rgb.split_at(split * w * 3);
        let (a, b) = rayon::join(|| convert(top, split), || convert(bottom, h - split));
        let cw = w / 2;
        let (y, u, v) = self.planes_mut();
        let (y_top, y_bottom) = y.split_at_mut(split * w);
        let (u_top, u_bottom) = u.split_at_mut((split / 2) * cw);
        let (v_top, v_bottom) = v.split_at_mut((split / 2) * cw);
        for (half, y, u, v) in [(a, y_top, u_top, v_top), (b, y_bottom, u_bottom, v_bottom)] {
            let (ys, us, vs) = half.strides();
            copy_plane(half.y(), ys, y, w);
            copy_plane(half.u(), us, u, cw);
            copy_plane(half.v(), vs, v, cw);
        }
    }
}

/// Copies rows of `width` bytes from a strided plane into a packed one.
fn copy_plane(src: &[u8], stride: usize, dst: &mut [u8], width: usize) {
    if width == 0 {
        return;
    }
    for (to, from) in dst.chunks_exact_mut(width).zip(src.chunks(stride)) {
        to.copy_from_slice(&from[..width]);
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

    /// Converting in two halves gives exactly openh264's whole-frame result,
    /// for frame heights that split evenly and those that don't.
    #[test]
    fn matches_openh264s_conversion() {
        for (w, h) in [(64usize, 48usize), (64, 50), (32, 2)] {
            check(w, h);
        }
    }

    fn check(w: usize, h: usize) {
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
            assert!(a == b, "{name} plane differs at {w}x{h}");
        }
        // Black and white land on the limited-range ends.
        let mut bw = I420::new(2, 2);
        bw.read_rgb(&[0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
        assert_eq!((bw.y(), bw.u()[0], bw.v()[0]), (&[16, 16, 235, 235][..], 128, 128));
    }
}
