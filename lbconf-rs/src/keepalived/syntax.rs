//! The lossless syntax tree of one `keepalived.conf` file.
//!
//! The tree is built from the file's own text, before any macro expansion, so
//! `tree.to_string()` gives back the input byte for byte: every token keeps the
//! trivia (blanks, comments, line ends) before it, and the tree keeps the trivia
//! after the last token. A statement is the words on one line; a `{` (on the
//! same line or the next) opens its block, and words after the `{` start the
//! block's first statement. Stray `}` and `{` are kept as statements of their
//! own so nothing is lost.

use std::fmt;

use super::lexer::{TokenKind, lex};
use crate::source::{FileId, Span};

/// Deepest block nesting the tree builds; deeper `{` are kept as plain words.
pub const MAX_DEPTH: usize = 64;

/// One token with the trivia before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What kind of token.
    pub kind: TokenKind,
    /// Blanks, comments and line ends before the token.
    pub leading: String,
    /// The token's text as written (quotes included).
    pub text: String,
    /// Where the text is.
    pub span: Span,
}

/// A statement: its words and the block it opens, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The words (keyword first); empty for a block without keyword.
    pub words: Vec<Token>,
    /// The `{ ... }` block.
    pub block: Option<Block>,
}

/// A `{ ... }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The `{`.
    pub open: Token,
    /// The statements inside.
    pub items: Vec<Statement>,
    /// The `}`; `None` when the file ends first.
    pub close: Option<Token>,
}

/// The syntax tree of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxTree {
    /// The file.
    pub file: FileId,
    /// Top-level statements.
    pub items: Vec<Statement>,
    /// Trivia after the last token.
    pub trailing: String,
}

impl SyntaxTree {
    /// Builds the tree of `text`, the contents of `file`.
    pub fn parse(file: FileId, text: &str) -> SyntaxTree {
        let raw = lex(text);
        let mut prev = 0;
        let tokens: Vec<Token> = raw
            .iter()
            .map(|t| {
                let tok = Token {
                    kind: t.kind,
                    leading: text[prev..t.start].to_owned(),
                    text: text[t.start..t.end].to_owned(),
                    span: Span::new(file, t.start, t.end),
                };
                prev = t.end;
                tok
            })
            .collect();
        let trailing = text[prev..].to_owned();
        let mut it = tokens.into_iter().peekable();
        let (items, _) = parse_items(&mut it, 0);
        SyntaxTree {
            file,
            items,
            trailing,
        }
    }
}

type Tokens = std::iter::Peekable<std::vec::IntoIter<Token>>;

/// Parses statements until a `}` (returned) or the end.
fn parse_items(it: &mut Tokens, depth: usize) -> (Vec<Statement>, Option<Token>) {
    let mut items: Vec<Statement> = Vec::new();
    // Whether the last statement may still take words on its line.
    let mut open_line = false;
    while let Some(tok) = it.next() {
        match tok.kind {
            TokenKind::Close if depth > 0 => return (items, Some(tok)),
            TokenKind::Open if depth < MAX_DEPTH => {
                let (inner, close) = parse_items(it, depth + 1);
                let block = Block {
                    open: tok,
                    items: inner,
                    close,
                };
                match items.last_mut() {
                    Some(last)
                        if last.block.is_none()
                            && last
                                .words
                                .first()
                                .is_some_and(|w| w.kind == TokenKind::Word) =>
                    {
                        last.block = Some(block);
                    }
                    _ => items.push(Statement {
                        words: Vec::new(),
                        block: Some(block),
                    }),
                }
                open_line = false;
            }
            _ => {
                let new_line = tok.leading.contains('\n');
                match items.last_mut() {
                    Some(last) if open_line && !new_line && last.block.is_none() => {
                        last.words.push(tok);
                    }
                    _ => items.push(Statement {
                        words: vec![tok],
                        block: None,
                    }),
                }
                open_line = true;
            }
        }
    }
    (items, None)
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.leading)?;
        f.write_str(&self.text)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for w in &self.words {
            w.fmt(f)?;
        }
        if let Some(b) = &self.block {
            b.fmt(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.open.fmt(f)?;
        for s in &self.items {
            s.fmt(f)?;
        }
        if let Some(c) = &self.close {
            c.fmt(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for SyntaxTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.items {
            s.fmt(f)?;
        }
        f.write_str(&self.trailing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_on_same_and_next_line() {
        let text =
            "vrrp_instance VI_1\n{ state BACKUP\n  virtual_ipaddress { 198.18.0.1 }\n}\n} {\n";
        let t = SyntaxTree::parse(FileId(0), text);
        assert_eq!(t.to_string(), text);
        assert_eq!(t.items.len(), 3, "{t:#?}");
        let b = t.items[0].block.as_ref().unwrap();
        assert_eq!(b.items.len(), 2);
        assert_eq!(b.items[0].words.len(), 2);
        assert_eq!(
            b.items[1].block.as_ref().unwrap().items[0].words[0].text,
            "198.18.0.1"
        );
        assert_eq!(t.items[1].words[0].text, "}", "a stray close is kept");
        assert!(t.items[2].block.as_ref().unwrap().close.is_none());
    }
}
