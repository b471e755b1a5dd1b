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

/// Flag of a flush-queue entry standing for every hidden row of presynaptic neuron
/// `entry & !PRESYNAPTIC` (used while rows fit in 31 bits).
const PRESYNAPTIC: u32 = 1 << 31;

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
    /// Output catch-up `(sum, decay)` by block count (made at the first use).
    #[serde(skip)]
    outputs: Vec<(f64, f64)>,
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
            outputs: Vec::new(),
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
        let (sum, decay) = self.factors(stamp, blocks, self.is_hidden(row));
        self.apply(w, row..row + 1, sum, decay);
    }

    /// [`LazyRows::catch_up`] of every row of presynaptic neuron `j` (rows of one kind and one
    /// stamp share their factors, computed once).
    #[inline(always)]
    pub(crate) fn catch_up_neuron(&mut self, w: &mut [f64], j: usize, blocks: u64) {
        let first = j * self.l_count;
        if self.stamp[first..first + self.l_count]
            .iter()
            .all(|&s| s >= blocks)
        {
            return;
        }
        let hidden = first..first + self.n_hidden;
        self.catch_up_run(w, hidden.clone(), true, None, blocks);
        self.catch_up_run(w, hidden.end..first + self.l_count, false, None, blocks);
    }

    /// Catches up `rows`, all hidden or all output rows, to `blocks`; with `only`, just the
    /// rows stamped `only`. Consecutive rows with one stamp are done in one pass.
    #[inline(always)]
    fn catch_up_run(
        &mut self,
        w: &mut [f64],
        rows: std::ops::Range<usize>,
        hidden: bool,
        only: Option<u64>,
        blocks: u64,
    ) {
        let mut row = rows.start;
        while row < rows.end {
            let stamp = self.stamp[row];
            let same = self.stamp[row + 1..rows.end].iter();
            let end = row + 1 + same.take_while(|&&s| s == stamp).count();
            if stamp < blocks && only.is_none_or(|only| only == stamp) {
                self.stamp[row..end].fill(blocks);
                let (sum, decay) = self.factors(stamp, blocks, hidden);
                self.apply(w, row..end, sum, decay);
            }
            row = end;
        }
    }

    /// `theta += eta sum e`, `e *= decay` on `rows`.
    #[inline]
    fn apply(&mut self, w: &mut [f64], rows: std::ops::Range<usize>, sum: f64, decay: f64) {
        let scale = self.eta * sum;
        let span = rows.start * self.k..rows.end * self.k;
        decay_into(&mut w[span.clone()], &mut self.e[span], scale, decay);
    }

    /// `(sum, decay)` of a catch-up over the blocks `stamp..blocks` (see the module notes).
    #[inline]
    fn factors(&mut self, stamp: u64, blocks: u64, hidden: bool) -> (f64, f64) {
        let n = blocks - stamp;
        let ring = self.signals.len() as u64;
        if hidden {
            if self.memo.0 == stamp && self.memo.1 == blocks {
                return (self.memo.2, self.memo.3);
            }
            let terms = n.min(ring);
            let mut power = 1.0;
            let mut sum = 0.0;
            for b in stamp..stamp + terms {
                power *= self.kappa;
                sum += self.signals[(b % ring) as usize] * power;
            }
            let decay = if n >= ring { 0.0 } else { power };
            self.memo = (stamp, blocks, sum, decay);
            return (sum, decay);
        }
        if self.outputs.is_empty() {
            // Output factors by block count, 0..=ring (the last stands for any more).
            self.outputs = (0..=ring)
                .map(|n| {
                    let decay = if n >= ring {
                        0.0
                    } else {
                        self.kappa.powi(n as i32)
                    };
                    (self.kappa * (1.0 - decay) / (1.0 - self.kappa), decay)
                })
                .collect();
        }
        self.outputs[n.min(ring) as usize]
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
    pub(crate) fn end_block(
        &mut self,
        net: &Network,
        w: &mut [f64],
        blocks: u64,
        signal: f64,
    ) -> u64 {
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
        let slot = self.record_signal_and_flush(net, w, blocks, signal);
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
    fn record_signal_and_flush(
        &mut self,
        net: &Network,
        w: &mut [f64],
        blocks: u64,
        signal: f64,
    ) -> usize {
        let ring = self.signals.len() as u64;
        self.signals[(blocks % ring) as usize] = signal;
        self.memo.0 = u64::MAX;
        let done = blocks + 1;
        let slot = (done % ring) as usize;
        if done >= ring {
            let due = done - ring;
            let mut queue = std::mem::take(&mut self.pending[slot]);
            for &entry in &queue {
                if let Some(j) = self.presynaptic_entry(entry) {
                    let n_hidden = self.n_hidden;
                    let posts = net.postsynaptic(j);
                    // A neuron's hidden rows share their stamp (they are fused, caught up and
                    // flushed together): one later than `due` means the entry is stale.
                    let stale = posts.first().is_some_and(|&l| {
                        (l as usize) < n_hidden && self.stamp[self.row(l as usize, j)] > due
                    });
                    if stale {
                        continue;
                    }
                    let hidden = posts.iter().take_while(|&&l| (l as usize) < n_hidden);
                    if contiguous(posts).is_some() {
                        // One run of rows (every neuron of the paper's topologies).
                        let first = self.row(posts[0] as usize, j);
                        let rows = first..first + hidden.count();
                        self.catch_up_run(w, rows, true, Some(due), done);
                    } else {
                        for &l in hidden {
                            let row = self.row(l as usize, j);
                            if self.stamp[row] == due {
                                self.catch_up(w, row, done);
                            }
                        }
                    }
                } else if self.stamp[entry as usize] == due {
                    self.catch_up(w, entry as usize, done);
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
    /// [`LazyRows::fused_presynaptic`], and the block needs no [`LazyRows::end_block`].
    pub(crate) fn open_fused_block(
        &mut self,
        net: &Network,
        w: &mut [f64],
        blocks: u64,
        signal: f64,
    ) {
        let _ = self.record_signal_and_flush(net, w, blocks, signal);
    }

    /// The presynaptic neuron of a queue entry standing for all its hidden rows (see
    /// [`LazyRows::fused_presynaptic`]), or `None` for a single row.
    #[inline]
    fn presynaptic_entry(&self, entry: u32) -> Option<usize> {
        (self.stamp.len() <= PRESYNAPTIC as usize && entry & PRESYNAPTIC != 0)
            .then_some((entry & !PRESYNAPTIC) as usize)
    }

    /// Delta_s = 1 fast path for the caught-up rows `j -> l`, `l` in `posts`, of one presynaptic
    /// neuron with trace `x`: `e = kappa e + (1 - kappa) err_l x` (or `e = err_l x` in block 0),
    /// then `theta += scale e` with `scale` = eta (outputs) or `hidden_scale` = eta l_b (hidden
    /// rows). With `next` (j's trace at the coming step) adds `theta . next` to `carry[l]`.
    /// Returns `sum_l |err_l|` in `posts` order. Touched hidden rows are queued for their flush
    /// as one entry for the neuron (one per row when rows do not fit 31 bits).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fused_presynaptic(
        &mut self,
        w: &mut [f64],
        j: usize,
        posts: &[u32],
        blocks: u64,
        x: &[f64],
        next: Option<&[f64]>,
        carry: &mut [f64],
        err: &[f64],
        hidden_scale: f64,
    ) -> f64 {
        let stamp = blocks + 1;
        let base = j * self.l_count;
        let (pre, first) = if blocks == 0 {
            (0.0, true)
        } else {
            (self.kappa, false)
        };
        let (k, n_hidden, eta) = (self.k, self.n_hidden, self.eta);
        let one_minus_kappa = 1.0 - self.kappa;
        let coeff = |err: f64| if first { err } else { one_minus_kappa * err };
        let scale = |l: usize| if l < n_hidden { hidden_scale } else { eta };
        let mut abs_err_sum = 0.0;
        let x8 = <&[f64; 8]>::try_from(x).ok();
        let next8 = next.map(<&[f64; 8]>::try_from);
        let span = contiguous(posts).filter(|span| span.len() >= MIN_SPAN);
        match (x8, next8, span) {
            (Some(x), None | Some(Ok(_)), Some(span)) => {
                // Paper topologies: the posts are one run of rows, walked without index checks.
                let rows = base + span.start..base + span.end;
                self.stamp[rows.clone()].fill(stamp);
                let step = FusedStep {
                    x,
                    next: next.and_then(|n| <&[f64; 8]>::try_from(n).ok()),
                    pre,
                    first,
                    one_minus_kappa,
                    hidden_rows: n_hidden.saturating_sub(span.start).min(span.len()),
                    hidden_scale,
                    eta,
                };
                abs_err_sum = step.run(
                    &mut w[rows.start * 8..rows.end * 8],
                    &mut self.e[rows.start * 8..rows.end * 8],
                    &err[span.clone()],
                    &mut carry[span],
                );
            }
            (Some(x), None | Some(Ok(_)), None) => {
                let next = next.and_then(|n| <&[f64; 8]>::try_from(n).ok());
                for &l in posts {
                    let l = l as usize;
                    let row = base + l;
                    self.stamp[row] = stamp;
                    abs_err_sum += err[l].abs();
                    let (coeff, scale) = (coeff(err[l]), scale(l));
                    let span = row * 8..(row + 1) * 8;
                    let (w, e) = (&mut w[span.clone()], &mut self.e[span]);
                    if let (Ok(w), Ok(e)) = (
                        <&mut [f64; 8]>::try_from(&mut *w),
                        <&mut [f64; 8]>::try_from(&mut *e),
                    ) {
                        fused_row(w, e, x, pre, coeff, scale);
                    }
                    if let Some(next) = next {
                        carry[l] += super::neuron::dot(w, next);
                    }
                }
            }
            _ => {
                for &l in posts {
                    let l = l as usize;
                    let row = base + l;
                    self.stamp[row] = stamp;
                    abs_err_sum += err[l].abs();
                    let (coeff, scale) = (coeff(err[l]), scale(l));
                    let span = row * k..(row + 1) * k;
                    let (w, e) = (&mut w[span.clone()], &mut self.e[span]);
                    for ((w, e), &x) in w.iter_mut().zip(e.iter_mut()).zip(x) {
                        *e = pre * *e + coeff * x;
                        *w += scale * *e;
                    }
                    if let Some(next) = next {
                        carry[l] += super::neuron::dot(w, next);
                    }
                }
            }
        }
        self.queue_hidden(j, posts, stamp);
        abs_err_sum
    }

    /// Queues the hidden rows of presynaptic neuron `j`, caught up to `stamp`, for their flush
    /// (nothing when `j` feeds no hidden neuron).
    #[inline]
    pub(crate) fn queue_flush(&mut self, net: &Network, j: usize, stamp: u64) {
        self.queue_hidden(j, net.postsynaptic(j), stamp);
    }

    /// [`LazyRows::queue_flush`] with `j`'s postsynaptic neurons `posts`: one entry for the
    /// neuron (one per row when rows do not fit 31 bits).
    #[inline]
    fn queue_hidden(&mut self, j: usize, posts: &[u32], stamp: u64) {
        let n_hidden = self.n_hidden;
        // Without hidden neurons nothing is queued (and `posts` is not read).
        if n_hidden == 0 || posts.first().is_none_or(|&l| (l as usize) >= n_hidden) {
            return;
        }
        let ring = self.signals.len() as u64;
        let base = j * self.l_count;
        let queue = &mut self.pending[(stamp % ring) as usize];
        if self.stamp.len() <= PRESYNAPTIC as usize {
            queue.push(PRESYNAPTIC | j as u32);
        } else {
            let hidden = posts.iter().take_while(|&&l| (l as usize) < n_hidden);
            queue.extend(hidden.map(|&l| (base + l as usize) as u32));
        }
    }

    /// Whether some row is not up to date at `blocks` (a catch-up would write W).
    pub(crate) fn behind(&self, blocks: u64) -> bool {
        self.stamp.iter().any(|&s| s < blocks)
    }

    /// Brings every row up to date (touched rows of the open block keep their pending update);
    /// [`LazyRows::requeue`] then rebuilds the flush queues.
    pub(crate) fn catch_up_all(&mut self, w: &mut [f64], blocks: u64) {
        for row in 0..self.stamp.len() {
            self.catch_up(w, row, blocks);
        }
    }

    /// Rebuilds the flush queues of rows all up to date at `blocks`: every hidden row with a
    /// non-zero trace, under its stamp `blocks`.
    pub(crate) fn requeue(&mut self, blocks: u64) {
        let ring = self.signals.len() as u64;
        self.pending.iter_mut().for_each(Vec::clear);
        for row in 0..self.stamp.len() {
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

/// Fewest rows walked as one span by [`LazyRows::fused_presynaptic`]: below it the span's set-up
/// (the CPU check, a call) costs more than it saves (676-0-2 has two rows per input).
const MIN_SPAN: usize = 8;

/// `posts` as a range when it is one run of consecutive neurons (every input of the paper's
/// topologies), `None` otherwise or when empty.
fn contiguous(posts: &[u32]) -> Option<std::ops::Range<usize>> {
    let (&first, &last) = (posts.first()?, posts.last()?);
    let (first, last) = (first as usize, last as usize);
    (last - first + 1 == posts.len()).then_some(first..last + 1)
}

/// `w += scale e`, then `e *= decay`, elementwise; compiled for AVX2 when the CPU has it (plain
/// multiplies and adds, never fused: the same bits either way).
#[inline]
fn decay_into(w: &mut [f64], e: &mut [f64], scale: f64, decay: f64) {
    #[cfg(target_arch = "x86_64")]
    if w.len() >= 32 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { decay_into_avx2(w, e, scale, decay) };
    }
    decay_into_plain(w, e, scale, decay);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn decay_into_avx2(w: &mut [f64], e: &mut [f64], scale: f64, decay: f64) {
    decay_into_plain(w, e, scale, decay);
}

#[inline(always)]
fn decay_into_plain(w: &mut [f64], e: &mut [f64], scale: f64, decay: f64) {
    // Eight at a time as fixed-size arrays, which vectorise; then the rest.
    let n = w.len().min(e.len());
    let (mut w8, mut e8) = (w[..n].chunks_exact_mut(8), e[..n].chunks_exact_mut(8));
    for (w, e) in (&mut w8).zip(&mut e8) {
        if let (Ok(w), Ok(e)) = (<&mut [f64; 8]>::try_from(w), <&mut [f64; 8]>::try_from(e)) {
            for k in 0..8 {
                w[k] += scale * e[k];
                e[k] *= decay;
            }
        }
    }
    for (w, e) in w8.into_remainder().iter_mut().zip(e8.into_remainder()) {
        *w += scale * *e;
        *e *= decay;
    }
}

/// The constants of one presynaptic neuron's K = 8 rows in [`LazyRows::fused_presynaptic`].
struct FusedStep<'a> {
    x: &'a [f64; 8],
    next: Option<&'a [f64; 8]>,
    pre: f64,
    first: bool,
    one_minus_kappa: f64,
    /// Leading rows of the span that belong to hidden neurons \[count\].
    hidden_rows: usize,
    hidden_scale: f64,
    eta: f64,
}

impl FusedStep<'_> {
    /// Updates the consecutive rows `w`, `e` (8 values each) with errors `err` and adds
    /// `theta . next` to `carry`; returns `sum |err|` in row order. Same operations in the same
    /// order as the general loop, so the same bits; with AVX2 when the CPU has it.
    fn run(&self, w: &mut [f64], e: &mut [f64], err: &[f64], carry: &mut [f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { self.run_avx2(w, e, err, carry) };
        }
        self.run_rows(w, e, err, carry)
    }

    /// [`FusedStep::run_rows`] compiled for AVX2 (plain multiplies and adds, never fused, so the
    /// results do not depend on the instruction set).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn run_avx2(&self, w: &mut [f64], e: &mut [f64], err: &[f64], carry: &mut [f64]) -> f64 {
        self.run_rows(w, e, err, carry)
    }

    #[inline(always)]
    fn run_rows(&self, w: &mut [f64], e: &mut [f64], err: &[f64], carry: &mut [f64]) -> f64 {
        let mut abs_err_sum = 0.0;
        let rows = w.chunks_exact_mut(8).zip(e.chunks_exact_mut(8));
        for (i, (((w, e), &err), carry)) in rows.zip(err).zip(carry).enumerate() {
            abs_err_sum += err.abs();
            let coeff = if self.first {
                err
            } else {
                self.one_minus_kappa * err
            };
            let scale = if i < self.hidden_rows {
                self.hidden_scale
            } else {
                self.eta
            };
            if let (Ok(w), Ok(e)) = (<&mut [f64; 8]>::try_from(w), <&mut [f64; 8]>::try_from(e)) {
                fused_row(w, e, self.x, self.pre, coeff, scale);
                if let Some(next) = self.next {
                    *carry += super::neuron::dot(w, next);
                }
            }
        }
        abs_err_sum
    }
}

/// One K = 8 row of [`LazyRows::fused_presynaptic`]: `e = pre e + coeff x`, then `w += scale e`,
/// written as whole-row passes so that both vectorise.
#[inline(always)]
fn fused_row(w: &mut [f64; 8], e: &mut [f64; 8], x: &[f64; 8], pre: f64, coeff: f64, scale: f64) {
    let mut next = [0.0; 8];
    for k in 0..8 {
        next[k] = pre * e[k] + coeff * x[k];
    }
    for k in 0..8 {
        w[k] += scale * next[k];
    }
    *e = next;
}
