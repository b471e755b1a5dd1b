//! The sparse, lazily updated learner: per-step cost follows the active neurons only.

use super::groups::{GroupStep, SpikeGroups, Window};
use super::history::{InputTraces, SpikeHistory, Traces};
use super::lazy::LazyRows;
use super::rule::{dense_block_update, respond, smooth_signal};
pub use super::rule::{OnlineLearner, StepStats};
use super::{Network, Params, ParamsSnapshot, RngSampler, SnnError, SpikeSampler};
use std::sync::Arc;

/// One device's learning state: parameters (W rows lazily up to date), eligibility traces,
/// learning signal, block accumulators, spike history and the |g_W| accumulators.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Learner {
    rows: LazyRows,
    /// W in the internal `[N][L][K]` layout; a row is current only once caught up. Shared
    /// with the [`ParamsSnapshot`]s taken of it (an upload in flight) until it next changes: it
    /// is copied first then (`Arc::make_mut`), so a snapshot never sees a later write.
    #[serde(with = "super::capacity::shared")]
    w: Arc<[f64]>,
    /// V and gamma are always current; `params.w` is a view of `w` in the `Params` layout,
    /// refreshed by `params()` and dropped by `shed_params_view()` (empty between the two).
    params: Params,
    elig_v: Vec<f64>,
    elig_gamma: Vec<f64>,
    grad_v: Vec<f64>,
    grad_gamma: Vec<f64>,
    blocks: u64,
    steps_in_block: usize,
    block_sum: f64,
    last_block_sum: f64,
    learning_signal: f64,
    history: SpikeHistory,
    traces: Traces,
    #[serde(with = "super::capacity")]
    u: Vec<f64>,
    #[serde(with = "super::capacity")]
    spikes: Vec<bool>,
    log_p: Vec<f64>,
    err: Vec<f64>,
    step_signal: f64,
    #[serde(with = "super::capacity")]
    abs_grad_basis: Vec<f64>,
    /// A boxed slice (no capacity field): the learner is as large as before W was shared.
    abs_grad_full: Option<Box<[f64]>>,
    /// Delta_s = 1: next step's potentials from the neurons that stay active, `[L]`, summed
    /// while their rows were updated; valid while `carry_valid`.
    #[serde(with = "super::capacity")]
    carry: Vec<f64>,
    carry_valid: bool,
    /// Neurons that spiked at the last step with an empty window before: not in `carry`.
    #[serde(with = "super::capacity")]
    fresh: Vec<u32>,
    /// Spiked at the current step, `[N]` (cleared after each step).
    #[serde(with = "super::capacity")]
    spiked_now: Vec<bool>,
    /// Delta_s = 1: the input synapses grouped by spike time (see [`SpikeGroups`]).
    groups: SpikeGroups,
    /// Whether `carry` was summed with the inputs left to `groups`.
    carry_grouped: bool,
}

impl Learner {
    /// A fresh learner starting from `params`.
    ///
    /// # Errors
    /// [`SnnError::ParamsShape`] when `params` does not have `net`'s shapes.
    pub fn new(net: &Network, mut params: Params) -> Result<Learner, SnnError> {
        net.check_params(&params)?;
        let cfg = net.config();
        let l_count = net.n_learnable_neurons();
        let rows = LazyRows::new(net);
        let mut w = vec![0.0; params.w.len()];
        rows.to_internal_layout(&params.w, &mut w);
        params.w = Vec::new();
        Ok(Learner {
            rows,
            w: w.into(),
            elig_v: vec![0.0; params.v.len()],
            elig_gamma: vec![0.0; l_count],
            grad_v: vec![0.0; params.v.len()],
            grad_gamma: vec![0.0; l_count],
            params,
            blocks: 0,
            steps_in_block: 0,
            block_sum: 0.0,
            last_block_sum: 0.0,
            learning_signal: 0.0,
            history: SpikeHistory::new(cfg.memory),
            traces: Traces::new(net),
            u: vec![0.0; l_count],
            spikes: vec![false; l_count],
            log_p: vec![0.0; l_count],
            err: vec![0.0; l_count],
            step_signal: 0.0,
            abs_grad_basis: vec![0.0; cfg.k_ff],
            abs_grad_full: None,
            carry: vec![0.0; l_count],
            carry_valid: false,
            fresh: Vec::new(),
            spiked_now: vec![false; net.n_neurons()],
            groups: SpikeGroups::default(),
            carry_grouped: false,
        })
    }

    /// One training step. `inputs`: active input neurons at this step (indices `>= n_inputs`
    /// are ignored); `label`: the true class, whose output is clamped to fire when
    /// `step_in_example % 5 == 0` (a label `>= n_outputs` clamps every output silent);
    /// `step_in_example == 0` resets the spike history first. Hidden spikes are drawn from `rng`.
    /// The block update runs when `delta_s` steps have accumulated (blocks straddle examples).
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

    /// Current parameters, every lazy row brought up to date.
    pub fn params(&mut self, net: &Network) -> &Params {
        self.settle(net);
        self.params.w.resize(self.w.len(), 0.0);
        self.rows.to_param_layout(&self.w, &mut self.params.w);
        &self.params
    }

    /// Current parameters, every lazy row brought up to date, without a copy of W: the
    /// snapshot shares W with the learner, which copies it before it next writes to it while
    /// the snapshot lives (copy-on-write).
    pub fn snapshot(&mut self, net: &Network) -> ParamsSnapshot {
        self.settle(net);
        ParamsSnapshot::new(
            net,
            Arc::clone(&self.w),
            self.params.v.clone(),
            self.params.gamma.clone(),
        )
    }

    /// Whether `snapshot` shares this learner's W (no copy of it is made for the snapshot).
    pub fn shares_w_with(&self, snapshot: &ParamsSnapshot) -> bool {
        snapshot.shares_w(&self.w)
    }

    /// Adopts a global model (eligibility, learning signal and history are kept).
    ///
    /// # Errors
    /// [`SnnError::ParamsShape`] when `p` does not have `net`'s shapes; the learner is unchanged.
    pub fn set_params(&mut self, net: &Network, p: &Params) -> Result<(), SnnError> {
        net.check_params(p)?;
        self.adopt_parts(net, &p.w, &p.v, &p.gamma);
        Ok(())
    }

    /// Adopts a global model laid out flat, W ++ V ++ gamma (the `Params` layouts one after
    /// another), without building a `Params`: W is written once into its internal layout.
    ///
    /// # Errors
    /// [`SnnError::ParamsShape`] (field `flat`) when `flat` has the wrong length; the learner is
    /// unchanged.
    pub fn set_params_flat(&mut self, net: &Network, flat: &[f64]) -> Result<(), SnnError> {
        let (nw, nv) = (self.w.len(), self.params.v.len());
        let expected = nw + nv + self.params.gamma.len();
        if flat.len() != expected {
            return Err(SnnError::ParamsShape {
                field: "flat",
                found: flat.len(),
                expected,
            });
        }
        let (w, rest) = flat.split_at(nw);
        let (v, gamma) = rest.split_at(nv);
        self.adopt_parts(net, w, v, gamma);
        Ok(())
    }

    /// Brings the stale rows' eligibility up to date (their W is overwritten next), then takes
    /// `w` (`Params` layout), `v` and `gamma`, whose shapes are checked.
    fn adopt_parts(&mut self, net: &Network, w: &[f64], v: &[f64], gamma: &[f64]) {
        self.settle(net);
        self.rows.to_internal_layout(w, writable(&mut self.w));
        self.carry_valid = false;
        self.shed_params_view();
        self.params.v.copy_from_slice(v);
        self.params.gamma.copy_from_slice(gamma);
    }

    /// Folds the spike-time groups into their members' rows (and frees them: a device holds
    /// them only while it trains) and brings every row up to date. W is written (and so copied
    /// if a snapshot shares it) only if something was not up to date.
    fn settle(&mut self, net: &Network) {
        if !self.groups.is_empty() {
            let w = writable(&mut self.w);
            self.groups.fold_all(net, &mut self.rows, w, self.blocks);
        }
        self.groups = SpikeGroups::default();
        if self.rows.behind(self.blocks) {
            self.rows.catch_up_all(writable(&mut self.w), self.blocks);
        }
        self.rows.requeue(self.blocks);
    }

    /// Drops the `Params`-layout copy of W that [`Learner::params`] fills (W is then held once,
    /// in the internal layout); the next call to `params` rebuilds it.
    pub fn shed_params_view(&mut self) {
        self.params.w = Vec::new();
    }

    /// Completed blocks, i.e. local updates or global iterations \[count\].
    pub fn global_iterations(&self) -> u64 {
        self.blocks
    }

    /// Sum over all synapses of |g_W| per basis index k since the last reset, `[K_a]`
    /// (always tracked; what the paper's selective exchange ranks).
    pub fn abs_grad_w(&self) -> &[f64] {
        &self.abs_grad_basis
    }

    /// Accumulated |g_W| per `(l, j, k)` since the last reset, if enabled with
    /// [`Learner::track_abs_grad_full`].
    pub fn abs_grad_w_full(&self) -> Option<&[f64]> {
        self.abs_grad_full.as_deref()
    }

    /// Turns the per-entry |g_W| accumulator on (allocating `[L][N][K_a]`) or off.
    pub fn track_abs_grad_full(&mut self, on: bool) {
        self.abs_grad_full = on.then(|| vec![0.0; self.w.len()].into_boxed_slice());
        // It decides how the inputs' traces are kept: built afresh in the new way.
        self.traces.invalidate();
    }

    /// Zeroes the |g_W| accumulators (after an upload).
    pub fn reset_abs_grad(&mut self) {
        self.abs_grad_basis.iter_mut().for_each(|a| *a = 0.0);
        if let Some(full) = &mut self.abs_grad_full {
            full.iter_mut().for_each(|a| *a = 0.0);
        }
    }

    /// Whether its arrays have `net`'s shapes (a learner restored from a checkpoint; its
    /// `params.w` view may have been shed).
    pub fn fits(&self, net: &Network) -> bool {
        let z = net.zero_params();
        self.w.len() == z.w.len()
            && (self.params.w.is_empty() || self.params.w.len() == z.w.len())
            && self.params.v.len() == z.v.len()
            && self.params.gamma.len() == z.gamma.len()
            && self.u.len() == net.n_learnable_neurons()
    }

    /// Heap and inline size of this learner \[bytes\].
    pub fn memory_bytes(&self) -> usize {
        let vecs = self.params.w.capacity()
            + self.w.len()
            + self.params.v.capacity() * 3
            + self.params.gamma.capacity() * 3
            + self.u.capacity() * 3
            + self.carry.capacity()
            + self.abs_grad_basis.capacity()
            + self.abs_grad_full.as_ref().map_or(0, |a| a.len());
        // W's `Arc` holds its two reference counts before the values.
        std::mem::size_of::<Self>()
            + 2 * std::mem::size_of::<usize>()
            + vecs * 8
            + self.spikes.capacity()
            + self.spiked_now.capacity()
            + self.fresh.capacity() * 4
            + self.rows.memory_bytes()
            + self.groups.memory_bytes()
            + self.history.memory_bytes()
            + self.traces.memory_bytes()
    }

    /// Closes the block with smoothed signal `signal`; W rows were already updated if `fused`.
    fn end_block(&mut self, net: &Network, signal: f64, fused: bool) {
        let cfg = net.config();
        let (kappa, eta, n_hidden, k_fb) = (cfg.kappa, cfg.eta, cfg.n_hidden, cfg.k_fb);
        let scale = |l: usize| if l < n_hidden { eta * signal } else { eta };
        dense_block_update(
            kappa,
            self.blocks,
            &mut self.params.gamma,
            &mut self.elig_gamma,
            &mut self.grad_gamma,
            scale,
        );
        dense_block_update(
            kappa,
            self.blocks,
            &mut self.params.v,
            &mut self.elig_v,
            &mut self.grad_v,
            |i| scale(i / k_fb),
        );
        self.blocks = if fused {
            self.blocks + 1
        } else {
            let w = writable(&mut self.w);
            self.rows.end_block(net, w, self.blocks, signal)
        };
        self.learning_signal = signal;
        self.last_block_sum = self.block_sum;
        self.block_sum = 0.0;
        self.steps_in_block = 0;
    }
}

/// W to write to, copied first if a snapshot shares it (copy-on-write).
#[inline]
fn writable(w: &mut Arc<[f64]>) -> &mut [f64] {
    Arc::make_mut(w)
}

/// Whether the CPU runs [`Learner::step_wide`]: AVX2 with the bit-manipulation and count
/// instructions of the same generation (x86-64-v3 without FMA).
/// Checked once per process: a step reads the answer only.
#[cfg(target_arch = "x86_64")]
#[inline]
fn wide_cpu() -> bool {
    static WIDE: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt")
    });
    *WIDE
}

impl Learner {
    /// [`Learner::step`] compiled for AVX2, BMI and POPCNT, with the step's hot parts inlined
    /// into it. Plain multiplies and adds are never fused into FMAs (not enabled, and Rust does
    /// not contract), and libm is called as elsewhere, so the bits are those of the portable
    /// build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
    fn step_wide(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        sampler: &mut impl SpikeSampler,
    ) -> StepStats {
        self.step(net, inputs, label, step_in_example, sampler)
    }

    /// One training step (see [`OnlineLearner::train_step_with`]).
    #[inline(always)]
    fn step(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        sampler: &mut impl SpikeSampler,
    ) -> StepStats {
        let cfg = net.config();
        let (k_ff, k_fb, n_in) = (cfg.k_ff, cfg.k_fb, cfg.n_inputs);
        let blocks = self.blocks;
        // A step writes W: copied first if a snapshot still shares it.
        let w = writable(&mut self.w);
        if step_in_example == 0 {
            // The example's spikes leave the window: so do their groups.
            self.groups.fold_all(net, &mut self.rows, w, blocks);
            self.history.reset();
        }
        let fused = cfg.delta_s == 1;
        // The inputs' rows go by spike-time groups (with Delta_s = 1 after the first block).
        let groupable = self.abs_grad_full.is_none()
            && self.traces.has_masks()
            && net.inputs_feed_all()
            && k_ff <= 16;
        let grouped = (!fused || blocks > 0) && groupable;
        // Groups read the history and, made at Delta_s = 1, their members' masks (brought up
        // from their last spike on demand), not the inputs' traces: only the inputs'
        // synaptic-operation count is kept at every step.
        let kept = if grouped {
            InputTraces::Counted
        } else {
            InputTraces::Masks
        };
        self.traces.compute(net, &self.history, kept);
        let mut stats = StepStats::default();
        if grouped {
            let window = Window {
                net,
                history: &self.history,
                traces: &self.traces,
            };
            self.groups.make_missing(&window, &mut self.rows, w, blocks);
        } else if !self.groups.is_empty() {
            self.groups.fold_all(net, &mut self.rows, w, blocks);
        }

        // Potentials: bias, own feedback, then the recently active presynaptic neurons only.
        for l in 0..self.u.len() {
            let v = &self.params.v[l * k_fb..(l + 1) * k_fb];
            let fb = &self.traces.fb[l * k_fb..(l + 1) * k_fb];
            self.u[l] = self.params.gamma[l] + v.iter().zip(fb).map(|(a, b)| a * b).sum::<f64>();
        }
        if grouped {
            self.groups.add_potentials(net, &mut self.u);
        }
        let use_carry = self.carry_valid && step_in_example != 0 && self.carry_grouped == grouped;
        if use_carry {
            for (u, &c) in self.u.iter_mut().zip(&self.carry) {
                *u += c;
            }
        }
        stats.synaptic_ops = self.traces.synaptic_ops(net);
        let n_rowwise = if grouped { n_in as u32 } else { 0 };
        // Grouped, the rows left are those of learnable presynaptic neurons (with the table,
        // kept apart from the active inputs): none without hidden neurons, and the loops below
        // are skipped.
        let rowwise = !grouped || net.learnable_feed_some();
        let active = match (rowwise, grouped) {
            (false, _) => &[][..],
            (true, true) => self.traces.active_learnable(),
            (true, false) => &self.traces.active[..],
        };
        let newcomers = if rowwise && use_carry {
            &self.fresh[..]
        } else {
            active
        };
        for &j in newcomers.iter().filter(|&&j| j >= n_rowwise) {
            let j = j as usize;
            let trace = self.traces.ff_of(net, j);
            for &l in net.postsynaptic(j) {
                let l = l as usize;
                let row = self.rows.row(l, j);
                self.rows.catch_up(w, row, blocks);
                let row_w = &w[row * k_ff..(row + 1) * k_ff];
                self.u[l] += super::neuron::dot(row_w, trace);
            }
        }

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
        let closes_block = self.steps_in_block + 1 == cfg.delta_s;
        let signal = smooth_signal(cfg.kappa, blocks, self.learning_signal, self.block_sum);
        if fused {
            self.rows.open_fused_block(net, w, blocks, signal);
        }

        let carrying = fused && net.ff_by_mask().is_some();
        // This step's spikes, and the neurons they make active: not covered by `carry`. Only
        // the next step's row-wise potentials read them (and `spiked_now`, the carry below).
        let track_fresh = carrying && rowwise;
        self.fresh.clear();
        if track_fresh {
            let spiking = inputs.iter().copied().filter(|&i| (i as usize) < n_in);
            let learnable = (0..self.spikes.len()).filter(|&l| self.spikes[l]);
            for j in spiking.chain(learnable.map(|l| (n_in + l) as u32)) {
                let flag = &mut self.spiked_now[j as usize];
                if !*flag && self.traces.is_silent(j as usize) {
                    self.fresh.push(j);
                }
                *flag = true;
            }
        }
        self.carry.iter_mut().for_each(|c| *c = 0.0);

        // Gradients into the eligibility rows of the active synapses.
        let weight = self.rows.gradient_weight(blocks);
        let n = net.n_neurons();
        for &j in active.iter().filter(|&&j| j >= n_rowwise) {
            let j = j as usize;
            let trace = self.traces.ff_of(net, j);
            let posts = net.postsynaptic(j);
            let abs_err_sum = if fused {
                let next = if carrying {
                    self.traces.next_ff_of(net, j, self.spiked_now[j])
                } else {
                    None
                };
                self.rows.fused_presynaptic(
                    w,
                    j,
                    posts,
                    blocks,
                    trace,
                    next,
                    &mut self.carry,
                    &self.err,
                    cfg.eta * signal,
                )
            } else {
                let mut abs_err_sum = 0.0;
                for &l in posts {
                    let l = l as usize;
                    let err = self.err[l];
                    abs_err_sum += err.abs();
                    let scaled = weight * err;
                    let e = self.rows.touch(self.rows.row(l, j), blocks);
                    for (e, &x) in e.iter_mut().zip(trace) {
                        *e += scaled * x;
                    }
                }
                abs_err_sum
            };
            if let Some(full) = &mut self.abs_grad_full {
                for &l in posts {
                    let abs_err = self.err[l as usize].abs();
                    let at = (l as usize * n + j) * k_ff;
                    for (a, &x) in full[at..at + k_ff].iter_mut().zip(trace) {
                        *a += abs_err * x.abs();
                    }
                }
            }
            // Traces are non-negative: sum_l |err_l x_jk| = x_jk sum_l |err_l|.
            for (a, &x) in self.abs_grad_basis.iter_mut().zip(trace) {
                *a += abs_err_sum * x;
            }
        }
        if grouped {
            let rule = GroupStep {
                kappa: cfg.kappa,
                err: &self.err,
                n_hidden: cfg.n_hidden,
                hidden_scale: cfg.eta * signal,
                eta: cfg.eta,
            };
            let mut trace_sum = [0.0; 16];
            let trace_sum = &mut trace_sum[..k_ff];
            self.groups.step(net, &rule, trace_sum);
            // Traces are non-negative and every input feeds every learnable neuron:
            // sum over inputs and l of |err_l x_jk| = (sum_l |err_l|) (sum_j x_jk).
            let abs_err_sum: f64 = self.err.iter().map(|e| e.abs()).sum();
            for (a, &x) in self.abs_grad_basis.iter_mut().zip(trace_sum.iter()) {
                *a += abs_err_sum * x;
            }
            self.groups
                .retire_last(net, &self.history, &mut self.rows, w, blocks);
            if !fused && closes_block {
                // The block's gradients go into the traces before its update.
                self.groups.fold_all(net, &mut self.rows, w, blocks);
            }
        }
        for l in 0..self.u.len() {
            self.grad_gamma[l] += self.err[l];
            for k in 0..k_fb {
                self.grad_v[l * k_fb + k] += self.err[l] * self.traces.fb[l * k_fb + k];
            }
        }

        if track_fresh {
            let spiking = inputs.iter().copied().filter(|&i| (i as usize) < n_in);
            for j in spiking.chain(self.fresh.iter().copied()) {
                self.spiked_now[j as usize] = false;
            }
            for l in (0..self.spikes.len()).filter(|&l| self.spikes[l]) {
                self.spiked_now[n_in + l] = false;
            }
        }
        self.carry_valid = carrying;
        self.carry_grouped = grouped;
        let slot = self.history.push();
        slot.extend(inputs.iter().copied().filter(|&i| (i as usize) < n_in));
        for (l, &s) in self.spikes.iter().enumerate() {
            if s {
                slot.push((n_in + l) as u32);
                stats.spikes += 1;
            }
        }
        self.steps_in_block += 1;
        if closes_block {
            self.end_block(net, signal, fused);
        }
        stats
    }
}

impl OnlineLearner for Learner {
    fn train_step_with(
        &mut self,
        net: &Network,
        inputs: &[u32],
        label: usize,
        step_in_example: usize,
        sampler: &mut impl SpikeSampler,
    ) -> StepStats {
        #[cfg(target_arch = "x86_64")]
        if wide_cpu() {
            // SAFETY: the CPU has every feature `step_wide` is compiled for, checked just above.
            return unsafe { self.step_wide(net, inputs, label, step_in_example, sampler) };
        }
        self.step(net, inputs, label, step_in_example, sampler)
    }

    fn current_params(&mut self, net: &Network) -> Params {
        self.params(net).clone()
    }

    fn eligibility(&mut self, net: &Network) -> Params {
        self.settle(net);
        let mut w = vec![0.0; self.w.len()];
        self.rows.to_param_layout(&self.rows.e, &mut w);
        Params {
            w,
            v: self.elig_v.clone(),
            gamma: self.elig_gamma.clone(),
        }
    }

    fn adopt_params(&mut self, net: &Network, p: &Params) -> Result<(), SnnError> {
        self.set_params(net, p)
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
        self.traces.ff_owned(j)
    }

    fn fb_trace(&self, l: usize) -> Vec<f64> {
        let k = self.params.v.len() / self.u.len().max(1);
        self.traces
            .fb
            .get(l * k..(l + 1) * k)
            .map(<[f64]>::to_vec)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snn::{DenseLearner, SnnConfig};
    use rand::SeedableRng;

    fn net_and_params() -> (Network, Params) {
        let net = Network::new(SnnConfig::paper(6, 2, 2)).expect("valid");
        let params = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(5));
        (net, params)
    }

    #[test]
    fn new_refuses_parameters_of_the_wrong_shape() {
        let (net, params) = net_and_params();
        let expected = params.w.len();
        let short_w = Params {
            w: params.w[1..].to_vec(),
            ..params.clone()
        };
        let want = || SnnError::ParamsShape {
            field: "w",
            found: expected - 1,
            expected,
        };
        assert_eq!(Learner::new(&net, short_w.clone()).err(), Some(want()));
        assert_eq!(DenseLearner::new(&net, short_w).err(), Some(want()));
        assert!(Learner::new(&net, params.clone()).is_ok());
        assert!(DenseLearner::new(&net, params).is_ok());
    }

    #[test]
    fn adopting_parameters_of_the_wrong_shape_is_an_error_and_changes_nothing() {
        let (net, params) = net_and_params();
        let mut long_gamma = net.zero_params();
        long_gamma.gamma.push(1.0);
        let want = || SnnError::ParamsShape {
            field: "gamma",
            found: params.gamma.len() + 1,
            expected: params.gamma.len(),
        };
        let mut sparse = Learner::new(&net, params.clone()).expect("shapes");
        assert_eq!(sparse.set_params(&net, &long_gamma), Err(want()));
        assert_eq!(sparse.adopt_params(&net, &long_gamma), Err(want()));
        assert_eq!(sparse.params(&net), &params, "sparse learner unchanged");
        let mut dense = DenseLearner::new(&net, params.clone()).expect("shapes");
        assert_eq!(dense.adopt_params(&net, &long_gamma), Err(want()));
        assert_eq!(
            dense.current_params(&net),
            params,
            "dense learner unchanged"
        );

        let zero = net.zero_params();
        assert_eq!(sparse.set_params(&net, &zero), Ok(()));
        assert_eq!(sparse.params(&net), &zero, "a well-shaped model is adopted");
        assert_eq!(dense.adopt_params(&net, &zero), Ok(()));
        assert_eq!(dense.current_params(&net), zero);
    }

    /// Random input spikes: each of `n` inputs fires with probability `density` per step.
    fn spike_trains(n: u32, density: f64, steps: usize, seed: u64) -> Vec<Vec<u32>> {
        use rand::Rng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..steps)
            .map(|_| (0..n).filter(|_| rng.random::<f64>() < density).collect())
            .collect()
    }

    /// Runs `steps` through `learner` (examples of 40 steps, labels alternating), with hidden
    /// spikes drawn from `rng`; returns whether spike-time groups were live at some step end.
    fn train(
        learner: &mut Learner,
        net: &Network,
        steps: &[Vec<u32>],
        from: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> bool {
        let mut grouped = false;
        for (s, inputs) in steps.iter().enumerate() {
            let s = from + s;
            learner.train_step(net, inputs, (s / 40) % 2, s % 40, rng);
            grouped |= !learner.groups.is_empty();
        }
        grouped
    }

    fn bits(p: &Params) -> Vec<u64> {
        [&p.w[..], &p.v, &p.gamma]
            .concat()
            .iter()
            .map(|x| x.to_bits())
            .collect()
    }

    #[test]
    fn spike_time_groups_agree_with_the_per_row_path() {
        // The per-entry |g_W| tracker keeps a learner on the per-row path: the two differ
        // only in the order of float sums.
        for (n_hidden, delta_s) in [(0, 1), (5, 1), (0, 7), (0, 4)] {
            let cfg = SnnConfig {
                delta_s,
                ..SnnConfig::paper(60, n_hidden, 2)
            };
            let net = Network::new(cfg).expect("valid");
            // With hidden neurons and Delta_s > 1 rounding differences grow through the learning
            // signal on these random networks, for the per-row path against the dense reference
            // as much (`tests/snn/equivalence.rs` covers that case).
            let tolerance = 1e-12;
            let init = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
            let mut grouped = Learner::new(&net, init.clone()).expect("shapes");
            let mut per_row = Learner::new(&net, init).expect("shapes");
            per_row.track_abs_grad_full(true);
            let steps = spike_trains(60, 0.08, 1200, 4);
            let (mut rng_a, mut rng_b) = (
                rand_chacha::ChaCha8Rng::seed_from_u64(9),
                rand_chacha::ChaCha8Rng::seed_from_u64(9),
            );
            let mut used = false;
            for (chunk, part) in steps.chunks(300).enumerate() {
                used |= train(&mut grouped, &net, part, chunk * 300, &mut rng_a);
                assert!(!train(&mut per_row, &net, part, chunk * 300, &mut rng_b));
                // Reading the parameters mid-example folds the groups away.
                let (a, b) = (grouped.params(&net).clone(), per_row.params(&net).clone());
                let scale = b.w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for (x, y) in a.w.iter().zip(&b.w).chain(a.v.iter().zip(&b.v)) {
                    assert!(
                        (x - y).abs() <= tolerance * scale,
                        "{n_hidden} hidden, Delta_s {delta_s}, chunk {chunk}: {x} vs {y}"
                    );
                }
                for (x, y) in grouped.abs_grad_w().iter().zip(per_row.abs_grad_w()) {
                    assert!((x - y).abs() <= tolerance * y.abs(), "|g_W|: {x} vs {y}");
                }
                let ea = grouped.eligibility(&net);
                let eb = per_row.eligibility(&net);
                for (x, y) in ea.w.iter().zip(&eb.w) {
                    assert!((x - y).abs() <= tolerance, "eligibility: {x} vs {y}");
                }
                // A global model adopted mid-example.
                let global =
                    net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(chunk as u64));
                grouped.set_params(&net, &global).expect("shapes");
                per_row.set_params(&net, &global).expect("shapes");
            }
            assert!(used, "the groups were used");
            assert!(grouped.abs_grad_w().iter().any(|&a| a > 0.0));
        }
    }

    /// The step compiled for AVX2 and BMI against the portable one, on the grouped paths
    /// (Delta_s 1 and 7, with and without hidden neurons) and the per-row path, with models
    /// adopted mid-example: the same bits at every chunk.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_wide_step_gives_the_bits_of_the_portable_one() {
        if !wide_cpu() {
            eprintln!("this CPU lacks AVX2 or BMI: the wide step is never taken, nothing to check");
            return;
        }
        for (n_hidden, delta_s, per_row) in
            [(0, 1, false), (5, 1, false), (0, 7, false), (3, 1, true)]
        {
            let net = Network::new(SnnConfig {
                delta_s,
                ..SnnConfig::paper(60, n_hidden, 2)
            })
            .expect("valid");
            let init = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
            let mut wide = Learner::new(&net, init.clone()).expect("shapes");
            let mut portable = Learner::new(&net, init).expect("shapes");
            wide.track_abs_grad_full(per_row);
            portable.track_abs_grad_full(per_row);
            let steps = spike_trains(60, 0.08, 1200, 4);
            let (mut rng_a, mut rng_b) = (
                rand_chacha::ChaCha8Rng::seed_from_u64(9),
                rand_chacha::ChaCha8Rng::seed_from_u64(9),
            );
            for (chunk, part) in steps.chunks(300).enumerate() {
                for (s, inputs) in part.iter().enumerate() {
                    let s = chunk * 300 + s;
                    let (label, at) = ((s / 40) % 2, s % 40);
                    // SAFETY: the CPU has the features, checked above.
                    let a = unsafe {
                        wide.step_wide(&net, inputs, label, at, &mut RngSampler(&mut rng_a))
                    };
                    let b = portable.step(&net, inputs, label, at, &mut RngSampler(&mut rng_b));
                    assert_eq!(a, b, "step {s}");
                }
                let case = format!("{n_hidden} hidden, Delta_s {delta_s}, chunk {chunk}");
                assert_eq!(
                    bits(wide.params(&net)),
                    bits(portable.params(&net)),
                    "{case}"
                );
                let (ea, eb) = (wide.eligibility(&net), portable.eligibility(&net));
                assert_eq!(bits(&ea), bits(&eb), "eligibility, {case}");
                let abs_bits = |l: &Learner| {
                    l.abs_grad_w()
                        .iter()
                        .map(|x| x.to_bits())
                        .collect::<Vec<_>>()
                };
                assert_eq!(abs_bits(&wide), abs_bits(&portable), "|g_W|, {case}");
                let global =
                    net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(chunk as u64));
                wide.set_params(&net, &global).expect("shapes");
                portable.set_params(&net, &global).expect("shapes");
            }
        }
    }

    #[test]
    fn a_learner_saved_with_live_groups_goes_on_bit_for_bit() {
        for delta_s in [1, 5] {
            saved_with_live_groups(delta_s);
        }
    }

    fn saved_with_live_groups(delta_s: usize) {
        let cfg = SnnConfig {
            delta_s,
            ..SnnConfig::paper(60, 4, 2)
        };
        let net = Network::new(cfg).expect("valid");
        let init = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let mut learner = Learner::new(&net, init).expect("shapes");
        let steps = spike_trains(60, 0.1, 400, 2);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        // Stop mid-example, with groups live.
        assert!(train(&mut learner, &net, &steps[..137], 0, &mut rng));
        assert!(!learner.groups.is_empty());
        let bytes = crate::sim::encode(&learner).expect("encodes");
        let mut restored: Learner = crate::sim::decode(&bytes).expect("decodes");
        let mut rng_restored = rng.clone();
        train(&mut learner, &net, &steps[137..], 137, &mut rng);
        train(&mut restored, &net, &steps[137..], 137, &mut rng_restored);
        assert_eq!(bits(learner.params(&net)), bits(restored.params(&net)));
        assert_eq!(learner.abs_grad_w(), restored.abs_grad_w());
    }

    #[test]
    fn synaptic_operations_are_counted_alike_after_a_restore_mid_example() {
        // The inputs' count is kept as the masks change and not saved: a restored learner
        // counts by a pass over the active neurons until its next example, with the same result.
        for (hidden, delta_s) in [(0, 1), (0, 80), (4, 1)] {
            let cfg = SnnConfig {
                delta_s,
                ..SnnConfig::paper(60, hidden, 2)
            };
            let net = Network::new(cfg).expect("valid");
            let init = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
            let mut learner = Learner::new(&net, init).expect("shapes");
            let steps = spike_trains(60, 0.1, 200, 4);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            train(&mut learner, &net, &steps[..97], 0, &mut rng);
            assert!(learner.traces.input_nonzero_kept());
            let bytes = crate::sim::encode(&learner).expect("encodes");
            let mut restored: Learner = crate::sim::decode(&bytes).expect("decodes");
            assert!(!restored.traces.input_nonzero_kept());
            let mut rng_restored = rng.clone();
            let mut counted = 0;
            for (s, inputs) in steps.iter().enumerate().skip(97) {
                let (label, t) = ((s / 40) % 2, s % 40);
                let a = learner.train_step(&net, inputs, label, t, &mut rng);
                let b = restored.train_step(&net, inputs, label, t, &mut rng_restored);
                assert_eq!(a.synaptic_ops, b.synaptic_ops, "step {s}");
                assert_eq!(a.synaptic_ops, learner.traces.synaptic_ops_recounted(&net));
                counted += a.synaptic_ops;
            }
            assert!(counted > 0);
            assert!(
                restored.traces.input_nonzero_kept(),
                "kept again from the next example"
            );
        }
    }

    /// The flat model a snapshot reads, position by position.
    fn read(snapshot: &ParamsSnapshot) -> Vec<f64> {
        (0..snapshot.len())
            .filter_map(|p| snapshot.get(p))
            .collect()
    }

    #[test]
    fn a_snapshot_shares_w_until_the_learner_writes_to_it() {
        let (net, params) = net_and_params();
        let mut learner = Learner::new(&net, params.clone()).expect("shapes");
        let mut twin = Learner::new(&net, params).expect("shapes");
        let steps = spike_trains(6, 0.3, 120, 1);
        let (mut rng, mut twin_rng) = (
            rand_chacha::ChaCha8Rng::seed_from_u64(2),
            rand_chacha::ChaCha8Rng::seed_from_u64(2),
        );
        train(&mut learner, &net, &steps[..50], 0, &mut rng);
        train(&mut twin, &net, &steps[..50], 0, &mut twin_rng);
        let snapshot = learner.snapshot(&net);
        assert!(learner.shares_w_with(&snapshot), "no copy of W");
        // Reading the parameters settles the twin as taking the snapshot settled the learner.
        twin.params(&net);
        let flat = |p: &Params| [&p.w[..], &p.v, &p.gamma].concat();
        let then = flat(learner.params(&net));
        assert!(
            learner.shares_w_with(&snapshot),
            "reading settled parameters writes nothing"
        );
        assert_eq!(read(&snapshot), then, "the snapshot reads the flat model");
        // In bulk, rounded to f32: every position, and every third one (runs broken up).
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
        let all: Vec<usize> = (0..then.len() + 2).collect();
        let mut want = f32s(&then);
        want.extend([f32::NAN; 2]);
        let got = snapshot.gather_f32(&all);
        assert_eq!(got.len(), want.len());
        assert!(got
            .iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        let thirds: Vec<usize> = (1..then.len()).step_by(3).collect();
        let want: Vec<f32> = thirds.iter().map(|&p| then[p] as f32).collect();
        assert_eq!(snapshot.gather_f32(&thirds), want);
        assert!(snapshot.fits_f32());
        assert_eq!(snapshot.len(), then.len());
        assert_eq!(snapshot.get(then.len()), None);

        // Training writes to W: copied first, the snapshot keeps its values.
        train(&mut learner, &net, &steps[50..], 50, &mut rng);
        train(&mut twin, &net, &steps[50..], 50, &mut twin_rng);
        assert!(
            !learner.shares_w_with(&snapshot),
            "W copied before the write"
        );
        assert_eq!(
            read(&snapshot),
            then,
            "a later write leaves the snapshot alone"
        );
        let now = flat(learner.params(&net));
        assert_ne!(now, then, "the learner moved on");
        assert_eq!(
            bits(learner.params(&net)),
            bits(twin.params(&net)),
            "as with a copy"
        );

        // So does adopting a model.
        let snapshot = learner.snapshot(&net);
        learner
            .set_params(&net, &net.zero_params())
            .expect("shapes");
        assert!(!learner.shares_w_with(&snapshot));
        assert_eq!(read(&snapshot), now);
    }
}
