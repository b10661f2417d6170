//! `lbd --vrrp` against the real keepalived (Debian's 2.2.7, run VRRP-only)
//! on a two-host `Lan` of namespaces (namespace tier): election both ways,
//! the addresses, `vrrp_script` and `track_interface` tracking, notify
//! scripts and their arguments, SIGTERM; and refused configurations.
//!
//! Waits poll with a deadline; the deadlines are generous (the machine is
//! shared) and never asserted on. The measured times are printed.

// The tests drive processes: they read the clock and sleep between polls.
#![allow(clippy::disallowed_methods)]

mod harness;

use std::time::Duration;

use harness::{Dir, LBD, Proc, has_vip, keepalived_present, wait_for};
use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;

const VIP: &str = "198.18.0.100";
const LONG: Duration = Duration::from_secs(20);

fn keepalived_conf(version: u8, prio: u8) -> String {
    let auth = if version == 2 {
        "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n    router_id ka\n    vrrp_version {version}\n}}\n\
         vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
         priority {prio}\n    advert_int 1\n{auth}    virtual_ipaddress {{\n        {VIP}/24\n    }}\n}}\n"
    )
}

/// lbd's configuration: the seed's shape, with `extra` inside the instance
/// and `scripts` at the top.
fn lbd_conf(version: u8, prio: u8, scripts: &str, extra: &str) -> String {
    let auth = if version == 2 {
        "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n    router_id lb1\n    vrrp_version {version}\n    enable_script_security\n    \
         script_user nobody\n}}\n{scripts}\
         vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
         priority {prio}\n    advert_int 1\n{auth}    virtual_ipaddress {{\n        {VIP}/24\n    }}\n{extra}}}\n"
    )
}

/// A notify script appending `UID ARGS...` to `out/NAME`.
fn notify_script(dir: &Dir, name: &str) -> String {
    let out = dir.out(name);
    dir.script(
        &format!("{name}.sh"),
        &format!("echo \"$(id -u) $*\" >> {out}"),
    )
}

/// A veth pair `trk0`/`trk1` inside `host`, both up: taking `trk1` down
/// takes `trk0`'s carrier away (a tracked interface the test controls).
fn tracked_veth(host: &Netns) {
    host.ip(&[
        "link", "add", "trk0", "type", "veth", "peer", "name", "trk1",
    ])
    .unwrap();
    host.ip(&["link", "set", "trk0", "up"]).unwrap();
    host.ip(&["link", "set", "trk1", "up"]).unwrap();
}

fn gate(test: &str) -> bool {
    tier::namespace(test) && keepalived_present(test)
}

fn must<T>(what: &str, v: Option<T>, lbd: &Proc, ka: &Proc) -> T {
    v.unwrap_or_else(|| {
        panic!(
            "{what}: not within {LONG:?}\n--- lbd:\n{}\n--- keepalived:\n{}",
            lbd.log(),
            ka.log()
        )
    })
}

/// lbd (150) is master over keepalived (100) with VRRPv2 PASS: the address
/// is on lbd's host only; notify scripts run as `script_user` with
/// keepalived's arguments. SIGTERM: lbd sends priority 0, removes the
/// address and exits 0; keepalived takes over on the priority-0 advert.
#[test]
fn lbd_master_then_sigterm_hands_over_to_keepalived() {
    let tag = "lbdv-master";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let dir = Dir::new(tag);
    let notify = notify_script(&dir, "notify");
    let master = notify_script(&dir, "master");
    let stop = notify_script(&dir, "stop");
    let extra = format!(
        "    notify \"{notify}\"\n    notify_master \"{master} was-backup\"\n    notify_stop {stop}\n"
    );
    let mut lbd = Proc::lbd(lan.host(1), &dir, &lbd_conf(2, 150, "", &extra));
    let ka = Proc::keepalived(lan.host(2), &dir, &keepalived_conf(2, 100));
    let t = wait_for(LONG, || {
        // notify_master and notify run side by side: wait for both.
        has_vip(lan.host(1), VIP)
            && dir.read_out("notify").contains("MASTER")
            && !dir.read_out("master").is_empty()
    });
    must("lbd master with the address", t, &lbd, &ka);
    must(
        "keepalived backup",
        wait_for(LONG, || ka.log().contains("Entering BACKUP STATE")),
        &lbd,
        &ka,
    );
    assert!(!has_vip(lan.host(2), VIP), "keepalived has the address too");
    assert!(!ka.log().contains("Entering MASTER STATE"), "{}", ka.log());
    // keepalived's notify arguments, run as nobody (65534).
    let n = dir.read_out("notify");
    assert!(n.contains("65534 INSTANCE VI_1 BACKUP 150"), "{n}");
    assert!(n.contains("65534 INSTANCE VI_1 MASTER 150"), "{n}");
    assert_eq!(dir.read_out("master"), "65534 was-backup\n");

    lbd.signal_term();
    let took = wait_for(LONG, || has_vip(lan.host(2), VIP));
    must("keepalived master after lbd's SIGTERM", took, &lbd, &ka);
    eprintln!("{tag}: SIGTERM to lbd -> keepalived's address: {took:?} (Skew_Time 0.609 s)");
    let status = lbd.wait_exit(LONG);
    assert_eq!(status.map(|s| s.code()), Some(Some(0)), "{}", lbd.log());
    assert!(!has_vip(lan.host(1), VIP), "lbd left its address behind");
    let log = ka.log();
    assert!(
        log.contains("Backup received priority 0 advertisement"),
        "keepalived did not see lbd's priority 0:\n{log}"
    );
    assert!(log.contains("Entering MASTER STATE"), "{log}");
    assert!(
        dir.read_out("notify")
            .contains("65534 INSTANCE VI_1 STOP 150"),
        "{}",
        dir.read_out("notify")
    );
    assert_eq!(dir.read_out("stop"), "65534 \n");
    let l = lbd.log();
    assert!(
        l.contains("Entering MASTER STATE") && l.contains("stopped"),
        "{l}"
    );
}

/// keepalived (150) is master; lbd (100, VRRPv3) stays backup without the
/// address, and takes over on keepalived's SIGTERM.
#[test]
fn keepalived_master_lbd_backup_takes_over() {
    let tag = "lbdv-backup";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let dir = Dir::new(tag);
    let notify = notify_script(&dir, "notify");
    let mut ka = Proc::keepalived(lan.host(1), &dir, &keepalived_conf(3, 150));
    let lbd = Proc::lbd(
        lan.host(2),
        &dir,
        &lbd_conf(3, 100, "", &format!("    notify {notify}\n")),
    );
    must(
        "keepalived master",
        wait_for(LONG, || has_vip(lan.host(1), VIP)),
        &lbd,
        &ka,
    );
    must(
        "lbd backup",
        wait_for(LONG, || dir.read_out("notify").contains("BACKUP 100")),
        &lbd,
        &ka,
    );
    // Two advert intervals more: lbd accepts keepalived's adverts and stays.
    let quiet = wait_for(Duration::from_secs(2), || has_vip(lan.host(2), VIP));
    assert_eq!(quiet, None, "lbd took the address:\n{}", lbd.log());
    assert!(!lbd.log().contains("dropped"), "{}", lbd.log());

    assert!(ka.term(LONG).is_some(), "keepalived did not stop");
    let took = wait_for(LONG, || has_vip(lan.host(2), VIP));
    must("lbd master after keepalived's SIGTERM", took, &lbd, &ka);
    eprintln!("{tag}: keepalived exit -> lbd's address: {took:?}");
    assert!(
        dir.read_out("notify")
            .contains("65534 INSTANCE VI_1 MASTER 100"),
        "{}",
        dir.read_out("notify")
    );
}

/// The seed's `chk_haproxy` shape: a failing `vrrp_script` (weight -60)
/// drops lbd from 150 to 90 under keepalived's 100, which preempts; when it
/// succeeds again lbd preempts back. A tracked interface going down puts the
/// instance in FAULT (address removed, notify_fault), and up again clears it.
#[test]
fn script_and_interface_tracking_fail_over() {
    let tag = "lbdv-track";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let h1 = lan.host(1);
    tracked_veth(h1);
    let dir = Dir::new(tag);
    let notify = notify_script(&dir, "notify");
    let fault = notify_script(&dir, "fault");
    let flag = dir.out("healthy");
    std::fs::write(&flag, "").unwrap();
    let scripts = format!(
        "vrrp_script chk_haproxy {{\n    script \"/usr/bin/test -e {flag}\"\n    interval 1\n    \
         timeout 2\n    weight -60\n    rise 1\n    fall 1\n    user nobody\n}}\n"
    );
    let extra = format!(
        "    track_script {{\n        chk_haproxy\n    }}\n    track_interface {{\n        trk0\n    }}\n    \
         notify {notify}\n    notify_fault \"{fault} fault\"\n"
    );
    let lbd = Proc::lbd(h1, &dir, &lbd_conf(3, 150, &scripts, &extra));
    let ka = Proc::keepalived(lan.host(2), &dir, &keepalived_conf(3, 100));
    must("lbd master", wait_for(LONG, || has_vip(h1, VIP)), &lbd, &ka);

    // The script fails: priority 90, keepalived (100) preempts.
    std::fs::remove_file(&flag).unwrap();
    let took = wait_for(LONG, || has_vip(lan.host(2), VIP) && !has_vip(h1, VIP));
    must("keepalived master after the script failed", took, &lbd, &ka);
    eprintln!("{tag}: script removed -> keepalived's address: {took:?}");
    must(
        "lbd notified backup at 90",
        wait_for(LONG, || dir.read_out("notify").contains("BACKUP 90")),
        &lbd,
        &ka,
    );
    assert!(
        lbd.log().contains("VRRP_Script(chk_haproxy) failed"),
        "{}",
        lbd.log()
    );

    // It succeeds again: 150, lbd preempts keepalived.
    std::fs::write(&flag, "").unwrap();
    must(
        "lbd master again",
        wait_for(LONG, || has_vip(h1, VIP) && !has_vip(lan.host(2), VIP)),
        &lbd,
        &ka,
    );

    // The tracked interface goes down: FAULT, the address goes.
    h1.ip(&["link", "set", "trk1", "down"]).unwrap();
    let took = wait_for(LONG, || {
        dir.read_out("fault") == "65534 fault\n" && !has_vip(h1, VIP)
    });
    must("lbd in FAULT without the address", took, &lbd, &ka);
    eprintln!("{tag}: trk0 carrier lost -> FAULT: {took:?}");
    // The notify scripts run side by side: wait for the second one too.
    must(
        "notify INSTANCE VI_1 FAULT",
        wait_for(LONG, || {
            dir.read_out("notify").contains("INSTANCE VI_1 FAULT")
        }),
        &lbd,
        &ka,
    );
    must(
        "keepalived master during the fault",
        wait_for(LONG, || has_vip(lan.host(2), VIP)),
        &lbd,
        &ka,
    );
    h1.ip(&["link", "set", "trk1", "up"]).unwrap();
    must(
        "lbd master after the fault cleared",
        wait_for(LONG, || has_vip(h1, VIP) && !has_vip(lan.host(2), VIP)),
        &lbd,
        &ka,
    );
}

/// Tracked objects count from the start, as in keepalived: a healthy
/// weight-0 `vrrp_script` (with `rise 3`) lets the instance leave
/// Initialize on its first success, and an up `track_interface` with weight
/// 60 lifts lbd from 100 to 160 at once, over keepalived's 150.
#[test]
fn tracked_objects_count_from_the_start() {
    let tag = "lbdv-init";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let h1 = lan.host(1);
    tracked_veth(h1);
    let dir = Dir::new(tag);
    let scripts = "vrrp_script chk_ok {\n    script /usr/bin/true\n    interval 1\n    \
         weight 0\n    rise 3\n    fall 3\n}\n";
    let extra = "    track_script {\n        chk_ok\n    }\n    track_interface {\n        \
         trk0 weight 60\n    }\n";
    let lbd = Proc::lbd(h1, &dir, &lbd_conf(3, 100, scripts, extra));
    let ka = Proc::keepalived(lan.host(2), &dir, &keepalived_conf(3, 150));
    let took = wait_for(LONG, || has_vip(h1, VIP) && !has_vip(lan.host(2), VIP));
    must("lbd master at 160 over keepalived's 150", took, &lbd, &ka);
    eprintln!("{tag}: start -> lbd master: {took:?}");
    must(
        "keepalived backup",
        wait_for(LONG, || ka.log().contains("Entering BACKUP STATE")),
        &lbd,
        &ka,
    );
    let l = lbd.log();
    assert!(l.contains("VRRP_Script(chk_ok) succeeded"), "{l}");
    assert!(l.contains("effective priority is now 160"), "{l}");
}

/// `use_vmac` against keepalived with `use_vmac` (VRRPv3): lbd (150) runs
/// with macvlan `vrrp.51` carrying the virtual MAC and holds the address
/// there, so keepalived's host learns the virtual MAC for it; keepalived
/// (100) stays backup without complaint. On SIGTERM lbd hands over and
/// deletes the VMAC.
fn vmac_case(tag: &str, v6: bool, xmit_base: bool) {
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let (h1, h2) = (lan.host(1), lan.host(2));
    if v6 {
        // The adverts' source is eth0's link-local address.
        for h in [h1, h2] {
            let ready = wait_for(LONG, || {
                let a = harness::addrs(h, "eth0");
                a.contains("inet6 fe80::") && !a.contains("tentative")
            });
            assert!(ready.is_some(), "no link-local address on {tag}");
        }
    }
    let (vip, mac, inet) = if v6 {
        ("fd00::100", "00:00:5e:00:02:33", "inet6")
    } else {
        (VIP, "00:00:5e:00:01:33", "inet")
    };
    let with_vip = |conf: String| {
        if v6 {
            conf.replace(&format!("{VIP}/24"), "fd00::100/64")
        } else {
            conf
        }
    };
    let dir = Dir::new(tag);
    let lbd_vmac = if xmit_base {
        "    use_vmac\n    vmac_xmit_base\n"
    } else {
        "    use_vmac\n"
    };
    let mut lbd = Proc::lbd(h1, &dir, &with_vip(lbd_conf(3, 150, "", lbd_vmac)));
    let ka_conf = keepalived_conf(3, 100).replace(
        "    virtual_ipaddress",
        "    use_vmac\n    virtual_ipaddress",
    );
    let ka = Proc::keepalived(h2, &dir, &with_vip(ka_conf));
    let on_vmac = |h| harness::addrs(h, "vrrp.51").contains(&format!("{inet} {vip}/"));
    let took = wait_for(LONG, || on_vmac(h1) && !has_vip(h1, vip));
    must("lbd master with the address on vrrp.51", took, &lbd, &ka);
    let link = h1.ip(&["-d", "link", "show", "vrrp.51"]).unwrap();
    assert!(
        link.contains("macvlan mode private") && link.contains(mac),
        "{link}"
    );
    must(
        "keepalived backup",
        wait_for(LONG, || ka.log().contains("Entering BACKUP STATE")),
        &lbd,
        &ka,
    );
    // keepalived's host reaches the address at the virtual MAC.
    let learned = wait_for(LONG, || {
        h2.run("ping", &["-c", "1", "-W", "1", vip])
            .is_ok_and(|o| o.status.success())
            && h2
                .ip(&["neigh", "show", "to", vip, "dev", "eth0"])
                .is_ok_and(|n| n.contains(mac))
    });
    must(
        &format!("h2 reaching the address at {mac}"),
        learned,
        &lbd,
        &ka,
    );
    // Two advert intervals: keepalived takes lbd's adverts.
    let quiet = wait_for(Duration::from_secs(2), || on_vmac(h2));
    assert_eq!(quiet, None, "keepalived took the address:\n{}", ka.log());
    let log = ka.log();
    for bad in ["invalid", "Invalid", "wrong", "mismatch"] {
        assert!(!log.contains(bad), "keepalived complained ({bad}):\n{log}");
    }
    lbd.signal_term();
    must(
        "keepalived master after lbd's SIGTERM",
        wait_for(LONG, || on_vmac(h2)),
        &lbd,
        &ka,
    );
    assert_eq!(lbd.wait_exit(LONG).map(|s| s.code()), Some(Some(0)));
    let gone = h1.ip(&["link", "show", "vrrp.51"]);
    assert!(
        gone.is_err() || gone.unwrap().is_empty(),
        "lbd left vrrp.51 behind:\n{}",
        lbd.log()
    );
}

#[test]
fn use_vmac_against_keepalived_with_use_vmac() {
    vmac_case("lbdv-vmac", false, false);
}

/// `vmac_xmit_base`: lbd's adverts leave from eth0, the address stays on
/// the VMAC.
#[test]
fn vmac_xmit_base_against_keepalived_with_use_vmac() {
    vmac_case("lbdv-vmacx", false, true);
}

/// IPv6: the base link-local address added to the VMAC, the address
/// reached at 00:00:5e:00:02:33.
#[test]
fn use_vmac_ipv6_against_keepalived_with_use_vmac() {
    vmac_case("lbdv-vmac6", true, false);
}

/// Accept mode as keepalived enforces it: with `vrrp_strict`, lbd as
/// master of VI_1 drops traffic to its address (pings unanswered) while
/// still answering ARP for it, and its own address answers; VI_2 with
/// `accept` answers pings. After SIGTERM the rules are gone.
#[test]
fn vrrp_strict_blocks_the_addresses_of_a_master_without_accept() {
    let tag = "lbdv-accept";
    if !tier::namespace(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let (h1, h2) = (lan.host(1), lan.host(2));
    let dir = Dir::new(tag);
    let instance = |name: &str, vrid: u8, vip: &str, extra: &str| {
        format!(
            "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    \
             virtual_router_id {vrid}\n    priority 150\n    advert_int 0.1\n    \
             virtual_ipaddress {{\n        {vip}/24\n    }}\n{extra}}}\n"
        )
    };
    let conf = format!(
        "global_defs {{\n    router_id lb1\n    vrrp_version 3\n    vrrp_strict\n    \
         enable_script_security\n    script_user nobody\n}}\n{}{}",
        instance("VI_1", 51, VIP, ""),
        instance("VI_2", 52, "198.18.0.101", "    accept\n")
    );
    let mut lbd = Proc::lbd(h1, &dir, &conf);
    let ping = |addr: &str| {
        h2.run("ping", &["-c", "1", "-W", "1", addr])
            .is_ok_and(|o| o.status.success())
    };
    let fail = |what: &str| -> ! { panic!("{what}\n--- lbd:\n{}", lbd.log()) };
    // VI_2 (accept) answers once master: VI_1 is master by then too.
    if wait_for(LONG, || {
        has_vip(h1, VIP) && has_vip(h1, "198.18.0.101") && ping("198.18.0.101")
    })
    .is_none()
    {
        fail("lbd master of both, VI_2's address answering");
    }
    h2.ip(&["neigh", "flush", "dev", "eth0"]).unwrap();
    assert!(!ping(VIP), "VI_1's address answered without accept mode");
    let arp = h2
        .ip(&["neigh", "show", "to", VIP, "dev", "eth0"])
        .unwrap_or_default();
    assert!(
        arp.contains("lladdr 02:00:00:00:00:01"),
        "ARP for VI_1's address went unanswered: {arp}"
    );
    assert!(ping("198.18.0.1"), "h1's own address is blocked");
    assert_eq!(
        lbd.term(LONG).map(|s| s.code()),
        Some(Some(0)),
        "{}",
        lbd.log()
    );
    // The rules went with lbd: the address, put back by hand, answers.
    h1.ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"])
        .unwrap();
    assert!(ping(VIP), "the accept-mode rules stayed after lbd stopped");
}

fn lbd_refuses(conf: &str) -> String {
    let dir = Dir::new(&format!("refuse-{}", conf.len()));
    let f = dir.path.join("k.conf");
    std::fs::write(&f, conf).unwrap();
    let out = std::process::Command::new(LBD)
        .args(["--vrrp", "-f"])
        .arg(&f)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("refused"), "{err}");
    err
}

/// A configuration `keepalived -t` rejects is refused with lbconf's rendered
/// diagnostics; one lbd cannot run faithfully is refused with the place.
#[test]
fn invalid_configurations_are_refused() {
    let err = lbd_refuses(
        "vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 51\n    priority 300\n    \
         virtual_ipaddress {\n        198.18.0.100\n    }\n}\n",
    );
    assert!(err.contains("priority") && err.contains("error["), "{err}");
    assert!(err.contains("k.conf:4"), "the place of the error: {err}");
    let err = lbd_refuses(
        "vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 51\n    use_vmac\n    \
         unicast_src_ip 127.0.0.1\n    unicast_peer {\n        127.0.0.2\n    }\n    \
         virtual_ipaddress {\n        198.18.0.100\n    }\n}\n",
    );
    assert!(err.contains("needs vmac_xmit_base"), "{err}");
    assert!(err.contains("k.conf:4"), "the use_vmac line: {err}");
}

/// The seed's sync group: an IPv4 and an IPv6 instance (VRRPv3) that move
/// together. lbd (150) holds both; when a tracked interface of one fails,
/// both leave (FAULT) and keepalived (100) takes both; the group's notify
/// gets keepalived's `GROUP NAME STATE PRIORITY` arguments.
#[test]
fn sync_group_moves_ipv4_and_ipv6_together() {
    let tag = "lbdv-sync";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let h1 = lan.host(1);
    tracked_veth(h1);
    // Both instances need eth0's link-local address (the IPv6 adverts' source).
    for i in 1..=2 {
        let ready = wait_for(LONG, || {
            let a = harness::addrs(lan.host(i), "eth0");
            a.contains("inet6 fe80::") && !a.contains("tentative")
        });
        assert!(ready.is_some(), "no link-local address on h{i}");
    }
    let dir = Dir::new(tag);
    let notify = notify_script(&dir, "group");
    let instances = |prio: u8, lbd: bool| {
        let track = if lbd {
            "    track_interface {\n        trk0\n    }\n"
        } else {
            ""
        };
        format!(
            "vrrp_instance RH_EXT {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
             priority {prio}\n    advert_int 1\n    virtual_ipaddress {{\n        {VIP}/24\n    }}\n{track}}}\n\
             vrrp_instance RH_INT {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 52\n    \
             priority {prio}\n    advert_int 1\n    virtual_ipaddress {{\n        fd00::100/64\n    }}\n}}\n"
        )
    };
    let group = |notify: &str| {
        format!(
            "vrrp_sync_group RH {{\n    group {{\n        RH_EXT\n        RH_INT\n    }}\n{notify}}}\n"
        )
    };
    let lbd_conf = format!(
        "global_defs {{\n    router_id lb1\n    vrrp_version 3\n    enable_script_security\n    \
         script_user nobody\n}}\n{}{}",
        group(&format!("    notify {notify}\n")),
        instances(150, true)
    );
    let ka_conf = format!(
        "global_defs {{\n    router_id ka\n    vrrp_version 3\n}}\n{}{}",
        group(""),
        instances(100, false)
    );
    let lbd = Proc::lbd(h1, &dir, &lbd_conf);
    let ka = Proc::keepalived(lan.host(2), &dir, &ka_conf);
    let both = |i: usize| has_vip(lan.host(i), VIP) && has_vip(lan.host(i), "fd00::100");
    let neither = |i: usize| !has_vip(lan.host(i), VIP) && !has_vip(lan.host(i), "fd00::100");
    must(
        "lbd master of both",
        wait_for(LONG, || both(1) && dir.read_out("group").contains("MASTER")),
        &lbd,
        &ka,
    );
    assert!(neither(2), "keepalived holds an address too");
    assert!(
        dir.read_out("group").contains("65534 GROUP RH MASTER"),
        "{}",
        dir.read_out("group")
    );

    h1.ip(&["link", "set", "trk1", "down"]).unwrap();
    let took = wait_for(LONG, || neither(1) && both(2));
    must(
        "keepalived master of both after lbd's fault",
        took,
        &lbd,
        &ka,
    );
    eprintln!("{tag}: trk0 carrier lost -> keepalived holds both: {took:?}");
    must(
        "the group's FAULT notification",
        wait_for(LONG, || dir.read_out("group").contains("GROUP RH FAULT")),
        &lbd,
        &ka,
    );
    let l = lbd.log();
    assert!(
        l.contains("(RH_INT) Entering FAULT STATE"),
        "RH_INT did not follow RH_EXT:\n{l}"
    );
}

/// Unicast (VRRPv3 to a `unicast_peer`, from `unicast_src_ip`): lbd (150)
/// is master over keepalived (100), and hands over on SIGTERM.
#[test]
fn unicast_peers_elect_and_hand_over() {
    let tag = "lbdv-ucast";
    if !gate(tag) {
        return;
    }
    let lan = Lan::new(tag, 2).unwrap();
    let dir = Dir::new(tag);
    let unicast = |me: u8, peer: u8| {
        format!(
            "    unicast_src_ip 198.18.0.{me}\n    unicast_peer {{\n        198.18.0.{peer}\n    }}\n"
        )
    };
    let mut lbd = Proc::lbd(lan.host(1), &dir, &lbd_conf(3, 150, "", &unicast(1, 2)));
    let ka_conf = keepalived_conf(3, 100).replace(
        "    virtual_ipaddress",
        &format!("{}    virtual_ipaddress", unicast(2, 1)),
    );
    let ka = Proc::keepalived(lan.host(2), &dir, &ka_conf);
    must(
        "lbd master",
        wait_for(LONG, || has_vip(lan.host(1), VIP)),
        &lbd,
        &ka,
    );
    must(
        "keepalived backup",
        wait_for(LONG, || ka.log().contains("Entering BACKUP STATE")),
        &lbd,
        &ka,
    );
    // Two advert intervals: keepalived accepts lbd's unicast adverts.
    let quiet = wait_for(Duration::from_secs(2), || has_vip(lan.host(2), VIP));
    assert_eq!(quiet, None, "keepalived took the address:\n{}", ka.log());
    lbd.signal_term();
    let took = wait_for(LONG, || has_vip(lan.host(2), VIP));
    must("keepalived master after lbd's SIGTERM", took, &lbd, &ka);
    eprintln!("{tag}: SIGTERM to lbd -> keepalived's address: {took:?}");
    assert_eq!(lbd.wait_exit(LONG).map(|s| s.code()), Some(Some(0)));
    assert!(!has_vip(lan.host(1), VIP), "lbd left its address behind");
    assert!(
        ka.log()
            .contains("Backup received priority 0 advertisement"),
        "{}",
        ka.log()
    );
}
