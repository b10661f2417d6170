//! `keepalived.conf` `real_server` checkers → [`CheckSpec`]s. The mapping
//! is documented on the [parent module](super).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use lbconf::keepalived::{
    Checker, CheckerDetail, CheckerKind, Config, ConnectOptions, RealServer, Spanned,
    VirtualServer, VsTarget,
};
use lbconf::{Parsed, SourceMap, Span};

use super::ConvertError;
use crate::spec::{
    Connect, DnsCheck, FileCheck, HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion,
    MiscCheck, SmtpCheck, SmtpHello, Tls, UdpCheck,
};
use crate::{CheckSpec, InitialState, Probe, Timing};

/// keepalived's `delay_loop` and `connect_timeout` defaults.
const DEFAULT_DELAY_LOOP: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `SMTP_DEFAULT_HELO` in keepalived's `check_smtp.h`.
const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";
/// keepalived watches a `FILE_CHECK` file with inotify; the probe reads it
/// this often instead.
const FILE_POLL: Duration = Duration::from_secs(1);

/// One checker of one real server of one virtual server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepalivedCheck {
    /// Index of the virtual server in `Config::virtual_servers`.
    pub virtual_server: usize,
    /// Index of the real server in its `VirtualServer::real_servers`.
    pub real_server: usize,
    /// Index of the checker in its `RealServer::checkers`.
    pub checker: usize,
    /// The real server's address and port as keepalived puts it in IPVS
    /// (no port: the virtual server's).
    pub real_server_addr: SocketAddr,
    /// The checker's keyword (`TCP_CHECK`, ...).
    pub kind: &'static str,
    /// What to probe and when.
    pub spec: CheckSpec,
    /// The checker's block keyword.
    pub span: Span,
}

/// Every checker of every `real_server`, in file order.
///
/// # Errors
///
/// Every [`ConvertError`] found, when any checker cannot be converted.
pub fn keepalived(parsed: &Parsed<Config>) -> Result<Vec<KeepalivedCheck>, Vec<ConvertError>> {
    let config = &parsed.value;
    let cx = Cx {
        sources: &parsed.sources,
        config,
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (v, vs) in config.virtual_servers.iter().enumerate() {
        for (r, rs) in vs.real_servers.iter().enumerate() {
            let addr = real_server_addr(vs, rs);
            for (c, checker) in rs.checkers.iter().enumerate() {
                match cx.checker(vs, rs, addr, checker) {
                    Ok(spec) => out.push(KeepalivedCheck {
                        virtual_server: v,
                        real_server: r,
                        checker: c,
                        real_server_addr: addr,
                        kind: checker.kind.value.keyword(),
                        spec,
                        span: checker.kind.span,
                    }),
                    Err(e) => errors.extend(e),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A real server's address and port as keepalived uses it: without a port
/// it takes the virtual server's (0 for fwmark and group services).
pub fn real_server_addr(vs: &VirtualServer, rs: &RealServer) -> SocketAddr {
    let vs_port = match &vs.target.value {
        VsTarget::Addr(_, port) => *port,
        VsTarget::Fwmark(_) | VsTarget::Group(_) => 0,
    };
    SocketAddr::new(rs.address.value, rs.port.unwrap_or(vs_port))
}

struct Cx<'a> {
    sources: &'a SourceMap,
    config: &'a Config,
}

/// The timing options after keepalived's inheritance (checker, then real
/// server, then virtual server).
struct Inherited {
    delay_loop: Duration,
    connect_timeout: Duration,
    retry: Option<u32>,
    delay_before_retry: Option<Duration>,
    warmup: Option<Duration>,
    alpha: bool,
}

fn secs(s: &Spanned<f64>) -> Duration {
    super::secs(s.value)
}

impl Cx<'_> {
    fn unsupported(&self, keyword: &str, span: Span, why: impl Into<String>) -> ConvertError {
        ConvertError::unsupported(self.sources, keyword, span, why)
    }

    fn invalid(&self, keyword: &str, span: Span, why: impl Into<String>) -> ConvertError {
        ConvertError::invalid(self.sources, keyword, span, why)
    }

    fn inherit(vs: &VirtualServer, rs: &RealServer, c: &ConnectOptions) -> Inherited {
        let (r, v) = (&rs.check_defaults, &vs.check_defaults);
        let pick = |f: fn(&ConnectOptions) -> Option<&Spanned<f64>>| {
            f(c).or_else(|| f(r)).or_else(|| f(v)).map(secs)
        };
        Inherited {
            delay_loop: c
                .delay_loop()
                .or(r.delay_loop())
                .or(vs.delay_loop.as_ref())
                .map_or(DEFAULT_DELAY_LOOP, secs),
            connect_timeout: pick(|o| o.connect_timeout()).unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            retry: c.retry().or(r.retry()).or(v.retry()).map(|s| s.value),
            delay_before_retry: pick(|o| o.delay_before_retry()),
            warmup: pick(|o| o.warmup()),
            alpha: c.alpha().or(r.alpha()).map_or(vs.alpha, |a| a.value),
        }
    }

    fn checker(
        &self,
        vs: &VirtualServer,
        rs: &RealServer,
        addr: SocketAddr,
        checker: &Checker,
    ) -> Result<CheckSpec, Vec<ConvertError>> {
        let kind = checker.kind.value;
        let kw = kind.keyword();
        let c = &checker.common;
        let mut errors = Vec::new();
        if let Some(b) = c.bind_if() {
            errors.push(self.unsupported(
                "bind_if",
                b.span,
                "the probes bind an address, not an interface; use `bindto` with a global address",
            ));
        }
        let inh = Self::inherit(vs, rs, c);
        // keepalived's per-type defaults (check_api.c, check_dns.c, check_http.c, check_misc.c).
        let (default_retry, default_delay_before_retry) = match kind {
            CheckerKind::Dns => (3, inh.delay_loop),
            CheckerKind::Misc => (0, Duration::from_secs(1)),
            CheckerKind::HttpGet | CheckerKind::SslGet => (1, Duration::from_secs(3)),
            _ => (1, Duration::from_secs(1)),
        };
        let warmup = inh.warmup.unwrap_or(inh.delay_loop);
        let mut timing = Timing {
            interval: inh.delay_loop,
            fastinter: None,
            downinter: None,
            timeout: inh.connect_timeout,
            rise: 1,
            fall: 1,
            retry: inh.retry.unwrap_or(default_retry),
            delay_before_retry: inh.delay_before_retry.unwrap_or(default_delay_before_retry),
            warmup: (!warmup.is_zero()).then_some(warmup),
            spread_percent: 0,
            initial: if inh.alpha {
                InitialState::Down
            } else {
                InitialState::FullyUp
            },
            slowstart: None,
        };
        let connect = Connect {
            to: match (c.connect_ip(), c.connect_port()) {
                (None, None) => None,
                (ip, port) => Some(SocketAddr::new(
                    ip.map_or(addr.ip(), |i| i.value),
                    port.map_or(addr.port(), |p| p.value),
                )),
            },
            bind_ip: c.bindto().map(|b| b.value),
            bind_port: c.bind_port().map(|p| p.value),
            fwmark: c.fwmark().map(|f| f.value),
        };
        let needs_port = !matches!(
            kind,
            CheckerKind::Misc | CheckerKind::File | CheckerKind::Ping | CheckerKind::Bfd
        );
        if needs_port && connect.to.map_or(addr.port(), |t| t.port()) == 0 {
            errors.push(self.invalid(
                kw,
                checker.kind.span,
                "no port to check: the real server has none and neither has the checker (add `connect_port`)",
            ));
        }
        let probe = match &checker.detail {
            CheckerDetail::Tcp => Some(Probe::Tcp(connect)),
            CheckerDetail::Http(h) => self
                .http(vs, rs, checker, h, connect, &mut errors)
                .map(Probe::Http),
            CheckerDetail::Misc(m) => {
                if let Some(t) = &m.misc_timeout {
                    timing.timeout = Duration::from_secs(u64::from(t.value));
                } else {
                    timing.timeout = inh.delay_loop;
                }
                match &m.misc_path {
                    Some(path) => match lbconf::keepalived::split_command(&path.value) {
                        Some(argv) if !argv.is_empty() => {
                            let (user, group) = match &m.user {
                                Some(u) => (
                                    Some(u.value.clone()),
                                    m.group.as_ref().map(|g| g.value.clone()),
                                ),
                                None => self.script_user(),
                            };
                            Some(Probe::Misc(MiscCheck {
                                argv,
                                user,
                                group,
                                dynamic: m.misc_dynamic,
                            }))
                        }
                        _ => {
                            errors.push(self.invalid(
                                "misc_path",
                                path.span,
                                "an empty command or an unclosed quote",
                            ));
                            None
                        }
                    },
                    None => {
                        errors.push(self.invalid(kw, checker.kind.span, "no `misc_path`"));
                        None
                    }
                }
            }
            CheckerDetail::Smtp(s) => {
                if let Some(h) = s.hosts.first() {
                    errors.push(self.unsupported(
                        "host",
                        h.span,
                        "one SMTP_CHECK checks one server; write one SMTP_CHECK per host",
                    ));
                }
                Some(Probe::Smtp(SmtpCheck {
                    connect,
                    hello: SmtpHello::Helo,
                    name: s
                        .helo_name
                        .as_ref()
                        .map_or(DEFAULT_HELO, |h| h.value.as_str())
                        .to_owned(),
                }))
            }
            CheckerDetail::Dns(d) => Some(Probe::Dns(DnsCheck {
                qtype: d
                    .query_type
                    .as_ref()
                    .map_or("SOA", |t| t.value.as_str())
                    .to_owned(),
                name: d.name.as_ref().map_or(".", |n| n.value.as_str()).to_owned(),
                to: connect.to,
            })),
            CheckerDetail::Udp(u) => {
                if connect.bind_ip.is_some()
                    || connect.bind_port.is_some()
                    || connect.fwmark.is_some()
                {
                    let span = c
                        .bindto()
                        .map(|b| b.span)
                        .or(c.bind_port().map(|b| b.span))
                        .or(c.fwmark().map(|b| b.span))
                        .unwrap_or(checker.kind.span);
                    errors.push(self.unsupported(
                        "bindto",
                        span,
                        "the UDP probe binds no source address, port or mark",
                    ));
                }
                let pattern = u.require_reply.as_ref().and_then(|r| r.value.as_ref());
                Some(Probe::Udp(UdpCheck {
                    to: connect.to,
                    payload: u.payload.as_ref().map(|p| p.value.clone()),
                    require_reply: u.require_reply.is_some(),
                    expect: pattern.map(|p| {
                        p.reply_data
                            .iter()
                            .zip(&p.reply_data_mask)
                            .map(|(v, m)| (*v, *m))
                            .collect()
                    }),
                    min_reply_len: u
                        .min_reply_length
                        .as_ref()
                        .map_or(0, |l| usize::from(l.value)),
                    max_reply_len: u
                        .max_reply_length
                        .as_ref()
                        .map_or(255, |l| usize::from(l.value)),
                }))
            }
            CheckerDetail::Ping => {
                if connect.bind_ip.is_some() || connect.fwmark.is_some() {
                    errors.push(self.unsupported(
                        kw,
                        checker.kind.span,
                        "the ICMP probe binds no source address or mark",
                    ));
                }
                Some(Probe::Ping)
            }
            CheckerDetail::File(f) => {
                timing = Timing {
                    interval: FILE_POLL,
                    timeout: FILE_POLL,
                    retry: 0,
                    warmup: None,
                    ..timing
                };
                self.file(checker, f, &mut errors).map(Probe::File)
            }
            CheckerDetail::Bfd(_) => {
                errors.push(self.unsupported(
                    kw,
                    checker.kind.span,
                    "BFD sessions belong to the BFD process, not to a probe; use TCP_CHECK or PING_CHECK for the real server",
                ));
                None
            }
        };
        // PING_CHECK probes `connect_ip` when given: it is the target.
        let target = match (&checker.detail, connect_ip(c)) {
            (CheckerDetail::Ping, Some(ip)) => SocketAddr::new(ip, addr.port()),
            _ => addr,
        };
        match probe {
            Some(probe) if errors.is_empty() => Ok(CheckSpec {
                target,
                probe,
                timing,
            }),
            _ => Err(errors),
        }
    }

    fn http(
        &self,
        vs: &VirtualServer,
        rs: &RealServer,
        checker: &Checker,
        h: &lbconf::keepalived::HttpCheck,
        connect: Connect,
        errors: &mut Vec<ConvertError>,
    ) -> Option<HttpCheck> {
        let n = errors.len();
        let ssl = checker.kind.value == CheckerKind::SslGet;
        if let Some(f) = h.fast_recovery.as_ref().filter(|f| f.value) {
            errors.push(self.unsupported(
                "fast_recovery",
                f.span,
                "the scheduler retries on its own timing; drop fast_recovery",
            ));
        }
        let default_host = h
            .virtualhost
            .as_ref()
            .or(rs.virtualhost())
            .or(vs.virtualhost.as_ref())
            .map(|v| v.value.clone());
        let mut host: Option<Option<String>> = None;
        let mut requests = Vec::new();
        for url in &h.urls {
            // keepalived ignores a url without a path.
            let Some(path) = &url.path else { continue };
            for (kw, span) in [
                (
                    "regex_min_offset",
                    url.regex_min_offset.as_ref().map(|s| s.span),
                ),
                (
                    "regex_max_offset",
                    url.regex_max_offset.as_ref().map(|s| s.span),
                ),
                ("regex_stack", url.regex_stack.as_ref().map(|s| s.span)),
            ] {
                if let Some(span) = span {
                    errors.push(self.unsupported(
                        kw,
                        span,
                        "the body regex runs over the whole body; drop it",
                    ));
                }
            }
            if let Some(o) = url.regex_options.first() {
                errors.push(self.unsupported(
                    "regex_options",
                    o.span,
                    "PCRE2 options have no equivalent in Rust's regex; use inline flags like (?i)",
                ));
            }
            let this_host = url
                .virtualhost
                .as_ref()
                .map(|v| v.value.clone())
                .or_else(|| default_host.clone());
            match &host {
                None => host = Some(this_host),
                Some(h) if *h != this_host => {
                    let span = url.virtualhost.as_ref().map_or(path.span, |v| v.span);
                    errors.push(self.unsupported("virtualhost", span, "every url of one checker must use the same virtualhost; split them into several checkers"));
                }
                Some(_) => {}
            }
            let mut expect = Vec::new();
            let statuses: Vec<(u16, u16)> = url
                .status_code
                .iter()
                .map(|s| (s.value.first, s.value.last))
                .collect();
            expect.push(HttpExpect::is(HttpRule::Status(if statuses.is_empty() {
                vec![(200, 299)]
            } else {
                statuses
            })));
            if let Some(d) = &url.digest {
                expect.push(HttpExpect::is(HttpRule::BodyMd5(
                    d.value.to_ascii_lowercase(),
                )));
            }
            if let Some(re) = &url.regex {
                expect.push(HttpExpect {
                    negate: url.regex_no_match,
                    rule: HttpRule::BodyRegex(re.value.clone()),
                });
            }
            requests.push(HttpRequest {
                expect,
                ..HttpRequest::get(path.value.clone())
            });
        }
        if requests.is_empty() {
            errors.push(self.invalid(
                checker.kind.value.keyword(),
                checker.kind.span,
                "no `url` with a `path`",
            ));
        }
        let host = host.flatten();
        let tls = if ssl {
            if let Some(s) = self.ssl_client_cert() {
                errors.push(s);
            }
            let sni = h.enable_sni.as_ref().is_some_and(|s| s.value);
            Some(Tls {
                sni: if sni { host.clone() } else { None },
                verify: false,
                ca_file: None,
            })
        } else {
            None
        };
        let version = match h.http_protocol.as_ref().map(|p| p.value) {
            None | Some(lbconf::keepalived::HttpProtocol::Http10) => HttpVersion::Http10,
            Some(lbconf::keepalived::HttpProtocol::Http10Close) => HttpVersion::Http10Close,
            Some(lbconf::keepalived::HttpProtocol::Http11) => HttpVersion::Http11,
        };
        (errors.len() == n).then_some(HttpCheck {
            connect,
            tls,
            version,
            host,
            requests,
            reuse_connection: false,
        })
    }

    /// The global `script_user USER [GROUP]`, which runs every script that
    /// names no user of its own.
    fn script_user(&self) -> (Option<String>, Option<String>) {
        let setting = self
            .config
            .global_defs
            .iter()
            .flat_map(|g| &g.settings)
            .rfind(|s| s.keyword.value == "script_user");
        match setting {
            Some(s) => (
                s.args.first().map(|a| a.value.clone()),
                s.args.get(1).map(|a| a.value.clone()),
            ),
            None => (None, None),
        }
    }

    /// A client certificate in the global `SSL { certificate key }` block.
    fn ssl_client_cert(&self) -> Option<ConvertError> {
        let ssl = self
            .config
            .other
            .iter()
            .find(|s| s.keyword.value == "SSL")?;
        let cert = ssl
            .block
            .iter()
            .flatten()
            .find(|s| matches!(s.keyword.value.as_str(), "certificate" | "key"))?;
        Some(self.unsupported(
            &cert.keyword.value,
            cert.keyword.span,
            "the TLS probe presents no client certificate; remove it from the SSL block",
        ))
    }

    fn file(
        &self,
        checker: &Checker,
        f: &lbconf::keepalived::FileCheck,
        errors: &mut Vec<ConvertError>,
    ) -> Option<FileCheck> {
        let Some(name) = &f.track_file else {
            errors.push(self.invalid("FILE_CHECK", checker.kind.span, "no `track_file`"));
            return None;
        };
        let Some(track) = self
            .config
            .track_files
            .iter()
            .find(|t| t.name.value == name.value)
        else {
            errors.push(self.invalid(
                "track_file",
                name.span,
                format!("no vrrp_track_file named `{}`", name.value),
            ));
            return None;
        };
        let Some(file) = &track.file else {
            errors.push(self.invalid(
                "track_file",
                name.span,
                format!("vrrp_track_file `{}` has no `file`", name.value),
            ));
            return None;
        };
        if f.dynamic {
            errors.push(self.unsupported(
                "dynamic",
                checker.kind.span,
                "keepalived 2.2.7 has no dynamic FILE_CHECK",
            ));
        }
        Some(FileCheck {
            path: PathBuf::from(&file.value),
            weight: f
                .weight
                .as_ref()
                .or(track.weight.as_ref())
                .map_or(1, |w| w.value),
            reverse: f.reverse,
        })
    }
}

fn connect_ip(c: &ConnectOptions) -> Option<IpAddr> {
    c.connect_ip().map(|i| i.value)
}
