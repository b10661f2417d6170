//! keepalived.conf integration tests: round trip, macro layer, model,
//! diagnostic snapshots and the oracle corpus against the real keepalived.

mod corpus;
mod macros;
mod model;
mod oracle;
mod roundtrip;
#[path = "../common/snapshot.rs"]
mod snapshot;
mod snapshots;

/// Options with a fixed config id and the oracle namespace's interfaces.
pub(crate) fn fixed_options() -> lbconf::keepalived::Options {
    lbconf::keepalived::Options {
        config_id: Some("lbconf".into()),
        interfaces: Some(vec!["lo".into(), "eth0".into(), "eth1".into()]),
        host_names: Some(vec!["localhost".into()]),
    }
}
