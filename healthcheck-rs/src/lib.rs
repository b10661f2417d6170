//! Health checks for real servers, as keepalived and HAProxy run them.
//!
//! A sans-IO scheduler decides when each check runs and what its result means
//! (interval, `fastinter`, `downinter`, rise/fall, retries, jitter, slowstart),
//! and probes do the talking: TCP connect, HTTP and HTTPS, SMTP, DNS, UDP, ICMP,
//! external scripts, files, HAProxy's `tcp-check` sequences, agent checks and
//! protocol checks. One check shared by several virtual servers is probed once.
//!
//! # Intended public API
//!
//! - `CheckSpec`: what to probe and how to judge it; conversions from `lbconf`'s
//!   keepalived checkers and HAProxy `server ... check` options.
//! - `Scheduler`: the sans-IO core (`handle_result`, `handle_timeout`,
//!   `poll_probe`, `poll_event`, `poll_timeout`) with per-target state and events.
//! - `probe` (feature `tokio`): async probes, each with a hard deadline.
//!
//! The implementation lands with the `healthcheck` issue; this crate currently
//! holds only its documentation, so that the workspace layout is settled first.
#![forbid(unsafe_code)]
