//! The times of the messages on their way to one node.

use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The arrival times of the messages on their way to a node, earliest first. Most nodes wait
/// for one message at a time: it is held without an allocation; only a node with several on
/// their way at once (the base station) holds a heap.
#[derive(Default)]
pub(super) enum Arrivals {
    #[default]
    None,
    One(SimTime),
    Many(Box<BinaryHeap<Reverse<SimTime>>>),
}

impl Arrivals {
    /// The earliest arrival.
    pub(super) fn peek(&self) -> Option<SimTime> {
        match self {
            Arrivals::None => None,
            Arrivals::One(t) => Some(*t),
            Arrivals::Many(heap) => heap.peek().map(|r| r.0),
        }
    }

    /// Adds an arrival at `t`.
    pub(super) fn push(&mut self, t: SimTime) {
        match self {
            Arrivals::None => *self = Arrivals::One(t),
            Arrivals::One(first) => {
                *self = Arrivals::Many(Box::new(BinaryHeap::from([Reverse(*first), Reverse(t)])))
            }
            Arrivals::Many(heap) => heap.push(Reverse(t)),
        }
    }

    /// Removes the earliest arrival; when one is left, its heap is let go.
    pub(super) fn pop(&mut self) {
        match self {
            Arrivals::None => {}
            Arrivals::One(_) => *self = Arrivals::None,
            Arrivals::Many(heap) => {
                heap.pop();
                if heap.len() <= 1 {
                    let left = heap.peek().map(|r| r.0);
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
            Arrivals::Many(heap) => (**heap).clone(),
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
}
