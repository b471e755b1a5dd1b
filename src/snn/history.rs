//! Spike history (ring of index lists) and the sparse traces computed from it.

use super::Network;

/// The last `memory` steps' spikes of the current example, as sorted-free index lists.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct SpikeHistory {
    #[serde(with = "super::capacity::nested")]
    slots: Vec<Vec<u32>>,
    /// Slot of the most recent step.
    head: usize,
    /// Steps stored since the last reset, at most `memory`.
    len: usize,
    /// Resets so far \[count\].
    epoch: u64,
    /// Pushes so far \[count\].
    pushes: u64,
}

impl SpikeHistory {
    pub(crate) fn new(memory: usize) -> SpikeHistory {
        SpikeHistory {
            slots: vec![Vec::new(); memory],
            head: 0,
            len: 0,
            epoch: 0,
            pushes: 0,
        }
    }

    /// Forgets every spike (start of an example).
    pub(crate) fn reset(&mut self) {
        self.len = 0;
        self.epoch += 1;
    }

    /// Spikes at lag `m` (m = 0 is the previous step); `m < self.len()`.
    #[inline]
    pub(crate) fn lag(&self, m: usize) -> &[u32] {
        &self.slots[self.slot_at_lag(m)]
    }

    /// Ring slot of the step at lag `m < memory`: its push count modulo `memory` (without a
    /// division).
    #[inline]
    pub(crate) fn slot_at_lag(&self, m: usize) -> usize {
        let memory = self.slots.len();
        let slot = self.head + memory - m;
        if slot >= memory {
            slot - memory
        } else {
            slot
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Push count of the step at lag `m` (its identity while it stays in the window).
    #[inline]
    pub(crate) fn time_at_lag(&self, m: usize) -> u64 {
        self.pushes - m as u64
    }

    /// Makes room for a new step and returns its (cleared) slot.
    pub(crate) fn push(&mut self) -> &mut Vec<u32> {
        let memory = self.slots.len();
        self.head = if self.head + 1 == memory {
            0
        } else {
            self.head + 1
        };
        self.len = (self.len + 1).min(memory);
        self.pushes += 1;
        let slot = &mut self.slots[self.head];
        slot.clear();
        slot
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.slots
            .iter()
            .map(|s| s.capacity() * 4 + 24)
            .sum::<usize>()
    }
}

/// Traces of one step: non-zero only for neurons that spiked in the last `memory` steps.
///
/// With a lag-pattern table ([`Network::ff_by_mask`]) each neuron keeps a bit mask of the lags
/// at which it spiked, shifted once per step, and its trace is a table row: a step costs the
/// recently active neurons only. Without the table the traces are summed from the history.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Traces {
    /// Neurons with a (possibly) non-zero feedforward trace.
    #[serde(with = "super::capacity")]
    pub(crate) active: Vec<u32>,
    /// Lag pattern per neuron `[N]` (bit m: a spike at lag m), with the table.
    #[serde(with = "super::capacity")]
    masks: Vec<u16>,
    /// Feedforward traces `[N][K_a]` without the table; exact zeros outside `active`.
    #[serde(with = "super::capacity")]
    ff: Vec<f64>,
    /// Feedback traces `[L][K_b]` of the learnable neurons.
    #[serde(with = "super::capacity")]
    pub(crate) fb: Vec<f64>,
    #[serde(with = "super::capacity")]
    seen: Vec<bool>,
    /// `(epoch, pushes)` of the history the traces were computed from.
    synced: (u64, u64),
    /// Feedforward basis by lag `[m][K_a]`, for [`Traces::ff_owned`].
    #[serde(with = "super::capacity")]
    ff_by_lag: Vec<f64>,
    k_ff: usize,
    /// With the table: the sum over active inputs of their traces' non-zero entries, kept as
    /// the masks change (what [`Traces::synaptic_ops`] needs); `None` until the traces are
    /// next built afresh (after a restore), and always without the table.
    #[serde(skip)]
    input_nonzero: Option<u64>,
    /// With the table: the learnable neurons of `active`, in its order (what the row-wise
    /// loops of the grouped path read, without passing over the active inputs); rebuilt from
    /// `active` when `learnable_kept` is false (after a restore).
    #[serde(skip)]
    learnable: Vec<u32>,
    #[serde(skip)]
    learnable_kept: bool,
    /// How the inputs' traces are kept; `None` until the traces are first built, and after a
    /// restore (the saved masks are then taken as kept the way the next step asks, and counted
    /// inputs are counted afresh from the history).
    #[serde(skip)]
    inputs: Option<InputTraces>,
    /// [`InputTraces::Counted`]: the push count (low 16 bits) of each input's last spike, the
    /// time its mask in `masks` is as of `[N_X]`; empty otherwise.
    #[serde(skip)]
    stamps: Vec<u16>,
    /// [`InputTraces::Counted`]: the inputs' count of non-zero trace entries at each of the
    /// coming steps, summed from the changes each spike makes: step `t`'s is the sum of slots
    /// `t % 16` and `t % 16 + 16` (a spike adds its 16 steps ahead to one run of slots).
    #[serde(skip)]
    counts_ahead: [u32; 32],
}

/// How [`Traces`] keeps the inputs' traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputTraces {
    /// Every active input is in `active` and its lag mask is shifted at every step: its trace
    /// can be read at any step.
    Masks,
    /// Only the inputs' count of non-zero trace entries is kept (what
    /// [`Traces::synaptic_ops`] reads): a spike adds what it changes over the coming `memory`
    /// steps, so a step costs the new spikes only. For a learner whose input synapses all go
    /// through per-block spike-time groups, which read the history, not the inputs' traces.
    Counted,
}

/// [`InputTraces::Counted`] rebuilds its masks from the history every so many pushes, so that
/// a mask's 16-bit stamp never wraps around.
const REBUILD_EVERY: u64 = 1 << 14;

impl Traces {
    pub(crate) fn new(net: &Network) -> Traces {
        let cfg = net.config();
        let table = net.ff_by_mask().is_some() && net.fb_by_mask().is_some();
        Traces {
            active: Vec::new(),
            masks: if table {
                vec![0; net.n_neurons()]
            } else {
                Vec::new()
            },
            ff: if table {
                Vec::new()
            } else {
                vec![0.0; net.n_neurons() * cfg.k_ff]
            },
            fb: vec![0.0; net.n_learnable_neurons() * cfg.k_fb],
            seen: if table {
                Vec::new()
            } else {
                vec![false; net.n_neurons()]
            },
            synced: (u64::MAX, 0),
            ff_by_lag: (0..cfg.memory)
                .flat_map(|m| net.ff_at_lag(m).iter().copied())
                .collect(),
            k_ff: cfg.k_ff,
            input_nonzero: None,
            learnable: Vec::new(),
            learnable_kept: false,
            inputs: None,
            stamps: Vec::new(),
            counts_ahead: [0; 32],
        }
    }

    /// Brings the traces to the coming step of `history`, the inputs' kept as `inputs` says
    /// (as [`InputTraces::Masks`] without the lag-pattern table or the table of changes).
    #[inline(always)]
    pub(crate) fn compute(&mut self, net: &Network, history: &SpikeHistory, inputs: InputTraces) {
        let Some(fb_table) = net.fb_by_mask().filter(|_| !self.masks.is_empty()) else {
            self.recompute(net, history);
            return;
        };
        let memory = net.config().memory;
        let full = ((1u32 << memory) - 1) as u16;
        let new_steps = history.pushes.wrapping_sub(self.synced.1);
        let (n_in, nonzero) = (net.config().n_inputs, net.ff_nonzero_by_mask());
        // Counting needs the table of changes.
        let inputs = match inputs {
            InputTraces::Counted if net.ff_nonzero_changes().is_empty() => InputTraces::Masks,
            inputs => inputs,
        };
        let counted = inputs == InputTraces::Counted;
        // Restored: the saved masks are as `inputs` keeps them, but a counted input's stamp
        // and the counts ahead are not saved, so the inputs are counted afresh from the
        // history (the learnable neurons keep their order in `active`). So they are after
        // pushes without a compute between them, and every `REBUILD_EVERY` pushes.
        let masks_known = self.inputs == Some(InputTraces::Masks);
        let restored = self.inputs.is_none() && self.synced.0 == history.epoch;
        if restored {
            self.inputs = Some(inputs);
        }
        let inputs_afresh = counted
            && self.inputs == Some(inputs)
            && (restored
                || (new_steps > 0
                    && (new_steps > 1 || history.pushes.is_multiple_of(REBUILD_EVERY))));
        if inputs_afresh {
            self.masks[..n_in].fill(0);
            self.active.retain(|&j| j as usize >= n_in);
            self.stamps.resize(n_in, 0);
            self.counts_ahead = [0; 32];
        }
        let rebuild = self.synced.0 != history.epoch
            || new_steps > history.len as u64
            || self.inputs != Some(inputs);
        if rebuild {
            // Rebuild from the stored history.
            if masks_known {
                for &j in &self.active {
                    self.masks[j as usize] = 0;
                }
            } else {
                self.masks.fill(0);
            }
            self.active.clear();
            self.learnable.clear();
            self.learnable_kept = true;
            self.input_nonzero = Some(0);
            self.inputs = Some(inputs);
            if !counted {
                self.stamps = Vec::new();
            } else if self.stamps.len() != n_in {
                // A stamp is read only under a non-zero mask: no need to clear them.
                self.stamps = vec![0; n_in];
            }
            self.counts_ahead = [0; 32];
            self.set_lags(history, 0..history.len(), n_in, nonzero);
            if counted {
                self.count_inputs(net, history, 0..history.len());
            }
        } else if new_steps > 0 || inputs_afresh {
            let shift = new_steps as u32;
            let masks = &mut self.masks;
            let mut sum = 0u64;
            self.active.retain(|&j| {
                let m = &mut masks[j as usize];
                *m = ((u32::from(*m) << shift) as u16) & full;
                if (j as usize) < n_in {
                    sum += u64::from(nonzero[usize::from(*m)]);
                }
                *m != 0
            });
            if !counted {
                self.input_nonzero = self.input_nonzero.map(|_| sum);
            }
            let masks = &self.masks;
            self.learnable.retain(|&j| masks[j as usize] != 0);
            self.set_lags(history, 0..new_steps as usize, n_in, nonzero);
            if counted {
                let lags = if inputs_afresh { history.len() } else { 1 };
                self.count_inputs(net, history, 0..lags);
            }
        }
        if !self.learnable_kept {
            let learnable = self.active.iter().filter(|&&j| j as usize >= n_in);
            self.learnable.clear();
            self.learnable.extend(learnable);
            self.learnable_kept = true;
        }
        self.synced = (history.epoch, history.pushes);
        let k_fb = net.config().k_fb;
        for (l, fb) in self.fb.chunks_exact_mut(k_fb).enumerate() {
            let m = usize::from(self.masks[n_in + l]);
            fb.copy_from_slice(&fb_table[m * k_fb..(m + 1) * k_fb]);
        }
    }

    /// Builds the traces afresh from the history at the next [`Traces::compute`].
    pub(crate) fn invalidate(&mut self) {
        self.synced = (u64::MAX, 0);
    }

    /// Sets the mask bits of the spikes at lags `lags` (inputs below `n_in`, left out with
    /// [`InputTraces::Counted`]; `nonzero`: the non-zero entries of each mask's trace).
    fn set_lags(
        &mut self,
        history: &SpikeHistory,
        lags: std::ops::Range<usize>,
        n_in: usize,
        nonzero: &[u8],
    ) {
        if self.stamps.is_empty() {
            self.set_lags_of::<false>(history, lags, n_in, nonzero);
        } else {
            self.set_lags_of::<true>(history, lags, n_in, nonzero);
        }
    }

    /// [`Traces::set_lags`], the inputs counted (`COUNTED`) or not.
    #[inline(always)]
    fn set_lags_of<const COUNTED: bool>(
        &mut self,
        history: &SpikeHistory,
        lags: std::ops::Range<usize>,
        n_in: usize,
        nonzero: &[u8],
    ) {
        let counted = COUNTED;
        let mut sum = self.input_nonzero.unwrap_or(0);
        for m in lags {
            for &j in history.lag(m) {
                if counted && (j as usize) < n_in {
                    continue;
                }
                let mask = &mut self.masks[j as usize];
                if *mask == 0 {
                    self.active.push(j);
                    if j as usize >= n_in {
                        self.learnable.push(j);
                    }
                }
                let before = usize::from(*mask);
                *mask |= 1 << m;
                if (j as usize) < n_in {
                    sum = sum + u64::from(nonzero[usize::from(*mask)]) - u64::from(nonzero[before]);
                }
            }
        }
        if !counted {
            self.input_nonzero = self.input_nonzero.map(|_| sum);
        }
    }

    /// [`InputTraces::Counted`]: adds the input spikes at lags `lags`, oldest first, to the
    /// counts ahead, and takes the count of the coming step out of them.
    #[inline(always)]
    fn count_inputs(
        &mut self,
        net: &Network,
        history: &SpikeHistory,
        lags: std::ops::Range<usize>,
    ) {
        let n_in = self.stamps.len();
        let memory = net.config().memory as u32;
        let full = (1u32 << memory) - 1;
        let changes = net.ff_nonzero_changes();
        let now = history.pushes;
        for m in lags.rev() {
            let time = now - m as u64;
            // Slot of step `time + k` in the doubled ring: `first + k`.
            let first = time as usize & 15;
            for &j in history.lag(m).iter().filter(|&&j| (j as usize) < n_in) {
                let j = j as usize;
                let age = u32::from((time as u16).wrapping_sub(self.stamps[j]));
                let before = if age < memory {
                    (u32::from(self.masks[j]) << age) & full
                } else {
                    0
                };
                self.masks[j] = (before | 1) as u16;
                self.stamps[j] = time as u16;
                if before & 1 == 1 {
                    continue;
                }
                // What the spike changes at each step of its window (steps before now are
                // left out: they are past).
                let row = &changes[before as usize >> 1][m..];
                let ahead = &mut self.counts_ahead[first + m..first + 16];
                for (slot, &change) in ahead.iter_mut().zip(row) {
                    *slot = slot.wrapping_add(i32::from(change) as u32);
                }
            }
        }
        let slot = now as usize & 15;
        let count = self.counts_ahead[slot].wrapping_add(self.counts_ahead[slot + 16]);
        self.input_nonzero = Some(u64::from(count));
        self.counts_ahead[slot] = 0;
        self.counts_ahead[slot + 16] = 0;
    }

    /// Lag mask of input `j` under [`InputTraces::Counted`], brought from its stamp to now.
    #[inline(always)]
    fn counted_mask(&self, j: usize) -> u16 {
        let memory = (self.ff_by_lag.len() / self.k_ff) as u32;
        let age = u32::from((self.synced.1 as u16).wrapping_sub(self.stamps[j]));
        if age < memory {
            ((u32::from(self.masks[j]) << age) & ((1 << memory) - 1)) as u16
        } else {
            0
        }
    }

    /// Lag mask of neuron `j` (see [`Traces::mask_of`]).
    #[inline]
    fn mask(&self, j: usize) -> u16 {
        if j < self.stamps.len() {
            self.counted_mask(j)
        } else {
            self.masks[j]
        }
    }

    /// Table-free path: sums every trace from the history.
    fn recompute(&mut self, net: &Network, history: &SpikeHistory) {
        let k_ff = net.config().k_ff;
        let k_fb = net.config().k_fb;
        let n_in = net.config().n_inputs;
        for &j in &self.active {
            let j = j as usize;
            self.ff[j * k_ff..(j + 1) * k_ff]
                .iter_mut()
                .for_each(|x| *x = 0.0);
            self.seen[j] = false;
        }
        self.active.clear();
        self.fb.iter_mut().for_each(|x| *x = 0.0);
        for m in 0..history.len() {
            let a = net.ff_at_lag(m);
            let b = net.fb_at_lag(m);
            for &j in history.lag(m) {
                let ju = j as usize;
                if !self.seen[ju] {
                    self.seen[ju] = true;
                    self.active.push(j);
                }
                let x = &mut self.ff[ju * k_ff..(ju + 1) * k_ff];
                x.iter_mut().zip(a).for_each(|(x, &ak)| *x += ak);
                if ju >= n_in {
                    let l = ju - n_in;
                    for (x, &bk) in self.fb[l * k_fb..(l + 1) * k_fb].iter_mut().zip(b) {
                        *x += bk;
                    }
                }
            }
        }
    }

    /// Feedforward trace of neuron `j` (K_a values).
    #[inline]
    pub(crate) fn ff_of<'a>(&'a self, net: &'a Network, j: usize) -> &'a [f64] {
        let k = net.config().k_ff;
        match net.ff_by_mask().filter(|_| !self.masks.is_empty()) {
            Some(table) => {
                let m = usize::from(self.mask(j));
                &table[m * k..(m + 1) * k]
            }
            None => &self.ff[j * k..(j + 1) * k],
        }
    }

    /// Lag pattern of neuron `j` (bit m: a spike at lag m); 0 without the table.
    #[inline]
    pub(crate) fn mask_of(&self, j: usize) -> u16 {
        if j < self.masks.len() {
            self.mask(j)
        } else {
            0
        }
    }

    /// Whether the traces come from the lag-pattern table.
    pub(crate) fn has_masks(&self) -> bool {
        !self.masks.is_empty()
    }

    /// With the table: the active learnable neurons (at or above `n_inputs`), in the order of
    /// `active`.
    pub(crate) fn active_learnable(&self) -> &[u32] {
        &self.learnable
    }

    /// Whether neuron `j` has no spike in the window (table mode only; `false` otherwise).
    #[inline]
    pub(crate) fn is_silent(&self, j: usize) -> bool {
        j < self.masks.len() && self.mask(j) == 0
    }

    /// Trace neuron `j` will have at the next step if it spikes (`spiked`) or not at this one;
    /// `None` when it will be zero or without the lag-pattern table.
    #[inline]
    pub(crate) fn next_ff_of<'a>(
        &self,
        net: &'a Network,
        j: usize,
        spiked: bool,
    ) -> Option<&'a [f64]> {
        let table = net.ff_by_mask().filter(|_| !self.masks.is_empty())?;
        let k = self.k_ff;
        let full = (1usize << (table.len() / k).trailing_zeros()) - 1;
        let m = ((usize::from(self.mask(j)) << 1) & full) | usize::from(spiked);
        (m != 0).then(|| &table[m * k..(m + 1) * k])
    }

    /// Non-zero entries of [`Traces::ff_of`] `j`.
    #[inline]
    pub(crate) fn nonzero_of(&self, net: &Network, j: usize) -> u64 {
        match net.ff_by_mask().filter(|_| !self.masks.is_empty()) {
            Some(_) => u64::from(net.ff_nonzero_by_mask()[usize::from(self.mask(j))]),
            None => self.ff_of(net, j).iter().filter(|&&x| x != 0.0).count() as u64,
        }
    }

    /// Synaptic operations of this step: per active neuron, the non-zero entries of its trace
    /// times its postsynaptic neurons (integers: the order of the sum does not matter). With
    /// inputs that feed every learnable neuron, the inputs' counts are summed first and
    /// multiplied once.
    pub(crate) fn synaptic_ops(&self, net: &Network) -> u64 {
        let post = |j: usize| net.postsynaptic(j).len() as u64;
        let active = self.active.iter().map(|&j| j as usize);
        if !net.inputs_feed_all() {
            return active.map(|j| self.nonzero_of(net, j) * post(j)).sum();
        }
        let n_in = net.config().n_inputs;
        let (mut inputs, mut others) = (0u64, 0u64);
        if let Some(sum) = self.input_nonzero {
            // The inputs' sum is kept as the masks change: only the learnable neurons are read
            // (integers: their order does not matter).
            inputs = sum;
            for j in n_in..net.n_neurons() {
                others += self.nonzero_of(net, j) * post(j);
            }
        } else {
            for j in active {
                if j < n_in {
                    inputs += self.nonzero_of(net, j);
                } else {
                    others += self.nonzero_of(net, j) * post(j);
                }
            }
        }
        inputs * net.n_learnable_neurons() as u64 + others
    }

    /// Whether the inputs' synaptic-operation count is kept (see [`Traces::synaptic_ops`]).
    #[cfg(test)]
    pub(crate) fn input_nonzero_kept(&self) -> bool {
        self.input_nonzero.is_some()
    }

    /// [`Traces::synaptic_ops`] counted afresh over the active neurons (what the kept count
    /// must equal).
    #[cfg(test)]
    pub(crate) fn synaptic_ops_recounted(&self, net: &Network) -> u64 {
        let mut fresh = self.clone();
        fresh.input_nonzero = None;
        let counted: u64 = (0..self.stamps.len())
            .map(|j| self.nonzero_of(net, j))
            .sum();
        fresh.synaptic_ops(net) + counted * net.n_learnable_neurons() as u64
    }

    /// Feedforward trace of neuron `j` without the network (same values as [`Traces::ff_of`]);
    /// empty for an unknown neuron.
    pub(crate) fn ff_owned(&self, j: usize) -> Vec<f64> {
        let k = self.k_ff;
        if self.ff.is_empty() {
            if j >= self.masks.len() {
                return Vec::new();
            }
            let mask = self.mask(j);
            let mut x = vec![0.0; k];
            for m in (0..self.ff_by_lag.len() / k).filter(|m| mask >> m & 1 == 1) {
                x.iter_mut()
                    .zip(&self.ff_by_lag[m * k..(m + 1) * k])
                    .for_each(|(x, &a)| *x += a);
            }
            x
        } else {
            self.ff
                .get(j * k..(j + 1) * k)
                .map(<[f64]>::to_vec)
                .unwrap_or_default()
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        (self.active.capacity() + self.learnable.capacity()) * 4
            + (self.masks.capacity() + self.stamps.capacity()) * 2
            + std::mem::size_of_val(&self.counts_ahead)
            + (self.ff.capacity() + self.fb.capacity() + self.ff_by_lag.capacity()) * 8
            + self.seen.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snn::SnnConfig;
    use rand::{Rng, SeedableRng};

    /// Counted inputs give, at every step, the synaptic-operation count, the traces and the
    /// lag masks of inputs whose masks are shifted at every step: over examples (history
    /// resets), pushes without a compute between them, an input listed twice in one step,
    /// past 2^16 pushes (the stamps wrap), through a save and restore, and with the way the
    /// inputs are kept switched back and forth.
    #[test]
    fn counted_inputs_agree_with_shifted_masks() {
        for hidden in [0, 3] {
            let cfg = SnnConfig {
                delta_s: 80,
                ..SnnConfig::paper(40, hidden, 2)
            };
            let net = Network::new(cfg).expect("valid");
            assert!(!net.ff_nonzero_changes().is_empty());
            let n = net.n_neurons();
            let mut history = SpikeHistory::new(net.config().memory);
            let mut masks = Traces::new(&net);
            let mut counted = Traces::new(&net);
            let mut switched = Traces::new(&net);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            let (mut ops, mut rebuilds_by_stamp) = (0u64, 0);
            for step in 0..70_000u64 {
                if step % 97 == 0 {
                    history.reset();
                }
                let pushes = if rng.random_bool(0.01) {
                    rng.random_range(2..5)
                } else {
                    1
                };
                for _ in 0..pushes {
                    let slot = history.push();
                    slot.extend((0..n as u32).filter(|_| rng.random_bool(0.08)));
                    if rng.random_bool(0.1) {
                        slot.push(rng.random_range(0..40));
                    }
                }
                rebuilds_by_stamp += usize::from(history.pushes.is_multiple_of(REBUILD_EVERY));
                masks.compute(&net, &history, InputTraces::Masks);
                counted.compute(&net, &history, InputTraces::Counted);
                let way = if (step / 500) % 2 == 0 {
                    InputTraces::Counted
                } else {
                    InputTraces::Masks
                };
                switched.compute(&net, &history, way);
                let expected = masks.synaptic_ops(&net);
                assert_eq!(counted.synaptic_ops(&net), expected, "step {step}");
                assert_eq!(switched.synaptic_ops(&net), expected, "step {step}");
                ops += expected;
                if step % 101 == 0 {
                    for j in 0..n {
                        assert_eq!(counted.mask_of(j), masks.mask_of(j), "step {step}, {j}");
                        assert_eq!(counted.ff_owned(j), masks.ff_owned(j), "step {step}, {j}");
                        assert_eq!(counted.is_silent(j), masks.is_silent(j));
                    }
                    assert_eq!(counted.active_learnable(), masks.active_learnable());
                    assert_eq!(counted.fb, masks.fb);
                }
                if step % 1009 == 0 {
                    let bytes = crate::sim::encode(&counted).expect("encodes");
                    counted = crate::sim::decode(&bytes).expect("decodes");
                }
            }
            assert!(ops > 0 && rebuilds_by_stamp >= 4);
            assert!(history.pushes > 1 << 16, "the stamps wrapped");
        }
    }
}
