//! Precise waits: a `CLOCK_MONOTONIC` timerfd armed at the engine's deadline,
//! polled together with the sockets.
//!
//! `poll`'s own timeout has timer slack (0.1% of the timeout, at least the
//! thread's 50 µs `timerslack_ns`): 3.6 ms late on a Master_Down_Interval of
//! 3.6 s. A timerfd is an hrtimer with no slack, armed at an absolute
//! instant, so one wait lands on the deadline whatever its length, with no
//! early wake-up and no spinning.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use nix::time::clock_gettime;

use super::LinuxError;

/// Sleeps until one of a set of file descriptors is readable or a deadline
/// passes, on a timerfd (no timer slack). Reusable; one per driver thread.
#[derive(Debug)]
pub struct Sleeper {
    timer: TimerFd,
}

impl Sleeper {
    /// Creates the timerfd.
    pub fn new() -> Result<Sleeper, LinuxError> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(|e| LinuxError::Io {
            what: "timerfd_create (CLOCK_MONOTONIC)",
            iface: String::new(),
            source: e.into(),
        })?;
        Ok(Sleeper { timer })
    }

    /// Waits until one of `fds` is readable or `deadline` (none: no
    /// deadline) passes, and writes into `ready[i]` whether `fds[i]` is
    /// readable (`ready` must be at least as long as `fds`). Returns
    /// immediately when `deadline` is not in the future. An interrupted wait
    /// (`EINTR`) returns with nothing ready.
    pub fn wait(
        &self,
        fds: &[BorrowedFd<'_>],
        deadline: Option<Instant>,
        ready: &mut [bool],
    ) -> io::Result<()> {
        if ready.len() < fds.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Sleeper::wait: `ready` is shorter than `fds`",
            ));
        }
        ready.iter_mut().for_each(|r| *r = false);
        let mut timeout = PollTimeout::NONE;
        match deadline {
            None => self.timer.unset().map_err(io::Error::from)?,
            Some(d) => {
                // Instant is CLOCK_MONOTONIC on Linux: read both clocks back
                // to back and arm the timer at the same distance ahead.
                let now = Instant::now();
                let left = d.saturating_duration_since(now);
                if left.is_zero() {
                    timeout = PollTimeout::ZERO;
                    self.timer.unset().map_err(io::Error::from)?;
                } else {
                    let mono = clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)?;
                    let at = mono + TimeSpec::from_duration(left);
                    self.timer
                        .set(
                            Expiration::OneShot(at),
                            TimerSetTimeFlags::TFD_TIMER_ABSTIME,
                        )
                        .map_err(io::Error::from)?;
                }
            }
        }
        let mut pfds: Vec<PollFd<'_>> = fds
            .iter()
            .map(|f| PollFd::new(*f, PollFlags::POLLIN))
            .collect();
        pfds.push(PollFd::new(self.timer.as_fd(), PollFlags::POLLIN));
        match poll(&mut pfds, timeout) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        for (r, p) in ready.iter_mut().zip(&pfds[..fds.len()]) {
            *r = p.revents().is_some_and(|e| {
                e.intersects(PollFlags::POLLIN | PollFlags::POLLERR | PollFlags::POLLHUP)
            });
        }
        Ok(())
    }
}
