//! Sizes of what crosses the channel.
//!
//! A model travels as 32-bit floats: every unmasked feedforward weight (the topology is known to
//! both ends, so masked entries are not sent), the feedback weights and the biases, behind a
//! message header (sender, round, kind, value count).

use crate::snn::Network;

/// Bytes per parameter value on the wire (f32).
pub const VALUE_BYTES: u64 = 4;

/// Application header of every model message [B]: sender id (4), round (4), kind (4), count (4).
pub const MESSAGE_HEADER_BYTES: u64 = 16;

/// Application payload of a full model [B], before packetisation.
pub fn params_payload_bytes(net: &Network) -> u64 {
    MESSAGE_HEADER_BYTES + net.n_learnable() as u64 * VALUE_BYTES
}
