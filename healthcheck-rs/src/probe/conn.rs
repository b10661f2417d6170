//! TCP sockets the way keepalived's checkers open them: optional source
//! address and port, optional `SO_MARK`; and the half-open TCP check.

use std::net::SocketAddr;

use nix::sys::socket::sockopt::IpBindAddressNoPort;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpSocket;

use super::io_failure;
use crate::outcome::Outcome;
use crate::spec::Connect;

/// The plain TCP check, done as HAProxy does it: with delayed ACKs the
/// handshake's last ACK is held back, so closing with a reset once the
/// server's SYN-ACK arrived ends the connection before the server's
/// application ever sees it (SYN, SYN-ACK, RST). The server's port is
/// proven open just the same, at a fraction of the cost on both sides.
pub(crate) async fn half_open(target: SocketAddr, c: &Connect) -> Result<(), Outcome> {
    let to = c.to.unwrap_or(target);
    let sock = socket(to, c)?;
    // Best effort: without it the check is a full handshake, still valid.
    let _ = sock.set_tcp_quickack(false);
    let sock = TcpSocket::from_std_stream(sock.into());
    sock.connect(to)
        .await
        .map(drop)
        .map_err(|e| io_failure(&format!("connect to {to}"), &e))
}

/// A non-blocking socket for `to` with `c`'s options.
pub(super) fn socket(to: SocketAddr, c: &Connect) -> Result<Socket, Outcome> {
    let setup = |what: &str, e: std::io::Error| io_failure(&format!("{what} for {to}"), &e);
    // Non-blocking from creation (SOCK_NONBLOCK): no extra fcntl calls.
    let sock = Socket::new(
        Domain::for_address(to),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )
    .map_err(|e| setup("cannot create a socket", e))?;
    if let Some(mark) = c.fwmark {
        sock.set_mark(mark).map_err(|e| {
            setup(
                &format!("cannot set SO_MARK {mark} (needs CAP_NET_ADMIN)"),
                e,
            )
        })?;
    }
    // Close with a reset, as HAProxy's checks do: thousands of checks a
    // second would otherwise fill the director with TIME_WAIT sockets and
    // exhaust its ephemeral ports.
    sock.set_linger(Some(std::time::Duration::ZERO))
        .map_err(|e| setup("cannot set SO_LINGER", e))?;
    if c.bind_ip.is_some() || c.bind_port.is_some() {
        if c.bind_port.is_none() {
            // Let connect() pick the source port by the full 4-tuple, so a
            // fixed source address does not limit checks to one port each.
            let _ = nix::sys::socket::setsockopt(&sock, IpBindAddressNoPort, &true);
        }
        let ip = c.bind_ip.unwrap_or(match to {
            SocketAddr::V4(_) => [0, 0, 0, 0].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        });
        let local = SocketAddr::new(ip, c.bind_port.unwrap_or(0));
        if c.bind_port.is_some() {
            sock.set_reuse_address(true)
                .map_err(|e| setup("cannot set SO_REUSEADDR", e))?;
        }
        sock.bind(&local.into())
            .map_err(|e| setup(&format!("cannot bind to {local}"), e))?;
    }
    Ok(sock)
}
