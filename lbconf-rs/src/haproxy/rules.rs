//! Actions of `http-request`, `http-response`, `http-after-response`,
//! `tcp-request` and `tcp-response` rules: the names HAProxy 2.6 (Debian's
//! build) registers, and the argument counts of the header and path actions.

use super::build::Stmt;
use super::model::Spanned;
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
    "track-sc0",
    "track-sc1",
    "track-sc2",
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
    "track-sc0",
    "track-sc1",
    "track-sc2",
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

fn known(list: &[&str], action: &str) -> bool {
    list.iter().any(|a| {
        if a.ends_with('(') || *a == "track-sc" {
            action.starts_with(a)
        } else {
            action == *a
        }
    })
}

/// How many words an HTTP action takes before `if`/`unless`: (min, max).
fn arity(action: &str) -> Option<(usize, usize)> {
    Some(match action {
        "set-header" | "add-header" => (2, 2),
        "replace-header" | "replace-value" => (3, 3),
        "set-path" | "set-pathq" | "set-uri" | "set-query" | "set-method" => (1, 1),
        "del-header" | "capture" => (1, usize::MAX),
        "redirect" => (2, usize::MAX),
        a if a.starts_with("set-var(") || a.starts_with("set-var-fmt(") => (1, usize::MAX),
        _ => return None,
    })
}

/// Checks the action of rule statement `st` whose keyword is `name` (one or
/// two words, found at `st.words[k]`).
pub(crate) fn check(name: &str, st: &Stmt<'_>, k: usize, diags: &mut Vec<Diagnostic>) {
    let Some(list) = actions(name) else { return };
    let at = k + name.split(' ').count();
    let Some(action) = st.words.get(at) else {
        return;
    };
    if !known(list, &action.value) {
        diags.push(unknown_action(name, action, list));
        return;
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
