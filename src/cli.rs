//! The command line's logic: thin wrappers that load inputs, call the library and print.

use crate::experiment::{self, RunOptions};
use crate::scenario;
use crate::train::{self, Encoding, TrainOptions};
use std::path::{Path, PathBuf};

/// An error at the edge of the program, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong (scenario, data, arguments): exit code 2.
    #[error("{0}")]
    Input(String),
    /// Something failed while running: exit code 1.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl From<experiment::ExperimentError> for CliError {
    fn from(e: experiment::ExperimentError) -> Self {
        if e.is_input_error() {
            CliError::Input(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

/// `flsnn run`.
pub fn run(
    file: Option<&Path>,
    sets: &[String],
    out: Option<PathBuf>,
    threads: Option<usize>,
    events: bool,
) -> Result<(), CliError> {
    let scenario = scenario::load(file, sets).map_err(|e| CliError::Input(e.to_string()))?;
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let options = RunOptions {
        out,
        threads,
        events: events || scenario.output.events,
        progress: true,
        command_line: std::env::args().collect(),
    };
    let outcome = experiment::run(&scenario, &options)?;
    println!("{}", outcome.summary);
    println!("  results         {}", outcome.dir.display());
    Ok(())
}

/// `flsnn report`: plots and `report.html` for a run or sweep folder.
pub fn report(dir: &Path) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let outcome = crate::report::write_report(dir).map_err(|e| match e {
        crate::report::ReportError::Parse { .. } | crate::report::ReportError::NoRuns { .. } => {
            CliError::Input(e.to_string())
        }
        other => CliError::Failed(other.to_string()),
    })?;
    println!(
        "report: {} run(s) in {} point(s), {} plots (SVG and PNG) in {:.2} s",
        outcome.runs,
        outcome.points,
        outcome.plots.len(),
        started.elapsed().as_secs_f64()
    );
    println!("  page            {}", outcome.html.display());
    Ok(())
}

/// `flsnn validate`.
pub fn validate(file: &Path, sets: &[String]) -> Result<(), CliError> {
    let scenario = scenario::load(Some(file), sets).map_err(|e| CliError::Input(e.to_string()))?;
    experiment::check(&scenario)?;
    println!("{}: valid", file.display());
    println!("{}", scenario.to_resolved_toml());
    Ok(())
}

/// Arguments of `flsnn train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Dataset: mnist (embedded) or uci-digits (embedded).
    #[arg(long, default_value = "mnist")]
    pub dataset: String,
    /// Folder holding the dataset files (default: the embedded `data/`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Classes to learn, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,7")]
    pub classes: Vec<u8>,
    /// Training examples (balanced over the classes).
    #[arg(long, default_value_t = 400)]
    pub train: usize,
    /// Held-out test examples (balanced).
    #[arg(long, default_value_t = 200)]
    pub test: usize,
    /// Time steps per example (S').
    #[arg(long, default_value_t = 80)]
    pub steps: usize,
    /// Spike encoding: rate or events (emulated event camera).
    #[arg(long, default_value = "rate")]
    pub encoding: String,
    /// Rate-coding gain: P(spike) = gain * pixel / 255.
    #[arg(long, default_value_t = 0.15)]
    pub gain: f64,
    /// Learning rate.
    #[arg(long, default_value_t = 0.01)]
    pub eta: f64,
    /// Hidden neurons.
    #[arg(long, default_value_t = 0)]
    pub hidden: usize,
    /// Passes over the training examples.
    #[arg(long, default_value_t = 1)]
    pub epochs: usize,
    /// Evaluate every this many training examples.
    #[arg(long, default_value_t = 100)]
    pub eval_every: usize,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `flsnn train`.
pub fn train(args: &TrainArgs) -> Result<(), CliError> {
    let encoding = match args.encoding.as_str() {
        "rate" => Encoding::Rate { gain: args.gain },
        "events" => Encoding::Events,
        other => {
            return Err(CliError::Input(format!(
                "--encoding: expected rate or events, got {other:?}"
            )))
        }
    };
    let options = TrainOptions {
        dataset: args.dataset.clone(),
        data_dir: args.data_dir.clone(),
        classes: args.classes.clone(),
        train_examples: args.train,
        test_examples: args.test,
        steps_per_example: args.steps,
        encoding,
        eta: args.eta,
        hidden: args.hidden,
        epochs: args.epochs,
        eval_every: args.eval_every,
        seed: args.seed,
    };
    let report = train::train(&options, true).map_err(|e| match e {
        train::TrainError::Input(m) => CliError::Input(m),
        other => CliError::Failed(other.to_string()),
    })?;
    println!("{report}");
    Ok(())
}
