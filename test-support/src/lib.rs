//! lbkit's test ground.
//!
//! - [`tier`]: which test tiers can run here. Privileged tiers skip with a clear
//!   message where they cannot run, and fail instead when `LBKIT_REQUIRE_TIERS=1`
//!   (as CI sets it).
//! - [`netns`]: network namespaces, veth pairs and bridged LANs that tear
//!   themselves down on drop, even when a test panics. Every address they are
//!   given must come from the test ranges (see [`addr`]) and no namespace gets a
//!   route out.
//! - [`addr`]: the address ranges tests may use.
//! - [`wait`]: bounded polling for conditions other processes make true.
//! - [`proc_ip_vs`]: a reader of `/proc/net/ip_vs`, the kernel's own text view of
//!   the IPVS table, used to check other views against it.
//!
//! Tests that need the real kernel's IPVS (the *kernel* tier) run inside the test
//! VM that `cargo xtask vm-test` boots; see the README.

pub mod addr;
pub mod netns;
pub mod proc_ip_vs;
pub mod tier;
pub mod wait;
