use proptest::prelude::*;

use super::*;
use crate::model::{Forwarding, ServiceFlags};

fn key(i: u8) -> ServiceKey {
    if i % 5 == 4 {
        ServiceKey::fwmark(u32::from(i), crate::AddressFamily::INET)
    } else {
        ServiceKey::tcp(std::net::IpAddr::from([198, 18, 0, i]), 80)
    }
}

fn settings() -> impl Strategy<Value = ServiceSettings> {
    (
        prop_oneof![Just("rr"), Just("wlc"), Just("sh")],
        any::<bool>(),
        0u32..3,
    )
        .prop_map(|(s, one, t)| ServiceSettings {
            flags: if one {
                ServiceFlags::ONE_PACKET
            } else {
                ServiceFlags::empty()
            },
            timeout: t * 100,
            netmask_prefix: 32,
            ..ServiceSettings::with_scheduler(s)
        })
}

fn dests() -> impl Strategy<Value = BTreeMap<DestKey, DestSettings>> {
    prop::collection::btree_map(
        (0u8..6).prop_map(|i| DestKey {
            addr: std::net::IpAddr::from([198, 19, 0, i]),
            port: 80,
        }),
        (
            0u32..3,
            prop_oneof![Just(Forwarding::MASQ), Just(Forwarding::ROUTE)],
        )
            .prop_map(|(weight, forwarding)| DestSettings {
                weight,
                forwarding,
                ..DestSettings::default()
            }),
        0..4,
    )
}

fn table() -> impl Strategy<Value = Table> {
    prop::collection::btree_map((0u8..10).prop_map(key), (settings(), dests()), 0..6).prop_map(
        |m| Table {
            services: m
                .into_iter()
                .map(|(k, (settings, dests))| (k, DesiredService { settings, dests }))
                .collect(),
        },
    )
}

fn apply_all(t: &mut Table, ops: &[Op]) {
    for op in ops {
        assert!(t.apply_op(op), "the kernel would refuse {op:?} on {t:?}");
    }
}

proptest! {
    #[test]
    fn plan_of_equal_tables_is_empty(a in table()) {
        prop_assert!(plan(&a, &a, PlanOptions::default()).is_empty());
        let drain = PlanOptions { drain: true };
        prop_assert!(plan(&a, &a, drain).is_empty());
    }

    #[test]
    fn applying_a_plan_yields_the_desired_table(a in table(), b in table()) {
        let ops = plan(&b, &a, PlanOptions::default());
        let mut model = a.clone();
        apply_all(&mut model, &ops);
        prop_assert_eq!(&model, &b);
        // Minimal: never more than one operation per service or destination touched.
        let (sa, da) = a.len();
        let (sb, db) = b.len();
        prop_assert!(ops.len() <= sa + da + sb + db);
    }

    #[test]
    fn draining_converges_in_two_rounds(a in table(), b in table()) {
        let opts = PlanOptions { drain: true };
        let mut model = a.clone();
        let first = plan(&b, &model, opts);
        apply_all(&mut model, &first);
        let second = plan(&b, &model, opts);
        prop_assert!(second.iter().all(|o| matches!(o, Op::DelService(_) | Op::DelDest(..))), "{:?}", second);
        apply_all(&mut model, &second);
        prop_assert_eq!(&model, &b);
    }
}

#[test]
fn kernel_set_flags_do_not_make_an_edit() {
    let k = key(1);
    let mut want = Table::new();
    want.insert_service(&Service::new(k, "rr"));
    let mut have = want.clone();
    have.services.get_mut(&k).unwrap().settings.flags = ServiceFlags::HASHED;
    assert!(plan(&want, &have, PlanOptions::default()).is_empty());
    have.services.get_mut(&k).unwrap().settings.scheduler = "wrr".into();
    assert_eq!(
        plan(&want, &have, PlanOptions::default()),
        vec![Op::EditService(Service::new(k, "rr"))]
    );
}
