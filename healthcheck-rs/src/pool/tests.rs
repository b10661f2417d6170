//! The pool against keepalived 2.2's `ipwrapper.c` rules, config text in.

use super::*;
use lbconf::keepalived::{Options, parse_str};

fn model(text: &str) -> Pool {
    let opts = Options {
        config_id: Some("lb1".to_owned()),
        interfaces: Some(vec!["lo".to_owned()]),
        host_names: Some(vec!["localhost".to_owned()]),
    };
    let parsed = parse_str("keepalived.conf", text, &opts);
    assert!(
        lbconf::keepalived::accepted(&parsed),
        "{:#?}",
        parsed.diagnostics
    );
    let checks = crate::convert::keepalived(&parsed).unwrap();
    Pool::new(&parsed.value, &checks).unwrap()
}

fn vs(extra: &str, servers: &[(&str, u32)]) -> String {
    let mut text = format!(
        "virtual_server 198.18.0.1 80 {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n{extra}"
    );
    for (ip, w) in servers {
        text.push_str(&format!(
            "    real_server {ip} 80 {{\n        weight {w}\n        TCP_CHECK {{\n        }}\n    }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn svc() -> ServiceKey {
    ServiceKey::tcp("198.18.0.1".parse().unwrap(), 80)
}

fn dest(ip: &str, weight: u32) -> ipvs::Destination {
    ipvs::Destination::new(ip.parse().unwrap(), 80, Forwarding::MASQ, weight)
}

fn ops(changes: &[Change]) -> Vec<Op> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Ipvs(op) => Some(op.clone()),
            _ => None,
        })
        .collect()
}

fn key(ip: &str) -> DestKey {
    DestKey {
        addr: ip.parse().unwrap(),
        port: 80,
    }
}

#[test]
fn start_adds_the_service_and_alive_servers() {
    let mut m = model(&vs("", &[("198.18.0.10", 1), ("198.18.0.11", 2)]));
    let start = m.start();
    let mut svc_op = ipvs::Service::new(svc(), "rr");
    svc_op.settings.netmask_prefix = 32;
    assert_eq!(
        ops(&start),
        vec![
            Op::AddService(svc_op),
            Op::AddDest(svc(), dest("198.18.0.10", 1)),
            Op::AddDest(svc(), dest("198.18.0.11", 2)),
        ]
    );
}

#[test]
fn alpha_starts_down_and_the_first_success_adds() {
    let mut m = model(&vs("    alpha\n", &[("198.18.0.10", 1)]));
    let start = m.start();
    assert_eq!(ops(&start).len(), 1, "only the service: {start:?}");
    assert!(!m.virtual_servers[0].real_servers[0].alive);
    let up = m.set_health(0, 0, 0, true);
    assert_eq!(
        up,
        vec![
            Change::RealServer {
                vs: 0,
                rs: 0,
                to: true
            },
            Change::Quorum {
                vs: 0,
                up: true,
                weight_sum: 1,
                threshold: 1
            },
            Change::Ipvs(Op::AddDest(svc(), dest("198.18.0.10", 1))),
        ]
    );
}

#[test]
fn down_removes_and_inhibit_sets_weight_zero() {
    let mut m = model(&vs("", &[("198.18.0.10", 3), ("198.18.0.11", 1)]));
    m.start();
    assert_eq!(
        ops(&m.set_health(0, 0, 0, false)),
        vec![Op::DelDest(svc(), key("198.18.0.10"))]
    );
    let mut m = model(&vs(
        "    inhibit_on_failure\n",
        &[("198.18.0.10", 3), ("198.18.0.11", 1)],
    ));
    m.start();
    assert_eq!(
        ops(&m.set_health(0, 0, 0, false)),
        vec![Op::EditDest(svc(), dest("198.18.0.10", 0))]
    );
    assert_eq!(
        ops(&m.set_health(0, 0, 0, true)),
        vec![Op::EditDest(svc(), dest("198.18.0.10", 3))]
    );
}

#[test]
fn quorum_loss_swaps_in_the_sorry_server_with_hysteresis() {
    let extra = "    quorum 3\n    hysteresis 1\n    sorry_server 198.18.0.99 80\n";
    let mut m = model(&vs(
        extra,
        &[("198.18.0.10", 2), ("198.18.0.11", 1), ("198.18.0.12", 1)],
    ));
    m.start();
    // 4 alive; losing .11 leaves 3 >= 3 - 1: quorum kept.
    assert_eq!(
        ops(&m.set_health(0, 1, 0, false)),
        vec![Op::DelDest(svc(), key("198.18.0.11"))]
    );
    // Losing .12 leaves 2 >= 2: still kept (hysteresis).
    assert_eq!(
        ops(&m.set_health(0, 2, 0, false)),
        vec![Op::DelDest(svc(), key("198.18.0.12"))]
    );
    // Losing .10 too: 0 alive, quorum lost, the sorry server comes in.
    let lost = m.set_health(0, 0, 0, false);
    assert!(lost.contains(&Change::Quorum {
        vs: 0,
        up: false,
        weight_sum: 0,
        threshold: 2
    }));
    assert_eq!(
        ops(&lost),
        vec![
            Op::DelDest(svc(), key("198.18.0.10")),
            Op::AddDest(svc(), dest("198.18.0.99", 1)),
        ]
    );
    // .10 back: 2 < 3 + 1, the quorum stays lost and .10 stays out.
    let back = m.set_health(0, 0, 0, true);
    assert!(ops(&back).is_empty(), "{back:?}");
    // .11 back: 3 < 4, still out. .12 back: 4 >= 4, quorum gained, the
    // alive servers replace the sorry server.
    assert!(ops(&m.set_health(0, 1, 0, true)).is_empty());
    assert_eq!(
        ops(&m.set_health(0, 2, 0, true)),
        vec![
            Op::DelDest(svc(), key("198.18.0.99")),
            Op::AddDest(svc(), dest("198.18.0.10", 2)),
            Op::AddDest(svc(), dest("198.18.0.11", 1)),
            Op::AddDest(svc(), dest("198.18.0.12", 1)),
        ]
    );
}

#[test]
fn starting_without_quorum_puts_the_sorry_server_in() {
    let mut m = model(&vs(
        "    alpha\n    sorry_server 198.18.0.99 80\n",
        &[("198.18.0.10", 1)],
    ));
    let start = m.start();
    assert!(start.contains(&Change::Quorum {
        vs: 0,
        up: false,
        weight_sum: 0,
        threshold: 1
    }));
    assert_eq!(
        ops(&start)[1..],
        [Op::AddDest(svc(), dest("198.18.0.99", 1))]
    );
}

#[test]
fn a_group_is_one_service_per_address_with_the_same_servers() {
    let text = "virtual_server_group web {\n    198.18.0.1-2 80\n    fwmark 7\n}\n\
                virtual_server group web {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    \
                real_server 198.18.0.10 80 {\n        TCP_CHECK {\n        }\n    }\n}\n";
    let mut m = model(text);
    assert_eq!(m.virtual_servers[0].name, "[web]");
    m.start();
    let table = m.table();
    let keys: Vec<ServiceKey> = table.services.keys().copied().collect();
    assert_eq!(
        keys,
        [
            ServiceKey::tcp("198.18.0.1".parse().unwrap(), 80),
            ServiceKey::tcp("198.18.0.2".parse().unwrap(), 80),
            ServiceKey::fwmark(7, AddressFamily::INET),
        ]
    );
    assert!(
        table
            .services
            .values()
            .all(|s| s.dests.contains_key(&key("198.18.0.10")))
    );
    // One health change is one removal per service.
    assert_eq!(ops(&m.set_health(0, 0, 0, false)).len(), 3);
}

#[test]
fn preset_file_states_shape_the_initial_table() {
    let mut m = model(&vs("", &[("198.18.0.10", 5), ("198.18.0.11", 1)]));
    m.preset(0, 0, 0, true, Some(WeightChange::Delta(2)));
    m.preset(0, 1, 0, false, None);
    let start = m.start();
    assert_eq!(
        ops(&start)[1..],
        [Op::AddDest(svc(), dest("198.18.0.10", 7))]
    );
}

#[test]
fn stopping_removes_the_services() {
    let mut m = model(&vs("", &[("198.18.0.10", 1)]));
    m.start();
    assert_eq!(ops(&m.stop()), vec![Op::DelService(svc())]);
}

#[test]
fn dynamic_weights_edit_the_destination() {
    let mut m = model(&vs("", &[("198.18.0.10", 5), ("198.18.0.11", 1)]));
    m.start();
    assert_eq!(
        ops(&m.set_weight(0, 0, 0, Some(WeightChange::Absolute(9)))),
        vec![Op::EditDest(svc(), dest("198.18.0.10", 9))]
    );
    assert_eq!(
        ops(&m.set_weight(0, 0, 0, Some(WeightChange::Delta(-7)))),
        vec![Op::EditDest(svc(), dest("198.18.0.10", 0))]
    );
    assert_eq!(m.virtual_servers[0].real_servers[0].effective_weight(), 0);
}
