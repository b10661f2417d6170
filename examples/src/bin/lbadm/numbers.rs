//! Numbers the way ipvsadm reads them: C's `strtol` and glibc's
//! `inet_aton`.

use std::net::Ipv4Addr;

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
}
