//! Check specs from parsed configurations (feature `lbconf`).
//!
//! [`keepalived()`] turns every `real_server` checker of a parsed
//! `keepalived.conf` into a [`CheckSpec`] tagged with its virtual and real
//! server; [`haproxy()`] does the same for every `server` line of a parsed
//! `haproxy.cfg` that has `check` or `agent-check`. Both read `lbconf`'s typed
//! models, apply the inheritance the real daemon applies (virtual server →
//! real server → checker in keepalived, `defaults` → `default-server` →
//! `server` in HAProxy), and refuse what the probes cannot do with a
//! [`ConvertError`] that names the keyword and where it was written.
//!
//! Conversion does not re-check what `keepalived -t` or `haproxy -c` already
//! reject: convert configurations that `lbconf::keepalived::accepted` or
//! `lbconf::haproxy::accepted` accept.
//!
//! # keepalived.conf
//!
//! Timing is inherited as keepalived 2.2 does it (`check_data.c`): a value
//! unset on the checker comes from its `real_server`, then from the
//! `virtual_server`, then from the checker type's default.
//!
//! | keyword (checker, else real server, else virtual server) | spec |
//! |---|---|
//! | `real_server IP [PORT]` | [`CheckSpec::target`]; no port: the virtual server's |
//! | `delay_loop` (default 60 s) | [`Timing::interval`] |
//! | `connect_timeout` (default 5 s) | [`Timing::timeout`] |
//! | `retry` (default 1; `DNS_CHECK` 3; `MISC_CHECK` 0) | [`Timing::retry`] |
//! | `delay_before_retry` (default 1 s; `HTTP_GET`/`SSL_GET` 3 s; `DNS_CHECK` the `delay_loop`) | [`Timing::delay_before_retry`] |
//! | `warmup` (default: the `delay_loop`) | [`Timing::warmup`] (`0`: none) |
//! | `alpha` | [`InitialState::Down`], else [`InitialState::FullyUp`]; rise and fall are 1 |
//! | `connect_ip`, `connect_port`, `bindto`, `bind_port`, `fwmark` | [`Connect`] |
//! | `TCP_CHECK` | [`Probe::Tcp`] |
//! | `HTTP_GET`, `SSL_GET` | [`Probe::Http`], one [`HttpRequest`] per `url`; `SSL_GET` adds [`Tls`] (SNI from `enable_sni` and the `virtualhost`, no verification) |
//! | `url { path digest status_code regex regex_no_match }` | `GET path`, [`HttpRule::BodyMd5`], [`HttpRule::Status`] (default 200-299), [`HttpRule::BodyRegex`] (negated by `regex_no_match`) |
//! | `virtualhost` (url, else checker, else real server, else virtual server) | [`HttpCheck::host`] |
//! | `inhibit_on_failure`, `weight`, `quorum`, `hysteresis`, `sorry_server` | not specs: the IPVS side (the `lbd --check` runner) reads them from the model |
//! | `http_protocol 1.0`, `1.0C`, `1.1` | [`HttpVersion`] |
//! | `MISC_CHECK { misc_path misc_timeout misc_dynamic user }` | [`Probe::Misc`]; `misc_timeout` (default: the `delay_loop`) is [`Timing::timeout`]; no `user`: the global `script_user USER [GROUP]`, else the runner's own user (keepalived would try `keepalived_script`, then root) |
//! | `SMTP_CHECK { helo_name }` | [`Probe::Smtp`], `HELO` (default name `smtpchecker.keepalived.org`, keepalived's `SMTP_DEFAULT_HELO`) |
//! | `DNS_CHECK { type name }` | [`Probe::Dns`] (defaults `SOA`, `.`) |
//! | `UDP_CHECK { payload require_reply min_reply_length max_reply_length }` | [`Probe::Udp`] |
//! | `PING_CHECK` | [`Probe::Ping`]; a `connect_ip` becomes the target |
//! | `FILE_CHECK { track_file weight [reverse] }` | [`Probe::File`] with the `track_file`'s `file`; the weight defaults to the `track_file`'s, then 1; read every second (keepalived watches the file with inotify), no retry |
//!
//! Not mapped, with an error: `BFD_CHECK` (BFD sessions are the VRRP side's,
//! not a probe), `SSL_GET` client certificates from the `SSL { certificate key }`
//! block (the TLS probe presents none), `url { regex_min_offset
//! regex_max_offset regex_options }` (the body regex runs over the whole
//! body), `bind_if` (link-local probes need an interface the probe cannot
//! bind), `SMTP_CHECK { host { ... } }` blocks (one server per checker),
//! `HTTP_GET { fast_recovery }`, `url { regex_options regex_stack }`,
//! different `virtualhost`s across the urls of one checker, source
//! address, port or mark on `UDP_CHECK`/`PING_CHECK`. Not mapped and ignored, since they change
//! what keepalived reports and not the verdict: `log_all_failures`,
//! `smtp_alert`, `notify_up`/`notify_down`, `omega`, `quorum_up`/`quorum_down`
//! (the lbd runner handles quorum itself). Also ignored: `ha_suspend` (the
//! checks run whether or not the virtual address is up on this host).
//!
//! # haproxy.cfg
//!
//! A backend or listen section inherits `option ...check`, `http-check` and
//! `tcp-check` rules and `timeout check`/`timeout connect` from its
//! `defaults` section when it sets none itself; server options come from the
//! `default-server` lines (defaults section first, then the proxy's own)
//! and are overridden by the `server` line.
//!
//! | keyword | spec |
//! |---|---|
//! | `server NAME IP:PORT check` | [`CheckSpec::target`]; [`Probe::Tcp`] unless an option below says otherwise |
//! | `inter` (2 s), `fastinter`, `downinter`, `rise` (2), `fall` (3), `slowstart` | [`Timing`] fields of the same names |
//! | (HAProxy 2.6 starts a server up, down at the first failure) | [`InitialState::Up`]; `init-state` (HAProxy 3.1) maps to the state of that name |
//! | (HAProxy spreads its first checks over `inter`) | [`Timing::warmup`] = `inter` |
//! | `timeout check` | [`Timing::timeout`] = min(`timeout connect`, `inter`) + `timeout check`; unset: `inter` |
//! | global `spread-checks N` | [`Timing::spread_percent`] |
//! | `addr IP`, `port N` | [`Connect::to`] |
//! | `source IP[:PORT]` | [`Connect::bind_ip`], [`Connect::bind_port`] |
//! | `check-ssl` (or `ssl` without `addr`/`port`), `no-check-ssl`, `check-sni`, `verify`, `ca-file` | [`Tls`]; the certificate is verified against a `ca-file` unless `verify none` (or the global `ssl-server-verify none`); without a `ca-file`, not at all |
//! | `weight` (1), `backup`, `disabled` | [`HaproxyCheck`] fields, for the caller |
//! | `option httpchk [METH] [URI] [VER]`, `http-check send meth uri ver hdr body` | [`Probe::Http`], an [`HttpRequest`] per `send` |
//! | `http-check expect [!] status\|rstatus\|string\|rstring\|hdr name N [value V]` | [`HttpExpect`] on the last request |
//! | `option tcp-check` + `tcp-check connect [port N] [ssl] [sni S]\|send\|send-binary\|expect [!] string\|rstring\|binary` | [`Probe::TcpSeq`] |
//! | `option smtpchk [HELO\|EHLO domain]` | [`Probe::Smtp`] |
//! | `option redis-check`, `pgsql-check user U`, `mysql-check [user U]`, `ssl-hello-chk` | [`Probe::Redis`], [`Probe::Pgsql`], [`Probe::Mysql`], [`Probe::SslHello`] |
//! | `agent-check`, `agent-port`, `agent-addr`, `agent-send`, `agent-inter` (2 s) | a second spec, [`Probe::Agent`], rise and fall 1 |
//!
//! Not mapped, with an error: server addresses that are names, UNIX
//! sockets or port offsets (resolve them first); `option ldap-check`,
//! `spop-check`, `external-check`, `check-send-proxy`, `check-proto`,
//! `check-alpn`; `uri-lf`/`body-lf` and `set-var`/`unset-var` in check rules
//! (no sample expressions in the probes); `expect` with `min-recv` or
//! `fhdr`/`custom`/`rstatus` on tcp-check; `check-ssl` together with a
//! protocol check that speaks in clear (`smtpchk`, `redis-check`, ...).
//! Ignored: `comment`, `on-success`, `on-error`, `status-code`,
//! `ok-status`, `error-status`, `tout-status` (they change what HAProxy
//! logs, not the verdict), `observe`/`error-limit`/`on-error` on servers
//! (traffic observation, not probing).
//!
//! [`Connect`]: crate::spec::Connect
//! [`Tls`]: crate::spec::Tls
//! [`HttpCheck::host`]: crate::spec::HttpCheck::host
//! [`HttpRequest`]: crate::spec::HttpRequest
//! [`HttpRule::BodyMd5`]: crate::spec::HttpRule::BodyMd5
//! [`HttpRule::Status`]: crate::spec::HttpRule::Status
//! [`HttpRule::BodyRegex`]: crate::spec::HttpRule::BodyRegex
//! [`HttpVersion`]: crate::spec::HttpVersion
//! [`HttpExpect`]: crate::spec::HttpExpect
//! [`Timing`]: crate::Timing
//! [`Timing::interval`]: crate::Timing::interval
//! [`Timing::timeout`]: crate::Timing::timeout
//! [`Timing::retry`]: crate::Timing::retry
//! [`Timing::delay_before_retry`]: crate::Timing::delay_before_retry
//! [`Timing::warmup`]: crate::Timing::warmup
//! [`Timing::spread_percent`]: crate::Timing::spread_percent
//! [`InitialState::Down`]: crate::InitialState::Down
//! [`InitialState::Up`]: crate::InitialState::Up
//! [`InitialState::FullyUp`]: crate::InitialState::FullyUp
//! [`Connect::to`]: crate::spec::Connect::to
//! [`Connect::bind_ip`]: crate::spec::Connect::bind_ip
//! [`Connect::bind_port`]: crate::spec::Connect::bind_port

mod haproxy;
mod keepalived;

pub use self::haproxy::{HaproxyCheck, HaproxyCheckKind, haproxy};
pub use self::keepalived::{KeepalivedCheck, keepalived, real_server_addr};

#[cfg(doc)]
use crate::{CheckSpec, InitialState, Probe};

use lbconf::{SourceMap, Span};

/// Why part of a configuration cannot become a check spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The keyword has no equivalent in the probes.
    #[error("{at}: `{keyword}` is not supported by lbkit's health checks: {why}")]
    Unsupported {
        /// The keyword (or checker) as written.
        keyword: String,
        /// `file:line:column` of it.
        at: String,
        /// Where it was written, for `lbconf::render`-style reports.
        span: Span,
        /// Why, and what to do instead.
        why: String,
    },
    /// The keyword is known but its value cannot be used.
    #[error("{at}: invalid `{keyword}`: {why}")]
    Invalid {
        /// The keyword as written.
        keyword: String,
        /// `file:line:column` of it.
        at: String,
        /// Where it was written.
        span: Span,
        /// What is wrong and what is allowed.
        why: String,
    },
}

impl ConvertError {
    fn unsupported(sources: &SourceMap, keyword: &str, span: Span, why: impl Into<String>) -> Self {
        Self::Unsupported {
            keyword: keyword.to_owned(),
            at: sources.locate(span),
            span,
            why: why.into(),
        }
    }

    fn invalid(sources: &SourceMap, keyword: &str, span: Span, why: impl Into<String>) -> Self {
        Self::Invalid {
            keyword: keyword.to_owned(),
            at: sources.locate(span),
            span,
            why: why.into(),
        }
    }

    /// The keyword the error is about.
    pub fn keyword(&self) -> &str {
        match self {
            Self::Unsupported { keyword, .. } | Self::Invalid { keyword, .. } => keyword,
        }
    }

    /// Where the keyword was written.
    pub fn span(&self) -> Span {
        match self {
            Self::Unsupported { span, .. } | Self::Invalid { span, .. } => *span,
        }
    }
}

/// A duration from seconds as configuration files write them (fractions
/// allowed), clamped to 0..=10^9 s (NaN is 0): a zero interval is then
/// refused by the scheduler with a typed error, and no deadline overflows.
fn secs(value: f64) -> std::time::Duration {
    let v = if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1e9)
    };
    std::time::Duration::from_secs_f64(v)
}
