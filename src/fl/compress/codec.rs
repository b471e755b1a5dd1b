//! Encoding at the device and decoding at the BS.

use super::{fixed_rate, quantize, sparsify, wire};
use super::{Broadcast, CompressError, Compression, EncodedUpload, ModelLayout};
use super::{FullValues, SharedModel, SparseUpdate};
use rand::Rng;
use std::sync::Arc;

/// A validated compression setting for one model layout.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Codec {
    compression: Compression,
    layout: ModelLayout,
    /// Shared with the full uploads that read a device's model ([`FullValues::Shared`]).
    candidates: Arc<[usize]>,
}

/// A device's compression state, kept across rounds. It holds only what its compression reads:
/// a reference for compressions that send updates, a residual for those with error feedback
/// (each a flat model, 87 KB for 676-0-2); full models and fixed-rate slices need neither.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompressorState {
    /// Flat model that updates are measured from: the last global model adopted, or the local
    /// model at the last upload if no broadcast was adopted since (empty: no updates sent).
    #[serde(with = "crate::sim::plain")]
    reference: Vec<f64>,
    /// Error-feedback residual over the flat model: update not yet sent (empty: no error
    /// feedback).
    #[serde(with = "crate::sim::plain")]
    residual: Vec<f64>,
}

impl CompressorState {
    /// The model the next update is measured from (flat; empty unless updates are sent).
    pub fn reference(&self) -> &[f64] {
        &self.reference
    }

    /// What was computed but not yet sent (flat; empty without error feedback).
    pub fn residual(&self) -> &[f64] {
        &self.residual
    }
}

/// A decoded upload, over the flat model W ++ V ++ gamma.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    /// Model values (absent synapses 0).
    Model(Vec<f64>),
    /// Model values of some slices of W (0 elsewhere in W), V and gamma.
    Slices {
        /// The slices sent, ascending.
        slices: Vec<usize>,
        /// The flat values.
        model: Vec<f64>,
    },
    /// An update (0 where nothing was sent).
    Update(Vec<f64>),
}

impl Codec {
    /// Validates `compression` and `layout`.
    pub fn new(compression: Compression, layout: ModelLayout) -> Result<Codec, CompressError> {
        compression.validate()?;
        layout.validate()?;
        let candidates = layout.candidates().into();
        Ok(Codec {
            compression,
            layout,
            candidates,
        })
    }

    /// The compression setting.
    pub fn compression(&self) -> &Compression {
        &self.compression
    }

    /// The model layout.
    pub fn layout(&self) -> &ModelLayout {
        &self.layout
    }

    /// Flat positions of the sendable values, ascending.
    pub fn candidates(&self) -> &[usize] {
        &self.candidates
    }

    /// A fresh device state whose reference is `initial_model` (the first broadcast model).
    pub fn state(&self, initial_model: &[f64]) -> Result<CompressorState, CompressError> {
        self.check_len("initial model", initial_model)?;
        Ok(CompressorState {
            reference: if self.compression.sends_updates() {
                initial_model.to_vec()
            } else {
                Vec::new()
            },
            residual: if self.error_feedback() {
                vec![0.0; self.layout.len()]
            } else {
                Vec::new()
            },
        })
    }

    /// Whether the compression carries what it did not send to the next round.
    fn error_feedback(&self) -> bool {
        matches!(
            self.compression,
            Compression::TopK {
                error_feedback: true,
                ..
            } | Compression::RandomK {
                error_feedback: true,
                ..
            }
        )
    }

    /// Compresses the device's flat `model`. `grad_abs` (shaped like W) is the |g_W| accumulated
    /// since the last upload; only fixed-rate reads it (pass `&[]` otherwise), and the caller
    /// resets it after the upload. `rng` drives random-k and quantisation.
    pub fn encode<R: Rng + ?Sized>(
        &self,
        state: &mut CompressorState,
        model: &[f64],
        grad_abs: &[f64],
        rng: &mut R,
    ) -> Result<EncodedUpload, CompressError> {
        self.check_len("model", model)?;
        self.check_state(state)?;
        let upload = match self.compression {
            Compression::None => EncodedUpload::Full {
                values: self.model_f32(model, "model")?.into(),
            },
            Compression::FixedRate { rate, tau, .. } => {
                let count = fixed_rate::slice_count(rate, tau, self.layout.k_ff);
                let slices = fixed_rate::select_slices(&self.layout, grad_abs, count)?;
                self.model_f32(model, "model")?;
                EncodedUpload::Slices(Box::new(fixed_rate::gather(&self.layout, model, slices)))
            }
            Compression::TopK {
                fraction,
                error_feedback,
            }
            | Compression::RandomK {
                fraction,
                error_feedback,
            } => self.encode_sparse(state, model, fraction, error_feedback, rng)?,
            Compression::Quantize { bits } => {
                let update = self.update(state, model);
                let (lo, hi, levels) = quantize::quantize(&update, bits, rng)?;
                EncodedUpload::Quantized {
                    bits,
                    lo,
                    hi,
                    levels,
                }
            }
            Compression::Fp16 => EncodedUpload::Half {
                values: quantize::to_half(&self.update(state, model))?,
            },
        };
        if self.compression.sends_updates() {
            state.reference.copy_from_slice(model);
        }
        Ok(upload)
    }

    /// Whether uploads carry the model's values as they are (full precision, no state): what
    /// [`Codec::encode_shared`] makes.
    pub fn sends_model_as_is(&self) -> bool {
        self.compression == Compression::None
    }

    /// The upload [`Codec::encode`] makes of `model` when [`Codec::sends_model_as_is`], without
    /// a copy of its values: the upload reads them from `model` when it is read, so `model` must
    /// not change while the upload lives (a device copies it before it changes it). The values
    /// are checked as `encode` checks them; an error for other compressions.
    pub fn encode_shared(
        &self,
        model: Arc<dyn SharedModel>,
    ) -> Result<EncodedUpload, CompressError> {
        if !self.sends_model_as_is() {
            return Err(CompressError::WrongKind {
                expected: self.expected_kind(),
                got: "full",
            });
        }
        if model.len() != self.layout.len() {
            return Err(CompressError::Length {
                what: "model",
                got: model.len(),
                expected: self.layout.len(),
            });
        }
        if !model.fits_f32() {
            // The exact check on the values sent, naming the first that does not fit.
            let sent = self
                .candidates
                .iter()
                .map(|&p| model.get(p).unwrap_or(f64::NAN));
            to_f32("model", sent)?;
        }
        Ok(EncodedUpload::Full {
            values: FullValues::Shared {
                model,
                positions: Arc::clone(&self.candidates),
            },
        })
    }

    /// Top-k or random-k of the update (plus the residual with error feedback).
    fn encode_sparse<R: Rng + ?Sized>(
        &self,
        state: &mut CompressorState,
        model: &[f64],
        fraction: f64,
        error_feedback: bool,
        rng: &mut R,
    ) -> Result<EncodedUpload, CompressError> {
        let mut update = self.update(state, model);
        if error_feedback {
            for (u, &p) in update.iter_mut().zip(self.candidates.iter()) {
                *u += state.residual[p];
            }
        }
        let n = self.candidates.len();
        let k = sparsify::kept_count(fraction, n);
        let indices = match self.compression {
            Compression::RandomK { .. } => sparsify::random_k(n, k, rng),
            _ => sparsify::top_k(&update, k),
        };
        let values = to_f32("update", update.iter().copied())?;
        let values: Vec<f32> = indices.iter().map(|&i| values[i]).collect();
        if error_feedback {
            for (&p, &u) in self.candidates.iter().zip(&update) {
                state.residual[p] = u;
            }
            for (&i, &x) in indices.iter().zip(&values) {
                let p = self.candidates[i];
                state.residual[p] = update[i] - f64::from(x);
            }
        }
        Ok(EncodedUpload::Sparse(Box::new(SparseUpdate {
            candidates: n,
            indices: indices.iter().map(|&i| i as u32).collect(),
            values,
        })))
    }

    /// Model minus reference at the sendable positions.
    fn update(&self, state: &CompressorState, model: &[f64]) -> Vec<f64> {
        self.candidates
            .iter()
            .map(|&p| model[p] - state.reference[p])
            .collect()
    }

    /// The model's sendable values as f32.
    fn model_f32(&self, model: &[f64], what: &'static str) -> Result<Vec<f32>, CompressError> {
        to_f32(what, self.candidates.iter().map(|&p| model[p]))
    }

    /// Decodes an upload, checking it against the layout and the compression settings.
    pub fn decode(&self, upload: &EncodedUpload) -> Result<Decoded, CompressError> {
        self.check_upload(upload)?;
        let widen = |values: &[f32]| values.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        Ok(match upload {
            EncodedUpload::Full { values } => {
                Decoded::Model(self.scatter(&widen(&values.values())))
            }
            EncodedUpload::Slices(set) => {
                let mut model = vec![0.0; self.layout.len()];
                fixed_rate::scatter(&self.layout, set, &mut model);
                Decoded::Slices {
                    slices: set.slices.clone(),
                    model,
                }
            }
            EncodedUpload::Sparse(s) => {
                let mut update = vec![0.0; self.layout.len()];
                for (&i, &x) in s.indices.iter().zip(&s.values) {
                    update[self.candidates[i as usize]] = f64::from(x);
                }
                Decoded::Update(update)
            }
            EncodedUpload::Quantized {
                bits,
                lo,
                hi,
                levels,
            } => Decoded::Update(self.scatter(&quantize::dequantize(*lo, *hi, *bits, levels))),
            EncodedUpload::Half { values } => Decoded::Update(
                self.scatter(&values.iter().map(|h| h.to_f64()).collect::<Vec<_>>()),
            ),
            EncodedUpload::SizeOnly { .. } => return Err(self.wrong_kind(upload)),
        })
    }

    /// The error for an upload of another kind than this codec makes.
    pub(crate) fn wrong_kind(&self, upload: &EncodedUpload) -> CompressError {
        CompressError::WrongKind {
            expected: self.expected_kind(),
            got: upload.kind(),
        }
    }

    /// Checks an upload against the layout and the compression settings: what [`Codec::decode`]
    /// checks, without decoding it.
    pub(crate) fn check_upload(&self, upload: &EncodedUpload) -> Result<(), CompressError> {
        let n = self.candidates.len();
        match (&self.compression, upload) {
            // A shared model's values were checked when the upload was made, and the model
            // cannot change while the upload holds it: only their number is checked again.
            (Compression::None, EncodedUpload::Full { values }) if values.is_shared() => {
                self.check_count(values.len(), "full")
            }
            (Compression::None, EncodedUpload::Full { values }) => {
                self.check_full(&values.values(), "full")
            }
            (Compression::FixedRate { rate, tau, .. }, EncodedUpload::Slices(set)) => {
                let count = fixed_rate::slice_count(*rate, *tau, self.layout.k_ff);
                fixed_rate::check(&self.layout, set, Some(count))
            }
            (
                Compression::TopK { fraction, .. } | Compression::RandomK { fraction, .. },
                EncodedUpload::Sparse(sparse),
            ) => {
                let SparseUpdate {
                    candidates,
                    indices,
                    values,
                } = &**sparse;
                let malformed = |position, reason| CompressError::Malformed {
                    section: "sparse",
                    position,
                    reason,
                };
                if *candidates != n {
                    return Err(malformed(
                        *candidates,
                        "candidate count differs from layout",
                    ));
                }
                if indices.len() != sparsify::kept_count(*fraction, n) {
                    return Err(malformed(indices.len(), "wrong number of indices"));
                }
                if values.len() != indices.len() {
                    return Err(malformed(
                        values.len(),
                        "value count differs from index count",
                    ));
                }
                if let Some(pos) = indices.windows(2).position(|w| w[0] >= w[1]) {
                    return Err(malformed(pos + 1, "indices not strictly ascending"));
                }
                if let Some(pos) = indices.iter().position(|&i| i as usize >= n) {
                    return Err(malformed(pos, "index >= candidate count"));
                }
                check_finite("sparse values", values.iter().map(|&x| f64::from(x)))
            }
            (
                Compression::Quantize { bits },
                EncodedUpload::Quantized {
                    bits: got,
                    lo,
                    hi,
                    levels,
                },
            ) => {
                let malformed = |position, reason| CompressError::Malformed {
                    section: "quantized",
                    position,
                    reason,
                };
                if got != bits {
                    return Err(malformed(
                        usize::from(*got),
                        "bit count differs from settings",
                    ));
                }
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return Err(malformed(0, "scale must be finite with min <= max"));
                }
                if levels.len() != n {
                    return Err(malformed(
                        levels.len(),
                        "level count differs from candidates",
                    ));
                }
                let top = quantize::max_level(*bits);
                if let Some(pos) = levels.iter().position(|&q| q > top) {
                    return Err(malformed(pos, "level above 2^bits - 1"));
                }
                Ok(())
            }
            (Compression::Fp16, EncodedUpload::Half { values }) => {
                if values.len() != n {
                    return Err(CompressError::Length {
                        what: "half values",
                        got: values.len(),
                        expected: n,
                    });
                }
                check_finite("half values", values.iter().map(|h| h.to_f64()))
            }
            _ => Err(self.wrong_kind(upload)),
        }
    }

    /// The kind of upload this codec produces.
    pub(crate) fn expected_kind(&self) -> &'static str {
        match self.compression {
            Compression::None => "full",
            Compression::FixedRate { .. } => "slices",
            Compression::TopK { .. } | Compression::RandomK { .. } => "sparse",
            Compression::Quantize { .. } => "quantized",
            Compression::Fp16 => "half",
        }
    }

    /// A device adopts a broadcast: it overwrites its model where the broadcast has values, and
    /// measures its next update from the result.
    pub fn adopt(
        &self,
        state: &mut CompressorState,
        broadcast: &Broadcast,
        model: &mut [f64],
    ) -> Result<(), CompressError> {
        self.check_len("model", model)?;
        self.check_state(state)?;
        self.apply(broadcast, model)?;
        if self.compression.sends_updates() {
            state.reference.copy_from_slice(model);
        }
        Ok(())
    }

    /// Writes a broadcast into a flat model (checked first; on error `model` is unchanged).
    pub(crate) fn apply(
        &self,
        broadcast: &Broadcast,
        model: &mut [f64],
    ) -> Result<(), CompressError> {
        match broadcast {
            Broadcast::Full { values } => {
                let full = self.scatter_full(values, "broadcast")?;
                model.copy_from_slice(&full);
            }
            Broadcast::Slices(set) => {
                fixed_rate::check(&self.layout, set, None)?;
                fixed_rate::scatter(&self.layout, set, model);
            }
            Broadcast::SizeOnly { .. } => {}
        }
        Ok(())
    }

    /// A full broadcast of the flat `model` (f32 on the wire).
    pub fn full_broadcast(&self, model: &[f64]) -> Result<Broadcast, CompressError> {
        Ok(Broadcast::Full {
            values: self.model_f32(model, "global model")?,
        })
    }

    /// Checks that `values` are one finite value per candidate position.
    fn check_full(&self, values: &[f32], what: &'static str) -> Result<(), CompressError> {
        self.check_count(values.len(), what)?;
        check_finite(what, values.iter().map(|&x| f64::from(x)))
    }

    /// Checks that `count` values are one per candidate position.
    fn check_count(&self, count: usize, what: &'static str) -> Result<(), CompressError> {
        if count == self.candidates.len() {
            Ok(())
        } else {
            Err(CompressError::Length {
                what,
                got: count,
                expected: self.candidates.len(),
            })
        }
    }

    /// Checked f32 candidate values to a flat model (zero elsewhere).
    fn scatter_full(&self, values: &[f32], what: &'static str) -> Result<Vec<f64>, CompressError> {
        self.check_full(values, what)?;
        let mut flat = vec![0.0; self.layout.len()];
        for (&p, &x) in self.candidates.iter().zip(values) {
            flat[p] = f64::from(x);
        }
        Ok(flat)
    }

    /// A device adopts a broadcast that carries the whole model: the flat model it now holds
    /// (its next update is measured from it). `None` for a broadcast that carries only part of
    /// the model (the device needs its own model for the rest: [`Codec::adopt`]) or none.
    pub fn adopt_whole(
        &self,
        state: &mut CompressorState,
        broadcast: &Broadcast,
    ) -> Result<Option<Vec<f64>>, CompressError> {
        let Broadcast::Full { values } = broadcast else {
            return Ok(None);
        };
        self.check_state(state)?;
        let model = self.scatter_full(values, "broadcast")?;
        if self.compression.sends_updates() {
            state.reference.copy_from_slice(&model);
        }
        Ok(Some(model))
    }

    /// Candidate values to a flat vector, zero elsewhere.
    fn scatter(&self, values: &[f64]) -> Vec<f64> {
        let mut flat = vec![0.0; self.layout.len()];
        for (&p, &x) in self.candidates.iter().zip(values) {
            flat[p] = x;
        }
        flat
    }

    pub(crate) fn check_len(&self, what: &'static str, v: &[f64]) -> Result<(), CompressError> {
        if v.len() == self.layout.len() {
            Ok(())
        } else {
            Err(CompressError::Length {
                what,
                got: v.len(),
                expected: self.layout.len(),
            })
        }
    }

    fn check_state(&self, state: &CompressorState) -> Result<(), CompressError> {
        if self.compression.sends_updates() {
            self.check_len("state reference", &state.reference)?;
        }
        if self.error_feedback() {
            self.check_len("state residual", &state.residual)?;
        }
        Ok(())
    }

    /// Payload of an uncompressed model \[B\], for comparison.
    pub fn full_payload_bytes(&self) -> u64 {
        wire::HEADER_BYTES + self.candidates.len() as u64 * wire::FULL_VALUE_BYTES
    }

    /// Payload of every upload this codec makes \[B\], headers included: the size of what
    /// [`Codec::encode`] returns, which depends only on the settings and the layout.
    pub fn upload_bytes(&self) -> u64 {
        let n = self.candidates.len();
        let layout = &self.layout;
        wire::HEADER_BYTES
            + match self.compression {
                Compression::None => n as u64 * wire::FULL_VALUE_BYTES,
                Compression::FixedRate { rate, tau, .. } => {
                    self.slices_bytes(fixed_rate::slice_count(rate, tau, layout.k_ff))
                }
                Compression::TopK { fraction, .. } | Compression::RandomK { fraction, .. } => {
                    let k = sparsify::kept_count(fraction, n);
                    wire::sparse_section_bytes(n, k, k)
                }
                Compression::Quantize { bits } => wire::quantized_section_bytes(n, bits),
                Compression::Fp16 => n as u64 * wire::HALF_VALUE_BYTES,
            }
    }

    /// Payload of the broadcast after a round in which `uploads` uploads arrived \[B\], headers
    /// included, for systems-only runs. Exact for every setting but fixed-rate keep-local, whose
    /// broadcast carries the union of the slices sent: that depends on the gradients, and is
    /// counted here as K' slices (every device sent the same ones), the least it can be.
    pub fn broadcast_bytes_after(&self, uploads: usize) -> u64 {
        match self.compression {
            Compression::FixedRate {
                rate,
                tau,
                aggregation: super::FixedRateAggregation::KeepLocal,
            } if uploads > 0 => {
                let count = fixed_rate::slice_count(rate, tau, self.layout.k_ff);
                wire::HEADER_BYTES + self.slices_bytes(count)
            }
            _ => self.full_payload_bytes(),
        }
    }

    /// Index section and values of `count` slices of W with V and gamma \[B\].
    fn slices_bytes(&self, count: usize) -> u64 {
        let layout = &self.layout;
        let count = count.min(layout.k_ff);
        let per_slice = layout.synapse_count();
        let values = (count * per_slice + layout.v_len() + layout.gamma_len()) as u64;
        wire::slice_section_bytes(layout.k_ff, count, values)
    }
}

fn check_finite(
    what: &'static str,
    values: impl Iterator<Item = f64>,
) -> Result<(), CompressError> {
    for (index, value) in values.enumerate() {
        if !value.is_finite() {
            return Err(CompressError::NotFinite { what, index, value });
        }
    }
    Ok(())
}

/// Values as f32, an error naming the candidate position if one is not finite or overflows.
fn to_f32(
    what: &'static str,
    values: impl ExactSizeIterator<Item = f64>,
) -> Result<Vec<f32>, CompressError> {
    quantize::convert_exact(values, |index, value| {
        let y = value as f32;
        if y.is_finite() {
            Ok(y)
        } else {
            Err(CompressError::NotFinite { what, index, value })
        }
    })
}
