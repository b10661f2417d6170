//! Sockets kept between checks: a connection per check, without a socket
//! per check.
//!
//! A check that opens a connection each time (keepalived's `HTTP_GET`,
//! HAProxy's `option httpchk`) pays, besides the connection itself, for a
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
//! well ([`Conn::recycle`]); a failed or timed-out check drops its socket,
//! which closes it.
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
    /// one. `sending`: the check speaks first (see
    /// [`connect_sending`](super::conn::connect_sending)).
    pub(crate) async fn connect(
        &self,
        target: SocketAddr,
        c: &Connect,
        sending: bool,
    ) -> Result<Conn, Outcome> {
        let to = c.to.unwrap_or(target);
        let key = Key::of(to, c);
        let free = key.and_then(|k| self.lock().get_mut(&k).and_then(Vec::pop));
        let sock = match free {
            Some(s) => s,
            None => socket(to, c)?,
        };
        if sending {
            // Best effort: without it the handshake ends with an ACK of its own.
            let _ = sock.set_tcp_quickack(false);
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
                // Writable and no error: connected, unless the socket was
                // merely reported writable before the handshake ended.
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
