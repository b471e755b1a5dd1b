//! Slots for values that come and go (events waiting on the calendar, flows on the uplink): a
//! value is put in a free slot and found again by its slot number in constant time, without a map.
//!
//! Such tables hold one entry per node at their fullest (every device's event, every device's
//! upload), so they grow by a quarter when full, not by doubling: the spare room at a round's peak
//! is a quarter at most, not up to a whole.

use serde::{Deserialize, Serialize};

/// Room for one more element in `v`: grown by a quarter (at least 16) when full.
pub fn room_for_one<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(16));
    }
}

/// Values by slot number; emptied slots are used again (the latest emptied first).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Slab<T> {
    slots: Vec<Option<T>>,
    /// The empty slots.
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Puts `value` in a free slot and returns its number.
    ///
    /// # Panics
    /// With 2^32 values held at once.
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(value);
                slot
            }
            None => {
                room_for_one(&mut self.slots);
                self.slots.push(Some(value));
                u32::try_from(self.slots.len() - 1).expect("under 2^32 values held at once")
            }
        }
    }

    /// Takes the value out of `slot` (`None` if it is empty).
    pub fn remove(&mut self, slot: u32) -> Option<T> {
        let value = self.slots.get_mut(slot as usize)?.take()?;
        room_for_one(&mut self.free);
        self.free.push(slot);
        Some(value)
    }

    /// The value in `slot`.
    pub fn get(&self, slot: u32) -> Option<&T> {
        self.slots.get(slot as usize)?.as_ref()
    }

    /// Asks the processor to bring `slot` into the cache (a hint: nothing changes), so that a
    /// value taken soon is not waited for.
    #[inline(always)]
    pub fn prefetch(&self, slot: u32) {
        if let Some(value) = self.slots.get(slot as usize) {
            crate::prefetch::prefetch(value);
        }
    }

    /// The value in `slot`, to change it.
    pub fn get_mut(&mut self, slot: u32) -> Option<&mut T> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Slots, held or empty (the room the table keeps).
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values held and their slots, by slot number.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(slot, v)| v.as_ref().map(|v| (slot as u32, v)))
    }

    /// Moves the values held into the lowest slots and lets the room above them go. `held` gives
    /// the slot number of every value held, as kept by the owner, and each is updated to its new
    /// slot.
    pub fn compact<'a>(&mut self, held: impl Iterator<Item = &'a mut u32>) {
        let target = self.len();
        let mut low_free: Vec<u32> = self
            .free
            .iter()
            .copied()
            .filter(|&s| (s as usize) < target)
            .collect();
        for slot in held {
            if (*slot as usize) < target {
                continue;
            }
            let Some(low) = low_free.pop() else {
                return;
            };
            self.slots[low as usize] = self.slots[*slot as usize].take();
            *slot = low;
        }
        self.slots.truncate(target);
        self.slots.shrink_to_fit();
        self.free = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_used_again_and_values_found_by_slot() {
        let mut slab = Slab::default();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_eq!((a, b), (0, 1));
        assert_eq!(slab.remove(a), Some("a"));
        assert_eq!(slab.remove(a), None, "already out");
        assert_eq!(slab.get(b), Some(&"b"));
        let c = slab.insert("c");
        assert_eq!(c, a, "the emptied slot is used again");
        assert_eq!(slab.len(), 2);
        let held: Vec<_> = slab.iter().collect();
        assert_eq!(held, vec![(0, &"c"), (1, &"b")]);
        slab.remove(b);
        slab.remove(c);
        assert!(slab.is_empty());
        assert_eq!(slab.insert("d"), 0);
    }

    #[test]
    fn compacting_moves_the_values_down_and_updates_their_slots() {
        let mut slab = Slab::default();
        let mut held: Vec<(u32, u32)> = (0..10).map(|v| (slab.insert(v), v)).collect();
        for &(slot, _) in &held[..7] {
            slab.remove(slot);
        }
        held.drain(..7);
        slab.compact(held.iter_mut().map(|(slot, _)| slot));
        assert_eq!(slab.slots(), 3);
        for &(slot, v) in &held {
            assert_eq!(slab.get(slot), Some(&v));
        }
        assert_eq!(slab.insert(99), 3, "no free slot left below");
    }
}
