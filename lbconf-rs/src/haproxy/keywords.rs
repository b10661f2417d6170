//! Keyword tables, taken from HAProxy 2.6's configuration.txt (section 3's
//! list of global keywords and section 4.1's proxy keyword matrix).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// A fast hasher for the fixed keyword tables (rustc's "Fx" hash): their
/// keys are ours, so the collision resistance of the default hasher buys
/// nothing there, and keyword lookups happen for every word of a file.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeywordHasher(u64);

impl Hasher for KeywordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Byte by byte: a copy of a few bytes would be a call to memcpy.
            let w = rest
                .iter()
                .rev()
                .fold(0u64, |w, &b| (w << 8) | u64::from(b));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// `text` hashed with [`KeywordHasher`].
pub(crate) fn hash(text: &str) -> u64 {
    let mut h = KeywordHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// A map over one of the keyword tables.
type Index<V> = HashMap<&'static str, V, BuildHasherDefault<KeywordHasher>>;

/// Proxy capabilities a keyword is allowed in (bit set).
pub(crate) const D: u8 = 1;
/// Frontend.
pub(crate) const F: u8 = 2;
/// Listen.
pub(crate) const L: u8 = 4;
/// Backend.
pub(crate) const B: u8 = 8;

/// Global keywords (modules not built into Debian's HAProxy left out).
pub(crate) const GLOBAL: &[&str] = &[
    "busy-polling",
    "ca-base",
    "chroot",
    "cluster-secret",
    "cpu-map",
    "crt-base",
    "daemon",
    "default-path",
    "description",
    "expose-experimental-directives",
    "external-check",
    "fd-hard-limit",
    "gid",
    "grace",
    "group",
    "h1-accept-payload-with-any-method",
    "h1-case-adjust",
    "h1-case-adjust-file",
    "h2-workaround-bogus-websocket-clients",
    "hard-stop-after",
    "httpclient.resolvers.id",
    "httpclient.resolvers.prefer",
    "httpclient.ssl.ca-file",
    "httpclient.ssl.verify",
    "insecure-fork-wanted",
    "insecure-setuid-wanted",
    "issuers-chain-path",
    "localpeer",
    "log",
    "log-send-hostname",
    "log-tag",
    "lua-load",
    "lua-load-per-thread",
    "lua-prepend-path",
    "master-worker",
    "max-spread-checks",
    "maxcompcpuusage",
    "maxcomprate",
    "maxconn",
    "maxconnrate",
    "maxpipes",
    "maxsessrate",
    "maxsslconn",
    "maxsslrate",
    "maxzlibmem",
    "mworker-max-reloads",
    "nbthread",
    "no-memory-trimming",
    "node",
    "noepoll",
    "noevports",
    "nogetaddrinfo",
    "nokqueue",
    "nopoll",
    "noreuseport",
    "nosplice",
    "numa-cpu-mapping",
    "pidfile",
    "pp2-never-send-local",
    "presetenv",
    "profiling.tasks",
    "quiet",
    "resetenv",
    "server-state-base",
    "server-state-file",
    "set-dumpable",
    "set-var",
    "setenv",
    "spread-checks",
    "ssl-default-bind-ciphers",
    "ssl-default-bind-ciphersuites",
    "ssl-default-bind-curves",
    "ssl-default-bind-options",
    "ssl-default-server-ciphers",
    "ssl-default-server-ciphersuites",
    "ssl-default-server-options",
    "ssl-dh-param-file",
    "ssl-load-extra-del-ext",
    "ssl-load-extra-files",
    "ssl-mode-async",
    "ssl-propquery",
    "ssl-provider",
    "ssl-provider-path",
    "ssl-server-verify",
    "ssl-skip-self-issued-ca",
    "stats",
    "strict-limits",
    "thread-group",
    "thread-groups",
    "tune.buffers.limit",
    "tune.buffers.reserve",
    "tune.bufsize",
    "tune.comp.maxlevel",
    "tune.fail-alloc",
    "tune.fd.edge-triggered",
    "tune.h2.header-table-size",
    "tune.h2.initial-window-size",
    "tune.h2.max-concurrent-streams",
    "tune.h2.max-frame-size",
    "tune.http.cookielen",
    "tune.http.logurilen",
    "tune.http.maxhdr",
    "tune.idle-pool.shared",
    "tune.idletimer",
    "tune.listener.multi-queue",
    "tune.lua.forced-yield",
    "tune.lua.maxmem",
    "tune.lua.service-timeout",
    "tune.lua.session-timeout",
    "tune.lua.task-timeout",
    "tune.maxaccept",
    "tune.maxpollevents",
    "tune.maxrewrite",
    "tune.pattern.cache-size",
    "tune.peers.max-updates-at-once",
    "tune.pipesize",
    "tune.pool-high-fd-ratio",
    "tune.pool-low-fd-ratio",
    "tune.rcvbuf.client",
    "tune.rcvbuf.server",
    "tune.recv_enough",
    "tune.runqueue-depth",
    "tune.sched.low-latency",
    "tune.sndbuf.client",
    "tune.sndbuf.server",
    "tune.ssl.cachesize",
    "tune.ssl.capture-buffer-size",
    "tune.ssl.capture-cipherlist-size",
    "tune.ssl.default-dh-param",
    "tune.ssl.force-private-cache",
    "tune.ssl.hard-maxrecord",
    "tune.ssl.keylog",
    "tune.ssl.lifetime",
    "tune.ssl.maxrecord",
    "tune.ssl.ssl-ctx-cache-size",
    "tune.vars.global-max-size",
    "tune.vars.proc-max-size",
    "tune.vars.reqres-max-size",
    "tune.vars.sess-max-size",
    "tune.vars.txn-max-size",
    "uid",
    "ulimit-n",
    "unix-bind",
    "unsetenv",
    "user",
    "zero-warning",
];

/// Proxy keywords (one or two words) and where they are allowed: `D`
/// defaults, `F` frontend, `L` listen, `B` backend.
pub(crate) const PROXY: &[(&str, u8)] = &[
    ("acl", D | F | L | B),
    ("backlog", D | F | L),
    ("balance", D | L | B),
    ("bind", F | L),
    ("bind-process", D | F | L | B),
    ("capture cookie", F | L),
    ("capture request header", F | L),
    ("capture response header", F | L),
    ("clitcpka-cnt", D | F | L),
    ("clitcpka-idle", D | F | L),
    ("clitcpka-intvl", D | F | L),
    ("compression", D | F | L | B),
    ("cookie", D | L | B),
    ("declare capture", F | L),
    ("default-server", D | L | B),
    ("default_backend", D | F | L),
    ("description", F | L | B),
    ("disabled", D | F | L | B),
    ("dispatch", L | B),
    ("email-alert from", D | F | L | B),
    ("email-alert level", D | F | L | B),
    ("email-alert mailers", D | F | L | B),
    ("email-alert myhostname", D | F | L | B),
    ("email-alert to", D | F | L | B),
    ("enabled", D | F | L | B),
    ("errorfile", D | F | L | B),
    ("errorfiles", D | F | L | B),
    ("errorloc", D | F | L | B),
    ("errorloc302", D | F | L | B),
    ("errorloc303", D | F | L | B),
    ("error-log-format", D | F | L),
    ("force-persist", L | B),
    ("filter", F | L | B),
    ("fullconn", D | L | B),
    ("hash-type", D | L | B),
    ("http-after-response", D | F | L | B),
    ("http-check comment", D | L | B),
    ("http-check connect", D | L | B),
    ("http-check disable-on-404", D | L | B),
    ("http-check expect", D | L | B),
    ("http-check send", D | L | B),
    ("http-check send-state", D | L | B),
    ("http-check set-var", D | L | B),
    ("http-check set-var-fmt", D | L | B),
    ("http-check unset-var", D | L | B),
    ("http-error", D | F | L | B),
    ("http-request", D | F | L | B),
    ("http-response", D | F | L | B),
    ("http-reuse", D | L | B),
    ("http-send-name-header", D | L | B),
    ("id", F | L | B),
    ("ignore-persist", L | B),
    ("load-server-state-from-file", D | L | B),
    ("log", D | F | L | B),
    ("log-format", D | F | L),
    ("log-format-sd", D | F | L),
    ("log-tag", D | F | L | B),
    ("max-keep-alive-queue", D | L | B),
    ("maxconn", D | F | L),
    ("mode", D | F | L | B),
    ("monitor fail", F | L),
    ("monitor-uri", D | F | L),
    ("option abortonclose", D | L | B),
    ("option accept-invalid-http-request", D | F | L),
    ("option accept-invalid-http-response", D | L | B),
    ("option allbackups", D | L | B),
    ("option checkcache", D | L | B),
    ("option clitcpka", D | F | L),
    ("option contstats", D | F | L),
    ("option disable-h2-upgrade", D | F | L),
    ("option dontlog-normal", D | F | L),
    ("option dontlognull", D | F | L),
    ("option forwardfor", D | F | L | B),
    ("option h1-case-adjust-bogus-client", D | F | L),
    ("option h1-case-adjust-bogus-server", D | L | B),
    ("option http-buffer-request", D | F | L | B),
    ("option http-ignore-probes", D | F | L),
    ("option http-keep-alive", D | F | L | B),
    ("option http-no-delay", D | F | L | B),
    ("option http-pretend-keepalive", D | L | B),
    ("option http-restrict-req-hdr-names", D | F | L | B),
    ("option http-server-close", D | F | L | B),
    ("option http-use-proxy-header", D | F | L),
    ("option httpchk", D | L | B),
    ("option httpclose", D | F | L | B),
    ("option httplog", D | F | L),
    ("option httpslog", D | F | L),
    ("option independent-streams", D | F | L | B),
    ("option ldap-check", D | L | B),
    ("option external-check", D | L | B),
    ("option log-health-checks", D | L | B),
    ("option log-separate-errors", D | F | L),
    ("option logasap", D | F | L),
    ("option mysql-check", D | L | B),
    ("option nolinger", D | F | L | B),
    ("option originalto", D | F | L | B),
    ("option persist", D | L | B),
    ("option pgsql-check", D | L | B),
    ("option prefer-last-server", D | L | B),
    ("option redispatch", D | L | B),
    ("option redis-check", D | L | B),
    ("option smtpchk", D | L | B),
    ("option socket-stats", D | F | L),
    ("option splice-auto", D | F | L | B),
    ("option splice-request", D | F | L | B),
    ("option splice-response", D | F | L | B),
    ("option spop-check", D | L | B),
    ("option srvtcpka", D | L | B),
    ("option ssl-hello-chk", D | L | B),
    ("option tcp-check", D | L | B),
    ("option tcp-smart-accept", D | F | L),
    ("option tcp-smart-connect", D | L | B),
    ("option tcpka", D | F | L | B),
    ("option tcplog", D | F | L | B),
    ("option transparent", D | L | B),
    ("option idle-close-on-response", D | F | L),
    ("external-check command", D | L | B),
    ("external-check path", D | L | B),
    ("persist rdp-cookie", D | L | B),
    ("rate-limit sessions", D | F | L),
    ("redirect", F | L | B),
    ("retries", D | L | B),
    ("retry-on", D | L | B),
    ("server", L | B),
    ("server-state-file-name", D | L | B),
    ("server-template", L | B),
    ("source", D | L | B),
    ("srvtcpka-cnt", D | L | B),
    ("srvtcpka-idle", D | L | B),
    ("srvtcpka-intvl", D | L | B),
    ("stats admin", F | L | B),
    ("stats auth", D | F | L | B),
    ("stats enable", D | F | L | B),
    ("stats hide-version", D | F | L | B),
    ("stats http-request", F | L | B),
    ("stats realm", D | F | L | B),
    ("stats refresh", D | F | L | B),
    ("stats scope", D | F | L | B),
    ("stats show-desc", D | F | L | B),
    ("stats show-legends", D | F | L | B),
    ("stats show-node", D | F | L | B),
    ("stats uri", D | F | L | B),
    ("stick match", L | B),
    ("stick on", L | B),
    ("stick store-request", L | B),
    ("stick store-response", L | B),
    ("stick-table", F | L | B),
    ("tcp-check comment", D | L | B),
    ("tcp-check connect", D | L | B),
    ("tcp-check expect", D | L | B),
    ("tcp-check send", D | L | B),
    ("tcp-check send-lf", D | L | B),
    ("tcp-check send-binary", D | L | B),
    ("tcp-check send-binary-lf", D | L | B),
    ("tcp-check set-var", D | L | B),
    ("tcp-check set-var-fmt", D | L | B),
    ("tcp-check unset-var", D | L | B),
    ("tcp-request connection", D | F | L),
    ("tcp-request content", D | F | L | B),
    ("tcp-request inspect-delay", D | F | L | B),
    ("tcp-request session", D | F | L),
    ("tcp-response content", D | L | B),
    ("tcp-response inspect-delay", D | L | B),
    ("timeout check", D | L | B),
    ("timeout client", D | F | L),
    ("timeout client-fin", D | F | L),
    ("timeout connect", D | L | B),
    ("timeout http-keep-alive", D | F | L | B),
    ("timeout http-request", D | F | L | B),
    ("timeout queue", D | L | B),
    ("timeout server", D | L | B),
    ("timeout server-fin", D | L | B),
    ("timeout tarpit", D | F | L | B),
    ("timeout tunnel", D | L | B),
    ("transparent", D | L | B),
    ("unique-id-format", D | F | L),
    ("unique-id-header", D | F | L),
    ("use_backend", F | L),
    ("use-fcgi-app", L | B),
    ("use-server", L | B),
];

/// `bind` options and how many arguments each takes (section 5.1).
pub(crate) const BIND_OPTIONS: &[(&str, u8)] = &[
    ("accept-netscaler-cip", 1),
    ("accept-proxy", 0),
    ("alpn", 1),
    ("backlog", 1),
    ("ca-file", 1),
    ("ca-ignore-err", 1),
    ("ca-sign-file", 1),
    ("ca-sign-pass", 1),
    ("ca-verify-file", 1),
    ("ciphers", 1),
    ("ciphersuites", 1),
    ("crl-file", 1),
    ("crt", 1),
    ("crt-ignore-err", 1),
    ("crt-list", 1),
    ("curves", 1),
    ("defer-accept", 0),
    ("ecdhe", 1),
    ("expose-fd", 1),
    ("force-sslv3", 0),
    ("force-tlsv10", 0),
    ("force-tlsv11", 0),
    ("force-tlsv12", 0),
    ("force-tlsv13", 0),
    ("generate-certificates", 0),
    ("gid", 1),
    ("group", 1),
    ("id", 1),
    ("interface", 1),
    ("level", 1),
    ("maxconn", 1),
    ("mode", 1),
    ("mss", 1),
    ("name", 1),
    ("namespace", 1),
    ("nice", 1),
    ("no-ca-names", 0),
    ("no-sslv3", 0),
    ("no-tls-tickets", 0),
    ("no-tlsv10", 0),
    ("no-tlsv11", 0),
    ("no-tlsv12", 0),
    ("no-tlsv13", 0),
    ("npn", 1),
    ("prefer-client-ciphers", 0),
    ("process", 1),
    ("proto", 1),
    ("severity-output", 1),
    ("shards", 1),
    ("ssl", 0),
    ("ssl-max-ver", 1),
    ("ssl-min-ver", 1),
    ("strict-sni", 0),
    ("tcp-ut", 1),
    ("tfo", 0),
    ("thread", 1),
    ("tls-ticket-keys", 1),
    ("transparent", 0),
    ("uid", 1),
    ("user", 1),
    ("v4v6", 0),
    ("v6only", 0),
    ("verify", 1),
];

/// `server` and `default-server` options and how many arguments each takes
/// (section 5.2; `source` may be followed by `usesrc <addr>`).
pub(crate) const SERVER_OPTIONS: &[(&str, u8)] = &[
    ("addr", 1),
    ("agent-addr", 1),
    ("agent-check", 0),
    ("agent-inter", 1),
    ("agent-port", 1),
    ("agent-send", 1),
    ("allow-0rtt", 0),
    ("alpn", 1),
    ("backup", 0),
    ("ca-file", 1),
    ("check", 0),
    ("check-alpn", 1),
    ("check-proto", 1),
    ("check-send-proxy", 0),
    ("check-sni", 1),
    ("check-ssl", 0),
    ("check-via-socks4", 0),
    ("ciphers", 1),
    ("ciphersuites", 1),
    ("cookie", 1),
    ("crl-file", 1),
    ("crt", 1),
    ("disabled", 0),
    ("enabled", 0),
    ("downinter", 1),
    ("error-limit", 1),
    ("fastinter", 1),
    ("fall", 1),
    ("force-sslv3", 0),
    ("force-tlsv10", 0),
    ("force-tlsv11", 0),
    ("force-tlsv12", 0),
    ("force-tlsv13", 0),
    ("id", 1),
    ("init-addr", 1),
    ("inter", 1),
    ("log-proto", 1),
    ("max-reuse", 1),
    ("maxconn", 1),
    ("maxqueue", 1),
    ("minconn", 1),
    ("namespace", 1),
    ("no-agent-check", 0),
    ("no-backup", 0),
    ("no-check", 0),
    ("no-check-ssl", 0),
    ("no-send-proxy", 0),
    ("no-send-proxy-v2", 0),
    ("no-send-proxy-v2-ssl", 0),
    ("no-send-proxy-v2-ssl-cn", 0),
    ("no-ssl", 0),
    ("no-ssl-reuse", 0),
    ("no-sslv3", 0),
    ("no-tfo", 0),
    ("no-tls-tickets", 0),
    ("no-tlsv10", 0),
    ("no-tlsv11", 0),
    ("no-tlsv12", 0),
    ("no-tlsv13", 0),
    ("no-verifyhost", 0),
    ("non-stick", 0),
    ("npn", 1),
    ("observe", 1),
    ("on-error", 1),
    ("on-marked-down", 1),
    ("on-marked-up", 1),
    ("pool-low-conn", 1),
    ("pool-max-conn", 1),
    ("pool-purge-delay", 1),
    ("port", 1),
    ("proto", 1),
    ("proxy-v2-options", 1),
    ("redir", 1),
    ("resolve-net", 1),
    ("resolve-opts", 1),
    ("resolve-prefer", 1),
    ("resolvers", 1),
    ("rise", 1),
    ("send-proxy", 0),
    ("send-proxy-v2", 0),
    ("send-proxy-v2-ssl", 0),
    ("send-proxy-v2-ssl-cn", 0),
    ("slowstart", 1),
    ("sni", 1),
    ("socks4", 1),
    ("source", 1),
    ("ssl", 0),
    ("ssl-max-ver", 1),
    ("ssl-min-ver", 1),
    ("ssl-reuse", 0),
    ("stick", 0),
    ("tcp-ut", 1),
    ("tfo", 0),
    ("tls-tickets", 0),
    ("track", 1),
    ("verify", 1),
    ("verifyhost", 1),
    ("weight", 1),
    ("ws", 1),
];

type ByFirstWord = Index<Vec<(&'static str, &'static str, u8)>>;

/// The proxy keyword made of `first` (and `second`, for keywords of several
/// words), with its capabilities.
pub(crate) fn proxy_keyword(first: &str, second: Option<&str>) -> Option<(&'static str, u8)> {
    static INDEX: OnceLock<ByFirstWord> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m: ByFirstWord = Index::default();
        for &(name, caps) in PROXY {
            let (head, rest) = name.split_once(' ').unwrap_or((name, ""));
            m.entry(head).or_default().push((name, rest, caps));
        }
        m
    });
    let entries = index.get(first)?;
    entries
        .iter()
        .find(|(_, rest, _)| rest.is_empty())
        .or_else(|| {
            let second = second?;
            // The variable actions of check rules are written with their
            // variable: `http-check set-var(check.x) ...`.
            let head = match second.split_once('(') {
                Some((h, _)) if matches!(h, "set-var" | "set-var-fmt" | "unset-var") => h,
                _ => second,
            };
            entries
                .iter()
                .find(|(_, rest, _)| rest.split(' ').next() == Some(head))
        })
        .map(|&(name, _, caps)| (name, caps))
}

/// How many arguments `bind` option `name` takes, if it is one.
pub(crate) fn bind_option(name: &str) -> Option<u8> {
    static INDEX: OnceLock<Index<u8>> = OnceLock::new();
    let index = INDEX.get_or_init(|| BIND_OPTIONS.iter().copied().collect());
    index.get(name).copied()
}

/// How many arguments server option `name` takes, if it is one.
pub(crate) fn server_option(name: &str) -> Option<u8> {
    // The options of nearly every server line first, without hashing
    // (the table has the same arities; a test holds them to it).
    match name {
        "check" | "backup" => return Some(0),
        "inter" | "rise" | "fall" | "weight" | "maxconn" | "port" => return Some(1),
        _ => {}
    }
    static INDEX: OnceLock<Index<u8>> = OnceLock::new();
    let index = INDEX.get_or_init(|| SERVER_OPTIONS.iter().copied().collect());
    index.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_reads_a_short_tail_as_little_endian_padded_with_zeros() {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        for text in [
            "",
            "s",
            "s0",
            "backend",
            "abcdefgh",
            "abcdefghij",
            "server-template",
        ] {
            let mut want = 0u64;
            for chunk in text.as_bytes().chunks(8) {
                let mut w = [0u8; 8];
                w[..chunk.len()].copy_from_slice(chunk);
                want = (want.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
            }
            assert_eq!(hash(text), want, "{text}");
        }
    }

    #[test]
    fn the_server_option_fast_path_agrees_with_the_table() {
        for name in [
            "check", "backup", "inter", "rise", "fall", "weight", "maxconn", "port",
        ] {
            let listed = SERVER_OPTIONS.iter().find(|(n, _)| *n == name).map(|o| o.1);
            assert_eq!(server_option(name), listed, "{name}");
            assert!(listed.is_some(), "{name} is a server option");
        }
        assert_eq!(server_option("chekc"), None);
        assert_eq!(server_option("source"), Some(1));
    }
}
