//! Faults on a timeline (scenario `[[faults]]`): what a fault is, and the events that start and
//! end it. The run lays the timeline down on the kernel; each event goes to the node models it
//! concerns (a device for crash, pause and slowdown, the base station for an outage) and to the
//! channel (every kind: it cuts paths, corrupts uploads and records the fault).

use serde::{Deserialize, Serialize};

/// What the base station's round logic does during an outage.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutagePolicy {
    /// The round logic runs on: deadlines pass, a round closes with what arrived (uploads lost
    /// in the outage resolve it), and a broadcast sent during the outage is lost (default).
    #[default]
    Deadline,
    /// The base station's clock stops: no round closes during the outage, a deadline that falls
    /// in it is pushed back by the time the outage had left of it, and the round then closes as
    /// usual.
    Wait,
    /// No round closes during the outage; when it ends, the open round closes at once with what
    /// arrived.
    Close,
}

/// A kind of fault and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The device stops at once, loses its local model and learning state and sends nothing;
    /// when the fault ends it rejoins from the next global model it receives (from scratch in
    /// separate training). An upload in progress is aborted.
    Crash,
    /// No compute and no radio; the device keeps its state and goes on where it stopped. An
    /// upload in progress is aborted.
    Pause,
    /// The base station neither receives nor sends; uploads and broadcasts on their way are lost.
    Outage(OutagePolicy),
    /// The devices cannot reach the base station, nor it them.
    Partition,
    /// Uploads of the devices are damaged on their way: with probability `detected` the
    /// checksum catches it and the upload counts as lost (`corrupted`); else with probability
    /// `undetected` the damage goes unseen and the upload reaches aggregation with every value's
    /// sign flipped.
    Corruption {
        /// Probability that an upload is damaged and caught.
        detected: f64,
        /// Probability that an upload is damaged unseen.
        undetected: f64,
    },
    /// The devices' step time is multiplied by `factor` (chunks of work started meanwhile).
    Slowdown {
        /// The factor (> 0).
        factor: f64,
    },
}

impl FaultKind {
    /// The kind's name in the scenario and in `events.jsonl`.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Pause => "pause",
            FaultKind::Outage(_) => "outage",
            FaultKind::Partition => "partition",
            FaultKind::Corruption { .. } => "corruption",
            FaultKind::Slowdown { .. } => "slowdown",
        }
    }
}

/// A fault starting or ending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultEvent {
    /// The fault's index in the scenario's `[[faults]]`.
    pub fault: u32,
    /// Its kind.
    pub kind: FaultKind,
    /// It starts (`true`) or ends.
    pub start: bool,
    /// The devices it concerns, in id order (empty for an outage, and in the event a device is
    /// handed about itself).
    pub devices: Vec<u32>,
}

/// When a fault starts or ends.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultTime {
    /// At a virtual time.
    At(crate::time::SimTime),
    /// `delay` after the base station opens round `round`.
    Round {
        /// The round.
        round: u64,
        /// How long after it opens.
        delay: crate::time::SimDuration,
    },
}

/// One fault of the timeline, its targets resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Its kind.
    pub kind: FaultKind,
    /// When it starts.
    pub start: FaultTime,
    /// When it ends (never: it lasts to the end of the run).
    pub end: Option<FaultTime>,
    /// The devices it concerns, in id order (none for an outage).
    pub devices: Vec<u32>,
}
