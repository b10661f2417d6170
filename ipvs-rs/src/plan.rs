//! A pure difference between two IPVS tables.

use std::collections::BTreeMap;

use crate::model::{
    DestKey, DestSettings, Destination, Service, ServiceKey, ServiceSettings, Stats,
};

/// One service of a table: its settings and destinations.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DesiredService {
    /// The service's settings.
    pub settings: ServiceSettings,
    /// Its destinations.
    pub dests: BTreeMap<DestKey, DestSettings>,
}

/// An IPVS table without counters: what a control plane wants, or what the
/// kernel has.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Table {
    /// Services by key.
    pub services: BTreeMap<ServiceKey, DesiredService>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// A table from services and their destinations (counters dropped).
    pub fn from_parts(parts: impl IntoIterator<Item = (Service, Vec<Destination>)>) -> Table {
        let mut t = Table::new();
        for (svc, dests) in parts {
            t.services.insert(
                svc.key,
                DesiredService {
                    settings: svc.settings,
                    dests: dests.into_iter().map(|d| (d.key, d.settings)).collect(),
                },
            );
        }
        t
    }

    /// Adds or replaces a service.
    pub fn insert_service(&mut self, svc: &Service) {
        self.services.entry(svc.key).or_default().settings = svc.settings.clone();
    }

    /// Adds or replaces a destination; `false` if the service is not there.
    pub fn insert_dest(&mut self, svc: &ServiceKey, dest: &Destination) -> bool {
        match self.services.get_mut(svc) {
            Some(s) => {
                s.dests.insert(dest.key, dest.settings);
                true
            }
            None => false,
        }
    }

    /// Applies one operation to this model, the way the kernel would;
    /// `false` where the kernel would refuse it (the model is then unchanged).
    pub fn apply_op(&mut self, op: &Op) -> bool {
        match op {
            Op::AddService(s) => {
                if self.services.contains_key(&s.key) {
                    return false;
                }
                self.insert_service(s);
                true
            }
            Op::EditService(s) => match self.services.get_mut(&s.key) {
                Some(d) => {
                    d.settings = s.settings.clone();
                    true
                }
                None => false,
            },
            Op::DelService(k) => self.services.remove(k).is_some(),
            Op::AddDest(k, d) => match self.services.get_mut(k) {
                Some(s) if !s.dests.contains_key(&d.key) => {
                    s.dests.insert(d.key, d.settings);
                    true
                }
                _ => false,
            },
            Op::EditDest(k, d) => match self
                .services
                .get_mut(k)
                .and_then(|s| s.dests.get_mut(&d.key))
            {
                Some(cur) => {
                    *cur = d.settings;
                    true
                }
                None => false,
            },
            Op::DelDest(k, d) => self
                .services
                .get_mut(k)
                .is_some_and(|s| s.dests.remove(d).is_some()),
        }
    }

    /// The number of services and destinations.
    pub fn len(&self) -> (usize, usize) {
        (
            self.services.len(),
            self.services.values().map(|s| s.dests.len()).sum(),
        )
    }

    /// Whether the table has no service.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

/// One change to an IPVS table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Add a service.
    AddService(Service),
    /// Change a service's settings.
    EditService(Service),
    /// Delete a service (and its destinations).
    DelService(ServiceKey),
    /// Add a destination to a service.
    AddDest(ServiceKey, Destination),
    /// Change a destination's settings.
    EditDest(ServiceKey, Destination),
    /// Delete a destination.
    DelDest(ServiceKey, DestKey),
}

/// How [`plan()`] removes things.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Drain before deleting: a destination to remove that still has a
    /// non-zero weight gets weight 0 instead, and a service to remove whose
    /// destinations are not all drained gets its destinations drained first.
    /// Planning again later (once connections are gone) deletes them.
    pub drain: bool,
}

fn service(key: ServiceKey, settings: &ServiceSettings) -> Service {
    Service {
        key,
        settings: settings.clone(),
        stats: Stats::default(),
    }
}

fn dest(key: DestKey, settings: DestSettings) -> Destination {
    Destination {
        key,
        settings,
        active_conns: 0,
        inactive_conns: 0,
        persist_conns: 0,
        stats: Stats::default(),
    }
}

/// The operations that turn `actual` into `desired`: deletions first, then
/// additions and edits. Minimal: nothing when the tables are equal (kernel-set
/// flag bits ignored), an edit where an edit suffices.
pub fn plan(desired: &Table, actual: &Table, opts: PlanOptions) -> Vec<Op> {
    // Both tables are sorted by key: one merged walk of each level, no
    // look-ups. Order: services to delete, then other deletions, then
    // additions and edits, each in key order.
    let mut svc_dels = Vec::new();
    let mut dels = Vec::new();
    let mut adds = Vec::new();
    let drain = |key: ServiceKey, dk: DestKey, ds: &DestSettings| {
        Op::EditDest(key, dest(dk, DestSettings { weight: 0, ..*ds }))
    };
    for (want, cur) in join(&desired.services, &actual.services) {
        match (want, cur) {
            (None, Some((key, cur))) => {
                let mut live = cur.dests.iter().filter(|(_, d)| d.weight != 0).peekable();
                if opts.drain && live.peek().is_some() {
                    svc_dels.extend(live.map(|(dk, ds)| drain(*key, *dk, ds)));
                } else {
                    svc_dels.push(Op::DelService(*key));
                }
            }
            (Some((key, want)), None) => {
                adds.push(Op::AddService(service(*key, &want.settings)));
                for (dk, ds) in &want.dests {
                    adds.push(Op::AddDest(*key, dest(*dk, *ds)));
                }
            }
            (Some((key, want)), Some((_, cur))) => {
                if !want.settings.same_as(&cur.settings) {
                    adds.push(Op::EditService(service(*key, &want.settings)));
                }
                if want.dests == cur.dests {
                    continue; // the common case: one linear comparison
                }
                for (w, c) in join(&want.dests, &cur.dests) {
                    match (w, c) {
                        (None, Some((dk, ds))) if opts.drain && ds.weight != 0 => {
                            dels.push(drain(*key, *dk, ds));
                        }
                        (None, Some((dk, _))) => dels.push(Op::DelDest(*key, *dk)),
                        (Some((dk, ds)), None) => adds.push(Op::AddDest(*key, dest(*dk, *ds))),
                        (Some((dk, ds)), Some((_, c))) if ds != c => {
                            adds.push(Op::EditDest(*key, dest(*dk, *ds)));
                        }
                        _ => {}
                    }
                }
            }
            (None, None) => {}
        }
    }
    svc_dels.extend(dels);
    svc_dels.extend(adds);
    svc_dels
}

/// One map's entry for a key of [`join`], if it has one.
type Side<'a, K, V> = Option<(&'a K, &'a V)>;

/// The entries of two sorted maps side by side, in key order: each key once,
/// with its value in `a`, in `b`, or both.
fn join<'a, K: Ord, A, B>(
    a: &'a BTreeMap<K, A>,
    b: &'a BTreeMap<K, B>,
) -> impl Iterator<Item = (Side<'a, K, A>, Side<'a, K, B>)> {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    std::iter::from_fn(move || {
        let side = match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        };
        Some(match side {
            std::cmp::Ordering::Less => (a.next(), None),
            std::cmp::Ordering::Greater => (None, b.next()),
            std::cmp::Ordering::Equal => (a.next(), b.next()),
        })
    })
}

#[cfg(test)]
mod tests;
