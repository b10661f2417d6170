//! The mapping on the seed's configuration and on the typed options lbd
//! reads (users and groups, `reverse`, `init_fail`, GARP, accept mode).

use super::*;
use crate::vrrp::exec::RunAs;
use std::net::{Ipv4Addr, Ipv6Addr};
use vrrp::wire::MacAddr;

fn lookup(name: &str) -> Result<Interface, String> {
    match name {
        "eth0" | "eth1" => Ok(Interface {
            index: 2,
            mac: MacAddr([2, 0, 0, 0, 0, 1]),
            up: true,
            ipv4: vec![Ipv4Addr::new(198, 18, 0, 1)],
            ipv6_link_local: vec![Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)],
        }),
        other => Err(format!("no interface {other}")),
    }
}

fn parse(text: &str) -> Result<Plan, Vec<String>> {
    let opts = lbconf::keepalived::Options {
        config_id: Some("lb1".into()),
        interfaces: Some(vec!["eth0".into(), "eth1".into()]),
        host_names: Some(vec!["localhost".into()]),
    };
    let parsed = lbconf::keepalived::parse_str("k.conf", text, &opts);
    plan(&parsed.value, &parsed.sources, &lookup)
}

const SEED: &str = r#"
global_defs {
router_id lb1
enable_script_security
script_user root
}
vrrp_script chk_haproxy {
script "/bin/true --quiet"
interval 2
timeout 3
weight -30
rise 2
fall 3
}
vrrp_sync_group RH {
group {
    RH_EXT
    RH_INT
}
notify "/bin/true group"
}
vrrp_instance RH_EXT {
state MASTER
interface eth0
virtual_router_id 50
priority 150
advert_int 1
authentication {
    auth_type PASS
    auth_pass secret
}
virtual_ipaddress {
    198.18.0.100/24
    198.18.0.101 dev eth1
}
track_interface {
    eth1 weight -20
}
track_script {
    chk_haproxy
}
notify_master "/bin/true master"
notify /bin/true
}
vrrp_instance RH_INT {
state MASTER
interface eth1
virtual_router_id 51
priority 150
version 3
advert_int 0.1
virtual_ipaddress {
    fd00::100/64
}
dont_track_primary
}
"#;

#[test]
fn the_seed_maps_to_the_engine() {
    let p = parse(SEED).unwrap();
    assert_eq!(p.instances.len(), 2);
    let ext = &p.instances[0];
    assert_eq!(ext.cfg.vrid, 50);
    assert_eq!(ext.cfg.version, Version::V2);
    assert_eq!(ext.cfg.auth, V2Auth::pass(b"secret"));
    assert_eq!(ext.cfg.primary, IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)));
    assert_eq!(ext.cfg.mac, MacAddr([2, 0, 0, 0, 0, 1]));
    assert_eq!(ext.fault_ifaces, ["eth0"]);
    assert_eq!(
        ext.weighted,
        [Weighted::Interface("eth1".into()), Weighted::Script(0)]
    );
    let weights: Vec<i16> = ext.cfg.track_scripts.iter().map(|t| t.weight).collect();
    assert_eq!(weights, [-20, -30]);
    assert_eq!(ext.vips[0].prefix, 24);
    assert_eq!(
        (ext.vips[1].prefix, ext.vips[1].iface.as_str()),
        (32, "eth1")
    );
    assert_eq!(ext.notify.len(), 2);
    assert_eq!(ext.notify[0].argv, ["/bin/true", "master"]);
    assert_eq!(ext.notify[1].on, NotifyOn::Any);
    let int = &p.instances[1];
    assert_eq!(int.cfg.version, Version::V3);
    assert_eq!(int.cfg.advert_interval, Duration::from_millis(100));
    assert!(int.cfg.primary.is_ipv6());
    assert!(int.fault_ifaces.is_empty());
    let s = &p.scripts[0];
    assert_eq!(s.argv, ["/bin/true", "--quiet"]);
    assert_eq!(
        (s.interval, s.timeout, s.rise, s.fall),
        (Duration::from_secs(2), Duration::from_secs(3), 2, 3)
    );
    assert_eq!(p.groups[0].members, [0, 1]);
    assert_eq!(p.groups[0].notify[0].argv, ["/bin/true", "group"]);
}

#[test]
fn users_reverse_and_init_fail_come_from_the_model() {
    let p = parse(
        r#"
global_defs {
enable_script_security
script_user nobody root   # a group other than the user's
}
vrrp_script chk {
script "/bin/true"
weight 10 reverse
init_fail
}
vrrp_instance VI_1 {
interface eth0
virtual_router_id 1
virtual_ipaddress {
    198.18.0.100
}
track_script {
    chk
}
track_interface {
    eth1 weight -5 reverse
}
notify_master "/bin/true a b" root
notify_backup /bin/true   # no user: script_user
notify "echo x"   # found in PATH
}
"#,
    )
    .unwrap();
    let nobody_root = RunAs { uid: 65534, gid: 0 };
    assert_eq!(p.scripts[0].user, nobody_root);
    assert!(p.scripts[0].init_fail);
    let i = &p.instances[0];
    assert_eq!(
        i.weighted,
        [Weighted::Script(0), Weighted::Interface("eth1".into())]
    );
    assert_eq!(i.reversed, [true, true]);
    let weights: Vec<i16> = i.cfg.track_scripts.iter().map(|t| t.weight).collect();
    assert_eq!(weights, [-10, 5]);
    // Reversed: up is a failure for the engine, down a success.
    assert!(!i.engine_result(0, true) && i.engine_result(1, false));
    let n: Vec<(&[String], RunAs)> = i.notify.iter().map(|n| (&n.argv[..], n.user)).collect();
    assert_eq!(n[0].0, ["/bin/true", "a", "b"]);
    assert_eq!(n[0].1, RunAs { uid: 0, gid: 0 });
    assert_eq!(
        (n[1].0, n[1].1),
        (&["/bin/true".to_string()][..], nobody_root)
    );
    // A bare name is looked up in PATH, as keepalived does.
    assert!(
        n[2].0[0].ends_with("/echo") && n[2].0[0].starts_with('/'),
        "{:?}",
        n[2].0
    );
    assert_eq!(n[2].0[1], "x");
}

/// `use_vmac`: the instance's MAC is the virtual one, the addresses of its
/// family without a `dev` go on the VMAC (default name `vrrp.VRID`), those
/// with one stay there; `vmac_xmit_base` is read; unicast peers need it.
#[test]
fn use_vmac_maps_to_a_vmac() {
    let text = SEED.replace("dont_track_primary", "use_vmac").replacen(
        "    chk_haproxy\n}\n",
        "    chk_haproxy\n}\nuse_vmac vmac50\nvmac_xmit_base\n",
        1,
    );
    let p = parse(&text).unwrap();
    let ext = &p.instances[0];
    assert_eq!(
        ext.vmac,
        Some(VmacPlan {
            name: "vmac50".into(),
            xmit_base: true
        })
    );
    assert_eq!(ext.cfg.mac, MacAddr([0, 0, 0x5e, 0, 1, 50]));
    assert_eq!(ext.iface, "eth0");
    let devs: Vec<&str> = ext.vips.iter().map(|v| v.iface.as_str()).collect();
    assert_eq!(devs, ["vmac50", "eth1"]);
    let int = &p.instances[1];
    assert_eq!(
        int.vmac,
        Some(VmacPlan {
            name: "vrrp.51".into(),
            xmit_base: false
        })
    );
    assert_eq!(int.cfg.mac, MacAddr([0, 0, 0x5e, 0, 2, 51]));
    assert_eq!(int.vips[0].iface, "vrrp.51");
    assert!(
        p.ignored.iter().all(|l| !l.contains("vmac")),
        "{:?}",
        p.ignored
    );
    let unicast = SEED.replace(
        "dont_track_primary",
        "use_vmac\nunicast_peer {\n    fd00::2\n}",
    );
    let errs = parse(&unicast).unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("needs vmac_xmit_base")),
        "{errs:?}"
    );
    // keepalived takes the MAC before or after the name.
    for line in [
        "use_vmac vrrp.51 00:00:5e:00:02:07",
        "use_vmac 00:00:5e:00:02:07 vrrp.51",
        "use_vmac 00:00:5e:00:02:07",
    ] {
        let errs = parse(&SEED.replace("dont_track_primary", line)).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.starts_with("k.conf:") && e.contains("use_vmac with a MAC address")),
            "{line}: {errs:?}"
        );
    }
}

/// Accept mode as keepalived settles it: on by default, off with
/// `vrrp_strict` or `strict_mode`, `accept` / `no_accept` win; only a
/// non-owner without it has its addresses blocked while master.
#[test]
fn accept_mode_follows_keepalived_s_defaults() {
    let blocked = |global: &str, instance: &str| -> (bool, bool) {
        let text = SEED
            .replace("router_id lb1\n", &format!("router_id lb1\n{global}"))
            .replace("dont_track_primary", instance);
        let p = parse(&text).unwrap();
        (p.instances[1].cfg.accept, p.instances[1].block_vips)
    };
    assert_eq!(blocked("", ""), (true, false));
    assert_eq!(blocked("", "no_accept"), (false, true));
    assert_eq!(blocked("", "strict_mode on"), (false, true));
    assert_eq!(blocked("", "strict_mode"), (false, true));
    assert_eq!(blocked("vrrp_strict\n", ""), (false, true));
    assert_eq!(blocked("vrrp_strict\n", "accept"), (true, false));
    assert_eq!(blocked("vrrp_strict\n", "strict_mode off"), (true, false));
    assert_eq!(blocked("", "accept\nno_accept"), (false, true));
    // The owner is never blocked.
    let owner = blocked("", "no_accept\npriority 255");
    assert_eq!(owner, (false, false));
}

#[test]
fn unsupported_parts_are_refused_with_their_place() {
    let text = SEED.replace("auth_type PASS", "auth_type AH");
    let errs = parse(&text).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.starts_with("k.conf:") && e.contains("AH")),
        "{errs:?}"
    );
    let errs = parse(&SEED.replace("interface eth1", "interface eth9")).unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("no interface eth9")),
        "{errs:?}"
    );
    let errs = parse("global_defs {\n router_id x\n}\n").unwrap_err();
    assert!(errs[0].contains("no vrrp_instance"));
}

/// Every configuration of lbconf's corpus that `keepalived -t` accepts and
/// that has VRRP instances maps onto the engine, but for those using what
/// lbd refuses by name (`use_vmac`, AH, tracking other than interfaces and
/// scripts), which are refused with that name.
#[test]
fn the_accepted_corpus_maps() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lbconf-rs/tests/keepalived/corpus/valid");
    let any = |_: &str| {
        Ok(Interface {
            index: 2,
            mac: MacAddr([2, 0, 0, 0, 0, 1]),
            up: true,
            ipv4: vec![Ipv4Addr::new(198, 18, 0, 1)],
            ipv6_link_local: vec![Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)],
        })
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    files.sort();
    let (mut mapped, mut refused) = (0, 0);
    for f in &files {
        let opts = lbconf::keepalived::Options {
            config_id: Some("lb1".into()),
            interfaces: Some(vec!["eth0".into(), "eth1".into()]),
            host_names: Some(vec!["localhost".into()]),
        };
        let parsed = lbconf::keepalived::parse_file(f, &opts);
        if parsed.value.instances.is_empty() {
            continue;
        }
        match plan(&parsed.value, &parsed.sources, &any) {
            Ok(p) => {
                assert_eq!(p.instances.len(), parsed.value.instances.len(), "{f:?}");
                mapped += 1;
            }
            Err(errs) => {
                assert!(
                    errs.iter().all(|e| {
                        // lbd refuses a script it cannot find, where
                        // keepalived only skips it.
                        [
                            "use_vmac",
                            "auth_type AH",
                            "not supported",
                            "is not in PATH",
                        ]
                        .iter()
                        .any(|w| e.contains(w))
                    }),
                    "{f:?}: {errs:?}"
                );
                refused += 1;
            }
        }
    }
    eprintln!("corpus: {mapped} configurations mapped, {refused} refused by name");
    assert!(mapped >= 20, "only {mapped} mapped ({refused} refused)");
}

/// GARP timing: `vrrp_garp_*` in global_defs are the defaults, an
/// instance's `garp_*` override them; repeats of 0 count as 1 and the
/// lower-priority delay follows `vrrp_garp_master_delay`, as in keepalived.
#[test]
fn garp_options_come_from_globals_and_instances() {
    let text = SEED
        .replace(
            "router_id lb1\n",
            "router_id lb1\nvrrp_garp_master_delay 7\nvrrp_garp_master_repeat 0\nvrrp_garp_master_refresh 60\nvrrp_garp_master_refresh_repeat 2\nvrrp_garp_lower_prio_repeat 4\n",
        )
        .replace(
            "dont_track_primary",
            "garp_master_delay 2\ngarp_master_repeat 3\ngarp_master_refresh 0\ngarp_master_refresh_repeat 0\ngarp_lower_prio_delay 9\ngarp_lower_prio_repeat 6",
        );
    let p = parse(&text).unwrap();
    let defaults = p.instances[0].cfg.garp;
    assert_eq!(defaults.master_delay, Duration::from_secs(7));
    assert_eq!(defaults.master_repeat, 1);
    assert_eq!(defaults.master_refresh, Some(Duration::from_secs(60)));
    assert_eq!(defaults.refresh_repeat, 2);
    assert_eq!(defaults.lower_prio_delay, Duration::from_secs(7));
    assert_eq!(defaults.lower_prio_repeat, 4);
    let own = p.instances[1].cfg.garp;
    assert_eq!(own.master_delay, Duration::from_secs(2));
    assert_eq!(own.master_repeat, 3);
    assert_eq!(own.master_refresh, None);
    assert_eq!(own.refresh_repeat, 1);
    assert_eq!(own.lower_prio_delay, Duration::from_secs(9));
    assert_eq!(own.lower_prio_repeat, 6);
    assert!(
        p.ignored.iter().all(|l| !l.contains("garp")),
        "{:?}",
        p.ignored
    );
}
