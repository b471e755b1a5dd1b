//! One device: its shard of real data, its SNN learner and its place in the shard.

use crate::data::Example;
use crate::fl::compress::{
    Broadcast, Codec, CompressError, Compression, CompressorState, EncodedUpload,
};
use crate::fl::model::{flatten, unflatten};
use crate::snn::{evaluate, Evaluation, Learner, Network, Params, SnnError, TestExample};
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// Work a device has done [counts].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ComputeTotals {
    /// SNN time steps.
    pub steps: u64,
    /// Spikes of learnable neurons.
    pub spikes: u64,
    /// Synaptic operations (non-zero trace times weight terms).
    pub synaptic_ops: u64,
}

impl ComputeTotals {
    /// Adds `other` to these totals.
    pub fn add(&mut self, other: ComputeTotals) {
        self.steps += other.steps;
        self.spikes += other.spikes;
        self.synaptic_ops += other.synaptic_ops;
    }
}

/// A device of the federation (SPEC section 3): it walks through its local examples step after
/// step, wrapping around at the end of its shard, and compresses what it uploads.
pub struct Device {
    id: u32,
    learner: Learner,
    shard: Vec<Example>,
    example: usize,
    step: usize,
    training_rng: ChaCha12Rng,
    totals: ComputeTotals,
    codec: Arc<Codec>,
    compressor: CompressorState,
    compression_rng: ChaCha12Rng,
}

/// A learner's refusal of parameters whose shapes do not fit the network, as the device's error.
fn shape_error(e: SnnError) -> CompressError {
    match e {
        SnnError::ParamsShape {
            field,
            found,
            expected,
        } => CompressError::Length {
            what: field,
            got: found,
            expected,
        },
        other => CompressError::Layout {
            what: "learner parameters",
            got: 0,
            expected: other.to_string(),
        },
    }
}

/// A device's random streams.
pub struct DeviceStreams {
    /// Hidden-neuron sampling while training.
    pub training: ChaCha12Rng,
    /// Random choices of the compressor (random-k, stochastic rounding).
    pub compression: ChaCha12Rng,
}

impl Device {
    /// A device holding `shard`, starting from `params`, compressing its uploads with `codec`.
    pub fn new(
        id: u32,
        net: &Network,
        params: Params,
        shard: Vec<Example>,
        codec: Arc<Codec>,
        streams: DeviceStreams,
    ) -> Result<Device, CompressError> {
        let compressor = codec.state(&flatten(&params))?;
        let mut learner = Learner::new(net, params).map_err(shape_error)?;
        if matches!(codec.compression(), Compression::FixedRate { .. }) {
            learner.track_abs_grad_full(true);
        }
        Ok(Device {
            id,
            learner,
            shard,
            example: 0,
            step: 0,
            training_rng: streams.training,
            totals: ComputeTotals::default(),
            codec,
            compressor,
            compression_rng: streams.compression,
        })
    }

    /// The device's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Its number of local examples.
    pub fn samples(&self) -> usize {
        self.shard.len()
    }

    /// Runs `steps` local training steps and returns the work done.
    pub fn train(&mut self, net: &Network, steps: u64) -> ComputeTotals {
        let mut done = ComputeTotals::default();
        if self.shard.is_empty() {
            return done;
        }
        for _ in 0..steps {
            let ex = &self.shard[self.example];
            let inputs = ex.spikes.steps.get(self.step).map_or(&[][..], |s| &s[..]);
            let stats =
                self.learner
                    .train_step(net, inputs, ex.label, self.step, &mut self.training_rng);
            done.steps += 1;
            done.spikes += stats.spikes;
            done.synaptic_ops += stats.synaptic_ops;
            self.step += 1;
            if self.step >= ex.spikes.steps.len() {
                self.step = 0;
                self.example = (self.example + 1) % self.shard.len();
            }
        }
        self.totals.add(done);
        done
    }

    /// What it uploads now: its model, compressed; the |g_W| accumulator starts again.
    pub fn upload(&mut self, net: &Network) -> Result<EncodedUpload, CompressError> {
        let model = flatten(self.learner.params(net));
        let grad = self.learner.abs_grad_w_full().unwrap_or(&[]);
        let upload = self.codec.encode(
            &mut self.compressor,
            &model,
            grad,
            &mut self.compression_rng,
        )?;
        self.learner.reset_abs_grad();
        Ok(upload)
    }

    /// Adopts the global model (all of it, or the slices it carries); eligibility traces,
    /// learning signal and history stay local.
    pub fn adopt(&mut self, net: &Network, global: &Broadcast) -> Result<(), CompressError> {
        let params = self.learner.params(net);
        let mut model = flatten(params);
        self.codec.adopt(&mut self.compressor, global, &mut model)?;
        let adopted = unflatten(&model, params);
        self.learner.set_params(net, &adopted).map_err(shape_error)
    }

    /// Evaluates its local model on `test`.
    pub fn evaluate(
        &mut self,
        net: &Network,
        test: &[Example],
        rng: &mut ChaCha12Rng,
    ) -> Evaluation {
        let examples: Vec<TestExample<'_>> = test.iter().map(test_example).collect();
        let params = self.learner.params(net);
        evaluate(net, params, &examples, rng)
    }

    /// Everything it has computed so far.
    pub fn totals(&self) -> ComputeTotals {
        self.totals
    }

    /// Bytes held by its learning state.
    pub fn learner_bytes(&self) -> usize {
        self.learner.memory_bytes()
    }
}

/// The view of an example that the evaluator reads.
pub fn test_example(ex: &Example) -> TestExample<'_> {
    TestExample {
        steps: &ex.spikes.steps,
        label: ex.label,
    }
}
