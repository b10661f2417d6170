//! The scheduler under an arbitrary sequence of subscriptions, time steps,
//! results (current, stale, invented) and removals: it must never panic and
//! never exceed its concurrency bound.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthcheck::spec::Connect;
use healthcheck::{
    AttemptId, CheckId, CheckSpec, FailKind, InitialState, Outcome, Probe, Scheduler,
    SchedulerConfig, SubId, Timing, WeightChange,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut s) = Scheduler::new(SchedulerConfig {
        seed: 1,
        max_in_flight: 3,
        ..SchedulerConfig::default()
    }) else {
        return;
    };
    // Instant::now only picks the epoch; time then moves by the input.
    let mut now = Instant::now();
    let mut attempts: Vec<AttemptId> = Vec::new();
    let mut subs = Vec::new();
    for op in data.chunks(3) {
        let (a, b) = (op[0], op.get(1).copied().unwrap_or(0));
        let c = op.get(2).copied().unwrap_or(0);
        match a % 6 {
            0 => {
                let timing = Timing {
                    interval: Duration::from_millis(u64::from(b) + 1),
                    fastinter: (c & 1 == 1).then(|| Duration::from_millis(u64::from(c) + 1)),
                    downinter: (c & 2 == 2).then(|| Duration::from_millis(u64::from(c) * 3 + 1)),
                    timeout: Duration::from_millis(u64::from(c) + 1),
                    rise: u32::from(b % 4),
                    fall: u32::from(c % 4),
                    retry: u32::from(b % 3),
                    delay_before_retry: Duration::from_millis(u64::from(c)),
                    warmup: (b & 4 == 4).then(|| Duration::from_millis(u64::from(b))),
                    spread_percent: c % 60,
                    initial: [
                        InitialState::FullyUp,
                        InitialState::Up,
                        InitialState::Down,
                        InitialState::FullyDown,
                    ][usize::from(b % 4)],
                    slowstart: (c & 8 == 8).then(|| Duration::from_millis(u64::from(b) * 10)),
                };
                let target = SocketAddr::from(([127, 0, 0, 1], u16::from(b % 4)));
                let spec =
                    CheckSpec::new(target, Probe::Tcp(Connect::default())).with_timing(timing);
                if let Ok(sub) = s.subscribe(now, spec) {
                    subs.push(sub.sub);
                }
            }
            1 => now += Duration::from_millis(u64::from(b) * u64::from(c % 8 + 1)),
            2 | 3 => {
                let Some(&attempt) = attempts.get(usize::from(b) % attempts.len().max(1)) else {
                    continue;
                };
                let outcome = match c % 4 {
                    0 => Outcome::pass(),
                    1 => Outcome::pass().with_weight(WeightChange::Percent(u32::from(c))),
                    _ => Outcome::fail(FailKind::Reply, "fuzz"),
                };
                s.handle_result(now, attempt, outcome);
            }
            4 => {
                let sub = subs
                    .get(usize::from(b) % subs.len().max(1))
                    .copied()
                    .unwrap_or(SubId(u64::from(c)));
                let _ = s.unsubscribe(sub);
            }
            _ => s.handle_result(
                now,
                AttemptId {
                    check: CheckId(u64::from(b)),
                    seq: u64::from(c),
                },
                Outcome::pass(),
            ),
        }
        s.handle_timeout(now);
        while let Some(req) = s.poll_probe(now) {
            attempts.push(req.attempt);
        }
        assert!(s.in_flight() <= 3);
        while s.poll_event().is_some() {}
        if let Some(t) = s.poll_timeout() {
            let _ = t;
        }
        for id in 0..8 {
            if let Some(st) = s.status(CheckId(id)) {
                let _ = st.effective_weight(100);
            }
        }
    }
});
