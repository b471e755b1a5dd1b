//! Input synapses grouped by spike time: the Delta_s = 1 step without a pass over every row of
//! every input still in the window.
//!
//! An input's feedforward trace is the sum, over its spikes in the window, of the basis at their
//! lags, and the learning rule is linear in the trace. So the inputs that spiked at one step (a
//! *group*, live while that step is in the window: at most tau groups) are updated together. Per
//! live group `g` and learnable neuron `l` (K values each):
//! - `w_sum`, `e_sum`: the sums over the members of `w_lj` and `e_lj`. Per step
//!   `e_sum = kappa e_sum + c_l X_g` and `w_sum += s_l e_sum`, with
//!   `X_g = sum over live g' of C(g, g') a(g')`, `C` the inputs two groups share and `a(g')` the
//!   basis at `g'`'s lag; the inputs' share of the potential is `sum over g of a(g) . w_sum`.
//! - `e_own`, `w_own`: what `g`'s spike added to each member's row since the group was made:
//!   `e_own = kappa e_own + c_l a(g)` and `w_own += s_l e_own`.
//!
//! Here `c_l = (1 - kappa) err_l` and `s_l` is the row's learning rate (eta, or eta times the
//! learning signal for hidden rows). A member's true row is its stored row, lazily decayed by
//! [`LazyRows`] as if it had no trace, plus the `own` parts of its live groups. A group is made
//! from its members' true rows; when it leaves the window (or the example ends, or something
//! reads the rows) its `own` parts are folded into the members' stored rows. A row is then read
//! twice per spike instead of at every step of the window, and a step costs
//! `tau x L x K` whatever the number of active inputs.
//!
//! With Delta_s > 1 the weights hold still within a block and gradients add up in the traces
//! until the block ends ([`LazyRows::touch`]). A group then keeps `w_sum` (made at the first
//! step of the block it lives in) and, in `e_own`, its own gradient summed over the block's
//! steps, `sum over steps of err_l a(g)`; when it leaves the window or the block ends, each
//! member's trace gets that sum (times the block's gradient weight), and the group is made
//! again at the next block's first step.
//!
//! The results equal the per-row path's in exact arithmetic; the float sums run in another order,
//! so the last bits differ (`tests/snn/equivalence.rs` holds both to the dense reference).

use super::history::{SpikeHistory, Traces};
use super::lazy::LazyRows;
use super::Network;

/// `time` of a slot without a group.
const NONE: u64 = u64::MAX;

/// The live groups, one slot per step of the window (slot = step mod tau).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct SpikeGroups {
    /// The spike history's push count of each slot's step, or [`NONE`], `[tau]`.
    #[serde(with = "super::capacity")]
    time: Vec<u64>,
    /// Inputs of each slot's group, ascending, without repeats.
    #[serde(with = "super::capacity::nested")]
    members: Vec<Vec<u32>>,
    /// `[tau][L][K]` each, see the module documentation.
    #[serde(with = "super::capacity")]
    w_sum: Vec<f64>,
    #[serde(with = "super::capacity")]
    e_sum: Vec<f64>,
    #[serde(with = "super::capacity")]
    w_own: Vec<f64>,
    #[serde(with = "super::capacity")]
    e_own: Vec<f64>,
    /// Inputs two slots' groups share `[tau][tau]` (the diagonal: a group's size).
    #[serde(with = "super::capacity")]
    shared: Vec<u32>,
    /// Per slot, the sum of its row of `shared` off the diagonal `[tau]`.
    #[serde(with = "super::capacity")]
    overlaps: Vec<u32>,
    /// L x K.
    span: usize,
    k: usize,
    /// Delta_s > 1: groups live within one block (see the module documentation).
    per_block: bool,
    /// This step's live, non-empty groups `(slot, lag)`, by lag (set by
    /// [`SpikeGroups::make_missing`]).
    #[serde(skip)]
    live: Vec<(usize, usize)>,
}

/// What a step's groups are made from: the network, the spike history and its traces.
#[derive(Clone, Copy)]
pub(crate) struct Window<'a> {
    pub(crate) net: &'a Network,
    pub(crate) history: &'a SpikeHistory,
    pub(crate) traces: &'a Traces,
}

/// The constants of one step's update (with Delta_s > 1 only `err` is used).
pub(crate) struct GroupStep<'a> {
    pub(crate) kappa: f64,
    /// Errors of the learnable neurons `[L]`.
    pub(crate) err: &'a [f64],
    /// Hidden neurons (their rows learn at `hidden_scale`, outputs at `eta`) \[count\].
    pub(crate) n_hidden: usize,
    pub(crate) hidden_scale: f64,
    pub(crate) eta: f64,
}

impl SpikeGroups {
    /// Whether no group is live.
    pub(crate) fn is_empty(&self) -> bool {
        self.time.iter().all(|&t| t == NONE)
    }

    /// Allocates the slots for `net` (once).
    fn ensure(&mut self, net: &Network) {
        let cfg = net.config();
        let (tau, span) = (cfg.memory, net.n_learnable_neurons() * cfg.k_ff);
        if self.time.len() == tau && self.span == span {
            return;
        }
        *self = SpikeGroups {
            time: vec![NONE; tau],
            members: vec![Vec::new(); tau],
            w_sum: vec![0.0; tau * span],
            e_sum: vec![0.0; tau * span],
            w_own: vec![0.0; tau * span],
            e_own: vec![0.0; tau * span],
            shared: vec![0; tau * tau],
            overlaps: vec![0; tau],
            span,
            k: cfg.k_ff,
            per_block: cfg.delta_s > 1,
            live: Vec::with_capacity(tau),
        };
    }

    /// Slot of the group made of the spikes at lag `m`, if it is live.
    #[inline(always)]
    fn live_slot(&self, history: &SpikeHistory, m: usize) -> Option<usize> {
        // The history's ring slot: its push count modulo tau, like the groups' slots.
        let slot = history.slot_at_lag(m);
        (self.time[slot] == history.time_at_lag(m)).then_some(slot)
    }

    /// Makes a group for each step in the window that has none, at the start of block `blocks`
    /// (the traces are computed for this step).
    #[inline(always)]
    pub(crate) fn make_missing(
        &mut self,
        window: &Window,
        rows: &mut LazyRows,
        w: &mut [f64],
        blocks: u64,
    ) {
        let history = window.history;
        self.ensure(window.net);
        self.live.clear();
        for m in 0..history.len() {
            let slot = match self.live_slot(history, m) {
                Some(slot) => slot,
                None => self.make(window, rows, w, m, blocks),
            };
            if !self.members[slot].is_empty() {
                self.live.push((slot, m));
            }
        }
    }

    /// Makes the group of the inputs that spiked at lag `m` from their true rows; returns its
    /// slot.
    #[inline(always)]
    fn make(
        &mut self,
        window: &Window,
        rows: &mut LazyRows,
        w: &mut [f64],
        m: usize,
        blocks: u64,
    ) -> usize {
        let Window {
            net,
            history,
            traces,
        } = *window;
        let tau = self.time.len();
        let time = history.time_at_lag(m);
        let slot = history.slot_at_lag(m);
        if self.time[slot] != NONE {
            // A group that was not retired when it left the window (never expected).
            self.fold(slot, net, rows, w, blocks);
        }
        let n_in = net.config().n_inputs as u32;
        let mut members = std::mem::take(&mut self.members[slot]);
        members.clear();
        members.extend(history.lag(m).iter().copied().filter(|&j| j < n_in));
        members.sort_unstable();
        members.dedup();
        let span = self.span;
        let at = slot * span..(slot + 1) * span;
        self.w_sum[at.clone()].fill(0.0);
        self.e_sum[at.clone()].fill(0.0);
        self.w_own[at.clone()].fill(0.0);
        self.e_own[at].fill(0.0);
        let mut others = [0usize; 16];
        for &j in &members {
            let j = j as usize;
            // The member's other live groups: its other spikes in the window.
            let mut mask = if self.per_block {
                0
            } else {
                traces.mask_of(j) & !(1 << m)
            };
            let mut count = 0;
            while mask != 0 {
                let lag = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if let Some(other) = self.live_slot(history, lag) {
                    others[count] = other;
                    count += 1;
                }
            }
            rows.catch_up_neuron(w, j, blocks);
            let own = j * span..(j + 1) * span;
            let (w_sum, e_sum) = (
                &mut self.w_sum[slot * span..(slot + 1) * span],
                &mut self.e_sum[slot * span..(slot + 1) * span],
            );
            add(w_sum, &w[own.clone()]);
            if self.per_block {
                // Within a block only the summed W is read; the touched rows are queued for
                // their flush when the block ends.
                continue;
            }
            add(e_sum, &rows.e[own]);
            for &other in &others[..count] {
                let from = other * span..(other + 1) * span;
                add(w_sum, &self.w_own[from.clone()]);
                add(e_sum, &self.e_own[from]);
                self.shared[slot * tau + other] += 1;
                self.shared[other * tau + slot] += 1;
                self.overlaps[slot] += 1;
                self.overlaps[other] += 1;
            }
            rows.queue_flush(net, j, blocks);
        }
        self.shared[slot * tau + slot] = members.len() as u32;
        self.members[slot] = members;
        self.time[slot] = time;
        slot
    }

    /// Adds the inputs' share of the potentials to `u` `[L]`.
    #[inline(always)]
    pub(crate) fn add_potentials(&self, net: &Network, u: &mut [f64]) {
        let (span, k) = (self.span, self.k);
        for &(slot, m) in &self.live {
            let a = net.ff_at_lag(m);
            let w_sum = &self.w_sum[slot * span..(slot + 1) * span];
            for (u, w) in u.iter_mut().zip(w_sum.chunks_exact(k)) {
                *u += super::neuron::dot(w, a);
            }
        }
    }

    /// Applies one step's gradients to every live group, and adds the sum of the inputs' traces
    /// to `trace_sum` `[K]` (what the |g_W| per basis index needs).
    #[inline(always)]
    pub(crate) fn step(&mut self, net: &Network, rule: &GroupStep, trace_sum: &mut [f64]) {
        let (tau, span, k) = (self.time.len(), self.span, self.k);
        if self.per_block {
            for &(slot, m) in &self.live {
                let a = net.ff_at_lag(m);
                let size = f64::from(self.shared[slot * tau + slot]);
                for (t, &a) in trace_sum.iter_mut().zip(a) {
                    *t += size * a;
                }
                let own = &mut self.e_own[slot * span..(slot + 1) * span];
                for (own, &err) in own.chunks_exact_mut(k).zip(rule.err) {
                    for (g, &a) in own.iter_mut().zip(a) {
                        *g += err * a;
                    }
                }
            }
            return;
        }
        // The basis at each live group's lag, by place in `live` (at most tau <= 15 groups).
        let mut basis: [&[f64]; 16] = [&[]; 16];
        for (b, &(_, m)) in basis.iter_mut().zip(&self.live) {
            *b = net.ff_at_lag(m);
        }
        let mut x = [0.0; 16];
        for (&(slot, _), &a) in self.live.iter().zip(&basis) {
            // X_g: the sum of the members' traces.
            let x = &mut x[..k];
            x.fill(0.0);
            let size = f64::from(self.shared[slot * tau + slot]);
            if self.overlaps[slot] == 0 {
                axpy(x, size, a);
            } else {
                let shared = &self.shared[slot * tau..(slot + 1) * tau];
                for (&(other, _), &b) in self.live.iter().zip(&basis) {
                    if shared[other] != 0 {
                        axpy(x, f64::from(shared[other]), b);
                    }
                }
            }
            for (t, &a) in trace_sum.iter_mut().zip(a) {
                *t += size * a;
            }
            let at = slot * span..(slot + 1) * span;
            let group = GroupRows {
                w_sum: &mut self.w_sum[at.clone()],
                e_sum: &mut self.e_sum[at.clone()],
                w_own: &mut self.w_own[at.clone()],
                e_own: &mut self.e_own[at],
            };
            group.update(rule, x, a, k);
        }
    }

    /// Retires the group at the window's last lag, whose step leaves the window after this one:
    /// folds it into its members' rows at the end of this step, of block `blocks`.
    #[inline(always)]
    pub(crate) fn retire_last(
        &mut self,
        net: &Network,
        history: &SpikeHistory,
        rows: &mut LazyRows,
        w: &mut [f64],
        blocks: u64,
    ) {
        let tau = self.time.len();
        if tau > 0 && history.len() == tau {
            if let Some(slot) = self.live_slot(history, tau - 1) {
                // Delta_s = 1: this step's update is in the group, the rows catch up past it.
                let target = if self.per_block { blocks } else { blocks + 1 };
                self.fold(slot, net, rows, w, target);
            }
        }
    }

    /// Folds every live group into its members' rows, caught up to `blocks` (with Delta_s > 1:
    /// into their traces in the open block `blocks`).
    #[inline(always)]
    pub(crate) fn fold_all(
        &mut self,
        net: &Network,
        rows: &mut LazyRows,
        w: &mut [f64],
        blocks: u64,
    ) {
        for slot in 0..self.time.len() {
            if self.time[slot] != NONE {
                self.fold(slot, net, rows, w, blocks);
            }
        }
    }

    /// Adds a group's own parts to its members' stored rows (caught up to `blocks` first) and
    /// frees its slot. With Delta_s > 1, adds its summed gradient to the members' traces in
    /// the open block `blocks`.
    #[inline(always)]
    fn fold(
        &mut self,
        slot: usize,
        net: &Network,
        rows: &mut LazyRows,
        w: &mut [f64],
        blocks: u64,
    ) {
        let (tau, span, k) = (self.time.len(), self.span, self.k);
        let own = slot * span..(slot + 1) * span;
        let weight = rows.gradient_weight(blocks);
        for &j in self.members[slot].iter().filter(|_| self.per_block) {
            let j = j as usize;
            rows.catch_up_neuron(w, j, blocks);
            let first = rows.row(0, j);
            for (l, grad) in self.e_own[own.clone()].chunks_exact(k).enumerate() {
                let e = rows.touch(first + l, blocks);
                for (e, &g) in e.iter_mut().zip(grad) {
                    *e += weight * g;
                }
            }
        }
        for &j in self.members[slot].iter().filter(|_| !self.per_block) {
            let j = j as usize;
            rows.catch_up_neuron(w, j, blocks);
            let at = j * span..(j + 1) * span;
            add(&mut w[at.clone()], &self.w_own[own.clone()]);
            add(&mut rows.e[at], &self.e_own[own.clone()]);
            rows.queue_flush(net, j, blocks);
        }
        for other in (0..tau).filter(|&other| other != slot) {
            let shared = self.shared[slot * tau + other];
            self.overlaps[other] -= shared;
            self.shared[slot * tau + other] = 0;
            self.shared[other * tau + slot] = 0;
        }
        self.shared[slot * tau + slot] = 0;
        self.overlaps[slot] = 0;
        self.members[slot].clear();
        self.time[slot] = NONE;
    }

    /// Heap size \[bytes\].
    pub(crate) fn memory_bytes(&self) -> usize {
        let floats = self.w_sum.capacity()
            + self.e_sum.capacity()
            + self.w_own.capacity()
            + self.e_own.capacity();
        let members: usize = self.members.iter().map(|m| m.capacity() * 4 + 24).sum();
        let counts = self.shared.capacity() + self.overlaps.capacity();
        (floats + self.time.capacity() + self.live.capacity() * 2) * 8 + counts * 4 + members
    }
}

/// One live group's `[L][K]` sums and own parts.
struct GroupRows<'a> {
    w_sum: &'a mut [f64],
    e_sum: &'a mut [f64],
    w_own: &'a mut [f64],
    e_own: &'a mut [f64],
}

impl GroupRows<'_> {
    /// One step of the rule: `x` the sum of the members' traces, `a` the basis at the group's
    /// lag. Compiled for AVX2 within the learner's wide step, into which it is inlined (plain
    /// multiplies and adds, never fused: the same bits either way).
    #[inline(always)]
    fn update(self, rule: &GroupStep, x: &[f64], a: &[f64], k: usize) {
        let one_minus_kappa = 1.0 - rule.kappa;
        let rows = self
            .w_sum
            .chunks_exact_mut(k)
            .zip(self.e_sum.chunks_exact_mut(k))
            .zip(self.w_own.chunks_exact_mut(k))
            .zip(self.e_own.chunks_exact_mut(k));
        for (l, (((w_sum, e_sum), w_own), e_own)) in rows.enumerate() {
            let coeff = one_minus_kappa * rule.err[l];
            let scale = if l < rule.n_hidden {
                rule.hidden_scale
            } else {
                rule.eta
            };
            trace_step(w_sum, e_sum, x, rule.kappa, coeff, scale);
            trace_step(w_own, e_own, a, rule.kappa, coeff, scale);
        }
    }
}

/// `e = kappa e + coeff x`, then `w += scale e` (K = 8 as fixed-size arrays, which vectorise).
#[inline(always)]
fn trace_step(w: &mut [f64], e: &mut [f64], x: &[f64], kappa: f64, coeff: f64, scale: f64) {
    if let (Ok(w), Ok(e), Ok(x)) = (
        <&mut [f64; 8]>::try_from(&mut *w),
        <&mut [f64; 8]>::try_from(&mut *e),
        <&[f64; 8]>::try_from(x),
    ) {
        for k in 0..8 {
            e[k] = kappa * e[k] + coeff * x[k];
        }
        for k in 0..8 {
            w[k] += scale * e[k];
        }
        return;
    }
    for ((w, e), &x) in w.iter_mut().zip(e.iter_mut()).zip(x) {
        *e = kappa * *e + coeff * x;
        *w += scale * *e;
    }
}

/// `x += c b`, elementwise (K = 8 as fixed-size arrays, which vectorise).
#[inline(always)]
fn axpy(x: &mut [f64], c: f64, b: &[f64]) {
    if let (Ok(x), Ok(b)) = (<&mut [f64; 8]>::try_from(&mut *x), <&[f64; 8]>::try_from(b)) {
        for k in 0..8 {
            x[k] += c * b[k];
        }
        return;
    }
    for (x, &b) in x.iter_mut().zip(b) {
        *x += c * b;
    }
}

/// `to += from`, elementwise (eight at a time as fixed-size arrays, which vectorise).
#[inline]
fn add(to: &mut [f64], from: &[f64]) {
    let n = to.len().min(from.len());
    let (mut to8, mut from8) = (to[..n].chunks_exact_mut(8), from[..n].chunks_exact(8));
    for (t, f) in (&mut to8).zip(&mut from8) {
        if let (Ok(t), Ok(f)) = (<&mut [f64; 8]>::try_from(t), <&[f64; 8]>::try_from(f)) {
            for k in 0..8 {
                t[k] += f[k];
            }
        }
    }
    for (t, &f) in to8.into_remainder().iter_mut().zip(from8.remainder()) {
        *t += f;
    }
}
