//! Per-(node, purpose) random streams derived from one master seed.
//!
//! A stream is a ChaCha12 generator keyed by the run seed, on a stream number that is a stable
//! function of the node and the purpose. Adding a device or changing the network never shifts the
//! numbers another node or purpose sees (common random numbers across budget comparisons).

use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;

/// Who draws the numbers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// The base station.
    BaseStation,
    /// Device `id`.
    Device(u32),
}

/// What the numbers are for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

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
