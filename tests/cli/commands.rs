//! The `flsnn` binary as a user meets it: the default job runs, bad input gives a clear error and
//! exit code 2, never a panic.

use crate::flsnn;
use std::process::Output;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_without_arguments_uses_the_embedded_default_scenario() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = flsnn(&["run", "--out", "quick"], tmp.path());
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("run quickstart"), "{stdout}");
    assert!(stdout.contains("accuracy"), "{stdout}");
    for f in ["manifest.json", "rounds.csv", "devices.csv", "summary.json"] {
        assert!(tmp.path().join("quick").join(f).exists(), "{f}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary folder left behind");
}

#[test]
fn bad_scenarios_exit_2_with_file_and_key() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = flsnn(
        &["validate", "tests/bad_scenarios/negative_rate.toml"],
        repo,
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("negative_rate.toml"), "{stderr}");
    assert!(stderr.contains("channel.uplink.rate"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = flsnn(&["run", "no/such/file.toml"], repo);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no/such/file.toml"), "{stderr}");
}

#[test]
fn missing_recordings_folder_is_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("dvs.toml");
    std::fs::write(
        &file,
        "[data]\nsource = \"mnist-dvs\"\npath = \"/no/such/grabbed_data\"\n",
    )
    .expect("write");
    let out = flsnn(&["run", file.to_str().expect("utf-8 path")], tmp.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/no/such/grabbed_data"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn train_prints_accuracy_as_it_goes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = flsnn(
        &[
            "train",
            "--train",
            "60",
            "--test",
            "40",
            "--eval-every",
            "30",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("SNN 676-0-2"), "{stdout}");
    assert!(
        stdout.lines().filter(|l| l.contains('%')).count() >= 3,
        "{stdout}"
    );
    let out = flsnn(&["train", "--classes", "1"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}
