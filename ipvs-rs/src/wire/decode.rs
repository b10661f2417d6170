//! Reply decoding: netlink framing by hand (bounds-checked), generic netlink
//! headers and attributes through neli, then the model types.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::error::DecodeError;

/// One decoded netlink message of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The kernel accepted the request with this sequence number.
    Ack {
        /// Sequence number.
        seq: u32,
    },
    /// The kernel refused the request with this sequence number.
    Error {
        /// Sequence number.
        seq: u32,
        /// Positive errno.
        errno: i32,
    },
    /// The end of a dump.
    Done {
        /// Sequence number.
        seq: u32,
    },
    /// A service (dump or get).
    Service {
        /// Sequence number.
        seq: u32,
        /// The service.
        service: Box<Service>,
    },
    /// A destination (dump).
    Destination {
        /// Sequence number.
        seq: u32,
        /// The destination.
        dest: Box<Destination>,
    },
    /// A running sync daemon (dump).
    Daemon {
        /// Sequence number.
        seq: u32,
        /// The daemon.
        daemon: SyncDaemon,
    },
    /// The timeouts.
    Timeouts {
        /// Sequence number.
        seq: u32,
        /// The timeouts.
        timeouts: Timeouts,
    },
    /// The version and table size.
    Info {
        /// Sequence number.
        seq: u32,
        /// The info.
        info: Info,
    },
    /// A generic netlink family id (controller reply).
    Family {
        /// Sequence number.
        seq: u32,
        /// The family id.
        id: u16,
    },
    /// A message this crate does not interpret (kept so that callers can skip it).
    Other {
        /// Sequence number.
        seq: u32,
        /// Netlink message type.
        nl_type: u16,
    },
}

impl Reply {
    /// The sequence number the reply answers.
    pub fn seq(&self) -> u32 {
        match *self {
            Reply::Ack { seq }
            | Reply::Error { seq, .. }
            | Reply::Done { seq }
            | Reply::Service { seq, .. }
            | Reply::Destination { seq, .. }
            | Reply::Daemon { seq, .. }
            | Reply::Timeouts { seq, .. }
            | Reply::Info { seq, .. }
            | Reply::Family { seq, .. }
            | Reply::Other { seq, .. } => seq,
        }
    }
}

pub(super) fn rd_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}
pub(super) fn rd_u16(b: &[u8], at: usize) -> u16 {
    let mut w = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        w.copy_from_slice(s);
    }
    u16::from_ne_bytes(w)
}

/// Decodes every message in one received datagram.
///
/// # Errors
///
/// When a length field is inconsistent or a known attribute is malformed.
pub fn decode(buf: &[u8]) -> Result<Vec<Reply>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= 16 {
        let len = rd_u32(rest, 0) as usize;
        if len < 16 || len > rest.len() {
            return Err(DecodeError::Truncated {
                what: "netlink message",
                len: rest.len(),
                need: len.max(16),
            });
        }
        let nl_type = rd_u16(rest, 4);
        let seq = rd_u32(rest, 8);
        let body = &rest[16..len];
        out.push(decode_one(nl_type, seq, body)?);
        let next = (len + 3) & !3;
        rest = rest.get(next..).unwrap_or(&[]);
    }
    if !rest.is_empty() {
        return Err(DecodeError::Truncated {
            what: "netlink header",
            len: rest.len(),
            need: 16,
        });
    }
    Ok(out)
}

fn decode_one(nl_type: u16, seq: u32, body: &[u8]) -> Result<Reply, DecodeError> {
    match nl_type {
        NLMSG_ERROR => {
            if body.len() < 4 {
                return Err(DecodeError::Truncated {
                    what: "netlink error",
                    len: body.len(),
                    need: 4,
                });
            }
            let code = rd_u32(body, 0) as i32;
            if code == 0 {
                Ok(Reply::Ack { seq })
            } else {
                Ok(Reply::Error {
                    seq,
                    errno: code.checked_neg().unwrap_or(i32::MAX),
                })
            }
        }
        NLMSG_DONE => {
            // A dump may end with an error code in its DONE message.
            let code = if body.len() >= 4 {
                rd_u32(body, 0) as i32
            } else {
                0
            };
            if code < 0 {
                Ok(Reply::Error {
                    seq,
                    errno: code.checked_neg().unwrap_or(i32::MAX),
                })
            } else {
                Ok(Reply::Done { seq })
            }
        }
        t if t < 16 => Ok(Reply::Other { seq, nl_type }),
        t => {
            let (cmd, attrs) = genl(body)?;
            if t == GENL_ID_CTRL {
                return match find(&attrs, CTRL_ATTR_FAMILY_ID) {
                    Some(v) => Ok(Reply::Family {
                        seq,
                        id: get_u16(v, "CTRL_ATTR_FAMILY_ID")?,
                    }),
                    None => Ok(Reply::Other { seq, nl_type }),
                };
            }
            decode_ipvs(seq, nl_type, cmd, &attrs)
        }
    }
}

/// Attributes by type (every IPVS and controller type is below 32), as
/// slices of the received datagram: parsing allocates nothing. The first of
/// duplicate attributes wins; types this crate does not know are skipped.
struct Attrs<'a>([Option<&'a [u8]>; 32]);

/// Splits netlink attributes without copying. neli's parser builds an owned
/// value per attribute; a listing decodes hundreds of thousands of them, so
/// replies take this path (requests are checked against neli's encoder, and
/// this parser is fuzzed).
fn parse_attrs<'a>(mut b: &'a [u8], what: &'static str) -> Result<Attrs<'a>, DecodeError> {
    let mut v = Attrs([None; 32]);
    while b.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let ty = usize::from(u16::from_ne_bytes([b[2], b[3]]) & 0x3fff);
        if len < 4 || len > b.len() {
            return Err(DecodeError::Truncated {
                what,
                len: b.len(),
                need: len.max(4),
            });
        }
        if let Some(slot @ None) = v.0.get_mut(ty) {
            *slot = Some(&b[4..len]);
        }
        b = b.get((len + 3) & !3..).unwrap_or(&[]);
    }
    Ok(v)
}

/// Parses a generic netlink header and its attributes.
fn genl(body: &[u8]) -> Result<(u8, Attrs<'_>), DecodeError> {
    if body.len() < 4 {
        return Err(DecodeError::Truncated {
            what: "generic netlink header",
            len: body.len(),
            need: 4,
        });
    }
    Ok((
        body[0],
        parse_attrs(&body[4..], "generic netlink attributes")?,
    ))
}

/// Parses nested attributes.
fn nested<'a>(payload: &'a [u8], attr: &'static str) -> Result<Attrs<'a>, DecodeError> {
    parse_attrs(payload, attr)
}

fn find<'a>(attrs: &Attrs<'a>, t: u16) -> Option<&'a [u8]> {
    attrs.0.get(usize::from(t)).copied().flatten()
}

fn bad(attr: &'static str, want: usize, got: usize) -> DecodeError {
    DecodeError::Bad {
        attr,
        detail: format!("{got} bytes, expected {want}"),
    }
}
fn get_u8(v: &[u8], attr: &'static str) -> Result<u8, DecodeError> {
    v.first().copied().ok_or_else(|| bad(attr, 1, v.len()))
}
fn get_u16(v: &[u8], attr: &'static str) -> Result<u16, DecodeError> {
    let a: [u8; 2] = v
        .get(..2)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(attr, 2, v.len()))?;
    Ok(u16::from_ne_bytes(a))
}
fn get_be16(v: &[u8], attr: &'static str) -> Result<u16, DecodeError> {
    get_u16(v, attr).map(u16::from_be)
}
fn get_u32(v: &[u8], attr: &'static str) -> Result<u32, DecodeError> {
    let a: [u8; 4] = v
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(attr, 4, v.len()))?;
    Ok(u32::from_ne_bytes(a))
}
/// A counter: u32 in the legacy stats, u64 in stats64.
fn get_counter(v: &[u8], attr: &'static str) -> Result<u64, DecodeError> {
    match v.len() {
        8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(v);
            Ok(u64::from_ne_bytes(a))
        }
        _ => get_u32(v, attr).map(u64::from),
    }
}
fn get_str(v: &[u8], attr: &'static str) -> Result<String, DecodeError> {
    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
    String::from_utf8(v[..end].to_vec()).map_err(|_| DecodeError::Bad {
        attr,
        detail: "not UTF-8".into(),
    })
}
fn get_addr(v: &[u8], family: AddressFamily, attr: &'static str) -> Result<IpAddr, DecodeError> {
    if family == AddressFamily::INET6 {
        let a: [u8; 16] = v
            .get(..16)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad(attr, 16, v.len()))?;
        Ok(IpAddr::V6(Ipv6Addr::from(a)))
    } else if family == AddressFamily::INET {
        let a: [u8; 4] = v
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad(attr, 4, v.len()))?;
        Ok(IpAddr::V4(Ipv4Addr::from(a)))
    } else {
        Err(DecodeError::Bad {
            attr,
            detail: format!("unknown address family {}", family.0),
        })
    }
}

fn req_attr<'a>(
    attrs: &Attrs<'a>,
    t: u16,
    what: &'static str,
    attr: &'static str,
) -> Result<&'a [u8], DecodeError> {
    find(attrs, t).ok_or(DecodeError::Missing { what, attr })
}

fn decode_stats(v: &[u8], attr: &'static str) -> Result<Stats, DecodeError> {
    let attrs = nested(v, attr)?;
    let mut s = Stats::default();
    for (t, field) in [
        (STATS_CONNS, &mut s.conns),
        (STATS_INPKTS, &mut s.in_packets),
        (STATS_OUTPKTS, &mut s.out_packets),
        (STATS_INBYTES, &mut s.in_bytes),
        (STATS_OUTBYTES, &mut s.out_bytes),
        (STATS_CPS, &mut s.cps),
        (STATS_INPPS, &mut s.in_pps),
        (STATS_OUTPPS, &mut s.out_pps),
        (STATS_INBPS, &mut s.in_bps),
        (STATS_OUTBPS, &mut s.out_bps),
    ] {
        if let Some(v) = find(&attrs, t) {
            *field = get_counter(v, attr)?;
        }
    }
    Ok(s)
}

fn decode_ipvs(seq: u32, nl_type: u16, cmd: u8, attrs: &Attrs<'_>) -> Result<Reply, DecodeError> {
    match cmd {
        cmd::NEW_SERVICE => {
            let v = req_attr(
                attrs,
                CMD_ATTR_SERVICE,
                "service reply",
                "IPVS_CMD_ATTR_SERVICE",
            )?;
            Ok(Reply::Service {
                seq,
                service: Box::new(decode_service(&nested(v, "IPVS_CMD_ATTR_SERVICE")?)?),
            })
        }
        cmd::NEW_DEST => {
            let v = req_attr(
                attrs,
                CMD_ATTR_DEST,
                "destination reply",
                "IPVS_CMD_ATTR_DEST",
            )?;
            Ok(Reply::Destination {
                seq,
                dest: Box::new(decode_dest(&nested(v, "IPVS_CMD_ATTR_DEST")?)?),
            })
        }
        cmd::NEW_DAEMON => {
            let v = req_attr(
                attrs,
                CMD_ATTR_DAEMON,
                "daemon reply",
                "IPVS_CMD_ATTR_DAEMON",
            )?;
            Ok(Reply::Daemon {
                seq,
                daemon: decode_daemon(&nested(v, "IPVS_CMD_ATTR_DAEMON")?)?,
            })
        }
        cmd::SET_CONFIG => {
            let g = |t, n| {
                find(attrs, t)
                    .map(|v| get_u32(v, n))
                    .transpose()
                    .map(Option::unwrap_or_default)
            };
            Ok(Reply::Timeouts {
                seq,
                timeouts: Timeouts {
                    tcp: g(CMD_ATTR_TIMEOUT_TCP, "IPVS_CMD_ATTR_TIMEOUT_TCP")?,
                    tcp_fin: g(CMD_ATTR_TIMEOUT_TCP_FIN, "IPVS_CMD_ATTR_TIMEOUT_TCP_FIN")?,
                    udp: g(CMD_ATTR_TIMEOUT_UDP, "IPVS_CMD_ATTR_TIMEOUT_UDP")?,
                },
            })
        }
        cmd::SET_INFO => {
            let version = get_u32(
                req_attr(attrs, INFO_VERSION, "info reply", "IPVS_INFO_ATTR_VERSION")?,
                "IPVS_INFO_ATTR_VERSION",
            )?;
            let conn_tab_size = get_u32(
                req_attr(
                    attrs,
                    INFO_CONN_TAB_SIZE,
                    "info reply",
                    "IPVS_INFO_ATTR_CONN_TAB_SIZE",
                )?,
                "IPVS_INFO_ATTR_CONN_TAB_SIZE",
            )?;
            Ok(Reply::Info {
                seq,
                info: Info {
                    version,
                    conn_tab_size,
                },
            })
        }
        _ => Ok(Reply::Other { seq, nl_type }),
    }
}

/// Decodes the attributes nested in `IPVS_CMD_ATTR_SERVICE`.
fn decode_service(a: &Attrs<'_>) -> Result<Service, DecodeError> {
    const W: &str = "service";
    let family = AddressFamily(get_u16(
        req_attr(a, SVC_AF, W, "IPVS_SVC_ATTR_AF")?,
        "IPVS_SVC_ATTR_AF",
    )?);
    let key = match find(a, SVC_FWMARK) {
        Some(v) if find(a, SVC_ADDR).is_none() => ServiceKey::Fwmark {
            mark: get_u32(v, "IPVS_SVC_ATTR_FWMARK")?,
            family,
        },
        _ => ServiceKey::Addr {
            protocol: Protocol(get_u16(
                req_attr(a, SVC_PROTOCOL, W, "IPVS_SVC_ATTR_PROTOCOL")?,
                "IPVS_SVC_ATTR_PROTOCOL",
            )?),
            addr: get_addr(
                req_attr(a, SVC_ADDR, W, "IPVS_SVC_ATTR_ADDR")?,
                family,
                "IPVS_SVC_ATTR_ADDR",
            )?,
            port: get_be16(
                req_attr(a, SVC_PORT, W, "IPVS_SVC_ATTR_PORT")?,
                "IPVS_SVC_ATTR_PORT",
            )?,
        },
    };
    let scheduler = Scheduler(get_str(
        req_attr(a, SVC_SCHED_NAME, W, "IPVS_SVC_ATTR_SCHED_NAME")?,
        "IPVS_SVC_ATTR_SCHED_NAME",
    )?);
    let flags = get_u32(
        req_attr(a, SVC_FLAGS, W, "IPVS_SVC_ATTR_FLAGS")?,
        "IPVS_SVC_ATTR_FLAGS",
    )?;
    let timeout = find(a, SVC_TIMEOUT)
        .map(|v| get_u32(v, "IPVS_SVC_ATTR_TIMEOUT"))
        .transpose()?
        .unwrap_or(0);
    let netmask_prefix = match find(a, SVC_NETMASK) {
        None => {
            if family == AddressFamily::INET6 {
                128
            } else {
                32
            }
        }
        Some(v) => {
            let raw = get_u32(v, "IPVS_SVC_ATTR_NETMASK")?;
            if family == AddressFamily::INET6 {
                u8::try_from(raw).unwrap_or(u8::MAX)
            } else {
                // Leading ones of the be32 mask (truncated at the first zero).
                u32::from_be(raw).leading_ones() as u8
            }
        }
    };
    let pe_name = find(a, SVC_PE_NAME)
        .map(|v| get_str(v, "IPVS_SVC_ATTR_PE_NAME"))
        .transpose()?
        .filter(|s| !s.is_empty());
    let stats = match (find(a, SVC_STATS64), find(a, SVC_STATS)) {
        (Some(v), _) => decode_stats(v, "IPVS_SVC_ATTR_STATS64")?,
        (None, Some(v)) => decode_stats(v, "IPVS_SVC_ATTR_STATS")?,
        (None, None) => Stats::default(),
    };
    Ok(Service {
        key,
        settings: ServiceSettings {
            scheduler,
            flags: ServiceFlags::from_bits_retain(flags),
            timeout,
            netmask_prefix,
            pe_name,
        },
        stats,
    })
}

/// Decodes the attributes nested in `IPVS_CMD_ATTR_DEST`.
fn decode_dest(a: &Attrs<'_>) -> Result<Destination, DecodeError> {
    const W: &str = "destination";
    let raw_addr = req_attr(a, DEST_ADDR, W, "IPVS_DEST_ATTR_ADDR")?;
    // Kernels before 4.14 omit the family: infer it from the address bytes.
    let family = match find(a, DEST_ADDR_FAMILY) {
        Some(v) => AddressFamily(get_u16(v, "IPVS_DEST_ATTR_ADDR_FAMILY")?),
        None if raw_addr.len() >= 16 && raw_addr[4..16].iter().any(|&b| b != 0) => {
            AddressFamily::INET6
        }
        None => AddressFamily::INET,
    };
    let u32_of = |t, n| {
        find(a, t)
            .map(|v| get_u32(v, n))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let stats = match (find(a, DEST_STATS64), find(a, DEST_STATS)) {
        (Some(v), _) => decode_stats(v, "IPVS_DEST_ATTR_STATS64")?,
        (None, Some(v)) => decode_stats(v, "IPVS_DEST_ATTR_STATS")?,
        (None, None) => Stats::default(),
    };
    Ok(Destination {
        key: DestKey {
            addr: get_addr(raw_addr, family, "IPVS_DEST_ATTR_ADDR")?,
            port: get_be16(
                req_attr(a, DEST_PORT, W, "IPVS_DEST_ATTR_PORT")?,
                "IPVS_DEST_ATTR_PORT",
            )?,
        },
        settings: DestSettings {
            forwarding: Forwarding(
                u32_of(DEST_FWD_METHOD, "IPVS_DEST_ATTR_FWD_METHOD")? & FWD_MASK,
            ),
            weight: u32_of(DEST_WEIGHT, "IPVS_DEST_ATTR_WEIGHT")?,
            upper_threshold: u32_of(DEST_U_THRESH, "IPVS_DEST_ATTR_U_THRESH")?,
            lower_threshold: u32_of(DEST_L_THRESH, "IPVS_DEST_ATTR_L_THRESH")?,
            tun_type: TunnelType(
                find(a, DEST_TUN_TYPE)
                    .map(|v| get_u8(v, "IPVS_DEST_ATTR_TUN_TYPE"))
                    .transpose()?
                    .unwrap_or(0),
            ),
            tun_port: find(a, DEST_TUN_PORT)
                .map(|v| get_be16(v, "IPVS_DEST_ATTR_TUN_PORT"))
                .transpose()?
                .unwrap_or(0),
            tun_flags: TunnelFlags::from_bits_retain(
                find(a, DEST_TUN_FLAGS)
                    .map(|v| get_u16(v, "IPVS_DEST_ATTR_TUN_FLAGS"))
                    .transpose()?
                    .unwrap_or(0),
            ),
        },
        active_conns: u32_of(DEST_ACTIVE_CONNS, "IPVS_DEST_ATTR_ACTIVE_CONNS")?,
        inactive_conns: u32_of(DEST_INACT_CONNS, "IPVS_DEST_ATTR_INACT_CONNS")?,
        persist_conns: u32_of(DEST_PERSIST_CONNS, "IPVS_DEST_ATTR_PERSIST_CONNS")?,
        stats,
    })
}

/// Decodes the attributes nested in `IPVS_CMD_ATTR_DAEMON`.
fn decode_daemon(a: &Attrs<'_>) -> Result<SyncDaemon, DecodeError> {
    const W: &str = "sync daemon";
    let mcast_group = match (find(a, DAEMON_MCAST_GROUP6), find(a, DAEMON_MCAST_GROUP)) {
        (Some(v), _) => {
            let ip = get_addr(v, AddressFamily::INET6, "IPVS_DAEMON_ATTR_MCAST_GROUP6")?;
            (!ip.is_unspecified()).then_some(ip)
        }
        (None, Some(v)) => {
            let ip = get_addr(v, AddressFamily::INET, "IPVS_DAEMON_ATTR_MCAST_GROUP")?;
            (!ip.is_unspecified()).then_some(ip)
        }
        (None, None) => None,
    };
    Ok(SyncDaemon {
        state: DaemonState(get_u32(
            req_attr(a, DAEMON_STATE, W, "IPVS_DAEMON_ATTR_STATE")?,
            "IPVS_DAEMON_ATTR_STATE",
        )?),
        mcast_ifname: get_str(
            req_attr(a, DAEMON_MCAST_IFN, W, "IPVS_DAEMON_ATTR_MCAST_IFN")?,
            "IPVS_DAEMON_ATTR_MCAST_IFN",
        )?,
        sync_id: get_u32(
            req_attr(a, DAEMON_SYNC_ID, W, "IPVS_DAEMON_ATTR_SYNC_ID")?,
            "IPVS_DAEMON_ATTR_SYNC_ID",
        )?,
        sync_maxlen: find(a, DAEMON_SYNC_MAXLEN)
            .map(|v| get_u16(v, "IPVS_DAEMON_ATTR_SYNC_MAXLEN"))
            .transpose()?
            .unwrap_or(0),
        mcast_group,
        mcast_port: find(a, DAEMON_MCAST_PORT)
            .map(|v| get_u16(v, "IPVS_DAEMON_ATTR_MCAST_PORT"))
            .transpose()?
            .unwrap_or(0),
        mcast_ttl: find(a, DAEMON_MCAST_TTL)
            .map(|v| get_u8(v, "IPVS_DAEMON_ATTR_MCAST_TTL"))
            .transpose()?
            .unwrap_or(0),
    })
}
