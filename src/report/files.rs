//! The run folder and the files in it.
//!
//! Everything is written into a hidden temporary folder (in `.flsnn/` beside the final one, see
//! [`super::destination`]), which is renamed into place only when every file is complete: a crash
//! never leaves a half-written run that looks finished.

use super::records::{NetEvent, Sink};
use super::{cleanup, Destination, ReportError};
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

/// A run folder being written into a temporary folder, moved to its checked destination by
/// [`RunDir::commit`]; dropped uncommitted (error, panic), it removes the temporary folder.
pub struct RunDir {
    tmp: PathBuf,
    dest: Destination,
    committed: bool,
    /// Kept when dropped uncommitted: the folder of a checkpointed run, to be resumed.
    resumable: bool,
}

impl RunDir {
    /// Starts writing the folder for the claimed destination `dest`.
    pub fn create(dest: Destination) -> Result<RunDir, ReportError> {
        let tmp = dest.temp_dir()?;
        Ok(RunDir {
            tmp,
            dest,
            committed: false,
            resumable: false,
        })
    }

    /// Starts writing the folder of a checkpointed run for `dest`, in `.flsnn/NAME.run` (see
    /// [`Destination::resumable_dir`]): a fresh one (`resume` false; the caller removed an
    /// earlier one), or the one a killed run left (`resume` true). It is kept when the process
    /// dies or the run fails, so that `--resume` can finish it.
    pub fn resumable(dest: Destination, resume: bool) -> Result<RunDir, ReportError> {
        let dir = dest.resumable_dir();
        if !resume {
            fs::create_dir(&dir).map_err(io(&dir))?;
        }
        Ok(RunDir {
            tmp: dir,
            dest,
            committed: false,
            resumable: true,
        })
    }

    /// Path of `name` inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Where the folder ends up.
    pub fn dest(&self) -> &Path {
        self.dest.path()
    }

    /// Moves the finished folder into place, replacing an earlier run there (allowed by
    /// `--force` when the destination was claimed).
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        self.dest.install(&self.tmp)?;
        self.committed = true;
        Ok(self.dest.path().to_path_buf())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed && !self.resumable {
            let _ = fs::remove_dir_all(&self.tmp);
            cleanup::unregister(&self.tmp);
        }
    }
}

/// Writes `rows` as CSV with a header row to `path`, through a temporary file and a rename; the
/// rows are encoded straight into the file (a million devices' rows are not held in memory).
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), ReportError> {
    write_atomic_with(path, |tmp, out| {
        let failed = |e: csv::Error| match e.is_io_error() {
            false => ReportError::Encode {
                path: path.to_path_buf(),
                message: e.to_string(),
            },
            true => match e.into_kind() {
                csv::ErrorKind::Io(source) => ReportError::Io {
                    path: tmp.to_path_buf(),
                    source,
                },
                kind => ReportError::Encode {
                    path: path.to_path_buf(),
                    message: format!("{kind:?}"),
                },
            },
        };
        let mut w = csv::Writer::from_writer(out);
        for row in rows {
            w.serialize(row).map_err(failed)?;
        }
        w.flush().map_err(io(tmp))
    })
}

/// Writes `value` as pretty JSON to `path`, through a temporary file and a rename.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ReportError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, (text + "\n").as_bytes())
}

/// `events.jsonl`: one JSON object per message event.
pub struct EventLog {
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<ReportError>,
    /// Bytes written so far.
    written: u64,
}

impl EventLog {
    /// Opens the log at `path`.
    pub fn create(path: &Path) -> Result<EventLog, ReportError> {
        let file = File::create(path).map_err(io(path))?;
        Ok(EventLog {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            error: None,
            written: 0,
        })
    }

    /// Opens the log a killed run left at `path` and cuts it back to its first `mark` bytes (what
    /// it held at the checkpoint being resumed), to write on from there.
    pub fn resume(path: &Path, mark: u64) -> Result<EventLog, ReportError> {
        use std::io::{Seek, SeekFrom};
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io(path))?;
        let len = file.metadata().map_err(io(path))?.len();
        if len < mark {
            return Err(ReportError::Destination {
                path: path.to_path_buf(),
                why: format!(
                    "holds {len} bytes, fewer than the {mark} it held at the checkpoint; it \
                     cannot be resumed"
                ),
            });
        }
        file.set_len(mark).map_err(io(path))?;
        file.seek(SeekFrom::Start(mark)).map_err(io(path))?;
        Ok(EventLog {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            error: None,
            written: mark,
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
        let written = line.and_then(|l| {
            writeln!(self.out, "{l}").map_err(io(&self.path))?;
            Ok(l.len() as u64 + 1)
        });
        match written {
            Ok(n) => self.written += n,
            Err(e) => self.error = Some(e),
        }
    }

    fn mark(&mut self) -> u64 {
        let synced = self
            .out
            .flush()
            .and_then(|()| self.out.get_ref().sync_data());
        if let Err(e) = synced {
            self.error.get_or_insert(io(&self.path)(e));
        }
        self.written
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
    write_atomic_with(path, |tmp, out| out.write_all(bytes).map_err(io(tmp)))
}

/// Writes `path` through a temporary file beside it and a rename: `fill` writes the contents
/// into the temporary file, whose path it is handed for its errors.
fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&Path, &mut BufWriter<File>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let tmp = temp_beside(path);
    clear_temp(&tmp)?;
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    let mut out = BufWriter::new(file);
    fill(&tmp, &mut out)?;
    out.flush().map_err(io(&tmp))?;
    drop(out);
    rename(&tmp, path)
}

/// Removes whatever non-folder entry (a stale file, a planted link) sits at the temporary path
/// `tmp`, so writing there never follows a link.
pub fn clear_temp(tmp: &Path) -> Result<(), ReportError> {
    match fs::symlink_metadata(tmp) {
        Ok(m) if m.is_dir() => Err(ReportError::Destination {
            path: tmp.to_path_buf(),
            why: "is a folder where flsnn writes a temporary file".into(),
        }),
        Ok(_) => fs::remove_file(tmp).map_err(io(tmp)),
        Err(_) => Ok(()),
    }
}
