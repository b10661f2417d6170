//! Lossless parsers, typed models and diagnostics for `keepalived.conf` and
//! `haproxy.cfg`.
//!
//! Each format is read in two layers: a syntax tree that prints back the input
//! byte for byte, and a typed model whose values carry the span they came from.
//! Parsing never stops at the first problem: it yields a [`Parsed`] value with
//! every [`Diagnostic`] found, each with a stable code, labelled spans and help.
//!
//! - [`keepalived`]: lexer, macro layer (`include`, `@` conditionals, `$VAR`,
//!   `~SEQ`/`~LST`) with a source map, syntax tree, model and semantic checks.
//! - [`haproxy`]: sections, quoting, environment variables, `.if` blocks, syntax
//!   tree, model and the checks `haproxy -c` makes.
//!
//! Features: `serde` (the models and diagnostics serialize to JSON), `render`
//! (rustc-style rendering of diagnostics, used by the `lbconf` CLI).
#![forbid(unsafe_code)]

pub mod diagnostic;
pub mod haproxy;
pub mod keepalived;
pub mod source;

#[cfg(feature = "render")]
pub use diagnostic::render;
pub use diagnostic::{Diagnostic, Errors, Label, Parsed, Severity};
pub use source::{FileId, SourceFile, SourceMap, Span};
