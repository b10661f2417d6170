//! The crafted adverts of the keepalived lab (`tests/fixtures/bogus-*.txt`,
//! from `vrrp_craft.py`, each with keepalived 2.2.7's verdict as the lab's
//! r1) sent over the wire, byte for byte, from host 3 of a LAN (an
//! `AF_PACKET` socket, so that the TTL / hop limit, the IPv4 header and its
//! checksum, the source MAC and the unicast destination are the fixture's)
//! to the engine as r1 (master, priority 150) on host 1, driven by
//! `run_until` on its raw socket.
//!
//! Each frame is dropped and counted under its reason, accepted (lower
//! priority, priority 0: the master keeps its role) or makes the engine step
//! down, as keepalived does, with the documented differences: a v3 advert
//! with interval 0 is dropped (keepalived accepts it and flaps) and a
//! version-2 nibble in a v3 layout is a version mismatch (keepalived: a
//! length error). After a step-down the same advert with priority 0 brings
//! the master back after its Skew_Time.
//!
//! With keepalived installed, the same frames go at the same time to a twin
//! LAN where keepalived is r1 (same addresses and configuration as the lab's
//! r1): it must log the fixture's line for each one and step down exactly
//! on the frames the fixture says it does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;
use vrrp::linux::{Announcer, ifindex};
use vrrp::wire::{Version, WireError};
use vrrp::{DropReason, Event, State, Stats, TransitionReason};

use crate::harness::{Engine, Flavour, Keepalived, wait_for, wait_v6_ready};

/// Bound on each wait for a protocol condition (the slowest is a step-down
/// and a Skew_Time of 1.24 s after the 3 s interval frame): it bounds a hung
/// test, it is not the property under test.
const LIMIT: Duration = Duration::from_secs(10);

/// One crafted frame of a fixture file.
struct Crafted {
    name: String,
    frame: Vec<u8>,
    /// The fixture's "r1 master after 0.6 s" verdict: `kept`, `LOST(->BACKUP)`
    /// or `kept(->BACKUP)` (stepped down and took over again).
    ka_verdict: String,
    /// The first line r1 (keepalived) logged, `-` for none, or the
    /// `[kernel: ...]` note.
    ka_first_line: String,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn fixture(file: &str) -> Vec<Crafted> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out: Vec<Crafted> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            out.push(Crafted {
                name: rest.split_whitespace().next().unwrap_or_default().into(),
                frame: Vec::new(),
                ka_verdict: String::new(),
                ka_first_line: String::new(),
            });
        } else if let Some(c) = out.last_mut() {
            if let Some(f) = line.strip_prefix("frame: ") {
                c.frame = hex(f);
            } else if let Some(v) = line.strip_prefix("r1 master after 0.6 s: ") {
                c.ka_verdict = v.trim().into();
            } else if let Some(l) = line.strip_prefix("r1 log: ") {
                c.ka_first_line = l.split('|').next().unwrap_or_default().trim().into();
            }
        }
    }
    for c in &out {
        assert!(
            c.frame.len() > 34 && !c.ka_verdict.is_empty() && !c.ka_first_line.is_empty(),
            "{path}: {} lacks its frame, verdict or log",
            c.name
        );
    }
    out
}

/// The IP source of an Ethernet frame (IPv4 or IPv6).
fn frame_src(frame: &[u8]) -> IpAddr {
    let ip = &frame[14..];
    if frame[12..14] == [0x08, 0x00] {
        IpAddr::V4(Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]))
    } else {
        let mut b = [0u8; 16];
        b.copy_from_slice(&ip[8..24]);
        IpAddr::V6(Ipv6Addr::from(b))
    }
}

/// `frame` with the advert's priority set to `prio` and its checksum updated
/// incrementally (RFC 1624, eqn. 3: valid for v2 and for v3's pseudo-header).
fn with_priority(frame: &[u8], prio: u8) -> Vec<u8> {
    let mut f = frame.to_vec();
    let vrrp = if f[12..14] == [0x08, 0x00] {
        14 + usize::from(f[14] & 0x0f) * 4
    } else {
        14 + 40
    };
    let word = |f: &[u8]| u32::from(u16::from_be_bytes([f[vrrp + 2], f[vrrp + 3]]));
    let old = word(&f);
    f[vrrp + 2] = prio;
    let new = word(&f);
    let hc = u32::from(u16::from_be_bytes([f[vrrp + 6], f[vrrp + 7]]));
    let mut sum = (!hc & 0xffff) + (!old & 0xffff) + new;
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let csum = !(sum as u16);
    f[vrrp + 6..vrrp + 8].copy_from_slice(&csum.to_be_bytes());
    f
}

/// What the engine (r1, master) must do with a frame.
#[derive(Clone, Copy)]
enum Expect {
    /// Accepted, and the master steps down.
    StepsDown,
    /// Accepted (lower priority or priority 0): the master keeps its role.
    Kept,
    /// Dropped with a reason the matcher accepts.
    Dropped(fn(&DropReason) -> bool),
    /// Dropped by the kernel before any socket (bad IPv4 header checksum).
    Kernel,
}

fn malformed_length(r: &DropReason) -> bool {
    matches!(r, DropReason::Malformed(WireError::BadLength { .. }))
}

fn bad_checksum(r: &DropReason) -> bool {
    matches!(r, DropReason::Malformed(WireError::BadChecksum { .. }))
}

fn v3_version_mismatch(r: &DropReason) -> bool {
    *r == DropReason::VersionMismatch {
        ours: Version::V3,
        theirs: 2,
    }
}

/// The engine's verdicts, as in `tests/engine` (there fed to the engine
/// directly).
fn expect(file: &str, name: &str) -> Expect {
    use Expect::{Dropped, Kept, Kernel, StepsDown};
    match (file, name) {
        (
            _,
            "valid-control"
            | "vmac-source-mac"
            | "equal-prio-150-higher-ip"
            | "prio-255"
            | "rsvd-bits-set"
            | "adver-int-50cs"
            | "adver-int-300cs"
            | "global-source-address",
        ) => StepsDown,
        (_, "lower-prio-50" | "prio-0-from-non-master" | "equal-prio-150-lower-ip") => Kept,
        (_, "ttl-64" | "hop-limit-64") => Dropped(|r| *r == DropReason::BadTtl(64)),
        (_, "vrid-52") => Dropped(|r| *r == DropReason::UnknownVrid(52)),
        (_, "wrong-vip" | "extra-vip") => Dropped(|r| *r == DropReason::AddressMismatch),
        (_, "bad-vrrp-checksum" | "v3-style-checksum" | "v2-style-checksum") => {
            Dropped(bad_checksum)
        }
        ("bogus-v2.txt", "wrong-auth-pass") => Dropped(|r| *r == DropReason::AuthFailed),
        ("bogus-v2.txt", "auth-type-none") => {
            Dropped(|r| *r == DropReason::AuthTypeMismatch { ours: 1, theirs: 0 })
        }
        ("bogus-v2.txt", "auth-type-3") => {
            Dropped(|r| *r == DropReason::AuthTypeMismatch { ours: 1, theirs: 3 })
        }
        ("bogus-v2.txt", "auth-type-ah") => {
            Dropped(|r| *r == DropReason::Malformed(WireError::AhUnsupported))
        }
        ("bogus-v2.txt", "version-3-packet") => Dropped(|r| {
            *r == DropReason::VersionMismatch {
                ours: Version::V2,
                theirs: 3,
            }
        }),
        ("bogus-v2.txt", "adver-int-2s") => {
            Dropped(|r| *r == DropReason::IntervalMismatch { ours: 1, theirs: 2 })
        }
        ("bogus-v2.txt", "count-field-2-one-addr" | "trailing-4-bytes") => {
            Dropped(malformed_length)
        }
        ("bogus-v3.txt", "trailing-8-bytes") => Dropped(malformed_length),
        ("bogus-v2.txt", "type-2") => {
            Dropped(|r| *r == DropReason::Malformed(WireError::UnknownType(2)))
        }
        ("bogus-v2.txt", "unicast-dst") => {
            Dropped(|r| matches!(r, DropReason::WrongDestination(_)))
        }
        ("bogus-v2.txt", "bad-ip-header-checksum") => Kernel,
        // Documented difference: named as a version mismatch (keepalived
        // reports the v3-layout one as a length error).
        (
            "bogus-v3.txt" | "bogus-v6.txt",
            "version-2-packet" | "version-2-nibble-v3-layout" | "version-2-packet-v2-layout",
        ) => Dropped(v3_version_mismatch),
        // Documented difference: keepalived accepts it and flaps.
        ("bogus-v3.txt", "adver-int-0") => Dropped(|r| *r == DropReason::ZeroInterval),
        _ => panic!("{file}: no expectation for the fixture {name}"),
    }
}

/// Reads `/proc/net/<file>` inside `ns`.
fn proc_net(ns: &Netns, file: &str) -> String {
    let out = ns.run("cat", &[&format!("/proc/net/{file}")]).unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The IPv4 checksum errors of `ns` (`IpExt: InCsumErrors` in
/// /proc/net/netstat).
fn ip_csum_errors(ns: &Netns) -> u64 {
    let netstat = proc_net(ns, "netstat");
    let mut ip = netstat.lines().filter(|l| l.starts_with("IpExt: "));
    let (head, vals) = (ip.next().unwrap(), ip.next().unwrap());
    let i = head
        .split_whitespace()
        .position(|h| h == "InCsumErrors")
        .expect("IpExt: InCsumErrors in /proc/net/netstat");
    vals.split_whitespace().nth(i).unwrap().parse().unwrap()
}

/// Drops of the IPv6 raw sockets of `ns` (last column of /proc/net/raw6).
fn raw6_drops(ns: &Netns) -> u64 {
    proc_net(ns, "raw6")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .sum()
}

/// keepalived as the lab's r1, on host 1 of `twin`, with the frames sent
/// through `tx`.
struct Twin<'a> {
    ka: Keepalived,
    host: &'a Netns,
    tx: Announcer,
}

impl Twin<'_> {
    fn count(&self, line: &str) -> usize {
        self.ka.log().matches(line).count()
    }
}

fn sender(ns: &Netns) -> Announcer {
    ns.enter(|| Announcer::open(ifindex("eth0").unwrap()).unwrap())
        .unwrap()
}

/// Sends every frame of `file` to the engine as r1 (and to keepalived on a
/// twin LAN when it is installed) and checks each verdict.
fn over_the_wire(tag: &str, file: &str, f: Flavour) {
    if !tier::namespace(tag) {
        return;
    }
    let frames = fixture(file);
    assert!(frames.len() >= 10, "{file} has its frames");
    let hosts = 3;
    let lan = Lan::new(tag, hosts).unwrap();
    let with_ka = std::path::Path::new("/usr/sbin/keepalived").exists();
    if !with_ka {
        assert!(
            !tier::required(),
            "{tag}: keepalived is missing (apt-get install keepalived)"
        );
        eprintln!("{tag}: keepalived is missing: the engine alone (apt-get install keepalived)");
    }
    let twin_lan = with_ka.then(|| Lan::new(&format!("{tag}k"), hosts).unwrap());
    for l in [Some(&lan), twin_lan.as_ref()].into_iter().flatten() {
        // A switch, not a firewall: with br_netfilter the bridge would drop
        // the bad IPv4 header checksum itself (per namespace, when loaded).
        if std::path::Path::new("/proc/sys/net/bridge").exists() {
            l.switch()
                .sysctl("net/bridge/bridge-nf-call-iptables", "0")
                .unwrap();
        }
    }
    if f.v6 {
        wait_v6_ready(&lan, hosts);
        if let Some(t) = &twin_lan {
            wait_v6_ready(t, hosts);
        }
    }
    let tx = sender(lan.host(3));
    // keepalived as r1, but `state MASTER` (master after one interval and
    // the skew instead of three), and logging unknown VRIDs as in the lab.
    let twin = twin_lan.as_ref().map(|t| {
        let conf = f
            .keepalived_conf(1, 150, "")
            .replace("state BACKUP", "state MASTER")
            .replace("global_defs {\n", "global_defs {\n    log_unknown_vrids\n");
        Twin {
            ka: Keepalived::start(t.host(1), tag, &conf),
            host: t.host(1),
            tx: sender(t.host(3)),
        }
    });
    let engine = Engine::default();
    let router = std::thread::scope(|s| {
        let h = engine.spawn(s, lan.host(1), f.engine_conf(1, 150));
        // A failed assertion stops the engine at once (not after its 60 s).
        let _stop = StopOnDrop(&engine);
        assert!(
            engine.wait_state(State::Master, LIMIT),
            "{:?}",
            engine.events()
        );
        if let Some(t) = &twin {
            assert!(
                t.ka.wait_log("Entering MASTER STATE", LIMIT),
                "{}",
                t.ka.log()
            );
        }
        let ka_down0 = twin.as_ref().map(|t| t.count("Entering BACKUP STATE"));
        for c in &frames {
            send_one(file, c, &tx, &engine, lan.host(1), twin.as_ref());
        }
        // The drops left everything working: a valid advert still wins.
        let valid = &frames[0];
        assert_eq!(valid.name, "valid-control");
        send_one(file, valid, &tx, &engine, lan.host(1), twin.as_ref());
        if let (Some(t), Some(n0)) = (&twin, ka_down0) {
            // keepalived stepped down on exactly the frames the fixture says.
            let downs = frames
                .iter()
                .chain([valid])
                .filter(|c| c.ka_verdict.contains("->BACKUP"))
                .count();
            assert_eq!(
                t.count("Entering BACKUP STATE") - n0,
                downs,
                "{file}: keepalived's step-downs:\n{}",
                t.ka.log()
            );
        }
        engine.crash();
        h.join().unwrap()
    });
    // Every drop counted under its reason, once.
    let events = engine.events();
    let stats = engine.stats();
    let drops: Vec<&DropReason> = events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Dropped { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    let expected_drops = frames
        .iter()
        .filter(|c| matches!(expect(file, &c.name), Expect::Dropped(_)))
        .count();
    assert_eq!(drops.len(), expected_drops, "{file}: {drops:?}");
    let mut want = Stats::default();
    let mut want_vrid = 0u64;
    for r in &drops {
        match r {
            DropReason::BadTtl(_) => want.drop_ttl += 1,
            DropReason::VersionMismatch { .. } => want.drop_version += 1,
            DropReason::Malformed(_) => want.drop_malformed += 1,
            DropReason::AuthTypeMismatch { .. } | DropReason::AuthFailed => want.drop_auth += 1,
            DropReason::IntervalMismatch { .. } | DropReason::ZeroInterval => {
                want.drop_interval += 1;
            }
            DropReason::AddressMismatch => want.drop_addresses += 1,
            DropReason::UnknownVrid(_) => want_vrid += 1,
            _ => want.drop_other += 1,
        }
    }
    let counters = |s: &Stats| {
        [
            s.drop_ttl,
            s.drop_version,
            s.drop_malformed,
            s.drop_auth,
            s.drop_interval,
            s.drop_addresses,
            s.drop_other,
        ]
    };
    assert_eq!(
        counters(&stats),
        counters(&want),
        "{file}: drops by reason (ttl, version, malformed, auth, interval, addresses, other): {stats:?}"
    );
    assert_eq!(router.unknown_vrid_drops(), want_vrid, "{file}");
    // Accepted: the frames kept or stepping down, the valid one again, and
    // the priority-0 copy after each step-down.
    let steps = frames
        .iter()
        .filter(|c| matches!(expect(file, &c.name), Expect::StepsDown))
        .count()
        + 1;
    let kept = frames
        .iter()
        .filter(|c| matches!(expect(file, &c.name), Expect::Kept))
        .count();
    assert_eq!(stats.adverts_rx, (2 * steps + kept) as u64, "{stats:?}");
    // Each step-down, and Initialize -> Backup at start-up.
    assert_eq!(stats.backup_transitions, steps as u64 + 1, "{stats:?}");
    assert_eq!(stats.master_transitions, steps as u64 + 1, "{stats:?}");
    eprintln!(
        "{file}: {} frames over the wire; engine {stats:?}",
        frames.len()
    );
}

/// Stops the engine's loop when dropped, also on unwinding.
struct StopOnDrop<'a>(&'a Engine);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.crash();
    }
}

/// Sends one frame to the engine (and keepalived) and checks the verdicts;
/// after a step-down, sends its priority-0 copy and waits for the master.
fn send_one(
    file: &str,
    c: &Crafted,
    tx: &Announcer,
    engine: &Engine,
    host: &Netns,
    twin: Option<&Twin<'_>>,
) {
    let what = format!("{file} {}", c.name);
    let exp = expect(file, &c.name);
    // The engine steps down exactly where keepalived did, but for interval 0.
    let ka_lost = c.ka_verdict.starts_with("LOST");
    assert_eq!(
        matches!(exp, Expect::StepsDown),
        ka_lost,
        "{what}: the engine's verdict differs from keepalived's ({})",
        c.ka_verdict
    );
    if c.ka_verdict == "kept(->BACKUP)" {
        assert_eq!(c.name, "adver-int-0", "{what}: an undocumented difference");
    }
    let n_ev = engine.events().len();
    let rx0 = engine.stats().adverts_rx;
    let csum0 = matches!(exp, Expect::Kernel).then(|| ip_csum_errors(host));
    let ka0 = twin.map(|t| {
        (
            t.ka.log().len(),
            t.count("Entering BACKUP STATE"),
            t.count("Entering MASTER STATE"),
            (c.ka_first_line.starts_with("[kernel")).then(|| raw6_drops(t.host)),
            (c.ka_first_line == "-" && c.name == "bad-ip-header-checksum")
                .then(|| ip_csum_errors(t.host)),
        )
    });
    tx.send_frame(&c.frame).unwrap();
    if let Some(t) = twin {
        t.tx.send_frame(&c.frame).unwrap();
    }
    let src = frame_src(&c.frame);
    let new_events = || engine.events().split_off(n_ev);
    match exp {
        Expect::Dropped(ok) => {
            let seen = wait_for(LIMIT, || {
                new_events()
                    .iter()
                    .any(|(_, e)| matches!(e, Event::Dropped { .. }))
            });
            let ev = new_events();
            assert!(seen, "{what}: not dropped: {ev:?}");
            match &ev[0].1 {
                Event::Dropped { src: s, reason, .. } => {
                    assert!(ok(reason), "{what}: dropped as {reason:?}");
                    assert_eq!(*s, src, "{what}");
                }
                other => panic!("{what}: {other:?}"),
            }
            assert_eq!(engine.state(), Some(State::Master), "{what}");
        }
        Expect::Kept => {
            assert!(
                wait_for(LIMIT, || engine.stats().adverts_rx > rx0),
                "{what}: not accepted: {:?}",
                new_events()
            );
            assert_eq!(engine.state(), Some(State::Master), "{what}");
        }
        Expect::Kernel => {
            let csum0 = csum0.unwrap();
            assert!(
                wait_for(LIMIT, || ip_csum_errors(host) > csum0),
                "{what}: the kernel did not count a checksum error"
            );
        }
        Expect::StepsDown => {
            assert!(
                wait_for(LIMIT, || new_events().iter().any(|(_, e)| matches!(
                    e,
                    Event::StateChanged {
                        from: State::Master,
                        to: State::Backup,
                        reason: TransitionReason::HigherPriority { .. },
                        ..
                    }
                ))),
                "{what}: the engine did not step down: {:?}",
                new_events()
            );
        }
    }
    if !matches!(exp, Expect::Dropped(_)) {
        assert!(
            !new_events()
                .iter()
                .any(|(_, e)| matches!(e, Event::Dropped { .. })),
            "{what}: {:?}",
            new_events()
        );
    }
    if let (Some(t), Some((len0, down0, master0, raw0, csum0))) = (twin, ka0) {
        let tail = || t.ka.log().split_off(len0);
        let line = c.ka_first_line.as_str();
        if let Some(raw0) = raw0 {
            // keepalived's sockets have IPV6_CHECKSUM: the kernel drops it,
            // once per socket.
            assert!(
                wait_for(LIMIT, || raw6_drops(t.host) > raw0),
                "{what}: keepalived's kernel did not drop it"
            );
        } else if let Some(csum0) = csum0 {
            assert!(
                wait_for(LIMIT, || ip_csum_errors(t.host) > csum0),
                "{what}: keepalived's kernel did not count a checksum error"
            );
        } else if line != "-" {
            assert!(
                wait_for(LIMIT, || tail().contains(line)),
                "{what}: keepalived did not log {line:?}:\n{}",
                tail()
            );
        }
        if c.ka_verdict.contains("->BACKUP") {
            assert!(
                wait_for(LIMIT, || t.count("Entering BACKUP STATE") > down0),
                "{what}: keepalived did not step down:\n{}",
                tail()
            );
        }
        if c.ka_verdict == "kept(->BACKUP)" {
            // Interval 0: keepalived takes over again at once.
            assert!(
                wait_for(LIMIT, || t.count("Entering MASTER STATE") > master0),
                "{what}:\n{}",
                tail()
            );
        }
    }
    if matches!(exp, Expect::StepsDown) {
        // The same advert at priority 0: back to master after Skew_Time.
        let prio0 = with_priority(&c.frame, 0);
        let master0 = twin.map(|t| t.count("Entering MASTER STATE"));
        tx.send_frame(&prio0).unwrap();
        if let Some(t) = twin {
            t.tx.send_frame(&prio0).unwrap();
        }
        assert!(
            engine.wait_state(State::Master, LIMIT),
            "{what}: not master again after priority 0: {:?}",
            new_events()
        );
        if let (Some(t), Some(m0)) = (twin, master0) {
            assert!(
                wait_for(LIMIT, || t.count("Entering MASTER STATE") > m0),
                "{what}: keepalived not master again after priority 0:\n{}",
                t.ka.log()
            );
        }
    }
}

#[test]
fn bogus_v2_over_the_wire() {
    over_the_wire(
        "vrbog2",
        "bogus-v2.txt",
        Flavour {
            version: Version::V2,
            v6: false,
            adv_cs: 100,
            unicast: false,
        },
    );
}

#[test]
fn bogus_v3_over_the_wire() {
    over_the_wire(
        "vrbog3",
        "bogus-v3.txt",
        Flavour {
            version: Version::V3,
            v6: false,
            adv_cs: 100,
            unicast: false,
        },
    );
}

#[test]
fn bogus_v6_over_the_wire() {
    over_the_wire(
        "vrbog6",
        "bogus-v6.txt",
        Flavour {
            version: Version::V3,
            v6: true,
            adv_cs: 100,
            unicast: false,
        },
    );
}
