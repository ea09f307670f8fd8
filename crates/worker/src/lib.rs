//! The worker: claim a task with a lease → prepare its inputs (download, check,
//! store) → render → store the video → finish. Heartbeats keep the lease while
//! it works; losing the lease stops the render, and only the holder may finish.
//! Also the retention sweeper that deletes old tasks and their files.

pub mod callbacks;
mod cutouts;
mod prepare;
mod runner;
mod sweeper;

pub use callbacks::{run_callbacks, CallbackConfig};
pub use cutouts::{cutout_key, SubjectCutter};
pub use runner::{run_workers, WorkerConfig, WorkerDeps};
pub use sweeper::run_sweeper;
