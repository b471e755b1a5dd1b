//! The event calendar: a priority queue ordered by (time, source, sequence number).
//!
//! Ties in time are broken by the source node, then by the order in which that source scheduled
//! its events, so every run pops events in the same order whatever the thread timing.

use crate::slab::{room_for_one, Slab};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// A heap entry: the event's key and the slot that holds it (the heap moves 24 bytes, not the
/// event).
#[derive(Copy, Clone, Serialize, Deserialize)]
struct Entry {
    time: SimTime,
    seq: u64,
    source: u32,
    slot: u32,
}

impl Entry {
    /// Whether `self` pops before `other`: earlier time, then lower source, then lower sequence
    /// number (the keys of two entries are never equal).
    #[inline(always)]
    fn before(&self, other: &Entry) -> bool {
        (self.time, self.source, self.seq) < (other.time, other.source, other.seq)
    }
}

/// Children per heap node: the four children of a node lie side by side (96 bytes), so a pop
/// goes half as deep as in a binary heap and reads about as many cache lines per level.
const ARITY: usize = 4;

/// Pending events of a simulation: a 4-ary min-heap of keys over the slots that hold the events.
/// It is saved whole (heap, slots and sequence counter), so a restored calendar pops the same
/// events in the same order.
#[derive(Serialize, Deserialize)]
pub struct Calendar<E> {
    heap: Vec<Entry>,
    events: Slab<E>,
    seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Calendar {
            heap: Vec::new(),
            events: Slab::default(),
            seq: 0,
        }
    }
}

impl<E> Calendar<E> {
    /// Schedules `event` at `time`, from node `source` (the tie-breaker after time).
    ///
    /// # Panics
    /// With more than 2^32 events pending at once.
    pub fn schedule(&mut self, time: SimTime, source: u32, event: E) {
        self.seq += 1;
        let slot = self.events.insert(event);
        room_for_one(&mut self.heap);
        let entry = Entry {
            time,
            seq: self.seq,
            source,
            slot,
        };
        // Sift up: move parents down until the entry's place is found.
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n > 0 {
            // Sift the last entry down from the root: move the earliest child up while it is
            // earlier than the entry.
            let mut i = 0;
            loop {
                let first = ARITY * i + 1;
                if first >= n {
                    break;
                }
                let mut child = first;
                for c in first + 1..(first + ARITY).min(n) {
                    if self.heap[c].before(&self.heap[child]) {
                        child = c;
                    }
                }
                if !self.heap[child].before(&last) {
                    break;
                }
                self.heap[i] = self.heap[child];
                i = child;
            }
            self.heap[i] = last;
        }
        let event = self.events.remove(top.slot)?;
        Some((top.time, event))
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

    /// Schedules and pops interleaved at random, with many ties in time and source: the calendar
    /// pops exactly what a sorted set of the keys gives.
    #[test]
    fn pops_as_a_sorted_set_of_keys_under_random_interleaving() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeSet;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for trial in 0..20 {
            let mut cal = Calendar::default();
            let mut reference = BTreeSet::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for _ in 0..2_000 {
                if rng.random_bool(0.55) {
                    let time = now + rng.random_range(0..4u64) * rng.random_range(0..50u64);
                    let source = rng.random_range(0..6u32);
                    seq += 1;
                    cal.schedule(SimTime(time), source, seq);
                    reference.insert((time, source, seq));
                } else {
                    let want = reference.pop_first();
                    let got = cal.pop();
                    assert_eq!(got, want.map(|(t, _, s)| (SimTime(t), s)), "trial {trial}");
                    if let Some((t, _)) = got {
                        now = t.0;
                    }
                }
            }
            while let Some(want) = reference.pop_first() {
                assert_eq!(cal.pop(), Some((SimTime(want.0), want.2)), "trial {trial}");
            }
            assert!(cal.pop().is_none());
        }
    }
}
