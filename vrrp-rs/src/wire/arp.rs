//! ARP (RFC 826) as used for gratuitous announcements of virtual IPv4
//! addresses.

use std::net::Ipv4Addr;

use super::{MacAddr, WireError};

/// ARP operation, an open value space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArpOp(pub u16);

impl ArpOp {
    /// 1: request (keepalived's gratuitous ARP is a request).
    pub const REQUEST: ArpOp = ArpOp(1);
    /// 2: reply.
    pub const REPLY: ArpOp = ArpOp(2);
}

/// Length of an Ethernet/IPv4 ARP packet.
pub const ARP_LEN: usize = 28;
/// Length of an Ethernet header.
pub const ETH_LEN: usize = 14;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;

/// A checked view of an Ethernet/IPv4 ARP packet.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Hardware type (1)        |     Protocol type (0x0800)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  HLEN (6)     |   PLEN (4)    |          Operation            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            Sender hardware address (6) | Sender IP (4) ...    |
/// |            Target hardware address (6) | Target IP (4)        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Checks that `buffer` holds an Ethernet/IPv4 ARP packet (trailing
    /// padding is allowed).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let b = buffer.as_ref();
        if b.len() < ARP_LEN {
            return Err(WireError::Truncated {
                len: b.len(),
                need: ARP_LEN,
            });
        }
        if b[0..2] != [0, 1] || b[2..4] != [8, 0] || b[4] != 6 || b[5] != 4 {
            return Err(WireError::Malformed {
                what: "ARP packet",
                detail: "not Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4)",
            });
        }
        Ok(ArpPacket { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Operation.
    pub fn op(&self) -> ArpOp {
        ArpOp(u16::from_be_bytes([self.b()[6], self.b()[7]]))
    }

    fn mac(&self, at: usize) -> MacAddr {
        let mut m = [0; 6];
        m.copy_from_slice(&self.b()[at..at + 6]);
        MacAddr(m)
    }

    fn ip(&self, at: usize) -> Ipv4Addr {
        let b = self.b();
        Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
    }

    /// Sender hardware address.
    pub fn sha(&self) -> MacAddr {
        self.mac(8)
    }

    /// Sender protocol address.
    pub fn spa(&self) -> Ipv4Addr {
        self.ip(14)
    }

    /// Target hardware address.
    pub fn tha(&self) -> MacAddr {
        self.mac(18)
    }

    /// Target protocol address.
    pub fn tpa(&self) -> Ipv4Addr {
        self.ip(24)
    }
}

/// An Ethernet/IPv4 ARP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// Operation.
    pub op: ArpOp,
    /// Sender hardware address.
    pub sha: MacAddr,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: MacAddr,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl ArpRepr {
    /// The gratuitous ARP keepalived sends for `vip` from `mac`: a REQUEST with
    /// SPA = TPA = the VIP and THA = broadcast.
    pub fn gratuitous(mac: MacAddr, vip: Ipv4Addr) -> ArpRepr {
        ArpRepr {
            op: ArpOp::REQUEST,
            sha: mac,
            spa: vip,
            tha: MacAddr::BROADCAST,
            tpa: vip,
        }
    }

    /// Parses an ARP packet (the Ethernet payload).
    pub fn parse(buf: &[u8]) -> Result<ArpRepr, WireError> {
        let p = ArpPacket::new_checked(buf)?;
        Ok(ArpRepr {
            op: p.op(),
            sha: p.sha(),
            spa: p.spa(),
            tha: p.tha(),
            tpa: p.tpa(),
        })
    }

    /// Length of the emitted packet (28).
    pub const fn buffer_len(&self) -> usize {
        ARP_LEN
    }

    /// Writes the packet; `None` if `buf` is too short.
    pub fn emit(&self, buf: &mut [u8]) -> Option<usize> {
        let b = buf.get_mut(..ARP_LEN)?;
        b[0..6].copy_from_slice(&[0, 1, 8, 0, 6, 4]);
        b[6..8].copy_from_slice(&self.op.0.to_be_bytes());
        b[8..14].copy_from_slice(&self.sha.0);
        b[14..18].copy_from_slice(&self.spa.octets());
        b[18..24].copy_from_slice(&self.tha.0);
        b[24..28].copy_from_slice(&self.tpa.octets());
        Some(ARP_LEN)
    }
}

/// The complete 42-byte Ethernet frame of a gratuitous ARP for `vip` from
/// `mac`, broadcast, as keepalived sends it (unpadded, for `AF_PACKET`).
pub fn garp_frame(mac: MacAddr, vip: Ipv4Addr) -> [u8; ETH_LEN + ARP_LEN] {
    let mut f = [0u8; ETH_LEN + ARP_LEN];
    f[0..6].copy_from_slice(&MacAddr::BROADCAST.0);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    let _ = ArpRepr::gratuitous(mac, vip).emit(&mut f[ETH_LEN..]);
    f
}
