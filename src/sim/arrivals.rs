//! The times of the messages on their way to one node.

use super::calendar::bucket;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The arrival times of the messages on their way to a node, earliest first. Most nodes wait
/// for one message at a time: it is held without an allocation; only a node with several on
/// their way at once (the base station) holds more.
#[derive(Default)]
pub(super) enum Arrivals {
    #[default]
    None,
    One(SimTime),
    Many(Box<Times>),
}

/// Many arrival times: a radix heap (see [`super::calendar`]), as arrivals are taken in time
/// order; the base station's can hold an arrival per device.
pub(super) struct Times {
    /// The earliest time in the buckets when they were last taken up ...
    last: u64,
    /// ... and how many arrivals are at that time.
    at_last: usize,
    /// Times earlier than `last` added since (rare: an arrival sooner than the next one).
    early: BinaryHeap<Reverse<u64>>,
    /// Later times, in bucket `b` when they differ from `last` first in bit `b - 1`.
    buckets: Vec<Vec<u64>>,
    /// Bit `b - 1` set when bucket `b` holds a time.
    occupied: u64,
    len: usize,
}

impl Times {
    fn new() -> Times {
        Times {
            last: 0,
            at_last: 0,
            early: BinaryHeap::new(),
            buckets: (0..65).map(|_| Vec::new()).collect(),
            occupied: 0,
            len: 0,
        }
    }

    fn peek(&self) -> Option<SimTime> {
        let last = (self.at_last > 0).then_some(self.last);
        let early = self.early.peek().map(|r| r.0);
        let earliest = match (last, early) {
            (Some(l), Some(e)) => Some(l.min(e)),
            (l, e) => l.or(e),
        };
        earliest.map(SimTime)
    }

    fn push(&mut self, t: u64) {
        self.len += 1;
        if self.at_last == 0 && self.occupied == 0 {
            // Nothing at or after `last`: it moves to this time.
            self.last = t;
        }
        if t == self.last {
            self.at_last += 1;
        } else if t < self.last {
            self.early.push(Reverse(t));
        } else {
            let b = bucket(SimTime(t), SimTime(self.last));
            self.buckets[b].push(t);
            self.occupied |= 1 << (b - 1);
            if self.at_last == 0 {
                self.refill();
            }
        }
    }

    fn pop(&mut self) {
        let from_early = match self.early.peek() {
            Some(e) => self.at_last == 0 || e.0 < self.last,
            None => false,
        };
        if from_early {
            self.early.pop();
        } else if self.at_last > 0 {
            self.at_last -= 1;
            if self.at_last == 0 {
                self.refill();
            }
        } else {
            return;
        }
        self.len -= 1;
    }

    /// With none left at `last`: takes up the earliest bucket, its earliest time the new `last`.
    fn refill(&mut self) {
        if self.occupied == 0 {
            return;
        }
        let b = self.occupied.trailing_zeros() as usize + 1;
        self.occupied &= !(1 << (b - 1));
        let mut taken = std::mem::take(&mut self.buckets[b]);
        let Some(&last) = taken.iter().min() else {
            return;
        };
        self.last = last;
        for &t in &taken {
            if t == last {
                self.at_last += 1;
            } else {
                let lower = bucket(SimTime(t), SimTime(last));
                self.buckets[lower].push(t);
                self.occupied |= 1 << (lower - 1);
            }
        }
        taken.clear();
        self.buckets[b] = taken;
    }

    /// Every time held, in no order.
    fn all(&self) -> impl Iterator<Item = u64> + '_ {
        let at_last = std::iter::repeat_n(self.last, self.at_last);
        let early = self.early.iter().map(|r| r.0);
        at_last
            .chain(early)
            .chain(self.buckets.iter().flatten().copied())
    }
}

impl Arrivals {
    /// The earliest arrival.
    pub(super) fn peek(&self) -> Option<SimTime> {
        match self {
            Arrivals::None => None,
            Arrivals::One(t) => Some(*t),
            Arrivals::Many(times) => times.peek(),
        }
    }

    /// Adds an arrival at `t`.
    pub(super) fn push(&mut self, t: SimTime) {
        match self {
            Arrivals::None => *self = Arrivals::One(t),
            Arrivals::One(first) => {
                let mut times = Box::new(Times::new());
                times.push(first.0);
                times.push(t.0);
                *self = Arrivals::Many(times);
            }
            Arrivals::Many(times) => times.push(t.0),
        }
    }

    /// Removes the earliest arrival; when one is left, its heap is let go.
    pub(super) fn pop(&mut self) {
        match self {
            Arrivals::None => {}
            Arrivals::One(_) => *self = Arrivals::None,
            Arrivals::Many(times) => {
                times.pop();
                if times.len <= 1 {
                    let left = times.peek();
                    *self = left.map_or(Arrivals::None, Arrivals::One);
                }
            }
        }
    }

    /// As saved in a snapshot: a heap of the times.
    pub(super) fn saved(&self) -> BinaryHeap<Reverse<SimTime>> {
        match self {
            Arrivals::None => BinaryHeap::new(),
            Arrivals::One(t) => BinaryHeap::from([Reverse(*t)]),
            Arrivals::Many(times) => times.all().map(|t| Reverse(SimTime(t))).collect(),
        }
    }

    /// As restored from a snapshot.
    pub(super) fn restored(heap: BinaryHeap<Reverse<SimTime>>) -> Arrivals {
        let mut arrivals = Arrivals::None;
        for Reverse(t) in heap.into_vec() {
            arrivals.push(t);
        }
        arrivals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes and pops interleaved: the earliest is always what a sorted list of the times
    /// holds first, and a node left with one arrival holds no heap.
    #[test]
    fn gives_the_earliest_like_a_heap_and_holds_none_for_one() {
        let mut arrivals = Arrivals::default();
        let mut reference: Vec<u64> = Vec::new();
        for (i, t) in [5u64, 3, 9, 3, 1, 7, 7, 2].into_iter().enumerate() {
            arrivals.push(SimTime(t));
            reference.push(t);
            reference.sort_unstable();
            if i % 3 == 2 {
                arrivals.pop();
                reference.remove(0);
            }
            assert_eq!(arrivals.peek(), reference.first().map(|&t| SimTime(t)));
        }
        let saved = arrivals.saved();
        assert_eq!(saved.len(), reference.len());
        let mut restored = Arrivals::restored(saved);
        while reference.len() > 1 {
            restored.pop();
            reference.remove(0);
            assert_eq!(restored.peek(), Some(SimTime(reference[0])));
        }
        assert!(matches!(restored, Arrivals::One(_)));
        restored.pop();
        assert!(matches!(restored, Arrivals::None));
        assert_eq!(restored.peek(), None);
    }

    /// Many times at once, pushed at random (some earlier than the next one due, many equal),
    /// popped interleaved: the earliest is always a sorted list's first.
    #[test]
    fn many_times_pop_in_order_under_random_interleaving() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for trial in 0..20 {
            let mut arrivals = Arrivals::default();
            let mut reference: Vec<u64> = Vec::new();
            let mut now = 0u64;
            for _ in 0..3_000 {
                if rng.random_bool(0.55) {
                    let t = now + rng.random_range(0..3u64) * rng.random_range(0..1_000u64);
                    arrivals.push(SimTime(t));
                    reference.push(t);
                    reference.sort_unstable();
                } else if !reference.is_empty() {
                    now = reference.remove(0);
                    arrivals.pop();
                }
                let want = reference.first().map(|&t| SimTime(t));
                assert_eq!(arrivals.peek(), want, "trial {trial}");
                let mut saved: Vec<u64> = arrivals.saved().into_iter().map(|r| r.0 .0).collect();
                saved.sort_unstable();
                if trial == 0 {
                    assert_eq!(saved, reference);
                }
            }
        }
    }
}
