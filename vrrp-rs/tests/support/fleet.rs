//! A router with 255 VRIDs and the CPU counters of the calling thread,
//! shared by the idle test (`tests/interop/idle.rs`) and the idle benchmark
//! (`benches/idle.rs`), which include this file by path.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use vrrp::wire::{AddrList, Version};
use vrrp::{Command, InstanceConfig, Router};

/// (voluntary context switches, nanoseconds on CPU) of the calling thread:
/// how often it slept, and how long it ran.
pub(crate) fn usage() -> (i64, u64) {
    let ru = getrusage(UsageWho::RUSAGE_THREAD).expect("getrusage(RUSAGE_THREAD)");
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("read /proc/thread-self/schedstat");
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .expect("schedstat starts with nanoseconds on CPU");
    (ru.voluntary_context_switches(), ns)
}

/// 255 VRRPv3 instances (VRIDs 1..=255, VIP 198.18.1.VRID, own address
/// 198.18.0.1), all started at `t0`.
pub(crate) fn router(t0: Instant, prio: u8, adv: Duration) -> Router {
    let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    let mut r = Router::new();
    for vrid in 1..=255u8 {
        let mut c = InstanceConfig::new(
            &format!("VI_{vrid}"),
            vrid,
            Version::V3,
            prio,
            me,
            AddrList::V4(vec![Ipv4Addr::new(198, 18, 1, vrid)]),
        );
        c.advert_interval = adv;
        let id = r.add_instance(c).expect("a valid instance");
        r.handle_command(t0, Command::Startup(id))
            .expect("startup of a new instance");
    }
    r
}
