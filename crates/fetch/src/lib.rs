//! The one outbound HTTP client. Every request the server makes to a
//! user-supplied URL (image downloads, callbacks) goes through [`Fetcher`],
//! which refuses loopback/private/link-local/… addresses (literal or resolved),
//! pins the connection to the address it checked, re-checks every redirect,
//! and caps time and size.

mod classify;
mod fetcher;

pub use classify::{refusal_reason, IpClass};
pub use fetcher::{check_url_at_create, FetchConfig, FetchError, Fetcher, HostResolver, SystemResolver};
