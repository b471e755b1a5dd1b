//! A device's protocol (docs/spec.md section 3): when it trains, for how long, what it uploads and
//! when it adopts the global model. A plain state machine: it is handed an input and the current
//! virtual time and answers with [`Action`]s; its learning state lives in a
//! [`crate::fl::LocalModel`] that its host runs the jobs on.
//!
//! A round of local work (tau x Delta_s steps) is cut into chunks: at every local-model checkpoint
//! (`curve_steps`), and in non-blocking mode at most one lookahead long and at the arrival of a
//! global model already on its way, so that a model arriving mid-round is adopted at the first step
//! boundary after its arrival.

use crate::fl::compress::{payload_bytes, Broadcast, EncodedUpload};
use crate::fl::message::{Action, GlobalModel, Job, Msg, Note, StandIn, Timer, Trained, Upload};
use crate::fl::{FaultEvent, FaultKind, Mode, Protocol};
use crate::net::{tx_time, LinkConfig};
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;
use std::sync::Arc;

/// What a device is handed.
#[derive(Debug)]
pub enum DeviceInput {
    /// The run starts.
    Start,
    /// A global model arrived.
    Global(Arc<GlobalModel>),
    /// A global model was lost on the way; the device continues from its own model.
    GlobalMissed(Arc<GlobalModel>),
    /// A chunk of local work finished.
    Trained(Trained),
    /// A timer it set fired.
    Timer(Timer),
    /// A fault of the timeline starts or ends on it (crash, pause, slowdown).
    Fault(FaultEvent),
}

/// What a device knows of its situation.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DeviceSetup {
    /// Device id (0-based, dense).
    pub id: u32,
    /// Local examples.
    pub samples: u32,
    /// Virtual time of one SNN step.
    pub step_time: SimDuration,
    /// Its uplink, for budgets (packetisation and rate); one configuration shared by the
    /// devices of a run.
    pub uplink: Arc<LinkConfig>,
    /// Whether it takes part in the first round.
    pub first_round: bool,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Chunk {
    round: u64,
    steps_left: u64,
    steps: u64,
    last: bool,
    checkpoint: bool,
}

/// A device's protocol state.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Device {
    setup: DeviceSetup,
    protocol: Arc<Protocol>,
    chunk: Option<Chunk>,
    /// Rounds it was asked to take part in while busy, in order (boxed: most devices never
    /// queue one, and a million devices each hold the field: 8 bytes, not a queue's 32).
    #[allow(clippy::box_collection)]
    queued: Option<Box<VecDeque<u64>>>,
    adopt: Option<Arc<Broadcast>>,
    steps_done: u64,
    bytes_up: u64,
    /// When the chunk in progress began.
    chunk_began: SimTime,
    /// What faults did to it: made when a fault first concerns it (a device no fault touches
    /// stays small).
    faults: Option<Box<DeviceFaults>>,
}

/// What the timeline's faults did to a device (all zero or empty without faults).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DeviceFaults {
    /// Crashes in force (they may overlap); it is down while any is.
    crashes: u32,
    /// Pauses in force.
    pauses: u32,
    /// When the current pause began.
    paused_at: SimTime,
    /// Pause time the chunk in progress owes: it ends this much after its nominal end.
    shift: SimDuration,
    /// A chunk whose work came back, and its nominal end, held until it is due (boxed: rare,
    /// and a device without it stays small).
    held: Option<Box<(SimTime, Trained)>>,
    /// Work epoch: results of an earlier epoch (work lost in a crash) are dropped.
    epoch: u64,
    /// Ticket of the latest release timer.
    ticket: u64,
    /// A crashed device in synchronous or non-blocking mode waits for a global model.
    rejoining: bool,
    /// In separate training, the round a crashed device starts again.
    resume_round: Option<u64>,
    /// Step-time factors of the slowdowns in force.
    slowdowns: Vec<f64>,
}

impl Device {
    /// A device following `protocol`.
    pub fn new(setup: DeviceSetup, protocol: Arc<Protocol>) -> Device {
        Device {
            setup,
            protocol,
            chunk: None,
            queued: None,
            adopt: None,
            steps_done: 0,
            bytes_up: 0,
            chunk_began: SimTime::ZERO,
            faults: None,
        }
    }

    /// The protocol it follows.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// Whether it is down (crashed).
    pub fn is_down(&self) -> bool {
        self.faults.as_ref().is_some_and(|f| f.crashes > 0)
    }

    /// Its work epoch (0 until a crash).
    fn epoch(&self) -> u64 {
        self.faults.as_ref().map_or(0, |f| f.epoch)
    }

    /// Its step time now (slowdowns included).
    fn step_time(&self) -> u64 {
        let step = self.setup.step_time.0.max(1);
        let slowdowns = self.faults.as_ref().map_or(&[][..], |f| &f.slowdowns);
        if slowdowns.is_empty() {
            return step;
        }
        let factor: f64 = slowdowns.iter().product();
        ((step as f64 * factor).round() as u64).max(1)
    }

    /// Bytes its radio put on the uplink, every attempt: counted against its byte budget.
    pub fn sent(&mut self, wire_bytes: u64) {
        self.bytes_up += wire_bytes;
    }

    /// Handles `input` at `now`; `next_arrival` is the earliest message already on its way to it.
    pub fn handle(
        &mut self,
        now: SimTime,
        next_arrival: Option<SimTime>,
        input: DeviceInput,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if self.is_down() && !matches!(input, DeviceInput::Fault(_)) {
            // A crashed device does nothing; its aborted work comes back and is dropped.
            return out;
        }
        match input {
            DeviceInput::Fault(fault) => self.fault(fault, now, next_arrival, &mut out),
            DeviceInput::Timer(Timer::Release { ticket }) => {
                if self.faults.as_ref().is_some_and(|f| f.ticket == ticket) {
                    self.release(now, next_arrival, &mut out);
                }
            }
            DeviceInput::Timer(Timer::Deadline { .. }) => {}
            DeviceInput::Start => {
                let starts = match self.protocol.mode {
                    Mode::Sync => self.setup.first_round,
                    Mode::NonBlocking | Mode::Separate => true,
                };
                if starts {
                    self.start_round(0, now, next_arrival, &mut out);
                }
            }
            DeviceInput::Global(global) => {
                if self.chunk.is_some() {
                    self.adopt = Some(global.model.clone());
                } else {
                    out.push(Action::Post(Job::Adopt(global.model.clone())));
                }
                let rejoining = self.faults.as_mut().is_some_and(|f| f.rejoining);
                if let Some(f) = self.faults.as_mut() {
                    f.rejoining = false;
                }
                if rejoining
                    && self.protocol.mode == Mode::NonBlocking
                    && global.round + 1 < self.protocol.rounds()
                {
                    self.start_round(global.round + 1, now, next_arrival, &mut out);
                }
                self.follow(&global, now, next_arrival, &mut out);
            }
            DeviceInput::GlobalMissed(global) => {
                let rejoining = self.faults.as_ref().is_some_and(|f| f.rejoining);
                if !(rejoining && self.protocol.mode == Mode::NonBlocking) {
                    if let Some(f) = self.faults.as_mut() {
                        f.rejoining = false;
                    }
                    self.follow(&global, now, next_arrival, &mut out);
                }
            }
            DeviceInput::Trained(trained) => {
                let holds = |f: &DeviceFaults| f.pauses > 0 || f.shift > SimDuration::ZERO;
                if trained.epoch != self.epoch() || self.chunk.is_none() {
                    // Work lost in a crash.
                } else if let Some(f) = self.faults.as_mut().filter(|f| holds(f)) {
                    f.held = Some(Box::new((now, trained)));
                    self.release(now, next_arrival, &mut out);
                } else {
                    self.trained(trained, now, next_arrival, &mut out);
                }
            }
        }
        out
    }

    /// A fault starts or ends on it.
    fn fault(
        &mut self,
        fault: FaultEvent,
        now: SimTime,
        next_arrival: Option<SimTime>,
        out: &mut Vec<Action>,
    ) {
        let f = self.faults.get_or_insert_with(Box::default);
        match (fault.kind, fault.start) {
            (FaultKind::Crash, true) => {
                f.crashes += 1;
                if f.crashes > 1 {
                    return;
                }
                let round = self.chunk.as_ref().map(|c| c.round);
                f.resume_round = round
                    .or(self.queued.as_ref().and_then(|q| q.front().copied()))
                    .or(f.resume_round);
                f.epoch += 1;
                f.ticket += 1;
                f.held = None;
                f.shift = SimDuration::ZERO;
                f.rejoining = false;
                self.chunk = None;
                self.queued = None;
                self.adopt = None;
                out.push(Action::Post(Job::Reset));
            }
            (FaultKind::Crash, false) => {
                f.crashes = f.crashes.saturating_sub(1);
                if f.crashes > 0 {
                    return;
                }
                match self.protocol.mode {
                    Mode::Separate => {
                        if let Some(round) = f.resume_round.take() {
                            self.start_round(round, now, next_arrival, out);
                        }
                    }
                    Mode::Sync | Mode::NonBlocking => f.rejoining = true,
                }
            }
            (FaultKind::Pause, true) => {
                f.pauses += 1;
                if f.pauses == 1 {
                    f.paused_at = now;
                }
            }
            (FaultKind::Pause, false) => {
                f.pauses = f.pauses.saturating_sub(1);
                if f.pauses == 0 {
                    if self.chunk.is_some() {
                        f.shift += now.saturating_since(f.paused_at.max(self.chunk_began));
                    }
                    self.release(now, next_arrival, out);
                }
            }
            (FaultKind::Slowdown { factor }, true) => f.slowdowns.push(factor),
            (FaultKind::Slowdown { factor }, false) => {
                if let Some(i) = f.slowdowns.iter().position(|&x| x == factor) {
                    f.slowdowns.remove(i);
                }
            }
            (FaultKind::Outage(_) | FaultKind::Partition | FaultKind::Corruption { .. }, _) => {}
        }
    }

    /// Hands on a finished chunk once it is due (its nominal end plus the pause time it owes)
    /// and no pause holds it back.
    fn release(&mut self, now: SimTime, next_arrival: Option<SimTime>, out: &mut Vec<Action>) {
        let Some(f) = self.faults.as_deref_mut() else {
            return;
        };
        let Some((end, _)) = f.held.as_deref() else {
            return;
        };
        if f.pauses > 0 {
            return;
        }
        let due = *end + f.shift;
        if due > now {
            f.ticket += 1;
            out.push(Action::Timer {
                at: due,
                timer: Timer::Release { ticket: f.ticket },
            });
            return;
        }
        if let Some((_, trained)) = f.held.take().map(|held| *held) {
            self.trained(trained, now, next_arrival, out);
        }
    }

    /// In synchronous mode a device asked to take part in the next round starts it on receiving
    /// the global model, or on learning that it missed it (from its own model).
    fn follow(
        &mut self,
        global: &GlobalModel,
        now: SimTime,
        next_arrival: Option<SimTime>,
        out: &mut Vec<Action>,
    ) {
        if self.protocol.mode == Mode::Sync && global.selects(self.setup.id) {
            self.start_round(global.round + 1, now, next_arrival, out);
        }
    }

    fn start_round(
        &mut self,
        round: u64,
        now: SimTime,
        next_arrival: Option<SimTime>,
        out: &mut Vec<Action>,
    ) {
        if self.chunk.is_some() {
            self.queued.get_or_insert_default().push_back(round);
            return;
        }
        self.chunk = Some(Chunk {
            round,
            steps_left: self.protocol.round_steps(round),
            steps: 0,
            last: false,
            checkpoint: false,
        });
        self.next_chunk(now, next_arrival, out);
    }

    fn next_chunk(&mut self, now: SimTime, next_arrival: Option<SimTime>, out: &mut Vec<Action>) {
        let step = self.step_time();
        self.chunk_began = now;
        if let Some(f) = self.faults.as_deref_mut() {
            f.shift = SimDuration::ZERO;
        }
        let epoch = self.epoch();
        let p = &self.protocol;
        let curve_steps = p.curve_steps.map(|n| n.max(1));
        let Some(chunk) = self.chunk.as_mut() else {
            return;
        };
        let mut steps = chunk.steps_left;
        if let Some(every) = curve_steps {
            steps = steps.min(every - self.steps_done % every);
        }
        if p.mode == Mode::NonBlocking {
            steps = steps.min((p.lookahead.0 / step).max(1));
            if let Some(arrival) = next_arrival {
                steps = steps.min(arrival.0.saturating_sub(now.0).div_ceil(step).max(1));
            }
        }
        chunk.steps = steps;
        chunk.last = steps == chunk.steps_left;
        chunk.checkpoint = curve_steps.is_some_and(|e| (self.steps_done + steps).is_multiple_of(e));
        let evaluate_round = chunk.last && p.evaluates_devices() && p.evaluated(chunk.round);
        let job = Job::Train {
            // A synchronous device adopts a model that reached it mid-round when it starts its
            // next round, whatever its checkpoints; a non-blocking one at the next chunk.
            adopt: if p.mode == Mode::NonBlocking || chunk.steps_left == p.round_steps(chunk.round)
            {
                self.adopt.take()
            } else {
                None
            },
            steps,
            evaluate: if evaluate_round || chunk.checkpoint {
                p.eval_examples
            } else {
                0
            },
            upload: chunk.last && p.mode != Mode::Separate,
            epoch,
        };
        out.push(Action::Work {
            duration: SimDuration(step) * steps,
            job,
        });
    }

    fn trained(
        &mut self,
        trained: Trained,
        now: SimTime,
        next_arrival: Option<SimTime>,
        out: &mut Vec<Action>,
    ) {
        let Some(chunk) = self.chunk.as_mut() else {
            return;
        };
        chunk.steps_left -= chunk.steps;
        self.steps_done += chunk.steps;
        let (round, last, checkpoint) = (chunk.round, chunk.last, chunk.checkpoint);
        let p = self.protocol.clone();
        if let (true, Some(ev)) = (checkpoint, &trained.evaluation) {
            out.push(Action::Note(Note::Curve {
                global_iteration: self.steps_done / p.delta_s,
                local_step: self.steps_done,
                evaluation: (**ev).clone(),
            }));
        }
        out.push(Action::Note(Note::Computed {
            round,
            compute: trained.compute,
        }));
        if !last {
            self.next_chunk(now, next_arrival, out);
            return;
        }
        self.chunk = None;
        if let (true, Some(ev)) = (
            p.evaluates_devices() && p.evaluated(round),
            trained.evaluation,
        ) {
            out.push(Action::Note(Note::LocalModel {
                round,
                evaluation: *ev,
            }));
        }
        match (p.mode, trained.upload) {
            (Mode::Separate, _) => out.push(Action::Note(Note::RoundDone { round })),
            (_, Some(payload)) => self.upload(round, payload, out),
            (_, None) => {}
        }
        let next = match p.mode {
            Mode::Sync => self.queued.as_mut().and_then(|q| q.pop_front()),
            Mode::NonBlocking | Mode::Separate => (round + 1 < p.rounds()).then_some(round + 1),
        };
        match next {
            Some(r) => self.start_round(r, now, next_arrival, out),
            None => {
                if let Some(model) = self.adopt.take() {
                    out.push(Action::Post(Job::Adopt(model)));
                }
            }
        }
    }

    /// Sends the upload, unless it would break a budget.
    fn upload(&mut self, round: u64, payload: EncodedUpload, out: &mut Vec<Action>) {
        let uplink = &self.setup.uplink;
        let planned = uplink.packet_format().map_or(payload_bytes(&payload), |f| {
            f.wire_bytes(payload_bytes(&payload))
        });
        let over_bytes = self
            .protocol
            .budget_bytes
            .is_some_and(|b| self.bytes_up + planned > b);
        let over_airtime = self
            .protocol
            .budget_airtime
            .is_some_and(|a| tx_time(planned * 8, uplink.rate) > a);
        if over_bytes || over_airtime {
            out.push(Action::Note(Note::OverBudget { round }));
            out.push(Action::ToBaseStation(Msg::Skip {
                device: self.setup.id,
                round,
            }));
            return;
        }
        let msg = match (&payload, u32::try_from(round)) {
            (EncodedUpload::SizeOnly { .. }, Ok(round)) => Msg::StandIn(StandIn {
                device: self.setup.id,
                round,
                samples: self.setup.samples,
            }),
            _ => Msg::Upload(Arc::new(Upload {
                device: self.setup.id,
                round,
                samples: self.setup.samples,
                payload,
                channel_quality_db: None,
            })),
        };
        out.push(Action::ToBaseStation(msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fl::compress::EncodedUpload;
    use crate::fl::ComputeTotals;
    use crate::net::{Latency, LossModel, Rate};

    const STEP_US: u64 = 10;

    fn link() -> LinkConfig {
        LinkConfig {
            latency: Latency::Constant(SimDuration::ZERO),
            rate: Rate::from_bps(8_000_000).expect("positive"),
            mtu_bytes: 1_500,
            header_bytes: 40,
            loss: LossModel::None,
            retries: 0,
            retry_delay: SimDuration::ZERO,
        }
    }

    fn device(protocol: Protocol, lookahead_us: u64) -> Device {
        Device::new(
            DeviceSetup {
                id: 3,
                samples: 40,
                step_time: SimDuration::from_micros(STEP_US),
                uplink: Arc::new(link()),
                first_round: true,
            },
            Arc::new(Protocol {
                lookahead: SimDuration::from_micros(lookahead_us),
                ..protocol
            }),
        )
    }

    fn protocol(mode: Mode) -> Protocol {
        Protocol {
            mode,
            tau: 2,
            delta_s: 5,
            steps: 30,
            ..Protocol::default()
        }
    }

    fn t(us: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_micros(us)
    }

    fn trained(upload: bool) -> DeviceInput {
        DeviceInput::Trained(Trained {
            compute: ComputeTotals::default(),
            evaluation: None,
            upload: upload.then(|| EncodedUpload::Full {
                values: vec![0.5; 100].into(),
            }),
            epoch: 0,
        })
    }

    fn global(round: u64, next: Vec<u32>) -> Arc<GlobalModel> {
        Arc::new(GlobalModel {
            round,
            model: Arc::new(Broadcast::Full {
                values: vec![1.0; 100],
            }),
            next_participants: next,
        })
    }

    /// (steps, adopts, uploads) of the work asked for.
    fn work(actions: &[Action]) -> Vec<(u64, bool, bool)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Work {
                    duration,
                    job:
                        Job::Train {
                            steps,
                            adopt,
                            upload,
                            ..
                        },
                } => {
                    assert_eq!(duration.0, steps * STEP_US * 1_000, "steps x step time");
                    Some((*steps, adopt.is_some(), *upload))
                }
                _ => None,
            })
            .collect()
    }

    fn uploads(actions: &[Action]) -> Vec<(u32, u64)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::ToBaseStation(Msg::Upload(u)) => Some((u.device, u.round)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_size_only_upload_goes_as_a_stand_in_carried_in_the_message() {
        let mut dev = device(protocol(Mode::Sync), 1_000);
        dev.handle(t(0), None, DeviceInput::Start);
        let stand_in = DeviceInput::Trained(Trained {
            compute: ComputeTotals::default(),
            evaluation: None,
            upload: Some(EncodedUpload::SizeOnly { bytes: 43_360 }),
            epoch: 0,
        });
        let done = dev.handle(t(100), None, stand_in);
        let Some(Action::ToBaseStation(msg)) = done.last() else {
            panic!("an upload: {done:?}");
        };
        let expected = StandIn {
            device: 3,
            round: 0,
            samples: 40,
        };
        assert!(matches!(msg, Msg::StandIn(s) if *s == expected), "{msg:?}");
        assert_eq!(msg.upload_of(), Some((3, 0)));
        let upload = expected.upload(43_360, Some(7.5));
        assert_eq!(upload.payload, EncodedUpload::SizeOnly { bytes: 43_360 });
        assert_eq!((upload.device, upload.round, upload.samples), (3, 0, 40));
        assert_eq!(upload.channel_quality_db, Some(7.5));
    }

    #[test]
    fn a_synchronous_device_trains_tau_blocks_uploads_and_waits_for_the_global_model() {
        let mut dev = device(protocol(Mode::Sync), 1_000);
        let start = dev.handle(t(0), None, DeviceInput::Start);
        assert_eq!(work(&start), vec![(10, false, true)], "tau x Delta_s steps");
        let done = dev.handle(t(100), None, trained(true));
        assert_eq!(uploads(&done), vec![(3, 0)]);
        assert!(work(&done).is_empty(), "it waits for the broadcast");
        let next = dev.handle(t(150), None, DeviceInput::Global(global(0, vec![1, 3])));
        assert!(
            matches!(next[0], Action::Post(Job::Adopt(_))),
            "adopts at once"
        );
        assert_eq!(work(&next), vec![(10, false, true)], "then round 1");
    }

    #[test]
    fn a_device_not_selected_adopts_and_waits_and_one_that_missed_the_model_goes_on() {
        let mut dev = device(protocol(Mode::Sync), 1_000);
        dev.handle(t(0), None, DeviceInput::Start);
        dev.handle(t(100), None, trained(true));
        let skipped = dev.handle(t(150), None, DeviceInput::Global(global(0, vec![0])));
        assert!(work(&skipped).is_empty());
        assert!(matches!(skipped[..], [Action::Post(Job::Adopt(_))]));
        let missed = dev.handle(t(300), None, DeviceInput::GlobalMissed(global(1, vec![3])));
        assert_eq!(work(&missed), vec![(10, false, true)], "from its own model");
    }

    #[test]
    fn a_non_blocking_device_cuts_its_work_at_the_lookahead_and_at_a_known_arrival() {
        // Lookahead 40 us = 4 steps; a global model is due at 25 us, within the first chunk.
        let mut dev = device(protocol(Mode::NonBlocking), 40);
        let start = dev.handle(t(0), Some(t(25)), DeviceInput::Start);
        assert_eq!(
            work(&start),
            vec![(3, false, false)],
            "the step boundary after 25 us"
        );
        let arrived = dev.handle(t(25), None, DeviceInput::Global(global(0, vec![])));
        assert!(
            arrived.is_empty(),
            "busy: the model waits for the step boundary"
        );
        let next = dev.handle(t(30), None, trained(false));
        assert_eq!(
            work(&next),
            vec![(4, true, false)],
            "adopted before the next chunk"
        );
        let last = dev.handle(t(70), None, trained(false));
        assert_eq!(
            work(&last),
            vec![(3, false, true)],
            "10 = 3 + 4 + 3, then the upload"
        );
        let uploaded = dev.handle(t(100), None, trained(true));
        assert_eq!(uploads(&uploaded), vec![(3, 0)]);
        assert_eq!(work(&uploaded), vec![(4, false, false)], "round 1 at once");
    }

    #[test]
    fn an_upload_over_the_byte_budget_is_skipped_and_the_base_station_told() {
        let budget = Protocol {
            budget_bytes: Some(600),
            ..protocol(Mode::Sync)
        };
        let mut dev = device(budget, 1_000);
        dev.handle(t(0), None, DeviceInput::Start);
        // 100 f32 values and a header: under 600 bytes once, not twice.
        let first = dev.handle(t(100), None, trained(true));
        assert_eq!(uploads(&first), vec![(3, 0)]);
        let Some(Action::ToBaseStation(Msg::Upload(u))) = first.last() else {
            panic!("an upload was expected last");
        };
        dev.sent(crate::fl::compress::payload_bytes(&u.payload));
        dev.handle(t(150), None, DeviceInput::Global(global(0, vec![3])));
        let second = dev.handle(t(250), None, trained(true));
        assert!(uploads(&second).is_empty());
        assert!(second
            .iter()
            .any(|a| matches!(a, Action::Note(Note::OverBudget { round: 1 }))));
        assert!(second.iter().any(|a| matches!(
            a,
            Action::ToBaseStation(Msg::Skip {
                device: 3,
                round: 1
            })
        )));
    }

    #[test]
    fn in_separate_training_a_device_runs_every_round_without_uploading() {
        let mut dev = device(protocol(Mode::Separate), 1_000);
        let mut work_done = work(&dev.handle(t(0), None, DeviceInput::Start));
        let mut rounds = Vec::new();
        for _ in 0..3 {
            let out = dev.handle(t(0), None, trained(false));
            assert!(uploads(&out).is_empty());
            rounds.extend(out.iter().filter_map(|a| match a {
                Action::Note(Note::RoundDone { round }) => Some(*round),
                _ => None,
            }));
            work_done.extend(work(&out));
        }
        assert_eq!(rounds, vec![0, 1, 2]);
        assert_eq!(work_done, vec![(10, false, false); 3]);
    }
}
