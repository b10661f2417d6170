//! Probes over one TCP (or TLS) connection: SMTP, agent, `tcp-check`
//! sequences, and HAProxy's protocol checks.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Prober, io_failure, tls};
use crate::outcome::{FailKind, Outcome};
use crate::reply::{Mismatch, agent, proto, show, smtp};
use crate::spec::{AgentCheck, Connect, SmtpCheck, SmtpHello, TcpRule, TcpSeq};

/// A byte stream: TCP or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Longest reply any stream probe keeps.
const MAX_REPLY: usize = 64 * 1024;

/// Reads once into `buf`; `Ok(0)` at end of stream.
pub(crate) async fn read_some(
    s: &mut (impl AsyncRead + Unpin + ?Sized),
    buf: &mut Vec<u8>,
    max: usize,
    peer: SocketAddr,
) -> Result<usize, Outcome> {
    if buf.len() >= max {
        return Err(Outcome::fail(
            FailKind::Reply,
            format!("reply from {peer} is longer than {max} bytes"),
        ));
    }
    // Read straight into the buffer: no chunk on the stack keeps every
    // probe's future small. The first read takes up to 2 KiB (most replies
    // fit), later ones as much as was read before (up to 16 KiB): no large
    // allocation per check for a short reply.
    let room = (max - buf.len()).min(buf.len().clamp(2048, 16 * 1024));
    buf.reserve(room);
    let limit = u64::try_from(room).unwrap_or(u64::MAX);
    (&mut *s)
        .take(limit)
        .read_buf(buf)
        .await
        .map_err(|e| io_failure(&format!("read from {peer}"), &e))
}

/// Reads until `parse` finds a complete reply.
pub(crate) async fn read_parsed<T>(
    s: &mut (impl AsyncRead + Unpin + ?Sized),
    buf: &mut Vec<u8>,
    peer: SocketAddr,
    mut parse: impl FnMut(&[u8]) -> Result<Option<T>, Mismatch>,
) -> Result<T, Outcome> {
    loop {
        if let Some(v) = parse(buf)? {
            return Ok(v);
        }
        if read_some(s, buf, MAX_REPLY, peer).await? == 0 {
            return Err(Outcome::fail(
                FailKind::Reply,
                format!(
                    "{peer} closed the connection before a complete reply (got {:?})",
                    show(buf)
                ),
            ));
        }
    }
}

async fn write(
    s: &mut (impl AsyncWrite + Unpin + ?Sized),
    data: &[u8],
    peer: SocketAddr,
) -> Result<(), Outcome> {
    s.write_all(data)
        .await
        .map_err(|e| io_failure(&format!("write to {peer}"), &e))?;
    s.flush()
        .await
        .map_err(|e| io_failure(&format!("write to {peer}"), &e))
}

fn done(b: bool) -> Option<()> {
    b.then_some(())
}

/// `SMTP_CHECK` / `smtpchk`: a 220 banner, then `HELO`/`EHLO` answered 250.
pub(crate) async fn smtp(
    prober: &Prober,
    target: SocketAddr,
    check: &SmtpCheck,
) -> Result<Outcome, Outcome> {
    let peer = check.connect.to.unwrap_or(target);
    let mut s = prober
        .sockets
        .connect(target, &check.connect, false)
        .await?;
    let mut buf = Vec::new();
    let banner = read_parsed(&mut s, &mut buf, peer, smtp::parse).await?;
    smtp::expect(&banner, "SMTP banner (expected 220)", |c| c == 220)?;
    buf.drain(..banner.consumed);
    let verb = match check.hello {
        SmtpHello::Helo => "HELO",
        SmtpHello::Ehlo => "EHLO",
    };
    write(
        &mut s,
        format!("{verb} {}\r\n", check.name).as_bytes(),
        peer,
    )
    .await?;
    let reply = read_parsed(&mut s, &mut buf, peer, smtp::parse).await?;
    smtp::expect(&reply, &format!("SMTP {verb} (expected 250)"), |c| c == 250)?;
    // Say goodbye; the verdict does not depend on it.
    let _ = s.write_all(b"QUIT\r\n").await;
    prober.sockets.recycle(s);
    Ok(Outcome::pass())
}

/// HAProxy `agent-check`: one line from the agent sets state and weight.
pub(crate) async fn agent(
    prober: &Prober,
    target: SocketAddr,
    check: &AgentCheck,
) -> Result<Outcome, Outcome> {
    let peer = check.connect.to.unwrap_or(target);
    let sending = check.send.is_some();
    let mut s = prober
        .sockets
        .connect(target, &check.connect, sending)
        .await?;
    if let Some(send) = &check.send {
        write(&mut s, send, peer).await?;
    }
    let mut buf = Vec::new();
    loop {
        if buf.contains(&b'\n') {
            break;
        }
        if read_some(&mut s, &mut buf, agent::MAX_REPLY + 1, peer).await? == 0 {
            break;
        }
    }
    let reply = agent::parse(&buf)?;
    prober.sockets.recycle(s);
    Ok(reply.outcome())
}

/// HAProxy `tcp-check` rules, in order. Rules before the first `connect`
/// use an implicit connection to the target.
pub(crate) async fn tcp_seq(
    prober: &Prober,
    target: SocketAddr,
    seq: &TcpSeq,
) -> Result<Outcome, Outcome> {
    let mut stream: Option<Box<dyn Io>> = None;
    let mut buf = Vec::new();
    let base = seq.connect.to.unwrap_or(target);
    let mut peer = base;
    // A connection whose next rule sends, or that starts TLS, speaks first.
    let sends_next = |i: usize| matches!(seq.rules.get(i), Some(TcpRule::Send(_)));
    if !matches!(seq.rules.first(), Some(TcpRule::Connect { .. })) {
        let tcp = prober
            .sockets
            .connect(target, &seq.connect, sends_next(0))
            .await?;
        stream = Some(Box::new(tcp));
    }
    for (i, rule) in seq.rules.iter().enumerate() {
        let step = i + 1;
        match rule {
            TcpRule::Connect { port, tls: t } => {
                peer = SocketAddr::new(base.ip(), port.unwrap_or(base.port()));
                let c = Connect {
                    to: Some(peer),
                    ..seq.connect.clone()
                };
                let sending = t.is_some() || sends_next(step);
                let tcp = prober.sockets.connect(target, &c, sending).await?;
                stream = Some(match t {
                    Some(t) => Box::new(tls::wrap(prober, tcp, t, peer.ip()).await?),
                    None => Box::new(tcp),
                });
                buf.clear();
            }
            TcpRule::Send(data) => {
                let s = stream.as_mut().ok_or_else(|| no_conn(step))?;
                write(s.as_mut(), data, peer).await?;
            }
            TcpRule::Expect { negate, pattern } => {
                let s = stream.as_mut().ok_or_else(|| no_conn(step))?;
                if *negate {
                    if buf.is_empty() {
                        read_some(s.as_mut(), &mut buf, MAX_REPLY, peer).await?;
                    }
                    if proto::tcp_expect(&buf, pattern)? {
                        return Err(Outcome::fail(
                            FailKind::Reply,
                            format!(
                                "tcp-check step {step}: got {pattern:?}, which must not come: {}",
                                show(&buf)
                            ),
                        ));
                    }
                } else {
                    read_parsed(s.as_mut(), &mut buf, peer, |b| {
                        proto::tcp_expect(b, pattern).map(done)
                    })
                    .await
                    .map_err(|o| step_failure(step, o))?;
                }
                buf.clear();
            }
        }
    }
    Ok(Outcome::pass())
}

fn no_conn(step: usize) -> Outcome {
    Outcome::fail(
        FailKind::Setup,
        format!("tcp-check step {step} needs a connection"),
    )
}

fn step_failure(step: usize, o: Outcome) -> Outcome {
    match o.verdict {
        crate::Verdict::Fail { kind, detail } => {
            Outcome::fail(kind, format!("tcp-check step {step}: {detail}"))
        }
        crate::Verdict::Pass => o,
    }
}

/// `redis-check`: `PING` answered `+PONG`.
pub(crate) async fn redis(
    prober: &Prober,
    target: SocketAddr,
    c: &Connect,
) -> Result<Outcome, Outcome> {
    let peer = c.to.unwrap_or(target);
    let mut s = prober.sockets.connect(target, c, true).await?;
    write(&mut s, proto::REDIS_PING, peer).await?;
    let mut buf = Vec::new();
    read_parsed(&mut s, &mut buf, peer, |b| proto::redis_reply(b).map(done)).await?;
    prober.sockets.recycle(s);
    Ok(Outcome::pass())
}

/// `pgsql-check`: a startup message answered by an authentication request.
pub(crate) async fn pgsql(
    prober: &Prober,
    target: SocketAddr,
    c: &Connect,
    user: &str,
) -> Result<Outcome, Outcome> {
    let peer = c.to.unwrap_or(target);
    let mut s = prober.sockets.connect(target, c, true).await?;
    write(&mut s, &proto::pgsql_startup(user), peer).await?;
    let mut buf = Vec::new();
    read_parsed(&mut s, &mut buf, peer, |b| proto::pgsql_reply(b).map(done)).await?;
    prober.sockets.recycle(s);
    Ok(Outcome::pass())
}

/// `mysql-check`: the server's handshake, and with a user a login.
pub(crate) async fn mysql(
    prober: &Prober,
    target: SocketAddr,
    c: &Connect,
    user: Option<&str>,
) -> Result<Outcome, Outcome> {
    let peer = c.to.unwrap_or(target);
    let mut s = prober.sockets.connect(target, c, false).await?;
    let mut buf = Vec::new();
    let used = read_parsed(&mut s, &mut buf, peer, |b| {
        Ok(match proto::mysql_packet(b)? {
            Some((_, payload, used)) => {
                proto::mysql_handshake(payload)?;
                Some(used)
            }
            None => None,
        })
    })
    .await?;
    let Some(user) = user else {
        prober.sockets.recycle(s);
        return Ok(Outcome::pass());
    };
    buf.drain(..used);
    write(&mut s, &proto::mysql_login(user), peer).await?;
    read_parsed(&mut s, &mut buf, peer, |b| {
        Ok(match proto::mysql_packet(b)? {
            Some((_, payload, _)) => Some(proto::mysql_login_reply(payload)?),
            None => None,
        })
    })
    .await?;
    prober.sockets.recycle(s);
    Ok(Outcome::pass())
}

/// `ssl-hello-chk`: a ClientHello answered by a TLS record.
pub(crate) async fn ssl_hello(
    prober: &Prober,
    target: SocketAddr,
    c: &Connect,
) -> Result<Outcome, Outcome> {
    let peer = c.to.unwrap_or(target);
    let mut s = prober.sockets.connect(target, c, true).await?;
    let mut random = [0u8; 32];
    random.iter_mut().for_each(|b| *b = fastrand::u8(..));
    write(&mut s, &proto::ssl_client_hello(random), peer).await?;
    let mut buf = Vec::new();
    read_parsed(&mut s, &mut buf, peer, |b| {
        proto::ssl_hello_reply(b).map(done)
    })
    .await?;
    prober.sockets.recycle(s);
    Ok(Outcome::pass())
}
