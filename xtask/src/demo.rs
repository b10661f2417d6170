//! `cargo xtask demo`: what lbkit does today, end to end.
//!
//! 1. Two hosts on a bridged LAN in network namespaces (the ground VRRP runs on).
//! 2. `lbconf check` judging a director's keepalived.conf and a broken copy of it,
//!    as `keepalived -t` would.
//! 3. `lbd --check --dry-run` running that shape of virtual server's TCP checks
//!    against listeners on loopback: one listener goes away and comes back, and
//!    lbd prints each transition, the quorum change and the IPVS operations
//!    keepalived would make, as JSON lines.
//! 4. `lbd --vrrp` and the real keepalived (VRRP only) electing a master on the
//!    LAN: lbd holds the virtual address, then on SIGTERM hands it over.
//! 5. In the test VM, the real kernel's IPVS: `lbadm` (lbkit's ipvsadm) builds the
//!    table that configuration describes (NAT and direct routing services, a
//!    firewall-mark service with persistence, IPv6), the real `ipvsadm` reads it
//!    back, and `lbadm -Sn | ipvsadm -R` round-trips it into a second namespace.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release");
    lbconf_step(&bin.join("lbconf"))?;
    lbd_check_step(&bin.join("lbd"))?;
    lbd_vrrp_step(&bin.join("lbd"))?;

    println!("== the real kernel's IPVS, in the test VM (qemu, no network device)");
    let vm = vm::Vm::prepare(&crate::cache_dir())?;
    let mut opts = vm::RunOptions::default();
    opts.shares.push(root.clone());
    if !target.starts_with(&root) {
        opts.shares.push(target.clone());
    }
    let lbadm = bin.join("lbadm");
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
fn lbconf_step(lbconf: &Path) -> Result {
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

/// The health-check part of a director's configuration, its real servers
/// being the two listeners the demo opens on loopback.
const CHECK_CONF: &str = "\
virtual_server 198.18.1.10 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 198.18.2.99 80
    real_server 127.0.0.1 18080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 127.0.0.1 18081 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
";

/// `lbd --check --dry-run` in a namespace of its own, against two listeners
/// on its loopback; the second closes for a few seconds.
fn lbd_check_step(lbd: &Path) -> Result {
    println!(
        "== lbd --check --dry-run: TCP checks of two listeners on loopback; one closes, then returns"
    );
    let ns = Netns::new("demo-chk").map_err(|e| fail!("cannot create a namespace: {e}"))?;
    let listen = |port: u16| {
        ns.enter(|| TcpListener::bind(("127.0.0.1", port)))
            .map_err(|e| fail!("cannot enter the namespace: {e}"))?
            .map_err(|e| fail!("cannot listen on 127.0.0.1:{port}: {e}"))
    };
    let _first = listen(18080)?;
    let mut second = Some(listen(18081)?);
    let dir = std::env::temp_dir().join(format!("lbkit-demo-chk-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let conf = dir.join("keepalived.conf");
    std::fs::write(&conf, CHECK_CONF)?;
    let mut child = ns
        .command(&lbd.display().to_string())
        .args(["--check", "--dry-run", "--duration", "9", "-f"])
        .arg(&conf)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail!("no stdout from lbd"))?;
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
        {
            println!("   {line}");
            lines.push(line);
        }
        lines
    });
    std::thread::sleep(Duration::from_secs(3));
    println!("-- closing 127.0.0.1:18081");
    second.take();
    std::thread::sleep(Duration::from_secs(3));
    println!("-- listening on 127.0.0.1:18081 again");
    second = Some(listen(18081)?);
    let status = wait_bounded(&mut child, Duration::from_secs(30))?;
    drop(second);
    let lines = reader
        .join()
        .map_err(|_| fail!("the lbd reader panicked"))?;
    let _ = std::fs::remove_dir_all(&dir);
    let saw = |needle: &str| lines.iter().any(|l| l.contains(needle));
    if !status.success() || !saw(r#""to":"down""#) || !saw(r#""to":"up""#) || !saw("198.18.2.99:80")
    {
        return Err(fail!(
            "lbd --check should have seen 127.0.0.1:18081 go down and up and the sorry server \
             come and go (exit {status})"
        ));
    }
    Ok(())
}

/// `lbd --vrrp` on h1 (priority 150) and keepalived on h2 (priority 100),
/// VRRPv3 on the LAN: lbd becomes master and holds 198.18.0.100; on SIGTERM it
/// sends priority 0 and keepalived takes the address over.
fn lbd_vrrp_step(lbd: &Path) -> Result {
    println!("== lbd --vrrp (h1, priority 150) and keepalived (h2, priority 100) on the LAN");
    const VIP: &str = "198.18.0.100";
    let conf = |prio: u8| {
        format!(
            "global_defs {{\n    vrrp_version 3\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    \
             interface eth0\n    virtual_router_id 51\n    priority {prio}\n    advert_int 1\n    \
             virtual_ipaddress {{\n        {VIP}/24\n    }}\n}}\n"
        )
    };
    let lan = Lan::new("demo-vrrp", 2).map_err(|e| fail!("cannot build the LAN: {e}"))?;
    let dir = std::env::temp_dir().join(format!("lbkit-demo-vrrp-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (lbd_conf, ka_conf) = (dir.join("lbd.conf"), dir.join("keepalived.conf"));
    std::fs::write(&lbd_conf, conf(150))?;
    std::fs::write(&ka_conf, conf(100))?;
    let pid = |n: &str| dir.join(n).display().to_string();
    let mut keepalived = lan
        .host(2)
        .command("keepalived")
        .args(["-P", "-n", "-l", "-D", "-f"])
        .arg(&ka_conf)
        .args([
            "-p",
            &pid("k.pid"),
            "-r",
            &pid("v.pid"),
            "-c",
            &pid("c.pid"),
            "-b",
            &pid("b.pid"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut lbd = lan
        .host(1)
        .command(&lbd.display().to_string())
        .args(["--vrrp", "-f"])
        .arg(&lbd_conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let has_vip = |h: usize| {
        lan.host(h)
            .ip(&["-4", "addr", "show", "dev", "eth0"])
            .is_ok_and(|a| a.contains(&format!("inet {VIP}/")))
    };
    let result = (|| {
        let t = Instant::now();
        if !poll(Duration::from_secs(15), || has_vip(1) && !has_vip(2)) {
            return Err(fail!("lbd did not become master with {VIP} within 15 s"));
        }
        println!(
            "   h1 (lbd) is master and holds {VIP} after {:.1} s",
            t.elapsed().as_secs_f64()
        );
        cmd::run(Command::new("kill").args(["-TERM", &lbd.id().to_string()]))?;
        let t = Instant::now();
        if !poll(Duration::from_secs(15), || has_vip(2) && !has_vip(1)) {
            return Err(fail!(
                "keepalived did not take {VIP} over within 15 s of lbd's SIGTERM"
            ));
        }
        println!(
            "   SIGTERM to lbd: h2 (keepalived) holds {VIP} after {:.2} s (priority 0 from lbd, then keepalived's skew time)",
            t.elapsed().as_secs_f64()
        );
        let status = wait_bounded(&mut lbd, Duration::from_secs(10))?;
        println!("   lbd exited: {status}");
        if !status.success() {
            return Err(fail!("lbd --vrrp should exit 0 on SIGTERM ({status})"));
        }
        Ok(())
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &keepalived.id().to_string()])
        .status();
    let _ = wait_bounded(&mut keepalived, Duration::from_secs(10));
    let _ = lbd.kill();
    let _ = lbd.wait();
    // keepalived's VRRP child outlives a killed parent: end it by its pid file.
    if let Ok(p) = std::fs::read_to_string(dir.join("v.pid")) {
        let _ = Command::new("kill").args(["-KILL", p.trim()]).status();
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Polls `cond` every 50 ms until it holds or `limit` passes.
fn poll(limit: Duration, cond: impl FnMut() -> bool) -> bool {
    lbkit_testsupport::wait::poll(limit, Duration::from_millis(50), cond).is_some()
}

/// Waits for `child` at most `limit`, killing it after that.
fn wait_bounded(
    child: &mut std::process::Child,
    limit: Duration,
) -> Result<std::process::ExitStatus> {
    let end = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            return Ok(child.wait()?);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
