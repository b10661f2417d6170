//! A reader of `/proc/net/ip_vs`, the kernel's text view of the IPVS table.
//!
//! Kernel-tier tests compare what lbkit and `ipvsadm` say against this file,
//! which the kernel prints itself (`ip_vs_info_seq_show` in `ip_vs_ctl.c`):
//!
//! ```text
//! IP Virtual Server version 1.2.1 (size=4096)
//! Prot LocalAddress:Port Scheduler Flags
//!   -> RemoteAddress:Port Forward Weight ActiveConn InActConn
//! TCP  C612000A:0050 rr
//!   -> C6120014:0050      Masq    3      0          0
//! ```
//!
//! IPv4 addresses are printed as big hexadecimal numbers, IPv6 ones in brackets,
//! ports in hexadecimal; a firewall-mark service prints `FWM  <mark>`.

use std::net::{IpAddr, Ipv4Addr};

/// One virtual service and its destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `TCP`, `UDP`, `SCTP`, or `FWM` for a firewall-mark service.
    pub protocol: String,
    /// The virtual address and port; `None` for a firewall-mark service.
    pub addr: Option<(IpAddr, u16)>,
    /// The firewall mark of a `FWM` service.
    pub fwmark: Option<u32>,
    /// Scheduler name, e.g. `rr`.
    pub scheduler: String,
    /// The rest of the line: `ops`, or `persistent <timeout> <mask>` where the
    /// timeout is in kernel jiffies (seconds times the kernel's HZ).
    pub flags: Vec<String>,
    /// Destinations in the kernel's order.
    pub dests: Vec<Dest>,
}

/// One destination (real server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    /// The destination address and port.
    pub addr: (IpAddr, u16),
    /// `Masq`, `Local`, `Tunnel` or `Route`.
    pub forward: String,
    /// Scheduling weight.
    pub weight: i32,
    /// Active connections.
    pub active: u32,
    /// Inactive connections.
    pub inactive: u32,
}

/// Parses the whole file. Unknown or malformed lines are an error naming the
/// line, so a format change in a future kernel is noticed, not skipped.
///
/// # Errors
///
/// A message naming the line that does not parse.
pub fn parse(text: &str) -> Result<Vec<Service>, String> {
    let mut services: Vec<Service> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = || format!("/proc/net/ip_vs line {}: cannot parse {line:?}", n + 1);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            []
            | ["IP", "Virtual", "Server", ..]
            | ["Prot", ..]
            | ["->", "RemoteAddress:Port", ..] => {}
            ["->", addr, forward, weight, active, inactive] => {
                let dest = Dest {
                    addr: parse_addr_port(addr).ok_or_else(bad)?,
                    forward: (*forward).to_owned(),
                    weight: weight.parse().map_err(|_| bad())?,
                    active: active.parse().map_err(|_| bad())?,
                    inactive: inactive.parse().map_err(|_| bad())?,
                };
                services.last_mut().ok_or_else(bad)?.dests.push(dest);
            }
            ["FWM", mark, sched, flags @ ..] => services.push(Service {
                protocol: "FWM".to_owned(),
                addr: None,
                fwmark: Some(u32::from_str_radix(mark, 16).map_err(|_| bad())?),
                scheduler: (*sched).to_owned(),
                flags: flags.iter().map(|s| (*s).to_owned()).collect(),
                dests: Vec::new(),
            }),
            [proto, addr, sched, flags @ ..] if !proto.starts_with('-') => services.push(Service {
                protocol: (*proto).to_owned(),
                addr: Some(parse_addr_port(addr).ok_or_else(bad)?),
                fwmark: None,
                scheduler: (*sched).to_owned(),
                flags: flags.iter().map(|s| (*s).to_owned()).collect(),
                dests: Vec::new(),
            }),
            _ => return Err(bad()),
        }
    }
    Ok(services)
}

/// `C612000A:0050` or `[fd00:0000:...:0001]:0050`.
fn parse_addr_port(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.rsplit_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = if let Some(v6) = addr.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        IpAddr::V6(v6.parse().ok()?)
    } else {
        if addr.len() != 8 {
            return None;
        }
        IpAddr::V4(Ipv4Addr::from(u32::from_str_radix(addr, 16).ok()?))
    };
    Some((ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ipv4_ipv6_and_fwmark_services() {
        let text = "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port Scheduler Flags\n\
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n\
TCP  C612000A:0050 rr \n\
  -> C6120014:1F90      Masq    3      0          1         \n\
UDP  [fd00:0000:0000:0000:0000:0000:0000:0001]:0035 wlc persistent 300 FFFFFFFF\n\
FWM  00000015 sh \n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].protocol, "TCP");
        assert_eq!(s[0].addr, Some(("198.18.0.10".parse().unwrap(), 80)));
        assert_eq!(s[0].scheduler, "rr");
        assert_eq!(
            s[0].dests,
            vec![Dest {
                addr: ("198.18.0.20".parse().unwrap(), 8080),
                forward: "Masq".into(),
                weight: 3,
                active: 0,
                inactive: 1
            }]
        );
        assert_eq!(s[1].addr, Some(("fd00::1".parse().unwrap(), 53)));
        assert_eq!(s[1].flags, ["persistent", "300", "FFFFFFFF"]);
        assert_eq!(s[2].fwmark, Some(21));
        assert_eq!(s[2].scheduler, "sh");
    }

    #[test]
    fn malformed_lines_are_reported() {
        assert!(parse("TCP  C612000A rr\n").unwrap_err().contains("line 1"));
        assert!(
            parse("  -> C6120014:0050 Masq 1 0 0\n").is_err(),
            "a destination needs a service"
        );
        assert!(parse("TCP  C61200:0050 rr\n").is_err());
    }
}
