//! `virtual_server`, `real_server` and checker blocks.

use super::Builder;
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

    fn choice(&mut self, x: &Setting, allowed: &[&str]) -> Option<Spanned<String>> {
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
            checkers: Vec::new(),
            settings: Vec::new(),
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "weight" => rs.weight = self.int(&x, 0, i64::from(i32::MAX)),
                "inhibit_on_failure" => rs.inhibit_on_failure = true,
                k if CHECKERS.contains(&k) => rs.checkers.push(self.checker(&x)),
                k if kw::RS.contains(&k) => {}
                _ => self.unknown(&x, kw::RS, "real_server"),
            }
            rs.settings.push(x);
        }
        Some(rs)
    }

    fn checker(&mut self, s: &Setting) -> Checker {
        let kind = s.keyword.value.as_str();
        let mut c = Checker {
            kind: s.keyword.clone(),
            connect_ip: None,
            connect_port: None,
            connect_timeout: None,
            retry: None,
            delay_before_retry: None,
            urls: Vec::new(),
            misc_path: None,
            settings: Vec::new(),
        };
        let specific = kw::checker_specific(kind);
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "connect_ip" => {
                    if let Some(a) = self.arg(&x).cloned() {
                        c.connect_ip = self.ip(&a);
                    }
                }
                "connect_port" => c.connect_port = self.int(&x, 1, 65_535),
                "connect_timeout" => c.connect_timeout = self.timer(&x, 86_400.0),
                "retry" | "nb_get_retry" => c.retry = self.int(&x, 0, i64::from(u32::MAX)),
                "delay_before_retry" => c.delay_before_retry = self.timer(&x, 86_400.0),
                "url" if specific.contains(&"url") => c.urls.push(self.url(&x)),
                "misc_timeout" if kind == "MISC_CHECK" => {
                    self.int::<u32>(&x, 0, i64::from(u32::MAX));
                }
                "type" if kind == "DNS_CHECK" => {
                    self.choice(&x, &["A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"]);
                }
                "misc_path" if kind == "MISC_CHECK" => {
                    let words: Vec<&str> = x.args.iter().map(|a| a.value.as_str()).collect();
                    if let Some(a) = self.arg(&x) {
                        c.misc_path = Some(Spanned {
                            value: words.join(" "),
                            span: a.span,
                        });
                    }
                }
                k if kw::CHECK_COMMON.contains(&k) || specific.contains(&k) => {}
                _ => {
                    let known: Vec<&str> =
                        kw::CHECK_COMMON.iter().chain(specific).copied().collect();
                    self.unknown(&x, &known, kind);
                }
            }
            c.settings.push(x);
        }
        c
    }

    fn url(&mut self, s: &Setting) -> Url {
        let mut u = Url {
            path: None,
            digest: None,
            status_code: None,
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "path" => u.path = self.string(&x),
                "digest" => {
                    u.digest = self.string(&x);
                    if let Some(d) = &u.digest
                        && (d.value.len() != 32 || !d.value.chars().all(|c| c.is_ascii_hexdigit()))
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0125",
                                format!("digest `{}` is not 32 hex digits", d.value),
                            )
                            .with_label(d.span, "expected an MD5 digest")
                            .with_help("use the output of `genhash` (32 hexadecimal characters)"),
                        );
                    }
                }
                "status_code" => {
                    u.status_code = self.string(&x);
                    if let Some(sc) = &u.status_code {
                        let ok = sc
                            .value
                            .split('-')
                            .all(|p| p.parse::<u16>().is_ok_and(|n| (100..=599).contains(&n)));
                        if !ok {
                            self.diags.push(
                                Diagnostic::error(
                                    "K0124",
                                    format!("`{}` is not an HTTP status code", sc.value),
                                )
                                .with_label(sc.span, "expected 100-599 or a range like 200-299")
                                .with_help("use a status code such as 200"),
                            );
                        }
                    }
                }
                k if kw::URL.contains(&k) => {}
                _ => self.unknown(&x, kw::URL, "url"),
            }
        }
        u
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
