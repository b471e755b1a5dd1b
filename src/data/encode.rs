//! Rate (Bernoulli) coding of grey-level images.

use rand::Rng;

use super::image::Image;
use super::spikes::SpikeTrain;

/// Rate-code `img` over `steps` steps: pixel (row, col) drives channel `row * width + col`, which
/// spikes independently at every step with probability min(1, gain * pixel / 255).
/// A non-finite or negative `gain` gives a silent train.
pub fn rate_encode(img: &Image, steps: usize, gain: f64, rng: &mut impl Rng) -> SpikeTrain {
    let channels = img.width * img.height;
    let plan = rate_plan(img, gain);
    let steps = (0..steps)
        .map(|_| {
            let mut step = Vec::new();
            rate_step(&plan, rng, &mut step);
            step
        })
        .collect();
    SpikeTrain { channels, steps }
}

/// The channels of `img` that can spike under rate coding with `gain`, ascending, each with its
/// spike probability min(1, gain * pixel / 255) (> 0). A non-finite or negative `gain` gives
/// none.
pub fn rate_plan(img: &Image, gain: f64) -> Vec<(u32, f64)> {
    let channels = img.width * img.height;
    let gain = if gain.is_finite() && gain > 0.0 {
        gain
    } else {
        0.0
    };
    img.pixels
        .iter()
        .take(channels)
        .enumerate()
        .map(|(c, &p)| (c as u32, (gain * f64::from(p) / 255.0).min(1.0)))
        .filter(|&(_, p)| p > 0.0)
        .collect()
}

/// One step of rate coding from a [`rate_plan`]: the channels that spike, written to `out`
/// (cleared first). Draws one uniform number per channel with probability below 1, in channel
/// order, so that steps drawn one at a time from a stream equal [`rate_encode`]'s.
pub fn rate_step(plan: &[(u32, f64)], rng: &mut impl Rng, out: &mut Vec<u32>) {
    out.clear();
    out.extend(
        plan.iter()
            .filter(|&&(_, p)| p >= 1.0 || rng.random::<f64>() < p)
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
