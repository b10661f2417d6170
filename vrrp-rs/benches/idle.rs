//! CPU of a router with 255 VRIDs between timer events, on the Linux driver
//! (`run_until`, a timerfd wait): 255 backups through 5 s without a
//! deadline, then 255 masters advertising every second for 5 rounds. Prints
//! wake-ups (getrusage voluntary context switches) and nanoseconds on CPU
//! (`/proc/thread-self/schedstat`), next to a bare `sleep` as the
//! baseline. Needs root (a network namespace).
//!
//! Run: `cargo bench -p vrrp --bench idle`.
#![allow(missing_docs, clippy::disallowed_methods)] // a benchmark driver reads the clock

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::Lan;
use vrrp::linux::{VrrpSocket, ifindex, run_until};
use vrrp::{InstanceId, Router};

#[path = "../tests/support/fleet.rs"]
mod fleet;

use fleet::{router, usage};

fn main() {
    if !lbkit_testsupport::tier::is_root() {
        println!("idle benchmark: skipped, needs root (network namespaces)");
        return;
    }
    let lan = Lan::new("vridleb", 1).unwrap();
    lan.host(1)
        .enter(|| {
            let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
            let sock = VrrpSocket::open("eth0", ifindex("eth0").unwrap(), me).unwrap();
            // Baseline: what one sleep and wake-up costs this thread here.
            let (w0, c0) = usage();
            std::thread::sleep(Duration::from_secs(5));
            let (w1, c1) = usage();
            println!(
                "baseline, a bare 5 s sleep: {} wake-ups, {:.1} µs on CPU",
                w1 - w0,
                (c1 - c0) as f64 / 1e3
            );
            let mut r = router(Instant::now(), 100, Duration::from_secs(10));
            run_until(&mut r, &sock, None, Instant::now(), |_| {}).unwrap();
            let (w0, c0) = usage();
            run_until(&mut r, &sock, None, Instant::now() + Duration::from_secs(5), |_| {}).unwrap();
            let (w1, c1) = usage();
            println!(
                "255 backups, 5 s without a deadline: {} wake-ups, {:.1} µs on CPU",
                w1 - w0,
                (c1 - c0) as f64 / 1e3
            );
            let t0 = Instant::now();
            let mut r = router(t0, 255, Duration::from_secs(1));
            run_until(&mut r, &sock, None, Instant::now(), |_| {}).unwrap();
            let sent = |r: &Router| -> u64 {
                (0..255).map(|i| r.stats(InstanceId(i)).unwrap().adverts_tx).sum()
            };
            let s0 = sent(&r);
            let (w0, c0) = usage();
            run_until(&mut r, &sock, None, t0 + Duration::from_millis(5500), |_| {}).unwrap();
            let (w1, c1) = usage();
            let rounds = (sent(&r) - s0) / 255;
            println!(
                "255 masters at 1 s, {rounds} advert rounds: {} wake-ups, {:.1} µs on CPU a round (255 adverts)",
                w1 - w0,
                (c1 - c0) as f64 / 1e3 / rounds.max(1) as f64
            );
        })
        .unwrap();
}
