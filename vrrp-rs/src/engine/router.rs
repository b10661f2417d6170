//! The router: instances by VRID, sync groups, and the quinn-style API.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::instance::Instance;
use super::{
    Command, ConfigError, DropReason, Event, InstanceConfig, InstanceId, Received, State, Stats,
    TransitionReason, Transmit,
};
use crate::wire::{Family, VRRP_TTL, WireError};

/// The VRRP engine of one host: any number of instances (each a VRID and a
/// family) and sync groups over them. No socket, no clock: see the crate docs
/// for the driver loop.
#[derive(Debug, Default)]
pub struct Router {
    instances: Vec<Instance>,
    groups: Vec<Vec<InstanceId>>,
    events: VecDeque<Event>,
    next_tx: usize,
    unknown_vrid_drops: u64,
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Router::default()
    }

    /// Adds an instance (in Initialize; send [`Command::Startup`] to start it).
    pub fn add_instance(&mut self, cfg: InstanceConfig) -> Result<InstanceId, ConfigError> {
        if let Some(other) = self
            .instances
            .iter()
            .find(|i| i.cfg.vrid == cfg.vrid && i.family() == cfg.family())
        {
            return Err(ConfigError::DuplicateVrid(other.cfg.name.clone(), cfg.name));
        }
        let id = InstanceId(self.instances.len());
        self.instances.push(Instance::new(id, cfg)?);
        Ok(id)
    }

    /// Declares a sync group: its members move to Master, Backup and Fault
    /// together (keepalived's `vrrp_sync_group`). An instance belongs to at
    /// most one group; a later group takes it from an earlier one.
    pub fn add_sync_group(&mut self, members: &[InstanceId]) -> Result<(), ConfigError> {
        if let Some(bad) = members.iter().find(|m| m.0 >= self.instances.len()) {
            return Err(ConfigError::UnknownInstance(bad.0));
        }
        for g in &mut self.groups {
            g.retain(|m| !members.contains(m));
        }
        self.groups.push(members.to_vec());
        Ok(())
    }

    /// Number of instances.
    pub fn len(&self) -> usize {
        self.instances.len()
    }

    /// Whether the router has no instance.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    fn get(&self, id: InstanceId) -> Option<&Instance> {
        self.instances.get(id.0)
    }

    /// State of an instance (`None` for an unknown id).
    pub fn state(&self, id: InstanceId) -> Option<State> {
        self.get(id).map(|i| i.state)
    }

    /// Current effective priority (configured priority adjusted by tracking).
    pub fn priority(&self, id: InstanceId) -> Option<u8> {
        self.get(id).map(Instance::priority)
    }

    /// The Master_Adver_Interval in use (v3: learned from the master).
    pub fn master_adver_interval(&self, id: InstanceId) -> Option<Duration> {
        self.get(id).map(Instance::master_adv)
    }

    /// Counters of an instance.
    pub fn stats(&self, id: InstanceId) -> Option<&Stats> {
        self.get(id).map(|i| &i.stats)
    }

    /// The configuration of an instance.
    pub fn config(&self, id: InstanceId) -> Option<&InstanceConfig> {
        self.get(id).map(|i| &i.cfg)
    }

    /// Adverts dropped because no instance has their VRID.
    pub fn unknown_vrid_drops(&self) -> u64 {
        self.unknown_vrid_drops
    }

    /// Handles a command. Errors are API misuse (unknown instance or tracked
    /// object); the router is unchanged then.
    pub fn handle_command(&mut self, now: Instant, cmd: Command) -> Result<(), ConfigError> {
        let id = match cmd {
            Command::Startup(id) | Command::Shutdown(id) => id,
            Command::InterfaceState { instance, .. } | Command::ScriptResult { instance, .. } => {
                instance
            }
        };
        let mark = self.events.len();
        let inst = self
            .instances
            .get_mut(id.0)
            .ok_or(ConfigError::UnknownInstance(id.0))?;
        match cmd {
            Command::Startup(_) => inst.startup(now, &mut self.events),
            Command::Shutdown(_) => inst.shutdown(&mut self.events),
            _ => {
                inst.track(cmd)?;
                self.sync_faults();
                for i in &mut self.instances {
                    i.reevaluate(now, &mut self.events);
                }
            }
        }
        self.sync_groups(now, mark);
        Ok(())
    }

    /// Handles a received VRRP packet. Hostile or foreign input is never an
    /// error: it is counted and surfaced as [`Event::Dropped`].
    pub fn handle_packet(&mut self, now: Instant, rx: &Received<'_>) {
        let family = if rx.src.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        let vrid = rx.payload.get(1).copied();
        let idx = vrid.and_then(|v| {
            self.instances
                .iter()
                .position(|i| i.cfg.vrid == v && i.family() == family)
        });
        let id = idx.map(InstanceId);
        let drop = |this: &mut Router, reason: DropReason| {
            if let Some(i) = idx {
                let s = &mut this.instances[i].stats;
                match reason {
                    DropReason::BadTtl(_) => s.drop_ttl += 1,
                    DropReason::VersionMismatch { .. } => s.drop_version += 1,
                    DropReason::Malformed(_) => s.drop_malformed += 1,
                    DropReason::AuthTypeMismatch { .. } | DropReason::AuthFailed => {
                        s.drop_auth += 1;
                    }
                    DropReason::IntervalMismatch { .. } | DropReason::ZeroInterval => {
                        s.drop_interval += 1;
                    }
                    DropReason::AddressMismatch => s.drop_addresses += 1,
                    _ => s.drop_other += 1,
                }
            } else {
                this.unknown_vrid_drops += 1;
            }
            this.events.push_back(Event::Dropped {
                instance: id,
                src: rx.src,
                reason,
            });
        };
        if rx.ttl != VRRP_TTL {
            return drop(self, DropReason::BadTtl(rx.ttl));
        }
        let Some(i) = idx else {
            let reason = match vrid {
                Some(v) => DropReason::UnknownVrid(v),
                None => DropReason::Malformed(WireError::Truncated {
                    len: rx.payload.len(),
                    need: 8,
                }),
            };
            return drop(self, reason);
        };
        match self.instances[i].validate(rx) {
            Err(reason) => drop(self, reason),
            Ok(adv) => {
                let mark = self.events.len();
                self.instances[i].handle_advert(now, rx.src, &adv, &mut self.events);
                self.sync_groups(now, mark);
            }
        }
    }

    /// Handles timer expiries; calling it early is a no-op.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mark = self.events.len();
        for i in &mut self.instances {
            i.handle_timeout(now, &mut self.events);
        }
        self.sync_groups(now, mark);
    }

    /// The next instant [`Router::handle_timeout`] must be called at.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.instances
            .iter()
            .filter_map(Instance::next_timeout)
            .min()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Writes the next packet to send into `buf` (cleared first) and returns
    /// its metadata. Instances take turns.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Transmit> {
        let n = self.instances.len();
        for k in 0..n {
            let i = (self.next_tx + k) % n;
            if self.instances[i].has_pending() {
                self.next_tx = (i + 1) % n;
                return self.instances[i].poll_transmit(buf);
            }
        }
        None
    }

    /// Propagates tracked faults to the other members of each sync group.
    fn sync_faults(&mut self) {
        for g in &self.groups {
            for &m in g {
                let other = g.iter().any(|&o| o != m && self.instances[o.0].own_fault);
                self.instances[m.0].group_fault = other;
            }
        }
    }

    /// Moves the members of a sync group along with the first of them that
    /// changed state on its own (events from `mark` on).
    fn sync_groups(&mut self, now: Instant, mark: usize) {
        if self.groups.is_empty() {
            return;
        }
        let moves: Vec<(InstanceId, State)> = self
            .events
            .iter()
            .skip(mark)
            .filter_map(|e| match e {
                Event::StateChanged {
                    instance,
                    to,
                    reason,
                    ..
                } if !matches!(reason, TransitionReason::SyncGroup { .. }) => {
                    Some((*instance, *to))
                }
                _ => None,
            })
            .collect();
        for (leader, to) in moves {
            let Some(g) = self.groups.iter().find(|g| g.contains(&leader)).cloned() else {
                continue;
            };
            let reason = TransitionReason::SyncGroup { leader };
            for m in g.into_iter().filter(|&m| m != leader) {
                let inst = &mut self.instances[m.0];
                match (to, inst.state) {
                    (State::Master, State::Backup) => {
                        inst.become_master(now, reason, &mut self.events);
                    }
                    (State::Backup, State::Master) => {
                        inst.become_backup(now, reason, &mut self.events);
                    }
                    _ => {}
                }
            }
        }
    }
}
