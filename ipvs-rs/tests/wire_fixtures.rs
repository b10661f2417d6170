//! Wire fixtures captured from the real kernel (see `tests/kernel/fixtures.rs`
//! and the header of each file in `fixtures/wire/`), checked outside the VM:
//! every request re-emits byte for byte from the model, every reply decodes
//! to the expected values, and every data reply re-emits byte for byte.

use ipvs::wire::{self, Reply};
use ipvs::{ServiceKey, Timeouts};

#[path = "shared/scenarios.rs"]
mod scenarios;

use scenarios::*;

fn load(name: &str) -> Vec<(bool, Vec<u8>)> {
    let path = format!("{}/fixtures/wire/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    parse_fixture(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_ne_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The netlink messages of one datagram.
fn messages(d: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = d;
    while rest.len() >= 16 {
        let len = u32_at(rest, 0) as usize;
        out.push(&rest[..len]);
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    out
}

/// Requests expected in each fixture, from the model.
fn expected_requests(name: &str, family: u16) -> Vec<wire::Request> {
    let key = tcp_service().key;
    let _ = family;
    match name {
        "add_service" | "add_service_exists" => vec![wire::new_service(&tcp_service())],
        "get_service" => vec![wire::get_service(&key)],
        "add_dests" => vec![
            wire::new_dest(&key, &masq_dest()),
            wire::new_dest(&key, &gue_dest()),
        ],
        "dump_dests" => vec![wire::get_dests(&key)],
        "dump_services" => vec![wire::get_services()],
        "info" => vec![wire::get_info()],
        "timeouts" => vec![wire::get_config()],
        "start_daemon" => vec![wire::new_daemon(&backup_daemon())],
        "dump_daemons" => vec![wire::get_daemons()],
        "del_service_missing" => vec![wire::del_service(&ServiceKey::tcp(ip("198.18.0.99"), 1))],
        other => panic!("no expectation for {other}"),
    }
}

/// The IPVS family id, from the captured controller reply.
fn family() -> u16 {
    let f = load("resolve_family");
    let (sent, reply) = (&f[0], &f[1]);
    assert!(sent.0 && !reply.0);
    let seq = u32_at(&sent.1, 8);
    assert_eq!(
        sent.1,
        wire::get_family("IPVS", seq).unwrap(),
        "the family request re-emits"
    );
    match wire::decode(&reply.1).unwrap().as_slice() {
        [Reply::Family { seq: s, id }] if *s == seq => *id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn requests_re_emit_byte_for_byte() {
    let family = family();
    for &name in &NAMES[1..] {
        let sent: Vec<Vec<u8>> = load(name)
            .into_iter()
            .filter(|d| d.0)
            .map(|d| d.1)
            .collect();
        let want = expected_requests(name, family);
        assert_eq!(sent.len(), want.len(), "{name}");
        for (raw, req) in sent.iter().zip(&want) {
            let seq = u32_at(raw, 8);
            assert_eq!(u16_at(raw, 4), family, "{name}");
            assert_eq!(&req.emit(family, seq, true).unwrap(), raw, "{name}");
        }
    }
}

#[test]
fn replies_decode_and_re_emit_byte_for_byte() {
    let family = family();
    let mut data_replies = 0;
    for &name in &NAMES[1..] {
        for (sent, dgram) in load(name) {
            if sent {
                continue;
            }
            let replies = wire::decode(&dgram).unwrap_or_else(|e| panic!("{name}: {e}"));
            let msgs = messages(&dgram);
            assert_eq!(replies.len(), msgs.len(), "{name}");
            for (r, raw) in replies.iter().zip(msgs) {
                if let Some(bytes) = wire::emit_reply(r, family, u16_at(raw, 6), u32_at(raw, 12)) {
                    assert_eq!(bytes, raw, "{name}: {r:?}");
                    data_replies += 1;
                }
            }
        }
    }
    assert!(data_replies >= 8, "{data_replies}");
}

fn replies(name: &str) -> Vec<Reply> {
    load(name)
        .into_iter()
        .filter(|d| !d.0)
        .flat_map(|d| wire::decode(&d.1).unwrap())
        .collect()
}

#[test]
fn replies_carry_the_expected_values() {
    let r = replies("get_service");
    let Reply::Service { service, .. } = &r[0] else {
        panic!("{r:?}")
    };
    let want = tcp_service();
    assert_eq!(service.key, want.key);
    assert!(service.settings.same_as(&want.settings), "{service:?}");
    assert!(matches!(r[1], Reply::Ack { .. }));

    let dests: Vec<_> = replies("dump_dests")
        .into_iter()
        .filter_map(|r| {
            if let Reply::Destination { dest, .. } = r {
                Some(*dest)
            } else {
                None
            }
        })
        .collect();
    let mut got: Vec<_> = dests.iter().map(|d| (d.key, d.settings)).collect();
    got.sort_by_key(|g| g.0);
    let want: Vec<_> = [masq_dest(), gue_dest()]
        .iter()
        .map(|d| (d.key, d.settings))
        .collect();
    assert_eq!(got, want);

    let keys: Vec<_> = replies("dump_services")
        .into_iter()
        .filter_map(|r| {
            if let Reply::Service { service, .. } = r {
                Some(service.key)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(keys.len(), 3);
    for k in [tcp_service().key, udp6_service().key, fwmark_service().key] {
        assert!(keys.contains(&k), "{k:?} in {keys:?}");
    }

    assert!(
        matches!(replies("add_service_exists")[0], Reply::Error { errno, .. } if errno == libc::EEXIST)
    );
    assert!(
        matches!(replies("del_service_missing")[0], Reply::Error { errno, .. } if errno == libc::ESRCH)
    );
    assert!(matches!(replies("add_service")[0], Reply::Ack { .. }));
    match &replies("info")[0] {
        Reply::Info { info, .. } => assert_eq!(info.version_triple(), (1, 2, 1)),
        other => panic!("{other:?}"),
    }
    match &replies("timeouts")[0] {
        Reply::Timeouts { timeouts, .. } => assert_eq!(
            *timeouts,
            Timeouts {
                tcp: 900,
                tcp_fin: 120,
                udp: 300
            }
        ),
        other => panic!("{other:?}"),
    }
    match &replies("dump_daemons")[0] {
        Reply::Daemon { daemon, .. } => assert_eq!(*daemon, backup_daemon()),
        other => panic!("{other:?}"),
    }
}
