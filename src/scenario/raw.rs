//! The raw schema: the scenario file as written, every field optional, no checks beyond types.
//!
//! Every struct rejects unknown keys. Enum values are kebab-case strings. Units stay strings here;
//! [`super::validate`] parses them and fills in the documented defaults.

use serde::{Deserialize, Serialize};

/// A whole scenario file (after layering), before validation.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Run name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Master seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `[data]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<RawData>,
    /// `[partition]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<RawPartition>,
    /// `[snn]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snn: Option<RawSnn>,
    /// `[fl]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fl: Option<RawFl>,
    /// `[[device_class]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_class: Option<Vec<RawDeviceClass>>,
    /// `[channel]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<RawChannel>,
    /// `[availability]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<RawAvailability>,
    /// `[eval]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval: Option<RawEval>,
    /// `[output]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<RawOutput>,
    /// `[compression]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<RawCompression>,
    /// `[budget]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<RawBudget>,
    /// `[cell]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<super::raw_cell::RawCell>,
    /// `[[faults]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faults: Option<Vec<super::raw_faults::RawFault>>,
}

/// Where examples come from.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawDataSource {
    /// MNIST digits (static images).
    Mnist,
    /// UCI optical digits (static images).
    UciDigits,
    /// MNIST-DVS recordings (events).
    MnistDvs,
    /// N-MNIST recordings (events).
    NMnist,
}

/// How a static image becomes spikes.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawEncoding {
    /// Bernoulli rate coding.
    Rate,
    /// Events (emulated camera for static sources, recorded for DVS sources).
    Events,
}

/// How rate coding draws from its stream.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawRateDraws {
    /// One uniform per channel and step.
    PerStep,
    /// One draw per spike (geometric gaps).
    PerSpike,
}

/// Event polarity handling.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolarity {
    /// Both polarities feed the same input neuron.
    Merged,
    /// One input neuron per pixel and polarity.
    Split,
}

/// `[data]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<RawDataSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<RawEncoding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gain: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_draws: Option<RawRateDraws>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_threshold: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps_per_example: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polarity: Option<RawPolarity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_examples: Option<i64>,
}

/// Partition schemes.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawScheme {
    LabelPerDevice,
    Dirichlet,
    Iid,
    QuantitySkew,
}

/// `[partition]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPartition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<RawScheme>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub examples_per_device: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dirichlet_alpha: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_sigma: Option<f64>,
}

/// Synaptic topologies.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawTopology {
    Paper,
    FullyConnected,
    Custom,
}

/// `[snn]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSnn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k_ff: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k_fb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w0: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_s: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topology: Option<RawTopology>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjacency: Option<Vec<Vec<i64>>>,
}

/// FL modes.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawFlMode {
    Sync,
    NonBlocking,
    Separate,
}

/// Aggregation weights.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawAggregation {
    Samples,
    Plain,
}

/// Participation rules.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawParticipation {
    All,
    Fraction,
    Available,
}

/// `[fl]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawFl {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RawFlMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<RawAggregation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participation: Option<RawParticipation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub systems_only: Option<bool>,
}

/// One `[[device_class]]` entry.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawDeviceClass {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_power: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rx_power: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_per_spike: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_per_synop: Option<String>,
}

/// `[channel]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uplink: Option<RawLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downlink: Option<RawLink>,
}

/// How a link is shared: `sharing` for the uplink, `mode` for the downlink.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawSharing {
    EqualShare,
    Proportional,
    ProcessorSharing,
    Fifo,
    Broadcast,
    Unicast,
}

/// `[channel.uplink]` or `[channel.downlink]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    /// Uplink only: the rate per device, times `fl.devices`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_device: Option<String>,
    /// Uplink only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharing: Option<RawSharing>,
    /// Downlink only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RawSharing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawLatency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<RawLoss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<String>,
}

/// Latency distribution kinds.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawLatencyKind {
    Constant,
    Uniform,
    Normal,
    Lognormal,
    ShiftedExponential,
    Pareto,
}

/// A latency table: `kind` plus the parameters that kind takes (checked in validation).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RawLatencyKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
}

/// Packet-loss kinds.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawLossKind {
    None,
    Bernoulli,
    GilbertElliott,
}

/// A loss table: `kind` plus the parameters that kind takes.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawLoss {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RawLossKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_burst: Option<f64>,
}

/// Availability kinds.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawAvailabilityKind {
    Always,
    OnOff,
    Schedule,
}

/// `[availability]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawAvailability {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RawAvailabilityKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_off: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<RawOutage>>,
}

/// One scheduled outage.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_to: Option<String>,
}

/// `[eval]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawEval {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_examples_per_eval: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_models: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_every: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_every_steps: Option<i64>,
}

/// `[output]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<bool>,
}

/// Kinds of upload compression.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawCompressionKind {
    /// Full models.
    None,
    /// The paper's fixed-rate basis-slice selection.
    FixedRate,
    /// Top-k of the update.
    TopK,
    /// Random-k of the update.
    RandomK,
    /// Stochastic uniform quantisation of the update.
    Quantize,
    /// The update in half precision.
    Fp16,
}

/// Fixed-rate aggregation variants.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawFixedRateAggregation {
    /// The original code's: slices nobody sent become zero.
    Original,
    /// Devices keep their own values in slices nobody sent.
    KeepLocal,
}

/// `[compression]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCompression {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RawCompressionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<RawFixedRateAggregation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_feedback: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<i64>,
}

/// `[budget]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uplink_bytes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_airtime: Option<String>,
}
