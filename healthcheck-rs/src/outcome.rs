//! What one probe found: [`Outcome`].

use std::fmt;

/// The result of one probe, handed to the scheduler by the IO layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Passed or failed, and why.
    pub verdict: Verdict,
    /// A weight the reply asked for (agent `NN%`, `misc_dynamic`, `FILE_CHECK`).
    pub weight: Option<WeightChange>,
    /// An administrative state the reply asked for (agent `maint`, `ready`,
    /// `drain`).
    pub admin: Option<Admin>,
    /// A connection limit the reply asked for (agent `maxconn:N`).
    pub maxconn: Option<u32>,
}

impl Outcome {
    /// A plain pass.
    pub fn pass() -> Self {
        Self {
            verdict: Verdict::Pass,
            weight: None,
            admin: None,
            maxconn: None,
        }
    }

    /// A plain failure.
    pub fn fail(kind: FailKind, detail: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Fail {
                kind,
                detail: detail.into(),
            },
            weight: None,
            admin: None,
            maxconn: None,
        }
    }

    /// The same outcome with a weight change.
    #[must_use]
    pub fn with_weight(mut self, weight: WeightChange) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Whether the probe passed.
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Pass)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Verdict::Pass => f.write_str("passed")?,
            Verdict::Fail { kind, detail } => write!(f, "failed ({kind:?}): {detail}")?,
        }
        if let Some(w) = self.weight {
            write!(f, ", weight {w:?}")?;
        }
        if let Some(a) = self.admin {
            write!(f, ", admin {a:?}")?;
        }
        Ok(())
    }
}

/// Pass or fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The server answered as expected.
    Pass,
    /// It did not.
    Fail {
        /// What went wrong, for programs.
        kind: FailKind,
        /// What went wrong, for people.
        detail: String,
    },
}

/// Why a probe failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailKind {
    /// No answer before the deadline.
    Timeout,
    /// The connection could not be made (refused, unreachable).
    Connect,
    /// The connection broke, or a socket operation failed.
    Io,
    /// TLS handshake or certificate failure.
    Tls,
    /// The server answered, but not as expected.
    Reply,
    /// The reply was not valid protocol.
    Malformed,
    /// A program exited with a failing status or was killed.
    Exit,
    /// The agent or the reply said the server is down.
    Down,
    /// The probe could not run at all (bad spec, missing permission).
    Setup,
}

/// A weight a probe asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeightChange {
    /// Percent of the configured weight (HAProxy agent `NN%`, `drain` is 0 %).
    Percent(u32),
    /// An absolute weight (keepalived `misc_dynamic`).
    Absolute(u32),
    /// Added to the configured weight, saturating at 0 (keepalived
    /// `FILE_CHECK` with a weight).
    Delta(i64),
}

impl WeightChange {
    /// The weight that results for a server configured with `configured`.
    pub fn apply(self, configured: u32) -> u32 {
        match self {
            Self::Percent(p) => {
                let w = u64::from(configured) * u64::from(p) / 100;
                u32::try_from(w).unwrap_or(u32::MAX)
            }
            Self::Absolute(w) => w,
            Self::Delta(d) => {
                let w = i64::from(configured).saturating_add(d).max(0);
                u32::try_from(w).unwrap_or(u32::MAX)
            }
        }
    }
}

/// An administrative state asked for by an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admin {
    /// Maintenance: no traffic at all, whatever the health (`maint`).
    Maint,
    /// Leave maintenance and drain (`ready`).
    Ready,
    /// Keep established sessions, take no new ones: weight 0 (`drain`).
    Drain,
}
