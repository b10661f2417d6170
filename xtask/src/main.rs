//! lbkit's task runner. Run `cargo xtask help`.

mod bench;
mod cmd;
mod demo;
mod deps;
mod fuzz;
mod tests;
mod vm;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cmd::{Result, fail};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  demo                 the end-to-end demo of what lbkit does today
  test                 every test tier, the lints and the docs (what CI runs)
  lint                 cargo fmt --check, clippy -D warnings, rustdoc -D warnings
  deps                 install what the tests need (Debian packages), when missing
  bench-lbconf [--services N] [--servers N] [--runs N] [--generate DIR]
                       lbconf check vs keepalived -t and haproxy -c on generated
                       files (default 10000 x 10, 3 runs); --generate only
                       writes DIR/keepalived.conf and DIR/haproxy.cfg
  fuzz                 run every fuzz target briefly (LBKIT_FUZZ_SECONDS each, default 5)
  vm-test [ARGS..]     build the kernel-tier tests and run them in one boot of
                       the test VM; ARGS go to each test binary
  vm [OPTIONS] -- CMD  run a shell command as root in the test VM
      --share DIR      mount DIR at the same path inside (repeatable)
      --timeout SECS   stop the VM after SECS (default 900)
      -v               print the VM's kernel console afterwards
  help                 this text

environment:
  LBKIT_REQUIRE_TIERS=1  privileged tiers (namespaces, VM) fail instead of skipping
  LBKIT_CACHE=DIR        where the VM's kernel and initramfs are cached
                         (default /var/cache/lbkit)
  LBKIT_VM_ACCEL=tcg|kvm force the VM's accelerator
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let (task, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(t, r)| (t.as_str(), r));
    match task {
        "demo" => demo::run().map(|()| ExitCode::SUCCESS),
        "test" => tests::all().map(|()| ExitCode::SUCCESS),
        "lint" => tests::lint().map(|()| ExitCode::SUCCESS),
        "deps" => tests::deps().map(|()| ExitCode::SUCCESS),
        "fuzz" => tests::fuzz().map(|()| ExitCode::SUCCESS),
        "vm-test" => tests::vm_tier(rest, true).map(|()| ExitCode::SUCCESS),
        "vm" => vm_command(rest),
        "bench-lbconf" => bench_lbconf(rest).map(|()| ExitCode::SUCCESS),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(fail!("unknown task {other:?}\n\n{USAGE}")),
    }
}

/// The cache directory shared by runs on this machine.
pub(crate) fn cache_dir() -> PathBuf {
    std::env::var_os("LBKIT_CACHE").map_or_else(|| PathBuf::from("/var/cache/lbkit"), PathBuf::from)
}

fn vm_command(args: &[String]) -> Result<ExitCode> {
    let mut opts = vm::RunOptions::default();
    let mut it = args.iter();
    let mut script = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--share" => {
                let dir = it
                    .next()
                    .ok_or_else(|| fail!("--share needs a directory"))?;
                opts.shares.push(PathBuf::from(dir));
            }
            "--timeout" => {
                let secs = it.next().and_then(|s| s.parse().ok());
                let secs = secs.ok_or_else(|| fail!("--timeout needs a number of seconds"))?;
                opts.timeout = Duration::from_secs(secs);
            }
            "-v" => opts.verbose = true,
            "--" => {
                script = Some(it.by_ref().cloned().collect::<Vec<_>>().join(" "));
            }
            other => return Err(fail!("vm: unknown option {other:?}\n\n{USAGE}")),
        }
    }
    let script = script
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| fail!("vm: give the command after `--`"))?;
    let vm = vm::Vm::prepare(&cache_dir())?;
    let code = vm.run(&script, &opts)?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn bench_lbconf(args: &[String]) -> Result {
    let mut size = bench::Size {
        services: 10_000,
        servers: 10,
        runs: 3,
    };
    let mut generate = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--generate" {
            generate = Some(PathBuf::from(
                it.next()
                    .ok_or_else(|| fail!("--generate needs a directory"))?,
            ));
            continue;
        }
        let value = it
            .next()
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| fail!("{a} needs a number"))?;
        match a.as_str() {
            "--services" => size.services = value,
            "--servers" => size.servers = value,
            "--runs" => size.runs = value,
            other => return Err(fail!("bench-lbconf: unknown option {other:?}")),
        }
    }
    match generate {
        Some(dir) => bench::generate(&dir, size),
        None => bench::run(&tests::workspace_root()?, size),
    }
}
