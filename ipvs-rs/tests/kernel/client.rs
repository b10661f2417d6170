//! Every `Client` operation against the real kernel.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ipvs::{
    AddressFamily, DaemonState, DestKey, Destination, Error, ErrorKind, Forwarding, Protocol,
    Scheduler, Service, ServiceFlags, ServiceKey, SyncDaemon, Timeouts, TunnelFlags, TunnelType,
};
use lbkit_testsupport::tier;

use crate::common::{ip, ipvsadm, setup};

#[test]
fn info_and_timeouts() {
    if !tier::kernel("info_and_timeouts") {
        return;
    }
    let (_ns, mut c) = setup("info");
    let info = c.info().unwrap();
    assert_eq!(info.version_triple(), (1, 2, 1), "{info:?}");
    assert!(info.conn_tab_size.is_power_of_two(), "{info:?}");

    let before = c.timeouts().unwrap();
    assert_eq!(
        before,
        Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300
        }
    );
    c.set_timeouts(&Timeouts {
        tcp: 1000,
        tcp_fin: 0,
        udp: 45,
    })
    .unwrap();
    // Zero leaves a value unchanged.
    assert_eq!(
        c.timeouts().unwrap(),
        Timeouts {
            tcp: 1000,
            tcp_fin: 120,
            udp: 45
        }
    );
}

#[test]
fn services_add_get_edit_delete_and_errors() {
    if !tier::kernel("services_add_get_edit_delete_and_errors") {
        return;
    }
    let (ns, mut c) = setup("svc");
    let key = ServiceKey::tcp(ip("198.18.0.10"), 80);
    let mut svc = Service::new(key, "rr");
    c.add_service(&svc).unwrap();

    let got = c.service(&key).unwrap();
    assert_eq!(got.key, key);
    assert!(got.settings.same_as(&svc.settings), "{got:?}");
    assert!(
        got.settings.flags.contains(ServiceFlags::HASHED),
        "the kernel sets HASHED: {got:?}"
    );
    assert_eq!(c.services().unwrap().len(), 1);

    let err = c.add_service(&svc).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::AlreadyExists), "{err}");
    assert_eq!(err.errno(), Some(libc::EEXIST));

    // Persistence with a /24 granularity, and a different scheduler.
    svc.settings.scheduler = Scheduler::new("wlc");
    svc.settings.timeout = 300;
    svc.settings.netmask_prefix = 24;
    svc.settings.flags = ServiceFlags::PERSISTENT;
    c.edit_service(&svc).unwrap();
    let got = c.service(&key).unwrap();
    assert!(got.settings.same_as(&svc.settings), "{got:?}");
    let listing = ipvsadm(&ns, &["-Ln"]);
    assert!(
        listing.contains("TCP  198.18.0.10:80 wlc persistent 300 mask 255.255.255.0"),
        "{listing}"
    );

    c.del_service(&key).unwrap();
    let err = c.del_service(&key).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    assert_eq!(err.errno(), Some(libc::ESRCH), "{err}");
    let err = c.service(&key).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    let err = c.edit_service(&svc).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    assert!(c.services().unwrap().is_empty());
}

#[test]
fn ipv6_fwmark_sctp_udp_services() {
    if !tier::kernel("ipv6_fwmark_sctp_udp_services") {
        return;
    }
    let (ns, mut c) = setup("families");
    let keys = [
        ServiceKey::udp(ip("fd00::10"), 53),
        ServiceKey::sctp(ip("198.18.0.11"), 3868),
        ServiceKey::sctp(ip("fd00::11"), 3868),
        ServiceKey::fwmark(7, AddressFamily::INET),
        ServiceKey::fwmark(8, AddressFamily::INET6),
    ];
    for k in keys {
        let mut s = Service::new(k, "sh");
        s.settings.flags = ServiceFlags::SH_FALLBACK | ServiceFlags::SH_PORT;
        c.add_service(&s).unwrap();
        let got = c.service(&k).unwrap();
        assert_eq!(got.key, k);
        assert!(got.settings.same_as(&s.settings), "{got:?} vs {s:?}");
    }
    let mut listed: Vec<_> = c.services().unwrap().into_iter().map(|s| s.key).collect();
    listed.sort();
    let mut want = keys.to_vec();
    want.sort();
    assert_eq!(listed, want);

    // IPv6 destinations on the IPv6 service, with an IPv4 tunnel destination
    // on an IPv6 fwmark service (families may differ only for tunnels).
    let v6 = Destination::new(ip("fd00::20"), 53, Forwarding::MASQ, 2);
    c.add_dest(&keys[0], &v6).unwrap();
    let mut mixed = Destination::new(ip("198.18.0.21"), 0, Forwarding::TUNNEL, 1);
    mixed.settings.tun_type = TunnelType::IPIP;
    c.add_dest(&keys[4], &mixed).unwrap();
    let got = c.destinations(&keys[4]).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key, mixed.key);
    assert_eq!(got[0].settings, mixed.settings);
    let got = c.destinations(&keys[0]).unwrap();
    assert_eq!(got[0].key, v6.key);
    assert_eq!(got[0].settings, v6.settings);

    let listing = ipvsadm(&ns, &["-Ln"]);
    assert!(
        listing.contains("UDP  [fd00::10]:53 sh (sh-fallback,sh-port)"),
        "{listing}"
    );
    assert!(listing.contains("FWM  8 IPv6 sh"), "{listing}");
    assert!(listing.contains("SCTP 198.18.0.11:3868 sh"), "{listing}");
    assert!(listing.contains("-> 198.18.0.21:0"), "{listing}");
}

#[test]
fn every_scheduler_and_twos_is_a_clear_error() {
    if !tier::kernel("every_scheduler_and_twos_is_a_clear_error") {
        return;
    }
    let (_ns, mut c) = setup("sched");
    let mut port = 1000;
    for &name in Scheduler::KNOWN {
        port += 1;
        let key = ServiceKey::tcp(ip("198.18.1.1"), port);
        let mut s = Service::new(key, name);
        if name == Scheduler::MH {
            s.settings.flags = ServiceFlags::MH_PORT | ServiceFlags::MH_FALLBACK;
        }
        let res = c.add_service(&s);
        if name == Scheduler::TWOS {
            // Debian's 6.1 kernel is built without ip_vs_twos.
            let err = res.unwrap_err();
            assert!(
                matches!(&err, Error::SchedulerUnavailable(n) if n == "twos"),
                "{err:?}"
            );
            assert_eq!(err.kind(), Some(ErrorKind::NotFound));
            let msg = err.to_string();
            assert!(
                msg.contains("twos") && msg.contains("modprobe ip_vs_twos"),
                "{msg}"
            );
            continue;
        }
        res.unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = c.service(&key).unwrap();
        assert_eq!(got.settings.scheduler.as_str(), name);
        assert!(got.settings.same_as(&s.settings), "{got:?}");
    }
    // An unknown name is an error, never a panic, and keeps its name.
    let err = c
        .add_service(&Service::new(
            ServiceKey::tcp(ip("198.18.1.1"), 1),
            "nosuch",
        ))
        .unwrap_err();
    assert!(
        matches!(&err, Error::SchedulerUnavailable(n) if n == "nosuch"),
        "{err:?}"
    );
}

#[test]
fn destinations_forwarding_tunnels_thresholds_and_errors() {
    if !tier::kernel("destinations_forwarding_tunnels_thresholds_and_errors") {
        return;
    }
    let (ns, mut c) = setup("dest");
    let key = ServiceKey::tcp(ip("198.18.0.10"), 443);
    c.add_service(&Service::new(key, "wrr")).unwrap();

    let masq = Destination::new(ip("198.18.0.20"), 8443, Forwarding::MASQ, 3);
    let mut route = Destination::new(ip("198.18.0.21"), 443, Forwarding::ROUTE, 1);
    route.settings.upper_threshold = 100;
    route.settings.lower_threshold = 10;
    let mut gue = Destination::new(ip("198.18.0.22"), 443, Forwarding::TUNNEL, 1);
    gue.settings.tun_type = TunnelType::GUE;
    gue.settings.tun_port = 6080;
    gue.settings.tun_flags = TunnelFlags::REMCSUM;
    let mut gre = Destination::new(ip("198.18.0.23"), 443, Forwarding::TUNNEL, 0);
    gre.settings.tun_type = TunnelType::GRE;
    gre.settings.tun_flags = TunnelFlags::CSUM;
    let ipip = Destination::new(ip("198.18.0.24"), 443, Forwarding::TUNNEL, 5);
    let all = [masq, route, gue, gre, ipip];
    for d in &all {
        c.add_dest(&key, d).unwrap_or_else(|e| panic!("{d:?}: {e}"));
    }
    let mut got = c.destinations(&key).unwrap();
    got.sort_by_key(|d| d.key);
    assert_eq!(got.len(), all.len());
    for (g, w) in got.iter().zip(&all) {
        assert_eq!(g.key, w.key);
        assert_eq!(g.settings, w.settings, "{:?}", w.key);
        assert_eq!(
            (g.active_conns, g.inactive_conns, g.persist_conns),
            (0, 0, 0)
        );
    }
    let listing = ipvsadm(&ns, &["-Ln", "--tun-info"]);
    assert!(listing.contains("gue"), "{listing}");

    let err = c.add_dest(&key, &all[0]).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::AlreadyExists), "{err}");

    let mut edited = all[0].clone();
    edited.settings.weight = 7;
    edited.settings.forwarding = Forwarding::ROUTE;
    c.edit_dest(&key, &edited).unwrap();
    let got = c.destinations(&key).unwrap();
    let g = got.iter().find(|d| d.key == edited.key).unwrap();
    assert_eq!(g.settings, edited.settings);

    c.del_dest(&key, &all[1].key).unwrap();
    let err = c.del_dest(&key, &all[1].key).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    let err = c.edit_dest(&key, &all[1]).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    assert_eq!(c.destinations(&key).unwrap().len(), all.len() - 1);

    let other = ServiceKey::udp(ip("198.18.0.99"), 1);
    let err = c.add_dest(&other, &all[0]).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");
    // The kernel's destination dump of a missing service is empty, not an error.
    assert!(c.destinations(&other).unwrap().is_empty());

    // A destination of another family needs tunnelling.
    let err = c
        .add_dest(
            &key,
            &Destination::new(ip("fd00::1"), 443, Forwarding::MASQ, 1),
        )
        .unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::InvalidArgument), "{err}");

    c.flush().unwrap();
    assert!(c.services().unwrap().is_empty());
}

#[test]
fn sync_daemons_start_list_stop() {
    if !tier::kernel("sync_daemons_start_list_stop") {
        return;
    }
    let (ns, mut c) = setup("sync");
    assert!(c.daemons().unwrap().is_empty());
    let mut master = SyncDaemon::new(DaemonState::MASTER, "lo", 7);
    master.mcast_group = Some(ip("239.255.1.2"));
    master.mcast_port = 8850;
    master.mcast_ttl = 2;
    master.sync_maxlen = 1400;
    c.start_daemon(&master).unwrap();
    let backup = SyncDaemon::new(DaemonState::BACKUP, "lo", 9);
    c.start_daemon(&backup).unwrap();

    let mut got = c.daemons().unwrap();
    got.sort_by_key(|d| d.state);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].state, DaemonState::MASTER);
    assert_eq!(got[0].mcast_ifname, "lo");
    assert_eq!(got[0].sync_id, 7);
    assert_eq!(got[0].mcast_group, master.mcast_group);
    assert_eq!(got[0].mcast_port, 8850);
    assert_eq!(got[0].mcast_ttl, 2);
    assert_eq!(got[1].state, DaemonState::BACKUP);
    assert_eq!(got[1].sync_id, 9);
    let text = ipvsadm(&ns, &["--list", "--daemon"]);
    assert!(
        text.contains("master sync daemon (mcast=lo, syncid=7"),
        "{text}"
    );

    let err = c.start_daemon(&master).unwrap_err();
    // One daemon per role: the kernel says EEXIST ("Daemon has already run").
    assert_eq!(err.kind(), Some(ErrorKind::AlreadyExists), "{err:?}");

    c.stop_daemon(DaemonState::MASTER).unwrap();
    let got = c.daemons().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].state, DaemonState::BACKUP);
    c.stop_daemon(DaemonState::BACKUP).unwrap();
    assert!(c.daemons().unwrap().is_empty());

    let err = c
        .start_daemon(&SyncDaemon::new(DaemonState::MASTER, "nosuch0", 1))
        .unwrap_err();
    assert_eq!(err.errno(), Some(libc::ENODEV), "{err:?}");
}

#[test]
fn sync_daemon_with_an_ipv6_group() {
    if !tier::kernel("sync_daemon_with_an_ipv6_group") {
        return;
    }
    let (ns, mut c) = setup("sync6");
    ns.ip(&["link", "add", "d0", "type", "dummy"]).unwrap();
    ns.ip(&["link", "set", "d0", "multicast", "on", "up"])
        .unwrap();
    ns.add_addr("d0", "fd00::1/64").unwrap();
    let mut d = SyncDaemon::new(DaemonState::MASTER, "d0", 11);
    d.mcast_group = Some(ip("ff15::1:2"));
    d.mcast_port = 8860;
    c.start_daemon(&d).unwrap();
    let got = c.daemons().unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].mcast_group, d.mcast_group);
    assert_eq!(got[0].mcast_port, 8860);
    assert_eq!(got[0].mcast_ifname, "d0");
    let text = ipvsadm(&ns, &["-L", "--daemon"]);
    assert!(text.contains("group=ff15::1:2, port=8860"), "{text}");
    c.stop_daemon(DaemonState::MASTER).unwrap();
}

/// Real traffic through a local-node service: counters, zeroing, active
/// connections and draining.
#[test]
fn stats_zero_and_drain() {
    if !tier::kernel("stats_zero_and_drain") {
        return;
    }
    let (ns, mut c) = setup("stats");
    ns.add_addr("lo", "198.18.0.10/32").unwrap();
    let key = ServiceKey::tcp(ip("198.18.0.10"), 80);
    c.add_service(&Service::new(key, "rr")).unwrap();
    // A destination on a local address: the director itself serves it.
    c.add_dest(
        &key,
        &Destination::new(ip("198.18.0.10"), 8080, Forwarding::MASQ, 1),
    )
    .unwrap();

    let listener = ns
        .enter(|| TcpListener::bind("198.18.0.10:8080"))
        .unwrap()
        .unwrap();
    let vip: SocketAddr = "198.18.0.10:80".parse().unwrap();
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut s = ns
            .enter(|| TcpStream::connect_timeout(&vip, Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        let (mut srv, _) = listener.accept().unwrap();
        s.write_all(b"ping").unwrap();
        let mut b = [0u8; 4];
        srv.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"ping");
        open.push((s, srv));
    }
    let d = &c.destinations(&key).unwrap()[0];
    assert_eq!(d.active_conns, 3, "{d:?}");

    // The kernel's estimator publishes counters every 2 s: poll, bounded.
    let end = Instant::now() + Duration::from_secs(20);
    let mut stats = c.service(&key).unwrap().stats;
    while stats.conns < 3 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(250));
        stats = c.service(&key).unwrap().stats;
    }
    assert_eq!(stats.conns, 3, "{stats:?}");
    assert!(stats.in_packets >= 6 && stats.in_bytes > 0, "{stats:?}");

    c.zero(Some(&key)).unwrap();
    let stats = c.service(&key).unwrap().stats;
    assert_eq!(
        (stats.conns, stats.in_packets, stats.in_bytes),
        (0, 0, 0),
        "{stats:?}"
    );
    c.zero(None).unwrap();
    let err = c
        .zero(Some(&ServiceKey::tcp(ip("198.18.0.99"), 1)))
        .unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound), "{err}");

    // Draining with connections still open runs into the deadline, then deletes.
    let dk = DestKey {
        addr: ip("198.18.0.10"),
        port: 8080,
    };
    let drained = c
        .drain_dest(
            &key,
            &dk,
            Duration::from_millis(300),
            Duration::from_millis(100),
        )
        .unwrap();
    assert!(!drained);
    assert!(c.destinations(&key).unwrap().is_empty());
    drop(open);
    assert_eq!(Protocol::TCP, key_protocol(&key));
}

fn key_protocol(k: &ServiceKey) -> Protocol {
    match k {
        ServiceKey::Addr { protocol, .. } => *protocol,
        ServiceKey::Fwmark { .. } => Protocol(0),
    }
}

#[test]
fn namespace_by_file_descriptor() {
    if !tier::kernel("namespace_by_file_descriptor") {
        return;
    }
    let ns = lbkit_testsupport::netns::Netns::new("nsfd").unwrap();
    let fd: std::os::fd::OwnedFd = std::fs::File::open(ns.path()).unwrap().into();
    let mut c = ipvs::ConnectOptions::new().netns_fd(fd).connect().unwrap();
    c.add_service(&Service::new(ServiceKey::tcp(ip("198.18.0.10"), 80), "rr"))
        .unwrap();
    // The service is in that namespace, as ipvsadm there sees it.
    let listing = ipvsadm(&ns, &["-Ln"]);
    assert!(listing.contains("TCP  198.18.0.10:80 rr"), "{listing}");
}

#[test]
fn missing_namespace_is_a_clear_io_error() {
    if !tier::kernel("missing_namespace_is_a_clear_io_error") {
        return;
    }
    let err = ipvs::ConnectOptions::new()
        .netns_path("/run/netns/lbkit-does-not-exist")
        .connect()
        .unwrap_err();
    assert!(
        err.to_string().contains("/run/netns/lbkit-does-not-exist"),
        "{err}"
    );
}

#[test]
fn destination_settings_match_the_netlink_dumps_without_counters() {
    if !tier::kernel("destination_settings_match_the_netlink_dumps_without_counters") {
        return;
    }
    let (_ns, mut c) = setup("dset");
    let v4 = ServiceKey::tcp(ip("198.18.1.1"), 80);
    let udp = ServiceKey::Addr {
        protocol: Protocol::UDP,
        addr: ip("198.18.1.2"),
        port: 53,
    };
    let v6 = ServiceKey::tcp(ip("fd00::1:1"), 80);
    let fw4 = ServiceKey::Fwmark {
        mark: 7,
        family: AddressFamily::INET,
    };
    let fw6 = ServiceKey::Fwmark {
        mark: 7,
        family: AddressFamily::INET6,
    };
    let empty = ServiceKey::tcp(ip("198.18.1.3"), 80);
    let missing = ServiceKey::tcp(ip("198.18.1.4"), 80);
    for k in [v4, udp, v6, fw4, fw6, empty] {
        c.add_service(&Service::new(k, "wlc")).unwrap();
    }
    let mut masq = Destination::new(ip("198.18.2.1"), 8080, Forwarding::MASQ, 3);
    masq.settings.upper_threshold = 100;
    masq.settings.lower_threshold = 10;
    c.add_dest(&v4, &masq).unwrap();
    c.add_dest(
        &v4,
        &Destination::new(ip("198.18.2.2"), 80, Forwarding::ROUTE, 0),
    )
    .unwrap();
    c.add_dest(
        &v4,
        &Destination::new(ip("198.18.2.3"), 80, Forwarding::LOCAL, 1),
    )
    .unwrap();
    c.add_dest(
        &udp,
        &Destination::new(ip("198.18.2.4"), 53, Forwarding::MASQ, 1),
    )
    .unwrap();
    // A tunnel: its settings are not in the getsockopt interface.
    let mut gue = Destination::new(ip("198.18.2.5"), 53, Forwarding::TUNNEL, 1);
    gue.settings.tun_type = TunnelType::GUE;
    gue.settings.tun_port = 6080;
    c.add_dest(&udp, &gue).unwrap();
    // Another family: hidden from the getsockopt interface.
    let mut mixed = Destination::new(ip("fd00::2:1"), 0, Forwarding::TUNNEL, 1);
    mixed.settings.tun_type = TunnelType::IPIP;
    c.add_dest(&fw4, &mixed).unwrap();
    c.add_dest(
        &fw4,
        &Destination::new(ip("198.18.2.6"), 0, Forwarding::ROUTE, 2),
    )
    .unwrap();
    c.add_dest(
        &v6,
        &Destination::new(ip("fd00::2:2"), 8080, Forwarding::MASQ, 1),
    )
    .unwrap();
    c.add_dest(
        &fw6,
        &Destination::new(ip("fd00::2:3"), 0, Forwarding::ROUTE, 1),
    )
    .unwrap();

    let keys = [v4, udp, v6, fw4, fw6, empty, missing];
    let got = c.destination_settings(&keys).unwrap();
    assert_eq!(got.len(), keys.len());
    for (key, got) in keys.iter().zip(&got) {
        let mut want = if *key == missing {
            Vec::new()
        } else {
            c.destinations(key).unwrap()
        };
        for d in &mut want {
            d.stats = Default::default();
        }
        assert_eq!(got, &want, "{key:?}");
    }
    assert_eq!(got[0].len(), 3);
    let find = |list: &[Destination], addr| list.iter().find(|d| d.key.addr == ip(addr)).cloned();
    assert_eq!(find(&got[0], "198.18.2.1"), Some(masq));
    assert_eq!(find(&got[1], "198.18.2.5"), Some(gue));
    assert_eq!(got[3].len(), 2);
    assert!(got[5].is_empty() && got[6].is_empty());
}
