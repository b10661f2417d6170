//! HAProxy agent-check replies.
//!
//! The agent answers one ASCII line of words separated by spaces, tabs or
//! commas: a state (`up`, `down`, `fail`, `stopped`), an administrative state
//! (`maint`, `ready`, `drain`), a weight (`75%`), a connection limit
//! (`maxconn:30`), and after a `#` a free description.

use super::{Mismatch, show};
use crate::outcome::{Admin, FailKind, Outcome, WeightChange};

/// Longest agent reply accepted.
pub const MAX_REPLY: usize = 1024;

/// The operational state an agent reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// `up`.
    Up,
    /// `down`.
    Down,
    /// `fail`.
    Fail,
    /// `stopped`.
    Stopped,
}

/// A parsed agent reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentReply {
    /// Operational state, if given.
    pub state: Option<AgentState>,
    /// Administrative state, if given.
    pub admin: Option<Admin>,
    /// Weight in percent of the configured weight, if given.
    pub weight_percent: Option<u32>,
    /// Connection limit, if given.
    pub maxconn: Option<u32>,
    /// Text after `#`.
    pub description: Option<String>,
}

impl AgentReply {
    /// The probe outcome: a failure for `down`, `fail` and `stopped`, a pass
    /// otherwise, carrying weight, admin and maxconn. `drain` is an admin
    /// state (weight 0 in [`Status::effective_weight`](crate::Status::effective_weight)
    /// until `ready`), not a weight, so the server's weight comes back with
    /// `ready`, as in HAProxy.
    pub fn outcome(&self) -> Outcome {
        let mut o = match self.state {
            Some(AgentState::Down | AgentState::Fail | AgentState::Stopped) => Outcome::fail(
                FailKind::Down,
                format!(
                    "agent says {:?}{}",
                    self.state,
                    self.description
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ),
            ),
            _ => Outcome::pass(),
        };
        o.weight = self.weight_percent.map(WeightChange::Percent);
        o.admin = self.admin;
        o.maxconn = self.maxconn;
        o
    }
}

/// Parses an agent reply (its first line). Unknown words are an error, as an
/// agent speaking another protocol should not be trusted.
pub fn parse(reply: &[u8]) -> Result<AgentReply, Mismatch> {
    if reply.len() > MAX_REPLY {
        return Err(Mismatch::malformed(format!(
            "agent reply longer than {MAX_REPLY} bytes"
        )));
    }
    let first = reply.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = first.strip_suffix(b"\r").unwrap_or(first);
    let text = std::str::from_utf8(line)
        .map_err(|_| Mismatch::malformed(format!("agent reply is not text: {}", show(line))))?;
    let (words, description) = match text.split_once('#') {
        Some((w, d)) => (w, Some(d.trim().to_owned())),
        None => (text, None),
    };
    let mut out = AgentReply {
        description,
        ..AgentReply::default()
    };
    let mut any = false;
    for word in words
        .split([' ', '\t', ','])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
    {
        any = true;
        match word.as_str() {
            "up" => out.state = Some(AgentState::Up),
            "down" => out.state = Some(AgentState::Down),
            "fail" => out.state = Some(AgentState::Fail),
            "stopped" => out.state = Some(AgentState::Stopped),
            "maint" => out.admin = Some(Admin::Maint),
            "ready" => out.admin = Some(Admin::Ready),
            "drain" => out.admin = Some(Admin::Drain),
            w => {
                if let Some(n) = w.strip_prefix("maxconn:") {
                    out.maxconn = Some(number(n, w)?);
                } else if let Some(p) = w.strip_suffix('%') {
                    out.weight_percent = Some(number(p, w)?);
                } else {
                    return Err(Mismatch::malformed(format!(
                        "unknown word {w:?} in agent reply {:?}",
                        show(line)
                    )));
                }
            }
        }
    }
    if !any && out.description.is_none() {
        return Err(Mismatch::malformed("empty agent reply"));
    }
    Ok(out)
}

fn number(digits: &str, word: &str) -> Result<u32, Mismatch> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Mismatch::malformed(format!(
            "bad number in agent word {word:?}"
        )));
    }
    digits
        .parse()
        .map_err(|_| Mismatch::malformed(format!("number too large in agent word {word:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haproxy_examples() {
        let r = parse(b"75%\n").unwrap();
        assert_eq!(r.weight_percent, Some(75));
        assert!(r.outcome().passed());
        assert_eq!(r.outcome().weight, Some(WeightChange::Percent(75)));

        let r = parse(b"up, maxconn:30 ready 100%\r\n").unwrap();
        assert_eq!(r.state, Some(AgentState::Up));
        assert_eq!(r.admin, Some(Admin::Ready));
        assert_eq!(r.maxconn, Some(30));
        assert_eq!(r.weight_percent, Some(100));

        let r = parse(b"down # disk full").unwrap();
        assert_eq!(r.description.as_deref(), Some("disk full"));
        let o = r.outcome();
        assert!(!o.passed());
        assert!(o.to_string().contains("disk full"));

        let r = parse(b"DRAIN").unwrap();
        assert_eq!(r.outcome().weight, None);
        assert_eq!(r.outcome().admin, Some(Admin::Drain));

        for w in ["fail", "stopped"] {
            assert!(!parse(w.as_bytes()).unwrap().outcome().passed());
        }
        assert_eq!(parse(b"maint").unwrap().admin, Some(Admin::Maint));
    }

    #[test]
    fn garbage_is_an_error() {
        for raw in [
            &b""[..],
            b"\n",
            b"hello",
            b"%",
            b"12x%",
            b"maxconn:",
            b"maxconn:99999999999",
            b"\xff\xfe",
        ] {
            assert_eq!(parse(raw).unwrap_err().kind, FailKind::Malformed, "{raw:?}");
        }
        assert!(parse(&[b'u'; MAX_REPLY + 1]).is_err());
    }
}
