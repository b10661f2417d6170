//! `haproxy.cfg` → check specs.

use std::time::Duration;

use healthcheck::convert::{ConvertError, HaproxyCheck, HaproxyCheckKind, haproxy};
use healthcheck::spec::{
    AgentCheck, Connect, HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion, SmtpCheck,
    SmtpHello, TcpPattern, TcpRule, TcpSeq, Tls,
};
use healthcheck::{CheckSpec, InitialState, Probe, Timing};
use lbconf::haproxy::{self as hap, Options};

const MS: Duration = Duration::from_millis(1);

/// Parses `text` plus a listener (HAProxy refuses to start without one).
fn parse(text: &str) -> lbconf::Parsed<hap::Config> {
    let text = format!("{text}frontend listener\n    bind 127.0.0.1:8080\n");
    let parsed = hap::parse_str("haproxy.cfg", &text, &Options::default());
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == lbconf::Severity::Error)
        .map(|d| d.one_line(&parsed.sources))
        .collect();
    assert!(
        errors.is_empty(),
        "haproxy -c would reject the test config: {errors:#?}"
    );
    parsed
}

fn checks(text: &str) -> Vec<HaproxyCheck> {
    let parsed = parse(text);
    haproxy(&parsed).unwrap_or_else(|e| panic!("conversion failed: {e:#?}"))
}

fn errors(text: &str) -> Vec<ConvertError> {
    let parsed = parse(text);
    match haproxy(&parsed) {
        Ok(c) => panic!("expected conversion errors, got {c:#?}"),
        Err(e) => e,
    }
}

fn backend(lines: &str) -> String {
    format!("backend app\n{lines}")
}

/// HAProxy 2.6's timing for a server with no timing option.
fn haproxy_timing() -> Timing {
    Timing {
        interval: 2000 * MS,
        fastinter: None,
        downinter: None,
        timeout: 2000 * MS,
        rise: 2,
        fall: 3,
        retry: 0,
        delay_before_retry: Duration::ZERO,
        warmup: Some(2000 * MS),
        spread_percent: 0,
        initial: InitialState::Up,
        slowstart: None,
    }
}

fn only(text: &str) -> CheckSpec {
    let mut c = checks(text);
    assert_eq!(c.len(), 1, "{c:#?}");
    c.remove(0).spec
}

#[test]
fn plain_check_has_haproxy_defaults() {
    let c = checks(&backend(
        "    server a1 198.18.0.10:80 check\n    server a2 198.18.0.11:80\n",
    ));
    assert_eq!(c.len(), 1, "a server without `check` has no spec: {c:#?}");
    assert_eq!(c[0].proxy, "app");
    assert_eq!(c[0].server, "a1");
    assert_eq!(c[0].kind, HaproxyCheckKind::Health);
    assert_eq!((c[0].weight, c[0].backup, c[0].disabled), (1, false, false));
    assert_eq!(
        c[0].spec,
        CheckSpec {
            target: "198.18.0.10:80".parse().unwrap(),
            probe: Probe::Tcp(Connect::default()),
            timing: haproxy_timing(),
        }
    );
}

#[test]
fn default_server_layers_and_server_line() {
    let text = "defaults\n    mode tcp\n    timeout connect 1s\n    timeout check 3s\n    \
                default-server inter 3s fall 5 rise 1\n\
                backend app\n    default-server fastinter 500 downinter 10s check\n    \
                server a 198.18.0.10:80 inter 1500 slowstart 30s weight 20 backup\n    \
                server b 198.18.0.11:80 no-check disabled\n";
    let c = checks(text);
    assert_eq!(
        c.len(),
        1,
        "no-check overrides the default-server's check: {c:#?}"
    );
    assert_eq!((c[0].weight, c[0].backup), (20, true));
    assert_eq!(
        c[0].spec.timing,
        Timing {
            interval: 1500 * MS,
            warmup: Some(1500 * MS),
            fastinter: Some(500 * MS),
            downinter: Some(10_000 * MS),
            // min(timeout connect 1s, inter 1.5s) + timeout check 3s
            timeout: 4000 * MS,
            rise: 1,
            fall: 5,
            slowstart: Some(30_000 * MS),
            ..haproxy_timing()
        }
    );
}

#[test]
fn spread_checks_and_disabled() {
    let c = checks(
        "global\n    spread-checks 10\nbackend app\n    server a 198.18.0.10:80 check disabled\n",
    );
    assert!(c[0].disabled);
    assert_eq!(c[0].spec.timing.spread_percent, 10);
}

#[test]
fn addr_port_and_source() {
    let spec = only(&backend(
        "    server a 198.18.0.10:80 check addr 198.18.0.20 port 8080 source 198.18.0.1:4000\n",
    ));
    assert_eq!(spec.target, "198.18.0.10:80".parse().unwrap());
    assert_eq!(
        spec.probe,
        Probe::Tcp(Connect {
            to: Some("198.18.0.20:8080".parse().unwrap()),
            bind_ip: Some("198.18.0.1".parse().unwrap()),
            bind_port: Some(4000),
            fwmark: None,
        })
    );
    // A check port alone keeps the server's address.
    let spec = only(&backend("    server a 198.18.0.10 check port 81\n"));
    assert_eq!(spec.target, "198.18.0.10:81".parse().unwrap());
    assert_eq!(
        spec.probe,
        Probe::Tcp(Connect {
            to: Some("198.18.0.10:81".parse().unwrap()),
            ..Connect::default()
        })
    );
}

#[test]
fn check_ssl_sni_and_server_ssl() {
    let tls_connect = |sni: Option<&str>| {
        Probe::TcpSeq(TcpSeq {
            connect: Connect::default(),
            rules: vec![TcpRule::Connect {
                port: None,
                tls: Some(Tls {
                    sni: sni.map(str::to_owned),
                    verify: false,
                    ca_file: None,
                }),
            }],
        })
    };
    let spec = only(&backend(
        "    server a 198.18.0.10:80 check check-ssl check-sni www.example verify none\n",
    ));
    assert_eq!(spec.probe, tls_connect(Some("www.example")));
    // `ssl` on the server checks over TLS too, unless the check moves away.
    let spec = only(&backend(
        "    server a 198.18.0.10:443 check ssl verify none\n",
    ));
    assert_eq!(spec.probe, tls_connect(None));
    let spec = only(&backend(
        "    server a 198.18.0.10:443 check ssl verify none port 80\n",
    ));
    assert!(matches!(spec.probe, Probe::Tcp(_)), "{:?}", spec.probe);
    let spec = only(&backend(
        "    default-server check-ssl\n    server a 198.18.0.10:443 check no-check-ssl\n",
    ));
    assert!(matches!(spec.probe, Probe::Tcp(_)), "{:?}", spec.probe);
}

#[test]
fn tls_verification_needs_a_ca_file_and_follows_ssl_server_verify() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    // haproxy -c (and so lbconf) loads the file: it must hold a certificate.
    let cert = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).unwrap();
    std::fs::write(&ca, cert.cert.pem()).unwrap();
    let tls = |text: String| match only(&text).probe {
        Probe::TcpSeq(TcpSeq { rules, .. }) => match &rules[0] {
            TcpRule::Connect { tls: Some(t), .. } => t.clone(),
            r => panic!("{r:?}"),
        },
        p => panic!("{p:?}"),
    };
    let server = format!(
        "    server a 198.18.0.10:443 check ssl ca-file {}",
        ca.display()
    );
    // HAProxy verifies by default (ssl-server-verify required).
    let t = tls(backend(&format!("{server}\n")));
    assert!(t.verify);
    assert_eq!(t.ca_file.as_deref(), Some(ca.as_path()));
    assert!(!tls(backend(&format!("{server} verify none\n"))).verify);
    let global = format!(
        "global\n    ssl-server-verify none\n{}",
        backend(&format!("{server}\n"))
    );
    assert!(!tls(global).verify);
}

#[test]
fn httpchk_send_and_expect() {
    let text = backend(
        "    mode http\n    option httpchk GET /health HTTP/1.1\n    \
         http-check send hdr Host www.example hdr X-Probe 1 body ping\n    \
         http-check expect status 200-299,304\n    \
         http-check expect ! string maintenance\n    \
         http-check expect rstring ^ok\n    \
         http-check expect rstatus ^2\n    \
         http-check expect hdr name X-Ok value yes\n    \
         http-check expect comment \"says ok\" hdr name X-Ready\n    \
         server a 198.18.0.10:80 check\n",
    );
    let spec = only(&text);
    let req = HttpRequest {
        method: "GET".to_owned(),
        path: "/health".to_owned(),
        headers: vec![
            ("Host".to_owned(), "www.example".to_owned()),
            ("X-Probe".to_owned(), "1".to_owned()),
        ],
        body: b"ping".to_vec(),
        expect: vec![
            HttpExpect::is(HttpRule::Status(vec![(200, 299), (304, 304)])),
            HttpExpect {
                negate: true,
                rule: HttpRule::BodyContains("maintenance".to_owned()),
            },
            HttpExpect::is(HttpRule::BodyRegex("^ok".to_owned())),
            HttpExpect::is(HttpRule::StatusRegex("^2".to_owned())),
            HttpExpect::is(HttpRule::Header {
                name: "X-Ok".to_owned(),
                value: Some("yes".to_owned()),
            }),
            HttpExpect::is(HttpRule::Header {
                name: "X-Ready".to_owned(),
                value: None,
            }),
        ],
    };
    assert_eq!(
        spec.probe,
        Probe::Http(HttpCheck {
            version: HttpVersion::Http11,
            requests: vec![req],
            ..HttpCheck::default()
        })
    );
}

#[test]
fn httpchk_defaults_old_style_headers_and_inheritance() {
    // Bare `option httpchk`: OPTIONS / HTTP/1.0, any 2xx/3xx passes.
    let spec = only(&backend(
        "    option httpchk\n    server a 198.18.0.10:80 check\n",
    ));
    let Probe::Http(h) = spec.probe else {
        panic!("{:?}", spec.probe)
    };
    assert_eq!(h.version, HttpVersion::Http10);
    assert_eq!(
        (h.requests[0].method.as_str(), h.requests[0].path.as_str()),
        ("OPTIONS", "/")
    );
    assert!(h.requests[0].expect.is_empty());
    // The pre-2.2 way of sending a Host header, inherited from defaults.
    let text = "defaults\n    option httpchk HEAD /up HTTP/1.1\\r\\nHost:\\ www.example\n\
                backend app\n    server a 198.18.0.10:80 check\n";
    let Probe::Http(h) = only(text).probe else {
        panic!("not http")
    };
    assert_eq!(h.version, HttpVersion::Http11);
    assert_eq!(h.requests[0].method, "HEAD");
    assert_eq!(h.requests[0].path, "/up");
    assert_eq!(
        h.requests[0].headers,
        vec![("Host".to_owned(), "www.example".to_owned())]
    );
}

#[test]
fn tcp_check_rules() {
    let text = backend(
        "    option tcp-check\n    tcp-check connect port 6379\n    \
         tcp-check send PING\\r\\n\n    tcp-check expect string +PONG\n    \
         tcp-check send-binary 0a0B\n    tcp-check expect binary 0c\n    \
         tcp-check expect ! rstring ^-ERR\n    tcp-check connect port 6380 ssl sni db.example\n    \
         tcp-check comment done\n    server a 198.18.0.10:6379 check\n",
    );
    assert_eq!(
        only(&text).probe,
        Probe::TcpSeq(TcpSeq {
            connect: Connect::default(),
            rules: vec![
                TcpRule::Connect {
                    port: Some(6379),
                    tls: None
                },
                TcpRule::Send(b"PING\r\n".to_vec()),
                TcpRule::Expect {
                    negate: false,
                    pattern: TcpPattern::String("+PONG".to_owned())
                },
                TcpRule::Send(vec![0x0a, 0x0b]),
                TcpRule::Expect {
                    negate: false,
                    pattern: TcpPattern::Binary(vec![0x0c])
                },
                TcpRule::Expect {
                    negate: true,
                    pattern: TcpPattern::Regex("^-ERR".to_owned())
                },
                TcpRule::Connect {
                    port: Some(6380),
                    tls: Some(Tls {
                        sni: Some("db.example".to_owned()),
                        ..Tls::default()
                    })
                },
            ],
        })
    );
}

#[test]
fn protocol_checks() {
    let probe = |option: &str| {
        only(&backend(&format!(
            "    option {option}\n    server a 198.18.0.10:25 check\n"
        )))
        .probe
    };
    assert_eq!(
        probe("smtpchk EHLO mx.example"),
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Ehlo,
            name: "mx.example".to_owned()
        })
    );
    assert_eq!(
        probe("smtpchk"),
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Helo,
            name: "localhost".to_owned()
        })
    );
    assert_eq!(probe("redis-check"), Probe::Redis(Connect::default()));
    assert_eq!(probe("ssl-hello-chk"), Probe::SslHello(Connect::default()));
    assert_eq!(
        probe("pgsql-check user monitor"),
        Probe::Pgsql {
            connect: Connect::default(),
            user: "monitor".to_owned()
        }
    );
    assert_eq!(
        probe("mysql-check user monitor post-41"),
        Probe::Mysql {
            connect: Connect::default(),
            user: Some("monitor".to_owned())
        }
    );
    assert_eq!(
        probe("mysql-check"),
        Probe::Mysql {
            connect: Connect::default(),
            user: None
        }
    );
    // The last check option wins, the backend's over its defaults'.
    let text = "defaults\n    option redis-check\nbackend app\n    option httpchk\n    \
                option ssl-hello-chk\n    server a 198.18.0.10:443 check\n";
    assert_eq!(only(text).probe, Probe::SslHello(Connect::default()));
}

#[test]
fn agent_check_is_a_second_spec() {
    let c = checks(&backend(
        "    server a 198.18.0.10:80 check inter 1s agent-check agent-port 9999 \
         agent-inter 5s agent-send hello agent-addr 198.18.0.99\n",
    ));
    assert_eq!(c.len(), 2, "{c:#?}");
    assert_eq!(c[1].kind, HaproxyCheckKind::Agent);
    assert_eq!(
        c[1].spec,
        CheckSpec {
            target: "198.18.0.10:80".parse().unwrap(),
            probe: Probe::Agent(AgentCheck {
                connect: Connect {
                    to: Some("198.18.0.99:9999".parse().unwrap()),
                    ..Connect::default()
                },
                send: Some(b"hello".to_vec()),
            }),
            timing: Timing {
                interval: 5000 * MS,
                warmup: Some(5000 * MS),
                timeout: 5000 * MS,
                rise: 1,
                fall: 1,
                ..haproxy_timing()
            },
        }
    );
    // An agent alone (no `check`) still gets its spec.
    let c = checks(&backend(
        "    server a 198.18.0.10:80 agent-check agent-port 9999\n",
    ));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, HaproxyCheckKind::Agent);
    assert_eq!(c[0].spec.timing.interval, 2000 * MS);
}

fn one_error(text: &str) -> ConvertError {
    let mut e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.remove(0)
}

#[test]
fn unsupported_keywords_name_the_keyword_and_line() {
    let e = one_error(&backend(
        "    option ldap-check\n    server a 198.18.0.10:389 check\n",
    ));
    assert!(matches!(e, ConvertError::Unsupported { .. }), "{e:?}");
    assert_eq!(e.keyword(), "option ldap-check");
    assert!(
        e.to_string()
            .starts_with("haproxy.cfg:2:5: `option ldap-check` is not supported"),
        "{e}"
    );
    let e = one_error(&backend(
        "    server a 198.18.0.10:80 check check-send-proxy\n",
    ));
    assert_eq!(e.keyword(), "check-send-proxy");
    assert!(e.to_string().starts_with("haproxy.cfg:2:"), "{e}");
    let e = one_error(&backend(
        "    option redis-check\n    server a 198.18.0.10:6379 check check-ssl verify none\n",
    ));
    assert_eq!(e.keyword(), "option redis-check");
    let e = one_error(&backend(
        "    option tcp-check\n    tcp-check expect min-recv 4 string OK\n    \
         server a 198.18.0.10:80 check\n",
    ));
    assert_eq!(e.keyword(), "tcp-check expect min-recv");
    assert!(e.to_string().starts_with("haproxy.cfg:3:"), "{e}");
    let e = one_error(&backend(
        "    mode http\n    option httpchk\n    http-check send uri-lf /%[date]\n    \
         server a 198.18.0.10:80 check\n",
    ));
    assert_eq!(e.keyword(), "http-check send uri-lf");
}

#[test]
fn every_error_is_reported() {
    let text = backend(
        "    option pgsql-check user x\n    \
         server a 198.18.0.10:5432 check check-alpn h2 check-ssl verify none\n    \
         server b localhost:5432 check\n    server c 198.18.0.12:5432 check check-proto h2\n",
    );
    let e = errors(&text);
    let words: Vec<&str> = e.iter().map(ConvertError::keyword).collect();
    assert_eq!(
        words,
        ["check-alpn", "option pgsql-check", "check-proto"],
        "{e:#?}"
    );
}
