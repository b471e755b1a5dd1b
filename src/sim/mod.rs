//! The simulation kernel: virtual clock, event calendar, and actix actors hosting node models'
//! work, generic over the system it simulates ([`System`]). It knows nothing of federated
//! learning: `run` wires the FL models and the channel into it.
//!
//! A node model ([`Model`]) is a plain state machine stepped on the kernel's thread in calendar
//! order; the work it asks for runs on its actor ([`Worker`]), spread over one arbiter per thread.
//! The [`Medium`] is the only path between nodes, and the [`Observer`] sees everything that
//! happens.

mod arrivals;
mod calendar;
mod host;
mod kernel;
mod model;
pub mod plain;
pub mod shared;
mod snapshot;
mod transport;

pub use calendar::Calendar;
pub use kernel::{KernelStats, Resume};
pub use model::{
    Context, Effect, Input, Medium, Model, NodeId, Observer, Outbox, Scheduled, System, Target,
    Transfer, When, Worker,
};
pub use snapshot::{decode, encode, encode_into, Bytes, Encoder, Saver};

/// A saved simulation: the kernel's own state and the saved state of every part.
pub type Snapshot<S> = snapshot::Parts<S, kernel::Resume<S>>;
pub use transport::{Measured, Outcome, Ticket, Transport, TransportError};

use actix::prelude::*;
use host::Host;

/// What can stop a simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError<E: std::fmt::Display> {
    /// A node model or its worker failed (a bug, or a corrupt message).
    #[error("node {node} at virtual time {time}: {error}")]
    Model {
        /// The node.
        node: NodeId,
        /// When.
        time: crate::time::SimTime,
        /// What went wrong.
        error: E,
    },
    /// An actor stopped before answering (a bug, or the process is shutting down).
    #[error("the actor of node {node} stopped before answering (virtual time {time})")]
    ActorGone {
        /// The node.
        node: NodeId,
        /// When.
        time: crate::time::SimTime,
    },
    /// The transport carrying a remote node's work failed (a peer process died, or a message
    /// was garbled).
    #[error("the work of node {node} could not be carried out elsewhere (virtual time {time}): {message}")]
    Remote {
        /// The node.
        node: NodeId,
        /// When.
        time: crate::time::SimTime,
        /// What went wrong.
        message: String,
    },
    /// An event fell due past the end of the virtual clock (2^64 ns, about 584 years): a delay
    /// too long for the run. Times add saturating, so a due time at the clock's end is an overflow.
    #[error(
        "the virtual clock overflows: {origin} scheduled, at virtual time {time}, an event past \
         its end (2^64 ns, about 584 years); a latency, deadline, step time or retry delay of the \
         scenario is too long"
    )]
    ClockOverflow {
        /// What scheduled the event (a node, or the medium).
        origin: String,
        /// The virtual time it was scheduled at (the last event's time).
        time: crate::time::SimTime,
    },
    /// The simulation could not be saved or taken up again.
    #[error("snapshot: {0}")]
    Save(String),
    /// An invariant of the kernel broke (a bug).
    #[error("internal simulator error: {0}")]
    Internal(&'static str),
}

/// A node: its model, and the worker its actor hosts.
pub struct Node<S: System> {
    /// The state machine.
    pub model: Box<dyn Model<S>>,
    /// The heavy state its work runs on.
    pub worker: Box<dyn Worker<S>>,
}

/// Runs a simulation of `nodes` (node `i` has id `i`) over `medium` until the calendar is empty,
/// with the nodes' actors spread over `threads` arbiters (at least one; inline workers get no
/// actor), handing the events of `timeline` to their targets when they fall due. The outcome does
/// not depend on `threads`.
pub fn run<S: System>(
    nodes: Vec<Node<S>>,
    medium: &mut dyn Medium<S>,
    observer: &mut dyn Observer<S>,
    timeline: Vec<Scheduled<S>>,
    threads: usize,
) -> Result<KernelStats, SimError<S::Error>> {
    run_saving(nodes, medium, observer, timeline, threads, None, None)
}

/// [`run`], saving the simulation whenever `saver` says so, and, with `resume`, taking it up
/// from a [`Snapshot`] (whose parts the caller has restored into `nodes`, `medium` and
/// `observer`) instead of starting it.
pub fn run_saving<'a, S: System>(
    nodes: Vec<Node<S>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    timeline: Vec<Scheduled<S>>,
    threads: usize,
    resume: Option<Resume<S>>,
    saver: Option<&'a mut dyn Saver<S>>,
) -> Result<KernelStats, SimError<S::Error>> {
    let nodes = nodes
        .into_iter()
        .map(|n| (n.model, Some(n.worker)))
        .collect();
    let extras = Extras {
        timeline,
        threads,
        transport: None,
        resume,
        saver,
    };
    run_with(nodes, medium, observer, extras)
}

/// A node whose worker is hosted here (`Some`) or elsewhere (`None`: its work goes through the
/// transport).
pub type Placed<S> = (Box<dyn Model<S>>, Option<Box<dyn Worker<S>>>);

/// [`run_saving`] with some workers hosted elsewhere: the work of a node without a worker goes
/// through `transport`, and so do the saved states of those workers: a snapshot taken here holds
/// them, and the caller taking up a snapshot hands them over with [`Transport::restore`] (as it
/// restores the other parts) before the run starts.
/// The outcome, and every snapshot, depend neither on `threads` nor on where the workers are.
#[allow(clippy::too_many_arguments)]
pub fn run_spread<'a, S: System>(
    nodes: Vec<Placed<S>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    timeline: Vec<Scheduled<S>>,
    threads: usize,
    transport: Option<&'a mut dyn Transport<S>>,
    resume: Option<Resume<S>>,
    saver: Option<&'a mut dyn Saver<S>>,
) -> Result<KernelStats, SimError<S::Error>> {
    let extras = Extras {
        timeline,
        threads,
        transport,
        resume,
        saver,
    };
    run_with(nodes, medium, observer, extras)
}

/// What a run takes besides its nodes, medium and observer.
struct Extras<'a, S: System> {
    timeline: Vec<Scheduled<S>>,
    threads: usize,
    transport: Option<&'a mut dyn Transport<S>>,
    resume: Option<Resume<S>>,
    saver: Option<&'a mut dyn Saver<S>>,
}

fn run_with<'a, S: System>(
    nodes: Vec<Placed<S>>,
    medium: &'a mut dyn Medium<S>,
    observer: &'a mut dyn Observer<S>,
    extras: Extras<'a, S>,
) -> Result<KernelStats, SimError<S::Error>> {
    let Extras {
        timeline,
        threads,
        transport,
        resume,
        saver,
    } = extras;
    let system = actix::System::new();
    system.block_on(async move {
        let arbiters: Vec<Arbiter> = (0..threads.max(1)).map(|_| Arbiter::new()).collect();
        let hosted = nodes
            .iter()
            .filter(|(_, worker)| worker.as_ref().is_some_and(|w| !w.inline()))
            .count();
        let mut models = Vec::with_capacity(nodes.len());
        let mut hosts = Vec::with_capacity(nodes.len());
        let mut actors = 0;
        for (model, worker) in nodes {
            let Some(worker) = worker else {
                hosts.push(kernel::Hosting::Remote);
                models.push(model);
                continue;
            };
            if worker.inline() {
                hosts.push(kernel::Hosting::Inline(worker));
            } else {
                let host = Host::new(worker);
                let arbiter = &arbiters[arbiter_of(actors, hosted, arbiters.len())];
                actors += 1;
                hosts.push(kernel::Hosting::Actor(Host::start_in_arbiter(
                    &arbiter.handle(),
                    move |_| host,
                )));
            }
            models.push(model);
        }
        let mut kernel =
            kernel::Kernel::new(models, hosts, medium, observer, timeline, transport, saver);
        let result = match resume {
            Some(state) => match kernel.resume(state) {
                Ok(()) => kernel.run().await,
                Err(e) => Err(e),
            },
            None => kernel.run().await,
        };
        for a in &arbiters {
            a.stop();
        }
        for a in arbiters {
            let _ = a.join();
        }
        result
    })
}

/// The arbiter of the `actor`-th of `actors` actors, over `arbiters` arbiters: contiguous runs
/// of node ids, as even as can be, not dealt in turn. Nodes often differ by the parity of their
/// id (devices alternating between two classes, say), and dealing them in turn would give each
/// thread the nodes of one kind, and one thread most of the work.
fn arbiter_of(actor: usize, actors: usize, arbiters: usize) -> usize {
    (actor * arbiters) / actors.max(1)
}

#[cfg(test)]
mod tests;
