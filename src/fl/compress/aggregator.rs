//! The BS side of a round: each upload is checked and folded into the round's exact weighted
//! sums as it arrives (nothing of it is kept), and the round's close divides the sums once and
//! broadcasts.
//!
//! The sums are exact (see `exact.rs`): the weighted sum of the uploads' wire values (f32, or
//! the f16 and quantised values they stand for) over every model entry, so the aggregate does
//! not depend on the order the uploads arrived in, and each mean is the correctly rounded f64
//! of the exact weighted mean.

use super::exact::{ExactSums, MAX_TERMS};
use super::FixedRateAggregation;
use super::{fixed_rate, quantize, Broadcast, Codec, CompressError, Compression, EncodedUpload};
use crate::fl::device_set::DeviceSet;

/// One round's uploads, folded in as they arrive. Its memory is one set of exact sums over the
/// model (88 B per entry, made at the first upload that carries values), whatever the number
/// of uploads.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Aggregator {
    /// Every device heard from.
    devices: DeviceSet,
    /// Uploads that carry values: their count and total weight.
    uploads: u64,
    weight: u64,
    /// Size-only uploads (systems-only runs): their count and total weight.
    size_only: u64,
    size_only_weight: u64,
    /// Fixed-rate: per basis slice of W, the total weight of the uploads that sent it.
    slice_weight: Vec<u64>,
    /// The weighted sums of the values over the flat model (quantised uploads: times
    /// 2^bits - 1, see [`Aggregator::add`]).
    sums: ExactSums,
    /// The largest weighted root-mean-square upload, `max_k w_k rms(x_k)` (full models and
    /// updates handed to [`Aggregator::measure`]; 0 otherwise).
    amplitude: f64,
}

/// Uploads a round may take \[count\]: a quantised upload adds two terms to an entry.
const MAX_UPLOADS: u64 = MAX_TERMS / 2;

/// A round's total weight may not exceed this, so that with quantised uploads the divisor
/// `(2^bits - 1) W` stays below 2^63.
const MAX_TOTAL_WEIGHT: u64 = 1 << 47;

/// `weight` times the root mean square of values whose squares sum to `squares`, over `len`
/// values.
fn weighted_rms(weight: u64, squares: f64, len: usize) -> f64 {
    weight as f64 * (squares / len.max(1) as f64).sqrt()
}

impl Aggregator {
    /// Checks `device`'s upload against `codec` and folds it in, to count with `weight` (e.g.
    /// its number of local examples, or 1 for a plain average; at most 2^32 - 1).
    ///
    /// A quantised upload of levels `q` between `lo` and `hi` stands for
    /// `lo + q (hi - lo) / M` with `M = 2^bits - 1`: it adds `w (M - q) lo + w q hi`, and the
    /// close divides by `M` as well.
    ///
    /// The upload's root mean square is not taken: a round whose close perturbs the model
    /// ([`Aggregator::finish_with`]) also hands its uploads to [`Aggregator::measure`].
    pub fn add(
        &mut self,
        codec: &Codec,
        device: u32,
        weight: u64,
        upload: &EncodedUpload,
    ) -> Result<(), CompressError> {
        if weight > u64::from(u32::MAX) {
            return Err(CompressError::Weight { device, weight });
        }
        if self.heard(device) {
            return Err(CompressError::DuplicateDevice { device });
        }
        // A quantised upload adds two terms to an entry: each entry takes at most MAX_TERMS.
        if self.uploads + self.size_only >= MAX_UPLOADS {
            return Err(CompressError::Capacity {
                what: "uploads",
                limit: MAX_UPLOADS,
            });
        }
        if self.weight + self.size_only_weight + weight > MAX_TOTAL_WEIGHT {
            return Err(CompressError::Capacity {
                what: "total weight",
                limit: MAX_TOTAL_WEIGHT,
            });
        }
        if let EncodedUpload::SizeOnly { .. } = upload {
            if self.uploads > 0 {
                return Err(codec.wrong_kind(upload));
            }
            self.hear(device);
            self.size_only += 1;
            self.size_only_weight += weight;
            return Ok(());
        }
        if self.size_only > 0 {
            return Err(CompressError::WrongKind {
                expected: "size-only",
                got: upload.kind(),
            });
        }
        codec.check_upload(upload)?;
        self.fold(codec, weight, upload);
        self.hear(device);
        self.uploads += 1;
        self.weight += weight;
        Ok(())
    }

    /// Whether `device` was heard from.
    fn heard(&self, device: u32) -> bool {
        self.devices.contains(device)
    }

    /// Counts `device` as heard from.
    fn hear(&mut self, device: u32) {
        self.devices.insert(device);
    }

    /// Adds a checked upload's weighted values to the sums.
    fn fold(&mut self, codec: &Codec, weight: u64, upload: &EncodedUpload) {
        let layout = codec.layout();
        let candidates = codec.candidates();
        let len = layout.len();
        self.sums.reserve(len);
        let sums = &mut self.sums;
        match upload {
            EncodedUpload::Full { values } => {
                // A shared model's values are rounded to f32 here, as the device would have.
                for (&p, &x) in candidates.iter().zip(values.values().iter()) {
                    sums.add(p, weight, x);
                }
            }
            EncodedUpload::Slices(set) => {
                if self.slice_weight.is_empty() {
                    self.slice_weight = vec![0; layout.k_ff];
                }
                for &k in &set.slices {
                    self.slice_weight[k] += weight;
                }
                let positions = set.slices.iter().flat_map(|&k| layout.slice_positions(k));
                for (p, &x) in positions.zip(&set.w) {
                    sums.add(p, weight, x);
                }
                let tail = (layout.w_len()..).zip(set.v.iter().chain(&set.gamma));
                for (p, &x) in tail {
                    sums.add(p, weight, x);
                }
            }
            EncodedUpload::Sparse(s) => {
                for (&i, &x) in s.indices.iter().zip(&s.values) {
                    sums.add(candidates[i as usize], weight, x);
                }
            }
            EncodedUpload::Quantized {
                bits,
                lo,
                hi,
                levels,
            } => {
                let top = u64::from(quantize::max_level(*bits));
                for (&p, &q) in candidates.iter().zip(levels) {
                    let q = u64::from(q);
                    sums.add(p, weight * (top - q), *lo);
                    sums.add(p, weight * q, *hi);
                }
            }
            EncodedUpload::Half { values } => {
                for (&p, h) in candidates.iter().zip(values) {
                    sums.add(p, weight, h.to_f32());
                }
            }
            EncodedUpload::SizeOnly { .. } => {}
        }
    }

    /// Takes `upload`'s root mean square, times `weight`, into the amplitude that
    /// [`Aggregator::finish_with`] hands on (over-the-air aggregation); an upload [`Aggregator::add`]
    /// has taken. Fixed-rate slices and size-only uploads have none (those rounds are not
    /// perturbed).
    pub fn measure(&mut self, codec: &Codec, weight: u64, upload: &EncodedUpload) {
        let square = |x: f32| f64::from(x) * f64::from(x);
        let squares: f64 = match upload {
            EncodedUpload::Full { values } => values.values().iter().map(|&x| square(x)).sum(),
            EncodedUpload::Sparse(s) => s.values.iter().map(|&x| square(x)).sum(),
            EncodedUpload::Quantized {
                bits,
                lo,
                hi,
                levels,
            } => quantize::level_values(*lo, *hi, *bits, levels)
                .map(|x| x * x)
                .sum(),
            EncodedUpload::Half { values } => values.iter().map(|h| h.to_f64() * h.to_f64()).sum(),
            EncodedUpload::Slices(_) | EncodedUpload::SizeOnly { .. } => return,
        };
        let len = codec.layout().len();
        self.amplitude = self.amplitude.max(weighted_rms(weight, squares, len));
    }

    /// Uploads folded in so far \[count\].
    pub fn len(&self) -> usize {
        (self.uploads + self.size_only) as usize
    }

    /// Whether nothing was folded in.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Combines the uploads, updates the BS's flat `global` model to what the devices will
    /// hold after adopting the broadcast, and returns that broadcast. `None` (and `global`
    /// unchanged) when nothing arrived or every weight is zero.
    ///
    /// - full models: weighted mean;
    /// - fixed-rate: per slice, the weighted mean over the devices that sent it; V and gamma over
    ///   all. `Original` broadcasts the whole model with zeros in unsent slices; `KeepLocal`
    ///   broadcasts the sent slices only (`global` keeps its values elsewhere);
    /// - updates: `global` += weighted mean of the updates (unsent entries count as 0);
    /// - size-only uploads (systems-only runs, none of the others): a size-only broadcast of the
    ///   size the aggregation would give (see [`Codec::broadcast_bytes_after`]), `global`
    ///   unchanged.
    ///
    /// Every mean is the correctly rounded f64 of the exact weighted mean of the wire values.
    pub fn finish(
        self,
        codec: &Codec,
        global: &mut [f64],
    ) -> Result<Option<Broadcast>, CompressError> {
        self.finish_with(codec, global, |_, _| {})
    }

    /// As [`Aggregator::finish`], and before it is broadcast the combined model of full models
    /// or updates is handed to `perturb` with `A / W`: the largest weighted root-mean-square
    /// upload `A = max_k w_k rms(x_k)` over the total weight `W` (over-the-air aggregation adds
    /// its noise there), over the uploads handed to [`Aggregator::measure`].
    pub fn finish_with(
        self,
        codec: &Codec,
        global: &mut [f64],
        perturb: impl FnOnce(&mut [f64], f64),
    ) -> Result<Option<Broadcast>, CompressError> {
        codec.check_len("global model", global)?;
        if self.size_only > 0 {
            if self.size_only_weight == 0 {
                return Ok(None);
            }
            return Ok(Some(Broadcast::SizeOnly {
                bytes: codec.broadcast_bytes_after(self.size_only as usize),
            }));
        }
        if self.uploads == 0 || self.weight == 0 {
            return Ok(None);
        }
        let layout = codec.layout();
        let broadcast = match codec.compression() {
            Compression::FixedRate { aggregation, .. } => {
                let mut mean = vec![0.0; layout.len()];
                let mut sent = Vec::new();
                for (k, &total) in self.slice_weight.iter().enumerate() {
                    if total == 0 {
                        continue;
                    }
                    sent.push(k);
                    for p in layout.slice_positions(k) {
                        mean[p] = self.sums.quotient(p, total);
                    }
                }
                for (p, m) in mean.iter_mut().enumerate().skip(layout.w_len()) {
                    *m = self.sums.quotient(p, self.weight);
                }
                match aggregation {
                    FixedRateAggregation::Original => codec.full_broadcast(&mean)?,
                    FixedRateAggregation::KeepLocal => {
                        Broadcast::Slices(fixed_rate::gather(layout, &mean, sent))
                    }
                }
            }
            compression => {
                // Below 2^16 x 2^47: no overflow.
                let divisor = match compression {
                    Compression::Quantize { bits } => {
                        u64::from(quantize::max_level(*bits)) * self.weight
                    }
                    _ => self.weight,
                };
                let updates = compression.sends_updates();
                let mut next: Vec<f64> = (0..layout.len())
                    .map(|p| {
                        let mean = self.sums.quotient(p, divisor);
                        if updates {
                            global[p] + mean
                        } else {
                            mean
                        }
                    })
                    .collect();
                perturb(&mut next, self.amplitude / self.weight as f64);
                codec.full_broadcast(&next)?
            }
        };
        // The broadcast carries f32 values: the BS holds exactly what the devices adopt.
        codec.apply(&broadcast, global)?;
        Ok(Some(broadcast))
    }
}
