//! The event calendar: a priority queue ordered by (time, source, sequence number).
//!
//! Ties in time are broken by the source node, then by the order in which that source scheduled
//! its events, so every run pops events in the same order whatever the thread timing.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Room for one more element in a vector that holds one entry per node at its fullest (the
/// calendar, the kernel's work slots): it grows by a quarter when full, not by doubling, so
/// that its spare capacity at a round's peak is a quarter at most, not up to a whole.
pub(super) fn room_for_one<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(16));
    }
}

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
    fn key(&self) -> (SimTime, u32, u64) {
        (self.time, self.source, self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so that the earliest key comes out first.
        other.key().cmp(&self.key())
    }
}

/// Pending events of a simulation. It is saved whole (heap, slots and sequence counter), so a
/// restored calendar pops the same events in the same order.
#[derive(Serialize, Deserialize)]
pub struct Calendar<E> {
    heap: BinaryHeap<Entry>,
    /// Events by slot; `free` lists the empty slots.
    events: Vec<Option<E>>,
    free: Vec<u32>,
    seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Calendar {
            heap: BinaryHeap::new(),
            events: Vec::new(),
            free: Vec::new(),
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
        let slot = match self.free.pop() {
            Some(slot) => {
                self.events[slot as usize] = Some(event);
                slot
            }
            None => {
                room_for_one(&mut self.events);
                self.events.push(Some(event));
                u32::try_from(self.events.len() - 1).expect("under 2^32 pending events")
            }
        };
        if self.heap.len() == self.heap.capacity() {
            self.heap.reserve_exact((self.heap.len() / 4).max(16));
        }
        self.heap.push(Entry {
            time,
            seq: self.seq,
            source,
            slot,
        });
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        let event = self.events[entry.slot as usize].take()?;
        room_for_one(&mut self.free);
        self.free.push(entry.slot);
        Some((entry.time, event))
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
