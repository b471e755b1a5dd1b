//! Temporary folders and lock files removed on SIGINT, SIGTERM and SIGHUP.
//!
//! Writers register what they create ([`register`]) and forget it once it is in place or gone
//! ([`unregister`]); on a signal, a watcher thread removes everything still registered and ends
//! the process with code 128 + the signal. Errors and panics are covered by the writers' own
//! `Drop`s; this covers the signals that would otherwise skip them.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// Name of the bookkeeping folder beside a destination (temporary folders and locks).
pub const WORK_DIR: &str = ".flsnn";

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static WATCH: Once = Once::new();

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the signal watcher (once per process; later calls do nothing). If the handlers cannot
/// be installed, signals keep their default action and temporary folders may be left behind in
/// `.flsnn/`, where the next run removes them.
pub fn on_signals() {
    WATCH.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            tracing::warn!("cannot watch signals; an interrupted run may leave .flsnn/ folders");
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("flsnn-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let mut paths = live();
                    remove_all(&mut paths);
                    eprintln!("flsnn: stopped by signal {signal}; temporary files removed");
                    std::process::exit(128 + signal);
                }
            });
        if spawned.is_err() {
            tracing::warn!("cannot start the signal watcher");
        }
    });
}

fn remove_all(paths: &mut Vec<PathBuf>) {
    for path in paths.drain(..).rev() {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {
                let _ = std::fs::remove_dir_all(&path);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(_) => {}
        }
        // The bookkeeping folder goes too once empty (it fails harmlessly while it is not).
        if let Some(parent) = path.parent() {
            if parent.file_name().is_some_and(|n| n == WORK_DIR) {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
}

/// Removes `path` (a folder or a file) if a signal ends the process.
pub fn register(path: &Path) {
    live().push(path.to_path_buf());
}

/// Forgets `path`.
pub fn unregister(path: &Path) {
    live().retain(|p| p != path);
}

/// Holds off the signal watcher while a temporary folder is renamed into place.
pub struct Hold(MutexGuard<'static, Vec<PathBuf>>);

/// Blocks signal cleanup until the returned guard is dropped.
pub fn hold() -> Hold {
    Hold(live())
}

impl Hold {
    /// Forgets `path` while holding off the watcher.
    pub fn forget(&mut self, path: &Path) {
        self.0.retain(|p| p != path);
    }
}
