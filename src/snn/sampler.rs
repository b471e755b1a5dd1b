//! Where sampled spikes come from: a seeded RNG, or injected values.

use rand::Rng;

/// One request for a sampled spike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeQuery {
    /// Example index within the evaluated set (0 while training) \[count\].
    pub example: usize,
    /// Step within the example \[steps\].
    pub step: usize,
    /// Learnable neuron index `l` (hidden first, then outputs).
    pub learnable: usize,
    /// Model probability of a spike, `sigmoid(u)` \[probability\].
    pub probability: f64,
}

/// Decides sampled spikes. Implemented by [`RngSampler`] and by any closure
/// `FnMut(&SpikeQuery) -> bool`. Queries come in increasing `learnable` order within a step.
pub trait SpikeSampler {
    /// Whether neuron `q.learnable` spikes.
    fn spike(&mut self, q: &SpikeQuery) -> bool;
}

impl<F: FnMut(&SpikeQuery) -> bool> SpikeSampler for F {
    fn spike(&mut self, q: &SpikeQuery) -> bool {
        self(q)
    }
}

/// Bernoulli sampling from an explicit RNG: spike iff a uniform draw in [0, 1) is `< p`.
pub struct RngSampler<'a, R: Rng>(pub &'a mut R);

impl<R: Rng> SpikeSampler for RngSampler<'_, R> {
    fn spike(&mut self, q: &SpikeQuery) -> bool {
        self.0.random::<f64>() < q.probability
    }
}
