//! The end-to-end suite, one test binary: each module starts the real
//! `videoagent` binary ([`support::TestApp`]) and drives it over HTTP,
//! decoding the MP4s it makes.
//!
//! Nothing here sleeps a fixed time and then checks: tests wait on a
//! condition (the receiver's log, a task's status, a metric the server
//! exposes) with a deadline.

mod support;

mod callbacks;
mod errors;
mod flow;
mod lifecycle;
mod media;
mod ops;
