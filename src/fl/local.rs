//! A device's learning state: its shard of real data, its SNN learner, its place in the shard and
//! its compressor. Its host (the device's actor) runs the jobs the device's protocol asks for.

use crate::data::{Example, Shard, ShardState};
use crate::fl::compress::{
    Broadcast, Codec, CompressError, Compression, CompressorState, EncodedUpload,
};
use crate::fl::message::{Job, Reading, Trained};
use crate::fl::model::{flatten, unflatten};
use crate::snn::{evaluate, Evaluation, Learner, Network, Params, SnnError, TestExample};
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// Work a device has done \[counts\].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// A device's learning state (SPEC section 3): it walks through its local examples step after
/// step, wrapping around at the end of its shard, and compresses what it uploads.
pub struct LocalModel {
    net: Arc<Network>,
    /// The model it started from, to start again from after a crash.
    initial: Arc<Params>,
    test: Arc<Vec<Example>>,
    learner: Learner,
    shard: Shard,
    training_rng: ChaCha12Rng,
    codec: Arc<Codec>,
    compressor: CompressorState,
    compression_rng: ChaCha12Rng,
    test_rng: ChaCha12Rng,
    /// Full-precision uploads share the learner's W instead of holding the model again.
    shares_uploads: bool,
}

/// What of a [`LocalModel`] changes as it runs (the rest, its network, initial model, shared
/// pool, test set and codec, comes from the scenario): learner, shard (its examples, place and
/// data stream, not its pool), compressor (error-feedback residual included) and random streams.
#[derive(serde::Serialize)]
struct LocalView<'a> {
    learner: &'a Learner,
    shard: &'a Shard,
    training_rng: &'a ChaCha12Rng,
    compressor: &'a CompressorState,
    compression_rng: &'a ChaCha12Rng,
    test_rng: &'a ChaCha12Rng,
}

/// [`LocalView`], owned.
#[derive(serde::Deserialize)]
struct LocalState {
    learner: Learner,
    shard: ShardState,
    training_rng: ChaCha12Rng,
    compressor: CompressorState,
    compression_rng: ChaCha12Rng,
    test_rng: ChaCha12Rng,
}

/// What can go wrong with a device's learning state (a bug, or a corrupt message).
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// A compressed model could not be made or read.
    #[error("compression: {0}")]
    Compress(#[from] CompressError),
    /// The learner refused parameters of the wrong shape.
    #[error("learner: {0}")]
    Snn(#[from] SnnError),
}

/// A device's random streams.
pub struct DeviceStreams {
    /// Hidden-neuron sampling while training.
    pub training: ChaCha12Rng,
    /// Random choices of the compressor (random-k, stochastic rounding).
    pub compression: ChaCha12Rng,
    /// Sampling while testing.
    pub test: ChaCha12Rng,
}

impl LocalModel {
    /// A device walking through `shard`, starting from `params`, compressing its uploads with `codec`,
    /// evaluated on `test`. With `shares_uploads`, a full-precision upload (no compression)
    /// shares the learner's model instead of holding a copy of it: for a device that does not
    /// train while its upload is in flight (synchronous mode), whose model is then held once; a
    /// device that trains meanwhile copies W first, and would hold two f64 copies of W instead
    /// of one and an f32 upload.
    pub fn new(
        net: Arc<Network>,
        params: Arc<Params>,
        shard: Shard,
        test: Arc<Vec<Example>>,
        codec: Arc<Codec>,
        streams: DeviceStreams,
        shares_uploads: bool,
    ) -> Result<LocalModel, LocalError> {
        let (learner, compressor) = Self::fresh(&net, &params, &codec)?;
        Ok(LocalModel {
            net,
            initial: params,
            test,
            learner,
            shard,
            training_rng: streams.training,
            codec,
            compressor,
            compression_rng: streams.compression,
            test_rng: streams.test,
            shares_uploads,
        })
    }

    /// Its changing state, encoded ([`LocalModel::restore`] takes it up).
    pub fn save(&self) -> Result<Vec<u8>, String> {
        crate::sim::encode(&LocalView {
            learner: &self.learner,
            shard: &self.shard,
            training_rng: &self.training_rng,
            compressor: &self.compressor,
            compression_rng: &self.compression_rng,
            test_rng: &self.test_rng,
        })
    }

    /// Takes up a state [`LocalModel::save`] encoded for this device; an error says what does
    /// not fit (nothing is changed then).
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let state: LocalState = crate::sim::decode(bytes)?;
        if !state.learner.fits(&self.net) {
            return Err("the saved learner does not fit the scenario's network".into());
        }
        self.shard.restore(state.shard)?;
        self.learner = state.learner;
        self.training_rng = state.training_rng;
        self.compressor = state.compressor;
        self.compression_rng = state.compression_rng;
        self.test_rng = state.test_rng;
        Ok(())
    }

    /// A learner and a compressor state starting from `params`.
    fn fresh(
        net: &Network,
        params: &Params,
        codec: &Codec,
    ) -> Result<(Learner, CompressorState), LocalError> {
        let compressor = codec.state(&flatten(params))?;
        let mut learner = Learner::new(net, params.clone())?;
        if matches!(codec.compression(), Compression::FixedRate { .. }) {
            learner.track_abs_grad_full(true);
        }
        Ok((learner, compressor))
    }

    /// Forgets the local model and learning state (a crash): the learner and the compressor
    /// (error-feedback residuals included) start again from the initial model. The place in the
    /// shard and the random streams go on.
    pub fn reset(&mut self) -> Result<(), LocalError> {
        (self.learner, self.compressor) = Self::fresh(&self.net, &self.initial, &self.codec)?;
        Ok(())
    }

    /// Runs a job of the device's protocol.
    pub fn work(&mut self, job: Job) -> Result<Option<Trained>, LocalError> {
        match job {
            Job::Adopt(model) => {
                self.adopt(&model)?;
                Ok(None)
            }
            Job::Train {
                adopt,
                steps,
                evaluate,
                upload,
                epoch,
            } => {
                if let Some(model) = adopt {
                    self.adopt(&model)?;
                }
                let compute = self.train(steps);
                let evaluation = (evaluate > 0).then(|| {
                    let n = evaluate.min(self.test.len());
                    Box::new(self.evaluate(n))
                });
                let upload = match upload {
                    true => Some(self.upload()?),
                    false => None,
                };
                Ok(Some(Trained {
                    compute,
                    evaluation,
                    upload,
                    epoch,
                }))
            }
            Job::Reset => {
                self.reset()?;
                Ok(None)
            }
        }
    }

    /// Its final state: the local model on the whole test set when asked.
    pub fn finish(&mut self, evaluate: bool) -> Reading {
        Reading::Final {
            evaluation: evaluate.then(|| self.evaluate(self.test.len())),
            learner_bytes: self.learner.memory_bytes() + self.shard.memory_bytes(),
        }
    }

    /// Runs `steps` local training steps and returns the work done.
    pub fn train(&mut self, steps: u64) -> ComputeTotals {
        let net = &*self.net;
        let mut done = ComputeTotals::default();
        for _ in 0..steps {
            let Some((inputs, label, step)) = self.shard.next_step() else {
                break;
            };
            let stats = self
                .learner
                .train_step(net, inputs, label, step, &mut self.training_rng);
            done.steps += 1;
            done.spikes += stats.spikes;
            done.synaptic_ops += stats.synaptic_ops;
        }
        done
    }

    /// What it uploads now: its model, compressed; the |g_W| accumulator starts again. A
    /// full-precision upload shares the learner's model if the device [`LocalModel::new`] was
    /// told so (the same values on the wire, read when the base station folds them in).
    pub fn upload(&mut self) -> Result<EncodedUpload, CompressError> {
        if self.shares_uploads && self.codec.sends_model_as_is() {
            let model = Arc::new(self.learner.snapshot(&self.net));
            let upload = self.codec.encode_shared(model)?;
            self.learner.reset_abs_grad();
            return Ok(upload);
        }
        let model = flatten(self.learner.params(&self.net));
        let grad = self.learner.abs_grad_w_full().unwrap_or(&[]);
        let upload = self.codec.encode(
            &mut self.compressor,
            &model,
            grad,
            &mut self.compression_rng,
        )?;
        self.learner.reset_abs_grad();
        self.learner.shed_params_view();
        Ok(upload)
    }

    /// Adopts the global model (all of it, or the slices it carries); eligibility traces,
    /// learning signal and history stay local.
    pub fn adopt(&mut self, global: &Broadcast) -> Result<(), LocalError> {
        if let Some(model) = self.codec.adopt_whole(&mut self.compressor, global)? {
            return Ok(self.learner.set_params_flat(&self.net, &model)?);
        }
        let net = &*self.net;
        let params = self.learner.params(net);
        let mut model = flatten(params);
        self.codec.adopt(&mut self.compressor, global, &mut model)?;
        let adopted = unflatten(&model, params);
        Ok(self.learner.set_params(net, &adopted)?)
    }

    /// Evaluates its local model on the first `n` test examples.
    pub fn evaluate(&mut self, n: usize) -> Evaluation {
        let examples: Vec<TestExample<'_>> = self.test[..n].iter().map(test_example).collect();
        let params = self.learner.params(&self.net);
        let evaluation = evaluate(&self.net, params, &examples, &mut self.test_rng);
        self.learner.shed_params_view();
        evaluation
    }
}

/// The view of an example that the evaluator reads.
pub fn test_example(ex: &Example) -> TestExample<'_> {
    TestExample {
        steps: &ex.spikes.steps,
        label: ex.label,
    }
}
