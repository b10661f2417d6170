//! Wire formats: VRRP adverts (v2 and v3, IPv4 and IPv6), gratuitous ARP and
//! unsolicited neighbour advertisements.
//!
//! Each packet type has a checked view ([`Packet`], [`ArpPacket`]) whose
//! accessors cannot panic once `new_checked` returned `Ok`, and a `Repr`
//! ([`AdvertRepr`], [`ArpRepr`], [`NeighborAdvertRepr`]) with `parse`, `emit`
//! and `buffer_len`. Inputs a checksum needs (the IP pseudo-header addresses)
//! are explicit parameters ([`ChecksumRule`]).

mod advert;
mod arp;
mod checksum;
mod nd;

pub use advert::{AUTH_LEN, AddrList, AdvertRepr, AuthType, HEADER_LEN, Packet, V2Auth, Version};
pub use arp::{ARP_LEN, ArpOp, ArpPacket, ArpRepr, ETH_LEN, ETHERTYPE_ARP, garp_frame};
pub use checksum::{ChecksumRule, internet_checksum};
pub use nd::{
    ALL_NODES, ICMPV6_NA, IPPROTO_ICMPV6, NA_OVERRIDE, NA_ROUTER, NA_SOLICITED, NeighborAdvertRepr,
    unsolicited_na_frame,
};

use std::fmt;

/// IP protocol number of VRRP (112).
pub const IPPROTO_VRRP: u8 = 112;
/// IPv4 multicast group of VRRP, 224.0.0.18.
pub const MCAST_V4: std::net::Ipv4Addr = std::net::Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 multicast group of VRRP, ff02::12.
pub const MCAST_V6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// The TTL / hop limit every advert is sent with and must be received with.
pub const VRRP_TTL: u8 = 255;

/// Address family of a VRRP message: it decides the size of each address in
/// the list, and is known from the IP layer, not from the message itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4: 4-byte addresses.
    V4,
    /// IPv6: 16-byte addresses.
    V6,
}

impl Family {
    /// Size in bytes of one address of this family.
    pub const fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
}

/// A malformed or unacceptable packet, found while parsing.
///
/// The variants follow the order in which [`AdvertRepr::parse`] checks them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The buffer is shorter than the fixed header.
    #[error("packet truncated: {len} bytes, the fixed header needs {need}")]
    Truncated {
        /// Bytes available.
        len: usize,
        /// Bytes the header needs.
        need: usize,
    },
    /// The version nibble is neither 2 nor 3.
    #[error("unknown VRRP version {0} (expected 2 or 3)")]
    UnknownVersion(u8),
    /// VRRPv2 is defined for IPv4 only.
    #[error("VRRPv2 advert received over IPv6 (VRRPv2 is IPv4-only)")]
    V2OverIpv6,
    /// The packet type is not 1 (ADVERTISEMENT).
    #[error("unknown VRRP packet type {0} (only 1, ADVERTISEMENT, exists)")]
    UnknownType(u8),
    /// The length does not match the one the version and count field imply.
    #[error("VRRP length mismatch: got {len} bytes, version and address count imply {expected}")]
    BadLength {
        /// Bytes received (from the IP total length).
        len: usize,
        /// Bytes the header implies.
        expected: usize,
    },
    /// The checksum does not verify under the given rule.
    #[error("bad VRRP checksum 0x{got:04x} (expected 0x{expected:04x} with the {rule} rule)")]
    BadChecksum {
        /// Checksum field in the packet.
        got: u16,
        /// Checksum computed over the packet.
        expected: u16,
        /// Name of the rule used ("message-only" or "pseudo-header").
        rule: &'static str,
    },
    /// VRRPv2 IP Authentication Header auth (type 2, RFC 2338) is not supported.
    #[error(
        "VRRPv2 AH authentication (auth type 2) is not supported: configure PASS or no authentication"
    )]
    AhUnsupported,
    /// An ARP or NA frame that is not what it claims to be.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which frame kind.
        what: &'static str,
        /// What was wrong.
        detail: &'static str,
    },
}

/// A 48-bit Ethernet address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// The VRRP virtual MAC of a VRID: 00:00:5e:00:01:VRID (IPv4) or
    /// 00:00:5e:00:02:VRID (IPv6).
    pub const fn virtual_mac(family: Family, vrid: u8) -> MacAddr {
        let f = match family {
            Family::V4 => 1,
            Family::V6 => 2,
        };
        MacAddr([0, 0, 0x5e, 0, f, vrid])
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}
