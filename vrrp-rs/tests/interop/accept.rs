//! Accept mode enforcement with [`AcceptFilter`] (nf_tables over netlink, no
//! `nft` binary): while the addresses are blocked, a neighbour's pings to
//! them go unanswered but neighbour discovery for them still works (ARP;
//! NS/NA for IPv6) and the host's own address answers; unblocked, the
//! addresses answer again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;
use vrrp::linux::{AcceptFilter, ifindex, set_vip};

use crate::harness::wait_v6_ready;

fn ping(h: &Netns, addr: &str) -> bool {
    h.run("ping", &["-c", "1", "-W", "1", addr])
        .is_ok_and(|o| o.status.success())
}

/// h1's neighbour entry for `addr` has a link-layer address.
fn resolved(h: &Netns, addr: &str) -> bool {
    h.ip(&["neigh", "show", "to", addr, "dev", "eth0"])
        .is_ok_and(|o| o.contains("lladdr 02:00:00:00:00:02"))
}

#[test]
fn accept_filter_drops_traffic_to_the_addresses_but_not_neighbour_discovery() {
    let tag = "vracc";
    if !tier::namespace(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    wait_v6_ready(&lan, 2);
    let (h1, h2) = (lan.host(1), lan.host(2));
    let v4 = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 100));
    let v6 = IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100));
    let mut filter = h2
        .enter(|| {
            let idx = ifindex("eth0").unwrap();
            set_vip(idx, v4, 24, true).unwrap();
            set_vip(idx, v6, 64, true).unwrap();
            AcceptFilter::open().unwrap()
        })
        .unwrap();
    assert!(ping(h1, "198.18.0.100") && ping(h1, "fd00::100"));
    h1.ip(&["neigh", "flush", "dev", "eth0"]).unwrap();
    filter.set_blocked(&[v4, v6]).unwrap();
    assert!(!ping(h1, "198.18.0.100"), "IPv4 VIP answered while blocked");
    assert!(!ping(h1, "fd00::100"), "IPv6 VIP answered while blocked");
    assert!(
        resolved(h1, "198.18.0.100"),
        "ARP for the VIP went unanswered"
    );
    assert!(resolved(h1, "fd00::100"), "NS for the VIP went unanswered");
    assert!(ping(h1, "198.18.0.2") && ping(h1, "fd00::2"));
    // Replacing the set: only IPv6 blocked.
    filter.set_blocked(&[v6]).unwrap();
    assert!(ping(h1, "198.18.0.100"));
    assert!(!ping(h1, "fd00::100"));
    filter.set_blocked(&[]).unwrap();
    assert!(ping(h1, "198.18.0.100") && ping(h1, "fd00::100"));
    // Dropping the filter removes the tables.
    filter.set_blocked(&[v4]).unwrap();
    drop(filter);
    assert!(ping(h1, "198.18.0.100"));
}
