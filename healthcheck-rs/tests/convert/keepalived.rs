//! `keepalived.conf` → check specs.

use std::time::Duration;

use healthcheck::convert::{ConvertError, KeepalivedCheck, keepalived};
use healthcheck::spec::{
    Connect, DnsCheck, FileCheck, HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion,
    MiscCheck, SmtpCheck, SmtpHello, Tls, UdpCheck,
};
use healthcheck::{CheckSpec, InitialState, Probe, Timing};
use lbconf::keepalived::{self as ka, Options};

const S: Duration = Duration::from_secs(1);

fn parse(text: &str) -> lbconf::Parsed<ka::Config> {
    let opts = Options {
        config_id: Some("lb1".to_owned()),
        interfaces: Some(vec!["lo".to_owned()]),
        host_names: Some(vec!["localhost".to_owned()]),
    };
    let parsed = ka::parse_str("keepalived.conf", text, &opts);
    let problems: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity != lbconf::Severity::Note)
        .map(|d| d.one_line(&parsed.sources))
        .collect();
    assert!(
        ka::accepted(&parsed),
        "keepalived -t would reject the test config: {problems:#?}"
    );
    parsed
}

fn checks(text: &str) -> Vec<KeepalivedCheck> {
    let parsed = parse(text);
    keepalived(&parsed).unwrap_or_else(|e| panic!("conversion failed: {e:#?}"))
}

/// One virtual server 198.18.0.1:80 with `vs` options and one real server
/// 198.18.0.10:8080 with `rs` options (checkers included).
fn one_rs(vs: &str, rs: &str) -> String {
    format!(
        "virtual_server 198.18.0.1 80 {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n{vs}\
         \n    real_server 198.18.0.10 8080 {{\n{rs}\n    }}\n}}\n"
    )
}

fn spec(vs: &str, rs: &str) -> CheckSpec {
    let mut c = checks(&one_rs(vs, rs));
    assert_eq!(c.len(), 1, "{c:#?}");
    c.remove(0).spec
}

/// keepalived's defaults for a checker that sets nothing.
fn keepalived_timing() -> Timing {
    Timing {
        interval: 60 * S,
        fastinter: None,
        downinter: None,
        timeout: 5 * S,
        rise: 1,
        fall: 1,
        retry: 1,
        delay_before_retry: S,
        warmup: Some(60 * S),
        spread_percent: 0,
        initial: InitialState::FullyUp,
        slowstart: None,
    }
}

fn target() -> std::net::SocketAddr {
    "198.18.0.10:8080".parse().unwrap()
}

#[test]
fn tcp_check_with_keepalived_defaults() {
    let c = checks(&one_rs("", "        TCP_CHECK {\n        }"));
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].virtual_server, c[0].real_server, c[0].checker),
        (0, 0, 0)
    );
    assert_eq!(c[0].kind, "TCP_CHECK");
    assert_eq!(c[0].real_server_addr, target());
    assert_eq!(
        c[0].spec,
        CheckSpec {
            target: target(),
            probe: Probe::Tcp(Connect::default()),
            timing: keepalived_timing(),
        }
    );
}

#[test]
fn timing_inherits_checker_then_real_server_then_virtual_server() {
    let vs = "    delay_loop 10\n    retry 4\n    delay_before_retry 9\n    connect_timeout 8\n    \
              warmup 7\n    alpha\n";
    // Real server options override the virtual server's; checker options the real server's.
    let rs = "        delay_before_retry 2\n        connect_timeout 3\n        \
              TCP_CHECK {\n            warmup 0\n        }";
    assert_eq!(
        spec(vs, rs).timing,
        Timing {
            interval: 10 * S,
            timeout: 3 * S,
            retry: 4,
            delay_before_retry: 2 * S,
            warmup: None,
            initial: InitialState::Down,
            ..keepalived_timing()
        }
    );
    // A checker's delay_loop is also the default warmup; the real server can
    // turn alpha off.
    let rs = "        alpha no\n        TCP_CHECK {\n            delay_loop 1.5\n            \
              retry 2\n        }";
    assert_eq!(
        spec(vs, rs).timing,
        Timing {
            interval: Duration::from_millis(1500),
            timeout: 8 * S,
            retry: 2,
            delay_before_retry: 9 * S,
            warmup: Some(7 * S),
            initial: InitialState::FullyUp,
            ..keepalived_timing()
        }
    );
}

#[test]
fn per_type_retry_defaults() {
    let t = |checker: &str| {
        let text = format!(
            "global_defs {{\n    enable_script_security\n    script_user nobody\n}}\n{}",
            one_rs("    delay_loop 20\n", checker)
        );
        let c = checks(&text);
        c[0].spec.timing.clone()
    };
    let http = t(
        "        HTTP_GET {\n            url {\n                path /\n            }\n        }",
    );
    assert_eq!((http.retry, http.delay_before_retry), (1, 3 * S));
    let dns = t("        DNS_CHECK {\n        }");
    assert_eq!((dns.retry, dns.delay_before_retry), (3, 20 * S));
    let misc = t("        MISC_CHECK {\n            misc_path /bin/true\n        }");
    assert_eq!((misc.retry, misc.timeout), (0, 20 * S));
}

#[test]
fn tcp_connect_options() {
    let s = spec(
        "",
        "        TCP_CHECK {\n            connect_ip 198.18.0.20\n            connect_port 81\n            \
         bindto 198.18.0.2\n            bind_port 5000\n            fwmark 7\n        }",
    );
    assert_eq!(
        s.probe,
        Probe::Tcp(Connect {
            to: Some("198.18.0.20:81".parse().unwrap()),
            bind_ip: Some("198.18.0.2".parse().unwrap()),
            bind_port: Some(5000),
            fwmark: Some(7),
        })
    );
    // A port alone keeps the real server's address.
    let s = spec(
        "",
        "        TCP_CHECK {\n            connect_port 81\n        }",
    );
    assert_eq!(
        s.probe,
        Probe::Tcp(Connect {
            to: Some("198.18.0.10:81".parse().unwrap()),
            ..Connect::default()
        })
    );
}

#[test]
fn http_get_urls() {
    let s = spec(
        "    virtualhost vs.example\n",
        "        HTTP_GET {\n            http_protocol 1.1\n            url {\n                path /a\n                \
         digest 9B3D0E1B4C8F1F5E6A7D2C3B4A5F6E7D\n                status_code 200 300-399\n            }\n            \
         url {\n                path /b\n                regex \"^ok\"\n                regex_no_match\n            }\n        }",
    );
    assert_eq!(
        s.probe,
        Probe::Http(HttpCheck {
            version: HttpVersion::Http11,
            host: Some("vs.example".to_owned()),
            requests: vec![
                HttpRequest {
                    expect: vec![
                        HttpExpect::is(HttpRule::Status(vec![(200, 200), (300, 399)])),
                        HttpExpect::is(HttpRule::BodyMd5(
                            "9b3d0e1b4c8f1f5e6a7d2c3b4a5f6e7d".to_owned()
                        )),
                    ],
                    ..HttpRequest::get("/a")
                },
                HttpRequest {
                    expect: vec![
                        HttpExpect::is(HttpRule::Status(vec![(200, 299)])),
                        HttpExpect {
                            negate: true,
                            rule: HttpRule::BodyRegex("^ok".to_owned()),
                        },
                    ],
                    ..HttpRequest::get("/b")
                },
            ],
            ..HttpCheck::default()
        })
    );
}

#[test]
fn ssl_get_sni_from_virtualhost() {
    let s = spec(
        "",
        "        virtualhost rs.example\n        SSL_GET {\n            enable_sni\n            \
         http_protocol 1.0C\n            url {\n                path /\n            }\n        }",
    );
    let Probe::Http(h) = s.probe else {
        panic!("{:?}", s.probe)
    };
    assert_eq!(h.version, HttpVersion::Http10Close);
    assert_eq!(h.host.as_deref(), Some("rs.example"));
    assert_eq!(
        h.tls,
        Some(Tls {
            sni: Some("rs.example".to_owned()),
            verify: false,
            ca_file: None,
        })
    );
    // Without enable_sni no name is sent.
    let s = spec(
        "",
        "        SSL_GET {\n            url {\n                path /\n            }\n        }",
    );
    let Probe::Http(h) = s.probe else {
        panic!("{:?}", s.probe)
    };
    assert_eq!(h.tls, Some(Tls::default()));
}

#[test]
fn misc_check() {
    let text = format!(
        "global_defs {{\n    enable_script_security\n    script_user nobody\n}}\n{}",
        one_rs(
            "",
            "        MISC_CHECK {\n            misc_path \"/bin/check a 'b c'\"\n            misc_timeout 7\n            \
             misc_dynamic\n            user nobody\n        }"
        )
    );
    let c = checks(&text);
    assert_eq!(c[0].spec.timing.timeout, 7 * S);
    assert_eq!(
        c[0].spec.probe,
        Probe::Misc(MiscCheck {
            argv: vec!["/bin/check".to_owned(), "a".to_owned(), "b c".to_owned()],
            user: Some("nobody".to_owned()),
            group: None,
            dynamic: true,
        })
    );
    // Without a user of its own the script runs as the global script_user.
    let text = format!(
        "global_defs {{\n    enable_script_security\n    script_user nobody nogroup\n}}\n{}",
        one_rs(
            "",
            "        MISC_CHECK {\n            misc_path /bin/true\n        }"
        )
    );
    let Probe::Misc(m) = &checks(&text)[0].spec.probe else {
        panic!("not a MISC_CHECK")
    };
    assert_eq!(
        (m.user.as_deref(), m.group.as_deref()),
        (Some("nobody"), Some("nogroup"))
    );
}

#[test]
fn smtp_dns_udp_ping() {
    let probe = |checker: &str| spec("", checker).probe;
    assert_eq!(
        probe("        SMTP_CHECK {\n            helo_name mx.example\n        }"),
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Helo,
            name: "mx.example".to_owned(),
        })
    );
    assert_eq!(
        probe("        SMTP_CHECK {\n        }"),
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Helo,
            name: "smtpchecker.keepalived.org".to_owned(),
        })
    );
    assert_eq!(
        probe(
            "        DNS_CHECK {\n            type A\n            name example.org\n            \
             connect_port 53\n        }"
        ),
        Probe::Dns(DnsCheck {
            qtype: "A".to_owned(),
            name: "example.org".to_owned(),
            to: Some("198.18.0.10:53".parse().unwrap()),
        })
    );
    assert_eq!(
        probe("        DNS_CHECK {\n        }"),
        Probe::Dns(DnsCheck {
            qtype: "SOA".to_owned(),
            name: ".".to_owned(),
            to: None,
        })
    );
    assert_eq!(
        probe(
            "        UDP_CHECK {\n            payload 01ab\n            require_reply 02X3\n            \
             min_reply_length 2\n            max_reply_length 64\n        }"
        ),
        Probe::Udp(UdpCheck {
            to: None,
            payload: Some(vec![0x01, 0xab]),
            require_reply: true,
            expect: Some(vec![(0x02, 0xff), (0x03, 0x0f)]),
            min_reply_len: 2,
            max_reply_len: 64,
        })
    );
    assert_eq!(
        probe("        UDP_CHECK {\n        }"),
        Probe::Udp(UdpCheck::default())
    );
    let s = spec(
        "",
        "        PING_CHECK {\n            connect_ip 198.18.0.30\n        }",
    );
    assert_eq!(s.probe, Probe::Ping);
    assert_eq!(s.target, "198.18.0.30:8080".parse().unwrap());
}

#[test]
fn file_check_reads_the_track_file() {
    let text = format!(
        "vrrp_track_file weights {{\n    file /run/lbkit/weight\n    weight 3\n}}\n{}",
        one_rs(
            "",
            "        FILE_CHECK {\n            track_file weights\n        }\n        \
             FILE_CHECK {\n            track_file weights\n            weight -2 reverse\n        }"
        )
    );
    let c = checks(&text);
    assert_eq!(c.len(), 2);
    let file = |c: &KeepalivedCheck| match &c.spec.probe {
        Probe::File(f) => f.clone(),
        p => panic!("{p:?}"),
    };
    assert_eq!(
        file(&c[0]),
        FileCheck {
            path: "/run/lbkit/weight".into(),
            weight: 3,
            reverse: false,
        }
    );
    assert_eq!(
        file(&c[1]),
        FileCheck {
            path: "/run/lbkit/weight".into(),
            weight: -2,
            reverse: true,
        }
    );
    assert_eq!(c[0].spec.timing.interval, S);
    assert_eq!(c[0].spec.timing.retry, 0);
}

#[test]
fn real_server_without_port_uses_the_virtual_servers() {
    let text = "virtual_server 198.18.0.1 443 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    \
                real_server 198.18.0.10 {\n        TCP_CHECK {\n        }\n    }\n}\n";
    let c = checks(text);
    assert_eq!(c[0].real_server_addr, "198.18.0.10:443".parse().unwrap());
    assert_eq!(c[0].spec.target, "198.18.0.10:443".parse().unwrap());
}

#[test]
fn bfd_check_is_refused_with_its_location() {
    let text = format!(
        "bfd_instance b1 {{\n    neighbor_ip 198.18.0.10\n}}\n{}",
        one_rs("", "        BFD_CHECK {\n            name b1\n        }")
    );
    let parsed = parse(&text);
    let errors = keepalived(&parsed).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert!(matches!(e, ConvertError::Unsupported { .. }), "{e:?}");
    assert_eq!(e.keyword(), "BFD_CHECK");
    assert!(
        e.to_string()
            .starts_with("keepalived.conf:10:9: `BFD_CHECK` is not supported"),
        "{e}"
    );
}

#[test]
fn every_unsupported_option_is_reported() {
    let text = one_rs(
        "",
        "        HTTP_GET {\n            url {\n                path /\n                regex_min_offset 4\n            }\n            \
         url {\n                path /b\n                virtualhost other.example\n            }\n        }\n        \
         UDP_CHECK {\n            bindto 198.18.0.2\n        }",
    );
    let parsed = parse(&text);
    let errors = keepalived(&parsed).unwrap_err();
    let words: Vec<&str> = errors.iter().map(ConvertError::keyword).collect();
    assert_eq!(
        words,
        ["regex_min_offset", "virtualhost", "bindto"],
        "{errors:#?}"
    );
}
