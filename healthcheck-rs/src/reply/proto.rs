//! HAProxy's protocol checks (`redis-check`, `pgsql-check`, `mysql-check`,
//! `ssl-hello-chk`), `tcp-check expect` patterns, and the results of
//! keepalived's `MISC_CHECK` programs and `FILE_CHECK` files.

use super::http::find;
use super::{Mismatch, show};
use crate::outcome::{FailKind, Outcome, WeightChange};
use crate::spec::{TcpPattern, UdpCheck};

/// What `redis-check` sends.
pub const REDIS_PING: &[u8] = b"PING\r\n";

/// `redis-check`: the reply must start with `+PONG`. `Ok(false)`: read more.
pub fn redis_reply(buf: &[u8]) -> Result<bool, Mismatch> {
    const PONG: &[u8] = b"+PONG\r\n";
    let n = buf.len().min(PONG.len());
    if buf[..n] != PONG[..n] {
        return Err(Mismatch::reply(format!(
            "redis answered {} instead of +PONG",
            show(buf)
        )));
    }
    Ok(n == PONG.len())
}

/// The PostgreSQL v3 StartupMessage that `pgsql-check` sends.
pub fn pgsql_startup(user: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
    body.extend_from_slice(b"user\0");
    body.extend_from_slice(user.as_bytes());
    body.extend_from_slice(b"\0\0");
    let len = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
    let mut out = len.to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// `pgsql-check`: an Authentication message (`R`) passes, an ErrorResponse
/// (`E`) fails with its text. `Ok(false)`: read more.
pub fn pgsql_reply(buf: &[u8]) -> Result<bool, Mismatch> {
    let Some(&kind) = buf.first() else {
        return Ok(false);
    };
    if buf.len() < 5 {
        return Ok(false);
    }
    let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    if !(4..=1 << 20).contains(&len) {
        return Err(Mismatch::malformed(format!(
            "not a PostgreSQL message: {}",
            show(buf)
        )));
    }
    match kind {
        b'R' => Ok(true),
        b'E' => {
            let text: String = buf[5..]
                .split(|b| *b == 0)
                .filter(|f| f.first() == Some(&b'M'))
                .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
                .next()
                .unwrap_or_default();
            Err(Mismatch::reply(format!("PostgreSQL refused: {text}")))
        }
        _ => Err(Mismatch::malformed(format!(
            "unexpected PostgreSQL message {}",
            show(buf)
        ))),
    }
}

/// A MySQL packet found in a buffer: sequence number, payload, and the
/// bytes it used.
pub type MysqlPacket<'a> = (u8, &'a [u8], usize);

/// One MySQL packet. `Ok(None)`: read more.
pub fn mysql_packet(buf: &[u8]) -> Result<Option<MysqlPacket<'_>>, Mismatch> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = usize::from(buf[0]) | usize::from(buf[1]) << 8 | usize::from(buf[2]) << 16;
    if len == 0 {
        return Err(Mismatch::malformed("empty MySQL packet"));
    }
    Ok(buf
        .get(4..4 + len)
        .map(|payload| (buf[3], payload, 4 + len)))
}

/// Judges a MySQL server's first packet: a protocol-10 handshake passes (its
/// server version is returned), an error packet fails with its message.
pub fn mysql_handshake(payload: &[u8]) -> Result<String, Mismatch> {
    match payload.first() {
        Some(0x0a) => {
            let version = payload[1..].split(|b| *b == 0).next().unwrap_or_default();
            Ok(String::from_utf8_lossy(version).into_owned())
        }
        Some(0xff) => Err(mysql_error(payload)),
        _ => Err(Mismatch::malformed(format!(
            "not a MySQL handshake: {}",
            show(payload)
        ))),
    }
}

/// The HandshakeResponse41 packet (sequence 1) logging in as `user` with no
/// password, as `mysql-check user` does.
pub fn mysql_login(user: &str) -> Vec<u8> {
    // CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION
    let caps: u32 = 0x0001 | 0x0200 | 0x8000;
    let mut p = Vec::new();
    p.extend_from_slice(&caps.to_le_bytes());
    p.extend_from_slice(&(1u32 << 24).to_le_bytes()); // max packet size
    p.push(0x21); // utf8_general_ci
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    p.push(0); // empty auth response
    let len = p.len().to_le_bytes();
    let mut out = vec![len[0], len[1], len[2], 1];
    out.extend(p);
    out
}

/// Judges the reply to [`mysql_login`]: OK passes, an error packet fails.
pub fn mysql_login_reply(payload: &[u8]) -> Result<(), Mismatch> {
    match payload.first() {
        Some(0x00) => Ok(()),
        Some(0xff) => Err(mysql_error(payload)),
        _ => Err(Mismatch::reply(format!(
            "MySQL login reply is neither OK nor error: {}",
            show(payload)
        ))),
    }
}

fn mysql_error(payload: &[u8]) -> Mismatch {
    let code = payload
        .get(1..3)
        .map_or(0, |c| u16::from_le_bytes([c[0], c[1]]));
    let mut text = payload.get(3..).unwrap_or_default();
    if text.first() == Some(&b'#') {
        text = text.get(6..).unwrap_or_default();
    }
    Mismatch::reply(format!(
        "MySQL error {code}: {}",
        String::from_utf8_lossy(text)
    ))
}

/// A TLS 1.2 ClientHello record, as `ssl-hello-chk` sends (HAProxy sends an
/// SSLv3 one; servers that refuse old versions answer with an alert, which
/// also passes).
pub fn ssl_client_hello(random: [u8; 32]) -> Vec<u8> {
    let suites: &[u16] = &[
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x002f,
    ];
    let mut ext = Vec::new();
    // supported_groups: x25519, secp256r1, secp384r1
    ext.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
    ]);
    // ec_point_formats: uncompressed
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
    ext.extend_from_slice(&[
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
    ]);
    let mut hello = vec![0x03, 0x03];
    hello.extend_from_slice(&random);
    hello.push(0); // session id
    hello.extend_from_slice(&u16::try_from(suites.len() * 2).unwrap_or(0).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // compression: null
    hello.extend_from_slice(&u16::try_from(ext.len()).unwrap_or(0).to_be_bytes());
    hello.extend(ext);
    let hl = u32::try_from(hello.len()).unwrap_or(0).to_be_bytes();
    let mut hs = vec![0x01, hl[1], hl[2], hl[3]];
    hs.extend(hello);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&u16::try_from(hs.len()).unwrap_or(0).to_be_bytes());
    rec.extend(hs);
    rec
}

/// `ssl-hello-chk`: at least 5 bytes starting with a TLS handshake (0x16) or
/// alert (0x15) record header. `Ok(false)`: read more.
pub fn ssl_hello_reply(buf: &[u8]) -> Result<bool, Mismatch> {
    if buf.len() < 5 {
        return Ok(false);
    }
    if matches!(buf[0], 0x15 | 0x16) && buf[1] == 0x03 {
        Ok(true)
    } else {
        Err(Mismatch::reply(format!(
            "not a TLS record in reply to a ClientHello: {}",
            show(buf)
        )))
    }
}

/// Whether `received` matches a `tcp-check expect` pattern (a regex is
/// matched against the bytes as lossy UTF-8).
pub fn tcp_expect(received: &[u8], pattern: &TcpPattern) -> Result<bool, Mismatch> {
    Ok(match pattern {
        TcpPattern::String(s) => find(received, s.as_bytes()).is_some(),
        TcpPattern::Binary(b) => find(received, b).is_some(),
        TcpPattern::Regex(re) => super::regex(re)?.is_match(&String::from_utf8_lossy(received)),
    })
}

/// Decodes `tcp-check send-binary` / `expect binary` hex.
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, Mismatch> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(Mismatch::malformed(format!(
            "odd number of hex digits in {hex:?}"
        )));
    }
    digits
        .chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).unwrap_or("zz");
            u8::from_str_radix(s, 16)
                .map_err(|_| Mismatch::malformed(format!("bad hex {s:?} in {hex:?}")))
        })
        .collect()
}

/// Parses keepalived's free-form `HEX_STR` (`payload`, `require_reply`)
/// into (value, mask) bytes: groups separated by spaces are read two digits
/// at a time, a lone last digit is the low half of a byte (`"Ab12f 3"` is
/// `AB 12 0F 03`), and `X` is a digit that matches anything (mask 0).
pub fn keepalived_hex(text: &str) -> Result<Vec<(u8, u8)>, Mismatch> {
    let nibble = |c: char| -> Result<(u8, u8), Mismatch> {
        match c {
            'x' | 'X' => Ok((0, 0)),
            _ => c
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
                .map(|d| (d, 0xf))
                .ok_or_else(|| Mismatch::malformed(format!("bad hex digit {c:?} in {text:?}"))),
        }
    };
    let mut out = Vec::new();
    for group in text.split_whitespace() {
        let digits: Vec<char> = group.chars().collect();
        for pair in digits.chunks(2) {
            let (hi, lo) = match pair {
                [hi, lo] => (nibble(*hi)?, nibble(*lo)?),
                [lo] => ((0, 0xf), nibble(*lo)?),
                _ => continue,
            };
            out.push(((hi.0 << 4) | lo.0, (hi.1 << 4) | lo.1));
        }
    }
    if out.is_empty() {
        return Err(Mismatch::malformed(format!("no hex digits in {text:?}")));
    }
    Ok(out)
}

/// Judges a `UDP_CHECK` reply: its length within the check's limits, and
/// matching `expect` over the shorter of the two lengths.
pub fn udp_reply(reply: &[u8], check: &UdpCheck) -> Result<(), Mismatch> {
    if reply.len() < check.min_reply_len || reply.len() > check.max_reply_len {
        return Err(Mismatch::reply(format!(
            "UDP reply of {} bytes, outside {}..={}",
            reply.len(),
            check.min_reply_len,
            check.max_reply_len
        )));
    }
    if let Some(expect) = &check.expect {
        let bad = reply
            .iter()
            .zip(expect)
            .position(|(got, (want, mask))| got & mask != want & mask);
        if let Some(i) = bad {
            return Err(Mismatch::reply(format!(
                "UDP reply differs from the expected bytes at offset {i}: {}",
                show(reply)
            )));
        }
    }
    Ok(())
}

/// keepalived's reading of a `MISC_CHECK` program's end: exit 0 passes;
/// with `misc_dynamic`, 2 to 255 pass with weight `code - 2`; anything
/// else, or death by a signal, fails.
pub fn misc_outcome(code: Option<i32>, dynamic: bool) -> Outcome {
    match code {
        Some(0) => Outcome::pass(),
        Some(c @ 2..=255) if dynamic => {
            Outcome::pass().with_weight(WeightChange::Absolute(u32::try_from(c - 2).unwrap_or(0)))
        }
        Some(c) => Outcome::fail(FailKind::Exit, format!("the check program exited with {c}")),
        None => Outcome::fail(FailKind::Exit, "the check program was killed by a signal"),
    }
}

/// keepalived's reading of a `FILE_CHECK` file: its first word is a decimal
/// integer. With weight 0 any non-zero value fails; otherwise the value
/// times the weight (negated by `reverse`) is a weight delta.
pub fn file_outcome(content: &[u8], weight: i32, reverse: bool) -> Outcome {
    let word = content
        .split(|b| b.is_ascii_whitespace())
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    let value: Option<i64> = std::str::from_utf8(word)
        .ok()
        .filter(|w| w.len() <= 18)
        .and_then(|w| w.parse().ok());
    let Some(value) = value else {
        return Outcome::fail(
            FailKind::Malformed,
            format!("the file does not start with an integer: {}", show(content)),
        );
    };
    if weight == 0 {
        return if value == 0 {
            Outcome::pass()
        } else {
            Outcome::fail(FailKind::Down, format!("the file says {value}"))
        };
    }
    let delta = value.saturating_mul(i64::from(weight));
    Outcome::pass().with_weight(WeightChange::Delta(if reverse { -delta } else { delta }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis() {
        assert_eq!(redis_reply(b"+PO"), Ok(false));
        assert_eq!(redis_reply(b"+PONG\r\n"), Ok(true));
        assert!(redis_reply(b"-NOAUTH Authentication required.\r\n").is_err());
    }

    #[test]
    fn pgsql() {
        let m = pgsql_startup("haproxy");
        assert_eq!(&m[..4], &(m.len() as u32).to_be_bytes());
        assert!(m.ends_with(b"user\0haproxy\0\0"));
        assert_eq!(pgsql_reply(b"R\0\0"), Ok(false));
        assert_eq!(pgsql_reply(b"R\0\0\0\x08\0\0\0\0"), Ok(true));
        let e = pgsql_reply(b"E\0\0\0\x20SFATAL\0MGo away\0\0").unwrap_err();
        assert!(e.detail.contains("Go away"), "{e}");
        assert_eq!(
            pgsql_reply(b"HTTP/1.1").unwrap_err().kind,
            FailKind::Malformed
        );
    }

    #[test]
    fn mysql() {
        let hs = b"\x0d\0\0\0\x0a8.0.36\0\x01\0\0\0\0";
        let (seq, payload, used) = mysql_packet(hs).unwrap().unwrap();
        assert_eq!((seq, used), (0, 17));
        assert_eq!(mysql_handshake(payload).unwrap(), "8.0.36");
        assert_eq!(mysql_packet(&hs[..10]).unwrap(), None);
        let err = b"\xff\x6a\x04Host is blocked";
        assert!(mysql_handshake(err).unwrap_err().detail.contains("1130"));
        let login = mysql_login("haproxy");
        let (seq, payload, _) = mysql_packet(&login).unwrap().unwrap();
        assert_eq!(seq, 1);
        assert!(payload.ends_with(b"haproxy\0\0"));
        assert!(mysql_login_reply(b"\0\0\0\x02\0\0\0").is_ok());
        let e = mysql_login_reply(b"\xff\x15\x04#28000Access denied").unwrap_err();
        assert!(e.detail.contains("Access denied"), "{e}");
        assert!(mysql_packet(b"\0\0\0\0").is_err());
    }

    #[test]
    fn ssl_hello() {
        let h = ssl_client_hello([7; 32]);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 0x01);
        assert_eq!(ssl_hello_reply(b"\x16\x03"), Ok(false));
        assert_eq!(ssl_hello_reply(b"\x16\x03\x03\x00\x4a"), Ok(true));
        assert_eq!(ssl_hello_reply(b"\x15\x03\x03\x00\x02"), Ok(true));
        assert!(ssl_hello_reply(b"HTTP/1.1 400").is_err());
    }

    #[test]
    fn tcp_patterns_and_hex() {
        let got = b"+OK redis ready\r\n";
        assert_eq!(
            tcp_expect(got, &TcpPattern::String("ready".into())),
            Ok(true)
        );
        assert_eq!(
            tcp_expect(got, &TcpPattern::Regex("^\\+OK".into())),
            Ok(true)
        );
        assert_eq!(
            tcp_expect(got, &TcpPattern::Binary(b"\r\n".to_vec())),
            Ok(true)
        );
        assert_eq!(
            tcp_expect(got, &TcpPattern::String("nope".into())),
            Ok(false)
        );
        assert_eq!(
            tcp_expect(got, &TcpPattern::Regex("(".into()))
                .unwrap_err()
                .kind,
            FailKind::Setup
        );
        assert_eq!(decode_hex("50 49 4e 47 0d0a").unwrap(), b"PING\r\n");
        assert!(decode_hex("5").is_err());
        assert!(decode_hex("zz").is_err());
        assert!(decode_hex("é1").is_err());
    }

    #[test]
    fn keepalived_hex_strings() {
        // The example of keepalived.conf(5).
        let v = keepalived_hex("Ab12f 3 456 546443123").unwrap();
        let bytes: Vec<u8> = v.iter().map(|b| b.0).collect();
        assert_eq!(
            bytes,
            [
                0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03
            ]
        );
        assert!(v.iter().all(|b| b.1 == 0xff));
        assert_eq!(
            keepalived_hex("1x X2").unwrap(),
            vec![(0x10, 0xf0), (0x02, 0x0f)]
        );
        assert!(keepalived_hex("zz").is_err());
        assert!(keepalived_hex("  ").is_err());
    }

    #[test]
    fn udp_replies() {
        let check = UdpCheck {
            require_reply: true,
            expect: Some(keepalived_hex("c0 fX").unwrap()),
            min_reply_len: 2,
            max_reply_len: 8,
            ..UdpCheck::default()
        };
        assert!(udp_reply(&[0xc0, 0xf7, 1, 2], &check).is_ok());
        // Compared over the shorter length.
        assert!(udp_reply(&[0xc0, 0xf0], &check).is_ok());
        assert!(udp_reply(&[0xc1, 0xf0], &check).is_err());
        assert!(udp_reply(&[0xc0], &check).is_err());
        assert!(udp_reply(&[0xc0; 9], &check).is_err());
    }

    #[test]
    fn misc_exit_codes() {
        assert!(misc_outcome(Some(0), false).passed());
        assert!(!misc_outcome(Some(1), true).passed());
        assert!(!misc_outcome(Some(5), false).passed());
        let o = misc_outcome(Some(12), true);
        assert!(o.passed());
        assert_eq!(o.weight, Some(WeightChange::Absolute(10)));
        assert!(!misc_outcome(Some(256), true).passed());
        assert!(!misc_outcome(None, true).passed());
    }

    #[test]
    fn file_values() {
        assert!(file_outcome(b"0\n", 0, false).passed());
        assert!(!file_outcome(b"3\n", 0, false).passed());
        assert_eq!(
            file_outcome(b" 3 extra", 10, false).weight,
            Some(WeightChange::Delta(30))
        );
        assert_eq!(
            file_outcome(b"-2", 10, true).weight,
            Some(WeightChange::Delta(20))
        );
        for bad in [&b""[..], b"x", b"99999999999999999999999"] {
            assert_eq!(
                file_outcome(bad, 1, false).verdict,
                Outcome::fail(
                    FailKind::Malformed,
                    format!("the file does not start with an integer: {}", show(bad))
                )
                .verdict
            );
        }
    }
}
