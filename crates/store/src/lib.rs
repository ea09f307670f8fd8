//! Durable state behind narrow traits: tasks ([`TaskStore`]), the task queue
//! with leases ([`Queue`]) and API keys ([`KeyStore`]). `sqlite.rs` is the
//! embedded backend; a PostgreSQL backend will sit beside it with the same traits.
//!
//! Times are Unix milliseconds (`videoagent_core::now_ms`).
//!
//! `conformance` (in tests, or with the `conformance` feature) holds the cases every
//! backend must pass, written against these traits; a backend runs them all
//! with `conformance_suite!`.

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;
use videoagent_core::{TaskInputs, TaskStatus};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone)]
pub struct NewTask {
    pub id: String,
    pub account_id: i64,
    pub template_id: String,
    pub inputs: TaskInputs,
    pub callback_url: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub id: String,
    pub account_id: i64,
    pub template_id: String,
    pub inputs: TaskInputs,
    pub callback_url: Option<String>,
    pub status: TaskStatus,
    /// Non-zero API code of a `Fail`.
    pub error_code: Option<i32>,
    pub error_msg: Option<String>,
    /// Blob key of the finished video.
    pub video_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// How many times a worker has claimed this task (lost leases count).
    pub attempts: i64,
}

/// How a task ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success { video_key: String },
    Fail { code: i32, message: String },
}

impl Outcome {
    pub fn status(&self) -> TaskStatus {
        match self {
            Outcome::Success { .. } => TaskStatus::Success,
            Outcome::Fail { .. } => TaskStatus::Fail,
        }
    }
}

#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Stores a new `Preparing` task; it is durable when this returns.
    async fn insert_task(&self, task: &NewTask) -> Result<()>;
    /// A task of `account_id` created after `created_after` (tasks older than
    /// the retention window are invisible even before the sweeper deletes them).
    async fn get_task(&self, account_id: i64, id: &str, created_after: i64) -> Result<Option<TaskRecord>>;
    /// Deletes up to `limit` finished tasks created at or before `created_before`
    /// and returns them, so their blobs can be removed. Unfinished tasks are
    /// left alone until they finish.
    async fn delete_expired(&self, created_before: i64, limit: i64) -> Result<Vec<TaskRecord>>;
    /// Number of tasks in each status.
    async fn count_by_status(&self) -> Result<Vec<(TaskStatus, i64)>>;
}

/// The task queue. `push` is [`TaskStore::insert_task`]; the other verbs are
/// here. Every state change after a claim names the worker and succeeds only
/// while that worker still holds the lease.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Takes the oldest unfinished task that nobody holds (or whose lease has
    /// expired) and leases it to `worker` until `now + lease_ms`.
    async fn claim(&self, worker: &str, lease_ms: i64, now: i64) -> Result<Option<TaskRecord>>;
    /// Extends the lease; `false` if `worker` no longer holds it.
    async fn heartbeat(&self, task_id: &str, worker: &str, lease_ms: i64, now: i64) -> Result<bool>;
    /// Moves a held task to `Processing`, storing its prepared inputs.
    async fn start_processing(&self, task_id: &str, worker: &str, inputs: &TaskInputs, now: i64) -> Result<bool>;
    /// Finishes a held task; `false` if the lease was lost (nothing changes).
    async fn complete(&self, task_id: &str, worker: &str, outcome: &Outcome, now: i64) -> Result<bool>;
    /// Gives a held task back without counting a lost attempt (graceful shutdown).
    async fn release(&self, task_id: &str, worker: &str) -> Result<()>;
    /// Clears every lease (used when this process is known to be the only one
    /// using the database, so all leases belong to dead processes).
    async fn reap_all(&self) -> Result<u64>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Public handle (hex prefix of the hash).
    pub id: String,
    pub account_id: i64,
    pub account_name: String,
    pub name: String,
    pub hint: String,
    /// SHA-256 of the key, for the final constant-time comparison.
    pub hash: Vec<u8>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewKey {
    pub id: String,
    pub account_id: i64,
    pub name: String,
    pub hash: [u8; 32],
    pub hint: String,
    pub created_at: i64,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn create_account(&self, name: &str, now: i64) -> Result<i64>;
    /// The account of the first-start and bootstrap keys (created if missing).
    async fn default_account(&self, now: i64) -> Result<i64>;
    async fn account_exists(&self, id: i64) -> Result<bool>;
    /// Inserts a key unless one with the same hash exists; `true` if inserted.
    async fn insert_key(&self, key: &NewKey) -> Result<bool>;
    /// The live (not revoked) key with this hash.
    async fn find_active_key(&self, hash: &[u8; 32]) -> Result<Option<KeyRecord>>;
    async fn list_keys(&self) -> Result<Vec<KeyRecord>>;
    /// Revokes a key by its public id; `false` if no such live key.
    async fn revoke_key(&self, id: &str, now: i64) -> Result<bool>;
    /// All keys ever created, revoked ones included.
    async fn count_keys(&self) -> Result<i64>;
}

/// A status push that is due, with what its body needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DuePush {
    pub task_id: String,
    /// The same on every retry of one push; a newer status gets a new one.
    pub delivery_id: String,
    /// The status this push reports.
    pub status: TaskStatus,
    pub attempts: i64,
    pub first_attempt_at: Option<i64>,
    pub url: String,
    pub error_code: Option<i32>,
    pub error_msg: Option<String>,
}

/// Callback verification and the push outbox. Pushes are queued by
/// [`Queue::start_processing`] and [`Queue::complete`] in the same
/// transaction as the status change they report.
#[async_trait]
pub trait CallbackStore: Send + Sync {
    /// Takes callback URLs not challenged yet, `(task_id, url)`, and hides
    /// them from other claims until `hold_until` (a crash mid-challenge retries then).
    async fn claim_verifications(&self, now: i64, hold_until: i64, limit: i64) -> Result<Vec<(String, String)>>;
    /// Records the challenge result; a failure drops the task's pending pushes.
    async fn set_verification(&self, task_id: &str, passed: bool, reason: Option<&str>, now: i64) -> Result<()>;
    /// Takes pushes due now whose callback passed verification, oldest first,
    /// and hides them from other claims until `hold_until`.
    async fn claim_pushes(&self, now: i64, hold_until: i64, limit: i64) -> Result<Vec<DuePush>>;
    /// Marks a push delivered; `false` if a newer state replaced it meanwhile.
    async fn push_delivered(&self, task_id: &str, delivery_id: &str) -> Result<bool>;
    /// Records a failed attempt: try again at `next_attempt_at`, or drop it when `None`.
    async fn push_retry(
        &self,
        task_id: &str,
        delivery_id: &str,
        first_attempt_at: i64,
        next_attempt_at: Option<i64>,
    ) -> Result<()>;
}

/// Everything a videoagent process needs from its database.
#[async_trait]
pub trait Store: TaskStore + Queue + KeyStore + CallbackStore {
    /// A cheap query proving the database answers.
    async fn ping(&self) -> Result<()>;
    /// A number in 0..1000 unique among live processes, for task IDs.
    async fn allocate_node(&self, now: i64) -> Result<u64>;
}
