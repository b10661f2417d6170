//! Semantic checks over the whole model, as keepalived makes them after
//! reading the configuration (and a few lbconf-only lints, see [`LINTS`]).

use std::collections::HashMap;
use std::net::IpAddr;

use super::model::*;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Codes keepalived 2.2.7 does not report (its `-t` still exits 0): advice only.
pub const LINTS: &[&str] = &["K0010", "K0011", "K0170", "K0201", "K0245", "K0274"];

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
    duplicate_instances(c, diags);
    empty_groups(c, diags);
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
    match i.version.as_ref().map(|v| v.value) {
        Some(2) if is_ipv6(i) && is_strict(c, i) => 3,
        Some(v) => v,
        None if is_ipv6(i) => 3,
        None => c
            .global_defs
            .iter()
            .find_map(|g| g.vrrp_version.as_ref().map(|v| v.value))
            .unwrap_or(2),
    }
}

/// Whether the instance is IPv6: `native_ipv6`, or its addresses (one
/// family per instance: a mixed one has its own error).
fn is_ipv6(i: &VrrpInstance) -> bool {
    i.native_ipv6
        || i.virtual_ipaddress
            .first()
            .map(|v| v.address.value.is_ipv6())
            .or_else(|| i.unicast_src_ip.as_ref().map(|a| a.value.is_ipv6()))
            .or_else(|| i.unicast_peer.first().map(|a| a.value.is_ipv6()))
            .unwrap_or(false)
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
        complete_instance(c, i, diags);
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
        if let Some(a) = &i.advert_int
            && version == 3
            && a.value < 40.96
            && (a.value * 1e6).round() as u64 % 10_000 != 0
        {
            diags.push(
                Diagnostic::warning(
                    "K0268",
                    format!(
                        "VRRPv3 advert_int {} is not a whole number of centiseconds",
                        a.value
                    ),
                )
                .with_label(a.span, "keepalived rounds it to 10 ms")
                .with_help("use steps of 0.01 seconds (VRRPv3 carries centiseconds)"),
            );
        }
        if i.use_vmac.is_some()
            && let Some(p) = i
                .settings
                .iter()
                .find(|s| s.keyword.value == "promote_secondaries")
        {
            diags.push(
                Diagnostic::warning("K0269", "promote_secondaries with use_vmac")
                    .with_label(
                        p.keyword.span,
                        "keepalived ignores it: a VMAC always promotes",
                    )
                    .with_help("remove promote_secondaries"),
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
        // The same for the name of an ipvlan interface.
        if let Some(ifs) = interfaces
            && let Some((name, span)) = ipvlan_name(i)
            && ifs.contains(&name)
        {
            diags.push(
                Diagnostic::warning(
                    "K0276",
                    format!("the ipvlan interface name {name} is taken on this host"),
                )
                .with_label(
                    span,
                    "keepalived ignores the name unless that interface is its own l2 ipvlan",
                )
                .with_help("choose a name no interface has, or none"),
            );
        }
        // keepalived takes a VMAC name that an interface already has only
        // for its own kind of interface (a private macvlan), which a list of
        // names cannot tell: any existing interface is reported.
        if let (Some(ifs), Some(vmac)) = (interfaces, &i.use_vmac)
            && !vmac.value.is_empty()
            && ifs.contains(&vmac.value)
        {
            diags.push(
                Diagnostic::warning(
                    "K0272",
                    format!(
                        "the VMAC interface name {} is taken on this host",
                        vmac.value
                    ),
                )
                .with_label(
                    vmac.span,
                    "keepalived ignores the name unless that interface is its own private macvlan",
                )
                .with_help("choose a name no interface has, or none for vrrp.VRID"),
            );
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
            "unicast_src_ip" | "unicast_peer" | "check_unicast_src" | "old_unicast_checksum"
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

/// keepalived's `vrrp_complete_instance`, in its order: the version an
/// IPv6 instance speaks, the initial state against the priority, the
/// authentication, then `nopreempt` and `preempt_delay` (an address owner,
/// priority 255, always preempts; so does an instance that starts as
/// MASTER, which also cannot delay; strict mode and nopreempt leave no
/// preempt_delay).
fn complete_instance(c: &Config, i: &VrrpInstance, diags: &mut Vec<Diagnostic>) {
    let name = &i.name.value;
    let strict = is_strict(c, i);
    if let Some(v) = i.version.as_ref().filter(|v| v.value == 2)
        && strict
        && is_ipv6(i)
    {
        diags.push(
            Diagnostic::warning(
                "K0263",
                format!("strict mode runs IPv6 instance {name} as VRRPv3"),
            )
            .with_label(v.span, "keepalived sets version 3")
            .with_help("write `version 3` (RFC 3768, VRRPv2, is IPv4 only)"),
        );
    }
    let version = vrrp_version(c, i);
    let stated_master = i.state.as_ref().is_some_and(|s| s.value == State::Master);
    let owner = i
        .priority
        .as_ref()
        .map_or(stated_master, |p| p.value == 255);
    let mut master = match &i.state {
        Some(s) if strict && stated_master != owner => {
            diags.push(
                Diagnostic::warning(
                    "K0264",
                    format!("in strict mode, state MASTER goes with priority 255 in {name}"),
                )
                .with_label(s.span, "keepalived sets the state from the priority")
                .with_help("use `state MASTER` with `priority 255` only, else `state BACKUP`"),
            );
            owner
        }
        Some(_) => stated_master,
        None => owner,
    };
    if let Some(auth) = &i.authentication
        && let Some(t) = &auth.auth_type
    {
        let ignored = |code: &'static str, message: String, help: &'static str| {
            Diagnostic::warning(code, message)
                .with_label(t.span, "keepalived ignores the authentication")
                .with_help(help)
        };
        if strict {
            diags.push(ignored(
                "K0229",
                format!("strict mode does not allow authentication in {name}"),
                "remove the authentication block, or vrrp_strict/strict_mode (RFC 5798 has no authentication)",
            ));
        } else if version == 3 {
            diags.push(ignored(
                "K0265",
                format!("VRRPv3 has no authentication, in {name}"),
                "remove the authentication block, or use `version 2` (IPv4 only)",
            ));
        } else if auth.auth_pass.is_none() {
            diags.push(ignored(
                "K0217",
                format!("vrrp_instance {name} has authentication without auth_pass"),
                "add `auth_pass SECRET` (at most 8 characters) or remove the block",
            ));
        } else if t.value == AuthType::Ah && is_ipv6(i) {
            diags.push(ignored(
                "K0266",
                format!("AH authentication does not work with IPv6, in {name}"),
                "use `auth_type PASS`, or no authentication",
            ));
        } else if t.value == AuthType::Ah && master && !owner {
            diags.push(
                Diagnostic::warning(
                    "K0267",
                    format!("AH authentication needs {name} to start as BACKUP"),
                )
                .with_label(
                    i.state.as_ref().map_or(i.name.span, |s| s.span),
                    "keepalived starts it as BACKUP, to learn the AH sequence number first",
                )
                .with_help("use `state BACKUP`, or priority 255"),
            );
            master = false;
        }
    }
    let mut nopreempt = i.nopreempt;
    let nopreempt_at = || {
        i.settings
            .iter()
            .find(|s| s.keyword.value == "nopreempt")
            .map_or(i.name.span, |s| s.keyword.span)
    };
    if nopreempt && owner {
        diags.push(
            Diagnostic::warning(
                "K0253",
                format!("nopreempt does not work with priority 255 in {name}"),
            )
            .with_label(
                nopreempt_at(),
                "keepalived clears nopreempt: the address owner always preempts",
            )
            .with_help("give the instance a priority below 255, or remove nopreempt"),
        );
        nopreempt = false;
    }
    let mut delay = i.preempt_delay.as_ref().filter(|d| d.value > 0.0);
    if master {
        if nopreempt {
            let at = i.state.as_ref().map_or(i.name.span, |s| s.span);
            diags.push(
                Diagnostic::warning(
                    "K0212",
                    format!("nopreempt does not work with state MASTER in {name}"),
                )
                .with_label(at, "keepalived clears nopreempt because of this")
                .with_help("use `state BACKUP` on every peer with nopreempt"),
            );
            nopreempt = false;
        }
        if let Some(d) = delay.take() {
            diags.push(
                Diagnostic::warning(
                    "K0254",
                    format!("preempt_delay does not work with state MASTER in {name}"),
                )
                .with_label(d.span, "keepalived clears it")
                .with_help("use `state BACKUP` with preempt_delay, or remove preempt_delay"),
            );
        }
    }
    if let Some(d) = delay {
        if strict {
            diags.push(
                Diagnostic::warning(
                    "K0255",
                    format!("strict mode does not allow preempt_delay in {name}"),
                )
                .with_label(d.span, "keepalived resets it")
                .with_help("remove preempt_delay, or strict mode"),
            );
        }
        if nopreempt {
            diags.push(
                Diagnostic::warning(
                    "K0256",
                    format!("preempt_delay does nothing with nopreempt in {name}"),
                )
                .with_label(d.span, "keepalived resets it")
                .with_help("remove preempt_delay, or nopreempt"),
            );
        }
    }
}

/// The interface name of `use_ipvlan`, as keepalived reads its words: the
/// word after `name`, else a word that is no type (bridge, private, vepa),
/// no `group NAME` and no address.
fn ipvlan_name(i: &VrrpInstance) -> Option<(String, Span)> {
    let x = i
        .settings
        .iter()
        .find(|s| s.keyword.value == "use_ipvlan")?;
    let mut words = x.args.iter();
    while let Some(w) = words.next() {
        match w.value.as_str() {
            "bridge" | "private" | "vepa" => {}
            "group" => {
                words.next();
            }
            "name" => return words.next().map(|n| (n.value.clone(), n.span)),
            v if v
                .split('/')
                .next()
                .is_some_and(|a| a.parse::<IpAddr>().is_ok()) => {}
            v => return Some((v.to_owned(), w.span)),
        }
    }
    None
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

/// A virtual_server_group needs at least one entry.
fn empty_groups(c: &Config, diags: &mut Vec<Diagnostic>) {
    for g in c
        .virtual_server_groups
        .iter()
        .filter(|g| g.members.is_empty())
    {
        diags.push(
            Diagnostic::warning(
                "K0262",
                format!("virtual_server_group {} has no entries", g.name.value),
            )
            .with_label(g.name.span, "keepalived removes the group")
            .with_help("add an `IP PORT`, `IP-RANGE PORT` or `fwmark N` entry"),
        );
    }
}

/// A `kind` block whose name an earlier one has: keepalived skips it.
fn defined_twice(
    code: &'static str,
    kind: &str,
    name: &Spanned<String>,
    first: &Spanned<String>,
) -> Diagnostic {
    Diagnostic::error(code, format!("{kind} {} is defined twice", name.value))
        .with_label(name.span, "keepalived skips this block")
        .with_label(first.span, "first defined here")
        .with_help(format!("give each {kind} its own name"))
}

/// Two sync groups or two instances with one name (keepalived skips the
/// second), and a VMAC interface name that an earlier instance already uses
/// (keepalived drops the name from the later one).
fn duplicate_instances(c: &Config, diags: &mut Vec<Diagnostic>) {
    let mut groups: HashMap<&str, &SyncGroup> = HashMap::new();
    for g in &c.sync_groups {
        if let Some(first) = groups.get(g.name.value.as_str()) {
            diags.push(defined_twice(
                "K0270",
                "vrrp_sync_group",
                &g.name,
                &first.name,
            ));
        } else {
            groups.insert(&g.name.value, g);
        }
    }
    let mut names: HashMap<&str, &VrrpInstance> = HashMap::new();
    let mut vmacs: HashMap<&str, &VrrpInstance> = HashMap::new();
    for i in &c.instances {
        if let Some(first) = names.get(i.name.value.as_str()) {
            diags.push(defined_twice(
                "K0251",
                "vrrp_instance",
                &i.name,
                &first.name,
            ));
            continue;
        }
        names.insert(&i.name.value, i);
        let Some(vmac) = i.use_vmac.as_ref().filter(|v| !v.value.is_empty()) else {
            continue;
        };
        if let Some(first) = vmacs.get(vmac.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    "K0252",
                    format!(
                        "{} and {} both name their VMAC interface {}",
                        first.name.value, i.name.value, vmac.value
                    ),
                )
                .with_label(vmac.span, "keepalived ignores this name")
                .with_label(
                    first.use_vmac.as_ref().map_or(first.name.span, |v| v.span),
                    "first used here",
                )
                .with_help("give each instance its own VMAC interface name, or none for vrrp.VRID"),
            );
        } else {
            vmacs.insert(&vmac.value, i);
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

/// Whether keepalived finds the program of a script command on this host:
/// a path must exist, a bare name must be an executable file on `PATH`.
/// keepalived disables a vrrp_script it does not find, and leaves every
/// script it does not find out of its script security check.
pub(crate) fn script_found(command: &str) -> bool {
    let Some(program) = command.trim_matches('"').split_whitespace().next() else {
        return false;
    };
    if program.contains('/') {
        return std::path::Path::new(program).exists();
    }
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path).any(|dir| {
        use std::os::unix::fs::PermissionsExt;
        dir.join(program)
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

fn scripts(c: &Config, found: &LvsScripts, diags: &mut Vec<Diagnostic>) {
    // keepalived's VRRP process reads (and checks) the vrrp_scripts only
    // when there is a vrrp_instance to run.
    let tracked: &[VrrpScript] = if c.instances.is_empty() {
        &[]
    } else {
        &c.vrrp_scripts
    };
    for s in tracked {
        if let Some(x) = s.script.as_ref().filter(|x| !script_found(&x.value)) {
            diags.push(
                Diagnostic::warning(
                    "K0271",
                    format!("vrrp_script {}: the program is not found", s.name.value),
                )
                .with_label(x.span, "keepalived disables this script")
                .with_help("give the program's full path, or install it on this host"),
            );
        }
    }
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
    // Only the scripts keepalived finds count: it skips the others.
    let mut first = tracked
        .iter()
        .filter_map(|s| s.script.as_ref())
        .find(|x| script_found(&x.value))
        .map(|x| x.span);
    first = first.or_else(|| {
        c.instances
            .iter()
            .flat_map(|i| &i.notify)
            .find(|n| script_found(&n.command.value))
            .map(|n| n.script.span)
    });
    first = first.or_else(|| {
        c.sync_groups
            .iter()
            .flat_map(|g| &g.notify)
            .find(|n| script_found(&n.command.value))
            .map(|n| n.script.span)
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
        if let Some(s) = s.filter(|s| script_found(&s.command.value)) {
            self.notify.get_or_insert(s.command.span);
            if s.user.is_none() {
                self.notify_unowned.get_or_insert(s.command.span);
            }
        }
    }

    fn checker(&mut self, k: &Checker) {
        if let CheckerDetail::Misc(m) = &k.detail
            && let Some(p) = m.misc_path.as_ref().filter(|p| script_found(&p.value))
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

/// The checks of one virtual server, in the order of keepalived's
/// `validate_check_config` (check_data.c).
fn virtual_server(
    c: &Config,
    vs: &VirtualServer,
    found: &mut LvsScripts,
    diags: &mut Vec<Diagnostic>,
) {
    found.notify(vs.quorum_up.as_deref());
    found.notify(vs.quorum_down.as_deref());
    if vs.real_servers.is_empty() {
        diags.push(no_real_servers(vs, ""));
        return;
    }
    for rs in vs.real_servers.iter().filter(|rs| rs.options.is_some()) {
        found.notify(rs.notify_up());
        found.notify(rs.notify_down());
    }
    let shape = Shape::of(c, vs);
    if !families(vs, &shape, diags) {
        return;
    }
    service(vs, &shape, diags);
    if vs.lb_algo.is_none() && !has(&vs.settings, &["lb_algo", "lvs_sched"]) {
        diags.push(
            Diagnostic::warning("K0234", "virtual_server has no scheduler")
                .with_label(vs.target.span, "keepalived defaults to wlc")
                .with_help("add `lb_algo rr` (or another scheduler)"),
        );
    }
    // keepalived needs the virtual server's method only for a real server
    // (or the sorry server) without its own.
    let vs_method = vs.lb_kind.is_some() || has(&vs.settings, &["lb_kind", "lvs_method"]);
    let rs_lacks = vs
        .real_servers
        .iter()
        .any(|r| r.lvs_method().is_none() && !has(&r.settings, &["lvs_method"]));
    let sorry_lacks = vs.sorry_server.is_some()
        && vs.sorry_server_lvs_method.is_none()
        && !has(&vs.settings, &["sorry_server_lvs_method"]);
    if !vs_method && (rs_lacks || sorry_lacks) {
        diags.push(
            Diagnostic::warning("K0235", "virtual_server has no forwarding method")
                .with_label(vs.target.span, "keepalived defaults to NAT")
                .with_help("add `lb_kind NAT`, `DR` or `TUN`"),
        );
    }
    quorum(vs, diags);
    sorry_inhibit(vs, diags);
    ports(vs, &shape, diags);
    for rs in &vs.real_servers {
        for k in &rs.checkers {
            found.checker(k);
            checker(c, k, diags);
            bindto_family(rs, &k.common, diags);
            if let CheckerDetail::Smtp(sm) = &k.detail {
                for h in &sm.hosts {
                    bindto_family(rs, &h.connect, diags);
                }
            }
        }
    }
}

/// A checker's `bindto` must be of the family of the address it checks
/// (`connect_ip`, else the real server's).
fn bindto_family(rs: &RealServer, o: &ConnectOptions, diags: &mut Vec<Diagnostic>) {
    let target = o.connect_ip().map_or(rs.address.value, |c| c.value);
    if let Some(b) = o.bindto()
        && b.value.is_ipv6() != target.is_ipv6()
    {
        diags.push(
            Diagnostic::error(
                "K0275",
                format!(
                    "bindto {} is not of the family of {target}, the address checked",
                    b.value
                ),
            )
            .with_label(b.span, "keepalived ignores this bindto")
            .with_help("bind to a source address of the checked address's family"),
        );
    }
}

/// The address family of a virtual server: its address's, else
/// `ip_family`, else its first real server's. keepalived skips a real or
/// sorry server of the other family (an error) unless it is reached by a
/// tunnel (TUN), drops a virtual server left without real
/// servers, and drops without a word one whose group has addresses but none
/// of the family. Whether keepalived goes on to check the virtual server.
fn families(vs: &VirtualServer, shape: &Shape, diags: &mut Vec<Diagnostic>) -> bool {
    let mut family = match &vs.target.value {
        VsTarget::Addr(ip, _) => Some(ip.is_ipv6()),
        _ => vs.ip_family.as_ref().map(|f| f.value == "inet6"),
    };
    // IPVS tunnels (TUN) may cross families; the other methods may not.
    let tun = |own: Option<&Spanned<String>>| {
        own.or(vs.lb_kind.as_ref())
            .is_some_and(|m| m.value == "TUN")
    };
    let mut kept = 0;
    for rs in &vs.real_servers {
        let v6 = rs.address.value.is_ipv6();
        match family {
            Some(f) if f != v6 && !tun(rs.lvs_method()) => diags.push(
                Diagnostic::error(
                    "K0273",
                    format!(
                        "real server {} is not of the virtual server's address family",
                        rs.address.value
                    ),
                )
                .with_label(rs.address.span, "keepalived skips this real server")
                .with_help("use real servers of the service's family (IPv4 or IPv6)"),
            ),
            _ => {
                family = Some(v6);
                kept += 1;
            }
        }
    }
    if let (Some((ip, _, span)), Some(f)) = (sorry_server(vs), family)
        && ip.is_ipv6() != f
        && !tun(vs.sorry_server_lvs_method.as_ref())
    {
        diags.push(
            Diagnostic::error(
                "K0273",
                format!("sorry server {ip} is not of the virtual server's address family"),
            )
            .with_label(span, "keepalived skips the sorry server")
            .with_help("use a sorry server of the service's family (IPv4 or IPv6)"),
        );
    }
    if kept == 0 {
        diags.push(no_real_servers(vs, " of its family"));
        return false;
    }
    if let (
        Shape::Group {
            fwmark: false, v6, ..
        },
        Some(f),
    ) = (shape, family)
        && !v6.is_empty()
        && !v6.contains(&f)
    {
        diags.push(
            Diagnostic::warning(
                "K0274",
                "no address of the group is of the real servers' family",
            )
            .with_label(
                vs.target.span,
                "keepalived drops this virtual server without a word",
            )
            .with_help("give the group addresses of the real servers' family"),
        );
        return false;
    }
    true
}

/// keepalived drops a virtual server left without real servers.
fn no_real_servers(vs: &VirtualServer, which: &str) -> Diagnostic {
    Diagnostic::warning("K0230", "virtual_server has no real servers")
        .with_label(vs.target.span, "keepalived ignores this virtual server")
        .with_help(format!(
            "add at least one `real_server ADDRESS PORT {{ ... }}`{which}"
        ))
}

/// What a virtual server listens on, as check_data.c looks at it.
enum Shape {
    /// `IP PORT`.
    Addr(u16),
    /// `fwmark N`.
    Fwmark,
    /// `group NAME`: whether the group has fwmark entries, and the ports of
    /// its address entries (0 where none is given).
    Group {
        fwmark: bool,
        ports: Vec<u16>,
        /// Whether each address entry is IPv6, in order.
        v6: Vec<bool>,
    },
}

impl Shape {
    fn of(c: &Config, vs: &VirtualServer) -> Shape {
        match &vs.target.value {
            VsTarget::Addr(_, port) => Shape::Addr(*port),
            // keepalived takes mark 0 for no mark: a service on port 0.
            VsTarget::Fwmark(0) => Shape::Addr(0),
            VsTarget::Fwmark(_) => Shape::Fwmark,
            VsTarget::Group(g) => {
                let members = c
                    .virtual_server_groups
                    .iter()
                    .filter(|x| x.name.value == *g)
                    .flat_map(|x| &x.members);
                let mut fwmark = false;
                let mut ports = Vec::new();
                let mut v6 = Vec::new();
                for m in members {
                    if m.keyword.value == "fwmark" {
                        fwmark = true;
                    } else {
                        v6.push(m.keyword.value.contains(':'));
                        ports.push(
                            m.args
                                .first()
                                .and_then(|a| a.value.parse().ok())
                                .unwrap_or(0),
                        );
                    }
                }
                Shape::Group { fwmark, ports, v6 }
            }
        }
    }

    /// Whether the service has an address (and so a protocol and ports).
    fn by_address(&self) -> bool {
        match self {
            Shape::Addr(_) => true,
            Shape::Fwmark => false,
            Shape::Group { ports, .. } => !ports.is_empty(),
        }
    }

    fn has_fwmark(&self) -> bool {
        match self {
            Shape::Addr(_) => false,
            Shape::Fwmark => true,
            Shape::Group { fwmark, .. } => *fwmark,
        }
    }
}

/// The protocol, one-packet scheduling, port 0 and ha_suspend.
fn service(vs: &VirtualServer, shape: &Shape, diags: &mut Vec<Diagnostic>) {
    let at = |keyword: &str| {
        vs.settings
            .iter()
            .find(|s| s.keyword.value == keyword)
            .map_or(vs.target.span, |s| s.keyword.span)
    };
    if vs.ha_suspend && shape.has_fwmark() {
        diags.push(
            Diagnostic::warning("K0257", "ha_suspend does not work with a firewall mark")
                .with_label(at("ha_suspend"), "keepalived clears it")
                .with_help("remove ha_suspend: a fwmark service has no address to wait for"),
        );
    }
    let persistent = vs.persistence_timeout.is_some();
    if shape.by_address() {
        if vs.protocol.is_none() {
            diags.push(
                Diagnostic::warning("K0231", "virtual_server has no protocol")
                    .with_label(vs.target.span, "keepalived defaults to UDP here")
                    .with_help("add `protocol TCP` (or UDP, SCTP)"),
            );
        }
        if vs.ops && vs.protocol.as_ref().is_some_and(|p| p.value != "UDP") {
            diags.push(
                Diagnostic::warning("K0258", "one-packet scheduling (ops) needs protocol UDP")
                    .with_label(at("ops"), "keepalived turns it off")
                    .with_help("remove ops, or use `protocol UDP`"),
            );
        }
    }
    let zero_port = match shape {
        Shape::Addr(port) => *port == 0,
        Shape::Fwmark => false,
        Shape::Group { ports, .. } => ports.contains(&0),
    };
    if zero_port && !persistent {
        diags.push(
            Diagnostic::warning("K0259", "port 0 needs persistence")
                .with_label(
                    vs.target.span,
                    "keepalived makes the service persistent (300 s)",
                )
                .with_help("give the service a port, or set persistence_timeout"),
        );
    }
    let fwmark_only = match shape {
        Shape::Addr(_) => false,
        Shape::Fwmark => true,
        Shape::Group { fwmark, ports, .. } => *fwmark && ports.is_empty(),
    };
    if fwmark_only && let Some(p) = &vs.protocol {
        diags.push(
            Diagnostic::warning("K0260", "a firewall-mark service has no protocol")
                .with_label(p.span, "keepalived ignores it")
                .with_help("remove the protocol: the mark selects the packets"),
        );
    }
}

/// The address and port of `sorry_server IP [PORT]` (0 when no port is
/// given).
fn sorry_server(vs: &VirtualServer) -> Option<(IpAddr, u16, Span)> {
    let s = vs.sorry_server.as_ref()?;
    let mut words = s.value.split(' ');
    let ip = words.next()?.parse().ok()?;
    let port = words.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((ip, port, s.span))
}

/// A real server that is also the sorry server must agree with it on
/// inhibit_on_failure. (A real server's own `inhibit_on_failure false`
/// under a virtual server's `inhibit_on_failure` reads as set here.)
fn sorry_inhibit(vs: &VirtualServer, diags: &mut Vec<Diagnostic>) {
    let Some((ip, port, span)) = sorry_server(vs) else {
        return;
    };
    for rs in &vs.real_servers {
        let inhibit = rs.inhibit_on_failure || vs.inhibit_on_failure;
        if rs.address.value == ip
            && rs.port.unwrap_or(0) == port
            && inhibit != vs.sorry_server_inhibit
        {
            diags.push(
                Diagnostic::warning(
                    "K0261",
                    "the sorry server is a real server with another inhibit_on_failure",
                )
                .with_label(span, "keepalived gives it the real server's setting")
                .with_label(rs.address.span, "the real server")
                .with_help(
                    "set sorry_server_inhibit exactly when the real server inhibits on failure",
                ),
            );
            return;
        }
    }
}

/// Real and sorry servers' ports: with DR and TUN a server keeps the
/// service's port (keepalived resets a different one), and a firewall-mark
/// service has none (keepalived ignores it). NAT maps ports freely.
fn ports(vs: &VirtualServer, shape: &Shape, diags: &mut Vec<Diagnostic>) {
    let direct = |own: Option<&Spanned<String>>| {
        own.or(vs.lb_kind.as_ref())
            .is_some_and(|m| m.value == "DR" || m.value == "TUN")
    };
    // (what, its port, where) for each server that keeps the service's port.
    let mut servers: Vec<(&str, u16, Span)> = vs
        .real_servers
        .iter()
        .filter(|rs| direct(rs.lvs_method()))
        .filter_map(|rs| Some(("real server", rs.port.filter(|&p| p != 0)?, rs.address.span)))
        .collect();
    if let Some((_, port, span)) = sorry_server(vs)
        && port != 0
        && direct(vs.sorry_server_lvs_method.as_ref())
    {
        servers.push(("sorry server", port, span));
    }
    for (what, port, span) in servers {
        if shape.has_fwmark() {
            diags.push(
                Diagnostic::warning(
                    "K0232",
                    format!("{what} of a firewall-mark service has a port"),
                )
                .with_label(span, "keepalived ignores the port")
                .with_help("drop the port: a fwmark service matches by mark, not port"),
            );
        }
        let service_ports: &[u16] = match shape {
            Shape::Addr(p) => std::slice::from_ref(p),
            Shape::Fwmark => &[],
            Shape::Group { ports, .. } => ports,
        };
        if let Some(vp) = service_ports.iter().find(|&&vp| vp != port) {
            diags.push(
                Diagnostic::warning(
                    "K0233",
                    format!("{what} port {port} differs from the service's port {vp}"),
                )
                .with_label(
                    span,
                    "DR and TUN cannot change the port: keepalived resets it",
                )
                .with_help("use the service's port, or lb_kind NAT to map ports"),
            );
        }
    }
}

/// check_data.c's pass over a virtual server's real servers: one equal to
/// an earlier one (the address and the port as written) is dropped, the
/// others' weights are summed (in 32 bits, as keepalived does), and a
/// quorum above that sum is lowered to it, and a hysteresis not below the
/// quorum lowered under it.
fn quorum(vs: &VirtualServer, diags: &mut Vec<Diagnostic>) {
    if vs.real_servers.is_empty() {
        return; // keepalived drops the virtual server first
    }
    let default_weight = vs.weight.as_ref().map_or(1, |w| w.value);
    // Keyed by address and port: a virtual server may have thousands.
    let mut kept: HashMap<(IpAddr, u16), &RealServer> =
        HashMap::with_capacity(vs.real_servers.len());
    let mut weight_sum = 0u32;
    for rs in &vs.real_servers {
        let key = (rs.address.value, rs.port.unwrap_or(0));
        if let Some(first) = kept.get(&key) {
            diags.push(
                Diagnostic::error("K0249", "real server given twice in one virtual_server")
                    .with_label(rs.address.span, "keepalived drops this one")
                    .with_label(first.address.span, "first given here")
                    .with_help("merge the two real_server blocks into one"),
            );
            continue;
        }
        kept.insert(key, rs);
        let weight = rs.weight.as_ref().map_or(default_weight, |w| w.value);
        weight_sum = weight_sum.wrapping_add(weight as u32);
    }
    let mut quorum = vs.quorum.as_ref().map_or(1, |q| q.value);
    if quorum > weight_sum {
        let at = vs.quorum.as_ref().map_or(vs.target.span, |q| q.span);
        diags.push(
            Diagnostic::warning(
                "K0250",
                format!("quorum {quorum} is more than the real servers' total weight {weight_sum}"),
            )
            .with_label(at, format!("keepalived lowers the quorum to {weight_sum}"))
            .with_help(if vs.quorum.is_some() {
                "lower the quorum, or raise the real servers' weights"
            } else {
                "the default quorum is 1: give a real server a weight above 0"
            }),
        );
        quorum = weight_sum;
    }
    let hysteresis = vs.hysteresis.as_ref().map_or(0, |h| h.value);
    if hysteresis >= quorum {
        let at = vs.hysteresis.as_ref().map_or(vs.target.span, |h| h.span);
        diags.push(
            Diagnostic::warning(
                "K0238",
                format!("hysteresis {hysteresis} is not below quorum {quorum}"),
            )
            .with_label(at, "keepalived lowers it")
            .with_help("use a hysteresis smaller than the quorum"),
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
            .find(|s| s.keyword.value == "neighbor_ip" || s.keyword.value == "neighbour_ip")
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
