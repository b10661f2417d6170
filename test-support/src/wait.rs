//! Bounded waiting for conditions that other processes or the kernel make
//! true: tests poll with a generous limit that bounds a hung test, and never
//! assert on how long it took.

use std::time::{Duration, Instant};

/// Calls `cond` every `every` until it holds or `limit` has passed (a last
/// call is made at the limit); returns how long it took, or `None`.
pub fn poll(limit: Duration, every: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    // Bounded by the limit and by the count.
    let rounds = limit.as_nanos() / every.as_nanos().max(1) + 1;
    for _ in 0..rounds {
        if cond() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= limit {
            break;
        }
        std::thread::sleep(every.min(limit.saturating_sub(start.elapsed())));
    }
    cond().then(|| start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_until_the_condition_holds_or_the_limit() {
        let mut n = 0;
        let took = poll(Duration::from_secs(5), Duration::from_millis(1), || {
            n += 1;
            n == 3
        });
        assert!(took.is_some());
        assert_eq!(n, 3);
        let mut calls = 0;
        let never = poll(Duration::from_millis(20), Duration::from_millis(5), || {
            calls += 1;
            false
        });
        assert_eq!(never, None);
        assert!((2..=10).contains(&calls), "{calls} calls");
    }
}
