//! The virtual clock never saturates silently (issue 8), through the binary.

use crate::flsnn;

#[test]
fn a_latency_that_runs_the_clock_past_its_end_is_refused_naming_the_key_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 18e9 s per hop: the first round ends in range, the second would pass 2^64 ns. Refused at
    // validation, naming the key (the kernel's own check, for draws no bound foresees, is tested
    // in src/sim/tests.rs).
    let out = flsnn(
        &[
            "run",
            "--out",
            "run",
            "--set",
            "fl.steps=160",
            "--set",
            "channel.uplink.latency={kind=\"constant\",value=\"18000000000s\"}",
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("virtual clock"), "{err}");
    assert!(err.contains("channel.uplink.latency"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!tmp.path().join("run").exists(), "no run folder is left");
}
