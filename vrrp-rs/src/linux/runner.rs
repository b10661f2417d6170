//! [`Runner`]: a driver for a whole [`Router`] on Linux, the IO half of a
//! VRRP daemon.
//!
//! The runner owns one raw VRRP socket per interface and family, the GARP /
//! NA sockets, and the virtual addresses: it adds an instance's addresses
//! when it becomes master and removes them when it leaves Master, sends what
//! the engine schedules (adverts first, then the announcements, once the
//! addresses exist), and on [`Runner::shutdown`] sends priority 0 and
//! removes every address. Everything it does not decide itself (logging,
//! notify scripts, tracking) reaches the caller as a [`Notice`].

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::Instant;

use nix::sys::socket::{self, AddressFamily, NetlinkAddr, SockFlag, SockProtocol, SockType};

use super::{AcceptFilter, Announcer, LinuxError, Sleeper, VrrpSocket, ifindex, set_vip};
use crate::wire::MacAddr;
use crate::{Command, ConfigError, Event, InstanceConfig, InstanceId, Received, Router, State};
use crate::{TransmitKind, wire::Family};

/// A virtual address an instance adds while it is master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vip {
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
    /// The interface it goes on (keepalived's `dev`, by default the
    /// instance's interface).
    pub iface: String,
}

/// Something the caller should know about: the engine's events and the IO
/// failures the runner survived.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// An event of the engine (the runner already added or removed the
    /// addresses of a state change).
    Engine(Event),
    /// Adding or removing a virtual address failed.
    Address {
        /// The instance.
        instance: InstanceId,
        /// The address.
        addr: IpAddr,
        /// What failed.
        error: LinuxError,
    },
    /// Sending a packet failed (the interface is down, say).
    Send {
        /// The instance.
        instance: InstanceId,
        /// The interface.
        iface: String,
        /// What failed.
        error: io::Error,
    },
    /// Reading a VRRP socket failed.
    Receive {
        /// The interface.
        iface: String,
        /// What failed.
        error: io::Error,
    },
    /// Updating the accept-mode rules failed (see
    /// [`Runner::set_accept_filter`]).
    AcceptMode {
        /// What failed.
        error: LinuxError,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Engine(e) => write!(f, "{e:?}"),
            Notice::Address {
                instance,
                addr,
                error,
            } => write!(f, "instance {}: address {addr}: {error}", instance.0),
            Notice::Send {
                instance,
                iface,
                error,
            } => write!(f, "instance {}: sending on {iface}: {error}", instance.0),
            Notice::Receive { iface, error } => write!(f, "receiving on {iface}: {error}"),
            Notice::AcceptMode { error } => write!(f, "accept mode: {error}"),
        }
    }
}

/// An error of [`Runner`] setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// The engine refused the configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A socket could not be opened or an interface found.
    #[error(transparent)]
    Linux(#[from] LinuxError),
}

/// One interface: its VRRP sockets (opened for the families used) and its
/// announcement sockets.
#[derive(Debug)]
struct Link {
    iface: String,
    v4: Option<VrrpSocket>,
    v6: Option<VrrpSocket>,
    announcer: Announcer,
}

#[derive(Debug)]
struct InstanceIo {
    link: usize,
    /// The link whose announcer sends the GARP / NA (usually `link`).
    announce: usize,
    /// Traffic to the addresses is dropped while master.
    block: bool,
    vips: Vec<(u32, Vip)>,
}

/// Drives a [`Router`] on raw sockets: one VRRP socket per interface and
/// family, GARP / NA, the virtual addresses, priority 0 on shutdown.
///
/// The caller's own file descriptors (a signalfd, a [`LinkWatch`], pipes)
/// are waited on together with its sockets and a timerfd armed at the
/// engine's next deadline (a [`Sleeper`]: no timer slack), so a daemon is a
/// loop around [`Runner::run_once`]:
///
/// ```no_run
/// use std::os::fd::AsFd;
/// use std::time::{Duration, Instant};
/// use vrrp::linux::{LinkWatch, Runner, Vip};
/// use vrrp::wire::{AddrList, Version};
/// use vrrp::InstanceConfig;
///
/// let eth0 = vrrp::linux::interface("eth0")?;
/// let vip = "198.18.0.100".parse()?;
/// let mut cfg = InstanceConfig::new("VI_1", 51, Version::V3, 150, eth0.ipv4[0].into(), AddrList::V4(vec![vip]));
/// cfg.mac = eth0.mac;
/// let mut runner = Runner::new();
/// runner.add_instance(cfg, "eth0", vec![Vip { addr: vip.into(), prefix: 24, iface: "eth0".into() }])?;
/// let watch = LinkWatch::open()?;
/// let mut notices = Vec::new();
/// runner.start(Instant::now(), &mut notices)?;
/// let stop = Instant::now() + Duration::from_secs(60);
/// while Instant::now() < stop {
///     let ready = runner.run_once(&[watch.as_fd()], Some(stop), &mut notices)?;
///     if ready[0] {
///         watch.drain(); // links changed: look at them, send Command::InterfaceState
///     }
///     for n in notices.drain(..) {
///         eprintln!("{n}");
///     }
/// }
/// runner.shutdown(&mut notices)?; // priority 0, addresses removed
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Runner {
    router: Router,
    links: Vec<Link>,
    io: Vec<InstanceIo>,
    buf: Vec<u8>,
    /// Opened by the first [`Runner::run_once`].
    sleeper: Option<Sleeper>,
    /// The latest instant the engine was given.
    last: Option<Instant>,
    /// Accept mode enforcement.
    accept: Option<AcceptFilter>,
}

/// What [`interface`] found about an interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interface {
    /// Its index.
    pub index: u32,
    /// Its MAC address (zero for interfaces without one).
    pub mac: MacAddr,
    /// Administratively up and running (carrier): keepalived's "up".
    pub up: bool,
    /// IPv4 addresses, the primary first.
    pub ipv4: Vec<Ipv4Addr>,
    /// IPv6 link-local addresses.
    pub ipv6_link_local: Vec<Ipv6Addr>,
}

/// Looks up interface `name` in the calling thread's network namespace.
pub fn interface(name: &str) -> Result<Interface, LinuxError> {
    let index = ifindex(name)?;
    let addrs = nix::ifaddrs::getifaddrs().map_err(|e| LinuxError::Io {
        what: "getifaddrs",
        iface: name.to_string(),
        source: e.into(),
    })?;
    let mut out = Interface {
        index,
        ..Interface::default()
    };
    for a in addrs.filter(|a| a.interface_name == name) {
        use nix::net::if_::InterfaceFlags as F;
        out.up = a.flags.contains(F::IFF_UP | F::IFF_RUNNING);
        let Some(sa) = a.address else { continue };
        if let Some(l) = sa.as_link_addr().and_then(|l| l.addr()) {
            out.mac = MacAddr(l);
        } else if let Some(v4) = sa.as_sockaddr_in() {
            out.ipv4.push(v4.ip());
        } else if let Some(v6) = sa.as_sockaddr_in6() {
            if v6.ip().is_unicast_link_local() {
                out.ipv6_link_local.push(v6.ip());
            }
        }
    }
    Ok(out)
}

/// A netlink socket subscribed to link changes (`RTMGRP_LINK`): it becomes
/// readable when an interface goes up or down, so a daemon tracks
/// interfaces without polling them. Pass it to [`Runner::run_once`] and, when
/// it is ready, [`drain`](LinkWatch::drain) it and look at the interfaces
/// again with [`interface`].
#[derive(Debug)]
pub struct LinkWatch {
    fd: OwnedFd,
}

impl LinkWatch {
    /// Opens the socket in the calling thread's namespace.
    pub fn open() -> Result<LinkWatch, LinuxError> {
        let err = |what| {
            move |e: nix::errno::Errno| LinuxError::Io {
                what,
                iface: "(all)".to_string(),
                source: e.into(),
            }
        };
        let fd = socket::socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )
        .map_err(err("netlink socket"))?;
        socket::bind(
            fd.as_raw_fd(),
            &NetlinkAddr::new(0, nix::libc::RTMGRP_LINK as u32),
        )
        .map_err(err("bind to RTMGRP_LINK"))?;
        Ok(LinkWatch { fd })
    }

    /// Reads every pending notification (at most 1024), so that the socket
    /// waits again.
    pub fn drain(&self) {
        let mut buf = [0u8; 8192];
        for _ in 0..1024 {
            match socket::recv(
                self.fd.as_raw_fd(),
                &mut buf,
                socket::MsgFlags::MSG_DONTWAIT,
            ) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

impl AsFd for LinkWatch {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Runner {
    /// A runner with no instance.
    pub fn new() -> Runner {
        Runner::default()
    }

    /// The engine (states, priorities, counters).
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Adds an instance running on interface `iface`, which adds `vips` while
    /// master (the advertised addresses and any others, such as keepalived's
    /// `virtual_ipaddress_excluded`). Opens the interface's sockets on first
    /// use. The engine finds instances by VRID and family, so two instances
    /// of one family need distinct VRIDs even on different interfaces.
    pub fn add_instance(
        &mut self,
        cfg: InstanceConfig,
        iface: &str,
        vips: Vec<Vip>,
    ) -> Result<InstanceId, RunnerError> {
        self.add_instance_announcing(cfg, iface, iface, vips)
    }

    /// As [`Runner::add_instance`], with the adverts on `iface` and the
    /// GARP / NA on `announce_iface`: keepalived's `use_vmac` with
    /// `vmac_xmit_base` advertises from the base interface and announces
    /// the addresses from the VMAC ([`Vmac`](super::Vmac)) that holds them.
    pub fn add_instance_announcing(
        &mut self,
        cfg: InstanceConfig,
        iface: &str,
        announce_iface: &str,
        vips: Vec<Vip>,
    ) -> Result<InstanceId, RunnerError> {
        let family = cfg.family();
        let primary = cfg.primary;
        let link = self.link(iface)?;
        let announce = self.link(announce_iface)?;
        let mut indexed = Vec::with_capacity(vips.len());
        for v in vips {
            indexed.push((ifindex(&v.iface)?, v));
        }
        let id = self.router.add_instance(cfg)?;
        let l = &mut self.links[link];
        let slot = match family {
            Family::V4 => &mut l.v4,
            Family::V6 => &mut l.v6,
        };
        if slot.is_none() {
            *slot = Some(VrrpSocket::open(iface, ifindex(iface)?, primary)?);
        }
        self.io.push(InstanceIo {
            link,
            announce,
            block: false,
            vips: indexed,
        });
        Ok(id)
    }

    /// The link of interface `iface`, opened (announcer only) on first use.
    fn link(&mut self, iface: &str) -> Result<usize, LinuxError> {
        if let Some(l) = self.links.iter().position(|l| l.iface == iface) {
            return Ok(l);
        }
        let index = ifindex(iface)?;
        self.links.push(Link {
            iface: iface.to_string(),
            v4: None,
            v6: None,
            announcer: Announcer::open(index)?,
        });
        Ok(self.links.len() - 1)
    }

    /// Enforces accept mode (RFC 5798 §6.4.3) with `filter`: while an
    /// instance marked with [`Runner::block_when_master`] is master, packets
    /// to its addresses are dropped (ARP and neighbour discovery still
    /// answered). As keepalived, the rules are installed before the
    /// addresses are added and removed after they are removed, so there is
    /// no moment when the addresses take traffic.
    pub fn set_accept_filter(&mut self, filter: AcceptFilter) {
        self.accept = Some(filter);
    }

    /// Marks `instance` as not in accept mode (keepalived's `no_accept`, or
    /// `vrrp_strict` without `accept`; never the owner): see
    /// [`Runner::set_accept_filter`].
    pub fn block_when_master(&mut self, instance: InstanceId) -> Result<(), ConfigError> {
        self.io
            .get_mut(instance.0)
            .ok_or(ConfigError::UnknownInstance(instance.0))?
            .block = true;
        Ok(())
    }

    /// Declares a sync group (see [`Router::add_sync_group`]).
    pub fn add_sync_group(&mut self, members: &[InstanceId]) -> Result<(), ConfigError> {
        self.router.add_sync_group(members)
    }

    /// Removes addresses left over from a crash (as keepalived does at
    /// start), then starts every instance and sends what that produced.
    pub fn start(&mut self, now: Instant, notices: &mut Vec<Notice>) -> Result<(), RunnerError> {
        for (i, io) in self.io.iter().enumerate() {
            for (index, v) in &io.vips {
                if let Err(error) = set_vip(*index, v.addr, v.prefix, false) {
                    notices.push(Notice::Address {
                        instance: InstanceId(i),
                        addr: v.addr,
                        error,
                    });
                }
            }
        }
        for i in 0..self.io.len() {
            self.router
                .handle_command(now, Command::Startup(InstanceId(i)))?;
        }
        self.flush(notices);
        Ok(())
    }

    /// Passes a command (tracking results, mostly) to the engine and sends
    /// what it produced.
    pub fn handle_command(
        &mut self,
        now: Instant,
        cmd: Command,
        notices: &mut Vec<Notice>,
    ) -> Result<(), ConfigError> {
        let now = self.advance(now);
        self.router.handle_command(now, cmd)?;
        self.flush(notices);
        Ok(())
    }

    /// Stops every instance: a master sends priority 0 and removes its
    /// addresses (the [`Event::StateChanged`] to Initialize is in `notices`).
    pub fn shutdown(&mut self, notices: &mut Vec<Notice>) -> Result<(), ConfigError> {
        let now = Instant::now();
        for i in 0..self.io.len() {
            self.router
                .handle_command(now, Command::Shutdown(InstanceId(i)))?;
        }
        self.flush(notices);
        Ok(())
    }

    /// One round: waits (on a [`Sleeper`]) until a packet arrives, an engine
    /// deadline or `until` passes, or one of `wake` becomes readable; feeds
    /// the engine each advert with its kernel arrival time
    /// ([`VrrpSocket::try_recv`]); sends what it scheduled; adds and removes
    /// addresses. Returns, for each of `wake`, whether it is readable (the
    /// caller reads it). Errors are those of the wait itself (the timerfd,
    /// `poll`); send and address failures are notices.
    pub fn run_once(
        &mut self,
        wake: &[BorrowedFd<'_>],
        until: Option<Instant>,
        notices: &mut Vec<Notice>,
    ) -> io::Result<Vec<bool>> {
        self.flush(notices);
        let deadline = match (self.router.poll_timeout(), until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.sleeper.is_none() {
            self.sleeper = Some(Sleeper::new().map_err(io::Error::other)?);
        }
        let socks: Vec<(usize, &VrrpSocket)> = self
            .links
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [l.v4.as_ref(), l.v6.as_ref()]
                    .into_iter()
                    .flatten()
                    .map(move |s| (i, s))
            })
            .collect();
        let fds: Vec<BorrowedFd<'_>> = socks
            .iter()
            .map(|(_, s)| s.fd())
            .chain(wake.iter().copied())
            .collect();
        let mut ready = vec![false; fds.len()];
        if let Some(sleeper) = &self.sleeper {
            // A timerfd armed at the deadline: no timer slack, no early
            // wake-up.
            sleeper.wait(&fds, deadline, &mut ready)?;
        }
        let readable: Vec<(usize, usize)> = socks
            .iter()
            .enumerate()
            .filter(|(k, _)| ready[*k])
            .map(|(k, (l, _))| (k, *l))
            .collect();
        let woken = ready[socks.len()..].to_vec();
        drop(fds);
        drop(socks);
        for (k, link) in readable {
            self.receive(k, link, notices);
        }
        let now = self.advance(Instant::now());
        self.router.handle_timeout(now);
        self.flush(notices);
        Ok(woken)
    }

    /// The engine sees time move forward only: `at`, or the latest instant
    /// it was given if that is later.
    fn advance(&mut self, at: Instant) -> Instant {
        let t = self.last.map_or(at, |l| l.max(at));
        self.last = Some(t);
        t
    }

    /// Reads what socket `k` (of link `link`) holds, at most 64 datagrams,
    /// each fed with its kernel arrival time.
    fn receive(&mut self, k: usize, link: usize, notices: &mut Vec<Notice>) {
        let base = self.socket_base(link);
        let l = &self.links[link];
        let Some(sock) = [l.v4.as_ref(), l.v6.as_ref()]
            .into_iter()
            .flatten()
            .nth(k - base)
        else {
            return;
        };
        let mut got = Vec::new();
        for _ in 0..64 {
            match sock.try_recv() {
                Ok(Some(d)) => got.push(d),
                Ok(None) => break,
                Err(error) => {
                    notices.push(Notice::Receive {
                        iface: l.iface.clone(),
                        error,
                    });
                    break;
                }
            }
        }
        for (d, at) in got {
            // The engine finds the instance by VRID and family; an advert for
            // an instance of another interface is not for us.
            let family = if d.src.is_ipv4() {
                Family::V4
            } else {
                Family::V6
            };
            let vrid = d.payload.get(1).copied();
            let foreign = self.io.iter().enumerate().any(|(i, io)| {
                io.link != link
                    && self
                        .router
                        .config(InstanceId(i))
                        .is_some_and(|c| Some(c.vrid) == vrid && c.family() == family)
            });
            if foreign {
                continue;
            }
            let rx = Received {
                src: d.src,
                dst: d.dst,
                ttl: d.ttl,
                payload: &d.payload,
            };
            let now = self.advance(at);
            self.router.handle_packet(now, &rx);
        }
    }

    /// Index of link `link`'s first socket in the poll set.
    fn socket_base(&self, link: usize) -> usize {
        self.links[..link]
            .iter()
            .map(|l| usize::from(l.v4.is_some()) + usize::from(l.v6.is_some()))
            .sum()
    }

    /// Sends adverts, applies state changes to the addresses, then sends
    /// GARP / NA (keepalived's order: advert, address, announcements).
    fn flush(&mut self, notices: &mut Vec<Notice>) {
        let mut later = Vec::new();
        while let Some(tx) = self.router.poll_transmit(&mut self.buf) {
            let Some(io) = self.io.get(tx.instance.0) else {
                continue;
            };
            let link = &self.links[io.link];
            match tx.kind {
                TransmitKind::Advert { .. } => {
                    let sock = if tx.src.is_ipv4() { &link.v4 } else { &link.v6 };
                    if let Some(s) = sock {
                        if let Err(error) = s.send(tx.dst, &self.buf[..tx.len]) {
                            notices.push(Notice::Send {
                                instance: tx.instance,
                                iface: link.iface.clone(),
                                error,
                            });
                        }
                    }
                }
                _ => later.push((tx, self.buf[..tx.len].to_vec())),
            }
        }
        while let Some(ev) = self.router.poll_event() {
            if let Event::StateChanged {
                instance, from, to, ..
            } = &ev
            {
                let add = *to == State::Master;
                if add || *from == State::Master {
                    let block = self.io.get(instance.0).is_some_and(|io| io.block);
                    // The rules before the addresses come, after they go.
                    if block && add {
                        self.update_accept(notices);
                    }
                    self.set_vips(*instance, add, notices);
                    if block && !add {
                        self.update_accept(notices);
                    }
                }
            }
            notices.push(Notice::Engine(ev));
        }
        for (tx, bytes) in later {
            let Some(io) = self.io.get(tx.instance.0) else {
                continue;
            };
            let link = &self.links[io.announce];
            let sent = match (tx.kind, tx.src) {
                (TransmitKind::Garp, _) => link.announcer.send_frame(&bytes),
                (TransmitKind::NeighborAdvert, IpAddr::V6(src)) => {
                    link.announcer.send_na(src, &bytes)
                }
                _ => continue,
            };
            if let Err(error) = sent {
                notices.push(Notice::Send {
                    instance: tx.instance,
                    iface: link.iface.clone(),
                    error,
                });
            }
        }
    }

    /// Blocks the addresses of every blocking instance that is master, and
    /// no other.
    fn update_accept(&mut self, notices: &mut Vec<Notice>) {
        let Some(filter) = &mut self.accept else {
            return;
        };
        let router = &self.router;
        let blocked: Vec<IpAddr> = self
            .io
            .iter()
            .enumerate()
            .filter(|(k, io)| io.block && router.state(InstanceId(*k)) == Some(State::Master))
            .flat_map(|(_, io)| io.vips.iter().map(|(_, v)| v.addr))
            .collect();
        if let Err(error) = filter.set_blocked(&blocked) {
            notices.push(Notice::AcceptMode { error });
        }
    }

    fn set_vips(&self, instance: InstanceId, add: bool, notices: &mut Vec<Notice>) {
        let Some(io) = self.io.get(instance.0) else {
            return;
        };
        for (index, v) in &io.vips {
            if let Err(error) = set_vip(*index, v.addr, v.prefix, add) {
                notices.push(Notice::Address {
                    instance,
                    addr: v.addr,
                    error,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransitionReason;
    use crate::wire::{AddrList, Version};
    use lbkit_testsupport::netns::{Lan, Netns};
    use lbkit_testsupport::tier;
    use std::time::Duration;

    const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);

    /// What a host saw: its transitions, and whether the address was on
    /// eth0 while it was master and after it stopped.
    #[derive(Debug, Default)]
    struct Seen {
        moves: Vec<(State, TransitionReason)>,
        vip_as_master: bool,
        vip_after: bool,
    }

    fn has_vip() -> bool {
        interface("eth0").is_ok_and(|i| i.ipv4.contains(&VIP))
    }

    /// Runs a runner on `host`'s eth0 (VRRPv3, 0.1 s adverts) until it has
    /// been master for `hold` (then shuts down) or until `limit` passes.
    fn host_run(host: &Netns, prio: u8, hold: Option<Duration>, limit: Duration) -> Seen {
        host.enter(move || {
            let eth0 = interface("eth0").unwrap();
            let mut cfg = InstanceConfig::new(
                "VI_1",
                51,
                Version::V3,
                prio,
                IpAddr::V4(eth0.ipv4[0]),
                AddrList::V4(vec![VIP]),
            );
            cfg.advert_interval = Duration::from_millis(100);
            cfg.mac = eth0.mac;
            let vip = Vip {
                addr: IpAddr::V4(VIP),
                prefix: 24,
                iface: "eth0".into(),
            };
            let mut r = Runner::new();
            let id = r.add_instance(cfg, "eth0", vec![vip]).unwrap();
            let mut notices = Vec::new();
            let mut seen = Seen::default();
            let start = Instant::now();
            r.start(start, &mut notices).unwrap();
            let mut master_since = None;
            // Bounded by `limit`.
            while start.elapsed() < limit {
                r.run_once(
                    &[],
                    Some(Instant::now() + Duration::from_millis(50)),
                    &mut notices,
                )
                .unwrap();
                for n in notices.drain(..) {
                    if let Notice::Engine(Event::StateChanged { to, reason, .. }) = n {
                        seen.moves.push((to, reason));
                    }
                }
                if r.router().state(id) == Some(State::Master) {
                    let since = *master_since.get_or_insert_with(Instant::now);
                    seen.vip_as_master |= has_vip();
                    if hold.is_some_and(|h| since.elapsed() >= h) {
                        r.shutdown(&mut notices).unwrap();
                        for n in notices.drain(..) {
                            if let Notice::Engine(Event::StateChanged { to, reason, .. }) = n {
                                seen.moves.push((to, reason));
                            }
                        }
                        break;
                    }
                    if hold.is_none() && seen.vip_as_master {
                        break;
                    }
                }
            }
            seen.vip_after = has_vip();
            seen
        })
        .unwrap()
    }

    /// Two runners: the higher priority becomes master with the address;
    /// on its shutdown (priority 0) the other takes over, and the first
    /// one's address is gone.
    #[test]
    fn two_runners_hand_over_on_shutdown() {
        if !tier::namespace("runner_handover") {
            return;
        }
        let lan = Lan::new("runner", 2).unwrap();
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                host_run(
                    lan.host(1),
                    200,
                    Some(Duration::from_secs(1)),
                    Duration::from_secs(20),
                )
            });
            let b = s.spawn(|| host_run(lan.host(2), 100, None, Duration::from_secs(25)));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a.vip_as_master, "{a:?}");
        assert!(!a.vip_after, "the address stayed after shutdown: {a:?}");
        assert_eq!(
            a.moves.last(),
            Some(&(State::Initialize, TransitionReason::Shutdown)),
            "{a:?}"
        );
        assert!(b.vip_as_master && b.vip_after, "{b:?}");
        assert_eq!(b.moves.first().map(|m| m.0), Some(State::Backup), "{b:?}");
        assert_eq!(
            b.moves.last(),
            Some(&(State::Master, TransitionReason::MasterDown)),
            "{b:?}"
        );
    }
}
