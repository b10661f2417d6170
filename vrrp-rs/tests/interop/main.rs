//! Interop with the real keepalived (Debian's 2.2.7) in network namespaces
//! (namespace tier): the engine on raw sockets, keepalived run VRRP-only with
//! private pid files, on a two-host `Lan` (198.18.0.0/24, fd00::/64).

// This test is an IO driver: it reads the clock and sleeps, as drivers do.
#![allow(clippy::disallowed_methods)]

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;
use vrrp::linux::{VrrpSocket, ifindex, run_until};
use vrrp::wire::{AddrList, V2Auth, Version};
use vrrp::{Command, Event, InstanceConfig, InstanceId, Router, State, TransitionReason};

const VI: InstanceId = InstanceId(0);

fn keepalived_present(test: &str) -> bool {
    if std::path::Path::new("/usr/sbin/keepalived").exists() {
        return true;
    }
    assert!(
        !tier::required(),
        "{test}: keepalived is missing (apt-get install keepalived)"
    );
    eprintln!("{test}: skipped, keepalived is missing (apt-get install keepalived)");
    false
}

/// Waits (at most 10 s) until no IPv6 address of the hosts is tentative (DAD).
fn wait_v6_ready(lan: &Lan) {
    for i in 1..=2 {
        for _ in 0..100 {
            let out = lan
                .host(i)
                .ip(&["-6", "addr", "show", "dev", "eth0", "tentative"])
                .unwrap();
            if out.trim().is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A keepalived in a namespace; SIGKILLed on drop if still running.
struct Keepalived {
    child: Child,
    dir: PathBuf,
}

impl Keepalived {
    fn start(ns: &Netns, tag: &str, conf: &str) -> Keepalived {
        let dir = std::env::temp_dir().join(format!("lbkit-vrrp-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("keepalived.conf");
        std::fs::write(&f, conf).unwrap();
        let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
        let child = ns
            .command("keepalived")
            .args([
                "-P",
                "-n",
                "-l",
                "-D",
                "-G",
                "-f",
                &p("keepalived.conf"),
                "-p",
                &p("k.pid"),
            ])
            .args(["-r", &p("v.pid"), "-c", &p("c.pid"), "-b", &p("b.pid")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("keepalived starts");
        Keepalived { child, dir }
    }

    /// SIGTERM (graceful: a master sends priority 0), then wait at most 10 s.
    fn stop(&mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        for _ in 0..100 {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut log);
        }
        log
    }
}

impl Keepalived {
    /// A real crash: SIGSTOP the parent (or it respawns the child), SIGKILL
    /// the VRRP child (whose PID is in the -r file), then the parent. A
    /// SIGKILL of the parent alone is not a crash: the child gets SIGTERM
    /// through PR_SET_PDEATHSIG and sends priority 0.
    fn crash(&mut self) -> String {
        let parent = self.child.id().to_string();
        let child = std::fs::read_to_string(self.dir.join("v.pid"))
            .expect("keepalived wrote its VRRP child's pid");
        let kill = |sig: &str, pid: &str| {
            let _ = std::process::Command::new("kill")
                .args([sig, pid.trim()])
                .status();
        };
        kill("-STOP", &parent);
        kill("-KILL", &child);
        kill("-KILL", &parent);
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn conf(version: u8, prio: u8, vip: &str, auth: bool) -> String {
    let auth = if auth {
        "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n    router_id r1\n    vrrp_version {version}\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority {prio}\n    advert_int 1\n{auth}    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

fn lbkit(version: Version, prio: u8, v6: bool) -> InstanceConfig {
    let mut c = if v6 {
        InstanceConfig::new(
            "lbkit",
            51,
            version,
            prio,
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 2)),
            AddrList::V6(vec![Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100)]),
        )
    } else {
        InstanceConfig::new(
            "lbkit",
            51,
            version,
            prio,
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
            AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
        )
    };
    if version == Version::V2 {
        c.auth = V2Auth::pass(b"secret");
    }
    c
}

/// Runs the engine in host 2 for `secs` seconds; returns the router and its events.
fn run_engine(host: &Netns, cfg: InstanceConfig, secs: u64) -> (Router, Vec<Event>) {
    host.enter(move || {
        let sock = VrrpSocket::open("eth0", ifindex("eth0").unwrap(), cfg.primary).unwrap();
        let mut r = Router::new();
        r.add_instance(cfg).unwrap();
        r.handle_command(Instant::now(), Command::Startup(VI))
            .unwrap();
        let mut events = Vec::new();
        run_until(
            &mut r,
            &sock,
            None,
            Instant::now() + Duration::from_secs(secs),
            |e| events.push(e),
        )
        .unwrap();
        (r, events)
    })
    .unwrap()
}

fn no_drops(events: &[Event]) {
    let drops: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::Dropped { .. }))
        .collect();
    assert!(drops.is_empty(), "drops of keepalived's adverts: {drops:?}");
}

/// keepalived (150) is master; the engine (100) stays backup, accepting every
/// advert; on keepalived's SIGTERM it gets priority 0 and takes over.
fn keepalived_master(tag: &str, version: Version, v6: bool) {
    if !tier::namespace(tag) || !keepalived_present(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    if v6 {
        wait_v6_ready(&lan);
    }
    let vip = if v6 {
        "fd00::100/64"
    } else {
        "198.18.0.100/24"
    };
    let mut ka = Keepalived::start(
        lan.host(1),
        tag,
        &conf(version.number(), 150, vip, version == Version::V2),
    );
    std::thread::sleep(Duration::from_secs(5)); // keepalived: 3.4 s to master
    let (result, log) = std::thread::scope(|s| {
        let engine = s.spawn(|| run_engine(lan.host(2), lbkit(version, 100, v6), 8));
        std::thread::sleep(Duration::from_secs(5));
        let log = ka.stop();
        (engine.join().unwrap(), log)
    });
    let (r, events) = result;
    assert!(
        log.contains("Entering MASTER STATE"),
        "keepalived log:\n{log}"
    );
    no_drops(&events);
    let s = r.stats(VI).unwrap();
    assert!(s.adverts_rx >= 3, "{s:?}");
    assert_eq!(
        s.prio0_rx, 1,
        "keepalived's priority-0 advert on SIGTERM: {s:?}"
    );
    assert_eq!(r.state(VI), Some(State::Master));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::StateChanged {
            to: State::Master,
            reason: TransitionReason::MasterDown,
            ..
        }
    )));
}

/// The engine (200) is master; keepalived (150) accepts its adverts and stays
/// backup, never logging a bad packet.
fn lbkit_master(tag: &str, version: Version, v6: bool) {
    if !tier::namespace(tag) || !keepalived_present(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    if v6 {
        wait_v6_ready(&lan);
    }
    let vip = if v6 {
        "fd00::100/64"
    } else {
        "198.18.0.100/24"
    };
    // The engine starts first and is master before keepalived comes up.
    let (result, log) = std::thread::scope(|s| {
        let engine = s.spawn(|| run_engine(lan.host(2), lbkit(version, 200, v6), 10));
        std::thread::sleep(Duration::from_secs(1));
        let mut ka = Keepalived::start(
            lan.host(1),
            tag,
            &conf(version.number(), 150, vip, version == Version::V2),
        );
        std::thread::sleep(Duration::from_secs(8));
        let log = ka.stop();
        (engine.join().unwrap(), log)
    });
    let (r, events) = result;
    no_drops(&events);
    assert_eq!(r.state(VI), Some(State::Master));
    assert!(
        log.contains("Entering BACKUP STATE"),
        "keepalived log:\n{log}"
    );
    assert!(
        !log.contains("Entering MASTER STATE"),
        "keepalived took over:\n{log}"
    );
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

#[test]
fn v2_pass_keepalived_master() {
    keepalived_master("vrka2m", Version::V2, false);
}

#[test]
fn v2_pass_lbkit_master() {
    lbkit_master("vrka2l", Version::V2, false);
}

#[test]
fn v3_ipv4_keepalived_master() {
    keepalived_master("vrka3m", Version::V3, false);
}

#[test]
fn v3_ipv4_lbkit_master() {
    lbkit_master("vrka3l", Version::V3, false);
}

#[test]
fn v3_ipv6_keepalived_master() {
    keepalived_master("vrka6m", Version::V3, true);
}

#[test]
fn v3_ipv6_lbkit_master() {
    lbkit_master("vrka6l", Version::V3, true);
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
        wait_v6_ready(&lan);
    }
    let cfg = {
        let mut c = lbkit(Version::V3, 100, v6);
        c.mac = vrrp::wire::MacAddr([2, 0, 0, 0, 0, 2]);
        c.garp.master_delay = Duration::ZERO;
        c
    };
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
    let (r, events) = lan
        .host(2)
        .enter(move || {
            let idx = ifindex("eth0").unwrap();
            let sock = VrrpSocket::open("eth0", idx, cfg.primary).unwrap();
            let ann = vrrp::linux::Announcer::open(idx).unwrap();
            let mut r = Router::new();
            r.add_instance(cfg).unwrap();
            r.handle_command(Instant::now(), Command::Startup(VI))
                .unwrap();
            let mut events = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(5);
            run_until(&mut r, &sock, Some(&ann), deadline, |e| {
                if let Event::StateChanged {
                    to: State::Master, ..
                } = e
                {
                    vrrp::linux::set_vip(idx, vip, prefix, true).unwrap();
                }
                events.push(e);
            })
            .unwrap();
            (r, events)
        })
        .unwrap();
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
    if !tier::namespace(tag) || !keepalived_present(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let mut ka = Keepalived::start(lan.host(1), tag, &conf(3, 150, "198.18.0.100/24", false));
    std::thread::sleep(Duration::from_secs(5));
    let ((r, events), log) = std::thread::scope(|s| {
        let engine = s.spawn(|| run_engine(lan.host(2), lbkit(Version::V3, 100, false), 9));
        std::thread::sleep(Duration::from_secs(4));
        let log = ka.crash();
        (engine.join().unwrap(), log)
    });
    assert!(
        log.contains("Entering MASTER STATE"),
        "keepalived log:\n{log}"
    );
    no_drops(&events);
    let s = r.stats(VI).unwrap();
    assert_eq!(s.prio0_rx, 0, "a crash sends no priority 0: {s:?}");
    assert!(s.adverts_rx >= 2, "{s:?}");
    assert_eq!(r.state(VI), Some(State::Master));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::StateChanged {
            to: State::Master,
            reason: TransitionReason::MasterDown,
            ..
        }
    )));
}

/// The engine (100) is master; keepalived (150) starts and preempts it: the
/// engine yields on the first higher-priority advert. With `nopreempt`,
/// keepalived stays backup.
#[test]
fn v2_keepalived_preempts_unless_nopreempt() {
    let tag = "vrkapre";
    if !tier::namespace(tag) || !keepalived_present(tag) {
        return;
    }
    for nopreempt in [false, true] {
        let lan = Lan::new(&format!("{tag}{}", u8::from(nopreempt)), 2).unwrap();
        let mut conf = conf(2, 150, "198.18.0.100/24", true);
        if nopreempt {
            conf = conf.replace("    priority 150\n", "    priority 150\n    nopreempt\n");
        }
        let ((r, events), log) = std::thread::scope(|s| {
            let engine = s.spawn(|| run_engine(lan.host(2), lbkit(Version::V2, 100, false), 12));
            std::thread::sleep(Duration::from_secs(5)); // the engine is master after 3.6 s
            let mut ka = Keepalived::start(lan.host(1), tag, &conf);
            std::thread::sleep(Duration::from_secs(6));
            let log = ka.stop();
            (engine.join().unwrap(), log)
        });
        no_drops(&events);
        let yielded = events.iter().any(|e| {
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
            assert!(yielded, "keepalived did not preempt: {events:?}\n{log}");
            assert!(log.contains("Entering MASTER STATE"), "{log}");
            // keepalived then stopped gracefully: the engine is master again.
            assert_eq!(r.state(VI), Some(State::Master));
        }
    }
}
