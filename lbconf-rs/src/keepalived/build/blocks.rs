//! The less common top-level blocks, checked value by value as keepalived
//! 2.2.7 reads them: `static_ipaddress`, `static_routes`, `static_rules`
//! (and an instance's `virtual_routes`/`virtual_rules`, read by the same
//! parsers), `linkbeat_interfaces`, `track_group`, `garp_group`,
//! `vrrp_track_process` and `bfd_instance`.
//!
//! These blocks are kept raw in [`Config::other`]; [`check`] reads them after
//! the model is built, in file order (a `track_group` must come before the
//! entries that name it), because some rules depend on the host:
//!
//! - interfaces (`dev`, `oif`, `iif`, `linkbeat_interfaces`, `garp_group`,
//!   the default interface of a static address without `dev`) must exist,
//!   as for the instances' interfaces (`Options::interfaces`, the host's by
//!   default); `global_defs { dynamic_interfaces }` lets keepalived accept
//!   interfaces that do not exist yet. A route's `vrf NAME` must also be a
//!   VRF, which a list of names cannot tell: any existing interface passes;
//! - names of routing tables, protocols, scopes, realms, DS fields and
//!   interface groups are looked up as keepalived does: a number, or a name
//!   from `/etc/iproute2/FILE` and `/etc/iproute2/FILE.d/*.conf`, plus
//!   keepalived's built-in names (`main`, `local`, `default`; `kernel`,
//!   `static`, ...; `global`, `link`, `host`, ...).
//!
//! keepalived drops an entry at its first fatal problem and reads on after
//! the others; both fail `keepalived -t`, and so are errors here, except
//! the host-dependent "does not exist" ones, which are warnings like the
//! instances' (K0214).

use std::collections::HashMap;
use std::iter;
use std::net::{IpAddr, Ipv4Addr};

use super::super::keywords as kw;
use super::super::model::{Config, Setting, Spanned};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

type W = Spanned<String>;

/// The top-level blocks checked here.
const BLOCKS: &[&str] = &[
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "linkbeat_interfaces",
    "track_group",
    "garp_group",
    "vrrp_track_process",
    "bfd_instance",
];
/// The blocks of values (one entry a line), which take no name.
const VALUE_BLOCKS: &[&str] = &[
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "linkbeat_interfaces",
];
const TRACK_GROUP: &[&str] = &["group"];
const GARP_GROUP: &[&str] = &["garp_interval", "gna_interval", "interface", "interfaces"];
const TRACK_PROCESS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "terminate_delay",
    "fork_delay",
    "full_command",
];
const BFD: &[&str] = &[
    "source_ip",
    "neighbor_ip",
    "neighbour_ip",
    "min_rx",
    "min_tx",
    "idle_tx",
    "multiplier",
    "passive",
    "ttl",
    "hoplimit",
    "max_hops",
    "weight",
    "vrrp",
    "checker",
];

/// Checks the blocks of [`OWN`] in `c.other` and the instances'
/// `virtual_routes`/`virtual_rules`.
pub(crate) fn check(c: &Config, interfaces: Option<&[String]>, diags: &mut Vec<Diagnostic>) {
    let globals = || c.global_defs.iter().flat_map(|g| &g.settings);
    let mut cx = Cx {
        ifs: interfaces,
        dynamic: globals().any(|s| s.keyword.value == "dynamic_interfaces"),
        default_if: globals()
            .filter(|s| s.keyword.value == "default_interface")
            .filter_map(|s| s.args.first())
            .next_back()
            .map_or_else(|| "eth0".to_owned(), |a| a.value.clone()),
        names: HashMap::new(),
        track_groups: Vec::new(),
        garp_ifs: Vec::new(),
        bfds: Vec::new(),
        diags,
    };
    // Where the other top-level statements start, to tell whether a block
    // keyword without its block is followed by another statement.
    let tops: Vec<Span> = c
        .global_defs
        .iter()
        .map(|g| g.span)
        .chain(c.vrrp_scripts.iter().map(|s| s.name.span))
        .chain(c.track_files.iter().map(|t| t.name.span))
        .chain(c.sync_groups.iter().map(|g| g.name.span))
        .chain(c.instances.iter().map(|i| i.name.span))
        .chain(c.virtual_server_groups.iter().map(|g| g.name.span))
        .chain(c.virtual_servers.iter().map(|v| v.target.span))
        .collect();
    for (n, s) in c.other.iter().enumerate() {
        let followed = n + 1 < c.other.len()
            || tops
                .iter()
                .any(|t| t.file == s.span.file && t.start > s.span.start);
        if s.block.is_none() && followed && BLOCKS.contains(&s.keyword.value.as_str()) {
            let k = &s.keyword.value;
            cx.diags.push(
                Diagnostic::error("K0106", format!("`{k}` needs a {{ ... }} block"))
                    .with_label(
                        s.keyword.span,
                        "keepalived misses its `{` and reads the next statement as its block",
                    )
                    .with_help(format!("write `{k} ... {{` and close it with `}}`")),
            );
        }
        cx.no_nested_blocks(s);
        if VALUE_BLOCKS.contains(&s.keyword.value.as_str()) {
            cx.no_words_before_block(s);
        }
        let entries = || s.block.iter().flatten();
        match s.keyword.value.as_str() {
            "static_ipaddress" => entries().for_each(|e| cx.address(e)),
            "static_routes" => entries().for_each(|e| cx.route(e, true)),
            "static_rules" => entries().for_each(|e| cx.rule(e, true)),
            "linkbeat_interfaces" => entries().for_each(|e| cx.linkbeat(e)),
            "track_group" => cx.track_group(s),
            "garp_group" => cx.garp_group(s),
            "vrrp_track_process" => cx.track_process(s),
            "bfd_instance" => cx.bfd(s),
            _ => {}
        }
    }
    for i in &c.instances {
        for x in &i.settings {
            let entries = x.block.iter().flatten();
            match x.keyword.value.as_str() {
                "virtual_routes" => {
                    cx.no_words_before_block(x);
                    cx.no_nested_blocks(x);
                    entries.for_each(|e| cx.route(e, false));
                }
                "virtual_rules" => {
                    cx.no_words_before_block(x);
                    cx.no_nested_blocks(x);
                    entries.for_each(|e| cx.rule(e, false));
                }
                _ => {}
            }
        }
    }
}

/// An address family as keepalived's parsers track it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fam {
    Unspec,
    V4,
    V6,
}

impl Fam {
    fn name(self) -> &'static str {
        match self {
            Fam::Unspec => "any family",
            Fam::V4 => "IPv4",
            Fam::V6 => "IPv6",
        }
    }
}

struct Cx<'a> {
    ifs: Option<&'a [String]>,
    dynamic: bool,
    default_if: String,
    /// The `/etc/iproute2` files read so far.
    names: HashMap<&'static str, Vec<(u32, String)>>,
    /// The `track_group` names defined so far.
    track_groups: Vec<String>,
    /// The interfaces a `garp_group` has named so far.
    garp_ifs: Vec<String>,
    /// The `bfd_instance` names and neighbours so far.
    bfds: Vec<(String, Option<IpAddr>)>,
    diags: &'a mut Vec<Diagnostic>,
}

/// The words of an entry: its keyword, then its arguments.
fn words(e: &Setting) -> Vec<&W> {
    iter::once(&e.keyword).chain(&e.args).collect()
}

impl Cx<'_> {
    fn error(&mut self, code: &'static str, at: Span, message: String, label: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(code, message)
                .with_label(at, label.to_owned())
                .with_help(help.to_owned()),
        );
    }

    /// The word after `w[i]`, or a report that keepalived found none.
    fn value<'w>(&mut self, w: &[&'w W], i: usize) -> Option<&'w W> {
        if let Some(v) = w.get(i + 1) {
            return Some(v);
        }
        let k = w[i];
        self.error(
            "K0277",
            k.span,
            format!("`{}` needs a value", k.value),
            "keepalived: missing a parameter after this keyword",
            &format!("write `{} VALUE`, or remove it", k.value),
        );
        None
    }

    /// Whether interface `w` exists (or may: no interface list, or
    /// `dynamic_interfaces`); reports it when not.
    fn interface(&mut self, w: &W, what: &str) -> bool {
        let Some(ifs) = self.ifs else {
            return true;
        };
        if self.dynamic || ifs.contains(&w.value) {
            return true;
        }
        self.diags.push(
            Diagnostic::warning(
                "K0194",
                format!("interface {} for {what} does not exist", w.value),
            )
            .with_label(
                w.span,
                "no such interface on this host: keepalived ignores the entry",
            )
            .with_help(format!(
                "this host has: {} (or set `dynamic_interfaces` in global_defs)",
                ifs.join(", ")
            )),
        );
        false
    }

    /// Looks `name` up as keepalived's `find_entry` does: a number (any
    /// base, truncated to 32 bits) up to `max`, or a name of `file` (or of
    /// the built-in `defaults`).
    fn lookup(&mut self, name: &str, file: &'static str, max: u32) -> Option<u32> {
        if let Some(v) = strtoul_full(name) {
            #[allow(clippy::cast_possible_truncation)]
            let v = v as u32;
            return (v <= max).then_some(v);
        }
        let list = self
            .names
            .entry(file)
            .or_insert_with(|| rt_names(file, max));
        list.iter().find(|(_, n)| n == name).map(|(id, _)| *id)
    }

    /// `value` looked up in `file`, reported with `what` when not found.
    fn named(&mut self, v: &W, file: &'static str, max: u32, what: &str) -> Option<u32> {
        let found = self.lookup(&v.value, file, max);
        if found.is_none() {
            let numeric = v
                .value
                .starts_with(|c: char| c.is_ascii_digit() || c == '-');
            self.error(
                "K0197",
                v.span,
                format!("{what} `{}` is not known", v.value),
                "keepalived ignores the entry",
                &if numeric {
                    format!("use a number up to {max}")
                } else {
                    format!("use a number up to {max}, or a name from /etc/iproute2/{file}")
                },
            );
        }
        found
    }

    /// `realms FROM/TO` or `realms TO`, names from rt_realms.
    fn realms(&mut self, v: &W) -> bool {
        let ok = v
            .value
            .split('/')
            .enumerate()
            .all(|(i, r)| i < 2 && self.lookup(r, "rt_realms", 255).is_some());
        if !ok {
            self.error(
                "K0197",
                v.span,
                format!("realms `{}` is not known", v.value),
                "keepalived ignores the entry",
                "use REALM or FROM/TO, each a number up to 255 or a name from /etc/iproute2/rt_realms",
            );
        }
        ok
    }

    /// A bad value for `k`: the problem, keepalived's reaction and a help.
    /// `drops`: keepalived drops the whole entry, not only the value.
    fn bad(&mut self, code: &'static str, k: &W, v: &W, expected: &str, drops: bool) {
        let mut help = format!("write `{} {expected}", k.value);
        if help.matches('`').count() % 2 == 1 {
            help.push('`');
        }
        let label = if drops {
            "keepalived ignores the entry"
        } else {
            "keepalived ignores the value"
        };
        self.error(
            code,
            v.span,
            format!("`{}` is not a valid {} value", v.value, k.value),
            label,
            &help,
        );
    }

    /// `parse_ipaddress`: `ADDR[/PREFIX]` (the family is IPv6 when it has a
    /// `:`); `None` when it is no address. A bad prefix is reported (and
    /// keepalived uses the full length).
    fn address_of(&mut self, w: &W, subnet: bool, code: &'static str, what: &str) -> Option<Fam> {
        let fam = if w.value.contains(':') {
            Fam::V6
        } else {
            Fam::V4
        };
        let full: u64 = if fam == Fam::V6 { 128 } else { 32 };
        let (addr, prefix) = match w.value.split_once('/') {
            Some((a, p)) if subnet => (a, Some(p)),
            _ => (w.value.as_str(), None),
        };
        let ok = match fam {
            Fam::V6 => addr.parse::<std::net::Ipv6Addr>().is_ok(),
            _ => addr.parse::<Ipv4Addr>().is_ok(),
        };
        if !ok {
            self.error(
                code,
                w.span,
                format!("`{}` is not a valid {what}", w.value),
                "keepalived ignores the entry",
                "write an IPv4 or IPv6 address, e.g. 198.18.0.1 or fd00::1",
            );
            return None;
        }
        if let Some(p) = prefix
            && read_unsigned(p, 0, full).is_none()
        {
            // A route's destination is a value like another.
            let code = if code == "K0196" { "K0195" } else { code };
            self.error(
                code,
                w.span,
                format!("prefix length /{p} is not valid for {addr}"),
                &format!("keepalived uses /{full}"),
                &format!("use a prefix length from 0 to {full}"),
            );
        }
        Some(fam)
    }

    /// `parse_route`: an address or `default`/`any`/`all`/`default6`.
    fn route_address(&mut self, w: &W, code: &'static str, what: &str) -> Option<Fam> {
        match w.value.as_str() {
            "default" | "any" | "all" => Some(Fam::Unspec),
            "default6" => Some(Fam::V6),
            _ => self.address_of(w, true, code, what),
        }
    }

    /// A `track_group NAME` option: the group must be defined before.
    fn track_group_ref(&mut self, v: &W) {
        if !self.track_groups.contains(&v.value) {
            self.error(
                "K0204",
                v.span,
                format!("track_group {} is not defined before this entry", v.value),
                "keepalived: track_group not found",
                "define `track_group NAME { group { INSTANCE } }` earlier in the file",
            );
        }
    }

    /// A note on a word keepalived steps over without reading it (after
    /// `inet`/`inet6`); what it means for the entry is reported as it comes.
    fn skipped(&mut self, skipped: &W, after: &W) {
        let mut d = Diagnostic::warning(
            "K0279",
            format!(
                "keepalived skips `{}` after `{}`",
                skipped.value, after.value
            ),
        )
        .with_label(skipped.span, "keepalived does not read this word")
        .with_help(format!(
            "put `{}` at the end of the entry, or leave it out: the addresses give the family",
            after.value
        ));
        d.severity = crate::diagnostic::Severity::Note;
        self.diags.push(d);
    }

    fn mixed(&mut self, code: &'static str, at: &W, was: Fam, now: Fam, what: &str) {
        self.error(
            code,
            at.span,
            format!(
                "{what} mixes {} and {} (at `{}`)",
                was.name(),
                now.name(),
                at.value
            ),
            "keepalived ignores the entry",
            "use addresses of one family in an entry",
        );
    }
}

/// Static addresses (`alloc_ipaddress` of a static address).
impl Cx<'_> {
    fn address(&mut self, e: &Setting) {
        const C: &str = "K0193";
        let w = words(e);
        let addr = w[0];
        let Some(fam) = self.address_of(addr, true, C, "static address") else {
            return;
        };
        let full = if fam == Fam::V6 { 128 } else { 32 };
        let mut prefix = addr
            .value
            .split_once('/')
            .and_then(|(_, p)| read_unsigned(p, 0, full))
            .unwrap_or(full);
        let (mut dev, mut peer, mut tg) = (false, false, false);
        let mut brd: Option<(&W, bool)> = None;
        let mut scope: Option<&W> = None;
        let mut label: Option<&W> = None;
        let mut i = 1;
        while i < w.len() {
            let k = w[i];
            let word = k.value.as_str();
            let takes = matches!(
                word,
                "dev"
                    | "scope"
                    | "broadcast"
                    | "brd"
                    | "label"
                    | "peer"
                    | "preferred_lft"
                    | "track_group"
            );
            if takes && i + 1 >= w.len() {
                self.error(
                    C,
                    k.span,
                    format!("`{word}` needs a value"),
                    "keepalived ignores the address",
                    &format!("write `{word} VALUE`, or remove it"),
                );
                return;
            }
            match word {
                "dev" if dev => {
                    self.error(
                        C,
                        k.span,
                        "a static address with two devices".into(),
                        "keepalived ignores the address",
                        "give one `dev` per address",
                    );
                    return;
                }
                "dev" => {
                    i += 1;
                    if !self.interface(w[i], "a static address") {
                        return;
                    }
                    dev = true;
                }
                "scope" => {
                    i += 1;
                    if self.lookup(&w[i].value, "rt_scopes", 255).is_none() {
                        self.error(
                            C,
                            w[i].span,
                            format!("`{}` is not a scope", w[i].value),
                            "keepalived ignores the scope",
                            "use global, site, link, host, nowhere or a number from 0 to 255",
                        );
                    } else {
                        scope = Some(k).filter(|_| self.lookup(&w[i].value, "rt_scopes", 255) != Some(0));
                    }
                }
                "broadcast" | "brd" => {
                    if fam == Fam::V6 {
                        self.error(
                            C,
                            k.span,
                            "an IPv6 address has no broadcast address".into(),
                            "keepalived ignores the address",
                            "remove the broadcast",
                        );
                        return;
                    }
                    i += 1;
                    let v = &w[i].value;
                    if v != "+" && v != "-" && v.parse::<Ipv4Addr>().is_err() {
                        self.error(
                            C,
                            w[i].span,
                            format!("`{v}` is not a broadcast address"),
                            "keepalived ignores the address",
                            "write an IPv4 address, `+` (all ones) or `-` (all zeros)",
                        );
                        return;
                    }
                    brd = Some((k, v == "+" || v == "-"));
                }
                "label" => {
                    i += 1;
                    label = Some(k);
                }
                "peer" => {
                    i += 1;
                    let v = w[i];
                    if peer {
                        self.error(
                            C,
                            v.span,
                            "a static address with two peers".into(),
                            "keepalived ignores the second peer",
                            "give one `peer` per address",
                        );
                        // keepalived reads the peer's address as an option.
                        continue;
                    }
                    match self.address_of(v, false, C, "peer address") {
                        None => {}
                        Some(f) if f != fam => self.error(
                            C,
                            v.span,
                            format!("peer {} is not of the address's family", v.value),
                            "keepalived ignores the peer",
                            "use a peer of the same family",
                        ),
                        Some(_) => {
                            if prefix != full {
                                self.error(
                                    C,
                                    addr.span,
                                    "a static address with a peer takes its prefix from the peer"
                                        .into(),
                                    "keepalived ignores the prefix",
                                    "write the address without a prefix",
                                );
                            }
                            peer = true;
                            prefix = full;
                        }
                    }
                }
                "preferred_lft" => {
                    i += 1;
                    let v = w[i];
                    if v.value != "forever" && read_unsigned(&v.value, 0, u32::MAX.into()).is_none()
                    {
                        self.error(
                            C,
                            v.span,
                            format!("`{}` is not a preferred_lft", v.value),
                            "keepalived ignores it",
                            "write `forever` or a number of seconds",
                        );
                    }
                }
                "track_group" if tg => {
                    self.error(
                        C,
                        w[i + 1].span,
                        "a static address with two track groups".into(),
                        "keepalived ignores the rest of the entry",
                        "give one `track_group` per address",
                    );
                    break;
                }
                "track_group" => {
                    i += 1;
                    self.track_group_ref(w[i]);
                    tg = true;
                }
                "home" | "-nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin" | "no_track" => {}
                _ => self.error(
                    C,
                    k.span,
                    format!("unknown option `{word}` for a static address"),
                    "keepalived ignores it",
                    "options are dev, scope, brd, label, peer, preferred_lft, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, track_group",
                ),
            }
            i += 1;
        }
        match brd {
            Some((at, _)) if peer => self.error(
                C,
                at.span,
                "a static address with both a peer and a broadcast address".into(),
                "keepalived ignores the broadcast address",
                "remove the broadcast address",
            ),
            Some((at, true)) if prefix > 30 => self.error(
                C,
                at.span,
                format!("no broadcast address for a /{prefix}"),
                "keepalived ignores it",
                "use `brd +` or `brd -` with a prefix of 30 or shorter",
            ),
            _ => {}
        }
        if !dev {
            let name = Spanned {
                value: self.default_if.clone(),
                span: addr.span,
            };
            if !self.interface(&name, "the static address (its default interface)") {
                return;
            }
        }
        if fam == Fam::V6 {
            for (at, what) in [(scope, "scope"), (label, "label")] {
                if let Some(at) = at {
                    self.error(
                        C,
                        at.span,
                        format!("an IPv6 address has no {what}"),
                        &format!("keepalived ignores the {what}"),
                        &format!("remove the {what}"),
                    );
                }
            }
        }
    }
}

/// Routes (`alloc_route`).
impl Cx<'_> {
    #[allow(clippy::too_many_lines)]
    fn route(&mut self, e: &Setting, allow_track_group: bool) {
        const V: &str = "K0195";
        const S: &str = "K0196";
        let w = words(e);
        let mut fam = Fam::Unspec;
        let (mut dst, mut oif, mut no_track) = (None::<&W>, false, false);
        let (mut protocol, mut or_hops, mut tg) = (None::<(&W, u32)>, false, None::<&W>);
        let mut nexthops = None;
        let mut i = 0;
        // Sets the route's family from a value of family `f`.
        macro_rules! family {
            ($at:expr, $f:expr) => {{
                let f = $f;
                if fam == Fam::Unspec {
                    fam = f;
                } else if fam != f {
                    self.mixed(S, $at, fam, f, "the route");
                    return;
                }
            }};
        }
        while i < w.len() {
            let k = w[i];
            match k.value.as_str() {
                f @ ("inet" | "inet6") => {
                    let f = if f == "inet" { Fam::V4 } else { Fam::V6 };
                    family!(k, f);
                    // keepalived steps over the word after it too, silently.
                    if let Some(skipped) = w.get(i + 1) {
                        self.skipped(skipped, k);
                    }
                    i += 1;
                }
                "src" => {
                    let Some(v) = self.value(&w, i) else { return };
                    let Some(f) = self.address_of(v, false, V, "route src address") else {
                        return;
                    };
                    family!(v, f);
                    i += 1;
                }
                "as" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let mut at = v;
                    if v.value == "to" {
                        i += 1;
                        at = w.get(i).copied().unwrap_or(v);
                    }
                    self.error(
                        S,
                        at.span,
                        "`as [to]` (NAT) is for MPLS routes only".into(),
                        "keepalived ignores it",
                        "remove `as to ADDRESS`",
                    );
                }
                g @ ("via" | "gw") => {
                    if g == "gw" {
                        self.error(
                            S,
                            k.span,
                            "`gw` is deprecated".into(),
                            "keepalived reports it",
                            "write `via ADDRESS`",
                        );
                    }
                    let Some(mut v) = self.value(&w, i) else {
                        return;
                    };
                    i += 1;
                    let mut f = fam;
                    if v.value == "inet" || v.value == "inet6" {
                        f = if v.value == "inet" { Fam::V4 } else { Fam::V6 };
                        let Some(a) = self.value(&w, i) else { return };
                        v = a;
                        i += 1;
                    }
                    family!(v, f);
                    let Some(f) = self.address_of(v, false, V, "route via address") else {
                        return;
                    };
                    family!(v, f);
                }
                "from" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let Some(f) = self.route_address(v, V, "route from address") else {
                        return;
                    };
                    if f != Fam::V6 {
                        self.error(
                            V,
                            v.span,
                            format!("route from address {} is not IPv6", v.value),
                            "keepalived ignores the route: `from` is for IPv6 routes only",
                            "remove `from`, or use an IPv6 prefix",
                        );
                        return;
                    }
                    family!(v, f);
                }
                "tos" | "dsfield" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if self.named(v, "rt_dsfield", 255, "TOS value").is_none() {
                        return;
                    }
                }
                "table" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if self
                        .named(v, "rt_tables", u32::MAX, "routing table")
                        .is_none()
                    {
                        return;
                    }
                }
                "protocol" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let Some(p) = self.named(v, "rt_protos", 255, "route protocol") else {
                        return;
                    };
                    protocol = Some((v, p));
                }
                "scope" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if self.named(v, "rt_scopes", 255, "route scope").is_none() {
                        return;
                    }
                }
                "metric" | "priority" | "preference" | "window" | "initcwnd" | "initrwnd" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if read_unsigned(&v.value, 0, u32::MAX.into()).is_none() {
                        self.bad(
                            V,
                            k,
                            v,
                            "N` with N a whole number from 0 to 4294967295",
                            true,
                        );
                        return;
                    }
                }
                "mtu" | "advmss" | "reordering" | "cwnd" | "ssthresh" => {
                    let Some(mut v) = self.value(&w, i) else {
                        return;
                    };
                    i += 1;
                    if v.value == "lock" {
                        let Some(a) = self.value(&w, i) else { return };
                        v = a;
                        i += 1;
                    }
                    if read_unsigned(&v.value, 0, u32::MAX.into()).is_none() {
                        self.bad(
                            V,
                            k,
                            v,
                            "[lock] N` with N a whole number from 0 to 4294967295",
                            true,
                        );
                        return;
                    }
                }
                "hoplimit" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if read_unsigned(&v.value, 0, 255).is_none() {
                        self.bad(V, k, v, "N` with N from 0 to 255", true);
                        return;
                    }
                }
                t @ ("rtt" | "rttvar" | "rto_min") => {
                    let Some(mut v) = self.value(&w, i) else {
                        return;
                    };
                    i += 1;
                    if v.value == "lock" {
                        let Some(a) = self.value(&w, i) else { return };
                        v = a;
                        i += 1;
                    }
                    let max_ms = match t {
                        "rtt" => 960_000,
                        "rttvar" => 480_000,
                        _ => 120_000,
                    };
                    if !rtt_ok(&v.value, max_ms) {
                        let help = format!(
                            "[lock] TIME` up to {max_ms}ms or {}s, e.g. 100ms or 1.5s",
                            max_ms / 1000
                        );
                        self.bad(V, k, v, &help, true);
                        return;
                    }
                }
                "realms" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !self.realms(v) {
                        return;
                    }
                    if fam == Fam::V6 {
                        self.mixed(S, k, fam, Fam::V4, "the route (realms are IPv4 only)");
                        return;
                    }
                    fam = Fam::V4;
                }
                "features" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if v.value != "ecn" {
                        self.error(
                            V,
                            v.span,
                            format!("route feature `{}` is not supported", v.value),
                            "keepalived ignores it",
                            "write `features ecn`, the one feature keepalived knows",
                        );
                    }
                }
                "quickack" | "fastopen_no_cookie" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if read_unsigned(&v.value, 0, 1).is_none() {
                        self.bad(V, k, v, "0` or `1", true);
                        return;
                    }
                }
                "congctl" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if v.value == "lock" {
                        if self.value(&w, i).is_none() {
                            return;
                        }
                        i += 1;
                    }
                }
                "pref" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if fam == Fam::V4 {
                        self.mixed(S, k, fam, Fam::V6, "the route (pref is IPv6 only)");
                        return;
                    }
                    fam = Fam::V6;
                    let named = matches!(v.value.as_str(), "low" | "medium" | "high");
                    if !named && read_unsigned(&v.value, 0, 255).is_none() {
                        self.bad(V, k, v, "low|medium|high` or a number up to 255", true);
                        return;
                    }
                }
                "expires" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if fam == Fam::V4 {
                        self.mixed(S, k, fam, Fam::V6, "the route (expires is IPv6 only)");
                        return;
                    }
                    fam = Fam::V6;
                    if read_unsigned(&v.value, 0, u32::MAX.into()).is_none() {
                        self.bad(V, k, v, "SECONDS`", true);
                        return;
                    }
                }
                "ttl-propagate" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if v.value != "enabled" && v.value != "disabled" {
                        self.bad(V, k, v, "enabled` or `disabled", false);
                    }
                }
                "dev" | "oif" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !self.interface(v, "a route") {
                        return;
                    }
                    oif = true;
                }
                "vrf" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !self.interface(v, "a route's VRF") {
                        return;
                    }
                }
                "onlink" => {}
                "encap" => i = self.encap(&w, i),
                "or" => {
                    self.error(
                        S,
                        k.span,
                        "`or` is deprecated".into(),
                        "keepalived reports it",
                        "write `nexthop via ADDRESS` for each next hop",
                    );
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if or_hops {
                        self.error(
                            S,
                            k.span,
                            "a second `or` in a route".into(),
                            "keepalived ignores it",
                            "write `nexthop via ADDRESS` for each next hop",
                        );
                    } else if self.address_of(v, false, V, "`or` address").is_none() {
                        return;
                    }
                    or_hops = true;
                }
                "nexthop" => {
                    if or_hops {
                        self.error(
                            S,
                            k.span,
                            "nexthops in a route with `or`".into(),
                            "keepalived ignores them",
                            "write every next hop as `nexthop via ADDRESS`",
                        );
                    } else {
                        nexthops = Some(i);
                    }
                    break;
                }
                "no_track" => no_track = true,
                "track_group" if allow_track_group => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if tg.is_some() {
                        self.error(
                            S,
                            v.span,
                            "a route with two track groups".into(),
                            "keepalived ignores the rest of the route",
                            "give one `track_group` per route",
                        );
                        // keepalived then reports the rest as trailing nonsense.
                        return;
                    }
                    self.track_group_ref(v);
                    tg = Some(v);
                }
                word => {
                    let mut at = i;
                    // `to` and a route type (`blackhole`, ...) come before the
                    // destination.
                    if word == "to" || rtntype(word) {
                        at += 1;
                    }
                    let Some(d) = w.get(at).copied() else {
                        self.value(&w, i);
                        return;
                    };
                    i = at;
                    let Some(f) = self.route_address(d, S, "route destination (or route keyword)")
                    else {
                        return;
                    };
                    if fam != Fam::Unspec && f != fam {
                        self.mixed(S, d, fam, f, "the route");
                        return;
                    }
                    fam = f;
                    dst = Some(d);
                }
            }
            i += 1;
        }
        if let Some(at) = nexthops {
            self.nexthops(&w, at, fam);
        }
        let Some(dst) = dst else {
            self.error(
                S,
                e.keyword.span,
                "a route without a destination".into(),
                "keepalived ignores the route",
                "start the route with its destination, e.g. `198.18.9.0/24 via 198.18.0.1 dev eth0`",
            );
            return;
        };
        if !no_track {
            if let Some((v, p)) = protocol
                && p != RTPROT_KEEPALIVED
            {
                self.error(
                    "K0198",
                    v.span,
                    format!("a tracked route with protocol {}", v.value),
                    "keepalived resets the protocol to keepalived (18), and reports it",
                    "remove `protocol`, or add `no_track`",
                );
            }
            if !oif {
                self.error(
                    "K0198",
                    dst.span,
                    format!("route {} has no interface to track", dst.value),
                    "keepalived does not track the route, and reports it",
                    "add `dev IFACE`, or `no_track`",
                );
            }
        }
        if let Some(v) = tg
            && !oif
        {
            self.error(
                "K0204",
                v.span,
                "a route with a track_group but no interface".into(),
                "keepalived ignores the track group",
                "add `dev IFACE`",
            );
        }
    }

    /// `encap TYPE ...` at `w[i]`; the index of the last word it takes.
    fn encap(&mut self, w: &[&W], i: usize) -> usize {
        const V: &str = "K0195";
        let Some(t) = w.get(i + 1) else {
            self.error(
                V,
                w[i].span,
                "`encap` needs a type".into(),
                "keepalived reports it",
                "write `encap ip|ip6|mpls|ila ...`",
            );
            return i;
        };
        let mut j = i + 2;
        match t.value.as_str() {
            ty @ ("ip" | "ip6") => {
                let v6 = ty == "ip6";
                let mut target = false;
                while j + 1 < w.len() {
                    let (k, v) = (w[j], w[j + 1]);
                    let ok = match (k.value.as_str(), v6) {
                        ("id", _) => {
                            target = true;
                            read_unsigned(&v.value, 0, u64::MAX).is_some()
                        }
                        ("dst" | "src", _) => {
                            target |= k.value == "dst";
                            let want = if v6 { Fam::V6 } else { Fam::V4 };
                            let fam = v.value.contains(':');
                            let parsed = if fam {
                                v.value.parse::<std::net::Ipv6Addr>().is_ok()
                            } else {
                                v.value.parse::<Ipv4Addr>().is_ok()
                            };
                            parsed && (fam == (want == Fam::V6))
                        }
                        ("tos", false) | ("tc", true) => {
                            self.lookup(&v.value, "rt_dsfield", 255).is_some()
                        }
                        ("ttl", false) | ("hoplimit", true) => {
                            read_unsigned(&v.value, 0, 255).is_some()
                        }
                        ("flags", _) => read_unsigned(&v.value, 0, 65535).is_some(),
                        _ => break,
                    };
                    if !ok {
                        self.bad(V, k, v, "VALUE` valid for the encapsulation", false);
                        return j.saturating_sub(1);
                    }
                    j += 2;
                }
                if !target {
                    self.error(
                        V,
                        t.span,
                        format!("{} encapsulation without an address or id", t.value),
                        "keepalived reports it",
                        "add `dst ADDRESS` or `id N`",
                    );
                }
                j - 1
            }
            "mpls" => {
                let ok = w.get(j).is_some_and(|a| mpls_ok(&a.value));
                if !ok {
                    self.error(
                        V,
                        w.get(j).map_or(t.span, |a| a.span),
                        "`encap mpls` needs a label stack, e.g. 100/200".into(),
                        "keepalived reports it",
                        "write `encap mpls LABEL[/LABEL...]`",
                    );
                }
                j
            }
            "ila" => {
                let ok = w.get(j).is_some_and(|a| addr64_ok(&a.value));
                if !ok {
                    self.error(
                        V,
                        w.get(j).map_or(t.span, |a| a.span),
                        "`encap ila` needs a locator, e.g. 2001:0:0:1".into(),
                        "keepalived reports it",
                        "write `encap ila LOCATOR` (four hex groups)",
                    );
                }
                j
            }
            _ => {
                self.error(
                    V,
                    t.span,
                    format!("unknown encap type `{}`", t.value),
                    "keepalived reports it",
                    "write `encap ip|ip6|mpls|ila ...`",
                );
                // keepalived steps over the word after the type too.
                i + 2
            }
        }
    }

    /// `nexthop ... nexthop ...` from `w[i]` (`parse_nexthops`).
    fn nexthops(&mut self, w: &[&W], mut i: usize, mut fam: Fam) {
        const V: &str = "K0195";
        const S: &str = "K0196";
        while i < w.len() && w[i].value == "nexthop" {
            i += 1;
            while i < w.len() {
                let k = w[i];
                match k.value.as_str() {
                    "via" => {
                        let Some(mut v) = self.value(w, i) else {
                            return;
                        };
                        i += 1;
                        if v.value == "inet" || v.value == "inet6" {
                            let f = if v.value == "inet" { Fam::V4 } else { Fam::V6 };
                            if fam != Fam::Unspec && fam != f {
                                self.mixed(S, v, fam, f, "the route's next hop");
                                return;
                            }
                            fam = f;
                            let Some(a) = self.value(w, i) else { return };
                            v = a;
                            i += 1;
                        }
                        let Some(f) = self.address_of(v, false, V, "nexthop address") else {
                            return;
                        };
                        if fam != Fam::Unspec && f != fam {
                            self.mixed(S, v, fam, f, "the route's next hop");
                            return;
                        }
                        fam = f;
                    }
                    "dev" => {
                        let Some(v) = self.value(w, i) else { return };
                        i += 1;
                        if !self.interface(v, "a route's next hop") {
                            return;
                        }
                    }
                    "weight" => {
                        let Some(v) = self.value(w, i) else { return };
                        i += 1;
                        if read_unsigned(&v.value, 1, 256).is_none() {
                            self.bad(V, k, v, "N` with N from 1 to 256", true);
                            return;
                        }
                    }
                    "onlink" => {}
                    "encap" => i = self.encap(w, i),
                    "realms" => {
                        let Some(v) = self.value(w, i) else { return };
                        i += 1;
                        if !self.realms(v) {
                            return;
                        }
                        if fam == Fam::V6 {
                            self.mixed(S, k, fam, Fam::V4, "the route (realms are IPv4 only)");
                            return;
                        }
                        fam = Fam::V4;
                    }
                    "as" => {
                        self.error(
                            S,
                            k.span,
                            "`as [to]` (NAT) is not supported in a next hop".into(),
                            "keepalived ignores the next hop",
                            "remove `as to ADDRESS`",
                        );
                        return;
                    }
                    _ => break,
                }
                i += 1;
            }
        }
        if let Some(extra) = w.get(i) {
            self.error(
                S,
                extra.span,
                format!("`{}` after the next hops", extra.value),
                "keepalived: route has trailing nonsense after nexthops",
                "put the route's own options before the first `nexthop`",
            );
        }
    }
}

const RTPROT_KEEPALIVED: u32 = 18;

/// Rules (`alloc_rule`).
impl Cx<'_> {
    #[allow(clippy::too_many_lines)]
    fn rule(&mut self, e: &Setting, allow_track_group: bool) {
        const V: &str = "K0199";
        const A: &str = "K0202";
        let w = words(e);
        #[derive(PartialEq, Clone, Copy)]
        enum Action {
            None,
            Table,
            L3mdev,
            Goto(u64),
            Other,
        }
        let mut fam = Fam::Unspec;
        let mut action = Action::None;
        let (mut priority, mut table_option) = (None::<u64>, None::<&W>);
        let (mut iif, mut no_track, mut protocol) = (false, false, None::<(&W, u64)>);
        let mut tg = None::<&W>;
        let mut i = 0;
        macro_rules! family {
            ($at:expr, $f:expr) => {{
                let f = $f;
                if fam == Fam::Unspec {
                    fam = f;
                } else if fam != f {
                    self.mixed(V, $at, fam, f, "the rule");
                    return;
                }
            }};
        }
        macro_rules! one_action {
            ($at:expr, $a:expr) => {{
                if action != Action::None {
                    self.error(
                        A,
                        $at.span,
                        "a rule with more than one action".into(),
                        "keepalived ignores the rule",
                        "give one of table/lookup, goto, nop, blackhole, prohibit, unreachable or l3mdev",
                    );
                    return;
                }
                action = $a;
            }};
        }
        while i < w.len() {
            let k = w[i];
            match k.value.as_str() {
                f @ ("inet" | "inet6") => {
                    let f = if f == "inet" { Fam::V4 } else { Fam::V6 };
                    family!(k, f);
                    // keepalived steps over the word after it too, silently.
                    if let Some(skipped) = w.get(i + 1) {
                        self.skipped(skipped, k);
                    }
                    i += 1;
                }
                d @ ("from" | "to") => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let Some(f) = self.route_address(v, V, &format!("rule {d} address")) else {
                        return;
                    };
                    if fam == Fam::Unspec {
                        fam = f;
                    } else if f != fam {
                        self.mixed(V, v, fam, f, "the rule");
                        return;
                    }
                }
                "table" | "lookup" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let Some(t) = self.named(v, "rt_tables", u32::MAX, "routing table") else {
                        return;
                    };
                    if t == 0 {
                        self.error(
                            V,
                            v.span,
                            "routing table 0 in a rule".into(),
                            "keepalived ignores the rule: table 0 is not valid",
                            "use another table, e.g. main or a number from 1",
                        );
                        return;
                    }
                    one_action!(k, Action::Table);
                }
                "not" => {}
                "preference" | "order" | "priority" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    let Some(p) = strtoul_base0(&v.value).filter(|p| *p <= u64::from(u32::MAX))
                    else {
                        self.bad(V, k, v, "N` with N from 0 to 4294967295", true);
                        return;
                    };
                    priority = Some(p);
                }
                "tos" | "dsfield" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if self.named(v, "rt_dsfield", 255, "TOS value").is_none() {
                        return;
                    }
                }
                "fwmark" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !fwmark_ok(&v.value) {
                        self.bad(V, k, v, "MARK[/MASK]` with 32-bit numbers", true);
                        return;
                    }
                }
                "realms" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !self.realms(v) {
                        return;
                    }
                    table_option = Some(k);
                    family!(k, Fam::V4);
                }
                "suppress_prefixlength" | "sup_pl" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if read_unsigned(&v.value, 0, i32::MAX as u64).is_none() {
                        self.bad(V, k, v, "N` with N from 0 to 2147483647", true);
                        return;
                    }
                    table_option = Some(k);
                }
                "suppress_ifgroup" | "sup_group" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    #[allow(clippy::cast_sign_loss)]
                    if self
                        .named(v, "group", i32::MAX as u32, "interface group")
                        .is_none()
                    {
                        return;
                    }
                    table_option = Some(k);
                }
                d @ ("dev" | "iif" | "oif") => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !self.interface(v, "a rule") {
                        return;
                    }
                    iif |= d != "oif";
                }
                "tunnel-id" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if read_unsigned(&v.value, 0, u64::MAX).is_none() {
                        self.bad(V, k, v, "N` with a 64-bit number", true);
                        return;
                    }
                }
                "uidrange" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !range_ok(&v.value) {
                        self.bad(V, k, v, "FIRST-LAST`, e.g. 1000-1999", true);
                        return;
                    }
                }
                "l3mdev" => one_action!(k, Action::L3mdev),
                "protocol" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    match read_unsigned(&v.value, 0, 255) {
                        Some(p) => protocol = Some((v, p)),
                        None => self.bad(V, k, v, "N` with N from 0 to 255", false),
                    }
                }
                "ipproto" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if !ipproto_ok(&v.value) {
                        self.bad(
                            V,
                            k,
                            v,
                            "PROTOCOL`, a number up to 127 or a name from /etc/protocols",
                            false,
                        );
                    }
                }
                "sport" | "dport" => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    // keepalived 2.2.7 reads a single port as a bad range.
                    if !range_ok(&v.value) {
                        self.bad(
                            V,
                            k,
                            v,
                            "FIRST-LAST`, e.g. 80-80 (a single port is rejected)",
                            false,
                        );
                    }
                }
                "no_track" => no_track = true,
                "track_group" if allow_track_group => {
                    let Some(v) = self.value(&w, i) else { return };
                    i += 1;
                    if tg.is_some() {
                        self.error(
                            V,
                            v.span,
                            "a rule with two track groups".into(),
                            "keepalived ignores the rest of the rule",
                            "give one `track_group` per rule",
                        );
                        break;
                    }
                    self.track_group_ref(v);
                    tg = Some(v);
                }
                word => {
                    let mut t = k;
                    if word == "type" {
                        let Some(v) = self.value(&w, i) else { return };
                        i += 1;
                        t = v;
                    }
                    let a = match t.value.as_str() {
                        "goto" => {
                            let Some(v) = self.value(&w, i) else { return };
                            i += 1;
                            let Some(g) = read_unsigned(&v.value, 0, u32::MAX.into()) else {
                                self.bad(V, t, v, "PREFERENCE` of the rule to go to", true);
                                return;
                            };
                            Action::Goto(g)
                        }
                        "nop" | "blackhole" | "unreachable" | "prohibit" => Action::Other,
                        other if rtntype(other) => {
                            self.error(
                                A,
                                t.span,
                                format!("`{other}` is not a rule action"),
                                "keepalived ignores the rule",
                                "use table/lookup, goto, nop, blackhole, prohibit or unreachable",
                            );
                            return;
                        }
                        other => {
                            self.error(
                                V,
                                t.span,
                                format!("unknown rule option `{other}`"),
                                "keepalived ignores the rule",
                                "see keepalived.conf(5) for the options of virtual_rules/static_rules",
                            );
                            return;
                        }
                    };
                    one_action!(t, a);
                }
            }
            i += 1;
        }
        let at = e.keyword.span;
        match action {
            Action::Goto(target) => match priority {
                Some(p) if p >= target => {
                    self.error(
                        A,
                        at,
                        format!("rule preference {p} is not below its goto target {target}"),
                        "keepalived ignores the rule",
                        "goto a rule with a higher preference number",
                    );
                    return;
                }
                Some(_) => {}
                None => {
                    self.error(
                        A,
                        at,
                        "a goto rule without a preference".into(),
                        "keepalived ignores the rule",
                        "add `preference N` below the goto target",
                    );
                    return;
                }
            },
            Action::None => {
                self.error(
                    A,
                    at,
                    "a rule without an action".into(),
                    "keepalived: no action specified for rule - ignoring",
                    "add `table NAME` (or lookup, goto, nop, blackhole, prohibit, unreachable, l3mdev)",
                );
                return;
            }
            _ => {}
        }
        if let Some(o) = table_option
            && action != Action::Table
        {
            self.error(
                A,
                o.span,
                format!("`{}` in a rule whose action is not a table", o.value),
                "keepalived ignores the rule",
                "use it with `table NAME`, or remove it",
            );
            return;
        }
        if !no_track
            && let Some((v, p)) = protocol
            && p != u64::from(RTPROT_KEEPALIVED)
        {
            self.error(
                "K0198",
                v.span,
                format!("a tracked rule with protocol {}", v.value),
                "keepalived resets the protocol to keepalived (18), and reports it",
                "remove `protocol`, or add `no_track`",
            );
        }
        if let Some(v) = tg
            && !iif
        {
            self.error(
                "K0204",
                v.span,
                "a rule with a track_group but no dev/iif".into(),
                "keepalived ignores the track group",
                "add `iif IFACE`",
            );
        }
        if priority.is_none() {
            self.error(
                "K0203",
                at,
                "a rule without a preference".into(),
                "keepalived numbers it from 16384 down, and reports it",
                "add `preference N` (or priority/order) to fix the rule's place",
            );
        }
    }
}

/// The other blocks.
impl Cx<'_> {
    /// A value block (`static_routes`, `interfaces`, ...) takes no words
    /// before its `{`.
    fn no_words_before_block(&mut self, s: &Setting) {
        if let Some(extra) = s.args.first() {
            let k = &s.keyword.value;
            self.error(
                "K0278",
                extra.span,
                format!("`{k}` takes no words before its block"),
                "keepalived: block has extra parameters",
                &format!("write `{k} {{`, the entries one per line, and `}}`"),
            );
        }
    }

    /// A `{` in an entry (or after a keyword) that takes no block: keepalived
    /// reads it as a word, and the `}` as a keyword.
    fn no_nested_blocks(&mut self, s: &Setting) {
        let k = s.keyword.value.as_str();
        for x in s.block.iter().flatten() {
            let Some(b) = &x.block else { continue };
            let takes = matches!(
                (k, x.keyword.value.as_str()),
                ("garp_group", "interfaces") | ("track_group", "group")
            );
            if !takes {
                let at = b.first().map_or(x.span, |f| f.keyword.span);
                self.diags.push(
                    Diagnostic::error(
                        "K0107",
                        format!("`{}` takes no {{ ... }} block", x.keyword.value),
                    )
                    .with_label(x.keyword.span, format!("an entry of {k}"))
                    .with_label(at, "keepalived reads the `{` as a word of the entry")
                    .with_help("remove the block, or quote a value that contains `{` or `}`"),
                );
            }
        }
    }

    fn unknown(&mut self, x: &Setting, known: &[&str], context: &str) {
        let k = &x.keyword;
        let d = Diagnostic::error(
            "K0100",
            format!("unknown keyword `{}` in {context}", k.value),
        )
        .with_label(k.span, "keepalived does not know this keyword here");
        self.diags.push(match kw::suggest(&k.value, known) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "see keepalived.conf(5) for the keywords of {context}"
            )),
        });
    }

    fn linkbeat(&mut self, e: &Setting) {
        if !self.interface(&e.keyword, "linkbeat_interfaces") {
            return;
        }
        let extra = match e.args.as_slice() {
            [] => None,
            [t] if matches!(t.value.as_str(), "MII" | "ETHTOOL" | "IOCTL") => None,
            [t, ..] => Some(t),
        };
        if let Some(t) = extra {
            self.error(
                "K0205",
                t.span,
                format!("extra words after linkbeat interface {}", e.keyword.value),
                "keepalived reports extra characters in the linkbeat interface",
                "write `IFACE` or `IFACE MII|ETHTOOL|IOCTL`, one per line",
            );
        }
    }

    fn track_group(&mut self, s: &Setting) {
        const C: &str = "K0204";
        let [name] = s.args.as_slice() else {
            self.error(
                C,
                s.args.get(1).map_or(s.keyword.span, |a| a.span),
                "track_group takes one name".into(),
                "keepalived skips the block",
                "write `track_group NAME {`",
            );
            return;
        };
        if self.track_groups.contains(&name.value) {
            self.error(
                C,
                name.span,
                format!("track_group {} is defined twice", name.value),
                "keepalived skips the second block",
                "give each track_group its own name",
            );
            return;
        }
        self.track_groups.push(name.value.clone());
        let mut seen = false;
        for x in s.block.iter().flatten() {
            if x.keyword.value != "group" {
                self.unknown(x, TRACK_GROUP, "track_group");
                continue;
            }
            if seen {
                self.error(
                    C,
                    x.keyword.span,
                    format!("track_group {} has a second group block", name.value),
                    "keepalived skips it",
                    "list every instance in one `group { ... }` block",
                );
                continue;
            }
            seen = true;
            self.no_words_before_block(x);
            if x.block.as_ref().is_none_or(Vec::is_empty) {
                self.error(
                    C,
                    x.keyword.span,
                    format!("track_group {} has an empty group block", name.value),
                    "keepalived reports it",
                    "list the vrrp_instance names in `group { ... }`",
                );
            }
        }
    }

    fn garp_group(&mut self, s: &Setting) {
        const C: &str = "K0209";
        let mut delay = false;
        // The interfaces named before this group; keepalived frees this
        // group's own if it removes the group.
        let before = self.garp_ifs.len();
        for x in s.block.iter().flatten() {
            let w = words(x);
            match x.keyword.value.as_str() {
                "garp_interval" | "gna_interval" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if read_decimal(&v.value, 6, 0, i64::from(i32::MAX)).is_some() {
                        delay = true;
                    } else {
                        self.bad(
                            C,
                            &x.keyword,
                            v,
                            "SECONDS`, e.g. 0.001 (up to 6 decimals)",
                            false,
                        );
                    }
                }
                "interface" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    self.garp_interface(v);
                }
                "interfaces" => {
                    self.no_words_before_block(x);
                    let names: Vec<&W> = x
                        .block
                        .iter()
                        .flatten()
                        .flat_map(|e| iter::once(&e.keyword).chain(&e.args))
                        .chain(&x.args)
                        .collect();
                    if names.is_empty() {
                        self.error(
                            C,
                            x.keyword.span,
                            "empty garp_group interfaces block".into(),
                            "keepalived reports it",
                            "list the interfaces, or remove the block",
                        );
                    }
                    for v in names {
                        self.garp_interface(v);
                    }
                }
                _ => self.unknown(x, GARP_GROUP, "garp_group"),
            }
        }
        if !delay {
            self.error(
                C,
                s.keyword.span,
                "garp_group without garp_interval or gna_interval".into(),
                "keepalived removes the group, and reports it",
                "add `garp_interval SECONDS` or `gna_interval SECONDS`",
            );
            self.garp_ifs.truncate(before);
        }
    }

    fn garp_interface(&mut self, v: &W) {
        if !self.interface(v, "garp_group") {
            return;
        }
        if self.garp_ifs.contains(&v.value) {
            self.error(
                "K0209",
                v.span,
                format!("interface {} is already in a garp_group", v.value),
                "keepalived ignores it",
                "put each interface in one garp_group",
            );
            return;
        }
        self.garp_ifs.push(v.value.clone());
    }

    #[allow(clippy::too_many_lines)]
    fn track_process(&mut self, s: &Setting) {
        const C: &str = "K0206";
        const Q: &str = "K0207";
        let name = s.args.first().map_or("", |a| a.value.as_str()).to_owned();
        if s.args.is_empty() {
            self.error(
                "K0277",
                s.keyword.span,
                "vrrp_track_process needs a name".into(),
                "keepalived: missing a parameter after this keyword",
                "write `vrrp_track_process NAME {`",
            );
        }
        let (mut process, mut weight) = (false, 0i64);
        let (mut quorum, mut quorum_max) = (1u64, 65535u64);
        for x in s.block.iter().flatten() {
            let w = words(x);
            let k = &x.keyword;
            match k.value.as_str() {
                "process" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if process {
                        self.error(
                            Q,
                            v.span,
                            format!("vrrp_track_process {name} names a second process"),
                            "keepalived ignores it",
                            "give one `process NAME [ARGS]` per vrrp_track_process",
                        );
                    }
                    process = true;
                }
                "param_match" => {
                    if let Some(v) = x.args.first()
                        && v.value != "initial"
                        && v.value != "partial"
                    {
                        self.bad(
                            C,
                            k,
                            v,
                            "initial` or `partial`, or nothing for an exact match",
                            false,
                        );
                    }
                }
                "weight" => {
                    let Some(v) = x.args.first() else {
                        self.error(
                            C,
                            k.span,
                            "`weight` needs a value".into(),
                            "keepalived ignores it",
                            "write `weight N [reverse]` with N from -254 to 254",
                        );
                        continue;
                    };
                    if weight != 0 {
                        self.error(
                            Q,
                            v.span,
                            format!("vrrp_track_process {name} has a second weight"),
                            "keepalived ignores it",
                            "give the track process one weight",
                        );
                        continue;
                    }
                    let Some(n) = read_int(&v.value, -254, 254) else {
                        self.bad(C, k, v, "N [reverse]` with N from -254 to 254", false);
                        continue;
                    };
                    if let Some(o) = x.args.get(1).filter(|o| o.value != "reverse") {
                        self.error(
                            C,
                            o.span,
                            format!("unknown weight option `{}`", o.value),
                            "keepalived reports it",
                            "only `reverse` may follow the weight",
                        );
                    }
                    weight = n;
                }
                "quorum" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    let Some(q) = read_unsigned(&v.value, 1, 65535) else {
                        self.bad(C, k, v, "N` with N from 1 to 65535", false);
                        continue;
                    };
                    if q > quorum_max {
                        self.error(
                            Q,
                            v.span,
                            format!("quorum {q} is above quorum_max {quorum_max}"),
                            "keepalived ignores the quorum",
                            "use a quorum up to quorum_max",
                        );
                        continue;
                    }
                    quorum = q;
                }
                "quorum_max" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    let Some(m) = read_unsigned(&v.value, 0, 65535) else {
                        self.bad(C, k, v, "N` with N from 0 to 65535", false);
                        continue;
                    };
                    if (m > 0 || quorum > 1) && m < quorum {
                        self.error(
                            Q,
                            v.span,
                            format!("quorum_max {m} is below quorum {quorum}"),
                            "keepalived ignores quorum_max",
                            "use a quorum_max of at least the quorum",
                        );
                        continue;
                    }
                    quorum_max = m;
                    if m == 0 {
                        quorum = 0;
                    } else if quorum == 0 {
                        quorum = 1;
                    }
                }
                "delay" | "terminate_delay" | "fork_delay" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if read_decimal(&v.value, 6, 1, 3_600_000_000).is_none() {
                        self.bad(C, k, v, "SECONDS` from 0.000001 to 3600", false);
                    }
                }
                "full_command" => {}
                _ => self.unknown(x, TRACK_PROCESS, "vrrp_track_process"),
            }
        }
        if !process {
            self.error(
                Q,
                s.keyword.span,
                format!("vrrp_track_process {name} has no process"),
                "keepalived removes it",
                "add `process NAME [ARGS]`",
            );
        }
    }

    #[allow(clippy::too_many_lines)]
    fn bfd(&mut self, s: &Setting) {
        const C: &str = "K0208";
        let Some(name) = s.args.first() else {
            self.error(
                C,
                s.keyword.span,
                "bfd_instance needs a name".into(),
                "keepalived cannot read the block",
                "write `bfd_instance NAME {`",
            );
            return;
        };
        if name.value.len() > 31 {
            self.error(
                C,
                name.span,
                format!(
                    "bfd_instance name {} is longer than 31 characters",
                    name.value
                ),
                "keepalived ignores the instance",
                "use a name of up to 31 characters",
            );
            return;
        }
        if self.bfds.iter().any(|(n, _)| *n == name.value) {
            self.error(
                C,
                name.span,
                format!("bfd_instance {} is defined twice", name.value),
                "keepalived ignores the second one",
                "give each bfd_instance its own name",
            );
            return;
        }
        let (mut neighbor, mut source) = (None::<(IpAddr, &W)>, None::<(IpAddr, &W)>);
        let (mut ttl, mut max_hops) = (None::<u64>, None::<(i64, &W)>);
        let mut first_neighbor = true;
        for x in s.block.iter().flatten() {
            let w = words(x);
            let k = &x.keyword;
            let range = |v: &W, digits, min, max| read_decimal(&v.value, digits, min, max);
            match k.value.as_str() {
                "neighbor_ip" | "neighbour_ip" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    let Ok(a) = v.value.parse::<IpAddr>() else {
                        // The first neighbor_ip is K0240's.
                        if k.value == "neighbour_ip"
                            || !std::mem::replace(&mut first_neighbor, false)
                        {
                            self.bad(C, k, v, "ADDRESS`", true);
                        }
                        return;
                    };
                    first_neighbor &= k.value != "neighbor_ip";
                    if self.bfds.iter().any(|(_, n)| *n == Some(a)) {
                        self.error(
                            C,
                            v.span,
                            format!("bfd neighbour {} is used by another bfd_instance", v.value),
                            "keepalived ignores this instance",
                            "give each bfd_instance its own neighbour",
                        );
                        return;
                    }
                    neighbor = Some((a, v));
                }
                "source_ip" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    match v.value.parse::<IpAddr>() {
                        Ok(a) => source = Some((a, v)),
                        Err(_) => self.bad(C, k, v, "ADDRESS`", false),
                    }
                }
                "min_rx" | "min_tx" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if range(v, 3, 1000, 4_294_967_000).is_none() {
                        self.bad(C, k, v, "MS` from 1 to 4294967 (up to 3 decimals)", false);
                    }
                }
                "idle_tx" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if range(v, 3, 1_000_000, 4_294_967_000).is_none() {
                        self.bad(
                            C,
                            k,
                            v,
                            "MS` from 1000 to 4294967 (up to 3 decimals)",
                            false,
                        );
                    }
                }
                "multiplier" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if read_unsigned(&v.value, 1, 255).is_none() {
                        self.bad(C, k, v, "N` from 1 to 255", false);
                    }
                }
                "ttl" | "hoplimit" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    match read_unsigned(&v.value, 1, 255) {
                        Some(t) => ttl = Some(t),
                        None => self.bad(C, k, v, "N` from 1 to 255", false),
                    }
                }
                "max_hops" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    match read_int(&v.value, -1, 255) {
                        Some(h) => max_hops = Some((h, v)),
                        None => self.bad(C, k, v, "N` from -1 to 255", false),
                    }
                }
                "weight" => {
                    let Some(v) = self.value(&w, 0) else { continue };
                    if read_int(&v.value, -253, 253).is_none() {
                        self.bad(C, k, v, "N [reverse]` with N from -253 to 253", false);
                    } else if let Some(o) = x.args.get(1).filter(|o| o.value != "reverse") {
                        self.error(
                            C,
                            o.span,
                            format!("unknown weight option `{}`", o.value),
                            "keepalived reports it",
                            "only `reverse` may follow the weight",
                        );
                    }
                }
                "passive" | "vrrp" | "checker" => {}
                _ => self.unknown(x, BFD, "bfd_instance"),
            }
        }
        self.bfds
            .push((name.value.clone(), neighbor.map(|(a, _)| a)));
        let Some((n, _)) = neighbor else {
            return;
        };
        if let Some((src, v)) = source
            && src.is_ipv4() != n.is_ipv4()
        {
            self.error(
                C,
                v.span,
                format!("bfd source {} is not of the neighbour's family", v.value),
                "keepalived disables the instance",
                "use a source address of the neighbour's family",
            );
            return;
        }
        // The ttl defaults to 255 for IPv4, the hoplimit to 64 for IPv6;
        // keepalived compares max_hops as an unsigned byte (-1 is 255).
        let ttl = ttl.unwrap_or(if n.is_ipv4() { 255 } else { 64 });
        if let Some((h, v)) = max_hops
            && u64::from(h.to_le_bytes()[0]) > ttl
        {
            self.error(
                C,
                v.span,
                format!("bfd max_hops {h} is above the ttl/hoplimit {ttl}"),
                "keepalived lowers it to the ttl/hoplimit, and reports it",
                "use a max_hops up to the ttl/hoplimit (255 for IPv4, 64 for IPv6 by default; -1 counts as 255)",
            );
        }
    }
}

/// keepalived's `read_unsigned` (base 10): digits only, within `min..=max`.
fn read_unsigned(s: &str, min: u64, max: u64) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|v| (min..=max).contains(v))
}

/// keepalived's `read_int`: a decimal integer within `min..=max`.
fn read_int(s: &str, min: i64, max: i64) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().filter(|v| (min..=max).contains(v))
}

/// keepalived's `read_decimal_unsigned`: a number with up to `digits`
/// decimals, scaled by 10^digits, within `min..=max` (scaled).
fn read_decimal(s: &str, digits: usize, min: i64, max: i64) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.strip_prefix('+').unwrap_or(int);
    if (int.is_empty() && frac.is_empty())
        || frac.len() > digits
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut v: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    for _ in 0..digits {
        v = v.checked_mul(10)?;
    }
    let mut f = 0i64;
    for (i, b) in frac.bytes().enumerate() {
        let mut d = i64::from(b - b'0');
        for _ in i + 1..digits {
            d *= 10;
        }
        f += d;
    }
    let v = v.checked_add(f)?;
    (min..=max).contains(&v).then_some(v)
}

/// C's `strtoul(s, &end, 0)` when it reads all of `s` (saturating, and
/// wrapping a `-` as C does); `None` when it does not.
fn strtoul_full(s: &str) -> Option<u64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = strtoul_base0(rest)?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// An unsigned number in C's base 0 (`0x` hex, leading `0` octal),
/// saturating; `None` unless all of `s` is read.
fn strtoul_base0(s: &str) -> Option<u64> {
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, h)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        // "0x" alone reads as 0 with "x" left over.
        return None;
    }
    Some(u64::from_str_radix(digits, radix).unwrap_or(u64::MAX))
}

/// keepalived's `find_rttables_rtntype`: a route type name or a number up
/// to 255.
fn rtntype(s: &str) -> bool {
    matches!(
        s,
        "local"
            | "nat"
            | "broadcast"
            | "brd"
            | "anycast"
            | "multicast"
            | "prohibit"
            | "unreachable"
            | "blackhole"
            | "xresolve"
            | "unicast"
            | "throw"
    ) || (!s.starts_with('-') && strtoul_full(s).is_some_and(|v| v <= 255))
}

/// keepalived 2.2.7's `get_time_rtt`: a whole number of milliseconds
/// (`100`, `100ms`, also `msec`/`msecs`), or seconds with up to three
/// decimals (`1.5s`, also `sec`/`secs`), up to `max_ms`.
fn rtt_ok(s: &str, max_ms: i64) -> bool {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    match unit.to_ascii_lowercase().as_str() {
        "" | "ms" | "msec" | "msecs" => read_decimal(num, 0, 0, max_ms).is_some(),
        "s" | "sec" | "secs" => read_decimal(num, 3, 0, max_ms).is_some(),
        _ => false,
    }
}

/// `fwmark MARK[/MASK]`, each a 32-bit number in C's base 0.
fn fwmark_ok(s: &str) -> bool {
    let (mark, mask) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let num = |t: &str| {
        !t.starts_with('-')
            && strtoul_full(t.strip_prefix('+').unwrap_or(t)).is_some_and(|v| v <= u32::MAX.into())
    };
    // An empty mask reads as 0.
    num(mark) && mask.is_none_or(|m| m.is_empty() || num(m))
}

/// `sscanf("%u-%u") == 2`: a number, `-` and a number (anything may
/// follow; sscanf truncates numbers that do not fit).
fn range_ok(s: &str) -> bool {
    let Some((a, b)) = s.split_once('-') else {
        return false;
    };
    !a.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.bytes().next().is_some_and(|c| c.is_ascii_digit())
}

/// `ipproto`: a number up to 127, or a protocol name of /etc/protocols.
fn ipproto_ok(s: &str) -> bool {
    if s.is_empty() || s.starts_with('-') {
        return false;
    }
    if s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        let v = d.parse::<u64>().unwrap_or(u64::MAX);
        if v > 127 {
            return false;
        }
        if d.len() == s.len() {
            return true;
        }
    }
    std::fs::read_to_string("/etc/protocols").is_ok_and(|t| {
        t.lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .any(|l| {
                l.split_whitespace()
                    .enumerate()
                    .any(|(i, n)| i != 1 && n == s)
            })
    })
}

/// An MPLS label stack: up to 16 labels of 20 bits, `/`-separated.
fn mpls_ok(s: &str) -> bool {
    let labels: Vec<&str> = s.split('/').collect();
    labels.len() <= 16
        && labels.iter().all(|l| {
            !l.starts_with('-')
                && strtoul_full(l.strip_prefix('+').unwrap_or(l)).is_some_and(|v| v < 1 << 20)
        })
}

/// An ILA locator: four `:`-separated groups of up to four hex digits.
fn addr64_ok(s: &str) -> bool {
    let groups: Vec<&str> = s.split(':').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && u32::from_str_radix(g, 16).is_ok_and(|v| v <= 0xffff))
}

/// The names of `/etc/iproute2/FILE` and `FILE.d/*.conf` (ids up to `max`),
/// then keepalived's built-in names for ids the files do not name.
fn rt_names(file: &str, max: u32) -> Vec<(u32, String)> {
    let dir = std::path::Path::new("/etc/iproute2");
    let mut out = Vec::new();
    let mut read = |p: &std::path::Path| {
        let Ok(text) = std::fs::read_to_string(p) else {
            return;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut f = line.split([' ', '\t']).filter(|w| !w.is_empty());
            let (Some(id), Some(name), None) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if id.starts_with('-') {
                continue;
            }
            if let Some(id) = strtoul_full(id).filter(|v| *v <= u64::from(max)) {
                #[allow(clippy::cast_possible_truncation)]
                out.push((id as u32, name.to_owned()));
            }
        }
    };
    read(&dir.join(file));
    if let Ok(d) = std::fs::read_dir(dir.join(format!("{file}.d"))) {
        let mut confs: Vec<_> = d
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| !n.starts_with('.') && n.len() > 5 && n.ends_with(".conf"))
            })
            .collect();
        confs.sort();
        for p in confs {
            read(&p);
        }
    }
    let defaults: &[(u32, &str)] = match file {
        "rt_tables" => &[(253, "default"), (254, "main"), (255, "local")],
        "rt_protos" => &[
            (0, "none"),
            (1, "redirect"),
            (2, "kernel"),
            (3, "boot"),
            (4, "static"),
            (8, "gated"),
            (9, "ra"),
            (10, "mrt"),
            (11, "zebra"),
            (12, "bird"),
            (42, "babel"),
            (13, "dnrouted"),
            (14, "xorp"),
            (15, "ntk"),
            (16, "dhcp"),
        ],
        "rt_scopes" => &[
            (0, "global"),
            (255, "nowhere"),
            (254, "host"),
            (253, "link"),
            (200, "site"),
        ],
        _ => &[],
    };
    for (id, name) in defaults {
        if !out.iter().any(|(i, _)| i == id) {
            out.push((*id, (*name).to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_keepalived_reads_them() {
        assert_eq!(read_unsigned("010", 0, 100), Some(10));
        assert_eq!(read_unsigned("0x10", 0, 100), None);
        assert_eq!(read_unsigned("-1", 0, 100), None);
        assert_eq!(strtoul_full("0x100"), Some(256));
        assert_eq!(strtoul_full("010"), Some(8));
        assert_eq!(strtoul_full("08"), None);
        assert_eq!(strtoul_full("x"), None);
        assert_eq!(read_decimal("0.000001", 6, 1, 3_600_000_000), Some(1));
        assert_eq!(read_decimal("0.0000001", 6, 1, 3_600_000_000), None);
        assert_eq!(read_decimal("1.5", 3, 1000, 4_294_967_000), Some(1500));
        assert!(rtt_ok("960000", 960_000) && rtt_ok("960s", 960_000) && rtt_ok(".5s", 960_000));
        assert!(!rtt_ok("961s", 960_000) && !rtt_ok("1.5", 960_000) && !rtt_ok("2e2", 960_000));
        assert!(!rtt_ok("0x10", 960_000) && !rtt_ok("10x", 960_000));
        assert!(rtntype("blackhole") && rtntype("5") && !rtntype("198.18.0.0/24"));
        assert!(range_ok("1-2") && range_ok("1-2x") && !range_ok("80") && !range_ok("5-x"));
        assert!(fwmark_ok("0x10/0xff") && !fwmark_ok("x") && !fwmark_ok("4294967296"));
    }
}
