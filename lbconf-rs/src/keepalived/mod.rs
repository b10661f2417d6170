//! `keepalived.conf`: lexer, macro layer, syntax tree, model and checks.
//!
//! [`parse_file`] and [`parse_str`] run the whole pipeline: every file read
//! gets a lossless [`SyntaxTree`] (see [`syntax_trees`]); the macro layer
//! ([`macros`]) expands includes, `@id` conditionals, `$NAME` parameters and
//! `~SEQ`/`~LST` blocks, keeping each token's origin; the expanded statements
//! become a typed [`Config`]; then the semantic checks run. [`accepted`] says
//! whether `keepalived -t -f FILE` (2.2.7) would exit 0.
//!
//! Diagnostic codes: `K00xx` lexer and macro layer (quotes, braces, includes,
//! definitions, `~SEQ`/`~LST`), `K01xx` keywords and values (`K0100` unknown
//! keyword with a "did you mean", `K0101`-`K0178` missing, malformed or
//! out-of-range values, `K0180`-`K0192` the `global_defs` values of
//! `build/global.rs`), `K02xx` semantic checks over the whole configuration
//! (duplicate VRIDs and names, missing interfaces, scripts without
//! `enable_script_security`, keepalived's own passes over instances,
//! `vrrp_complete_instance`, and over virtual servers,
//! `validate_check_config`: preemption, authentication, quorum, ports,
//! address families, ...). `K0193`-`K0199`, `K0202`-`K0209` and
//! `K0277`-`K0279` are the values of the less common blocks (static
//! addresses, routes and rules, `virtual_routes`/`virtual_rules`,
//! `linkbeat_interfaces`, `track_group`, `garp_group`, `vrrp_track_process`,
//! `bfd_instance`), checked in `build/blocks.rs` after the model is built.
//! Codes in [`checks::LINTS`] are lbconf's advice that keepalived itself does
//! not report.
//!
//! Every check was calibrated against the real `keepalived -t` in a network
//! namespace (see `tests/keepalived/oracle.rs`): the corpus agrees file for
//! file, and so do its mutants (every statement deleted, duplicated or given
//! another value).

pub mod build;
pub mod checks;
pub mod command;
pub mod dump;
pub mod keywords;
pub mod lexer;
pub mod macros;
pub mod model;
pub mod syntax;
pub mod tree;

use std::path::Path;

pub use command::split_command;
pub use model::*;
pub use syntax::SyntaxTree;

use crate::diagnostic::{Diagnostic, Parsed, Severity};

/// How to parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The config id `@id` lines are compared with (keepalived's `-i`);
    /// `None`: the short host name, as keepalived defaults.
    pub config_id: Option<String>,
    /// The host's interfaces for the "interface does not exist" check; `None`:
    /// the interfaces of the network namespace of the calling thread.
    pub interfaces: Option<Vec<String>>,
    /// The host names that resolve, for the `smtp_server` check; `None`: ask
    /// the host's resolver (getaddrinfo: `/etc/hosts`, then DNS), as
    /// keepalived does. Tests and fuzzing set it so that nothing asks DNS.
    pub host_names: Option<Vec<String>>,
}

/// The short host name (up to the first dot).
fn short_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .split('.')
        .next()
        .unwrap_or("")
        .to_owned()
}

/// The interfaces of the calling thread's network namespace.
fn host_interfaces() -> Vec<String> {
    for p in ["/proc/thread-self/net/dev", "/proc/self/net/dev"] {
        if let Ok(text) = std::fs::read_to_string(p) {
            return text
                .lines()
                .skip(2)
                .filter_map(|l| l.split(':').next())
                .map(|n| n.trim().to_owned())
                .collect();
        }
    }
    std::fs::read_dir("/sys/class/net")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn resolved(opts: &Options) -> Options {
    Options {
        config_id: Some(opts.config_id.clone().unwrap_or_else(short_hostname)),
        interfaces: Some(opts.interfaces.clone().unwrap_or_else(host_interfaces)),
        host_names: opts.host_names.clone(),
    }
}

fn expander(opts: &Options) -> macros::Expander<'_> {
    let builder = build::Builder::with_host_names(opts.host_names.clone());
    macros::Expander::new(opts, tree::Sink::new(builder))
}

fn finish(mut ex: macros::Expander<'_>, opts: &Options) -> Parsed<Config> {
    ex.sink.flush(&ex.sources);
    ex.sink.builder.finish_globals();
    // Macro-layer diagnostics first, then braces, then keywords and values,
    // then the checks over the whole configuration.
    let mut diags = ex.diags;
    diags.append(&mut ex.sink.diags);
    diags.append(&mut ex.sink.builder.diags);
    let config = std::mem::take(&mut ex.sink.config);
    checks::run_prepared(
        &config,
        opts.interfaces.as_deref(),
        &mut diags,
        &mut ex.sink.builder.prepared,
    );
    build::blocks::check(&config, opts.interfaces.as_deref(), &mut diags);
    Parsed {
        value: config,
        diagnostics: diags,
        sources: ex.sources,
    }
}

/// Parses the file at `path` and everything it includes (relative includes
/// are resolved from the including file's directory).
pub fn parse_file(path: &Path, opts: &Options) -> Parsed<Config> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            parse_text(path, text, opts)
        }
        Err(e) => {
            let opts = resolved(opts);
            let mut ex = expander(&opts);
            ex.diags.push(
                Diagnostic::error("K0014", format!("cannot read {}: {e}", path.display()))
                    .with_help("check the path and the file's permissions"),
            );
            finish(ex, &opts)
        }
    }
}

/// Parses `text`, already read from the file at `path` (so a caller that
/// read the file for its own purposes does not read it twice); includes are
/// resolved from `path`'s directory.
pub fn parse_text(path: &Path, text: String, opts: &Options) -> Parsed<Config> {
    let opts = resolved(opts);
    let mut ex = expander(&opts);
    ex.run_file_owned(path, text);
    finish(ex, &opts)
}

/// Parses `text` as if read from a file called `name` (includes are resolved
/// from the current directory when `name` has no directory).
pub fn parse_str(name: &str, text: &str, opts: &Options) -> Parsed<Config> {
    parse_text(Path::new(name), text.to_owned(), opts)
}

/// Whether `keepalived -t -f FILE` (2.2.7) would exit 0: keepalived fails its
/// config test on anything it logs while reading, warnings included, so this
/// is true exactly when no error or warning is found other than the lbconf-only
/// advice in [`checks::LINTS`].
pub fn accepted(parsed: &Parsed<Config>) -> bool {
    !parsed
        .diagnostics
        .iter()
        .any(|d| d.severity != Severity::Note && !checks::LINTS.contains(&d.code))
}

/// The expanded configuration as normalized text.
pub fn dump(config: &Config) -> String {
    dump::dump(config)
}

/// The lossless syntax tree of every file read, in the order they were read.
pub fn syntax_trees<T>(parsed: &Parsed<T>) -> Vec<SyntaxTree> {
    parsed
        .sources
        .files()
        .map(|(id, f)| SyntaxTree::parse(id, f.text()))
        .collect()
}

/// Whether `text` looks like a keepalived configuration (for auto-detection):
/// its first statement keyword is a keepalived top-level keyword.
pub fn looks_like(text: &str) -> bool {
    let tree = SyntaxTree::parse(crate::source::FileId(0), text);
    tree.items
        .iter()
        .flat_map(|s| {
            // Skip an `@id` prefix: the keyword is the next word.
            let skip = usize::from(s.words.first().is_some_and(|w| w.text.starts_with('@')));
            s.words.get(skip)
        })
        .map(|w| lexer::unquote(&w.text))
        .find(|w| !w.starts_with('$') && !w.starts_with('~') && !w.is_empty())
        .is_some_and(|w| keywords::TOP.contains(&w.as_str()))
}
