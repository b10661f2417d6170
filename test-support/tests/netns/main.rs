//! Namespace tier: the test-support topology helpers, for real.

use lbkit_testsupport::netns::{Lan, Netns, veth};
use lbkit_testsupport::tier;

fn ns_exists(name: &str) -> bool {
    std::path::Path::new("/run/netns").join(name).exists()
}

#[test]
fn two_namespaces_ping_over_a_veth_pair() {
    if !tier::namespace("two_namespaces_ping_over_a_veth_pair") {
        return;
    }
    let a = Netns::new("pa").unwrap();
    let b = Netns::new("pb").unwrap();
    veth(&a, "eth0", &b, "eth0").unwrap();
    a.add_addr("eth0", "198.18.0.1/24").unwrap();
    b.add_addr("eth0", "198.18.0.2/24").unwrap();
    a.add_addr("eth0", "fd00::1/64").unwrap();
    b.add_addr("eth0", "fd00::2/64").unwrap();
    let out = a
        .run("ping", &["-c", "2", "-i", "0.2", "-W", "2", "198.18.0.2"])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 received"), "{text}");
    let out = b.run("ping", &["-c", "1", "-W", "2", "fd00::1"]).unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 received"));
}

#[test]
fn namespaces_have_no_route_out() {
    if !tier::namespace("namespaces_have_no_route_out") {
        return;
    }
    let a = Netns::new("nr").unwrap();
    let b = Netns::new("nr2").unwrap();
    veth(&a, "eth0", &b, "eth0").unwrap();
    a.add_addr("eth0", "198.18.0.1/24").unwrap();
    assert!(
        !a.ip(&["-4", "route", "show", "default"])
            .unwrap()
            .contains("default")
    );
    assert!(
        !a.ip(&["-6", "route", "show", "default"])
            .unwrap()
            .contains("default")
    );
    let err = a
        .run("ping", &["-c", "1", "-W", "1", "198.19.0.1"])
        .unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
}

#[test]
fn namespace_is_deleted_on_drop_even_after_a_panic() {
    if !tier::namespace("namespace_is_deleted_on_drop_even_after_a_panic") {
        return;
    }
    let mut name = String::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let ns = Netns::new("panic").unwrap();
        name = ns.name().to_owned();
        assert!(ns_exists(&name));
        panic!("a test fails while holding a namespace");
    }));
    assert!(result.is_err());
    assert!(!name.is_empty());
    assert!(!ns_exists(&name), "{name} outlived its Netns");
}

#[test]
fn addresses_outside_the_test_ranges_are_refused() {
    if !tier::namespace("addresses_outside_the_test_ranges_are_refused") {
        return;
    }
    let a = Netns::new("ar").unwrap();
    a.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"])
        .unwrap();
    let err = a.add_addr("d0", "10.0.0.1/24").unwrap_err();
    assert!(err.to_string().contains("outside the test ranges"), "{err}");
    assert!(!a.ip(&["addr", "show", "d0"]).unwrap().contains("10.0.0.1"));
}

#[test]
fn enter_runs_code_inside_the_namespace() {
    if !tier::namespace("enter_runs_code_inside_the_namespace") {
        return;
    }
    let a = Netns::new("en").unwrap();
    a.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"])
        .unwrap();
    a.add_addr("d0", "198.18.7.1/24").unwrap();
    // Binding to the address works only where it exists: inside the namespace.
    let bound = a
        .enter(|| std::net::UdpSocket::bind("198.18.7.1:0").map(|s| s.local_addr().unwrap()))
        .unwrap();
    assert!(bound.is_ok(), "{bound:?}");
    assert!(
        std::net::UdpSocket::bind("198.18.7.1:0").is_err(),
        "the host has no such address"
    );
}

#[test]
fn lan_hosts_reach_each_other_through_the_bridge() {
    if !tier::namespace("lan_hosts_reach_each_other_through_the_bridge") {
        return;
    }
    let lan = Lan::new("lan", 3).unwrap();
    for (from, to) in [(1, "198.18.0.3"), (3, "198.18.0.2"), (2, "fd00::1")] {
        let out = lan
            .host(from)
            .run("ping", &["-c", "1", "-W", "2", to])
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 received"),
            "h{from} -> {to}"
        );
    }
    let link = lan.host(2).ip(&["link", "show", "eth0"]).unwrap();
    assert!(link.contains("02:00:00:00:00:02"), "{link}");
}
