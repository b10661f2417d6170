//! Real servers on loopback for the probes to talk to. Each runs as tokio
//! tasks that end with the test's runtime; every accept loop serves a
//! bounded number of connections.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{RData, Record, RecordType, rdata::A};
use hickory_proto::serialize::binary::BinDecodable;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// Most connections any test server accepts.
const MAX_CONNS: usize = 10_000;

/// Requests a server saw, for assertions.
#[derive(Clone, Default)]
pub(crate) struct Seen(Arc<Mutex<Vec<Vec<u8>>>>);

impl Seen {
    pub(crate) fn push(&self, b: Vec<u8>) {
        self.0.lock().unwrap().push(b);
    }
    pub(crate) fn all(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
    pub(crate) fn text(&self) -> Vec<String> {
        self.all()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}

pub(crate) async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// A port where nothing listens (bound then closed).
pub(crate) async fn closed_port() -> SocketAddr {
    let l = listen().await;
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

/// Accepts connections and handles each with `f` in its own task.
pub(crate) async fn serve<F, Fut>(f: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = listen().await;
    let addr = l.local_addr().unwrap();
    let f = Arc::new(f);
    tokio::spawn(async move {
        for _ in 0..MAX_CONNS {
            let Ok((s, _)) = l.accept().await else { return };
            let f = Arc::clone(&f);
            tokio::spawn(async move { f(s).await });
        }
    });
    addr
}

/// Reads until the end of an HTTP request head (and a body of
/// Content-Length bytes).
pub(crate) async fn read_request<S: AsyncReadExt + Unpin>(s: &mut S) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..1000 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf
}

/// An HTTP/1.x server answering every request with `respond(request)`, then
/// closing.
pub(crate) async fn http(
    respond: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static,
) -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let seen2 = seen.clone();
    let respond = Arc::new(respond);
    let addr = serve(move |mut s| {
        let respond = Arc::clone(&respond);
        let seen = seen2.clone();
        async move {
            let req = read_request(&mut s).await;
            let resp = respond(&req);
            seen.push(req);
            let _ = s.write_all(&resp).await;
            let _ = s.shutdown().await;
        }
    })
    .await;
    (addr, seen)
}

/// A full response with a Content-Length.
pub(crate) fn response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nServer: lbkit-test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A certificate authority and a server certificate it signed for
/// `localhost` and 127.0.0.1, made in the test.
pub(crate) struct Pki {
    pub(crate) ca_pem: String,
    pub(crate) cert: CertificateDer<'static>,
    pub(crate) key: PrivateKeyDer<'static>,
}

pub(crate) fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca_cert, &ca_key).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// An HTTPS server with `pki`'s certificate; records each request's SNI.
pub(crate) async fn https(pki: &Pki, body: &'static str) -> (SocketAddr, Seen) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.cert.clone()], pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let sni = Seen::default();
    let sni2 = sni.clone();
    let addr = serve(move |s| {
        let acceptor = acceptor.clone();
        let sni = sni2.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(s).await else {
                return;
            };
            let name = tls.get_ref().1.server_name().unwrap_or("").to_owned();
            sni.push(name.into_bytes());
            let _req = read_request(&mut tls).await;
            let _ = tls.write_all(&response("200 OK", body)).await;
            let _ = tls.shutdown().await;
        }
    })
    .await;
    (addr, sni)
}

/// Writes `reply` on connect (after reading one request line when
/// `read_first`), then closes.
pub(crate) async fn canned(reply: &'static [u8], read_first: bool) -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let seen2 = seen.clone();
    let addr = serve(move |mut s| {
        let seen = seen2.clone();
        async move {
            if read_first {
                let mut buf = [0u8; 4096];
                if let Ok(n) = s.read(&mut buf).await {
                    seen.push(buf[..n].to_vec());
                }
            }
            let _ = s.write_all(reply).await;
            let _ = s.shutdown().await;
        }
    })
    .await;
    (addr, seen)
}

/// Accepts and never answers, keeping connections open.
pub(crate) async fn silent() -> SocketAddr {
    serve(|mut s| async move {
        let mut buf = [0u8; 1024];
        // Holds the connection until the client goes away.
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await
}

/// A tiny SMTP server: banner, then 250 to HELO/EHLO, 221 to QUIT.
pub(crate) async fn smtp(banner: &'static str) -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let seen2 = seen.clone();
    let addr = serve(move |mut s| {
        let seen = seen2.clone();
        async move {
            let _ = s.write_all(banner.as_bytes()).await;
            let mut buf = [0u8; 1024];
            for _ in 0..4 {
                let Ok(n) = s.read(&mut buf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                let line = buf[..n].to_vec();
                seen.push(line.clone());
                let reply: &[u8] = if line.starts_with(b"EHLO") {
                    b"250-test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                } else if line.starts_with(b"HELO") {
                    b"250 test.example\r\n"
                } else if line.starts_with(b"QUIT") {
                    b"221 bye\r\n"
                } else {
                    b"500 what\r\n"
                };
                let _ = s.write_all(reply).await;
            }
        }
    })
    .await;
    (addr, seen)
}

/// A DNS responder on a UDP loopback socket: `A` for `*.example.test`,
/// NXDOMAIN otherwise.
pub(crate) async fn dns() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = s.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        for _ in 0..MAX_CONNS {
            let Ok((n, from)) = s.recv_from(&mut buf).await else {
                return;
            };
            let Ok(q) = Message::from_bytes(&buf[..n]) else {
                continue;
            };
            let mut r = Message::new();
            r.set_id(q.id())
                .set_message_type(MessageType::Response)
                .set_op_code(q.op_code());
            r.add_queries(q.queries().to_vec());
            match q.queries().first() {
                Some(query)
                    if query.name().to_ascii().ends_with("example.test.")
                        && query.query_type() == RecordType::A =>
                {
                    r.add_answer(Record::from_rdata(
                        query.name().clone(),
                        60,
                        RData::A(A::new(127, 0, 0, 1)),
                    ));
                }
                _ => {
                    r.set_response_code(ResponseCode::NXDomain);
                }
            }
            let _ = s.send_to(&r.to_vec().unwrap(), from).await;
        }
    });
    addr
}

/// A UDP echo server.
pub(crate) async fn udp_echo() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = s.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        for _ in 0..MAX_CONNS {
            let Ok((n, from)) = s.recv_from(&mut buf).await else {
                return;
            };
            let _ = s.send_to(&buf[..n], from).await;
        }
    });
    addr
}
