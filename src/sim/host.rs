//! The actix actor that hosts a node's worker: a thin host that runs the node's jobs and probes in
//! the order they are handed to it, and never reads a clock.

use super::model::{System, Worker};
use actix::prelude::*;

/// A node's actor.
pub struct Host<S: System> {
    worker: Box<dyn Worker<S>>,
    /// The first error of a job whose result nobody awaits, reported with the next answer.
    fault: Option<S::Error>,
}

impl<S: System> Host<S> {
    /// Hosts `worker`.
    pub fn new(worker: Box<dyn Worker<S>>) -> Host<S> {
        Host {
            worker,
            fault: None,
        }
    }

    fn check(&mut self) -> Result<(), S::Error> {
        self.fault.take().map_or(Ok(()), Err)
    }
}

impl<S: System> Actor for Host<S> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

/// Run a job and answer with its result.
pub struct RunJob<S: System>(pub S::Job);

impl<S: System> Message for RunJob<S> {
    type Result = Result<Option<S::Done>, S::Error>;
}

impl<S: System> Handler<RunJob<S>> for Host<S> {
    type Result = Result<Option<S::Done>, S::Error>;

    fn handle(&mut self, msg: RunJob<S>, _: &mut Self::Context) -> Self::Result {
        self.check()?;
        self.worker.work(msg.0)
    }
}

/// Run a job; nobody awaits it.
pub struct PostJob<S: System>(pub S::Job);

impl<S: System> Message for PostJob<S> {
    type Result = ();
}

impl<S: System> Handler<PostJob<S>> for Host<S> {
    type Result = ();

    fn handle(&mut self, msg: PostJob<S>, _: &mut Self::Context) {
        if let Err(e) = self.worker.work(msg.0) {
            self.fault.get_or_insert(e);
        }
    }
}

/// Take a measurement.
pub struct TakeProbe<S: System>(pub S::Probe);

impl<S: System> Message for TakeProbe<S> {
    type Result = Result<S::Reading, S::Error>;
}

impl<S: System> Handler<TakeProbe<S>> for Host<S> {
    type Result = Result<S::Reading, S::Error>;

    fn handle(&mut self, msg: TakeProbe<S>, _: &mut Self::Context) -> Self::Result {
        self.check()?;
        self.worker.probe(msg.0)
    }
}

/// Save the worker's state (after every job handed to it before).
pub struct SaveWorker<S: System>(pub std::marker::PhantomData<fn() -> S>);

impl<S: System> Message for SaveWorker<S> {
    type Result = Result<Result<S::Saved, String>, S::Error>;
}

impl<S: System> Handler<SaveWorker<S>> for Host<S> {
    type Result = Result<Result<S::Saved, String>, S::Error>;

    fn handle(&mut self, _: SaveWorker<S>, _: &mut Self::Context) -> Self::Result {
        self.check()?;
        Ok(self.worker.save())
    }
}
