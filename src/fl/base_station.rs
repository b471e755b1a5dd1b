//! The base station's protocol (docs/spec.md section 3): it opens rounds and picks their
//! participants, waits for uploads until every expected one is resolved or its deadline passes,
//! discards late uploads, aggregates what arrived through the codec and broadcasts the global
//! model. A plain state machine: it is handed an input and the current virtual time and answers
//! with [`Action`]s.
//!
//! In separate training there is no base station at work: it only keeps the rounds' records.

use crate::fl::compress::{Codec, CompressError};
use crate::fl::message::{Action, GlobalModel, Msg, Note, Probe, Timer, Upload};
use crate::fl::{Mode, Participation, Protocol};
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
}

#[derive(Debug, Default)]
struct Round {
    expected: BTreeSet<u32>,
    resolved: BTreeSet<u32>,
    received: Vec<Arc<Upload>>,
    open: bool,
    closed: bool,
    start: SimTime,
}

/// The base station's protocol state and the global model.
pub struct BaseStation {
    protocol: Arc<Protocol>,
    devices: u32,
    codec: Arc<Codec>,
    global: Vec<f64>,
    rounds: BTreeMap<u64, Round>,
    participation_rng: ChaCha12Rng,
    availability: Vec<AvailabilityTrace>,
}

impl BaseStation {
    /// A base station for `devices` devices holding the initial `global` model (W ++ V ++ gamma).
    /// It picks the first round's participants at once (they are told when the run is set up);
    /// `availability` is what it knows of the devices' on/off periods (participation
    /// `available`), `participation_rng` its stream for sampling participants.
    pub fn new(
        protocol: Arc<Protocol>,
        devices: u32,
        codec: Arc<Codec>,
        global: Vec<f64>,
        availability: Vec<AvailabilityTrace>,
        participation_rng: ChaCha12Rng,
    ) -> BaseStation {
        let mut bs = BaseStation {
            protocol,
            devices,
            codec,
            global,
            rounds: BTreeMap::new(),
            participation_rng,
            availability,
        };
        let first = bs.pick_participants(SimTime::ZERO);
        bs.rounds.entry(0).or_default().expected = first;
        bs
    }

    /// The devices expected in round `round`, once it is open.
    pub fn participants(&self, round: u64) -> Vec<u32> {
        self.rounds
            .get(&round)
            .map_or_else(Vec::new, |r| r.expected.iter().copied().collect())
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
                let expected = std::mem::take(&mut self.rounds.entry(0).or_default().expected);
                self.open_round(0, expected, now, &mut out);
            }
            BaseStationInput::Upload(upload) => {
                let round = self.rounds.entry(upload.round).or_default();
                let late = round.closed;
                if !late {
                    round.resolved.insert(upload.device);
                    round.received.push(upload.clone());
                }
                out.push(Action::Note(Note::UploadReceived {
                    device: upload.device,
                    round: upload.round,
                    late,
                }));
                self.close_if_complete(upload.round, now, &mut out)?;
            }
            BaseStationInput::UploadLost { device, round }
            | BaseStationInput::Skip { device, round } => {
                self.rounds
                    .entry(round)
                    .or_default()
                    .resolved
                    .insert(device);
                self.close_if_complete(round, now, &mut out)?;
            }
            BaseStationInput::Timer(Timer::Deadline { round }) => {
                if self.rounds.get(&round).is_some_and(|r| r.open) {
                    self.close_round(round, now, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    /// The participants of a round opened at `t`.
    fn pick_participants(&mut self, t: SimTime) -> BTreeSet<u32> {
        let n = self.devices as usize;
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
        let round = self.rounds.entry(r).or_default();
        round.expected = expected;
        round.open = true;
        round.start = now;
        let ready = round.resolved.len() >= round.expected.len();
        if let Some(deadline) = self.protocol.deadline {
            out.push(Action::Timer {
                at: now + deadline,
                timer: Timer::Deadline { round: r },
            });
        }
        if ready {
            // Every upload of this round is already in (non-blocking devices ran ahead) or
            // nobody takes part: close at once.
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
        let round = self.rounds.entry(r).or_default();
        if round.open && round.resolved.is_superset(&round.expected) {
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
        let received = std::mem::take(&mut round.received);
        let start = round.start;
        tracing::debug!(vt = %now, round = r, uploads = received.len(), "round closed");
        let mut aggregator = self.codec.aggregator();
        for upload in &received {
            let weight = self.protocol.aggregation.weight(upload.samples);
            aggregator.add(upload.device, weight, &upload.payload)?;
        }
        let model = match aggregator.finish(&mut self.global)? {
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
            Some(self.pick_participants(now))
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
