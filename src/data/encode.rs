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
/// non-finite or negative gain. With each probability below 1 it keeps the draw threshold that
/// decides a spike without a float: `u < p` for a uniform `u = (x >> 11) * 2^-53` drawn from the
/// 64-bit word `x` (how `rand` draws an `f64`) holds exactly when `x >> 11 < ceil(p * 2^53)`,
/// both sides being exact.
#[derive(Clone, Debug)]
pub struct RateTable {
    /// The gain, 0 when it was not finite and positive.
    gain: f64,
    /// `ceil(p * 2^53)` per level; [`ALWAYS`] where p >= 1 (a spike with no draw).
    threshold: [u64; 256],
}

/// A threshold meaning "spikes at every step, drawing nothing".
const ALWAYS: u64 = u64::MAX;

impl RateTable {
    /// The table for `gain`.
    pub fn new(gain: f64) -> RateTable {
        let gain = if gain.is_finite() && gain > 0.0 {
            gain
        } else {
            0.0
        };
        let mut table = RateTable {
            gain,
            threshold: [0; 256],
        };
        for level in 0..=255u8 {
            let p = table.probability(level);
            table.threshold[usize::from(level)] = if p >= 1.0 {
                ALWAYS
            } else {
                (p * (1u64 << 53) as f64).ceil() as u64
            };
        }
        table
    }

    /// The spike probability of grey level `level`.
    pub fn probability(&self, level: u8) -> f64 {
        (self.gain * f64::from(level) / 255.0).min(1.0)
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
/// order, so that steps drawn one at a time from a stream equal [`rate_encode`]'s. The draws are
/// taken 64 words at a time with [`Rng::fill`], which for the block generators used here (ChaCha)
/// are the words that one `random::<f64>()` per channel would take, in the same order.
pub fn rate_step(plan: &[(u32, u8)], table: &RateTable, rng: &mut impl Rng, out: &mut Vec<u32>) {
    out.clear();
    let mut draws = [0u64; 64];
    let mut spiked = [0u32; 64];
    // Whether some level spikes without a draw (a gain above 1): else every channel draws.
    let some_always = table.threshold[255] == ALWAYS;
    for segment in plan.chunks(draws.len()) {
        // Every channel written, the count advanced only by those that spike (no branch per
        // draw).
        let mut count = 0;
        if some_always {
            let wanted = segment
                .iter()
                .filter(|&&(_, level)| table.threshold[usize::from(level)] != ALWAYS)
                .count();
            rng.fill(&mut draws[..wanted]);
            let mut next = 0;
            for &(channel, level) in segment {
                let threshold = table.threshold[usize::from(level)];
                let spikes = if threshold == ALWAYS {
                    true
                } else {
                    next += 1;
                    draws[next - 1] >> 11 < threshold
                };
                spiked[count] = channel;
                count += usize::from(spikes);
            }
        } else {
            rng.fill(&mut draws[..segment.len()]);
            for (&(channel, level), &x) in segment.iter().zip(&draws) {
                spiked[count] = channel;
                count += usize::from(x >> 11 < table.threshold[usize::from(level)]);
            }
        }
        // Pushed one by one: `out` grows as it always has (its capacity is counted in the
        // device's memory figure).
        for &channel in &spiked[..count] {
            out.push(channel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};
    use rand_chacha::{ChaCha12Rng, ChaCha8Rng};

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

    /// The spikes and the stream's position equal those of one `random::<f64>() < p` per
    /// channel with p < 1 (what rate coding is defined as), over many steps and gains, some with
    /// probabilities of 1 among them, and plans longer than one block of draws.
    #[test]
    fn steps_equal_one_float_draw_per_uncertain_channel() {
        let mut pixels = vec![0u8; 26 * 26];
        let mut seed = ChaCha8Rng::seed_from_u64(9);
        for p in pixels.iter_mut().skip(40).take(300) {
            *p = seed.random();
        }
        let img = Image {
            width: 26,
            height: 26,
            pixels,
        };
        for gain in [0.15, 1.0, 1.7, 30.0] {
            let table = RateTable::new(gain);
            let plan = rate_plan(&img, &table);
            let mut fast = ChaCha12Rng::seed_from_u64(3);
            let mut reference = fast.clone();
            let mut out = Vec::new();
            for step in 0..200 {
                // Start at odd word positions too (a u64 draw straddling two blocks).
                if step % 7 == 3 {
                    fast.next_u32();
                    reference.next_u32();
                }
                rate_step(&plan, &table, &mut fast, &mut out);
                let expected: Vec<u32> = plan
                    .iter()
                    .filter(|&&(_, level)| {
                        let p = table.probability(level);
                        p >= 1.0 || reference.random::<f64>() < p
                    })
                    .map(|&(c, _)| c)
                    .collect();
                assert_eq!(out, expected, "gain {gain}, step {step}");
                assert_eq!(fast.get_word_pos(), reference.get_word_pos());
            }
        }
    }
}
