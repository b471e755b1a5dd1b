//! Outputs of a run: the run folder (written atomically), CSV and JSON files, the events log, the
//! progress bar and the one-screen summary. Each is a [`Sink`] or a plain writer.
//!
//! Afterwards, `flsnn report` reads run or sweep folders back ([`load`]), turns them into series
//! ([`series`]), draws them with plotters ([`chart`], [`plots`]) and writes `report.html`
//! ([`html`]). [`local`] gives the paper's Figure 4 from the devices' local-model checkpoints.

pub mod chart;
pub mod cleanup;
pub mod destination;
mod files;
#[cfg(test)]
pub(crate) mod fixture;
pub mod html;
pub mod labels;
pub mod load;
pub mod local;
mod manifest;
pub mod plots;
mod progress;
mod records;
pub mod series;
mod summary;
pub mod tau;

pub use chart::PlotFile;
pub use destination::{Destination, Existing, OutKind};
pub use files::{write_atomic, write_csv, write_json, EventLog, RunDir};
pub use html::{write_report, ReportOutcome};
pub use load::{read_results, RunData, RunGroup};
pub use manifest::Manifest;
pub use progress::ProgressSink;
pub use records::{
    CurvePoint, DeviceRecord, EventKind, NetEvent, NullSink, RoundRecord, RunResult, Sink,
};
pub use summary::{RunSummary, Summary};

/// What can go wrong while writing results.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A results file could not be parsed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// Line of the error (1-based; 0 when unknown).
        line: u64,
        /// What was wrong.
        message: String,
    },
    /// A folder holds neither a run (`rounds.csv`) nor a sweep (`runs/*/rounds.csv`).
    #[error("{dir}: no run folder (expected rounds.csv, or runs/*/rounds.csv for a sweep)")]
    NoRuns {
        /// The folder.
        dir: std::path::PathBuf,
    },
    /// A plot could not be drawn.
    #[error("plot {name}: {message}")]
    Plot {
        /// The plot's title or file.
        name: String,
        /// The cause.
        message: String,
    },
    /// An output path that flsnn refuses to write (exists and is not its own, is a link, is
    /// locked by another run).
    #[error("{path}: {why}")]
    Destination {
        /// The path.
        path: std::path::PathBuf,
        /// Why it is refused.
        why: String,
    },
    /// A record could not be encoded.
    #[error("{path}: {message}")]
    Encode {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        message: String,
    },
}

impl ReportError {
    /// Whether the user's input (a path, a results folder) is at fault rather than the system.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            ReportError::Destination { .. }
                | ReportError::Parse { .. }
                | ReportError::NoRuns { .. }
        )
    }
}
