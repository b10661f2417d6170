//! Pure parsers and matchers of server replies.
//!
//! Every function here takes bytes and returns a typed value or a
//! [`Mismatch`], never panics, and is fuzzed (`fuzz/fuzz_targets/`). The
//! async probes only move bytes; all judging happens here.

use crate::outcome::{FailKind, Outcome};

pub mod agent;
pub mod dns;
pub mod http;
pub mod proto;
pub mod smtp;

/// Why a reply does not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Mismatch {
    /// [`FailKind::Malformed`] for invalid protocol, [`FailKind::Reply`] for a
    /// valid reply that is not the one expected.
    pub kind: FailKind,
    /// What was expected and what came, for people.
    pub detail: String,
}

impl Mismatch {
    /// Invalid protocol.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self {
            kind: FailKind::Malformed,
            detail: detail.into(),
        }
    }

    /// A valid but unexpected reply.
    pub fn reply(detail: impl Into<String>) -> Self {
        Self {
            kind: FailKind::Reply,
            detail: detail.into(),
        }
    }
}

impl From<Mismatch> for Outcome {
    fn from(m: Mismatch) -> Self {
        Outcome::fail(m.kind, m.detail)
    }
}

/// At most this many bytes of a reply are shown in a message.
const SHOWN: usize = 64;

/// `bytes` for a message: printable ASCII as is, the rest escaped, cut at
/// 64 bytes.
pub fn show(bytes: &[u8]) -> String {
    let mut s: String = bytes
        .iter()
        .take(SHOWN)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if bytes.len() > SHOWN {
        s.push_str("...");
    }
    s
}
