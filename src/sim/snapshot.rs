//! Saving a simulation between two events and taking it up again.
//!
//! At a point a [`Saver`] chooses, the kernel awaits the work its actors are computing (their
//! results become part of the snapshot, still handed back at the end of their virtual duration),
//! asks every node model, worker, the medium and the observer for its state, and encodes all of
//! it with the kernel's own state (calendar, work and probe slots, clock, counters) as one
//! compact binary value ([postcard]). A run taken up from a snapshot pops the same events in the
//! same order as one that never stopped, on any number of threads.

use super::kernel::Resume;
use super::model::System;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// Decides when the kernel saves the simulation, and keeps what it saves.
pub trait Saver<S: System> {
    /// Asked after every event: whether to save now, at virtual time `now`, the observer having
    /// come to `progress` ([`super::Observer::progress`]).
    fn due(&mut self, now: SimTime, progress: u64) -> bool;
    /// Keeps a snapshot (the bytes of a [`Snapshot`]); an error stops the run.
    fn keep(&mut self, now: SimTime, snapshot: Vec<u8>) -> Result<(), String>;
}

/// A saved simulation: the kernel's own state and the saved state of every part. The parts are
/// restored by whoever builds the nodes, the kernel's state by [`super::run_saving`].
#[derive(Deserialize)]
#[serde(bound = "")]
pub struct Snapshot<S: System> {
    /// The kernel's state.
    pub kernel: Resume<S>,
    /// Node models, by node id.
    pub models: Vec<S::Saved>,
    /// Workers, by node id.
    pub workers: Vec<S::Saved>,
    /// The medium.
    pub medium: S::Saved,
    /// The observer.
    pub observer: S::Saved,
}

/// The same fields as [`Snapshot`], borrowed where the kernel keeps them, for encoding.
#[derive(Serialize)]
#[serde(bound = "")]
pub(super) struct SnapshotView<'k, S: System> {
    pub kernel: super::kernel::ResumeView<'k, S>,
    pub models: Vec<S::Saved>,
    pub workers: Vec<S::Saved>,
    pub medium: S::Saved,
    pub observer: S::Saved,
}

impl<S: System> Snapshot<S> {
    /// Decodes the bytes a [`Saver`] was handed; an error says what does not fit.
    pub fn decode(bytes: &[u8]) -> Result<Snapshot<S>, String> {
        let (snapshot, rest) =
            postcard::take_from_bytes::<Snapshot<S>>(bytes).map_err(|e| e.to_string())?;
        if !rest.is_empty() {
            return Err(format!(
                "{} bytes left over after the snapshot (of {})",
                rest.len(),
                bytes.len()
            ));
        }
        Ok(snapshot)
    }
}
