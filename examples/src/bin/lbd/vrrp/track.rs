//! `vrrp_script` results through `rise` and `fall`, as keepalived counts them
//! (`vrrp_script_child_thread` in keepalived's `vrrp_scheduler.c`).
//!
//! A script starts unknown (keepalived's `SCRIPT_INIT_STATE_INIT`, "one
//! success is enough"): its first result, success or failure, is reported
//! whatever `rise` and `fall` say. With `init_fail` it starts failed and
//! needs `rise` successes in a row. After that, `rise` successes in a row
//! make it good and `fall` failures in a row make it bad.

use std::time::{Duration, Instant};

/// The tracked state of one `vrrp_script`.
#[derive(Clone, Debug)]
pub(crate) struct ScriptState {
    /// Whether the script counts as succeeding; `None` until its first
    /// result (the engine then neither adds nor subtracts its weight).
    pub(crate) ok: Option<bool>,
    /// When it runs next.
    pub(crate) next_run: Instant,
    rise: u32,
    fall: u32,
    successes: u32,
    failures: u32,
}

impl ScriptState {
    /// A script starting unknown, or failed with `init_fail`, needing `rise`
    /// successes in a row to become good and `fall` failures in a row to
    /// become bad once known, first run at `first`.
    pub(crate) fn new(init_fail: bool, rise: u32, fall: u32, first: Instant) -> Self {
        ScriptState {
            ok: init_fail.then_some(false),
            next_run: first,
            rise: rise.max(1),
            fall: fall.max(1),
            successes: 0,
            failures: 0,
        }
    }

    /// Counts one result; returns the state to report when it is the first
    /// result or the state changed.
    pub(crate) fn record(&mut self, ok: bool) -> Option<bool> {
        if ok {
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
        } else {
            self.successes = 0;
            self.failures = self.failures.saturating_add(1);
        }
        let changed = match self.ok {
            None => true,
            Some(false) => ok && self.successes >= self.rise,
            Some(true) => !ok && self.failures >= self.fall,
        };
        if changed {
            self.ok = Some(ok);
        }
        changed.then_some(ok)
    }

    /// Schedules the next run `interval` after `now`.
    pub(crate) fn ran(&mut self, now: Instant, interval: Duration) {
        self.next_run = now + interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::disallowed_methods)]
    fn state(init_fail: bool, rise: u32, fall: u32) -> ScriptState {
        ScriptState::new(init_fail, rise, fall, Instant::now())
    }

    #[test]
    fn the_first_success_is_reported_whatever_rise_says() {
        let mut s = state(false, 3, 3);
        assert_eq!(s.ok, None);
        assert_eq!(s.record(true), Some(true));
        assert_eq!(s.ok, Some(true));
        assert_eq!(s.record(true), None);
    }

    #[test]
    fn the_first_failure_is_reported_whatever_fall_says() {
        let mut s = state(false, 3, 3);
        assert_eq!(s.record(false), Some(false));
        assert_eq!(s.ok, Some(false));
        // From then on, rise applies.
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), Some(true));
    }

    #[test]
    fn init_fail_starts_failed_and_needs_rise_successes() {
        let mut s = state(true, 2, 1);
        assert_eq!(s.ok, Some(false));
        // Already failed: a failure reports nothing.
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), Some(true));
        let mut s = state(true, 1, 1);
        assert_eq!(s.record(true), Some(true));
    }

    #[test]
    fn rise_and_fall_count_runs_in_a_row() {
        let mut s = state(false, 2, 3);
        assert_eq!(s.record(true), Some(true));
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None); // a success resets the failures
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), Some(false));
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(false), None); // a failure resets the successes
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), Some(true));
        assert_eq!(s.ok, Some(true));
    }
}
