//! Helpers shared by the simulator's integration tests.

use flsnn::run::{self, RunOptions, RunOutcome};
use flsnn::scenario;
use std::path::Path;

/// Column `name` of a CSV, as numbers (NaN where a cell is not one).
#[allow(dead_code)]
pub fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("column {name}"));
    lines
        .map(|l| {
            l.split(',')
                .nth(i)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// Writes `toml` to a scenario file in `dir`, loads it with `sets`, runs it with `threads`
/// arbiters and writes the run folder `dir/run-<tag>`.
#[allow(dead_code)]
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
        ..RunOptions::default()
    };
    run::run(&sc, &opts).expect("run succeeds")
}

/// Every file of a run folder (by name), with the fields that legitimately differ between two
/// runs of the same scenario removed: the wall-clock figures of `summary.json` and the threads and
/// command line of `manifest.json`.
#[allow(dead_code)]
pub fn run_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("run folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut bytes = std::fs::read(&path).expect("file");
        let drop: &[&str] = match name.as_str() {
            "summary.json" => &["wall_time_s", "events_per_s"],
            "manifest.json" => &["threads", "command_line"],
            _ => &[],
        };
        if !drop.is_empty() {
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            let map = v.as_object_mut().expect("an object");
            for key in drop {
                assert!(map.remove(*key).is_some(), "{name} has {key}");
            }
            bytes = serde_json::to_vec_pretty(&v).expect("json");
        }
        files.insert(name, bytes);
    }
    files
}

/// A lossy, heterogeneous scenario with every output (curves, device models, events).
#[allow(dead_code)]
pub const LOSSY: &str = r#"
name = "determinism"
seed = 21
[data]
classes = [1, 7]
test_examples = 40
[partition]
scheme = "dirichlet"
dirichlet_alpha = 0.5
examples_per_device = 6
[fl]
devices = 6
tau = 40
deadline = "400ms"
[[device_class]]
name = "fast"
share = 2.0
step_time = "100us"
[[device_class]]
name = "slow"
share = 1.0
step_time = "1ms"
[channel.uplink]
rate = "20Mbps"
sharing = "processor-sharing"
latency = { kind = "uniform", min = "1ms", max = "30ms" }
loss = { kind = "gilbert-elliott", mean_loss = 0.05, mean_burst = 3.0 }
retries = 1
[channel.downlink]
rate = "50Mbps"
latency = { kind = "lognormal", median = "5ms", sigma = 0.5 }
loss = { kind = "bernoulli", p = 0.01 }
[eval]
every = 2
device_models = true
local_every_steps = 60
"#;
