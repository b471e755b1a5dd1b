//! The dense reference learner: SPEC sections 1-2 done literally, every array every step.

use super::rule::{dense_block_update, respond, smooth_signal, OnlineLearner, StepStats};
use super::{raised_cosine, Network, Params, RngSampler, SnnError, SpikeSampler};
use std::collections::VecDeque;

/// Literal implementation of the learning rule, for tests and benchmarks of [`super::Learner`].
#[derive(Clone, Debug)]
pub struct DenseLearner {
    params: Params,
    elig: Params,
    grad: Params,
    blocks: u64,
    steps_in_block: usize,
    block_sum: f64,
    last_block_sum: f64,
    learning_signal: f64,
    /// Spike vectors of the last `memory` steps of this example, most recent first.
    history: VecDeque<Vec<bool>>,
    ff_basis: Vec<Vec<f64>>,
    fb_basis: Vec<Vec<f64>>,
    ff: Vec<f64>,
    fb: Vec<f64>,
    u: Vec<f64>,
    spikes: Vec<bool>,
    log_p: Vec<f64>,
    err: Vec<f64>,
    step_signal: f64,
}

impl DenseLearner {
    /// A fresh learner from `params`.
    ///
    /// # Errors
    /// [`SnnError::ParamsShape`] when `params` does not have `net`'s shapes.
    pub fn new(net: &Network, params: Params) -> Result<DenseLearner, SnnError> {
        net.check_params(&params)?;
        let cfg = net.config();
        let l_count = net.n_learnable_neurons();
        Ok(DenseLearner {
            elig: net.zero_params(),
            grad: net.zero_params(),
            params,
            blocks: 0,
            steps_in_block: 0,
            block_sum: 0.0,
            last_block_sum: 0.0,
            learning_signal: 0.0,
            history: VecDeque::new(),
            ff_basis: raised_cosine(cfg.k_ff, cfg.memory, cfg.mu),
            fb_basis: raised_cosine(cfg.k_fb, cfg.memory, cfg.mu),
            ff: vec![0.0; net.n_neurons() * cfg.k_ff],
            fb: vec![0.0; l_count * cfg.k_fb],
            u: vec![0.0; l_count],
            spikes: vec![false; l_count],
            log_p: vec![0.0; l_count],
            err: vec![0.0; l_count],
            step_signal: 0.0,
        })
    }

    /// One training step with hidden spikes from `rng` (same contract as
    /// [`super::Learner::train_step`]).
    pub fn train_step(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        rng: &mut impl rand::Rng,
    ) -> StepStats {
        self.train_step_with(net, inputs, label, step_in_example, &mut RngSampler(rng))
    }
}

impl OnlineLearner for DenseLearner {
    fn train_step_with(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        sampler: &mut impl SpikeSampler,
    ) -> StepStats {
        let cfg = net.config();
        let (k_ff, k_fb, n_in, n) = (cfg.k_ff, cfg.k_fb, cfg.n_inputs, net.n_neurons());
        let l_count = net.n_learnable_neurons();
        if step_in_example == 0 {
            self.history.clear();
        }
        // 1. traces
        self.ff.iter_mut().for_each(|x| *x = 0.0);
        self.fb.iter_mut().for_each(|x| *x = 0.0);
        for (m, spikes) in self.history.iter().enumerate() {
            for (j, &fired) in spikes.iter().enumerate() {
                if !fired {
                    continue;
                }
                for k in 0..k_ff {
                    self.ff[j * k_ff + k] += self.ff_basis[k][m];
                }
                if j >= n_in {
                    for k in 0..k_fb {
                        self.fb[(j - n_in) * k_fb + k] += self.fb_basis[k][m];
                    }
                }
            }
        }
        // 2. potentials
        let mut stats = StepStats::default();
        for l in 0..l_count {
            let mut u = self.params.gamma[l];
            for k in 0..k_fb {
                u += self.params.v[l * k_fb + k] * self.fb[l * k_fb + k];
            }
            for j in 0..n {
                if !net.is_synapse(l, j) {
                    continue;
                }
                for k in 0..k_ff {
                    let x = self.ff[j * k_ff + k];
                    u += self.params.w[(l * n + j) * k_ff + k] * x;
                    stats.synaptic_ops += u64::from(x != 0.0);
                }
            }
            self.u[l] = u;
        }
        // 3. spikes, log-probabilities, learning signal
        let r = respond(
            net,
            &self.u,
            label,
            step_in_example,
            sampler,
            &mut self.spikes,
            &mut self.log_p,
            &mut self.err,
        );
        self.step_signal = r;
        self.block_sum += r;
        // 4. gradients
        for l in 0..l_count {
            let err = self.err[l];
            self.grad.gamma[l] += err;
            for k in 0..k_fb {
                self.grad.v[l * k_fb + k] += err * self.fb[l * k_fb + k];
            }
            for j in 0..n {
                let mask = if net.is_synapse(l, j) { 1.0 } else { 0.0 };
                for k in 0..k_ff {
                    self.grad.w[(l * n + j) * k_ff + k] += err * self.ff[j * k_ff + k] * mask;
                }
            }
        }
        // 5. history
        let mut now = vec![false; n];
        for &i in inputs {
            if (i as usize) < n_in {
                now[i as usize] = true;
            }
        }
        for (l, &s) in self.spikes.iter().enumerate() {
            now[n_in + l] = s;
            stats.spikes += u64::from(s);
        }
        self.history.push_front(now);
        self.history.truncate(cfg.memory);
        // 6. block update
        self.steps_in_block += 1;
        if self.steps_in_block == cfg.delta_s {
            let (kappa, eta, n_hidden) = (cfg.kappa, cfg.eta, cfg.n_hidden);
            let signal = smooth_signal(kappa, self.blocks, self.learning_signal, self.block_sum);
            let scale = |l: usize| if l < n_hidden { eta * signal } else { eta };
            let b = self.blocks;
            let (p, e, g) = (&mut self.params, &mut self.elig, &mut self.grad);
            dense_block_update(kappa, b, &mut p.w, &mut e.w, &mut g.w, |i| {
                scale(i / (n * k_ff))
            });
            dense_block_update(kappa, b, &mut p.v, &mut e.v, &mut g.v, |i| scale(i / k_fb));
            dense_block_update(kappa, b, &mut p.gamma, &mut e.gamma, &mut g.gamma, scale);
            self.learning_signal = signal;
            self.last_block_sum = self.block_sum;
            self.block_sum = 0.0;
            self.steps_in_block = 0;
            self.blocks += 1;
        }
        stats
    }

    fn current_params(&mut self, _net: &Network) -> Params {
        self.params.clone()
    }

    fn eligibility(&mut self, _net: &Network) -> Params {
        self.elig.clone()
    }

    fn adopt_params(&mut self, net: &Network, p: &Params) -> Result<(), SnnError> {
        net.check_params(p)?;
        self.params = p.clone();
        Ok(())
    }

    fn blocks(&self) -> u64 {
        self.blocks
    }

    fn potentials(&self) -> &[f64] {
        &self.u
    }

    fn learnable_spikes(&self) -> &[bool] {
        &self.spikes
    }

    fn log_probas(&self) -> &[f64] {
        &self.log_p
    }

    fn step_signal(&self) -> f64 {
        self.step_signal
    }

    fn block_signal(&self) -> f64 {
        self.last_block_sum
    }

    fn learning_signal(&self) -> f64 {
        self.learning_signal
    }

    fn ff_trace(&self, j: usize) -> Vec<f64> {
        let k = self.ff_basis.len();
        self.ff
            .get(j * k..(j + 1) * k)
            .map(<[f64]>::to_vec)
            .unwrap_or_default()
    }

    fn fb_trace(&self, l: usize) -> Vec<f64> {
        let k = self.fb_basis.len();
        self.fb
            .get(l * k..(l + 1) * k)
            .map(<[f64]>::to_vec)
            .unwrap_or_default()
    }
}
