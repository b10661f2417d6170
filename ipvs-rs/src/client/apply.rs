//! Batched, pipelined application of plans, and graceful draining.

use std::time::{Duration, Instant};

use super::{Client, describe_dest, describe_key, kernel_err, service_err};
use crate::error::Error;
use crate::model::{DestKey, ServiceKey};
use crate::plan::Op;
use crate::wire::{self, Reply};

/// Bytes of requests packed into one `sendmsg` by [`Client::apply`].
const SEND_CHUNK: usize = 4096;
/// Requests in flight before [`Client::apply`] waits for a barrier.
const WINDOW_BYTES: usize = 128 * 1024;

/// One failed operation of [`Client::apply`].
#[derive(Debug)]
pub struct OpError {
    /// Its index in the operations given.
    pub index: usize,
    /// The operation.
    pub op: Op,
    /// What the kernel said.
    pub error: Error,
}

/// The outcome of [`Client::apply`].
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Operations sent.
    pub sent: usize,
    /// The ones that failed, in order.
    pub errors: Vec<OpError>,
}

impl ApplyReport {
    /// Whether every operation succeeded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn describe_op(op: &Op) -> String {
    match op {
        Op::AddService(s) => format!("add service {}", describe_key(&s.key)),
        Op::EditService(s) => format!("edit service {}", describe_key(&s.key)),
        Op::DelService(k) => format!("delete service {}", describe_key(k)),
        Op::AddDest(k, d) => format!(
            "add destination {} to {}",
            describe_dest(&d.key),
            describe_key(k)
        ),
        Op::EditDest(k, d) => format!(
            "edit destination {} of {}",
            describe_dest(&d.key),
            describe_key(k)
        ),
        Op::DelDest(k, d) => format!(
            "delete destination {} of {}",
            describe_dest(d),
            describe_key(k)
        ),
    }
}

impl Client {
    /// Sends operations in batches: many requests per `sendmsg`, no ack
    /// asked per request (the kernel reports every failure anyway, matched by
    /// sequence number), and an acked no-op barrier closing each window. The
    /// kernel carries on after a failure, so operations that depend on a failed
    /// one fail too and are reported as well.
    ///
    /// # Errors
    ///
    /// Only for socket failures and timeouts; kernel refusals are in the report.
    pub fn apply(&mut self, ops: &[Op]) -> Result<ApplyReport, Error> {
        let mut report = ApplyReport::default();
        let mut i = 0;
        while i < ops.len() {
            let first_seq = self.seq.wrapping_add(1);
            let start = i;
            let mut window = 0;
            let mut chunk = Vec::with_capacity(SEND_CHUNK * 2);
            while i < ops.len() && window < WINDOW_BYTES {
                let seq = self.next_seq();
                let before = chunk.len();
                wire::encode_op(&mut chunk, self.family, seq, &ops[i]).map_err(Error::Invalid)?;
                window += chunk.len() - before;
                i += 1;
                if chunk.len() >= SEND_CHUNK {
                    self.send(&chunk, &|| "a batch of IPVS requests".to_string())?;
                    chunk.clear();
                }
            }
            let barrier = self.next_seq();
            chunk.extend_from_slice(&wire::barrier(barrier));
            self.send(&chunk, &|| "a batch of IPVS requests".to_string())?;
            let op = || format!("apply operations {start}..{i}");
            'wait: loop {
                for r in self.recv(&op)? {
                    match r {
                        Reply::Ack { seq } | Reply::Error { seq, .. } if seq == barrier => {
                            break 'wait;
                        }
                        Reply::Error { seq, errno } => {
                            let idx = start + seq.wrapping_sub(first_seq) as usize;
                            if let Some(o) = ops.get(idx).filter(|_| idx < i) {
                                let mut error = kernel_err(describe_op(o), errno);
                                if let Op::AddService(s) | Op::EditService(s) = o {
                                    error = service_err(s, error);
                                }
                                report.errors.push(OpError {
                                    index: idx,
                                    op: o.clone(),
                                    error,
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            report.sent = i;
        }
        Ok(report)
    }

    /// Drains a destination (weight 0), waits until it has no active
    /// connection or `deadline` passes (checking every `poll`), then deletes it.
    /// Returns whether it drained before the deadline.
    ///
    /// # Errors
    ///
    /// A kernel or timeout error from any step.
    pub fn drain_dest(
        &mut self,
        svc: &ServiceKey,
        key: &DestKey,
        deadline: Duration,
        poll: Duration,
    ) -> Result<bool, Error> {
        let cur = self
            .destinations(svc)?
            .into_iter()
            .find(|d| d.key == *key)
            .ok_or_else(|| {
                kernel_err(
                    format!("drain destination {}", describe_dest(key)),
                    libc::ENOENT,
                )
            })?;
        let mut zero = cur.clone();
        zero.settings.weight = 0;
        self.edit_dest(svc, &zero)?;
        let end = Instant::now() + deadline;
        let mut drained = false;
        // Bounded: one check per `poll` until the deadline.
        let polls = (deadline.as_millis() / poll.as_millis().max(1)).saturating_add(1);
        for _ in 0..polls {
            let active = self
                .destinations(svc)?
                .into_iter()
                .find(|d| d.key == *key)
                .map_or(0, |d| d.active_conns);
            if active == 0 {
                drained = true;
                break;
            }
            if Instant::now() >= end {
                break;
            }
            std::thread::sleep(poll.min(end.saturating_duration_since(Instant::now())));
        }
        self.del_dest(svc, key)?;
        Ok(drained)
    }
}
