//! Serde for vectors that keeps their capacity (`#[serde(with = "capacity")]`, and
//! `capacity::nested` for a vector of vectors): a learner reports its memory from the capacity of
//! its buffers, so one restored from a checkpoint allocates what the saved one had and reports
//! the same bytes as a learner that never stopped. The elements are plain numbers, saved as one
//! run of bytes ([`crate::sim::plain`]).
// `with` modules are handed `&Vec<T>`: the capacity is what they are for.
#![allow(clippy::ptr_arg)]

use crate::sim::plain::{Owned, Plain, Run};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Capacities above this many elements are not believed (a damaged file must not make the
/// process abort on an allocation): the buffer then gets its length.
const MOST: usize = 1 << 28;

fn with_capacity<T>(capacity: usize, items: Vec<T>) -> Vec<T> {
    if capacity <= items.len() || capacity > MOST {
        return items;
    }
    let mut v = Vec::with_capacity(capacity);
    v.extend(items);
    v
}

/// Writes `(capacity, elements)`.
pub fn serialize<T: Plain, S: Serializer>(v: &Vec<T>, s: S) -> Result<S::Ok, S::Error> {
    (v.capacity(), Run(v)).serialize(s)
}

/// Reads `(capacity, elements)`.
pub fn deserialize<'de, T: Plain, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let (capacity, Owned(items)): (usize, Owned<T>) = Deserialize::deserialize(d)?;
    Ok(with_capacity(capacity, items))
}

/// The same for a slice behind an `Arc`, which has no spare capacity: written as a vector of
/// its length is (so as a vector was before it was shared), read back unshared.
pub mod shared {
    use super::*;
    use std::sync::Arc;

    /// Writes `(length, elements)`.
    pub fn serialize<T: Plain, S: Serializer>(v: &Arc<[T]>, s: S) -> Result<S::Ok, S::Error> {
        (v.len(), Run(v)).serialize(s)
    }

    /// Reads `(capacity, elements)` (the capacity is not needed).
    pub fn deserialize<'de, T: Plain, D: Deserializer<'de>>(d: D) -> Result<Arc<[T]>, D::Error> {
        let (_, Owned(items)): (usize, Owned<T>) = Deserialize::deserialize(d)?;
        Ok(items.into())
    }
}

/// The same for a vector of vectors: every capacity kept.
pub mod nested {
    use super::*;

    /// Writes `(capacity, [(capacity, elements)...])`.
    pub fn serialize<T: Plain, S: Serializer>(v: &Vec<Vec<T>>, s: S) -> Result<S::Ok, S::Error> {
        let inner: Vec<(usize, Run<T>)> = v.iter().map(|i| (i.capacity(), Run(i))).collect();
        (v.capacity(), inner).serialize(s)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, T: Plain, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<T>>, D::Error> {
        let (capacity, items): (usize, Vec<(usize, Owned<T>)>) = Deserialize::deserialize(d)?;
        let items = items
            .into_iter()
            .map(|(c, Owned(i))| with_capacity(c, i))
            .collect();
        Ok(with_capacity(capacity, items))
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Buffers {
        #[serde(with = "super")]
        flat: Vec<u32>,
        #[serde(with = "super::nested")]
        rows: Vec<Vec<u32>>,
    }

    #[test]
    fn capacities_survive_a_round_trip() {
        let mut flat = Vec::with_capacity(40);
        flat.extend([1, 2, 3]);
        let mut row = Vec::with_capacity(17);
        row.push(9);
        let mut rows = Vec::with_capacity(5);
        rows.push(row);
        rows.push(Vec::new());
        let bytes = crate::sim::encode(&Buffers { flat, rows }).unwrap();
        let back: Buffers = crate::sim::decode(&bytes).unwrap();
        assert_eq!(back.flat, vec![1, 2, 3]);
        assert_eq!(back.flat.capacity(), 40);
        assert_eq!(back.rows, vec![vec![9], vec![]]);
        assert_eq!(back.rows.capacity(), 5);
        assert_eq!(back.rows[0].capacity(), 17);
    }
}
