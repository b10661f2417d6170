//! `include` and its variants: brace expansion, globs, cycles and depth.

use std::path::{Path, PathBuf};

use super::{Expander, MAX_INCLUDE_DEPTH};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Most files one include pattern may expand to.
const MAX_MATCHES: usize = 10_000;

impl Expander<'_> {
    /// Handles `line` when it is an include; returns whether it was one.
    pub(super) fn include(&mut self, line: &str, span: Span) -> bool {
        let t = line.trim_start();
        let mut words = t.split_whitespace();
        let Some(kw) = words.next() else {
            return false;
        };
        let strict = match kw {
            "include" => false,
            "includer" | "includem" | "includew" | "includeb" | "includea" => true,
            _ => return false,
        };
        let Some(pattern) = words.next() else {
            self.diags.push(
                Diagnostic::error("K0009", format!("`{kw}` without a file name"))
                    .with_label(span, "")
                    .with_help("write `include FILE`; FILE may have wildcards and {a,b} braces"),
            );
            return true;
        };
        let pattern = super::super::lexer::unquote(pattern);
        let dir = self
            .dirs
            .last()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."));
        let mut files = Vec::new();
        for p in brace_expand(&pattern, 0) {
            let full = if Path::new(&p).is_absolute() {
                PathBuf::from(&p)
            } else {
                dir.join(&p)
            };
            let Ok(paths) = glob::glob(&full.to_string_lossy()) else {
                continue;
            };
            let mut found: Vec<PathBuf> = paths.flatten().filter(|p| p.is_file()).collect();
            found.sort();
            files.extend(found);
            if files.len() > MAX_MATCHES {
                break;
            }
        }
        if files.is_empty() {
            let d = if strict {
                Diagnostic::error("K0010", format!("`{pattern}` matches no file"))
            } else {
                Diagnostic::warning("K0011", format!("`{pattern}` matches no file"))
            };
            self.diags.push(
                d.with_label(span, "")
                    .with_help("relative names are resolved from the including file's directory"),
            );
            return true;
        }
        for f in files.into_iter().take(MAX_MATCHES) {
            let canon = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
            if self.stack.contains(&canon) {
                self.diags.push(
                    Diagnostic::error(
                        "K0012",
                        format!("include cycle: {} includes itself", f.display()),
                    )
                    .with_label(span, "this include")
                    .with_help("remove the include that leads back to an including file"),
                );
                continue;
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                self.diags.push(
                    Diagnostic::error(
                        "K0013",
                        format!("includes nest deeper than {MAX_INCLUDE_DEPTH}"),
                    )
                    .with_label(span, "")
                    .with_help("flatten the include chain"),
                );
                return true;
            }
            match std::fs::read(&f) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    self.run_file(&f, &text);
                }
                Err(e) => self.diags.push(
                    Diagnostic::error("K0014", format!("cannot read {}: {e}", f.display()))
                        .with_label(span, "")
                        .with_help("check the file's permissions"),
                ),
            }
        }
        true
    }
}

/// csh-style brace expansion: `a{b,c{d,e}}` → `ab acd ace`.
pub(crate) fn brace_expand(s: &str, depth: usize) -> Vec<String> {
    if depth > 16 {
        return vec![s.to_owned()];
    }
    let Some(open) = s.find('{') else {
        return vec![s.to_owned()];
    };
    let mut level = 0usize;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            ',' if level == 1 => commas.push(open + i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![s.to_owned()];
    };
    let (pre, post) = (&s[..open], &s[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let alt = &s[w[0] + 1..w[1]];
        for tail in brace_expand(post, depth + 1) {
            for mid in brace_expand(alt, depth + 1) {
                if out.len() < MAX_MATCHES {
                    out.push(format!("{pre}{mid}{tail}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::brace_expand;

    #[test]
    fn braces_expand_like_csh() {
        assert_eq!(
            brace_expand("{foo/{,cat,dog},bar}", 0),
            ["foo/", "foo/cat", "foo/dog", "bar"]
        );
        assert_eq!(brace_expand("a{b,c}d", 0), ["abd", "acd"]);
        assert_eq!(brace_expand("a{b", 0), ["a{b"]);
    }
}
