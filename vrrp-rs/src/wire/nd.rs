//! ICMPv6 Neighbor Advertisement (RFC 4861 §4.4), as sent unsolicited for
//! virtual IPv6 addresses.

use std::net::{IpAddr, Ipv6Addr};

use super::checksum::pseudo_checksum;
use super::{MacAddr, WireError};

/// ICMPv6 type of a Neighbor Advertisement.
pub const ICMPV6_NA: u8 = 136;
/// IP protocol number of ICMPv6.
pub const IPPROTO_ICMPV6: u8 = 58;
/// Router flag.
pub const NA_ROUTER: u8 = 0x80;
/// Solicited flag.
pub const NA_SOLICITED: u8 = 0x40;
/// Override flag.
pub const NA_OVERRIDE: u8 = 0x20;

const FIXED_LEN: usize = 24;
const TLLA_LEN: usize = 8;

/// A Neighbor Advertisement with an optional target link-layer address option.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Target Address (16)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type (2)    |  Length (1)   |  Link-Layer Address (6) ...   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NeighborAdvertRepr {
    /// Flag byte (R, S, O in the top three bits; the rest kept as received).
    pub flags: u8,
    /// Target address.
    pub target: Ipv6Addr,
    /// Target link-layer address option, if present.
    pub tlla: Option<MacAddr>,
}

impl NeighborAdvertRepr {
    /// The unsolicited NA keepalived sends for `vip`: Override only, TLLA = `mac`.
    pub fn unsolicited(mac: MacAddr, vip: Ipv6Addr) -> Self {
        NeighborAdvertRepr {
            flags: NA_OVERRIDE,
            target: vip,
            tlla: Some(mac),
        }
    }

    /// Parses an ICMPv6 NA message and verifies its checksum with the
    /// pseudo-header of `src` and `dst`. Options other than TLLA are skipped.
    pub fn parse(buf: &[u8], src: Ipv6Addr, dst: Ipv6Addr) -> Result<Self, WireError> {
        const WHAT: &str = "neighbour advertisement";
        if buf.len() < FIXED_LEN {
            return Err(WireError::Truncated {
                len: buf.len(),
                need: FIXED_LEN,
            });
        }
        if buf[0] != ICMPV6_NA || buf[1] != 0 {
            return Err(WireError::Malformed {
                what: WHAT,
                detail: "not ICMPv6 type 136 code 0",
            });
        }
        if pseudo_checksum(IpAddr::V6(src), IpAddr::V6(dst), IPPROTO_ICMPV6, buf) != 0 {
            let got = u16::from_be_bytes([buf[2], buf[3]]);
            let mut z = buf.to_vec();
            z[2] = 0;
            z[3] = 0;
            let expected = pseudo_checksum(IpAddr::V6(src), IpAddr::V6(dst), IPPROTO_ICMPV6, &z);
            return Err(WireError::BadChecksum {
                got,
                expected,
                rule: "pseudo-header",
            });
        }
        let mut t = [0u8; 16];
        t.copy_from_slice(&buf[8..24]);
        let mut tlla = None;
        let mut opts = &buf[FIXED_LEN..];
        while opts.len() >= 2 {
            let olen = usize::from(opts[1]) * 8;
            if olen == 0 || olen > opts.len() {
                return Err(WireError::Malformed {
                    what: WHAT,
                    detail: "option length 0 or past the end",
                });
            }
            if opts[0] == 2 && olen >= 8 {
                let mut m = [0; 6];
                m.copy_from_slice(&opts[2..8]);
                tlla = Some(MacAddr(m));
            }
            opts = &opts[olen..];
        }
        Ok(NeighborAdvertRepr {
            flags: buf[4],
            target: Ipv6Addr::from(t),
            tlla,
        })
    }

    /// Length of the emitted message.
    pub fn buffer_len(&self) -> usize {
        FIXED_LEN + if self.tlla.is_some() { TLLA_LEN } else { 0 }
    }

    /// Writes the message with its checksum for `src` → `dst`; `None` if
    /// `buf` is too short.
    pub fn emit(&self, buf: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr) -> Option<usize> {
        let len = self.buffer_len();
        let b = buf.get_mut(..len)?;
        b[..8].copy_from_slice(&[ICMPV6_NA, 0, 0, 0, self.flags, 0, 0, 0]);
        b[8..24].copy_from_slice(&self.target.octets());
        if let Some(mac) = self.tlla {
            b[24] = 2;
            b[25] = 1;
            b[26..32].copy_from_slice(&mac.0);
        }
        let sum = pseudo_checksum(IpAddr::V6(src), IpAddr::V6(dst), IPPROTO_ICMPV6, b);
        b[2..4].copy_from_slice(&sum.to_be_bytes());
        Some(len)
    }
}

/// All-nodes multicast, ff02::1.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// The complete 86-byte Ethernet frame of the unsolicited NA keepalived sends
/// for `vip` from `mac`: IPv6 from the VIP to ff02::1, hop limit 255, flow
/// label 0, Override flag, TLLA option.
pub fn unsolicited_na_frame(mac: MacAddr, vip: Ipv6Addr) -> [u8; 86] {
    let mut f = [0u8; 86];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac.0);
    f[12..14].copy_from_slice(&[0x86, 0xdd]);
    f[14..22].copy_from_slice(&[0x60, 0, 0, 0, 0, 32, IPPROTO_ICMPV6, 255]);
    f[22..38].copy_from_slice(&vip.octets());
    f[38..54].copy_from_slice(&ALL_NODES.octets());
    let _ = NeighborAdvertRepr::unsolicited(mac, vip).emit(&mut f[54..], vip, ALL_NODES);
    f
}
