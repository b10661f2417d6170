//! Semantic checks over the whole model, as keepalived makes them after
//! reading the configuration (and a few lbconf-only lints, see [`LINTS`]).

use std::collections::HashMap;

use super::model::*;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Codes keepalived 2.2.7 does not report (its `-t` still exits 0): advice only.
pub const LINTS: &[&str] = &["K0010", "K0011", "K0201", "K0245"];

/// Runs every check.
pub fn run(c: &Config, interfaces: Option<&[String]>, diags: &mut Vec<Diagnostic>) {
    run_prepared(c, interfaces, diags, &mut Vec::new());
}

/// The checks of one virtual server made while the model was built (when
/// its real servers are still in the cache): its diagnostics and scripts,
/// or `None` when they depend on what may come later in the file.
pub(crate) type Prepared = Option<(Vec<Diagnostic>, LvsScripts)>;

/// The checks of `vs`, the virtual server just built into `c` (which holds
/// what came before it): `None` when it names a group, a
/// `vrrp_track_file` or a `bfd_instance`, which may be defined after it.
pub(crate) fn prepare(c: &Config, vs: &VirtualServer) -> Prepared {
    let later = matches!(vs.target.value, VsTarget::Group(_))
        || vs
            .real_servers
            .iter()
            .flat_map(|r| &r.checkers)
            .any(|k| matches!(k.detail, CheckerDetail::File(_) | CheckerDetail::Bfd(_)));
    if later {
        return None;
    }
    let mut found = LvsScripts::default();
    let mut diags = Vec::new();
    virtual_server(c, vs, &mut found, &mut diags);
    Some((diags, found))
}

/// [`run`], with the checks of the virtual servers made while building
/// where `prepared` has them (one entry per virtual server, or none).
pub(crate) fn run_prepared(
    c: &Config,
    interfaces: Option<&[String]>,
    diags: &mut Vec<Diagnostic>,
    prepared: &mut Vec<Prepared>,
) {
    instances(c, interfaces, diags);
    duplicate_vrids(c, diags);
    duplicate_vips(c, diags);
    // The virtual servers are read once (big configurations have a hundred
    // thousand real servers): their diagnostics wait for their turn, the
    // scripts found go to `scripts`.
    let mut lvs = Vec::new();
    let found = virtual_servers(c, &mut lvs, prepared);
    scripts(c, &found, diags);
    references(c, diags);
    bfd(c, diags);
    diags.append(&mut lvs);
}

/// The VRRP version an instance speaks: its own `version`, else the
/// global `vrrp_version`, else 2.
fn vrrp_version(c: &Config, i: &VrrpInstance) -> u8 {
    i.version
        .as_ref()
        .map(|v| v.value)
        .or_else(|| {
            c.global_defs
                .iter()
                .find_map(|g| g.vrrp_version.as_ref().map(|v| v.value))
        })
        .unwrap_or(2)
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
        let version = vrrp_version(c, i);
        if let Some(a) = &i.advert_int
            && version == 2
            && a.value.fract() != 0.0
        {
            diags.push(
                Diagnostic::warning(
                    "K0114",
                    format!(
                        "VRRPv2 advert_int {} is not a whole number of seconds",
                        a.value
                    ),
                )
                .with_label(a.span, "keepalived rounds it")
                .with_help("use whole seconds, or `version 3` for sub-second intervals"),
            );
        }
        // VRRPv3 carries the interval in centiseconds in 12 bits.
        if let Some(a) = &i.advert_int
            && version == 3
            && a.value >= 40.96
        {
            diags.push(
                Diagnostic::warning(
                    "K0242",
                    format!("VRRPv3 advert_int {} is 40.96 seconds or more", a.value),
                )
                .with_label(a.span, "keepalived sets it to 40.95")
                .with_help("use an interval below 40.96 seconds with version 3"),
            );
        }
        unicast(i, diags);
        address_owner(c, i, diags);
        strict_mode(c, i, diags);
        let mut seen_tracks: Vec<(&str, &str)> = Vec::new();
        for t in &i.tracks {
            let key = (t.kind.as_str(), t.name.value.as_str());
            if seen_tracks.contains(&key) {
                diags.push(
                    Diagnostic::warning(
                        "K0225",
                        format!("{} {} is listed twice in {name}", t.kind, t.name.value),
                    )
                    .with_label(t.name.span, "keepalived ignores the duplicate")
                    .with_help("remove the duplicate entry"),
                );
            }
            seen_tracks.push(key);
        }
        if i.interface.is_none() {
            diags.push(
                Diagnostic::warning("K0216", format!("vrrp_instance {name} has no interface"))
                    .with_label(i.name.span, "keepalived: unknown interface")
                    .with_help("add `interface IFACE`, the interface the VRRP adverts use"),
            );
        }
        if let Some(auth) = &i.authentication
            && auth.auth_pass.is_none()
        {
            diags.push(
                Diagnostic::warning(
                    "K0217",
                    format!("vrrp_instance {name} has authentication without auth_pass"),
                )
                .with_label(i.name.span, "keepalived ignores the authentication block")
                .with_help("add `auth_pass SECRET` (at most 8 characters) or remove the block"),
            );
        }
        if let Some(auth) = &i.authentication
            && is_strict(c, i)
            && auth.auth_pass.is_some()
        {
            diags.push(
                Diagnostic::warning("K0229", format!("strict mode does not allow authentication in {name}"))
                    .with_label(auth.auth_pass.as_ref().map_or(i.name.span, |p| p.span), "keepalived ignores the authentication")
                    .with_help("remove the authentication block, or vrrp_strict/strict_mode (RFC 5798 has no authentication)"),
            );
        }
        if let Some(ifs) = interfaces {
            let tracked = i
                .tracks
                .iter()
                .filter(|t| t.kind == "track_interface")
                .map(|t| (&t.name.value, t.name.span, "tracked interface"));
            let devs = i
                .virtual_ipaddress
                .iter()
                .chain(&i.virtual_ipaddress_excluded)
                .filter_map(|v| {
                    v.dev
                        .as_ref()
                        .map(|d| (d, v.span, "interface of a virtual address"))
                });
            for (dev, span, what) in tracked.chain(devs) {
                if !ifs.contains(dev) {
                    diags.push(
                        Diagnostic::warning(
                            "K0214",
                            format!("{what} {dev} in vrrp_instance {name} does not exist"),
                        )
                        .with_label(span, "no such interface on this host")
                        .with_help(format!("this host has: {}", ifs.join(", "))),
                    );
                }
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

/// Unicast keywords (`unicast_src_ip`, `check_unicast_src`, a
/// `unicast_peer` block, `unicast_ttl`) without a usable peer: keepalived
/// falls back to multicast and says so (a peer it skipped, malformed or of
/// the other family, does not count).
fn unicast(i: &VrrpInstance, diags: &mut Vec<Diagnostic>) {
    if !i.unicast_peer.is_empty() {
        return;
    }
    let name = &i.name.value;
    let keyword = i.settings.iter().find(|s| {
        matches!(
            s.keyword.value.as_str(),
            "unicast_src_ip" | "unicast_peer" | "check_unicast_src"
        )
    });
    if let Some(k) = keyword {
        diags.push(
            Diagnostic::warning(
                "K0243",
                format!("{} without any unicast peer in {name}", k.keyword.value),
            )
            .with_label(
                k.keyword.span,
                "keepalived falls back to multicast (deprecated)",
            )
            .with_help("add `unicast_peer { ADDRESS }` with a valid address, or remove the unicast keywords"),
        );
    }
    if let Some(ttl) = i.settings.iter().find(|s| s.keyword.value == "unicast_ttl") {
        diags.push(
            Diagnostic::warning(
                "K0243",
                format!("unicast_ttl without any unicast peer in {name}"),
            )
            .with_label(ttl.keyword.span, "keepalived resets it")
            .with_help("add `unicast_peer { ADDRESS }`, or remove unicast_ttl"),
        );
    }
}

/// Whether `vrrp_strict` (global) or the instance's `strict_mode` holds
/// for `i` (the instance's own setting wins).
fn is_strict(c: &Config, i: &VrrpInstance) -> bool {
    i.strict_mode
        .as_ref()
        .map_or_else(|| c.global_defs.iter().any(|g| g.vrrp_strict), |s| s.value)
}

/// What strict mode (RFC 5798) forbids in an instance, as keepalived 2.2.7
/// reports it (and resets the setting).
fn strict_mode(c: &Config, i: &VrrpInstance, diags: &mut Vec<Diagnostic>) {
    if !is_strict(c, i) {
        return;
    }
    let name = &i.name.value;
    let mut forbid = |span: Span, what: &str, help: &str| {
        diags.push(
            Diagnostic::warning(
                "K0246",
                format!("strict mode does not allow {what} in {name}"),
            )
            .with_label(span, "keepalived resets it")
            .with_help(help.to_owned()),
        );
    };
    if let Some(mac) = &i.use_vmac_mac {
        forbid(
            mac.span,
            "a VMAC address",
            "drop the MAC address after use_vmac",
        );
    }
    if i.vmac_xmit_base
        && let Some(x) = i
            .settings
            .iter()
            .find(|s| s.keyword.value == "vmac_xmit_base")
    {
        forbid(x.keyword.span, "vmac_xmit_base", "remove vmac_xmit_base");
    }
    if let Some(r) = i.garp_lower_prio_repeat.as_ref().filter(|r| r.value != 0) {
        forbid(
            r.span,
            "lower-priority GARP repeats",
            "set garp_lower_prio_repeat 0 or remove it",
        );
    }
    if let Some(d) = i.garp_lower_prio_delay.as_ref().filter(|d| d.value != 0) {
        forbid(
            d.span,
            "a lower-priority GARP delay",
            "set garp_lower_prio_delay 0 or remove it",
        );
    }
    // The last `KEYWORD [BOOL]` statement's value (no value: true).
    let flag = |k: &str| {
        i.settings
            .iter()
            .rev()
            .find(|s| s.keyword.value == k)
            .map(|s| {
                let on = s
                    .args
                    .first()
                    .is_none_or(|a| matches!(a.value.as_str(), "true" | "on" | "yes"));
                (on, s.keyword.span)
            })
    };
    if let Some((false, at)) = flag("lower_prio_no_advert") {
        forbid(
            at,
            "adverts at a lower priority",
            "remove `lower_prio_no_advert false`",
        );
    }
    if let Some((true, at)) = flag("higher_prio_send_advert") {
        forbid(
            at,
            "higher_prio_send_advert",
            "remove higher_prio_send_advert",
        );
    }
    let version = vrrp_version(c, i);
    let owner = i.priority.as_ref().is_some_and(|p| p.value == 255);
    if let Some(a) = i.accept_mode.as_ref().filter(|a| a.value)
        && version == 2
        && !owner
    {
        forbid(
            a.span,
            "accept mode with VRRPv2",
            "remove accept, or use version 3",
        );
    }
}

/// An address owner (priority 255, or `state MASTER` without a priority)
/// cannot lower its priority: keepalived ignores, and reports, every tracked
/// interface, script and file that has a weight.
fn address_owner(c: &Config, i: &VrrpInstance, diags: &mut Vec<Diagnostic>) {
    let owner = match &i.priority {
        Some(p) => p.value == 255,
        None => i.state.as_ref().is_some_and(|s| s.value == State::Master),
    };
    if !owner {
        return;
    }
    let name = &i.name.value;
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for t in &i.tracks {
        let key = (t.kind.as_str(), t.name.value.as_str());
        if seen.contains(&key) {
            continue; // the duplicate has its own diagnostic
        }
        seen.push(key);
        // The entry's own weight, else the tracked object's: a vrrp_script
        // has none by default, a vrrp_track_file weighs 1.
        let weight = match t.kind.as_str() {
            "track_interface" => t.weight.unwrap_or(0),
            "track_script" => t.weight.unwrap_or_else(|| {
                c.vrrp_scripts
                    .iter()
                    .find(|s| s.name.value == t.name.value)
                    .and_then(|s| s.weight.as_ref())
                    .map_or(0, |w| w.value)
            }),
            "track_file" => t.weight.unwrap_or_else(|| {
                c.track_files
                    .iter()
                    .find(|f| f.name.value == t.name.value)
                    .and_then(|f| f.weight.as_ref())
                    .map_or(1, |w| w.value)
            }),
            _ => 0,
        };
        if weight != 0 {
            diags.push(
                Diagnostic::warning(
                    "K0244",
                    format!(
                        "{} {} has weight {weight} in {name}, an address owner",
                        t.kind, t.name.value
                    ),
                )
                .with_label(
                    t.name.span,
                    "keepalived ignores this weight (priority 255 cannot change)",
                )
                .with_help(
                    "add `weight 0` to the entry, or give the instance a priority below 255",
                ),
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

fn scripts(c: &Config, found: &LvsScripts, diags: &mut Vec<Diagnostic>) {
    let secure = c.global_defs.iter().any(|g| g.enable_script_security);
    if secure {
        // Without script_user, keepalived runs scripts as `keepalived_script`
        // and drops every script when that user does not exist on the host.
        let has_user = c.global_defs.iter().any(|g| g.script_user.is_some());
        let unowned = c
            .vrrp_scripts
            .iter()
            .filter(|s| s.user.is_none())
            .find_map(|s| s.script.as_ref().map(|x| x.span))
            .or_else(|| {
                // The notify scripts of VRRP instances and sync groups,
                // MISC_CHECK scripts, then notify_up/notify_down and
                // quorum_up/quorum_down scripts, without their own user run
                // as the default user too.
                c.instances
                    .iter()
                    .flat_map(|i| &i.notify)
                    .chain(c.sync_groups.iter().flat_map(|g| &g.notify))
                    .find(|n| n.user.is_none())
                    .map(|n| n.command.span)
            })
            .or(found.misc_unowned)
            .or(found.notify_unowned);
        if !has_user
            && let Some(span) = unowned
            && !user_exists("keepalived_script")
        {
            diags.push(
                Diagnostic::warning(
                    "K0228",
                    "scripts have no user and keepalived_script does not exist",
                )
                .with_label(span, "keepalived removes this script")
                .with_help(
                    "add `script_user USER` to global_defs, or create the keepalived_script user",
                ),
            );
        }
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
    first = first.or_else(|| found.misc.or(found.notify));
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

/// The first script of the virtual servers of each sort, in file order.
#[derive(Debug, Default)]
pub(crate) struct LvsScripts {
    /// The first `misc_path` of a MISC_CHECK.
    misc: Option<Span>,
    /// The first of them without a `user`.
    misc_unowned: Option<Span>,
    /// The first `quorum_up`/`quorum_down` of a virtual server or
    /// `notify_up`/`notify_down` of its real servers (a virtual server's own
    /// before its real servers').
    notify: Option<Span>,
    /// The first of them without a user.
    notify_unowned: Option<Span>,
}

impl LvsScripts {
    /// The first of each sort of `self`, then of `later`.
    fn then(&mut self, later: &LvsScripts) {
        self.misc = self.misc.or(later.misc);
        self.misc_unowned = self.misc_unowned.or(later.misc_unowned);
        self.notify = self.notify.or(later.notify);
        self.notify_unowned = self.notify_unowned.or(later.notify_unowned);
    }

    fn notify(&mut self, s: Option<&ScriptCommand>) {
        if let Some(s) = s {
            self.notify.get_or_insert(s.command.span);
            if s.user.is_none() {
                self.notify_unowned.get_or_insert(s.command.span);
            }
        }
    }

    fn checker(&mut self, k: &Checker) {
        if let CheckerDetail::Misc(m) = &k.detail
            && let Some(p) = &m.misc_path
        {
            self.misc.get_or_insert(p.span);
            if m.user.is_none() {
                self.misc_unowned.get_or_insert(p.span);
            }
        }
    }
}

fn virtual_servers(
    c: &Config,
    diags: &mut Vec<Diagnostic>,
    prepared: &mut Vec<Prepared>,
) -> LvsScripts {
    let mut found = LvsScripts::default();
    let mut prepared = prepared.drain(..);
    for vs in &c.virtual_servers {
        match prepared.next().flatten() {
            Some((mut d, f)) => {
                diags.append(&mut d);
                found.then(&f);
            }
            None => virtual_server(c, vs, &mut found, diags),
        }
    }
    found
}

/// The checks of one virtual server.
fn virtual_server(
    c: &Config,
    vs: &VirtualServer,
    found: &mut LvsScripts,
    diags: &mut Vec<Diagnostic>,
) {
    found.notify(vs.quorum_up.as_deref());
    found.notify(vs.quorum_down.as_deref());
    if vs.real_servers.is_empty() {
        diags.push(
            Diagnostic::warning("K0230", "virtual_server has no real servers")
                .with_label(vs.target.span, "keepalived ignores this virtual server")
                .with_help("add at least one `real_server ADDRESS PORT { ... }`"),
        );
    }
    for rs in &vs.real_servers {
        if rs.options.is_some() {
            found.notify(rs.notify_up());
            found.notify(rs.notify_down());
        }
        match (&vs.target.value, rs.port) {
            (VsTarget::Fwmark(_), Some(p)) if p != 0 => diags.push(
                Diagnostic::warning("K0232", "real server of a fwmark virtual server has a port")
                    .with_label(rs.address.span, "keepalived ignores the port")
                    .with_help("drop the port: fwmark services match by mark, not port"),
            ),
            (VsTarget::Group(g), Some(p))
                if vs
                    .lb_kind
                    .as_ref()
                    .is_some_and(|k| k.value == "DR" || k.value == "TUN") =>
            {
                let ports = c
                    .virtual_server_groups
                    .iter()
                    .filter(|x| x.name.value == *g)
                    .flat_map(|x| &x.members)
                    .filter(|m| m.keyword.value != "fwmark")
                    .filter_map(|m| m.args.first().and_then(|a| a.value.parse::<u16>().ok()));
                if let Some(vp) = ports.into_iter().find(|vp| *vp != p) {
                    diags.push(
                        Diagnostic::warning(
                            "K0233",
                            format!("real server port {p} differs from the group's port {vp}"),
                        )
                        .with_label(rs.address.span, "DR and TUN cannot change the port")
                        .with_help("use the group's port, or lb_kind NAT to map ports"),
                    );
                }
            }
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
                        format!("real server port {p} differs from the virtual server's port {vp}"),
                    )
                    .with_label(rs.address.span, "DR and TUN cannot change the port")
                    .with_help("use the virtual server's port, or lb_kind NAT to map ports"),
                );
            }
            _ => {}
        }
    }
    // A sorry server of a DR/TUN service keeps the service's port.
    if let (VsTarget::Addr(_, vp), Some(sorry)) = (&vs.target.value, &vs.sorry_server)
        && vs
            .lb_kind
            .as_ref()
            .is_some_and(|k| k.value == "DR" || k.value == "TUN")
        && let Some(p) = sorry
            .value
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse::<u16>().ok())
        && p != *vp
    {
        diags.push(
            Diagnostic::warning(
                "K0233",
                format!("sorry server port {p} differs from the virtual server's port {vp}"),
            )
            .with_label(sorry.span, "keepalived resets it to the service's port")
            .with_help("use the virtual server's port, or lb_kind NAT to map ports"),
        );
    }
    if vs.lb_algo.is_none() && !has(&vs.settings, &["lb_algo", "lvs_sched"]) {
        diags.push(
            Diagnostic::warning("K0234", "virtual_server has no scheduler")
                .with_label(vs.target.span, "keepalived defaults to wlc")
                .with_help("add `lb_algo rr` (or another scheduler)"),
        );
    }
    // keepalived does not need the virtual server's method when every
    // real server has its own.
    let every_rs_has_one = || {
        !vs.real_servers.is_empty()
            && vs
                .real_servers
                .iter()
                .all(|r| r.lvs_method().is_some() || has(&r.settings, &["lvs_method"]))
    };
    if vs.lb_kind.is_none() && !has(&vs.settings, &["lb_kind", "lvs_method"]) && !every_rs_has_one()
    {
        diags.push(
            Diagnostic::warning("K0235", "virtual_server has no forwarding method")
                .with_label(vs.target.span, "keepalived defaults to NAT")
                .with_help("add `lb_kind NAT`, `DR` or `TUN`"),
        );
    }
    let quorum = vs.quorum.as_ref().map_or(1, |q| q.value);
    if let Some(h) = vs.hysteresis.as_ref().filter(|h| h.value >= quorum) {
        diags.push(
            Diagnostic::warning(
                "K0238",
                format!("hysteresis {} is not below quorum {quorum}", h.value),
            )
            .with_label(h.span, "keepalived lowers it")
            .with_help("use a hysteresis smaller than the quorum"),
        );
    }
    for k in vs.real_servers.iter().flat_map(|r| &r.checkers) {
        found.checker(k);
        checker(c, k, diags);
    }
    if vs.protocol.is_none() && !matches!(vs.target.value, VsTarget::Fwmark(_)) {
        diags.push(
            Diagnostic::warning("K0231", "virtual_server has no protocol")
                .with_label(vs.target.span, "keepalived defaults to UDP here")
                .with_help("add `protocol TCP` (or UDP, SCTP)"),
        );
    }
}

fn checker(c: &Config, k: &Checker, diags: &mut Vec<Diagnostic>) {
    let kind = k.kind.value.keyword();
    let missing = |key: &str| {
        Diagnostic::warning("K0239", format!("{kind} has no {key}"))
            .with_label(k.kind.span, "keepalived skips this checker")
            .with_help(format!("add `{key} ...`"))
    };
    // "Has no X" also looks at the statements kept raw: a bad value has its
    // own diagnostic.
    let has = |key: &str| k.settings.iter().any(|s| s.keyword.value == key);
    match &k.detail {
        CheckerDetail::Http(h) => {
            if h.urls.is_empty() {
                diags.push(
                    Diagnostic::warning("K0236", format!("{kind} has no url"))
                        .with_label(k.kind.span, "keepalived ignores this checker")
                        .with_help("add `url { path /health }`"),
                );
            }
            if h.urls.iter().any(|u| u.path.is_none()) {
                diags.push(
                    Diagnostic::warning("K0236", format!("{kind} has a url without path"))
                        .with_label(k.kind.span, "keepalived ignores such urls")
                        .with_help("add `path /...` to every url block"),
                );
            }
        }
        CheckerDetail::Misc(m) if m.misc_path.is_none() && !has("misc_path") => {
            diags.push(missing("misc_path"));
        }
        CheckerDetail::Bfd(b) if b.name.is_none() && !has("name") => diags.push(missing("name")),
        CheckerDetail::Bfd(b) => {
            if let Some(name) = &b.name
                && !c.other.iter().any(|s| {
                    s.keyword.value == "bfd_instance"
                        && s.args.first().is_some_and(|a| a.value == name.value)
                })
            {
                diags.push(
                    Diagnostic::warning(
                        "K0241",
                        format!(
                            "BFD_CHECK names bfd_instance {}, which is not defined",
                            name.value
                        ),
                    )
                    .with_label(name.span, "keepalived: BFD not configured")
                    .with_help("define `bfd_instance NAME { neighbor_ip ADDRESS }`"),
                );
            }
        }
        CheckerDetail::File(f) => match &f.track_file {
            None => diags.push(
                Diagnostic::warning("K0237", "FILE_CHECK has no track_file")
                    .with_label(k.kind.span, "keepalived ignores this checker")
                    .with_help("add `track_file NAME` naming a vrrp_track_file"),
            ),
            Some(name)
                if !c
                    .track_files
                    .iter()
                    .any(|t| t.name.value == name.value && t.file.is_some()) =>
            {
                diags.push(
                    Diagnostic::warning(
                        "K0218",
                        format!("track_file {} is not defined", name.value),
                    )
                    .with_label(name.span, "no vrrp_track_file with a file by this name")
                    .with_help("define `vrrp_track_file NAME { file PATH }`"),
                );
            }
            _ => {}
        },
        _ => {}
    }
}

/// Names that must refer to something defined elsewhere.
fn references(c: &Config, diags: &mut Vec<Diagnostic>) {
    for s in &c.vrrp_scripts {
        if s.script.is_none() {
            diags.push(
                Diagnostic::warning(
                    "K0221",
                    format!("vrrp_script {} has no script", s.name.value),
                )
                .with_label(s.name.span, "keepalived removes this vrrp_script")
                .with_help("add `script \"/path/to/check args\"`"),
            );
        }
    }
    for tf in &c.track_files {
        if let Some(second) = tf
            .settings
            .iter()
            .filter(|s| s.keyword.value == "file")
            .nth(1)
        {
            diags.push(
                Diagnostic::warning(
                    "K0222",
                    format!("vrrp_track_file {} sets file twice", tf.name.value),
                )
                .with_label(second.span, "keepalived ignores this one")
                .with_help("keep one `file PATH`"),
            );
        }
        if tf.file.is_none() {
            diags.push(
                Diagnostic::warning(
                    "K0222",
                    format!("vrrp_track_file {} has no file", tf.name.value),
                )
                .with_label(tf.name.span, "keepalived ignores this track file")
                .with_help("add `file PATH`"),
            );
        }
    }
    let tracks = c
        .instances
        .iter()
        .flat_map(|i| &i.tracks)
        .chain(c.sync_groups.iter().flat_map(|g| &g.tracks));
    for t in tracks {
        let found = match t.kind.as_str() {
            "track_script" => c
                .vrrp_scripts
                .iter()
                .any(|s| s.name.value == t.name.value && s.script.is_some()),
            "track_file" => c
                .track_files
                .iter()
                .any(|s| s.name.value == t.name.value && s.file.is_some()),
            "track_bfd" => c.other.iter().any(|s| {
                s.keyword.value == "bfd_instance"
                    && s.args.first().is_some_and(|a| a.value == t.name.value)
            }),
            _ => true,
        };
        if !found {
            diags.push(
                Diagnostic::warning(
                    "K0218",
                    format!("{} {} is not defined", t.kind, t.name.value),
                )
                .with_label(t.name.span, "keepalived ignores this entry")
                .with_help("define it, or remove the entry"),
            );
        }
    }
    let mut member_of: Vec<&str> = Vec::new();
    for g in &c.sync_groups {
        for m in &g.group {
            if member_of.contains(&m.value.as_str()) {
                diags.push(
                    Diagnostic::warning(
                        "K0227",
                        format!("vrrp_instance {} is in more than one sync group", m.value),
                    )
                    .with_label(m.span, "keepalived ignores this sync group")
                    .with_help("put each instance in one sync group only"),
                );
            }
            member_of.push(&m.value);
            if !c.instances.iter().any(|i| i.name.value == m.value) {
                diags.push(
                    Diagnostic::warning(
                        "K0223",
                        format!(
                            "sync group {} names no vrrp_instance {}",
                            g.name.value, m.value
                        ),
                    )
                    .with_label(m.span, "no such instance")
                    .with_help("use the name of a vrrp_instance"),
                );
            }
        }
        if g.group.len() == 1 {
            diags.push(
                Diagnostic::warning(
                    "K0224",
                    format!("sync group {} has only one instance", g.name.value),
                )
                .with_label(g.name.span, "a sync group needs two or more instances")
                .with_help("add the other instances, or remove the sync group"),
            );
        }
    }
}

/// Whether `name` is a group in `/etc/group`.
pub(crate) fn group_exists(name: &str) -> bool {
    std::fs::read_to_string("/etc/group")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(':').next() == Some(name))
}

/// Whether `name` is a user in `/etc/passwd`.
pub(crate) fn user_exists(name: &str) -> bool {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(':').next() == Some(name))
}

/// Whether one of `keywords` is among the statements kept raw (a statement
/// whose value could not be read is kept there and has its own diagnostic).
fn has(settings: &[Setting], keywords: &[&str]) -> bool {
    settings
        .iter()
        .any(|s| keywords.contains(&s.keyword.value.as_str()))
}

/// `bfd_instance NAME { neighbor_ip IP ... }`: keepalived disables an
/// instance without a valid neighbour address.
fn bfd(c: &Config, diags: &mut Vec<Diagnostic>) {
    for b in c.other.iter().filter(|s| s.keyword.value == "bfd_instance") {
        let neighbor = b
            .block
            .iter()
            .flatten()
            .find(|s| s.keyword.value == "neighbor_ip")
            .and_then(|s| s.args.first());
        let ok = neighbor.is_some_and(|a| a.value.parse::<std::net::IpAddr>().is_ok());
        if !ok {
            let at = neighbor.map_or(b.keyword.span, |a| a.span);
            diags.push(
                Diagnostic::warning("K0240", "bfd_instance needs a valid neighbor_ip")
                    .with_label(at, "keepalived disables this BFD instance")
                    .with_help("add `neighbor_ip ADDRESS` with an IPv4 or IPv6 address"),
            );
        }
    }
}
