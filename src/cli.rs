//! The command line's logic: thin wrappers that load inputs, call the library and print.

use crate::compare;
use crate::data::{EventCamera, Motion, RateDraws};
use crate::run::spread::{self, Link};
use crate::run::train::{self, Encoding, TrainOptions};
use crate::run::{self as experiment, RunOptions};
use crate::scenario;
use crate::sweep::{self, GridAxis, SweepOptions};
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

/// Most arbiter threads `--threads` accepts.
pub const MAX_THREADS: u64 = 1024;

/// Arguments of `flsnn run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub file: Option<PathBuf>,
    /// Override a key: --set fl.tau=4 (repeatable; applied after FLSNN_* variables). The value is
    /// a TOML literal (8, 2.5, true, [1, 7], "text"), else taken as a string (5Mbps, fifo).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Run folder (default: `<output.dir>/<name>-s<seed>`). Must not exist, unless it holds an
    /// earlier flsnn run and --force is given.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an earlier flsnn run folder at the destination (anything else is always refused).
    #[arg(long)]
    pub force: bool,
    /// Arbiter threads hosting the device actors, 1 to 1024 (default: number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    pub threads: Option<u64>,
    /// Also write events.jsonl (every send, delivery and drop).
    #[arg(long)]
    pub events: bool,
    /// Refuse a run whose estimated memory (printed by `flsnn validate`) exceeds this size, e.g.
    /// 8GiB (default: 80% of physical memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_max_memory)]
    pub max_memory: Option<u64>,
    /// Save the whole simulation into the run's folder every N rounds (5) or every span of
    /// virtual time (30s), so that a killed run can be finished with --resume.
    #[arg(long, value_name = "N|TIME", value_parser = experiment::checkpoint::Every::parse)]
    pub checkpoint_every: Option<experiment::checkpoint::Every>,
    /// Finish the checkpointed run whose folder would be DIR, from its latest checkpoint (give
    /// the same scenario and --set values); the outputs are those of an uninterrupted run.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "force"])]
    pub resume: Option<PathBuf>,
}

/// `--max-memory`: a size in the scenario's units (`8GiB`, `512MB`, `1500B`).
fn parse_max_memory(text: &str) -> Result<u64, String> {
    scenario::units::parse_size_bytes(text).map_err(|e| e.to_string())
}

/// The memory limit of a run: `--max-memory`, else the default share of physical memory.
fn max_memory(flag: Option<u64>) -> u64 {
    flag.unwrap_or_else(scenario::memory::default_limit)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `flsnn run`.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    run_on(args, None)
}

/// `flsnn run` as rank 0 of `link` (when given): the other ranks host their share of the
/// devices ([`serve`]). The serving ranks are not told to stop.
pub fn run_on(args: &RunArgs, link: Option<&mut dyn Link>) -> Result<(), CliError> {
    crate::report::cleanup::on_signals();
    let scenario = scenario::load(args.file.as_deref(), &args.sets)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let threads = args.threads.map_or_else(cores, |t| t as usize);
    let events = args.events;
    let options = RunOptions {
        out: args.resume.clone().or_else(|| args.out.clone()),
        force: args.force,
        threads,
        events: events || scenario.output.events,
        progress: true,
        command_line: std::env::args().collect(),
        max_memory: max_memory(args.max_memory),
        checkpoint_every: args.checkpoint_every,
        resume: args.resume.is_some(),
    };
    let outcome = experiment::run_on(&scenario, &options, link)?;
    println!("{}", outcome.summary);
    if let Some(c) = outcome.checkpoints.as_ref().filter(|c| c.written > 0) {
        println!(
            "  checkpoints     {} written, the run held {:.3} s in all (files written beside \
             it in {:.3} s); the last {} B ({} B per device)",
            c.written,
            c.seconds,
            c.writing,
            c.last_bytes,
            c.last_bytes / outcome.devices.max(1)
        );
    }
    println!("  results         {}", outcome.dir.display());
    Ok(())
}

/// `flsnn run` on a serving rank (1..) of `link`: hosts this rank's share of the devices until
/// rank 0 says stop. A scenario that does not load is reported to rank 0 with the first work it
/// hands over (rank 0 loads the same scenario, so it normally fails first).
pub fn serve(args: &RunArgs, link: &mut dyn Link) -> Result<(), CliError> {
    let threads = args.threads.map_or_else(cores, |t| t as usize);
    match scenario::load(args.file.as_deref(), &args.sets) {
        Ok(scenario) => experiment::serve(&scenario, link, threads)
            .map(|_| ())
            .map_err(CliError::from),
        Err(e) => {
            let why = Some(format!("loading the scenario: {e}"));
            spread::serve(link, Vec::new(), why, threads).map_err(CliError::Failed)?;
            Err(CliError::Input(e.to_string()))
        }
    }
}

/// `flsnn report`: plots and `report.html` for a run or sweep folder.
pub fn report(dir: &Path) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let outcome = crate::report::write_report(dir).map_err(|e| {
        if e.is_input_error() {
            CliError::Input(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
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

/// `flsnn validate`: every rule of the scenario, without reading data sets or allocating devices
/// (the data files are read when a run starts).
pub fn validate(file: &Path, sets: &[String]) -> Result<(), CliError> {
    let scenario = scenario::load(Some(file), sets).map_err(|e| CliError::Input(e.to_string()))?;
    scenario::memory::check_work(&scenario).map_err(CliError::Input)?;
    let limit = scenario::memory::default_limit();
    let limit = if limit == u64::MAX {
        "no limit: physical memory unknown".to_string()
    } else {
        format!(
            "default limit {}, {}% of physical memory",
            scenario::memory::human(limit),
            scenario::memory::DEFAULT_SHARE_PERCENT
        )
    };
    print_quietly(&format!(
        "{}: valid\n# memory estimate: {} ({limit}; --max-memory to change)\n{}\n",
        file.display(),
        scenario::memory::estimate(&scenario),
        scenario.to_resolved_toml()
    ))
}

/// Prints to stdout; a closed pipe (`flsnn validate F | head -1`) ends the output quietly.
fn print_quietly(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!("writing to stdout: {e}"))),
    }
}

/// Arguments of `flsnn train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Dataset (both embedded).
    #[arg(long, value_enum, default_value_t = Dataset::Mnist)]
    pub dataset: Dataset,
    /// Folder holding the dataset files (default: the embedded `data/`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Classes to learn, comma-separated distinct digits 0 to 9.
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
    /// Spike encoding: rate, or events (emulated event camera).
    #[arg(long, value_enum, default_value_t = SpikeEncoding::Rate)]
    pub encoding: SpikeEncoding,
    /// Rate-coding gain: P(spike) = gain * pixel / 255.
    #[arg(long, default_value_t = 0.15)]
    pub gain: f64,
    /// Rate coding's draws: one per channel and step, or one per spike (geometric gaps; the
    /// same distribution, other spikes, faster at low rates).
    #[arg(long, value_enum, default_value_t = RateDrawsArg::PerStep)]
    pub rate_draws: RateDrawsArg,
    /// Learning rate (default: 0.01 with rate coding, 0.003 with events; see `Encoding::default_eta`).
    #[arg(long)]
    pub eta: Option<f64>,
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
    /// Event camera settings (boxed: keeps the `Command` enum small).
    #[command(flatten)]
    pub camera: Box<CameraArgs>,
}

/// `--dataset` of `flsnn train`.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dataset {
    /// MNIST digits.
    Mnist,
    /// UCI optical digits.
    UciDigits,
}

/// `--encoding` of `flsnn train`.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpikeEncoding {
    /// Bernoulli rate coding.
    Rate,
    /// The emulated event camera.
    Events,
}

/// `--rate-draws` of `flsnn train`.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RateDrawsArg {
    /// One uniform per channel and step.
    PerStep,
    /// One draw per spike (geometric gaps).
    PerSpike,
}

/// `--motion` of `flsnn train`.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MotionPath {
    /// N-MNIST-like triangle of saccades.
    Saccades,
    /// Random waypoints.
    Waypoints,
}

/// Event-camera flags of `flsnn train`; unset flags keep [`EventCamera::default`].
#[derive(clap::Args, Debug)]
pub struct CameraArgs {
    /// Event camera: contrast threshold [log-intensity units] (default 0.3).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Event camera: size of the motion (triangle side, or disc radius) \[pixels\] (default 1).
    #[arg(long)]
    pub max_shift: Option<f64>,
    /// Event camera: motion path, saccades (N-MNIST-like triangle, default) or waypoints (random).
    #[arg(long, value_enum)]
    pub motion: Option<MotionPath>,
    /// Event camera: number of legs (saccades) of the motion path (default 6).
    #[arg(long)]
    pub waypoints: Option<usize>,
    /// Event camera: sensing frames per time step.
    #[arg(long)]
    pub frames_per_bin: Option<usize>,
    /// Event camera: offset inside the logarithm, ln(log_eps + I).
    #[arg(long)]
    pub log_eps: Option<f64>,
    /// Event camera: background noise events per pixel \[Hz\].
    #[arg(long)]
    pub noise_hz: Option<f64>,
}

impl CameraArgs {
    /// The camera: [`EventCamera::default`] with the flags given on the command line.
    fn camera(&self) -> EventCamera {
        let d = EventCamera::default();
        let motion = match self.motion {
            None => d.motion,
            Some(MotionPath::Saccades) => Motion::Saccades,
            Some(MotionPath::Waypoints) => Motion::RandomWaypoints,
        };
        EventCamera {
            motion,
            threshold: self.threshold.unwrap_or(d.threshold),
            max_shift_px: self.max_shift.unwrap_or(d.max_shift_px),
            waypoints: self.waypoints.unwrap_or(d.waypoints),
            frames_per_bin: self.frames_per_bin.unwrap_or(d.frames_per_bin),
            log_eps: self.log_eps.unwrap_or(d.log_eps),
            noise_rate_hz: self.noise_hz.unwrap_or(d.noise_rate_hz),
            ..d
        }
    }
}

/// `flsnn train`.
pub fn train(args: &TrainArgs) -> Result<(), CliError> {
    let encoding = match args.encoding {
        SpikeEncoding::Rate => Encoding::Rate {
            gain: args.gain,
            draws: match args.rate_draws {
                RateDrawsArg::PerStep => RateDraws::PerStep,
                RateDrawsArg::PerSpike => RateDraws::PerSpike,
            },
        },
        SpikeEncoding::Events => Encoding::Events {
            camera: args.camera.camera(),
        },
    };
    let eta = args.eta.unwrap_or_else(|| encoding.default_eta());
    let options = TrainOptions {
        dataset: match args.dataset {
            Dataset::Mnist => "mnist",
            Dataset::UciDigits => "uci-digits",
        }
        .to_string(),
        data_dir: args.data_dir.clone(),
        classes: args.classes.clone(),
        train_examples: args.train,
        test_examples: args.test,
        steps_per_example: args.steps,
        encoding,
        eta,
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

/// Arguments of `flsnn sweep`.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario file (TOML; the embedded default when omitted).
    pub file: Option<PathBuf>,
    /// A grid axis: --grid fl.tau=1,8,16 (repeatable; the sweep runs the cross product).
    #[arg(long = "grid", value_name = "KEY=V1,V2,...", required = true)]
    pub grid: Vec<String>,
    /// Trials per grid point; trial t runs with the point's seed + t.
    #[arg(long, default_value_t = 1)]
    pub trials: u64,
    /// Override a key for every point, as for `run` (applied before the grid values).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Sweep folder (default: `<output.dir>/<name>-sweep`). Must not exist, unless it holds an
    /// earlier flsnn sweep and --force or --resume is given.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an earlier flsnn sweep folder at the destination.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Finish an earlier, interrupted sweep at the destination: runs already there are kept and
    /// not run again (the grid, trials, --set values and scenario must be the same).
    #[arg(long)]
    pub resume: bool,
    /// Runs at a time, 1 to 1024 (default: number of cores); each run uses one thread.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Refuse a sweep with a run whose estimated memory (printed by `flsnn validate`) exceeds this size, e.g.
    /// 8GiB (default: 80% of physical memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_max_memory)]
    pub max_memory: Option<u64>,
}

fn sweep_error(e: sweep::SweepError) -> CliError {
    if e.is_input_error() {
        CliError::Input(e.to_string())
    } else {
        CliError::Failed(e.to_string())
    }
}

/// `flsnn sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    sweep_on(args, None)
}

fn sweep_options(args: &SweepArgs) -> Result<SweepOptions, CliError> {
    let grid = args
        .grid
        .iter()
        .map(|g| GridAxis::parse(g))
        .collect::<Result<Vec<_>, _>>()
        .map_err(sweep_error)?;
    let options = SweepOptions {
        file: args.file.clone(),
        sets: args.sets.clone(),
        grid,
        trials: args.trials,
        out: args.out.clone(),
        force: args.force,
        resume: args.resume,
        jobs: args.jobs.map_or_else(cores, |j| j as usize),
        progress: true,
        command_line: std::env::args().collect(),
        max_memory: max_memory(args.max_memory),
    };
    Ok(options)
}

/// `flsnn sweep` on a serving rank (1..) of `link`: runs its share of the runs once rank 0 has
/// claimed the sweep folder.
pub fn sweep_serve(args: &SweepArgs, link: &mut dyn Link) -> Result<(), CliError> {
    crate::report::cleanup::on_signals();
    let options = SweepOptions {
        progress: false,
        ..sweep_options(args)?
    };
    sweep::serve(&options, link).map_err(sweep_error)
}

/// `flsnn sweep` as rank 0 of `link` (when given): every rank runs a share of the runs.
pub fn sweep_on(args: &SweepArgs, link: Option<&mut dyn Link>) -> Result<(), CliError> {
    crate::report::cleanup::on_signals();
    let options = sweep_options(args)?;
    let outcome = sweep::run_on(&options, link).map_err(sweep_error)?;
    let runs: usize = outcome.points.iter().map(|p| p.runs.len()).sum();
    println!(
        "sweep: {} points x {} trials = {runs} runs in {:.2} s (wall)",
        outcome.points.len(),
        args.trials,
        outcome.wall_time_s
    );
    for p in &outcome.points {
        let nan = (f64::NAN, f64::NAN);
        let (acc, acc_std) = p.stat("accuracy").unwrap_or(nan);
        let (bytes, _) = p.stat("bytes_up").unwrap_or(nan);
        println!(
            "  {:40}  accuracy {:.4} +- {:.4}  uplink {:.0} B",
            p.label, acc, acc_std, bytes
        );
    }
    println!("  results         {}", outcome.dir.display());
    Ok(())
}

/// `flsnn compare`.
pub fn compare(dirs: &[PathBuf], csv: Option<&Path>) -> Result<(), CliError> {
    let to_cli = |e: compare::CompareError| {
        if e.is_input_error() {
            CliError::Input(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    };
    let rows = compare::compare(dirs).map_err(to_cli)?;
    println!("{}", compare::table(&rows));
    if let Some(path) = csv {
        compare::write_table_csv(path, &rows).map_err(to_cli)?;
    }
    Ok(())
}
