//! A scenario turned into a run: validated scenario -> ready objects (data shards, SNN, devices,
//! channel) -> the FL models wired into the kernel -> run folder; and central training.

pub mod checkpoint;
mod device_tally;
pub mod faults;
mod heap;
mod recorder;
mod simulate;
pub mod spread;
pub mod train;
mod wiring;

pub use device_tally::DeviceEnergy;
pub use recorder::{DeviceColumns, Recorder};
pub use simulate::{simulate, simulate_saving, simulate_spread, DeviceParts, Elsewhere, Setup};
pub use wiring::{node_of, CellMedium, Fl, FlError, FlWorker, Flight, LinkReport, BASE_STATION};

use crate::data::{DataError, Encoding, EventCamera};
use crate::data::{Keep, Prepared, Shard, SharedPool, Source};
use crate::fl::compress::Codec;
use crate::fl::compress::HEADER_BYTES;
use crate::fl::{DeviceSetup, DeviceStreams, LocalModel, Mode, Participation, Protocol};
use crate::net::{
    Availability, AvailabilityTrace, Cell, Channel, ComputeEnergy, DownlinkMode, LinkConfig,
    NetError, RadioEnergy, Rate, SharedUplink, Sharing,
};
use crate::report::{
    write_csv, write_json, Destination, EventLog, Existing, Manifest, OutKind, ProgressSink,
    ReportError, RunDir, RunResult, RunSummary, Sink, Summary,
};
use crate::rng::{stream, Node, Purpose};
use crate::scenario::{self as sc, Scenario};
use crate::sim::SimError;
use crate::snn::{Network, SnnConfig, SnnError, Topology};
use crate::time::SimTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::sync::Arc;

/// What can stop a run, with its context.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The scenario is inconsistent in a way only visible once data and network are known.
    #[error("{file}: {message}")]
    Scenario {
        /// The scenario's file.
        file: String,
        /// What is wrong, with the key path.
        message: String,
    },
    /// The scenario fails a check that needs the data (e.g. the adjacency's width).
    #[error(transparent)]
    Checked(#[from] sc::ScenarioError),
    /// Unreadable data.
    #[error("{0}: data: {1}")]
    Data(String, DataError),
    /// The network could not be built.
    #[error("{0}: snn: {1}")]
    Snn(String, SnnError),
    /// A channel parameter was rejected.
    #[error("{0}: channel: {1}")]
    Net(String, NetError),
    /// The simulation failed.
    #[error("simulation failed: {0}")]
    Sim(#[from] SimError<FlError>),
    /// The output folder is refused (exists and is not an earlier run, is a link, is locked).
    #[error("--out {0}")]
    Destination(ReportError),
    /// Results could not be written.
    #[error("writing results: {0}")]
    Report(#[from] ReportError),
    /// A checkpoint cannot be taken up (missing, damaged, of another scenario or version).
    #[error("--resume: {0}")]
    Checkpoint(String),
    /// The run's estimated memory exceeds the limit (`--max-memory`).
    #[error("{0}")]
    Memory(String),
    /// The ranks of a spread run could not talk (a rank died, a message was garbled).
    #[error("between ranks: {0}")]
    Ranks(String),
}

impl ExperimentError {
    /// Whether the user's input (scenario or data) is at fault.
    pub fn is_input_error(&self) -> bool {
        match self {
            ExperimentError::Sim(SimError::ClockOverflow { .. }) => true,
            ExperimentError::Sim(_) => false,
            ExperimentError::Report(e) => e.is_input_error(),
            _ => true,
        }
    }
}

/// How to run. The default: the scenario's own folder, nothing replaced, one thread, no
/// `events.jsonl` unless the scenario asks, no progress bar, no memory limit, no checkpoints.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Run folder (default `<output.dir>/<name>-s<seed>`).
    pub out: Option<PathBuf>,
    /// Replace an earlier flsnn run at `out` (`--force`); anything else there is always refused.
    pub force: bool,
    /// Arbiter threads for the device actors.
    pub threads: usize,
    /// Write `events.jsonl`.
    pub events: bool,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// The command line, for the manifest.
    pub command_line: Vec<String>,
    /// Refuse a run whose estimated memory exceeds this \[bytes\] (`--max-memory`).
    pub max_memory: u64,
    /// Save the whole simulation this often (`--checkpoint-every`); a resumed run keeps the
    /// interrupted run's choice unless this says otherwise.
    pub checkpoint_every: Option<checkpoint::Every>,
    /// Take up the checkpointed run of `out` where its last checkpoint left it (`--resume`).
    pub resume: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            out: None,
            force: false,
            threads: 1,
            events: false,
            progress: false,
            command_line: Vec::new(),
            max_memory: u64::MAX,
            checkpoint_every: None,
            resume: false,
        }
    }
}

/// A finished run.
pub struct RunOutcome {
    /// Where its files are.
    pub dir: PathBuf,
    /// Its headline figures.
    pub summary: RunSummary,
    /// Everything it recorded.
    pub result: RunResult,
    /// What its checkpoints cost (`None` without `--checkpoint-every`).
    pub checkpoints: Option<checkpoint::CheckpointStats>,
    /// Devices in the run (for the checkpoint size per device).
    pub devices: u64,
}

/// Builds a run of `scenario` and drops it: what only the data can confirm (the data are present
/// and readable, the classes have examples left after the test set, a custom adjacency fits the
/// inputs). A sweep checks every point this way before running any.
pub fn check(scenario: &Scenario) -> Result<(), ExperimentError> {
    build(scenario).map(|_| ())
}

/// Runs `scenario` and writes its run folder atomically. The destination is checked and locked
/// before anything is built or run.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<RunOutcome, ExperimentError> {
    run_on(scenario, options, None)
}

/// [`run`] as rank 0 of `link` (when given): the devices placed on other ranks
/// ([`spread::assignment`]) are hosted there, served by [`serve`]; the run folder is the same
/// byte for byte. The serving ranks are not told to stop ([`spread::stop`]).
pub fn run_on(
    scenario: &Scenario,
    options: &RunOptions,
    link: Option<&mut dyn spread::Link>,
) -> Result<RunOutcome, ExperimentError> {
    sc::memory::check_work(scenario).map_err(ExperimentError::Memory)?;
    sc::memory::check_limit(scenario, options.max_memory, "--max-memory")
        .map_err(ExperimentError::Memory)?;
    let dest = options.out.clone().unwrap_or_else(|| {
        scenario
            .output
            .dir
            .join(format!("{}-s{}", scenario.name, scenario.seed))
    });
    let existing = if options.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    // A refused folder is named by the flag that gave it: `--resume DIR` or `--out DIR`.
    let refused = |e: ReportError| {
        if options.resume {
            ExperimentError::Checkpoint(e.to_string())
        } else {
            ExperimentError::Destination(e)
        }
    };
    let dest = Destination::claim(&dest, OutKind::Run, existing).map_err(|e| {
        if e.is_input_error() {
            refused(e)
        } else {
            ExperimentError::Report(e)
        }
    })?;
    let resumable = dest.resumable_dir();
    let refuse = |why: String| {
        refused(ReportError::Destination {
            path: dest.path().to_path_buf(),
            why,
        })
    };
    let left = std::fs::symlink_metadata(&resumable).is_ok();
    let hash = checkpoint::scenario_hash(scenario);
    let resumed = match (options.resume, left) {
        (true, false) => {
            return Err(refuse(format!(
                "has no interrupted checkpointed run to resume ({} does not exist)",
                resumable.display()
            )))
        }
        (true, true) => {
            Some(checkpoint::read(&resumable, hash).map_err(ExperimentError::Checkpoint)?)
        }
        (false, true) if options.checkpoint_every.is_some() && !options.force => {
            return Err(refuse(format!(
                "has an interrupted checkpointed run ({}); pass --resume to finish it or --force \
                 to start again",
                resumable.display()
            )))
        }
        (false, true) if options.checkpoint_every.is_some() => {
            std::fs::remove_dir_all(&resumable).map_err(|e| {
                ExperimentError::Report(ReportError::Io {
                    path: resumable.clone(),
                    source: e,
                })
            })?;
            None
        }
        (false, _) => None,
    };
    let placement = link.as_ref().map(|link| placement(scenario, link.ranks()));
    let setup = build_for(scenario, &|d| {
        placement.as_ref().is_none_or(|p| p[d as usize] == 0)
    })?;
    let reused_examples = setup.reused_examples;
    if reused_examples > 0 {
        tracing::warn!(
            reused_examples,
            "the data pool ran out: devices share or repeat examples (manifest.json: reused_examples)"
        );
    }
    let devices = setup.devices.len() as u64;
    let every = options
        .checkpoint_every
        .or(resumed.as_ref().map(|(meta, _)| meta.every));
    let (command_line, threads_of_record) = match &resumed {
        Some((meta, _)) => (meta.command_line.clone(), meta.threads),
        None => (options.command_line.clone(), options.threads),
    };
    let dir = match every {
        Some(_) => RunDir::resumable(dest, resumed.is_some())?,
        None => RunDir::create(dest)?,
    };
    let resumed_meta = resumed.as_ref().map(|(meta, _)| meta.clone());
    let (snapshot, mark, rounds_done) = match resumed {
        Some((_, snapshot)) => {
            let (mark, rounds) = Recorder::saved_mark(&snapshot.observer.0).map_err(|e| {
                ExperimentError::Checkpoint(format!("{FILE}: {e}", FILE = checkpoint::FILE))
            })?;
            (Some(snapshot), mark, rounds)
        }
        None => (None, 0, 0),
    };
    let events_path = dir.file("events.jsonl");
    let wants_events = match &resumed_meta {
        Some(meta) => meta.events,
        None => options.events,
    };
    let mut events = match (wants_events, snapshot.is_some()) {
        (false, _) => None,
        (true, false) => Some(EventLog::create(&events_path)?),
        (true, true) => Some(EventLog::resume(&events_path, mark)?),
    };
    let mut saver = every.map(|every| {
        let (at, rounds) = match &snapshot {
            Some(s) => (s.kernel.now(), rounds_done),
            None => (SimTime::ZERO, 0),
        };
        checkpoint::Checkpointer::new(
            dir.file(""),
            checkpoint::Meta {
                flsnn_version: env!("CARGO_PKG_VERSION").to_string(),
                scenario_hash: hash,
                command_line: command_line.clone(),
                threads: threads_of_record,
                every,
                events: wants_events,
                at,
                rounds,
            },
        )
    });
    let rounds = setup
        .protocol
        .steps
        .div_ceil(setup.protocol.tau * setup.protocol.delta_s);
    let started = std::time::Instant::now();
    let result = {
        let inner = events.as_mut().map(|e| e as &mut dyn Sink);
        let mut progress = ProgressSink::new(if options.progress { rounds } else { 0 }, inner);
        progress.resume_at(rounds_done);
        let saving = saver.as_mut().map(|s| s as &mut dyn crate::sim::Saver<Fl>);
        let result = match (link, &placement) {
            (Some(link), Some(placement)) => {
                let mut dispatch = spread::Dispatch::new(link, placement);
                let result = simulate_spread(
                    setup,
                    &mut progress,
                    options.threads,
                    snapshot,
                    saving,
                    Some((placement, &mut dispatch)),
                );
                let t = dispatch.traffic();
                tracing::info!(
                    ranks = placement.iter().max().map_or(1, |r| r + 1),
                    batches = t.batches,
                    ops = t.ops,
                    bytes_out = t.bytes_out,
                    bytes_in = t.bytes_in,
                    state_bytes = t.state_bytes,
                    waited_s = t.waited.as_secs_f64(),
                    "traffic between ranks"
                );
                result
            }
            _ => simulate_saving(setup, &mut progress, options.threads, snapshot, saving),
        };
        progress.finish();
        result?
    };
    if let Some(saver) = saver.as_mut() {
        saver.finish().map_err(ExperimentError::Checkpoint)?;
    }
    let wall = started.elapsed().as_secs_f64();
    if let Some(log) = events {
        log.close()?;
    }
    let summary = Summary::of(&scenario.name, scenario.seed, &result, wall);
    write_csv(&dir.file("rounds.csv"), &result.rounds)?;
    write_csv(&dir.file("devices.csv"), &result.devices)?;
    if !result.curves.is_empty() {
        write_csv(&dir.file("curves.csv"), &result.curves)?;
    }
    write_json(&dir.file("summary.json"), &summary)?;
    let mut manifest = Manifest::of(scenario, &command_line, threads_of_record);
    manifest.reused_examples = reused_examples;
    write_json(&dir.file("manifest.json"), &manifest)?;
    if saver.is_some() {
        for name in [
            checkpoint::FILE.to_string(),
            format!("{}.tmp", checkpoint::FILE),
        ] {
            let path = dir.file(&name);
            if std::fs::symlink_metadata(&path).is_ok() {
                std::fs::remove_file(&path).map_err(|source| ReportError::Io { path, source })?;
            }
        }
    }
    let dir = dir.commit()?;
    Ok(RunOutcome {
        dir,
        summary,
        result,
        checkpoints: saver.map(|s| s.stats.clone()),
        devices,
    })
}

/// The rank of each device of `scenario` spread over `ranks` ranks.
fn placement(scenario: &Scenario, ranks: u32) -> Vec<u32> {
    spread::assignment(scenario.seed, scenario.fl.devices as u32, ranks)
}

/// A serving rank of a spread run (rank 1.. of `link`; rank 0 runs [`run_on`]): builds the
/// workers of its own devices and computes the work rank 0 hands them over `threads` threads,
/// until rank 0 says stop. If its workers cannot be built, every answer carries the error (so
/// rank 0 fails with it) and the error is returned after the stop.
pub fn serve(
    scenario: &Scenario,
    link: &mut dyn spread::Link,
    threads: usize,
) -> Result<spread::Served, ExperimentError> {
    let rank = link.rank();
    let started = std::time::Instant::now();
    let placement = placement(scenario, link.ranks());
    let mine = |d: u32| placement.get(d as usize) == Some(&rank);
    let (workers, failed) = match build_for(scenario, &mine) {
        Ok(setup) => {
            let upload_bytes = setup.codec.upload_bytes();
            let workers = setup
                .devices
                .into_iter()
                .filter(|d| mine(d.setup.id))
                .map(|d| (d.setup.id, FlWorker::for_device(d.local, upload_bytes)))
                .collect();
            (workers, None)
        }
        Err(e) => (Vec::new(), Some(e)),
    };
    let broken = failed
        .as_ref()
        .map(|e| format!("building its devices: {e}"));
    let built = started.elapsed().as_secs_f64();
    let served = spread::serve(link, workers, broken, threads).map_err(ExperimentError::Ranks)?;
    tracing::info!(
        rank,
        built_s = built,
        served_s = started.elapsed().as_secs_f64() - built,
        batches = served.batches,
        ops = served.ops,
        "served"
    );
    match failed {
        Some(e) => Err(e),
        None => Ok(served),
    }
}

/// Builds every object a run needs from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Setup, ExperimentError> {
    build_for(scenario, &|_| true)
}

/// [`build`], with the learning state (data shard, local model) made only for the devices `here`
/// selects; the others get none, as in a systems-only run, and are hosted elsewhere.
pub fn build_for(
    scenario: &Scenario,
    here: &dyn Fn(u32) -> bool,
) -> Result<Setup, ExperimentError> {
    let src = scenario.source.clone();
    let seed = scenario.seed;
    let bad = |message: String| ExperimentError::Scenario {
        file: src.clone(),
        message,
    };
    let d = &scenario.data;
    let dir = d.path.clone();
    let source = match d.source {
        sc::DataSource::Mnist => Source::Mnist(dir),
        sc::DataSource::UciDigits => Source::UciDigits(dir),
        sc::DataSource::MnistDvs => Source::MnistDvs(dir),
        sc::DataSource::NMnist => Source::NMnist(dir),
    };
    let polarity = d.polarity;
    let encoding = match d.encoding {
        sc::Encoding::Rate => Encoding::Rate {
            gain: d.gain,
            draws: d.rate_draws,
        },
        sc::Encoding::Events => Encoding::Events {
            camera: EventCamera {
                threshold: d.event_threshold,
                bin_us: d.bin.0 / 1_000,
                ..EventCamera::default()
            },
            polarity,
        },
    };
    let mut data_rng = stream(seed, Node::BaseStation, Purpose::Data);
    let data_err = |e| ExperimentError::Data(src.clone(), e);
    // A run that does not train needs of the data only the training labels (the partition) and
    // the test set (whose encoding the partition's draws follow).
    let keep = if scenario.fl.systems_only {
        Keep::Labels
    } else {
        Keep::Images
    };
    let mut prepared = Prepared::load(
        &source,
        &d.classes,
        d.test_examples as usize,
        d.steps_per_example as usize,
        encoding,
        keep,
        &mut data_rng,
    )
    .map_err(data_err)?;
    if prepared.pool_labels.is_empty() {
        return Err(bad(format!(
            "data: no training examples of classes {:?} left after the test set",
            d.classes
        )));
    }

    let fl = &scenario.fl;
    let shards = crate::data::partition(
        &prepared.pool_labels,
        fl.devices as usize,
        scenario.partition.examples_per_device as usize,
        &scenario.partition.scheme,
        &mut data_rng,
    )
    .map_err(data_err)?;
    let reused_examples = crate::data::reused_examples(&shards) as u64;

    if let Topology::Custom(_) = scenario.snn.topology {
        scenario.check_adjacency(prepared.inputs)?;
    }
    let s = &scenario.snn;
    let cfg = SnnConfig {
        n_inputs: prepared.inputs,
        n_hidden: s.hidden as usize,
        n_outputs: d.classes.len(),
        k_ff: s.k_ff as usize,
        k_fb: s.k_fb as usize,
        memory: s.memory as usize,
        mu: s.mu,
        w0: s.w0,
        eta: s.eta,
        kappa: s.kappa,
        delta_s: s.delta_s as usize,
        alpha: s.alpha,
        rho: s.rho,
        topology: s.topology.clone(),
    };
    let net = Arc::new(Network::new(cfg).map_err(|e| ExperimentError::Snn(src.clone(), e))?);
    let init_params = net.init_params(&mut stream(seed, Node::BaseStation, Purpose::Init));

    let (mode, participation) = (fl.mode, fl.participation);
    let participation = match scenario.cell.as_ref().and_then(|c| c.scheduling) {
        Some(policy) => Participation::Scheduled(policy),
        None => participation,
    };
    let availability = map_availability(&scenario.availability);

    let codec = Arc::new(
        Codec::new(scenario.compression.clone(), crate::fl::model::layout(&net))
            .map_err(|e| bad(format!("compression: {e}")))?,
    );
    let net_err = |e| ExperimentError::Net(src.clone(), e);
    let uplink = Arc::new(link_config(&scenario.uplink).map_err(net_err)?);
    let downlink = link_config(&scenario.downlink).map_err(net_err)?;
    let test = Arc::new(std::mem::take(&mut prepared.test));
    let pool = Arc::new(SharedPool::new(prepared));
    let classes = scenario.device_class_assignment();
    let shared_init = Arc::new(init_params.clone());
    let mut devices = Vec::with_capacity(shards.len());
    let mut traces = Vec::with_capacity(shards.len());
    for (i, shard) in shards.iter().enumerate() {
        let id = i as u32;
        let class = &scenario.device_classes[classes[i]];
        let avail_for_device = match &availability {
            Availability::Schedule(_) => device_schedule(&scenario.availability, id),
            other => other.clone(),
        };
        let avail_seed: u64 = stream(seed, Node::Device(id), Purpose::Availability).random();
        let trace =
            AvailabilityTrace::new(&avail_for_device, ChaCha8Rng::seed_from_u64(avail_seed))
                .map_err(|e| ExperimentError::Net(src.clone(), e))?;
        traces.push(trace.clone());
        let (samples, local) = if fl.systems_only || !here(id) {
            (shard.len(), None)
        } else {
            let data = stream(seed, Node::Device(id), Purpose::Data);
            let examples = Shard::new(pool.clone(), shard, data);
            let streams = DeviceStreams {
                training: stream(seed, Node::Device(id), Purpose::Training),
                compression: stream(seed, Node::Device(id), Purpose::Compression),
                test: stream(seed, Node::Device(id), Purpose::Test),
            };
            let samples = examples.len();
            let local = LocalModel::new(
                net.clone(),
                shared_init.clone(),
                examples,
                test.clone(),
                codec.clone(),
                streams,
                // A synchronous device does not train while its upload is in flight.
                mode == Mode::Sync,
            )
            .map_err(|e| bad(format!("compression: {e}")))?;
            (samples, Some(Box::new(local)))
        };
        let samples = u32::try_from(samples).map_err(|_| {
            bad(format!(
                "device {id} holds {samples} examples, more than the 2^32 - 1 a device may hold"
            ))
        })?;
        devices.push(DeviceParts {
            setup: DeviceSetup {
                id,
                samples,
                step_time: class.step_time,
                uplink: Arc::clone(&uplink),
                first_round: false,
            },
            local,
            class_name: class.name.clone(),
            energy: DeviceEnergy {
                radio: RadioEnergy {
                    tx_power_w: class.tx_power_w,
                    rx_power_w: class.rx_power_w,
                    amplifier_w: 0.0,
                },
                compute: ComputeEnergy {
                    per_spike_j: class.energy_per_spike_j,
                    per_synop_j: class.energy_per_synop_j,
                },
            },
            availability: trace,
        });
    }

    let sharing = match scenario.uplink.sharing {
        sc::LinkSharing::ProcessorSharing => Sharing::ProcessorSharing,
        sc::LinkSharing::Proportional => Sharing::Proportional,
        sc::LinkSharing::Fifo => Sharing::Fifo,
        _ => Sharing::EqualShare,
    };
    let downlink_mode = match scenario.downlink.sharing {
        sc::LinkSharing::Unicast => DownlinkMode::Unicast,
        _ => DownlinkMode::Broadcast,
    };
    let shared = SharedUplink::new(uplink.rate, sharing);
    let channel = Channel::new(
        (*uplink).clone(),
        downlink,
        downlink_mode,
        shared,
        traces,
        seed,
    )
    .map_err(net_err)?;
    let channel = match &scenario.cell {
        None => channel,
        Some(cell) => with_cell(channel, cell, &classes, &mut devices, seed).map_err(net_err)?,
    };
    let protocol = Protocol {
        mode,
        tau: fl.tau,
        delta_s: s.delta_s,
        steps: fl.steps,
        deadline: fl.deadline,
        participation,
        aggregation: fl.aggregation,
        eval_every: scenario.eval.every.max(1),
        eval_examples: match scenario.eval.test_examples_per_eval {
            0 => usize::MAX,
            n => n as usize,
        },
        device_models: scenario.eval.device_models,
        curve_steps: scenario.eval.local_every_steps.or(scenario
            .eval
            .local_every
            .map(|n| n.saturating_mul(s.delta_s))),
        budget_bytes: scenario.budget.uplink_bytes,
        budget_airtime: scenario.budget.round_airtime,
        systems_only: fl.systems_only,
        // No broadcast is smaller than a bare message header.
        lookahead: channel.min_downlink_delay(HEADER_BYTES),
    };
    let faults = faults::resolve(&scenario.faults, &classes, seed);
    Ok(Setup {
        faults,
        seed,
        net,
        test,
        init_params,
        devices,
        protocol,
        channel,
        codec,
        reused_examples,
    })
}

/// Puts `channel` in the scenario's cell: each device transmits at its class's power, and its
/// radio draws that radiated power over the amplifier's efficiency on top of its class's
/// transmit power.
fn with_cell(
    channel: Channel<Flight>,
    cell: &sc::CellSpec,
    classes: &[usize],
    devices: &mut [DeviceParts],
    seed: u64,
) -> Result<Channel<Flight>, NetError> {
    // Group 0 is the cell itself, group g + 1 the devices of cell.override[g].
    let group: Vec<u16> = if cell.overrides.is_empty() {
        Vec::new()
    } else {
        classes
            .iter()
            .enumerate()
            .map(|(d, &k)| {
                cell.overrides
                    .iter()
                    .position(|o| o.devices.covers(d as u64, k))
                    .map_or(0, |g| g as u16 + 1)
            })
            .collect()
    };
    let spec_of = |d: usize| match group.get(d) {
        Some(&g) if g > 0 => &cell.overrides[usize::from(g) - 1].cell,
        _ => cell,
    };
    let mut powers = Vec::with_capacity(classes.len());
    for (d, (device, &k)) in devices.iter_mut().zip(classes).enumerate() {
        let spec = spec_of(d);
        let dbm = spec.tx_power_dbm[k];
        let radiated_w = 10f64.powf((dbm - 30.0) / 10.0);
        device.energy.radio.tx_power_w += radiated_w / spec.pa_efficiency;
        device.energy.radio.amplifier_w = radiated_w / spec.pa_efficiency;
        powers.push(dbm);
    }
    let configs = std::iter::once(cell.config.clone())
        .chain(cell.overrides.iter().map(|o| o.cell.config.clone()))
        .collect();
    let channel = channel.with_cell(Cell::grouped(configs, group, &powers, seed)?)?;
    match cell.over_the_air {
        None => Ok(channel),
        Some(air) => channel.with_over_the_air(air),
    }
}

fn link_config(spec: &sc::LinkSpec) -> Result<LinkConfig, NetError> {
    let cfg = LinkConfig {
        latency: spec.latency.clone(),
        rate: Rate::from_bps(spec.rate_bps)?,
        mtu_bytes: spec.mtu_bytes,
        header_bytes: spec.header_bytes,
        loss: spec.loss.clone(),
        retries: spec.retries,
        retry_delay: spec.retry_delay,
    };
    cfg.validate()?;
    Ok(cfg)
}

fn map_availability(spec: &sc::AvailabilitySpec) -> Availability {
    match spec {
        sc::AvailabilitySpec::Always => Availability::Always,
        sc::AvailabilitySpec::OnOff { mean_on, mean_off } => Availability::OnOff {
            mean_on: *mean_on,
            mean_off: *mean_off,
        },
        sc::AvailabilitySpec::Schedule { .. } => Availability::Schedule(Vec::new()),
    }
}

fn device_schedule(spec: &sc::AvailabilitySpec, id: u32) -> Availability {
    let sc::AvailabilitySpec::Schedule { outages } = spec else {
        return Availability::Always;
    };
    Availability::Schedule(
        outages
            .iter()
            .filter(|o| o.device == u64::from(id))
            .map(|o| (SimTime::ZERO + o.off_from, SimTime::ZERO + o.off_to))
            .collect(),
    )
}
