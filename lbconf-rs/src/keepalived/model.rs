//! The typed model of an expanded `keepalived.conf`.
//!
//! Plain owned data: typed fields whose values carry their [`Span`], and
//! `settings` for the rest. The VRRP sections ([`GlobalDefs`],
//! [`VrrpScript`], [`TrackFile`], [`SyncGroup`], [`VrrpInstance`]) keep all
//! their statements in `settings` (order and duplicates preserved, unknown
//! keywords included). Virtual servers, real servers and checkers, which big
//! configurations have by the thousand, keep in `settings` only the
//! statements no typed field holds: unknown keywords, keywords without a
//! typed field, and values that could not be read; [`crate::keepalived::dump()`]
//! prints their typed fields, then those.

use std::net::IpAddr;
use std::sync::Arc;

use crate::source::Span;

mod checker;
pub use checker::*;

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written (for expanded text: the original line).
    pub span: Span,
}

/// One statement after macro expansion: keyword, arguments, optional block.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Setting {
    /// The keyword.
    pub keyword: Spanned<String>,
    /// The arguments, quotes removed.
    pub args: Vec<Spanned<String>>,
    /// The `{ ... }` block, if any.
    pub block: Option<Vec<Setting>>,
    /// The whole statement (keyword to last argument).
    pub span: Span,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Config {
    /// Every `global_defs` block, in order.
    pub global_defs: Vec<GlobalDefs>,
    /// `vrrp_script NAME { ... }`.
    pub vrrp_scripts: Vec<VrrpScript>,
    /// `vrrp_track_file NAME { ... }` (and `track_file`).
    pub track_files: Vec<TrackFile>,
    /// `vrrp_sync_group NAME { ... }`.
    pub sync_groups: Vec<SyncGroup>,
    /// `vrrp_instance NAME { ... }`.
    pub instances: Vec<VrrpInstance>,
    /// `virtual_server_group NAME { ... }`.
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    /// `virtual_server ... { ... }`.
    pub virtual_servers: Vec<VirtualServer>,
    /// Every other top-level statement (static addresses, BFD, ...).
    pub other: Vec<Setting>,
}

/// `global_defs { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<Spanned<String>>,
    /// `vrrp_version` (2 or 3).
    pub vrrp_version: Option<Spanned<u8>>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user USER [GROUP]`: the user (the whole value before
    /// [`GlobalDefs::script_group`] existed; kept as the user alone).
    pub script_user: Option<Spanned<String>>,
    /// The `GROUP` of `script_user USER GROUP`.
    pub script_group: Option<Spanned<String>>,
    /// `vrrp_garp_master_delay` in seconds (0-4294).
    pub vrrp_garp_master_delay: Option<Spanned<u32>>,
    /// `vrrp_garp_master_repeat` (keepalived reads 0 as 1).
    pub vrrp_garp_master_repeat: Option<Spanned<u32>>,
    /// `vrrp_garp_master_refresh` in whole seconds (0: no refresh).
    pub vrrp_garp_master_refresh: Option<Spanned<u32>>,
    /// `vrrp_garp_master_refresh_repeat` (keepalived reads 0 as 1).
    pub vrrp_garp_master_refresh_repeat: Option<Spanned<u32>>,
    /// `vrrp_garp_lower_prio_delay` in seconds (0-4294).
    pub vrrp_garp_lower_prio_delay: Option<Spanned<u32>>,
    /// `vrrp_garp_lower_prio_repeat`.
    pub vrrp_garp_lower_prio_repeat: Option<Spanned<u32>>,
    /// `notification_email { ... }` addresses.
    pub notification_email: Vec<Spanned<String>>,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// Every statement of the block.
    pub settings: Vec<Setting>,
    /// The block's keyword.
    pub span: Span,
}

/// `vrrp_script NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VrrpScript {
    /// The name.
    pub name: Spanned<String>,
    /// `script "CMD ARGS"`.
    pub script: Option<Spanned<String>>,
    /// `interval SECS`.
    pub interval: Option<Spanned<f64>>,
    /// `timeout SECS`.
    pub timeout: Option<Spanned<f64>>,
    /// `weight N [reverse]`.
    pub weight: Option<Spanned<i32>>,
    /// The `reverse` of `weight N reverse`.
    pub weight_reverse: bool,
    /// `init_fail`: the script starts in the failed state.
    pub init_fail: bool,
    /// `rise N`.
    pub rise: Option<Spanned<u32>>,
    /// `fall N`.
    pub fall: Option<Spanned<u32>>,
    /// `user USER [GROUP]`: the user.
    pub user: Option<Spanned<String>>,
    /// The `GROUP` of `user USER GROUP`.
    pub user_group: Option<Spanned<String>>,
    /// Every statement of the block.
    pub settings: Vec<Setting>,
}

/// `vrrp_track_file NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackFile {
    /// The name.
    pub name: Spanned<String>,
    /// `file PATH`.
    pub file: Option<Spanned<String>>,
    /// `weight N`.
    pub weight: Option<Spanned<i32>>,
    /// Every statement of the block.
    pub settings: Vec<Setting>,
}

/// `vrrp_sync_group NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SyncGroup {
    /// The name.
    pub name: Spanned<String>,
    /// `group { INSTANCE ... }`.
    pub group: Vec<Spanned<String>>,
    /// `notify*` scripts.
    pub notify: Vec<Notify>,
    /// `track_script { ... }` and the other `track_*` blocks.
    pub tracks: Vec<Track>,
    /// Every statement of the block.
    pub settings: Vec<Setting>,
}

/// VRRP state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum State {
    /// `MASTER`.
    Master,
    /// `BACKUP`.
    Backup,
}

/// Authentication type (VRRPv2 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum AuthType {
    /// `PASS`: simple password.
    Pass,
    /// `AH`: IPsec AH.
    Ah,
}

/// `authentication { ... }`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Authentication {
    /// `auth_type`.
    pub auth_type: Option<Spanned<AuthType>>,
    /// `auth_pass`.
    pub auth_pass: Option<Spanned<String>>,
}

/// An address line in `virtual_ipaddress { ... }`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualIp {
    /// The address.
    pub address: Spanned<IpAddr>,
    /// The prefix length after `/`.
    pub prefix: Option<u8>,
    /// `dev IFACE`.
    pub dev: Option<String>,
    /// `scope SCOPE`.
    pub scope: Option<String>,
    /// `label LABEL`.
    pub label: Option<String>,
    /// `brd ADDRESS`.
    pub brd: Option<String>,
    /// The whole line.
    pub span: Span,
}

/// An entry in a `track_interface`/`track_script`/`track_file` block.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Track {
    /// Which block: `track_interface`, `track_script`, `track_file`, ...
    pub kind: String,
    /// The tracked name.
    pub name: Spanned<String>,
    /// `weight N`.
    pub weight: Option<i32>,
    /// `weight N reverse`.
    pub reverse: bool,
}

/// A `notify*` script.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Notify {
    /// The keyword (`notify_master`, `notify`, ...).
    pub kind: String,
    /// The whole value: every word after the keyword, joined by spaces
    /// (the command, then the user and group if given).
    pub script: Spanned<String>,
    /// The command alone (the first word: quoted when it has arguments).
    pub command: Spanned<String>,
    /// The `username` of `notify* "SCRIPT" username [groupname]`.
    pub user: Option<Spanned<String>>,
    /// The `groupname` of `notify* "SCRIPT" username groupname`.
    pub group: Option<Spanned<String>>,
}

/// `vrrp_instance NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VrrpInstance {
    /// The name.
    pub name: Spanned<String>,
    /// `state`.
    pub state: Option<Spanned<State>>,
    /// `interface`.
    pub interface: Option<Spanned<String>>,
    /// `virtual_router_id`.
    pub virtual_router_id: Option<Spanned<u8>>,
    /// `priority`.
    pub priority: Option<Spanned<u8>>,
    /// `advert_int` in seconds.
    pub advert_int: Option<Spanned<f64>>,
    /// `version`.
    pub version: Option<Spanned<u8>>,
    /// `native_ipv6`: an IPv6 instance (VRRPv3) even before its addresses
    /// say so.
    pub native_ipv6: bool,
    /// `authentication { ... }`.
    pub authentication: Option<Authentication>,
    /// `virtual_ipaddress { ... }`.
    pub virtual_ipaddress: Vec<VirtualIp>,
    /// `virtual_ipaddress_excluded { ... }`.
    pub virtual_ipaddress_excluded: Vec<VirtualIp>,
    /// `virtual_routes { ... }` lines.
    pub virtual_routes: Vec<Setting>,
    /// `unicast_src_ip`.
    pub unicast_src_ip: Option<Spanned<IpAddr>>,
    /// `unicast_peer { ... }`.
    pub unicast_peer: Vec<Spanned<IpAddr>>,
    /// `track_interface`, `track_script`, `track_file`, ... entries.
    pub tracks: Vec<Track>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay` in seconds.
    pub preempt_delay: Option<Spanned<f64>>,
    /// `garp_master_delay` in seconds (0-4294).
    pub garp_master_delay: Option<Spanned<u32>>,
    /// `garp_master_repeat` (keepalived reads 0 as 1).
    pub garp_master_repeat: Option<Spanned<u32>>,
    /// `garp_master_refresh` in whole seconds (0: no refresh).
    pub garp_master_refresh: Option<Spanned<u32>>,
    /// `garp_master_refresh_repeat` (keepalived reads 0 as 1).
    pub garp_master_refresh_repeat: Option<Spanned<u32>>,
    /// `garp_lower_prio_delay` in seconds (0-4294).
    pub garp_lower_prio_delay: Option<Spanned<u32>>,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: Option<Spanned<u32>>,
    /// `notify*` scripts.
    pub notify: Vec<Notify>,
    /// `use_vmac [NAME] [MAC]`: the name (empty for the default).
    pub use_vmac: Option<Spanned<String>>,
    /// The MAC address of `use_vmac [NAME] MAC` (keepalived takes it before
    /// or after the name).
    pub use_vmac_mac: Option<Spanned<String>>,
    /// `vmac_xmit_base`: send adverts from the base interface.
    pub vmac_xmit_base: bool,
    /// `accept` (set by any `accept`, see [`VrrpInstance::accept_mode`]).
    pub accept: bool,
    /// The last of `accept` (true) and `no_accept` (false).
    pub accept_mode: Option<Spanned<bool>>,
    /// `strict_mode [on|off|true|false|yes|no]` (no value: on).
    pub strict_mode: Option<Spanned<bool>>,
    /// `dont_track_primary`: the interface's state does not fault the
    /// instance.
    pub dont_track_primary: bool,
    /// `check_unicast_src`: adverts from addresses that are no
    /// `unicast_peer` are dropped.
    pub check_unicast_src: bool,
    /// Every statement of the block.
    pub settings: Vec<Setting>,
}

/// What a virtual server listens on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum VsTarget {
    /// `IP PORT`.
    Addr(IpAddr, u16),
    /// `fwmark N`.
    Fwmark(u32),
    /// `group NAME`.
    Group(String),
}

/// `virtual_server_group NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualServerGroup {
    /// The name.
    pub name: Spanned<String>,
    /// The member lines.
    pub members: Vec<Setting>,
}

/// A scheduler (`lb_algo`/`lvs_sched`).
pub const LB_ALGOS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos",
];

/// A forwarding method (`lb_kind`/`lvs_method`).
pub const LB_KINDS: &[&str] = &["NAT", "DR", "TUN"];

/// `virtual_server ... { ... }`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualServer {
    /// What it listens on.
    pub target: Spanned<VsTarget>,
    /// `lb_algo`/`lvs_sched`.
    pub lb_algo: Option<Spanned<String>>,
    /// `lb_kind`/`lvs_method`.
    pub lb_kind: Option<Spanned<String>>,
    /// `protocol` (TCP, UDP, SCTP).
    pub protocol: Option<Spanned<String>>,
    /// `persistence_timeout` in seconds.
    pub persistence_timeout: Option<Spanned<u32>>,
    /// `persistence_granularity` (netmask).
    pub persistence_granularity: Option<Spanned<String>>,
    /// `delay_loop` in seconds.
    pub delay_loop: Option<Spanned<f64>>,
    /// `quorum`.
    pub quorum: Option<Spanned<u32>>,
    /// `hysteresis`.
    pub hysteresis: Option<Spanned<u32>>,
    /// `weight`: the weight of the real servers that do not set their own
    /// (1 when absent).
    pub weight: Option<Spanned<i32>>,
    /// `sorry_server IP PORT`.
    pub sorry_server: Option<Spanned<String>>,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// `alpha`.
    pub alpha: bool,
    /// `omega`.
    pub omega: bool,
    /// `persistence_engine` (`sip`).
    pub persistence_engine: Option<Spanned<String>>,
    /// `ha_suspend`: suspend checks while the address is not up.
    pub ha_suspend: bool,
    /// `ops`: one-packet scheduling (UDP).
    pub ops: bool,
    /// Scheduler flags: `flag-1`..`flag-3`, `sh-port`, `sh-fallback`,
    /// `mh-port`, `mh-fallback`.
    pub sched_flags: Vec<Spanned<String>>,
    /// `virtualhost`: default for HTTP_GET/SSL_GET.
    pub virtualhost: Option<Spanned<String>>,
    /// `smtp_alert [BOOL]`.
    pub smtp_alert: Option<Spanned<bool>>,
    /// `snmp_name`.
    pub snmp_name: Option<Spanned<String>>,
    /// `quorum_up` script.
    pub quorum_up: Option<Box<ScriptCommand>>,
    /// `quorum_down` script.
    pub quorum_down: Option<Box<ScriptCommand>>,
    /// `ip_family` (`inet` or `inet6`).
    pub ip_family: Option<Spanned<String>>,
    /// `sorry_server_inhibit`.
    pub sorry_server_inhibit: bool,
    /// `sorry_server_lvs_method`.
    pub sorry_server_lvs_method: Option<Spanned<String>>,
    /// Checker defaults: `connect_timeout`, `retry`, `delay_before_retry`,
    /// `warmup` (`delay_loop` is [`VirtualServer::delay_loop`]). Servers
    /// that set none share one empty value.
    pub check_defaults: Arc<ConnectOptions>,
    /// `real_server` blocks.
    pub real_servers: Vec<RealServer>,
    /// The statements no typed field holds (unknown keywords, keywords
    /// without a typed field, values that could not be read), in order.
    pub settings: Vec<Setting>,
}

/// `real_server IP [PORT] { ... }`.
///
/// What most real servers have is held inline; the options few set
/// (`lvs_method`, `notify_up`, thresholds, ...) are in one boxed
/// [`RealServerOptions`], read with accessors ([`RealServer::lvs_method`], ...).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RealServer {
    /// The address.
    pub address: Spanned<IpAddr>,
    /// The port.
    pub port: Option<u16>,
    /// `weight`.
    pub weight: Option<Spanned<i32>>,
    /// `inhibit_on_failure [BOOL]`.
    pub inhibit_on_failure: bool,
    /// The options few real servers set (`None` when none is).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub options: Option<Box<RealServerOptions>>,
    /// Checker defaults: `alpha`, `connect_timeout`, `retry`,
    /// `delay_before_retry`, `warmup`, `delay_loop`. Servers that set none
    /// share one empty value (most real servers set none).
    pub check_defaults: Arc<ConnectOptions>,
    /// The health checkers.
    pub checkers: Vec<Checker>,
    /// The statements no typed field holds (unknown keywords, keywords
    /// without a typed field, values that could not be read), in order.
    pub settings: Vec<Setting>,
}

/// The options of a `real_server` that few set.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RealServerOptions {
    /// `lvs_method` (default: the virtual server's).
    pub lvs_method: Option<Spanned<String>>,
    /// `notify_up` script.
    pub notify_up: Option<ScriptCommand>,
    /// `notify_down` script.
    pub notify_down: Option<ScriptCommand>,
    /// `uthreshold`: maximum connections.
    pub uthreshold: Option<Spanned<u32>>,
    /// `lthreshold`: minimum connections.
    pub lthreshold: Option<Spanned<u32>>,
    /// `smtp_alert [BOOL]`.
    pub smtp_alert: Option<Spanned<bool>>,
    /// `virtualhost`: default for HTTP_GET/SSL_GET.
    pub virtualhost: Option<Spanned<String>>,
}

impl RealServer {
    /// The rarely set options, created empty on first use.
    pub fn options_mut(&mut self) -> &mut RealServerOptions {
        self.options.get_or_insert_with(Box::default)
    }

    /// `lvs_method` (default: the virtual server's).
    pub fn lvs_method(&self) -> Option<&Spanned<String>> {
        self.options.as_ref()?.lvs_method.as_ref()
    }

    /// `notify_up` script.
    pub fn notify_up(&self) -> Option<&ScriptCommand> {
        self.options.as_ref()?.notify_up.as_ref()
    }

    /// `notify_down` script.
    pub fn notify_down(&self) -> Option<&ScriptCommand> {
        self.options.as_ref()?.notify_down.as_ref()
    }

    /// `uthreshold`: maximum connections.
    pub fn uthreshold(&self) -> Option<&Spanned<u32>> {
        self.options.as_ref()?.uthreshold.as_ref()
    }

    /// `lthreshold`: minimum connections.
    pub fn lthreshold(&self) -> Option<&Spanned<u32>> {
        self.options.as_ref()?.lthreshold.as_ref()
    }

    /// `smtp_alert [BOOL]`.
    pub fn smtp_alert(&self) -> Option<&Spanned<bool>> {
        self.options.as_ref()?.smtp_alert.as_ref()
    }

    /// `virtualhost`: default for HTTP_GET/SSL_GET.
    pub fn virtualhost(&self) -> Option<&Spanned<String>> {
        self.options.as_ref()?.virtualhost.as_ref()
    }
}

/// The checker blocks of a real server.
pub const CHECKERS: &[&str] = &[
    "TCP_CHECK",
    "HTTP_GET",
    "SSL_GET",
    "MISC_CHECK",
    "SMTP_CHECK",
    "DNS_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
    "BFD_CHECK",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A big configuration has a real server and a checker per line group:
    /// their sizes are the model's memory. They only grow on purpose.
    #[test]
    fn real_servers_and_checkers_stay_small() {
        assert_eq!(size_of::<Span>(), 12);
        assert_eq!(size_of::<ConnectOption>(), 40);
        assert_eq!(size_of::<ConnectOptions>(), 40);
        assert!(size_of::<Checker>() <= 96, "{}", size_of::<Checker>());
        assert!(
            size_of::<RealServer>() <= 128,
            "{}",
            size_of::<RealServer>()
        );
    }

    #[test]
    fn checker_kinds_read_back_from_their_keywords() {
        for k in CheckerKind::ALL {
            assert_eq!(CheckerKind::from_keyword(k.keyword()), Some(k));
        }
        assert_eq!(CheckerKind::ALL.map(CheckerKind::keyword), CHECKERS);
        assert_eq!(CheckerKind::from_keyword("tcp_check"), None);
    }
}
