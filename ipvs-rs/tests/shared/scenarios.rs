//! The wire-fixture scenarios, shared by the kernel test that captures them
//! and the unit-tier test that checks them.

#![allow(dead_code, unreachable_pub)]

use std::net::IpAddr;

use ipvs::{
    AddressFamily, DaemonState, Destination, Forwarding, Service, ServiceFlags, ServiceKey,
    SyncDaemon, TunnelFlags, TunnelType,
};

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A persistent TCP service with a /24 granularity.
pub fn tcp_service() -> Service {
    let mut s = Service::new(ServiceKey::tcp(ip("198.18.0.10"), 80), "wlc");
    s.settings.flags = ServiceFlags::PERSISTENT;
    s.settings.timeout = 300;
    s.settings.netmask_prefix = 24;
    s
}

/// An IPv6 UDP service with one-packet scheduling and scheduler flags.
pub fn udp6_service() -> Service {
    let mut s = Service::new(ServiceKey::udp(ip("fd00::10"), 53), "sh");
    s.settings.flags = ServiceFlags::ONE_PACKET | ServiceFlags::SH_PORT;
    s
}

/// An IPv6 firewall-mark service.
pub fn fwmark_service() -> Service {
    Service::new(ServiceKey::fwmark(21, AddressFamily::INET6), "mh")
}

/// A NAT destination with thresholds.
pub fn masq_dest() -> Destination {
    let mut d = Destination::new(ip("198.18.0.20"), 8080, Forwarding::MASQ, 3);
    d.settings.upper_threshold = 100;
    d.settings.lower_threshold = 10;
    d
}

/// A GUE tunnel destination.
pub fn gue_dest() -> Destination {
    let mut d = Destination::new(ip("198.18.0.21"), 80, Forwarding::TUNNEL, 1);
    d.settings.tun_type = TunnelType::GUE;
    d.settings.tun_port = 6080;
    d.settings.tun_flags = TunnelFlags::REMCSUM;
    d
}

/// A backup sync daemon on loopback.
pub fn backup_daemon() -> SyncDaemon {
    let mut d = SyncDaemon::new(DaemonState::BACKUP, "lo", 9);
    d.mcast_group = Some(ip("239.255.1.2"));
    d.mcast_port = 8850;
    d.mcast_ttl = 2;
    d.sync_maxlen = 1400;
    d
}

/// Fixture names, in capture order.
pub const NAMES: &[&str] = &[
    "resolve_family",
    "add_service",
    "add_service_exists",
    "get_service",
    "add_dests",
    "dump_dests",
    "dump_services",
    "info",
    "timeouts",
    "start_daemon",
    "dump_daemons",
    "del_service_missing",
];

/// Parses a fixture file: `> hex` sent, `< hex` received, `#` comments.
pub fn parse_fixture(text: &str) -> Vec<(bool, Vec<u8>)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (dir, hex) = l.split_at(1);
            let hex = hex.trim();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (dir == ">", bytes)
        })
        .collect()
}

/// Writes a fixture file.
pub fn format_fixture(header: &str, datagrams: &[(bool, Vec<u8>)]) -> String {
    let mut out = String::new();
    for l in header.lines() {
        out.push_str("# ");
        out.push_str(l);
        out.push('\n');
    }
    for (sent, bytes) in datagrams {
        out.push_str(if *sent { "> " } else { "< " });
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        out.push('\n');
    }
    out
}
