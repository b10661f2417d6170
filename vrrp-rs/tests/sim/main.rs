//! Scenario tests on virtual time: every assertion is on the simulator's
//! clock, never the wall clock. The expected figures are the RFC formulas
//! (which keepalived meets within 1 ms on this machine, see the notes).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use vrrp::sim::{NodeId, Sim};
use vrrp::wire::{AddrList, MacAddr, V2Auth, Version};
use vrrp::{
    Command, Event, InstanceConfig, InstanceId, Router, State, TrackScript, TransitionReason,
    TransmitKind, master_down_interval,
};

const VI: InstanceId = InstanceId(0);
const DELAY: Duration = Duration::from_micros(100);

/// The simulator's epoch. Only differences of virtual time are asserted.
#[allow(clippy::disallowed_methods)]
fn epoch() -> Instant {
    Instant::now()
}

fn v4(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, n))
}

fn cfg(version: Version, n: u8, prio: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new(
        &format!("VI_1@r{n}"),
        51,
        version,
        prio,
        v4(n),
        AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
    );
    c.mac = MacAddr([2, 0, 0, 0, 0, n]);
    if version == Version::V2 {
        c.auth = V2Auth::pass(b"secret");
    }
    c
}

fn node(sim: &mut Sim, c: InstanceConfig) -> NodeId {
    let mut r = Router::new();
    r.add_instance(c).unwrap();
    sim.add_node(r)
}

fn start(sim: &mut Sim, n: NodeId) {
    sim.command(n, Command::Startup(VI)).unwrap();
}

/// Virtual time at which `node` last entered `to` (for instance 0).
fn entered(sim: &Sim, node: NodeId, to: State) -> Option<Instant> {
    sim.events
        .iter()
        .rev()
        .find(|(_, n, e)| {
            *n == node && matches!(e, Event::StateChanged { instance: VI, to: t, .. } if *t == to)
        })
        .map(|(t, ..)| *t)
}

fn last_advert(sim: &Sim, node: NodeId, before: Instant) -> Instant {
    sim.sent
        .iter()
        .rev()
        .find(|s| {
            s.node == node && s.at <= before && matches!(s.tx.kind, TransmitKind::Advert { .. })
        })
        .map(|s| s.at)
        .unwrap()
}

fn pair(version: Version) -> (Sim, Instant, NodeId, NodeId) {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 1);
    let r1 = node(&mut sim, cfg(version, 1, 150));
    let r2 = node(&mut sim, cfg(version, 2, 100));
    start(&mut sim, r1);
    start(&mut sim, r2);
    (sim, t0, r1, r2)
}

#[test]
fn election_then_crash_failover_v2() {
    let (mut sim, t0, r1, r2) = pair(Version::V2);
    sim.run_for(Duration::from_secs(10));
    // Both start as backups; r1's Master_Down_Interval (3 + 106/256 s) ends first.
    assert_eq!(
        entered(&sim, r1, State::Master),
        Some(t0 + Duration::from_nanos(3_414_062_500))
    );
    assert_eq!(sim.router(r2).state(VI), Some(State::Backup));
    assert_eq!(entered(&sim, r2, State::Master), None);
    let stats = sim.router(r1).stats(VI).unwrap();
    assert_eq!(
        stats.garp_tx, 10,
        "5 GARPs at once and 5 more after garp_master_delay"
    );
    sim.crash(r1);
    let crash = sim.now();
    sim.run_for(Duration::from_secs(10));
    let up = entered(&sim, r2, State::Master).unwrap();
    let last = last_advert(&sim, r1, crash);
    // RFC 3768: 3 * 1 s + (256 - 100) / 256 s after the last advert arrived.
    assert_eq!(up - last, DELAY + Duration::from_nanos(3_609_375_000));
}

#[test]
fn graceful_shutdown_backup_waits_skew_time() {
    for version in [Version::V2, Version::V3] {
        let (mut sim, _, r1, r2) = pair(version);
        sim.run_for(Duration::from_secs(5));
        sim.command(r1, Command::Shutdown(VI)).unwrap();
        let stop = sim.now();
        let prio0 = sim.sent.iter().rev().find(|s| s.node == r1).unwrap();
        assert_eq!(prio0.tx.kind, TransmitKind::Advert { priority: 0 });
        sim.run_for(Duration::from_secs(5));
        let up = entered(&sim, r2, State::Master).unwrap();
        assert_eq!(
            up - stop,
            DELAY + Duration::from_nanos(609_375_000),
            "{version:?}"
        );
        assert_eq!(sim.router(r1).state(VI), Some(State::Initialize));
        assert_eq!(sim.router(r2).stats(VI).unwrap().prio0_rx, 1);
    }
}

#[test]
fn v3_fast_adverts_and_learned_interval() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 2);
    let mut c1 = cfg(Version::V3, 1, 150);
    c1.advert_interval = Duration::from_millis(100);
    let mut c2 = cfg(Version::V3, 2, 100);
    c2.advert_interval = Duration::from_secs(1);
    let r1 = node(&mut sim, c1);
    let r2 = node(&mut sim, c2);
    start(&mut sim, r1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(6));
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    // r2 learned the master's 100 ms (RFC 5798 Master_Adver_Interval).
    assert_eq!(
        sim.router(r2).master_adver_interval(VI),
        Some(Duration::from_millis(100))
    );
    assert!(
        sim.events
            .iter()
            .any(|(_, n, e)| *n == r2 && matches!(e, Event::IntervalLearned { .. }))
    );
    sim.crash(r1);
    let crash = sim.now();
    sim.run_for(Duration::from_secs(2));
    let up = entered(&sim, r2, State::Master).unwrap();
    let (mdi, skew) = master_down_interval(Version::V3, 100, Duration::from_millis(100));
    assert_eq!(mdi, Duration::from_nanos(360_937_500));
    assert_eq!(skew, Duration::from_nanos(60_937_500));
    assert_eq!(up - last_advert(&sim, r1, crash), DELAY + mdi);
    // As master, r2 goes back to its own interval.
    assert_eq!(
        sim.router(r2).master_adver_interval(VI),
        Some(Duration::from_secs(1))
    );
}

#[test]
fn v3_ipv6_election() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 3);
    let ll = |n: u16| IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, n));
    let vips = AddrList::V6(vec![Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100)]);
    let r1 = node(
        &mut sim,
        InstanceConfig::new("v6a", 51, Version::V3, 150, ll(1), vips.clone()),
    );
    let r2 = node(
        &mut sim,
        InstanceConfig::new("v6b", 51, Version::V3, 100, ll(2), vips),
    );
    start(&mut sim, r1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(10));
    assert_eq!(
        entered(&sim, r1, State::Master),
        Some(t0 + Duration::from_nanos(3_414_062_500))
    );
    assert_eq!(sim.router(r2).state(VI), Some(State::Backup));
    assert_eq!(sim.router(r1).stats(VI).unwrap().na_tx, 10);
}

#[test]
fn preempt_nopreempt_and_preempt_delay() {
    // Default: r2 master alone, r1 (150) starts later and takes over after its
    // own Master_Down_Interval (it discards the lower adverts).
    let t0 = epoch();
    let mut sim = Sim::new(t0, 4);
    let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
    let r1 = node(&mut sim, cfg(Version::V2, 1, 150));
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(5));
    let t1 = sim.now();
    start(&mut sim, r1);
    sim.run_for(Duration::from_secs(10));
    assert_eq!(
        entered(&sim, r1, State::Master),
        Some(t1 + Duration::from_nanos(3_414_062_500))
    );
    assert_eq!(sim.router(r2).state(VI), Some(State::Backup));

    // nopreempt: r1 never takes over.
    let mut sim = Sim::new(t0, 5);
    let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
    let mut c1 = cfg(Version::V2, 1, 150);
    c1.preempt = false;
    let r1 = node(&mut sim, c1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(5));
    start(&mut sim, r1);
    sim.run_for(Duration::from_secs(30));
    assert_eq!(entered(&sim, r1, State::Master), None);
    assert_eq!(sim.router(r2).state(VI), Some(State::Master));

    // preempt_delay 5: lower adverts are accepted for 5 s after the first one,
    // then r1 takes over Master_Down_Interval after the last accepted one.
    let mut sim = Sim::new(t0, 6);
    let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
    let mut c1 = cfg(Version::V2, 1, 150);
    c1.preempt_delay = Duration::from_secs(5);
    let r1 = node(&mut sim, c1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_millis(4500));
    start(&mut sim, r1);
    sim.run_for(Duration::from_secs(15));
    let until = sim
        .events
        .iter()
        .find_map(|(_, n, e)| match e {
            Event::PreemptDelayStarted { until, .. } if *n == r1 => Some(*until),
            _ => None,
        })
        .unwrap();
    let last_accepted = sim
        .sent
        .iter()
        .filter(|s| s.node == r2 && s.at + DELAY < until)
        .map(|s| s.at)
        .max()
        .unwrap();
    assert_eq!(
        entered(&sim, r1, State::Master),
        Some(last_accepted + DELAY + Duration::from_nanos(3_414_062_500))
    );
}

#[test]
fn owner_is_master_at_startup() {
    let (mut sim, t0, r1, _) = {
        let t0 = epoch();
        let mut sim = Sim::new(t0, 7);
        let r1 = node(&mut sim, cfg(Version::V2, 1, 255));
        let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
        start(&mut sim, r2);
        start(&mut sim, r1);
        (sim, t0, r1, r2)
    };
    sim.run_for(Duration::from_secs(5));
    assert_eq!(entered(&sim, r1, State::Master), Some(t0));
    let first = sim.sent.iter().find(|s| s.node == r1).unwrap();
    assert_eq!(first.tx.kind, TransmitKind::Advert { priority: 255 });
    assert_eq!(
        &first.bytes[6..8],
        &[0xdc, 0x06],
        "the owner advert keepalived sends"
    );
}

#[test]
fn equal_priority_higher_address_wins() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 8);
    let r1 = node(&mut sim, cfg(Version::V3, 1, 100));
    let r2 = node(&mut sim, cfg(Version::V3, 2, 100));
    // Both claim mastership in a partition, then meet.
    sim.partition(r1, r2);
    start(&mut sim, r1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    assert_eq!(sim.router(r2).state(VI), Some(State::Master));
    sim.heal();
    sim.run_for(Duration::from_secs(3));
    assert_eq!(sim.router(r1).state(VI), Some(State::Backup));
    assert_eq!(sim.router(r2).state(VI), Some(State::Master));
}

#[test]
fn split_brain_heals_and_winner_reannounces() {
    let (mut sim, _, r1, r2) = pair(Version::V2);
    sim.run_for(Duration::from_secs(5));
    sim.partition(r1, r2);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(
        sim.router(r2).state(VI),
        Some(State::Master),
        "both master while partitioned"
    );
    let garps_before = sim.router(r1).stats(VI).unwrap().garp_tx;
    sim.heal();
    let healed = sim.now();
    sim.run_for(Duration::from_secs(2));
    let yielded = entered(&sim, r2, State::Backup).unwrap();
    assert!(yielded > healed && yielded - healed <= Duration::from_secs(1) + DELAY);
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    assert!(
        sim.router(r1).stats(VI).unwrap().garp_tx > garps_before,
        "the winner re-announces its addresses"
    );
}

#[test]
fn seeded_loss_and_reordering_recover() {
    for seed in 0..4 {
        let t0 = epoch();
        let mut sim = Sim::new(t0, seed);
        sim.set_loss(0.4);
        sim.set_delay(Duration::from_millis(1), Duration::from_millis(300));
        let r1 = node(&mut sim, cfg(Version::V3, 1, 150));
        let r2 = node(&mut sim, cfg(Version::V3, 2, 100));
        start(&mut sim, r1);
        start(&mut sim, r2);
        sim.run_for(Duration::from_secs(120));
        // Every mastership r2 takes by loss ends at r1's next advert that gets through.
        let mut since = None;
        for (t, n, e) in &sim.events {
            if let (true, Event::StateChanged { to, .. }) = (*n == r2, e) {
                match to {
                    State::Master => since = Some(*t),
                    State::Backup => {
                        if let Some(s) = since.take() {
                            assert!(
                                *t - s < Duration::from_secs(10),
                                "seed {seed}: r2 master for {:?}",
                                *t - s
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        sim.set_loss(0.0);
        sim.run_for(Duration::from_secs(5));
        assert_eq!(sim.router(r1).state(VI), Some(State::Master), "seed {seed}");
        assert_eq!(sim.router(r2).state(VI), Some(State::Backup), "seed {seed}");
    }
}

#[test]
fn same_seed_same_history() {
    let run = |seed| {
        let t0 = epoch();
        let mut sim = Sim::new(t0, seed);
        sim.set_loss(0.5);
        let r1 = node(&mut sim, cfg(Version::V2, 1, 150));
        let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
        start(&mut sim, r1);
        start(&mut sim, r2);
        sim.run_for(Duration::from_secs(60));
        sim.events
            .iter()
            .map(|(t, n, e)| (*t - t0, *n, e.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(42), run(42));
}

#[test]
fn tracking_weights_and_fault() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 9);
    let mut c1 = cfg(Version::V2, 1, 150);
    c1.track_scripts = vec![TrackScript { weight: -60 }];
    c1.track_interfaces = 1;
    let r1 = node(&mut sim, c1);
    let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
    start(&mut sim, r1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    // chk_haproxy fails: 150 - 60 = 90 < 100, r2 preempts after its Master_Down_Interval.
    sim.command(
        r1,
        Command::ScriptResult {
            instance: VI,
            index: 0,
            ok: false,
        },
    )
    .unwrap();
    assert_eq!(sim.router(r1).priority(VI), Some(90));
    let failed = sim.now();
    sim.run_for(Duration::from_secs(6));
    let up = entered(&sim, r2, State::Master).unwrap();
    assert!(up > failed && up - failed <= Duration::from_secs(5));
    assert_eq!(sim.router(r1).state(VI), Some(State::Backup));
    // Script back: r1 preempts again.
    sim.command(
        r1,
        Command::ScriptResult {
            instance: VI,
            index: 0,
            ok: true,
        },
    )
    .unwrap();
    sim.run_for(Duration::from_secs(6));
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    // Tracked interface down: FAULT, with a priority-0 advert so r2 takes over in Skew_Time.
    sim.command(
        r1,
        Command::InterfaceState {
            instance: VI,
            index: 0,
            up: false,
        },
    )
    .unwrap();
    let down = sim.now();
    assert_eq!(sim.router(r1).state(VI), Some(State::Fault));
    sim.run_for(Duration::from_secs(2));
    assert_eq!(
        entered(&sim, r2, State::Master).unwrap() - down,
        DELAY + Duration::from_nanos(609_375_000)
    );
    sim.command(
        r1,
        Command::InterfaceState {
            instance: VI,
            index: 0,
            up: true,
        },
    )
    .unwrap();
    assert_eq!(sim.router(r1).state(VI), Some(State::Backup));
    assert!(
        sim.command(
            r1,
            Command::InterfaceState {
                instance: VI,
                index: 7,
                up: true
            }
        )
        .is_err()
    );
}

#[test]
fn sync_group_moves_together() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 10);
    let mk = |n: u8, prio: u8| {
        let mut r = Router::new();
        let mut a = cfg(Version::V3, n, prio);
        a.track_interfaces = 1;
        let mut b = cfg(Version::V3, n, prio);
        b.vrid = 52;
        b.name = format!("VI_2@r{n}");
        b.vips = AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 200)]);
        let ia = r.add_instance(a).unwrap();
        let ib = r.add_instance(b).unwrap();
        r.add_sync_group(&[ia, ib]).unwrap();
        r
    };
    let r1 = sim.add_node(mk(1, 150));
    let r2 = sim.add_node(mk(2, 100));
    for n in [r1, r2] {
        for i in 0..2 {
            sim.command(n, Command::Startup(InstanceId(i))).unwrap();
        }
    }
    sim.run_for(Duration::from_secs(5));
    let both = |sim: &Sim, n| {
        (
            sim.router(n).state(InstanceId(0)),
            sim.router(n).state(InstanceId(1)),
        )
    };
    assert_eq!(both(&sim, r1), (Some(State::Master), Some(State::Master)));
    // RH_EXT's interface fails on r1: both instances go FAULT, r2 takes both.
    sim.command(
        r1,
        Command::InterfaceState {
            instance: InstanceId(0),
            index: 0,
            up: false,
        },
    )
    .unwrap();
    sim.run_for(Duration::from_secs(2));
    assert_eq!(both(&sim, r1), (Some(State::Fault), Some(State::Fault)));
    assert_eq!(both(&sim, r2), (Some(State::Master), Some(State::Master)));
    sim.command(
        r1,
        Command::InterfaceState {
            instance: InstanceId(0),
            index: 0,
            up: true,
        },
    )
    .unwrap();
    sim.run_for(Duration::from_secs(5));
    assert_eq!(both(&sim, r1), (Some(State::Master), Some(State::Master)));
    assert_eq!(both(&sim, r2), (Some(State::Backup), Some(State::Backup)));
    // A higher-priority advert for VI_1 alone (as from a third router) makes
    // r1's VI_1 step down, and VI_2 follows it through the group.
    let adv = vrrp::wire::AdvertRepr {
        version: Version::V3,
        vrid: 51,
        priority: 254,
        interval: 100,
        reserved: 0,
        addrs: AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
        auth: V2Auth::NONE,
    };
    let (src, dst) = (v4(3), IpAddr::V4(vrrp::wire::MCAST_V4));
    let bytes = adv.to_vec(vrrp::wire::ChecksumRule::PseudoHeader { src, dst });
    sim.inject(
        r1,
        &vrrp::Received {
            src,
            dst,
            ttl: 255,
            payload: &bytes,
        },
    );
    assert_eq!(both(&sim, r1), (Some(State::Backup), Some(State::Backup)));
    let (_, _, last) = sim.events.last().unwrap();
    assert!(matches!(
        last,
        Event::StateChanged {
            instance: InstanceId(1),
            to: State::Backup,
            reason: TransitionReason::SyncGroup {
                leader: InstanceId(0)
            },
            ..
        }
    ));
}

#[test]
fn flapping_master_does_not_wedge() {
    let (mut sim, _, r1, r2) = pair(Version::V3);
    sim.run_for(Duration::from_secs(5));
    for _ in 0..20 {
        sim.partition(r1, r2);
        sim.run_for(Duration::from_millis(3700));
        sim.heal();
        sim.run_for(Duration::from_millis(1300));
    }
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
    assert_eq!(sim.router(r2).state(VI), Some(State::Backup));
    assert!(sim.router(r2).stats(VI).unwrap().master_transitions >= 10);
}

#[test]
fn garp_delay_repeat_and_refresh() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 11);
    let mut c = cfg(Version::V2, 1, 150);
    c.garp.master_refresh = Some(Duration::from_secs(10));
    c.garp.refresh_repeat = 2;
    let r1 = node(&mut sim, c);
    start(&mut sim, r1);
    sim.run_for(Duration::from_secs(4));
    let up = entered(&sim, r1, State::Master).unwrap();
    sim.run_until(up + Duration::from_secs(27), 100_000);
    // Bursts of garp_master_repeat at 0 s and garp_master_delay (5 s), then
    // garp_master_refresh_repeat every garp_master_refresh (15 s, 25 s).
    let times: Vec<Duration> = sim
        .sent
        .iter()
        .filter(|s| s.tx.kind == TransmitKind::Garp)
        .map(|s| s.at - up)
        .collect();
    let secs = |n: u64| Duration::from_secs(n);
    let expect: Vec<Duration> = [(0, 5), (5, 5), (15, 2), (25, 2)]
        .iter()
        .flat_map(|&(t, n)| std::iter::repeat_n(secs(t), n))
        .collect();
    assert_eq!(times, expect);
    assert_eq!(sim.router(r1).stats(VI).unwrap().garp_tx, 14);
}

#[test]
fn early_timeout_is_a_no_op_and_deadlines_are_never_past() {
    let t0 = epoch();
    let mut r = Router::new();
    r.add_instance(cfg(Version::V3, 1, 150)).unwrap();
    r.handle_command(t0, Command::Startup(VI)).unwrap();
    let deadline = r.poll_timeout().unwrap();
    assert_eq!(deadline - t0, Duration::from_nanos(3_414_062_500));
    r.handle_timeout(deadline - Duration::from_millis(1));
    assert_eq!(r.state(VI), Some(State::Backup));
    assert_eq!(r.poll_timeout(), Some(deadline));
    let mut now = deadline;
    for _ in 0..50 {
        r.handle_timeout(now);
        let next = r.poll_timeout().unwrap();
        assert!(next > now);
        now = next;
    }
    assert_eq!(r.state(VI), Some(State::Master));
}

/// A tracked script's status is unknown until its first result, as in
/// keepalived without `init_fail` (`vrrp_init_script`: "one success is
/// enough"): an unknown weight-0 script holds the instance in Initialize
/// (sending nothing) until it reports; an unknown weighted script counts
/// neither way. keepalived's `init_fail` is a failure reported before
/// Startup.
#[test]
fn scripts_start_unknown_as_in_keepalived() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 12);
    let mut c1 = cfg(Version::V2, 1, 150);
    c1.track_scripts = vec![
        TrackScript { weight: 0 },
        TrackScript { weight: 20 },
        TrackScript { weight: -60 },
    ];
    let r1 = node(&mut sim, c1);
    let r2 = node(&mut sim, cfg(Version::V2, 2, 100));
    start(&mut sim, r1);
    start(&mut sim, r2);
    sim.run_for(Duration::from_secs(10));
    // r1 waits for its weight-0 script: no state change, no advert; r2 is
    // master alone.
    assert_eq!(sim.router(r1).state(VI), Some(State::Initialize));
    assert_eq!(sim.router(r1).priority(VI), Some(150));
    assert!(!sim.sent.iter().any(|s| s.node == r1));
    assert!(entered(&sim, r1, State::Backup).is_none());
    assert_eq!(sim.router(r2).state(VI), Some(State::Master));
    let script = |index, ok| Command::ScriptResult {
        instance: VI,
        index,
        ok,
    };
    // The weighted scripts report first: +20 on success, nothing yet from
    // the unknown -60 one; still waiting for the weight-0 one.
    sim.command(r1, script(1, true)).unwrap();
    assert_eq!(sim.router(r1).priority(VI), Some(170));
    assert_eq!(sim.router(r1).state(VI), Some(State::Initialize));
    // One success of the weight-0 script is enough: Backup, then it
    // preempts r2 after its Master_Down_Interval.
    sim.command(r1, script(0, true)).unwrap();
    let up = sim.now();
    assert!(matches!(
        sim.events.last(),
        Some((
            _,
            _,
            Event::StateChanged {
                from: State::Initialize,
                to: State::Backup,
                reason: TransitionReason::Startup,
                ..
            }
        ))
    ));
    sim.run_for(Duration::from_secs(5));
    let (mdi, _) = master_down_interval(Version::V2, 170, Duration::from_secs(1));
    assert_eq!(entered(&sim, r1, State::Master), Some(up + mdi));
    sim.command(r1, script(2, false)).unwrap();
    assert_eq!(sim.router(r1).priority(VI), Some(110));

    // A first result that fails puts a waiting instance in Fault directly.
    let mut sim = Sim::new(t0, 13);
    let mut c = cfg(Version::V3, 1, 150);
    c.track_scripts = vec![TrackScript { weight: 0 }, TrackScript { weight: 0 }];
    let r = node(&mut sim, c);
    start(&mut sim, r);
    sim.command(r, script(1, false)).unwrap();
    assert_eq!(sim.router(r).state(VI), Some(State::Fault));
    // Healthy again, but the other weight-0 script has not reported: as
    // keepalived (`num_script_init`), the instance stays down.
    sim.command(r, script(1, true)).unwrap();
    assert_eq!(sim.router(r).state(VI), Some(State::Fault));
    sim.command(r, script(0, true)).unwrap();
    assert_eq!(sim.router(r).state(VI), Some(State::Backup));

    // init_fail: the driver reports the failure before Startup.
    let mut sim = Sim::new(t0, 14);
    let mut c = cfg(Version::V3, 1, 150);
    c.track_scripts = vec![TrackScript { weight: 0 }, TrackScript { weight: -60 }];
    let r = node(&mut sim, c);
    sim.command(r, script(0, false)).unwrap();
    sim.command(r, script(1, false)).unwrap();
    assert_eq!(sim.router(r).priority(VI), Some(90));
    start(&mut sim, r);
    assert_eq!(sim.router(r).state(VI), Some(State::Fault));
    assert!(!sim.sent.iter().any(|s| s.node == r));
}

/// keepalived's `garp_lower_prio_repeat` / `garp_lower_prio_delay`: a master
/// that sees a lower-priority advert (another master: split brain) sends a
/// burst of announcements at once and a second one after the delay.
#[test]
fn garp_after_a_lower_priority_advert() {
    let t0 = epoch();
    let mut sim = Sim::new(t0, 15);
    let mut c = cfg(Version::V2, 1, 150);
    c.garp.lower_prio_repeat = 2;
    c.garp.lower_prio_delay = Duration::from_secs(3);
    let r1 = node(&mut sim, c);
    start(&mut sim, r1);
    sim.run_for(Duration::from_secs(4));
    let up = entered(&sim, r1, State::Master).unwrap();
    sim.run_until(up + Duration::from_secs(10), 100_000);
    let adv = vrrp::wire::AdvertRepr {
        version: Version::V2,
        vrid: 51,
        priority: 50,
        interval: 1,
        reserved: 0,
        addrs: AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]),
        auth: V2Auth::pass(b"secret"),
    };
    let (src, dst) = (v4(3), IpAddr::V4(vrrp::wire::MCAST_V4));
    let bytes = adv.to_vec(vrrp::wire::ChecksumRule::MessageOnly);
    sim.inject(
        r1,
        &vrrp::Received {
            src,
            dst,
            ttl: 255,
            payload: &bytes,
        },
    );
    sim.run_until(up + Duration::from_secs(20), 100_000);
    // garp_master_repeat (5) at 0 s and garp_master_delay (5 s); then
    // garp_lower_prio_repeat (2) at the lower advert (10 s) and
    // garp_lower_prio_delay later (13 s).
    let times: Vec<Duration> = sim
        .sent
        .iter()
        .filter(|s| s.tx.kind == TransmitKind::Garp)
        .map(|s| s.at - up)
        .collect();
    let secs = |n: u64| Duration::from_secs(n);
    let expect: Vec<Duration> = [(0, 5), (5, 5), (10, 2), (13, 2)]
        .iter()
        .flat_map(|&(t, n)| std::iter::repeat_n(secs(t), n))
        .collect();
    assert_eq!(times, expect);
    assert_eq!(sim.router(r1).state(VI), Some(State::Master));
}
