//! `cargo xtask demo`: what lbkit does today, end to end.
//!
//! For now that is the ground every later piece stands on: two hosts on a
//! bridged LAN in network namespaces, and the real kernel's IPVS in the test VM
//! holding the kind of table a keepalived director builds (NAT and direct
//! routing services, a firewall-mark service with persistence, IPv6).

use lbkit_testsupport::netns::Lan;

use crate::cmd::{Result, fail};
use crate::{cmd, deps, vm};

/// The IPVS table built in the VM, in ipvsadm's own words.
const IPVS_SCRIPT: &str = r#"set -e
echo "== kernel $(uname -r), IPVS $(head -1 /proc/net/ip_vs | cut -d' ' -f5)"
ipvsadm -A -t 198.18.1.10:80 -s rr
ipvsadm -a -t 198.18.1.10:80 -r 198.18.2.20:80 -m -w 1
ipvsadm -a -t 198.18.1.10:80 -r 198.18.2.21:80 -m -w 1
ipvsadm -A -t 198.18.1.11:443 -s wlc -p 300
ipvsadm -a -t 198.18.1.11:443 -r 198.18.2.22:443 -g -w 5
ipvsadm -A -f 80 -s sh -p 9600
ipvsadm -a -f 80 -r 198.18.2.23:0 -g
ipvsadm -A -u [fd00::10]:53 -s mh -b flag-1
ipvsadm -a -u [fd00::10]:53 -r [fd00::20]:53 -m -w 2
echo "== ipvsadm -Ln"
ipvsadm -Ln
echo "== /proc/net/ip_vs"
cat /proc/net/ip_vs
"#;

pub(crate) fn run() -> Result {
    if !cmd::is_root() {
        return Err(fail!(
            "the demo creates network namespaces and boots a VM: run it as root"
        ));
    }
    deps::ensure(deps::NETNS)?;

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

    println!("== the real kernel's IPVS, in the test VM (qemu, no network device)");
    let vm = vm::Vm::prepare(&crate::cache_dir())?;
    match vm.run(IPVS_SCRIPT, &vm::RunOptions::default())? {
        0 => Ok(()),
        code => Err(fail!(
            "the IPVS part of the demo failed in the VM (exit status {code})"
        )),
    }
}
