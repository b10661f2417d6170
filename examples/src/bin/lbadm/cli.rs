//! ipvsadm 1.31's command line: popt-style option parsing, the table of legal
//! command/option combinations, and the same messages and exit codes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::{
    AddressFamily, DaemonState, DestKey, DestSettings, Destination, Forwarding, Protocol,
    Scheduler, Service, ServiceFlags, ServiceKey, ServiceSettings, Stats, SyncDaemon, Timeouts,
    TunnelFlags, TunnelType,
};

#[path = "cli/popt.rs"]
mod popt;

use popt::tokenize;

use crate::{numbers, resolve};

/// A failure that ends the program: message (without newline) and exit code.
#[derive(Debug)]
pub(crate) struct Exit {
    pub(crate) msg: String,
    pub(crate) code: u8,
}

fn fail<T>(msg: impl Into<String>) -> Result<T, Exit> {
    Err(Exit {
        msg: msg.into(),
        code: 2,
    })
}

/// ipvsadm's "try help" exit (status -1, printed as 255).
pub(crate) fn tryhelp(program: &str) -> Exit {
    Exit {
        msg: format!("Try `{program} -h' or '{program} --help' for more information."),
        code: 255,
    }
}

/// The commands, numbered as ipvsadm numbers them (minus one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmd {
    Add = 0,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Timeout,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
}

const CMD_NAMES: [&str; 14] = [
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
];

/// Option indices (ipvsadm's `OPTC_*`).
pub(crate) mod opt {
    pub(crate) const NUMERIC: usize = 0;
    pub(crate) const CONNECTION: usize = 1;
    pub(crate) const SERVICE: usize = 2;
    pub(crate) const SCHEDULER: usize = 3;
    pub(crate) const PERSISTENT: usize = 4;
    pub(crate) const NETMASK: usize = 5;
    pub(crate) const SERVER: usize = 6;
    pub(crate) const FORWARD: usize = 7;
    pub(crate) const WEIGHT: usize = 8;
    pub(crate) const UTHRESHOLD: usize = 9;
    pub(crate) const LTHRESHOLD: usize = 10;
    pub(crate) const MCAST: usize = 11;
    pub(crate) const TIMEOUT: usize = 12;
    pub(crate) const DAEMON: usize = 13;
    pub(crate) const STATS: usize = 14;
    pub(crate) const RATE: usize = 15;
    pub(crate) const THRESHOLDS: usize = 16;
    pub(crate) const PERSISTENTCONN: usize = 17;
    pub(crate) const NOSORT: usize = 18;
    pub(crate) const SYNCID: usize = 19;
    pub(crate) const EXACT: usize = 20;
    pub(crate) const ONEPACKET: usize = 21;
    pub(crate) const PE: usize = 22;
    pub(crate) const SCHED_FLAGS: usize = 23;
    pub(crate) const MCAST_GROUP: usize = 24;
    pub(crate) const MCAST_PORT: usize = 25;
    pub(crate) const MCAST_TTL: usize = 26;
    pub(crate) const SYNC_MAXLEN: usize = 27;
    pub(crate) const TUN_INFO: usize = 28;
    pub(crate) const TUN_TYPE: usize = 29;
    pub(crate) const TUN_PORT: usize = 30;
    pub(crate) const TUN_NOCSUM: usize = 31;
    pub(crate) const TUN_CSUM: usize = 32;
    pub(crate) const TUN_REMCSUM: usize = 33;
}

const OPT_NAMES: [&str; 34] = [
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
];

/// Legal combinations: '+' compulsory, 'x' illegal, '1' exclusive, ' ' optional.
const CMD_V_OPT: [&[u8; 34]; 14] = [
    b"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx", // add-service
    b"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx", // edit-service
    b"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // delete-service
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // flush
    b" 11xxxxxxxxx11       xxxxxxx xxxxx", // list
    b"xx+xxx+    xxxxxxxxxxxxxxxxxx     ", // add-server
    b"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx", // delete-server
    b"xx+xxx+    xxxxxxxxxxxxxxxxxx     ", // edit-server
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // set
    b"xxxxxxxxxxx xxxxxxx xxxx    xxxxxx", // start-daemon
    b"xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx", // stop-daemon
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // restore
    b" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // save
    b"xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", // zero
];

/// Output format flags (`FMT_*`).
pub(crate) mod fmt {
    pub(crate) const NUMERIC: u32 = 0x1;
    pub(crate) const RULE: u32 = 0x2;
    pub(crate) const STATS: u32 = 0x4;
    pub(crate) const RATE: u32 = 0x8;
    pub(crate) const THRESHOLDS: u32 = 0x10;
    pub(crate) const PERSISTENTCONN: u32 = 0x20;
    pub(crate) const NOSORT: u32 = 0x40;
    pub(crate) const EXACT: u32 = 0x80;
    pub(crate) const TUN_INFO: u32 = 0x100;
}

/// One parsed command line.
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) cmd: Cmd,
    pub(crate) options: u64,
    pub(crate) format: u32,
    pub(crate) svc_af: u16,
    pub(crate) protocol: u16,
    pub(crate) addr: Option<IpAddr>,
    pub(crate) port: u16,
    pub(crate) fwmark: u32,
    pub(crate) sched: String,
    pub(crate) flags: u32,
    pub(crate) timeout: u32,
    /// IPv4: the mask in network order as a u32 of its bytes; IPv6: a prefix length.
    pub(crate) netmask: u32,
    pub(crate) pe: String,
    pub(crate) dest_addr: Option<IpAddr>,
    pub(crate) dest_port: u16,
    pub(crate) fwd: u32,
    pub(crate) weight: u32,
    pub(crate) u_thresh: u32,
    pub(crate) l_thresh: u32,
    pub(crate) tun_type: u8,
    pub(crate) tun_port: u16,
    pub(crate) tun_flags: u16,
    pub(crate) timeouts: Timeouts,
    pub(crate) daemon: SyncDaemon,
}

impl Command {
    pub(crate) fn has(&self, o: usize) -> bool {
        self.options & (1 << o) != 0
    }

    /// The service key the command names.
    pub(crate) fn key(&self) -> ServiceKey {
        if self.fwmark != 0 {
            ServiceKey::Fwmark {
                mark: self.fwmark,
                family: AddressFamily(self.svc_af),
            }
        } else {
            ServiceKey::Addr {
                protocol: Protocol(self.protocol),
                addr: self.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                port: self.port,
            }
        }
    }

    /// The service with its settings, as ipvsadm sends it.
    pub(crate) fn service(&self) -> Service {
        let netmask_prefix = if self.svc_af == AddressFamily::INET6.0 {
            u8::try_from(self.netmask).unwrap_or(128)
        } else {
            u32::from_be_bytes(self.netmask.to_ne_bytes()).leading_ones() as u8
        };
        Service {
            key: self.key(),
            settings: ServiceSettings {
                scheduler: Scheduler::new(self.sched.clone()),
                flags: ServiceFlags::from_bits_retain(self.flags),
                timeout: self.timeout,
                netmask_prefix,
                pe_name: (!self.pe.is_empty()).then(|| self.pe.clone()),
            },
            stats: Stats::default(),
        }
    }

    /// The destination, as ipvsadm sends it.
    pub(crate) fn dest(&self) -> Destination {
        Destination {
            key: self.dest_key(),
            settings: DestSettings {
                forwarding: Forwarding(self.fwd),
                weight: self.weight,
                upper_threshold: self.u_thresh,
                lower_threshold: self.l_thresh,
                tun_type: TunnelType(self.tun_type),
                tun_port: self.tun_port,
                tun_flags: TunnelFlags::from_bits_retain(self.tun_flags),
            },
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }

    pub(crate) fn dest_key(&self) -> DestKey {
        DestKey {
            addr: self.dest_addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port: self.dest_port,
        }
    }
}

fn string_to_number(s: &str, min: i64, max: i64) -> Option<u32> {
    let n = numbers::strtol(s)?;
    (min..=max).contains(&n).then_some(n as u32)
}

/// `parse_service`: address (and port) of `-t`/`-u`/`--sctp-service`/`-r`,
/// for `protocol` (port names are looked up for it); `None` when no address
/// parses. Like ipvsadm: an IPv6 literal (bracketed when a port follows),
/// else everything before the last `:` as `inet_aton` reads it or as a host
/// name, then a port number or service name. A bracketed address that is not
/// IPv6 loses its port, as in ipvsadm.
fn parse_service(buf: &str, protocol: u16) -> Option<(IpAddr, Option<u16>)> {
    if buf.is_empty() || buf.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (text, bracket_port) = match buf.strip_prefix('[') {
        Some(inner) => {
            let (h, after) = inner.split_once(']')?;
            (h, Some(after.strip_prefix(':')?))
        }
        None => (buf, None),
    };
    // Every IPv6 literal has two colons or more.
    let v6 = (text.bytes().filter(|&b| b == b':').count() >= 2)
        .then(|| text.parse::<Ipv6Addr>().ok())
        .flatten();
    let (addr, port) = if let Some(v6) = v6 {
        (IpAddr::V6(v6), bracket_port)
    } else {
        let (host, port) = match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        };
        let v4 = numbers::inet_aton(host).or_else(|| resolve::host_to_addr(host))?;
        (IpAddr::V4(v4), port)
    };
    match port {
        None => Some((addr, None)),
        Some(p) => {
            let n = string_to_number(p, 0, 65535)
                .map(|n| n as u16)
                .or_else(|| resolve::service_to_port(p, protocol))?;
            Some((addr, Some(n)))
        }
    }
}

fn parse_timeout(buf: Option<&str>, min: i64, max: i64) -> Result<u32, Exit> {
    match buf {
        // IPVS_SVC_PERSISTENT_TIMEOUT: six minutes.
        None => Ok(360),
        Some(b) => string_to_number(b, min, max).map_or_else(
            || fail(format!("invalid timeout value `{b}' specified")),
            Ok,
        ),
    }
}

fn parse_sched_flags(sched: &str, arg: &str) -> Result<u32, Exit> {
    let sched = if sched.is_empty() { "wlc" } else { sched };
    let mut flags = 0;
    for flag in arg.split(',').filter(|f| !f.is_empty()) {
        let (bit, needs) = match flag {
            "flag-1" => (0x8, None),
            "flag-2" => (0x10, None),
            "flag-3" => (0x20, None),
            "sh-fallback" => (0x8, Some("sh")),
            "sh-port" => (0x10, Some("sh")),
            "mh-fallback" => (0x8, Some("mh")),
            "mh-port" => (0x10, Some("mh")),
            _ => return fail(format!("invalid scheduler flag `{flag}'")),
        };
        flags |= bit;
        if needs.is_some_and(|n| n != sched) {
            return fail(format!("incompatible scheduler flag `{flag}'"));
        }
    }
    Ok(flags)
}

const MAX_TIMEOUT: i64 = 86400 * 31;

/// Parses one command line (`args` without the program name), or says why not.
pub(crate) fn parse<S: AsRef<str>>(program: &str, args: &[S]) -> Result<Command, Exit> {
    let (opts, mut rest, popt_error) = tokenize(args);
    let mut it = opts.into_iter();
    let Some((first, first_val)) = it.next() else {
        return Err(tryhelp(program));
    };
    let mut c = Command {
        cmd: Cmd::List,
        options: 0,
        format: 0,
        svc_af: 0,
        protocol: 0,
        addr: None,
        port: 0,
        fwmark: 0,
        sched: String::new(),
        flags: 0,
        timeout: 0,
        netmask: u32::MAX,
        pe: String::new(),
        dest_addr: None,
        dest_port: 0,
        fwd: Forwarding::ROUTE.0,
        weight: 1,
        u_thresh: 0,
        l_thresh: 0,
        tun_type: 0,
        tun_port: 0,
        tun_flags: 0,
        timeouts: Timeouts::default(),
        daemon: SyncDaemon::new(DaemonState(0), "", 0),
    };
    c.cmd = match first {
        "A" => Cmd::Add,
        "E" => Cmd::Edit,
        "D" => Cmd::Del,
        "a" => Cmd::AddDest,
        "e" => Cmd::EditDest,
        "d" => Cmd::DelDest,
        "C" => Cmd::Flush,
        "L" => Cmd::List,
        "Z" => Cmd::Zero,
        "set" => Cmd::Timeout,
        "R" => Cmd::Restore,
        "S" => Cmd::Save,
        "start-daemon" | "stop-daemon" => {
            let v = first_val.unwrap_or_default();
            c.daemon.state = match v {
                "master" => DaemonState::MASTER,
                "backup" => DaemonState::BACKUP,
                _ if first == "start-daemon" => {
                    return fail("illegal start-daemon parameter specified");
                }
                _ => return fail("illegal start_daemon specified"),
            };
            if first == "start-daemon" {
                Cmd::StartDaemon
            } else {
                Cmd::StopDaemon
            }
        }
        "h" => {
            return Err(Exit {
                msg: crate::usage(program),
                code: 0,
            });
        }
        "v" => {
            return Err(Exit {
                msg: crate::VERSION.to_string(),
                code: 0,
            });
        }
        _ => return Err(tryhelp(program)),
    };
    let mut sched_flags_arg = String::new();
    for (tag, val) in it {
        let v = val.unwrap_or("");
        let mut set = |o: usize| -> Result<(), Exit> {
            if c.options & (1 << o) != 0 {
                return fail(format!("multiple '{}' options specified", OPT_NAMES[o]));
            }
            c.options |= 1 << o;
            Ok(())
        };
        match tag {
            "t" | "u" | "sctp" => {
                set(opt::SERVICE)?;
                c.protocol = match tag {
                    "t" => 6,
                    "u" => 17,
                    _ => 132,
                };
                let Some((addr, port)) = parse_service(v, c.protocol) else {
                    return fail("illegal virtual server address[:port] specified");
                };
                c.addr = Some(addr);
                c.svc_af = AddressFamily::of(addr).0;
                if addr.is_ipv6() {
                    c.netmask = 128;
                }
                if let Some(p) = port {
                    c.port = p;
                }
            }
            "f" => {
                set(opt::SERVICE)?;
                c.svc_af = AddressFamily::INET.0;
                c.protocol = 6;
                c.fwmark = match v.parse::<i64>() {
                    Ok(n) if n > 0 && n <= i64::from(u32::MAX) => n as u32,
                    _ => return fail(format!("invalid fwmark value `{v}' specified")),
                };
            }
            "s" => {
                set(opt::SCHEDULER)?;
                c.sched = v.chars().take(15).collect();
            }
            "p" => {
                set(opt::PERSISTENT)?;
                c.flags |= ServiceFlags::PERSISTENT.bits();
                c.timeout = parse_timeout(val, 1, MAX_TIMEOUT)?;
            }
            "M" => {
                set(opt::NETMASK)?;
                if c.svc_af != AddressFamily::INET6.0 {
                    let Ok(m) = v.parse::<Ipv4Addr>() else {
                        return fail("illegal virtual server persistent mask specified");
                    };
                    c.netmask = u32::from_ne_bytes(m.octets());
                } else {
                    c.netmask = v.parse::<u32>().unwrap_or(0);
                    if !(1..=128).contains(&c.netmask) {
                        return fail("illegal ipv6 netmask specified");
                    }
                }
            }
            "r" => {
                set(opt::SERVER)?;
                let Some((addr, port)) = parse_service(v, c.protocol) else {
                    return fail("illegal real server address[:port] specified");
                };
                c.dest_addr = Some(addr);
                c.dest_port = port.unwrap_or(c.port);
            }
            "i" | "g" | "m" => {
                set(opt::FORWARD)?;
                c.fwd = match tag {
                    "i" => Forwarding::TUNNEL.0,
                    "g" => Forwarding::ROUTE.0,
                    _ => Forwarding::MASQ.0,
                };
            }
            "w" => {
                set(opt::WEIGHT)?;
                c.weight = string_to_number(v, 0, 65535)
                    .map_or_else(|| fail("illegal weight specified"), Ok)?;
            }
            "x" => {
                set(opt::UTHRESHOLD)?;
                c.u_thresh = string_to_number(v, 0, i64::from(i32::MAX))
                    .map_or_else(|| fail("illegal u_threshold specified"), Ok)?;
            }
            "y" => {
                set(opt::LTHRESHOLD)?;
                c.l_thresh = string_to_number(v, 0, i64::from(i32::MAX))
                    .map_or_else(|| fail("illegal l_threshold specified"), Ok)?;
            }
            "c" => set(opt::CONNECTION)?,
            "n" => {
                set(opt::NUMERIC)?;
                c.format |= fmt::NUMERIC;
            }
            "mcast-interface" => {
                set(opt::MCAST)?;
                c.daemon.mcast_ifname = v.chars().take(15).collect();
            }
            "syncid" => {
                set(opt::SYNCID)?;
                c.daemon.sync_id = string_to_number(v, 0, 255)
                    .map_or_else(|| fail("illegal syncid specified"), Ok)?;
            }
            "timeout" => set(opt::TIMEOUT)?,
            "daemon" => set(opt::DAEMON)?,
            "stats" => {
                set(opt::STATS)?;
                c.format |= fmt::STATS;
            }
            "rate" => {
                set(opt::RATE)?;
                c.format |= fmt::RATE;
            }
            "thresholds" => {
                set(opt::THRESHOLDS)?;
                c.format |= fmt::THRESHOLDS;
            }
            "persistent-conn" => {
                set(opt::PERSISTENTCONN)?;
                c.format |= fmt::PERSISTENTCONN;
            }
            "nosort" => {
                set(opt::NOSORT)?;
                c.format |= fmt::NOSORT;
            }
            "sort" => {}
            "X" => {
                set(opt::EXACT)?;
                c.format |= fmt::EXACT;
            }
            "6" => {
                if c.fwmark != 0 {
                    c.svc_af = AddressFamily::INET6.0;
                    c.netmask = 128;
                } else {
                    return fail("-6 used before -f\n");
                }
            }
            "o" => {
                set(opt::ONEPACKET)?;
                c.flags |= ServiceFlags::ONE_PACKET.bits();
            }
            "pe" => {
                set(opt::PE)?;
                c.pe = v.chars().take(16).collect();
            }
            "b" => {
                set(opt::SCHED_FLAGS)?;
                sched_flags_arg = v.chars().take(127).collect();
            }
            "mcast-group" => {
                set(opt::MCAST_GROUP)?;
                if v.contains(':') {
                    match v.parse::<Ipv6Addr>() {
                        Ok(a) if a.is_multicast() => c.daemon.mcast_group = Some(IpAddr::V6(a)),
                        _ => return fail(format!("invalid IPv6 mcast-group `{v}'")),
                    }
                } else {
                    match v.parse::<Ipv4Addr>() {
                        Ok(a) if a.is_multicast() => c.daemon.mcast_group = Some(IpAddr::V4(a)),
                        _ => return fail(format!("invalid IPv4 mcast-group `{v}'")),
                    }
                }
            }
            "mcast-port" => {
                set(opt::MCAST_PORT)?;
                c.daemon.mcast_port = string_to_number(v, 1, 65535)
                    .map_or_else(|| fail("illegal mcast-port specified"), Ok)?
                    as u16;
            }
            "mcast-ttl" => {
                set(opt::MCAST_TTL)?;
                c.daemon.mcast_ttl = string_to_number(v, 1, 255)
                    .map_or_else(|| fail("illegal mcast-ttl specified"), Ok)?
                    as u8;
            }
            "sync-maxlen" => {
                set(opt::SYNC_MAXLEN)?;
                c.daemon.sync_maxlen = string_to_number(v, 1, 65535 - 20 - 8)
                    .map_or_else(|| fail("illegal sync-maxlen specified"), Ok)?
                    as u16;
            }
            "tun-info" => {
                set(opt::TUN_INFO)?;
                c.format |= fmt::TUN_INFO;
            }
            "tun-type" => {
                set(opt::TUN_TYPE)?;
                c.tun_type = match v {
                    "ipip" => 0,
                    "gue" => 1,
                    "gre" => 2,
                    _ => return fail("illegal tunnel type specified"),
                };
            }
            "tun-port" => {
                set(opt::TUN_PORT)?;
                c.tun_port = string_to_number(v, 1, 65535)
                    .map_or_else(|| fail("illegal tunnel port specified"), Ok)?
                    as u16;
            }
            "tun-nocsum" => set(opt::TUN_NOCSUM)?,
            "tun-csum" => {
                set(opt::TUN_CSUM)?;
                c.tun_flags |= TunnelFlags::CSUM.bits();
            }
            "tun-remcsum" => {
                set(opt::TUN_REMCSUM)?;
                c.tun_flags |= TunnelFlags::REMCSUM.bits();
            }
            other => {
                let shown = if other.len() == 1 {
                    format!("-{other}")
                } else {
                    format!("--{other}")
                };
                return fail(format!("invalid option `{shown}'"));
            }
        }
    }
    if let Some(e) = popt_error {
        return Err(e);
    }
    if c.cmd == Cmd::Timeout {
        if rest.len() < 3 {
            return fail("--set option requires 3 timeout values");
        }
        let vals: Vec<&str> = rest.drain(..3).collect();
        c.timeouts = Timeouts {
            tcp: parse_timeout(Some(vals[0]), 0, MAX_TIMEOUT)?,
            tcp_fin: parse_timeout(Some(vals[1]), 0, MAX_TIMEOUT)?,
            udp: parse_timeout(Some(vals[2]), 0, MAX_TIMEOUT)?,
        };
    }
    if let Some(extra) = rest.first() {
        return fail(format!("unexpected argument {extra}"));
    }
    if !sched_flags_arg.is_empty() {
        c.flags &= !0x38;
        c.flags |= parse_sched_flags(&c.sched, &sched_flags_arg)?;
    }
    check(&mut c)?;
    Ok(c)
}

/// `generic_opt_check` and the per-command checks of `process_options`.
fn check(c: &mut Command) -> Result<(), Exit> {
    let i = c.cmd as usize;
    let row = CMD_V_OPT[i];
    let (mut last, mut count) = (0, 0);
    for (j, &rule) in row.iter().enumerate() {
        if !c.has(j) {
            if rule == b'+' {
                return fail(format!(
                    "You need to supply the '{}' option for the '{}' command",
                    OPT_NAMES[j], CMD_NAMES[i]
                ));
            }
        } else {
            if rule == b'x' {
                return fail(format!(
                    "Illegal '{}' option with the '{}' command",
                    OPT_NAMES[j], CMD_NAMES[i]
                ));
            }
            if rule == b'1' {
                count += 1;
                if count == 1 {
                    last = j;
                    continue;
                }
                return fail(format!(
                    "The option '{}' conflicts with the '{}' option in the '{}' command",
                    OPT_NAMES[j], OPT_NAMES[last], CMD_NAMES[i]
                ));
            }
        }
    }
    if matches!(c.cmd, Cmd::Add | Cmd::Edit) {
        if c.fwmark == 0 && c.port == 0 && c.flags & ServiceFlags::PERSISTENT.bits() == 0 {
            return fail("Zero port specified for non-persistent service");
        }
        if c.flags & ServiceFlags::ONE_PACKET.bits() != 0 && c.fwmark == 0 && c.protocol != 17 {
            return fail("One-Packet Scheduling is only for UDP virtual services");
        }
        if c.sched.is_empty() {
            c.sched = "wlc".into();
        }
    }
    if c.cmd == Cmd::StartDaemon && c.daemon.mcast_ifname.is_empty() {
        c.daemon.mcast_ifname = "eth0".into();
    }
    if matches!(c.cmd, Cmd::AddDest | Cmd::EditDest) {
        let fwd = Forwarding(c.fwd);
        if c.fwmark == 0 && (fwd == Forwarding::TUNNEL || fwd == Forwarding::ROUTE) {
            c.dest_port = c.port;
        }
        let dest_af = c.dest_addr.map_or(0, |a| AddressFamily::of(a).0);
        if dest_af != c.svc_af && fwd != Forwarding::TUNNEL {
            return fail("Different address family is allowed only for tunneling servers");
        }
        let tun_opts = [
            opt::TUN_TYPE,
            opt::TUN_PORT,
            opt::TUN_NOCSUM,
            opt::TUN_CSUM,
            opt::TUN_REMCSUM,
        ];
        if tun_opts.iter().any(|&o| c.has(o)) && fwd != Forwarding::TUNNEL {
            return fail("Tunnel options conflict with forward method");
        }
        tunnel_check(c)?;
    }
    Ok(())
}

const TUN_NAMES: [&str; 3] = ["ipip", "gue", "gre"];

/// `tunnel_opt_check`: tun-port, nocsum, csum, remcsum per tunnel type.
fn tunnel_check(c: &Command) -> Result<(), Exit> {
    const RULES: [&[u8; 4]; 3] = [b"xxxx", b"+111", b"x111"];
    let opts = [
        opt::TUN_PORT,
        opt::TUN_NOCSUM,
        opt::TUN_CSUM,
        opt::TUN_REMCSUM,
    ];
    let i = usize::from(c.tun_type).min(2);
    let (mut last, mut count) = (0, 0);
    for (j, &k) in opts.iter().enumerate() {
        let rule = RULES[i][j];
        if !c.has(k) {
            if rule == b'+' {
                return fail(format!(
                    "You need to supply the '{}' option for the '{}' tunnel type",
                    OPT_NAMES[k], TUN_NAMES[i]
                ));
            }
        } else {
            if rule == b'x' {
                return fail(format!(
                    "Illegal '{}' option with the '{}' tunnel type",
                    OPT_NAMES[k], TUN_NAMES[i]
                ));
            }
            if rule == b'1' {
                count += 1;
                if count == 1 {
                    last = k;
                    continue;
                }
                return fail(format!(
                    "The option '{}' conflicts with the '{}' option in the '{}' tunnel type",
                    OPT_NAMES[k], OPT_NAMES[last], TUN_NAMES[i]
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "cli/tests.rs"]
mod tests;
