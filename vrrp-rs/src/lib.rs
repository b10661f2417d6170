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
//! - [`Router`]: the engine, with the quinn-style methods
//!   [`handle_packet`](Router::handle_packet), [`handle_timeout`](Router::handle_timeout),
//!   [`handle_command`](Router::handle_command), [`poll_transmit`](Router::poll_transmit),
//!   [`poll_event`](Router::poll_event) and [`poll_timeout`](Router::poll_timeout).
//! - [`sim`]: a network simulator on virtual time with seeded loss,
//!   partitions and reordering.
//!
//! # The driver loop
//!
//! ```no_run
//! use std::net::{IpAddr, Ipv4Addr};
//! use std::time::{Duration, Instant};
//! use vrrp::wire::{AddrList, Version};
//! use vrrp::{Command, Event, InstanceConfig, Received, Router, State, TransmitKind};
//!
//! # fn recv_with_timeout(_: Duration) -> Option<(IpAddr, IpAddr, u8, Vec<u8>)> { None }
//! # fn send(_: TransmitKind, _: IpAddr, _: &[u8]) {}
//! # fn add_vips() {}
//! # fn remove_vips() {}
//! let vip = Ipv4Addr::new(198, 18, 0, 100);
//! let me = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
//! let mut router = Router::new();
//! let vi = router.add_instance(InstanceConfig::new("VI_1", 51, Version::V3, 150, me, AddrList::V4(vec![vip])))?;
//! router.handle_command(Instant::now(), Command::Startup(vi))?;
//! let mut buf = Vec::new();
//! loop {
//!     // 1. Send whatever the engine wants sent.
//!     while let Some(tx) = router.poll_transmit(&mut buf) {
//!         send(tx.kind, tx.dst, &buf[..tx.len]); // raw socket, TTL 255 / AF_PACKET
//!     }
//!     // 2. Act on events (VIPs, notify scripts, logs).
//!     while let Some(ev) = router.poll_event() {
//!         match ev {
//!             Event::StateChanged { to: State::Master, .. } => add_vips(),
//!             Event::StateChanged { from: State::Master, .. } => remove_vips(),
//!             other => eprintln!("{other:?}"),
//!         }
//!     }
//!     // 3. Sleep until a packet arrives or the next deadline.
//!     let now = Instant::now();
//!     let wait = router.poll_timeout().map_or(Duration::from_secs(1), |t| t.saturating_duration_since(now));
//!     match recv_with_timeout(wait) {
//!         Some((src, dst, ttl, payload)) => {
//!             router.handle_packet(Instant::now(), &Received { src, dst, ttl, payload: &payload })
//!         }
//!         None => router.handle_timeout(Instant::now()),
//!     }
//! }
//! # Ok::<(), vrrp::ConfigError>(())
//! ```
// Unsafe code is denied everywhere but in `linux::announce` (one block,
// building a link-layer socket address) and `linux::sys` (one block, a socket
// option without a safe setter).
#![deny(unsafe_code)]

mod engine;
#[cfg(feature = "linux")]
pub mod linux;
pub mod sim;
pub mod wire;

pub use engine::{
    Command, ConfigError, DropReason, Event, GarpConfig, InstanceConfig, InstanceId, Received,
    Router, State, Stats, TrackScript, TransitionReason, Transmit, TransmitKind,
    master_down_interval,
};
