//! The immutable part of an SNN: configuration, bases, topology and synapse lists.

use super::{raised_cosine, Params, SnnConfig, SnnError};
use rand::Rng;

/// Smallest eligibility decay factor still considered non-negligible \[dimensionless\].
const NEGLIGIBLE_DECAY: f64 = 1e-30;

/// Configuration plus everything derived from it once; shared read-only by many devices.
#[derive(Clone, Debug)]
pub struct Network {
    cfg: SnnConfig,
    n_neurons: usize,
    n_learnable_neurons: usize,
    /// Feedforward basis by lag, `[m][k]`.
    ff_by_lag: Vec<f64>,
    /// Feedback basis by lag, `[m][k]`.
    fb_by_lag: Vec<f64>,
    /// `[l][j]`, self-synapses removed.
    mask: Vec<bool>,
    presynaptic: Vec<Vec<u32>>,
    postsynaptic: Vec<Vec<u32>>,
    synapse_count: usize,
    signal_ring_len: usize,
    /// Traces by lag pattern (bit m: a spike at lag m), `[2^memory][K]`, when small enough.
    ff_by_mask: Option<Vec<f64>>,
    fb_by_mask: Option<Vec<f64>>,
    /// Non-zero entries of each `ff_by_mask` row.
    ff_nonzero_by_mask: Vec<u8>,
    /// See [`Network::ff_nonzero_changes`].
    ff_nonzero_changes: Vec<[i8; 16]>,
    /// Whether every input feeds every learnable neuron.
    inputs_feed_all: bool,
    /// Whether some learnable neuron feeds another (hidden neurons do; outputs feed none).
    learnable_feed_some: bool,
}

/// Largest lag-pattern table built, in entries (`2^memory * K`).
const MAX_MASK_TABLE: usize = 1 << 15;

/// `[2^memory][k]`: row `mask` is the sum, in increasing lag order, of the basis at the set lags.
fn by_mask(by_lag: &[f64], k: usize, memory: usize) -> Option<Vec<f64>> {
    if memory > 15 || (k << memory) > MAX_MASK_TABLE {
        return None;
    }
    let mut out = vec![0.0; k << memory];
    for mask in 0..1usize << memory {
        let row = &mut out[mask * k..(mask + 1) * k];
        for m in (0..memory).filter(|m| mask >> m & 1 == 1) {
            row.iter_mut()
                .zip(&by_lag[m * k..(m + 1) * k])
                .for_each(|(x, &a)| *x += a);
        }
    }
    Some(out)
}

fn by_lag(bank: &[Vec<f64>], memory: usize) -> Vec<f64> {
    let k = bank.len();
    let mut out = vec![0.0; memory * k];
    for (kk, row) in bank.iter().enumerate() {
        for (m, &a) in row.iter().enumerate() {
            out[m * k + kk] = a;
        }
    }
    out
}

/// [`Network::ff_nonzero_changes`] from the non-zero entries of each mask's trace; empty
/// without them or when a change does not fit a byte (more than 127 basis functions).
fn nonzero_changes(nonzero: &[u8], memory: usize) -> Vec<[i8; 16]> {
    let full = (1usize << memory) - 1;
    let rows: Option<Vec<[i8; 16]>> = (0..nonzero.len() / 2)
        .map(|row| {
            let before = row << 1;
            let mut changes = [0i8; 16];
            for (k, change) in changes.iter_mut().enumerate().take(memory) {
                let with = ((before | 1) << k) & full;
                let by = i16::from(nonzero[with]) - i16::from(nonzero[(before << k) & full]);
                *change = i8::try_from(by).ok()?;
            }
            Some(changes)
        })
        .collect();
    rows.unwrap_or_default()
}

impl Network {
    /// Validates `cfg` and derives bases and synapse lists.
    pub fn new(cfg: SnnConfig) -> Result<Network, SnnError> {
        cfg.validate()?;
        let n = cfg.n_inputs + cfg.n_hidden + cfg.n_outputs;
        let l_count = cfg.n_hidden + cfg.n_outputs;
        let mask = cfg
            .topology
            .mask(cfg.n_inputs, cfg.n_hidden, cfg.n_outputs)?;
        let mut presynaptic = vec![Vec::new(); l_count];
        let mut postsynaptic = vec![Vec::new(); n];
        for l in 0..l_count {
            for j in 0..n {
                if mask[l * n + j] {
                    presynaptic[l].push(j as u32);
                    postsynaptic[j].push(l as u32);
                }
            }
        }
        let synapse_count = mask.iter().filter(|&&m| m).count();
        let inputs_feed_all = postsynaptic[..cfg.n_inputs]
            .iter()
            .all(|posts| posts.len() == l_count);
        let learnable_feed_some = postsynaptic[cfg.n_inputs..]
            .iter()
            .any(|posts| !posts.is_empty());
        let ff_by_lag = by_lag(&raised_cosine(cfg.k_ff, cfg.memory, cfg.mu), cfg.memory);
        let fb_by_lag = by_lag(&raised_cosine(cfg.k_fb, cfg.memory, cfg.mu), cfg.memory);
        let ff_by_mask = by_mask(&ff_by_lag, cfg.k_ff, cfg.memory);
        let fb_by_mask = by_mask(&fb_by_lag, cfg.k_fb, cfg.memory);
        let ff_nonzero_by_mask = ff_by_mask.as_ref().map_or_else(Vec::new, |t| {
            t.chunks(cfg.k_ff)
                .map(|row| row.iter().filter(|&&x| x != 0.0).count().min(255) as u8)
                .collect()
        });
        let ff_nonzero_changes = nonzero_changes(&ff_nonzero_by_mask, cfg.memory);
        // Smallest M with kappa^M < NEGLIGIBLE_DECAY: older blocks no longer matter.
        let mut signal_ring_len = 1;
        let mut decay = cfg.kappa;
        while decay >= NEGLIGIBLE_DECAY {
            decay *= cfg.kappa;
            signal_ring_len += 1;
        }
        Ok(Network {
            cfg,
            n_neurons: n,
            n_learnable_neurons: l_count,
            ff_by_lag,
            fb_by_lag,
            mask,
            presynaptic,
            postsynaptic,
            synapse_count,
            signal_ring_len,
            ff_by_mask,
            fb_by_mask,
            ff_nonzero_by_mask,
            ff_nonzero_changes,
            inputs_feed_all,
            learnable_feed_some,
        })
    }

    /// The configuration this network was built from.
    pub fn config(&self) -> &SnnConfig {
        &self.cfg
    }

    /// All neurons N = N_X + N_H + N_Y \[count\].
    pub fn n_neurons(&self) -> usize {
        self.n_neurons
    }

    /// Learnable (hidden and output) neurons L \[count\].
    pub fn n_learnable_neurons(&self) -> usize {
        self.n_learnable_neurons
    }

    /// Learnable parameters in use: K_a per synapse, plus V and gamma \[count\].
    pub fn n_learnable(&self) -> usize {
        self.synapse_count * self.cfg.k_ff + self.n_learnable_neurons * (self.cfg.k_fb + 1)
    }

    /// Synapses allowed by the topology \[count\].
    pub fn synapse_count(&self) -> usize {
        self.synapse_count
    }

    /// Whether presynaptic neuron `j` feeds learnable neuron `l`.
    pub fn is_synapse(&self, l: usize, j: usize) -> bool {
        l < self.n_learnable_neurons && j < self.n_neurons && self.mask[l * self.n_neurons + j]
    }

    /// Presynaptic neurons of learnable neuron `l`, ascending.
    pub fn presynaptic(&self, l: usize) -> &[u32] {
        &self.presynaptic[l]
    }

    /// Learnable neurons that neuron `j` feeds, ascending.
    pub fn postsynaptic(&self, j: usize) -> &[u32] {
        &self.postsynaptic[j]
    }

    /// Feedforward basis values at lag `m` (m = 0 is t-1), K_a values.
    pub(crate) fn ff_at_lag(&self, m: usize) -> &[f64] {
        &self.ff_by_lag[m * self.cfg.k_ff..(m + 1) * self.cfg.k_ff]
    }

    /// Feedback basis values at lag `m`, K_b values.
    pub(crate) fn fb_at_lag(&self, m: usize) -> &[f64] {
        &self.fb_by_lag[m * self.cfg.k_fb..(m + 1) * self.cfg.k_fb]
    }

    /// Feedforward traces by lag pattern `[2^memory][K_a]` (bit m set: a spike at lag m), if
    /// the table is small enough to build.
    pub(crate) fn ff_by_mask(&self) -> Option<&[f64]> {
        self.ff_by_mask.as_deref()
    }

    /// Feedback traces by lag pattern `[2^memory][K_b]`, if small enough.
    pub(crate) fn fb_by_mask(&self) -> Option<&[f64]> {
        self.fb_by_mask.as_deref()
    }

    /// Non-zero entries of each [`Network::ff_by_mask`] row (empty without the table).
    pub(crate) fn ff_nonzero_by_mask(&self) -> &[u8] {
        &self.ff_nonzero_by_mask
    }

    /// Row `before >> 1` (`before`: the lag mask of a neuron's earlier spikes, bit 0 clear),
    /// entry `k`: how much a new spike changes the non-zero entries of the neuron's trace `k`
    /// steps later (0 from `k = memory` on); empty without the table or with more than 127
    /// basis functions.
    pub(crate) fn ff_nonzero_changes(&self) -> &[[i8; 16]] {
        &self.ff_nonzero_changes
    }

    /// Whether every input feeds every learnable neuron (the paper's and the full topology).
    pub(crate) fn inputs_feed_all(&self) -> bool {
        self.inputs_feed_all
    }

    /// Whether some learnable neuron has postsynaptic neurons (false without hidden neurons in
    /// the paper's topology).
    pub(crate) fn learnable_feed_some(&self) -> bool {
        self.learnable_feed_some
    }

    /// Blocks after which an untouched eligibility row has decayed below 1e-30 [blocks].
    pub(crate) fn signal_ring_len(&self) -> usize {
        self.signal_ring_len
    }

    /// All-zero parameters of the right shapes.
    pub fn zero_params(&self) -> Params {
        let l_count = self.n_learnable_neurons;
        Params {
            w: vec![0.0; l_count * self.n_neurons * self.cfg.k_ff],
            v: vec![0.0; l_count * self.cfg.k_fb],
            gamma: vec![0.0; l_count],
        }
    }

    /// Initial model: every entry uniform in [-w0, w0], W masked. Draws one number per W entry
    /// (masked or not, in `[l][j][k]` order), then V, then gamma.
    pub fn init_params(&self, rng: &mut impl Rng) -> Params {
        let w0 = self.cfg.w0;
        let mut draw = || w0 * (2.0 * rng.random::<f64>() - 1.0);
        let mut p = self.zero_params();
        let k = self.cfg.k_ff;
        for (idx, w) in p.w.iter_mut().enumerate() {
            let value = draw();
            if self.mask[idx / k] {
                *w = value;
            }
        }
        p.v.iter_mut().for_each(|v| *v = draw());
        p.gamma.iter_mut().for_each(|g| *g = draw());
        p
    }

    /// Checks that `p` has this network's shapes.
    pub fn check_params(&self, p: &Params) -> Result<(), SnnError> {
        let z = self.zero_params();
        for (field, found, expected) in [
            ("w", p.w.len(), z.w.len()),
            ("v", p.v.len(), z.v.len()),
            ("gamma", p.gamma.len(), z.gamma.len()),
        ] {
            if found != expected {
                return Err(SnnError::ParamsShape {
                    field,
                    found,
                    expected,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn init_params_are_masked_bounded_and_seeded() {
        let net = Network::new(SnnConfig::paper(5, 2, 2)).expect("valid");
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let p = net.init_params(&mut a);
        assert_eq!(p, net.init_params(&mut b));
        assert_eq!(net.check_params(&p), Ok(()));
        let (n, k) = (net.n_neurons(), 8);
        for l in 0..net.n_learnable_neurons() {
            for j in 0..n {
                let row = &p.w[(l * n + j) * k..(l * n + j + 1) * k];
                if net.is_synapse(l, j) {
                    assert!(row.iter().all(|w| w.abs() <= 0.01) && row.iter().any(|&w| w != 0.0));
                } else {
                    assert!(row.iter().all(|&w| w == 0.0), "masked ({l}, {j})");
                }
            }
        }
        // Paper topology, 5-2-2: hidden rows 5 + 2, output rows 5 + 2 + 1.
        assert_eq!(net.synapse_count(), 2 * 7 + 2 * 8);
        assert_eq!(net.n_learnable(), 30 * 8 + 4 * 2);
        let bad = Params {
            w: vec![0.0; 3],
            ..p
        };
        assert!(matches!(
            net.check_params(&bad),
            Err(SnnError::ParamsShape { field: "w", .. })
        ));
    }

    #[test]
    fn nonzero_changes_are_the_differences_a_spike_makes_ahead() {
        let net = Network::new(SnnConfig::paper(5, 0, 2)).expect("valid");
        let (nonzero, memory) = (net.ff_nonzero_by_mask(), net.config().memory);
        let full = (1usize << memory) - 1;
        let changes = net.ff_nonzero_changes();
        assert_eq!(changes.len(), 1 << (memory - 1));
        for before in (0..=full).step_by(2) {
            let (mut with, mut without) = (before | 1, before);
            for (k, &got) in changes[before >> 1].iter().enumerate() {
                let change = i16::from(nonzero[with & full]) - i16::from(nonzero[without & full]);
                assert_eq!(i16::from(got), change, "{before:b}, {k}");
                (with, without) = (with << 1, without << 1);
            }
        }
        assert!(changes.iter().flatten().any(|&c| c > 0));
        // A change that does not fit a byte: no table.
        let big = [0u8, 200, 0, 200];
        assert!(nonzero_changes(&big, 2).is_empty());
        assert_eq!(
            nonzero_changes(&[0, 100, 0, 100], 2),
            vec![
                [100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                [100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            ]
        );
    }
}
