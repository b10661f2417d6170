//! Network namespaces, veth pairs and bridged LANs for tests, torn down on drop.
//!
//! Every namespace is named `lbk<pid>-<n>-<tag>`, so tests running in parallel
//! (threads or processes) never collide, and namespaces left behind by a killed
//! test process are swept away by the next one. A namespace is deleted when its
//! [`Netns`] is dropped, including while a panicking test unwinds; deleting it
//! also destroys the interfaces inside it.
//!
//! Namespaces get loopback up and nothing else: no default route, no link to
//! the host. Addresses must come from the test ranges ([`crate::addr`]).
//!
//! ```no_run
//! use lbkit_testsupport::netns::{Netns, veth};
//!
//! let a = Netns::new("a")?;
//! let b = Netns::new("b")?;
//! veth(&a, "eth0", &b, "eth0")?;
//! a.add_addr("eth0", "198.18.0.1/24")?;
//! b.add_addr("eth0", "198.18.0.2/24")?;
//! a.run("ping", &["-c", "1", "-W", "2", "198.18.0.2"])?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::addr;

const PREFIX: &str = "lbk";
const NETNS_DIR: &str = "/run/netns";

/// A network namespace that is deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a namespace with loopback up, IPv6 duplicate address detection
    /// off (so addresses are usable at once) and router advertisements ignored.
    ///
    /// # Errors
    ///
    /// When `ip netns add` fails (not root, no iproute2).
    pub fn new(tag: &str) -> io::Result<Netns> {
        static SWEEP: Once = Once::new();
        static NEXT: AtomicU32 = AtomicU32::new(0);
        SWEEP.call_once(sweep_stale);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}-{tag}", std::process::id());
        ip(&["netns", "add", &name])?;
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        for (key, value) in [
            ("net/ipv6/conf/all/accept_dad", "0"),
            ("net/ipv6/conf/default/accept_dad", "0"),
            ("net/ipv6/conf/all/accept_ra", "0"),
            ("net/ipv6/conf/default/accept_ra", "0"),
            ("net/ipv6/conf/default/router_solicitations", "0"),
        ] {
            ns.sysctl(key, value)?;
        }
        Ok(ns)
    }

    /// The namespace's name, as `ip netns` knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace's bind mount, `/run/netns/<name>`.
    pub fn path(&self) -> PathBuf {
        Path::new(NETNS_DIR).join(&self.name)
    }

    /// Runs `ip -n <name> ARGS...` and returns its stdout.
    ///
    /// # Errors
    ///
    /// When `ip` fails; the message has its command line and stderr.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        let mut full = vec!["-n", &self.name];
        full.extend_from_slice(args);
        ip(&full)
    }

    /// A command that runs `program` inside the namespace (`ip netns exec`).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Runs `program ARGS...` inside the namespace and returns its output.
    ///
    /// # Errors
    ///
    /// When the program cannot start or exits non-zero; the message has its
    /// command line, status and stderr.
    pub fn run(&self, program: &str, args: &[&str]) -> io::Result<Output> {
        let mut c = self.command(program);
        c.args(args);
        checked(&mut c)
    }

    /// Adds `cidr` (which must be a test address) to `dev` and sets `dev` up.
    ///
    /// # Errors
    ///
    /// When the address is outside the test ranges, or `ip` fails.
    pub fn add_addr(&self, dev: &str, cidr: &str) -> io::Result<()> {
        addr::parse_test_cidr(cidr).map_err(io::Error::other)?;
        self.ip(&["addr", "add", cidr, "dev", dev])?;
        self.ip(&["link", "set", dev, "up"])?;
        Ok(())
    }

    /// Writes a sysctl under `/proc/sys/` inside the namespace, e.g.
    /// `sysctl("net/ipv4/ip_forward", "1")`.
    ///
    /// # Errors
    ///
    /// When the key does not exist or cannot be written.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        let path = Path::new("/proc/sys").join(key);
        self.enter(move || fs::write(&path, value))?.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("sysctl {key}={value} in {}: {e}", self.name),
            )
        })
    }

    /// Runs `f` on a thread that has joined the namespace, and returns its
    /// result. Sockets that `f` opens live in the namespace.
    ///
    /// # Errors
    ///
    /// When the thread cannot join the namespace. A panic in `f` is passed on.
    pub fn enter<F, R>(&self, f: F) -> io::Result<R>
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        let file = fs::File::open(self.path())?;
        std::thread::scope(|s| {
            let handle = s.spawn(move || {
                nix::sched::setns(file.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(|e| io::Error::other(format!("setns into {}: {e}", self.name)))?;
                Ok(f())
            });
            match handle.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = ip(&["netns", "del", &self.name]) {
            eprintln!(
                "lbkit-testsupport: cannot delete namespace {}: {e}",
                self.name
            );
        }
    }
}

/// Creates a veth pair with one end `a_if` in `a` and the other `b_if` in `b`,
/// both set up.
///
/// # Errors
///
/// When `ip` fails (for example an interface name already taken).
pub fn veth(a: &Netns, a_if: &str, b: &Netns, b_if: &str) -> io::Result<()> {
    a.ip(&[
        "link",
        "add",
        a_if,
        "type",
        "veth",
        "peer",
        "name",
        b_if,
        "netns",
        b.name(),
    ])?;
    a.ip(&["link", "set", a_if, "up"])?;
    b.ip(&["link", "set", b_if, "up"])?;
    Ok(())
}

/// A LAN: hosts `h1..hN`, each with an `eth0` plugged into bridge `br0` in a
/// switch namespace. Host `i` has MAC `02:00:00:00:00:<i>`, IPv4
/// `198.18.0.<i>/24` and IPv6 `fd00::<i>/64` (and link-local
/// `fe80::ff:fe00:<i>`).
///
/// The bridge forwards at once (no STP, no forward delay) and floods multicast
/// (no snooping), as the VRRP tests need.
#[derive(Debug)]
pub struct Lan {
    hosts: Vec<Netns>,
    switch: Netns,
}

impl Lan {
    /// Builds a LAN of `hosts` hosts (1 to 250).
    ///
    /// # Errors
    ///
    /// When a namespace or link cannot be created.
    pub fn new(tag: &str, hosts: usize) -> io::Result<Lan> {
        if !(1..=250).contains(&hosts) {
            return Err(io::Error::other(format!(
                "a Lan has 1 to 250 hosts, not {hosts}"
            )));
        }
        let switch = Netns::new(&format!("{tag}-sw"))?;
        switch.ip(&[
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
            "mcast_snooping",
            "0",
        ])?;
        switch.sysctl("net/ipv6/conf/br0/disable_ipv6", "1")?;
        switch.ip(&["link", "set", "br0", "up"])?;
        let mut lan = Lan {
            hosts: Vec::with_capacity(hosts),
            switch,
        };
        for i in 1..=hosts {
            let host = Netns::new(&format!("{tag}-h{i}"))?;
            let port = format!("p{i}");
            veth(&lan.switch, &port, &host, "eth0")?;
            lan.switch.ip(&["link", "set", &port, "master", "br0"])?;
            host.ip(&["link", "set", "eth0", "down"])?;
            host.ip(&[
                "link",
                "set",
                "eth0",
                "address",
                &format!("02:00:00:00:00:{i:02x}"),
            ])?;
            host.add_addr("eth0", &format!("198.18.0.{i}/24"))?;
            host.add_addr("eth0", &format!("fd00::{i:x}/64"))?;
            lan.hosts.push(host);
        }
        Ok(lan)
    }

    /// Host `i`, counting from 1 as the addresses do.
    ///
    /// # Panics
    ///
    /// When there is no host `i`.
    pub fn host(&self, i: usize) -> &Netns {
        assert!(
            i >= 1 && i <= self.hosts.len(),
            "this Lan has hosts 1..={}",
            self.hosts.len()
        );
        &self.hosts[i - 1]
    }

    /// The namespace holding the bridge `br0` (to capture on it, say).
    pub fn switch(&self) -> &Netns {
        &self.switch
    }
}

/// Runs `ip ARGS...`, returning stdout.
fn ip(args: &[&str]) -> io::Result<String> {
    let mut c = Command::new("ip");
    c.args(args);
    let out = checked(&mut c)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn checked(c: &mut Command) -> io::Result<Output> {
    let shown = format!("{c:?}");
    let out = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run {shown}: {e}")))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(io::Error::other(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Deletes namespaces whose creating process is gone (a test killed before
/// its drops ran).
fn sweep_stale() {
    let Ok(entries) = fs::read_dir(NETNS_DIR) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = ip(&["netns", "del", &name]);
        }
    }
}
