//! Gratuitous ARP on `AF_PACKET` and unsolicited neighbour advertisements on
//! a raw ICMPv6 socket.
//
// The one unsafe block of the crate is here: nix has no safe constructor for
// a link-layer socket address.
#![allow(unsafe_code)]

use std::io::{self, IoSlice};
use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::AsRawFd;

use nix::libc;
use nix::sys::socket::{self, ControlMessage, LinkAddr, MsgFlags, SockaddrIn6, SockaddrLike};
use socket2::{Domain, Protocol, Socket, Type};

use super::LinuxError;
use crate::wire::{ALL_NODES, ETHERTYPE_ARP, VRRP_TTL};

/// Sends the GARP frames and NA messages the engine schedules.
#[derive(Debug)]
pub struct Announcer {
    packet: Socket,
    icmp6: Socket,
    ifindex: u32,
    link: LinkAddr,
}

impl Announcer {
    /// Opens the sockets for interface `ifindex`.
    pub fn open(ifindex: u32) -> Result<Announcer, LinuxError> {
        let io_err = |what| {
            move |source: io::Error| LinuxError::Io {
                what,
                iface: format!("index {ifindex}"),
                source,
            }
        };
        let perm = |what: &'static str| {
            move |e: io::Error| {
                if e.kind() == io::ErrorKind::PermissionDenied {
                    LinuxError::PermissionDenied(e)
                } else {
                    io_err(what)(e)
                }
            }
        };
        let packet =
            Socket::new(Domain::PACKET, Type::RAW, None).map_err(perm("AF_PACKET socket"))?;
        let icmp6 = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))
            .map_err(perm("ICMPv6 socket"))?;
        icmp6
            .set_multicast_hops_v6(u32::from(VRRP_TTL))
            .map_err(io_err("IPV6_MULTICAST_HOPS"))?;
        icmp6
            .set_multicast_if_v6(ifindex)
            .map_err(io_err("IPV6_MULTICAST_IF"))?;
        // SAFETY: sockaddr_ll is plain old data, so all-zeroes is a valid
        // value; the pointer and length given to from_raw describe exactly
        // that local value, which outlives the call.
        let link = unsafe {
            let mut sll: libc::sockaddr_ll = std::mem::zeroed();
            sll.sll_family = libc::AF_PACKET as u16;
            sll.sll_protocol = ETHERTYPE_ARP.to_be();
            sll.sll_ifindex = ifindex as i32;
            sll.sll_halen = 6;
            sll.sll_addr[..6].copy_from_slice(&[0xff; 6]);
            LinkAddr::from_raw(
                (&raw const sll).cast::<libc::sockaddr>(),
                Some(std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t),
            )
        }
        .ok_or_else(|| io_err("sockaddr_ll")(io::Error::other("invalid link address")))?;
        Ok(Announcer {
            packet,
            icmp6,
            ifindex,
            link,
        })
    }

    /// Sends a whole Ethernet frame (a GARP from
    /// [`garp_frame`](crate::wire::garp_frame)) on the interface.
    pub fn send_frame(&self, frame: &[u8]) -> io::Result<usize> {
        socket::sendto(
            self.packet.as_raw_fd(),
            frame,
            &self.link,
            MsgFlags::empty(),
        )
        .map_err(io::Error::from)
    }

    /// Sends an ICMPv6 message (an NA) from `src` (the virtual address) to
    /// ff02::1 with hop limit 255; the kernel fills in the checksum.
    pub fn send_na(&self, src: Ipv6Addr, icmp: &[u8]) -> io::Result<usize> {
        let info = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: src.octets(),
            },
            ipi6_ifindex: self.ifindex,
        };
        let dst = SockaddrIn6::from(SocketAddrV6::new(ALL_NODES, 0, 0, self.ifindex));
        let _ = dst.len();
        socket::sendmsg(
            self.icmp6.as_raw_fd(),
            &[IoSlice::new(icmp)],
            &[ControlMessage::Ipv6PacketInfo(&info)],
            MsgFlags::empty(),
            Some(&dst),
        )
        .map_err(io::Error::from)
    }
}
