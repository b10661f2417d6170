//! `MISC_CHECK` programs and `FILE_CHECK` files.

use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, User};
use tokio::process::Command;

use super::io_failure;
use crate::outcome::{FailKind, Outcome};
use crate::reply::proto;
use crate::spec::{FileCheck, MiscCheck};

/// Time left before the probe's deadline to kill a program's process group
/// and reap it.
const KILL_MARGIN: Duration = Duration::from_millis(50);

/// `MISC_CHECK`: runs the program without a shell, in its own process group,
/// as `user` when set. At the deadline the whole group is killed and the
/// program reaped, so no process outlives its probe.
pub(crate) async fn misc(check: &MiscCheck, deadline: Instant) -> Result<Outcome, Outcome> {
    let Some((prog, args)) = check.argv.split_first() else {
        return Err(Outcome::fail(
            FailKind::Setup,
            "MISC_CHECK has an empty command",
        ));
    };
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(name) = &check.user {
        let user = User::from_name(name)
            .map_err(|e| {
                Outcome::fail(
                    FailKind::Setup,
                    format!("cannot look up user {name:?}: {e}"),
                )
            })?
            .ok_or_else(|| {
                Outcome::fail(FailKind::Setup, format!("no user {name:?} on this system"))
            })?;
        let gid = match &check.group {
            Some(g) => {
                nix::unistd::Group::from_name(g)
                    .map_err(|e| {
                        Outcome::fail(FailKind::Setup, format!("cannot look up group {g:?}: {e}"))
                    })?
                    .ok_or_else(|| {
                        Outcome::fail(FailKind::Setup, format!("no group {g:?} on this system"))
                    })?
                    .gid
            }
            None => user.gid,
        };
        cmd.uid(user.uid.as_raw()).gid(gid.as_raw());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| io_failure(&format!("cannot run {prog:?}"), &e))?;
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    let stop =
        tokio::time::Instant::from_std(deadline.checked_sub(KILL_MARGIN).unwrap_or(deadline));
    match tokio::time::timeout_at(stop, child.wait()).await {
        Ok(Ok(status)) => Ok(proto::misc_outcome(status.code(), check.dynamic)),
        Ok(Err(e)) => Err(io_failure(&format!("waiting for {prog:?}"), &e)),
        Err(_) => {
            if let Some(pid) = pid {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
            let _ = child.kill().await;
            Err(Outcome::fail(
                FailKind::Timeout,
                format!("{prog:?} did not finish in time and was killed"),
            ))
        }
    }
}

/// `FILE_CHECK`: reads the file and judges its value.
pub(crate) async fn file(check: &FileCheck) -> Result<Outcome, Outcome> {
    use tokio::io::AsyncReadExt;
    // The value is a number at the start of the file: read at most 4 KiB,
    // so that a huge file (or /dev/zero) cannot hold the probe or memory.
    let cannot =
        |e: std::io::Error| io_failure(&format!("cannot read {}", check.path.display()), &e);
    let file = tokio::fs::File::open(&check.path).await.map_err(cannot)?;
    let mut content = Vec::with_capacity(64);
    file.take(4096)
        .read_to_end(&mut content)
        .await
        .map_err(cannot)?;
    Ok(proto::file_outcome(&content, check.weight, check.reverse))
}
