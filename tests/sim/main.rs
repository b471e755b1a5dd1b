//! Whole runs: the channel end to end against closed forms, determinism, the records.

#[path = "../common/mod.rs"]
mod common;

mod aircomp;
mod cell;
mod channel;
mod determinism;
mod records;
mod systems_only;
