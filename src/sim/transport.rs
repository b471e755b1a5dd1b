//! Work of nodes hosted elsewhere (another process, another machine): the kernel hands it to a
//! [`Transport`] instead of an actor.
//!
//! The determinism argument is the actors' one: a job's virtual duration is known when it is
//! asked for, so the kernel hands the job over at once and asks for its result only when the
//! calendar reaches its end. A transport is free to batch what it is handed and to compute it
//! anywhere, as long as each node's jobs and probes run in the order they were handed over.
//!
//! Snapshots ([`super::Saver`]) reach the workers elsewhere through the transport too: the
//! kernel asks for their saved state ([`Transport::save`]) after every job handed over before,
//! and a run taken up from a snapshot hands them theirs ([`Transport::restore`]) before any
//! work, so a snapshot is the same whichever workers are hosted where.

use super::model::{NodeId, System};

/// A handle on a job's result or a probe's reading, in the order they were handed over.
pub type Ticket = u64;

/// A job's result, or the error of the node's worker.
pub type Outcome<S> = Result<Option<<S as System>::Done>, <S as System>::Error>;
/// A probe's reading, or the error of the node's worker.
pub type Measured<S> = Result<<S as System>::Reading, <S as System>::Error>;

/// The transport itself failed (a peer died, a message was garbled): the run cannot go on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Carries the work of remote nodes and brings back its results.
pub trait Transport<S: System> {
    /// Hands `job` of `node` over; its result is asked for with [`Transport::done`].
    fn work(&mut self, node: NodeId, job: S::Job) -> Result<Ticket, TransportError>;
    /// Hands `job` of `node` over; nobody asks for its result (a failure comes back with the
    /// node's next answer).
    fn post(&mut self, node: NodeId, job: S::Job) -> Result<(), TransportError>;
    /// Hands `probe` of `node` over; its reading is asked for with [`Transport::reading`].
    fn probe(&mut self, node: NodeId, probe: S::Probe) -> Result<Ticket, TransportError>;
    /// The result of the job of `ticket` (waits for it).
    fn done(&mut self, ticket: Ticket) -> Result<Outcome<S>, TransportError>;
    /// The reading of the probe of `ticket` (waits for it).
    fn reading(&mut self, ticket: Ticket) -> Result<Measured<S>, TransportError>;
    /// The saved state of the worker of each of `nodes` (for a snapshot), in that order, each
    /// taken after every job and probe handed over for it before (waits for them).
    fn save(&mut self, nodes: &[NodeId]) -> Result<Vec<S::Saved>, TransportError>;
    /// Hands the worker of each node its saved state (a run taken up from a snapshot), before
    /// any of its work, and waits until every one has taken it.
    fn restore(&mut self, saved: Vec<(NodeId, S::Saved)>) -> Result<(), TransportError>;
    /// The kernel is about to wait for a local actor: start computing what was handed over.
    fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}
