//! `balance`, `server` and `default-server`.

use super::build::Stmt;
use super::keywords;
use super::model::{Balance, Server, ServerSettings, Spanned, Verify};
use super::proxy::address_error;
use super::values::{parse_address, parse_int, parse_time};
use crate::diagnostic::Diagnostic;

const ALGORITHMS: &[&str] = &[
    "roundrobin",
    "static-rr",
    "leastconn",
    "first",
    "source",
    "uri",
    "url_param",
    "hdr(name)",
    "random",
    "rdp-cookie(name)",
    "hash",
];

/// Parses `balance <algorithm> [arguments]`.
pub(crate) fn balance(
    kw: &Spanned<String>,
    args: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Spanned<Balance>> {
    let Some(alg) = args.first() else {
        // Without an algorithm HAProxy balances round robin.
        return Some(Spanned::new(Balance::RoundRobin, kw.span));
    };
    // HAProxy reads the arguments up to the first empty one (the algorithm
    // included).
    let end = args
        .iter()
        .position(|w| w.value.is_empty())
        .unwrap_or(args.len())
        .max(1);
    let rest = &args[1..end];
    let span = rest.last().map_or(alg.span, |l| alg.span.to(l.span));
    let bad = |msg: String| {
        Diagnostic::error("H0420", msg)
            .with_label(alg.span, "this algorithm")
            .with_help(format!("algorithms: {}", ALGORITHMS.join(", ")))
    };
    let a = alg.value.as_str();
    let b = match a {
        // An empty algorithm (`balance ""`) ends the arguments at once:
        // HAProxy falls back to round robin.
        "roundrobin" | "" => Balance::RoundRobin,
        "static-rr" => Balance::StaticRr,
        "leastconn" => Balance::LeastConn,
        "first" => Balance::First,
        "source" => Balance::Source,
        "uri" => {
            let (mut len, mut depth, mut whole, mut path_only) = (None, None, false, false);
            let mut i = 0;
            while i < rest.len() {
                match rest[i].value.as_str() {
                    k @ ("len" | "depth") => {
                        let v = rest.get(i + 1).and_then(|v| parse_int(&v.value).ok());
                        let Some(v) = v.filter(|v| *v > 0) else {
                            diags.push(bad(format!(
                                "'balance uri {k}' expects a positive integer (got '{}')",
                                rest.get(i + 1).map_or("", |v| v.value.as_str())
                            )));
                            return None;
                        };
                        if k == "len" {
                            len = Some(v);
                        } else {
                            depth = Some(v);
                        }
                        i += 2;
                    }
                    "whole" => {
                        whole = true;
                        i += 1;
                    }
                    "path-only" => {
                        path_only = true;
                        i += 1;
                    }
                    _ => {
                        diags.push(bad(
                            "'balance uri' only accepts parameters 'len', 'depth', 'path-only', and 'whole'"
                                .to_owned(),
                        ));
                        return None;
                    }
                }
            }
            Balance::Uri {
                len,
                depth,
                whole,
                path_only,
            }
        }
        "url_param" => {
            let Some(param) = rest.first() else {
                diags.push(bad(
                    "'balance url_param' requires an URL parameter name".to_owned()
                ));
                return None;
            };
            let modifier = rest.get(1);
            if let Some(m) = modifier.filter(|m| m.value != "check_post") {
                diags.push(
                    Diagnostic::error(
                        "H0420",
                        format!(
                            "balance url_param only accepts 'check_post' modifier (got '{}')",
                            m.value
                        ),
                    )
                    .with_label(m.span, "not a modifier")
                    .with_help(
                        "write 'check_post' to look for the parameter in the POST body too, or nothing",
                    ),
                );
                return None;
            }
            Balance::UrlParam {
                param: param.value.clone(),
                check_post: modifier.is_some(),
            }
        }
        "hash" => {
            if rest.is_empty() {
                diags.push(bad("'balance hash' expects a sample expression".to_owned()));
                return None;
            }
            if let Some(extra) = rest.get(1) {
                diags.push(bad(format!(
                    "balance hash takes no other argument (got '{}')",
                    extra.value
                )));
                return None;
            }
            let e = &rest[0];
            let checked = super::samples::expr(&e.value, false)
                .map_err(|m| {
                    format!(
                        "failed to parse 'balance hash' expression '{}' in : {m}",
                        e.value
                    )
                })
                .and_then(|_| {
                    super::samples::available(&e.value, super::samples::Where::ServerSelection)
                        .map_err(|m| {
                            format!("error detected while parsing 'balance hash' expression : {m}")
                        })
                });
            if let Err(msg) = checked {
                diags.push(
                    Diagnostic::error("H0420", msg)
                        .with_label(e.span, "this sample expression")
                        .with_help("hash a request sample, e.g. 'balance hash req.cook(session)' or 'balance hash src'"),
                );
                return None;
            }
            Balance::Hash { expr: join(rest) }
        }
        a if a.starts_with("hdr(") => {
            let Some(name) = a[4..].strip_suffix(')').filter(|n| !n.is_empty()) else {
                diags.push(bad(
                    "'balance hdr' requires an HTTP header field name in parenthesis".to_owned(),
                ));
                return None;
            };
            if let Some(m) = rest.first().filter(|m| m.value != "use_domain_only") {
                diags.push(bad(format!(
                    "balance {a} only accepts 'use_domain_only' modifier (got '{}')",
                    m.value
                )));
                return None;
            }
            Balance::Hdr {
                name: name.to_owned(),
                use_domain_only: !rest.is_empty(),
            }
        }
        a if a == "random" || a.starts_with("random(") => {
            let draws = match a.strip_prefix("random(") {
                None => None,
                Some(d) => {
                    let Some(n) = d
                        .strip_suffix(')')
                        .and_then(|n| parse_int(n).ok())
                        .filter(|n| *n > 0)
                    else {
                        diags.push(bad(
                            "'balance random(<draws>)' expects a positive number of draws"
                                .to_owned(),
                        ));
                        return None;
                    };
                    Some(n)
                }
            };
            Balance::Random { draws }
        }
        a if a == "rdp-cookie" || a.starts_with("rdp-cookie(") => {
            let name = match a.strip_prefix("rdp-cookie(") {
                None => None,
                Some(n) => {
                    let Some(n) = n.strip_suffix(')') else {
                        diags.push(bad(
                            "'balance rdp-cookie' expects 'rdp-cookie(<name>)'".to_owned()
                        ));
                        return None;
                    };
                    (!n.is_empty()).then(|| n.to_owned())
                }
            };
            Balance::RdpCookie { name }
        }
        _ => {
            diags.push(bad(
                "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', \
                 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options"
                    .to_owned(),
            ));
            return None;
        }
    };
    Some(Spanned::new(b, span))
}

fn join(words: &[Spanned<String>]) -> String {
    words
        .iter()
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses `server <name> <address> [options]`.
pub(crate) fn server(st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) -> Option<Server> {
    let w = &st.words;
    let (Some(name), Some(addr)) = (w.get(1), w.get(2)) else {
        diags.push(
            Diagnostic::error(
                "H0421",
                "'server' expects <name> and <addr>[:<port>] as arguments",
            )
            .with_label(st.span, "address missing")
            .with_help("e.g. 'server app1 198.18.0.10:8080 check'"),
        );
        return None;
    };
    let address = match parse_address(&addr.value, false) {
        Ok(a) => Some(Spanned::new(a, addr.span)),
        Err(e) => {
            diags.push(address_error(&e, &addr.value, addr.span, "server"));
            None
        }
    };
    Some(Server {
        name: name.clone(),
        address,
        settings: settings(&w[3..], diags),
        span: st.span,
    })
}

/// Parses server options (after the address, or after `default-server`).
pub(crate) fn settings(words: &[Spanned<String>], diags: &mut Vec<Diagnostic>) -> ServerSettings {
    let mut s = ServerSettings::default();
    let mut i = 0;
    while i < words.len() {
        let o = &words[i];
        let Some(arity) = keywords::server_option(&o.value) else {
            let names = keywords::SERVER_OPTIONS.iter().map(|(n, _)| *n);
            let d = Diagnostic::error("H0422", format!("unknown keyword '{}'", o.value))
                .with_label(o.span, "not a server option");
            diags.push(match super::build::suggest(&o.value, names) {
                Some(x) => d.with_help(format!("did you mean '{x}'?")),
                None => d.with_help("see section 5.2 of the manual for server options"),
            });
            return s;
        };
        let mut n = 0;
        if arity > 0 {
            if words.get(i + 1).is_none() {
                diags.push(
                    Diagnostic::error("H0423", format!("'{}' expects an argument", o.value))
                        .with_label(o.span, "value missing")
                        .with_help(format!("write '{} <value>'", o.value)),
                );
                return s;
            }
            // `source ADDR usesrc ADDR` takes three words, the others one.
            n = if o.value == "source" && words.get(i + 2).is_some_and(|u| u.value == "usesrc") {
                (i + 4).min(words.len()) - (i + 1)
            } else {
                1
            };
        }
        let args = &words[i + 1..i + 1 + n];
        i += 1 + n;
        if !apply(&mut s, o, args.first(), diags) {
            s.other_options.push((o.clone(), args.to_vec()));
        }
    }
    s
}

/// Checks option `o` (with its first argument `arg`) and sets its typed
/// field. Returns whether `o` is one of the options a typed field holds
/// (then it is not kept as written, even when its value is wrong).
fn apply(
    s: &mut ServerSettings,
    o: &Spanned<String>,
    arg: Option<&Spanned<String>>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let value = arg.map_or("", |a| a.value.as_str());
    let at = arg.map_or(o.span, |a| a.span);
    let mut time = |slot: &mut Option<u32>| match parse_time(value, 1) {
        Ok(v) if v > 0 => *slot = Some(saturate(v)),
        Ok(_) => diags.push(bad(o, at, "must be greater than 0")),
        Err(e) => diags.push(bad(o, at, &e)),
    };
    match o.value.as_str() {
        "inter" => time(&mut s.inter),
        "fastinter" => time(&mut s.fastinter),
        "downinter" => time(&mut s.downinter),
        "agent-inter" => time(&mut s.agent_inter),
        "slowstart" => match parse_time(value, 1) {
            Ok(v) => s.slowstart = Some(saturate(v)),
            Err(e) => diags.push(bad(o, at, &e)),
        },
        k @ ("port" | "agent-port") => {
            // Read with atoi(): garbage is zero.
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            let n = saturate(digits.parse().unwrap_or(0));
            if k == "port" {
                s.port = Some(n);
            } else {
                s.agent_port = Some(n);
            }
        }
        "on-error"
            if !matches!(
                value,
                "fastinter" | "fail-check" | "sudden-death" | "mark-down"
            ) =>
        {
            diags.push(bad(
                o,
                at,
                "expected 'fastinter', 'fail-check', 'sudden-death' or 'mark-down'",
            ));
        }
        "ssl-min-ver" | "ssl-max-ver"
            if !matches!(
                value,
                "SSLv3" | "TLSv1.0" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"
            ) =>
        {
            diags.push(bad(o, at, "unknown ssl/tls version"));
        }
        k @ ("rise" | "fall" | "weight" | "maxconn") => {
            // Read with atol(): the leading digits, zero without any.
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            let n = if digits.is_empty() && value.starts_with('-') {
                diags.push(bad(o, at, &format!("'{value}' is not a number")));
                return true;
            } else {
                digits
                    .parse::<u64>()
                    .unwrap_or(if digits.is_empty() { 0 } else { u64::MAX })
            };
            let ok = match k {
                "rise" | "fall" => n > 0,
                "weight" => n <= 256,
                _ => true,
            };
            if !ok {
                let why = match k {
                    "weight" => "weight must be between 0 and 256",
                    _ => "must be greater than 0",
                };
                diags.push(bad(o, at, why));
                return true;
            }
            let slot = match k {
                "rise" => &mut s.rise,
                "fall" => &mut s.fall,
                "weight" => &mut s.weight,
                _ => &mut s.maxconn,
            };
            *slot = Some(saturate(n));
        }
        "id" => {
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            if digits.parse::<u64>().unwrap_or(0) == 0 {
                diags.push(bad(o, at, "custom id has to be > 0"));
            }
        }
        "check" => s.check = Some(true),
        "no-check" => s.check = Some(false),
        "backup" => s.backup = Some(true),
        "no-backup" => s.backup = Some(false),
        "disabled" => s.disabled = Some(true),
        "enabled" => s.disabled = Some(false),
        "ssl" => s.ssl = Some(true),
        "no-ssl" => s.ssl = Some(false),
        "send-proxy" => s.send_proxy = Some(true),
        "no-send-proxy" => s.send_proxy = Some(false),
        "send-proxy-v2" => s.send_proxy_v2 = Some(true),
        "no-send-proxy-v2" => s.send_proxy_v2 = Some(false),
        "agent-check" => s.agent_check = Some(true),
        "no-agent-check" => s.agent_check = Some(false),
        "verify" => match value {
            "none" => s.verify = Some(Verify::None),
            "required" => s.verify = Some(Verify::Required),
            _ => diags.push(bad(o, at, "expected 'none' or 'required'")),
        },
        "namespace" if !std::path::Path::new("/var/run/netns").join(value).exists() => {
            diags.push(bad(
                o,
                at,
                "no such network namespace (see `ip netns list`)",
            ));
        }
        _ => {}
    }
    typed(&o.value)
}

/// Whether [`ServerSettings`] has a typed field for option `name`.
fn typed(name: &str) -> bool {
    matches!(
        name,
        "inter"
            | "fastinter"
            | "downinter"
            | "agent-inter"
            | "slowstart"
            | "port"
            | "agent-port"
            | "rise"
            | "fall"
            | "weight"
            | "maxconn"
            | "check"
            | "no-check"
            | "backup"
            | "no-backup"
            | "disabled"
            | "enabled"
            | "ssl"
            | "no-ssl"
            | "send-proxy"
            | "no-send-proxy"
            | "send-proxy-v2"
            | "no-send-proxy-v2"
            | "agent-check"
            | "no-agent-check"
            | "verify"
    )
}

/// A value for a `u32` field: larger ones are kept as `u32::MAX`.
fn saturate(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn bad(o: &Spanned<String>, at: crate::source::Span, why: &str) -> Diagnostic {
    Diagnostic::error("H0424", format!("invalid value for '{}': {why}", o.value))
        .with_label(at, "this value")
        .with_help("times take us, ms, s, m, h or d (default ms)")
}
