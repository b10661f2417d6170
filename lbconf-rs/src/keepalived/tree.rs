//! Groups expanded words into statements and blocks, without copying them.
//!
//! The macro layer hands every expanded word to a [`Sink`]. A word's value is
//! either its own bytes in the source file (the usual case: nothing was
//! substituted and nothing is quoted) or a range of the chunk's arena. The
//! sink keeps the words of one top-level statement at a time: when the next
//! top-level statement starts, the finished ones become a flat tree of
//! statements, the builder reads them through [`View`]s, and the chunk is
//! cleared. So the whole configuration is never held as tokens or as an owned
//! statement tree; only the model and statements without a typed field
//! ([`Setting`]s) are kept.

use super::build::Builder;
use super::lexer::TokenKind;
use super::model::{Config, Setting, Spanned};
use super::syntax::MAX_DEPTH;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};

const NONE: u32 = u32::MAX;

/// One expanded word, `{` or `}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Word, `{` or `}`.
    pub kind: TokenKind,
    /// Whether it is the first token of an expanded line.
    pub line_start: bool,
    /// The original bytes it came from.
    pub span: Span,
    /// Start of the value in the arena (`NONE`: the value is the span's text).
    at: u32,
    /// Length of the value in the arena.
    len: u32,
}

/// The words of the top-level statements being read.
#[derive(Debug, Default)]
struct Chunk {
    words: Vec<Word>,
    arena: String,
    /// The file of the first word.
    file: FileId,
}

/// One statement of a chunk: a keyword, its arguments (the words after it)
/// and its block.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Index of the keyword in the chunk's words.
    kw: u32,
    /// Number of arguments (the words right after the keyword).
    nargs: u32,
    /// Keyword to last argument.
    span: Span,
    /// Whether a `{ ... }` block follows.
    block: bool,
    /// First statement of the block.
    first: u32,
    /// Next statement at the same level.
    next: u32,
}

/// A word's value and span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<'t> {
    /// The value (quotes removed, parameters substituted).
    pub value: &'t str,
    /// Where it was written.
    pub span: Span,
}

impl Arg<'_> {
    /// An owned copy.
    pub fn owned(self) -> Spanned<String> {
        Spanned {
            value: self.value.to_owned(),
            span: self.span,
        }
    }
}

impl Spanned<String> {
    /// The value and span, borrowed.
    pub fn as_arg(&self) -> Arg<'_> {
        Arg {
            value: &self.value,
            span: self.span,
        }
    }
}

/// A statement as the builder reads it: an owned [`Setting`] or a [`View`]
/// into a chunk.
pub trait Stmt<'a>: Copy {
    /// The keyword.
    fn keyword(self) -> Arg<'a>;
    /// Argument `i` (0 is the first after the keyword).
    fn arg(self, i: usize) -> Option<Arg<'a>>;
    /// How many arguments.
    fn nargs(self) -> usize;
    /// Keyword to last argument.
    fn span(self) -> Span;
    /// Whether a block follows.
    fn has_block(self) -> bool;
}

impl<'a> Stmt<'a> for &'a Setting {
    fn keyword(self) -> Arg<'a> {
        self.keyword.as_arg()
    }
    fn arg(self, i: usize) -> Option<Arg<'a>> {
        self.args.get(i).map(Spanned::as_arg)
    }
    fn nargs(self) -> usize {
        self.args.len()
    }
    fn span(self) -> Span {
        self.span
    }
    fn has_block(self) -> bool {
        self.block.is_some()
    }
}

impl<'t> Stmt<'t> for View<'t> {
    fn keyword(self) -> Arg<'t> {
        View::keyword(&self)
    }
    fn arg(self, i: usize) -> Option<Arg<'t>> {
        View::arg(&self, i)
    }
    fn nargs(self) -> usize {
        View::nargs(&self)
    }
    fn span(self) -> Span {
        View::span(&self)
    }
    fn has_block(self) -> bool {
        View::has_block(&self)
    }
}

impl<'t> Stmt<'t> for &View<'t> {
    fn keyword(self) -> Arg<'t> {
        View::keyword(self)
    }
    fn arg(self, i: usize) -> Option<Arg<'t>> {
        View::arg(self, i)
    }
    fn nargs(self) -> usize {
        View::nargs(self)
    }
    fn span(self) -> Span {
        View::span(self)
    }
    fn has_block(self) -> bool {
        View::has_block(self)
    }
}

/// A statement of a chunk, borrowed.
#[derive(Clone, Copy)]
pub struct View<'t> {
    chunk: &'t Chunk,
    nodes: &'t [Node],
    sources: &'t SourceMap,
    /// The text of the file of the chunk's first word (`chunk.file`): most
    /// words are read from it without looking it up in `sources`.
    text: &'t str,
    i: u32,
}

impl<'t> View<'t> {
    fn node(&self) -> &'t Node {
        &self.nodes[self.i as usize]
    }

    fn word(&self, i: usize) -> Arg<'t> {
        let w = &self.chunk.words[i];
        let value = if w.at == NONE && w.span.file == self.chunk.file {
            self.text.get(w.span.range()).unwrap_or("")
        } else if w.at == NONE {
            self.sources.slice(w.span)
        } else {
            self.chunk
                .arena
                .get(w.at as usize..(w.at + w.len) as usize)
                .unwrap_or("")
        };
        Arg {
            value,
            span: w.span,
        }
    }

    /// The keyword.
    pub fn keyword(&self) -> Arg<'t> {
        self.word(self.node().kw as usize)
    }

    /// Argument `i` (0 is the first after the keyword).
    pub fn arg(&self, i: usize) -> Option<Arg<'t>> {
        let n = self.node();
        (i < n.nargs as usize).then(|| self.word(n.kw as usize + 1 + i))
    }

    /// How many arguments.
    pub fn nargs(&self) -> usize {
        self.node().nargs as usize
    }

    /// The arguments.
    pub fn args(&self) -> impl Iterator<Item = Arg<'t>> + Clone + 't {
        let me = *self;
        (0..self.nargs()).filter_map(move |i| me.arg(i))
    }

    /// Keyword to last argument.
    pub fn span(&self) -> Span {
        self.node().span
    }

    /// Whether a block follows.
    pub fn has_block(&self) -> bool {
        self.node().block
    }

    /// The statements of the block (none without a block).
    pub fn children(&self) -> Children<'t> {
        let n = self.node();
        Children {
            view: View {
                i: if n.block { n.first } else { NONE },
                ..*self
            },
        }
    }

    /// An owned copy, block included.
    pub fn to_setting(&self) -> Setting {
        Setting {
            keyword: self.keyword().owned(),
            args: self.args().map(Arg::owned).collect(),
            block: self
                .has_block()
                .then(|| self.children().map(|c| c.to_setting()).collect()),
            span: self.span(),
        }
    }
}

/// The statements of a block, in order.
#[derive(Clone, Copy)]
pub struct Children<'t> {
    view: View<'t>,
}

impl<'t> Iterator for Children<'t> {
    type Item = View<'t>;

    fn next(&mut self) -> Option<View<'t>> {
        if self.view.i == NONE {
            return None;
        }
        let cur = self.view;
        self.view.i = cur.node().next;
        Some(cur)
    }
}

/// Receives the expanded words, builds statements and hands each finished
/// top-level statement to the builder.
pub struct Sink {
    /// The model builder (and its diagnostics).
    pub builder: Builder,
    /// The model built so far.
    pub config: Config,
    /// Diagnostics about braces.
    pub diags: Vec<Diagnostic>,
    chunk: Chunk,
    nodes: Vec<Node>,
    depth: usize,
}

impl Sink {
    /// An empty sink.
    pub fn new(builder: Builder) -> Sink {
        Sink {
            builder,
            config: Config::default(),
            diags: Vec::new(),
            chunk: Chunk::default(),
            nodes: Vec::new(),
            depth: 0,
        }
    }

    /// Takes one word; `value` is `None` when the value is the span's own
    /// text in `sources`.
    #[inline]
    pub fn push(
        &mut self,
        kind: TokenKind,
        line_start: bool,
        span: Span,
        value: Option<&str>,
        sources: &SourceMap,
    ) {
        if kind == TokenKind::Word && line_start && self.depth == 0 && !self.chunk.words.is_empty()
        {
            self.flush(sources);
        }
        match kind {
            TokenKind::Open if self.depth < MAX_DEPTH => self.depth += 1,
            TokenKind::Close => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        let (at, len) = match value {
            None => (NONE, 0),
            Some(v) => {
                let at = u32::try_from(self.chunk.arena.len()).unwrap_or(NONE - 1);
                self.chunk.arena.push_str(v);
                (at, u32::try_from(v.len()).unwrap_or(0))
            }
        };
        self.chunk.words.push(Word {
            kind,
            line_start,
            span,
            at,
            len,
        });
    }

    /// Builds the statements read so far into the model.
    #[inline(never)]
    pub fn flush(&mut self, sources: &SourceMap) {
        if self.chunk.words.is_empty() {
            return;
        }
        self.nodes.clear();
        let mut pos = 0;
        let mut first = NONE;
        let mut last = NONE;
        loop {
            let (head, tail, close) = level(
                &self.chunk.words,
                &mut self.nodes,
                &mut pos,
                0,
                &mut self.diags,
            );
            if head != NONE {
                if last == NONE {
                    first = head;
                } else {
                    self.nodes[last as usize].next = head;
                }
                last = tail;
            }
            match close {
                Some(span) => self.diags.push(
                    Diagnostic::error("K0002", "`}` closes no block")
                        .with_label(span, "no `{` is open here")
                        .with_help("remove the `}` or add the `{` it should close"),
                ),
                None => break,
            }
        }
        self.chunk.file = self.chunk.words.first().map_or(FileId(0), |w| w.span.file);
        let text = sources.get(self.chunk.file).map_or("", |f| f.text());
        let mut i = first;
        while i != NONE {
            let view = View {
                chunk: &self.chunk,
                nodes: &self.nodes,
                sources,
                text,
                i,
            };
            self.builder.top(view, &mut self.config);
            i = self.nodes[i as usize].next;
        }
        self.chunk.words.clear();
        self.chunk.arena.clear();
        self.depth = 0;
    }
}

/// Reads statements up to a `}` of this level (returned) or the end:
/// returns the first and last statement of the level.
fn level(
    words: &[Word],
    nodes: &mut Vec<Node>,
    pos: &mut usize,
    depth: usize,
    diags: &mut Vec<Diagnostic>,
) -> (u32, u32, Option<Span>) {
    let mut first = NONE;
    let mut last = NONE;
    let mut open_line = false;
    while let Some(t) = words.get(*pos) {
        let here = *pos;
        *pos += 1;
        match t.kind {
            TokenKind::Close => return (first, last, Some(t.span)),
            TokenKind::Open if depth < MAX_DEPTH => {
                let open = t.span;
                let (inner, _, close) = level(words, nodes, pos, depth + 1, diags);
                if close.is_none() {
                    diags.push(
                        Diagnostic::error("K0003", "block is never closed")
                            .with_label(open, "this `{` has no matching `}`")
                            .with_help("add the missing `}`"),
                    );
                }
                match nodes.get_mut(last as usize) {
                    Some(n) if last != NONE && !n.block => {
                        n.block = true;
                        n.first = inner;
                    }
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
                let extend =
                    last != NONE && open_line && !t.line_start && !nodes[last as usize].block;
                if extend {
                    let n = &mut nodes[last as usize];
                    if n.span.file == t.span.file {
                        n.span = n.span.to(t.span);
                    }
                    n.nargs += 1;
                } else {
                    let id = u32::try_from(nodes.len()).unwrap_or(NONE - 1);
                    nodes.push(Node {
                        kw: u32::try_from(here).unwrap_or(NONE - 1),
                        nargs: 0,
                        span: t.span,
                        block: false,
                        first: NONE,
                        next: NONE,
                    });
                    if last == NONE {
                        first = id;
                    } else {
                        nodes[last as usize].next = id;
                    }
                    last = id;
                }
                open_line = true;
            }
        }
    }
    (first, last, None)
}
