//! Health checkers (`TCP_CHECK`, `HTTP_GET`, ...) of a `real_server`, typed.
//!
//! A [`Checker`] has its kind, the connection options every kind but
//! `MISC_CHECK`, `FILE_CHECK` and `BFD_CHECK` shares ([`ConnectOptions`]; a
//! `MISC_CHECK` has only the timing options of it), and the options of its
//! kind ([`CheckerDetail`]). Durations are seconds (`f64`), as keepalived's
//! `<TIMER>` values; every value keeps the span of the word it was read from.

use std::net::IpAddr;

use super::{Setting, Spanned};

/// The kind of a checker block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum CheckerKind {
    /// `TCP_CHECK`: a TCP connect.
    Tcp,
    /// `HTTP_GET`: an HTTP request per `url`.
    HttpGet,
    /// `SSL_GET`: an HTTPS request per `url`.
    SslGet,
    /// `MISC_CHECK`: runs a program.
    Misc,
    /// `SMTP_CHECK`: an SMTP `HELO` exchange.
    Smtp,
    /// `DNS_CHECK`: a DNS query over UDP.
    Dns,
    /// `UDP_CHECK`: a UDP datagram, optionally answered.
    Udp,
    /// `PING_CHECK`: an ICMP echo.
    Ping,
    /// `FILE_CHECK`: a number read from a tracked file.
    File,
    /// `BFD_CHECK`: the state of a `bfd_instance`.
    Bfd,
}

impl CheckerKind {
    /// Every kind, in the order of keepalived.conf(5).
    pub const ALL: [CheckerKind; 10] = [
        CheckerKind::Tcp,
        CheckerKind::HttpGet,
        CheckerKind::SslGet,
        CheckerKind::Misc,
        CheckerKind::Smtp,
        CheckerKind::Dns,
        CheckerKind::Udp,
        CheckerKind::Ping,
        CheckerKind::File,
        CheckerKind::Bfd,
    ];

    /// The block keyword (`TCP_CHECK`, `HTTP_GET`, ...).
    pub fn keyword(self) -> &'static str {
        match self {
            CheckerKind::Tcp => "TCP_CHECK",
            CheckerKind::HttpGet => "HTTP_GET",
            CheckerKind::SslGet => "SSL_GET",
            CheckerKind::Misc => "MISC_CHECK",
            CheckerKind::Smtp => "SMTP_CHECK",
            CheckerKind::Dns => "DNS_CHECK",
            CheckerKind::Udp => "UDP_CHECK",
            CheckerKind::Ping => "PING_CHECK",
            CheckerKind::File => "FILE_CHECK",
            CheckerKind::Bfd => "BFD_CHECK",
        }
    }

    /// The kind a block keyword names.
    pub fn from_keyword(keyword: &str) -> Option<CheckerKind> {
        Some(match keyword {
            "TCP_CHECK" => CheckerKind::Tcp,
            "HTTP_GET" => CheckerKind::HttpGet,
            "SSL_GET" => CheckerKind::SslGet,
            "MISC_CHECK" => CheckerKind::Misc,
            "SMTP_CHECK" => CheckerKind::Smtp,
            "DNS_CHECK" => CheckerKind::Dns,
            "UDP_CHECK" => CheckerKind::Udp,
            "PING_CHECK" => CheckerKind::Ping,
            "FILE_CHECK" => CheckerKind::File,
            "BFD_CHECK" => CheckerKind::Bfd,
            _ => return None,
        })
    }

    /// Same as [`CheckerKind::keyword`].
    pub fn as_str(self) -> &'static str {
        self.keyword()
    }
}

impl std::fmt::Display for CheckerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Declares the shared checker options once: the [`ConnectOption`] variants,
/// and the getter and setter of each on [`ConnectOptions`].
macro_rules! connect_options {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) => $get:ident, $set:ident, $name:literal; )*) => {
        /// One option of [`ConnectOptions`], with the span of its value.
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
        pub enum ConnectOption {
            $( $(#[$doc])* $variant(Spanned<$ty>), )*
        }

        impl ConnectOption {
            /// The keyword that sets it (`connect_timeout`, ...).
            pub fn keyword(&self) -> &'static str {
                match self {
                    $( ConnectOption::$variant(_) => $name, )*
                }
            }
        }

        impl ConnectOptions {
            $(
                $(#[$doc])*
                pub fn $get(&self) -> Option<&Spanned<$ty>> {
                    self.iter().find_map(|o| match o {
                        ConnectOption::$variant(v) => Some(v),
                        _ => None,
                    })
                }

                #[doc = concat!("Sets `", $name, "` (`None` unsets it).")]
                pub fn $set(&mut self, value: Option<Spanned<$ty>>) {
                    self.put(
                        |o| matches!(o, ConnectOption::$variant(_)),
                        value.map(ConnectOption::$variant),
                    );
                }
            )*
        }

        impl PartialEq for ConnectOptions {
            /// Equal when every option has the same value and span, whatever
            /// the order they were set in.
            fn eq(&self, other: &ConnectOptions) -> bool {
                true $( && self.$get() == other.$get() )*
            }
        }
    };
}

connect_options! {
    /// `connect_ip`: the address to check (default: the real server's).
    ConnectIp(IpAddr) => connect_ip, set_connect_ip, "connect_ip";
    /// `connect_port` (default: the real server's port).
    ConnectPort(u16) => connect_port, set_connect_port, "connect_port";
    /// `bindto`: the source address.
    Bindto(IpAddr) => bindto, set_bindto, "bindto";
    /// `bind_port`: the source port.
    BindPort(u16) => bind_port, set_bind_port, "bind_port";
    /// `bind_if`: the interface (needed for an IPv6 link-local `bindto`).
    BindIf(String) => bind_if, set_bind_if, "bind_if";
    /// `fwmark`: the mark put on the checker's packets.
    Fwmark(u32) => fwmark, set_fwmark, "fwmark";
    /// `connect_timeout` in seconds.
    ConnectTimeout(f64) => connect_timeout, set_connect_timeout, "connect_timeout";
    /// `retry` (and the deprecated `nb_get_retry` of HTTP_GET/SSL_GET).
    Retry(u32) => retry, set_retry, "retry";
    /// `delay_before_retry` in seconds.
    DelayBeforeRetry(f64) => delay_before_retry, set_delay_before_retry, "delay_before_retry";
    /// `warmup` in seconds (0 disables the random start delay).
    Warmup(f64) => warmup, set_warmup, "warmup";
    /// `delay_loop` in seconds.
    DelayLoop(f64) => delay_loop, set_delay_loop, "delay_loop";
    /// `alpha [BOOL]`: start with the server considered down.
    Alpha(bool) => alpha, set_alpha, "alpha";
    /// `log_all_failures [BOOL]`.
    LogAllFailures(bool) => log_all_failures, set_log_all_failures, "log_all_failures";
}

/// The options a checker shares with the others (keepalived.conf(5),
/// "generic connection options"). Unset options take the real server's or
/// the virtual server's value, then keepalived's default.
///
/// Sparse: only the options written are stored (most checkers set one or
/// two of the thirteen), read with one getter per option
/// ([`ConnectOptions::connect_timeout`], ...) and written with its setter
/// ([`ConnectOptions::set_connect_timeout`], ...). Up to one option is
/// held without allocating.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// The options set, each once, in the order they were first set.
    set: Stored,
}

/// The options set: one is held inline (most checkers set one), more are
/// boxed.
#[derive(Debug, Clone, Default)]
enum Stored {
    #[default]
    Empty,
    One(ConnectOption),
    Many(Box<[ConnectOption]>),
}

impl ConnectOptions {
    /// The options set, in the order they were first set.
    pub fn iter(&self) -> std::slice::Iter<'_, ConnectOption> {
        self.as_slice().iter()
    }

    /// The options set, in the order they were first set.
    pub fn as_slice(&self) -> &[ConnectOption] {
        match &self.set {
            Stored::Empty => &[],
            Stored::One(o) => std::slice::from_ref(o),
            Stored::Many(all) => all,
        }
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        matches!(self.set, Stored::Empty)
    }

    /// Replaces the option `is` matches with `value` (removes it for `None`).
    fn put(&mut self, is: impl Fn(&ConnectOption) -> bool, value: Option<ConnectOption>) {
        let at = self.as_slice().iter().position(is);
        // The usual case: a first option, or the only one replaced.
        match (&mut self.set, at, value) {
            (Stored::Empty, _, Some(v)) => self.set = Stored::One(v),
            (Stored::One(o), Some(_), Some(v)) => *o = v,
            (_, _, v) => self.put_many(at, v),
        }
    }

    /// [`Self::put`] when more than one option is involved.
    fn put_many(&mut self, at: Option<usize>, value: Option<ConnectOption>) {
        let mut all = match std::mem::take(&mut self.set) {
            Stored::Empty => Vec::new(),
            Stored::One(o) => vec![o],
            Stored::Many(all) => all.into_vec(),
        };
        match (at, value) {
            (Some(i), Some(v)) => all[i] = v,
            (None, Some(v)) => all.push(v),
            (Some(i), None) => {
                all.remove(i);
            }
            (None, None) => {}
        }
        self.set = match all.len() {
            0 => Stored::Empty,
            1 => all.pop().map_or(Stored::Empty, Stored::One),
            _ => Stored::Many(all.into_boxed_slice()),
        };
    }
}

/// Serialized as a map from keyword to value, the options set only.
#[cfg(feature = "serde")]
impl serde::Serialize for ConnectOptions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.as_slice().len()))?;
        for o in self.iter() {
            m.serialize_key(o.keyword())?;
            match o {
                ConnectOption::ConnectIp(v) | ConnectOption::Bindto(v) => m.serialize_value(v)?,
                ConnectOption::ConnectPort(v) | ConnectOption::BindPort(v) => {
                    m.serialize_value(v)?;
                }
                ConnectOption::BindIf(v) => m.serialize_value(v)?,
                ConnectOption::Fwmark(v) | ConnectOption::Retry(v) => m.serialize_value(v)?,
                ConnectOption::ConnectTimeout(v)
                | ConnectOption::DelayBeforeRetry(v)
                | ConnectOption::Warmup(v)
                | ConnectOption::DelayLoop(v) => m.serialize_value(v)?,
                ConnectOption::Alpha(v) | ConnectOption::LogAllFailures(v) => {
                    m.serialize_value(v)?;
                }
            }
        }
        m.end()
    }
}

/// `http_protocol` of HTTP_GET/SSL_GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum HttpProtocol {
    /// `1.0`.
    Http10,
    /// `1.0C`: 1.0 with `Connection: close`.
    Http10Close,
    /// `1.1`.
    Http11,
}

impl HttpProtocol {
    /// The configuration word.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpProtocol::Http10 => "1.0",
            HttpProtocol::Http10Close => "1.0C",
            HttpProtocol::Http11 => "1.1",
        }
    }
}

/// A `status_code` value: one code (`first == last`) or a range `first-last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StatusRange {
    /// The lowest code.
    pub first: u16,
    /// The highest code (inclusive).
    pub last: u16,
}

impl StatusRange {
    /// Whether `code` is in the range.
    pub fn contains(self, code: u16) -> bool {
        (self.first..=self.last).contains(&code)
    }
}

/// One `url { ... }` of HTTP_GET/SSL_GET.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Url {
    /// `path` (keepalived ignores a url without one).
    pub path: Option<Spanned<String>>,
    /// `digest`: the MD5 of the body, 32 hexadecimal digits.
    pub digest: Option<Spanned<String>>,
    /// `status_code CODE|FIRST-LAST ...` (empty: keepalived expects 200-299).
    pub status_code: Vec<Spanned<StatusRange>>,
    /// `virtualhost` for this url.
    pub virtualhost: Option<Spanned<String>>,
    /// `regex`: a PCRE2 pattern the body must match.
    pub regex: Option<Spanned<String>>,
    /// `regex_no_match`: the body must not match.
    pub regex_no_match: bool,
    /// `regex_options OPTION ...` (PCRE2 option names).
    pub regex_options: Vec<Spanned<String>>,
    /// `regex_stack START MAX` in bytes.
    pub regex_stack: Option<Spanned<(u32, u32)>>,
    /// `regex_min_offset`.
    pub regex_min_offset: Option<Spanned<u32>>,
    /// `regex_max_offset`.
    pub regex_max_offset: Option<Spanned<u32>>,
}

/// HTTP_GET/SSL_GET options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HttpCheck {
    /// `http_protocol`.
    pub http_protocol: Option<Spanned<HttpProtocol>>,
    /// `virtualhost` (default for the urls).
    pub virtualhost: Option<Spanned<String>>,
    /// `enable_sni [BOOL]` (SSL_GET).
    pub enable_sni: Option<Spanned<bool>>,
    /// `fast_recovery [BOOL]`.
    pub fast_recovery: Option<Spanned<bool>>,
    /// The `url { ... }` blocks, in order.
    pub urls: Vec<Url>,
}

/// A program and the user and group to run it as (`misc_path` with `user`,
/// `notify_up`, `quorum_up`, ...).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ScriptCommand {
    /// The command line (quote it to pass arguments).
    pub command: Spanned<String>,
    /// The user to run it as.
    pub user: Option<Spanned<String>>,
    /// The group to run it as (default: the user's group).
    pub group: Option<Spanned<String>>,
}

/// MISC_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MiscCheck {
    /// `misc_path`: the command line (quote it to pass arguments).
    pub misc_path: Option<Spanned<String>>,
    /// `misc_timeout` in seconds.
    pub misc_timeout: Option<Spanned<u32>>,
    /// `misc_dynamic`: the exit code adjusts the weight.
    pub misc_dynamic: bool,
    /// `user USER [GROUP]`.
    pub user: Option<Spanned<String>>,
    /// The group of `user`.
    pub group: Option<Spanned<String>>,
}

/// One `host { ... }` of SMTP_CHECK: another address to check.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SmtpHost {
    /// Its connection options.
    pub connect: ConnectOptions,
    /// The `host` keyword.
    pub span: crate::source::Span,
}

/// SMTP_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SmtpCheck {
    /// `helo_name` (default: the host name).
    pub helo_name: Option<Spanned<String>>,
    /// `host { ... }` blocks.
    pub hosts: Vec<SmtpHost>,
}

/// The query type of a DNS_CHECK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum DnsType {
    /// `A`.
    A,
    /// `NS`.
    Ns,
    /// `CNAME`.
    Cname,
    /// `SOA` (the default).
    Soa,
    /// `MX`.
    Mx,
    /// `TXT`.
    Txt,
    /// `AAAA`.
    Aaaa,
}

impl DnsType {
    /// Every type, with its configuration word.
    pub const ALL: [(DnsType, &'static str); 7] = [
        (DnsType::A, "A"),
        (DnsType::Ns, "NS"),
        (DnsType::Cname, "CNAME"),
        (DnsType::Soa, "SOA"),
        (DnsType::Mx, "MX"),
        (DnsType::Txt, "TXT"),
        (DnsType::Aaaa, "AAAA"),
    ];

    /// The configuration word.
    pub fn as_str(self) -> &'static str {
        DnsType::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("SOA", |(_, s)| s)
    }
}

/// DNS_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DnsCheck {
    /// `type` (default SOA).
    pub query_type: Option<Spanned<DnsType>>,
    /// `name` (default `.`).
    pub name: Option<Spanned<String>>,
}

/// The expected reply of a UDP_CHECK `require_reply HEX_STR`: the bytes and,
/// per byte, the bits compared (`X` nibbles are not compared).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReplyPattern {
    /// The expected bytes (0 where masked out).
    pub reply_data: Vec<u8>,
    /// The bits of each byte that must match.
    pub reply_data_mask: Vec<u8>,
}

/// UDP_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UdpCheck {
    /// `payload HEX_STR` (default: random bytes).
    pub payload: Option<Spanned<Vec<u8>>>,
    /// `require_reply [HEX_STR]`: a reply is needed; with a pattern, it must
    /// match up to the shorter of the two lengths.
    pub require_reply: Option<Spanned<Option<ReplyPattern>>>,
    /// `min_reply_length` (default 0).
    pub min_reply_length: Option<Spanned<u16>>,
    /// `max_reply_length` (default 255).
    pub max_reply_length: Option<Spanned<u16>>,
}

/// FILE_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FileCheck {
    /// `track_file NAME`: a `vrrp_track_file`.
    pub track_file: Option<Spanned<String>>,
    /// `weight N [reverse]`: the multiplier of the value read.
    pub weight: Option<Spanned<i32>>,
    /// `reverse` after the weight.
    pub reverse: bool,
    /// `dynamic` (newer than keepalived 2.2.7).
    pub dynamic: bool,
}

/// BFD_CHECK options.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BfdCheck {
    /// `name`: a `bfd_instance`.
    pub name: Option<Spanned<String>>,
    /// `weight N [reverse]` (newer than keepalived 2.2.7).
    pub weight: Option<Spanned<i32>>,
    /// `reverse` after the weight.
    pub reverse: bool,
}

/// The options of one checker kind (boxed, so a checker without options of
/// its own stays small).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum CheckerDetail {
    /// TCP_CHECK has no options of its own.
    Tcp,
    /// HTTP_GET and SSL_GET.
    Http(Box<HttpCheck>),
    /// MISC_CHECK.
    Misc(Box<MiscCheck>),
    /// SMTP_CHECK.
    Smtp(Box<SmtpCheck>),
    /// DNS_CHECK.
    Dns(Box<DnsCheck>),
    /// UDP_CHECK.
    Udp(Box<UdpCheck>),
    /// PING_CHECK has no options of its own.
    Ping,
    /// FILE_CHECK.
    File(Box<FileCheck>),
    /// BFD_CHECK.
    Bfd(Box<BfdCheck>),
}

impl CheckerDetail {
    /// The empty detail of `kind`.
    pub fn empty(kind: CheckerKind) -> CheckerDetail {
        match kind {
            CheckerKind::Tcp => CheckerDetail::Tcp,
            CheckerKind::HttpGet | CheckerKind::SslGet => CheckerDetail::Http(Box::default()),
            CheckerKind::Misc => CheckerDetail::Misc(Box::default()),
            CheckerKind::Smtp => CheckerDetail::Smtp(Box::default()),
            CheckerKind::Dns => CheckerDetail::Dns(Box::default()),
            CheckerKind::Udp => CheckerDetail::Udp(Box::default()),
            CheckerKind::Ping => CheckerDetail::Ping,
            CheckerKind::File => CheckerDetail::File(Box::default()),
            CheckerKind::Bfd => CheckerDetail::Bfd(Box::default()),
        }
    }
}

/// A health checker block of a `real_server`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Checker {
    /// The kind, spanning the block keyword.
    pub kind: Spanned<CheckerKind>,
    /// The shared connection and timing options.
    pub common: ConnectOptions,
    /// The options of this kind.
    pub detail: CheckerDetail,
    /// The statements no typed field holds (unknown keywords, values that
    /// could not be read), in order.
    pub settings: Vec<Setting>,
}

impl Checker {
    /// The `url` blocks (empty unless HTTP_GET/SSL_GET).
    pub fn urls(&self) -> &[Url] {
        match &self.detail {
            CheckerDetail::Http(h) => &h.urls,
            _ => &[],
        }
    }

    /// The `misc_path` command (MISC_CHECK only).
    pub fn misc_path(&self) -> Option<&Spanned<String>> {
        match &self.detail {
            CheckerDetail::Misc(m) => m.misc_path.as_ref(),
            _ => None,
        }
    }
}
