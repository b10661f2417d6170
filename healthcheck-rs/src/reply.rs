//! Pure parsers and matchers of server replies.
//!
//! Every function here takes bytes and returns a typed value or a typed
//! error, never panics, and has a fuzz target in `fuzz/`.
