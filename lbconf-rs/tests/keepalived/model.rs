//! The typed model of the seed configurations and checks on hand-made input.

use std::net::IpAddr;

use lbconf::keepalived::{
    self, AuthType, CheckerDetail, CheckerKind, DnsType, HttpProtocol, State, StatusRange, VsTarget,
};

fn corpus(name: &str) -> lbconf::Parsed<keepalived::Config> {
    keepalived::parse_file(&crate::corpus::dir().join(name), &crate::fixed_options())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn red_hat_sync_group_nat_example() {
    let p = corpus("valid/rh-vg1-nat.conf");
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
    let c = &p.value;
    assert_eq!(
        c.global_defs[0].notification_email[0].value,
        "admin@example.com"
    );
    let g = &c.sync_groups[0];
    assert_eq!(g.name.value, "VG1");
    let members: Vec<&str> = g.group.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(members, ["RH_EXT", "RH_INT"]);
    let ext = &c.instances[0];
    assert_eq!(ext.name.value, "RH_EXT");
    assert_eq!(ext.state.as_ref().unwrap().value, State::Master);
    assert_eq!(ext.interface.as_ref().unwrap().value, "eth0");
    assert_eq!(ext.virtual_router_id.as_ref().unwrap().value, 50);
    assert_eq!(ext.priority.as_ref().unwrap().value, 100);
    assert_eq!(ext.advert_int.as_ref().unwrap().value, 1.0);
    let auth = ext.authentication.as_ref().unwrap();
    assert_eq!(auth.auth_type.as_ref().unwrap().value, AuthType::Pass);
    assert_eq!(auth.auth_pass.as_ref().unwrap().value, "passw123");
    assert_eq!(ext.virtual_ipaddress[0].address.value, ip("198.18.1.10"));
    assert_eq!(c.instances[1].virtual_ipaddress[0].prefix, Some(24));
    let vs = &c.virtual_servers[0];
    assert_eq!(vs.target.value, VsTarget::Addr(ip("198.18.1.10"), 80));
    assert_eq!(vs.lb_algo.as_ref().unwrap().value, "rr");
    assert_eq!(vs.lb_kind.as_ref().unwrap().value, "NAT");
    assert_eq!(vs.protocol.as_ref().unwrap().value, "TCP");
    assert_eq!(vs.delay_loop.as_ref().unwrap().value, 6.0);
    assert_eq!(vs.real_servers.len(), 2);
    let rs = &vs.real_servers[1];
    assert_eq!((rs.address.value, rs.port), (ip("198.18.2.3"), Some(80)));
    assert_eq!(rs.checkers[0].kind.value, CheckerKind::Tcp);
    assert_eq!(rs.checkers[0].common.connect_timeout().unwrap().value, 10.0);
    // Spans point at the bytes.
    let text = std::fs::read_to_string(crate::corpus::dir().join("valid/rh-vg1-nat.conf")).unwrap();
    let span = ext.virtual_router_id.as_ref().unwrap().span;
    assert_eq!(&text[span.range()], "50");
}

#[test]
fn red_hat_dr_persistence_and_haproxy_script() {
    let dr = corpus("valid/rh-dr-persistence.conf");
    let vs = &dr.value.virtual_servers[0];
    assert_eq!(vs.lb_kind.as_ref().unwrap().value, "DR");
    assert_eq!(vs.persistence_timeout.as_ref().unwrap().value, 9600);
    assert_eq!(vs.real_servers[0].weight.as_ref().unwrap().value, 1);
    assert_eq!(
        vs.real_servers[0].checkers[0]
            .common
            .connect_port()
            .unwrap()
            .value,
        80
    );
    let hp = corpus("valid/rh-chk-haproxy.conf");
    assert!(keepalived::accepted(&hp), "{:?}", hp.diagnostics);
    let s = &hp.value.vrrp_scripts[0];
    assert_eq!(s.name.value, "chk_haproxy");
    assert_eq!(s.script.as_ref().unwrap().value, "/bin/kill -0 1");
    assert_eq!(s.interval.as_ref().unwrap().value, 2.0);
    assert_eq!(s.weight.as_ref().unwrap().value, 2);
    let t = &hp.value.instances[0].tracks[0];
    assert_eq!(
        (t.kind.as_str(), t.name.value.as_str()),
        ("track_script", "chk_haproxy")
    );
    assert!(hp.value.global_defs[0].enable_script_security);
}

#[test]
fn every_checker_kind_and_virtual_server_form() {
    let p = corpus("valid/lvs-checkers.conf");
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
    let vs = &p.value.virtual_servers[0];
    assert_eq!(vs.target.value, VsTarget::Group("VSG1".into()));
    assert_eq!(vs.quorum.as_ref().unwrap().value, 2);
    assert_eq!(vs.hysteresis.as_ref().unwrap().value, 1);
    assert!(vs.inhibit_on_failure && vs.alpha && vs.omega);
    assert_eq!(vs.sorry_server.as_ref().unwrap().value, "198.18.6.250 80");
    let kinds: Vec<&str> = vs
        .real_servers
        .iter()
        .flat_map(|r| &r.checkers)
        .map(|c| c.kind.value.keyword())
        .collect();
    assert_eq!(
        kinds,
        [
            "HTTP_GET",
            "SSL_GET",
            "MISC_CHECK",
            "SMTP_CHECK",
            "DNS_CHECK",
            "PING_CHECK",
            "FILE_CHECK",
            "BFD_CHECK"
        ]
    );
    let http = &vs.real_servers[0].checkers[0];
    assert_eq!(http.urls()[0].path.as_ref().unwrap().value, "/health");
    assert_eq!(
        http.urls()[0].status_code[0].value,
        StatusRange {
            first: 200,
            last: 200
        }
    );
    assert_eq!(http.common.retry().unwrap().value, 3);
    assert_eq!(
        vs.real_servers[2].checkers[0].misc_path().unwrap().value,
        "/bin/true"
    );
    assert_eq!(p.value.virtual_servers[1].target.value, VsTarget::Fwmark(9));
    assert_eq!(p.value.virtual_server_groups[0].members.len(), 2);
}

#[test]
fn unknown_keywords_are_kept_and_get_a_suggestion() {
    let p = corpus("invalid/typo-keyword.conf");
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "K0100")
        .expect("unknown keyword");
    assert_eq!(d.help.as_deref(), Some("did you mean `priority`?"));
    let i = &p.value.instances[0];
    assert!(
        i.settings.iter().any(|s| s.keyword.value == "prority"),
        "kept in settings"
    );
    assert!(keepalived::dump(&p.value).contains("    prority 100\n"));
}

#[test]
fn semantic_checks() {
    let codes = |name: &str| -> Vec<&'static str> {
        corpus(name).diagnostics.iter().map(|d| d.code).collect()
    };
    assert_eq!(codes("invalid/dupvrid.conf"), ["K0200"]);
    assert_eq!(codes("valid/dupvip.conf"), ["K0201"]);
    assert_eq!(codes("invalid/nopreempt_master.conf"), ["K0212"]);
    assert_eq!(codes("invalid/longpass.conf"), ["K0213"]);
    assert_eq!(codes("invalid/no-interface.conf"), ["K0214"]);
    assert_eq!(codes("invalid/script_root.conf"), ["K0220"]);
    assert_eq!(codes("invalid/vs_norealserver.conf"), ["K0230"]);
    assert_eq!(codes("invalid/vs-no-protocol.conf"), ["K0231"]);
    assert_eq!(codes("invalid/priority-300.conf"), ["K0103"]);
    assert_eq!(codes("invalid/bad-lb-algo.conf"), ["K0122"]);
}

#[test]
fn looks_like_tells_keepalived_from_haproxy() {
    assert!(keepalived::looks_like("! comment\nglobal_defs {\n}\n"));
    assert!(keepalived::looks_like("@main vrrp_instance X {\n}\n"));
    assert!(keepalived::looks_like(
        "include /etc/keepalived/conf.d/*.conf\n"
    ));
    assert!(!keepalived::looks_like(
        "global\n    daemon\ndefaults\n    mode http\n"
    ));
    assert!(!keepalived::looks_like("frontend fe\n    bind :80\n"));
}

#[test]
fn dump_is_normalized() {
    let p = keepalived::parse_str(
        "d.conf",
        "vrrp_instance   VI_1\n{ interface eth0 # c\n  virtual_ipaddress { 198.18.0.1/24 dev eth0 }\n  notify \"/bin/echo a b\"\n}\n",
        &crate::fixed_options(),
    );
    assert_eq!(
        keepalived::dump(&p.value),
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_ipaddress {\n        198.18.0.1/24 dev eth0\n    }\n    notify \"/bin/echo a b\"\n}\n"
    );
    let v = &p.value.instances[0].virtual_ipaddress[0];
    assert_eq!(v.dev.as_deref(), Some("eth0"));
}

#[test]
fn every_checker_option_is_typed() {
    let p = corpus("valid/checker-options.conf");
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
    let text =
        std::fs::read_to_string(crate::corpus::dir().join("valid/checker-options.conf")).unwrap();
    let vs = &p.value.virtual_servers[0];
    assert!(vs.ops && vs.ha_suspend && vs.sorry_server_inhibit);
    let flags: Vec<&str> = vs.sched_flags.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(flags, ["sh-port", "sh-fallback"]);
    assert_eq!(vs.persistence_engine.as_ref().unwrap().value, "sip");
    assert!(!vs.smtp_alert.as_ref().unwrap().value);
    assert_eq!(vs.virtualhost.as_ref().unwrap().value, "vs.example");
    assert_eq!(vs.snmp_name.as_ref().unwrap().value, "web");
    let up = vs.quorum_up.as_ref().unwrap();
    assert_eq!(up.command.value, "/bin/true up");
    assert_eq!(up.user.as_ref().unwrap().value, "root");
    assert!(vs.quorum_down.as_ref().unwrap().user.is_none());
    assert_eq!(vs.sorry_server_lvs_method.as_ref().unwrap().value, "NAT");
    let d = &vs.check_defaults;
    assert_eq!(d.connect_timeout().unwrap().value, 4.0);
    assert_eq!(d.retry().unwrap().value, 2);
    assert_eq!(d.delay_before_retry().unwrap().value, 1.5);
    assert_eq!(d.warmup().unwrap().value, 0.0);
    assert_eq!(vs.delay_loop.as_ref().unwrap().value, 10.0);

    let rs = &vs.real_servers[0];
    assert_eq!(rs.lvs_method().unwrap().value, "NAT");
    let up = rs.notify_up().unwrap();
    assert_eq!(up.command.value, "/bin/true rs up");
    assert_eq!(up.group.as_ref().unwrap().value, "root");
    assert_eq!(rs.notify_down().unwrap().command.value, "/bin/true");
    assert_eq!(rs.uthreshold().unwrap().value, 1000);
    assert_eq!(rs.lthreshold().unwrap().value, 10);
    assert!(rs.smtp_alert().unwrap().value);
    assert_eq!(rs.virtualhost().unwrap().value, "rs.example");
    assert!(rs.inhibit_on_failure);
    let d = &rs.check_defaults;
    assert!(d.alpha().unwrap().value);
    assert_eq!(d.retry().unwrap().value, 4);
    assert_eq!(d.delay_loop().unwrap().value, 6.0);

    let kinds: Vec<CheckerKind> = rs.checkers.iter().map(|c| c.kind.value).collect();
    assert_eq!(kinds, CheckerKind::ALL);

    let tcp = &rs.checkers[0].common;
    assert_eq!(tcp.connect_ip().unwrap().value, ip("198.18.7.11"));
    assert_eq!(&text[tcp.connect_ip().unwrap().span.range()], "198.18.7.11");
    assert_eq!(tcp.connect_port().unwrap().value, 8080);
    assert_eq!(tcp.bindto().unwrap().value, ip("198.18.7.2"));
    assert_eq!(tcp.bind_port().unwrap().value, 40000);
    assert_eq!(tcp.bind_if().unwrap().value, "eth0");
    assert_eq!(tcp.fwmark().unwrap().value, 7);
    assert_eq!(tcp.connect_timeout().unwrap().value, 3.0);
    assert_eq!(tcp.retry().unwrap().value, 2);
    assert_eq!(tcp.delay_before_retry().unwrap().value, 0.5);
    assert_eq!(tcp.warmup().unwrap().value, 1.5);
    assert_eq!(tcp.delay_loop().unwrap().value, 4.0);
    assert!(tcp.alpha().unwrap().value);
    assert!(tcp.log_all_failures().unwrap().value);

    let CheckerDetail::Http(http) = &rs.checkers[1].detail else {
        panic!("HTTP_GET detail: {:?}", rs.checkers[1].detail)
    };
    assert_eq!(
        http.http_protocol.as_ref().unwrap().value,
        HttpProtocol::Http10Close
    );
    assert_eq!(http.virtualhost.as_ref().unwrap().value, "www.example");
    assert!(http.fast_recovery.as_ref().unwrap().value);
    assert_eq!(rs.checkers[1].common.retry().unwrap().value, 3);
    assert_eq!(http.urls.len(), 2);
    let u = &http.urls[0];
    let codes: Vec<(u16, u16)> = u
        .status_code
        .iter()
        .map(|s| (s.value.first, s.value.last))
        .collect();
    assert_eq!(codes, [(200, 299), (404, 404), (503, 503)]);
    assert!(u.status_code[0].value.contains(250) && !u.status_code[0].value.contains(300));
    assert_eq!(&text[u.status_code[1].span.range()], "404");
    assert_eq!(
        u.digest.as_ref().unwrap().value,
        "9b3a0c85a887a256d6939da88aabd8cd"
    );
    assert_eq!(u.virtualhost.as_ref().unwrap().value, "url.example");
    assert_eq!(u.regex.as_ref().unwrap().value, "ok|up");
    assert!(u.regex_no_match);
    let opts: Vec<&str> = u.regex_options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(opts, ["caseless", "multiline"]);
    assert_eq!(u.regex_min_offset.as_ref().unwrap().value, 2);
    assert_eq!(u.regex_max_offset.as_ref().unwrap().value, 100);
    assert!(
        http.urls[1].status_code.is_empty(),
        "default 200-299 is left unset"
    );

    let CheckerDetail::Http(ssl) = &rs.checkers[2].detail else {
        panic!("SSL_GET detail")
    };
    assert!(ssl.enable_sni.as_ref().unwrap().value);

    let CheckerDetail::Misc(misc) = &rs.checkers[3].detail else {
        panic!("MISC_CHECK detail")
    };
    assert_eq!(misc.misc_path.as_ref().unwrap().value, "/bin/true check");
    assert_eq!(misc.misc_timeout.as_ref().unwrap().value, 5);
    assert!(misc.misc_dynamic);
    assert_eq!(misc.user.as_ref().unwrap().value, "root");
    assert_eq!(misc.group.as_ref().unwrap().value, "root");
    assert!(!rs.checkers[3].common.alpha().unwrap().value);
    assert_eq!(rs.checkers[3].common.delay_loop().unwrap().value, 3.0);

    let CheckerDetail::Smtp(smtp) = &rs.checkers[4].detail else {
        panic!("SMTP_CHECK detail")
    };
    assert_eq!(smtp.helo_name.as_ref().unwrap().value, "lbconf.example");

    let CheckerDetail::Dns(dns) = &rs.checkers[5].detail else {
        panic!("DNS_CHECK detail")
    };
    assert_eq!(dns.query_type.as_ref().unwrap().value, DnsType::Aaaa);
    assert_eq!(dns.name.as_ref().unwrap().value, "example.com");

    let CheckerDetail::Udp(udp) = &rs.checkers[6].detail else {
        panic!("UDP_CHECK detail")
    };
    // keepalived.conf(5): `Ab12f 3 456` is AB 12 0F 03 45 06.
    assert_eq!(
        udp.payload.as_ref().unwrap().value,
        [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06]
    );
    assert_eq!(
        &text[udp.payload.as_ref().unwrap().span.range()],
        "Ab12f 3 456"
    );
    let reply = udp.require_reply.as_ref().unwrap().value.as_ref().unwrap();
    assert_eq!(reply.reply_data, [0x0a, 0x00]);
    assert_eq!(reply.reply_data_mask, [0xff, 0x00]);
    assert_eq!(udp.min_reply_length.as_ref().unwrap().value, 2);
    assert_eq!(udp.max_reply_length.as_ref().unwrap().value, 512);

    assert_eq!(rs.checkers[7].detail, CheckerDetail::Ping);
    assert_eq!(rs.checkers[7].common.retry().unwrap().value, 1);

    let CheckerDetail::File(file) = &rs.checkers[8].detail else {
        panic!("FILE_CHECK detail")
    };
    assert_eq!(file.track_file.as_ref().unwrap().value, "tf1");
    assert_eq!(file.weight.as_ref().unwrap().value, -5);
    assert!(file.reverse);

    let CheckerDetail::Bfd(bfd) = &rs.checkers[9].detail else {
        panic!("BFD_CHECK detail")
    };
    assert_eq!(bfd.name.as_ref().unwrap().value, "bfd1");
}

#[test]
fn bad_checker_values_are_reported_where_they_are() {
    let p = corpus("invalid/checker-bad-values.conf");
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            "K0130", "K0105", "K0103", "K0130", "K0124", "K0131", "K0103", "K0132"
        ],
        "{:?}",
        p.diagnostics
    );
    let rs = &p.value.virtual_servers[0].real_servers[0];
    let tcp = &rs.checkers[0].common;
    assert!(tcp.alpha().is_none() && tcp.bindto().is_none() && tcp.bind_port().is_none());
    let codes: Vec<(u16, u16)> = rs.checkers[1]
        .urls()
        .iter()
        .flat_map(|u| &u.status_code)
        .map(|s| (s.value.first, s.value.last))
        .collect();
    assert_eq!(codes, [(200, 200)], "the valid code is kept");

    let p = corpus("invalid/checker-options-of-other-kinds.conf");
    let found: Vec<(&str, String)> = p
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "K0100",
                "unknown keyword `connect_ip` in MISC_CHECK".to_owned()
            ),
            ("K0100", "unknown keyword `retry` in FILE_CHECK".to_owned()),
            (
                "K0141",
                "`dynamic` in FILE_CHECK is newer than keepalived 2.2.7".to_owned()
            ),
            (
                "K0141",
                "`weight` in BFD_CHECK is newer than keepalived 2.2.7".to_owned()
            ),
        ]
    );
}

#[test]
fn vrrp_options_lbd_reads_are_typed() {
    let p = corpus("valid/vrrp-typed-options.conf");
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
    let c = &p.value;
    let text = std::fs::read_to_string(crate::corpus::dir().join("valid/vrrp-typed-options.conf"))
        .unwrap();
    let at = |span: lbconf::Span| &text[span.range()];
    let val = |s: &Option<keepalived::Spanned<u32>>| s.as_ref().map(|s| s.value);

    let g = &c.global_defs[0];
    assert_eq!(g.script_user.as_ref().unwrap().value, "root");
    let group = g.script_group.as_ref().unwrap();
    assert_eq!(group.value, "root");
    assert_eq!(at(group.span), "root");
    assert_eq!(val(&g.vrrp_garp_master_delay), Some(7));
    assert_eq!(val(&g.vrrp_garp_master_repeat), Some(3));
    assert_eq!(val(&g.vrrp_garp_master_refresh), Some(60));
    assert_eq!(val(&g.vrrp_garp_master_refresh_repeat), Some(2));
    assert_eq!(val(&g.vrrp_garp_lower_prio_delay), Some(4));
    assert_eq!(val(&g.vrrp_garp_lower_prio_repeat), Some(5));
    assert_eq!(at(g.vrrp_garp_master_refresh.as_ref().unwrap().span), "60");

    let s = &c.vrrp_scripts[0];
    assert_eq!(s.weight.as_ref().unwrap().value, -20);
    assert!(s.weight_reverse && s.init_fail);
    assert_eq!(s.user.as_ref().unwrap().value, "root");
    assert_eq!(s.user_group.as_ref().unwrap().value, "root");

    let i = &c.instances[0];
    let mode = i.accept_mode.as_ref().unwrap();
    assert!(!mode.value, "no_accept comes last");
    assert_eq!(at(mode.span), "no_accept");
    assert!(i.accept, "the old field still says an accept was written");
    let strict = i.strict_mode.as_ref().unwrap();
    assert!(!strict.value);
    assert_eq!(at(strict.span), "off");
    assert_eq!(i.use_vmac.as_ref().unwrap().value, "vrrp.61");
    assert_eq!(i.use_vmac_mac.as_ref().unwrap().value, "02:00:5e:00:01:3d");
    assert!(i.vmac_xmit_base && i.dont_track_primary && i.check_unicast_src);
    assert_eq!(val(&i.garp_master_delay), Some(300));
    assert_eq!(val(&i.garp_master_repeat), Some(4));
    assert_eq!(val(&i.garp_master_refresh), Some(30));
    assert_eq!(val(&i.garp_master_refresh_repeat), Some(3));
    assert_eq!(val(&i.garp_lower_prio_delay), Some(2));
    assert_eq!(val(&i.garp_lower_prio_repeat), Some(6));

    let tracks: Vec<(&str, &str, Option<i32>, bool)> = i
        .tracks
        .iter()
        .map(|t| (t.kind.as_str(), t.name.value.as_str(), t.weight, t.reverse))
        .collect();
    assert_eq!(
        tracks,
        [
            ("track_interface", "eth1", Some(10), true),
            ("track_script", "chk_up", Some(5), true),
        ]
    );

    type Row<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);
    let notify: Vec<Row<'_>> = i
        .notify
        .iter()
        .map(|n| {
            (
                n.kind.as_str(),
                n.script.value.as_str(),
                n.command.value.as_str(),
                n.user.as_ref().map(|u| u.value.as_str()),
                n.group.as_ref().map(|g| g.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        notify,
        [
            (
                "notify_master",
                "/bin/echo master root root",
                "/bin/echo master",
                Some("root"),
                Some("root")
            ),
            (
                "notify_backup",
                "/bin/true root",
                "/bin/true",
                Some("root"),
                None
            ),
            ("notify_fault", "/bin/true", "/bin/true", None, None),
        ]
    );
    assert_eq!(at(i.notify[0].command.span), "\"/bin/echo master\"");
}

#[test]
fn bad_garp_and_strict_mode_values_are_reported_and_left_unset() {
    let p = corpus("invalid/vrrp-bad-garp-and-strict.conf");
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["K0103", "K0102", "K0149", "K0103", "K0103"],
        "{:?}",
        p.diagnostics
    );
    let g = &p.value.global_defs[0];
    assert!(g.vrrp_garp_master_delay.is_none() && g.vrrp_garp_master_refresh.is_none());
    let i = &p.value.instances[0];
    assert!(i.strict_mode.is_none());
    assert!(i.garp_lower_prio_delay.is_none() && i.garp_master_repeat.is_none());
}

#[test]
fn use_vmac_takes_the_mac_before_or_after_the_name() {
    let opts = crate::fixed_options();
    for (line, name, mac) in [
        ("use_vmac", "", None),
        ("use_vmac vx1", "vx1", None),
        (
            "use_vmac vx1 02:00:5e:00:01:3d",
            "vx1",
            Some("02:00:5e:00:01:3d"),
        ),
        (
            "use_vmac 02:00:5e:00:01:3d vx1",
            "vx1",
            Some("02:00:5e:00:01:3d"),
        ),
        ("use_vmac 02:00:5e:00:01:3d", "", Some("02:00:5e:00:01:3d")),
    ] {
        let text = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 5\n {line}\n virtual_ipaddress {{\n  198.18.0.9\n }}\n}}\n"
        );
        let p = keepalived::parse_str("v.conf", &text, &opts);
        assert!(keepalived::accepted(&p), "{line}: {:?}", p.diagnostics);
        let i = &p.value.instances[0];
        assert_eq!(i.use_vmac.as_ref().unwrap().value, name, "{line}");
        assert_eq!(
            i.use_vmac_mac.as_ref().map(|m| m.value.as_str()),
            mac,
            "{line}"
        );
    }
}

#[test]
fn vmac_track_weight_and_notify_mistakes_are_reported() {
    let p = corpus("invalid/vrrp-vmac-track-notify.conf");
    let found: Vec<(&str, u32)> = p
        .diagnostics
        .iter()
        .map(|d| {
            // `FILE:LINE:COLUMN`.
            let at = p.sources.locate(d.labels[0].span);
            let line = at.rsplit(':').nth(1).and_then(|l| l.parse().ok());
            (d.code, line.unwrap_or(0))
        })
        .collect();
    assert_eq!(
        found,
        [
            ("K0154", 25),
            ("K0154", 29),
            ("K0153", 32),
            ("K0150", 20),
            ("K0155", 26),
            ("K0152", 40),
            ("K0128", 49),
            ("K0151", 40),
        ],
        "{:?}",
        p.diagnostics
    );
    let i = &p.value.instances[0];
    assert_eq!(i.notify.len(), 1, "the second notify_master is ignored");
    // `use_vmac vx1 02:..:3d /bin/true`: keepalived reads two words.
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 5\n use_vmac vx1 02:00:5e:00:01:3d /bin/true\n virtual_ipaddress {\n  198.18.0.9\n }\n}\n";
    let p = keepalived::parse_str("v.conf", text, &crate::fixed_options());
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
}

/// A virtual server's checks run as soon as it is built, but a group, a
/// `vrrp_track_file` or a `bfd_instance` it names may come after it: those
/// are checked against the whole file.
#[test]
fn virtual_servers_see_groups_and_track_files_defined_after_them() {
    let opts = keepalived::Options {
        config_id: Some("lb1".into()),
        interfaces: Some(vec!["lo".into(), "eth0".into()]),
        host_names: Some(vec!["localhost".into()]),
    };
    let text = "\
virtual_server group G {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 198.18.0.2 8080 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
virtual_server 198.18.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.18.0.3 80 {
        FILE_CHECK {
            track_file TF
        }
    }
}
virtual_server_group G {
    198.18.0.1 80
}
vrrp_track_file TF {
    file /tmp/lbconf-tf
}
";
    let p = keepalived::parse_str("late.conf", text, &opts);
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["K0233"], "{:?}", p.diagnostics);
    let text = text.replace("        track_file TF", "        track_file NOPE");
    let p = keepalived::parse_str("late.conf", &text, &opts);
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["K0233", "K0218"], "{:?}", p.diagnostics);
}

/// `smtp_server` names must resolve on the checking host; `host_names`
/// stands in for the resolver, so tests and fuzzing never ask DNS.
#[test]
fn smtp_server_names_resolve_through_the_given_host_names() {
    let text = "global_defs {\n    smtp_server mail.lb.test 25\n}\n";
    let parse = |names: Vec<String>| {
        let opts = keepalived::Options {
            config_id: Some("lb1".into()),
            interfaces: Some(vec!["lo".into()]),
            host_names: Some(names),
        };
        keepalived::parse_str("keepalived.conf", text, &opts)
    };
    let known = parse(vec!["mail.lb.test".into()]);
    assert!(keepalived::accepted(&known), "{:?}", known.diagnostics);
    let unknown = parse(vec!["localhost".into()]);
    assert!(
        unknown.diagnostics.iter().any(|d| d.code == "K0116"),
        "{:?}",
        unknown.diagnostics
    );
}

/// A scheduler flag before `lb_algo` is refused (keepalived reads them in
/// order). The normalizing dump puts `lb_algo` first, so this case lives
/// here rather than in the corpus, whose dumps must read back the same.
#[test]
fn scheduler_flags_need_the_scheduler_first() {
    let text = "virtual_server 198.18.7.1 80 {\n    lb_kind NAT\n    protocol TCP\n    mh-fallback\n    lb_algo mh\n    mh-port\n    real_server 198.18.7.10 80 {\n        weight 1\n    }\n}\n";
    let p = keepalived::parse_str("flags.conf", text, &keepalived::Options::default());
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["K0168"], "{:?}", p.diagnostics);
    let flags: Vec<&str> = p.value.virtual_servers[0]
        .sched_flags
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(flags, ["mh-port"]);
}
