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
    Run(cli::RunArgs),
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
        Command::Run(run) => cli::run(&run),
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
