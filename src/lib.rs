//! flsnn: federated learning of probabilistic spiking neural networks (FL-SNN) over simulated
//! wireless edge networks.
//!
//! Module map (arrows point down only):
//!
//! ```text
//! cli        (src/main.rs, src/cli.rs) commands: run, validate, train, sweep, compare, report
//! sweep      grid x trials of a scenario, run in parallel; compare: folders side by side
//! experiment a validated scenario -> ready objects -> simulation -> run folder; train: one SNN
//! scenario   typed schema, strict loading + layering (no coercion), validation
//! report     output folders (checked, locked destinations), metric sinks (csv, json, jsonl),
//!            summary, plots, report.html
//! sim        virtual clock, event calendar, RNG streams, actix actors hosting the nodes
//! fl         device protocol logic, aggregation weights, upload compression
//! net        channel: latency, rate, shared uplink, loss + ARQ, availability, energy
//! snn        probabilistic GLM spiking network, online learning rule, evaluation
//! data       IDX, AEDAT (MNIST-DVS), N-MNIST readers; spike encoders; partitions
//! ```
//!
//! Data flows from `data` (spike trains per device) into `snn` (one network per device), whose
//! parameters `fl` exchanges through `net` on the virtual clock of `sim`.

pub mod cli;
pub mod compare;
pub mod data;
pub mod experiment;
pub mod fl;
pub mod net;
pub mod prepare;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod snn;
pub mod sweep;
pub mod time;
pub mod train;
