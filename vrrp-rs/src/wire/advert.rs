//! VRRP advertisements, version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 §5.1).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::{ChecksumRule, Family, IPPROTO_VRRP, WireError};

/// Length of the fixed VRRP header (both versions).
pub const HEADER_LEN: usize = 8;
/// Length of the VRRPv2 authentication data.
pub const AUTH_LEN: usize = 8;

/// VRRP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// VRRPv2, RFC 3768: IPv4 only, interval in seconds, authentication field.
    V2,
    /// VRRPv3, RFC 5798: IPv4 and IPv6, interval in centiseconds.
    V3,
}

impl Version {
    /// The value of the version nibble.
    pub const fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

/// VRRPv2 authentication type, an open value space (RFC 3768 §5.3.6, RFC 2338).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthType(pub u8);

impl AuthType {
    /// 0: no authentication.
    pub const NONE: AuthType = AuthType(0);
    /// 1: simple text password (RFC 2338; keepalived's `auth_type PASS`).
    pub const PASS: AuthType = AuthType(1);
    /// 2: IP Authentication Header (RFC 2338); not supported here.
    pub const AH: AuthType = AuthType(2);
}

impl fmt::Debug for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AuthType::NONE => f.write_str("NONE"),
            AuthType::PASS => f.write_str("PASS"),
            AuthType::AH => f.write_str("AH"),
            AuthType(n) => write!(f, "AuthType({n})"),
        }
    }
}

/// The authentication part of a VRRPv2 advert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct V2Auth {
    /// Authentication type.
    pub auth_type: AuthType,
    /// The 8 authentication data bytes (for PASS: the password, NUL padded).
    pub data: [u8; AUTH_LEN],
}

impl V2Auth {
    /// No authentication: type 0, data zero.
    pub const NONE: V2Auth = V2Auth {
        auth_type: AuthType::NONE,
        data: [0; AUTH_LEN],
    };

    /// PASS authentication with `password` truncated to 8 bytes and NUL padded,
    /// as keepalived does.
    pub fn pass(password: &[u8]) -> V2Auth {
        let mut data = [0; AUTH_LEN];
        let n = password.len().min(AUTH_LEN);
        data[..n].copy_from_slice(&password[..n]);
        V2Auth {
            auth_type: AuthType::PASS,
            data,
        }
    }
}

/// A checked view of a VRRP message (the IP payload), v2 or v3.
///
/// ```text
/// VRRPv2 (RFC 3768 §5.1)                VRRPv3 (RFC 5798 §5.1)
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// v2:|   Auth Type   |   Adver Int   |          Checksum             |
/// v3:|(rsvd) |     Max Adver Int     |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  IPvX Address(es) (4 or 16 bytes each)        |
/// +                                                               +
/// |                              ...                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// v2 only:  |                     Authentication Data (1)                   |
///           |                     Authentication Data (2)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// `new_checked` only guarantees the fixed header is present; the accessors
/// of the variable part ([`Packet::addresses`], [`Packet::auth_data`]) return
/// `None` or stop early on a short buffer, so nothing can panic.
#[derive(Clone, Debug)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    family: Family,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` (the VRRP message, from the IP payload, of `family`),
    /// checking that the fixed 8-byte header is present.
    pub fn new_checked(buffer: T, family: Family) -> Result<Self, WireError> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated {
                len,
                need: HEADER_LEN,
            });
        }
        Ok(Packet { buffer, family })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The version nibble.
    pub fn version_raw(&self) -> u8 {
        self.b()[0] >> 4
    }

    /// The type nibble (1 = ADVERTISEMENT).
    pub fn kind(&self) -> u8 {
        self.b()[0] & 0x0f
    }

    /// Virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.b()[1]
    }

    /// Priority.
    pub fn priority(&self) -> u8 {
        self.b()[2]
    }

    /// Count of addresses.
    pub fn count(&self) -> u8 {
        self.b()[3]
    }

    /// v2: authentication type (byte 4).
    pub fn auth_type(&self) -> AuthType {
        AuthType(self.b()[4])
    }

    /// v2: advertisement interval in seconds (byte 5).
    pub fn adver_int_v2(&self) -> u8 {
        self.b()[5]
    }

    /// v3: the 4 reserved bits.
    pub fn reserved_v3(&self) -> u8 {
        self.b()[4] >> 4
    }

    /// v3: maximum advertisement interval in centiseconds (12 bits).
    pub fn max_adver_int_v3(&self) -> u16 {
        u16::from_be_bytes([self.b()[4], self.b()[5]]) & 0x0fff
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.b()[6], self.b()[7]])
    }

    /// The exact length the version nibble and count imply for this family,
    /// or `None` for an unknown version. (keepalived computes it the same way,
    /// from the received version.)
    pub fn expected_len(&self) -> Option<usize> {
        let addrs = usize::from(self.count()) * self.family.addr_len();
        match self.version_raw() {
            2 => Some(HEADER_LEN + addrs + AUTH_LEN),
            3 => Some(HEADER_LEN + addrs),
            _ => None,
        }
    }

    /// Iterates the address list (as many whole addresses as the buffer and
    /// count field both hold).
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let step = self.family.addr_len();
        let body = &self.b()[HEADER_LEN..];
        body.chunks_exact(step)
            .take(usize::from(self.count()))
            .map(move |c| match step {
                4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
                _ => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(c);
                    IpAddr::V6(Ipv6Addr::from(o))
                }
            })
    }

    /// v2: the 8 authentication data bytes after the address list, if present.
    pub fn auth_data(&self) -> Option<[u8; AUTH_LEN]> {
        let start = HEADER_LEN + usize::from(self.count()) * self.family.addr_len();
        let slice = self.b().get(start..start + AUTH_LEN)?;
        let mut out = [0; AUTH_LEN];
        out.copy_from_slice(slice);
        Some(out)
    }
}

/// The address list of an advert: all of one family.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AddrList {
    /// IPv4 addresses (v2, or v3 over IPv4).
    V4(Vec<Ipv4Addr>),
    /// IPv6 addresses (v3 over IPv6).
    V6(Vec<Ipv6Addr>),
}

impl AddrList {
    /// The family of the list.
    pub fn family(&self) -> Family {
        match self {
            AddrList::V4(_) => Family::V4,
            AddrList::V6(_) => Family::V6,
        }
    }

    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self {
            AddrList::V4(v) => v.len(),
            AddrList::V6(v) => v.len(),
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The addresses as `IpAddr`s.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let (a, b) = match self {
            AddrList::V4(v) => (Some(v.iter().map(|a| IpAddr::V4(*a))), None),
            AddrList::V6(v) => (None, Some(v.iter().map(|a| IpAddr::V6(*a)))),
        };
        a.into_iter().flatten().chain(b.into_iter().flatten())
    }

    /// Whether the list contains `addr`.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.iter().any(|a| a == addr)
    }
}

/// A parsed VRRP advertisement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AdvertRepr {
    /// Protocol version.
    pub version: Version,
    /// Virtual router ID (1..=255 in use; 0 is parsed and left to the engine).
    pub vrid: u8,
    /// Priority: 0 = master stepping down, 255 = address owner.
    pub priority: u8,
    /// The raw interval field: v2 seconds (8 bits), v3 centiseconds (12 bits).
    pub interval: u16,
    /// v3 only: the 4 reserved bits, kept so unknown values survive a round
    /// trip (ignored on receipt, as RFC 5798 says). Always 0 for v2.
    pub reserved: u8,
    /// The virtual addresses.
    pub addrs: AddrList,
    /// v2 only: authentication (ignored for v3).
    pub auth: V2Auth,
}

impl AdvertRepr {
    /// The advertisement interval as a duration (v2 seconds, v3 centiseconds).
    pub fn interval_duration(&self) -> Duration {
        match self.version {
            Version::V2 => Duration::from_secs(u64::from(self.interval & 0xff)),
            Version::V3 => Duration::from_millis(u64::from(self.interval & 0x0fff) * 10),
        }
    }

    /// Parses and validates `buf`, a VRRP message (the IP payload, whose
    /// length is the IP total length minus the IP header), of `family`.
    ///
    /// Checks, in RFC 5798 §7.1 order as far as the message alone allows:
    /// version, type, exact length, checksum under `rule`, AH auth. TTL, VRID,
    /// auth match, interval and address list are the engine's business.
    pub fn parse(buf: &[u8], family: Family, rule: ChecksumRule) -> Result<AdvertRepr, WireError> {
        let p = Packet::new_checked(buf, family)?;
        let version = match p.version_raw() {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(WireError::UnknownVersion(v)),
        };
        if version == Version::V2 && family == Family::V6 {
            return Err(WireError::V2OverIpv6);
        }
        if p.kind() != 1 {
            return Err(WireError::UnknownType(p.kind()));
        }
        let expected = p.expected_len().unwrap_or(HEADER_LEN);
        if buf.len() != expected {
            return Err(WireError::BadLength {
                len: buf.len(),
                expected,
            });
        }
        let sum = rule.compute(IPPROTO_VRRP, buf);
        if sum != 0 {
            let mut zeroed = buf.to_vec();
            zeroed[6] = 0;
            zeroed[7] = 0;
            return Err(WireError::BadChecksum {
                got: p.checksum(),
                expected: rule.compute(IPPROTO_VRRP, &zeroed),
                rule: rule.name(),
            });
        }
        let addrs = match family {
            Family::V4 => AddrList::V4(
                p.addresses()
                    .filter_map(|a| match a {
                        IpAddr::V4(a) => Some(a),
                        IpAddr::V6(_) => None,
                    })
                    .collect(),
            ),
            Family::V6 => AddrList::V6(
                p.addresses()
                    .filter_map(|a| match a {
                        IpAddr::V6(a) => Some(a),
                        IpAddr::V4(_) => None,
                    })
                    .collect(),
            ),
        };
        let (interval, reserved, auth) = match version {
            Version::V2 => {
                let auth = V2Auth {
                    auth_type: p.auth_type(),
                    data: p.auth_data().unwrap_or([0; 8]),
                };
                if auth.auth_type == AuthType::AH {
                    return Err(WireError::AhUnsupported);
                }
                (u16::from(p.adver_int_v2()), 0, auth)
            }
            Version::V3 => (p.max_adver_int_v3(), p.reserved_v3(), V2Auth::NONE),
        };
        Ok(AdvertRepr {
            version,
            vrid: p.vrid(),
            priority: p.priority(),
            interval,
            reserved,
            addrs,
            auth,
        })
    }

    /// Number of addresses emitted: the list length capped at 255 (the count
    /// field is one byte).
    fn emitted_count(&self) -> usize {
        self.addrs.len().min(255)
    }

    /// Exact length of the emitted message.
    pub fn buffer_len(&self) -> usize {
        let auth = match self.version {
            Version::V2 => AUTH_LEN,
            Version::V3 => 0,
        };
        HEADER_LEN + self.emitted_count() * self.addrs.family().addr_len() + auth
    }

    /// Writes the message into `buf[..self.buffer_len()]` with its checksum
    /// under `rule`. Never panics: returns the number of bytes written, or
    /// `None` if `buf` is shorter than [`AdvertRepr::buffer_len`].
    pub fn emit(&self, buf: &mut [u8], rule: ChecksumRule) -> Option<usize> {
        let len = self.buffer_len();
        let buf = buf.get_mut(..len)?;
        let count = self.emitted_count();
        buf[0] = (self.version.number() << 4) | 1;
        buf[1] = self.vrid;
        buf[2] = self.priority;
        buf[3] = count as u8;
        match self.version {
            Version::V2 => {
                buf[4] = self.auth.auth_type.0;
                buf[5] = (self.interval & 0xff) as u8;
            }
            Version::V3 => {
                let v = (u16::from(self.reserved & 0x0f) << 12) | (self.interval & 0x0fff);
                buf[4..6].copy_from_slice(&v.to_be_bytes());
            }
        }
        buf[6] = 0;
        buf[7] = 0;
        let mut off = HEADER_LEN;
        match &self.addrs {
            AddrList::V4(v) => {
                for a in v.iter().take(count) {
                    buf[off..off + 4].copy_from_slice(&a.octets());
                    off += 4;
                }
            }
            AddrList::V6(v) => {
                for a in v.iter().take(count) {
                    buf[off..off + 16].copy_from_slice(&a.octets());
                    off += 16;
                }
            }
        }
        if self.version == Version::V2 {
            buf[off..off + AUTH_LEN].copy_from_slice(&self.auth.data);
        }
        let sum = rule.compute(IPPROTO_VRRP, buf);
        buf[6..8].copy_from_slice(&sum.to_be_bytes());
        Some(len)
    }

    /// Emits into a fresh vector (convenience for tests and tools).
    pub fn to_vec(&self, rule: ChecksumRule) -> Vec<u8> {
        let mut v = vec![0; self.buffer_len()];
        let _ = self.emit(&mut v, rule);
        v
    }
}
