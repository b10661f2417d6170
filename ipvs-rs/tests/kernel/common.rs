//! Helpers shared by the kernel tests.

use std::net::IpAddr;

use ipvs::{Client, ConnectOptions};
use lbkit_testsupport::netns::Netns;

/// A namespace of its own and a client operating in it.
pub(crate) fn setup(tag: &str) -> (Netns, Client) {
    let ns = Netns::new(tag).unwrap();
    let client = ConnectOptions::new()
        // Generous: under TCG with tests in parallel, stopping a sync daemon
        // alone can take seconds.
        .timeout(std::time::Duration::from_secs(30))
        .netns_path(ns.path())
        .connect()
        .unwrap();
    (ns, client)
}

/// Parses a test address.
pub(crate) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// `ipvsadm ARGS` in the namespace; its stdout.
pub(crate) fn ipvsadm(ns: &Netns, args: &[&str]) -> String {
    String::from_utf8(ns.run("ipvsadm", args).unwrap().stdout).unwrap()
}
