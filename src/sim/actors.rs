//! The actix actors that host the nodes: one per device, one for the base station.
//!
//! Actors only compute; they never read a clock. The engine tells them what to do and when, in
//! virtual time, and merges their answers in (time, source, sequence) order.

use crate::data::Example;
use crate::fl::compress::{Broadcast, Codec, CompressError, EncodedUpload};
use crate::fl::model::unflatten;
use crate::fl::{Aggregation, ComputeTotals, Device};
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
    /// The first compression error met (a bug), reported at the end of the run.
    pub fault: Option<CompressError>,
}

impl Actor for DeviceActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

/// Train for `steps` local steps; optionally return the compressed model (for upload) and an
/// evaluation of the local model on the test set.
#[derive(Message)]
#[rtype(result = "Result<BatchResult, CompressError>")]
pub struct RunBatch {
    /// Local steps to run.
    pub steps: u64,
    /// Return the upload afterwards.
    pub upload: bool,
    /// Evaluate the local model afterwards on this many test examples (0: none).
    pub evaluate: usize,
}

/// What a batch produced.
pub struct BatchResult {
    /// Work done in the batch.
    pub compute: ComputeTotals,
    /// The upload after the batch, when asked for.
    pub upload: Option<EncodedUpload>,
    /// The local model's test evaluation, when asked for.
    pub evaluation: Option<Evaluation>,
}

impl Handler<RunBatch> for DeviceActor {
    type Result = Result<BatchResult, CompressError>;

    fn handle(&mut self, msg: RunBatch, _: &mut Self::Context) -> Self::Result {
        let compute = self.device.train(&self.net, msg.steps);
        let evaluation = (msg.evaluate > 0).then(|| {
            let n = msg.evaluate.min(self.test.len());
            self.device
                .evaluate(&self.net, &self.test[..n], &mut self.test_rng)
        });
        let upload = match msg.upload {
            true => Some(self.device.upload(&self.net)?),
            false => None,
        };
        Ok(BatchResult {
            compute,
            upload,
            evaluation,
        })
    }
}

/// Adopt the global model (or the slices of it that the broadcast carries).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Adopt(pub Arc<Broadcast>);

impl Handler<Adopt> for DeviceActor {
    type Result = ();

    fn handle(&mut self, msg: Adopt, _: &mut Self::Context) {
        if let Err(e) = self.device.adopt(&self.net, &msg.0) {
            self.fault.get_or_insert(e);
        }
    }
}

/// The end of a run: report the state, evaluating the local model on the whole test set when
/// asked (it costs as much as training on the test set, per device).
#[derive(Message)]
#[rtype(result = "Result<DeviceFinal, CompressError>")]
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
    type Result = Result<DeviceFinal, CompressError>;

    fn handle(&mut self, msg: Finish, _: &mut Self::Context) -> Self::Result {
        if let Some(e) = self.fault.take() {
            return Err(e);
        }
        let evaluation = msg.evaluate.then(|| {
            self.device
                .evaluate(&self.net, &self.test, &mut self.test_rng)
        });
        Ok(DeviceFinal {
            evaluation,
            learner_bytes: self.device.learner_bytes(),
        })
    }
}

/// The base station hosted in an actor: it holds the global model, combines uploads and
/// evaluates the global model.
pub struct BaseStationActor {
    /// The network shared by every device.
    pub net: Arc<Network>,
    /// The common balanced test set.
    pub test: Arc<Vec<Example>>,
    /// Stream for test-time sampling.
    pub test_rng: ChaCha12Rng,
    /// How uploads are weighted.
    pub aggregation: Aggregation,
    /// How uploads are decoded and combined.
    pub codec: Arc<Codec>,
    /// The global model, W ++ V ++ gamma.
    pub global: Vec<f64>,
    /// The shape of the parameters.
    pub shape: Params,
}

impl Actor for BaseStationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

/// Combine the uploads of a round, (device, samples, upload), into the next broadcast. With no
/// upload the broadcast is the unchanged global model.
#[derive(Message)]
#[rtype(result = "Result<Arc<Broadcast>, CompressError>")]
pub struct Aggregate(pub Vec<(u32, usize, EncodedUpload)>);

impl Handler<Aggregate> for BaseStationActor {
    type Result = Result<Arc<Broadcast>, CompressError>;

    fn handle(&mut self, msg: Aggregate, _: &mut Self::Context) -> Self::Result {
        let mut aggregator = self.codec.aggregator();
        for (device, samples, upload) in &msg.0 {
            aggregator.add(*device, self.aggregation.weight(*samples), upload)?;
        }
        let broadcast = match aggregator.finish(&mut self.global)? {
            Some(b) => b,
            None => self.codec.full_broadcast(&self.global)?,
        };
        Ok(Arc::new(broadcast))
    }
}

/// Evaluate the current global model on the first `examples` test examples.
#[derive(Message)]
#[rtype(result = "Evaluation")]
pub struct EvaluateGlobal {
    /// How many test examples.
    pub examples: usize,
}

impl Handler<EvaluateGlobal> for BaseStationActor {
    type Result = MessageResult<EvaluateGlobal>;

    fn handle(&mut self, msg: EvaluateGlobal, _: &mut Self::Context) -> Self::Result {
        let n = msg.examples.min(self.test.len());
        let examples: Vec<TestExample<'_>> =
            self.test[..n].iter().map(crate::fl::test_example).collect();
        let params = unflatten(&self.global, &self.shape);
        MessageResult(evaluate(&self.net, &params, &examples, &mut self.test_rng))
    }
}
