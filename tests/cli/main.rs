//! The binary: commands, outputs and their safety, sweeps, compare.

mod clock;
mod commands;
mod compare;
mod memory;
mod outputs;
mod portable_binary;
mod sweep;
