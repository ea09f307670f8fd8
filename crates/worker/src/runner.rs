//! The claim → prepare → render → finish loop.

use crate::cutouts::{cutouts, SubjectCutter};
use crate::prepare::{load_images, store_remote_inputs, PrepareError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use videoagent_blob::{video_key, BlobStore};
use videoagent_core::{now_ms, ApiError, Catalogue, ErrorCode, TaskStatus};
use videoagent_fetch::Fetcher;
use videoagent_media::ImageRules;
use videoagent_render::{AudioCodec, RenderControl, RenderError, RenderJob, Renderer};
use videoagent_store::{Outcome, Store, TaskRecord};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Renders this process runs at once.
    pub workers: usize,
    pub lease: Duration,
    pub heartbeat: Duration,
    /// How often an idle worker looks for work when not woken.
    pub poll_interval: Duration,
    /// A task claimed more often than this (lost leases) fails.
    pub max_attempts: i64,
    pub render_timeout: Duration,
    /// On shutdown, running renders get this long to finish before they are returned to the queue.
    pub shutdown_grace: Duration,
    /// Testing aid: sleep this long after each frame, to make renders slow on purpose.
    pub debug_frame_delay: Duration,
    pub image_rules: ImageRules,
    /// Codec of the videos' soundtracks.
    pub audio: AudioCodec,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            workers: 1,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
            max_attempts: 3,
            render_timeout: Duration::from_secs(600),
            shutdown_grace: Duration::from_secs(5),
            debug_frame_delay: Duration::ZERO,
            image_rules: ImageRules::default(),
            audio: AudioCodec::default(),
        }
    }
}

#[derive(Clone)]
pub struct WorkerDeps {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub fetcher: Fetcher,
    pub renderer: Arc<dyn Renderer>,
    pub catalogue: Arc<Catalogue>,
    /// Poked by the API when a task is created, so idle workers start at once.
    pub wake: Arc<Notify>,
    /// Cuts subjects out of photos for templates whose actors show them.
    pub cutter: Arc<SubjectCutter>,
}

/// Runs `config.workers` workers until `shutdown` is cancelled and their current tasks are settled.
pub async fn run_workers(deps: WorkerDeps, config: WorkerConfig, shutdown: CancellationToken) {
    let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
    let handles: Vec<_> = (0..config.workers.max(1))
        .map(|n| {
            let worker = Worker {
                id: format!("{instance}-{n}"),
                deps: deps.clone(),
                config: config.clone(),
                shutdown: shutdown.clone(),
            };
            tokio::spawn(worker.run())
        })
        .collect();
    for h in handles {
        let _ = h.await;
    }
}

struct Worker {
    id: String,
    deps: WorkerDeps,
    config: WorkerConfig,
    shutdown: CancellationToken,
}

/// Why a running task stopped early.
#[derive(Default)]
struct StopFlags {
    cancel: AtomicBool,
    lease_lost: AtomicBool,
    timed_out: AtomicBool,
    shutting_down: AtomicBool,
}

impl Worker {
    async fn run(self) {
        while !self.shutdown.is_cancelled() {
            let lease_ms = self.config.lease.as_millis() as i64;
            match self.deps.store.claim(&self.id, lease_ms, now_ms()).await {
                Ok(Some(task)) => self.process(task).await,
                Ok(None) => {
                    tokio::select! {
                        _ = self.deps.wake.notified() => {}
                        _ = tokio::time::sleep(self.config.poll_interval) => {}
                        _ = self.shutdown.cancelled() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "claim failed");
                    tokio::time::sleep(self.config.poll_interval).await;
                }
            }
        }
    }

    async fn process(&self, task: TaskRecord) {
        let span = tracing::info_span!("task", task_id = %task.id, attempt = task.attempts);
        self.process_in_span(task).instrument(span).await
    }

    async fn process_in_span(&self, task: TaskRecord) {
        tracing::info!(status = %task.status, "claimed task");
        if task.attempts > self.config.max_attempts {
            let err = ApiError::with_detail(ErrorCode::Unknown, "render attempts exhausted");
            self.finish(&task, Outcome::Fail { code: err.code.code(), message: err.message }).await;
            return;
        }
        let flags = Arc::new(StopFlags::default());
        let watcher = self.spawn_watcher(&task.id, flags.clone());
        let outcome = self.prepare_and_render(&task, &flags).await;
        watcher.abort();
        match outcome {
            Ok(outcome) => self.finish(&task, outcome).await,
            Err(Stopped::Requeue(why)) => {
                tracing::info!(reason = %why, "returning task to the queue");
                if let Err(e) = self.deps.store.release(&task.id, &self.id).await {
                    tracing::warn!(error = %e, "could not release task; its lease will expire");
                }
            }
            Err(Stopped::LeaseLost) => {
                tracing::warn!("lease lost; another worker owns the task now")
            }
            Err(Stopped::Retry(why)) => {
                // Leave the lease to expire: the task is retried later, counting an attempt.
                tracing::warn!(reason = %why, "task hit an internal error; it will be retried");
            }
        }
    }

    /// Heartbeats the lease; sets the stop flags on lease loss, timeout and shutdown.
    fn spawn_watcher(&self, task_id: &str, flags: Arc<StopFlags>) -> tokio::task::JoinHandle<()> {
        let (store, id, task_id) = (self.deps.store.clone(), self.id.clone(), task_id.to_string());
        let (lease, beat, timeout, grace) =
            (self.config.lease, self.config.heartbeat, self.config.render_timeout, self.config.shutdown_grace);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + timeout;
            let mut shutdown_at: Option<tokio::time::Instant> = None;
            loop {
                let next_beat = tokio::time::sleep(beat);
                tokio::select! {
                    _ = next_beat => {
                        match store.heartbeat(&task_id, &id, lease.as_millis() as i64, now_ms()).await {
                            Ok(true) => {}
                            Ok(false) => {
                                flags.lease_lost.store(true, Ordering::SeqCst);
                                flags.cancel.store(true, Ordering::SeqCst);
                                return;
                            }
                            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
                        }
                    }
                    _ = tokio::time::sleep_until(deadline) => {
                        flags.timed_out.store(true, Ordering::SeqCst);
                        flags.cancel.store(true, Ordering::SeqCst);
                        return;
                    }
                    _ = shutdown.cancelled(), if shutdown_at.is_none() => {
                        flags.shutting_down.store(true, Ordering::SeqCst);
                        shutdown_at = Some(tokio::time::Instant::now() + grace);
                    }
                    _ = async { tokio::time::sleep_until(shutdown_at.unwrap()).await }, if shutdown_at.is_some() => {
                        flags.cancel.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            }
        })
    }

    async fn prepare_and_render(&self, task: &TaskRecord, flags: &Arc<StopFlags>) -> Result<Outcome, Stopped> {
        let deps = &self.deps;
        let mut inputs = task.inputs.clone();
        if task.status == TaskStatus::Preparing {
            match store_remote_inputs(&task.id, &inputs, &deps.fetcher, deps.blobs.as_ref(), &self.config.image_rules)
                .await
            {
                Ok(stored) => inputs = stored,
                Err(PrepareError::Input(e)) => return Ok(fail(e)),
                Err(PrepareError::Internal(e)) => return Err(Stopped::Retry(e)),
            }
            if self.shutdown.is_cancelled() {
                return Err(Stopped::Requeue("shutdown".into()));
            }
        }
        let images = match load_images(&inputs, deps.blobs.as_ref(), self.config.image_rules).await {
            Ok(images) => images,
            Err(PrepareError::Input(e)) => return Ok(fail(e)),
            Err(PrepareError::Internal(e)) => return Err(Stopped::Retry(e)),
        };
        // Made (and stored) while Preparing; read back on later attempts.
        let slots = deps.renderer.cutout_slots(&task.template_id);
        let cutouts = match cutouts(&task.id, &images, &slots, &deps.cutter, deps.blobs.as_ref()).await {
            Ok(cutouts) => cutouts,
            Err(PrepareError::Input(e)) => return Ok(fail(e)),
            Err(PrepareError::Internal(e)) => return Err(Stopped::Retry(e)),
        };
        if task.status == TaskStatus::Preparing {
            match deps.store.start_processing(&task.id, &self.id, &inputs, now_ms()).await {
                Ok(true) => tracing::info!("processing"),
                Ok(false) => return Err(Stopped::LeaseLost),
                Err(e) => return Err(Stopped::Retry(e.to_string())),
            }
        }
        let template = deps.catalogue.get(&task.template_id);
        let job = RenderJob {
            cutouts,
            template_id: task.template_id.clone(),
            template_name: template.map(|t| t.name_en.clone()).unwrap_or_default(),
            texts: template.map(|t| t.slot_values(&inputs.texts)).unwrap_or_else(|| inputs.texts.clone()),
            images,
        };
        let out = deps.blobs.scratch_dir().join(format!("render-{}-{}.mp4", task.id, self.id));
        let renderer = deps.renderer.clone();
        let (flags2, out2, delay, audio) =
            (flags.clone(), out.clone(), self.config.debug_frame_delay, self.config.audio);
        let started = Instant::now();
        let frames_done = metrics::counter!("videoagent_render_frames_total");
        let result = tokio::task::spawn_blocking(move || {
            let progress = |_done: u32, _total: u32| {
                frames_done.increment(1);
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
            };
            let ctl =
                RenderControl { cancel: &flags2.cancel, progress: &progress, audio, lanes: videoagent_render::LANES };
            renderer.render(&job, &out2, &ctl)
        })
        .await
        .unwrap_or_else(|e| Err(RenderError::Encode(format!("render thread panicked: {e}"))));
        metrics::histogram!("videoagent_render_seconds").record(started.elapsed().as_secs_f64());
        match result {
            Ok(summary) => {
                tracing::info!(frames = summary.frames, secs = started.elapsed().as_secs_f64(), "rendered");
                // Only the lease holder may publish the video: check (and renew) first.
                let lease_ms = self.config.lease.as_millis() as i64;
                match deps.store.heartbeat(&task.id, &self.id, lease_ms, now_ms()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = tokio::fs::remove_file(&out).await;
                        return Err(Stopped::LeaseLost);
                    }
                    Err(e) => return Err(Stopped::Retry(e.to_string())),
                }
                let key = video_key(&task.id);
                deps.blobs.put_file(&key, &out).await.map_err(|e| Stopped::Retry(e.to_string()))?;
                Ok(Outcome::Success { video_key: key })
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&out).await;
                if flags.lease_lost.load(Ordering::SeqCst) {
                    Err(Stopped::LeaseLost)
                } else if flags.timed_out.load(Ordering::SeqCst) {
                    tracing::warn!(limit_secs = self.config.render_timeout.as_secs(), "render time limit exceeded");
                    Ok(fail(ApiError::new(ErrorCode::Timeout)))
                } else if flags.shutting_down.load(Ordering::SeqCst) && matches!(e, RenderError::Cancelled) {
                    Err(Stopped::Requeue("shutdown".into()))
                } else {
                    tracing::error!(error = %e, "render failed");
                    Ok(fail(ApiError::with_detail(ErrorCode::Unknown, e)))
                }
            }
        }
    }

    async fn finish(&self, task: &TaskRecord, outcome: Outcome) {
        let (status, code) = match &outcome {
            Outcome::Success { .. } => ("Success", 0),
            Outcome::Fail { code, message } => {
                tracing::info!(code, message = %message, "task failed");
                ("Fail", *code)
            }
        };
        match self.deps.store.complete(&task.id, &self.id, &outcome, now_ms()).await {
            Ok(true) => {
                tracing::info!(status, "task finished");
                metrics::counter!("videoagent_tasks_finished_total", "status" => status, "code" => code.to_string())
                    .increment(1);
            }
            Ok(false) => {
                tracing::warn!("lease lost before finishing; the new holder will finish the task")
            }
            Err(e) => {
                tracing::error!(error = %e, "could not store task outcome; it will be retried")
            }
        }
    }
}

fn fail(e: ApiError) -> Outcome {
    Outcome::Fail { code: e.code.code(), message: e.message }
}

enum Stopped {
    /// Give the task back now (graceful shutdown).
    Requeue(String),
    LeaseLost,
    /// Internal failure: let the lease expire so the task is tried again.
    Retry(String),
}
