//! Plans applied to the real kernel in batches.

use std::collections::BTreeMap;

use ipvs::{
    DesiredService, DestKey, DestSettings, Destination, ErrorKind, Forwarding, Op, PlanOptions,
    Service, ServiceKey, Table, plan,
};
use lbkit_testsupport::tier;

use crate::common::{ip, setup};

fn generated(services: u16, dests: u16, weight: u32) -> Table {
    let mut t = Table::new();
    for s in 0..services {
        let key = ServiceKey::tcp(ip(&format!("198.18.{}.{}", 10 + s / 250, 1 + s % 250)), 80);
        let mut svc = DesiredService {
            settings: Service::new(key, "wlc").settings,
            dests: BTreeMap::new(),
        };
        for d in 0..dests {
            svc.dests.insert(
                DestKey {
                    addr: ip(&format!("198.19.{}.{}", s % 250, 1 + d)),
                    port: 8080,
                },
                DestSettings {
                    forwarding: Forwarding::ROUTE,
                    weight,
                    ..DestSettings::default()
                },
            );
        }
        t.services.insert(key, svc);
    }
    t
}

/// Kernel tables compare to desired ones modulo kernel-set flags.
fn assert_same(kernel: &Table, want: &Table) {
    assert_eq!(kernel.len(), want.len());
    for (k, w) in &want.services {
        let g = kernel
            .services
            .get(k)
            .unwrap_or_else(|| panic!("{k:?} missing"));
        assert!(
            g.settings.same_as(&w.settings),
            "{k:?}: {:?} vs {:?}",
            g.settings,
            w.settings
        );
        assert_eq!(g.dests, w.dests, "{k:?}");
    }
}

#[test]
fn plan_apply_round_trips_and_a_change_is_small() {
    if !tier::kernel("plan_apply_round_trips_and_a_change_is_small") {
        return;
    }
    let (_ns, mut c) = setup("apply");
    let want = generated(300, 5, 1);
    let ops = plan(&want, &c.table().unwrap(), PlanOptions::default());
    assert_eq!(ops.len(), 300 * 6);
    let report = c.apply(&ops).unwrap();
    assert!(report.is_ok(), "{:?}", report.errors.first());
    assert_eq!(report.sent, ops.len());
    let got = c.table().unwrap();
    assert_same(&got, &want);
    assert!(plan(&want, &got, PlanOptions::default()).is_empty());

    // A 1% change: 3 weights, one service gone, one new.
    let mut next = want.clone();
    for d in next.services.values_mut().take(3) {
        d.dests.values_mut().next().unwrap().weight = 9;
    }
    let gone = *next.services.keys().nth(100).unwrap();
    next.services.remove(&gone);
    let extra = generated(301, 2, 4)
        .services
        .into_iter()
        .next_back()
        .unwrap();
    next.services.insert(extra.0, extra.1);
    let ops = plan(&next, &got, PlanOptions::default());
    assert_eq!(ops.len(), 3 + 1 + 3, "{ops:?}");
    assert!(c.apply(&ops).unwrap().is_ok());
    assert_same(&c.table().unwrap(), &next);

    // Draining: first the weights go to zero, a second plan deletes.
    let mut smaller = next.clone();
    let drop_key = *smaller.services.keys().next().unwrap();
    smaller.services.remove(&drop_key);
    let opts = PlanOptions { drain: true };
    let ops = plan(&smaller, &c.table().unwrap(), opts);
    assert!(
        ops.iter()
            .all(|o| matches!(o, Op::EditDest(k, d) if *k == drop_key && d.settings.weight == 0)),
        "{ops:?}"
    );
    assert!(c.apply(&ops).unwrap().is_ok());
    let ops = plan(&smaller, &c.table().unwrap(), opts);
    assert_eq!(ops, vec![Op::DelService(drop_key)]);
    assert!(c.apply(&ops).unwrap().is_ok());
    assert_same(&c.table().unwrap(), &smaller);
}

#[test]
fn apply_reports_each_failed_operation() {
    if !tier::kernel("apply_reports_each_failed_operation") {
        return;
    }
    let (_ns, mut c) = setup("applyerr");
    let a = ServiceKey::tcp(ip("198.18.0.1"), 80);
    let b = ServiceKey::udp(ip("198.18.0.2"), 53);
    c.add_service(&Service::new(a, "rr")).unwrap();
    let d = Destination::new(ip("198.19.0.1"), 80, Forwarding::ROUTE, 1);
    let ops = vec![
        Op::AddService(Service::new(a, "rr")),   // exists
        Op::AddDest(a, d.clone()),               // fine
        Op::AddDest(b, d.clone()),               // no such service
        Op::AddService(Service::new(b, "twos")), // no such scheduler
        Op::AddService(Service::new(b, "sh")),   // fine
        Op::AddDest(b, d.clone()),               // fine now
        Op::DelDest(
            a,
            DestKey {
                addr: ip("198.19.9.9"),
                port: 1,
            },
        ), // no such dest
    ];
    let report = c.apply(&ops).unwrap();
    let failed: Vec<_> = report
        .errors
        .iter()
        .map(|e| (e.index, e.error.kind()))
        .collect();
    assert_eq!(
        failed,
        vec![
            (0, Some(ErrorKind::AlreadyExists)),
            (2, Some(ErrorKind::NotFound)),
            (3, Some(ErrorKind::NotFound)),
            (6, Some(ErrorKind::NotFound)),
        ],
        "{:#?}",
        report.errors
    );
    assert!(
        report.errors[2].error.to_string().contains("twos"),
        "{}",
        report.errors[2].error
    );
    assert_eq!(c.destinations(&b).unwrap().len(), 1);
    assert_eq!(c.destinations(&a).unwrap().len(), 1);
}
