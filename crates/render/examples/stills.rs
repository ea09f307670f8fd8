//! Frames of a template file side by side, for looking at a template while
//! making it: `cargo run -p videoagent-render --example stills --
//! TEMPLATE.json IMAGE|- [--mask MASK.png] [--text T]... -o OUT.png TIMES...`
//! (each frame a third of its size).

use image::{imageops, GrayImage, RgbImage};
use videoagent_render::engine::{frame_of_spec, TemplateSpec};
use videoagent_render::RenderJob;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec = TemplateSpec::load(std::path::Path::new(&args.next().ok_or("template file")?))?;
    // `-`: no image (a template whose photo is optional).
    let image = match args.next().ok_or("image file")? {
        none if none == "-" => None,
        path => Some(image::open(path)?.to_rgb8()),
    };
    let (mut mask, mut texts, mut out, mut times) = (None::<GrayImage>, Vec::new(), None, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mask" => mask = Some(image::open(args.next().ok_or("mask file")?)?.to_luma8()),
            "--text" => texts.push(args.next().ok_or("text")?),
            "-o" => out = args.next(),
            t => times.push(t.parse::<f64>()?),
        }
    }
    let job = RenderJob {
        template_id: spec.id.clone(),
        template_name: spec.name.clone(),
        texts,
        images: image.into_iter().collect(),
        cutouts: vec![mask],
    };
    let (w, h) = (spec.width / 3, spec.height / 3);
    let mut sheet = RgbImage::new(w * times.len() as u32, h);
    for (i, &t) in times.iter().enumerate() {
        let frame = frame_of_spec(&spec, &job, t)?;
        let small = imageops::resize(&frame, w, h, imageops::FilterType::Triangle);
        imageops::replace(&mut sheet, &small, i64::from(w * i as u32), 0);
    }
    sheet.save(out.ok_or("-o OUT.png")?)?;
    Ok(())
}
