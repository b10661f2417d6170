//! One VRRP instance: the RFC 5798 state machine with keepalived's extensions.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use super::{
    Command, ConfigError, DropReason, Event, InstanceConfig, InstanceId, State, Stats,
    TransitionReason, Transmit, TransmitKind, master_down_interval,
};
use crate::wire::{
    self, AddrList, AdvertRepr, AuthType, ChecksumRule, Family, NeighborAdvertRepr, V2Auth, Version,
};

/// Timer kinds; each instance has a fixed table of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    Advert = 0,
    MasterDown = 1,
    Garp = 2,
}
const TIMERS: usize = 3;

/// A packet waiting for `poll_transmit`.
#[derive(Clone, Copy, Debug)]
enum Pending {
    Advert { priority: u8, dst: IpAddr },
    Garp(Ipv4Addr),
    Na(Ipv6Addr),
}

#[derive(Debug)]
pub(super) struct Instance {
    pub(super) id: InstanceId,
    pub(super) cfg: InstanceConfig,
    pub(super) state: State,
    started: bool,
    timers: [Option<Instant>; TIMERS],
    master_adv: Duration,
    priority: u8,
    ifaces_up: Vec<bool>,
    /// Each tracked script's status; `None` until its first result
    /// (keepalived's `SCRIPT_INIT_STATE_INIT`).
    scripts_ok: Vec<Option<bool>>,
    pub(super) own_fault: bool,
    pub(super) group_fault: bool,
    preempt_until: Option<Instant>,
    /// The next GARP timer expiry is a second burst of this many per
    /// address (after becoming master or a lower-priority advert); `None`:
    /// a refresh.
    garp_second_burst: Option<u32>,
    pending: VecDeque<Pending>,
    pub(super) stats: Stats,
}

impl Instance {
    pub(super) fn new(id: InstanceId, cfg: InstanceConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let mut i = Instance {
            id,
            state: State::Initialize,
            started: false,
            timers: [None; TIMERS],
            master_adv: cfg.advert_interval,
            priority: cfg.priority,
            ifaces_up: vec![true; cfg.track_interfaces],
            // As keepalived (without `init_fail`): a script's status is
            // unknown until its first result, and an unknown script neither
            // adds nor subtracts its weight; an instance with an unknown
            // weight-0 script waits in Initialize (see `startup`).
            scripts_ok: vec![None; cfg.track_scripts.len()],
            own_fault: false,
            group_fault: false,
            preempt_until: None,
            garp_second_burst: None,
            pending: VecDeque::new(),
            stats: Stats::default(),
            cfg,
        };
        i.priority = i.effective_priority();
        i.update_intervals();
        Ok(i)
    }

    pub(super) fn priority(&self) -> u8 {
        self.priority
    }

    pub(super) fn master_adv(&self) -> Duration {
        self.master_adv
    }

    pub(super) fn family(&self) -> Family {
        self.cfg.family()
    }

    fn update_intervals(&mut self) {
        let (mdi, skew) = master_down_interval(self.cfg.version, self.priority, self.master_adv);
        self.stats.master_down_interval = mdi;
        self.stats.skew_time = skew;
    }

    fn effective_priority(&self) -> u8 {
        if self.cfg.priority == 255 {
            return 255;
        }
        let mut p = i32::from(self.cfg.priority);
        for (s, ok) in self.cfg.track_scripts.iter().zip(&self.scripts_ok) {
            if (s.weight > 0 && *ok == Some(true)) || (s.weight < 0 && *ok == Some(false)) {
                p += i32::from(s.weight);
            }
        }
        p.clamp(1, 254) as u8
    }

    fn tracked_fault(&self) -> bool {
        self.ifaces_up.iter().any(|up| !up)
            || self
                .cfg
                .track_scripts
                .iter()
                .zip(&self.scripts_ok)
                .any(|(s, ok)| s.weight == 0 && *ok == Some(false))
    }

    /// A weight-0 script has not reported yet: keepalived keeps the
    /// instance in INIT until it has (`num_script_init`).
    fn scripts_pending(&self) -> bool {
        self.cfg
            .track_scripts
            .iter()
            .zip(&self.scripts_ok)
            .any(|(s, ok)| s.weight == 0 && ok.is_none())
    }

    pub(super) fn next_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }

    fn set(&mut self, t: Timer, at: Option<Instant>) {
        self.timers[t as usize] = at;
    }

    fn transition(&mut self, to: State, reason: TransitionReason, ev: &mut VecDeque<Event>) {
        let from = self.state;
        self.state = to;
        match to {
            State::Master => self.stats.master_transitions += 1,
            State::Backup => self.stats.backup_transitions += 1,
            State::Fault => self.stats.fault_transitions += 1,
            State::Initialize => {}
        }
        ev.push_back(Event::StateChanged {
            instance: self.id,
            from,
            to,
            reason,
        });
    }

    fn queue_adverts(&mut self, priority: u8) {
        if self.cfg.unicast_peers.is_empty() {
            let dst = match self.family() {
                Family::V4 => IpAddr::V4(wire::MCAST_V4),
                Family::V6 => IpAddr::V6(wire::MCAST_V6),
            };
            self.pending.push_back(Pending::Advert { priority, dst });
        } else {
            for i in 0..self.cfg.unicast_peers.len() {
                let dst = self.cfg.unicast_peers[i];
                self.pending.push_back(Pending::Advert { priority, dst });
            }
        }
    }

    fn queue_announcements(&mut self, repeat: u32) {
        for _ in 0..repeat {
            for vip in self.cfg.vips.iter() {
                self.pending.push_back(match vip {
                    IpAddr::V4(a) => Pending::Garp(a),
                    IpAddr::V6(a) => Pending::Na(a),
                });
            }
        }
    }

    pub(super) fn become_master(
        &mut self,
        now: Instant,
        reason: TransitionReason,
        ev: &mut VecDeque<Event>,
    ) {
        self.queue_adverts(self.priority);
        self.queue_announcements(self.cfg.garp.master_repeat);
        let g = self.cfg.garp;
        let next_garp = if !g.master_delay.is_zero() {
            Some(g.master_delay)
        } else {
            g.master_refresh
        };
        self.set(Timer::Garp, next_garp.map(|d| now + d));
        self.garp_second_burst = (!g.master_delay.is_zero()).then_some(g.master_repeat);
        self.set(Timer::Advert, Some(now + self.cfg.advert_interval));
        self.set(Timer::MasterDown, None);
        self.preempt_until = None;
        if self.master_adv != self.cfg.advert_interval {
            self.master_adv = self.cfg.advert_interval;
            self.update_intervals();
        }
        self.transition(State::Master, reason, ev);
    }

    pub(super) fn become_backup(
        &mut self,
        now: Instant,
        reason: TransitionReason,
        ev: &mut VecDeque<Event>,
    ) {
        self.set(Timer::Advert, None);
        self.set(Timer::Garp, None);
        self.set(
            Timer::MasterDown,
            Some(now + self.stats.master_down_interval),
        );
        self.transition(State::Backup, reason, ev);
    }

    fn enter_fault(&mut self, ev: &mut VecDeque<Event>) {
        if self.state == State::Master {
            self.queue_adverts(0);
        }
        self.timers = [None; TIMERS];
        self.transition(State::Fault, TransitionReason::Fault, ev);
    }

    /// The RFC Startup event.
    pub(super) fn startup(&mut self, now: Instant, ev: &mut VecDeque<Event>) {
        if self.started {
            return;
        }
        self.started = true;
        self.preempt_until = None;
        self.come_up(now, TransitionReason::Startup, ev);
    }

    /// Leaves Initialize (or Fault) for Fault, Master (owner) or Backup;
    /// stays in Initialize while a weight-0 script has not reported.
    fn come_up(&mut self, now: Instant, reason: TransitionReason, ev: &mut VecDeque<Event>) {
        if self.own_fault || self.group_fault {
            self.enter_fault(ev);
        } else if self.scripts_pending() {
            // Initialize until the first results.
        } else if self.cfg.priority == 255 {
            let reason = if reason == TransitionReason::Startup {
                TransitionReason::StartupOwner
            } else {
                reason
            };
            self.become_master(now, reason, ev);
        } else {
            self.master_adv = self.cfg.advert_interval;
            self.update_intervals();
            self.become_backup(now, reason, ev);
        }
    }

    pub(super) fn shutdown(&mut self, ev: &mut VecDeque<Event>) {
        if !self.started {
            return;
        }
        self.started = false;
        if self.state == State::Master {
            self.queue_adverts(0);
        }
        self.timers = [None; TIMERS];
        if self.state != State::Initialize {
            self.transition(State::Initialize, TransitionReason::Shutdown, ev);
        }
    }

    /// Applies a tracking command to this instance's tracked objects.
    pub(super) fn track(&mut self, cmd: Command) -> Result<(), ConfigError> {
        let unknown = |kind, index| ConfigError::UnknownTrack {
            instance: self.cfg.name.clone(),
            kind,
            index,
        };
        match cmd {
            Command::InterfaceState { index, up, .. } => {
                *self
                    .ifaces_up
                    .get_mut(index)
                    .ok_or_else(|| unknown("interface", index))? = up;
            }
            Command::ScriptResult { index, ok, .. } => {
                *self
                    .scripts_ok
                    .get_mut(index)
                    .ok_or_else(|| unknown("script", index))? = Some(ok);
            }
            _ => {}
        }
        self.own_fault = self.tracked_fault();
        Ok(())
    }

    /// Re-evaluates priority and fault after tracking changed.
    pub(super) fn reevaluate(&mut self, now: Instant, ev: &mut VecDeque<Event>) {
        self.own_fault = self.tracked_fault();
        let p = self.effective_priority();
        if p != self.priority {
            self.priority = p;
            self.update_intervals();
            ev.push_back(Event::PriorityChanged {
                instance: self.id,
                priority: p,
            });
        }
        if !self.started {
            return;
        }
        let fault = self.own_fault || self.group_fault;
        match self.state {
            State::Backup | State::Master if fault => self.enter_fault(ev),
            State::Fault if !fault => self.come_up(now, TransitionReason::FaultCleared, ev),
            // Started, waiting for the first results of weight-0 scripts.
            State::Initialize if fault || !self.scripts_pending() => {
                self.come_up(now, TransitionReason::Startup, ev);
            }
            _ => {}
        }
    }

    pub(super) fn handle_timeout(&mut self, now: Instant, ev: &mut VecDeque<Event>) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.timers[Timer::MasterDown as usize]) && self.state == State::Backup {
            self.become_master(now, TransitionReason::MasterDown, ev);
        }
        if due(self.timers[Timer::Advert as usize]) && self.state == State::Master {
            self.queue_adverts(self.priority);
            self.set(Timer::Advert, Some(now + self.cfg.advert_interval));
        }
        if due(self.timers[Timer::Garp as usize]) && self.state == State::Master {
            let g = self.cfg.garp;
            // The first expiry after becoming master (or after a
            // lower-priority advert) is the delayed second burst; later ones
            // are refreshes.
            let repeat = self.garp_second_burst.take().unwrap_or(g.refresh_repeat);
            self.queue_announcements(repeat);
            self.set(Timer::Garp, g.master_refresh.map(|d| now + d));
        }
        // A timer that expired in a state where it means nothing is dropped,
        // so that poll_timeout never reports a deadline in the past.
        for t in &mut self.timers {
            if t.is_some_and(|t| t <= now) {
                *t = None;
            }
        }
    }

    /// Validates a received advert for this instance, after the TTL and VRID
    /// checks, in RFC order; `Err` is the drop reason.
    pub(super) fn validate(&self, rx: &super::Received<'_>) -> Result<AdvertRepr, DropReason> {
        let cfg = &self.cfg;
        let theirs = rx.payload.first().map_or(0, |b| b >> 4);
        if theirs != cfg.version.number() && (theirs == 2 || theirs == 3) {
            return Err(DropReason::VersionMismatch {
                ours: cfg.version,
                theirs,
            });
        }
        let rule = ChecksumRule::for_version(cfg.version, rx.src, rx.dst, cfg.v3_checksum_as_v2);
        let adv =
            AdvertRepr::parse(rx.payload, self.family(), rule).map_err(DropReason::Malformed)?;
        if rx.src == cfg.primary {
            return Err(DropReason::OwnAdvert);
        }
        if cfg.priority == 255 {
            return Err(DropReason::OwnerConflict);
        }
        if cfg.version == Version::V2 {
            if adv.auth.auth_type != cfg.auth.auth_type {
                return Err(DropReason::AuthTypeMismatch {
                    ours: cfg.auth.auth_type.0,
                    theirs: adv.auth.auth_type.0,
                });
            }
            if cfg.auth.auth_type == AuthType::PASS && adv.auth.data != cfg.auth.data {
                return Err(DropReason::AuthFailed);
            }
            let ours = cfg.interval_field();
            if adv.interval != ours {
                return Err(DropReason::IntervalMismatch {
                    ours,
                    theirs: adv.interval,
                });
            }
        } else if adv.interval == 0 {
            return Err(DropReason::ZeroInterval);
        }
        if !same_set(&adv.addrs, &cfg.vips) {
            return Err(DropReason::AddressMismatch);
        }
        let group = match self.family() {
            Family::V4 => IpAddr::V4(wire::MCAST_V4),
            Family::V6 => IpAddr::V6(wire::MCAST_V6),
        };
        if cfg.unicast_peers.is_empty() != (rx.dst == group) {
            return Err(DropReason::WrongDestination(rx.dst));
        }
        if cfg.check_unicast_source
            && !cfg.unicast_peers.is_empty()
            && !cfg.unicast_peers.contains(&rx.src)
        {
            return Err(DropReason::UnknownPeer(rx.src));
        }
        if matches!(self.state, State::Initialize | State::Fault) {
            return Err(DropReason::NotListening);
        }
        Ok(adv)
    }

    fn learn_interval(&mut self, adv: &AdvertRepr, ev: &mut VecDeque<Event>) {
        if self.cfg.version == Version::V3 {
            let d = adv.interval_duration();
            if d != self.master_adv {
                self.master_adv = d;
                self.update_intervals();
                ev.push_back(Event::IntervalLearned {
                    instance: self.id,
                    interval: d,
                });
            }
        }
    }

    /// An advert that passed [`Instance::validate`].
    pub(super) fn handle_advert(
        &mut self,
        now: Instant,
        src: IpAddr,
        adv: &AdvertRepr,
        ev: &mut VecDeque<Event>,
    ) {
        self.stats.adverts_rx += 1;
        let ours = self.priority;
        match self.state {
            State::Backup => {
                if adv.priority == 0 {
                    self.stats.prio0_rx += 1;
                    self.set(Timer::MasterDown, Some(now + self.stats.skew_time));
                    return;
                }
                let mut accept = !self.cfg.preempt || adv.priority >= ours;
                if !accept && !self.cfg.preempt_delay.is_zero() {
                    match self.preempt_until {
                        None => {
                            let until = now + self.cfg.preempt_delay;
                            self.preempt_until = Some(until);
                            ev.push_back(Event::PreemptDelayStarted {
                                instance: self.id,
                                until,
                            });
                            accept = true;
                        }
                        Some(until) => accept = now < until,
                    }
                }
                if accept {
                    self.learn_interval(adv, ev);
                    self.set(
                        Timer::MasterDown,
                        Some(now + self.stats.master_down_interval),
                    );
                }
            }
            State::Master => {
                if adv.priority == 0 {
                    self.stats.prio0_rx += 1;
                    self.queue_adverts(ours);
                    self.set(Timer::Advert, Some(now + self.cfg.advert_interval));
                } else if adv.priority > ours || (adv.priority == ours && src > self.cfg.primary) {
                    self.learn_interval(adv, ev);
                    self.update_intervals();
                    self.become_backup(
                        now,
                        TransitionReason::HigherPriority {
                            priority: adv.priority,
                            src,
                        },
                        ev,
                    );
                } else {
                    // A lower-priority (or lower-address) advert: answer at once
                    // so that the sender sees a better master (keepalived does
                    // the same, "forcing new election").
                    self.queue_adverts(ours);
                    let g = self.cfg.garp;
                    self.queue_announcements(g.lower_prio_repeat);
                    if !g.lower_prio_delay.is_zero() {
                        self.garp_second_burst = Some(g.lower_prio_repeat);
                        self.set(Timer::Garp, Some(now + g.lower_prio_delay));
                    }
                    self.set(Timer::Advert, Some(now + self.cfg.advert_interval));
                }
            }
            State::Initialize | State::Fault => {}
        }
    }

    pub(super) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Writes the next pending packet into `buf`.
    pub(super) fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Transmit> {
        let p = self.pending.pop_front()?;
        buf.clear();
        let cfg = &self.cfg;
        let (kind, src, dst) = match p {
            Pending::Advert { priority, dst } => {
                let repr = AdvertRepr {
                    version: cfg.version,
                    vrid: cfg.vrid,
                    priority,
                    interval: cfg.interval_field(),
                    reserved: 0,
                    addrs: cfg.vips.clone(),
                    auth: if cfg.version == Version::V2 {
                        cfg.auth
                    } else {
                        V2Auth::NONE
                    },
                };
                let rule =
                    ChecksumRule::for_version(cfg.version, cfg.primary, dst, cfg.v3_checksum_as_v2);
                buf.resize(repr.buffer_len(), 0);
                let _ = repr.emit(buf, rule);
                self.stats.adverts_tx += 1;
                if priority == 0 {
                    self.stats.prio0_tx += 1;
                }
                (TransmitKind::Advert { priority }, cfg.primary, dst)
            }
            Pending::Garp(vip) => {
                buf.extend_from_slice(&wire::garp_frame(cfg.mac, vip));
                self.stats.garp_tx += 1;
                (
                    TransmitKind::Garp,
                    IpAddr::V4(vip),
                    IpAddr::V4(Ipv4Addr::BROADCAST),
                )
            }
            Pending::Na(vip) => {
                let na = NeighborAdvertRepr::unsolicited(cfg.mac, vip);
                buf.resize(na.buffer_len(), 0);
                let _ = na.emit(buf, vip, wire::ALL_NODES);
                self.stats.na_tx += 1;
                (
                    TransmitKind::NeighborAdvert,
                    IpAddr::V6(vip),
                    IpAddr::V6(wire::ALL_NODES),
                )
            }
        };
        Some(Transmit {
            instance: self.id,
            kind,
            src,
            dst,
            ttl: wire::VRRP_TTL,
            len: buf.len(),
        })
    }
}

/// Same addresses, in any order (keepalived compares as a set).
fn same_set(a: &AddrList, b: &AddrList) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}
