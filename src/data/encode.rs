//! Rate (Bernoulli) coding of grey-level images.

use rand::Rng;

use super::image::Image;
use super::spikes::SpikeTrain;

/// Rate-code `img` over `steps` steps with `table`: pixel (row, col) drives channel
/// `row * width + col`, which spikes independently at every step with probability
/// min(1, gain * pixel / 255). A gain that was not finite and positive gives a silent train.
pub fn rate_encode(img: &Image, steps: usize, table: &RateTable, rng: &mut impl Rng) -> SpikeTrain {
    let channels = img.width * img.height;
    let plan = rate_plan(img, table);
    let mut cursor = RateCursor::default();
    rate_start(&plan, table, rng, &mut cursor);
    let steps = (0..steps)
        .map(|step| {
            let mut out = Vec::new();
            rate_step(&plan, table, rng, step as u32, &mut cursor, &mut out);
            out
        })
        .collect();
    SpikeTrain { channels, steps }
}

/// How rate coding draws from its stream: two layouts of the same Bernoulli spikes (the same
/// distribution, other spikes for one seed).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum RateDraws {
    /// One uniform per channel with 0 < p < 1 at every step, in channel order: `u < p` spikes.
    #[default]
    PerStep,
    /// One draw per spike: each channel draws the geometric gap to its next spike (at an
    /// example's start, and when it spikes) as `floor(e / lambda)`, `e` exponential and
    /// `lambda = -ln(1 - p)`. About 1/p times fewer draws: the faster layout at low rates
    /// (gain 0.15: about 7 times fewer).
    PerSpike,
}

/// Rate coding's spike probability per grey level, min(1, gain * level / 255), all zero for a
/// non-finite or negative gain, and what drawing a spike takes under its [`RateDraws`]:
/// - per step, the threshold that decides a spike without a float: `u < p` for a uniform
///   `u = (x >> 11) 2^-53` drawn from the 64-bit word `x` (how `rand` draws an `f64`) holds
///   exactly when `x >> 11 < ceil(p 2^53)`, both sides being exact;
/// - per spike, `1 / ln(1 - p)`, with which the gaps between spikes are drawn
///   ([`RateDraws::PerSpike`]).
#[derive(Clone, Debug)]
pub struct RateTable {
    /// The gain, 0 when it was not finite and positive.
    gain: f64,
    draws: RateDraws,
    /// `ceil(p 2^53)` per level; [`ALWAYS`] where p >= 1 (a spike with no draw).
    threshold: [u64; 256],
    /// `1 / ln(1 - p)` per level (minus zero where p >= 1, minus infinity where p = 0).
    inv_log_q: [f64; 256],
}

/// A threshold meaning "spikes at every step, drawing nothing".
const ALWAYS: u64 = u64::MAX;

impl RateTable {
    /// The table for `gain`, drawing as `draws` says.
    pub fn new(gain: f64, draws: RateDraws) -> RateTable {
        let gain = if gain.is_finite() && gain > 0.0 {
            gain
        } else {
            0.0
        };
        let mut table = RateTable {
            gain,
            draws,
            threshold: [0; 256],
            inv_log_q: [0.0; 256],
        };
        for level in 0..=255u8 {
            let p = table.probability(level);
            let at = usize::from(level);
            (table.threshold[at], table.inv_log_q[at]) = if p >= 1.0 {
                (ALWAYS, -0.0)
            } else {
                ((p * (1u64 << 53) as f64).ceil() as u64, 1.0 / (-p).ln_1p())
            };
        }
        table
    }

    /// How it draws.
    pub fn draws(&self) -> RateDraws {
        self.draws
    }

    /// The spike probability of grey level `level`.
    pub fn probability(&self, level: u8) -> f64 {
        (self.gain * f64::from(level) / 255.0).min(1.0)
    }

    /// Per spike: the step of the next spike of a channel of grey level `level`, drawn when it
    /// spiked at step `after - 1` (`after` = 0 at an example's start, giving its first spike):
    /// `after + floor(e / lambda)` with `lambda = -ln(1 - p)`, a geometric gap, for an
    /// exponential variate `e` drawn by `rand_distr`'s `Exp1` (a ziggurat: one 64-bit word in
    /// most draws, no logarithm); with p >= 1, `after` without a draw. Saturates at `u32::MAX`
    /// (never, in any example).
    #[inline]
    fn next_spike(&self, level: u8, after: u32, rng: &mut impl Rng) -> u32 {
        let c = self.inv_log_q[usize::from(level)];
        if c == 0.0 {
            return after;
        }
        // `Distribution::sample` is marked for inlining, `Rng::sample` (its wrapper) is not: the
        // ziggurat is called directly, so that it stays inlined in the draw loop whatever else
        // the crate's build inlines.
        let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, rng);
        // A float-to-integer cast saturates: a gap beyond u32 is never reached.
        after.saturating_add((-e * c) as u32)
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

/// Where a rate-coded example drawn per spike stands: each plan channel's next spike step.
/// Empty when drawing per step.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RateCursor {
    /// Per plan channel, the step of its next spike (`u32::MAX`: none in this example).
    #[serde(with = "crate::snn::capacity")]
    next: Vec<u32>,
}

impl RateCursor {
    /// Channels it holds (0 when drawing per step).
    pub fn len(&self) -> usize {
        self.next.len()
    }

    /// Whether it holds no channel.
    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    /// Heap size \[bytes\].
    pub fn memory_bytes(&self) -> usize {
        self.next.capacity() * 4
    }

    /// [`rate_step`] drawing per spike: the channels due at `step` spike and, in channel
    /// order, each draws the step of its next spike. They are found 64 at a time without a
    /// branch per channel (each place written, the count advanced only by the due), so that a
    /// step costs little more than its spikes.
    fn advance(
        &mut self,
        plan: &[(u32, u8)],
        table: &RateTable,
        rng: &mut impl Rng,
        step: u32,
        out: &mut Vec<u32>,
    ) {
        let after = step.saturating_add(1);
        let mut due = [0u8; 64];
        for (plan, next) in plan.chunks(due.len()).zip(self.next.chunks_mut(due.len())) {
            let mut count = 0;
            for (k, &n) in next.iter().enumerate() {
                due[count] = k as u8;
                count += usize::from(n == step);
            }
            for &k in &due[..count] {
                let (channel, level) = plan[usize::from(k)];
                out.push(channel);
                next[usize::from(k)] = table.next_spike(level, after, rng);
            }
        }
    }
}

/// Starts a rate-coded example from a [`rate_plan`]. Per spike, `cursor` gets the step of each
/// plan channel's first spike (one draw per channel with p < 1, in channel order); per step it
/// is left empty, and nothing is drawn.
pub fn rate_start(
    plan: &[(u32, u8)],
    table: &RateTable,
    rng: &mut impl Rng,
    cursor: &mut RateCursor,
) {
    cursor.next.clear();
    if table.draws == RateDraws::PerSpike {
        let next = plan
            .iter()
            .map(|&(_, level)| table.next_spike(level, 0, rng));
        cursor.next.extend(next);
    }
}

/// Step `step` of a rate-coded example begun by [`rate_start`] (steps in order from 0): the
/// channels that spike, written to `out` (cleared first), ascending.
/// - Per step: one uniform per channel with p < 1, in channel order. The draws are taken 64
///   words at a time with [`Rng::fill`], which for the block generators used here (ChaCha) are
///   the words that one `random::<f64>()` per channel would take, in the same order.
/// - Per spike: each channel that spikes now draws the step of its next spike, in channel order.
pub fn rate_step(
    plan: &[(u32, u8)],
    table: &RateTable,
    rng: &mut impl Rng,
    step: u32,
    cursor: &mut RateCursor,
    out: &mut Vec<u32>,
) {
    out.clear();
    match table.draws {
        RateDraws::PerStep => per_step(plan, table, rng, out),
        RateDraws::PerSpike => cursor.advance(plan, table, rng, step, out),
    }
}

/// [`rate_step`] drawing per step.
fn per_step(plan: &[(u32, u8)], table: &RateTable, rng: &mut impl Rng, out: &mut Vec<u32>) {
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
        for draws in [RateDraws::PerStep, RateDraws::PerSpike] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let train = rate_encode(&img, 50, &RateTable::new(1.0, draws), &mut rng);
            assert!(train.steps.iter().all(|s| s == &vec![1]), "{draws:?}");
            // Nothing is drawn for a pixel that spikes at every step.
            assert_eq!(rng.get_word_pos(), 0, "{draws:?}");
        }
    }

    #[test]
    fn nan_gain_is_silent() {
        let img = Image {
            width: 1,
            height: 1,
            pixels: vec![200],
        };
        for draws in [RateDraws::PerStep, RateDraws::PerSpike] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let table = RateTable::new(f64::NAN, draws);
            assert_eq!(rate_encode(&img, 10, &table, &mut rng).spike_count(), 0);
        }
    }

    /// The spikes and the stream's position equal those of one `random::<f64>() < p` per
    /// channel with p < 1 (what rate coding is defined as), over many steps and gains, some with
    /// probabilities of 1 among them, and plans longer than one block of draws.
    #[test]
    fn steps_equal_one_float_draw_per_uncertain_channel() {
        let img = digit_like();
        for gain in [0.15, 1.0, 1.7, 30.0] {
            let table = RateTable::new(gain, RateDraws::PerStep);
            let plan = rate_plan(&img, &table);
            let mut fast = ChaCha12Rng::seed_from_u64(3);
            let mut reference = fast.clone();
            let (mut out, mut cursor) = (Vec::new(), RateCursor::default());
            rate_start(&plan, &table, &mut fast, &mut cursor);
            assert!(cursor.is_empty());
            for step in 0..200 {
                // Start at odd word positions too (a u64 draw straddling two blocks).
                if step % 7 == 3 {
                    fast.next_u32();
                    reference.next_u32();
                }
                rate_step(&plan, &table, &mut fast, step, &mut cursor, &mut out);
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

    fn digit_like() -> Image {
        let mut pixels = vec![0u8; 26 * 26];
        let mut seed = ChaCha8Rng::seed_from_u64(9);
        for p in pixels.iter_mut().skip(40).take(300) {
            *p = seed.random();
        }
        Image {
            width: 26,
            height: 26,
            pixels,
        }
    }

    /// Per spike, the spikes and the stream's position equal those of a plain event list: a
    /// heap of (next spike step, channel), filled with one gap per channel in channel order,
    /// from which each step's spikes are taken in channel order, each drawing its next gap
    /// `floor(e / lambda)`, `e` from `Exp1` and `lambda = -ln(1 - p)` (the quotient as a
    /// product with the reciprocal).
    #[test]
    fn per_spike_steps_equal_an_event_list_of_geometric_gaps() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let img = digit_like();
        for gain in [0.15, 0.6, 1.0] {
            let table = RateTable::new(gain, RateDraws::PerSpike);
            let plan = rate_plan(&img, &table);
            let mut fast = ChaCha12Rng::seed_from_u64(3);
            let mut reference = fast.clone();
            let gap = |rng: &mut ChaCha12Rng, level: u8| -> u64 {
                let p = table.probability(level);
                if p >= 1.0 {
                    return 0;
                }
                let e: f64 = rng.sample(rand_distr::Exp1);
                (e * (-1.0 / (-p).ln_1p())).floor() as u64
            };
            let mut events: BinaryHeap<Reverse<(u64, usize)>> = (0..plan.len())
                .map(|i| Reverse((gap(&mut reference, plan[i].1), i)))
                .collect();
            let (mut out, mut cursor) = (Vec::new(), RateCursor::default());
            rate_start(&plan, &table, &mut fast, &mut cursor);
            assert_eq!(cursor.len(), plan.len());
            let mut spikes = 0;
            for step in 0..300u32 {
                rate_step(&plan, &table, &mut fast, step, &mut cursor, &mut out);
                let mut expected = Vec::new();
                while let Some(&Reverse((at, i))) = events.peek() {
                    if at != u64::from(step) {
                        assert!(at > u64::from(step));
                        break;
                    }
                    events.pop();
                    expected.push(plan[i].0);
                    let after = u64::from(step) + 1 + gap(&mut reference, plan[i].1);
                    events.push(Reverse((after, i)));
                }
                assert_eq!(out, expected, "gain {gain}, step {step}");
                assert_eq!(fast.get_word_pos(), reference.get_word_pos());
                spikes += out.len();
            }
            assert!(spikes > 1000, "gain {gain}: {spikes} spikes");
        }
    }

    /// Per spike, a channel spikes at each step with probability p, independently of its other
    /// steps: the rate, and the rate of spiking at both of two steps 1 and 3 apart (p^2), are
    /// within five standard deviations, and per spike takes about p times the draws of per step.
    #[test]
    fn per_spike_draws_independent_bernoulli_steps_with_fewer_draws() {
        let img = Image {
            width: 3,
            height: 1,
            pixels: vec![17, 128, 255],
        };
        let steps = 60_000;
        let gain = 0.5;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let table = RateTable::new(gain, RateDraws::PerSpike);
        let train = rate_encode(&img, steps, &table, &mut rng);
        let per_spike_words = rng.get_word_pos();
        for (c, &level) in img.pixels.iter().enumerate() {
            let p = table.probability(level);
            let spiked: Vec<bool> = train
                .steps
                .iter()
                .map(|s| s.contains(&(c as u32)))
                .collect();
            let rate = spiked.iter().filter(|&&s| s).count() as f64 / steps as f64;
            let sd = (p * (1.0 - p) / steps as f64).sqrt();
            assert!((rate - p).abs() <= 5.0 * sd, "channel {c}: {rate} vs {p}");
            for lag in [1, 3] {
                let n = steps - lag;
                let both = (0..n).filter(|&t| spiked[t] && spiked[t + lag]).count() as f64;
                let (joint, q) = (both / n as f64, p * p);
                let sd = (q * (1.0 - q) / n as f64).sqrt();
                assert!(
                    (joint - q).abs() <= 5.0 * sd,
                    "channel {c}, lag {lag}: {joint} vs {q}"
                );
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        rate_encode(
            &img,
            steps,
            &RateTable::new(gain, RateDraws::PerStep),
            &mut rng,
        );
        let per_step_words = rng.get_word_pos();
        let mean_p = img
            .pixels
            .iter()
            .map(|&l| table.probability(l))
            .sum::<f64>()
            / 3.0;
        let ratio = per_spike_words as f64 / per_step_words as f64;
        assert!((ratio - mean_p).abs() < 0.02, "{ratio} vs {mean_p}");
    }
}
