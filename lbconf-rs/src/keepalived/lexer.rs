//! Splits `keepalived.conf` text into tokens the way keepalived does.
//!
//! Words are separated by blanks; `{` and `}` outside quotes are tokens of
//! their own; a `#` or `!` where a token would start comments out the rest of
//! the line. `"` and `'` quote: the quoted part (blanks included) belongs to the
//! word it touches, and the quote characters are removed from the value, so
//! `abcd" efg "h` is the single word `abcd efg h` (keepalived.conf(5), "Quoted
//! strings"). Everything that is not a token (blanks, comments, line ends) is
//! trivia, kept so the syntax tree prints the input back byte for byte.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TokenKind {
    /// A word, possibly with quoted parts.
    Word,
    /// `{`.
    Open,
    /// `}`.
    Close,
}

/// A token found by [`lex`]: byte range in the lexed text and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawToken {
    /// The kind.
    pub kind: TokenKind,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Whether a quote opened in this word is never closed on its line.
    pub unterminated: bool,
    /// Whether the word has a quote character (so its value differs from
    /// its text).
    pub quoted: bool,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// Bytes that continue a word as they are: not blank, not a line end, not a
/// brace and not a quote.
pub(crate) const PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let stop = *b" \t\r\x0b\x0c\n{}\"'";
    let mut k = 0;
    while k < stop.len() {
        t[stop[k] as usize] = false;
        k += 1;
    }
    t
};

/// Splits `text` into tokens; the bytes between tokens are trivia.
pub fn lex(text: &str) -> Vec<RawToken> {
    let mut out = Vec::new();
    lex_into(text, &mut out);
    out
}

/// [`lex`] into `out` (cleared first), so a caller lexing many lines reuses
/// one buffer.
pub fn lex_into(text: &str, out: &mut Vec<RawToken>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_blank(b) || b == b'\n' {
            i += 1;
            continue;
        }
        let start = i;
        match b {
            b'#' | b'!' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' | b'}' => {
                i += 1;
                let kind = if b == b'{' {
                    TokenKind::Open
                } else {
                    TokenKind::Close
                };
                out.push(RawToken {
                    kind,
                    start,
                    end: i,
                    unterminated: false,
                    quoted: false,
                });
            }
            _ => {
                let mut unterminated = false;
                let mut quoted = false;
                loop {
                    // The plain bytes of the word, a table look-up each.
                    while i < bytes.len() && PLAIN[usize::from(bytes[i])] {
                        i += 1;
                    }
                    let Some(&q) = bytes.get(i) else {
                        break;
                    };
                    if is_blank(q) || matches!(q, b'\n' | b'{' | b'}') {
                        break;
                    }
                    if q == b'"' || q == b'\'' {
                        quoted = true;
                        i += 1;
                        let mut closed = false;
                        while i < bytes.len() && bytes[i] != b'\n' {
                            if bytes[i] == b'\\' && i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            if bytes[i - 1] == q {
                                closed = true;
                                break;
                            }
                        }
                        unterminated |= !closed;
                    } else {
                        i += 1;
                    }
                }
                // Never end inside a multi-byte character.
                while !text.is_char_boundary(i.min(text.len())) {
                    i += 1;
                }
                let end = i.min(text.len());
                i = end;
                out.push(RawToken {
                    kind: TokenKind::Word,
                    start,
                    end,
                    unterminated,
                    quoted,
                });
            }
        }
    }
}

/// The value of a word: quote characters removed and, inside quotes, `\x`
/// escapes resolved (`\n`, `\t`, `\r` and `\C` for any other `C`).
pub fn unquote(text: &str) -> String {
    if !text.contains(['"', '\'']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(n) => out.push(n),
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        lex(s).iter().map(|t| &s[t.start..t.end]).collect()
    }

    #[test]
    fn splits_words_braces_quotes_and_comments() {
        assert_eq!(
            texts("vrrp_instance VI_1 {  # comment {\n state BACKUP}\n"),
            ["vrrp_instance", "VI_1", "{", "state", "BACKUP", "}"]
        );
        assert_eq!(texts("a{b}c"), ["a", "{", "b", "}", "c"]);
        assert_eq!(texts("! all comment\n x"), ["x"]);
        assert_eq!(texts("a#b c"), ["a#b", "c"], "# inside a word is kept");
        assert_eq!(
            texts(r#"notify "/bin/x \"a b\"" y"#),
            ["notify", r#""/bin/x \"a b\"""#, "y"]
        );
        assert_eq!(unquote(r#""/bin/x \"a b\"""#), r#"/bin/x "a b""#);
        assert_eq!(
            texts(r#"abcd" efg h jkl "mnop"#),
            [r#"abcd" efg h jkl "mnop"#]
        );
        assert_eq!(unquote(r#"abcd" efg h jkl "mnop"#), "abcd efg h jkl mnop");
        assert_eq!(unquote("'a \"b'"), "a \"b");
        let t = lex("\"open\nnext");
        assert!(t[0].unterminated);
        assert_eq!(t.len(), 2);
    }
}
