//! The checks' timers in time order, cheaper than a binary heap alone.
//!
//! A fixed-rate schedule sets each check's next due time one interval after
//! the last, so timers mostly arrive already sorted: runs of them go to a
//! few FIFO queues (each sorted, as in patience sorting), O(1) to push and
//! pop, and only what fits no queue goes to a binary heap. The smallest
//! element is the smallest of the queues' fronts and the heap's top, so the
//! order is exactly that of one heap over everything.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Sorted queues kept before falling back to the heap.
const RUNS: usize = 8;

#[derive(Debug)]
pub(super) struct Timers<T: Ord + Copy> {
    runs: Vec<VecDeque<T>>,
    heap: BinaryHeap<Reverse<T>>,
}

impl<T: Ord + Copy> Default for Timers<T> {
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }
}

impl<T: Ord + Copy> Timers<T> {
    pub(super) fn push(&mut self, t: T) {
        if let Some(run) = self
            .runs
            .iter_mut()
            .find(|r| r.back().is_none_or(|b| *b <= t))
        {
            run.push_back(t);
        } else if self.runs.len() < RUNS {
            self.runs.push(VecDeque::from([t]));
        } else {
            self.heap.push(Reverse(t));
        }
    }

    /// Where the smallest element is: a run's index, or `None` for the heap.
    fn min_at(&self) -> Option<(T, Option<usize>)> {
        let runs = self
            .runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.front().map(|t| (*t, Some(i))));
        let heap = self.heap.peek().map(|Reverse(t)| (*t, None));
        runs.chain(heap).min_by(|a, b| a.0.cmp(&b.0))
    }

    pub(super) fn peek(&self) -> Option<T> {
        self.min_at().map(|(t, _)| t)
    }

    pub(super) fn pop(&mut self) -> Option<T> {
        let (t, at) = self.min_at()?;
        match at {
            Some(i) => {
                let run = self.runs.get_mut(i)?;
                run.pop_front();
                if run.is_empty() {
                    self.runs.swap_remove(i);
                }
            }
            None => {
                self.heap.pop();
            }
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pops in the same order as one binary heap, whatever the pushes.
    #[test]
    fn same_order_as_a_heap() {
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..200 {
            let mut t = Timers::default();
            let mut h = BinaryHeap::new();
            let mut popped = (Vec::new(), Vec::new());
            // Mostly increasing values (a fixed-rate schedule), some not.
            let mut base = 0u32;
            for _ in 0..rng.usize(0..300) {
                if rng.u8(..) < 40 {
                    for _ in 0..rng.usize(1..4) {
                        popped.0.push(t.pop());
                        popped.1.push(h.pop().map(|Reverse(x)| x));
                    }
                }
                base += rng.u32(0..5);
                let v = if round % 2 == 0 && rng.u8(..) < 30 {
                    rng.u32(0..base + 1)
                } else {
                    base + rng.u32(0..3)
                };
                t.push(v);
                h.push(Reverse(v));
                assert_eq!(t.peek(), h.peek().map(|Reverse(x)| *x));
            }
            while let Some(Reverse(x)) = h.pop() {
                popped.0.push(t.pop());
                popped.1.push(Some(x));
            }
            assert_eq!(t.pop(), None);
            assert_eq!(popped.0, popped.1, "round {round}");
        }
    }
}
