//! Errors of the data module: every variant names the file and, for format errors, where it went
//! wrong and what was expected.

use std::path::PathBuf;

/// Everything that can go wrong while reading, encoding or partitioning data.
#[derive(thiserror::Error, Debug)]
pub enum DataError {
    /// The file (or folder) could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// File or folder concerned.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file (a device, a pipe, a folder), possibly through a link.
    #[error("{path}: not a regular file (a device, a pipe or a folder); expected a data file")]
    NotRegular {
        /// The path given.
        path: PathBuf,
    },
    /// The gzip stream is corrupt.
    #[error("{path}: corrupt gzip stream: {source}")]
    Gzip {
        /// File concerned.
        path: PathBuf,
        /// Underlying decoder error.
        #[source]
        source: std::io::Error,
    },
    /// A binary file does not match its format.
    #[error("{path}: byte offset {offset}: expected {expected}, found {found}")]
    Format {
        /// File concerned.
        path: PathBuf,
        /// Byte offset \[bytes\] in the (decompressed) content where the problem was found.
        offset: u64,
        /// What the format requires there.
        expected: String,
        /// What was found instead.
        found: String,
    },
    /// A text file has a bad line.
    #[error("{path}: line {line}: expected {expected}, found {found}")]
    Line {
        /// File concerned.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What the format requires on that line.
        expected: String,
        /// What was found instead.
        found: String,
    },
    /// Two files that must agree (e.g. MNIST images and labels) do not.
    #[error("{path}: does not match {other}: {detail}")]
    Mismatch {
        /// First file.
        path: PathBuf,
        /// Second file.
        other: PathBuf,
        /// What differs.
        detail: String,
    },
    /// A folder holds no usable example for the request.
    #[error("{path}: no examples found ({detail})")]
    Empty {
        /// Folder searched.
        path: PathBuf,
        /// What was searched for.
        detail: String,
    },
    /// A request (split sizes, partition parameters) cannot be satisfied.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Turn an I/O error about `path` into a [`DataError::Io`].
pub(crate) fn io_error(path: &std::path::Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Build a [`DataError::Format`].
pub(crate) fn format_error(
    path: &std::path::Path,
    offset: usize,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        offset: offset as u64,
        expected: expected.into(),
        found: found.into(),
    }
}
