//! Control of the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! IPVS is the kernel's layer-4 load balancer: a table of *virtual services*
//! (protocol, address and port, or a firewall mark) each with a scheduler and a
//! set of *destinations* (real servers) reached by NAT, direct routing or
//! tunnelling. This crate drives that table the way `ipvsadm` does, through the
//! kernel's `IPVS` generic netlink family, with one typed API and no panics on
//! whatever the kernel answers.
//!
//! - [`Client`]: a connection to the `IPVS` family (optionally in another
//!   network namespace), with a receive timeout on every request.
//! - The model: [`ServiceKey`] apart from [`ServiceSettings`] and [`Stats`];
//!   open newtypes ([`Scheduler`], [`Forwarding`], [`TunnelType`]) so names the
//!   kernel adds later survive a round trip; [`ServiceFlags`] and
//!   [`TunnelFlags`] keep unknown bits.
//! - [`plan()`]: a pure, minimal difference between two tables, and
//!   [`Client::apply`], which sends a plan in batches and reports every failed
//!   operation with its errno kind.
//!
//! ```no_run
//! use ipvs::{Client, Destination, Forwarding, Service, ServiceKey};
//!
//! let mut ipvs = Client::connect()?;
//! let key = ServiceKey::tcp("198.18.0.10".parse().unwrap(), 80);
//! ipvs.add_service(&Service::new(key, "rr"))?;
//! ipvs.add_dest(&key, &Destination::new("198.18.0.20".parse().unwrap(), 8080, Forwarding::MASQ, 1))?;
//! for svc in ipvs.services()? {
//!     println!("{:?}: {:?}", svc.key, ipvs.destinations(&svc.key)?);
//! }
//! # Ok::<(), ipvs::Error>(())
//! ```
#![deny(unsafe_code)]

mod client;
mod error;
mod model;
mod plan;
pub mod sockopt;
pub mod wire;

pub use client::{ApplyReport, Client, ConnectOptions, Datagram, OpError};
pub use error::{DecodeError, Error, ErrorKind, strerror};
pub use model::{
    AddressFamily, DaemonState, DestKey, DestSettings, Destination, Forwarding, Info, Protocol,
    Scheduler, Service, ServiceFlags, ServiceKey, ServiceSettings, Stats, SyncDaemon, Timeouts,
    TunnelFlags, TunnelType,
};
pub use plan::{DesiredService, Op, PlanOptions, Table, plan};
