//! The kernel's older IPVS interface, `getsockopt` on an IPv4 raw socket:
//! request building and reply decoding for the two reads
//! [`Client::destination_settings`](crate::Client::destination_settings)
//! takes from it.
//!
//! Generic netlink is this crate's interface; this one exists because reading
//! one service's destinations through it costs the kernel one call and a copy
//! per destination, where a netlink dump costs two dump passes that build
//! every attribute. It only knows IPv4 services, skips destinations whose
//! family differs from their service's, and has neither tunnel settings nor
//! 64-bit counters, so the client uses it only where its answer is complete
//! and checks that it is.
//!
//! The kernel writes entries one by one and says nothing about how many it
//! wrote: the caller fills the entry table with [`UNWRITTEN`] first, and
//! decoding stops at the first entry still holding it (no entry the kernel
//! writes can: its address would be 255.255.255.255 with weight -1).
//!
//! Layouts (`include/uapi/linux/ip_vs.h`, native byte order except the
//! `__be` fields):
//!
//! ```text
//! ip_vs_get_services   0 num_services u32 | 8 entries of 104 bytes
//! ip_vs_service_entry  0 protocol u16 | 4 addr be32 | 8 port be16 | 12 fwmark u32
//!                      16 sched_name [16] | 32 flags | 36 timeout | 40 netmask be32
//!                      44 num_dests u32 | 48 stats (56)
//! ip_vs_get_dests      0 protocol u16 | 4 addr be32 | 8 port be16 | 12 fwmark u32
//!                      16 num_dests u32 | 24 entries of 96 bytes
//! ip_vs_dest_entry     0 addr be32 | 4 port be16 | 8 conn_flags | 12 weight i32
//!                      16 u_threshold | 20 l_threshold | 24 activeconns
//!                      28 inactconns | 32 persistconns | 40 stats (56)
//! ```

use std::net::{IpAddr, Ipv4Addr};

use crate::error::DecodeError;
use crate::model::{
    AddressFamily, DestKey, DestSettings, Destination, Forwarding, ServiceKey, Stats, TunnelFlags,
    TunnelType,
};

/// `IP_VS_BASE_CTL`.
const BASE_CTL: i32 = 64 + 1024 + 64;
/// `IP_VS_SO_GET_INFO`: version, table size, number of services.
pub const GET_INFO: i32 = BASE_CTL + 1;
/// `IP_VS_SO_GET_SERVICES`: every IPv4 service.
pub const GET_SERVICES: i32 = BASE_CTL + 2;
/// `IP_VS_SO_GET_DESTS`: one IPv4 service's destinations.
pub const GET_DESTS: i32 = BASE_CTL + 4;

/// `sizeof(struct ip_vs_getinfo)`.
pub const INFO_LEN: usize = 12;
/// `offsetof(struct ip_vs_get_services, entrytable)`.
const SERVICES_HEAD: usize = 8;
/// `sizeof(struct ip_vs_service_entry)`.
const SERVICE_ENTRY: usize = 104;
/// `offsetof(struct ip_vs_get_dests, entrytable)`.
const DESTS_HEAD: usize = 24;
/// `sizeof(struct ip_vs_dest_entry)`.
const DEST_ENTRY: usize = 96;
/// `IP_VS_CONN_F_FWD_MASK`.
const FWD_MASK: u32 = 0x7;

/// The byte the caller fills entry tables with before the kernel writes.
pub const UNWRITTEN: u8 = 0xff;

/// An IPv4 service as this interface names it: protocol, address and port,
/// or a firewall mark (with the rest zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LegacyKey {
    /// Protocol number (zero for firewall-mark services).
    pub protocol: u16,
    /// Virtual address.
    pub addr: Ipv4Addr,
    /// Virtual port.
    pub port: u16,
    /// Firewall mark (zero for address services).
    pub fwmark: u32,
}

impl LegacyKey {
    /// The key of an IPv4 service; `None` for IPv6 ones, which this
    /// interface does not show.
    pub fn of(key: &ServiceKey) -> Option<LegacyKey> {
        match *key {
            ServiceKey::Addr {
                protocol,
                addr: IpAddr::V4(addr),
                port,
            } => Some(LegacyKey {
                protocol: protocol.0,
                addr,
                port,
                fwmark: 0,
            }),
            ServiceKey::Fwmark { mark, family } if family == AddressFamily::INET && mark != 0 => {
                Some(LegacyKey {
                    protocol: 0,
                    addr: Ipv4Addr::UNSPECIFIED,
                    port: 0,
                    fwmark: mark,
                })
            }
            _ => None,
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The entries after a request's header: a whole number of `entry` bytes.
fn entry_table<'a>(
    b: &'a [u8],
    what: &'static str,
    head: usize,
    entry: usize,
) -> Result<&'a [u8], DecodeError> {
    b.get(head..)
        .filter(|t| t.len() % entry == 0)
        .ok_or_else(|| DecodeError::Bad {
            attr: what,
            detail: format!(
                "{} bytes: not a header of {head} and entries of {entry}",
                b.len()
            ),
        })
}

/// The number of services in `struct ip_vs_getinfo`.
///
/// # Errors
///
/// When the reply is shorter than the structure.
pub fn decode_num_services(b: &[u8]) -> Result<u32, DecodeError> {
    if b.len() < INFO_LEN {
        return Err(DecodeError::Truncated {
            what: "ip_vs_getinfo",
            len: b.len(),
            need: INFO_LEN,
        });
    }
    Ok(u32_at(b, 8))
}

/// A `struct ip_vs_get_services` request for up to `n` services, its entry
/// table filled with [`UNWRITTEN`].
pub fn get_services(n: u32) -> Vec<u8> {
    let entries = usize::try_from(n).unwrap_or(0);
    let mut b = vec![UNWRITTEN; SERVICES_HEAD + entries * SERVICE_ENTRY];
    b[..4].copy_from_slice(&n.to_ne_bytes());
    b[4..SERVICES_HEAD].fill(0);
    b
}

/// The services the kernel wrote into a [`get_services`] buffer, each with
/// its number of destinations (of every family).
///
/// # Errors
///
/// When the buffer is not a whole request.
pub fn decode_services(b: &[u8]) -> Result<Vec<(LegacyKey, u32)>, DecodeError> {
    let table = entry_table(b, "ip_vs_get_services", SERVICES_HEAD, SERVICE_ENTRY)?;
    let mut out = Vec::with_capacity(table.len() / SERVICE_ENTRY);
    for e in table.chunks_exact(SERVICE_ENTRY) {
        let num_dests = u32_at(e, 44);
        if u16_at(e, 0) == 0xffff && num_dests == u32::MAX {
            break;
        }
        let fwmark = u32_at(e, 12);
        let key = if fwmark != 0 {
            LegacyKey {
                protocol: 0,
                addr: Ipv4Addr::UNSPECIFIED,
                port: 0,
                fwmark,
            }
        } else {
            LegacyKey {
                protocol: u16_at(e, 0),
                addr: Ipv4Addr::new(e[4], e[5], e[6], e[7]),
                port: u16::from_be_bytes([e[8], e[9]]),
                fwmark: 0,
            }
        };
        out.push((key, num_dests));
    }
    Ok(out)
}

/// A `struct ip_vs_get_dests` request for up to `n` destinations of `key`,
/// its entry table filled with [`UNWRITTEN`].
pub fn get_dests(key: &LegacyKey, n: u32) -> Vec<u8> {
    let entries = usize::try_from(n).unwrap_or(0);
    let mut b = vec![UNWRITTEN; DESTS_HEAD + entries * DEST_ENTRY];
    b[..DESTS_HEAD].fill(0);
    b[0..2].copy_from_slice(&key.protocol.to_ne_bytes());
    b[4..8].copy_from_slice(&key.addr.octets());
    b[8..10].copy_from_slice(&key.port.to_be_bytes());
    b[12..16].copy_from_slice(&key.fwmark.to_ne_bytes());
    b[16..20].copy_from_slice(&n.to_ne_bytes());
    b
}

/// The destinations the kernel wrote into a [`get_dests`] buffer, with
/// their settings and connection counts; `stats` are left zero and the
/// tunnel settings at their defaults (this interface has neither).
///
/// # Errors
///
/// When the buffer is not a whole request, or an entry has a negative weight.
pub fn decode_dests(b: &[u8]) -> Result<Vec<Destination>, DecodeError> {
    let table = entry_table(b, "ip_vs_get_dests", DESTS_HEAD, DEST_ENTRY)?;
    let mut out = Vec::with_capacity(table.len() / DEST_ENTRY);
    for e in table.chunks_exact(DEST_ENTRY) {
        let weight = u32_at(e, 12);
        if e[..4] == [UNWRITTEN; 4] && weight == u32::MAX {
            break;
        }
        if weight > i32::MAX as u32 {
            return Err(DecodeError::Bad {
                attr: "ip_vs_dest_entry.weight",
                detail: format!("negative weight {}", weight as i32),
            });
        }
        out.push(Destination {
            key: DestKey {
                addr: IpAddr::V4(Ipv4Addr::new(e[0], e[1], e[2], e[3])),
                port: u16::from_be_bytes([e[4], e[5]]),
            },
            settings: DestSettings {
                forwarding: Forwarding(u32_at(e, 8) & FWD_MASK),
                weight,
                upper_threshold: u32_at(e, 16),
                lower_threshold: u32_at(e, 20),
                tun_type: TunnelType::default(),
                tun_port: 0,
                tun_flags: TunnelFlags::empty(),
            },
            active_conns: u32_at(e, 24),
            inactive_conns: u32_at(e, 28),
            persist_conns: u32_at(e, 32),
            stats: Stats::default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LegacyKey {
        LegacyKey::of(&ServiceKey::tcp("198.18.0.1".parse().unwrap(), 80)).unwrap()
    }

    /// Writes a destination entry as the kernel does.
    fn write_dest(b: &mut [u8], i: usize, addr: [u8; 4], port: u16, flags: u32, weight: i32) {
        let e = &mut b[DESTS_HEAD + i * DEST_ENTRY..][..DEST_ENTRY];
        e.fill(0);
        e[..4].copy_from_slice(&addr);
        e[4..6].copy_from_slice(&port.to_be_bytes());
        e[8..12].copy_from_slice(&flags.to_ne_bytes());
        e[12..16].copy_from_slice(&weight.to_ne_bytes());
        e[16..20].copy_from_slice(&100u32.to_ne_bytes());
        e[24..28].copy_from_slice(&7u32.to_ne_bytes());
        e[28..32].copy_from_slice(&8u32.to_ne_bytes());
        e[32..36].copy_from_slice(&9u32.to_ne_bytes());
        e[40..44].copy_from_slice(&12345u32.to_ne_bytes()); // conns: not read
    }

    #[test]
    fn requests_name_the_service_and_mark_the_table_unwritten() {
        let b = get_dests(&key(), 2);
        assert_eq!(b.len(), 24 + 2 * 96);
        assert_eq!(
            &b[..20],
            &[
                6, 0, 0, 0, 198, 18, 0, 1, 0, 80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0
            ]
        );
        assert!(b[24..].iter().all(|&x| x == UNWRITTEN));
        let s = get_services(3);
        assert_eq!(s.len(), 8 + 3 * 104);
        assert_eq!(&s[..8], &[3, 0, 0, 0, 0, 0, 0, 0]);
        let fw = LegacyKey::of(&ServiceKey::Fwmark {
            mark: 5,
            family: AddressFamily::INET,
        })
        .unwrap();
        assert_eq!(&get_dests(&fw, 0)[12..16], &5u32.to_ne_bytes());
        let v6 = ServiceKey::tcp("fd00::1".parse().unwrap(), 80);
        assert_eq!(LegacyKey::of(&v6), None);
    }

    #[test]
    fn destinations_stop_at_the_first_unwritten_entry() {
        let mut b = get_dests(&key(), 3);
        write_dest(&mut b, 0, [198, 19, 0, 1], 8001, 0, 1);
        write_dest(&mut b, 1, [198, 19, 0, 2], 8002, 0x3 | 0x100, 0);
        let d = decode_dests(&b).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].key.addr, "198.19.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(d[0].key.port, 8001);
        assert_eq!(d[0].settings.forwarding, Forwarding::MASQ);
        assert_eq!(d[1].settings.forwarding, Forwarding::ROUTE);
        assert_eq!(d[1].settings.weight, 0);
        assert_eq!(d[0].settings.upper_threshold, 100);
        assert_eq!(
            (d[0].active_conns, d[0].inactive_conns, d[0].persist_conns),
            (7, 8, 9)
        );
        assert_eq!(d[0].stats, Stats::default());
    }

    #[test]
    fn malformed_buffers_are_errors() {
        assert!(decode_dests(&[0; 23]).is_err());
        assert!(decode_dests(&[0; 24 + 95]).is_err());
        let mut b = get_dests(&key(), 1);
        write_dest(&mut b, 0, [198, 19, 0, 1], 1, 0, -1);
        assert!(decode_dests(&b).is_err());
        assert!(decode_services(&[0; 7]).is_err());
        assert!(decode_num_services(&[0; 11]).is_err());
        assert_eq!(
            decode_num_services(&[1, 0, 2, 0, 0, 16, 0, 0, 3, 0, 0, 0]).unwrap(),
            3
        );
    }

    #[test]
    fn services_carry_their_key_and_destination_count() {
        let mut b = get_services(3);
        let e = &mut b[8..8 + 104];
        e.fill(0);
        e[0..2].copy_from_slice(&6u16.to_ne_bytes());
        e[4..8].copy_from_slice(&[198, 18, 0, 1]);
        e[8..10].copy_from_slice(&80u16.to_be_bytes());
        e[44..48].copy_from_slice(&10u32.to_ne_bytes());
        let e = &mut b[8 + 104..8 + 208];
        e.fill(0);
        e[12..16].copy_from_slice(&7u32.to_ne_bytes());
        let s = decode_services(&b).unwrap();
        assert_eq!(
            s,
            vec![
                (key(), 10),
                (
                    LegacyKey {
                        protocol: 0,
                        addr: Ipv4Addr::UNSPECIFIED,
                        port: 0,
                        fwmark: 7
                    },
                    0
                )
            ]
        );
    }
}
