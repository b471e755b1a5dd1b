//! Helpers shared by the simulator's integration tests.

use flsnn::run::{self, RunOptions, RunOutcome};
use flsnn::scenario;
use std::path::Path;

/// Writes `toml` to a scenario file in `dir`, loads it with `sets`, runs it with `threads`
/// arbiters and writes the run folder `dir/run-<tag>`.
pub fn run_toml(dir: &Path, tag: &str, toml: &str, sets: &[&str], threads: usize) -> RunOutcome {
    let file = dir.join(format!("{tag}.toml"));
    std::fs::write(&file, toml).expect("write scenario");
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::load(Some(&file), &sets).expect("scenario loads");
    let opts = RunOptions {
        out: Some(dir.join(format!("run-{tag}"))),
        force: true,
        threads,
        events: true,
        progress: false,
        command_line: vec![],
        max_memory: u64::MAX,
        checkpoint_every: None,
        resume: false,
    };
    run::run(&sc, &opts).expect("run succeeds")
}
