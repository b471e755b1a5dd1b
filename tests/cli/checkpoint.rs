//! Checkpoint and resume through the binary (issue 9): a real `flsnn run` killed with SIGKILL
//! while a batch is computing or halfway through writing a checkpoint, then `--resume`d, ends with
//! the same files as a run that never stopped, whatever `--threads` on either side; a checkpoint
//! of another scenario, a damaged or a truncated one is refused (exit 2, no panic). A run with a
//! fault timeline (pending events and cues, faults in force, their random streams) resumes the
//! same way.

use crate::{flsnn, stderr};
use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The quickstart cut down to 16 short rounds, with top-k compression and error feedback (a
/// residual per device to carry over) and every message event recorded.
const SCENARIO: [&str; 13] = [
    "--set",
    "fl.steps=160",
    "--set",
    "data.test_examples=20",
    "--set",
    "partition.examples_per_device=4",
    "--set",
    "fl.tau=10",
    "--set",
    "compression.kind=top-k",
    "--set",
    "compression.fraction=0.1",
    "--events",
];
const ERROR_FEEDBACK: [&str; 2] = ["--set", "compression.error_feedback=true"];

fn run_args<'a>(out: &'a str, threads: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "--out", out, "--threads", threads];
    args.extend(SCENARIO);
    args.extend(ERROR_FEEDBACK);
    args.extend(extra);
    args
}

/// Starts a checkpointed run that stops where `stall` says, waits until it has, and kills it
/// with SIGKILL.
fn kill_at(cwd: &Path, out: &str, threads: &str, stall: &str) {
    let args = run_args(out, threads, &["--checkpoint-every", "2"]);
    kill_run_at(cwd, &args, out, stall);
}

/// Starts `flsnn args` (a checkpointed run into `out`), waits until it has stopped where
/// `stall` says, and kills it with SIGKILL.
fn kill_run_at(cwd: &Path, args: &[&str], out: &str, stall: &str) {
    let log = cwd.join(format!("{out}.stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(args)
        .env("FLSNNTEST_STALL", stall)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(File::create(&log).expect("log"))
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    loop {
        let mut text = String::new();
        File::open(&log)
            .and_then(|mut f| f.read_to_string(&mut text))
            .expect("read log");
        if text.contains("test stall") {
            break;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the run ended ({status}) before stalling at {stall}: {text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no stall at {stall}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(
        !cwd.join(out).exists(),
        "a killed run must not look finished"
    );
}

/// Parses a JSON file and drops the fields that may differ between two runs of the same
/// scenario: wall-clock figures, and the command line and threads of the manifest.
fn json_without_run_fields(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&fs::read(path).expect("read")).expect("json");
    if let Some(o) = v.as_object_mut() {
        for key in ["wall_time_s", "events_per_s", "command_line", "threads"] {
            o.remove(key);
        }
    }
    v
}

/// Every file of two run folders is the same (byte for byte but for the fields above).
fn same_outputs(a: &Path, b: &Path) {
    let names = |d: &Path| {
        let mut n: Vec<String> = fs::read_dir(d)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(a), names(b), "{} vs {}", a.display(), b.display());
    for name in names(a) {
        let (x, y) = (a.join(&name), b.join(&name));
        if name.ends_with(".json") {
            assert_eq!(
                json_without_run_fields(&x),
                json_without_run_fields(&y),
                "{name}"
            );
        } else {
            assert!(
                fs::read(&x).unwrap() == fs::read(&y).unwrap(),
                "{name} differs"
            );
        }
    }
}

#[test]
fn a_killed_run_resumed_ends_as_if_never_stopped_on_any_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cwd = tmp.path();
    let reference = flsnn(&run_args("reference", "1", &[]), cwd);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let names = fs::read_dir(cwd.join("reference"))
        .expect("run folder")
        .count();
    assert!(names >= 5, "rounds, devices, events, summary, manifest");
    // (where it is killed, threads before, threads after)
    let cases = [
        ("event:150", "1", "2"),
        ("event:60", "2", "1"),
        ("checkpoint:2", "2", "2"),
        ("checkpoint:3", "1", "2"),
    ];
    for (i, (stall, before, after)) in cases.into_iter().enumerate() {
        let out = format!("killed-{i}");
        kill_at(cwd, &out, before, stall);
        let left = cwd.join(format!(".flsnn/{out}.run/checkpoint.bin"));
        assert!(left.exists(), "{stall}: a checkpoint to resume from");
        let resumed = flsnn(
            &["run", "--resume", &out, "--threads", after]
                .into_iter()
                .chain(SCENARIO)
                .chain(ERROR_FEEDBACK)
                .collect::<Vec<_>>(),
            cwd,
        );
        assert!(resumed.status.success(), "{stall}: {}", stderr(&resumed));
        same_outputs(&cwd.join("reference"), &cwd.join(&out));
        assert!(
            !cwd.join(format!(".flsnn/{out}.run")).exists(),
            "the finished run leaves no checkpoint behind"
        );
    }
}

#[test]
fn a_checkpoint_of_another_scenario_or_damaged_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cwd = tmp.path();
    kill_at(cwd, "run", "2", "event:150");
    let file = cwd.join(".flsnn/run.run/checkpoint.bin");
    let good = fs::read(&file).expect("checkpoint");
    let resume = |extra: &[&str]| {
        let mut args = vec!["run", "--resume", "run"];
        args.extend(SCENARIO);
        args.extend(extra);
        flsnn(&args, cwd)
    };
    let refused = |out: std::process::Output, fragment: &str| {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    // Another seed makes it another scenario.
    refused(
        resume(&["--set", "seed=7", ERROR_FEEDBACK[0], ERROR_FEEDBACK[1]]),
        "another scenario",
    );
    // The real file decodes, its snapshot too, and it encodes back to the same bytes.
    let (meta, snapshot) = flsnn::run::checkpoint::decode(&good).expect("a real checkpoint");
    flsnn::sim::Snapshot::<flsnn::run::Fl>::decode(&snapshot).expect("its snapshot decodes");
    let again = flsnn::run::checkpoint::encode(&meta, &snapshot).expect("encodes");
    assert!(
        again == good,
        "a real checkpoint encodes back to its own bytes"
    );
    // Damaged, truncated or of another format: refused, naming the file and the offset.
    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    fs::write(&file, &damaged).expect("write");
    refused(
        resume(&ERROR_FEEDBACK),
        "checkpoint.bin: corrupt: the block at offset ",
    );
    refused(resume(&ERROR_FEEDBACK), "fails its checksum");
    fs::write(&file, &good[..good.len() - 100]).expect("write");
    refused(resume(&ERROR_FEEDBACK), "checkpoint.bin: truncated");
    refused(resume(&ERROR_FEEDBACK), "inside the block at offset");
    let mut old = good.clone();
    old[8..12].copy_from_slice(&1u32.to_le_bytes());
    fs::write(&file, &old).expect("write");
    refused(resume(&ERROR_FEEDBACK), "checkpoint format 1 (at offset 8)");
    fs::write(&file, b"not a checkpoint").expect("write");
    refused(resume(&ERROR_FEEDBACK), "not an flsnn checkpoint");
    // Put back whole, it is taken up.
    fs::write(&file, &good).expect("write");
    let out = resume(&ERROR_FEEDBACK);
    assert!(out.status.success(), "{}", stderr(&out));
    // Finished, or never started, there is nothing to resume; the refusal names the flag given.
    let again = resume(&ERROR_FEEDBACK);
    assert!(!stderr(&again).contains("--out"), "{}", stderr(&again));
    refused(again, "--resume: run: holds an earlier flsnn run");
    let mut args = vec!["run", "--resume", "never"];
    args.extend(SCENARIO);
    let never = flsnn(&args, cwd);
    assert!(!stderr(&never).contains("--out"), "{}", stderr(&never));
    refused(
        never,
        "--resume: never: has no interrupted checkpointed run",
    );
    assert!(!cwd.join("never").exists());
    // A new checkpointed run over an interrupted one is refused without --force.
    kill_at(cwd, "again", "1", "event:150");
    let mut args = run_args("again", "1", &["--checkpoint-every", "2"]);
    let out = flsnn(&args, cwd);
    refused(out, "--resume to finish it");
    args.push("--force");
    let out = flsnn(&args, cwd);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Runs `scenario` (a file in scenarios/, with `extra` arguments) whole, then, for each
/// (stall, threads before, threads after), kills a checkpointed run of it there, resumes it and
/// compares every output file with the whole run's.
fn resumed_runs_match(scenario: &str, extra: &[&str], cases: &[(&str, &str, &str)]) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cwd = tmp.path();
    let scenario = format!("{}/scenarios/{scenario}", env!("CARGO_MANIFEST_DIR"));
    let args = |out: &str, threads: &str, more: &[&str]| -> Vec<String> {
        let mut a = vec!["run", &scenario, "--out", out, "--threads", threads];
        a.extend(extra);
        a.extend(more);
        a.into_iter().map(String::from).collect()
    };
    let reference = flsnn(&strs(&args("reference", "2", &[])), cwd);
    assert!(reference.status.success(), "{}", stderr(&reference));
    for (i, &(stall, before, after)) in cases.iter().enumerate() {
        let out = format!("killed-{i}");
        let run = args(&out, before, &["--checkpoint-every", "2"]);
        kill_run_at(cwd, &strs(&run), &out, stall);
        assert!(
            cwd.join(format!(".flsnn/{out}.run/checkpoint.bin"))
                .exists(),
            "{stall}: a checkpoint to resume from"
        );
        let mut resume = vec!["run", &scenario, "--resume", &out, "--threads", after];
        resume.extend(extra);
        let resumed = flsnn(&resume, cwd);
        assert!(resumed.status.success(), "{stall}: {}", stderr(&resumed));
        same_outputs(&cwd.join("reference"), &cwd.join(&out));
    }
    let events = fs::read_to_string(cwd.join("reference/events.jsonl")).unwrap_or_default();
    assert!(!events.is_empty(), "every message event recorded");
}

/// The fault timeline's scenario (a crash, a pause from round 3 to 6 on round cues, a base
/// station outage whose round logic waits, a partition, corruption drawn from its own streams,
/// a slowdown from round 12), killed before the crash (2 s), while it is in force with the
/// pause's cues pending, around the outage (3.3 s), and halfway through writing a checkpoint.
#[test]
fn a_killed_run_with_faults_resumed_ends_as_if_never_stopped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = flsnn(
        &[
            "run",
            &format!("{}/scenarios/faults.toml", env!("CARGO_MANIFEST_DIR")),
            "--out",
            "whole",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let events = fs::read_to_string(tmp.path().join("whole/events.jsonl")).expect("events");
    assert!(
        events.contains("fault-start") && events.contains("fault-end"),
        "the faults are part of the run"
    );
    resumed_runs_match(
        "faults.toml",
        &[],
        &[
            ("event:150", "2", "1"),
            ("event:260", "1", "2"),
            ("event:500", "2", "2"),
            ("checkpoint:3", "2", "1"),
        ],
    );
}

/// Over-the-air aggregation (the receiver's noise stream) with devices on random-waypoint
/// walks (their current legs).
#[test]
fn a_killed_run_over_the_air_with_moving_devices_resumed_ends_as_if_never_stopped() {
    resumed_runs_match(
        "aircomp.toml",
        &[
            "--set",
            "cell.mobility=\"random-waypoint\"",
            "--set",
            "cell.min_speed=\"10m/s\"",
            "--set",
            "cell.max_speed=\"30m/s\"",
            "--events",
        ],
        &[
            ("event:300", "2", "1"),
            ("event:900", "1", "2"),
            ("checkpoint:2", "2", "2"),
        ],
    );
}

/// Rate coding drawn per spike: rounds of 12 steps end inside examples of 80, so each saved
/// device holds its channels' next spike steps, which the resumed walk takes up.
#[test]
fn a_killed_run_drawing_rate_code_per_spike_resumed_ends_as_if_never_stopped() {
    resumed_runs_match(
        "quickstart.toml",
        &[
            "--set",
            "data.rate_draws=\"per-spike\"",
            "--set",
            "fl.tau=12",
            "--set",
            "fl.steps=240",
            "--set",
            "partition.examples_per_device=4",
            "--set",
            "data.test_examples=20",
            "--events",
        ],
        &[
            ("event:40", "2", "1"),
            ("event:90", "1", "2"),
            ("checkpoint:3", "2", "2"),
        ],
    );
}
