//! Fuzz the VRRP advert parser: any bytes, both families, both checksum rules;
//! whatever parses must re-emit to bytes that parse to the same value (not
//! necessarily the same bytes: a checksum of 0xffff and 0x0000 both verify).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrp::wire::{AdvertRepr, ChecksumRule, Family, Packet};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, msg)) = data.split_first() else { return };
    let family = if sel & 1 == 0 { Family::V4 } else { Family::V6 };
    let rule = if sel & 2 == 0 {
        ChecksumRule::MessageOnly
    } else if family == Family::V4 {
        ChecksumRule::PseudoHeader {
            src: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        }
    } else {
        ChecksumRule::PseudoHeader {
            src: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)),
            dst: IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
        }
    };
    if let Ok(p) = Packet::new_checked(msg, family) {
        let _ = p.addresses().count();
        let _ = p.auth_data();
        let _ = p.expected_len();
    }
    if let Ok(repr) = AdvertRepr::parse(msg, family, rule) {
        let out = repr.to_vec(rule);
        assert_eq!(out.len(), msg.len());
        assert_eq!(AdvertRepr::parse(&out, family, rule).ok(), Some(repr));
    }
});
