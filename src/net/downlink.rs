//! The base station's downlink: one broadcast heard by all, or one unicast per device.
//!
//! The timing of both is planned by [`super::Channel::broadcast`].

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
