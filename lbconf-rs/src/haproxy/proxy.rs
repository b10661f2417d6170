//! Statements of proxy sections (`defaults`, `frontend`, `backend`,
//! `listen`): keyword lookup with each proxy type's capabilities, and the
//! typed view of the keywords lbconf models.

use super::build::{Stmt, missing_arg, suggest, unknown_keyword};
use super::fetches;
use super::keywords::{self, B, D, F, L};
use super::model::{
    Acl, Bind, CheckRule, Condition, HttpChk, Log, Mode, OptionPrefix, Proxy, ProxyOption, Section,
    SectionKind, Spanned, Timeout, UseBackend,
};
use super::server;
use super::values::{AddressError, Host, parse_address, parse_time};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Keywords allowed only in named `defaults` sections.
const NAMED_DEFAULTS_ONLY: &[&str] = &[
    "acl",
    "http-after-response",
    "http-request",
    "http-response",
    "tcp-request",
    "tcp-response",
];

/// Options that take the `no` and `default` prefixes (marked `(*)` in the
/// manual's keyword matrix).
const INVERTIBLE: &[&str] = &[
    "abortonclose",
    "accept-invalid-http-request",
    "accept-invalid-http-response",
    "allbackups",
    "checkcache",
    "clitcpka",
    "contstats",
    "disable-h2-upgrade",
    "dontlog-normal",
    "dontlognull",
    "h1-case-adjust-bogus-client",
    "h1-case-adjust-bogus-server",
    "http-buffer-request",
    "http-ignore-probes",
    "http-keep-alive",
    "http-no-delay",
    "http-pretend-keepalive",
    "http-server-close",
    "http-use-proxy-header",
    "httpclose",
    "independent-streams",
    "log-health-checks",
    "log-separate-errors",
    "logasap",
    "nolinger",
    "persist",
    "prefer-last-server",
    "redispatch",
    "socket-stats",
    "splice-auto",
    "splice-request",
    "splice-response",
    "srvtcpka",
    "tcp-smart-accept",
    "tcp-smart-connect",
    "transparent",
    "idle-close-on-response",
];

/// Keywords that fail without an argument (checked against haproxy 2.6).
const NEED_ARGUMENT: &[&str] = &[
    "description",
    "id",
    "log-format",
    "unique-id-format",
    "monitor-uri",
    "cookie",
    "fullconn",
    "hash-type",
    "http-reuse",
    "retry-on",
    "source",
    "errorfiles",
    "errorfile",
    "http-request",
    "http-response",
    "http-after-response",
    "redirect",
    "use-server",
    "stats uri",
    "stats realm",
    "stats auth",
    "stats refresh",
    "stick-table",
    "stick on",
    "capture cookie",
    "http-check expect",
    "tcp-check expect",
    "tcp-check send",
    "server-template",
    "backlog",
    "dispatch",
    "tcp-request content",
    "compression algo",
    "http-error",
    "filter",
    "declare capture",
    "force-persist",
    "ignore-persist",
    "log-tag",
    "max-keep-alive-queue",
    "rate-limit sessions",
];

const TIMEOUTS: &[&str] = &[
    "client",
    "server",
    "connect",
    "check",
    "queue",
    "http-keep-alive",
    "http-request",
    "tunnel",
    "tarpit",
    "client-fin",
    "server-fin",
];

/// Handles one statement of a proxy section.
pub(crate) fn statement(section: &mut Section, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let w = &st.words;
    let (prefix, k) = match w[0].value.as_str() {
        "no" if w.len() > 1 => (OptionPrefix::No, 1),
        "default" if w.len() > 1 => (OptionPrefix::Default, 1),
        _ => (OptionPrefix::Set, 0),
    };
    let kw = &w[k];
    let second = w.get(k + 1).map(|s| s.value.as_str());
    let found = keywords::proxy_keyword(&kw.value, second);
    let Some((name, caps)) = found else {
        let family: Vec<&str> = keywords::PROXY
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(kw.value.as_str())?.strip_prefix(' '))
            .collect();
        // A family the section cannot have at all (`stick` in a frontend)
        // is judged by capability before its second word is read.
        let members: Vec<&(&str, u8)> = keywords::PROXY
            .iter()
            .filter(|(n, _)| {
                n.strip_prefix(kw.value.as_str())
                    .is_some_and(|r| r.starts_with(' '))
            })
            .collect();
        let need = match section.kind {
            SectionKind::Frontend => F,
            SectionKind::Backend => B,
            _ => F | B | L | D,
        };
        if let Some(&&(first, caps)) = members.first() {
            if members.iter().all(|(_, c)| c & need == 0) {
                capable(section, first, caps, kw, diags);
                return;
            }
        }
        diags.push(if family.is_empty() {
            let firsts: Vec<&str> = keywords::PROXY
                .iter()
                .map(|(n, _)| n.split(' ').next().unwrap_or(n))
                .collect();
            unknown_keyword(kw, section.kind.keyword(), &firsts)
        } else {
            unknown_sub(
                kw,
                second,
                &family,
                w.get(k + 1).map_or(kw.span, |s| s.span),
            )
        });
        return;
    };
    if !capable(section, name, caps, kw, diags) {
        return;
    }
    // A frontend skips stick rules without reading them (a warning only).
    if section.kind == SectionKind::Frontend && name.starts_with("stick ") {
        return;
    }
    let words_in_name = name.split(' ').count();
    if w.len() <= k + words_in_name && NEED_ARGUMENT.contains(&name) {
        diags.push(
            Diagnostic::error("H0316", format!("'{name}' expects an argument"))
                .with_label(st.span, "argument missing")
                .with_help(format!("see '{name}' in HAProxy's configuration manual")),
        );
        return;
    }
    if section.kind == SectionKind::Backend
        && matches!(name, "tcp-request connection" | "tcp-request session")
    {
        diags.push(
            Diagnostic::error(
                "H0320",
                format!(
                    "{name} is not allowed because backend {} is not a frontend",
                    section.name.as_ref().map_or("", |n| n.value.as_str())
                ),
            )
            .with_label(st.span, "a frontend rule")
            .with_help("move the rule to the frontend, or use 'tcp-request content' here"),
        );
        return;
    }
    let pname = section.name.as_ref().map_or("", |n| n.value.as_str());
    if let Some(d) = super::rules::capability(name, st, k, section.kind, pname) {
        diags.push(d);
        return;
    }
    super::rules::check(name, st, k, diags);
    let backend = section.kind == SectionKind::Backend;
    super::rules::expressions(name, st, k, backend, diags);
    if let Some(p) = section.proxy.as_deref() {
        let declared = |n: &str| p.acls.iter().any(|a| a.name.value == n);
        super::rules::named_acls(name, st, k, &declared, diags);
    }
    super::args::check(name, st, &w[k + 1..], diags);
    let Some(p) = section.proxy.as_mut() else {
        return;
    };
    let args = &w[k + 1..];
    match name {
        "mode" => mode(p, kw, args, diags),
        "bind" => bind(p, st, diags),
        "log" if prefix == OptionPrefix::No => match args.first().filter(|a| !a.value.is_empty()) {
            Some(extra) => diags.push(
                Diagnostic::error("H0411", "log : 'no log' does not expect arguments")
                    .with_label(extra.span, "nothing may follow 'no log'")
                    .with_help("write 'no log' alone to drop the inherited log lines"),
            ),
            None => p.logs.push(Log::Disabled(st.span)),
        },
        "log" if prefix == OptionPrefix::Default => {
            // HAProxy shifts the words over `default` and leaves the last
            // one in place: it is read twice.
            let mut words = w[k..].to_vec();
            words.push(w[w.len() - 1].clone());
            let shifted = Stmt {
                words: &words,
                span: st.span,
            };
            if let Some(l) = log(&shifted, diags) {
                p.logs.push(l);
            }
        }
        "log" => {
            if let Some(l) = log(st, diags) {
                p.logs.push(l);
            }
        }
        "acl" => acl(p, st, diags),
        "use_backend" => use_backend(p, st, diags),
        "default_backend" => match args.first() {
            Some(b) => p.default_backend = Some(b.clone()),
            None => diags.push(missing_arg(kw)),
        },
        "balance" => {
            if let Some(b) = server::balance(kw, args, diags) {
                p.balance = Some(b);
            }
        }
        "server" => {
            if let Some(s) = server::server(st, diags) {
                p.servers.push(s);
            }
        }
        "default-server" => {
            let settings = server::settings(&w[1..], diags);
            p.default_servers.push(Spanned::new(settings, st.span));
        }
        "maxconn" => p.maxconn = atol(kw, args, diags),
        "retries" => p.retries = atol(kw, args, diags),
        "disabled" => p.disabled = Some(true),
        "enabled" => p.disabled = Some(false),
        n if n.starts_with("timeout ") => timeout(p, st, &w[k + 1], args.get(1), diags),
        n if n.starts_with("option ") => {
            if prefix != OptionPrefix::Set && !INVERTIBLE.contains(&&n[7..]) {
                diags.push(
                    Diagnostic::error(
                        "H0315",
                        format!("negation/default is not supported for option '{}'", &n[7..]),
                    )
                    .with_label(w[0].span, "cannot be negated or reset")
                    .with_help("remove the 'no'/'default' prefix, or the option"),
                );
                return;
            }
            option(p, st, prefix, &w[k + 1], &args[1..]);
        }
        n if n.starts_with("http-check ") || n.starts_with("tcp-check ") => {
            let rule = CheckRule {
                action: w[k + 1].clone(),
                args: args[1..].to_vec(),
                span: st.span,
            };
            if n.starts_with("http-check") {
                p.http_checks.push(rule);
            } else {
                p.tcp_checks.push(rule);
            }
        }
        _ => {}
    }
}

fn unknown_sub(
    kw: &Spanned<String>,
    second: Option<&str>,
    family: &[&str],
    at: Span,
) -> Diagnostic {
    let got = second.unwrap_or("");
    let d = match kw.value.as_str() {
        "option" => Diagnostic::error("H0307", format!("unknown option '{got}'")),
        "timeout" => Diagnostic::error(
            "H0308",
            format!("'timeout' supports {} (got '{got}')", TIMEOUTS.join(", ")),
        ),
        other => Diagnostic::error("H0309", format!("unknown '{other}' action '{got}'")),
    }
    .with_label(at, "not known here");
    match suggest(got, family.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean '{} {s}'?", kw.value)),
        None => d.with_help(format!(
            "'{}' takes one of: {}",
            kw.value,
            family.join(", ")
        )),
    }
}

/// Whether a keyword may be used in this proxy; reports when not. Keywords
/// a frontend or backend cannot use are ignored with a warning, as HAProxy
/// does, except servers.
fn capable(
    section: &Section,
    name: &str,
    caps: u8,
    kw: &Spanned<String>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let need = match section.kind {
        SectionKind::Defaults => D,
        SectionKind::Frontend => F,
        SectionKind::Backend => B,
        _ => L,
    };
    let first = name.split(' ').next().unwrap_or(name);
    if section.kind == SectionKind::Defaults {
        if caps & D == 0 {
            diags.push(
                Diagnostic::error(
                    "H0310",
                    format!("'{first}' not allowed in 'defaults' section"),
                )
                .with_label(kw.span, "only in proxies")
                .with_help("move it to the frontend, backend or listen sections"),
            );
            return false;
        }
        if section.name.is_none() && NAMED_DEFAULTS_ONLY.contains(&first) {
            diags.push(
                Diagnostic::error(
                    "H0311",
                    format!("'{first}' not allowed in anonymous 'defaults' section"),
                )
                .with_label(kw.span, "this defaults section has no name")
                .with_help("name the defaults section ('defaults NAME') to use it there"),
            );
            return false;
        }
        return true;
    }
    if caps & need != 0 {
        return true;
    }
    let (what, cap) = if section.kind == SectionKind::Frontend {
        ("frontend", "backend")
    } else {
        ("backend", "frontend")
    };
    let pname = section.name.as_ref().map_or("", |n| n.value.as_str());
    if first == "retry-on" {
        diags.push(
            Diagnostic::error(
                "H0314",
                "'retry-on' only available in backend or listen section",
            )
            .with_label(kw.span, format!("in {what} '{pname}'"))
            .with_help("move it to the backend"),
        );
        return false;
    }
    if first == "declare" {
        diags.push(
            Diagnostic::error(
                "H0314",
                "'declare' only available in frontend or listen section",
            )
            .with_label(kw.span, format!("in {what} '{pname}'"))
            .with_help("declare captures in the frontend whose rules fill them"),
        );
        return false;
    }
    if first == "tcp-response" && section.kind == SectionKind::Frontend {
        diags.push(
            Diagnostic::error(
                "H0314",
                "tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name",
            )
            .with_label(kw.span, format!("in {what} '{pname}'"))
            .with_help("move it to the backend"),
        );
        return false;
    }
    if matches!(first, "server" | "server-template" | "default-server") {
        diags.push(
            Diagnostic::error(
                "H0312",
                format!("'{first}' not allowed because {what} '{pname}' has no {cap} capability"),
            )
            .with_label(kw.span, format!("a {what} cannot have servers"))
            .with_help("put servers in a backend or listen section"),
        );
    } else {
        diags.push(
            Diagnostic::warning(
                "H0313",
                format!("'{first}' ignored because {what} '{pname}' has no {cap} capability"),
            )
            .with_label(kw.span, "ignored")
            .with_help("move it to a section that can use it (see the manual's keyword matrix)"),
        );
        // HAProxy still parses (and later checks) what it ignores.
        return true;
    }
    false
}

/// A number read as HAProxy reads it with `atol()`: leading digits, garbage
/// is zero (not an error).
pub(crate) fn atol(
    kw: &Spanned<String>,
    args: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Spanned<u64>> {
    let Some(a) = args.first() else {
        diags.push(missing_arg(kw));
        return None;
    };
    let digits: String = a.value.chars().take_while(char::is_ascii_digit).collect();
    Some(Spanned::new(digits.parse().unwrap_or(0), a.span))
}

fn mode(
    p: &mut Proxy,
    kw: &Spanned<String>,
    args: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(a) = args.first() else {
        diags.push(missing_arg(kw));
        return;
    };
    let m = match a.value.as_str() {
        "http" => Mode::Http,
        "tcp" => Mode::Tcp,
        other => {
            diags.push(
                Diagnostic::error("H0403", format!("unknown proxy mode '{other}'"))
                    .with_label(a.span, "not a mode")
                    .with_help("use 'mode http' or 'mode tcp'"),
            );
            return;
        }
    };
    p.mode = Some(Spanned::new(m, a.span));
}

fn timeout(
    p: &mut Proxy,
    st: &Stmt<'_>,
    name: &Spanned<String>,
    value: Option<&Spanned<String>>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(v) = value else {
        diags.push(
            Diagnostic::error(
                "H0404",
                format!(
                    "'timeout {}' expects an integer value (in milliseconds)",
                    name.value
                ),
            )
            .with_label(name.span, "value missing")
            .with_help("e.g. 'timeout client 30s'"),
        );
        return;
    };
    let millis = match parse_time(&v.value, 1) {
        Ok(ms) => Some(ms),
        Err(e) => {
            diags.push(
                Diagnostic::error("H0405", format!("{e} in 'timeout {}'", name.value))
                    .with_label(v.span, "not a time")
                    .with_help("times are an integer with an optional unit: us, ms, s, m, h, d"),
            );
            None
        }
    };
    p.timeouts.push(Timeout {
        name: name.clone(),
        millis,
        span: st.span,
    });
}

fn option(
    p: &mut Proxy,
    st: &Stmt<'_>,
    prefix: OptionPrefix,
    name: &Spanned<String>,
    args: &[Spanned<String>],
) {
    if name.value == "httpchk" && prefix == OptionPrefix::Set {
        let mut it = args.iter().map(|a| a.value.clone());
        let (method, uri, version) = match args.len() {
            0 => (None, None, None),
            1 => (None, it.next(), None),
            _ => (it.next(), it.next(), {
                let rest: Vec<String> = it.collect();
                (!rest.is_empty()).then(|| rest.join(" "))
            }),
        };
        p.httpchk = Some(HttpChk {
            method,
            uri,
            version,
            span: st.span,
        });
    }
    p.options.push(ProxyOption {
        prefix,
        name: name.clone(),
        args: args.to_vec(),
        span: st.span,
    });
}

fn bind(p: &mut Proxy, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let w = &st.words;
    let Some(addr) = w.get(1) else {
        diags.push(missing_arg(&w[0]));
        return;
    };
    let mut bind = Bind {
        addresses: Vec::new(),
        ssl: false,
        crts: Vec::new(),
        crt_lists: Vec::new(),
        verify: None,
        ca_file: None,
        options: Vec::new(),
        span: st.span,
    };
    for part in addr.value.split(',') {
        match parse_address(part, true) {
            Ok(a)
                if a.family
                    .as_deref()
                    .is_some_and(|f| matches!(f, "udp" | "udp4" | "udp6" | "uxdg")) =>
            {
                diags.push(
                    Diagnostic::error(
                        "H0425",
                        format!("'bind' : dgram-type address not acceptable in '{part}'"),
                    )
                    .with_label(addr.span, "a datagram address")
                    .with_help("proxies listen on stream sockets; UDP binds belong in log-forward (dgram-bind)"),
                );
                return;
            }
            Ok(a) if matches!(a.host, Host::Fd(_)) => {
                diags.push(
                    Diagnostic::error(
                        "H0414",
                        format!("'bind' : cannot use file descriptor '{part}' : it is not an inherited socket here"),
                    )
                    .with_label(addr.span, "checked against this process's file descriptors")
                    .with_help("fd@ and sockpair@ binds only work when the parent passes the socket"),
                );
                return;
            }
            Ok(a) => bind.addresses.push(Spanned::new(a, addr.span)),
            Err(e) => {
                diags.push(address_error(&e, part, addr.span, "bind"));
                return;
            }
        }
    }
    let mut i = 2;
    while i < w.len() {
        let o = &w[i];
        let Some(arity) = keywords::bind_option(&o.value) else {
            let names = keywords::BIND_OPTIONS.iter().map(|(n, _)| *n);
            let d = Diagnostic::error(
                "H0406",
                format!("'bind {}' unknown keyword '{}'", addr.value, o.value),
            )
            .with_label(o.span, "not a bind option");
            diags.push(match suggest(&o.value, names) {
                Some(s) => d.with_help(format!("did you mean '{s}'?")),
                None => d.with_help("see section 5.1 of the manual for bind options"),
            });
            return;
        };
        let arg = if arity > 0 {
            let Some(a) = w.get(i + 1) else {
                diags.push(
                    Diagnostic::error(
                        "H0407",
                        format!("'{}' : missing value for '{}'", w[0].value, o.value),
                    )
                    .with_label(o.span, "value missing")
                    .with_help(format!("write '{} <value>'", o.value)),
                );
                return;
            };
            Some(a.clone())
        } else {
            None
        };
        if let Some(a) = &arg {
            if let Some(d) = bind_value_error(&o.value, a) {
                diags.push(d);
                return;
            }
        }
        match (o.value.as_str(), &arg) {
            ("ssl", _) => bind.ssl = true,
            ("crt", Some(a)) => bind.crts.push(a.clone()),
            ("crt-list", Some(a)) => bind.crt_lists.push(a.clone()),
            ("verify", Some(a)) => bind.verify = Some(a.clone()),
            ("ca-file", Some(a)) => bind.ca_file = Some(a.clone()),
            _ => {}
        }
        bind.options.push((o.clone(), arg));
        i += 1 + usize::from(arity);
    }
    p.binds.push(bind);
}

/// The checks HAProxy's bind keyword parsers make on the value of `option`
/// (on `bind` lines and `stats socket`): a thread set within 1..=64, a
/// known SSL/TLS version, a verify method, `expose-fd listeners`.
pub(crate) fn bind_value_error(option: &str, value: &Spanned<String>) -> Option<Diagnostic> {
    let v = value.value.as_str();
    let (msg, label, help) = match option {
        "thread" if !thread_set_ok(v) => (
            format!("'{v}' is not a valid number/range: threads go from 1 to 64"),
            "thread set",
            "write thread numbers or ranges from 1 to 64, or all, odd, even",
        ),
        "ssl-min-ver" | "ssl-max-ver"
            if !matches!(v, "SSLv3" | "TLSv1.0" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3") =>
        {
            (
                format!("'{v}' : unknown ssl/tls version"),
                "not a version",
                "versions: SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3",
            )
        }
        "expose-fd" if v != "listeners" => (
            format!("'expose-fd' only supports 'listeners' (got '{v}')"),
            "not 'listeners'",
            "write 'expose-fd listeners' to pass the listening sockets on reloads",
        ),
        "verify" if !matches!(v, "none" | "optional" | "required") => (
            format!(
                "'verify' : unknown verify method '{v}', only 'none', 'optional', and 'required' are supported"
            ),
            "not a verify method",
            "write 'verify none', 'verify optional' or 'verify required' (in lower case)",
        ),
        _ => return None,
    };
    Some(
        Diagnostic::error("H0426", msg)
            .with_label(value.span, label)
            .with_help(help),
    )
}

/// Turns an address error into a diagnostic about keyword `what`.
pub(crate) fn address_error(e: &AddressError, text: &str, at: Span, what: &str) -> Diagnostic {
    match e {
        AddressError::MissingPort => Diagnostic::error(
            "H0408",
            format!("'{what}' : missing port specification in '{text}'"),
        )
        .with_label(at, "no port")
        .with_help("write ADDRESS:PORT, e.g. 127.0.0.1:8080 or :8080"),
        AddressError::InvalidPort(p) => {
            Diagnostic::error("H0409", format!("'{what}' : invalid port '{p}'"))
                .with_label(at, "ports go from 1 to 65535")
                .with_help("write a port or a LOW-HIGH range")
        }
        AddressError::InvalidAddress(a) => Diagnostic::error(
            "H0410",
            format!("'{what}' : invalid address: '{a}' in '{text}'"),
        )
        .with_label(at, "not an IP address")
        .with_help("IPv6 addresses with a port are written [ADDR]:PORT or ADDR:PORT"),
    }
}

/// Parses a `log` statement (proxy or global).
pub(crate) fn log(st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) -> Option<Log> {
    let w = &st.words;
    match w.get(1).map(|s| s.value.as_str()) {
        // `log global` alone; with more words, `global` is read as a target.
        Some("global") if w.get(2).is_none_or(|x| x.value.is_empty()) => Some(Log::Global(st.span)),
        None => {
            diags.push(missing_arg(&w[0]));
            None
        }
        Some(_) if w.len() < 3 => {
            diags.push(
                Diagnostic::error(
                    "H0411",
                    "'log' expects <address> and <facility> as arguments",
                )
                .with_label(st.span, "facility missing")
                .with_help("e.g. 'log 127.0.0.1:514 local0'"),
            );
            None
        }
        Some(target) if target.starts_with("ring@") || !log_facility_ok(&w[2..]) => {
            if target.starts_with("ring@") {
                return Some(Log::Target {
                    target: w[1].clone(),
                    args: w[2..].to_vec(),
                    span: st.span,
                });
            }
            diags.push(
                Diagnostic::error("H0416", "log : unknown log facility")
                    .with_label(st.span, "no valid facility on this line")
                    .with_help("facilities: kern user mail daemon auth syslog lpr news uucp cron auth2 ftp ntp audit alert cron2 local0..local7"),
            );
            None
        }
        Some(target) => {
            if let Some((msg, at)) = log_levels(&w[2..]) {
                diags.push(
                    Diagnostic::error("H0469", format!("log : {msg}"))
                        .with_label(at, "here")
                        .with_help("levels: emerg alert crit err warning notice info debug"),
                );
                return None;
            }
            let format = w
                .iter()
                .position(|x| x.value == "format")
                .and_then(|p| w.get(p + 1))
                .filter(|f| !LOG_FORMATS.contains(&f.value.as_str()));
            if let Some(f) = format {
                diags.push(
                    Diagnostic::error("H0469", format!("log : unknown log format '{}'", f.value))
                        .with_label(f.span, "not a log format")
                        .with_help(format!("formats: {}", LOG_FORMATS.join(", "))),
                );
                return None;
            }
            if let Some(why) = log_target_error(target) {
                diags.push(
                    Diagnostic::error("H0469", format!("log : {why}"))
                        .with_label(w[1].span, "not a log target")
                        .with_help(
                            "log to ADDRESS[:PORT] (an IP address or a name this host resolves), \
                             a UNIX socket path, stdout, stderr, fd@N or ring@NAME",
                        ),
                );
                return None;
            }
            Some(Log::Target {
                target: w[1].clone(),
                args: w[2..].to_vec(),
                span: st.span,
            })
        }
    }
}

/// The formats of `log ... format F` (HAProxy 2.6).
const LOG_FORMATS: &[&str] = &[
    "local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw",
];

/// Why a log target's address is refused, as `parse_logsrv()` refuses it:
/// an address that does not parse, a port out of range, or a name that does
/// not resolve (only `localhost` and short numeric forms such as `10.0.0`
/// do in a namespace without DNS).
fn log_target_error(target: &str) -> Option<String> {
    if target.starts_with('/')
        || matches!(target, "stdout" | "stderr")
        || ["fd@", "ring@", "unix@", "abns@"]
            .iter()
            .any(|p| target.starts_with(p))
    {
        return None;
    }
    match parse_address(target, false) {
        Err(AddressError::InvalidPort(p)) => Some(format!("invalid port '{p}'")),
        Err(AddressError::InvalidAddress(h)) if super::samples::ipv4_short(&h) => None,
        Err(_) => Some(format!("invalid address: '{target}' in '{target}'")),
        Ok(a) => match a.host {
            Host::Name(n) if n != "localhost" && !super::samples::ipv4_short(&n) => {
                Some(format!("invalid address: '{n}' in '{target}'"))
            }
            _ => None,
        },
    }
}

fn acl(p: &mut Proxy, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let w = &st.words;
    if w.len() < 3 {
        diags.push(
            Diagnostic::error("H0412", "'acl' expects a name and a criterion")
                .with_label(st.span, "incomplete")
                .with_help("e.g. 'acl is_api path_beg /api'"),
        );
        return;
    }
    let words: Vec<&str> = w[2..].iter().map(|x| x.value.as_str()).collect();
    if let Err((at, msg)) = super::samples::acl(&words) {
        let criterion = w[2].value.as_str();
        let fetch = criterion.split(['(', ',']).next().unwrap_or(criterion);
        let help = if msg.starts_with("unknown fetch method") {
            match suggest(fetch, fetches::FETCHES.iter().map(|(n, _, _, _)| *n)) {
                Some(f) => format!("did you mean '{f}'?"),
                None => "see section 7.3 of the manual for sample fetches".to_owned(),
            }
        } else {
            "see sections 7.1 and 7.3 of the manual (ACLs and sample fetches)".to_owned()
        };
        diags.push(
            Diagnostic::error(
                "H0417",
                format!("error detected while parsing ACL '{}' : {msg}", w[1].value),
            )
            .with_label(w[2 + at].span, "here")
            .with_help(help),
        );
        return;
    }
    p.acls.push(Acl {
        name: w[1].clone(),
        criterion: w[2].clone(),
        args: w[3..].to_vec(),
        span: st.span,
    });
}

/// A part of a condition, as HAProxy's `parse_acl_cond()` reads it.
pub(crate) enum CondPart<'a> {
    /// `{ criterion [flags] [patterns] }` (the brace may follow `!`s): the
    /// opening brace and the words up to the next `}` word.
    Anonymous {
        open: &'a Spanned<String>,
        inner: &'a [Spanned<String>],
    },
    /// A named ACL (the word, `!`s included) and its name.
    Named(&'a Spanned<String>, &'a str),
}

/// Splits the words of a condition (after `if` or `unless`) as HAProxy
/// does, up to the first empty word: `||` and `or` join terms, a `{` (after
/// any `!`) opens an anonymous ACL that the next word `}` closes (inside,
/// braces are patterns), every other word names an ACL. Fails with the
/// opening brace that nothing closes.
pub(crate) fn condition_parts(
    words: &[Spanned<String>],
) -> Result<Vec<CondPart<'_>>, &Spanned<String>> {
    let end = words
        .iter()
        .position(|w| w.value.is_empty())
        .unwrap_or(words.len());
    let words = &words[..end];
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        match w.value.trim_start_matches('!') {
            "||" | "or" | "" => {}
            "{" => {
                let inner = &words[i + 1..];
                let Some(close) = inner.iter().position(|x| x.value == "}") else {
                    return Err(w);
                };
                parts.push(CondPart::Anonymous {
                    open: w,
                    inner: &inner[..close],
                });
                i += close + 1;
            }
            name => parts.push(CondPart::Named(w, name)),
        }
        i += 1;
    }
    Ok(parts)
}

/// Parses `if|unless <condition>` from `words` (which start at the keyword).
pub(crate) fn condition(words: &[Spanned<String>]) -> Option<Condition> {
    let first = words.first()?;
    let negated = match first.value.as_str() {
        "if" => false,
        "unless" => true,
        _ => return None,
    };
    let rest = &words[1..];
    let text = rest
        .iter()
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // An unclosed brace is reported with the rule's other checks.
    let acls = condition_parts(rest)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|part| match part {
            CondPart::Named(w, name) => Some(Spanned::new(name.to_owned(), w.span)),
            CondPart::Anonymous { .. } => None,
        })
        .collect();
    let end = words.last().map_or(first.span, |l| l.span);
    Some(Condition {
        negated,
        text,
        acls,
        span: first.span.to(end),
    })
}

fn use_backend(p: &mut Proxy, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let w = &st.words;
    let Some(b) = w.get(1) else {
        diags.push(missing_arg(&w[0]));
        return;
    };
    let cond = w.get(2).and_then(|_| condition(&w[2..]));
    if w.len() > 2 && cond.is_none() {
        diags.push(
            Diagnostic::error(
                "H0413",
                "'use_backend' expects 'if' or 'unless' after the backend name",
            )
            .with_label(w[2].span, "expected 'if' or 'unless'")
            .with_help("write 'use_backend NAME if CONDITION'"),
        );
        return;
    }
    p.use_backends.push(UseBackend {
        backend: b.clone(),
        dynamic: b.value.contains('%'),
        condition: cond,
        span: st.span,
    });
}

const FACILITIES: &[&str] = &[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// Whether the words after a log target (`[len N] [format F] [sample R:S]
/// <facility> [level [minlevel]]`) name a known facility.
/// The optional level and minimum level after a log facility, as
/// `parse_logsrv()` reads them: each a known level, nothing after them.
fn log_levels(rest: &[Spanned<String>]) -> Option<(String, Span)> {
    const LEVELS: &[&str] = &[
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        match w.value.as_str() {
            "len" | "format" | "sample" => i += 2,
            _ => break,
        }
    }
    let after = rest.get(i + 1..).unwrap_or(&[]);
    let what = ["optional log level", "optional minimum log level"];
    for (k, w) in after.iter().enumerate() {
        if k >= 2 {
            return Some((
                format!("cannot handle unexpected argument '{}'", w.value),
                w.span,
            ));
        }
        if !LEVELS.contains(&w.value.as_str()) {
            return Some((format!("unknown {} '{}'", what[k], w.value), w.span));
        }
    }
    None
}

fn log_facility_ok(rest: &[Spanned<String>]) -> bool {
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        match w.value.as_str() {
            "len" | "format" | "sample" => i += 2,
            f => return FACILITIES.contains(&f),
        }
    }
    false
}

/// Whether a bind `thread` set (`[group/]set`: a number, a range `N-M` or
/// `N-`, or all/odd/even) stays within 1..=64.
fn thread_set_ok(text: &str) -> bool {
    let set = text.rsplit('/').next().unwrap_or(text);
    let in_range = |n: &str| n.parse::<u32>().is_ok_and(|n| (1..=64).contains(&n));
    match set {
        "all" | "odd" | "even" => true,
        _ => match set.split_once('-') {
            None => in_range(set),
            Some((low, "")) => in_range(low),
            Some((low, high)) => in_range(low) && in_range(high),
        },
    }
}
