//! `haproxy.cfg` `server ... check` lines → [`CheckSpec`]s. The mapping is
//! documented on the [parent module](super).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use lbconf::haproxy::{
    CheckRule, Config, Host, OptionPrefix, Proxy, ProxyOption, Section, SectionKind,
    ServerSettings, Spanned, Verify,
};
use lbconf::{Parsed, SourceMap, Span};

use super::ConvertError;

mod rules;
use crate::spec::{
    AgentCheck, CheckSpec, Connect, InitialState, Probe, SmtpCheck, SmtpHello, TcpRule, TcpSeq,
    Timing, Tls,
};

/// Which of a server's checks a spec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HaproxyCheckKind {
    /// The health check (`check`).
    Health,
    /// The agent check (`agent-check`), which sets weight and state.
    Agent,
}

/// One check of one HAProxy server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaproxyCheck {
    /// The `backend` or `listen` section's name.
    pub proxy: String,
    /// The server's name.
    pub server: String,
    /// Health or agent check.
    pub kind: HaproxyCheckKind,
    /// The server's `weight` (default 1).
    pub weight: u32,
    /// `backup`.
    pub backup: bool,
    /// `disabled` (HAProxy starts it in maintenance).
    pub disabled: bool,
    /// What to probe and when.
    pub spec: CheckSpec,
    /// The `server` line.
    pub span: Span,
}

/// The check options of a proxy, exclusive of each other: the last wins.
const CHECK_OPTIONS: &[&str] = &[
    "httpchk",
    "tcp-check",
    "smtpchk",
    "redis-check",
    "pgsql-check",
    "mysql-check",
    "ssl-hello-chk",
    "ldap-check",
    "spop-check",
    "external-check",
];

/// HAProxy's `inter`, `rise`, `fall` defaults and the agent's interval.
const DEFAULT_INTER: Duration = Duration::from_secs(2);
const DEFAULT_RISE: u32 = 2;
const DEFAULT_FALL: u32 = 3;

/// Every check of every `backend`/`listen` server with `check` or
/// `agent-check`, in file order (a server's health check before its agent
/// check).
///
/// # Errors
///
/// Every [`ConvertError`] found, when any part cannot be converted.
pub fn haproxy(parsed: &Parsed<Config>) -> Result<Vec<HaproxyCheck>, Vec<ConvertError>> {
    let config = &parsed.value;
    let sources = &parsed.sources;
    let spread = spread_checks(config);
    let verify_by_default = global(config, "ssl-server-verify").is_none_or(|v| v != "none");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut last_defaults = None;
    for (i, section) in config.sections.iter().enumerate() {
        let defaults = match &section.from {
            Some(from) => config.sections[..i].iter().rposition(|d| {
                d.kind == SectionKind::Defaults
                    && d.name.as_ref().is_some_and(|n| n.value == from.value)
            }),
            None => last_defaults,
        };
        if section.kind == SectionKind::Defaults {
            last_defaults = Some(i);
        }
        if !matches!(section.kind, SectionKind::Backend | SectionKind::Listen) {
            continue;
        }
        let Some(proxy) = &section.proxy else {
            continue;
        };
        let inherited = defaults.and_then(|d| config.sections[d].proxy.as_deref());
        let cx = ProxyCx {
            sources,
            section,
            proxy,
            inherited,
            spread,
            verify_by_default,
        };
        for server in &proxy.servers {
            match cx.server(server) {
                Ok(checks) => out.extend(checks),
                Err(e) => errors.extend(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A time in milliseconds, capped at HAProxy's largest timer (2^31 - 1 ms,
/// about 24.8 days) so that no deadline overflows.
fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms.min(i32::MAX as u64))
}

/// The first argument of the last `keyword` line of the `global` sections.
fn global<'a>(config: &'a Config, keyword: &str) -> Option<&'a str> {
    config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Global)
        .flat_map(|s| &s.statements)
        .filter(|st| st.keyword() == keyword)
        .filter_map(|st| st.word(1))
        .next_back()
}

/// The global `spread-checks` percentage (0 when unset).
fn spread_checks(config: &Config) -> u8 {
    global(config, "spread-checks")
        .and_then(|v| v.parse::<u8>().ok())
        .map_or(0, |p| p.min(50))
}

type RawOption = (Spanned<String>, Vec<Spanned<String>>);

struct ProxyCx<'a> {
    sources: &'a SourceMap,
    section: &'a Section,
    proxy: &'a Proxy,
    inherited: Option<&'a Proxy>,
    spread: u8,
    verify_by_default: bool,
}

/// The settings that apply to one server, in order of precedence from
/// lowest: the defaults section's `default-server` lines, the proxy's, the
/// `server` line.
struct Layers<'a> {
    settings: Vec<&'a ServerSettings>,
}

impl<'a> Layers<'a> {
    fn last<T>(&self, f: impl Fn(&'a ServerSettings) -> Option<T>) -> Option<T> {
        self.settings.iter().rev().find_map(|s| f(s))
    }

    /// The last occurrence of any of `names` among the raw options.
    fn raw(&self, names: &[&str]) -> Option<&'a RawOption> {
        self.settings.iter().rev().find_map(|s| {
            s.other_options
                .iter()
                .rev()
                .find(|(k, _)| names.contains(&k.value.as_str()))
        })
    }
}

impl<'a> ProxyCx<'a> {
    fn name(&self) -> &str {
        self.section.name.as_ref().map_or("", |n| n.value.as_str())
    }

    fn unsupported(&self, keyword: &str, span: Span, why: impl Into<String>) -> ConvertError {
        ConvertError::unsupported(self.sources, keyword, span, why)
    }

    fn invalid(&self, keyword: &str, span: Span, why: impl Into<String>) -> ConvertError {
        ConvertError::invalid(self.sources, keyword, span, why)
    }

    /// The proxy's own check option, else its defaults section's.
    fn check_option(&self) -> Option<&'a ProxyOption> {
        let find = |p: &'a Proxy| {
            p.options
                .iter()
                .rev()
                .find(|o| CHECK_OPTIONS.contains(&o.name.value.as_str()))
        };
        find(self.proxy)
            .or_else(|| self.inherited.and_then(find))
            .filter(|o| o.prefix == OptionPrefix::Set)
    }

    fn rules(&self, pick: impl Fn(&Proxy) -> &Vec<CheckRule>) -> &[CheckRule] {
        let own = pick(self.proxy);
        if own.is_empty() {
            self.inherited.map_or(&[][..], |d| pick(d).as_slice())
        } else {
            own
        }
    }

    fn timeout(&self, name: &str) -> Option<Duration> {
        let find = |p: &Proxy| {
            p.timeouts
                .iter()
                .rev()
                .find(|t| t.name.value == name)
                .and_then(|t| t.millis)
        };
        find(self.proxy)
            .or_else(|| self.inherited.and_then(find))
            .map(millis)
    }

    fn server(
        &self,
        server: &lbconf::haproxy::Server,
    ) -> Result<Vec<HaproxyCheck>, Vec<ConvertError>> {
        let layers = Layers {
            settings: self
                .inherited
                .into_iter()
                .flat_map(|d| d.default_servers.iter())
                .chain(self.proxy.default_servers.iter())
                .map(|d| &d.value)
                .chain(std::iter::once(&server.settings))
                .collect(),
        };
        let check = layers.last(|s| s.check).unwrap_or(false);
        let agent = layers.last(|s| s.agent_check).unwrap_or(false);
        if !check && !agent {
            return Ok(Vec::new());
        }
        let mut errors = Vec::new();
        for (k, _) in layers.settings.iter().flat_map(|s| &s.other_options) {
            let why = match k.value.as_str() {
                "check-send-proxy" => "the probes do not send a PROXY protocol header",
                "check-proto" => "the probes speak the protocol their check option says",
                "check-alpn" => "the TLS probe negotiates no ALPN protocol",
                "check-via-socks4" => "the probes connect directly, not through SOCKS4",
                _ => continue,
            };
            errors.push(self.unsupported(&k.value, k.span, why));
        }
        let target = match self.target(server, &layers) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let Some((target, connect)) = target else {
            return Err(errors);
        };
        let ms = |v: Option<u32>| v.map(|v| millis(u64::from(v)));
        let inter = ms(layers.last(|s| s.inter)).unwrap_or(DEFAULT_INTER);
        let timeout = match self.timeout("check") {
            Some(check) => self.timeout("connect").map_or(inter, |c| c.min(inter)) + check,
            None => inter,
        };
        let count = |v: Option<u32>, default: u32| v.unwrap_or(default);
        let mut timing = Timing {
            interval: inter,
            fastinter: ms(layers.last(|s| s.fastinter)),
            downinter: ms(layers.last(|s| s.downinter)),
            timeout,
            rise: count(layers.last(|s| s.rise), DEFAULT_RISE),
            fall: count(layers.last(|s| s.fall), DEFAULT_FALL),
            retry: 0,
            delay_before_retry: Duration::ZERO,
            // HAProxy spreads the first checks of its servers over `inter`.
            warmup: Some(inter),
            spread_percent: self.spread,
            initial: InitialState::Up,
            slowstart: ms(layers.last(|s| s.slowstart)).filter(|d| !d.is_zero()),
        };
        if let Some((k, args)) = layers.raw(&["init-state"]) {
            timing.initial = match args.first().map(|a| a.value.as_str()) {
                Some("fully-up") => InitialState::FullyUp,
                Some("up") => InitialState::Up,
                Some("down") => InitialState::Down,
                Some("fully-down") => InitialState::FullyDown,
                _ => {
                    errors.push(self.invalid(
                        &k.value,
                        k.span,
                        "expected fully-up, up, down or fully-down",
                    ));
                    InitialState::Up
                }
            };
        }
        let weight = layers.last(|s| s.weight).unwrap_or(1);
        let make = |kind, spec| HaproxyCheck {
            proxy: self.name().to_owned(),
            server: server.name.value.clone(),
            kind,
            weight,
            backup: layers.last(|s| s.backup).unwrap_or(false),
            disabled: layers.last(|s| s.disabled).unwrap_or(false),
            spec,
            span: server.span,
        };
        let mut out = Vec::new();
        if check {
            let tls = self.check_tls(&layers);
            if let Some(probe) = self.probe(connect.clone(), tls, &mut errors) {
                out.push(make(
                    HaproxyCheckKind::Health,
                    CheckSpec {
                        target,
                        probe,
                        timing: timing.clone(),
                    },
                ));
            }
        }
        if agent {
            match self.agent(server, &layers, target, &connect) {
                Ok((probe, interval)) => out.push(make(
                    HaproxyCheckKind::Agent,
                    CheckSpec {
                        target,
                        probe,
                        timing: Timing {
                            interval,
                            fastinter: None,
                            downinter: None,
                            timeout: interval,
                            rise: 1,
                            fall: 1,
                            warmup: Some(interval),
                            slowstart: None,
                            ..timing
                        },
                    },
                )),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The server's address (the spec's target) and where its checks
    /// connect (`addr`, `port`, `source`).
    fn target(
        &self,
        server: &lbconf::haproxy::Server,
        layers: &Layers<'_>,
    ) -> Result<(SocketAddr, Connect), ConvertError> {
        let Some(addr) = &server.address else {
            return Err(self.invalid("server", server.span, "the server has no usable address"));
        };
        let ip = self.ip(&addr.value.host, "server", addr.span)?;
        if addr.value.port_offset.is_some() {
            return Err(self.unsupported(
                "server",
                addr.span,
                "a port offset (+N/-N) follows the client's port; give the server a fixed port",
            ));
        }
        let check_port = layers
            .last(|s| s.port)
            .map(|p| u16::try_from(p).unwrap_or(0));
        let Some(port) = addr.value.port.or(check_port) else {
            return Err(self.invalid(
                "server",
                addr.span,
                "neither a service port nor a check `port`",
            ));
        };
        let target = SocketAddr::new(ip, port);
        let mut connect = Connect::default();
        let check_addr = match layers.raw(&["addr"]) {
            Some((k, args)) => {
                let a = args
                    .first()
                    .ok_or_else(|| self.invalid(&k.value, k.span, "no address given"))?;
                Some(self.ip_text(&a.value, &k.value, a.span)?)
            }
            None => None,
        };
        if check_addr.is_some() || check_port.is_some() {
            connect.to = Some(SocketAddr::new(
                check_addr.unwrap_or(ip),
                check_port.unwrap_or(port),
            ));
        }
        if let Some((k, args)) = layers.raw(&["source"]) {
            if args.len() > 1 {
                return Err(self.unsupported(
                    &k.value,
                    k.span,
                    "`usesrc` (transparent source) needs TPROXY, which the probes do not use",
                ));
            }
            let a = args
                .first()
                .ok_or_else(|| self.invalid(&k.value, k.span, "no address given"))?;
            let parsed = lbconf::haproxy::values::parse_address(&a.value, false)
                .map_err(|e| self.invalid(&k.value, a.span, format!("{e:?}")))?;
            connect.bind_ip = Some(self.ip(&parsed.host, &k.value, a.span)?);
            connect.bind_port = parsed.port.filter(|p| *p != 0);
            if parsed.port_end.is_some_and(|e| Some(e) != parsed.port) {
                return Err(self.unsupported(
                    &k.value,
                    a.span,
                    "a source port range; give one port",
                ));
            }
        }
        Ok((target, connect))
    }

    fn ip(&self, host: &Host, keyword: &str, span: Span) -> Result<IpAddr, ConvertError> {
        match host {
            Host::Ip(ip) => Ok(*ip),
            Host::Name(n) if n == "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Host::Name(n) => Err(self.unsupported(
                keyword,
                span,
                format!("`{n}` is a name; the probes connect to addresses (resolve it and write the address)"),
            )),
            Host::Any => Err(self.unsupported(keyword, span, "a wildcard address cannot be probed")),
            Host::Unix(_) | Host::Abstract(_) | Host::Fd(_) => Err(self.unsupported(
                keyword,
                span,
                "UNIX sockets and inherited descriptors cannot be probed; use an IP address",
            )),
        }
    }

    fn ip_text(&self, text: &str, keyword: &str, span: Span) -> Result<IpAddr, ConvertError> {
        let parsed = lbconf::haproxy::values::parse_address(text, false)
            .map_err(|e| self.invalid(keyword, span, format!("{e:?}")))?;
        self.ip(&parsed.host, keyword, span)
    }

    /// TLS for the health check: `check-ssl`, or the server's `ssl` when no
    /// `addr`/`port` moves the check elsewhere; `no-check-ssl` wins when last.
    fn check_tls(&self, layers: &Layers<'_>) -> Option<Tls> {
        let explicit = layers
            .raw(&["check-ssl", "no-check-ssl"])
            .map(|(k, _)| k.value == "check-ssl");
        let moved = layers.raw(&["addr"]).is_some() || layers.last(|s| s.port).is_some();
        let on = explicit.unwrap_or_else(|| !moved && layers.last(|s| s.ssl).unwrap_or(false));
        if !on {
            return None;
        }
        let ca_file = layers.last(|s| s.ca_file()).map(PathBuf::from);
        // `verify` defaults to the global `ssl-server-verify` (`required`).
        let verify = layers
            .last(|s| s.verify)
            .map_or(self.verify_by_default, |v| v == Verify::Required)
            && ca_file.is_some();
        Some(Tls {
            sni: layers
                .raw(&["check-sni"])
                .and_then(|(_, a)| a.first())
                .map(|a| a.value.clone()),
            verify,
            ca_file,
        })
    }

    fn probe(
        &self,
        connect: Connect,
        tls: Option<Tls>,
        errors: &mut Vec<ConvertError>,
    ) -> Option<Probe> {
        let option = self.check_option();
        let name = option.map_or("", |o| o.name.value.as_str());
        let clear = |probe: Probe, errors: &mut Vec<ConvertError>| {
            if let (Some(_), Some(o)) = (&tls, option) {
                errors.push(self.unsupported(
                    &format!("option {}", o.name.value),
                    o.span,
                    "this protocol check speaks in clear; remove check-ssl (or the server's ssl) or use tcp-check with `connect ssl`",
                ));
                return None;
            }
            Some(probe)
        };
        let args: Vec<&str> = option.map_or(Vec::new(), |o| {
            o.args.iter().map(|a| a.value.as_str()).collect()
        });
        let span = option.map_or(Span::default(), |o| o.span);
        match name {
            "" => Some(match tls {
                Some(t) => Probe::TcpSeq(TcpSeq {
                    connect,
                    rules: vec![TcpRule::Connect {
                        port: None,
                        tls: Some(t),
                    }],
                }),
                None => Probe::Tcp(connect),
            }),
            "httpchk" => self.http(option, connect, tls, errors).map(Probe::Http),
            "tcp-check" => self.tcp_seq(connect, tls, errors).map(Probe::TcpSeq),
            "smtpchk" => {
                let (hello, name) = match args.as_slice() {
                    [] => (SmtpHello::Helo, "localhost"),
                    [h, d, ..] if h.eq_ignore_ascii_case("EHLO") => (SmtpHello::Ehlo, *d),
                    [h, d, ..] if h.eq_ignore_ascii_case("HELO") => (SmtpHello::Helo, *d),
                    // HAProxy falls back to `HELO localhost` on anything else.
                    _ => (SmtpHello::Helo, "localhost"),
                };
                clear(
                    Probe::Smtp(SmtpCheck {
                        connect,
                        hello,
                        name: name.to_owned(),
                    }),
                    errors,
                )
            }
            "redis-check" => clear(Probe::Redis(connect), errors),
            "ssl-hello-chk" => clear(Probe::SslHello(connect), errors),
            "pgsql-check" => match args.as_slice() {
                ["user", user, ..] => clear(
                    Probe::Pgsql {
                        connect,
                        user: (*user).to_owned(),
                    },
                    errors,
                ),
                _ => {
                    errors.push(self.invalid("option pgsql-check", span, "expected `user NAME`"));
                    None
                }
            },
            "mysql-check" => match args.as_slice() {
                [] => clear(
                    Probe::Mysql {
                        connect,
                        user: None,
                    },
                    errors,
                ),
                ["user", user] | ["user", user, "post-41"] => clear(
                    Probe::Mysql {
                        connect,
                        user: Some((*user).to_owned()),
                    },
                    errors,
                ),
                ["user", _, "pre-41"] => {
                    errors.push(self.unsupported(
                        "option mysql-check",
                        span,
                        "the probe sends the MySQL 4.1+ login packet only; drop `pre-41`",
                    ));
                    None
                }
                _ => {
                    errors.push(self.invalid(
                        "option mysql-check",
                        span,
                        "expected `[user NAME [post-41]]`",
                    ));
                    None
                }
            },
            other => {
                errors.push(self.unsupported(
                    &format!("option {other}"),
                    span,
                    "no probe speaks this protocol; use tcp-check rules instead",
                ));
                None
            }
        }
    }

    /// The agent check: where it connects and its interval.
    fn agent(
        &self,
        server: &lbconf::haproxy::Server,
        layers: &Layers<'_>,
        target: SocketAddr,
        connect: &Connect,
    ) -> Result<(Probe, Duration), ConvertError> {
        let port = layers
            .last(|s| s.agent_port)
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or_else(|| self.invalid("agent-check", server.span, "no `agent-port`"))?;
        let ip = match layers.raw(&["agent-addr"]) {
            Some((k, args)) => {
                let a = args
                    .first()
                    .ok_or_else(|| self.invalid(&k.value, k.span, "no address given"))?;
                self.ip_text(&a.value, &k.value, a.span)?
            }
            None => connect.to.map_or(target.ip(), |t| t.ip()),
        };
        let send = layers
            .raw(&["agent-send"])
            .and_then(|(_, a)| a.first())
            .map(|a| a.value.clone().into_bytes());
        let interval = layers
            .last(|s| s.agent_inter)
            .map_or(DEFAULT_INTER, |v| millis(u64::from(v)));
        Ok((
            Probe::Agent(AgentCheck {
                connect: Connect {
                    to: Some(SocketAddr::new(ip, port)),
                    ..connect.clone()
                },
                send,
            }),
            interval,
        ))
    }
}
