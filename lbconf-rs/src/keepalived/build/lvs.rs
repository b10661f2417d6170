//! `virtual_server` and `real_server` blocks, read straight from the
//! statement views. A statement is kept in `settings` only when no typed
//! field holds it: unknown keywords, keywords without a typed field, and
//! values that could not be read (or carry more than the field holds).

use super::{Builder, check};
use crate::diagnostic::Diagnostic;
use crate::keepalived::keywords as kw;
use crate::keepalived::model::*;
use crate::keepalived::tree::{Arg, Stmt, View};
use crate::source::Span;

/// A statement with its first argument as keyword (`fwmark N` → `N`).
#[derive(Clone, Copy)]
struct Shifted<S>(S);

impl<'a, S: Stmt<'a>> Stmt<'a> for Shifted<S> {
    fn keyword(self) -> Arg<'a> {
        self.0.arg(0).unwrap_or_else(|| self.0.keyword())
    }
    fn arg(self, i: usize) -> Option<Arg<'a>> {
        self.0.arg(i + 1)
    }
    fn nargs(self) -> usize {
        self.0.nargs().saturating_sub(1)
    }
    fn span(self) -> Span {
        self.0.span()
    }
    fn has_block(self) -> bool {
        false
    }
}

/// Sets a rarely set option of `rs` (boxing the options only for a value);
/// whether there was a value.
fn rare<T>(
    rs: &mut RealServer,
    field: fn(&mut RealServerOptions) -> &mut Option<T>,
    value: Option<T>,
) -> bool {
    let held = value.is_some();
    if held || rs.options.is_some() {
        *field(rs.options_mut()) = value;
    }
    held
}

/// The empty checker defaults every server without its own shares.
fn no_defaults() -> std::sync::Arc<ConnectOptions> {
    static EMPTY: std::sync::LazyLock<std::sync::Arc<ConnectOptions>> =
        std::sync::LazyLock::new(Default::default);
    std::sync::Arc::clone(&EMPTY)
}

impl Builder {
    fn port(&mut self, a: Option<Arg<'_>>, what: &str, at: Span) -> Option<u16> {
        let Some(a) = a else {
            self.diags.push(
                Diagnostic::error("K0120", format!("{what} has no port"))
                    .with_label(at, "")
                    .with_help("write the address and the port, e.g. `198.18.0.10 80`"),
            );
            return None;
        };
        match a.value.parse::<u16>() {
            Ok(p) => Some(p),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error("K0121", format!("`{}` is not a port", a.value))
                        .with_label(a.span, "expected 0-65535")
                        .with_help("use a port number from 0 to 65535"),
                );
                None
            }
        }
    }

    /// `lb_kind`/`lvs_method`/`sorry_server_lvs_method`: `NAT`, `DR`, or
    /// `TUN` with tunnel options; true when the statement is fully held by
    /// the value (no tunnel options).
    fn lvs_method(&mut self, x: View<'_>, out: &mut Option<Spanned<String>>) -> bool {
        *out = self.choice(x, LB_KINDS);
        if let Some(extra) = x.arg(1)
            && out.as_ref().is_some_and(|k| k.value != "TUN")
        {
            self.diags.push(
                Diagnostic::error(
                    "K0126",
                    format!("`{}` takes no option after NAT or DR", x.keyword().value),
                )
                .with_label(extra.span, "keepalived: invalid tunnel option")
                .with_help("only `TUN` takes options (type, port, checksum)"),
            );
        }
        if out.as_ref().is_some_and(|k| k.value == "TUN") {
            self.tunnel_options(x);
        }
        out.is_some() && x.nargs() == 1
    }

    /// `TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`: the type is
    /// ipip unless given; a gue tunnel needs a port (1-65535) and the others
    /// take none; ipip has no checksum and gre no remote checksum (the last
    /// checksum word holds).
    fn tunnel_options(&mut self, x: View<'_>) {
        let bad = |me: &mut Self, at: Span, message: String| {
            me.diags.push(
                Diagnostic::error("K0126", message)
                    .with_label(at, "keepalived: invalid tunnel option")
                    .with_help("write `TUN [type ipip|gre|gue port N] [nocsum|csum|remcsum]`"),
            );
        };
        let (mut kind, mut port, mut csum) = ("ipip", None, None);
        let mut i = 1;
        while let Some(a) = x.arg(i) {
            match a.value {
                "type" => match x.arg(i + 1) {
                    Some(t) if matches!(t.value, "ipip" | "gue" | "gre") => {
                        kind = t.value;
                        i += 1;
                    }
                    Some(t) => {
                        return bad(self, t.span, format!("`{}` is not a tunnel type", t.value));
                    }
                    None => return bad(self, a.span, "`type` without a tunnel type".into()),
                },
                "port" => match x.arg(i + 1) {
                    Some(p) if p.value.parse::<u16>().is_ok_and(|p| p != 0) => {
                        port = Some(a.span);
                        i += 1;
                    }
                    Some(p) => {
                        return bad(
                            self,
                            p.span,
                            format!("`{}` is not a tunnel port (1-65535)", p.value),
                        );
                    }
                    None => return bad(self, a.span, "`port` without a port".into()),
                },
                "nocsum" | "csum" | "remcsum" => csum = Some(a),
                _ => {
                    return bad(
                        self,
                        a.span,
                        format!("`{}` is not a valid tunnel option", a.value),
                    );
                }
            }
            i += 1;
        }
        match (kind, port) {
            ("gue", None) => bad(self, x.keyword().span, "a gue tunnel needs a port".into()),
            (k, Some(at)) if k != "gue" => bad(self, at, format!("an {k} tunnel takes no port")),
            _ => {}
        }
        match (kind, csum) {
            ("ipip", Some(c)) if c.value != "nocsum" => {
                bad(self, c.span, "an ipip tunnel has no checksum".into());
            }
            ("gre", Some(c)) if c.value == "remcsum" => {
                bad(self, c.span, "a gre tunnel has no remote checksum".into());
            }
            _ => {}
        }
    }

    /// keepalived keeps the first `notify_up`/`quorum_up`/... and reports
    /// the others (kept raw in `settings`).
    /// A real server's `notify_up` or `notify_down` (`field`): the first
    /// one holds, another is reported ([`Builder::script_twice`]).
    fn rare_script(
        &mut self,
        x: View<'_>,
        rs: &mut RealServer,
        field: fn(&mut RealServerOptions) -> &mut Option<ScriptCommand>,
    ) -> bool {
        if rs
            .options
            .as_deref_mut()
            .is_some_and(|o| field(o).is_some())
        {
            self.script_twice(x);
            return false;
        }
        let c = self.script_command(x);
        let held = c.is_some();
        if held {
            *field(rs.options_mut()) = c;
        }
        held
    }

    fn script_twice(&mut self, x: View<'_>) {
        let k = x.keyword();
        self.diags.push(
            Diagnostic::error("K0136", format!("{} is given twice", k.value))
                .with_label(k.span, "keepalived ignores this one")
                .with_help(format!("keep one `{}`", k.value)),
        );
    }

    /// `sorry_server_inhibit`/`sorry_server_lvs_method` must follow a
    /// `sorry_server`.
    fn after_sorry_server(&mut self, x: View<'_>, have: bool) {
        if !have {
            let k = x.keyword();
            self.diags.push(
                Diagnostic::warning(
                    "K0137",
                    format!("{} without a sorry_server before it", k.value),
                )
                .with_label(k.span, "keepalived ignores it")
                .with_help("put `sorry_server ADDRESS PORT` before it"),
            );
        }
    }

    pub(super) fn virtual_server(&mut self, s: View<'_>) -> Option<VirtualServer> {
        let first = self.arg(s)?;
        let target = match first.value {
            "fwmark" => {
                VsTarget::Fwmark(self.int::<u32>(Shifted(s), 0, i64::from(u32::MAX))?.value)
            }
            "group" => VsTarget::Group(self.string(Shifted(s))?.value),
            _ => {
                let ip = self.ip(first)?.value;
                // Without a port the service is on port 0 (persistent only).
                let port = match s.arg(1) {
                    Some(p) => self.port(Some(p), "virtual_server", s.span())?,
                    None => 0,
                };
                VsTarget::Addr(ip, port)
            }
        };
        let (children, blocks) = self.children_and_blocks(s);
        let mut vs = VirtualServer {
            target: Spanned {
                value: target,
                span: s.span(),
            },
            lb_algo: None,
            lb_kind: None,
            protocol: None,
            persistence_timeout: None,
            persistence_granularity: None,
            delay_loop: None,
            quorum: None,
            hysteresis: None,
            weight: None,
            sorry_server: None,
            inhibit_on_failure: false,
            alpha: false,
            omega: false,
            persistence_engine: None,
            ha_suspend: false,
            ops: false,
            sched_flags: Vec::new(),
            virtualhost: None,
            smtp_alert: None,
            snmp_name: None,
            quorum_up: None,
            quorum_down: None,
            ip_family: None,
            sorry_server_inhibit: false,
            sorry_server_lvs_method: None,
            check_defaults: no_defaults(),
            // Sized once: growing and then shrinking would copy every server.
            // Real servers are the statements with a block (other blocks
            // are rare: the spare room is given back at the end).
            real_servers: Vec::with_capacity(blocks),
            settings: Vec::new(),
        };
        for x in children {
            let typed = match x.keyword().value {
                "lb_algo" | "lvs_sched" => {
                    vs.lb_algo = self.choice(x, LB_ALGOS);
                    vs.lb_algo.is_some()
                }
                "lb_kind" | "lvs_method" => self.lvs_method(x, &mut vs.lb_kind),
                "protocol" => {
                    // keepalived compares without case; the model holds it
                    // in upper case.
                    vs.protocol = match x.arg(0) {
                        Some(p)
                            if ["TCP", "UDP", "SCTP"]
                                .iter()
                                .any(|k| k.eq_ignore_ascii_case(p.value)) =>
                        {
                            Some(Spanned {
                                value: p.value.to_ascii_uppercase(),
                                span: p.span,
                            })
                        }
                        _ => self.choice(x, &["TCP", "UDP", "SCTP"]),
                    };
                    vs.protocol.is_some()
                }
                "persistence_timeout" if x.nargs() == 0 => {
                    // keepalived's default: IPVS_SVC_PERSISTENT_TIMEOUT.
                    vs.persistence_timeout = Some(Spanned {
                        value: 360,
                        span: x.keyword().span,
                    });
                    true
                }
                "persistence_timeout" => {
                    vs.persistence_timeout = self.int(x, 1, 86_400 * 31);
                    vs.persistence_timeout.is_some()
                }
                "persistence_granularity" => {
                    vs.persistence_granularity = self.string(x);
                    let v6 = match &vs.target.value {
                        VsTarget::Addr(ip, _) => Some(ip.is_ipv6()),
                        _ => vs.ip_family.as_ref().map(|f| f.value == "inet6"),
                    };
                    match x.arg(0) {
                        Some(g) => self.granularity(g, v6),
                        None => false,
                    }
                }
                "delay_loop" => {
                    vs.delay_loop = self.timer(x, check::TIMER_MAX);
                    vs.delay_loop.is_some()
                }
                "quorum" => {
                    vs.quorum = self.int(x, 1, i64::from(u32::MAX));
                    vs.quorum.is_some()
                }
                "hysteresis" => {
                    vs.hysteresis = self.int(x, 0, i64::from(u32::MAX));
                    vs.hysteresis.is_some()
                }
                "weight" => {
                    vs.weight = self.int(x, 1, i64::from(i32::MAX));
                    vs.weight.is_some()
                }
                "sorry_server" => match self.arg(x) {
                    Some(a) => {
                        let mut ok = self.ip(a).is_some();
                        if let Some(p) = x.arg(1) {
                            ok &= self.port(Some(p), "sorry_server", x.span()).is_some();
                        }
                        let words: Vec<&str> = x.args().map(|a| a.value).collect();
                        vs.sorry_server = Some(Spanned {
                            value: words.join(" "),
                            span: a.span,
                        });
                        ok
                    }
                    None => false,
                },
                "inhibit_on_failure" => {
                    vs.inhibit_on_failure = true;
                    x.nargs() == 0
                }
                "alpha" => {
                    vs.alpha = true;
                    x.nargs() == 0
                }
                "omega" => {
                    vs.omega = true;
                    x.nargs() == 0
                }
                "persistence_engine" => {
                    vs.persistence_engine = self.string(x);
                    vs.persistence_engine.is_some()
                }
                "ha_suspend" => {
                    vs.ha_suspend = true;
                    x.nargs() == 0
                }
                "ops" => {
                    vs.ops = true;
                    x.nargs() == 0
                }
                "sh-port" | "sh-fallback" | "mh-port" | "mh-fallback"
                    if !vs
                        .lb_algo
                        .as_ref()
                        .is_some_and(|a| a.value == "sh" || a.value == "mh") =>
                {
                    self.diags.push(
                        Diagnostic::error(
                            "K0168",
                            format!("{} needs the sh or mh scheduler", x.keyword().value),
                        )
                        .with_label(x.keyword().span, "keepalived ignores it")
                        .with_help("set `lb_algo sh` (or mh) before this line"),
                    );
                    false
                }
                "flag-1" | "flag-2" | "flag-3" | "sh-port" | "sh-fallback" | "mh-port"
                | "mh-fallback" => {
                    // A flag with arguments is kept raw only.
                    if x.nargs() == 0 {
                        vs.sched_flags.push(x.keyword().owned());
                    }
                    x.nargs() == 0
                }
                "virtualhost" => {
                    vs.virtualhost = self.string(x);
                    vs.virtualhost.is_some()
                }
                "smtp_alert" => {
                    vs.smtp_alert = self.flag(x);
                    vs.smtp_alert.is_some()
                }
                "snmp_name" => {
                    vs.snmp_name = self.string(x);
                    if x.nargs() > 1 {
                        self.diags.push(
                            Diagnostic::error("K0135", "snmp_name takes one word")
                                .with_label(x.span(), "keepalived: extra parameters")
                                .with_help("quote a name that has blanks"),
                        );
                    }
                    vs.snmp_name.is_some() && x.nargs() == 1
                }
                "quorum_up" => {
                    if vs.quorum_up.is_some() {
                        self.script_twice(x);
                        false
                    } else {
                        vs.quorum_up = self.script_command(x).map(Box::new);
                        vs.quorum_up.is_some()
                    }
                }
                "quorum_down" => {
                    if vs.quorum_down.is_some() {
                        self.script_twice(x);
                        false
                    } else {
                        vs.quorum_down = self.script_command(x).map(Box::new);
                        vs.quorum_down.is_some()
                    }
                }
                "ip_family" => {
                    vs.ip_family = self.choice(x, &["inet", "inet6"]);
                    vs.ip_family.is_some()
                }
                "sorry_server_inhibit" => {
                    self.after_sorry_server(x, vs.sorry_server.is_some());
                    vs.sorry_server_inhibit = true;
                    x.nargs() == 0
                }
                "sorry_server_lvs_method" => {
                    self.after_sorry_server(x, vs.sorry_server.is_some());
                    self.lvs_method(x, &mut vs.sorry_server_lvs_method)
                }
                "connect_timeout" | "retry" | "delay_before_retry" | "warmup" => {
                    self.common_option(
                        std::sync::Arc::make_mut(&mut vs.check_defaults),
                        x,
                        check::Common::Server,
                    ) == Some(true)
                }
                "real_server" => match self.real_server(x) {
                    Some(rs) => {
                        vs.real_servers.push(rs);
                        true
                    }
                    None => false,
                },
                k if kw::VS.contains(&k) => false,
                _ => {
                    self.unknown(x, kw::VS, "virtual_server");
                    false
                }
            };
            if !typed {
                vs.settings.push(x.to_setting());
            }
        }
        vs.real_servers.shrink_to_fit();
        vs.settings.shrink_to_fit();
        Some(vs)
    }

    pub(super) fn choice<'a>(
        &mut self,
        x: impl Stmt<'a>,
        allowed: &[&str],
    ) -> Option<Spanned<String>> {
        let a = self.arg(x)?;
        if allowed.contains(&a.value) {
            return Some(a.owned());
        }
        let mut d = Diagnostic::error(
            "K0122",
            format!("`{}` is not a valid {}", a.value, x.keyword().value),
        )
        .with_label(a.span, format!("expected one of: {}", allowed.join(", ")));
        if let Some(k) = kw::suggest(a.value, allowed) {
            d = d.with_help(format!("did you mean `{k}`?"));
        }
        self.diags.push(d);
        None
    }

    fn real_server(&mut self, s: View<'_>) -> Option<RealServer> {
        let first = self.arg(s)?;
        let address = self.ip(first)?;
        let port = match s.arg(1) {
            Some(p) => Some(self.port(Some(p), "real_server", s.span())?),
            None => None,
        };
        let (children, blocks) = self.children_and_blocks(s);
        let mut rs = RealServer {
            address,
            port,
            weight: None,
            inhibit_on_failure: false,
            options: None,
            check_defaults: no_defaults(),
            // Checkers are the statements with a block.
            checkers: Vec::with_capacity(blocks),
            settings: Vec::new(),
        };
        for x in children {
            let typed = match x.keyword().value {
                "weight" => {
                    rs.weight = self.int(x, 0, i64::from(i32::MAX));
                    rs.weight.is_some()
                }
                "inhibit_on_failure" => match self.flag(x) {
                    Some(f) => {
                        rs.inhibit_on_failure = f.value;
                        x.nargs() == 0
                    }
                    None => false,
                },
                "lvs_method" => {
                    let mut m = None;
                    let held = self.lvs_method(x, &mut m);
                    rare(&mut rs, |o| &mut o.lvs_method, m);
                    held
                }
                "notify_up" => self.rare_script(x, &mut rs, |o| &mut o.notify_up),
                "notify_down" => self.rare_script(x, &mut rs, |o| &mut o.notify_down),
                "uthreshold" => rare(
                    &mut rs,
                    |o| &mut o.uthreshold,
                    self.int(x, 0, i64::from(u32::MAX)),
                ),
                "lthreshold" => rare(
                    &mut rs,
                    |o| &mut o.lthreshold,
                    self.int(x, 0, i64::from(u32::MAX)),
                ),
                "smtp_alert" => rare(&mut rs, |o| &mut o.smtp_alert, self.flag(x)),
                "virtualhost" => rare(&mut rs, |o| &mut o.virtualhost, self.string(x)),
                "alpha" | "connect_timeout" | "retry" | "delay_before_retry" | "warmup"
                | "delay_loop" => {
                    self.common_option(
                        std::sync::Arc::make_mut(&mut rs.check_defaults),
                        x,
                        check::Common::Server,
                    ) == Some(true)
                }
                k => match CheckerKind::from_keyword(k) {
                    Some(kind) => {
                        rs.checkers.push(self.checker(x, kind));
                        true
                    }
                    None if kw::RS.contains(&k) => false,
                    None => {
                        self.unknown(x, kw::RS, "real_server");
                        false
                    }
                },
            };
            if !typed {
                rs.settings.push(x.to_setting());
            }
        }
        rs.checkers.shrink_to_fit();
        rs.settings.shrink_to_fit();
        Some(rs)
    }
}

impl Builder {
    /// `persistence_granularity`: a netmask for IPv4 (any address inet_aton
    /// reads, as keepalived asks getaddrinfo for), a prefix length of 1 to
    /// 128 for IPv6; a service of no family yet takes a word with a `.` for
    /// IPv4. Whether it was read.
    fn granularity(&mut self, g: Arg<'_>, v6: Option<bool>) -> bool {
        let v6 = v6.unwrap_or(!g.value.contains('.'));
        let ok = if v6 {
            g.value.parse::<u8>().is_ok_and(|p| (1..=128).contains(&p))
        } else {
            inet_aton(g.value).is_some()
        };
        if !ok {
            self.diags.push(
                Diagnostic::error(
                    "K0169",
                    format!("`{}` is not a persistence_granularity", g.value),
                )
                .with_label(g.span, "keepalived ignores it")
                .with_help(if v6 {
                    "for IPv6 write a prefix length from 1 to 128"
                } else {
                    "for IPv4 write a netmask, e.g. 255.255.255.0"
                }),
            );
        }
        ok
    }
}

/// An IPv4 address as inet_aton reads it: one to four numbers (decimal,
/// octal with a leading 0, hex with 0x) separated by dots, the last filling
/// the remaining bytes.
fn inet_aton(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        let n = if let Some(hex) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse::<u32>().ok()?
        };
        if p.is_empty() || p.starts_with('+') {
            return None;
        }
        nums.push(n);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|&n| n > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 32 && *last >= 1 << rest_bits {
        return None;
    }
    let high = head.iter().fold(0u32, |acc, &n| (acc << 8) | n);
    Some(if head.is_empty() {
        *last
    } else {
        (high << rest_bits) | last
    })
}

#[cfg(test)]
mod tests {
    use super::inet_aton;

    #[test]
    fn inet_aton_reads_every_form() {
        assert_eq!(inet_aton("255.255.255.0"), Some(0xffff_ff00));
        assert_eq!(inet_aton("0"), Some(0));
        assert_eq!(inet_aton("1.5"), Some(0x0100_0005));
        assert_eq!(inet_aton("70000"), Some(70_000));
        assert_eq!(inet_aton("1.2.3"), Some(0x0102_0003));
        assert_eq!(inet_aton("1.256"), Some(0x0100_0100));
        assert_eq!(inet_aton("0x7f.1"), Some(0x7f00_0001));
        assert_eq!(inet_aton("010.0.0.1"), Some(0x0800_0001));
        for bad in [
            "x",
            "",
            "1..2",
            "256.1.1.1",
            "1.2.3.4.5",
            "1.16777216",
            "09",
            "1.2.3.256",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad}");
        }
    }
}
