//! What the kernel hosts: node models, the work they hand to their actors, the medium between them
//! and the observer that records what happened.
//!
//! A node model is a plain state machine: it is handed one input and the current virtual time and
//! answers with [`Effect`]s (messages to send, timers, work). It never reads a clock, never sleeps
//! and never talks to another node except by sending a message through the [`Medium`].
//! Heavy computation (training a batch of local steps, evaluating a model) is *work*: the model
//! states its virtual duration when it asks for it, the node's actor computes it concurrently with
//! every other actor, and its result comes back to the model as an input when the calendar reaches
//! the end of that duration.

use crate::time::{SimDuration, SimTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A node's index in the kernel: its position in the node list, and its rank when events tie in
/// time.
pub type NodeId = u32;

/// The types a simulated system is made of. What can be in flight at any moment (messages,
/// timers, finished work, readings) is serde-serializable, so that a simulation can be saved
/// between two events and taken up again ([`crate::sim::Saver`]).
pub trait System: 'static {
    /// A message between nodes; it travels through the medium.
    type Msg: Clone + Send + Serialize + DeserializeOwned;
    /// A timer a node sets for itself.
    type Timer: Send + Serialize + DeserializeOwned;
    /// Work a node's actor computes.
    type Job: Send;
    /// The result of a job, handed back to the node that asked for it.
    type Done: Send + Serialize + DeserializeOwned;
    /// A measurement taken by a node's actor, handed to the observer (not to the model).
    type Probe: Send;
    /// What a probe produced.
    type Reading: Send + Serialize + DeserializeOwned;
    /// The saved state of a node model, a worker, the medium or the observer (one type for all:
    /// typically an enum), as their `save` methods make it.
    type Saved: Send + Serialize + DeserializeOwned;
    /// Something a node reports to the observer (protocol decisions, accounting).
    type Note;
    /// What the medium reports of a transmission (bytes, airtime, outcome), for the observer.
    type Report;
    /// A model's error (a bug, or a corrupt message).
    type Error: std::fmt::Display + Send + Unpin;
    /// An event of the timeline laid down before the run (a fault starting or ending), handed to
    /// a node or to the medium when it falls due.
    type Event: Serialize + DeserializeOwned;
}

/// Who a timeline event is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// A node, as an [`Input::Event`].
    Node(NodeId),
    /// The medium ([`Medium::event`]).
    Medium,
}

/// When a timeline event falls due.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum When {
    /// At a virtual time.
    At(SimTime),
    /// `delay` after a node first raises cue `cue` ([`Effect::Cue`]); never if no node does.
    Cue {
        /// The cue.
        cue: u64,
        /// How long after it.
        delay: SimDuration,
    },
}

/// One event of the timeline.
pub struct Scheduled<S: System> {
    /// When.
    pub when: When,
    /// For whom.
    pub target: Target,
    /// What.
    pub event: S::Event,
}

/// An input to a node model.
pub enum Input<S: System> {
    /// The simulation starts.
    Start,
    /// A message arrived through the medium.
    Message {
        /// The sender.
        from: NodeId,
        /// The message.
        msg: S::Msg,
    },
    /// A message for this node was lost on the way (the medium tells the receiver when it would
    /// have arrived, as a receiver that expects it learns of its loss).
    Lost {
        /// The sender.
        from: NodeId,
        /// The message.
        msg: S::Msg,
    },
    /// A timer fired.
    Timer(S::Timer),
    /// Work finished.
    Done(S::Done),
    /// An event of the timeline.
    Event(S::Event),
}

/// What a node model asks for in answer to an input.
pub enum Effect<S: System> {
    /// Send a message to other nodes through the medium.
    Send {
        /// Receivers, in the order the medium serves them.
        to: Vec<NodeId>,
        /// The message.
        msg: S::Msg,
    },
    /// Fire `timer` at `at` (not before now).
    Timer {
        /// When.
        at: SimTime,
        /// What.
        timer: S::Timer,
    },
    /// Compute `job` on the node's actor; its result comes back after `duration` of virtual time.
    Work {
        /// Virtual time the work takes.
        duration: SimDuration,
        /// The work.
        job: S::Job,
    },
    /// Compute `job` on the node's actor with no result (its order with other work is kept).
    Post(S::Job),
    /// Take a measurement on the node's actor; the reading goes to the observer, in the order
    /// probes were taken.
    Probe(S::Probe),
    /// Tell the observer something.
    Note(S::Note),
    /// Raise a cue: the timeline events waiting for it fall due (only the first time).
    Cue(u64),
}

/// What a model sees besides its input.
#[derive(Copy, Clone, Debug)]
pub struct Context {
    /// The current virtual time.
    pub now: SimTime,
    /// The node being handed the input.
    pub node: NodeId,
    /// The earliest message already on its way to this node (at or after `now`), if any: a
    /// model that computes ahead of time cuts its work there.
    pub next_arrival: Option<SimTime>,
}

/// A node's state machine.
pub trait Model<S: System> {
    /// Handles `input` and pushes its effects to `out`, in the order they happen.
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<S>,
        out: &mut Vec<Effect<S>>,
    ) -> Result<(), S::Error>;

    /// The medium's report of a transmission this node just started.
    fn sent(&mut self, _report: &S::Report) {}

    /// The simulation is over (the calendar is empty): the last effects, typically probes.
    fn end(&mut self, _ctx: Context, _out: &mut Vec<Effect<S>>) {}

    /// Its state, to be saved in a snapshot (an error says why it cannot be saved).
    fn save(&self) -> Result<S::Saved, String> {
        Err("it cannot be saved".into())
    }
}

/// What a node's actor holds: the heavy state that work runs on.
pub trait Worker<S: System>: Send + 'static {
    /// Computes a job.
    fn work(&mut self, job: S::Job) -> Result<Option<S::Done>, S::Error>;
    /// Takes a measurement.
    fn probe(&mut self, probe: S::Probe) -> Result<S::Reading, S::Error>;
    /// Whether its work is so cheap that the kernel does it on its own thread, at once, rather
    /// than on an actor (no actor is started for it). Jobs and probes still run in the order
    /// they are asked for, and results still come back at the end of their virtual duration.
    fn inline(&self) -> bool {
        false
    }

    /// Its state after every job asked of it so far, to be saved in a snapshot (an error says
    /// why it cannot be saved).
    fn save(&self) -> Result<S::Saved, String> {
        Err("it cannot be saved".into())
    }
}

/// One copy of a message scheduled by the medium.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Transfer<S: System> {
    /// When it reaches the receiver (or the receiver learns of its loss).
    pub at: SimTime,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// When the sender sent it.
    pub sent: SimTime,
    /// Whether it arrives.
    pub delivered: bool,
    /// The message.
    pub msg: S::Msg,
}

/// Where the medium puts what it sends: each copy is scheduled and each report passed on as it
/// is handed over (a broadcast to a million devices is never held in a list).
pub trait Outbox<S: System> {
    /// Schedules a copy.
    fn transfer(&mut self, transfer: Transfer<S>);

    /// Passes a report on: to the sender's model (for a message it sent) and the observer.
    fn report(&mut self, report: S::Report);
}

/// The only path between nodes: it decides when, and whether, each message arrives.
pub trait Medium<S: System> {
    /// `from` sends `msg` to `to` at `now`: its copies go to `out` (now, or after a later
    /// [`Medium::wake`]), with a report of each transmission.
    fn send(
        &mut self,
        now: SimTime,
        from: NodeId,
        to: &[NodeId],
        msg: S::Msg,
        out: &mut dyn Outbox<S>,
    ) -> Result<(), S::Error>;

    /// When the medium next needs to be woken (a shared resource frees up), if ever.
    fn next_wake(&self) -> Option<SimTime> {
        None
    }

    /// Wakes the medium at `now`: the copies it can now schedule go to `out`.
    fn wake(&mut self, _now: SimTime, _out: &mut dyn Outbox<S>) {}

    /// A timeline event for the medium falls due at `now`: the copies it schedules and what it
    /// reports go to `out` (its reports to the observer only).
    fn event(&mut self, _now: SimTime, _event: S::Event, _out: &mut dyn Outbox<S>) {}

    /// A copy reaches its receiver at `now`: the medium's last word on whether it arrives (a
    /// path that broke while it was on its way); what it reports goes to `reports`.
    fn arrive(
        &mut self,
        _now: SimTime,
        _transfer: &mut Transfer<S>,
        _reports: &mut Vec<S::Report>,
    ) {
    }

    /// Its state, to be saved in a snapshot (an error says why it cannot be saved).
    fn save(&self) -> Result<S::Saved, String> {
        Err("it cannot be saved".into())
    }
}

/// Sees everything that happens, in calendar order.
pub trait Observer<S: System> {
    /// A node's note.
    fn note(&mut self, now: SimTime, node: NodeId, note: S::Note);
    /// The medium's report of a transmission.
    fn report(&mut self, now: SimTime, report: S::Report);
    /// A copy reached its receiver (`delivered`) or was lost, before the receiver handles it.
    fn arrival(&mut self, now: SimTime, transfer: &Transfer<S>);
    /// A probe's reading, in the order the probes were taken.
    fn reading(&mut self, node: NodeId, reading: S::Reading);

    /// A timeline event falls due, before its target handles it.
    fn event(&mut self, _now: SimTime, _target: Target, _event: &S::Event) {}

    /// How far the system has come (e.g. rounds completed), for [`crate::sim::Saver::due`].
    fn progress(&self) -> u64 {
        0
    }

    /// What it has recorded so far, to be saved in a snapshot (an error says why it cannot be
    /// saved). It may flush what it wrote, so that the saved state matches its outputs.
    fn save(&mut self) -> Result<S::Saved, String> {
        Err("it cannot be saved".into())
    }
}
