//! Whole runs in a radio cell: identical outputs across arbiter threads with fading on; devices at
//! the cell edge upload later, lose more and spend more energy than those near the base station,
//! read back from `devices.csv`; best-channel scheduling favours the devices near the base station;
//! without `[cell]` the distance and SNR columns are absent.

use crate::common::column;

const CELL: &str = r#"
name = "cell"
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
deadline = "2s"
[channel.uplink]
sharing = "processor-sharing"
latency = { kind = "constant", value = "2ms" }
retries = 2
[channel.downlink]
latency = { kind = "constant", value = "2ms" }
[cell]
placement = "explicit"
positions = [["40m", "0m"], ["0m", "45m"], ["-50m", "0m"], ["0m", "-55m"],
             ["360m", "0m"], ["0m", "375m"], ["-390m", "0m"], ["0m", "-400m"]]
path_loss = "log-distance"
exponent = 3.2
shadowing = "0dB"
fading = "rayleigh"
coherence = "5ms"
bandwidth = "5MHz"
rate = "shannon"
snr_gap = "3dB"
error = "logistic"
error_snr = "-3dB"
error_slope = "1.5dB"
[eval]
every = 2
"#;

fn read(out: &flsnn::run::RunOutcome, file: &str) -> String {
    std::fs::read_to_string(out.dir.join(file)).expect("output file")
}

/// `(distance, mean SNR, airtime per upload sent, uploads lost, tx energy)` per device.
fn devices(csv: &str) -> Vec<(f64, f64, f64, f64, f64)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (dist, snr, air, sent, lost, energy) = (
        col("distance_m"),
        col("mean_snr_db"),
        col("airtime_up_s"),
        col("uploads_sent"),
        col("uploads_lost"),
        col("energy_tx_j"),
    );
    lines
        .map(|l| {
            let f: Vec<f64> = l
                .split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect();
            (f[dist], f[snr], f[air] / f[sent], f[lost], f[energy])
        })
        .collect()
}

#[test]
fn cell_runs_are_identical_across_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = crate::common::run_toml(tmp.path(), "a", CELL, &[], 1);
    let three = crate::common::run_toml(tmp.path(), "b", CELL, &[], 3);
    for file in ["rounds.csv", "devices.csv", "events.jsonl"] {
        assert_eq!(read(&one, file), read(&three, file), "{file}");
    }
    let reseeded = crate::common::run_toml(tmp.path(), "c", CELL, &["seed=6"], 2);
    assert_ne!(read(&one, "rounds.csv"), read(&reseeded, "rounds.csv"));
}

#[test]
fn edge_devices_upload_later_lose_more_and_spend_more() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), "edge", CELL, &[], 2);
    let rows = devices(&read(&out, "devices.csv"));
    assert_eq!(rows.len(), 8);
    let (near, far): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.0 < 100.0);
    assert_eq!((near.len(), far.len()), (4, 4));
    let mean = |v: &[&(f64, f64, f64, f64, f64)], f: fn(&(f64, f64, f64, f64, f64)) -> f64| {
        v.iter().map(|r| f(r)).sum::<f64>() / v.len() as f64
    };
    assert!(mean(&near, |r| r.1) > mean(&far, |r| r.1) + 20.0, "SNR");
    let (air_near, air_far) = (mean(&near, |r| r.2), mean(&far, |r| r.2));
    assert!(air_far > 2.0 * air_near, "airtime {air_near} vs {air_far}");
    let (lost_near, lost_far) = (mean(&near, |r| r.3), mean(&far, |r| r.3));
    assert!(lost_far > lost_near, "lost {lost_near} vs {lost_far}");
    assert!(mean(&far, |r| r.4) > mean(&near, |r| r.4), "energy");
}

#[test]
fn without_a_cell_devices_csv_has_no_cell_columns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plain = CELL
        .split("[cell]")
        .next()
        .expect("before the cell")
        .to_string()
        + "[eval]\nevery = 2\n";
    let out = crate::common::run_toml(tmp.path(), "plain", &plain, &[], 1);
    let header = read(&out, "devices.csv");
    let header = header.lines().next().expect("header");
    assert!(header.ends_with("learner_bytes"), "{header}");
    assert!(!header.contains("distance_m"));
}

#[test]
fn best_channel_scheduling_asks_the_near_devices_more_often() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sets = ["cell.scheduling=best-channel", "cell.scheduled=4"];
    let out = crate::common::run_toml(tmp.path(), "best", CELL, &sets, 2);
    let rounds = read(&out, "rounds.csv");
    let mut lines = rounds.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "participants")
        .expect("participants column");
    for line in lines {
        assert_eq!(line.split(',').nth(col), Some("4"), "{line}");
    }
    let csv = read(&out, "devices.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (dist, sent) = (at("distance_m"), at("uploads_sent"));
    let (mut near, mut far) = (0.0, 0.0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let uploads: f64 = f[sent].parse().expect("number");
        if f[dist].parse::<f64>().expect("number") < 100.0 {
            near += uploads;
        } else {
            far += uploads;
        }
    }
    assert!(near > 2.0 * far, "near {near} vs far {far}");
}

#[test]
fn shipped_cell_scenarios_resolve_and_load_back_equal() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "scenarios/cell-edge.toml",
        "scenarios/urban-cell.toml",
        "scenarios/aircomp.toml",
    ] {
        let s = flsnn::scenario::load(Some(&root.join(file)), &[]).expect("valid scenario");
        assert!(s.cell.is_some(), "{file} has a cell");
        let again = flsnn::scenario::load_str(
            &s.to_resolved_toml(),
            "resolved.toml",
            &[],
            &Default::default(),
        )
        .expect("resolved TOML is valid");
        assert_eq!(
            flsnn::scenario::Scenario {
                source: s.source.clone(),
                ..again
            },
            s,
            "{file}"
        );
    }
}

#[test]
fn one_override_line_puts_two_devices_behind_a_wall() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let open = crate::common::run_toml(tmp.path(), "open", CELL, &[], 1);
    let wall = [r#"cell.override=[{ devices = [0, 1], extra_loss = "30dB" }]"#];
    let walled = crate::common::run_toml(tmp.path(), "wall", CELL, &wall, 1);
    // The resolved scenario keeps the override and loads back equal.
    let s = flsnn::scenario::load(
        Some(&tmp.path().join("wall.toml")),
        &wall[..].iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    )
    .expect("valid scenario");
    assert_eq!(s.cell.as_ref().map(|c| c.overrides.len()), Some(1));
    let again = flsnn::scenario::load_str(
        &s.to_resolved_toml(),
        "resolved.toml",
        &[],
        &Default::default(),
    )
    .expect("resolved TOML is valid");
    assert_eq!(again.cell, s.cell);
    let (a, b) = (read(&open, "devices.csv"), read(&walled, "devices.csv"));
    let (before, after) = (column(&a, "mean_snr_db"), column(&b, "mean_snr_db"));
    for d in 0..8 {
        let drop = if d < 2 { 30.0 } else { 0.0 };
        assert!((before[d] - drop - after[d]).abs() < 1e-9, "device {d}");
    }
    // Behind the wall, the near devices upload like far ones.
    let air = column(&b, "airtime_up_s");
    let sent = column(&b, "uploads_sent");
    let (walled0, open2) = (air[0] / sent[0], air[2] / sent[2]);
    assert!(walled0 > 2.0 * open2, "{walled0} vs {open2}");
}

#[test]
fn moving_fading_runs_are_identical_across_threads_and_differ_from_static() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let moving = [
        "cell.mobility=\"constant-velocity\"",
        "cell.min_speed=\"20m/s\"",
        "cell.max_speed=\"60m/s\"",
    ];
    let one = crate::common::run_toml(tmp.path(), "m1", CELL, &moving, 1);
    let three = crate::common::run_toml(tmp.path(), "m3", CELL, &moving, 3);
    for file in ["rounds.csv", "devices.csv", "events.jsonl"] {
        assert_eq!(read(&one, file), read(&three, file), "{file}");
    }
    let still = crate::common::run_toml(tmp.path(), "still", CELL, &[], 2);
    assert_ne!(read(&one, "events.jsonl"), read(&still, "events.jsonl"));
    // Random waypoints in a disc: also thread independent.
    let start = CELL.find("placement = ").expect("placement");
    let end = CELL.find("path_loss").expect("path loss");
    let disc = format!(
        "{}placement = \"disc\"\nradius = \"300m\"\nmobility = \"random-waypoint\"\n\
         min_speed = \"10m/s\"\nmax_speed = \"30m/s\"\n{}",
        &CELL[..start],
        &CELL[end..]
    );
    let one = crate::common::run_toml(tmp.path(), "w1", &disc, &[], 1);
    let three = crate::common::run_toml(tmp.path(), "w3", &disc, &[], 3);
    for file in ["rounds.csv", "devices.csv", "events.jsonl"] {
        assert_eq!(read(&one, file), read(&three, file), "{file}");
    }
}
