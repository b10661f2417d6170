//! Kernel tier: tests against the real kernel's IPVS. They run inside the test
//! VM (`cargo xtask vm-test`) and skip, with a message, on a kernel without
//! IPVS.
//!
//! Each test works in a network namespace of its own: IPVS keeps one table per
//! namespace, so tests never see each other's services and may run in parallel.

use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::{proc_ip_vs, tier};

mod apply;
mod client;
mod common;
mod fixtures;
mod parity;

/// The ground truth every later test builds on: a table made with `ipvsadm` is
/// what the kernel prints in `/proc/net/ip_vs`.
#[test]
fn ipvsadm_service_reads_back_through_proc() {
    if !tier::kernel("ipvsadm_service_reads_back_through_proc") {
        return;
    }
    let ns = Netns::new("ipvs").unwrap();
    ns.run("ipvsadm", &["-A", "-t", "198.18.0.10:80", "-s", "rr"])
        .unwrap();
    ns.run(
        "ipvsadm",
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.20:8080",
            "-m",
            "-w",
            "3",
        ],
    )
    .unwrap();
    ns.run(
        "ipvsadm",
        &["-A", "-u", "[fd00::10]:53", "-s", "wlc", "-p", "300"],
    )
    .unwrap();
    ns.run("ipvsadm", &["-A", "-f", "21", "-s", "sh"]).unwrap();

    let text = ns.run("cat", &["/proc/net/ip_vs"]).unwrap().stdout;
    let text = String::from_utf8(text).unwrap();
    let table = proc_ip_vs::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(table.len(), 3, "{text}");

    let tcp = table
        .iter()
        .find(|s| s.protocol == "TCP")
        .expect("the TCP service");
    assert_eq!(tcp.addr, Some(("198.18.0.10".parse().unwrap(), 80)));
    assert_eq!(tcp.scheduler, "rr");
    assert_eq!(tcp.dests.len(), 1);
    assert_eq!(tcp.dests[0].addr, ("198.18.0.20".parse().unwrap(), 8080));
    assert_eq!(tcp.dests[0].forward, "Masq");
    assert_eq!(tcp.dests[0].weight, 3);

    let udp = table
        .iter()
        .find(|s| s.protocol == "UDP")
        .expect("the UDP service");
    assert_eq!(udp.addr, Some(("fd00::10".parse().unwrap(), 53)));
    assert_eq!(udp.scheduler, "wlc");
    assert_eq!(
        udp.flags.first().map(String::as_str),
        Some("persistent"),
        "{text}"
    );
    // The kernel prints the persistence timeout in jiffies: 300 s times its HZ.
    let jiffies: u64 = udp.flags[1].parse().unwrap();
    assert!(
        jiffies % 300 == 0 && [100, 250, 300, 1000].contains(&(jiffies / 300)),
        "{text}"
    );

    let fwm = table
        .iter()
        .find(|s| s.protocol == "FWM")
        .expect("the fwmark service");
    assert_eq!(fwm.fwmark, Some(21));
    assert_eq!(fwm.scheduler, "sh");

    // The root namespace's table is untouched: IPVS state is per namespace.
    let root = std::fs::read_to_string("/proc/net/ip_vs").unwrap();
    assert!(proc_ip_vs::parse(&root).unwrap().is_empty(), "{root}");
}
