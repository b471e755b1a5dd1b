//! `flsnn sweep`: a scenario run over the cross product of `--grid` values, several trials per
//! point, several runs in parallel, into one folder:
//!
//! ```text
//! DIR/runs/<point>-t<trial>/   a normal run folder per run
//! DIR/sweep.csv                one row per grid point: its values, trials, mean and std of the
//!                              final metrics
//! DIR/sweep.json               the grid, the trials, the seeds, the run folders, the scenario
//! ```
//!
//! Seeds: trial `t` of a point runs with the point's scenario seed + `t` (wrapping). Rows are in
//! grid order and floats are summed in trial order, so `sweep.csv` is the same byte for byte
//! whatever the number of parallel jobs. Every point is loaded and built before any run starts; the
//! sweep folder is then written in place: `sweep.json` first, each run moved into `runs/` when it
//! finishes (so a failure or a kill keeps the finished runs, and `--resume` skips them), and
//! `sweep.csv` last.

mod grid;
mod resume;
mod stats;

pub use grid::{cross_product, GridAxis, GridPoint};
pub use stats::{mean_std, metrics_of, summarise, METRICS};

use crate::report::{write_csv, write_json, Destination, Existing, OutKind, ReportError};
use crate::run::spread::Link;
use crate::run::{self as experiment, ExperimentError, RunOptions};
use crate::scenario::{self, Scenario, ScenarioError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What can stop a sweep, with its context.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--grid` argument that is not `key.path=v1,v2,...`, or a key given twice.
    #[error("--grid {arg:?}: {why}")]
    BadGrid {
        /// The argument.
        arg: String,
        /// What is wrong.
        why: String,
    },
    /// Another option is out of range.
    #[error("{option}: {why}")]
    BadOption {
        /// The option, e.g. `--trials`.
        option: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The scenario of a grid point does not load (unknown key, wrong value).
    #[error("grid point {point}: {source}")]
    Scenario {
        /// The point's label (`(base)` for the scenario without grid values).
        point: String,
        /// The cause.
        #[source]
        source: Box<ScenarioError>,
    },
    /// A run failed.
    #[error("run {dir}: {source}")]
    Run {
        /// The run's folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: Box<ExperimentError>,
    },
    /// The sweep folder is refused (exists and is not an earlier sweep, is a link, is locked, or
    /// holds a different sweep for `--resume`).
    #[error("--out {0}")]
    Destination(ReportError),
    /// The sweep's own files could not be written.
    #[error("writing the sweep: {0}")]
    Report(#[from] ReportError),
    /// A rank of a spread sweep failed, or the ranks could not talk.
    #[error("between ranks: {0}")]
    Ranks(String),
    /// The worker threads could not be started.
    #[error("starting {jobs} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        jobs: usize,
        /// The cause.
        message: String,
    },
}

impl SweepError {
    /// Whether the user's input (arguments, scenario, data) is at fault.
    pub fn is_input_error(&self) -> bool {
        match self {
            SweepError::BadGrid { .. }
            | SweepError::BadOption { .. }
            | SweepError::Scenario { .. }
            | SweepError::Destination(_) => true,
            SweepError::Run { source, .. } => source.is_input_error(),
            SweepError::Report(_) | SweepError::Threads { .. } | SweepError::Ranks(_) => false,
        }
    }
}

/// How to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Scenario file (`None`: the embedded default).
    pub file: Option<PathBuf>,
    /// `--set key=value` overrides applied to every point (before the grid values).
    pub sets: Vec<String>,
    /// The grid axes.
    pub grid: Vec<GridAxis>,
    /// Trials per point (at least 1).
    pub trials: u64,
    /// Sweep folder (default `<output.dir>/<name>-sweep`).
    pub out: Option<PathBuf>,
    /// Runs at a time (at least 1); each run uses one arbiter thread.
    pub jobs: usize,
    /// Replace an earlier flsnn sweep at `out` (`--force`).
    pub force: bool,
    /// Finish an earlier, interrupted sweep at `out`, skipping its finished runs (`--resume`).
    pub resume: bool,
    /// Show a progress bar over the whole sweep (on a terminal).
    pub progress: bool,
    /// The command line, for the manifests.
    pub command_line: Vec<String>,
    /// Refuse the sweep when a run's estimated memory exceeds this \[bytes\] (`--max-memory`).
    pub max_memory: u64,
}

/// One grid point's results.
#[derive(Clone, Debug, Serialize)]
pub struct PointResult {
    /// The point.
    pub point: GridPoint,
    /// Its label, e.g. `fl.tau=8`.
    pub label: String,
    /// Seed of each trial.
    pub seeds: Vec<u64>,
    /// Run folder of each trial, relative to the sweep folder.
    pub runs: Vec<String>,
    /// Per metric of [`METRICS`], mean and std over the trials.
    #[serde(skip)]
    pub stats: Vec<(f64, f64)>,
}

impl PointResult {
    /// Mean and std over the trials of the metric `name` (one of [`METRICS`]); `None` for another
    /// name.
    pub fn stat(&self, name: &str) -> Option<(f64, f64)> {
        let i = METRICS.iter().position(|m| *m == name)?;
        self.stats.get(i).copied()
    }
}

/// A finished sweep.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    /// The sweep folder.
    pub dir: PathBuf,
    /// One result per grid point, in grid order.
    pub points: Vec<PointResult>,
    /// Wall-clock time of the whole sweep \[s\].
    pub wall_time_s: f64,
}

#[derive(Serialize)]
struct SweepManifest<'a> {
    flsnn_version: &'static str,
    command_line: &'a [String],
    seed_rule: &'static str,
    trials: u64,
    sets: &'a [String],
    grid: &'a [GridAxis],
    points: &'a [PointResult],
    scenario: scenario::raw::RawScenario,
}

struct Task {
    point: usize,
    scenario: Scenario,
    dir: PathBuf,
}

/// Most runs at a time `--jobs` accepts.
pub const MAX_JOBS: usize = 1024;

/// Loads the scenario of every grid point and builds each (so a bad key or missing data fails
/// before any run), checks and locks the sweep folder, then runs every point's trials
/// `options.jobs` at a time. Each run is moved into `DIR/runs/` as soon as it finishes, so a
/// failure or a kill keeps the finished ones, and `resume` skips them.
pub fn run(options: &SweepOptions) -> Result<SweepOutcome, SweepError> {
    run_on(options, None)
}

/// What a sweep will run: the base scenario, the points (with their seeds and run folders), the
/// runs in task order, and the sweep folder.
struct Plan {
    base: Scenario,
    results: Vec<PointResult>,
    tasks: Vec<Task>,
    dest: PathBuf,
}

/// Checks the options and loads the scenario of every grid point.
fn plan(options: &SweepOptions) -> Result<Plan, SweepError> {
    if options.trials == 0 {
        return Err(SweepError::BadOption {
            option: "--trials",
            why: "expected at least 1".into(),
        });
    }
    if options.jobs == 0 || options.jobs > MAX_JOBS {
        return Err(SweepError::BadOption {
            option: "--jobs",
            why: format!("expected 1 to {MAX_JOBS}, got {}", options.jobs),
        });
    }
    if options.force && options.resume {
        return Err(SweepError::BadOption {
            option: "--force",
            why: "--force (start again) and --resume (finish) exclude each other".into(),
        });
    }
    let file = options.file.as_deref();
    let base = scenario::load(file, &options.sets).map_err(|source| SweepError::Scenario {
        point: "(base)".into(),
        source: Box::new(source),
    })?;
    let points = cross_product(&options.grid)?;
    let runs = (points.len() as u64).saturating_mul(options.trials);
    if runs > MAX_RUNS {
        return Err(SweepError::BadOption {
            option: "--trials",
            why: format!(
                "{} points x {} trials = {runs} runs; at most {MAX_RUNS} per sweep",
                points.len(),
                options.trials
            ),
        });
    }
    let dest = options
        .out
        .clone()
        .unwrap_or_else(|| base.output.dir.join(format!("{}-sweep", base.name)));
    let mut results = Vec::with_capacity(points.len());
    let mut tasks = Vec::new();
    for point in &points {
        let sets: Vec<String> = options.sets.iter().cloned().chain(point.sets()).collect();
        let scenario = scenario::load(file, &sets).map_err(|source| SweepError::Scenario {
            point: point.label(),
            source: Box::new(source),
        })?;
        scenario::memory::check_work(&scenario)
            .and_then(|()| {
                scenario::memory::check_limit(&scenario, options.max_memory, "--max-memory")
            })
            .map_err(|message| SweepError::Run {
                dir: PathBuf::from(point.label()),
                source: Box::new(experiment::ExperimentError::Memory(message)),
            })?;
        let name = point.dir_name(points.len());
        let mut result = PointResult {
            point: point.clone(),
            label: point.label(),
            seeds: Vec::new(),
            runs: Vec::new(),
            stats: Vec::new(),
        };
        for t in 0..options.trials {
            let mut trial = scenario.clone();
            trial.seed = scenario.seed.wrapping_add(t);
            let run = format!("runs/{name}-t{t}");
            result.seeds.push(trial.seed);
            tasks.push(Task {
                point: point.index,
                scenario: trial,
                dir: PathBuf::from(&run),
            });
            result.runs.push(run);
        }
        results.push(result);
    }
    Ok(Plan {
        base,
        results,
        tasks,
        dest,
    })
}

/// [`run`] as rank 0 of `link` (when given): rank `r` runs the tasks `i` with `i % ranks == r`
/// (ranks 1.. in [`serve`], writing their run folders into the same sweep folder, which must
/// be on a file system every rank sees) and sends their metrics here; `sweep.csv` is the same
/// byte for byte as one process's.
pub fn run_on(
    options: &SweepOptions,
    mut link: Option<&mut dyn Link>,
) -> Result<SweepOutcome, SweepError> {
    let planned = plan(options).and_then(|plan| claim(options, plan));
    if let Some(link) = link.as_deref_mut() {
        let go = planned.is_ok();
        for rank in 1..link.ranks() {
            send(link, rank, &go)?;
        }
    }
    let (plan, claimed) = planned?;
    let Plan {
        mut results,
        tasks,
        dest,
        ..
    } = plan;
    let started = std::time::Instant::now();
    let ranks = link.as_deref().map_or(1, |l| l.ranks());
    let mine: Vec<usize> = (0..tasks.len())
        .filter(|i| (*i as u32).is_multiple_of(ranks))
        .collect();
    let own = run_tasks(&tasks, &mine, &dest, options);
    let mut metrics: Vec<Vec<f64>> = vec![Vec::new(); tasks.len()];
    let mut failed = None;
    if let Some(link) = link {
        for rank in 1..link.ranks() {
            let share: Result<Vec<(usize, Vec<f64>)>, String> = link
                .recv(rank)
                .and_then(|bytes| {
                    postcard::from_bytes(&bytes)
                        .map_err(|e| format!("a garbled message from rank {rank}: {e}"))
                })
                .and_then(|share| share);
            match share {
                Ok(share) => {
                    for (i, m) in share {
                        if let Some(slot) = metrics.get_mut(i) {
                            *slot = m;
                        }
                    }
                }
                Err(e) => {
                    failed.get_or_insert(format!("rank {rank}: {e}"));
                }
            }
        }
    }
    // This rank's own failure first, as in one process; then another rank's.
    for (i, m) in mine.iter().zip(own?) {
        metrics[*i] = m;
    }
    if let Some(message) = failed {
        return Err(SweepError::Ranks(message));
    }
    for result in &mut results {
        let trials: Vec<Vec<f64>> = tasks
            .iter()
            .zip(&metrics)
            .filter(|(task, _)| task.point == result.point.index)
            .map(|(_, m)| m.clone())
            .collect();
        result.stats = summarise(&trials);
    }
    write_csv(&dest.join("sweep.csv"), &csv_rows(&options.grid, &results))?;
    drop(claimed);
    Ok(SweepOutcome {
        dir: dest,
        points: results,
        wall_time_s: started.elapsed().as_secs_f64(),
    })
}

/// A serving rank of a spread sweep (rank 1.. of `link`; rank 0 runs [`run_on`]): once rank 0
/// has checked and claimed the sweep folder, runs its share of the tasks and sends rank 0 their
/// metrics (or the first failure).
pub fn serve(options: &SweepOptions, link: &mut dyn Link) -> Result<(), SweepError> {
    let go: bool = link
        .recv(0)
        .and_then(|bytes| postcard::from_bytes(&bytes).map_err(|e| e.to_string()))
        .map_err(SweepError::Ranks)?;
    if !go {
        // Rank 0 refused the sweep and says why.
        return Ok(());
    }
    let (rank, ranks) = (link.rank(), link.ranks());
    let share = plan(options).and_then(|plan| {
        let mine: Vec<usize> = (0..plan.tasks.len())
            .filter(|i| *i as u32 % ranks == rank)
            .collect();
        let options = SweepOptions {
            progress: false,
            ..options.clone()
        };
        let metrics = run_tasks(&plan.tasks, &mine, &plan.dest, &options)?;
        Ok(mine.into_iter().zip(metrics).collect::<Vec<_>>())
    });
    let reply = share.as_ref().map_err(|e| e.to_string());
    send(link, 0, &reply)?;
    share.map(|_| ())
}

fn send<T: Serialize>(link: &mut dyn Link, to: u32, value: &T) -> Result<(), SweepError> {
    let bytes = postcard::to_stdvec(value).map_err(|e| SweepError::Ranks(e.to_string()))?;
    link.send(to, &bytes).map_err(SweepError::Ranks)
}

/// Checks every point's build, claims the sweep folder and writes `sweep.json`.
fn claim(options: &SweepOptions, plan: Plan) -> Result<(Plan, Destination), SweepError> {
    let Plan {
        base,
        results,
        tasks,
        dest,
    } = &plan;
    let existing = match (options.force, options.resume) {
        (true, _) => Existing::Replace,
        (_, true) => Existing::Resume,
        _ => Existing::Refuse,
    };
    let mut claimed = Destination::claim(dest, OutKind::Sweep, existing).map_err(|e| {
        if e.is_input_error() {
            SweepError::Destination(e)
        } else {
            SweepError::Report(e)
        }
    })?;
    // Every point is built (data read, network and channel made) before any run starts.
    for task in tasks
        .iter()
        .filter(|t| t.scenario.seed == first_seed(results, t.point))
    {
        experiment::check(&task.scenario).map_err(|source| SweepError::Run {
            dir: task.dir.clone(),
            source: Box::new(source),
        })?;
    }
    let manifest = SweepManifest {
        flsnn_version: env!("CARGO_PKG_VERSION"),
        command_line: &options.command_line,
        seed_rule: "trial t of a grid point runs with the point's scenario seed + t",
        trials: options.trials,
        sets: &options.sets,
        grid: &options.grid,
        points: results,
        scenario: scenario::resolve::to_raw(base),
    };
    if claimed.has_earlier() && existing == Existing::Resume {
        same_plan(dest, &manifest)?;
    } else {
        claimed.remove_earlier()?;
        std::fs::create_dir(dest).map_err(|source| ReportError::Io {
            path: dest.clone(),
            source,
        })?;
        write_json(&dest.join("sweep.json"), &manifest)?;
    }
    Ok((plan, claimed))
}

/// Most runs (points x trials) in one sweep.
pub const MAX_RUNS: u64 = 100_000;

/// The seed of trial 0 of `point`.
fn first_seed(results: &[PointResult], point: usize) -> u64 {
    results
        .iter()
        .find(|r| r.point.index == point)
        .and_then(|r| r.seeds.first().copied())
        .unwrap_or_default()
}

/// `--resume` continues only the same sweep: grid, trials, overrides, scenario and version equal
/// to those in the folder's `sweep.json` (the command line may differ).
fn same_plan(dest: &Path, manifest: &SweepManifest) -> Result<(), SweepError> {
    let path = dest.join("sweep.json");
    let strip = |mut v: serde_json::Value| {
        if let Some(map) = v.as_object_mut() {
            map.remove("command_line");
        }
        v
    };
    let stored = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map(strip);
    let planned = serde_json::to_value(manifest).ok().map(strip);
    if stored.is_some() && stored == planned {
        Ok(())
    } else {
        Err(SweepError::Destination(ReportError::Destination {
            path: dest.to_path_buf(),
            why: "--resume: this folder holds a different sweep (grid, trials, --set values, \
                  scenario or flsnn version differ); use another --out or --force"
                .into(),
        }))
    }
}

/// Runs the tasks `mine`, `options.jobs` at a time; the metrics come back in that order.
fn run_tasks(
    tasks: &[Task],
    mine: &[usize],
    root: &Path,
    options: &SweepOptions,
) -> Result<Vec<Vec<f64>>, SweepError> {
    let tasks: Vec<&Task> = mine.iter().filter_map(|&i| tasks.get(i)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.min(tasks.len().max(1)))
        .build()
        .map_err(|e| SweepError::Threads {
            jobs: options.jobs,
            message: e.to_string(),
        })?;
    let bar = progress_bar(tasks.len() as u64, options.progress);
    let metrics = pool.install(|| {
        tasks
            .par_iter()
            .map(|task| {
                let out = root.join(&task.dir);
                if options.resume && resume::is_finished(&out) {
                    bar.inc(1);
                    return resume::metrics_of_finished(&out);
                }
                let run_options = RunOptions {
                    out: Some(out),
                    events: task.scenario.output.events,
                    command_line: options.command_line.clone(),
                    max_memory: options.max_memory,
                    ..RunOptions::default()
                };
                let outcome = experiment::run(&task.scenario, &run_options).map_err(|source| {
                    SweepError::Run {
                        dir: task.dir.clone(),
                        source: Box::new(source),
                    }
                })?;
                bar.inc(1);
                Ok(metrics_of(&outcome.summary, &outcome.result.devices))
            })
            .collect::<Result<Vec<_>, SweepError>>()
    });
    bar.finish_and_clear();
    metrics
}

fn progress_bar(runs: u64, show: bool) -> ProgressBar {
    let bar = if show && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} runs, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// `sweep.csv`: a header, then one row per point: `point`, `label`, one column per grid key,
/// `trials`, then `<metric>_mean` and `<metric>_std` for every metric of [`METRICS`].
fn csv_rows(grid: &[GridAxis], results: &[PointResult]) -> Vec<Vec<String>> {
    let mut header: Vec<String> = vec!["point".into(), "label".into()];
    header.extend(grid.iter().map(|a| a.key.clone()));
    header.push("trials".into());
    for m in METRICS {
        header.push(format!("{m}_mean"));
        header.push(format!("{m}_std"));
    }
    let mut rows = vec![header];
    for r in results {
        let mut row = vec![r.point.index.to_string(), r.label.clone()];
        row.extend(r.point.values.iter().map(|(_, v)| v.clone()));
        row.push(r.seeds.len().to_string());
        for (mean, std) in &r.stats {
            row.push(mean.to_string());
            row.push(std.to_string());
        }
        rows.push(row);
    }
    rows
}
