//! Spike history (ring of index lists) and the sparse traces computed from it.

use super::Network;

/// The last `memory` steps' spikes of the current example, as sorted-free index lists.
#[derive(Clone, Debug)]
pub(crate) struct SpikeHistory {
    slots: Vec<Vec<u32>>,
    /// Slot of the most recent step.
    head: usize,
    /// Steps stored since the last reset, at most `memory`.
    len: usize,
}

impl SpikeHistory {
    pub(crate) fn new(memory: usize) -> SpikeHistory {
        SpikeHistory {
            slots: vec![Vec::new(); memory],
            head: 0,
            len: 0,
        }
    }

    /// Forgets every spike (start of an example).
    pub(crate) fn reset(&mut self) {
        self.len = 0;
    }

    /// Spikes at lag `m` (m = 0 is the previous step); `m < self.len()`.
    pub(crate) fn lag(&self, m: usize) -> &[u32] {
        let memory = self.slots.len();
        &self.slots[(self.head + memory - m) % memory]
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Makes room for a new step and returns its (cleared) slot.
    pub(crate) fn push(&mut self) -> &mut Vec<u32> {
        let memory = self.slots.len();
        self.head = (self.head + 1) % memory;
        self.len = (self.len + 1).min(memory);
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
#[derive(Clone, Debug)]
pub(crate) struct Traces {
    /// Neurons with a (possibly) non-zero feedforward trace, in first-seen order.
    pub(crate) active: Vec<u32>,
    /// Feedforward traces `[N][K_a]`; exact zeros outside `active`.
    pub(crate) ff: Vec<f64>,
    /// Feedback traces `[L][K_b]` of the learnable neurons.
    pub(crate) fb: Vec<f64>,
    seen: Vec<bool>,
}

impl Traces {
    pub(crate) fn new(net: &Network) -> Traces {
        let cfg = net.config();
        Traces {
            active: Vec::new(),
            ff: vec![0.0; net.n_neurons() * cfg.k_ff],
            fb: vec![0.0; net.n_learnable_neurons() * cfg.k_fb],
            seen: vec![false; net.n_neurons()],
        }
    }

    /// Recomputes the traces of the coming step from `history`.
    pub(crate) fn compute(&mut self, net: &Network, history: &SpikeHistory) {
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
                if let (Ok(x), Ok(a)) =
                    (<&mut [f64; 8]>::try_from(&mut *x), <&[f64; 8]>::try_from(a))
                {
                    for k in 0..8 {
                        x[k] += a[k];
                    }
                } else {
                    x.iter_mut().zip(a).for_each(|(x, &ak)| *x += ak);
                }
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
    pub(crate) fn ff_of(&self, j: usize, k_ff: usize) -> &[f64] {
        &self.ff[j * k_ff..(j + 1) * k_ff]
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.active.capacity() * 4 + (self.ff.len() + self.fb.len()) * 8 + self.seen.len()
    }
}
