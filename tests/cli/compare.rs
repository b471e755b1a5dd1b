//! `flsnn compare`: hand-made run folders with a known Pareto front, a real sweep's output, and
//! folders that are neither run nor sweep.

use flsnn::compare::{self, CompareError, CompareRow};
use flsnn::report::RunSummary;
use flsnn::sweep::{self, GridAxis, SweepOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes a minimal run folder: `summary.json` and a `devices.csv` with the given airtimes.
fn run_folder(root: &Path, name: &str, accuracy: f64, bytes_up: u64, airtime: &[f64]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let summary = RunSummary {
        name: name.into(),
        seed: 1,
        devices: airtime.len(),
        rounds: 4,
        accuracy,
        tie_rate: 0.0,
        test_nll: 2.0 - accuracy,
        device_accuracy: f64::NAN,
        device_nll: f64::NAN,
        bytes_up,
        bytes_down: 10,
        uploads: [4, 4, 0, 0, 0],
        uploads_over_budget: 0,
        broadcasts: [4, 0],
        retransmissions: [0, 0],
        energy_j: [0.5, 0.25, 0.125],
        virtual_time_s: 3.5,
        wall_time_s: 0.1,
        events: 20,
        events_per_s: 200.0,
    };
    let text = serde_json::to_string_pretty(&summary).expect("json");
    std::fs::write(dir.join("summary.json"), text).expect("write");
    let mut devices = String::from("device,bytes_up,airtime_up_s\n");
    for (i, a) in airtime.iter().enumerate() {
        devices.push_str(&format!("{i},0,{a}\n"));
    }
    std::fs::write(dir.join("devices.csv"), devices).expect("write");
    dir
}

fn dominated(row: &CompareRow, rows: &[CompareRow]) -> bool {
    rows.iter().any(|q| {
        q.accuracy >= row.accuracy
            && q.bytes_up <= row.bytes_up
            && (q.accuracy > row.accuracy || q.bytes_up < row.bytes_up)
    })
}

#[test]
fn hand_made_runs_have_the_expected_front() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let dirs = vec![
        run_folder(root, "full", 0.90, 1000, &[1.0, 2.0]),
        run_folder(root, "topk", 0.88, 300, &[0.25, 0.5]),
        run_folder(root, "bad-topk", 0.80, 400, &[0.5]), // dominated by topk
        run_folder(root, "quant", 0.70, 100, &[0.125]),
        run_folder(root, "wasteful", 0.90, 1200, &[3.0]), // dominated by full
    ];
    let rows = compare::compare(&dirs).expect("compare");
    let marks: Vec<(&str, bool)> = rows.iter().map(|r| (r.label.as_str(), r.pareto)).collect();
    assert_eq!(
        marks,
        [
            ("full", true),
            ("topk", true),
            ("bad-topk", false),
            ("quant", true),
            ("wasteful", false)
        ]
    );
    assert_eq!(rows[0].airtime_up_s, 3.0, "airtime summed over devices.csv");
    assert_eq!(rows[0].energy_j, 0.875, "tx + rx + compute");
    assert_eq!(rows[0].bytes_up, 1000.0);
    assert_eq!(rows[0].virtual_time_s, 3.5);

    let table = compare::table(&rows);
    let line = |label: &str| {
        table
            .lines()
            .find(|l| {
                l.split_whitespace()
                    .nth(if l.starts_with('*') { 1 } else { 0 })
                    == Some(label)
            })
            .unwrap_or_else(|| panic!("no line for {label} in\n{table}"))
            .to_string()
    };
    assert!(line("topk").starts_with('*'), "{table}");
    assert!(!line("bad-topk").starts_with('*'), "{table}");

    let csv_path = root.join("out.csv");
    compare::write_table_csv(&csv_path, &rows).expect("csv");
    let text = std::fs::read_to_string(&csv_path).expect("read");
    assert!(
        text.starts_with("pareto,label,trials,accuracy,test_nll,bytes_up"),
        "{text}"
    );
    assert!(text.contains("*,quant,1,0.7,"), "{text}");
    assert!(text.contains("\n,wasteful,1,0.9,"), "{text}");
}

#[test]
fn a_sweep_folder_gives_one_row_per_point() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let options = SweepOptions {
        file: None,
        sets: [
            "fl.steps=160",
            "data.test_examples=20",
            "partition.examples_per_device=4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        grid: vec![GridAxis::parse("fl.tau=1,2,4").expect("grid")],
        trials: 2,
        out: Some(tmp.path().join("budgets")),
        force: false,
        resume: false,
        jobs: 2,
        progress: false,
        command_line: Vec::new(),
        max_memory: u64::MAX,
    };
    let outcome = sweep::run(&options).expect("sweep");
    // A run that is both more accurate and cheaper than anything in the sweep, and one worse.
    let best = run_folder(tmp.path(), "oracle", 1.0, 1, &[0.0]);
    let worst = run_folder(tmp.path(), "useless", 0.0, u64::MAX / 2, &[9.0]);

    let rows = compare::compare(std::slice::from_ref(&outcome.dir)).expect("compare");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].label, "budgets: fl.tau=2");
    assert_eq!(rows[1].trials, 2);
    // Fewer rounds, fewer uploads: bytes fall with tau.
    assert!(rows[0].bytes_up > rows[1].bytes_up && rows[1].bytes_up > rows[2].bytes_up);
    assert!(rows
        .iter()
        .all(|r| r.airtime_up_s > 0.0 && r.energy_j > 0.0));
    assert!(rows[2].pareto, "the cheapest point is always on the front");
    for r in &rows {
        assert_eq!(r.pareto, !dominated(r, &rows), "{r:?}");
    }

    let rows = compare::compare(&[outcome.dir.clone(), best, worst]).expect("compare");
    assert_eq!(rows.len(), 5);
    let on: Vec<&str> = rows
        .iter()
        .filter(|r| r.pareto)
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(on, ["oracle"]);
}

#[test]
fn folders_that_are_neither_are_errors_naming_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let good = run_folder(tmp.path(), "good", 0.5, 10, &[1.0]);
    let err = compare::compare(&[good.clone(), empty.clone()]).expect_err("empty folder");
    assert!(matches!(err, CompareError::NotRunOrSweep { .. }), "{err}");
    assert!(
        err.to_string().contains(&empty.display().to_string()),
        "{err}"
    );
    assert!(err.is_input_error());

    let broken = run_folder(tmp.path(), "broken", 0.5, 10, &[1.0]);
    std::fs::write(broken.join("summary.json"), "{\"accuracy\": 0.5").expect("write");
    let err = compare::compare(std::slice::from_ref(&broken)).expect_err("truncated json");
    assert!(err.to_string().contains("summary.json"), "{err}");

    let no_airtime = run_folder(tmp.path(), "no-airtime", 0.5, 10, &[1.0]);
    std::fs::write(no_airtime.join("devices.csv"), "device\n0\n").expect("write");
    let err = compare::compare(&[no_airtime]).expect_err("no airtime column");
    assert!(err.to_string().contains("airtime_up_s"), "{err}");
    assert!(err.to_string().contains("devices.csv"), "{err}");

    let bad_number = run_folder(tmp.path(), "bad-number", 0.5, 10, &[1.0]);
    std::fs::write(bad_number.join("devices.csv"), "airtime_up_s\n1\nlots\n").expect("write");
    let err = compare::compare(&[bad_number]).expect_err("not a number");
    assert!(err.to_string().contains("line 3"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(["compare"])
        .arg(&good)
        .arg(&empty)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&empty.display().to_string()), "{stderr}");
}

#[test]
fn the_command_prints_the_table_and_writes_the_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = run_folder(tmp.path(), "cheap", 0.6, 100, &[1.0]);
    let b = run_folder(tmp.path(), "dear", 0.5, 200, &[1.0]);
    let csv_path = tmp.path().join("cmp.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .arg("compare")
        .args([&a, &b])
        .arg("--csv")
        .arg(&csv_path)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("* cheap")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("  dear")), "{stdout}");
    let text = std::fs::read_to_string(&csv_path).expect("csv written");
    assert_eq!(text.lines().count(), 3, "{text}");
}
