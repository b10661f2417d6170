//! `lbd --vrrp`: the configuration's VRRP instances.

use std::process::ExitCode;

use crate::Args;

/// Runs the VRRP instances of `args.file`.
pub(crate) fn run(args: &Args) -> ExitCode {
    // Filled in by the VRRP runner work (issue 5).
    eprintln!("lbd: --vrrp is not built yet ({})", args.file.display());
    ExitCode::from(2)
}
