//! Checks across statements and sections, as `haproxy -c` makes them after
//! parsing: references between proxies, duplicate names, ACLs, servers that
//! cannot work, SSL settings, listeners.

use std::collections::HashMap;
use std::path::Path;

use super::build::Facts;
use super::model::{Config, Mode, Proxy, Section, SectionKind, Spanned, Verify};
use super::values::Host;
use crate::diagnostic::Diagnostic;

/// ACLs HAProxy predefines (configuration.txt 7.4).
pub(crate) const PREDEFINED_ACLS: &[&str] = &[
    "FALSE",
    "HTTP",
    "HTTP_1.0",
    "HTTP_1.1",
    "HTTP_2.0",
    "HTTP_3.0",
    "HTTP_CONTENT",
    "HTTP_URL_ABS",
    "HTTP_URL_SLASH",
    "HTTP_URL_STAR",
    "LOCALHOST",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "RDP_COOKIE",
    "REQ_CONTENT",
    "TRUE",
    "WAIT_END",
];

/// Runs every check and appends what it finds to `diags`.
pub(crate) fn check(
    config: &Config,
    facts: &Facts,
    base: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) {
    duplicates(config, diags);
    let defaults = inherited_defaults(config, diags);
    let global_verify_none = config.sections.iter().any(|s| {
        s.kind == SectionKind::Global
            && s.statements
                .iter()
                .any(|st| st.keyword() == "ssl-server-verify" && st.word(1) == Some("none"))
    });
    let resolver_sections: Vec<&str> = config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Resolvers)
        .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    super::xref::other_sections(config, diags);
    let names = super::xref::Names::of(config, facts);
    let refs = Refs {
        backends: backend_names(config),
        modes: modes(config, &defaults),
    };
    let each = Each {
        config,
        facts,
        base,
        defaults: &defaults,
        global_verify_none,
        resolver_sections: &resolver_sections,
        names: &names,
        refs: &refs,
    };
    each.sections(0..config.sections.len(), diags);
    listeners(config, &defaults, diags);
    super::xref::errorfiles(config, facts, base, diags);
    super::xref::stick_tables(config, facts, diags);
    super::xref::pattern_files(config, facts, base, diags);
    super::xref::lua(config, facts, base, diags);
    bind_threads(config, diags);
    case_adjust(config, diags);
    check_steps(config, &defaults, diags);
    experimental(config, diags);
    for s in &config.sections {
        if s.kind == SectionKind::Program
            && !s.statements.iter().any(|st| st.keyword() == "command")
        {
            diags.push(
                Diagnostic::error(
                    "H0541",
                    format!(
                        "The program section '{}' lacks a command to launch",
                        name_of(s)
                    ),
                )
                .with_label(s.keyword, "this program section")
                .with_help("add 'command PROGRAM [ARGUMENTS]'"),
            );
        }
        if s.kind == SectionKind::Program
            && !config.sections.iter().any(|g| {
                g.kind == SectionKind::Global
                    && g.statements
                        .iter()
                        .any(|st| st.keyword() == "master-worker")
            })
        {
            diags.push(
                Diagnostic::error(
                    "H0510",
                    "can't use a 'program' section without master worker mode",
                )
                .with_label(s.keyword, "this program section")
                .with_help("add 'master-worker' to the global section (or run haproxy with -W)"),
            );
        }
    }
}

/// What the checks of each proxy need.
struct Each<'a> {
    config: &'a Config,
    facts: &'a Facts,
    base: Option<&'a Path>,
    defaults: &'a [Option<usize>],
    global_verify_none: bool,
    resolver_sections: &'a [&'a str],
    names: &'a super::xref::Names<'a>,
    refs: &'a Refs<'a>,
}

impl Each<'_> {
    /// Checks the proxies among sections `range`.
    fn sections(&self, range: std::ops::Range<usize>, diags: &mut Vec<Diagnostic>) {
        let config = self.config;
        for i in range {
            let s = &config.sections[i];
            let Some(p) = &s.proxy else { continue };
            if s.kind == SectionKind::Defaults {
                continue;
            }
            let inherited = self.defaults[i].and_then(|d| config.sections[d].proxy.as_deref());
            references(self.refs, config, i, inherited, diags);
            log_formats(config, self.refs, i, self.defaults[i], diags);
            super::xref::cross_references(config, self.facts, self.names, i, diags);
            if self.facts.section(i).track {
                tracks(config, self.refs, s, p, diags);
            }
            acls(s, p, diags);
            servers(
                self.resolver_sections,
                self.base,
                s,
                p,
                inherited,
                self.global_verify_none,
                self.facts.section(i).check_ssl,
                diags,
            );
            binds(p, self.base, diags);
            timeouts(s, p, inherited, diags);
        }
    }
}

pub(crate) fn name_of(s: &Section) -> &str {
    s.name.as_ref().map_or("", |n| n.value.as_str())
}

fn duplicates(config: &Config, diags: &mut Vec<Diagnostic>) {
    let proxies: Vec<&Section> = config
        .sections
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                SectionKind::Frontend | SectionKind::Backend | SectionKind::Listen
            ) && s.name.is_some()
        })
        .collect();
    // Earlier proxies by name: a clash is the same kind, or a listen.
    let mut seen: HashMap<&str, Vec<&Section>> = HashMap::with_capacity(proxies.len());
    for s in proxies {
        let earlier = seen.entry(name_of(s)).or_default();
        let clash = earlier.iter().copied().find(|o| {
            o.kind == s.kind || o.kind == SectionKind::Listen || s.kind == SectionKind::Listen
        });
        earlier.push(s);
        if let (Some(o), Some(n)) = (clash, &s.name) {
            diags.push(
                Diagnostic::error(
                    "H0501",
                    format!(
                        "{} '{}' has the same name as {} '{}'",
                        s.kind.keyword(),
                        n.value,
                        o.kind.keyword(),
                        name_of(o)
                    ),
                )
                .with_label(n.span, "second definition")
                .with_label(o.name.as_ref().map_or(o.keyword, |x| x.span), "first one")
                .with_help("give every proxy a distinct name"),
            );
        }
    }
}

/// For each section, the defaults section it inherits from (the last one
/// before it, or the one named by `from`).
fn inherited_defaults(config: &Config, diags: &mut Vec<Diagnostic>) -> Vec<Option<usize>> {
    // How many defaults sections have each name, in the whole file.
    let mut named: HashMap<&str, usize> = HashMap::new();
    for d in &config.sections {
        if let (SectionKind::Defaults, Some(n)) = (d.kind, &d.name) {
            *named.entry(n.value.as_str()).or_default() += 1;
        }
    }
    // The last defaults section before this point, by name.
    let mut before: HashMap<&str, usize> = HashMap::new();
    let mut last = None;
    let mut out = Vec::with_capacity(config.sections.len());
    for (i, s) in config.sections.iter().enumerate() {
        let mut this = last;
        if let Some(from) = &s.from {
            this = before.get(from.value.as_str()).copied();
            if named.get(from.value.as_str()).is_some_and(|n| *n > 1) {
                diags.push(
                    Diagnostic::error(
                        "H0526",
                        format!(
                            "ambiguous defaults section name '{}' referenced by {} '{}'",
                            from.value,
                            s.kind.keyword(),
                            name_of(s)
                        ),
                    )
                    .with_label(from.span, "several defaults sections have this name")
                    .with_help("give each named defaults section a distinct name"),
                );
            }
            if this.is_none() {
                diags.push(
                    Diagnostic::error(
                        "H0502",
                        format!(
                            "defaults section '{}' not found for {} '{}'",
                            from.value,
                            s.kind.keyword(),
                            name_of(s)
                        ),
                    )
                    .with_label(from.span, "no such defaults section before this point")
                    .with_help("declare 'defaults NAME' before the sections that use it"),
                );
            }
        }
        out.push(this);
        if s.kind == SectionKind::Defaults {
            last = Some(i);
            if let Some(n) = &s.name {
                before.insert(n.value.as_str(), i);
            }
        }
    }
    out
}

fn backend_names(config: &Config) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    for (i, s) in config.sections.iter().enumerate() {
        if matches!(s.kind, SectionKind::Backend | SectionKind::Listen) {
            if let Some(n) = &s.name {
                out.entry(n.value.as_str()).or_insert(i);
            }
        }
    }
    out
}

/// The mode each section runs in: its own, else its defaults', else tcp.
fn modes(config: &Config, defaults: &[Option<usize>]) -> Vec<Mode> {
    let own = |i: usize| {
        config.sections[i]
            .proxy
            .as_ref()
            .and_then(|p| p.mode.as_ref())
            .map(|m| m.value)
    };
    (0..config.sections.len())
        .map(|i| {
            own(i)
                .or_else(|| defaults[i].and_then(own))
                .unwrap_or(Mode::Tcp)
        })
        .collect()
}

struct Refs<'a> {
    backends: HashMap<&'a str, usize>,
    modes: Vec<Mode>,
}

fn references(
    refs: &Refs<'_>,
    config: &Config,
    i: usize,
    inherited: Option<&Proxy>,
    diags: &mut Vec<Diagnostic>,
) {
    let s = &config.sections[i];
    let Some(p) = &s.proxy else { return };
    let default = p.default_backend.as_ref().or_else(|| {
        inherited
            .filter(|_| s.kind != SectionKind::Backend)
            .and_then(|d| d.default_backend.as_ref())
    });
    let rules = p
        .use_backends
        .iter()
        .filter(|u| !u.dynamic)
        .map(|u| (&u.backend, "use_backend"));
    let all = default
        .filter(|b| !b.value.contains('%'))
        .map(|b| (b, "default_backend"))
        .into_iter()
        .chain(rules);
    for (b, what) in all {
        let Some(&target) = refs.backends.get(b.value.as_str()) else {
            diags.push(missing_backend(s, b, what));
            continue;
        };
        if target == i {
            diags.push(
                Diagnostic::error(
                    "H0515",
                    format!(
                        "proxy '{}': loop detected for {what}: '{}'",
                        name_of(s),
                        b.value
                    ),
                )
                .with_label(b.span, "this proxy itself")
                .with_help("point it at another backend"),
            );
        } else if refs.modes[i] == Mode::Http
            && refs.modes[target] == Mode::Tcp
            && s.kind != SectionKind::Backend
        {
            diags.push(
                Diagnostic::error(
                    "H0516",
                    format!(
                        "http {} '{}' tries to use incompatible tcp backend '{}' as its {what} (see 'mode')",
                        s.kind.keyword(),
                        name_of(s),
                        b.value
                    ),
                )
                .with_label(b.span, "this backend runs in tcp mode")
                .with_help("set 'mode http' in the backend (or the defaults it uses)"),
            );
        }
    }
}

fn missing_backend(s: &Section, b: &Spanned<String>, what: &str) -> Diagnostic {
    Diagnostic::error(
        "H0503",
        format!(
            "proxy '{}': unable to find required {what}: '{}'",
            name_of(s),
            b.value
        ),
    )
    .with_label(b.span, "no backend or listen section has this name")
    .with_help("declare the backend, or fix the name")
}

fn acls(s: &Section, p: &Proxy, diags: &mut Vec<Diagnostic>) {
    for u in &p.use_backends {
        let Some(c) = &u.condition else { continue };
        for a in &c.acls {
            let declared = p
                .acls
                .iter()
                .any(|d| d.name.value == a.value && d.span.start < u.span.start);
            if !declared && !PREDEFINED_ACLS.contains(&a.value.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "H0504",
                        format!(
                            "error detected while parsing switching rule : no such ACL : '{}'",
                            a.value
                        ),
                    )
                    .with_label(
                        a.span,
                        format!("not declared in '{}' before this rule", name_of(s)),
                    )
                    .with_help("declare it with 'acl NAME CRITERION VALUE' above the rule"),
                );
            }
        }
    }
}

/// A rule of a proxy's `http-check` or `tcp-check` ruleset, as HAProxy
/// keeps them while parsing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CheckStep {
    /// The send rule `option httpchk` puts first.
    ImplicitSend,
    Connect,
    Send,
    Expect,
    /// `comment`, `set-var`, `set-var-fmt` and `unset-var` (steps skipped
    /// by the order checks).
    Other,
}

/// The order of a proxy's check rules, as HAProxy checks it while adding
/// each one to the proxy's own ruleset (a proxy with check rules of its own
/// does not start from its defaults' rules):
/// - a `connect` comes first, after comments and variables only (or the
///   send `option httpchk` adds);
/// - where `option httpchk` is in force (above in the section, or in the
///   defaults it inherits), each `http-check` rule must fit the last one: a
///   send after a connect (or first), an expect after a send or an expect,
///   a connect after an expect. The first explicit send takes the place of
///   the one `option httpchk` adds, step number included, which is why
///   the step numbers HAProxy reports skip one.
fn check_steps(config: &Config, defaults: &[Option<usize>], diags: &mut Vec<Diagnostic>) {
    let httpchk = |st: &super::model::Statement<'_>| {
        st.keyword() == "option" && st.word(1) == Some("httpchk")
    };
    for (i, s) in config.sections.iter().enumerate() {
        if !matches!(
            s.kind,
            SectionKind::Backend | SectionKind::Listen | SectionKind::Defaults
        ) {
            continue;
        }
        let inherited = if s.kind == SectionKind::Defaults && s.from.is_none() {
            None
        } else {
            defaults[i]
        };
        let mut active =
            inherited.is_some_and(|d| config.sections[d].statements.iter().any(|st| httpchk(&st)));
        let mut http: Vec<(CheckStep, u32)> = Vec::new();
        let mut tcp: Vec<(CheckStep, u32)> = Vec::new();
        for st in s.statements.iter() {
            if httpchk(&st) {
                active = true;
                implicit_send(&mut http);
                continue;
            }
            let family = st.keyword();
            let rules = match family {
                "http-check" => &mut http,
                "tcp-check" => &mut tcp,
                _ => continue,
            };
            let what = st.word(1).unwrap_or("");
            let step = match what.split('(').next().unwrap_or("") {
                "connect" => CheckStep::Connect,
                "expect" => CheckStep::Expect,
                "send" | "send-lf" | "send-binary" | "send-binary-lf" => CheckStep::Send,
                "comment" | "set-var" | "set-var-fmt" | "unset-var" => CheckStep::Other,
                _ => continue,
            };
            let index = match rules.last() {
                None | Some((CheckStep::ImplicitSend, _)) => 0,
                Some((_, n)) => n + 1,
            };
            if step == CheckStep::Connect && !connect_may_follow(rules) {
                diags.push(
                    Diagnostic::error(
                        "H0551",
                        format!(
                            "'{family} connect' : first step MUST also be a 'connect', optionally preceded by a \
                             'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the \
                             tcp-check ruleset"
                        ),
                    )
                    .with_label(st.span(), "a connect after other steps")
                    .with_help(format!(
                        "start the rules with '{family} connect', or leave this connect out"
                    )),
                );
                continue;
            }
            if family == "tcp-check" || !active {
                rules.push((step, index));
                continue;
            }
            let last = rules
                .iter()
                .rev()
                .map(|(k, _)| *k)
                .find(|k| *k != CheckStep::Other);
            let missing = match (step, last) {
                (_, None | Some(CheckStep::ImplicitSend)) => None,
                (CheckStep::Send, Some(k)) if k != CheckStep::Connect => Some((
                    "connect",
                    "the rule above is not 'http-check connect'",
                    "one send per connection: add 'http-check connect' before this send, or merge it into the send above",
                )),
                (CheckStep::Expect, Some(CheckStep::Connect | CheckStep::Other)) => Some((
                    "send",
                    "no 'http-check send' since the last connect",
                    "add 'http-check send ...' between 'http-check connect' and this rule",
                )),
                (CheckStep::Connect, Some(k)) if k != CheckStep::Expect => Some((
                    "expect",
                    "the step above has no 'http-check expect'",
                    "end the step above with 'http-check expect ...' before connecting again",
                )),
                _ => None,
            };
            if let Some((need, label, help)) = missing {
                diags.push(
                    Diagnostic::error(
                        "H0548",
                        format!(
                            "'http-check {what}' : unable to add http-check {what} rule at step {} (missing {need} rule)",
                            index + 1
                        ),
                    )
                    .with_label(st.span(), label)
                    .with_help(help),
                );
                continue;
            }
            let mut index = index;
            if step == CheckStep::Send {
                if let Some(p) =
                    first_step(rules).filter(|&p| rules[p].0 == CheckStep::ImplicitSend)
                {
                    index = rules.remove(p).1;
                }
            }
            rules.push((step, index));
        }
    }
}

/// The position of the first rule that is not a comment or a variable.
fn first_step(rules: &[(CheckStep, u32)]) -> Option<usize> {
    rules.iter().position(|(k, _)| *k != CheckStep::Other)
}

/// `option httpchk` puts its send first, after a first connect, unless
/// there is an explicit send there (then it takes its place).
fn implicit_send(rules: &mut Vec<(CheckStep, u32)>) {
    let mut at = first_step(rules);
    if let Some(p) = at.filter(|&p| rules[p].0 == CheckStep::Connect) {
        at = rules[p + 1..]
            .iter()
            .position(|(k, _)| *k != CheckStep::Other)
            .map(|q| p + 1 + q);
    }
    match at.map(|p| rules[p].0) {
        Some(CheckStep::Send | CheckStep::ImplicitSend) => {}
        _ => rules.insert(0, (CheckStep::ImplicitSend, 0)),
    }
}

/// Whether a connect may be added: the rules before it are comments,
/// variables or the send `option httpchk` adds, up to a first connect.
fn connect_may_follow(rules: &[(CheckStep, u32)]) -> bool {
    rules
        .iter()
        .map(|(k, _)| *k)
        .find(|k| !matches!(k, CheckStep::Other | CheckStep::ImplicitSend))
        .is_none_or(|k| k == CheckStep::Connect)
}

/// A server's `sni` (its own, or that of the last `default-server` line
/// above it, in the proxy or its defaults) is a sample expression whose
/// fetches are available when the server's connection is set up.
fn sni(
    s: &Section,
    p: &Proxy,
    inherited: Option<&Proxy>,
    srv: &super::model::Server,
    diags: &mut Vec<Diagnostic>,
) {
    let above = p
        .default_servers
        .iter()
        .rev()
        .filter(|d| d.span.start < srv.span.start);
    let Some(e) = srv.settings.other("sni").or_else(|| {
        above
            .chain(
                inherited
                    .into_iter()
                    .flat_map(|d| d.default_servers.iter().rev()),
            )
            .find_map(|d| d.value.other("sni"))
    }) else {
        return;
    };
    let checked = super::samples::expr(&e.value, false)
        .and_then(|_| super::samples::available(&e.value, super::samples::Where::ServerConnection));
    if let Err(msg) = checked {
        diags.push(
            Diagnostic::error(
                "H0550",
                format!(
                    "'server {}/{}' : error detected while parsing sni expression : {msg}",
                    name_of(s),
                    srv.name.value
                ),
            )
            .with_label(e.span, "the server's sni expression")
            .with_help("sni takes a sample expression, e.g. 'sni req.hdr(host)' or 'sni str(app.example.org)'"),
        );
    }
}

/// `http-request normalize-uri` is experimental in HAProxy 2.6: a global
/// `expose-experimental-directives` above it must allow it.
fn experimental(config: &Config, diags: &mut Vec<Diagnostic>) {
    let mut exposed = false;
    for s in &config.sections {
        for st in s.statements.iter() {
            if s.kind == SectionKind::Global && st.keyword() == "expose-experimental-directives" {
                exposed = true;
            } else if !exposed
                && s.kind.is_proxy()
                && st.keyword() == "http-request"
                && st.word(1) == Some("normalize-uri")
            {
                diags.push(
                    Diagnostic::error(
                        "H0552",
                        "'normalize-uri' action is experimental, must be allowed via a global \
                         'expose-experimental-directives'",
                    )
                    .with_label(st.span(), "an experimental action")
                    .with_help("add 'expose-experimental-directives' to the global section, above the proxies"),
                );
            }
        }
    }
}

/// `h1-case-adjust FROM TO`: one entry a header name, spelt as written.
fn case_adjust(config: &Config, diags: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    let lines = config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Global)
        .flat_map(|s| s.statements.iter())
        .filter(|st| st.keyword() == "h1-case-adjust");
    for st in lines {
        let Some(from) = st.get(1) else { continue };
        // HAProxy looks the name up as written: 'content-length' and
        // 'CONTENT-LENGTH' are two entries.
        if !seen.insert(from.value) {
            diags.push(
                Diagnostic::error("H0547", format!("duplicate entry '{}'", from.value))
                    .with_label(from.span, "adjusted above already")
                    .with_help("keep one 'h1-case-adjust' line per header name"),
            );
        }
    }
}

/// A bind's `thread` set names threads that exist: up to `nbthread`, which
/// defaults to the number of CPUs HAProxy may run on (this machine's, as
/// `haproxy -c` sees it on the same host).
fn bind_threads(config: &Config, diags: &mut Vec<Diagnostic>) {
    let nbthread = config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Global)
        .flat_map(|s| s.statements.iter())
        .filter(|st| st.keyword() == "nbthread")
        .filter_map(|st| st.word(1)?.parse::<u64>().ok())
        .next_back()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
        .min(64);
    for (_, p) in config.proxies() {
        for b in &p.binds {
            for (o, v) in &b.options {
                let Some(v) = v.as_ref().filter(|_| o.value == "thread") else {
                    continue;
                };
                let set = v.value.rsplit('/').next().unwrap_or(&v.value);
                // The set's first thread; a range may run past the last.
                let first = match set {
                    "all" | "odd" => Some(1),
                    "even" => Some(2),
                    _ => set.split('-').filter_map(|n| n.parse::<u64>().ok()).min(),
                };
                if first.is_some_and(|n| n > nbthread) {
                    diags.push(
                        Diagnostic::error(
                            "H0543",
                            format!(
                                "'thread' directive contains threads that belong to no group in 'bind' (there are {nbthread} threads)"
                            ),
                        )
                        .with_label(v.span, "no such thread")
                        .with_help(
                            "name threads up to 'nbthread' (by default the number of CPUs), or raise nbthread",
                        ),
                    );
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn servers(
    resolver_sections: &[&str],
    base: Option<&Path>,
    s: &Section,
    p: &Proxy,
    inherited: Option<&Proxy>,
    global_verify_none: bool,
    check_ssl_written: bool,
    diags: &mut Vec<Diagnostic>,
) {
    let defaults: Vec<_> = inherited
        .into_iter()
        .flat_map(|d| d.default_servers.iter())
        .chain(p.default_servers.iter())
        .map(|d| &d.value)
        .collect();
    let from_defaults =
        |f: &dyn Fn(&super::model::ServerSettings) -> bool| defaults.iter().any(|d| f(d));
    // The first server of each name: in a short list, by a search among the
    // names' hashes (each name is read once); in a long one, by a map.
    const SHORT: usize = 16;
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut hashes = [0u64; SHORT];
    let long = p.servers.len() > SHORT;
    for (i, srv) in p.servers.iter().enumerate() {
        let name = srv.name.value.as_str();
        let prev = if long {
            *first.entry(name).or_insert(i)
        } else {
            hashes[i] = super::keywords::hash(name);
            hashes[..i]
                .iter()
                .zip(&p.servers)
                .position(|(h, o)| *h == hashes[i] && o.name.value == name)
                .unwrap_or(i)
        };
        if prev != i {
            let prev = &p.servers[prev];
            diags.push(
                Diagnostic::error(
                    "H0505",
                    format!(
                        "{} '{}', another server named '{}' was already defined",
                        s.kind.keyword(),
                        name_of(s),
                        srv.name.value
                    ),
                )
                .with_label(srv.name.span, "second server with this name")
                .with_label(prev.name.span, "first one")
                .with_help("please use distinct names"),
            );
        }
        let st = &srv.settings;
        sni(s, p, inherited, srv, diags);
        let Some(addr) = &srv.address else { continue };
        if let Host::Name(n) = &addr.value.host {
            let init = st
                .init_addr()
                .or_else(|| defaults.iter().rev().find_map(|d| d.init_addr()));
            let tolerant = init.is_some_and(|i| i.split(',').any(|m| m == "none"));
            if n != "localhost" && !tolerant {
                diags.push(
                    Diagnostic::error(
                        "H0506",
                        format!(
                            "'server {}/{}' : could not resolve address '{n}'",
                            name_of(s),
                            srv.name.value
                        ),
                    )
                    .with_label(addr.span, "names are resolved when the configuration loads")
                    .with_help("use an IP address, or add 'init-addr last,libc,none'"),
                );
            }
        }
        let check = st
            .check
            .or_else(|| defaults.iter().rev().find_map(|d| d.check))
            .unwrap_or(false);
        let port = st
            .port
            .or_else(|| defaults.iter().rev().find_map(|d| d.port));
        let has_port = addr.value.port.is_some() || addr.value.port_offset.is_some();
        // Only a set IP address: a name gets its address after the checks
        // are set up, and 0.0.0.0 or [::] forwards to the client's
        // destination.
        let is_ip = matches!(addr.value.host, Host::Ip(ip) if !ip.is_unspecified());
        if check && is_ip && !has_port && port.is_none() {
            diags.push(
                Diagnostic::error(
                    "H0507",
                    format!(
                        "proxy '{}': server '{}' has neither service port nor check port",
                        name_of(s),
                        srv.name.value
                    ),
                )
                .with_label(addr.span, "no port")
                .with_help("add the port to the address, or 'port N' for the checks"),
            );
        }
        if let Some(ca) = st.ca_file() {
            let path = base.map_or_else(|| Path::new(ca).to_path_buf(), |b| b.join(ca));
            if let Some(why) = ca_file_error(&path) {
                diags.push(
                    Diagnostic::error(
                        "H0519",
                        format!(
                            "'server {}/{}' : couldn't open the ca-file '{ca}' ({why})",
                            name_of(s),
                            srv.name.value
                        ),
                    )
                    .with_label(srv.name.span, "this server")
                    .with_help(CA_FILE_HELP),
                );
            }
        }
        let agent = st
            .agent_check
            .or_else(|| defaults.iter().rev().find_map(|d| d.agent_check))
            .unwrap_or(false);
        let agent_port = st
            .agent_port
            .or_else(|| defaults.iter().rev().find_map(|d| d.agent_port));
        if agent && agent_port.is_none_or(|p| p == 0) {
            diags.push(
                Diagnostic::error(
                    "H0520",
                    format!(
                        "'server {}/{}' : server {} does not have agent port",
                        name_of(s),
                        srv.name.value,
                        srv.name.value
                    ),
                )
                .with_label(srv.name.span, "agent-check without agent-port")
                .with_help("add 'agent-port N'"),
            );
        }
        let resolvers = st
            .resolvers()
            .or_else(|| defaults.iter().rev().find_map(|d| d.resolvers()));
        if let Some(r) = resolvers {
            if !resolver_sections.contains(&r) {
                diags.push(
                    Diagnostic::error(
                        "H0521",
                        format!(
                            "{} '{}', server '{}': unable to find required resolvers '{r}'",
                            s.kind.keyword(),
                            name_of(s),
                            srv.name.value
                        ),
                    )
                    .with_label(srv.name.span, "this server")
                    .with_help("declare 'resolvers NAME', or fix the name"),
                );
            }
        }
        let check_ssl = |x: &super::model::ServerSettings| {
            x.other_options
                .iter()
                .rev()
                .find_map(|(o, _)| match o.value.as_str() {
                    "check-ssl" => Some(true),
                    "no-check-ssl" => Some(false),
                    _ => None,
                })
        };
        // The server's own options are only searched when a word of the
        // section is `check-ssl` or `no-check-ssl`.
        let own_check_ssl = if check_ssl_written {
            check_ssl(st)
        } else {
            None
        };
        let ssl = st
            .ssl
            .or_else(|| defaults.iter().rev().find_map(|d| d.ssl))
            .unwrap_or(false)
            || own_check_ssl
                .or_else(|| defaults.iter().rev().find_map(|d| check_ssl(d)))
                .unwrap_or(false);
        let verify = st
            .verify
            .or_else(|| defaults.iter().rev().find_map(|d| d.verify));
        let ca = st.ca_file().is_some() || from_defaults(&|d| d.ca_file().is_some());
        let verify_none = match verify {
            Some(v) => v == Verify::None,
            None => global_verify_none,
        };
        if ssl && !verify_none && !ca {
            diags.push(
                Diagnostic::error(
                    "H0508",
                    format!(
                        "'server {}/{}' : verify is enabled by default but no CA file specified",
                        name_of(s),
                        srv.name.value
                    ),
                )
                .with_label(srv.name.span, "ssl without a CA to verify against")
                .with_help(
                    "add 'ca-file FILE', or an explicit 'verify none' when you trust the \
                     network (or 'ssl-server-verify none' in global)",
                ),
            );
        }
    }
}

/// What to give `ca-file`.
const CA_FILE_HELP: &str =
    "name a PEM file of CA certificates (or CRLs), or a directory of such files";

/// Why HAProxy cannot load CA file `path`, as OpenSSL reads it: missing or
/// unreadable, or a file without a PEM certificate or CRL. A directory is
/// read file by file, and finding nothing there is only a warning.
fn ca_file_error(path: &Path) -> Option<String> {
    const MARKERS: &[&str] = &[
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN TRUSTED CERTIFICATE-----",
        "-----BEGIN X509 CERTIFICATE-----",
        "-----BEGIN X509 CRL-----",
    ];
    if path.is_dir() {
        return None;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            (!MARKERS.iter().any(|m| text.contains(m)))
                .then(|| "no certificate or crl found".to_owned())
        }
        Err(e) => Some(match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_owned(),
            std::io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
            _ => e.to_string(),
        }),
    }
}

fn binds(p: &Proxy, base: Option<&Path>, diags: &mut Vec<Diagnostic>) {
    for b in &p.binds {
        if let Some(ca) = &b.ca_file {
            let path =
                base.map_or_else(|| Path::new(&ca.value).to_path_buf(), |d| d.join(&ca.value));
            if let Some(why) = ca_file_error(&path) {
                diags.push(
                    Diagnostic::error(
                        "H0519",
                        format!("couldn't open the ca-file '{}' ({why})", ca.value),
                    )
                    .with_label(ca.span, "this bind's ca-file")
                    .with_help(CA_FILE_HELP),
                );
            }
        }
        if b.ssl && b.crts.is_empty() && b.crt_lists.is_empty() {
            diags.push(
                Diagnostic::error("H0509", "no SSL certificate specified for this ssl bind")
                    .with_label(b.span, "'ssl' without 'crt'")
                    .with_help("add 'crt /path/to/cert.pem' (certificate and key in PEM)"),
            );
        }
        for c in b.crts.iter().chain(&b.crt_lists) {
            let path = base.map_or_else(|| Path::new(&c.value).to_path_buf(), |b| b.join(&c.value));
            if !path.exists() {
                diags.push(
                    Diagnostic::error(
                        "H0511",
                        format!("unable to stat SSL certificate from file '{}'", c.value),
                    )
                    .with_label(c.span, "no such file")
                    .with_help(
                        "relative paths are relative to haproxy's working directory (or crt-base)",
                    ),
                );
            }
        }
    }
}

fn timeouts(s: &Section, p: &Proxy, inherited: Option<&Proxy>, diags: &mut Vec<Diagnostic>) {
    let has = |n: &str| {
        p.timeouts
            .iter()
            .chain(inherited.into_iter().flat_map(|d| d.timeouts.iter()))
            .any(|t| t.name.value == n && t.millis.is_some_and(|m| m > 0))
    };
    let mut missing = Vec::new();
    if matches!(s.kind, SectionKind::Frontend | SectionKind::Listen) && !has("client") {
        missing.push("client");
    }
    if matches!(s.kind, SectionKind::Backend | SectionKind::Listen) {
        for t in ["connect", "server"] {
            if !has(t) {
                missing.push(t);
            }
        }
    }
    if !missing.is_empty() && p.disabled != Some(true) {
        diags.push(
            Diagnostic::warning(
                "H0512",
                format!("missing timeouts for {} '{}'", s.kind.keyword(), name_of(s)),
            )
            .with_label(
                s.name.as_ref().map_or(s.keyword, |n| n.span),
                "in this proxy",
            )
            .with_help(format!(
                "set timeout {} to a non-zero value (here or in defaults)",
                missing.join(", ")
            )),
        );
    }
}

fn listeners(config: &Config, defaults: &[Option<usize>], diags: &mut Vec<Diagnostic>) {
    let disabled = |i: usize| {
        let own = |j: usize| config.sections[j].proxy.as_ref().and_then(|p| p.disabled);
        own(i)
            .or_else(|| defaults[i].and_then(own))
            .unwrap_or(false)
    };
    // A bind in a backend is "ignored" with a warning, yet HAProxy still
    // counts it as a listener (checked against 2.6.12).
    let proxy_listens = config.sections.iter().enumerate().any(|(i, s)| {
        matches!(
            s.kind,
            SectionKind::Frontend | SectionKind::Listen | SectionKind::Backend
        ) && s.proxy.as_ref().is_some_and(|p| !p.binds.is_empty())
            && !disabled(i)
    });
    let other = config.sections.iter().any(|s| match s.kind {
        SectionKind::Global => s
            .statements
            .iter()
            .any(|st| st.keyword() == "stats" && st.word(1) == Some("socket")),
        SectionKind::LogForward => s
            .statements
            .iter()
            .any(|st| matches!(st.keyword(), "bind" | "dgram-bind")),
        _ => false,
    });
    if !proxy_listens && !other {
        let at = config.sections.first().map(|s| s.keyword);
        let mut d = Diagnostic::error(
            "H0513",
            "configuration has no error but will not start (no listener)",
        )
        .with_help("add a frontend or listen section with a 'bind' line");
        if let Some(at) = at {
            d = d.with_label(at, "no section here listens anywhere");
        }
        diags.push(d);
    }
}

/// `track [<proxy>/]<server>`: the tracked server must exist and be checked.
fn tracks(config: &Config, refs: &Refs<'_>, s: &Section, p: &Proxy, diags: &mut Vec<Diagnostic>) {
    for srv in &p.servers {
        let Some((_, args)) = srv
            .settings
            .other_options
            .iter()
            .rfind(|(o, _)| o.value == "track")
        else {
            continue;
        };
        let Some(arg) = args.first() else { continue };
        let (proxy, name) = match arg.value.split_once('/') {
            Some((px, n)) => (
                refs.backends
                    .get(px)
                    .and_then(|&i| config.sections[i].proxy.as_deref()),
                n,
            ),
            None => (Some(p), arg.value.as_str()),
        };
        let target = proxy.and_then(|px| px.servers.iter().find(|t| t.name.value == name));
        let checked = target.is_some_and(|t| {
            t.settings.check == Some(true) || t.settings.agent_check == Some(true)
        });
        if !checked {
            let why = if target.is_some() {
                "it does not have any check nor agent enabled"
            } else {
                "no such server"
            };
            diags.push(
                Diagnostic::error(
                    "H0518",
                    format!(
                        "'server {}/{}' : unable to use {} for tracking: {why}",
                        name_of(s),
                        srv.name.value,
                        arg.value
                    ),
                )
                .with_label(arg.span, "tracked server")
                .with_help("track a server that has 'check' (or 'agent-check')"),
            );
        }
    }
}

/// Log formats of frontends and listens (their own, or their defaults'),
/// parsed for the proxy's mode.
fn log_formats(
    config: &Config,
    refs: &Refs<'_>,
    i: usize,
    defaults: Option<usize>,
    diags: &mut Vec<Diagnostic>,
) {
    let s = &config.sections[i];
    if !matches!(s.kind, SectionKind::Frontend | SectionKind::Listen) {
        return;
    }
    let http = refs.modes[i] == Mode::Http;
    for key in ["log-format", "error-log-format", "log-format-sd"] {
        fn find<'s>(sec: &'s Section, key: &str) -> Option<Spanned<&'s str>> {
            sec.statements
                .iter()
                .rev()
                .find(|st| st.keyword() == key)
                .and_then(|st| st.get(1))
        }
        let Some(fmt) =
            find(s, key).or_else(|| defaults.and_then(|d| find(&config.sections[d], key)))
        else {
            continue;
        };
        if let Err(e) = super::logformat::check(fmt.value, http) {
            diags.push(
                Diagnostic::error(
                    "H0527",
                    format!(
                        "{} '{}': failed to parse {key} : {e}",
                        s.kind.keyword(),
                        name_of(s)
                    ),
                )
                .with_label(fmt.span, "this format")
                .with_help("see section 8.2.4 of the manual; write %% for a literal %"),
            );
        }
    }
}
