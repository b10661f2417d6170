//! `lbd --vrrp`: the configuration's VRRP part, as `keepalived -P` runs it.
//!
//! The configuration is read through lbconf and refused, with its
//! diagnostics, when `keepalived -t` would refuse it. [`plan`] maps it onto
//! the engine; [`vrrp::linux::Runner`] owns the sockets and the addresses;
//! this module adds the process side: signals (a signalfd), link changes (a
//! [`LinkWatch`]), `vrrp_script` runs with their `rise`/`fall`, and notify
//! scripts ([`exec`]). It logs to stderr. SIGTERM (or SIGINT) stops every
//! instance (a master sends priority 0 and removes its addresses), runs the
//! stop notifications, and exits 0.

// The daemon is an IO driver: it reads the clock.
#![allow(clippy::disallowed_methods)]

mod exec;
mod plan;
mod track;

use std::os::fd::AsFd;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lbconf::keepalived;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use vrrp::linux::{AcceptFilter, LinkWatch, Notice, Runner, Vmac, interface, set_vip};
use vrrp::wire::Family;
use vrrp::{Command, Event, InstanceId, State, TransitionReason};

use crate::Args;
use exec::{Children, Purpose, RunAs};
use plan::{NotifyOn, Plan, Weighted};
use track::ScriptState;

/// Runs the VRRP instances of `args.file` until SIGTERM.
pub(crate) fn run(args: &Args) -> ExitCode {
    let opts = keepalived::Options {
        config_id: args.config_id.clone(),
        ..keepalived::Options::default()
    };
    let parsed = keepalived::parse_file(&args.file, &opts);
    if !keepalived::accepted(&parsed) {
        for d in &parsed.diagnostics {
            eprintln!("{}", lbconf::render(d, &parsed.sources));
        }
        eprintln!(
            "lbd: {}: refused, as `keepalived -t` would refuse it (fix the errors and warnings above)",
            args.file.display()
        );
        return ExitCode::FAILURE;
    }
    let lookup = |name: &str| interface(name).map_err(|e| e.to_string());
    let plan = match plan::plan(&parsed.value, &parsed.sources, &lookup) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("lbd: {e}");
            }
            eprintln!("lbd: {}: refused (see above)", args.file.display());
            return ExitCode::FAILURE;
        }
    };
    for line in &plan.ignored {
        eprintln!("lbd: {line}");
    }
    match Daemon::new(plan).and_then(Daemon::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lbd: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Daemon {
    plan: Plan,
    runner: Runner,
    /// `use_vmac` interfaces, deleted when lbd stops.
    vmacs: Vec<Vmac>,
    signals: SignalFd,
    links: LinkWatch,
    children: Children,
    scripts: Vec<ScriptState>,
    /// Last known up/down of each tracked interface name.
    link_state: Vec<(String, bool)>,
    /// Last state notified for each sync group.
    group_state: Vec<Option<State>>,
    stopping: bool,
}

/// A state as notify scripts get it: Initialize is STOP (only reached by
/// stopping).
fn state_name(s: State) -> &'static str {
    match s {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Initialize => "STOP",
    }
}

/// A state as the log names it (keepalived's words).
fn log_name(s: State) -> &'static str {
    match s {
        State::Initialize => "INIT",
        other => state_name(other),
    }
}

impl Daemon {
    fn new(plan: Plan) -> Result<Daemon, String> {
        // Signals are read from a signalfd, so they are blocked first (the
        // scripts' Command resets the mask in each child).
        let mut mask = SigSet::empty();
        for s in [
            Signal::SIGTERM,
            Signal::SIGINT,
            Signal::SIGHUP,
            Signal::SIGCHLD,
        ] {
            mask.add(s);
        }
        mask.thread_block()
            .map_err(|e| format!("cannot block signals: {e}"))?;
        let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .map_err(|e| format!("cannot open a signalfd: {e}"))?;
        let mut runner = Runner::new();
        let mut vmacs = Vec::new();
        for i in &plan.instances {
            let what = |e: &dyn std::fmt::Display| format!("vrrp_instance {}: {e}", i.cfg.name);
            let Some(v) = &i.vmac else {
                runner
                    .add_instance(i.cfg.clone(), &i.iface, i.vips.clone())
                    .map_err(|e| what(&e))?;
                continue;
            };
            let vmac = open_vmac(i, v).map_err(|e| what(&e))?;
            eprintln!(
                "lbd: ({}) VMAC {} on {} with MAC {}",
                i.cfg.name, v.name, i.iface, i.cfg.mac
            );
            // vmac_xmit_base: adverts on the base interface; the addresses
            // and their announcements on the VMAC either way.
            let adverts = if v.xmit_base {
                i.iface.as_str()
            } else {
                v.name.as_str()
            };
            runner
                .add_instance_announcing(i.cfg.clone(), adverts, &v.name, i.vips.clone())
                .map_err(|e| what(&e))?;
            vmacs.push(vmac);
        }
        for g in &plan.groups {
            let members: Vec<InstanceId> = g.members.iter().map(|&m| InstanceId(m)).collect();
            runner
                .add_sync_group(&members)
                .map_err(|e| format!("vrrp_sync_group {}: {e}", g.name))?;
        }
        if plan.instances.iter().any(|i| i.block_vips) {
            let f = AcceptFilter::open().map_err(|e| {
                format!("accept mode (no_accept or vrrp_strict without accept): {e}")
            })?;
            runner.set_accept_filter(f);
            for (k, i) in plan.instances.iter().enumerate() {
                if i.block_vips {
                    runner
                        .block_when_master(InstanceId(k))
                        .map_err(|e| format!("vrrp_instance {}: {e}", i.cfg.name))?;
                }
            }
        }
        let links = LinkWatch::open().map_err(|e| e.to_string())?;
        let now = Instant::now();
        let scripts = plan
            .scripts
            .iter()
            .map(|s| ScriptState::new(s.init_fail, s.rise, s.fall, now))
            .collect();
        let group_state = vec![None; plan.groups.len()];
        Ok(Daemon {
            plan,
            runner,
            vmacs,
            signals,
            links,
            children: Children::default(),
            scripts,
            link_state: Vec::new(),
            group_state,
            stopping: false,
        })
    }

    fn run(mut self) -> Result<(), String> {
        let mut notices = Vec::new();
        eprintln!(
            "lbd: starting {} VRRP instance(s), {} sync group(s), {} script(s)",
            self.plan.instances.len(),
            self.plan.groups.len(),
            self.plan.scripts.len()
        );
        // The engine starts tracked scripts unknown and interfaces up: tell
        // it, before the first advert, every state already known (each
        // interface's; `init_fail` scripts, failed), as keepalived has them
        // when it starts its instances. Scripts report their first result
        // when they have run.
        let now = Instant::now();
        for k in 0..self.scripts.len() {
            if let Some(ok) = self.scripts[k].ok {
                self.forward_script(k, ok, now, &mut notices);
            }
        }
        self.check_links(&mut notices);
        self.runner
            .start(Instant::now(), &mut notices)
            .map_err(|e| e.to_string())?;
        self.handle_notices(&mut notices);
        // A failed wait ends the loop, but the instances still stop
        // cleanly: priority 0, addresses removed.
        let mut failure = None;
        while !self.stopping {
            let until = self.next_wake();
            let fds = [self.signals.as_fd(), self.links.as_fd()];
            let ready = match self.runner.run_once(&fds, until, &mut notices) {
                Ok(r) => r,
                Err(e) => {
                    failure = Some(format!("waiting for packets and signals: {e}"));
                    break;
                }
            };
            self.handle_notices(&mut notices);
            if ready[0] {
                self.read_signals();
            }
            if ready[1] {
                self.links.drain();
                self.check_links(&mut notices);
            }
            self.reap(&mut notices);
            self.start_scripts();
        }
        self.stopping = true;
        eprintln!("lbd: stopping: priority 0 from the masters, addresses removed");
        self.runner
            .shutdown(&mut notices)
            .map_err(|e| e.to_string())?;
        self.handle_notices(&mut notices);
        for v in std::mem::take(&mut self.vmacs) {
            let name = v.name().to_string();
            if let Err(e) = v.delete() {
                eprintln!("lbd: removing VMAC {name}: {e}");
            }
        }
        self.wait_children();
        match failure {
            None => {
                eprintln!("lbd: stopped");
                Ok(())
            }
            Some(e) => Err(e),
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let scripts = self
            .scripts
            .iter()
            .enumerate()
            .filter(|(k, _)| !self.children.is_running(&Purpose::Check(*k)))
            .map(|(_, s)| s.next_run);
        scripts.chain(self.children.next_deadline()).min()
    }

    fn read_signals(&mut self) {
        // Bounded: a signalfd holds at most one of each pending signal.
        for _ in 0..64 {
            match self.signals.read_signal() {
                Ok(Some(si)) => match Signal::try_from(si.ssi_signo as i32) {
                    Ok(Signal::SIGTERM | Signal::SIGINT) => self.stopping = true,
                    Ok(Signal::SIGHUP) => eprintln!(
                        "lbd: SIGHUP: reloading is not supported; restart lbd to read the configuration again"
                    ),
                    _ => {}
                },
                Ok(None) | Err(_) => break,
            }
        }
    }

    /// Looks at every tracked interface; tells the engine about those that
    /// changed since the last look (all of them the first time).
    fn check_links(&mut self, notices: &mut Vec<Notice>) {
        let now = Instant::now();
        let mut seen: Vec<(String, bool)> = Vec::new();
        for inst in &self.plan.instances {
            for name in inst.tracked_interfaces() {
                if !seen.iter().any(|(n, _)| n == name) {
                    seen.push((name.to_string(), interface(name).is_ok_and(|i| i.up)));
                }
            }
        }
        let before = std::mem::replace(&mut self.link_state, seen);
        let changed = |name: &str| {
            let now_up = self
                .link_state
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, u)| *u)?;
            let was = before.iter().find(|(n, _)| n == name).map(|(_, u)| *u);
            (was != Some(now_up)).then_some(now_up)
        };
        for (name, up) in &self.link_state {
            if changed(name).is_some() {
                eprintln!(
                    "lbd: interface {name} is {}",
                    if *up { "up" } else { "down" }
                );
            }
        }
        let mut cmds = Vec::new();
        for (k, inst) in self.plan.instances.iter().enumerate() {
            let instance = InstanceId(k);
            for (index, name) in inst.fault_ifaces.iter().enumerate() {
                if let Some(up) = changed(name) {
                    cmds.push(Command::InterfaceState {
                        instance,
                        index,
                        up,
                    });
                }
            }
            for (index, w) in inst.weighted.iter().enumerate() {
                if let Weighted::Interface(name) = w
                    && let Some(up) = changed(name)
                {
                    let ok = inst.engine_result(index, up);
                    cmds.push(Command::ScriptResult {
                        instance,
                        index,
                        ok,
                    });
                }
            }
        }
        for cmd in cmds {
            if let Err(e) = self.runner.handle_command(now, cmd, notices) {
                eprintln!("lbd: {e}");
            }
        }
        self.handle_notices(notices);
    }

    fn reap(&mut self, notices: &mut Vec<Notice>) {
        let now = Instant::now();
        for f in self.children.reap(now) {
            match f.purpose {
                Purpose::Check(k) => {
                    let s = &self.plan.scripts[k];
                    if !f.ok {
                        eprintln!(
                            "lbd: vrrp_script {}: {} failed: {}",
                            s.name, s.argv[0], f.how
                        );
                    }
                    self.script_result(k, f.ok, now, notices);
                }
                Purpose::Notify(label) if !f.ok => {
                    eprintln!("lbd: notify script {label} failed: {}", f.how);
                }
                Purpose::Notify(_) => {}
            }
        }
        self.handle_notices(notices);
    }

    fn start_scripts(&mut self) {
        let now = Instant::now();
        let mut failed = Vec::new();
        for (k, s) in self.plan.scripts.iter().enumerate() {
            let st = &mut self.scripts[k];
            if now < st.next_run || self.children.is_running(&Purpose::Check(k)) {
                continue;
            }
            st.ran(now, s.interval);
            if let Err(e) = self
                .children
                .spawn(&s.argv, s.user, s.timeout, Purpose::Check(k), now)
            {
                eprintln!("lbd: vrrp_script {}: {e}", s.name);
                failed.push(k);
            }
        }
        let mut notices = Vec::new();
        for k in failed {
            self.script_result(k, false, now, &mut notices);
        }
        self.handle_notices(&mut notices);
    }

    /// Counts a result of script `k` through its `rise`/`fall` and tells
    /// the engine when it is the first result or the state changed.
    fn script_result(&mut self, k: usize, ok: bool, now: Instant, notices: &mut Vec<Notice>) {
        let Some(ok) = self.scripts[k].record(ok) else {
            return;
        };
        eprintln!(
            "lbd: VRRP_Script({}) {}",
            self.plan.scripts[k].name,
            if ok { "succeeded" } else { "failed" }
        );
        self.forward_script(k, ok, now, notices);
    }

    /// Tells the engine script `k`'s state for every instance tracking it.
    fn forward_script(&mut self, k: usize, ok: bool, now: Instant, notices: &mut Vec<Notice>) {
        for (i, inst) in self.plan.instances.iter().enumerate() {
            for (index, w) in inst.weighted.iter().enumerate() {
                if *w == Weighted::Script(k) {
                    let cmd = Command::ScriptResult {
                        instance: InstanceId(i),
                        index,
                        ok: inst.engine_result(index, ok),
                    };
                    if let Err(e) = self.runner.handle_command(now, cmd, notices) {
                        eprintln!("lbd: {e}");
                    }
                }
            }
        }
    }

    fn handle_notices(&mut self, notices: &mut Vec<Notice>) {
        let mut moved = false;
        for n in notices.drain(..) {
            match n {
                Notice::Engine(Event::StateChanged {
                    instance,
                    from,
                    to,
                    reason,
                }) => {
                    let name = &self.plan.instances[instance.0].cfg.name;
                    eprintln!(
                        "lbd: ({name}) Entering {} STATE (from {}, {})",
                        log_name(to),
                        log_name(from),
                        describe(reason)
                    );
                    moved = true;
                    if to == State::Initialize && reason != TransitionReason::Shutdown {
                        continue;
                    }
                    self.notify_instance(instance, to);
                }
                Notice::Engine(Event::Dropped { reason, src, .. }) if !self.stopping => {
                    eprintln!("lbd: dropped an advert from {src}: {reason:?}");
                }
                Notice::Engine(Event::Dropped { .. }) => {}
                Notice::Engine(Event::PriorityChanged { instance, priority }) => {
                    let name = &self.plan.instances[instance.0].cfg.name;
                    eprintln!("lbd: ({name}) effective priority is now {priority}");
                }
                Notice::Engine(e) => eprintln!("lbd: {e:?}"),
                other => eprintln!("lbd: {other}"),
            }
        }
        if moved {
            self.notify_groups();
        }
    }

    fn notify_instance(&mut self, instance: InstanceId, to: State) {
        let inst = &self.plan.instances[instance.0];
        let prio = self.runner.router().priority(instance).unwrap_or(0);
        let owner = inst.cfg.name.clone();
        let jobs = notify_jobs(&inst.notify, to, "INSTANCE", &owner, prio);
        self.spawn_notify(jobs, &owner);
    }

    fn notify_groups(&mut self) {
        let mut all = Vec::new();
        for (g, group) in self.plan.groups.iter().enumerate() {
            let states: Vec<Option<State>> = group
                .members
                .iter()
                .map(|&m| self.runner.router().state(InstanceId(m)))
                .collect();
            let Some(Some(first)) = states.first().copied() else {
                continue;
            };
            // A group is in a state when all its members are; it has no STOP.
            if first == State::Initialize || states.iter().any(|s| *s != Some(first)) {
                continue;
            }
            if self.group_state[g] == Some(first) {
                continue;
            }
            self.group_state[g] = Some(first);
            eprintln!(
                "lbd: VRRP_Group({}) Syncing instances to {} state",
                group.name,
                state_name(first)
            );
            let jobs = notify_jobs(&group.notify, first, "GROUP", &group.name, 0);
            all.push((jobs, group.name.clone()));
        }
        for (jobs, owner) in all {
            self.spawn_notify(jobs, &owner);
        }
    }

    fn spawn_notify(&mut self, jobs: Vec<(Vec<String>, RunAs)>, owner: &str) {
        let now = Instant::now();
        for (argv, user) in jobs {
            let label = format!("{owner}: {}", argv.join(" "));
            if let Err(e) = self.children.spawn(
                &argv,
                user,
                plan::NOTIFY_TIMEOUT,
                Purpose::Notify(label),
                now,
            ) {
                eprintln!("lbd: {owner}: notify: {e}");
            }
        }
    }

    /// Waits for the running scripts, each at most until its timeout (after
    /// which it is killed), so that the stop notifications finish.
    fn wait_children(&mut self) {
        let end = Instant::now() + plan::NOTIFY_TIMEOUT + Duration::from_secs(1);
        while !self.children.is_empty() && Instant::now() < end {
            let mut notices = Vec::new();
            self.reap(&mut notices);
            if self.children.is_empty() {
                break;
            }
            let wake = self
                .children
                .next_deadline()
                .unwrap_or(end)
                .min(Instant::now() + Duration::from_millis(100));
            let mut fds = [nix::poll::PollFd::new(
                self.signals.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            let wait = nix::sys::time::TimeSpec::from_duration(
                wake.saturating_duration_since(Instant::now()),
            );
            let _ = nix::poll::ppoll(&mut fds, Some(wait), None);
            // SIGCHLD wakes us; drain it so the next wait blocks.
            while let Ok(Some(_)) = self.signals.read_signal() {}
        }
    }
}

/// Creates instance `i`'s VMAC; for IPv6 (adverts on the VMAC), adds the
/// base interface's link-local address to it, as keepalived does, so that
/// the VRRP socket can send from it there.
fn open_vmac(i: &plan::Instance, v: &plan::VmacPlan) -> Result<Vmac, String> {
    let family = i.cfg.family();
    let vmac = Vmac::create(&i.iface, &v.name, i.cfg.vrid, family).map_err(|e| {
        format!(
            "use_vmac {}: {e} (a VMAC left by a crash: delete it with `ip link del {}`)",
            v.name, v.name
        )
    })?;
    if family == Family::V6 && !v.xmit_base {
        set_vip(vmac.ifindex(), i.cfg.primary, 64, true).map_err(|e| {
            format!(
                "use_vmac {}: adding the source {} to it: {e}",
                v.name, i.cfg.primary
            )
        })?;
    }
    Ok(vmac)
}

/// The argument lists of the notify scripts to run for a move to `to`.
fn notify_jobs(
    list: &[plan::Notify],
    to: State,
    kind: &str,
    name: &str,
    prio: u8,
) -> Vec<(Vec<String>, RunAs)> {
    let specific = match to {
        State::Master => NotifyOn::Master,
        State::Backup => NotifyOn::Backup,
        State::Fault => NotifyOn::Fault,
        State::Initialize => NotifyOn::Stop,
    };
    let mut jobs = Vec::new();
    for n in list {
        if n.on == specific {
            jobs.push((n.argv.clone(), n.user));
        }
    }
    for n in list.iter().filter(|n| n.on == NotifyOn::Any) {
        let mut argv = n.argv.clone();
        argv.extend([
            kind.to_string(),
            name.to_string(),
            state_name(to).to_string(),
            prio.to_string(),
        ]);
        jobs.push((argv, n.user));
    }
    jobs
}

fn describe(reason: TransitionReason) -> String {
    match reason {
        TransitionReason::StartupOwner => "startup as the address owner".into(),
        TransitionReason::Startup => "startup".into(),
        TransitionReason::MasterDown => {
            "no advert from a master within Master_Down_Interval".into()
        }
        TransitionReason::HigherPriority { priority, src } => {
            format!("advert of priority {priority} from {src}")
        }
        TransitionReason::Shutdown => "shutdown".into(),
        TransitionReason::Fault => "a tracked interface or script failed".into(),
        TransitionReason::FaultCleared => "every tracked object is healthy".into(),
        TransitionReason::SyncGroup { leader } => {
            format!("sync group, following instance {}", leader.0)
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_arguments_are_keepalived_s() {
        let root = RunAs { uid: 0, gid: 0 };
        let nobody = RunAs {
            uid: 65534,
            gid: 65534,
        };
        let n = |on, argv: &[&str], user| plan::Notify {
            on,
            argv: argv.iter().map(|a| (*a).to_string()).collect(),
            user,
        };
        let list = vec![
            n(NotifyOn::Master, &["/m"], nobody),
            n(NotifyOn::Any, &["/n", "x"], root),
            n(NotifyOn::Fault, &["/f"], root),
        ];
        let argvs = |jobs: Vec<(Vec<String>, RunAs)>| -> Vec<Vec<String>> {
            jobs.into_iter().map(|(a, _)| a).collect()
        };
        let master = notify_jobs(&list, State::Master, "INSTANCE", "VI_1", 150);
        assert_eq!((master[0].1, master[1].1), (nobody, root));
        assert_eq!(
            argvs(master),
            [
                vec!["/m"],
                vec!["/n", "x", "INSTANCE", "VI_1", "MASTER", "150"]
            ]
        );
        assert_eq!(
            argvs(notify_jobs(
                &list,
                State::Initialize,
                "INSTANCE",
                "VI_1",
                100
            )),
            [vec!["/n", "x", "INSTANCE", "VI_1", "STOP", "100"]]
        );
        assert_eq!(
            argvs(notify_jobs(&list, State::Fault, "GROUP", "G", 0))[0],
            ["/f"]
        );
    }
}
