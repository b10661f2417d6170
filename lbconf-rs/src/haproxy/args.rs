//! Argument checks of proxy keywords whose values HAProxy 2.6 validates while
//! parsing (each rule checked against Debian's `haproxy -c`).

use super::build::Stmt;
use super::model::Spanned;
use super::values::{parse_size, parse_time};
use crate::diagnostic::Diagnostic;

const COOKIE_OPTIONS: &[&str] = &[
    "rewrite", "insert", "prefix", "indirect", "nocache", "postonly", "preserve", "httponly",
    "secure", "domain", "maxidle", "maxlife", "dynamic", "attr",
];
const STICK_TYPES: &[&str] = &["ip", "ipv6", "integer", "string", "binary"];
const STICK_STORE: &[&str] = &[
    "server_id",
    "gpc0",
    "gpc0_rate",
    "gpc1",
    "gpc1_rate",
    "conn_cnt",
    "conn_cur",
    "conn_rate",
    "sess_cnt",
    "sess_rate",
    "http_req_cnt",
    "http_req_rate",
    "http_err_cnt",
    "http_err_rate",
    "bytes_in_cnt",
    "bytes_in_rate",
    "bytes_out_cnt",
    "bytes_out_rate",
    "gpt0",
    "gpt",
    "gpc",
    "gpc_rate",
    "http_fail_cnt",
    "http_fail_rate",
    "server_key",
    "server_name",
];
/// Filters that need nothing outside the proxy line to load.
const FILTERS: &[&str] = &[
    "compression",
    "trace",
    "cache",
    "spoe",
    "fcgi-app",
    "opentracing",
];
/// Status codes `errorloc*` and `http-error` accept.
pub(crate) const ERROR_CODES: &[&str] = &[
    "200", "400", "401", "403", "404", "405", "407", "408", "410", "413", "425", "429", "500",
    "501", "502", "503", "504",
];

fn err(code: &'static str, msg: String, at: &Spanned<String>, help: &str) -> Diagnostic {
    Diagnostic::error(code, msg)
        .with_label(at.span, "here")
        .with_help(help.to_owned())
}

/// Checks the arguments of keyword `name` (as found in the keyword table) in
/// statement `st`, whose arguments start at `args`.
pub(crate) fn check(
    name: &str,
    st: &Stmt<'_>,
    args: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) {
    let first = args.first();
    let value = |i: usize| args.get(i).map_or("", |a| a.value.as_str());
    match name {
        "http-reuse" => {
            if let Some(a) = first
                .filter(|a| !matches!(a.value.as_str(), "never" | "safe" | "aggressive" | "always"))
            {
                diags.push(err(
                    "H0430",
                    "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'".into(),
                    a,
                    "pick one of the four",
                ));
            }
        }
        "hash-type" => {
            if let Some(a) =
                first.filter(|a| !matches!(a.value.as_str(), "consistent" | "map-based"))
            {
                diags.push(err(
                    "H0431",
                    "'hash-type' only supports 'consistent' and 'map-based'".into(),
                    a,
                    "write 'hash-type consistent' or 'hash-type map-based'",
                ));
            }
        }
        "compression" if value(0) == "algo" => {
            for a in &args[1..] {
                if !matches!(
                    a.value.as_str(),
                    "identity" | "gzip" | "deflate" | "raw-deflate"
                ) {
                    diags.push(err(
                        "H0432",
                        format!("'compression' : '{}' is not a supported algorithm", a.value),
                        a,
                        "algorithms: identity, gzip, deflate, raw-deflate",
                    ));
                }
            }
        }
        "cookie" => {
            let mut i = 1;
            while let Some(a) = args.get(i) {
                if !COOKIE_OPTIONS.contains(&a.value.as_str()) {
                    diags.push(err("H0433", format!("'cookie' does not support the option '{}'", a.value), a, "options: rewrite, insert, prefix, indirect, nocache, postonly, preserve, httponly, secure, domain, maxidle, maxlife, dynamic, attr"));
                    return;
                }
                i += if matches!(a.value.as_str(), "domain" | "maxidle" | "maxlife" | "attr") {
                    2
                } else {
                    1
                };
            }
            let has = |o: &str| args.iter().skip(1).any(|a| a.value == o);
            if has("preserve") && !has("insert") && !has("indirect") {
                diags.push(err(
                    "H0434",
                    "cookie 'preserve' requires at least 'insert' or 'indirect'".into(),
                    &args[0],
                    "add 'insert' or 'indirect'",
                ));
            }
        }
        "stick-table" => stick_table(args, diags),
        "compression" if !matches!(value(0), "algo" | "type" | "offload") => {
            diags.push(err(
                "H0444",
                "'compression' expects 'algo', 'type' or 'offload'".into(),
                first.unwrap_or(&st.words[0]),
                "e.g. 'compression algo gzip' or 'compression type text/html'",
            ));
        }
        "log-format" | "log-format-sd" | "unique-id-format" | "error-log-format"
            if args.len() > 1 =>
        {
            diags.push(err(
                "H0443",
                format!("{name} expects only one argument, don't forget to escape spaces!"),
                &args[1],
                "quote the format (\"%ci %cp\") or escape its spaces with '\\'",
            ));
        }
        "filter" => {
            if let Some(a) = first.filter(|a| !FILTERS.contains(&a.value.as_str())) {
                diags.push(err(
                    "H0435",
                    format!("'filter' : unknown keyword '{}'", a.value),
                    a,
                    "filters: compression, trace, cache, spoe, fcgi-app, opentracing",
                ));
            } else if matches!(value(0), "spoe" | "opentracing") && args.len() < 2 {
                diags.push(err(
                    "H0436",
                    format!("'filter {}' needs its configuration file", value(0)),
                    &args[0],
                    "add 'config FILE'",
                ));
            }
        }
        "option forwardfor" | "option originalto" | "option httplog" => {
            option_args(name, st, args, diags);
        }
        "errorloc" | "errorloc302" | "errorloc303" | "http-error" => {
            let code = if name == "http-error" {
                args.iter()
                    .position(|a| a.value == "status")
                    .and_then(|p| args.get(p + 1))
            } else {
                first
            };
            if let Some(c) = code.filter(|c| !ERROR_CODES.contains(&c.value.as_str())) {
                diags.push(err(
                    "H0437",
                    format!("{name} : status code '{}' not handled", c.value),
                    c,
                    "use a status HAProxy has an error page for",
                ));
            }
        }
        "declare capture" => {
            if let Some((msg, at)) = declare_capture(args) {
                diags.push(err(
                    "H0438",
                    msg,
                    at.unwrap_or(&st.words[0]),
                    "e.g. 'declare capture request len 64'",
                ));
            }
        }
        // The keyword is found by its first two words: the third must be
        // `header` too.
        "capture request header" | "capture response header" if value(1) != "header" => {
            diags.push(err(
                "H0438",
                "'capture' expects 'cookie' or 'request header' or 'response header'".into(),
                args.get(1).unwrap_or(&st.words[0]),
                "e.g. 'capture request header Host len 32' or 'capture cookie SRV len 32'",
            ));
        }
        "capture request header" | "capture response header"
            if value(2).is_empty() || value(3) != "len" || value(4).is_empty() =>
        {
            diags.push(err(
                "H0438",
                "'capture' expects 'header' <header_name> 'len' <len>".into(),
                &st.words[0],
                "e.g. 'capture request header Host len 32'",
            ));
        }
        "capture request header" | "capture response header" if !value(5).is_empty() => {
            diags.push(err(
                "H0438",
                format!(
                    "'capture {}' cannot handle unexpected argument '{}'",
                    value(0),
                    value(5)
                ),
                &args[5],
                "remove it",
            ));
        }
        "capture cookie" if value(3).is_empty() => {
            diags.push(err(
                "H0438",
                "'capture' expects 'cookie' <cookie_name> 'len' <len>".into(),
                &st.words[0],
                "e.g. 'capture cookie SRV len 32'",
            ));
        }
        _ => {}
    }
}

/// What is wrong with `declare capture request|response len LENGTH`
/// (`args` from `capture` on), and where, as HAProxy reads it: the length
/// with `strtol()`, above zero.
fn declare_capture(args: &[Spanned<String>]) -> Option<(String, Option<&Spanned<String>>)> {
    let dir = args.get(1);
    if !dir.is_some_and(|d| matches!(d.value.as_str(), "request" | "response")) {
        return Some((
            "'declare capture' requires a direction ('request' or 'response')".into(),
            dir,
        ));
    }
    let len = args.get(2);
    if len.is_none_or(|l| l.value != "len") {
        return Some((
            "'declare capture' requires a capture length ('len')".into(),
            len.or(dir),
        ));
    }
    let Some(v) = args.get(3).filter(|v| !v.value.is_empty()) else {
        return Some((
            "'declare capture': 'len' requires a numeric value that represents the capture length"
                .into(),
            len,
        ));
    };
    let text = v
        .value
        .trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some((
            format!("'declare capture': cannot parse the length '{}'", v.value),
            Some(v),
        ));
    }
    if negative || digits.bytes().all(|b| b == b'0') {
        return Some(("length must be > 0".into(), Some(v)));
    }
    None
}

/// Checks the arguments of a `stick-table` line, or of a peers section's
/// `table NAME` line after the name.
pub(crate) fn stick_table(args: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let v = args.get(i + 1);
        let text = v.map_or("", |x| x.value.as_str());
        let bad = match a.value.as_str() {
            "type" if !STICK_TYPES.contains(&text) => Some(format!("unknown type '{text}'")),
            // `string` and `binary` keys may give their length right after
            // the type, read with atol() and not zero.
            "type"
                if matches!(text, "string" | "binary")
                    && args.get(i + 2).is_some_and(|l| l.value == "len") =>
            {
                let n = args.get(i + 3);
                let len = n.map_or("", |x| x.value.as_str());
                if atol(len) == 0 {
                    diags.push(err(
                        "H0439",
                        format!("stick-table: unknown type '{len}'"),
                        n.unwrap_or(&args[i + 2]),
                        "give the key length in bytes, above zero, e.g. 'type string len 32'",
                    ));
                    return;
                }
                i += 4;
                continue;
            }
            "type" => None,
            "size" => parse_size(text).err(),
            "expire" => parse_time(text, 1).err(),
            "store" => text.split(',').find_map(|s| {
                let base = s.split('(').next().unwrap_or(s);
                (!STICK_STORE.contains(&base)).then(|| format!("unknown store option '{base}'"))
            }),
            "peers" | "srvkey" => None,
            "nopurge" => {
                i += 1;
                continue;
            }
            other => {
                diags.push(err(
                    "H0439",
                    format!("stick-table: unknown argument '{other}'"),
                    a,
                    "arguments: type, size, expire, nopurge, peers, srvkey, store (and len right after type string|binary)",
                ));
                return;
            }
        };
        if let Some(why) = bad {
            diags.push(err(
                "H0439",
                format!("stick-table: {why}"),
                v.unwrap_or(a),
                "see 'stick-table' in the manual",
            ));
            return;
        }
        i += 2;
    }
}

/// A number as C's `atol()` reads it: leading blanks, a sign, then digits
/// as far as they go (none is zero).
fn atol(text: &str) -> i64 {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n = t.bytes().take_while(u8::is_ascii_digit).fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    if negative { -n } else { n }
}

fn option_args(name: &str, st: &Stmt<'_>, args: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    let opts = &args[1..];
    if name == "option httplog" {
        if let Some(a) = opts.first().filter(|a| a.value != "clf") {
            diags.push(err(
                "H0440",
                "keyword 'httplog' only supports option 'clf'".into(),
                a,
                "write 'option httplog' or 'option httplog clf'",
            ));
        }
        return;
    }
    // `option forwardfor` and `option originalto` (which has no if-none).
    let forwardfor = name == "option forwardfor";
    let mut i = 0;
    while let Some(a) = opts.get(i) {
        match a.value.as_str() {
            "except" | "header" => {
                let Some(v) = opts.get(i + 1) else {
                    diags.push(err(
                        "H0441",
                        format!("'{name} {}' expects an argument", a.value),
                        a,
                        &format!("e.g. '{name} header X-Real-IP'"),
                    ));
                    return;
                };
                if a.value == "except" && !super::samples::ip_pattern(&v.value) {
                    diags.push(err(
                        "H0441",
                        format!("'{name} except' expects <address>[/mask] as argument"),
                        v,
                        "write a network the option leaves out, e.g. 127.0.0.0/8 or ::1/128",
                    ));
                    return;
                }
                i += 2;
            }
            "if-none" if forwardfor => i += 1,
            _ => {
                let values = if forwardfor {
                    "'except', 'header' and 'if-none'"
                } else {
                    "'except' and 'header'"
                };
                diags.push(err(
                    "H0442",
                    format!("'{name}' only supports optional values: {values}"),
                    a,
                    "remove the unknown value",
                ));
                let _ = st;
                return;
            }
        }
    }
}
