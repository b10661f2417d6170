//! A sans-IO VRRP engine: version 2 (RFC 3768) and version 3 (RFC 5798, with
//! RFC 9568's clarifications), for IPv4 and IPv6.
//!
//! The engine owns no socket, thread or clock. A driver feeds it received
//! packets and the current time, and drains what it wants sent, the events it
//! raised and the next instant it must be woken at. That makes every election,
//! failover and preemption reproducible on virtual time, and lets the same engine
//! run behind real sockets, inside a simulator, or in another language through
//! the bindings.
//!
//! - [`wire`]: checked views and typed representations of VRRP adverts (with
//!   their checksums), gratuitous ARP and unsolicited neighbour advertisements.
#![forbid(unsafe_code)]

mod engine;
pub mod sim;
pub mod wire;

pub use engine::{
    Command, ConfigError, DropReason, Event, GarpConfig, InstanceConfig, InstanceId, Received,
    Router, State, Stats, TrackScript, TransitionReason, Transmit, TransmitKind,
    master_down_interval,
};
