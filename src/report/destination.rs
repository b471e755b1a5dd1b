//! Where a run or sweep folder may be written, checked before anything runs.
//!
//! An `--out` path is accepted when nothing is there, or when an earlier flsnn folder of the same
//! kind is there (recognised by its manifest: `manifest.json` for a run, `sweep.json` for a sweep)
//! and the user said `--force` (replace it) or, for a sweep, `--resume` (finish it). Anything else
//! (a file, a device, a symbolic link, a folder flsnn did not write) is refused and never touched.
//!
//! flsnn's own bookkeeping for a destination `P/NAME` lives in the hidden folder `P/.flsnn/`:
//! `NAME.lock` (held with an OS file lock while a run writes, so a second run to the same folder
//! fails at once; the OS drops the lock if the process dies), and the temporary folders
//! `NAME.tmp-PID` and `NAME.old-PID`. Leftovers of a killed run are removed by the next run that
//! takes the lock; `report` never looks inside `.flsnn/`.

use super::cleanup::{self, WORK_DIR};
use super::ReportError;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// What a destination is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OutKind {
    /// A run folder (`manifest.json`).
    Run,
    /// A sweep folder (`sweep.json`).
    Sweep,
}

impl OutKind {
    /// The file that marks a folder of this kind.
    pub fn manifest(self) -> &'static str {
        match self {
            OutKind::Run => "manifest.json",
            OutKind::Sweep => "sweep.json",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            OutKind::Run => "run",
            OutKind::Sweep => "sweep",
        }
    }
}

/// What to do with an earlier flsnn folder at the destination.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Existing {
    /// Refuse (the default).
    #[default]
    Refuse,
    /// Replace it (`--force`).
    Replace,
    /// Keep it and add to it (`sweep --resume`).
    Resume,
}

/// A checked, locked destination.
#[derive(Debug)]
pub struct Destination {
    path: PathBuf,
    work: PathBuf,
    name: String,
    kind: OutKind,
    earlier: bool,
    lock: Option<(File, PathBuf)>,
}

fn refuse(path: &Path, why: impl Into<String>) -> ReportError {
    ReportError::Destination {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `dir` holds the manifest of an earlier flsnn folder of `kind`: a regular file (not a
/// link) holding a JSON object with `flsnn_version`.
pub fn is_flsnn_folder(dir: &Path, kind: OutKind) -> bool {
    let manifest = dir.join(kind.manifest());
    let regular = fs::symlink_metadata(&manifest).is_ok_and(|m| m.file_type().is_file());
    regular
        && fs::read(&manifest)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|v| v.get("flsnn_version").is_some())
}

impl Destination {
    /// Checks `path` for a folder of `kind` and takes its lock; creates missing parent folders.
    /// Nothing at `path` is changed.
    pub fn claim(
        path: &Path,
        kind: OutKind,
        existing: Existing,
    ) -> Result<Destination, ReportError> {
        let name = match path.file_name().and_then(|n| n.to_str()) {
            Some(n) if !n.starts_with('.') => n.to_string(),
            _ => {
                return Err(refuse(
                    path,
                    "expected a folder path ending in a plain name (not '.', '..', '/' or a \
                     hidden name)",
                ))
            }
        };
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let earlier = Self::check(path, kind, existing)?;
        fs::create_dir_all(&parent).map_err(|e| {
            refuse(
                &parent,
                format!("cannot create the folder that holds --out: {e}"),
            )
        })?;
        let work = parent.join(WORK_DIR);
        match fs::symlink_metadata(&work) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(refuse(&work, "exists and is not a folder flsnn made")),
            Err(_) => match fs::create_dir(&work) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(&work)(e)),
            },
        }
        let mut dest = Destination {
            path: path.to_path_buf(),
            work,
            name,
            kind,
            earlier,
            lock: None,
        };
        dest.lock()?;
        // Checked again under the lock: another run may have finished in between.
        dest.earlier = Self::check(path, kind, existing)?;
        dest.remove_leftovers();
        Ok(dest)
    }

    /// Whether an earlier folder of this kind is there; an error for anything not allowed.
    fn check(path: &Path, kind: OutKind, existing: Existing) -> Result<bool, ReportError> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(refuse(path, format!("cannot be used as --out: {e}"))),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(
                path,
                "is a symbolic link; flsnn does not write through links",
            ));
        }
        if !meta.is_dir() {
            return Err(refuse(
                path,
                "exists and is not a folder (a file or a device); choose another --out",
            ));
        }
        if !is_flsnn_folder(path, kind) {
            return Err(refuse(
                path,
                format!(
                    "exists and is not an earlier flsnn {} folder (no {}); flsnn never replaces \
                     it: choose another --out",
                    kind.noun(),
                    kind.manifest()
                ),
            ));
        }
        match (existing, kind) {
            (Existing::Replace, _) => Ok(true),
            (Existing::Resume, OutKind::Sweep) => Ok(true),
            (_, OutKind::Sweep) => Err(refuse(
                path,
                "holds an earlier flsnn sweep; pass --resume to finish it or --force to replace it",
            )),
            (_, OutKind::Run) => Err(refuse(
                path,
                "holds an earlier flsnn run; pass --force to replace it",
            )),
        }
    }

    fn lock(&mut self) -> Result<(), ReportError> {
        let path = self.work.join(format!("{}.lock", self.name));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let busy = || {
            refuse(
                &self.path,
                format!(
                    "another flsnn process is writing here (lock {} is held)",
                    path.display()
                ),
            )
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(busy()),
            Err(fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        // The holder before us may have removed the lock file after we opened it: then our lock
        // is on a file nobody else sees, and another process may hold a new one.
        if !same_file(&file, &path) {
            return Err(busy());
        }
        cleanup::register(&path);
        self.lock = Some((file, path));
        Ok(())
    }

    /// Removes `NAME.tmp-*` and `NAME.old-*` left in `.flsnn/` by a killed run (safe: we hold the
    /// lock for NAME, so no live process writes them).
    fn remove_leftovers(&self) {
        let Ok(entries) = fs::read_dir(&self.work) else {
            return;
        };
        let tmp = format!("{}.tmp-", self.name);
        let old = format!("{}.old-", self.name);
        for entry in entries.filter_map(|e| e.ok()) {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let ours = file_name.starts_with(&tmp) || file_name.starts_with(&old);
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if ours && is_dir {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether an earlier flsnn folder of this kind is there (to be replaced or resumed).
    pub fn has_earlier(&self) -> bool {
        self.earlier
    }

    /// The folder of a checkpointed run for this destination, `.flsnn/NAME.run`: it holds the
    /// files written so far and `checkpoint.bin`, and is moved into place when the run ends. A
    /// killed run leaves it for `--resume`; leftovers cleanup never removes it.
    pub fn resumable_dir(&self) -> PathBuf {
        self.work.join(format!("{}.run", self.name))
    }

    /// A fresh temporary folder for this destination, in `.flsnn/`, removed on a signal.
    pub(crate) fn temp_dir(&self) -> Result<PathBuf, ReportError> {
        let tmp = self
            .work
            .join(format!("{}.tmp-{}", self.name, std::process::id()));
        if fs::symlink_metadata(&tmp).is_ok() {
            fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        cleanup::register(&tmp);
        fs::create_dir(&tmp).map_err(io(&tmp))?;
        Ok(tmp)
    }

    /// Moves the earlier folder out of the way and deletes it (`--force` on a sweep).
    pub(crate) fn remove_earlier(&mut self) -> Result<(), ReportError> {
        if !self.earlier {
            return Ok(());
        }
        Self::check(&self.path, self.kind, Existing::Replace)?;
        let old = self
            .work
            .join(format!("{}.old-{}", self.name, std::process::id()));
        fs::rename(&self.path, &old).map_err(io(&self.path))?;
        self.earlier = false;
        fs::remove_dir_all(&old).map_err(io(&old))
    }

    /// Puts the finished folder `tmp` at the destination, replacing the earlier folder (checked
    /// again just before) if there is one.
    pub(crate) fn install(&mut self, tmp: &Path) -> Result<(), ReportError> {
        let mut held = cleanup::hold();
        if fs::symlink_metadata(&self.path).is_ok() {
            Self::check(&self.path, self.kind, Existing::Replace)?;
            let old = self
                .work
                .join(format!("{}.old-{}", self.name, std::process::id()));
            fs::rename(&self.path, &old).map_err(io(&self.path))?;
            fs::rename(tmp, &self.path).map_err(io(&self.path))?;
            held.forget(tmp);
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(tmp, &self.path).map_err(io(&self.path))?;
            held.forget(tmp);
        }
        self.earlier = true;
        Ok(())
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if let Some((file, path)) = self.lock.take() {
            // Unlink before unlocking: a process that opened the old file then fails its
            // same-file check instead of sharing the folder.
            let _ = fs::remove_file(&path);
            cleanup::unregister(&path);
            drop(file);
        }
        // Empty once nothing else is in flight; another process's files keep it.
        let _ = fs::remove_dir(&self.work);
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}
