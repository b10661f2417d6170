//! The sans-IO scheduler: when each check runs and what its results mean.
//!
//! [`Scheduler`] owns no socket, task or clock. The driver feeds it time and
//! probe results and drains what it has to say:
//!
//! - handlers: [`Scheduler::subscribe`], [`Scheduler::unsubscribe`],
//!   [`Scheduler::handle_timeout`], [`Scheduler::handle_result`];
//! - pollers: [`Scheduler::poll_probe`] (the next probe to start),
//!   [`Scheduler::poll_event`], [`Scheduler::poll_timeout`];
//! - getters: [`Scheduler::status`], [`Scheduler::stats`], ...
//!
//! Identical [`CheckSpec`]s are one check: the second subscription shares the
//! first one's probes, state and events, which are fanned out to every
//! subscriber. At most [`SchedulerConfig::max_in_flight`] probes run at once;
//! a check that waits past its due time by more than
//! [`SchedulerConfig::lag_threshold`] (because the driver called late or the
//! concurrency bound was reached) produces an [`Event::Lag`], so falling
//! behind is never silent. A result whose attempt is no longer the current
//! one (it finished after the scheduler's own deadline, or its check was
//! removed) is ignored and reported as [`Event::Stale`].
//!
//! Timers: each check keeps a fixed table of its three timers (next probe,
//! in-flight deadline, slowstart step); a priority queue over all checks
//! finds the earliest, with entries that no longer match their table dropped
//! lazily. With thousands of checks a per-engine table alone would mean a
//! linear scan on every call. The queue is a few sorted FIFO runs (a
//! fixed-rate schedule pushes its timers mostly in time order) in front of a
//! binary heap, popping in exactly the heap's order at O(1) for most
//! timers.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::outcome::{FailKind, Outcome};
use crate::spec::{CheckSpec, InitialState};

mod slab;
mod timers;
mod types;

use slab::Slab;
use timers::Timers;
pub use types::{
    AttemptId, CheckId, Event, Health, ProbeRequest, SchedulerConfig, Stats, Status, SubId,
    Subscription,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Due = 0,
    Slowstart = 1,
}

#[derive(Debug)]
struct InFlight {
    seq: u64,
    started: Instant,
}

#[derive(Debug)]
struct Check {
    spec: Arc<CheckSpec>,
    subs: Vec<SubId>,
    timers: [Option<Instant>; 2],
    /// Waiting in the ready queue since this due time.
    queued: Option<Instant>,
    in_flight: Option<InFlight>,
    /// Due time of the first probe of the current round (retries excluded).
    round_due: Instant,
    retries_left: u32,
    retry_no: u32,
    lag_reported: Option<Instant>,
    slowstart_since: Option<Instant>,
    status: Status,
}

/// The sans-IO health-check scheduler. See the [module docs](self).
#[derive(Debug)]
pub struct Scheduler {
    config: SchedulerConfig,
    rng: fastrand::Rng,
    checks: Slab<Check>,
    /// In-flight deadlines in time order (entries for finished attempts
    /// are dropped when reached).
    deadlines: VecDeque<(Instant, CheckId, u64)>,
    by_spec: HashMap<Arc<CheckSpec>, CheckId>,
    subs: HashMap<SubId, CheckId>,
    heap: Timers<(Instant, CheckId, Timer)>,
    ready: VecDeque<CheckId>,
    in_flight: usize,
    events: VecDeque<Event>,
    stats: Stats,
    next_sub: u64,
    next_seq: u64,
}

impl Scheduler {
    /// A scheduler with no checks.
    pub fn new(config: SchedulerConfig) -> Result<Self, Error> {
        if config.max_in_flight == 0 {
            return Err(Error::InvalidConfig(
                "max_in_flight is 0: no probe could ever run (use at least 1)".to_owned(),
            ));
        }
        if config.lag_threshold.is_zero() {
            return Err(Error::InvalidConfig(
                "lag_threshold is 0: every probe would be reported late (use at least 1 ms)"
                    .to_owned(),
            ));
        }
        Ok(Self {
            rng: fastrand::Rng::with_seed(config.seed),
            config,
            checks: Slab::new(),
            deadlines: VecDeque::new(),
            by_spec: HashMap::new(),
            subs: HashMap::new(),
            heap: Timers::default(),
            ready: VecDeque::new(),
            in_flight: 0,
            events: VecDeque::new(),
            stats: Stats::default(),
            next_sub: 0,
            next_seq: 0,
        })
    }

    /// Starts checking `spec` for a new subscriber, or joins the existing
    /// identical check.
    pub fn subscribe(&mut self, now: Instant, spec: CheckSpec) -> Result<Subscription, Error> {
        validate(&spec)?;
        let sub = SubId(self.next_sub);
        self.next_sub += 1;
        if let Some(&id) = self.by_spec.get(&spec) {
            if let Some(check) = self.checks.get_mut(id) {
                check.subs.push(sub);
                self.subs.insert(sub, id);
                return Ok(Subscription {
                    sub,
                    check: id,
                    shared: true,
                });
            }
        }
        let t = &spec.timing;
        let (health, pending) = match t.initial {
            InitialState::FullyUp => (Health::Up, 0),
            InitialState::Up => (Health::Up, t.fall - 1),
            InitialState::Down => (Health::Down, t.rise - 1),
            InitialState::FullyDown => (Health::Down, 0),
        };
        let first = now + t.warmup.map_or(Duration::ZERO, |w| self.random_upto(w));
        let spec = Arc::new(spec);
        let check = Check {
            retries_left: spec.timing.retry,
            spec: Arc::clone(&spec),
            subs: vec![sub],
            timers: [None; 2],
            queued: None,
            in_flight: None,
            round_due: first,
            retry_no: 0,
            lag_reported: None,
            slowstart_since: None,
            status: Status {
                health,
                pending,
                last: None,
                last_timing: None,
                last_change: None,
                weight: None,
                admin: None,
                maxconn: None,
                slowstart_percent: 100,
                probes: 0,
            },
        };
        let id = self.checks.insert(check);
        self.by_spec.insert(spec, id);
        self.subs.insert(sub, id);
        self.set_timer(id, Timer::Due, Some(first));
        Ok(Subscription {
            sub,
            check: id,
            shared: false,
        })
    }

    /// Removes a subscription; the check stops when its last subscriber
    /// leaves, and a result still coming for it will be stale.
    pub fn unsubscribe(&mut self, sub: SubId) -> Result<(), Error> {
        let id = self
            .subs
            .remove(&sub)
            .ok_or(Error::UnknownSubscription(sub))?;
        let Some(check) = self.checks.get_mut(id) else {
            return Ok(());
        };
        check.subs.retain(|s| *s != sub);
        if check.subs.is_empty() {
            if let Some(check) = self.checks.remove(id) {
                if check.in_flight.is_some() {
                    self.in_flight -= 1;
                }
                if check.queued.is_some() {
                    self.ready.retain(|c| *c != id);
                }
                self.by_spec.remove(&check.spec);
            }
        }
        Ok(())
    }

    /// Advances time: moves due checks to the ready queue, times out probes
    /// whose result never came, steps slowstart ramps, reports lag. Calling it
    /// early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, id, timer)) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            let Some(check) = self.checks.get_mut(id) else {
                continue;
            };
            if check.timers[timer as usize] != Some(at) {
                continue;
            }
            check.timers[timer as usize] = None;
            match timer {
                Timer::Due => {
                    check.queued = Some(at);
                    self.ready.push_back(id);
                }
                Timer::Slowstart => self.step_slowstart(now, id),
            }
        }
        while let Some(&(at, id, seq)) = self.deadlines.front() {
            if at > now {
                break;
            }
            self.deadlines.pop_front();
            let Some(check) = self.checks.get_mut(id) else {
                continue;
            };
            if check.in_flight.as_ref().is_none_or(|f| f.seq != seq) {
                continue;
            }
            if let Some(f) = check.in_flight.take() {
                self.stats.lost_results += 1;
                let detail = format!(
                    "no result within the timeout of {:?} (+{:?} grace)",
                    check.spec.timing.timeout, self.config.result_grace
                );
                self.in_flight -= 1;
                self.finish(now, id, f.started, Outcome::fail(FailKind::Timeout, detail));
            }
        }
        self.report_queue_lag(now);
    }

    /// The next probe to start, if one is due and the concurrency bound
    /// allows. Call until `None` after every handler.
    pub fn poll_probe(&mut self, now: Instant) -> Option<ProbeRequest> {
        while self.in_flight < self.config.max_in_flight {
            let id = self.ready.pop_front()?;
            let Some(check) = self.checks.get_mut(id) else {
                continue;
            };
            let Some(due) = check.queued.take() else {
                continue;
            };
            let seq = self.next_seq;
            self.next_seq += 1;
            let deadline = now + check.spec.timing.timeout;
            check.in_flight = Some(InFlight { seq, started: now });
            let req = ProbeRequest {
                attempt: AttemptId { check: id, seq },
                spec: Arc::clone(&check.spec),
                deadline,
                due,
                retry: check.retry_no,
            };
            let grace = self.config.result_grace;
            self.in_flight += 1;
            self.stats.probes_started += 1;
            self.lag_check(now, id, due);
            self.push_deadline(deadline + grace, id, seq);
            return Some(req);
        }
        None
    }

    /// Hands in the result of a probe. A result for an attempt that is no
    /// longer current is ignored and reported as [`Event::Stale`].
    pub fn handle_result(&mut self, now: Instant, attempt: AttemptId, outcome: Outcome) {
        let current = self
            .checks
            .get(attempt.check)
            .and_then(|c| c.in_flight.as_ref())
            .is_some_and(|f| f.seq == attempt.seq);
        if !current {
            self.stats.stale_results += 1;
            self.events.push_back(Event::Stale { attempt });
            return;
        }
        let Some(check) = self.checks.get_mut(attempt.check) else {
            return;
        };
        let Some(f) = check.in_flight.take() else {
            return;
        };
        self.in_flight -= 1;
        self.stats.results += 1;
        self.finish(now, attempt.check, f.started, outcome);
    }

    /// The next thing the driver has to know, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Scheduler::handle_timeout`] must be called next. `None`: no
    /// check is scheduled.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some((at, id, timer)) = self.heap.peek() {
            let live = self
                .checks
                .get(id)
                .is_some_and(|c| c.timers[timer as usize] == Some(at));
            if live {
                break;
            }
            self.heap.pop();
        }
        // Drop deadlines of attempts that already finished.
        while let Some(&(_, id, seq)) = self.deadlines.front() {
            let live = self
                .checks
                .get(id)
                .and_then(|c| c.in_flight.as_ref())
                .is_some_and(|f| f.seq == seq);
            if live {
                break;
            }
            self.deadlines.pop_front();
        }
        let heap = self.heap.peek().map(|(at, _, _)| at);
        let deadline = self.deadlines.front().map(|d| d.0);
        let lag = self.next_queue_lag_report();
        [heap, deadline, lag].into_iter().flatten().min()
    }

    /// The state of a check.
    pub fn status(&self, check: CheckId) -> Option<&Status> {
        self.checks.get(check).map(|c| &c.status)
    }

    /// The check a subscription uses.
    pub fn check_of(&self, sub: SubId) -> Option<CheckId> {
        self.subs.get(&sub).copied()
    }

    /// The spec of a check.
    pub fn spec(&self, check: CheckId) -> Option<&Arc<CheckSpec>> {
        self.checks.get(check).map(|c| &c.spec)
    }

    /// The subscribers of a check.
    pub fn subscribers(&self, check: CheckId) -> &[SubId] {
        self.checks.get(check).map_or(&[], |c| &c.subs)
    }

    /// When a check's next probe is due (`None` while it waits or runs).
    pub fn next_due(&self, check: CheckId) -> Option<Instant> {
        self.checks
            .get(check)
            .and_then(|c| c.timers[Timer::Due as usize])
    }

    /// Number of distinct checks.
    pub fn check_count(&self) -> usize {
        self.checks.len()
    }

    /// Probes in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Checks due but not started (waiting for a concurrency slot).
    pub fn queued(&self) -> usize {
        self.ready.len()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Queues an in-flight deadline, keeping the queue in time order. With
    /// one timeout for all checks this is a push at the back; otherwise the
    /// entry moves back past the few later ones.
    fn push_deadline(&mut self, at: Instant, id: CheckId, seq: u64) {
        let pos = self
            .deadlines
            .iter()
            .rposition(|e| e.0 <= at)
            .map_or(0, |p| p + 1);
        self.deadlines.insert(pos, (at, id, seq));
    }

    fn set_timer(&mut self, id: CheckId, timer: Timer, at: Option<Instant>) {
        if let Some(check) = self.checks.get_mut(id) {
            check.timers[timer as usize] = at;
            if let Some(at) = at {
                self.heap.push((at, id, timer));
            }
        }
    }

    fn random_upto(&mut self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.u64(0..=nanos))
    }

    fn lag_check(&mut self, now: Instant, id: CheckId, due: Instant) {
        let behind = now.saturating_duration_since(due);
        self.stats.max_lag = self.stats.max_lag.max(behind);
        if behind < self.config.lag_threshold {
            return;
        }
        let Some(check) = self.checks.get_mut(id) else {
            return;
        };
        if check.lag_reported == Some(due) {
            return;
        }
        check.lag_reported = Some(due);
        self.stats.lag_events += 1;
        self.events.push_back(Event::Lag {
            check: id,
            behind,
            in_flight: self.in_flight,
        });
    }

    /// Reports checks that still wait in the ready queue past the threshold.
    /// The queue is in due order, so the scan stops at the first one in time.
    fn report_queue_lag(&mut self, now: Instant) {
        let mut late = Vec::new();
        for id in &self.ready {
            let Some(check) = self.checks.get(*id) else {
                continue;
            };
            let Some(due) = check.queued else { continue };
            if now.saturating_duration_since(due) < self.config.lag_threshold {
                break;
            }
            if check.lag_reported != Some(due) {
                late.push((*id, due));
            }
        }
        for (id, due) in late {
            self.lag_check(now, id, due);
        }
    }

    fn next_queue_lag_report(&self) -> Option<Instant> {
        self.ready.iter().find_map(|id| {
            let check = self.checks.get(*id)?;
            let due = check.queued?;
            (check.lag_reported != Some(due)).then(|| due + self.config.lag_threshold)
        })
    }

    fn finish(&mut self, now: Instant, id: CheckId, started: Instant, outcome: Outcome) {
        let Some(check) = self.checks.get_mut(id) else {
            return;
        };
        let timing = check.spec.timing.clone();
        check.status.probes += 1;
        check.status.last_timing = Some((started, now));
        let passed = outcome.passed();
        if !passed && check.retries_left > 0 {
            check.retries_left -= 1;
            check.retry_no += 1;
            check.status.last = Some(outcome);
            let at = now + timing.delay_before_retry;
            self.set_timer(id, Timer::Due, Some(at));
            return;
        }
        check.retries_left = timing.retry;
        check.retry_no = 0;
        let before = check.status.health;
        let st = &mut check.status;
        match (st.health, passed) {
            (Health::Up, true) | (Health::Down, false) => st.pending = 0,
            (Health::Up, false) => {
                st.pending += 1;
                if st.pending >= timing.fall {
                    st.health = Health::Down;
                    st.pending = 0;
                }
            }
            (Health::Down, true) => {
                st.pending += 1;
                if st.pending >= timing.rise {
                    st.health = Health::Up;
                    st.pending = 0;
                }
            }
        }
        let after = st.health;
        let mut weight_changed = false;
        if outcome.weight.is_some() && outcome.weight != st.weight {
            st.weight = outcome.weight;
            weight_changed = true;
        }
        let admin_changed = outcome.admin.filter(|a| st.admin != Some(*a));
        if let Some(a) = admin_changed {
            st.admin = Some(a);
        }
        if outcome.maxconn.is_some() {
            st.maxconn = outcome.maxconn;
        }
        // Cloned only when someone is told something (no allocation per result).
        let subs = if before != after || admin_changed.is_some() {
            check.subs.clone()
        } else {
            Vec::new()
        };
        if before != after {
            st.last_change = Some(now);
            match (after, timing.slowstart) {
                (Health::Up, Some(ramp)) if !ramp.is_zero() => {
                    check.slowstart_since = Some(now);
                    st.slowstart_percent = 1;
                    weight_changed = true;
                }
                _ => {
                    if check.slowstart_since.take().is_some() {
                        st.slowstart_percent = 100;
                    }
                }
            }
            for &sub in &subs {
                self.events.push_back(Event::Transition {
                    sub,
                    check: id,
                    from: before,
                    to: after,
                    outcome: outcome.clone(),
                    started,
                    finished: now,
                });
            }
        }
        let Some(check) = self.checks.get_mut(id) else {
            return;
        };
        check.status.last = Some(outcome);
        let slowstart_next = check
            .slowstart_since
            .and(timing.slowstart)
            .map(|ramp| now + slowstart_step(ramp));
        if let Some(a) = admin_changed {
            for &sub in &subs {
                self.events.push_back(Event::Admin {
                    sub,
                    check: id,
                    admin: a,
                });
            }
        }
        if weight_changed {
            self.push_weight_events(id);
        }
        if before != after {
            self.set_timer(id, Timer::Slowstart, slowstart_next);
        }
        self.schedule_next(now, id);
    }

    fn schedule_next(&mut self, now: Instant, id: CheckId) {
        let Some(check) = self.checks.get(id) else {
            return;
        };
        let t = &check.spec.timing;
        let st = &check.status;
        let base = match (st.health, st.pending) {
            (_, p) if p > 0 => t.fastinter.unwrap_or(t.interval),
            (Health::Down, _) => t.downinter.unwrap_or(t.interval),
            (Health::Up, _) => t.interval,
        };
        let spread = u64::from(t.spread_percent.min(50));
        let round_due = check.round_due;
        let interval = if spread == 0 {
            base
        } else {
            let span = base.as_nanos() * u128::from(spread) / 100;
            let span = u64::try_from(span).unwrap_or(u64::MAX / 2);
            let r = self.rng.u64(0..=span.saturating_mul(2));
            let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos((nanos + r).saturating_sub(span))
        };
        // Fixed rate from the round's due time; a probe that ran past the
        // next due time starts the next round at once.
        let next = (round_due + interval).max(now);
        if let Some(check) = self.checks.get_mut(id) {
            check.round_due = next;
        }
        self.set_timer(id, Timer::Due, Some(next));
    }

    fn step_slowstart(&mut self, now: Instant, id: CheckId) {
        let Some(check) = self.checks.get_mut(id) else {
            return;
        };
        let (Some(since), Some(ramp)) = (check.slowstart_since, check.spec.timing.slowstart) else {
            return;
        };
        let elapsed = now.saturating_duration_since(since);
        let pct = if elapsed >= ramp {
            100
        } else {
            let p = elapsed.as_nanos() * 100 / ramp.as_nanos().max(1);
            u32::try_from(p).unwrap_or(100).clamp(1, 100)
        };
        check.status.slowstart_percent = pct;
        let next = if pct >= 100 {
            check.slowstart_since = None;
            None
        } else {
            Some(now + slowstart_step(ramp))
        };
        self.set_timer(id, Timer::Slowstart, next);
        self.push_weight_events(id);
    }

    fn push_weight_events(&mut self, id: CheckId) {
        let Some(check) = self.checks.get(id) else {
            return;
        };
        for &sub in &check.subs {
            self.events.push_back(Event::Weight {
                sub,
                check: id,
                weight: check.status.weight,
                slowstart_percent: check.status.slowstart_percent,
            });
        }
    }
}

/// The ramp moves in twentieths, as HAProxy's warmup task does, but not more
/// often than every 100 ms.
fn slowstart_step(ramp: Duration) -> Duration {
    (ramp / 20).max(Duration::from_millis(100))
}

fn validate(spec: &CheckSpec) -> Result<(), Error> {
    let t = &spec.timing;
    let bad = |what: &str| {
        Err(Error::InvalidSpec {
            target: spec.target,
            what: what.to_owned(),
        })
    };
    if t.interval.is_zero() {
        return bad("interval is 0 (use at least 1 ms)");
    }
    if t.fastinter.is_some_and(|d| d.is_zero()) || t.downinter.is_some_and(|d| d.is_zero()) {
        return bad("fastinter or downinter is 0 (use at least 1 ms, or leave unset)");
    }
    if t.timeout.is_zero() {
        return bad("timeout is 0 (use at least 1 ms)");
    }
    if t.rise == 0 || t.fall == 0 {
        return bad("rise and fall must be at least 1");
    }
    if t.spread_percent > 50 {
        return bad("spread_percent is above 50 (HAProxy allows 0 to 50)");
    }
    if let Some(problem) = spec.probe.problem() {
        return bad(&problem);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
