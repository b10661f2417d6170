//! What to probe and how to judge it: [`CheckSpec`].
//!
//! A spec is plain data, comparable and hashable, so that the scheduler can
//! recognise the same (target, check) pair used by several virtual servers and
//! probe it once. The shapes follow keepalived's `real_server` checkers
//! (`TCP_CHECK`, `HTTP_GET`, `SSL_GET`, `MISC_CHECK`, `SMTP_CHECK`, `DNS_CHECK`,
//! `UDP_CHECK`, `PING_CHECK`, `FILE_CHECK`) and HAProxy's `server ... check`
//! options (`inter`, `fastinter`, `downinter`, `rise`, `fall`, `slowstart`,
//! `agent-check`, `tcp-check`, `option httpchk`, ...), so that converting a
//! parsed configuration is a field-by-field mapping.
//!
//! # keepalived
//!
//! | keepalived.conf | spec |
//! |---|---|
//! | `real_server IP PORT` | [`CheckSpec::target`] |
//! | `delay_loop`, `connect_timeout`, `retry`, `delay_before_retry`, `warmup` | [`Timing::interval`], [`Timing::timeout`], [`Timing::retry`], [`Timing::delay_before_retry`], [`Timing::warmup`] (start from [`Timing::keepalived`]) |
//! | `alpha` | [`InitialState::Down`] |
//! | `connect_ip`, `connect_port`, `bindto`, `bind_port`, `fwmark` | [`Connect`] |
//! | `TCP_CHECK` | [`Probe::Tcp`] |
//! | `HTTP_GET`, `SSL_GET` (+ `ssl` globals) | [`Probe::Http`] with [`HttpCheck::tls`] for `SSL_GET` |
//! | `http_protocol 1.0`/`1.0C`/`1.1` | [`HttpVersion`] |
//! | `url { path digest status_code regex regex_no_match virtualhost }` | one [`HttpRequest`] each: `GET path`, [`HttpRule::BodyMd5`], [`HttpRule::Status`] (keepalived's default is 200-299), [`HttpRule::BodyRegex`] (negated for `regex_no_match`); `virtualhost` is [`HttpCheck::host`] |
//! | `MISC_CHECK { misc_path misc_timeout misc_dynamic user }` | [`Probe::Misc`] (argv split from `misc_path`, `misc_timeout` as [`Timing::timeout`]) |
//! | `SMTP_CHECK { helo_name }` | [`Probe::Smtp`] with [`SmtpHello::Helo`] |
//! | `DNS_CHECK { type name }` | [`Probe::Dns`] (defaults `SOA` and `.`) |
//! | `UDP_CHECK { payload require_reply min/max_reply_length }` | [`Probe::Udp`], hex through [`crate::reply::proto::keepalived_hex`] |
//! | `PING_CHECK` | [`Probe::Ping`] |
//! | `FILE_CHECK { track_file weight [reverse] }` | [`Probe::File`] with the `track_file` block's `file` |
//!
//! # HAProxy
//!
//! | haproxy.cfg | spec |
//! |---|---|
//! | `server NAME IP:PORT check` | [`CheckSpec::target`], [`Probe::Tcp`] unless an option below says otherwise |
//! | `inter`, `fastinter`, `downinter`, `rise`, `fall`, `slowstart`, `init-state` | [`Timing`] fields of the same names ([`Timing::default`] holds HAProxy's defaults) |
//! | `timeout check` | [`Timing::timeout`] |
//! | global `spread-checks N` | [`Timing::spread_percent`] |
//! | `addr`, `port`, `source` | [`Connect::to`], [`Connect::bind_ip`] |
//! | `check-ssl`, `check-sni`, `verify`, `ca-file` | [`Tls`] |
//! | `option httpchk [METH URI [VER]]`, `http-check send meth uri ver hdr body` | [`Probe::Http`], one [`HttpRequest`] |
//! | `http-check expect [!] status\|rstatus\|string\|rstring\|hdr` | [`HttpExpect`] / [`HttpRule`] |
//! | `option tcp-check` + `tcp-check connect\|send\|send-binary\|expect` | [`Probe::TcpSeq`] (hex through [`crate::reply::proto::decode_hex`]) |
//! | `agent-check`, `agent-port`, `agent-addr`, `agent-send`, `agent-inter` | a second spec with [`Probe::Agent`] and its own interval |
//! | `option smtpchk [HELO\|EHLO domain]` | [`Probe::Smtp`] |
//! | `option redis-check`, `pgsql-check user U`, `mysql-check [user U]`, `ssl-hello-chk` | [`Probe::Redis`], [`Probe::Pgsql`], [`Probe::Mysql`], [`Probe::SslHello`] |

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// One health check of one real server: where, what, and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckSpec {
    /// The real server checked (its address and service port).
    pub target: SocketAddr,
    /// What the probe does and what it expects.
    pub probe: Probe,
    /// When probes run and how their results become a state.
    pub timing: Timing,
}

impl CheckSpec {
    /// A spec with default [`Timing`].
    pub fn new(target: SocketAddr, probe: Probe) -> Self {
        Self {
            target,
            probe,
            timing: Timing::default(),
        }
    }

    /// The same spec with `timing`.
    #[must_use]
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }
}

impl Probe {
    /// What in this probe can never work, said for people: a bad regex, DNS
    /// type or name, an empty command, verification without a CA.
    pub fn problem(&self) -> Option<String> {
        let regex = |re: &str| crate::reply::regex(re).err().map(|m| m.detail);
        let tls = |t: &Tls| {
            (t.verify && t.ca_file.is_none())
                .then(|| "TLS verification is on but no CA file is given (set ca_file)".to_owned())
        };
        match self {
            Self::Http(h) => h.tls.as_ref().and_then(tls).or_else(|| {
                h.requests
                    .iter()
                    .flat_map(|r| &r.expect)
                    .find_map(|e| match &e.rule {
                        HttpRule::StatusRegex(re) | HttpRule::BodyRegex(re) => regex(re),
                        _ => None,
                    })
            }),
            Self::TcpSeq(t) => t.rules.iter().find_map(|r| match r {
                TcpRule::Expect {
                    pattern: TcpPattern::Regex(re),
                    ..
                } => regex(re),
                TcpRule::Connect { tls: Some(t), .. } => tls(t),
                _ => None,
            }),
            Self::Dns(d) => crate::reply::dns::build_query(0, &d.name, &d.qtype)
                .err()
                .map(|m| m.detail),
            Self::Misc(m) => m
                .argv
                .is_empty()
                .then(|| "MISC_CHECK has an empty command".to_owned()),
            _ => None,
        }
    }
}

/// The state a check starts in (keepalived `alpha`, HAProxy `init-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InitialState {
    /// Up, and `fall` failures take it down (HAProxy's default, keepalived
    /// without `alpha`).
    #[default]
    FullyUp,
    /// Up, but the first failure takes it down.
    Up,
    /// Down, and the first success brings it up (keepalived `alpha`).
    Down,
    /// Down, and `rise` successes bring it up.
    FullyDown,
}

/// When probes run and how their results turn into a state.
///
/// Field names are HAProxy's; keepalived's `delay_loop` is [`Timing::interval`],
/// `connect_timeout` is [`Timing::timeout`], `retry` and `delay_before_retry`
/// are [`Timing::retry`] and [`Timing::delay_before_retry`], `warmup` is
/// [`Timing::warmup`] and `alpha` is [`InitialState::Down`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timing {
    /// Delay between two checks while the state is stable and up (`inter`,
    /// `delay_loop`). Measured from the start of one check to the start of
    /// the next, so a slow server does not make the schedule drift.
    pub interval: Duration,
    /// Interval while the state is changing (some but not enough successes
    /// or failures counted); `None` uses `interval`.
    pub fastinter: Option<Duration>,
    /// Interval while fully down; `None` uses `interval`.
    pub downinter: Option<Duration>,
    /// Hard deadline of one probe (`timeout check`, `connect_timeout`).
    pub timeout: Duration,
    /// Consecutive successes that bring a down server up (at least 1).
    pub rise: u32,
    /// Consecutive failures that take an up server down (at least 1).
    pub fall: u32,
    /// keepalived's `retry`: a failed probe is retried this many times, each
    /// `delay_before_retry` later, before the failure counts toward `fall`.
    pub retry: u32,
    /// keepalived's `delay_before_retry`.
    pub delay_before_retry: Duration,
    /// The first check runs at a random time within this delay from
    /// subscription (keepalived `warmup`); `None` starts at once.
    pub warmup: Option<Duration>,
    /// HAProxy's `spread-checks`: each interval is moved by a random amount of
    /// up to this many percent either way (0 to 50).
    pub spread_percent: u8,
    /// Where the state starts.
    pub initial: InitialState,
    /// After going up (not at start), the weight ramps linearly from almost
    /// nothing to full over this time (HAProxy `slowstart`).
    pub slowstart: Option<Duration>,
}

impl Default for Timing {
    /// HAProxy's defaults: `inter 2s`, `rise 2`, `fall 3`, a timeout equal to
    /// the interval, no retries, no jitter, fully up.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(2),
            fastinter: None,
            downinter: None,
            timeout: Duration::from_secs(2),
            rise: 2,
            fall: 3,
            retry: 0,
            delay_before_retry: Duration::from_secs(1),
            warmup: None,
            spread_percent: 0,
            initial: InitialState::FullyUp,
            slowstart: None,
        }
    }
}

impl Timing {
    /// keepalived's defaults for a checker (keepalived.conf(5)):
    /// `delay_loop 60`, `connect_timeout 5`, `retry 1`, `delay_before_retry
    /// 1`, `warmup` up to `delay_loop`, and a single result decides (rise and
    /// fall of one). Some checkers differ, adjust when converting: `HTTP_GET`
    /// and `SSL_GET` wait 3 s before a retry, `DNS_CHECK` retries 3 times
    /// after `delay_loop`, `MISC_CHECK` does not retry.
    pub fn keepalived() -> Self {
        let delay_loop = Duration::from_secs(60);
        Self {
            interval: delay_loop,
            timeout: Duration::from_secs(5),
            rise: 1,
            fall: 1,
            retry: 1,
            delay_before_retry: Duration::from_secs(1),
            warmup: Some(delay_loop),
            ..Self::default()
        }
    }
}

/// How a TCP-based probe opens its connection (keepalived's `connect_ip`,
/// `connect_port`, `bindto`, `bind_port`, `fwmark`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Connect {
    /// Connect here instead of the check's target (`connect_ip`/`connect_port`,
    /// HAProxy `addr`/`port`).
    pub to: Option<SocketAddr>,
    /// Local address to bind (`bindto`, HAProxy `source`).
    pub bind_ip: Option<IpAddr>,
    /// Local port to bind (`bind_port`).
    pub bind_port: Option<u16>,
    /// `SO_MARK` on the probe's socket (`fwmark`); needs `CAP_NET_ADMIN`.
    pub fwmark: Option<u32>,
}

/// TLS for a probe (`SSL_GET`, HAProxy `check-ssl`, `check-sni`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Tls {
    /// Server name sent in SNI and verified when `verify` is on; `None`
    /// sends no SNI.
    pub sni: Option<String>,
    /// Verify the server's certificate against `ca_file` (HAProxy `verify
    /// required`); off by default, as in keepalived.
    pub verify: bool,
    /// PEM file with the CA certificates that `verify` trusts.
    pub ca_file: Option<PathBuf>,
}

/// What the probe does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Probe {
    /// TCP connect (keepalived `TCP_CHECK`, HAProxy plain `check`).
    Tcp(Connect),
    /// HTTP or HTTPS requests and expectations (keepalived `HTTP_GET`,
    /// `SSL_GET`; HAProxy `option httpchk`, `http-check`).
    Http(HttpCheck),
    /// An external program (keepalived `MISC_CHECK`).
    Misc(MiscCheck),
    /// SMTP banner and `HELO`/`EHLO` (keepalived `SMTP_CHECK`, HAProxy
    /// `option smtpchk`).
    Smtp(SmtpCheck),
    /// A DNS query over UDP (keepalived `DNS_CHECK`).
    Dns(DnsCheck),
    /// A UDP datagram and optionally its reply (keepalived `UDP_CHECK`).
    Udp(UdpCheck),
    /// ICMP echo (keepalived `PING_CHECK`).
    Ping,
    /// A file's value (keepalived `FILE_CHECK`).
    File(FileCheck),
    /// HAProxy `tcp-check` rules, run in order.
    TcpSeq(TcpSeq),
    /// HAProxy `agent-check`: the agent's reply sets state and weight.
    Agent(AgentCheck),
    /// HAProxy `option redis-check`.
    Redis(Connect),
    /// HAProxy `option pgsql-check user NAME`.
    Pgsql {
        /// How to connect.
        connect: Connect,
        /// User name in the startup message.
        user: String,
    },
    /// HAProxy `option mysql-check [user NAME]`.
    Mysql {
        /// How to connect.
        connect: Connect,
        /// Without a user only the server's handshake is checked; with one,
        /// an unauthenticated login is attempted and must be accepted.
        user: Option<String>,
    },
    /// HAProxy `option ssl-hello-chk`: a TLS ClientHello must get a TLS
    /// handshake or alert record back.
    SslHello(Connect),
}

/// HTTP protocol version and connection handling (keepalived
/// `http_protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpVersion {
    /// `HTTP/1.0`, the server closes the connection (keepalived's default).
    #[default]
    Http10,
    /// `HTTP/1.0` with `Connection: close` sent (keepalived `1.0C`).
    Http10Close,
    /// `HTTP/1.1` with `Connection: close`.
    Http11,
}

/// HTTP(S) check: requests sent one per connection, in order; every one must
/// meet all its expectations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HttpCheck {
    /// How to connect.
    pub connect: Connect,
    /// TLS, for `SSL_GET` and `check-ssl`.
    pub tls: Option<Tls>,
    /// Protocol version.
    pub version: HttpVersion,
    /// `Host` header (keepalived `virtualhost`); defaults to the target's
    /// address.
    pub host: Option<String>,
    /// keepalived's `url` blocks or HAProxy's `http-check send` + `expect`.
    pub requests: Vec<HttpRequest>,
    /// Keep the connection open between checks (HTTP/1.1 keep-alive, as
    /// Envoy's `reuse_connection`); off by default, since keepalived and
    /// HAProxy open a connection per check. Cheaper for both sides, but
    /// the server's accept path is then only tested when a connection is
    /// (re)opened. Forces HTTP/1.1 without `Connection: close`.
    pub reuse_connection: bool,
}

/// One request of an [`HttpCheck`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpRequest {
    /// Method (`GET` unless HAProxy's `meth`).
    pub method: String,
    /// Path and query (`path`, HAProxy `uri`).
    pub path: String,
    /// Extra headers (HAProxy `hdr`).
    pub headers: Vec<(String, String)>,
    /// Request body (HAProxy `body`).
    pub body: Vec<u8>,
    /// What the response must satisfy; empty means a 2xx or 3xx status
    /// (HAProxy's default; keepalived's is `status_code 200-299`, which a
    /// conversion states explicitly).
    pub expect: Vec<HttpExpect>,
}

impl HttpRequest {
    /// A `GET` of `path` with the default expectation.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: "GET".to_owned(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            expect: Vec::new(),
        }
    }
}

/// One expectation on an HTTP response, optionally negated (HAProxy's `!`,
/// keepalived's `regex_no_match`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpExpect {
    /// Passes when the rule does *not* match.
    pub negate: bool,
    /// The rule.
    pub rule: HttpRule,
}

impl HttpExpect {
    /// A positive expectation.
    pub fn is(rule: HttpRule) -> Self {
        Self {
            negate: false,
            rule,
        }
    }
}

/// What an [`HttpExpect`] tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HttpRule {
    /// Status in these inclusive ranges (keepalived `status_code 200 300-399`,
    /// HAProxy `expect status 200-399`).
    Status(Vec<(u16, u16)>),
    /// Status code, as text, matches this regex (HAProxy `rstatus`).
    StatusRegex(String),
    /// Body contains this string (HAProxy `expect string`).
    BodyContains(String),
    /// Body matches this regex (keepalived `regex`, HAProxy `rstring`).
    BodyRegex(String),
    /// MD5 of the body, lowercase hex (keepalived `digest`).
    BodyMd5(String),
    /// A header named so (case-insensitive) exists, and when `value` is set
    /// its value contains it (HAProxy `expect hdr name N value V`).
    Header {
        /// Header name.
        name: String,
        /// Substring its value must contain.
        value: Option<String>,
    },
}

/// keepalived `MISC_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MiscCheck {
    /// Program and arguments, run without a shell (`misc_path`, split as
    /// keepalived does).
    pub argv: Vec<String>,
    /// Run as this user (`user USERNAME`); needs root.
    pub user: Option<String>,
    /// And this group (`user USERNAME GROUPNAME`); the user's own group
    /// when `None`.
    pub group: Option<String>,
    /// `misc_dynamic`: exit codes 2 to 255 mean up with weight `code - 2`.
    pub dynamic: bool,
}

/// SMTP greeting command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SmtpHello {
    /// `HELO`.
    #[default]
    Helo,
    /// `EHLO`.
    Ehlo,
}

/// keepalived `SMTP_CHECK`, HAProxy `option smtpchk`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtpCheck {
    /// How to connect.
    pub connect: Connect,
    /// `HELO` or `EHLO`.
    pub hello: SmtpHello,
    /// Name sent with it (`helo_name`).
    pub name: String,
}

/// keepalived `DNS_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DnsCheck {
    /// Query type as its name (`A`, `AAAA`, `NS`, `CNAME`, `MX`, `SOA`,
    /// `TXT`; keepalived's default is `SOA`).
    pub qtype: String,
    /// Queried name (keepalived's default is `.`).
    pub name: String,
    /// Server to ask instead of the target.
    pub to: Option<SocketAddr>,
}

/// keepalived `UDP_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UdpCheck {
    /// Server to probe instead of the target.
    pub to: Option<SocketAddr>,
    /// Datagram sent (`payload`); `None` sends 16 random bytes, as
    /// keepalived does.
    pub payload: Option<Vec<u8>>,
    /// A reply is needed to pass (`require_reply`); without, only an ICMP
    /// error fails.
    pub require_reply: bool,
    /// `require_reply HEX_STR`: (value, mask) per byte, see
    /// [`crate::reply::proto::keepalived_hex`]; the reply must match it over
    /// the shorter of the two lengths.
    pub expect: Option<Vec<(u8, u8)>>,
    /// `min_reply_length` (default 0).
    pub min_reply_len: usize,
    /// `max_reply_length` (default 255).
    pub max_reply_len: usize,
}

impl Default for UdpCheck {
    fn default() -> Self {
        Self {
            to: None,
            payload: None,
            require_reply: false,
            expect: None,
            min_reply_len: 0,
            max_reply_len: 255,
        }
    }
}

/// keepalived `FILE_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileCheck {
    /// File holding a decimal integer.
    pub path: PathBuf,
    /// 0: any non-zero value is a failure. Otherwise the value times this is
    /// a weight delta.
    pub weight: i32,
    /// Negate the delta (`reverse`).
    pub reverse: bool,
}

/// HAProxy `tcp-check` rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TcpSeq {
    /// How to connect when the rules start with something else than
    /// `connect`.
    pub connect: Connect,
    /// The rules, run in order.
    pub rules: Vec<TcpRule>,
}

/// One `tcp-check` rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TcpRule {
    /// `tcp-check connect [port N] [ssl] [sni S]`.
    Connect {
        /// Port instead of the target's.
        port: Option<u16>,
        /// Start TLS on the connection.
        tls: Option<Tls>,
    },
    /// `tcp-check send` / `send-binary` (already hex-decoded).
    Send(Vec<u8>),
    /// `tcp-check expect [!] ...`.
    Expect {
        /// Passes when the pattern does *not* match.
        negate: bool,
        /// The pattern.
        pattern: TcpPattern,
    },
}

/// What a `tcp-check expect` looks for in the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TcpPattern {
    /// `expect string`.
    String(String),
    /// `expect rstring` (a regex over the received text).
    Regex(String),
    /// `expect binary` (hex-decoded bytes).
    Binary(Vec<u8>),
}

/// HAProxy `agent-check`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AgentCheck {
    /// How to connect (`agent-addr`, `agent-port` go in `to`).
    pub connect: Connect,
    /// `agent-send` string.
    pub send: Option<Vec<u8>>,
}
