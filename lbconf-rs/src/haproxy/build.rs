//! From the syntax tree to the model: resolves conditional blocks, reports
//! tokenizer errors and message directives, and groups statements into
//! sections as `readcfgfile()` does.

use super::cond::{self, CondEnv};
use super::keywords;
use super::lexer::{LexErrorKind, Word};
use super::model::{Config, Global, Section, SectionKind, Spanned, Statement};
use super::proxy;
use super::syntax::{Directive, Item, Line, SyntaxTree};
use crate::diagnostic::{Diagnostic, Severity};

/// What conditions are evaluated against.
pub(crate) struct Env<'a> {
    pub(crate) defined: &'a dyn Fn(&str) -> bool,
    pub(crate) features: &'a [String],
    pub(crate) version: &'a str,
}

/// The statements of the active branches, in order, and the diagnostics of
/// the directives.
pub(crate) fn active_lines<'t>(
    tree: &'t SyntaxTree,
    env: &Env<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<&'t Line> {
    let mut out = Vec::new();
    walk(&tree.items, true, env, &mut out, diags);
    out
}

fn walk<'t>(
    items: &'t [Item],
    active: bool,
    env: &Env<'_>,
    out: &mut Vec<&'t Line>,
    diags: &mut Vec<Diagnostic>,
) {
    for item in items {
        match item {
            Item::Line(l) => line(l, active, out, diags),
            Item::Conditional(c) => {
                let mut taken = false;
                for b in &c.branches {
                    lex_error(&b.head, diags);
                    let on = active && !taken && branch_holds(&b.head, env, diags);
                    taken |= on;
                    walk(&b.body, on, env, out, diags);
                }
                if let Some(e) = &c.endif {
                    lex_error(e, diags);
                }
            }
        }
    }
}

fn branch_holds(head: &Line, env: &Env<'_>, diags: &mut Vec<Diagnostic>) -> bool {
    if head.directive() == Some(Directive::Else) {
        return true;
    }
    let words: Vec<&str> = head.words[1..].iter().map(|w| w.value.as_str()).collect();
    let text = words.join(" ");
    let cenv = CondEnv {
        defined: env.defined,
        features: env.features,
        version: env.version,
    };
    match cond::eval(&text, &cenv) {
        Ok(v) => v,
        Err(e) => {
            let at = head.words.get(1).map_or(head.words_span(), |w| w.span);
            let name = head.words[0].value.clone();
            diags.push(
                Diagnostic::error("H0204", format!("{} in '{name}'", e.message))
                    .with_label(at, format!("at position {} of the expression", e.pos + 1))
                    .with_help(
                        "conditions use 0, 1, !, &&, ||, parentheses and the predicates \
                         defined, feature, streq, strneq, version_atleast, version_before",
                    ),
            );
            false
        }
    }
}

fn lex_error(l: &Line, diags: &mut Vec<Diagnostic>) {
    let Some(e) = l.error else { return };
    let (code, msg, help) = match e.kind {
        LexErrorKind::UnmatchedQuote => (
            "H0101",
            "unmatched quote",
            "close the quote on the same line, or escape it with a backslash",
        ),
        LexErrorKind::BadHex => (
            "H0102",
            "truncated or invalid hexadecimal sequence",
            "write \\x followed by exactly two hexadecimal digits",
        ),
        LexErrorKind::UnmatchedBrace => (
            "H0103",
            "unmatched brace in environment variable name",
            "write ${NAME}, ${NAME-default} or ${NAME[*]}",
        ),
        LexErrorKind::WrongExpand => (
            "H0104",
            "${NAME[*]} must be alone in its word",
            "put the list expansion in a word of its own",
        ),
        LexErrorKind::VarName => (
            "H0106",
            "forbidden first char in environment variable name",
            "inside double quotes '$' starts a variable: escape it as \\$ or use single quotes",
        ),
        LexErrorKind::TooManyWords => (
            "H0105",
            "too many words on one line",
            "a line holds at most 64 words; quote the ones that belong together",
        ),
    };
    diags.push(
        Diagnostic::error(code, msg)
            .with_label(e.at, "here")
            .with_help(help),
    );
}

fn line<'t>(l: &'t Line, active: bool, out: &mut Vec<&'t Line>, diags: &mut Vec<Diagnostic>) {
    lex_error(l, diags);
    if !active || l.is_blank() || l.error.is_some() {
        return;
    }
    let Some(d) = l.directive() else {
        out.push(l);
        return;
    };
    let (severity, code) = match d {
        Directive::Alert => (Severity::Error, "H0210"),
        Directive::Warning => (Severity::Warning, "H0211"),
        Directive::Notice => (Severity::Note, "H0212"),
        Directive::Diag => (Severity::Note, "H0213"),
        // Stray branch directives and too-deep `.if`s were reported while
        // building the tree.
        _ => return,
    };
    if let Some(extra) = l.words.get(2) {
        diags.push(
            Diagnostic::error(
                "H0206",
                format!("unexpected argument '{}' for '{}'", extra.value, d.as_str()),
            )
            .with_label(extra.span, "one word too many")
            .with_help("use quotes if the message should contain spaces"),
        );
        return;
    }
    if d == Directive::Diag {
        return;
    }
    let msg = l.words.get(1).map_or("", |w| w.value.as_str());
    let mut diag = Diagnostic::error(code, format!("'{msg}'")).with_label(l.words_span(), "");
    diag.severity = severity;
    diags.push(diag);
}

fn spanned(w: &Word) -> Spanned<String> {
    Spanned::new(w.value.clone(), w.span)
}

/// Groups the active lines into sections and builds the typed views.
pub(crate) fn sections(lines: &[&Line], diags: &mut Vec<Diagnostic>) -> Config {
    let mut config = Config::default();
    for l in lines {
        let words = &l.words;
        let kw = &words[0];
        if kw.value.is_empty() {
            // HAProxy skips a line whose first word is empty (`"" x`).
            continue;
        }
        if let Some(kind) = SectionKind::from_keyword(&kw.value) {
            let section = header(kind, words, diags);
            config.sections.push(section);
            continue;
        }
        let Some(section) = config.sections.last_mut() else {
            diags.push(
                Diagnostic::error(
                    "H0301",
                    format!("unknown keyword '{}' out of section", kw.value),
                )
                .with_label(kw.span, "no section is open here")
                .with_help("start a section first (global, defaults, frontend, backend, ...)"),
            );
            continue;
        };
        let statement = Statement {
            words: words.iter().map(spanned).collect(),
            span: l.words_span(),
        };
        statement_in(section, &statement, diags);
        section.statements.push(statement);
    }
    config
}

fn header(kind: SectionKind, words: &[Word], diags: &mut Vec<Diagnostic>) -> Section {
    let kw = &words[0];
    let mut section = Section {
        kind,
        keyword: kw.span,
        name: None,
        from: None,
        statements: Vec::new(),
        proxy: kind.is_proxy().then(Default::default),
        global: (kind == SectionKind::Global).then(Global::default),
    };
    let name = words.get(1).filter(|w| !w.value.is_empty());
    match (&kind, name) {
        (SectionKind::Global, Some(extra)) => diags.push(
            Diagnostic::error(
                "H0302",
                format!(
                    "'global' cannot handle unexpected argument '{}'",
                    extra.value
                ),
            )
            .with_label(extra.span, "unexpected")
            .with_help("the global section takes no name"),
        ),
        (SectionKind::Global | SectionKind::Defaults, None) => {}
        (_, None) => diags.push(
            Diagnostic::error(
                "H0303",
                format!("'{}' expects a name as argument", kw.value),
            )
            .with_label(kw.span, "name missing")
            .with_help(format!("write '{} <name>'", kw.value)),
        ),
        (_, Some(n)) => {
            if kind.is_proxy() {
                if let Some(c) = n
                    .value
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
                {
                    diags.push(
                        Diagnostic::error(
                            "H0304",
                            format!(
                                "character '{c}' is not permitted in '{}' name '{}'",
                                kw.value, n.value
                            ),
                        )
                        .with_label(n.span, "invalid name")
                        .with_help("names may hold letters, digits, '-', '_', '.' and ':'"),
                    );
                }
            }
            section.name = Some(spanned(n));
        }
    }
    if kind.is_proxy() {
        let rest = if section.name.is_some() { 2 } else { 1 };
        if let Some(w) = words.get(rest) {
            if w.value == "from" {
                match words.get(rest + 1) {
                    Some(d) => section.from = Some(spanned(d)),
                    None => diags.push(
                        Diagnostic::error("H0305", "'from' expects a defaults section name")
                            .with_label(w.span, "name missing")
                            .with_help("write 'from <defaults name>'"),
                    ),
                }
            }
        }
    }
    section
}

fn statement_in(section: &mut Section, st: &Statement, diags: &mut Vec<Diagnostic>) {
    let kw = &st.words[0];
    match section.kind {
        SectionKind::Global => global(section, st, diags),
        SectionKind::Defaults
        | SectionKind::Frontend
        | SectionKind::Backend
        | SectionKind::Listen => proxy::statement(section, st, diags),
        _ => {
            let known: &[&str] = match section.kind {
                SectionKind::Peers => &[
                    "bind",
                    "default-bind",
                    "default-server",
                    "disabled",
                    "enabled",
                    "log",
                    "peer",
                    "server",
                    "shards",
                    "table",
                ],
                SectionKind::Resolvers => &[
                    "accepted_payload_size",
                    "nameserver",
                    "parse-resolv-conf",
                    "hold",
                    "resolve_retries",
                    "timeout",
                ],
                SectionKind::Userlist => &["group", "user"],
                SectionKind::Cache => &[
                    "total-max-size",
                    "max-object-size",
                    "max-age",
                    "process-vary",
                    "max-secondary-entries",
                ],
                SectionKind::Program => &["command", "user", "group", "option", "no"],
                SectionKind::HttpErrors => &["errorfile"],
                SectionKind::Ring => &[
                    "description",
                    "format",
                    "maxlen",
                    "size",
                    "timeout",
                    "server",
                ],
                SectionKind::Mailers => &["mailer", "timeout"],
                SectionKind::LogForward => {
                    &["bind", "dgram-bind", "backlog", "maxconn", "timeout", "log"]
                }
                _ => &[
                    "docroot",
                    "index",
                    "log-stderr",
                    "path-info",
                    "option",
                    "no",
                    "pass-header",
                    "set-param",
                ],
            };
            if !known.contains(&kw.value.as_str()) {
                diags.push(unknown_keyword(kw, section.kind.keyword(), known));
            } else if kw.value == "server" && st.words.len() > 2 {
                // Peers and rings take server lines with the usual options.
                let _ = super::server::server(st, diags);
            }
        }
    }
}

/// "unknown keyword" with a suggestion from `known`.
pub(crate) fn unknown_keyword(kw: &Spanned<String>, section: &str, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        "H0306",
        format!("unknown keyword '{}' in '{section}' section", kw.value),
    )
    .with_label(kw.span, "not a keyword of this section");
    match suggest(&kw.value, known.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean '{s}'?")),
        None => d.with_help("check the spelling against HAProxy's configuration manual"),
    }
}

/// The closest of `candidates` to `word`, when it is close enough.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    candidates
        .filter(|c| c.len().abs_diff(len) <= 2.max(c.len() / 4))
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn global(section: &mut Section, st: &Statement, diags: &mut Vec<Diagnostic>) {
    let kw = &st.words[0];
    let name = kw.value.as_str();
    if !keywords::GLOBAL.contains(&name) {
        diags.push(unknown_keyword(kw, "global", keywords::GLOBAL));
        return;
    }
    super::global::check(st, diags);
    let Some(g) = section.global.as_mut() else {
        return;
    };
    let arg = st.words.get(1);
    match name {
        "daemon" => g.daemon = true,
        "maxconn" => g.maxconn = proxy::atol(kw, &st.words[1..], diags),
        "user" | "group" => {
            let Some(a) = arg else {
                diags.push(missing_arg(kw));
                return;
            };
            let db = if name == "user" {
                "/etc/passwd"
            } else {
                "/etc/group"
            };
            if !account_exists(db, &a.value) {
                diags.push(
                    Diagnostic::error("H0420", format!("cannot find {name} id for '{}'", a.value))
                        .with_label(a.span, format!("not in {db}"))
                        .with_help(format!("create the {name}, or name an existing one")),
                );
            }
            if name == "user" {
                g.user = Some(a.clone());
            } else {
                g.group = Some(a.clone());
            }
        }
        "log" => {
            if let Some(l) = proxy::log(st, diags) {
                g.logs.push(l);
            }
        }
        "grace" => {
            if let Some(a) = arg {
                if let Err(e) = super::values::parse_time(&a.value, 1) {
                    diags.push(
                        Diagnostic::error("H0421", format!("{e} in argument to '{name}'"))
                            .with_label(a.span, "not a time")
                            .with_help("times take us, ms, s, m, h or d"),
                    );
                }
            }
        }
        "nbthread" => {
            let n = arg.map_or(0, |a| {
                let d: String = a.value.chars().take_while(char::is_ascii_digit).collect();
                d.parse::<u64>().unwrap_or(0)
            });
            if !(1..=64).contains(&n) {
                diags.push(
                    Diagnostic::error(
                        "H0422",
                        format!("'nbthread' value must be between 1 and 64 (was {n})"),
                    )
                    .with_label(st.span, "out of range")
                    .with_help("Debian's build supports up to 64 threads"),
                );
            }
        }
        "stats" => {
            let w = &st.words;
            if w.get(1).is_some_and(|x| x.value == "socket") {
                if let Some(pos) = w.iter().position(|x| x.value == "level") {
                    let level = w.get(pos + 1).map_or("", |x| x.value.as_str());
                    if !matches!(level, "user" | "operator" | "admin") {
                        diags.push(
                            Diagnostic::error(
                                "H0423",
                                format!("'stats socket' : 'level' only supports 'user', 'operator', and 'admin' (got '{level}')"),
                            )
                            .with_label(w[pos].span, "bad level")
                            .with_help("use level user, operator or admin"),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether `name` is an entry of the colon-separated database `path`
/// (`/etc/passwd`, `/etc/group`), or a number.
fn account_exists(path: &str, name: &str) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|db| db.lines().any(|l| l.split(':').next() == Some(name)))
}

/// "'kw' expects an argument".
pub(crate) fn missing_arg(kw: &Spanned<String>) -> Diagnostic {
    Diagnostic::error("H0401", format!("'{}' expects an argument", kw.value))
        .with_label(kw.span, "argument missing")
        .with_help("see the keyword in HAProxy's configuration manual")
}
