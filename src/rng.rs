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
    numbered(seed, stream_number(node, purpose), 0)
}

/// [`stream`] moved to word `word` (as if `word` 32-bit words had been drawn from it).
pub fn stream_at(seed: u64, node: Node, purpose: Purpose, word: u64) -> ChaCha12Rng {
    numbered(seed, stream_number(node, purpose), word)
}

/// The generator of stream number `stream` with master `seed`, at word `word`.
fn numbered(seed: u64, stream: u64, word: u64) -> ChaCha12Rng {
    let mut rng = ChaCha12Rng::seed_from_u64(seed);
    rng.set_stream(stream);
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

/// A stream taken up at its [`StreamPos`] for a few draws. Nothing is computed until the first
/// draw (a constant latency or a lossless link draws nothing and costs nothing); then the one
/// ChaCha12 block (16 words) holding the position, where a generator would compute its buffer of
/// four blocks: most messages draw a few words. A message that draws past that block (an upload
/// of many packets, each drawing its loss) goes on with a generator (`rand_chacha`'s, which
/// computes four blocks at once, faster per word). The words are those of [`stream`], bit for bit
/// (`rng::tests`). Read the new position back with [`Resumed::pos`].
pub struct Resumed {
    seed: u64,
    stream: u64,
    /// The next word to draw (while no generator is taken).
    at: u64,
    /// The block holding word `at` when `ready`.
    block: [u32; 16],
    ready: bool,
    /// The generator, past the first block.
    rng: Option<ChaCha12Rng>,
}

impl Resumed {
    /// `node`'s stream for `purpose` in a run with master `seed`, at `at`.
    pub fn new(seed: u64, node: Node, purpose: Purpose, at: StreamPos) -> Resumed {
        Resumed {
            seed,
            stream: stream_number(node, purpose),
            at: at.0,
            block: [0; 16],
            ready: false,
            rng: None,
        }
    }

    /// The generator at word `at`, made if it is not yet.
    fn generator(&mut self) -> &mut ChaCha12Rng {
        let (seed, stream, at) = (self.seed, self.stream, self.at);
        self.rng.get_or_insert_with(|| numbered(seed, stream, at))
    }

    /// Where the stream stands now.
    pub fn pos(&self) -> StreamPos {
        match &self.rng {
            None => StreamPos(self.at),
            // Below 2^64 words (see `StreamPos`), so the conversion is exact.
            Some(rng) => StreamPos(u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX)),
        }
    }

    /// Prepares for at least `words` draws: when they go past the block holding the position,
    /// the generator (four blocks at once) is made now rather than after that block computed
    /// alone. The words drawn are the same.
    pub fn expect(&mut self, words: u64) {
        if self.rng.is_none() && !self.ready && self.at % 16 + words > 16 {
            self.generator();
        }
    }

    #[inline]
    fn next_word(&mut self) -> u32 {
        if let Some(rng) = &mut self.rng {
            return rng.next_u32();
        }
        let i = (self.at % 16) as usize;
        if self.ready && i == 0 {
            return self.generator().next_u32();
        }
        if !self.ready {
            chacha12_block(&key(self.seed), self.stream, self.at / 16, &mut self.block);
            self.ready = true;
        }
        self.at += 1;
        self.block[i]
    }
}

impl RngCore for Resumed {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.next_word()
    }

    /// Two words, the first the low half (as `rand_chacha` draws them, across block edges too).
    #[inline]
    fn next_u64(&mut self) -> u64 {
        if let Some(rng) = &mut self.rng {
            return rng.next_u64();
        }
        let lo = u64::from(self.next_word());
        let hi = u64::from(self.next_word());
        (hi << 32) | lo
    }

    /// Whole words in little-endian order; a word only partly used is used up (as `rand_core`'s
    /// block generators fill bytes).
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(4) {
            let word = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// The stream number of `node`'s stream for `purpose`.
fn stream_number(node: Node, purpose: Purpose) -> u64 {
    let node_code = match node {
        Node::BaseStation => 0,
        Node::Device(id) => u64::from(id) + 1,
    };
    (node_code << 8) | purpose.code()
}

/// The ChaCha key `ChaCha12Rng::seed_from_u64(seed)` uses: the seed expanded by PCG32
/// (`rand_core`'s `SeedableRng::seed_from_u64`), as little-endian words.
fn key(seed: u64) -> [u32; 8] {
    const MUL: u64 = 6_364_136_223_846_793_005;
    const INC: u64 = 11_634_580_027_462_260_723;
    let mut state = seed;
    let mut key = [0u32; 8];
    for word in &mut key {
        state = state.wrapping_mul(MUL).wrapping_add(INC);
        // Truncations are the PCG output function's.
        let xorshifted = (((state >> 18) ^ state) >> 27) as u32;
        *word = xorshifted.rotate_right((state >> 59) as u32);
    }
    key
}

/// Block `counter` of ChaCha12 with `key` on `stream` (the 64-bit counter and 64-bit nonce
/// layout of `rand_chacha`).
fn chacha12_block(key: &[u32; 8], stream: u64, counter: u64, out: &mut [u32; 16]) {
    #[inline(always)]
    fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }
    // Truncations split the 64-bit counter and stream into their words.
    let input = [
        0x6170_7865,
        0x3320_646e,
        0x7962_2d32,
        0x6b20_6574,
        key[0],
        key[1],
        key[2],
        key[3],
        key[4],
        key[5],
        key[6],
        key[7],
        counter as u32,
        (counter >> 32) as u32,
        stream as u32,
        (stream >> 32) as u32,
    ];
    let mut s = input;
    for _ in 0..6 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    for (o, (x, i)) in out.iter_mut().zip(s.iter().zip(input.iter())) {
        *o = x.wrapping_add(*i);
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

    /// A stream told to expect many draws (its generator made at once) draws the same words, and
    /// stands at the same position, as one drawing block by block, whatever it expects.
    #[test]
    fn expecting_draws_changes_no_word() {
        for at in [0u64, 5, 15, 16, 63, 1_000] {
            for (expected, drawn) in [(0u64, 3usize), (4, 40), (40, 4), (100, 100), (12, 12)] {
                let pos = StreamPos::at(at);
                let mut plain = Resumed::new(3, Node::Device(4), Purpose::UplinkLoss, pos);
                let mut told = Resumed::new(3, Node::Device(4), Purpose::UplinkLoss, pos);
                told.expect(expected);
                for i in 0..drawn {
                    assert_eq!(told.next_u32(), plain.next_u32(), "at {at}, word {i}");
                }
                assert_eq!(told.pos(), plain.pos(), "at {at}");
            }
        }
    }

    #[test]
    fn a_resumed_stream_fills_bytes_and_starts_anywhere_as_the_generator() {
        for (node, at) in [
            (Node::BaseStation, 0u64),
            (Node::Device(0), 15),
            (Node::Device(u32::MAX), 63),
            (Node::Device(77), (1u64 << 36) + 17),
        ] {
            let mut kept = stream_at(11, node, Purpose::Fading, at);
            let mut resumed = Resumed::new(11, node, Purpose::Fading, StreamPos::at(at));
            for len in [0usize, 1, 3, 4, 7, 9, 64, 70] {
                let (mut a, mut b) = (vec![0u8; len], vec![0u8; len]);
                resumed.fill_bytes(&mut a);
                kept.fill_bytes(&mut b);
                assert_eq!(a, b, "{node:?} at {at}, {len} bytes");
                assert_eq!(u128::from(resumed.pos().words()), kept.get_word_pos());
            }
            assert_eq!(resumed.next_u64(), kept.next_u64());
        }
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
