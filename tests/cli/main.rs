//! The binary: commands, outputs and their safety, sweeps, compare.

mod commands;
mod compare;
mod outputs;
mod portable_binary;
mod sweep;
