//! What a run records: one row per round, one per device, and optionally every message event.

use crate::time::SimTime;
use serde::Serialize;

/// One communication round (or, in separate training, one evaluation checkpoint).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoundRecord {
    /// Round index, from 0.
    pub round: u64,
    /// Global iterations (blocks of Delta_s steps) completed by a full participant.
    pub global_iteration: u64,
    /// When the base station opened the round [ns of virtual time].
    pub start_ns: u64,
    /// When it closed the round (aggregated) [ns of virtual time].
    pub end_ns: u64,
    /// Devices asked to take part.
    pub participants: u64,
    /// Uploads put on the uplink.
    pub uploads_sent: u64,
    /// Uploads that reached the base station in time.
    pub uploads_delivered: u64,
    /// Uploads lost on the uplink (ARQ gave up).
    pub uploads_lost: u64,
    /// Uploads that arrived after the round closed (discarded), counted in the round they arrived in.
    pub uploads_late: u64,
    /// Uploads not sent because the device was off.
    pub uploads_skipped: u64,
    /// Uploads not sent because they would break the device's budget.
    pub uploads_over_budget: u64,
    /// Broadcast copies that reached a device.
    pub broadcasts_delivered: u64,
    /// Broadcast copies lost or missed (device off).
    pub broadcasts_lost: u64,
    /// Bytes on the uplink, every attempt, headers included \[B\].
    pub bytes_up: u64,
    /// Bytes on the downlink \[B\].
    pub bytes_down: u64,
    /// Packet retransmissions on the uplink.
    pub retransmissions_up: u64,
    /// Packet retransmissions on the downlink.
    pub retransmissions_down: u64,
    /// Radio transmit energy of the devices \[J\].
    pub energy_tx_j: f64,
    /// Radio receive energy of the devices \[J\].
    pub energy_rx_j: f64,
    /// SNN compute energy of the devices \[J\].
    pub energy_compute_j: f64,
    /// Test accuracy of the global model (separate training: mean over devices); NaN when not evaluated.
    pub accuracy: f64,
    /// Fraction of test examples whose output counts tied.
    pub tie_rate: f64,
    /// Teacher-forced test NLL per example; NaN when not evaluated.
    pub test_nll: f64,
    /// Mean test accuracy of the devices' local models (when evaluated), else NaN.
    pub device_accuracy: f64,
    /// Mean teacher-forced test NLL of the devices' local models, else NaN.
    pub device_nll: f64,
    /// Uploads that arrived damaged and were caught by the checksum (not delivered); this and
    /// the fault columns below only with `[[faults]]` (without, the columns are left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_corrupted: Option<u64>,
    /// Uploads aborted on the uplink: their device crashed or paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_aborted: Option<u64>,
    /// Delivered or late uploads damaged unseen (values flipped); part of those counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_tampered: Option<u64>,
    /// Faults (per device, or one per outage) that started while the round was the latest
    /// opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_starts: Option<u64>,
}

/// Per-device totals of a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeviceRecord {
    /// Device id.
    pub device: u32,
    /// Name of its device class.
    pub class: String,
    /// Local examples.
    pub samples: u64,
    /// SNN steps computed.
    pub steps: u64,
    /// Spikes of its learnable neurons.
    pub spikes: u64,
    /// Synaptic operations.
    pub synaptic_ops: u64,
    /// Uploads put on the uplink.
    pub uploads_sent: u64,
    /// Uploads that arrived in time.
    pub uploads_delivered: u64,
    /// Uploads lost.
    pub uploads_lost: u64,
    /// Uploads that arrived late.
    pub uploads_late: u64,
    /// Uploads skipped while off.
    pub uploads_skipped: u64,
    /// Uploads skipped to stay within budget.
    pub uploads_over_budget: u64,
    /// Global models received.
    pub broadcasts_received: u64,
    /// Global models missed.
    pub broadcasts_missed: u64,
    /// Uplink bytes, every attempt \[B\].
    pub bytes_up: u64,
    /// Downlink bytes received \[B\].
    pub bytes_down: u64,
    /// Uplink airtime \[s\].
    pub airtime_up_s: f64,
    /// Downlink airtime \[s\].
    pub airtime_down_s: f64,
    /// Radio transmit energy \[J\].
    pub energy_tx_j: f64,
    /// Radio receive energy \[J\].
    pub energy_rx_j: f64,
    /// SNN compute energy \[J\].
    pub energy_compute_j: f64,
    /// Test accuracy of its final local model (NaN unless `eval.device_models` or separate
    /// training).
    pub accuracy: f64,
    /// Teacher-forced test NLL of its final local model (NaN likewise).
    pub test_nll: f64,
    /// Bytes of its learning state.
    pub learner_bytes: u64,
    /// Ground distance to the base station \[m\]; only with `[cell]` (without one the column is
    /// left out, so `devices.csv` keeps its shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// Uplink SNR without small-scale fading (path loss and shadowing only) \[dB\]; only with
    /// `[cell]`, like `distance_m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_snr_db: Option<f64>,
    /// Uploads caught damaged by the checksum; this and the fault columns below only with
    /// `[[faults]]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_corrupted: Option<u64>,
    /// Uploads aborted by a crash or pause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_aborted: Option<u64>,
    /// Delivered or late uploads damaged unseen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_tampered: Option<u64>,
    /// Crashes it suffered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crashes: Option<u64>,
    /// Pauses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pauses: Option<u64>,
    /// Partitions that cut it off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<u64>,
    /// Slowdowns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slowdowns: Option<u64>,
}

/// One device's local model on the test set at a checkpoint (`eval.local_every` or
/// `eval.local_every_steps`), evaluated before any averaging due at that step: the data of the
/// paper's Figure 4, with both loss measures.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePoint {
    /// The device.
    pub device: u32,
    /// Its global iterations (completed blocks of Delta_s steps) so far.
    pub global_iteration: u64,
    /// Its local steps so far.
    pub local_step: u64,
    /// Virtual time \[ns\].
    pub t_ns: u64,
    /// Test accuracy of its local model.
    pub accuracy: f64,
    /// Fraction of tied test examples.
    pub tie_rate: f64,
    /// Teacher-forced test NLL per example \[nats\].
    pub test_nll: f64,
    /// The original code's measure: log-likelihood of the local model's own free-running samples
    /// (every learnable neuron, outputs sampled), summed over the test examples and steps \[nats\].
    pub sampled_loglik: f64,
    /// Test examples evaluated.
    pub examples: u64,
}

/// What happened to a message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Put on the channel.
    Send,
    /// Arrived.
    Deliver,
    /// Lost (ARQ gave up or the receiver was off).
    Drop,
    /// Arrived after its round closed.
    Late,
    /// Not sent: the device was off.
    Skip,
    /// Aborted on the uplink: the device crashed or paused.
    Abort,
    /// Arrived damaged; the checksum caught it (not delivered).
    Corrupt,
    /// Arrived damaged unseen (values flipped); a `deliver` or `late` event follows.
    Tamper,
    /// A fault starts on the device (`link` names its kind, `fault` its index).
    FaultStart,
    /// A fault ends on the device.
    FaultEnd,
}

/// One message event, for `events.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetEvent {
    /// Virtual time \[ns\].
    pub t_ns: u64,
    /// What happened.
    pub kind: EventKind,
    /// "up" or "down"; for a fault event, the fault's kind.
    pub link: &'static str,
    /// The device at the other end from the base station.
    pub device: u32,
    /// The round the message belongs to.
    pub round: u64,
    /// Bytes on the wire, every attempt \[B\].
    pub bytes: u64,
    /// The fault's index in `[[faults]]` (fault events only; the key is left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<u32>,
}

impl NetEvent {
    /// Stamp of the event.
    pub fn time(&self) -> SimTime {
        SimTime(self.t_ns)
    }
}

/// Where the simulator pushes what it records. Every method does nothing by default, so a sink
/// implements only what it needs (CSV files, a progress bar, a test recorder).
pub trait Sink {
    /// A round closed.
    fn round(&mut self, _record: &RoundRecord) {}
    /// A message event (only when events are recorded).
    fn event(&mut self, _event: &NetEvent) {}
    /// Whether message events are wanted (they cost time and space).
    fn wants_events(&self) -> bool {
        false
    }
    /// Flushes what it wrote to its files and returns how many bytes that is (0 when it writes
    /// none), for a checkpoint: a resumed run cuts its files back to this mark.
    fn mark(&mut self) -> u64 {
        0
    }
}

/// A sink that keeps nothing.
pub struct NullSink;

impl Sink for NullSink {}

/// Everything a finished run recorded.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    /// One row per round, in round order.
    pub rounds: Vec<RoundRecord>,
    /// One row per device, in id order.
    pub devices: Vec<DeviceRecord>,
    /// Every device's local model at every checkpoint, sorted by (iteration, device).
    pub curves: Vec<CurvePoint>,
    /// Virtual time at which the last round closed.
    pub virtual_end: SimTime,
    /// Calendar events processed.
    pub events: u64,
}

impl RunResult {
    /// The last round whose global model (or, in separate training, whose devices) was evaluated.
    pub fn last_evaluated(&self) -> Option<&RoundRecord> {
        self.rounds.iter().rev().find(|r| r.accuracy.is_finite())
    }
}
