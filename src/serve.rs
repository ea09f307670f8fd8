//! `videoagent serve`: start-up, the HTTP server, workers, sweeper, shutdown.

use crate::config::{parse_duration, StorageArgs};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use videoagent_api::{ApiConfig, AppState};
use videoagent_blob::{BlobStore, LocalBlobStore, UrlSigner};
use videoagent_core::ids::IdGenerator;
use videoagent_core::keys::{generate_key, hash_key, key_hint, key_id};
use videoagent_core::{now_ms, Catalogue};
use videoagent_fetch::{FetchConfig, Fetcher};
use videoagent_render::{AudioCodec, TemplateRenderer};
use videoagent_store::{NewKey, Queue, Store};
use videoagent_worker::{CallbackConfig, SubjectCutter, WorkerConfig, WorkerDeps};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on.
    #[arg(long, env = "VIDEOAGENT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Base URL clients use to reach this server, for `video_url`; default `http://<listen address>`.
    #[arg(long, env = "VIDEOAGENT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Concurrent renders; default half the CPU cores, at least 1.
    #[arg(long, env = "VIDEOAGENT_WORKERS")]
    workers: Option<usize>,
    /// Seed this API key (idempotent) into the default account at start-up.
    #[arg(long, env = "VIDEOAGENT_BOOTSTRAP_KEY", hide_env_values = true)]
    bootstrap_key: Option<String>,
    /// Development only: let image downloads and callbacks reach loopback and private addresses.
    #[arg(long, env = "VIDEOAGENT_ALLOW_PRIVATE_MEDIA_HOSTS", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    allow_private_media_hosts: bool,
    /// How long tasks and videos are kept after creation.
    #[arg(long, env = "VIDEOAGENT_RETENTION", default_value = "7d", value_parser = parse_duration)]
    retention: Duration,
    /// How often expired tasks are deleted.
    #[arg(long, env = "VIDEOAGENT_SWEEP_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    sweep_interval: Duration,
    /// Lease a worker holds on a task; renewed every third of it.
    #[arg(long, env = "VIDEOAGENT_LEASE", default_value = "30s", value_parser = parse_duration)]
    lease: Duration,
    /// Longest a render may take before the task fails with 1001.
    #[arg(long, env = "VIDEOAGENT_RENDER_TIMEOUT", default_value = "10m", value_parser = parse_duration)]
    render_timeout: Duration,
    /// On SIGTERM, how long running renders may finish before they go back to the queue.
    #[arg(long, env = "VIDEOAGENT_SHUTDOWN_GRACE", default_value = "5s", value_parser = parse_duration)]
    shutdown_grace: Duration,
    /// Testing aid: slow every render down by this much per frame.
    #[arg(long, env = "VIDEOAGENT_DEBUG_FRAME_DELAY", default_value = "0s", value_parser = parse_duration, hide = true)]
    debug_frame_delay: Duration,
    /// Extra template files (`*.json`, the format of `crates/render/templates`); a file
    /// whose `id` matches a built-in template replaces it.
    #[arg(long, env = "VIDEOAGENT_TEMPLATES_DIR")]
    templates_dir: Option<std::path::PathBuf>,
    /// Soundtrack codec of the videos: opus, or aac in a build with `--features aac`.
    #[arg(long, env = "VIDEOAGENT_AUDIO_CODEC", default_value = "opus")]
    audio: AudioCodec,
    /// HMAC key for callback signatures; default: generated once into `<data-dir>/callback-secret.txt`.
    #[arg(long, env = "VIDEOAGENT_CALLBACK_SECRET", hide_env_values = true)]
    callback_secret: Option<String>,
    /// Status spelling in callback pushes: `query` (Processing/Success/Fail, as the query endpoint)
    /// or `lower` (processing/success/failed, as MiniMax's callback docs).
    #[arg(long, env = "VIDEOAGENT_CALLBACK_STATUS_CASE", default_value = "query", value_parser = ["query", "lower"])]
    callback_status_case: String,
    /// First retry delay of a failed push (doubles per try, capped at 1 h, for up to 24 h).
    #[arg(long, env = "VIDEOAGENT_CALLBACK_BACKOFF", default_value = "10s", value_parser = parse_duration)]
    callback_backoff: Duration,
    /// Time the receiver has to echo the challenge.
    #[arg(long, env = "VIDEOAGENT_CALLBACK_CHALLENGE_TIMEOUT", default_value = "3s", value_parser = parse_duration)]
    callback_challenge_timeout: Duration,
    /// Time the receiver has to answer a push.
    #[arg(long, env = "VIDEOAGENT_CALLBACK_PUSH_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    callback_push_timeout: Duration,
}

pub fn run(args: ServeArgs) -> Result<()> {
    init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(serve(args))
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("VIDEOAGENT_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(args: ServeArgs) -> Result<()> {
    let data_dir = args.storage.data_dir.clone();
    std::fs::create_dir_all(&data_dir).with_context(|| format!("creating data directory {}", data_dir.display()))?;
    // One process owns an embedded data directory, so every lease found at
    // start-up belongs to a dead process and can be reclaimed at once.
    let _lock = lock_data_dir(&data_dir)?;
    let store = args.storage.open_store().await?;
    // Only an embedded database is covered by the data-directory lock; a shared
    // database may have live workers elsewhere, whose leases simply expire.
    if args.storage.database_url.is_none() {
        let reaped = store.reap_all().await?;
        if reaped > 0 {
            tracing::info!(count = reaped, "returned unfinished tasks of a previous run to the queue");
        }
    }
    let secret = load_or_create_secret(&data_dir.join("secret.key"))?;
    seed_keys(store.as_ref(), args.bootstrap_key.as_deref()).await?;

    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("installing the metrics recorder")?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let bound = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{bound}"));

    let store: Arc<dyn Store> = store;
    let signer = Arc::new(UrlSigner::new(secret, &public_url));
    let blobs: Arc<dyn BlobStore> = Arc::new(LocalBlobStore::new(&data_dir).context("opening the blob directory")?);
    let catalogue = Arc::new(Catalogue::official());
    let wake = Arc::new(Notify::new());
    let node = store.allocate_node(now_ms()).await?;
    let api_config = ApiConfig {
        allow_private_hosts: args.allow_private_media_hosts,
        retention: args.retention,
        ..ApiConfig::default()
    };
    let state = AppState {
        store: store.clone(),
        blobs: blobs.clone(),
        signer: signer.clone(),
        catalogue: catalogue.clone(),
        ids: Arc::new(IdGenerator::new(node)),
        wake: wake.clone(),
        metrics: Some(metrics),
        config: Arc::new(api_config.clone()),
    };

    let mut renderer = TemplateRenderer::builtin();
    if let Some(dir) = &args.templates_dir {
        renderer = renderer.with_dir(dir).context("loading --templates-dir")?;
    }
    let workers =
        args.workers.unwrap_or_else(|| (std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) / 2).max(1));
    let fetcher =
        Fetcher::new(FetchConfig { allow_private: args.allow_private_media_hosts, ..FetchConfig::default() })?;
    let callback_fetcher = fetcher.clone();
    let deps = WorkerDeps {
        store: store.clone(),
        blobs: blobs.clone(),
        fetcher,
        renderer: Arc::new(renderer),
        catalogue,
        wake,
        cutter: Arc::new(SubjectCutter::new()),
    };
    let worker_config = WorkerConfig {
        workers,
        lease: args.lease,
        heartbeat: args.lease / 3,
        render_timeout: args.render_timeout,
        shutdown_grace: args.shutdown_grace,
        debug_frame_delay: args.debug_frame_delay,
        image_rules: api_config.image_rules,
        audio: args.audio,
        ..WorkerConfig::default()
    };

    let shutdown = CancellationToken::new();
    let worker_task = tokio::spawn(videoagent_worker::run_workers(deps, worker_config, shutdown.clone()));
    let callback_secret = match &args.callback_secret {
        Some(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => load_or_create_text_secret(&data_dir.join("callback-secret.txt"))?,
    };
    let callback_config = CallbackConfig {
        secret: callback_secret.into_bytes(),
        lowercase_status: args.callback_status_case == "lower",
        backoff_base: args.callback_backoff,
        challenge_timeout: args.callback_challenge_timeout,
        push_timeout: args.callback_push_timeout,
        ..CallbackConfig::default()
    };
    let callbacks = tokio::spawn(videoagent_worker::run_callbacks(
        store.clone(),
        callback_fetcher,
        signer,
        callback_config,
        shutdown.clone(),
    ));
    let sweeper = tokio::spawn(videoagent_worker::run_sweeper(
        store.clone(),
        blobs,
        args.retention,
        args.sweep_interval,
        shutdown.clone(),
    ));

    tracing::info!(%bound, %public_url, workers, audio = %args.audio, data_dir = %data_dir.display(), "videoagent ready");
    println!("videoagent listening on http://{bound}");
    let app = videoagent_api::router(state);
    let stop = shutdown.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: no new requests; running renders get the grace period");
            stop.cancel();
        })
        .await?;
    shutdown.cancel();
    // Renders finish within the grace period or are handed back to the queue.
    let _ = tokio::time::timeout(args.shutdown_grace + Duration::from_secs(3), worker_task).await;
    sweeper.abort();
    callbacks.abort();
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Creates the first key if there is none, and seeds the bootstrap key.
async fn seed_keys(store: &dyn Store, bootstrap: Option<&str>) -> Result<()> {
    let now = now_ms();
    if let Some(key) = bootstrap.map(str::trim).filter(|k| !k.is_empty()) {
        if key.is_empty() || key.len() > 1024 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            bail!("VIDEOAGENT_BOOTSTRAP_KEY must be 1-1024 visible ASCII characters");
        }
        let account = store.default_account(now).await?;
        let hash = hash_key(key);
        let record = NewKey {
            id: key_id(&hash),
            account_id: account,
            name: "bootstrap".into(),
            hash,
            hint: key_hint(key),
            created_at: now,
        };
        if store.insert_key(&record).await? {
            tracing::info!(key_id = %record.id, "seeded the bootstrap key");
        }
    }
    if store.count_keys().await? == 0 {
        let account = store.default_account(now).await?;
        let key = generate_key();
        let hash = hash_key(&key);
        let record = NewKey {
            id: key_id(&hash),
            account_id: account,
            name: "first-start".into(),
            hash,
            hint: key_hint(&key),
            created_at: now,
        };
        store.insert_key(&record).await?;
        eprintln!("\nNo API key existed, so one was created. It is shown only this once; keep it:\n\n    {key}\n");
    }
    Ok(())
}

/// Reads the server secret (HMAC key for video URLs), creating it on first start.
fn load_or_create_secret(path: &Path) -> Result<Vec<u8>> {
    let text = load_or_create_text_secret(path)?;
    hex::decode(&text).with_context(|| format!("{} is not valid hex", path.display()))
}

/// A 256-bit random secret as 64 hex characters, kept in `path` (mode 0600).
fn load_or_create_text_secret(path: &Path) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret: [u8; 32] = rand::random();
            let tmp = path.with_extension("tmp");
            {
                use std::io::Write;
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create(true).truncate(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
                f.write_all(hex::encode(secret).as_bytes())?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, path)?;
            Ok(hex::encode(secret))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// An exclusive lock on `<data-dir>/videoagent.lock`, held while the process lives.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join("videoagent.lock");
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            bail!("another videoagent process is already using the data directory {}", dir.display());
        }
    }
    Ok(file)
}
