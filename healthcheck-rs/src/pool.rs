//! What keepalived's checker process does to IPVS when health changes,
//! without IO: real servers in and out of the pool, `inhibit_on_failure`
//! (weight 0 instead of removal), quorum with hysteresis and the sorry
//! server, and dynamic weights (`misc_dynamic`, `FILE_CHECK`).
//!
//! The rules are keepalived 2.2's `ipwrapper.c`: a real server is alive
//! when all its checkers are up; it is in the pool when alive and either the
//! quorum is up or no sorry server is in; the quorum is gained when the
//! alive weight reaches `quorum + hysteresis` and lost when it falls below
//! `quorum - hysteresis` (or to 0), which swaps every alive real server for
//! the sorry server and back. The model keeps the desired [`Table`] and
//! each change is the [`ipvs::plan`] between the table before and after.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use crate::WeightChange;
use crate::convert::{KeepalivedCheck, real_server_addr};
use ipvs::{
    AddressFamily, DesiredService, DestKey, DestSettings, Forwarding, Op, PlanOptions, Protocol,
    ServiceFlags, ServiceKey, ServiceSettings, Table,
};
use lbconf::keepalived::{Config, VirtualServer as VsConfig, VsTarget};

/// Why a configuration cannot become a [`Pool`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}; fix the virtual_server in the configuration")]
pub struct PoolError(pub String);

/// IPVS's largest weight (`IPVS_WEIGHT_LIMIT`).
const WEIGHT_LIMIT: i64 = 65_535;

/// One thing that happened because of a health or weight change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A real server became alive (`to`) or not.
    RealServer {
        /// Virtual server index.
        vs: usize,
        /// Real server index.
        rs: usize,
        /// Alive now.
        to: bool,
    },
    /// A virtual server gained (`up`) or lost its quorum.
    Quorum {
        /// Virtual server index.
        vs: usize,
        /// Quorum state now.
        up: bool,
        /// Sum of the alive real servers' weights.
        weight_sum: i64,
        /// The threshold it was compared with.
        threshold: i64,
    },
    /// An IPVS operation keepalived would make.
    Ipvs(Op),
}

#[derive(Debug, Clone)]
struct Check {
    /// Index of the checker in its real server's block.
    checker: usize,
    up: bool,
    weight: Option<WeightChange>,
}

/// A real server of the pool.
#[derive(Debug, Clone)]
pub struct RealServer {
    /// Address and port in IPVS.
    pub addr: SocketAddr,
    /// Configured weight.
    pub weight: u32,
    /// Its checkers' keywords, in order.
    pub checkers: Vec<&'static str>,
    forwarding: Forwarding,
    inhibit: bool,
    checks: Vec<Check>,
    /// All checkers up.
    pub alive: bool,
}

impl RealServer {
    /// The weight after dynamic changes, clamped as keepalived's
    /// `real_weight` (0 to 65535).
    pub fn effective_weight(&self) -> u32 {
        let mut w = i64::from(self.weight);
        for change in self.checks.iter().filter_map(|c| c.weight) {
            w = match change {
                WeightChange::Absolute(a) => i64::from(a),
                WeightChange::Delta(d) => w.saturating_add(d),
                WeightChange::Percent(p) => w.saturating_mul(i64::from(p)) / 100,
            };
        }
        u32::try_from(w.clamp(0, WEIGHT_LIMIT)).unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
struct Sorry {
    addr: SocketAddr,
    forwarding: Forwarding,
    inhibit: bool,
    alive: bool,
}

/// A virtual server of the pool.
#[derive(Debug, Clone)]
pub struct VirtualServer {
    /// keepalived's name for it (`198.18.0.1:80/TCP`, `FWM 7`, `[group]`).
    pub name: String,
    /// Its IPVS services (several for a `virtual_server group`) and their
    /// settings.
    pub services: Vec<(ServiceKey, ServiceSettings)>,
    quorum: i64,
    hysteresis: i64,
    /// Quorum state.
    pub quorum_up: bool,
    sorry: Option<Sorry>,
    /// Its real servers, in configuration order.
    pub real_servers: Vec<RealServer>,
}

/// The checker process's view of every virtual server: keepalived's pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The virtual servers, in configuration order.
    pub virtual_servers: Vec<VirtualServer>,
}

fn forwarding(kind: Option<&str>) -> Forwarding {
    match kind {
        Some("DR") => Forwarding::ROUTE,
        Some("TUN") => Forwarding::TUNNEL,
        _ => Forwarding::MASQ,
    }
}

impl Pool {
    /// The model of `config` with the checks converted from it, before any
    /// probe ran: servers whose checkers start down (`alpha`) are not alive.
    ///
    /// # Errors
    ///
    /// A virtual server that cannot become IPVS services (a group that is
    /// not defined, a sorry server without an address, ...).
    pub fn new(config: &Config, checks: &[KeepalivedCheck]) -> Result<Pool, PoolError> {
        let mut by_server: HashMap<(usize, usize), Vec<&KeepalivedCheck>> = HashMap::new();
        for c in checks {
            by_server
                .entry((c.virtual_server, c.real_server))
                .or_default()
                .push(c);
        }
        let mut virtual_servers = Vec::new();
        for (v, vs) in config.virtual_servers.iter().enumerate() {
            let keys = service_keys(config, vs).map_err(PoolError)?;
            let mut services = Vec::new();
            for key in keys {
                let mut settings = ipvs::Service::new(
                    key,
                    vs.lb_algo.as_ref().map_or("wlc", |a| a.value.as_str()),
                )
                .settings;
                if let Some(t) = &vs.persistence_timeout {
                    settings.timeout = t.value;
                    settings.flags |= ServiceFlags::PERSISTENT;
                }
                if vs.ops {
                    settings.flags |= ServiceFlags::ONE_PACKET;
                }
                services.push((key, settings));
            }
            let vs_weight = vs
                .weight
                .as_ref()
                .map_or(1, |w| u32::try_from(w.value).unwrap_or(1));
            let vs_fwd = vs.lb_kind.as_ref().map(|k| k.value.as_str());
            let mut real_servers = Vec::new();
            for (r, rs) in vs.real_servers.iter().enumerate() {
                let theirs = by_server.get(&(v, r)).map_or(&[][..], Vec::as_slice);
                let mine: Vec<Check> = theirs
                    .iter()
                    .map(|c| Check {
                        checker: c.checker,
                        up: c.spec.timing.initial != crate::InitialState::Down
                            && c.spec.timing.initial != crate::InitialState::FullyDown,
                        weight: None,
                    })
                    .collect();
                real_servers.push(RealServer {
                    addr: real_server_addr(vs, rs),
                    checkers: theirs.iter().map(|c| c.kind).collect(),
                    weight: rs
                        .weight
                        .as_ref()
                        .map_or(vs_weight, |w| u32::try_from(w.value).unwrap_or(0)),
                    forwarding: forwarding(rs.lvs_method().map(|m| m.value.as_str()).or(vs_fwd)),
                    inhibit: rs.inhibit_on_failure || vs.inhibit_on_failure,
                    alive: mine.iter().all(|c| c.up),
                    checks: mine,
                });
            }
            let sorry = match &vs.sorry_server {
                Some(s) => {
                    let mut words = s.value.split_whitespace();
                    let ip: IpAddr =
                        words.next().and_then(|w| w.parse().ok()).ok_or_else(|| {
                            PoolError(format!("sorry_server {:?} has no address", s.value))
                        })?;
                    let vs_port = match &vs.target.value {
                        VsTarget::Addr(_, port) => *port,
                        VsTarget::Fwmark(_) | VsTarget::Group(_) => 0,
                    };
                    let port = words.next().and_then(|p| p.parse().ok()).unwrap_or(vs_port);
                    Some(Sorry {
                        addr: SocketAddr::new(ip, port),
                        forwarding: forwarding(
                            vs.sorry_server_lvs_method
                                .as_ref()
                                .map(|m| m.value.as_str())
                                .or(vs_fwd),
                        ),
                        inhibit: vs.sorry_server_inhibit,
                        alive: false,
                    })
                }
                None => None,
            };
            // check_data.c: the quorum cannot exceed the total weight, and
            // the hysteresis must stay below the quorum.
            let total: i64 = real_servers.iter().map(|r| i64::from(r.weight)).sum();
            let quorum = vs
                .quorum
                .as_ref()
                .map_or(1, |q| i64::from(q.value))
                .min(total);
            let hysteresis = vs
                .hysteresis
                .as_ref()
                .map_or(0, |h| i64::from(h.value))
                .min((quorum - 1).max(0));
            virtual_servers.push(VirtualServer {
                name: service_name(vs),
                services,
                quorum,
                hysteresis,
                quorum_up: true,
                sorry,
                real_servers,
            });
        }
        Ok(Pool { virtual_servers })
    }

    /// Sets a checker's state before [`Pool::start`], as keepalived does
    /// with the `FILE_CHECK` files it reads while loading the configuration.
    pub fn preset(
        &mut self,
        vs: usize,
        rs: usize,
        checker: usize,
        up: bool,
        weight: Option<WeightChange>,
    ) {
        let Some(rs) = self
            .virtual_servers
            .get_mut(vs)
            .and_then(|v| v.real_servers.get_mut(rs))
        else {
            return;
        };
        if let Some(c) = rs.checks.iter_mut().find(|c| c.checker == checker) {
            c.up = up;
            c.weight = weight;
        }
        rs.alive = rs.checks.iter().all(|c| c.up);
    }

    /// Sets the initial quorum states and returns what keepalived does at
    /// start: the quorum decisions and every operation that builds the
    /// table from nothing.
    pub fn start(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        for v in 0..self.virtual_servers.len() {
            let vs = &mut self.virtual_servers[v];
            vs.quorum_up = weight_sum(vs) >= vs.quorum + vs.hysteresis;
            self.update_quorum(v, true, &mut out);
        }
        let plan = ipvs::plan(&self.table(), &Table::new(), PlanOptions::default());
        out.extend(plan.into_iter().map(Change::Ipvs));
        out
    }

    /// What keepalived does to IPVS when it stops: it removes its virtual
    /// services (and with them their destinations).
    pub fn stop(&self) -> Vec<Change> {
        ipvs::plan(&Table::new(), &self.table(), PlanOptions::default())
            .into_iter()
            .map(Change::Ipvs)
            .collect()
    }

    /// A checker of real server `rs` of virtual server `vs` went up or down.
    pub fn set_health(&mut self, vs: usize, rs: usize, checker: usize, up: bool) -> Vec<Change> {
        self.change(vs, rs, checker, |c| c.up = up)
    }

    /// A checker asked for a weight (or stopped asking, `None`).
    pub fn set_weight(
        &mut self,
        vs: usize,
        rs: usize,
        checker: usize,
        weight: Option<WeightChange>,
    ) -> Vec<Change> {
        self.change(vs, rs, checker, |c| c.weight = weight)
    }

    fn change(
        &mut self,
        v: usize,
        r: usize,
        checker: usize,
        f: impl FnOnce(&mut Check),
    ) -> Vec<Change> {
        let before = self.table();
        let mut out = Vec::new();
        let Some(rs) = self
            .virtual_servers
            .get_mut(v)
            .and_then(|vs| vs.real_servers.get_mut(r))
        else {
            return out;
        };
        if let Some(c) = rs.checks.iter_mut().find(|c| c.checker == checker) {
            f(c);
        }
        let alive = rs.checks.iter().all(|c| c.up);
        if alive != rs.alive {
            rs.alive = alive;
            out.push(Change::RealServer {
                vs: v,
                rs: r,
                to: alive,
            });
        }
        self.update_quorum(v, false, &mut out);
        let after = self.table();
        out.extend(
            ipvs::plan(&after, &before, PlanOptions::default())
                .into_iter()
                .map(Change::Ipvs),
        );
        out
    }

    /// keepalived's `update_quorum_state`.
    fn update_quorum(&mut self, v: usize, init: bool, out: &mut Vec<Change>) {
        let Some(vs) = self.virtual_servers.get_mut(v) else {
            return;
        };
        let sum = weight_sum(vs);
        let threshold = vs.quorum
            + if vs.quorum_up {
                -vs.hysteresis
            } else {
                vs.hysteresis
            };
        let sorry_alive = vs.sorry.as_ref().is_some_and(|s| s.alive);
        if !vs.quorum_up && sum >= threshold {
            vs.quorum_up = true;
            if let Some(s) = vs.sorry.as_mut() {
                s.alive = false;
            }
            out.push(Change::Quorum {
                vs: v,
                up: true,
                weight_sum: sum,
                threshold,
            });
        } else if (vs.quorum_up && (sum == 0 || sum < threshold))
            || (init && !vs.quorum_up && vs.sorry.is_some() && !sorry_alive)
        {
            vs.quorum_up = false;
            if let Some(s) = vs.sorry.as_mut() {
                s.alive = true;
            }
            out.push(Change::Quorum {
                vs: v,
                up: false,
                weight_sum: sum,
                threshold,
            });
        }
    }

    /// The IPVS table keepalived would have now.
    pub fn table(&self) -> Table {
        let mut table = Table::new();
        for vs in &self.virtual_servers {
            let mut svc = DesiredService::default();
            let sorry_in = vs.sorry.as_ref().is_some_and(|s| s.alive);
            let dest = |addr: SocketAddr, forwarding, weight| {
                (
                    DestKey {
                        addr: addr.ip(),
                        port: addr.port(),
                    },
                    DestSettings {
                        forwarding,
                        weight,
                        ..DestSettings::default()
                    },
                )
            };
            for rs in &vs.real_servers {
                let in_pool = rs.alive && (vs.quorum_up || !sorry_in);
                if in_pool {
                    let (k, d) = dest(rs.addr, rs.forwarding, rs.effective_weight());
                    svc.dests.insert(k, d);
                } else if rs.inhibit {
                    let (k, d) = dest(rs.addr, rs.forwarding, 0);
                    svc.dests.insert(k, d);
                }
            }
            if let Some(s) = &vs.sorry {
                if s.alive || s.inhibit {
                    let (k, d) = dest(s.addr, s.forwarding, u32::from(s.alive));
                    svc.dests.insert(k, d);
                }
            }
            for (key, settings) in &vs.services {
                table.services.insert(
                    *key,
                    DesiredService {
                        settings: settings.clone(),
                        dests: svc.dests.clone(),
                    },
                );
            }
        }
        table
    }
}

/// keepalived's name of a virtual server.
fn service_name(vs: &VsConfig) -> String {
    match &vs.target.value {
        VsTarget::Addr(ip, port) => format!(
            "{}/{}",
            SocketAddr::new(*ip, *port),
            vs.protocol.as_ref().map_or("TCP", |p| p.value.as_str())
        ),
        VsTarget::Fwmark(mark) => format!("FWM {mark}"),
        VsTarget::Group(name) => format!("[{name}]"),
    }
}

fn protocol(vs: &VsConfig) -> Protocol {
    match vs.protocol.as_ref().map(|p| p.value.as_str()) {
        Some("UDP") => Protocol::UDP,
        Some("SCTP") => Protocol::SCTP,
        _ => Protocol::TCP,
    }
}

/// The family of a fwmark service: `ip_family`, else its first real
/// server's, else IPv4.
fn fwmark_family(vs: &VsConfig) -> AddressFamily {
    match vs.ip_family.as_ref().map(|f| f.value.as_str()) {
        Some("inet6") => AddressFamily::INET6,
        Some(_) => AddressFamily::INET,
        None => vs.real_servers.first().map_or(AddressFamily::INET, |rs| {
            AddressFamily::of(rs.address.value)
        }),
    }
}

/// The IPVS services of a virtual server: one, or one per address (and
/// port) of its `virtual_server_group`, ranges `A.B.C.D-E` expanded on the
/// last byte (IPv4) or the last group of 16 bits (IPv6).
fn service_keys(config: &Config, vs: &VsConfig) -> Result<Vec<ServiceKey>, String> {
    let name = match &vs.target.value {
        VsTarget::Addr(ip, port) => {
            return Ok(vec![ServiceKey::Addr {
                protocol: protocol(vs),
                addr: *ip,
                port: *port,
            }]);
        }
        VsTarget::Fwmark(mark) => return Ok(vec![ServiceKey::fwmark(*mark, fwmark_family(vs))]),
        VsTarget::Group(name) => name,
    };
    let group = config
        .virtual_server_groups
        .iter()
        .find(|g| g.name.value == *name)
        .ok_or_else(|| format!("virtual_server group {name}: no virtual_server_group {name}"))?;
    let mut keys = Vec::new();
    for m in &group.members {
        let first = m.args.first().map(|a| a.value.as_str());
        if m.keyword.value == "fwmark" {
            let mark = first
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| format!("virtual_server_group {name}: `fwmark` without a mark"))?;
            keys.push(ServiceKey::fwmark(mark, fwmark_family(vs)));
            continue;
        }
        let port = first.and_then(|p| p.parse().ok()).unwrap_or(0);
        let text = m.keyword.value.as_str();
        let (start, end) = text.split_once('-').unwrap_or((text, ""));
        let start: IpAddr = start
            .parse()
            .map_err(|_| format!("virtual_server_group {name}: `{text}` is not an address"))?;
        let addrs: Vec<IpAddr> = match (start, end) {
            (_, "") => vec![start],
            (IpAddr::V4(a), e) => {
                let [x, y, z, lo] = a.octets();
                let hi: u8 = e
                    .parse()
                    .map_err(|_| format!("virtual_server_group {name}: bad range `{text}`"))?;
                (lo..=hi).map(|d| IpAddr::from([x, y, z, d])).collect()
            }
            (IpAddr::V6(a), e) => {
                let mut seg = a.segments();
                let lo = seg[7];
                let hi = u16::from_str_radix(e, 16)
                    .map_err(|_| format!("virtual_server_group {name}: bad range `{text}`"))?;
                (lo..=hi)
                    .map(|d| {
                        seg[7] = d;
                        IpAddr::from(seg)
                    })
                    .collect()
            }
        };
        keys.extend(addrs.into_iter().map(|addr| ServiceKey::Addr {
            protocol: protocol(vs),
            addr,
            port,
        }));
    }
    Ok(keys)
}

/// The alive real servers' weights (keepalived's `weigh_live_realservers`).
fn weight_sum(vs: &VirtualServer) -> i64 {
    vs.real_servers
        .iter()
        .filter(|r| r.alive)
        .map(|r| i64::from(r.effective_weight()))
        .sum()
}

#[cfg(test)]
mod tests;
