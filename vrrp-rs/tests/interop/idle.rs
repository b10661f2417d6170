//! "A router with 255 VRIDs idle costs no measurable CPU between timer
//! events": the driver sleeps until [`Router::poll_timeout`] on a timerfd,
//! so a window without a deadline is one sleep, and a window with a
//! deadline a second is one wake-up per second, whatever the VRID count.
//! CPU is read from getrusage (voluntary context switches: how often the
//! thread slept) and `/proc/thread-self/schedstat` (nanoseconds on CPU).

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::Lan;
use lbkit_testsupport::tier;
use vrrp::linux::{VrrpSocket, ifindex, run_until};
use vrrp::{InstanceId, State};

#[path = "../support/fleet.rs"]
mod fleet;

use fleet::{router, usage};

#[test]
fn idle_255_vrids_sleep_until_the_next_deadline() {
    let tag = "vridle";
    if !tier::namespace(tag) {
        return;
    }
    let lan = Lan::new(tag, 1).unwrap();
    lan.host(1)
        .enter(|| {
            let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
            let sock = VrrpSocket::open("eth0", ifindex("eth0").unwrap(), me).unwrap();

            // 255 backups (no master on the LAN), adverts every 10 s: the
            // next deadline (Master_Down_Interval) is 30 s away; a 1 s run
            // is one sleep.
            let t0 = Instant::now();
            let mut r = router(t0, 100, Duration::from_secs(10));
            run_until(&mut r, &sock, None, Instant::now(), |_| {}).unwrap();
            let (w0, c0) = usage();
            run_until(
                &mut r,
                &sock,
                None,
                Instant::now() + Duration::from_secs(1),
                |_| {},
            )
            .unwrap();
            let (w1, c1) = usage();
            assert!(r.poll_timeout().unwrap() > Instant::now() + Duration::from_secs(25));
            assert!((0..255).all(|i| r.state(InstanceId(i)) == Some(State::Backup)));
            eprintln!(
                "255 backups, 1 s without a deadline: {} wake-ups, {} µs on CPU",
                w1 - w0,
                (c1 - c0) / 1000
            );
            assert!(
                w1 - w0 <= 2,
                "the driver woke {} times in an idle second",
                w1 - w0
            );

            // 255 owners (masters at once), adverts every second, all due
            // together: one wake-up per advert round, each sending 255 adverts.
            let t0 = Instant::now();
            let mut r = router(t0, 255, Duration::from_secs(1));
            run_until(&mut r, &sock, None, Instant::now(), |_| {}).unwrap();
            let (w0, c0) = usage();
            let sent0: u64 = (0..255)
                .map(|i| r.stats(InstanceId(i)).unwrap().adverts_tx)
                .sum();
            run_until(
                &mut r,
                &sock,
                None,
                t0 + Duration::from_millis(3500),
                |_| {},
            )
            .unwrap();
            let (w1, c1) = usage();
            let sent: u64 = (0..255)
                .map(|i| r.stats(InstanceId(i)).unwrap().adverts_tx)
                .sum::<u64>()
                - sent0;
            let rounds = sent / 255;
            eprintln!(
                "255 masters, {rounds} advert rounds: {} wake-ups, {} µs on CPU ({} µs a round)",
                w1 - w0,
                (c1 - c0) / 1000,
                (c1 - c0) / 1000 / rounds.max(1)
            );
            assert_eq!(sent % 255, 0, "every VRID advertises in every round");
            assert_eq!(rounds, 3);
            assert!(
                w1 - w0 <= 2 * 3 + 2,
                "{} wake-ups for 3 advert rounds",
                w1 - w0
            );
        })
        .unwrap();
}
