//! Running external programs with messages that say what failed.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// What went wrong in a task, said for the person who ran it.
#[derive(Debug)]
pub(crate) struct TaskError(pub(crate) String);

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for TaskError {
    fn from(e: std::io::Error) -> Self {
        TaskError(e.to_string())
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, TaskError>;

/// Builds a `TaskError` from a format string.
macro_rules! fail {
    ($($arg:tt)*) => { $crate::cmd::TaskError(format!($($arg)*)) };
}
pub(crate) use fail;

/// Renders a command line for messages, e.g. `cargo test --workspace`.
pub(crate) fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` with inherited stdio and fails unless it exits 0.
pub(crate) fn run(cmd: &mut Command) -> Result {
    let status = status(cmd)?;
    if status.success() {
        Ok(())
    } else {
        Err(fail!("`{}` failed ({status})", show(cmd)))
    }
}

/// Runs `cmd` with inherited stdio and returns its exit status.
pub(crate) fn status(cmd: &mut Command) -> Result<ExitStatus> {
    eprintln!("xtask: $ {}", show(cmd));
    cmd.status()
        .map_err(|e| fail!("cannot start `{}`: {e}", show(cmd)))
}

/// Runs `cmd`, captures its stdout as text and fails unless it exits 0.
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| fail!("cannot start `{}`: {e}", show(cmd)))?;
    if !out.status.success() {
        return Err(fail!("`{}` failed ({})", show(cmd), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| fail!("`{}` printed non-UTF-8 output", show(cmd)))
}

/// Whether `program` is found on `PATH`.
pub(crate) fn have(program: impl AsRef<OsStr>) -> bool {
    let program = program.as_ref();
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(program)))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process runs as root.
pub(crate) fn is_root() -> bool {
    // The effective uid is the fourth field of the `Uid:` line of /proc/self/status.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .is_some_and(|euid| euid == "0")
}
