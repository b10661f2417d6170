//! Installs what the tasks need on a Debian machine, idempotently.
//!
//! Only packages that are missing are installed. The apt lists are refreshed
//! when they are absent or older than a day, or when an install fails with the
//! lists at hand.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::cmd::{self, Result, fail};

/// Debian packages for the namespace tier.
pub(crate) const NETNS: &[&str] = &["iproute2", "iputils-ping"];

/// The real tools lbkit's tests judge it against: keepalived (`-t`, and as a
/// VRRP peer) and HAProxy (`-c`, and as a health-check reference); and the
/// libraries HAProxy compiles regular expressions (PCRE2) and Lua scripts
/// (Lua 5.3) with, which lbconf's `pcre2` and `mlua` crates link (through
/// `pkg-config`) to judge them the same way.
pub(crate) const PEERS: &[&str] = &[
    "keepalived",
    "haproxy",
    "pkg-config",
    "libpcre2-dev",
    "liblua5.3-dev",
];

/// Debian packages for the IPVS test VM (besides `qemu-system-x86`, see [`ensure_qemu`]).
pub(crate) const VM: &[&str] = &[
    "busybox-static",
    "cpio",
    "kmod",
    "xz-utils",
    "ipvsadm",
    "iproute2",
];

/// Installs the missing packages among `pkgs`.
pub(crate) fn ensure(pkgs: &[&str]) -> Result {
    let missing: Vec<&str> = pkgs.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing, &[])
}

/// Installs `qemu-system-x86` unless `qemu-system-x86_64` is already there.
///
/// This machine kind ships `qemu-utils` from bookworm-backports; bookworm's own
/// `qemu-system-x86` would downgrade it away, so qemu then comes from the same
/// backports suite. The backports source and the lists apt reads it with (the
/// system's sources plus backports) live in the cache, leaving the system's alone.
pub(crate) fn ensure_qemu(cache: &Path) -> Result {
    if cmd::have("qemu-system-x86_64") {
        return Ok(());
    }
    let utils = cmd::output(Command::new("dpkg-query").args(["-W", "-f=${Version}", "qemu-utils"]))
        .unwrap_or_default();
    if !utils.contains("bpo12") {
        return apt_install(&["qemu-system-x86"], &[]);
    }
    let dir = cache.join("apt-backports");
    std::fs::create_dir_all(dir.join("lists/partial"))?;
    let mirror = debian_mirror()?;
    let list = dir.join("backports.list");
    std::fs::write(&list, format!("deb {mirror} bookworm-backports main\n"))?;
    let opts = [
        format!("-oDir::Etc::sourcelist={}", list.display()),
        format!("-oDir::State::lists={}", dir.join("lists").display()),
    ];
    let mut update = Command::new("apt-get");
    update.args(&opts).args(["update", "-qq"]);
    cmd::run(&mut update)?;
    let mut extra: Vec<String> = opts.to_vec();
    extra.extend(["-t".to_owned(), "bookworm-backports".to_owned()]);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    install(&["qemu-system-x86"], &extra)
}

fn debian_mirror() -> Result<String> {
    let sources =
        std::fs::read_to_string("/etc/apt/sources.list.d/debian.sources").unwrap_or_default();
    sources
        .lines()
        .find_map(|l| l.strip_prefix("URIs:"))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .ok_or_else(|| {
            fail!("cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources")
        })
}

/// Whether a Debian package is installed.
pub(crate) fn installed(pkg: &str) -> bool {
    cmd::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", pkg]))
        .is_ok_and(|s| s.contains("install ok installed"))
}

fn apt_install(pkgs: &[&str], extra: &[&str]) -> Result {
    if !cmd::is_root() {
        return Err(fail!(
            "missing Debian packages {}: run as root (or `apt-get install {}`)",
            pkgs.join(" "),
            pkgs.join(" ")
        ));
    }
    if lists_stale() {
        cmd::run(Command::new("apt-get").args(["update", "-qq"]))?;
        return install(pkgs, extra);
    }
    install(pkgs, extra).or_else(|_| {
        cmd::run(Command::new("apt-get").args(["update", "-qq"]))?;
        install(pkgs, extra)
    })
}

fn install(pkgs: &[&str], extra: &[&str]) -> Result {
    let mut c = Command::new("apt-get");
    c.env("DEBIAN_FRONTEND", "noninteractive")
        .args(extra)
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(pkgs);
    cmd::run(&mut c)
}

/// The apt lists are missing or older than a day.
fn lists_stale() -> bool {
    let newest = std::fs::read_dir("/var/lib/apt/lists")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("_Packages"))
        .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
        .max();
    newest.is_none_or(|t| {
        SystemTime::now()
            .duration_since(t)
            .is_ok_and(|age| age > Duration::from_secs(24 * 3600))
    })
}

/// mdBook, pinned, built without its server and watcher.
pub(crate) const MDBOOK: CargoTool = CargoTool {
    binary: "mdbook",
    krate: "mdbook",
    version: "0.5.4",
    features: &["search"],
};

/// cargo-fuzz, pinned.
pub(crate) const CARGO_FUZZ: CargoTool = CargoTool {
    binary: "cargo-fuzz",
    krate: "cargo-fuzz",
    version: "0.13.2",
    features: &[],
};

/// A tool installed with `cargo install` (into `~/.cargo/bin`, so it is built
/// once per machine).
pub(crate) struct CargoTool {
    pub(crate) binary: &'static str,
    pub(crate) krate: &'static str,
    pub(crate) version: &'static str,
    pub(crate) features: &'static [&'static str],
}

/// Installs `tool` unless its binary is on `PATH`.
pub(crate) fn ensure_cargo_tool(tool: &CargoTool) -> Result {
    if cmd::have(tool.binary) {
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = Command::new(cargo);
    c.args(["install", "--locked", "--version", tool.version, tool.krate]);
    if !tool.features.is_empty() {
        c.args([
            "--no-default-features",
            "--features",
            &tool.features.join(","),
        ]);
    }
    cmd::run(&mut c)
}
