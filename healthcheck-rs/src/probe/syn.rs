//! SYN probes: the plain TCP check as a port scanner does it.
//!
//! A [`Probe::Tcp`](crate::Probe::Tcp) check only needs to know whether the
//! server answers a SYN with a SYN-ACK (open) or a RST (closed). Sending that
//! SYN from a raw socket skips everything `connect()` costs on our side (a
//! socket, its options, bind, the connection state, epoll, close), which on
//! loopback is most of a check's CPU. The SYN-ACK reaches no socket of ours,
//! so our kernel answers it with a RST itself, and the server forgets the
//! half-open connection as it does after HAProxy's checks.
//!
//! - One raw `IPPROTO_TCP` socket per source address (`bindto`, or the
//!   route's source address), bound to it so that the kernel hands it only
//!   packets to that address, with `IP_HDRINCL` / `IPV6_HDRINCL` and a
//!   classic BPF filter that keeps only SYN-ACKs and RSTs to our source
//!   port: the host's other TCP traffic never wakes us.
//! - The source port is reserved by a TCP socket bound to it on the wildcard
//!   address (never listening): no `connect()` of this host can take it, and
//!   replies to it find no socket, which is what makes the kernel reset them.
//! - Every SYN has a random sequence number; a reply counts only if it comes
//!   from the probed address and port, to our address, and acknowledges
//!   exactly that number. Anything else (a reply after the probe's deadline,
//!   a forged or stray segment) is counted in [`SynStats::stray`] and
//!   ignored.
//! - Like the kernel's first SYN retransmission, a SYN is sent again once
//!   after [`RETRANSMIT`] if the deadline leaves time for it.
//!
//! It needs `CAP_NET_RAW`. Without it (or for checks with `fwmark`,
//! `bind_port`, or an IPv4-mapped IPv6 target) TCP checks use `connect()`,
//! and [`Prober::syn_stats`](super::Prober::syn_stats) says why.
//! ICMP errors (host unreachable) are not read: such a check fails at its
//! deadline instead of early.
// The IO edge reads the clock (retransmissions, deadlines, route cache).
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::AsRawFd;

use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg,
};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::io_failure;
use crate::outcome::{FailKind, Outcome};
use crate::sched::AttemptId;

mod packet;
mod table;

use packet::{ReplyKind, Syn};
use table::{Fire, Key, Launched, Table, Timers, Waiter};

/// A SYN without an answer is sent again after this long (the kernel's
/// initial retransmission timeout).
pub const RETRANSMIT: Duration = Duration::from_secs(1);

/// How long a route's source address is trusted before it is looked up
/// again.
const ROUTE_TTL: Duration = Duration::from_secs(10);
/// Most source addresses (raw sockets) per family.
const MAX_SOURCES: usize = 1024;
/// Most destinations whose source address is remembered.
const ROUTE_CACHE: usize = 65_536;

/// What the SYN probes did, and why some TCP checks use `connect()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SynStats {
    /// Whether SYN probes were set up (at the first TCP check); before that
    /// the fallback reasons are unknown.
    pub started: bool,
    /// Why IPv4 TCP checks use `connect()`; `None` when they use SYN probes.
    pub ipv4_fallback: Option<String>,
    /// Why IPv6 TCP checks use `connect()`; `None` when they use SYN probes.
    pub ipv6_fallback: Option<String>,
    /// The source port of IPv4 SYN probes (reserved on every address; a
    /// firewall must let replies to it in).
    pub ipv4_port: Option<u16>,
    /// The source port of IPv6 SYN probes.
    pub ipv6_port: Option<u16>,
    /// SYNs sent, retransmissions included.
    pub sent: u64,
    /// SYN-ACKs that passed a check.
    pub open: u64,
    /// RSTs that failed a check.
    pub refused: u64,
    /// Replies that matched no probe in flight (late, forged or stray);
    /// ignored.
    pub stray: u64,
}

/// The sockets and the probes in flight.
pub(crate) struct Engine {
    v4: Result<Family, String>,
    v6: Result<Family, String>,
    pending: Mutex<Table>,
    /// Retransmissions and deadlines of batch probes.
    timers: Mutex<Timers>,
    /// One receive task per raw socket.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    routes: Mutex<HashMap<IpAddr, (Instant, IpAddr)>>,
    sent: AtomicU64,
    open: AtomicU64,
    refused: AtomicU64,
    stray: AtomicU64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// One family's raw sockets and the port its probes come from.
struct Family {
    v6: bool,
    /// One raw socket per source address, bound to it: the kernel then
    /// hands it only packets to that address (an unbound raw socket gets a
    /// copy of every TCP packet of the host before its filter runs). Each is
    /// driven through tokio's datagram socket: `send_to` and `recv_from`
    /// mean the same on a raw socket (the port of the addresses is 0), and
    /// it needs no `unsafe` registration.
    raws: Mutex<HashMap<IpAddr, Arc<UdpSocket>>>,
    port: u16,
    /// Holds `port` so that nothing else on this host uses it.
    _reserved: Socket,
}

/// Where a batch's outcomes go: the runner's result channel.
pub(crate) type Done = mpsc::UnboundedSender<(AttemptId, Outcome)>;

/// A probe to start with [`Engine::launch`].
pub(crate) struct Launch {
    pub attempt: AttemptId,
    /// The check's target, for messages.
    pub target: SocketAddr,
    /// Where the SYN goes (`connect_ip`/`connect_port`, or the target).
    pub to: SocketAddr,
    pub bind: Option<IpAddr>,
    pub timeout: Duration,
    pub deadline: Instant,
}

/// The engine and its receive tasks, which stop when this is dropped.
pub(crate) struct Running {
    pub(super) engine: Arc<Engine>,
}

impl Running {
    /// The tasks died (their runtime shut down): start again.
    pub(super) fn is_stale(&self) -> bool {
        lock(&self.engine.tasks).iter().any(JoinHandle::is_finished)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in lock(&self.engine.tasks).iter() {
            t.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    /// Opens the sockets and starts a receive task per family; must run
    /// inside a tokio runtime. `Err` says why neither family can send SYN
    /// probes.
    pub(super) fn start() -> Result<Running, String> {
        let engine = Arc::new(Self {
            v4: Family::open(false),
            v6: Family::open(true),
            pending: Mutex::default(),
            timers: Mutex::default(),
            tasks: Mutex::default(),
            routes: Mutex::default(),
            sent: AtomicU64::new(0),
            open: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            stray: AtomicU64::new(0),
        });
        if let (Err(a), Err(b)) = (&engine.v4, &engine.v6) {
            return Err(if a == b {
                a.clone()
            } else {
                format!("IPv4: {a}; IPv6: {b}")
            });
        }
        Ok(Running { engine })
    }

    fn family(&self, v6: bool) -> Option<&Family> {
        if v6 { &self.v6 } else { &self.v4 }.as_ref().ok()
    }

    /// Whether a SYN probe can reach `to`; else the check uses `connect()`.
    pub(crate) fn serves(&self, to: SocketAddr) -> bool {
        match to.ip() {
            IpAddr::V4(_) => self.v4.is_ok(),
            IpAddr::V6(a) => self.v6.is_ok() && a.to_ipv4_mapped().is_none(),
        }
    }

    pub(super) fn stats(&self) -> SynStats {
        SynStats {
            started: true,
            ipv4_fallback: self.v4.as_ref().err().cloned(),
            ipv6_fallback: self.v6.as_ref().err().cloned(),
            ipv4_port: self.v4.as_ref().ok().map(|f| f.port),
            ipv6_port: self.v6.as_ref().ok().map(|f| f.port),
            sent: self.sent.load(Ordering::Relaxed),
            open: self.open.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            stray: self.stray.load(Ordering::Relaxed),
        }
    }

    /// The raw socket for SYNs from `src`, opened (with its receive task)
    /// at first use.
    fn raw(
        self: &Arc<Self>,
        fam: &Family,
        src: IpAddr,
        to: SocketAddr,
    ) -> Result<Arc<UdpSocket>, Outcome> {
        let mut raws = lock(&fam.raws);
        if let Some(r) = raws.get(&src) {
            return Ok(Arc::clone(r));
        }
        if raws.len() >= MAX_SOURCES {
            return Err(Outcome::fail(
                FailKind::Setup,
                format!(
                    "cannot send a SYN from {src} to {to}: SYN probes already use {MAX_SOURCES} source addresses"
                ),
            ));
        }
        let raw = Arc::new(
            fam.bound(src)
                .map_err(|e| io_failure(&format!("cannot bind to {src} for {to}"), &e))?,
        );
        raws.insert(src, Arc::clone(&raw));
        drop(raws);
        let (e, r, v6, port) = (Arc::clone(self), Arc::clone(&raw), fam.v6, fam.port);
        lock(&self.tasks).push(tokio::spawn(async move { e.receive(v6, port, &r).await }));
        Ok(raw)
    }

    /// The source address of a SYN to `to`: `bind`, or the route's.
    fn source(&self, to: SocketAddr, bind: Option<IpAddr>) -> Result<IpAddr, Outcome> {
        match bind {
            Some(ip) if ip.is_ipv6() != to.is_ipv6() => Err(Outcome::fail(
                FailKind::Setup,
                format!("cannot bind to {ip} for {to}: not of the same address family"),
            )),
            Some(ip) => Ok(ip),
            None => self
                .source_for(to.ip())
                .map_err(|e| io_failure(&format!("connect to {to}"), &e)),
        }
    }

    /// Probes `to` from `bind` (or the route's source address): `Ok` on a
    /// SYN-ACK, a `Connect` failure on a RST. Runs until answered; the
    /// caller's deadline ends it (dropping it forgets the probe).
    pub(super) async fn probe(
        self: &Arc<Self>,
        to: SocketAddr,
        bind: Option<IpAddr>,
    ) -> Result<(), Outcome> {
        let Some(fam) = self.family(to.is_ipv6()) else {
            return Err(Outcome::fail(
                FailKind::Setup,
                format!("no raw socket for {to}"),
            ));
        };
        let src = self.source(to, bind)?;
        let raw = self.raw(fam, src, to)?;
        let (rx, guard) = self.register(to, src);
        let (buf, len) = fam.syn(src, to, guard.key.ack)?;
        let dest = raw_dest(to);
        let send = || async {
            raw.send_to(&buf[..len], dest)
                .await
                .map(|_| {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                })
                .map_err(|e| io_failure(&format!("connect to {to}"), &e))
        };
        send().await?;
        let mut rx = rx;
        let kind = match tokio::time::timeout(RETRANSMIT, &mut rx).await {
            Ok(r) => r,
            Err(_) => {
                send().await?;
                rx.await
            }
        };
        drop(guard);
        match kind {
            Ok(ReplyKind::SynAck) => Ok(()),
            Ok(ReplyKind::Reset) => Err(refused(to)),
            Err(_) => Err(Outcome::fail(
                FailKind::Io,
                format!("connect to {to}: the SYN probe's receiver stopped"),
            )),
        }
    }

    /// Starts a batch of probes without a task each: the SYNs go out now,
    /// and each probe's outcome (the reply, or a timeout at its deadline)
    /// is sent to `done` with its attempt id. This is how the
    /// [`Runner`](crate::runner::Runner) runs plain TCP checks.
    pub(crate) fn launch(self: &Arc<Self>, batch: impl IntoIterator<Item = Launch>, done: &Done) {
        let now = Instant::now();
        let retransmit = now + RETRANSMIT;
        let mut out = Vec::new();
        for l in batch {
            let fail = |o: Outcome| {
                let _ = done.send((l.attempt, o));
            };
            let Some(fam) = self.family(l.to.is_ipv6()) else {
                fail(Outcome::fail(
                    FailKind::Setup,
                    format!("no raw socket for {}", l.to),
                ));
                continue;
            };
            let src_raw = self
                .source(l.to, l.bind)
                .and_then(|src| Ok((src, self.raw(fam, src, l.to)?)));
            let (src, raw) = match src_raw {
                Ok(x) => x,
                Err(o) => {
                    fail(o);
                    continue;
                }
            };
            let waiter = Waiter::Batch(Box::new(Launched {
                attempt: l.attempt,
                target: l.target,
                timeout: l.timeout,
                done: done.clone(),
            }));
            let key = lock(&self.pending).register(l.to, src, waiter);
            match fam.syn(src, l.to, key.ack) {
                Ok((buf, len)) => out.push(Outgoing {
                    raw,
                    dest: raw_dest(l.to),
                    buf,
                    len,
                    key,
                    timeout: l.timeout,
                    deadline: l.deadline,
                }),
                Err(o) => {
                    lock(&self.pending).forget(&key);
                    fail(o);
                }
            }
        }
        // One sendmmsg() per run of SYNs from the same socket (usually
        // the whole batch).
        let mut errors = Vec::new();
        let mut first = 0;
        while let Some(head) = out.get(first) {
            let run = out[first..]
                .iter()
                .take_while(|o| Arc::ptr_eq(&o.raw, &head.raw))
                .count();
            // Servers on this host answer within the send (loopback runs
            // their side in our system call): read the replies after each
            // chunk, before they could overflow the socket's buffer.
            let (v6, port) = (
                head.dest.is_ipv6(),
                self.family(head.dest.is_ipv6()).map_or(0, |f| f.port),
            );
            send_many(
                &out[first..first + run],
                |i, e| errors.push((first + i, e)),
                || self.drain(v6, port, &head.raw, false),
            );
            first += run;
        }
        for &(i, ref e) in &errors {
            let Some(o) = out.get(i) else { continue };
            if let Some((_, Waiter::Batch(l))) = lock(&self.pending).forget(&o.key) {
                let to = SocketAddr::new(o.key.server, o.key.port);
                let _ = l
                    .done
                    .send((l.attempt, io_failure(&format!("connect to {to}"), e)));
            }
        }
        let sent = out.len() - errors.len();
        self.sent.fetch_add(sent as u64, Ordering::Relaxed);
        if sent == 0 {
            return;
        }
        let mut t = lock(&self.timers);
        for o in &out {
            if retransmit < o.deadline {
                t.retransmit.push_back((retransmit, o.key));
            }
            t.push_deadline(o.timeout, o.deadline, o.key);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must run next for
    /// the batch probes' retransmissions and deadlines. The runner folds
    /// it into its own wake-ups, so the timers cost no wake-up of their own.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        lock(&self.timers).next()
    }

    /// Fires the batch probes' timers due at `now`; early calls are no-ops.
    pub(crate) fn handle_timeout(&self, now: Instant) {
        // Bounded by the timers due now.
        loop {
            let due = lock(&self.timers).pop_due(now);
            let Some((fire, key)) = due else {
                break;
            };
            self.fire(fire, key);
        }
    }

    fn fire(&self, fire: Fire, key: Key) {
        let to = SocketAddr::new(key.server, key.port);
        match fire {
            Fire::Retransmit => {
                let local = lock(&self.pending).probes.get(&key).map(|(l, _)| *l);
                let (Some(local), Some(fam)) = (local, self.family(to.is_ipv6())) else {
                    return;
                };
                let raw = lock(&fam.raws).get(&local).cloned();
                let sent = raw
                    .zip(fam.syn(local, to, key.ack).ok())
                    .and_then(|(raw, (buf, len))| raw.try_send_to(&buf[..len], raw_dest(to)).ok());
                if sent.is_some() {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            Fire::Deadline => {
                if let Some((_, Waiter::Batch(l))) = lock(&self.pending).forget(&key) {
                    let o = Outcome::fail(
                        FailKind::Timeout,
                        format!("no answer from {} within {:?}", l.target, l.timeout),
                    );
                    let _ = l.done.send((l.attempt, o));
                }
            }
        }
    }

    /// Files a probe; it is forgotten when the guard drops.
    fn register(&self, to: SocketAddr, local: IpAddr) -> (oneshot::Receiver<ReplyKind>, Guard<'_>) {
        let (done, rx) = oneshot::channel();
        let key = lock(&self.pending).register(to, local, Waiter::One(done));
        (rx, Guard { engine: self, key })
    }

    /// The source address the kernel would pick for `dst`, from a cache.
    fn source_for(&self, dst: IpAddr) -> io::Result<IpAddr> {
        let now = Instant::now();
        let cached = lock(&self.routes).get(&dst).copied();
        if let Some((at, src)) = cached.filter(|(at, _)| now.duration_since(*at) < ROUTE_TTL) {
            let _ = at;
            return Ok(src);
        }
        let any: IpAddr = match dst {
            IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
            IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
        };
        // A UDP connect() is a route lookup: no packet is sent.
        let probe = std::net::UdpSocket::bind((any, 0))?;
        probe.connect((dst, 9))?;
        let src = probe.local_addr()?.ip();
        let mut routes = lock(&self.routes);
        if routes.len() >= ROUTE_CACHE {
            routes.clear();
        }
        routes.insert(dst, (now, src));
        Ok(src)
    }

    /// Reads replies until the socket fails or the task is aborted.
    async fn receive(&self, v6: bool, port: u16, raw: &UdpSocket) {
        loop {
            if raw.readable().await.is_err() {
                return;
            }
            self.drain(v6, port, raw, true);
        }
    }

    /// Handles every reply queued on `raw` now, without waiting. Through
    /// tokio (`ready`), which clears the socket's readiness when it is
    /// drained; or directly, as `launch` does: tokio would not look before
    /// its reactor saw the socket readable, and the replies of loopback
    /// servers are already there.
    fn drain(&self, v6: bool, port: u16, raw: &UdpSocket, ready: bool) {
        let mut bufs = [[0u8; 256]; RECV_BATCH];
        let fd = raw.as_raw_fd();
        // Bounded: the socket's buffer holds a finite number of packets,
        // and an error (would block) ends it.
        loop {
            let got = if ready {
                raw.try_io(Interest::READABLE, || recv_batch(fd, &mut bufs))
            } else {
                recv_batch(fd, &mut bufs)
            };
            let Ok(got) = got else { break };
            for ((n, from), buf) in got.iter().zip(&bufs) {
                self.handle(v6, port, buf.get(..*n).unwrap_or_default(), *from);
            }
            if got.len() < RECV_BATCH {
                break;
            }
        }
    }

    fn handle(&self, v6: bool, port: u16, data: &[u8], from: Option<Ipv6Addr>) {
        let reply = match (v6, from) {
            (false, _) => packet::parse_v4(data),
            (true, Some(from)) => packet::parse_v6(data, from),
            (true, None) => None,
        };
        // The filter lets only replies to our port through, so anything
        // else is not from the kernel's filter but worth counting too.
        let Some(r) = reply.filter(|r| r.dport == port) else {
            self.stray.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let waiter = lock(&self.pending).complete(&r);
        let counter = match (&waiter, r.kind) {
            (None, _) => &self.stray,
            (Some(_), ReplyKind::SynAck) => &self.open,
            (Some(_), ReplyKind::Reset) => &self.refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        match waiter {
            Some(Waiter::One(done)) => {
                let _ = done.send(r.kind);
            }
            Some(Waiter::Batch(l)) => {
                let to = SocketAddr::new(r.from, r.sport);
                let outcome = match r.kind {
                    ReplyKind::SynAck => Outcome::pass(),
                    ReplyKind::Reset => refused(to),
                };
                let _ = l.done.send((l.attempt, outcome));
            }
            None => {}
        }
    }
}

fn refused(to: SocketAddr) -> Outcome {
    Outcome::fail(
        FailKind::Connect,
        format!("connect to {to}: connection refused (the server answered RST)"),
    )
}

/// Forgets a probe when it ends, answered or not.
struct Guard<'a> {
    engine: &'a Engine,
    key: Key,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        lock(&self.engine.pending).forget(&self.key);
    }
}

/// A SYN of a batch, ready to go.
struct Outgoing {
    raw: Arc<UdpSocket>,
    dest: SocketAddr,
    buf: [u8; packet::MAX_SYN],
    len: usize,
    key: Key,
    timeout: Duration,
    deadline: Instant,
}

/// Reads up to `bufs.len()` packets with one `recvmmsg()`: their lengths
/// and, for IPv6, their source addresses.
fn recv_batch(
    fd: std::os::fd::RawFd,
    bufs: &mut [[u8; 256]; RECV_BATCH],
) -> io::Result<Vec<(usize, Option<Ipv6Addr>)>> {
    let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(RECV_BATCH, None);
    let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
        bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
    let results = recvmmsg(
        fd,
        &mut headers,
        iovs.iter_mut(),
        MsgFlags::MSG_DONTWAIT,
        None,
    )
    .map_err(io::Error::from)?;
    Ok(results
        .map(|m| {
            let from = m.address.and_then(|a| a.as_sockaddr_in6().map(|a| a.ip()));
            (m.bytes, from)
        })
        .collect())
}

/// Most replies per `recvmmsg()` call.
const RECV_BATCH: usize = 64;

/// Most SYNs per `sendmmsg()` call.
const SEND_BATCH: usize = 128;

/// Sends `msgs` (all from the same socket) with as few `sendmmsg()` calls
/// as the kernel allows; `failed(i, error)` for each that could not go.
fn send_many(
    msgs: &[Outgoing],
    mut failed: impl FnMut(usize, io::Error),
    mut after_chunk: impl FnMut(),
) {
    let Some(first) = msgs.first() else { return };
    let fd = first.raw.as_raw_fd();
    let mut headers =
        MultiHeaders::<SockaddrStorage>::preallocate(msgs.len().min(SEND_BATCH), None);
    let mut at = 0;
    // Bounded: every turn sends or fails at least one message.
    while at < msgs.len() {
        let chunk = &msgs[at..msgs.len().min(at + SEND_BATCH)];
        let iovs: Vec<[IoSlice<'_>; 1]> = chunk
            .iter()
            .map(|m| [IoSlice::new(m.buf.get(..m.len).unwrap_or_default())])
            .collect();
        let addrs: Vec<Option<SockaddrStorage>> = chunk
            .iter()
            .map(|m| Some(SockaddrStorage::from(m.dest)))
            .collect();
        let none: [ControlMessage<'_>; 0] = [];
        match sendmmsg(fd, &mut headers, &iovs, addrs, none, MsgFlags::empty()) {
            Ok(results) => match results.count() {
                0 => {
                    failed(at, io::ErrorKind::WouldBlock.into());
                    at += 1;
                }
                n => at += n,
            },
            // The message at `at` failed (no route, ...); the rest may go.
            Err(e) => {
                failed(at, e.into());
                at += 1;
            }
        }
        after_chunk();
    }
}

/// Raw sockets take the protocol, or 0, as the port.
fn raw_dest(to: SocketAddr) -> SocketAddr {
    match to {
        SocketAddr::V4(a) => SocketAddr::new((*a.ip()).into(), 0),
        SocketAddr::V6(a) => SocketAddrV6::new(*a.ip(), 0, 0, a.scope_id()).into(),
    }
}

impl Family {
    /// The SYN of the probe of `to` from `src` filed under `ack`.
    fn syn(
        &self,
        src: IpAddr,
        to: SocketAddr,
        ack: u32,
    ) -> Result<([u8; packet::MAX_SYN], usize), Outcome> {
        let syn = Syn {
            src,
            dst: to.ip(),
            sport: self.port,
            dport: to.port(),
            seq: ack.wrapping_sub(1),
        };
        let mut buf = [0u8; packet::MAX_SYN];
        let len = syn.emit(&mut buf).ok_or_else(|| {
            Outcome::fail(FailKind::Setup, format!("cannot build a SYN for {to}"))
        })?;
        Ok((buf, len))
    }

    fn open(v6: bool) -> Result<Self, String> {
        let name = if v6 { "IPv6" } else { "IPv4" };
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let raw = Socket::new(domain, Type::RAW.nonblocking(), Some(Protocol::TCP)).map_err(
            |e| match e.kind() {
                io::ErrorKind::PermissionDenied => format!(
                    "cannot open a raw {name} TCP socket for SYN probes ({e}): it needs \
                     CAP_NET_RAW (run as root or grant the capability)"
                ),
                _ => format!("cannot open a raw {name} TCP socket for SYN probes: {e}"),
            },
        )?;
        let fail = |what: &str, e: io::Error| format!("SYN probes over {name}: {what}: {e}");
        if v6 {
            raw.set_header_included_v6(true)
        } else {
            raw.set_header_included_v4(true)
        }
        .map_err(|e| fail("cannot set IP_HDRINCL", e))?;
        // The port: a TCP socket bound to it on every address, never
        // listening, so that replies find no socket and get reset.
        let reserved = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))
            .map_err(|e| fail("cannot open the socket that holds the source port", e))?;
        let any: IpAddr = if v6 {
            reserved
                .set_only_v6(true)
                .map_err(|e| fail("cannot set IPV6_V6ONLY", e))?;
            Ipv6Addr::UNSPECIFIED.into()
        } else {
            Ipv4Addr::UNSPECIFIED.into()
        };
        reserved
            .bind(&SocketAddr::new(any, 0).into())
            .map_err(|e| fail("cannot reserve a source port", e))?;
        let port = reserved
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .map(|a| a.port())
            .ok_or_else(|| fail("no reserved port", io::ErrorKind::Other.into()))?;
        raw.attach_filter(&packet::sock_filter(v6, port))
            .map_err(|e| fail("cannot attach the reply filter", e))?;
        // The sockets that send are opened per source address (`bound`);
        // this one only proved that they can be.
        drop(raw);
        Ok(Self {
            v6,
            raws: Mutex::default(),
            port,
            _reserved: reserved,
        })
    }

    /// A raw socket bound to `src`, with the reply filter.
    fn bound(&self, src: IpAddr) -> io::Result<UdpSocket> {
        let domain = if self.v6 { Domain::IPV6 } else { Domain::IPV4 };
        let raw = Socket::new(domain, Type::RAW.nonblocking(), Some(Protocol::TCP))?;
        if self.v6 {
            raw.set_header_included_v6(true)?;
        } else {
            raw.set_header_included_v4(true)?;
        }
        raw.attach_filter(&packet::sock_filter(self.v6, self.port))?;
        raw.bind(&SocketAddr::new(src, 0).into())?;
        // Replies arrive in bursts of a tick's worth of checks.
        let _ = raw.set_recv_buffer_size(1 << 20);
        UdpSocket::from_std(raw.into())
    }
}
