//! The event calendar: a priority queue ordered by (time, source, sequence number).
//!
//! Ties in time are broken by the source node, then by the order in which that source scheduled
//! its events, so every run pops events in the same order whatever the thread timing.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    source: u32,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (SimTime, u32, u64) {
        (self.time, self.source, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so that the earliest key comes out first.
        other.key().cmp(&self.key())
    }
}

/// Pending events of a simulation.
pub struct Calendar<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Calendar {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E> Calendar<E> {
    /// Schedules `event` at `time`, from node `source` (the tie-breaker after time).
    pub fn schedule(&mut self, time: SimTime, source: u32, event: E) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            source,
            seq: self.seq,
            event,
        });
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_source_then_sequence() {
        let mut c = Calendar::default();
        c.schedule(SimTime(5), 2, "t5-s2");
        c.schedule(SimTime(5), 1, "t5-s1-a");
        c.schedule(SimTime(1), 9, "t1");
        c.schedule(SimTime(5), 1, "t5-s1-b");
        let order: Vec<_> = std::iter::from_fn(|| c.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["t1", "t5-s1-a", "t5-s1-b", "t5-s2"]);
    }
}
