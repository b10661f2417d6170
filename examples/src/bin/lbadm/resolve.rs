//! Names and numbers the way ipvsadm reads and prints them: C's `strtol`
//! and `inet_aton`, and the C library's resolver (`gethostbyname`,
//! `getservbyname`, `gethostbyaddr`), so that `/etc/hosts`, DNS and
//! `/etc/services` answer exactly as they answer ipvsadm (through
//! `nsswitch.conf`).

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::net::{IpAddr, Ipv4Addr};

unsafe extern "C" {
    // glibc's resolver entry points; the `libc` crate does not declare them.
    fn gethostbyname(name: *const c_char) -> *mut libc::hostent;
    fn gethostbyaddr(addr: *const c_void, len: libc::socklen_t, af: c_int) -> *mut libc::hostent;
}

/// C's `strtol(s, &end, 10)` accepted only when it consumed all of `s`
/// (leading blanks and a sign allowed, as ipvsadm's `string_to_number`).
pub(crate) fn strtol(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Overflow is ERANGE, which ipvsadm refuses.
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// `strtoul(s, &end, 0)` from a string starting with a digit: the value and
/// the bytes consumed; `None` when it overflows 32 bits.
fn strtoul0(s: &[u8]) -> Option<(u64, usize)> {
    let (radix, start) = match s {
        [b'0', b'x' | b'X', h, ..] if h.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut v: u64 = 0;
    let mut i = start;
    while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        v = v * u64::from(radix) + u64::from(d);
        if v > 0xffff_ffff {
            return None;
        }
        i += 1;
    }
    Some((v, i))
}

/// glibc's `inet_aton`: one to four parts (`a`, `a.b` with a 24-bit `b`,
/// `a.b.c` with a 16-bit `c`, `a.b.c.d`), each decimal, octal (leading `0`)
/// or hexadecimal (`0x`), optionally followed by blanks and anything.
pub(crate) fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let b = s.as_bytes();
    let mut bytes = [0u8; 4];
    let mut parts = 0;
    let mut i = 0;
    let last = loop {
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        let (val, used) = strtoul0(&b[i..])?;
        i += used;
        if b.get(i) != Some(&b'.') {
            break val;
        }
        if parts > 2 || val > 0xff {
            return None;
        }
        bytes[parts] = val as u8;
        parts += 1;
        i += 1;
    };
    if b.get(i)
        .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'\x0b')
        || last > MAX[parts]
    {
        return None;
    }
    let word = u32::from_be_bytes(bytes) | last as u32;
    Some(Ipv4Addr::from(word))
}

/// ipvsadm's `host_to_addr`: the first IPv4 address `gethostbyname` gives.
pub(crate) fn host_to_addr(name: &str) -> Option<Ipv4Addr> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string; the returned `hostent` is
    // glibc's static buffer, read before any other resolver call (lbadm is
    // single-threaded), and its fields are checked before use.
    unsafe {
        let h = gethostbyname(c.as_ptr());
        if h.is_null()
            || (*h).h_addrtype != libc::AF_INET
            || (*h).h_length != 4
            || (*h).h_addr_list.is_null()
            || (*(*h).h_addr_list).is_null()
        {
            return None;
        }
        let p = (*(*h).h_addr_list).cast::<[u8; 4]>();
        Some(Ipv4Addr::from(p.read_unaligned()))
    }
}

/// ipvsadm's `service_to_port`: `getservbyname` for the protocol's name.
pub(crate) fn service_to_port(name: &str, protocol: u16) -> Option<u16> {
    let proto: &CStr = match protocol {
        6 => c"tcp",
        17 => c"udp",
        132 => c"sctp",
        _ => return None,
    };
    let c = CString::new(name).ok()?;
    // SAFETY: both arguments are NUL-terminated strings; the returned
    // `servent` is glibc's static buffer, read at once (single thread).
    unsafe {
        let s = libc::getservbyname(c.as_ptr(), proto.as_ptr());
        if s.is_null() {
            return None;
        }
        // `s_port` holds the port in network byte order in an int.
        Some(u16::from_be((*s).s_port as u16))
    }
}

/// ipvsadm's `addr_to_host`: the name `gethostbyaddr` gives. ipvsadm asks
/// with the length of an IPv4 address whatever the family, so IPv6
/// addresses never get a name: the same here.
pub(crate) fn addr_to_host(addr: IpAddr) -> Option<String> {
    let IpAddr::V4(v4) = addr else {
        return None;
    };
    let octets = v4.octets();
    // SAFETY: `octets` is 4 readable bytes, the length given; the returned
    // `hostent` is glibc's static buffer and `h_name` a NUL-terminated
    // string in it, copied at once (single thread).
    unsafe {
        let h = gethostbyaddr(octets.as_ptr().cast(), 4, libc::AF_INET);
        if h.is_null() || (*h).h_name.is_null() {
            return None;
        }
        Some(CStr::from_ptr((*h).h_name).to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol("80"), Some(80));
        assert_eq!(strtol(" +80"), Some(80));
        assert_eq!(strtol("-1"), Some(-1));
        assert_eq!(strtol("80 "), None, "trailing characters are refused");
        assert_eq!(strtol(""), None);
        assert_eq!(strtol("+"), None);
        assert_eq!(strtol("0x10"), None);
        assert_eq!(strtol("99999999999999999999"), None, "ERANGE");
    }

    #[test]
    fn inet_aton_like_glibc() {
        let a = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(a("198.18.0.1").as_deref(), Some("198.18.0.1"));
        assert_eq!(a("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(a("10.1.2").as_deref(), Some("10.1.0.2"));
        assert_eq!(a("3323068417").as_deref(), Some("198.18.0.1"));
        assert_eq!(a("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(a("010.0.0.1").as_deref(), Some("8.0.0.1"), "octal");
        assert_eq!(a("1.2.3.4 junk").as_deref(), Some("1.2.3.4"));
        assert_eq!(a("1.2.3.256"), None);
        assert_eq!(a("1.2.65536"), None);
        assert_eq!(a("256.1"), None);
        assert_eq!(a("1.2.3.4.5"), None);
        assert_eq!(a("08.1.1.1"), None, "8 is no octal digit");
        assert_eq!(a("0x"), None);
        assert_eq!(a("1..2"), None);
        assert_eq!(a("1.2.3."), None);
        assert_eq!(a("4294967296"), None);
        assert_eq!(a("host"), None);
        assert_eq!(a(""), None);
    }

    #[test]
    fn localhost_and_services_from_the_c_library() {
        // Every Linux system knows these through /etc/hosts and
        // /etc/services (netbase); skip quietly where it does not.
        if std::fs::read_to_string("/etc/hosts").is_ok_and(|h| h.contains("localhost")) {
            assert_eq!(host_to_addr("localhost"), Some(Ipv4Addr::LOCALHOST));
        }
        assert_eq!(host_to_addr("no-such-host.invalid"), None);
        if std::fs::read_to_string("/etc/services").is_ok_and(|s| s.contains("http\t")) {
            assert_eq!(service_to_port("http", 6), Some(80));
            assert_eq!(service_to_port("www", 6), Some(80), "aliases too");
        }
        assert_eq!(service_to_port("no-such-service", 6), None);
        assert_eq!(service_to_port("http", 1), None);
        assert_eq!(addr_to_host("fd00::1".parse().unwrap()), None);
    }
}
