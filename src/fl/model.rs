//! The bridge between the SNN's parameters and the flat model vectors that compression, the
//! channel and the base station handle: W ++ V ++ gamma.

use crate::fl::compress::{ModelLayout, SharedModel};
use crate::snn::{Network, Params, ParamsSnapshot};

/// The layout of `net`'s parameters, with its synapse mask.
pub fn layout(net: &Network) -> ModelLayout {
    let (l, n) = (net.n_learnable_neurons(), net.n_neurons());
    let cfg = net.config();
    ModelLayout {
        l,
        n,
        k_ff: cfg.k_ff,
        k_fb: cfg.k_fb,
        mask: (0..l)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| net.is_synapse(i, j))
            .collect(),
    }
}

/// W ++ V ++ gamma.
pub fn flatten(p: &Params) -> Vec<f64> {
    let mut flat = Vec::with_capacity(p.w.len() + p.v.len() + p.gamma.len());
    flat.extend_from_slice(&p.w);
    flat.extend_from_slice(&p.v);
    flat.extend_from_slice(&p.gamma);
    flat
}

/// The parameters laid out in `flat` (W ++ V ++ gamma) in the shape of `like`.
pub fn unflatten(flat: &[f64], like: &Params) -> Params {
    let (w, rest) = flat.split_at(like.w.len().min(flat.len()));
    let (v, gamma) = rest.split_at(like.v.len().min(rest.len()));
    Params {
        w: w.to_vec(),
        v: v.to_vec(),
        gamma: gamma.to_vec(),
    }
}

/// A learner's snapshot is read by flat position, as an upload that shares it needs.
impl SharedModel for ParamsSnapshot {
    fn len(&self) -> usize {
        ParamsSnapshot::len(self)
    }

    fn get(&self, p: usize) -> Option<f64> {
        ParamsSnapshot::get(self, p)
    }

    fn gather_f32(&self, positions: &[usize]) -> Vec<f32> {
        ParamsSnapshot::gather_f32(self, positions)
    }

    fn fits_f32(&self) -> bool {
        ParamsSnapshot::fits_f32(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snn::SnnConfig;
    use rand::SeedableRng;

    #[test]
    fn flat_round_trip_and_layout_agree() {
        let net = Network::new(SnnConfig::paper(5, 1, 2)).expect("network");
        let p = net.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let flat = flatten(&p);
        let lay = layout(&net);
        assert_eq!(flat.len(), lay.len());
        assert_eq!(lay.synapse_count(), net.synapse_count());
        assert_eq!(unflatten(&flat, &p), p);
    }
}
