//! [`Runner`]: the [`Scheduler`] driven on tokio with the [`Prober`].
//!
//! The runner is the IO edge: it reads the clock, spawns one task per probe
//! and feeds the results back. It is the driver loop of the crate docs,
//! packaged.
// The IO edge reads the clock; the scheduler it drives does not.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::error::Error;
use crate::outcome::Outcome;
use crate::probe::{Prober, syn};
use crate::sched::{AttemptId, Event, Scheduler, SchedulerConfig, SubId, Subscription};
use crate::spec::{CheckSpec, Probe};

/// Default wake-up granularity, see [`Runner::with_tick`].
pub const DEFAULT_TICK: Duration = Duration::from_millis(5);

/// Runs checks on tokio. See the [module docs](self).
#[derive(Debug)]
pub struct Runner {
    sched: Scheduler,
    prober: Arc<Prober>,
    tx: mpsc::UnboundedSender<(AttemptId, Outcome)>,
    rx: mpsc::UnboundedReceiver<(AttemptId, Outcome)>,
    tasks: JoinSet<()>,
    epoch: Instant,
    tick: Duration,
    /// The SYN probe engine once plain TCP checks went through it: its
    /// timers are fired from this loop.
    syn: Option<Arc<syn::Engine>>,
}

impl Runner {
    /// A runner with no checks. Must be used inside a tokio runtime.
    pub fn new(config: SchedulerConfig) -> Result<Self, Error> {
        let (tx, rx) = mpsc::unbounded_channel();
        Ok(Self {
            sched: Scheduler::new(config)?,
            prober: Arc::new(Prober::new()),
            tx,
            rx,
            tasks: JoinSet::new(),
            epoch: Instant::now(),
            tick: DEFAULT_TICK,
            syn: None,
        })
    }

    /// Wakes up for due checks only on multiples of `tick` (default 5 ms),
    /// so that checks due close together start in one batch: far fewer
    /// wake-ups at thousands of checks a second, for at most `tick` of
    /// delay. `Duration::ZERO` wakes exactly on each due time.
    #[must_use]
    pub fn with_tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    /// Starts (or joins) a check; see [`Scheduler::subscribe`].
    pub fn subscribe(&mut self, spec: CheckSpec) -> Result<Subscription, Error> {
        self.sched.subscribe(Instant::now(), spec)
    }

    /// Leaves a check; see [`Scheduler::unsubscribe`].
    pub fn unsubscribe(&mut self, sub: SubId) -> Result<(), Error> {
        self.sched.unsubscribe(sub)
    }

    /// The prober, for its getters ([`Prober::syn_stats`]) and settings
    /// ([`Prober::set_syn_probes`]).
    pub fn prober(&self) -> &Prober {
        &self.prober
    }

    /// The scheduler, for its getters.
    pub fn scheduler(&self) -> &Scheduler {
        &self.sched
    }

    /// Runs checks until the scheduler has an event, and returns it. Without
    /// any check it waits forever: wrap it in a timeout.
    pub async fn next_event(&mut self) -> Event {
        loop {
            if let Some(e) = self.sched.poll_event() {
                return e;
            }
            self.step();
            if let Some(e) = self.sched.poll_event() {
                return e;
            }
            self.wait(None).await;
        }
    }

    /// Runs checks until `until`, handing every event to `on_event` with the
    /// scheduler (to query state).
    pub async fn run_until(&mut self, until: Instant, mut on_event: impl FnMut(&Scheduler, Event)) {
        loop {
            self.step();
            while let Some(e) = self.sched.poll_event() {
                on_event(&self.sched, e);
            }
            if Instant::now() >= until {
                return;
            }
            self.wait(Some(until)).await;
        }
    }

    /// Handles due timers and starts due probes.
    fn step(&mut self) {
        let now = Instant::now();
        self.sched.handle_timeout(now);
        if let Some(engine) = &self.syn {
            engine.handle_timeout(now);
        }
        let mut syn: Option<(Arc<syn::Engine>, Vec<syn::Launch>)> = None;
        while let Some(req) = self.sched.poll_probe(now) {
            // Plain TCP checks that can go as SYN probes start as one batch,
            // without a task each.
            if let Probe::Tcp(c) = &req.spec.probe {
                let to = c.to.unwrap_or(req.spec.target);
                if let Some(engine) = syn
                    .as_ref()
                    .map(|(e, _)| Arc::clone(e))
                    .filter(|e| e.serves(to) && c.fwmark.is_none() && c.bind_port.is_none())
                    .or_else(|| self.prober.syn_engine(req.spec.target, c))
                {
                    let launch = syn::Launch {
                        attempt: req.attempt,
                        target: req.spec.target,
                        to,
                        bind: c.bind_ip,
                        timeout: req.spec.timing.timeout,
                        deadline: req.deadline,
                    };
                    syn.get_or_insert_with(|| (engine, Vec::new()))
                        .1
                        .push(launch);
                    continue;
                }
            }
            let prober = Arc::clone(&self.prober);
            let tx = self.tx.clone();
            self.tasks.spawn(async move {
                let outcome = prober.probe(&req.spec, req.deadline).await;
                let _ = tx.send((req.attempt, outcome));
            });
        }
        if let Some((engine, batch)) = syn {
            engine.launch(batch, &self.tx);
            if !self.syn.as_ref().is_some_and(|e| Arc::ptr_eq(e, &engine)) {
                // A new engine (the first, or after a runtime change): fire
                // the old one's timers once more, then let it go.
                if let Some(old) = self.syn.replace(engine) {
                    old.handle_timeout(now + Duration::from_secs(86_400 * 365));
                }
            }
        }
        while self.tasks.try_join_next().is_some() {}
    }

    /// Waits for a probe result, the scheduler's next deadline (rounded up
    /// to the tick) or `limit`.
    async fn wait(&mut self, limit: Option<Instant>) {
        let syn = self.syn.as_ref().and_then(|e| e.poll_timeout());
        let next = [self.sched.poll_timeout(), syn]
            .into_iter()
            .flatten()
            .min()
            .map(|t| self.coarse(t))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        let next = limit.map_or(next, |l| l.min(next));
        let next = tokio::time::Instant::from_std(next);
        tokio::select! {
            r = self.rx.recv() => {
                if let Some((attempt, outcome)) = r {
                    let now = Instant::now();
                    self.sched.handle_result(now, attempt, outcome);
                    while let Ok((attempt, outcome)) = self.rx.try_recv() {
                        self.sched.handle_result(now, attempt, outcome);
                    }
                }
            }
            () = tokio::time::sleep_until(next) => {}
        }
    }

    /// `t` rounded up to the next multiple of the tick since the epoch.
    fn coarse(&self, t: Instant) -> Instant {
        let tick = self.tick.as_nanos();
        if tick == 0 {
            return t;
        }
        let since = t.saturating_duration_since(self.epoch).as_nanos();
        let rounded = since.div_ceil(tick).saturating_mul(tick);
        self.epoch + Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
    }
}
