//! The probes against real servers on loopback (127.0.0.1 and ::1 only).
// Tests are the IO edge: they read the clock to set probe deadlines.
#![allow(clippy::disallowed_methods)]

mod servers;
mod stream;
mod syn;
mod web;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthcheck::probe::Prober;
use healthcheck::{CheckSpec, FailKind, Outcome, Probe, Timing, Verdict};

/// Runs `probe` against `target` with a 2 s deadline.
async fn run(target: SocketAddr, probe: Probe) -> Outcome {
    run_within(target, probe, Duration::from_secs(2)).await
}

async fn run_within(target: SocketAddr, probe: Probe, timeout: Duration) -> Outcome {
    let spec = CheckSpec::new(target, probe).with_timing(Timing {
        timeout,
        ..Timing::default()
    });
    Prober::new().probe(&spec, Instant::now() + timeout).await
}

#[track_caller]
fn assert_pass(o: &Outcome) {
    assert!(o.passed(), "expected a pass, got {o}");
}

#[track_caller]
fn assert_fail(o: &Outcome, want: FailKind) -> String {
    match &o.verdict {
        Verdict::Fail { kind, detail } if *kind == want => detail.clone(),
        _ => panic!("expected a {want:?} failure, got {o}"),
    }
}
