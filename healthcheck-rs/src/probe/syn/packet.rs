//! The two packets of a SYN probe: the SYN we build and the SYN-ACK or RST
//! we parse, and the classic BPF program that lets only those replies reach
//! the raw socket.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        Sequence Number                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Acknowledgment Number                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Data |       |C|E|U|A|P|R|S|F|                               |
//! | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//! |       |       |R|E|G|K|H|T|N|N|                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Checksum            |         Urgent Pointer        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options (MSS here)                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!                  RFC 9293 section 3.1, the TCP header
//! ```
//!
//! The raw sockets are opened with `IP_HDRINCL` / `IPV6_HDRINCL`, so a SYN
//! carries its IP header too (the kernel fills the IPv4 header checksum,
//! identification and total length). What the sockets receive differs by
//! family: IPv4 raw sockets get the IP header, IPv6 ones only the TCP
//! segment (the source address comes with `recvfrom`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use socket2::SockFilter;

const IPV4_HEADER: usize = 20;
const IPV6_HEADER: usize = 40;
/// Our SYN's TCP header: 20 bytes and a 4-byte MSS option.
const TCP_SYN: usize = 24;
const PROTO_TCP: u8 = 6;
const TTL: u8 = 64;
/// The MSS we announce (the SYN-ACK never carries data to us anyway).
const MSS: u16 = 1460;
const WINDOW: u16 = 64240;

/// TCP flags.
pub(crate) const FIN: u8 = 0x01;
pub(crate) const SYN: u8 = 0x02;
pub(crate) const RST: u8 = 0x04;
pub(crate) const ACK: u8 = 0x10;

/// Room for the largest SYN this module builds.
pub(crate) const MAX_SYN: usize = IPV6_HEADER + TCP_SYN;

/// One SYN: from `src:sport` to `dst:dport` with sequence number `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syn {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
}

impl Syn {
    /// Bytes [`Syn::emit`] writes.
    pub(super) fn buffer_len(&self) -> usize {
        match self.dst {
            IpAddr::V4(_) => IPV4_HEADER + TCP_SYN,
            IpAddr::V6(_) => IPV6_HEADER + TCP_SYN,
        }
    }

    /// Writes the IP header and the TCP segment into `buf` and returns the
    /// length written; `None` if `buf` is shorter than
    /// [`buffer_len`](Self::buffer_len) or the addresses are of two
    /// families.
    pub(super) fn emit(&self, buf: &mut [u8]) -> Option<usize> {
        let len = self.buffer_len();
        let buf = buf.get_mut(..len)?;
        let (ip, tcp) = match (self.src, self.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let (ip, tcp) = buf.split_at_mut(IPV4_HEADER);
                emit_ipv4(ip, s, d);
                (Pseudo::V4(s, d), tcp)
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let (ip, tcp) = buf.split_at_mut(IPV6_HEADER);
                emit_ipv6(ip, s, d);
                (Pseudo::V6(s, d), tcp)
            }
            _ => return None,
        };
        tcp.fill(0);
        tcp[0..2].copy_from_slice(&self.sport.to_be_bytes());
        tcp[2..4].copy_from_slice(&self.dport.to_be_bytes());
        tcp[4..8].copy_from_slice(&self.seq.to_be_bytes());
        // Data offset in 32-bit words.
        tcp[12] = ((TCP_SYN / 4) as u8) << 4;
        tcp[13] = SYN;
        tcp[14..16].copy_from_slice(&WINDOW.to_be_bytes());
        tcp[20] = 2; // MSS option, length 4
        tcp[21] = 4;
        tcp[22..24].copy_from_slice(&MSS.to_be_bytes());
        let sum = checksum(ip, tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
        Some(len)
    }
}

fn emit_ipv4(ip: &mut [u8], src: Ipv4Addr, dst: Ipv4Addr) {
    ip.fill(0);
    ip[0] = 0x45; // version 4, 5 words
    let total = (IPV4_HEADER + TCP_SYN) as u16;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = TTL;
    ip[9] = PROTO_TCP;
    // Identification and header checksum: the kernel fills them in.
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
}

fn emit_ipv6(ip: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr) {
    ip.fill(0);
    ip[0] = 0x60; // version 6, no traffic class, no flow label
    ip[4..6].copy_from_slice(&(TCP_SYN as u16).to_be_bytes());
    ip[6] = PROTO_TCP;
    ip[7] = TTL;
    ip[8..24].copy_from_slice(&src.octets());
    ip[24..40].copy_from_slice(&dst.octets());
}

/// The addresses of the pseudo-header the TCP checksum covers.
#[derive(Debug, Clone, Copy)]
enum Pseudo {
    V4(Ipv4Addr, Ipv4Addr),
    V6(Ipv6Addr, Ipv6Addr),
}

/// The Internet checksum of `tcp` with its pseudo-header (RFC 9293 3.1).
fn checksum(ip: Pseudo, tcp: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let hi = u64::from(pair[0]) << 8;
            sum += hi | pair.get(1).map_or(0, |&b| u64::from(b));
        }
    };
    match ip {
        Pseudo::V4(s, d) => {
            add(&s.octets());
            add(&d.octets());
        }
        Pseudo::V6(s, d) => {
            add(&s.octets());
            add(&d.octets());
        }
    }
    let len = u32::try_from(tcp.len()).unwrap_or(u32::MAX);
    add(&len.to_be_bytes());
    add(&[0, 0, 0, PROTO_TCP]);
    add(tcp);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A reply to a SYN, as far as a probe cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    /// The server's address (the reply's source).
    pub from: IpAddr,
    /// Our address (the reply's destination); `None` for IPv6, whose raw
    /// sockets do not pass the IP header up.
    pub to: Option<IpAddr>,
    pub sport: u16,
    pub dport: u16,
    /// The acknowledgment number: our SYN's sequence number plus one.
    pub ack: u32,
    pub kind: ReplyKind,
}

/// What the server said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyKind {
    /// SYN-ACK: the port is open.
    SynAck,
    /// RST-ACK: the port is closed.
    Reset,
}

/// Parses what an IPv4 raw socket received (IP header first); `None` for
/// anything that is not a SYN-ACK or an acknowledging RST.
pub(crate) fn parse_v4(pkt: &[u8]) -> Option<Reply> {
    let (&vihl, _) = pkt.split_first()?;
    let ihl = usize::from(vihl & 0x0f) * 4;
    if vihl >> 4 != 4 || ihl < IPV4_HEADER || *pkt.get(9)? != PROTO_TCP {
        return None;
    }
    // A fragment other than the first has no TCP header where we look.
    let frag = u16::from_be_bytes([*pkt.get(6)?, *pkt.get(7)?]);
    if frag & 0x1fff != 0 {
        return None;
    }
    let from: [u8; 4] = pkt.get(12..16)?.try_into().ok()?;
    let to: [u8; 4] = pkt.get(16..20)?.try_into().ok()?;
    let mut r = parse_tcp(pkt.get(ihl..)?, IpAddr::from(from))?;
    r.to = Some(IpAddr::from(to));
    Some(r)
}

/// Parses what an IPv6 raw socket received (the TCP segment) from `from`.
pub(crate) fn parse_v6(seg: &[u8], from: Ipv6Addr) -> Option<Reply> {
    parse_tcp(seg, IpAddr::V6(from))
}

fn parse_tcp(tcp: &[u8], from: IpAddr) -> Option<Reply> {
    let h = tcp.get(..20)?;
    let flags = h[13];
    let kind = if flags & RST != 0 && flags & ACK != 0 {
        ReplyKind::Reset
    } else if flags & (SYN | ACK | RST | FIN) == SYN | ACK {
        ReplyKind::SynAck
    } else {
        return None;
    };
    Some(Reply {
        from,
        to: None,
        sport: u16::from_be_bytes([h[0], h[1]]),
        dport: u16::from_be_bytes([h[2], h[3]]),
        ack: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
        kind,
    })
}

/// One classic BPF instruction: code, jump if true, jump if false, k.
pub(crate) type Insn = (u16, u8, u8, u32);

// Opcodes from linux/filter.h.
const LDX_B_MSH: u16 = 0x01 | 0x10 | 0xa0;
const LDX_IMM: u16 = 0x01;
const LD_H_IND: u16 = 0x08 | 0x40;
const LD_B_IND: u16 = 0x10 | 0x40;
const JEQ_K: u16 = 0x05 | 0x10;
const JSET_K: u16 = 0x05 | 0x40;
const AND_K: u16 = 0x04 | 0x50;
const RET_K: u16 = 0x06;

/// Bytes of a kept packet passed up: the headers are all a probe reads.
const SNAP: u32 = 128;

/// The classic BPF program for a raw TCP socket of one family whose probes
/// use source port `port`: it keeps only segments to `port` with SYN and
/// ACK, or RST, set, and drops the rest of the host's TCP traffic in the
/// kernel. IPv4 raw sockets see the IP header first (its length is in the
/// low nibble of byte 0), IPv6 ones the TCP header.
pub(crate) fn filter(v6: bool, port: u16) -> [Insn; 9] {
    let first = if v6 {
        (LDX_IMM, 0, 0, 0)
    } else {
        (LDX_B_MSH, 0, 0, 0)
    };
    let syn_ack = u32::from(SYN | ACK);
    [
        first,                          // 0: x = offset of the TCP header
        (LD_H_IND, 0, 0, 2),            // 1: a = destination port
        (JEQ_K, 0, 5, u32::from(port)), // 2: ours? else drop
        (LD_B_IND, 0, 0, 13),           // 3: a = flags
        (JSET_K, 2, 0, u32::from(RST)), // 4: RST: keep
        (AND_K, 0, 0, syn_ack),         // 5
        (JEQ_K, 0, 1, syn_ack),         // 6: SYN and ACK: keep
        (RET_K, 0, 0, SNAP),            // 7: keep the headers
        (RET_K, 0, 0, 0),               // 8: drop
    ]
}

/// [`filter`] as socket2 wants it.
pub(crate) fn sock_filter(v6: bool, port: u16) -> Vec<SockFilter> {
    filter(v6, port)
        .iter()
        .map(|&(code, jt, jf, k)| SockFilter::new(code, jt, jf, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(mut sum: u32) -> u16 {
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    /// The checksum over pseudo-header and segment, checksum included,
    /// sums to 0xffff when right.
    fn verify(src: &[u8], dst: &[u8], tcp: &[u8]) -> bool {
        let mut sum = 0u32;
        let mut words = |b: &[u8]| {
            for p in b.chunks(2) {
                sum += (u32::from(p[0]) << 8) | p.get(1).map_or(0, |&x| u32::from(x));
            }
        };
        words(src);
        words(dst);
        words(&[0, PROTO_TCP]);
        words(&u16::try_from(tcp.len()).unwrap().to_be_bytes());
        words(tcp);
        fold(sum) == 0xffff
    }

    #[test]
    fn ipv4_syn_layout_and_checksum() {
        let syn = Syn {
            src: "127.0.0.2".parse().unwrap(),
            dst: "127.0.0.1".parse().unwrap(),
            sport: 40000,
            dport: 8080,
            seq: 0xdead_beef,
        };
        let mut buf = [0u8; MAX_SYN];
        assert_eq!(syn.emit(&mut buf), Some(44));
        let (ip, tcp) = buf[..44].split_at(20);
        assert_eq!(ip[0], 0x45);
        assert_eq!(ip[9], 6);
        assert_eq!(&ip[12..16], &[127, 0, 0, 2]);
        assert_eq!(&ip[16..20], &[127, 0, 0, 1]);
        assert_eq!(&tcp[..8], &[0x9c, 0x40, 0x1f, 0x90, 0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(tcp[12] >> 4, 6, "24-byte header");
        assert_eq!(tcp[13], SYN);
        assert!(verify(&ip[12..16], &ip[16..20], tcp));
        // Any change to the segment breaks the checksum.
        let mut bad = tcp.to_vec();
        bad[5] ^= 1;
        assert!(!verify(&ip[12..16], &ip[16..20], &bad));
    }

    #[test]
    fn ipv6_syn_layout_and_checksum() {
        let syn = Syn {
            src: "fd00::2".parse().unwrap(),
            dst: "::1".parse().unwrap(),
            sport: 1,
            dport: 443,
            seq: 7,
        };
        let mut buf = [0u8; MAX_SYN];
        assert_eq!(syn.emit(&mut buf), Some(64));
        let (ip, tcp) = buf.split_at(40);
        assert_eq!(ip[0] >> 4, 6);
        assert_eq!(u16::from_be_bytes([ip[4], ip[5]]), 24);
        assert_eq!(ip[6], 6);
        assert!(verify(&ip[8..24], &ip[24..40], tcp));
    }

    #[test]
    fn emit_refuses_short_buffers_and_mixed_families() {
        let mut syn = Syn {
            src: "127.0.0.1".parse().unwrap(),
            dst: "127.0.0.1".parse().unwrap(),
            sport: 1,
            dport: 2,
            seq: 3,
        };
        assert_eq!(syn.emit(&mut [0u8; 43]), None);
        syn.dst = "::1".parse().unwrap();
        assert_eq!(syn.emit(&mut [0u8; MAX_SYN]), None);
    }

    /// A reply segment from `sport` to `dport` with `flags` and `ack`.
    fn segment(sport: u16, dport: u16, flags: u8, ack: u32) -> Vec<u8> {
        let mut t = vec![0u8; 20];
        t[0..2].copy_from_slice(&sport.to_be_bytes());
        t[2..4].copy_from_slice(&dport.to_be_bytes());
        t[8..12].copy_from_slice(&ack.to_be_bytes());
        t[12] = 5 << 4;
        t[13] = flags;
        t
    }

    fn ipv4(seg: &[u8], from: [u8; 4], to: [u8; 4]) -> Vec<u8> {
        let mut p = vec![0u8; 20];
        p[0] = 0x45;
        p[9] = 6;
        p[12..16].copy_from_slice(&from);
        p[16..20].copy_from_slice(&to);
        p.extend_from_slice(seg);
        p
    }

    #[test]
    fn parses_syn_ack_and_reset() {
        let p = ipv4(
            &segment(80, 40000, SYN | ACK, 8),
            [127, 0, 0, 1],
            [127, 0, 0, 2],
        );
        assert_eq!(
            parse_v4(&p),
            Some(Reply {
                from: "127.0.0.1".parse().unwrap(),
                to: Some("127.0.0.2".parse().unwrap()),
                sport: 80,
                dport: 40000,
                ack: 8,
                kind: ReplyKind::SynAck,
            })
        );
        let r = parse_v6(&segment(80, 40000, RST | ACK, 8), Ipv6Addr::LOCALHOST).unwrap();
        assert_eq!(r.kind, ReplyKind::Reset);
        assert_eq!(r.to, None);
    }

    #[test]
    fn ignores_what_is_not_a_reply_to_a_syn() {
        for flags in [SYN, ACK, RST, SYN | ACK | FIN, ACK | 0x08] {
            assert_eq!(
                parse_v6(&segment(1, 2, flags, 0), Ipv6Addr::LOCALHOST),
                None
            );
        }
        let ok = ipv4(&segment(1, 2, SYN | ACK, 0), [1; 4], [2; 4]);
        for cut in 0..ok.len() {
            assert_eq!(parse_v4(&ok[..cut]), None, "cut at {cut}");
        }
        // Not TCP, not IPv4, a later fragment.
        let mut udp = ok.clone();
        udp[9] = 17;
        let mut v6 = ok.clone();
        v6[0] = 0x65;
        let mut frag = ok.clone();
        frag[7] = 1;
        for p in [udp, v6, frag] {
            assert_eq!(parse_v4(&p), None);
        }
    }

    /// A classic-BPF interpreter for the instructions `filter` uses (an
    /// out-of-bounds load drops the packet, as in the kernel).
    fn run(prog: &[Insn], pkt: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |i: u32| pkt.get(usize::try_from(i).ok()?).copied();
        for _ in 0..64 {
            let (code, jt, jf, k) = prog[pc];
            pc += 1;
            match code {
                LDX_B_MSH => match byte(k) {
                    Some(b) => x = u32::from(b & 0x0f) * 4,
                    None => return 0,
                },
                LDX_IMM => x = k,
                LD_H_IND => match (byte(x + k), byte(x + k + 1)) {
                    (Some(h), Some(l)) => a = u32::from(h) << 8 | u32::from(l),
                    _ => return 0,
                },
                LD_B_IND => match byte(x + k) {
                    Some(b) => a = u32::from(b),
                    None => return 0,
                },
                JEQ_K => pc += usize::from(if a == k { jt } else { jf }),
                JSET_K => pc += usize::from(if a & k != 0 { jt } else { jf }),
                AND_K => a &= k,
                RET_K => return k,
                other => panic!("opcode {other:#x} not in the interpreter"),
            }
        }
        panic!("the program did not return");
    }

    #[test]
    fn filter_keeps_only_replies_to_our_port() {
        let v4 = |flags, dport| ipv4(&segment(80, dport, flags, 1), [1; 4], [2; 4]);
        let v4prog = filter(false, 40000);
        let v6prog = filter(true, 40000);
        for flags in [SYN | ACK, RST, RST | ACK] {
            assert_eq!(run(&v4prog, &v4(flags, 40000)), SNAP, "{flags:#x}");
            assert_eq!(run(&v6prog, &segment(80, 40000, flags, 1)), SNAP);
            assert_eq!(run(&v4prog, &v4(flags, 40001)), 0);
            assert_eq!(run(&v6prog, &segment(80, 40001, flags, 1)), 0);
        }
        for flags in [SYN, ACK, ACK | 0x08, FIN | ACK] {
            assert_eq!(run(&v4prog, &v4(flags, 40000)), 0, "{flags:#x}");
            assert_eq!(run(&v6prog, &segment(80, 40000, flags, 1)), 0);
        }
        // IP options move the TCP header; the program follows.
        let mut opts = ipv4(&segment(80, 40000, SYN | ACK, 1), [1; 4], [2; 4]);
        opts[0] = 0x46;
        opts.splice(20..20, [1, 1, 1, 0]);
        assert_eq!(run(&v4prog, &opts), SNAP);
        assert_eq!(run(&v4prog, &opts[..30]), 0, "truncated");
        assert_eq!(sock_filter(true, 1).len(), 9);
    }
}
