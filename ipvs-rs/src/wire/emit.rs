//! Replies emitted the way the kernel's `ip_vs_ctl.c` fills them, attribute
//! for attribute: the other direction of [`decode`](super::decode), used to
//! check captured fixtures byte for byte and to build test replies.

use super::*;

fn stats(s: &Stats) -> [Attr; 2] {
    let all = [
        s.conns,
        s.in_packets,
        s.out_packets,
        s.in_bytes,
        s.out_bytes,
        s.cps,
        s.in_pps,
        s.out_pps,
        s.in_bps,
        s.out_bps,
    ];
    let types = [
        STATS_CONNS,
        STATS_INPKTS,
        STATS_OUTPKTS,
        STATS_INBYTES,
        STATS_OUTBYTES,
        STATS_CPS,
        STATS_INPPS,
        STATS_OUTPPS,
        STATS_INBPS,
        STATS_OUTBPS,
    ];
    // The legacy stats are u32 but for the byte counters; the kernel truncates.
    let legacy = types
        .iter()
        .zip(all)
        .map(|(&t, v)| {
            if t == STATS_INBYTES || t == STATS_OUTBYTES {
                bytes(t, v.to_ne_bytes())
            } else {
                a_u32(t, v as u32)
            }
        })
        .collect();
    let wide = types
        .iter()
        .zip(all)
        .map(|(&t, v)| bytes(t, v.to_ne_bytes()))
        .collect();
    [
        Attr::Group(SVC_STATS, legacy),
        Attr::Group(SVC_STATS64, wide),
    ]
}

fn service(s: &Service) -> Vec<Attr> {
    let family = s.key.family();
    let mut v = vec![a_u16(SVC_AF, family.0)];
    match s.key {
        ServiceKey::Fwmark { mark, .. } => v.push(a_u32(SVC_FWMARK, mark)),
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            v.push(a_u16(SVC_PROTOCOL, protocol.0));
            v.push(a_addr(SVC_ADDR, addr));
            v.push(a_be16(SVC_PORT, port));
        }
    }
    v.push(a_str(SVC_SCHED_NAME, s.settings.scheduler.as_str()));
    if let Some(pe) = &s.settings.pe_name {
        v.push(a_str(SVC_PE_NAME, pe));
    }
    let mut flags = [0xff; 8];
    flags[..4].copy_from_slice(&s.settings.flags.bits().to_ne_bytes());
    v.push(bytes(SVC_FLAGS, flags));
    v.push(a_u32(SVC_TIMEOUT, s.settings.timeout));
    v.push(bytes(
        SVC_NETMASK,
        netmask_value(family, s.settings.netmask_prefix),
    ));
    let [legacy, wide] = stats(&s.stats);
    v.push(legacy);
    v.push(wide);
    v
}

fn dest(d: &Destination) -> Vec<Attr> {
    let s = &d.settings;
    let [legacy, wide] = stats(&d.stats);
    let retype = |a: Attr, t: u16| match a {
        Attr::Group(_, inner) => Attr::Group(t, inner),
        other => other,
    };
    vec![
        a_addr(DEST_ADDR, d.key.addr),
        a_be16(DEST_PORT, d.key.port),
        a_u32(DEST_FWD_METHOD, s.forwarding.0 & FWD_MASK),
        a_u32(DEST_WEIGHT, s.weight),
        a_u8(DEST_TUN_TYPE, s.tun_type.0),
        a_be16(DEST_TUN_PORT, s.tun_port),
        a_u16(DEST_TUN_FLAGS, s.tun_flags.bits()),
        a_u32(DEST_U_THRESH, s.upper_threshold),
        a_u32(DEST_L_THRESH, s.lower_threshold),
        a_u32(DEST_ACTIVE_CONNS, d.active_conns),
        a_u32(DEST_INACT_CONNS, d.inactive_conns),
        a_u32(DEST_PERSIST_CONNS, d.persist_conns),
        a_u16(DEST_ADDR_FAMILY, AddressFamily::of(d.key.addr).0),
        retype(legacy, DEST_STATS),
        retype(wide, DEST_STATS64),
    ]
}

fn daemon(d: &SyncDaemon) -> Vec<Attr> {
    let mut v = vec![
        a_u32(DAEMON_STATE, d.state.0),
        a_str(DAEMON_MCAST_IFN, &d.mcast_ifname),
        a_u32(DAEMON_SYNC_ID, d.sync_id),
        a_u16(DAEMON_SYNC_MAXLEN, d.sync_maxlen),
        a_u16(DAEMON_MCAST_PORT, d.mcast_port),
        a_u8(DAEMON_MCAST_TTL, d.mcast_ttl),
    ];
    match d.mcast_group {
        Some(IpAddr::V6(a)) => v.push(bytes(DAEMON_MCAST_GROUP6, a.octets())),
        Some(IpAddr::V4(a)) => v.push(bytes(DAEMON_MCAST_GROUP, a.octets())),
        None => v.push(bytes(DAEMON_MCAST_GROUP, [0; 4])),
    }
    v
}

/// Emits a data reply as the kernel would, with the given IPVS family id,
/// netlink flags (`NLM_F_MULTI` in dumps) and destination port id. `None`
/// for control messages (acks, errors, dump ends), which echo the request,
/// and for controller replies.
pub fn emit_reply(reply: &Reply, family: u16, flags: u16, pid: u32) -> Option<Vec<u8>> {
    let seq = reply.seq();
    let (cmd, attrs) = match reply {
        Reply::Service { service: s, .. } => (
            cmd::NEW_SERVICE,
            vec![Attr::Group(CMD_ATTR_SERVICE, service(s))],
        ),
        Reply::Destination { dest: d, .. } => {
            (cmd::NEW_DEST, vec![Attr::Group(CMD_ATTR_DEST, dest(d))])
        }
        Reply::Daemon { daemon: d, .. } => (
            cmd::NEW_DAEMON,
            vec![Attr::Group(CMD_ATTR_DAEMON, daemon(d))],
        ),
        Reply::Timeouts { timeouts: t, .. } => (
            cmd::SET_CONFIG,
            vec![
                a_u32(CMD_ATTR_TIMEOUT_TCP, t.tcp),
                a_u32(CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin),
                a_u32(CMD_ATTR_TIMEOUT_UDP, t.udp),
            ],
        ),
        Reply::Info { info, .. } => (
            cmd::SET_INFO,
            vec![
                a_u32(INFO_VERSION, info.version),
                a_u32(INFO_CONN_TAB_SIZE, info.conn_tab_size),
            ],
        ),
        _ => return None,
    };
    message_from(family, seq, flags, pid, cmd, IPVS_GENL_VERSION, &attrs).ok()
}
