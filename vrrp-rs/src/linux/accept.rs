//! Accept mode enforcement (RFC 5798 §6.4.3: a master that is not the
//! address owner does not accept packets addressed to the virtual addresses
//! unless it is in Accept Mode) with nf_tables, spoken directly over
//! `NETLINK_NETFILTER` as keepalived does through libnftnl: no `nft` or
//! `iptables` binary is needed (this machine has neither; the kernel has
//! nf_tables built in).
//!
//! The rules live in tables `lbkit_vrrp` of families `ip` and `ip6`, in a
//! chain on the `input` hook: `ip daddr VIP drop` for IPv4 (ARP is not IP,
//! so the master still answers it), and for IPv6 `ip6 daddr VIP` dropped
//! unless it is a neighbour solicitation or advertisement (the master must
//! keep answering neighbour discovery for its addresses).

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{
    self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, sockopt,
};

use super::LinuxError;

/// The nf_tables tables holding the drop rules.
pub(crate) const TABLE: &str = "lbkit_vrrp";

/// Drops packets addressed to a set of virtual addresses (a non-owner master
/// without Accept Mode); the tables are removed on drop.
///
/// keepalived enforces this only with `vrrp_strict` or `no_accept`; without
/// them its masters accept everything (the usual set-up for a load
/// balancer, whose virtual services listen on the VIPs). A driver follows
/// the same rule: block an instance's addresses while it is master, not the
/// owner (priority 255) and configured without `accept`.
#[derive(Debug)]
pub struct AcceptFilter {
    sock: OwnedFd,
    seq: u32,
}

impl AcceptFilter {
    /// Opens the netfilter netlink socket (needs `CAP_NET_ADMIN`).
    pub fn open() -> Result<AcceptFilter, LinuxError> {
        let io_err = |what, e: nix::errno::Errno| LinuxError::Io {
            what,
            iface: String::new(),
            source: e.into(),
        };
        let sock = socket::socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkNetFilter,
        )
        .map_err(|e| io_err("netfilter netlink socket", e))?;
        socket::bind(sock.as_raw_fd(), &NetlinkAddr::new(0, 0))
            .map_err(|e| io_err("bind netfilter netlink socket", e))?;
        let timeout = nix::sys::time::TimeVal::new(2, 0);
        socket::setsockopt(&sock, sockopt::ReceiveTimeout, &timeout)
            .map_err(|e| io_err("SO_RCVTIMEO", e))?;
        Ok(AcceptFilter { sock, seq: 1 })
    }

    /// Makes `blocked` the set of dropped destination addresses, in one
    /// nf_tables transaction (empty: the tables are removed).
    pub fn set_blocked(&mut self, blocked: &[IpAddr]) -> Result<(), LinuxError> {
        let (batch, acks) = wire::ruleset(blocked, &mut self.seq);
        self.transact(&batch, acks).map_err(|e| {
            let detail = if e.kind() == io::ErrorKind::PermissionDenied {
                format!("{e} (needs CAP_NET_ADMIN)")
            } else {
                format!("{e} (is nf_tables in the kernel? CONFIG_NF_TABLES)")
            };
            LinuxError::Netlink {
                what: "install the accept-mode nf_tables rules",
                ifindex: 0,
                detail,
            }
        })
    }

    fn transact(&self, batch: &[u8], mut acks: usize) -> io::Result<()> {
        let kernel = NetlinkAddr::new(0, 0);
        socket::sendto(self.sock.as_raw_fd(), batch, &kernel, MsgFlags::empty())?;
        let mut buf = vec![0u8; 16384];
        // Bounded: one ack per message, each read returns at least one.
        for _ in 0..64 {
            if acks == 0 {
                return Ok(());
            }
            let n = socket::recv(self.sock.as_raw_fd(), &mut buf, MsgFlags::empty())?;
            for status in wire::acks(&buf[..n]) {
                match status {
                    0 => acks = acks.saturating_sub(1),
                    errno => return Err(io::Error::from_raw_os_error(errno)),
                }
            }
        }
        Err(io::Error::other("nf_tables sent too few acknowledgements"))
    }
}

impl Drop for AcceptFilter {
    fn drop(&mut self) {
        let _ = self.set_blocked(&[]);
    }
}

/// nfnetlink / nf_tables message building (netlink TLVs), kept apart and
/// tested byte for byte.
mod wire {
    use std::net::IpAddr;

    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_ACK: u16 = 0x4;
    const NLM_F_CREATE: u16 = 0x400;
    const NLM_F_APPEND: u16 = 0x800;
    const NLMSG_ERROR: u16 = 0x2;
    const NLA_F_NESTED: u16 = 0x8000;

    const NFNL_SUBSYS_NFTABLES: u16 = 10;
    const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
    const NFNL_MSG_BATCH_END: u16 = 0x11;
    const NFT_MSG_NEWTABLE: u16 = 0;
    const NFT_MSG_DELTABLE: u16 = 2;
    const NFT_MSG_NEWCHAIN: u16 = 3;
    const NFT_MSG_NEWRULE: u16 = 6;

    pub(super) const NFPROTO_IPV4: u8 = 2;
    pub(super) const NFPROTO_IPV6: u8 = 10;

    // Attribute numbers (linux/netfilter/nf_tables.h).
    const NFTA_TABLE_NAME: u16 = 1;
    const NFTA_CHAIN_TABLE: u16 = 1;
    const NFTA_CHAIN_NAME: u16 = 3;
    const NFTA_CHAIN_HOOK: u16 = 4;
    const NFTA_CHAIN_POLICY: u16 = 5;
    const NFTA_CHAIN_TYPE: u16 = 7;
    const NFTA_HOOK_HOOKNUM: u16 = 1;
    const NFTA_HOOK_PRIORITY: u16 = 2;
    const NFTA_RULE_TABLE: u16 = 1;
    const NFTA_RULE_CHAIN: u16 = 2;
    const NFTA_RULE_EXPRESSIONS: u16 = 4;
    const NFTA_LIST_ELEM: u16 = 1;
    const NFTA_EXPR_NAME: u16 = 1;
    const NFTA_EXPR_DATA: u16 = 2;
    const NFTA_PAYLOAD_DREG: u16 = 1;
    const NFTA_PAYLOAD_BASE: u16 = 2;
    const NFTA_PAYLOAD_OFFSET: u16 = 3;
    const NFTA_PAYLOAD_LEN: u16 = 4;
    const NFTA_CMP_SREG: u16 = 1;
    const NFTA_CMP_OP: u16 = 2;
    const NFTA_CMP_DATA: u16 = 3;
    const NFTA_DATA_VALUE: u16 = 1;
    const NFTA_DATA_VERDICT: u16 = 2;
    const NFTA_VERDICT_CODE: u16 = 1;
    const NFTA_IMMEDIATE_DREG: u16 = 1;
    const NFTA_IMMEDIATE_DATA: u16 = 2;
    const NFTA_META_DREG: u16 = 1;
    const NFTA_META_KEY: u16 = 2;

    const NF_INET_LOCAL_IN: u32 = 1;
    const NF_DROP: u32 = 0;
    const NF_ACCEPT: u32 = 1;
    const NFT_REG_VERDICT: u32 = 0;
    const NFT_REG_1: u32 = 1;
    const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
    const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
    const NFT_CMP_EQ: u32 = 0;
    const NFT_CMP_NEQ: u32 = 1;
    const NFT_META_L4PROTO: u32 = 16;
    const IPPROTO_ICMPV6: u8 = 58;
    const ND_NEIGHBOR_SOLICIT: u8 = 135;
    const ND_NEIGHBOR_ADVERT: u8 = 136;

    /// Netlink attributes being built: `(type, payload)` with nesting.
    #[derive(Default)]
    pub(super) struct Attrs(Vec<u8>);

    impl Attrs {
        pub(super) fn bytes(&mut self, kind: u16, payload: &[u8]) -> &mut Self {
            let len = 4 + payload.len();
            self.0.extend_from_slice(&(len as u16).to_ne_bytes());
            self.0.extend_from_slice(&kind.to_ne_bytes());
            self.0.extend_from_slice(payload);
            while self.0.len() % 4 != 0 {
                self.0.push(0);
            }
            self
        }
        pub(super) fn str(&mut self, kind: u16, s: &str) -> &mut Self {
            let mut z = s.as_bytes().to_vec();
            z.push(0);
            self.bytes(kind, &z)
        }
        pub(super) fn be32(&mut self, kind: u16, v: u32) -> &mut Self {
            self.bytes(kind, &v.to_be_bytes())
        }
        pub(super) fn nest(&mut self, kind: u16, inner: &Attrs) -> &mut Self {
            self.bytes(kind | NLA_F_NESTED, &inner.0)
        }
    }

    /// One netlink message with an nfgenmsg header.
    fn message(
        out: &mut Vec<u8>,
        kind: u16,
        flags: u16,
        seq: u32,
        family: u8,
        res_id: u16,
        attrs: &Attrs,
    ) {
        let len = 16 + 4 + attrs.0.len();
        out.extend_from_slice(&(len as u32).to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(&flags.to_ne_bytes());
        out.extend_from_slice(&seq.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.push(family);
        out.push(0); // NFNETLINK_V0
        out.extend_from_slice(&res_id.to_be_bytes());
        out.extend_from_slice(&attrs.0);
    }

    fn expr(name: &str, data: &Attrs) -> Attrs {
        let mut e = Attrs::default();
        e.str(NFTA_EXPR_NAME, name).nest(NFTA_EXPR_DATA, data);
        e
    }

    fn payload(base: u32, offset: u32, len: u32) -> Attrs {
        let mut d = Attrs::default();
        d.be32(NFTA_PAYLOAD_DREG, NFT_REG_1)
            .be32(NFTA_PAYLOAD_BASE, base)
            .be32(NFTA_PAYLOAD_OFFSET, offset)
            .be32(NFTA_PAYLOAD_LEN, len);
        expr("payload", &d)
    }

    fn cmp(op: u32, value: &[u8]) -> Attrs {
        let mut v = Attrs::default();
        v.bytes(NFTA_DATA_VALUE, value);
        let mut d = Attrs::default();
        d.be32(NFTA_CMP_SREG, NFT_REG_1)
            .be32(NFTA_CMP_OP, op)
            .nest(NFTA_CMP_DATA, &v);
        expr("cmp", &d)
    }

    fn l4proto() -> Attrs {
        let mut d = Attrs::default();
        d.be32(NFTA_META_DREG, NFT_REG_1)
            .be32(NFTA_META_KEY, NFT_META_L4PROTO);
        expr("meta", &d)
    }

    fn drop() -> Attrs {
        let mut code = Attrs::default();
        code.be32(NFTA_VERDICT_CODE, NF_DROP);
        let mut verdict = Attrs::default();
        verdict.nest(NFTA_DATA_VERDICT, &code);
        let mut d = Attrs::default();
        d.be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT)
            .nest(NFTA_IMMEDIATE_DATA, &verdict);
        expr("immediate", &d)
    }

    /// The rules for one address: lists of expressions, each list a rule.
    pub(super) fn rules(addr: IpAddr) -> Vec<Vec<Attrs>> {
        match addr {
            IpAddr::V4(a) => vec![vec![
                payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4),
                cmp(NFT_CMP_EQ, &a.octets()),
                drop(),
            ]],
            IpAddr::V6(a) => {
                let daddr = || {
                    [
                        payload(NFT_PAYLOAD_NETWORK_HEADER, 24, 16),
                        cmp(NFT_CMP_EQ, &a.octets()),
                    ]
                };
                let mut not_icmp = Vec::from(daddr());
                not_icmp.extend([l4proto(), cmp(NFT_CMP_NEQ, &[IPPROTO_ICMPV6]), drop()]);
                let mut not_nd = Vec::from(daddr());
                not_nd.extend([
                    l4proto(),
                    cmp(NFT_CMP_EQ, &[IPPROTO_ICMPV6]),
                    payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1),
                    cmp(NFT_CMP_NEQ, &[ND_NEIGHBOR_SOLICIT]),
                    cmp(NFT_CMP_NEQ, &[ND_NEIGHBOR_ADVERT]),
                    drop(),
                ]);
                vec![not_icmp, not_nd]
            }
        }
    }

    /// The whole transaction: for each family, the table is added then
    /// deleted (so it is gone whether it existed or not), then rebuilt with
    /// a rule per blocked address of that family. Returns the batch and the
    /// number of acknowledgements to expect.
    pub(super) fn ruleset(blocked: &[IpAddr], seq: &mut u32) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut acks = 0;
        let mut next = || {
            *seq = seq.wrapping_add(1);
            *seq
        };
        let none = Attrs::default();
        message(
            &mut out,
            NFNL_MSG_BATCH_BEGIN,
            NLM_F_REQUEST,
            next(),
            0,
            NFNL_SUBSYS_NFTABLES,
            &none,
        );
        let ack = NLM_F_REQUEST | NLM_F_ACK;
        let kind = |m: u16| (NFNL_SUBSYS_NFTABLES << 8) | m;
        for family in [NFPROTO_IPV4, NFPROTO_IPV6] {
            let mut table = Attrs::default();
            table.str(NFTA_TABLE_NAME, super::TABLE);
            message(
                &mut out,
                kind(NFT_MSG_NEWTABLE),
                ack | NLM_F_CREATE,
                next(),
                family,
                0,
                &table,
            );
            message(
                &mut out,
                kind(NFT_MSG_DELTABLE),
                ack,
                next(),
                family,
                0,
                &table,
            );
            acks += 2;
            let addrs: Vec<IpAddr> = blocked
                .iter()
                .copied()
                .filter(|a| a.is_ipv4() == (family == NFPROTO_IPV4))
                .collect();
            if addrs.is_empty() {
                continue;
            }
            message(
                &mut out,
                kind(NFT_MSG_NEWTABLE),
                ack | NLM_F_CREATE,
                next(),
                family,
                0,
                &table,
            );
            let mut hook = Attrs::default();
            hook.be32(NFTA_HOOK_HOOKNUM, NF_INET_LOCAL_IN)
                .be32(NFTA_HOOK_PRIORITY, 0);
            let mut chain = Attrs::default();
            chain
                .str(NFTA_CHAIN_TABLE, super::TABLE)
                .str(NFTA_CHAIN_NAME, "input")
                .nest(NFTA_CHAIN_HOOK, &hook)
                .be32(NFTA_CHAIN_POLICY, NF_ACCEPT)
                .str(NFTA_CHAIN_TYPE, "filter");
            message(
                &mut out,
                kind(NFT_MSG_NEWCHAIN),
                ack | NLM_F_CREATE,
                next(),
                family,
                0,
                &chain,
            );
            acks += 2;
            for a in addrs {
                for exprs in rules(a) {
                    let mut list = Attrs::default();
                    for e in &exprs {
                        list.nest(NFTA_LIST_ELEM, e);
                    }
                    let mut rule = Attrs::default();
                    rule.str(NFTA_RULE_TABLE, super::TABLE)
                        .str(NFTA_RULE_CHAIN, "input")
                        .nest(NFTA_RULE_EXPRESSIONS, &list);
                    let flags = ack | NLM_F_CREATE | NLM_F_APPEND;
                    message(
                        &mut out,
                        kind(NFT_MSG_NEWRULE),
                        flags,
                        next(),
                        family,
                        0,
                        &rule,
                    );
                    acks += 1;
                }
            }
        }
        message(
            &mut out,
            NFNL_MSG_BATCH_END,
            NLM_F_REQUEST,
            next(),
            0,
            NFNL_SUBSYS_NFTABLES,
            &none,
        );
        (out, acks)
    }

    /// The status (0: success, else a positive errno) of each `NLMSG_ERROR`
    /// in a datagram; other messages and truncated ones are skipped.
    pub(super) fn acks(buf: &[u8]) -> Vec<i32> {
        let mut out = Vec::new();
        let mut rest = buf;
        while rest.len() >= 16 {
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let kind = u16::from_ne_bytes([rest[4], rest[5]]);
            if len < 16 || len > rest.len() {
                break;
            }
            if kind == NLMSG_ERROR && len >= 20 {
                let e = i32::from_ne_bytes([rest[16], rest[17], rest[18], rest[19]]);
                out.push(-e);
            }
            rest = &rest[(len + 3) & !3..];
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn attributes_are_padded_and_nested() {
            let mut inner = Attrs::default();
            inner.be32(1, 0x0102_0304);
            let mut a = Attrs::default();
            a.str(1, "ab").nest(4, &inner);
            let mut want = Vec::new();
            want.extend_from_slice(&7u16.to_ne_bytes());
            want.extend_from_slice(&1u16.to_ne_bytes());
            want.extend_from_slice(b"ab\0\0");
            want.extend_from_slice(&12u16.to_ne_bytes());
            want.extend_from_slice(&(4u16 | NLA_F_NESTED).to_ne_bytes());
            want.extend_from_slice(&8u16.to_ne_bytes());
            want.extend_from_slice(&1u16.to_ne_bytes());
            want.extend_from_slice(&[1, 2, 3, 4]);
            assert_eq!(a.0, want);
        }

        #[test]
        fn a_batch_is_framed_and_counts_its_acks() {
            let mut seq = 0;
            let v4: IpAddr = "198.18.0.100".parse().unwrap();
            let v6: IpAddr = "fd00::100".parse().unwrap();
            // Empty: add + delete per family.
            let (b, acks) = ruleset(&[], &mut seq);
            assert_eq!(acks, 4);
            // Begin, 4 messages, end; every length field adds up to the whole.
            let mut n = 0;
            let mut rest = &b[..];
            while !rest.is_empty() {
                let len = u32::from_ne_bytes(rest[..4].try_into().unwrap()) as usize;
                assert_eq!(len % 4, 0);
                rest = &rest[len..];
                n += 1;
            }
            assert_eq!(n, 6);
            assert_eq!(seq, 6);
            // One IPv4 rule, two IPv6 rules, table + chain for each family.
            let (_, acks) = ruleset(&[v4, v6], &mut seq);
            assert_eq!(acks, 4 + 2 + 1 + 2 + 2);
            assert_eq!(rules(v4).len(), 1);
            assert_eq!(rules(v6)[1].len(), 8);
        }

        #[test]
        fn acks_read_errors_and_successes() {
            let mut buf = Vec::new();
            for e in [0i32, -1] {
                buf.extend_from_slice(&36u32.to_ne_bytes());
                buf.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
                buf.extend_from_slice(&[0; 10]);
                buf.extend_from_slice(&e.to_ne_bytes());
                buf.extend_from_slice(&[0; 16]);
            }
            assert_eq!(acks(&buf), vec![0, 1]);
            assert_eq!(acks(&buf[..20]), Vec::<i32>::new());
        }
    }
}
