//! Plain TCP checks sent as SYN probes on a raw socket: in network
//! namespaces the tests create (the raw socket sees the namespace's TCP
//! traffic), and without `CAP_NET_RAW`, where they fall back to connect().

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use healthcheck::probe::{Prober, SynStats};
use healthcheck::spec::Connect;
use healthcheck::{CheckSpec, FailKind, Outcome, Probe, Timing};
use lbkit_testsupport::netns::{Netns, veth};
use lbkit_testsupport::tier;

use crate::{assert_fail, assert_pass};

async fn check(p: &Prober, target: SocketAddr, c: Connect, timeout: Duration) -> Outcome {
    let spec = CheckSpec::new(target, Probe::Tcp(c)).with_timing(Timing {
        timeout,
        ..Timing::default()
    });
    p.probe(&spec, Instant::now() + timeout).await
}

fn in_netns<R: Send + 'static>(ns: &Netns, f: impl AsyncFnOnce() -> R + Send + 'static) -> R {
    ns.enter(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f())
    })
    .unwrap()
}

#[test]
fn syn_probes_open_closed_ipv6_bindto_and_half_open() {
    if !tier::namespace("syn_probes_open_closed_ipv6_bindto_and_half_open") {
        return;
    }
    let ns = Netns::new("hcsyn").unwrap();
    ns.add_addr("lo", "198.18.0.1/32").unwrap();
    let (outcomes, accepted, stats) = in_netns(&ns, async || {
        let p = Prober::new();
        let l4 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let l6 = tokio::net::TcpListener::bind("[::1]:0").await.unwrap();
        let closed = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let t = Duration::from_secs(2);
        let from = |ip: [u8; 4]| Connect {
            bind_ip: Some(IpAddr::from(ip)),
            ..Connect::default()
        };
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(check(&p, l4.local_addr().unwrap(), Connect::default(), t).await);
        }
        out.push(check(&p, l6.local_addr().unwrap(), Connect::default(), t).await);
        out.push(check(&p, closed, Connect::default(), t).await);
        out.push(check(&p, l4.local_addr().unwrap(), from([198, 18, 0, 1]), t).await);
        // `connect_ip`/`connect_port` elsewhere than the target.
        let to = Connect {
            to: Some(l4.local_addr().unwrap()),
            ..Connect::default()
        };
        out.push(check(&p, closed, to, t).await);
        // A source address of the other family is a setup error.
        out.push(check(&p, l6.local_addr().unwrap(), from([127, 0, 0, 1]), t).await);
        // A source address that is not ours: the bind fails as connect()'s.
        out.push(check(&p, l4.local_addr().unwrap(), from([198, 18, 9, 9]), t).await);
        // No SYN probe completes a handshake: accept() sees nothing.
        let mut accepted = 0;
        while accepted < 10
            && tokio::time::timeout(Duration::from_millis(300), l4.accept())
                .await
                .is_ok()
        {
            accepted += 1;
        }
        (out, accepted, p.syn_stats())
    });
    for o in &outcomes[..6] {
        assert_pass(o);
    }
    let d = assert_fail(&outcomes[6], FailKind::Connect);
    assert!(d.contains("refused"), "{d}");
    assert_pass(&outcomes[7]);
    assert_pass(&outcomes[8]);
    let d = assert_fail(&outcomes[9], FailKind::Setup);
    assert!(d.contains("127.0.0.1"), "{d}");
    let d = assert_fail(&outcomes[10], FailKind::Connect);
    assert!(d.contains("cannot bind to 198.18.9.9"), "{d}");
    assert_eq!(accepted, 0, "a SYN probe reached accept()");
    assert!(stats.started);
    assert_eq!(stats.ipv4_fallback, None);
    assert_eq!(stats.ipv6_fallback, None);
    assert_eq!((stats.open, stats.refused), (8, 1), "{stats:?}");
    assert_eq!(stats.sent, 9, "{stats:?}");
}

/// A SYN-ACK from `from` to `to`, acknowledging `ack`, sent from a raw
/// socket of the test's own (checksum left 0: raw sockets do not check it).
fn forge_syn_ack(from: SocketAddr, to: SocketAddr, ack: u32) {
    let (IpAddr::V4(f), IpAddr::V4(t)) = (from.ip(), to.ip()) else {
        panic!("IPv4 only");
    };
    let mut p = vec![0u8; 40];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&40u16.to_be_bytes());
    p[8] = 64;
    p[9] = 6;
    p[12..16].copy_from_slice(&f.octets());
    p[16..20].copy_from_slice(&t.octets());
    p[20..22].copy_from_slice(&from.port().to_be_bytes());
    p[22..24].copy_from_slice(&to.port().to_be_bytes());
    p[24..28].copy_from_slice(&12345u32.to_be_bytes());
    p[28..32].copy_from_slice(&ack.to_be_bytes());
    p[32] = 5 << 4;
    p[33] = 0x12; // SYN, ACK
    p[34..36].copy_from_slice(&1024u16.to_be_bytes());
    let s = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::RAW,
        Some(socket2::Protocol::TCP),
    )
    .unwrap();
    s.set_header_included_v4(true).unwrap();
    s.send_to(&p, &SocketAddr::new(to.ip(), 0).into()).unwrap();
}

#[test]
fn silent_server_times_out_after_a_retransmission_and_forged_replies_do_not_count() {
    if !tier::namespace(
        "silent_server_times_out_after_a_retransmission_and_forged_replies_do_not_count",
    ) {
        return;
    }
    // 198.18.1.3 is on the link but nobody answers ARP for it: SYNs to it
    // get no reply at all.
    let here = Netns::new("hcsynd").unwrap();
    let peer = Netns::new("hcsynp").unwrap();
    veth(&here, "eth0", &peer, "eth0").unwrap();
    here.add_addr("eth0", "198.18.1.1/24").unwrap();
    peer.add_addr("eth0", "198.18.1.2/24").unwrap();
    let (silent, forged, stats): (Outcome, Outcome, SynStats) = in_netns(&here, async || {
        let p = Prober::new();
        let target: SocketAddr = "198.18.1.3:80".parse().unwrap();
        let silent = check(&p, target, Connect::default(), Duration::from_millis(1500)).await;
        let port = p.syn_stats().ipv4_port.expect("IPv4 SYN probes");
        let ours = SocketAddr::new(Ipv4Addr::new(198, 18, 1, 1).into(), port);
        // While a probe waits, SYN-ACKs "from" the target acknowledge
        // numbers it did not send (a forger must guess 1 in 2^32).
        let probe = check(&p, target, Connect::default(), Duration::from_millis(800));
        let forge = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            for ack in [0, 1, 0x8000_0000, u32::MAX] {
                forge_syn_ack(target, ours, ack);
            }
        };
        let (forged, ()) = tokio::join!(probe, forge);
        (silent, forged, p.syn_stats())
    });
    assert_fail(&silent, FailKind::Timeout);
    assert_fail(&forged, FailKind::Timeout);
    // The silent probe was sent twice (after 1 s without an answer), the
    // other once (its deadline came first).
    assert_eq!(stats.sent, 3, "{stats:?}");
    assert_eq!(stats.open, 0, "{stats:?}");
    assert_eq!(stats.stray, 4, "{stats:?}");
    drop(peer);
}

#[test]
fn syn_probes_can_be_turned_off() {
    if !tier::namespace("syn_probes_can_be_turned_off") {
        return;
    }
    let ns = Netns::new("hcsynoff").unwrap();
    let (o, stats) = in_netns(&ns, async || {
        let p = Prober::new();
        p.set_syn_probes(false);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let o = check(
            &p,
            l.local_addr().unwrap(),
            Connect::default(),
            Duration::from_secs(2),
        )
        .await;
        (o, p.syn_stats())
    });
    assert_pass(&o);
    assert_eq!(stats, SynStats::default(), "no raw socket was opened");
}

/// Run by `without_cap_net_raw_tcp_checks_fall_back_to_connect` in a
/// process without `CAP_NET_RAW`.
#[tokio::test]
#[ignore = "run by without_cap_net_raw_tcp_checks_fall_back_to_connect"]
async fn fallback_child() {
    let p = Prober::new();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = check(
        &p,
        l.local_addr().unwrap(),
        Connect::default(),
        Duration::from_secs(2),
    )
    .await;
    assert_pass(&up);
    let stats = p.syn_stats();
    assert!(stats.started, "{stats:?}");
    for why in [&stats.ipv4_fallback, &stats.ipv6_fallback] {
        let why = why.as_deref().unwrap_or_default();
        assert!(why.contains("CAP_NET_RAW"), "{stats:?}");
    }
    assert_eq!(stats.sent, 0);
}

#[test]
fn without_cap_net_raw_tcp_checks_fall_back_to_connect() {
    if !tier::namespace("without_cap_net_raw_tcp_checks_fall_back_to_connect") {
        return;
    }
    // This test binary again, with CAP_NET_RAW out of its bounding set (so
    // even root has no raw sockets there), running the child test above.
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--bounding-set", "-net_raw", "--"])
        .arg(exe)
        .args(["--ignored", "--exact", "syn::fallback_child", "--nocapture"])
        .output()
        .expect("setpriv (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
}
