//! The base station's receiver of an over-the-air round: the superposed uploads arrive as their
//! weighted sum plus Gaussian noise at the threshold SNR (see [`crate::net::aircomp`]), so the
//! aggregate is the weighted mean plus an error of standard deviation `A / (W sqrt(SNR))` on each
//! entry, drawn from the base station's own stream.

use crate::net::OverTheAir;
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};

/// The noise of an over-the-air sum.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AirReceiver {
    air: OverTheAir,
    rng: ChaCha12Rng,
}

impl AirReceiver {
    /// A receiver with `air`'s settings drawing from `rng`.
    pub fn new(air: OverTheAir, rng: ChaCha12Rng) -> AirReceiver {
        AirReceiver { air, rng }
    }

    /// Adds the receiver noise to the weighted `mean` of the uploads, whose largest weighted
    /// root-mean-square over the total weight is `amplitude_per_weight`.
    pub fn perturb(&mut self, mean: &mut [f64], amplitude_per_weight: f64) {
        let std = self.air.noise_std(amplitude_per_weight);
        if std == 0.0 {
            return;
        }
        for v in mean {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            *v += std * z;
        }
    }
}
