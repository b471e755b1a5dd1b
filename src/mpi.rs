//! MPI (rsmpi over the system's Open MPI, cargo feature `mpi`): the [`Link`] between the ranks of
//! `mpirun -np K flsnn run|sweep ...`, and what each rank does.
//!
//! `flsnn run`: rank 0 runs the simulation and writes the run folder; ranks 1.. host their share
//! of the device workers and compute the work rank 0 hands them, one batch per window
//! (`run::spread`). `flsnn sweep`: every rank runs a share of the runs; rank 0 writes
//! `sweep.csv`. Other commands run on rank 0 only.
//!
//! MPI is called from one thread of each rank (the main thread: the kernel's on rank 0, the
//! serving loop on the others), so the library is initialised `Funneled`. A rank that dies ends
//! the job: Open MPI's `mpirun` stops the other ranks (rank 0 removes its temporary folders on
//! the SIGTERM, and nothing reaches the destination before the run folder is complete) and
//! exits non-zero naming the rank.

use crate::run::spread::Link;
use mpi::environment::Universe;
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::Threading;

/// This process's end of the MPI world.
pub struct MpiLink {
    world: SimpleCommunicator,
    /// Finalises MPI when dropped.
    _universe: Universe,
}

/// Environment variables a launcher (`mpirun`, `srun`) sets on every rank it starts.
const LAUNCHED_BY: [&str; 4] = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"];

impl MpiLink {
    /// Initialises MPI when this process was started by an MPI launcher; `None` otherwise (a
    /// plain `flsnn` then runs as one process, without touching MPI).
    pub fn launched() -> Option<Result<MpiLink, String>> {
        if !LAUNCHED_BY.iter().any(|v| std::env::var_os(v).is_some()) {
            return None;
        }
        Some(match mpi::initialize_with_threading(Threading::Funneled) {
            Some((universe, _)) => Ok(MpiLink {
                world: universe.world(),
                _universe: universe,
            }),
            None => Err("MPI is already initialised".into()),
        })
    }
}

/// The first pause between two polls for a message.
const FIRST_NAP: std::time::Duration = std::time::Duration::from_micros(20);
/// The longest pause between two polls for a message (a window's answer is late by at most this).
const LONGEST_NAP: std::time::Duration = std::time::Duration::from_millis(1);

impl Link for MpiLink {
    fn rank(&self) -> u32 {
        self.world.rank() as u32
    }

    fn ranks(&self) -> u32 {
        self.world.size() as u32
    }

    fn send(&mut self, to: u32, bytes: &[u8]) -> Result<(), String> {
        // Errors abort the job (Open MPI's default handler), so there is no error to return.
        self.world.process_at_rank(to as i32).send(bytes);
        Ok(())
    }

    /// Polls for the message, sleeping between polls (from 20 us doubling up to 1 ms) rather
    /// than spinning as a blocking receive does, so a waiting rank leaves its core to the threads
    /// computing.
    fn recv(&mut self, from: u32) -> Result<Vec<u8>, String> {
        let process = self.world.process_at_rank(from as i32);
        let mut nap = FIRST_NAP;
        loop {
            if let Some(probed) = process.immediate_matched_probe() {
                let (bytes, _) = probed.matched_receive_vec::<u8>();
                return Ok(bytes);
            }
            std::thread::sleep(nap);
            nap = (nap * 2).min(LONGEST_NAP);
        }
    }
}
