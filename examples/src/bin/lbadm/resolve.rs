//! Names the way ipvsadm reads and prints them: through the C library's
//! resolver (`gethostbyname`, `getservbyname`, `gethostbyaddr`), so that
//! `/etc/hosts`, DNS and `/etc/services` answer exactly as they answer
//! ipvsadm (through `nsswitch.conf`).

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::net::{IpAddr, Ipv4Addr};

unsafe extern "C" {
    // glibc's resolver entry points; the `libc` crate does not declare them.
    fn gethostbyname(name: *const c_char) -> *mut libc::hostent;
    fn gethostbyaddr(addr: *const c_void, len: libc::socklen_t, af: c_int) -> *mut libc::hostent;
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
