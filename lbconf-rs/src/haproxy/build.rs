//! From the lines to the model, read straight from the text or from the
//! syntax tree: resolves conditional blocks, reports tokenizer errors and
//! message directives, and groups statements into sections as
//! `readcfgfile()` does.

use std::sync::Arc;

use super::cond::{self, CondEnv};
use super::keywords;
use super::lexer::{LexError, LexErrorKind};
use super::model::{Config, Log, Section, SectionKind, Spanned, Statements};
use super::proxy;
use super::syntax::{Directive, Item, LineWords, Lines, Lookup, Nesting, Step, SyntaxTree};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, Span};

/// A statement while it is being read: its words (in buffers the builder
/// reuses from line to line) and its span, from the first word to the last.
pub(crate) struct Stmt<'a> {
    /// The words, the keyword first.
    pub(crate) words: &'a [Spanned<String>],
    /// From the first word to the last.
    pub(crate) span: Span,
}

/// What conditions are evaluated against.
pub(crate) struct Env<'a> {
    pub(crate) defined: &'a dyn Fn(&str) -> bool,
    pub(crate) features: &'a [String],
    pub(crate) version: &'a str,
}

/// What the builder noted about the statements while their words were at
/// hand, so that the checks need not read every word of the file again.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// One entry per section, in the order of [`Config::sections`].
    pub(crate) sections: Vec<SectionFacts>,
    /// The `errorfile` statements, as (section, statement) indices.
    pub(crate) errorfiles: Vec<(usize, usize)>,
    /// The `stick-table` statements, as (section, statement) indices.
    pub(crate) stick_tables: Vec<(usize, usize)>,
    /// The statements with a word that names a `lua.` fetch, converter or
    /// action, as (section, statement) indices.
    pub(crate) lua_names: Vec<(usize, usize)>,
    /// The statements that may name pattern or map files (a `-f` word, or
    /// a word with `map`), as (section, statement) indices.
    pub(crate) pattern_files: Vec<(usize, usize)>,
}

/// What [`Facts`] knows about one section.
#[derive(Debug, Default)]
pub(crate) struct SectionFacts {
    /// It has a `stick-table` statement.
    pub(crate) stick_table: bool,
    /// A statement has a `track` word (a server may track another).
    pub(crate) track: bool,
    /// A statement has a `check-ssl` or `no-check-ssl` word.
    pub(crate) check_ssl: bool,
    /// The statements the cross-reference checks read: `use-server`,
    /// `stick` rules, HTTP rules (captures), and those with a `track-sc` or
    /// `http_auth(` word.
    pub(crate) xref: Vec<usize>,
}

impl Facts {
    /// The facts of section `i` (none for a section the builder did not
    /// see).
    pub(crate) fn section(&self, i: usize) -> &SectionFacts {
        static NONE: SectionFacts = SectionFacts {
            stick_table: false,
            track: false,
            check_ssl: false,
            xref: Vec::new(),
        };
        self.sections.get(i).unwrap_or(&NONE)
    }

    /// Notes statement `index` of section `section`.
    fn note(&mut self, section: usize, index: usize, words: &[Spanned<String>]) {
        if self.sections.len() <= section {
            self.sections
                .resize_with(section + 1, SectionFacts::default);
        }
        let f = &mut self.sections[section];
        let kw = words[0].value.as_str();
        match kw {
            "stick-table" => {
                f.stick_table = true;
                self.stick_tables.push((section, index));
            }
            "errorfile" => self.errorfiles.push((section, index)),
            _ => {}
        }
        let mut xref = matches!(
            kw,
            "use-server" | "http-request" | "http-response" | "stick"
        );
        let mut files = false;
        let mut lua = false;
        // Server lines name neither pattern files nor Lua names.
        let samples = !matches!(kw, "server" | "default-server");
        for w in words {
            let v = w.value.as_str();
            if samples && v.len() > 2 {
                lua |= v.contains("lua.");
                files |= v == "-f" || v.contains("map");
            }
            f.track |= v == "track";
            f.check_ssl |= matches!(v, "check-ssl" | "no-check-ssl");
            xref |= v.starts_with("track-sc")
                || (v.len() >= 10 && v.contains('(') && v.contains("http_auth("));
        }
        if xref {
            f.xref.push(index);
        }
        if files {
            self.pattern_files.push((section, index));
        }
        if lua && kw != "lua-load" && kw != "lua-load-per-thread" {
            self.lua_names.push((section, index));
        }
    }
}

/// Builds the model line by line: evaluates the conditions of the blocks the
/// lines are in, reports tokenizer errors and message directives, and groups
/// the active statements into sections as `readcfgfile()` does.
pub(crate) struct Builder<'e> {
    env: &'e Env<'e>,
    /// Tokenizer errors, conditions and message directives.
    pub(crate) directives: Vec<Diagnostic>,
    /// What the statements' keywords and values say.
    pub(crate) statements: Vec<Diagnostic>,
    /// The model so far.
    pub(crate) config: Config,
    /// What the checks will want to know about the statements.
    pub(crate) facts: Facts,
    /// How many servers the last section closed has (up to [`ROOM`]).
    servers: usize,
    /// The words of the statement being read, in strings reused from line
    /// to line (only the first `count` hold the statement's words).
    owned: Vec<Spanned<String>>,
    /// The text of the file, which the statements' words point into.
    source: Arc<String>,
}

impl<'e> Builder<'e> {
    /// A builder for the lines of `source`, the whole text of their file.
    pub(crate) fn new(env: &'e Env<'e>, source: Arc<String>) -> Builder<'e> {
        Builder {
            env,
            directives: Vec::new(),
            statements: Vec::new(),
            config: Config::default(),
            facts: Facts::default(),
            servers: 0,
            owned: Vec::new(),
            source,
        }
    }

    /// The model and its facts, with the diagnostics of the directives
    /// before those of the statements.
    pub(crate) fn finish(mut self, diags: &mut Vec<Diagnostic>) -> (Config, Facts) {
        if let Some(s) = self.config.sections.last_mut() {
            trim(s);
        }
        diags.append(&mut self.directives);
        diags.append(&mut self.statements);
        (self.config, self.facts)
    }

    /// Reports the tokenizer error of a line, if it has one.
    pub(crate) fn lex_error(&mut self, error: Option<LexError>) {
        if let Some(e) = error {
            self.directives.push(lex_diagnostic(e));
        }
    }

    /// Whether the condition of branch head `head` (a `.if`, `.elif` or
    /// `.else` line spanning `line`) holds; reports a bad expression.
    pub(crate) fn holds<W: LineWords + ?Sized>(&mut self, head: &W, line: Span) -> bool {
        if head.directive() == Some(Directive::Else) {
            return true;
        }
        let words: Vec<&str> = (1..head.count()).map(|i| head.text(i)).collect();
        let text = words.join(" ");
        let cenv = CondEnv {
            defined: self.env.defined,
            features: self.env.features,
            version: self.env.version,
        };
        match cond::eval(&text, &cenv) {
            Ok(v) => v,
            Err(e) => {
                let at = if head.count() > 1 {
                    head.span(1)
                } else {
                    head.words_span(line)
                };
                let name = head.text(0);
                self.directives.push(
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

    /// A line that neither opens, continues nor closes a block (spanning
    /// `line`, with a tokenizer error or not): a statement or a message
    /// directive when `active`.
    pub(crate) fn line<W: LineWords + ?Sized>(
        &mut self,
        words: &W,
        line: Span,
        error: bool,
        active: bool,
    ) {
        if !active || words.count() == 0 || error {
            return;
        }
        match words.directive() {
            None => self.statement(words, line),
            Some(d) => self.message(d, words, line),
        }
    }

    fn message<W: LineWords + ?Sized>(&mut self, d: Directive, words: &W, line: Span) {
        let (severity, code) = match d {
            Directive::Alert => (Severity::Error, "H0210"),
            Directive::Warning => (Severity::Warning, "H0211"),
            Directive::Notice => (Severity::Note, "H0212"),
            Directive::Diag => (Severity::Note, "H0213"),
            // Stray branch directives and too-deep `.if`s were reported
            // with the nesting.
            _ => return,
        };
        if words.count() > 2 {
            self.directives.push(
                Diagnostic::error(
                    "H0206",
                    format!(
                        "unexpected argument '{}' for '{}'",
                        words.text(2),
                        d.as_str()
                    ),
                )
                .with_label(words.span(2), "one word too many")
                .with_help("use quotes if the message should contain spaces"),
            );
            return;
        }
        if d == Directive::Diag {
            return;
        }
        let msg = words.text(1);
        let mut diag =
            Diagnostic::error(code, format!("'{msg}'")).with_label(words.words_span(line), "");
        diag.severity = severity;
        self.directives.push(diag);
    }

    /// An active statement: a section header, or a statement of the open
    /// section.
    fn statement<W: LineWords + ?Sized>(&mut self, words: &W, line: Span) {
        let kw = words.text(0);
        if kw.is_empty() {
            // HAProxy skips a line whose first word is empty (`"" x`).
            return;
        }
        let n = words.count();
        while self.owned.len() < n {
            self.owned
                .push(Spanned::new(String::new(), Span::default()));
        }
        for (i, w) in self.owned[..n].iter_mut().enumerate() {
            w.value.clear();
            w.value.push_str(words.text(i));
            w.span = words.span(i);
        }
        let owned = &self.owned[..n];
        let diags = &mut self.statements;
        if let Some(kind) = SectionKind::from_keyword(kw) {
            let mut section = header(kind, owned, diags);
            section.statements = Statements::new(Arc::clone(&self.source));
            if let Some(s) = self.config.sections.last_mut() {
                trim(s);
                self.servers = s.proxy.as_ref().map_or(0, |p| p.servers.len().min(ROOM));
                // Sections tend to look like the one before: start with its
                // room rather than growing the lists step by step.
                if s.statements.len() <= ROOM {
                    section.statements.reserve_like(&s.statements);
                }
            }
            if let Some(p) = section.proxy.as_mut() {
                p.servers.reserve_exact(self.servers);
            }
            self.config.sections.push(section);
            return;
        }
        let index = self.config.sections.len().wrapping_sub(1);
        let Some(section) = self.config.sections.last_mut() else {
            diags.push(
                Diagnostic::error("H0301", format!("unknown keyword '{kw}' out of section"))
                    .with_label(words.span(0), "no section is open here")
                    .with_help("start a section first (global, defaults, frontend, backend, ...)"),
            );
            return;
        };
        let statement = Stmt {
            words: owned,
            span: words.words_span(line),
        };
        self.facts
            .note(index, section.statements.len(), statement.words);
        statement_in(section, &statement, diags);
        section
            .statements
            .push(owned.iter().map(|w| (w.value.as_str(), w.span)));
    }
}

/// Gives back the room a finished section's lists grew but did not use.
fn trim(s: &mut Section) {
    s.statements.shrink_to_fit();
    if let Some(p) = s.proxy.as_mut() {
        p.servers.shrink_to_fit();
    }
}

/// The most statements or servers a section's room is sized for ahead.
const ROOM: usize = 256;

/// Builds the model of `tree`: the statements of the active branches, in
/// order, and the diagnostics of the directives.
pub(crate) fn from_tree(
    tree: &SyntaxTree,
    env: &Env<'_>,
    diags: &mut Vec<Diagnostic>,
) -> (Config, Facts) {
    let mut b = Builder::new(env, Arc::new(tree.to_string()));
    walk(&tree.items, true, &mut b);
    b.finish(diags)
}

fn walk(items: &[Item], active: bool, b: &mut Builder<'_>) {
    for item in items {
        match item {
            Item::Line(l) => {
                b.lex_error(l.error);
                b.line(&l.words[..], l.span, l.error.is_some(), active);
            }
            Item::Conditional(c) => {
                let mut taken = false;
                for br in &c.branches {
                    b.lex_error(br.head.error);
                    let on = active && !taken && b.holds(&br.head.words[..], br.head.span);
                    taken |= on;
                    walk(&br.body, on, b);
                }
                if let Some(e) = &c.endif {
                    b.lex_error(e.error);
                }
            }
        }
    }
}

/// Builds the model of `text` (file `file`, named `name`) in one pass over
/// its lines, without a syntax tree: the nesting errors go to `nesting`,
/// the others to `diags`.
pub(crate) fn from_text(
    file: FileId,
    name: &str,
    text: &Arc<String>,
    lookup: &Lookup<'_>,
    env: &Env<'_>,
    nesting_diags: &mut Vec<Diagnostic>,
    diags: &mut Vec<Diagnostic>,
) -> (Config, Facts) {
    let mut b = Builder::new(env, Arc::clone(text));
    let mut nesting = Nesting::default();
    // For each open block: whether its parent is active, and whether a
    // branch was taken.
    let mut blocks: Vec<(bool, bool)> = Vec::new();
    let mut active = true;
    let mut lines = Lines::new(file, name, text.as_str(), lookup);
    while let Some((_, span)) = lines.next_line() {
        let w = &lines.words;
        let step = nesting.step(w.directive(), w.words_span(span), nesting_diags);
        b.lex_error(w.error);
        match step {
            Step::Open => {
                let on = active && b.holds(w, span);
                blocks.push((active, on));
                active = on;
            }
            Step::Branch => {
                if let Some((parent, taken)) = blocks.last_mut() {
                    let on = *parent && !*taken && b.holds(w, span);
                    *taken |= on;
                    active = on;
                }
            }
            Step::Close => {
                if let Some((parent, _)) = blocks.pop() {
                    active = parent;
                }
            }
            Step::Plain => b.line(w, span, w.error.is_some(), active),
        }
    }
    nesting.finish(nesting_diags);
    b.finish(diags)
}

fn lex_diagnostic(e: LexError) -> Diagnostic {
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
    Diagnostic::error(code, msg)
        .with_label(e.at, "here")
        .with_help(help)
}

fn header(kind: SectionKind, words: &[Spanned<String>], diags: &mut Vec<Diagnostic>) -> Section {
    let kw = &words[0];
    let mut section = Section {
        kind,
        keyword: kw.span,
        name: None,
        from: None,
        statements: Statements::default(),
        proxy: kind.is_proxy().then(Default::default),
        global: (kind == SectionKind::Global).then(Box::default),
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
            section.name = Some(n.clone());
        }
    }
    if kind.is_proxy() {
        let rest = if section.name.is_some() { 2 } else { 1 };
        if let Some(w) = words.get(rest) {
            if w.value == "from" {
                match words.get(rest + 1) {
                    Some(d) => section.from = Some(d.clone()),
                    None => diags.push(
                        Diagnostic::error("H0305", "'from' expects a defaults section name")
                            .with_label(w.span, "name missing")
                            .with_help("write 'from <defaults name>'"),
                    ),
                }
            }
            // Only `from NAME` may follow the name.
            let extra = if w.value == "from" {
                words.get(rest + 2)
            } else {
                Some(w)
            };
            if let Some(x) = extra.filter(|_| section.name.is_some()) {
                diags.push(
                    Diagnostic::error(
                        "H0321",
                        format!(
                            "'{}' cannot handle unexpected argument '{}'",
                            kw.value, x.value
                        ),
                    )
                    .with_label(x.span, "unexpected")
                    .with_help(
                        "a proxy line is 'KIND NAME [from DEFAULTS]'; listening addresses go \
                         on 'bind' lines",
                    ),
                );
            }
        }
    }
    section
}

fn statement_in(section: &mut Section, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
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
            } else if kw.value == "table" && section.kind == SectionKind::Peers {
                // `table NAME` and the arguments of a stick-table.
                super::args::stick_table(st.words.get(2..).unwrap_or(&[]), diags);
            }
        }
    }
}

/// The global keywords HAProxy lets a `no` or `default` prefix stand before.
const GLOBAL_PREFIXABLE: &[&str] = &[
    "log",
    "busy-polling",
    "set-dumpable",
    "strict-limits",
    "insecure-fork-wanted",
    "numa-cpu-mapping",
];

/// A global statement starting with `no` or `default`. HAProxy shifts the
/// words left over the prefix; after `no` the last place is emptied, after
/// `default` it is not, so the last word is read twice (`default
/// busy-polling` reads as `busy-polling busy-polling`).
fn global_prefixed(section: &mut Section, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let prefix = &st.words[0];
    let Some(kw) = st
        .words
        .get(1)
        .filter(|k| GLOBAL_PREFIXABLE.contains(&k.value.as_str()))
    else {
        diags.push(
            Diagnostic::error(
                "H0315",
                "negation/default currently supported only for options, log, busy-polling, \
                 set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping",
            )
            .with_label(prefix.span, "cannot prefix this keyword")
            .with_help(format!(
                "remove '{}'; in the global section only {} take it",
                prefix.value,
                GLOBAL_PREFIXABLE.join(", ")
            )),
        );
        return;
    };
    let mut words = st.words[1..].to_vec();
    if prefix.value == "default" {
        words.push(st.words[st.words.len() - 1].clone());
    } else if kw.value == "log" {
        // `no log` forgets the log lines above it.
        match words.get(1) {
            Some(extra) => diags.push(
                Diagnostic::error("H0411", "log : 'no log' does not expect arguments")
                    .with_label(extra.span, "nothing may follow 'no log'")
                    .with_help("write 'no log' alone to drop the log lines above it"),
            ),
            None => {
                if let Some(g) = section.global.as_mut() {
                    g.logs.push(Log::Disabled(st.span));
                }
            }
        }
        return;
    }
    global(
        section,
        &Stmt {
            words: &words,
            span: st.span,
        },
        diags,
    );
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

fn global(section: &mut Section, st: &Stmt<'_>, diags: &mut Vec<Diagnostic>) {
    let kw = &st.words[0];
    let name = kw.value.as_str();
    if matches!(name, "no" | "default") {
        global_prefixed(section, st, diags);
        return;
    }
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
        "log" if arg.is_some_and(|a| a.value == "global") => diags.push(
            Diagnostic::error(
                "H0411",
                "log : 'global' is not supported for a global syslog server",
            )
            .with_label(st.span, "the global section's own log line")
            .with_help("give the global section a log target, e.g. 'log 127.0.0.1:514 local0'; 'log global' belongs in proxies"),
        ),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::super::{Options, checks, model_of, sort, syntax_tree};
    use super::*;

    fn opts() -> Options {
        Options {
            env: BTreeMap::from([
                ("A".to_owned(), "1".to_owned()),
                ("L".to_owned(), "x y".to_owned()),
            ]),
            ..Options::default()
        }
    }

    /// What `parse_str` does.
    fn read(text: &str) -> (Config, Vec<Diagnostic>) {
        let opts = opts();
        let lookup = |v: &str| opts.env.get(v).cloned();
        let defined = |v: &str| opts.env.contains_key(v);
        let env = Env {
            defined: &defined,
            features: &opts.features,
            version: &opts.version,
        };
        let (mut diags, mut rest) = (Vec::new(), Vec::new());
        let (config, facts) = from_text(
            FileId(0),
            "p.cfg",
            &Arc::new(text.to_owned()),
            &lookup,
            &env,
            &mut diags,
            &mut rest,
        );
        diags.append(&mut rest);
        checks::check(&config, &facts, None, &mut diags);
        sort(&mut diags);
        (config, diags)
    }

    /// What the syntax tree gives.
    fn via_tree(text: &str) -> (Config, Vec<Diagnostic>) {
        let opts = opts();
        let tree = syntax_tree("p.cfg", text, &opts);
        let mut diags = tree.diagnostics;
        let config = model_of(&tree.value, &opts, &mut diags);
        sort(&mut diags);
        (config, diags)
    }

    fn agree(text: &str) {
        assert_eq!(
            via_tree(text),
            read(text),
            "tree and text differ on:\n{text}"
        );
    }

    #[test]
    fn corpus_files_read_as_their_trees() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/haproxy/corpus");
        let mut seen = 0;
        for sub in ["valid", "invalid"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    agree(&text);
                    seen += 1;
                }
            }
        }
        assert!(seen > 50, "only {seen} corpus files");
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("backend b".to_owned()),
            Just("backend b2".to_owned()),
            Just("frontend f".to_owned()),
            Just("listen \"$.SECTION\"".to_owned()),
            Just("defaults d".to_owned()),
            Just("userlist u".to_owned()),
            Just(".if 1".to_owned()),
            Just(".if 0".to_owned()),
            Just(".elif 1".to_owned()),
            Just(".else".to_owned()),
            Just(".endif".to_owned()),
            Just(".warning \"$.LINE\"".to_owned()),
            Just("  bind 127.0.0.1:80".to_owned()),
            Just("  server s 198.18.0.1:80 check".to_owned()),
            Just("  server t 198.18.0.2:80 track b/s".to_owned()),
            Just("  server u 198.18.0.3:443 check-ssl".to_owned()),
            Just("  use-server s if TRUE".to_owned()),
            Just("  http-request track-sc0 src".to_owned()),
            Just("  http-request auth unless { http_auth(u) }".to_owned()),
            Just("  stick-table type ip size 1m".to_owned()),
            Just("  errorfile 503 /nonexistent".to_owned()),
            Just("  use_backend b2 if { path / }".to_owned()),
            Just("  default_backend b".to_owned()),
            Just("  \"${L[*]}\" x".to_owned()),
            "[a-z \\t#'\"\\\\$.{}]{0,16}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_reads_as_its_tree(lines in prop::collection::vec(line(), 0..80)) {
            agree(&lines.join("\n"));
        }
    }
}
