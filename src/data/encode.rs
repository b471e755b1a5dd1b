//! Rate (Bernoulli) coding of grey-level images.

use rand::Rng;

use super::image::Image;
use super::spikes::SpikeTrain;

/// Rate-code `img` over `steps` steps: pixel (row, col) drives channel `row * width + col`, which
/// spikes independently at every step with probability min(1, gain * pixel / 255).
/// A non-finite or negative `gain` gives a silent train.
pub fn rate_encode(img: &Image, steps: usize, gain: f64, rng: &mut impl Rng) -> SpikeTrain {
    let channels = img.width * img.height;
    let table = RateTable::new(gain);
    let plan = rate_plan(img, &table);
    let steps = (0..steps)
        .map(|_| {
            let mut step = Vec::new();
            rate_step(&plan, &table, rng, &mut step);
            step
        })
        .collect();
    SpikeTrain { channels, steps }
}

/// Rate coding's spike probability per grey level, min(1, gain * level / 255); all zero for a
/// non-finite or negative gain.
#[derive(Clone, Debug)]
pub struct RateTable([f64; 256]);

impl RateTable {
    /// The table for `gain`.
    pub fn new(gain: f64) -> RateTable {
        let gain = if gain.is_finite() && gain > 0.0 {
            gain
        } else {
            0.0
        };
        RateTable(std::array::from_fn(|level| {
            (gain * f64::from(level as u8) / 255.0).min(1.0)
        }))
    }

    /// The spike probability of grey level `level`.
    pub fn probability(&self, level: u8) -> f64 {
        self.0[usize::from(level)]
    }
}

/// The channels of `img` that can spike under rate coding with `table` (probability > 0),
/// ascending, each with its grey level.
pub fn rate_plan(img: &Image, table: &RateTable) -> Vec<(u32, u8)> {
    let channels = img.width * img.height;
    img.pixels
        .iter()
        .take(channels)
        .enumerate()
        .filter(|&(_, &level)| table.probability(level) > 0.0)
        .map(|(c, &level)| (c as u32, level))
        .collect()
}

/// One step of rate coding from a [`rate_plan`]: the channels that spike, written to `out`
/// (cleared first). Draws one uniform number per channel with probability below 1, in channel
/// order, so that steps drawn one at a time from a stream equal [`rate_encode`]'s.
pub fn rate_step(plan: &[(u32, u8)], table: &RateTable, rng: &mut impl Rng, out: &mut Vec<u32>) {
    out.clear();
    out.extend(
        plan.iter()
            .filter(|&&(_, level)| {
                let p = table.probability(level);
                p >= 1.0 || rng.random::<f64>() < p
            })
            .map(|&(c, _)| c),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn black_pixels_never_spike_and_white_at_gain_one_always() {
        let img = Image {
            width: 2,
            height: 1,
            pixels: vec![0, 255],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let train = rate_encode(&img, 50, 1.0, &mut rng);
        assert!(train.steps.iter().all(|s| s == &vec![1]));
    }

    #[test]
    fn nan_gain_is_silent() {
        let img = Image {
            width: 1,
            height: 1,
            pixels: vec![200],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(rate_encode(&img, 10, f64::NAN, &mut rng).spike_count(), 0);
    }
}
