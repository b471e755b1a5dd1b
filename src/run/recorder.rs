//! The FL recorder: turns what the kernel saw (notes of the models, the channel's reports,
//! arrivals, probe readings) into the rows of `rounds.csv`, `devices.csv`, `curves.csv` and
//! `events.jsonl`. Rounds go to the sink in round order, once complete.

use super::device_tally::{DeviceEnergy, DeviceTally, EnergyModels, Learning};
use super::wiring::{Fl, LinkReport};
use crate::fl::{FaultEvent, FaultKind, Msg, Note, Protocol, Reading};
use crate::report::{CurvePoint, DeviceRecord, EventKind, NetEvent, RoundRecord, RunResult, Sink};
use crate::sim::{Bytes, NodeId, Observer, Target, Transfer};
use crate::snn::Evaluation;
use crate::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct LocalSum {
    accuracy: f64,
    nll: f64,
    count: u64,
}

/// A device's fixed columns of `devices.csv`, known when the run is built.
#[derive(Clone, Debug, Default)]
pub struct DeviceColumns {
    /// Name of its device class.
    pub class: String,
    /// Local examples.
    pub samples: u64,
    /// Ground distance to the base station \[m\] and mean uplink SNR \[dB\]; only in a cell.
    pub place: Option<(f64, f64)>,
}

/// Every device's fixed columns, held compactly: a class index per device into the class
/// names, and places only in a cell.
struct Fixed {
    names: Vec<String>,
    class: Vec<u32>,
    samples: Vec<u64>,
    places: Vec<(f64, f64)>,
}

impl Fixed {
    fn new(columns: Vec<DeviceColumns>) -> Fixed {
        let n = columns.len();
        let mut fixed = Fixed {
            names: Vec::new(),
            class: Vec::with_capacity(n),
            samples: Vec::with_capacity(n),
            places: Vec::new(),
        };
        for c in columns {
            let index = match fixed.names.iter().position(|name| *name == c.class) {
                Some(i) => i,
                None => {
                    fixed.names.push(c.class);
                    fixed.names.len() - 1
                }
            };
            fixed.class.push(index as u32);
            fixed.samples.push(c.samples);
            if let Some(place) = c.place {
                if fixed.places.is_empty() {
                    // Room for every device once: a place comes with every column or none.
                    fixed.places.reserve_exact(n);
                }
                fixed.places.push(place);
            }
        }
        fixed
    }
}

/// A device's fault columns (runs with faults only).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct FaultTally {
    uploads_corrupted: u64,
    uploads_aborted: u64,
    uploads_tampered: u64,
    crashes: u64,
    pauses: u64,
    partitions: u64,
    slowdowns: u64,
}

/// What a recorder has tallied so far (everything but its sink): saved in a checkpoint.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    protocol: Protocol,
    energy: EnergyModels,
    rounds: BTreeMap<u64, RoundRecord>,
    devices: Vec<DeviceTally>,
    /// Per device, its learning columns: empty until a device reports learning figures.
    learning: Learning,
    /// Per device, its fault columns: empty in a run without faults.
    faults_by_device: Vec<FaultTally>,
    curves: Vec<CurvePoint>,
    local: BTreeMap<u64, LocalSum>,
    separate_done: BTreeMap<u64, u32>,
    last_close: SimTime,
    /// Wire bytes of messages in flight, by (uplink?, device, round); kept only when the sink
    /// wants events.
    wire_bytes: BTreeMap<(bool, u32, u64), u64>,
    complete: BTreeSet<u64>,
    next_emit: u64,
    /// Rounds closed (their records may still wait for an evaluation).
    closed: u64,
    /// Bytes the sink had written when the tally was saved (see [`Sink::mark`]).
    sink_mark: u64,
    /// The run has a fault timeline: the fault columns are counted.
    faults: bool,
    /// The latest round the base station opened.
    open_round: u64,
    /// Uploads just reported corrupted, whose arrival is not a loss.
    corrupted: BTreeSet<(u32, u64)>,
}

/// Builds a run's records.
pub struct Recorder<'a> {
    t: Tally,
    fixed: Fixed,
    sink: &'a mut dyn Sink,
}

impl<'a> Recorder<'a> {
    /// A recorder for devices described by `columns` (their records' fixed columns, in id
    /// order) and `energy`, pushing rounds and events to `sink`; with `faults`, the fault
    /// columns are counted (else left out).
    pub fn new(
        protocol: Protocol,
        columns: Vec<DeviceColumns>,
        energy: Vec<DeviceEnergy>,
        faults: bool,
        sink: &'a mut dyn Sink,
    ) -> Recorder<'a> {
        let n = columns.len();
        Recorder {
            fixed: Fixed::new(columns),
            t: Tally {
                protocol,
                energy: EnergyModels::new(energy),
                rounds: BTreeMap::new(),
                devices: vec![DeviceTally::default(); n],
                learning: Learning::default(),
                faults_by_device: match faults {
                    true => vec![FaultTally::default(); n],
                    false => Vec::new(),
                },
                curves: Vec::new(),
                local: BTreeMap::new(),
                separate_done: BTreeMap::new(),
                last_close: SimTime::ZERO,
                wire_bytes: BTreeMap::new(),
                complete: BTreeSet::new(),
                next_emit: 0,
                closed: 0,
                sink_mark: 0,
                faults,
                open_round: 0,
                corrupted: BTreeSet::new(),
            },
            sink,
        }
    }

    fn record(&mut self, r: u64) -> &mut RoundRecord {
        let tau = self.t.protocol.tau;
        let count = self.t.faults.then_some(0);
        self.t.rounds.entry(r).or_insert_with(|| RoundRecord {
            uploads_corrupted: count,
            uploads_aborted: count,
            uploads_tampered: count,
            fault_starts: count,
            round: r,
            global_iteration: (r + 1) * tau,
            accuracy: f64::NAN,
            tie_rate: f64::NAN,
            test_nll: f64::NAN,
            device_accuracy: f64::NAN,
            device_nll: f64::NAN,
            ..RoundRecord::default()
        })
    }

    fn emit(
        &mut self,
        t: SimTime,
        kind: EventKind,
        link: &'static str,
        device: u32,
        round: u64,
        bytes: u64,
    ) {
        if self.sink.wants_events() {
            self.sink.event(&NetEvent {
                t_ns: t.0,
                kind,
                link,
                device,
                round,
                bytes,
                fault: None,
            });
        }
    }

    /// Keeps the wire bytes of a message in flight for the event of its outcome; only when
    /// events are written (nothing else reads them, and a round in which every device uploads
    /// would hold one entry per device).
    fn keep_wire_bytes(&mut self, key: (bool, u32, u64), bytes: u64) {
        if self.sink.wants_events() {
            self.t.wire_bytes.insert(key, bytes);
        }
    }

    /// Adds one to a fault column.
    fn bump(count: &mut Option<u64>) {
        if let Some(n) = count {
            *n += 1;
        }
    }

    /// Device `d`'s fault columns (`None` in a run without faults).
    fn faults_of(&mut self, d: u32) -> Option<&mut FaultTally> {
        self.t.faults_by_device.get_mut(d as usize)
    }

    /// A fault starts or ends: counted, and one event per device it concerns (every device for
    /// an outage).
    fn fault(&mut self, now: SimTime, fault: &FaultEvent) {
        let round = self.t.open_round;
        let devices: Vec<u32> = match fault.kind {
            FaultKind::Outage(_) => (0..self.t.devices.len() as u32).collect(),
            _ => fault.devices.clone(),
        };
        if fault.start {
            let starts = match fault.kind {
                FaultKind::Outage(_) => 1,
                _ => devices.len() as u64,
            };
            if let Some(n) = &mut self.record(round).fault_starts {
                *n += starts;
            }
            for &d in &fault.devices {
                let Some(dev) = self.faults_of(d) else {
                    continue;
                };
                match fault.kind {
                    FaultKind::Crash => dev.crashes += 1,
                    FaultKind::Pause => dev.pauses += 1,
                    FaultKind::Partition => dev.partitions += 1,
                    FaultKind::Slowdown { .. } => dev.slowdowns += 1,
                    FaultKind::Outage(_) | FaultKind::Corruption { .. } => {}
                }
            }
        }
        if self.sink.wants_events() {
            let kind = if fault.start {
                EventKind::FaultStart
            } else {
                EventKind::FaultEnd
            };
            for device in devices {
                self.sink.event(&NetEvent {
                    t_ns: now.0,
                    kind,
                    link: fault.kind.name(),
                    device,
                    round,
                    bytes: 0,
                    fault: Some(fault.fault),
                });
            }
        }
    }

    /// Round `r` has all its figures: hand every complete round, in order, to the sink.
    fn completed(&mut self, r: u64) {
        self.t.complete.insert(r);
        while self.t.complete.remove(&self.t.next_emit) {
            if let Some(rec) = self.t.rounds.get(&self.t.next_emit) {
                self.sink.round(rec);
            }
            self.t.next_emit += 1;
        }
    }

    /// Folds the devices' local-model evaluations of round `r` into its record.
    fn close(&mut self, r: u64, start: SimTime, end: SimTime) {
        let local = self.t.local.remove(&r);
        self.t.closed += 1;
        let rec = self.record(r);
        rec.start_ns = start.0;
        rec.end_ns = end.0;
        if let Some(sum) = local {
            rec.device_accuracy = sum.accuracy / sum.count as f64;
            rec.device_nll = sum.nll / sum.count as f64;
        }
        self.t.last_close = self.t.last_close.max(end);
    }

    fn evaluation(rec: &mut RoundRecord, ev: &Evaluation) {
        rec.accuracy = ev.accuracy;
        rec.tie_rate = ev.ties as f64 / ev.examples.max(1) as f64;
        rec.test_nll = ev.nll;
    }

    /// Takes up a saved tally (its sink already cut back to the bytes it had written then).
    pub fn restore(&mut self, tally: Tally) {
        self.t = tally;
    }

    /// Bytes the sink had written when `saved` (a tally saved in a snapshot) was saved, and
    /// the rounds closed by then.
    pub fn saved_mark(saved: &[u8]) -> Result<(u64, u64), String> {
        let tally: Tally = super::wiring::decode(saved, "records")?;
        Ok((tally.sink_mark, tally.closed))
    }

    /// The records, once the kernel is done.
    pub fn finish(mut self, events: u64) -> RunResult {
        self.t.curves.sort_by_key(|c| (c.local_step, c.device));
        let fixed = &self.fixed;
        let faults = &self.t.faults_by_device;
        let learning = &self.t.learning;
        let devices = (self.t.devices.iter().enumerate())
            .map(|(i, t)| {
                let place = fixed.places.get(i);
                let f = faults.get(i);
                let l = learning.get(i);
                DeviceRecord {
                    device: i as u32,
                    class: fixed.names[fixed.class[i] as usize].clone(),
                    samples: fixed.samples[i],
                    steps: t.steps,
                    spikes: l.spikes,
                    synaptic_ops: l.synaptic_ops,
                    uploads_sent: t.uploads_sent.into(),
                    uploads_delivered: t.uploads_delivered.into(),
                    uploads_lost: t.uploads_lost.into(),
                    uploads_late: t.uploads_late.into(),
                    uploads_skipped: t.uploads_skipped.into(),
                    uploads_over_budget: t.uploads_over_budget.into(),
                    broadcasts_received: t.broadcasts_received.into(),
                    broadcasts_missed: t.broadcasts_missed.into(),
                    bytes_up: t.bytes_up,
                    bytes_down: t.bytes_down,
                    airtime_up_s: t.airtime_up_s,
                    airtime_down_s: t.airtime_down_s,
                    energy_tx_j: t.energy_tx_j,
                    energy_rx_j: t.energy_rx_j,
                    energy_compute_j: l.energy_compute_j,
                    accuracy: t.accuracy,
                    test_nll: t.test_nll,
                    learner_bytes: l.learner_bytes,
                    distance_m: place.map(|p| p.0),
                    mean_snr_db: place.map(|p| p.1),
                    uploads_corrupted: f.map(|f| f.uploads_corrupted),
                    uploads_aborted: f.map(|f| f.uploads_aborted),
                    uploads_tampered: f.map(|f| f.uploads_tampered),
                    crashes: f.map(|f| f.crashes),
                    pauses: f.map(|f| f.pauses),
                    partitions: f.map(|f| f.partitions),
                    slowdowns: f.map(|f| f.slowdowns),
                }
            })
            .collect();
        RunResult {
            rounds: self.t.rounds.into_values().collect(),
            devices,
            curves: self.t.curves,
            virtual_end: self.t.last_close,
            events,
        }
    }
}

impl Observer<Fl> for Recorder<'_> {
    fn note(&mut self, now: SimTime, node: NodeId, note: Note) {
        let device = node.wrapping_sub(1);
        match note {
            Note::RoundOpened {
                round,
                participants,
            } => {
                let rec = self.record(round);
                rec.participants = participants;
                rec.start_ns = now.0;
                self.t.open_round = round;
            }
            Note::RoundClosed {
                round,
                start,
                evaluated,
            } => {
                tracing::debug!(vt = %now, round, "round closed");
                self.close(round, start, now);
                if !evaluated {
                    self.completed(round);
                }
            }
            Note::UploadReceived {
                device,
                round,
                late,
            } => {
                let bytes = self
                    .t
                    .wire_bytes
                    .remove(&(true, device, round))
                    .unwrap_or(0);
                self.record(round);
                let (rec, dev) = (
                    self.t.rounds.entry(round).or_default(),
                    &mut self.t.devices[device as usize],
                );
                let kind = if late {
                    rec.uploads_late += 1;
                    dev.uploads_late += 1;
                    EventKind::Late
                } else {
                    rec.uploads_delivered += 1;
                    dev.uploads_delivered += 1;
                    EventKind::Deliver
                };
                self.emit(now, kind, "up", device, round, bytes);
            }
            Note::Computed { round, compute } => {
                let energy = (self.t.energy.device(device).compute)
                    .energy(compute.spikes, compute.synaptic_ops);
                self.t.devices[device as usize].steps += compute.steps;
                // Adding nothing leaves the columns as they are: they are made only for figures.
                if compute.spikes != 0 || compute.synaptic_ops != 0 || energy != 0.0 {
                    let n = self.t.devices.len();
                    let learning = self.t.learning.of(device, n);
                    learning.spikes += compute.spikes;
                    learning.synaptic_ops += compute.synaptic_ops;
                    learning.energy_compute_j += energy;
                }
                self.record(round).energy_compute_j += energy;
            }
            Note::Curve {
                global_iteration,
                local_step,
                evaluation: ev,
            } => self.t.curves.push(CurvePoint {
                device,
                global_iteration,
                local_step,
                t_ns: now.0,
                accuracy: ev.accuracy,
                tie_rate: ev.ties as f64 / ev.examples.max(1) as f64,
                test_nll: ev.nll,
                sampled_loglik: ev.sampled_loglik,
                examples: ev.examples as u64,
            }),
            Note::LocalModel {
                round,
                evaluation: ev,
            } => {
                let sum = self.t.local.entry(round).or_default();
                sum.accuracy += ev.accuracy;
                sum.nll += ev.nll;
                sum.count += 1;
            }
            Note::RoundDone { round } => {
                let done = self.t.separate_done.entry(round).or_default();
                *done += 1;
                if *done as usize == self.t.devices.len() {
                    let start = self.t.last_close;
                    self.close(round, start, now);
                    let n = self.t.devices.len() as u64;
                    let rec = self.record(round);
                    rec.participants = n;
                    rec.accuracy = rec.device_accuracy;
                    rec.test_nll = rec.device_nll;
                    self.completed(round);
                }
            }
            Note::OverBudget { round } => {
                self.t.devices[device as usize].uploads_over_budget += 1;
                self.record(round).uploads_over_budget += 1;
            }
        }
    }

    fn report(&mut self, now: SimTime, report: LinkReport) {
        match report {
            LinkReport::Upload {
                device,
                round,
                start,
            } => {
                let energy = (self.t.energy.device(device).radio)
                    .tx_energy_at(start.airtime, start.power_scale);
                let dev = &mut self.t.devices[device as usize];
                dev.uploads_sent += 1;
                dev.bytes_up += start.wire_bytes;
                dev.airtime_up_s += start.airtime.as_secs_f64();
                dev.energy_tx_j += energy;
                let rec = self.record(round);
                rec.uploads_sent += 1;
                rec.bytes_up += start.wire_bytes;
                rec.retransmissions_up += u64::from(start.retransmissions);
                rec.energy_tx_j += energy;
                self.keep_wire_bytes((true, device, round), start.wire_bytes);
                self.emit(now, EventKind::Send, "up", device, round, start.wire_bytes);
            }
            LinkReport::UploadSkipped { device, round } => {
                tracing::debug!(vt = %now, device, round, "device off: upload skipped");
                self.t.devices[device as usize].uploads_skipped += 1;
                self.record(round).uploads_skipped += 1;
                self.emit(now, EventKind::Skip, "up", device, round, 0);
            }
            LinkReport::Downlink { round, outcome: o } => {
                let energy = self.t.energy.device(o.device).radio.rx_energy(o.airtime);
                let dev = &mut self.t.devices[o.device as usize];
                dev.bytes_down += o.received_bytes;
                dev.airtime_down_s += o.airtime.as_secs_f64();
                dev.energy_rx_j += energy;
                let rec = self.record(round);
                rec.bytes_down += o.air_bytes;
                rec.retransmissions_down += u64::from(o.retransmissions);
                rec.energy_rx_j += energy;
                self.keep_wire_bytes((false, o.device, round), o.received_bytes);
                self.emit(
                    now,
                    EventKind::Send,
                    "down",
                    o.device,
                    round,
                    o.received_bytes,
                );
            }
            LinkReport::UploadAborted { device, round } => {
                let bytes = self
                    .t
                    .wire_bytes
                    .remove(&(true, device, round))
                    .unwrap_or(0);
                Self::bump(&mut self.record(round).uploads_aborted);
                if let Some(f) = self.faults_of(device) {
                    f.uploads_aborted += 1;
                }
                self.emit(now, EventKind::Abort, "up", device, round, bytes);
            }
            LinkReport::UploadCorrupted { device, round } => {
                let bytes = self
                    .t
                    .wire_bytes
                    .remove(&(true, device, round))
                    .unwrap_or(0);
                self.t.corrupted.insert((device, round));
                Self::bump(&mut self.record(round).uploads_corrupted);
                if let Some(f) = self.faults_of(device) {
                    f.uploads_corrupted += 1;
                }
                self.emit(now, EventKind::Corrupt, "up", device, round, bytes);
            }
            LinkReport::UploadTampered { device, round } => {
                Self::bump(&mut self.record(round).uploads_tampered);
                if let Some(f) = self.faults_of(device) {
                    f.uploads_tampered += 1;
                }
                self.emit(now, EventKind::Tamper, "up", device, round, 0);
            }
        }
    }

    fn event(&mut self, now: SimTime, target: Target, fault: &FaultEvent) {
        // Every fault has one event for the channel: it is recorded there, once.
        if target == Target::Medium {
            self.fault(now, fault);
        }
    }

    fn arrival(&mut self, now: SimTime, transfer: &Transfer<Fl>) {
        match &transfer.msg {
            Msg::Global(global) => {
                let (device, round) = (transfer.to - 1, global.round);
                let bytes = self
                    .t
                    .wire_bytes
                    .remove(&(false, device, round))
                    .unwrap_or(0);
                let rec = self.record(round);
                let kind = if transfer.delivered {
                    rec.broadcasts_delivered += 1;
                    self.t.devices[device as usize].broadcasts_received += 1;
                    EventKind::Deliver
                } else {
                    rec.broadcasts_lost += 1;
                    self.t.devices[device as usize].broadcasts_missed += 1;
                    EventKind::Drop
                };
                self.emit(now, kind, "down", device, round, bytes);
            }
            // The base station notes a delivered upload as it takes it in: the device's tally
            // is fetched meanwhile.
            Msg::Upload(_) | Msg::StandIn(_) if transfer.delivered => {
                let device = transfer.from.wrapping_sub(1);
                if let Some(tally) = self.t.devices.get(device as usize) {
                    crate::prefetch::prefetch(&tally.uploads_delivered);
                }
            }
            Msg::Upload(_) | Msg::StandIn(_) => {
                let Some((device, round)) = transfer.msg.upload_of() else {
                    return;
                };
                if self.t.corrupted.remove(&(device, round)) {
                    return;
                }
                let bytes = self
                    .t
                    .wire_bytes
                    .remove(&(true, device, round))
                    .unwrap_or(0);
                self.record(round).uploads_lost += 1;
                self.t.devices[device as usize].uploads_lost += 1;
                self.emit(now, EventKind::Drop, "up", device, round, bytes);
            }
            Msg::Skip { .. } => {}
        }
    }

    fn progress(&self) -> u64 {
        self.t.closed
    }

    fn save(&mut self) -> Result<Bytes, String> {
        self.t.sink_mark = self.sink.mark();
        crate::sim::encode(&self.t).map(Bytes)
    }

    fn reading(&mut self, node: NodeId, reading: Reading) {
        match reading {
            Reading::Global { round, evaluation } => {
                Self::evaluation(self.record(round), &evaluation);
                self.completed(round);
            }
            Reading::Final {
                evaluation,
                learner_bytes,
            } => {
                let device = node.wrapping_sub(1);
                let n = self.t.devices.len();
                if let Some(dev) = self.t.devices.get_mut(device as usize) {
                    let (accuracy, nll) =
                        evaluation.map_or((f64::NAN, f64::NAN), |e| (e.accuracy, e.nll));
                    dev.accuracy = accuracy;
                    dev.test_nll = nll;
                    if learner_bytes != 0 {
                        self.t.learning.of(device, n).learner_bytes = learner_bytes as u64;
                    }
                }
            }
        }
    }
}
