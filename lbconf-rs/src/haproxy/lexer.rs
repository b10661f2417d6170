//! Splitting one line into words, as HAProxy's `parse_line()` does.
//!
//! Rules (configuration.txt sections 2.2 and 2.3):
//! - words are separated by unprotected spaces and tabs; an unprotected `#`
//!   starts a comment; an unprotected carriage return ends the line;
//! - outside single quotes a backslash escapes ` `, `\t`, `\\`, `#`, `'`, `"`
//!   and `$`, and `\r`, `\n`, `\t`, `\xNN` give CR, LF, TAB and byte `NN`;
//!   any other backslash is kept as is;
//! - single quotes protect everything, double quotes protect spaces, `#` and
//!   single quotes but let `$VAR`, `${VAR}`, `${VAR-default}` and `${VAR[*]}`
//!   expand (the last one into several words).

use crate::source::{FileId, Span};

/// HAProxy's `MAX_LINE_ARGS`: a line may hold at most this many words.
pub(crate) const MAX_WORDS: usize = 64;

/// One word of a line after quote removal, escapes and variable expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Word {
    /// The resulting text (may be empty: `""`).
    pub value: String,
    /// The raw characters it came from. Words produced by one `${VAR[*]}`
    /// share the span of the raw word.
    pub span: Span,
}

/// Why a line could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexErrorKind {
    /// A quote is not closed at the end of the line.
    UnmatchedQuote,
    /// `\x` not followed by two hex digits.
    BadHex,
    /// `${` without its `}`.
    UnmatchedBrace,
    /// `${VAR[*]}` mixed with other characters in one word.
    WrongExpand,
    /// More than [`MAX_WORDS`] words.
    TooManyWords,
    /// `$` followed by a character that cannot start a variable name.
    VarName,
}

/// A tokenizer error with the offset (in the file) it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) kind: LexErrorKind,
    pub(crate) at: Span,
}

/// The words of one line, its comment, and the first error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lexed {
    pub(crate) words: Vec<Word>,
    pub(crate) comment: Option<Span>,
    pub(crate) error: Option<LexError>,
}

/// Splits `line` (one line without its `\n`), which starts at byte `base` of
/// file `file`, into owned words. `lookup` resolves variable names
/// (including the pseudo variables `.FILE`, `.LINE`, `.SECTION`).
#[cfg(test)]
pub(crate) fn split_line(
    line: &str,
    file: FileId,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Lexed {
    let mut words = Words::default();
    words.split(line, file, base, lookup);
    words.to_lexed()
}

/// Where one word's text is in [`Words`]' buffer, and its raw span.
#[derive(Debug, Clone, Copy)]
struct RawWord {
    span: Span,
    start: u32,
    end: u32,
}

/// The words of one line, split into buffers that are reused from line to
/// line: the words' texts sit end to end in one string, so splitting a line
/// allocates nothing once the buffers have grown.
#[derive(Debug, Default)]
pub(crate) struct Words {
    /// The texts of the words, end to end.
    buf: String,
    words: Vec<RawWord>,
    /// The bytes of the word being built (escapes may make it non-UTF-8).
    cur: Vec<u8>,
    /// The comment (from the unprotected `#` to the end of the line).
    pub(crate) comment: Option<Span>,
    /// The first tokenizer error.
    pub(crate) error: Option<LexError>,
}

/// Bytes that may end a run of plain word bytes (a superset, whatever the
/// quoting: the main loop handles each one as the quoting requires).
fn is_special(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'#' | b'\r' | b'\\' | b'\'' | b'"' | b'$')
}

/// Separators start with a space or tab and run over any white space
/// (`isspace()` in HAProxy, so a carriage return there is skipped too).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

impl Words {
    /// How many words the line has.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// The text of word `i` (empty when there is no such word).
    pub(crate) fn text(&self, i: usize) -> &str {
        self.words
            .get(i)
            .and_then(|w| self.buf.get(w.start as usize..w.end as usize))
            .unwrap_or("")
    }

    /// The raw span of word `i`.
    pub(crate) fn span(&self, i: usize) -> Span {
        self.words.get(i).map(|w| w.span).unwrap_or_default()
    }

    /// The words as owned [`Word`]s, with the comment and the error.
    pub(crate) fn to_lexed(&self) -> Lexed {
        Lexed {
            words: (0..self.len())
                .map(|i| Word {
                    value: self.text(i).to_owned(),
                    span: self.span(i),
                })
                .collect(),
            comment: self.comment,
            error: self.error,
        }
    }

    fn error(&mut self, kind: LexErrorKind, at: Span) {
        if self.error.is_none() {
            self.error = Some(LexError { kind, at });
        }
    }

    /// Ends the word that started at `start` (if any) at `end`: the text
    /// built in `cur`, or the words of a `${VAR[*]}` expansion.
    fn finish_word(
        &mut self,
        start: &mut Option<usize>,
        end: usize,
        span: &dyn Fn(usize, usize) -> Span,
        split: &mut Option<String>,
        mixed: &mut bool,
    ) {
        let Some(s) = start.take() else { return };
        let sp = span(s, end);
        match split.take() {
            Some(value) => {
                if *mixed {
                    self.error(LexErrorKind::WrongExpand, sp);
                }
                for part in value.split([' ', '\t']).filter(|w| !w.is_empty()) {
                    self.push(part, sp);
                }
            }
            None => {
                let cur = std::mem::take(&mut self.cur);
                match std::str::from_utf8(&cur) {
                    Ok(text) => self.push(text, sp),
                    Err(_) => self.push(&String::from_utf8_lossy(&cur), sp),
                }
                self.cur = cur;
            }
        }
        self.cur.clear();
        *mixed = false;
    }

    fn push(&mut self, text: &str, span: Span) {
        let start = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        self.buf.push_str(text);
        let end = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        self.words.push(RawWord { span, start, end });
    }

    /// Splits `line` (one line without its `\n`), which starts at byte
    /// `base` of file `file`, replacing what the buffers held. `lookup`
    /// resolves variable names (including the pseudo variables `.FILE`,
    /// `.LINE`, `.SECTION`).
    pub(crate) fn split(
        &mut self,
        line: &str,
        file: FileId,
        base: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) {
        self.buf.clear();
        self.words.clear();
        self.cur.clear();
        self.comment = None;
        self.error = None;
        if !self.split_plain(line, file, base) {
            self.buf.clear();
            self.words.clear();
            self.split_any(line, file, base, lookup);
        }
    }

    /// [`Words::split`] on any line, into emptied buffers.
    fn split_any(
        &mut self,
        line: &str,
        file: FileId,
        base: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) {
        let b = line.as_bytes();
        let mut i = 0;
        let mut squote = false;
        let mut dquote = false;
        let mut quote_at = 0;
        // The word being built starts at `start` (once it exists); `split`
        // holds the value of a `${VAR[*]}` it is made of, and `mixed` says
        // that other characters were mixed with such an expansion.
        let mut start: Option<usize> = None;
        let mut split: Option<String> = None;
        let mut mixed = false;
        let span = |s: usize, e: usize| Span::new(file, base + s, base + e);
        let clip = |at: usize, end: usize| span(at, end.min(b.len()).max(at));

        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        while i < b.len() {
            let c = b[i];
            let quoted = squote || dquote;
            if !quoted && (c == b' ' || c == b'\t') {
                self.finish_word(&mut start, i, &span, &mut split, &mut mixed);
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                continue;
            }
            if !quoted && c == b'#' {
                self.finish_word(&mut start, i, &span, &mut split, &mut mixed);
                self.comment = Some(span(i, b.len()));
                i = b.len();
                break;
            }
            // Elsewhere, even between quotes, a carriage return ends the line.
            if c == b'\r' {
                break;
            }
            start.get_or_insert(i);
            if c == b'\\' && !squote {
                match b.get(i + 1).copied() {
                    Some(n @ (b' ' | b'\t' | b'\\' | b'#' | b'\'' | b'"' | b'$')) => {
                        self.cur.push(n);
                        i += 2;
                    }
                    Some(b'r') => {
                        self.cur.push(b'\r');
                        i += 2;
                    }
                    Some(b'n') => {
                        self.cur.push(b'\n');
                        i += 2;
                    }
                    Some(b't') => {
                        self.cur.push(b'\t');
                        i += 2;
                    }
                    Some(b'x') => {
                        let hex = b.get(i + 2..i + 4).and_then(|h| {
                            std::str::from_utf8(h)
                                .ok()
                                .filter(|s| s.bytes().all(|x| x.is_ascii_hexdigit()))
                                .and_then(|s| u8::from_str_radix(s, 16).ok())
                        });
                        if let Some(v) = hex {
                            self.cur.push(v);
                            i += 4;
                        } else {
                            self.error(LexErrorKind::BadHex, clip(i, i + 2));
                            self.cur.extend_from_slice(b"\\x");
                            i += 2;
                        }
                    }
                    _ => {
                        self.cur.push(b'\\');
                        i += 1;
                    }
                }
                if split.is_some() {
                    mixed = true;
                }
                continue;
            }
            if c == b'\'' && !dquote {
                squote = !squote;
                quote_at = i;
                i += 1;
                continue;
            }
            if c == b'"' && !squote {
                dquote = !dquote;
                quote_at = i;
                i += 1;
                continue;
            }
            if c == b'$' && dquote {
                if let Some((consumed, expansion)) = expand(&b[i..], lookup) {
                    match expansion {
                        Expansion::Text(t) => {
                            self.cur.extend_from_slice(t.as_bytes());
                            if split.is_some() {
                                mixed = true;
                            }
                        }
                        Expansion::Words(w) => {
                            if !self.cur.is_empty() || split.is_some() {
                                mixed = true;
                            }
                            split = Some(w);
                        }
                        Expansion::Unclosed => {
                            self.error(LexErrorKind::UnmatchedBrace, clip(i, i + 2));
                        }
                        Expansion::BadName => {
                            self.error(LexErrorKind::VarName, clip(i, i + consumed + 1));
                        }
                    }
                    i += consumed;
                    continue;
                }
            }
            if split.is_some() {
                mixed = true;
            }
            // A run of plain bytes at once.
            let run = b[i + 1..]
                .iter()
                .position(|&x| is_special(x))
                .map_or(b.len(), |p| i + 1 + p);
            self.cur.extend_from_slice(&b[i..run]);
            i = run;
        }
        if squote || dquote {
            self.error(LexErrorKind::UnmatchedQuote, clip(quote_at, quote_at + 1));
        }
        self.finish_word(&mut start, i, &span, &mut split, &mut mixed);
        if self.words.len() > MAX_WORDS {
            let at = self.words[MAX_WORDS].span;
            self.words.truncate(MAX_WORDS);
            self.error(LexErrorKind::TooManyWords, at);
        }
    }
}

impl Words {
    /// [`Words::split`] on a line without quotes, escapes, comments or
    /// carriage returns (the common line): its words are its runs of
    /// bytes between spaces and tabs, as written. Returns `false`, with the
    /// buffers to be emptied, at the first byte that makes the line not
    /// such a line.
    fn split_plain(&mut self, line: &str, file: FileId, base: usize) -> bool {
        let b = line.as_bytes();
        self.buf.push_str(line);
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' | b'\'' | b'"' | b'#' | b'\r' => return false,
                c if is_space(c) => i += 1,
                _ => {
                    let start = i;
                    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                        if matches!(b[i], b'\\' | b'\'' | b'"' | b'#' | b'\r') {
                            return false;
                        }
                        i += 1;
                    }
                    self.words.push(RawWord {
                        span: Span::new(file, base + start, base + i),
                        start: u32::try_from(start).unwrap_or(u32::MAX),
                        end: u32::try_from(i).unwrap_or(u32::MAX),
                    });
                }
            }
        }
        if self.words.len() > MAX_WORDS {
            let at = self.words[MAX_WORDS].span;
            self.words.truncate(MAX_WORDS);
            self.error(LexErrorKind::TooManyWords, at);
        }
        true
    }
}

enum Expansion {
    Text(String),
    /// The value of a `${VAR[*]}`, split into words when the word ends.
    Words(String),
    Unclosed,
    BadName,
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Expands the variable reference at the start of `b` (which starts with
/// `$`). Returns how many bytes it used, or `None` when `$` is literal.
fn expand(b: &[u8], lookup: &dyn Fn(&str) -> Option<String>) -> Option<(usize, Expansion)> {
    let braced = b.get(1) == Some(&b'{');
    let mut j = if braced { 2 } else { 1 };
    let name_start = j;
    // HAProxy: a name starts with a letter, `_` or `.` (pseudo variables).
    if !b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_' || *c == b'.')
    {
        return Some((j, Expansion::BadName));
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
    }
    while j < b.len() && is_name_byte(b[j]) {
        j += 1;
    }
    let name = std::str::from_utf8(&b[name_start..j]).ok()?;
    if name.is_empty() || name == "." {
        return Some((j, Expansion::BadName));
    }
    if !braced {
        return Some((j, Expansion::Text(lookup(name).unwrap_or_default())));
    }
    let mut words = false;
    if b[j..].starts_with(b"[*]") {
        words = true;
        j += 3;
    }
    let mut default = None;
    if b.get(j) == Some(&b'-') {
        let dstart = j + 1;
        let Some(close) = b[dstart..].iter().position(|&c| c == b'}') else {
            return Some((b.len(), Expansion::Unclosed));
        };
        default = Some(String::from_utf8_lossy(&b[dstart..dstart + close]).into_owned());
        j = dstart + close;
    }
    if b.get(j) != Some(&b'}') {
        return Some((j, Expansion::Unclosed));
    }
    let value = lookup(name).or(default).unwrap_or_default();
    let exp = if words {
        Expansion::Words(value)
    } else {
        Expansion::Text(value)
    };
    Some((j + 1, exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "LIST" => Some("a  b c".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn words(line: &str) -> Vec<String> {
        let l = split_line(line, FileId(0), 0, &env);
        assert_eq!(l.error, None, "{line:?}");
        l.words.into_iter().map(|w| w.value).collect()
    }

    fn error(line: &str) -> LexErrorKind {
        split_line(line, FileId(0), 0, &env).error.unwrap().kind
    }

    #[test]
    fn the_manuals_equivalent_log_formats() {
        let want = vec!["log-format", "%{+Q}o %t %s %{-Q}r"];
        for line in [
            r"log-format %{+Q}o\ %t\ %s\ %{-Q}r",
            r#"log-format "%{+Q}o %t %s %{-Q}r""#,
            r"log-format '%{+Q}o %t %s %{-Q}r'",
            r#"log-format "%{+Q}o %t"' %s %{-Q}r'"#,
            r#"log-format "%{+Q}o %t"' %s'\ %{-Q}r"#,
        ] {
            assert_eq!(words(line), want, "{line}");
        }
    }

    #[test]
    fn escapes_and_variables_as_haproxy_does() {
        // Checked against haproxy 2.6: `.warning "a\qb$HOME\x41${NOPE-def}${HOME}|\$"`.
        assert_eq!(
            words(r#".warning "a\qb$HOME\x41${NOPE-def}${HOME}|\$""#),
            vec![".warning", r"a\qb/rootAdef/root|$"]
        );
        assert_eq!(words(r"a\ b'$HOME' \#x # c"), vec!["a b$HOME", "#x"]);
        assert_eq!(words(r#"x "${LIST[*]}" y"#), vec!["x", "a", "b", "c", "y"]);
        assert_eq!(words(r#"x "" "${EMPTY-d}""#), vec!["x", "", ""]);
        // Checked against haproxy 2.6: a CR in a word ends the line, a CR
        // in a separator is white space.
        assert_eq!(words("a\rb c"), vec!["a"]);
        assert_eq!(words("\r a \r\tb\r"), vec!["a", "b"]);
        assert_eq!(error("a \"c\r\""), LexErrorKind::UnmatchedQuote);
        assert_eq!(words("  \t "), Vec::<String>::new());
        assert_eq!(words(r"a\"), vec![r"a\"]);
        assert_eq!(words(r#"a$ '$1'"#), vec!["a$", "$1"]);
        assert_eq!(words(r#"'a"b' "c'd""#), vec![r#"a"b"#, "c'd"]);
    }

    proptest::proptest! {
        #[test]
        fn plain_lines_split_as_any_line(line in "[a-z$\t\x0b\x0cé ]{0,40}") {
            let mut plain = Words::default();
            proptest::prop_assert!(plain.split_plain(&line, FileId(1), 7));
            let mut any = Words::default();
            any.split_any(&line, FileId(1), 7, &env);
            proptest::prop_assert_eq!(plain.to_lexed(), any.to_lexed());
        }

        #[test]
        fn other_lines_split_as_any_line(line in "[a-z$\t\\\\'\"#\r ]{0,40}") {
            let mut words = Words::default();
            words.split(&line, FileId(1), 7, &env);
            let mut any = Words::default();
            any.split_any(&line, FileId(1), 7, &env);
            proptest::prop_assert_eq!(words.to_lexed(), any.to_lexed());
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(error(r#"a "unterminated"#), LexErrorKind::UnmatchedQuote);
        assert_eq!(error(r#"a "x\xZZ""#), LexErrorKind::BadHex);
        assert_eq!(error(r#"a "${HOME""#), LexErrorKind::UnmatchedBrace);
        assert_eq!(error(r#"a "x${LIST[*]}""#), LexErrorKind::WrongExpand);
        assert_eq!(error(r#"a "$""#), LexErrorKind::VarName);
        assert_eq!(error(r#"a "${}""#), LexErrorKind::VarName);
        assert_eq!(error(r#"a "$1""#), LexErrorKind::VarName);
        let many = "w ".repeat(70);
        assert_eq!(error(&many), LexErrorKind::TooManyWords);
        let l = split_line(r#"ab x"cd"#, FileId(3), 10, &env);
        assert_eq!(l.error.unwrap().at, Span::new(FileId(3), 14, 15));
    }
}
