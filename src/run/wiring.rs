//! FL-SNN as a system the kernel can host: the device and base-station models as nodes (the base
//! station is node 0, device `d` is node `d + 1`), their learning state as workers, and the cell's
//! channel as the medium between them.

use crate::fl::compress::{analog_values, payload_bytes, CompressError, EncodedUpload};
use crate::fl::{
    Action, BaseStation, BaseStationInput, ComputeTotals, Device, DeviceInput, FaultEvent,
    FaultKind, GlobalEvaluator, Job, LocalModel, Msg, Note, Probe, Reading, Timer, Trained, Upload,
};
use crate::net::{Channel, Damage, DownlinkOutcome, NetError, PathFaults, UploadStart};
use crate::sim::{self, Bytes, Context, Effect, Input, NodeId, Outbox, Transfer};
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The base station's node id.
pub const BASE_STATION: NodeId = 0;

/// Device `d`'s node id.
pub fn node_of(device: u32) -> NodeId {
    device + 1
}

/// What can go wrong inside a run's models (bugs, or a corrupt message).
#[derive(Debug, thiserror::Error)]
pub enum FlError {
    /// A compressed message could not be made or read.
    #[error("round {round}: compression: {error}")]
    Compress {
        /// The round being worked on (the latest one the node heard of).
        round: u64,
        /// What went wrong.
        error: CompressError,
    },
    /// A device's learning state failed.
    #[error("{0}")]
    Local(#[from] crate::fl::LocalError),
    /// The channel rejected a message.
    #[error("round {round}: channel: {error}")]
    Net {
        /// The message's round.
        round: u64,
        /// What went wrong.
        error: NetError,
    },
    /// A message reached a node that has no use for it.
    #[error("unexpected message {0}")]
    Unexpected(&'static str),
}

/// What the channel reports of a transmission.
#[derive(Debug)]
pub enum LinkReport {
    /// An upload went on the uplink.
    Upload {
        /// The sender.
        device: u32,
        /// Its round.
        round: u64,
        /// What the channel made of it.
        start: UploadStart,
    },
    /// An upload was not sent: its device was off.
    UploadSkipped {
        /// The device.
        device: u32,
        /// Its round.
        round: u64,
    },
    /// One device's copy of a global model.
    Downlink {
        /// Its round.
        round: u64,
        /// What the channel made of it.
        outcome: DownlinkOutcome,
    },
    /// An upload on the uplink was aborted: its device's radio went down (crash, pause).
    UploadAborted {
        /// The device.
        device: u32,
        /// Its round.
        round: u64,
    },
    /// An upload arrived damaged and the checksum caught it: it counts as lost.
    UploadCorrupted {
        /// The device.
        device: u32,
        /// Its round.
        round: u64,
    },
    /// An upload arrived damaged unseen (every value's sign flipped): it goes on to aggregation.
    UploadTampered {
        /// The device.
        device: u32,
        /// Its round.
        round: u64,
    },
}

/// The FL system's types. A saved part ([`sim::System::Saved`]) is the part's own state encoded
/// as the kernel encodes snapshots ([`sim::encode`]): a node model's protocol state, a worker's learning state, the channel, or the
/// recorder's tally.
pub struct Fl;

/// Encodes `value` for a snapshot.
fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Bytes, String> {
    sim::encode(value).map(Bytes)
}

/// Decodes a part saved by [`encode`], naming `what` it is when it does not decode.
pub(super) fn decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, String> {
    sim::decode(bytes).map_err(|e| format!("{what}: {e}"))
}

impl sim::System for Fl {
    type Msg = Msg;
    type Timer = Timer;
    type Job = Job;
    type Done = Trained;
    type Probe = Probe;
    type Reading = Reading;
    type Note = Note;
    type Report = LinkReport;
    type Error = FlError;
    type Saved = Bytes;
    type Event = FaultEvent;
}

fn effects(actions: Vec<Action>, devices: u32, out: &mut Vec<Effect<Fl>>) {
    for action in actions {
        out.push(match action {
            Action::ToBaseStation(msg) => Effect::Send {
                to: vec![BASE_STATION],
                msg,
            },
            Action::ToDevices(msg) => Effect::Send {
                to: (0..devices).map(node_of).collect(),
                msg,
            },
            Action::Timer { at, timer } => Effect::Timer { at, timer },
            Action::Work { duration, job } => Effect::Work { duration, job },
            Action::Post(job) => Effect::Post(job),
            Action::Probe(probe) => Effect::Probe(probe),
            Action::Note(note) => Effect::Note(note),
            Action::Cue(cue) => Effect::Cue(cue),
        });
    }
}

/// A device node: its protocol, and whether to evaluate its local model at the end.
pub struct DeviceNode {
    /// The protocol.
    pub device: Device,
}

impl sim::Model<Fl> for DeviceNode {
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<Fl>,
        out: &mut Vec<Effect<Fl>>,
    ) -> Result<(), FlError> {
        let input = match input {
            Input::Start => DeviceInput::Start,
            Input::Message {
                msg: Msg::Global(g),
                ..
            } => DeviceInput::Global(g),
            Input::Lost {
                msg: Msg::Global(g),
                ..
            } => DeviceInput::GlobalMissed(g),
            Input::Done(trained) => DeviceInput::Trained(trained),
            Input::Timer(timer) => DeviceInput::Timer(timer),
            Input::Event(fault) => DeviceInput::Fault(fault),
            Input::Message { .. } | Input::Lost { .. } => {
                return Err(FlError::Unexpected("for a device"))
            }
        };
        let actions = self.device.handle(ctx.now, ctx.next_arrival, input);
        effects(actions, 0, out);
        Ok(())
    }

    fn sent(&mut self, report: &LinkReport) {
        if let LinkReport::Upload { start, .. } = report {
            self.device.sent(start.wire_bytes);
        }
    }

    fn save(&self) -> Result<Bytes, String> {
        encode(&self.device)
    }

    fn end(&mut self, _ctx: Context, out: &mut Vec<Effect<Fl>>) {
        out.push(Effect::Probe(Probe::Final {
            evaluate: self.device.protocol().evaluates_devices(),
        }));
    }
}

/// The base-station node.
pub struct BaseStationNode {
    /// The protocol and the global model.
    pub bs: BaseStation,
    /// Devices in the cell.
    pub devices: u32,
    /// Payload of a systems-only stand-in upload \[B\].
    pub stand_in_bytes: u64,
}

impl sim::Model<Fl> for BaseStationNode {
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<Fl>,
        out: &mut Vec<Effect<Fl>>,
    ) -> Result<(), FlError> {
        let input = match input {
            Input::Start => BaseStationInput::Start,
            Input::Message {
                msg: Msg::Upload(u),
                ..
            } => BaseStationInput::Upload(u),
            // It arrives without a channel quality: in a cell, the medium made it a full upload
            // to carry the one measured.
            Input::Message {
                msg: Msg::StandIn(s),
                ..
            } => BaseStationInput::Upload(Arc::new(s.upload(self.stand_in_bytes, None))),
            Input::Lost {
                msg: Msg::Upload(u),
                ..
            } => BaseStationInput::UploadLost {
                device: u.device,
                round: u.round,
            },
            Input::Lost {
                msg: Msg::StandIn(s),
                ..
            } => BaseStationInput::UploadLost {
                device: s.device,
                round: u64::from(s.round),
            },
            Input::Message {
                msg: Msg::Skip { device, round },
                ..
            } => BaseStationInput::Skip { device, round },
            Input::Timer(timer) => BaseStationInput::Timer(timer),
            Input::Event(fault) => BaseStationInput::Fault(fault),
            Input::Message { .. } | Input::Lost { .. } | Input::Done(_) => {
                return Err(FlError::Unexpected("for the base station"))
            }
        };
        let round = match &input {
            BaseStationInput::Upload(u) => u.round,
            BaseStationInput::UploadLost { round, .. }
            | BaseStationInput::Skip { round, .. }
            | BaseStationInput::Timer(Timer::Deadline { round }) => *round,
            BaseStationInput::Start
            | BaseStationInput::Timer(Timer::Release { .. })
            | BaseStationInput::Fault(_) => 0,
        };
        let actions = self
            .bs
            .handle(ctx.now, input)
            .map_err(|error| FlError::Compress { round, error })?;
        effects(actions, self.devices, out);
        Ok(())
    }

    fn save(&self) -> Result<Bytes, String> {
        encode(&self.bs)
    }
}

impl DeviceNode {
    /// Takes up its saved protocol state.
    pub fn restore(&mut self, saved: &[u8]) -> Result<(), String> {
        self.device = decode(saved, "device protocol")?;
        Ok(())
    }
}

impl BaseStationNode {
    /// Takes up its saved protocol state.
    pub fn restore(&mut self, saved: &[u8]) -> Result<(), String> {
        self.bs = decode(saved, "base station")?;
        Ok(())
    }
}

impl FlWorker {
    /// Takes up its saved learning state.
    pub fn restore(&mut self, saved: &[u8]) -> Result<(), String> {
        match self {
            FlWorker::Device(local) => local.restore(saved),
            FlWorker::BaseStation(evaluator) => {
                evaluator.set_rng(decode(saved, "base-station evaluator")?);
                Ok(())
            }
            FlWorker::SizeOnly { .. } => match saved.is_empty() {
                true => Ok(()),
                false => Err("a learning state saved for a systems-only node".into()),
            },
        }
    }
}

/// A node's learning state, hosted by its actor.
pub enum FlWorker {
    /// A device's local model.
    Device(Box<LocalModel>),
    /// The base station's evaluator.
    BaseStation(Box<GlobalEvaluator>),
    /// A node of a systems-only run: it holds nothing, trains nothing and answers every upload
    /// with a stand-in of `upload_bytes` \[B\]. Its work runs inline, on the kernel's thread.
    SizeOnly {
        /// Payload of an upload \[B\].
        upload_bytes: u64,
    },
}

impl FlWorker {
    /// A device's worker: its local model, or a size-only stand-in answering with uploads of
    /// `upload_bytes` \[B\] (systems-only runs).
    pub fn for_device(local: Option<Box<LocalModel>>, upload_bytes: u64) -> FlWorker {
        match local {
            Some(local) => FlWorker::Device(local),
            None => FlWorker::SizeOnly { upload_bytes },
        }
    }
}

impl sim::Worker<Fl> for FlWorker {
    fn work(&mut self, job: Job) -> Result<Option<Trained>, FlError> {
        match self {
            FlWorker::Device(local) => Ok(local.work(job)?),
            FlWorker::BaseStation(_) => Err(FlError::Unexpected("job for the base station")),
            FlWorker::SizeOnly { upload_bytes } => Ok(match job {
                Job::Adopt(_) => None,
                Job::Train {
                    steps,
                    upload,
                    epoch,
                    ..
                } => Some(Trained {
                    compute: ComputeTotals {
                        steps,
                        ..ComputeTotals::default()
                    },
                    evaluation: None,
                    upload: upload.then_some(EncodedUpload::SizeOnly {
                        bytes: *upload_bytes,
                    }),
                    epoch,
                }),
                Job::Reset => None,
            }),
        }
    }

    fn inline(&self) -> bool {
        matches!(self, FlWorker::SizeOnly { .. })
    }

    fn save(&self) -> Result<Bytes, String> {
        match self {
            FlWorker::Device(local) => local.save().map(Bytes),
            FlWorker::BaseStation(evaluator) => encode(evaluator.rng()),
            FlWorker::SizeOnly { .. } => Ok(Bytes::default()),
        }
    }

    fn probe(&mut self, probe: Probe) -> Result<Reading, FlError> {
        match (self, probe) {
            (FlWorker::Device(local), Probe::Final { evaluate }) => Ok(local.finish(evaluate)),
            (
                FlWorker::BaseStation(evaluator),
                Probe::Global {
                    round,
                    model,
                    examples,
                },
            ) => Ok(Reading::Global {
                round,
                evaluation: evaluator.evaluate(&model, examples),
            }),
            (FlWorker::BaseStation(_) | FlWorker::SizeOnly { .. }, Probe::Final { .. }) => {
                Ok(Reading::Final {
                    evaluation: None,
                    learner_bytes: 0,
                })
            }
            (FlWorker::Device(_) | FlWorker::SizeOnly { .. }, Probe::Global { .. }) => {
                Err(FlError::Unexpected("global probe without an evaluator"))
            }
        }
    }
}

/// An upload on the uplink, carried by the channel with its flow: its sender, the message, when
/// it was sent and what corruption did to it.
pub type Flight = (NodeId, Msg, SimTime, Damage);

/// The cell's channel as the kernel's medium.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct CellMedium {
    channel: Channel<Flight>,
    /// Damaged uploads whose last bit left, by (device, round): judged on arrival.
    damaged: BTreeMap<(u32, u64), Damage>,
    /// Payload of a systems-only stand-in upload \[B\].
    stand_in_bytes: u64,
}

impl CellMedium {
    /// The medium over `channel`; a stand-in upload has a payload of `stand_in_bytes` \[B\].
    pub fn new(channel: Channel<Flight>, stand_in_bytes: u64) -> CellMedium {
        CellMedium {
            channel,
            damaged: BTreeMap::new(),
            stand_in_bytes,
        }
    }

    /// `msg` as the base station receives it: an upload carries the SNR it was measured at (in
    /// a cell), a stand-in made a full upload to carry it. An upload is marked in place when
    /// nothing else holds it (its payload is not copied).
    fn measured(&self, msg: Msg, snr_db: Option<f64>) -> Msg {
        match (msg, snr_db) {
            (Msg::Upload(mut u), Some(snr)) => {
                Arc::make_mut(&mut u).channel_quality_db = Some(snr);
                Msg::Upload(u)
            }
            (Msg::StandIn(s), Some(snr)) => {
                Msg::Upload(Arc::new(s.upload(self.stand_in_bytes, Some(snr))))
            }
            (msg, _) => msg,
        }
    }

    /// Takes up its saved state (channel and uploads in flight).
    pub fn restore(&mut self, saved: &[u8]) -> Result<(), String> {
        *self = decode(saved, "channel")?;
        Ok(())
    }
}

impl sim::Medium<Fl> for CellMedium {
    fn send(
        &mut self,
        now: SimTime,
        from: NodeId,
        to: &[NodeId],
        msg: Msg,
        out: &mut dyn Outbox<Fl>,
    ) -> Result<(), FlError> {
        match &msg {
            Msg::Upload(_) | Msg::StandIn(_) => {
                let stand_in = EncodedUpload::SizeOnly {
                    bytes: self.stand_in_bytes,
                };
                let (device, round, encoded) = match &msg {
                    Msg::Upload(upload) => (upload.device, upload.round, &upload.payload),
                    Msg::StandIn(s) => (s.device, u64::from(s.round), &stand_in),
                    Msg::Skip { .. } | Msg::Global(_) => {
                        return Err(FlError::Unexpected("an upload that is none"))
                    }
                };
                let payload = payload_bytes(encoded);
                // The values summed over the air, counted only there.
                let analog = self.channel.over_the_air().is_some();
                let values = analog.then(|| analog_values(encoded));
                // Drawn once the upload is sent (not for a device that is off).
                let flight = |faults: &mut PathFaults| (from, msg, now, faults.damage(device));
                let started = match values {
                    None => self.channel.start_upload(now, device, payload, flight),
                    Some(values) => self
                        .channel
                        .start_analog_upload(now, device, values, payload, flight),
                }
                .map_err(|error| FlError::Net { round, error })?;
                match started {
                    Some(start) => {
                        out.report(LinkReport::Upload {
                            device,
                            round,
                            start,
                        });
                    }
                    None => out.report(LinkReport::UploadSkipped { device, round }),
                }
            }
            Msg::Skip { .. } => {
                for &to in to {
                    out.transfer(Transfer {
                        at: now,
                        from,
                        to,
                        sent: now,
                        delivered: true,
                        msg: msg.clone(),
                    });
                }
            }
            Msg::Global(global) => {
                let receivers: Vec<u32> = to.iter().map(|&n| n - 1).collect();
                let bytes = crate::fl::compress::broadcast_bytes(&global.model);
                self.channel
                    .broadcast_each(now, &receivers, bytes, |outcome| {
                        out.transfer(Transfer {
                            at: outcome.arrival,
                            from,
                            to: node_of(outcome.device),
                            sent: now,
                            delivered: outcome.delivered,
                            msg: msg.clone(),
                        });
                        out.report(LinkReport::Downlink {
                            round: global.round,
                            outcome,
                        });
                    });
            }
        }
        Ok(())
    }

    fn next_wake(&self) -> Option<SimTime> {
        self.channel.next_uplink_completion()
    }

    fn save(&self) -> Result<Bytes, String> {
        encode(self)
    }

    fn wake(&mut self, now: SimTime, out: &mut dyn Outbox<Fl>) {
        while let Some(done) = self.channel.complete_uplink(now) {
            let (from, msg, sent, damage) = done.tag;
            let msg = self.measured(msg, done.snr_db);
            if let (Some(key), true) = (msg.upload_of(), damage != Damage::Clean) {
                self.damaged.insert(key, damage);
            }
            out.transfer(Transfer {
                at: done.arrival,
                from,
                to: BASE_STATION,
                sent,
                delivered: done.delivered,
                msg,
            });
        }
    }

    fn event(&mut self, now: SimTime, fault: FaultEvent, out: &mut dyn Outbox<Fl>) {
        match fault.kind {
            FaultKind::Crash | FaultKind::Pause => {
                for &d in &fault.devices {
                    if let Some(radio) = self.channel.faults_mut().radio(d) {
                        if fault.start {
                            radio.start(now);
                        } else {
                            radio.end(now);
                        }
                    }
                }
                if fault.start {
                    for flight in self.channel.abort_uploads(now, &fault.devices) {
                        if let Some((device, round)) = flight.1.upload_of() {
                            out.report(LinkReport::UploadAborted { device, round });
                        }
                    }
                }
            }
            FaultKind::Outage(_) if fault.start => self.channel.faults_mut().outage().start(now),
            FaultKind::Outage(_) => self.channel.faults_mut().outage().end(now),
            FaultKind::Partition => {
                for &d in &fault.devices {
                    if let Some(p) = self.channel.faults_mut().partition(d) {
                        if fault.start {
                            p.start(now);
                        } else {
                            p.end(now);
                        }
                    }
                }
            }
            FaultKind::Corruption {
                detected,
                undetected,
            } => {
                let faults = self.channel.faults_mut();
                if fault.start {
                    faults.corrupt(fault.fault, fault.devices, detected, undetected);
                } else {
                    faults.stop_corrupting(fault.fault);
                }
            }
            FaultKind::Slowdown { .. } => {}
        }
    }

    fn arrive(&mut self, now: SimTime, transfer: &mut Transfer<Fl>, reports: &mut Vec<LinkReport>) {
        match &transfer.msg {
            Msg::Upload(_) | Msg::StandIn(_) => {
                let Some((device, round)) = transfer.msg.upload_of() else {
                    return;
                };
                let damage = self.damaged.remove(&(device, round));
                if !transfer.delivered {
                    return;
                }
                if self
                    .channel
                    .faults()
                    .cut(device, transfer.sent, now, true)
                    .is_some()
                {
                    transfer.delivered = false;
                    return;
                }
                match damage {
                    Some(Damage::Detected) => {
                        transfer.delivered = false;
                        reports.push(LinkReport::UploadCorrupted { device, round });
                    }
                    Some(Damage::Undetected) => {
                        // A stand-in's negated payload is the stand-in itself.
                        if let Msg::Upload(u) = &transfer.msg {
                            transfer.msg = Msg::Upload(Arc::new(Upload {
                                device,
                                round,
                                samples: u.samples,
                                payload: u.payload.negated(),
                                channel_quality_db: u.channel_quality_db,
                            }));
                        }
                        reports.push(LinkReport::UploadTampered { device, round });
                    }
                    Some(Damage::Clean) | None => {}
                }
            }
            Msg::Global(_) => {
                let device = transfer.to.wrapping_sub(1);
                if transfer.delivered
                    && self
                        .channel
                        .faults()
                        .cut(device, transfer.sent, now, false)
                        .is_some()
                {
                    transfer.delivered = false;
                }
            }
            Msg::Skip { .. } => {}
        }
    }
}
