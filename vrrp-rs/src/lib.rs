//! A sans-IO VRRP engine: version 2 (RFC 3768) and version 3 (RFC 5798, with
//! RFC 9568's clarifications), for IPv4 and IPv6.
//!
//! The engine owns no socket, thread or clock. A driver feeds it received
//! packets and the current time, and drains what it wants sent, the events it
//! raised and the next instant it must be woken at. That makes every election,
//! failover and preemption reproducible on virtual time, and lets the same engine
//! run behind real sockets (feature `linux`), inside a simulator, or in another
//! language through the bindings.
//!
//! # Intended public API
//!
//! - `wire`: checked views and typed representations of VRRP adverts (with their
//!   checksums), gratuitous ARP and unsolicited neighbour advertisements.
//! - `Router`: the per-interface engine with the quinn-style methods
//!   `handle_packet`, `handle_timeout`, `handle_command`, `poll_transmit`,
//!   `poll_event` and `poll_timeout`; instances, sync groups, tracking and
//!   counters.
//! - `sim`: a network simulator on virtual time, with seeded loss, partitions
//!   and reordering.
//! - `linux` (feature): raw VRRP sockets, virtual address management through
//!   rtnetlink, ARP and neighbour advertisement senders.
//!
//! The implementation lands with the `vrrp` issue; this crate currently holds
//! only its documentation, so that the workspace layout is settled first.
#![forbid(unsafe_code)]
