//! keepalived's `use_vmac` and `vmac_xmit_base` with [`Vmac`] (a macvlan
//! created through rtnetlink): the engine on `vrrp.51` is master over a
//! keepalived that uses a VMAC too; adverts, GARP / NA and ARP / ND replies
//! carry 00:00:5e:00:01:33 (IPv4) or 00:00:5e:00:02:33 (IPv6, with the base
//! link-local address added to the VMAC, as keepalived does); with
//! `vmac_xmit_base` the adverts leave from the base interface's MAC while the
//! address stays on the VMAC.

use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;
use socket2::{Domain, Protocol, Socket, Type};
use vrrp::State;
use vrrp::linux::{Vmac, set_vip, vrrp_mac};
use vrrp::wire::{Family, MacAddr};

use crate::harness::{Engine, Flavour, Keepalived, keepalived_present, wait_for, wait_v6_ready};

const F: Flavour = Flavour {
    version: vrrp::wire::Version::V3,
    v6: false,
    adv_cs: 10,
    unicast: false,
};

const F6: Flavour = Flavour {
    version: vrrp::wire::Version::V3,
    v6: true,
    adv_cs: 10,
    unicast: false,
};

/// Ethernet source MACs of the VRRP adverts a host receives (AF_PACKET).
#[derive(Default)]
struct MacSniffer {
    seen: Mutex<Vec<[u8; 6]>>,
    stop: AtomicBool,
}

impl MacSniffer {
    fn run(&self) {
        // ETH_P_ALL in network byte order.
        let s = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0x0300))).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let hard = Instant::now() + Duration::from_secs(60);
        let mut buf = [0u8; 2048];
        while !self.stop.load(Ordering::Relaxed) && Instant::now() < hard {
            let Ok(n) = (&s).read(&mut buf) else {
                continue;
            };
            let b = &buf[..n];
            let v4 = b.len() > 34 && b[12..14] == [0x08, 0x00] && b[23] == 112;
            let v6 = b.len() > 54 && b[12..14] == [0x86, 0xdd] && b[20] == 112;
            if v4 || v6 {
                let mut mac = [0u8; 6];
                mac.copy_from_slice(&b[6..12]);
                self.seen.lock().unwrap().push(mac);
            }
        }
    }
}

fn neigh_mac(h: &Netns, ip: &str) -> Option<String> {
    let out = h.ip(&["neigh", "show", "to", ip, "dev", "eth0"]).ok()?;
    out.split_whitespace()
        .skip_while(|w| *w != "lladdr")
        .nth(1)
        .map(str::to_string)
}

fn fmt(mac: MacAddr) -> String {
    mac.0
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn vmac_and_xmit_base_against_keepalived_with_use_vmac() {
    let tag = "vrvmac";
    if !tier::namespace(tag) || !keepalived_present(tag) {
        return;
    }
    assert_eq!(fmt(vrrp_mac(51, Family::V4)), "00:00:5e:00:01:33");
    assert_eq!(fmt(vrrp_mac(51, Family::V6)), "00:00:5e:00:02:33");
    for (n, (f, xmit_base)) in [(F, false), (F, true), (F6, false)].into_iter().enumerate() {
        let lan = Lan::new(&format!("{tag}{n}"), 2).unwrap();
        if f.v6 {
            wait_v6_ready(&lan, 2);
        }
        let (h1, h2) = (lan.host(1), lan.host(2));
        let family = if f.v6 { Family::V6 } else { Family::V4 };
        let vmac = h2
            .enter(|| {
                let vmac = Vmac::create("eth0", "vrrp.51", 51, family).unwrap();
                if f.v6 && !xmit_base {
                    // As keepalived: the instance's source, the base
                    // interface's link-local address, is added to the VMAC.
                    set_vip(vmac.ifindex(), f.addr(2), 64, true).unwrap();
                }
                vmac
            })
            .unwrap();
        let mac = fmt(vmac.mac());
        let link = h2.ip(&["-d", "link", "show", "vrrp.51"]).unwrap();
        assert!(
            link.contains("macvlan mode private")
                && link.contains(&mac)
                && link.contains("state UP"),
            "{link}"
        );
        let (vip, prefix) = if f.v6 {
            ("fd00::100", 64)
        } else {
            ("198.18.0.100", 24)
        };
        let mut cfg = f.engine_conf(2, 200);
        cfg.mac = vmac.mac();
        cfg.garp.master_delay = Duration::ZERO;
        let sock_iface = if xmit_base { "eth0" } else { "vrrp.51" };
        let engine = Engine::default();
        let sniff = MacSniffer::default();
        let log = std::thread::scope(|s| {
            s.spawn(|| h1.enter(|| sniff.run()).unwrap());
            let h = engine.spawn_on(s, h2, cfg, sock_iface, Some(("vrrp.51", prefix)));
            assert!(engine.wait_state(State::Master, Duration::from_secs(10)));
            let mut ka = Keepalived::start(h1, tag, &f.keepalived_conf(1, 150, "    use_vmac\n"));
            assert!(
                ka.wait_log("Entering BACKUP STATE", Duration::from_secs(10)),
                "{}",
                ka.log()
            );
            // The address answers from the VMAC, and GARP / NA taught h1 so.
            assert!(
                h1.run("ping", &["-c", "1", "-W", "2", vip])
                    .is_ok_and(|o| o.status.success())
            );
            assert!(
                wait_for(Duration::from_secs(5), || {
                    neigh_mac(h1, vip).as_deref() == Some(mac.as_str())
                }),
                "h1's neighbours:\n{}\nh2's addresses:\n{}",
                h1.ip(&["neigh", "show"]).unwrap_or_default(),
                h2.ip(&["addr", "show"]).unwrap_or_default()
            );
            // Five adverts seen by h1: longer than keepalived's Master_Down.
            assert!(wait_for(Duration::from_secs(10), || sniff
                .seen
                .lock()
                .unwrap()
                .len()
                >= 5));
            engine.crash();
            h.join().unwrap();
            sniff.stop.store(true, Ordering::Relaxed);
            ka.stop()
        });
        engine.assert_no_drops();
        assert!(!log.contains("Entering MASTER STATE"), "{log}");
        for bad in ["invalid", "Invalid", "wrong", "mismatch"] {
            assert!(!log.contains(bad), "keepalived complained ({bad}):\n{log}");
        }
        let want = if xmit_base {
            [2, 0, 0, 0, 0, 2]
        } else {
            vmac.mac().0
        };
        let seen = sniff.seen.lock().unwrap().clone();
        assert!(
            seen.iter().all(|m| *m == want),
            "advert source MACs {seen:02x?}, expected {want:02x?}"
        );
        let idx = vmac.ifindex();
        vmac.delete().unwrap();
        let gone = h2.ip(&["link", "show", "vrrp.51"]);
        assert!(
            gone.is_err() || gone.unwrap().is_empty(),
            "index {idx} still there"
        );
    }
}
