//! The event loop: pops the calendar in (time, source, sequence) order, hands each input to its
//! node model, and carries out the model's effects.
//!
//! Parallelism without losing determinism: work has a virtual duration known when it is asked
//! for, so the kernel hands it to the node's actor at once and awaits the result only when the
//! calendar reaches its end. Every actor with work outstanding computes concurrently; results are
//! handed back in calendar order, so the outcome never depends on thread timing. Probes
//! (measurements for the records) are awaited lazily and handed to the observer in the order they
//! were taken.

use super::arrivals::Arrivals;
use super::calendar::{Calendar, Due};
use super::host::{Host, PostJob, RunJob, SaveWorker, TakeProbe};
use super::model::{
    Context, Effect, Input, Medium, Model, NodeId, Observer, Outbox, Scheduled, System, Target,
    Transfer, When, Worker,
};
use super::snapshot::{PartsView, Saver};
use super::transport::{Ticket, Transport, TransportError};
use super::SimError;
use crate::time::SimDuration;
use crate::time::SimTime;
use actix::dev::Request;
use actix::prelude::*;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
enum Event<S: System> {
    Arrival(Transfer<S>),
    Timer {
        node: NodeId,
        timer: S::Timer,
    },
    WorkDone {
        work: u32,
    },
    /// The result of a job done inline (computed already, and not a failure): carried by its
    /// event rather than held in a work slot.
    Done {
        node: NodeId,
        done: Option<S::Done>,
    },
    /// A wake-up of the medium, as popped: it is scheduled as a calendar mark (no slot; the
    /// medium's next wake-up often moves, and every replaced one stays on the calendar until it
    /// is due), its version the mark's sequence number.
    Wake {
        version: u64,
    },
    /// A timeline event, boxed: it is rare, and the largest variant would size every calendar
    /// slot.
    Timeline {
        target: Target,
        event: Box<S::Event>,
    },
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
/// `Resolved` is a result that was asked of an actor and awaited early (for a snapshot): it is
/// handed on as if still asked. An actor's pending answer is boxed: it is several times the size
/// of the other variants, and a slot is held per job in progress.
enum Pending<R, Q> {
    Asked(Box<Q>),
    Ready(R),
    Away(Ticket),
    Resolved(R),
}

type WorkResult<S> = Result<Option<<S as System>::Done>, <S as System>::Error>;
type ProbeResult<S> = Result<<S as System>::Reading, <S as System>::Error>;
/// A job in progress: its node and its result.
type Work<S> = (NodeId, Pending<WorkResult<S>, WorkRequest<S>>);
/// A probe taken: its node and its reading.
type Probing<S> = (NodeId, Pending<ProbeResult<S>, ProbeRequest<S>>);

/// Capacity a reused buffer keeps between events: one that once held an entry per device
/// (tens of bytes each) would weigh on the peak of the rounds that follow.
const KEPT_CAPACITY: usize = 1024;

/// `buf` (emptied) to be reused: its capacity cut back to [`KEPT_CAPACITY`].
fn kept<T>(mut buf: Vec<T>) -> Vec<T> {
    debug_assert!(buf.is_empty());
    if buf.capacity() > KEPT_CAPACITY {
        buf.shrink_to(KEPT_CAPACITY);
    }
    buf
}

/// What the medium sends, put on the calendar and passed on as it is handed over.
struct Posting<'k, S: System> {
    now: SimTime,
    cal: &'k mut Calendar<Event<S>>,
    arrivals: &'k mut [Arrivals],
    observer: &'k mut dyn Observer<S>,
    /// The node whose message it is, told of each report (none for the medium's own doings).
    sender: Option<&'k mut Box<dyn Model<S>>>,
}

impl<S: System> Outbox<S> for Posting<'_, S> {
    fn transfer(&mut self, transfer: Transfer<S>) {
        self.arrivals[transfer.to as usize].push(transfer.at);
        self.cal
            .schedule(transfer.at, transfer.from, Event::Arrival(transfer));
    }

    fn report(&mut self, report: S::Report) {
        if let Some(sender) = self.sender.as_mut() {
            sender.sent(&report);
        }
        self.observer.report(self.now, report);
    }
}

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

/// The kernel's own state in a snapshot (see [`super::Snapshot`]).
#[derive(Deserialize)]
#[serde(bound = "")]
pub struct Resume<S: System> {
    now: SimTime,
    events: u64,
    cal: Calendar<Event<S>>,
    works: Vec<Option<(NodeId, Option<S::Done>)>>,
    free: Vec<u32>,
    /// Readings not yet handed to the observer: node, handed on eagerly (computed inline), reading.
    probes: Vec<(NodeId, bool, S::Reading)>,
    arrivals: Vec<BinaryHeap<Reverse<SimTime>>>,
    wake: Option<SimTime>,
    wake_version: u64,
    cues: BTreeMap<u64, Waiting<S>>,
}

impl<S: System> Resume<S> {
    /// The virtual time of the snapshot.
    pub fn now(&self) -> SimTime {
        self.now
    }
}

/// A saved work slot: its node and its result, borrowed.
type SavedWork<'k, S> = Option<(NodeId, &'k Option<<S as System>::Done>)>;

/// [`Resume`]'s fields, borrowed from the kernel, for encoding.
#[derive(Serialize)]
#[serde(bound = "")]
pub(super) struct ResumeView<'k, S: System> {
    now: SimTime,
    events: u64,
    cal: &'k Calendar<Event<S>>,
    works: Vec<SavedWork<'k, S>>,
    free: &'k [u32],
    probes: Vec<(NodeId, bool, &'k S::Reading)>,
    arrivals: Vec<BinaryHeap<Reverse<SimTime>>>,
    wake: Option<SimTime>,
    wake_version: u64,
    cues: &'k BTreeMap<u64, Waiting<S>>,
}

pub(super) struct Kernel<'a, S: System> {
    cal: Calendar<Event<S>>,
    now: SimTime,
    models: Vec<Box<dyn Model<S>>>,
    hosts: Vec<Hosting<S>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    transport: Option<&'a mut dyn Transport<S>>,
    saver: Option<&'a mut dyn Saver<S>>,
    /// Whether the nodes have been started (false for a fresh run, true for a resumed one).
    started: bool,
    /// Work in progress, by slot; `free` lists the empty slots.
    works: Vec<Option<Work<S>>>,
    free: Vec<u32>,
    probes: VecDeque<Probing<S>>,
    /// Per node, the times of the messages on their way to it.
    arrivals: Vec<Arrivals>,
    wake: Option<SimTime>,
    wake_version: u64,
    /// Timeline events waiting for their cue, by cue.
    cues: BTreeMap<u64, Waiting<S>>,
    events: u64,
    /// Buffers reused from event to event.
    effects: Vec<Effect<S>>,
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
        saver: Option<&'a mut dyn Saver<S>>,
    ) -> Kernel<'a, S> {
        let arrivals = (0..models.len()).map(|_| Arrivals::None).collect();
        let mut cal = Calendar::default();
        let mut cues: BTreeMap<u64, Waiting<S>> = BTreeMap::new();
        for Scheduled {
            when,
            target,
            event,
        } in timeline
        {
            match when {
                When::At(t) => {
                    let event = Box::new(event);
                    cal.schedule(t, source(target), Event::Timeline { target, event })
                }
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
            saver,
            started: false,
            works: Vec::new(),
            free: Vec::new(),
            probes: VecDeque::new(),
            arrivals,
            wake: None,
            wake_version: 0,
            cues,
            events: 0,
            effects: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// Takes up a saved kernel state (its parts restored already): its calendar and waiting cues
    /// replace the timeline laid down by [`Kernel::new`].
    pub(super) fn resume(&mut self, state: Resume<S>) -> Result<(), SimError<S::Error>> {
        let nodes = self.models.len();
        let fits = state.arrivals.len() == nodes
            && state
                .works
                .iter()
                .flatten()
                .all(|(n, _)| (*n as usize) < nodes)
            && state.probes.iter().all(|(n, _, _)| (*n as usize) < nodes);
        if !fits {
            return Err(SimError::Save(format!(
                "the snapshot holds {} nodes, the simulation {nodes}",
                state.arrivals.len()
            )));
        }
        self.now = state.now;
        self.events = state.events;
        self.cal = state.cal;
        self.works = state
            .works
            .into_iter()
            .map(|w| w.map(|(node, done)| (node, Pending::Ready(Ok(done)))))
            .collect();
        self.free = state.free;
        self.probes = state
            .probes
            .into_iter()
            .map(|(node, eager, reading)| {
                let pending = match eager {
                    true => Pending::Ready(Ok(reading)),
                    false => Pending::Resolved(Ok(reading)),
                };
                (node, pending)
            })
            .collect();
        self.arrivals = state.arrivals.into_iter().map(Arrivals::restored).collect();
        self.wake = state.wake;
        self.wake_version = state.wake_version;
        self.cues = state.cues;
        self.started = true;
        Ok(())
    }

    pub(super) async fn run(mut self) -> Result<KernelStats, SimError<S::Error>> {
        if !self.started {
            for node in 0..self.models.len() as NodeId {
                self.handle(node, Input::Start).await?;
            }
        }
        while let Some((t, due)) = self.cal.pop() {
            let event = match due {
                Due::Event(event) => event,
                // The medium's wake-ups are marks: only the latest one counts.
                Due::Mark(seq) => Event::Wake { version: seq },
            };
            if t == SimTime::MAX {
                let origin = match &event {
                    Event::Arrival(transfer) => format!("a transfer from node {}", transfer.from),
                    Event::Timer { node, .. } => format!("a timer of node {node}"),
                    Event::Done { node, .. } => format!("the work of node {node}"),
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
                    self.reports = kept(reports);
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
                Event::Done { node, done } => {
                    if let Some(done) = done {
                        self.handle(node, Input::Done(done)).await?;
                    }
                }
                Event::WorkDone { work } => {
                    let (node, pending) = self
                        .works
                        .get_mut(work as usize)
                        .and_then(Option::take)
                        .ok_or(SimError::Internal("work finished twice"))?;
                    crate::slab::room_for_one(&mut self.free);
                    self.free.push(work);
                    if self.free.len() == self.works.len() {
                        // Nothing in progress: the slots of a round in which every node worked at
                        // once are let go before what that work leads to (uploads) fills memory.
                        self.works.clear();
                        self.free.clear();
                        self.works = kept(std::mem::take(&mut self.works));
                        self.free = kept(std::mem::take(&mut self.free));
                    }
                    let done = match pending {
                        Pending::Ready(result) | Pending::Resolved(result) => result,
                        Pending::Asked(request) => {
                            self.flush(node)?;
                            (*request)
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
                        Target::Node(node) => self.handle(node, Input::Event(*event)).await?,
                        Target::Medium => {
                            let (medium, mut out) = self.posting(None);
                            medium.event(t, *event, &mut out);
                            self.reschedule_wake();
                        }
                    }
                }
                Event::Wake { version } => {
                    if version == self.wake_version {
                        self.wake = None;
                        let (medium, mut out) = self.posting(None);
                        medium.wake(t, &mut out);
                        self.reschedule_wake();
                    }
                }
            }
            if let Some(saver) = self.saver.take() {
                let saved = match saver.due(self.now, self.observer.progress()) {
                    true => self.save(saver).await,
                    false => Ok(()),
                };
                self.saver = Some(saver);
                saved?;
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
        away(&mut self.transport)
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
            next_arrival: self.arrivals[node as usize].peek(),
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
                    let (medium, mut out) = self.posting(Some(node));
                    let sent = medium.send(now, node, &to, msg, &mut out);
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
                        Hosting::Actor(host) => Pending::Asked(Box::new(host.send(RunJob(job)))),
                        Hosting::Inline(worker) => match worker.work(job) {
                            Ok(done) => {
                                let event = Event::Done { node, done };
                                self.cal.schedule(now + duration, node, event);
                                continue;
                            }
                            failed => Pending::Ready(failed),
                        },
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
                            crate::slab::room_for_one(&mut self.works);
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
                        Hosting::Actor(host) => {
                            Pending::Asked(Box::new(host.send(TakeProbe(probe))))
                        }
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
                        let event = Box::new(event);
                        self.cal
                            .schedule(at, source(target), Event::Timeline { target, event });
                    }
                }
            }
        }
        Ok(())
    }

    /// The medium, and where what it sends now goes: on the calendar, and its reports to
    /// `sender`'s model (if a node sent it) and the observer.
    fn posting(&mut self, sender: Option<NodeId>) -> (&mut (dyn Medium<S> + 'a), Posting<'_, S>) {
        let sender = sender.map(|node| &mut self.models[node as usize]);
        let out = Posting {
            now: self.now,
            cal: &mut self.cal,
            arrivals: &mut self.arrivals,
            observer: &mut *self.observer,
            sender,
        };
        (&mut *self.medium, out)
    }

    /// Keeps one wake-up on the calendar, at the medium's next one (the ones it replaces pop and
    /// are passed over). Wake-ups rank as node 0's events when they tie in time.
    fn reschedule_wake(&mut self) {
        let next = self.medium.next_wake();
        if next == self.wake {
            return;
        }
        self.wake = next;
        // A mark's sequence number is never 0: with no wake-up due, none counts.
        self.wake_version = match next {
            Some(t) => self.cal.mark(t, 0),
            None => 0,
        };
    }

    /// Saves the simulation as it stands between two events and hands it to `saver`. Work and
    /// probes still computing, on the actors or elsewhere, are awaited first, and the workers
    /// elsewhere are asked for their state through the transport: the snapshot is the same
    /// whichever workers are hosted where, and the outcome of the run does not change.
    async fn save(&mut self, saver: &mut dyn Saver<S>) -> Result<(), SimError<S::Error>> {
        let time = self.now;
        for slot in self.works.iter_mut() {
            let Some((node, pending)) = slot else {
                continue;
            };
            let node = *node;
            let result = match std::mem::replace(pending, Pending::Ready(Ok(None))) {
                Pending::Asked(request) => (*request)
                    .await
                    .map_err(|_| SimError::ActorGone { node, time })?,
                Pending::Ready(result) | Pending::Resolved(result) => result,
                Pending::Away(ticket) => away(&mut self.transport)?
                    .done(ticket)
                    .map_err(|e| remote(node, time, e))?,
            };
            let done = result.map_err(|error| SimError::Model { node, time, error })?;
            *pending = Pending::Ready(Ok(done));
        }
        for (node, pending) in std::mem::take(&mut self.probes) {
            let (result, eager) = match pending {
                Pending::Asked(request) => (
                    (*request)
                        .await
                        .map_err(|_| SimError::ActorGone { node, time })?,
                    false,
                ),
                Pending::Ready(result) => (result, true),
                Pending::Resolved(result) => (result, false),
                Pending::Away(ticket) => (
                    away(&mut self.transport)?
                        .reading(ticket)
                        .map_err(|e| remote(node, time, e))?,
                    false,
                ),
            };
            let reading = result.map_err(|error| SimError::Model { node, time, error })?;
            let pending = match eager {
                true => Pending::Ready(Ok(reading)),
                false => Pending::Resolved(Ok(reading)),
            };
            self.probes.push_back((node, pending));
        }
        let unsaved = |what: String| move |why| SimError::Save(format!("{what}: {why}"));
        let mut models = Vec::with_capacity(self.models.len());
        for (node, model) in self.models.iter().enumerate() {
            models.push(model.save().map_err(unsaved(format!("node {node}")))?);
        }
        let elsewhere: Vec<NodeId> = (0..self.hosts.len() as NodeId)
            .filter(|&node| matches!(self.hosts[node as usize], Hosting::Remote))
            .collect();
        let mut saved_elsewhere = Vec::new().into_iter();
        if !elsewhere.is_empty() {
            let saved = self
                .transport()?
                .save(&elsewhere)
                .map_err(|e| SimError::Save(format!("the workers hosted elsewhere: {e}")))?;
            if saved.len() != elsewhere.len() {
                return Err(SimError::Save(format!(
                    "{} workers hosted elsewhere saved of the {} asked for",
                    saved.len(),
                    elsewhere.len()
                )));
            }
            saved_elsewhere = saved.into_iter();
        }
        // Every actor is asked at once, so that the arbiter threads save their workers side by
        // side; the answers are taken in node order.
        let asked: Vec<_> = self
            .hosts
            .iter()
            .map(|host| match host {
                Hosting::Actor(addr) => Some(addr.send(SaveWorker(std::marker::PhantomData))),
                _ => None,
            })
            .collect();
        let mut workers = Vec::with_capacity(self.hosts.len());
        for ((node, host), request) in self.hosts.iter().enumerate().zip(asked) {
            let node = node as NodeId;
            let saved = match (host, request) {
                (Hosting::Actor(_), Some(request)) => request
                    .await
                    .map_err(|_| SimError::ActorGone { node, time })?
                    .map_err(|error| SimError::Model { node, time, error })?,
                (Hosting::Actor(_), None) => {
                    return Err(SimError::Internal("an actor not asked for its state"))
                }
                (Hosting::Inline(worker), _) => worker.save(),
                (Hosting::Remote, _) => saved_elsewhere
                    .next()
                    .ok_or("missing from what the transport brought back".to_string()),
            };
            workers.push(saved.map_err(unsaved(format!("the worker of node {node}")))?);
        }
        let medium = self.medium.save().map_err(unsaved("the medium".into()))?;
        let observer = self
            .observer
            .save()
            .map_err(unsaved("the observer".into()))?;
        let works = self
            .works
            .iter()
            .map(|slot| match slot {
                Some((node, Pending::Ready(Ok(done)))) => Ok(Some((*node, done))),
                None => Ok(None),
                Some(_) => Err(SimError::Internal("a work left unresolved by a save")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let probes = self
            .probes
            .iter()
            .map(|(node, pending)| match pending {
                Pending::Ready(Ok(r)) => Ok((*node, true, r)),
                Pending::Resolved(Ok(r)) => Ok((*node, false, r)),
                _ => Err(SimError::Internal("a probe left unresolved by a save")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let view = PartsView::<S, _> {
            kernel: ResumeView {
                now: self.now,
                events: self.events,
                cal: &self.cal,
                works,
                free: &self.free,
                probes,
                arrivals: self.arrivals.iter().map(Arrivals::saved).collect(),
                wake: self.wake,
                wake_version: self.wake_version,
                cues: &self.cues,
            },
            models,
            workers,
            medium,
            observer,
        };
        saver
            .keep(self.now, &mut |out| {
                super::snapshot::encode_into(&view, out)
            })
            .map_err(SimError::Save)
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
                Pending::Ready(result) | Pending::Resolved(result) => result,
                Pending::Asked(request) => {
                    self.flush(node)?;
                    (*request)
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

/// The transport of remote nodes, from the kernel's field (a node is remote only when there is
/// one).
fn away<'t, S: System>(
    transport: &'t mut Option<&mut dyn Transport<S>>,
) -> Result<&'t mut dyn Transport<S>, SimError<S::Error>> {
    match transport {
        Some(t) => Ok(&mut **t),
        None => Err(SimError::Internal("a remote node without a transport")),
    }
}
