//! Python bindings for lbkit.
//!
//! Built with pyo3 and maturin as the `lbkit` Python package: a mixed layout
//! where `python/lbkit/` re-exports a private native module, with a `.pyi` stub
//! and `py.typed`. The bindings stay thin: every type wraps one from the Rust
//! crates (`ipvs`, `vrrp`, `healthcheck`, `lbconf`), Rust errors map to Python
//! exceptions in one place, and blocking calls release the GIL.
//!
//! The bindings land with the bindings issue; the core crates never depend on
//! this one.
