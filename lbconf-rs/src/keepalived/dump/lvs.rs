//! Virtual servers, real servers and checkers: their typed fields in a fixed
//! order, then the statements kept raw (unknown keywords, keywords without a
//! typed field, values that could not be read). A typed field is left out
//! when a raw statement of the same keyword is printed instead.

use std::fmt::{Display, Write as _};

use super::{settings, word};
use crate::keepalived::model::*;

/// Writes the lines of one block at `depth`.
struct Out<'o> {
    out: &'o mut String,
    depth: usize,
    raw: &'o [Setting],
}

impl Out<'_> {
    fn pad(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    /// Whether a raw statement of one of `keywords` is printed instead.
    fn raw_has(&self, keywords: &[&str]) -> bool {
        self.raw
            .iter()
            .any(|s| keywords.contains(&s.keyword.value.as_str()))
    }

    fn line(&mut self, keyword: &str, args: &[&dyn Display]) {
        self.pad();
        self.out.push_str(keyword);
        for a in args {
            let _ = write!(self.out, " {a}");
        }
        self.out.push('\n');
    }

    fn flag(&mut self, keyword: &str, on: bool) {
        if on && !self.raw_has(&[keyword]) {
            self.line(keyword, &[]);
        }
    }

    fn opt<T: Display>(&mut self, keyword: &str, v: Option<&Spanned<T>>) {
        if let Some(v) = v
            && !self.raw_has(&[keyword])
        {
            self.line(keyword, &[&v.value]);
        }
    }

    fn text(&mut self, keyword: &str, v: Option<&Spanned<String>>) {
        if let Some(v) = v
            && !self.raw_has(&[keyword])
        {
            self.line(keyword, &[&word(&v.value)]);
        }
    }

    fn boolean(&mut self, keyword: &str, v: Option<&Spanned<bool>>) {
        if let Some(v) = v
            && !self.raw_has(&[keyword])
        {
            if v.value {
                self.line(keyword, &[]);
            } else {
                self.line(keyword, &[&"false"]);
            }
        }
    }

    /// A script: the first one given is typed; any other is kept raw.
    fn script(&mut self, keyword: &str, v: Option<&ScriptCommand>) {
        if let Some(v) = v {
            let mut words = vec![word(&v.command.value)];
            words.extend(v.user.iter().map(|u| word(&u.value)));
            words.extend(v.group.iter().map(|g| word(&g.value)));
            let args: Vec<&dyn Display> = words.iter().map(|w| w as &dyn Display).collect();
            self.line(keyword, &args);
        }
    }

    fn connect(&mut self, o: &ConnectOptions) {
        self.opt("connect_ip", o.connect_ip());
        self.opt("connect_port", o.connect_port());
        self.opt("bindto", o.bindto());
        self.opt("bind_port", o.bind_port());
        self.text("bind_if", o.bind_if());
        self.opt("fwmark", o.fwmark());
        self.opt("connect_timeout", o.connect_timeout());
        if !self.raw_has(&["nb_get_retry"]) {
            self.opt("retry", o.retry());
        }
        self.opt("delay_before_retry", o.delay_before_retry());
        self.opt("warmup", o.warmup());
        self.opt("delay_loop", o.delay_loop());
        self.boolean("alpha", o.alpha());
        self.boolean("log_all_failures", o.log_all_failures());
    }

    fn rest(&mut self) {
        settings(self.out, self.raw, self.depth);
    }
}

fn nested<'o>(out: &'o mut String, depth: usize, raw: &'o [Setting]) -> Out<'o> {
    Out { out, depth, raw }
}

/// The body of a `virtual_server` block.
pub(super) fn virtual_server(out: &mut String, v: &VirtualServer) {
    let mut o = nested(out, 1, &v.settings);
    if !o.raw_has(&["lb_algo", "lvs_sched"]) {
        o.text("lb_algo", v.lb_algo.as_ref());
    }
    for f in &v.sched_flags {
        o.line(&f.value, &[]);
    }
    if !o.raw_has(&["lb_kind", "lvs_method"]) {
        o.text("lb_kind", v.lb_kind.as_ref());
    }
    o.text("protocol", v.protocol.as_ref());
    o.flag("ops", v.ops);
    o.text("persistence_engine", v.persistence_engine.as_ref());
    o.opt("persistence_timeout", v.persistence_timeout.as_ref());
    o.text(
        "persistence_granularity",
        v.persistence_granularity.as_ref(),
    );
    o.flag("ha_suspend", v.ha_suspend);
    o.boolean("smtp_alert", v.smtp_alert.as_ref());
    o.text("virtualhost", v.virtualhost.as_ref());
    o.text("snmp_name", v.snmp_name.as_ref());
    o.flag("alpha", v.alpha);
    o.flag("omega", v.omega);
    o.opt("quorum", v.quorum.as_ref());
    o.opt("hysteresis", v.hysteresis.as_ref());
    o.opt("weight", v.weight.as_ref());
    o.script("quorum_up", v.quorum_up.as_deref());
    o.script("quorum_down", v.quorum_down.as_deref());
    o.text("ip_family", v.ip_family.as_ref());
    if let Some(s) = &v.sorry_server
        && !o.raw_has(&["sorry_server"])
    {
        let words: Vec<String> = s.value.split(' ').map(word).collect();
        let args: Vec<&dyn Display> = words.iter().map(|w| w as &dyn Display).collect();
        o.line("sorry_server", &args);
    }
    o.flag("sorry_server_inhibit", v.sorry_server_inhibit);
    o.text(
        "sorry_server_lvs_method",
        v.sorry_server_lvs_method.as_ref(),
    );
    o.connect(&v.check_defaults);
    o.opt("delay_loop", v.delay_loop.as_ref());
    o.flag("inhibit_on_failure", v.inhibit_on_failure);
    o.rest();
    for rs in &v.real_servers {
        real_server(o.out, rs);
    }
}

fn real_server(out: &mut String, rs: &RealServer) {
    match rs.port {
        Some(p) => {
            let _ = writeln!(out, "    real_server {} {p} {{", rs.address.value);
        }
        None => {
            let _ = writeln!(out, "    real_server {} {{", rs.address.value);
        }
    }
    let mut o = nested(out, 2, &rs.settings);
    o.opt("weight", rs.weight.as_ref());
    o.text("lvs_method", rs.lvs_method());
    o.script("notify_up", rs.notify_up());
    o.script("notify_down", rs.notify_down());
    o.opt("uthreshold", rs.uthreshold());
    o.opt("lthreshold", rs.lthreshold());
    o.boolean("smtp_alert", rs.smtp_alert());
    o.text("virtualhost", rs.virtualhost());
    o.connect(&rs.check_defaults);
    o.flag("inhibit_on_failure", rs.inhibit_on_failure);
    o.rest();
    for c in &rs.checkers {
        checker(o.out, c);
    }
    out.push_str("    }\n");
}

fn hex(data: &[u8], mask: Option<&[u8]>) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(data.len() * 2);
    for (i, b) in data.iter().enumerate() {
        let m = mask.and_then(|m| m.get(i).copied()).unwrap_or(0xff);
        for (shift, nib) in [(4, m >> 4), (0, m & 0xf)] {
            if nib == 0 {
                s.push('X');
            } else {
                s.push(char::from(DIGITS[usize::from((b >> shift) & 0xf)]));
            }
        }
    }
    s
}

fn checker(out: &mut String, c: &Checker) {
    let _ = writeln!(out, "        {} {{", c.kind.value.keyword());
    let mut o = nested(out, 3, &c.settings);
    o.connect(&c.common);
    match &c.detail {
        CheckerDetail::Tcp | CheckerDetail::Ping => {}
        CheckerDetail::Http(h) => {
            if let Some(p) = &h.http_protocol
                && !o.raw_has(&["http_protocol"])
            {
                o.line("http_protocol", &[&p.value.as_str()]);
            }
            o.text("virtualhost", h.virtualhost.as_ref());
            o.boolean("enable_sni", h.enable_sni.as_ref());
            o.boolean("fast_recovery", h.fast_recovery.as_ref());
            for u in &h.urls {
                url(o.out, u);
            }
        }
        CheckerDetail::Misc(m) => {
            o.text("misc_path", m.misc_path.as_ref());
            o.opt("misc_timeout", m.misc_timeout.as_ref());
            o.flag("misc_dynamic", m.misc_dynamic);
            if let Some(u) = &m.user
                && !o.raw_has(&["user"])
            {
                let user = word(&u.value);
                match &m.group {
                    Some(g) => o.line("user", &[&user, &word(&g.value)]),
                    None => o.line("user", &[&user]),
                }
            }
        }
        CheckerDetail::Smtp(s) => {
            o.text("helo_name", s.helo_name.as_ref());
            for h in &s.hosts {
                o.line("host", &[&"{"]);
                let mut inner = nested(o.out, 4, &[]);
                inner.connect(&h.connect);
                o.line("}", &[]);
            }
        }
        CheckerDetail::Dns(d) => {
            if let Some(t) = &d.query_type
                && !o.raw_has(&["type"])
            {
                o.line("type", &[&t.value.as_str()]);
            }
            o.text("name", d.name.as_ref());
        }
        CheckerDetail::Udp(u) => {
            if let Some(p) = &u.payload
                && !o.raw_has(&["payload"])
            {
                o.line("payload", &[&hex(&p.value, None)]);
            }
            if let Some(r) = &u.require_reply
                && !o.raw_has(&["require_reply"])
            {
                match &r.value {
                    Some(p) => o.line(
                        "require_reply",
                        &[&hex(&p.reply_data, Some(&p.reply_data_mask))],
                    ),
                    None => o.line("require_reply", &[]),
                }
            }
            o.opt("min_reply_length", u.min_reply_length.as_ref());
            o.opt("max_reply_length", u.max_reply_length.as_ref());
        }
        CheckerDetail::File(f) => {
            o.text("track_file", f.track_file.as_ref());
            weight(&mut o, f.weight.as_ref(), f.reverse);
            o.flag("dynamic", f.dynamic);
        }
        CheckerDetail::Bfd(b) => {
            o.text("name", b.name.as_ref());
            weight(&mut o, b.weight.as_ref(), b.reverse);
        }
    }
    o.rest();
    out.push_str("        }\n");
}

fn weight(o: &mut Out<'_>, w: Option<&Spanned<i32>>, reverse: bool) {
    if let Some(w) = w
        && !o.raw_has(&["weight"])
    {
        if reverse {
            o.line("weight", &[&w.value, &"reverse"]);
        } else {
            o.line("weight", &[&w.value]);
        }
    }
}

fn url(out: &mut String, u: &Url) {
    out.push_str("            url {\n");
    let mut o = nested(out, 4, &[]);
    o.text("path", u.path.as_ref());
    o.text("digest", u.digest.as_ref());
    if !u.status_code.is_empty() {
        let codes: Vec<String> = u
            .status_code
            .iter()
            .map(|s| {
                if s.value.first == s.value.last {
                    s.value.first.to_string()
                } else {
                    format!("{}-{}", s.value.first, s.value.last)
                }
            })
            .collect();
        let args: Vec<&dyn Display> = codes.iter().map(|c| c as &dyn Display).collect();
        o.line("status_code", &args);
    }
    o.text("virtualhost", u.virtualhost.as_ref());
    o.text("regex", u.regex.as_ref());
    o.flag("regex_no_match", u.regex_no_match);
    if !u.regex_options.is_empty() {
        let words: Vec<String> = u.regex_options.iter().map(|w| word(&w.value)).collect();
        let args: Vec<&dyn Display> = words.iter().map(|w| w as &dyn Display).collect();
        o.line("regex_options", &args);
    }
    if let Some(s) = &u.regex_stack {
        o.line("regex_stack", &[&s.value.0, &s.value.1]);
    }
    o.opt("regex_min_offset", u.regex_min_offset.as_ref());
    o.opt("regex_max_offset", u.regex_max_offset.as_ref());
    out.push_str("            }\n");
}
