//! The macro layer, in keepalived's order: `include` (and its variants) on the
//! raw lines, then `@id`/`@^id` conditional lines, `$NAME=value` definitions,
//! `~SEQ`/`~SEQx`/`~LST` blocks, and `$NAME`/`${NAME}` substitution.
//!
//! Every expanded word goes to a [`Sink`] with its origin: a
//! token of a line that no substitution changed points at its own bytes; a
//! token that came out of a substitution points at the whole original line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Options;
use super::lexer::{PLAIN, RawToken, TokenKind, lex_into, unquote};
use super::tree::Sink;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};

/// Deepest include nesting followed.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most lines one configuration may expand to (guards `~SEQ` bombs).
pub const MAX_LINES: usize = 2_000_000;
const MAX_SUBST_ROUNDS: usize = 32;
const MAX_LINE_LEN: usize = 1 << 20;

/// Where the text of a line being processed came from.
#[derive(Debug, Clone, Copy)]
struct Origin {
    /// The whole original line.
    line: Span,
    /// Byte offset of the text in the file when the text is a verbatim slice.
    exact: Option<usize>,
}

/// Expansion state.
pub struct Expander<'a> {
    opts: &'a Options,
    /// Files read.
    pub sources: SourceMap,
    /// Diagnostics.
    pub diags: Vec<Diagnostic>,
    /// Where the expanded words go.
    pub sink: Sink,
    /// How many lines were expanded.
    lines: usize,
    /// The tokens of the line being emitted (kept to reuse its buffer).
    scratch: Vec<RawToken>,
    vars: HashMap<String, String>,
    /// For multi-line definitions: the span of each of their lines.
    def_lines: HashMap<String, Vec<Span>>,
    stack: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    rng: u64,
    truncated: bool,
}

impl<'a> Expander<'a> {
    /// A fresh expander.
    pub fn new(opts: &'a Options, sink: Sink) -> Expander<'a> {
        Expander {
            opts,
            sources: SourceMap::new(),
            diags: Vec::new(),
            sink,
            lines: 0,
            scratch: Vec::new(),
            vars: HashMap::new(),
            def_lines: HashMap::new(),
            stack: Vec::new(),
            dirs: Vec::new(),
            rng: 0x2545_f491_4f6c_dd1d,
            truncated: false,
        }
    }

    /// Adds a file's text and expands it.
    pub fn run_file(&mut self, path: &Path, text: &str) {
        self.run_file_owned(path, text.to_owned());
    }

    /// Adds a file's text (taken, not copied) and expands it.
    pub fn run_file_owned(&mut self, path: &Path, text: String) {
        let id = self.sources.add(path, text);
        // The map owns the text now; expand from a shared handle to it.
        let text = self.sources.shared_text(id);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        self.stack
            .push(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
        self.dirs.push(dir);
        self.expand_file(id, &text);
        self.dirs.pop();
        self.stack.pop();
    }

    fn expand_file(&mut self, id: FileId, text: &str) {
        let mut offset = 0;
        // A multi-line definition being read: name, value, line spans, and
        // whether its `@id` condition (if any) holds.
        let mut pending: Option<(String, String, Vec<Span>, bool)> = None;
        // Most files have no `$` at all: then no line needs looking at for one.
        let has_dollar = has_byte(text.as_bytes(), b'$');
        while offset < text.len() {
            // The common line, lexed in place: nothing to substitute in the
            // file, no definition being read, no `~SEQ` limit reached.
            if pending.is_none()
                && !has_dollar
                && !self.truncated
                && let Some(next) = self.plain_line(id, text, offset)
            {
                offset = next;
                continue;
            }
            let start = offset;
            let raw = text[start..]
                .find('\n')
                .map_or(&text[start..], |n| &text[start..=start + n]);
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let span = Span::new(id, start, start + line.len());
            if let Some((name, mut value, mut spans, active)) = pending.take() {
                let (part, more) = continued(line);
                value.push('\n');
                value.push_str(part);
                spans.push(span);
                if more {
                    pending = Some((name, value, spans, active));
                } else if active {
                    self.def_lines.insert(name.clone(), spans);
                    self.vars.insert(name, value);
                }
                continue;
            }
            let origin = Origin {
                line: span,
                exact: Some(start),
            };
            // The common line: its first word starts with none of the
            // characters the macro layer acts on (`include`, `@`, `$`, `~`)
            // and it has no `$`: straight to the words.
            let first = line.bytes().find(|&b| b != b' ' && b != b'\t');
            if !self.truncated
                && first
                    .is_none_or(|b| b.is_ascii_graphic() && !matches!(b, b'i' | b'@' | b'$' | b'~'))
                && !(has_dollar && line.contains('$'))
            {
                self.emit(line, origin);
                continue;
            }
            if self.include(line, span) {
                continue;
            }
            // A multi-line definition: `$NAME=` ... `\`.
            if let Some((name, value)) = definition(without_condition(line))
                && line.trim_end().ends_with('\\')
            {
                // keepalived drops a false `@id` line alone: its continuation
                // lines are then read as ordinary lines.
                if self.condition_passes(line) {
                    let (part, _) = continued(value);
                    pending = Some((name.to_owned(), part.to_owned(), vec![span], true));
                }
                continue;
            }
            self.process(line, origin, 0);
        }
        if let Some((name, value, spans, _)) = pending {
            let first = spans[0];
            self.diags.push(
                Diagnostic::error(
                    "K0005",
                    format!("multi-line definition of ${name} never ends"),
                )
                .with_label(first, "continued with `\\` up to the end of the file")
                .with_help("end the last line of the definition without a `\\`"),
            );
            self.vars.insert(name, value);
        }
    }

    /// Whether a line that starts with `@id`/`@^id` applies (true otherwise).
    fn condition_passes(&self, line: &str) -> bool {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('@') else {
            return true;
        };
        let (neg, rest) = rest.strip_prefix('^').map_or((false, rest), |r| (true, r));
        let word = rest.split([' ', '\t']).next().unwrap_or("");
        (word == self.config_id()) != neg
    }

    fn config_id(&self) -> &str {
        self.opts.config_id.as_deref().unwrap_or("")
    }

    /// One line through conditionals, definitions, blocks and substitution.
    fn process(&mut self, text: &str, origin: Origin, depth: usize) {
        if self.truncated {
            return;
        }
        let lead = text.len() - text.trim_start().len();
        let t = &text[lead..];
        // `@id` / `@^id`.
        if t.starts_with('@') {
            if !self.condition_passes(t) {
                return;
            }
            let word_end = t.find([' ', '\t']).unwrap_or(t.len());
            let rest = &t[word_end..];
            let origin = shift(origin, lead + word_end);
            return self.process(rest, origin, depth);
        }
        if let Some((name, value)) = definition(t) {
            self.def_lines.remove(name);
            self.vars
                .insert(name.to_owned(), value.trim_end().to_owned());
            return;
        }
        if let Some(rest) = t.strip_prefix('~') {
            return self.block(rest, text, origin, depth);
        }
        let expanded = if t.contains('$') {
            self.substitute(t, origin)
        } else {
            None
        };
        match expanded {
            None => self.emit(text, origin),
            Some(new) => {
                let origin = Origin {
                    line: origin.line,
                    exact: None,
                };
                if depth >= MAX_SUBST_ROUNDS {
                    self.emit(&new, origin);
                    return;
                }
                // A line that is just `$NAME` of a multi-line definition:
                // each expanded line comes from one line of the definition.
                let whole = t.trim_end();
                let name = whole
                    .strip_prefix("${")
                    .and_then(|r| r.strip_suffix('}'))
                    .or_else(|| whole.strip_prefix('$'));
                let spans = name.and_then(|n| self.def_lines.get(n)).cloned();
                let lines: Vec<&str> = new.split('\n').collect();
                // A multi-line value that defines its own parameter again:
                // keepalived frees the value it is reading (and then reads
                // garbage).
                if let Some(n) = name
                    && lines
                        .iter()
                        .any(|l| definition(l.trim_start()).is_some_and(|(d, _)| d == n))
                {
                    self.diags.push(
                        Diagnostic::error("K0015", format!("the value of ${n} defines ${n} again"))
                            .with_label(origin.line, "keepalived reads freed memory here")
                            .with_help("end the definition before its `$NAME=` line, or rename one of the two"),
                    );
                    return;
                }
                for (k, l) in lines.iter().enumerate() {
                    let origin = match &spans {
                        Some(s) if s.len() == lines.len() => Origin {
                            line: s[k],
                            exact: None,
                        },
                        _ => origin,
                    };
                    self.process(l, origin, depth + 1);
                }
            }
        }
    }

    /// `~SEQ(var, [start,] [step,] end) rest`, `~SEQx(...)`, `~LST(...)`.
    fn block(&mut self, rest: &str, whole: &str, origin: Origin, depth: usize) {
        let bad = |me: &mut Self, why: &str| {
            me.diags.push(
                Diagnostic::error("K0006", format!("bad sequence or list block: {why}"))
                    .with_label(origin.line, "")
                    .with_help(
                        "write ~SEQ(VAR, START, STEP, END), ~SEQx(...) or ~LST(VAR, V1, V2, ...)",
                    ),
            );
        };
        let sets: Vec<Vec<(String, String)>>;
        let tail: String;
        if let Some(after) = rest.strip_prefix("SEQ") {
            let spec = match seq_spec(after) {
                Ok(spec) => spec,
                Err(e) => return bad(self, &e),
            };
            // keepalived substitutes parameters in the numbers first.
            let numbers = self
                .substitute(spec.numbers, origin)
                .unwrap_or_else(|| spec.numbers.to_owned());
            sets = match seq_values(&numbers, spec.hex) {
                Ok(values) => values
                    .into_iter()
                    .map(|v| vec![(spec.var.to_owned(), v)])
                    .collect(),
                Err(e) => return bad(self, &e),
            };
            tail = spec.tail.to_owned();
        } else if let Some(after) = rest.strip_prefix("LST") {
            let Some(body) = after.trim_start_matches([' ', '\t']).strip_prefix('(') else {
                return bad(self, "no `(` after ~LST");
            };
            let Some(close) = matching_paren(body) else {
                return bad(self, "no closing `)`");
            };
            sets = match parse_lst(&body[..close]) {
                Ok(s) => s,
                Err(e) => return bad(self, &e),
            };
            tail = body[close + 1..].to_owned();
        } else {
            return self.emit(whole, origin);
        }
        let tail_origin = Origin {
            line: origin.line,
            exact: None,
        };
        for set in sets {
            if self.lines >= MAX_LINES {
                self.truncated = true;
                self.diags.push(
                    Diagnostic::error(
                        "K0007",
                        format!("the configuration expands to more than {MAX_LINES} lines"),
                    )
                    .with_label(origin.line, "this block")
                    .with_help("use smaller ~SEQ/~LST ranges"),
                );
                return;
            }
            for (k, v) in &set {
                self.vars.insert(k.clone(), v.clone());
            }
            self.process(&tail, tail_origin, depth + 1);
        }
    }

    /// Replaces `${NAME}` and `$NAME` (followed by a blank, `,`, `)` or the end);
    /// `None` when nothing was replaced.
    fn substitute(&mut self, text: &str, origin: Origin) -> Option<String> {
        let mut cur = text.to_owned();
        let mut changed = false;
        for round in 0..=MAX_SUBST_ROUNDS {
            let (next, did) = self.subst_once(&cur, origin);
            if !did {
                break;
            }
            if round == MAX_SUBST_ROUNDS {
                // Still substituting: parameters that refer to each other
                // (keepalived loops on them for ever).
                self.diags.push(
                    Diagnostic::error("K0008", "parameter substitution does not end")
                        .with_label(origin.line, "")
                        .with_help(
                            "a parameter's value refers to itself, directly or through others",
                        ),
                );
                cur.truncate(0);
                break;
            }
            changed = true;
            cur = next;
            if cur.len() > MAX_LINE_LEN {
                self.diags.push(
                    Diagnostic::error("K0008", "parameter substitution grows without bound")
                        .with_label(origin.line, "")
                        .with_help("a parameter's value refers to itself"),
                );
                cur.truncate(0);
                break;
            }
        }
        changed.then_some(cur)
    }

    fn subst_once(&mut self, text: &str, _origin: Origin) -> (String, bool) {
        let mut out = String::with_capacity(text.len());
        let mut did = false;
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(inner) = after.strip_prefix('{')
                && let Some(end) = inner.find('}')
            {
                let name = &inner[..end];
                if let Some(v) = self.lookup(name) {
                    out.push_str(&v);
                    did = true;
                    rest = &inner[end + 1..];
                    continue;
                }
            } else {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                let followed_ok = after[n..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | ',' | ')'));
                if n > 0 && followed_ok {
                    if let Some(v) = self.lookup(&after[..n]) {
                        out.push_str(&v);
                        did = true;
                        rest = &after[n..];
                        continue;
                    }
                }
            }
            out.push('$');
            rest = after;
        }
        out.push_str(rest);
        (out, did)
    }

    fn lookup(&mut self, name: &str) -> Option<String> {
        let mut parts = name.split_whitespace();
        let head = parts.next()?;
        match head {
            "_PWD" => Some(
                self.dirs
                    .last()
                    .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
                    .map_or_else(String::new, |d| d.display().to_string()),
            ),
            "_INSTANCE" => Some(self.config_id().to_owned()),
            // `${_ENV NAME}`: the value of the environment variable NAME
            // (empty when it is not set). keepalived 2.2.7 does not have it
            // (it leaves the text as written); lbconf follows the current
            // keepalived.conf(5), "Pre-defined definitions", so the oracle
            // corpus does not use it.
            "_ENV" => {
                let var = parts.next()?;
                Some(
                    std::env::var_os(var)
                        .map_or_else(String::new, |v| v.to_string_lossy().into_owned()),
                )
            }
            // `#` and `!` that do not start a comment, as the current
            // keepalived.conf(5) says; keepalived 2.2.7 still cuts the line
            // at them (the oracle corpus does not use them).
            "_HASH" => Some("#".to_owned()),
            "_BANG" => Some("!".to_owned()),
            "_RANDOM" => {
                let min: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                let max: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(32767);
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                let span = max.saturating_sub(min).saturating_add(1);
                Some((min + self.rng % span.max(1)).to_string())
            }
            _ => self.vars.get(name).cloned(),
        }
    }

    /// Reads the line at `start` straight into the sink when it is a plain
    /// one: its first word starts with none of the characters the macro
    /// layer acts on (`include`, `@`, `$`, `~`). Returns where the next line
    /// starts, or `None` (nothing read) when the line needs [`Self::process`].
    /// The words are split as [`lex_into`] splits them; a word with a quote
    /// hands the rest of the line to it.
    fn plain_line(&mut self, id: FileId, text: &str, start: usize) -> Option<usize> {
        let bytes = text.as_bytes();
        let mut i = start;
        // The indentation, eight spaces at a time first.
        while let Some(c) = bytes
            .get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            && u64::from_ne_bytes(c) == u64::from_ne_bytes(*b"        ")
        {
            i += 8;
        }
        i = skip_while(bytes, i, |b| matches!(b, b' ' | b'\t'));
        match bytes.get(i) {
            None => return Some(bytes.len()),
            Some(b'\n') => return Some(i + 1),
            Some(&b) if b.is_ascii_graphic() && !matches!(b, b'i' | b'@' | b'$' | b'~') => {}
            Some(_) => return None,
        }
        let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |n| from + n);
        let mut first = true;
        let next = loop {
            i = skip_while(bytes, i, |b| {
                matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
            });
            let Some(&b) = bytes.get(i) else {
                break bytes.len();
            };
            let kind = match b {
                b'\n' => break i + 1,
                b'#' | b'!' => {
                    let end = line_end(i);
                    break (end + 1).min(bytes.len());
                }
                b'{' => TokenKind::Open,
                b'}' => TokenKind::Close,
                _ => {
                    let w = i;
                    i = skip_while(bytes, i, |b| PLAIN[usize::from(b)]);
                    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
                        // A quoted word: the rest of the line, as the line
                        // lexer reads it (the line without its `\r`s).
                        let end = line_end(w);
                        let line = text[start..end].trim_end_matches('\r');
                        let origin = Origin {
                            line: Span::new(id, start, start + line.len()),
                            exact: Some(w),
                        };
                        let rest = text.get(w..start + line.len()).unwrap_or("");
                        first &= !self.emit_words(rest, origin, first);
                        break (end + 1).min(bytes.len());
                    }
                    self.sink.push(
                        TokenKind::Word,
                        first,
                        Span::new(id, w, i),
                        None,
                        &self.sources,
                    );
                    first = false;
                    continue;
                }
            };
            self.sink
                .push(kind, first, Span::new(id, i, i + 1), None, &self.sources);
            first = false;
            i += 1;
        };
        if !first {
            self.lines += 1;
        }
        Some(next)
    }

    /// Tokenizes a final line and appends it.
    fn emit(&mut self, text: &str, origin: Origin) {
        if self.emit_words(text, origin, true) {
            self.lines += 1;
        }
    }

    /// Tokenizes `text` and appends its words, the first of them starting a
    /// line when `line_start`; whether it had any.
    fn emit_words(&mut self, text: &str, origin: Origin, line_start: bool) -> bool {
        // For text that substitution changed, a token still written verbatim
        // on the original line (searched left to right) points at its own
        // bytes; the others point at the whole line.
        let original = match origin.exact {
            None => self
                .sources
                .get(origin.line.file)
                .and_then(|f| f.text().get(origin.line.range()))
                .unwrap_or(""),
            Some(_) => "",
        };
        let mut cursor = 0;
        let mut first = line_start;
        let mut toks = std::mem::take(&mut self.scratch);
        lex_into(text, &mut toks);
        for t in &toks {
            let raw = &text[t.start..t.end];
            let span = match origin.exact {
                Some(base) => Span::new(origin.line.file, base + t.start, base + t.end),
                None => match original.get(cursor..).and_then(|rest| rest.find(raw)) {
                    Some(at) => {
                        let start = origin.line.start as usize + cursor + at;
                        cursor += at + raw.len();
                        Span::new(origin.line.file, start, start + raw.len())
                    }
                    None => origin.line,
                },
            };
            if t.unterminated && raw.contains('"') {
                self.diags.push(
                    Diagnostic::warning("K0001", "quoted string is not closed on its line")
                        .with_label(span, "this quote runs to the end of the line")
                        .with_help("add the closing quote"),
                );
            }
            // The value is the span's own text unless quotes were removed or
            // the text is not the original bytes.
            let verbatim = origin.exact.is_some() && !t.quoted;
            let unquoted;
            let value = if verbatim {
                None
            } else {
                unquoted = unquote(raw);
                Some(unquoted.as_str())
            };
            self.sink.push(t.kind, first, span, value, &self.sources);
            first = false;
        }
        let any = !toks.is_empty();
        self.scratch = toks;
        any
    }
}

/// The first index from `i` on whose byte `keep` refuses (the length when
/// there is none).
#[inline]
fn skip_while(bytes: &[u8], i: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| !keep(b)))
        .map_or(bytes.len(), |n| i + n)
}

/// Whether `b` occurs in `bytes`: a whole-file scan, in blocks the compiler
/// vectorizes.
fn has_byte(bytes: &[u8], b: u8) -> bool {
    bytes
        .chunks(256)
        .any(|c| c.iter().fold(false, |found, &x| found | (x == b)))
}

/// The value part of a continued line and whether it continues.
fn continued(line: &str) -> (&str, bool) {
    let t = line.trim_end();
    match t.strip_suffix('\\') {
        Some(p) => (p, true),
        None => (line, false),
    }
}

/// The line without its leading blanks and `@id`/`@^id` prefix.
fn without_condition(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('@') {
        let end = t.find([' ', '\t']).unwrap_or(t.len());
        t[end..].trim_start()
    } else {
        t
    }
}

/// `$NAME=value` → (NAME, value).
fn definition(t: &str) -> Option<(&str, &str)> {
    let rest = t.strip_prefix('$')?;
    let eq = rest.find('=')?;
    let name = &rest[..eq];
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (name, &rest[eq + 1..]))
}

fn shift(o: Origin, by: usize) -> Origin {
    Origin {
        line: o.line,
        exact: o.exact.map(|e| e + by),
    }
}

fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The parts of `~SEQ(VAR, NUMBERS) TAIL` (after the `~SEQ`), split as
/// keepalived 2.2.7 splits them.
struct SeqSpec<'t> {
    /// `~SEQx`: the values are written in hexadecimal.
    hex: bool,
    var: &'t str,
    /// From the first number up to and including the first `)`.
    numbers: &'t str,
    /// The line each value is substituted into (blanks before it skipped).
    tail: &'t str,
}

/// Longest `NUMBERS)` keepalived takes: three numbers of up to 20
/// characters, each followed by `,` or `)`.
const SEQ_NUMBERS_MAX: usize = 3 * 20 + 3;

fn seq_spec(after: &str) -> Result<SeqSpec<'_>, String> {
    let blank = [' ', '\t'];
    let (hex, p) = after
        .strip_prefix('x')
        .map_or((false, after), |r| (true, r));
    let p = p
        .trim_start_matches(blank)
        .strip_prefix('(')
        .ok_or("no `(` after ~SEQ")?
        .trim_start_matches(blank);
    let var_end = p.find([' ', '\t', ',', ')']).unwrap_or(p.len());
    let var = &p[..var_end];
    let p = p[var_end..].trim_start_matches(blank);
    if var.is_empty() || p.is_empty() || p.starts_with(')') {
        return Err("the variable name or the numbers are missing".into());
    }
    // keepalived steps over the character after the name (the `,`)
    // whatever it is.
    let mut chars = p.chars();
    chars.next();
    let p = chars.as_str().trim_start_matches(blank);
    let close = p.find(')').ok_or("no closing `)`")?;
    if close + 1 > SEQ_NUMBERS_MAX {
        return Err(format!(
            "the numbers are longer than {SEQ_NUMBERS_MAX} characters"
        ));
    }
    Ok(SeqSpec {
        hex,
        var,
        numbers: &p[..=close],
        tail: p[close + 1..].trim_start_matches(blank),
    })
}

/// C's `strtol(s, &end, 0)`: leading white space, a sign, then a hex
/// (`0x`), octal (`0`) or decimal number, clamped to the range of a
/// 64-bit `long`. The value and the bytes read (0 when there is no number).
fn strtol(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .unwrap_or(b.len());
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (radix, digits_at) = match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(b'0'), Some(b'x' | b'X'), Some(h)) if h.is_ascii_hexdigit() => (16, i + 2),
        (Some(b'0'), _, _) => (8, i),
        _ => (10, i),
    };
    let mut j = digits_at;
    let mut v: i128 = 0;
    while let Some(d) = b.get(j).and_then(|&c| char::from(c).to_digit(radix)) {
        v = (v * i128::from(radix) + i128::from(d)).min(i128::from(i64::MAX) + 1);
        j += 1;
    }
    if j == digits_at {
        return (0, 0);
    }
    let v = if neg { -v } else { v };
    let v = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    (i64::try_from(v).unwrap_or(i64::MAX), j)
}

/// The values of `~SEQ`'s numbers (`END)`, `START, END)` or
/// `START, STEP, END)`), as keepalived 2.2.7 reads them: C numbers (`010` is
/// octal), a missing number is 0, one number counts from 1 (or -1) to it,
/// two count up or down, a step that leads away from the end is an error.
fn seq_values(numbers: &str, hex: bool) -> Result<Vec<String>, String> {
    let blank = [' ', '\t'];
    let mut nums = Vec::new();
    let mut p = numbers;
    loop {
        let (v, used) = strtol(p);
        nums.push(v);
        p = p[used..].trim_start_matches(blank);
        match p.as_bytes().first() {
            Some(b')') => break,
            Some(b',') if nums.len() < 3 => p = &p[1..],
            _ => return Err(format!("`{numbers}` is not 1 to 3 numbers")),
        }
    }
    let (start, step, end) = match nums[..] {
        [end] => (
            if end < 0 { -1 } else { 1 },
            if end < 1 { -1 } else { 1 },
            end,
        ),
        [start, end] => (start, if start <= end { 1 } else { -1 }, end),
        [start, step, end] => {
            if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
                return Err(format!("step {step} never leads from {start} to {end}"));
            }
            (start, step, end)
        }
        _ => return Err(format!("`{numbers}` is not 1 to 3 numbers")),
    };
    if hex && (start < 0 || end < 0) {
        return Err("~SEQx takes no negative numbers".into());
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0 && v <= end) || (step < 0 && v >= end) {
        if out.len() >= MAX_LINES {
            return Err("the sequence is too long".into());
        }
        out.push(if hex { format!("{v:x}") } else { v.to_string() });
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(out)
}

fn parse_lst(args: &str) -> Result<Vec<Vec<(String, String)>>, String> {
    let groups = split_groups(args);
    let (names, values) = groups.split_first().ok_or("no variable")?;
    if values.is_empty() {
        return Err("no values".into());
    }
    let mut out = Vec::new();
    for v in values {
        if v.len() != names.len() {
            return Err(format!(
                "{} variables but a value group of {}",
                names.len(),
                v.len()
            ));
        }
        out.push(names.iter().cloned().zip(v.iter().cloned()).collect());
    }
    Ok(out)
}

/// `a, {b, c}, d` → [[a], [b, c], [d]].
fn split_groups(s: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').unwrap_or(r.len());
            out.push(r[..end].split(',').map(|x| x.trim().to_owned()).collect());
            rest = r.get(end + 1..).unwrap_or("").trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(vec![rest[..end].trim().to_owned()]);
            rest = rest.get(end + 1..).unwrap_or("").trim_start();
        }
    }
    out
}

pub(super) mod include;
