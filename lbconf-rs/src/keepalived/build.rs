//! Builds the typed model from the statement tree, reporting what keepalived
//! would report while reading it: unknown keywords, missing or bad values.

use std::net::IpAddr;
use std::str::FromStr;

use super::keywords as kw;
use super::model::*;
use super::tree::{Arg, Stmt, View};
use crate::diagnostic::Diagnostic;

/// Builder state: the diagnostics found so far.
#[derive(Default)]
pub struct Builder {
    /// What was found.
    pub diags: Vec<Diagnostic>,
    /// The checks of each virtual server built, made right after it.
    pub(crate) prepared: Vec<super::checks::Prepared>,
    /// [`Options::host_names`](super::Options::host_names).
    host_names: Option<Vec<String>>,
    /// What the `global_defs` blocks said so far.
    globals: global::GlobalState,
}

impl Builder {
    /// A builder with nothing found yet.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A builder that takes `names` as the host names this host resolves
    /// (`None`: the host's resolver), for the `smtp_server` check.
    pub fn with_host_names(names: Option<Vec<String>>) -> Builder {
        Builder {
            host_names: names,
            ..Builder::default()
        }
    }

    pub(super) fn unknown<'a>(&mut self, s: impl Stmt<'a>, known: &[&str], context: &str) {
        let k = s.keyword();
        let mut d = Diagnostic::error(
            "K0100",
            format!("unknown keyword `{}` in {context}", k.value),
        )
        .with_label(k.span, "keepalived does not know this keyword here");
        d = match kw::suggest(k.value, known) {
            Some(k) => d.with_help(format!("did you mean `{k}`?")),
            None => d.with_help(format!(
                "see keepalived.conf(5) for the keywords of {context}"
            )),
        };
        self.diags.push(d);
    }

    pub(super) fn arg<'a>(&mut self, s: impl Stmt<'a>) -> Option<Arg<'a>> {
        let a = s.arg(0);
        if a.is_none() {
            let k = s.keyword();
            self.diags.push(
                Diagnostic::error("K0101", format!("`{}` needs a value", k.value))
                    .with_label(k.span, "no value after the keyword")
                    .with_help("see keepalived.conf(5) for what it takes"),
            );
        }
        a
    }

    pub(super) fn string<'a>(&mut self, s: impl Stmt<'a>) -> Option<Spanned<String>> {
        self.arg(s).map(Arg::owned)
    }

    pub(super) fn int<'a, T: TryFrom<i64>>(
        &mut self,
        s: impl Stmt<'a>,
        min: i64,
        max: i64,
    ) -> Option<Spanned<T>> {
        let a = self.arg(s)?;
        let Ok(v) = a.value.parse::<i64>() else {
            self.diags.push(
                Diagnostic::error("K0102", format!("`{}` is not a number", a.value))
                    .with_label(a.span, format!("`{}` takes an integer", s.keyword().value))
                    .with_help(format!("use a whole number from {min} to {max}")),
            );
            return None;
        };
        if v < min || v > max {
            self.diags.push(
                Diagnostic::error(
                    "K0103",
                    format!(
                        "{} {v} is outside the range [{min}, {max}]",
                        s.keyword().value
                    ),
                )
                .with_label(a.span, format!("must be {min}-{max}"))
                .with_help(format!("use a value from {min} to {max}")),
            );
            return None;
        }
        T::try_from(v).ok().map(|value| Spanned {
            value,
            span: a.span,
        })
    }

    pub(super) fn timer<'a>(&mut self, s: impl Stmt<'a>, max: f64) -> Option<Spanned<f64>> {
        let a = self.arg(s)?;
        // keepalived keeps microseconds: at most six decimal places.
        let places = a.value.split_once('.').map_or(0, |(_, f)| f.len());
        match a.value.parse::<f64>() {
            Ok(v)
                if v.is_finite()
                    && places <= 6
                    && v <= max
                    && (v > 0.0
                        || (v == 0.0
                            && matches!(
                                s.keyword().value,
                                "preempt_delay" | "warmup" | "delay_before_retry"
                            ))) =>
            {
                Some(Spanned {
                    value: v,
                    span: a.span,
                })
            }
            _ => {
                let k = s.keyword().value;
                self.diags.push(
                    Diagnostic::error(
                        "K0104",
                        format!("`{}` is not a valid time for `{k}`", a.value),
                    )
                    .with_label(a.span, "expected seconds, e.g. 1 or 0.5")
                    .with_help(format!("use a number of seconds above 0, up to {max}")),
                );
                None
            }
        }
    }

    pub(super) fn ip(&mut self, a: Arg<'_>) -> Option<Spanned<IpAddr>> {
        let addr = match a.value.bytes().position(|b| b == b'/') {
            Some(at) => &a.value[..at],
            None => a.value,
        };
        match dotted_quad(addr).map_or_else(|| IpAddr::from_str(addr), |v4| Ok(IpAddr::V4(v4))) {
            Ok(ip) => Some(Spanned {
                value: ip,
                span: a.span,
            }),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error("K0105", format!("`{}` is not an IP address", a.value))
                        .with_label(a.span, "expected an IPv4 or IPv6 address")
                        .with_help("write the address literally, e.g. 198.18.0.1 or fd00::1"),
                );
                None
            }
        }
    }

    /// Builds one top-level statement into `c`. The VRRP sections are small
    /// and read as owned [`Setting`]s; virtual servers (thousands in big
    /// configurations) are read straight from the view.
    pub fn top(&mut self, v: View<'_>, c: &mut Config) {
        match v.keyword().value {
            "global_defs" => c.global_defs.push(self.global(&v.to_setting())),
            "vrrp_script" => c.vrrp_scripts.push(self.script(&v.to_setting())),
            "vrrp_track_file" | "track_file" => {
                c.track_files.push(self.track_file(&v.to_setting()));
            }
            "vrrp_sync_group" => {
                let s = v.to_setting();
                self.one_name(&s);
                c.sync_groups.push(self.sync(&s));
            }
            "vrrp_instance" => {
                let s = v.to_setting();
                self.one_name(&s);
                c.instances.push(self.instance(&s));
            }
            "virtual_server_group" => {
                let s = v.to_setting();
                self.one_name(&s);
                let members = self.block(&s);
                for m in members.iter().filter(|m| m.keyword.value != "fwmark") {
                    // `IP[-LAST] PORT`: the range's end is the last octet/hextet.
                    let (first, end) = match m.keyword.value.rsplit_once('-') {
                        Some((a, e)) => (a, Some(e)),
                        None => (m.keyword.value.as_str(), None),
                    };
                    let start = self.ip(Arg {
                        value: first,
                        span: m.keyword.span,
                    });
                    if let (Some(start), Some(end)) = (start, end) {
                        self.range_end(start.value, end, m.keyword.span);
                    }
                    if let Some(p) = m.args.first()
                        && p.value.parse::<u16>().is_err()
                    {
                        self.diags.push(
                            Diagnostic::error("K0121", format!("`{}` is not a port", p.value))
                                .with_label(p.span, "expected 0-65535")
                                .with_help("use a port number from 0 to 65535"),
                        );
                    }
                }
                c.virtual_server_groups.push(VirtualServerGroup {
                    name: self.string(&s).unwrap_or_else(|| s.keyword.clone()),
                    members,
                });
            }
            "virtual_server" => {
                if let Some(vs) = self.virtual_server(v) {
                    c.virtual_servers.push(vs);
                    // Checked now, while its real servers are in the cache.
                    if let Some(vs) = c.virtual_servers.last()
                        && self.prepared.len() + 1 == c.virtual_servers.len()
                    {
                        self.prepared.push(super::checks::prepare(c, vs));
                    }
                }
            }
            k if kw::TOP.contains(&k) => c.other.push(v.to_setting()),
            _ => {
                self.unknown(v, kw::TOP, "the top level");
                c.other.push(v.to_setting());
            }
        }
    }

    /// The statements of `s`'s block, reporting a missing block and blocks
    /// after keywords that take none.
    pub(super) fn children<'t>(&mut self, s: View<'t>) -> super::tree::Children<'t> {
        self.children_and_blocks(s).0
    }

    /// [`Self::children`], and how many of them have a block (to size the
    /// lists of real servers and checkers once).
    pub(super) fn children_and_blocks<'t>(
        &mut self,
        s: View<'t>,
    ) -> (super::tree::Children<'t>, usize) {
        if !s.has_block() {
            self.no_block(s);
        }
        let mut blocks = 0;
        for x in s.children().filter(|x| x.has_block()) {
            blocks += 1;
            if !kw::takes_block(x.keyword().value) {
                let at = x.children().next().map_or(x.span(), |f| f.keyword().span);
                self.takes_no_block(x.keyword(), at);
            }
        }
        (s.children(), blocks)
    }

    fn no_block<'a>(&mut self, s: impl Stmt<'a>) {
        let k = s.keyword().value;
        self.diags.push(
            Diagnostic::error("K0106", format!("`{k}` needs a {{ ... }} block"))
                .with_label(s.span(), "no block follows")
                .with_help(format!("write `{k} ... {{` and close it with `}}`")),
        );
    }

    fn takes_no_block(&mut self, k: Arg<'_>, at: crate::source::Span) {
        self.diags.push(
            Diagnostic::error("K0107", format!("`{}` takes no {{ ... }} block", k.value))
                .with_label(k.span, "this keyword")
                .with_label(at, "keepalived ignores the `{` and reads this as a keyword")
                .with_help("remove the block, or quote a value that contains `{` or `}`"),
        );
    }

    pub(super) fn block(&mut self, s: &Setting) -> Vec<Setting> {
        if s.block.is_none() {
            self.no_block(s);
        }
        let items = s.block.clone().unwrap_or_default();
        for x in &items {
            if let Some(b) = &x.block
                && !kw::takes_block(&x.keyword.value)
            {
                let at = b.first().map_or(x.span, |f| f.keyword.span);
                self.takes_no_block(x.keyword.as_arg(), at);
            }
        }
        items
    }

    /// The end of a virtual_server_group range `IP-END`: the last octet
    /// (decimal) of an IPv4 address, or the last hextet (hexadecimal) of an
    /// IPv6 one, above the start's.
    fn range_end(&mut self, start: IpAddr, end: &str, span: crate::source::Span) {
        let (last, max, radix) = match start {
            IpAddr::V4(a) => (u32::from(a.octets()[3]), 0xff, 10),
            IpAddr::V6(a) => (u32::from(a.segments()[7]), 0xffff, 16),
        };
        let digits = end.chars().take_while(|c| c.is_digit(radix)).count();
        let why = if digits < end.len() {
            format!("has `{}` after its number", &end[digits..])
        } else {
            match u32::from_str_radix(if end.is_empty() { "0" } else { end }, radix) {
                Ok(e) if e > max => format!("ends past {max:#x}"),
                Ok(e) if e <= last => "does not end above its start".to_owned(),
                Ok(_) => return,
                Err(_) => format!("ends past {max:#x}"),
            }
        };
        self.diags.push(
            Diagnostic::error("K0179", format!("virtual_server_group range `-{end}` {why}"))
                .with_label(span, "keepalived skips this entry")
                .with_help(if radix == 10 {
                    "write `FIRST-LAST PORT` with LAST the last octet (above the first's), e.g. 198.18.7.1-5 80"
                } else {
                    "write `FIRST-LAST PORT` with LAST the last hextet in hex (above the first's), e.g. fd00::1-ff 80"
                }),
        );
    }

    /// A block that takes exactly one name (keepalived skips, or cannot
    /// read, one with more words before its `{`).
    fn one_name(&mut self, s: &Setting) {
        if let Some(extra) = s.args.get(1) {
            self.diags.push(
                Diagnostic::error(
                    "K0174",
                    format!(
                        "{} takes one name, not `{}` too",
                        s.keyword.value, extra.value
                    ),
                )
                .with_label(extra.span, "keepalived does not read the block")
                .with_help("write one word before `{`, e.g. `vrrp_instance VI_1 {`"),
            );
        }
    }

    fn name(&mut self, s: &Setting) -> Spanned<String> {
        self.string(s).unwrap_or_else(|| Spanned {
            value: String::new(),
            span: s.keyword.span,
        })
    }

    fn global(&mut self, s: &Setting) -> GlobalDefs {
        let mut g = GlobalDefs {
            span: s.keyword.span,
            ..GlobalDefs::default()
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "router_id" => g.router_id = self.string(&x),
                "vrrp_version" => g.vrrp_version = self.int(&x, 2, 3),
                "enable_script_security" => {
                    g.enable_script_security = true;
                    self.note_script_global("enable_script_security");
                }
                "script_user" => {
                    self.note_script_global("script_user");
                    g.script_user = self.string(&x);
                    g.script_group = x.args.get(1).cloned();
                    self.script_owner(
                        g.script_user.as_ref(),
                        g.script_group.as_ref(),
                        "keepalived cannot set the global script user",
                    );
                }
                "vrrp_strict" => g.vrrp_strict = true,
                // global_parser.c reads it as 0 to INT_MAX.
                "vrrp_garp_lower_prio_repeat" => {
                    g.vrrp_garp_lower_prio_repeat = self.int(&x, 0, i64::from(i32::MAX));
                }
                k if k.starts_with("vrrp_garp_") && self.global_garp(&x, &mut g) => {}
                "notification_email" if x.block.as_ref().is_some_and(Vec::is_empty) => {
                    self.diags.push(
                        Diagnostic::warning("K0108", "empty notification_email block")
                            .with_label(x.keyword.span, "")
                            .with_help("add an address or remove the block"),
                    );
                }
                "smtp_connect_timeout" => {
                    // Seconds, kept as microseconds in 32 bits: keepalived
                    // reads at most 4294, and says "must be greater than 0".
                    self.int::<u32>(&x, 1, 4294);
                }
                "smtp_server" => self.smtp_server(&x),
                "notification_email" => {
                    self.global_value(&x);
                    g.notification_email = x
                        .block
                        .iter()
                        .flatten()
                        .map(|e| e.keyword.clone())
                        .collect();
                }
                k if kw::GLOBAL.contains(&k) || global::TOP_ONLY.contains(&k) => {
                    self.global_value(&x);
                }
                _ => self.unknown(&x, kw::GLOBAL, "global_defs"),
            }
            g.settings.push(x);
        }
        g
    }

    fn script(&mut self, s: &Setting) -> VrrpScript {
        let mut v = VrrpScript {
            name: self.name(s),
            ..VrrpScript::default()
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "script" => {
                    let words: Vec<&str> = x.args.iter().map(|a| a.value.as_str()).collect();
                    v.script = x.args.first().map(|a| Spanned {
                        value: words.join(" "),
                        span: a.span,
                    });
                    if v.script.is_none() {
                        self.arg(&x);
                    }
                }
                // Whole seconds: keepalived reads an unsigned number.
                "interval" => v.interval = self.whole_seconds(&x),
                "timeout" => v.timeout = self.whole_seconds(&x),
                "weight" => {
                    v.weight = self.int(&x, -254, 254);
                    v.weight_reverse = x.args.get(1).is_some_and(|o| o.value == "reverse");
                    self.weight_option(&x);
                }
                "init_fail" => v.init_fail = true,
                "rise" => v.rise = self.int(&x, 1, i64::from(u32::MAX)),
                "fall" => v.fall = self.int(&x, 1, i64::from(u32::MAX)),
                "user" => {
                    v.user = self.string(&x);
                    v.user_group = x.args.get(1).cloned();
                    self.script_owner(
                        v.user.as_ref(),
                        v.user_group.as_ref(),
                        "keepalived removes this vrrp_script",
                    );
                }
                k if kw::SCRIPT.contains(&k) => {}
                _ => self.unknown(&x, kw::SCRIPT, "vrrp_script"),
            }
            v.settings.push(x);
        }
        v
    }

    /// `smtp_server HOST [PORT]`: an IP address, or a name keepalived
    /// resolves when it reads the file (so it must resolve on this host,
    /// like the interfaces must exist); the port is 1-65535 (25 when
    /// omitted).
    fn smtp_server(&mut self, x: &Setting) {
        let Some(host) = self.arg(x) else {
            return;
        };
        let port = match x.args.get(1) {
            None => 25,
            Some(p) => match p.value.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => {
                    self.diags.push(
                        Diagnostic::error("K0121", format!("`{}` is not a port", p.value))
                            .with_label(p.span, "expected 1-65535")
                            .with_help("use a port number from 1 to 65535 (25 when omitted)"),
                    );
                    return;
                }
            },
        };
        if host.value.parse::<std::net::IpAddr>().is_ok() {
            return;
        }
        // keepalived asks the host's resolver (getaddrinfo) for anything
        // else, as the standard library does here, unless the caller named
        // the names that resolve (tests and fuzzing must not ask DNS).
        let known = match &self.host_names {
            Some(names) => names.iter().any(|n| n == host.value),
            None => std::net::ToSocketAddrs::to_socket_addrs(&(host.value, port))
                .is_ok_and(|mut a| a.next().is_some()),
        };
        if !known {
            self.diags.push(
                Diagnostic::error(
                    "K0116",
                    format!(
                        "smtp_server {} is no address and does not resolve on this host",
                        host.value
                    ),
                )
                .with_label(host.span, "keepalived: invalid smtp server")
                .with_help(
                    "use an IP address, or a host name this host resolves (e.g. from /etc/hosts)",
                ),
            );
        }
    }

    /// The user and group a script runs as must exist on this host (as
    /// keepalived looks them up; like the interfaces, this depends on the
    /// host the configuration is checked on).
    fn script_owner(
        &mut self,
        user: Option<&Spanned<String>>,
        group: Option<&Spanned<String>>,
        consequence: &str,
    ) {
        if let Some(u) = user
            && !super::checks::user_exists(&u.value)
        {
            self.diags.push(
                Diagnostic::error(
                    "K0129",
                    format!("script user {} does not exist on this host", u.value),
                )
                .with_label(u.span, consequence)
                .with_help("create the user, or name one in /etc/passwd"),
            );
        }
        if let Some(g) = group
            && !super::checks::group_exists(&g.value)
        {
            self.diags.push(
                Diagnostic::error(
                    "K0129",
                    format!("script group {} does not exist on this host", g.value),
                )
                .with_label(g.span, consequence)
                .with_help("create the group, or name one in /etc/group"),
            );
        }
    }

    /// `weight N [reverse]`: nothing else may follow the weight.
    fn weight_option(&mut self, x: &Setting) {
        if let Some(o) = x.args.get(1).filter(|o| o.value != "reverse") {
            self.diags.push(
                Diagnostic::error("K0128", format!("unknown weight option `{}`", o.value))
                    .with_label(o.span, "only `reverse` may follow the weight")
                    .with_help("write `weight N` or `weight N reverse`"),
            );
        }
    }

    fn track_file(&mut self, s: &Setting) -> TrackFile {
        let mut t = TrackFile {
            name: self.name(s),
            ..TrackFile::default()
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "file" => t.file = self.string(&x),
                "weight" if t.weight.is_some() => self.diags.push(
                    Diagnostic::error(
                        "K0175",
                        format!("vrrp_track_file {} has a second weight", t.name.value),
                    )
                    .with_label(x.keyword.span, "keepalived ignores it")
                    .with_help("give the track file one weight"),
                ),
                "weight" => {
                    t.weight = self.int(&x, -254, 254);
                    self.weight_option(&x);
                }
                "init_file" => self.init_file(&x),
                k if kw::TRACK_FILE.contains(&k) => {}
                _ => self.unknown(&x, kw::TRACK_FILE, "vrrp_track_file"),
            }
            t.settings.push(x);
        }
        t
    }

    /// `interval`/`timeout` of a vrrp_script: 1 to 4294 whole seconds.
    fn whole_seconds(&mut self, x: &Setting) -> Option<Spanned<f64>> {
        self.int::<u16>(x, 1, 4294).map(|s| Spanned {
            value: f64::from(s.value),
            span: s.span,
        })
    }

    /// `init_file [VALUE] [overwrite]`: the value is -254 to 254.
    fn init_file(&mut self, x: &Setting) {
        for a in x.args.iter().filter(|a| a.value != "overwrite") {
            let numeric = a
                .value
                .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
            let why = if !numeric {
                "is not a value or `overwrite`"
            } else if a
                .value
                .parse::<i64>()
                .is_ok_and(|v| (-254..=254).contains(&v))
            {
                continue;
            } else {
                "is not a whole number from -254 to 254"
            };
            self.diags.push(
                Diagnostic::error("K0172", format!("init_file `{}` {why}", a.value))
                    .with_label(a.span, "keepalived ignores it")
                    .with_help("write `init_file [VALUE] [overwrite]` with VALUE from -254 to 254"),
            );
        }
    }

    fn tracks(x: &Setting, out: &mut Vec<Track>) {
        for e in x.block.iter().flatten() {
            let weight = e
                .args
                .iter()
                .position(|a| a.value == "weight")
                .and_then(|i| e.args.get(i + 1))
                .and_then(|w| w.value.parse().ok());
            out.push(Track {
                kind: x.keyword.value.clone(),
                name: e.keyword.clone(),
                weight,
                reverse: e.args.iter().any(|a| a.value == "reverse"),
            });
        }
    }

    fn notify(&mut self, x: &Setting, out: &mut Vec<Notify>) {
        // keepalived drops a notify script whose user or group does not
        // exist on this host, and only logs it (its config test passes).
        let user = x.args.get(1).map(|u| (u.value.as_str(), u.span));
        let group = x.args.get(2).map(|g| (g.value.as_str(), g.span));
        if self.script_dropped(&x.keyword.value, user, group) {
            return;
        }
        if let Some(a) = self.arg(x) {
            let words: Vec<&str> = x.args.iter().map(|a| a.value.as_str()).collect();
            out.push(Notify {
                kind: x.keyword.value.clone(),
                script: Spanned {
                    value: words.join(" "),
                    span: a.span,
                },
                command: a.owned(),
                user: x.args.get(1).cloned(),
                group: x.args.get(2).cloned(),
            });
        }
    }

    fn sync(&mut self, s: &Setting) -> SyncGroup {
        let mut g = SyncGroup {
            name: self.name(s),
            ..SyncGroup::default()
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "group" => {
                    for e in x.block.iter().flatten() {
                        g.group.push(e.keyword.clone());
                        g.group.extend(e.args.iter().cloned());
                    }
                }
                k if k.starts_with("track_") => {
                    Self::tracks(&x, &mut g.tracks);
                }
                "smtp_alert" | "notify_priority_changes" => {
                    self.flag(&x);
                }
                "global_tracking" => self.diags.push(
                    Diagnostic::warning("K0171", "global_tracking is deprecated")
                        .with_label(x.keyword.span, "keepalived warns")
                        .with_help("put track_interface, track_script or track_file blocks on the sync group instead"),
                ),
                "notify_deleted" => self.unknown(&x, kw::SYNC, "vrrp_sync_group"),
                k if k.starts_with("notify_") || k == "notify" => {
                    if k != "notify_priority_changes" {
                        self.notify(&x, &mut g.notify);
                    }
                }
                k if kw::SYNC.contains(&k) => {}
                _ => self.unknown(&x, kw::SYNC, "vrrp_sync_group"),
            }
            g.settings.push(x);
        }
        g
    }
}

/// `a.b.c.d` with four decimal numbers of 0-255 without leading zeros: the
/// common IPv4 address, read without the general parser. `None` for anything
/// else (which [`IpAddr::from_str`] then reads or rejects): every address this
/// accepts, the general parser accepts as the same address.
fn dotted_quad(s: &str) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut bytes = s.bytes();
    for (i, o) in octets.iter_mut().enumerate() {
        // Up to three digits, then `.` (or the end after the fourth).
        let (mut v, mut digits) = (0u16, 0);
        loop {
            match bytes.next() {
                Some(d @ b'0'..=b'9') if digits < 3 && !(digits == 1 && v == 0) => {
                    v = v * 10 + u16::from(d - b'0');
                    digits += 1;
                }
                Some(b'.') if digits > 0 && i < 3 => break,
                None if digits > 0 && i == 3 => break,
                _ => return None,
            }
        }
        *o = u8::try_from(v).ok()?;
    }
    Some(std::net::Ipv4Addr::from(octets))
}

pub(super) mod blocks;
mod check;
mod global;
pub(super) mod lvs;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_quads_read_as_the_general_parser_reads_them() {
        for s in [
            "198.18.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.-4",
            "a.b.c.d",
            "",
            "fd00::1",
            "::ffff:1.2.3.4",
            "1.2.3.0004",
            "1.2.3.999",
            "9.9.9.9",
        ] {
            let fast = dotted_quad(s).map(IpAddr::V4);
            let general = IpAddr::from_str(s).ok().filter(IpAddr::is_ipv4);
            assert!(fast.is_none() || fast == general, "{s}");
            assert_eq!(
                fast.is_some(),
                general.is_some(),
                "{s}: only IPv4 is read fast"
            );
        }
    }
}
pub(super) mod vrrp;
