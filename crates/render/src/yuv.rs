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

    /// Converts a packed RGB8 frame of the same size into this one, in the
    /// bands a frame is composed in (see [`I420::read_rgb_rows`]).
    pub fn read_rgb(&mut self, rgb: &[u8]) {
        let (w, h) = (self.width, self.height);
        assert_eq!(rgb.len(), w * h * 3, "RGB frame of the frame's size");
        for rows in crate::raster::bands(h as u32) {
            let bytes = crate::raster::band_bytes(&rows, w * 3, rgb.len());
            self.read_rgb_rows(&rgb[bytes], rows);
        }
    }

    /// Converts the rows `rows` (an even number, from an even row, or up to
    /// the frame's end) from `band`, their packed RGB8 bytes, with openh264's
    /// SIMD converter (AVX2 where the CPU has it) through small buffers kept
    /// per thread: no frame-sized allocation (and page faults) per frame.
    /// Called by a render for each band as soon as it is composed, while its
    /// pixels are still in the CPU cache. Serial: a render's segments already
    /// keep every core busy.
    pub fn read_rgb_rows(&mut self, band: &[u8], rows: std::ops::Range<u32>) {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<YUVBuffer>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let (w, h) = (self.width, self.height);
        let (top, end) = (rows.start as usize, (rows.end as usize).min(h));
        assert!(top % 2 == 0 && (end - top) % 2 == 0 && top < end, "an even band of rows, not {rows:?}");
        let lines = end - top;
        assert_eq!(band.len(), w * lines * 3, "RGB bytes of the band");
        let cw = w / 2;
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            // One buffer per band height (a frame's last band may be shorter).
            let at = match scratch.iter().position(|b| b.dimensions() == (w, lines)) {
                Some(at) => at,
                None => {
                    scratch.push(YUVBuffer::new(w, lines));
                    scratch.len() - 1
                }
            };
            let buffer = &mut scratch[at];
            buffer.read_rgb8(RgbSliceU8::new(band, (w, lines)));
            let (ys, us, vs) = buffer.strides();
            let (y, u, v) = self.planes_mut();
            copy_plane(buffer.y(), ys, &mut y[top * w..end * w], w);
            let chroma = (top / 2) * cw..(end / 2) * cw;
            copy_plane(buffer.u(), us, &mut u[chroma.clone()], cw);
            copy_plane(buffer.v(), vs, &mut v[chroma], cw);
            if scratch.len() > 4 {
                drop(scratch.remove(0)); // frames of many sizes on this thread: keep a few
            }
        });
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

    /// Converting in bands gives exactly openh264's whole-frame result, for
    /// frame heights that split evenly into bands and those that don't.
    #[test]
    fn matches_openh264s_conversion() {
        for (w, h) in [(64usize, 48usize), (64, 50), (32, 2), (48, 96), (1280, 720)] {
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
