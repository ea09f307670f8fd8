//! Reading the MP4s the server makes: every frame decoded, and image
//! comparisons on them.

use super::fixture;
use image::RgbImage;

/// A decoded MP4: video track facts and every frame as RGB.
pub struct DecodedVideo {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub duration_secs: f64,
    pub frames: Vec<RgbImage>,
    /// Duration of the sound track (`hdlr` = `soun`), if there is one.
    pub audio_secs: Option<f64>,
}
/// Parses the MP4 and decodes every H.264 sample with openh264.
pub fn decode_mp4(bytes: &[u8]) -> DecodedVideo {
    let size = bytes.len() as u64;
    let mut reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), size).expect("valid MP4");
    let (track_id, width, height, fps, samples, sps, pps, duration) = {
        let track = reader
            .tracks()
            .values()
            .find(|t| t.media_type().ok() == Some(mp4::MediaType::H264))
            .expect("an H.264 track");
        (
            track.track_id(),
            track.width() as u32,
            track.height() as u32,
            track.frame_rate(),
            track.sample_count(),
            track.sequence_parameter_set().expect("SPS").to_vec(),
            track.picture_parameter_set().expect("PPS").to_vec(),
            track.duration().as_secs_f64(),
        )
    };
    let audio_secs = reader
        .tracks()
        .values()
        .find(|t| t.track_type().ok() == Some(mp4::TrackType::Audio))
        .map(|t| t.duration().as_secs_f64());
    let mut decoder = openh264::decoder::Decoder::new().unwrap();
    let mut frames = Vec::new();
    let start_code = [0u8, 0, 0, 1];
    let mut prefix = Vec::new();
    prefix.extend_from_slice(&start_code);
    prefix.extend_from_slice(&sps);
    prefix.extend_from_slice(&start_code);
    prefix.extend_from_slice(&pps);
    for i in 1..=samples {
        let sample = reader.read_sample(track_id, i).unwrap().expect("sample");
        let mut annexb = if i == 1 { prefix.clone() } else { Vec::new() };
        let data = &sample.bytes[..];
        let mut pos = 0;
        while pos + 4 <= data.len() {
            let n = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            annexb.extend_from_slice(&start_code);
            annexb.extend_from_slice(&data[pos + 4..pos + 4 + n]);
            pos += 4 + n;
        }
        if let Some(yuv) = decoder.decode(&annexb).expect("decodable H.264") {
            frames.push(to_rgb(&yuv));
        }
    }
    for yuv in decoder.flush_remaining().unwrap() {
        frames.push(to_rgb(&yuv));
    }
    DecodedVideo { width, height, fps, duration_secs: duration, frames, audio_secs }
}

fn to_rgb(yuv: &openh264::decoder::DecodedYUV<'_>) -> RgbImage {
    use openh264::formats::YUVSource;
    let (w, h) = yuv.dimensions();
    let mut buf = vec![0u8; w * h * 3];
    yuv.write_rgb8(&mut buf);
    RgbImage::from_raw(w as u32, h as u32, buf).unwrap()
}

fn luma(p: &image::Rgb<u8>) -> f64 {
    0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
}

/// Normalised cross-correlation of two same-size images' luma.
fn ncc(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let la: Vec<f64> = a.pixels().map(luma).collect();
    let lb: Vec<f64> = b.pixels().map(luma).collect();
    let n = la.len() as f64;
    let (ma, mb) = (la.iter().sum::<f64>() / n, lb.iter().sum::<f64>() / n);
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in la.iter().zip(&lb) {
        num += (x - ma) * (y - mb);
        da += (x - ma) * (x - ma);
        db += (y - mb) * (y - mb);
    }
    num / (da.sqrt() * db.sqrt()).max(1e-9)
}

/// The best correlation, over every `step`-th frame, between the region where
/// `template_id`'s photo layer puts the fixture `photo` and the photo itself.
pub fn best_photo_ncc(video: &DecodedVideo, template_id: &str, photo: &str, step: usize) -> f64 {
    let src = image::open(fixture(photo)).unwrap().to_rgb8();
    let spec = videoagent_render::TemplateRenderer::builtin().spec(template_id).cloned().expect("a template file");
    video
        .frames
        .iter()
        .enumerate()
        .step_by(step)
        .filter_map(|(i, f)| {
            let r = spec.photo_rect_at(src.dimensions(), i as f32 / video.fps as f32)?;
            let (x, y, w, h) = (r.x.round() as i64, r.y.round() as i64, r.w.round() as i64, r.h.round() as i64);
            let fits = x >= 0 && y >= 0 && w > 16 && h > 16 && x + w <= f.width() as i64 && y + h <= f.height() as i64;
            fits.then(|| {
                let expected = image::imageops::resize(&src, w as u32, h as u32, image::imageops::FilterType::Triangle);
                ncc(&image::imageops::crop_imm(f, x as u32, y as u32, w as u32, h as u32).to_image(), &expected)
            })
        })
        .fold(f64::MIN, f64::max)
}

/// Mean absolute luma difference of two frames.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    a.pixels().zip(b.pixels()).map(|(x, y)| (luma(x) - luma(y)).abs()).sum::<f64>() / (a.width() * a.height()) as f64
}

/// The offset of the top-level box `name` in an MP4, if there is one.
pub fn find_box(mp4: &[u8], name: &[u8; 4]) -> Option<usize> {
    let mut pos = 0;
    while pos + 8 <= mp4.len() {
        let size = u32::from_be_bytes(mp4[pos..pos + 4].try_into().unwrap()) as usize;
        if &mp4[pos + 4..pos + 8] == name {
            return Some(pos);
        }
        if size < 8 {
            return None;
        }
        pos += size;
    }
    None
}
