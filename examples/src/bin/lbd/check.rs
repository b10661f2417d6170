//! `lbd --check`: the configuration's health checkers.

use std::process::ExitCode;

use crate::Args;

/// Runs the health checkers of `args.file`.
pub(crate) fn run(args: &Args) -> ExitCode {
    // Filled in by the health-check runner work (issue 6).
    eprintln!("lbd: --check is not built yet ({})", args.file.display());
    ExitCode::from(2)
}
