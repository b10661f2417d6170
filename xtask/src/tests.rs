//! `cargo xtask test`: every tier, the lints and the docs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cmd::{self, Result, fail};
use crate::{deps, fuzz, vm};

/// The name of the integration-test target that holds a crate's kernel tier.
const KERNEL_TEST: &str = "kernel";

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn required() -> bool {
    std::env::var("LBKIT_REQUIRE_TIERS").is_ok_and(|v| v == "1")
}

/// Runs everything CI runs, failing at the first broken step.
pub(crate) fn all() -> Result {
    warn_if_disk_is_short()?;
    deps()?;
    lint()?;
    eprintln!("xtask: == unit and namespace tiers ==");
    cmd::run(cargo().args(["test", "--workspace", "--locked"]))?;
    eprintln!("xtask: == fuzz targets, briefly ==");
    fuzz()?;
    eprintln!("xtask: == kernel tier (test VM) ==");
    vm_tier(&[], required() || cmd::is_root())?;
    eprintln!("xtask: every tier passed");
    Ok(())
}

/// Disk a whole run takes from a fresh clone: the debug, release and fuzz builds, the test VM's
/// image and the Debian packages, with some room to spare.
const DISK_NEEDED_GIB: u64 = 12;

/// Says up front when the disk is too full for a whole run: a linker that runs out of space dies of
/// SIGBUS halfway through the build, which does not point at the cause.
fn warn_if_disk_is_short() -> Result {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root()?.join("target"),
    };
    let probe = target
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    let out = cmd::output(Command::new("df").args(["-P", "-k"]).arg(probe))?;
    let free_kib = out
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|field| field.parse::<u64>().ok());
    match free_kib {
        Some(kib) if kib < DISK_NEEDED_GIB << 20 => eprintln!(
            "xtask: warning: {:.1} GiB free under {}, and a whole run from a fresh clone needs \
             about {DISK_NEEDED_GIB} GiB; free some space or point CARGO_TARGET_DIR at a larger disk",
            kib as f64 / f64::from(1 << 20),
            probe.display()
        ),
        Some(_) => {}
        None => eprintln!("xtask: warning: cannot read the free space from `df`: {out:?}"),
    }
    Ok(())
}

/// Runs every fuzz target briefly.
pub(crate) fn fuzz() -> Result {
    fuzz::run(&workspace_root()?)
}

/// Installs the Debian packages the privileged tiers need.
pub(crate) fn deps() -> Result {
    if !cmd::is_root() {
        if required() {
            return Err(fail!(
                "LBKIT_REQUIRE_TIERS=1 but not root: the namespace and VM tiers need root"
            ));
        }
        eprintln!("xtask: not root: the namespace and VM tiers will skip");
        return Ok(());
    }
    deps::ensure(deps::NETNS)?;
    deps::ensure(deps::PEERS)?;
    deps::ensure(deps::VM)?;
    deps::ensure_qemu(&crate::cache_dir())
}

/// `cargo fmt --check`, clippy with warnings denied, rustdoc with warnings denied.
pub(crate) fn lint() -> Result {
    eprintln!("xtask: == lints ==");
    cmd::run(cargo().args(["fmt", "--all", "--check"]))?;
    cmd::run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    cmd::run(
        cargo()
            .args([
                "doc",
                "--workspace",
                "--no-deps",
                "--all-features",
                "--locked",
            ])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    deps::ensure_cargo_tool(&deps::MDBOOK)?;
    cmd::run(
        Command::new("mdbook")
            .args(["build", "book"])
            .current_dir(workspace_root()?),
    )
}

/// The workspace root, from `cargo locate-project`.
pub(crate) fn workspace_root() -> Result<PathBuf> {
    let out =
        cmd::output(cargo().args(["locate-project", "--workspace", "--message-format", "plain"]))?;
    Path::new(out.trim())
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| fail!("cargo locate-project printed {out:?}"))
}

/// Builds every crate's `kernel` test binary and runs them all in one boot of
/// the test VM, with the workspace shared at the same path. When `must_run` is
/// false a VM that cannot be prepared is reported and skipped.
pub(crate) fn vm_tier(test_args: &[String], must_run: bool) -> Result {
    let meta: Value = serde_json::from_str(&cmd::output(cargo().args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--locked",
    ]))?)
    .map_err(|e| fail!("cargo metadata printed bad JSON: {e}"))?;
    let root = PathBuf::from(meta["workspace_root"].as_str().unwrap_or("."));
    let target = PathBuf::from(meta["target_directory"].as_str().unwrap_or("target"));
    let packages: Vec<&str> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            p["targets"].as_array().into_iter().flatten().any(|t| {
                t["name"] == KERNEL_TEST
                    && t["kind"]
                        .as_array()
                        .is_some_and(|k| k.contains(&"test".into()))
            })
        })
        .filter_map(|p| p["name"].as_str())
        .collect();
    if packages.is_empty() {
        return Err(fail!("no crate has a `{KERNEL_TEST}` test target"));
    }

    let vm = match vm::Vm::prepare(&crate::cache_dir()) {
        Ok(vm) => vm,
        Err(e) if !must_run => {
            eprintln!("xtask: skipping the kernel tier: the test VM cannot be prepared: {e}");
            return Ok(());
        }
        Err(e) => return Err(e),
    };

    // The command-line tools, which kernel tests compare with the real ones (lbadm with ipvsadm).
    cmd::run(cargo().args(["build", "--locked", "-p", "lbkit-examples", "--bins"]))?;
    let mut build = cargo();
    build.args([
        "test",
        "--locked",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    for p in &packages {
        build.args(["-p", p]);
    }
    build.args(["--test", KERNEL_TEST]);
    let binaries = test_binaries(&cmd::output(&mut build)?)?;

    let mut script =
        String::from("export LBKIT_VM=1 LBKIT_REQUIRE_TIERS=1 RUST_BACKTRACE=1\nstatus=0\n");
    for (dir, exe) in &binaries {
        script.push_str(&format!(
            "cd {} && {}{} || status=1\n",
            quote(dir),
            quote(exe),
            test_args
                .iter()
                .map(|a| format!(" {}", quote(Path::new(a))))
                .collect::<String>()
        ));
    }
    script.push_str("exit $status\n");

    let mut opts = vm::RunOptions::default();
    opts.shares.push(root.clone());
    if !target.starts_with(&root) {
        opts.shares.push(target);
    }
    match vm.run(&script, &opts)? {
        0 => Ok(()),
        code => Err(fail!(
            "the kernel tier failed in the test VM (exit status {code})"
        )),
    }
}

/// `(crate directory, executable)` of each test binary in cargo's JSON messages.
fn test_binaries(json: &str) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    for line in json.lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" || msg["target"]["name"] != KERNEL_TEST {
            continue;
        }
        let (Some(exe), Some(manifest)) =
            (msg["executable"].as_str(), msg["manifest_path"].as_str())
        else {
            continue;
        };
        let dir = Path::new(manifest)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        out.push((dir, PathBuf::from(exe)));
    }
    if out.is_empty() {
        return Err(fail!("cargo built no `{KERNEL_TEST}` test binary"));
    }
    Ok(out)
}

/// Single-quotes a path for bash.
fn quote(p: &Path) -> String {
    format!("'{}'", p.to_string_lossy().replace('\'', r"'\''"))
}
