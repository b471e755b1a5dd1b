//! The `flsnn` command: parses arguments, calls the library, maps errors to exit codes.

use clap::{Parser, Subcommand};
use flsnn::cli;
use std::path::PathBuf;
use std::process::ExitCode;

/// Federated learning of spiking neural networks over simulated wireless edge networks.
#[derive(Parser)]
#[command(name = "flsnn", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the embedded default when no file is given) and write a run folder.
    Run {
        /// Scenario file (TOML).
        file: Option<PathBuf>,
        /// Override a key: --set fl.tau=4 (repeatable; applied after FLSNN_* variables).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Run folder (default: <output.dir>/<name>-s<seed>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Arbiter threads hosting the device actors (default: number of cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Also write events.jsonl (every send, delivery and drop).
        #[arg(long)]
        events: bool,
    },
    /// Check a scenario file and print it resolved, without running it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override a key, as for `run`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Write plots (SVG, PNG) and a self-contained report.html for a run or sweep folder.
    Report {
        /// A run folder (with rounds.csv) or a sweep folder (with runs/<point>-t<trial>/).
        dir: PathBuf,
    },
    /// Train one SNN centrally on a dataset, to check the SNN alone before federating it.
    Train(cli::TrainArgs),
    /// Run a scenario over the cross product of --grid values, several trials per point.
    Sweep(cli::SweepArgs),
    /// Put run and sweep folders side by side and mark the Pareto front (accuracy vs uplink bytes).
    Compare {
        /// Run folders and sweep folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Also write the table as CSV to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    cli::init_tracing();
    let outcome = match args.command {
        Command::Run {
            file,
            sets,
            out,
            threads,
            events,
        } => cli::run(file.as_deref(), &sets, out, threads, events),
        Command::Validate { file, sets } => cli::validate(&file, &sets),
        Command::Report { dir } => cli::report(&dir),
        Command::Train(train) => cli::train(&train),
        Command::Sweep(sweep) => cli::sweep(&sweep),
        Command::Compare { dirs, csv } => cli::compare(&dirs, csv.as_deref()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.exit_code())
        }
    }
}
