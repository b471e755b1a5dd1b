//! `manifest.json`: what a run was (flsnn version, command line, seed, threads and the resolved
//! scenario). A run writes it as [`Manifest`]; the report reads it back as the same type.

use crate::scenario::raw::{RawFlMode, RawScenario};
use crate::scenario::{resolve, Scenario};
use serde::{Deserialize, Serialize};

/// The contents of `manifest.json`, in file order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Version of the flsnn that wrote the run.
    pub flsnn_version: String,
    /// The command line of the run (empty when run from the library).
    pub command_line: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Arbiter threads of the device actors.
    pub threads: usize,
    /// The resolved scenario in the file schema, every default explicit.
    pub scenario: RawScenario,
    /// Shard entries that repeat an example held elsewhere (by the same device or another),
    /// because the data pool ran out: 0 when the shards are disjoint.
    #[serde(default)]
    pub reused_examples: u64,
    /// The run's peak memory as estimated from the scenario before it started \[bytes\]
    /// (`flsnn validate` prints it; 0 in runs written before the estimate existed).
    #[serde(default)]
    pub memory_estimate_bytes: u64,
}

impl Manifest {
    /// The manifest of a run of `scenario` by this flsnn.
    pub fn of(scenario: &Scenario, command_line: &[String], threads: usize) -> Manifest {
        Manifest {
            flsnn_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: command_line.to_vec(),
            seed: scenario.seed,
            threads,
            scenario: resolve::to_raw(scenario),
            reused_examples: 0,
            memory_estimate_bytes: crate::scenario::memory::estimate(scenario).total,
        }
    }

    /// The scenario's name, if recorded.
    pub fn name(&self) -> Option<&str> {
        self.scenario.name.as_deref()
    }

    /// `fl.tau` [global iterations], if recorded.
    pub fn tau(&self) -> Option<u64> {
        let tau = self.scenario.fl.as_ref()?.tau?;
        u64::try_from(tau).ok()
    }

    /// `fl.mode`, if recorded.
    pub fn fl_mode(&self) -> Option<RawFlMode> {
        self.scenario.fl.as_ref()?.mode
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_equal_through_json() {
        let env = std::collections::BTreeMap::new();
        let scenario =
            crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[], &env)
                .expect("default scenario");
        let manifest = Manifest::of(&scenario, &["flsnn".into(), "run".into()], 3);
        let text = serde_json::to_string_pretty(&manifest).expect("json");
        let back: Manifest = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, manifest);
        assert_eq!(back.tau(), Some(scenario.fl.tau));
        assert_eq!(back.name(), Some(scenario.name.as_str()));
        assert_eq!(back.fl_mode(), Some(RawFlMode::Sync));
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let text = r#"{"flsnn_version": "0", "command_line": [], "seed": 1, "threads": 1,
                       "scenario": {"fl": {"tua": 8}}}"#;
        let err = serde_json::from_str::<Manifest>(text).expect_err("unknown key");
        assert!(err.to_string().contains("tua"), "{err}");
    }
}
