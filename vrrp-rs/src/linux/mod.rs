//! Linux IO for the engine (feature `linux`): raw `IPPROTO_VRRP` sockets and
//! a small runner that drives a [`Router`] on them.
//!
//! Virtual addresses are added and removed with [`set_vip`] (rtnetlink);
//! [`Announcer`] sends the GARP frames (`AF_PACKET`) and neighbour
//! advertisements (raw ICMPv6) the engine schedules.
#![allow(clippy::disallowed_methods)] // the IO layer reads the clock

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, ppoll};
use nix::sys::socket::{self, ControlMessageOwned, MsgFlags, SockaddrIn6, sockopt};
use nix::sys::time::TimeSpec;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

mod accept;
mod announce;
mod runner;
mod sys;
mod vip;
mod vmac;
mod wait;
pub use accept::AcceptFilter;
pub use announce::Announcer;
pub use runner::{Interface, LinkWatch, Notice, Runner, RunnerError, Vip, interface};
pub use vip::set_vip;
pub use vmac::{Vmac, vrrp_mac};
pub use wait::Sleeper;

use crate::wire::{IPPROTO_VRRP, MCAST_V4, MCAST_V6, VRRP_TTL};
use crate::{Event, Received, Router, TransmitKind};

/// An error of the Linux layer, saying what failed and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinuxError {
    /// A raw socket needs `CAP_NET_RAW`.
    #[error("cannot open a raw VRRP socket: {0} (run as root or grant CAP_NET_RAW)")]
    PermissionDenied(io::Error),
    /// An rtnetlink request failed.
    #[error(
        "{what} on interface index {ifindex}: {detail} (needs CAP_NET_ADMIN in the interface's namespace)"
    )]
    Netlink {
        /// What was being done.
        what: &'static str,
        /// The interface index.
        ifindex: u32,
        /// The kernel's or the library's message.
        detail: String,
    },
    /// Another socket operation failed.
    #[error("{what} on interface {iface}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The interface.
        iface: String,
        /// The OS error.
        source: io::Error,
    },
}

/// One datagram received by a [`VrrpSocket`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit it arrived with.
    pub ttl: u8,
    /// The VRRP message (sized from the IP total length).
    pub payload: Vec<u8>,
}

/// A raw `IPPROTO_VRRP` socket bound to one interface, joined to the VRRP
/// group, sending with TTL / hop limit 255 and DSCP CS6 (TOS 0xc0) as
/// keepalived does.
#[derive(Debug)]
pub struct VrrpSocket {
    sock: Socket,
    v6: bool,
    /// IPv4: the interface index and source address each send names in
    /// `IP_PKTINFO`, so that the source may live on another interface
    /// (a VMAC: see [`Vmac`]).
    v4_src: Option<(u32, Ipv4Addr)>,
}

impl VrrpSocket {
    /// Opens the socket on `iface` (index `ifindex`) with `local` as the
    /// source (the interface's primary IPv4 address, or its IPv6 link-local).
    pub fn open(iface: &str, ifindex: u32, local: IpAddr) -> Result<VrrpSocket, LinuxError> {
        let err = |what| {
            let iface = iface.to_string();
            move |source| LinuxError::Io {
                what,
                iface,
                source,
            }
        };
        let v6 = local.is_ipv6();
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(
            domain,
            Type::RAW,
            Some(Protocol::from(i32::from(IPPROTO_VRRP))),
        )
        .map_err(|e| {
            if e.kind() == io::ErrorKind::PermissionDenied {
                LinuxError::PermissionDenied(e)
            } else {
                err("socket")(e)
            }
        })?;
        sock.bind_device(Some(iface.as_bytes()))
            .map_err(err("SO_BINDTODEVICE"))?;
        match local {
            IpAddr::V4(_) => {
                // Not bound to `local`: a raw socket bound to an address only
                // receives packets for that address, not for 224.0.0.18.
                // Joined by index: on a VMAC the source address belongs to
                // the base interface, not to `iface`.
                let index = socket2::InterfaceIndexOrAddress::Index(ifindex);
                sock.join_multicast_v4_n(&MCAST_V4, &index)
                    .map_err(err("join 224.0.0.18"))?;
                sock.set_multicast_ttl_v4(u32::from(VRRP_TTL))
                    .map_err(err("IP_MULTICAST_TTL"))?;
                sock.set_ttl_v4(u32::from(VRRP_TTL))
                    .map_err(err("IP_TTL"))?;
                sock.set_multicast_loop_v4(false)
                    .map_err(err("IP_MULTICAST_LOOP"))?;
                sock.set_tos_v4(0xc0).map_err(err("IP_TOS"))?;
                sys::set_pmtudisc_dont(sock.as_fd()).map_err(err("IP_MTU_DISCOVER"))?;
            }
            IpAddr::V6(a) => {
                let scope = if a.is_unicast_link_local() {
                    ifindex
                } else {
                    0
                };
                let sa = SocketAddr::V6(std::net::SocketAddrV6::new(a, 0, 0, scope));
                sock.bind(&SockAddr::from(sa)).map_err(err("bind"))?;
                sock.join_multicast_v6(&MCAST_V6, ifindex)
                    .map_err(err("join ff02::12"))?;
                sock.set_multicast_if_v6(ifindex)
                    .map_err(err("IPV6_MULTICAST_IF"))?;
                sock.set_multicast_hops_v6(u32::from(VRRP_TTL))
                    .map_err(err("IPV6_MULTICAST_HOPS"))?;
                sock.set_unicast_hops_v6(u32::from(VRRP_TTL))
                    .map_err(err("IPV6_UNICAST_HOPS"))?;
                sock.set_multicast_loop_v6(false)
                    .map_err(err("IPV6_MULTICAST_LOOP"))?;
                sock.set_tclass_v6(0xc0).map_err(err("IPV6_TCLASS"))?;
                socket::setsockopt(&sock, sockopt::Ipv6RecvHopLimit, &true)
                    .map_err(|e| err("IPV6_RECVHOPLIMIT")(io::Error::from(e)))?;
                socket::setsockopt(&sock, sockopt::Ipv6RecvPacketInfo, &true)
                    .map_err(|e| err("IPV6_RECVPKTINFO")(io::Error::from(e)))?;
            }
        }
        // Kernel receive timestamps: the engine's timers start when an
        // advert arrived, not when this thread got round to reading it.
        socket::setsockopt(&sock, sockopt::ReceiveTimestampns, &true)
            .map_err(|e| err("SO_TIMESTAMPNS")(io::Error::from(e)))?;
        sock.set_nonblocking(true).map_err(err("O_NONBLOCK"))?;
        let v4_src = match local {
            IpAddr::V4(a) => Some((ifindex, a)),
            IpAddr::V6(_) => None,
        };
        Ok(VrrpSocket { sock, v6, v4_src })
    }

    /// The socket's file descriptor, to wait on with a [`Sleeper`].
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Sends `payload` (a VRRP message) to `dst`.
    pub fn send(&self, dst: IpAddr, payload: &[u8]) -> io::Result<usize> {
        let (Some((index, src)), IpAddr::V4(d)) = (self.v4_src, dst) else {
            return self
                .sock
                .send_to(payload, &SockAddr::from(SocketAddr::new(dst, 0)));
        };
        // The interface and the source address, as keepalived's own IP
        // header has them (IP_MULTICAST_IF by address would refuse a source
        // of another interface).
        let info = nix::libc::in_pktinfo {
            ipi_ifindex: index as i32,
            ipi_spec_dst: nix::libc::in_addr {
                s_addr: u32::from(src).to_be(),
            },
            ipi_addr: nix::libc::in_addr { s_addr: 0 },
        };
        let to = socket::SockaddrIn::from(std::net::SocketAddrV4::new(d, 0));
        socket::sendmsg(
            self.sock.as_raw_fd(),
            &[io::IoSlice::new(payload)],
            &[socket::ControlMessage::Ipv4PacketInfo(&info)],
            MsgFlags::empty(),
            Some(&to),
        )
        .map_err(io::Error::from)
    }

    /// Waits up to `timeout` for a datagram; `Ok(None)` on timeout. Datagrams
    /// too short for their IP header are skipped as `Ok(None)`.
    pub fn recv(&self, timeout: Duration) -> io::Result<Option<Datagram>> {
        // ppoll sleeps on a high-resolution timer; SO_RCVTIMEO would use the
        // timer wheel, whose slack (up to ~12% for timeouts of seconds)
        // would delay every Master_Down_Interval by as much.
        let mut fds = [PollFd::new(self.sock.as_fd(), PollFlags::POLLIN)];
        let ready = match ppoll(&mut fds, Some(TimeSpec::from_duration(timeout)), None) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => 0,
            Err(e) => return Err(e.into()),
        };
        if ready == 0 {
            return Ok(None);
        }
        Ok(self.read_one()?.map(|(d, _)| d))
    }

    /// Reads one datagram if one is queued (never blocks), with the instant
    /// it arrived (the kernel's receive timestamp, mapped onto [`Instant`];
    /// the read time when the kernel gave none). Datagrams too short for
    /// their IP header are skipped as `Ok(None)`.
    pub fn try_recv(&self) -> io::Result<Option<(Datagram, Instant)>> {
        Ok(self
            .read_one()?
            .map(|(d, at)| (d, at.unwrap_or_else(Instant::now))))
    }

    fn read_one(&self) -> io::Result<Option<(Datagram, Option<Instant>)>> {
        let mut buf = [0u8; 2048];
        let mut cmsg = nix::cmsg_space!(libc_in6_pktinfo, i32, TimeSpec);
        let mut iov = [IoSliceMut::new(&mut buf)];
        let (n, src6, ttl6, dst6, stamp) = {
            let msg = match socket::recvmsg::<SockaddrIn6>(
                self.sock.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg),
                MsgFlags::empty(),
            ) {
                Ok(m) => m,
                Err(nix::errno::Errno::EAGAIN) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let (mut ttl, mut dst, mut stamp) = (0u8, Ipv6Addr::UNSPECIFIED, None);
            for c in msg.cmsgs().into_iter().flatten() {
                match c {
                    ControlMessageOwned::Ipv6HopLimit(h) => ttl = u8::try_from(h).unwrap_or(0),
                    ControlMessageOwned::Ipv6PacketInfo(info) => {
                        dst = Ipv6Addr::from(info.ipi6_addr.s6_addr);
                    }
                    ControlMessageOwned::ScmTimestampns(ts) => stamp = Some(ts),
                    _ => {}
                }
            }
            let src = msg.address.map_or(Ipv6Addr::UNSPECIFIED, |a| a.ip());
            (msg.bytes, src, ttl, dst, stamp)
        };
        let at = stamp.map(arrival);
        if self.v6 {
            return Ok(Some((
                Datagram {
                    src: IpAddr::V6(src6),
                    dst: IpAddr::V6(dst6),
                    ttl: ttl6,
                    payload: buf[..n].to_vec(),
                },
                at,
            )));
        }
        // IPv4 raw sockets deliver the IP header: TTL and addresses from it.
        let b = &buf[..n];
        if n < 20 {
            return Ok(None);
        }
        let ihl = usize::from(b[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([b[2], b[3]])).min(n);
        let Some(payload) = b.get(ihl..total) else {
            return Ok(None);
        };
        let a = |o: usize| IpAddr::V4(Ipv4Addr::new(b[o], b[o + 1], b[o + 2], b[o + 3]));
        Ok(Some((
            Datagram {
                src: a(12),
                dst: a(16),
                ttl: b[8],
                payload: payload.to_vec(),
            },
            at,
        )))
    }
}

/// Maps a kernel receive timestamp (`CLOCK_REALTIME`) onto [`Instant`]: the
/// same distance in the past as it is behind the real-time clock now.
fn arrival(stamp: TimeSpec) -> Instant {
    let now = Instant::now();
    let Ok(real) = nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME) else {
        return now;
    };
    let age = real - stamp;
    if age.tv_sec() < 0 {
        return now;
    }
    now.checked_sub(Duration::from(age)).unwrap_or(now)
}

/// The index of interface `name` (in the calling thread's namespace).
pub fn ifindex(name: &str) -> Result<u32, LinuxError> {
    nix::net::if_::if_nametoindex(name).map_err(|e| LinuxError::Io {
        what: "if_nametoindex (is the interface name right?)",
        iface: name.to_string(),
        source: e.into(),
    })
}

/// `struct in6_pktinfo`'s size for the control buffer.
#[allow(non_camel_case_types)]
type libc_in6_pktinfo = [u8; 20];

/// Drives `router` on `sock` until `deadline` (wall clock): sends adverts
/// (and, with an `announcer`, GARP and NA), feeds received adverts, runs
/// timers, and hands every event to `on_event` (which adds and removes the
/// addresses, with [`set_vip`]).
///
/// It sleeps on a [`Sleeper`] (a timerfd, no timer slack) until the next
/// [`Router::poll_timeout`] or a packet, feeds each packet with its kernel
/// arrival time ([`VrrpSocket::try_recv`]), and sends what a transition
/// scheduled before anything else (adverts first, then `on_event`, then
/// GARP / NA). Between timer events and packets it uses no CPU.
pub fn run_until(
    router: &mut Router,
    sock: &VrrpSocket,
    announcer: Option<&Announcer>,
    deadline: Instant,
    mut on_event: impl FnMut(Event),
) -> io::Result<()> {
    let sleeper = Sleeper::new().map_err(io::Error::other)?;
    let mut buf = Vec::new();
    let mut last = Instant::now();
    let mut ready = [false];
    loop {
        flush(router, sock, announcer, &mut buf, &mut on_event)?;
        let now = Instant::now();
        if now >= deadline {
            return Ok(());
        }
        let wake = router.poll_timeout().map_or(deadline, |t| t.min(deadline));
        sleeper.wait(&[sock.fd()], Some(wake), &mut ready)?;
        if ready[0] {
            // At most 64 datagrams a round, so that a flood cannot starve
            // the timers.
            for _ in 0..64 {
                let Some((d, at)) = sock.try_recv()? else {
                    break;
                };
                // The engine sees time move forward only.
                last = last.max(at);
                let rx = Received {
                    src: d.src,
                    dst: d.dst,
                    ttl: d.ttl,
                    payload: &d.payload,
                };
                router.handle_packet(last, &rx);
            }
        }
        last = last.max(Instant::now());
        router.handle_timeout(last);
    }
}

/// Sends what the engine scheduled and hands its events over: adverts
/// first, then the events (so that the addresses exist), then GARP / NA
/// (keepalived's order: advert, address, announcements).
fn flush(
    router: &mut Router,
    sock: &VrrpSocket,
    announcer: Option<&Announcer>,
    buf: &mut Vec<u8>,
    on_event: &mut impl FnMut(Event),
) -> io::Result<()> {
    let mut later = Vec::new();
    while let Some(tx) = router.poll_transmit(buf) {
        match tx.kind {
            TransmitKind::Advert { .. } => {
                sock.send(tx.dst, &buf[..tx.len])?;
            }
            _ => later.push((tx, buf[..tx.len].to_vec())),
        }
    }
    while let Some(ev) = router.poll_event() {
        on_event(ev);
    }
    if let Some(a) = announcer {
        for (tx, bytes) in later {
            match (tx.kind, tx.src) {
                (TransmitKind::Garp, _) => {
                    a.send_frame(&bytes)?;
                }
                (TransmitKind::NeighborAdvert, IpAddr::V6(src)) => {
                    a.send_na(src, &bytes)?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}
