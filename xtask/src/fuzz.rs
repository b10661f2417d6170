//! `cargo xtask fuzz`: every fuzz target of every crate, briefly.
//!
//! Each crate keeps its cargo-fuzz crate in `<crate>/fuzz/` (outside the
//! workspace). cargo-fuzz needs unstable compiler flags for its sanitizer
//! coverage; `RUSTC_BOOTSTRAP=1` lets the one stable toolchain here accept them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, Result, fail};
use crate::deps;

/// Seconds each target runs unless `LBKIT_FUZZ_SECONDS` says otherwise.
const DEFAULT_SECONDS: u32 = 5;

/// Runs every target of every fuzz crate under `root` for a few seconds each.
pub(crate) fn run(root: &Path) -> Result {
    let crates = fuzz_crates(root)?;
    if crates.is_empty() {
        eprintln!("xtask: no fuzz crates yet");
        return Ok(());
    }
    deps::ensure_cargo_tool(&deps::CARGO_FUZZ)?;
    let seconds = std::env::var("LBKIT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(DEFAULT_SECONDS);
    for dir in crates {
        let krate = dir.parent().unwrap_or(&dir);
        let list = cmd::output(fuzz_command(root, krate).arg("list"))?;
        for target in list.lines().map(str::trim).filter(|t| !t.is_empty()) {
            eprintln!(
                "xtask: fuzzing {} {target} for {seconds} s",
                krate.display()
            );
            cmd::run(fuzz_command(root, krate).args([
                "run",
                target,
                "--",
                &format!("-max_total_time={seconds}"),
                "-rss_limit_mb=2048",
                "-print_final_stats=0",
            ]))
            .map_err(|e| {
                fail!(
                    "{e}\nthe fuzz target {target} of {} found a failing input; it is saved under \
                     fuzz/artifacts/{target}/ (reproduce with `cargo fuzz run {target} <file>`)",
                    krate.display()
                )
            })?;
        }
    }
    Ok(())
}

/// `cargo fuzz` in `krate`, building into one target directory shared by all
/// fuzz crates, so that their common dependencies are built once.
fn fuzz_command(root: &Path, krate: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = Command::new(cargo);
    c.arg("fuzz")
        .current_dir(krate)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", root.join("target/fuzz"));
    c
}

/// The `fuzz/` directories (holding a Cargo.toml) one level below `root`'s
/// members, e.g. `lbconf-rs/fuzz`.
fn fuzz_crates(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root)?.flatten() {
        let fuzz = entry.path().join("fuzz");
        if fuzz.join("Cargo.toml").is_file() {
            out.push(fuzz);
        }
    }
    out.sort();
    Ok(out)
}
