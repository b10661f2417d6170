//! Scripts as keepalived runs them: split into words (no shell), run as the
//! script user, killed (with their process group) after a timeout.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Group, Pid, Uid, User};

/// The search path when the environment has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The full path of `program`: as given when it has a `/`, else the first
/// executable file of that name in `$PATH` (as keepalived finds scripts
/// such as `killall -0 haproxy`).
pub(crate) fn resolve(program: &str) -> Result<String, String> {
    if program.contains('/') {
        return Ok(program.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.to_string());
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(program))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0))
        .map(|p| p.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{program} is not in PATH ({path}): write its full path"))
}

/// The user and group a script runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RunAs {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Resolves `USER [GROUP]` (the group defaults to the user's).
pub(crate) fn run_as(spec: &str) -> Result<RunAs, String> {
    let mut words = spec.split_whitespace();
    let name = words.next().ok_or("an empty user name")?;
    let user = User::from_name(name)
        .map_err(|e| format!("cannot look up user {name}: {e}"))?
        .ok_or_else(|| format!("user {name} does not exist (create it or name another)"))?;
    let gid = match words.next() {
        None => user.gid,
        Some(g) => {
            Group::from_name(g)
                .map_err(|e| format!("cannot look up group {g}: {e}"))?
                .ok_or_else(|| format!("group {g} does not exist (create it or name another)"))?
                .gid
        }
    };
    Ok(RunAs {
        uid: user.uid.as_raw(),
        gid: gid.as_raw(),
    })
}

/// keepalived's `enable_script_security` rule: a script must not be
/// replaceable by a user other than root or the one it runs as, so neither
/// the file nor any directory above it may be owned by another user or
/// writable by group or others (a sticky directory, such as /tmp, is fine:
/// its entries belong to their owners). `Err` says which path fails.
pub(crate) fn check_secure(program: &str, who: RunAs) -> Result<(), String> {
    let path = Path::new(program);
    if !path.is_absolute() {
        return Err(format!(
            "{program} is not an absolute path (write the script's full path)"
        ));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot stat {program}: {e}"))?;
    if meta.mode() & 0o111 == 0 {
        return Err(format!("{program} is not executable (chmod +x it)"));
    }
    let mut p = Some(path);
    let mut file = true;
    while let Some(cur) = p {
        let m =
            std::fs::metadata(cur).map_err(|e| format!("cannot stat {}: {e}", cur.display()))?;
        let owner_ok = m.uid() == 0 || m.uid() == who.uid;
        let sticky_dir = !file && m.mode() & 0o1000 != 0;
        let writable = m.mode() & 0o022 != 0 && !sticky_dir;
        if !owner_ok || writable {
            return Err(format!(
                "{} is {} (enable_script_security: make it owned by root and writable by its owner only)",
                cur.display(),
                if owner_ok {
                    "writable by group or others"
                } else {
                    "owned by another user"
                },
            ));
        }
        file = false;
        p = cur.parent();
    }
    Ok(())
}

/// Why a child was started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A `vrrp_script` run (its index).
    Check(usize),
    /// A notify script (a label for the log).
    Notify(String),
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finished {
    pub(crate) purpose: Purpose,
    /// Exited with status 0 in time.
    pub(crate) ok: bool,
    /// What happened, for the log.
    pub(crate) how: String,
}

struct Running {
    child: Child,
    purpose: Purpose,
    deadline: Instant,
    killed: bool,
}

/// The scripts running now.
#[derive(Default)]
pub(crate) struct Children {
    running: Vec<Running>,
}

impl Children {
    /// Starts `argv` as `who` with stdio on /dev/null, in its own process
    /// group, to be killed at `now + timeout`.
    pub(crate) fn spawn(
        &mut self,
        argv: &[String],
        who: RunAs,
        timeout: Duration,
        purpose: Purpose,
        now: Instant,
    ) -> Result<(), String> {
        let (program, args) = argv.split_first().ok_or("an empty script")?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .current_dir("/");
        if Uid::current().is_root() {
            cmd.uid(who.uid).gid(who.gid);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        self.running.push(Running {
            child,
            purpose,
            deadline: now + timeout,
            killed: false,
        });
        Ok(())
    }

    /// Whether a child for `purpose` is still running.
    pub(crate) fn is_running(&self, purpose: &Purpose) -> bool {
        self.running.iter().any(|r| &r.purpose == purpose)
    }

    /// Whether no child is running.
    pub(crate) fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The earliest timeout of a running child.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.running
            .iter()
            .filter(|r| !r.killed)
            .map(|r| r.deadline)
            .min()
    }

    /// Kills the process groups of children past their deadline and reaps
    /// every child that ended.
    pub(crate) fn reap(&mut self, now: Instant) -> Vec<Finished> {
        for r in &mut self.running {
            if !r.killed && now >= r.deadline {
                if let Ok(pid) = i32::try_from(r.child.id()) {
                    let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
                }
                r.killed = true;
            }
        }
        let mut done = Vec::new();
        let mut i = 0;
        while i < self.running.len() {
            match self.running[i].child.try_wait() {
                Ok(Some(status)) => {
                    let r = self.running.swap_remove(i);
                    let how = if r.killed {
                        "timed out (killed)".to_string()
                    } else {
                        status.to_string()
                    };
                    done.push(Finished {
                        purpose: r.purpose,
                        ok: status.success() && !r.killed,
                        how,
                    });
                }
                Ok(None) => i += 1,
                Err(e) => {
                    let r = self.running.swap_remove(i);
                    done.push(Finished {
                        purpose: r.purpose,
                        ok: false,
                        how: format!("cannot wait for it: {e}"),
                    });
                }
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::unistd::Gid;

    #[test]
    fn programs_resolve_through_path() {
        let sh = resolve("sh").unwrap();
        assert!(sh.ends_with("/sh") && Path::new(&sh).is_absolute(), "{sh}");
        assert_eq!(resolve("/x/y").unwrap(), "/x/y");
        assert!(
            resolve("no-such-program-lbkit")
                .unwrap_err()
                .contains("PATH")
        );
    }

    #[test]
    fn users_resolve() {
        assert_eq!(run_as("root").unwrap(), RunAs { uid: 0, gid: 0 });
        assert!(
            run_as("no-such-user-lbkit")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            run_as("root no-such-group-lbkit")
                .unwrap_err()
                .contains("group")
        );
    }

    #[test]
    fn insecure_scripts_are_named() {
        use std::os::unix::fs::PermissionsExt;
        let root = RunAs { uid: 0, gid: 0 };
        assert!(check_secure("/bin/true", root).is_ok());
        assert!(check_secure("true", root).unwrap_err().contains("absolute"));
        let dir = std::env::temp_dir().join(format!("lbd-exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = dir.join("s.sh");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        let check = |mode| {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            check_secure(f.to_str().unwrap(), root)
        };
        let (plain, open, good) = (check(0o644), check(0o777), check(0o755));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(plain.unwrap_err().contains("not executable"));
        // As root the file and directory are root's; otherwise they are
        // another user's, which is reported first.
        if Uid::current().is_root() {
            assert!(open.unwrap_err().contains("writable by group or others"));
            assert!(good.is_ok());
        } else {
            assert!(open.unwrap_err().contains("owned by another user"));
        }
    }

    #[test]
    fn children_time_out_and_report() {
        let mut c = Children::default();
        let now = Instant::now();
        let me = RunAs {
            uid: Uid::current().as_raw(),
            gid: Gid::current().as_raw(),
        };
        let sh = |s: &str| vec!["/bin/sh".to_string(), "-c".to_string(), s.to_string()];
        c.spawn(
            &sh("exit 0"),
            me,
            Duration::from_secs(10),
            Purpose::Check(0),
            now,
        )
        .unwrap();
        c.spawn(
            &sh("exit 3"),
            me,
            Duration::from_secs(10),
            Purpose::Check(1),
            now,
        )
        .unwrap();
        c.spawn(
            &sh("sleep 30"),
            me,
            Duration::from_millis(50),
            Purpose::Check(2),
            now,
        )
        .unwrap();
        let mut done = Vec::new();
        // Bounded: 500 rounds of 20 ms.
        for _ in 0..500 {
            done.extend(c.reap(Instant::now()));
            if c.is_empty() {
                break;
            }
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(Duration::from_millis(20));
        }
        done.sort_by_key(|f| format!("{:?}", f.purpose));
        let oks: Vec<bool> = done.iter().map(|f| f.ok).collect();
        assert_eq!(oks, [true, false, false]);
        assert!(done[2].how.contains("timed out"), "{}", done[2].how);
        assert!(
            c.spawn(&[], me, Duration::ZERO, Purpose::Check(3), now)
                .is_err()
        );
    }
}
