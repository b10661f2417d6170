//! From lbconf's model of a `keepalived.conf` to what the runner needs:
//! engine configurations, the addresses, tracked objects and scripts.

use std::net::IpAddr;
use std::time::Duration;

use lbconf::SourceMap;
use lbconf::keepalived::{
    AuthType, Config, GlobalDefs, Spanned, SyncGroup, VrrpInstance, VrrpScript,
};
use vrrp::linux::{Interface, Vip, vrrp_mac};
use vrrp::wire::{AddrList, V2Auth, Version};
use vrrp::{GarpConfig, InstanceConfig, TrackScript};

use super::exec::{self, RunAs};

#[cfg(test)]
mod tests;

/// How long a notify script may run before it is killed.
pub(crate) const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Which transitions a notify script is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotifyOn {
    /// `notify_master`.
    Master,
    /// `notify_backup`.
    Backup,
    /// `notify_fault`.
    Fault,
    /// `notify_stop`.
    Stop,
    /// `notify`: every transition, with `INSTANCE|GROUP NAME STATE PRIORITY`.
    Any,
}

/// A notify script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) on: NotifyOn,
    pub(crate) argv: Vec<String>,
    /// `[username [groupname]]`, by default the global script user.
    pub(crate) user: RunAs,
}

/// What a weighted tracked object of an instance is (the engine's
/// [`TrackScript`] index is its position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Weighted {
    /// A `vrrp_script` (index into [`Plan::scripts`]).
    Script(usize),
    /// A `track_interface` entry with a weight: up is success.
    Interface(String),
}

/// keepalived's `use_vmac [NAME]`: a macvlan with the virtual MAC on the
/// instance's interface, holding its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VmacPlan {
    /// The macvlan's name (keepalived's default: `vrrp.VRID`).
    pub(crate) name: String,
    /// `vmac_xmit_base`: adverts sent and received on the base interface.
    pub(crate) xmit_base: bool,
}

/// One `vrrp_instance`.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) cfg: InstanceConfig,
    /// The instance's interface (the VMAC's base with `use_vmac`).
    pub(crate) iface: String,
    /// `use_vmac`.
    pub(crate) vmac: Option<VmacPlan>,
    /// Traffic to the addresses is dropped while master (a non-owner
    /// without accept mode: `no_accept`, or `vrrp_strict` / `strict_mode`
    /// without `accept`, as keepalived enforces it).
    pub(crate) block_vips: bool,
    pub(crate) vips: Vec<Vip>,
    /// Interfaces whose loss is a FAULT (engine interface index = position):
    /// the instance's own (unless `dont_track_primary`) and unweighted
    /// `track_interface` entries.
    pub(crate) fault_ifaces: Vec<String>,
    /// Weighted tracked objects (engine script index = position).
    pub(crate) weighted: Vec<Weighted>,
    /// For each of `weighted`: keepalived's `reverse` (the engine gets the
    /// opposite result and the opposite weight).
    pub(crate) reversed: Vec<bool>,
    pub(crate) notify: Vec<Notify>,
}

impl Instance {
    /// What the engine is told for weighted object `index` being `up`.
    pub(crate) fn engine_result(&self, index: usize, up: bool) -> bool {
        up != self.reversed.get(index).copied().unwrap_or(false)
    }

    /// Every interface the instance tracks, weighted or not.
    pub(crate) fn tracked_interfaces(&self) -> impl Iterator<Item = &str> {
        let weighted = self.weighted.iter().filter_map(|w| match w {
            Weighted::Interface(n) => Some(n.as_str()),
            Weighted::Script(_) => None,
        });
        self.fault_ifaces.iter().map(String::as_str).chain(weighted)
    }
}

/// One `vrrp_sync_group`.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) name: String,
    /// Indexes into [`Plan::instances`].
    pub(crate) members: Vec<usize>,
    pub(crate) notify: Vec<Notify>,
}

/// One `vrrp_script`.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    pub(crate) name: String,
    pub(crate) argv: Vec<String>,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) rise: u32,
    pub(crate) fall: u32,
    pub(crate) user: RunAs,
    /// `init_fail`: failed until its first success.
    pub(crate) init_fail: bool,
}

/// Everything `lbd --vrrp` runs.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) instances: Vec<Instance>,
    pub(crate) groups: Vec<Group>,
    pub(crate) scripts: Vec<Script>,
    /// Statements read but not acted on, for the log.
    pub(crate) ignored: Vec<String>,
}

/// Keywords of a `vrrp_instance` this runner acts on (typed fields of the
/// model).
const INSTANCE_KEYWORDS: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "authentication",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "unicast_src_ip",
    "unicast_peer",
    "track_interface",
    "track_script",
    "nopreempt",
    "preempt_delay",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "notify",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "accept",
    "no_accept",
    "dont_track_primary",
    "check_unicast_src",
    "use_vmac",
    "vmac_xmit_base",
    "strict_mode",
];

/// Looks up an interface (in tests, a table instead of the host).
pub(crate) type Lookup<'a> = dyn Fn(&str) -> Result<Interface, String> + 'a;

/// `USER [GROUP]` for [`exec::run_as`].
fn user_spec(user: &Spanned<String>, group: Option<&Spanned<String>>) -> String {
    match group {
        Some(g) => format!("{} {}", user.value, g.value),
        None => user.value.clone(),
    }
}

/// The engine's weight: keepalived's `reverse` flips the sign (and the
/// result, see [`Instance::engine_result`]).
fn engine_weight(w: i32, reverse: bool) -> TrackScript {
    let w = w.clamp(-254, 254) as i16;
    TrackScript {
        weight: if reverse { -w } else { w },
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// Builds the plan; `Err` lists every problem, each with its place.
pub(crate) fn plan(
    config: &Config,
    sources: &SourceMap,
    lookup: &Lookup<'_>,
) -> Result<Plan, Vec<String>> {
    let mut p = Planner::new(config, sources);
    let scripts: Vec<Script> = config
        .vrrp_scripts
        .iter()
        .filter_map(|s| p.script(s))
        .collect();
    let instances: Vec<Instance> = config
        .instances
        .iter()
        .filter_map(|i| p.instance(i, &scripts, lookup))
        .collect();
    let groups = config
        .sync_groups
        .iter()
        .map(|g| p.group(g, &instances))
        .collect();
    if instances.is_empty() && p.errors.is_empty() {
        p.errors
            .push("the configuration has no vrrp_instance: nothing to run".to_string());
    }
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    Ok(Plan {
        instances,
        groups,
        scripts,
        ignored: p.ignored,
    })
}

/// The global settings and what was found wrong so far.
struct Planner<'a> {
    config: &'a Config,
    sources: &'a SourceMap,
    errors: Vec<String>,
    ignored: Vec<String>,
    /// `enable_script_security`.
    secure: bool,
    /// `vrrp_version`, default 2.
    version: u8,
    /// `vrrp_strict`.
    strict: bool,
    /// The `vrrp_garp_*` defaults.
    garp: GarpConfig,
    /// `script_user`, or keepalived's default.
    default_user: RunAs,
}

impl<'a> Planner<'a> {
    fn new(config: &'a Config, sources: &'a SourceMap) -> Self {
        let mut p = Planner {
            config,
            sources,
            errors: Vec::new(),
            ignored: Vec::new(),
            secure: config.global_defs.iter().any(|g| g.enable_script_security),
            strict: config.global_defs.iter().any(|g| g.vrrp_strict),
            version: config
                .global_defs
                .iter()
                .rev()
                .find_map(|g| g.vrrp_version.as_ref().map(|v| v.value))
                .unwrap_or(2),
            garp: GarpConfig::default(),
            default_user: RunAs { uid: 0, gid: 0 },
        };
        p.garp = global_garp(&config.global_defs);
        p.default_user = match config
            .global_defs
            .iter()
            .rev()
            .find(|g| g.script_user.is_some())
            .and_then(|g| Some((g.script_user.as_ref()?, g.script_group.as_ref())))
        {
            Some((u, group)) => match exec::run_as(&user_spec(u, group)) {
                Ok(r) => r,
                Err(e) => {
                    p.err(u, format!("script_user: {e}"));
                    RunAs { uid: 0, gid: 0 }
                }
            },
            // keepalived's default; without it (and without
            // enable_script_security) `keepalived -t` already refused.
            None => exec::run_as("keepalived_script").unwrap_or(RunAs { uid: 0, gid: 0 }),
        };
        p
    }

    fn err<T>(&mut self, at: &Spanned<T>, what: impl std::fmt::Display) {
        self.errors
            .push(format!("{}: {what}", self.sources.locate(at.span)));
    }

    /// A `vrrp_script`.
    fn script(&mut self, s: &VrrpScript) -> Option<Script> {
        let name = &s.name.value;
        let Some(line) = &s.script else {
            self.err(&s.name, format!("vrrp_script {name} has no script"));
            return None;
        };
        let mut argv = match lbconf::keepalived::split_command(&line.value) {
            Some(a) if !a.is_empty() => a,
            _ => {
                self.err(
                    line,
                    "cannot split the script into words (an unclosed quote?)",
                );
                return None;
            }
        };
        match exec::resolve(&argv[0]) {
            Ok(p) => argv[0] = p,
            Err(e) => {
                self.err(line, format!("vrrp_script {name}: {e}"));
                return None;
            }
        }
        let user = match &s.user {
            Some(u) => match exec::run_as(&user_spec(u, s.user_group.as_ref())) {
                Ok(r) => r,
                Err(e) => {
                    self.err(u, format!("vrrp_script {name}: {e}"));
                    return None;
                }
            },
            None => self.default_user,
        };
        if self.secure
            && let Err(e) = exec::check_secure(&argv[0], user)
        {
            self.err(line, format!("vrrp_script {name}: {e}"));
        }
        let interval = s
            .interval
            .as_ref()
            .map_or(Duration::from_secs(1), |i| secs(i.value))
            .max(Duration::from_millis(10));
        Some(Script {
            name: name.clone(),
            argv,
            interval,
            timeout: s.timeout.as_ref().map_or(interval, |t| secs(t.value)),
            rise: s.rise.as_ref().map_or(1, |r| r.value.max(1)),
            fall: s.fall.as_ref().map_or(1, |f| f.value.max(1)),
            user,
            init_fail: s.init_fail,
        })
    }

    /// The weight of `vrrp_script NAME` and whether it is `reverse`.
    fn script_weight(&self, name: &str) -> (i32, bool) {
        self.config
            .vrrp_scripts
            .iter()
            .find(|s| s.name.value == name)
            .and_then(|s| Some((s.weight.as_ref()?.value, s.weight_reverse)))
            .unwrap_or((0, false))
    }

    /// The notify scripts of an instance or group.
    fn notify(&mut self, list: &[lbconf::keepalived::Notify], owner: &str) -> Vec<Notify> {
        let mut out = Vec::new();
        for n in list {
            let on = match n.kind.as_str() {
                "notify_master" => NotifyOn::Master,
                "notify_backup" => NotifyOn::Backup,
                "notify_fault" => NotifyOn::Fault,
                "notify_stop" => NotifyOn::Stop,
                "notify" => NotifyOn::Any,
                other => {
                    self.ignored.push(format!(
                        "{}: {owner}: {other} is not supported by lbd --vrrp; ignored",
                        self.sources.locate(n.script.span)
                    ));
                    continue;
                }
            };
            let user = match &n.user {
                None => self.default_user,
                Some(u) => match exec::run_as(&user_spec(u, n.group.as_ref())) {
                    Ok(u) => u,
                    Err(e) => {
                        self.err(u, format!("{owner}: {}: {e}", n.kind));
                        continue;
                    }
                },
            };
            let mut argv = match lbconf::keepalived::split_command(&n.command.value) {
                Some(a) if !a.is_empty() => a,
                _ => {
                    self.err(
                        &n.script,
                        format!("{owner}: cannot split {} into words", n.kind),
                    );
                    continue;
                }
            };
            match exec::resolve(&argv[0]) {
                Ok(p) => argv[0] = p,
                Err(e) => {
                    self.err(&n.script, format!("{owner}: {}: {e}", n.kind));
                    continue;
                }
            }
            if self.secure
                && let Err(e) = exec::check_secure(&argv[0], user)
            {
                self.err(&n.script, format!("{owner}: {e}"));
            }
            out.push(Notify { on, argv, user });
        }
        out
    }

    /// A `vrrp_instance`; `None` when it cannot be built (the error is
    /// recorded).
    fn instance(
        &mut self,
        i: &VrrpInstance,
        scripts: &[Script],
        lookup: &Lookup<'_>,
    ) -> Option<Instance> {
        let name = i.name.value.clone();
        let owner = format!("vrrp_instance {name}");
        let Some(iface) = &i.interface else {
            self.err(
                &i.name,
                format!("{owner}: no interface (add `interface NAME`)"),
            );
            return None;
        };
        let Some(vrid) = &i.virtual_router_id else {
            self.err(
                &i.name,
                format!("{owner}: no virtual_router_id (add one, 1 to 255)"),
            );
            return None;
        };
        let info = match lookup(&iface.value) {
            Ok(x) => x,
            Err(e) => {
                self.err(iface, format!("{owner}: {e}"));
                return None;
            }
        };
        let Some(first) = i.virtual_ipaddress.first() else {
            self.err(
                &i.name,
                format!("{owner}: no virtual_ipaddress (add at least one address)"),
            );
            return None;
        };
        let v6 = first.address.value.is_ipv6();
        // keepalived runs IPv6 instances as VRRPv3 whatever vrrp_version says.
        let version = match i.version.as_ref().map_or(self.version, |v| v.value) {
            _ if v6 => Version::V3,
            3 => Version::V3,
            _ => Version::V2,
        };
        let primary = match (&i.unicast_src_ip, v6) {
            (Some(s), _) => Some(s.value),
            (None, false) => info.ipv4.first().map(|a| IpAddr::V4(*a)),
            (None, true) => info.ipv6_link_local.first().map(|a| IpAddr::V6(*a)),
        };
        let Some(primary) = primary else {
            self.err(iface, format!(
                "{owner}: interface {} has no {} address to send adverts from (add one, or set unicast_src_ip)",
                iface.value,
                if v6 { "IPv6 link-local" } else { "IPv4" }
            ));
            return None;
        };
        let mut cfg = InstanceConfig::new(
            &name,
            vrid.value,
            version,
            i.priority.as_ref().map_or(100, |p| p.value),
            primary,
            addr_list(i, v6),
        );
        if let Some(a) = &i.advert_int {
            cfg.advert_interval = match version {
                Version::V2 => Duration::from_secs(a.value.round().max(1.0) as u64),
                Version::V3 => Duration::from_millis(((a.value * 100.0).round() as u64) * 10),
            };
        }
        let vmac = i.use_vmac.as_ref().map(|v| VmacPlan {
            name: if v.value.is_empty() {
                format!("vrrp.{}", vrid.value)
            } else {
                v.value.clone()
            },
            xmit_base: i.vmac_xmit_base,
        });
        cfg.mac = match &vmac {
            Some(_) => vrrp_mac(vrid.value, cfg.family()),
            None => info.mac,
        };
        if let (Some(v), Some(plan)) = (&i.use_vmac, &vmac) {
            if plan.name.len() > 15 || plan.name.contains(['/', ' ']) {
                self.err(v, format!("{owner}: use_vmac {}: not a valid interface name (at most 15 bytes, no '/' or space)", plan.name));
            }
            if let Some(mac) = &i.use_vmac_mac {
                self.err(mac, format!("{owner}: use_vmac with a MAC address is not supported by lbd --vrrp (remove the address; the VMAC then has the VRRP MAC {}, keepalived's default)", cfg.mac));
            }
            if !i.unicast_peer.is_empty() && !plan.xmit_base {
                self.err(v, format!("{owner}: use_vmac with unicast_peer needs vmac_xmit_base (as keepalived says): add it"));
            }
        }
        cfg.preempt = !i.nopreempt;
        cfg.preempt_delay = i
            .preempt_delay
            .as_ref()
            .map_or(Duration::ZERO, |d| secs(d.value));
        cfg.accept = self.accept_mode(i);
        cfg.unicast_peers = i.unicast_peer.iter().map(|p| p.value).collect();
        cfg.check_unicast_source = i.check_unicast_src;
        cfg.garp = instance_garp(self.garp, i);
        if let Some(auth) = &i.authentication
            && version == Version::V2
        {
            match (&auth.auth_type, &auth.auth_pass) {
                (Some(t), _) if t.value == AuthType::Ah => self.err(
                    t,
                    format!("{owner}: auth_type AH is not supported (use PASS, or none)"),
                ),
                (Some(_), Some(p)) => cfg.auth = V2Auth::pass(p.value.as_bytes()),
                _ => {}
            }
        }
        // With use_vmac, the addresses of the instance's family without a
        // `dev` go on the VMAC, as keepalived puts them.
        let default_dev = |a: &IpAddr| match &vmac {
            Some(v) if a.is_ipv6() == v6 => v.name.clone(),
            _ => iface.value.clone(),
        };
        let vips = i
            .virtual_ipaddress
            .iter()
            .chain(&i.virtual_ipaddress_excluded)
            .map(|v| Vip {
                addr: v.address.value,
                prefix: v
                    .prefix
                    .unwrap_or(if v.address.value.is_ipv6() { 128 } else { 32 }),
                iface: v
                    .dev
                    .clone()
                    .unwrap_or_else(|| default_dev(&v.address.value)),
            })
            .collect();
        let block_vips = !cfg.accept && cfg.priority != 255;
        let mut inst = Instance {
            cfg,
            iface: iface.value.clone(),
            vmac,
            block_vips,
            vips,
            fault_ifaces: Vec::new(),
            weighted: Vec::new(),
            reversed: Vec::new(),
            notify: Vec::new(),
        };
        if !i.dont_track_primary {
            inst.fault_ifaces.push(iface.value.clone());
        }
        self.tracks(i, &owner, scripts, &mut inst);
        if let Err(e) = inst.cfg.validate() {
            self.err(&i.name, e);
        }
        for s in &i.settings {
            let kw = s.keyword.value.as_str();
            if !INSTANCE_KEYWORDS.contains(&kw) && !kw.starts_with("track_") {
                self.ignored.push(format!(
                    "{}: {owner}: {kw} is not supported by lbd --vrrp; ignored",
                    self.sources.locate(s.span)
                ));
            }
        }
        inst.notify = self.notify(&i.notify, &owner);
        Some(inst)
    }

    /// Accept mode as keepalived settles it: the last of `accept` /
    /// `no_accept`, otherwise on unless strict (`strict_mode [on|off]`, by
    /// default `vrrp_strict`).
    fn accept_mode(&self, i: &VrrpInstance) -> bool {
        let strict = i.strict_mode.as_ref().map_or(self.strict, |s| s.value);
        i.accept_mode.as_ref().map_or(!strict, |a| a.value)
    }

    /// The instance's tracked interfaces and scripts, and those of its sync
    /// group: weight 0 interfaces are FAULT conditions, the others engine
    /// [`TrackScript`]s.
    fn tracks(&mut self, i: &VrrpInstance, owner: &str, scripts: &[Script], inst: &mut Instance) {
        let group_tracks = self
            .config
            .sync_groups
            .iter()
            .filter(|g| g.group.iter().any(|m| m.value == i.name.value))
            .flat_map(|g| g.tracks.iter());
        for t in i.tracks.iter().chain(group_tracks) {
            let (what, weight, rev) = match t.kind.as_str() {
                "track_interface" => {
                    let rev = t.reverse;
                    let w = t.weight.unwrap_or(0);
                    if w == 0 && !rev {
                        inst.fault_ifaces.push(t.name.value.clone());
                        continue;
                    }
                    (Weighted::Interface(t.name.value.clone()), w, rev)
                }
                "track_script" => {
                    let Some(k) = scripts.iter().position(|s| s.name == t.name.value) else {
                        self.err(
                            &t.name,
                            format!("{owner}: no vrrp_script {} to track", t.name.value),
                        );
                        continue;
                    };
                    let (w, rev) = match t.weight {
                        Some(w) => (w, t.reverse),
                        None => self.script_weight(&t.name.value),
                    };
                    (Weighted::Script(k), w, rev)
                }
                other => {
                    self.err(
                        &t.name,
                        format!("{owner}: {other} is not supported by lbd --vrrp (remove it)"),
                    );
                    continue;
                }
            };
            inst.weighted.push(what);
            inst.reversed.push(rev);
            inst.cfg.track_scripts.push(engine_weight(weight, rev));
        }
        inst.cfg.track_interfaces = inst.fault_ifaces.len();
    }

    /// A `vrrp_sync_group`.
    fn group(&mut self, g: &SyncGroup, instances: &[Instance]) -> Group {
        let owner = format!("vrrp_sync_group {}", g.name.value);
        let mut members = Vec::new();
        for m in &g.group {
            match instances.iter().position(|i| i.cfg.name == m.value) {
                Some(k) => members.push(k),
                None => self.err(m, format!("{owner}: no vrrp_instance {}", m.value)),
            }
        }
        Group {
            name: g.name.value.clone(),
            members,
            notify: self.notify(&g.notify, &owner),
        }
    }
}

/// The advertised addresses: those of the first address's family (lbconf
/// warns about the others, and `keepalived -t` then refuses).
fn addr_list(i: &VrrpInstance, v6: bool) -> AddrList {
    let addrs = i.virtual_ipaddress.iter().map(|v| v.address.value);
    if v6 {
        AddrList::V6(
            addrs
                .filter_map(|a| match a {
                    IpAddr::V6(a) => Some(a),
                    IpAddr::V4(_) => None,
                })
                .collect(),
        )
    } else {
        AddrList::V4(
            addrs
                .filter_map(|a| match a {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                })
                .collect(),
        )
    }
}

fn secs_u32(s: &Spanned<u32>) -> Duration {
    Duration::from_secs(u64::from(s.value))
}

/// The `vrrp_garp_*` defaults of `global_defs` (the last block that sets
/// one wins). As keepalived: a repeat of 0 counts as 1, and the
/// lower-priority delay defaults to `vrrp_garp_master_delay`.
fn global_garp(globals: &[GlobalDefs]) -> GarpConfig {
    let last = |f: fn(&GlobalDefs) -> &Option<Spanned<u32>>| {
        globals.iter().rev().find_map(|g| f(g).as_ref())
    };
    let mut garp = GarpConfig::default();
    if let Some(d) = last(|g| &g.vrrp_garp_master_delay) {
        garp.master_delay = secs_u32(d);
        garp.lower_prio_delay = secs_u32(d);
    }
    if let Some(n) = last(|g| &g.vrrp_garp_master_repeat) {
        garp.master_repeat = n.value.max(1);
    }
    if let Some(d) = last(|g| &g.vrrp_garp_master_refresh) {
        garp.master_refresh = (d.value > 0).then(|| secs_u32(d));
    }
    if let Some(n) = last(|g| &g.vrrp_garp_master_refresh_repeat) {
        garp.refresh_repeat = n.value.max(1);
    }
    if let Some(d) = last(|g| &g.vrrp_garp_lower_prio_delay) {
        garp.lower_prio_delay = secs_u32(d);
    }
    if let Some(n) = last(|g| &g.vrrp_garp_lower_prio_repeat) {
        garp.lower_prio_repeat = n.value;
    }
    garp
}

/// An instance's `garp_*` settings over the global defaults.
fn instance_garp(mut garp: GarpConfig, i: &VrrpInstance) -> GarpConfig {
    if let Some(d) = &i.garp_master_delay {
        garp.master_delay = secs_u32(d);
    }
    if let Some(n) = &i.garp_master_repeat {
        garp.master_repeat = n.value.max(1);
    }
    if let Some(d) = &i.garp_master_refresh {
        garp.master_refresh = (d.value > 0).then(|| secs_u32(d));
    }
    if let Some(n) = &i.garp_master_refresh_repeat {
        garp.refresh_repeat = n.value.max(1);
    }
    if let Some(d) = &i.garp_lower_prio_delay {
        garp.lower_prio_delay = secs_u32(d);
    }
    if let Some(n) = &i.garp_lower_prio_repeat {
        garp.lower_prio_repeat = n.value;
    }
    garp
}
