//! Virtual address add/remove through rtnetlink (neli stays inside this file).

use std::net::IpAddr;

use neli::consts::nl::NlmF;
use neli::consts::rtnl::{Ifa, IfaF, RtAddrFamily, RtScope, Rtm};
use neli::consts::socket::NlFamily;
use neli::nl::NlPayload;
use neli::router::synchronous::NlRouter;
use neli::rtnl::{Ifaddrmsg, IfaddrmsgBuilder, RtattrBuilder};
use neli::types::{Buffer, RtBuffer};
use neli::utils::Groups;

use super::LinuxError;

fn nl_err(what: &'static str, iface: u32, detail: impl std::fmt::Display) -> LinuxError {
    LinuxError::Netlink {
        what,
        ifindex: iface,
        detail: detail.to_string(),
    }
}

/// Adds (`add`) or removes a virtual address `addr/prefix` on interface
/// `ifindex`, with scope global and, for IPv6, no duplicate address
/// detection (as keepalived does). Adding an address that is there, or
/// removing one that is not, succeeds.
pub fn set_vip(ifindex: u32, addr: IpAddr, prefix: u8, add: bool) -> Result<(), LinuxError> {
    let what = if add {
        "add virtual address"
    } else {
        "remove virtual address"
    };
    let (family, octets, flags) = match addr {
        IpAddr::V4(a) => (RtAddrFamily::Inet, a.octets().to_vec(), IfaF::PERMANENT),
        IpAddr::V6(a) => (
            RtAddrFamily::Inet6,
            a.octets().to_vec(),
            IfaF::PERMANENT | IfaF::NODAD,
        ),
    };
    let (rtnl, _) = NlRouter::connect(NlFamily::Route, None, Groups::empty())
        .map_err(|e| nl_err(what, ifindex, e))?;
    let mut attrs = RtBuffer::<Ifa, Buffer>::new();
    for kind in [Ifa::Local, Ifa::Address] {
        let attr = RtattrBuilder::default()
            .rta_type(kind)
            .rta_payload(Buffer::from(octets.clone()))
            .build()
            .map_err(|e| nl_err(what, ifindex, e))?;
        attrs.push(attr);
    }
    let msg = IfaddrmsgBuilder::default()
        .ifa_family(family)
        .ifa_prefixlen(prefix)
        .ifa_flags(flags)
        .ifa_scope(RtScope::Universe)
        .ifa_index(ifindex)
        .rtattrs(attrs)
        .build()
        .map_err(|e| nl_err(what, ifindex, e))?;
    let (rtm, nlflags) = if add {
        (Rtm::Newaddr, NlmF::CREATE | NlmF::REPLACE | NlmF::ACK)
    } else {
        (Rtm::Deladdr, NlmF::ACK)
    };
    let recv = rtnl
        .send::<Rtm, Ifaddrmsg, Rtm, Ifaddrmsg>(rtm, nlflags, NlPayload::Payload(msg))
        .map_err(|e| nl_err(what, ifindex, e))?;
    for r in recv {
        if let Err(e) = r {
            if let neli::err::RouterError::Nlmsgerr(m) = &e {
                // EADDRNOTAVAIL on removal: already gone.
                if !add && -*m.error() == 99 {
                    return Ok(());
                }
                let errno = std::io::Error::from_raw_os_error(-*m.error());
                return Err(nl_err(what, ifindex, errno));
            }
            return Err(nl_err(what, ifindex, e));
        }
    }
    Ok(())
}
