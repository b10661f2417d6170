//! The typed model of the seed configurations and checks on hand-made input.

use std::net::IpAddr;

use lbconf::keepalived::{self, AuthType, State, VsTarget};

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
    assert_eq!(rs.checkers[0].kind.value, "TCP_CHECK");
    assert_eq!(rs.checkers[0].connect_timeout.as_ref().unwrap().value, 10.0);
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
            .connect_port
            .as_ref()
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
        .map(|c| c.kind.value.as_str())
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
    assert_eq!(http.urls[0].path.as_ref().unwrap().value, "/health");
    assert_eq!(http.urls[0].status_code.as_ref().unwrap().value, "200");
    assert_eq!(http.retry.as_ref().unwrap().value, 3);
    assert_eq!(
        vs.real_servers[2].checkers[0]
            .misc_path
            .as_ref()
            .unwrap()
            .value,
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
