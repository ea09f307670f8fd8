//! Domain model of videoagent: tasks and their status machine, the one table of
//! API error codes, the template catalogue, task IDs and create-request validation.
//!
//! This crate knows nothing of HTTP, databases or pixels; every other crate may use it.

pub mod error;
pub mod ids;
pub mod keys;
pub mod status;
pub mod task;
pub mod templates;
pub mod validate;

pub use error::{ApiError, ErrorCode};
pub use status::TaskStatus;
pub use task::{MediaRef, TaskInputs};
pub use templates::{Catalogue, Template};

/// Milliseconds since the Unix epoch, the one clock unit stored everywhere.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
