//! What the model keeps as one string or drops, read back from the
//! configuration's lines: a notify script's `[username [groupname]]`, a
//! user's group, a weight's `reverse`.

use lbconf::keepalived::Spanned;
use lbconf::{SourceMap, Span};

use crate::vrrp::exec;

/// The words of the source line from `span` on, split as keepalived splits
/// a line (quotes group, `#` and `!` start a comment).
pub(super) fn line_words(sources: &SourceMap, span: Span) -> Vec<String> {
    let line = sources
        .get(span.file)
        .and_then(|f| f.text().get(span.start as usize..))
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    // The comment starts at the first `#` or `!` outside quotes.
    let mut quote = None;
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '#' | '!') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    exec::split(&line[..end]).unwrap_or_default()
}

/// [`line_words`] when the first word is `first` (a value that macro
/// expansion did not change). It recovers what the model keeps as one
/// string or drops: a user's group, a weight's `reverse`.
fn words_from(sources: &SourceMap, span: Span, first: &str) -> Option<Vec<String>> {
    let words = line_words(sources, span);
    (words.first().map(String::as_str) == Some(first)).then_some(words)
}

/// `SCRIPT [username [groupname]]` of a notify line: the model joins every
/// word, so the line tells the script (one word, quoted when it has
/// arguments) from the user and group.
pub(super) fn notify_parts(sources: &SourceMap, script: &Spanned<String>) -> (String, Vec<String>) {
    let words = line_words(sources, script.span);
    match words.split_first() {
        Some((first, rest)) if rest.len() <= 2 && words.join(" ") == script.value => {
            (first.clone(), rest.to_vec())
        }
        _ => (script.value.clone(), Vec::new()),
    }
}

/// Whether the line of `span` (starting with `first`) ends in `reverse`.
pub(super) fn reversed(sources: &SourceMap, span: Span, first: &str) -> bool {
    words_from(sources, span, first).is_some_and(|w| w.iter().skip(1).any(|x| x == "reverse"))
}

/// `USER [GROUP]` from a `user`/`script_user` value and its line.
pub(super) fn user_spec(sources: &SourceMap, user: &Spanned<String>) -> String {
    words_from(sources, user.span, &user.value).map_or_else(|| user.value.clone(), |w| w.join(" "))
}
