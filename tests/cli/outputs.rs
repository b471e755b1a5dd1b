//! Outputs never destroy anything (issue 8), through the binary: what `--out` refuses (exit 2, the
//! path and its contents untouched), what `--force` replaces, the lock, the cleanup of temporary
//! folders after an error, a signal or a killed run, and `report` never writing through a link.

use crate::{flsnn, stderr};
use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The quickstart cut down to run in a fraction of a second.
const SMALL: [&str; 6] = [
    "--set",
    "fl.steps=160",
    "--set",
    "data.test_examples=20",
    "--set",
    "partition.examples_per_device=4",
];

fn run_small(out: &str, extra: &[&str], cwd: &Path) -> Output {
    let mut args = vec!["run", "--out", out];
    args.extend(SMALL);
    args.extend(extra);
    flsnn(&args, cwd)
}

fn refused(out: &Output, fragment: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Everything in `dir` except flsnn's hidden bookkeeping folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_folder_flsnn_did_not_write_is_refused_even_with_force() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).expect("mkdir");
    fs::write(mine.join("thesis.tex"), "precious").expect("write");
    for extra in [&[][..], &["--force"][..]] {
        refused(
            &run_small("mine", extra, tmp.path()),
            "is not an earlier flsnn run",
        );
        assert_eq!(listing(&mine), ["thesis.tex"]);
        assert_eq!(
            fs::read_to_string(mine.join("thesis.tex")).expect("kept"),
            "precious"
        );
    }
    assert_eq!(listing(tmp.path()), ["mine"], "nothing else written");
}

#[test]
fn files_devices_links_and_dot_are_refused_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("notes.txt"), "keep me").expect("write");
    refused(
        &run_small("notes.txt", &["--force"], tmp.path()),
        "is not a folder",
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("notes.txt")).expect("kept"),
        "keep me"
    );

    refused(
        &run_small("/dev/null", &["--force"], tmp.path()),
        "is not a folder",
    );
    assert!(Path::new("/dev/null").exists(), "/dev/null is still there");

    std::os::unix::fs::symlink("nowhere", tmp.path().join("dangling")).expect("symlink");
    refused(
        &run_small("dangling", &["--force"], tmp.path()),
        "symbolic link",
    );
    assert!(fs::symlink_metadata(tmp.path().join("dangling")).is_ok_and(|m| m.is_symlink()));
    assert!(!tmp.path().join("nowhere").exists(), "not followed");

    refused(
        &run_small("notes.txt/inside", &[], tmp.path()),
        "Not a directory",
    );
    for dot in [".", "..", "/"] {
        refused(&run_small(dot, &[], tmp.path()), "plain name");
    }
    assert_eq!(listing(tmp.path()), ["dangling", "notes.txt"]);
}

#[test]
fn the_destination_is_checked_before_anything_runs() {
    // The data folder does not exist either: the destination is what the run reports, so it was
    // checked before the data were read and long before the simulation.
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("taken"), "").expect("write");
    let out = run_small(
        "taken",
        &["--set", "data.path=/nonexistent-flsnn-data"],
        tmp.path(),
    );
    refused(&out, "--out taken");
    assert!(!stderr(&out).contains("nonexistent-flsnn-data"));
}

#[test]
fn an_earlier_run_is_replaced_only_with_force() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let first = run_small("r", &[], tmp.path());
    assert!(first.status.success(), "{}", stderr(&first));
    let marker = tmp.path().join("r/marker");
    fs::write(&marker, "from before").expect("write");

    refused(&run_small("r", &[], tmp.path()), "pass --force");
    assert!(
        marker.exists(),
        "the earlier run is untouched without --force"
    );

    let forced = run_small("r", &["--force", "--set", "seed=2"], tmp.path());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!marker.exists(), "replaced as a whole");
    let manifest = fs::read_to_string(tmp.path().join("r/manifest.json")).expect("manifest");
    assert!(manifest.contains("\"seed\": 2"), "{manifest}");
    assert_eq!(listing(tmp.path()), ["r"], "no .flsnn, .tmp or .old left");
}

#[test]
fn a_second_run_to_a_locked_folder_fails_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join(".flsnn");
    fs::create_dir(&work).expect("mkdir");
    // This test process plays the first run: it holds the lock of `r`.
    let lock = File::create(work.join("r.lock")).expect("lock file");
    lock.try_lock().expect("lock");
    refused(
        &run_small("r", &[], tmp.path()),
        "another flsnn process is writing here",
    );
    assert!(!tmp.path().join("r").exists());
    drop(lock);
}

#[test]
fn leftovers_of_a_killed_run_never_block_and_are_not_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join(".flsnn");
    for left in ["r.tmp-999999", "r.old-999999"] {
        fs::create_dir_all(work.join(left)).expect("mkdir");
        fs::write(work.join(left).join("rounds.csv"), "half").expect("write");
    }
    fs::write(work.join("r.lock"), "").expect("stale lock file, no process holds it");
    let out = run_small("r", &[], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listing(tmp.path()), ["r"], "leftovers removed");

    // A leftover of another name stays (not ours to remove), and report does not see it.
    fs::create_dir_all(work.join("other.tmp-999999")).expect("mkdir");
    fs::write(work.join("other.tmp-999999/rounds.csv"), "half").expect("write");
    let report = flsnn(&["report", "."], tmp.path());
    let stdout = String::from_utf8_lossy(&report.stdout);
    assert!(report.status.success(), "{}", stderr(&report));
    assert!(stdout.contains("report: 1 run(s)"), "{stdout}");
}

#[test]
fn report_never_writes_through_a_plots_link() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_small("r", &[], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let victim = tmp.path().join("victim");
    fs::create_dir(&victim).expect("mkdir");
    fs::write(victim.join("keep.txt"), "keep").expect("write");
    std::os::unix::fs::symlink(&victim, tmp.path().join("r/plots")).expect("symlink");
    refused(&flsnn(&["report", "r"], tmp.path()), "symbolic link");
    assert_eq!(
        listing(&victim),
        ["keep.txt"],
        "nothing written through the link"
    );
}

#[test]
fn names_cannot_leave_the_output_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["name=../escaped", "name=/tmp/abs", "name=\"\""] {
        let mut args = vec!["run", "--set", name];
        args.extend(SMALL);
        refused(&flsnn(&args, tmp.path()), "a plain name");
    }
    assert!(listing(tmp.path()).is_empty());
    assert!(!tmp.path().join("../escaped-s1").exists());
}

#[test]
fn sigint_removes_the_temporary_folder_and_the_lock() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(["run", "--out", "long", "--set", "fl.steps=100000000"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let tmp_dir = tmp.path().join(format!(".flsnn/long.tmp-{}", child.id()));
    // Wait for the run to be writing (its temporary folder exists), however long that takes.
    while !tmp_dir.exists() {
        assert!(child.try_wait().expect("poll").is_none(), "ended early");
        std::thread::yield_now();
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("temporary files removed"));
    assert!(
        listing(tmp.path()).is_empty(),
        "left: {:?}",
        listing(tmp.path())
    );
}

#[test]
fn bounded_and_strict_flags_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cases: [&[&str]; 9] = [
        &["run", "--threads", "0"],
        &["run", "--threads", "100000"],
        &["sweep", "--grid", "fl.tau=1,2", "--jobs", "100000"],
        &["sweep", "--grid", "fl.tau=1", "--force", "--resume"],
        &["train", "--classes", "1,1"],
        &["train", "--classes", "1,12"],
        &["train", "--gain", "NaN"],
        &["train", "--encoding", "video"],
        &["train", "--epochs", "18446744073709551615"],
    ];
    for args in cases {
        let out = flsnn(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    assert!(listing(tmp.path()).is_empty(), "nothing written");
}

#[test]
fn validate_into_a_closed_pipe_ends_quietly() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(["validate", "scenarios/quickstart.toml"])
        .current_dir(repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away, as `| head -0` would
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}
