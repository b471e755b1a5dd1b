//! The event calendar: a priority queue ordered by (time, source, sequence number).
//!
//! Ties in time are broken by the source node, then by the order in which that source scheduled
//! its events, so every run pops events in the same order whatever the thread timing.
//!
//! It is a radix heap over time: events pop in non-decreasing time (the kernel never schedules
//! into the past; an event that is scheduled so still pops in its place), so an event later than
//! the last time taken up waits in the bucket of the highest bit in which its time differs from
//! it, and is moved only when its bucket becomes the earliest. The events of one instant are
//! sorted once and popped from a plain array. A pop thus reads keys side by side instead of
//! walking a heap of every pending event (which at 100,000 nodes is larger than the cache).

use crate::slab::{room_for_one, Slab};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An event's key and the slot that holds it (keys move, not events). Entries compare by time,
/// then source, then sequence number (the keys of two entries are never equal; the slot never
/// decides).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Entry {
    time: SimTime,
    source: u32,
    seq: u64,
    slot: u32,
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

/// Buckets of later entries: bucket `b` (1 to 64) holds the entries whose time is later than
/// the calendar's `last` and differs from it first (from the top) in bit `b - 1`.
const BUCKETS: usize = 65;

/// Pending events of a simulation: keys in a radix heap over time, events in slots. It is saved
/// whole (keys, slots and sequence counter), so a restored calendar pops the same events in the
/// same order.
#[derive(Serialize, Deserialize)]
pub struct Calendar<E> {
    /// The time the buckets are reckoned from: every entry in a bucket is later.
    last: SimTime,
    /// Entries at `last`, as taken from their bucket: sorted, the earliest last.
    run: Vec<Entry>,
    /// Entries scheduled at or before `last` since: a heap, the earliest on top.
    now: BinaryHeap<Reverse<Entry>>,
    /// The later entries, by bucket (see [`BUCKETS`]); bucket 0 is unused.
    buckets: Vec<Vec<Entry>>,
    /// Bit `b - 1` is set when bucket `b` holds an entry.
    occupied: u64,
    events: Slab<E>,
    seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Calendar {
            last: SimTime::ZERO,
            run: Vec::new(),
            now: BinaryHeap::new(),
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            events: Slab::default(),
            seq: 0,
        }
    }
}

/// The bucket of an entry at `time` later than `last`.
#[inline(always)]
pub(super) fn bucket(time: SimTime, last: SimTime) -> usize {
    64 - (time.0 ^ last.0).leading_zeros() as usize
}

/// `buf` emptied, its room let go if it is large: a bucket or run that once held a phase's
/// events does not keep their room through the next.
fn emptied(buf: &mut Vec<Entry>) {
    buf.clear();
    if buf.capacity() > KEPT_ENTRIES {
        *buf = Vec::new();
    }
}

/// Room an emptied bucket or run keeps.
const KEPT_ENTRIES: usize = 256;

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

    /// Puts the key of the event in `slot` in its place.
    fn push(&mut self, time: SimTime, source: u32, slot: u32) {
        self.seq += 1;
        let entry = Entry {
            time,
            source,
            seq: self.seq,
            slot,
        };
        if time <= self.last {
            self.now.push(Reverse(entry));
            return;
        }
        let b = bucket(time, self.last);
        let bucket = &mut self.buckets[b];
        room_for_one(bucket);
        bucket.push(entry);
        self.occupied |= 1 << (b - 1);
    }

    /// Removes and returns the earliest event or mark.
    pub fn pop(&mut self) -> Option<(SimTime, Due<E>)> {
        if self.run.is_empty() && self.now.is_empty() && !self.refill() {
            return None;
        }
        let from_run = match (self.run.last(), self.now.peek()) {
            (Some(r), Some(Reverse(n))) => r < n,
            (r, _) => r.is_some(),
        };
        let top = match from_run {
            true => self.run.pop()?,
            false => self.now.pop()?.0,
        };
        match self.run.last() {
            // The next event's slot is fetched while this one is handled.
            Some(next) if next.slot != MARK => self.events.prefetch(next.slot),
            Some(_) => {}
            None => emptied(&mut self.run),
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

    /// Takes up the earliest bucket (with the run and the heap empty): its earliest time becomes
    /// `last`, the entries at that time the run, the others go to lower buckets. False when
    /// nothing is pending.
    fn refill(&mut self) -> bool {
        if self.occupied == 0 {
            return false;
        }
        let b = self.occupied.trailing_zeros() as usize + 1;
        self.occupied &= !(1 << (b - 1));
        let mut taken = std::mem::take(&mut self.buckets[b]);
        let Some(last) = taken.iter().map(|e| e.time).min() else {
            return false;
        };
        self.last = last;
        // The entries at `last` are kept at the front of `taken`, the others moved down: to
        // buckets below `b`, all empty, given their room at once (no growth step by step).
        // Most refills at a large node count take a few entries: the buckets they go to are
        // found by their bits, not by a pass over every bucket.
        let mut moved = [0usize; BUCKETS];
        let mut lowered = 0u64;
        for entry in taken.iter().filter(|entry| entry.time != last) {
            let lower = bucket(entry.time, last);
            moved[lower] += 1;
            lowered |= 1 << (lower - 1);
        }
        self.occupied |= lowered;
        while lowered != 0 {
            let lower = lowered.trailing_zeros() as usize + 1;
            lowered &= lowered - 1;
            self.buckets[lower].reserve_exact(moved[lower]);
        }
        let mut kept = 0;
        for i in 0..taken.len() {
            let entry = taken[i];
            if entry.time == last {
                taken[kept] = entry;
                kept += 1;
            } else {
                self.buckets[bucket(entry.time, last)].push(entry);
            }
        }
        taken.truncate(kept);
        if taken.capacity() > 4 * kept && taken.capacity() > KEPT_ENTRIES {
            taken.shrink_to(kept);
        }
        // Popped from the end: the earliest last.
        taken.sort_unstable_by(|a, b| b.cmp(a));
        // The run's emptied buffer becomes the bucket's.
        let mut spare = std::mem::replace(&mut self.run, taken);
        emptied(&mut spare);
        self.buckets[b] = spare;
        if let Some(next) = self.run.last().filter(|next| next.slot != MARK) {
            self.events.prefetch(next.slot);
        }
        true
    }

    /// Moves the pending events into a table of their own size, and lets the keys' spare room
    /// go: the room of a phase in which every node had an event pending (a broadcast's arrivals)
    /// is not held through the next, in which few have (uploads in flight).
    fn compact(&mut self) {
        // The heap's entries are renumbered outside it (a slot never decides their order).
        let mut now: Vec<Entry> = std::mem::take(&mut self.now)
            .into_vec()
            .into_iter()
            .map(|Reverse(e)| e)
            .collect();
        let held = self
            .run
            .iter_mut()
            .chain(self.buckets.iter_mut().flatten())
            .chain(now.iter_mut())
            .filter(|entry| entry.slot != MARK);
        self.events.compact(held.map(|entry| &mut entry.slot));
        self.now = now.into_iter().map(Reverse).collect();
        for keys in self.buckets.iter_mut().chain([&mut self.run]) {
            keys.shrink_to(keys.len() + keys.len() / 4);
        }
    }

    /// Room for keys held, over the buckets, the run and the heap.
    #[cfg(test)]
    fn key_room(&self) -> usize {
        self.buckets.iter().map(Vec::capacity).sum::<usize>()
            + self.run.capacity()
            + self.now.capacity()
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
            cal.events.slots() < KEPT_SLOTS && cal.key_room() < 1_300,
            "{} slots, room for {} keys",
            cal.events.slots(),
            cal.key_room()
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
