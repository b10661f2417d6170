//! The tokio [`Runner`] driving the scheduler with real probes against
//! loopback servers, and against a real HAProxy from Debian.
// Tests are the IO edge: they read the clock to bound their loops.
#![allow(clippy::disallowed_methods)]

mod haproxy;
mod syn;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use healthcheck::runner::Runner;
use healthcheck::spec::{AgentCheck, Connect, HttpCheck};
use healthcheck::{
    CheckSpec, Event, FailKind, Health, InitialState, Probe, SchedulerConfig, Timing, Verdict,
    WeightChange,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

const MS: Duration = Duration::from_millis(1);

fn fast(initial: InitialState) -> Timing {
    Timing {
        interval: 100 * MS,
        timeout: 200 * MS,
        rise: 2,
        fall: 2,
        initial,
        ..Timing::default()
    }
}

/// Next transition, skipping other events; panics after 10 s.
async fn next_transition(r: &mut Runner) -> (Health, Event) {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let e = tokio::time::timeout(left, r.next_event())
            .await
            .expect("no transition within 10 s");
        if let Event::Transition { to, .. } = &e {
            return (*to, e);
        }
    }
}

/// Accepts connections and closes them, counting them.
async fn counting_listener(l: TcpListener) -> Arc<AtomicUsize> {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = Arc::clone(&n);
    tokio::spawn(async move {
        for _ in 0..100_000 {
            let Ok((s, _)) = l.accept().await else { return };
            n2.fetch_add(1, Ordering::SeqCst);
            let mut s = s;
            let _ = s.write_all(b"up\n").await;
        }
    });
    n
}

#[tokio::test]
async fn flapping_listener() {
    let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = first.local_addr().unwrap();
    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
    let spec = CheckSpec::new(addr, Probe::Tcp(Connect::default()))
        .with_timing(fast(InitialState::FullyUp));
    r.subscribe(spec).unwrap();
    let mut listener = Some(first);
    for round in 0..3 {
        // Down: nothing listens.
        drop(listener.take());
        let (to, e) = next_transition(&mut r).await;
        assert_eq!(to, Health::Down, "round {round}");
        let Event::Transition {
            outcome,
            started,
            finished,
            ..
        } = e
        else {
            unreachable!()
        };
        assert!(
            matches!(
                outcome.verdict,
                Verdict::Fail {
                    kind: FailKind::Connect,
                    ..
                }
            ),
            "{outcome}"
        );
        assert!(finished >= started);
        // Up again on the same port (the kernel completes the handshake
        // without an accept).
        listener = Some(TcpListener::bind(addr).await.unwrap());
        assert_eq!(next_transition(&mut r).await.0, Health::Up, "round {round}");
    }
}

#[tokio::test]
async fn a_shared_check_is_probed_once_for_all_subscribers() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let accepted = counting_listener(l).await;
    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
    // An agent check: a full connection the server accepts and counts (the
    // plain TCP check never reaches accept()).
    let spec = CheckSpec::new(addr, Probe::Agent(AgentCheck::default()))
        .with_timing(fast(InitialState::FullyDown));
    let a = r.subscribe(spec.clone()).unwrap();
    let b = r.subscribe(spec).unwrap();
    assert!(b.shared && a.check == b.check);
    let mut told = Vec::new();
    r.run_until(Instant::now() + Duration::from_millis(700), |_, e| {
        if let Event::Transition {
            sub,
            to: Health::Up,
            ..
        } = e
        {
            told.push(sub);
        }
    })
    .await;
    told.sort();
    assert_eq!(told, vec![a.sub, b.sub]);
    // Let the last connections land, then compare.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = r.scheduler().stats().probes_started as usize;
    let seen = accepted.load(Ordering::SeqCst);
    assert!(started >= 3);
    assert_eq!(
        seen, started,
        "one connection per probe, not one per subscriber"
    );
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_times_out() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    // Accepts and holds every connection, answering nothing.
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..1000 {
            let Ok((s, _)) = l.accept().await else { return };
            held.push(s);
        }
    });
    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
    let timing = Timing {
        fall: 1,
        ..fast(InitialState::FullyUp)
    };
    r.subscribe(CheckSpec::new(addr, Probe::Http(HttpCheck::default())).with_timing(timing))
        .unwrap();
    let (to, e) = next_transition(&mut r).await;
    assert_eq!(to, Health::Down);
    let Event::Transition { outcome, .. } = e else {
        unreachable!()
    };
    assert!(
        matches!(
            outcome.verdict,
            Verdict::Fail {
                kind: FailKind::Timeout,
                ..
            }
        ),
        "{outcome}"
    );
    assert_eq!(r.scheduler().stats().stale_results, 0);
}

#[tokio::test]
async fn agent_weight_reaches_the_subscriber() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let replies = Arc::new(AtomicUsize::new(0));
    let r2 = Arc::clone(&replies);
    tokio::spawn(async move {
        for _ in 0..1000 {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            // 100% twice, then 40%.
            let reply: &[u8] = if r2.fetch_add(1, Ordering::SeqCst) < 2 {
                b"up 100%\n"
            } else {
                b"up 40%\n"
            };
            let _ = s.write_all(reply).await;
        }
    });
    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
    let s = r
        .subscribe(
            CheckSpec::new(addr, Probe::Agent(AgentCheck::default()))
                .with_timing(fast(InitialState::FullyUp)),
        )
        .unwrap();
    let mut weights = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while weights.last() != Some(&Some(WeightChange::Percent(40))) && Instant::now() < end {
        if let Ok(Event::Weight { weight, .. }) =
            tokio::time::timeout(Duration::from_secs(5), r.next_event()).await
        {
            weights.push(weight);
        }
    }
    assert_eq!(
        weights,
        vec![
            Some(WeightChange::Percent(100)),
            Some(WeightChange::Percent(40))
        ]
    );
    assert_eq!(
        r.scheduler().status(s.check).unwrap().effective_weight(10),
        4
    );
}

#[tokio::test]
async fn two_thousand_targets() {
    const N: usize = 2000;
    let mut listeners = Vec::with_capacity(N);
    for _ in 0..N {
        listeners.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let mut r = Runner::new(SchedulerConfig {
        seed: 5,
        max_in_flight: 256,
        lag_threshold: Duration::from_secs(1),
        ..SchedulerConfig::default()
    })
    .unwrap();
    let timing = Timing {
        interval: Duration::from_millis(500),
        timeout: Duration::from_secs(2),
        rise: 1,
        warmup: Some(Duration::from_millis(500)),
        initial: InitialState::FullyDown,
        ..Timing::default()
    };
    let addrs: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    for a in &addrs {
        r.subscribe(CheckSpec::new(*a, Probe::Tcp(Connect::default())).with_timing(timing.clone()))
            .unwrap();
    }
    assert_eq!(r.scheduler().check_count(), N);
    let mut up = 0;
    let mut max_in_flight = 0;
    let end = Instant::now() + Duration::from_secs(30);
    while up < N && Instant::now() < end {
        r.run_until(Instant::now() + Duration::from_millis(100), |s, e| {
            max_in_flight = max_in_flight.max(s.in_flight());
            if matches!(e, Event::Transition { to: Health::Up, .. }) {
                up += 1;
            }
        })
        .await;
    }
    assert_eq!(up, N, "every target came up");
    assert!(max_in_flight <= 256);
    drop(listeners);
}

#[tokio::test]
async fn falling_behind_is_reported_not_silent() {
    // One probe at a time, ten checks every 100 ms against a server that
    // never answers (each probe holds the only slot for its 200 ms timeout):
    // the checks cannot keep their schedule, and the runner says so.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..1000 {
            let Ok((s, _)) = l.accept().await else { return };
            held.push(s);
        }
    });
    let mut r = Runner::new(SchedulerConfig {
        max_in_flight: 1,
        lag_threshold: Duration::from_millis(100),
        ..SchedulerConfig::default()
    })
    .unwrap();
    for i in 0..10 {
        let check = HttpCheck {
            host: Some(format!("site{i}.example.test")),
            ..HttpCheck::default()
        };
        r.subscribe(
            CheckSpec::new(addr, Probe::Http(check)).with_timing(fast(InitialState::FullyUp)),
        )
        .unwrap();
    }
    let mut lags = 0;
    let mut max_in_flight = 0;
    r.run_until(Instant::now() + Duration::from_millis(1500), |s, e| {
        max_in_flight = max_in_flight.max(s.in_flight());
        if let Event::Lag { behind, .. } = e {
            assert!(behind >= Duration::from_millis(100));
            lags += 1;
        }
    })
    .await;
    assert!(lags > 0, "no lag reported");
    assert_eq!(max_in_flight, 1);
    assert_eq!(r.scheduler().stats().lag_events, lags);
}
