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
/// file `file`. `lookup` resolves variable names (including the pseudo
/// variables `.FILE`, `.LINE`, `.SECTION`).
pub(crate) fn split_line(
    line: &str,
    file: FileId,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Lexed {
    let b = line.as_bytes();
    let mut out = Lexed::default();
    let mut i = 0;
    let mut squote = false;
    let mut dquote = false;
    let mut quote_at = 0;
    // The word being built: bytes, start offset, whether it exists yet, and
    // the `[*]` expansion it holds (if any).
    let mut cur: Vec<u8> = Vec::new();
    let mut start: Option<usize> = None;
    let mut split: Option<Vec<String>> = None;
    let mut mixed = false;
    let span = |s: usize, e: usize| Span::new(file, base + s, base + e);
    let err = |out: &mut Lexed, kind, at: usize, end: usize| {
        if out.error.is_none() {
            out.error = Some(LexError {
                kind,
                at: span(at, end.min(b.len()).max(at)),
            });
        }
    };

    macro_rules! finish_word {
        ($end:expr) => {
            if let Some(s) = start.take() {
                let sp = span(s, $end);
                match split.take() {
                    Some(parts) => {
                        if mixed {
                            err(&mut out, LexErrorKind::WrongExpand, s, $end);
                        }
                        for p in parts {
                            out.words.push(Word { value: p, span: sp });
                        }
                    }
                    None => out.words.push(Word {
                        value: String::from_utf8_lossy(&cur).into_owned(),
                        span: sp,
                    }),
                }
                cur.clear();
                #[allow(unused_assignments)]
                {
                    mixed = false;
                }
            }
        };
    }

    // Separators start with a space or tab and run over any white space
    // (`isspace()` in HAProxy, so a carriage return there is skipped too).
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c);
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    while i < b.len() {
        let c = b[i];
        let quoted = squote || dquote;
        if !quoted && (c == b' ' || c == b'\t') {
            finish_word!(i);
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            continue;
        }
        if !quoted && c == b'#' {
            finish_word!(i);
            out.comment = Some(span(i, b.len()));
            i = b.len();
            break;
        }
        // Elsewhere, even between quotes, a carriage return ends the line.
        if c == b'\r' {
            break;
        }
        start.get_or_insert(i);
        if c == b'\\' && !squote {
            let next = b.get(i + 1).copied();
            match next {
                Some(n @ (b' ' | b'\t' | b'\\' | b'#' | b'\'' | b'"' | b'$')) => {
                    cur.push(n);
                    i += 2;
                }
                Some(b'r') => {
                    cur.push(b'\r');
                    i += 2;
                }
                Some(b'n') => {
                    cur.push(b'\n');
                    i += 2;
                }
                Some(b't') => {
                    cur.push(b'\t');
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
                        cur.push(v);
                        i += 4;
                    } else {
                        err(&mut out, LexErrorKind::BadHex, i, i + 2);
                        cur.extend_from_slice(b"\\x");
                        i += 2;
                    }
                }
                _ => {
                    cur.push(b'\\');
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
                        cur.extend_from_slice(t.as_bytes());
                        if split.is_some() {
                            mixed = true;
                        }
                    }
                    Expansion::Words(w) => {
                        if !cur.is_empty() || split.is_some() {
                            mixed = true;
                        }
                        split = Some(w);
                    }
                    Expansion::Unclosed => {
                        err(&mut out, LexErrorKind::UnmatchedBrace, i, i + 2);
                    }
                    Expansion::BadName => {
                        err(&mut out, LexErrorKind::VarName, i, i + consumed + 1);
                    }
                }
                i += consumed;
                continue;
            }
        }
        if split.is_some() {
            mixed = true;
        }
        cur.push(c);
        i += 1;
    }
    if squote || dquote {
        err(
            &mut out,
            LexErrorKind::UnmatchedQuote,
            quote_at,
            quote_at + 1,
        );
    }
    finish_word!(i);
    if out.words.len() > MAX_WORDS {
        let at = out.words[MAX_WORDS].span;
        out.words.truncate(MAX_WORDS);
        if out.error.is_none() {
            out.error = Some(LexError {
                kind: LexErrorKind::TooManyWords,
                at,
            });
        }
    }
    out
}

enum Expansion {
    Text(String),
    Words(Vec<String>),
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
        Expansion::Words(
            value
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        )
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
