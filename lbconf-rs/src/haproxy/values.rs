//! Value syntaxes: times (configuration.txt 2.5), sizes, ports and addresses.

use std::net::IpAddr;

/// HAProxy's largest timer, in milliseconds (`TIMER_LOOK_BACK` limit).
pub const MAX_TIME_MS: u64 = 2_147_483_647;

/// Parses a time such as `500`, `2s`, `1m`, `250us` into milliseconds
/// (`default_ms_per_unit` applies to a bare number: 1 for most keywords, 1000
/// for the few counted in seconds). Microseconds round up.
///
/// # Errors
///
/// A message saying what is wrong (bad character, overflow).
pub fn parse_time(text: &str, default_ms_per_unit: u64) -> Result<u64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(match text.chars().next() {
            Some(c) => format!("unexpected character '{c}'"),
            None => "missing value".to_owned(),
        });
    }
    let n: u128 = text[..digits].parse().unwrap_or(u128::MAX);
    let ms: u128 = match &text[digits..] {
        "" => n.saturating_mul(u128::from(default_ms_per_unit)),
        "us" => n.div_ceil(1000),
        "ms" => n,
        "s" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        "d" => n.saturating_mul(86_400_000),
        rest => {
            let c = rest.chars().next().unwrap_or(' ');
            return Err(format!("unexpected character '{c}'"));
        }
    };
    if ms > u128::from(MAX_TIME_MS) {
        return Err(format!(
            "timer overflow in argument '{text}' (maximum value is {MAX_TIME_MS} ms or ~24.8 days)"
        ));
    }
    Ok(u64::try_from(ms).unwrap_or(MAX_TIME_MS))
}

/// Parses a size such as `16384`, `64k`, `1m`, `2g` (powers of 1024).
///
/// # Errors
///
/// A message saying what is wrong.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!("'{text}' is not a size"));
    }
    let n: u64 = text[..digits]
        .parse()
        .map_err(|_| format!("size '{text}' is too large"))?;
    let mult: u64 = match text[digits..].to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(format!("unknown unit in size '{text}' (use k, m or g)")),
    };
    n.checked_mul(mult)
        .filter(|v| u32::try_from(*v).is_ok())
        .ok_or_else(|| format!("size '{text}' is too large"))
}

/// Parses a plain non-negative integer.
///
/// # Errors
///
/// A message naming the text.
pub fn parse_int(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{text}' is not a number"));
    }
    text.parse().map_err(|_| format!("'{text}' is too large"))
}

/// An IPv4 address in the short forms the resolver also accepts, in decimal
/// (`100` is 0.0.0.100, `10.1` is 10.0.0.1, `1.2.3` is 1.2.0.3): the last
/// part fills the bytes left.
pub(crate) fn ipv4_short(text: &str) -> Option<std::net::Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let last_bits = 8 * (5 - parts.len() as u32);
    let mut value: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let n = p.parse::<u64>().ok()?;
        if i + 1 == parts.len() {
            if n > (1u64 << last_bits) - 1 {
                return None;
            }
            value |= n;
        } else {
            if n > 255 {
                return None;
            }
            value |= n << (24 - 8 * i as u32);
        }
    }
    u32::try_from(value).ok().map(std::net::Ipv4Addr::from)
}

/// The host part of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Host {
    /// Any address (`*`, empty, `0.0.0.0` style wildcards are `Ip`).
    Any,
    /// An IPv4 or IPv6 literal.
    Ip(IpAddr),
    /// A name to resolve.
    Name(String),
    /// A UNIX socket path (`/path`, `unix@path`).
    Unix(String),
    /// An abstract UNIX socket (`abns@name`).
    Abstract(String),
    /// An inherited file descriptor (`fd@N`) or socket pair (`sockpair@N`).
    Fd(String),
}

/// An address as binds and servers write it: optional `family@` prefix, host,
/// and a port or port range.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Address {
    /// The `family@` prefix as written (`ipv4`, `ipv6`, `unix`, `udp`, ...).
    pub family: Option<String>,
    /// Host part.
    pub host: Host,
    /// First port; `None` when no port was given.
    pub port: Option<u16>,
    /// Last port of a `low-high` range (same as `port` for a single port).
    pub port_end: Option<u16>,
    /// For servers: the port is an offset (`+N` / `-N`) from the client's.
    pub port_offset: Option<i32>,
}

/// How an address parse failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// No port where one is needed.
    MissingPort,
    /// The port is not a number from 0 to 65535, or the range is reversed.
    InvalidPort(String),
    /// The host looks like an IP address but is not a valid one.
    InvalidAddress(String),
}

/// Parses `[family@]host[:port[-port]]`. `[v6]:port` and `v6:port` (the last
/// colon separates the port, as HAProxy does) are both accepted.
///
/// # Errors
///
/// See [`AddressError`].
pub fn parse_address(text: &str, need_port: bool) -> Result<Address, AddressError> {
    let (family, rest) = match text.split_once('@') {
        Some((f, r)) if !f.contains(':') && !f.contains('[') => (Some(f.to_owned()), r),
        _ => (None, text),
    };
    let fam = family.as_deref().unwrap_or("");
    let local = |host| Address {
        family: family.clone(),
        host,
        port: None,
        port_end: None,
        port_offset: None,
    };
    match fam {
        "unix" | "uxst" | "uxdg" => return Ok(local(Host::Unix(rest.to_owned()))),
        "abns" => return Ok(local(Host::Abstract(rest.to_owned()))),
        "fd" | "sockpair" => return Ok(local(Host::Fd(rest.to_owned()))),
        _ => {}
    }
    if family.is_none() && rest.starts_with('/') {
        return Ok(local(Host::Unix(rest.to_owned())));
    }
    let (host, port) = if let Some(r) = rest.strip_prefix('[') {
        let Some((h, after)) = r.split_once(']') else {
            return Err(AddressError::InvalidAddress(rest.to_owned()));
        };
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(AddressError::InvalidAddress(rest.to_owned())),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    let host = if host.is_empty() || host == "*" {
        Host::Any
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        Host::Ip(ip)
    } else if let Some(ip) = ipv4_short(host) {
        Host::Ip(IpAddr::V4(ip))
    } else if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') || host.contains(':') {
        return Err(AddressError::InvalidAddress(host.to_owned()));
    } else {
        Host::Name(host.to_owned())
    };
    let mut out = local(host);
    match port {
        None | Some("") if need_port => return Err(AddressError::MissingPort),
        None | Some("") => {}
        Some(p) if p.starts_with(['+', '-']) => {
            let v: i32 = p
                .parse()
                .ok()
                .filter(|v: &i32| v.unsigned_abs() <= 65535)
                .ok_or_else(|| AddressError::InvalidPort(p.to_owned()))?;
            out.port_offset = Some(v);
        }
        Some(p) => {
            let (lo, hi) = p.split_once('-').unwrap_or((p, p));
            let lo = port_number(lo).ok_or_else(|| AddressError::InvalidPort(p.to_owned()))?;
            let hi = port_number(hi).ok_or_else(|| AddressError::InvalidPort(p.to_owned()))?;
            if hi < lo || (need_port && lo == 0) {
                return Err(AddressError::InvalidPort(p.to_owned()));
            }
            out.port = Some(lo);
            out.port_end = Some(hi);
        }
    }
    Ok(out)
}

fn port_number(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_section_2_5() {
        assert_eq!(parse_time("500", 1), Ok(500));
        assert_eq!(parse_time("2s", 1), Ok(2000));
        assert_eq!(parse_time("1m", 1), Ok(60_000));
        assert_eq!(parse_time("1h", 1), Ok(3_600_000));
        assert_eq!(parse_time("1d", 1), Ok(86_400_000));
        assert_eq!(parse_time("1500us", 1), Ok(2));
        assert_eq!(parse_time("3", 1000), Ok(3000));
        assert!(parse_time("10x", 1).unwrap_err().contains("'x'"));
        assert!(parse_time("1.5s", 1).unwrap_err().contains("'.'"));
        assert!(
            parse_time("99999999999", 1)
                .unwrap_err()
                .contains("overflow")
        );
        assert!(parse_time("25d", 1).is_err());
        assert!(parse_time("", 1).is_err());
    }

    #[test]
    fn sizes_use_powers_of_1024() {
        assert_eq!(parse_size("16384"), Ok(16384));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert!(parse_size("5g").is_err());
        assert!(parse_size("1t").is_err());
        assert!(parse_size("k").is_err());
    }

    #[test]
    fn addresses_as_binds_and_servers_write_them() {
        let a = parse_address("127.0.0.1:9000-9002", true).unwrap();
        assert_eq!(a.host, Host::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!((a.port, a.port_end), (Some(9000), Some(9002)));
        let a = parse_address(":::8081", true).unwrap();
        assert_eq!(a.host, Host::Ip("::".parse().unwrap()));
        let a = parse_address("[::1]:8082", true).unwrap();
        assert_eq!(
            (a.host, a.port),
            (Host::Ip("::1".parse().unwrap()), Some(8082))
        );
        let a = parse_address("ipv6@::1:8083", true).unwrap();
        assert_eq!(a.family.as_deref(), Some("ipv6"));
        assert_eq!(parse_address(":80", true).unwrap().host, Host::Any);
        assert_eq!(parse_address("*:80", true).unwrap().host, Host::Any);
        let s = parse_address("198.18.0.1", false).unwrap();
        assert_eq!(s.port, None);
        assert_eq!(
            parse_address("198.18.0.1:+10", false).unwrap().port_offset,
            Some(10)
        );
        assert_eq!(
            parse_address("/run/h.sock", true).unwrap().host,
            Host::Unix("/run/h.sock".into())
        );
        assert_eq!(
            parse_address("127.0.0.1", true),
            Err(AddressError::MissingPort)
        );
        assert!(matches!(
            parse_address("127.0.0.1:99999", true),
            Err(AddressError::InvalidPort(_))
        ));
        assert!(matches!(
            parse_address("300.1.1.1:80", true),
            Err(AddressError::InvalidAddress(_))
        ));
        assert_eq!(
            parse_address("app.example:80", true).unwrap().host,
            Host::Name("app.example".into())
        );
    }
}
