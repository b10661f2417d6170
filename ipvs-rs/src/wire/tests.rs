use std::net::Ipv6Addr;

use super::decode::{rd_u16, rd_u32};
use super::*;
use crate::error::DecodeError;
use crate::model::DestKey;

fn v4(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn sample_service() -> Service {
    let mut s = Service::new(ServiceKey::tcp(v4("198.18.0.10"), 80), "wlc");
    s.settings.timeout = 300;
    s.settings.netmask_prefix = 24;
    s.settings.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONE_PACKET;
    s.settings.pe_name = Some("sip".into());
    s
}

#[test]
fn a_service_request_decodes_as_the_same_service() {
    for s in [
        sample_service(),
        Service::new(ServiceKey::udp(v4("fd00::1"), 53), "rr"),
        Service::new(ServiceKey::fwmark(9, AddressFamily::INET6), "mh"),
        Service::new(
            ServiceKey::sctp(v4("198.18.0.1"), 3868),
            "some-future-scheduler",
        ),
    ] {
        let bytes = new_service(&s).emit(0x20, 7, true).unwrap();
        let replies = decode(&bytes).unwrap();
        assert_eq!(replies.len(), 1);
        match &replies[0] {
            Reply::Service { seq: 7, service } => assert_eq!(**service, s),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn request_header_fields() {
    let bytes = del_service(&ServiceKey::tcp(v4("198.18.0.10"), 80))
        .emit(0x20, 9, true)
        .unwrap();
    assert_eq!(rd_u32(&bytes, 0) as usize, bytes.len());
    assert_eq!(rd_u16(&bytes, 4), 0x20);
    assert_eq!(rd_u16(&bytes, 6), NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(rd_u32(&bytes, 8), 9);
    assert_eq!(bytes[16], cmd::DEL_SERVICE);
    assert_eq!(bytes[17], IPVS_GENL_VERSION);
    // Dumps never carry NLM_F_ACK.
    let d = get_services().emit(0x20, 1, true).unwrap();
    assert_eq!(rd_u16(&d, 6), NLM_F_REQUEST | NLM_F_DUMP);
}

#[test]
fn destination_daemon_and_timeouts_round_trip() {
    let mut d = Destination::new(v4("198.18.0.22"), 443, Forwarding::TUNNEL, 4);
    d.settings.tun_type = TunnelType::GUE;
    d.settings.tun_port = 6080;
    d.settings.tun_flags = TunnelFlags::CSUM | TunnelFlags::from_bits_retain(0x100);
    d.settings.upper_threshold = 10;
    d.settings.lower_threshold = 2;
    let bytes = new_dest(&ServiceKey::tcp(v4("198.18.0.10"), 80), &d)
        .emit(0x20, 3, false)
        .unwrap();
    match &decode(&bytes).unwrap()[0] {
        Reply::Destination { dest, .. } => assert_eq!(**dest, d),
        other => panic!("{other:?}"),
    }

    let mut m = SyncDaemon::new(DaemonState::MASTER, "eth0", 4);
    m.mcast_group = Some(v4("ff02::1:2"));
    m.mcast_port = 8850;
    m.mcast_ttl = 3;
    m.sync_maxlen = 1200;
    match &decode(&new_daemon(&m).emit(0x20, 1, false).unwrap()).unwrap()[0] {
        Reply::Daemon { daemon, .. } => assert_eq!(*daemon, m),
        other => panic!("{other:?}"),
    }

    let t = Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    };
    match &decode(&set_config(&t).emit(0x20, 1, false).unwrap()).unwrap()[0] {
        Reply::Timeouts { timeouts, .. } => assert_eq!(*timeouts, t),
        other => panic!("{other:?}"),
    }
}

#[test]
fn acks_errors_done_and_barrier() {
    let mut buf = Vec::new();
    // An error: nlmsghdr + -EEXIST + the original header.
    let mut err = Vec::new();
    err.extend_from_slice(&36u32.to_ne_bytes());
    err.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
    err.extend_from_slice(&0u16.to_ne_bytes());
    err.extend_from_slice(&5u32.to_ne_bytes());
    err.extend_from_slice(&0u32.to_ne_bytes());
    err.extend_from_slice(&(-libc::EEXIST).to_ne_bytes());
    err.extend_from_slice(&[0u8; 16]);
    buf.extend_from_slice(&err);
    // An ack.
    let mut ack = err.clone();
    ack[8..12].copy_from_slice(&6u32.to_ne_bytes());
    ack[16..20].copy_from_slice(&0i32.to_ne_bytes());
    buf.extend_from_slice(&ack);
    // A dump end.
    let mut done = vec![0u8; 20];
    done[0..4].copy_from_slice(&20u32.to_ne_bytes());
    done[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
    done[8..12].copy_from_slice(&7u32.to_ne_bytes());
    buf.extend_from_slice(&done);
    // A no-op the kernel never sends, kept as Other.
    buf.extend_from_slice(&barrier(8));
    assert_eq!(
        decode(&buf).unwrap(),
        vec![
            Reply::Error {
                seq: 5,
                errno: libc::EEXIST
            },
            Reply::Ack { seq: 6 },
            Reply::Done { seq: 7 },
            Reply::Other {
                seq: 8,
                nl_type: NLMSG_NOOP
            },
        ]
    );
}

#[test]
fn unknown_attributes_are_skipped() {
    let s = sample_service();
    let mut attrs = key_attrs(&s.key);
    attrs.push(a_str(SVC_SCHED_NAME, "wlc"));
    attrs.push(bytes(
        SVC_FLAGS,
        [0x13u32.to_ne_bytes(), u32::MAX.to_ne_bytes()].concat(),
    ));
    attrs.push(bytes(200, vec![1, 2, 3])); // from a future kernel
    attrs.push(Attr::Nested(
        SVC_STATS64,
        vec![a_u32(99, 1), bytes(STATS_CONNS, 5u64.to_ne_bytes())],
    ));
    let bytes = message(
        0x20,
        1,
        0,
        cmd::NEW_SERVICE,
        1,
        &[Attr::Nested(CMD_ATTR_SERVICE, attrs), a_u8(77, 0)],
    )
    .unwrap();
    match &decode(&bytes).unwrap()[0] {
        Reply::Service { service, .. } => {
            assert_eq!(service.settings.flags.bits(), 0x13);
            assert!(service.settings.flags.contains(ServiceFlags::HASHED));
            assert_eq!(service.stats.conns, 5);
            assert_eq!(service.settings.timeout, 0);
            assert_eq!(service.settings.netmask_prefix, 32);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_replies_are_errors() {
    let good = new_service(&sample_service()).emit(0x20, 1, false).unwrap();
    // Every truncation is an error or fewer messages, never a panic.
    for n in 0..good.len() {
        let _ = decode(&good[..n]);
    }
    assert!(matches!(
        decode(&good[..10]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut long = good.clone();
    long[0..4].copy_from_slice(&(good.len() as u32 + 4).to_ne_bytes());
    assert!(decode(&long).is_err());
    // A service without its scheduler.
    let bytes = message(
        0x20,
        1,
        0,
        cmd::NEW_SERVICE,
        1,
        &[Attr::Nested(
            CMD_ATTR_SERVICE,
            key_attrs(&sample_service().key),
        )],
    )
    .unwrap();
    assert_eq!(
        decode(&bytes).unwrap_err(),
        DecodeError::Missing {
            what: "service",
            attr: "IPVS_SVC_ATTR_SCHED_NAME"
        }
    );
    // A port of the wrong size.
    let mut attrs = key_attrs(&sample_service().key);
    attrs[3] = a_u8(SVC_PORT, 1);
    let bytes = message(
        0x20,
        1,
        0,
        cmd::NEW_SERVICE,
        1,
        &[Attr::Nested(CMD_ATTR_SERVICE, attrs)],
    )
    .unwrap();
    assert!(matches!(
        decode(&bytes),
        Err(DecodeError::Bad {
            attr: "IPVS_SVC_ATTR_PORT",
            ..
        })
    ));
    // A destination address of an unknown family.
    let attrs = vec![
        a_addr(DEST_ADDR, v4("198.18.0.1")),
        a_be16(DEST_PORT, 1),
        a_u16(DEST_ADDR_FAMILY, 99),
    ];
    let bytes = message(
        0x20,
        1,
        0,
        cmd::NEW_DEST,
        1,
        &[Attr::Nested(CMD_ATTR_DEST, attrs)],
    )
    .unwrap();
    assert!(decode(&bytes).is_err());
    // Bit flips in a valid message never panic.
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut m = good.clone();
            m[i] ^= 1 << bit;
            let _ = decode(&m);
        }
    }
}

#[test]
fn ipv4_netmask_is_big_endian_and_ipv6_is_a_prefix() {
    assert_eq!(netmask_value(AddressFamily::INET, 24), [255, 255, 255, 0]);
    assert_eq!(netmask_value(AddressFamily::INET, 0), [0, 0, 0, 0]);
    assert_eq!(netmask_value(AddressFamily::INET6, 64), 64u32.to_ne_bytes());
    let k = DestKey {
        addr: v4("fd00::1"),
        port: 80,
    };
    let bytes = del_dest(&ServiceKey::tcp(v4("fd00::2"), 80), &k)
        .emit(0x20, 1, false)
        .unwrap();
    assert!(bytes.windows(16).any(|w| {
        w == v4("fd00::1")
            .to_string()
            .parse::<Ipv6Addr>()
            .unwrap()
            .octets()
    }));
}

#[test]
fn the_fast_encoder_matches_neli_byte_for_byte() {
    let key = ServiceKey::tcp(v4("198.18.0.10"), 80);
    let mut gue = Destination::new(v4("fd00::22"), 443, Forwarding::TUNNEL, 4);
    gue.settings.tun_type = TunnelType::GUE;
    gue.settings.tun_port = 6080;
    let reqs = [
        new_service(&sample_service()),
        set_service(&Service::new(
            ServiceKey::fwmark(3, AddressFamily::INET6),
            "mh",
        )),
        del_service(&key),
        get_services(),
        new_dest(&key, &gue),
        set_dest(
            &key,
            &Destination::new(v4("198.18.0.2"), 1, Forwarding::MASQ, 0),
        ),
        del_dest(&key, &gue.key),
        get_dests(&key),
        flush(),
        zero(Some(&key)),
        set_config(&Timeouts {
            tcp: 1,
            tcp_fin: 2,
            udp: 3,
        }),
        new_daemon(&SyncDaemon::new(DaemonState::MASTER, "eth0", 1)),
        del_daemon(DaemonState::BACKUP),
    ];
    for (i, r) in reqs.iter().enumerate() {
        for ack in [false, true] {
            let mut fast = vec![0xaa; 3]; // appends after whatever is there
            r.emit_into(&mut fast, 0x20, i as u32, ack).unwrap();
            assert_eq!(
                &fast[3..],
                r.emit(0x20, i as u32, ack).unwrap().as_slice(),
                "{r:?}"
            );
        }
    }
}
