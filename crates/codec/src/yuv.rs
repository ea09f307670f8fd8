//! I420 frames and the RGB → YUV conversion (BT.601 limited range, what
//! H.264 decoders assume when the stream carries no colour description), and
//! frames written raw as Y4M (a benchmark's lossless reference).

use crate::band::{band_bytes, bands, Band};
use crate::rgb2yuv::row_pair;
use crate::{CodecError, VideoFormat};
use openh264::formats::YUVSource;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

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
    /// bands a frame is composed in.
    pub fn read_rgb(&mut self, rgb: &[u8]) {
        let (w, h) = (self.width, self.height);
        assert_eq!(rgb.len(), w * h * 3, "RGB frame of the frame's size");
        for rows in bands(h as u32) {
            let bytes = band_bytes(&rows, w * 3, rgb.len());
            self.read_band(&Band { rgb: &rgb[bytes], rows, gains: None });
        }
    }

    /// Converts a band of rows (an even number, from an even row, or up to
    /// the frame's end), applying its gains if it has any. A render calls
    /// this for each band as soon as it is composed, while its pixels are
    /// still in the CPU cache. Serial: a render's lanes already keep
    /// every core busy.
    pub fn read_band(&mut self, band: &Band<'_>) {
        let (w, h) = (self.width, self.height);
        let (top, end) = (band.rows.start as usize, (band.rows.end as usize).min(h));
        assert!(top % 2 == 0 && (end - top) % 2 == 0 && top < end, "an even band of rows, not {:?}", band.rows);
        assert_eq!(band.rgb.len(), w * (end - top) * 3, "RGB bytes of the band");
        assert!(band.gains.is_none_or(|g| g.len() == w * (end - top)), "a gain per pixel of the band");
        let (y, u, v) = self.planes_mut();
        let cw = w / 2;
        for pair in 0..(end - top) / 2 {
            let (row, chroma_row) = (top + 2 * pair, top / 2 + pair);
            row_pair(
                &band.rgb[pair * 6 * w..(pair + 1) * 6 * w],
                band.gains.map(|g| &g[pair * 2 * w..(pair + 1) * 2 * w]),
                &mut y[row * w..(row + 2) * w],
                &mut u[chroma_row * cw..(chroma_row + 1) * cw],
                &mut v[chroma_row * cw..(chroma_row + 1) * cw],
            );
        }
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

/// Writes frames as an uncompressed YUV4MPEG2 file (I420), the lossless
/// reference a benchmark compares the MP4 against (e.g. ffmpeg's `ssim`).
pub fn write_y4m(out: &Path, format: VideoFormat, frames: &[I420]) -> Result<(), CodecError> {
    use std::io::Write;
    let mut file = BufWriter::new(File::create(out)?);
    writeln!(file, "YUV4MPEG2 W{} H{} F{}:1 Ip A1:1 C420jpeg", format.width, format.height, format.fps)?;
    let (w, h) = (format.width as usize, format.height as usize);
    for frame in frames {
        file.write_all(b"FRAME\n")?;
        let (ys, us, vs) = frame.strides();
        for (plane, stride, pw, ph) in
            [(frame.y(), ys, w, h), (frame.u(), us, w / 2, h / 2), (frame.v(), vs, w / 2, h / 2)]
        {
            for row in plane.chunks(stride).take(ph) {
                file.write_all(&row[..pw])?;
            }
        }
    }
    file.flush()?;
    Ok(())
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
