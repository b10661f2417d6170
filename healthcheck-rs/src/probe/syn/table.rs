//! The probes in flight and their timers: the pure part of the SYN engine.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::Done;
use super::packet::{self, ReplyKind};
use crate::sched::AttemptId;

/// A probe in flight, found by who must answer and what it must
/// acknowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) server: IpAddr,
    pub(super) port: u16,
    pub(super) ack: u32,
}

/// The probes in flight. A reply completes one only if it comes from the
/// probed address and port, to the probe's source address (where the
/// family tells it), and acknowledges the probe's sequence number.
#[derive(Default)]
pub(super) struct Table {
    pub(super) probes: HashMap<Key, (IpAddr, Waiter)>,
}

/// Who learns a probe's answer.
pub(super) enum Waiter {
    /// A [`Engine::probe`](super::Engine::probe) future.
    One(oneshot::Sender<ReplyKind>),
    /// A probe of a [`Engine::launch`](super::Engine::launch) batch: the answer, or the deadline's
    /// timeout, goes to `done` as an outcome.
    Batch(Box<Launched>),
}

/// What a batch probe's outcome needs.
pub(super) struct Launched {
    pub(super) attempt: AttemptId,
    pub(super) target: SocketAddr,
    pub(super) timeout: Duration,
    pub(super) done: Done,
}

/// The batch probes' timers, in FIFO queues rather than a heap: probes
/// start in time order, so one queue of retransmissions (all [`RETRANSMIT`](super::RETRANSMIT)
/// after the start) and one queue of deadlines per distinct timeout are
/// each in time order too. Pushing and firing are O(1), and a timer of a
/// probe already answered costs one look-up when it fires.
#[derive(Default)]
pub(super) struct Timers {
    pub(super) retransmit: VecDeque<(Instant, Key)>,
    /// By timeout; a handful of distinct values in practice.
    pub(super) deadlines: Vec<(Duration, VecDeque<(Instant, Key)>)>,
}

impl Timers {
    pub(super) fn next(&self) -> Option<Instant> {
        let fronts = self.deadlines.iter().filter_map(|(_, q)| q.front());
        self.retransmit
            .front()
            .into_iter()
            .chain(fronts)
            .map(|(at, _)| *at)
            .min()
    }

    pub(super) fn push_deadline(&mut self, timeout: Duration, at: Instant, key: Key) {
        let i = match self.deadlines.iter().position(|(t, _)| *t == timeout) {
            Some(i) => i,
            None => {
                self.deadlines.push((timeout, VecDeque::new()));
                self.deadlines.len() - 1
            }
        };
        if let Some((_, q)) = self.deadlines.get_mut(i) {
            q.push_back((at, key));
        }
    }

    /// The next timer due at `now`, removed.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<(Fire, Key)> {
        if let Some(&(at, key)) = self.retransmit.front() {
            if at <= now {
                self.retransmit.pop_front();
                return Some((Fire::Retransmit, key));
            }
        }
        for (_, q) in &mut self.deadlines {
            if q.front().is_some_and(|(at, _)| *at <= now) {
                return q.pop_front().map(|(_, key)| (Fire::Deadline, key));
            }
        }
        // Forget the queues of timeouts no longer used.
        self.deadlines.retain(|(_, q)| !q.is_empty());
        None
    }
}

/// What a timer does when it fires (if its probe is still in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fire {
    Retransmit,
    Deadline,
}

impl Table {
    /// Files a probe of `server` from `local` under a fresh random
    /// sequence number; returns its key (whose `ack` is that number plus
    /// one).
    pub(super) fn register(&mut self, server: SocketAddr, local: IpAddr, waiter: Waiter) -> Key {
        // Bounded in practice: a collision needs the same server and the
        // same random number among the probes in flight.
        loop {
            let key = Key {
                server: server.ip(),
                port: server.port(),
                ack: fastrand::u32(..).wrapping_add(1),
            };
            if let std::collections::hash_map::Entry::Vacant(v) = self.probes.entry(key) {
                v.insert((local, waiter));
                return key;
            }
        }
    }

    /// Takes the probe `r` answers; `None` for a stray reply.
    pub(super) fn complete(&mut self, r: &packet::Reply) -> Option<Waiter> {
        let key = Key {
            server: r.from,
            port: r.sport,
            ack: r.ack,
        };
        let ours = self
            .probes
            .get(&key)
            .is_some_and(|(local, _)| r.to.is_none_or(|to| to == *local));
        ours.then(|| self.probes.remove(&key))
            .flatten()
            .map(|(_, w)| w)
    }

    pub(super) fn forget(&mut self, key: &Key) -> Option<(IpAddr, Waiter)> {
        self.probes.remove(key)
    }
}

#[cfg(test)]
mod tests {
    use super::packet::{Reply, ReplyKind};
    use super::*;

    fn reply(from: &str, to: Option<&str>, sport: u16, ack: u32, kind: ReplyKind) -> Reply {
        Reply {
            from: from.parse().unwrap(),
            to: to.map(|t| t.parse().unwrap()),
            sport,
            dport: 40000,
            ack,
            kind,
        }
    }

    #[test]
    fn only_the_exact_answer_completes_a_probe() {
        let mut t = Table::default();
        let (tx, mut rx) = oneshot::channel();
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let key = t.register(server, "127.0.0.2".parse().unwrap(), Waiter::One(tx));
        let a = key.ack;
        let syn_ack = ReplyKind::SynAck;
        // Wrong acknowledgment (a forged or older probe's reply), wrong
        // server port or address, to another of our addresses: stray.
        for r in [
            reply(
                "127.0.0.1",
                Some("127.0.0.2"),
                8080,
                a.wrapping_add(1),
                syn_ack,
            ),
            reply(
                "127.0.0.1",
                Some("127.0.0.2"),
                8080,
                a.wrapping_sub(1),
                syn_ack,
            ),
            reply("127.0.0.1", Some("127.0.0.2"), 8081, a, syn_ack),
            reply("127.0.0.9", Some("127.0.0.2"), 8080, a, syn_ack),
            reply("127.0.0.1", Some("127.0.0.3"), 8080, a, syn_ack),
        ] {
            assert!(t.complete(&r).is_none(), "{r:?}");
        }
        assert!(rx.try_recv().is_err(), "nothing delivered yet");
        let right = reply("127.0.0.1", Some("127.0.0.2"), 8080, a, ReplyKind::Reset);
        let Some(Waiter::One(done)) = t.complete(&right) else {
            panic!("the right reply found no probe");
        };
        done.send(ReplyKind::Reset).unwrap();
        assert_eq!(rx.try_recv().unwrap(), ReplyKind::Reset);
        // A duplicate of the answer finds the probe gone.
        assert!(t.complete(&right).is_none());
    }

    #[test]
    fn a_forgotten_probe_takes_no_reply() {
        let mut t = Table::default();
        let (tx, rx) = oneshot::channel();
        let key = t.register(
            "[::1]:443".parse().unwrap(),
            "::1".parse().unwrap(),
            Waiter::One(tx),
        );
        assert!(t.forget(&key).is_some());
        // IPv6 replies carry no destination address.
        let r = reply("::1", None, 443, key.ack, ReplyKind::SynAck);
        assert!(t.complete(&r).is_none());
        drop(rx);
        assert!(t.probes.is_empty());
    }

    #[test]
    fn due_timers_fire_in_one_pass_and_later_ones_wait() {
        let mut t = Timers::default();
        let t0 = Instant::now();
        let k = |ack| Key {
            server: IpAddr::from([127, 0, 0, 1]),
            port: 80,
            ack,
        };
        let ms = Duration::from_millis;
        t.retransmit.push_back((t0 + ms(1000), k(1)));
        t.push_deadline(ms(2000), t0 + ms(2000), k(1));
        t.push_deadline(ms(500), t0 + ms(500), k(2));
        t.push_deadline(ms(2000), t0 + ms(2100), k(3));
        assert_eq!(t.next(), Some(t0 + ms(500)));
        assert_eq!(t.pop_due(t0 + ms(499)), None);
        let mut fired = Vec::new();
        while let Some(f) = t.pop_due(t0 + ms(2050)) {
            fired.push(f);
        }
        assert_eq!(
            fired,
            [
                (Fire::Retransmit, k(1)),
                (Fire::Deadline, k(1)),
                (Fire::Deadline, k(2)),
            ]
        );
        assert_eq!(t.next(), Some(t0 + ms(2100)));
        assert_eq!(t.pop_due(t0 + ms(3000)), Some((Fire::Deadline, k(3))));
        assert_eq!(t.pop_due(t0 + ms(3000)), None);
        assert!(t.deadlines.is_empty(), "empty queues are dropped");
    }

    #[test]
    fn probes_of_one_server_get_distinct_numbers() {
        let mut t = Table::default();
        let server: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut keep = Vec::new();
        for _ in 0..1000 {
            let (tx, rx) = oneshot::channel();
            keep.push(rx);
            t.register(server, server.ip(), Waiter::One(tx));
        }
        assert_eq!(t.probes.len(), 1000);
    }
}
