//! Compression, federated learning on real data, and the paper's Figure 4 claims.

#[path = "../common/mod.rs"]
mod common;

mod compress;
mod compression_in_runs;
mod fig4_ordering;
mod fig4_time_scale;
mod learning;
