//! The end-to-end suite, one test binary: each module starts the real
//! `videoagent` binary ([`support::TestApp`]) and drives it over HTTP (or, in
//! `templates`, through `videoagent render`), decoding the MP4s it makes.
//! `fuzz_corpus` replays the fuzz corpora on stable.
//!
//! Nothing here sleeps a fixed time and then checks: tests wait on a
//! condition (the receiver's log, a task's status, a metric the server
//! exposes) with a deadline.

mod support;

mod callbacks;
mod cutouts;
mod errors;
mod flow;
mod fuzz_corpus;
mod lifecycle;
mod media;
mod ops;
mod templates;
