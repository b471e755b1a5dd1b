//! The actix actors that host the nodes: one per device, one for the base station.
//!
//! Actors only compute; they never read a clock. The engine tells them what to do and when, in
//! virtual time, and merges their answers in (time, source, sequence) order.

use crate::data::Example;
use crate::fl::{average, Aggregation, ComputeTotals, Device, Upload};
use crate::snn::{evaluate, Evaluation, Network, Params, TestExample};
use actix::prelude::*;
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// A device hosted in an actor.
pub struct DeviceActor {
    /// The protocol logic and learning state.
    pub device: Device,
    /// The network shared by every device.
    pub net: Arc<Network>,
    /// The common balanced test set.
    pub test: Arc<Vec<Example>>,
    /// Stream for test-time sampling.
    pub test_rng: ChaCha12Rng,
}

impl Actor for DeviceActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

/// Train for `steps` local steps; optionally return the model (for upload) and an evaluation of
/// the local model on the test set.
#[derive(Message)]
#[rtype(result = "BatchResult")]
pub struct RunBatch {
    /// Local steps to run.
    pub steps: u64,
    /// Return a copy of the parameters afterwards.
    pub snapshot: bool,
    /// Evaluate the local model afterwards on this many test examples (0: none).
    pub evaluate: usize,
}

/// What a batch produced.
pub struct BatchResult {
    /// Work done in the batch.
    pub compute: ComputeTotals,
    /// The parameters after the batch, when asked for.
    pub params: Option<Params>,
    /// The local model's test evaluation, when asked for.
    pub evaluation: Option<Evaluation>,
}

impl Handler<RunBatch> for DeviceActor {
    type Result = MessageResult<RunBatch>;

    fn handle(&mut self, msg: RunBatch, _: &mut Self::Context) -> Self::Result {
        let compute = self.device.train(&self.net, msg.steps);
        let params = msg.snapshot.then(|| self.device.model(&self.net));
        let evaluation = (msg.evaluate > 0).then(|| {
            let n = msg.evaluate.min(self.test.len());
            self.device
                .evaluate(&self.net, &self.test[..n], &mut self.test_rng)
        });
        MessageResult(BatchResult {
            compute,
            params,
            evaluation,
        })
    }
}

/// Replace the local parameters with the global model.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Adopt(pub Arc<Params>);

impl Handler<Adopt> for DeviceActor {
    type Result = ();

    fn handle(&mut self, msg: Adopt, _: &mut Self::Context) {
        self.device.adopt(&self.net, &msg.0);
    }
}

/// The end of a run: report the state, evaluating the local model on the whole test set when
/// asked (it costs as much as training on the test set, per device).
#[derive(Message)]
#[rtype(result = "DeviceFinal")]
pub struct Finish {
    /// Evaluate the local model.
    pub evaluate: bool,
}

/// A device's state at the end of a run.
pub struct DeviceFinal {
    /// Its local model on the test set, when asked for.
    pub evaluation: Option<Evaluation>,
    /// Bytes of its learning state.
    pub learner_bytes: usize,
}

impl Handler<Finish> for DeviceActor {
    type Result = MessageResult<Finish>;

    fn handle(&mut self, msg: Finish, _: &mut Self::Context) -> Self::Result {
        let evaluation = msg.evaluate.then(|| {
            self.device
                .evaluate(&self.net, &self.test, &mut self.test_rng)
        });
        MessageResult(DeviceFinal {
            evaluation,
            learner_bytes: self.device.learner_bytes(),
        })
    }
}

/// The base station hosted in an actor: it holds the global model and evaluates it.
pub struct BaseStationActor {
    /// The network shared by every device.
    pub net: Arc<Network>,
    /// The common balanced test set.
    pub test: Arc<Vec<Example>>,
    /// Stream for test-time sampling.
    pub test_rng: ChaCha12Rng,
    /// How uploads are weighted.
    pub aggregation: Aggregation,
}

impl Actor for BaseStationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

/// Average the uploads of a round: (device, samples, parameters).
#[derive(Message)]
#[rtype(result = "Option<Params>")]
pub struct Aggregate(pub Vec<(u32, usize, Params)>);

impl Handler<Aggregate> for BaseStationActor {
    type Result = Option<Params>;

    fn handle(&mut self, msg: Aggregate, _: &mut Self::Context) -> Option<Params> {
        let mut uploads: Vec<Upload<'_>> = msg
            .0
            .iter()
            .map(|(device, samples, params)| Upload {
                device: *device,
                samples: *samples,
                params,
            })
            .collect();
        average(&mut uploads, self.aggregation)
    }
}

/// Evaluate a global model on the first `examples` test examples.
#[derive(Message)]
#[rtype(result = "Evaluation")]
pub struct EvaluateGlobal {
    /// The model.
    pub params: Arc<Params>,
    /// How many test examples.
    pub examples: usize,
}

impl Handler<EvaluateGlobal> for BaseStationActor {
    type Result = MessageResult<EvaluateGlobal>;

    fn handle(&mut self, msg: EvaluateGlobal, _: &mut Self::Context) -> Self::Result {
        let n = msg.examples.min(self.test.len());
        let examples: Vec<TestExample<'_>> =
            self.test[..n].iter().map(crate::fl::test_example).collect();
        MessageResult(evaluate(
            &self.net,
            &msg.params,
            &examples,
            &mut self.test_rng,
        ))
    }
}
