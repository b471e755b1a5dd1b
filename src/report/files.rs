//! The run folder and the files in it.
//!
//! Everything is written into a hidden temporary folder beside the final one, which is renamed into
//! place only when every file is complete: a crash never leaves a half-written run that looks
//! finished.

use super::records::{NetEvent, Sink};
use super::ReportError;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A run folder being written.
pub struct RunDir {
    tmp: PathBuf,
    dest: PathBuf,
}

impl RunDir {
    /// Starts writing the folder `dest` (created on [`RunDir::commit`]).
    pub fn create(dest: &Path) -> Result<RunDir, ReportError> {
        let parent = dest.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io(parent))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        Ok(RunDir {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Path of `name` inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Where the folder ends up.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the finished folder into place, replacing an older run of the same name.
    pub fn commit(self) -> Result<PathBuf, ReportError> {
        if self.dest.exists() {
            let old = self.tmp.with_extension("old");
            fs::rename(&self.dest, &old).map_err(io(&self.dest))?;
            fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))?;
            fs::remove_dir_all(&old).map_err(io(&old))?;
        } else {
            fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))?;
        }
        Ok(self.dest)
    }
}

/// Writes `rows` as CSV with a header row to `path`.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), ReportError> {
    let encode = |e: csv::Error| ReportError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_path(path).map_err(encode)?;
    for row in rows {
        w.serialize(row).map_err(encode)?;
    }
    w.flush().map_err(io(path))
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ReportError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    fs::write(path, text + "\n").map_err(io(path))
}

/// `events.jsonl`: one JSON object per message event.
pub struct EventLog {
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<ReportError>,
}

impl EventLog {
    /// Opens the log at `path`.
    pub fn create(path: &Path) -> Result<EventLog, ReportError> {
        let file = File::create(path).map_err(io(path))?;
        Ok(EventLog {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            error: None,
        })
    }

    /// Flushes the log, reporting the first error met while writing.
    pub fn close(mut self) -> Result<(), ReportError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush().map_err(io(&self.path))
    }
}

impl Sink for EventLog {
    fn wants_events(&self) -> bool {
        true
    }

    fn event(&mut self, event: &NetEvent) {
        if self.error.is_some() {
            return;
        }
        let line = serde_json::to_string(event).map_err(|e| ReportError::Encode {
            path: self.path.clone(),
            message: e.to_string(),
        });
        let written = line.and_then(|l| writeln!(self.out, "{l}").map_err(io(&self.path)));
        if let Err(e) = written {
            self.error = Some(e);
        }
    }
}

/// A hidden temporary path beside `path`, keeping its extension (`dir/.name.tmp-PID.ext`), so
/// writers that pick a format from the extension still work.
pub fn temp_beside(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(".{stem}.tmp-{}{ext}", std::process::id()))
}

/// Renames `from` to `to` (replacing it), removing `from` if that fails.
pub fn rename(from: &Path, to: &Path) -> Result<(), ReportError> {
    fs::rename(from, to).map_err(|source| {
        let _ = fs::remove_file(from);
        ReportError::Io {
            path: to.to_path_buf(),
            source,
        }
    })
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old file or
/// the whole new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = temp_beside(path);
    fs::write(&tmp, bytes).map_err(io(&tmp))?;
    rename(&tmp, path)
}
