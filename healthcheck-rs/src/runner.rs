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
use crate::probe::Prober;
use crate::sched::{AttemptId, Event, Scheduler, SchedulerConfig, SubId, Subscription};
use crate::spec::CheckSpec;

/// Runs checks on tokio. See the [module docs](self).
#[derive(Debug)]
pub struct Runner {
    sched: Scheduler,
    prober: Arc<Prober>,
    tx: mpsc::UnboundedSender<(AttemptId, Outcome)>,
    rx: mpsc::UnboundedReceiver<(AttemptId, Outcome)>,
    tasks: JoinSet<()>,
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
        })
    }

    /// Starts (or joins) a check; see [`Scheduler::subscribe`].
    pub fn subscribe(&mut self, spec: CheckSpec) -> Result<Subscription, Error> {
        self.sched.subscribe(Instant::now(), spec)
    }

    /// Leaves a check; see [`Scheduler::unsubscribe`].
    pub fn unsubscribe(&mut self, sub: SubId) -> Result<(), Error> {
        self.sched.unsubscribe(sub)
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
            self.wait().await;
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
            let wake = tokio::time::Instant::from_std(until);
            tokio::select! {
                () = self.wait() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Handles due timers and starts due probes.
    fn step(&mut self) {
        let now = Instant::now();
        self.sched.handle_timeout(now);
        while let Some(req) = self.sched.poll_probe(now) {
            let prober = Arc::clone(&self.prober);
            let tx = self.tx.clone();
            self.tasks.spawn(async move {
                let outcome = prober.probe(&req.spec, req.deadline).await;
                let _ = tx.send((req.attempt, outcome));
            });
        }
        while self.tasks.try_join_next().is_some() {}
    }

    /// Waits for a probe result or the scheduler's next deadline.
    async fn wait(&mut self) {
        let next = self
            .sched
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
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
}
