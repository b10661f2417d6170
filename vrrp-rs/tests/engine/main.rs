//! The crafted adverts of the keepalived lab (`tests/fixtures/bogus-*.txt`:
//! frames from `vrrp_craft.py`, each with keepalived 2.2.7's verdict) fed to a
//! master configured as the lab's r1, one fresh router per frame. Each is
//! accepted or dropped as keepalived does, with the drop reason surfaced and
//! counted; the documented differences are asserted explicitly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use vrrp::wire::{AddrList, MacAddr, V2Auth, Version, WireError};
use vrrp::{
    Command, DropReason, Event, InstanceConfig, InstanceId, Received, Router, State, TransmitKind,
};

const VI: InstanceId = InstanceId(0);

#[allow(clippy::disallowed_methods)]
fn epoch() -> Instant {
    // The engine's epoch; only differences of this virtual time are used.
    Instant::now()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn frames(file: &str) -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut out = Vec::new();
    let mut name = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            name = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        } else if let Some(f) = line.strip_prefix("frame: ") {
            out.push((name.clone(), hex(f)));
        }
    }
    out
}

/// What a raw socket would report for an Ethernet frame.
fn received(frame: &[u8]) -> (IpAddr, IpAddr, u8, &[u8]) {
    let ip = &frame[14..];
    if frame[12..14] == [0x08, 0x00] {
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let a = |o: usize| IpAddr::V4(Ipv4Addr::new(ip[o], ip[o + 1], ip[o + 2], ip[o + 3]));
        (a(12), a(16), ip[8], &ip[ihl..total])
    } else {
        let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
        let a = |o: usize| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&ip[o..o + 16]);
            IpAddr::V6(Ipv6Addr::from(b))
        };
        (a(8), a(24), ip[7], &ip[40..40 + plen])
    }
}

fn r1(version: Version, v6: bool) -> InstanceConfig {
    let mut c = if v6 {
        InstanceConfig::new(
            "VI_1",
            51,
            version,
            150,
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)),
            AddrList::V6(vec![Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100)]),
        )
    } else {
        InstanceConfig::new(
            "VI_1",
            51,
            version,
            150,
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
        )
    };
    c.mac = MacAddr([2, 0, 0, 0, 0, 1]);
    if version == Version::V2 {
        c.auth = V2Auth::pass(b"secret");
    }
    c
}

/// A router that is master, with its queues drained.
fn master(cfg: InstanceConfig) -> (Router, Instant) {
    let t0 = epoch();
    let mut r = Router::new();
    r.add_instance(cfg).unwrap();
    r.handle_command(t0, Command::Startup(VI)).unwrap();
    let now = t0 + Duration::from_secs(4);
    r.handle_timeout(now);
    assert_eq!(r.state(VI), Some(State::Master));
    let mut buf = Vec::new();
    while r.poll_transmit(&mut buf).is_some() {}
    while r.poll_event().is_some() {}
    (r, now)
}

#[derive(Debug)]
enum Outcome {
    StepsDown,
    Answers,
    Dropped(DropReason),
}

fn feed(cfg: InstanceConfig, frame: &[u8]) -> Outcome {
    let (mut r, now) = master(cfg);
    let (src, dst, ttl, payload) = received(frame);
    r.handle_packet(
        now,
        &Received {
            src,
            dst,
            ttl,
            payload,
        },
    );
    let events: Vec<Event> = std::iter::from_fn(|| r.poll_event()).collect();
    if let [Event::Dropped { reason, .. }] = events.as_slice() {
        assert_eq!(r.state(VI), Some(State::Master));
        return Outcome::Dropped(reason.clone());
    }
    if r.state(VI) == Some(State::Backup) {
        return Outcome::StepsDown;
    }
    let mut buf = Vec::new();
    let tx = r
        .poll_transmit(&mut buf)
        .expect("a master that keeps its role answers at once");
    assert_eq!(tx.kind, TransmitKind::Advert { priority: 150 });
    Outcome::Answers
}

fn check(file: &str, cfg: &InstanceConfig, expect: impl Fn(&str) -> Option<fn(&Outcome) -> bool>) {
    let all = frames(file);
    assert!(all.len() >= 10, "{file} has its frames");
    let mut checked = 0;
    for (name, frame) in &all {
        let outcome = feed(cfg.clone(), frame);
        if let Some(ok) = expect(name) {
            assert!(ok(&outcome), "{file} {name}: {outcome:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, all.len() - usize::from(file == "bogus-v2.txt"));
}

fn dropped(o: &Outcome, f: impl Fn(&DropReason) -> bool) -> bool {
    matches!(o, Outcome::Dropped(r) if f(r))
}

#[test]
fn bogus_v2_like_keepalived() {
    check("bogus-v2.txt", &r1(Version::V2, false), |name| {
        Some(match name {
            "valid-control" | "vmac-source-mac" | "equal-prio-150-higher-ip" | "prio-255" => {
                |o| matches!(o, Outcome::StepsDown)
            }
            "lower-prio-50" | "prio-0-from-non-master" | "equal-prio-150-lower-ip" => {
                |o| matches!(o, Outcome::Answers)
            }
            "wrong-auth-pass" => |o| dropped(o, |r| *r == DropReason::AuthFailed),
            "auth-type-none" => |o| {
                dropped(o, |r| {
                    *r == DropReason::AuthTypeMismatch { ours: 1, theirs: 0 }
                })
            },
            "auth-type-3" => |o| {
                dropped(o, |r| {
                    *r == DropReason::AuthTypeMismatch { ours: 1, theirs: 3 }
                })
            },
            "auth-type-ah" => {
                |o| dropped(o, |r| *r == DropReason::Malformed(WireError::AhUnsupported))
            }
            "ttl-64" => |o| dropped(o, |r| *r == DropReason::BadTtl(64)),
            "version-3-packet" => |o| {
                dropped(o, |r| {
                    *r == DropReason::VersionMismatch {
                        ours: Version::V2,
                        theirs: 3,
                    }
                })
            },
            "bad-vrrp-checksum" | "v3-style-checksum" => |o| {
                dropped(o, |r| {
                    matches!(r, DropReason::Malformed(WireError::BadChecksum { .. }))
                })
            },
            "adver-int-2s" => |o| {
                dropped(o, |r| {
                    *r == DropReason::IntervalMismatch { ours: 1, theirs: 2 }
                })
            },
            "vrid-52" => |o| dropped(o, |r| *r == DropReason::UnknownVrid(52)),
            "wrong-vip" | "extra-vip" => |o| dropped(o, |r| *r == DropReason::AddressMismatch),
            "count-field-2-one-addr" | "trailing-4-bytes" => |o| {
                dropped(o, |r| {
                    matches!(r, DropReason::Malformed(WireError::BadLength { .. }))
                })
            },
            "type-2" => |o| {
                dropped(o, |r| {
                    *r == DropReason::Malformed(WireError::UnknownType(2))
                })
            },
            "unicast-dst" => |o| dropped(o, |r| matches!(r, DropReason::WrongDestination(_))),
            // The kernel drops a bad IPv4 header checksum before any socket.
            "bad-ip-header-checksum" => return None,
            other => panic!("unexpected fixture {other}"),
        })
    });
}

#[test]
fn bogus_v3_like_keepalived_but_interval_zero_rejected() {
    check("bogus-v3.txt", &r1(Version::V3, false), |name| {
        Some(match name {
            "valid-control" | "rsvd-bits-set" | "adver-int-50cs" | "adver-int-300cs"
            | "vmac-source-mac" => |o| matches!(o, Outcome::StepsDown),
            "lower-prio-50" | "prio-0-from-non-master" => |o| matches!(o, Outcome::Answers),
            "ttl-64" => |o| dropped(o, |r| *r == DropReason::BadTtl(64)),
            // Reported as a version mismatch, not as a length error as keepalived does.
            "version-2-packet" | "version-2-nibble-v3-layout" => |o| {
                dropped(o, |r| {
                    *r == DropReason::VersionMismatch {
                        ours: Version::V3,
                        theirs: 2,
                    }
                })
            },
            "bad-vrrp-checksum" | "v2-style-checksum" => |o| {
                dropped(o, |r| {
                    matches!(r, DropReason::Malformed(WireError::BadChecksum { .. }))
                })
            },
            // keepalived accepts it and every backup takes over at once.
            "adver-int-0" => |o| dropped(o, |r| *r == DropReason::ZeroInterval),
            "trailing-8-bytes" => |o| {
                dropped(o, |r| {
                    *r == DropReason::Malformed(WireError::BadLength {
                        len: 20,
                        expected: 12,
                    })
                })
            },
            "wrong-vip" => |o| dropped(o, |r| *r == DropReason::AddressMismatch),
            "vrid-52" => |o| dropped(o, |r| *r == DropReason::UnknownVrid(52)),
            other => panic!("unexpected fixture {other}"),
        })
    });
}

#[test]
fn bogus_v6_like_keepalived() {
    check("bogus-v6.txt", &r1(Version::V3, true), |name| {
        Some(match name {
            // keepalived does not require a link-local source either.
            "valid-control" | "global-source-address" | "adver-int-50cs" | "vmac-source-mac" => {
                |o| matches!(o, Outcome::StepsDown)
            }
            "lower-prio-50" => |o| matches!(o, Outcome::Answers),
            "hop-limit-64" => |o| dropped(o, |r| *r == DropReason::BadTtl(64)),
            // keepalived leaves these to the kernel (IPV6_CHECKSUM); we verify too.
            "bad-vrrp-checksum" | "v2-style-checksum" => |o| {
                dropped(o, |r| {
                    matches!(r, DropReason::Malformed(WireError::BadChecksum { .. }))
                })
            },
            "version-2-packet-v2-layout" | "version-2-nibble-v3-layout" => |o| {
                dropped(o, |r| {
                    *r == DropReason::VersionMismatch {
                        ours: Version::V3,
                        theirs: 2,
                    }
                })
            },
            "wrong-vip" => |o| dropped(o, |r| *r == DropReason::AddressMismatch),
            "vrid-52" => |o| dropped(o, |r| *r == DropReason::UnknownVrid(52)),
            other => panic!("unexpected fixture {other}"),
        })
    });
}

#[test]
fn drops_are_counted_by_reason() {
    let (mut r, now) = master(r1(Version::V2, false));
    for (name, frame) in frames("bogus-v2.txt") {
        // Only the frames keepalived drops (the others change or answer).
        let accepted = [
            "bad-ip-header-checksum",
            "valid-control",
            "vmac-source-mac",
            "lower-prio-50",
        ];
        if accepted.contains(&name.as_str())
            || name.starts_with("prio-")
            || name.starts_with("equal-")
        {
            continue;
        }
        let (src, dst, ttl, payload) = received(&frame);
        r.handle_packet(
            now,
            &Received {
                src,
                dst,
                ttl,
                payload,
            },
        );
    }
    let s = r.stats(VI).unwrap();
    assert_eq!(s.drop_ttl, 1);
    assert_eq!(s.drop_version, 1);
    assert_eq!(s.drop_auth, 3);
    assert_eq!(s.drop_interval, 1);
    assert_eq!(s.drop_addresses, 2);
    assert_eq!(s.drop_malformed, 6, "{s:?}");
    assert_eq!(s.drop_other, 1, "the unicast one: {s:?}");
    assert_eq!(r.state(VI), Some(State::Master));
    assert_eq!(r.unknown_vrid_drops(), 1);
}

#[test]
fn unicast_peers_and_source_check() {
    let mut c = r1(Version::V3, false);
    let peer = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    c.unicast_peers = vec![peer, IpAddr::V4(Ipv4Addr::new(198, 18, 0, 3))];
    c.check_unicast_source = true;
    let t0 = epoch();
    let mut r = Router::new();
    r.add_instance(c.clone()).unwrap();
    r.handle_command(t0, Command::Startup(VI)).unwrap();
    r.handle_timeout(t0 + Duration::from_secs(4));
    let mut buf = Vec::new();
    let dsts: Vec<IpAddr> = std::iter::from_fn(|| r.poll_transmit(&mut buf))
        .filter(|t| matches!(t.kind, TransmitKind::Advert { .. }))
        .map(|t| t.dst)
        .collect();
    assert_eq!(dsts, c.unicast_peers, "one advert per peer");
    // An advert from an unknown source is dropped with the reason.
    let adv = vrrp::wire::AdvertRepr {
        version: Version::V3,
        vrid: 51,
        priority: 200,
        interval: 100,
        reserved: 0,
        addrs: c.vips.clone(),
        auth: V2Auth::NONE,
    };
    let stranger = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 9));
    let me = c.primary;
    let bytes = adv.to_vec(vrrp::wire::ChecksumRule::PseudoHeader {
        src: stranger,
        dst: me,
    });
    r.handle_packet(
        t0 + Duration::from_secs(5),
        &Received {
            src: stranger,
            dst: me,
            ttl: 255,
            payload: &bytes,
        },
    );
    let events: Vec<Event> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(e, Event::Dropped { reason: DropReason::UnknownPeer(a), .. } if *a == stranger)),
        "{events:?}"
    );
    assert_eq!(r.state(VI), Some(State::Master));
    let bytes = adv.to_vec(vrrp::wire::ChecksumRule::PseudoHeader { src: peer, dst: me });
    r.handle_packet(
        t0 + Duration::from_secs(5),
        &Received {
            src: peer,
            dst: me,
            ttl: 255,
            payload: &bytes,
        },
    );
    assert_eq!(r.state(VI), Some(State::Backup));
}

#[test]
fn config_and_api_misuse_are_typed_errors() {
    let mut c = r1(Version::V2, false);
    c.advert_interval = Duration::from_millis(500);
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("whole number of seconds")
    );
    let mut c = r1(Version::V3, false);
    c.advert_interval = Duration::from_millis(5);
    assert!(c.validate().is_err());
    let c = r1(Version::V2, true);
    assert!(c.validate().unwrap_err().to_string().contains("IPv4-only"));
    let mut r = Router::new();
    r.add_instance(r1(Version::V3, false)).unwrap();
    assert!(
        r.add_instance(r1(Version::V3, false)).is_err(),
        "duplicate VRID"
    );
    assert!(
        r.handle_command(epoch(), Command::Startup(InstanceId(9)))
            .is_err()
    );
    assert!(r.add_sync_group(&[InstanceId(3)]).is_err());
    // Garbage of every short length is a counted drop, never a panic.
    let now = epoch();
    for len in 0..40 {
        let junk = vec![0x31; len];
        let src = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
        r.handle_packet(
            now,
            &Received {
                src,
                dst: IpAddr::V4(vrrp::wire::MCAST_V4),
                ttl: 255,
                payload: &junk,
            },
        );
    }
    let drops = std::iter::from_fn(|| r.poll_event())
        .filter(|e| matches!(e, Event::Dropped { .. }))
        .count();
    assert_eq!(drops, 40);
}

/// The engine configured as the lab's r1 sends keepalived's advert byte for
/// byte (the VRRP message; the IP header is the kernel's): v2 PASS, v3 IPv4,
/// v3 IPv6 (captured with tcpdump on the lab bridge, notes section 4).
#[test]
fn adverts_are_byte_identical_to_keepalived() {
    let cases = [
        (
            Version::V2,
            false,
            "2133960101014507c61200647365637265740000",
        ),
        (Version::V3, false, "313396010064cb4dc6120064"),
        (
            Version::V3,
            true,
            "3133960100643d47fd000000000000000000000000000100",
        ),
    ];
    for (version, v6, expected) in cases {
        let t0 = epoch();
        let mut r = Router::new();
        r.add_instance(r1(version, v6)).unwrap();
        r.handle_command(t0, Command::Startup(VI)).unwrap();
        r.handle_timeout(t0 + Duration::from_secs(4));
        let mut buf = Vec::new();
        let tx = r.poll_transmit(&mut buf).unwrap();
        assert_eq!(tx.kind, TransmitKind::Advert { priority: 150 });
        assert_eq!(tx.ttl, 255);
        assert_eq!(buf, hex(expected), "{version:?} v6={v6}");
        // And the priority-0 advert on shutdown (notes 4.1-4.3).
        while r.poll_transmit(&mut buf).is_some() {}
        r.handle_command(t0 + Duration::from_secs(5), Command::Shutdown(VI))
            .unwrap();
        let tx = r.poll_transmit(&mut buf).unwrap();
        assert_eq!(tx.kind, TransmitKind::Advert { priority: 0 });
        let sum = match (version, v6) {
            (Version::V2, _) => [0xdb, 0x07],
            (_, false) => [0x61, 0x4e],
            (_, true) => [0xd3, 0x47],
        };
        assert_eq!(&buf[6..8], &sum);
    }
}
