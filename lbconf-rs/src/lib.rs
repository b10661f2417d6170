//! Lossless parsers, typed models and diagnostics for `keepalived.conf` and
//! `haproxy.cfg`.
//!
//! Each format is read in two layers: a syntax tree that prints back the input
//! byte for byte, and a typed model whose values carry the span they came from.
//! Parsing never stops at the first problem: it yields a tree and every
//! diagnostic, each with a stable code, labelled spans and help.
//!
//! # Intended public API
//!
//! - `keepalived`: lexer, macro layer (`include`, `@` conditionals, `$VAR`,
//!   `~SEQ`/`~LST`) with a source map, syntax tree, model and semantic checks.
//! - `haproxy`: sections, quoting, environment variables, `.if` blocks, syntax
//!   tree, model and the checks `haproxy -c` makes.
//! - `Parsed<T>` with `diagnostics()`, and strict accessors returning `Result`.
//!
//! The implementation lands with the `lbconf` issue; this crate currently holds
//! only its documentation, so that the workspace layout is settled first.
#![forbid(unsafe_code)]
