//! The scheduler on virtual time: a small simulator owns `now`, answers every
//! probe through a scripted server, and jumps from deadline to deadline.
// `Instant::now` only picks the simulation's arbitrary epoch.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::outcome::{Admin, FailKind, Outcome, WeightChange};
use crate::spec::{CheckSpec, Connect, InitialState, Probe, Timing};

const MS: Duration = Duration::from_millis(1);
const S: Duration = Duration::from_secs(1);

/// What the scripted server does with one probe: answer after a delay, or
/// never.
#[derive(Clone)]
enum Reply {
    After(Duration, Outcome),
    Never,
}

fn pass() -> Reply {
    Reply::After(10 * MS, Outcome::pass())
}

fn fail() -> Reply {
    Reply::After(10 * MS, Outcome::fail(FailKind::Connect, "refused"))
}

struct Sim {
    start: Instant,
    now: Instant,
    sched: Scheduler,
    pending: Vec<(Instant, AttemptId, Outcome)>,
    /// (virtual ms since start, event)
    events: Vec<(u128, Event)>,
    /// (virtual ms since start, check) of every probe started
    started: Vec<(u128, CheckId, u32)>,
    max_in_flight_seen: usize,
}

impl Sim {
    fn new(config: SchedulerConfig) -> Self {
        let start = Instant::now();
        Self {
            start,
            now: start,
            sched: Scheduler::new(config).unwrap(),
            pending: Vec::new(),
            events: Vec::new(),
            started: Vec::new(),
            max_in_flight_seen: 0,
        }
    }

    fn ms(&self) -> u128 {
        (self.now - self.start).as_millis()
    }

    fn sub(&mut self, spec: CheckSpec) -> Subscription {
        self.sched.subscribe(self.now, spec).unwrap()
    }

    /// Runs until `until` (virtual), answering each probe with `server(check,
    /// virtual ms)`. Every loop is bounded by the number of deadlines.
    fn run(&mut self, until: Duration, mut server: impl FnMut(CheckId, u128) -> Reply) {
        let end = self.start + until;
        for _ in 0..1_000_000 {
            self.sched.handle_timeout(self.now);
            // Deliver due results.
            self.pending.sort_by_key(|p| p.0);
            while self.pending.first().is_some_and(|p| p.0 <= self.now) {
                let (_, attempt, outcome) = self.pending.remove(0);
                self.sched.handle_result(self.now, attempt, outcome);
            }
            while let Some(req) = self.sched.poll_probe(self.now) {
                assert!(req.deadline > self.now);
                let ms = self.ms();
                self.started.push((ms, req.attempt.check, req.retry));
                match server(req.attempt.check, ms) {
                    Reply::After(d, o) => self.pending.push((self.now + d, req.attempt, o)),
                    Reply::Never => {}
                }
            }
            self.max_in_flight_seen = self.max_in_flight_seen.max(self.sched.in_flight());
            while let Some(e) = self.sched.poll_event() {
                let ms = self.ms();
                self.events.push((ms, e));
            }
            let next = [
                self.sched.poll_timeout(),
                self.pending.iter().map(|p| p.0).min(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => self.now = self.now.max(t),
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
        panic!("simulation did not reach its end");
    }

    fn transitions(&self) -> Vec<(u128, Health)> {
        self.events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::Transition { to, .. } => Some((*t, *to)),
                _ => None,
            })
            .collect()
    }

    fn starts_of(&self, check: CheckId) -> Vec<u128> {
        self.started
            .iter()
            .filter(|s| s.1 == check)
            .map(|s| s.0)
            .collect()
    }
}

fn target(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn tcp(port: u16, timing: Timing) -> CheckSpec {
    CheckSpec::new(target(port), Probe::Tcp(Connect::default())).with_timing(timing)
}

fn haproxy(inter: Duration) -> Timing {
    Timing {
        interval: inter,
        timeout: inter / 2,
        ..Timing::default()
    }
}

#[test]
fn fixed_rate_without_drift() {
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, haproxy(S)));
    // Every probe takes 300 ms: starts stay on the 1 s grid.
    sim.run(100 * S, |_, _| Reply::After(300 * MS, Outcome::pass()));
    let starts = sim.starts_of(s.check);
    assert_eq!(starts.len(), 101, "{starts:?}");
    for (i, t) in starts.iter().enumerate() {
        assert_eq!(*t, i as u128 * 1000);
    }
    assert!(sim.transitions().is_empty());
    assert_eq!(sim.sched.stats().lag_events, 0);
}

#[test]
fn fall_with_fastinter_then_downinter_then_rise() {
    let timing = Timing {
        interval: S,
        fastinter: Some(200 * MS),
        downinter: Some(5 * S),
        timeout: 100 * MS,
        rise: 2,
        fall: 3,
        ..Timing::default()
    };
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, timing));
    // Down from 2.5 s to 20 s.
    sim.run(40 * S, |_, ms| {
        if (2500..20_000).contains(&ms) {
            fail()
        } else {
            pass()
        }
    });
    let starts = sim.starts_of(s.check);
    // 0,1000,2000 pass; 3000 fails -> fastinter 200 ms: 3200, 3400 (third
    // failure: down) -> downinter 5 s: 8400, 13400, 18400, 23400 (pass ->
    // fastinter) 23600 (pass: up) -> inter: 24600 ...
    assert_eq!(
        &starts[..12],
        &[
            0, 1000, 2000, 3000, 3200, 3400, 8400, 13400, 18400, 23400, 23600, 24600
        ]
    );
    assert_eq!(
        sim.transitions(),
        vec![(3410, Health::Down), (23610, Health::Up)]
    );
    let st = sim.sched.status(s.check).unwrap();
    assert_eq!(st.health, Health::Up);
    assert_eq!(
        st.last_change.map(|t| (t - sim.start).as_millis()),
        Some(23610)
    );
}

#[test]
fn transition_event_carries_outcome_and_timing() {
    let mut sim = Sim::new(SchedulerConfig::default());
    let timing = Timing {
        fall: 1,
        ..haproxy(S)
    };
    sim.sub(tcp(1, timing));
    sim.run(1500 * MS, |_, ms| {
        if ms >= 1000 {
            Reply::After(40 * MS, Outcome::fail(FailKind::Reply, "status 503"))
        } else {
            pass()
        }
    });
    let (t, e) = sim
        .events
        .iter()
        .find(|(_, e)| matches!(e, Event::Transition { .. }))
        .unwrap();
    assert_eq!(*t, 1040);
    let Event::Transition {
        from,
        to,
        outcome,
        started,
        finished,
        ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!((*from, *to), (Health::Up, Health::Down));
    assert_eq!(
        outcome.verdict,
        Outcome::fail(FailKind::Reply, "status 503").verdict
    );
    assert_eq!(*finished - *started, 40 * MS);
}

#[test]
fn keepalived_retry_and_delay_before_retry() {
    let timing = Timing {
        retry: 2,
        delay_before_retry: 3 * S,
        warmup: None,
        ..Timing::keepalived()
    };
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, timing));
    sim.run(200 * S, |_, ms| if ms >= 60_000 { fail() } else { pass() });
    // 0 and 60 s regular; 60 s fails, retries at 63.01 and 66.02 s, then down.
    let started: Vec<(u128, u32)> = sim
        .started
        .iter()
        .filter(|x| x.1 == s.check)
        .map(|x| (x.0, x.2))
        .collect();
    assert_eq!(
        &started[..5],
        &[(0, 0), (60_000, 0), (63_010, 1), (66_020, 2), (120_000, 0)]
    );
    assert_eq!(sim.transitions(), vec![(66_030, Health::Down)]);
}

#[test]
fn retry_success_resets_the_round() {
    let timing = Timing {
        retry: 1,
        delay_before_retry: S,
        warmup: None,
        ..Timing::keepalived()
    };
    let mut sim = Sim::new(SchedulerConfig::default());
    sim.sub(tcp(1, timing));
    // Only the first try of each round fails: never down.
    sim.run(
        300 * S,
        |_, ms| if ms % 60_000 == 0 { fail() } else { pass() },
    );
    assert!(sim.transitions().is_empty());
}

#[test]
fn initial_states() {
    let cases = [
        (InitialState::FullyUp, true, vec![]),
        (InitialState::Up, false, vec![(10, Health::Down)]),
        (InitialState::Down, true, vec![(10, Health::Up)]),
        (InitialState::FullyDown, true, vec![(1010, Health::Up)]),
    ];
    for (initial, healthy, want) in cases {
        let timing = Timing {
            initial,
            ..haproxy(S)
        };
        let mut sim = Sim::new(SchedulerConfig::default());
        sim.sub(tcp(1, timing));
        sim.run(2500 * MS, |_, _| if healthy { pass() } else { fail() });
        assert_eq!(sim.transitions(), want, "{initial:?}");
    }
}

#[test]
fn warmup_jitter_is_seeded_and_bounded() {
    let firsts = |seed: u64| {
        let mut sim = Sim::new(SchedulerConfig {
            seed,
            ..SchedulerConfig::default()
        });
        let timing = Timing {
            warmup: Some(10 * S),
            ..haproxy(S)
        };
        let ids: Vec<CheckId> = (0..50)
            .map(|p| sim.sub(tcp(p, timing.clone())).check)
            .collect();
        sim.run(11 * S, |_, _| pass());
        ids.iter()
            .map(|id| sim.starts_of(*id)[0])
            .collect::<Vec<_>>()
    };
    let a = firsts(7);
    assert_eq!(a, firsts(7), "same seed, same schedule");
    assert_ne!(a, firsts(8), "another seed, another schedule");
    assert!(a.iter().all(|t| *t <= 10_000));
    let spread = a.iter().max().unwrap() - a.iter().min().unwrap();
    assert!(spread > 5_000, "50 starts spread over 10 s: {a:?}");
}

#[test]
fn spread_checks_bound_the_intervals() {
    let mut sim = Sim::new(SchedulerConfig {
        seed: 3,
        ..SchedulerConfig::default()
    });
    let timing = Timing {
        spread_percent: 20,
        ..haproxy(S)
    };
    let s = sim.sub(tcp(1, timing));
    sim.run(200 * S, |_, _| pass());
    let starts = sim.starts_of(s.check);
    let gaps: Vec<u128> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| (800..=1200).contains(g)), "{gaps:?}");
    assert!(gaps.iter().any(|g| *g < 950) && gaps.iter().any(|g| *g > 1050));
}

#[test]
fn slowstart_ramps_the_weight_after_recovery() {
    let timing = Timing {
        rise: 1,
        fall: 1,
        slowstart: Some(10 * S),
        ..haproxy(S)
    };
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, timing));
    sim.run(30 * S, |_, ms| {
        if (1000..3000).contains(&ms) {
            fail()
        } else {
            pass()
        }
    });
    // Down at 1.01 s, up at 3.01 s; ramp in 500 ms steps to 100 % at 13.01 s.
    let ramp: Vec<(u128, u32)> = sim
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Weight {
                slowstart_percent, ..
            } => Some((*t, *slowstart_percent)),
            _ => None,
        })
        .collect();
    assert_eq!(ramp.first(), Some(&(3010, 1)));
    assert_eq!(ramp.last(), Some(&(13_010, 100)));
    assert_eq!(ramp.len(), 21);
    assert!(ramp.windows(2).all(|w| w[0].1 < w[1].1));
    assert_eq!(ramp[10], (8010, 50));
    let st = sim.sched.status(s.check).unwrap();
    assert_eq!(st.effective_weight(200), 200);
    // No ramp at start.
    assert!(!sim.events.iter().any(|(t, _)| *t < 1000));
}

#[test]
fn effective_weight_during_ramp_and_dynamic_weights() {
    let mut st = Status {
        health: Health::Up,
        pending: 0,
        last: None,
        last_timing: None,
        last_change: None,
        weight: None,
        admin: None,
        maxconn: None,
        slowstart_percent: 1,
        probes: 0,
    };
    assert_eq!(st.effective_weight(10), 1);
    st.slowstart_percent = 50;
    assert_eq!(st.effective_weight(10), 5);
    st.weight = Some(WeightChange::Percent(50));
    assert_eq!(st.effective_weight(100), 25);
    st.slowstart_percent = 100;
    st.weight = Some(WeightChange::Absolute(7));
    assert_eq!(st.effective_weight(100), 7);
    st.weight = Some(WeightChange::Delta(-150));
    assert_eq!(st.effective_weight(100), 0);
    st.weight = None;
    st.admin = Some(Admin::Drain);
    assert_eq!(st.effective_weight(100), 0);
    st.admin = Some(Admin::Ready);
    st.health = Health::Down;
    assert_eq!(st.effective_weight(100), 0);
}

#[test]
fn dynamic_weight_and_admin_from_results() {
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, haproxy(S)));
    sim.run(4500 * MS, |_, ms| {
        let mut o = Outcome::pass();
        if ms >= 2000 {
            o.weight = Some(WeightChange::Percent(40));
        }
        if ms >= 4000 {
            o.admin = Some(Admin::Maint);
        }
        Reply::After(10 * MS, o)
    });
    let kinds: Vec<(u128, String)> = sim
        .events
        .iter()
        .map(|(t, e)| (*t, format!("{e:?}").split(' ').next().unwrap().to_owned()))
        .collect();
    assert_eq!(
        kinds,
        vec![(2010, "Weight".to_owned()), (4010, "Admin".to_owned())]
    );
    let st = sim.sched.status(s.check).unwrap();
    assert_eq!(st.weight, Some(WeightChange::Percent(40)));
    assert_eq!(st.admin, Some(Admin::Maint));
    assert_eq!(st.effective_weight(100), 0);
}

#[test]
fn identical_checks_are_probed_once_and_fanned_out() {
    let mut sim = Sim::new(SchedulerConfig::default());
    let timing = Timing {
        fall: 1,
        ..haproxy(S)
    };
    let a = sim.sub(tcp(1, timing.clone()));
    let b = sim.sub(tcp(1, timing.clone()));
    let other = sim.sub(tcp(2, timing));
    assert!(!a.shared && b.shared && !other.shared);
    assert_eq!(a.check, b.check);
    assert_ne!(a.check, other.check);
    assert_eq!(sim.sched.check_count(), 2);
    sim.run(5500 * MS, |_, ms| if ms >= 3000 { fail() } else { pass() });
    assert_eq!(sim.starts_of(a.check).len(), 6);
    let subs: Vec<SubId> = sim
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Transition { sub, check, .. } if *check == a.check => Some(*sub),
            _ => None,
        })
        .collect();
    assert_eq!(subs, vec![a.sub, b.sub]);
    assert_eq!(sim.sched.subscribers(a.check), &[a.sub, b.sub]);

    sim.sched.unsubscribe(a.sub).unwrap();
    assert_eq!(sim.sched.check_count(), 2, "b still uses it");
    sim.sched.unsubscribe(b.sub).unwrap();
    assert_eq!(sim.sched.check_count(), 1);
    assert!(sim.sched.status(a.check).is_none());
    assert!(matches!(
        sim.sched.unsubscribe(b.sub),
        Err(crate::Error::UnknownSubscription(_))
    ));
    let before = sim.started.len();
    sim.run(10 * S, |_, _| pass());
    assert!(sim.started[before..].iter().all(|s| s.1 == other.check));
}

#[test]
fn bounded_concurrency_reports_lag_and_never_exceeds_the_bound() {
    let mut sim = Sim::new(SchedulerConfig {
        max_in_flight: 4,
        lag_threshold: 100 * MS,
        ..SchedulerConfig::default()
    });
    // 40 checks every second, each probe takes 80 ms: 4 at a time need 800 ms
    // per round, so the later ones start up to 720 ms late.
    let ids: Vec<CheckId> = (0..40).map(|p| sim.sub(tcp(p, haproxy(S))).check).collect();
    sim.run(3500 * MS, |_, _| Reply::After(80 * MS, Outcome::pass()));
    assert_eq!(sim.max_in_flight_seen, 4);
    let lags: Vec<(CheckId, Duration)> = sim
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Lag { check, behind, .. } => Some((*check, *behind)),
            _ => None,
        })
        .collect();
    assert!(!lags.is_empty());
    // Each late check is reported once per round, as soon as it passes the
    // threshold while still queued.
    assert!(lags.iter().all(|(_, b)| *b >= 100 * MS && *b <= 720 * MS));
    let stats = sim.sched.stats();
    assert_eq!(stats.lag_events, lags.len() as u64);
    assert!(stats.max_lag <= 720 * MS && stats.max_lag > 600 * MS);
    for id in ids {
        assert!(sim.starts_of(id).len() >= 3);
    }
}

#[test]
fn a_late_driver_is_reported() {
    let mut sched = Scheduler::new(SchedulerConfig::default()).unwrap();
    let t0 = Instant::now();
    let s = sched.subscribe(t0, tcp(1, haproxy(S))).unwrap();
    sched.handle_timeout(t0 + 2 * S);
    let req = sched.poll_probe(t0 + 2 * S).unwrap();
    assert_eq!(req.due, t0);
    assert_eq!(
        sched.poll_event(),
        Some(Event::Lag {
            check: s.check,
            behind: 2 * S,
            in_flight: 0
        })
    );
}

#[test]
fn a_result_after_the_deadline_is_stale() {
    let cfg = SchedulerConfig {
        result_grace: 50 * MS,
        ..SchedulerConfig::default()
    };
    let mut sim = Sim::new(cfg);
    let timing = Timing {
        fall: 1,
        ..haproxy(S)
    };
    let s = sim.sub(tcp(1, timing));
    // The probe at 1 s answers 2 s later (timeout 500 ms + 50 ms grace).
    sim.run(4 * S, |_, ms| {
        if ms == 1000 {
            Reply::After(2 * S, Outcome::pass())
        } else {
            pass()
        }
    });
    let stats = sim.sched.stats();
    assert_eq!(stats.lost_results, 1);
    assert_eq!(stats.stale_results, 1);
    let kinds: Vec<(u128, bool)> = sim
        .events
        .iter()
        .map(|(t, e)| (*t, matches!(e, Event::Stale { .. })))
        .collect();
    // Down at 1.55 s (timeout), stale result at 3 s, up again (rise 2) at
    // 3.01 s.
    assert_eq!(kinds, vec![(1550, false), (3000, true), (3010, false)]);
    assert_eq!(
        sim.transitions(),
        vec![(1550, Health::Down), (3010, Health::Up)]
    );
    let Some((_, Event::Transition { outcome, .. })) = sim.events.first() else {
        panic!()
    };
    assert!(matches!(
        outcome.verdict,
        crate::Verdict::Fail {
            kind: FailKind::Timeout,
            ..
        }
    ));
    // A result for an unknown attempt is stale too, never a panic.
    sim.sched.handle_result(
        sim.now,
        AttemptId {
            check: CheckId(999),
            seq: 0,
        },
        Outcome::pass(),
    );
    assert_eq!(sim.sched.stats().stale_results, 2);
    assert_eq!(sim.sched.status(s.check).unwrap().health, Health::Up);
}

#[test]
fn a_server_that_never_answers_goes_down_and_keeps_being_probed() {
    let mut sim = Sim::new(SchedulerConfig::default());
    let s = sim.sub(tcp(1, haproxy(S)));
    sim.run(10 * S, |_, _| Reply::Never);
    assert_eq!(sim.transitions().len(), 1);
    assert!(sim.starts_of(s.check).len() >= 9);
    assert_eq!(sim.sched.in_flight(), 1);
}

#[test]
fn handle_timeout_early_is_a_no_op() {
    let mut sched = Scheduler::new(SchedulerConfig::default()).unwrap();
    let t0 = Instant::now();
    let timing = Timing {
        warmup: Some(S),
        ..haproxy(S)
    };
    let s = sched.subscribe(t0, tcp(1, timing)).unwrap();
    let due = sched.poll_timeout().unwrap();
    sched.handle_timeout(t0);
    if due > t0 {
        assert!(sched.poll_probe(t0).is_none());
    }
    assert_eq!(sched.next_due(s.check), Some(due));
    sched.handle_timeout(due);
    assert!(sched.poll_probe(due).is_some());
    assert!(sched.poll_event().is_none());
}

#[test]
fn thousands_of_checks_stay_on_schedule() {
    let mut sim = Sim::new(SchedulerConfig {
        seed: 1,
        ..SchedulerConfig::default()
    });
    let timing = Timing {
        warmup: Some(S),
        ..haproxy(S)
    };
    for p in 0..5000 {
        sim.sub(tcp(p, timing.clone()));
    }
    sim.run(10 * S, |_, _| Reply::After(5 * MS, Outcome::pass()));
    assert_eq!(sim.sched.stats().lag_events, 0);
    // Each check ran 10 or 11 times in 10 s.
    let mut counts = std::collections::HashMap::new();
    for s in &sim.started {
        *counts.entry(s.1).or_insert(0u32) += 1;
    }
    assert_eq!(counts.len(), 5000);
    assert!(counts.values().all(|c| (10..=11).contains(c)));
}

#[test]
fn misuse_is_a_typed_error() {
    assert!(matches!(
        Scheduler::new(SchedulerConfig {
            max_in_flight: 0,
            ..SchedulerConfig::default()
        }),
        Err(crate::Error::InvalidConfig(_))
    ));
    let mut sched = Scheduler::new(SchedulerConfig::default()).unwrap();
    let now = Instant::now();
    let bad = [
        Timing {
            interval: Duration::ZERO,
            ..Timing::default()
        },
        Timing {
            timeout: Duration::ZERO,
            ..Timing::default()
        },
        Timing {
            rise: 0,
            ..Timing::default()
        },
        Timing {
            fall: 0,
            ..Timing::default()
        },
        Timing {
            spread_percent: 51,
            ..Timing::default()
        },
        Timing {
            fastinter: Some(Duration::ZERO),
            ..Timing::default()
        },
    ];
    for t in bad {
        let e = sched.subscribe(now, tcp(1, t)).unwrap_err();
        assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
    }
    use crate::spec::{
        DnsCheck, HttpCheck, HttpExpect, HttpRequest, HttpRule, MiscCheck, TcpPattern, TcpRule,
        TcpSeq, Tls,
    };
    let bad_probes = [
        Probe::Http(HttpCheck {
            requests: vec![HttpRequest {
                expect: vec![HttpExpect::is(HttpRule::BodyRegex("(".into()))],
                ..HttpRequest::get("/")
            }],
            ..HttpCheck::default()
        }),
        Probe::Http(HttpCheck {
            tls: Some(Tls {
                verify: true,
                ..Tls::default()
            }),
            ..HttpCheck::default()
        }),
        Probe::TcpSeq(TcpSeq {
            connect: Connect::default(),
            rules: vec![TcpRule::Expect {
                negate: false,
                pattern: TcpPattern::Regex("[".into()),
            }],
        }),
        Probe::Dns(DnsCheck {
            qtype: "NOPE".into(),
            name: ".".into(),
            to: None,
        }),
        Probe::Misc(MiscCheck {
            argv: vec![],
            user: None,
            group: None,
            dynamic: false,
        }),
    ];
    for probe in bad_probes {
        let spec = CheckSpec::new(target(1), probe.clone());
        let e = sched.subscribe(now, spec).unwrap_err();
        assert!(
            matches!(e, crate::Error::InvalidSpec { .. }),
            "{probe:?}: {e}"
        );
    }
    assert!(sched.poll_timeout().is_none());
    assert!(sched.poll_probe(now).is_none());
}
