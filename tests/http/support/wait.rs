//! Waiting on a condition instead of sleeping a fixed time: poll until it
//! holds, or fail after a deadline with the last state seen.

use std::fmt::Debug;
use std::time::{Duration, Instant};

const INTERVAL: Duration = Duration::from_millis(50);

/// Polls `check` every 50 ms until it returns `Ok`, and returns that value.
/// After `deadline` it panics with `what` and the last `Err` (the state the
/// condition was waiting on).
pub async fn wait_for<T, E: Debug>(what: &str, deadline: Duration, mut check: impl AsyncFnMut() -> Result<T, E>) -> T {
    let started = Instant::now();
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) if started.elapsed() >= deadline => {
                panic!("{what}: not so after {deadline:?}; last seen: {last:?}")
            }
            Err(_) => tokio::time::sleep(INTERVAL).await,
        }
    }
}

/// [`wait_for`] for synchronous code (polls every 20 ms).
pub fn wait_for_blocking<T, E: Debug>(what: &str, deadline: Duration, mut check: impl FnMut() -> Result<T, E>) -> T {
    let started = Instant::now();
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) if started.elapsed() >= deadline => {
                panic!("{what}: not so after {deadline:?}; last seen: {last:?}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
