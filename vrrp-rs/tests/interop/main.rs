//! Interop with the real keepalived (Debian's 2.2.7) in network namespaces
//! (namespace tier): the engine on raw sockets, keepalived run VRRP-only with
//! private pid files, on a two-host `Lan` (198.18.0.0/24, fd00::/64).
//!
//! Every flavour (v2 PASS, v3 IPv4 at 1 s and 0.1 s, v3 IPv6, v3 unicast)
//! runs both ways: keepalived master with the engine as backup, and the
//! reverse. Each test waits for protocol conditions (a state, a log line, a
//! number of adverts) under generous limits, never for a fixed time.

// This test is an IO driver: it reads the clock and sleeps, as drivers do.
#![allow(clippy::disallowed_methods)]

mod accept;
mod bogus;
mod harness;
mod idle;
mod vmac;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use harness::{
    Engine, Flavour, Keepalived, Observer, VI, keepalived_present, run_announcing, wait_for,
    wait_v6_ready,
};
use lbkit_testsupport::netns::Lan;
use lbkit_testsupport::tier;
use vrrp::linux::ifindex;
use vrrp::wire::Version;
use vrrp::{Event, State, TransitionReason};

const V2_PASS: Flavour = Flavour {
    version: Version::V2,
    v6: false,
    adv_cs: 100,
    unicast: false,
};
const V3_IPV4: Flavour = Flavour {
    version: Version::V3,
    v6: false,
    adv_cs: 100,
    unicast: false,
};
const V3_FAST: Flavour = Flavour {
    version: Version::V3,
    v6: false,
    adv_cs: 10,
    unicast: false,
};
const V3_IPV6: Flavour = Flavour {
    version: Version::V3,
    v6: true,
    adv_cs: 100,
    unicast: false,
};
const V3_UNICAST: Flavour = Flavour {
    version: Version::V3,
    v6: false,
    adv_cs: 10,
    unicast: true,
};

/// A bound for waits on protocol events: far above any Master_Down_Interval
/// of the flavour plus keepalived's start-up.
fn limit(f: Flavour) -> Duration {
    f.adv() * 12 + Duration::from_secs(5)
}

fn gate(tag: &str) -> bool {
    tier::namespace(tag) && keepalived_present(tag)
}

fn lan(tag: &str, f: Flavour) -> Option<Lan> {
    if !gate(tag) {
        return None;
    }
    let lan = Lan::new(tag, 2).unwrap();
    if f.v6 {
        wait_v6_ready(&lan, 2);
    }
    Some(lan)
}

/// keepalived's log has no complaint about any packet.
fn assert_no_complaint(log: &str) {
    for bad in [
        "invalid",
        "Invalid",
        "wrong",
        "too short",
        "too long",
        "mismatch",
    ] {
        assert!(!log.contains(bad), "keepalived complained ({bad}):\n{log}");
    }
}

/// keepalived's adverts (host 1, priority `ka_prio`) are byte for byte the
/// engine's for the same configuration; with IPv4, the IP headers of both
/// peers' adverts are equal but for the identification, the header checksum
/// (which covers it) and the addresses.
fn assert_same_bytes(f: Flavour, ka: &Observer, ka_prio: u8, lbkit: &Observer, lbkit_prio: u8) {
    let theirs = ka.from(f.addr(1));
    let ka_adv = theirs
        .iter()
        .find(|s| s.payload.get(2) == Some(&ka_prio))
        .unwrap_or_else(|| panic!("no advert of keepalived at priority {ka_prio}: {theirs:?}"));
    assert_eq!(
        ka_adv.payload,
        f.engine_advert(1, ka_prio),
        "{f:?}: keepalived's advert differs from the engine's for the same configuration"
    );
    let ours = lbkit.from(f.addr(2));
    let lb_adv = ours
        .iter()
        .find(|s| s.payload.get(2) == Some(&lbkit_prio))
        .unwrap_or_else(|| panic!("no advert of the engine at priority {lbkit_prio}: {ours:?}"));
    assert_eq!(lb_adv.payload, f.engine_advert(2, lbkit_prio));
    assert_eq!((ka_adv.ttl, lb_adv.ttl), (255, 255));
    if let (Some(a), Some(b)) = (&ka_adv.ip_header, &lb_adv.ip_header) {
        let mask = |h: &[u8]| {
            let mut h = h.to_vec();
            for i in [4, 5, 10, 11] {
                h[i] = 0;
            }
            h[12..20].fill(0);
            h
        };
        assert_eq!(
            mask(a),
            mask(b),
            "{f:?}: IPv4 headers differ beyond ID, checksum and addresses"
        );
    }
}

/// keepalived (150) is master; the engine (100) stays backup, accepting every
/// advert; on keepalived's SIGTERM it gets priority 0 and takes over after
/// its Skew_Time. keepalived's adverts are byte for byte the engine's.
fn keepalived_master(tag: &str, f: Flavour) {
    let Some(lan) = lan(tag, f) else { return };
    let lim = limit(f);
    let mut ka = Keepalived::start(lan.host(1), tag, &f.keepalived_conf(1, 150, ""));
    assert!(
        ka.wait_log("Entering MASTER STATE", lim),
        "keepalived log:\n{}",
        ka.log()
    );
    let engine = Engine::default();
    let (at1, at2) = (Observer::default(), Observer::default());
    let log = std::thread::scope(|s| {
        at1.spawn(s, lan.host(1), f.addr(1));
        at2.spawn(s, lan.host(2), f.addr(2));
        let h = engine.spawn(s, lan.host(2), f.engine_conf(2, 100));
        assert!(
            wait_for(lim, || engine.stats().adverts_rx >= 3),
            "{:?}",
            engine.stats()
        );
        assert_eq!(engine.state(), Some(State::Backup));
        let log = ka.stop();
        assert!(
            engine.wait_state(State::Master, lim),
            "{:?}",
            engine.events()
        );
        assert!(at1.wait_adverts(f.addr(2), 100, 1, lim));
        engine.crash();
        h.join().unwrap();
        at1.stop();
        at2.stop();
        log
    });
    assert!(
        log.contains("Entering MASTER STATE"),
        "keepalived log:\n{log}"
    );
    engine.assert_no_drops();
    let s = engine.stats();
    assert_eq!(
        s.prio0_rx, 1,
        "keepalived's priority-0 advert on SIGTERM: {s:?}"
    );
    assert!(engine.events().iter().any(|(_, e)| matches!(
        e,
        Event::StateChanged {
            to: State::Master,
            reason: TransitionReason::MasterDown,
            ..
        }
    )));
    assert_same_bytes(f, &at2, 150, &at1, 100);
}

/// The engine (200) is master; keepalived (150) starts, accepts its adverts
/// and stays backup (for longer than its Master_Down_Interval), never
/// logging a bad packet. Then the engine stops gracefully: keepalived gets
/// its priority-0 advert and takes over.
fn lbkit_master(tag: &str, f: Flavour) {
    let Some(lan) = lan(tag, f) else { return };
    let lim = limit(f);
    let engine = Engine::default();
    let (at1, at2) = (Observer::default(), Observer::default());
    let log = std::thread::scope(|s| {
        at1.spawn(s, lan.host(1), f.addr(1));
        at2.spawn(s, lan.host(2), f.addr(2));
        let h = engine.spawn(s, lan.host(2), f.engine_conf(2, 200));
        assert!(
            engine.wait_state(State::Master, lim),
            "{:?}",
            engine.events()
        );
        let mut ka = Keepalived::start(lan.host(1), tag, &f.keepalived_conf(1, 150, ""));
        assert!(
            ka.wait_log("Entering BACKUP STATE", lim),
            "keepalived log:\n{}",
            ka.log()
        );
        // Five more adverts: longer than keepalived's Master_Down_Interval.
        let n = at1.from(f.addr(2)).len();
        assert!(at1.wait_adverts(f.addr(2), 200, n + 5, lim));
        assert!(
            !ka.log().contains("Entering MASTER STATE"),
            "keepalived took over:\n{}",
            ka.log()
        );
        engine.shutdown();
        h.join().unwrap();
        assert!(
            ka.wait_log("Entering MASTER STATE", lim),
            "keepalived did not take over after the priority-0 advert:\n{}",
            ka.log()
        );
        assert!(at2.wait_adverts(f.addr(1), 150, 1, lim));
        at1.stop();
        at2.stop();
        ka.stop()
    });
    engine.assert_no_drops();
    assert_eq!(engine.state(), Some(State::Initialize));
    assert_eq!(engine.stats().prio0_tx, 1);
    assert!(
        log.contains("Backup received priority 0 advertisement"),
        "keepalived log:\n{log}"
    );
    assert_no_complaint(&log);
    assert_same_bytes(f, &at2, 150, &at1, 200);
}

#[test]
fn v2_pass_keepalived_master() {
    keepalived_master("vrka2m", V2_PASS);
}

#[test]
fn v2_pass_lbkit_master() {
    lbkit_master("vrka2l", V2_PASS);
}

#[test]
fn v3_ipv4_keepalived_master() {
    keepalived_master("vrka3m", V3_IPV4);
}

#[test]
fn v3_ipv4_lbkit_master() {
    lbkit_master("vrka3l", V3_IPV4);
}

#[test]
fn v3_ipv4_fast_keepalived_master() {
    keepalived_master("vrkafm", V3_FAST);
}

#[test]
fn v3_ipv4_fast_lbkit_master() {
    lbkit_master("vrkafl", V3_FAST);
}

#[test]
fn v3_ipv6_keepalived_master() {
    keepalived_master("vrka6m", V3_IPV6);
}

#[test]
fn v3_ipv6_lbkit_master() {
    lbkit_master("vrka6l", V3_IPV6);
}

#[test]
fn v3_unicast_keepalived_master() {
    keepalived_master("vrkaum", V3_UNICAST);
}

#[test]
fn v3_unicast_lbkit_master() {
    lbkit_master("vrkaul", V3_UNICAST);
}

#[test]
fn vip_add_remove_through_rtnetlink() {
    let tag = "vrvip";
    if !tier::namespace(tag) {
        return;
    }
    let lan = Lan::new(tag, 1).unwrap();
    let h = lan.host(1);
    let v4 = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 100));
    let v6 = IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100));
    let show = || h.ip(&["addr", "show", "dev", "eth0"]).unwrap();
    h.enter(|| {
        let idx = ifindex("eth0").unwrap();
        vrrp::linux::set_vip(idx, v4, 24, true).unwrap();
        vrrp::linux::set_vip(idx, v4, 24, true).unwrap(); // idempotent
        vrrp::linux::set_vip(idx, v6, 64, true).unwrap();
    })
    .unwrap();
    let out = show();
    assert!(
        out.contains("inet 198.18.0.100/24") && out.contains("inet6 fd00::100/64"),
        "{out}"
    );
    h.enter(|| {
        let idx = ifindex("eth0").unwrap();
        vrrp::linux::set_vip(idx, v4, 24, false).unwrap();
        vrrp::linux::set_vip(idx, v4, 24, false).unwrap(); // already gone: fine
        vrrp::linux::set_vip(idx, v6, 64, false).unwrap();
        let err = vrrp::linux::set_vip(9999, v4, 24, true).unwrap_err();
        assert!(err.to_string().contains("9999"), "{err}");
    })
    .unwrap();
    let out = show();
    assert!(
        !out.contains("198.18.0.100") && !out.contains("fd00::100"),
        "{out}"
    );
}

/// The engine alone becomes master, adds its address through rtnetlink and
/// announces it: the other host, which still has the old master's MAC for the
/// address, updates it from the GARP / unsolicited NA (Override flag).
fn announce(tag: &str, v6: bool) {
    if !tier::namespace(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let h1 = lan.host(1);
    if v6 {
        wait_v6_ready(&lan, 2);
    }
    let f = if v6 { V3_IPV6 } else { V3_FAST };
    let mut cfg = f.engine_conf(2, 100);
    cfg.advert_interval = Duration::from_millis(100);
    cfg.mac = vrrp::wire::MacAddr([2, 0, 0, 0, 0, 2]);
    cfg.garp.master_delay = Duration::ZERO;
    let vip = cfg.vips.iter().next().unwrap();
    let prefix = if v6 { 64 } else { 24 };
    // h1 still has the old master's MAC for the address, as after a failover.
    let vip_s = vip.to_string();
    h1.ip(&[
        "neigh",
        "replace",
        &vip_s,
        "lladdr",
        "02:00:00:00:00:99",
        "dev",
        "eth0",
        "nud",
        "stale",
    ])
    .unwrap();
    // Master after 0.36 s; the run lasts well beyond.
    let (r, events) = run_announcing(lan.host(2), cfg, prefix, 2);
    assert_eq!(r.state(VI), Some(State::Master), "{events:?}");
    let s = r.stats(VI).unwrap();
    assert_eq!(s.garp_tx + s.na_tx, 5);
    let neigh = h1.ip(&["neigh", "show", "dev", "eth0"]).unwrap();
    assert!(
        neigh
            .lines()
            .any(|l| l.starts_with(&format!("{vip} ")) && l.contains("02:00:00:00:00:02")),
        "h1 did not update {vip} from the announcements:\n{neigh}"
    );
}

#[test]
fn garp_teaches_the_segment() {
    announce("vrgarp", false);
}

#[test]
fn unsolicited_na_teaches_the_segment() {
    announce("vrna", true);
}

/// keepalived (150) is master and crashes for real: the engine (100) takes
/// over when Master_Down_Interval expires, with no priority-0 advert.
#[test]
fn v3_ipv4_keepalived_crash_failover() {
    let tag = "vrkacr";
    let f = V3_FAST;
    let Some(lan) = lan(tag, f) else { return };
    let lim = limit(f);
    let mut ka = Keepalived::start(lan.host(1), tag, &f.keepalived_conf(1, 150, ""));
    assert!(ka.wait_log("Entering MASTER STATE", lim), "{}", ka.log());
    let engine = Engine::default();
    std::thread::scope(|s| {
        let h = engine.spawn(s, lan.host(2), f.engine_conf(2, 100));
        assert!(wait_for(lim, || engine.stats().adverts_rx >= 2));
        ka.crash();
        assert!(
            engine.wait_state(State::Master, lim),
            "{:?}",
            engine.events()
        );
        engine.crash();
        h.join().unwrap();
    });
    engine.assert_no_drops();
    let s = engine.stats();
    assert_eq!(s.prio0_rx, 0, "a crash sends no priority 0: {s:?}");
    assert!(engine.events().iter().any(|(_, e)| matches!(
        e,
        Event::StateChanged {
            to: State::Master,
            reason: TransitionReason::MasterDown,
            ..
        }
    )));
}

/// The engine (100) is master; keepalived (150) starts and preempts it: the
/// engine yields on the first higher-priority advert, and is master again
/// after keepalived's graceful stop. With `nopreempt`, keepalived stays
/// backup (while the engine sends more adverts than its
/// Master_Down_Interval lasts).
#[test]
fn v2_keepalived_preempts_unless_nopreempt() {
    let tag = "vrkapre";
    let f = V2_PASS;
    if !gate(tag) {
        return;
    }
    let lim = limit(f);
    for nopreempt in [false, true] {
        let lan = Lan::new(&format!("{tag}{}", u8::from(nopreempt)), 2).unwrap();
        let extra = if nopreempt { "    nopreempt\n" } else { "" };
        let engine = Engine::default();
        let at1 = Observer::default();
        let log = std::thread::scope(|s| {
            at1.spawn(s, lan.host(1), f.addr(1));
            let h = engine.spawn(s, lan.host(2), f.engine_conf(2, 100));
            assert!(engine.wait_state(State::Master, lim));
            let mut ka = Keepalived::start(lan.host(1), tag, &f.keepalived_conf(1, 150, extra));
            if nopreempt {
                assert!(ka.wait_log("Entering BACKUP STATE", lim), "{}", ka.log());
                // Five more adverts: longer than keepalived's Master_Down_Interval.
                let n = at1.from(f.addr(2)).len();
                assert!(at1.wait_adverts(f.addr(2), 100, n + 5, lim));
            } else {
                assert!(ka.wait_log("Entering MASTER STATE", lim), "{}", ka.log());
                assert!(engine.wait_state(State::Backup, lim));
            }
            let log = ka.stop();
            // After keepalived's stop the engine is (or stays) master.
            assert!(engine.wait_state(State::Master, lim));
            engine.crash();
            h.join().unwrap();
            at1.stop();
            log
        });
        engine.assert_no_drops();
        let yielded = engine.events().iter().any(|(_, e)| {
            matches!(
                e,
                Event::StateChanged {
                    from: State::Master,
                    to: State::Backup,
                    reason: TransitionReason::HigherPriority { priority: 150, .. },
                    ..
                }
            )
        });
        if nopreempt {
            assert!(!yielded, "nopreempt: keepalived must not take over:\n{log}");
            assert!(!log.contains("Entering MASTER STATE"), "{log}");
        } else {
            assert!(
                yielded,
                "keepalived did not preempt: {:?}\n{log}",
                engine.events()
            );
        }
    }
}

/// preempt_delay, both ways (v3, 0.1 s adverts, delay 1 s). The engine (150,
/// preempt_delay) meets keepalived (100) as master: it accepts keepalived's
/// adverts until the delay ends and takes over Master_Down_Interval after
/// the last one, never before the delay's end. Then keepalived (150,
/// preempt_delay) meets the engine (100) as master: it logs the delay and
/// takes over; the engine yields.
#[test]
fn v3_preempt_delay_both_ways() {
    let tag = "vrkapd";
    let f = V3_FAST;
    let Some(lan) = lan(tag, f) else { return };
    let lim = limit(f) + Duration::from_secs(1);
    let mut ka = Keepalived::start(lan.host(1), tag, &f.keepalived_conf(1, 100, ""));
    assert!(ka.wait_log("Entering MASTER STATE", lim), "{}", ka.log());
    let engine = Engine::default();
    std::thread::scope(|s| {
        let mut cfg = f.engine_conf(2, 150);
        cfg.preempt_delay = Duration::from_secs(1);
        let h = engine.spawn(s, lan.host(2), cfg);
        assert!(
            engine.wait_state(State::Master, lim),
            "{:?}",
            engine.events()
        );
        // Once at start-up ("(init)"), once on the engine's first advert.
        assert!(
            ka.wait_log_count("Entering BACKUP STATE", 2, lim),
            "{}",
            ka.log()
        );
        engine.crash();
        h.join().unwrap();
    });
    ka.stop();
    engine.assert_no_drops();
    let events = engine.events();
    let until = events
        .iter()
        .find_map(|(_, e)| match e {
            Event::PreemptDelayStarted { until, .. } => Some(*until),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no preempt delay: {events:?}"));
    let (took_over, reason) = events
        .iter()
        .find_map(|(t, e)| match e {
            Event::StateChanged {
                to: State::Master,
                reason,
                ..
            } => Some((*t, *reason)),
            _ => None,
        })
        .unwrap();
    assert_eq!(reason, TransitionReason::MasterDown);
    assert!(
        took_over >= until,
        "took over before the preempt delay ended"
    );
    assert!(engine.stats().adverts_rx >= 3, "{:?}", engine.stats());

    // The other way round, on a fresh LAN (keepalived keeps no state).
    let lan = Lan::new(&format!("{tag}2"), 2).unwrap();
    let engine = Engine::default();
    let log = std::thread::scope(|s| {
        let h = engine.spawn(s, lan.host(2), f.engine_conf(2, 100));
        assert!(engine.wait_state(State::Master, lim));
        let mut ka = Keepalived::start(
            lan.host(1),
            tag,
            &f.keepalived_conf(1, 150, "    preempt_delay 1\n"),
        );
        assert!(ka.wait_log("start preempt delay", lim), "{}", ka.log());
        assert!(ka.wait_log("Entering MASTER STATE", lim), "{}", ka.log());
        assert!(engine.wait_state(State::Backup, lim));
        engine.crash();
        h.join().unwrap();
        ka.stop()
    });
    engine.assert_no_drops();
    assert_no_complaint(&log);
    assert!(engine.events().iter().any(|(_, e)| matches!(
        e,
        Event::StateChanged {
            from: State::Master,
            to: State::Backup,
            reason: TransitionReason::HigherPriority { priority: 150, .. },
            ..
        }
    )));
}
