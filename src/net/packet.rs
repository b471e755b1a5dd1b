//! MTU packetisation: a payload is cut into packets of at most `mtu_bytes` each, header included.
//!
//! Each packet carries up to `mtu_bytes - header_bytes` payload bytes plus `header_bytes` of
//! header. A payload of zero bytes still needs one header-only packet (the message exists), so
//! `packet_count(0) = 1` and `wire_bytes(0) = header_bytes`.

use super::error::NetError;

/// Packet size limits of a link (build with [`PacketFormat::new`], which validates).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketFormat {
    /// Maximum packet size on the wire, header included \[bytes\].
    mtu_bytes: u64,
    /// Header added to every packet \[bytes\].
    header_bytes: u64,
}

impl PacketFormat {
    /// A validated format: `mtu_bytes` must exceed `header_bytes` so packets carry payload.
    pub fn new(mtu_bytes: u64, header_bytes: u64) -> Result<PacketFormat, NetError> {
        if mtu_bytes <= header_bytes {
            return Err(NetError::invalid(
                "packet",
                "mtu_bytes",
                format!("{mtu_bytes} (header_bytes {header_bytes})"),
                "an MTU larger than the per-packet header",
            ));
        }
        Ok(PacketFormat {
            mtu_bytes,
            header_bytes,
        })
    }

    /// Maximum packet size, header included \[bytes\].
    pub fn mtu_bytes(&self) -> u64 {
        self.mtu_bytes
    }

    /// Per-packet header \[bytes\].
    pub fn header_bytes(&self) -> u64 {
        self.header_bytes
    }

    /// Payload carried by a full packet \[bytes\].
    pub fn max_payload(&self) -> u64 {
        self.mtu_bytes - self.header_bytes
    }

    /// Number of packets for `payload` bytes (at least one).
    pub fn packet_count(&self, payload: u64) -> u64 {
        payload.div_ceil(self.max_payload()).max(1)
    }

    /// Total bytes on the wire for `payload` bytes sent once:
    /// `payload + packet_count * header_bytes` (saturating).
    pub fn wire_bytes(&self, payload: u64) -> u64 {
        payload.saturating_add(self.packet_count(payload).saturating_mul(self.header_bytes))
    }

    /// Wire size of each packet in order \[bytes\]: full packets, then the remainder.
    pub fn packet_sizes(&self, payload: u64) -> impl Iterator<Item = u64> {
        let full = self.max_payload();
        let count = self.packet_count(payload);
        let header = self.header_bytes;
        (0..count).map(move |index| {
            let carried = payload.saturating_sub(index * full).min(full);
            carried + header
        })
    }
}

/// Wire bytes of `payload` bytes cut into packets of at most `mtu` bytes with `header` bytes each.
pub fn wire_bytes(payload: u64, mtu: u64, header: u64) -> Result<u64, NetError> {
    Ok(PacketFormat::new(mtu, header)?.wire_bytes(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_sizes_sum_to_wire_bytes() {
        let format = PacketFormat::new(1500, 40).expect("valid");
        for payload in [0, 1, 1459, 1460, 1461, 2920, 43_392, 1_000_000] {
            let sizes: Vec<u64> = format.packet_sizes(payload).collect();
            assert_eq!(sizes.len() as u64, format.packet_count(payload));
            assert_eq!(sizes.iter().sum::<u64>(), format.wire_bytes(payload));
            assert!(sizes.iter().all(|s| (40..=1500).contains(s)));
        }
    }

    #[test]
    fn zero_payload_is_one_header_only_packet() {
        let format = PacketFormat::new(100, 20).expect("valid");
        assert_eq!(format.packet_sizes(0).collect::<Vec<_>>(), vec![20]);
    }

    #[test]
    fn mtu_not_above_header_is_an_error() {
        assert!(PacketFormat::new(40, 40).is_err());
        assert!(PacketFormat::new(10, 40).is_err());
        assert!(wire_bytes(5, 0, 0).is_err());
    }
}
