//! FL-SNN protocol logic (SPEC section 3): devices that train on their shard, aggregation at the
//! base station, payload sizes. Plain synchronous Rust; `sim` hosts it in actors on a virtual clock.

mod aggregate;
pub mod compress;
mod device;
pub mod model;

pub use aggregate::Aggregation;
pub use device::{test_example, ComputeTotals, Device, DeviceStreams};

/// How devices and the base station interact.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Mode {
    /// Devices upload every tau global iterations and wait for the broadcast.
    Sync,
    /// Devices upload and keep training; they adopt the global model when it arrives.
    NonBlocking,
    /// No communication: the separate-training baseline (tau = infinity).
    Separate,
}

/// Which devices take part in a round.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
pub enum Participation {
    /// Every device.
    All,
    /// A fraction of the devices, sampled per round by the base station.
    Fraction(f64),
    /// The devices that are on when the round starts.
    Available,
}
