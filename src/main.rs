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
    #[cfg(feature = "mpi")]
    if let Some(link) = flsnn::mpi::MpiLink::launched() {
        return finish(ranked(args.command, link));
    }
    #[cfg(not(feature = "mpi"))]
    if let Some(ranks) = launched_on_ranks() {
        return finish(Err(cli::CliError::Input(format!(
            "started as one of {ranks} MPI ranks, but this flsnn was built without MPI: every \
             rank would run the whole command; build it with `cargo build --release --features \
             mpi`"
        ))));
    }
    finish(one_process(args.command))
}

/// The number of ranks an MPI launcher started, when more than one.
#[cfg(not(feature = "mpi"))]
fn launched_on_ranks() -> Option<u64> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
        .iter()
        .filter_map(|v| std::env::var(v).ok()?.parse::<u64>().ok())
        .find(|&n| n > 1)
}

/// Under an MPI launcher: `run` and `sweep` spread over the ranks, other commands on rank 0.
#[cfg(feature = "mpi")]
fn ranked(
    command: Command,
    link: Result<flsnn::mpi::MpiLink, String>,
) -> Result<(), cli::CliError> {
    use flsnn::run::spread::{self, Link};
    let mut link = link.map_err(cli::CliError::Failed)?;
    let rank = link.rank();
    match command {
        Command::Run(run) if rank == 0 => {
            let outcome = cli::run_on(&run, Some(&mut link));
            let stopped = spread::stop(&mut link).map_err(cli::CliError::Failed);
            outcome.and(stopped)
        }
        Command::Sweep(sweep) if rank == 0 => cli::sweep_on(&sweep, Some(&mut link)),
        other if rank == 0 => one_process(other),
        Command::Run(run) => cli::serve(&run, &mut link).map_err(|e| on_rank(rank, e)),
        Command::Sweep(sweep) => cli::sweep_serve(&sweep, &mut link).map_err(|e| on_rank(rank, e)),
        _ => Ok(()),
    }
}

/// An error of a serving rank, naming it.
#[cfg(feature = "mpi")]
fn on_rank(rank: u32, e: cli::CliError) -> cli::CliError {
    match e {
        cli::CliError::Input(m) => cli::CliError::Input(format!("rank {rank}: {m}")),
        cli::CliError::Failed(m) => cli::CliError::Failed(format!("rank {rank}: {m}")),
    }
}

fn one_process(command: Command) -> Result<(), cli::CliError> {
    match command {
        Command::Run(run) => cli::run(&run),
        Command::Validate { file, sets } => cli::validate(&file, &sets),
        Command::Report { dir } => cli::report(&dir),
        Command::Train(train) => cli::train(&train),
        Command::Sweep(sweep) => cli::sweep(&sweep),
        Command::Compare { dirs, csv } => cli::compare(&dirs, csv.as_deref()),
    }
}

fn finish(outcome: Result<(), cli::CliError>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.exit_code())
        }
    }
}
