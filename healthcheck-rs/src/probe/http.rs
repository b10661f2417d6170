//! `HTTP_GET`, `SSL_GET` and `option httpchk`: one connection per request.

use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;

use super::stream::{Io, read_parsed, read_some};
use super::{Prober, connect, io_failure, tls};
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

/// The request bytes.
pub(crate) fn request(target: SocketAddr, check: &HttpCheck, req: &HttpRequest) -> Vec<u8> {
    let (version, close) = match check.version {
        HttpVersion::Http10 => ("1.0", false),
        HttpVersion::Http10Close => ("1.0", true),
        HttpVersion::Http11 => ("1.1", true),
    };
    let host = check.host.clone().unwrap_or_else(|| {
        let default_port = if check.tls.is_some() { 443 } else { 80 };
        match (target, target.port() == default_port) {
            (SocketAddr::V4(a), true) => a.ip().to_string(),
            (SocketAddr::V6(a), true) => format!("[{}]", a.ip()),
            (a, false) => a.to_string(),
        }
    });
    let mut out = format!(
        "{} {} HTTP/{version}\r\nHost: {host}\r\nUser-Agent: lbkit-healthcheck\r\n",
        req.method, req.path
    );
    if close {
        out.push_str("Connection: close\r\n");
    }
    for (n, v) in &req.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if !req.body.is_empty() {
        out.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&req.body);
    bytes
}

async fn one(
    prober: &Prober,
    target: SocketAddr,
    check: &HttpCheck,
    req: &HttpRequest,
) -> Result<Outcome, Outcome> {
    let peer = check.connect.to.unwrap_or(target);
    let tcp = connect(target, &check.connect).await?;
    let mut s: Box<dyn Io> = match &check.tls {
        Some(t) => Box::new(tls::wrap(prober, tcp, t, peer.ip()).await?),
        None => Box::new(tcp),
    };
    s.write_all(&request(target, check, req))
        .await
        .map_err(|e| io_failure(&format!("send the request to {peer}"), &e))?;
    let mut buf = Vec::new();
    let head = read_parsed(s.as_mut(), &mut buf, peer, http::parse_head).await?;
    let mut body = buf.split_off(head.body_start);
    // A HEAD request has no body whatever the headers say.
    let framing = if req.method.eq_ignore_ascii_case("HEAD") {
        Framing::Length(0)
    } else {
        head.framing()?
    };
    let body = match framing {
        Framing::Length(n) => {
            if n > MAX_BODY {
                return Err(too_big(peer));
            }
            while body.len() < n {
                if read_some(s.as_mut(), &mut body, n, peer).await? == 0 {
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
            body
        }
        Framing::Chunked => loop {
            if let Some(b) = http::decode_chunked(&body, MAX_BODY)? {
                break b;
            }
            if read_some(s.as_mut(), &mut body, MAX_BODY + 64 * 1024, peer).await? == 0 {
                return Err(Outcome::fail(
                    FailKind::Reply,
                    format!("{peer} closed the connection inside a chunked body"),
                ));
            }
        },
        Framing::UntilClose => {
            while read_some(s.as_mut(), &mut body, MAX_BODY + 1, peer).await? > 0 {}
            if body.len() > MAX_BODY {
                return Err(too_big(peer));
            }
            body
        }
    };
    http::check(&head, &body, &req.expect)?;
    Ok(Outcome::pass())
}

fn too_big(peer: SocketAddr) -> Outcome {
    Outcome::fail(
        FailKind::Reply,
        format!("body from {peer} is larger than {MAX_BODY} bytes"),
    )
}
