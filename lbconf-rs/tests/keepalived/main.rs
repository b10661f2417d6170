//! keepalived.conf integration tests: round trip, macro layer, model,
//! diagnostic snapshots and the oracle corpus against the real keepalived.

mod corpus;
mod oracle;
mod roundtrip;
