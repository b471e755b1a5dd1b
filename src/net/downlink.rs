//! The base station's downlink: one broadcast heard by all, or one unicast per device.
//!
//! Unicast messages are sent **sequentially at the full BS rate**, in the order the receivers
//! are given (the caller passes them in device-id order), each rounded up to whole nanoseconds
//! on its own: receiver `k` (0-based) finishes at `start + (k + 1) * tx_time(bits, rate)`.
//! Loss and latency per receiver are applied afterwards by each receiver's [`super::Link`].

use super::rate::{tx_time, Rate};
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// How the base station reaches the devices.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownlinkMode {
    /// One transmission at the BS rate, heard by every receiver.
    Broadcast,
    /// One transmission per receiver, back to back at the full BS rate.
    Unicast,
}

/// When each receiver has the whole message on air, and the BS's total airtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownlinkPlan {
    /// Transmission end per receiver, in the order given [ns].
    pub finish: Vec<SimTime>,
    /// Total BS transmit time [ns].
    pub airtime: SimDuration,
    /// Time each receiver spends receiving its copy [ns].
    pub receive_time: SimDuration,
}

impl DownlinkMode {
    /// Plan sending `bits` [bit] at `rate` to `receivers` devices from `start`.
    pub fn plan(self, start: SimTime, bits: u64, rate: Rate, receivers: usize) -> DownlinkPlan {
        let one = tx_time(bits, rate);
        match self {
            DownlinkMode::Broadcast => DownlinkPlan {
                finish: vec![start + one; receivers],
                airtime: if receivers == 0 {
                    SimDuration::ZERO
                } else {
                    one
                },
                receive_time: one,
            },
            DownlinkMode::Unicast => DownlinkPlan {
                finish: (1..=receivers as u64).map(|k| start + one * k).collect(),
                airtime: one * receivers as u64,
                receive_time: one,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_reaches_all_at_once_and_unicast_queues() {
        let rate = Rate::from_bps(1_000_000).expect("positive");
        let start = SimTime(1_000);
        let broadcast = DownlinkMode::Broadcast.plan(start, 500_000, rate, 3);
        assert_eq!(broadcast.finish, vec![SimTime(500_001_000); 3]);
        assert_eq!(broadcast.airtime, SimDuration::from_millis(500));
        let unicast = DownlinkMode::Unicast.plan(start, 500_000, rate, 3);
        assert_eq!(
            unicast.finish,
            vec![
                SimTime(500_001_000),
                SimTime(1_000_001_000),
                SimTime(1_500_001_000)
            ]
        );
        assert_eq!(unicast.airtime, SimDuration::from_millis(1_500));
        assert_eq!(unicast.receive_time, SimDuration::from_millis(500));
    }
}
