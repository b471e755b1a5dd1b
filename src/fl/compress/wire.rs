//! What crosses the channel, and its size.
//!
//! Wire format of every message (sizes in bytes, sections rounded up to whole bytes):
//!
//! | part                | size                                                          |
//! |---------------------|---------------------------------------------------------------|
//! | application header  | [`HEADER_BYTES`] = 16: sender, round, kind, value count (u32) |
//! | index section       | [`INDEX_HEADER_BYTES`] = 4 (coding flag + index count), then the indices: a bitmap over the candidate positions or a list of ceil(log2 n)-bit indices, whichever has fewer bits (a tie goes to the bitmap) |
//! | scale section       | [`SCALE_HEADER_BYTES`] = 8: min and max as two f32 (quantised messages only) |
//! | values              | 32 bits per full-precision value (f32), 16 per fp16 value, b per quantised value, packed |
//!
//! Full models carry no index section (every present value is sent in layout order); fixed-rate
//! messages index basis slices (n = k_ff candidates); sparse messages index the sendable values.

use super::FullValues;
use half::f16;

/// Application header of every message \[B\]: sender id, round, kind, value count (u32 each).
pub const HEADER_BYTES: u64 = 16;
/// Header of an index section \[B\]: coding flag (1 bit) and index count (31 bits).
pub const INDEX_HEADER_BYTES: u64 = 4;
/// Scale section of a quantised message \[B\]: min and max as two f32.
pub const SCALE_HEADER_BYTES: u64 = 8;
/// A full-precision value on the wire \[B\] (f32).
pub const FULL_VALUE_BYTES: u64 = 4;
/// A half-precision value on the wire \[B\] (f16).
pub const HALF_VALUE_BYTES: u64 = 2;

/// The chosen basis slices of W (ascending), their present entries, V and gamma.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SliceSet {
    /// Basis functions of W, the candidates of the slice index \[count\] (k_ff).
    pub basis: usize,
    /// Indices k of the slices sent, strictly ascending.
    pub slices: Vec<usize>,
    /// For each slice in `slices`, the present synapses' weights in `(i, j)` row-major order.
    pub w: Vec<f32>,
    /// V in full, `[l][k_fb]`.
    pub v: Vec<f32>,
    /// gamma in full, `[l]`.
    pub gamma: Vec<f32>,
}

/// A top-k or random-k update: positions among the sendable values and their update values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SparseUpdate {
    /// Sendable values, the candidates of the index \[count\].
    pub candidates: usize,
    /// Positions sent, strictly ascending, each `< candidates`.
    pub indices: Vec<u32>,
    /// Update values at those positions.
    pub values: Vec<f32>,
}

/// One device's upload as it crosses the channel. Decode it with `Codec::decode`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum EncodedUpload {
    /// Every present value of the model, in layout order.
    Full {
        /// The values (held, or read from the device's model: [`FullValues`]).
        values: FullValues,
    },
    /// Fixed-rate selective exchange: model values of some slices (boxed: the largest variant
    /// would size every upload, a systems-only stand-in included).
    Slices(Box<SliceSet>),
    /// Top-k or random-k update (boxed, as [`EncodedUpload::Slices`]).
    Sparse(Box<SparseUpdate>),
    /// Stochastically quantised update of every sendable value.
    Quantized {
        /// Bits per value \[bits\].
        bits: u8,
        /// Lowest level [update units].
        lo: f32,
        /// Highest level [update units].
        hi: f32,
        /// Level of each sendable value, `0..2^bits`.
        levels: Vec<u16>,
    },
    /// Half-precision update of every sendable value.
    Half {
        /// The values.
        values: Vec<f16>,
    },
    /// A systems-only stand-in: the size of the upload the codec would make, and no values.
    SizeOnly {
        /// Application payload \[B\], headers included.
        bytes: u64,
    },
}

impl EncodedUpload {
    /// A short name of the message kind, for errors.
    pub fn kind(&self) -> &'static str {
        match self {
            EncodedUpload::Full { .. } => "full",
            EncodedUpload::Slices(_) => "slices",
            EncodedUpload::Sparse(_) => "sparse",
            EncodedUpload::Quantized { .. } => "quantized",
            EncodedUpload::Half { .. } => "half",
            EncodedUpload::SizeOnly { .. } => "size-only",
        }
    }

    /// The upload with the sign of every value it carries flipped, as undetected corruption
    /// delivers it (a size-only stand-in carries no values and stays as it is).
    pub fn negated(&self) -> EncodedUpload {
        let neg = |v: &[f32]| v.iter().map(|x| -x).collect::<Vec<f32>>();
        match self {
            EncodedUpload::Full { values } => EncodedUpload::Full {
                values: neg(&values.values()).into(),
            },
            EncodedUpload::Slices(s) => EncodedUpload::Slices(Box::new(SliceSet {
                basis: s.basis,
                slices: s.slices.clone(),
                w: neg(&s.w),
                v: neg(&s.v),
                gamma: neg(&s.gamma),
            })),
            EncodedUpload::Sparse(s) => EncodedUpload::Sparse(Box::new(SparseUpdate {
                candidates: s.candidates,
                indices: s.indices.clone(),
                values: neg(&s.values),
            })),
            // Level k of lo..hi mirrored is level top - k of -hi..-lo: the value negated.
            EncodedUpload::Quantized {
                bits,
                lo,
                hi,
                levels,
            } => {
                let top = super::quantize::max_level(*bits);
                EncodedUpload::Quantized {
                    bits: *bits,
                    lo: -hi,
                    hi: -lo,
                    levels: levels.iter().map(|&k| top - k).collect(),
                }
            }
            EncodedUpload::Half { values } => EncodedUpload::Half {
                values: values.iter().map(|x| -*x).collect(),
            },
            EncodedUpload::SizeOnly { bytes } => EncodedUpload::SizeOnly { bytes: *bytes },
        }
    }
}

/// What the BS sends back after a round.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Broadcast {
    /// The whole global model: every present value in layout order; a device overwrites its
    /// whole model.
    Full {
        /// The values.
        values: Vec<f32>,
    },
    /// Some slices of W plus V and gamma (fixed-rate keep-local); a device keeps its own values
    /// elsewhere.
    Slices(SliceSet),
    /// A systems-only stand-in: the size of the broadcast the aggregation would make, and no
    /// values; a device adopting it keeps its model.
    SizeOnly {
        /// Application payload \[B\], headers included.
        bytes: u64,
    },
}

/// How a set of indices is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IndexCoding {
    /// One bit per candidate position.
    Bitmap,
    /// Each index in a fixed number of bits.
    List {
        /// Bits per index \[bits\] = ceil(log2(candidates)).
        bits_per_index: u32,
    },
}

/// The cheaper coding of `count` indices among `candidates` positions (a tie goes to the bitmap).
pub fn index_coding(candidates: usize, count: usize) -> IndexCoding {
    let bits_per_index = ceil_log2(candidates);
    if (count as u64) * u64::from(bits_per_index) < candidates as u64 {
        IndexCoding::List { bits_per_index }
    } else {
        IndexCoding::Bitmap
    }
}

/// Bits of the indices of `count` positions among `candidates`, in the cheaper coding \[bits\].
pub fn index_bits(candidates: usize, count: usize) -> u64 {
    match index_coding(candidates, count) {
        IndexCoding::Bitmap => candidates as u64,
        IndexCoding::List { bits_per_index } => count as u64 * u64::from(bits_per_index),
    }
}

/// Application payload of an upload \[B\], headers included, before packetisation.
pub fn payload_bytes(upload: &EncodedUpload) -> u64 {
    if let EncodedUpload::SizeOnly { bytes } = upload {
        return *bytes;
    }
    HEADER_BYTES
        + match upload {
            EncodedUpload::Full { values } => values.len() as u64 * FULL_VALUE_BYTES,
            EncodedUpload::Slices(set) => slice_set_bytes(set),
            EncodedUpload::Sparse(s) => {
                sparse_section_bytes(s.candidates, s.indices.len(), s.values.len())
            }
            EncodedUpload::Quantized { bits, levels, .. } => {
                quantized_section_bytes(levels.len(), *bits)
            }
            EncodedUpload::Half { values } => values.len() as u64 * HALF_VALUE_BYTES,
            EncodedUpload::SizeOnly { .. } => 0,
        }
}

/// Real values an upload sends as analog symbols over the air: a full model's values (a
/// size-only stand-in: its payload past the header, in f32 values); other encodings are digital
/// and are sent as their payload's f32 words.
pub fn analog_values(upload: &EncodedUpload) -> u64 {
    match upload {
        EncodedUpload::Full { values } => values.len() as u64,
        other => payload_bytes(other).saturating_sub(HEADER_BYTES) / FULL_VALUE_BYTES,
    }
}

/// Application payload of a broadcast \[B\], headers included, before packetisation.
pub fn broadcast_bytes(broadcast: &Broadcast) -> u64 {
    match broadcast {
        Broadcast::Full { values } => HEADER_BYTES + values.len() as u64 * FULL_VALUE_BYTES,
        Broadcast::Slices(set) => HEADER_BYTES + slice_set_bytes(set),
        Broadcast::SizeOnly { bytes } => *bytes,
    }
}

fn slice_set_bytes(set: &SliceSet) -> u64 {
    let values = (set.w.len() + set.v.len() + set.gamma.len()) as u64;
    slice_section_bytes(set.basis, set.slices.len(), values)
}

/// Index section and values of a slice set \[B\]: `slices` of `basis` slices, `values` values.
pub(crate) fn slice_section_bytes(basis: usize, slices: usize, values: u64) -> u64 {
    INDEX_HEADER_BYTES + bits_to_bytes(index_bits(basis, slices)) + values * FULL_VALUE_BYTES
}

/// Index section and values of a sparse message \[B\]: `indices` of `candidates` positions,
/// `values` values.
pub(crate) fn sparse_section_bytes(candidates: usize, indices: usize, values: usize) -> u64 {
    INDEX_HEADER_BYTES
        + bits_to_bytes(index_bits(candidates, indices))
        + values as u64 * FULL_VALUE_BYTES
}

/// Scale section and levels of a quantised message \[B\]: `count` values of `bits` bits.
pub(crate) fn quantized_section_bytes(count: usize, bits: u8) -> u64 {
    SCALE_HEADER_BYTES + bits_to_bytes(count as u64 * u64::from(bits))
}

fn bits_to_bytes(bits: u64) -> u64 {
    bits.div_ceil(8)
}

/// ceil(log2(n)), 0 for n <= 1.
fn ceil_log2(n: usize) -> u32 {
    if n <= 1 {
        0
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_log2_values() {
        let got: Vec<u32> = [0, 1, 2, 3, 4, 5, 8, 9, 100, 1024, 1025]
            .iter()
            .map(|&n| ceil_log2(n))
            .collect();
        assert_eq!(got, vec![0, 0, 1, 2, 2, 3, 3, 4, 7, 10, 11]);
    }

    #[test]
    fn coding_choice() {
        // 5 of 100: list 5 * 7 = 35 bits < bitmap 100 bits.
        assert_eq!(
            index_coding(100, 5),
            IndexCoding::List { bits_per_index: 7 }
        );
        assert_eq!(index_bits(100, 5), 35);
        // 15 of 100: list 105 bits > 100.
        assert_eq!(index_coding(100, 15), IndexCoding::Bitmap);
        assert_eq!(index_bits(100, 15), 100);
        // 8 slices, 2 chosen: list 6 bits < 8; 3 chosen: 9 bits > 8.
        assert_eq!(index_bits(8, 2), 6);
        assert_eq!(index_bits(8, 3), 8);
        // Tie: 4 of 16 is 16 bits either way, bitmap.
        assert_eq!(index_coding(16, 4), IndexCoding::Bitmap);
    }
}
