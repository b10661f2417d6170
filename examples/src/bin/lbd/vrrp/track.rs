//! `vrrp_script` results through `rise` and `fall`, as keepalived counts them.

use std::time::{Duration, Instant};

/// The tracked state of one `vrrp_script`.
#[derive(Clone, Debug)]
pub(crate) struct ScriptState {
    /// Whether the script counts as succeeding (keepalived starts scripts
    /// as good, and so does the engine).
    pub(crate) ok: bool,
    /// When it runs next.
    pub(crate) next_run: Instant,
    rise: u32,
    fall: u32,
    successes: u32,
    failures: u32,
}

impl ScriptState {
    /// A script starting good (`ok`) or failed (`init_fail`), needing
    /// `rise` successes in a row to become good and `fall` failures in a row
    /// to become bad, first run at `first`.
    pub(crate) fn new(ok: bool, rise: u32, fall: u32, first: Instant) -> Self {
        ScriptState {
            ok,
            next_run: first,
            rise: rise.max(1),
            fall: fall.max(1),
            successes: 0,
            failures: 0,
        }
    }

    /// Counts one result; returns the new state when it changed.
    pub(crate) fn record(&mut self, ok: bool) -> Option<bool> {
        if ok {
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            if !self.ok && self.successes >= self.rise {
                self.ok = true;
                return Some(true);
            }
        } else {
            self.successes = 0;
            self.failures = self.failures.saturating_add(1);
            if self.ok && self.failures >= self.fall {
                self.ok = false;
                return Some(false);
            }
        }
        None
    }

    /// Schedules the next run `interval` after `now`.
    pub(crate) fn ran(&mut self, now: Instant, interval: Duration) {
        self.next_run = now + interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rise_and_fall_count_runs_in_a_row() {
        #[allow(clippy::disallowed_methods)]
        let mut s = ScriptState::new(true, 2, 3, Instant::now());
        assert!(s.ok);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None); // a success resets the failures
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), Some(false));
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), Some(true));
        assert!(s.ok);
        #[allow(clippy::disallowed_methods)]
        let mut s = ScriptState::new(false, 1, 1, Instant::now());
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), Some(true));
    }
}
