//! The IPVS generic netlink protocol: request building and reply decoding.
//!
//! This is the only module that knows neli. Requests are built from the
//! model types into bytes; replies are decoded from bytes into [`Reply`]
//! values. Decoding never panics: malformed input is a [`DecodeError`](crate::DecodeError), and
//! attributes this crate does not know are skipped.
//!
//! ```text
//!  nlmsghdr (16 bytes)           genlmsghdr (4)   attributes (TLV, 4-aligned)
//! +--------+------+-------+-----+-----+-----+----+---------+---------+---
//! | len u32|type  |flags  |seq  |pid  |cmd  |ver |resv u16 | len|type|value...
//! +--------+------+-------+-----+-----+-----+----+---------+---------+---
//! ```

use std::io::Cursor;
use std::net::IpAddr;

use neli::consts::nl::NlmF;
use neli::genl::{AttrTypeBuilder, GenlmsghdrBuilder, NlattrBuilder};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::types::{Buffer, GenlBuffer};
use neli::{Size, ToBytes};

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
    Bytes(u16, Payload),
    /// Nested, with `NLA_F_NESTED` set (what we send).
    Nested(u16, Vec<Attr>),
    /// Nested without the flag (what the kernel's IPVS sends).
    Group(u16, Vec<Attr>),
}

/// An attribute payload: inline up to 16 bytes (every fixed-size IPVS
/// attribute and most names), so building a request allocates little.
#[derive(Clone, Debug)]
enum Payload {
    Inline { len: u8, buf: [u8; 16] },
    Heap(Vec<u8>),
}

impl Payload {
    fn new(b: &[u8]) -> Payload {
        match u8::try_from(b.len()) {
            Ok(len) if b.len() <= 16 => {
                let mut buf = [0; 16];
                buf[..b.len()].copy_from_slice(b);
                Payload::Inline { len, buf }
            }
            _ => Payload::Heap(b.to_vec()),
        }
    }
    /// A C string: the bytes and a NUL.
    fn with_nul(b: &[u8]) -> Payload {
        if b.len() < 16 {
            let mut buf = [0; 16];
            buf[..b.len()].copy_from_slice(b);
            Payload::Inline {
                len: b.len() as u8 + 1,
                buf,
            }
        } else {
            let mut v = b.to_vec();
            v.push(0);
            Payload::Heap(v)
        }
    }
    fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Inline { len, buf } => &buf[..usize::from(*len)],
            Payload::Heap(v) => v,
        }
    }
}

fn bytes(t: u16, b: impl AsRef<[u8]>) -> Attr {
    Attr::Bytes(t, Payload::new(b.as_ref()))
}

fn a_u8(t: u16, v: u8) -> Attr {
    bytes(t, [v])
}
fn a_u16(t: u16, v: u16) -> Attr {
    bytes(t, v.to_ne_bytes())
}
fn a_be16(t: u16, v: u16) -> Attr {
    bytes(t, v.to_be_bytes())
}
fn a_u32(t: u16, v: u32) -> Attr {
    bytes(t, v.to_ne_bytes())
}
fn a_str(t: u16, s: &str) -> Attr {
    Attr::Bytes(t, Payload::with_nul(s.as_bytes()))
}
/// An address as `union nf_inet_addr`: 16 bytes, IPv4 in the first four.
fn a_addr(t: u16, addr: IpAddr) -> Attr {
    let mut v = [0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    bytes(t, v)
}

fn to_neli(attr: &Attr) -> Result<neli::genl::Nlattr<u16, Buffer>, String> {
    let (ty, nested, payload) = match attr {
        Attr::Bytes(t, b) => (*t, false, b.as_slice().to_vec()),
        Attr::Nested(t, inner) | Attr::Group(t, inner) => {
            let mut buf = Cursor::new(Vec::new());
            for a in inner {
                to_neli(a)?.to_bytes(&mut buf).map_err(|e| e.to_string())?;
            }
            (*t, matches!(attr, Attr::Nested(..)), buf.into_inner())
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
    message_from(family, seq, flags, 0, cmd, version, attrs)
}

/// Builds one generic netlink message with a sender port id.
fn message_from(
    family: u16,
    seq: u32,
    flags: u16,
    pid: u32,
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
        .nl_pid(pid)
        .nl_payload(NlPayload::Payload(genl))
        .build()
        .map_err(|e| e.to_string())?;
    let mut buf = Cursor::new(Vec::with_capacity(nl.padded_size()));
    nl.to_bytes(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

/// Appends one attribute, 4-byte aligned, without intermediate allocations:
/// the fast path for batches. `message_from` (through neli) is the reference
/// it is tested against.
fn encode_attr(out: &mut Vec<u8>, attr: &Attr) -> Result<(), String> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let (t, flag) = match attr {
        Attr::Bytes(t, b) => {
            out.extend_from_slice(b.as_slice());
            (*t, 0)
        }
        Attr::Nested(t, inner) | Attr::Group(t, inner) => {
            for a in inner {
                encode_attr(out, a)?;
            }
            (
                *t,
                if matches!(attr, Attr::Nested(..)) {
                    0x8000
                } else {
                    0
                },
            )
        }
    };
    let len =
        u16::try_from(out.len() - start).map_err(|_| format!("attribute {t} exceeds 64 KiB"))?;
    out[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    out[start + 2..start + 4].copy_from_slice(&(t | flag).to_ne_bytes());
    let padded = start + ((out.len() - start + 3) & !3);
    out.resize(padded, 0);
    Ok(())
}

/// Appends one generic netlink message; the same bytes as `message_from`.
fn encode_message(
    out: &mut Vec<u8>,
    family: u16,
    seq: u32,
    flags: u16,
    cmd: u8,
    attrs: &[Attr],
) -> Result<(), String> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&family.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&[cmd, IPVS_GENL_VERSION, 0, 0]);
    for a in attrs {
        encode_attr(out, a)?;
    }
    let len = u32::try_from(out.len() - start).map_err(|_| "message too large".to_string())?;
    out[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    Ok(())
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

    /// Like [`Request::emit`], appending to `out` without building neli
    /// values: the path batches take. Same bytes.
    ///
    /// # Errors
    ///
    /// Only if an attribute is too large for netlink's 16-bit lengths.
    pub fn emit_into(
        &self,
        out: &mut Vec<u8>,
        family: u16,
        seq: u32,
        ack: bool,
    ) -> Result<(), String> {
        let flags = self.flags | if ack && !self.is_dump() { NLM_F_ACK } else { 0 };
        encode_message(out, family, seq, flags, self.cmd, &self.attrs)
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
fn netmask_value(family: AddressFamily, prefix: u8) -> [u8; 4] {
    if family == AddressFamily::INET6 {
        u32::from(prefix).to_ne_bytes()
    } else {
        let p = u32::from(prefix.min(32));
        let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
        mask.to_be_bytes()
    }
}

fn service_attr(key: &ServiceKey, s: Option<&ServiceSettings>) -> Attr {
    let mut v = key_attrs(key);
    if let Some(s) = s {
        v.push(a_str(SVC_SCHED_NAME, s.scheduler.as_str()));
        if let Some(pe) = &s.pe_name {
            v.push(a_str(SVC_PE_NAME, pe));
        }
        let mut flags = [0xff; 8];
        flags[..4].copy_from_slice(&s.flags.settings().bits().to_ne_bytes());
        v.push(bytes(SVC_FLAGS, flags));
        v.push(a_u32(SVC_TIMEOUT, s.timeout));
        v.push(bytes(
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
        Some(IpAddr::V4(a)) => v.push(bytes(DAEMON_MCAST_GROUP, a.octets())),
        Some(IpAddr::V6(a)) => v.push(bytes(DAEMON_MCAST_GROUP6, a.octets())),
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

mod decode;
mod direct;
mod emit;

pub use decode::{Reply, decode};
pub(crate) use direct::encode_op;
pub use emit::emit_reply;

#[cfg(test)]
mod tests;
