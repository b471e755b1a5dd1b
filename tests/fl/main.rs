//! Compression, federated learning on real data, and the paper's Figure 4 claims.

#[path = "../common/mod.rs"]
mod common;

/// A fast, ideal link both ways (100 Mbit/s, 1 ms): the network is not the subject.
const IDEAL_LINKS: &str = r#"
[channel.uplink]
rate = "100Mbps"
latency = { kind = "constant", value = "1ms" }
[channel.downlink]
rate = "100Mbps"
latency = { kind = "constant", value = "1ms" }
"#;

/// `scenario` (TOML without channel tables) over [`IDEAL_LINKS`].
fn with_ideal_links(scenario: &str) -> String {
    format!("{scenario}{IDEAL_LINKS}")
}

mod aircomp;
mod compress;
mod compression_in_runs;
mod fault_models;
mod fault_runs;
mod fig4_ordering;
mod fig4_time_scale;
mod learning;
mod shared_upload;
