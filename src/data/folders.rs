//! Loading MNIST-DVS and N-MNIST recordings from folders the user supplies.

use std::path::{Path, PathBuf};

use super::aedat::read_aedat;
use super::dataset::Example;
use super::error::{io_error, DataError};
use super::nmnist::read_nmnist;
use super::spikes::{bin_mnist_dvs, bin_window, Polarity, SensorWindow};

/// Width of an MNIST-DVS time step in the FL-SNN preprocessing \[us\].
pub const MNIST_DVS_BIN_US: u64 = 25_000;
/// Last recording number of the MNIST-DVS training part (0001..=0900 train, 0901..=1000 test).
pub const MNIST_DVS_LAST_TRAIN: u32 = 900;

/// Which MNIST-DVS recordings to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DvsSplit {
    /// Recordings 0001-0900.
    Train,
    /// Recordings 0901-1000.
    Test,
    /// Every recording.
    All,
}

impl DvsSplit {
    fn contains(self, number: u32) -> bool {
        match self {
            DvsSplit::Train => number <= MNIST_DVS_LAST_TRAIN,
            DvsSplit::Test => number > MNIST_DVS_LAST_TRAIN,
            DvsSplit::All => true,
        }
    }
}

/// Every regular file under `dir`, recursively, sorted by path (symbolic links are not followed).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| io_error(&folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&folder, e))?;
            let kind = entry.file_type().map_err(|e| io_error(&entry.path(), e))?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Digit and recording number of a file named `mnist_<d>_scale04_<NNNN>.aedat`.
pub fn parse_mnist_dvs_name(name: &str) -> Option<(u8, u32)> {
    let rest = name.strip_prefix("mnist_")?.strip_suffix(".aedat")?;
    let (digit, number) = rest.split_once("_scale04_")?;
    let digit: u8 = digit.parse().ok().filter(|d| *d <= 9)?;
    if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digit, number.parse().ok()?))
}

/// Load MNIST-DVS recordings under `dir` (searched recursively for `mnist_<d>_scale04_<NNNN>.aedat`)
/// for the given digits and split, preprocessed as FL-SNN does ([`bin_mnist_dvs`]: `steps` bins of
/// `bin_us`, [`MNIST_DVS_BIN_US`] in the paper). The label of an example is the position of its
/// digit in `digits`. Examples come ordered by digit (in `digits` order), then recording number,
/// then path.
pub fn load_mnist_dvs_dir(
    dir: &Path,
    digits: &[u8],
    split: DvsSplit,
    steps: usize,
    bin_us: u64,
    polarity: Polarity,
) -> Result<Vec<Example>, DataError> {
    let mut found: Vec<(usize, u32, PathBuf)> = Vec::new();
    for path in files_under(dir)? {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((digit, number)) = parse_mnist_dvs_name(name) else {
            continue;
        };
        let Some(label) = digits.iter().position(|&d| d == digit) else {
            continue;
        };
        if split.contains(number) {
            found.push((label, number, path));
        }
    }
    if found.is_empty() {
        return Err(DataError::Empty {
            path: dir.to_path_buf(),
            detail: format!("no mnist_<d>_scale04_<NNNN>.aedat for digits {digits:?}, {split:?}"),
        });
    }
    found.sort();
    found
        .into_iter()
        .map(|(label, _, path)| {
            let events = read_aedat(&path)?;
            Ok(Example {
                spikes: bin_mnist_dvs(&events, steps, bin_us, polarity),
                label,
            })
        })
        .collect()
}

/// Load N-MNIST recordings from `dir/Train/<d>/*.bin` (or `dir/Test/...`), keeping the central
/// 26x26 of the 34x34 sensor (pixel (y - 4) * 26 + (x - 4)) and binning `steps` bins of `bin_us`
/// relative to each file's first event. Labels are positions in `digits`; order: digit, then path.
pub fn load_nmnist_dir(
    dir: &Path,
    digits: &[u8],
    train: bool,
    steps: usize,
    bin_us: u64,
    polarity: Polarity,
) -> Result<Vec<Example>, DataError> {
    let part = dir.join(if train { "Train" } else { "Test" });
    let mut examples = Vec::new();
    for (label, digit) in digits.iter().enumerate() {
        let folder = part.join(digit.to_string());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| io_error(&folder, e))?
            .map(|entry| entry.map(|e| e.path()).map_err(|e| io_error(&folder, e)))
            .collect::<Result<_, _>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "bin") && p.is_file());
        files.sort();
        for path in files {
            let events = read_nmnist(&path)?;
            examples.push(Example {
                spikes: bin_window(&events, SensorWindow::NMNIST, steps, bin_us, polarity),
                label,
            });
        }
    }
    if examples.is_empty() {
        return Err(DataError::Empty {
            path: part,
            detail: format!("no <digit>/*.bin for digits {digits:?}"),
        });
    }
    Ok(examples)
}
