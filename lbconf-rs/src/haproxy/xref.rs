//! Checks of references inside and between sections (servers, stick
//! tables, userlists, capture slots), of the non-proxy sections, and of
//! error files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::args::ERROR_CODES;
use super::build::Facts;
use super::checks::name_of;
use super::model::{Config, Section, SectionKind};
use super::values::Host;
use crate::diagnostic::Diagnostic;

/// Checks of the non-proxy sections: caches need a size, cache and ring
/// names are unique, ring formats exist, name servers are IP addresses.
pub(crate) fn other_sections(config: &Config, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(SectionKind, &str), &Section> = HashMap::new();
    for s in &config.sections {
        let kind = s.kind;
        // Names unique among the sections of a kind (userlists may repeat).
        let unique = matches!(
            kind,
            SectionKind::Cache
                | SectionKind::Ring
                | SectionKind::Peers
                | SectionKind::Resolvers
                | SectionKind::HttpErrors
                | SectionKind::Mailers
        );
        if let Some(n) = s.name.as_ref().filter(|_| unique) {
            if seen.insert((kind, n.value.as_str()), s).is_some() {
                diags.push(
                    Diagnostic::error(
                        "H0522",
                        format!("duplicate {} name '{}'", kind.keyword(), n.value),
                    )
                    .with_label(n.span, "declared before")
                    .with_help("give each section a distinct name"),
                );
            }
        }
        match kind {
            SectionKind::Resolvers => {
                nameservers(s, diags);
                holds(s, diags);
                resolvers_timeouts(s, diags);
            }
            SectionKind::Program => program(s, diags),
            SectionKind::Userlist => userlist(config, s, diags),
            SectionKind::Mailers => mailers(s, diags),
            SectionKind::Peers => peers(s, diags),
            _ => {}
        }
        if !matches!(kind, SectionKind::Cache | SectionKind::Ring) {
            continue;
        }
        let get = |k: &str| s.statements.iter().find(|st| st.keyword() == k);
        if kind == SectionKind::Cache && get("total-max-size").is_none() {
            diags.push(
                Diagnostic::error(
                    "H0523",
                    format!("size not specified for cache '{}'", name_of(s)),
                )
                .with_label(s.keyword, "no total-max-size")
                .with_help("add 'total-max-size MEGABYTES'"),
            );
        }
        if let Some(f) = get("format").and_then(|st| st.get(1)) {
            let formats = [
                "iso", "rfc3164", "rfc5424", "raw", "short", "priority", "timed",
            ];
            if kind == SectionKind::Ring && !formats.contains(&f.value) {
                diags.push(
                    Diagnostic::error("H0524", format!("unknown format '{}'", f.value))
                        .with_label(f.span, "not a log format")
                        .with_help(format!("formats: {}", formats.join(", "))),
                );
            }
        }
    }
}

fn section_error(
    code: &'static str,
    msg: String,
    at: crate::source::Span,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(code, msg)
        .with_label(at, "here")
        .with_help(help.to_owned())
}

/// `user NAME [password P] [insecure-password P] [groups G,...]` and
/// `group NAME [users U,...]`: the options, and the users and groups the
/// lists name (declared anywhere in the section).
fn userlist(config: &Config, s: &Section, diags: &mut Vec<Diagnostic>) {
    // HAProxy adds the lines of a userlist declared again to the first one.
    let same: Vec<&Section> = config
        .sections
        .iter()
        .filter(|u| {
            u.kind == SectionKind::Userlist
                && u.name.as_ref().map(|n| &n.value) == s.name.as_ref().map(|n| &n.value)
        })
        .collect();
    if !same.first().is_some_and(|f| std::ptr::eq(*f, s)) {
        return;
    }
    let all: Vec<_> = same.iter().flat_map(|u| u.statements.iter()).collect();
    let declared = |kw: &str, name: &str| {
        all.iter()
            .any(|st| st.keyword() == kw && st.word(1) == Some(name))
    };
    for (k, st) in all.iter().enumerate() {
        let kw = st.keyword();
        let (options, list_option, other): (&[&str], &str, &str) = match kw {
            "user" => (
                &["password", "insecure-password", "groups"],
                "groups",
                "group",
            ),
            "group" => (&["users"], "users", "user"),
            _ => continue,
        };
        let name = st.word(1).unwrap_or("");
        // HAProxy ignores a second user or group of the same name.
        if all
            .iter()
            .take(k)
            .any(|d| d.keyword() == kw && d.word(1) == Some(name))
        {
            diags.push(
                Diagnostic::warning(
                    "H0539",
                    format!(
                        "ignoring duplicated {kw} '{name}' in userlist '{}'",
                        name_of(s)
                    ),
                )
                .with_label(st.span(), "declared before in this userlist")
                .with_help(format!("remove this line or rename the {kw}")),
            );
            continue;
        }
        let mut i = 2;
        while let Some(w) = st.get(i) {
            if !options.contains(&w.value) {
                let msg = if kw == "user" {
                    "'user' only supports 'password', 'insecure-password' and 'groups' options"
                } else {
                    "'group' only supports 'users' option"
                };
                diags.push(section_error(
                    "H0535",
                    msg.to_owned(),
                    w.span,
                    "see section 3.4 of the manual (userlists)",
                ));
                break;
            }
            if w.value == list_option {
                if let Some(list) = st.get(i + 1) {
                    let missing = list
                        .value
                        .split(',')
                        .find(|n| !n.is_empty() && !declared(other, n));
                    if let Some(n) = missing {
                        diags.push(section_error(
                            "H0536",
                            format!(
                                "userlist '{}': no such {other} '{n}' specified in {kw} '{}'",
                                name_of(s),
                                st.word(1).unwrap_or("")
                            ),
                            list.span,
                            &format!("declare '{other} {n}' in the userlist"),
                        ));
                    }
                }
            }
            i += 2;
        }
    }
}

/// A peers section lists its peers with `peer`, or with `bind` and
/// `server` lines, not both.
fn peers(s: &Section, diags: &mut Vec<Diagnostic>) {
    for st in s.statements.iter().filter(|st| st.keyword() == "peer") {
        let Some(addr) = st.get(2) else { continue };
        let ok = super::values::parse_address(addr.value, false).is_ok_and(|a| match a.host {
            Host::Name(n) => n == "localhost" || super::samples::ipv4_short(&n),
            _ => true,
        });
        if !ok {
            diags.push(section_error(
                "H0544",
                format!(
                    "peer '{}' : invalid address: '{}'",
                    st.word(1).unwrap_or(""),
                    addr.value
                ),
                addr.span,
                "write 'peer NAME ADDRESS:PORT'",
            ));
        }
    }
    let has = |k: &str| s.statements.iter().find(|st| st.keyword() == k);
    if let (Some(_), Some(bind)) = (has("peer"), has("bind")) {
        diags.push(section_error(
            "H0542",
            "mixing \"peer\" and \"bind\" line is forbidden".to_owned(),
            bind.span(),
            "declare the local peer with 'peer', or use 'bind' with 'server' lines only",
        ));
    }
}

/// `mailer NAME ADDRESS:PORT` and `timeout mail TIME`.
fn mailers(s: &Section, diags: &mut Vec<Diagnostic>) {
    for st in s.statements.iter() {
        match st.keyword() {
            "mailer" => {
                let (Some(name), Some(addr)) = (st.get(1), st.get(2)) else {
                    diags.push(section_error(
                        "H0537",
                        "'mailer' expects <name> and <addr>[:<port>] as arguments".to_owned(),
                        st.span(),
                        "e.g. 'mailer smtp1 127.0.0.1:25'",
                    ));
                    continue;
                };
                let has_port =
                    super::values::parse_address(addr.value, false).is_ok_and(|a| a.port.is_some());
                if !has_port {
                    diags.push(section_error(
                        "H0537",
                        format!(
                            "'mailer {}' : missing port specification in '{}'",
                            name.value, addr.value
                        ),
                        addr.span,
                        "write the mail server as ADDRESS:PORT, e.g. 127.0.0.1:25",
                    ));
                }
            }
            "timeout" => {
                let bad = match (st.word(1), st.get(2)) {
                    (Some("mail"), Some(t)) => super::values::parse_time(t.value, 1)
                        .err()
                        .map(|e| (format!("{e} in argument to <timeout mail>"), t.span)),
                    (Some("mail"), None) => Some((
                        "'timeout mail' expects <time> as argument".to_owned(),
                        st.span(),
                    )),
                    (other, _) => Some((
                        format!(
                            "'timeout' expects 'mail' and <time> as arguments got '{}'",
                            other.unwrap_or("")
                        ),
                        st.span(),
                    )),
                };
                if let Some((msg, at)) = bad {
                    diags.push(section_error("H0538", msg, at, "e.g. 'timeout mail 10s'"));
                }
            }
            _ => {}
        }
    }
}

/// `user NAME` and `group NAME` in a program section take one argument.
fn program(s: &Section, diags: &mut Vec<Diagnostic>) {
    for st in s.statements.iter() {
        let kw = st.keyword();
        if matches!(kw, "user" | "group") {
            if let Some(extra) = st.get(2) {
                diags.push(section_error(
                    "H0546",
                    format!("'{kw}' cannot handle unexpected argument '{}'", extra.value),
                    extra.span,
                    &format!("a program's '{kw}' takes one name"),
                ));
            }
        }
    }
}

/// `timeout retry|resolve <time>` in a resolvers section.
fn resolvers_timeouts(s: &Section, diags: &mut Vec<Diagnostic>) {
    for st in s.statements.iter().filter(|st| st.keyword() == "timeout") {
        let bad = match (st.word(1), st.get(2)) {
            (Some("retry" | "resolve"), Some(t)) => super::values::parse_time(t.value, 1)
                .err()
                .map(|e| (format!("{e} in argument to 'timeout'"), t.span)),
            (w, _) => Some((
                format!(
                    "'timeout' expects 'retry' or 'resolve' and <time> as arguments got '{}'",
                    w.unwrap_or("")
                ),
                st.span(),
            )),
        };
        if let Some((msg, at)) = bad {
            diags.push(section_error("H0545", msg, at, "e.g. 'timeout resolve 1s'"));
        }
    }
}

/// `hold <event> <time>` in a resolvers section.
fn holds(s: &Section, diags: &mut Vec<Diagnostic>) {
    const EVENTS: &[&str] = &["nx", "other", "refused", "timeout", "valid", "obsolete"];
    for st in s.statements.iter().filter(|st| st.keyword() == "hold") {
        let bad = match (st.get(1), st.get(2)) {
            (Some(e), _) if !EVENTS.contains(&e.value) => Some((
                format!(
                    "'hold' unknown <event>: '{}', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'",
                    e.value
                ),
                e.span,
            )),
            (Some(_), Some(t)) => super::values::parse_time(t.value, 1)
                .err()
                .map(|e| (format!("{e} in argument to <hold>"), t.span)),
            _ => Some((
                "'hold' expects an <event> and a <time> as arguments".to_owned(),
                st.span(),
            )),
        };
        if let Some((msg, at)) = bad {
            diags.push(section_error("H0545", msg, at, "e.g. 'hold valid 10s'"));
        }
    }
}

/// `nameserver NAME ADDRESS`: a name once per resolvers section, an IP
/// address and port.
fn nameservers(s: &Section, diags: &mut Vec<Diagnostic>) {
    let mut names = HashMap::new();
    for st in s
        .statements
        .iter()
        .filter(|st| st.keyword() == "nameserver")
    {
        let name = st.get(1);
        if let Some(name) = &name {
            if let Some(&first) = names.get(name.value) {
                diags.push(
                    Diagnostic::error(
                        "H0549",
                        format!(
                            "nameserver '{}' has same name as another nameserver",
                            name.value
                        ),
                    )
                    .with_label(name.span, "a second nameserver of this name")
                    .with_label(first, "declared here first")
                    .with_help("give each nameserver of a resolvers section its own name"),
                );
                continue;
            }
        }
        let Some(addr) = st.get(2) else {
            continue;
        };
        let ok = super::values::parse_address(addr.value, true)
            .is_ok_and(|a| matches!(a.host, Host::Ip(_)));
        if !ok {
            diags.push(
                Diagnostic::error(
                    "H0525",
                    format!(
                        "'nameserver {}' : invalid address: '{}'",
                        st.word(1).unwrap_or(""),
                        addr.value
                    ),
                )
                .with_label(addr.span, "an IP address and port are needed")
                .with_help("write the name server as IP:PORT, e.g. 127.0.0.1:53"),
            );
        } else if let Some(name) = name {
            names.insert(name.value, name.span);
        }
    }
}

/// Each proxy's `stick-table` is named after the proxy, so a second one in
/// the same proxy, or one in a frontend and one in a backend of the same
/// name, conflict.
pub(crate) fn stick_tables(config: &Config, facts: &Facts, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Section> = HashMap::new();
    for &(i, k) in &facts.stick_tables {
        let Some(s) = config.sections.get(i).filter(|s| s.kind.is_proxy()) else {
            continue;
        };
        let (Some(name), Some(st)) = (&s.name, s.statements.get(k)) else {
            continue;
        };
        match seen.get(name.value.as_str()) {
            Some(first) => diags.push(
                Diagnostic::error(
                    "H0532",
                    format!(
                        "stick-table name '{}' conflicts with table declared in {} '{}'",
                        name.value,
                        first.kind.keyword(),
                        name_of(first)
                    ),
                )
                .with_label(st.span(), "a second table of this name")
                .with_help(
                    "a proxy has at most one stick-table, named after it; declare more in a \
                     'peers' section ('table NAME ...') or in a dedicated backend",
                ),
            ),
            None => {
                seen.insert(name.value.as_str(), s);
            }
        }
    }
}

/// Pattern files (`acl ... -f FILE`, also in anonymous ACLs) and map
/// files (`map*(FILE)` converters): HAProxy reads them while parsing, so a
/// missing file, or a line it cannot parse, is fatal.
pub(crate) fn pattern_files(
    config: &Config,
    facts: &Facts,
    base: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) {
    let statements = facts
        .pattern_files
        .iter()
        .filter_map(|&(s, k)| config.sections.get(s)?.statements.get(k));
    for st in statements {
        let words: Vec<_> = st.words().collect();
        let texts: Vec<&str> = words.iter().map(|w| w.value).collect();
        // The ACLs: the `acl` statement's, then those between braces.
        let mut acls: Vec<(usize, usize)> = Vec::new();
        if texts[0] == "acl" && texts.len() > 2 {
            acls.push((2, texts.len()));
        }
        let mut i = 0;
        while let Some(open) = texts[i..]
            .iter()
            .position(|t| t.trim_start_matches('!') == "{")
        {
            let from = i + open + 1;
            let len = texts[from..]
                .iter()
                .position(|t| *t == "}")
                .unwrap_or(texts.len() - from);
            acls.push((from, from + len));
            i = from + len;
        }
        for (from, to) in acls {
            let Ok(found) = super::samples::acl(&texts[from..to]) else {
                continue;
            };
            for f in &found.files {
                let at = words[from..to]
                    .iter()
                    .position(|w| w.value == "-f")
                    .map_or(words[from].span, |p| words[(from + p + 1).min(to - 1)].span);
                let checked = read(base, f).and_then(|text| {
                    super::samples::pattern_file(f, &text, found.method, found.caseless)
                });
                if let Err(e) = checked {
                    diags.push(file_error(
                        &format!("error detected while parsing ACL : {e}"),
                        at,
                    ));
                }
            }
        }
        // In HTTP rules, a `%[...]` word is read only where the action
        // takes a log-format (not as a header name).
        let formats = matches!(
            texts[0],
            "http-request" | "http-response" | "http-after-response"
        )
        .then(|| super::rules::format_positions(texts.get(1).copied().unwrap_or(""), &texts[1..]));
        for (k, w) in words.iter().enumerate() {
            let not_format = formats
                .as_ref()
                .is_some_and(|f| !k.checked_sub(1).is_some_and(|a| f.contains(&a)));
            if not_format && w.value.contains("%[") {
                continue;
            }
            for (conv, f) in super::samples::map_files(w.value) {
                let checked =
                    read(base, f).and_then(|text| super::samples::map_file(conv, f, &text));
                if let Err(e) = checked {
                    diags.push(file_error(
                        &format!("invalid args in converter '{conv}' : {e}"),
                        w.span,
                    ));
                }
            }
        }
    }
}

/// `lua-load` and `lua-load-per-thread` files: HAProxy loads them while it
/// parses, so a file it cannot open or compile is fatal. A `lua.NAME`
/// fetch, converter, action or service must be one the scripts register
/// (read from their `core.register_*("NAME", ...)` calls; any name is
/// accepted when a script computes one).
pub(crate) fn lua(
    config: &Config,
    facts: &Facts,
    base: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) {
    let loads: Vec<_> = config
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::Global)
        .flat_map(|s| s.statements.iter())
        .filter(|st| matches!(st.keyword(), "lua-load" | "lua-load-per-thread"))
        .collect();
    // The lua.NAMEs the scripts register, when they name them literally.
    let mut known: Option<Vec<String>> = Some(Vec::new());
    for st in &loads {
        let Some(file) = st.get(1) else { continue };
        let path = base.map_or_else(
            || Path::new(file.value).to_path_buf(),
            |b| b.join(file.value),
        );
        let failed = match std::fs::read(&path) {
            Err(_) => Some((
                format!("'{}' : cannot open '{}'", st.keyword(), file.value),
                "name an existing file",
            )),
            Ok(bytes) => {
                match (known.as_mut(), super::lua::registered(&bytes)) {
                    (Some(k), Some(names)) => k.extend(names),
                    _ => known = None,
                }
                super::lua::compile(file.value, &bytes).err().map(|e| {
                    (
                        format!("error in Lua file '{}': {e}", file.value),
                        "fix the Lua syntax (HAProxy runs Lua 5.3)",
                    )
                })
            }
        };
        if let Some((msg, help)) = failed {
            diags.push(
                Diagnostic::error("H0454", msg)
                    .with_label(file.span, "this Lua file")
                    .with_help(help),
            );
        }
    }
    let known = if loads.is_empty() {
        Some(Vec::new())
    } else {
        known
    };
    let Some(known) = known else {
        // A script registers a name it computes: any lua.NAME may exist.
        return;
    };
    let statements = facts
        .lua_names
        .iter()
        .filter_map(|&(s, k)| Some((config.sections.get(s)?, k)))
        .filter(|(s, _)| s.proxy.is_some())
        .filter_map(|(s, k)| s.statements.get(k));
    for st in statements {
        let found = st.words().find_map(|w| {
            super::samples::lua_names(w.value)
                .find(|n| {
                    !known
                        .iter()
                        .any(|k| Some(k.as_str()) == n.strip_prefix("lua."))
                })
                .map(|n| (w, n))
        });
        if let Some((w, name)) = found {
            diags.push(
                Diagnostic::error(
                    "H0534",
                    format!("'{name}' is unknown: no 'lua-load' registers it"),
                )
                .with_label(w.span, "a name only a Lua script registers")
                .with_help(
                    "load the script that registers it with 'lua-load FILE' in the global section",
                ),
            );
        }
    }
}

/// The text of pattern file `name` (relative to `base`), or HAProxy's
/// message when it cannot be read.
fn read(base: Option<&Path>, name: &str) -> Result<String, String> {
    let path = base.map_or_else(|| Path::new(name).to_path_buf(), |b| b.join(name));
    match std::fs::read(&path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if path.is_dir() || e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("error encountered while reading  <{name}> : {e}"))
        }
        Err(_) => Err(format!("failed to open pattern file <{name}>")),
    }
}

fn file_error(msg: &str, at: crate::source::Span) -> Diagnostic {
    Diagnostic::error("H0533", msg.to_owned())
        .with_label(at, "this file")
        .with_help(
            "HAProxy reads pattern and map files when it loads the configuration; relative \
             paths are relative to its working directory",
        )
}

/// `errorfile <code> <file>` (proxies and `http-errors`): HAProxy reads the
/// file while parsing, so a missing one is fatal.
pub(crate) fn errorfiles(
    config: &Config,
    facts: &Facts,
    base: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) {
    let statements = facts
        .errorfiles
        .iter()
        .filter_map(|&(s, k)| config.sections.get(s)?.statements.get(k));
    for st in statements {
        let (Some(code), Some(file)) = (st.get(1), st.get(2)) else {
            continue;
        };
        if !ERROR_CODES.contains(&code.value) {
            diags.push(
                Diagnostic::error(
                    "H0517",
                    format!("errorfile : status code '{}' not handled", code.value),
                )
                .with_label(code.span, "no error page for this status")
                .with_help(format!(
                    "HAProxy has error pages for {}",
                    ERROR_CODES.join(", ")
                )),
            );
            continue;
        }
        let path = base.map_or_else(
            || Path::new(&file.value).to_path_buf(),
            |b| b.join(file.value),
        );
        if !path.is_file() {
            diags.push(
                Diagnostic::error(
                    "H0514",
                    format!("errorfile : error opening file '{}'", file.value),
                )
                .with_label(file.span, "no such file")
                .with_help(
                    "HAProxy reads error files when it loads the configuration; fix the path",
                ),
            );
        }
    }
}

/// What the cross-reference checks look up, gathered once for the whole
/// configuration.
pub(crate) struct Names<'c> {
    /// Userlist names.
    userlists: HashSet<&'c str>,
    /// Names of proxies (not defaults) that declare a stick table.
    tables: HashSet<&'c str>,
    /// Tables of `peers` sections, as `PEERS/TABLE`.
    peers_tables: HashSet<String>,
}

impl<'c> Names<'c> {
    pub(crate) fn of(config: &'c Config, facts: &Facts) -> Names<'c> {
        let mut names = Names {
            userlists: HashSet::new(),
            tables: HashSet::new(),
            peers_tables: HashSet::new(),
        };
        for (i, s) in config.sections.iter().enumerate() {
            let Some(n) = &s.name else { continue };
            if s.kind == SectionKind::Userlist {
                names.userlists.insert(n.value.as_str());
            } else if s.kind == SectionKind::Peers {
                for t in s.statements.iter().filter(|st| st.keyword() == "table") {
                    if let Some(t) = t.word(1) {
                        names.peers_tables.insert(format!("{}/{t}", n.value));
                    }
                }
            } else if s.proxy.is_some()
                && s.kind != SectionKind::Defaults
                && facts.section(i).stick_table
            {
                names.tables.insert(n.value.as_str());
            }
        }
        names
    }

    /// Whether a stick table of this name exists.
    fn table(&self, name: &str) -> bool {
        self.tables.contains(name) || self.peers_tables.contains(name)
    }
}

/// `use-server` names a server of the same proxy; `track-scN` and `table`
/// arguments name a proxy with a stick table (its own by default);
/// `http_auth(<userlist>)` names a userlist.
pub(crate) fn cross_references(
    config: &Config,
    facts: &Facts,
    names: &Names<'_>,
    i: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let s = &config.sections[i];
    let Some(p) = &s.proxy else { return };
    let has_table = facts.section(i).stick_table;
    for st in facts
        .section(i)
        .xref
        .iter()
        .filter_map(|&k| s.statements.get(k))
    {
        let w: Vec<_> = st.words().collect();
        if w[0].value == "use-server" {
            if let Some(target) = w.get(1) {
                if !p.servers.iter().any(|x| x.name.value == target.value) {
                    diags.push(
                        Diagnostic::error(
                            "H0528",
                            format!(
                                "proxy '{}' : unable to find server '{}' referenced in a 'use-server' rule",
                                name_of(s),
                                target.value
                            ),
                        )
                        .with_label(target.span, "no server of this proxy has this name")
                        .with_help("name a server declared in the same section"),
                    );
                }
            }
        }
        // A frontend ignores stick rules (with a warning).
        if w[0].value == "stick" && s.kind != SectionKind::Frontend {
            // A stick rule's table: its own, or the one `table` names.
            let table = w
                .iter()
                .position(|x| x.value == "table")
                .and_then(|p| w.get(p + 1));
            let (name, ok) = match table {
                Some(n) => (n.value, names.table(n.value)),
                None => (name_of(s), has_table),
            };
            if !ok {
                diags.push(
                    Diagnostic::error(
                        "H0540",
                        format!(
                            "Proxy '{}': unable to find stick-table '{name}'",
                            name_of(s)
                        ),
                    )
                    .with_label(table.map_or(w[0].span, |t| t.span), "no stick-table there")
                    .with_help("declare a stick-table in this proxy, or name one with 'table'"),
                );
            }
        }
        let track = w
            .iter()
            .position(|x| matches!(super::rules::track_sc(x.value), Some(Ok(_))));
        if let Some(t) = track.filter(|t| *t >= 1) {
            let table = w
                .iter()
                .skip(t)
                .position(|x| x.value == "table")
                .and_then(|p| w.get(t + p + 1));
            let (name, ok) = match table {
                Some(n) => (n.value, names.table(n.value)),
                None => (name_of(s), has_table),
            };
            if !ok {
                diags.push(
                    Diagnostic::error(
                        "H0529",
                        format!(
                            "unable to find table '{name}' referenced by track-sc{}",
                            super::rules::track_sc(w[t].value)
                                .and_then(Result::ok)
                                .unwrap_or(0)
                        ),
                    )
                    .with_label(w[t].span, "no stick-table there")
                    .with_help("declare a stick-table in that proxy, or name one with 'table'"),
                );
            }
        }
        // In a backend the slots are the frontend's, known only at run time.
        if s.kind != SectionKind::Backend
            && matches!(w[0].value, "http-request" | "http-response")
            && w.get(1).is_some_and(|a| a.value == "capture")
        {
            let dir = if w[0].value == "http-request" {
                "request"
            } else {
                "response"
            };
            let declared = s
                .statements
                .iter()
                .filter(|d| {
                    // `capture request header` lines take slots too.
                    (d.keyword() == "declare"
                        && d.word(1) == Some("capture")
                        && d.word(2) == Some(dir))
                        || (d.keyword() == "capture"
                            && d.word(1) == Some(dir)
                            && d.word(2) == Some("header"))
                })
                .count();
            let id = w
                .iter()
                .position(|x| x.value == "id")
                .and_then(|p| w.get(p + 1));
            if let Some(id) = id {
                let n: usize = id.value.parse().unwrap_or(usize::MAX);
                if n >= declared {
                    diags.push(
                        Diagnostic::error(
                            "H0531",
                            format!(
                                "unable to find capture id '{}' referenced by {} capture rule",
                                id.value, w[0].value
                            ),
                        )
                        .with_label(id.span, "no such capture slot")
                        .with_help(format!("declare it with 'declare capture {dir} len N'")),
                    );
                }
            }
        }
        for x in w.iter().filter(|x| x.value.contains('(')) {
            let mut rest = x.value;
            while let Some(pos) = rest.find("http_auth(") {
                let after = &rest[pos + 10..];
                let name = after.split([')', ',']).next().unwrap_or("");
                if !names.userlists.contains(name) {
                    diags.push(
                        Diagnostic::error(
                            "H0530",
                            format!("unable to find userlist '{name}' referenced by http_auth in proxy '{}'", name_of(s)),
                        )
                        .with_label(x.span, "no such userlist")
                        .with_help("declare 'userlist NAME' with its users"),
                    );
                }
                rest = after;
            }
        }
    }
}
