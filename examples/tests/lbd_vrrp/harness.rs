//! Processes for the lbd tests: `lbd --vrrp` and keepalived (VRRP-only) in
//! namespaces, each with a private directory, and bounded polling.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

pub(crate) const LBD: &str = env!("CARGO_BIN_EXE_lbd");

/// Polls `f` every 20 ms until it is true or `limit` passes; returns the
/// time it took, or `None` on timeout.
pub(crate) fn wait_for(limit: Duration, f: impl FnMut() -> bool) -> Option<Duration> {
    lbkit_testsupport::wait::poll(limit, Duration::from_millis(20), f)
}

pub(crate) fn keepalived_present(test: &str) -> bool {
    tier::program(test, "/usr/sbin/keepalived", "keepalived")
}

/// A test directory: `bin/` (0755, for scripts) and `out/` (0777, where
/// scripts running as `nobody` write).
pub(crate) struct Dir {
    pub(crate) path: PathBuf,
}

impl Dir {
    pub(crate) fn new(tag: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("lbd-vrrp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        for (sub, mode) in [("", 0o755), ("bin", 0o755), ("out", 0o777)] {
            let p = path.join(sub);
            std::fs::create_dir_all(&p).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        Dir { path }
    }

    /// Writes an executable script `bin/NAME`; returns its path.
    pub(crate) fn script(&self, name: &str, body: &str) -> String {
        let p = self.path.join("bin").join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.to_string_lossy().into_owned()
    }

    pub(crate) fn out(&self, name: &str) -> String {
        self.path
            .join("out")
            .join(name)
            .to_string_lossy()
            .into_owned()
    }

    pub(crate) fn read_out(&self, name: &str) -> String {
        std::fs::read_to_string(self.out(name)).unwrap_or_default()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A process in a namespace whose stderr goes to a file; SIGKILLed on drop
/// if still running.
pub(crate) struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// `lbd --vrrp -f CONF` in `ns`.
    pub(crate) fn lbd(ns: &Netns, dir: &Dir, conf: &str) -> Proc {
        let f = dir.path.join("lbd.conf");
        std::fs::write(&f, conf).unwrap();
        let log = dir.path.join("lbd.log");
        let child = ns
            .command(LBD)
            .args(["--vrrp", "-f"])
            .arg(&f)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("lbd starts");
        Proc { child, log }
    }

    /// keepalived VRRP-only in `ns`, with private pid files.
    pub(crate) fn keepalived(ns: &Netns, dir: &Dir, conf: &str) -> Proc {
        let d = dir.path.join("keepalived");
        std::fs::create_dir_all(&d).unwrap();
        let p = |n: &str| d.join(n).to_string_lossy().into_owned();
        std::fs::write(p("keepalived.conf"), conf).unwrap();
        let log = d.join("stderr.log");
        let child = ns
            .command("keepalived")
            .args(["-P", "-n", "-l", "-D", "-G", "-f", &p("keepalived.conf")])
            .args([
                "-p",
                &p("k.pid"),
                "-r",
                &p("v.pid"),
                "-c",
                &p("c.pid"),
                "-b",
                &p("b.pid"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("keepalived starts");
        Proc { child, log }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub(crate) fn signal_term(&self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
    }

    /// Waits at most `limit` for the exit.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let mut status = None;
        wait_for(limit, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }

    /// Sends SIGTERM; waits at most `limit` for the exit.
    pub(crate) fn term(&mut self, limit: Duration) -> Option<ExitStatus> {
        self.signal_term();
        self.wait_exit(limit)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The addresses of `dev` in `ns` (`ip addr show`).
pub(crate) fn addrs(ns: &Netns, dev: &str) -> String {
    ns.ip(&["addr", "show", "dev", dev]).unwrap_or_default()
}

pub(crate) fn has_vip(ns: &Netns, vip: &str) -> bool {
    addrs(ns, "eth0").contains(&format!("inet {vip}/"))
        || addrs(ns, "eth0").contains(&format!("inet6 {vip}/"))
}
