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

use super::lexer::{LexError, Word, Words};
use super::model::SectionKind;
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

/// The words of a line, however they are stored: the owned words of a
/// [`Line`], or the reused buffers of the tokenizer.
pub(crate) trait LineWords {
    /// How many words.
    fn count(&self) -> usize;
    /// The text of word `i` (empty when there is none).
    fn text(&self, i: usize) -> &str;
    /// The raw span of word `i`.
    fn span(&self, i: usize) -> Span;

    /// The directive the first word names, if it does.
    fn directive(&self) -> Option<Directive> {
        if self.count() == 0 {
            return None;
        }
        Directive::from_word(self.text(0))
    }

    /// From the first word to the last, or `line` when there is no word.
    fn words_span(&self, line: Span) -> Span {
        match self.count() {
            0 => line,
            n => self.span(0).to(self.span(n - 1)),
        }
    }
}

impl LineWords for [Word] {
    fn count(&self) -> usize {
        self.len()
    }

    fn text(&self, i: usize) -> &str {
        self.get(i).map_or("", |w| w.value.as_str())
    }

    fn span(&self, i: usize) -> Span {
        self.get(i).map(|w| w.span).unwrap_or_default()
    }
}

impl LineWords for Words {
    fn count(&self) -> usize {
        self.len()
    }

    fn text(&self, i: usize) -> &str {
        Words::text(self, i)
    }

    fn span(&self, i: usize) -> Span {
        Words::span(self, i)
    }
}

/// Variable lookup for `$NAME` and `${NAME}`.
pub(crate) type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Reads a file line by line, splitting each line into words in buffers it
/// reuses, and keeps the `.SECTION` pseudo variable up to date.
pub(crate) struct Lines<'t> {
    file: FileId,
    name: &'t str,
    text: &'t str,
    env: &'t Lookup<'t>,
    offset: usize,
    number: usize,
    section: String,
    /// The words of the line [`Lines::next_line`] returned last.
    pub(crate) words: Words,
}

impl<'t> Lines<'t> {
    /// Lines of `text` (file `file`, named `name` for `.FILE`), with `env`
    /// resolving variables.
    pub(crate) fn new(
        file: FileId,
        name: &'t str,
        text: &'t str,
        env: &'t Lookup<'t>,
    ) -> Lines<'t> {
        Lines {
            file,
            name,
            text,
            env,
            offset: 0,
            number: 0,
            section: String::new(),
            words: Words::default(),
        }
    }

    /// The 1-based number of the line returned last.
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// Reads the next line: its exact text (line ending included) and span;
    /// its words are left in [`Lines::words`].
    pub(crate) fn next_line(&mut self) -> Option<(&'t str, Span)> {
        let rest = self.text.get(self.offset..).filter(|r| !r.is_empty())?;
        let len = rest.find('\n').map_or(rest.len(), |p| p + 1);
        let raw = &rest[..len];
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let base = self.offset;
        self.number += 1;
        self.offset += len;
        let (name, number, section, env) = (self.name, self.number, &self.section, self.env);
        let lookup = |var: &str| match var {
            ".FILE" => Some(name.to_owned()),
            ".LINE" => Some(number.to_string()),
            ".SECTION" => Some(section.clone()),
            _ => env(var),
        };
        self.words.split(content, self.file, base, &lookup);
        if self.words.len() > 0 && SectionKind::from_keyword(self.words.text(0)).is_some() {
            let at = if self.words.len() > 1 { 1 } else { 0 };
            self.section.clear();
            self.section.push_str(self.words.text(at));
        }
        Some((raw, Span::new(self.file, base, base + len)))
    }
}

/// What a line does to the nesting of conditional blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Opens a block (`.if`).
    Open,
    /// Starts the next branch of the innermost block (`.elif`, `.else`).
    Branch,
    /// Closes the innermost block (`.endif`).
    Close,
    /// Anything else, stray and too deep directives included.
    Plain,
}

/// The open conditional blocks, and the nesting errors.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// For each open block: its `.if` words and whether it saw `.else`.
    open: Vec<(Span, bool)>,
}

impl Nesting {
    /// What the line whose first word is directive `d` (words spanning
    /// `here`) does; reports misplaced directives into `diags`.
    pub(crate) fn step(
        &mut self,
        d: Option<Directive>,
        here: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Step {
        match d {
            Some(Directive::If) if self.open.len() < MAX_NESTING => {
                self.open.push((here, false));
                Step::Open
            }
            Some(Directive::If) => {
                diags.push(
                    Diagnostic::error(
                        "H0205",
                        format!("too many nested '.if', max is {MAX_NESTING}"),
                    )
                    .with_label(here, "one level too deep")
                    .with_help("flatten the conditions with '&&' and '||'"),
                );
                Step::Plain
            }
            Some(d @ (Directive::Elif | Directive::Else)) => {
                let Some((_, seen_else)) = self.open.last_mut() else {
                    diags.push(lone(d, here));
                    return Step::Plain;
                };
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
                Step::Branch
            }
            Some(Directive::Endif) => {
                if self.open.pop().is_some() {
                    return Step::Close;
                }
                diags.push(lone(Directive::Endif, here));
                Step::Plain
            }
            _ => Step::Plain,
        }
    }

    /// At the end of the file: reports the blocks still open, innermost
    /// first.
    pub(crate) fn finish(&mut self, diags: &mut Vec<Diagnostic>) {
        while let Some((head, _)) = self.open.pop() {
            diags.push(
                Diagnostic::error("H0203", "non-terminated '.if' block")
                    .with_label(head, "this '.if' has no '.endif'")
                    .with_help("add '.endif' where the block ends"),
            );
        }
    }
}

/// Builds the tree of `text` (file `file`, named `name` for `.FILE`), with
/// `env` resolving variables, and reports nesting errors into `diags`.
pub(crate) fn build(
    file: FileId,
    name: &str,
    text: &str,
    env: &Lookup<'_>,
    diags: &mut Vec<Diagnostic>,
) -> SyntaxTree {
    // The open blocks, innermost last.
    let mut stack: Vec<Conditional> = Vec::new();
    let mut top: Vec<Item> = Vec::new();
    let mut nesting = Nesting::default();
    let mut lines = Lines::new(file, name, text, env);
    while let Some((raw, span)) = lines.next_line() {
        let lexed = lines.words.to_lexed();
        let line = Line {
            text: raw.to_owned(),
            span,
            number: lines.number(),
            words: lexed.words,
            comment: lexed.comment,
            error: lexed.error,
        };
        match nesting.step(line.directive(), line.words_span(), diags) {
            Step::Open => stack.push(Conditional {
                branches: vec![Branch {
                    head: line,
                    body: Vec::new(),
                }],
                endif: None,
            }),
            Step::Branch => {
                if let Some(cond) = stack.last_mut() {
                    cond.branches.push(Branch {
                        head: line,
                        body: Vec::new(),
                    });
                }
            }
            Step::Close => {
                if let Some(mut cond) = stack.pop() {
                    cond.endif = Some(line);
                    push(&mut stack, &mut top, Item::Conditional(cond));
                }
            }
            Step::Plain => push(&mut stack, &mut top, Item::Line(line)),
        }
    }
    nesting.finish(diags);
    while let Some(cond) = stack.pop() {
        push(&mut stack, &mut top, Item::Conditional(cond));
    }
    SyntaxTree { file, items: top }
}

fn push(stack: &mut [Conditional], top: &mut Vec<Item>, item: Item) {
    match stack.last_mut().and_then(|c| c.branches.last_mut()) {
        Some(b) => b.body.push(item),
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
