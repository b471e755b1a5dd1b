//! `flsnn compare`: run and sweep folders side by side (accuracy and loss against uplink bytes,
//! airtime, energy and virtual time), with the Pareto front of accuracy (higher is better) against
//! uplink bytes (lower is better) marked.

mod read;

pub use read::{read_folder, read_run, read_sweep};

use crate::report::{write_csv, ReportError};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What can stop a comparison, naming the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// No folder was given.
    #[error("compare: expected at least one run or sweep folder")]
    NoFolders,
    /// The folder holds neither `summary.json` nor `sweep.csv`.
    #[error("{path}: neither a run folder (no summary.json) nor a sweep folder (no sweep.csv)")]
    NotRunOrSweep {
        /// The folder.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what a run or sweep writes.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line or key.
        message: String,
    },
    /// The `--csv` file could not be written.
    #[error("writing the comparison: {0}")]
    Report(#[from] ReportError),
}

impl CompareError {
    /// Whether the user's input (the folders) is at fault.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, CompareError::Report(_))
    }
}

/// One line of the comparison: a run, or a sweep's grid point (means over its trials).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareRow {
    /// The run folder's name, or `<sweep folder>: <grid values>`.
    pub label: String,
    /// Trials averaged (1 for a run).
    pub trials: u64,
    /// Final accuracy \[fraction\].
    pub accuracy: f64,
    /// Final test NLL [nats per example].
    pub test_nll: f64,
    /// Uplink bytes, every attempt \[B\].
    pub bytes_up: f64,
    /// Uplink airtime summed over the devices \[s\].
    pub airtime_up_s: f64,
    /// Energy of all devices: radio transmit + receive + compute \[J\].
    pub energy_j: f64,
    /// Virtual time at the end \[s\].
    pub virtual_time_s: f64,
    /// On the Pareto front of accuracy against uplink bytes.
    pub pareto: bool,
}

/// Reads every folder in order and marks the Pareto front over all their rows.
pub fn compare(dirs: &[PathBuf]) -> Result<Vec<CompareRow>, CompareError> {
    if dirs.is_empty() {
        return Err(CompareError::NoFolders);
    }
    let mut rows = Vec::new();
    for dir in dirs {
        rows.extend(read_folder(dir)?);
    }
    let front = pareto_front(
        &rows
            .iter()
            .map(|r| (r.accuracy, r.bytes_up))
            .collect::<Vec<_>>(),
    );
    for (row, on) in rows.iter_mut().zip(front) {
        row.pareto = on;
    }
    Ok(rows)
}

/// For each `(accuracy, bytes)` point, whether no other point is at least as accurate with no more
/// bytes and strictly better in one of the two. Points with a NaN are never on the front and
/// dominate nothing; equal points are all on the front.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    let valid = |p: &(f64, f64)| !p.0.is_nan() && !p.1.is_nan();
    points
        .iter()
        .map(|p| {
            valid(p)
                && !points
                    .iter()
                    .any(|q| valid(q) && q.0 >= p.0 && q.1 <= p.1 && (q.0 > p.0 || q.1 < p.1))
        })
        .collect()
}

/// The comparison as a fixed-width text table, one row per line.
pub fn table(rows: &[CompareRow]) -> String {
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:width$}  {:>6}  {:>8}  {:>10}  {:>14}  {:>10}  {:>10}  {:>10}",
        "label",
        "trials",
        "accuracy",
        "test NLL",
        "uplink [B]",
        "airtime[s]",
        "energy[J]",
        "vtime[s]"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{} {:width$}  {:>6}  {:>8.4}  {:>10.3}  {:>14.0}  {:>10.4}  {:>10.4}  {:>10.3}",
            if r.pareto { '*' } else { ' ' },
            r.label,
            r.trials,
            r.accuracy,
            r.test_nll,
            r.bytes_up,
            r.airtime_up_s,
            r.energy_j,
            r.virtual_time_s
        );
    }
    let _ = write!(
        out,
        "* Pareto front: no other row is as accurate with as few uplink bytes"
    );
    out
}

#[derive(Serialize)]
struct CsvRow<'a> {
    pareto: &'static str,
    label: &'a str,
    trials: u64,
    accuracy: f64,
    test_nll: f64,
    bytes_up: f64,
    airtime_up_s: f64,
    energy_j: f64,
    virtual_time_s: f64,
}

/// Writes the comparison as CSV to `path` (first into a temporary file beside it, then renamed).
/// The `pareto` column holds `*` for rows on the front.
pub fn write_table_csv(path: &Path, rows: &[CompareRow]) -> Result<(), CompareError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compare.csv".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let records: Vec<CsvRow> = rows
        .iter()
        .map(|r| CsvRow {
            pareto: if r.pareto { "*" } else { "" },
            label: &r.label,
            trials: r.trials,
            accuracy: r.accuracy,
            test_nll: r.test_nll,
            bytes_up: r.bytes_up,
            airtime_up_s: r.airtime_up_s,
            energy_j: r.energy_j,
            virtual_time_s: r.virtual_time_s,
        })
        .collect();
    write_csv(&tmp, &records)?;
    std::fs::rename(&tmp, path).map_err(|source| {
        CompareError::Report(ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_front_of_a_hand_example() {
        // (accuracy, bytes): c is dominated by a (as accurate, fewer bytes), d by b.
        let points = [
            (0.9, 100.0),
            (0.7, 50.0),
            (0.9, 120.0),
            (0.6, 60.0),
            (0.95, 400.0),
        ];
        assert_eq!(pareto_front(&points), vec![true, true, false, false, true]);
    }

    #[test]
    fn nan_is_never_on_the_front_and_ties_both_are() {
        let points = [(f64::NAN, 1.0), (0.5, 10.0), (0.5, 10.0)];
        assert_eq!(pareto_front(&points), vec![false, true, true]);
    }
}
