//! A learner's parameters at one moment, without a copy of W (see [`ParamsSnapshot`]).

use super::Network;
use std::sync::Arc;

/// A [`super::Learner`]'s settled parameters at one moment: W shared with the learner, which
/// copies it before it next writes to it while a snapshot lives (copy-on-write), V and gamma
/// copied. A device's full-precision upload holds one while in flight instead of its own copy
/// of the model. Read by position in the flat model W ++ V ++ gamma (the `Params` layouts).
#[derive(Clone, Debug)]
pub struct ParamsSnapshot {
    /// W in the learner's internal layout `[N][L][K]` (row `j * L + l`).
    w: Arc<[f64]>,
    v: Vec<f64>,
    gamma: Vec<f64>,
    /// Learnable neurons L, all neurons N, basis functions K \[count\].
    l_count: usize,
    n: usize,
    k: usize,
}

impl ParamsSnapshot {
    /// `w` (internal layout), `v` and `gamma` of `net`'s shapes.
    pub(crate) fn new(net: &Network, w: Arc<[f64]>, v: Vec<f64>, gamma: Vec<f64>) -> Self {
        ParamsSnapshot {
            w,
            v,
            gamma,
            l_count: net.n_learnable_neurons(),
            n: net.n_neurons(),
            k: net.config().k_ff,
        }
    }

    /// Length of the flat model W ++ V ++ gamma \[values\].
    pub fn len(&self) -> usize {
        self.w.len() + self.v.len() + self.gamma.len()
    }

    /// Whether the model is empty (never, for a network).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at position `flat` of W ++ V ++ gamma, W in the `Params` layout `[L][N][K]`;
    /// `None` past the end.
    #[inline]
    pub fn get(&self, flat: usize) -> Option<f64> {
        let w_len = self.w.len();
        if flat < w_len {
            let per_neuron = self.n * self.k;
            let (l, rest) = (flat / per_neuron, flat % per_neuron);
            let (j, k) = (rest / self.k, rest % self.k);
            return self.w.get((j * self.l_count + l) * self.k + k).copied();
        }
        let flat = flat - w_len;
        match flat.checked_sub(self.v.len()) {
            None => self.v.get(flat).copied(),
            Some(g) => self.gamma.get(g).copied(),
        }
    }

    /// Whether it holds `w` itself (not a copy).
    pub(crate) fn shares_w(&self, w: &Arc<[f64]>) -> bool {
        Arc::ptr_eq(&self.w, w)
    }
}
