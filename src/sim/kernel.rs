//! The event loop: pops the calendar in (time, source, sequence) order, hands each input to its
//! node model, and carries out the model's effects.
//!
//! Parallelism without losing determinism: work has a virtual duration known when it is asked
//! for, so the kernel hands it to the node's actor at once and awaits the result only when the
//! calendar reaches its end. Every actor with work outstanding computes concurrently; results are
//! handed back in calendar order, so the outcome never depends on thread timing. Probes
//! (measurements for the records) are awaited lazily and handed to the observer in the order they
//! were taken.

use super::calendar::Calendar;
use super::host::{Host, PostJob, RunJob, TakeProbe};
use super::model::{Context, Effect, Input, Medium, Model, NodeId, Observer, System, Transfer};
use super::SimError;
use crate::time::SimTime;
use actix::dev::Request;
use actix::prelude::*;
use std::collections::{BTreeMap, VecDeque};

enum Event<S: System> {
    Arrival(Transfer<S>),
    Timer { node: NodeId, timer: S::Timer },
    WorkDone { work: u64 },
    Wake { version: u64 },
}

/// A job's pending answer.
type WorkRequest<S> = Request<Host<S>, RunJob<S>>;
/// A probe's pending reading.
type ProbeRequest<S> = Request<Host<S>, TakeProbe<S>>;

/// Probes awaited at most this far behind the newest one (bounds memory, keeps actors busy).
const PROBES_IN_FLIGHT: usize = 256;

/// What the kernel reports of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Time of the last event.
    pub end: SimTime,
    /// Calendar events processed.
    pub events: u64,
}

pub(super) struct Kernel<'a, S: System> {
    cal: Calendar<Event<S>>,
    now: SimTime,
    models: Vec<Box<dyn Model<S>>>,
    hosts: Vec<Addr<Host<S>>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    works: BTreeMap<u64, (NodeId, WorkRequest<S>)>,
    next_work: u64,
    probes: VecDeque<(NodeId, ProbeRequest<S>)>,
    arrivals: Vec<BTreeMap<SimTime, u32>>,
    wake: Option<SimTime>,
    wake_version: u64,
    events: u64,
}

impl<'a, S: System> Kernel<'a, S> {
    pub(super) fn new(
        models: Vec<Box<dyn Model<S>>>,
        hosts: Vec<Addr<Host<S>>>,
        medium: &'a mut dyn Medium<S>,
        observer: &'a mut dyn Observer<S>,
    ) -> Kernel<'a, S> {
        let arrivals = (0..models.len()).map(|_| BTreeMap::new()).collect();
        Kernel {
            cal: Calendar::default(),
            now: SimTime::ZERO,
            models,
            hosts,
            medium,
            observer,
            works: BTreeMap::new(),
            next_work: 0,
            probes: VecDeque::new(),
            arrivals,
            wake: None,
            wake_version: 0,
            events: 0,
        }
    }

    pub(super) async fn run(mut self) -> Result<KernelStats, SimError<S::Error>> {
        for node in 0..self.models.len() as NodeId {
            self.handle(node, Input::Start).await?;
        }
        while let Some((t, event)) = self.cal.pop() {
            self.now = t;
            self.events += 1;
            match event {
                Event::Arrival(transfer) => {
                    let to = transfer.to;
                    let pending = &mut self.arrivals[to as usize];
                    if let Some(n) = pending.get_mut(&t) {
                        *n -= 1;
                        if *n == 0 {
                            pending.remove(&t);
                        }
                    }
                    self.observer.arrival(t, &transfer);
                    let (from, msg) = (transfer.from, transfer.msg);
                    let input = if transfer.delivered {
                        Input::Message { from, msg }
                    } else {
                        Input::Lost { from, msg }
                    };
                    self.handle(to, input).await?;
                }
                Event::Timer { node, timer } => self.handle(node, Input::Timer(timer)).await?,
                Event::WorkDone { work } => {
                    let (node, request) = self
                        .works
                        .remove(&work)
                        .ok_or(SimError::Internal("work finished twice"))?;
                    let done = request
                        .await
                        .map_err(|_| SimError::ActorGone { node, time: t })?
                        .map_err(|error| SimError::Model {
                            node,
                            time: t,
                            error,
                        })?;
                    if let Some(done) = done {
                        self.handle(node, Input::Done(done)).await?;
                    }
                }
                Event::Wake { version } => {
                    if version == self.wake_version {
                        self.wake = None;
                        let mut transfers = Vec::new();
                        self.medium.wake(t, &mut transfers);
                        self.schedule_transfers(transfers);
                        self.reschedule_wake();
                    }
                }
            }
        }
        let end = self.now;
        for node in 0..self.models.len() as NodeId {
            let mut out = Vec::new();
            let ctx = self.context(node);
            self.models[node as usize].end(ctx, &mut out);
            self.apply(node, out).await?;
        }
        self.drain_probes(0).await?;
        Ok(KernelStats {
            end,
            events: self.events,
        })
    }

    fn context(&self, node: NodeId) -> Context {
        Context {
            now: self.now,
            node,
            next_arrival: self.arrivals[node as usize]
                .range(self.now..)
                .next()
                .map(|(&t, _)| t),
        }
    }

    async fn handle(&mut self, node: NodeId, input: Input<S>) -> Result<(), SimError<S::Error>> {
        let mut out = Vec::new();
        let ctx = self.context(node);
        self.models[node as usize]
            .handle(ctx, input, &mut out)
            .map_err(|error| SimError::Model {
                node,
                time: self.now,
                error,
            })?;
        self.apply(node, out).await
    }

    async fn apply(
        &mut self,
        node: NodeId,
        effects: Vec<Effect<S>>,
    ) -> Result<(), SimError<S::Error>> {
        let now = self.now;
        for effect in effects {
            match effect {
                Effect::Send { to, msg } => {
                    let (mut transfers, mut reports) = (Vec::new(), Vec::new());
                    self.medium
                        .send(now, node, &to, msg, &mut transfers, &mut reports)
                        .map_err(|error| SimError::Model {
                            node,
                            time: now,
                            error,
                        })?;
                    for report in reports {
                        self.models[node as usize].sent(&report);
                        self.observer.report(now, report);
                    }
                    self.schedule_transfers(transfers);
                    self.reschedule_wake();
                }
                Effect::Timer { at, timer } => {
                    if at < now {
                        return Err(SimError::Internal("a timer set in the past"));
                    }
                    self.cal.schedule(at, node, Event::Timer { node, timer });
                }
                Effect::Work { duration, job } => {
                    let request = self.hosts[node as usize].send(RunJob(job));
                    let work = self.next_work;
                    self.next_work += 1;
                    self.works.insert(work, (node, request));
                    self.cal
                        .schedule(now + duration, node, Event::WorkDone { work });
                }
                Effect::Post(job) => self.hosts[node as usize].do_send(PostJob(job)),
                Effect::Probe(probe) => {
                    let request = self.hosts[node as usize].send(TakeProbe(probe));
                    self.probes.push_back((node, request));
                    self.drain_probes(PROBES_IN_FLIGHT).await?;
                }
                Effect::Note(note) => self.observer.note(now, node, note),
            }
        }
        Ok(())
    }

    fn schedule_transfers(&mut self, transfers: Vec<Transfer<S>>) {
        for transfer in transfers {
            *self.arrivals[transfer.to as usize]
                .entry(transfer.at)
                .or_default() += 1;
            self.cal
                .schedule(transfer.at, transfer.from, Event::Arrival(transfer));
        }
    }

    /// Keeps one wake-up on the calendar, at the medium's next one. Wake-ups rank as node 0's
    /// events when they tie in time.
    fn reschedule_wake(&mut self) {
        let next = self.medium.next_wake();
        if next == self.wake {
            return;
        }
        self.wake = next;
        self.wake_version += 1;
        if let Some(t) = next {
            let version = self.wake_version;
            self.cal.schedule(t, 0, Event::Wake { version });
        }
    }

    /// Awaits probes until at most `keep` are outstanding, handing readings to the observer.
    async fn drain_probes(&mut self, keep: usize) -> Result<(), SimError<S::Error>> {
        while self.probes.len() > keep {
            let Some((node, request)) = self.probes.pop_front() else {
                break;
            };
            let time = self.now;
            let reading = request
                .await
                .map_err(|_| SimError::ActorGone { node, time })?
                .map_err(|error| SimError::Model { node, time, error })?;
            self.observer.reading(node, reading);
        }
        Ok(())
    }
}
