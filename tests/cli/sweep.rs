//! `flsnn sweep`: the cross product of the grid, trials with derived seeds, one folder, and a
//! `sweep.csv` that does not depend on how many runs went in parallel.

use flsnn::sweep::{self, GridAxis, SweepError, SweepOptions, METRICS};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The quickstart, cut down to run in a fraction of a second.
const SMALL: [&str; 3] = [
    "fl.steps=160",
    "data.test_examples=20",
    "partition.examples_per_device=4",
];

fn options(out: PathBuf, grid: &[&str], trials: u64, jobs: usize) -> SweepOptions {
    SweepOptions {
        file: None,
        sets: SMALL.iter().map(|s| s.to_string()).collect(),
        grid: grid
            .iter()
            .map(|g| GridAxis::parse(g).expect("valid grid"))
            .collect(),
        trials,
        out: Some(out),
        force: false,
        resume: false,
        jobs,
        progress: false,
        command_line: vec!["test".into()],
        max_memory: u64::MAX,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sweep_csv_is_identical_whatever_the_jobs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = sweep::run(&options(tmp.path().join("one"), &["fl.tau=1,2"], 2, 1)).expect("sweep");
    let two = sweep::run(&options(tmp.path().join("two"), &["fl.tau=1,2"], 2, 2)).expect("sweep");
    let a = read(&one.dir.join("sweep.csv"));
    let b = read(&two.dir.join("sweep.csv"));
    assert_eq!(a, b, "sweep.csv differs between --jobs 1 and --jobs 2");
    // The trials really differ (different seeds), so the std is not trivially zero everywhere.
    assert!(
        one.points
            .iter()
            .any(|p| p.stat("test_nll").is_some_and(|(_, s)| s > 0.0)),
        "two trials with different seeds gave identical test NLL at every point"
    );
}

#[test]
fn folder_layout_seeds_and_means() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let grid = ["fl.tau=1,2", "snn.eta=0.01,0.02"];
    let outcome = sweep::run(&options(tmp.path().join("s"), &grid, 2, 2)).expect("sweep");
    let dir = &outcome.dir;
    assert_eq!(outcome.points.len(), 4);

    // One run folder per point and trial, each a complete run.
    let runs: Vec<String> = std::fs::read_dir(dir.join("runs"))
        .expect("runs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(runs.len(), 8, "{runs:?}");
    assert!(runs.iter().all(|r| !r.contains(".tmp-")), "{runs:?}");
    let first = dir.join("runs").join("p0-fl.tau=1-snn.eta=0.01-t0");
    let second = dir.join("runs").join("p0-fl.tau=1-snn.eta=0.01-t1");
    for f in ["manifest.json", "rounds.csv", "devices.csv", "summary.json"] {
        assert!(first.join(f).is_file(), "{f}");
    }
    // Trial t runs with the scenario seed (42 in the quickstart) + t.
    assert_eq!(json(&first.join("summary.json"))["seed"], 42);
    assert_eq!(json(&second.join("summary.json"))["seed"], 43);
    let manifest = json(&dir.join("runs/p3-fl.tau=2-snn.eta=0.02-t1/manifest.json"));
    assert_eq!(manifest["scenario"]["fl"]["tau"], 2);
    assert_eq!(manifest["scenario"]["snn"]["eta"], 0.02);

    // sweep.csv: a header and one row per point, grid order, the grid values in their columns.
    let mut reader = csv::Reader::from_path(dir.join("sweep.csv")).expect("sweep.csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        &header[..5],
        ["point", "label", "fl.tau", "snn.eta", "trials"]
    );
    assert_eq!(header.len(), 5 + 2 * METRICS.len());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[2][2], "2");
    assert_eq!(&rows[2][3], "0.01");
    assert_eq!(&rows[2][4], "2");

    // The mean and std in sweep.csv are those of the runs' own summaries.
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let acc: Vec<f64> = ["t0", "t1"]
        .iter()
        .map(|t| {
            let s = json(&dir.join(format!("runs/p0-fl.tau=1-snn.eta=0.01-{t}/summary.json")));
            s["accuracy"].as_f64().expect("accuracy")
        })
        .collect();
    let mean: f64 = rows[0][col("accuracy_mean")].parse().expect("number");
    let std: f64 = rows[0][col("accuracy_std")].parse().expect("number");
    assert!((mean - (acc[0] + acc[1]) / 2.0).abs() < 1e-12);
    assert!((std - (acc[0] - acc[1]).abs() / 2f64.sqrt()).abs() < 1e-12);

    // sweep.json: the grid, the trials, the seeds, the scenario.
    let manifest = json(&dir.join("sweep.json"));
    assert_eq!(manifest["trials"], 2);
    assert_eq!(manifest["grid"][1]["key"], "snn.eta");
    assert_eq!(manifest["points"][3]["seeds"], serde_json::json!([42, 43]));
    assert_eq!(manifest["scenario"]["name"], "quickstart");
    assert_eq!(manifest["scenario"]["fl"]["steps"], 160);
}

#[test]
fn bad_grids_and_options_are_errors() {
    for arg in [
        "fl.tau",
        "fl.tau=",
        "fl.tau=1,,2",
        "=1,2",
        "data.classes=[1,7",
    ] {
        let err = GridAxis::parse(arg).expect_err(arg);
        assert!(matches!(err, SweepError::BadGrid { .. }), "{arg}: {err}");
        assert!(err.is_input_error());
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let err = sweep::run(&options(out.clone(), &["fl.taux=1,2"], 1, 1)).expect_err("unknown key");
    assert!(err.is_input_error());
    assert!(err.to_string().contains("fl.taux"), "{err}");
    let err = sweep::run(&options(out.clone(), &["fl.tau=1,0"], 1, 1)).expect_err("tau = 0");
    assert!(
        err.to_string().contains("fl.tau=0"),
        "names the point: {err}"
    );
    let err = sweep::run(&options(out.clone(), &["fl.tau=1"], 0, 1)).expect_err("0 trials");
    assert!(err.to_string().contains("--trials"), "{err}");
    let err = sweep::run(&options(out.clone(), &["fl.tau=1", "fl.tau=2"], 1, 1)).expect_err("dup");
    assert!(err.to_string().contains("fl.tau"), "{err}");
    assert!(!out.exists(), "nothing is written when the grid is bad");
}

#[test]
fn the_command_exits_2_on_bad_grids_and_runs_a_good_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let flsnn = |extra: &[&str]| {
        let mut args = vec!["sweep"];
        for s in SMALL {
            args.extend(["--set", s]);
        }
        args.extend(extra);
        Command::new(env!("CARGO_BIN_EXE_flsnn"))
            .args(&args)
            .current_dir(tmp.path())
            .output()
            .expect("the binary runs")
    };
    let out = flsnn(&["--grid", "fl.tau"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--grid \"fl.tau\""), "{stderr}");
    let out = flsnn(&["--grid", "fl.nope=1,2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fl.nope"), "{stderr}");

    let out = flsnn(&["--grid", "fl.tau=2,4", "--trials", "1", "--out", "sw"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2 points x 1 trials"), "{stdout}");
    assert!(tmp.path().join("sw/sweep.csv").is_file());
    assert!(tmp
        .path()
        .join("sw/runs/p1-fl.tau=4-t0/summary.json")
        .is_file());
}

#[test]
fn a_point_that_cannot_be_built_stops_the_sweep_before_any_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let err = sweep::run(&options(
        out.clone(),
        &["data.path=/nonexistent-flsnn-data"],
        1,
        2,
    ))
    .expect_err("missing data");
    assert!(matches!(err, SweepError::Run { .. }), "{err}");
    assert!(err.is_input_error(), "missing data is the user's input");
    assert!(
        err.to_string().contains("p0-data.path"),
        "names the run: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Issue 8: a sweep keeps its finished runs, refuses to start again over them, and `--resume`
/// runs only what is missing, to the same `sweep.csv`.
#[test]
fn resume_skips_finished_runs_and_gives_the_same_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let grid = ["fl.tau=1,2"];
    sweep::run(&options(out.clone(), &grid, 2, 2)).expect("sweep");
    let table = read(&out.join("sweep.csv"));

    let again = sweep::run(&options(out.clone(), &grid, 2, 2)).expect_err("exists");
    assert!(matches!(again, SweepError::Destination(_)), "{again}");
    assert!(again.is_input_error());
    assert!(again.to_string().contains("--resume"), "{again}");

    // As if killed after three runs: one run and the table are missing.
    let kept = out.join("runs/p0-fl.tau=1-t0/marker");
    std::fs::write(&kept, "untouched").expect("marker");
    std::fs::remove_dir_all(out.join("runs/p1-fl.tau=2-t1")).expect("remove run");
    std::fs::remove_file(out.join("sweep.csv")).expect("remove table");

    let mut resume = options(out.clone(), &grid, 2, 2);
    resume.resume = true;
    sweep::run(&resume).expect("resumed");
    assert!(kept.is_file(), "a finished run is not run again");
    assert!(out.join("runs/p1-fl.tau=2-t1/summary.json").is_file());
    assert_eq!(
        read(&out.join("sweep.csv")),
        table,
        "same table as in one go"
    );

    // A different sweep is not resumed into this folder.
    let mut other = options(out.clone(), &["fl.tau=1,4"], 2, 2);
    other.resume = true;
    let err = sweep::run(&other).expect_err("different plan");
    assert!(err.to_string().contains("different sweep"), "{err}");
    assert!(kept.is_file());

    // --force starts again from nothing.
    let mut force = options(out.clone(), &grid, 2, 2);
    force.force = true;
    sweep::run(&force).expect("forced");
    assert!(!kept.exists(), "replaced as a whole");
    assert_eq!(read(&out.join("sweep.csv")), table);
}

#[test]
fn a_sweep_refuses_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("data.txt"), "mine").expect("write");
    for (force, resume) in [(false, false), (true, false), (false, true)] {
        let mut o = options(out.clone(), &["fl.tau=1"], 1, 1);
        o.force = force;
        o.resume = resume;
        let err = sweep::run(&o).expect_err("refused");
        assert!(matches!(err, SweepError::Destination(_)), "{err}");
    }
    let left: Vec<_> = std::fs::read_dir(&out)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["data.txt"]);
}

/// Issue 8: a run that fails does not take the finished ones with it.
#[test]
fn a_failing_run_keeps_the_runs_finished_before_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let grid = ["fl.tau=1,2"];
    sweep::run(&options(out.clone(), &grid, 1, 1)).expect("sweep");
    std::fs::remove_dir_all(out.join("runs/p0-fl.tau=1-t0")).expect("remove");
    std::fs::remove_dir_all(out.join("runs/p1-fl.tau=2-t0")).expect("remove");
    std::fs::remove_file(out.join("sweep.csv")).expect("remove");
    // A file where the second run goes: that run is refused (never overwritten).
    std::fs::write(out.join("runs/p1-fl.tau=2-t0"), "not a run").expect("plant");

    let mut resume = options(out.clone(), &grid, 1, 1);
    resume.resume = true;
    let err = sweep::run(&resume).expect_err("second run refused");
    assert!(matches!(err, SweepError::Run { .. }), "{err}");
    assert!(err.is_input_error(), "{err}");
    assert!(
        out.join("runs/p0-fl.tau=1-t0/manifest.json").is_file(),
        "the run finished before the failure is kept"
    );
    assert_eq!(
        read(&out.join("runs/p1-fl.tau=2-t0")),
        "not a run",
        "the planted file is untouched"
    );
    assert!(
        !out.join("sweep.csv").exists(),
        "no table for an unfinished sweep"
    );
}
