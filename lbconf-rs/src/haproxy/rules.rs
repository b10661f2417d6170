//! Actions of `http-request`, `http-response`, `http-after-response`,
//! `tcp-request` and `tcp-response` rules: the names HAProxy 2.6 (Debian's
//! build) registers, and the argument counts of the header and path actions.

use super::build::Stmt;
use super::model::{SectionKind, Spanned};
use crate::diagnostic::Diagnostic;

/// Actions; a trailing `(` matches any action starting with it (HAProxy's
/// `name(*)` entries, e.g. `set-var(txn.x)`).
const HTTP_REQUEST: &[&str] = &[
    "wait-for-handshake",
    "ot-group",
    "set-log-level",
    "set-nice",
    "use-service",
    "sc-inc-gpc(",
    "sc-inc-gpc0(",
    "sc-inc-gpc1(",
    "sc-set-gpt(",
    "sc-set-gpt0(",
    "send-spoe-group",
    "do-resolve(",
    "cache-use",
    "add-acl(",
    "add-header",
    "allow",
    "auth",
    "capture",
    "del-acl(",
    "del-header",
    "del-map(",
    "deny",
    "disable-l7-retry",
    "early-hint",
    "normalize-uri",
    "redirect",
    "reject",
    "replace-header",
    "replace-path",
    "replace-pathq",
    "replace-uri",
    "replace-value",
    "return",
    "set-header",
    "set-map(",
    "set-method",
    "set-path",
    "set-pathq",
    "set-query",
    "set-uri",
    "strict-mode",
    "tarpit",
    "track-sc",
    "set-timeout",
    "wait-for-body",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-src",
    "set-src-port",
    "set-tos",
    "silent-drop",
    "set-priority-class",
    "set-priority-offset",
];

const HTTP_RESPONSE: &[&str] = &[
    "ot-group",
    "set-log-level",
    "set-nice",
    "sc-inc-gpc(",
    "sc-inc-gpc0(",
    "sc-inc-gpc1(",
    "sc-set-gpt(",
    "sc-set-gpt0(",
    "send-spoe-group",
    "cache-store",
    "add-acl(",
    "add-header",
    "allow",
    "capture",
    "del-acl(",
    "del-header",
    "del-map(",
    "deny",
    "redirect",
    "replace-header",
    "replace-value",
    "return",
    "set-header",
    "set-map(",
    "set-status",
    "strict-mode",
    "track-sc",
    "wait-for-body",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
    "set-mark",
    "set-tos",
    "silent-drop",
];

const HTTP_AFTER_RESPONSE: &[&str] = &[
    "ot-group",
    "add-header",
    "allow",
    "capture",
    "del-header",
    "replace-header",
    "replace-value",
    "set-header",
    "set-status",
    "strict-mode",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
];

const TCP_REQUEST_CONNECTION: &[&str] = &[
    "accept",
    "reject",
    "capture",
    "expect-proxy",
    "expect-netscaler-cip",
    "track-sc",
    "sc-inc-gpc(",
    "sc-inc-gpc0(",
    "sc-inc-gpc1(",
    "sc-set-gpt(",
    "sc-set-gpt0(",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-src",
    "set-src-port",
    "set-tos",
    "silent-drop",
];

const TCP_REQUEST_CONTENT: &[&str] = &[
    "accept",
    "reject",
    "capture",
    "expect-proxy",
    "expect-netscaler-cip",
    "track-sc",
    "ot-group",
    "set-log-level",
    "set-nice",
    "switch-mode",
    "use-service",
    "sc-inc-gpc(",
    "sc-inc-gpc0(",
    "sc-inc-gpc1(",
    "sc-set-gpt(",
    "sc-set-gpt0(",
    "send-spoe-group",
    "do-resolve(",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
    "set-src",
    "set-src-port",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-tos",
    "silent-drop",
    "set-priority-class",
    "set-priority-offset",
];

const TCP_RESPONSE_CONTENT: &[&str] = &[
    "accept",
    "close",
    "reject",
    "ot-group",
    "set-log-level",
    "set-nice",
    "sc-inc-gpc(",
    "sc-inc-gpc0(",
    "sc-inc-gpc1(",
    "sc-set-gpt(",
    "sc-set-gpt0(",
    "send-spoe-group",
    "set-var-fmt(",
    "set-var(",
    "unset-var(",
    "set-mark",
    "set-tos",
    "silent-drop",
];

/// The actions rule keyword `keyword` takes, if it is a rule keyword.
fn actions(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "http-request" => HTTP_REQUEST,
        "http-response" => HTTP_RESPONSE,
        "http-after-response" => HTTP_AFTER_RESPONSE,
        "tcp-request connection" | "tcp-request session" => TCP_REQUEST_CONNECTION,
        "tcp-request content" => TCP_REQUEST_CONTENT,
        "tcp-response content" => TCP_RESPONSE_CONTENT,
        _ => return None,
    })
}

/// The counter number of a `track-sc<N>` action (`track-sc` alone is
/// counter 0, as HAProxy reads it), or why it is not one; `None` when the
/// action is not `track-sc...`.
pub(crate) fn track_sc(action: &str) -> Option<Result<u32, String>> {
    let digits = action.strip_prefix("track-sc")?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Err(format!("Wrong track-sc number '{digits}'")));
    }
    let n = digits.bytes().fold(0u32, |n, d| {
        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    });
    Some(if n > 2 {
        Err(format!(
            "{n} track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"
        ))
    } else {
        Ok(n)
    })
}

fn known(list: &[&str], action: &str) -> bool {
    // Actions a Lua script registers (checked with the `lua-load`s): their
    // names are identifiers.
    action
        .strip_prefix("lua.")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || list.iter().any(|a| {
            if a.ends_with('(') || *a == "track-sc" {
                action.starts_with(a)
            } else {
                action == *a
            }
        })
}

/// Options of `deny`, `tarpit` and `return` (2.6), with how many values
/// each takes.
const RETURN_OPTIONS: &[(&str, usize)] = &[
    ("deny_status", 1),
    ("status", 1),
    ("content-type", 1),
    ("errorfile", 1),
    ("errorfiles", 1),
    ("file", 1),
    ("lf-file", 1),
    ("string", 1),
    ("lf-string", 1),
    ("hdr", 2),
    ("default-errorfiles", 0),
];

/// The status of a `deny`, `tarpit` or `return` reply (`args` after the
/// action), as `http_parse_http_reply()` checks it: from 200 to 599, and,
/// for deny and tarpit without a content of their own, one HAProxy has an
/// error page for.
fn reply_status(action: &str, args: &[Spanned<String>]) -> Option<Diagnostic> {
    let mut status = None;
    let mut content = false;
    let mut content_type = false;
    let mut payload = None;
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let Some(&(option, values)) = RETURN_OPTIONS.iter().find(|(o, _)| *o == w.value) else {
            break;
        };
        let given = args[i + 1..]
            .iter()
            .take(values)
            .filter(|v| !v.value.is_empty())
            .count();
        if given < values {
            let what = if values == 2 {
                "<name> and <value> as arguments"
            } else {
                "an argument"
            };
            return Some(
                Diagnostic::error(
                    "H0471",
                    format!("error in 'http-request {action}' rule: '{option}' expects {what}"),
                )
                .with_label(w.span, "value missing")
                .with_help("give the option its value"),
            );
        }
        match option {
            "status" | "deny_status" => status = args.get(i + 1),
            "content-type" => content_type = true,
            "string" | "lf-string" => {
                content = true;
                payload = args.get(i + 1).filter(|p| !p.value.is_empty()).map(|_| w);
            }
            "errorfile" | "errorfiles" | "file" | "lf-file" => content = true,
            _ => {}
        }
        i += 1 + values;
    }
    if let Some(p) = payload.filter(|_| !content_type) {
        return Some(
            Diagnostic::error(
                "H0471",
                format!(
                    "error in 'http-request {action}' rule: a content type must be defined when non-empty payload is configured"
                ),
            )
            .with_label(p.span, "a payload without content-type")
            .with_help("add 'content-type text/plain' (or the payload's type)"),
        );
    }
    let s = status?;
    let code = s
        .value
        .parse::<u32>()
        .ok()
        .filter(|c| (200..=599).contains(c));
    let why = match code {
        None => format!("Unexpected status code '{}'", s.value),
        Some(_)
            if action != "return"
                && !content
                && !super::args::ERROR_CODES.contains(&s.value.as_str()) =>
        {
            format!(
                "status code '{}' not handled by default with 'default-errorfiles' argument",
                s.value
            )
        }
        Some(_) => return None,
    };
    Some(
        Diagnostic::error(
            "H0471",
            format!("error in 'http-request {action}' rule: {why}"),
        )
        .with_label(s.span, "this status")
        .with_help(format!(
            "use a status from 200 to 599; without a content of its own, one of {}",
            super::args::ERROR_CODES.join(", ")
        )),
    )
}

/// How many of the words after `action` (`args`) its parser takes, for
/// the actions whose arguments end where the condition must start;
/// `None` for the others.
fn consumed(action: &str, args: &[Spanned<String>]) -> Option<usize> {
    let word = |i: usize| args.get(i).map(|w| w.value.as_str());
    Some(match action {
        "allow" | "accept" | "reject" | "close" | "silent-drop" | "wait-for-handshake"
        | "disable-l7-retry" => 0,
        "set-src"
        | "set-dst"
        | "set-src-port"
        | "set-dst-port"
        | "set-priority-class"
        | "set-priority-offset"
        | "strict-mode"
        | "use-service" => 1,
        "set-timeout" | "early-hint" => 2,
        "normalize-uri" => {
            let option = word(0).and_then(normalizer_option);
            if option.is_some() && word(1) == option {
                2
            } else {
                1
            }
        }
        "switch-mode" => {
            if word(1) == Some("proto") {
                3
            } else {
                1
            }
        }
        a if a.starts_with("unset-var(")
            || a.starts_with("sc-inc-gpc(")
            || a.starts_with("sc-inc-gpc0(")
            || a.starts_with("sc-inc-gpc1(") =>
        {
            0
        }
        a if a.starts_with("set-var-fmt(")
            || a.starts_with("sc-set-gpt(")
            || a.starts_with("sc-set-gpt0(") =>
        {
            1
        }
        "auth" => {
            if word(0) == Some("realm") {
                2
            } else {
                0
            }
        }
        "cache-use" | "cache-store" | "set-log-level" | "set-nice" | "set-tos" | "set-mark" => 1,
        "del-header" => {
            if word(1) == Some("-m") {
                3
            } else {
                1
            }
        }
        "set-status" => {
            if word(1) == Some("reason") {
                3
            } else {
                1
            }
        }
        "capture" => 3,
        a if a.starts_with("set-var(") || a.starts_with("do-resolve(") => 1,
        a if track_sc(a).is_some_and(|n| n.is_ok()) => {
            if word(1) == Some("table") {
                3
            } else {
                1
            }
        }
        "deny" | "tarpit" | "return" => {
            let mut i = 0;
            while let Some(n) = word(i).and_then(|w| {
                RETURN_OPTIONS
                    .iter()
                    .find(|(o, _)| *o == w)
                    .map(|(_, n)| *n)
            }) {
                i += 1 + n;
            }
            i
        }
        _ => return None,
    })
}

/// How many words an HTTP action takes before `if`/`unless`: (min, max).
fn arity(action: &str) -> Option<(usize, usize)> {
    Some(match action {
        "set-header" | "add-header" => (2, 2),
        "replace-header" | "replace-value" => (3, 3),
        "set-path" | "set-pathq" | "set-uri" | "set-query" | "set-method" => (1, 1),
        "replace-path" | "replace-pathq" | "replace-uri" => (2, 2),
        "del-header" | "capture" => (1, usize::MAX),
        a if a.starts_with("set-var(") || a.starts_with("set-var-fmt(") => (1, usize::MAX),
        _ => return None,
    })
}

/// What to write in `set-var(...)`, `set-var-fmt(...)` and `unset-var(...)`.
const VARIABLE_HELP: &str = "name the variable SCOPE.NAME (scopes: proc, sess, txn, req, res, check; \
     letters, digits, '_' and '.'), then, for set-var and set-var-fmt, conditions among ifexists, \
     ifnotexists, ifempty, ifnotempty, ifset, ifnotset, ifgt and iflt";

/// Why the variable of action `action` (`set-var(NAME[,COND...])`,
/// `set-var-fmt(...)` or `unset-var(NAME)`, closing parenthesis included)
/// is refused, as HAProxy reads it: a scope and a name of letters, digits,
/// `_` and `.`, then conditions (empty ones are skipped), which `unset-var`
/// does not take. `None` for other actions.
fn variable_error(action: &str) -> Option<String> {
    const SCOPES: &[&str] = &["proc.", "sess.", "txn.", "req.", "res.", "check."];
    const CONDITIONS: &[&str] = &[
        "ifexists",
        "ifnotexists",
        "ifempty",
        "ifnotempty",
        "ifset",
        "ifnotset",
        "ifgt",
        "iflt",
    ];
    let (unset, inner) = ["set-var-fmt(", "set-var(", "unset-var("]
        .iter()
        .find_map(|p| {
            Some((
                *p == "unset-var(",
                action.strip_prefix(p)?.strip_suffix(')')?,
            ))
        })?;
    let mut parts = inner.split(',');
    let name = parts.next().unwrap_or("");
    if name.is_empty() {
        return Some("Empty variable name cannot be accepted".to_owned());
    }
    let Some(rest) = SCOPES
        .iter()
        .find_map(|s| name.strip_prefix(s).filter(|r| !r.is_empty()))
    else {
        return Some(format!(
            "invalid variable name '{name}'. A variable name must be start by its scope. \
             The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
        ));
    };
    if let Some(i) = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '.') {
        return Some(format!("invalid syntax at char '{}'", &rest[i..]));
    }
    for c in parts.filter(|c| !c.is_empty()) {
        if unset {
            return Some(
                "unset-var does not expect parameters after the variable name. \
                 Only \"set-var\" and \"set-var-fmt\" manage conditions"
                    .to_owned(),
            );
        }
        if !CONDITIONS.contains(&c) {
            return Some(format!("unknown condition \"{c}\""));
        }
    }
    None
}

/// `http-check` and `tcp-check` keywords whose second word is a variable
/// action, `set-var(check.x)`.
fn is_check_variable(name: &str) -> bool {
    let action = name
        .strip_prefix("http-check ")
        .or_else(|| name.strip_prefix("tcp-check "));
    matches!(action, Some("set-var" | "set-var-fmt" | "unset-var"))
}

/// Checks the variable action of check rule `st` (keyword `name` at
/// `st.words[k]`, the action, variable included, after it): the variable,
/// and the expression or format `set-var` and `set-var-fmt` need (words
/// after it are not read).
fn check_variable(name: &str, st: &Stmt<'_>, k: usize, diags: &mut Vec<Diagnostic>) {
    let Some(action) = st.words.get(k + 1) else {
        return;
    };
    let (family, kind) = name.split_once(' ').unwrap_or((name, ""));
    let a = action.value.as_str();
    let why = if !a.contains('(') {
        Some(format!(
            "invalid or incomplete action '{a}'. Expects 'set-var(<var-name>)', \
             'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"
        ))
    } else if !a.ends_with(')') {
        Some(format!(
            "incomplete argument after action '{a}'. Expects 'set-var(<var-name>)', \
             'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"
        ))
    } else {
        variable_error(a)
    };
    if let Some(why) = why {
        diags.push(
            Diagnostic::error("H0465", format!("'{family} {a}' : '{kind}' : {why}"))
                .with_label(action.span, "not a usable variable")
                .with_help(VARIABLE_HELP),
        );
        return;
    }
    if kind == "set-var" && st.words.get(k + 2).is_none_or(|e| e.value.is_empty()) {
        diags.push(
            Diagnostic::error(
                "H0465",
                format!("'{family} {a}' : 'set-var' : missing fetch method"),
            )
            .with_label(action.span, "no expression after the variable")
            .with_help(format!(
                "write '{family} {a} EXPRESSION', e.g. '{family} {a} int(1)'"
            )),
        );
    }
}

/// The URI normalizers of `http-request normalize-uri`.
const NORMALIZERS: &[&str] = &[
    "fragment-encode",
    "fragment-strip",
    "path-merge-slashes",
    "path-strip-dot",
    "path-strip-dotdot",
    "percent-decode-unreserved",
    "percent-to-uppercase",
    "query-sort-by-name",
];

/// The option a URI normalizer takes after its name, if any.
fn normalizer_option(normalizer: &str) -> Option<&'static str> {
    match normalizer {
        "path-strip-dotdot" => Some("full"),
        "percent-decode-unreserved" | "percent-to-uppercase" => Some("strict"),
        _ => None,
    }
}

/// What is wrong with the words after `normalize-uri` (`args`), and where:
/// a known normalizer, then only the option it takes.
fn normalize_uri(args: &[Spanned<String>]) -> Option<(String, Option<&Spanned<String>>)> {
    let Some(n) = args.first().filter(|n| !n.value.is_empty()) else {
        return Some(("missing argument <normalizer>".to_owned(), None));
    };
    if !NORMALIZERS.contains(&n.value.as_str()) {
        return Some((format!("unknown normalizer '{}'", n.value), Some(n)));
    }
    let option = normalizer_option(&n.value)?;
    let next = args
        .get(1)
        .filter(|w| !matches!(w.value.as_str(), "if" | "unless" | "") && w.value != option)?;
    Some((
        format!(
            "unknown argument '{}' for '{}' normalizer",
            next.value, n.value
        ),
        Some(next),
    ))
}

/// What is wrong with the words after `switch-mode` (`args`), and where:
/// the mode is `http`, and `proto` names a MUX an HTTP frontend stream can
/// take.
fn switch_mode(args: &[Spanned<String>]) -> Option<(String, Option<&Spanned<String>>)> {
    let mode = args.first().filter(|m| !m.value.is_empty());
    let Some(mode) = mode else {
        return Some(("expects a mode as argument".to_owned(), None));
    };
    if mode.value != "http" {
        return Some((
            format!("expects a valid mode (got '{}')", mode.value),
            Some(mode),
        ));
    }
    if args.get(1).is_none_or(|p| p.value != "proto") {
        return None;
    }
    let Some(proto) = args.get(2).filter(|p| !p.value.is_empty()) else {
        return Some((
            ": 'proto' expects a protocol as argument".to_owned(),
            args.get(1),
        ));
    };
    match proto.value.as_str() {
        "h1" | "h2" => None,
        "fcgi" | "none" => Some((
            format!(
                ": MUX protocol '{}' is not compatible with the selected mode",
                proto.value
            ),
            Some(proto),
        )),
        other => Some((
            format!(": 'proto' expects a valid MUX protocol, if specified (got '{other}')"),
            Some(proto),
        )),
    }
}

/// The actions a proxy refuses when it lacks the side they act on: an
/// `http-request set-timeout` sets a backend's timeouts (a frontend has
/// none), a `tcp-request content switch-mode` upgrades a frontend's
/// stream (a backend cannot).
pub(crate) fn capability(
    name: &str,
    st: &Stmt<'_>,
    k: usize,
    kind: SectionKind,
    proxy: &str,
) -> Option<Diagnostic> {
    let action = st.words.get(k + name.split(' ').count())?;
    match (name, action.value.as_str(), kind) {
        ("http-request", "set-timeout", SectionKind::Frontend) => Some(
            Diagnostic::error(
                "H0465",
                format!(
                    "error detected in frontend '{proxy}' while parsing 'http-request set-timeout' rule : \
                     proxy '{proxy}' has no backend capability"
                ),
            )
            .with_label(action.span, "a backend's timeouts")
            .with_help("set the timeout in the backend (or a listen section)"),
        ),
        ("tcp-request content", "switch-mode", SectionKind::Backend) => Some(
            Diagnostic::error(
                "H0320",
                format!(
                    "'tcp-request switch-mode' not allowed because backend '{proxy}' has no frontend capability"
                ),
            )
            .with_label(action.span, "a frontend's action")
            .with_help("switch modes in the frontend (or a listen section)"),
        ),
        _ => None,
    }
}

/// Checks the action of rule statement `st` whose keyword is `name` (one or
/// two words, found at `st.words[k]`).
pub(crate) fn check(name: &str, st: &Stmt<'_>, k: usize, diags: &mut Vec<Diagnostic>) {
    if name == "redirect" {
        diags.extend(redirect("redirect rule", &st.words[k], &st.words[k + 1..]));
        return;
    }
    if is_check_variable(name) {
        check_variable(name, st, k, diags);
        return;
    }
    let Some(list) = actions(name) else { return };
    let at = k + name.split(' ').count();
    let Some(action) = st.words.get(at) else {
        return;
    };
    if !known(list, &action.value) {
        diags.push(unknown_action(name, action, list));
        return;
    }
    if action.value.contains('(') && !action.value.ends_with(')') {
        let open = action.value.split('(').next().unwrap_or("");
        diags.push(
            Diagnostic::error(
                "H0465",
                format!(
                    "error in '{name} {}' rule: incomplete argument after action '{}'",
                    action.value, action.value
                ),
            )
            .with_label(action.span, "no closing parenthesis")
            .with_help(format!("write '{open}(...)' with its closing parenthesis")),
        );
        return;
    }
    if let Some(why) = variable_error(&action.value) {
        diags.push(
            Diagnostic::error(
                "H0465",
                format!("error in '{name} {}' rule: {why}", action.value),
            )
            .with_label(action.span, "not a usable variable")
            .with_help(VARIABLE_HELP),
        );
        return;
    }
    if action.value == "normalize-uri" {
        if let Some((why, at)) = normalize_uri(&st.words[at + 1..]) {
            diags.push(
                Diagnostic::error(
                    "H0465",
                    format!("error in '{name} normalize-uri' rule: {why}"),
                )
                .with_label(at.map_or(action.span, |w| w.span), "here")
                .with_help(format!(
                    "normalizers: {}; path-strip-dotdot takes 'full', the percent-* ones 'strict'",
                    NORMALIZERS.join(", ")
                )),
            );
            return;
        }
    }
    if action.value == "switch-mode" {
        if let Some((why, at)) = switch_mode(&st.words[at + 1..]) {
            diags.push(
                Diagnostic::error("H0465", format!("'tcp-request switch-mode' {why}"))
                    .with_label(at.map_or(action.span, |w| w.span), "here")
                    .with_help("write 'switch-mode http', or 'switch-mode http proto h1|h2'"),
            );
            return;
        }
    }
    if let Some(Err(why)) = track_sc(&action.value) {
        diags.push(
            Diagnostic::error(
                "H0465",
                format!("error in '{name} {}' rule: {why}", action.value),
            )
            .with_label(action.span, "not a tracking counter")
            .with_help("use track-sc0, track-sc1 or track-sc2"),
        );
        return;
    }
    if action.value == "del-header" && name.starts_with("http-") {
        if let Some(m) = st
            .words
            .get(at + 3)
            .filter(|_| st.words.get(at + 2).is_some_and(|w| w.value == "-m"))
        {
            if !matches!(m.value.as_str(), "str" | "beg" | "end" | "sub" | "reg") {
                diags.push(
                    Diagnostic::error(
                        "H0465",
                        format!(
                            "error in '{name} del-header' rule: -m with unsupported matching method '{}'",
                            m.value
                        ),
                    )
                    .with_label(m.span, "here")
                    .with_help("del-header matches with str, beg, end, sub or reg"),
                );
                return;
            }
        }
    }
    if action.value == "capture" {
        let kind = st.words.get(at + 2);
        let allowed: &[&str] = if name.starts_with("http-") {
            &["len", "id"]
        } else {
            &["len"]
        };
        if let Some(k) = kind.filter(|k| !allowed.contains(&k.value.as_str())) {
            diags.push(
                Diagnostic::error(
                    "H0465",
                    format!(
                        "error in '{name} capture' rule: expects {} found '{}'",
                        allowed
                            .iter()
                            .map(|a| format!("'{a}'"))
                            .collect::<Vec<_>>()
                            .join(" or "),
                        k.value
                    ),
                )
                .with_label(k.span, "here")
                .with_help("write 'capture SAMPLE len LENGTH' (or 'id SLOT' in HTTP rules)"),
            );
            return;
        }
    }
    if matches!(action.value.as_str(), "deny" | "tarpit" | "return") && name.starts_with("http-") {
        if let Some(d) = reply_status(&action.value, &st.words[at + 1..]) {
            diags.push(d);
            return;
        }
    }
    if action.value == "redirect" && name.starts_with("http-") {
        let what = format!("'{name} redirect' rule");
        diags.extend(redirect(&what, action, &st.words[at + 1..]));
        return;
    }
    if let Some(used) = consumed(&action.value, &st.words[at + 1..]) {
        let next = st.words.get(at + 1 + used);
        if let Some(w) = next.filter(|w| !matches!(w.value.as_str(), "if" | "unless" | "")) {
            diags.push(
                Diagnostic::error(
                    "H0466",
                    format!(
                        "'{name} {}' expects either 'if' or 'unless' followed by a condition but found '{}'",
                        action.value, w.value
                    ),
                )
                .with_label(w.span, "not an argument of this action")
                .with_help("write the condition as 'if CONDITION' or 'unless CONDITION'"),
            );
            return;
        }
    }
    if !name.starts_with("http-") {
        return;
    }
    let Some((min, max)) = arity(&action.value) else {
        return;
    };
    let given = st.words[at + 1..]
        .iter()
        // HAProxy's keyword parsers stop at the first empty word.
        .take_while(|w| !w.value.is_empty() && w.value != "if" && w.value != "unless")
        .count();
    if given < min || given > max {
        let expected = if min == max {
            format!("exactly {min}")
        } else {
            format!("at least {min}")
        };
        diags.push(
            Diagnostic::error(
                "H0419",
                format!(
                    "'{name} {}' expects {expected} argument{} (got {given})",
                    action.value,
                    if min == 1 && max == 1 { "" } else { "s" }
                ),
            )
            .with_label(action.span, "this action")
            .with_help("quote arguments that contain spaces"),
        );
    }
}

fn unknown_action(name: &str, action: &Spanned<String>, list: &[&str]) -> Diagnostic {
    let names: Vec<String> = list
        .iter()
        .map(|a| match a.strip_suffix('(') {
            Some(p) => format!("{p}(...)"),
            None => (*a).to_owned(),
        })
        .collect();
    Diagnostic::error(
        "H0418",
        format!("'{name}' does not know the action '{}'", action.value),
    )
    .with_label(action.span, "unknown action")
    .with_help(
        match super::build::suggest(&action.value, list.iter().copied()) {
            Some(s) => format!("did you mean '{s}'?"),
            None => format!("actions: {}", names.join(", ")),
        },
    )
}

/// The status codes a redirect may use.
const REDIRECT_CODES: &[u32] = &[301, 302, 303, 307, 308];

/// Checks the words after `redirect` (`args`, up to `if`/`unless`) as
/// `http_parse_redirect_rule()` does: a type (`location`, `prefix` or
/// `scheme`) with its value, then `code`, cookie and flag options.
fn redirect(what: &str, keyword: &Spanned<String>, args: &[Spanned<String>]) -> Option<Diagnostic> {
    let bad = |at: &Spanned<String>, msg: String, help: &str| {
        Some(
            Diagnostic::error("H0461", format!("error in {what}: {msg}"))
                .with_label(at.span, "here")
                .with_help(help.to_owned()),
        )
    };
    let mut typed = false;
    let mut i = 0;
    // HAProxy's keyword parsers stop at the first empty word.
    while let Some(a) = args.get(i).filter(|a| !a.value.is_empty()) {
        let value = args.get(i + 1).filter(|v| !v.value.is_empty());
        match a.value.as_str() {
            "if" | "unless" => break,
            "drop-query" | "append-slash" | "ignore-empty" => {
                i += 1;
                continue;
            }
            "location" | "prefix" | "scheme" | "set-cookie" | "clear-cookie" | "code" => {
                let Some(v) = value else {
                    return bad(
                        a,
                        format!("missing argument for '{}'", a.value),
                        "give the option its value",
                    );
                };
                typed |= matches!(a.value.as_str(), "location" | "prefix" | "scheme");
                if a.value == "code" && !REDIRECT_CODES.contains(&atol(&v.value)) {
                    return bad(
                        v,
                        format!("'code': unsupported HTTP code '{}'", v.value),
                        "use 301, 302, 303, 307 or 308",
                    );
                }
            }
            other => {
                return bad(
                    a,
                    format!(
                        "expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', \
                         'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '{other}')"
                    ),
                    "write the type first, e.g. 'redirect location /new code 301'",
                );
            }
        }
        i += 2;
    }
    if typed {
        return None;
    }
    bad(
        keyword,
        "redirection type expected ('prefix', 'location', or 'scheme')".into(),
        "e.g. 'redirect scheme https' or 'redirect location /new'",
    )
}

/// C's `atol()` for the codes HAProxy reads with it: the leading digits,
/// 0 when there are none (saturating rather than overflowing).
fn atol(text: &str) -> u32 {
    text.trim_start()
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u32, |n, d| {
            n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        })
}

/// Whether statements of keyword `name` may end with `if|unless
/// <condition>` (a `match`, so that the many `server` lines cost little).
fn conditional(name: &str) -> bool {
    matches!(
        name,
        "http-request"
            | "http-response"
            | "http-after-response"
            | "tcp-request connection"
            | "tcp-request session"
            | "tcp-request content"
            | "tcp-response content"
            | "use_backend"
            | "use-server"
            | "redirect"
            | "stick on"
            | "stick match"
            | "stick store-request"
            | "stick store-response"
            | "force-persist"
            | "ignore-persist"
            | "monitor fail"
    )
}

/// Actions whose first argument is a sample expression.
const EXPR_ACTIONS: &[&str] = &[
    "capture",
    "set-src",
    "set-dst",
    "set-src-port",
    "set-dst-port",
    "set-priority-class",
    "set-priority-offset",
];

/// Checks what HAProxy parses inside statement `st` (keyword `name` at
/// `st.words[k]`): the anonymous ACLs of its condition (`{ fetch ... }`),
/// the sample expressions of its action (`set-var(...) EXPR`,
/// `track-sc0 EXPR`, `%[EXPR]` in log-format arguments, ...), and its
/// regular expressions (`replace-header`, `http-check expect rstring`, ...).
/// The fetches of actions must be available where the rule runs, in a
/// `backend` or in a proxy with a frontend.
pub(crate) fn expressions(
    name: &str,
    st: &Stmt<'_>,
    k: usize,
    backend: bool,
    diags: &mut Vec<Diagnostic>,
) {
    if !conditional(name)
        && !is_check_variable(name)
        && !matches!(
            name,
            "http-check expect"
                | "tcp-check expect"
                | "http-check send"
                | "http-check connect"
                | "tcp-check connect"
        )
    {
        return;
    }
    let w = st.words;
    let start = (k + name.split(' ').count()).min(w.len());
    let args = &w[start..];
    let end = if conditional(name) {
        args.iter()
            .position(|x| x.value == "if" || x.value == "unless")
            .unwrap_or(args.len())
    } else {
        args.len()
    };
    let action = args.first().map_or("", |a| a.value.as_str());
    let rule = if actions(name).is_some() {
        format!("'{name} {action}' rule")
    } else if is_check_variable(name) {
        let family = name.split(' ').next().unwrap_or(name);
        let written = w.get(k + 1).map_or("", |a| a.value.as_str());
        format!("'{family} {written}' rule")
    } else {
        format!("'{name}' rule")
    };
    if end < args.len() {
        condition(&rule, &args[end + 1..], diags);
    }
    let place = super::samples::Where::of_rule(name, backend);
    let sample = |at: usize, diags: &mut Vec<Diagnostic>| {
        if let Some(e) = args.get(at).filter(|_| at < end) {
            let checked = super::samples::expr(&e.value, false).and_then(|_| match place {
                Some(p) => super::samples::available(&e.value, p),
                None => Ok(()),
            });
            if let Err(msg) = checked {
                diags.push(expression_error(&rule, e, &msg));
            }
        }
    };
    match name {
        "stick on" | "stick match" | "stick store-request" | "stick store-response" => {
            sample(0, diags);
        }
        "use_backend" | "use-server" => {
            let words: Vec<&Spanned<String>> = args[..end.min(1)].iter().collect();
            formats(&rule, &words, None, diags);
        }
        "http-check expect" | "tcp-check expect" => expect(name, args, diags),
        "http-check send" => send(args, diags),
        "http-check connect" | "tcp-check connect" => connect(name, args, diags),
        // The keyword's second word is the action: the expression follows.
        "http-check set-var" | "tcp-check set-var" => sample(0, diags),
        "http-check set-var-fmt" | "tcp-check set-var-fmt" => {
            let words: Vec<&Spanned<String>> = args.first().into_iter().collect();
            formats(&rule, &words, place, diags);
        }
        _ if actions(name).is_some() => {
            if action.starts_with("set-var(")
                || action.starts_with("do-resolve(")
                || track_sc(action).is_some()
                || EXPR_ACTIONS.contains(&action)
            {
                sample(1, diags);
            }
            if name.starts_with("http-") {
                match action {
                    "replace-header" | "replace-value" => regexes(&rule, args.get(2), diags),
                    "replace-path" | "replace-pathq" | "replace-uri" => {
                        regexes(&rule, args.get(1), diags);
                    }
                    _ => {}
                }
                let words = format_words(action, &args[..end]);
                formats(&rule, &words, place, diags);
            }
        }
        _ => {}
    }
}

/// Checks `http-check send` options: `meth`, `uri`, `uri-lf`, `ver`,
/// `body`, `body-lf` and `comment` take a value, `hdr` a name and a value.
fn send(args: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let values = match w.value.as_str() {
            "meth" | "uri" | "uri-lf" | "ver" | "body" | "body-lf" | "comment" => 1,
            "hdr" => 2,
            other => {
                diags.push(
                    Diagnostic::error(
                        "H0470",
                        format!(
                            "'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', \
                             'hdr', 'body' or 'body-lf' but got '{other}' as argument"
                        ),
                    )
                    .with_label(w.span, "not an http-check send option")
                    .with_help("e.g. 'http-check send meth GET uri /health hdr Host example.org'"),
                );
                return;
            }
        };
        if args.len() <= i + values {
            let want = if values == 2 {
                "<name> and <value> as arguments"
            } else {
                "a value"
            };
            diags.push(
                Diagnostic::error(
                    "H0470",
                    format!("'http-check send' : '{}' expects {want}", w.value),
                )
                .with_label(w.span, "value missing")
                .with_help("give the option its value"),
            );
            return;
        }
        i += 1 + values;
    }
}

/// Checks the options of `http-check connect` and `tcp-check connect`
/// (`name`) as `parse_tcpcheck_connect()` reads them, up to the first empty
/// word: flags, and `comment`, `port`, `addr`, `sni`, `alpn` and `proto`
/// with a value each (`port` a number from 1 to 65535 or a sample
/// expression, `addr` an address without a port range, `proto` a MUX the
/// family can use).
fn connect(name: &str, args: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    let http = name.starts_with("http");
    let mut i = 0;
    while let Some(w) = args.get(i).filter(|w| !w.value.is_empty()) {
        let option = w.value.as_str();
        let missing = match option {
            "default" | "send-proxy" | "via-socks4" | "ssl" | "linger" => {
                i += 1;
                continue;
            }
            "comment" | "sni" => "a string as argument",
            "port" => "a port number or a sample expression as argument",
            "addr" => "<ipv4|ipv6> as argument",
            "alpn" => "the comma-delimited ALPN protocol suite",
            "proto" => "a MUX protocol as argument",
            other => {
                diags.push(
                    Diagnostic::error(
                        "H0472",
                        format!(
                            "'{name}' : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', \
                             'alpn' or 'via-socks4', 'linger', 'default' but got '{other}' as argument"
                        ),
                    )
                    .with_label(w.span, "not a connect option")
                    .with_help(format!("e.g. '{name} port 8080 ssl sni app.example.org'")),
                );
                return;
            }
        };
        let Some(v) = args.get(i + 1).filter(|v| !v.value.is_empty()) else {
            diags.push(
                Diagnostic::error("H0472", format!("'{name}' : '{option}' expects {missing}"))
                    .with_label(w.span, "value missing")
                    .with_help("give the option its value"),
            );
            return;
        };
        if let Some(why) = connect_value(option, &v.value, http) {
            diags.push(
                Diagnostic::error("H0472", format!("'{name}' : {why}"))
                    .with_label(v.span, "this value")
                    .with_help(match option {
                        "port" => {
                            "write a port from 1 to 65535, or an expression such as 'src_port'"
                        }
                        "proto" if http => "HTTP checks speak h1, h2 or fcgi",
                        "proto" => "TCP checks take the mux 'none'",
                        _ => "write an address, with a port if needed, e.g. 198.18.0.10:8080",
                    }),
            );
            return;
        }
        i += 2;
    }
}

/// Why `value` does not suit connect option `option` (`port`, `addr` or
/// `proto`).
fn connect_value(option: &str, value: &str, http: bool) -> Option<String> {
    use super::values::{AddressError, Host};
    match option {
        "port" if !value.bytes().all(|b| b.is_ascii_digit()) => {
            super::samples::expr(value, false)
                .and_then(|_| super::samples::available(value, super::samples::Where::CheckRule))
                .err()
                .map(|e| format!("error detected while parsing port expression : {e}"))
        }
        "port" => value
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=65535).contains(p))
            .is_none()
            .then(|| {
                format!(
                    "expects a valid TCP port (from range 1 to 65535) or a sample expression, got {value}"
                )
            }),
        "addr" => match super::values::parse_address(value, false) {
            Ok(a) if a.port_offset.is_some() => Some(format!(
                "'addr' : port offset not permitted here in '{value}'"
            )),
            Ok(a) if a.port_end.is_some()
                && value
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.get(1..))
                    .is_some_and(|p| p.contains('-')) => Some(format!(
                "'addr' : port range not permitted here in '{value}'"
            )),
            Ok(a) if matches!(&a.host, Host::Name(n) if n != "localhost") => Some(format!(
                "'addr' : invalid address: '{value}' (host names are not resolved here)"
            )),
            Err(AddressError::InvalidPort(p)) => Some(format!("'addr' : invalid port '{p}'")),
            _ => None,
        },
        "proto" => {
            let usable: &[&str] = if http { &["h1", "h2", "fcgi"] } else { &["none"] };
            let known = ["h1", "h2", "fcgi", "none"];
            if !known.contains(&value) {
                Some(format!("'proto' : unknown MUX protocol '{value}'"))
            } else if !usable.contains(&value) {
                let family = if http { "http-check" } else { "tcp-check" };
                Some(format!("'proto' : invalid MUX protocol '{value}' for {family}"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Checks `http-check expect` and `tcp-check expect` (`name`) as
/// `parse_tcpcheck_expect()` does: options (`min-recv`, `comment`, ...),
/// then a `[!]TYPE PATTERN`; regex patterns are compiled.
fn expect(name: &str, args: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    const OPTIONS: &[&str] = &[
        "min-recv",
        "comment",
        "ok-status",
        "error-status",
        "tout-status",
        "on-success",
        "on-error",
        "status-code",
    ];
    let http = name.starts_with("http");
    let types: &[&str] = if http {
        &[
            "string",
            "rstring",
            "string-lf",
            "status",
            "rstatus",
            "hdr",
            "fhdr",
        ]
    } else {
        &[
            "binary",
            "string",
            "rstring",
            "string-lf",
            "rbinary",
            "binary-lf",
        ]
    };
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let word = w.value.as_str();
        if OPTIONS.contains(&word) {
            i += 2;
            continue;
        }
        if word == "!" {
            i += 1;
            continue;
        }
        let kind = word.strip_prefix('!').unwrap_or(word);
        if !types.contains(&kind) {
            let list: Vec<String> = types.iter().map(|t| format!("[!]{t}")).collect();
            diags.push(
                Diagnostic::error(
                    "H0468",
                    format!(
                        "'{name}' : only supports min-recv, {} but got '{word}' as argument",
                        list.join(", ")
                    ),
                )
                .with_label(w.span, "not an expect type or option")
                .with_help(format!(
                    "write '{name} [!]TYPE PATTERN', e.g. '{name} {} ...'",
                    types[0]
                )),
            );
            return;
        }
        let Some(pattern) = args.get(i + 1).filter(|p| !p.value.is_empty()) else {
            diags.push(
                Diagnostic::error(
                    "H0468",
                    format!("'{name}' : '{kind}' expects a <pattern> as argument"),
                )
                .with_label(w.span, "pattern missing")
                .with_help("add the pattern to expect"),
            );
            return;
        };
        if matches!(kind, "rstatus" | "rstring" | "rbinary") {
            regexes(&format!("'{name}' rule"), Some(pattern), diags);
        }
        if http && kind == "status" {
            if let Some(msg) = status_codes_error(&pattern.value) {
                diags.push(
                    Diagnostic::error("H0468", format!("'{name}' : {msg}"))
                        .with_label(pattern.span, "not a list of status codes")
                        .with_help("write codes and LOW-HIGH ranges separated by commas, e.g. '200-399,404'"),
                );
                return;
            }
        }
        if matches!(kind, "hdr" | "fhdr") {
            // Header matches take more words (name, value, -m): not read.
            return;
        }
        // Only options may follow the pattern.
        i += 2;
        while let Some(w) = args.get(i) {
            if !OPTIONS.contains(&w.value.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "H0468",
                        format!("'{name}' : unexpected '{}' after the pattern", w.value),
                    )
                    .with_label(w.span, "not an expect option")
                    .with_help("one pattern per 'expect' rule; quote patterns with spaces"),
                );
                return;
            }
            i += 2;
        }
        return;
    }
}

/// Why `http-check expect status` cannot read `pattern` as HAProxy does: a
/// comma-separated list of codes and `LOW-HIGH` ranges, each number read as
/// far as its digits go (an empty one is 0, a long one wraps as an unsigned
/// 32-bit integer does).
fn status_codes_error(pattern: &str) -> Option<String> {
    let bytes = pattern.as_bytes();
    let mut p = 0;
    let read_uint = |p: &mut usize| {
        let mut n = 0u32;
        while let Some(d) = bytes.get(*p).filter(|b| b.is_ascii_digit()) {
            n = n.wrapping_mul(10).wrapping_add(u32::from(d - b'0'));
            *p += 1;
        }
        n
    };
    loop {
        let low = read_uint(&mut p);
        let mut high = low;
        if bytes.get(p) == Some(&b'-') {
            p += 1;
            high = read_uint(&mut p);
        }
        if low > high {
            return Some(format!("invalid range of status codes '{pattern}'"));
        }
        match pattern[p..].chars().next() {
            None => return None,
            Some(',') => p += 1,
            Some(c) => {
                return Some(format!(
                    "invalid character '{c}' in the list of status codes"
                ));
            }
        }
    }
}

/// Checks the `%[EXPR]` sample expressions in log-format arguments `words`
/// (the word after `string`, which is plain text, excepted).
fn formats(
    rule: &str,
    words: &[&Spanned<String>],
    place: Option<super::samples::Where>,
    diags: &mut Vec<Diagnostic>,
) {
    for w in words {
        let mut rest = w.value.as_str();
        while let Some(pos) = rest.find("%[") {
            let inner = &rest[pos + 2..];
            let Some(close) = inner.find(']') else {
                let msg = format!("missing ']' after '{inner}'");
                diags.push(expression_error(rule, w, &msg));
                return;
            };
            let text = &inner[..close];
            let checked = super::samples::expr(text, false).and_then(|_| match place {
                Some(p) => super::samples::available(text, p),
                None => Ok(()),
            });
            if let Err(msg) = checked {
                let msg = format!("failed to parse sample expression <{inner}> : {msg}");
                diags.push(expression_error(rule, w, &msg));
                return;
            }
            rest = &inner[close + 1..];
        }
    }
}

/// The log-format arguments of HTTP action `action`, among `args` (the
/// action first, up to the condition).
fn format_words<'a>(action: &str, args: &'a [Spanned<String>]) -> Vec<&'a Spanned<String>> {
    let texts: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
    format_positions(action, &texts)
        .into_iter()
        .filter_map(|i| args.get(i))
        .collect()
}

/// Where the log-format arguments of HTTP action `action` are among `args`
/// (the action first): the other words are plain strings (a header name)
/// or expressions, which HAProxy does not read as formats.
pub(crate) fn format_positions(action: &str, args: &[&str]) -> Vec<usize> {
    match action {
        "add-header" | "set-header" | "early-hint" | "replace-path" | "replace-pathq"
        | "replace-uri" => vec![2],
        "replace-header" | "replace-value" => vec![3],
        "set-path" | "set-pathq" | "set-query" | "set-uri" | "set-method" => vec![1],
        a if a.starts_with("set-var-fmt(")
            || a.starts_with("add-acl(")
            || a.starts_with("del-acl(")
            || a.starts_with("del-map(") =>
        {
            vec![1]
        }
        a if a.starts_with("set-map(") => vec![1, 2],
        "redirect" | "return" | "deny" | "tarpit" => {
            // Options followed by a log-format value.
            let mut out = Vec::new();
            let mut i = 1;
            while let Some(w) = args.get(i) {
                match *w {
                    "location" | "prefix" | "scheme" | "lf-string" => {
                        out.push(i + 1);
                        i += 2;
                    }
                    "hdr" => {
                        out.push(i + 2);
                        i += 3;
                    }
                    _ => i += 1,
                }
            }
            out
        }
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|&i| i < args.len())
    .collect()
}

/// Checks the anonymous ACLs (`{ fetch [flags] [patterns] }`) of the
/// condition `words` (after `if` or `unless`), and that each brace is
/// closed.
fn condition(rule: &str, words: &[Spanned<String>], diags: &mut Vec<Diagnostic>) {
    let parts = match super::proxy::condition_parts(words) {
        Ok(parts) => parts,
        Err(open) => {
            diags.push(
                Diagnostic::error(
                    "H0463",
                    format!(
                        "error detected while parsing an {rule} condition : missing closing '}}' in condition"
                    ),
                )
                .with_label(open.span, "not closed on this line")
                .with_help("close the anonymous ACL with a separate '}' word: '{ path /x }'"),
            );
            return;
        }
    };
    for part in parts {
        let super::proxy::CondPart::Anonymous { open, inner } = part else {
            continue;
        };
        if inner.is_empty() {
            diags.push(
                Diagnostic::error(
                    "H0463",
                    format!(
                        "error detected while parsing an {rule} condition : missing fetch method in ACL expression ''"
                    ),
                )
                .with_label(open.span, "an empty anonymous ACL")
                .with_help("write a criterion between the braces, e.g. '{ path_beg /api }'"),
            );
            return;
        }
        let texts: Vec<&str> = inner.iter().map(|x| x.value.as_str()).collect();
        if let Err((at, msg)) = super::samples::acl(&texts) {
            diags.push(
                Diagnostic::error(
                    "H0463",
                    format!("error detected while parsing an {rule} condition : {msg}"),
                )
                .with_label(inner[at].span, "here")
                .with_help("see sections 7.1 and 7.3 of the manual (ACLs and sample fetches)"),
            );
            return;
        }
    }
}

/// Compiles the regular expression `re`, if there is one.
fn regexes(rule: &str, re: Option<&Spanned<String>>, diags: &mut Vec<Diagnostic>) {
    let Some(re) = re else { return };
    if let Err(msg) = super::samples::regex(&re.value, false) {
        diags.push(
            Diagnostic::error("H0464", format!("error in {rule} : {msg}"))
                .with_label(re.span, "not a valid PCRE2 regular expression")
                .with_help("HAProxy compiles regular expressions with PCRE2; escape special characters with '\\'"),
        );
    }
}

fn expression_error(rule: &str, at: &Spanned<String>, msg: &str) -> Diagnostic {
    Diagnostic::error(
        "H0462",
        format!("error detected while parsing {rule} : {msg}"),
    )
    .with_label(at.span, "this sample expression")
    .with_help("see section 7.3 of the manual (sample fetches and converters)")
}

/// Checks that the named ACLs of the condition of statement `st` (keyword
/// `name` at `st.words[k]`) are declared before it (`declared`) or
/// predefined. `use_backend` conditions are checked with the model.
pub(crate) fn named_acls(
    name: &str,
    st: &Stmt<'_>,
    k: usize,
    declared: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    if name == "use_backend" || !conditional(name) {
        return;
    }
    let start = (k + name.split(' ').count()).min(st.words.len());
    let args = &st.words[start..];
    let Some(cond) = args
        .iter()
        .position(|x| x.value == "if" || x.value == "unless")
    else {
        return;
    };
    let action = args.first().map_or("", |a| a.value.as_str());
    // An unclosed brace is reported by the condition's other checks.
    let parts = super::proxy::condition_parts(&args[cond + 1..]).unwrap_or_default();
    for part in parts {
        match part {
            super::proxy::CondPart::Named(w, acl) => {
                if declared(acl) || super::checks::PREDEFINED_ACLS.contains(&acl) {
                    continue;
                }
                let rule = if actions(name).is_some() {
                    format!("'{name} {action}'")
                } else {
                    format!("'{name}'")
                };
                diags.push(
                    Diagnostic::error(
                        "H0467",
                        format!(
                            "error detected while parsing an {rule} condition : no such ACL : '{acl}'"
                        ),
                    )
                    .with_label(w.span, "not declared before this rule")
                    .with_help("declare it with 'acl NAME CRITERION VALUE' above the rule"),
                );
                return;
            }
            super::proxy::CondPart::Anonymous { .. } => {}
        }
    }
}
