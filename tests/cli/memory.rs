//! Resources are bounded before they are used (issue 8), through the binary: the memory estimate
//! printed by `validate` and written in the manifest, and the refusal past `--max-memory`.

use crate::{flsnn, stderr};
use std::fs;
use std::path::Path;

/// Every file and folder under `dir`, as paths relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("list").filter_map(|e| e.ok()) {
            let path = entry.path();
            names.push(path.strip_prefix(dir).expect("under").display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    names.sort();
    names
}

#[test]
fn a_run_past_max_memory_is_refused_naming_the_keys_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = tree(tmp.path());
    let out = flsnn(
        &[
            "run",
            "--out",
            "run",
            "--max-memory",
            "1MiB",
            "--set",
            "fl.devices=50",
        ],
        tmp.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for fragment in [
        "fl.devices = 50",
        "partition.examples_per_device",
        "data.steps_per_example",
        "snn.hidden",
        "data.test_examples",
        "--max-memory",
        "1.0 MiB",
    ] {
        assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(tree(tmp.path()), before, "nothing is written");
}

#[test]
fn a_sweep_past_max_memory_is_refused_before_any_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = flsnn(
        &[
            "sweep",
            "--out",
            "sweep",
            "--grid",
            "fl.tau=40,80",
            "--max-memory",
            "1MiB",
        ],
        tmp.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("fl.devices"), "{err}");
    assert!(tree(tmp.path()).is_empty(), "{:?}", tree(tmp.path()));
}

#[test]
fn a_malformed_max_memory_is_an_input_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for bad in ["lots", "-1GiB", "1.5.2MB"] {
        let flag = format!("--max-memory={bad}");
        let out = flsnn(&["run", "--out", "run", &flag], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("--max-memory"), "{}", stderr(&out));
    }
    assert!(tree(tmp.path()).is_empty());
}

#[test]
fn validate_prints_the_estimate_and_a_run_records_it_in_the_manifest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let small = [
        "--set",
        "fl.steps=160",
        "--set",
        "data.test_examples=20",
        "--set",
        "partition.examples_per_device=4",
    ];
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let file = file.to_str().expect("utf-8 path");
    let mut args = vec!["validate", file];
    args.extend(small);
    let out = flsnn(&args, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("# memory estimate: "))
        .unwrap_or_else(|| panic!("no estimate in: {text}"));
    assert!(line.contains("MiB"), "{line}");
    let mut args = vec!["run", file, "--out", "run", "--max-memory", "8GiB"];
    args.extend(small);
    let out = flsnn(&args, tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = fs::read_to_string(tmp.path().join("run/manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    let bytes = manifest["memory_estimate_bytes"]
        .as_u64()
        .expect("an estimate");
    assert!(bytes > 1 << 20, "{bytes}");
}

#[test]
fn a_run_that_cannot_finish_is_refused_naming_the_keys_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cases: [(&[&str], &str); 2] = [
        (
            &["--set", "fl.devices=100000", "--set", "fl.steps=100000000"],
            "fl.steps",
        ),
        (
            &[
                "--set",
                "fl.systems_only=true",
                "--set",
                "fl.steps=1000000000000000",
            ],
            "step_time",
        ),
    ];
    for (sets, key) in cases {
        let mut args = vec!["run", "--out", "run"];
        args.extend(sets);
        let out = flsnn(&args, tmp.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(key), "expected {key:?} in: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(tree(tmp.path()).is_empty(), "{:?}", tree(tmp.path()));
    }
}

#[test]
fn fl_devices_past_100000_is_for_the_memory_estimate_to_decide() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stress-systems.toml");
    let file = file.to_str().expect("utf-8 path");
    // 3,000,000 systems-only devices or 200,000 training devices: valid scenarios whose
    // estimate fits a large enough machine.
    for sets in [
        ["--set", "fl.devices=3000000"],
        ["--set", "fl.systems_only=false"],
    ] {
        let mut args = vec!["validate", file, "--set", "fl.devices=200000"];
        args.extend(sets);
        let out = flsnn(&args, tmp.path());
        assert_eq!(out.status.code(), Some(0), "{sets:?}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("# memory estimate: "));
    }
    // Past 32-bit device ids: refused by validation, naming the key and the bound.
    let out = flsnn(
        &["validate", file, "--set", "fl.devices=5000000000"],
        tmp.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for fragment in ["fl.devices", "4294967294", "memory estimate"] {
        assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    }
    // A billion systems-only devices are a valid scenario but no machine's memory: the run is
    // refused before anything is built, naming the key and the limit.
    let out = flsnn(
        &[
            "run",
            file,
            "--out",
            "run",
            "--set",
            "fl.devices=1000000000",
        ],
        tmp.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for fragment in [
        "fl.devices = 1000000000 with fl.systems_only = true",
        "more than the limit",
        "--max-memory",
    ] {
        assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(tree(tmp.path()).is_empty(), "{:?}", tree(tmp.path()));
}
