//! C bindings for lbkit.
//!
//! A C ABI over the Rust crates, described by a committed cbindgen header
//! `lbkit.h`. Every fallible function returns a result enum with stable numbers,
//! writes its outputs through out-parameters only on success, NULL-checks every
//! pointer and catches panics at the boundary; objects are opaque handles with
//! `_new` and `_free` functions.
//!
//! The bindings land with the bindings issue; the core crates never depend on
//! this one.
