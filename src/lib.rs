//! flsnn: federated learning of probabilistic spiking neural networks (FL-SNN) over simulated
//! wireless edge networks.
//!
//! Module map (arrows point down only):
//!
//! ```text
//! cli        (src/main.rs, src/cli.rs) commands: run, validate, train, sweep, compare, report
//! sweep      grid x trials of a scenario, run in parallel; compare: folders side by side
//! run        assembly: a validated scenario -> FL node models, channel -> kernel -> run folder;
//!            the recorder; central training
//! scenario   typed schema, strict loading + layering (no coercion), validation
//! report     records, output folders (checked, locked destinations), metric sinks (csv, json,
//!            jsonl), summary, plots, report.html
//! sim        the kernel: virtual clock, calendar, actors hosting node work; generic, no FL
//! fl         Device and BaseStation state machines (every protocol rule), compression,
//!            scheduling
//! net        the channel: latency, rate, shared uplink, loss + ARQ, availability, energy; a radio
//!            cell (placement, path loss, fading, link budget, SNR -> rate and packet errors)
//! snn        probabilistic GLM spiking network, online learning rule, evaluation
//! data       IDX, AEDAT (MNIST-DVS), N-MNIST readers; spike encoders; partitions
//! rng, time  per-(node, purpose) random streams; integer-nanosecond virtual time
//! slab       slots for values that come and go (calendar events, uplink flows)
//! mpi        (feature `mpi`) the link between the ranks of `mpirun -np K flsnn run|sweep`
//! ```
//!
//! Data flows from `data` (spike trains per device) into `snn` (one network per device). The
//! devices' and base station's protocols (`fl`) exchange parameters as messages through the
//! channel (`net`); the kernel (`sim`) steps them on a virtual clock and runs their work on actors;
//! `run` wires them together and records what happened.

pub mod cli;
pub mod compare;
pub mod data;
pub mod fl;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod net;
pub mod prefetch;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod slab;
pub mod snn;
pub mod sweep;
pub mod time;
