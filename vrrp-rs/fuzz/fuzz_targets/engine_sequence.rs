//! Fuzz the engine with a sequence of received packets, timer jumps and
//! commands: it must never panic, and never report a deadline in the past.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use vrrp::wire::{AddrList, MCAST_V4, V2Auth, Version};
use vrrp::{Command, InstanceConfig, InstanceId, Received, Router};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else { return };
    let version = if sel & 1 == 0 { Version::V2 } else { Version::V3 };
    let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    let mut cfg = InstanceConfig::new("f", 51, version, 100 + (sel >> 1), me, AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]));
    cfg.auth = V2Auth::pass(b"secret");
    cfg.track_interfaces = 1;
    let mut r = Router::new();
    let vi = r.add_instance(cfg).unwrap();
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let _ = r.handle_command(now, Command::Startup(vi));
    let mut buf = Vec::new();
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 4 {
            0 => {
                let len = usize::from(op >> 2).min(rest.len());
                let (pkt, tail) = rest.split_at(len);
                rest = tail;
                let src = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
                r.handle_packet(now, &Received { src, dst: IpAddr::V4(MCAST_V4), ttl: 255, payload: pkt });
            }
            1 => {
                now += Duration::from_millis(u64::from(op) * 37);
                r.handle_timeout(now);
            }
            2 => {
                let cmd = match op >> 2 & 3 {
                    0 => Command::Startup(vi),
                    1 => Command::Shutdown(vi),
                    _ => Command::InterfaceState { instance: vi, index: usize::from(op >> 4 & 1), up: op & 64 == 0 },
                };
                let _ = r.handle_command(now, cmd);
                let _ = r.handle_command(now, Command::Startup(InstanceId(7)));
            }
            _ => {
                if let Some(t) = r.poll_timeout() {
                    now = now.max(t);
                    r.handle_timeout(now);
                    assert!(r.poll_timeout().is_none_or(|n| n > now));
                }
            }
        }
        while r.poll_transmit(&mut buf).is_some() {}
        while r.poll_event().is_some() {}
    }
});
