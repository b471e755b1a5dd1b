//! Same scenario and seed give byte-identical rounds.csv and devices.csv, whatever the number of
//! arbiter threads; another seed gives other results.

use flsnn::experiment::{self, RunOptions};
use flsnn::scenario;
use std::path::Path;

fn run_files(sets: &[&str], threads: usize, dir: &Path) -> (String, String) {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::load(Some(Path::new("scenarios/quickstart.toml")), &sets)
        .expect("quickstart scenario loads");
    let opts = RunOptions {
        out: Some(dir.to_path_buf()),
        threads,
        events: true,
        progress: false,
        command_line: vec![],
    };
    let outcome = experiment::run(&sc, &opts).expect("run succeeds");
    let read = |f: &str| std::fs::read_to_string(outcome.dir.join(f)).expect("output file");
    assert!(outcome.dir.join("manifest.json").exists());
    assert!(outcome.dir.join("summary.json").exists());
    assert!(!read("events.jsonl").is_empty());
    (read("rounds.csv"), read("devices.csv"))
}

#[test]
fn identical_across_threads_and_runs_and_seed_sensitive() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A lossy, jittery channel so that every random stream is exercised.
    let sets = [
        "channel.uplink.loss.kind=bernoulli",
        "channel.uplink.loss.p=0.2",
        "channel.uplink.latency.kind=uniform",
        "channel.uplink.latency.min=1ms",
        "channel.uplink.latency.max=30ms",
        "channel.uplink.sharing=processor-sharing",
    ];
    let one = run_files(&sets, 1, &tmp.path().join("a"));
    let three = run_files(&sets, 3, &tmp.path().join("b"));
    let again = run_files(&sets, 2, &tmp.path().join("c"));
    assert_eq!(one, three, "1 vs 3 arbiters");
    assert_eq!(one, again, "two runs");
    let mut other = sets.to_vec();
    other.push("seed=999");
    let reseeded = run_files(&other, 2, &tmp.path().join("d"));
    assert_ne!(one.0, reseeded.0, "another seed changes rounds.csv");
}
