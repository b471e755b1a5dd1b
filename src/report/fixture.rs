//! Test helpers: synthetic run folders written with the simulator's own record types, and light
//! validity checks for SVG and PNG files.

use super::records::{DeviceRecord, RoundRecord};
use super::{write_csv, write_json, Manifest, RunSummary};
use crate::scenario::raw::{RawFl, RawFlMode, RawScenario};
use std::io::Read;
use std::path::Path;

/// A manifest recording only the scenario's name, seed, `fl.tau`, `fl.devices` and `fl.mode`.
pub fn manifest(name: &str, seed: u64, tau: u64, mode: Option<RawFlMode>) -> Manifest {
    Manifest {
        flsnn_version: "test".into(),
        command_line: Vec::new(),
        seed,
        threads: 1,
        reused_examples: 0,
        memory_estimate_bytes: 0,
        scenario: RawScenario {
            name: Some(name.into()),
            seed: Some(seed),
            fl: Some(RawFl {
                tau: Some(tau as i64),
                devices: Some(2),
                mode,
                ..RawFl::default()
            }),
            ..RawScenario::default()
        },
    }
}

/// A summary of `rounds` rounds with final accuracy `accuracy` and test NLL `test_nll`, uplink
/// `bytes_up`, and NaN or zero elsewhere.
pub fn summary(name: &str, seed: u64, rounds: usize, accuracy: f64, test_nll: f64) -> RunSummary {
    RunSummary {
        name: name.into(),
        seed,
        devices: 2,
        rounds,
        accuracy,
        tie_rate: 0.0,
        test_nll,
        device_accuracy: f64::NAN,
        device_nll: f64::NAN,
        bytes_up: 0,
        bytes_down: 0,
        uploads: [2 * rounds as u64, 0, 0, 0, 0],
        uploads_over_budget: 0,
        broadcasts: [2 * rounds as u64, 0],
        retransmissions: [0, 0],
        energy_j: [0.5, 0.1, 0.02],
        virtual_time_s: 0.001 * rounds as f64,
        wall_time_s: 0.0,
        events: 0,
        events_per_s: 0.0,
    }
}

/// Writes a run folder with `rounds` rounds, evaluated every other round, whose accuracy grows
/// with the round and shifts with `seed`.
pub fn write_run(dir: &Path, name: &str, seed: u64, tau: u64, rounds: u64) {
    std::fs::create_dir_all(dir).expect("run folder");
    let rows: Vec<RoundRecord> = (0..rounds)
        .map(|r| {
            let evaluated = r % 2 == 1;
            let acc = 0.5 + 0.4 * (r + 1) as f64 / rounds as f64 + 0.01 * seed as f64;
            RoundRecord {
                round: r,
                global_iteration: tau * (r + 1),
                start_ns: 1_000_000 * r,
                end_ns: 1_000_000 * (r + 1) + 1000 * seed,
                participants: 2,
                uploads_sent: 2,
                uploads_delivered: 2 - (r % 3 == 0) as u64,
                uploads_lost: (r % 3 == 0) as u64,
                bytes_up: 1000 + seed,
                bytes_down: 500,
                energy_tx_j: 0.01,
                accuracy: if evaluated { acc } else { f64::NAN },
                test_nll: if evaluated {
                    40.0 * (1.0 - acc)
                } else {
                    f64::NAN
                },
                ..RoundRecord::default()
            }
        })
        .collect();
    let devices: Vec<DeviceRecord> = (0..2)
        .map(|d| DeviceRecord {
            device: d,
            class: "default".into(),
            energy_tx_j: 0.2 + 0.1 * d as f64,
            energy_rx_j: 0.05,
            energy_compute_j: 0.01,
            accuracy: f64::NAN,
            test_nll: f64::NAN,
            ..DeviceRecord::default()
        })
        .collect();
    let last = rows.iter().rev().find(|r| r.accuracy.is_finite());
    let summary = RunSummary {
        bytes_up: rows.iter().map(|r| r.bytes_up).sum::<u64>(),
        ..summary(
            name,
            seed,
            rounds as usize,
            last.map_or(f64::NAN, |r| r.accuracy),
            last.map_or(f64::NAN, |r| r.test_nll),
        )
    };
    let manifest = manifest(name, seed, tau, None);
    write_csv(&dir.join("rounds.csv"), &rows).expect("rounds.csv");
    write_csv(&dir.join("devices.csv"), &devices).expect("devices.csv");
    write_json(&dir.join("summary.json"), &summary).expect("summary.json");
    write_json(&dir.join("manifest.json"), &manifest).expect("manifest.json");
}

/// Writes `curves.csv` into the run folder `dir` (two devices, checkpoints every 40 global
/// iterations up to 400) and marks the run's `fl.mode` in its manifest. The loss falls towards
/// `floor` and shifts with `seed`.
pub fn write_curves(dir: &Path, mode: RawFlMode, seed: u64, floor: f64) {
    let rows: Vec<super::records::CurvePoint> = (1..=10u64)
        .flat_map(|k| {
            (0..2u32).map(move |device| super::records::CurvePoint {
                device,
                global_iteration: 40 * k,
                local_step: 40 * k,
                t_ns: 4_000_000 * k,
                accuracy: 0.5,
                tie_rate: 0.0,
                test_nll: floor + 40.0 / k as f64 + seed as f64 + device as f64,
                sampled_loglik: -200.0 * (floor / 2.0 + 20.0 / k as f64 + seed as f64),
                examples: 200,
            })
        })
        .collect();
    write_csv(&dir.join("curves.csv"), &rows).expect("curves.csv");
    let path = dir.join("manifest.json");
    let mut manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("manifest")).expect("json");
    if let Some(fl) = manifest.scenario.fl.as_mut() {
        fl.mode = Some(mode);
    }
    write_json(&path, &manifest).expect("manifest.json");
}

/// Checks that `text` is a well-nested tag tree whose root element is `<svg>`; returns the number
/// of elements.
pub fn check_svg(text: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut elements = 0;
    let mut root = None;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').ok_or("unterminated tag")?;
        let tag = &after[..close];
        rest = &after[close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name.trim() {
                return Err(format!("</{name}> closes <{top}>"));
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if name.is_empty() {
            return Err("empty tag name".into());
        }
        elements += 1;
        root.get_or_insert_with(|| name.clone());
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{open}> never closed"));
    }
    match root.as_deref() {
        Some("svg") => Ok(elements),
        other => Err(format!("root element {other:?}, expected svg")),
    }
}

/// Checks a PNG file: signature, IHDR (8-bit RGB), and that IDAT inflates to exactly the image's
/// filtered scanlines. Returns (width, height, distinct byte values in those scanlines): a blank
/// image gives very few.
pub fn check_png(bytes: &[u8]) -> Result<(u32, u32, usize), String> {
    const MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if bytes.len() < 33 || bytes[..8] != MAGIC {
        return Err("no PNG signature".into());
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let mut pos = 8;
    let (mut width, mut height, mut data) = (0, 0, Vec::new());
    while pos + 8 <= bytes.len() {
        let len = be(&bytes[pos..]) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = bytes.get(pos + 8..pos + 8 + len).ok_or("truncated chunk")?;
        match kind {
            b"IHDR" => {
                width = be(body);
                height = be(&body[4..]);
                if body[8] != 8 || body[9] != 2 {
                    return Err(format!(
                        "depth {} colour {}, expected 8-bit RGB",
                        body[8], body[9]
                    ));
                }
            }
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let mut pixels = Vec::new();
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut pixels)
        .map_err(|e| format!("IDAT: {e}"))?;
    let expected = height as usize * (1 + 3 * width as usize);
    if pixels.len() != expected {
        return Err(format!("{} pixel bytes, expected {expected}", pixels.len()));
    }
    let mut seen = [false; 256];
    for row in pixels.chunks(1 + 3 * width as usize) {
        for &b in &row[1..] {
            seen[b as usize] = true;
        }
    }
    Ok((width, height, seen.iter().filter(|s| **s).count()))
}
