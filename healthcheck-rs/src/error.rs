//! The crate's error type.

use crate::sched::SubId;

/// What went wrong when using the scheduler or the runner.
///
/// A probe that fails is not an error: it is an [`Outcome`](crate::Outcome).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec cannot be scheduled as given.
    #[error("invalid check spec for {target}: {what} (fix the check's settings)")]
    InvalidSpec {
        /// The target of the spec.
        target: std::net::SocketAddr,
        /// What is wrong and what is allowed.
        what: String,
    },
    /// The subscription does not exist (never made, or already removed).
    #[error("no such subscription {0:?}: it was never made or was already removed")]
    UnknownSubscription(SubId),
    /// The scheduler's configuration cannot be used.
    #[error("invalid scheduler configuration: {0}")]
    InvalidConfig(String),
}
