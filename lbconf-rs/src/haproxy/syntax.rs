//! The lossless syntax tree of one `haproxy.cfg` file.
//!
//! The tree is a sequence of lines and conditional blocks (`.if` ... `.endif`,
//! nested). Every line keeps its exact text, line ending included, so
//! [`SyntaxTree`]'s `Display` (and `to_string()`) gives back the input byte for
//! byte. Each line also carries its words as HAProxy splits them (quotes
//! removed, escapes and `"${VAR}"` resolved). Sections are not part of this
//! layer: which section a line belongs to depends on the conditions, which the
//! model resolves.

use std::fmt;

use super::lexer::{LexError, Word, split_line};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// HAProxy's `MAXNESTEDCONDS`: `.if` blocks nest at most this deep.
pub const MAX_NESTING: usize = 128;

/// The lossless syntax tree of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxTree {
    /// The file the tree was read from.
    pub file: FileId,
    /// Lines and conditional blocks, in file order.
    pub items: Vec<Item>,
}

/// One element of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A line outside of (or inside the body of) a conditional block.
    Line(Line),
    /// `.if` ... `.endif`.
    Conditional(Conditional),
}

/// A `.if` block: its branches (`.if`, `.elif`s, `.else`) and the `.endif`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditional {
    /// The `.if` branch first, then `.elif` and `.else` branches in order.
    pub branches: Vec<Branch>,
    /// The closing `.endif`; `None` when the file ends first (an error).
    pub endif: Option<Line>,
}

/// One branch of a conditional block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// The `.if`, `.elif` or `.else` line.
    pub head: Line,
    /// What the branch holds.
    pub body: Vec<Item>,
}

/// The preprocessor directives of configuration.txt section 2.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Directive {
    /// `.if <condition>`
    If,
    /// `.elif <condition>`
    Elif,
    /// `.else`
    Else,
    /// `.endif`
    Endif,
    /// `.diag "message"` (shown with `-dD` only)
    Diag,
    /// `.notice "message"`
    Notice,
    /// `.warning "message"`
    Warning,
    /// `.alert "message"`: a fatal error.
    Alert,
}

impl Directive {
    /// The directive named by a line's first word.
    pub fn from_word(word: &str) -> Option<Directive> {
        Some(match word {
            ".if" => Directive::If,
            ".elif" => Directive::Elif,
            ".else" => Directive::Else,
            ".endif" => Directive::Endif,
            ".diag" => Directive::Diag,
            ".notice" => Directive::Notice,
            ".warning" => Directive::Warning,
            ".alert" => Directive::Alert,
            _ => return None,
        })
    }

    /// The directive as written, e.g. `.elif`.
    pub fn as_str(self) -> &'static str {
        match self {
            Directive::If => ".if",
            Directive::Elif => ".elif",
            Directive::Else => ".else",
            Directive::Endif => ".endif",
            Directive::Diag => ".diag",
            Directive::Notice => ".notice",
            Directive::Warning => ".warning",
            Directive::Alert => ".alert",
        }
    }
}

/// One physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The exact text, line ending (`\n`) included when there is one.
    pub text: String,
    /// Where the text is (line ending included).
    pub span: Span,
    /// 1-based line number.
    pub number: usize,
    /// The words as HAProxy splits them.
    pub words: Vec<Word>,
    /// The comment (from the unprotected `#` to the end of the line).
    pub comment: Option<Span>,
    /// The first tokenizer error on this line.
    pub(crate) error: Option<LexError>,
}

impl Line {
    /// The directive this line is, if its first word is one.
    pub fn directive(&self) -> Option<Directive> {
        self.words
            .first()
            .and_then(|w| Directive::from_word(&w.value))
    }

    /// Whether the line holds no word (blank or comment only).
    pub fn is_blank(&self) -> bool {
        self.words.is_empty()
    }

    /// The span of the words (from the first to the last), or of the line.
    pub fn words_span(&self) -> Span {
        match (self.words.first(), self.words.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => self.span,
        }
    }
}

impl fmt::Display for SyntaxTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.iter().try_for_each(|i| write_item(i, f))
    }
}

fn write_item(item: &Item, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match item {
        Item::Line(l) => f.write_str(&l.text),
        Item::Conditional(c) => {
            for b in &c.branches {
                f.write_str(&b.head.text)?;
                b.body.iter().try_for_each(|i| write_item(i, f))?;
            }
            match &c.endif {
                Some(l) => f.write_str(&l.text),
                None => Ok(()),
            }
        }
    }
}

/// Builds the tree of `text` (file `file`, named `name` for `.FILE`), with
/// `env` resolving variables, and reports nesting errors into `diags`.
pub(crate) fn build(
    file: FileId,
    name: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> SyntaxTree {
    // Open blocks: the conditional being built, and whether it saw `.else`.
    let mut stack: Vec<(Conditional, bool)> = Vec::new();
    let mut top: Vec<Item> = Vec::new();
    let mut section = String::new();
    let mut offset = 0;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let number = n + 1;
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let lookup = |var: &str| match var {
            ".FILE" => Some(name.to_owned()),
            ".LINE" => Some(number.to_string()),
            ".SECTION" => Some(section.clone()),
            _ => env(var),
        };
        let lexed = split_line(content, file, offset, &lookup);
        let line = Line {
            text: raw.to_owned(),
            span: Span::new(file, offset, offset + raw.len()),
            number,
            words: lexed.words,
            comment: lexed.comment,
            error: lexed.error,
        };
        offset += raw.len();
        if let Some(w) = line.words.first() {
            if super::model::SectionKind::from_keyword(&w.value).is_some() {
                section = line
                    .words
                    .get(1)
                    .map_or_else(|| w.value.clone(), |n| n.value.clone());
            }
        }
        let here = line.words_span();
        match line.directive() {
            Some(Directive::If) if stack.len() < MAX_NESTING => {
                stack.push((
                    Conditional {
                        branches: vec![Branch {
                            head: line,
                            body: Vec::new(),
                        }],
                        endif: None,
                    },
                    false,
                ));
                continue;
            }
            Some(Directive::If) => diags.push(
                Diagnostic::error(
                    "H0205",
                    format!("too many nested '.if', max is {MAX_NESTING}"),
                )
                .with_label(here, "one level too deep")
                .with_help("flatten the conditions with '&&' and '||'"),
            ),
            Some(d @ (Directive::Elif | Directive::Else)) => {
                if let Some((cond, seen_else)) = stack.last_mut() {
                    if *seen_else {
                        diags.push(
                            Diagnostic::error(
                                "H0202",
                                format!("'{}' after '.else' is not permitted", d.as_str()),
                            )
                            .with_label(here, "after the '.else' of this block")
                            .with_help("'.else' must be the last branch of a '.if' block"),
                        );
                    }
                    *seen_else |= d == Directive::Else;
                    cond.branches.push(Branch {
                        head: line,
                        body: Vec::new(),
                    });
                    continue;
                }
                diags.push(lone(d, here));
            }
            Some(Directive::Endif) => {
                if let Some((mut cond, _)) = stack.pop() {
                    cond.endif = Some(line);
                    push(&mut stack, &mut top, Item::Conditional(cond));
                    continue;
                }
                diags.push(lone(Directive::Endif, here));
            }
            _ => {}
        }
        push(&mut stack, &mut top, Item::Line(line));
    }
    while let Some((cond, _)) = stack.pop() {
        let head = cond.branches[0].head.words_span();
        diags.push(
            Diagnostic::error("H0203", "non-terminated '.if' block")
                .with_label(head, "this '.if' has no '.endif'")
                .with_help("add '.endif' where the block ends"),
        );
        push(&mut stack, &mut top, Item::Conditional(cond));
    }
    SyntaxTree { file, items: top }
}

fn push(stack: &mut [(Conditional, bool)], top: &mut Vec<Item>, item: Item) {
    match stack.last_mut() {
        Some((cond, _)) => match cond.branches.last_mut() {
            Some(b) => b.body.push(item),
            None => top.push(item),
        },
        None => top.push(item),
    }
}

fn lone(d: Directive, at: Span) -> Diagnostic {
    Diagnostic::error(
        "H0201",
        format!("lone '{}' with no matching '.if'", d.as_str()),
    )
    .with_label(at, "no '.if' is open here")
    .with_help("remove it, or add the '.if' it belongs to")
}
