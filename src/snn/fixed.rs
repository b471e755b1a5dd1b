//! Inference with parameters fixed for a whole evaluation: the part of every potential that comes
//! from the inputs is computed once per test example and shared by its two passes (sampled, then
//! teacher-forced), and the learnable neurons' own spikes are added per pass.
//!
//! In: parameters, one example's input spikes. Out: per step, the potentials and log p of the
//! learnable neurons, through [`FixedPass::step`]. Same arithmetic as [`super::Inference::step`]
//! up to the order of floating-point sums.

use super::{
    log_prob, sigmoid, target_spike, Network, OutputMode, Params, SpikeQuery, SpikeSampler,
};

/// Per-example input drive and per-pass spike memory of the learnable neurons.
pub(crate) struct FixedPass {
    /// Input part of the potentials, `[steps][L]`.
    drive: Vec<f64>,
    /// Summed W rows of one step's spiking inputs, `[steps][L][K_a]` (scratch).
    groups: Vec<f64>,
    /// Learnable neurons that spiked at each lag still in memory, newest first.
    recent: std::collections::VecDeque<Vec<usize>>,
    /// Potentials of the current step, `[L]`.
    u: Vec<f64>,
    /// Spikes of the current step, `[L]`.
    pub(crate) spikes: Vec<bool>,
    /// log p of the current step's spikes, `[L]` \[nats\].
    pub(crate) log_p: Vec<f64>,
}

impl FixedPass {
    /// Empty state for `net`.
    pub(crate) fn new(net: &Network) -> FixedPass {
        let l_count = net.n_learnable_neurons();
        FixedPass {
            drive: Vec::new(),
            groups: Vec::new(),
            recent: std::collections::VecDeque::new(),
            u: vec![0.0; l_count],
            spikes: vec![false; l_count],
            log_p: vec![0.0; l_count],
        }
    }

    /// Computes the input drive of one example (`steps[t]`: active inputs at step t); spikes
    /// before the example's start count as 0.
    pub(crate) fn load(&mut self, net: &Network, params: &Params, steps: &[Vec<u32>]) {
        let cfg = net.config();
        let (k_ff, n_in, memory) = (cfg.k_ff, cfg.n_inputs, cfg.memory);
        let (l_count, n) = (net.n_learnable_neurons(), net.n_neurons());
        let width = l_count * k_ff;
        self.groups.clear();
        self.groups.resize(steps.len() * width, 0.0);
        for (t, inputs) in steps.iter().enumerate() {
            let group = &mut self.groups[t * width..(t + 1) * width];
            for &j in inputs.iter().filter(|&&j| (j as usize) < n_in) {
                let j = j as usize;
                for &l in net.postsynaptic(j) {
                    let l = l as usize;
                    let row = (l * n + j) * k_ff;
                    let w = &params.w[row..row + k_ff];
                    for (g, &w) in group[l * k_ff..(l + 1) * k_ff].iter_mut().zip(w) {
                        *g += w;
                    }
                }
            }
        }
        self.drive.clear();
        self.drive.resize(steps.len() * l_count, 0.0);
        for t in 0..steps.len() {
            let drive = &mut self.drive[t * l_count..(t + 1) * l_count];
            for m in 0..memory.min(t) {
                let past = t - 1 - m;
                let group = &self.groups[past * width..(past + 1) * width];
                let a = net.ff_at_lag(m);
                for (d, g) in drive.iter_mut().zip(group.chunks_exact(k_ff)) {
                    *d += super::neuron::dot(g, a);
                }
            }
        }
    }

    /// Forgets the learnable neurons' spikes: a new pass over the loaded example starts.
    pub(crate) fn restart(&mut self) {
        self.recent.clear();
    }

    /// Step `t` of example `example` of the loaded example; hidden spikes (and outputs in
    /// [`OutputMode::Sampled`]) come from `sampler`.
    pub(crate) fn step(
        &mut self,
        net: &Network,
        params: &Params,
        example: usize,
        t: usize,
        outputs: OutputMode,
        sampler: &mut impl SpikeSampler,
    ) {
        let cfg = net.config();
        let (k_ff, k_fb, n_in, n_hidden, memory) =
            (cfg.k_ff, cfg.k_fb, cfg.n_inputs, cfg.n_hidden, cfg.memory);
        let (l_count, n) = (self.u.len(), net.n_neurons());
        self.u
            .copy_from_slice(&self.drive[t * l_count..(t + 1) * l_count]);
        for (u, gamma) in self.u.iter_mut().zip(&params.gamma) {
            *u += gamma;
        }
        for (m, spiked) in self.recent.iter().enumerate() {
            let (a, b) = (net.ff_at_lag(m), net.fb_at_lag(m));
            for &source in spiked {
                let v = &params.v[source * k_fb..(source + 1) * k_fb];
                self.u[source] += super::neuron::dot(v, b);
                let j = n_in + source;
                for &l in net.postsynaptic(j) {
                    let row = (l as usize * n + j) * k_ff;
                    self.u[l as usize] += super::neuron::dot(&params.w[row..row + k_ff], a);
                }
            }
        }
        let mut spiking = match self.recent.len() >= memory {
            true => self.recent.pop_back().unwrap_or_default(),
            false => Vec::new(),
        };
        spiking.clear();
        for l in 0..l_count {
            let probability = sigmoid(self.u[l]);
            let s = match outputs {
                OutputMode::Clamped(label) if l >= n_hidden => target_spike(l - n_hidden, label, t),
                _ => sampler.spike(&SpikeQuery {
                    example,
                    step: t,
                    learnable: l,
                    probability,
                }),
            };
            self.spikes[l] = s;
            self.log_p[l] = log_prob(s, self.u[l]);
            if s {
                spiking.push(l);
            }
        }
        self.recent.push_front(spiking);
    }
}
