//! Argument checks of `global` keywords HAProxy 2.6 validates while parsing
//! (each rule checked against Debian's `haproxy -c`).

use std::path::Path;

use super::build::Stmt;
use super::model::Spanned;
use super::values::parse_time;
use crate::diagnostic::Diagnostic;

/// Keywords that take no argument.
const FLAGS: &[&str] = &[
    "daemon",
    "quiet",
    "zero-warning",
    "noepoll",
    "nopoll",
    "nosplice",
    "nokqueue",
    "noevports",
    "nogetaddrinfo",
    "noreuseport",
    "busy-polling",
    "set-dumpable",
    "strict-limits",
    "insecure-fork-wanted",
    "insecure-setuid-wanted",
    "external-check",
    "no-memory-trimming",
    "h2-workaround-bogus-websocket-clients",
];
/// Keywords that take exactly one argument.
const ONE: &[&str] = &[
    "user",
    "group",
    "uid",
    "gid",
    "pidfile",
    "log-tag",
    "hard-stop-after",
    "node",
    "chroot",
    "localpeer",
];
const SSL_OPTIONS: &[&str] = &[
    "no-sslv3",
    "no-tlsv10",
    "no-tlsv11",
    "no-tlsv12",
    "no-tlsv13",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "force-tlsv12",
    "force-tlsv13",
    "no-tls-tickets",
    "prefer-client-ciphers",
    "ssl-min-ver",
    "ssl-max-ver",
];

fn fail(code: &'static str, msg: String, at: &Spanned<String>, help: &str) -> Diagnostic {
    Diagnostic::error(code, msg)
        .with_label(at.span, "here")
        .with_help(help.to_owned())
}

fn number(text: &str) -> Option<u64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn atol(text: &str) -> u64 {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        0
    } else {
        digits.parse().unwrap_or(u64::MAX)
    }
}

/// Whether `part` is a process or thread set as `parse_process_number()`
/// reads it: `all`, `odd`, `even`, `N`, `N-M` (either order) or `N-`, the
/// numbers from 1 to 64.
fn thread_range(part: &str) -> bool {
    if matches!(part, "all" | "odd" | "even") {
        return true;
    }
    let in_range = |n: &str| number(n).is_some_and(|n| (1..=64).contains(&n));
    match part.split_once('-') {
        None => in_range(part),
        Some((low, "")) => in_range(low),
        Some((low, high)) => in_range(low) && in_range(high),
    }
}

/// Checks the arguments of global keyword statement `st`.
pub(crate) fn check(st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let w = &st.words;
    let kw = &w[0];
    let name = kw.value.as_str();
    let arg = w.get(1);
    let text = arg.map_or("", |a| a.value.as_str());
    if FLAGS.contains(&name) || ONE.contains(&name) {
        let want = usize::from(ONE.contains(&name));
        if let Some(extra) = w.get(want + 1) {
            diags.push(fail(
                "H0450",
                format!(
                    "'{name}' cannot handle unexpected argument '{}'",
                    extra.value
                ),
                extra,
                "remove it",
            ));
        } else if want == 1 && arg.is_none_or(|a| a.value.is_empty()) {
            diags.push(fail(
                "H0451",
                format!("'{name}' expects an argument"),
                kw,
                "see the keyword in section 3 of the manual",
            ));
        } else if name == "hard-stop-after" {
            if let Err(e) = parse_time(text, 1) {
                diags.push(fail(
                    "H0452",
                    format!("{e} in argument to '{name}'"),
                    &w[1],
                    "times take us, ms, s, m, h or d",
                ));
            }
        }
        return;
    }
    match name {
        "description" | "log-tag" if arg.is_none() => {
            diags.push(fail("H0451", format!("'{name}' expects an argument"), kw, "add the text"));
        }
        "setenv" | "presetenv" | "h1-case-adjust" if w.len() < 3 => {
            diags.push(fail("H0453", format!("'{name}' expects two arguments"), kw, "e.g. 'setenv NAME value'"));
        }
        "h1-case-adjust" if w.len() >= 3 && !w[1].value.eq_ignore_ascii_case(&w[2].value) => {
            diags.push(fail("H0453", "<from> and <to> must not differ execpt the case".into(), &w[2], "write the header name as it should be sent, e.g. 'h1-case-adjust content-length Content-Length'"));
        }
        "h1-case-adjust-file" if !Path::new(text).is_file() => {
            diags.push(fail("H0454", format!("'{name}' : cannot open '{text}'"), arg.unwrap_or(kw), "name an existing file"));
        }
        // Read with atol(): garbage is zero, which is in range.
        "spread-checks" if atol(text) > 50 => {
            diags.push(fail("H0455", "'spread-checks' needs a value in range 0..50".into(), arg.unwrap_or(kw), "a percentage from 0 to 50"));
        }
        "max-spread-checks" if parse_time(text, 1).is_err() => {
            diags.push(fail("H0452", format!("invalid time '{text}' in 'max-spread-checks'"), arg.unwrap_or(kw), "times take us, ms, s, m, h or d"));
        }
        "master-worker" if arg.is_some_and(|a| a.value != "no-exit-on-failure") => {
            diags.push(fail("H0450", "'master-worker' only supports 'no-exit-on-failure' option".into(), arg.unwrap_or(kw), "write 'master-worker' alone, or 'master-worker no-exit-on-failure'"));
        }
        "master-worker" if w.len() > 2 => {
            diags.push(fail("H0450", format!("'master-worker' cannot handle unexpected argument '{}'", w[2].value), &w[2], "remove it"));
        }
        "tune.bufsize" if number(text).is_none_or(|n| n == 0) => {
            diags.push(fail("H0456", "'tune.bufsize' expects a positive integer argument".into(), arg.unwrap_or(kw), "a size in bytes, without unit"));
        }
        "tune.ssl.default-dh-param" if number(text).is_none_or(|n| n < 1024) => {
            diags.push(fail("H0457", "'tune.ssl.default-dh-param' expects a value >= 1024".into(), arg.unwrap_or(kw), "e.g. 2048"));
        }
        // `auto:` ranges are judged against the CPU set's size: not here.
        "cpu-map" if !text.starts_with("auto:") && !text.split('/').all(thread_range) => {
            diags.push(fail("H0458", format!("cpu-map : '{text}' is not a valid number/range"), arg.unwrap_or(kw), "threads as numbers (1 to 64) or ranges (N-M, N-), or all, odd, even"));
        }
        "stats" => match text {
            "socket" => {
                // After the address come bind options.
                let mut i = 3;
                while let Some(o) = w.get(i) {
                    let Some(arity) = super::keywords::bind_option(&o.value) else {
                        let names = super::keywords::BIND_OPTIONS.iter().map(|(n, _)| *n);
                        let help = match super::build::suggest(&o.value, names) {
                            Some(s) => format!("did you mean '{s}'?"),
                            None => "'stats socket' takes the options of 'bind' lines".to_owned(),
                        };
                        diags.push(fail("H0459", format!("'stats socket' : unknown keyword '{}'", o.value), o, &help));
                        break;
                    };
                    if arity > 0 && w.get(i + 1).is_none() {
                        diags.push(fail("H0459", format!("'stats socket' : '{}' : missing value", o.value), o, &format!("write '{} <value>'", o.value)));
                        break;
                    }
                    if let Some(d) = w.get(i + 1).filter(|_| arity > 0).and_then(|v| super::proxy::bind_value_error(&o.value, v)) {
                        diags.push(d);
                        break;
                    }
                    i += 1 + usize::from(arity);
                }
            }
            "maxconn" | "bind-process" => {}
            "timeout" => {
                let t = w.get(2).map_or("", |x| x.value.as_str());
                if let Err(e) = parse_time(t, 1) {
                    diags.push(fail("H0452", format!("'stats timeout' : {e}"), w.get(2).unwrap_or(kw), "times take us, ms, s, m, h or d"));
                }
            }
            other => diags.push(fail("H0459", format!("'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '{other}')"), arg.unwrap_or(kw), "see 'stats' in section 3 of the manual")),
        },
        "ssl-default-bind-options" | "ssl-default-server-options" => {
            let mut i = 1;
            while let Some(o) = w.get(i) {
                if !SSL_OPTIONS.contains(&o.value.as_str()) {
                    diags.push(fail("H0460", format!("unknown option '{}' on global statement '{name}'", o.value), o, "options: no-sslv3, no-tlsv1x, force-tlsv1x, no-tls-tickets, prefer-client-ciphers, ssl-min-ver V, ssl-max-ver V"));
                    return;
                }
                if o.value.starts_with("ssl-m") {
                    let v = w.get(i + 1);
                    let version = v.map_or("", |v| v.value.as_str());
                    if !matches!(version, "SSLv3" | "TLSv1.0" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3") {
                        diags.push(fail("H0460", format!("'{version}' : unknown ssl/tls version on global statement '{name}'"), v.unwrap_or(o), "versions: SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3"));
                        return;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
        _ => {}
    }
}
