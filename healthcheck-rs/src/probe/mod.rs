//! Async probes (feature `tokio`): the IO edge of the crate.
//!
//! [`Prober::probe`] runs one [`CheckSpec`] against its server and returns an
//! [`Outcome`], never later than the deadline it is given: the whole probe
//! runs under `tokio::time::timeout_at`, so at the deadline its sockets are
//! dropped (closed) and its child processes killed. Judging replies is left
//! to the pure functions of [`crate::reply`].

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::outcome::{FailKind, Outcome};
use crate::spec::{CheckSpec, Probe, Tls};

mod conn;
mod datagram;
mod exec;
mod http;
mod stream;
mod tls;

pub use conn::connect;

/// Runs probes; keeps the TLS client configurations it builds, one per
/// distinct [`Tls`] setting, so that thousands of HTTPS checks share them,
/// and the idle connections of HTTP checks with
/// [`reuse_connection`](crate::spec::HttpCheck::reuse_connection).
#[derive(Default)]
pub struct Prober {
    tls: Mutex<HashMap<Tls, Arc<rustls::ClientConfig>>>,
    idle: Mutex<IdlePool>,
}

#[derive(Default)]
struct IdlePool {
    conns: HashMap<http::PoolKey, (Instant, Box<dyn stream::Io>)>,
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
            Probe::Tcp(c) => conn::half_open(target, c).await.map(|()| Outcome::pass()),
            Probe::Http(h) => Box::pin(http::run(self, target, h)).await,
            Probe::Misc(m) => Box::pin(exec::misc(m, deadline)).await,
            Probe::Smtp(s) => Box::pin(stream::smtp(target, s)).await,
            Probe::Dns(d) => Box::pin(datagram::dns(target, d)).await,
            Probe::Udp(u) => Box::pin(datagram::udp(target, u, deadline)).await,
            Probe::Ping => Box::pin(datagram::ping(target.ip())).await,
            Probe::File(f) => Box::pin(exec::file(f)).await,
            Probe::TcpSeq(t) => Box::pin(stream::tcp_seq(self, target, t)).await,
            Probe::Agent(a) => Box::pin(stream::agent(target, a)).await,
            Probe::Redis(c) => Box::pin(stream::redis(target, c)).await,
            Probe::Pgsql { connect, user } => Box::pin(stream::pgsql(target, connect, user)).await,
            Probe::Mysql { connect, user } => {
                Box::pin(stream::mysql(target, connect, user.as_deref())).await
            }
            Probe::SslHello(c) => Box::pin(stream::ssl_hello(target, c)).await,
        };
        result.unwrap_or_else(|failed| failed)
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
