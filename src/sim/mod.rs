//! The simulation engine: virtual clock, event calendar, RNG streams, and the actix actors that
//! host the devices and the base station.

mod actors;
mod calendar;
mod channel;
mod engine;
mod records;
pub mod rng;
mod setup;

pub use calendar::Calendar;
pub use channel::{Channel, DownlinkOutcome, UplinkDone, UploadStart};
pub use engine::RunResult;
pub use records::{CurvePoint, DeviceRecord, EventKind, NetEvent, NullSink, RoundRecord, Sink};
pub use setup::{DeviceSpec, Protocol, SimSetup};

use actix::prelude::*;
use actors::{BaseStationActor, DeviceActor};
use rng::{stream, Node, Purpose};

/// What can stop a simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// An actor stopped before answering (a bug, or the process is shutting down).
    #[error("the actor of device {0} stopped before answering (u32::MAX = base station)")]
    ActorGone(u32),
    /// An invariant of the engine broke (a bug).
    #[error("internal simulator error: {0}")]
    Internal(&'static str),
    /// The channel rejected a message (a bug: scenarios are validated before).
    #[error("channel: {0}")]
    Net(#[from] crate::net::NetError),
    /// A compressed message could not be made or read (a bug).
    #[error("compression: {0}")]
    Compress(#[from] crate::fl::compress::CompressError),
    /// The actor system could not start.
    #[error("could not start the actor system: {0}")]
    System(String),
}

/// Runs a simulation to the end, with the device actors spread over `arbiters` threads (at least
/// one). The result does not depend on `arbiters`.
pub fn run(setup: SimSetup, sink: &mut dyn Sink, arbiters: usize) -> Result<RunResult, SimError> {
    let system = System::new();
    let result = system.block_on(async move {
        let arbiters: Vec<Arbiter> = (0..arbiters.max(1)).map(|_| Arbiter::new()).collect();
        let SimSetup {
            seed,
            net,
            test,
            init_params,
            devices,
            protocol,
            channel,
            participation_rng,
            codec,
        } = setup;
        let mut device_addrs = Vec::with_capacity(devices.len());
        let mut specs = Vec::with_capacity(devices.len());
        for (i, (spec, device)) in devices.into_iter().enumerate() {
            let actor = DeviceActor {
                device,
                net: net.clone(),
                test: test.clone(),
                test_rng: stream(seed, Node::Device(spec.id), Purpose::Test),
                fault: None,
            };
            let arbiter = &arbiters[i % arbiters.len()];
            device_addrs.push(DeviceActor::start_in_arbiter(
                &arbiter.handle(),
                move |_| actor,
            ));
            specs.push(spec);
        }
        let bs_actor = BaseStationActor {
            net: net.clone(),
            test: test.clone(),
            test_rng: stream(seed, Node::BaseStation, Purpose::Test),
            aggregation: protocol.aggregation,
            codec,
            global: crate::fl::model::flatten(&init_params),
            shape: init_params,
        };
        let bs = BaseStationActor::start_in_arbiter(&arbiters[0].handle(), move |_| bs_actor);
        let setup = setup::EngineSetup {
            devices: specs,
            protocol,
            channel,
            participation_rng,
        };
        let result = engine::Engine::new(setup, device_addrs, bs, sink)
            .run()
            .await;
        for a in &arbiters {
            a.stop();
        }
        for a in arbiters {
            let _ = a.join();
        }
        result
    });
    result
}
