//! The netlink connection: family resolution, requests with timeouts, dumps,
//! and batched application of plans.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    self, AddressFamily as SockFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType,
    sockopt,
};
use nix::sys::time::TimeVal;

use crate::error::{Error, ErrorKind};
use crate::model::{
    DaemonState, DestKey, Destination, Info, Service, ServiceKey, SyncDaemon, Timeouts,
};
use crate::plan::Table;
use crate::wire::{self, Reply, Request};

mod apply;
mod legacy;

pub use apply::{ApplyReport, OpError};

/// Socket buffer size asked for (the kernel's defaults overflow under batching).
const SOCK_BUF: usize = 8 * 1024 * 1024;
/// Receive buffer: larger than any netlink dump datagram.
const RECV_BUF: usize = 64 * 1024;
/// Reads on the destination-dump socket: one page, the smallest dump buffer
/// the kernel allocates (`NLMSG_GOODSIZE` fits in it).
const SMALL_RECV: usize = 4096;

enum NetnsSpec {
    Path(PathBuf),
    Fd(OwnedFd),
}

/// How to connect: namespace and timeout.
pub struct ConnectOptions {
    netns: Option<NetnsSpec>,
    timeout: Duration,
    record: bool,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ns = match &self.netns {
            None => "current".to_string(),
            Some(NetnsSpec::Path(p)) => p.display().to_string(),
            Some(NetnsSpec::Fd(fd)) => format!("fd {}", fd.as_raw_fd()),
        };
        f.debug_struct("ConnectOptions")
            .field("netns", &ns)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            netns: None,
            timeout: Duration::from_secs(5),
            record: false,
        }
    }
}

impl ConnectOptions {
    /// The current network namespace and a 5 s receive timeout.
    pub fn new() -> ConnectOptions {
        ConnectOptions::default()
    }
    /// Operate in the network namespace bound at `path` (e.g. `/run/netns/NAME`).
    pub fn netns_path(mut self, path: impl Into<PathBuf>) -> ConnectOptions {
        self.netns = Some(NetnsSpec::Path(path.into()));
        self
    }
    /// Operate in the network namespace this descriptor refers to.
    pub fn netns_fd(mut self, fd: OwnedFd) -> ConnectOptions {
        self.netns = Some(NetnsSpec::Fd(fd));
        self
    }
    /// How long to wait for each reply datagram.
    pub fn timeout(mut self, timeout: Duration) -> ConnectOptions {
        self.timeout = timeout;
        self
    }
    /// Record datagrams from the start, family lookup included (see [`Client::record`]).
    pub fn record(mut self, on: bool) -> ConnectOptions {
        self.record = on;
        self
    }
    /// Connects.
    ///
    /// # Errors
    ///
    /// [`Error::IpvsUnavailable`] when the kernel has no IPVS; [`Error::Io`]
    /// when the namespace cannot be entered or the socket not opened.
    pub fn connect(self) -> Result<Client, Error> {
        let timeout = self.timeout;
        let (fd, small, legacy) = match self.netns {
            None => (open_socket()?, open_socket()?, legacy::open()),
            Some(spec) => {
                let ns: OwnedFd = match spec {
                    NetnsSpec::Fd(fd) => fd,
                    NetnsSpec::Path(p) => File::open(&p)
                        .map_err(|e| io_err(format!("open network namespace {}", p.display()), e))?
                        .into(),
                };
                // A socket belongs to the namespace it was created in: create it
                // on a thread that entered the namespace, leaving ours alone.
                std::thread::scope(|s| {
                    s.spawn(|| {
                        nix::sched::setns(ns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)
                            .map_err(|e| {
                                io_err("enter network namespace (setns)".into(), e.into())
                            })?;
                        Ok((open_socket()?, open_socket()?, legacy::open()))
                    })
                    .join()
                    .unwrap_or_else(|_| Err(Error::Invalid("namespace thread panicked".into())))
                })?
            }
        };
        let tv = TimeVal::new(
            i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
            i64::from(timeout.subsec_micros()),
        );
        for f in [&fd, &small] {
            socket::setsockopt(f, sockopt::ReceiveTimeout, &tv)
                .map_err(|e| io_err("set the receive timeout".into(), e.into()))?;
        }
        let mut client = Client {
            fd,
            small,
            legacy,
            on_small: false,
            family: 0,
            seq: 1,
            timeout,
            buf: vec![0; RECV_BUF],
            recording: self.record.then(Vec::new),
        };
        client.family = client.resolve_family()?;
        Ok(client)
    }
}

fn io_err(op: String, source: std::io::Error) -> Error {
    Error::Io { op, source }
}

fn open_socket() -> Result<OwnedFd, Error> {
    let fd = socket::socket(
        SockFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkGeneric,
    )
    .map_err(|e| io_err("open a generic netlink socket".into(), e.into()))?;
    socket::bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0))
        .map_err(|e| io_err("bind the netlink socket".into(), e.into()))?;
    // Forcing needs CAP_NET_ADMIN; without it, take what the limits allow.
    if socket::setsockopt(&fd, sockopt::RcvBufForce, &SOCK_BUF).is_err() {
        let _ = socket::setsockopt(&fd, sockopt::RcvBuf, &SOCK_BUF);
    }
    if socket::setsockopt(&fd, sockopt::SndBufForce, &SOCK_BUF).is_err() {
        let _ = socket::setsockopt(&fd, sockopt::SndBuf, &SOCK_BUF);
    }
    Ok(fd)
}

/// A connection to the kernel's IPVS.
#[derive(Debug)]
pub struct Client {
    fd: OwnedFd,
    /// For destination dumps: always read with a small buffer, because the
    /// kernel sizes (and zeroes) every dump buffer after the largest read
    /// ever made on the socket, while the service dump wants large buffers
    /// (the kernel re-walks its service table for each one it fills).
    small: OwnedFd,
    /// A raw IPv4 socket for [`Client::destination_settings`]' reads
    /// through IPVS's `getsockopt` interface, if one could be opened.
    legacy: Option<OwnedFd>,
    on_small: bool,
    family: u16,
    seq: u32,
    timeout: Duration,
    buf: Vec<u8>,
    recording: Option<Vec<Datagram>>,
}

/// One netlink datagram, as recorded by [`Client::record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// `true` for a datagram sent to the kernel, `false` for one received.
    pub sent: bool,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

fn kernel_err(op: String, errno: i32) -> Error {
    Error::Kernel {
        op,
        errno,
        kind: ErrorKind::from_errno(errno),
    }
}

/// Describes an operation for error messages.
pub(crate) fn describe_key(k: &ServiceKey) -> String {
    match *k {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let p = protocol
                .name()
                .map_or_else(|| format!("proto {}", protocol.0), str::to_string);
            match addr {
                std::net::IpAddr::V4(a) => format!("{p} {a}:{port}"),
                std::net::IpAddr::V6(a) => format!("{p} [{a}]:{port}"),
            }
        }
        ServiceKey::Fwmark { mark, family } => format!("FWM {mark} ({family:?})"),
    }
}

fn describe_dest(k: &DestKey) -> String {
    match k.addr {
        std::net::IpAddr::V4(a) => format!("{a}:{}", k.port),
        std::net::IpAddr::V6(a) => format!("[{a}]:{}", k.port),
    }
}

/// Maps the kernel's answer to a service add or edit: `ENOENT` there means
/// the scheduler (or persistence engine) module is missing.
fn service_err(s: &Service, e: Error) -> Error {
    match e {
        Error::Kernel {
            errno: libc::ENOENT,
            ..
        } if s.settings.pe_name.is_none() => {
            Error::SchedulerUnavailable(s.settings.scheduler.0.clone())
        }
        e => e,
    }
}

impl Client {
    /// Connects in the current network namespace with the default timeout.
    ///
    /// # Errors
    ///
    /// See [`ConnectOptions::connect`].
    pub fn connect() -> Result<Client, Error> {
        ConnectOptions::new().connect()
    }

    /// The `IPVS` generic netlink family id.
    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1).max(1);
        self.seq
    }

    /// Starts (`true`) or stops recording every datagram sent and received,
    /// for wire fixtures and debugging.
    pub fn record(&mut self, on: bool) {
        self.recording = on.then(|| self.recording.take().unwrap_or_default());
    }

    /// The datagrams recorded so far (recording goes on if it was on).
    pub fn take_recording(&mut self) -> Vec<Datagram> {
        self.recording
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn send(&mut self, bytes: &[u8], op: &dyn Fn() -> String) -> Result<(), Error> {
        if let Some(r) = &mut self.recording {
            r.push(Datagram {
                sent: true,
                bytes: bytes.to_vec(),
            });
        }
        loop {
            let fd = if self.on_small { &self.small } else { &self.fd };
            match socket::send(fd.as_raw_fd(), bytes, MsgFlags::empty()) {
                Ok(_) => return Ok(()),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(io_err(format!("send {}", op()), e.into())),
            }
        }
    }

    /// Receives one datagram and decodes it.
    fn recv(&mut self, op: &dyn Fn() -> String) -> Result<Vec<Reply>, Error> {
        let (fd, len) = if self.on_small {
            (&self.small, SMALL_RECV)
        } else {
            (&self.fd, self.buf.len())
        };
        let n = loop {
            match socket::recv(fd.as_raw_fd(), &mut self.buf[..len], MsgFlags::MSG_TRUNC) {
                Ok(n) => break n,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => {
                    return Err(Error::Timeout {
                        op: op(),
                        timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                    });
                }
                Err(e) => return Err(io_err(format!("receive the reply to {}", op()), e.into())),
            }
        };
        if n > len {
            return Err(Error::Decode {
                op: op(),
                source: crate::DecodeError::Truncated {
                    what: "datagram",
                    len,
                    need: n,
                },
            });
        }
        if let Some(r) = &mut self.recording {
            r.push(Datagram {
                sent: false,
                bytes: self.buf[..n].to_vec(),
            });
        }
        wire::decode(&self.buf[..n]).map_err(|source| Error::Decode { op: op(), source })
    }

    fn resolve_family(&mut self) -> Result<u16, Error> {
        let seq = self.next_seq();
        let op = || "resolve the IPVS generic netlink family".to_string();
        let msg = wire::get_family("IPVS", seq).map_err(Error::Invalid)?;
        self.send(&msg, &op)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            for r in self.recv(&op)? {
                match r {
                    Reply::Family { seq: s, id } if s == seq => return Ok(id),
                    Reply::Error { seq: s, errno } if s == seq => {
                        return Err(if errno == libc::ENOENT {
                            Error::IpvsUnavailable
                        } else {
                            kernel_err(op(), errno)
                        });
                    }
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                return Err(Error::Timeout {
                    op: op(),
                    timeout_ms: self.timeout.as_millis() as u64,
                });
            }
        }
    }

    /// Sends one request and collects its data replies until its ack or dump end.
    fn call(&mut self, req: &Request, op: &dyn Fn() -> String) -> Result<Vec<Reply>, Error> {
        let seq = self.next_seq();
        let mut bytes = Vec::with_capacity(256);
        req.emit_into(&mut bytes, self.family, seq, true)
            .map_err(Error::Invalid)?;
        self.send(&bytes, op)?;
        let mut out = Vec::new();
        loop {
            for r in self.recv(op)? {
                if r.seq() != seq {
                    continue; // a late answer to an earlier, timed-out request
                }
                match r {
                    Reply::Error { errno, .. } => return Err(kernel_err(op(), errno)),
                    Reply::Ack { .. } | Reply::Done { .. } => return Ok(out),
                    Reply::Other { .. } => {}
                    data => out.push(data),
                }
            }
        }
    }

    /// The IPVS version and connection table size.
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn info(&mut self) -> Result<Info, Error> {
        let op = || "get IPVS info".to_string();
        self.call(&wire::get_info(), &op)?
            .into_iter()
            .find_map(|r| {
                if let Reply::Info { info, .. } = r {
                    Some(info)
                } else {
                    None
                }
            })
            .ok_or_else(|| missing(&op))
    }

    /// Every service, with counters. One dump: see [`Client::table`] for
    /// why a large dump can be inexact while other namespaces change theirs.
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn services(&mut self) -> Result<Vec<Service>, Error> {
        let op = || "list services".to_string();
        Ok(self
            .call(&wire::get_services(), &op)?
            .into_iter()
            .filter_map(|r| {
                if let Reply::Service { service, .. } = r {
                    Some(*service)
                } else {
                    None
                }
            })
            .collect())
    }

    /// One service.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when there is no such service.
    pub fn service(&mut self, key: &ServiceKey) -> Result<Service, Error> {
        let op = || format!("get service {}", describe_key(key));
        self.call(&wire::get_service(key), &op)?
            .into_iter()
            .find_map(|r| {
                if let Reply::Service { service, .. } = r {
                    Some(*service)
                } else {
                    None
                }
            })
            .ok_or_else(|| missing(&op))
    }

    /// Adds a service.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::AlreadyExists`]; [`Error::SchedulerUnavailable`] for a
    /// scheduler this kernel lacks.
    pub fn add_service(&mut self, s: &Service) -> Result<(), Error> {
        let op = || format!("add service {}", describe_key(&s.key));
        self.call(&wire::new_service(s), &op)
            .map(drop)
            .map_err(|e| service_err(s, e))
    }

    /// Changes a service's settings.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`]; [`Error::SchedulerUnavailable`].
    pub fn edit_service(&mut self, s: &Service) -> Result<(), Error> {
        let op = || format!("edit service {}", describe_key(&s.key));
        self.call(&wire::set_service(s), &op)
            .map(drop)
            .map_err(|e| service_err(s, e))
    }

    /// Deletes a service and its destinations.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`].
    pub fn del_service(&mut self, key: &ServiceKey) -> Result<(), Error> {
        let op = || format!("delete service {}", describe_key(key));
        self.call(&wire::del_service(key), &op).map(drop)
    }

    /// A service's destinations, with counters.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when there is no such service.
    pub fn destinations(&mut self, key: &ServiceKey) -> Result<Vec<Destination>, Error> {
        let op = || format!("list destinations of {}", describe_key(key));
        self.on_small = true;
        let res = self.call(&wire::get_dests(key), &op);
        self.on_small = false;
        Ok(res?
            .into_iter()
            .filter_map(|r| {
                if let Reply::Destination { dest, .. } = r {
                    Some(*dest)
                } else {
                    None
                }
            })
            .collect())
    }

    /// Adds a destination.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::AlreadyExists`], [`ErrorKind::NotFound`] (no such service).
    pub fn add_dest(&mut self, svc: &ServiceKey, d: &Destination) -> Result<(), Error> {
        let op = || {
            format!(
                "add destination {} to {}",
                describe_dest(&d.key),
                describe_key(svc)
            )
        };
        self.call(&wire::new_dest(svc, d), &op).map(drop)
    }

    /// Changes a destination.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`].
    pub fn edit_dest(&mut self, svc: &ServiceKey, d: &Destination) -> Result<(), Error> {
        let op = || {
            format!(
                "edit destination {} of {}",
                describe_dest(&d.key),
                describe_key(svc)
            )
        };
        self.call(&wire::set_dest(svc, d), &op).map(drop)
    }

    /// Deletes a destination.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`].
    pub fn del_dest(&mut self, svc: &ServiceKey, d: &DestKey) -> Result<(), Error> {
        let op = || {
            format!(
                "delete destination {} of {}",
                describe_dest(d),
                describe_key(svc)
            )
        };
        self.call(&wire::del_dest(svc, d), &op).map(drop)
    }

    /// Deletes every service.
    ///
    /// # Errors
    ///
    /// A kernel or timeout error.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.call(&wire::flush(), &|| "flush the IPVS table".to_string())
            .map(drop)
    }

    /// Zeroes the counters of one service, or of every service with `None`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] for a missing service.
    pub fn zero(&mut self, svc: Option<&ServiceKey>) -> Result<(), Error> {
        let op = || match svc {
            Some(k) => format!("zero the counters of {}", describe_key(k)),
            None => "zero all counters".to_string(),
        };
        self.call(&wire::zero(svc), &op).map(drop)
    }

    /// The connection timeouts.
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn timeouts(&mut self) -> Result<Timeouts, Error> {
        let op = || "get timeouts".to_string();
        self.call(&wire::get_config(), &op)?
            .into_iter()
            .find_map(|r| {
                if let Reply::Timeouts { timeouts, .. } = r {
                    Some(timeouts)
                } else {
                    None
                }
            })
            .ok_or_else(|| missing(&op))
    }

    /// Sets the connection timeouts; a 0 leaves that one unchanged.
    ///
    /// # Errors
    ///
    /// A kernel or timeout error.
    pub fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), Error> {
        self.call(&wire::set_config(t), &|| "set timeouts".to_string())
            .map(drop)
    }

    /// Starts a sync daemon.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::AlreadyExists`] when one of that role runs already; `ENODEV` for a
    /// missing interface.
    pub fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        let op = || format!("start the {:?} sync daemon on {}", d.state, d.mcast_ifname);
        self.call(&wire::new_daemon(d), &op).map(drop)
    }

    /// Stops the sync daemon of a role.
    ///
    /// # Errors
    ///
    /// A kernel or timeout error.
    pub fn stop_daemon(&mut self, state: DaemonState) -> Result<(), Error> {
        let op = || format!("stop the {state:?} sync daemon");
        self.call(&wire::del_daemon(state), &op).map(drop)
    }

    /// The running sync daemons.
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        let op = || "list sync daemons".to_string();
        Ok(self
            .call(&wire::get_daemons(), &op)?
            .into_iter()
            .filter_map(|r| {
                if let Reply::Daemon { daemon, .. } = r {
                    Some(daemon)
                } else {
                    None
                }
            })
            .collect())
    }

    /// The whole table (services and destinations, without counters).
    ///
    /// A service dump that spans several datagrams can skip or repeat
    /// services when any namespace's table changes meanwhile: the kernel
    /// resumes its walk of one global hash table by position. So the services
    /// are dumped until two dumps agree (at most four times).
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn table(&mut self) -> Result<Table, Error> {
        let keys = |v: &[Service]| {
            let mut k: Vec<ServiceKey> = v.iter().map(|s| s.key).collect();
            k.sort();
            k
        };
        let mut services = self.services()?;
        for _ in 0..3 {
            let again = self.services()?;
            let stable = keys(&again) == keys(&services);
            services = again;
            if stable {
                break;
            }
        }
        let keys: Vec<ServiceKey> = services.iter().map(|s| s.key).collect();
        let dests = self.destination_settings(&keys)?;
        Ok(Table::from_parts(services.into_iter().zip(dests)))
    }
}

fn missing(op: &dyn Fn() -> String) -> Error {
    Error::Decode {
        op: op(),
        source: crate::DecodeError::Missing {
            what: "reply",
            attr: "data message",
        },
    }
}
