//! The runner's batch of SYN probes (plain TCP checks without a task each),
//! in network namespaces the test creates.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthcheck::runner::Runner;
use healthcheck::spec::Connect;
use healthcheck::{
    CheckSpec, Event, FailKind, Health, InitialState, Probe, SchedulerConfig, Timing, Verdict,
};
use lbkit_testsupport::netns::{Netns, veth};
use lbkit_testsupport::tier;

/// Fail kinds of the checks' transitions, by target.
type Seen = HashMap<SocketAddr, (Health, Option<FailKind>)>;

#[test]
fn batch_syn_probes_judge_open_closed_and_silent_servers() {
    if !tier::namespace("batch_syn_probes_judge_open_closed_and_silent_servers") {
        return;
    }
    let here = Netns::new("hcrsyn").unwrap();
    let peer = Netns::new("hcrsynp").unwrap();
    veth(&here, "eth0", &peer, "eth0").unwrap();
    here.add_addr("eth0", "198.18.2.1/24").unwrap();
    peer.add_addr("eth0", "198.18.2.2/24").unwrap();
    let (seen, stats, addrs) = here
        .enter(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    let open6 = std::net::TcpListener::bind("[::1]:0").unwrap();
                    let closed = std::net::TcpListener::bind("127.0.0.1:0")
                        .unwrap()
                        .local_addr()
                        .unwrap();
                    // On the link, but nobody answers ARP for it.
                    let silent: SocketAddr = "198.18.2.3:80".parse().unwrap();
                    // No route: found by the route look-up, or (with a
                    // source address, no look-up) by sendmmsg().
                    let unrouted: SocketAddr = "198.19.0.1:80".parse().unwrap();
                    let unrouted_from: SocketAddr = "198.19.0.2:80".parse().unwrap();
                    let addrs = [
                        open.local_addr().unwrap(),
                        open6.local_addr().unwrap(),
                        closed,
                        silent,
                        unrouted,
                        unrouted_from,
                    ];
                    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
                    for (i, (a, initial)) in addrs
                        .iter()
                        .zip([
                            InitialState::FullyDown,
                            InitialState::FullyDown,
                            InitialState::FullyUp,
                            InitialState::FullyUp,
                            InitialState::FullyUp,
                            InitialState::FullyUp,
                        ])
                        .enumerate()
                    {
                        let timing = Timing {
                            interval: Duration::from_millis(200),
                            // Longer than the retransmission for one probe.
                            timeout: Duration::from_millis(1200),
                            rise: 2,
                            fall: 2,
                            initial,
                            ..Timing::default()
                        };
                        let connect = Connect {
                            bind_ip: (i == 5).then(|| [198, 18, 2, 1].into()),
                            ..Connect::default()
                        };
                        let spec = CheckSpec::new(*a, Probe::Tcp(connect));
                        r.subscribe(spec.with_timing(timing)).unwrap();
                    }
                    let mut seen = Seen::new();
                    let end = Instant::now() + Duration::from_secs(10);
                    while seen.len() < addrs.len() && Instant::now() < end {
                        r.run_until(Instant::now() + Duration::from_millis(100), |s, e| {
                            if let Event::Transition {
                                check, to, outcome, ..
                            } = e
                            {
                                let target = s.spec(check).map(|x| x.target);
                                let kind = match outcome.verdict {
                                    Verdict::Fail { kind, .. } => Some(kind),
                                    Verdict::Pass => None,
                                };
                                if let Some(t) = target {
                                    seen.insert(t, (to, kind));
                                }
                            }
                        })
                        .await;
                    }
                    drop((open, open6));
                    (seen, r.prober().syn_stats(), addrs)
                })
        })
        .unwrap();
    assert_eq!(seen.get(&addrs[0]), Some(&(Health::Up, None)), "{seen:?}");
    assert_eq!(seen.get(&addrs[1]), Some(&(Health::Up, None)), "{seen:?}");
    assert_eq!(
        seen.get(&addrs[2]),
        Some(&(Health::Down, Some(FailKind::Connect))),
        "{seen:?}"
    );
    assert_eq!(
        seen.get(&addrs[3]),
        Some(&(Health::Down, Some(FailKind::Timeout))),
        "{seen:?}"
    );
    for a in &addrs[4..] {
        assert_eq!(
            seen.get(a),
            Some(&(Health::Down, Some(FailKind::Connect))),
            "{a}: {seen:?}"
        );
    }
    assert!(stats.open >= 4 && stats.refused >= 2, "{stats:?}");
    // The silent server's probes were each sent twice.
    assert!(stats.sent > stats.open + stats.refused + 2, "{stats:?}");
    drop(peer);
}

#[test]
fn a_burst_of_checks_due_at_once_all_get_their_answers() {
    if !tier::namespace("a_burst_of_checks_due_at_once_all_get_their_answers") {
        return;
    }
    // 6,000 checks due at the same instant, answered by loopback servers
    // within the sending system call: more replies than a raw socket's
    // default buffer holds. With a deadline shorter than the retransmission,
    // a reply lost to a full buffer would fail its check.
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    const N: usize = 6000;
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < 4096 {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, 4096.min(hard), hard);
        }
    }
    let ns = Netns::new("hcburst").unwrap();
    let (up, stats) = ns
        .enter(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let listeners: Vec<_> = (0..N)
                        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
                        .collect();
                    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
                    for l in &listeners {
                        let timing = Timing {
                            interval: Duration::from_secs(10),
                            timeout: Duration::from_millis(800),
                            rise: 1,
                            initial: InitialState::FullyDown,
                            ..Timing::default()
                        };
                        let spec =
                            CheckSpec::new(l.local_addr().unwrap(), Probe::Tcp(Connect::default()));
                        r.subscribe(spec.with_timing(timing)).unwrap();
                    }
                    let mut up = 0;
                    let end = Instant::now() + Duration::from_secs(5);
                    while up < N && Instant::now() < end {
                        r.run_until(Instant::now() + Duration::from_millis(100), |_, e| {
                            if let Event::Transition { to: Health::Up, .. } = e {
                                up += 1;
                            }
                        })
                        .await;
                    }
                    (up, r.prober().syn_stats())
                })
        })
        .unwrap();
    assert_eq!(up, N, "{stats:?}");
    assert_eq!(stats.sent, N as u64, "no retransmission needed: {stats:?}");
}
