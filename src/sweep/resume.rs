//! `sweep --resume`: which runs of a sweep folder are already finished, and their metrics read
//! back from their own files, so the sweep only runs what is missing.

use super::SweepError;
use crate::report::destination::{is_flsnn_folder, OutKind};
use crate::report::ReportError;
use serde::Deserialize;
use std::path::Path;

/// The fields of `summary.json` that [`super::metrics_of`] uses; a metric that was not evaluated
/// is written as `null` and read back as NaN.
#[derive(Deserialize)]
struct FinishedSummary {
    accuracy: Option<f64>,
    test_nll: Option<f64>,
    device_accuracy: Option<f64>,
    device_nll: Option<f64>,
    bytes_up: u64,
    bytes_down: u64,
    uploads: [u64; 5],
    energy_j: [Option<f64>; 3],
    virtual_time_s: Option<f64>,
}

/// Whether `dir` holds a finished run (runs are moved into place only once complete).
pub fn is_finished(dir: &Path) -> bool {
    is_flsnn_folder(dir, OutKind::Run)
}

fn parse_error(path: &Path, message: String) -> SweepError {
    SweepError::Report(ReportError::Parse {
        path: path.to_path_buf(),
        line: 0,
        message,
    })
}

/// The metrics of the finished run in `dir`, in the order of [`super::METRICS`].
pub fn metrics_of_finished(dir: &Path) -> Result<Vec<f64>, SweepError> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|source| {
        SweepError::Report(ReportError::Io {
            path: path.clone(),
            source,
        })
    })?;
    let s: FinishedSummary =
        serde_json::from_str(&text).map_err(|e| parse_error(&path, e.to_string()))?;
    let devices = dir.join("devices.csv");
    let mut reader =
        csv::Reader::from_path(&devices).map_err(|e| parse_error(&devices, e.to_string()))?;
    let column = reader
        .headers()
        .map_err(|e| parse_error(&devices, e.to_string()))?
        .iter()
        .position(|h| h == "airtime_up_s")
        .ok_or_else(|| parse_error(&devices, "no airtime_up_s column".into()))?;
    let mut airtime = 0.0;
    for record in reader.records() {
        let record = record.map_err(|e| parse_error(&devices, e.to_string()))?;
        let cell = record.get(column).unwrap_or_default();
        airtime += cell
            .parse::<f64>()
            .map_err(|e| parse_error(&devices, format!("airtime_up_s {cell:?}: {e}")))?;
    }
    let f = |x: Option<f64>| x.unwrap_or(f64::NAN);
    Ok(vec![
        f(s.accuracy),
        f(s.test_nll),
        f(s.device_accuracy),
        f(s.device_nll),
        s.bytes_up as f64,
        s.bytes_down as f64,
        airtime,
        f(s.energy_j[0]),
        f(s.energy_j[1]),
        f(s.energy_j[2]),
        f(s.virtual_time_s),
        s.uploads[2] as f64,
    ])
}
