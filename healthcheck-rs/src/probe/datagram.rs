//! Datagram probes: `DNS_CHECK`, `UDP_CHECK` and `PING_CHECK`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use super::io_failure;
use crate::outcome::{FailKind, Outcome};
use crate::reply::{dns as dns_reply, proto};
use crate::spec::{DnsCheck, UdpCheck};

async fn udp_socket(to: SocketAddr) -> Result<UdpSocket, Outcome> {
    let local: SocketAddr = match to {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let s = UdpSocket::bind(local)
        .await
        .map_err(|e| io_failure("cannot open a UDP socket", &e))?;
    s.connect(to)
        .await
        .map_err(|e| io_failure(&format!("cannot address {to}"), &e))?;
    Ok(s)
}

/// `DNS_CHECK`: a query answered NOERROR with the question echoed. Replies
/// with another id (late answers to earlier queries) are skipped.
pub(crate) async fn dns(target: SocketAddr, check: &DnsCheck) -> Result<Outcome, Outcome> {
    let to = check.to.unwrap_or(target);
    let query = dns_reply::build_query(fastrand::u16(..), &check.name, &check.qtype)?;
    let s = udp_socket(to).await?;
    s.send(&query.bytes)
        .await
        .map_err(|e| io_failure(&format!("send a DNS query to {to}"), &e))?;
    let mut buf = vec![0u8; 4096];
    // Bounded: the deadline ends the probe; this only skips stray datagrams.
    for _ in 0..64 {
        let n = s
            .recv(&mut buf)
            .await
            .map_err(|e| io_failure(&format!("DNS reply from {to}"), &e))?;
        let reply = &buf[..n];
        if reply.len() >= 2 && u16::from_be_bytes([reply[0], reply[1]]) != query.id {
            continue;
        }
        dns_reply::check_reply(&query, reply)?;
        return Ok(Outcome::pass());
    }
    Err(Outcome::fail(
        FailKind::Reply,
        format!("{to} sent 64 datagrams, none answering the query"),
    ))
}

/// `UDP_CHECK`: send the payload; with `require_reply` a reply must come and
/// pass [`proto::udp_reply`]. Without, only an ICMP error fails, and the
/// probe waits for one at most half the time left, up to 500 ms.
pub(crate) async fn udp(
    target: SocketAddr,
    check: &UdpCheck,
    deadline: Instant,
) -> Result<Outcome, Outcome> {
    let to = check.to.unwrap_or(target);
    let s = udp_socket(to).await?;
    let random: Vec<u8>;
    let payload = match &check.payload {
        Some(p) => p.as_slice(),
        None => {
            random = (0..16).map(|_| fastrand::u8(..)).collect();
            &random
        }
    };
    s.send(payload)
        .await
        .map_err(|e| io_failure(&format!("send to {to}"), &e))?;
    let mut buf = vec![0u8; 65_536];
    if !check.require_reply {
        #[allow(clippy::disallowed_methods)] // the IO edge reads the clock
        let left = deadline.saturating_duration_since(Instant::now());
        let wait = (left / 2).min(Duration::from_millis(500));
        return match tokio::time::timeout(wait, s.recv(&mut buf)).await {
            Err(_) | Ok(Ok(_)) => Ok(Outcome::pass()),
            Ok(Err(e)) => Err(io_failure(&format!("UDP to {to}"), &e)),
        };
    }
    let n = s
        .recv(&mut buf)
        .await
        .map_err(|e| io_failure(&format!("UDP reply from {to}"), &e))?;
    proto::udp_reply(&buf[..n], check)?;
    Ok(Outcome::pass())
}

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(u16::try_from(sum).unwrap_or(0))
}

/// An ICMP socket: an unprivileged "ping" socket where allowed
/// (`net.ipv4.ping_group_range`), else a raw one (needs `CAP_NET_RAW`).
fn icmp_socket(ip: IpAddr) -> Result<(Socket, bool), Outcome> {
    let (domain, proto) = match ip {
        IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4),
        IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6),
    };
    match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => Ok((s, false)),
        Err(first) => Socket::new(domain, Type::RAW, Some(proto))
            .map(|s| (s, true))
            .map_err(|e| {
                Outcome::fail(
                    FailKind::Setup,
                    format!(
                        "cannot open an ICMP socket: ping socket: {first}; raw socket: {e} \
                         (run as root, or allow this group in net.ipv4.ping_group_range)"
                    ),
                )
            }),
    }
}

/// `PING_CHECK`: one ICMP echo request answered by an echo reply.
pub(crate) async fn ping(ip: IpAddr) -> Result<Outcome, Outcome> {
    let (sock, raw) = icmp_socket(ip)?;
    sock.set_nonblocking(true)
        .map_err(|e| io_failure("ICMP socket", &e))?;
    let s = UdpSocket::from_std(std::net::UdpSocket::from(sock))
        .map_err(|e| io_failure("ICMP socket", &e))?;
    let to = SocketAddr::new(ip, 0);
    let (req_type, reply_type) = if ip.is_ipv4() { (8u8, 0u8) } else { (128, 129) };
    let ident = fastrand::u16(..);
    let seq = fastrand::u16(..);
    let payload = *b"lbkit-healthcheck";
    let mut pkt = vec![req_type, 0, 0, 0];
    pkt.extend_from_slice(&ident.to_be_bytes());
    pkt.extend_from_slice(&seq.to_be_bytes());
    pkt.extend_from_slice(&payload);
    if ip.is_ipv4() {
        let c = checksum(&pkt);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
    }
    s.send_to(&pkt, to)
        .await
        .map_err(|e| io_failure(&format!("ICMP echo to {ip}"), &e))?;
    let mut buf = vec![0u8; 2048];
    // Bounded: the deadline ends the probe; this only skips other ICMP.
    for _ in 0..256 {
        let (n, from) = s
            .recv_from(&mut buf)
            .await
            .map_err(|e| io_failure(&format!("ICMP from {ip}"), &e))?;
        if from.ip() != ip {
            continue;
        }
        let mut msg = &buf[..n];
        if raw && ip.is_ipv4() {
            let ihl = usize::from(msg.first().copied().unwrap_or(0) & 0x0f) * 4;
            msg = msg.get(ihl..).unwrap_or_default();
        }
        if msg.len() < 8 + payload.len() || msg[0] != reply_type {
            continue;
        }
        // Ping sockets rewrite the identifier; match on sequence and payload.
        let same_seq = msg[6..8] == seq.to_be_bytes();
        let same_id = !raw || msg[4..6] == ident.to_be_bytes();
        if same_seq && same_id && msg[8..8 + payload.len()] == payload {
            return Ok(Outcome::pass());
        }
    }
    Err(io_failure(
        &format!("ICMP echo to {ip}"),
        &io::Error::other("no echo reply among 256 ICMP messages"),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_of_rfc1071_example() {
        // RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2, complement 220d.
        assert_eq!(
            super::checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }
}
