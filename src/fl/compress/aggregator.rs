//! The BS side of a round: decode the uploads, combine them in device-id order, broadcast.

use super::FixedRateAggregation;
use super::{fixed_rate, Broadcast, Codec, CompressError, Compression, Decoded, EncodedUpload};
use ndarray::{ArrayView1, ArrayViewMut1};
use std::collections::BTreeSet;

/// Collects the uploads of one round and combines them. Uploads are decoded one at a time when
/// the round is combined, so a round holds its uploads as they arrived (compressed, f32) and
/// one decoded model at a time, not one decoded model per device.
#[derive(Clone, Debug)]
pub struct Aggregator<'a> {
    codec: &'a Codec,
    uploads: Vec<(u32, f64, &'a EncodedUpload)>,
    /// Every device heard from.
    devices: BTreeSet<u32>,
    /// Size-only uploads (systems-only runs): their count and total weight.
    size_only: usize,
    size_only_weight: f64,
}

impl Codec {
    /// An empty aggregator for one round.
    pub fn aggregator(&self) -> Aggregator<'_> {
        Aggregator {
            codec: self,
            uploads: Vec::new(),
            devices: BTreeSet::new(),
            size_only: 0,
            size_only_weight: 0.0,
        }
    }
}

/// The values a decoded upload carries (a model or an update).
fn decoded_values(decoded: &Decoded) -> &[f64] {
    match decoded {
        Decoded::Model(x) | Decoded::Update(x) => x,
        Decoded::Slices { model, .. } => model,
    }
}

/// `weight` times the root mean square of `squares` over `len` values.
fn weighted_rms(weight: f64, squares: impl Iterator<Item = f64>, len: usize) -> f64 {
    weight * (squares.sum::<f64>() / len.max(1) as f64).sqrt()
}

impl<'a> Aggregator<'a> {
    /// Takes `device`'s upload, to count with `weight` (e.g. its number of local examples, or 1
    /// for a plain average); it is decoded (and checked) by [`Aggregator::finish`].
    pub fn add(
        &mut self,
        device: u32,
        weight: f64,
        upload: &'a EncodedUpload,
    ) -> Result<(), CompressError> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(CompressError::Weight { device, weight });
        }
        if !self.devices.insert(device) {
            return Err(CompressError::DuplicateDevice { device });
        }
        if let EncodedUpload::SizeOnly { .. } = upload {
            self.size_only += 1;
            self.size_only_weight += weight;
            return Ok(());
        }
        self.uploads.push((device, weight, upload));
        Ok(())
    }

    /// Uploads stored so far \[count\].
    pub fn len(&self) -> usize {
        self.uploads.len() + self.size_only
    }

    /// Whether nothing was stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Combines the uploads in device-id order, updates the BS's flat `global` model to what the
    /// devices will hold after adopting the broadcast, and returns that broadcast. `None` (and
    /// `global` unchanged) when nothing arrived or every weight is zero.
    ///
    /// - full models: weighted mean;
    /// - fixed-rate: per slice, the weighted mean over the devices that sent it; V and gamma over
    ///   all. `Original` broadcasts the whole model with zeros in unsent slices; `KeepLocal`
    ///   broadcasts the sent slices only (`global` keeps its values elsewhere);
    /// - updates: `global` += weighted mean of the decoded updates (unsent entries count as 0);
    /// - size-only uploads (systems-only runs, none of the others): a size-only broadcast of the
    ///   size the aggregation would give (see [`Codec::broadcast_bytes_after`]), `global`
    ///   unchanged.
    pub fn finish(self, global: &mut [f64]) -> Result<Option<Broadcast>, CompressError> {
        self.finish_with(global, |_, _| {})
    }

    /// As [`Aggregator::finish`], and before it is broadcast the combined model of full models
    /// or updates is handed to `perturb` with `A / W`: the largest weighted root-mean-square
    /// upload `A = max_k w_k rms(x_k)` over the total weight `W` (over-the-air aggregation adds
    /// its noise there).
    pub fn finish_with(
        mut self,
        global: &mut [f64],
        perturb: impl FnOnce(&mut [f64], f64),
    ) -> Result<Option<Broadcast>, CompressError> {
        self.codec.check_len("global model", global)?;
        if self.size_only > 0 {
            if !self.uploads.is_empty() {
                return Err(CompressError::WrongKind {
                    expected: "size-only",
                    got: "a model",
                });
            }
            if self.size_only_weight <= 0.0 {
                return Ok(None);
            }
            return Ok(Some(Broadcast::SizeOnly {
                bytes: self.codec.broadcast_bytes_after(self.size_only),
            }));
        }
        self.uploads.sort_by_key(|u| u.0);
        let total: f64 = self.uploads.iter().map(|u| u.1).sum();
        if self.uploads.is_empty() || total <= 0.0 {
            return Ok(None);
        }
        let broadcast = match self.codec.compression() {
            Compression::FixedRate { aggregation, .. } => self.fixed_rate(*aggregation)?,
            _ => {
                let mut next = if self.codec.compression().sends_updates() {
                    global.to_vec()
                } else {
                    vec![0.0; global.len()]
                };
                // The largest weighted RMS upload, for `perturb`.
                let mut amplitude = 0.0_f64;
                for (_, weight, upload) in &self.uploads {
                    if let (Compression::None, EncodedUpload::Full { values }) =
                        (self.codec.compression(), upload)
                    {
                        // Straight from the wire values: each touched once (the unsent
                        // entries are zeros, which add nothing to the squares).
                        self.codec.add_full(weight / total, values, &mut next)?;
                        let squares = values.iter().map(|&v| f64::from(v) * f64::from(v));
                        amplitude = amplitude.max(weighted_rms(*weight, squares, next.len()));
                        continue;
                    }
                    let decoded = self.codec.decode(upload)?;
                    let values = decoded_values(&decoded);
                    ArrayViewMut1::from(&mut next[..])
                        .scaled_add(weight / total, &ArrayView1::from(values));
                    let squares = values.iter().map(|v| v * v);
                    amplitude = amplitude.max(weighted_rms(*weight, squares, values.len()));
                }
                perturb(&mut next, amplitude / total);
                self.codec.full_broadcast(&next)?
            }
        };
        // The broadcast carries f32 values: the BS holds exactly what the devices adopt.
        self.codec.apply(&broadcast, global)?;
        Ok(Some(broadcast))
    }

    fn fixed_rate(&self, aggregation: FixedRateAggregation) -> Result<Broadcast, CompressError> {
        let layout = self.codec.layout();
        let decoded = self
            .uploads
            .iter()
            .map(|(_, weight, upload)| Ok((*weight, self.codec.decode(upload)?)))
            .collect::<Result<Vec<_>, CompressError>>()?;
        let uploads: Vec<(f64, &[f64], &[usize])> = decoded
            .iter()
            .filter_map(|(weight, decoded)| match decoded {
                Decoded::Slices { slices, model } => Some((*weight, &model[..], &slices[..])),
                _ => None,
            })
            .collect();
        let Some((mean, sent)) = fixed_rate::average(layout, &uploads) else {
            return Err(CompressError::WrongKind {
                expected: "slices",
                got: "none",
            });
        };
        Ok(match aggregation {
            FixedRateAggregation::Original => self.codec.full_broadcast(&mean)?,
            FixedRateAggregation::KeepLocal => {
                Broadcast::Slices(fixed_rate::gather(layout, &mean, sent))
            }
        })
    }
}
