//! `virtual_server`, `real_server` and checker blocks.

use super::{Builder, check};
use crate::diagnostic::Diagnostic;
use crate::keepalived::keywords as kw;
use crate::keepalived::model::*;

impl Builder {
    fn port(&mut self, a: Option<&Spanned<String>>, what: &str, at: &Setting) -> Option<u16> {
        let Some(a) = a else {
            self.diags.push(
                Diagnostic::error("K0120", format!("{what} has no port"))
                    .with_label(at.span, "")
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

    pub(super) fn virtual_server(&mut self, s: &Setting) -> Option<VirtualServer> {
        let first = self.arg(s)?.clone();
        let target = match first.value.as_str() {
            "fwmark" => {
                VsTarget::Fwmark(self.int::<u32>(&shifted(s), 1, i64::from(u32::MAX))?.value)
            }
            "group" => VsTarget::Group(self.string(&shifted(s))?.value),
            _ => {
                let ip = self.ip(&first)?.value;
                let port = self.port(s.args.get(1), "virtual_server", s)?;
                VsTarget::Addr(ip, port)
            }
        };
        let mut vs = VirtualServer {
            target: Spanned {
                value: target,
                span: s.span,
            },
            lb_algo: None,
            lb_kind: None,
            protocol: None,
            persistence_timeout: None,
            persistence_granularity: None,
            delay_loop: None,
            quorum: None,
            hysteresis: None,
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
            check_defaults: ConnectOptions::default(),
            real_servers: Vec::new(),
            settings: Vec::new(),
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "lb_algo" | "lvs_sched" => vs.lb_algo = self.choice(&x, LB_ALGOS),
                "lb_kind" | "lvs_method" => {
                    vs.lb_kind = self.choice(&x, LB_KINDS);
                    if let Some(extra) = x.args.get(1)
                        && vs.lb_kind.as_ref().is_some_and(|k| k.value != "TUN")
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0126",
                                format!("`{}` takes no option after NAT or DR", x.keyword.value),
                            )
                            .with_label(extra.span, "keepalived: invalid tunnel option")
                            .with_help("only `TUN` takes options (type, port, checksum)"),
                        );
                    }
                }
                "protocol" => vs.protocol = self.choice(&x, &["TCP", "UDP", "SCTP"]),
                "persistence_timeout" => vs.persistence_timeout = self.int(&x, 1, 86_400 * 31),
                "persistence_granularity" => {
                    vs.persistence_granularity = self.string(&x);
                    if let Some(g) = vs.persistence_granularity.clone() {
                        self.ip(&g);
                    }
                }
                "delay_loop" => vs.delay_loop = self.timer(&x, 86_400.0),
                "quorum" => vs.quorum = self.int(&x, 1, i64::from(u32::MAX)),
                "hysteresis" => vs.hysteresis = self.int(&x, 0, i64::from(u32::MAX)),
                "sorry_server" => {
                    let words: Vec<&str> = x.args.iter().map(|a| a.value.as_str()).collect();
                    if let Some(a) = self.arg(&x).cloned() {
                        self.ip(&a);
                        vs.sorry_server = Some(Spanned {
                            value: words.join(" "),
                            span: a.span,
                        });
                    }
                }
                "inhibit_on_failure" => vs.inhibit_on_failure = true,
                "alpha" => vs.alpha = true,
                "omega" => vs.omega = true,
                "persistence_engine" => vs.persistence_engine = self.string(&x),
                "ha_suspend" => vs.ha_suspend = true,
                "ops" => vs.ops = true,
                "flag-1" | "flag-2" | "flag-3" | "sh-port" | "sh-fallback" | "mh-port"
                | "mh-fallback" => vs.sched_flags.push(x.keyword.clone()),
                "virtualhost" => vs.virtualhost = self.string(&x),
                "smtp_alert" => vs.smtp_alert = self.flag(&x),
                "snmp_name" => vs.snmp_name = self.string(&x),
                "quorum_up" => vs.quorum_up = self.script_command(&x),
                "quorum_down" => vs.quorum_down = self.script_command(&x),
                "ip_family" => vs.ip_family = self.choice(&x, &["inet", "inet6"]),
                "sorry_server_inhibit" => vs.sorry_server_inhibit = true,
                "sorry_server_lvs_method" => {
                    vs.sorry_server_lvs_method = self.choice(&x, LB_KINDS);
                }
                "connect_timeout" | "retry" | "delay_before_retry" | "warmup" => {
                    self.common_option(&mut vs.check_defaults, &x, check::Common::Timing);
                }
                "real_server" => {
                    if let Some(rs) = self.real_server(&x) {
                        vs.real_servers.push(rs);
                    }
                }
                k if kw::VS.contains(&k) => {}
                _ => self.unknown(&x, kw::VS, "virtual_server"),
            }
            vs.settings.push(x);
        }
        Some(vs)
    }

    pub(super) fn choice(&mut self, x: &Setting, allowed: &[&str]) -> Option<Spanned<String>> {
        let a = self.arg(x)?;
        if allowed.contains(&a.value.as_str()) {
            return Some(a.clone());
        }
        let mut d = Diagnostic::error(
            "K0122",
            format!("`{}` is not a valid {}", a.value, x.keyword.value),
        )
        .with_label(a.span, format!("expected one of: {}", allowed.join(", ")));
        if let Some(k) = kw::suggest(&a.value, allowed) {
            d = d.with_help(format!("did you mean `{k}`?"));
        }
        self.diags.push(d);
        None
    }

    fn real_server(&mut self, s: &Setting) -> Option<RealServer> {
        let first = self.arg(s)?.clone();
        let address = self.ip(&first)?;
        let port = match s.args.get(1) {
            Some(p) => Some(self.port(Some(p), "real_server", s)?),
            None => None,
        };
        let mut rs = RealServer {
            address,
            port,
            weight: None,
            inhibit_on_failure: false,
            lvs_method: None,
            notify_up: None,
            notify_down: None,
            uthreshold: None,
            lthreshold: None,
            smtp_alert: None,
            virtualhost: None,
            check_defaults: ConnectOptions::default(),
            checkers: Vec::new(),
            settings: Vec::new(),
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "weight" => rs.weight = self.int(&x, 0, i64::from(i32::MAX)),
                "inhibit_on_failure" => {
                    rs.inhibit_on_failure = self.flag(&x).is_some_and(|f| f.value);
                }
                "lvs_method" => rs.lvs_method = self.choice(&x, LB_KINDS),
                "notify_up" => rs.notify_up = self.script_command(&x),
                "notify_down" => rs.notify_down = self.script_command(&x),
                "uthreshold" => rs.uthreshold = self.int(&x, 0, i64::from(u32::MAX)),
                "lthreshold" => rs.lthreshold = self.int(&x, 0, i64::from(u32::MAX)),
                "smtp_alert" => rs.smtp_alert = self.flag(&x),
                "virtualhost" => rs.virtualhost = self.string(&x),
                "alpha" | "connect_timeout" | "retry" | "delay_before_retry" | "warmup"
                | "delay_loop" => {
                    self.common_option(&mut rs.check_defaults, &x, check::Common::Timing);
                }
                k if CHECKERS.contains(&k) => {
                    if let Some(kind) = CheckerKind::from_keyword(k) {
                        rs.checkers.push(self.checker(&x, kind));
                    }
                }
                k if kw::RS.contains(&k) => {}
                _ => self.unknown(&x, kw::RS, "real_server"),
            }
            rs.settings.push(x);
        }
        Some(rs)
    }
}

/// The statement with its first argument dropped (`fwmark N` → `N`).
fn shifted(s: &Setting) -> Setting {
    Setting {
        keyword: s.args.first().cloned().unwrap_or_else(|| s.keyword.clone()),
        args: s.args.iter().skip(1).cloned().collect(),
        block: None,
        span: s.span,
    }
}
