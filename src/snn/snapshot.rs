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

    /// The values at `positions` (ascending flat positions, as [`ParamsSnapshot::get`] reads
    /// them), each rounded to f32 as a full-precision upload sends it, in a vector of exactly
    /// their number (NaN past the end). Consecutive positions within a row of W are copied as
    /// one run.
    pub fn gather_f32(&self, positions: &[usize]) -> Vec<f32> {
        let (k, n, w_len) = (self.k, self.n, self.w.len());
        let mut out = Vec::with_capacity(positions.len());
        let mut rest = positions;
        while let Some(&p) = rest.first() {
            let run = if p < w_len {
                let (row, offset) = (p / k, p % k);
                // Ascending distinct positions: the next `run` are consecutive iff the last is.
                let run = (k - offset).min(rest.len());
                let run = if rest[run - 1] == p + run - 1 { run } else { 1 };
                let (l, j) = (row / n, row % n);
                let from = (j * self.l_count + l) * k + offset;
                match self.w.get(from..from + run) {
                    Some(values) => out.extend(values.iter().map(|&x| x as f32)),
                    None => out.extend(std::iter::repeat_n(f32::NAN, run)),
                }
                run
            } else {
                out.push(self.get(p).unwrap_or(f64::NAN) as f32);
                1
            };
            rest = &rest[run..];
        }
        out
    }

    /// Whether every value is finite once rounded to f32 (absent synapses' included: a quick
    /// check of a whole model, for which [`ParamsSnapshot::gather_f32`] is the exact one).
    pub fn fits_f32(&self) -> bool {
        let fits = |v: &[f64]| v.iter().all(|&x| (x as f32).is_finite());
        fits(&self.w) && fits(&self.v) && fits(&self.gamma)
    }

    /// Whether it holds `w` itself (not a copy).
    pub(crate) fn shares_w(&self, w: &Arc<[f64]>) -> bool {
        Arc::ptr_eq(&self.w, w)
    }
}
