//! The base station's test bench: it evaluates global models for the records. Its host (the base
//! station's actor) runs it beside the devices' training.

use crate::data::Example;
use crate::fl::model::unflatten;
use crate::fl::test_example;
use crate::snn::{evaluate, Evaluation, Network, Params, TestExample};
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// Evaluates global models on the common test set.
pub struct GlobalEvaluator {
    net: Arc<Network>,
    test: Arc<Vec<Example>>,
    test_rng: ChaCha12Rng,
    shape: Params,
}

impl GlobalEvaluator {
    /// An evaluator of `net`'s models shaped like `shape`, on `test`, sampling from `test_rng`.
    pub fn new(
        net: Arc<Network>,
        test: Arc<Vec<Example>>,
        shape: Params,
        test_rng: ChaCha12Rng,
    ) -> GlobalEvaluator {
        GlobalEvaluator {
            net,
            test,
            test_rng,
            shape,
        }
    }

    /// Its random stream (all that changes as it runs).
    pub fn rng(&self) -> &ChaCha12Rng {
        &self.test_rng
    }

    /// Takes up a saved random stream.
    pub fn set_rng(&mut self, rng: ChaCha12Rng) {
        self.test_rng = rng;
    }

    /// Evaluates `model` (W ++ V ++ gamma) on the first `examples` test examples.
    pub fn evaluate(&mut self, model: &[f64], examples: usize) -> Evaluation {
        let n = examples.min(self.test.len());
        let examples: Vec<TestExample<'_>> = self.test[..n].iter().map(test_example).collect();
        let params = unflatten(model, &self.shape);
        evaluate(&self.net, &params, &examples, &mut self.test_rng)
    }
}
