//! Heap per systems-only device, through a counting global allocator (this binary holds one
//! test, so nothing else allocates alongside). The peak a run holds grows with the devices by
//! at most a fixed amount per device: a regression of the compact systems-only devices (issue
//! 12: at most 1 KB per device) shows here as a larger growth. Bytes, not time: they do not
//! depend on the machine's load.

use flsnn::report::NullSink;
use flsnn::run;
use flsnn::scenario;
use std::path::Path;
use std::sync::atomic::Ordering;

#[path = "../support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{LIVE, PEAK};

/// The peak heap \[B\] of `scenarios/stress-systems.toml` at `devices` devices while it runs
/// (above what was live once it was built), and its uploads sent.
fn peak_of(devices: u64) -> (usize, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stress-systems.toml");
    let sc = scenario::load(Some(&path), &[format!("fl.devices={devices}")]).expect("loads");
    let before = LIVE.load(Ordering::Relaxed);
    let setup = run::build(&sc).expect("build");
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let result = run::simulate(setup, &mut NullSink, 1).expect("run");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let sent = result.devices.iter().map(|d| d.uploads_sent).sum();
    (peak, sent)
}

#[test]
fn a_systems_only_device_adds_little_to_the_peak_heap() {
    let (small, sent_small) = peak_of(1_000);
    let (large, sent_large) = peak_of(4_000);
    // Every device uploads in each of the 10 rounds (bar the few the channel drops): the runs
    // did the work whose memory is measured.
    assert!(
        sent_small >= 9_900 && sent_large >= 39_600,
        "{sent_small} {sent_large}"
    );
    let per_device = (large as f64 - small as f64) / 3_000.0;
    // Measured: 958 B (2,490 B before issue 12's systems-only cuts, 1,985 B after the first,
    // 1,157 B after the second).
    assert!(
        per_device < 1_100.0,
        "the peak heap grows by {per_device:.0} B per added systems-only device"
    );
}
