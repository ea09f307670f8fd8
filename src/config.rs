//! Command-line and environment configuration shared by subcommands.

use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use videoagent_store::{SqliteStore, Store};

/// Where state lives.
#[derive(Args, Clone, Debug)]
pub struct StorageArgs {
    /// Directory for the embedded database, videos, input images and the server secret.
    #[arg(long, env = "VIDEOAGENT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL; default `sqlite://<data-dir>/videoagent.db`.
    #[arg(long, env = "VIDEOAGENT_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub async fn open_store(&self) -> Result<Arc<SqliteStore>> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        let store = match &self.database_url {
            Some(url) if url.starts_with("sqlite:") => SqliteStore::open_url(url).await,
            Some(url) => bail!("unsupported database URL {url:?}: only sqlite: URLs are supported in this version"),
            None => SqliteStore::open(&self.data_dir.join("videoagent.db")).await,
        }
        .context("opening the database")?;
        store.ping().await.context("database does not answer")?;
        Ok(Arc::new(store))
    }
}

/// Parses `500ms`, `30s`, `10m`, `9h`, `7d` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("invalid duration {s:?} (examples: 500ms, 30s, 10m, 9h, 7d)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        other => return Err(format!("unknown duration unit {other:?} (use ms, s, m, h or d)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("invalid duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86400));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("abc").is_err());
    }
}
