//! [`TestApp`]: the real `videoagent` binary on `127.0.0.1:0` with a fresh
//! data directory, and typed calls to its API.

use super::{wait_for, wait_for_blocking, KEY};
use serde::Deserialize;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A running server. Dropping it kills the process; the data directory lives
/// as long as this app and any app [restarted](TestApp::restart) from it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, as the server printed it.
    pub base: String,
    pub client: reqwest::Client,
    root: Arc<TempDir>,
    child: Option<Child>,
    stderr_log: PathBuf,
}

/// Extra arguments and environment for [`TestApp`]; `--listen 127.0.0.1:0`,
/// `--data-dir`, the bootstrap key [`KEY`] and `VIDEOAGENT_LOG=info` are always set
/// (the env given here wins).
#[derive(Default)]
pub struct Builder {
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Builder {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts the server on a fresh temporary data directory.
    pub fn spawn(self) -> TestApp {
        self.spawn_in(Arc::new(tempfile::tempdir().unwrap()))
    }

    fn spawn_in(self, root: Arc<TempDir>) -> TestApp {
        static N: AtomicU32 = AtomicU32::new(0);
        let stderr_log = root.path().join(format!("stderr-{}.log", N.fetch_add(1, Ordering::Relaxed)));
        let log = std::fs::File::create(&stderr_log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_videoagent"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(root.path().join("data"))
            .args(&self.args)
            .env_remove("VIDEOAGENT_LISTEN")
            .env("VIDEOAGENT_BOOTSTRAP_KEY", KEY)
            .env("VIDEOAGENT_LOG", "info")
            .envs(self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let mut child = cmd.spawn().expect("start videoagent");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("videoagent listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start:\n{}", std::fs::read_to_string(&stderr_log).unwrap_or_default());
            }
        };
        TestApp { base, client: reqwest::Client::new(), root, child: Some(child), stderr_log }
    }
}

impl TestApp {
    /// The server with default settings on a fresh data directory.
    pub fn spawn() -> TestApp {
        Builder::default().spawn()
    }

    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Starts the server again on this app's data directory (killing this
    /// process first if it still runs).
    pub fn restart(self, with: Builder) -> TestApp {
        let root = self.root.clone();
        drop(self);
        with.spawn_in(root)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything this process wrote on stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// `POST /v1/video_template_generation` with [`KEY`].
    pub async fn create(&self, body: &Value) -> CreateResp {
        self.create_with_key(KEY, body).await
    }

    pub async fn create_with_key(&self, key: &str, body: &Value) -> CreateResp {
        let resp = self
            .client
            .post(self.url("/v1/video_template_generation"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        CreateResp::from_json(resp.json().await.unwrap())
    }

    /// `GET /v1/query/video_template_generation` with [`KEY`].
    pub async fn query(&self, task_id: &str) -> QueryResp {
        self.query_with_key(KEY, task_id).await
    }

    pub async fn query_with_key(&self, key: &str, task_id: &str) -> QueryResp {
        let resp = self
            .client
            .get(self.url("/v1/query/video_template_generation"))
            .query(&[("task_id", task_id)])
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        QueryResp::from_json(resp.json().await.unwrap())
    }

    /// Polls until the task is `want` or finished, checking on the way that
    /// its status never moves backwards.
    pub async fn wait_for_status(&self, task_id: &str, want: Status, deadline: Duration) -> QueryResp {
        let mut last = Status::Preparing;
        let started = Instant::now();
        loop {
            let q = self.query(task_id).await;
            let status = q.status.unwrap_or_else(|| panic!("no status in {}", q.json));
            assert!(status >= last, "status moved backwards: {last:?} -> {status:?}");
            last = status;
            if status == want || status.is_terminal() {
                return q;
            }
            assert!(
                started.elapsed() < deadline,
                "task {task_id} still {status:?} after {deadline:?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until the task is `Success` or `Fail`.
    pub async fn wait_until_terminal(&self, task_id: &str, deadline: Duration) -> QueryResp {
        self.wait_for_status(task_id, Status::Success, deadline).await
    }

    /// A plain GET of a `video_url` (no key): the MP4's bytes.
    pub async fn download(&self, video_url: &str) -> Vec<u8> {
        let resp = self.client.get(video_url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {video_url}");
        assert_eq!(resp.headers()["content-type"], "video/mp4");
        resp.bytes().await.unwrap().to_vec()
    }

    pub async fn metrics(&self) -> Metrics {
        let resp = self.client.get(self.url("/metrics")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        Metrics(resp.text().await.unwrap())
    }

    /// Waits until a series (or the sum of a metric's series, see
    /// [`Metrics::sum`]) reaches `at_least`, and returns that scrape.
    pub async fn wait_for_metric(&self, series: &str, at_least: f64, deadline: Duration) -> Metrics {
        wait_for(&format!("{series} >= {at_least}"), deadline, async || {
            let m = self.metrics().await;
            let v = m.sum(series);
            if v >= at_least {
                Ok(m)
            } else {
                Err(v)
            }
        })
        .await
    }

    /// Waits until the callback dispatcher has nothing left to send of what
    /// is due now: an outbox poll that started after this call has finished,
    /// and no challenge or push is in flight. Whatever that poll found due
    /// has then been sent and answered.
    pub async fn wait_callbacks_idle(&self, deadline: Duration) {
        let polls = "videoagent_callback_polls_total";
        // The poll counted next may have started before this call; the one after it did not.
        let from = self.metrics().await.sum(polls) + 2.0;
        wait_for("callback dispatcher idle (polls done since, in flight)", deadline, async || {
            let m = self.metrics().await;
            let (done, in_flight) = (m.sum(polls), m.sum("videoagent_callback_in_flight"));
            if done >= from && in_flight == 0.0 {
                Ok(())
            } else {
                Err((done - from + 2.0, in_flight))
            }
        })
        .await
    }

    /// `kill -9`, and reaps the process.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, then waits up to `limit` for the process to exit.
    pub fn sigterm(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("running");
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let started = Instant::now();
        let status = wait_for_blocking("exit after SIGTERM", limit, || child.try_wait().unwrap().ok_or("running"));
        (status, started.elapsed())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A task's status as the query reports it, in the order it may move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Status {
    Preparing,
    Processing,
    Success,
    Fail,
}

impl Status {
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Success | Status::Fail)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BaseResp {
    pub status_code: i64,
    pub status_msg: String,
}

/// The create response; `json` is the whole body as sent.
#[derive(Clone, Debug, Deserialize)]
pub struct CreateResp {
    pub task_id: Option<String>,
    pub base_resp: BaseResp,
    #[serde(skip)]
    pub json: Value,
}

impl CreateResp {
    fn from_json(json: Value) -> Self {
        let mut r: Self = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}: {json}"));
        r.json = json;
        r
    }

    /// The task ID; panics (showing the body) if the create failed.
    pub fn id(&self) -> String {
        self.task_id.clone().unwrap_or_else(|| panic!("no task_id in {}", self.json))
    }
}

/// The query response; `json` is the whole body as sent.
#[derive(Clone, Debug, Deserialize)]
pub struct QueryResp {
    pub task_id: Option<String>,
    pub status: Option<Status>,
    pub video_url: Option<String>,
    pub base_resp: BaseResp,
    #[serde(skip)]
    pub json: Value,
}

impl QueryResp {
    fn from_json(json: Value) -> Self {
        let mut r: Self = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}: {json}"));
        r.json = json;
        r
    }

    /// The signed download URL; panics (showing the body) if there is none.
    pub fn video_url(&self) -> &str {
        self.video_url.as_deref().unwrap_or_else(|| panic!("no video_url in {}", self.json))
    }
}

/// A `/metrics` scrape (Prometheus text).
pub struct Metrics(String);

impl Metrics {
    /// The value of one series, `name{label="value",...}` as the exporter
    /// writes it, or the sum of every series of `name` (any labels); 0 if
    /// there is none yet.
    pub fn sum(&self, series: &str) -> f64 {
        let any_labels = !series.contains('{');
        self.0
            .lines()
            .filter(|l| {
                l.strip_prefix(series)
                    .is_some_and(|rest| rest.starts_with(' ') || (any_labels && rest.starts_with('{')))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl std::ops::Deref for Metrics {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
