//! ARQ: send a message's packets in order, retransmitting each lost packet up to `retries`
//! times. A packet that is lost on all `1 + retries` attempts loses the whole message, and the
//! sender stops there: the remaining packets are never sent (and cost no airtime).

use super::loss::LossState;
use super::packet::PacketFormat;
use rand::Rng;

/// What one message's transmission cost and whether it got through.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Transmission {
    /// Every packet arrived.
    pub delivered: bool,
    /// Packet transmissions, first attempts and retransmissions \[packets\].
    pub attempts: u32,
    /// Bits put on the air over all attempts, headers included \[bit\].
    pub wire_bits: u64,
    /// Retransmissions, i.e. attempts after a loss \[packets\].
    pub retransmissions: u32,
    /// Packet transmissions that were lost \[packets\]; `retransmissions` if delivered,
    /// `retransmissions + 1` otherwise.
    pub lost_packets: u32,
}

/// Send `payload` bytes cut by `format`, with up to `retries` retransmissions per packet, drawing
/// losses from `loss`.
pub fn send_message<R: Rng + ?Sized>(
    payload: u64,
    format: &PacketFormat,
    retries: u32,
    loss: &mut LossState,
    rng: &mut R,
) -> Transmission {
    let mut outcome = Transmission {
        delivered: true,
        ..Transmission::default()
    };
    for size in format.packet_sizes(payload) {
        let bits = size.saturating_mul(8);
        let mut through = false;
        for attempt in 0..=retries {
            if attempt > 0 {
                outcome.retransmissions += 1;
            }
            outcome.attempts = outcome.attempts.saturating_add(1);
            outcome.wire_bits = outcome.wire_bits.saturating_add(bits);
            if loss.packet_lost(rng) {
                outcome.lost_packets += 1;
            } else {
                through = true;
                break;
            }
        }
        if !through {
            outcome.delivered = false;
            break;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::loss::LossModel;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn lossless_message_costs_its_wire_bytes_once() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let format = PacketFormat::new(1500, 40).expect("valid");
        let mut loss = LossState::new(LossModel::None, &mut rng).expect("valid");
        let sent = send_message(10_000, &format, 3, &mut loss, &mut rng);
        assert!(sent.delivered);
        assert_eq!(sent.attempts as u64, format.packet_count(10_000));
        assert_eq!(sent.wire_bits, format.wire_bytes(10_000) * 8);
        assert_eq!(sent.retransmissions, 0);
        assert_eq!(sent.lost_packets, 0);
    }

    #[test]
    fn certain_loss_stops_after_first_packet_retries() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let format = PacketFormat::new(100, 20).expect("valid");
        let mut loss = LossState::new(LossModel::Bernoulli { p: 1.0 }, &mut rng).expect("valid");
        let sent = send_message(1_000, &format, 4, &mut loss, &mut rng);
        assert!(!sent.delivered);
        assert_eq!(sent.attempts, 5);
        assert_eq!(sent.retransmissions, 4);
        assert_eq!(sent.lost_packets, 5);
        assert_eq!(sent.wire_bits, 5 * 100 * 8);
    }
}
