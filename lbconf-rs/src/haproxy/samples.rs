//! Sample expressions (`fetch[(args)][,converter[(args)]]...`), ACL
//! criteria and regular expressions, checked as HAProxy 2.6 checks them
//! while it parses: `sample_parse_expr()`, `make_arg_list()`,
//! `parse_acl_expr()` and `regex_comp()` (PCRE2, as Debian builds HAProxy).
//! Every message and rule here was compared with Debian's `haproxy -c`.

use super::fetches::{ACL_KEYWORDS, CONVERTERS, FETCHES};

/// The match methods of `-m` (configuration.txt 7.1.3).
const METHODS: &[&str] = &[
    "found", "bool", "int", "ip", "bin", "len", "str", "sub", "reg", "beg", "end", "dir", "dom",
];

/// Argument types HAProxy parses while reading the configuration; an empty
/// argument of one of these is an error (the others are kept as text and
/// resolved later, a proxy name defaulting to the current proxy).
const PARSED_TYPES: &[&str] = &[
    "integer",
    "IPv4 address",
    "IPv6 address",
    "IPv4 mask",
    "IPv6 mask",
    "Protocol buffers field number",
];

/// One argument of a fetch or converter: its type and whether it is
/// mandatory.
struct ArgType<'a> {
    name: &'a str,
    mandatory: bool,
}

/// The arguments of a signature as HAProxy prints it (`string[,integer]`).
fn signature(sig: &str) -> impl Iterator<Item = ArgType<'_>> {
    let mandatory_end = sig.find('[').unwrap_or(sig.len());
    let mut at = 0;
    sig.split(',').filter_map(move |part| {
        let start = at;
        at += part.len() + 1;
        let name = part.trim_matches(['[', ']']);
        (!name.is_empty()).then_some(ArgType {
            name,
            mandatory: start < mandatory_end,
        })
    })
}

/// A converter's (arguments, output type, input type).
fn converter(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    CONVERTERS
        .binary_search_by(|(n, _, _, _)| n.cmp(&name))
        .ok()
        .map(|i| (CONVERTERS[i].1, CONVERTERS[i].2, CONVERTERS[i].3))
}

/// Whether a sample of type `from` can be cast to a converter's input type
/// `to`, as Debian's `haproxy -c` judges it (`converter 'X' cannot be
/// applied` otherwise; each pair checked with a fetch of each type).
fn castable(from: &str, to: &str) -> bool {
    match (from, to) {
        // `any` and `addr` (an IPv4 or IPv6 address) are known at run time.
        ("any" | "addr" | "str" | "sint", _) | (_, "any" | "str" | "bin") => true,
        ("bool", to) => to != "addr",
        ("ipv4", to) => to != "bool",
        ("ipv6", to) => to == "addr",
        // bin, meth
        _ => false,
    }
}

/// A fetch's (arguments, output type).
fn fetch(name: &str) -> Option<(&'static str, &'static str)> {
    FETCHES
        .binary_search_by(|(n, _, _, _)| n.cmp(&name))
        .ok()
        .map(|i| (FETCHES[i].1, FETCHES[i].2))
}

/// Where a sample expression is evaluated: the columns of `haproxy
/// -dKsmp`'s table, as bits of the last field of [`FETCHES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Where {
    FrontendTcpConnection = 0,
    FrontendTcpSession = 1,
    FrontendTcpContent = 2,
    FrontendHttpRequest = 3,
    BackendTcpContent = 6,
    BackendHttpRequest = 7,
    BackendTcpResponse = 11,
    BackendHttpResponse = 12,
    FrontendTcpResponse = 15,
    FrontendHttpResponse = 16,
    /// A backend choosing a server (`balance hash`).
    ServerSelection = 9,
    /// A server's connection being set up (its `sni` expression).
    ServerConnection = 10,
    /// `http-check` and `tcp-check` rules.
    CheckRule = 19,
}

impl Where {
    /// Where the actions of rule keyword `name` evaluate their samples, in
    /// a proxy that is a frontend (or listen, or defaults) or a backend:
    /// HAProxy takes the frontend's column when the proxy has one.
    pub(crate) fn of_rule(name: &str, backend: bool) -> Option<Where> {
        use Where::*;
        Some(match (name, backend) {
            ("http-request", false) => FrontendHttpRequest,
            ("http-request", true) => BackendHttpRequest,
            ("http-response" | "http-after-response", false) => FrontendHttpResponse,
            ("http-response" | "http-after-response", true) => BackendHttpResponse,
            ("tcp-request connection", _) => FrontendTcpConnection,
            ("tcp-request session", _) => FrontendTcpSession,
            ("tcp-request content", false) => FrontendTcpContent,
            ("tcp-request content", true) => BackendTcpContent,
            ("tcp-response content", false) => FrontendTcpResponse,
            ("tcp-response content", true) => BackendTcpResponse,
            (n, _) if n.starts_with("http-check ") || n.starts_with("tcp-check ") => CheckRule,
            _ => return None,
        })
    }

    fn describe(self) -> &'static str {
        match self {
            Where::FrontendTcpConnection => "a frontend's tcp-request connection rules",
            Where::FrontendTcpSession => "a frontend's tcp-request session rules",
            Where::FrontendTcpContent => "a frontend's tcp-request content rules",
            Where::FrontendHttpRequest => "a frontend's http-request rules",
            Where::BackendTcpContent => "a backend's tcp-request content rules",
            Where::BackendHttpRequest => "a backend's http-request rules",
            Where::BackendTcpResponse => "a backend's tcp-response content rules",
            Where::BackendHttpResponse => "a backend's http-response rules",
            Where::FrontendTcpResponse => "a frontend's tcp-response content rules",
            Where::FrontendHttpResponse => "a frontend's http-response rules",
            Where::ServerSelection => "a backend's server selection",
            Where::ServerConnection => "a server's connection setup",
            Where::CheckRule => "health check rules",
        }
    }
}

/// Whether the fetch of sample expression `text` may be used `at`, as
/// HAProxy checks the samples of actions and log-format arguments (for
/// ACLs it only warns). Unknown and Lua fetches are not judged here.
pub(crate) fn available(text: &str, at: Where) -> Result<(), String> {
    let name = &text[..text.find(['(', ',']).unwrap_or(text.len())];
    let Ok(i) = FETCHES.binary_search_by(|(n, _, _, _)| n.cmp(&name)) else {
        return Ok(());
    };
    if FETCHES[i].3 & (1 << at as u32) != 0 {
        return Ok(());
    }
    Err(format!(
        "fetch method '{name}' extracts information that is not available in {}",
        at.describe()
    ))
}

/// What a checked criterion or expression tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expr {
    /// The match method an ACL keyword implies (`path_reg` gives `reg`).
    pub(crate) method: Option<&'static str>,
    /// The type of the result (`lua` when a Lua fetch or converter decides
    /// it).
    pub(crate) kind: &'static str,
}

impl Default for Expr {
    fn default() -> Expr {
        Expr {
            method: None,
            kind: "lua",
        }
    }
}

/// Checks sample expression `text` as `sample_parse_expr()` does; `acl`
/// also accepts the ACL keywords (`path_beg`, ...) as fetches.
pub(crate) fn expr(text: &str, acl: bool) -> Result<Expr, String> {
    let end = text.find(['(', ',']).unwrap_or(text.len());
    let name = &text[..end];
    let derived = if acl {
        ACL_KEYWORDS
            .binary_search_by(|(k, _, _)| k.cmp(&name))
            .ok()
            .map(|i| ACL_KEYWORDS[i])
    } else {
        None
    };
    let lua = name.starts_with("lua.");
    let (sig, what, method, mut kind) = match derived {
        // Registered by a Lua script (see `lua_names`): its arguments and
        // type are not known here.
        _ if lua => ("", String::new(), None, "lua"),
        Some((_, f, method)) => {
            let (sig, out) = fetch(f).unwrap_or(("", "any"));
            (sig, format!("ACL keyword '{name}'"), Some(method), out)
        }
        None => match fetch(name) {
            Some((sig, out)) => (sig, format!("fetch method '{name}'"), None, out),
            None => return Err(format!("unknown fetch method '{name}'")),
        },
    };
    let mut rest = &text[end..];
    if lua {
        rest = match rest.strip_prefix('(').and_then(closing_in) {
            Some(after) => after,
            None => rest,
        };
    } else if let Some(inner) = rest.strip_prefix('(') {
        let used = args(inner, sig).map_err(|e| format!("{what} : {e}"))?;
        rest = &inner[used..];
    } else {
        missing_args(sig).map_err(|e| format!("{what} : {e}"))?;
    }
    if !rest.is_empty() && !rest.starts_with(',') {
        return Err(format!("missing comma after fetch keyword '{name}'"));
    }
    while let Some(after) = rest.strip_prefix(',') {
        let end = after.find(['(', ',']).unwrap_or(after.len());
        let conv = &after[..end];
        rest = &after[end..];
        if conv.is_empty() {
            continue;
        }
        if conv.starts_with("lua.") {
            // Registered by a Lua script; its arguments and types are not
            // known.
            rest = match rest.strip_prefix('(').and_then(closing_in) {
                Some(after) => after,
                None => rest,
            };
            kind = "lua";
            continue;
        }
        let Some((sig, out, input)) = converter(conv) else {
            return Err(format!("unknown converter '{conv}'"));
        };
        if kind != "lua" && !castable(kind, input) {
            return Err(format!("converter '{conv}' cannot be applied"));
        }
        kind = out;
        let args_text = if let Some(inner) = rest.strip_prefix('(') {
            let used = args(inner, sig).map_err(|e| format!("converter '{conv}' : {e}"))?;
            rest = &inner[used..];
            Some(&inner[..used.saturating_sub(1)])
        } else {
            missing_args(sig).map_err(|e| format!("converter '{conv}' : {e}"))?;
            None
        };
        if !rest.is_empty() && !rest.starts_with(',') {
            return Err(format!("missing comma after converter '{conv}'"));
        }
        if conv == "regsub" {
            if let Some(re) = args_text.and_then(|a| split_args(a).next()) {
                regex(&unescape(re), false).map_err(|e| {
                    format!("error in regex '{re}' in arg 1 of conversion keyword 'regsub' : {e}")
                })?;
            }
        }
    }
    Ok(Expr { method, kind })
}

/// The text after the argument list `inner` (after its `(`), if it closes.
fn closing_in(inner: &str) -> Option<&str> {
    closing(inner).map(|c| &inner[c + 1..])
}

/// The `lua.NAME` fetches, converters and actions of `word` (at its start,
/// after a comma, a `(` or a `%[`): names only a Lua script registers.
pub(crate) fn lua_names(word: &str) -> impl Iterator<Item = &str> {
    word.match_indices("lua.").filter_map(move |(at, _)| {
        let before = word[..at].chars().next_back();
        if !matches!(before, None | Some(',' | '(' | '[')) {
            return None;
        }
        let rest = &word[at..];
        let end = rest.find(['(', ',', ')', ']', ' ']).unwrap_or(rest.len());
        Some(&rest[..end])
    })
}

/// The error of a fetch or converter written without parentheses: HAProxy
/// then parses one empty argument if any is mandatory.
fn missing_args(sig: &str) -> Result<(), String> {
    if signature(sig).any(|a| a.mandatory) {
        check_args(&[""], sig, "")
    } else {
        Ok(())
    }
}

/// Splits the text inside parentheses (`inner`, after the `(`) as
/// `make_arg_list()` does and checks the arguments against `sig`. Returns
/// how many bytes the arguments and the closing `)` take.
fn args(inner: &str, sig: &str) -> Result<usize, String> {
    let close = closing(inner).ok_or_else(|| "expected ')'".to_owned())?;
    let text = &inner[..close];
    let parts: Vec<&str> = if text.is_empty() && !signature(sig).any(|a| a.mandatory) {
        Vec::new()
    } else {
        split_args(text).collect()
    };
    check_args(&parts, sig, &inner[..=close])?;
    Ok(close + 1)
}

/// Checks the arguments `parts` against `sig`; `written` is the argument
/// text with its `)`, for the message about arguments in excess.
fn check_args(parts: &[&str], sig: &str, written: &str) -> Result<(), String> {
    let types: Vec<ArgType<'_>> = signature(sig).collect();
    if parts.len() > types.len() {
        // The text from the first argument in excess, with its comma.
        let mut cut = 0;
        for p in parts.iter().take(types.len()) {
            cut += p.len() + 1;
        }
        let from = if types.is_empty() {
            0
        } else {
            cut.saturating_sub(1)
        };
        return Err(format!(
            "expected ')' before '{}'",
            written.get(from..).unwrap_or(written)
        ));
    }
    for (i, (part, ty)) in parts.iter().zip(&types).enumerate() {
        if !PARSED_TYPES.contains(&ty.name) {
            continue;
        }
        let value = unescape(part);
        if value.is_empty() {
            return Err(format!(
                "expected type '{}' at position {}, but got nothing",
                ty.name,
                i + 1
            ));
        }
        if !parses_as(&value, ty.name) {
            return Err(format!(
                "failed to parse '{value}' as type '{}' at position {}",
                ty.name,
                i + 1
            ));
        }
    }
    if let Some(ty) = types.get(parts.len()).filter(|t| t.mandatory) {
        let needed = types.iter().filter(|t| t.mandatory).count();
        return Err(format!(
            "missing arguments (got {}/{needed}), type '{}' expected",
            parts.len(),
            ty.name
        ));
    }
    Ok(())
}

/// Whether `value` parses as an argument of type `ty`.
fn parses_as(value: &str, ty: &str) -> bool {
    match ty {
        "integer" | "Protocol buffers field number" => {
            let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && (ty != "integer" || !digits.contains('.'))
        }
        "IPv4 address" => value.parse::<std::net::Ipv4Addr>().is_ok(),
        "IPv6 address" => value.parse::<std::net::Ipv6Addr>().is_ok(),
        "IPv4 mask" => {
            value.parse::<std::net::Ipv4Addr>().is_ok()
                || value.parse::<u8>().is_ok_and(|n| n <= 32)
        }
        "IPv6 mask" => {
            value.parse::<std::net::Ipv6Addr>().is_ok()
                || value.parse::<u8>().is_ok_and(|n| n <= 128)
        }
        _ => true,
    }
}

/// The position of the `)` that closes the argument list `inner`, with
/// quotes and backslash escapes skipped; none after an unquoted blank.
fn closing(inner: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let mut quote = None;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (_, b'\\') => i += 1,
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b')') => return Some(i),
            // An unquoted blank ends the list before its ')'.
            (None, b' ' | b'\t') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The arguments of `text` (inside the parentheses), split at the commas
/// outside quotes and escapes.
fn split_args(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut quote = None;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(&c) = b.get(i) {
            match (quote, c) {
                (_, b'\\') => i += 1,
                (None, b'"' | b'\'') => quote = Some(c),
                (Some(q), _) if c == q => quote = None,
                (None, b',') => {
                    let part = &text[start..i];
                    i += 1;
                    start = i;
                    return Some(part);
                }
                _ => {}
            }
            i += 1;
        }
        done = true;
        Some(&text[start.min(text.len())..])
    })
}

/// An argument without its quotes and escapes.
fn unescape(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut quote = None;
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => out.extend(chars.next()),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            _ => out.push(c),
        }
    }
    out
}

/// Compiles `pattern` as HAProxy's `regex_comp()` does with PCRE2 (no UTF
/// mode; caseless for `-i`), giving PCRE2's message when it fails.
pub(crate) fn regex(pattern: &str, caseless: bool) -> Result<(), String> {
    pcre2::bytes::RegexBuilder::new()
        .caseless(caseless)
        .build(pattern)
        .map(drop)
        .map_err(|e| format!("regex '{pattern}' is invalid ({e})"))
}

/// What [`acl`] found in an ACL's criterion, flags and patterns.
#[derive(Debug, Default)]
pub(crate) struct AclFiles<'w> {
    /// The pattern files (`-f FILE`), as written.
    pub(crate) files: Vec<&'w str>,
    /// The match method, when it is one whose patterns HAProxy parses
    /// (`reg`, `ip`).
    pub(crate) method: Option<&'static str>,
    /// `-i`: patterns are compared without case.
    pub(crate) caseless: bool,
}

/// Checks an ACL as `parse_acl_expr()` does: `words` are the criterion,
/// then the flags (`-i`, `-f FILE`, `-m METHOD`, ...), then the patterns;
/// regular expressions among them are compiled. Gives the pattern files
/// to look for, or the error and the index of the word it is about.
pub(crate) fn acl<'w>(words: &[&'w str]) -> Result<AclFiles<'w>, (usize, String)> {
    let Some(criterion) = words.first() else {
        return Ok(AclFiles::default());
    };
    let e =
        expr(criterion, true).map_err(|m| (0, format!("{m} in ACL expression '{criterion}'")))?;
    let mut method = e.method;
    let mut explicit = false;
    let mut caseless = false;
    let mut found = AclFiles::default();
    let mut i = 1;
    while let Some(w) = words.get(i) {
        if !w.starts_with('-') {
            break;
        }
        match *w {
            "--" => {
                i += 1;
                break;
            }
            "-i" => caseless = true,
            "-n" | "-M" => {}
            "-f" => {
                // HAProxy opens the file even when the name is missing.
                found.files.push(words.get(i + 1).copied().unwrap_or(""));
                i += 1;
            }
            "-m" => {
                let v = words.get(i + 1).copied().unwrap_or("");
                let Some(m) = METHODS.iter().copied().find(|m| *m == v) else {
                    return Err((
                        i,
                        format!("unknown matching method '{v}' when parsing ACL expression"),
                    ));
                };
                method = Some(m);
                explicit = true;
                i += 1;
            }
            "-u" => {
                if words.get(i + 1).is_none() {
                    return Err((i, "'-u' must be followed by a unique ID".to_owned()));
                }
                i += 1;
            }
            _ => {
                return Err((
                    i,
                    format!(
                        "'{w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
                    ),
                ));
            }
        }
        i += 1;
    }
    if method.is_none() && !explicit {
        // The result's type decides, as in parse_acl_expr().
        method = match e.kind {
            "bool" => Some("bool"),
            "sint" => Some("int"),
            "ipv4" | "ipv6" => Some("ip"),
            "str" => Some("str"),
            "bin" | "any" => {
                let fetch = &criterion[..criterion.find(['(', ',']).unwrap_or(criterion.len())];
                return Err((
                    0,
                    format!(
                        "matching method must be specified first (using '-m') when using a \
                         sample fetch of this type ('{fetch}')"
                    ),
                ));
            }
            _ => None,
        };
    }
    let mut operator = false;
    for (k, p) in words.iter().enumerate().skip(i) {
        // `eq`, `ge`, `gt`, `le` and `lt` compare with the integer after them.
        let op = matches!(method, Some("int" | "len"))
            && !operator
            && matches!(*p, "eq" | "ge" | "gt" | "le" | "lt");
        if !op {
            pattern(method, p, caseless).map_err(|e| (k, e))?;
        }
        operator = op;
    }
    found.method = method.filter(|m| matches!(*m, "reg" | "ip" | "int" | "len" | "bin"));
    found.caseless = caseless;
    Ok(found)
}

/// The map files the `map*` converters of sample expression `text` read,
/// as (converter, file); the file is empty when the converter has no
/// argument (HAProxy then fails to open "").
pub(crate) fn map_files(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    // The fetch comes first: converters follow commas outside parentheses.
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        let end = rest.find(['(', ',']).unwrap_or(rest.len());
        let name = &rest[..end];
        rest = &rest[end..];
        let mut arg = "";
        if let Some(inner) = rest.strip_prefix('(') {
            let close = closing(inner).unwrap_or(inner.len());
            arg = split_args(&inner[..close]).next().unwrap_or("");
            rest = inner.get(close + 1..).unwrap_or("");
        }
        if !first && name.starts_with("map") && converter(name).is_some() {
            out.push((name, arg));
        }
        first = false;
        rest = rest.strip_prefix(',').unwrap_or(match rest.find(',') {
            Some(c) => &rest[c + 1..],
            None => "",
        });
    }
    out
}

/// What a pattern or map file holds, as HAProxy reads it: one entry a
/// line, blanks before it skipped, `#` comments and empty lines ignored.
fn entries(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| {
            (
                n + 1,
                l.trim_start_matches([' ', '\t']).trim_end_matches('\r'),
            )
        })
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `text` is an address with an optional mask, as the `ip` match
/// reads it.
pub(crate) fn ip_pattern(text: &str) -> bool {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    if addr == "localhost" || ipv4_short(addr) {
        mask.is_none_or(|m| parses_as(m, "IPv4 mask"))
    } else if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        mask.is_none_or(|m| m.parse::<u8>().is_ok_and(|n| n <= 128))
    } else {
        false
    }
}

/// Whether `text` is an IPv4 address, also in the short forms the resolver
/// accepts (`10` is 0.0.0.10, `10.1` is 10.0.0.1), in decimal only.
pub(crate) fn ipv4_short(text: &str) -> bool {
    super::values::ipv4_short(text).is_some()
}

/// Checks ACL pattern `p` as the parser of match `method` reads it:
/// regexes (`reg`), addresses (`ip`), integers and ranges (`int`, `len`),
/// hex strings (`bin`).
fn pattern(method: Option<&str>, p: &str, caseless: bool) -> Result<(), String> {
    match method {
        Some("reg") => regex(p, caseless),
        Some("ip") if !ip_pattern(p) => Err(format!("'{p}' is not a valid IPv4 or IPv6 address")),
        Some("int" | "len") => int_pattern(p),
        Some("bin") => match p.bytes().find(|b| !b.is_ascii_hexdigit()) {
            Some(c) => Err(format!(
                "an hex digit is expected (found '{}')",
                char::from(c)
            )),
            None if p.len() % 2 == 1 => Err("an even number of hex digit is expected".to_owned()),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Checks an integer pattern as HAProxy's `pat_parse_int()` reads it: a
/// number, or a range `MIN:MAX` or `MIN-MAX` (the first `:` or `-`
/// separates) whose bounds may be left out (`:MAX`, `MIN:`) and whose
/// minimum is not above its maximum.
fn int_pattern(p: &str) -> Result<(), String> {
    let range = || Err(format!("'{p}' is not a valid number range"));
    if p.is_empty() {
        return range();
    }
    let Some(at) = p.find([':', '-']) else {
        return match strl2ll(p) {
            Some(_) => Ok(()),
            None => Err(format!("'{p}' is not a number")),
        };
    };
    let (min, max) = (&p[..at], &p[at + 1..]);
    let bounds = match (min.is_empty(), max.is_empty()) {
        (true, false) => strl2ll(max).map(|_| ()),
        (_, true) => strl2ll(min).map(|_| ()),
        (false, false) => strl2ll(min)
            .zip(strl2ll(max))
            .filter(|(a, b)| a <= b)
            .map(|_| ()),
    };
    match bounds {
        Some(()) => Ok(()),
        None => range(),
    }
}

/// A number as HAProxy's `strl2llrc()` reads it: digits, after an optional
/// `-` (which may stand alone, for 0), within a signed 64-bit integer; not
/// an empty text.
fn strl2ll(t: &str) -> Option<i64> {
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None if t.is_empty() => return None,
        None => (false, t),
    };
    digits.bytes().try_fold(0i64, |n, b| {
        let d = i64::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        let n = n.checked_mul(10)?;
        if negative {
            n.checked_sub(d)
        } else {
            n.checked_add(d)
        }
    })
}

/// Checks the patterns of an ACL pattern file (`-f`) as [`pattern`] does.
pub(crate) fn pattern_file(
    name: &str,
    text: &str,
    method: Option<&str>,
    caseless: bool,
) -> Result<(), String> {
    for (n, p) in entries(text) {
        pattern(method, p, caseless).map_err(|e| format!("{e} at line {n} of file '{name}'"))?;
    }
    Ok(())
}

/// Checks the entries of a map file read by converter `conv`
/// (`map_<match>_<output>`): regex keys for `reg`/`regm`, address keys for
/// `ip`, integer or address values for the `int` and `ip` outputs.
pub(crate) fn map_file(conv: &str, name: &str, text: &str) -> Result<(), String> {
    let mut parts = conv.split('_').skip(1);
    let matching = parts.next().unwrap_or("str");
    let output = parts.next().unwrap_or("str");
    for (n, line) in entries(text) {
        let key_end = line.find([' ', '\t']).unwrap_or(line.len());
        let key = &line[..key_end];
        let value = line[key_end..].trim_matches([' ', '\t']);
        let bad_key = match matching {
            "reg" | "regm" => regex(key, false).err(),
            "ip" => {
                (!ip_pattern(key)).then(|| format!("'{key}' is not a valid IPv4 or IPv6 address"))
            }
            _ => None,
        };
        if let Some(e) = bad_key {
            return Err(format!("{e} at line {n} of file '{name}'"));
        }
        let value_ok = match output {
            "int" => parses_as(value, "integer"),
            "ip" => ip_pattern(value),
            _ => true,
        };
        if !value_ok {
            return Err(format!(
                "unable to parse '{value}' at line {n} of file '{name}'"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(FETCHES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(CONVERTERS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(ACL_KEYWORDS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn expressions_are_judged_as_haproxy_judges_them() {
        // Each verdict compared with Debian's haproxy -c 2.6.12 (an
        // `http-request set-var(txn.x)` rule in an HTTP frontend).
        for (text, ok) in [
            ("req.hdr(host),lower", true),
            ("req.hdr(host),lowr", false),
            ("req.hdr(host),lower(x)", false),
            ("req.hdr(host),bytes", false),
            ("req.hdr(host),bytes()", false),
            ("req.hdr(host),regsub", false),
            ("req.hdr(host),add", true),
            ("req.hdr(host),field", false),
            ("req.hdr(host),field(1)", false),
            ("req.hdr(host),field(1,:)", true),
            ("int()", false),
            ("int(1,2)", false),
            ("int(+3)", true),
            ("int(0x10)", false),
            ("req.hdr(host),ltime", true),
            ("str()", true),
            ("req.hdr()", true),
            ("req.hdr(host", false),
            ("req.hdr(host)x", false),
            ("req.hdr(host),,lower", true),
            ("req.hdr(host),lower,", true),
            ("src,ipmask(24)", true),
            ("src,ipmask(33)", false),
            ("src,ipmask()", false),
            ("src,ipmask(255.255.0.0)", true),
            ("src,ipmask(24,64)", true),
            ("req.hdr(host),lower(", false),
            ("req.hdr(host),bytes(1)x", false),
            ("req.hdr(host),bytes(1", false),
            ("req.hdr(a b)", false),
            ("rand()", true),
            ("rand", true),
            ("be_conn", true),
            ("req.hdr(host),regsub(^(a,b)", false),
            ("req.hdr(host),regsub(^a,b,g)", true),
            ("bytes_in,add(1)", false),
            // Casts: each verdict from haproxy -c.
            ("always_true,ipmask(24)", false),
            ("always_true,cpl", true),
            ("src,iif(a,b)", false),
            ("src,cpl", true),
            ("ipv6(::1),cpl", false),
            ("ipv6(::1),ipmask(24)", true),
            ("bin(00),cpl", false),
            ("bin(00),cut_crlf", true),
            ("method,iif(a,b)", false),
            ("method,base64", true),
            ("str(a),ipmask(24)", true),
            ("var(txn.y),iif(a,b)", true),
            ("src,ipmask(24),cpl", true),
            ("req.hdr(x),base64,cpl", true),
        ] {
            assert_eq!(
                expr(text, false).is_ok(),
                ok,
                "{text}: {:?}",
                expr(text, false)
            );
        }
    }

    #[test]
    fn acls_are_judged_as_haproxy_judges_them() {
        for (words, ok) in [
            (&["path_beg", "/a"][..], true),
            (&["path_beg(x)", "/a"], false),
            (&["path_beg,lower", "/a"], true),
            (&["req.cook_beg(x)", "a"], false),
            (&["path_reg", "^(a"], false),
            (&["path", "-m", "reg", "^/(a"], false),
            (&["path", "-m", "reg", "-i", "^/(a)"], true),
            (&["path", "-m", "regex", "a"], false),
            (&["path", "-x", "a"], false),
            (&["path", "--", "-x"], true),
            (&["path", "-m"], false),
            (&["path_reg", "-m", "str", "^(a"], true),
            (&["path", "-m", "reg", "-m", "str", "^(a"], true),
            (&["src()", "1.2.3.4"], true),
            // Patterns, each verdict from haproxy -c.
            (&["src", "1.2.3.400"], false),
            (&["src", "10.0.0.0/33"], false),
            (&["src", "::1/129"], false),
            (&["src", "localhost"], true),
            (&["src", "10.0.0.1", "fd00::/8"], true),
            (&["dst_port", "abc"], false),
            (&["dst_port", "80:90"], true),
            (&["dst_port", ":90"], true),
            (&["dst_port", "gt", "80"], true),
            (&["dst_port", "80x"], false),
            (&["req.hdr_cnt(x)", "-m", "int", "1.5"], false),
            (&["path_len", "abc"], false),
            (&["req.hdr(x)", "-m", "bin", "0g"], false),
            (&["req.hdr(x)", "-m", "bin", "a"], false),
            (&["req.hdr(x)", "-m", "bin", "0a"], true),
            (&["req.hdr(x)", "-m", "ip", "1.2.3"], true),
            (&["req.hdr(x)", "-m", "ip", "10"], true),
            (&["req.hdr(x)", "-m", "ip", "0x0a.1"], false),
            (&["req.hdr(x)", "-m", "ip", "10.0.0.0/255.0.255.0"], true),
            (&["req.hdr(x)", "-m", "ip", "example.invalid"], false),
            (&["req.hdr(x)", "-m", "int", "eq", "3"], true),
            (&["req.hdr(x)", "-m", "int", "3:"], true),
            (&["req.hdr(x)", "-m", "int", ":"], false),
            (&["req.hdr(x),ipmask(24)", "10.0.0.0/8"], true),
            (&["req.hdr(x),ipmask(24)", "abc"], false),
            (&["req.hdr_cnt(x),add(1)", "abc"], false),
            (&["req.hdr(x),sha1", "zz"], false),
            (&["req.hdr(x),sha1"], false),
            (&["var(txn.x)", "abc"], false),
            (&["method", "GET"], true),
            (&["always_true", "1"], true),
            (&["req.hdr(x)", "-m", "found", "x"], true),
        ] {
            assert_eq!(acl(words).is_ok(), ok, "{words:?}: {:?}", acl(words));
        }
        assert_eq!(
            acl(&["path", "-f", "a.lst", "-i", "-f", "b.lst"]).map(|f| f.files),
            Ok(vec!["a.lst", "b.lst"])
        );
        assert_eq!(acl(&["path", "-f"]).map(|f| f.files), Ok(vec![""]));
        assert_eq!(acl(&["src", "-f", "x"]).map(|f| f.method), Ok(Some("ip")));
        assert_eq!(
            acl(&["src,ipmask(24)", "-f", "x"]).map(|f| f.method),
            Ok(Some("ip"))
        );
        assert_eq!(
            acl(&["req.hdr(x),lower", "-f", "x"]).map(|f| f.method),
            Ok(None)
        );
        assert_eq!(
            acl(&["path_reg", "-i"]).map(|f| (f.method, f.caseless)),
            Ok((Some("reg"), true))
        );
    }

    #[test]
    fn lua_names_are_found_where_haproxy_reads_them() {
        assert_eq!(
            lua_names("lua.f(1),lua.c").collect::<Vec<_>>(),
            vec!["lua.f", "lua.c"]
        );
        assert_eq!(lua_names("/etc/lua.d/x").count(), 0);
        assert_eq!(lua_names("%[lua.f]").collect::<Vec<_>>(), vec!["lua.f"]);
        assert!(expr("lua.f(1),lua.c(x,y),lower", false).is_ok());
        assert!(expr("lua.f,lua.c,lowe", false).is_err());
        assert!(expr("src,lua.c(x),lowr", false).is_err());
    }

    #[test]
    fn fetches_are_available_where_haproxy_says() {
        // Compared with haproxy -c: set-var in a frontend.
        let req = Where::of_rule("http-request", false).unwrap();
        let res = Where::of_rule("http-response", false).unwrap();
        let conn = Where::of_rule("tcp-request connection", false).unwrap();
        assert!(available("res.hdr(x)", req).is_err());
        assert!(available("res.hdr(x),lower", req).is_err());
        assert!(available("req.hdr(x)", req).is_ok());
        assert!(available("status", res).is_ok());
        assert!(available("req.hdr(x)", res).is_err());
        assert!(available("req.hdr(x)", conn).is_err());
        assert!(available("src", conn).is_ok());
        assert!(available("lua.f", conn).is_ok());
    }

    #[test]
    fn map_converters_name_their_files() {
        assert_eq!(
            map_files("req.hdr(host),lower,map_str_int(hosts.map,0),map(b.map)"),
            vec![("map_str_int", "hosts.map"), ("map", "b.map")]
        );
        assert_eq!(map_files("req.hdr(host),map"), vec![("map", "")]);
        assert_eq!(map_files("map(x)"), Vec::<(&str, &str)>::new());
    }

    #[test]
    fn file_contents_are_judged_as_haproxy_judges_them() {
        // Compared with haproxy -c: bad regex and address lines fail,
        // comments and blank lines are skipped.
        assert!(pattern_file("f", "# c\n\n  ^/a\n", Some("reg"), false).is_ok());
        assert!(pattern_file("f", "^(a\n", Some("reg"), false).is_err());
        assert!(pattern_file("f", "1.2.3.400\n", Some("ip"), false).is_err());
        assert!(pattern_file("f", "10.0.0.0/8\n::1\n", Some("ip"), false).is_ok());
        assert!(pattern_file("f", "^(a\n", None, false).is_ok());
        assert!(map_file("map_str_int", "f", "a x\n").is_err());
        assert!(map_file("map_str_int", "f", "a 1\n# b x\n").is_ok());
        assert!(map_file("map_reg", "f", "^(a x\n").is_err());
        assert!(map_file("map", "f", "^(a x\n").is_ok());
        assert!(map_file("map_ip", "f", "10.0.0.0/8 a\nnope b\n").is_err());
    }
}
