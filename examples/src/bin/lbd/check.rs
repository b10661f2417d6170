//! `lbd --check --dry-run`: the configuration's health checkers, as
//! keepalived's checker process (`keepalived -C`) runs them, without
//! touching IPVS.
//!
//! The configuration is read through `lbconf` (a file `keepalived -t` would
//! reject is refused with its diagnostics), every `real_server` checker is
//! converted with `healthcheck::convert::keepalived` and run by
//! `healthcheck::runner::Runner`. Every line on stdout is one JSON object:
//!
//! - `{"event":"start", ...}`: the virtual servers (with their IPVS
//!   services: one per address of a `virtual_server_group`), their real
//!   servers (alive or not: `alpha` starts them down), quorum state and the
//!   initial IPVS `table`;
//! - `{"event":"ipvs","op":"add_service"|"add_dest"|"edit_dest"|"del_dest"|"del_service"}`:
//!   each change keepalived would make to IPVS, at start, after every
//!   change below, and when it stops (its services removed), with the
//!   `reason`;
//! - `{"event":"real_server", ...}`: a real server became alive or not,
//!   with the checker and the outcome that decided it and its timing;
//! - `{"event":"quorum", ...}`: a virtual server gained or lost its quorum;
//! - `{"event":"weight", ...}`: a checker asked for a weight
//!   (`misc_dynamic`, `FILE_CHECK`);
//! - `{"event":"stop","reason":...}` last.
//!
//! Logs (checker transitions that do not change a real server, scheduler
//! lag) go to stderr. Nothing else happens: no IPVS change, no notify or
//! quorum script, no SMTP alert. Driving IPVS for real is the daemon's job.

use std::process::ExitCode;
use std::time::Instant;

use healthcheck::convert::{self, KeepalivedCheck};
use healthcheck::runner::Runner;
use healthcheck::{Event, Health, Outcome, SchedulerConfig, SubId, Verdict};
use ipvs::{DestKey, Destination, Op, ServiceKey};
use lbconf::keepalived;
use serde_json::{Value, json};

use crate::Args;
use healthcheck::pool::{Change, Pool};

/// Runs the health checkers of `args.file`.
pub(crate) fn run(args: &Args) -> ExitCode {
    if !args.dry_run {
        eprintln!(
            "lbd: --check without --dry-run would drive IPVS, which is the daemon's job and not \
             built yet; run `lbd --check --dry-run -f {}` to see what it would do",
            args.file.display()
        );
        return ExitCode::from(2);
    }
    let opts = keepalived::Options {
        config_id: args.config_id.clone(),
        interfaces: None,
        host_names: None,
    };
    let parsed = keepalived::parse_file(&args.file, &opts);
    if !keepalived::accepted(&parsed) {
        for d in &parsed.diagnostics {
            eprintln!("{}", lbconf::render(d, &parsed.sources));
        }
        eprintln!(
            "lbd: {} would be rejected by keepalived -t; fix the errors above",
            args.file.display()
        );
        return ExitCode::from(1);
    }
    let checks = match convert::keepalived(&parsed) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                eprintln!("lbd: {e}");
            }
            eprintln!(
                "lbd: {} checker option(s) of {} cannot be run; change or remove them",
                errors.len(),
                args.file.display()
            );
            return ExitCode::from(1);
        }
    };
    let pool = match Pool::new(&parsed.value, &checks) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("lbd: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lbd: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(Driver::new(checks, pool).run(args))
}

/// Why the run ended.
enum Stop {
    Duration,
    Signal(&'static str),
}

struct Driver {
    checks: Vec<KeepalivedCheck>,
    /// Subscription → index in `checks`.
    subs: std::collections::HashMap<SubId, usize>,
    pool: Pool,
    epoch: Instant,
    lag: LagLog,
}

/// Scheduler lag, logged at most once a second: with thousands of checks
/// one line per late check would flood stderr.
struct LagLog {
    since: Instant,
    count: u64,
    max: std::time::Duration,
    in_flight: usize,
}

impl LagLog {
    fn record(&mut self, behind: std::time::Duration, in_flight: usize) {
        self.count += 1;
        self.max = self.max.max(behind);
        self.in_flight = self.in_flight.max(in_flight);
        if self.since.elapsed() >= std::time::Duration::from_secs(1) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.count > 0 {
            eprintln!(
                "lbd: {} check(s) started late in the last {:.1} s (up to {:?} behind, {} in flight); \
                 the host may be overloaded",
                self.count,
                self.since.elapsed().as_secs_f64(),
                self.max,
                self.in_flight
            );
        }
        *self = LagLog::new();
    }

    fn new() -> Self {
        Self {
            since: Instant::now(),
            count: 0,
            max: std::time::Duration::ZERO,
            in_flight: 0,
        }
    }
}

impl Driver {
    fn new(checks: Vec<KeepalivedCheck>, pool: Pool) -> Self {
        Self {
            checks,
            subs: std::collections::HashMap::new(),
            pool,
            epoch: Instant::now(),
            lag: LagLog::new(),
        }
    }

    async fn run(mut self, args: &Args) -> ExitCode {
        use tokio::signal::unix::{SignalKind, signal};
        let (mut int, mut term) = match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(i), Ok(t)) => (i, t),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("lbd: cannot handle SIGINT/SIGTERM: {e}");
                return ExitCode::from(1);
            }
        };
        let mut runner = match Runner::new(SchedulerConfig::default()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("lbd: {e}");
                return ExitCode::from(1);
            }
        };
        // Every spec is checked before anything is printed; the checks are
        // subscribed after the (possibly long) start lines, so that their
        // first due times are not already behind.
        let mut validate = match healthcheck::Scheduler::new(SchedulerConfig::default()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("lbd: {e}");
                return ExitCode::from(1);
            }
        };
        let now = Instant::now();
        for c in &self.checks {
            if let Err(e) = validate.subscribe(now, c.spec.clone()) {
                eprintln!("lbd: {} of {}: {e}", c.kind, c.real_server_addr);
                return ExitCode::from(1);
            }
        }
        drop(validate);
        self.read_track_files();
        let start = self.pool.start();
        emit(&self.start_line(&args.file));
        self.report(&start, "start", None);
        for (i, c) in self.checks.iter().enumerate() {
            match runner.subscribe(c.spec.clone()) {
                Ok(s) => {
                    self.subs.insert(s.sub, i);
                }
                Err(e) => {
                    eprintln!("lbd: {} of {}: {e}", c.kind, c.real_server_addr);
                    return ExitCode::from(1);
                }
            }
        }
        let deadline = args.duration.map(|d| tokio::time::Instant::now() + d);
        // Whether SYN probes could be set up is known after the first TCP
        // check: look once a second until then.
        let mut syn_told = false;
        let mut syn_poll = tokio::time::interval(std::time::Duration::from_secs(1));
        let stop = loop {
            tokio::select! {
                event = runner.next_event() => self.handle(event),
                _ = syn_poll.tick(), if !syn_told => {
                    syn_told = tell_syn_fallback(&runner.prober().syn_stats());
                }
                _ = int.recv() => break Stop::Signal("SIGINT"),
                _ = term.recv() => break Stop::Signal("SIGTERM"),
                () = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                } => break Stop::Duration,
            }
        };
        self.lag.flush();
        let end = self.pool.stop();
        self.report(&end, "stop", None);
        let reason = match stop {
            Stop::Duration => "duration".to_owned(),
            Stop::Signal(s) => s.to_owned(),
        };
        emit(&json!({"event": "stop", "reason": reason, "at_ms": self.ms(Instant::now())}));
        ExitCode::SUCCESS
    }

    /// keepalived reads each `FILE_CHECK` file while loading the
    /// configuration, so the first table already has their states and
    /// weights; an unreadable file is left to the first probe.
    fn read_track_files(&mut self) {
        for c in &self.checks {
            let healthcheck::Probe::File(f) = &c.spec.probe else {
                continue;
            };
            match std::fs::read(&f.path) {
                Ok(content) => {
                    let o = healthcheck::reply::proto::file_outcome(&content, f.weight, f.reverse);
                    self.pool.preset(
                        c.virtual_server,
                        c.real_server,
                        c.checker,
                        o.passed(),
                        o.weight,
                    );
                }
                Err(e) => eprintln!(
                    "lbd: FILE_CHECK of {}: cannot read {} yet ({e}); the first check will",
                    c.real_server_addr,
                    f.path.display()
                ),
            }
        }
    }

    fn ms(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    fn vs_name(&self, v: usize) -> String {
        self.pool
            .virtual_servers
            .get(v)
            .map_or_else(String::new, |vs| vs.name.clone())
    }

    fn start_line(&self, file: &std::path::Path) -> Value {
        let vss: Vec<Value> = self
            .pool
            .virtual_servers
            .iter()
            .map(|vs| {
                let rss: Vec<Value> = vs
                    .real_servers
                    .iter()
                    .map(|rs| {
                        json!({
                            "real_server": rs.addr.to_string(),
                            "weight": rs.weight,
                            "alive": rs.alive,
                            "checkers": rs.checkers,
                        })
                    })
                    .collect();
                json!({
                    "virtual_server": vs.name,
                    "services": vs.services.iter().map(|(k, _)| service_json(k)).collect::<Vec<_>>(),
                    "quorum_up": vs.quorum_up,
                    "real_servers": rss,
                })
            })
            .collect();
        json!({
            "event": "start",
            "config": file.display().to_string(),
            "checks": self.checks.len(),
            "virtual_servers": vss,
            "table": table_json(&self.pool.table()),
        })
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Transition {
                sub,
                from,
                to,
                outcome,
                started,
                finished,
                ..
            } => {
                let Some(&i) = self.subs.get(&sub) else {
                    return;
                };
                let c = &self.checks[i];
                let (v, r, k, kind) = (c.virtual_server, c.real_server, c.checker, c.kind);
                eprintln!(
                    "lbd: {kind} of {} in {}: {} -> {}: {outcome}",
                    c.real_server_addr,
                    self.vs_name(v),
                    health(from),
                    health(to)
                );
                let changes = self.pool.set_health(v, r, k, to == Health::Up);
                let cause = Cause {
                    check: i,
                    outcome: &outcome,
                    started,
                    finished,
                };
                self.report(&changes, &format!("{kind} {}", health(to)), Some(&cause));
            }
            Event::Weight { sub, weight, .. } => {
                let Some(&i) = self.subs.get(&sub) else {
                    return;
                };
                let c = &self.checks[i];
                let (v, r, k) = (c.virtual_server, c.real_server, c.checker);
                let w = weight.map(|w| format!("{w:?}"));
                emit(&json!({
                    "event": "weight",
                    "virtual_server": self.vs_name(v),
                    "real_server": c.real_server_addr.to_string(),
                    "checker": c.kind,
                    "weight": w,
                }));
                let changes = self.pool.set_weight(v, r, k, weight);
                self.report(&changes, &format!("{} weight", c.kind), None);
            }
            Event::Lag {
                behind, in_flight, ..
            } => self.lag.record(behind, in_flight),
            Event::Admin { .. } | Event::Stale { .. } => {}
        }
    }

    /// Prints the lines for `changes`.
    fn report(&self, changes: &[Change], reason: &str, cause: Option<&Cause<'_>>) {
        for change in changes {
            let line = match change {
                Change::RealServer { vs, rs, to } => {
                    let addr = self.pool.virtual_servers[*vs].real_servers[*rs].addr;
                    let mut line = json!({
                        "event": "real_server",
                        "virtual_server": self.vs_name(*vs),
                        "real_server": addr.to_string(),
                        "from": if *to { "down" } else { "up" },
                        "to": if *to { "up" } else { "down" },
                    });
                    if let Some(c) = cause {
                        line["checker"] = json!(self.checks[c.check].kind);
                        line["outcome"] = outcome_json(c.outcome);
                        line["started_ms"] = json!(self.ms(c.started));
                        line["took_ms"] = json!(
                            u64::try_from(
                                c.finished.saturating_duration_since(c.started).as_millis()
                            )
                            .unwrap_or(u64::MAX)
                        );
                    }
                    line
                }
                Change::Quorum {
                    vs,
                    up,
                    weight_sum,
                    threshold,
                } => json!({
                    "event": "quorum",
                    "virtual_server": self.vs_name(*vs),
                    "up": up,
                    "weight_sum": weight_sum,
                    "threshold": threshold,
                }),
                Change::Ipvs(op) => {
                    let mut line = op_json(op);
                    line["reason"] = json!(reason);
                    line
                }
            };
            emit(&line);
        }
    }
}

/// The probe result behind a transition.
struct Cause<'a> {
    check: usize,
    outcome: &'a Outcome,
    started: Instant,
    finished: Instant,
}

fn emit(line: &Value) {
    println!("{line}");
}

fn health(h: Health) -> &'static str {
    match h {
        Health::Up => "up",
        Health::Down => "down",
    }
}

fn outcome_json(o: &Outcome) -> Value {
    match &o.verdict {
        Verdict::Pass => json!({"passed": true}),
        Verdict::Fail { kind, detail } => {
            json!({"passed": false, "kind": format!("{kind:?}"), "detail": detail})
        }
    }
}

/// `198.18.0.1:80/TCP` or `FWM 7` (keepalived's way of naming a service).
fn service_name(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => format!("{}/{protocol:?}", std::net::SocketAddr::new(*addr, *port)),
        ServiceKey::Fwmark { mark, .. } => format!("FWM {mark}"),
    }
}

fn service_json(key: &ServiceKey) -> Value {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => json!({"protocol": format!("{protocol:?}"), "addr": addr.to_string(), "port": port}),
        ServiceKey::Fwmark { mark, family } => {
            json!({"fwmark": mark, "family": format!("{family:?}")})
        }
    }
}

fn dest_json(d: &Destination) -> Value {
    json!({
        "real_server": std::net::SocketAddr::new(d.key.addr, d.key.port).to_string(),
        "weight": d.settings.weight,
        "forwarding": forwarding_name(d.settings.forwarding),
    })
}

/// keepalived's `lvs_method` names.
fn forwarding_name(f: ipvs::Forwarding) -> String {
    match f {
        ipvs::Forwarding::MASQ => "NAT".to_owned(),
        ipvs::Forwarding::ROUTE => "DR".to_owned(),
        ipvs::Forwarding::TUNNEL => "TUN".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The whole IPVS table keepalived would build, service by service.
fn table_json(table: &ipvs::Table) -> Value {
    let services: Vec<Value> = table
        .services
        .iter()
        .map(|(key, svc)| {
            let dests: Vec<Value> = svc
                .dests
                .iter()
                .map(|(k, d)| {
                    json!({
                        "real_server": std::net::SocketAddr::new(k.addr, k.port).to_string(),
                        "weight": d.weight,
                        "forwarding": forwarding_name(d.forwarding),
                    })
                })
                .collect();
            json!({
                "virtual_server": service_name(key),
                "service": service_json(key),
                "scheduler": svc.settings.scheduler.as_str(),
                "dests": dests,
            })
        })
        .collect();
    Value::Array(services)
}

fn dest_key_json(k: &DestKey) -> Value {
    json!({"real_server": std::net::SocketAddr::new(k.addr, k.port).to_string()})
}

fn op_json(op: &Op) -> Value {
    let (name, svc, dest) = match op {
        Op::AddService(s) => ("add_service", &s.key, None),
        Op::EditService(s) => ("edit_service", &s.key, None),
        Op::DelService(k) => ("del_service", k, None),
        Op::AddDest(k, d) => ("add_dest", k, Some(dest_json(d))),
        Op::EditDest(k, d) => ("edit_dest", k, Some(dest_json(d))),
        Op::DelDest(k, d) => ("del_dest", k, Some(dest_key_json(d))),
    };
    let mut line = json!({
        "event": "ipvs",
        "op": name,
        "virtual_server": service_name(svc),
        "service": service_json(svc),
    });
    if let Some(d) = dest {
        line["dest"] = d;
    }
    if let Op::AddService(s) | Op::EditService(s) = op {
        line["scheduler"] = json!(s.settings.scheduler.as_str());
        line["persistence_timeout"] = json!(s.settings.timeout);
    }
    line
}

/// Says once, on stderr, why plain TCP checks use `connect()` instead of SYN
/// probes (no CAP_NET_RAW, for instance); false until the TCP checks started.
fn tell_syn_fallback(stats: &healthcheck::probe::SynStats) -> bool {
    if !stats.started {
        return false;
    }
    match (&stats.ipv4_fallback, &stats.ipv6_fallback) {
        (Some(a), Some(b)) if a == b => {
            eprintln!("lbd: TCP checks connect() instead of sending SYN probes: {a}");
        }
        (v4, v6) => {
            for (family, why) in [("IPv4", v4), ("IPv6", v6)] {
                if let Some(why) = why {
                    eprintln!(
                        "lbd: {family} TCP checks connect() instead of sending SYN probes: {why}"
                    );
                }
            }
        }
    }
    true
}
