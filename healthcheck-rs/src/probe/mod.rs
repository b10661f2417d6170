//! Async probes (feature `tokio`): the IO edge of the crate.
//!
//! [`Prober::probe`] runs one [`CheckSpec`] against its server and returns an
//! [`Outcome`], never later than the deadline it is given: the whole probe
//! runs under `tokio::time::timeout_at`, so at the deadline its sockets are
//! dropped (closed) and its child processes killed. Judging replies is left
//! to the pure functions of [`crate::reply`].

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::outcome::{FailKind, Outcome};
use crate::spec::{CheckSpec, Connect, Probe, Tls};

mod conn;
mod datagram;
mod exec;
mod http;
mod reuse;
mod stream;
pub(crate) mod syn;
mod tls;

pub use syn::{RETRANSMIT, SynStats};

/// Runs probes; keeps the TLS client configurations it builds, one per
/// distinct [`Tls`] setting, so that thousands of HTTPS checks share them,
/// the idle connections of HTTP checks with
/// [`reuse_connection`](crate::spec::HttpCheck::reuse_connection), and the
/// raw sockets of plain TCP checks sent as SYN probes (see
/// [`Prober::syn_stats`]).
pub struct Prober {
    tls: Mutex<HashMap<Tls, Arc<rustls::ClientConfig>>>,
    idle: Mutex<IdlePool>,
    syn_on: AtomicBool,
    syn: Mutex<SynSlot>,
    sockets: reuse::Sockets,
}

impl Default for Prober {
    fn default() -> Self {
        Self {
            tls: Mutex::default(),
            idle: Mutex::default(),
            syn_on: AtomicBool::new(true),
            syn: Mutex::new(SynSlot::NotStarted),
            sockets: reuse::Sockets::default(),
        }
    }
}

/// The SYN probe engine, started at the first plain TCP check.
enum SynSlot {
    NotStarted,
    Running(syn::Running),
    Unavailable(String),
}

#[derive(Default)]
struct IdlePool {
    // Looked up at every check that keeps its connection: a fast hash (the
    // keys come from the configuration, not from the network).
    conns: rustc_hash::FxHashMap<http::PoolKey, (Instant, Box<dyn stream::Io>)>,
    puts: u64,
}

/// An idle connection older than this is not reused (servers close idle
/// keep-alive connections after 5 s to a few minutes).
const IDLE_MAX: std::time::Duration = std::time::Duration::from_secs(30);

impl std::fmt::Debug for Prober {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map_or(0, |p| p.conns.len());
        f.debug_struct("Prober")
            .field("idle_connections", &idle)
            .field("free_sockets", &self.sockets.free())
            .finish_non_exhaustive()
    }
}

impl Prober {
    /// A prober with empty caches.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `spec`'s probe, giving up at `deadline`.
    pub async fn probe(&self, spec: &CheckSpec, deadline: Instant) -> Outcome {
        let at = tokio::time::Instant::from_std(deadline);
        match tokio::time::timeout_at(at, self.run(spec, deadline)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::fail(
                FailKind::Timeout,
                format!(
                    "no answer from {} within {:?}",
                    spec.target, spec.timing.timeout
                ),
            ),
        }
    }

    async fn run(&self, spec: &CheckSpec, deadline: Instant) -> Outcome {
        let target = spec.target;
        // The plain TCP check runs inline; the others are boxed so that the
        // common case's future (spawned thousands of times a second) stays
        // small.
        let result = match &spec.probe {
            Probe::Tcp(c) => match self.syn_engine(target, c) {
                Some(engine) => engine
                    .probe(c.to.unwrap_or(target), c.bind_ip)
                    .await
                    .map(|()| Outcome::pass()),
                None => conn::half_open(target, c).await.map(|()| Outcome::pass()),
            },
            Probe::Http(h) => Box::pin(http::run(self, target, h)).await,
            Probe::Misc(m) => Box::pin(exec::misc(m, deadline)).await,
            Probe::Smtp(s) => Box::pin(stream::smtp(self, target, s)).await,
            Probe::Dns(d) => Box::pin(datagram::dns(target, d)).await,
            Probe::Udp(u) => Box::pin(datagram::udp(target, u, deadline)).await,
            Probe::Ping => Box::pin(datagram::ping(target.ip())).await,
            Probe::File(f) => Box::pin(exec::file(f)).await,
            Probe::TcpSeq(t) => Box::pin(stream::tcp_seq(self, target, t)).await,
            Probe::Agent(a) => Box::pin(stream::agent(self, target, a)).await,
            Probe::Redis(c) => Box::pin(stream::redis(self, target, c)).await,
            Probe::Pgsql { connect, user } => {
                Box::pin(stream::pgsql(self, target, connect, user)).await
            }
            Probe::Mysql { connect, user } => {
                Box::pin(stream::mysql(self, target, connect, user.as_deref())).await
            }
            Probe::SslHello(c) => Box::pin(stream::ssl_hello(self, target, c)).await,
        };
        result.unwrap_or_else(|failed| failed)
    }

    /// Sends plain TCP checks ([`Probe::Tcp`]) as SYN probes on a raw
    /// socket (`on`, the default: needs `CAP_NET_RAW`, else they fall back
    /// to `connect()`), or always with `connect()`. See
    /// [`syn_stats`](Self::syn_stats).
    pub fn set_syn_probes(&self, on: bool) {
        self.syn_on.store(on, Ordering::Relaxed);
    }

    /// What the SYN probes did so far, and why TCP checks use `connect()`
    /// where they do (no `CAP_NET_RAW`, no IPv6, ...): worth logging once
    /// TCP checks have run. The raw sockets open at the first TCP check.
    pub fn syn_stats(&self) -> SynStats {
        match &*self
            .syn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            SynSlot::NotStarted => SynStats::default(),
            SynSlot::Running(r) => r.engine.stats(),
            SynSlot::Unavailable(reason) => SynStats {
                started: true,
                ipv4_fallback: Some(reason.clone()),
                ipv6_fallback: Some(reason.clone()),
                ..SynStats::default()
            },
        }
    }

    /// The SYN probe engine if this check can use it: SYN probes are on,
    /// the check sets neither `fwmark` nor `bind_port` (both are properties
    /// of a socket of its own), and the engine serves the target's family.
    pub(crate) fn syn_engine(&self, target: SocketAddr, c: &Connect) -> Option<Arc<syn::Engine>> {
        if !self.syn_on.load(Ordering::Relaxed) || c.fwmark.is_some() || c.bind_port.is_some() {
            return None;
        }
        let mut slot = self
            .syn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if matches!(&*slot, SynSlot::Running(r) if r.is_stale()) {
            *slot = SynSlot::NotStarted;
        }
        if matches!(*slot, SynSlot::NotStarted) {
            *slot = match syn::Engine::start() {
                Ok(r) => SynSlot::Running(r),
                Err(reason) => SynSlot::Unavailable(reason),
            };
        }
        match &*slot {
            SynSlot::Running(r) if r.engine.serves(c.to.unwrap_or(target)) => {
                Some(Arc::clone(&r.engine))
            }
            _ => None,
        }
    }

    /// Disconnected sockets kept for the next checks (see
    /// [`HttpCheck`](crate::spec::HttpCheck): a connection per check, not a
    /// socket per check).
    pub fn free_sockets(&self) -> usize {
        self.sockets.free()
    }

    /// Idle kept-alive connections held now.
    pub fn idle_connections(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .conns
            .len()
    }

    #[allow(clippy::disallowed_methods)] // the IO edge reads the clock
    pub(crate) fn take_idle(&self, key: &http::PoolKey) -> Option<Box<dyn stream::Io>> {
        let mut pool = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (since, conn) = pool.conns.remove(key)?;
        (since.elapsed() < IDLE_MAX).then_some(conn)
    }

    #[allow(clippy::disallowed_methods)] // the IO edge reads the clock
    pub(crate) fn put_idle(&self, key: http::PoolKey, conn: Box<dyn stream::Io>) {
        let now = Instant::now();
        let mut pool = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pool.puts += 1;
        // Now and then, close connections of checks that stopped.
        if pool.puts % 4096 == 0 {
            pool.conns
                .retain(|_, (since, _)| now.duration_since(*since) < IDLE_MAX);
        }
        pool.conns.insert(key, (now, conn));
    }

    pub(crate) fn tls_config(&self, tls: &Tls) -> Result<Arc<rustls::ClientConfig>, Outcome> {
        let mut cache = self
            .tls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(tls) {
            return Ok(Arc::clone(c));
        }
        let config = tls::client_config(tls)?;
        cache.insert(tls.clone(), Arc::clone(&config));
        Ok(config)
    }
}

/// A failed outcome from an IO error, by its kind.
pub(crate) fn io_failure(what: &str, e: &io::Error) -> Outcome {
    let kind = match e.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::AddrNotAvailable => FailKind::Connect,
        io::ErrorKind::TimedOut => FailKind::Timeout,
        io::ErrorKind::PermissionDenied => FailKind::Setup,
        _ => FailKind::Io,
    };
    Outcome::fail(kind, format!("{what}: {e}"))
}
