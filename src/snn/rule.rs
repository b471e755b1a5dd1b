//! The interface shared by the sparse [`super::Learner`] and the [`super::DenseLearner`].

use super::{Network, Params, SnnError, SpikeSampler};

/// Work done by one training step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepStats {
    /// Spikes of the learnable neurons this step (sampled hidden, clamped outputs) \[count\].
    pub spikes: u64,
    /// Non-zero trace-times-weight terms used for the potentials \[count\].
    pub synaptic_ops: u64,
}

/// One device's online learning state (SPEC section 2), observable step by step.
pub trait OnlineLearner {
    /// One training step with hidden spikes from `sampler`; see [`super::Learner::train_step`].
    fn train_step_with(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        sampler: &mut impl SpikeSampler,
    ) -> StepStats;
    /// Current parameters (brought up to date).
    fn current_params(&mut self, net: &Network) -> Params;
    /// Eligibility traces `e` in the shapes of W, V, gamma; exact only at block boundaries.
    fn eligibility(&mut self, net: &Network) -> Params;
    /// Adopts a global model; eligibility, signals and history are kept.
    ///
    /// # Errors
    /// [`SnnError::ParamsShape`] when `p` does not have `net`'s shapes; the learner is unchanged.
    fn adopt_params(&mut self, net: &Network, p: &Params) -> Result<(), SnnError>;
    /// Completed blocks (local updates) \[count\].
    fn blocks(&self) -> u64;
    /// Potentials u of the last step, `[L]`.
    fn potentials(&self) -> &[f64];
    /// Spikes of the learnable neurons at the last step, `[L]`.
    fn learnable_spikes(&self) -> &[bool];
    /// log p of the learnable neurons' spikes at the last step, `[L]` \[nats\].
    fn log_probas(&self) -> &[f64];
    /// Learning-signal term r(t) of the last step \[nats\].
    fn step_signal(&self) -> f64;
    /// Sum R_b of r(t) over the last completed block \[nats\].
    fn block_signal(&self) -> f64;
    /// Smoothed learning signal l_b after the last completed block \[nats\].
    fn learning_signal(&self) -> f64;
    /// Feedforward trace of neuron `j` at the last step (history before it), K_a values.
    fn ff_trace(&self, j: usize) -> Vec<f64>;
    /// Feedback trace of learnable neuron `l` at the last step, K_b values.
    fn fb_trace(&self, l: usize) -> Vec<f64>;
}

/// Decides the learnable spikes of a training step from the potentials `u` (hidden sampled,
/// outputs clamped to the target of `label`), fills `spikes`, `log_p`, `err = s - sigmoid(u)`, and
/// returns the learning-signal term r(t) \[nats\].
#[allow(clippy::too_many_arguments)]
pub(crate) fn respond(
    net: &Network,
    u: &[f64],
    label: usize,
    step_in_example: usize,
    sampler: &mut impl SpikeSampler,
    spikes: &mut [bool],
    log_p: &mut [f64],
    err: &mut [f64],
) -> f64 {
    let cfg = net.config();
    let n_hidden = cfg.n_hidden;
    let (ln_rho, ln_not_rho) = (cfg.rho.ln(), (1.0 - cfg.rho).ln());
    let mut output_ll = 0.0;
    let mut hidden_kl = 0.0;
    for l in 0..u.len() {
        let p = super::sigmoid(u[l]);
        let s = if l < n_hidden {
            let q = super::SpikeQuery {
                example: 0,
                step: step_in_example,
                learnable: l,
                probability: p,
            };
            sampler.spike(&q)
        } else {
            super::target_spike(l - n_hidden, label, step_in_example)
        };
        spikes[l] = s;
        log_p[l] = super::log_prob(s, u[l]);
        err[l] = f64::from(u8::from(s)) - p;
        if l < n_hidden {
            hidden_kl += super::neuron::hidden_kl_term(s, u[l], ln_rho, ln_not_rho);
        } else {
            output_ll += log_p[l];
        }
    }
    let mut r = output_ll / cfg.n_outputs as f64;
    if n_hidden > 0 {
        r -= cfg.alpha * hidden_kl / n_hidden as f64;
    }
    r
}

/// Smoothing of the learning signal at the end of block `blocks`: `l_0 = R_0`, then
/// `l_b = kappa l_{b-1} + (1 - kappa) R_b`.
pub(crate) fn smooth_signal(kappa: f64, blocks: u64, previous: f64, block_sum: f64) -> f64 {
    if blocks == 0 {
        block_sum
    } else {
        kappa * previous + (1.0 - kappa) * block_sum
    }
}

/// Dense block update of a parameter group (V or gamma): `e = G` in block 0, else
/// `e = kappa e + (1 - kappa) G`; then `theta += scale(i) * e`; `G` is cleared.
pub(crate) fn dense_block_update(
    kappa: f64,
    blocks: u64,
    theta: &mut [f64],
    e: &mut [f64],
    g: &mut [f64],
    scale: impl Fn(usize) -> f64,
) {
    for i in 0..theta.len() {
        e[i] = if blocks == 0 {
            g[i]
        } else {
            kappa * e[i] + (1.0 - kappa) * g[i]
        };
        theta[i] += scale(i) * e[i];
        g[i] = 0.0;
    }
}
