//! Assembly: a run's ready objects wired into the kernel as node models, workers and the medium.

use super::device_tally::DeviceEnergy;
use super::recorder::{DeviceColumns, Recorder};
use super::wiring::{
    decode, BaseStationNode, CellMedium, DeviceNode, Fl, FlError, FlWorker, Flight,
};
use crate::data::Example;
use crate::fl::compress::Codec;
use crate::fl::model::flatten;
use crate::fl::{
    AirReceiver, BaseStation, Device, DeviceSetup, Fault, GlobalEvaluator, LocalModel,
    Participation, Protocol,
};
use crate::net::{AvailabilityTrace, Channel};
use crate::report::{RunResult, Sink};
use crate::rng::{stream, Node, Purpose};
use crate::sim::{self, SimError, Transport};
use crate::snn::{Network, Params};
use std::sync::Arc;

/// One device, ready to run.
pub struct DeviceParts {
    /// What its protocol knows of its situation.
    pub setup: DeviceSetup,
    /// Its learning state; `None` in a systems-only run.
    pub local: Option<Box<LocalModel>>,
    /// Name of its device class.
    pub class_name: String,
    /// Its energy models.
    pub energy: DeviceEnergy,
    /// When it is on (the base station's knowledge, for participation `available`).
    pub availability: AvailabilityTrace,
}

/// Everything a simulation needs.
pub struct Setup {
    /// Master seed.
    pub seed: u64,
    /// The SNN every device runs.
    pub net: Arc<Network>,
    /// The balanced test set.
    pub test: Arc<Vec<Example>>,
    /// The initial model, drawn at the base station and installed on every device.
    pub init_params: Params,
    /// The devices, in id order.
    pub devices: Vec<DeviceParts>,
    /// The protocol.
    pub protocol: Protocol,
    /// The channel, which carries the uploads in flight.
    pub channel: Channel<Flight>,
    /// How uploads are compressed and combined.
    pub codec: Arc<Codec>,
    /// Shard entries that repeat an example (0 when the shards are disjoint).
    pub reused_examples: u64,
    /// The fault timeline, targets resolved.
    pub faults: Vec<Fault>,
}

/// Runs `setup` to the end with the actors spread over `threads` arbiters; the records do not
/// depend on `threads`.
pub fn simulate(
    setup: Setup,
    sink: &mut dyn Sink,
    threads: usize,
) -> Result<RunResult, SimError<FlError>> {
    simulate_spread(setup, sink, threads, None, None, None)
}

/// Devices hosted on other ranks: the rank of each device (by id) and the transport to them.
pub type Elsewhere<'a> = (&'a [u32], &'a mut dyn Transport<Fl>);

/// [`simulate`], saving it whenever `saver` says so and, with `resume`, taking it up from a
/// snapshot of the same scenario (its sink already cut back to the snapshot's mark).
pub fn simulate_saving(
    setup: Setup,
    sink: &mut dyn Sink,
    threads: usize,
    resume: Option<sim::Snapshot<Fl>>,
    saver: Option<&mut dyn sim::Saver<Fl>>,
) -> Result<RunResult, SimError<FlError>> {
    simulate_spread(setup, sink, threads, resume, saver, None)
}

/// [`simulate_saving`] with the workers of the devices not placed on rank 0 hosted elsewhere,
/// through the transport (which also carries their saved states both ways); the records and
/// snapshots depend neither on `threads` nor on the placement.
pub fn simulate_spread(
    setup: Setup,
    sink: &mut dyn Sink,
    threads: usize,
    resume: Option<sim::Snapshot<Fl>>,
    saver: Option<&mut dyn sim::Saver<Fl>>,
    elsewhere: Option<Elsewhere>,
) -> Result<RunResult, SimError<FlError>> {
    let Setup {
        seed,
        net,
        test,
        init_params,
        devices,
        protocol,
        channel,
        codec,
        reused_examples: _,
        faults,
    } = setup;
    let protocol = Arc::new(protocol);
    let n = devices.len() as u32;
    let mut records = Vec::with_capacity(devices.len());
    let mut energy = Vec::with_capacity(devices.len());
    let mut availability = Vec::with_capacity(devices.len());
    let mut nodes = Vec::with_capacity(devices.len() + 1);
    let mut device_nodes = Vec::with_capacity(devices.len());
    for d in devices {
        let place = channel.cell_device(d.setup.id);
        records.push(DeviceColumns {
            class: d.class_name,
            samples: u64::from(d.setup.samples),
            place: place.map(|p| (p.distance_m, p.mean_snr_up_db)),
        });
        energy.push(d.energy);
        // Only participation `available` reads them: a trace holds an RNG of a few hundred bytes.
        if protocol.participation == Participation::Available {
            availability.push(d.availability);
        }
        device_nodes.push((d.setup, d.local));
    }
    let bs = BaseStation::new(
        protocol.clone(),
        n,
        codec.clone(),
        flatten(&init_params),
        availability,
        stream(seed, Node::BaseStation, Purpose::Participation),
    );
    let bs = match channel.over_the_air() {
        None => bs,
        Some(air) => bs.with_over_the_air(AirReceiver::new(
            air,
            stream(seed, Node::BaseStation, Purpose::AirNoise),
        )),
    };
    let first = bs.participants(0);
    let upload_bytes = codec.upload_bytes();
    let bs_worker = if protocol.systems_only {
        FlWorker::SizeOnly { upload_bytes }
    } else {
        FlWorker::BaseStation(Box::new(GlobalEvaluator::new(
            net,
            test,
            init_params,
            stream(seed, Node::BaseStation, Purpose::Test),
        )))
    };
    let (kernel, saved) = match resume {
        Some(snapshot) => {
            let sim::Snapshot {
                kernel,
                models,
                workers,
                medium,
                observer,
            } = snapshot;
            if models.len() != device_nodes.len() + 1 || workers.len() != models.len() {
                return Err(SimError::Save(format!(
                    "the snapshot holds {} nodes, the scenario {}",
                    models.len(),
                    device_nodes.len() + 1
                )));
            }
            (
                Some(kernel),
                Some((models.into_iter().zip(workers), medium, observer)),
            )
        }
        None => (None, None),
    };
    let (mut parts, saved) = match saved {
        Some((parts, medium, observer)) => (Some(parts), Some((medium, observer))),
        None => (None, None),
    };
    let unsaved = |node: usize| move |e: String| SimError::Save(format!("node {node}: {e}"));
    let mut bs = BaseStationNode {
        bs,
        devices: n,
        stand_in_bytes: upload_bytes,
    };
    let mut bs_worker = bs_worker;
    if let Some((m, w)) = parts.as_mut().and_then(Iterator::next) {
        bs.restore(&m.0)
            .and_then(|()| bs_worker.restore(&w.0))
            .map_err(unsaved(0))?;
    }
    nodes.push((
        Box::new(bs) as Box<dyn sim::Model<Fl>>,
        Some(Box::new(bs_worker) as Box<dyn sim::Worker<Fl>>),
    ));
    // The saved states of the workers hosted elsewhere, handed over before the run starts.
    let mut handed = Vec::new();
    for (i, (mut setup, local)) in device_nodes.into_iter().enumerate() {
        setup.first_round = first.binary_search(&setup.id).is_ok();
        let here = elsewhere
            .as_ref()
            .is_none_or(|(ranks, _)| ranks.get(setup.id as usize) == Some(&0));
        let mut model = DeviceNode {
            device: Device::new(setup, protocol.clone()),
        };
        let part = parts.as_mut().and_then(Iterator::next);
        if let Some((m, _)) = &part {
            model.restore(&m.0).map_err(unsaved(i + 1))?;
        }
        let worker: Option<Box<dyn sim::Worker<Fl>>> = if here {
            let mut worker = FlWorker::for_device(local, upload_bytes);
            if let Some((_, w)) = &part {
                worker.restore(&w.0).map_err(unsaved(i + 1))?;
            }
            Some(Box::new(worker))
        } else {
            handed.extend(part.map(|(_, w)| ((i + 1) as sim::NodeId, w)));
            None
        };
        nodes.push((Box::new(model) as Box<dyn sim::Model<Fl>>, worker));
    }
    let mut medium = CellMedium::new(channel, upload_bytes);
    let timeline = super::faults::timeline(&faults);
    let mut recorder = Recorder::new(
        (*protocol).clone(),
        records,
        energy,
        !faults.is_empty(),
        sink,
    );
    if let Some((m, o)) = saved {
        medium.restore(&m.0).map_err(SimError::Save)?;
        recorder.restore(decode(&o.0, "records").map_err(SimError::Save)?);
    }
    let mut transport = elsewhere.map(|(_, transport)| transport);
    if !handed.is_empty() {
        let Some(transport) = transport.as_mut() else {
            return Err(SimError::Internal(
                "a worker hosted elsewhere without a transport",
            ));
        };
        transport.restore(handed).map_err(|e| {
            SimError::Save(format!(
                "handing the workers elsewhere their saved states: {e}"
            ))
        })?;
    }
    let stats = sim::run_spread(
        nodes,
        &mut medium,
        &mut recorder,
        timeline,
        threads,
        transport.map(|t| &mut *t as &mut dyn Transport<Fl>),
        kernel,
        saver.map(|s| -> &mut dyn sim::Saver<Fl> { s }),
    )?;
    // The channel's tables (a slot per device's upload, its link states) and the memory the
    // nodes freed go before the device records are made: at a million devices they would add
    // hundreds of megabytes to the peak.
    drop(medium);
    super::heap::release_free_pages();
    Ok(recorder.finish(stats.events))
}
