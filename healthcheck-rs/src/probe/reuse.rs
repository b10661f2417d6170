//! Sockets kept between checks: a connection per check, without a socket
//! per check.
//!
//! A check that opens a connection each time (keepalived's `HTTP_GET`,
//! `SSL_GET` and `SMTP_CHECK`, HAProxy's `option httpchk`, `tcp-check` and
//! protocol checks, agents) pays, besides the connection itself, for a
//! socket's whole life: `socket()`, its options, `bind()`, and at `close()`
//! the file, inode and socket teardown. Once a check is done, a TCP socket
//! can instead be disconnected (`connect()` to an `AF_UNSPEC` address: the
//! kernel resets the connection exactly as a close with `SO_LINGER` 0 does)
//! and connected again to the next server, keeping its options and source
//! address; the kernel picks a new source port each time. The wire sees the
//! same packets; the director saves about a sixth of the CPU of such a check
//! (`benches/vs_haproxy.rs`).
//!
//! Free sockets are kept per (family, source address, mark), at most
//! [`MAX_FREE`] each, outside any runtime's reactor (registered for the
//! duration of one check), so that a [`Prober`](super::Prober) outlives the
//! runtimes it is used on. A socket goes back only from a check that ended
//! well ([`Sockets::recycle`]; TLS connections and `tcp-check` sequences
//! close theirs); a failed or timed-out check drops its socket, which closes
//! it.
#![allow(unsafe_code)] // two calls: the AF_UNSPEC address and the reactor registration

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use socket2::{SockAddr, SockAddrStorage, Socket};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

use super::conn::socket;
use super::io_failure;
use crate::outcome::Outcome;
use crate::spec::Connect;

/// Most free sockets kept per (family, source address, mark): enough for
/// the checks in flight at once at thousands a second.
pub(super) const MAX_FREE: usize = 256;

/// What a free socket must match to serve a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    v6: bool,
    bind_ip: Option<IpAddr>,
    fwmark: Option<u32>,
}

impl Key {
    /// `None` for checks whose socket cannot be shared: a fixed source
    /// port (`bind_port`) is a property of one connection.
    fn of(to: SocketAddr, c: &Connect) -> Option<Self> {
        c.bind_port.is_none().then_some(Self {
            v6: to.is_ipv6(),
            bind_ip: c.bind_ip,
            fwmark: c.fwmark,
        })
    }
}

/// The free sockets of a [`Prober`](super::Prober).
#[derive(Debug, Default)]
pub(crate) struct Sockets {
    free: Mutex<rustc_hash::FxHashMap<Key, Vec<Socket>>>,
}

impl Sockets {
    /// Free sockets held now.
    pub(crate) fn free(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, rustc_hash::FxHashMap<Key, Vec<Socket>>> {
        self.free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Connects to `c.to`, or else `target`, on a free socket if there is
    /// one. `sending`: the check speaks first (an HTTP request, a TLS
    /// ClientHello, a `tcp-check send`): the handshake's last ACK is then
    /// held back and rides on the first data segment, one packet fewer per
    /// check, as HAProxy does for checks that send first. Never for
    /// protocols where the server speaks first: its banner would wait for
    /// the delayed ACK.
    pub(crate) async fn connect(
        &self,
        target: SocketAddr,
        c: &Connect,
        sending: bool,
    ) -> Result<Conn, Outcome> {
        let to = c.to.unwrap_or(target);
        let key = Key::of(to, c);
        let free = key.and_then(|k| self.lock().get_mut(&k).and_then(Vec::pop));
        let kept = free.is_some();
        let sock = match free {
            Some(s) => s,
            None => socket(to, c)?,
        };
        if sending {
            // Best effort: without it the handshake ends with an ACK of its own.
            let _ = sock.set_tcp_quickack(false);
        } else if kept {
            // The kernel forgets the delayed-ACK mode at the disconnect; say
            // so anyway, since a banner must not wait for a held-back ACK.
            let _ = sock.set_tcp_quickack(true);
        }
        let failed = |e: io::Error| io_failure(&format!("connect to {to}"), &e);
        let connecting = match sock.connect(&to.into()) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => true,
            Err(e) => return Err(failed(e)),
        };
        // SAFETY: the socket owns its descriptor, and the AsyncFd owns the
        // socket: the descriptor stays open and the same while registered.
        let fd = unsafe {
            AsyncFd::register_with_interest(sock, Interest::READABLE | Interest::WRITABLE)
        }
        .map_err(|e| failed(e.into()))?;
        if connecting {
            loop {
                let mut ready = fd.writable().await.map_err(failed)?;
                if let Some(e) = fd.get_ref().take_error().map_err(failed)? {
                    return Err(failed(e));
                }
                // Writable and no error means connected; asked anyway, so
                // that nothing left from a socket's earlier connection can
                // pass for this one.
                match fd.get_ref().peer_addr() {
                    Ok(_) => break,
                    Err(e) if e.raw_os_error() == Some(nix::libc::ENOTCONN) => {
                        ready.clear_ready();
                    }
                    Err(e) => return Err(failed(e)),
                }
            }
        }
        Ok(Conn { fd, key })
    }

    /// Takes back a connection whose check ended well: disconnected (a
    /// reset, as at close), it waits for the next check.
    pub(crate) fn recycle(&self, conn: Conn) {
        let Some(key) = conn.key else {
            return;
        };
        let sock = conn.fd.into_inner();
        if disconnect(&sock).is_err() {
            return;
        }
        let mut free = self.lock();
        let list = free.entry(key).or_default();
        if list.len() < MAX_FREE {
            list.push(sock);
        }
    }
}

/// Ends `sock`'s connection (a reset if it was up) and clears the error
/// that leaves, so that the socket can connect again.
fn disconnect(sock: &Socket) -> io::Result<()> {
    // SAFETY: a zeroed sockaddr_storage is a valid address of family 0
    // (AF_UNSPEC), and its length is within the storage.
    let unspec = unsafe {
        SockAddr::new(
            SockAddrStorage::zeroed(),
            std::mem::size_of::<nix::libc::sockaddr>() as nix::libc::socklen_t,
        )
    };
    sock.connect(&unspec)?;
    // The reset leaves ECONNRESET pending; reading it clears it.
    let _ = sock.take_error()?;
    Ok(())
}

/// A connection on a socket that may go back to [`Sockets`] afterwards.
#[derive(Debug)]
pub(crate) struct Conn {
    fd: AsyncFd<Socket>,
    key: Option<Key>,
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut ready = ready!(self.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match ready.try_io(|fd| {
                let mut sock: &Socket = fd.get_ref();
                sock.read(unfilled)
            }) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => {}
            }
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut ready = ready!(self.fd.poll_write_ready(cx))?;
            match ready.try_io(|fd| {
                let mut sock: &Socket = fd.get_ref();
                sock.write(data)
            }) {
                Ok(r) => return Poll::Ready(r),
                Err(_would_block) => {}
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.fd.get_ref().shutdown(std::net::Shutdown::Write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Connect;
    use std::io::ErrorKind;
    use tokio::io::AsyncWriteExt;

    /// Whether the listener has a connection to accept now, without waiting.
    fn acceptable(l: &std::net::TcpListener) -> bool {
        match l.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        }
    }

    /// Whether the listener gets a connection to accept within a second
    /// (loopback delivers at once unless the kernel defers its work).
    async fn accepts_soon(l: &std::net::TcpListener) -> bool {
        for _ in 0..200 {
            if acceptable(l) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        false
    }

    /// The server only has a connection to accept once the handshake's last
    /// ACK arrived: right after `connect` returns, but for a check that
    /// speaks first only once the first data (carrying the ACK) went out.
    /// The held-back ACK leaves on a 200 ms timer, so a run slowed that long
    /// between two system calls tries again (at most 5 times).
    #[tokio::test]
    async fn the_handshake_ack_rides_on_the_first_data() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let to = l.local_addr().unwrap();
        let sockets = Sockets::default();
        let plain = sockets
            .connect(to, &Connect::default(), false)
            .await
            .unwrap();
        assert!(
            accepts_soon(&l).await,
            "a plain connect completes the handshake"
        );
        drop(plain);
        let mut held_back = false;
        for _ in 0..5 {
            let mut s = sockets
                .connect(to, &Connect::default(), true)
                .await
                .unwrap();
            if acceptable(&l) {
                continue;
            }
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
            assert!(
                accepts_soon(&l).await,
                "the request carried the handshake's ACK"
            );
            held_back = true;
            break;
        }
        assert!(held_back, "the handshake's last ACK was never held back");
    }
}
