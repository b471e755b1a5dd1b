//! The base station's protocol (docs/spec.md section 3): it opens rounds and picks their
//! participants, waits for uploads until every expected one is resolved or its deadline passes,
//! discards late uploads, aggregates what arrived through the codec and broadcasts the global
//! model. A plain state machine: it is handed an input and the current virtual time and answers
//! with [`Action`]s.
//!
//! In separate training there is no base station at work: it only keeps the rounds' records.

use crate::fl::compress::{Aggregator, Codec, CompressError};
use crate::fl::message::{Action, GlobalModel, Msg, Note, Probe, Timer, Upload};
use crate::fl::{
    AirReceiver, DeviceSet, FaultEvent, FaultKind, Mode, OutagePolicy, Participation, Protocol,
    Scheduler,
};
use crate::net::AvailabilityTrace;
use crate::time::SimTime;
use rand::seq::index::sample;
use rand_chacha::ChaCha12Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the base station is handed.
#[derive(Debug)]
pub enum BaseStationInput {
    /// The run starts.
    Start,
    /// An upload arrived.
    Upload(Arc<Upload>),
    /// An upload was lost on the way (the base station learns of it when it would have arrived).
    UploadLost {
        /// The sender.
        device: u32,
        /// The upload's round.
        round: u64,
    },
    /// A device skips a round to keep within its budget.
    Skip {
        /// The device.
        device: u32,
        /// The round.
        round: u64,
    },
    /// A timer fired.
    Timer(Timer),
    /// A fault of the timeline starts or ends on it (an outage).
    Fault(FaultEvent),
}

/// The outages in force and what the round logic put off meanwhile.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Outages {
    /// Outages in force (they may overlap).
    count: u32,
    /// What the round logic does meanwhile (the latest outage's choice).
    policy: OutagePolicy,
    /// When the current one began.
    began: SimTime,
    /// Deadlines that fell due during it: (round, due time).
    deadlines: Vec<(u64, SimTime)>,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Round {
    /// The devices the round waits for, and how many they are.
    expected: DeviceSet,
    expected_count: usize,
    /// The devices resolved (uploaded, lost or skipped), expected or not ...
    resolved: DeviceSet,
    /// ... and how many of them are expected (from the round's opening).
    resolved_expected: usize,
    /// The uploads that arrived before the round closed, folded in as they came.
    aggregate: Aggregator,
    open: bool,
    closed: bool,
    start: SimTime,
}

impl Round {
    /// Sets the devices the round waits for.
    fn expect(&mut self, expected: &BTreeSet<u32>) {
        self.expected = DeviceSet::default();
        for &device in expected {
            self.expected.insert(device);
        }
        self.expected_count = expected.len();
        self.resolved_expected = expected
            .iter()
            .filter(|&&device| self.resolved.contains(device))
            .count();
    }

    /// The devices the round waits for, ascending.
    fn expected(&self) -> BTreeSet<u32> {
        self.expected.iter().collect()
    }

    /// Counts `device` as resolved.
    fn resolve(&mut self, device: u32) {
        if self.resolved.insert(device) && self.expected.contains(device) {
            self.resolved_expected += 1;
        }
    }

    /// Whether every expected device is resolved.
    fn complete(&self) -> bool {
        self.resolved_expected == self.expected_count
    }
}

/// The base station's protocol state and the global model.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct BaseStation {
    protocol: Arc<Protocol>,
    devices: u32,
    codec: Arc<Codec>,
    #[serde(with = "crate::sim::plain")]
    global: Vec<f64>,
    rounds: BTreeMap<u64, Round>,
    participation_rng: ChaCha12Rng,
    availability: Vec<AvailabilityTrace>,
    scheduler: Option<Scheduler>,
    air: Option<AirReceiver>,
    outages: Outages,
}

impl BaseStation {
    /// A base station for `devices` devices holding the initial `global` model (W ++ V ++ gamma).
    /// It picks the first round's participants at once (they are told when the run is set up);
    /// `availability` is what it knows of the devices' on/off periods (read only with
    /// participation `available`), `participation_rng` its stream for sampling participants.
    pub fn new(
        protocol: Arc<Protocol>,
        devices: u32,
        codec: Arc<Codec>,
        global: Vec<f64>,
        availability: Vec<AvailabilityTrace>,
        participation_rng: ChaCha12Rng,
    ) -> BaseStation {
        let scheduler = match protocol.participation {
            Participation::Scheduled(policy) => Some(Scheduler::new(policy, devices)),
            _ => None,
        };
        let mut bs = BaseStation {
            protocol,
            devices,
            codec,
            global,
            rounds: BTreeMap::new(),
            participation_rng,
            availability,
            scheduler,
            air: None,
            outages: Outages::default(),
        };
        let first = bs.pick_participants(0, SimTime::ZERO);
        bs.rounds.entry(0).or_default().expect(&first);
        bs
    }

    /// The same base station receiving uploads over the air: each aggregate gets `air`'s noise.
    pub fn with_over_the_air(mut self, air: AirReceiver) -> BaseStation {
        self.air = Some(air);
        self
    }

    /// The devices picked for round `round`: the first round's from construction on, a later
    /// round's once it opens.
    pub fn participants(&self, round: u64) -> Vec<u32> {
        self.rounds
            .get(&round)
            .map_or_else(Vec::new, |r| r.expected.iter().collect())
    }

    /// The global model, W ++ V ++ gamma.
    pub fn global(&self) -> &[f64] {
        &self.global
    }

    /// Handles `input` at `now`.
    pub fn handle(
        &mut self,
        now: SimTime,
        input: BaseStationInput,
    ) -> Result<Vec<Action>, CompressError> {
        let mut out = Vec::new();
        match input {
            BaseStationInput::Start if self.protocol.mode == Mode::Separate => {}
            BaseStationInput::Start => {
                let expected = self.rounds.entry(0).or_default().expected();
                self.open_round(0, expected, now, &mut out);
            }
            BaseStationInput::Upload(upload) => {
                let round = self.rounds.entry(upload.round).or_default();
                let late = round.closed;
                if !late {
                    let weight = self.protocol.aggregation.weight(upload.samples);
                    let aggregate = &mut round.aggregate;
                    aggregate.add(&self.codec, upload.device, weight, &upload.payload)?;
                    // Only over the air does the close need the uploads' amplitude.
                    if self.air.is_some() {
                        aggregate.measure(&self.codec, weight, &upload.payload);
                    }
                    round.resolve(upload.device);
                    if let Some(scheduler) = &mut self.scheduler {
                        scheduler.delivered(upload.device, upload.round, upload.channel_quality_db);
                    }
                }
                out.push(Action::Note(Note::UploadReceived {
                    device: upload.device,
                    round: upload.round,
                    late,
                }));
                self.close_if_complete(upload.round, now, &mut out)?;
            }
            BaseStationInput::UploadLost { device, round } => {
                if let Some(scheduler) = &mut self.scheduler {
                    scheduler.lost(device);
                }
                let state = self.rounds.entry(round).or_default();
                if !state.closed {
                    state.resolve(device);
                }
                self.close_if_complete(round, now, &mut out)?;
            }
            BaseStationInput::Skip { device, round } => {
                let state = self.rounds.entry(round).or_default();
                if !state.closed {
                    state.resolve(device);
                }
                self.close_if_complete(round, now, &mut out)?;
            }
            BaseStationInput::Timer(Timer::Deadline { round }) => {
                if self.frozen() {
                    self.outages.deadlines.push((round, now));
                } else if self.rounds.get(&round).is_some_and(|r| r.open) {
                    self.close_round(round, now, &mut out)?;
                }
            }
            BaseStationInput::Timer(Timer::Release { .. }) => {}
            BaseStationInput::Fault(fault) => self.fault(fault, now, &mut out)?,
        }
        Ok(out)
    }

    /// Whether an outage stops the round logic.
    fn frozen(&self) -> bool {
        self.outages.count > 0 && self.outages.policy != OutagePolicy::Deadline
    }

    /// An outage starts or ends.
    fn fault(
        &mut self,
        fault: FaultEvent,
        now: SimTime,
        out: &mut Vec<Action>,
    ) -> Result<(), CompressError> {
        let FaultKind::Outage(policy) = fault.kind else {
            return Ok(());
        };
        let o = &mut self.outages;
        if fault.start {
            o.count += 1;
            if o.count == 1 {
                o.policy = policy;
                o.began = now;
            }
            return Ok(());
        }
        o.count = o.count.saturating_sub(1);
        if o.count > 0 {
            return Ok(());
        }
        let (began, policy) = (o.began, o.policy);
        let deadlines = std::mem::take(&mut o.deadlines);
        let open: Vec<u64> = self
            .rounds
            .iter()
            .filter(|(_, r)| r.open)
            .map(|(&k, _)| k)
            .collect();
        match policy {
            OutagePolicy::Deadline => {}
            OutagePolicy::Wait => {
                for (round, due) in deadlines {
                    out.push(Action::Timer {
                        at: now + due.saturating_since(began),
                        timer: Timer::Deadline { round },
                    });
                }
                for round in open {
                    self.close_if_complete(round, now, out)?;
                }
            }
            OutagePolicy::Close => {
                for round in open {
                    if self.rounds.get(&round).is_some_and(|r| r.open) {
                        self.close_round(round, now, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The participants of round `round`, opened at `t`.
    fn pick_participants(&mut self, round: u64, t: SimTime) -> BTreeSet<u32> {
        let n = self.devices as usize;
        if let (Mode::Sync, Some(scheduler)) = (self.protocol.mode, &mut self.scheduler) {
            return scheduler
                .pick(round, &mut self.participation_rng)
                .into_iter()
                .collect();
        }
        match (self.protocol.mode, self.protocol.participation) {
            (Mode::Sync, Participation::Fraction(f)) => {
                let k = ((f * n as f64).ceil() as usize).clamp(1, n.max(1));
                sample(&mut self.participation_rng, n, k.min(n))
                    .into_iter()
                    .map(|i| i as u32)
                    .collect()
            }
            (Mode::Sync, Participation::Available) => (0..self.devices)
                .filter(|&d| self.availability[d as usize].is_on(t))
                .collect(),
            _ => (0..self.devices).collect(),
        }
    }

    /// Opens round `r` at `now` with the `expected` participants.
    fn open_round(&mut self, r: u64, expected: BTreeSet<u32>, now: SimTime, out: &mut Vec<Action>) {
        out.push(Action::Note(Note::RoundOpened {
            round: r,
            participants: expected.len() as u64,
        }));
        out.push(Action::Cue(r));
        let round = self.rounds.entry(r).or_default();
        round.expect(&expected);
        round.open = true;
        round.start = now;
        // Every upload of this round may already be in (non-blocking devices ran ahead). A round
        // that nobody takes part in waits for its deadline, so that empty rounds do not run out
        // all at one instant; without a deadline it closes at once.
        let ready = if round.expected_count == 0 {
            self.protocol.deadline.is_none()
        } else {
            round.complete()
        };
        if let Some(deadline) = self.protocol.deadline {
            out.push(Action::Timer {
                at: now + deadline,
                timer: Timer::Deadline { round: r },
            });
        }
        if ready {
            out.push(Action::Timer {
                at: now,
                timer: Timer::Deadline { round: r },
            });
        }
    }

    fn close_if_complete(
        &mut self,
        r: u64,
        now: SimTime,
        out: &mut Vec<Action>,
    ) -> Result<(), CompressError> {
        let frozen = self.frozen();
        let round = self.rounds.entry(r).or_default();
        if round.open && !frozen && round.complete() {
            self.close_round(r, now, out)?;
        }
        Ok(())
    }

    /// Closes round `r`: aggregates what arrived, broadcasts, opens the next round.
    fn close_round(
        &mut self,
        r: u64,
        now: SimTime,
        out: &mut Vec<Action>,
    ) -> Result<(), CompressError> {
        let round = self.rounds.entry(r).or_default();
        round.open = false;
        round.closed = true;
        // A closed round only needs to know that it is closed.
        round.resolved = DeviceSet::default();
        round.expect(&BTreeSet::new());
        let aggregate = std::mem::take(&mut round.aggregate);
        let start = round.start;
        tracing::debug!(vt = %now, round = r, uploads = aggregate.len(), "round closed");
        let codec = &self.codec;
        let combined = match &mut self.air {
            None => aggregate.finish(codec, &mut self.global)?,
            Some(air) => aggregate.finish_with(codec, &mut self.global, |mean, amplitude| {
                air.perturb(mean, amplitude)
            })?,
        };
        let model = match combined {
            Some(b) => b,
            None => self.codec.full_broadcast(&self.global)?,
        };
        let evaluated = self.protocol.evaluated(r);
        out.push(Action::Note(Note::RoundClosed {
            round: r,
            start,
            evaluated,
        }));
        if evaluated {
            out.push(Action::Probe(Probe::Global {
                round: r,
                model: self.global.clone(),
                examples: self.protocol.eval_examples,
            }));
        }
        let next = r + 1;
        let next_expected = if next < self.protocol.rounds() {
            Some(self.pick_participants(next, now))
        } else {
            None
        };
        out.push(Action::ToDevices(Msg::Global(Arc::new(GlobalModel {
            round: r,
            model: Arc::new(model),
            next_participants: next_expected
                .as_ref()
                .map_or_else(Vec::new, |e| e.iter().copied().collect()),
        }))));
        if let Some(expected) = next_expected {
            self.open_round(next, expected, now, out);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fl::compress::{Broadcast, Compression, EncodedUpload, ModelLayout};
    use crate::fl::Aggregation;
    use crate::net::Availability;
    use crate::time::SimDuration;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const MODEL: usize = 4;

    fn codec() -> Arc<Codec> {
        let layout = ModelLayout {
            l: 1,
            n: 2,
            k_ff: 1,
            k_fb: 1,
            mask: vec![true, true],
        };
        Arc::new(Codec::new(Compression::None, layout).expect("valid layout"))
    }

    fn station(protocol: Protocol, devices: u32, seed: u64) -> BaseStation {
        let availability = (0..devices).map(|_| AvailabilityTrace::always()).collect();
        station_with(protocol, availability, seed)
    }

    fn station_with(
        protocol: Protocol,
        availability: Vec<AvailabilityTrace>,
        seed: u64,
    ) -> BaseStation {
        BaseStation::new(
            Arc::new(protocol),
            availability.len() as u32,
            codec(),
            vec![0.0; MODEL],
            availability,
            ChaCha12Rng::seed_from_u64(seed),
        )
    }

    /// Off from 0 to 1 s.
    fn off_first_second() -> AvailabilityTrace {
        let off = Availability::Schedule(vec![(t(0), t(1_000))]);
        AvailabilityTrace::new(&off, ChaCha8Rng::seed_from_u64(1)).expect("valid")
    }

    fn sync(deadline_ms: Option<u64>) -> Protocol {
        Protocol {
            tau: 1,
            delta_s: 1,
            steps: 3,
            deadline: deadline_ms.map(SimDuration::from_millis),
            ..Protocol::default()
        }
    }

    fn upload(device: u32, round: u64, samples: u32, value: f32) -> BaseStationInput {
        BaseStationInput::Upload(Arc::new(Upload {
            device,
            round,
            samples,
            payload: EncodedUpload::Full {
                values: vec![value; MODEL].into(),
            },
            channel_quality_db: None,
        }))
    }

    fn measured(device: u32, round: u64, snr_db: f64) -> BaseStationInput {
        let BaseStationInput::Upload(u) = upload(device, round, 10, 1.0) else {
            unreachable!("upload() makes an upload")
        };
        BaseStationInput::Upload(Arc::new(Upload {
            channel_quality_db: Some(snr_db),
            payload: u.payload.clone(),
            ..*u
        }))
    }

    fn t(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn broadcasts(actions: &[Action]) -> Vec<&GlobalModel> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::ToDevices(Msg::Global(g)) => Some(&**g),
                _ => None,
            })
            .collect()
    }

    fn values(global: &GlobalModel) -> Vec<f32> {
        match &*global.model {
            Broadcast::Full { values } => values.clone(),
            Broadcast::Slices(_) | Broadcast::SizeOnly { .. } => {
                panic!("a full model was expected")
            }
        }
    }

    #[test]
    fn a_round_closes_when_every_expected_upload_is_in_and_weights_by_samples() {
        let mut bs = station(sync(None), 2, 1);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        let first = bs.handle(t(5), upload(0, 0, 1, 1.0)).expect("upload");
        assert!(
            broadcasts(&first).is_empty(),
            "one of two uploads must not close the round"
        );
        let second = bs.handle(t(7), upload(1, 0, 3, 5.0)).expect("upload");
        let sent = broadcasts(&second);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].round, 0);
        assert_eq!(values(sent[0]), vec![4.0; MODEL], "(1 * 1 + 3 * 5) / 4");
        assert_eq!(sent[0].next_participants, vec![0, 1]);
        assert!(second.iter().any(|a| matches!(
            a,
            Action::Note(Note::RoundClosed { round: 0, start, .. }) if *start == t(0)
        )));
    }

    #[test]
    fn the_deadline_closes_with_what_arrived_and_later_uploads_are_late() {
        let mut bs = station(sync(Some(100)), 3, 1);
        let start = bs.handle(t(0), BaseStationInput::Start).expect("start");
        assert!(start.iter().any(|a| matches!(
            a,
            Action::Timer { at, timer: Timer::Deadline { round: 0 } } if *at == t(100)
        )));
        bs.handle(t(10), upload(2, 0, 1, 3.0)).expect("upload");
        let closed = bs
            .handle(
                t(100),
                BaseStationInput::Timer(Timer::Deadline { round: 0 }),
            )
            .expect("deadline");
        assert_eq!(values(broadcasts(&closed)[0]), vec![3.0; MODEL]);
        let late = bs
            .handle(t(120), upload(0, 0, 1, 9.0))
            .expect("late upload");
        assert!(late.iter().any(|a| matches!(
            a,
            Action::Note(Note::UploadReceived {
                device: 0,
                round: 0,
                late: true
            })
        )));
        assert!(broadcasts(&late).is_empty());
        assert_eq!(
            bs.global(),
            &[3.0; MODEL],
            "a late upload is not aggregated"
        );
        // A stale deadline of a closed round does nothing.
        let stale = bs
            .handle(
                t(100),
                BaseStationInput::Timer(Timer::Deadline { round: 0 }),
            )
            .expect("stale deadline");
        assert!(stale.is_empty());
    }

    #[test]
    fn lost_and_skipped_uploads_resolve_a_device() {
        let mut bs = station(sync(None), 3, 1);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        bs.handle(
            t(1),
            BaseStationInput::UploadLost {
                device: 0,
                round: 0,
            },
        )
        .expect("lost");
        bs.handle(
            t(2),
            BaseStationInput::Skip {
                device: 1,
                round: 0,
            },
        )
        .expect("over budget");
        let closed = bs.handle(t(3), upload(2, 0, 1, 2.0)).expect("upload");
        assert_eq!(values(broadcasts(&closed)[0]), vec![2.0; MODEL]);
    }

    #[test]
    fn with_nothing_received_the_global_model_is_sent_unchanged() {
        let mut bs = station(sync(Some(10)), 2, 1);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        let closed = bs
            .handle(t(10), BaseStationInput::Timer(Timer::Deadline { round: 0 }))
            .expect("deadline");
        assert_eq!(values(broadcasts(&closed)[0]), vec![0.0; MODEL]);
    }

    #[test]
    fn a_fraction_of_devices_is_sampled_per_round_from_the_base_stations_stream() {
        let protocol = Protocol {
            participation: Participation::Fraction(0.3),
            ..sync(None)
        };
        let picked = station(protocol.clone(), 10, 7).participants(0);
        assert_eq!(picked.len(), 3, "ceil(0.3 * 10)");
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(station(protocol.clone(), 10, 7).participants(0), picked);
        let others: Vec<Vec<u32>> = (8..16)
            .map(|seed| station(protocol.clone(), 10, seed).participants(0))
            .collect();
        assert!(others.iter().any(|o| *o != picked), "the seed must matter");
    }

    #[test]
    fn available_participation_asks_only_the_devices_that_are_on() {
        let protocol = Protocol {
            participation: Participation::Available,
            deadline: Some(SimDuration::from_millis(50)),
            ..sync(None)
        };
        let availability = vec![AvailabilityTrace::always(), off_first_second()];
        let bs = station_with(protocol, availability, 1);
        assert_eq!(bs.participants(0), vec![0]);
    }

    #[test]
    fn a_round_nobody_takes_part_in_waits_for_its_deadline() {
        let protocol = Protocol {
            participation: Participation::Available,
            deadline: Some(SimDuration::from_millis(50)),
            ..sync(None)
        };
        let mut bs = station_with(protocol, vec![off_first_second(), off_first_second()], 1);
        assert!(bs.participants(0).is_empty());
        let start = bs.handle(t(0), BaseStationInput::Start).expect("start");
        let timers: Vec<SimTime> = start
            .iter()
            .filter_map(|a| match a {
                Action::Timer { at, .. } => Some(*at),
                _ => None,
            })
            .collect();
        assert_eq!(
            timers,
            vec![t(50)],
            "no close at once: rounds would run out at one instant"
        );
    }

    #[test]
    fn uploads_that_ran_ahead_close_their_round_as_soon_as_it_opens() {
        // Non-blocking devices may upload round 1 before round 0 closes.
        let protocol = Protocol {
            mode: Mode::NonBlocking,
            ..sync(None)
        };
        let mut bs = station(protocol, 1, 1);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        bs.handle(t(1), upload(0, 1, 1, 7.0)).expect("early upload");
        let closed = bs.handle(t(2), upload(0, 0, 1, 1.0)).expect("upload");
        assert!(closed.iter().any(|a| matches!(
            a,
            Action::Timer { at, timer: Timer::Deadline { round: 1 } } if *at == t(2)
        )));
    }

    #[test]
    fn in_separate_training_the_base_station_does_nothing() {
        let protocol = Protocol {
            mode: Mode::Separate,
            ..sync(None)
        };
        let mut bs = station(protocol, 2, 1);
        assert!(bs
            .handle(t(0), BaseStationInput::Start)
            .expect("start")
            .is_empty());
    }

    #[test]
    fn samples_or_plain_weights() {
        let protocol = Protocol {
            aggregation: Aggregation::Plain,
            ..sync(None)
        };
        let mut bs = station(protocol, 2, 1);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        bs.handle(t(1), upload(0, 0, 1, 1.0)).expect("upload");
        let closed = bs.handle(t(2), upload(1, 0, 3, 5.0)).expect("upload");
        assert_eq!(
            values(broadcasts(&closed)[0]),
            vec![3.0; MODEL],
            "(1 + 5) / 2"
        );
    }

    #[test]
    fn best_channel_scheduling_uses_the_snrs_measured_on_uploads() {
        use crate::fl::Scheduling;
        let protocol = Protocol {
            participation: Participation::Scheduled(Scheduling::BestChannel(2)),
            ..sync(None)
        };
        let mut bs = station(protocol, 4, 1);
        // Nothing measured yet: ties go to the smallest ids.
        assert_eq!(bs.participants(0), vec![0, 1]);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        bs.handle(t(5), measured(0, 0, 4.0)).expect("upload");
        let out = bs.handle(t(6), measured(1, 0, 25.0)).expect("upload");
        // Devices 2 and 3 were never heard, so they count as best and are asked next.
        assert_eq!(broadcasts(&out)[0].next_participants, vec![2, 3]);
        bs.handle(t(10), measured(2, 1, -3.0)).expect("upload");
        let out = bs.handle(t(11), measured(3, 1, 9.0)).expect("upload");
        assert_eq!(broadcasts(&out)[0].next_participants, vec![1, 3]);
        assert_eq!(bs.participants(2), vec![1, 3]);
    }

    #[test]
    fn age_of_update_scheduling_asks_the_longest_unheard_devices() {
        use crate::fl::Scheduling;
        let protocol = Protocol {
            participation: Participation::Scheduled(Scheduling::AgeOfUpdate(1)),
            ..sync(Some(100))
        };
        let mut bs = station(protocol, 3, 1);
        assert_eq!(bs.participants(0), vec![0]);
        bs.handle(t(0), BaseStationInput::Start).expect("start");
        let out = bs.handle(t(5), upload(0, 0, 10, 1.0)).expect("upload");
        // Devices 1 and 2 have never delivered: the smaller id goes first.
        assert_eq!(broadcasts(&out)[0].next_participants, vec![1]);
        // Device 1 delivers in round 1: device 2, never heard, is now the oldest.
        let out = bs.handle(t(9), upload(1, 1, 10, 1.0)).expect("upload");
        assert_eq!(broadcasts(&out)[0].next_participants, vec![2]);
    }
}
