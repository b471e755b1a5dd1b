//! Small-scale block fading: the channel's power gain |h|^2 (mean 1) stays constant for one
//! coherence time and is redrawn in the next.
//!
//! Device `d`'s gain in block `b = floor(t / coherence)` is a pure function of (seed, d, b): the
//! device's fading stream is positioned at one ChaCha block per coherence block, so no state is
//! kept per device, the uplink and downlink see the same gain at the same time (reciprocity), and
//! the gain never depends on how often or in what order devices transmit.
//!
//! - Rayleigh: h ~ CN(0, 1), so |h|^2 ~ Exp(1) and P(|h|^2 < x) = 1 - exp(-x).
//! - Rician with factor K: h = sqrt(K / (K + 1)) + sqrt(1 / (K + 1)) CN(0, 1); mean |h|^2 = 1.

use super::error::NetError;
use crate::rng::{stream, Node, Purpose};
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// 32-bit words of the stream reserved per coherence block (one ChaCha block).
const WORDS_PER_BLOCK: u128 = 16;

/// A small-scale fading model.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fading {
    /// No fading: gain 1.
    None,
    /// Rayleigh: no dominant path.
    Rayleigh,
    /// Rician with a dominant path.
    Rician {
        /// Power ratio of the dominant path to the scattered ones K [linear, >= 0].
        k: f64,
    },
}

impl Fading {
    /// Check the K factor.
    pub fn validate(&self) -> Result<(), NetError> {
        match *self {
            Fading::Rician { k } if !(k.is_finite() && k >= 0.0) => Err(NetError::invalid(
                "fading.rician",
                "k",
                k,
                "a finite K factor >= 0",
            )),
            _ => Ok(()),
        }
    }

    /// One power gain |h|^2 drawn from `rng` (two uniforms; none for no fading).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Fading::None => 1.0,
            Fading::Rayleigh => -(1.0 - rng.random::<f64>()).ln(),
            Fading::Rician { k } => {
                let (x, y) = box_muller(rng);
                let los = (k / (k + 1.0)).sqrt();
                let scatter = (0.5 / (k + 1.0)).sqrt();
                (los + scatter * x).powi(2) + (scatter * y).powi(2)
            }
        }
    }

    /// Device `d`'s gain at `t` in a run with `seed`, blocks of `coherence` (zero means a new
    /// draw every nanosecond).
    pub fn gain(&self, seed: u64, d: u32, t: SimTime, coherence: SimDuration) -> f64 {
        if *self == Fading::None {
            return 1.0;
        }
        let block = t.0 / coherence.0.max(1);
        let mut rng = stream(seed, Node::Device(d), Purpose::Fading);
        rng.set_word_pos(u128::from(block) * WORDS_PER_BLOCK);
        self.draw(&mut rng)
    }
}

/// Two independent standard normals from two uniforms.
fn box_muller<R: Rng + ?Sized>(rng: &mut R) -> (f64, f64) {
    let r = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    let angle = TAU * rng.random::<f64>();
    (r * angle.cos(), r * angle.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_hold_within_a_block_and_change_between_blocks() {
        let c = SimDuration::from_millis(10);
        let f = Fading::Rayleigh;
        let at = |ms: u64| f.gain(3, 7, SimTime(ms * 1_000_000), c);
        assert_eq!(at(0), at(9));
        assert_ne!(at(9), at(10));
        assert_eq!(at(25), at(21));
        assert_ne!(f.gain(3, 7, SimTime(0), c), f.gain(3, 8, SimTime(0), c));
        assert_eq!(Fading::None.gain(3, 7, SimTime(5), c), 1.0);
    }

    #[test]
    fn negative_k_is_an_error() {
        assert!(Fading::Rician { k: -1.0 }.validate().is_err());
        assert!(Fading::Rician { k: 0.0 }.validate().is_ok());
    }
}
