//! Failover time, the engine against keepalived 2.2.7 on the same topology in
//! the same run: three hosts on a bridge in network namespaces; h1 (priority
//! 150) is master, h2 (100) backup, h3 a passive observer timestamping every
//! advert. h1 crashes (keepalived: SIGSTOP parent, SIGKILL the VRRP child;
//! engine: its loop stops without a priority-0 advert), and the gap from h1's
//! last advert to h2's first, as h3 sees them, is compared with the RFC 5798
//! Master_Down_Interval. Needs root; prints a table.
//!
//! Run: `cargo bench -p vrrp --bench failover`.
#![allow(missing_docs, clippy::disallowed_methods)] // a benchmark driver reads the clock and sleeps

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::{Lan, Netns};
use vrrp::linux::{Sleeper, VrrpSocket, ifindex, run_until};
use vrrp::wire::{AddrList, Version};
use vrrp::{Command, InstanceConfig, Router, master_down_interval};

fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, n))
}

fn keepalived(ns: &Netns, dir: &std::path::Path, prio: u8, adv: &str) -> Child {
    std::fs::create_dir_all(dir).unwrap();
    let conf = format!(
        "global_defs {{\n    vrrp_version 3\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority {prio}\n    advert_int {adv}\n    virtual_ipaddress {{\n        198.18.0.100/24\n    }}\n}}\n"
    );
    std::fs::write(dir.join("k.conf"), conf).unwrap();
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    ns.command("keepalived")
        .args([
            "-P",
            "-n",
            "-l",
            "-G",
            "-f",
            &p("k.conf"),
            "-p",
            &p("k.pid"),
            "-r",
            &p("v.pid"),
        ])
        .args(["-c", &p("c.pid"), "-b", &p("b.pid")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill(sig: &str, pid: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, pid.trim()])
        .status();
}

/// Observes adverts on h3 until `stop`; returns (time, source) of each.
fn observe(h3: &Netns, stop: &AtomicBool) -> Vec<(Instant, IpAddr)> {
    h3.enter(|| {
        let sock = VrrpSocket::open("eth0", ifindex("eth0").unwrap(), ip(3)).unwrap();
        let sleeper = Sleeper::new().unwrap();
        let mut seen = Vec::new();
        let mut ready = [false];
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
            let wake = Instant::now() + Duration::from_millis(50);
            sleeper.wait(&[sock.fd()], Some(wake), &mut ready).unwrap();
            // Kernel receive timestamps, as a capture has: the observer's
            // own wake-up latency stays out of the gap.
            while let Ok(Some((d, at))) = sock.try_recv() {
                seen.push((at, d.src));
            }
        }
        seen
    })
    .unwrap()
}

fn engine(ns: &Netns, n: u8, prio: u8, adv: Duration, secs: f64) {
    ns.enter(|| {
        let mut c = InstanceConfig::new(
            "bench",
            51,
            Version::V3,
            prio,
            ip(n),
            AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
        );
        c.advert_interval = adv;
        let sock = VrrpSocket::open("eth0", ifindex("eth0").unwrap(), ip(n)).unwrap();
        let mut r = Router::new();
        let vi = r.add_instance(c).unwrap();
        r.handle_command(Instant::now(), Command::Startup(vi))
            .unwrap();
        run_until(
            &mut r,
            &sock,
            None,
            Instant::now() + Duration::from_secs_f64(secs),
            |_| {},
        )
        .unwrap();
    })
    .unwrap();
}

/// One failover; returns the observed gap.
fn failover(lan: &Lan, use_keepalived: bool, adv: Duration, adv_s: &str) -> Option<Duration> {
    let stop = AtomicBool::new(false);
    let settle = 3.5 * adv.as_secs_f64() + 4.5;
    let seen = std::thread::scope(|s| {
        let obs = s.spawn(|| observe(lan.host(3), &stop));
        std::thread::sleep(Duration::from_millis(300));
        let crash_at;
        if use_keepalived {
            let dir = std::env::temp_dir().join(format!("lbkit-vrrp-fo-{}", std::process::id()));
            let mut k1 = keepalived(lan.host(1), &dir.join("h1"), 150, adv_s);
            std::thread::sleep(Duration::from_millis(500));
            let mut k2 = keepalived(lan.host(2), &dir.join("h2"), 100, adv_s);
            std::thread::sleep(Duration::from_secs_f64(settle));
            crash_at = Instant::now();
            let child = std::fs::read_to_string(dir.join("h1/v.pid")).unwrap_or_default();
            kill("-STOP", &k1.id().to_string());
            kill("-KILL", &child);
            kill("-KILL", &k1.id().to_string());
            let _ = k1.wait();
            std::thread::sleep(Duration::from_secs_f64(4.0 * adv.as_secs_f64() + 1.5));
            let _ = k2.kill();
            let _ = k2.wait();
            let _ = std::fs::remove_dir_all(&dir);
        } else {
            let h1 = s.spawn(|| engine(lan.host(1), 1, 150, adv, 0.5 + settle));
            std::thread::sleep(Duration::from_millis(500));
            let h2 = s.spawn(|| {
                engine(
                    lan.host(2),
                    2,
                    100,
                    adv,
                    settle + 4.0 * adv.as_secs_f64() + 1.5,
                );
            });
            h1.join().unwrap();
            crash_at = Instant::now();
            h2.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        let seen = obs.join().unwrap();
        let _ = crash_at;
        seen
    });
    let last = seen
        .iter()
        .filter(|(_, s)| *s == ip(1))
        .map(|(t, _)| *t)
        .max()?;
    let first = seen
        .iter()
        .filter(|(t, s)| *s == ip(2) && *t > last)
        .map(|(t, _)| *t)
        .min()?;
    Some(first - last)
}

fn main() {
    if !nix_is_root() {
        println!("failover benchmark: skipped, needs root (network namespaces)");
        return;
    }
    if !std::path::Path::new("/usr/sbin/keepalived").exists() {
        println!("failover benchmark: skipped, keepalived is missing (apt-get install keepalived)");
        return;
    }
    let lan = Lan::new("vrfo", 3).unwrap();
    println!(
        "{:<10} {:>8} {:>14} {:>14} {:>12}",
        "peer", "advert", "gap", "formula", "excess"
    );
    for (adv, adv_s, runs) in [
        (Duration::from_secs(1), "1", 3),
        (Duration::from_millis(100), "0.1", 5),
        (Duration::from_millis(10), "0.01", 5),
    ] {
        let (formula, _) = master_down_interval(Version::V3, 100, adv);
        // Runs alternate between the peers, so that the load of the shared
        // machine falls on both alike.
        let mut excess = [Vec::new(), Vec::new()];
        for _ in 0..runs {
            for (k, use_k) in [true, false].into_iter().enumerate() {
                let name = if use_k { "keepalived" } else { "lbkit" };
                match failover(&lan, use_k, adv, adv_s) {
                    Some(gap) => {
                        let ex = gap.as_secs_f64() - formula.as_secs_f64();
                        println!(
                            "{name:<10} {adv_s:>8} {:>12.6} s {:>12.6} s {:>+9.3} ms",
                            gap.as_secs_f64(),
                            formula.as_secs_f64(),
                            ex * 1e3
                        );
                        excess[k].push(ex);
                    }
                    None => println!("{name:<10} {adv_s:>8}  no failover observed"),
                }
            }
        }
        for (k, name) in ["keepalived", "lbkit"].into_iter().enumerate() {
            let ex = &mut excess[k];
            ex.sort_by(f64::total_cmp);
            if let Some(m) = ex.get(ex.len() / 2) {
                println!(
                    "{name:<10} {adv_s:>8} median excess {:+.3} ms over {} runs",
                    m * 1e3,
                    ex.len()
                );
            }
        }
    }
}

fn nix_is_root() -> bool {
    lbkit_testsupport::tier::is_root()
}
