//! The scheduler's public types: ids, configuration, requests, state,
//! events and counters.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::outcome::{Admin, Outcome, WeightChange};
use crate::spec::CheckSpec;

/// Identifies one check (a unique spec) inside a [`Scheduler`](super::Scheduler).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(pub u64);

/// Identifies one subscription (one user of a check, e.g. one virtual
/// server's real server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubId(pub u64);

/// Identifies one probe attempt; results are matched to attempts by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttemptId {
    /// The check probed.
    pub check: CheckId,
    /// Sequence number, unique within the scheduler.
    pub seq: u64,
}

/// What [`Scheduler::subscribe`](super::Scheduler::subscribe) returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription, for [`Scheduler::unsubscribe`](super::Scheduler::unsubscribe) and in events.
    pub sub: SubId,
    /// The check it uses.
    pub check: CheckId,
    /// Whether the check already existed (another subscriber uses it).
    pub shared: bool,
}

/// Scheduler-wide settings.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Seed of the RNG behind `warmup` and `spread_percent` jitter; the same
    /// seed and inputs give the same schedule.
    pub seed: u64,
    /// Most probes in flight at once (at least 1).
    pub max_in_flight: usize,
    /// A check waiting this long or longer past its due time is reported as
    /// [`Event::Lag`] (more than 0).
    pub lag_threshold: Duration,
    /// How long after a probe's own deadline the scheduler stops waiting for
    /// its result and counts a timeout itself.
    pub result_grace: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            max_in_flight: 4096,
            lag_threshold: Duration::from_millis(100),
            result_grace: Duration::from_millis(500),
        }
    }
}

/// A probe the driver must start now.
#[derive(Debug, Clone)]
pub struct ProbeRequest {
    /// Hand this back with the result.
    pub attempt: AttemptId,
    /// What to probe.
    pub spec: Arc<CheckSpec>,
    /// When the probe must have given up (its hard deadline).
    pub deadline: Instant,
    /// When it was due; the start may be later under load.
    pub due: Instant,
    /// 0 for a regular probe, n for the n-th keepalived `retry` of a round.
    pub retry: u32,
}

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Serving.
    Up,
    /// Not serving.
    Down,
}

/// Current state of a check, from [`Scheduler::status`](super::Scheduler::status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Up or down.
    pub health: Health,
    /// Consecutive results counted toward the other state (failures while
    /// up, successes while down).
    pub pending: u32,
    /// The last outcome, if any probe finished.
    pub last: Option<Outcome>,
    /// When the last finished probe started and finished.
    pub last_timing: Option<(Instant, Instant)>,
    /// When the health last changed (`None`: never, it is the initial state).
    pub last_change: Option<Instant>,
    /// The last weight a probe asked for.
    pub weight: Option<WeightChange>,
    /// The last administrative state an agent asked for.
    pub admin: Option<Admin>,
    /// The last connection limit an agent asked for.
    pub maxconn: Option<u32>,
    /// Slowstart ramp, 1 to 100 percent of the weight (100 outside a ramp).
    pub slowstart_percent: u32,
    /// Probes finished (retries included, stale results excluded).
    pub probes: u64,
}

impl Status {
    /// The weight to use for a server configured with `configured`: the
    /// dynamic weight if any, scaled by the slowstart ramp (never below 1
    /// during a ramp of a non-zero weight, as HAProxy does), 0 when down or
    /// in maintenance or draining.
    pub fn effective_weight(&self, configured: u32) -> u32 {
        if self.health == Health::Down || matches!(self.admin, Some(Admin::Maint | Admin::Drain)) {
            return 0;
        }
        let w = self.weight.map_or(configured, |c| c.apply(configured));
        if self.slowstart_percent >= 100 || w == 0 {
            return w;
        }
        let scaled = u64::from(w) * u64::from(self.slowstart_percent) / 100;
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }
}

/// Something the driver should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A subscriber's check changed health.
    Transition {
        /// The subscriber told.
        sub: SubId,
        /// The check.
        check: CheckId,
        /// Previous health.
        from: Health,
        /// New health.
        to: Health,
        /// The outcome that decided it.
        outcome: Outcome,
        /// When that probe started.
        started: Instant,
        /// When its result was handled.
        finished: Instant,
    },
    /// A subscriber's check asked for a new weight, or a slowstart ramp
    /// stepped; see [`Status::effective_weight`].
    Weight {
        /// The subscriber told.
        sub: SubId,
        /// The check.
        check: CheckId,
        /// The dynamic weight now in force.
        weight: Option<WeightChange>,
        /// Slowstart ramp, percent.
        slowstart_percent: u32,
    },
    /// An agent asked for an administrative state.
    Admin {
        /// The subscriber told.
        sub: SubId,
        /// The check.
        check: CheckId,
        /// The state asked for.
        admin: Admin,
    },
    /// A check started, or still waits to start, this late.
    Lag {
        /// The late check.
        check: CheckId,
        /// How far past its due time.
        behind: Duration,
        /// Probes in flight at that moment.
        in_flight: usize,
    },
    /// A result came for an attempt that is no longer current; ignored.
    Stale {
        /// The attempt.
        attempt: AttemptId,
    },
}

/// Counters since the scheduler was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Probes handed out by [`Scheduler::poll_probe`](super::Scheduler::poll_probe).
    pub probes_started: u64,
    /// Results accepted.
    pub results: u64,
    /// Results ignored as stale.
    pub stale_results: u64,
    /// Attempts the scheduler timed out itself (no result by deadline + grace).
    pub lost_results: u64,
    /// [`Event::Lag`]s emitted.
    pub lag_events: u64,
    /// Largest delay seen between a probe's due time and its start (or its
    /// lag report while it still waited).
    pub max_lag: Duration,
}
