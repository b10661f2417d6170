//! Test tiers: what can run on this machine, and what must.
//!
//! | tier | needs | where it runs |
//! |---|---|---|
//! | unit | nothing | everywhere, plain `cargo test` |
//! | namespace | root, iproute2 | here, as root |
//! | kernel | root, a kernel with IPVS | inside the test VM (`cargo xtask vm-test`), or on a host whose kernel has IPVS |
//!
//! A privileged test starts with `if !tier::namespace("name") { return; }`. When
//! its tier cannot run, it prints why and passes; with `LBKIT_REQUIRE_TIERS=1`
//! (CI) it fails instead, so a green CI run means every tier ran.

use std::path::Path;

/// Set to `1` to make every privileged tier mandatory.
pub const REQUIRE_VAR: &str = "LBKIT_REQUIRE_TIERS";

/// Set to `1` by the test VM: kernel-tier tests must run there.
pub const VM_VAR: &str = "LBKIT_VM";

/// Whether privileged tiers must run rather than skip.
pub fn required() -> bool {
    flag(REQUIRE_VAR)
}

/// Whether this process runs inside lbkit's test VM.
pub fn in_vm() -> bool {
    flag(VM_VAR)
}

fn flag(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Gate for a namespace-tier test: `true` when it can run. Otherwise prints the
/// reason and returns `false`, or panics when tiers are required.
pub fn namespace(test: &str) -> bool {
    let reason = if !is_root() {
        Some("needs root to create network namespaces")
    } else if !Path::new("/usr/sbin/ip").exists() && !Path::new("/sbin/ip").exists() {
        Some("needs iproute2's `ip` (apt-get install iproute2)")
    } else {
        None
    };
    gate(test, "namespace", reason, required())
}

/// Gate for a kernel-tier test (real IPVS): `true` when it can run. Inside the
/// test VM the kernel's IPVS must be there, so a missing one fails the test.
pub fn kernel(test: &str) -> bool {
    let reason = if !is_root() {
        Some("needs root to drive IPVS")
    } else if !ipvs_available() {
        Some("this kernel has no IPVS; kernel tests run in the test VM: `cargo xtask vm-test`")
    } else {
        None
    };
    gate(test, "kernel", reason, in_vm())
}

/// Whether the running kernel has IPVS loaded (`/proc/net/ip_vs` exists).
pub fn ipvs_available() -> bool {
    Path::new("/proc/net/ip_vs").exists()
}

fn gate(test: &str, tier: &str, reason: Option<&str>, must_run: bool) -> bool {
    match reason {
        None => true,
        Some(reason) if must_run => {
            panic!("{test}: the {tier} tier must run here but cannot: {reason}")
        }
        Some(reason) => {
            eprintln!("skipping {test} ({tier} tier): {reason}");
            false
        }
    }
}

/// Whether the program at `path` (from the Debian package `package`) is
/// installed; when it is not, says so and returns false, or fails when the
/// tiers are required (CI installs it through `cargo xtask deps`).
pub fn program(test: &str, path: &str, package: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    assert!(
        !required(),
        "{test}: {path} is missing (apt-get install {package})"
    );
    eprintln!("{test}: skipped, {path} is missing (apt-get install {package})");
    false
}
