//! keepalived's `use_vmac`: a macvlan interface on the instance's interface
//! carrying the VRRP virtual MAC (RFC 5798 §7.3), created and deleted
//! through rtnetlink (neli stays inside this file).

use std::io::Write;

use neli::consts::nl::NlmF;
use neli::consts::rtnl::{Arphrd, Iff, Ifla, IflaInfo, RtAddrFamily, Rtm};
use neli::consts::socket::NlFamily;
use neli::nl::NlPayload;
use neli::router::synchronous::NlRouter;
use neli::rtnl::{Ifinfomsg, IfinfomsgBuilder, Rtattr, RtattrBuilder};
use neli::types::{Buffer, RtBuffer};
use neli::utils::Groups;

use super::{LinuxError, ifindex};
use crate::wire::{Family, MacAddr};

/// `IFLA_MACVLAN_MODE` inside `IFLA_INFO_DATA`, and `MACVLAN_MODE_PRIVATE`:
/// keepalived's mode (macvlans on one interface do not see each other).
const IFLA_MACVLAN_MODE: u16 = 1;
const MACVLAN_MODE_PRIVATE: u32 = 1;

/// The VRRP virtual MAC of `vrid`: 00:00:5e:00:01:VRID for IPv4,
/// 00:00:5e:00:02:VRID for IPv6.
pub fn vrrp_mac(vrid: u8, family: Family) -> MacAddr {
    let f = match family {
        Family::V4 => 1,
        Family::V6 => 2,
    };
    MacAddr([0x00, 0x00, 0x5e, 0x00, f, vrid])
}

/// A macvlan interface with the VRRP virtual MAC, up, on a base interface;
/// deleted on drop (keepalived's `use_vmac`).
///
/// The driver opens the instance's [`VrrpSocket`](super::VrrpSocket) and
/// [`Announcer`](super::Announcer) on it, sets the instance's
/// [`mac`](crate::InstanceConfig::mac) to [`Vmac::mac`], and adds the
/// virtual addresses on it: adverts, GARP / NA and replies to the addresses
/// then carry the virtual MAC, so a failover needs no ARP update at all.
/// For IPv6, the driver first adds the instance's source (the base
/// interface's link-local address) to the macvlan with
/// [`set_vip`](super::set_vip), as keepalived does, so that the socket can
/// bind to it there. With keepalived's `vmac_xmit_base`, the driver opens
/// the VRRP socket on the base interface instead (adverts leave with its
/// MAC) and keeps the addresses on the macvlan.
///
/// It sets `arp_ignore = 1` on the base interface and the macvlan (only the
/// macvlan, which holds the addresses, answers ARP for them) and
/// `arp_announce = 2` on the base interface (its own ARP requests never name
/// a virtual address as their sender, which would teach the segment the base
/// MAC for it); the base interface's values are restored on drop.
pub struct Vmac {
    name: String,
    ifindex: u32,
    base: String,
    mac: MacAddr,
    /// The base interface's sysctls (opened in the creating thread's
    /// namespace) and their old values, restored on drop.
    base_saved: Vec<(std::fs::File, String)>,
    /// The rtnetlink socket of the creating thread's namespace, so that the
    /// macvlan is deleted there whichever thread drops it.
    rtnl: NlRouter,
}

impl std::fmt::Debug for Vmac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vmac")
            .field("name", &self.name)
            .field("ifindex", &self.ifindex)
            .field("base", &self.base)
            .field("mac", &self.mac)
            .finish_non_exhaustive()
    }
}

fn nl_err(what: &'static str, ifindex: u32, detail: impl std::fmt::Display) -> LinuxError {
    LinuxError::Netlink {
        what,
        ifindex,
        detail: detail.to_string(),
    }
}

impl Vmac {
    /// Creates macvlan `name` (keepalived names it `vrrp.VRID`) on interface
    /// `base` with the virtual MAC of `vrid` and `family`, and sets it up.
    pub fn create(base: &str, name: &str, vrid: u8, family: Family) -> Result<Vmac, LinuxError> {
        let what = "create the VMAC interface (macvlan)";
        let base_index = ifindex(base)?;
        if name.is_empty() || name.len() > 15 {
            return Err(nl_err(
                what,
                base_index,
                format!("interface name {name:?} must have 1 to 15 bytes"),
            ));
        }
        let mac = vrrp_mac(vrid, family);
        let err = |e: &dyn std::fmt::Display| nl_err(what, base_index, e);
        let attr = |kind: Ifla, payload: Vec<u8>| {
            RtattrBuilder::default()
                .rta_type(kind)
                .rta_payload(Buffer::from(payload))
                .build()
                .map_err(|e| err(&e))
        };
        let mut name_z = name.as_bytes().to_vec();
        name_z.push(0);
        let mode: Rtattr<IflaInfo, Buffer> = RtattrBuilder::default()
            .rta_type(IflaInfo::from(IFLA_MACVLAN_MODE))
            .rta_payload(Buffer::from(MACVLAN_MODE_PRIVATE.to_ne_bytes().to_vec()))
            .build()
            .map_err(|e| err(&e))?;
        let data: Rtattr<IflaInfo, Buffer> = RtattrBuilder::default()
            .rta_type(IflaInfo::Data)
            .rta_payload(Buffer::new())
            .build()
            .map_err(|e| err(&e))?
            .nest(&mode)
            .map_err(|e| err(&e))?;
        let kind: Rtattr<IflaInfo, Buffer> = RtattrBuilder::default()
            .rta_type(IflaInfo::Kind)
            .rta_payload(Buffer::from(b"macvlan\0".to_vec()))
            .build()
            .map_err(|e| err(&e))?;
        let linkinfo = attr(Ifla::Linkinfo, Vec::new())?
            .nest(&kind)
            .map_err(|e| err(&e))?
            .nest(&data)
            .map_err(|e| err(&e))?;
        let mut attrs = RtBuffer::<Ifla, Buffer>::new();
        attrs.push(attr(Ifla::Ifname, name_z)?);
        attrs.push(attr(Ifla::Link, base_index.to_ne_bytes().to_vec())?);
        attrs.push(attr(Ifla::Address, mac.0.to_vec())?);
        attrs.push(linkinfo);
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_type(Arphrd::Ether)
            .ifi_index(0)
            .ifi_flags(Iff::UP)
            .ifi_change(Iff::UP)
            .rtattrs(attrs)
            .build()
            .map_err(|e| err(&e))?;
        let (rtnl, _) =
            NlRouter::connect(NlFamily::Route, None, Groups::empty()).map_err(|e| err(&e))?;
        link_request(
            &rtnl,
            Rtm::Newlink,
            NlmF::CREATE | NlmF::EXCL | NlmF::ACK,
            msg,
            what,
            base_index,
        )?;
        let index = ifindex(name)?;
        let mut vmac = Vmac {
            name: name.to_string(),
            ifindex: index,
            base: base.to_string(),
            mac,
            base_saved: Vec::new(),
            rtnl,
        };
        for (key, value) in [("arp_ignore", "1"), ("arp_announce", "2")] {
            let path = conf_path(base, key);
            let old = std::fs::read_to_string(&path).map_err(|e| err(&e))?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| err(&e))?;
            f.write_all(value.as_bytes()).map_err(|e| err(&e))?;
            vmac.base_saved.push((f, old));
        }
        std::fs::write(conf_path(name, "arp_ignore"), "1").map_err(|e| err(&e))?;
        Ok(vmac)
    }

    /// The macvlan's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The macvlan's interface index.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The virtual MAC it carries.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// The base interface's name.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Deletes the macvlan now and restores the base interface's settings
    /// (drop does the same, ignoring errors), in the namespace it was
    /// created in.
    pub fn delete(mut self) -> Result<(), LinuxError> {
        self.remove()
    }

    fn remove(&mut self) -> Result<(), LinuxError> {
        if self.ifindex == 0 {
            return Ok(());
        }
        for (mut f, old) in std::mem::take(&mut self.base_saved) {
            let _ = f.write_all(old.trim().as_bytes());
        }
        let what = "delete the VMAC interface";
        let msg = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_type(Arphrd::Ether)
            .ifi_index(self.ifindex as i32)
            .build()
            .map_err(|e| nl_err(what, self.ifindex, e))?;
        let index = std::mem::take(&mut self.ifindex);
        link_request(&self.rtnl, Rtm::Dellink, NlmF::ACK, msg, what, index)
    }
}

impl Drop for Vmac {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

fn link_request(
    rtnl: &NlRouter,
    rtm: Rtm,
    flags: NlmF,
    msg: Ifinfomsg,
    what: &'static str,
    index: u32,
) -> Result<(), LinuxError> {
    let recv = rtnl
        .send::<Rtm, Ifinfomsg, Rtm, Ifinfomsg>(rtm, flags, NlPayload::Payload(msg))
        .map_err(|e| nl_err(what, index, e))?;
    for r in recv {
        if let Err(e) = r {
            if let neli::err::RouterError::Nlmsgerr(m) = &e {
                let errno = std::io::Error::from_raw_os_error(-*m.error());
                return Err(nl_err(what, index, errno));
            }
            return Err(nl_err(what, index, e));
        }
    }
    Ok(())
}

/// `net.ipv4.conf.IFACE.KEY` of the calling thread's namespace.
fn conf_path(iface: &str, key: &str) -> String {
    format!("/proc/sys/net/ipv4/conf/{iface}/{key}")
}
