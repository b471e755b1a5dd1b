//! The validated scenario: checked, typed values with units resolved to integers or SI floats.

pub use crate::data::{PartitionScheme, Polarity, RateDraws};
pub use crate::fl::compress::{Compression, FixedRateAggregation};
pub use crate::fl::{Aggregation, Mode, Participation};
pub use crate::net::{Latency, LossModel};
pub use crate::snn::Topology;
use crate::time::SimDuration;
use std::path::PathBuf;

/// A fully validated scenario, ready to be mapped onto the simulator's modules.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Run name (default `"unnamed"`).
    pub name: String,
    /// Master seed (default 1).
    pub seed: u64,
    /// `[data]`.
    pub data: DataSpec,
    /// `[partition]`.
    pub partition: PartitionSpec,
    /// `[snn]`.
    pub snn: SnnSpec,
    /// `[fl]`.
    pub fl: FlSpec,
    /// `[[device_class]]`, shares normalised to sum to 1 (default: one class `"default"`).
    pub device_classes: Vec<DeviceClass>,
    /// `[channel.uplink]`.
    pub uplink: LinkSpec,
    /// `[channel.downlink]`.
    pub downlink: LinkSpec,
    /// `[availability]`.
    pub availability: AvailabilitySpec,
    /// `[eval]`.
    pub eval: EvalSpec,
    /// `[output]`.
    pub output: OutputSpec,
    /// `[compression]` of uploads (default none: full models).
    pub compression: Compression,
    /// `[budget]`: enforced communication limits (default none).
    pub budget: BudgetSpec,
    /// `[cell]`: a radio cell giving each device its own link (default none: every device
    /// shares the links of `[channel]`).
    pub cell: Option<CellSpec>,
    /// `[[faults]]`: the fault timeline (default none).
    pub faults: Vec<FaultSpec>,
    /// Where the scenario came from: the file name or `"<embedded default>"`.
    pub source: String,
}

/// One `[[faults]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// Its kind and parameters.
    pub kind: crate::fl::FaultKind,
    /// When it starts.
    pub start: crate::fl::FaultTime,
    /// When it ends (`None`: at the end of the run).
    pub end: Option<crate::fl::FaultTime>,
    /// The devices it concerns (none for an outage).
    pub targets: FaultTargets,
    /// The entry as written (for the resolved scenario).
    pub raw: super::raw_faults::RawFault,
}

/// The devices a fault concerns: those listed (ids, ranges, classes; every device when none is
/// listed), of which a random `fraction` when given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultTargets {
    /// Device ids listed, ranges expanded, in id order.
    pub devices: Vec<u32>,
    /// Indices of the device classes listed.
    pub classes: Vec<usize>,
    /// Keep this fraction of them, drawn at random (rounded up, at least one).
    pub fraction: Option<f64>,
}

/// Data sources.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DataSource {
    /// MNIST digits, static images (default).
    Mnist,
    /// UCI optical digits, static images.
    UciDigits,
    /// MNIST-DVS recordings.
    MnistDvs,
    /// N-MNIST recordings.
    NMnist,
}

impl DataSource {
    /// Whether the source holds static images (which need an encoding into spikes).
    pub fn is_static(self) -> bool {
        matches!(self, DataSource::Mnist | DataSource::UciDigits)
    }
}

/// How examples become spike trains.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Bernoulli rate coding of static images (default for static sources).
    Rate,
    /// Events: an emulated camera for static sources, the recording itself for DVS sources.
    Events,
}

/// `[data]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
    /// Where examples come from.
    pub source: DataSource,
    /// Data folder (default `data` for static sources; required for DVS sources).
    pub path: PathBuf,
    /// Spike encoding (default `rate` for static sources, `events` for DVS sources).
    pub encoding: Encoding,
    /// Rate coding gain, in (0, 1] (default 0.15).
    pub gain: f64,
    /// How rate coding draws its spikes from the data stream (default per step).
    pub rate_draws: RateDraws,
    /// Emulated camera log-intensity threshold, > 0 (default 0.2).
    pub event_threshold: f64,
    /// Distinct digits 0..=9, at least 2; output neuron `i` is `classes[i]` (default `[1, 7]`).
    pub classes: Vec<u8>,
    /// Steps per example S', >= 1 (default 80).
    pub steps_per_example: u64,
    /// Event bin width \[ns\] (default 25 ms).
    pub bin: SimDuration,
    /// Event polarity handling (default merged).
    pub polarity: Polarity,
    /// Balanced held-out test set size, >= 1, spread over classes as evenly as possible (default 200).
    pub test_examples: u64,
}

/// `[partition]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionSpec {
    /// How examples are spread over devices.
    pub scheme: PartitionScheme,
    /// Local examples per device D, >= 1 (default 400).
    pub examples_per_device: u64,
}

/// `[snn]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct SnnSpec {
    /// Hidden neurons N_H (default 0).
    pub hidden: u64,
    /// Feedforward basis functions K_a, >= 1 (default 8).
    pub k_ff: u64,
    /// Feedback basis functions K_b, >= 1 (default 1).
    pub k_fb: u64,
    /// Basis memory tau \[steps\], >= 1 (default 10).
    pub memory: u64,
    /// Basis log-time scale mu (default 1.5).
    pub mu: f64,
    /// Initial weight half-range w0, >= 0 (default 0.01).
    pub w0: f64,
    /// Learning rate eta, > 0 (default 0.01).
    pub eta: f64,
    /// Smoothing kappa, in [0, 1) (default 0.05).
    pub kappa: f64,
    /// Steps per global iteration Delta_s, >= 1 (default 1).
    pub delta_s: u64,
    /// KL weight alpha (default 1.0).
    pub alpha: f64,
    /// Target hidden firing rate rho, in (0, 1) (default 0.3).
    pub rho: f64,
    /// Synaptic topology (default paper).
    pub topology: Topology,
}

/// `[fl]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct FlSpec {
    /// Number of devices, 1..=100000 (default 2).
    pub devices: u64,
    /// Global iterations between uploads, >= 1 (default 8).
    pub tau: u64,
    /// Protocol mode (default sync).
    pub mode: Mode,
    /// Local steps per device S, >= delta_s (default examples_per_device * steps_per_example).
    pub steps: u64,
    /// Aggregation weights (default samples).
    pub aggregation: Aggregation,
    /// BS deadline measured from the round start \[ns\]; `None` waits for all expected uploads.
    pub deadline: Option<SimDuration>,
    /// Participation rule (default all).
    pub participation: Participation,
    /// Devices do not train: uploads and broadcasts have the sizes the model and compression
    /// would give, batches the compute time of their class, and nothing is evaluated (default
    /// false). A systems-only device holds about a kilobyte, so the memory estimate allows
    /// millions of them.
    pub systems_only: bool,
}

/// One device class, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceClass {
    /// Class name (default `"default"` for the implicit class; required in `[[device_class]]`).
    pub name: String,
    /// Share of devices, normalised so all classes sum to 1 [-].
    pub share: f64,
    /// Virtual compute time per SNN step \[ns\], > 0 (default 100 us).
    pub step_time: SimDuration,
    /// Radio transmit power \[W\] (default 0.2).
    pub tx_power_w: f64,
    /// Radio receive power \[W\] (default 0.1).
    pub rx_power_w: f64,
    /// Energy per spike \[J\] (default 5 pJ).
    pub energy_per_spike_j: f64,
    /// Energy per synaptic operation \[J\] (default 1 pJ).
    pub energy_per_synop_j: f64,
}

/// How a link is shared among devices.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LinkSharing {
    /// Uplink: equal share among concurrent senders (default uplink).
    EqualShare,
    /// Uplink: senders starting together split their share in proportion to their sizes.
    Proportional,
    /// Uplink: processor sharing.
    ProcessorSharing,
    /// Uplink: FIFO queue at the BS.
    Fifo,
    /// Downlink: one broadcast at the BS rate (default downlink).
    Broadcast,
    /// Downlink: one unicast per device.
    Unicast,
}

/// `[channel.uplink]` or `[channel.downlink]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// Link rate [bit/s], > 0 (default 10 Mbps up, 50 Mbps down).
    pub rate_bps: u64,
    /// Sharing discipline (uplink `sharing`, downlink `mode`).
    pub sharing: LinkSharing,
    /// Propagation/processing latency per message.
    pub latency: Latency,
    /// Packet size including header \[bytes\], > header (default 1500).
    pub mtu_bytes: u64,
    /// Header per packet \[bytes\] (default 40).
    pub header_bytes: u64,
    /// Packet loss model.
    pub loss: LossModel,
    /// ARQ retransmission limit (default 3).
    pub retries: u32,
    /// Extra delay per retransmission \[ns\] (default 0).
    pub retry_delay: SimDuration,
}

/// One scheduled outage of one device.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    /// Device id, < fl.devices.
    pub device: u64,
    /// Start of the outage [ns since run start].
    pub off_from: SimDuration,
    /// End of the outage [ns since run start], > off_from.
    pub off_to: SimDuration,
}

/// `[availability]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub enum AvailabilitySpec {
    /// Devices are always on (default).
    Always,
    /// Exponential on and off periods.
    OnOff {
        /// Mean on period \[ns\] (default 60 s).
        mean_on: SimDuration,
        /// Mean off period \[ns\] (default 10 s).
        mean_off: SimDuration,
    },
    /// Explicit outages, sorted by (device, off_from).
    Schedule {
        /// The outages.
        outages: Vec<Outage>,
    },
}

/// `[eval]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSpec {
    /// Evaluate every N rounds (separate mode: every N * tau global iterations), >= 1 (default 1).
    pub every: u64,
    /// Test examples per evaluation; 0 means all (default 0).
    pub test_examples_per_eval: u64,
    /// Also evaluate each device's local model (default false).
    pub device_models: bool,
    /// Evaluate every device's local model every N global iterations, into `curves.csv`
    /// (default none).
    pub local_every: Option<u64>,
    /// Evaluate every device's local model every N local steps instead (the original code's
    /// cadence, 40, is finer than one global iteration when Delta_s = 80); exclusive with
    /// `local_every` (default none).
    pub local_every_steps: Option<u64>,
}

/// `[output]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSpec {
    /// Parent folder of run folders (default `runs`).
    pub dir: PathBuf,
    /// Write `events.jsonl` (default false).
    pub events: bool,
}

/// `[budget]`, validated: limits a device enforces on itself. A device over budget skips its
/// upload (counted as `uploads_over_budget`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BudgetSpec {
    /// Total uplink bytes a device may put on the air over the run, every attempt counted \[B\].
    pub uplink_bytes: Option<u64>,
    /// Airtime a device may spend on one upload \[ns\].
    pub round_airtime: Option<SimDuration>,
}

/// `[cell]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct CellSpec {
    /// The cell's radio, ready for [`crate::net::Cell::new`].
    pub config: crate::net::CellConfig,
    /// Radiated transmit power of each device class, in class order \[dBm\].
    pub tx_power_dbm: Vec<f64>,
    /// Power-amplifier efficiency: a transmitting device draws its class's `tx_power` plus its
    /// radiated power over this (0..=1].
    pub pa_efficiency: f64,
    /// Which devices the base station asks each round (`None`: `fl.participation` decides).
    pub scheduling: Option<crate::fl::Scheduling>,
    /// Over-the-air aggregation (`None`: digital uploads).
    pub over_the_air: Option<crate::net::OverTheAir>,
    /// `cell.override`: groups of devices with configurations of their own, in order.
    pub overrides: Vec<CellOverride>,
    /// The section as written (the resolved scenario writes it back verbatim).
    pub raw: super::raw_cell::RawCell,
}

/// Which devices a `cell.override` entry covers.
#[derive(Clone, Debug, PartialEq)]
pub enum DeviceSelector {
    /// Devices `first..=last`.
    Range {
        /// The first device.
        first: u64,
        /// The last device (included).
        last: u64,
    },
    /// Every device of the class with this index.
    Class(usize),
}

impl DeviceSelector {
    /// Whether device `d` of class `class` is covered.
    pub fn covers(&self, d: u64, class: usize) -> bool {
        match *self {
            DeviceSelector::Range { first, last } => (first..=last).contains(&d),
            DeviceSelector::Class(k) => k == class,
        }
    }
}

/// One `cell.override` entry: its devices and the cell as they see it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellOverride {
    /// The devices.
    pub devices: DeviceSelector,
    /// The cell merged with the override's keys (its `overrides` empty).
    pub cell: CellSpec,
}
