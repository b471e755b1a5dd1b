//! FL-SNN protocol logic (SPEC section 3, docs/spec.md): every rule of the protocol lives in two
//! plain state machines, [`Device`] and [`BaseStation`], that exchange [`Msg`]s and ask their hosts
//! for work ([`Job`]) on their learning state ([`LocalModel`], [`GlobalEvaluator`]). No actors, no
//! clocks, no I/O: `sim` hosts them and `run` wires them to the channel.

mod aggregate;
mod air;
mod base_station;
pub mod compress;
mod device;
mod device_set;
mod evaluator;
mod fault;
mod local;
pub mod message;
pub mod model;
mod protocol;
pub mod schedule;

pub use aggregate::Aggregation;
pub use air::AirReceiver;
pub use base_station::{BaseStation, BaseStationInput};
pub use device::{Device, DeviceInput, DeviceSetup};
pub use device_set::DeviceSet;
pub use evaluator::GlobalEvaluator;
pub use fault::{Fault, FaultEvent, FaultKind, FaultTime, OutagePolicy};
pub use local::{test_example, ComputeTotals, DeviceStreams, LocalError, LocalModel};
pub use message::{
    Action, GlobalModel, Job, Msg, Note, Probe, Reading, StandIn, Timer, Trained, Upload,
};
pub use protocol::Protocol;
pub use schedule::{Scheduler, Scheduling};

/// How devices and the base station interact.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// Devices upload every tau global iterations and wait for the broadcast.
    Sync,
    /// Devices upload and keep training; they adopt the global model when it arrives.
    NonBlocking,
    /// No communication: the separate-training baseline (tau = infinity).
    Separate,
}

/// Which devices take part in a round.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Participation {
    /// Every device.
    All,
    /// A fraction of the devices, sampled per round by the base station.
    Fraction(f64),
    /// The devices that are on when the round starts.
    Available,
    /// The devices a scheduling policy picks from what the base station measured.
    Scheduled(Scheduling),
}
