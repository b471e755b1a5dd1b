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
use super::model::{
    Context, Effect, Input, Medium, Model, NodeId, Observer, Scheduled, System, Target, Transfer,
    When, Worker,
};
use super::transport::{Ticket, Transport, TransportError};
use super::SimError;
use crate::time::SimDuration;
use crate::time::SimTime;
use actix::dev::Request;
use actix::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

enum Event<S: System> {
    Arrival(Transfer<S>),
    Timer { node: NodeId, timer: S::Timer },
    WorkDone { work: u32 },
    Wake { version: u64 },
    Timeline { target: Target, event: S::Event },
}

/// Timeline events waiting for a cue: their delay, target and event.
type Waiting<S> = Vec<(SimDuration, Target, <S as System>::Event)>;

/// The calendar source a timeline event ranks as when it ties in time: its node, or node 0 for
/// the medium.
fn source(target: Target) -> NodeId {
    match target {
        Target::Node(node) => node,
        Target::Medium => 0,
    }
}

/// A job's pending answer.
type WorkRequest<S> = Request<Host<S>, RunJob<S>>;
/// A probe's pending reading.
type ProbeRequest<S> = Request<Host<S>, TakeProbe<S>>;

/// Where a node's work runs.
pub(super) enum Hosting<S: System> {
    /// On its actor.
    Actor(Addr<Host<S>>),
    /// On the kernel's thread, at once ([`Worker::inline`]).
    Inline(Box<dyn Worker<S>>),
    /// Elsewhere, through the kernel's transport.
    Remote,
}

/// A job's result: awaited from the actor, computed already, or awaited from the transport.
enum Pending<R, Q> {
    Asked(Q),
    Ready(R),
    Away(Ticket),
}

type WorkResult<S> = Result<Option<<S as System>::Done>, <S as System>::Error>;
type ProbeResult<S> = Result<<S as System>::Reading, <S as System>::Error>;
/// A job in progress: its node and its result.
type Work<S> = (NodeId, Pending<WorkResult<S>, WorkRequest<S>>);
/// A probe taken: its node and its reading.
type Probing<S> = (NodeId, Pending<ProbeResult<S>, ProbeRequest<S>>);

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
    hosts: Vec<Hosting<S>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    transport: Option<&'a mut dyn Transport<S>>,
    /// Work in progress, by slot; `free` lists the empty slots.
    works: Vec<Option<Work<S>>>,
    free: Vec<u32>,
    probes: VecDeque<Probing<S>>,
    /// Per node, the times of the messages on their way to it (earliest first).
    arrivals: Vec<BinaryHeap<Reverse<SimTime>>>,
    wake: Option<SimTime>,
    wake_version: u64,
    /// Timeline events waiting for their cue, by cue.
    cues: BTreeMap<u64, Waiting<S>>,
    events: u64,
    /// Buffers reused from event to event.
    effects: Vec<Effect<S>>,
    transfers: Vec<Transfer<S>>,
    reports: Vec<S::Report>,
}

impl<'a, S: System> Kernel<'a, S> {
    pub(super) fn new(
        models: Vec<Box<dyn Model<S>>>,
        hosts: Vec<Hosting<S>>,
        medium: &'a mut dyn Medium<S>,
        observer: &'a mut dyn Observer<S>,
        timeline: Vec<Scheduled<S>>,
        transport: Option<&'a mut dyn Transport<S>>,
    ) -> Kernel<'a, S> {
        let arrivals = (0..models.len()).map(|_| BinaryHeap::new()).collect();
        let mut cal = Calendar::default();
        let mut cues: BTreeMap<u64, Waiting<S>> = BTreeMap::new();
        for Scheduled {
            when,
            target,
            event,
        } in timeline
        {
            match when {
                When::At(t) => cal.schedule(t, source(target), Event::Timeline { target, event }),
                When::Cue { cue, delay } => {
                    cues.entry(cue).or_default().push((delay, target, event))
                }
            }
        }
        Kernel {
            cal,
            now: SimTime::ZERO,
            models,
            hosts,
            medium,
            observer,
            transport,
            works: Vec::new(),
            free: Vec::new(),
            probes: VecDeque::new(),
            arrivals,
            wake: None,
            wake_version: 0,
            cues,
            events: 0,
            effects: Vec::new(),
            transfers: Vec::new(),
            reports: Vec::new(),
        }
    }

    pub(super) async fn run(mut self) -> Result<KernelStats, SimError<S::Error>> {
        for node in 0..self.models.len() as NodeId {
            self.handle(node, Input::Start).await?;
        }
        while let Some((t, event)) = self.cal.pop() {
            if t == SimTime::MAX {
                let origin = match &event {
                    Event::Arrival(transfer) => format!("a transfer from node {}", transfer.from),
                    Event::Timer { node, .. } => format!("a timer of node {node}"),
                    Event::WorkDone { work } => match self.works.get(*work as usize) {
                        Some(Some((node, _))) => format!("the work of node {node}"),
                        _ => "a work".to_string(),
                    },
                    Event::Wake { .. } => "the medium".to_string(),
                    Event::Timeline { .. } => "the timeline".to_string(),
                };
                return Err(SimError::ClockOverflow {
                    origin,
                    time: self.now,
                });
            }
            self.now = t;
            self.events += 1;
            match event {
                Event::Arrival(mut transfer) => {
                    let to = transfer.to;
                    // Arrivals pop in time order: this one is the earliest on its way to `to`.
                    self.arrivals[to as usize].pop();
                    let mut reports = std::mem::take(&mut self.reports);
                    self.medium.arrive(t, &mut transfer, &mut reports);
                    for report in reports.drain(..) {
                        self.observer.report(t, report);
                    }
                    self.reports = reports;
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
                    let (node, pending) = self
                        .works
                        .get_mut(work as usize)
                        .and_then(Option::take)
                        .ok_or(SimError::Internal("work finished twice"))?;
                    self.free.push(work);
                    let done = match pending {
                        Pending::Ready(result) => result,
                        Pending::Asked(request) => {
                            self.flush(node)?;
                            request
                                .await
                                .map_err(|_| SimError::ActorGone { node, time: t })?
                        }
                        Pending::Away(ticket) => self
                            .transport()?
                            .done(ticket)
                            .map_err(|e| remote(node, t, e))?,
                    }
                    .map_err(|error| SimError::Model {
                        node,
                        time: t,
                        error,
                    })?;
                    if let Some(done) = done {
                        self.handle(node, Input::Done(done)).await?;
                    }
                }
                Event::Timeline { target, event } => {
                    self.observer.event(t, target, &event);
                    match target {
                        Target::Node(node) => self.handle(node, Input::Event(event)).await?,
                        Target::Medium => {
                            let mut transfers = std::mem::take(&mut self.transfers);
                            let mut reports = std::mem::take(&mut self.reports);
                            self.medium.event(t, event, &mut transfers, &mut reports);
                            for report in reports.drain(..) {
                                self.observer.report(t, report);
                            }
                            self.schedule_transfers(&mut transfers);
                            self.transfers = transfers;
                            self.reports = reports;
                            self.reschedule_wake();
                        }
                    }
                }
                Event::Wake { version } => {
                    if version == self.wake_version {
                        self.wake = None;
                        let mut transfers = std::mem::take(&mut self.transfers);
                        self.medium.wake(t, &mut transfers);
                        self.schedule_transfers(&mut transfers);
                        self.transfers = transfers;
                        self.reschedule_wake();
                    }
                }
            }
        }
        let end = self.now;
        for node in 0..self.models.len() as NodeId {
            let mut out = std::mem::take(&mut self.effects);
            let ctx = self.context(node);
            self.models[node as usize].end(ctx, &mut out);
            let applied = self.apply(node, &mut out).await;
            self.effects = out;
            applied?;
        }
        self.drain_probes(0).await?;
        Ok(KernelStats {
            end,
            events: self.events,
        })
    }

    /// The transport of remote nodes (a node is remote only when there is one).
    fn transport(&mut self) -> Result<&mut dyn Transport<S>, SimError<S::Error>> {
        match &mut self.transport {
            Some(t) => Ok(&mut **t),
            None => Err(SimError::Internal("a remote node without a transport")),
        }
    }

    /// Lets the transport start on what it was handed before the kernel waits for `node`'s
    /// actor, so remote work runs while local work does.
    fn flush(&mut self, node: NodeId) -> Result<(), SimError<S::Error>> {
        let now = self.now;
        match &mut self.transport {
            Some(t) => t.flush().map_err(|e| remote(node, now, e)),
            None => Ok(()),
        }
    }

    fn context(&self, node: NodeId) -> Context {
        Context {
            now: self.now,
            node,
            next_arrival: self.arrivals[node as usize].peek().map(|r| r.0),
        }
    }

    async fn handle(&mut self, node: NodeId, input: Input<S>) -> Result<(), SimError<S::Error>> {
        let mut out = std::mem::take(&mut self.effects);
        let ctx = self.context(node);
        let applied = match self.models[node as usize].handle(ctx, input, &mut out) {
            Ok(()) => self.apply(node, &mut out).await,
            Err(error) => Err(SimError::Model {
                node,
                time: self.now,
                error,
            }),
        };
        out.clear();
        self.effects = out;
        applied
    }

    /// Carries out `effects` (left empty).
    async fn apply(
        &mut self,
        node: NodeId,
        effects: &mut Vec<Effect<S>>,
    ) -> Result<(), SimError<S::Error>> {
        let now = self.now;
        let failed = |error| SimError::Model {
            node,
            time: now,
            error,
        };
        for effect in effects.drain(..) {
            match effect {
                Effect::Send { to, msg } => {
                    let mut transfers = std::mem::take(&mut self.transfers);
                    let mut reports = std::mem::take(&mut self.reports);
                    let sent = self
                        .medium
                        .send(now, node, &to, msg, &mut transfers, &mut reports);
                    for report in reports.drain(..) {
                        self.models[node as usize].sent(&report);
                        self.observer.report(now, report);
                    }
                    self.schedule_transfers(&mut transfers);
                    self.transfers = transfers;
                    self.reports = reports;
                    sent.map_err(failed)?;
                    self.reschedule_wake();
                }
                Effect::Timer { at, timer } => {
                    if at < now {
                        return Err(SimError::Internal("a timer set in the past"));
                    }
                    self.cal.schedule(at, node, Event::Timer { node, timer });
                }
                Effect::Work { duration, job } => {
                    let pending = match &mut self.hosts[node as usize] {
                        Hosting::Actor(host) => Pending::Asked(host.send(RunJob(job))),
                        Hosting::Inline(worker) => Pending::Ready(worker.work(job)),
                        Hosting::Remote => Pending::Away(
                            self.transport()?
                                .work(node, job)
                                .map_err(|e| remote(node, now, e))?,
                        ),
                    };
                    let work = match self.free.pop() {
                        Some(slot) => {
                            self.works[slot as usize] = Some((node, pending));
                            slot
                        }
                        None => {
                            self.works.push(Some((node, pending)));
                            u32::try_from(self.works.len() - 1)
                                .map_err(|_| SimError::Internal("over 2^32 jobs in progress"))?
                        }
                    };
                    self.cal
                        .schedule(now + duration, node, Event::WorkDone { work });
                }
                Effect::Post(job) => match &mut self.hosts[node as usize] {
                    Hosting::Actor(host) => host.do_send(PostJob(job)),
                    Hosting::Inline(worker) => {
                        worker.work(job).map_err(failed)?;
                    }
                    Hosting::Remote => self
                        .transport()?
                        .post(node, job)
                        .map_err(|e| remote(node, now, e))?,
                },
                Effect::Probe(probe) => {
                    let pending = match &mut self.hosts[node as usize] {
                        Hosting::Actor(host) => Pending::Asked(host.send(TakeProbe(probe))),
                        Hosting::Inline(worker) => Pending::Ready(worker.probe(probe)),
                        Hosting::Remote => Pending::Away(
                            self.transport()?
                                .probe(node, probe)
                                .map_err(|e| remote(node, now, e))?,
                        ),
                    };
                    self.probes.push_back((node, pending));
                    self.drain_probes(PROBES_IN_FLIGHT).await?;
                }
                Effect::Note(note) => self.observer.note(now, node, note),
                Effect::Cue(cue) => {
                    for (delay, target, event) in self.cues.remove(&cue).unwrap_or_default() {
                        let at = now + delay;
                        self.cal
                            .schedule(at, source(target), Event::Timeline { target, event });
                    }
                }
            }
        }
        Ok(())
    }

    /// Puts `transfers` (left empty) on the calendar.
    fn schedule_transfers(&mut self, transfers: &mut Vec<Transfer<S>>) {
        for transfer in transfers.drain(..) {
            self.arrivals[transfer.to as usize].push(Reverse(transfer.at));
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

    /// Hands readings to the observer, in the order the probes were taken: those already taken,
    /// and then, awaiting them, until at most `keep` are outstanding.
    async fn drain_probes(&mut self, keep: usize) -> Result<(), SimError<S::Error>> {
        loop {
            let ready = matches!(self.probes.front(), Some((_, Pending::Ready(_))));
            if !ready && self.probes.len() <= keep {
                return Ok(());
            }
            let Some((node, pending)) = self.probes.pop_front() else {
                return Ok(());
            };
            let time = self.now;
            let reading = match pending {
                Pending::Ready(result) => result,
                Pending::Asked(request) => {
                    self.flush(node)?;
                    request
                        .await
                        .map_err(|_| SimError::ActorGone { node, time })?
                }
                Pending::Away(ticket) => self
                    .transport()?
                    .reading(ticket)
                    .map_err(|e| remote(node, time, e))?,
            }
            .map_err(|error| SimError::Model { node, time, error })?;
            self.observer.reading(node, reading);
        }
    }
}

/// A transport's failure, for the node it was carrying work of.
fn remote<E: std::fmt::Display>(node: NodeId, time: SimTime, error: TransportError) -> SimError<E> {
    SimError::Remote {
        node,
        time,
        message: error.0,
    }
}
