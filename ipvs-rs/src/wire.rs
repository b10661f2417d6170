//! The IPVS generic netlink protocol: request building and reply decoding.
//!
//! This is the only module that knows neli. Requests are built from the
//! model types into bytes; replies are decoded from bytes into [`Reply`]
//! values. Decoding never panics: malformed input is a [`DecodeError`], and
//! attributes this crate does not know are skipped.
//!
//! ```text
//!  nlmsghdr (16 bytes)           genlmsghdr (4)   attributes (TLV, 4-aligned)
//! +--------+------+-------+-----+-----+-----+----+---------+---------+---
//! | len u32|type  |flags  |seq  |pid  |cmd  |ver |resv u16 | len|type|value...
//! +--------+------+-------+-----+-----+-----+----+---------+---------+---
//! ```

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use neli::consts::nl::NlmF;
use neli::genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, NlattrBuilder};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::types::{Buffer, GenlBuffer};
use neli::{FromBytesWithInput, Size, ToBytes};

use crate::error::DecodeError;
use crate::model::{
    AddressFamily, DaemonState, DestKey, DestSettings, Destination, Forwarding, Info, Protocol,
    Scheduler, Service, ServiceFlags, ServiceKey, ServiceSettings, Stats, SyncDaemon, Timeouts,
    TunnelFlags, TunnelType,
};

/// Generic netlink controller family id.
pub(crate) const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
/// The IPVS family's protocol version.
const IPVS_GENL_VERSION: u8 = 1;

/// Netlink message types below 16 are control messages.
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// `NLM_F_*` request flags.
pub(crate) const NLM_F_REQUEST: u16 = 0x1;
pub(crate) const NLM_F_ACK: u16 = 0x4;
pub(crate) const NLM_F_DUMP: u16 = 0x300;

/// IPVS commands (`IPVS_CMD_*`).
#[allow(missing_docs)]
pub mod cmd {
    pub const NEW_SERVICE: u8 = 1;
    pub const SET_SERVICE: u8 = 2;
    pub const DEL_SERVICE: u8 = 3;
    pub const GET_SERVICE: u8 = 4;
    pub const NEW_DEST: u8 = 5;
    pub const SET_DEST: u8 = 6;
    pub const DEL_DEST: u8 = 7;
    pub const GET_DEST: u8 = 8;
    pub const NEW_DAEMON: u8 = 9;
    pub const DEL_DAEMON: u8 = 10;
    pub const GET_DAEMON: u8 = 11;
    pub const SET_CONFIG: u8 = 12;
    pub const GET_CONFIG: u8 = 13;
    pub const SET_INFO: u8 = 14;
    pub const GET_INFO: u8 = 15;
    pub const ZERO: u8 = 16;
    pub const FLUSH: u8 = 17;
}

// Top-level attributes (IPVS_CMD_ATTR_*).
const CMD_ATTR_SERVICE: u16 = 1;
const CMD_ATTR_DEST: u16 = 2;
const CMD_ATTR_DAEMON: u16 = 3;
const CMD_ATTR_TIMEOUT_TCP: u16 = 4;
const CMD_ATTR_TIMEOUT_TCP_FIN: u16 = 5;
const CMD_ATTR_TIMEOUT_UDP: u16 = 6;
// IPVS_SVC_ATTR_*.
const SVC_AF: u16 = 1;
const SVC_PROTOCOL: u16 = 2;
const SVC_ADDR: u16 = 3;
const SVC_PORT: u16 = 4;
const SVC_FWMARK: u16 = 5;
const SVC_SCHED_NAME: u16 = 6;
const SVC_FLAGS: u16 = 7;
const SVC_TIMEOUT: u16 = 8;
const SVC_NETMASK: u16 = 9;
const SVC_STATS: u16 = 10;
const SVC_PE_NAME: u16 = 11;
const SVC_STATS64: u16 = 12;
// IPVS_DEST_ATTR_*.
const DEST_ADDR: u16 = 1;
const DEST_PORT: u16 = 2;
const DEST_FWD_METHOD: u16 = 3;
const DEST_WEIGHT: u16 = 4;
const DEST_U_THRESH: u16 = 5;
const DEST_L_THRESH: u16 = 6;
const DEST_ACTIVE_CONNS: u16 = 7;
const DEST_INACT_CONNS: u16 = 8;
const DEST_PERSIST_CONNS: u16 = 9;
const DEST_STATS: u16 = 10;
const DEST_ADDR_FAMILY: u16 = 11;
const DEST_STATS64: u16 = 12;
const DEST_TUN_TYPE: u16 = 13;
const DEST_TUN_PORT: u16 = 14;
const DEST_TUN_FLAGS: u16 = 15;
// IPVS_DAEMON_ATTR_*.
const DAEMON_STATE: u16 = 1;
const DAEMON_MCAST_IFN: u16 = 2;
const DAEMON_SYNC_ID: u16 = 3;
const DAEMON_SYNC_MAXLEN: u16 = 4;
const DAEMON_MCAST_GROUP: u16 = 5;
const DAEMON_MCAST_GROUP6: u16 = 6;
const DAEMON_MCAST_PORT: u16 = 7;
const DAEMON_MCAST_TTL: u16 = 8;
// IPVS_STATS_ATTR_*.
const STATS_CONNS: u16 = 1;
const STATS_INPKTS: u16 = 2;
const STATS_OUTPKTS: u16 = 3;
const STATS_INBYTES: u16 = 4;
const STATS_OUTBYTES: u16 = 5;
const STATS_CPS: u16 = 6;
const STATS_INPPS: u16 = 7;
const STATS_OUTPPS: u16 = 8;
const STATS_INBPS: u16 = 9;
const STATS_OUTBPS: u16 = 10;
// IPVS_INFO_ATTR_*.
const INFO_VERSION: u16 = 1;
const INFO_CONN_TAB_SIZE: u16 = 2;

/// The IPVS mask for the forwarding method bits.
const FWD_MASK: u32 = 0x7;

/// An attribute to emit; converted to neli's representation at the end.
#[derive(Clone, Debug)]
enum Attr {
    Bytes(u16, Vec<u8>),
    Nested(u16, Vec<Attr>),
}

fn a_u8(t: u16, v: u8) -> Attr {
    Attr::Bytes(t, vec![v])
}
fn a_u16(t: u16, v: u16) -> Attr {
    Attr::Bytes(t, v.to_ne_bytes().to_vec())
}
fn a_be16(t: u16, v: u16) -> Attr {
    Attr::Bytes(t, v.to_be_bytes().to_vec())
}
fn a_u32(t: u16, v: u32) -> Attr {
    Attr::Bytes(t, v.to_ne_bytes().to_vec())
}
fn a_str(t: u16, s: &str) -> Attr {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    Attr::Bytes(t, v)
}
/// An address as `union nf_inet_addr`: 16 bytes, IPv4 in the first four.
fn a_addr(t: u16, addr: IpAddr) -> Attr {
    let mut v = [0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    Attr::Bytes(t, v.to_vec())
}

fn to_neli(attr: &Attr) -> Result<neli::genl::Nlattr<u16, Buffer>, String> {
    let (ty, nested, payload) = match attr {
        Attr::Bytes(t, b) => (*t, false, b.clone()),
        Attr::Nested(t, inner) => {
            let mut buf = Cursor::new(Vec::new());
            for a in inner {
                to_neli(a)?.to_bytes(&mut buf).map_err(|e| e.to_string())?;
            }
            (*t, true, buf.into_inner())
        }
    };
    let ty = AttrTypeBuilder::default()
        .nla_type(ty)
        .nla_nested(nested)
        .build()
        .map_err(|e| e.to_string())?;
    NlattrBuilder::default()
        .nla_type(ty)
        .nla_payload(Buffer::from(payload))
        .build()
        .map_err(|e| e.to_string())
}

/// Builds one generic netlink request.
fn message(
    family: u16,
    seq: u32,
    flags: u16,
    cmd: u8,
    version: u8,
    attrs: &[Attr],
) -> Result<Vec<u8>, String> {
    let attrs = attrs
        .iter()
        .map(to_neli)
        .collect::<Result<GenlBuffer<u16, Buffer>, _>>()?;
    let genl = GenlmsghdrBuilder::<u8, u16>::default()
        .cmd(cmd)
        .version(version)
        .attrs(attrs)
        .build()
        .map_err(|e| e.to_string())?;
    let nl = NlmsghdrBuilder::default()
        .nl_type(family)
        .nl_flags(NlmF::from_bits_retain(flags))
        .nl_seq(seq)
        .nl_payload(NlPayload::Payload(genl))
        .build()
        .map_err(|e| e.to_string())?;
    let mut buf = Cursor::new(Vec::with_capacity(nl.padded_size()));
    nl.to_bytes(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

/// A request: which command, its flags and its attributes, before framing.
#[derive(Clone, Debug)]
pub struct Request {
    cmd: u8,
    flags: u16,
    attrs: Vec<Attr>,
}

impl Request {
    /// The IPVS command number.
    pub fn cmd(&self) -> u8 {
        self.cmd
    }
    /// Whether the request is a dump (many replies, then `NLMSG_DONE`).
    pub fn is_dump(&self) -> bool {
        self.flags & NLM_F_DUMP == NLM_F_DUMP
    }
    /// Frames the request for a family id and sequence number, with `NLM_F_ACK` if `ack`.
    ///
    /// # Errors
    ///
    /// Only if an attribute is too large for netlink's 16-bit lengths.
    pub fn emit(&self, family: u16, seq: u32, ack: bool) -> Result<Vec<u8>, String> {
        let flags = self.flags | if ack && !self.is_dump() { NLM_F_ACK } else { 0 };
        message(family, seq, flags, self.cmd, IPVS_GENL_VERSION, &self.attrs)
    }
}

fn req(cmd: u8, attrs: Vec<Attr>) -> Request {
    Request {
        cmd,
        flags: NLM_F_REQUEST,
        attrs,
    }
}
fn dump(cmd: u8, attrs: Vec<Attr>) -> Request {
    Request {
        cmd,
        flags: NLM_F_REQUEST | NLM_F_DUMP,
        attrs,
    }
}

/// The controller request that resolves a family name to its id.
pub fn get_family(name: &str, seq: u32) -> Result<Vec<u8>, String> {
    message(
        GENL_ID_CTRL,
        seq,
        NLM_F_REQUEST,
        CTRL_CMD_GETFAMILY,
        1,
        &[a_str(CTRL_ATTR_FAMILY_NAME, name)],
    )
}

/// A no-op message with `NLM_F_ACK`: the kernel acks it after everything sent before it.
pub fn barrier(seq: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&16u32.to_ne_bytes());
    v.extend_from_slice(&NLMSG_NOOP.to_ne_bytes());
    v.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
    v.extend_from_slice(&seq.to_ne_bytes());
    v.extend_from_slice(&0u32.to_ne_bytes());
    v
}

fn key_attrs(key: &ServiceKey) -> Vec<Attr> {
    match *key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => vec![
            a_u16(SVC_AF, AddressFamily::of(addr).0),
            a_u16(SVC_PROTOCOL, protocol.0),
            a_addr(SVC_ADDR, addr),
            a_be16(SVC_PORT, port),
        ],
        ServiceKey::Fwmark { mark, family } => {
            vec![a_u16(SVC_AF, family.0), a_u32(SVC_FWMARK, mark)]
        }
    }
}

/// The persistence netmask as the kernel wants it: a be32 mask for IPv4, a
/// prefix length for IPv6.
fn netmask_value(family: AddressFamily, prefix: u8) -> Vec<u8> {
    if family == AddressFamily::INET6 {
        u32::from(prefix).to_ne_bytes().to_vec()
    } else {
        let p = u32::from(prefix.min(32));
        let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
        mask.to_be_bytes().to_vec()
    }
}

fn service_attr(key: &ServiceKey, s: Option<&ServiceSettings>) -> Attr {
    let mut v = key_attrs(key);
    if let Some(s) = s {
        v.push(a_str(SVC_SCHED_NAME, s.scheduler.as_str()));
        if let Some(pe) = &s.pe_name {
            v.push(a_str(SVC_PE_NAME, pe));
        }
        let mut flags = Vec::with_capacity(8);
        flags.extend_from_slice(&s.flags.settings().bits().to_ne_bytes());
        flags.extend_from_slice(&u32::MAX.to_ne_bytes());
        v.push(Attr::Bytes(SVC_FLAGS, flags));
        v.push(a_u32(SVC_TIMEOUT, s.timeout));
        v.push(Attr::Bytes(
            SVC_NETMASK,
            netmask_value(key.family(), s.netmask_prefix),
        ));
    }
    Attr::Nested(CMD_ATTR_SERVICE, v)
}

fn dest_attr(key: &DestKey, d: Option<&DestSettings>) -> Attr {
    let mut v = vec![
        a_addr(DEST_ADDR, key.addr),
        a_be16(DEST_PORT, key.port),
        a_u16(DEST_ADDR_FAMILY, AddressFamily::of(key.addr).0),
    ];
    if let Some(d) = d {
        v.push(a_u32(DEST_FWD_METHOD, d.forwarding.0 & FWD_MASK));
        v.push(a_u32(DEST_WEIGHT, d.weight));
        v.push(a_u8(DEST_TUN_TYPE, d.tun_type.0));
        v.push(a_be16(DEST_TUN_PORT, d.tun_port));
        v.push(a_u16(DEST_TUN_FLAGS, d.tun_flags.bits()));
        v.push(a_u32(DEST_U_THRESH, d.upper_threshold));
        v.push(a_u32(DEST_L_THRESH, d.lower_threshold));
    }
    Attr::Nested(CMD_ATTR_DEST, v)
}

/// Adds a service.
pub fn new_service(s: &Service) -> Request {
    req(
        cmd::NEW_SERVICE,
        vec![service_attr(&s.key, Some(&s.settings))],
    )
}
/// Changes a service's settings.
pub fn set_service(s: &Service) -> Request {
    req(
        cmd::SET_SERVICE,
        vec![service_attr(&s.key, Some(&s.settings))],
    )
}
/// Deletes a service and its destinations.
pub fn del_service(key: &ServiceKey) -> Request {
    req(cmd::DEL_SERVICE, vec![service_attr(key, None)])
}
/// Gets one service.
pub fn get_service(key: &ServiceKey) -> Request {
    req(cmd::GET_SERVICE, vec![service_attr(key, None)])
}
/// Dumps every service.
pub fn get_services() -> Request {
    dump(cmd::GET_SERVICE, vec![])
}
/// Adds a destination to a service.
pub fn new_dest(svc: &ServiceKey, d: &Destination) -> Request {
    req(
        cmd::NEW_DEST,
        vec![
            service_attr(svc, None),
            dest_attr(&d.key, Some(&d.settings)),
        ],
    )
}
/// Changes a destination.
pub fn set_dest(svc: &ServiceKey, d: &Destination) -> Request {
    req(
        cmd::SET_DEST,
        vec![
            service_attr(svc, None),
            dest_attr(&d.key, Some(&d.settings)),
        ],
    )
}
/// Deletes a destination.
pub fn del_dest(svc: &ServiceKey, key: &DestKey) -> Request {
    req(
        cmd::DEL_DEST,
        vec![service_attr(svc, None), dest_attr(key, None)],
    )
}
/// Dumps a service's destinations.
pub fn get_dests(svc: &ServiceKey) -> Request {
    dump(cmd::GET_DEST, vec![service_attr(svc, None)])
}
/// Deletes every service.
pub fn flush() -> Request {
    req(cmd::FLUSH, vec![])
}
/// Zeroes the counters of one service, or of all.
pub fn zero(svc: Option<&ServiceKey>) -> Request {
    req(
        cmd::ZERO,
        svc.map(|k| vec![service_attr(k, None)]).unwrap_or_default(),
    )
}
/// Gets the version and connection table size.
pub fn get_info() -> Request {
    req(cmd::GET_INFO, vec![])
}
/// Gets the timeouts.
pub fn get_config() -> Request {
    req(cmd::GET_CONFIG, vec![])
}
/// Sets the timeouts (0 leaves a value unchanged).
pub fn set_config(t: &Timeouts) -> Request {
    req(
        cmd::SET_CONFIG,
        vec![
            a_u32(CMD_ATTR_TIMEOUT_TCP, t.tcp),
            a_u32(CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin),
            a_u32(CMD_ATTR_TIMEOUT_UDP, t.udp),
        ],
    )
}
/// Starts a sync daemon.
pub fn new_daemon(d: &SyncDaemon) -> Request {
    let mut v = vec![
        a_u32(DAEMON_STATE, d.state.0),
        a_str(DAEMON_MCAST_IFN, &d.mcast_ifname),
        a_u32(DAEMON_SYNC_ID, d.sync_id),
    ];
    if d.sync_maxlen != 0 {
        v.push(a_u16(DAEMON_SYNC_MAXLEN, d.sync_maxlen));
    }
    match d.mcast_group {
        Some(IpAddr::V4(a)) => v.push(Attr::Bytes(DAEMON_MCAST_GROUP, a.octets().to_vec())),
        Some(IpAddr::V6(a)) => v.push(Attr::Bytes(DAEMON_MCAST_GROUP6, a.octets().to_vec())),
        None => {}
    }
    if d.mcast_port != 0 {
        v.push(a_u16(DAEMON_MCAST_PORT, d.mcast_port));
    }
    if d.mcast_ttl != 0 {
        v.push(a_u8(DAEMON_MCAST_TTL, d.mcast_ttl));
    }
    req(cmd::NEW_DAEMON, vec![Attr::Nested(CMD_ATTR_DAEMON, v)])
}
/// Stops the sync daemon of a role.
pub fn del_daemon(state: DaemonState) -> Request {
    req(
        cmd::DEL_DAEMON,
        vec![Attr::Nested(
            CMD_ATTR_DAEMON,
            vec![a_u32(DAEMON_STATE, state.0)],
        )],
    )
}
/// Dumps the running sync daemons.
pub fn get_daemons() -> Request {
    dump(cmd::GET_DAEMON, vec![])
}

// ---------------------------------------------------------------- decoding

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

fn rd_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}
fn rd_u16(b: &[u8], at: usize) -> u16 {
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

type Attrs = Vec<(u16, Vec<u8>)>;

/// Parses a generic netlink header and its attributes with neli.
fn genl(body: &[u8]) -> Result<(u8, Attrs), DecodeError> {
    let mut cur = Cursor::new(body);
    let g = Genlmsghdr::<u8, u16>::from_bytes_with_input(&mut cur, body.len()).map_err(|e| {
        DecodeError::Bad {
            attr: "generic netlink payload",
            detail: e.to_string(),
        }
    })?;
    let attrs = g
        .attrs()
        .iter()
        .map(|a| (*a.nla_type().nla_type(), a.nla_payload().as_ref().to_vec()))
        .collect();
    Ok((*g.cmd(), attrs))
}

/// Parses nested attributes with neli.
fn nested(payload: &[u8], attr: &'static str) -> Result<Attrs, DecodeError> {
    let mut cur = Cursor::new(payload);
    let b =
        GenlBuffer::<u16, Buffer>::from_bytes_with_input(&mut cur, payload.len()).map_err(|e| {
            DecodeError::Bad {
                attr,
                detail: e.to_string(),
            }
        })?;
    Ok(b.iter()
        .map(|a| (*a.nla_type().nla_type(), a.nla_payload().as_ref().to_vec()))
        .collect())
}

fn find(attrs: &Attrs, t: u16) -> Option<&[u8]> {
    attrs
        .iter()
        .find(|(ty, _)| *ty == t)
        .map(|(_, v)| v.as_slice())
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
    attrs: &'a Attrs,
    t: u16,
    what: &'static str,
    attr: &'static str,
) -> Result<&'a [u8], DecodeError> {
    find(attrs, t).ok_or(DecodeError::Missing { what, attr })
}

fn decode_stats(v: &[u8], attr: &'static str) -> Result<Stats, DecodeError> {
    let attrs = nested(v, attr)?;
    let mut s = Stats::default();
    for (t, v) in &attrs {
        let x = get_counter(v, attr)?;
        match *t {
            STATS_CONNS => s.conns = x,
            STATS_INPKTS => s.in_packets = x,
            STATS_OUTPKTS => s.out_packets = x,
            STATS_INBYTES => s.in_bytes = x,
            STATS_OUTBYTES => s.out_bytes = x,
            STATS_CPS => s.cps = x,
            STATS_INPPS => s.in_pps = x,
            STATS_OUTPPS => s.out_pps = x,
            STATS_INBPS => s.in_bps = x,
            STATS_OUTBPS => s.out_bps = x,
            _ => {}
        }
    }
    Ok(s)
}

fn decode_ipvs(seq: u32, nl_type: u16, cmd: u8, attrs: &Attrs) -> Result<Reply, DecodeError> {
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
fn decode_service(a: &Attrs) -> Result<Service, DecodeError> {
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
fn decode_dest(a: &Attrs) -> Result<Destination, DecodeError> {
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
fn decode_daemon(a: &Attrs) -> Result<SyncDaemon, DecodeError> {
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

#[cfg(test)]
mod tests;
