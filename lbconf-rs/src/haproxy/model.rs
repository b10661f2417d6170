//! The typed model of a `haproxy.cfg`, after conditional blocks are resolved.
//!
//! Plain owned data: every section keeps all its statements (so nothing is
//! lost, unknown keywords included), and proxies (`defaults`, `frontend`,
//! `backend`, `listen`) also get a typed view of the keywords lbconf knows.
//! Every value carries the [`Span`] it came from.

use super::values::Address;
use crate::source::Span;

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
            .filter_map(|s| match (&s.kind, &s.proxy) {
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
    pub statements: Vec<Statement>,
    /// The typed view of a proxy section.
    pub proxy: Option<Proxy>,
    /// The typed view of a `global` section.
    pub global: Option<Global>,
}

/// One statement (a non-empty line that is not a directive), as words.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Statement {
    /// The words, the keyword first.
    pub words: Vec<Spanned<String>>,
    /// From the first word to the last.
    pub span: Span,
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

/// The options of a `server` or `default-server` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ServerSettings {
    /// `check` (`no-check` sets it to `Some(false)`).
    pub check: Option<bool>,
    /// `inter` in ms.
    pub inter: Option<u64>,
    /// `fastinter` in ms.
    pub fastinter: Option<u64>,
    /// `downinter` in ms.
    pub downinter: Option<u64>,
    /// `rise`
    pub rise: Option<u64>,
    /// `fall`
    pub fall: Option<u64>,
    /// `weight`
    pub weight: Option<u64>,
    /// `backup` (`no-backup` sets `Some(false)`).
    pub backup: Option<bool>,
    /// `maxconn`
    pub maxconn: Option<u64>,
    /// `disabled` (`enabled` sets `Some(false)`).
    pub disabled: Option<bool>,
    /// `slowstart` in ms.
    pub slowstart: Option<u64>,
    /// `ssl` (`no-ssl` sets `Some(false)`).
    pub ssl: Option<bool>,
    /// `verify none|required`.
    pub verify: Option<String>,
    /// `ca-file`
    pub ca_file: Option<String>,
    /// `sni <expression>`
    pub sni: Option<String>,
    /// `send-proxy`
    pub send_proxy: Option<bool>,
    /// `send-proxy-v2`
    pub send_proxy_v2: Option<bool>,
    /// `agent-check` (`no-agent-check` sets `Some(false)`).
    pub agent_check: Option<bool>,
    /// `agent-port`
    pub agent_port: Option<u64>,
    /// `agent-inter` in ms.
    pub agent_inter: Option<u64>,
    /// `port` (the check port).
    pub port: Option<u64>,
    /// `init-addr`
    pub init_addr: Option<String>,
    /// `resolvers`
    pub resolvers: Option<String>,
    /// Every option as written, with its arguments.
    pub options: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
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
