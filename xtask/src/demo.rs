//! `cargo xtask demo`: what lbkit does today, end to end.
//!
//! 1. Two hosts on a bridged LAN in network namespaces (the ground VRRP runs on).
//! 2. `lbconf check` judging a director's keepalived.conf and a broken copy of it,
//!    as `keepalived -t` would.
//! 3. In the test VM, the real kernel's IPVS: `lbadm` (lbkit's ipvsadm) builds the
//!    table that configuration describes (NAT and direct routing services, a
//!    firewall-mark service with persistence, IPv6), the real `ipvsadm` reads it
//!    back, and `lbadm -Sn | ipvsadm -R` round-trips it into a second namespace.

use std::process::Command;

use lbkit_testsupport::netns::{Lan, Netns};

use crate::cmd::{Result, fail};
use crate::{cmd, deps, vm};

/// A director's configuration, in the shape of the Red Hat guide's NAT example.
const DIRECTOR_CONF: &str = "\
global_defs {
    router_id lb1
}

vrrp_instance RH_EXT {
    state MASTER
    interface eth0
    virtual_router_id 50
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass passw123
    }
    virtual_ipaddress {
        198.18.1.10/24
    }
}

virtual_server 198.18.1.10 80 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.18.2.20 80 {
        TCP_CHECK {
            connect_timeout 10
        }
    }
    real_server 198.18.2.21 80 {
        TCP_CHECK {
            connect_timeout 10
        }
    }
}
";

/// The IPVS part, run in the VM with `LBADM` set to the built `lbadm`.
const IPVS_SCRIPT: &str = r#"set -e
echo "== kernel $(uname -r), IPVS $(head -1 /proc/net/ip_vs | cut -d' ' -f5)"
# IPVS accepts IPv4 destinations only where routing works: loopback up.
for ns in director standby; do ip netns add $ns; ip -n $ns link set lo up; done
d1() { ip netns exec director "$@"; }
d1 $LBADM -A -t 198.18.1.10:80 -s rr
d1 $LBADM -a -t 198.18.1.10:80 -r 198.18.2.20:80 -m -w 1
d1 $LBADM -a -t 198.18.1.10:80 -r 198.18.2.21:80 -m -w 1
d1 $LBADM -A -t 198.18.1.11:443 -s wlc -p 300
d1 $LBADM -a -t 198.18.1.11:443 -r 198.18.2.22:443 -g -w 5
d1 $LBADM -A -f 80 -s sh -p 9600
d1 $LBADM -a -f 80 -r 198.18.2.23:0 -g
d1 $LBADM -A -u [fd00::10]:53 -s mh -b flag-1
d1 $LBADM -a -u [fd00::10]:53 -r [fd00::20]:53 -m -w 2
echo "== lbadm -Ln (built with lbadm)"
d1 $LBADM -Ln
echo "== ipvsadm -Ln (the real one, same table)"
d1 ipvsadm -Ln > /tmp/real.txt
cat /tmp/real.txt
d1 $LBADM -Ln > /tmp/ours.txt
cmp /tmp/real.txt /tmp/ours.txt && echo "== byte-identical listings"
echo "== lbadm -Sn | ipvsadm -R into a second namespace"
d1 $LBADM -Sn | ip netns exec standby ipvsadm -R
ip netns exec standby ipvsadm -Sn > /tmp/standby.txt
d1 $LBADM -Sn > /tmp/director.txt
cmp /tmp/standby.txt /tmp/director.txt && echo "== same table in both namespaces"
cat /tmp/standby.txt
"#;

pub(crate) fn run() -> Result {
    if !cmd::is_root() {
        return Err(fail!(
            "the demo creates network namespaces and boots a VM: run it as root"
        ));
    }
    deps::ensure(deps::NETNS)?;
    deps::ensure(deps::PEERS)?;

    println!("== two hosts on a bridged LAN (network namespaces, 198.18.0.0/24, fd00::/64)");
    let lan = Lan::new("demo", 2).map_err(|e| fail!("cannot build the LAN: {e}"))?;
    for (from, to) in [(1, "198.18.0.2"), (2, "fd00::1")] {
        let out = lan
            .host(from)
            .run("ping", &["-c", "2", "-i", "0.2", "-W", "2", to])
            .map_err(|e| fail!("h{from} cannot reach {to}: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let summary = text.lines().find(|l| l.contains("received")).unwrap_or("");
        println!("h{from} -> {to}: {summary}");
    }
    drop(lan);

    lbconf_step()?;

    println!("== the real kernel's IPVS, in the test VM (qemu, no network device)");
    let root = crate::tests::workspace_root()?;
    cmd::run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "build",
                "--locked",
                "--release",
                "-p",
                "lbkit-examples",
                "--bins",
            ])
            .current_dir(&root),
    )?;
    let vm = vm::Vm::prepare(&crate::cache_dir())?;
    let mut opts = vm::RunOptions::default();
    opts.shares.push(root.clone());
    let lbadm = root.join("target/release/lbadm");
    let script = format!("export LBADM='{}'\n{IPVS_SCRIPT}", lbadm.display());
    match vm.run(&script, &opts)? {
        0 => Ok(()),
        code => Err(fail!(
            "the IPVS part of the demo failed in the VM (exit status {code})"
        )),
    }
}

/// `lbconf check` on the director's configuration and on a broken copy, in a
/// namespace that has the `eth0` it names (keepalived checks interfaces).
fn lbconf_step() -> Result {
    let root = crate::tests::workspace_root()?;
    cmd::run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--locked", "--release", "--bin", "lbconf"])
            .current_dir(&root),
    )?;
    let lbconf = root.join("target/release/lbconf");
    let dir = std::env::temp_dir().join(format!("lbkit-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let good = dir.join("keepalived.conf");
    let bad = dir.join("keepalived-broken.conf");
    std::fs::write(&good, DIRECTOR_CONF)?;
    std::fs::write(
        &bad,
        DIRECTOR_CONF
            .replace("priority 100", "priority 300")
            .replace("lb_algo rr", "lb_algo roundrobin"),
    )?;
    let ns = Netns::new("demo-lb").map_err(|e| fail!("cannot create a namespace: {e}"))?;
    ns.ip(&[
        "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ])
    .map_err(|e| fail!("cannot create eth0: {e}"))?;
    for (file, want_ok) in [(&good, true), (&bad, false)] {
        println!("== lbconf check {}", file.display());
        let status = ns
            .command(&lbconf.display().to_string())
            .args(["check", &file.display().to_string()])
            .status()?;
        let keepalived = ns
            .command("keepalived")
            .args(["-t", "-f", &file.display().to_string()])
            .output()?;
        println!(
            "   lbconf: exit {}; keepalived -t: exit {}",
            status.code().unwrap_or(-1),
            keepalived.status.code().unwrap_or(-1)
        );
        if status.success() != want_ok || keepalived.status.success() != want_ok {
            return Err(fail!(
                "lbconf and keepalived -t should both {} {}",
                if want_ok { "accept" } else { "reject" },
                file.display()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
