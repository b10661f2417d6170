//! The addresses tests may use.
//!
//! Tests send traffic only to loopback, or to addresses inside network
//! namespaces that the test created. Those namespaces take their addresses from
//! the benchmarking range 198.18.0.0/15 (RFC 2544) and the unique-local range
//! fd00::/8, so that nothing a test configures can ever match a real network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` may be configured inside a test namespace: 198.18.0.0/15,
/// fd00::/8, loopback, or IPv6 link-local.
pub fn is_test_addr(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_test_v4(v4) || v4.is_loopback(),
        IpAddr::V6(v6) => is_test_v6(v6) || v6.is_loopback() || v6.is_unicast_link_local(),
    }
}

fn is_test_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 198 && (b & 0xfe) == 18
}

fn is_test_v6(ip: Ipv6Addr) -> bool {
    ip.octets()[0] == 0xfd
}

/// Parses `ADDR/PREFIX` and checks that the address is a test address and the
/// prefix fits the family.
///
/// # Errors
///
/// A message naming the address and the allowed ranges.
pub fn parse_test_cidr(cidr: &str) -> Result<(IpAddr, u8), String> {
    let (ip, prefix) = cidr
        .split_once('/')
        .ok_or_else(|| format!("{cidr:?} is not ADDRESS/PREFIX"))?;
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| format!("{cidr:?}: {ip:?} is not an IP address"))?;
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| format!("{cidr:?}: {prefix:?} is not a prefix length"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        return Err(format!("{cidr:?}: prefix length {prefix} is over {max}"));
    }
    if !is_test_addr(ip) {
        return Err(format!(
            "{ip} is outside the test ranges: use 198.18.0.0/15 or fd00::/8 (or loopback)"
        ));
    }
    Ok((ip, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_ranges_are_accepted() {
        for ok in [
            "198.18.0.1",
            "198.19.255.254",
            "127.0.0.1",
            "fd00::1",
            "fdff::9",
            "::1",
            "fe80::1",
        ] {
            assert!(is_test_addr(ok.parse().unwrap()), "{ok}");
        }
    }

    #[test]
    fn other_addresses_are_refused() {
        for bad in [
            "198.17.255.255",
            "198.20.0.0",
            "10.0.0.1",
            "192.168.1.1",
            "8.8.8.8",
            "fc00::1",
            "2001:db8::1",
        ] {
            assert!(!is_test_addr(bad.parse().unwrap()), "{bad}");
        }
    }

    #[test]
    fn cidr_parsing_checks_range_and_prefix() {
        assert_eq!(
            parse_test_cidr("198.18.0.1/24"),
            Ok(("198.18.0.1".parse().unwrap(), 24))
        );
        assert_eq!(
            parse_test_cidr("fd00::1/64"),
            Ok(("fd00::1".parse().unwrap(), 64))
        );
        assert!(
            parse_test_cidr("198.18.0.1/33")
                .unwrap_err()
                .contains("over 32")
        );
        assert!(
            parse_test_cidr("10.1.1.1/8")
                .unwrap_err()
                .contains("outside the test ranges")
        );
        assert!(parse_test_cidr("198.18.0.1").is_err());
        assert!(parse_test_cidr("nope/8").is_err());
    }
}
