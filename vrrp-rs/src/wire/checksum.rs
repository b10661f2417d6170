//! The Internet checksum and the VRRP checksum rules.

use std::net::IpAddr;

/// One's-complement sum of 16-bit big-endian words (RFC 1071), folded and
/// complemented. `parts` are summed as if concatenated; each part but the last
/// must have an even length (all callers here pass even-length headers first).
pub fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        let mut chunks = part.chunks_exact(2);
        for c in &mut chunks {
            sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
        }
        if let [last] = chunks.remainder() {
            sum += u32::from(*last) << 8;
        }
        // Fold as we go so that very long inputs cannot overflow.
        sum = (sum & 0xffff) + (sum >> 16);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// How the VRRP checksum of a message is computed.
///
/// VRRPv2 (RFC 3768) sums the message only. VRRPv3 (RFC 5798 §5.2.8) prepends
/// the IPv4 or IPv6 pseudo-header, as keepalived and FRR do; keepalived's
/// `v3_checksum_as_v2` option leaves the IPv4 pseudo-header out, which is
/// [`ChecksumRule::MessageOnly`] on a v3 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumRule {
    /// Sum over the VRRP message only.
    MessageOnly,
    /// Sum over the pseudo-header of `src` and `dst` (both of one family)
    /// followed by the message.
    PseudoHeader {
        /// IP source address of the packet.
        src: IpAddr,
        /// IP destination address (the multicast group, or the unicast peer).
        dst: IpAddr,
    },
}

impl ChecksumRule {
    /// The rule for a message of `version` sent from `src` to `dst`:
    /// message-only for v2 and, when `v3_as_v2` is set, for v3 over IPv4.
    pub fn for_version(version: super::Version, src: IpAddr, dst: IpAddr, v3_as_v2: bool) -> Self {
        match version {
            super::Version::V2 => ChecksumRule::MessageOnly,
            super::Version::V3 if v3_as_v2 && src.is_ipv4() => ChecksumRule::MessageOnly,
            super::Version::V3 => ChecksumRule::PseudoHeader { src, dst },
        }
    }

    /// Short name for error messages.
    pub const fn name(&self) -> &'static str {
        match self {
            ChecksumRule::MessageOnly => "message-only",
            ChecksumRule::PseudoHeader { .. } => "pseudo-header",
        }
    }

    /// Checksum of `msg` (with its checksum field zeroed, or in place: a
    /// message that carries its correct checksum sums to 0) under this rule,
    /// for upper-layer protocol `proto`.
    pub fn compute(&self, proto: u8, msg: &[u8]) -> u16 {
        match *self {
            ChecksumRule::MessageOnly => internet_checksum(&[msg]),
            ChecksumRule::PseudoHeader { src, dst } => pseudo_checksum(src, dst, proto, msg),
        }
    }
}

/// Checksum over an IPv4 or IPv6 pseudo-header and `msg`. Mixed families sum
/// the two addresses as they are (such a packet cannot exist on the wire).
pub(crate) fn pseudo_checksum(src: IpAddr, dst: IpAddr, proto: u8, msg: &[u8]) -> u16 {
    let len = msg.len();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let len = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
            let mut ph = [0u8; 12];
            ph[..4].copy_from_slice(&s.octets());
            ph[4..8].copy_from_slice(&d.octets());
            ph[9] = proto;
            ph[10..].copy_from_slice(&len);
            internet_checksum(&[&ph, msg])
        }
        (s, d) => {
            let s = match s {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            let d = match d {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            let len = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
            let mut ph = [0u8; 40];
            ph[..16].copy_from_slice(&s);
            ph[16..32].copy_from_slice(&d);
            ph[32..36].copy_from_slice(&len);
            ph[39] = proto;
            internet_checksum(&[&ph, msg])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(
            internet_checksum(&[&[0x12]]),
            internet_checksum(&[&[0x12, 0x00]])
        );
    }
}
