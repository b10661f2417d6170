//! lbadm's command-line parser (also what `lbadm -R` reads, line by line):
//! any argument vector gets a command or an ipvsadm-style message, never a
//! panic. The parser is compiled in from the lbadm binary's source.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/src/bin/lbadm/cli.rs"]
mod cli;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/src/bin/lbadm/numbers.rs"]
mod numbers;

/// The parser's name lookups without a resolver: fuzzed host names must not
/// become DNS queries.
mod resolve {
    use std::net::{IpAddr, Ipv4Addr};

    pub(crate) fn host_to_addr(name: &str) -> Option<Ipv4Addr> {
        (name == "localhost").then_some(Ipv4Addr::LOCALHOST)
    }

    pub(crate) fn service_to_port(name: &str, protocol: u16) -> Option<u16> {
        (name == "http" && protocol == 6).then_some(80)
    }

    #[allow(dead_code)]
    pub(crate) fn addr_to_host(_: IpAddr) -> Option<String> {
        None
    }
}

/// What the parser prints for `-h` (the binary's own text is not needed here).
pub(crate) fn usage(program: &str) -> String {
    format!("usage of {program}")
}

/// What the parser prints for `-v`.
pub(crate) const VERSION: &str = "lbadm (fuzz)";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let args: Vec<&str> = text.split_ascii_whitespace().collect();
    if let Ok(c) = cli::parse("lbadm", &args) {
        let _ = (c.service(), c.dest(), c.key());
    }
});
