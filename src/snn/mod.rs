//! Probabilistic spiking neural network (SPEC sections 1, 2).
//!
//! - [`Network`]: the immutable part (configuration, raised-cosine bases, topology mask,
//!   pre- and postsynaptic lists), shared by every device.
//! - [`Params`]: the learnable parameters W, V, gamma, exchanged by federated learning.
//! - [`Learner`]: one device's learning state, sparse fast path with lazy eligibility decay.
//! - [`DenseLearner`]: the literal reference implementation of the same rule, for tests.
//! - [`evaluate`]: test accuracy (sampled outputs), teacher-forced NLL and the original measure.
//!
//! Spikes are sampled through a [`SpikeSampler`]: [`RngSampler`] draws `U < p` from a seeded RNG,
//! and any closure `FnMut(&SpikeQuery) -> bool` can inject spikes (golden tests).

mod basis;
pub(crate) mod capacity;
mod config;
mod dense;
mod eval;
mod fixed;
mod groups;
mod history;
mod lazy;
mod learner;
mod network;
mod neuron;
mod params;
mod rule;
mod sampler;
mod snapshot;
mod topology;

pub use basis::raised_cosine;
pub use config::SnnConfig;
pub use dense::DenseLearner;
pub use eval::{evaluate, evaluate_with, Evaluation, Inference, OutputMode, TestExample};
pub use learner::Learner;
pub use network::Network;
pub use neuron::{log_prob, sigmoid, target_spike, TARGET_PERIOD};
pub use params::Params;
pub use rule::{OnlineLearner, StepStats};
pub use sampler::{RngSampler, SpikeQuery, SpikeSampler};
pub use snapshot::ParamsSnapshot;
pub use topology::Topology;

/// Errors raised when building a network or adopting parameters.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SnnError {
    /// A configuration value is out of its allowed range.
    #[error("snn config: `{key}` = {value} is invalid, expected {expected}")]
    InvalidConfig {
        /// Key name in the `[snn]` section.
        key: &'static str,
        /// The offending value, printed.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A custom topology matrix has the wrong shape.
    #[error("snn topology: expected {expected_rows} rows of {expected_cols} columns, row {row} has {found}")]
    TopologyShape {
        /// Learnable neurons L.
        expected_rows: usize,
        /// All neurons N.
        expected_cols: usize,
        /// First offending row (or `expected_rows` when the row count is wrong).
        row: usize,
        /// Its length (or the row count).
        found: usize,
    },
    /// Parameter vectors do not match the network's shapes.
    #[error("snn params: `{field}` has {found} entries, expected {expected}")]
    ParamsShape {
        /// `w`, `v` or `gamma`.
        field: &'static str,
        /// Length found.
        found: usize,
        /// Length expected.
        expected: usize,
    },
}
