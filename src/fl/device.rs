//! One device: its shard of real data, its SNN learner and its place in the shard.

use crate::data::Example;
use crate::snn::{evaluate, Evaluation, Learner, Network, Params, TestExample};
use rand_chacha::ChaCha12Rng;

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
/// step, wrapping around at the end of its shard.
pub struct Device {
    id: u32,
    learner: Learner,
    shard: Vec<Example>,
    example: usize,
    step: usize,
    training_rng: ChaCha12Rng,
    totals: ComputeTotals,
}

impl Device {
    /// A device holding `shard`, starting from `params`, drawing its hidden spikes from
    /// `training_rng`.
    pub fn new(
        id: u32,
        net: &Network,
        params: Params,
        shard: Vec<Example>,
        training_rng: ChaCha12Rng,
    ) -> Device {
        Device {
            id,
            learner: Learner::new(net, params),
            shard,
            example: 0,
            step: 0,
            training_rng,
            totals: ComputeTotals::default(),
        }
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

    /// A copy of its current parameters.
    pub fn model(&mut self, net: &Network) -> Params {
        self.learner.params(net).clone()
    }

    /// Adopts the global model; eligibility traces, learning signal and history stay local.
    pub fn adopt(&mut self, net: &Network, global: &Params) {
        self.learner.set_params(net, global);
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
