//! `HTTP_GET`, `SSL_GET` and `option httpchk`: one connection per request,
//! or one kept between checks with [`HttpCheck::reuse_connection`].

use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;

use super::stream::{Io, read_parsed, read_some};
use super::{Prober, io_failure, tls};
use crate::outcome::{FailKind, Outcome};
use crate::reply::http::{self, Framing};
use crate::spec::{HttpCheck, HttpRequest, HttpVersion};

/// Largest body read (keepalived digests whole pages; bigger ones fail).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(crate) async fn run(
    prober: &Prober,
    target: SocketAddr,
    check: &HttpCheck,
) -> Result<Outcome, Outcome> {
    if check.requests.is_empty() {
        return one(prober, target, check, &HttpRequest::get("/")).await;
    }
    for (i, req) in check.requests.iter().enumerate() {
        one(prober, target, check, req)
            .await
            .map_err(|o| match o.verdict {
                crate::Verdict::Fail { kind, detail } if check.requests.len() > 1 => Outcome::fail(
                    kind,
                    format!("request {} ({} {}): {detail}", i + 1, req.method, req.path),
                ),
                _ => o,
            })?;
    }
    Ok(Outcome::pass())
}

/// The request bytes, written into one buffer (built for every check).
pub(crate) fn request(target: SocketAddr, check: &HttpCheck, req: &HttpRequest) -> Vec<u8> {
    use std::io::Write;
    let (version, close) = match check.version {
        _ if check.reuse_connection => ("1.1", false),
        HttpVersion::Http10 => ("1.0", false),
        HttpVersion::Http10Close => ("1.0", true),
        HttpVersion::Http11 => ("1.1", true),
    };
    let headers: usize = req.headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    let mut out =
        Vec::with_capacity(128 + req.method.len() + req.path.len() + headers + req.body.len());
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{} {} HTTP/{version}\r\nHost: ", req.method, req.path);
    let _ = match &check.host {
        Some(h) => {
            out.extend_from_slice(h.as_bytes());
            Ok(())
        }
        None => {
            let default_port = if check.tls.is_some() { 443 } else { 80 };
            match (target, target.port() == default_port) {
                (SocketAddr::V4(a), true) => write!(out, "{}", a.ip()),
                (SocketAddr::V6(a), true) => write!(out, "[{}]", a.ip()),
                (a, false) => write!(out, "{a}"),
            }
        }
    };
    out.extend_from_slice(b"\r\nUser-Agent: lbkit-healthcheck\r\n");
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    for (n, v) in &req.headers {
        let _ = write!(out, "{n}: {v}\r\n");
    }
    if !req.body.is_empty() {
        let _ = write!(out, "Content-Length: {}\r\n", req.body.len());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    out
}

/// An idle kept-alive connection is taken from the pool by this key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    peer: SocketAddr,
    connect: crate::spec::Connect,
    tls: Option<crate::spec::Tls>,
}

/// How an exchange failed: before any byte of a reply (a kept-alive
/// connection the server closed meanwhile: worth one retry on a new one),
/// or after.
enum Failed {
    BeforeReply(Outcome),
    After(Outcome),
}

impl Failed {
    fn outcome(self) -> Outcome {
        match self {
            Self::BeforeReply(o) | Self::After(o) => o,
        }
    }
}

async fn one(
    prober: &Prober,
    target: SocketAddr,
    check: &HttpCheck,
    req: &HttpRequest,
) -> Result<Outcome, Outcome> {
    let peer = check.connect.to.unwrap_or(target);
    let bytes = request(target, check, req);
    let key = check.reuse_connection.then(|| PoolKey {
        peer,
        connect: check.connect.clone(),
        tls: check.tls.clone(),
    });
    if let Some(mut s) = key.as_ref().and_then(|k| prober.take_idle(k)) {
        match exchange(s.as_mut(), peer, &bytes, req).await {
            Ok((head, body, reusable)) => {
                if let (true, Some(k)) = (reusable, key) {
                    prober.put_idle(k, s);
                }
                http::check(&head, &body, &req.expect)?;
                return Ok(Outcome::pass());
            }
            // The server closed the idle connection: try a new one.
            Err(Failed::BeforeReply(_)) => {}
            Err(Failed::After(o)) => return Err(o),
        }
    }
    let tcp = prober.sockets.connect(target, &check.connect, true).await?;
    let (head, body) = match &check.tls {
        Some(t) => {
            let mut s = tls::wrap(prober, tcp, t, peer.ip()).await?;
            let (head, body, reusable) = exchange(&mut s, peer, &bytes, req)
                .await
                .map_err(Failed::outcome)?;
            if let (true, Some(k)) = (reusable, key) {
                prober.put_idle(k, Box::new(s));
            }
            (head, body)
        }
        None => {
            let mut tcp = tcp;
            let (head, body, reusable) = exchange(&mut tcp, peer, &bytes, req)
                .await
                .map_err(Failed::outcome)?;
            match (reusable, key) {
                (true, Some(k)) => prober.put_idle(k, Box::new(tcp)),
                // Done with the connection: its socket serves a later check.
                _ => prober.sockets.recycle(tcp),
            }
            (head, body)
        }
    };
    http::check(&head, &body, &req.expect)?;
    Ok(Outcome::pass())
}

/// Sends the request and reads the whole response. Also says whether the
/// connection can carry another request.
async fn exchange(
    s: &mut dyn Io,
    peer: SocketAddr,
    bytes: &[u8],
    req: &HttpRequest,
) -> Result<(http::Head, Vec<u8>, bool), Failed> {
    s.write_all(bytes)
        .await
        .map_err(|e| Failed::BeforeReply(io_failure(&format!("send the request to {peer}"), &e)))?;
    let mut buf = Vec::new();
    let head = read_parsed(s, &mut buf, peer, http::parse_head)
        .await
        .map_err(|o| {
            if buf.is_empty() {
                Failed::BeforeReply(o)
            } else {
                Failed::After(o)
            }
        })?;
    // The body's first bytes stay in the read buffer (no second buffer).
    buf.drain(..head.body_start);
    let mut body = buf;
    // A HEAD request has no body whatever the headers say.
    let framing = if req.method.eq_ignore_ascii_case("HEAD") {
        Framing::Length(0)
    } else {
        head.framing().map_err(|m| Failed::After(m.into()))?
    };
    let body = read_body(s, peer, framing, &mut body)
        .await
        .map_err(Failed::After)?;
    let reusable = head.minor == 1
        && framing != Framing::UntilClose
        && !head
            .header("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
    Ok((head, body, reusable))
}

async fn read_body(
    s: &mut dyn Io,
    peer: SocketAddr,
    framing: Framing,
    body: &mut Vec<u8>,
) -> Result<Vec<u8>, Outcome> {
    Ok(match framing {
        Framing::Length(n) => {
            if n > MAX_BODY {
                return Err(too_big(peer));
            }
            while body.len() < n {
                if read_some(s, body, n, peer).await? == 0 {
                    return Err(Outcome::fail(
                        FailKind::Reply,
                        format!(
                            "{peer} closed the connection after {} of {n} body bytes",
                            body.len()
                        ),
                    ));
                }
            }
            body.truncate(n);
            std::mem::take(body)
        }
        Framing::Chunked => loop {
            if let Some(b) = http::decode_chunked(body, MAX_BODY)? {
                break b;
            }
            if read_some(s, body, MAX_BODY + 64 * 1024, peer).await? == 0 {
                return Err(Outcome::fail(
                    FailKind::Reply,
                    format!("{peer} closed the connection inside a chunked body"),
                ));
            }
        },
        Framing::UntilClose => {
            while read_some(s, body, MAX_BODY + 1, peer).await? > 0 {}
            if body.len() > MAX_BODY {
                return Err(too_big(peer));
            }
            std::mem::take(body)
        }
    })
}

fn too_big(peer: SocketAddr) -> Outcome {
    Outcome::fail(
        FailKind::Reply,
        format!("body from {peer} is larger than {MAX_BODY} bytes"),
    )
}
