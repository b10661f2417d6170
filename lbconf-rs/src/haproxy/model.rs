//! The typed model of a `haproxy.cfg`, after conditional blocks are resolved.
//!
//! Plain owned data: every section keeps all its statements (so nothing is
//! lost, unknown keywords included), and proxies (`defaults`, `frontend`,
//! `backend`, `listen`) also get a typed view of the keywords lbconf knows.
//! Every value carries the [`Span`] it came from.

use std::fmt;
use std::sync::Arc;

use super::values::Address;
use crate::source::{FileId, Span};

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// A whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Config {
    /// Sections in file order (a `global` may appear several times).
    pub sections: Vec<Section>,
}

impl Config {
    /// Proxies (`frontend`, `backend`, `listen`; not `defaults`) in order.
    pub fn proxies(&self) -> impl Iterator<Item = (&Section, &Proxy)> {
        self.sections
            .iter()
            .filter_map(|s| match (&s.kind, s.proxy.as_deref()) {
                (SectionKind::Frontend | SectionKind::Backend | SectionKind::Listen, Some(p)) => {
                    Some((s, p))
                }
                _ => None,
            })
    }

    /// The section of `kind` named `name`.
    pub fn section(&self, kind: &SectionKind, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| &s.kind == kind && s.name.as_ref().is_some_and(|n| n.value == name))
    }
}

/// The kinds of section HAProxy 2.6 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SectionKind {
    /// `global`
    Global,
    /// `defaults [name]`
    Defaults,
    /// `frontend name`
    Frontend,
    /// `backend name`
    Backend,
    /// `listen name`
    Listen,
    /// `peers name`
    Peers,
    /// `resolvers name`
    Resolvers,
    /// `userlist name`
    Userlist,
    /// `cache name`
    Cache,
    /// `program name`
    Program,
    /// `http-errors name`
    HttpErrors,
    /// `ring name`
    Ring,
    /// `mailers name`
    Mailers,
    /// `log-forward name`
    LogForward,
    /// `fcgi-app name`
    FcgiApp,
}

impl SectionKind {
    /// The section started by `keyword`, if it starts one.
    pub fn from_keyword(keyword: &str) -> Option<SectionKind> {
        Some(match keyword {
            "global" => SectionKind::Global,
            "defaults" => SectionKind::Defaults,
            "frontend" => SectionKind::Frontend,
            "backend" => SectionKind::Backend,
            "listen" => SectionKind::Listen,
            "peers" => SectionKind::Peers,
            "resolvers" => SectionKind::Resolvers,
            "userlist" => SectionKind::Userlist,
            "cache" => SectionKind::Cache,
            "program" => SectionKind::Program,
            "http-errors" => SectionKind::HttpErrors,
            "ring" => SectionKind::Ring,
            "mailers" => SectionKind::Mailers,
            "log-forward" => SectionKind::LogForward,
            "fcgi-app" => SectionKind::FcgiApp,
            _ => return None,
        })
    }

    /// The keyword that starts this kind of section.
    pub fn keyword(&self) -> &'static str {
        match self {
            SectionKind::Global => "global",
            SectionKind::Defaults => "defaults",
            SectionKind::Frontend => "frontend",
            SectionKind::Backend => "backend",
            SectionKind::Listen => "listen",
            SectionKind::Peers => "peers",
            SectionKind::Resolvers => "resolvers",
            SectionKind::Userlist => "userlist",
            SectionKind::Cache => "cache",
            SectionKind::Program => "program",
            SectionKind::HttpErrors => "http-errors",
            SectionKind::Ring => "ring",
            SectionKind::Mailers => "mailers",
            SectionKind::LogForward => "log-forward",
            SectionKind::FcgiApp => "fcgi-app",
        }
    }

    /// Whether this is a proxy section (including `defaults`).
    pub fn is_proxy(&self) -> bool {
        matches!(
            self,
            SectionKind::Defaults
                | SectionKind::Frontend
                | SectionKind::Backend
                | SectionKind::Listen
        )
    }
}

/// One section: its header and every statement in it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Section {
    /// What kind of section.
    pub kind: SectionKind,
    /// The section keyword's span.
    pub keyword: Span,
    /// The name, when there is one.
    pub name: Option<Spanned<String>>,
    /// `from <defaults>` on a proxy header.
    pub from: Option<Spanned<String>>,
    /// Every statement of the section, known or not, in order.
    pub statements: Statements,
    /// The typed view of a proxy section (boxed: most sections of a large
    /// file are proxies, and a list of sections stays small).
    pub proxy: Option<Box<Proxy>>,
    /// The typed view of a `global` section.
    pub global: Option<Box<Global>>,
}

/// Every statement of a section (a non-empty line that is not a
/// directive), known or not, in order.
///
/// The words are not copied: each is a span into the file's text, which
/// the statements share (an [`Arc`], the same text as the
/// [`SourceMap`](crate::SourceMap)'s), with its own text kept aside only
/// when it differs from what is written (quotes, escapes, variables). A
/// section of any size is a few allocations, and a word 8 bytes. Read the
/// statements through [`Statements::iter`] and [`Statements::get`], which
/// give [`Statement`] views.
#[derive(Clone, Default)]
pub struct Statements {
    /// The text of the file the words are in.
    source: Arc<String>,
    /// The file the words are in.
    file: FileId,
    /// The raw span of each word, statement after statement.
    words: Vec<WordAt>,
    /// For each statement, the index in `words` of its first word.
    starts: Vec<u32>,
    /// The words whose text is not their raw text, by index in `words`
    /// (in order), with where their text ends in `cooked_text` (it starts
    /// where the previous one's ends).
    cooked: Vec<(u32, u32)>,
    /// The texts of the `cooked` words, end to end.
    cooked_text: String,
}

/// Where one word is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WordAt {
    start: u32,
    end: u32,
}

impl Statements {
    /// No statement yet; the words will be spans into `source`, the text
    /// of their file.
    pub(crate) fn new(source: Arc<String>) -> Statements {
        Statements {
            source,
            ..Statements::default()
        }
    }

    /// How many statements.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Statement `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<Statement<'_>> {
        (i < self.len()).then(|| self.at(i))
    }

    /// Statement `i` (`i < self.len()`).
    fn at(&self, i: usize) -> Statement<'_> {
        let first = self.starts.get(i).map_or(self.words.len(), |&f| f as usize);
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.words.len(), |&e| e as usize);
        Statement {
            all: self,
            first,
            end,
        }
    }

    /// The statements in order.
    pub fn iter(&self) -> StatementsIter<'_> {
        StatementsIter {
            all: self,
            range: 0..self.len(),
        }
    }

    /// Appends a statement of `words` (text and raw span of each; at least
    /// one).
    pub(crate) fn push<'w>(&mut self, words: impl IntoIterator<Item = (&'w str, Span)>) {
        let first = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        let before = self.words.len();
        for (text, span) in words {
            self.file = span.file;
            if self.source.get(span.range()) != Some(text) {
                let index = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
                self.cooked_text.push_str(text);
                let end = u32::try_from(self.cooked_text.len()).unwrap_or(u32::MAX);
                self.cooked.push((index, end));
            }
            self.words.push(WordAt {
                start: span.start,
                end: span.end,
            });
        }
        if self.words.len() > before {
            self.starts.push(first);
        }
    }

    /// Room for as many statements and words as `other` holds.
    pub(crate) fn reserve_like(&mut self, other: &Statements) {
        self.starts.reserve_exact(other.starts.len());
        self.words.reserve_exact(other.words.len());
    }

    /// Gives back the room the lists grew but do not use.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.starts.shrink_to_fit();
        self.words.shrink_to_fit();
        self.cooked.shrink_to_fit();
        self.cooked_text.shrink_to_fit();
    }

    fn text_of(&self, w: usize) -> &str {
        let cooked = if self.cooked.is_empty() {
            None
        } else {
            u32::try_from(w)
                .ok()
                .and_then(|w| self.cooked.binary_search_by_key(&w, |c| c.0).ok())
        };
        match cooked {
            Some(k) => {
                let start = k.checked_sub(1).map_or(0, |p| self.cooked[p].1 as usize);
                let end = self.cooked[k].1 as usize;
                self.cooked_text.get(start..end).unwrap_or("")
            }
            None => self
                .words
                .get(w)
                .and_then(|x| self.source.get(x.start as usize..x.end as usize))
                .unwrap_or(""),
        }
    }

    fn span_of(&self, w: usize) -> Span {
        self.words.get(w).map_or_else(Span::default, |x| Span {
            file: self.file,
            start: x.start,
            end: x.end,
        })
    }
}

impl PartialEq for Statements {
    fn eq(&self, other: &Statements) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Statements {}

impl fmt::Debug for Statements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Statements {
    type Item = Statement<'a>;
    type IntoIter = StatementsIter<'a>;

    fn into_iter(self) -> StatementsIter<'a> {
        self.iter()
    }
}

/// The statements of a section in order (see [`Statements::iter`]).
#[derive(Debug, Clone)]
pub struct StatementsIter<'a> {
    all: &'a Statements,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for StatementsIter<'a> {
    type Item = Statement<'a>;

    fn next(&mut self) -> Option<Statement<'a>> {
        self.range.next().map(|i| self.all.at(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for StatementsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| self.all.at(i))
    }
}

impl ExactSizeIterator for StatementsIter<'_> {}

#[cfg(feature = "serde")]
impl serde::Serialize for Statements {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// One statement of a section, as words (a view into [`Statements`]).
#[derive(Clone, Copy)]
pub struct Statement<'a> {
    all: &'a Statements,
    first: usize,
    end: usize,
}

impl<'a> Statement<'a> {
    /// How many words (at least one).
    pub fn len(&self) -> usize {
        self.end - self.first
    }

    /// Whether it has no word (never, for a statement of a section).
    pub fn is_empty(&self) -> bool {
        self.end == self.first
    }

    /// The keyword (the first word).
    pub fn keyword(&self) -> &'a str {
        self.word(0).unwrap_or("")
    }

    /// The text of word `i` (the keyword is word 0), if there is one.
    pub fn word(&self, i: usize) -> Option<&'a str> {
        (i < self.len()).then(|| self.all.text_of(self.first + i))
    }

    /// Word `i` with its span, if there is one.
    pub fn get(&self, i: usize) -> Option<Spanned<&'a str>> {
        (i < self.len()).then(|| {
            Spanned::new(
                self.all.text_of(self.first + i),
                self.all.span_of(self.first + i),
            )
        })
    }

    /// The words with their spans, the keyword first.
    pub fn words(
        &self,
    ) -> impl DoubleEndedIterator<Item = Spanned<&'a str>> + ExactSizeIterator + use<'a> {
        let all = self.all;
        (self.first..self.end).map(move |w| Spanned::new(all.text_of(w), all.span_of(w)))
    }

    /// From the first word to the last.
    pub fn span(&self) -> Span {
        let a = self.all.span_of(self.first);
        let b = self.all.span_of(self.end.saturating_sub(1).max(self.first));
        a.to(b)
    }
}

impl fmt::Debug for Statement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.words()).finish()
    }
}

impl PartialEq for Statement<'_> {
    fn eq(&self, other: &Statement<'_>) -> bool {
        self.words().eq(other.words())
    }
}

impl Eq for Statement<'_> {}

#[cfg(feature = "serde")]
impl serde::Serialize for Statement<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Words<'s>(Statement<'s>);
        impl serde::Serialize for Words<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.words())
            }
        }
        let mut st = s.serialize_struct("Statement", 2)?;
        st.serialize_field("words", &Words(*self))?;
        st.serialize_field("span", &self.span())?;
        st.end()
    }
}

/// The settings of a `global` section that lbconf types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Global {
    /// `daemon`
    pub daemon: bool,
    /// `maxconn`
    pub maxconn: Option<Spanned<u64>>,
    /// `user`
    pub user: Option<Spanned<String>>,
    /// `group`
    pub group: Option<Spanned<String>>,
    /// `log` lines.
    pub logs: Vec<Log>,
}

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Mode {
    /// `mode tcp` (the default).
    Tcp,
    /// `mode http`.
    Http,
}

/// A proxy section's typed settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Proxy {
    /// `mode`
    pub mode: Option<Spanned<Mode>>,
    /// `bind` lines.
    pub binds: Vec<Bind>,
    /// `timeout <name> <time>` lines.
    pub timeouts: Vec<Timeout>,
    /// `log` lines (`log global` included).
    pub logs: Vec<Log>,
    /// `[no] option <name> [args]` lines.
    pub options: Vec<ProxyOption>,
    /// `acl` lines.
    pub acls: Vec<Acl>,
    /// `use_backend` rules.
    pub use_backends: Vec<UseBackend>,
    /// `default_backend`.
    pub default_backend: Option<Spanned<String>>,
    /// `balance`.
    pub balance: Option<Spanned<Balance>>,
    /// `server` lines.
    pub servers: Vec<Server>,
    /// `default-server` lines (they accumulate).
    pub default_servers: Vec<Spanned<ServerSettings>>,
    /// `option httpchk`.
    pub httpchk: Option<HttpChk>,
    /// `http-check` rules.
    pub http_checks: Vec<CheckRule>,
    /// `tcp-check` rules.
    pub tcp_checks: Vec<CheckRule>,
    /// `maxconn`.
    pub maxconn: Option<Spanned<u64>>,
    /// `retries`.
    pub retries: Option<Spanned<u64>>,
    /// `disabled` (`Some(true)`) or `enabled` (`Some(false)`) was given;
    /// proxies inherit it from their defaults section.
    pub disabled: Option<bool>,
}

/// One `bind` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Bind {
    /// The addresses (a bind may list several, comma-separated).
    pub addresses: Vec<Spanned<Address>>,
    /// `ssl` was given.
    pub ssl: bool,
    /// `crt` certificates.
    pub crts: Vec<Spanned<String>>,
    /// `crt-list` files.
    pub crt_lists: Vec<Spanned<String>>,
    /// `verify`, when given.
    pub verify: Option<Spanned<String>>,
    /// `ca-file`, when given.
    pub ca_file: Option<Spanned<String>>,
    /// Every option as written, with its argument if it takes one.
    pub options: Vec<(Spanned<String>, Option<Spanned<String>>)>,
    /// The whole line.
    pub span: Span,
}

/// `timeout <name> <time>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Timeout {
    /// `client`, `server`, `connect`, ...
    pub name: Spanned<String>,
    /// The value in milliseconds (`None` when it did not parse).
    pub millis: Option<u64>,
    /// The whole line.
    pub span: Span,
}

/// A `log` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Log {
    /// `log global`.
    Global(Span),
    /// `no log`.
    Disabled(Span),
    /// `log <target> [len N] [format F] [sample R:S] <facility> [level [minlevel]]`.
    Target {
        /// Address, socket path, `stdout`, `stderr`, `ring@name`, ...
        target: Spanned<String>,
        /// The remaining words.
        args: Vec<Spanned<String>>,
        /// The whole line.
        span: Span,
    },
}

/// Whether an option was negated or reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum OptionPrefix {
    /// `option x`
    Set,
    /// `no option x`
    No,
    /// `default option x`
    Default,
}

/// `option <name> [args]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProxyOption {
    /// `no`/`default` prefix.
    pub prefix: OptionPrefix,
    /// The option's name.
    pub name: Spanned<String>,
    /// Its arguments.
    pub args: Vec<Spanned<String>>,
    /// The whole line.
    pub span: Span,
}

/// `acl <name> <criterion> [flags] [operator] <value> ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Acl {
    /// The ACL's name.
    pub name: Spanned<String>,
    /// The fetch (criterion), e.g. `path_beg`.
    pub criterion: Spanned<String>,
    /// Flags and values.
    pub args: Vec<Spanned<String>>,
    /// The whole line.
    pub span: Span,
}

/// An `if`/`unless` condition, kept as text with the ACL names it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Condition {
    /// `true` for `unless`.
    pub negated: bool,
    /// The condition's words joined by single spaces.
    pub text: String,
    /// Named ACLs it references (anonymous `{ ... }` ACLs excluded), without `!`.
    pub acls: Vec<Spanned<String>>,
    /// From `if`/`unless` to the end of the condition.
    pub span: Span,
}

/// `use_backend <name> [if|unless <condition>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UseBackend {
    /// The backend name, or a log-format expression (`%[...]`) when dynamic.
    pub backend: Spanned<String>,
    /// Whether the name is a log-format expression resolved at run time.
    pub dynamic: bool,
    /// The condition, when there is one.
    pub condition: Option<Condition>,
    /// The whole line.
    pub span: Span,
}

/// `balance` algorithms with their arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Balance {
    /// `roundrobin`
    RoundRobin,
    /// `static-rr`
    StaticRr,
    /// `leastconn`
    LeastConn,
    /// `first`
    First,
    /// `source`
    Source,
    /// `uri [len N] [depth N] [whole] [path-only]`
    Uri {
        /// `len`
        len: Option<u64>,
        /// `depth`
        depth: Option<u64>,
        /// `whole`
        whole: bool,
        /// `path-only`
        path_only: bool,
    },
    /// `url_param <param> [check_post]`
    UrlParam {
        /// The parameter name.
        param: String,
        /// `check_post` was given.
        check_post: bool,
    },
    /// `hdr(<name>) [use_domain_only]`
    Hdr {
        /// Header name.
        name: String,
        /// `use_domain_only`
        use_domain_only: bool,
    },
    /// `random[(<draws>)]`
    Random {
        /// Number of draws (default 2).
        draws: Option<u64>,
    },
    /// `rdp-cookie[(<name>)]`
    RdpCookie {
        /// Cookie name (default `mstshash`).
        name: Option<String>,
    },
    /// `hash <expression>`
    Hash {
        /// The sample expression.
        expr: String,
    },
}

/// `verify` on a server line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Verify {
    /// `verify none`
    None,
    /// `verify required`
    Required,
}

/// The options of a `server` or `default-server` line: a typed field for
/// each option lbconf models, and the other options as written.
///
/// Times are in milliseconds (HAProxy's largest timer fits in a `u32`);
/// counts larger than a `u32` (which HAProxy would not take either) are
/// kept as `u32::MAX`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ServerSettings {
    /// `check` (`no-check` sets it to `Some(false)`).
    pub check: Option<bool>,
    /// `backup` (`no-backup` sets `Some(false)`).
    pub backup: Option<bool>,
    /// `disabled` (`enabled` sets `Some(false)`).
    pub disabled: Option<bool>,
    /// `ssl` (`no-ssl` sets `Some(false)`).
    pub ssl: Option<bool>,
    /// `send-proxy`
    pub send_proxy: Option<bool>,
    /// `send-proxy-v2`
    pub send_proxy_v2: Option<bool>,
    /// `agent-check` (`no-agent-check` sets `Some(false)`).
    pub agent_check: Option<bool>,
    /// `verify none|required`.
    pub verify: Option<Verify>,
    /// `inter` in ms.
    pub inter: Option<u32>,
    /// `fastinter` in ms.
    pub fastinter: Option<u32>,
    /// `downinter` in ms.
    pub downinter: Option<u32>,
    /// `rise`
    pub rise: Option<u32>,
    /// `fall`
    pub fall: Option<u32>,
    /// `weight`
    pub weight: Option<u32>,
    /// `maxconn`
    pub maxconn: Option<u32>,
    /// `slowstart` in ms.
    pub slowstart: Option<u32>,
    /// `agent-port`
    pub agent_port: Option<u32>,
    /// `agent-inter` in ms.
    pub agent_inter: Option<u32>,
    /// `port` (the check port).
    pub port: Option<u32>,
    /// Every option no typed field holds, in order, as written, with its
    /// arguments (`ca-file`, `sni`, `track`, `addr`, `check-ssl`, ...):
    /// empty, and without an allocation, for the common server line.
    pub other_options: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
}

impl ServerSettings {
    /// The first argument of the last `name` option among the
    /// [`other_options`](ServerSettings::other_options).
    pub fn other(&self, name: &str) -> Option<&Spanned<String>> {
        self.other_options
            .iter()
            .rev()
            .find(|(o, _)| o.value == name)
            .and_then(|(_, args)| args.first())
    }

    /// `ca-file`
    pub fn ca_file(&self) -> Option<&str> {
        self.other("ca-file").map(|a| a.value.as_str())
    }

    /// `sni <expression>`
    pub fn sni(&self) -> Option<&str> {
        self.other("sni").map(|a| a.value.as_str())
    }

    /// `init-addr`
    pub fn init_addr(&self) -> Option<&str> {
        self.other("init-addr").map(|a| a.value.as_str())
    }

    /// `resolvers`
    pub fn resolvers(&self) -> Option<&str> {
        self.other("resolvers").map(|a| a.value.as_str())
    }
}

/// A `server` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Server {
    /// The server's name.
    pub name: Spanned<String>,
    /// Its address, when it parsed.
    pub address: Option<Spanned<Address>>,
    /// Its options.
    pub settings: ServerSettings,
    /// The whole line.
    pub span: Span,
}

/// `option httpchk [<method>] [<uri>] [<version>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HttpChk {
    /// Method (`OPTIONS` by default).
    pub method: Option<String>,
    /// URI (`/` by default).
    pub uri: Option<String>,
    /// HTTP version, possibly with headers (old style).
    pub version: Option<String>,
    /// The whole line.
    pub span: Span,
}

/// An `http-check` or `tcp-check` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CheckRule {
    /// `connect`, `send`, `expect`, `comment`, `set-var`, ...
    pub action: Spanned<String>,
    /// The rule's arguments.
    pub args: Vec<Spanned<String>>,
    /// The whole line.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_read_plain_words_from_the_file_and_keep_the_others() {
        let text = "backend b\n    server \"s 1\" 198.18.0.1:80 check\n    balance roundrobin\n";
        let opts = super::super::Options::default();
        let parsed = super::super::parse_str("p.cfg", text, &opts);
        let st = &parsed.value.sections[0].statements;
        assert_eq!(st.len(), 2);
        let server = st.get(0).expect("the server line");
        assert_eq!(server.keyword(), "server");
        assert_eq!(server.word(1), Some("s 1"), "quotes removed");
        assert_eq!(&text[server.get(1).expect("name").span.range()], "\"s 1\"");
        assert_eq!(server.word(3), Some("check"));
        assert_eq!(server.word(4), None);
        assert_eq!(
            &text[server.span().range()],
            "server \"s 1\" 198.18.0.1:80 check"
        );
        let balance = st.iter().next_back().expect("the balance line");
        let words: Vec<&str> = balance.words().map(|w| w.value).collect();
        assert_eq!(words, ["balance", "roundrobin"]);
        assert!(st.get(2).is_none());
    }

    /// The model of a large file is mostly servers and statement words:
    /// keep them small (the benchmark's `server` lines are 100,000 of
    /// them; each was 472 bytes of `Server` and 11 owned words before, and
    /// a `Section` 832 bytes).
    #[test]
    fn the_bulk_of_the_model_stays_small() {
        let sizes = [
            ("Server", size_of::<Server>(), 264),
            ("ServerSettings", size_of::<ServerSettings>(), 120),
            ("a word of a statement", size_of::<WordAt>(), 8),
            ("Section", size_of::<Section>(), 224),
        ];
        for (what, size, most) in sizes {
            assert!(size <= most, "{what} is {size} bytes, more than {most}");
        }
    }
}
