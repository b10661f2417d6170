//! Fuzz the ARP and neighbour advertisement parsers; what parses re-emits to
//! something that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::Ipv6Addr;
use vrrp::wire::{ArpRepr, NeighborAdvertRepr};

fuzz_target!(|data: &[u8]| {
    if let Ok(arp) = ArpRepr::parse(data) {
        let mut b = [0u8; 28];
        assert_eq!(arp.emit(&mut b), Some(28));
        assert_eq!(ArpRepr::parse(&b).ok(), Some(arp));
    }
    let src = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100);
    let dst = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    if let Ok(na) = NeighborAdvertRepr::parse(data, src, dst) {
        let mut b = vec![0u8; na.buffer_len()];
        assert_eq!(na.emit(&mut b, src, dst), Some(b.len()));
        assert_eq!(NeighborAdvertRepr::parse(&b, src, dst).ok(), Some(na));
    }
});
