//! The typed model of the corpus' valid files.

use lbconf::haproxy::{
    self, Balance, Config, Host, Log, Mode, OptionPrefix, Proxy, SectionKind, Verify,
};

use crate::corpus;

fn parse(rel: &str) -> Config {
    let text = std::fs::read_to_string(corpus::dir().join(rel)).expect("corpus file");
    let parsed = haproxy::parse_str(rel, &text, &corpus::options());
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == lbconf::Severity::Error)
        .map(|d| d.one_line(&parsed.sources))
        .collect();
    assert!(errors.is_empty(), "{rel}: {errors:#?}");
    parsed.value
}

fn proxy<'c>(c: &'c Config, kind: SectionKind, name: &str) -> &'c Proxy {
    c.section(&kind, name)
        .and_then(|s| s.proxy.as_ref())
        .unwrap_or_else(|| panic!("no {kind:?} {name}"))
}

#[test]
fn red_hat_seed_is_modelled() {
    let c = parse("valid/redhat_basic.cfg");
    let g = c.sections[0].global.as_ref().expect("global");
    assert!(g.daemon);
    assert_eq!(g.maxconn.as_ref().map(|m| m.value), Some(4000));
    assert_eq!(g.user.as_ref().map(|u| u.value.as_str()), Some("haproxy"));
    assert!(matches!(&g.logs[0], Log::Target { target, .. } if target.value == "127.0.0.1"));
    let d = c.sections[1].proxy.as_ref().expect("defaults");
    assert_eq!(d.mode.as_ref().map(|m| m.value), Some(Mode::Http));
    assert_eq!(d.retries.as_ref().map(|r| r.value), Some(3));
    let client = d
        .timeouts
        .iter()
        .find(|t| t.name.value == "client")
        .expect("timeout client");
    assert_eq!(client.millis, Some(60_000));
    assert!(
        d.options
            .iter()
            .any(|o| o.name.value == "dontlognull" && o.prefix == OptionPrefix::Set)
    );
    let main = proxy(&c, SectionKind::Frontend, "main");
    assert_eq!(
        main.default_backend.as_ref().map(|b| b.value.as_str()),
        Some("app")
    );
    assert_eq!(main.binds[0].addresses[0].value.port, Some(8080));
    let app = proxy(&c, SectionKind::Backend, "app");
    assert_eq!(
        app.balance.as_ref().map(|b| &b.value),
        Some(&Balance::RoundRobin)
    );
    assert_eq!(app.servers.len(), 4);
    let s1 = &app.servers[0].settings;
    assert_eq!(
        (s1.check, s1.inter, s1.rise, s1.fall),
        (Some(true), Some(2000), Some(4), Some(3))
    );
    assert_eq!(app.servers[3].settings.backup, Some(true));
    assert_eq!(
        app.servers[0]
            .address
            .as_ref()
            .map(|a| a.value.host.clone()),
        Some(Host::Ip("198.18.0.11".parse().unwrap()))
    );
    // Spans point at the text.
    let text = std::fs::read_to_string(corpus::dir().join("valid/redhat_basic.cfg")).unwrap();
    let span = app.servers[3].name.span;
    assert_eq!(&text[span.range()], "app4");
}

#[test]
fn ssl_binds_keep_their_certificates() {
    let c = parse("valid/rgw_ssl.cfg");
    let https = proxy(&c, SectionKind::Frontend, "rgw-https");
    assert!(https.binds.iter().all(|b| b.ssl));
    assert_eq!(https.binds[0].crts[0].value, "certs/site.pem");
    assert_eq!(
        https.binds[1].addresses[0].value.host,
        Host::Ip("::1".parse().unwrap())
    );
    let rgw = proxy(&c, SectionKind::Backend, "rgw");
    let s3 = &rgw.servers[2].settings;
    assert_eq!((s3.ssl, s3.verify), (Some(true), Some(Verify::None)));
    assert_eq!(s3.sni(), Some("str(rgw.test.invalid)"));
}

#[test]
fn every_balance_algorithm_is_typed() {
    let c = parse("valid/balance_all.cfg");
    let b = |n: &str| {
        proxy(&c, SectionKind::Backend, n)
            .balance
            .clone()
            .expect(n)
            .value
    };
    assert_eq!(b("srr"), Balance::StaticRr);
    assert_eq!(b("lc"), Balance::LeastConn);
    assert_eq!(b("first"), Balance::First);
    assert_eq!(b("src"), Balance::Source);
    assert_eq!(
        b("uri"),
        Balance::Uri {
            len: Some(10),
            depth: Some(3),
            whole: true,
            path_only: false
        }
    );
    assert_eq!(
        b("uri2"),
        Balance::Uri {
            len: None,
            depth: None,
            whole: false,
            path_only: true
        }
    );
    assert_eq!(
        b("urlparam"),
        Balance::UrlParam {
            param: "userid".into(),
            check_post: true
        }
    );
    assert_eq!(
        b("hdr"),
        Balance::Hdr {
            name: "host".into(),
            use_domain_only: true
        }
    );
    assert_eq!(b("random"), Balance::Random { draws: Some(3) });
    assert_eq!(
        b("rdp"),
        Balance::RdpCookie {
            name: Some("mstshash".into())
        }
    );
    assert_eq!(
        b("hash"),
        Balance::Hash {
            expr: "req.cook(session)".into()
        }
    );
}

#[test]
fn routing_rules_keep_conditions_and_references() {
    let c = parse("valid/routing.cfg");
    let edge_section = c.section(&SectionKind::Frontend, "edge").unwrap();
    assert_eq!(
        edge_section.from.as_ref().map(|f| f.value.as_str()),
        Some("web")
    );
    let edge = edge_section.proxy.as_ref().unwrap();
    assert_eq!(edge.acls.len(), 3);
    let rules = &edge.use_backends;
    assert_eq!(rules[0].backend.value, "api");
    let c0 = rules[0].condition.as_ref().unwrap();
    assert_eq!(c0.text, "is_api !is_admin");
    let names: Vec<&str> = c0.acls.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(names, ["is_api", "is_admin"]);
    let c1 = rules[1].condition.as_ref().unwrap();
    assert_eq!(
        c1.acls.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
        ["is_static"]
    );
    assert!(rules[3].dynamic);
    let ranges = &edge.binds[3].addresses[0].value;
    assert_eq!((ranges.port, ranges.port_end), (Some(9100), Some(9102)));
    assert_eq!(edge.binds[4].addresses.len(), 2);
    assert_eq!(
        edge.binds[2].addresses[0].value.family.as_deref(),
        Some("ipv6")
    );
    let api = proxy(&c, SectionKind::Backend, "api");
    assert_eq!(
        api.servers[1].address.as_ref().unwrap().value.host,
        Host::Ip("fd00::2".parse().unwrap())
    );
    assert_eq!(
        proxy(&c, SectionKind::Backend, "admin").servers[0]
            .settings
            .disabled,
        Some(true)
    );
}

#[test]
fn health_checks_are_typed() {
    let c = parse("valid/health_checks.cfg");
    let hc = proxy(&c, SectionKind::Backend, "http_checked");
    assert_eq!(hc.httpchk.as_ref().map(|h| h.uri.clone()), Some(None));
    let actions: Vec<&str> = hc
        .http_checks
        .iter()
        .map(|r| r.action.value.as_str())
        .collect();
    assert_eq!(actions, ["connect", "send", "expect"]);
    let ds = &hc.default_servers[0].value;
    assert_eq!(
        (ds.inter, ds.fastinter, ds.downinter),
        (Some(3000), Some(1000), Some(5000))
    );
    assert_eq!(
        (ds.rise, ds.fall, ds.slowstart, ds.weight),
        (Some(2), Some(3), Some(10_000), Some(50))
    );
    let h2 = &hc.servers[1].settings;
    assert_eq!(
        (h2.agent_check, h2.agent_port, h2.agent_inter),
        (Some(true), Some(9999), Some(5000))
    );
    assert_eq!(hc.servers[2].settings.send_proxy, Some(true));
    assert_eq!(hc.servers[3].settings.send_proxy_v2, Some(true));
    assert_eq!(
        hc.servers[4].settings.ca_file(),
        Some("/etc/ssl/certs/ca-certificates.crt")
    );
    let old = proxy(&c, SectionKind::Backend, "old_style")
        .httpchk
        .clone()
        .unwrap();
    assert_eq!(
        (
            old.method.as_deref(),
            old.uri.as_deref(),
            old.version.as_deref()
        ),
        (Some("GET"), Some("/ping"), Some("HTTP/1.0"))
    );
    let tcp = proxy(&c, SectionKind::Backend, "tcp_checked");
    assert_eq!(tcp.tcp_checks.len(), 3);
    assert_eq!(tcp.tcp_checks[1].args[0].value, "PING\r\n");
}

#[test]
fn conditional_blocks_pick_their_branches() {
    let parsed = {
        let rel = "valid/conditionals.cfg";
        let text = std::fs::read_to_string(corpus::dir().join(rel)).unwrap();
        haproxy::parse_str(rel, &text, &corpus::options())
    };
    let web = proxy(&parsed.value, SectionKind::Frontend, "web");
    let ports: Vec<Option<u16>> = web
        .binds
        .iter()
        .map(|b| b.addresses[0].value.port)
        .collect();
    assert_eq!(ports, [Some(8082), Some(8444)]);
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["H0212", "H0211"], "{:#?}", parsed.diagnostics);
    // The dump has the conditions resolved.
    let dumped = haproxy::dump(&parsed.value);
    assert!(!dumped.contains(".if"), "{dumped}");
    assert!(dumped.contains("bind 127.0.0.1:8082"), "{dumped}");
}

#[test]
fn files_are_told_apart_from_keepalived_ones() {
    for (rel, text) in corpus::files() {
        if rel.starts_with("valid/") {
            assert!(haproxy::looks_like(&text), "{rel}");
        }
    }
    assert!(!haproxy::looks_like(
        "global_defs {\n  router_id x\n}\nvrrp_instance V {\n}\n"
    ));
    assert!(!haproxy::looks_like(""));
}

#[test]
fn unreadable_and_non_utf8_files_are_reported() {
    let p = haproxy::parse_file(
        std::path::Path::new("/nonexistent/haproxy.cfg"),
        &corpus::options(),
    );
    assert!(!haproxy::accepted(&p));
    assert_eq!(p.diagnostics[0].code, "H0001");
    let dir = std::env::temp_dir().join(format!("lbconf-ha-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("latin1.cfg");
    std::fs::write(&f, b"global\n  description caf\xe9\n").unwrap();
    let p = haproxy::parse_file(&f, &corpus::options());
    assert!(
        p.diagnostics[0].message.contains("not UTF-8"),
        "{:?}",
        p.diagnostics
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_read_by_the_caller_parses_as_the_file_would() {
    let rel = "valid/redhat_basic.cfg";
    let path = corpus::dir().join(rel);
    let text = std::fs::read_to_string(&path).expect("corpus file");
    let from_file = haproxy::parse_file(&path, &corpus::options());
    let from_text = haproxy::parse_text(&path, text.clone(), &corpus::options());
    assert_eq!(from_text.value, from_file.value);
    assert_eq!(from_text.diagnostics, from_file.diagnostics);
    let name = path.display().to_string();
    let from_str = haproxy::parse_str(&name, &text, &corpus::options());
    assert_eq!(from_text.value, from_str.value);
    assert_eq!(
        from_text.sources.get(lbconf::FileId(0)).map(|f| f.text()),
        Some(text.as_str())
    );
}
