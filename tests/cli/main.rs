//! The binary: commands, outputs and their safety, sweeps, compare.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `flsnn` with `args` in `cwd`.
fn flsnn(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

/// What a command wrote to stderr.
fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

mod checkpoint;
mod clock;
mod commands;
mod compare;
mod memory;
mod outputs;
mod portable_binary;
mod sweep;
