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

/// The slot of a mark: an entry that holds no event, only its key.
const MARK: u32 = u32::MAX;

/// What the calendar hands back when it is due: an event, or a mark and its sequence number.
#[derive(Debug, PartialEq)]
pub enum Due<E> {
    /// An event scheduled with [`Calendar::schedule`].
    Event(E),
    /// A mark scheduled with [`Calendar::mark`]: its sequence number.
    Mark(u64),
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
        let slot = self.events.insert(event);
        self.push(time, source, slot);
    }

    /// Schedules a mark at `time`, from `source`: it pops in its place like an event but holds
    /// none (its key only, no slot), so a caller that often replaces one pending wake-up by
    /// another keeps only keys for the replaced ones. Returns its sequence number, which
    /// `Due::Mark` hands back.
    pub fn mark(&mut self, time: SimTime, source: u32) -> u64 {
        self.push(time, source, MARK);
        self.seq
    }

    /// Puts the key of the event in `slot` on the heap.
    fn push(&mut self, time: SimTime, source: u32, slot: u32) {
        self.seq += 1;
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

    /// Removes and returns the earliest event or mark.
    pub fn pop(&mut self) -> Option<(SimTime, Due<E>)> {
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
        if top.slot == MARK {
            return Some((top.time, Due::Mark(top.seq)));
        }
        let event = self.events.remove(top.slot)?;
        if self.events.len() * SPARSE < self.events.slots() && self.events.slots() >= KEPT_SLOTS {
            self.compact();
        }
        Some((top.time, Due::Event(event)))
    }

    /// Moves the pending events into a table of their own size, and lets the heap's spare room
    /// go: the room of a phase in which every node had an event pending (a broadcast's arrivals)
    /// is not held through the next, in which few have (uploads in flight).
    fn compact(&mut self) {
        let held = self.heap.iter_mut().filter(|entry| entry.slot != MARK);
        self.events.compact(held.map(|entry| &mut entry.slot));
        self.heap.shrink_to(self.heap.len() + self.heap.len() / 4);
    }
}

/// The calendar's slots are compacted once under one in `SPARSE` holds an event (as the
/// events of one phase give way to what they lead to, its room shrinks with them) ...
const SPARSE: usize = 2;
/// ... and they are at least this many.
const KEPT_SLOTS: usize = 1024;

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
        let mark = c.mark(SimTime(5), 1);
        let order: Vec<_> = std::iter::from_fn(|| c.pop().map(|(_, e)| e)).collect();
        let e = Due::Event;
        assert_eq!(
            order,
            vec![
                e("t1"),
                e("t5-s1-a"),
                e("t5-s1-b"),
                Due::Mark(mark),
                e("t5-s2")
            ]
        );
    }

    /// A calendar that held 4,000 events and holds 300 lets most of their room go (down to the
    /// slots it keeps), and still pops in order, events scheduled after the compaction included.
    #[test]
    fn a_calendar_that_empties_out_lets_its_room_go() {
        let mut cal = Calendar::default();
        let time = |i: u64| SimTime((i * 7_919) % 5_003);
        for i in 0..4_000u64 {
            cal.schedule(time(i), (i % 3) as u32, i);
        }
        let mut keys: Vec<(SimTime, u32, u64)> = (0..4_000u64)
            .map(|i| (time(i), (i % 3) as u32, i))
            .collect();
        keys.sort();
        for want in &keys[..3_700] {
            assert_eq!(cal.pop(), Some((want.0, Due::Event(want.2))));
        }
        assert!(
            cal.events.slots() < KEPT_SLOTS && cal.heap.capacity() < 1_300,
            "{} slots, room for {} keys",
            cal.events.slots(),
            cal.heap.capacity()
        );
        let last = keys[3_699].0;
        cal.schedule(last, 0, 9_000);
        let mut rest = keys[3_700..].to_vec();
        rest.push((last, 0, 9_000));
        rest.sort();
        for want in rest {
            assert_eq!(cal.pop(), Some((want.0, Due::Event(want.2))));
        }
        assert!(cal.pop().is_none());
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
                    // Some marks among the events: their sequence numbers are the calendar's.
                    if rng.random_bool(0.2) {
                        let mark = cal.mark(SimTime(time), source);
                        reference.insert((time, source, mark));
                    } else {
                        cal.schedule(SimTime(time), source, seq);
                        reference.insert((time, source, seq));
                    }
                } else {
                    let want = reference.pop_first();
                    let got = cal.pop().map(|(t, due)| match due {
                        Due::Event(s) | Due::Mark(s) => (t, s),
                    });
                    assert_eq!(got, want.map(|(t, _, s)| (SimTime(t), s)), "trial {trial}");
                    if let Some((t, _)) = got {
                        now = t.0;
                    }
                }
            }
            while let Some(want) = reference.pop_first() {
                let got = cal.pop().map(|(t, due)| match due {
                    Due::Event(s) | Due::Mark(s) => (t, s),
                });
                assert_eq!(got, Some((SimTime(want.0), want.2)), "trial {trial}");
            }
            assert!(cal.pop().is_none());
        }
    }
}
