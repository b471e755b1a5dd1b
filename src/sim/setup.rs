//! What a simulation is built from: ready objects, made from a validated scenario by
//! [`crate::run::build`].

use super::channel::Channel;
use crate::data::Example;
use crate::fl::compress::Codec;
use crate::fl::{Aggregation, Device, Mode, Participation};
use crate::net::{AvailabilityTrace, ComputeEnergy, RadioEnergy};
use crate::snn::{Network, Params};
use crate::time::SimDuration;
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// The FL protocol of a run.
#[derive(Clone, Debug)]
pub struct Protocol {
    /// Sync, non-blocking or separate training.
    pub mode: Mode,
    /// Global iterations between uploads.
    pub tau: u64,
    /// Local steps per global iteration.
    pub delta_s: u64,
    /// Local steps of a device that takes part in every round (S).
    pub steps: u64,
    /// How long the base station waits for uploads after opening a round.
    pub deadline: Option<SimDuration>,
    /// Which devices take part.
    pub participation: Participation,
    /// How uploads are weighted.
    pub aggregation: Aggregation,
    /// Evaluate every this many rounds (and after the last).
    pub eval_every: u64,
    /// Test examples per periodic evaluation.
    pub eval_examples: usize,
    /// Also evaluate each device's local model at evaluated rounds.
    pub device_models: bool,
    /// Evaluate each device's local model every this many global iterations (curves.csv).
    pub curve_every: Option<u64>,
    /// A device's total uplink bytes may not exceed this [B].
    pub budget_bytes: Option<u64>,
    /// One upload's airtime may not exceed this.
    pub budget_airtime: Option<SimDuration>,
}

/// A device's hardware and situation.
pub struct DeviceSpec {
    /// Device id (0-based, dense).
    pub id: u32,
    /// Name of its device class.
    pub class_name: String,
    /// Local examples.
    pub samples: usize,
    /// Virtual time of one SNN step.
    pub step_time: SimDuration,
    /// Radio powers.
    pub radio: RadioEnergy,
    /// Energy per spike and per synaptic operation.
    pub compute_energy: ComputeEnergy,
    /// When it is on.
    pub availability: AvailabilityTrace,
}

/// Everything a run needs.
pub struct SimSetup {
    /// Master seed.
    pub seed: u64,
    /// The SNN every device runs.
    pub net: Arc<Network>,
    /// The balanced test set.
    pub test: Arc<Vec<Example>>,
    /// The initial model, drawn at the base station and installed on every device.
    pub init_params: Params,
    /// The devices, in id order.
    pub devices: Vec<(DeviceSpec, Device)>,
    /// The protocol.
    pub protocol: Protocol,
    /// The channel.
    pub channel: Channel,
    /// The base station's stream for participation sampling.
    pub participation_rng: ChaCha12Rng,
    /// How uploads are compressed and combined.
    pub codec: Arc<Codec>,
}

pub(super) struct EngineSetup {
    pub devices: Vec<DeviceSpec>,
    pub protocol: Protocol,
    pub channel: Channel,
    pub participation_rng: ChaCha12Rng,
}
