//! HTTP/1.x responses: head parsing, body framing, chunked decoding, and the
//! expectations of `HTTP_GET`/`SSL_GET` and `http-check expect`.

use md5::{Digest, Md5};

use super::{Mismatch, regex, show};
use crate::spec::{HttpExpect, HttpRule};

/// Longest response head accepted.
pub const MAX_HEAD: usize = 64 * 1024;

/// A parsed status line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Where the body starts in the buffer parsed.
    pub body_start: usize,
}

/// How the body's end is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes.
    UntilClose,
}

impl Head {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How to find the end of the body.
    pub fn framing(&self) -> Result<Framing, Mismatch> {
        if self.status / 100 == 1 || self.status == 204 || self.status == 304 {
            return Ok(Framing::Length(0));
        }
        if self
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            return Ok(Framing::Chunked);
        }
        match self.header("content-length") {
            Some(v) => v.trim().parse().map(Framing::Length).map_err(|_| {
                Mismatch::malformed(format!("bad Content-Length {:?}", show(v.as_bytes())))
            }),
            None => Ok(Framing::UntilClose),
        }
    }
}

/// Parses a response head from the start of `buf`. `Ok(None)`: not complete
/// yet, read more.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, Mismatch> {
    let Some(end) = find(buf, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(buf, b"\n\n").map(|i| i + 2))
    else {
        if buf.len() > MAX_HEAD {
            return Err(Mismatch::malformed(format!(
                "response head longer than {MAX_HEAD} bytes"
            )));
        }
        if buf.len() >= 5 && !buf.starts_with(b"HTTP/") {
            return Err(Mismatch::malformed(format!(
                "not an HTTP response: {}",
                show(buf)
            )));
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(&buf[..end])
        .map_err(|_| Mismatch::malformed("response head is not valid UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let (minor, status, reason) = parse_status_line(status_line)?;
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Mismatch::malformed(format!(
                "header line without ':': {}",
                show(line.as_bytes())
            ))
        })?;
        if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(Mismatch::malformed(format!(
                "bad header name {:?}",
                show(name.as_bytes())
            )));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(Some(Head {
        minor,
        status,
        reason,
        headers,
        body_start: end,
    }))
}

/// Parses `HTTP/1.x NNN reason`.
pub fn parse_status_line(line: &str) -> Result<(u8, u16, String), Mismatch> {
    let bad = || Mismatch::malformed(format!("bad status line {:?}", show(line.as_bytes())));
    let rest = line.strip_prefix("HTTP/1.").ok_or_else(bad)?;
    let mut parts = rest.splitn(3, ' ');
    let minor = match parts.next() {
        Some("0") => 0,
        Some("1") => 1,
        _ => return Err(bad()),
    };
    let code = parts.next().ok_or_else(bad)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let status: u16 = code.parse().map_err(|_| bad())?;
    if !(100..=599).contains(&status) {
        return Err(bad());
    }
    Ok((minor, status, parts.next().unwrap_or("").to_owned()))
}

/// Decodes a chunked body. `Ok(None)`: not complete yet. Trailers are read
/// and dropped.
pub fn decode_chunked(buf: &[u8], max: usize) -> Result<Option<Vec<u8>>, Mismatch> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = find(&buf[pos..], b"\r\n") else {
            return Ok(None);
        };
        let line = &buf[pos..pos + eol];
        let size_text = line.split(|b| *b == b';').next().unwrap_or_default();
        let size_text = std::str::from_utf8(size_text)
            .ok()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 16)
            .ok_or_else(|| Mismatch::malformed(format!("bad chunk size line {}", show(line))))?;
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Mismatch::malformed(format!("bad chunk size {}", show(line))))?;
        pos += eol + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let Some(eol) = find(&buf[pos..], b"\r\n") else {
                    return Ok(None);
                };
                pos += eol + 2;
                if eol == 0 {
                    return Ok(Some(out));
                }
            }
        }
        if out.len().saturating_add(size) > max {
            return Err(Mismatch::reply(format!("body longer than {max} bytes")));
        }
        let Some(end) = pos.checked_add(size).filter(|e| e + 2 <= buf.len()) else {
            return Ok(None);
        };
        out.extend_from_slice(&buf[pos..end]);
        if &buf[end..end + 2] != b"\r\n" {
            return Err(Mismatch::malformed("chunk not followed by CRLF"));
        }
        pos = end + 2;
    }
}

/// Whether the response meets every expectation; an empty list means a 2xx
/// or 3xx status.
pub fn check(head: &Head, body: &[u8], expects: &[HttpExpect]) -> Result<(), Mismatch> {
    if expects.is_empty() {
        return if (200..400).contains(&head.status) {
            Ok(())
        } else {
            Err(Mismatch::reply(format!(
                "status {} {} (expected 2xx or 3xx)",
                head.status, head.reason
            )))
        };
    }
    for e in expects {
        if eval(head, body, &e.rule)? == e.negate {
            let not = if e.negate { "not " } else { "" };
            return Err(Mismatch::reply(format!(
                "expected {not}{} (status {} {})",
                describe(body, &e.rule),
                head.status,
                head.reason
            )));
        }
    }
    Ok(())
}

fn eval(head: &Head, body: &[u8], rule: &HttpRule) -> Result<bool, Mismatch> {
    Ok(match rule {
        HttpRule::Status(ranges) => ranges
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&head.status)),
        HttpRule::StatusRegex(re) => regex(re)?.is_match(&head.status.to_string()),
        HttpRule::BodyContains(s) => find(body, s.as_bytes()).is_some() || s.is_empty(),
        HttpRule::BodyRegex(re) => regex(re)?.is_match(&String::from_utf8_lossy(body)),
        HttpRule::BodyMd5(hex) => md5_hex(body).eq_ignore_ascii_case(hex.trim()),
        HttpRule::Header { name, value } => head
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .any(|(_, v)| value.as_ref().is_none_or(|want| v.contains(want.as_str()))),
    })
}

/// What `rule` expects, for a failure's message (only written on failure:
/// a passing check formats nothing).
fn describe(body: &[u8], rule: &HttpRule) -> String {
    match rule {
        HttpRule::Status(ranges) => format!("status in {ranges:?}"),
        HttpRule::StatusRegex(re) => format!("status matching {re:?}"),
        HttpRule::BodyContains(s) => format!("body containing {s:?}"),
        HttpRule::BodyRegex(re) => format!("body matching {re:?}"),
        HttpRule::BodyMd5(hex) => format!("body MD5 {hex} (got {})", md5_hex(body)),
        HttpRule::Header { name, value } => format!("header {name}: {value:?}"),
    }
}

/// Lowercase hex MD5 of `data` (keepalived's `digest`).
pub fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// First position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::FailKind;

    fn head(raw: &str) -> Head {
        parse_head(raw.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn parses_a_head_in_pieces() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello";
        for cut in 0..raw.len() - 6 {
            assert_eq!(parse_head(&raw[..cut]).unwrap(), None, "cut at {cut}");
        }
        let h = parse_head(raw).unwrap().unwrap();
        assert_eq!((h.minor, h.status, h.reason.as_str()), (1, 200, "OK"));
        assert_eq!(h.header("x-a"), Some("b"));
        assert_eq!(h.framing().unwrap(), Framing::Length(5));
        assert_eq!(&raw[h.body_start..], b"hello");
    }

    #[test]
    fn rejects_garbage() {
        for raw in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 999 no\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"\xff\xfe\xfd\xfc\xfb",
        ] {
            let r = parse_head(raw).and_then(|h| h.map(|h| h.framing()).transpose());
            assert_eq!(r.unwrap_err().kind, FailKind::Malformed, "{raw:?}");
        }
        let long = vec![b'H'; MAX_HEAD + 1];
        assert!(parse_head(&long).is_err());
    }

    #[test]
    fn framing() {
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .framing()
                .unwrap(),
            Framing::Chunked
        );
        assert_eq!(
            head("HTTP/1.0 200 OK\r\n\r\n").framing().unwrap(),
            Framing::UntilClose
        );
        assert_eq!(
            head("HTTP/1.1 204 No\r\n\r\n").framing().unwrap(),
            Framing::Length(0)
        );
    }

    #[test]
    fn chunked() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
        for cut in 0..raw.len() {
            assert_eq!(decode_chunked(&raw[..cut], 100).unwrap(), None);
        }
        assert_eq!(
            decode_chunked(raw, 100).unwrap().unwrap(),
            b"hello world".to_vec()
        );
        assert!(decode_chunked(b"zz\r\n", 100).is_err());
        assert!(decode_chunked(b"5\r\nhelloXX", 100).is_err());
        assert!(decode_chunked(b"ffffffffffffffff\r\n", 100).is_err());
        assert!(decode_chunked(b"10\r\n", 8).is_err());
    }

    #[test]
    fn expectations() {
        let h = head("HTTP/1.1 503 Busy\r\nServer: test/1.0\r\n\r\n");
        let body = b"<html>status: degraded</html>";
        let ok = |rule: HttpRule| check(&h, body, &[HttpExpect::is(rule)]);
        let not = |rule: HttpRule| check(&h, body, &[HttpExpect { negate: true, rule }]);
        assert!(check(&h, body, &[]).is_err());
        assert!(ok(HttpRule::Status(vec![(200, 200), (500, 599)])).is_ok());
        assert!(ok(HttpRule::Status(vec![(200, 399)])).is_err());
        assert!(ok(HttpRule::StatusRegex("^5".into())).is_ok());
        assert!(ok(HttpRule::BodyContains("degraded".into())).is_ok());
        assert!(not(HttpRule::BodyContains("degraded".into())).is_err());
        assert!(not(HttpRule::BodyContains("healthy".into())).is_ok());
        assert!(ok(HttpRule::BodyRegex("status: [a-z]+".into())).is_ok());
        assert!(ok(HttpRule::BodyMd5(md5_hex(body).to_uppercase())).is_ok());
        assert!(ok(HttpRule::BodyMd5("00".into())).is_err());
        let hdr = |value: Option<&str>| HttpRule::Header {
            name: "server".into(),
            value: value.map(Into::into),
        };
        assert!(ok(hdr(None)).is_ok());
        assert!(ok(hdr(Some("test/"))).is_ok());
        assert!(ok(hdr(Some("nginx"))).is_err());
        let e = ok(HttpRule::BodyRegex("(".into())).unwrap_err();
        assert_eq!(e.kind, FailKind::Setup);
        let e = ok(HttpRule::Status(vec![(200, 299)])).unwrap_err();
        assert!(e.detail.contains("503 Busy"), "{e}");
    }

    #[test]
    fn md5_matches_known_digest() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
