//! From lbconf's model of a `keepalived.conf` to what the runner needs:
//! engine configurations, the addresses, tracked objects and scripts.

use std::net::IpAddr;
use std::time::Duration;

use lbconf::keepalived::{AuthType, Config, GlobalDefs, Setting, Spanned};
use lbconf::{SourceMap, Span};
use vrrp::linux::{Interface, Vip};
use vrrp::wire::{AddrList, V2Auth, Version};
use vrrp::{GarpConfig, InstanceConfig, TrackScript};

use super::exec::{self, RunAs};

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

/// One `vrrp_instance`.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) cfg: InstanceConfig,
    pub(crate) iface: String,
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
/// model, or read from `settings` below).
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
];

/// Looks up an interface (in tests, a table instead of the host).
pub(crate) type Lookup<'a> = dyn Fn(&str) -> Result<Interface, String> + 'a;

struct Ctx<'a> {
    sources: &'a SourceMap,
    errors: Vec<String>,
}

impl Ctx<'_> {
    fn err<T>(&mut self, at: &Spanned<T>, what: impl std::fmt::Display) {
        self.errors
            .push(format!("{}: {what}", self.sources.locate(at.span)));
    }
}

fn setting<'a>(settings: &'a [Setting], kw: &str) -> Option<&'a Setting> {
    settings.iter().rev().find(|s| s.keyword.value == kw)
}

fn setting_num<T: std::str::FromStr>(settings: &[Setting], kw: &str) -> Option<T> {
    setting(settings, kw)?.args.first()?.value.parse().ok()
}

/// The words of the source line from `span` on, split as keepalived splits
/// a line (quotes group, `#` and `!` start a comment).
fn line_words(sources: &SourceMap, span: Span) -> Vec<String> {
    let line = sources
        .get(span.file)
        .and_then(|f| f.text().get(span.start as usize..))
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    // The comment starts at the first `#` or `!` outside quotes.
    let mut quote = None;
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '#' | '!') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    exec::split(&line[..end]).unwrap_or_default()
}

/// [`line_words`] when the first word is `first` (a value that macro
/// expansion did not change). It recovers what the model keeps as one
/// string or drops: a user's group, a weight's `reverse`.
fn words_from(sources: &SourceMap, span: Span, first: &str) -> Option<Vec<String>> {
    let words = line_words(sources, span);
    (words.first().map(String::as_str) == Some(first)).then_some(words)
}

/// `SCRIPT [username [groupname]]` of a notify line: the model joins every
/// word, so the line tells the script (one word, quoted when it has
/// arguments) from the user and group.
fn notify_parts(sources: &SourceMap, script: &Spanned<String>) -> (String, Vec<String>) {
    let words = line_words(sources, script.span);
    match words.split_first() {
        Some((first, rest)) if rest.len() <= 2 && words.join(" ") == script.value => {
            (first.clone(), rest.to_vec())
        }
        _ => (script.value.clone(), Vec::new()),
    }
}

/// Whether the line of `span` (starting with `first`) ends in `reverse`.
fn reversed(sources: &SourceMap, span: Span, first: &str) -> bool {
    words_from(sources, span, first).is_some_and(|w| w.iter().skip(1).any(|x| x == "reverse"))
}

/// `USER [GROUP]` from a `user`/`script_user` value and its line.
fn user_spec(sources: &SourceMap, user: &Spanned<String>) -> String {
    words_from(sources, user.span, &user.value).map_or_else(|| user.value.clone(), |w| w.join(" "))
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
    let mut cx = Ctx {
        sources,
        errors: Vec::new(),
    };
    let globals = |f: &dyn Fn(&GlobalDefs) -> bool| config.global_defs.iter().any(f);
    let secure = globals(&|g| g.enable_script_security);
    let version = config
        .global_defs
        .iter()
        .rev()
        .find_map(|g| g.vrrp_version.as_ref().map(|v| v.value))
        .unwrap_or(2);
    let gsettings: Vec<Setting> = config
        .global_defs
        .iter()
        .flat_map(|g| g.settings.iter().cloned())
        .collect();
    let mut garp = GarpConfig::default();
    if let Some(d) = setting_num::<f64>(&gsettings, "vrrp_garp_master_delay") {
        garp.master_delay = secs(d);
    }
    if let Some(n) = setting_num(&gsettings, "vrrp_garp_master_repeat") {
        garp.master_repeat = n;
    }
    if let Some(d) = setting_num::<f64>(&gsettings, "vrrp_garp_master_refresh") {
        garp.master_refresh = (d > 0.0).then(|| secs(d));
    }
    if let Some(n) = setting_num(&gsettings, "vrrp_garp_master_refresh_repeat") {
        garp.refresh_repeat = n;
    }
    if let Some(n) = setting_num(&gsettings, "vrrp_garp_lower_prio_repeat") {
        garp.lower_prio_repeat = n;
    }
    let default_user = match config
        .global_defs
        .iter()
        .rev()
        .find_map(|g| g.script_user.as_ref())
    {
        Some(u) => match exec::run_as(&user_spec(sources, u)) {
            Ok(r) => r,
            Err(e) => {
                cx.err(u, format!("script_user: {e}"));
                RunAs { uid: 0, gid: 0 }
            }
        },
        None => exec::run_as("keepalived_script").unwrap_or(RunAs { uid: 0, gid: 0 }),
    };
    let mut ignored = Vec::new();

    let mut scripts = Vec::new();
    for s in &config.vrrp_scripts {
        let Some(line) = &s.script else {
            cx.err(
                &s.name,
                format!("vrrp_script {} has no script", s.name.value),
            );
            continue;
        };
        let argv = match exec::split(&line.value) {
            Some(a) if !a.is_empty() => a,
            _ => {
                cx.err(
                    line,
                    "cannot split the script into words (an unclosed quote?)",
                );
                continue;
            }
        };
        let user = match &s.user {
            Some(u) => exec::run_as(&user_spec(sources, u)).unwrap_or_else(|e| {
                cx.err(u, format!("vrrp_script {}: {e}", s.name.value));
                default_user
            }),
            None => default_user,
        };
        if secure && let Err(e) = exec::check_secure(&argv[0], user) {
            cx.err(line, format!("vrrp_script {}: {e}", s.name.value));
        }
        let interval = s
            .interval
            .as_ref()
            .map_or(Duration::from_secs(1), |i| secs(i.value));
        let interval = interval.max(Duration::from_millis(10));
        scripts.push(Script {
            name: s.name.value.clone(),
            argv,
            interval,
            timeout: s.timeout.as_ref().map_or(interval, |t| secs(t.value)),
            rise: s.rise.as_ref().map_or(1, |r| r.value.max(1)),
            fall: s.fall.as_ref().map_or(1, |f| f.value.max(1)),
            user,
            init_fail: s.settings.iter().any(|x| x.keyword.value == "init_fail"),
        });
    }
    let script_weight = |name: &str| {
        config
            .vrrp_scripts
            .iter()
            .find(|s| s.name.value == name)
            .and_then(|s| s.weight.as_ref())
            .map_or((0, false), |w| {
                (w.value, reversed(sources, w.span, &w.value.to_string()))
            })
    };

    let notify_of = |cx: &mut Ctx<'_>,
                     ignored: &mut Vec<String>,
                     list: &[lbconf::keepalived::Notify],
                     owner: &str| {
        let mut out = Vec::new();
        for n in list {
            let on = match n.kind.as_str() {
                "notify_master" => NotifyOn::Master,
                "notify_backup" => NotifyOn::Backup,
                "notify_fault" => NotifyOn::Fault,
                "notify_stop" => NotifyOn::Stop,
                "notify" => NotifyOn::Any,
                other => {
                    ignored.push(format!("{owner}: {other} is not supported; ignored"));
                    continue;
                }
            };
            let (script, user) = notify_parts(sources, &n.script);
            let user = if user.is_empty() {
                default_user
            } else {
                match exec::run_as(&user.join(" ")) {
                    Ok(u) => u,
                    Err(e) => {
                        cx.err(&n.script, format!("{owner}: {}: {e}", n.kind));
                        continue;
                    }
                }
            };
            let argv = match exec::split(&script) {
                Some(a) if !a.is_empty() => a,
                _ => {
                    cx.err(
                        &n.script,
                        format!("{owner}: cannot split {} into words", n.kind),
                    );
                    continue;
                }
            };
            if secure && let Err(e) = exec::check_secure(&argv[0], user) {
                cx.err(&n.script, format!("{owner}: {e}"));
            }
            out.push(Notify { on, argv, user });
        }
        out
    };

    let mut instances: Vec<Instance> = Vec::new();
    for i in &config.instances {
        let name = i.name.value.clone();
        let owner = format!("vrrp_instance {name}");
        let bad = |cx: &mut Ctx<'_>, what: String| cx.err(&i.name, format!("{owner}: {what}"));
        let Some(iface) = &i.interface else {
            bad(&mut cx, "no interface (add `interface NAME`)".into());
            continue;
        };
        let Some(vrid) = &i.virtual_router_id else {
            bad(&mut cx, "no virtual_router_id (add one, 1 to 255)".into());
            continue;
        };
        let info = match lookup(&iface.value) {
            Ok(x) => x,
            Err(e) => {
                cx.err(iface, format!("{owner}: {e}"));
                continue;
            }
        };
        if i.use_vmac.is_some() {
            bad(&mut cx, "use_vmac is not supported by lbd --vrrp (remove it; the instance then uses the interface's MAC, as keepalived's default)".into());
        }
        let ver = match i.version.as_ref().map_or(version, |v| v.value) {
            3 => Version::V3,
            _ => Version::V2,
        };
        let Some(first) = i.virtual_ipaddress.first() else {
            bad(
                &mut cx,
                "no virtual_ipaddress (add at least one address)".into(),
            );
            continue;
        };
        let v6 = first.address.value.is_ipv6();
        let addrs = i
            .virtual_ipaddress
            .iter()
            .map(|v| v.address.value)
            .filter(|a| a.is_ipv6() == v6);
        let list = if v6 {
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
        };
        let primary = match (&i.unicast_src_ip, v6) {
            (Some(s), _) => Some(s.value),
            (None, false) => info.ipv4.first().map(|a| IpAddr::V4(*a)),
            (None, true) => info.ipv6_link_local.first().map(|a| IpAddr::V6(*a)),
        };
        let Some(primary) = primary else {
            cx.err(iface, format!(
                "{owner}: interface {} has no {} address to send adverts from (add one, or set unicast_src_ip)",
                iface.value,
                if v6 { "IPv6 link-local" } else { "IPv4" }
            ));
            continue;
        };
        let mut cfg = InstanceConfig::new(
            &name,
            vrid.value,
            ver,
            i.priority.as_ref().map_or(100, |p| p.value),
            primary,
            list,
        );
        if let Some(a) = &i.advert_int {
            cfg.advert_interval = match ver {
                Version::V2 => Duration::from_secs(a.value.round().max(1.0) as u64),
                Version::V3 => Duration::from_millis(((a.value * 100.0).round() as u64) * 10),
            };
        }
        cfg.mac = info.mac;
        cfg.preempt = !i.nopreempt;
        cfg.preempt_delay = i
            .preempt_delay
            .as_ref()
            .map_or(Duration::ZERO, |d| secs(d.value));
        cfg.accept = i.accept;
        cfg.unicast_peers = i.unicast_peer.iter().map(|p| p.value).collect();
        cfg.check_unicast_source = setting(&i.settings, "check_unicast_src").is_some();
        cfg.garp = garp;
        if let Some(d) = &i.garp_master_delay {
            cfg.garp.master_delay = Duration::from_secs(u64::from(d.value));
        }
        if let Some(n) = setting_num(&i.settings, "garp_master_repeat") {
            cfg.garp.master_repeat = n;
        }
        if let Some(d) = setting_num::<f64>(&i.settings, "garp_master_refresh") {
            cfg.garp.master_refresh = (d > 0.0).then(|| secs(d));
        }
        if let Some(n) = setting_num(&i.settings, "garp_master_refresh_repeat") {
            cfg.garp.refresh_repeat = n;
        }
        if let Some(n) = setting_num(&i.settings, "garp_lower_prio_repeat") {
            cfg.garp.lower_prio_repeat = n;
        }
        if let Some(auth) = &i.authentication
            && ver == Version::V2
        {
            match (&auth.auth_type, &auth.auth_pass) {
                (Some(t), _) if t.value == AuthType::Ah => cx.err(
                    t,
                    format!("{owner}: auth_type AH is not supported (use PASS, or none)"),
                ),
                (Some(_), Some(p)) => cfg.auth = V2Auth::pass(p.value.as_bytes()),
                _ => {}
            }
        }
        let vip = |v: &lbconf::keepalived::VirtualIp| Vip {
            addr: v.address.value,
            prefix: v
                .prefix
                .unwrap_or(if v.address.value.is_ipv6() { 128 } else { 32 }),
            iface: v.dev.clone().unwrap_or_else(|| iface.value.clone()),
        };
        let vips = i
            .virtual_ipaddress
            .iter()
            .chain(&i.virtual_ipaddress_excluded)
            .map(vip)
            .collect();

        let mut fault_ifaces = Vec::new();
        if setting(&i.settings, "dont_track_primary").is_none() {
            fault_ifaces.push(iface.value.clone());
        }
        let mut weighted = Vec::new();
        let mut reverse = Vec::new();
        let group_tracks = config
            .sync_groups
            .iter()
            .filter(|g| g.group.iter().any(|m| m.value == name))
            .flat_map(|g| g.tracks.iter());
        for t in i.tracks.iter().chain(group_tracks) {
            match t.kind.as_str() {
                "track_interface" => {
                    let rev = reversed(sources, t.name.span, &t.name.value);
                    match (t.weight.unwrap_or(0), rev) {
                        (0, false) => fault_ifaces.push(t.name.value.clone()),
                        (w, rev) => {
                            weighted.push(Weighted::Interface(t.name.value.clone()));
                            reverse.push(rev);
                            cfg.track_scripts.push(engine_weight(w, rev));
                        }
                    }
                }
                "track_script" => match scripts.iter().position(|s| s.name == t.name.value) {
                    Some(k) => {
                        let (w, rev) = match t.weight {
                            Some(w) => (w, reversed(sources, t.name.span, &t.name.value)),
                            None => script_weight(&t.name.value),
                        };
                        weighted.push(Weighted::Script(k));
                        reverse.push(rev);
                        cfg.track_scripts.push(engine_weight(w, rev));
                    }
                    None => cx.err(
                        &t.name,
                        format!("{owner}: no vrrp_script {} to track", t.name.value),
                    ),
                },
                other => cx.err(
                    &t.name,
                    format!("{owner}: {other} is not supported by lbd --vrrp (remove it)"),
                ),
            }
        }
        cfg.track_interfaces = fault_ifaces.len();
        if let Err(e) = cfg.validate() {
            bad(&mut cx, e.to_string());
        }
        for s in &i.settings {
            let kw = s.keyword.value.as_str();
            if !INSTANCE_KEYWORDS.contains(&kw) && !kw.starts_with("track_") {
                ignored.push(format!(
                    "{}: {owner}: {kw} is not supported by lbd --vrrp; ignored",
                    sources.locate(s.span)
                ));
            }
        }
        let notify = notify_of(&mut cx, &mut ignored, &i.notify, &owner);
        instances.push(Instance {
            cfg,
            iface: iface.value.clone(),
            vips,
            fault_ifaces,
            weighted,
            reversed: reverse,
            notify,
        });
    }

    let mut groups = Vec::new();
    for g in &config.sync_groups {
        let owner = format!("vrrp_sync_group {}", g.name.value);
        let mut members = Vec::new();
        for m in &g.group {
            match instances.iter().position(|i| i.cfg.name == m.value) {
                Some(k) => members.push(k),
                None => cx.err(m, format!("{owner}: no vrrp_instance {}", m.value)),
            }
        }
        let notify = notify_of(&mut cx, &mut ignored, &g.notify, &owner);
        groups.push(Group {
            name: g.name.value.clone(),
            members,
            notify,
        });
    }
    if instances.is_empty() && cx.errors.is_empty() {
        cx.errors
            .push("the configuration has no vrrp_instance: nothing to run".to_string());
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    Ok(Plan {
        instances,
        groups,
        scripts,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use vrrp::wire::MacAddr;

    fn lookup(name: &str) -> Result<Interface, String> {
        match name {
            "eth0" | "eth1" => Ok(Interface {
                index: 2,
                mac: MacAddr([2, 0, 0, 0, 0, 1]),
                up: true,
                ipv4: vec![Ipv4Addr::new(198, 18, 0, 1)],
                ipv6_link_local: vec![Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)],
            }),
            other => Err(format!("no interface {other}")),
        }
    }

    fn parse(text: &str) -> Result<Plan, Vec<String>> {
        let opts = lbconf::keepalived::Options {
            config_id: Some("lb1".into()),
            interfaces: Some(vec!["eth0".into(), "eth1".into()]),
        };
        let parsed = lbconf::keepalived::parse_str("k.conf", text, &opts);
        plan(&parsed.value, &parsed.sources, &lookup)
    }

    const SEED: &str = r#"
global_defs {
    router_id lb1
    enable_script_security
    script_user root
}
vrrp_script chk_haproxy {
    script "/bin/true --quiet"
    interval 2
    timeout 3
    weight -30
    rise 2
    fall 3
}
vrrp_sync_group RH {
    group {
        RH_EXT
        RH_INT
    }
    notify "/bin/true group"
}
vrrp_instance RH_EXT {
    state MASTER
    interface eth0
    virtual_router_id 50
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        198.18.0.100/24
        198.18.0.101 dev eth1
    }
    track_interface {
        eth1 weight -20
    }
    track_script {
        chk_haproxy
    }
    notify_master "/bin/true master"
    notify /bin/true
}
vrrp_instance RH_INT {
    state MASTER
    interface eth1
    virtual_router_id 51
    priority 150
    version 3
    advert_int 0.1
    virtual_ipaddress {
        fd00::100/64
    }
    dont_track_primary
}
"#;

    #[test]
    fn the_seed_maps_to_the_engine() {
        let p = parse(SEED).unwrap();
        assert_eq!(p.instances.len(), 2);
        let ext = &p.instances[0];
        assert_eq!(ext.cfg.vrid, 50);
        assert_eq!(ext.cfg.version, Version::V2);
        assert_eq!(ext.cfg.auth, V2Auth::pass(b"secret"));
        assert_eq!(ext.cfg.primary, IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)));
        assert_eq!(ext.cfg.mac, MacAddr([2, 0, 0, 0, 0, 1]));
        assert_eq!(ext.fault_ifaces, ["eth0"]);
        assert_eq!(
            ext.weighted,
            [Weighted::Interface("eth1".into()), Weighted::Script(0)]
        );
        let weights: Vec<i16> = ext.cfg.track_scripts.iter().map(|t| t.weight).collect();
        assert_eq!(weights, [-20, -30]);
        assert_eq!(ext.vips[0].prefix, 24);
        assert_eq!(
            (ext.vips[1].prefix, ext.vips[1].iface.as_str()),
            (32, "eth1")
        );
        assert_eq!(ext.notify.len(), 2);
        assert_eq!(ext.notify[0].argv, ["/bin/true", "master"]);
        assert_eq!(ext.notify[1].on, NotifyOn::Any);
        let int = &p.instances[1];
        assert_eq!(int.cfg.version, Version::V3);
        assert_eq!(int.cfg.advert_interval, Duration::from_millis(100));
        assert!(int.cfg.primary.is_ipv6());
        assert!(int.fault_ifaces.is_empty());
        let s = &p.scripts[0];
        assert_eq!(s.argv, ["/bin/true", "--quiet"]);
        assert_eq!(
            (s.interval, s.timeout, s.rise, s.fall),
            (Duration::from_secs(2), Duration::from_secs(3), 2, 3)
        );
        assert_eq!(p.groups[0].members, [0, 1]);
        assert_eq!(p.groups[0].notify[0].argv, ["/bin/true", "group"]);
    }

    #[test]
    fn users_reverse_and_init_fail_come_from_the_lines() {
        let p = parse(
            r#"
global_defs {
    enable_script_security
    script_user nobody root   # a group other than the user's
}
vrrp_script chk {
    script "/bin/true"
    weight 10 reverse
    init_fail
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        198.18.0.100
    }
    track_script {
        chk
    }
    track_interface {
        eth1 weight -5 reverse
    }
    notify_master "/bin/true a b" root
    notify_backup /bin/true   # no user: script_user
    notify "/bin/echo x"
}
"#,
        )
        .unwrap();
        let nobody_root = RunAs { uid: 65534, gid: 0 };
        assert_eq!(p.scripts[0].user, nobody_root);
        assert!(p.scripts[0].init_fail);
        let i = &p.instances[0];
        assert_eq!(
            i.weighted,
            [Weighted::Script(0), Weighted::Interface("eth1".into())]
        );
        assert_eq!(i.reversed, [true, true]);
        let weights: Vec<i16> = i.cfg.track_scripts.iter().map(|t| t.weight).collect();
        assert_eq!(weights, [-10, 5]);
        // Reversed: up is a failure for the engine, down a success.
        assert!(!i.engine_result(0, true) && i.engine_result(1, false));
        let n: Vec<(&[String], RunAs)> = i.notify.iter().map(|n| (&n.argv[..], n.user)).collect();
        assert_eq!(n[0].0, ["/bin/true", "a", "b"]);
        assert_eq!(n[0].1, RunAs { uid: 0, gid: 0 });
        assert_eq!(
            (n[1].0, n[1].1),
            (&["/bin/true".to_string()][..], nobody_root)
        );
        assert_eq!(n[2].0, ["/bin/echo", "x"]);
    }

    #[test]
    fn unsupported_parts_are_refused_with_their_place() {
        let text = SEED
            .replace("dont_track_primary", "use_vmac")
            .replace("auth_type PASS", "auth_type AH");
        let errs = parse(&text).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("use_vmac")), "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.starts_with("k.conf:") && e.contains("AH")),
            "{errs:?}"
        );
        let errs = parse(&SEED.replace("interface eth1", "interface eth9")).unwrap_err();
        assert!(
            errs.iter().any(|e| e.contains("no interface eth9")),
            "{errs:?}"
        );
        let errs = parse("global_defs {\n router_id x\n}\n").unwrap_err();
        assert!(errs[0].contains("no vrrp_instance"));
    }
}
