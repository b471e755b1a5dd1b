//! A binary copied away from the repository (as `cargo install` does) runs the default scenario
//! from an empty folder: the bundled MNIST subset is built into it, not looked up on disk.

use std::path::Path;
use std::process::Command;

#[test]
fn copied_binary_runs_the_default_scenario_from_an_empty_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin_dir = tmp.path().join("bin");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&bin_dir).expect("bin folder");
    std::fs::create_dir_all(&work).expect("work folder");
    let copy = bin_dir.join("flsnn");
    std::fs::copy(env!("CARGO_BIN_EXE_flsnn"), &copy).expect("copy the binary");

    let run_dir = tmp.path().join("r");
    let out = Command::new(&copy)
        .args(["run", "--out"])
        .arg(&run_dir)
        .args(["--set", "fl.steps=160", "--set", "data.test_examples=20"])
        .current_dir(&work)
        .env_remove("RUST_LOG")
        .output()
        .expect("the copied binary starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    let rounds = std::fs::read_to_string(run_dir.join("rounds.csv")).expect("rounds.csv");
    assert!(
        rounds.lines().count() >= 2,
        "a header and a round:\n{rounds}"
    );
    let work_entries = std::fs::read_dir(&work).expect("work folder").count();
    assert_eq!(work_entries, 0, "nothing written into the working folder");
}

/// A binary that found its data through the compile-time repository path would hold that path
/// (the test above cannot tell: on this machine the repository is still there). Checked on the
/// release build, which carries no debug information (debug information records source folders).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "debug builds record the source folder in their debug information"
)]
fn release_binary_holds_no_path_into_the_repository() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_flsnn")).expect("read the binary");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let needle = repo.to_string_lossy();
    let found = binary.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!found, "the binary mentions {needle}");
}
