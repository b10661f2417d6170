//! `haproxy.cfg`: sections, quoting, conditional blocks, syntax tree, model and
//! checks.
//!
//! Target: HAProxy 2.6's `configuration.txt`, checked against Debian's
//! `haproxy -c` (2.6.12). Reading goes in three steps:
//!
//! 1. [`syntax_tree`]: every line is split into words as HAProxy's
//!    `parse_line()` does (quotes, escapes, `"${VAR}"`) and `.if` blocks are
//!    nested; printing the tree gives back the input byte for byte.
//! 2. The conditions are evaluated against [`Options`] (environment, version,
//!    features) and the active statements are grouped into sections, giving
//!    the typed [`Config`].
//! 3. The checks `haproxy -c` makes after parsing (references, duplicates,
//!    ACLs, servers, SSL, listeners).
//!
//! [`parse_str`], [`parse_text`] and [`parse_file`] do steps 1 and 2 in one
//! pass over the lines, without building the tree: each line is split into
//! buffers reused from line to line, and only the model's own values are
//! allocated. The tree is built when [`syntax_tree`] is asked for, and
//! [`model_of`] gives the same model from it.
//!
//! ```
//! use lbconf::haproxy::{self, Options};
//!
//! let text = "frontend web\n    bind 127.0.0.1:8080\n    default_backend app\n\
//!             backend app\n    server a1 198.18.0.10:80 check\n";
//! let parsed = haproxy::parse_str("haproxy.cfg", text, &Options::default());
//! assert!(haproxy::accepted(&parsed));
//! let (_, app) = parsed.value.proxies().nth(1).unwrap();
//! assert_eq!(app.servers[0].name.value, "a1");
//! ```
//!
//! [`accepted`] agrees with `haproxy -c` on the test corpus, on seeded
//! generated variants and on every mutant of the corpus (see
//! `tests/haproxy/`). Sample expressions are checked against the fetches,
//! converters and ACL keywords Debian's binary lists (`haproxy -dKsmp`,
//! `-dKcnv`, `-dKacl`): names, argument counts, numeric and address
//! arguments, and the casts from each step's type to the next converter's
//! input. Regular expressions are compiled with PCRE2 and Lua files with
//! Lua 5.3, the libraries HAProxy is built with; pattern and map files are
//! read; ACL patterns (inline and in files) are parsed for the `reg`, `ip`,
//! `int`, `len` and `bin` matches, map entries for `reg` and `ip` keys and
//! `int` and `ip` outputs; the fetches of actions and log-format arguments
//! must be available where their rule runs (`res.hdr` in an `http-request`
//! rule is an error; in an ACL HAProxy only warns). What it does not model
//! yet, so where it may accept a file `haproxy -c` rejects: the
//! availability of fetches in `stick`, `use_backend` and `log-format`
//! statements, the validation functions of particular arguments
//! (`json(...)`, `bool(...)`), patterns of the `str`-like match methods, the
//! cipher lists OpenSSL reads (`ciphers`, `ciphersuites`), errors
//! a Lua script raises when it runs, and the names it registers when it
//! computes them (the `lua.NAME`s are read from `core.register_*("NAME",
//! ...)` calls written with literals; any is accepted otherwise). Host names are treated
//! as unresolvable except `localhost`, as `haproxy -c` sees them in a
//! namespace without DNS.
//!
//! Diagnostic codes: `H01xx` tokenizer, `H02xx` conditional blocks and
//! message directives, `H03xx` sections and keywords, `H04xx` values,
//! `H05xx` checks across statements.

mod args;
mod build;
mod checks;
mod cond;
mod dump;
mod fetches;
mod global;
mod keywords;
mod lexer;
mod logformat;
mod lua;
pub mod model;
mod proxy;
mod rules;
mod samples;
mod server;
pub mod syntax;
pub mod values;
mod xref;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Parsed, Severity};
use crate::source::{FileId, SourceMap, Span};

pub use dump::dump;
pub use lexer::Word;
pub use model::*;
pub use syntax::{Branch, Conditional, Directive, Item, Line, SyntaxTree};
pub use values::{Address, AddressError, Host};

/// The feature list of Debian's HAProxy 2.6 (`haproxy -vv`, the `+` ones).
pub const DEBIAN_FEATURES: &[&str] = &[
    "ACCEPT4",
    "BACKTRACE",
    "CPU_AFFINITY",
    "CRYPT_H",
    "DL",
    "EPOLL",
    "GETADDRINFO",
    "LIBCRYPT",
    "LINUX_SPLICE",
    "LINUX_TPROXY",
    "LUA",
    "NETFILTER",
    "NS",
    "OPENSSL",
    "OT",
    "PCRE2",
    "PCRE2_JIT",
    "POLL",
    "PRCTL",
    "PROMEX",
    "RT",
    "SLZ",
    "SYSTEMD",
    "TFO",
    "THREAD",
    "THREAD_DUMP",
    "TPROXY",
];

/// What a configuration is read against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Variables for `"${VAR}"` and `defined(VAR)`. Default: the process
    /// environment at the time `Options::default()` is called.
    pub env: BTreeMap<String, String>,
    /// The HAProxy version `version_atleast`/`version_before` compare with.
    /// Default: `2.6.12`.
    pub version: String,
    /// The features `feature(NAME)` finds. Default: [`DEBIAN_FEATURES`].
    pub features: Vec<String>,
    /// The directory relative file names (`crt certs/site.pem`) are looked
    /// up in, as HAProxy's working directory would be. Default: `None`, the
    /// process's working directory.
    pub base_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            version: "2.6.12".to_owned(),
            features: DEBIAN_FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            base_dir: None,
        }
    }
}

/// Builds the lossless syntax tree of `text` (named `name` in messages).
/// The diagnostics are tokenizer-independent nesting errors only.
pub fn syntax_tree(name: &str, text: &str, opts: &Options) -> Parsed<SyntaxTree> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let mut diagnostics = Vec::new();
    let lookup = |v: &str| opts.env.get(v).cloned();
    let tree = syntax::build(file, name, text, &lookup, &mut diagnostics);
    Parsed {
        value: tree,
        diagnostics,
        sources,
    }
}

/// Parses `text` (named `name` in messages) into the typed model, with every
/// diagnostic `haproxy -c` would give (and a few more warnings).
///
/// The model is built in one pass over the lines, without building the
/// syntax tree ([`syntax_tree`] builds it when it is wanted); the result is
/// the same as [`model_of`] on that tree.
pub fn parse_str(name: &str, text: &str, opts: &Options) -> Parsed<Config> {
    parse_owned(name, text.to_owned(), opts)
}

/// Parses `text`, already read from the file at `path` (so a caller that
/// read the file for its own purposes does not read it twice, and the text
/// is kept without a copy).
pub fn parse_text(path: &Path, text: String, opts: &Options) -> Parsed<Config> {
    parse_owned(&path.display().to_string(), text, opts)
}

/// [`parse_str`] on a text the source map can keep without a copy.
fn parse_owned(name: &str, text: String, opts: &Options) -> Parsed<Config> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let text = sources.shared_text(file);
    let lookup = |v: &str| opts.env.get(v).cloned();
    let defined = |v: &str| opts.env.contains_key(v);
    let env = build::Env {
        defined: &defined,
        features: &opts.features,
        version: &opts.version,
    };
    let mut diags = Vec::new();
    let mut rest = Vec::new();
    let (config, facts) = build::from_text(file, name, &text, &lookup, &env, &mut diags, &mut rest);
    diags.append(&mut rest);
    checks::check(&config, &facts, opts.base_dir.as_deref(), &mut diags);
    sort(&mut diags);
    Parsed {
        value: config,
        diagnostics: diags,
        sources,
    }
}

/// Builds the model from a syntax tree (conditions resolved against `opts`).
pub fn model_of(tree: &SyntaxTree, opts: &Options, diags: &mut Vec<Diagnostic>) -> Config {
    let defined = |v: &str| opts.env.contains_key(v);
    let env = build::Env {
        defined: &defined,
        features: &opts.features,
        version: &opts.version,
    };
    let (config, facts) = build::from_tree(tree, &env, diags);
    checks::check(&config, &facts, opts.base_dir.as_deref(), diags);
    config
}

fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| {
        d.span()
            .map_or((u32::MAX, u32::MAX), |s| (s.file.0, s.start))
    });
}

/// Reads and parses the file at `path`. A file that cannot be read, or is not
/// UTF-8, gives an empty configuration and one error.
pub fn parse_file(path: &Path, opts: &Options) -> Parsed<Config> {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return unreadable(&name, format!("cannot read {name}: {e}")),
    };
    match String::from_utf8(bytes) {
        Ok(text) => parse_text(path, text, opts),
        Err(e) => unreadable(
            &name,
            format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ),
    }
}

fn unreadable(name: &str, message: String) -> Parsed<Config> {
    let mut sources = SourceMap::new();
    let file: FileId = sources.add(name, "");
    Parsed {
        value: Config::default(),
        diagnostics: vec![
            Diagnostic::error("H0001", message)
                .with_label(Span::new(file, 0, 0), "")
                .with_help("check the path and permissions; lbconf reads UTF-8 text only"),
        ],
        sources,
    }
}

/// Whether `haproxy -c -f FILE` (2.6) would exit 0: no diagnostic is an
/// error. Warnings and notes do not count, as with HAProxy.
pub fn accepted(parsed: &Parsed<Config>) -> bool {
    !parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
}

/// Whether `text` looks like a `haproxy.cfg` rather than a
/// `keepalived.conf`: a line starts with a proxy or global section keyword
/// and no line opens a `{` block.
pub fn looks_like(text: &str) -> bool {
    let mut sections = 0;
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or("").trim();
        if code.ends_with('{') {
            return false;
        }
        let first = code.split_whitespace().next().unwrap_or("");
        if matches!(
            first,
            "global" | "defaults" | "frontend" | "backend" | "listen"
        ) {
            sections += 1;
        }
    }
    sections > 0
}
