//! `vrrp_instance` blocks.

use super::Builder;
use crate::diagnostic::Diagnostic;
use crate::keepalived::keywords as kw;
use crate::keepalived::model::*;
use crate::source::Span;

/// keepalived's limit for GARP delays: `UINT_MAX / TIMER_HZ` seconds.
const GARP_DELAY_MAX: i64 = 4294;
const U32_MAX: i64 = u32::MAX as i64;

/// What is wrong with `s`, a `use_vmac` word with a `:` (keepalived takes
/// every such word for a MAC address), as keepalived 2.2.7 reads it: hex
/// octets of one or two digits separated by `:`, five (the sixth is then
/// the VRID) or six of them (any more are ignored); not multicast, not
/// the VRRP MAC of RFC 5798 (`00:00:5e:00:01:XX`/`00:00:5e:00:02:XX`).
fn mac_problem(s: &str) -> Option<&'static str> {
    if !s.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
        return Some("is not a MAC address");
    }
    const BAD: Option<&str> = Some("is not a MAC address");
    let parts: Vec<&str> = s.split(':').collect();
    let mut octets = [0u8; 6];
    for (j, octet) in octets.iter_mut().enumerate() {
        let Some(p) = parts.get(j).filter(|p| (1..=2).contains(&p.len())) else {
            return BAD;
        };
        *octet = u8::from_str_radix(p, 16).ok()?;
        // Whether a `:` follows this octet.
        let more = j + 1 < parts.len();
        if !more && j < 4 {
            return BAD;
        }
        // Five octets (and perhaps a final `:`): the sixth is the VRID.
        if j == 4 && (!more || (parts.len() == 6 && parts[5].is_empty())) {
            break;
        }
        if !more {
            break;
        }
    }
    if octets[0] & 1 == 1 {
        return Some("is a multicast address");
    }
    if octets[..4] == [0, 0, 0x5e, 0] && matches!(octets[4], 1 | 2) {
        return Some("is the VRRP MAC address of RFC 5798");
    }
    None
}

impl Builder {
    pub(super) fn instance(&mut self, s: &Setting) -> VrrpInstance {
        let mut v = VrrpInstance {
            name: self.name(s),
            ..VrrpInstance::default()
        };
        let mut xmit_base_at = None;
        // The instance's address family: set by the first of
        // unicast_src_ip, a unicast peer and a virtual address, in file
        // order (whether it is IPv6, and where it was set).
        let mut family: Option<(bool, crate::source::Span)> = None;
        let mut vrf_at = None;
        let mut ipvlan_at: Option<Setting> = None;
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "state" => {
                    if let Some(a) = self.arg(&x) {
                        let st = match a.value {
                            "MASTER" => Some(State::Master),
                            "BACKUP" => Some(State::Backup),
                            _ => None,
                        };
                        match st {
                            Some(value) => {
                                v.state = Some(Spanned {
                                    value,
                                    span: a.span,
                                });
                            }
                            None => self.diags.push(
                                Diagnostic::error("K0110", format!("unknown state `{}`", a.value))
                                    .with_label(a.span, "expected MASTER or BACKUP")
                                    .with_help(
                                        "write `state MASTER` or `state BACKUP` (upper case)",
                                    ),
                            ),
                        }
                    }
                }
                "interface" => v.interface = self.string(&x),
                "virtual_router_id" => v.virtual_router_id = self.int(&x, 1, 255),
                "priority" => v.priority = self.int(&x, 1, 255),
                "advert_int" => {
                    v.advert_int = self.timer(&x, 255.0);
                    if let Some(a) = v.advert_int.as_ref().filter(|a| a.value < 0.01) {
                        self.diags.push(
                            Diagnostic::error(
                                "K0112",
                                format!("advert_int {} is below 0.01 seconds", a.value),
                            )
                            .with_label(a.span, "must be 0.01-255")
                            .with_help("use an interval from 0.01 to 255 seconds (1 is usual)"),
                        );
                        v.advert_int = None;
                    }
                }
                "version" => v.version = self.int(&x, 2, 3),
                "authentication" => v.authentication = Some(self.auth(&x)),
                "virtual_ipaddress" => {
                    v.virtual_ipaddress = self.vips(&x);
                    for vip in &v.virtual_ipaddress {
                        let v6 = vip.address.value.is_ipv6();
                        match family {
                            None => family = Some((v6, vip.address.span)),
                            Some((f, at)) if f != v6 => self.diags.push(
                                Diagnostic::warning("K0215", format!("address family of {} does not match vrrp_instance {}", vip.address.value, v.name.value))
                                    .with_label(vip.address.span, "keepalived ignores this address")
                                    .with_label(at, "this address sets the instance's family")
                                    .with_help("put IPv4 and IPv6 addresses in separate instances (or in virtual_ipaddress_excluded)"),
                            ),
                            Some(_) => {}
                        }
                    }
                }
                "virtual_ipaddress_excluded" => v.virtual_ipaddress_excluded = self.vips(&x),
                "virtual_routes" => v.virtual_routes = x.block.clone().unwrap_or_default(),
                "unicast_src_ip" => {
                    if let Some(a) = self.arg(&x) {
                        v.unicast_src_ip = self.ip(a);
                    }
                    if let Some(ip) = v.unicast_src_ip.clone() {
                        self.same_family(&mut family, &ip, "unicast_src_ip");
                    }
                }
                "unicast_peer" => {
                    for e in x.block.iter().flatten() {
                        if let Some(ip) = self.ip(e.keyword.as_arg()) {
                            self.peer_options(e);
                            if self.same_family(&mut family, &ip, "unicast peer") {
                                v.unicast_peer.push(ip);
                            }
                        }
                    }
                }
                k if k.starts_with("track_") && k != "track_src_ip" => {
                    self.track_weights(&x);
                    Self::tracks(&x, &mut v.tracks);
                }
                "nopreempt" => v.nopreempt = true,
                "native_ipv6" => match family {
                    Some((false, at)) => self.diags.push(
                        Diagnostic::error("K0161", "native_ipv6 in an IPv4 instance")
                            .with_label(x.keyword.span, "keepalived ignores it")
                            .with_label(at, "this address makes the instance IPv4")
                            .with_help("remove native_ipv6, or give the instance IPv6 addresses"),
                    ),
                    _ => {
                        v.native_ipv6 = true;
                        family.get_or_insert((true, x.keyword.span));
                    }
                },
                "preempt_delay" => v.preempt_delay = self.timer(&x, 1000.0),
                "garp_master_delay" => v.garp_master_delay = self.int(&x, 0, GARP_DELAY_MAX),
                "garp_master_repeat" => v.garp_master_repeat = self.repeat(&x),
                "garp_master_refresh" => v.garp_master_refresh = self.int(&x, 0, U32_MAX),
                "garp_master_refresh_repeat" => {
                    v.garp_master_refresh_repeat = self.repeat(&x);
                }
                "garp_lower_prio_delay" => {
                    v.garp_lower_prio_delay = self.int(&x, 0, GARP_DELAY_MAX);
                }
                "garp_lower_prio_repeat" => v.garp_lower_prio_repeat = self.int(&x, 0, U32_MAX),
                "use_vmac" => {
                    // keepalived 2.2.7 reads the first two words in order: one
                    // with a `:` is the MAC, another the interface name; an
                    // instance gets one of each, over all its use_vmac lines.
                    for a in x.args.iter().take(2) {
                        if a.value.contains(':') {
                            self.vmac_address(&mut v, a);
                        } else {
                            self.vmac_name(&mut v, a);
                        }
                    }
                    if v.use_vmac.is_none() {
                        v.use_vmac = Some(Spanned {
                            value: String::new(),
                            span: x.keyword.span,
                        });
                    }
                }
                "vmac_xmit_base" => {
                    v.vmac_xmit_base = true;
                    xmit_base_at = Some(x.keyword.span);
                }
                "accept" | "no_accept" => {
                    let on = x.keyword.value == "accept";
                    v.accept |= on;
                    v.accept_mode = Some(Spanned {
                        value: on,
                        span: x.keyword.span,
                    });
                }
                "strict_mode" => v.strict_mode = self.strict_mode(&x),
                "dont_track_primary" => v.dont_track_primary = true,
                "check_unicast_src" => v.check_unicast_src = true,
                k if (k.starts_with("notify_") || k == "notify")
                    && k != "notify_priority_changes" =>
                {
                    if v.notify.iter().any(|n| n.kind == k) {
                        self.diags.push(
                            Diagnostic::warning("K0153", format!("{k} is given twice"))
                                .with_label(x.keyword.span, "keepalived ignores this script")
                                .with_help(format!(
                                    "keep one {k}; a script can run several commands"
                                )),
                        );
                    } else {
                        self.notify(&x, &mut v.notify);
                    }
                }
                "debug" => {
                    self.int::<u8>(&x, 0, 4);
                }
                "down_timer_adverts" => {
                    self.int::<u8>(&x, 1, 100);
                }
                "kernel_rx_buf_size" => {
                    if let Some(extra) = x.args.get(1) {
                        self.diags.push(
                            Diagnostic::error("K0176", "kernel_rx_buf_size takes one value")
                                .with_label(extra.span, "keepalived ignores the line")
                                .with_help("write `kernel_rx_buf_size BYTES`"),
                        );
                    }
                    self.int::<i64>(&x, 0, i64::MAX);
                }
                "garp_extra_if" => self.instance_garp_extra_if(&x),
                "higher_prio_send_advert"
                | "lower_prio_no_advert"
                | "skip_check_adv_addr"
                | "smtp_alert"
                | "notify_priority_changes" => {
                    self.flag(&x);
                }
                "linkbeat_use_polling" => self.diags.push(
                    Diagnostic::warning("K0162", "linkbeat_use_polling in a vrrp_instance is deprecated")
                        .with_label(x.keyword.span, "keepalived warns")
                        .with_help("list the interface in a global `linkbeat_interfaces { IFACE }` block instead"),
                ),
                "old_unicast_checksum" => {
                    if let Some(a) = x.args.first().filter(|a| a.value != "never") {
                        self.diags.push(
                            Diagnostic::error(
                                "K0163",
                                format!("unknown old_unicast_checksum mode `{}`", a.value),
                            )
                            .with_label(a.span, "keepalived ignores it")
                            .with_help("write `old_unicast_checksum` or `old_unicast_checksum never`"),
                        );
                    }
                }
                "mcast_src_ip" => {
                    if let Some(ip) = self.arg(&x).and_then(|a| self.ip(a)) {
                        self.same_family(&mut family, &ip, "mcast_src_ip");
                    }
                }
                "mcast_dst_ip" => {
                    if let Some(ip) = self.arg(&x).and_then(|a| self.ip(a)) {
                        if !ip.value.is_multicast() {
                            self.diags.push(
                                Diagnostic::error(
                                    "K0164",
                                    format!("mcast_dst_ip {} is not a multicast address", ip.value),
                                )
                                .with_label(ip.span, "keepalived skips it")
                                .with_help("use a multicast group, e.g. 224.0.0.18 or ff02::12"),
                            );
                        } else {
                            self.same_family(&mut family, &ip, "mcast_dst_ip");
                        }
                    }
                }
                "vrf" => {
                    self.arg(&x);
                    vrf_at = Some(x.keyword.span);
                }
                "use_ipvlan" if ipvlan_at.is_some() => self.diags.push(
                    Diagnostic::error("K0177", "use_ipvlan given twice")
                        .with_label(x.keyword.span, "keepalived ignores it")
                        .with_help("give the instance one use_ipvlan line"),
                ),
                "use_ipvlan" => ipvlan_at = Some(x.clone()),
                k if kw::INSTANCE.contains(&k) => {}
                _ => self.unknown(&x, kw::INSTANCE, "vrrp_instance"),
            }
            v.settings.push(x);
        }
        if let (Some(at), Some(iface)) = (vrf_at, &v.interface) {
            self.diags.push(
                Diagnostic::error("K0165", "vrf and interface in one instance")
                    .with_label(at, "keepalived clears the vrf")
                    .with_label(iface.span, "the instance's interface")
                    .with_help("use `vrf NAME` alone (the instance then runs on the VRF), or `interface` alone"),
            );
        }
        if let Some(x) = ipvlan_at
            && !family.is_some_and(|(v6, _)| v6)
            && !x.args.iter().any(|a| {
                a.value
                    .split('/')
                    .next()
                    .is_some_and(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
            })
        {
            self.diags.push(
                Diagnostic::error("K0166", "an IPv4 use_ipvlan needs an address")
                    .with_label(
                        x.keyword.span,
                        "keepalived puts the instance in FAULT state",
                    )
                    .with_help(
                        "write `use_ipvlan [NAME] ADDRESS/PREFIX`, e.g. `use_ipvlan 198.18.0.5/24`",
                    ),
            );
        }
        self.instance_checks(&v, xmit_base_at);
        v
    }

    /// What keepalived says about the instance as a whole once it is read.
    fn instance_checks(&mut self, v: &VrrpInstance, xmit_base_at: Option<crate::source::Span>) {
        if let Some(at) = xmit_base_at
            && v.use_vmac.is_none()
        {
            self.diags.push(
                Diagnostic::error("K0150", "vmac_xmit_base without use_vmac")
                    .with_label(at, "keepalived: only valid with a vmac")
                    .with_help("add `use_vmac`, or remove vmac_xmit_base"),
            );
        }
        if let Some(vmac) = &v.use_vmac
            && !v.unicast_peer.is_empty()
            && !v.vmac_xmit_base
        {
            self.diags.push(
                Diagnostic::warning("K0151", "use_vmac with unicast_peer needs vmac_xmit_base")
                    .with_label(vmac.span, "keepalived sets vmac_xmit_base")
                    .with_help("add `vmac_xmit_base` to the instance"),
            );
        }
        if let Some(own) = &v.interface {
            for t in v
                .tracks
                .iter()
                .filter(|t| t.kind == "track_interface" && t.name.value == own.value)
            {
                self.diags.push(
                    Diagnostic::warning(
                        "K0155",
                        format!(
                            "track_interface {} is the instance's own interface",
                            own.value
                        ),
                    )
                    .with_label(t.name.span, "keepalived ignores it")
                    .with_help("remove the entry: the instance already tracks its interface"),
                );
            }
        }
    }

    /// Whether `ip` is of the instance's address family (which it sets
    /// when none is set yet); an error when not: keepalived skips it.
    fn same_family(
        &mut self,
        family: &mut Option<(bool, crate::source::Span)>,
        ip: &Spanned<std::net::IpAddr>,
        what: &str,
    ) -> bool {
        let v6 = ip.value.is_ipv6();
        match *family {
            None => {
                *family = Some((v6, ip.span));
                true
            }
            Some((f, _)) if f == v6 => true,
            Some((_, at)) => {
                self.diags.push(
                    Diagnostic::error(
                        "K0156",
                        format!(
                            "{what} {} is not of the instance's address family",
                            ip.value
                        ),
                    )
                    .with_label(ip.span, "keepalived skips it")
                    .with_label(at, "this address sets the instance's family")
                    .with_help("use addresses of one family (IPv4 or IPv6) in an instance"),
                );
                false
            }
        }
    }

    /// The options after a unicast peer's address: `min_ttl N`, `max_ttl N`
    /// (0-255, the minimum not above the maximum).
    fn peer_options(&mut self, e: &Setting) {
        let mut ttl = [None, None];
        for pair in e.args.chunks(2) {
            let name = &pair[0];
            let Some(value) = pair.get(1) else {
                self.diags.push(
                    Diagnostic::error(
                        "K0157",
                        format!("unicast peer option {} has no value", name.value),
                    )
                    .with_label(name.span, "keepalived: missing a value")
                    .with_help("write `min_ttl N` or `max_ttl N` with N from 0 to 255"),
                );
                continue;
            };
            match value.value.parse::<u8>() {
                Ok(n) => match name.value.as_str() {
                    "min_ttl" => ttl[0] = Some((n, value.span)),
                    "max_ttl" => ttl[1] = Some((n, value.span)),
                    _ => self.diags.push(
                        Diagnostic::error(
                            "K0157",
                            format!("unknown unicast peer option `{}`", name.value),
                        )
                        .with_label(name.span, "keepalived does not know this option")
                        .with_help("the options are min_ttl N and max_ttl N"),
                    ),
                },
                Err(_) => self.diags.push(
                    Diagnostic::error("K0157", format!("`{}` is not a TTL", value.value))
                        .with_label(value.span, "expected 0-255")
                        .with_help("use a whole number from 0 to 255"),
                ),
            }
        }
        if let [Some((min, _)), Some((max, at))] = ttl
            && min > max
        {
            self.diags.push(
                Diagnostic::error("K0157", format!("min_ttl {min} is above max_ttl {max}"))
                    .with_label(at, "keepalived: all packets will be discarded")
                    .with_help("make min_ttl at most max_ttl"),
            );
        }
    }

    /// The entries of a `track_interface`, `track_script` or `track_file`
    /// block: `NAME [weight N [reverse]]`, nothing else; the weight is -253
    /// to 253 (-254 to 254 for a file).
    fn track_weights(&mut self, x: &Setting) {
        let kind = x.keyword.value.as_str();
        let max: i64 = match kind {
            "track_interface" | "track_script" => 253,
            "track_file" => 254,
            _ => return,
        };
        for e in x.block.iter().flatten() {
            let name = &e.keyword.value;
            let Some(first) = e.args.first() else {
                continue;
            };
            if first.value != "weight" {
                self.diags.push(
                    Diagnostic::error(
                        "K0128",
                        format!("unknown {kind} option `{}` for {name}", first.value),
                    )
                    .with_label(first.span, "keepalived ignores the entry")
                    .with_help(format!("write `{name}` or `{name} weight N [reverse]`")),
                );
                continue;
            }
            let Some(w) = e.args.get(1) else {
                self.diags.push(
                    Diagnostic::error("K0154", format!("weight without a value for {name}"))
                        .with_label(first.span, "keepalived ignores the entry")
                        .with_help(format!("write `weight N` with N from -{max} to {max}")),
                );
                continue;
            };
            match w.value.parse::<i64>() {
                Ok(n) if max == 253 && n.abs() == 254 => self.diags.push(
                    Diagnostic::warning("K0154", format!("weight {n} for {name} is out of range"))
                        .with_label(w.span, "keepalived sets it to +/-253")
                        .with_help("use a weight from -253 to 253"),
                ),
                Ok(n) if n.abs() <= max => {}
                _ => self.diags.push(
                    Diagnostic::error(
                        "K0154",
                        format!("`{}` is not a valid weight for {name}", w.value),
                    )
                    .with_label(w.span, "keepalived ignores the entry")
                    .with_help(format!("use a whole number from -{max} to {max}")),
                ),
            }
            if let Some(o) = e.args.get(2).filter(|o| o.value != "reverse") {
                self.diags.push(
                    Diagnostic::error("K0128", format!("unknown weight option `{}`", o.value))
                        .with_label(o.span, "only `reverse` may follow the weight")
                        .with_help("write `weight N` or `weight N reverse`"),
                );
            }
        }
    }

    /// `strict_mode [on|off|true|false|yes|no]`; no value is on.
    fn strict_mode(&mut self, x: &Setting) -> Option<Spanned<bool>> {
        let Some(a) = x.args.first() else {
            return Some(Spanned {
                value: true,
                span: x.keyword.span,
            });
        };
        let value = match a.value.as_str() {
            "on" | "true" | "yes" => true,
            "off" | "false" | "no" => false,
            other => {
                self.diags.push(
                    Diagnostic::error("K0149", format!("invalid strict_mode `{other}`"))
                        .with_label(a.span, "keepalived ignores this value")
                        .with_help("write `strict_mode`, `strict_mode on` or `strict_mode off`"),
                );
                return None;
            }
        };
        Some(Spanned {
            value,
            span: a.span,
        })
    }

    /// A GARP repeat count (`garp_master_repeat`, `..._refresh_repeat` and
    /// their `vrrp_` forms): 0 is kept (it counts as 1) but keepalived
    /// reports it.
    fn repeat(&mut self, x: &Setting) -> Option<Spanned<u32>> {
        let v = self.int::<u32>(x, 0, U32_MAX)?;
        if v.value == 0 {
            self.diags.push(
                Diagnostic::warning(
                    "K0103",
                    format!("{} must be greater than 0", x.keyword.value),
                )
                .with_label(v.span, "keepalived uses 1")
                .with_help("use 1 or more"),
            );
        }
        Some(v)
    }

    /// A `vrrp_garp_*` statement of `global_defs`; `false` for those without
    /// a typed field.
    pub(super) fn global_garp(&mut self, x: &Setting, g: &mut GlobalDefs) -> bool {
        match x.keyword.value.as_str() {
            "vrrp_garp_master_delay" => {
                g.vrrp_garp_master_delay = self.int(x, 0, GARP_DELAY_MAX);
            }
            "vrrp_garp_master_repeat" => g.vrrp_garp_master_repeat = self.repeat(x),
            "vrrp_garp_master_refresh" => g.vrrp_garp_master_refresh = self.int(x, 0, U32_MAX),
            "vrrp_garp_master_refresh_repeat" => {
                g.vrrp_garp_master_refresh_repeat = self.repeat(x);
            }
            "vrrp_garp_lower_prio_delay" => {
                g.vrrp_garp_lower_prio_delay = self.int(x, 0, GARP_DELAY_MAX);
            }
            "vrrp_garp_lower_prio_repeat" => {
                g.vrrp_garp_lower_prio_repeat = self.int(x, 0, U32_MAX);
            }
            _ => return false,
        }
        true
    }

    fn auth(&mut self, x: &Setting) -> Authentication {
        let mut a = Authentication {
            auth_type: None,
            auth_pass: None,
        };
        for e in self.block(x) {
            match e.keyword.value.as_str() {
                "auth_type" => {
                    if let Some(t) = self.arg(&e) {
                        let value = match t.value {
                            "PASS" => Some(AuthType::Pass),
                            "AH" => Some(AuthType::Ah),
                            _ => None,
                        };
                        match value {
                            Some(value) => {
                                a.auth_type = Some(Spanned {
                                    value,
                                    span: t.span,
                                });
                            }
                            None => self.diags.push(
                                Diagnostic::error(
                                    "K0111",
                                    format!("unknown auth_type `{}`", t.value),
                                )
                                .with_label(t.span, "expected PASS or AH")
                                .with_help("write `auth_type PASS` or `auth_type AH`"),
                            ),
                        }
                    }
                }
                "auth_pass" => a.auth_pass = self.string(&e),
                _ => self.unknown(&e, kw::AUTH, "authentication"),
            }
        }
        a
    }

    fn vips(&mut self, x: &Setting) -> Vec<VirtualIp> {
        if let Some(extra) = x.args.first() {
            self.diags.push(
                Diagnostic::error(
                    "K0278",
                    format!("`{}` takes no words before its `{{`", x.keyword.value),
                )
                .with_label(extra.span, "keepalived: block has extra parameters")
                .with_help(format!("write `{} {{` alone on the line", x.keyword.value)),
            );
        }
        let mut out = Vec::new();
        for e in x.block.iter().flatten() {
            let Some(address) = self.ip(e.keyword.as_arg()) else {
                continue;
            };
            let prefix: Option<u8> = e
                .keyword
                .value
                .split_once('/')
                .and_then(|(_, p)| p.parse().ok());
            let max = if address.value.is_ipv6() { 128 } else { 32 };
            if let Some((_, p)) = e.keyword.value.split_once('/')
                && prefix.is_none_or(|n| n > max)
            {
                self.diags.push(
                    Diagnostic::error(
                        "K0113",
                        format!("prefix length /{p} is not valid for {}", address.value),
                    )
                    .with_label(e.keyword.span, format!("must be 0-{max}"))
                    .with_help(format!("use a prefix length from 0 to {max}")),
                );
            }
            self.vip_options(e, &address.value, prefix);
            let opt = |name: &str| {
                e.args
                    .iter()
                    .position(|a| a.value == name)
                    .and_then(|i| e.args.get(i + 1))
                    .map(|a| a.value.clone())
            };
            out.push(VirtualIp {
                address,
                prefix,
                dev: opt("dev"),
                scope: opt("scope"),
                label: opt("label"),
                brd: opt("brd"),
                span: e.span,
            });
        }
        out
    }
}

impl Builder {
    /// The MAC address word of `use_vmac`. A bad address stays in the model
    /// (as written), with its error.
    fn vmac_address(&mut self, v: &mut VrrpInstance, a: &Spanned<String>) {
        if v.use_vmac_mac
            .as_ref()
            .is_some_and(|m| mac_problem(&m.value).is_none())
        {
            self.diags.push(
                Diagnostic::error(
                    "K0159",
                    format!("use_vmac gives a second MAC address `{}`", a.value),
                )
                .with_label(
                    a.span,
                    "keepalived: VMAC interface address already specified",
                )
                .with_help("give the instance one MAC address"),
            );
            return;
        }
        if let Some(why) = mac_problem(&a.value) {
            self.diags.push(
                Diagnostic::error("K0158", format!("use_vmac address `{}` {why}", a.value))
                    .with_label(a.span, "keepalived ignores it")
                    .with_help("write a unicast MAC address: six hex octets separated by `:` (or five: the sixth is then the VRID)"),
            );
        }
        v.use_vmac_mac = Some(a.clone());
    }

    /// The interface name word of `use_vmac`.
    fn vmac_name(&mut self, v: &mut VrrpInstance, a: &Spanned<String>) {
        if v.use_vmac.as_ref().is_some_and(|n| !n.value.is_empty()) {
            self.diags.push(
                Diagnostic::error(
                    "K0152",
                    format!("use_vmac names a second interface `{}`", a.value),
                )
                .with_label(a.span, "keepalived: VMAC interface name already specified")
                .with_help("write `use_vmac [NAME] [MAC]` with one name per instance"),
            );
        } else if let Some(why) = interface_name_problem(&a.value) {
            self.diags.push(
                Diagnostic::error(
                    "K0160",
                    format!("use_vmac interface name `{}` {why}", a.value),
                )
                .with_label(
                    a.span,
                    "keepalived ignores it and names the interface vrrp.VRID",
                )
                .with_help("use at most 15 characters, without `/` or spaces, and not `.` or `..`"),
            );
        } else {
            v.use_vmac = Some(a.clone());
        }
    }
}

/// Why the kernel would refuse `name` for a network interface, if it would
/// (keepalived checks with the kernel's own rule).
fn interface_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name == "." || name == ".." {
        Some("is not a name")
    } else if name.len() >= 16 {
        Some("is longer than 15 characters")
    } else if name.contains(|c: char| c == '/' || c == ':' || c.is_ascii_whitespace()) {
        Some("has a `/`, `:` or a space")
    } else {
        None
    }
}

impl Builder {
    /// `garp_extra_if [all] SECONDS`: each word is `all` or a delay of up to
    /// a day.
    fn instance_garp_extra_if(&mut self, x: &Setting) {
        if x.args.is_empty() {
            self.diags.push(
                Diagnostic::error("K0167", "garp_extra_if needs a delay")
                    .with_label(x.keyword.span, "keepalived ignores it")
                    .with_help("write `garp_extra_if SECONDS` or `garp_extra_if all SECONDS`"),
            );
        }
        for a in x.args.iter().filter(|a| a.value != "all") {
            if !a.value.parse::<u32>().is_ok_and(|d| d <= 86_400) {
                self.diags.push(
                    Diagnostic::error(
                        "K0167",
                        format!(
                            "garp_extra_if delay `{}` is not 0 to 86400 seconds",
                            a.value
                        ),
                    )
                    .with_label(a.span, "keepalived ignores it")
                    .with_help("write `garp_extra_if SECONDS` or `garp_extra_if all SECONDS`"),
                );
            }
        }
    }
}

impl Builder {
    /// The options after a virtual address, as keepalived 2.2.7 reads them:
    /// an unknown word is reported and the next one read; an option without
    /// its value, or a second `dev`, drops the address.
    fn vip_options(&mut self, e: &Setting, address: &std::net::IpAddr, prefix: Option<u8>) {
        let v6 = address.is_ipv6();
        let full = if v6 { 128 } else { 32 };
        let prefix = prefix.unwrap_or(full);
        let problem = |me: &mut Self, at: Span, message: String, help: &str| {
            me.diags.push(
                Diagnostic::error("K0115", message)
                    .with_label(at, "keepalived ignores it")
                    .with_help(help.to_owned()),
            );
        };
        let (mut dev, mut peer, mut brd) = (false, false, None);
        let mut k = 0;
        while let Some(a) = e.args.get(k) {
            let word = a.value.as_str();
            let takes_value = matches!(
                word,
                "dev" | "scope" | "broadcast" | "brd" | "label" | "peer" | "preferred_lft"
            );
            if !takes_value {
                if !matches!(
                    word,
                    "home"
                        | "-nodad"
                        | "mngtmpaddr"
                        | "noprefixroute"
                        | "autojoin"
                        | "no_track"
                        | "use_vmac"
                ) {
                    problem(
                        self,
                        a.span,
                        format!("unknown option `{word}` for a virtual address"),
                        "options are dev, scope, brd, label, peer, preferred_lft, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, use_vmac",
                    );
                }
                k += 1;
                continue;
            }
            let Some(v) = e.args.get(k + 1) else {
                self.diags.push(
                    Diagnostic::error("K0173", format!("`{word}` needs a value"))
                        .with_label(a.span, "keepalived drops this address")
                        .with_help(format!("write `{word} VALUE`, or remove it")),
                );
                return;
            };
            match word {
                "dev" if dev => {
                    self.diags.push(
                        Diagnostic::error("K0173", "a virtual address with two devices")
                            .with_label(a.span, "keepalived drops this address")
                            .with_help("give one `dev` per address"),
                    );
                    return;
                }
                "dev" => dev = true,
                "scope" => {
                    let named = matches!(
                        v.value.as_str(),
                        "global" | "nowhere" | "host" | "link" | "site"
                    );
                    if !named && v.value.parse::<u8>().is_err() {
                        problem(
                            self,
                            v.span,
                            format!("`{}` is not a scope", v.value),
                            "use global, site, link, host, nowhere or a number from 0 to 255",
                        );
                    } else if v6 {
                        problem(
                            self,
                            a.span,
                            "an IPv6 address has no scope".into(),
                            "remove the scope",
                        );
                    }
                }
                "label" if v6 => {
                    problem(
                        self,
                        a.span,
                        "an IPv6 address has no label".into(),
                        "remove the label",
                    );
                }
                "broadcast" | "brd" if v6 => {
                    self.diags.push(
                        Diagnostic::error("K0173", "an IPv6 address has no broadcast address")
                            .with_label(a.span, "keepalived drops this address")
                            .with_help("remove the broadcast"),
                    );
                    return;
                }
                "broadcast" | "brd" => {
                    if v.value != "+"
                        && v.value != "-"
                        && v.value.parse::<std::net::Ipv4Addr>().is_err()
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0173",
                                format!("`{}` is not a broadcast address", v.value),
                            )
                            .with_label(v.span, "keepalived drops this address")
                            .with_help("write an IPv4 address, `+` (all ones) or `-` (all zeros)"),
                        );
                        return;
                    }
                    brd = Some((a.span, v.value == "+" || v.value == "-"));
                }
                "peer" if peer => problem(
                    self,
                    v.span,
                    "a virtual address with two peers".into(),
                    "give one `peer` per address",
                ),
                "peer" => {
                    // A bare address: keepalived reads no prefix here.
                    match v.value.parse::<std::net::IpAddr>() {
                        Err(_) => problem(
                            self,
                            v.span,
                            format!("`{}` is not a peer address", v.value),
                            "write the peer's address without a prefix, e.g. `peer 198.18.0.2`",
                        ),
                        Ok(p) if p.is_ipv6() != v6 => problem(
                            self,
                            v.span,
                            format!("peer {} is not of the address's family", v.value),
                            "use a peer of the same family",
                        ),
                        Ok(_) => {
                            peer = true;
                            if prefix != full {
                                problem(
                                    self,
                                    e.keyword.span,
                                    "a virtual address with a peer takes its prefix from the peer"
                                        .into(),
                                    "write the address without a prefix, and the prefix on the peer",
                                );
                            }
                        }
                    }
                }
                "preferred_lft" if v.value != "forever" && v.value.parse::<u32>().is_err() => {
                    problem(
                        self,
                        v.span,
                        format!("`{}` is not a preferred_lft", v.value),
                        "write `forever` or a number of seconds",
                    );
                }
                _ => {}
            }
            k += 2;
        }
        match brd {
            Some((at, _)) if peer => problem(
                self,
                at,
                "a virtual address with both a peer and a broadcast address".into(),
                "remove the broadcast address",
            ),
            Some((at, true)) if prefix > 30 => problem(
                self,
                at,
                format!("no broadcast address for a /{prefix}"),
                "use `brd +` or `brd -` with a prefix of 30 or shorter",
            ),
            _ => {}
        }
    }
}
