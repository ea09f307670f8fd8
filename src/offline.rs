//! What `videoagent render` adds to the renderer when there is no server:
//! subject cut-outs cached by the image's content hash, and `--trace`.

use anyhow::{Context, Result};
use image::{GrayImage, RgbImage};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use videoagent_cutout::{Cutout, Cutter, DEFAULT_MAX_SIDE};
use videoagent_render::{RenderJob, TemplateRenderer};

/// `$XDG_CACHE_HOME/videoagent/cutouts`, else `~/.cache/videoagent/cutouts`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("videoagent").join("cutouts"))
}

/// The cut-outs of `slots` (others `None`): read from the cache when this
/// image was cut before, else made (and cached). Weak ones are `None`: the
/// template frames the photo; the verdict is printed either way.
pub fn cutouts(
    slots: &[usize],
    images: &[RgbImage],
    sources: &[Vec<u8>],
    cache: Option<&Path>,
) -> Vec<Option<GrayImage>> {
    let mut out = vec![None; images.len()];
    let mut cutter = None::<Option<Cutter>>;
    for &slot in slots {
        let (Some(image), Some(bytes)) = (images.get(slot), sources.get(slot)) else { continue };
        let file = cache.map(|dir| dir.join(format!("{}-{DEFAULT_MAX_SIDE}.png", hex::encode(Sha256::digest(bytes)))));
        let cached = file.as_ref().and_then(|f| std::fs::read(f).ok()).and_then(|png| Cutout::from_png(&png).ok());
        let cut = match cached {
            Some(cut) => cut,
            None => {
                let loaded = cutter.get_or_insert_with(|| match Cutter::load() {
                    Ok(c) if c.has_model() => Some(c),
                    Ok(_) => {
                        eprintln!("note: built without the cut-out model; photos are shown framed");
                        None
                    }
                    Err(e) => {
                        eprintln!("warning: {e}; photos are shown framed");
                        None
                    }
                });
                let Some(c) = loaded.as_ref() else { continue };
                match c.cut(image, DEFAULT_MAX_SIDE) {
                    Ok(cut) => {
                        if let (Some(f), Ok(png)) = (&file, cut.to_png()) {
                            // A cache that can't be written only costs time next run.
                            let _ = f.parent().map(std::fs::create_dir_all);
                            let _ = std::fs::write(f, png);
                        }
                        cut
                    }
                    Err(e) => {
                        eprintln!("warning: image {slot}: no cut-out ({e}); the photo is shown framed");
                        continue;
                    }
                }
            }
        };
        if cut.analysis.verdict.is_subject() {
            out[slot] = Some(cut.alpha);
        } else {
            eprintln!("note: image {slot}: weak cut-out ({}); the photo is shown framed", cut.analysis.verdict);
        }
    }
    out
}

/// Writes every frame's actor poses as JSON lines: `{"t": 1.24, "actors":
/// [{"name", "x", "y", "rotate", "scale_x", "scale_y", "opacity", "visible"}]}`.
pub fn write_trace(renderer: &TemplateRenderer, job: &RenderJob, path: &Path) -> Result<()> {
    let spec = renderer
        .spec(&job.template_id)
        .with_context(|| format!("--trace needs a template with a spec file; {} has none", job.template_id))?;
    let times: Vec<f32> = (0..spec.frames()).map(|i| i as f32 / spec.fps as f32).collect();
    let traces = videoagent_render::engine::trace(spec, job, &times)?;
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    for (t, actors) in times.iter().zip(traces) {
        let actors: Vec<_> = actors
            .iter()
            .map(|a| {
                let p = &a.pose;
                serde_json::json!({
                    "name": a.name, "x": p.x, "y": p.y, "rotate": p.rotate, "scale_x": p.scale_x,
                    "scale_y": p.scale_y, "opacity": p.opacity, "visible": a.visible,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::json!({ "t": t, "actors": actors }))?;
    }
    out.flush()?;
    Ok(())
}
