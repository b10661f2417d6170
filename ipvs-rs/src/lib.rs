//! Control of the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! IPVS is the kernel's layer-4 load balancer: a table of *virtual services*
//! (protocol, address and port, or a firewall mark) each with a scheduler and a
//! set of *destinations* (real servers) reached by NAT, direct routing or
//! tunnelling. This crate drives that table the way `ipvsadm` does, through the
//! kernel's `IPVS` generic netlink family, with one typed API and no panics on
//! whatever the kernel answers.
//!
//! # Intended public API
//!
//! - `Client`: a connection to the `IPVS` family (optionally in another network
//!   namespace), with a receive timeout on every request. Operations: kernel
//!   info; services add, edit, delete, get, dump; destinations add, edit, delete,
//!   dump; flush; zero counters; timeouts get/set; sync daemon start, stop, get.
//! - The model: `ServiceKey` (protocol + address + port, or firewall mark +
//!   family) kept apart from the `Service` settings and its `Stats`; open newtypes
//!   for schedulers, forwarding methods and tunnel types, so names the kernel adds
//!   later survive a round trip; `bitflags` service and tunnel flags that keep
//!   unknown kernel bits.
//! - `plan(desired, actual) -> Vec<Op>`: a pure, minimal difference between two
//!   tables, and `apply`, which sends a plan in pipelined batches and reports
//!   every failed operation with its errno kind.
//!
//! The implementation lands with the `ipvs` issue; this crate currently holds
//! only its documentation, so that the workspace layout is settled first.
#![forbid(unsafe_code)]
