//! lbkit's command-line tools, thin compositions of the crates.
//!
//! - `lbd`: a daemon that runs a `keepalived.conf` (VRRP instances, health
//!   checks, the IPVS table) on lbkit's crates, where keepalived ran before.
//! - `lbadm`: `ipvsadm`'s command line and byte-identical output, on the `ipvs`
//!   crate.
//! - `lbconf`: a configuration checker that agrees with `keepalived -t` and
//!   `haproxy -c`, and a dumper of the expanded configuration.
//!
//! Each binary is added here with the issue that builds it.
