//! Lazily decayed eligibility rows of W (the sparse path's core).
//!
//! Each `(l, j)` row of W and of its eligibility trace carries a stamp: the number of blocks
//! already applied to it. A row that received no gradient for `n` blocks is brought up to date in
//! closed form when it is next needed:
//! - output rows: `theta += eta * e * (kappa + ... + kappa^n)`, `e *= kappa^n`;
//! - hidden rows: `theta += eta * e * sum_{m=1..n} l_{c+m-1} kappa^m`, `e *= kappa^n`, with the
//!   learning signals `l_b` of the last R blocks kept in a ring (R: kappa^R < 1e-30). A hidden row
//!   with a non-zero trace is queued under its stamp and flushed to a zero trace R blocks later, so
//!   the ring always holds the signals a catch-up needs.
//!
//! A row touched in block B (it needs a gradient) gets stamp B+1 at once and its trace is
//! pre-decayed (`e *= kappa`, or `e = 0` in block 0, where `e_0 = G_0`); gradients then add with
//! weight `1 - kappa` (1 in block 0), and the parameter update is applied when the block ends.

use super::Network;

/// The eligibility of W and the lazy bookkeeping; W itself is passed in (it lives in `Params`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct LazyRows {
    #[serde(with = "super::capacity")]
    pub(crate) e: Vec<f64>,
    #[serde(with = "super::capacity")]
    stamp: Vec<u64>,
    #[serde(with = "super::capacity")]
    touched: Vec<u32>,
    #[serde(with = "super::capacity::nested")]
    pending: Vec<Vec<u32>>,
    #[serde(with = "super::capacity")]
    signals: Vec<f64>,
    k: usize,
    n: usize,
    l_count: usize,
    n_hidden: usize,
    kappa: f64,
    eta: f64,
    /// Last hidden catch-up `(stamp, blocks, sum, decay)`: rows of one presynaptic neuron
    /// usually share their stamp.
    memo: (u64, u64, f64, f64),
}

impl LazyRows {
    pub(crate) fn new(net: &Network) -> LazyRows {
        let cfg = net.config();
        let rows = net.n_learnable_neurons() * net.n_neurons();
        let ring = net.signal_ring_len();
        LazyRows {
            e: vec![0.0; rows * cfg.k_ff],
            stamp: vec![0; rows],
            touched: Vec::new(),
            pending: vec![Vec::new(); ring],
            signals: vec![0.0; ring],
            k: cfg.k_ff,
            n: net.n_neurons(),
            l_count: net.n_learnable_neurons(),
            n_hidden: cfg.n_hidden,
            kappa: cfg.kappa,
            eta: cfg.eta,
            memo: (u64::MAX, 0, 0.0, 0.0),
        }
    }

    /// Applies the blocks `stamp..blocks` in which `row` got no gradient.
    #[inline]
    pub(crate) fn catch_up(&mut self, w: &mut [f64], row: usize, blocks: u64) {
        let stamp = self.stamp[row];
        if stamp >= blocks {
            return;
        }
        self.stamp[row] = blocks;
        let n = blocks - stamp;
        let ring = self.signals.len() as u64;
        let (sum, decay) = if self.is_hidden(row) {
            if self.memo.0 == stamp && self.memo.1 == blocks {
                (self.memo.2, self.memo.3)
            } else {
                let terms = n.min(ring);
                let mut power = 1.0;
                let mut sum = 0.0;
                for b in stamp..stamp + terms {
                    power *= self.kappa;
                    sum += self.signals[(b % ring) as usize] * power;
                }
                let decay = if n >= ring { 0.0 } else { power };
                self.memo = (stamp, blocks, sum, decay);
                (sum, decay)
            }
        } else {
            let decay = if n >= ring {
                0.0
            } else {
                self.kappa.powi(n as i32)
            };
            (self.kappa * (1.0 - decay) / (1.0 - self.kappa), decay)
        };
        let scale = self.eta * sum;
        let span = row * self.k..(row + 1) * self.k;
        for (w, e) in w[span.clone()].iter_mut().zip(&mut self.e[span]) {
            *w += scale * *e;
            *e *= decay;
        }
    }

    /// Marks `row` as receiving gradient in block `blocks` (already caught up) and returns its
    /// trace, to which gradients are added with weight [`LazyRows::gradient_weight`].
    #[inline]
    pub(crate) fn touch(&mut self, row: usize, blocks: u64) -> &mut [f64] {
        let span = row * self.k..(row + 1) * self.k;
        if self.stamp[row] == blocks {
            self.stamp[row] = blocks + 1;
            self.touched.push(row as u32);
            let pre = if blocks == 0 { 0.0 } else { self.kappa };
            self.e[span.clone()].iter_mut().for_each(|e| *e *= pre);
        }
        &mut self.e[span]
    }

    /// Weight of a gradient in the trace during block `blocks`.
    #[inline]
    pub(crate) fn gradient_weight(&self, blocks: u64) -> f64 {
        if blocks == 0 {
            1.0
        } else {
            1.0 - self.kappa
        }
    }

    /// Ends block `blocks` with smoothed learning signal `signal`; returns the new block count.
    pub(crate) fn end_block(&mut self, w: &mut [f64], blocks: u64, signal: f64) -> u64 {
        let hidden_scale = self.eta * signal;
        for &row in &self.touched {
            let row = row as usize;
            let scale = if self.is_hidden(row) {
                hidden_scale
            } else {
                self.eta
            };
            let span = row * self.k..(row + 1) * self.k;
            for (w, e) in w[span.clone()].iter_mut().zip(&self.e[span]) {
                *w += scale * *e;
            }
        }
        let slot = self.record_signal_and_flush(w, blocks, signal);
        for &row in &self.touched {
            if self.is_hidden(row as usize) {
                self.pending[slot].push(row);
            }
        }
        self.touched.clear();
        blocks + 1
    }

    /// Stores `l_b` of block `blocks` and flushes the hidden rows last stamped R blocks before
    /// its end (their traces are now below 1e-30 of their size). Returns the queue slot of rows
    /// stamped `blocks + 1`, now empty.
    fn record_signal_and_flush(&mut self, w: &mut [f64], blocks: u64, signal: f64) -> usize {
        let ring = self.signals.len() as u64;
        self.signals[(blocks % ring) as usize] = signal;
        self.memo.0 = u64::MAX;
        let done = blocks + 1;
        let slot = (done % ring) as usize;
        if done >= ring {
            let due = done - ring;
            let mut queue = std::mem::take(&mut self.pending[slot]);
            for &row in &queue {
                if self.stamp[row as usize] == due {
                    self.catch_up(w, row as usize, done);
                }
            }
            queue.clear();
            self.pending[slot] = queue;
        } else {
            self.pending[slot].clear();
        }
        slot
    }

    /// Delta_s = 1 fast path, before the gradients of block `blocks` (its only step): stores the
    /// block's learning signal and flushes due rows. Rows then go through
    /// [`LazyRows::fused_update`], and the block needs no [`LazyRows::end_block`].
    pub(crate) fn open_fused_block(&mut self, w: &mut [f64], blocks: u64, signal: f64) {
        let _ = self.record_signal_and_flush(w, blocks, signal);
    }

    /// Delta_s = 1 fast path for a caught-up row: `e = kappa e + (1 - kappa) err x` (or
    /// `e = err x` in block 0), then `theta += scale e` with `scale` = eta (outputs,
    /// `hidden_scale = None`) or eta l_b (hidden rows, `hidden_scale = Some(eta l_b)`).
    #[inline]
    pub(crate) fn fused_update(
        &mut self,
        w: &mut [f64],
        row: usize,
        blocks: u64,
        err: f64,
        x: &[f64],
        hidden_scale: Option<f64>,
    ) {
        self.stamp[row] = blocks + 1;
        let (pre, coeff) = if blocks == 0 {
            (0.0, err)
        } else {
            (self.kappa, (1.0 - self.kappa) * err)
        };
        let hidden = hidden_scale.is_some();
        let scale = hidden_scale.unwrap_or(self.eta);
        let span = row * self.k..(row + 1) * self.k;
        let (w, e) = (&mut w[span.clone()], &mut self.e[span]);
        if let (Ok(w), Ok(e), Ok(x)) = (
            <&mut [f64; 8]>::try_from(&mut *w),
            <&mut [f64; 8]>::try_from(&mut *e),
            <&[f64; 8]>::try_from(x),
        ) {
            for k in 0..8 {
                e[k] = pre * e[k] + coeff * x[k];
                w[k] += scale * e[k];
            }
        } else {
            for ((w, e), &x) in w.iter_mut().zip(e.iter_mut()).zip(x) {
                *e = pre * *e + coeff * x;
                *w += scale * *e;
            }
        }
        if hidden {
            let ring = self.signals.len() as u64;
            self.pending[((blocks + 1) % ring) as usize].push(row as u32);
        }
    }

    /// Brings every row up to date (touched rows of the open block keep their pending update)
    /// and rebuilds the flush queues.
    pub(crate) fn catch_up_all(&mut self, w: &mut [f64], blocks: u64) {
        let ring = self.signals.len() as u64;
        self.pending.iter_mut().for_each(Vec::clear);
        for row in 0..self.stamp.len() {
            self.catch_up(w, row, blocks);
            let nonzero = self.e[row * self.k..(row + 1) * self.k]
                .iter()
                .any(|&e| e != 0.0);
            if self.is_hidden(row) && self.stamp[row] == blocks && nonzero {
                self.pending[(blocks % ring) as usize].push(row as u32);
            }
        }
    }

    /// Internal row index of synapse `j -> l`: `j * L + l`, so that the rows a presynaptic
    /// neuron feeds are contiguous.
    #[inline]
    pub(crate) fn row(&self, l: usize, j: usize) -> usize {
        j * self.l_count + l
    }

    /// Whether internal row `row` belongs to a hidden neuron.
    #[inline]
    fn is_hidden(&self, row: usize) -> bool {
        row % self.l_count < self.n_hidden
    }

    /// Copies `[N][L][K]` (internal, presynaptic-major) into `[L][N][K]` (the `Params` layout).
    pub(crate) fn to_param_layout(&self, src: &[f64], dst: &mut [f64]) {
        self.relayout(src, dst, true);
    }

    /// Copies `[L][N][K]` (the `Params` layout) into `[N][L][K]` (internal).
    pub(crate) fn to_internal_layout(&self, src: &[f64], dst: &mut [f64]) {
        self.relayout(src, dst, false);
    }

    fn relayout(&self, src: &[f64], dst: &mut [f64], to_params: bool) {
        let k = self.k;
        for l in 0..self.l_count {
            for j in 0..self.n {
                let (inner, outer) = (self.row(l, j) * k, (l * self.n + j) * k);
                let (from, to) = if to_params {
                    (inner, outer)
                } else {
                    (outer, inner)
                };
                dst[to..to + k].copy_from_slice(&src[from..from + k]);
            }
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        (self.e.capacity() + self.signals.capacity()) * 8
            + self.stamp.capacity() * 8
            + self.touched.capacity() * 4
            + self
                .pending
                .iter()
                .map(|q| q.capacity() * 4 + 24)
                .sum::<usize>()
    }
}
