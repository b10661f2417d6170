//! Adverts decoded and handled per second: a backup receiving its master's
//! v3 adverts (the steady state of every backup), and the parser alone.
//! Run: `cargo bench -p vrrp --bench decode_handle`.
#![allow(missing_docs, clippy::disallowed_methods)] // a benchmark driver reads the clock

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vrrp::wire::{AddrList, AdvertRepr, ChecksumRule, Family, MCAST_V4, V2Auth, Version};
use vrrp::{Command, InstanceConfig, InstanceId, Received, Router};

fn bench(c: &mut Criterion) {
    let vips = AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)]);
    let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    let master = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    let dst = IpAddr::V4(MCAST_V4);
    let adv = AdvertRepr {
        version: Version::V3,
        vrid: 51,
        priority: 150,
        interval: 100,
        reserved: 0,
        addrs: vips.clone(),
        auth: V2Auth::NONE,
    };
    let rule = ChecksumRule::PseudoHeader { src: master, dst };
    let bytes = adv.to_vec(rule);

    let mut g = c.benchmark_group("advert");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_v3_ipv4", |b| {
        b.iter(|| AdvertRepr::parse(black_box(&bytes), Family::V4, rule));
    });

    let mut r = Router::new();
    let vi = r
        .add_instance(InstanceConfig::new("bench", 51, Version::V3, 100, me, vips))
        .unwrap();
    let mut now = Instant::now();
    r.handle_command(now, Command::Startup(vi)).unwrap();
    let rx = Received {
        src: master,
        dst,
        ttl: 255,
        payload: &bytes,
    };
    g.bench_function("decode_and_handle_backup", |b| {
        b.iter(|| {
            now += Duration::from_micros(1);
            r.handle_packet(now, black_box(&rx));
            while r.poll_event().is_some() {}
        });
    });
    g.finish();
    assert_eq!(r.state(InstanceId(0)), Some(vrrp::State::Backup));
    assert!(r.stats(InstanceId(0)).unwrap().adverts_rx > 0);
}

criterion_group!(benches, bench);
criterion_main!(benches);
