//! `lbd`: the lbkit daemon, composing the crates from a `keepalived.conf`.
//!
//! ```text
//! lbd --check --dry-run [-f FILE] [--config-id ID]
//! lbd --vrrp [-f FILE] [--config-id ID]
//! ```
//!
//! Each part runs on its own, as keepalived's `-C` (checkers) and `-P`
//! (VRRP) do: `--check --dry-run` runs the configuration's health checkers
//! without touching IPVS and prints every transition, and the IPVS change it
//! would make, as JSON lines; `--vrrp` runs the VRRP instances. The
//! configuration is read through `lbconf`; a configuration `keepalived -t`
//! would reject is refused with its diagnostics.

mod check;
mod vrrp;

use std::path::PathBuf;
use std::process::ExitCode;

/// keepalived's default configuration file.
const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

const USAGE: &str = "\
usage: lbd --check --dry-run [-f FILE] [--config-id ID] [--duration SECS]
       lbd --vrrp [-f FILE] [--config-id ID]

  --check      run the configuration's health checkers (keepalived -C)
  --dry-run    do not touch IPVS: print each transition and the IPVS change it
               would make as JSON lines on stdout
  --vrrp       run the configuration's VRRP instances (keepalived -P)
  -f FILE      the keepalived.conf to read (default /etc/keepalived/keepalived.conf)
  --config-id  the config id for @id conditional lines (default: the short
               host name)
  --duration   stop after SECS seconds (tests, demos); SIGINT/SIGTERM also stop
";

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Args {
    /// The configuration file.
    pub(crate) file: PathBuf,
    /// keepalived's `-i`: the id `@id` lines are compared with.
    pub(crate) config_id: Option<String>,
    /// Run the health checkers.
    pub(crate) check: bool,
    /// Run the VRRP instances.
    pub(crate) vrrp: bool,
    /// Report instead of changing IPVS.
    pub(crate) dry_run: bool,
    /// Stop after this long (`--duration SECS`).
    pub(crate) duration: Option<std::time::Duration>,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv
        .iter()
        .any(|a| matches!(a.as_str(), "-h" | "--help" | "help"))
    {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("lbd: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match (args.check, args.vrrp) {
        (true, false) => check::run(&args),
        (false, true) => vrrp::run(&args),
        _ => {
            eprintln!("lbd: give exactly one of --check or --vrrp\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut args = Args {
        file: PathBuf::from(DEFAULT_CONFIG),
        config_id: None,
        check: false,
        vrrp: false,
        dry_run: false,
        duration: None,
    };
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" | "-C" => args.check = true,
            "--vrrp" | "-P" => args.vrrp = true,
            "--dry-run" => args.dry_run = true,
            "-f" | "--use-file" => {
                args.file = PathBuf::from(it.next().ok_or("-f needs a FILE")?);
            }
            "--config-id" | "-i" => {
                args.config_id = Some(it.next().ok_or("--config-id needs an ID")?.clone());
            }
            "--duration" => {
                let secs = it.next().ok_or("--duration needs SECS")?;
                let d = secs
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
                    .ok_or_else(|| {
                        format!("--duration {secs:?}: give a positive number of seconds")
                    })?;
                args.duration = Some(std::time::Duration::from_secs_f64(d));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn command_lines() {
        let a = args(&["--check", "--dry-run", "-f", "k.conf", "-i", "lb1"]).unwrap();
        assert!(a.check && a.dry_run && !a.vrrp);
        assert_eq!(a.file, PathBuf::from("k.conf"));
        assert_eq!(a.config_id.as_deref(), Some("lb1"));
        let a = args(&["--vrrp"]).unwrap();
        assert_eq!(a.file, PathBuf::from(DEFAULT_CONFIG));
        assert!(args(&["-f"]).unwrap_err().contains("FILE"));
        assert!(args(&["--bogus"]).unwrap_err().contains("--bogus"));
        let a = args(&["--check", "--dry-run", "--duration", "1.5"]).unwrap();
        assert_eq!(a.duration, Some(std::time::Duration::from_millis(1500)));
        assert!(
            args(&["--duration", "-1"])
                .unwrap_err()
                .contains("positive")
        );
    }
}
