//! `flsnn validate` checks every rule of a scenario without reading data or building a run.

use std::process::Command;

fn flsnn(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("flsnn starts")
}

const HUGE: &str = r#"
name = "huge"
[data]
source = "mnist"
path = "no-such-folder"
[fl]
devices = 100000
tau = 8
deadline = "1s"
[availability]
kind = "on-off"
mean_on = "10s"
mean_off = "1s"
"#;

#[test]
fn validate_reads_no_data_and_builds_no_device() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("huge.toml"), HUGE).expect("write");
    let ok = flsnn(&["validate", "huge.toml"], tmp.path());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("devices = 100000"), "{text}");
    // The data folder does not exist: only a run reads it, and says so (past the memory check,
    // which would refuse 100,000 training devices on a small machine).
    let run = flsnn(
        &[
            "run",
            "huge.toml",
            "--out",
            "r",
            "--max-memory",
            "100000GiB",
        ],
        tmp.path(),
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no-such-folder"));
}

#[test]
fn validate_checks_rules_across_keys() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let no_deadline = HUGE.replace("deadline = \"1s\"\n", "");
    std::fs::write(tmp.path().join("bad.toml"), no_deadline).expect("write");
    let out = flsnn(&["validate", "bad.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("fl.deadline"),
        "{err}"
    );
}
