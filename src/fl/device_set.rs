//! A set of devices by id: one bit per device of the cell, found and added at once.

/// Devices, as bit `d % 64` of word `d / 64` for device `d` (an eighth of a byte per device up
/// to the largest id held).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DeviceSet {
    words: Vec<u64>,
}

impl DeviceSet {
    /// Whether `device` is in the set.
    pub fn contains(&self, device: u32) -> bool {
        let (word, bit) = (device as usize / 64, device % 64);
        self.words.get(word).is_some_and(|w| w >> bit & 1 == 1)
    }

    /// Adds `device`; whether it was not in the set.
    pub fn insert(&mut self, device: u32) -> bool {
        let (word, bit) = (device as usize / 64, device % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let added = self.words[word] >> bit & 1 == 0;
        self.words[word] |= 1 << bit;
        added
    }

    /// The devices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64)
                .filter(move |bit| bits >> bit & 1 == 1)
                .map(move |bit| (word * 64 + bit) as u32)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceSet;

    #[test]
    fn holds_what_was_added_and_says_whether_it_was_new() {
        let mut set = DeviceSet::default();
        assert!(!set.contains(0) && !set.contains(1_000));
        assert!(set.insert(130));
        assert!(set.insert(0));
        assert!(!set.insert(130), "already in");
        assert!(set.contains(130) && set.contains(0));
        assert!(!set.contains(129) && !set.contains(131) && !set.contains(64));
        assert_eq!(set.words.len(), 3);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 130]);
    }
}
