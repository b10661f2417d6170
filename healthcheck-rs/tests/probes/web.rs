//! HTTP_GET, SSL_GET and option httpchk against loopback servers.

use std::time::Duration;

use healthcheck::reply::http::md5_hex;
use healthcheck::spec::{HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion, Tls};
use healthcheck::{FailKind, Probe};

use crate::servers::{self, response};
use crate::{assert_fail, assert_pass, run, run_within};

fn get(path: &str, expect: Vec<HttpExpect>) -> HttpRequest {
    HttpRequest {
        expect,
        ..HttpRequest::get(path)
    }
}

fn http(requests: Vec<HttpRequest>) -> HttpCheck {
    HttpCheck {
        requests,
        ..HttpCheck::default()
    }
}

/// `/` is healthy, `/busy` answers 503, `/chunked` sends a chunked body,
/// anything else 404.
async fn app() -> (std::net::SocketAddr, servers::Seen) {
    servers::http(|req| {
        let line = String::from_utf8_lossy(req);
        let path = line.split(' ').nth(1).unwrap_or("");
        match path {
            "/" => response("200 OK", "<html>all good</html>"),
            "/busy" => response("503 Service Unavailable", "busy"),
            "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n4\r\ngood\r\n0\r\n\r\n".to_vec(),
            "/short" => b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this".to_vec(),
            _ => response("404 Not Found", "nope"),
        }
    })
    .await
}

#[tokio::test]
async fn status_codes_lists_and_ranges() {
    let (addr, _) = app().await;
    let status = |r: Vec<(u16, u16)>| vec![HttpExpect::is(HttpRule::Status(r))];
    assert_pass(&run(addr, Probe::Http(http(vec![]))).await);
    assert_pass(&run(addr, Probe::Http(http(vec![get("/", vec![])]))).await);
    let d = assert_fail(
        &run(addr, Probe::Http(http(vec![get("/busy", vec![])]))).await,
        FailKind::Reply,
    );
    assert!(d.contains("503"), "{d}");
    assert_pass(
        &run(
            addr,
            Probe::Http(http(vec![get(
                "/busy",
                status(vec![(200, 200), (500, 599)]),
            )])),
        )
        .await,
    );
    assert_pass(
        &run(
            addr,
            Probe::Http(http(vec![get("/missing", status(vec![(404, 404)]))])),
        )
        .await,
    );
    assert_fail(
        &run(
            addr,
            Probe::Http(http(vec![get("/missing", status(vec![(200, 299)]))])),
        )
        .await,
        FailKind::Reply,
    );
}

#[tokio::test]
async fn several_urls_must_all_pass() {
    let (addr, seen) = app().await;
    let check = http(vec![
        get("/", vec![]),
        get("/chunked", vec![]),
        get("/busy", vec![]),
    ]);
    let d = assert_fail(&run(addr, Probe::Http(check)).await, FailKind::Reply);
    assert!(d.contains("request 3") && d.contains("/busy"), "{d}");
    let paths: Vec<String> = seen
        .text()
        .iter()
        .map(|r| r.split(' ').nth(1).unwrap_or("").to_owned())
        .collect();
    assert_eq!(paths.len(), 3);
    for p in ["/", "/chunked", "/busy"] {
        assert!(paths.contains(&p.to_owned()), "{paths:?}");
    }
}

#[tokio::test]
async fn digest_and_regex() {
    let (addr, _) = app().await;
    let page = "<html>all good</html>";
    let rule = |r| vec![HttpExpect::is(r)];
    assert_pass(
        &run(
            addr,
            Probe::Http(http(vec![get(
                "/",
                rule(HttpRule::BodyMd5(md5_hex(page.as_bytes()))),
            )])),
        )
        .await,
    );
    let d = assert_fail(
        &run(
            addr,
            Probe::Http(http(vec![get("/", rule(HttpRule::BodyMd5("0123".into())))])),
        )
        .await,
        FailKind::Reply,
    );
    assert!(d.contains(&md5_hex(page.as_bytes())), "{d}");
    // The chunked body is decoded before digesting.
    assert_pass(
        &run(
            addr,
            Probe::Http(http(vec![get(
                "/chunked",
                rule(HttpRule::BodyMd5(md5_hex(b"all good"))),
            )])),
        )
        .await,
    );
    assert_pass(
        &run(
            addr,
            Probe::Http(http(vec![get(
                "/",
                rule(HttpRule::BodyRegex("all (good|fine)".into())),
            )])),
        )
        .await,
    );
    // keepalived's regex_no_match.
    let no_match = vec![HttpExpect {
        negate: true,
        rule: HttpRule::BodyRegex("error".into()),
    }];
    assert_pass(&run(addr, Probe::Http(http(vec![get("/", no_match)]))).await);
    // A body cut short of its Content-Length fails.
    assert_fail(
        &run(addr, Probe::Http(http(vec![get("/short", vec![])]))).await,
        FailKind::Reply,
    );
}

#[tokio::test]
async fn versions_and_virtualhost() {
    let (addr, seen) = app().await;
    for version in [
        HttpVersion::Http10,
        HttpVersion::Http10Close,
        HttpVersion::Http11,
    ] {
        let check = HttpCheck {
            version,
            host: Some("www.example.test".into()),
            ..http(vec![get("/", vec![])])
        };
        assert_pass(&run(addr, Probe::Http(check)).await);
    }
    let reqs = seen.text();
    assert!(
        reqs[0].starts_with("GET / HTTP/1.0\r\n") && !reqs[0].contains("Connection: close"),
        "{reqs:?}"
    );
    assert!(reqs[1].starts_with("GET / HTTP/1.0\r\n") && reqs[1].contains("Connection: close"));
    assert!(reqs[2].starts_with("GET / HTTP/1.1\r\n") && reqs[2].contains("Connection: close"));
    assert!(
        reqs.iter()
            .all(|r| r.contains("Host: www.example.test\r\n"))
    );
    // Without virtualhost the Host is the target.
    assert_pass(&run(addr, Probe::Http(http(vec![]))).await);
    assert!(seen.text()[3].contains(&format!("Host: {addr}\r\n")));
}

#[tokio::test]
async fn httpchk_send_and_expect() {
    let (addr, seen) = servers::http(|req| {
        let text = String::from_utf8_lossy(req);
        if text.starts_with("OPTIONS /health HTTP/1.1") && text.ends_with("ping") {
            b"HTTP/1.1 204 No Content\r\nX-State: ready-1\r\n\r\n".to_vec()
        } else {
            response("400 Bad Request", "")
        }
    })
    .await;
    let req = HttpRequest {
        method: "OPTIONS".into(),
        path: "/health".into(),
        headers: vec![("X-Check".into(), "lbkit".into())],
        body: b"ping".to_vec(),
        expect: vec![
            HttpExpect::is(HttpRule::StatusRegex("^2[0-9]4$".into())),
            HttpExpect::is(HttpRule::Header {
                name: "x-state".into(),
                value: Some("ready".into()),
            }),
            HttpExpect {
                negate: true,
                rule: HttpRule::BodyContains("error".into()),
            },
        ],
    };
    let check = HttpCheck {
        version: HttpVersion::Http11,
        ..http(vec![req.clone()])
    };
    assert_pass(&run(addr, Probe::Http(check.clone())).await);
    let sent = &seen.text()[0];
    assert!(
        sent.contains("X-Check: lbkit\r\n") && sent.contains("Content-Length: 4\r\n"),
        "{sent}"
    );
    let mut wrong = check;
    wrong.requests[0]
        .expect
        .push(HttpExpect::is(HttpRule::Header {
            name: "x-missing".into(),
            value: None,
        }));
    assert_fail(&run(addr, Probe::Http(wrong)).await, FailKind::Reply);
}

#[tokio::test]
async fn garbage_silence_and_refusal() {
    let (garbage, _) = servers::canned(b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n", true).await;
    assert_fail(
        &run(garbage, Probe::Http(http(vec![]))).await,
        FailKind::Malformed,
    );
    let silent = servers::silent().await;
    let o = run_within(
        silent,
        Probe::Http(http(vec![])),
        Duration::from_millis(300),
    )
    .await;
    assert_fail(&o, FailKind::Timeout);
    let closed = servers::closed_port().await;
    assert_fail(
        &run(closed, Probe::Http(http(vec![]))).await,
        FailKind::Connect,
    );
    let (empty, _) = servers::canned(b"", true).await;
    assert_fail(
        &run(empty, Probe::Http(http(vec![]))).await,
        FailKind::Reply,
    );
}

#[tokio::test]
async fn ssl_get_with_sni_and_verification() {
    let pki = servers::pki();
    let (addr, sni) = servers::https(&pki, "secure").await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ssl = |tls: Tls| {
        Probe::Http(HttpCheck {
            tls: Some(tls),
            ..http(vec![get(
                "/",
                vec![HttpExpect::is(HttpRule::BodyContains("secure".into()))],
            )])
        })
    };
    // keepalived's SSL_GET: no verification, no SNI.
    assert_pass(&run(addr, ssl(Tls::default())).await);
    // check-sni.
    assert_pass(
        &run(
            addr,
            ssl(Tls {
                sni: Some("app.example.test".into()),
                ..Tls::default()
            }),
        )
        .await,
    );
    // verify required against the test CA, for the name in the certificate.
    let verified = |name: &str| Tls {
        sni: Some(name.into()),
        verify: true,
        ca_file: Some(ca.clone()),
    };
    assert_pass(&run(addr, ssl(verified("localhost"))).await);
    assert_fail(
        &run(addr, ssl(verified("wrong.example.test"))).await,
        FailKind::Tls,
    );
    // The refused handshake never reached the server's application.
    assert_eq!(sni.text(), vec!["", "app.example.test", "localhost"]);
    // Verification by IP address (no SNI sent) against the IP SAN.
    assert_pass(
        &run(
            addr,
            ssl(Tls {
                sni: None,
                verify: true,
                ca_file: Some(ca.clone()),
            }),
        )
        .await,
    );
    // Misconfiguration is a setup failure.
    assert_fail(
        &run(
            addr,
            ssl(Tls {
                verify: true,
                ..Tls::default()
            }),
        )
        .await,
        FailKind::Setup,
    );
    let bad = dir.path().join("missing.pem");
    assert_fail(
        &run(
            addr,
            ssl(Tls {
                verify: true,
                ca_file: Some(bad),
                sni: None,
            }),
        )
        .await,
        FailKind::Setup,
    );
    // TLS to a plain HTTP server fails the handshake.
    let (plain, _) = servers::canned(b"HTTP/1.1 400 Bad Request\r\n\r\n", true).await;
    assert_fail(&run(plain, ssl(Tls::default())).await, FailKind::Tls);
}

/// An HTTP/1.1 server that keeps connections open: answers up to
/// `per_conn` requests on each, then closes it. Counts connections and
/// requests.
async fn keep_alive_server(
    per_conn: usize,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let conns = Arc::new(AtomicUsize::new(0));
    let reqs = Arc::new(AtomicUsize::new(0));
    let (c2, r2) = (Arc::clone(&conns), Arc::clone(&reqs));
    let addr = servers::serve(move |mut s| {
        let (conns, reqs) = (Arc::clone(&c2), Arc::clone(&r2));
        async move {
            conns.fetch_add(1, Ordering::SeqCst);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            let mut served = 0;
            while served < per_conn {
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                buf.drain(..end + 4);
                served += 1;
                reqs.fetch_add(1, Ordering::SeqCst);
                let close = if served == per_conn {
                    "Connection: close\r\n"
                } else {
                    ""
                };
                let resp = format!("HTTP/1.1 200 OK\r\n{close}Content-Length: 5\r\n\r\nalive");
                if s.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (addr, conns, reqs)
}

#[tokio::test]
async fn reuse_connection_keeps_one_connection_until_the_server_closes_it() {
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    use healthcheck::CheckSpec;
    use healthcheck::probe::Prober;

    let (addr, conns, reqs) = keep_alive_server(3).await;
    let check = HttpCheck {
        reuse_connection: true,
        requests: vec![get(
            "/",
            vec![HttpExpect::is(HttpRule::BodyContains("alive".into()))],
        )],
        ..HttpCheck::default()
    };
    let spec = CheckSpec::new(addr, Probe::Http(check));
    let prober = Prober::new();
    for _ in 0..7 {
        let o = prober
            .probe(&spec, Instant::now() + Duration::from_secs(2))
            .await;
        assert_pass(&o);
    }
    // 7 requests over connections of 3: the third answer of each says
    // `Connection: close`, so 3 connections.
    assert_eq!(reqs.load(Ordering::SeqCst), 7);
    assert_eq!(conns.load(Ordering::SeqCst), 3);
    assert_eq!(prober.idle_connections(), 1);

    // Another check on the same prober keeps its own connection, and checks
    // without reuse still open one connection each.
    let (addr, conns, _) = keep_alive_server(1_000).await;
    let check = HttpCheck {
        reuse_connection: true,
        ..HttpCheck::default()
    };
    let spec = CheckSpec::new(addr, Probe::Http(check));
    let prober = Prober::new();
    assert_pass(
        &prober
            .probe(&spec, Instant::now() + Duration::from_secs(2))
            .await,
    );
    assert_eq!(prober.idle_connections(), 1);
    // Without reuse, each check has its own connection.
    let (plain_addr, plain_conns, _) = keep_alive_server(1_000).await;
    let plain = CheckSpec::new(plain_addr, Probe::Http(HttpCheck::default()));
    for _ in 0..3 {
        assert_pass(
            &prober
                .probe(&plain, Instant::now() + Duration::from_secs(2))
                .await,
        );
    }
    assert_eq!(plain_conns.load(Ordering::SeqCst), 3);
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reuse_connection_retries_once_on_a_closed_idle_connection() {
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    use healthcheck::CheckSpec;
    use healthcheck::probe::Prober;
    use tokio::io::AsyncWriteExt;

    // Answers one request per connection but without `Connection: close`,
    // then closes: the kept connection is dead when reused.
    let conns = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = std::sync::Arc::clone(&conns);
    let addr = servers::serve(move |mut s| {
        let conns = std::sync::Arc::clone(&c2);
        async move {
            conns.fetch_add(1, Ordering::SeqCst);
            let _ = servers::read_request(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    })
    .await;
    let check = HttpCheck {
        reuse_connection: true,
        ..HttpCheck::default()
    };
    let spec = CheckSpec::new(addr, Probe::Http(check));
    let prober = Prober::new();
    for _ in 0..4 {
        assert_pass(
            &prober
                .probe(&spec, Instant::now() + Duration::from_secs(2))
                .await,
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(conns.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_connection_per_check_on_a_socket_kept_between_checks() {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use healthcheck::CheckSpec;
    use healthcheck::probe::Prober;
    use healthcheck::spec::Connect;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // Answers each connection once and closes it; records where each came
    // from.
    let peers: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
    let seen = Arc::clone(&peers);
    let addr = servers::serve(move |mut s| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock().unwrap().push(s.peer_addr().unwrap());
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    })
    .await;
    let prober = Prober::new();
    let probe = |to: SocketAddr, connect: Connect| {
        let spec = CheckSpec::new(
            to,
            Probe::Http(HttpCheck {
                connect,
                ..HttpCheck::default()
            }),
        );
        let prober = &prober;
        async move {
            prober
                .probe(&spec, Instant::now() + Duration::from_secs(2))
                .await
        }
    };
    for _ in 0..5 {
        assert_pass(&probe(addr, Connect::default()).await);
    }
    // Five connections (five source ports), one socket.
    let mut ports: Vec<u16> = peers.lock().unwrap().iter().map(|p| p.port()).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 5, "{:?}", peers.lock().unwrap());
    assert_eq!(prober.free_sockets(), 1);

    // A check from another source address has a socket of its own, bound
    // there at each of its connections.
    let bound = Connect {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        ..Connect::default()
    };
    for _ in 0..2 {
        assert_pass(&probe(addr, bound.clone()).await);
    }
    assert_eq!(prober.free_sockets(), 2);
    assert!(
        peers.lock().unwrap()[5..]
            .iter()
            .all(|p| p.ip() == bound.bind_ip.unwrap())
    );

    // A refused connection on a kept socket is refused (no readiness left
    // over from its last connection), and that socket is closed.
    let closed = servers::closed_port().await;
    assert_fail(&probe(closed, Connect::default()).await, FailKind::Connect);
    assert_eq!(prober.free_sockets(), 1);
    // A server that closes without an answer fails the check; its socket
    // is closed too. The next check opens a new one.
    let (mute, _) = servers::canned(b"", true).await;
    assert_fail(&probe(mute, Connect::default()).await, FailKind::Reply);
    assert_eq!(prober.free_sockets(), 1);
    assert_pass(&probe(addr, Connect::default()).await);
    assert_pass(&probe(addr, Connect::default()).await);
    assert_eq!(prober.free_sockets(), 2);
}
