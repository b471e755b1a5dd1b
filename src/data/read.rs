//! Reading data files within bounds: regular files only (a path linked to `/dev/zero` or a pipe is
//! refused before reading), never more than [`MAX_DATA_BYTES`], and gzip streams decoded only as
//! far as their limit.

use super::error::{format_error, io_error, DataError};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest data file, or decompressed gzip content, accepted \[bytes\] (1 GiB; MNIST's largest file
/// is 47 MB).
pub const MAX_DATA_BYTES: u64 = 1 << 30;

/// Opens `path` if it is a regular file (after following links).
pub fn open_regular(path: &Path) -> Result<File, DataError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(DataError::NotRegular {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_DATA_BYTES {
        return Err(too_big(path, meta.len()));
    }
    File::open(path).map_err(|e| io_error(path, e))
}

fn too_big(path: &Path, size: u64) -> DataError {
    format_error(
        path,
        0,
        format!("at most {MAX_DATA_BYTES} bytes"),
        format!("{size} bytes"),
    )
}

/// Reads up to `limit` bytes from `reader` into `out`; an error if there are more.
pub fn read_at_most(
    reader: impl Read,
    limit: u64,
    out: &mut Vec<u8>,
    path: &Path,
) -> Result<(), DataError> {
    let before = out.len() as u64;
    reader
        .take(limit.saturating_add(1))
        .read_to_end(out)
        .map_err(|source| DataError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    let read = out.len() as u64 - before;
    if read > limit {
        return Err(format_error(
            path,
            out.len(),
            format!("at most {limit} bytes"),
            "more",
        ));
    }
    Ok(())
}

/// The whole regular file `path` (at most [`MAX_DATA_BYTES`]).
pub fn read_regular(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = open_regular(path)?;
    let mut out = Vec::new();
    file.take(MAX_DATA_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| io_error(path, e))?;
    if out.len() as u64 > MAX_DATA_BYTES {
        return Err(too_big(path, out.len() as u64));
    }
    Ok(out)
}
