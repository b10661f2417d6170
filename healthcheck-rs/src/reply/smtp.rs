//! SMTP replies (RFC 5321 section 4.2): `NNN-text` continuation lines and a
//! final `NNN text` line.

use super::{Mismatch, show};

/// Longest reply accepted.
pub const MAX_REPLY: usize = 8 * 1024;

/// A complete SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line.
    pub lines: Vec<String>,
    /// Bytes of the buffer the reply used.
    pub consumed: usize,
}

/// Parses one reply from the start of `buf`. `Ok(None)`: not complete yet.
pub fn parse(buf: &[u8]) -> Result<Option<Reply>, Mismatch> {
    let mut pos = 0;
    let mut code = None;
    let mut lines = Vec::new();
    loop {
        let Some(eol) = buf[pos..].iter().position(|b| *b == b'\n') else {
            if buf.len() > MAX_REPLY {
                return Err(Mismatch::malformed(format!(
                    "SMTP reply longer than {MAX_REPLY} bytes"
                )));
            }
            return Ok(None);
        };
        let raw = &buf[pos..pos + eol];
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        pos += eol + 1;
        let bad = || Mismatch::malformed(format!("not an SMTP reply line: {}", show(line)));
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let this = u16::from(line[0] - b'0') * 100
            + u16::from(line[1] - b'0') * 10
            + u16::from(line[2] - b'0');
        if !(200..=599).contains(&this) {
            return Err(bad());
        }
        if code.is_some_and(|c| c != this) {
            return Err(Mismatch::malformed(format!(
                "SMTP reply lines with different codes: {}",
                show(&buf[..pos])
            )));
        }
        code = Some(this);
        let sep = line.get(3).copied();
        lines.push(String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned());
        match sep {
            Some(b'-') => continue,
            None | Some(b' ') => {
                return Ok(Some(Reply {
                    code: this,
                    lines,
                    consumed: pos,
                }));
            }
            Some(_) => return Err(bad()),
        }
    }
}

/// Checks that `reply` has a code in `class` hundreds (2 for 2xx) or the
/// exact `code`.
pub fn expect(reply: &Reply, what: &str, ok: impl Fn(u16) -> bool) -> Result<(), Mismatch> {
    if ok(reply.code) {
        Ok(())
    } else {
        Err(Mismatch::reply(format!(
            "{what}: got {} {}",
            reply.code,
            reply.lines.last().map_or("", String::as_str)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::FailKind;

    #[test]
    fn single_and_multi_line() {
        let r = parse(b"220 mx.example ESMTP\r\nextra").unwrap().unwrap();
        assert_eq!((r.code, r.consumed), (220, 22));
        assert_eq!(r.lines, vec!["mx.example ESMTP"]);
        let raw = b"250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
        for cut in 0..raw.len() {
            assert_eq!(parse(&raw[..cut]).unwrap(), None);
        }
        let r = parse(raw).unwrap().unwrap();
        assert_eq!(r.lines.len(), 3);
        assert!(expect(&r, "EHLO", |c| c == 250).is_ok());
        let e = expect(&r, "banner", |c| c == 220).unwrap_err();
        assert_eq!(e.kind, FailKind::Reply);
        assert_eq!(parse(b"250\n").unwrap().unwrap().lines, vec![""]);
    }

    #[test]
    fn garbage() {
        for raw in [
            &b"HTTP/1.1 200 OK\r\n"[..],
            b"25\r\n",
            b"250x\r\n",
            b"250-a\r\n251 b\r\n",
            b"999 x\r\n",
            b"\xff\xff\xff\n",
        ] {
            assert_eq!(parse(raw).unwrap_err().kind, FailKind::Malformed, "{raw:?}");
        }
        assert!(parse(&vec![b'2'; MAX_REPLY + 1]).is_err());
    }
}
