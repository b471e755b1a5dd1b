//! Systems-only runs (`fl.systems_only = true`): devices do not train, yet the protocol, the
//! channel and the budgets behave exactly as in a training run of the same scenario. The systems
//! columns of rounds.csv and devices.csv and every line of events.jsonl must match the training
//! run's; the learning columns (spikes, accuracy, compute energy) are the only ones that differ.

use std::collections::BTreeMap;

/// Small on purpose (UCI digits), with everything that decides when and whether bytes move: two
/// device classes (late uploads past the deadline), a lossy uplink with retries, a lossy
/// downlink, a byte budget that runs out mid-run; [`SAMPLED`] adds sampled participation.
const CELL: &str = r#"
name = "systems-only"
seed = 5
[data]
source = "uci-digits"
classes = [1, 7]
test_examples = 20
[partition]
scheme = "dirichlet"
dirichlet_alpha = 0.5
examples_per_device = 3
[fl]
devices = 9
tau = 4
steps = 480
deadline = "40ms"
[[device_class]]
name = "fast"
share = 2.0
step_time = "100us"
[[device_class]]
name = "slow"
share = 1.0
step_time = "350us"
[channel.uplink]
rate = "5Mbps"
sharing = "processor-sharing"
latency = { kind = "uniform", min = "1ms", max = "6ms" }
loss = { kind = "bernoulli", p = 0.1 }
retries = 1
[channel.downlink]
rate = "20Mbps"
latency = { kind = "constant", value = "2ms" }
loss = { kind = "bernoulli", p = 0.05 }
retries = 0
[budget]
uplink_bytes = "20kB"
[eval]
every = 3
device_models = true
"#;

/// Participation sampled at random, 70% of the devices a round.
const SAMPLED: [&str; 2] = ["fl.participation=fraction", "fl.fraction=0.7"];

/// Columns that depend on learning, not on the systems.
const LEARNING: [&str; 9] = [
    "spikes",
    "synaptic_ops",
    "energy_compute_j",
    "accuracy",
    "tie_rate",
    "test_nll",
    "device_accuracy",
    "device_nll",
    "learner_bytes",
];

/// The file's rows as column -> values, without the learning columns.
fn systems_columns(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        for (name, value) in header.iter().zip(line.split(',')) {
            if !LEARNING.contains(name) {
                columns
                    .entry(name.to_string())
                    .or_default()
                    .push(value.to_string());
            }
        }
    }
    columns
}

struct Files {
    rounds: String,
    devices: String,
    events: String,
    manifest: String,
}

fn run(dir: &std::path::Path, tag: &str, sets: &[&str], threads: usize) -> Files {
    run_of(CELL, dir, tag, sets, threads)
}

fn run_of(toml: &str, dir: &std::path::Path, tag: &str, sets: &[&str], threads: usize) -> Files {
    let out = crate::common::run_toml(dir, tag, toml, sets, threads);
    let read = |f: &str| std::fs::read_to_string(out.dir.join(f)).expect("output file");
    Files {
        rounds: read("rounds.csv"),
        devices: read("devices.csv"),
        events: read("events.jsonl"),
        manifest: read("manifest.json"),
    }
}

fn column_sum(columns: &BTreeMap<String, Vec<String>>, name: &str) -> u64 {
    columns[name]
        .iter()
        .map(|v| v.parse::<u64>().expect("an integer column"))
        .sum()
}

/// Runs the scenario with `sets` twice, training and systems-only; returns the training run's
/// systems columns of rounds.csv and devices.csv once checked equal.
fn same_systems_records(
    sets: &[&str],
) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Vec<String>>) {
    same_systems_records_of(CELL, sets)
}

/// [`same_systems_records`] of the scenario `toml`.
fn same_systems_records_of(
    toml: &str,
    sets: &[&str],
) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Vec<String>>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let trained = run_of(toml, tmp.path(), "trained", sets, 2);
    let mut only = sets.to_vec();
    only.push("fl.systems_only=true");
    let systems = run_of(toml, tmp.path(), "systems", &only, 2);
    let reused = |manifest: &str| {
        let m: serde_json::Value = serde_json::from_str(manifest).expect("manifest.json");
        m["reused_examples"].as_u64().expect("reused_examples")
    };
    assert_eq!(
        reused(&trained.manifest),
        reused(&systems.manifest),
        "{sets:?}: manifest.json reused_examples"
    );
    let (rounds, devices) = (
        systems_columns(&trained.rounds),
        systems_columns(&trained.devices),
    );
    assert!(column_sum(&rounds, "bytes_up") > 0, "{sets:?}: bytes moved");
    assert_eq!(
        rounds,
        systems_columns(&systems.rounds),
        "{sets:?}: rounds.csv"
    );
    assert_eq!(
        devices,
        systems_columns(&systems.devices),
        "{sets:?}: devices.csv"
    );
    assert_eq!(trained.events, systems.events, "{sets:?}: events.jsonl");
    assert_eq!(
        (spikes(&trained.devices) > 0, spikes(&systems.devices)),
        (true, 0),
        "{sets:?}: only the training run spiked"
    );
    (rounds, devices)
}

/// Spikes of every device.
fn spikes(devices_csv: &str) -> u64 {
    let mut lines = devices_csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = header
        .iter()
        .position(|&c| c == "spikes")
        .expect("a spikes column");
    lines
        .map(|l| {
            l.split(',')
                .nth(at)
                .expect("a value")
                .parse::<u64>()
                .expect("a count")
        })
        .sum()
}

#[test]
fn full_models_move_the_same_bytes_with_and_without_training() {
    let (rounds, devices) = same_systems_records(&SAMPLED);
    for (what, column) in [
        ("runs out of budget", "uploads_over_budget"),
        ("has late uploads", "uploads_late"),
        ("has lost uploads", "uploads_lost"),
        ("misses broadcasts", "broadcasts_missed"),
    ] {
        let columns = if column == "broadcasts_missed" {
            &devices
        } else {
            &rounds
        };
        assert!(column_sum(columns, column) > 0, "the scenario {what}");
    }
    assert!(
        rounds["participants"].iter().all(|p| p != "9"),
        "participation is sampled: not all 9 devices take part in a round"
    );
}

#[test]
fn compressed_uploads_have_the_sizes_of_real_ones() {
    same_systems_records(&["compression.kind=top-k", "compression.fraction=0.3"]);
    same_systems_records(&["compression.kind=quantize", "compression.bits=3"]);
    same_systems_records(&["compression.kind=fp16"]);
    same_systems_records(&[
        "compression.kind=fixed-rate",
        "compression.aggregation=original",
    ]);
}

/// A systems-only run does not load the training images (only their labels), yet shares out the
/// same examples as a training run, which does: with quantity skew, the shard sizes (`samples`)
/// and the examples reused come from draws that follow the test set's encoding in the data
/// stream, so they match only if the stream is drawn as when the images are loaded.
#[test]
fn systems_only_runs_share_out_the_data_as_training_runs_without_loading_the_images() {
    for source in ["mnist", "uci-digits"] {
        let toml = CELL
            .replace(
                "scheme = \"dirichlet\"\ndirichlet_alpha = 0.5",
                "scheme = \"quantity-skew\"\nquantity_sigma = 1.5",
            )
            .replace("source = \"uci-digits\"", &format!("source = \"{source}\""));
        assert!(toml.contains("quantity-skew") && toml.contains(source));
        // Room for MNIST's larger uploads.
        let sets = ["fl.deadline=\"1s\"", "budget.uplink_bytes=\"10MB\""];
        let (_, devices) = same_systems_records_of(&toml, &sets);
        let sizes: std::collections::BTreeSet<&String> = devices["samples"].iter().collect();
        assert!(sizes.len() > 1, "{source}: the shard sizes vary: {sizes:?}");
    }
}

#[test]
fn non_blocking_devices_upload_the_same_way() {
    same_systems_records(&["fl.mode=non-blocking"]);
}

#[test]
fn systems_only_runs_are_identical_across_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sets = ["fl.systems_only=true"];
    let one = run(tmp.path(), "one", &sets, 1);
    for threads in [2, 3] {
        let other = run(tmp.path(), &format!("t{threads}"), &sets, threads);
        assert_eq!(one.rounds, other.rounds, "rounds.csv, {threads} threads");
        assert_eq!(one.devices, other.devices, "devices.csv, {threads} threads");
        assert_eq!(one.events, other.events, "events.jsonl, {threads} threads");
    }
    let accuracy = systems_columns(&one.rounds);
    assert!(accuracy.contains_key("bytes_down"));
    assert!(
        one.rounds.lines().skip(1).all(|l| l.contains("NaN")),
        "nothing is evaluated in a systems-only run"
    );
}
