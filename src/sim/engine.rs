//! The medium: owns the event calendar and the channel, and drives device and base-station actors
//! on the virtual clock.
//!
//! Parallelism without losing determinism: a device's batch of local steps is a pure function of
//! its own state, and its virtual duration (steps x step time) is known when it starts. The engine
//! therefore sends the batch to the device's actor at once (devices are spread over one arbiter per
//! core) and schedules a `ChunkDone` event at its end; it awaits the actor's answer only when the
//! calendar reaches that event. All devices that start work before the next such event compute
//! concurrently, and the engine merges their results in (time, source, sequence) order.
//! In non-blocking mode a batch is cut into chunks no longer than the lookahead (the smallest
//! possible delay of a broadcast), so a global model that arrives mid-batch is adopted at the step
//! boundary after its arrival.

use super::actors::{
    Adopt, Aggregate, BaseStationActor, BatchResult, DeviceActor, DeviceFinal, EvaluateGlobal,
    Finish, RunBatch,
};
use super::calendar::Calendar;
use super::channel::Channel;
use super::records::{CurvePoint, DeviceRecord, EventKind, NetEvent, RoundRecord, Sink};
use super::setup::{DeviceSpec, EngineSetup, Protocol};
use super::SimError;
use crate::fl::compress::{broadcast_bytes, payload_bytes, Broadcast, EncodedUpload, HEADER_BYTES};
use crate::fl::{Mode, Participation};
use crate::snn::Evaluation;
use crate::time::{SimDuration, SimTime};
use actix::dev::Request;
use actix::prelude::*;
use rand::seq::index::sample;
use rand_chacha::ChaCha12Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Everything a finished run produced.
pub struct RunResult {
    /// One row per round, in round order.
    pub rounds: Vec<RoundRecord>,
    /// One row per device, in id order.
    pub devices: Vec<DeviceRecord>,
    /// Every device's local model at every checkpoint, sorted by (iteration, device).
    pub curves: Vec<CurvePoint>,
    /// The final global model on the whole test set (none in separate training).
    pub final_global: Option<Evaluation>,
    /// Virtual time at the end of the run.
    pub virtual_end: SimTime,
    /// Calendar events processed.
    pub events: u64,
}

enum Event {
    ChunkDone {
        device: u32,
    },
    UplinkCheck {
        version: u64,
    },
    UploadResolved {
        flow: u64,
        delivered: bool,
    },
    Deadline {
        round: u64,
    },
    BroadcastResolved {
        device: u32,
        round: u64,
        delivered: bool,
        model: Arc<Broadcast>,
    },
}

/// The base station's source id in the calendar; device d is d + 1.
const BS: u32 = 0;

struct Batch {
    round: u64,
    steps_left: u64,
    chunk_steps: u64,
    last_chunk: bool,
    checkpoint: bool,
}

struct DevState {
    spec: DeviceSpec,
    addr: Addr<DeviceActor>,
    batch: Option<Batch>,
    pending: Option<Request<DeviceActor, RunBatch>>,
    queued: VecDeque<u64>,
    adopt: Option<Arc<Broadcast>>,
    arrivals: BTreeSet<SimTime>,
    record: DeviceRecord,
    steps_done: u64,
}

struct Flight {
    device: u32,
    round: u64,
    upload: EncodedUpload,
    bytes: u64,
}

#[derive(Default)]
struct BsRound {
    expected: BTreeSet<u32>,
    resolved: BTreeSet<u32>,
    received: Vec<(u32, usize, EncodedUpload)>,
    open: bool,
    closed: bool,
    start: SimTime,
}

#[derive(Default)]
struct DeviceEvalSum {
    accuracy: f64,
    nll: f64,
    count: u64,
}

pub(super) struct Engine<'a> {
    cal: Calendar<Event>,
    now: SimTime,
    protocol: Protocol,
    channel: Channel,
    devs: Vec<DevState>,
    bs: Addr<BaseStationActor>,
    lookahead: SimDuration,
    rounds_total: u64,
    bs_rounds: BTreeMap<u64, BsRound>,
    records: BTreeMap<u64, RoundRecord>,
    device_evals: BTreeMap<u64, DeviceEvalSum>,
    curves: Vec<CurvePoint>,
    flights: BTreeMap<u64, Flight>,
    uplink_version: u64,
    evals: VecDeque<(u64, Request<BaseStationActor, EvaluateGlobal>)>,
    participation_rng: ChaCha12Rng,
    sink: &'a mut dyn Sink,
    events: u64,
}

impl<'a> Engine<'a> {
    pub(super) fn new(
        setup: EngineSetup,
        device_addrs: Vec<Addr<DeviceActor>>,
        bs: Addr<BaseStationActor>,
        sink: &'a mut dyn Sink,
    ) -> Engine<'a> {
        // No broadcast is smaller than a bare message header.
        let lookahead = setup.channel.min_downlink_delay(HEADER_BYTES);
        let block_steps = setup.protocol.tau * setup.protocol.delta_s;
        let rounds_total = setup.protocol.steps.div_ceil(block_steps).max(1);
        let devs = setup
            .devices
            .into_iter()
            .zip(device_addrs)
            .map(|(spec, addr)| {
                let record = DeviceRecord {
                    device: spec.id,
                    class: spec.class_name.clone(),
                    samples: spec.samples as u64,
                    ..DeviceRecord::default()
                };
                DevState {
                    spec,
                    addr,
                    batch: None,
                    pending: None,
                    queued: VecDeque::new(),
                    adopt: None,
                    arrivals: BTreeSet::new(),
                    record,
                    steps_done: 0,
                }
            })
            .collect();
        Engine {
            cal: Calendar::default(),
            now: SimTime::ZERO,
            protocol: setup.protocol,
            channel: setup.channel,
            devs,
            bs,
            lookahead,
            rounds_total,
            bs_rounds: BTreeMap::new(),
            records: BTreeMap::new(),
            device_evals: BTreeMap::new(),
            curves: Vec::new(),
            flights: BTreeMap::new(),
            uplink_version: 0,
            evals: VecDeque::new(),
            participation_rng: setup.participation_rng,
            sink,
            events: 0,
        }
    }

    /// Local steps of round `r` for a device that takes part.
    fn round_steps(&self, r: u64) -> u64 {
        let block = self.protocol.tau * self.protocol.delta_s;
        block.min(self.protocol.steps.saturating_sub(r * block))
    }

    fn evaluated(&self, r: u64) -> bool {
        (r + 1).is_multiple_of(self.protocol.eval_every) || r + 1 == self.rounds_total
    }

    fn record(&mut self, r: u64) -> &mut RoundRecord {
        let block = self.protocol.tau;
        self.records.entry(r).or_insert_with(|| RoundRecord {
            round: r,
            global_iteration: (r + 1) * block,
            accuracy: f64::NAN,
            tie_rate: f64::NAN,
            test_nll: f64::NAN,
            device_accuracy: f64::NAN,
            device_nll: f64::NAN,
            ..RoundRecord::default()
        })
    }

    fn emit(&mut self, event: NetEvent) {
        if self.sink.wants_events() {
            self.sink.event(&event);
        }
    }

    pub(super) async fn run(mut self) -> Result<RunResult, SimError> {
        self.open_round(0, SimTime::ZERO);
        let all: Vec<u32> = match self.protocol.mode {
            Mode::Sync => self.bs_rounds[&0].expected.iter().copied().collect(),
            Mode::NonBlocking | Mode::Separate => (0..self.devs.len() as u32).collect(),
        };
        for d in all {
            self.start_batch(d, 0, SimTime::ZERO);
        }
        while let Some((t, event)) = self.cal.pop() {
            self.now = t;
            self.events += 1;
            match event {
                Event::ChunkDone { device } => self.chunk_done(device).await?,
                Event::UplinkCheck { version } => self.uplink_check(version),
                Event::UploadResolved { flow, delivered } => {
                    self.upload_resolved(flow, delivered).await?
                }
                Event::Deadline { round } => {
                    if self.bs_rounds.get(&round).is_some_and(|r| r.open) {
                        self.close_round(round).await?;
                    }
                }
                Event::BroadcastResolved {
                    device,
                    round,
                    delivered,
                    model,
                } => self.broadcast_resolved(device, round, delivered, model),
            }
        }
        self.finish().await
    }

    /// Opens round `r` at the base station at time `t`, choosing its participants.
    fn open_round(&mut self, r: u64, t: SimTime) {
        let n = self.devs.len();
        let expected: BTreeSet<u32> = match (self.protocol.mode, self.protocol.participation) {
            (Mode::Sync, Participation::Fraction(f)) => {
                let k = ((f * n as f64).ceil() as usize).clamp(1, n);
                sample(&mut self.participation_rng, n, k)
                    .into_iter()
                    .map(|i| i as u32)
                    .collect()
            }
            (Mode::Sync, Participation::Available) => {
                let mut on = BTreeSet::new();
                for (d, dev) in self.devs.iter_mut().enumerate() {
                    if dev.spec.availability.is_on(t) {
                        on.insert(d as u32);
                    }
                }
                on
            }
            _ => (0..n as u32).collect(),
        };
        let participants = expected.len() as u64;
        let round = self.bs_rounds.entry(r).or_default();
        round.expected = expected;
        round.open = true;
        round.start = t;
        let ready = round.resolved.len() >= round.expected.len();
        let rec = self.record(r);
        rec.participants = participants;
        rec.start_ns = t.0;
        if let (Some(deadline), Mode::Sync | Mode::NonBlocking) =
            (self.protocol.deadline, self.protocol.mode)
        {
            self.cal
                .schedule(t + deadline, BS, Event::Deadline { round: r });
        }
        if ready && self.protocol.mode != Mode::Separate {
            // Every upload of this round is already in (non-blocking devices ran ahead) or
            // nobody takes part: close at once.
            self.cal.schedule(t, BS, Event::Deadline { round: r });
        }
    }

    fn start_batch(&mut self, d: u32, round: u64, t: SimTime) {
        let steps = self.round_steps(round);
        let dev = &mut self.devs[d as usize];
        if dev.batch.is_some() {
            dev.queued.push_back(round);
            return;
        }
        dev.batch = Some(Batch {
            round,
            steps_left: steps,
            chunk_steps: 0,
            last_chunk: false,
            checkpoint: false,
        });
        self.dispatch_chunk(d, t);
    }

    fn dispatch_chunk(&mut self, d: u32, t: SimTime) {
        let mode = self.protocol.mode;
        let Some(round) = self.devs[d as usize].batch.as_ref().map(|b| b.round) else {
            return;
        };
        let evaluate_round = self.evaluated(round);
        let eval_examples = self.protocol.eval_examples;
        let device_models = self.protocol.device_models || mode == Mode::Separate;
        let curve_steps = self
            .protocol
            .curve_every
            .map(|n| (n * self.protocol.delta_s).max(1));
        let lookahead = self.lookahead;
        let dev = &mut self.devs[d as usize];
        let Some(batch) = dev.batch.as_mut() else {
            return;
        };
        let step = dev.spec.step_time.0.max(1);
        let mut steps = batch.steps_left;
        // Chunks end at every local-model checkpoint (curves.csv).
        if let Some(every) = curve_steps {
            steps = steps.min(every - dev.steps_done % every);
        }
        if mode == Mode::NonBlocking {
            steps = steps.min((lookahead.0 / step).max(1));
            if let Some(&arrival) = dev.arrivals.range(t..).next() {
                steps = steps.min(arrival.0.saturating_sub(t.0).div_ceil(step).max(1));
            }
        }
        let checkpoint = curve_steps.is_some_and(|e| (dev.steps_done + steps).is_multiple_of(e));
        batch.chunk_steps = steps;
        batch.last_chunk = steps == batch.steps_left;
        batch.checkpoint = checkpoint;
        if let Some(model) = dev.adopt.take() {
            dev.addr.do_send(Adopt(model));
        }
        let msg = RunBatch {
            steps,
            upload: batch.last_chunk && mode != Mode::Separate,
            evaluate: if (batch.last_chunk && device_models && evaluate_round) || checkpoint {
                eval_examples
            } else {
                0
            },
        };
        dev.pending = Some(dev.addr.send(msg));
        let end = t + SimDuration(step) * steps;
        self.cal
            .schedule(end, d + 1, Event::ChunkDone { device: d });
    }

    async fn chunk_done(&mut self, d: u32) -> Result<(), SimError> {
        let t = self.now;
        let dev = &mut self.devs[d as usize];
        let request = dev
            .pending
            .take()
            .ok_or(SimError::Internal("chunk without request"))?;
        let result: BatchResult = request.await.map_err(|_| SimError::ActorGone(d))??;
        let batch = dev
            .batch
            .as_mut()
            .ok_or(SimError::Internal("chunk without batch"))?;
        batch.steps_left -= batch.chunk_steps;
        let round = batch.round;
        let last = batch.last_chunk;
        let checkpoint = batch.checkpoint;
        dev.steps_done += batch.chunk_steps;
        if let (true, Some(ev)) = (checkpoint, &result.evaluation) {
            self.curves.push(CurvePoint {
                device: d,
                global_iteration: dev.steps_done / self.protocol.delta_s,
                t_ns: t.0,
                accuracy: ev.accuracy,
                tie_rate: ev.ties as f64 / ev.examples.max(1) as f64,
                test_nll: ev.nll,
            });
        }
        let energy = dev
            .spec
            .compute_energy
            .energy(result.compute.spikes, result.compute.synaptic_ops);
        dev.record.steps += result.compute.steps;
        dev.record.spikes += result.compute.spikes;
        dev.record.synaptic_ops += result.compute.synaptic_ops;
        dev.record.energy_compute_j += energy;
        self.record(round).energy_compute_j += energy;
        if !last {
            self.dispatch_chunk(d, t);
            return Ok(());
        }
        self.devs[d as usize].batch = None;
        let round_evaluated = (self.protocol.device_models || self.protocol.mode == Mode::Separate)
            && self.evaluated(round);
        if let (true, Some(ev)) = (round_evaluated, &result.evaluation) {
            let sum = self.device_evals.entry(round).or_default();
            sum.accuracy += ev.accuracy;
            sum.nll += ev.nll;
            sum.count += 1;
        }
        match self.protocol.mode {
            Mode::Separate => self.checkpoint(d, round).await?,
            Mode::Sync | Mode::NonBlocking => match result.upload {
                Some(upload) => self.upload(d, round, upload).await?,
                None => return Err(SimError::Internal("batch without upload")),
            },
        }
        let dev = &mut self.devs[d as usize];
        let next = match self.protocol.mode {
            Mode::Sync => dev.queued.pop_front(),
            Mode::NonBlocking | Mode::Separate => {
                (round + 1 < self.rounds_total).then_some(round + 1)
            }
        };
        match next {
            Some(r) => self.start_batch(d, r, t),
            None => {
                if let Some(model) = dev.adopt.take() {
                    dev.addr.do_send(Adopt(model));
                }
            }
        }
        Ok(())
    }

    /// Separate training: a round closes when every device has finished it.
    async fn checkpoint(&mut self, d: u32, round: u64) -> Result<(), SimError> {
        let n = self.devs.len();
        let t = self.now;
        let state = self.bs_rounds.entry(round).or_default();
        state.resolved.insert(d);
        if state.resolved.len() == n {
            state.open = true;
            self.close_round(round).await?;
        }
        let _ = t;
        Ok(())
    }

    async fn upload(&mut self, d: u32, round: u64, upload: EncodedUpload) -> Result<(), SimError> {
        let t = self.now;
        let payload = payload_bytes(&upload);
        let dev = &mut self.devs[d as usize];
        let planned = self.channel.uplink_wire_bytes(payload);
        let over_bytes = self
            .protocol
            .budget_bytes
            .is_some_and(|b| dev.record.bytes_up + planned > b);
        let over_airtime = self
            .protocol
            .budget_airtime
            .is_some_and(|a| self.channel.uplink_airtime(planned) > a);
        if over_bytes || over_airtime {
            tracing::debug!(vt = %t, device = d, round, over_bytes, over_airtime, "upload over budget: skipped");
            dev.record.uploads_over_budget += 1;
            self.record(round).uploads_over_budget += 1;
            // Budgets are part of the configuration the base station knows: it does not wait
            // for an upload that would break one.
            let state = self.bs_rounds.entry(round).or_default();
            state.resolved.insert(d);
            if state.open && state.resolved.is_superset(&state.expected) {
                self.close_round(round).await?;
            }
            return Ok(());
        }
        if !dev.spec.availability.is_on(t) {
            tracing::debug!(vt = %t, device = d, round, "device off: upload skipped");
            dev.record.uploads_skipped += 1;
            self.record(round).uploads_skipped += 1;
            // The base station learns nothing; the deadline (if any) closes the round.
            return Ok(());
        }
        let start = self.channel.start_upload(t, d, payload)?;
        let dev = &mut self.devs[d as usize];
        let airtime = start.airtime.as_secs_f64();
        let energy = dev.spec.radio.tx_energy(start.airtime);
        dev.record.uploads_sent += 1;
        dev.record.bytes_up += start.wire_bytes;
        dev.record.airtime_up_s += airtime;
        dev.record.energy_tx_j += energy;
        let flow = start.flow;
        tracing::trace!(vt = %t, device = d, round, bytes = start.wire_bytes, "upload sent");
        let rec = self.record(round);
        rec.uploads_sent += 1;
        rec.bytes_up += start.wire_bytes;
        rec.retransmissions += u64::from(start.retransmissions);
        rec.energy_tx_j += energy;
        self.flights.insert(
            flow,
            Flight {
                device: d,
                round,
                upload,
                bytes: start.wire_bytes,
            },
        );
        self.emit(NetEvent {
            t_ns: t.0,
            kind: EventKind::Send,
            link: "up",
            device: d,
            round,
            bytes: start.wire_bytes,
        });
        self.reschedule_uplink();
        Ok(())
    }

    fn reschedule_uplink(&mut self) {
        self.uplink_version += 1;
        if let Some(t) = self.channel.next_uplink_completion() {
            let version = self.uplink_version;
            self.cal.schedule(t, BS, Event::UplinkCheck { version });
        }
    }

    fn uplink_check(&mut self, version: u64) {
        if version != self.uplink_version {
            return;
        }
        for done in self.channel.complete_uplinks(self.now) {
            self.cal.schedule(
                done.arrival,
                done.device + 1,
                Event::UploadResolved {
                    flow: done.flow,
                    delivered: done.delivered,
                },
            );
        }
        self.reschedule_uplink();
    }

    async fn upload_resolved(&mut self, flow: u64, delivered: bool) -> Result<(), SimError> {
        let t = self.now;
        let flight = self
            .flights
            .remove(&flow)
            .ok_or(SimError::Internal("unknown flow"))?;
        let (d, r) = (flight.device, flight.round);
        let samples = self.devs[d as usize].spec.samples;
        let state = self.bs_rounds.entry(r).or_default();
        let kind = if !delivered {
            state.resolved.insert(d);
            EventKind::Drop
        } else if state.closed {
            EventKind::Late
        } else {
            state.resolved.insert(d);
            state.received.push((d, samples, flight.upload));
            EventKind::Deliver
        };
        let ready = state.open && state.resolved.is_superset(&state.expected);
        let (rec, dev) = (
            self.records.entry(r).or_default(),
            &mut self.devs[d as usize].record,
        );
        match kind {
            EventKind::Drop => {
                rec.uploads_lost += 1;
                dev.uploads_lost += 1;
            }
            EventKind::Late => {
                rec.uploads_late += 1;
                dev.uploads_late += 1;
            }
            _ => {
                rec.uploads_delivered += 1;
                dev.uploads_delivered += 1;
            }
        }
        self.emit(NetEvent {
            t_ns: t.0,
            kind,
            link: "up",
            device: d,
            round: r,
            bytes: flight.bytes,
        });
        if ready {
            self.close_round(r).await?;
        }
        Ok(())
    }

    /// Closes round `r`: aggregate what arrived, evaluate, broadcast, open the next round.
    async fn close_round(&mut self, r: u64) -> Result<(), SimError> {
        let t = self.now;
        let state = self.bs_rounds.entry(r).or_default();
        state.open = false;
        state.closed = true;
        let received = std::mem::take(&mut state.received);
        let start = state.start;
        tracing::debug!(vt = %t, round = r, uploads = received.len(), "round closed");
        self.record(r).end_ns = t.0;
        self.record(r).start_ns = start.0;
        if let Some(sum) = self.device_evals.remove(&r) {
            let rec = self.record(r);
            rec.device_accuracy = sum.accuracy / sum.count as f64;
            rec.device_nll = sum.nll / sum.count as f64;
        }
        if self.protocol.mode == Mode::Separate {
            let rec = self.record(r);
            rec.accuracy = rec.device_accuracy;
            rec.test_nll = rec.device_nll;
            let rec = rec.clone();
            self.sink.round(&rec);
            return Ok(());
        }
        let broadcast = self
            .bs
            .send(Aggregate(received))
            .await
            .map_err(|_| SimError::ActorGone(u32::MAX))??;
        self.drain_evaluations(1).await?;
        if self.evaluated(r) {
            let request = self.bs.send(EvaluateGlobal {
                examples: self.protocol.eval_examples,
            });
            self.evals.push_back((r, request));
        } else {
            let rec = self.record(r).clone();
            self.sink.round(&rec);
        }
        self.broadcast(r, broadcast);
        if r + 1 < self.rounds_total {
            self.open_round(r + 1, t);
        }
        Ok(())
    }

    /// Awaits pending global evaluations until at most `keep` remain.
    async fn drain_evaluations(&mut self, keep: usize) -> Result<(), SimError> {
        while self.evals.len() > keep {
            let Some((r, request)) = self.evals.pop_front() else {
                break;
            };
            let ev = request.await.map_err(|_| SimError::ActorGone(u32::MAX))?;
            let rec = self.record(r);
            rec.accuracy = ev.accuracy;
            rec.tie_rate = ev.ties as f64 / ev.examples.max(1) as f64;
            rec.test_nll = ev.nll;
            let rec = rec.clone();
            self.sink.round(&rec);
        }
        Ok(())
    }

    /// Sends the global model of round `r` to every device.
    fn broadcast(&mut self, r: u64, model: Arc<Broadcast>) {
        let t = self.now;
        let receivers: Vec<u32> = (0..self.devs.len() as u32).collect();
        let outcomes = self
            .channel
            .broadcast(t, &receivers, broadcast_bytes(&model));
        for o in outcomes {
            let dev = &mut self.devs[o.device as usize];
            let delivered = o.delivered && dev.spec.availability.is_on(o.arrival);
            let airtime = o.airtime.as_secs_f64();
            let energy = dev.spec.radio.rx_energy(o.airtime);
            dev.record.bytes_down += o.received_bytes;
            dev.record.airtime_down_s += airtime;
            dev.record.energy_rx_j += energy;
            dev.arrivals.insert(o.arrival);
            let rec = self.record(r);
            rec.bytes_down += o.air_bytes;
            rec.retransmissions += u64::from(o.retransmissions);
            rec.energy_rx_j += energy;
            self.emit(NetEvent {
                t_ns: t.0,
                kind: EventKind::Send,
                link: "down",
                device: o.device,
                round: r,
                bytes: o.received_bytes,
            });
            self.cal.schedule(
                o.arrival,
                BS,
                Event::BroadcastResolved {
                    device: o.device,
                    round: r,
                    delivered,
                    model: model.clone(),
                },
            );
        }
    }

    fn broadcast_resolved(&mut self, d: u32, r: u64, delivered: bool, model: Arc<Broadcast>) {
        let t = self.now;
        let dev = &mut self.devs[d as usize];
        dev.arrivals.remove(&t);
        let bytes = 0;
        tracing::trace!(vt = %t, device = d, round = r, delivered, "broadcast resolved");
        if delivered {
            dev.record.broadcasts_received += 1;
            if dev.batch.is_some() {
                dev.adopt = Some(model);
            } else {
                dev.addr.do_send(Adopt(model));
            }
        } else {
            dev.record.broadcasts_missed += 1;
        }
        let rec = self.record(r);
        if delivered {
            rec.broadcasts_delivered += 1;
        } else {
            rec.broadcasts_lost += 1;
        }
        self.emit(NetEvent {
            t_ns: t.0,
            kind: if delivered {
                EventKind::Deliver
            } else {
                EventKind::Drop
            },
            link: "down",
            device: d,
            round: r,
            bytes,
        });
        // In synchronous mode the next round's participants start on receipt (or on learning
        // that they missed it, continuing from their own model).
        if self.protocol.mode == Mode::Sync
            && self
                .bs_rounds
                .get(&(r + 1))
                .is_some_and(|next| next.expected.contains(&d))
        {
            self.start_batch(d, r + 1, t);
        }
    }

    async fn finish(mut self) -> Result<RunResult, SimError> {
        self.drain_evaluations(0).await?;
        let final_global = if self.protocol.mode == Mode::Separate {
            None
        } else {
            let ev = self
                .bs
                .send(EvaluateGlobal {
                    examples: usize::MAX,
                })
                .await
                .map_err(|_| SimError::ActorGone(u32::MAX))?;
            Some(ev)
        };
        let evaluate = self.protocol.device_models || self.protocol.mode == Mode::Separate;
        let requests: Vec<_> = self
            .devs
            .iter()
            .map(|d| d.addr.send(Finish { evaluate }))
            .collect();
        let mut devices = Vec::with_capacity(self.devs.len());
        for (dev, request) in self.devs.iter_mut().zip(requests) {
            let fin: DeviceFinal = request
                .await
                .map_err(|_| SimError::ActorGone(dev.spec.id))??;
            let (accuracy, nll) = fin
                .evaluation
                .map_or((f64::NAN, f64::NAN), |e| (e.accuracy, e.nll));
            dev.record.accuracy = accuracy;
            dev.record.test_nll = nll;
            dev.record.learner_bytes = fin.learner_bytes as u64;
            devices.push(dev.record.clone());
        }
        self.curves.sort_by_key(|c| (c.global_iteration, c.device));
        Ok(RunResult {
            curves: self.curves,
            rounds: self.records.into_values().collect(),
            devices,
            final_global,
            virtual_end: self.now,
            events: self.events,
        })
    }
}
