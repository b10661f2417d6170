//! Integration tests of lbconf's haproxy.cfg parser: the oracle corpus
//! (compared with the real `haproxy -c`), diagnostic snapshots, the typed
//! model of the corpus, and round-trip properties.

mod corpus;
mod differential;
mod model;
mod oracle;
mod roundtrip;
#[path = "../common/snapshot.rs"]
mod snapshot;
mod snapshots;
