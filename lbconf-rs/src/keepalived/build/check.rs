//! Checker blocks (`TCP_CHECK`, `HTTP_GET`, ...) and the options they share
//! with `real_server` and `virtual_server`.

use super::Builder;
use crate::diagnostic::Diagnostic;
use crate::keepalived::keywords as kw;
use crate::keepalived::model::*;
use crate::keepalived::tree::{Arg, Stmt, View};
use crate::source::Span;

/// Sets one option of `o` with `set`; whether a value was read.
fn put<T>(
    o: &mut ConnectOptions,
    set: fn(&mut ConnectOptions, Option<Spanned<T>>),
    value: Option<Spanned<T>>,
) -> bool {
    let ok = value.is_some();
    set(o, value);
    ok
}

/// Which of the shared checker options a block takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Common {
    /// All of them (TCP_CHECK, HTTP_GET, ...).
    Connect,
    /// `alpha` onwards: the timing options (MISC_CHECK).
    Timing,
    /// The timing options as a `virtual_server` or `real_server` sets them
    /// for its checkers: the same, but `retry` is 1 or more there.
    Server,
}

/// keepalived's longest time, `ULONG_MAX / TIMER_HZ` seconds
/// (18446744073709.551614, as near as an f64 gets): the limit of
/// `delay_loop`, `delay_before_retry` and `warmup`.
pub(super) const TIMER_MAX: f64 = u64::MAX as f64 / 1e6;

const TIMING: &[&str] = &[
    "alpha",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "log_all_failures",
];

impl Builder {
    /// `KEYWORD [BOOL]`: no value is `true`; keepalived takes `true`/`on`/
    /// `yes` and `false`/`off`/`no`, in lower case.
    pub(super) fn flag<'a>(&mut self, x: impl Stmt<'a>) -> Option<Spanned<bool>> {
        let Some(a) = x.arg(0) else {
            return Some(Spanned {
                value: true,
                span: x.keyword().span,
            });
        };
        let value = match a.value {
            "true" | "on" | "yes" => true,
            "false" | "off" | "no" => false,
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        "K0130",
                        format!("`{}` is not a valid {} value", a.value, x.keyword().value),
                    )
                    .with_label(a.span, "expected true/false, on/off or yes/no")
                    .with_help(format!(
                        "write `{0}` or `{0} false` (lower case)",
                        x.keyword().value
                    )),
                );
                return None;
            }
        };
        Some(Spanned {
            value,
            span: a.span,
        })
    }

    /// A program and its optional user and group: `KEYWORD CMD [USER [GROUP]]`.
    /// Whether keepalived drops (and only logs) a `keyword` script because
    /// its user or group does not exist on this host; if so, a warning that
    /// does not fail the check.
    pub(super) fn script_dropped(
        &mut self,
        keyword: &str,
        user: Option<(&str, Span)>,
        group: Option<(&str, Span)>,
    ) -> bool {
        let missing = user
            .filter(|(u, _)| !crate::keepalived::checks::user_exists(u))
            .map(|u| (u, "user"))
            .or_else(|| {
                group
                    .filter(|(g, _)| !crate::keepalived::checks::group_exists(g))
                    .map(|g| (g, "group"))
            });
        let Some(((name, span), what)) = missing else {
            return false;
        };
        self.diags.push(
            Diagnostic::warning(
                "K0245",
                format!("{keyword} script {what} {name} does not exist on this host"),
            )
            .with_label(span, "keepalived drops this script (and only logs it)")
            .with_help(format!("create the {what}, or name one that exists")),
        );
        true
    }

    /// keepalived drops (and only logs) a script whose user or group does
    /// not exist on this host: `None` then, with a warning that does not
    /// fail the check.
    pub(super) fn script_command<'a>(&mut self, x: impl Stmt<'a>) -> Option<ScriptCommand> {
        let command = self.arg(x)?.owned();
        let user = x.arg(1).map(|u| (u.value, u.span));
        let group = x.arg(2).map(|g| (g.value, g.span));
        if self.script_dropped(x.keyword().value, user, group) {
            return None;
        }
        Some(ScriptCommand {
            command,
            user: x.arg(1).map(Arg::owned),
            group: x.arg(2).map(Arg::owned),
        })
    }

    /// Reads `x` into `o` when it is one of the shared options `which`
    /// allows: `None` when it is not one of them, else whether its value
    /// was read.
    pub(super) fn common_option(
        &mut self,
        o: &mut ConnectOptions,
        x: View<'_>,
        which: Common,
    ) -> Option<bool> {
        let k = x.keyword().value;
        if which != Common::Connect && !TIMING.contains(&k) {
            return None;
        }
        let ok = match k {
            "connect_ip" => put(
                o,
                ConnectOptions::set_connect_ip,
                self.arg(x).and_then(|a| self.ip(a)),
            ),
            "connect_port" => put(o, ConnectOptions::set_connect_port, self.checker_port(x)),
            "bindto" => put(
                o,
                ConnectOptions::set_bindto,
                self.arg(x).and_then(|a| self.ip(a)),
            ),
            "bind_port" => put(o, ConnectOptions::set_bind_port, self.checker_port(x)),
            "bind_if" => put(o, ConnectOptions::set_bind_if, self.string(x)),
            "fwmark" => put(
                o,
                ConnectOptions::set_fwmark,
                self.int(x, 0, i64::from(u32::MAX)),
            ),
            "connect_timeout" => {
                // keepalived keeps it in microseconds in 32 bits.
                put(
                    o,
                    ConnectOptions::set_connect_timeout,
                    self.timer(x, 4_294.967_295),
                )
            }
            "retry" => put(
                o,
                ConnectOptions::set_retry,
                self.int(x, i64::from(which == Common::Server), i64::from(u32::MAX)),
            ),
            "nb_get_retry" => {
                self.diags.push(
                    Diagnostic::warning("K0133", "nb_get_retry is deprecated")
                        .with_label(x.keyword().span, "keepalived warns and reads it as `retry`")
                        .with_help("write `retry` instead"),
                );
                o.set_retry(self.int(x, 0, i64::from(u32::MAX)));
                false
            }
            "delay_before_retry" => put(
                o,
                ConnectOptions::set_delay_before_retry,
                self.timer(x, TIMER_MAX),
            ),
            "warmup" => put(o, ConnectOptions::set_warmup, self.timer(x, TIMER_MAX)),
            "delay_loop" => put(o, ConnectOptions::set_delay_loop, self.timer(x, TIMER_MAX)),
            "alpha" => put(o, ConnectOptions::set_alpha, self.flag(x)),
            "log_all_failures" => put(o, ConnectOptions::set_log_all_failures, self.flag(x)),
            _ => return None,
        };
        Some(ok && x.nargs() <= 1)
    }

    fn checker_port(&mut self, x: View<'_>) -> Option<Spanned<u16>> {
        self.int(x, 1, 65_535)
    }

    /// A checker block of kind `kind`.
    pub(super) fn checker(&mut self, s: View<'_>, kind: CheckerKind) -> Checker {
        let mut c = Checker {
            kind: Spanned {
                value: kind,
                span: s.keyword().span,
            },
            common: ConnectOptions::default(),
            detail: CheckerDetail::empty(kind),
            settings: Vec::new(),
        };
        let common = match kind {
            CheckerKind::Misc => Some(Common::Timing),
            CheckerKind::File | CheckerKind::Bfd => None,
            _ => Some(Common::Connect),
        };
        let specific = kw::checker_specific(kind.keyword());
        for x in self.children(s) {
            let k = x.keyword().value;
            let held = match common {
                Some(which)
                    if k != "nb_get_retry" || matches!(c.detail, CheckerDetail::Http(_)) =>
                {
                    self.common_option(&mut c.common, x, which)
                }
                _ => None,
            }
            .or_else(|| self.detail_option(&mut c.detail, x, specific));
            match held {
                Some(true) => {}
                Some(false) => c.settings.push(x.to_setting()),
                None => {
                    let mut names: Vec<&str> = match common {
                        Some(Common::Connect) => kw::CHECK_COMMON.to_vec(),
                        Some(Common::Timing | Common::Server) => TIMING.to_vec(),
                        None => Vec::new(),
                    };
                    names.extend(specific);
                    self.unknown(x, &names, kind.keyword());
                    c.settings.push(x.to_setting());
                }
            }
        }
        if let CheckerDetail::Udp(u) = &c.detail
            && let (Some(min), Some(max)) = (&u.min_reply_length, &u.max_reply_length)
            && min.value > max.value
        {
            self.diags.push(
                Diagnostic::warning(
                    "K0178",
                    format!(
                        "UDP_CHECK min_reply_length {} is above max_reply_length {}",
                        min.value, max.value
                    ),
                )
                .with_label(min.span, "keepalived warns: the check can never pass")
                .with_label(max.span, "the maximum")
                .with_help("make min_reply_length at most max_reply_length"),
            );
        }
        c
    }

    /// Reads a kind-specific option into `d`: `None` when `x` is none of
    /// `specific`, else whether its value was read.
    fn detail_option(
        &mut self,
        d: &mut CheckerDetail,
        x: View<'_>,
        specific: &[&str],
    ) -> Option<bool> {
        let k = x.keyword().value;
        if !specific.contains(&k) {
            return None;
        }
        let one = x.nargs() <= 1;
        let held = match d {
            CheckerDetail::Http(h) => match k {
                "http_protocol" => {
                    h.http_protocol = self.http_protocol(x);
                    h.http_protocol.is_some() && one
                }
                "virtualhost" => {
                    h.virtualhost = self.string(x);
                    h.virtualhost.is_some() && one
                }
                "enable_sni" => {
                    h.enable_sni = self.flag(x);
                    h.enable_sni.is_some() && one
                }
                "fast_recovery" => {
                    h.fast_recovery = self.flag(x);
                    h.fast_recovery.is_some() && one
                }
                "url" => {
                    // Words after `url` mean nothing to keepalived; the
                    // block is the url.
                    let u = self.url(x);
                    h.urls.push(u);
                    true
                }
                _ => false,
            },
            CheckerDetail::Misc(m) => match k {
                "misc_path" => match self.arg(x) {
                    Some(a) => {
                        let words: Vec<&str> = x.args().map(|a| a.value).collect();
                        m.misc_path = Some(Spanned {
                            value: words.join(" "),
                            span: a.span,
                        });
                        true
                    }
                    None => false,
                },
                "misc_timeout" => {
                    m.misc_timeout = self.int(x, 0, 4_294);
                    m.misc_timeout.is_some() && one
                }
                "misc_dynamic" => {
                    m.misc_dynamic = true;
                    x.nargs() == 0
                }
                "user" => {
                    m.user = self.string(x);
                    m.group = x.arg(1).map(Arg::owned);
                    if let Some(g) = &m.group
                        && !crate::keepalived::checks::group_exists(&g.value)
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0129",
                                format!("group {} does not exist on this host", g.value),
                            )
                            .with_label(g.span, "keepalived removes this MISC_CHECK script")
                            .with_help("create the group or name an existing one"),
                        );
                    }
                    if let Some(u) = &m.user
                        && !crate::keepalived::checks::user_exists(&u.value)
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0129",
                                format!("user {} does not exist on this host", u.value),
                            )
                            .with_label(u.span, "keepalived removes this MISC_CHECK script")
                            .with_help("create the user or name an existing one"),
                        );
                    }
                    m.user.is_some() && x.nargs() <= 2
                }
                _ => false,
            },
            CheckerDetail::Smtp(sm) => match k {
                "helo_name" => {
                    sm.helo_name = self.string(x);
                    sm.helo_name.is_some() && one
                }
                "host" => {
                    let mut host = SmtpHost {
                        connect: ConnectOptions::default(),
                        span: x.keyword().span,
                    };
                    // Like a url, the block is the host: statements that
                    // could not be read are reported and left out.
                    for y in self.children(x) {
                        if self
                            .common_option(&mut host.connect, y, Common::Connect)
                            .is_none()
                        {
                            self.unknown(y, kw::CHECK_COMMON, "SMTP_CHECK host");
                        }
                    }
                    sm.hosts.push(host);
                    true
                }
                _ => false,
            },
            CheckerDetail::Dns(dn) => match k {
                "type" => {
                    // keepalived compares the type's name without case.
                    let found = x.arg(0).and_then(|a| {
                        let ty = DnsType::ALL
                            .iter()
                            .find(|(_, n)| n.eq_ignore_ascii_case(a.value))?
                            .0;
                        Some(Spanned {
                            value: ty,
                            span: a.span,
                        })
                    });
                    dn.query_type = match found {
                        Some(t) => Some(t),
                        None => {
                            let names: Vec<&str> = DnsType::ALL.iter().map(|(_, n)| *n).collect();
                            self.choice(x, &names);
                            None
                        }
                    };
                    dn.query_type.is_some() && one
                }
                "name" if dn.name.is_some() => {
                    let first = dn.name.as_ref().map_or(x.keyword().span, |n| n.span);
                    self.diags.push(
                        Diagnostic::error("K0247", "DNS_CHECK has a second name")
                            .with_label(x.keyword().span, "keepalived ignores this one")
                            .with_label(first, "and keeps this one")
                            .with_help("write one `name` per DNS_CHECK"),
                    );
                    one
                }
                "name" => {
                    dn.name = self.string(x);
                    if let Some(n) = &dn.name
                        && let Some(why) = dns_name_problem(&n.value)
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0132",
                                format!("DNS_CHECK name `{}` {why}", n.value),
                            )
                            .with_label(n.span, "keepalived ignores this name")
                            .with_help(
                                "write the name without a leading or doubled dot, with a first label of two characters or more, e.g. example.com",
                            ),
                        );
                    }
                    dn.name.is_some() && one
                }
                _ => false,
            },
            CheckerDetail::Udp(u) => match k {
                "payload" => {
                    u.payload = self.hex(x, false).map(|s| Spanned {
                        value: s.value.reply_data,
                        span: s.span,
                    });
                    u.payload.is_some()
                }
                "require_reply" => {
                    u.require_reply = if x.nargs() == 0 {
                        Some(Spanned {
                            value: None,
                            span: x.keyword().span,
                        })
                    } else {
                        self.hex(x, true).map(|s| Spanned {
                            value: Some(s.value),
                            span: s.span,
                        })
                    };
                    u.require_reply.is_some()
                }
                "min_reply_length" => {
                    u.min_reply_length = self.int(x, 0, 65_535);
                    u.min_reply_length.is_some() && one
                }
                "max_reply_length" => {
                    u.max_reply_length = self.int(x, 0, 65_535);
                    u.max_reply_length.is_some() && one
                }
                _ => false,
            },
            CheckerDetail::File(f) => match k {
                "track_file" => {
                    f.track_file = self.string(x);
                    f.track_file.is_some() && one
                }
                "weight" => {
                    f.weight = self.int(x, -2_147_483_647, 2_147_483_647);
                    f.reverse = self.reverse(x);
                    f.weight.is_some() && (one || f.reverse) && x.nargs() <= 2
                }
                "dynamic" => {
                    f.dynamic = true;
                    self.newer(x, "FILE_CHECK");
                    x.nargs() == 0
                }
                _ => false,
            },
            CheckerDetail::Bfd(b) => match k {
                "name" => {
                    let again = b.name.is_some();
                    b.name = self.string(x);
                    if again || x.nargs() > 1 {
                        self.diags.push(
                            Diagnostic::error("K0134", "BFD_CHECK needs exactly one name")
                                .with_label(x.keyword().span, "a second name")
                                .with_help("write one `name BFD_INSTANCE` per BFD_CHECK"),
                        );
                    }
                    b.name.is_some() && one
                }
                "weight" => {
                    b.weight = self.int(x, -253, 253);
                    b.reverse = self.reverse(x);
                    self.newer(x, "BFD_CHECK");
                    b.weight.is_some() && (one || b.reverse) && x.nargs() <= 2
                }
                _ => false,
            },
            CheckerDetail::Tcp | CheckerDetail::Ping => false,
        };
        Some(held)
    }

    /// `weight N [reverse]`: whether `reverse` follows (anything else is
    /// reported).
    fn reverse(&mut self, x: View<'_>) -> bool {
        match x.arg(1) {
            Some(o) if o.value == "reverse" => true,
            Some(o) => {
                self.diags.push(
                    Diagnostic::error("K0128", format!("unknown weight option `{}`", o.value))
                        .with_label(o.span, "only `reverse` may follow the weight")
                        .with_help("write `weight N` or `weight N reverse`"),
                );
                false
            }
            None => false,
        }
    }

    /// A keyword of keepalived's current man page that 2.2.7 does not know.
    fn newer(&mut self, x: View<'_>, context: &str) {
        self.diags.push(
            Diagnostic::error(
                "K0141",
                format!(
                    "`{}` in {context} is newer than keepalived 2.2.7",
                    x.keyword().value
                ),
            )
            .with_label(x.keyword().span, "keepalived 2.2.7: unknown keyword")
            .with_help("remove it for keepalived 2.2.7, or run a newer keepalived"),
        );
    }

    fn http_protocol(&mut self, x: View<'_>) -> Option<Spanned<HttpProtocol>> {
        let a = self.choice(x, &["1.0", "1.0C", "1.1"])?;
        let value = match a.value.as_str() {
            "1.0" => HttpProtocol::Http10,
            "1.0C" => HttpProtocol::Http10Close,
            _ => HttpProtocol::Http11,
        };
        Some(Spanned {
            value,
            span: a.span,
        })
    }

    /// keepalived's free-form hex string (all the arguments): pairs of digits
    /// make bytes, a lone digit at the end of a word is a byte of its own
    /// (`Ab12f 3` is AB 12 0F 03). With `masks`, `X`/`x` is a digit that is
    /// not compared.
    fn hex(&mut self, x: View<'_>, masks: bool) -> Option<Spanned<ReplyPattern>> {
        let first = self.arg(x)?;
        let span = x.args().fold(first.span, |s, a| {
            if a.span.file == s.file {
                s.to(a.span)
            } else {
                s
            }
        });
        let mut out = ReplyPattern::default();
        for a in x.args() {
            let nibbles: Option<Vec<(u8, u8)>> = a
                .value
                .chars()
                .map(|c| match c {
                    'x' | 'X' if masks => Some((0, 0)),
                    c => c
                        .to_digit(16)
                        .and_then(|d| u8::try_from(d).ok())
                        .map(|d| (d, 0xf)),
                })
                .collect();
            let Some(nibbles) = nibbles else {
                self.diags.push(
                    Diagnostic::error("K0131", format!("`{}` is not a hex string", a.value))
                        .with_label(a.span, "expected hexadecimal digits")
                        .with_help(if masks {
                            "use 0-9, a-f and X for a digit not compared, e.g. `0a1bXX`"
                        } else {
                            "use 0-9 and a-f, e.g. `0a1b 2c`"
                        }),
                );
                return None;
            };
            for pair in nibbles.chunks(2) {
                let (hi, lo) = match *pair {
                    [(h, hm), (l, lm)] => ((h << 4) | l, (hm << 4) | lm),
                    [(l, lm)] => (l, lm),
                    _ => continue,
                };
                out.reply_data.push(hi);
                out.reply_data_mask.push(lo);
            }
        }
        Some(Spanned { value: out, span })
    }

    /// A `url { ... }` block.
    fn url(&mut self, s: View<'_>) -> Url {
        let mut u = Url::default();
        for x in self.children(s) {
            match x.keyword().value {
                "path" => u.path = self.string(x),
                "digest" if u.digest.is_some() => {
                    let first = u.digest.as_ref().map_or(x.keyword().span, |d| d.span);
                    self.diags.push(
                        Diagnostic::error("K0248", "url has a second digest")
                            .with_label(x.keyword().span, "keepalived ignores this one")
                            .with_label(first, "and keeps this one")
                            .with_help("write one `digest` per url block"),
                    );
                }
                "digest" => {
                    u.digest = self.string(x);
                    if let Some(d) = &u.digest
                        && (d.value.len() != 32 || !d.value.chars().all(|c| c.is_ascii_hexdigit()))
                    {
                        self.diags.push(
                            Diagnostic::error(
                                "K0125",
                                format!("digest `{}` is not 32 hex digits", d.value),
                            )
                            .with_label(d.span, "expected an MD5 digest")
                            .with_help("use the output of `genhash` (32 hexadecimal characters)"),
                        );
                    }
                }
                // Without a value keepalived only logs these and goes on.
                "status_code" | "regex" if x.nargs() == 0 => self.diags.push(
                    Diagnostic::warning(
                        "K0170",
                        format!("`{}` without a value does nothing", x.keyword().value),
                    )
                    .with_label(x.keyword().span, "keepalived ignores it")
                    .with_help("give it a value, or remove the line"),
                ),
                "status_code" => {
                    u.status_code = x.args().filter_map(|a| self.status(a)).collect();
                }
                "virtualhost" => u.virtualhost = self.string(x),
                "regex" => u.regex = self.string(x),
                "regex_no_match" => u.regex_no_match = true,
                "regex_options" => u.regex_options = x.args().map(Arg::owned).collect(),
                "regex_stack" => {
                    if let (Some(a), Some(b)) = (x.arg(0), x.arg(1))
                        && let (Ok(start), Ok(max)) = (a.value.parse(), b.value.parse())
                    {
                        u.regex_stack = Some(Spanned {
                            value: (start, max),
                            span: a.span.to(b.span),
                        });
                    }
                }
                // keepalived 2.2.7 (Debian) reads these without complaint
                // whatever they are: a value that is not a number is left out.
                "regex_min_offset" => u.regex_min_offset = offset(x),
                "regex_max_offset" => u.regex_max_offset = offset(x),
                k if kw::URL.contains(&k) => {}
                _ => self.unknown(x, kw::URL, "url"),
            }
        }
        u
    }

    /// One `status_code` word: `CODE` or `FIRST-LAST`, codes 100-599.
    fn status(&mut self, a: Arg<'_>) -> Option<Spanned<StatusRange>> {
        let code = |p: &str| p.parse::<u16>().ok().filter(|n| (100..=599).contains(n));
        let range = match a.value.split_once('-') {
            Some((f, l)) => code(f).zip(code(l)).filter(|(f, l)| f <= l),
            None => code(a.value).map(|c| (c, c)),
        };
        match range {
            Some((first, last)) => Some(Spanned {
                value: StatusRange { first, last },
                span: a.span,
            }),
            None => {
                self.diags.push(
                    Diagnostic::error("K0124", format!("`{}` is not an HTTP status code", a.value))
                        .with_label(a.span, "expected 100-599 or a range like 200-299")
                        .with_help("use a status code such as 200"),
                );
                None
            }
        }
    }
}

/// Why keepalived 2.2.7 refuses a DNS_CHECK name, if it does: a leading dot
/// (but for the root, `.`), two dots in a row, or a first label of one
/// character, which its label scan misreads as an empty one (a trailing dot
/// is fine).
fn dns_name_problem(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.first() == Some(&b'.') && b.len() > 1 {
        Some("starts with an empty label")
    } else if name.contains("..") {
        Some("has an empty label")
    } else if b.get(1) == Some(&b'.') {
        Some("has a one-character first label, which keepalived 2.2.7 reads as an empty one")
    } else {
        None
    }
}

/// A `regex_*_offset` value, when it is one.
fn offset(x: View<'_>) -> Option<Spanned<u32>> {
    let a = x.arg(0)?;
    Some(Spanned {
        value: a.value.parse().ok()?,
        span: a.span,
    })
}
