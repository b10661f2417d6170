//! Health checks for real servers, as keepalived and HAProxy run them.
//!
//! A sans-IO [`Scheduler`] decides when each check runs and what its results
//! mean (interval, `fastinter`, `downinter`, timeout, rise/fall, keepalived's
//! `retry`, `warmup`/`spread-checks` jitter from a seeded RNG, initial state,
//! slowstart, dynamic weights), and probes do the talking (feature `tokio`,
//! on by default): TCP connect, HTTP and HTTPS, SMTP, DNS, UDP, ICMP,
//! external programs, files, HAProxy's `tcp-check` sequences, agent checks
//! and protocol checks. One check shared by several virtual servers is
//! probed once and its events fanned out to every subscriber.
//!
//! - [`spec`]: [`CheckSpec`], what to probe and how to judge it.
//! - [`sched`]: the [`Scheduler`].
//! - [`reply`]: pure parsers and matchers of server replies, shared by the
//!   probes and fuzzed.
//! - `convert` (feature `lbconf`): check specs from parsed
//!   `keepalived.conf` and `haproxy.cfg` files.
//! - `probe` and `runner` (feature `tokio`): the async probes and a
//!   [`Runner`](runner::Runner) that drives the scheduler with them.
//!
//! # The driver loop
//!
//! The scheduler is driven the same way whatever the IO layer; this is what
//! [`Runner`](runner::Runner) does on tokio:
//!
//! ```no_run
//! use std::time::{Duration, Instant};
//! use healthcheck::{CheckSpec, Event, Outcome, Probe, Scheduler, SchedulerConfig, spec::Connect};
//!
//! let mut sched = Scheduler::new(SchedulerConfig::default()).unwrap();
//! let spec = CheckSpec::new("127.0.0.1:80".parse().unwrap(), Probe::Tcp(Connect::default()));
//! sched.subscribe(Instant::now(), spec).unwrap();
//! loop {
//!     let now = Instant::now();
//!     sched.handle_timeout(now);
//!     while let Some(req) = sched.poll_probe(now) {
//!         // Start the probe (here: pretend it passed at once) and hand its
//!         // result back when it finishes, with its attempt id.
//!         sched.handle_result(Instant::now(), req.attempt, Outcome::pass());
//!     }
//!     while let Some(event) = sched.poll_event() {
//!         if let Event::Transition { sub, to, outcome, .. } = event {
//!             println!("{sub:?} is now {to:?}: {outcome}");
//!         }
//!     }
//!     // Sleep until the next deadline or until a probe finishes.
//!     let next = sched.poll_timeout().unwrap_or(now + Duration::from_secs(1));
//!     std::thread::sleep(next.saturating_duration_since(Instant::now()));
//! }
//! ```
// `unsafe` is allowed only in `probe::reuse` (an AF_UNSPEC address and a
// reactor registration, each with its SAFETY argument).
#![deny(unsafe_code)]

pub mod error;
pub mod outcome;
pub mod reply;
pub mod sched;
pub mod spec;

pub use error::Error;
pub use outcome::{Admin, FailKind, Outcome, Verdict, WeightChange};
pub use sched::{
    AttemptId, CheckId, Event, Health, ProbeRequest, Scheduler, SchedulerConfig, Stats, Status,
    SubId, Subscription,
};
pub use spec::{CheckSpec, InitialState, Probe, Timing};

#[cfg(feature = "lbconf")]
pub mod convert;
#[cfg(feature = "ipvs")]
pub mod pool;
#[cfg(feature = "tokio")]
pub mod probe;
#[cfg(feature = "tokio")]
pub mod runner;
