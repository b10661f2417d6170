//! ipvsadm 1.31's listings, byte for byte: `-L` (with `--stats`, `--rate`,
//! `--exact`, `--thresholds`, `--persistent-conn`, `--tun-info`), `-S`,
//! `--timeout` and `--daemon`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use ipvs::{
    AddressFamily, DaemonState, Destination, Forwarding, Info, Protocol, Service, ServiceFlags,
    ServiceKey, SyncDaemon, Timeouts, TunnelType,
};

use crate::cli::fmt;
use crate::resolve;

/// Host and port names for listings without `-n`: ports from
/// `/etc/services`, addresses from the C library's resolver, as ipvsadm.
#[derive(Default)]
pub(crate) struct Names {
    /// Whether addresses get names (not with `-n`).
    hosts: bool,
    ports: HashMap<(u16, &'static str), String>,
    /// Reverse lookups made so far (each address is asked once).
    seen: RefCell<HashMap<IpAddr, Option<String>>>,
}

impl Names {
    /// Reads `/etc/services` when names are wanted (missing file: numbers).
    pub(crate) fn load(format: u32) -> Names {
        let mut n = Names::default();
        if format & fmt::NUMERIC != 0 {
            return n;
        }
        n.hosts = true;
        let Ok(text) = std::fs::read_to_string("/etc/services") else {
            return n;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut f = line.split_whitespace();
            let (Some(name), Some(pp)) = (f.next(), f.next()) else {
                continue;
            };
            let Some((port, proto)) = pp.split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            let proto = match proto {
                "tcp" => "tcp",
                "udp" => "udp",
                "sctp" => "sctp",
                _ => continue,
            };
            n.ports
                .entry((port, proto))
                .or_insert_with(|| name.to_string());
        }
        n
    }

    /// `addr_to_anyname`: the host name, else the address.
    fn host(&self, addr: IpAddr) -> String {
        if !self.hosts {
            return addr.to_string();
        }
        self.seen
            .borrow_mut()
            .entry(addr)
            .or_insert_with(|| resolve::addr_to_host(addr))
            .clone()
            .unwrap_or_else(|| addr.to_string())
    }

    fn port(&self, port: u16, proto: Protocol) -> String {
        let p = match proto {
            Protocol::TCP => "tcp",
            Protocol::UDP => "udp",
            Protocol::SCTP => "sctp",
            _ => return port.to_string(),
        };
        self.ports
            .get(&(port, p))
            .cloned()
            .unwrap_or_else(|| port.to_string())
    }

    /// `addrport_to_anyname`.
    fn addrport(&self, addr: IpAddr, port: u16, proto: Protocol) -> String {
        let mut s = String::new();
        self.addrport_into(&mut s, addr, port, proto);
        s
    }

    /// [`Names::addrport`] appended to `out` (listings reuse one buffer).
    fn addrport_into(&self, out: &mut String, addr: IpAddr, port: u16, proto: Protocol) {
        let start = out.len();
        if !self.hosts {
            match addr {
                IpAddr::V4(a) => push_ipv4(out, a),
                IpAddr::V6(a) => {
                    let _ = write!(out, "[{a}]");
                }
            }
            out.push(':');
            push_u64(out, u64::from(port));
            return;
        }
        let p = self.port(port, proto);
        let h = self.host(addr);
        let _ = match addr {
            IpAddr::V4(_) => write!(out, "{h}:{p}"),
            IpAddr::V6(_) => write!(out, "[{h}]:{p}"),
        };
        // ipvsadm formats into a 60-byte buffer.
        if out.len() - start > 59 {
            let mut end = start + 59;
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            out.truncate(end);
        }
    }
}

/// A number in decimal, without the formatting machinery: listings print
/// tens of thousands.
fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

fn push_ipv4(out: &mut String, a: std::net::Ipv4Addr) {
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u64(out, u64::from(o));
    }
}

/// printf's `%-Ns`: `s`, then blanks up to `width` bytes.
fn push_left(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    pad_to(out, s.len(), width);
}

/// printf's `%-Nu`.
fn push_left_u64(out: &mut String, v: u64, width: usize) {
    let start = out.len();
    push_u64(out, v);
    pad_to(out, out.len() - start, width);
}

fn pad_to(out: &mut String, len: usize, width: usize) {
    const BLANKS: &str = "                                ";
    let mut n = width.saturating_sub(len);
    while n > 0 {
        let k = n.min(BLANKS.len());
        out.push_str(&BLANKS[..k]);
        n -= k;
    }
}

/// `print_largenum`.
fn largenum(out: &mut String, i: u64, format: u32) {
    if format & fmt::EXACT != 0 {
        let len = i.to_string().len();
        let w = if len <= 8 { 9 } else { len + 1 };
        let _ = write!(out, "{i:>w$}");
        return;
    }
    let _ = if i < 100_000_000 {
        write!(out, "{i:>9}")
    } else if i < 1_000_000_000 {
        write!(out, "{:>8}K", i / 1000)
    } else if i < 100_000_000_000 {
        write!(out, "{:>8}M", i / 1_000_000)
    } else if i < 100_000_000_000_000 {
        write!(out, "{:>8}G", i / 1_000_000_000)
    } else {
        write!(out, "{:>8}T", i / 1_000_000_000_000)
    };
}

/// `print_title`.
pub(crate) fn title(out: &mut String, format: u32) {
    let head = "Prot LocalAddress:Port";
    if format & fmt::STATS != 0 {
        let _ = writeln!(
            out,
            "{head:<33} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
        );
        out.push_str("  -> RemoteAddress:Port\n");
    } else if format & fmt::RATE != 0 {
        let _ = writeln!(
            out,
            "{head:<33} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
        );
        out.push_str("  -> RemoteAddress:Port\n");
    } else if format & fmt::THRESHOLDS != 0 {
        let _ = writeln!(
            out,
            "{head:<33} {:<10} {:<10} {:<10} {:<10}",
            "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        );
        out.push_str("  -> RemoteAddress:Port\n");
    } else if format & fmt::PERSISTENTCONN != 0 {
        let _ = writeln!(
            out,
            "{head:<33} {:<9} {:<11} {:<10} {:<10}",
            "Weight", "PersistConn", "ActiveConn", "InActConn"
        );
        out.push_str("  -> RemoteAddress:Port\n");
    } else if format & fmt::TUN_INFO != 0 {
        out.push_str("Prot LocalAddress:Port Scheduler Flags\n");
        out.push_str(
            "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n",
        );
    } else if format & fmt::RULE == 0 {
        out.push_str("Prot LocalAddress:Port Scheduler Flags\n");
        out.push_str("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
    }
}

/// The version line of `-L`.
pub(crate) fn header(out: &mut String, info: &Info) {
    let (a, b, c) = info.version_triple();
    let _ = writeln!(
        out,
        "IP Virtual Server version {a}.{b}.{c} (size={})",
        info.conn_tab_size
    );
}

fn sched_flags(s: &Service) -> String {
    let f = s.settings.flags;
    let mut v = Vec::new();
    match s.settings.scheduler.as_str() {
        "sh" | "mh" => {
            let n = s.settings.scheduler.as_str();
            if f.contains(ServiceFlags::SCHED1) {
                v.push(format!("{n}-fallback"));
            }
            if f.contains(ServiceFlags::SCHED2) {
                v.push(format!("{n}-port"));
            }
        }
        _ => {
            for (bit, name) in [
                (ServiceFlags::SCHED1, "flag-1"),
                (ServiceFlags::SCHED2, "flag-2"),
                (ServiceFlags::SCHED3, "flag-3"),
            ] {
                if f.contains(bit) {
                    v.push(name.to_string());
                }
            }
        }
    }
    v.join(",")
}

fn mask_text(s: &Service) -> Option<String> {
    let p = s.settings.netmask_prefix;
    if s.key.family() == AddressFamily::INET6 {
        (p != 128).then(|| p.to_string())
    } else if p >= 32 {
        None
    } else {
        let m = if p == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(p))
        };
        Some(std::net::Ipv4Addr::from(m).to_string())
    }
}

fn fwd_name(f: Forwarding) -> &'static str {
    match f {
        Forwarding::MASQ => "Masq",
        Forwarding::LOCAL => "Local",
        Forwarding::TUNNEL => "Tunnel",
        Forwarding::ROUTE => "Route",
        _ => "(null)",
    }
}

fn fwd_switch(f: Forwarding) -> &'static str {
    match f {
        Forwarding::MASQ => "-m",
        Forwarding::TUNNEL => "-i",
        Forwarding::LOCAL | Forwarding::ROUTE => "-g",
        _ => "(null)",
    }
}

const TUN_FLAG_OPTS: [&str; 3] = ["--tun-nocsum", "--tun-csum", "--tun-remcsum"];
const TUN_FLAGS: [&str; 3] = ["-c", "+c", "r+c"];

fn tun_flag(list: &[&'static str; 3], bits: u16) -> &'static str {
    list.get(usize::from(bits)).copied().unwrap_or("(null)")
}

/// `fwd_tun_info`.
fn tun_info(d: &Destination) -> String {
    let s = &d.settings;
    if s.forwarding != Forwarding::TUNNEL {
        return "n/a".into();
    }
    match s.tun_type {
        TunnelType::IPIP => "ipip".into(),
        TunnelType::GUE => format!(
            "gue:{}:{}",
            s.tun_port,
            tun_flag(&TUN_FLAGS, s.tun_flags.bits())
        ),
        TunnelType::GRE => format!("gre:{}", tun_flag(&TUN_FLAGS, s.tun_flags.bits())),
        _ => "n/a".into(),
    }
}

/// ipvsadm's service order: fwmark, family, protocol, address, port.
pub(crate) fn sort_services(v: &mut [Service]) {
    v.sort_by_key(|s| match s.key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => (0, AddressFamily::of(addr).0, protocol.0, Some(addr), port),
        ServiceKey::Fwmark { mark, family } => (mark, family.0, 0, None, 0),
    });
}

/// `print_service_entry`.
pub(crate) fn service(
    out: &mut String,
    s: &Service,
    dests: &mut [Destination],
    format: u32,
    names: &Names,
) {
    let rule = format & fmt::RULE != 0;
    let (proto, svc_name) = match s.key {
        ServiceKey::Fwmark { mark, family } => {
            let v6 = family == AddressFamily::INET6;
            let name = match (rule, v6) {
                (true, true) => format!("-f {mark} -6"),
                (true, false) => format!("-f {mark}"),
                (false, true) => format!("FWM  {mark} IPv6"),
                (false, false) => format!("FWM  {mark}"),
            };
            (Protocol(0), name)
        }
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let vname = names.addrport(addr, port, protocol);
            let name = if rule {
                let opt = match protocol {
                    Protocol::TCP => "-t",
                    Protocol::UDP => "-u",
                    Protocol::SCTP => "--sctp-service",
                    _ => "--xxx-service",
                };
                format!("{opt} {vname}")
            } else {
                let mut n = format!("{:<4} {vname}", protocol.name().unwrap_or("?"));
                if addr.is_ipv4() {
                    n.truncate(33);
                }
                n
            };
            (protocol, name)
        }
    };
    let st = &s.stats;
    let sched = s.settings.scheduler.as_str();
    let flags = s.settings.flags;
    let sched_bits =
        flags.intersects(ServiceFlags::SCHED1 | ServiceFlags::SCHED2 | ServiceFlags::SCHED3);
    if rule {
        let _ = write!(out, "-A {svc_name} -s {sched}");
        if flags.contains(ServiceFlags::PERSISTENT) {
            let _ = write!(out, " -p {}", s.settings.timeout);
            if let Some(m) = mask_text(s) {
                let _ = write!(out, " -M {m}");
            }
        }
        if let Some(pe) = &s.settings.pe_name {
            let _ = write!(out, " --pe {pe}");
        }
        if flags.contains(ServiceFlags::ONE_PACKET) {
            out.push_str(" -o");
        }
        if sched_bits {
            let _ = write!(out, " -b {}", sched_flags(s));
        }
    } else if format & fmt::STATS != 0 {
        let _ = write!(out, "{svc_name:<33}");
        for v in [
            st.conns,
            st.in_packets,
            st.out_packets,
            st.in_bytes,
            st.out_bytes,
        ] {
            largenum(out, v, format);
        }
    } else if format & fmt::RATE != 0 {
        let _ = write!(out, "{svc_name:<33}");
        for v in [st.cps, st.in_pps, st.out_pps, st.in_bps, st.out_bps] {
            largenum(out, v, format);
        }
    } else {
        let _ = write!(out, "{svc_name} {sched}");
        if sched_bits {
            let _ = write!(out, " ({})", sched_flags(s));
        }
        if flags.contains(ServiceFlags::PERSISTENT) {
            let _ = write!(out, " persistent {}", s.settings.timeout);
            if let Some(m) = mask_text(s) {
                let _ = write!(out, " mask {m}");
            }
            if let Some(pe) = &s.settings.pe_name {
                let _ = write!(out, " pe {pe}");
            }
        }
        if flags.contains(ServiceFlags::ONE_PACKET) {
            out.push_str(" ops");
        }
    }
    out.push('\n');

    if format & fmt::NOSORT == 0 {
        dests.sort_by_key(|d| d.key);
    }
    let mut dname = String::new();
    for d in dests.iter() {
        dname.clear();
        names.addrport_into(&mut dname, d.key.addr, d.key.port, proto);
        if !rule && d.key.addr.is_ipv4() && dname.len() > 28 {
            let mut end = 28;
            while !dname.is_char_boundary(end) {
                end -= 1;
            }
            dname.truncate(end);
        }
        let ds = &d.settings;
        let dst = &d.stats;
        if rule {
            let _ = write!(
                out,
                "-a {svc_name} -r {dname} {} -w {}",
                fwd_switch(ds.forwarding),
                ds.weight
            );
            if ds.forwarding == Forwarding::TUNNEL {
                match ds.tun_type {
                    TunnelType::GUE => {
                        let _ = write!(
                            out,
                            " --tun-type gue --tun-port {} {}",
                            ds.tun_port,
                            tun_flag(&TUN_FLAG_OPTS, ds.tun_flags.bits())
                        );
                    }
                    TunnelType::GRE => {
                        let _ = write!(
                            out,
                            " --tun-type gre {}",
                            tun_flag(&TUN_FLAG_OPTS, ds.tun_flags.bits())
                        );
                    }
                    TunnelType::IPIP => out.push_str(" --tun-type ipip"),
                    _ => {}
                }
            }
            out.push('\n');
        } else if format & fmt::STATS != 0 {
            let _ = write!(out, "  -> {dname:<28}");
            for v in [
                dst.conns,
                dst.in_packets,
                dst.out_packets,
                dst.in_bytes,
                dst.out_bytes,
            ] {
                largenum(out, v, format);
            }
            out.push('\n');
        } else if format & fmt::RATE != 0 {
            let _ = write!(
                out,
                "  -> {dname:<28} {:>8} {:>8} {:>8}",
                dst.cps, dst.in_pps, dst.out_pps
            );
            largenum(out, dst.in_bps, format);
            largenum(out, dst.out_bps, format);
            out.push('\n');
        } else if format & fmt::THRESHOLDS != 0 {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<10} {:<10} {:<10} {:<10}",
                ds.upper_threshold, ds.lower_threshold, d.active_conns, d.inactive_conns
            );
        } else if format & fmt::PERSISTENTCONN != 0 {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<9} {:<11} {:<10} {:<10}",
                ds.weight, d.persist_conns, d.active_conns, d.inactive_conns
            );
        } else if format & fmt::TUN_INFO != 0 {
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<7} {:<13} {:<6} {:<10} {:<10}",
                fwd_name(ds.forwarding),
                tun_info(d),
                ds.weight,
                d.active_conns,
                d.inactive_conns
            );
        } else {
            // "  -> %-28s %-7s %-6d %-10u %-10u\n", written out: the line
            // of the plain listing, tens of thousands of times.
            out.push_str("  -> ");
            push_left(out, &dname, 28);
            out.push(' ');
            push_left(out, fwd_name(ds.forwarding), 7);
            out.push(' ');
            push_left_u64(out, u64::from(ds.weight), 6);
            out.push(' ');
            push_left_u64(out, u64::from(d.active_conns), 10);
            out.push(' ');
            push_left_u64(out, u64::from(d.inactive_conns), 10);
            out.push('\n');
        }
    }
}

/// `list_timeout`.
pub(crate) fn timeouts(out: &mut String, t: &Timeouts) {
    let _ = writeln!(
        out,
        "Timeout (tcp tcpfin udp): {} {} {}",
        t.tcp, t.tcp_fin, t.udp
    );
}

/// `list_daemon`.
pub(crate) fn daemons(out: &mut String, list: &[SyncDaemon]) {
    for d in list.iter().take(2) {
        let kind = if d.state.0 & DaemonState::MASTER.0 != 0 {
            "master"
        } else if d.state.0 & DaemonState::BACKUP.0 != 0 {
            "backup"
        } else {
            continue;
        };
        let _ = write!(
            out,
            "{kind} sync daemon (mcast={}, syncid={}",
            d.mcast_ifname, d.sync_id
        );
        if d.sync_maxlen != 0 {
            let _ = write!(out, ", maxlen={}", d.sync_maxlen);
        }
        if let Some(g) = d.mcast_group {
            let _ = write!(out, ", group={g}");
        }
        if d.mcast_port != 0 {
            let _ = write!(out, ", port={}", d.mcast_port);
        }
        if d.mcast_ttl != 0 {
            let _ = write!(out, ", ttl={}", d.mcast_ttl);
        }
        out.push_str(")\n");
    }
}

/// `list_conn`: `/proc/net/ip_vs_conn`, printed like ipvsadm's `print_conn`.
/// `Err` carries ipvsadm's message.
pub(crate) fn connections(out: &mut String, format: u32, names: &Names) -> Result<(), String> {
    const FILE: &str = "/proc/net/ip_vs_conn";
    let text = std::fs::read_to_string(FILE).map_err(|_| format!("cannot open file {FILE}"))?;
    let mut lines = text.lines();
    if lines.next().is_none() {
        return Err(format!("unexpected input from {FILE}"));
    }
    let pc = format & fmt::PERSISTENTCONN != 0;
    out.push_str("IPVS connection entries\n");
    if pc {
        let _ = writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} {:<18} {:<16} pe_data",
            "state", "source", "virtual", "destination", "pe name"
        );
    } else {
        let _ = writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} destination",
            "state", "source", "virtual"
        );
    }
    for line in lines {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 9 {
            continue;
        }
        let proto = match f[0] {
            "TCP" => Protocol::TCP,
            "UDP" => Protocol::UDP,
            "SCTP" => Protocol::SCTP,
            _ => Protocol(0),
        };
        let port = |s: &str| u16::from_str_radix(s, 16).unwrap_or(0);
        // IPv6 in text, IPv4 as dotted or as 8 hex digits.
        let addr = |s: &str| -> IpAddr {
            s.parse::<IpAddr>().unwrap_or_else(|_| {
                IpAddr::from(std::net::Ipv4Addr::from(
                    u32::from_str_radix(s, 16).unwrap_or(0),
                ))
            })
        };
        let (c, v, d) = (addr(f[1]), addr(f[3]), addr(f[5]));
        let expires: i64 = f[8].parse().unwrap_or(0);
        let expire = format!("{:02}:{:02}", expires / 60, expires % 60);
        let cname = names.addrport(c, port(f[2]), proto);
        let vname = names.addrport(v, port(f[4]), proto);
        let dname = names.addrport(d, port(f[6]), proto);
        if pc && f.len() >= 11 {
            let _ = writeln!(
                out,
                "{:<3} {expire:<6} {:<11} {cname:<18} {vname:<18} {dname:<16} {:<18} {}",
                f[0], f[7], f[9], f[10]
            );
        } else {
            let _ = writeln!(
                out,
                "{:<3} {expire:<6} {:<11} {cname:<18} {vname:<18} {dname}",
                f[0], f[7]
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_numbers_and_padding_match_the_formatter() {
        for v in [0u64, 7, 10, 99, 65_535, 4_294_967_295, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, v);
            assert_eq!(s, v.to_string());
            for w in [0, 6, 10, 40] {
                let mut p = String::new();
                push_left_u64(&mut p, v, w);
                assert_eq!(p, format!("{v:<w$}"));
            }
        }
        let mut s = String::new();
        push_left(&mut s, "Masq", 7);
        assert_eq!(s, "Masq   ");
        let mut s = String::new();
        push_ipv4(&mut s, "198.18.0.255".parse().unwrap());
        assert_eq!(s, "198.18.0.255");
    }

    #[test]
    fn numeric_addresses_with_ports() {
        let n = Names::load(fmt::NUMERIC);
        let a = |s: &str, port| n.addrport(s.parse().unwrap(), port, Protocol::TCP);
        assert_eq!(a("198.18.0.1", 80), "198.18.0.1:80");
        assert_eq!(a("0.0.0.0", 0), "0.0.0.0:0");
        assert_eq!(a("fd00::1", 443), "[fd00::1]:443");
    }
}
