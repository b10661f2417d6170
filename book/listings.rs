//! The book's chapters as documentation, so that `cargo test` compiles (and,
//! unless marked otherwise, runs) every Rust listing in them. Each chapter with
//! Rust code is included below.

#[doc = include_str!("src/testing.md")]
pub mod testing {}

#[doc = include_str!("src/lbconf.md")]
pub mod lbconf {}

#[doc = include_str!("src/ipvs.md")]
pub mod ipvs {}

#[doc = include_str!("src/healthcheck.md")]
pub mod healthcheck {}

#[doc = include_str!("src/vrrp.md")]
pub mod vrrp {}
