//! Per-(node, purpose) random streams derived from one master seed.
//!
//! A stream is a ChaCha12 generator keyed by the run seed, on a stream number that is a stable
//! function of the node and the purpose. Adding a device or changing the network never shifts the
//! numbers another node or purpose sees (common random numbers across budget comparisons).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha12Rng;
use serde::{Deserialize, Serialize};

/// Who draws the numbers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// The base station.
    BaseStation,
    /// Device `id`.
    Device(u32),
}

/// What the numbers are for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Model initialisation (base station).
    Init,
    /// Data sampling, encoding and partitioning.
    Data,
    /// Hidden-neuron sampling while training.
    Training,
    /// Sampling while testing.
    Test,
    /// Packet loss on the uplink.
    UplinkLoss,
    /// Packet loss on the downlink.
    DownlinkLoss,
    /// Propagation latency on the uplink.
    UplinkLatency,
    /// Propagation latency on the downlink.
    DownlinkLatency,
    /// On/off periods.
    Availability,
    /// Participation sampling (base station).
    Participation,
    /// Device class and compute draws.
    Compute,
    /// Random choices of the upload compressor.
    Compression,
    /// Position, line of sight and shadowing in the cell (hot-spot centres: base station).
    CellPlacement,
    /// Small-scale fading blocks.
    Fading,
    /// Receiver noise of over-the-air aggregation (base station).
    AirNoise,
    /// Device movement in the cell.
    Mobility,
    /// Devices a fault picks at random (`[[faults]]` `fraction`; base station).
    FaultTargets,
    /// Damage to uploads (corruption faults).
    Corruption,
}

impl Purpose {
    fn code(self) -> u64 {
        match self {
            Purpose::Init => 1,
            Purpose::Data => 2,
            Purpose::Training => 3,
            Purpose::Test => 4,
            Purpose::UplinkLoss => 5,
            Purpose::DownlinkLoss => 6,
            Purpose::UplinkLatency => 7,
            Purpose::DownlinkLatency => 8,
            Purpose::Availability => 9,
            Purpose::Participation => 10,
            Purpose::Compute => 11,
            Purpose::Compression => 12,
            Purpose::CellPlacement => 13,
            Purpose::Fading => 14,
            Purpose::AirNoise => 15,
            Purpose::Mobility => 16,
            Purpose::FaultTargets => 17,
            Purpose::Corruption => 18,
        }
    }
}

/// The random stream of `node` for `purpose` in a run with master `seed`.
pub fn stream(seed: u64, node: Node, purpose: Purpose) -> ChaCha12Rng {
    let node_code = match node {
        Node::BaseStation => 0,
        Node::Device(id) => u64::from(id) + 1,
    };
    let mut rng = ChaCha12Rng::seed_from_u64(seed);
    rng.set_stream((node_code << 8) | purpose.code());
    rng
}

/// [`stream`] moved to word `word` (as if `word` 32-bit words had been drawn from it).
pub fn stream_at(seed: u64, node: Node, purpose: Purpose, word: u64) -> ChaCha12Rng {
    let mut rng = stream(seed, node, purpose);
    if word > 0 {
        rng.set_word_pos(u128::from(word));
    }
    rng
}

/// Where a stream stands: the 32-bit words drawn from it so far. A node that keeps many streams
/// between rare draws keeps each as its position (8 bytes instead of a 312-byte generator) and
/// takes it up with [`Resumed`] to draw; the draws are those the kept generator would give.
///
/// A position cannot overflow: 2^64 words are about 600 years of drawing at 10^9 words per second.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamPos(u64);

impl StreamPos {
    /// The position after `words` words.
    pub fn at(words: u64) -> StreamPos {
        StreamPos(words)
    }

    /// The words drawn so far.
    pub fn words(self) -> u64 {
        self.0
    }
}

/// A stream taken up at its [`StreamPos`] for a few draws. The generator is derived at the first
/// draw only (a constant latency or a lossless link draws nothing and costs nothing); read the
/// new position back with [`Resumed::pos`].
pub struct Resumed {
    seed: u64,
    node: Node,
    purpose: Purpose,
    at: StreamPos,
    rng: Option<ChaCha12Rng>,
}

impl Resumed {
    /// `node`'s stream for `purpose` in a run with master `seed`, at `at`.
    pub fn new(seed: u64, node: Node, purpose: Purpose, at: StreamPos) -> Resumed {
        Resumed {
            seed,
            node,
            purpose,
            at,
            rng: None,
        }
    }

    /// Where the stream stands now.
    pub fn pos(&self) -> StreamPos {
        match &self.rng {
            None => self.at,
            // Below 2^64 words (see `StreamPos`), so the conversion is exact.
            Some(rng) => StreamPos(u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX)),
        }
    }

    fn rng(&mut self) -> &mut ChaCha12Rng {
        let (seed, node, purpose, at) = (self.seed, self.node, self.purpose, self.at.0);
        self.rng
            .get_or_insert_with(|| stream_at(seed, node, purpose, at))
    }
}

impl RngCore for Resumed {
    fn next_u32(&mut self) -> u32 {
        self.rng().next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rng().next_u64()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.rng().fill_bytes(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn a_resumed_stream_draws_what_the_kept_generator_draws() {
        // Mixed draw widths, so that positions land inside and at the ends of ChaCha blocks and
        // of the generator's four-block buffer (a u64 may straddle two blocks).
        let mut kept = stream(5, Node::Device(9), Purpose::UplinkLoss);
        let mut pos = StreamPos::default();
        for round in 0..200u32 {
            let mut resumed = Resumed::new(5, Node::Device(9), Purpose::UplinkLoss, pos);
            for i in 0..(round % 7) {
                if (round + i) % 3 == 0 {
                    assert_eq!(resumed.next_u32(), kept.next_u32(), "round {round}");
                } else {
                    let (a, b): (f64, f64) = (resumed.random(), kept.random());
                    assert_eq!(a.to_bits(), b.to_bits(), "round {round}");
                }
            }
            pos = resumed.pos();
            assert_eq!(u128::from(pos.words()), kept.get_word_pos());
        }
        assert!(
            pos.words() > 64 * 4,
            "several buffers drawn: {}",
            pos.words()
        );
        let untouched = Resumed::new(5, Node::Device(9), Purpose::UplinkLoss, pos);
        assert_eq!(untouched.pos(), pos, "no draw, no move");
    }

    #[test]
    fn streams_are_stable_and_distinct() {
        let a: u64 = stream(7, Node::Device(3), Purpose::Training).random();
        let b: u64 = stream(7, Node::Device(3), Purpose::Training).random();
        let c: u64 = stream(7, Node::Device(4), Purpose::Training).random();
        let d: u64 = stream(7, Node::Device(3), Purpose::UplinkLoss).random();
        let e: u64 = stream(8, Node::Device(3), Purpose::Training).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
    }
}
