//! Whole runs with over-the-air aggregation: an ideal receiver (no noise, nobody sits out) gives
//! the global models of digital FedAvg in the same cell; with noise it does not; the analog
//! upload takes the same airtime for every device however many send; devices below the
//! threshold sit out (counted as lost) and the far ones sit out more; outputs do not depend on
//! the threads.

use crate::common::column;

const CELL: &str = r#"
name = "air"
seed = 5
[data]
classes = [1, 7]
test_examples = 40
[partition]
scheme = "iid"
examples_per_device = 6
[fl]
devices = 8
tau = 40
[channel.uplink]
sharing = "equal-share"
latency = { kind = "constant", value = "2ms" }
[channel.downlink]
latency = { kind = "constant", value = "2ms" }
[cell]
placement = "explicit"
positions = [["40m", "0m"], ["0m", "45m"], ["-50m", "0m"], ["0m", "-55m"],
             ["360m", "0m"], ["0m", "375m"], ["-390m", "0m"], ["0m", "-400m"]]
path_loss = "log-distance"
exponent = 3.2
shadowing = "0dB"
bandwidth = "5MHz"
rate = "shannon"
[eval]
every = 1
"#;

fn read(out: &flsnn::run::RunOutcome, file: &str) -> String {
    std::fs::read_to_string(out.dir.join(file)).expect("output file")
}

/// Runs [`CELL`] with `sets`; the folder lives as long as the returned guard.
fn run(tag: &str, sets: &[&str], threads: usize) -> (tempfile::TempDir, flsnn::run::RunOutcome) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), tag, CELL, sets, threads);
    (tmp, out)
}

#[test]
fn an_ideal_receiver_gives_digital_fedavg_and_noise_changes_it() {
    let (_a, digital) = run("digital", &[], 2);
    let ideal_sets = [
        "cell.aggregation=\"over-the-air\"",
        "cell.air_threshold=\"-100dB\"",
        "cell.air_noise=false",
    ];
    let (_b, ideal) = run("ideal", &ideal_sets, 2);
    let (d, i) = (read(&digital, "rounds.csv"), read(&ideal, "rounds.csv"));
    for col in ["accuracy", "test_nll", "uploads_delivered"] {
        assert_eq!(column(&d, col), column(&i, col), "{col}");
    }
    assert!(column(&i, "uploads_lost").iter().all(|&v| v == 0.0));
    // The analog rounds are shorter: one 1.08 ms slot instead of eight digital uploads.
    let end = |csv: &str| column(csv, "end_ns").last().copied().unwrap_or(0.0);
    assert!(end(&i) < end(&d), "{} vs {}", end(&i), end(&d));
    let (_c, noisy) = run(
        "noisy",
        &[
            "cell.aggregation=\"over-the-air\"",
            "cell.air_threshold=\"-5dB\"",
        ],
        2,
    );
    let n = read(&noisy, "rounds.csv");
    assert_ne!(column(&n, "test_nll"), column(&d, "test_nll"));
}

#[test]
fn analog_airtime_is_the_same_for_all_and_far_devices_sit_out_more() {
    let sets = [
        "cell.aggregation=\"over-the-air\"",
        "cell.air_threshold=\"-5dB\"",
        "cell.fading=\"rayleigh\"",
        "cell.coherence=\"5ms\"",
    ];
    let (_a, out) = run("truncated", &sets, 1);
    let dev = read(&out, "devices.csv");
    let (dist, air, delivered, lost, energy) = (
        column(&dev, "distance_m"),
        column(&dev, "airtime_up_s"),
        column(&dev, "uploads_delivered"),
        column(&dev, "uploads_lost"),
        column(&dev, "energy_tx_j"),
    );
    // The 676-0-2 model: 10,836 values, 5,418 channel uses of 1 / 5 MHz each.
    let slot = 5_418.0 / 5e6;
    for d in 0..8 {
        let per_upload = air[d] / delivered[d];
        assert!(
            (per_upload - slot).abs() < 1e-9 * 40.0,
            "device {d}: {per_upload}"
        );
    }
    let near: f64 = (0..4).filter(|&d| dist[d] < 100.0).map(|d| lost[d]).sum();
    let far: f64 = (0..8).filter(|&d| dist[d] > 100.0).map(|d| lost[d]).sum();
    assert!(far > near, "sat out: near {near}, far {far}");
    // Near devices invert a strong channel: a fraction of the power per delivered upload.
    let per = |d: usize| energy[d] / delivered[d];
    assert!(
        per(0) < per(4),
        "energy per upload {} vs {}",
        per(0),
        per(4)
    );
    let (_b, three) = run("truncated3", &sets, 3);
    for file in ["rounds.csv", "devices.csv", "events.jsonl"] {
        assert_eq!(read(&out, file), read(&three, file), "{file}");
    }
}
