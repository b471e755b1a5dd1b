//! Reading run folders (`summary.json`, `devices.csv`) and sweep folders (`sweep.csv`).

use super::{CompareError, CompareRow};
use crate::report::RunSummary;
use std::path::Path;

fn label_of(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// Reads a folder: a sweep folder (holding `sweep.csv`) gives one row per grid point, a run
/// folder (holding `summary.json`) one row.
pub fn read_folder(dir: &Path) -> Result<Vec<CompareRow>, CompareError> {
    if dir.join("sweep.csv").is_file() {
        read_sweep(dir)
    } else if dir.join("summary.json").is_file() {
        read_run(dir).map(|row| vec![row])
    } else {
        Err(CompareError::NotRunOrSweep {
            path: dir.to_path_buf(),
        })
    }
}

/// One row from a run folder.
pub fn read_run(dir: &Path) -> Result<CompareRow, CompareError> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|source| CompareError::Io {
        path: path.clone(),
        source,
    })?;
    let s: RunSummary = serde_json::from_str(&text).map_err(|e| CompareError::Parse {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(CompareRow {
        label: label_of(dir),
        trials: 1,
        accuracy: s.accuracy,
        test_nll: s.test_nll,
        bytes_up: s.bytes_up as f64,
        airtime_up_s: read_airtime(dir)?,
        energy_j: s.energy_j.iter().sum(),
        virtual_time_s: s.virtual_time_s,
        pareto: false,
    })
}

/// The devices' uplink airtime summed, from `devices.csv` \[s\].
fn read_airtime(dir: &Path) -> Result<f64, CompareError> {
    let path = dir.join("devices.csv");
    let table = Table::read(&path)?;
    let column = table.column("airtime_up_s")?;
    let mut total = 0.0;
    for line in 0..table.rows.len() {
        total += table.number(line, column)?;
    }
    Ok(total)
}

/// One row per grid point from a sweep folder's `sweep.csv`.
pub fn read_sweep(dir: &Path) -> Result<Vec<CompareRow>, CompareError> {
    let table = Table::read(&dir.join("sweep.csv"))?;
    let col = |name: &str| table.column(name);
    let (label, trials, accuracy, test_nll, bytes_up, airtime, virtual_time) = (
        col("label")?,
        col("trials")?,
        col("accuracy_mean")?,
        col("test_nll_mean")?,
        col("bytes_up_mean")?,
        col("airtime_up_s_mean")?,
        col("virtual_time_s_mean")?,
    );
    let energy = [
        col("energy_tx_j_mean")?,
        col("energy_rx_j_mean")?,
        col("energy_compute_j_mean")?,
    ];
    let sweep = label_of(dir);
    let mut rows = Vec::with_capacity(table.rows.len());
    for line in 0..table.rows.len() {
        let mut energy_j = 0.0;
        for c in energy {
            energy_j += table.number(line, c)?;
        }
        rows.push(CompareRow {
            label: format!("{sweep}: {}", table.rows[line][label]),
            trials: table.number(line, trials)? as u64,
            accuracy: table.number(line, accuracy)?,
            test_nll: table.number(line, test_nll)?,
            bytes_up: table.number(line, bytes_up)?,
            airtime_up_s: table.number(line, airtime)?,
            energy_j,
            virtual_time_s: table.number(line, virtual_time)?,
            pareto: false,
        });
    }
    Ok(rows)
}

/// A CSV file read whole: its header and its rows, every row as wide as the header.
struct Table {
    path: std::path::PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Result<Table, CompareError> {
        let parse = |e: csv::Error| CompareError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(|source| CompareError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::Reader::from_reader(file);
        let header = reader
            .headers()
            .map_err(parse)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(parse)?.iter().map(str::to_string).collect());
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    fn column(&self, name: &str) -> Result<usize, CompareError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CompareError::Parse {
                path: self.path.clone(),
                message: format!("no column {name:?} in the header"),
            })
    }

    /// The number in data row `line` (0-based, after the header), column `column`.
    fn number(&self, line: usize, column: usize) -> Result<f64, CompareError> {
        let text = self.rows[line][column].trim();
        text.parse::<f64>().map_err(|_| CompareError::Parse {
            path: self.path.clone(),
            message: format!(
                "line {}, column {:?}: expected a number, got {text:?}",
                line + 2,
                self.header[column]
            ),
        })
    }
}
