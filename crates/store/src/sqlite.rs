//! The embedded backend: one SQLite file in WAL mode.

use crate::{
    CallbackStore, DuePush, KeyRecord, KeyStore, NewKey, NewTask, Outcome, Queue, Result, Store, StoreError,
    TaskRecord, TaskStore,
};
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::Row;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use videoagent_core::{TaskInputs, TaskStatus};

/// Schema migrations, applied in order; `PRAGMA user_version` counts how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    key_hash    BLOB NOT NULL UNIQUE,
    hint        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE TABLE tasks (
    id               TEXT PRIMARY KEY,
    account_id       INTEGER NOT NULL,
    template_id      TEXT NOT NULL,
    inputs           TEXT NOT NULL,
    callback_url     TEXT,
    status           TEXT NOT NULL,
    error_code       INTEGER,
    error_msg        TEXT,
    video_key        TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    claimed_by       TEXT,
    lease_expires_at INTEGER
);
CREATE INDEX tasks_open ON tasks(status, lease_expires_at) WHERE status IN ('Preparing', 'Processing');
CREATE INDEX tasks_created ON tasks(created_at);
CREATE TABLE nodes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE callbacks (
    task_id         TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    verification    TEXT NOT NULL DEFAULT 'pending',
    failure_reason  TEXT,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX callbacks_pending ON callbacks(verification) WHERE verification = 'pending';
CREATE TABLE outbox (
    task_id          TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    delivery_id      TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER,
    next_attempt_at  INTEGER NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at) WHERE state = 'pending';
"#,
    r#"
ALTER TABLE accounts ADD COLUMN is_default INTEGER;
CREATE UNIQUE INDEX accounts_one_default ON accounts(is_default) WHERE is_default = 1;
ALTER TABLE callbacks ADD COLUMN check_after INTEGER;
"#,
];

/// In the same transaction as a status change: the push that reports it.
/// One row per task, so a newer state replaces a push still waiting (api.md 6.2).
const QUEUE_PUSH: &str = "INSERT INTO outbox (task_id, delivery_id, status, next_attempt_at)
     SELECT task_id, lower(hex(randomblob(16))), ?, ? FROM callbacks WHERE task_id = ? AND verification != 'failed'
     ON CONFLICT (task_id) DO UPDATE SET delivery_id = excluded.delivery_id, status = excluded.status,
         attempts = 0, first_attempt_at = NULL, next_attempt_at = excluded.next_attempt_at, state = 'pending'";

const TASK_COLUMNS: &str = "id, account_id, template_id, inputs, callback_url, status, error_code, error_msg, \
     video_key, created_at, updated_at, attempts";

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL survives a process crash; FULL would also survive power loss.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::connect(options).await
    }

    /// Opens a `sqlite:` URL (as given in `VIDEOAGENT_DATABASE_URL`).
    pub async fn open_url(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<Self> {
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        // IMMEDIATE takes the write lock before reading the version, so two
        // processes opening a fresh shared database migrate one after the other.
        let mut conn = self.pool.acquire().await?;
        sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let applied = async {
            let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *conn).await?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                sqlx::raw_sql(sql).execute(&mut *conn).await?;
                sqlx::raw_sql(&format!("PRAGMA user_version = {}", i + 1)).execute(&mut *conn).await?;
            }
            Ok::<_, sqlx::Error>(())
        }
        .await;
        let end = if applied.is_ok() { "COMMIT" } else { "ROLLBACK" };
        sqlx::raw_sql(end).execute(&mut *conn).await?;
        applied?;
        Ok(())
    }
}

fn task_from_row(row: &SqliteRow) -> Result<TaskRecord> {
    let inputs: String = row.try_get("inputs")?;
    let status: String = row.try_get("status")?;
    Ok(TaskRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        template_id: row.try_get("template_id")?,
        inputs: serde_json::from_str(&inputs).map_err(|e| StoreError::Corrupt(format!("task inputs: {e}")))?,
        callback_url: row.try_get("callback_url")?,
        status: status.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        error_code: row.try_get("error_code")?,
        error_msg: row.try_get("error_msg")?,
        video_key: row.try_get("video_key")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        attempts: row.try_get("attempts")?,
    })
}

async fn queue_push(tx: &mut sqlx::SqliteConnection, task_id: &str, status: TaskStatus, now: i64) -> Result<()> {
    sqlx::query(QUEUE_PUSH).bind(status.as_str()).bind(now).bind(task_id).execute(tx).await?;
    Ok(())
}

fn inputs_json(inputs: &TaskInputs) -> String {
    serde_json::to_string(inputs).expect("TaskInputs always serialises")
}

/// `'Preparing','Processing'`: SQL list of states a task may leave for `to`.
fn from_states(to: TaskStatus) -> String {
    TaskStatus::predecessors(to).iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",")
}

#[async_trait]
impl TaskStore for SqliteStore {
    async fn insert_task(&self, t: &NewTask) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tasks (id, account_id, template_id, inputs, callback_url, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&t.id)
        .bind(t.account_id)
        .bind(&t.template_id)
        .bind(inputs_json(&t.inputs))
        .bind(&t.callback_url)
        .bind(TaskStatus::Preparing.as_str())
        .bind(t.created_at)
        .bind(t.created_at)
        .execute(&mut *tx)
        .await?;
        if let Some(url) = &t.callback_url {
            sqlx::query("INSERT INTO callbacks (task_id, url, updated_at) VALUES (?, ?, ?)")
                .bind(&t.id)
                .bind(url)
                .bind(t.created_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_task(&self, account_id: i64, id: &str, created_after: i64) -> Result<Option<TaskRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE id = ? AND account_id = ? AND created_at > ?"
        ))
        .bind(id)
        .bind(account_id)
        .bind(created_after)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    async fn delete_expired(&self, created_before: i64, limit: i64) -> Result<Vec<TaskRecord>> {
        let rows = sqlx::query(&format!(
            "DELETE FROM tasks WHERE id IN (
                 SELECT id FROM tasks WHERE created_at <= ? AND status IN ('Success', 'Fail') LIMIT ?)
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(created_before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_from_row).collect()
    }

    async fn count_by_status(&self) -> Result<Vec<(TaskStatus, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status").fetch_all(&self.pool).await?;
        let mut counts: Vec<(TaskStatus, i64)> = TaskStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let status: String = row.try_get("status")?;
            let n: i64 = row.try_get("n")?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| s.as_str() == status) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }
}

#[async_trait]
impl Queue for SqliteStore {
    async fn claim(&self, worker: &str, lease_ms: i64, now: i64) -> Result<Option<TaskRecord>> {
        // One statement, so two claimers can never take the same task.
        let row = sqlx::query(&format!(
            "UPDATE tasks SET claimed_by = ?, lease_expires_at = ?, attempts = attempts + 1
             WHERE id = (
                 SELECT id FROM tasks
                 WHERE status IN ('Preparing', 'Processing')
                   AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                 ORDER BY id LIMIT 1)
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    async fn heartbeat(&self, task_id: &str, worker: &str, lease_ms: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE tasks SET lease_expires_at = ?
             WHERE id = ? AND claimed_by = ? AND lease_expires_at >= ? AND status IN ('Preparing', 'Processing')",
        )
        .bind(now + lease_ms)
        .bind(task_id)
        .bind(worker)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn start_processing(&self, task_id: &str, worker: &str, inputs: &TaskInputs, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE tasks SET status = 'Processing', inputs = ?, updated_at = ?
             WHERE id = ? AND claimed_by = ? AND lease_expires_at >= ? AND status IN ({})",
            from_states(TaskStatus::Processing)
        ))
        .bind(inputs_json(inputs))
        .bind(now)
        .bind(task_id)
        .bind(worker)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        queue_push(&mut tx, task_id, TaskStatus::Processing, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn complete(&self, task_id: &str, worker: &str, outcome: &Outcome, now: i64) -> Result<bool> {
        let to = outcome.status();
        let (code, msg, video) = match outcome {
            Outcome::Success { video_key } => (None, None, Some(video_key.as_str())),
            Outcome::Fail { code, message } => (Some(*code), Some(message.as_str()), None),
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE tasks SET status = ?, error_code = ?, error_msg = ?, video_key = ?, updated_at = ?,
                              claimed_by = NULL, lease_expires_at = NULL
             WHERE id = ? AND claimed_by = ? AND lease_expires_at >= ? AND status IN ({})",
            from_states(to)
        ))
        .bind(to.as_str())
        .bind(code)
        .bind(msg)
        .bind(video)
        .bind(now)
        .bind(task_id)
        .bind(worker)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        queue_push(&mut tx, task_id, to, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn release(&self, task_id: &str, worker: &str) -> Result<()> {
        sqlx::query(
            "UPDATE tasks SET claimed_by = NULL, lease_expires_at = NULL, attempts = MAX(attempts - 1, 0)
             WHERE id = ? AND claimed_by = ? AND status IN ('Preparing', 'Processing')",
        )
        .bind(task_id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reap_all(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE tasks SET claimed_by = NULL, lease_expires_at = NULL
             WHERE claimed_by IS NOT NULL AND status IN ('Preparing', 'Processing')",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

fn key_from_row(row: &SqliteRow) -> Result<KeyRecord> {
    Ok(KeyRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        account_name: row.try_get("account_name")?,
        name: row.try_get("name")?,
        hint: row.try_get("hint")?,
        hash: row.try_get("key_hash")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const KEY_SELECT: &str =
    "SELECT k.id, k.account_id, a.name AS account_name, k.name, k.hint, k.key_hash, k.created_at, k.revoked_at
     FROM api_keys k JOIN accounts a ON a.id = k.account_id";

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_account(&self, name: &str, now: i64) -> Result<i64> {
        let id: i64 = sqlx::query_scalar("INSERT INTO accounts (name, created_at) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    async fn default_account(&self, now: i64) -> Result<i64> {
        // Marked by a unique flag, not by id: accounts created by `keys create`
        // before the first start must never become the default account.
        sqlx::query(
            "INSERT INTO accounts (name, created_at, is_default) VALUES ('default', ?, 1) ON CONFLICT DO NOTHING",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar("SELECT id FROM accounts WHERE is_default = 1").fetch_one(&self.pool).await?)
    }

    async fn account_exists(&self, id: i64) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE id = ?").bind(id).fetch_one(&self.pool).await?;
        Ok(n > 0)
    }

    async fn insert_key(&self, key: &NewKey) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO api_keys (id, account_id, name, key_hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(&key.id)
        .bind(key.account_id)
        .bind(&key.name)
        .bind(&key.hash[..])
        .bind(&key.hint)
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_active_key(&self, hash: &[u8; 32]) -> Result<Option<KeyRecord>> {
        let row = sqlx::query(&format!("{KEY_SELECT} WHERE k.key_hash = ? AND k.revoked_at IS NULL"))
            .bind(&hash[..])
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn list_keys(&self) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(&format!("{KEY_SELECT} ORDER BY k.created_at, k.id")).fetch_all(&self.pool).await?;
        rows.iter().map(key_from_row).collect()
    }

    async fn revoke_key(&self, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_keys(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM api_keys").fetch_one(&self.pool).await?)
    }
}

#[async_trait]
impl CallbackStore for SqliteStore {
    async fn claim_verifications(&self, now: i64, hold_until: i64, limit: i64) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "UPDATE callbacks SET check_after = ?
             WHERE task_id IN (
                 SELECT task_id FROM callbacks
                 WHERE verification = 'pending' AND (check_after IS NULL OR check_after <= ?)
                 ORDER BY task_id LIMIT ?)
             RETURNING task_id, url",
        )
        .bind(hold_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("task_id")?, r.try_get("url")?))).collect()
    }

    async fn set_verification(&self, task_id: &str, passed: bool, reason: Option<&str>, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE callbacks SET verification = ?, failure_reason = ?, updated_at = ?
             WHERE task_id = ? AND verification = 'pending'",
        )
        .bind(if passed { "passed" } else { "failed" })
        .bind(reason)
        .bind(now)
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
        if !passed {
            sqlx::query("UPDATE outbox SET state = 'dropped' WHERE task_id = ? AND state = 'pending'")
                .bind(task_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_pushes(&self, now: i64, hold_until: i64, limit: i64) -> Result<Vec<DuePush>> {
        // Claiming moves `next_attempt_at` past the attempt, so a push in flight
        // (or queued behind a slow host) is not picked again meanwhile.
        let rows = sqlx::query(
            "WITH due AS (
                 SELECT o.task_id FROM outbox o JOIN callbacks c ON c.task_id = o.task_id
                 WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND c.verification = 'passed'
                 ORDER BY o.next_attempt_at LIMIT ?)
             UPDATE outbox SET next_attempt_at = ? WHERE task_id IN (SELECT task_id FROM due)
             RETURNING task_id, delivery_id, status, attempts, first_attempt_at,
                 (SELECT url FROM callbacks c WHERE c.task_id = outbox.task_id) AS url,
                 (SELECT error_code FROM tasks t WHERE t.id = outbox.task_id) AS error_code,
                 (SELECT error_msg FROM tasks t WHERE t.id = outbox.task_id) AS error_msg",
        )
        .bind(now)
        .bind(limit)
        .bind(hold_until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(DuePush {
                    task_id: r.try_get("task_id")?,
                    delivery_id: r.try_get("delivery_id")?,
                    status: status.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    attempts: r.try_get("attempts")?,
                    first_attempt_at: r.try_get("first_attempt_at")?,
                    url: r.try_get("url")?,
                    error_code: r.try_get("error_code")?,
                    error_msg: r.try_get("error_msg")?,
                })
            })
            .collect()
    }

    async fn push_delivered(&self, task_id: &str, delivery_id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'delivered', attempts = attempts + 1
             WHERE task_id = ? AND delivery_id = ? AND state = 'pending'",
        )
        .bind(task_id)
        .bind(delivery_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn push_retry(
        &self,
        task_id: &str,
        delivery_id: &str,
        first_attempt_at: i64,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?),
                               next_attempt_at = COALESCE(?, next_attempt_at),
                               state = CASE WHEN ? IS NULL THEN 'dropped' ELSE 'pending' END
             WHERE task_id = ? AND delivery_id = ? AND state = 'pending'",
        )
        .bind(first_attempt_at)
        .bind(next_attempt_at)
        .bind(next_attempt_at)
        .bind(task_id)
        .bind(delivery_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn allocate_node(&self, now: i64) -> Result<u64> {
        let id: i64 = sqlx::query_scalar("INSERT INTO nodes (started_at) VALUES (?) RETURNING id")
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok((id as u64) % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use videoagent_core::MediaRef;

    // Every trait-level case, against a fresh database file each.
    crate::conformance_suite!(conformance, || async {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).await.unwrap();
        (store, dir)
    });

    fn task(id: &str, now: i64) -> NewTask {
        NewTask {
            id: id.into(),
            account_id: 1,
            template_id: "393769180141805569".into(),
            inputs: TaskInputs { texts: vec!["狮子".into()], media: vec![MediaRef::Url("https://x.y/z".into())] },
            callback_url: Some("https://cb.example/hook".into()),
            created_at: now,
        }
    }

    async fn user_version(s: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA user_version").fetch_one(&s.pool).await.unwrap()
    }

    #[tokio::test]
    async fn opens_in_wal_mode_with_foreign_keys_and_the_latest_schema() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("db.sqlite")).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&s.pool).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&s.pool).await.unwrap();
        assert_eq!(fk, 1, "retention relies on ON DELETE CASCADE");
        assert_eq!(user_version(&s).await, MIGRATIONS.len() as i64);
    }

    #[tokio::test]
    async fn reopening_keeps_everything_and_migrates_nothing_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let s = SqliteStore::open(&path).await.unwrap();
        let t = task("100000000000000001", 0);
        s.insert_task(&t).await.unwrap();
        s.set_verification(&t.id, true, None, 1).await.unwrap();
        let c = s.claim("w", 60_000, 2).await.unwrap().unwrap();
        assert!(s.start_processing(&c.id, "w", &c.inputs, 3).await.unwrap());
        let push = s.claim_pushes(10, 20, 10).await.unwrap().remove(0);
        s.pool.close().await;
        drop(s);

        // A restart: the same file, opened by the URL form this time.
        let url = format!("sqlite://{}", path.display());
        let s = SqliteStore::open_url(&url).await.unwrap();
        assert_eq!(user_version(&s).await, MIGRATIONS.len() as i64);
        let got = s.get_task(1, &t.id, -1).await.unwrap().unwrap();
        assert_eq!((got.status, got.attempts), (TaskStatus::Processing, 1));
        assert_eq!(s.reap_all().await.unwrap(), 1, "the dead process's lease");
        let again = s.claim_pushes(20, 30, 10).await.unwrap();
        assert_eq!(again[0].delivery_id, push.delivery_id, "the delivery id survives a restart");
    }
}
