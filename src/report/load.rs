//! Reading finished results back: one run folder, or a sweep folder whose `runs/<point>-t<trial>/`
//! folders are grouped by grid point.

use super::{Manifest, ReportError, RunSummary};
use crate::scenario::raw::RawFlMode;
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};

/// The `rounds.csv` columns the report uses.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct RoundRow {
    /// Round index, from 0.
    pub round: u64,
    /// Global iterations completed.
    pub global_iteration: u64,
    /// When the round closed [ns of virtual time].
    pub end_ns: u64,
    /// Devices asked to take part.
    pub participants: u64,
    /// Uploads put on the uplink.
    pub uploads_sent: u64,
    /// Uploads that arrived in time.
    pub uploads_delivered: u64,
    /// Uploads lost on the uplink.
    pub uploads_lost: u64,
    /// Uploads that arrived late.
    pub uploads_late: u64,
    /// Uploads skipped while off.
    pub uploads_skipped: u64,
    /// Broadcast copies delivered.
    pub broadcasts_delivered: u64,
    /// Broadcast copies lost.
    pub broadcasts_lost: u64,
    /// Uplink bytes in the round \[B\].
    pub bytes_up: u64,
    /// Radio transmit energy of the round \[J\].
    #[serde(default)]
    pub energy_tx_j: f64,
    /// Radio receive energy of the round \[J\].
    #[serde(default)]
    pub energy_rx_j: f64,
    /// SNN compute energy of the round \[J\].
    #[serde(default)]
    pub energy_compute_j: f64,
    /// Test accuracy (NaN when not evaluated).
    pub accuracy: f64,
    /// Teacher-forced test NLL per example (NaN when not evaluated).
    pub test_nll: f64,
}

/// The `devices.csv` columns the report uses.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct DeviceRow {
    /// Device id.
    pub device: u32,
    /// Device class name.
    pub class: String,
    /// Uplink bytes \[B\].
    pub bytes_up: u64,
    /// Radio transmit energy \[J\].
    pub energy_tx_j: f64,
    /// Radio receive energy \[J\].
    pub energy_rx_j: f64,
    /// SNN compute energy \[J\].
    pub energy_compute_j: f64,
    /// Final local-model accuracy (NaN when not evaluated).
    pub accuracy: f64,
}

/// The `curves.csv` columns (local-model checkpoints). Columns added later (`local_step`,
/// `sampled_loglik`, `examples`) are optional, so older run folders still load.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct CurveRow {
    /// Device id.
    pub device: u32,
    /// The device's global iterations so far.
    pub global_iteration: u64,
    /// The device's local steps so far (absent in older runs).
    #[serde(default)]
    pub local_step: Option<u64>,
    /// Virtual time of the checkpoint \[ns\].
    pub t_ns: u64,
    /// Test accuracy of its local model \[fraction\].
    pub accuracy: f64,
    /// Fraction of tied test examples.
    pub tie_rate: f64,
    /// Teacher-forced test NLL per example of its local model \[nats\].
    pub test_nll: f64,
    /// Log-likelihood of its own free-running samples, summed over the test examples \[nats\]
    /// (absent in older runs).
    #[serde(default)]
    pub sampled_loglik: Option<f64>,
    /// Test examples evaluated (absent in older runs).
    #[serde(default)]
    pub examples: Option<u64>,
}

/// One run folder, read back.
#[derive(Clone, Debug)]
pub struct RunData {
    /// The folder's name (`tau8-t0`, or the run folder's own name).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// `manifest.json` (resolved scenario, seed, version).
    pub manifest: Manifest,
    /// `summary.json`.
    pub summary: RunSummary,
    /// `rounds.csv`, in file order.
    pub rounds: Vec<RoundRow>,
    /// `devices.csv`, in file order.
    pub devices: Vec<DeviceRow>,
    /// `curves.csv` in file order (empty when the run wrote none).
    pub curves: Vec<CurveRow>,
}

/// The trials of one grid point (a single run is a group of one).
#[derive(Clone, Debug)]
pub struct RunGroup {
    /// The point's name: the folder name before `-t<trial>`.
    pub point: String,
    /// Its runs, by folder name.
    pub runs: Vec<RunData>,
}

/// The point a run folder belongs to: its name without a trailing `-t<digits>`.
pub fn point_of(folder: &str) -> &str {
    match folder.rsplit_once("-t") {
        Some((point, trial))
            if !point.is_empty()
                && !trial.is_empty()
                && trial.bytes().all(|b| b.is_ascii_digit()) =>
        {
            point
        }
        _ => folder,
    }
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ReportError> {
    serde_json::from_str(&read_text(path)?).map_err(|e| ReportError::Parse {
        path: path.to_path_buf(),
        line: e.line() as u64,
        message: e.to_string(),
    })
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, ReportError> {
    let text = read_text(path)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for row in reader.deserialize() {
        rows.push(row.map_err(|e: csv::Error| ReportError::Parse {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?);
    }
    Ok(rows)
}

impl RunData {
    /// Reads the run folder `dir`.
    pub fn read(dir: &Path) -> Result<RunData, ReportError> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        Ok(RunData {
            name,
            dir: dir.to_path_buf(),
            manifest: read_json(&dir.join("manifest.json"))?,
            summary: read_json(&dir.join("summary.json"))?,
            rounds: read_csv(&dir.join("rounds.csv"))?,
            devices: read_csv(&dir.join("devices.csv"))?,
            curves: match dir.join("curves.csv") {
                path if path.is_file() => read_csv(&path)?,
                _ => Vec::new(),
            },
        })
    }

    /// `fl.mode` of the run's resolved scenario, if recorded.
    pub fn fl_mode(&self) -> Option<RawFlMode> {
        self.manifest.fl_mode()
    }
}

/// Reads `dir`: a run folder (one group of one run), a sweep folder (`runs/*/`, grouped by
/// point in name order), or a parent of such folders, whose groups are named
/// `<subfolder>/<point>` and come subfolder by subfolder, in name order.
pub fn read_results(dir: &Path) -> Result<Vec<RunGroup>, ReportError> {
    match read_one(dir) {
        Err(ReportError::NoRuns { .. }) => read_parent(dir),
        other => other,
    }
}

/// Reads every run or sweep folder directly inside `dir`.
fn read_parent(dir: &Path) -> Result<Vec<RunGroup>, ReportError> {
    let no_runs = || ReportError::NoRuns {
        dir: dir.to_path_buf(),
    };
    let mut children: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|_| no_runs())?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("rounds.csv").is_file() || p.join("runs").is_dir())
        .collect();
    children.sort();
    let mut groups = Vec::new();
    for child in children {
        let prefix = child
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for mut group in read_one(&child)? {
            group.point = format!("{prefix}/{}", group.point);
            groups.push(group);
        }
    }
    if groups.is_empty() {
        return Err(no_runs());
    }
    Ok(groups)
}

/// Reads a run folder or a sweep folder.
fn read_one(dir: &Path) -> Result<Vec<RunGroup>, ReportError> {
    if dir.join("rounds.csv").is_file() {
        let run = RunData::read(dir)?;
        return Ok(vec![RunGroup {
            point: run.name.clone(),
            runs: vec![run],
        }]);
    }
    let runs_dir = dir.join("runs");
    let entries = fs::read_dir(&runs_dir).map_err(|_| ReportError::NoRuns {
        dir: dir.to_path_buf(),
    })?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("rounds.csv").is_file())
        .collect();
    folders.sort();
    let mut groups: Vec<RunGroup> = Vec::new();
    for folder in folders {
        let run = RunData::read(&folder)?;
        let point = point_of(&run.name).to_string();
        match groups.iter_mut().find(|g| g.point == point) {
            Some(group) => group.runs.push(run),
            None => groups.push(RunGroup {
                point,
                runs: vec![run],
            }),
        }
    }
    if groups.is_empty() {
        return Err(ReportError::NoRuns {
            dir: dir.to_path_buf(),
        });
    }
    groups.sort_by_key(|g| natural_key(&g.point));
    Ok(groups)
}

/// Sort key that orders digit runs by value, so `tau8` comes before `tau80`.
fn natural_key(s: &str) -> Vec<(u8, u128, String)> {
    let mut key = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        let digit = c.is_ascii_digit();
        let mut part = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() != digit {
                break;
            }
            part.push(c);
            chars.next();
        }
        let value = if digit {
            part.parse().unwrap_or(u128::MAX)
        } else {
            0
        };
        key.push((u8::from(digit), value, part));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_is_the_name_before_the_trial_suffix() {
        assert_eq!(point_of("tau8-t0"), "tau8");
        assert_eq!(point_of("fl.tau=8,rate=0.25-t12"), "fl.tau=8,rate=0.25");
        assert_eq!(point_of("quickstart-s42"), "quickstart-s42");
        assert_eq!(point_of("a-t"), "a-t");
        assert_eq!(point_of("-t3"), "-t3");
        assert_eq!(point_of("x-tb"), "x-tb");
    }

    #[test]
    fn points_sort_by_number_value() {
        let mut names = vec!["tau80", "tau8", "tau400", "sep"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names, vec!["sep", "tau8", "tau80", "tau400"]);
    }

    #[test]
    fn parent_of_sweeps_prefixes_points_with_the_subfolder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for (sweep, point) in [("fl", "p0-fl.tau=8"), ("separate", "p0-fl.mode=separate")] {
            for trial in 0..2 {
                let run = tmp.path().join(format!("{sweep}/runs/{point}-t{trial}"));
                crate::report::fixture::write_run(&run, point, trial, 8, 6);
            }
        }
        let groups = read_results(tmp.path()).expect("parent folder");
        let points: Vec<&str> = groups.iter().map(|g| g.point.as_str()).collect();
        assert_eq!(points, ["fl/p0-fl.tau=8", "separate/p0-fl.mode=separate"]);
        assert!(groups.iter().all(|g| g.runs.len() == 2));
    }

    #[test]
    fn missing_folder_is_a_no_runs_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = read_results(tmp.path()).expect_err("empty folder");
        assert!(matches!(err, ReportError::NoRuns { .. }), "{err}");
    }

    #[test]
    fn bad_csv_names_file_and_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let p = tmp.path().join("rounds.csv");
        fs::write(&p, "round,global_iteration\n0,80\nx,160\n").expect("write");
        let err = read_csv::<RoundRow>(&p).expect_err("bad row");
        match err {
            ReportError::Parse { path, line, .. } => {
                assert_eq!(path, p);
                assert!(line >= 2, "line {line}");
            }
            other => panic!("unexpected {other}"),
        }
    }
}
