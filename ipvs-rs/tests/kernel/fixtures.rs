//! Captures the wire fixtures: every byte the client sends and receives for
//! each scenario of `tests/shared/scenarios.rs`. With `IPVS_FIXTURES_DIR` set
//! the files are (re)written there; either way every captured reply must
//! decode and every request must re-emit byte for byte from the model.
//!
//! Regenerate with:
//! `cargo xtask vm --share $PWD --share $CARGO_TARGET_DIR -- 'cd $PWD/ipvs-rs &&
//!  IPVS_FIXTURES_DIR=$PWD/ipvs-rs/fixtures/wire LBKIT_VM=1 <kernel test binary> capture_wire_fixtures'`

use ipvs::{Client, ConnectOptions, Datagram, wire};
use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

#[path = "../shared/scenarios.rs"]
mod scenarios;

use scenarios::*;

/// Datagrams: (sent?, bytes).
type Dgrams = Vec<(bool, Vec<u8>)>;

fn take(c: &mut Client) -> Dgrams {
    c.take_recording()
        .into_iter()
        .map(|Datagram { sent, bytes }| (sent, bytes))
        .collect()
}

#[test]
fn capture_wire_fixtures() {
    if !tier::kernel("capture_wire_fixtures") {
        return;
    }
    let ns = Netns::new("fixtures").unwrap();
    let mut captured: Vec<(&str, Dgrams)> = Vec::new();
    let mut c = ConnectOptions::new()
        .timeout(std::time::Duration::from_secs(30))
        .netns_path(ns.path())
        .record(true)
        .connect()
        .unwrap();
    captured.push(("resolve_family", take(&mut c)));
    let tcp = tcp_service();
    let svc_key = tcp.key;
    c.add_service(&tcp).unwrap();
    captured.push(("add_service", take(&mut c)));
    c.add_service(&tcp).unwrap_err();
    captured.push(("add_service_exists", take(&mut c)));
    c.service(&svc_key).unwrap();
    captured.push(("get_service", take(&mut c)));
    c.add_dest(&svc_key, &masq_dest()).unwrap();
    c.add_dest(&svc_key, &gue_dest()).unwrap();
    captured.push(("add_dests", take(&mut c)));
    c.destinations(&svc_key).unwrap();
    captured.push(("dump_dests", take(&mut c)));
    c.add_service(&udp6_service()).unwrap();
    c.add_service(&fwmark_service()).unwrap();
    take(&mut c);
    c.services().unwrap();
    captured.push(("dump_services", take(&mut c)));
    c.info().unwrap();
    captured.push(("info", take(&mut c)));
    c.timeouts().unwrap();
    captured.push(("timeouts", take(&mut c)));
    c.start_daemon(&backup_daemon()).unwrap();
    captured.push(("start_daemon", take(&mut c)));
    c.daemons().unwrap();
    captured.push(("dump_daemons", take(&mut c)));
    // The daemon is left to the namespace's teardown: stopping a backup
    // daemon can block for long under TCG while other namespaces go away.
    c.del_service(&ipvs::ServiceKey::tcp(ip("198.18.0.99"), 1))
        .unwrap_err();
    captured.push(("del_service_missing", take(&mut c)));

    let names: Vec<&str> = captured.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, NAMES);
    for (name, dgrams) in &captured {
        for (sent, bytes) in dgrams {
            if !sent {
                wire::decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    if let Ok(dir) = std::env::var("IPVS_FIXTURES_DIR") {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        for (name, dgrams) in &captured {
            let header = format!(
                "{name}: captured by the kernel test capture_wire_fixtures (ipvs-rs/tests/kernel/fixtures.rs)\n\
                 in the lbkit test VM, kernel {}; `>` sent by ipvs::Client, `<` received from the kernel",
                kernel.trim()
            );
            std::fs::write(format!("{dir}/{name}.txt"), format_fixture(&header, dgrams)).unwrap();
        }
    }
}
