//! Diagnostics: what is wrong with a configuration, where, and what to do.
//!
//! Every diagnostic has a stable code (`K...` for keepalived.conf, `H...` for
//! haproxy.cfg), a severity, a message, labelled spans and optional help. Codes
//! never change meaning once published, so tools may match on them.

use crate::source::{SourceMap, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// The real tool rejects the configuration.
    Error,
    /// The real tool accepts it but complains (keepalived's `-t` still fails on
    /// warnings; see each parser's docs).
    Warning,
    /// Information attached to other diagnostics.
    Note,
}

/// A span with a message, pointing at part of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

/// One finding about a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Diagnostic {
    /// Stable code, e.g. `K0101`.
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// One sentence: what is wrong.
    pub message: String,
    /// Where; the first label is the primary one.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with code and message, no labels yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    /// A warning with code and message, no labels yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Adds a label.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The primary span, if any.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    /// One line: `path:line:col: error[K0101]: message`.
    pub fn one_line(&self, sources: &SourceMap) -> String {
        let place = self
            .span()
            .map(|s| format!("{}: ", sources.locate(s)))
            .unwrap_or_default();
        format!(
            "{place}{}[{}]: {}",
            severity_name(self.severity),
            self.code,
            self.message
        )
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The result of parsing: always a value (possibly partial) and every
/// diagnostic found on the way, with the files they point into.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// What was parsed.
    pub value: T,
    /// Everything found wrong, in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read.
    pub sources: SourceMap,
}

impl<T> Parsed<T> {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The value when no diagnostic is an error; otherwise the diagnostics.
    ///
    /// # Errors
    ///
    /// [`Errors`] holding every diagnostic when at least one is an error.
    pub fn into_result(self) -> Result<T, Errors> {
        if self.has_errors() {
            Err(Errors {
                diagnostics: self.diagnostics,
                sources: self.sources,
            })
        } else {
            Ok(self.value)
        }
    }

    /// Maps the value, keeping diagnostics and sources.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            value: f(self.value),
            diagnostics: self.diagnostics,
            sources: self.sources,
        }
    }
}

/// The diagnostics of a configuration that has errors.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", summary(.diagnostics, .sources))]
pub struct Errors {
    /// Every diagnostic, errors and others.
    pub diagnostics: Vec<Diagnostic>,
    /// The files they point into.
    pub sources: SourceMap,
}

fn summary(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.one_line(sources))
        .collect();
    match errors.as_slice() {
        [one] => one.clone(),
        many => format!("{} errors; the first: {}", many.len(), many[0]),
    }
}

/// Renders a diagnostic as rustc does: header, source snippet with labels, help.
#[cfg(feature = "render")]
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    use annotate_snippets::{Level, Renderer, Snippet};

    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Note => Level::Note,
    };
    let help = diagnostic.help.as_deref();
    let mut message = level.title(&diagnostic.message).id(diagnostic.code);
    let mut files: Vec<crate::source::FileId> = Vec::new();
    for l in &diagnostic.labels {
        if !files.contains(&l.span.file) {
            files.push(l.span.file);
        }
    }
    let paths: Vec<String> = files
        .iter()
        .map(|f| {
            sources
                .get(*f)
                .map_or_else(String::new, |s| s.path().display().to_string())
        })
        .collect();
    for (file, path) in files.iter().zip(&paths) {
        let Some(src) = sources.get(*file) else {
            continue;
        };
        let text = src.text();
        let mut snippet = Snippet::source(text).origin(path).fold(true);
        for (i, l) in diagnostic.labels.iter().enumerate() {
            if l.span.file != *file {
                continue;
            }
            let start = (l.span.start as usize).min(text.len());
            let end = (l.span.end as usize).clamp(start, text.len());
            let lvl = if i == 0 { level } else { Level::Info };
            snippet = snippet.annotation(lvl.span(start..end).label(&l.message));
        }
        message = message.snippet(snippet);
    }
    if let Some(help) = help {
        message = message.footer(Level::Help.title(help));
    }
    Renderer::plain().render(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_into_result_fails_only_on_errors() {
        let mut sources = SourceMap::new();
        let f = sources.add("a.conf", "priority 300\n");
        let warn = Diagnostic::warning("K0001", "just saying").with_label(Span::new(f, 0, 8), "");
        let ok = Parsed {
            value: 1,
            diagnostics: vec![warn.clone()],
            sources: sources.clone(),
        };
        assert_eq!(ok.into_result().unwrap(), 1);
        let err = Diagnostic::error("K0002", "priority 300 is out of range")
            .with_label(Span::new(f, 9, 12), "must be 1-255");
        let bad = Parsed {
            value: 1,
            diagnostics: vec![warn, err],
            sources,
        };
        let e = bad.into_result().unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.conf:1:10: error[K0002]: priority 300 is out of range"
        );
    }

    #[cfg(feature = "render")]
    #[test]
    fn render_shows_the_snippet() {
        let mut sources = SourceMap::new();
        let f = sources.add("a.conf", "vrrp_instance VI_1 {\n    priority 300\n}\n");
        let d = Diagnostic::error("K0002", "priority 300 is out of range")
            .with_label(Span::new(f, 34, 37), "must be 1-255")
            .with_help("use a priority from 1 to 254 (255 means address owner)");
        let text = render(&d, &sources);
        assert!(
            text.contains("error[K0002]: priority 300 is out of range"),
            "{text}"
        );
        assert!(text.contains("a.conf:2:14"), "{text}");
        assert!(text.contains("must be 1-255"), "{text}");
        assert!(text.contains("help: use a priority"), "{text}");
    }
}
