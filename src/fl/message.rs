//! What devices and the base station say to each other, and what they ask of their hosts.
//!
//! Messages travel through the channel; jobs and probes run on the node's own actor; notes go to
//! the recorder. Nothing here knows of actors or of the calendar.

use crate::fl::compress::{Broadcast, EncodedUpload};
use crate::fl::ComputeTotals;
use crate::snn::Evaluation;
use crate::time::{SimDuration, SimTime};
use std::sync::Arc;

/// A message between a device and the base station.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Msg {
    /// A device's model after a round of local steps (uplink).
    Upload(Arc<Upload>),
    /// A systems-only device's upload, carried whole in the message: no allocation, and nothing
    /// to fetch from elsewhere in memory when it arrives. It stands for an [`Upload`] of the
    /// run's stand-in size (`Codec::upload_bytes`, which the medium and the base station know)
    /// carrying no values.
    StandIn(StandIn),
    /// A device tells the base station it skips round `round` to keep within its budget. Budgets
    /// are part of the configuration the base station knows, so this costs no airtime: it stands
    /// for the base station's own knowledge, and arrives at once.
    Skip {
        /// The device.
        device: u32,
        /// The round it skips.
        round: u64,
    },
    /// The global model after round `round` (downlink, to every device).
    Global(#[serde(with = "crate::sim::shared")] Arc<GlobalModel>),
}

impl Msg {
    /// The sender and round of an upload, a full one or a stand-in.
    pub fn upload_of(&self) -> Option<(u32, u64)> {
        match self {
            Msg::Upload(u) => Some((u.device, u.round)),
            Msg::StandIn(s) => Some((s.device, u64::from(s.round))),
            Msg::Skip { .. } | Msg::Global(_) => None,
        }
    }
}

/// A systems-only upload in 12 bytes: a round past 2^32 - 1 (which validation refuses) would go
/// as a full [`Upload`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StandIn {
    /// The sender.
    pub device: u32,
    /// The round it answers.
    pub round: u32,
    /// The sender's local examples (the aggregation weight).
    pub samples: u32,
}

impl StandIn {
    /// The upload it stands for: a size-only payload of `bytes` \[B\], measured at
    /// `channel_quality_db`.
    pub fn upload(self, bytes: u64, channel_quality_db: Option<f64>) -> Upload {
        Upload {
            device: self.device,
            round: u64::from(self.round),
            samples: self.samples,
            payload: EncodedUpload::SizeOnly { bytes },
            channel_quality_db,
        }
    }
}

/// An upload.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Upload {
    /// The sender.
    pub device: u32,
    /// The round it answers.
    pub round: u64,
    /// The sender's local examples (the aggregation weight).
    pub samples: u32,
    /// The compressed model.
    pub payload: EncodedUpload,
    /// SNR the base station measured on it \[dB\]; set by the channel on arrival (`None` from the
    /// device, and without a cell).
    pub channel_quality_db: Option<f64>,
}

/// A broadcast of the global model.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct GlobalModel {
    /// The round it closes.
    pub round: u64,
    /// The model (all of it, or the slices that changed).
    pub model: Arc<Broadcast>,
    /// The devices asked to take part in the next round (synchronous mode), in id order.
    pub next_participants: Vec<u32>,
}

impl GlobalModel {
    /// Whether `device` takes part in the next round.
    pub fn selects(&self, device: u32) -> bool {
        self.next_participants.binary_search(&device).is_ok()
    }
}

/// A timer of the base station or a device.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Timer {
    /// The deadline of a round (base station).
    Deadline {
        /// The round.
        round: u64,
    },
    /// A device's chunk of work, held back by a pause, is done (device).
    Release {
        /// Its ticket: only the device's latest release timer counts.
        ticket: u64,
    },
}

/// Work on a node's learning state.
#[derive(Clone, Debug)]
pub enum Job {
    /// Adopt a global model (when given), train `steps` local steps, evaluate the local model on
    /// `evaluate` test examples (0: none), and compress the model for upload when asked.
    Train {
        /// The global model to adopt first.
        adopt: Option<Arc<Broadcast>>,
        /// Local steps.
        steps: u64,
        /// Test examples to evaluate on afterwards (0: none).
        evaluate: usize,
        /// Compress the model for upload afterwards.
        upload: bool,
        /// The device's work epoch, handed back in [`Trained`] (a crash starts a new one).
        epoch: u64,
    },
    /// Adopt a global model, with no other work.
    Adopt(Arc<Broadcast>),
    /// Forget the local model and learning state: back to the initial model (a crash).
    Reset,
}

/// What a training job produced.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Trained {
    /// Work done.
    pub compute: ComputeTotals,
    /// The local model's evaluation, when asked for (boxed: rare, and the kernel holds a
    /// result per job in progress).
    pub evaluation: Option<Box<Evaluation>>,
    /// The compressed model, when asked for.
    pub upload: Option<EncodedUpload>,
    /// The work epoch of the job.
    pub epoch: u64,
}

/// A measurement on a node's state, for the records.
#[derive(Debug)]
pub enum Probe {
    /// Evaluate the global model of round `round` on `examples` test examples.
    Global {
        /// The round.
        round: u64,
        /// The model, W ++ V ++ gamma.
        model: Vec<f64>,
        /// Test examples.
        examples: usize,
    },
    /// A device's final state; its local model evaluated on the whole test set when asked.
    Final {
        /// Evaluate the local model.
        evaluate: bool,
    },
}

/// What a probe measured.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Reading {
    /// The global model of a round.
    Global {
        /// The round.
        round: u64,
        /// Its evaluation.
        evaluation: Evaluation,
    },
    /// A device's final state.
    Final {
        /// Its local model's evaluation, when asked for.
        evaluation: Option<Evaluation>,
        /// Bytes of its learning state.
        learner_bytes: usize,
    },
}

/// What a node tells the recorder.
#[derive(Debug)]
pub enum Note {
    /// The base station opened a round.
    RoundOpened {
        /// The round.
        round: u64,
        /// Devices asked to take part.
        participants: u64,
    },
    /// The base station closed a round (or, in separate training, every device finished it).
    RoundClosed {
        /// The round.
        round: u64,
        /// When it opened.
        start: SimTime,
        /// Whether the global model is evaluated at this round (a reading follows).
        evaluated: bool,
    },
    /// The base station received an upload: in time, or after its round closed.
    UploadReceived {
        /// The sender.
        device: u32,
        /// The upload's round.
        round: u64,
        /// It arrived after its round closed and was discarded.
        late: bool,
    },
    /// A device finished a chunk of local steps.
    Computed {
        /// The round it works for.
        round: u64,
        /// Work done.
        compute: ComputeTotals,
    },
    /// A device's local model at a checkpoint (`eval.local_every`, `eval.local_every_steps`),
    /// before any averaging due at that step.
    Curve {
        /// Its global iterations so far (completed blocks of Delta_s steps).
        global_iteration: u64,
        /// Its local steps so far.
        local_step: u64,
        /// The evaluation.
        evaluation: Evaluation,
    },
    /// A device's local model at the end of an evaluated round.
    LocalModel {
        /// The round.
        round: u64,
        /// The evaluation.
        evaluation: Evaluation,
    },
    /// A device finished a round of separate training.
    RoundDone {
        /// The round.
        round: u64,
    },
    /// A device skipped an upload that would break its budget.
    OverBudget {
        /// The round.
        round: u64,
    },
}

/// What a device or the base station does.
#[derive(Debug)]
pub enum Action {
    /// Send a message to the base station.
    ToBaseStation(Msg),
    /// Send a message to every device.
    ToDevices(Msg),
    /// Fire a timer.
    Timer {
        /// When.
        at: SimTime,
        /// Which.
        timer: Timer,
    },
    /// Work on the learning state, taking `duration` of virtual time.
    Work {
        /// Virtual time it takes.
        duration: SimDuration,
        /// The work.
        job: Job,
    },
    /// Work with no result and no virtual duration.
    Post(Job),
    /// A measurement for the records.
    Probe(Probe),
    /// A note for the recorder.
    Note(Note),
    /// Raise a cue of the timeline: round `r` opened.
    Cue(u64),
}
