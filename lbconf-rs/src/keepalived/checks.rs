//! Semantic checks over the whole model, as keepalived makes them after
//! reading the configuration (and a few lbconf-only lints, see [`LINTS`]).

use std::collections::HashMap;

use super::model::*;
use crate::diagnostic::Diagnostic;

/// Codes keepalived 2.2.7 does not report (its `-t` still exits 0): advice only.
pub const LINTS: &[&str] = &["K0010", "K0011", "K0201"];

/// Runs every check.
pub fn run(c: &Config, interfaces: Option<&[String]>, diags: &mut Vec<Diagnostic>) {
    instances(c, interfaces, diags);
    duplicate_vrids(c, diags);
    duplicate_vips(c, diags);
    scripts(c, diags);
    virtual_servers(c, diags);
}

fn instances(c: &Config, interfaces: Option<&[String]>, diags: &mut Vec<Diagnostic>) {
    for i in &c.instances {
        let name = &i.name.value;
        if i.virtual_router_id.is_none() {
            diags.push(
                Diagnostic::error(
                    "K0210",
                    format!("vrrp_instance {name} has no virtual_router_id"),
                )
                .with_label(i.name.span, "")
                .with_help(
                    "add `virtual_router_id N` with N from 1 to 255, the same on every peer",
                ),
            );
        }
        if i.virtual_ipaddress.is_empty() {
            diags.push(
                Diagnostic::warning(
                    "K0211",
                    format!("vrrp_instance {name} has no virtual IP address"),
                )
                .with_label(i.name.span, "")
                .with_help("add a `virtual_ipaddress { ADDRESS/PREFIX }` block"),
            );
        }
        if i.nopreempt
            && let Some(st) = &i.state
            && st.value == State::Master
        {
            diags.push(
                Diagnostic::warning(
                    "K0212",
                    format!("nopreempt does not work with state MASTER in {name}"),
                )
                .with_label(st.span, "keepalived clears nopreempt because of this")
                .with_help("use `state BACKUP` on every peer with nopreempt"),
            );
        }
        if let Some(pass) = i.authentication.as_ref().and_then(|a| a.auth_pass.as_ref())
            && pass.value.len() > 8
        {
            diags.push(
                Diagnostic::warning("K0213", "auth_pass is longer than 8 characters")
                    .with_label(pass.span, "keepalived truncates it to 8 characters")
                    .with_help("use at most 8 characters (VRRPv2 carries only 8)"),
            );
        }
        if let Some(first) = i.virtual_ipaddress.first() {
            let v6 = first.address.value.is_ipv6();
            for v in i
                .virtual_ipaddress
                .iter()
                .filter(|v| v.address.value.is_ipv6() != v6)
            {
                diags.push(
                    Diagnostic::warning("K0215", format!("address family of {} does not match vrrp_instance {name}", v.address.value))
                        .with_label(v.address.span, "keepalived ignores this address")
                        .with_label(first.address.span, "the first address sets the instance's family")
                        .with_help("put IPv4 and IPv6 addresses in separate instances (or in virtual_ipaddress_excluded)"),
                );
            }
        }
        if let (Some(ifs), Some(iface)) = (interfaces, &i.interface)
            && !ifs.contains(&iface.value)
        {
            diags.push(
                Diagnostic::warning(
                    "K0214",
                    format!(
                        "interface {} for vrrp_instance {name} does not exist",
                        iface.value
                    ),
                )
                .with_label(iface.span, "no such interface on this host")
                .with_help(format!("this host has: {}", ifs.join(", "))),
            );
        }
    }
}

fn duplicate_vrids(c: &Config, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, u8, bool), &VrrpInstance> = HashMap::new();
    for i in &c.instances {
        let (Some(iface), Some(vrid)) = (&i.interface, &i.virtual_router_id) else {
            continue;
        };
        let v6 = i
            .virtual_ipaddress
            .first()
            .is_some_and(|v| v.address.value.is_ipv6());
        let key = (iface.value.clone(), vrid.value, v6);
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    "K0200",
                    format!(
                        "{} and {} both use VRID {} on interface {}",
                        first.name.value, i.name.value, vrid.value, iface.value
                    ),
                )
                .with_label(vrid.span, "second use")
                .with_label(
                    first
                        .virtual_router_id
                        .as_ref()
                        .map_or(first.name.span, |v| v.span),
                    "first use",
                )
                .with_help("give each instance on an interface its own virtual_router_id"),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

fn duplicate_vips(c: &Config, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<std::net::IpAddr, &VrrpInstance> = HashMap::new();
    for i in &c.instances {
        for v in &i.virtual_ipaddress {
            match seen.get(&v.address.value) {
                Some(first) if first.name.value != i.name.value => diags.push(
                    Diagnostic::warning(
                        "K0201",
                        format!(
                            "virtual IP {} is in {} and {}",
                            v.address.value, first.name.value, i.name.value
                        ),
                    )
                    .with_label(v.address.span, "")
                    .with_help("an address should belong to one VRRP instance only"),
                ),
                Some(_) => {}
                None => {
                    seen.insert(v.address.value, i);
                }
            }
        }
    }
}

fn scripts(c: &Config, diags: &mut Vec<Diagnostic>) {
    let secure = c.global_defs.iter().any(|g| g.enable_script_security);
    if secure {
        return;
    }
    let mut first = c
        .vrrp_scripts
        .iter()
        .find_map(|s| s.script.as_ref().map(|x| x.span));
    first = first.or_else(|| {
        c.instances
            .iter()
            .find_map(|i| i.notify.first().map(|n| n.script.span))
    });
    first = first.or_else(|| {
        c.sync_groups
            .iter()
            .find_map(|g| g.notify.first().map(|n| n.script.span))
    });
    first = first.or_else(|| {
        c.virtual_servers
            .iter()
            .flat_map(|v| &v.real_servers)
            .flat_map(|r| &r.checkers)
            .find_map(|k| k.misc_path.as_ref().map(|m| m.span))
    });
    if let Some(span) = first {
        diags.push(
            Diagnostic::warning(
                "K0220",
                "scripts would run as root without enable_script_security",
            )
            .with_label(span, "a script")
            .with_help("add `enable_script_security` to global_defs (and `script_user` if needed)"),
        );
    }
}

fn virtual_servers(c: &Config, diags: &mut Vec<Diagnostic>) {
    for vs in &c.virtual_servers {
        if vs.real_servers.is_empty() {
            diags.push(
                Diagnostic::warning("K0230", "virtual_server has no real servers")
                    .with_label(vs.target.span, "keepalived ignores this virtual server")
                    .with_help("add at least one `real_server ADDRESS PORT { ... }`"),
            );
        }
        for rs in &vs.real_servers {
            match (&vs.target.value, rs.port) {
                (VsTarget::Fwmark(_), Some(p)) if p != 0 => diags.push(
                    Diagnostic::warning(
                        "K0232",
                        "real server of a fwmark virtual server has a port",
                    )
                    .with_label(rs.address.span, "keepalived ignores the port")
                    .with_help("drop the port: fwmark services match by mark, not port"),
                ),
                (VsTarget::Addr(_, vp), Some(p))
                    if p != *vp
                        && vs
                            .lb_kind
                            .as_ref()
                            .is_some_and(|k| k.value == "DR" || k.value == "TUN") =>
                {
                    diags.push(
                        Diagnostic::warning(
                            "K0233",
                            format!(
                                "real server port {p} differs from the virtual server's port {vp}"
                            ),
                        )
                        .with_label(rs.address.span, "DR and TUN cannot change the port")
                        .with_help("use the virtual server's port, or lb_kind NAT to map ports"),
                    );
                }
                _ => {}
            }
        }
        if vs.protocol.is_none() && !matches!(vs.target.value, VsTarget::Fwmark(_)) {
            diags.push(
                Diagnostic::warning("K0231", "virtual_server has no protocol")
                    .with_label(vs.target.span, "keepalived defaults to UDP here")
                    .with_help("add `protocol TCP` (or UDP, SCTP)"),
            );
        }
    }
}
