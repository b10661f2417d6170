//! Pure parsers and matchers of server replies.
//!
//! Every function here takes bytes and returns a typed value or a
//! [`Mismatch`], never panics, and is fuzzed (`fuzz/fuzz_targets/`). The
//! async probes only move bytes; all judging happens here.

use std::collections::HashMap;

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

/// Compiled regexes by pattern, so that checks running every second do not
/// compile theirs every time. Bounded: cleared when full.
static REGEXES: std::sync::OnceLock<std::sync::Mutex<HashMap<String, regex::Regex>>> =
    std::sync::OnceLock::new();
const MAX_CACHED_REGEXES: usize = 256;

/// The compiled `pattern` (at most 1 MiB of compiled program), from the
/// cache when possible. A bad pattern is a [`FailKind::Setup`] mismatch.
pub fn regex(pattern: &str) -> Result<regex::Regex, Mismatch> {
    let cache = REGEXES.get_or_init(Default::default);
    if let Some(re) = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(pattern)
    {
        return Ok(re.clone());
    }
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| Mismatch {
            kind: FailKind::Setup,
            detail: format!("invalid regex {pattern:?} in the check: {e}"),
        })?;
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() >= MAX_CACHED_REGEXES {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), re.clone());
    Ok(re)
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
