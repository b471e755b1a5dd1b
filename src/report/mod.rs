//! Outputs of a run: the run folder (written atomically), CSV and JSON files, the events log, the
//! progress bar and the one-screen summary. Each is a [`crate::sim::Sink`] or a plain writer.

mod files;
mod progress;
mod summary;

pub use files::{write_csv, write_json, EventLog, RunDir};
pub use progress::ProgressSink;
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
    /// A record could not be encoded.
    #[error("{path}: {message}")]
    Encode {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        message: String,
    },
}
