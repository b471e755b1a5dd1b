//! Vectors of plain numbers saved as one byte string (`#[serde(with = "crate::sim::plain")]`):
//! a snapshot then copies a learner's weights as little-endian bytes instead of encoding every
//! value on its own, and takes them back bit for bit. Runs of zeros (all bytes 0) are counted,
//! not copied: the string is a sequence of (zeros, count, count values), both numbers LEB128.
// `with` modules are handed `&Vec<T>`.
#![allow(clippy::ptr_arg)]

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::marker::PhantomData;

/// A fixed-size value with a little-endian byte form.
pub trait Plain: Copy {
    /// Bytes of one value.
    const SIZE: usize;
    /// Writes its bytes into `out` (`SIZE` of them).
    fn put(self, out: &mut [u8]);
    /// The value of `SIZE` bytes; `None` when they are no value of the type.
    fn get(bytes: &[u8]) -> Option<Self>;
    /// Whether its bytes are all 0.
    fn zero(self) -> bool;
}

/// Values a string may stand for, at most (a damaged file must not make the process abort on
/// an allocation).
const MOST: u64 = 1 << 28;

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl Plain for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Option<$t> {
                bytes.try_into().ok().map(<$t>::from_le_bytes)
            }
            fn zero(self) -> bool {
                self.to_le_bytes() == [0; std::mem::size_of::<$t>()]
            }
        }
    )*};
}
plain!(f64, f32, u128, u64, u32, u16, u8);

impl Plain for bool {
    const SIZE: usize = 1;
    fn put(self, out: &mut [u8]) {
        out[0] = u8::from(self);
    }
    fn get(bytes: &[u8]) -> Option<bool> {
        match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
    fn zero(self) -> bool {
        !self
    }
}

fn put_count(n: usize, out: &mut Vec<u8>) {
    let mut n = n as u64;
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The LEB128 number at the start of `bytes`, and the bytes after it.
fn count(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut n = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        n |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b < 0x80 {
            return Some((n, &bytes[i + 1..]));
        }
    }
    None
}

/// A slice of plain values, serialised as one byte string.
pub struct Run<'a, T>(pub &'a [T]);

impl<T: Plain> Serialize for Run<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let values = self.0;
        let mut bytes = Vec::with_capacity(values.len() * T::SIZE + 8);
        let mut at = 0;
        while at < values.len() {
            let zeros = values[at..].iter().take_while(|v| v.zero()).count();
            at += zeros;
            let some = values[at..].iter().take_while(|v| !v.zero()).count();
            put_count(zeros, &mut bytes);
            put_count(some, &mut bytes);
            let start = bytes.len();
            bytes.resize(start + some * T::SIZE, 0);
            for (out, &v) in bytes[start..]
                .chunks_exact_mut(T::SIZE)
                .zip(&values[at..at + some])
            {
                v.put(out);
            }
            at += some;
        }
        s.serialize_bytes(&bytes)
    }
}

/// What [`Run`] wrote, owned.
pub struct Owned<T>(pub Vec<T>);

impl<'de, T: Plain> Deserialize<'de> for Owned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Owned<T>, D::Error> {
        struct Visitor<T>(PhantomData<T>);
        impl<T: Plain> serde::de::Visitor<'_> for Visitor<T> {
            type Value = Owned<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a byte string of values of {} bytes", T::SIZE)
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Owned<T>, E> {
                let zero = T::get(&[0; 16][..T::SIZE]).ok_or_else(|| E::custom("no zero"))?;
                let broken = |at: usize| {
                    E::custom(format!(
                        "a run of values broken at byte {at} of {} (values of {} bytes)",
                        v.len(),
                        T::SIZE
                    ))
                };
                // The runs first, then the values into a buffer of their exact size (a
                // learner's memory figure counts capacities).
                let mut runs = Vec::new();
                let mut total = 0u64;
                let mut rest = v;
                while !rest.is_empty() {
                    let at = v.len() - rest.len();
                    let (zeros, after) = count(rest).ok_or_else(|| broken(at))?;
                    let (some, after) = count(after).ok_or_else(|| broken(at))?;
                    total = total
                        .checked_add(zeros)
                        .and_then(|n| n.checked_add(some))
                        .filter(|&n| n <= MOST)
                        .ok_or_else(|| broken(at))?;
                    let len = some as usize * T::SIZE;
                    if after.len() < len {
                        return Err(broken(at));
                    }
                    let (values, after) = after.split_at(len);
                    runs.push((at, zeros as usize, values));
                    rest = after;
                }
                let mut out = Vec::with_capacity(total as usize);
                for (at, zeros, values) in runs {
                    out.resize(out.len() + zeros, zero);
                    for c in values.chunks_exact(T::SIZE) {
                        out.push(T::get(c).ok_or_else(|| broken(at))?);
                    }
                }
                Ok(Owned(out))
            }
        }
        // ciborium hands long strings only to `deserialize_byte_buf`.
        d.deserialize_byte_buf(Visitor(PhantomData))
    }
}

/// Writes the values as one byte string.
pub fn serialize<T: Plain, S: Serializer>(v: &Vec<T>, s: S) -> Result<S::Ok, S::Error> {
    Run(v).serialize(s)
}

/// Reads what [`serialize`] wrote.
pub fn deserialize<'de, T: Plain, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Owned::deserialize(d).map(|o| o.0)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Arrays {
        #[serde(with = "super")]
        f: Vec<f64>,
        #[serde(with = "super")]
        b: Vec<bool>,
        #[serde(with = "super")]
        w: Vec<u128>,
    }

    #[test]
    fn values_come_back_bit_for_bit() {
        let mut f = vec![
            0.0,
            -0.0,
            f64::NAN,
            0.0,
            0.0,
            f64::MIN_POSITIVE / 3.0,
            1.0 / 3.0,
        ];
        // Long enough for CBOR to stream it in pieces.
        f.extend((0..10_000).map(|i| if i % 7 < 3 { 0.0 } else { (i as f64).sqrt() }));
        f.push(0.0);
        let a = Arrays {
            f,
            b: vec![true, false, true],
            w: vec![u128::MAX, 7],
        };
        let bytes = crate::sim::encode(&a).unwrap();
        let back: Arrays = crate::sim::decode(&bytes).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.f), bits(&a.f));
        assert_eq!(back.f.capacity(), a.f.len(), "exactly the values' room");
        assert_eq!((&back.b, &back.w), (&a.b, &a.w));
        // The same through postcard (the MPI transport's format).
        let bytes = postcard::to_stdvec(&a).unwrap();
        let back: Arrays = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(bits(&back.f), bits(&a.f));
    }

    #[test]
    fn a_ragged_or_wrong_run_is_refused() {
        #[derive(serde::Serialize)]
        struct Raw(#[serde(with = "serde_bytes_like")] Vec<u8>);
        mod serde_bytes_like {
            pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        #[derive(serde::Deserialize, Debug)]
        struct Floats(#[serde(with = "super")] Vec<f64>);
        #[derive(serde::Deserialize, Debug)]
        // Only ever refused here, so its field is never read.
        struct Bools(
            #[allow(dead_code)]
            #[serde(with = "super")]
            Vec<bool>,
        );
        let bytes = crate::sim::encode(&Raw(vec![1; 12])).unwrap();
        let err = crate::sim::decode::<Floats>(&bytes).unwrap_err();
        assert!(err.contains("broken at byte 10"), "{err}");
        // No zeros, then one bool: 2.
        let bytes = crate::sim::encode(&Raw(vec![0, 1, 2])).unwrap();
        let err = crate::sim::decode::<Bools>(&bytes).unwrap_err();
        assert!(err.contains("broken at byte 0"), "{err}");
        // Runs of zeros beyond any buffer.
        let bytes = crate::sim::encode(&Raw(vec![0xff, 0xff, 0xff, 0xff, 0x7f, 0])).unwrap();
        let err = crate::sim::decode::<Floats>(&bytes).unwrap_err();
        assert!(err.contains("broken"), "{err}");
        let bytes = crate::sim::encode(&Raw(vec![3, 1, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])).unwrap();
        let back = crate::sim::decode::<Floats>(&bytes).unwrap();
        assert_eq!(back.0, vec![0.0, 0.0, 0.0, 1.0]);
    }
}
