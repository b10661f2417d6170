//! A deterministic network simulator on virtual time for [`Router`]s.
//!
//! Every node is a [`Router`] on one shared segment. The simulator owns `now`
//! and jumps from deadline to deadline; links have a seeded loss rate, a base
//! delay plus seeded jitter (which reorders packets), and partitions. Adverts
//! go to every other live node (multicast) or to the node owning the unicast
//! destination; GARP and NA frames are only recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::{Command, ConfigError, Event, Received, Router, Transmit, TransmitKind};

/// Index of a node in a [`Sim`].
pub type NodeId = usize;

/// One packet a node sent, as recorded by the simulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Virtual time of sending.
    pub at: Instant,
    /// Sending node.
    pub node: NodeId,
    /// Metadata.
    pub tx: Transmit,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A packet in flight: sender, receiver, metadata, bytes.
type InFlight = (NodeId, NodeId, Transmit, Vec<u8>);

struct Node {
    router: Router,
    alive: bool,
}

/// The simulator. See the module docs.
pub struct Sim {
    now: Instant,
    nodes: Vec<Node>,
    queue: BTreeMap<(Instant, u64), InFlight>,
    seq: u64,
    rng: u64,
    loss_per_million: u32,
    delay: Duration,
    jitter: Duration,
    cut: BTreeSet<(NodeId, NodeId)>,
    /// Every event raised, with its virtual time and node.
    pub events: Vec<(Instant, NodeId, Event)>,
    /// Every packet sent.
    pub sent: Vec<Sent>,
}

impl Sim {
    /// A simulator starting at `start`, with the RNG seeded by `seed`; no
    /// loss, no partitions, 100 µs delay, no jitter.
    pub fn new(start: Instant, seed: u64) -> Sim {
        Sim {
            now: start,
            nodes: Vec::new(),
            queue: BTreeMap::new(),
            seq: 0,
            rng: seed ^ 0x9e37_79b9_7f4a_7c15,
            loss_per_million: 0,
            delay: Duration::from_micros(100),
            jitter: Duration::ZERO,
            cut: BTreeSet::new(),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// Virtual now.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Adds a node running `router`.
    pub fn add_node(&mut self, router: Router) -> NodeId {
        self.nodes.push(Node {
            router,
            alive: true,
        });
        self.nodes.len() - 1
    }

    /// The router of `node`.
    pub fn router(&self, node: NodeId) -> &Router {
        &self.nodes[node].router
    }

    /// Sets the probability that a packet is lost, 0.0..=1.0.
    pub fn set_loss(&mut self, p: f64) {
        self.loss_per_million = (p.clamp(0.0, 1.0) * 1e6) as u32;
    }

    /// Sets the one-way delay and the uniform extra jitter (which reorders).
    pub fn set_delay(&mut self, base: Duration, jitter: Duration) {
        self.delay = base;
        self.jitter = jitter;
    }

    /// Cuts the link between `a` and `b` (both directions).
    pub fn partition(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert((a.min(b), a.max(b)));
    }

    /// Restores every link.
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Crashes `node`: it stops sending, receiving and running timers, as if
    /// SIGKILLed. Packets in flight from it are still delivered.
    pub fn crash(&mut self, node: NodeId) {
        self.nodes[node].alive = false;
    }

    /// Sends a command to `node` at virtual now.
    pub fn command(&mut self, node: NodeId, cmd: Command) -> Result<(), ConfigError> {
        let now = self.now;
        self.nodes[node].router.handle_command(now, cmd)?;
        self.drain(node);
        Ok(())
    }

    /// Injects a packet to `node` at virtual now, as if received.
    pub fn inject(&mut self, node: NodeId, rx: &Received<'_>) {
        let now = self.now;
        self.nodes[node].router.handle_packet(now, rx);
        self.drain(node);
    }

    fn rand(&mut self) -> u64 {
        // SplitMix64.
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn owner_of(&self, addr: IpAddr) -> Option<NodeId> {
        self.nodes.iter().position(|n| {
            (0..n.router.len()).any(|i| {
                n.router
                    .config(crate::InstanceId(i))
                    .is_some_and(|c| c.primary == addr)
            })
        })
    }

    fn drain(&mut self, node: NodeId) {
        let mut buf = Vec::new();
        while let Some(tx) = self.nodes[node].router.poll_transmit(&mut buf) {
            self.sent.push(Sent {
                at: self.now,
                node,
                tx,
                bytes: buf.clone(),
            });
            if !matches!(tx.kind, TransmitKind::Advert { .. }) {
                continue;
            }
            let targets: Vec<NodeId> = if tx.dst.is_multicast() {
                (0..self.nodes.len()).filter(|&n| n != node).collect()
            } else {
                self.owner_of(tx.dst).into_iter().collect()
            };
            for to in targets {
                if self.cut.contains(&(node.min(to), node.max(to))) {
                    continue;
                }
                if self.loss_per_million > 0
                    && (self.rand() % 1_000_000) < u64::from(self.loss_per_million)
                {
                    continue;
                }
                let jitter_ns = self.jitter.as_nanos() as u64;
                let extra = if jitter_ns > 0 {
                    Duration::from_nanos(self.rand() % jitter_ns)
                } else {
                    Duration::ZERO
                };
                let at = self.now + self.delay + extra;
                self.seq += 1;
                self.queue
                    .insert((at, self.seq), (node, to, tx, buf.clone()));
            }
        }
        while let Some(ev) = self.nodes[node].router.poll_event() {
            self.events.push((self.now, node, ev));
        }
    }

    /// Runs until virtual time `until` (inclusive), processing every delivery
    /// and timer in order. Bounded: at most `max_steps` steps (deliveries or
    /// timer rounds); returns the number of steps taken.
    pub fn run_until(&mut self, until: Instant, max_steps: usize) -> usize {
        for step in 0..max_steps {
            let next_rx = self.queue.keys().next().map(|k| k.0);
            let next_timer = self
                .nodes
                .iter()
                .filter(|n| n.alive)
                .filter_map(|n| n.router.poll_timeout())
                .min();
            let next = match (next_rx, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => {
                        self.now = self.now.max(until);
                        return step;
                    }
                },
            };
            if next > until {
                self.now = self.now.max(until);
                return step;
            }
            self.now = self.now.max(next);
            if next_rx == Some(next) {
                let Some((_, (from, to, tx, bytes))) = self.queue.pop_first() else {
                    continue;
                };
                let _ = from;
                if self.nodes[to].alive {
                    let rx = Received {
                        src: tx.src,
                        dst: tx.dst,
                        ttl: tx.ttl,
                        payload: &bytes,
                    };
                    let now = self.now;
                    self.nodes[to].router.handle_packet(now, &rx);
                    self.drain(to);
                }
            } else {
                for n in 0..self.nodes.len() {
                    if self.nodes[n].alive
                        && self.nodes[n]
                            .router
                            .poll_timeout()
                            .is_some_and(|t| t <= self.now)
                    {
                        let now = self.now;
                        self.nodes[n].router.handle_timeout(now);
                        self.drain(n);
                    }
                }
            }
        }
        max_steps
    }

    /// Runs for `d` of virtual time (at most 1,000,000 steps).
    pub fn run_for(&mut self, d: Duration) -> usize {
        let until = self.now + d;
        self.run_until(until, 1_000_000)
    }
}
