//! Groups expanded lines into statements and blocks ([`Setting`]s).

use super::lexer::TokenKind;
use super::macros::{ELine, ETok};
use super::model::{Setting, Spanned};
use super::syntax::MAX_DEPTH;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

struct Tok {
    tok: ETok,
    line_start: bool,
}

/// Builds the statement tree of the expanded lines (consumed: their words
/// move into the tree).
pub fn settings(lines: Vec<ELine>, diags: &mut Vec<Diagnostic>) -> Vec<Setting> {
    let mut toks: Vec<Tok> = lines
        .into_iter()
        .flat_map(|l| {
            l.tokens.into_iter().enumerate().map(|(i, t)| Tok {
                tok: t,
                line_start: i == 0,
            })
        })
        .collect();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        let (mut items, close) = level(&mut toks, &mut pos, 0, diags);
        out.append(&mut items);
        match close {
            Some(span) => diags.push(
                Diagnostic::error("K0002", "`}` closes no block")
                    .with_label(span, "no `{` is open here")
                    .with_help("remove the `}` or add the `{` it should close"),
            ),
            None => break,
        }
    }
    out
}

fn level(
    toks: &mut [Tok],
    pos: &mut usize,
    depth: usize,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Setting>, Option<Span>) {
    let mut items: Vec<Setting> = Vec::new();
    let mut open_line = false;
    while let Some(t) = toks.get_mut(*pos) {
        *pos += 1;
        match t.tok.kind {
            TokenKind::Close => return (items, Some(t.tok.span)),
            TokenKind::Open if depth < MAX_DEPTH => {
                let open = t.tok.span;
                let (inner, close) = level(toks, pos, depth + 1, diags);
                if close.is_none() {
                    diags.push(
                        Diagnostic::error("K0003", "block is never closed")
                            .with_label(open, "this `{` has no matching `}`")
                            .with_help("add the missing `}`"),
                    );
                }
                match items.last_mut() {
                    Some(last) if last.block.is_none() => last.block = Some(inner),
                    _ => {
                        diags.push(
                            Diagnostic::error("K0004", "block without a keyword")
                                .with_label(open, "this `{` follows no keyword")
                                .with_help("put the keyword the block belongs to before the `{`"),
                        );
                    }
                }
                open_line = false;
            }
            _ => {
                let word = Spanned {
                    value: std::mem::take(&mut t.tok.value),
                    span: t.tok.span,
                };
                match items.last_mut() {
                    Some(last) if open_line && !t.line_start && last.block.is_none() => {
                        if last.span.file == word.span.file {
                            last.span = last.span.to(word.span);
                        }
                        last.args.push(word);
                    }
                    _ => items.push(Setting {
                        span: word.span,
                        keyword: word,
                        args: Vec::new(),
                        block: None,
                    }),
                }
                open_line = true;
            }
        }
    }
    (items, None)
}
